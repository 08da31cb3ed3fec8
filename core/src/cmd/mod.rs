//! The command table and the command families.
//!
//! Every command is described once, by a [`CommandSpec`] in its family's `COMMANDS` table:
//! name, arity, flags, key positions, group, and the handler. The dispatcher
//! ([`Engine::execute`](crate::Engine::execute)) checks existence, arity and
//! authentication from the spec before a handler runs, so handlers never count their
//! arguments for arity; COMMAND COUNT/INFO/LIST/DOCS and key extraction read the same table.
//!
//! A handler is parse -> typed arguments -> operation on the shard's [`Db`](crate::db::Db)
//! -> reply through [`Ctx::reply`](crate::engine::Ctx). Families live in their own files.

pub mod connection;
pub mod dump;
pub mod hash;
pub mod info;
pub mod introspect;
pub mod keys;
pub mod list;
pub mod multi;
pub mod observe;
pub mod pubsub;
pub mod redis_specs;
pub mod server;
pub mod set;
pub mod string;
pub mod zset;

use crate::engine::Ctx;
use anax_protocol::Args;

/// The most elements a random pick with a negative count (HRANDFIELD, SRANDMEMBER,
/// ZRANDMEMBER) may return. Redis 7.0 has no bound: it builds the whole reply, and a count
/// such as -9223372036854775807 exhausts its memory. Anax answers "value is out of range"
/// beyond this bound instead (16M elements: a reply of hundreds of MB already).
pub const MAX_RANDOM_PICKS: i64 = 1 << 24;

/// A command's implementation.
pub type Handler = fn(&mut Ctx<'_>, Args<'_>);

/// Command flags, named as COMMAND INFO names them.
pub mod flags {
    /// May modify data.
    pub const WRITE: u32 = 1 << 0;
    /// Only reads data.
    pub const READONLY: u32 = 1 << 1;
    /// May grow memory; refused when over maxmemory.
    pub const DENYOOM: u32 = 1 << 2;
    /// Administrative.
    pub const ADMIN: u32 = 1 << 3;
    /// Pub/Sub.
    pub const PUBSUB: u32 = 1 << 4;
    /// Not allowed in scripts.
    pub const NOSCRIPT: u32 = 1 << 5;
    /// May block the client.
    pub const BLOCKING: u32 = 1 << 6;
    /// Allowed while loading.
    pub const LOADING: u32 = 1 << 7;
    /// Allowed on a stale replica.
    pub const STALE: u32 = 1 << 8;
    /// Not shown by MONITOR.
    pub const SKIP_MONITOR: u32 = 1 << 9;
    /// Not logged in SLOWLOG.
    pub const SKIP_SLOWLOG: u32 = 1 << 10;
    /// O(1) or O(log n).
    pub const FAST: u32 = 1 << 11;
    /// Allowed before AUTH.
    pub const NO_AUTH: u32 = 1 << 12;
    /// May replicate even when read-only.
    pub const MAY_REPLICATE: u32 = 1 << 13;
    /// Keys are optional.
    pub const NO_MANDATORY_KEYS: u32 = 1 << 14;
    /// Not allowed during async loading.
    pub const NO_ASYNC_LOADING: u32 = 1 << 15;
    /// Not allowed inside MULTI.
    pub const NO_MULTI: u32 = 1 << 16;
    /// Key positions cannot be told from first/last/step alone.
    pub const MOVABLE_KEYS: u32 = 1 << 17;
    /// Allowed while a script is busy.
    pub const ALLOW_BUSY: u32 = 1 << 18;
    /// Sentinel-only; kept for completeness.
    pub const SENTINEL: u32 = 1 << 19;

    /// Every flag with its COMMAND INFO name, in Redis's order.
    pub const NAMES: &[(u32, &str)] = &[
        (WRITE, "write"),
        (READONLY, "readonly"),
        (DENYOOM, "denyoom"),
        (ADMIN, "admin"),
        (PUBSUB, "pubsub"),
        (NOSCRIPT, "noscript"),
        (BLOCKING, "blocking"),
        (LOADING, "loading"),
        (STALE, "stale"),
        (SKIP_MONITOR, "skip_monitor"),
        (SKIP_SLOWLOG, "skip_slowlog"),
        (FAST, "fast"),
        (NO_AUTH, "no_auth"),
        (MAY_REPLICATE, "may_replicate"),
        (SENTINEL, "sentinel"),
        (NO_MANDATORY_KEYS, "no_mandatory_keys"),
        (NO_ASYNC_LOADING, "no_async_loading"),
        (NO_MULTI, "no_multi"),
        (MOVABLE_KEYS, "movablekeys"),
        (ALLOW_BUSY, "allow_busy"),
    ];
}

/// Redis's command groups (COMMAND DOCS `group`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    /// Keyspace commands.
    Generic,
    /// Strings.
    String,
    /// Lists.
    List,
    /// Sets.
    Set,
    /// Sorted sets.
    SortedSet,
    /// Hashes.
    Hash,
    /// Pub/Sub.
    PubSub,
    /// MULTI/EXEC.
    Transactions,
    /// Connection commands.
    Connection,
    /// Server commands.
    Server,
    /// Bit operations.
    Bitmap,
}

impl Group {
    /// The name Redis uses.
    pub fn name(self) -> &'static str {
        match self {
            Group::Generic => "generic",
            Group::String => "string",
            Group::List => "list",
            Group::Set => "set",
            Group::SortedSet => "sorted-set",
            Group::Hash => "hash",
            Group::PubSub => "pubsub",
            Group::Transactions => "transactions",
            Group::Connection => "connection",
            Group::Server => "server",
            Group::Bitmap => "bitmap",
        }
    }
}

/// One command (or subcommand) of the table.
#[derive(Debug)]
pub struct CommandSpec {
    /// Lower-case name (`get`; for a subcommand, `get` under `config`).
    pub name: &'static str,
    /// Redis arity: `n` exactly n arguments (name included), `-n` at least n.
    pub arity: i32,
    /// [`flags`] bits.
    pub flags: u32,
    /// Position of the first key (0: no keys).
    pub first_key: i32,
    /// Position of the last key (-1: the last argument, -2: the one before).
    pub last_key: i32,
    /// Step between keys.
    pub step: i32,
    /// Group.
    pub group: Group,
    /// Redis version that introduced it.
    pub since: &'static str,
    /// One-line summary (COMMAND DOCS).
    pub summary: &'static str,
    /// Time complexity (COMMAND DOCS).
    pub complexity: &'static str,
    /// ACL categories beyond those derived from flags and group (e.g. `dangerous`).
    pub acl: &'static [&'static str],
    /// The implementation; `None` for a container whose subcommands do the work.
    pub handler: Option<Handler>,
    /// Subcommands (CONFIG GET, CLIENT LIST, ...).
    pub subcommands: &'static [CommandSpec],
}

impl CommandSpec {
    /// A spec with the common defaults; families override fields with struct update syntax.
    pub const fn new(
        name: &'static str,
        arity: i32,
        flags: u32,
        group: Group,
        handler: Handler,
    ) -> Self {
        CommandSpec {
            name,
            arity,
            flags,
            first_key: 0,
            last_key: 0,
            step: 0,
            group,
            since: "1.0.0",
            summary: "",
            complexity: "",
            acl: &[],
            handler: Some(handler),
            subcommands: &[],
        }
    }

    /// Sets the key positions.
    pub const fn keys(mut self, first: i32, last: i32, step: i32) -> Self {
        self.first_key = first;
        self.last_key = last;
        self.step = step;
        self
    }

    /// Sets the version it appeared in.
    pub const fn since(mut self, v: &'static str) -> Self {
        self.since = v;
        self
    }

    /// Sets the summary and complexity.
    pub const fn doc(mut self, summary: &'static str, complexity: &'static str) -> Self {
        self.summary = summary;
        self.complexity = complexity;
        self
    }

    /// Sets extra ACL categories.
    pub const fn acl(mut self, acl: &'static [&'static str]) -> Self {
        self.acl = acl;
        self
    }

    /// A container command with subcommands.
    pub const fn container(
        name: &'static str,
        arity: i32,
        group: Group,
        subcommands: &'static [CommandSpec],
    ) -> Self {
        CommandSpec {
            name,
            arity,
            flags: 0,
            first_key: 0,
            last_key: 0,
            step: 0,
            group,
            since: "1.0.0",
            summary: "",
            complexity: "",
            acl: &[],
            handler: None,
            subcommands,
        }
    }

    /// True when the flag bits `f` are all set.
    #[inline]
    pub const fn has(&self, f: u32) -> bool {
        self.flags & f == f
    }

    /// True when `argc` arguments satisfy the arity.
    #[inline]
    pub const fn arity_ok(&self, argc: usize) -> bool {
        let a = self.arity;
        if a >= 0 {
            argc == a as usize
        } else {
            argc >= (-a) as usize
        }
    }

    /// The positions of the keys in a call with `argc` arguments, from first/last/step.
    pub fn key_positions(&self, argc: usize) -> impl Iterator<Item = usize> {
        let (first, step) = (self.first_key, self.step.max(1));
        let last = if self.last_key < 0 {
            argc as i32 + self.last_key
        } else {
            self.last_key
        };
        let last = last.min(argc as i32 - 1);
        let ok = first > 0;
        (0..)
            .map(move |i| first + i * step)
            .take_while(move |&p| ok && p <= last)
            .map(|p| p as usize)
    }
}

/// All command families' tables.
pub fn families() -> [&'static [CommandSpec]; 13] {
    [
        connection::COMMANDS,
        server::COMMANDS,
        introspect::COMMANDS,
        keys::COMMANDS,
        string::COMMANDS,
        multi::COMMANDS,
        list::COMMANDS,
        hash::COMMANDS,
        set::COMMANDS,
        zset::COMMANDS,
        dump::COMMANDS,
        pubsub::COMMANDS,
        observe::COMMANDS,
    ]
}

/// Every top-level command.
pub fn all() -> impl Iterator<Item = &'static CommandSpec> {
    families().into_iter().flat_map(|f| f.iter())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn names_are_unique_and_lowercase() {
        let mut names: Vec<&str> = all().map(|c| c.name).collect();
        for n in &names {
            assert_eq!(n.to_ascii_lowercase(), *n);
        }
        names.sort();
        let len = names.len();
        names.dedup();
        assert_eq!(len, names.len(), "duplicate command names");
    }

    #[test]
    fn key_positions_follow_first_last_step() {
        fn h(_: &mut Ctx<'_>, _: Args<'_>) {}
        let mset = CommandSpec::new("mset", -3, flags::WRITE, Group::String, h).keys(1, -1, 2);
        assert_eq!(mset.key_positions(5).collect::<Vec<_>>(), [1, 3]);
        let get = CommandSpec::new("get", 2, flags::READONLY, Group::String, h).keys(1, 1, 1);
        assert_eq!(get.key_positions(2).collect::<Vec<_>>(), [1]);
        let ping = CommandSpec::new("ping", -1, 0, Group::Connection, h);
        assert_eq!(ping.key_positions(2).count(), 0);
    }
}
