//! Where a command runs: the commands the coordinator knows by name, key extraction, and
//! the plan for a command whose keys live on several shards.
//!
//! Most commands need nothing named here: their keys (from the table's first/last/step, or
//! their key specs when the keys move) decide. All keys on one shard: the command runs
//! whole on that shard's thread. Keys on several shards: MGET, MSET, DEL, UNLINK, EXISTS
//! and TOUCH split into one command per shard whose replies merge ([`Merge`]); any other
//! command (RENAME, COPY, MSETNX, LCS, and the multi-key commands of families yet to come)
//! is *gathered*: its entries travel to the connection's thread, the handler runs there
//! on a scratch shard, and what it changed travels back, all under the keys' locks.

use crate::cmd::flags;
use crate::cmd::introspect::{key_specs, keys_by_specs};
use crate::engine::CmdEntry;
use crate::observe::Gather;
use crate::snapshot::SaveKind;
use alloc::vec::Vec;
use anax_protocol::Args;

/// How the replies of a command run once per shard become one reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Merge {
    /// One array element per key, in the order of the keys (MGET).
    Interleave,
    /// The sum of the integer replies (DEL, EXISTS, DBSIZE).
    Sum,
    /// `+OK` (MSET).
    Ok,
    /// The arrays one after the other (KEYS).
    Concat,
    /// The first shard's reply: every shard answers alike (FLUSHDB, SWAPDB).
    First,
}

/// Commands that report on, or act on, every thread rather than on keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Facts {
    /// INFO: counters of every thread (with the latency histograms for latencystats).
    Info,
    /// CLIENT LIST: connections of every thread.
    ClientList,
    /// CLIENT KILL: connections of every thread, and the kills sent to theirs.
    ClientKill,
    /// CONFIG SET: applied on every thread.
    ConfigSet,
    /// CONFIG RESETSTAT: on every thread.
    ResetStat,
    /// SLOWLOG and LATENCY: every thread's slow log or latency events.
    Observe(crate::observe::Gather),
}

/// What the coordinator knows about a command beyond its keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Special {
    /// Nothing: its keys decide.
    None,
    /// Split by shard when its keys are on several.
    Split(Merge),
    /// Runs on every shard (once per shard, under a shard-wide lock).
    AllShards(Merge),
    /// SCAN: walks the shards one after the other.
    Scan,
    /// RANDOMKEY: picks a shard by size, then a key in it.
    RandomKey,
    /// Server-wide facts.
    Facts(Facts),
    /// EXEC.
    Exec,
    /// WATCH.
    Watch,
    /// MULTI.
    Multi,
    /// DISCARD.
    Discard,
    /// UNWATCH.
    Unwatch,
    /// SAVE, BGSAVE: a snapshot of every shard.
    Snapshot(SaveKind),
    /// DEBUG: its RELOAD saves, empties and loads every shard.
    Debug,
    /// Runs on the connection's thread although it names keys: SSUBSCRIBE, SUNSUBSCRIBE
    /// and SPUBLISH, whose shard channels are keys only for COMMAND's key specs.
    Here,
}

/// The special treatment of the command `fullname` (`get`, `client|list`).
pub fn special_of(fullname: &str) -> Special {
    use Special::*;
    match fullname {
        "mget" => Split(Merge::Interleave),
        "mset" => Split(Merge::Ok),
        "del" | "unlink" | "exists" | "touch" => Split(Merge::Sum),
        "keys" => AllShards(Merge::Concat),
        "dbsize" => AllShards(Merge::Sum),
        "flushdb" | "flushall" | "swapdb" => AllShards(Merge::First),
        "scan" => Scan,
        "randomkey" => RandomKey,
        "info" => Facts(self::Facts::Info),
        "client|list" | "client|unblock" => Facts(self::Facts::ClientList),
        "client|kill" => Facts(self::Facts::ClientKill),
        "config|set" => Facts(self::Facts::ConfigSet),
        "config|resetstat" => Facts(self::Facts::ResetStat),
        "slowlog|get" => Facts(self::Facts::Observe(Gather::SlowlogGet)),
        "slowlog|len" => Facts(self::Facts::Observe(Gather::SlowlogLen)),
        "slowlog|reset" => Facts(self::Facts::Observe(Gather::SlowlogReset)),
        "latency|latest" | "latency|history" | "latency|graph" | "latency|doctor" => {
            Facts(self::Facts::Observe(Gather::Latency))
        }
        "latency|reset" => Facts(self::Facts::Observe(Gather::LatencyReset)),
        "latency|histogram" => Facts(self::Facts::Observe(Gather::Histogram)),
        "memory|stats" | "memory|doctor" => Facts(self::Facts::Info),
        "exec" => Exec,
        "watch" => Watch,
        "multi" => Multi,
        "discard" => Discard,
        "unwatch" => Unwatch,
        "save" => Snapshot(SaveKind::Save),
        "bgsave" => Snapshot(SaveKind::Background),
        "debug" => Debug,
        "ssubscribe" | "sunsubscribe" | "spublish" => Here,
        _ => None,
    }
}

/// Where a checked command runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// Here and now, on this engine: on the shard at this position in its `shards` (a
    /// keyed command), or over all its shards (`None`).
    Inline(Option<usize>),
    /// Whole, on this shard: it lives on another thread, or its keys are locked.
    Shard(usize),
    /// Split into one command per shard, replies merged.
    Split(Merge),
    /// Gathered: entries to this thread, the handler here, changes back.
    Gather,
    /// Once per shard, replies merged.
    AllShards(Merge),
    /// SCAN over several shards.
    Scan,
    /// RANDOMKEY over several shards.
    RandomKey,
    /// Server-wide facts gathered from every thread.
    Facts(Facts),
    /// EXEC.
    Exec,
    /// WATCH.
    Watch,
    /// SAVE or BGSAVE: the snapshot plan.
    Snapshot(SaveKind),
    /// DEBUG RELOAD: save, empty, load.
    Reload,
    /// A blocking command (outside MULTI): its first attempt on the shard of its keys
    /// (`Some`) or gathered from several (`None`); it may block.
    Block(Option<usize>),
}

/// Calls `f` with each key of the command line `args` of command `entry`, in order
/// (duplicates included): first/last/step, or the key specs for movable keys.
pub fn for_each_key<'a>(entry: &CmdEntry, args: Args<'a>, mut f: impl FnMut(&'a [u8])) {
    let spec = entry.spec;
    if spec.has(flags::MOVABLE_KEYS) {
        let argv: Vec<&[u8]> = args.iter().collect();
        if let Some(keys) = keys_by_specs(&key_specs(entry.fullname, spec), &argv) {
            for (pos, _) in keys {
                f(args.get(pos));
            }
        }
        return;
    }
    for p in spec.key_positions(args.len()) {
        f(args.get(p));
    }
}

/// The plan for a command whose keys are on several shards.
pub fn multi_shard(entry: &CmdEntry, args: Args<'_>) -> Route {
    match entry.special {
        // MSET with a key and no value: the handler answers its arity error before it
        // touches a key, so it runs here.
        Special::Split(_) if entry.spec.step == 2 && args.len().is_multiple_of(2) => {
            Route::Inline(None)
        }
        Special::Split(m) => Route::Split(m),
        _ => Route::Gather,
    }
}
