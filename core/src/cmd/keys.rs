//! The keyspace family: DEL, UNLINK, EXISTS, TYPE, KEYS, SCAN, RANDOMKEY, RENAME, RENAMENX,
//! MOVE, COPY, TOUCH, the EXPIRE and TTL commands, PERSIST and OBJECT.
//!
//! Keys live in several shards; a command with several keys (DEL, EXISTS, TOUCH, RENAME,
//! COPY) reaches each key's shard through [`State::db`](crate::engine::State::db), and the
//! coordinator runs it where those shards are (split by shard, or gathered). Commands over
//! the whole keyspace walk the shards a call covers ([`Ctx::shards`]): the coordinator runs
//! KEYS once per shard and merges; SCAN keeps the shard in its cursor (see [`scan_cursor`])
//! and the coordinator walks shard by shard with [`scan_shard`]; RANDOMKEY picks a shard
//! weighted by size.
//!
//! Which lookups count as keyspace hits and misses follows Redis 7.0: read lookups (EXISTS,
//! TYPE, TOUCH, TTL and friends, OBJECT, COPY's source, SCAN's TYPE filter) count, write
//! lookups (DEL, RENAME, MOVE, EXPIRE, PERSIST) do not.

use super::{flags::*, CommandSpec, Group};
use crate::db::Db;
use crate::engine::Ctx;
use crate::errors;
use crate::glob::{glob_match, is_match_all};
use crate::notify::{GENERIC, NEW};
use crate::num::{self, parse_i64};
use crate::value::{Key, Kind, Value};
use alloc::vec::Vec;
use anax_protocol::Args;

const fn generic(name: &'static str, arity: i32, flags: u32, h: super::Handler) -> CommandSpec {
    CommandSpec::new(name, arity, flags, Group::Generic, h)
}

/// OBJECT's subcommands.
static OBJECT_SUBCOMMANDS: &[CommandSpec] = &[
    generic("encoding", 3, READONLY, object_encoding)
        .keys(2, 2, 1)
        .since("2.2.3")
        .doc("Inspect the internal encoding of a Redis object", "O(1)"),
    generic("freq", 3, READONLY, object_freq)
        .keys(2, 2, 1)
        .since("4.0.0")
        .doc(
            "Get the logarithmic access frequency counter of a Redis object",
            "O(1)",
        ),
    generic("help", 2, LOADING | STALE, object_help)
        .since("6.2.0")
        .doc("Show helpful text about the different subcommands", "O(1)"),
    generic("idletime", 3, READONLY, object_idletime)
        .keys(2, 2, 1)
        .since("2.2.3")
        .doc(
            "Get the time since a Redis object was last accessed",
            "O(1)",
        ),
    generic("refcount", 3, READONLY, object_refcount)
        .keys(2, 2, 1)
        .since("2.2.3")
        .doc(
            "Get the number of references to the value of the key",
            "O(1)",
        ),
];

/// The keyspace family's table.
pub static COMMANDS: &[CommandSpec] = &[
    generic("copy", -3, WRITE | DENYOOM, copy)
        .keys(1, 2, 1)
        .since("6.2.0")
        .doc(
            "Copy a key",
            "O(N) worst case for collections, where N is the number of nested items. O(1) for string values.",
        ),
    generic("del", -2, WRITE, del)
        .keys(1, -1, 1)
        .doc(
            "Delete a key",
            "O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1).",
        ),
    generic("exists", -2, READONLY | FAST, exists)
        .keys(1, -1, 1)
        .doc(
            "Determine if a key exists",
            "O(N) where N is the number of keys to check.",
        ),
    generic("expire", -3, WRITE | FAST, expire)
        .keys(1, 1, 1)
        .doc("Set a key's time to live in seconds", "O(1)"),
    generic("expireat", -3, WRITE | FAST, expireat)
        .keys(1, 1, 1)
        .since("1.2.0")
        .doc("Set the expiration for a key as a UNIX timestamp", "O(1)"),
    generic("expiretime", 2, READONLY | FAST, expiretime)
        .keys(1, 1, 1)
        .since("7.0.0")
        .doc("Get the expiration Unix timestamp for a key", "O(1)"),
    generic("keys", 2, READONLY, keys)
        .acl(&["dangerous"])
        .doc(
            "Find all keys matching the given pattern",
            "O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length.",
        ),
    generic("move", 3, WRITE | FAST, move_)
        .keys(1, 1, 1)
        .doc("Move a key to another database", "O(1)"),
    CommandSpec::container("object", -2, Group::Generic, OBJECT_SUBCOMMANDS)
        .since("2.2.3")
        .doc(
            "A container for object introspection commands",
            "Depends on subcommand.",
        ),
    generic("persist", 2, WRITE | FAST, persist)
        .keys(1, 1, 1)
        .since("2.2.0")
        .doc("Remove the expiration from a key", "O(1)"),
    generic("pexpire", -3, WRITE | FAST, pexpire)
        .keys(1, 1, 1)
        .since("2.6.0")
        .doc("Set a key's time to live in milliseconds", "O(1)"),
    generic("pexpireat", -3, WRITE | FAST, pexpireat)
        .keys(1, 1, 1)
        .since("2.6.0")
        .doc(
            "Set the expiration for a key as a UNIX timestamp specified in milliseconds",
            "O(1)",
        ),
    generic("pexpiretime", 2, READONLY | FAST, pexpiretime)
        .keys(1, 1, 1)
        .since("7.0.0")
        .doc(
            "Get the expiration Unix timestamp for a key in milliseconds",
            "O(1)",
        ),
    generic("pttl", 2, READONLY | FAST, pttl)
        .keys(1, 1, 1)
        .since("2.6.0")
        .doc("Get the time to live for a key in milliseconds", "O(1)"),
    generic("randomkey", 1, READONLY, randomkey)
        .doc("Return a random key from the keyspace", "O(1)"),
    generic("rename", 3, WRITE, rename).keys(1, 2, 1).doc("Rename a key", "O(1)"),
    generic("renamenx", 3, WRITE | FAST, renamenx)
        .keys(1, 2, 1)
        .doc("Rename a key, only if the new key does not exist", "O(1)"),
    generic("scan", -2, READONLY, scan)
        .since("2.8.0")
        .doc(
            "Incrementally iterate the keys space",
            "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.",
        ),
    generic("touch", -2, READONLY | FAST, touch)
        .keys(1, -1, 1)
        .since("3.2.1")
        .doc(
            "Alters the last access time of a key(s). Returns the number of existing keys specified.",
            "O(N) where N is the number of keys that will be touched.",
        ),
    generic("ttl", 2, READONLY | FAST, ttl)
        .keys(1, 1, 1)
        .doc("Get the time to live for a key in seconds", "O(1)"),
    generic("type", 2, READONLY | FAST, type_)
        .keys(1, 1, 1)
        .doc("Determine the type stored at key", "O(1)"),
    generic("unlink", -2, WRITE | FAST, unlink)
        .keys(1, -1, 1)
        .since("4.0.0")
        .doc(
            "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.",
            "O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of.",
        ),
];

// ---------------------------------------------------------------------------------------
// DEL, UNLINK, EXISTS, TOUCH, TYPE

/// DEL key [key ...]: the number of keys removed (an expired key is not counted).
fn del(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let (dbi, now) = (ctx.dbi, ctx.now_ms);
    let mut n = 0;
    for key in args.iter().skip(1) {
        let db = ctx.state.db(dbi, key);
        if db.contains(key, now) {
            db.remove(key);
            n += 1;
            ctx.notify(GENERIC, "del", key);
        }
    }
    ctx.dirty(n);
    ctx.reply.int(n as i64);
}

/// UNLINK key [key ...]: DEL (memory is reclaimed at once; there is no lazy-free thread).
fn unlink(ctx: &mut Ctx<'_>, args: Args<'_>) {
    del(ctx, args)
}

/// Counts the live keys among the arguments, a key named twice counting twice.
fn count_live(ctx: &mut Ctx<'_>, args: Args<'_>) -> i64 {
    let (dbi, now) = (ctx.dbi, ctx.now_ms);
    let mut n = 0;
    for key in args.iter().skip(1) {
        let hit = ctx.state.db(dbi, key).contains(key, now);
        ctx.hit_key(hit, key);
        n += hit as i64;
    }
    n
}

/// EXISTS key [key ...]: how many of the keys exist (duplicates count again).
fn exists(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let n = count_live(ctx, args);
    ctx.reply.int(n);
}

/// TOUCH key [key ...]: how many of the keys exist. Access times are not tracked, so
/// touching changes nothing else.
fn touch(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let n = count_live(ctx, args);
    ctx.reply.int(n);
}

/// TYPE key: `+string`, `+list`, ... or `+none`.
fn type_(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let key = args.get(1);
    let kind = ctx
        .state
        .db(ctx.dbi, key)
        .get(key, ctx.now_ms)
        .map(|e| e.value.kind());
    ctx.hit_key(kind.is_some(), key);
    ctx.reply.simple(kind.map_or("none", Kind::name).as_bytes());
}

// ---------------------------------------------------------------------------------------
// KEYS, SCAN, RANDOMKEY

/// KEYS pattern: every live key matching the glob pattern, in no particular order.
fn keys(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let pattern = args.get(1);
    let all = is_match_all(pattern);
    let (dbi, now) = (ctx.dbi, ctx.now_ms);
    let scope = ctx.scope();
    let mut found: Vec<&Key> = Vec::new();
    for shard in &ctx.state.shards[scope] {
        found.extend(
            shard.dbs[dbi]
                .iter(now)
                .map(|(k, _)| k)
                .filter(|k| all || glob_match(pattern, k.as_bytes(), false)),
        );
    }
    ctx.reply.array(found.len());
    for k in found {
        ctx.reply.bulk(k.as_bytes());
    }
}

/// SCAN cursors: a cursor names a shard and a position in that shard's table walk.
///
/// A cursor is `table * nshards + shard`, where `table` is the shard's dashtable cursor in
/// compact form, so that the shard index fits beside it in 64 bits and 0 is the start of the
/// whole walk (shard 0, table start). Any 64-bit number decodes to some (shard, position),
/// and the dashtable restarts a position it did not produce at a safe point, so a garbage
/// cursor never breaks anything.
///
/// The compact form relies on the dashtable's cursor layout (`core/src/dash/mod.rs`):
/// `(p << 6) | j` with `p` the start of a segment's interval in a 58-bit hash space, aligned
/// to `2^(58 - depth)` with depth at most 32, so bits 6..32 are zero; `u64::MAX` is the last
/// step over the overflow list. Compact: `(tc >> 32) << 6 | j`, 38 bits; the overflow step is
/// the otherwise impossible bucket 63. `fits` checks the layout assumption; the keyspace
/// tests walk tables with many segments to catch a change.
pub mod scan_cursor {
    const BUCKET_BITS: u32 = 6;
    const BUCKET_MASK: u64 = (1 << BUCKET_BITS) - 1;
    /// Position bits that are always zero in a dashtable cursor.
    const ZERO_BITS: u32 = 26;
    const SHIFT: u32 = BUCKET_BITS + ZERO_BITS;
    /// The dashtable's cursor for its overflow step.
    const TABLE_OVERFLOW: u64 = u64::MAX;
    /// Its compact form: position all ones, bucket 63 (buckets stop at 59).
    const COMPACT_OVERFLOW: u64 = (1 << (64 - SHIFT + BUCKET_BITS)) - 1;

    /// True when `tc` has the layout the compact form assumes.
    #[inline]
    pub fn fits(tc: u64) -> bool {
        tc == TABLE_OVERFLOW || (tc >> BUCKET_BITS) & ((1 << ZERO_BITS) - 1) == 0
    }

    /// The compact form of table cursor `tc`.
    #[inline]
    pub fn compact(tc: u64) -> u64 {
        if tc == TABLE_OVERFLOW {
            COMPACT_OVERFLOW
        } else {
            ((tc >> SHIFT) << BUCKET_BITS) | (tc & BUCKET_MASK)
        }
    }

    /// The table cursor of compact form `c`.
    #[inline]
    pub fn expand(c: u64) -> u64 {
        if c == COMPACT_OVERFLOW {
            TABLE_OVERFLOW
        } else {
            ((c >> BUCKET_BITS) << SHIFT) | (c & BUCKET_MASK)
        }
    }

    /// The SCAN cursor for table cursor `tc` of shard `shard` among `n`; `None` when it
    /// does not fit (a table cursor outside the assumed layout).
    pub fn encode(tc: u64, shard: usize, n: usize) -> Option<u64> {
        if !fits(tc) {
            return None;
        }
        compact(tc).checked_mul(n as u64)?.checked_add(shard as u64)
    }

    /// The (table cursor, shard) a SCAN cursor names, for `n` shards.
    pub fn decode(cursor: u64, n: usize) -> (u64, usize) {
        let n = n as u64;
        (expand(cursor / n), (cursor % n) as usize)
    }
}

/// SCAN's options, parsed.
#[derive(Clone, Debug)]
pub struct ScanOpts {
    /// Where the walk resumes.
    pub cursor: u64,
    /// COUNT: keys to look at before stopping (10 steps per key at most).
    pub count: i64,
    /// MATCH, unless it matches everything.
    pub pattern: Option<Vec<u8>>,
    /// TYPE: `Some(None)` for a type name Redis does not know (it matches nothing).
    pub want: Option<Option<Kind>>,
}

impl ScanOpts {
    /// Parses `SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]`; the error text
    /// otherwise.
    pub fn parse(args: Args<'_>) -> Result<ScanOpts, &'static str> {
        let Some(cursor) = num::parse_scan_cursor(args.get(1)) else {
            return Err(errors::INVALID_CURSOR);
        };
        let mut count: i64 = 10;
        let mut pattern: Option<Vec<u8>> = None;
        let mut type_name: Option<&[u8]> = None;
        let mut i = 2;
        while i < args.len() {
            let (opt, more) = (args.get(i), args.len() - i >= 2);
            if opt.eq_ignore_ascii_case(b"count") && more {
                let Some(c) = parse_i64(args.get(i + 1)) else {
                    return Err(errors::NOT_INTEGER);
                };
                if c < 1 {
                    return Err(errors::SYNTAX);
                }
                count = c;
            } else if opt.eq_ignore_ascii_case(b"match") && more {
                let p = args.get(i + 1);
                pattern = (!is_match_all(p)).then(|| p.to_vec());
            } else if opt.eq_ignore_ascii_case(b"type") && more {
                type_name = Some(args.get(i + 1));
            } else {
                return Err(errors::SYNTAX);
            }
            i += 2;
        }
        // An unknown type name is no error in Redis 7.0: it matches nothing.
        Ok(ScanOpts {
            cursor,
            count,
            pattern,
            want: type_name.map(Kind::parse),
        })
    }
}

/// What a SCAN call collects as it walks, from shard to shard.
#[derive(Debug, Default)]
pub struct ScanWalk {
    /// The keys returned.
    pub found: Vec<Key>,
    /// Entries looked at.
    pub visited: u64,
    /// Entries whose type was checked (keyspace hits, as Redis counts them).
    pub type_checked: u64,
    /// Steps left (ten per key of COUNT, as Redis).
    pub steps: i64,
}

impl ScanWalk {
    /// A walk for COUNT `count`.
    pub fn new(count: i64) -> Self {
        ScanWalk {
            steps: count.saturating_mul(10),
            ..ScanWalk::default()
        }
    }
}

/// Where [`scan_shard`] stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScanStep {
    /// The shard's table is walked to its end.
    ShardDone,
    /// The budget is spent: the walk resumes at this table cursor.
    Stopped(u64),
}

/// Walks `db` (one shard's database) from table cursor `tc`, one bucket step at a time,
/// until its end or until the walk's budget is spent.
pub fn scan_shard(db: &Db, mut tc: u64, now: u64, opts: &ScanOpts, w: &mut ScanWalk) -> ScanStep {
    loop {
        tc = db.scan(tc, now, |k, e| {
            w.visited += 1;
            if opts
                .pattern
                .as_deref()
                .is_some_and(|p| !glob_match(p, k.as_bytes(), false))
            {
                return;
            }
            if let Some(want) = opts.want {
                w.type_checked += 1;
                if want != Some(e.value.kind()) {
                    return;
                }
            }
            w.found.push(k.clone());
        });
        if tc == 0 {
            return ScanStep::ShardDone;
        }
        w.steps -= 1;
        if w.steps <= 0 || w.visited >= opts.count as u64 {
            return ScanStep::Stopped(tc);
        }
    }
}

/// SCAN's reply: the next cursor and the keys.
pub fn reply_scan(reply: &mut anax_protocol::Reply<'_>, next: u64, found: &[Key]) {
    reply.array(2);
    let mut b = itoa::Buffer::new();
    reply.bulk(b.format(next).as_bytes());
    reply.array(found.len());
    for k in found {
        reply.bulk(k.as_bytes());
    }
}

/// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type], over the shards of this engine
/// (the coordinator walks the shards itself when they are on several threads, with the
/// same [`scan_shard`]).
fn scan(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let opts = match ScanOpts::parse(args) {
        Ok(o) => o,
        Err(e) => return ctx.error(e),
    };
    let (dbi, now) = (ctx.dbi, ctx.now_ms);
    let n = ctx.state.shards.len();
    let (mut tc, mut shard) = scan_cursor::decode(opts.cursor, n);
    let mut w = ScanWalk::new(opts.count);
    let next = loop {
        match scan_shard(&ctx.state.shards[shard].dbs[dbi], tc, now, &opts, &mut w) {
            ScanStep::Stopped(t) => match scan_cursor::encode(t, shard, n) {
                Some(c) => break c,
                None => {
                    // Outside the layout the cursor can hold (see `scan_cursor`): go on
                    // with the next shard rather than return a cursor that loops.
                    debug_assert!(false, "dashtable cursor {t:#x} does not fit a SCAN cursor");
                    tc = 0;
                    shard += 1;
                    if shard == n {
                        break 0;
                    }
                }
            },
            ScanStep::ShardDone => {
                shard += 1;
                if shard == n {
                    break 0;
                }
                tc = 0;
                w.steps -= 1;
                if w.steps <= 0 || w.visited >= opts.count as u64 {
                    break scan_cursor::encode(0, shard, n).unwrap_or(0);
                }
            }
        }
    };
    ctx.state.stats.keyspace_hits += w.type_checked;
    reply_scan(&mut ctx.reply, next, &w.found);
}

/// RANDOMKEY: a random live key, or null when the database is empty. The shard is chosen
/// with probability proportional to its size, so every key is about equally likely.
fn randomkey(ctx: &mut Ctx<'_>, _args: Args<'_>) {
    let (dbi, now) = (ctx.dbi, ctx.now_ms);
    loop {
        let total: usize = ctx.state.shards.iter().map(|s| s.dbs[dbi].len()).sum();
        if total == 0 {
            return ctx.reply.null();
        }
        let mut r = (ctx.state.random() % total as u64) as usize;
        let seed = ctx.state.random();
        let mut pick = 0;
        for (i, s) in ctx.state.shards.iter().enumerate() {
            let len = s.dbs[dbi].len();
            if r < len {
                pick = i;
                break;
            }
            r -= len;
        }
        // `random_key` removes the expired keys it meets, so each failed round shrinks the
        // keyspace and the loop ends.
        if let Some(k) = ctx.state.shards[pick].dbs[dbi].random_key(seed, now) {
            return ctx.reply.bulk(k.as_bytes());
        }
    }
}

// ---------------------------------------------------------------------------------------
// RENAME, RENAMENX, MOVE, COPY

/// RENAME key newkey
fn rename(ctx: &mut Ctx<'_>, args: Args<'_>) {
    rename_generic(ctx, args, false)
}

/// RENAMENX key newkey
fn renamenx(ctx: &mut Ctx<'_>, args: Args<'_>) {
    rename_generic(ctx, args, true)
}

/// RENAME and RENAMENX: the value and its TTL move to the new name (which may live in
/// another shard); renaming a key to itself only checks that it exists.
fn rename_generic(ctx: &mut Ctx<'_>, args: Args<'_>, nx: bool) {
    let (src, dst) = (args.get(1), args.get(2));
    let (dbi, now) = (ctx.dbi, ctx.now_ms);
    if !ctx.state.db(dbi, src).contains(src, now) {
        return ctx.error(errors::NO_SUCH_KEY);
    }
    if src == dst {
        return if nx { ctx.reply.int(0) } else { ctx.reply.ok() };
    }
    if ctx.state.db(dbi, dst).contains(dst, now) && nx {
        return ctx.reply.int(0);
    }
    let entry = ctx.state.db(dbi, src).remove(src).expect("looked up above");
    ctx.state.db(dbi, dst).insert_entry(dst, entry);
    ctx.dirty(1);
    // As Redis: the new name is added (`new`), then the old one goes.
    ctx.notify(NEW, "new", dst);
    ctx.notify(GENERIC, "rename_from", src);
    ctx.notify(GENERIC, "rename_to", dst);
    if nx {
        ctx.reply.int(1)
    } else {
        ctx.reply.ok()
    }
}

/// Parses a database index argument as MOVE and COPY do (`getIntFromObjectOrReply`, then
/// `selectDb`), replying with the error when it is not one.
fn parse_db_index(ctx: &mut Ctx<'_>, arg: &[u8]) -> Option<usize> {
    let Some(v) = parse_i64(arg) else {
        ctx.error(errors::NOT_INTEGER);
        return None;
    };
    if !(i32::MIN as i64..=i32::MAX as i64).contains(&v) {
        let e = errors::value_out_of_range(i32::MIN as i64, i32::MAX as i64);
        ctx.error(&e);
        return None;
    }
    if v < 0 || v as usize >= ctx.state.config.databases {
        ctx.error(errors::DB_INDEX_OUT_OF_RANGE);
        return None;
    }
    Some(v as usize)
}

/// MOVE key db: 1 when moved (with its TTL), 0 when the key is missing or the target
/// database has it.
fn move_(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let key = args.get(1);
    let Some(to) = parse_db_index(ctx, args.get(2)) else {
        return;
    };
    let (dbi, now) = (ctx.dbi, ctx.now_ms);
    if to == dbi {
        return ctx.error(errors::SAME_OBJECT);
    }
    if !ctx.state.db(dbi, key).contains(key, now) || ctx.state.db(to, key).contains(key, now) {
        return ctx.reply.int(0);
    }
    let entry = ctx.state.db(dbi, key).remove(key).expect("looked up above");
    ctx.state.db(to, key).insert_entry(key, entry);
    ctx.dirty(1);
    ctx.notify_db(NEW, "new", key, to);
    ctx.notify(GENERIC, "move_from", key);
    ctx.notify_db(GENERIC, "move_to", key, to);
    ctx.reply.int(1);
}

/// COPY source destination [DB destination-db] [REPLACE]: 1 when copied (with the TTL).
fn copy(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let (src, dst) = (args.get(1), args.get(2));
    let (dbi, now) = (ctx.dbi, ctx.now_ms);
    let mut to = dbi;
    let mut replace = false;
    let mut j = 3;
    while j < args.len() {
        let opt = args.get(j);
        if opt.eq_ignore_ascii_case(b"replace") {
            replace = true;
        } else if opt.eq_ignore_ascii_case(b"db") && j + 1 < args.len() {
            let Some(d) = parse_db_index(ctx, args.get(j + 1)) else {
                return;
            };
            to = d;
            j += 1;
        } else {
            return ctx.error(errors::SYNTAX);
        }
        j += 1;
    }
    if to == dbi && src == dst {
        return ctx.error(errors::SAME_OBJECT);
    }
    let entry = ctx.state.db(dbi, src).get(src, now).cloned();
    ctx.hit_key(entry.is_some(), src);
    let Some(entry) = entry else {
        return ctx.reply.int(0);
    };
    if ctx.state.db(to, dst).contains(dst, now) && !replace {
        return ctx.reply.int(0);
    }
    ctx.state.db(to, dst).insert_entry(dst, entry);
    ctx.dirty(1);
    ctx.notify_db(NEW, "new", dst, to);
    ctx.notify_db(GENERIC, "copy_to", dst, to);
    ctx.reply.int(1);
}

// ---------------------------------------------------------------------------------------
// EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT, PERSIST

/// EXPIRE key seconds [NX|XX|GT|LT]
fn expire(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let now = ctx.now_ms as i64;
    expire_generic(ctx, args, now, true)
}

/// PEXPIRE key milliseconds [NX|XX|GT|LT]
fn pexpire(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let now = ctx.now_ms as i64;
    expire_generic(ctx, args, now, false)
}

/// EXPIREAT key unix-time-seconds [NX|XX|GT|LT]
fn expireat(ctx: &mut Ctx<'_>, args: Args<'_>) {
    expire_generic(ctx, args, 0, true)
}

/// PEXPIREAT key unix-time-milliseconds [NX|XX|GT|LT]
fn pexpireat(ctx: &mut Ctx<'_>, args: Args<'_>) {
    expire_generic(ctx, args, 0, false)
}

/// EXPIRE's NX/XX/GT/LT.
#[derive(Default)]
struct ExpireFlags {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
}

/// Redis's `expireGenericCommand`: options first, then the time (overflow of the unit
/// conversion or of `basetime + when` is an error), then the key. A time at or before now
/// deletes the key and still answers 1.
fn expire_generic(ctx: &mut Ctx<'_>, args: Args<'_>, basetime: i64, seconds: bool) {
    let mut f = ExpireFlags::default();
    for opt in args.iter().skip(3) {
        if opt.eq_ignore_ascii_case(b"nx") {
            f.nx = true;
        } else if opt.eq_ignore_ascii_case(b"xx") {
            f.xx = true;
        } else if opt.eq_ignore_ascii_case(b"gt") {
            f.gt = true;
        } else if opt.eq_ignore_ascii_case(b"lt") {
            f.lt = true;
        } else {
            let e = errors::unsupported_option(opt);
            return ctx.error(&e);
        }
    }
    if f.nx && (f.xx || f.gt || f.lt) {
        return ctx.error(errors::EXPIRE_NX_XX);
    }
    if f.gt && f.lt {
        return ctx.error(errors::EXPIRE_GT_LT);
    }
    let Some(mut when) = parse_i64(args.get(2)) else {
        return ctx.error(errors::NOT_INTEGER);
    };
    if seconds {
        if !(i64::MIN / 1000..=i64::MAX / 1000).contains(&when) {
            let e = errors::invalid_expire(ctx.fullname());
            return ctx.error(&e);
        }
        when *= 1000;
    }
    if when > i64::MAX - basetime {
        let e = errors::invalid_expire(ctx.fullname());
        return ctx.error(&e);
    }
    when += basetime;

    let key = args.get(1);
    let (dbi, now) = (ctx.dbi, ctx.now_ms);
    let db = ctx.state.db(dbi, key);
    let Some(e) = db.lookup(key, now) else {
        return ctx.reply.int(0);
    };
    // -1: no expiry, as Redis's getExpire.
    let current = if e.expire_at == 0 {
        -1
    } else {
        e.expire_at as i64
    };
    let refused = (f.nx && current != -1)
        || (f.xx && current == -1)
        || (f.gt && (current == -1 || when <= current))
        || (f.lt && current != -1 && when >= current);
    if refused {
        return ctx.reply.int(0);
    }
    let event = if when <= now as i64 {
        db.remove(key);
        "del"
    } else {
        db.set_expire(key, when as u64);
        "expire"
    };
    ctx.dirty(1);
    ctx.notify(GENERIC, event, key);
    ctx.reply.int(1);
}

/// PERSIST key: 1 when a TTL was removed.
fn persist(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let key = args.get(1);
    let (dbi, now) = (ctx.dbi, ctx.now_ms);
    let db = ctx.state.db(dbi, key);
    let had_ttl = db.lookup(key, now).is_some_and(|e| e.expire_at != 0);
    if had_ttl {
        db.set_expire(key, 0);
        ctx.dirty(1);
        ctx.notify(GENERIC, "persist", key);
    }
    ctx.reply.int(had_ttl as i64);
}

// ---------------------------------------------------------------------------------------
// TTL, PTTL, EXPIRETIME, PEXPIRETIME

/// TTL key: seconds left (rounded), -1 without expiry, -2 when missing.
fn ttl(ctx: &mut Ctx<'_>, args: Args<'_>) {
    ttl_generic(ctx, args, false, false)
}

/// PTTL key: milliseconds left, -1 without expiry, -2 when missing.
fn pttl(ctx: &mut Ctx<'_>, args: Args<'_>) {
    ttl_generic(ctx, args, true, false)
}

/// EXPIRETIME key: the expiry as Unix seconds (rounded), -1 / -2 as TTL.
fn expiretime(ctx: &mut Ctx<'_>, args: Args<'_>) {
    ttl_generic(ctx, args, false, true)
}

/// PEXPIRETIME key: the expiry as Unix milliseconds, -1 / -2 as TTL.
fn pexpiretime(ctx: &mut Ctx<'_>, args: Args<'_>) {
    ttl_generic(ctx, args, true, true)
}

/// Redis's `ttlGenericCommand`; seconds are rounded to the nearest (`(ms + 500) / 1000`,
/// computed without the overflow near `i64::MAX`, which gives what Redis replies).
fn ttl_generic(ctx: &mut Ctx<'_>, args: Args<'_>, ms: bool, absolute: bool) {
    let key = args.get(1);
    let now = ctx.now_ms;
    let expire_at = ctx
        .state
        .db(ctx.dbi, key)
        .get(key, now)
        .map(|e| e.expire_at);
    ctx.hit_key(expire_at.is_some(), key);
    let v = match expire_at {
        None => -2,
        Some(0) => -1,
        Some(at) => {
            let t = if absolute { at } else { at.saturating_sub(now) };
            if ms {
                t as i64
            } else {
                ((t as u128 + 500) / 1000) as i64
            }
        }
    };
    ctx.reply.int(v);
}

// ---------------------------------------------------------------------------------------
// OBJECT

/// True when maxmemory-policy is an LFU one (`allkeys-lfu`, `volatile-lfu`).
fn lfu_policy(ctx: &Ctx<'_>) -> bool {
    let p = ctx.state.config.maxmemory_policy.as_bytes();
    p.len() >= 3 && p[p.len() - 3..].eq_ignore_ascii_case(b"lfu")
}

/// Looks up OBJECT's key (a read lookup); replies null and returns `None` when missing.
fn object_lookup(ctx: &mut Ctx<'_>, args: Args<'_>) -> Option<Value> {
    let key = args.get(2);
    let v = ctx
        .state
        .db(ctx.dbi, key)
        .get(key, ctx.now_ms)
        .map(|e| e.value.clone());
    ctx.hit(v.is_some());
    if v.is_none() {
        ctx.reply.null();
    }
    v
}

/// OBJECT ENCODING key
fn object_encoding(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let key = args.get(2);
    let enc = ctx
        .state
        .db(ctx.dbi, key)
        .get(key, ctx.now_ms)
        .map(|e| e.value.encoding());
    ctx.hit(enc.is_some());
    match enc {
        Some(enc) => ctx.reply.bulk(enc.as_bytes()),
        None => ctx.reply.null(),
    }
}

/// OBJECT FREQ key: under an LFU policy, Redis's initial counter (5; accesses are not
/// tracked); otherwise Redis's error.
fn object_freq(ctx: &mut Ctx<'_>, args: Args<'_>) {
    if object_lookup(ctx, args).is_none() {
        return;
    }
    if !lfu_policy(ctx) {
        return ctx.error(errors::OBJECT_FREQ_NO_LFU);
    }
    ctx.reply.int(LFU_INIT_VAL);
}

/// Redis's LFU counter of a new object.
const LFU_INIT_VAL: i64 = 5;

/// OBJECT IDLETIME key: 0 (access times are not tracked); Redis's error under an LFU
/// policy.
fn object_idletime(ctx: &mut Ctx<'_>, args: Args<'_>) {
    if object_lookup(ctx, args).is_none() {
        return;
    }
    if lfu_policy(ctx) {
        return ctx.error(errors::OBJECT_IDLETIME_LFU);
    }
    ctx.reply.int(0);
}

/// Redis's refcount of a shared object (`OBJ_SHARED_REFCOUNT`).
const SHARED_REFCOUNT: i64 = i32::MAX as i64;
/// Redis shares the integers below this (`OBJ_SHARED_INTEGERS`).
const SHARED_INTEGERS: i64 = 10000;

/// OBJECT REFCOUNT key: 2147483647 for the small integers Redis shares (0..9999, unless
/// maxmemory is set with an LRU/LFU policy), 1 otherwise.
fn object_refcount(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let Some(v) = object_lookup(ctx, args) else {
        return;
    };
    let cfg = &ctx.state.config;
    let p = cfg.maxmemory_policy.as_bytes();
    let lru_or_lfu = p.len() >= 3
        && (p[p.len() - 3..].eq_ignore_ascii_case(b"lru")
            || p[p.len() - 3..].eq_ignore_ascii_case(b"lfu"));
    let shares = cfg.maxmemory == 0 || !lru_or_lfu;
    let shared = matches!(v, Value::Int(n) if shares && (0..SHARED_INTEGERS).contains(&n));
    ctx.reply.int(if shared { SHARED_REFCOUNT } else { 1 });
}

/// OBJECT HELP
fn object_help(ctx: &mut Ctx<'_>, _args: Args<'_>) {
    const LINES: &[&str] = &[
        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
        "HELP",
        "    Prints this help.",
    ];
    ctx.reply.array(LINES.len());
    for l in LINES {
        ctx.reply.simple(l.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_parsing_is_strtoul() {
        assert_eq!(num::parse_scan_cursor(b"0"), Some(0));
        assert_eq!(num::parse_scan_cursor(b""), Some(0));
        assert_eq!(num::parse_scan_cursor(b"17"), Some(17));
        assert_eq!(num::parse_scan_cursor(b"+17"), Some(17));
        assert_eq!(num::parse_scan_cursor(b"-1"), Some(u64::MAX));
        assert_eq!(num::parse_scan_cursor(b"-0"), Some(0));
        assert_eq!(num::parse_scan_cursor(b"007"), Some(7));
        assert_eq!(
            num::parse_scan_cursor(b"18446744073709551615"),
            Some(u64::MAX)
        );
        assert_eq!(num::parse_scan_cursor(b"18446744073709551616"), None);
        assert_eq!(num::parse_scan_cursor(b"-18446744073709551616"), None);
        assert_eq!(num::parse_scan_cursor(b" 1"), None);
        assert_eq!(num::parse_scan_cursor(b"\t1"), None);
        assert_eq!(num::parse_scan_cursor(b"1 "), None);
        assert_eq!(num::parse_scan_cursor(b"abc"), None);
        assert_eq!(num::parse_scan_cursor(b"1.0"), None);
        assert_eq!(num::parse_scan_cursor(b"0x10"), None);
        assert_eq!(num::parse_scan_cursor(b"+"), None);
        assert_eq!(num::parse_scan_cursor(b"-"), None);
        // strtoul stops at the C string's end.
        assert_eq!(num::parse_scan_cursor(b"12\0junk"), Some(12));
        assert_eq!(num::parse_scan_cursor(b"\0junk"), Some(0));
    }

    #[test]
    fn scan_cursors_round_trip() {
        for n in [1usize, 3, 4, 8] {
            for tc in [
                0u64,
                5,
                59,
                (1 << 32) | 7,
                (0xffff_ffffu64 << 32) | 59,
                u64::MAX,
            ] {
                for shard in 0..n {
                    let c = scan_cursor::encode(tc, shard, n).expect("fits");
                    assert_eq!(scan_cursor::decode(c, n), (tc, shard));
                }
            }
        }
        assert_eq!(scan_cursor::encode(0, 0, 4), Some(0));
        assert!(scan_cursor::encode(1 << 6, 0, 4).is_none());
    }
}
