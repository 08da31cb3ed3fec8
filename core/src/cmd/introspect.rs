//! COMMAND and its subcommands: what the command table says about itself.
//!
//! Everything here is derived from the [`CommandSpec`] rows, as Redis 7.0 shows it:
//!
//! - ACL categories: from the flags (`write` -> `@write`, `readonly` -> `@read`, `admin` ->
//!   `@admin @dangerous`, `pubsub`, `fast`, `blocking`, and `@slow` when not `@fast`), from
//!   the group (`string` -> `@string`, `generic` -> `@keyspace`, `connection` ->
//!   `@connection`, ...; `server` has none), and from the row's `acl` extras. An extra that
//!   is itself a group category (`keyspace`, `connection`, `list`, ...) replaces the group's
//!   (SORT is `@set @sortedset @list`, not `@keyspace`; COMMAND, in group `server`, is
//!   `@connection`), and a container row (CONFIG, CLIENT) gets none from its group.
//! - Key specs and tips: Redis 7.0's, from [`redis_specs`], by full name. A command Redis
//!   does not have gets one `range` key spec from first/last/step, flagged `RO access` when
//!   read-only, `RW update` when it writes, `RO` otherwise. COMMAND GETKEYS finds keys with
//!   the key specs as Redis's `getKeysUsingKeySpecs` does (Redis's per-command `getkeys`
//!   procedures, used for SORT's STORE and the commands whose key flags vary, are not
//!   reproduced).

use super::redis_specs::{self, BeginSearch, FindKeys, KeySpec};
use super::{flags::*, CommandSpec, Group};
use crate::engine::{CmdEntry, Ctx};
use crate::errors;
use crate::glob::glob_match;
use alloc::vec::Vec;
use anax_protocol::Args;

/// COMMAND's subcommands.
static COMMAND_SUBS: &[CommandSpec] = &[
    CommandSpec::new("count", 2, LOADING | STALE, Group::Server, command_count)
        .since("2.8.13")
        .doc("Get total number of Redis commands", "O(1)")
        .acl(&["connection"]),
    CommandSpec::new("docs", -2, LOADING | STALE, Group::Server, command_docs)
        .since("7.0.0")
        .doc(
            "Get array of specific Redis command documentation",
            "O(N) where N is the number of commands to look up",
        )
        .acl(&["connection"]),
    CommandSpec::new(
        "getkeys",
        -4,
        LOADING | STALE,
        Group::Server,
        command_getkeys,
    )
    .since("2.8.13")
    .doc(
        "Extract keys given a full Redis command",
        "O(N) where N is the number of arguments to the command",
    )
    .acl(&["connection"]),
    CommandSpec::new(
        "getkeysandflags",
        -4,
        LOADING | STALE,
        Group::Server,
        command_getkeysandflags,
    )
    .since("7.0.0")
    .doc(
        "Extract keys and access flags given a full Redis command",
        "O(N) where N is the number of arguments to the command",
    )
    .acl(&["connection"]),
    CommandSpec::new("help", 2, LOADING | STALE, Group::Server, command_help)
        .since("5.0.0")
        .doc("Show helpful text about the different subcommands", "O(1)")
        .acl(&["connection"]),
    CommandSpec::new("info", -2, LOADING | STALE, Group::Server, command_info)
        .since("2.8.13")
        .doc(
            "Get array of specific Redis command details, or all when no argument is given.",
            "O(N) where N is the number of commands to look up",
        )
        .acl(&["connection"]),
    CommandSpec::new("list", -2, LOADING | STALE, Group::Server, command_list)
        .since("7.0.0")
        .doc(
            "Get an array of Redis command names",
            "O(N) where N is the total number of Redis commands",
        )
        .acl(&["connection"]),
];

/// The introspection family's table: COMMAND (which also answers on its own, with every
/// command's details).
pub static COMMANDS: &[CommandSpec] = &[CommandSpec {
    subcommands: COMMAND_SUBS,
    ..CommandSpec::new("command", -1, LOADING | STALE, Group::Server, command_all)
        .since("2.8.13")
        .doc(
            "Get array of Redis command details",
            "O(N) where N is the total number of Redis commands",
        )
        .acl(&["connection"])
}];

/// Redis's ACL categories, in the order COMMAND INFO lists them.
pub const CATEGORIES: &[&str] = &[
    "keyspace",
    "read",
    "write",
    "set",
    "sortedset",
    "list",
    "hash",
    "string",
    "bitmap",
    "hyperloglog",
    "geo",
    "stream",
    "pubsub",
    "admin",
    "fast",
    "slow",
    "blocking",
    "dangerous",
    "connection",
    "transaction",
    "scripting",
];

/// Categories that say what a command works on; an `acl` extra among them replaces the one
/// its group gives.
const GROUP_CATEGORIES: &[&str] = &[
    "keyspace",
    "set",
    "sortedset",
    "list",
    "hash",
    "string",
    "bitmap",
    "hyperloglog",
    "geo",
    "stream",
    "pubsub",
    "connection",
    "transaction",
    "scripting",
];

fn category_bit(name: &str) -> u32 {
    let name = name.strip_prefix('@').unwrap_or(name);
    CATEGORIES
        .iter()
        .position(|c| c.eq_ignore_ascii_case(name))
        .map_or(0, |i| 1 << i)
}

fn group_category(g: Group) -> Option<&'static str> {
    Some(match g {
        Group::Generic => "keyspace",
        Group::String => "string",
        Group::List => "list",
        Group::Set => "set",
        Group::SortedSet => "sortedset",
        Group::Hash => "hash",
        Group::Transactions => "transaction",
        Group::Connection => "connection",
        Group::Bitmap => "bitmap",
        // Redis derives @pubsub from the `pubsub` flag alone (PUBSUB HELP has neither).
        Group::Server | Group::PubSub => return None,
    })
}

/// The ACL categories of a command, as a bit set over [`CATEGORIES`].
pub fn acl_categories(spec: &CommandSpec) -> u32 {
    let mut m = 0;
    for (flag, cats) in [
        (WRITE, &["write"][..]),
        (READONLY, &["read"]),
        (ADMIN, &["admin", "dangerous"]),
        (PUBSUB, &["pubsub"]),
        (FAST, &["fast"]),
        (BLOCKING, &["blocking"]),
    ] {
        if spec.has(flag) {
            for c in cats {
                m |= category_bit(c);
            }
        }
    }
    for extra in spec.acl {
        m |= category_bit(extra);
    }
    let overridden = spec.acl.iter().any(|e| {
        let e = e.strip_prefix('@').unwrap_or(e);
        GROUP_CATEGORIES.iter().any(|g| g.eq_ignore_ascii_case(e))
    });
    if spec.handler.is_some() && !overridden {
        if let Some(g) = group_category(spec.group) {
            m |= category_bit(g);
        }
    }
    if m & category_bit("fast") == 0 {
        m |= category_bit("slow");
    }
    m
}

/// The flags of the key spec derived for a command Redis does not describe.
pub fn derived_key_spec_flags(spec: &CommandSpec) -> &'static [&'static str] {
    if spec.has(READONLY) {
        &["RO", "access"]
    } else if spec.has(WRITE) {
        &["RW", "update"]
    } else {
        &["RO"]
    }
}

/// The key specs of the command `fullname` with spec `spec`.
pub fn key_specs(fullname: &str, spec: &CommandSpec) -> Vec<KeySpec> {
    if let Some(specs) = redis_specs::key_specs(fullname) {
        return specs.to_vec();
    }
    if spec.first_key <= 0 {
        return Vec::new();
    }
    let lastkey = if spec.last_key < 0 {
        spec.last_key
    } else {
        spec.last_key - spec.first_key
    };
    alloc::vec![KeySpec {
        notes: "",
        flags: derived_key_spec_flags(spec),
        begin: BeginSearch::Index(spec.first_key),
        find: FindKeys::Range {
            lastkey,
            keystep: spec.step,
            limit: 0,
        },
    }]
}

fn is_not_key(k: &KeySpec) -> bool {
    k.flags.contains(&"not_key")
}

/// The keys of a command line (`args[0]` is the command) by its key specs, as Redis's
/// `getKeysUsingKeySpecs`: each key's position and its spec's flags. `None` when a spec
/// cannot be followed (a bad key count, too few arguments, an unknown spec).
pub fn keys_by_specs(
    specs: &[KeySpec],
    args: &[&[u8]],
) -> Option<Vec<(usize, &'static [&'static str])>> {
    let argc = args.len() as i64;
    let mut keys = Vec::new();
    for spec in specs.iter().filter(|s| !is_not_key(s)) {
        let mut first: i64 = match spec.begin {
            BeginSearch::Index(i) => i as i64,
            BeginSearch::Keyword { keyword, startfrom } => {
                let start = startfrom as i64;
                let (from, to) = if start > 0 {
                    (start, argc - 1)
                } else {
                    (argc + start, 1)
                };
                let mut found = 0;
                let mut i = from;
                // As Redis: the last position is never looked at.
                while i != to {
                    if i >= argc || i < 1 {
                        break;
                    }
                    if args[i as usize].eq_ignore_ascii_case(keyword.as_bytes()) {
                        found = i + 1;
                        break;
                    }
                    i += if from <= to { 1 } else { -1 };
                }
                if found == 0 {
                    continue;
                }
                found
            }
            // SORT's BY and STORE: Redis asks SORT's own key finder, which Anax lacks.
            BeginSearch::Unknown => continue,
        };
        let (last, step) = match spec.find {
            FindKeys::Range {
                lastkey,
                keystep,
                limit,
            } => {
                let last = if lastkey >= 0 {
                    first.checked_add(lastkey as i64)?
                } else if limit == 0 {
                    argc + lastkey as i64
                } else {
                    first + ((argc - first) / limit as i64 + lastkey as i64)
                };
                (last, keystep as i64)
            }
            FindKeys::Keynum {
                keynumidx,
                firstkey,
                keystep,
            } => {
                if keynumidx as i64 >= argc - first {
                    return None;
                }
                let n = crate::num::parse_canonical_i64(args[(first + keynumidx as i64) as usize])
                    .filter(|&n| n >= 0)?;
                first = first.checked_add(firstkey as i64)?;
                // A huge numkeys cannot name keys that exist: no overflow, no keys.
                (first.checked_add(n - 1)?, keystep as i64)
            }
            FindKeys::Unknown => continue,
        };
        if last >= argc || last < first || first >= argc {
            return None;
        }
        let mut i = first;
        while i <= last {
            keys.push((i as usize, spec.flags));
            i += step.max(1);
        }
    }
    Some(keys)
}

/// The row of a command by name, `container|sub` for a subcommand, in any case.
pub fn lookup_fullname(ctx: &Ctx<'_>, name: &[u8]) -> Option<usize> {
    let table = &ctx.state.commands;
    let mut parts = name.split(|&c| c == b'|');
    let base = table.lookup(parts.next()?)?;
    match (parts.next(), parts.next()) {
        (None, _) => Some(base),
        (Some(sub), None) if !table.entries[base].subs.is_empty() => table.lookup_sub(base, sub),
        _ => None,
    }
}

/// The row a command line (name, then arguments) runs, as Redis's `lookupCommand`: the
/// subcommand's when the command is a container and a second argument is given.
fn lookup_command_line(ctx: &Ctx<'_>, args: &[&[u8]]) -> Option<usize> {
    let table = &ctx.state.commands;
    let base = table.lookup(args.first()?)?;
    if table.entries[base].subs.is_empty() || args.len() < 2 {
        return Some(base);
    }
    table.lookup_sub(base, args[1])
}

/// COMMAND INFO's entry for one row.
fn reply_info(ctx: &mut Ctx<'_>, idx: usize) {
    let entries = &ctx.state.commands.entries;
    let e: &CmdEntry = &entries[idx];
    let spec = e.spec;
    let r = &mut ctx.reply;
    r.array(10);
    r.bulk(e.fullname.as_bytes());
    r.int(spec.arity as i64);
    // Redis hides `may_replicate` and `sentinel`.
    let shown = |f: u32| f != MAY_REPLICATE && f != SENTINEL;
    let flags: Vec<&str> = NAMES
        .iter()
        .filter(|(f, _)| shown(*f) && spec.has(*f))
        .map(|(_, n)| *n)
        .collect();
    r.set(flags.len());
    for f in flags {
        r.simple(f.as_bytes());
    }
    r.int(spec.first_key as i64);
    r.int(spec.last_key as i64);
    r.int(spec.step as i64);
    let cats = acl_categories(spec);
    r.set(cats.count_ones() as usize);
    for (i, c) in CATEGORIES.iter().enumerate() {
        if cats & (1 << i) != 0 {
            r.simple(alloc::format!("@{c}").as_bytes());
        }
    }
    let tips = redis_specs::tips(e.fullname);
    r.set(tips.len());
    for t in tips {
        r.bulk(t.as_bytes());
    }
    let specs = key_specs(e.fullname, spec);
    r.set(specs.len());
    for k in &specs {
        reply_key_spec(r, k);
    }
    if e.subs.is_empty() {
        r.set(0);
    } else {
        let subs = e.subs.clone();
        ctx.reply.array(subs.len());
        for s in subs {
            reply_info(ctx, s);
        }
    }
}

fn reply_key_spec(r: &mut anax_protocol::Reply<'_>, k: &KeySpec) {
    r.map(3 + !k.notes.is_empty() as usize);
    if !k.notes.is_empty() {
        r.bulk(b"notes");
        r.bulk(k.notes.as_bytes());
    }
    r.bulk(b"flags");
    r.set(k.flags.len());
    for f in k.flags {
        r.simple(f.as_bytes());
    }
    r.bulk(b"begin_search");
    r.map(2);
    r.bulk(b"type");
    match k.begin {
        BeginSearch::Index(i) => {
            r.bulk(b"index");
            r.bulk(b"spec");
            r.map(1);
            r.bulk(b"index");
            r.int(i as i64);
        }
        BeginSearch::Keyword { keyword, startfrom } => {
            r.bulk(b"keyword");
            r.bulk(b"spec");
            r.map(2);
            r.bulk(b"keyword");
            r.bulk(keyword.as_bytes());
            r.bulk(b"startfrom");
            r.int(startfrom as i64);
        }
        BeginSearch::Unknown => {
            r.bulk(b"unknown");
            r.bulk(b"spec");
            r.map(0);
        }
    }
    r.bulk(b"find_keys");
    r.map(2);
    r.bulk(b"type");
    match k.find {
        FindKeys::Range {
            lastkey,
            keystep,
            limit,
        } => {
            r.bulk(b"range");
            r.bulk(b"spec");
            r.map(3);
            r.bulk(b"lastkey");
            r.int(lastkey as i64);
            r.bulk(b"keystep");
            r.int(keystep as i64);
            r.bulk(b"limit");
            r.int(limit as i64);
        }
        FindKeys::Keynum {
            keynumidx,
            firstkey,
            keystep,
        } => {
            r.bulk(b"keynum");
            r.bulk(b"spec");
            r.map(3);
            r.bulk(b"keynumidx");
            r.int(keynumidx as i64);
            r.bulk(b"firstkey");
            r.int(firstkey as i64);
            r.bulk(b"keystep");
            r.int(keystep as i64);
        }
        FindKeys::Unknown => {
            r.bulk(b"unknown");
            r.bulk(b"spec");
            r.map(0);
        }
    }
}

/// COMMAND DOCS's map value for one row.
fn reply_docs(ctx: &mut Ctx<'_>, idx: usize) {
    let e = &ctx.state.commands.entries[idx];
    let spec = e.spec;
    let subs = e.subs.clone();
    let r = &mut ctx.reply;
    let n = 1
        + !spec.summary.is_empty() as usize
        + !spec.since.is_empty() as usize
        + !spec.complexity.is_empty() as usize
        + !subs.is_empty() as usize;
    r.map(n);
    if !spec.summary.is_empty() {
        r.bulk(b"summary");
        r.bulk(spec.summary.as_bytes());
    }
    if !spec.since.is_empty() {
        r.bulk(b"since");
        r.bulk(spec.since.as_bytes());
    }
    r.bulk(b"group");
    r.bulk(spec.group.name().as_bytes());
    if !spec.complexity.is_empty() {
        r.bulk(b"complexity");
        r.bulk(spec.complexity.as_bytes());
    }
    if !subs.is_empty() {
        ctx.reply.bulk(b"subcommands");
        ctx.reply.map(subs.len());
        for s in subs {
            let name = ctx.state.commands.entries[s].fullname;
            ctx.reply.bulk(name.as_bytes());
            reply_docs(ctx, s);
        }
    }
}

/// The rows of the top-level commands.
fn top_level(ctx: &Ctx<'_>) -> Vec<usize> {
    let entries = &ctx.state.commands.entries;
    let mut is_sub = alloc::vec![false; entries.len()];
    for e in entries {
        for &s in &e.subs {
            is_sub[s] = true;
        }
    }
    (0..entries.len()).filter(|&i| !is_sub[i]).collect()
}

/// COMMAND: every command's details.
fn command_all(ctx: &mut Ctx<'_>, _args: Args<'_>) {
    let rows = top_level(ctx);
    ctx.reply.array(rows.len());
    for i in rows {
        reply_info(ctx, i);
    }
}

/// COMMAND COUNT
fn command_count(ctx: &mut Ctx<'_>, _args: Args<'_>) {
    let n = top_level(ctx).len();
    ctx.reply.int(n as i64);
}

/// COMMAND INFO [command-name ...]
fn command_info(ctx: &mut Ctx<'_>, args: Args<'_>) {
    if args.len() == 2 {
        return command_all(ctx, args);
    }
    ctx.reply.array(args.len() - 2);
    for name in args.iter().skip(2) {
        match lookup_fullname(ctx, name) {
            Some(i) => reply_info(ctx, i),
            None => ctx.reply.null(),
        }
    }
}

/// COMMAND DOCS [command-name ...]
fn command_docs(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let rows: Vec<usize> = if args.len() == 2 {
        top_level(ctx)
    } else {
        args.iter()
            .skip(2)
            .filter_map(|n| lookup_fullname(ctx, n))
            .collect()
    };
    ctx.reply.map(rows.len());
    for i in rows {
        let name = ctx.state.commands.entries[i].fullname;
        ctx.reply.bulk(name.as_bytes());
        reply_docs(ctx, i);
    }
}

/// COMMAND LIST [FILTERBY MODULE module-name|ACLCAT category|PATTERN pattern]
fn command_list(ctx: &mut Ctx<'_>, args: Args<'_>) {
    enum Filter<'a> {
        All,
        None,
        Category(u32),
        Pattern(&'a [u8]),
    }
    let mut filter = Filter::All;
    let mut i = 2;
    while i < args.len() {
        let more = args.len() - 1 - i;
        if !(args.get(i).eq_ignore_ascii_case(b"filterby") && more == 2) {
            return ctx.error(errors::SYNTAX);
        }
        let (kind, arg) = (args.get(i + 1), args.get(i + 2));
        filter = if kind.eq_ignore_ascii_case(b"module") {
            // Anax has no modules.
            Filter::None
        } else if kind.eq_ignore_ascii_case(b"aclcat") {
            match core::str::from_utf8(arg).map(category_bit) {
                Ok(b) if b != 0 => Filter::Category(b),
                _ => Filter::None,
            }
        } else if kind.eq_ignore_ascii_case(b"pattern") {
            Filter::Pattern(arg)
        } else {
            return ctx.error(errors::SYNTAX);
        };
        i += 3;
    }
    let names: Vec<&'static str> = ctx
        .state
        .commands
        .entries
        .iter()
        .filter(|e| match filter {
            Filter::All => true,
            Filter::None => false,
            Filter::Category(b) => acl_categories(e.spec) & b != 0,
            Filter::Pattern(p) => glob_match(p, e.fullname.as_bytes(), true),
        })
        .map(|e| e.fullname)
        .collect();
    ctx.reply.array(names.len());
    for n in names {
        ctx.reply.bulk(n.as_bytes());
    }
}

/// The keys COMMAND GETKEYS finds in `line` with their flags, or the error to reply.
fn getkeys(
    ctx: &Ctx<'_>,
    line: &[&[u8]],
) -> Result<Vec<(usize, &'static [&'static str])>, &'static str> {
    let Some(idx) = lookup_command_line(ctx, line) else {
        return Err(errors::GETKEYS_INVALID_COMMAND);
    };
    let e = &ctx.state.commands.entries[idx];
    let specs = key_specs(e.fullname, e.spec);
    if specs.iter().all(is_not_key) {
        return Err(errors::GETKEYS_NO_KEYS);
    }
    if !e.spec.arity_ok(line.len()) {
        return Err(errors::GETKEYS_ARITY);
    }
    match keys_by_specs(&specs, line) {
        Some(mut keys) if !keys.is_empty() => {
            if let Some(flags) = variable_key_flags(e.fullname, line) {
                for k in &mut keys {
                    k.1 = flags;
                }
            }
            Ok(keys)
        }
        _ if e.spec.has(NO_MANDATORY_KEYS) => Ok(Vec::new()),
        _ => Err(errors::GETKEYS_INVALID_ARGS),
    }
}

/// The key flags of the commands whose key spec says `variable_flags`, from their
/// arguments, as Redis's `setGetKeys` and `bitfieldGetKeys`.
fn variable_key_flags(fullname: &str, line: &[&[u8]]) -> Option<&'static [&'static str]> {
    const RW: &[&str] = &["RW", "access", "update"];
    match fullname {
        "set" => Some(
            if line.iter().skip(3).any(|a| a.eq_ignore_ascii_case(b"get")) {
                RW
            } else {
                &["OW", "update"]
            },
        ),
        "bitfield" => {
            let mut i = 2;
            while i < line.len() {
                let rem = line.len() - i - 1;
                let a = line[i];
                if a.eq_ignore_ascii_case(b"get") && rem >= 2 {
                    i += 3;
                } else if a.eq_ignore_ascii_case(b"overflow") && rem >= 1 {
                    i += 2;
                } else {
                    return Some(RW);
                }
            }
            Some(&["RO", "access"])
        }
        _ => None,
    }
}

/// COMMAND GETKEYS command [arg ...]
fn command_getkeys(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let line: Vec<&[u8]> = args.iter().skip(2).collect();
    match getkeys(ctx, &line) {
        Err(e) => ctx.error(e),
        Ok(keys) => {
            ctx.reply.array(keys.len());
            for (k, _) in keys {
                ctx.reply.bulk(line[k]);
            }
        }
    }
}

/// COMMAND GETKEYSANDFLAGS command [arg ...]
fn command_getkeysandflags(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let line: Vec<&[u8]> = args.iter().skip(2).collect();
    match getkeys(ctx, &line) {
        Err(e) => ctx.error(e),
        Ok(keys) => {
            ctx.reply.array(keys.len());
            for (k, flags) in keys {
                ctx.reply.array(2);
                ctx.reply.bulk(line[k]);
                ctx.reply.set(flags.len());
                for f in flags {
                    ctx.reply.simple(f.as_bytes());
                }
            }
        }
    }
}

/// COMMAND HELP
fn command_help(ctx: &mut Ctx<'_>, args: Args<'_>) {
    super::server::reply_help(
        ctx,
        args,
        &[
            "(no subcommand)",
            "    Return details about all Redis commands.",
            "COUNT",
            "    Return the total number of commands in this Redis server.",
            "LIST",
            "    Return a list of all commands in this Redis server.",
            "INFO [<command-name> ...]",
            "    Return details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "DOCS [<command-name> ...]",
            "    Return documentation details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "GETKEYS <full-command>",
            "    Return the keys from a full Redis command.",
            "GETKEYSANDFLAGS <full-command>",
            "    Return the keys and the access flags from a full Redis command.",
        ],
    );
}
