//! The incremental request parser (the protocol helper writes it).

use crate::args::{Args, Span};
use alloc::vec::Vec;

/// Limits checked before anything is reserved.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// proto-max-bulk-len (512 MB).
    pub max_bulk_len: u64,
    /// client-query-buffer-limit (1 GB).
    pub query_buffer_limit: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_bulk_len: 512 * 1024 * 1024, query_buffer_limit: 1024 * 1024 * 1024 }
    }
}

/// A protocol error; the connection is answered with the text and closed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProtocolError(pub &'static str);

/// The outcome of one call to [`RequestParser::parse`].
pub enum Parsed<'a> {
    /// More bytes are needed.
    Incomplete,
    /// A request, and how many bytes of the buffer it used.
    Request(Args<'a>, usize),
    /// Bytes that make no request (an empty inline line), to be consumed.
    Skip(usize),
}

/// Parses requests out of a connection's input buffer.
#[derive(Default)]
pub struct RequestParser {
    spans: Vec<Span>,
    limits: Limits,
}

impl RequestParser {
    /// A parser with Redis's default limits.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses the next request from `buf`.
    pub fn parse<'a>(&'a mut self, _buf: &'a [u8]) -> Result<Parsed<'a>, ProtocolError> {
        let _ = (&self.spans, &self.limits);
        Ok(Parsed::Incomplete)
    }
}
