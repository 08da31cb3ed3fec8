//! RESP2/RESP3 for Anax: an incremental request parser, a reply encoder and a reply decoder.
//!
//! No I/O happens here. A host appends bytes it read to a buffer and asks the
//! [`RequestParser`] for the next request; the parser borrows the arguments from that
//! buffer (or, for inline requests, which it unquotes, from its own scratch space) and remembers how
//! far it got, so a request that arrives in pieces is never rescanned from the start.
//! Replies are written straight into an output buffer through [`Reply`].
#![no_std]
#![warn(missing_docs)]

extern crate alloc;

mod args;
pub mod parser;
pub mod reply;
pub mod sds;
pub mod value;

pub use args::{Args, OwnedArgs, Span};
pub use parser::{Limits, Parsed, ProtocolError, RequestParser};
pub use reply::{fmt_double, Proto, Reply};
pub use value::{decode, encode_request, DecodeError, Value};
