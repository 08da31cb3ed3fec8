//! Observing the server: SLOWLOG, LATENCY and MEMORY.
//!
//! The slow log and the latency events live in each engine's
//! [`Monitor`](crate::observe::Monitor) (see [`crate::observe`]); on a server of several
//! threads the coordinator gathers the other threads' ([`Gathered`]) before a handler
//! here runs, and does the resets there first. MEMORY STATS and DOCTOR read the server's
//! counters as INFO does; MEMORY USAGE runs on the key's shard.
//!
//! LATENCY HISTOGRAM reads the per-command latency histograms every call feeds while
//! `latency-tracking` is on ([`crate::observe::LatencyHistogram`], kept in each engine's
//! command table and summed over the threads).

use super::server::reply_help;
use super::{flags::*, CommandSpec, Group};
use crate::db::Entry;
use crate::engine::{CommandTable, Ctx};
use crate::errors;
use crate::observe::{self, Gathered, Latency, LatencyHistogram, SlowEntry};
use crate::value::{Key, INLINE_CAP};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use anax_protocol::Args;

/// SLOWLOG's subcommands.
static SLOWLOG_SUBS: &[CommandSpec] = &[
    CommandSpec::new(
        "get",
        -2,
        ADMIN | LOADING | STALE,
        Group::Server,
        slowlog_get,
    )
    .since("2.2.12")
    .doc(
        "Get the slow log's entries",
        "O(N) where N is the number of entries returned",
    ),
    CommandSpec::new("help", 2, LOADING | STALE, Group::Server, slowlog_help)
        .since("6.2.0")
        .doc("Show helpful text about the different subcommands", "O(1)"),
    CommandSpec::new(
        "len",
        2,
        ADMIN | LOADING | STALE,
        Group::Server,
        slowlog_len,
    )
    .since("2.2.12")
    .doc("Get the slow log's length", "O(1)"),
    CommandSpec::new(
        "reset",
        2,
        ADMIN | LOADING | STALE,
        Group::Server,
        slowlog_reset,
    )
    .since("2.2.12")
    .doc(
        "Clear all entries from the slow log",
        "O(N) where N is the number of entries in the slowlog",
    ),
];

/// The flags of LATENCY's subcommands but HELP.
const LATENCY_FLAGS: u32 = ADMIN | NOSCRIPT | LOADING | STALE;

/// LATENCY's subcommands.
static LATENCY_SUBS: &[CommandSpec] = &[
    CommandSpec::new("doctor", 2, LATENCY_FLAGS, Group::Server, latency_doctor)
        .since("2.8.13")
        .doc("Return a human readable latency analysis report.", "O(1)"),
    CommandSpec::new("graph", 3, LATENCY_FLAGS, Group::Server, latency_graph)
        .since("2.8.13")
        .doc("Return a latency graph for the event.", "O(1)"),
    CommandSpec::new("help", 2, LOADING | STALE, Group::Server, latency_help)
        .since("2.8.13")
        .doc("Show helpful text about the different subcommands.", "O(1)"),
    CommandSpec::new(
        "histogram",
        -2,
        LATENCY_FLAGS,
        Group::Server,
        latency_histogram,
    )
    .since("7.0.0")
    .doc(
        "Return the cumulative distribution of latencies of a subset of commands or all.",
        "O(N) where N is the number of commands with latency information being retrieved.",
    ),
    CommandSpec::new("history", 3, LATENCY_FLAGS, Group::Server, latency_history)
        .since("2.8.13")
        .doc("Return timestamp-latency samples for the event.", "O(1)"),
    CommandSpec::new("latest", 2, LATENCY_FLAGS, Group::Server, latency_latest)
        .since("2.8.13")
        .doc("Return the latest latency samples for all events.", "O(1)"),
    CommandSpec::new("reset", -2, LATENCY_FLAGS, Group::Server, latency_reset)
        .since("2.8.13")
        .doc("Reset latency data for one or more events.", "O(1)"),
];

/// MEMORY's subcommands.
static MEMORY_SUBS: &[CommandSpec] = &[
    CommandSpec::new("doctor", 2, 0, Group::Server, memory_doctor)
        .since("4.0.0")
        .doc("Outputs memory problems report", "O(1)"),
    CommandSpec::new("help", 2, LOADING | STALE, Group::Server, memory_help)
        .since("4.0.0")
        .doc("Show helpful text about the different subcommands", "O(1)"),
    CommandSpec::new("malloc-stats", 2, 0, Group::Server, memory_malloc_stats)
        .since("4.0.0")
        .doc(
            "Show allocator internal stats",
            "Depends on how much memory is allocated, could be slow",
        ),
    CommandSpec::new("purge", 2, 0, Group::Server, memory_purge)
        .since("4.0.0")
        .doc(
            "Ask the allocator to release memory",
            "Depends on how much memory is allocated, could be slow",
        ),
    CommandSpec::new("stats", 2, 0, Group::Server, memory_stats)
        .since("4.0.0")
        .doc("Show memory usage details", "O(1)"),
    CommandSpec::new("usage", -3, READONLY, Group::Server, memory_usage)
        .keys(2, 2, 1)
        .since("4.0.0")
        .doc(
            "Estimate the memory usage of a key",
            "O(N) where N is the number of samples.",
        ),
];

/// The family's commands.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::container("slowlog", -2, Group::Server, SLOWLOG_SUBS)
        .since("2.2.12")
        .doc(
            "A container for slow log commands",
            "Depends on subcommand.",
        ),
    CommandSpec::container("latency", -2, Group::Server, LATENCY_SUBS)
        .since("2.8.13")
        .doc(
            "A container for latency diagnostics commands",
            "Depends on subcommand.",
        ),
    CommandSpec::container("memory", -2, Group::Server, MEMORY_SUBS)
        .since("4.0.0")
        .doc(
            "A container for memory diagnostics commands",
            "Depends on subcommand.",
        ),
];

/// What the coordinator gathered from the other threads, if anything.
fn gathered<'a>(ctx: &'a Ctx<'_>) -> Option<&'a Gathered> {
    ctx.remote.as_deref().map(|r| &r.observe)
}

/// The most entries the server's slow log holds: `slowlog-max-len` once merged from several
/// threads (each trims its own log as it grows); unbounded for one engine's log, which
/// Redis's rule already trims (`slowlog-max-len` lowered shows once the next entry comes).
fn slowlog_cap(ctx: &Ctx<'_>) -> usize {
    match gathered(ctx) {
        Some(_) => usize::try_from(ctx.state.config.slowlog_max_len).unwrap_or(usize::MAX),
        None => usize::MAX,
    }
}

/// SLOWLOG GET [count]: the newest entries of every thread, newest first.
fn slowlog_get(ctx: &mut Ctx<'_>, args: Args<'_>) {
    if args.len() > 3 {
        let e = errors::subcommand_syntax(args.get(1), args.get(0));
        return ctx.error(&e);
    }
    let Some(count) = observe::slowlog_get_count(args) else {
        return ctx.error(errors::SLOWLOG_COUNT);
    };
    let cap = slowlog_cap(ctx);
    let remote: &[SlowEntry] = match ctx.remote.as_deref() {
        Some(r) => &r.observe.slowlog,
        None => &[],
    };
    let local = ctx.state.observe.slowlog.iter();
    let entries = observe::merge_slowlog(local.chain(remote.iter()), cap, Some(count));
    let r = &mut ctx.reply;
    r.array(entries.len());
    for e in entries {
        r.array(6);
        r.int(e.id as i64);
        r.int(e.call.time as i64);
        r.int(e.call.duration as i64);
        r.array(e.call.args.len());
        for a in &e.call.args {
            r.bulk(a);
        }
        r.bulk(e.addr.as_bytes());
        r.bulk(&e.name);
    }
}

/// SLOWLOG LEN
fn slowlog_len(ctx: &mut Ctx<'_>, _args: Args<'_>) {
    let n = ctx.state.observe.slowlog.len() + gathered(ctx).map_or(0, |g| g.slowlog_len);
    let n = n.min(slowlog_cap(ctx));
    ctx.reply.int(n as i64);
}

/// SLOWLOG RESET (the other threads' logs were reset before it runs).
fn slowlog_reset(ctx: &mut Ctx<'_>, _args: Args<'_>) {
    ctx.state.observe.slowlog.reset();
    ctx.reply.ok();
}

/// SLOWLOG HELP
fn slowlog_help(ctx: &mut Ctx<'_>, args: Args<'_>) {
    reply_help(
        ctx,
        args,
        &[
            "GET [<count>]",
            "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
            "    Entries are made of:",
            "    id, timestamp, time in microseconds, arguments array, client IP and port,",
            "    client name",
            "LEN",
            "    Return the length of the slowlog.",
            "RESET",
            "    Reset the slowlog.",
        ],
    );
}

/// The server's latency events: this engine's, merged with the other threads' when they
/// were gathered.
fn server_latency(ctx: &Ctx<'_>) -> Latency {
    let local = &ctx.state.observe.latency;
    match gathered(ctx) {
        Some(g) if !g.latency.is_empty() => {
            Latency::merge(core::iter::once(local).chain(g.latency.iter()))
        }
        _ => local.clone(),
    }
}

/// LATENCY LATEST: per event, its name, the time and latency of its latest sample, and its
/// all-time high.
fn latency_latest(ctx: &mut Ctx<'_>, _args: Args<'_>) {
    let lat = server_latency(ctx);
    let r = &mut ctx.reply;
    r.array(lat.len());
    for (name, s) in lat.iter() {
        let last = s.latest();
        r.array(4);
        r.bulk(name.as_bytes());
        r.int(last.time as i64);
        r.int(last.latency as i64);
        r.int(s.max() as i64);
    }
}

/// LATENCY HISTORY event: the event's samples, oldest first, as [time, latency] pairs.
fn latency_history(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let lat = server_latency(ctx);
    let samples: Vec<observe::Sample> = lat
        .get(args.get(2))
        .map(|(_, s)| s.history().collect())
        .unwrap_or_default();
    let r = &mut ctx.reply;
    r.array(samples.len());
    for s in samples {
        r.array(2);
        r.int(s.time as i64);
        r.int(s.latency as i64);
    }
}

/// LATENCY GRAPH event: the event's samples drawn as text.
fn latency_graph(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let lat = server_latency(ctx);
    let now = ctx.now_us / 1_000_000;
    match lat.get(args.get(2)) {
        Some((name, s)) => {
            let g = observe::latency_graph(name, s, now);
            ctx.reply.verbatim(b"txt", g.as_bytes());
        }
        None => {
            let e = errors::no_latency_samples(args.get(2));
            ctx.error(&e);
        }
    }
}

/// LATENCY DOCTOR: a report on the events seen, with advice.
fn latency_doctor(ctx: &mut Ctx<'_>, _args: Args<'_>) {
    let lat = server_latency(ctx);
    let report = observe::latency_doctor(&lat, &ctx.state.config, ctx.now_us / 1_000_000);
    ctx.reply.verbatim(b"txt", report.as_bytes());
}

/// LATENCY RESET [event ...]: forgets the named events (all without a name); the number of
/// events forgotten, over every thread (the others did theirs first).
fn latency_reset(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let names: Vec<&[u8]> = args.iter().skip(2).collect();
    let mut gone = ctx.state.observe.latency.reset(&names);
    if let Some(g) = gathered(ctx) {
        gone.extend(g.reset.iter().copied());
    }
    gone.sort_unstable();
    gone.dedup();
    ctx.reply.int(gone.len() as i64);
}

/// The row of the command `name` names, as Redis's `lookupCommandBySds`: `get`, or
/// `config|get` for a subcommand (one level), in any case.
fn row_by_fullname(table: &CommandTable, name: &[u8]) -> Option<usize> {
    let mut parts = name.split(|&c| c == b'|');
    let top = table.lookup(parts.next()?)?;
    match (parts.next(), parts.next()) {
        (None, _) => Some(top),
        (Some(sub), None) => table.lookup_sub(top, sub),
        _ => None,
    }
}

/// LATENCY HISTOGRAM [command ...]: per command with calls, its calls and the cumulative
/// distribution of their latencies (Redis's `latencySpecificCommandsFillCDF` and
/// `latencyAllCommandsFillCDF`): every command without a name; a named one and, for a
/// container, its subcommands; unknown names skipped, repeated ones repeated.
fn latency_histogram(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let table = &ctx.state.commands;
    let remote: &[LatencyHistogram] = match ctx.remote.as_deref() {
        Some(r) => &r.observe.histograms,
        None => &[],
    };
    let has = |i: usize| {
        !table.entries[i].latency.is_empty() || remote.get(i).is_some_and(|h| !h.is_empty())
    };
    let mut rows: Vec<usize> = Vec::new();
    if args.len() == 2 {
        rows.extend((0..table.entries.len()).filter(|&i| has(i)));
    } else {
        for name in args.iter().skip(2) {
            let Some(i) = row_by_fullname(table, name) else {
                continue;
            };
            rows.extend(
                core::iter::once(i)
                    .chain(table.entries[i].subs.iter().copied())
                    .filter(|&i| has(i)),
            );
        }
    }
    // (command, calls, cumulative distribution)
    type Row = (&'static str, u64, Vec<(u64, u64)>);
    let out: Vec<Row> = rows
        .into_iter()
        .map(|i| {
            let mut h = table.entries[i].latency.clone();
            if let Some(r) = remote.get(i) {
                h.merge(r);
            }
            (table.entries[i].fullname, h.total(), h.cdf())
        })
        .collect();
    let r = &mut ctx.reply;
    r.map(out.len());
    for (name, calls, cdf) in out {
        r.bulk(name.as_bytes());
        r.map(2);
        r.bulk(b"calls");
        r.int(calls as i64);
        r.bulk(b"histogram_usec");
        r.map(cdf.len());
        for (usec, count) in cdf {
            r.int(usec as i64);
            r.int(count as i64);
        }
    }
}

/// LATENCY HELP
fn latency_help(ctx: &mut Ctx<'_>, args: Args<'_>) {
    reply_help(
        ctx,
        args,
        &[
            "DOCTOR",
            "    Return a human readable latency analysis report.",
            "GRAPH <event>",
            "    Return an ASCII latency graph for the <event> class.",
            "HISTORY <event>",
            "    Return time-latency samples for the <event> class.",
            "LATEST",
            "    Return the latest latency samples for all events.",
            "RESET [<event> ...]",
            "    Reset latency data of one or more <event> classes.",
            "    (default: reset all data for all event classes)",
            "HISTOGRAM [COMMAND ...]",
            "    Return a cumulative distribution of latencies in the format of a histogram for \
             the specified command names.",
            "    If no commands are specified then all histograms are replied.",
        ],
    );
}

/// The bytes a key and its entry take: the table slot (key and entry), the key's bytes when
/// they do not fit in the slot, and what the value owns. An estimate: Redis's figure comes
/// from its allocator's size classes.
pub fn key_usage(key: &[u8], entry: &Entry) -> usize {
    let key_heap = if key.len() > INLINE_CAP { key.len() } else { 0 };
    core::mem::size_of::<Key>() + core::mem::size_of::<Entry>() + key_heap + entry.value.heap_size()
}

/// MEMORY USAGE key [SAMPLES count]: the bytes the key and its value take, nil for a missing
/// key. SAMPLES is checked as Redis checks it; every element is counted whatever it says.
fn memory_usage(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let mut j = 3;
    while j < args.len() {
        if args.get(j).eq_ignore_ascii_case(b"samples") && j + 1 < args.len() {
            match crate::num::parse_i64(args.get(j + 1)) {
                None => return ctx.error(errors::NOT_INTEGER),
                Some(n) if n < 0 => return ctx.error(errors::SYNTAX),
                Some(_) => {}
            }
            j += 2;
        } else {
            return ctx.error(errors::SYNTAX);
        }
    }
    let key = args.get(2);
    // As Redis's `dictFind`: a key past its expiry that is still stored counts.
    let usage = ctx.db(key).get(key, 0).map(|e| key_usage(key, e));
    match usage {
        Some(n) => ctx.reply.int(n as i64),
        None => ctx.reply.null(),
    }
}

/// The memory figures MEMORY STATS and DOCTOR report, from what the host and the engines
/// know (Redis's `getMemoryOverheadData`). The host reports one figure for the allocator,
/// so allocated and active are both `used_memory`, and resident is the process's RSS.
struct Overhead {
    used: u64,
    peak: u64,
    rss: u64,
    startup: u64,
    overhead: u64,
    /// (database, keys, its share of the table memory)
    dbs: Vec<(usize, usize, u64)>,
    keys: u64,
}

impl Overhead {
    fn of(ctx: &Ctx<'_>) -> Overhead {
        let t = ctx.totals();
        let used = ctx.host.used_memory();
        let keys: u64 = t.keyspace.iter().map(|k| k.0 as u64).sum();
        let dbs = t
            .keyspace
            .iter()
            .enumerate()
            .filter(|(_, k)| k.0 > 0)
            .map(|(i, k)| (i, k.0, t.table_memory * k.0 as u64 / keys.max(1)))
            .collect();
        Overhead {
            used,
            // No peak is tracked (as INFO): the current figure stands for it.
            peak: used,
            rss: ctx.host.rss(),
            startup: 0,
            overhead: t.table_memory,
            dbs,
            keys,
        }
    }

    /// Memory beyond what the server took at start (at least 1).
    fn net(&self) -> u64 {
        if self.used > self.startup {
            self.used - self.startup
        } else {
            1
        }
    }
}

/// `a / b` as Redis computes its ratios (in `float`); 0 when `b` is 0.
fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        (a as f32 / b as f32) as f64
    }
}

/// MEMORY STATS: Redis 7.0's map, with the figures Anax has (zero for what it does not
/// have: replication, AOF, scripts, cluster).
fn memory_stats(ctx: &mut Ctx<'_>, _args: Args<'_>) {
    let m = Overhead::of(ctx);
    let dataset = m.used.saturating_sub(m.overhead);
    let net = m.net();
    let r = &mut ctx.reply;
    r.map(27 + m.dbs.len());
    fn int(r: &mut anax_protocol::Reply<'_>, name: &str, v: i64) {
        r.bulk(name.as_bytes());
        r.int(v);
    }
    int(r, "peak.allocated", m.peak as i64);
    int(r, "total.allocated", m.used as i64);
    int(r, "startup.allocated", m.startup as i64);
    for name in [
        "replication.backlog",
        "clients.slaves",
        "clients.normal",
        "cluster.links",
        "aof.buffer",
        "lua.caches",
        "functions.caches",
    ] {
        int(r, name, 0);
    }
    for (db, _, main) in &m.dbs {
        r.bulk(format!("db.{db}").as_bytes());
        r.map(3);
        int(r, "overhead.hashtable.main", *main as i64);
        // Expiry times live in the entries: no table of their own.
        int(r, "overhead.hashtable.expires", 0);
        int(r, "overhead.hashtable.slot-to-keys", 0);
    }
    int(r, "overhead.total", (m.startup + m.overhead) as i64);
    int(r, "keys.count", m.keys as i64);
    let per_key = net.checked_div(m.keys).unwrap_or(0);
    int(r, "keys.bytes-per-key", per_key as i64);
    int(r, "dataset.bytes", dataset as i64);
    r.bulk(b"dataset.percentage");
    r.double(ratio(dataset, net) * 100.0);
    r.bulk(b"peak.percentage");
    r.double(ratio(m.used, m.peak) * 100.0);
    int(r, "allocator.allocated", m.used as i64);
    int(r, "allocator.active", m.used as i64);
    int(r, "allocator.resident", m.rss as i64);
    r.bulk(b"allocator-fragmentation.ratio");
    r.double(ratio(m.used, m.used));
    int(r, "allocator-fragmentation.bytes", 0);
    r.bulk(b"allocator-rss.ratio");
    r.double(ratio(m.rss, m.used));
    int(r, "allocator-rss.bytes", m.rss as i64 - m.used as i64);
    r.bulk(b"rss-overhead.ratio");
    r.double(ratio(m.rss, m.rss));
    int(r, "rss-overhead.bytes", 0);
    r.bulk(b"fragmentation");
    r.double(ratio(m.rss, m.used));
    int(r, "fragmentation.bytes", m.rss as i64 - m.used as i64);
}

/// MEMORY DOCTOR's report (Redis's `getMemoryDoctorReport`) from the memory figures.
fn doctor_report(m: &Overhead) -> String {
    if m.used < 5 * 1024 * 1024 {
        return String::from(
            "Hi Sam, this instance is empty or is using very little memory, my issues detector \
             can't be used in these conditions. Please, leave for your mission on Earth and \
             fill it with some data. The new Sam and I will be back to our programming as soon \
             as I finished rebooting.\n",
        );
    }
    let big = |ratio: f64, bytes: i64, limit: f64| ratio > limit && bytes > 10 << 20;
    let extra = m.rss as i64 - m.used as i64;
    let big_peak = ratio(m.peak, m.used) > 1.5;
    // RSS over allocated: the total fragmentation, and the allocator's RSS overhead (the
    // host reports no allocator-internal figures, so the other checks cannot fire).
    let high_frag = big(ratio(m.rss, m.used), extra, 1.4);
    let high_alloc_rss = big(ratio(m.rss, m.used), extra, 1.1);
    if !(big_peak || high_frag || high_alloc_rss) {
        return String::from(
            "Hi Sam, I can't find any memory issue in your instance. I can only account for \
             what occurs on this base.\n",
        );
    }
    let mut s =
        String::from("Sam, I detected a few issues in this Redis instance memory implants:\n\n");
    if big_peak {
        s.push_str(
            " * Peak memory: In the past this instance used more than 150% the memory that is \
             currently using. The allocator is normally not able to release memory after a \
             peak, so you can expect to see a big fragmentation ratio, however this is actually \
             harmless and is only due to the memory peak, and if the Redis instance Resident \
             Set Size (RSS) is currently bigger than expected, the memory will be used as soon \
             as you fill the Redis instance with more data. If the memory peak was only \
             occasional and you want to try to reclaim memory, please try the MEMORY PURGE \
             command, otherwise the only other option is to shutdown and restart the \
             instance.\n\n",
        );
    }
    if high_frag {
        s.push_str(
            " * High total RSS: This instance has a memory fragmentation and RSS overhead \
             greater than 1.4 (this means that the Resident Set Size of the Redis process is \
             much larger than the sum of the logical allocations Redis performed). This \
             problem is usually due either to a large peak memory (check if there is a peak \
             memory entry above in the report) or may result from a workload that causes the \
             allocator to fragment memory a lot. If the problem is a large peak memory, then \
             there is no issue. Otherwise, make sure you are using the Jemalloc allocator and \
             not the default libc malloc. Note: The currently used allocator is \"libc\".\n\n",
        );
    }
    if high_alloc_rss {
        s.push_str(
            " * High allocator RSS overhead: This instance has an RSS memory overhead is \
             greater than 1.1 (this means that the Resident Set Size of the allocator is much \
             larger than the sum what the allocator actually holds). This problem is usually \
             due to a large peak memory (check if there is a peak memory entry above in the \
             report), you can try the MEMORY PURGE command to reclaim it.\n\n",
        );
    }
    s.push_str("I'm here to keep you safe, Sam. I want to help you.\n");
    s
}

/// MEMORY DOCTOR
fn memory_doctor(ctx: &mut Ctx<'_>, _args: Args<'_>) {
    let report = doctor_report(&Overhead::of(ctx));
    ctx.reply.verbatim(b"txt", report.as_bytes());
}

/// MEMORY MALLOC-STATS: what Redis answers when not built with jemalloc.
fn memory_malloc_stats(ctx: &mut Ctx<'_>, _args: Args<'_>) {
    ctx.reply
        .bulk(b"Stats not supported for the current allocator");
}

/// MEMORY PURGE: nothing to purge (Redis does the same without jemalloc).
fn memory_purge(ctx: &mut Ctx<'_>, _args: Args<'_>) {
    ctx.reply.ok();
}

/// MEMORY HELP
fn memory_help(ctx: &mut Ctx<'_>, args: Args<'_>) {
    reply_help(
        ctx,
        args,
        &[
            "DOCTOR",
            "    Return memory problems reports.",
            "MALLOC-STATS",
            "    Return internal statistics report from the memory allocator.",
            "PURGE",
            "    Attempt to purge dirty pages for reclamation by the allocator.",
            "STATS",
            "    Return information about the memory usage of the server.",
            "USAGE <key> [SAMPLES <count>]",
            "    Return memory in bytes used by <key> and its value. Nested values are",
            "    sampled up to <count> times (default: 5, 0 means sample all).",
        ],
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    fn overhead(used: u64, rss: u64) -> Overhead {
        Overhead {
            used,
            peak: used,
            rss,
            startup: 0,
            overhead: 0,
            dbs: Vec::new(),
            keys: 0,
        }
    }

    #[test]
    fn doctor_says_empty_below_5mb() {
        assert!(doctor_report(&overhead(0, 0)).starts_with("Hi Sam, this instance is empty"));
        assert!(doctor_report(&overhead(64 << 20, 70 << 20))
            .starts_with("Hi Sam, I can't find any memory issue"));
        let r = doctor_report(&overhead(64 << 20, 200 << 20));
        assert!(r.starts_with("Sam, I detected a few issues"));
        assert!(r.contains(" * High total RSS"));
        assert!(r.contains(" * High allocator RSS overhead"));
        assert!(r.ends_with("I'm here to keep you safe, Sam. I want to help you.\n"));
    }

    #[test]
    fn usage_grows_with_the_value() {
        let small = key_usage(b"k", &Entry::new(Value::from_bytes(b"v")));
        let big = key_usage(b"k", &Entry::new(Value::from_bytes(&[b'x'; 1000])));
        assert!(small > 0);
        assert!(big >= small + 1000);
        let long_key = key_usage(&[b'k'; 100], &Entry::new(Value::from_bytes(b"v")));
        assert_eq!(long_key, small + 100);
    }

    #[test]
    fn ratios_are_floats_and_safe() {
        assert_eq!(ratio(1, 0), 0.0);
        assert_eq!(ratio(3, 2), 1.5);
        // In `float`, as Redis computes them.
        assert_eq!(ratio(1, 3), (1.0f32 / 3.0f32) as f64);
    }
}
