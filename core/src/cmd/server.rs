//! Server commands: DBSIZE, FLUSHDB, FLUSHALL, SWAPDB, INFO, CONFIG, TIME, SAVE, BGSAVE,
//! LASTSAVE, DEBUG, SHUTDOWN.

use super::{flags::*, CommandSpec, Group};
use crate::config::{self, Param, IMMUTABLE, PROTECTED};
use crate::engine::{Action, CmdStats, Conn, Ctx, State, Stats};
use crate::errors;
use crate::glob::glob_match;
use alloc::string::String;
use alloc::vec::Vec;
use anax_protocol::Args;

/// CONFIG's subcommands.
static CONFIG_SUBS: &[CommandSpec] = &[
    CommandSpec::new(
        "get",
        -3,
        ADMIN | NOSCRIPT | LOADING | STALE,
        Group::Server,
        config_get,
    )
    .since("2.0.0")
    .doc(
        "Get the values of configuration parameters",
        "O(N) when N is the number of configuration parameters provided",
    ),
    CommandSpec::new("help", 2, LOADING | STALE, Group::Server, config_help)
        .since("5.0.0")
        .doc("Show helpful text about the different subcommands", "O(1)"),
    CommandSpec::new(
        "resetstat",
        2,
        ADMIN | NOSCRIPT | LOADING | STALE,
        Group::Server,
        config_resetstat,
    )
    .since("2.0.0")
    .doc("Reset the stats returned by INFO", "O(1)"),
    CommandSpec::new(
        "rewrite",
        2,
        ADMIN | NOSCRIPT | LOADING | STALE,
        Group::Server,
        config_rewrite,
    )
    .since("2.8.0")
    .doc(
        "Rewrite the configuration file with the in memory configuration",
        "O(1)",
    ),
    CommandSpec::new(
        "set",
        -4,
        ADMIN | NOSCRIPT | LOADING | STALE,
        Group::Server,
        config_set,
    )
    .since("2.0.0")
    .doc(
        "Set configuration parameters to the given values",
        "O(N) when N is the number of configuration parameters provided",
    ),
];

/// The server family's table.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("dbsize", 1, READONLY | FAST, Group::Server, dbsize)
        .doc("Return the number of keys in the selected database", "O(1)")
        .acl(&["keyspace"]),
    CommandSpec::new("flushdb", -1, WRITE, Group::Server, flushdb)
        .doc(
            "Remove all keys from the current database",
            "O(N) where N is the number of keys in the selected database",
        )
        .acl(&["keyspace", "dangerous"]),
    CommandSpec::new("flushall", -1, WRITE, Group::Server, flushall)
        .doc(
            "Remove all keys from all databases",
            "O(N) where N is the total number of keys in all databases",
        )
        .acl(&["keyspace", "dangerous"]),
    CommandSpec::new("swapdb", 3, WRITE | FAST, Group::Server, swapdb)
        .since("4.0.0")
        .doc(
            "Swaps two Redis databases",
            "O(N) where N is the count of clients watching or blocking on keys from both \
             databases.",
        )
        .acl(&["keyspace", "dangerous"]),
    CommandSpec::new(
        "info",
        -1,
        LOADING | STALE,
        Group::Server,
        super::info::info,
    )
    .doc("Get information and statistics about the server", "O(1)")
    .acl(&["dangerous"]),
    CommandSpec::container("config", -2, Group::Server, CONFIG_SUBS)
        .since("2.0.0")
        .doc(
            "A container for server configuration commands",
            "Depends on subcommand.",
        ),
    CommandSpec::new("time", 1, LOADING | STALE | FAST, Group::Server, time)
        .since("2.6.0")
        .doc("Return the current server time", "O(1)"),
    CommandSpec::new(
        "save",
        1,
        ADMIN | NOSCRIPT | NO_ASYNC_LOADING | NO_MULTI,
        Group::Server,
        by_coordinator,
    )
    .doc(
        "Synchronously save the dataset to disk",
        "O(N) where N is the total number of keys in all databases",
    ),
    CommandSpec::new(
        "bgsave",
        -1,
        ADMIN | NOSCRIPT | NO_ASYNC_LOADING,
        Group::Server,
        by_coordinator,
    )
    .doc("Asynchronously save the dataset to disk", "O(1)"),
    CommandSpec::new(
        "lastsave",
        1,
        LOADING | STALE | FAST,
        Group::Server,
        lastsave,
    )
    .doc(
        "Get the UNIX time stamp of the last successful save to disk",
        "O(1)",
    )
    .acl(&["admin", "dangerous"]),
    CommandSpec::new(
        "debug",
        -2,
        ADMIN | NOSCRIPT | LOADING | STALE,
        Group::Server,
        debug,
    )
    .doc(
        "A container for debugging commands",
        "Depends on subcommand.",
    ),
    CommandSpec::new(
        "shutdown",
        -1,
        ADMIN | NOSCRIPT | LOADING | STALE | NO_MULTI | ALLOW_BUSY,
        Group::Server,
        shutdown,
    )
    .doc(
        "Synchronously save the dataset to disk and then shut down the server",
        "O(N) when saving, where N is the total number of keys in all databases when saving \
         data, otherwise O(1)",
    ),
];

/// Replies with a HELP text as Redis's `addReplyHelp`: a header naming the command
/// (`args[0]` in upper case), the lines, and the HELP entry.
pub fn reply_help(ctx: &mut Ctx<'_>, args: Args<'_>, lines: &[&str]) {
    let name = String::from_utf8_lossy(args.get(0)).to_ascii_uppercase();
    ctx.reply.array(lines.len() + 3);
    ctx.reply.simple(
        alloc::format!("{name} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
            .as_bytes(),
    );
    for l in lines {
        ctx.reply.simple(l.as_bytes());
    }
    ctx.reply.simple(b"HELP");
    ctx.reply.simple(b"    Prints this help.");
}

/// True when the connection comes from this machine (loopback or a Unix socket), for the
/// `local` value of `enable-debug-command` and `enable-protected-configs`.
pub fn is_local(c: &Conn) -> bool {
    let a = c.addr.addr.as_str();
    if a.starts_with('/') {
        return true;
    }
    let ip = a.rsplit_once(':').map_or(a, |(ip, _)| ip);
    let ip = ip.trim_start_matches('[').trim_end_matches(']');
    ip == "127.0.0.1" || ip == "::1"
}

/// Whether `enable-debug-command` allows connection `c` (DEBUG RELOAD's plan checks it).
pub(crate) fn debug_allowed(setting: &str, c: &Conn) -> bool {
    allowed(setting, c)
}

/// Whether a `no` / `yes` / `local` setting allows the calling connection.
pub(crate) fn allowed(setting: &str, c: &Conn) -> bool {
    match setting {
        "yes" => true,
        "local" => is_local(c),
        _ => false,
    }
}

/// DBSIZE (over the shards the call covers: the coordinator sums the shards' answers).
fn dbsize(ctx: &mut Ctx<'_>, _args: Args<'_>) {
    let n: usize = ctx.dbs().map(|d| d.len()).sum();
    ctx.reply.int(n as i64);
}

/// Parses FLUSHDB's and FLUSHALL's optional ASYNC / SYNC; false after replying an error.
/// Both free synchronously for now.
fn flush_mode(ctx: &mut Ctx<'_>, args: Args<'_>) -> bool {
    match args.len() {
        1 => true,
        2 if args.get(1).eq_ignore_ascii_case(b"sync")
            || args.get(1).eq_ignore_ascii_case(b"async") =>
        {
            true
        }
        _ => {
            ctx.error(errors::SYNTAX);
            false
        }
    }
}

/// FLUSHDB [ASYNC|SYNC] (over the shards the call covers; the coordinator runs it on
/// every shard).
fn flushdb(ctx: &mut Ctx<'_>, args: Args<'_>) {
    if !flush_mode(ctx, args) {
        return;
    }
    let dbi = ctx.dbi;
    for local in ctx.scope() {
        ctx.state.touch_watched_db(local, dbi, None);
    }
    let mut removed = 0;
    for db in ctx.dbs() {
        removed += db.len() as u64;
        db.clear();
    }
    ctx.dirty(removed);
    ctx.reply.ok();
}

/// FLUSHALL [ASYNC|SYNC] (over the shards the call covers).
fn flushall(ctx: &mut Ctx<'_>, args: Args<'_>) {
    if !flush_mode(ctx, args) {
        return;
    }
    let databases = ctx.state.config.databases;
    for local in ctx.scope() {
        for db in 0..databases {
            ctx.state.touch_watched_db(local, db, None);
        }
    }
    let mut removed = 0;
    for shard in ctx.shards() {
        for db in &mut shard.dbs {
            removed += db.len() as u64;
            db.clear();
        }
    }
    ctx.dirty(removed);
    ctx.dirty_once(1);
    ctx.reply.ok();
}

/// SWAPDB index1 index2
fn swapdb(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let int = |b: &[u8]| crate::num::parse_i64(b).and_then(|n| i32::try_from(n).ok());
    let Some(a) = int(args.get(1)) else {
        return ctx.error(errors::INVALID_FIRST_DB_INDEX);
    };
    let Some(b) = int(args.get(2)) else {
        return ctx.error(errors::INVALID_SECOND_DB_INDEX);
    };
    let n = ctx.state.config.databases as i32;
    if a < 0 || b < 0 || a >= n || b >= n {
        return ctx.error(errors::DB_INDEX_OUT_OF_RANGE);
    }
    let (a, b) = (a as usize, b as usize);
    for local in ctx.scope().filter(|_| a != b) {
        ctx.state.touch_watched_db(local, a, Some(b));
        ctx.state.touch_watched_db(local, b, Some(a));
    }
    for shard in ctx.shards() {
        shard.dbs.swap(a, b);
    }
    ctx.dirty_once(1);
    ctx.reply.ok();
}

/// TIME: seconds and microseconds.
fn time(ctx: &mut Ctx<'_>, _args: Args<'_>) {
    let mut b = itoa::Buffer::new();
    ctx.reply.array(2);
    ctx.reply.bulk(b.format(ctx.now_us / 1_000_000).as_bytes());
    ctx.reply.bulk(b.format(ctx.now_us % 1_000_000).as_bytes());
}

/// LASTSAVE: the time of the last successful save (the host keeps it), or the server's
/// start before any.
fn lastsave(ctx: &mut Ctx<'_>, _args: Args<'_>) {
    ctx.reply.int(last_save_time(ctx) as i64);
}

/// Unix seconds of the last successful save, or of the start.
pub(crate) fn last_save_time(ctx: &Ctx<'_>) -> u64 {
    match ctx.host.persistence().last_save_time {
        0 => ctx.state.info.started_us / 1_000_000,
        t => t,
    }
}

/// SAVE and BGSAVE: the coordinator runs them (`coord::snapshot`); never called.
fn by_coordinator(ctx: &mut Ctx<'_>, _args: Args<'_>) {
    ctx.error("ERR");
}

/// The longest prefix of `b` that C's `strtod` reads, as a number (0 when none).
fn strtod_prefix(b: &[u8]) -> f64 {
    let s = match core::str::from_utf8(b) {
        Ok(s) => s,
        Err(e) => core::str::from_utf8(&b[..e.valid_up_to()]).unwrap_or(""),
    };
    let s = s.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    let mut end = s.len().min(64);
    while end > 0 {
        if s.is_char_boundary(end) {
            if let Ok(v) = s[..end].parse::<f64>() {
                return v;
            }
        }
        end -= 1;
    }
    0.0
}

/// DEBUG subcommand [arg ...]: SLEEP, ERROR, LOG and HELP. Refused unless
/// `enable-debug-command` allows the connection, as in Redis.
fn debug(ctx: &mut Ctx<'_>, args: Args<'_>) {
    if !allowed(&ctx.state.config.enable_debug_command, ctx.conn_ref()) {
        return ctx.error(errors::DEBUG_NOT_ALLOWED);
    }
    let sub = args.get(1);
    let is = |s: &[u8]| sub.eq_ignore_ascii_case(s);
    if is(b"help") && args.len() == 2 {
        reply_help(
            ctx,
            args,
            &[
                "ERROR <string>",
                "    Return a Redis protocol error with <string> as message. Useful for clients",
                "    unit tests to simulate Redis errors.",
                "LOG <message>",
                "    Write <message> to the server log.",
                "SLEEP <seconds>",
                "    Stop the server for <seconds>. Decimals allowed.",
            ],
        );
    } else if is(b"sleep") && args.len() == 3 {
        let secs = strtod_prefix(args.get(2));
        let us = secs * 1_000_000.0;
        if us >= 1.0 {
            ctx.action = Action::Sleep(us as u64);
        }
        ctx.reply.ok();
    } else if is(b"error") && args.len() == 3 {
        let text = String::from_utf8_lossy(args.get(2));
        let text = match text.strip_prefix('-') {
            Some(t) => String::from(t),
            None => alloc::format!("ERR {text}"),
        };
        ctx.error(&text);
    } else if is(b"log") && args.len() == 3 {
        ctx.reply.ok();
    } else {
        let e = errors::subcommand_syntax(sub, args.get(0));
        ctx.error(&e);
    }
}

/// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]: no reply; the host saves (or not) and
/// exits. NOW and FORCE are accepted; the host decides what waiting there is.
fn shutdown(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let (mut save, mut nosave, mut other, mut abort) = (false, false, false, false);
    for a in args.iter().skip(1) {
        if a.eq_ignore_ascii_case(b"nosave") {
            nosave = true;
        } else if a.eq_ignore_ascii_case(b"save") {
            save = true;
        } else if a.eq_ignore_ascii_case(b"now") || a.eq_ignore_ascii_case(b"force") {
            other = true;
        } else if a.eq_ignore_ascii_case(b"abort") {
            abort = true;
        } else {
            return ctx.error(errors::SYNTAX);
        }
    }
    if (abort && (save || nosave || other)) || (save && nosave) {
        return ctx.error(errors::SYNTAX);
    }
    if abort {
        return ctx.error(errors::NO_SHUTDOWN_IN_PROGRESS);
    }
    ctx.action = Action::Shutdown {
        save: if save {
            Some(true)
        } else if nosave {
            Some(false)
        } else {
            None
        },
    };
}

/// CONFIG GET parameter [parameter ...]: a map of every parameter matching a name or a glob
/// pattern, each once; a plain name answers with the name as given, a pattern with the
/// names it matched (aliases included).
fn config_get(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let mut found: Vec<(Vec<u8>, &'static Param)> = Vec::new();
    let seen = |found: &Vec<(Vec<u8>, &Param)>, n: &[u8]| {
        found.iter().any(|(f, _)| f.eq_ignore_ascii_case(n))
    };
    for pat in args.iter().skip(2) {
        if !pat.iter().any(|c| matches!(c, b'[' | b'*' | b'?')) {
            if seen(&found, pat) {
                continue;
            }
            if let Some(p) = config::lookup(pat) {
                found.push((pat.to_vec(), p));
            }
            continue;
        }
        for p in config::PARAMS {
            for name in p.names() {
                if !seen(&found, name.as_bytes()) && glob_match(pat, name.as_bytes(), true) {
                    found.push((name.as_bytes().to_vec(), p));
                }
            }
        }
    }
    ctx.reply.map(found.len());
    for (name, p) in found {
        let v = ctx.state.config.get(p);
        ctx.reply.bulk(&name);
        ctx.reply.bulk(&v);
    }
}

/// CONFIG SET parameter value [parameter value ...]: all or nothing; every name is checked
/// and every value parsed before any is applied.
fn config_set(ctx: &mut Ctx<'_>, args: Args<'_>) {
    if !args.len().is_multiple_of(2) {
        return ctx.error(errors::SYNTAX);
    }
    let protected_ok = allowed(&ctx.state.config.enable_protected_configs, ctx.conn_ref());
    // (parameter, the name it was given by, value)
    let mut chosen: Vec<(&'static Param, &'static str, &[u8])> = Vec::new();
    let mut first_error: Option<String> = None;
    for i in (2..args.len()).step_by(2) {
        let (name, value) = (args.get(i), args.get(i + 1));
        let Some((p, found)) = config::lookup_name(name) else {
            first_error.get_or_insert_with(|| errors::config_unknown_option(name));
            continue;
        };
        if first_error.is_some() {
            continue;
        }
        let why = if p.has(IMMUTABLE) {
            Some("can't set immutable config")
        } else if p.has(PROTECTED) && !protected_ok {
            Some("can't set protected config")
        } else if chosen.iter().any(|(_, f, _)| *f == found) {
            Some("duplicate parameter")
        } else {
            None
        };
        match why {
            Some(why) => first_error = Some(errors::config_set_failed(name, why)),
            None => chosen.push((p, found, value)),
        }
    }
    if let Some(e) = first_error {
        return ctx.error(&e);
    }
    // Parse every value against the settings as the earlier ones leave them, then apply
    // them all, or none.
    let mut next = ctx.state.config.clone();
    for (p, found, value) in chosen {
        match next.parse(p, value) {
            Ok(v) => next.apply(p, v),
            Err(why) => {
                let e = errors::config_set_failed(found.as_bytes(), &why);
                return ctx.error(&e);
            }
        }
    }
    ctx.state.config = next;
    // What the databases record for keyspace notifications (other threads catch up at
    // their next tick).
    crate::notify::sync(ctx.state);
    ctx.reply.ok();
}

/// CONFIG RESETSTAT: zeroes the counters INFO reports (stats, commandstats, errorstats,
/// latencystats); the coordinator does the same on the other threads.
fn config_resetstat(ctx: &mut Ctx<'_>, _args: Args<'_>) {
    reset_stats(ctx.state);
    ctx.reply.ok();
}

/// Zeroes one engine's counters (CONFIG RESETSTAT).
pub fn reset_stats(state: &mut State) {
    state.stats = Stats::default();
    for e in &mut state.commands.entries {
        e.stats = CmdStats::default();
        // Redis frees the histograms: a command shows again once called.
        e.latency = Default::default();
    }
    for shard in &mut state.shards {
        for db in &mut shard.dbs {
            db.stats = Default::default();
        }
    }
}

/// CONFIG REWRITE: the configuration file the server was started with gets the current
/// settings, as Redis's `rewriteConfig` writes them (see [`crate::config_file::rewrite`]);
/// the host writes the file.
fn config_rewrite(ctx: &mut Ctx<'_>, _args: Args<'_>) {
    if ctx.state.config.config_file.is_empty() {
        return ctx.error(errors::NO_CONFIG_FILE);
    }
    let config = &ctx.state.config;
    let result = ctx
        .host
        .rewrite_config(&config.config_file, &mut |old, cwd| {
            crate::config_file::rewrite(old, config, cwd)
        });
    match result {
        Ok(()) => ctx.reply.ok(),
        Err(why) => {
            let e = errors::config_rewrite_failed(&why);
            ctx.error(&e)
        }
    }
}

/// CONFIG HELP
fn config_help(ctx: &mut Ctx<'_>, args: Args<'_>) {
    reply_help(
        ctx,
        args,
        &[
            "GET <pattern>",
            "    Return parameters matching the glob-like <pattern> and their values.",
            "SET <directive> <value>",
            "    Set the configuration <directive> to <value>.",
            "RESETSTAT",
            "    Reset statistics reported by the INFO command.",
            "REWRITE",
            "    Rewrite the configuration file.",
        ],
    );
}
