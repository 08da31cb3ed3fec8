//! Anax's engine: everything that decides what a command does, and nothing that does I/O.
//!
//! A host (a server, or the in-process test host) owns an [`Engine`], feeds it parsed
//! requests with [`Engine::execute`] and the passage of time with [`Engine::tick`], and
//! writes out the reply bytes it gets back. The engine never touches a socket, a thread, a
//! file or a clock: the [`Host`] trait brings it what it needs to know about the outside.
//!
//! Layout:
//! - [`dash`]: the dashtable, the hash table that holds each logical database.
//! - [`value`]: compact keys and values.
//! - [`db`]: one logical database of one shard: the table plus expiry.
//! - [`shard`]: a shard (one per thread in the server) and key-to-shard routing.
//! - [`cmd`]: the command table and the command families, one file per family.
//! - [`engine`]: the dispatcher, connection state and the host interface.
//! - [`coord`]: the coordinator: hops to other shards, multi-shard transactions (intent
//!   locks), MULTI/EXEC/WATCH, written once as `async` code over the host's messenger.
//! - [`errors`]: every error text, copied from Redis 7.0.
//! - [`rdb`]: the RDB codec: Redis 7.0's snapshot format and DUMP payloads.
//! - [`snapshot`]: forkless snapshots (SAVE, BGSAVE): the per-database state and how it works.
//! - [`observe`]: the slow log and the latency monitor (SLOWLOG, LATENCY).
//! - [`notify`]: keyspace notifications (`notify-keyspace-events`).
#![no_std]
#![warn(missing_docs)]

extern crate alloc;

pub mod cmd;
pub mod config;
pub mod config_file;
pub mod coord;
pub mod dash;
pub mod db;
pub mod engine;
pub mod errors;
pub mod glob;
pub mod notify;
pub mod num;
pub mod observe;
pub mod pubsub;
pub mod rdb;
pub mod shard;
pub mod snapshot;
pub mod types;
pub mod value;

pub use config::Config;
pub use engine::{
    Action, ClientAddr, ConnId, Engine, Host, HostInfo, Registry, Routed, SaveTarget, Step,
};
