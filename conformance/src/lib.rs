//! Differential tests of Anax against a real redis-server, reply for reply.
//!
//! - [`client`]: a blocking RESP client, launchers for `redis-server` and `anax`.
//! - [`case`]: case files written as `redis-cli` lines (cases, regressions, failures).
//! - [`normalise`]: the only places where replies are not compared byte for byte, and the
//!   commands that generated sequences leave out, each with its reason.
//! - [`known`]: known differences waiting for a fix.
//! - [`gen`]: proptest strategies, one file per command family.
//! - [`target`] and [`run`]: the servers under test and the step-by-step comparison.
//! - [`commands`] and [`compat`]: the Redis 7.0 command list and `docs/compat.md`.
//! - [`scenario`]: several clients at once, commands that block, time passing (blocking
//!   commands), played on any server and compared as transcripts.
//!
//! Nothing here skips quietly: when `redis-server` is missing the launcher panics with a
//! message that says how to install it.

pub mod case;
pub mod client;
pub mod commands;
pub mod compat;
pub mod gen;
pub mod known;
pub mod normalise;
pub mod run;
pub mod scenario;
pub mod target;

pub use case::{parse_case, render_args, split_line, Step};
pub use client::{anax_binary, free_port, Client, Server};
