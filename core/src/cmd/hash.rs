//! Hashes: HSET, HGET and the rest of Redis's `t_hash.c`.
//!
//! Every handler follows Redis 7.0's order of checks (it decides which error a bad call
//! gets): HINCRBY and HINCRBYFLOAT parse their increment before they look at the key,
//! HRANDFIELD parses its count and options before it looks at the key, HSCAN parses its
//! cursor before the key and its options after. Read commands count keyspace hits and
//! misses (Redis's `lookupKeyRead`); write commands do not.
//!
//! Encodings (see [`crate::types::hash`]): writes convert a `listpack` to a `hashtable`
//! when a field or value would be longer than `hash-max-listpack-value` (HSET and HMSET
//! check all their arguments first, as Redis's `hashTypeTryConversion`) or when the hash
//! gets more than `hash-max-listpack-entries` fields.

use super::{flags::*, CommandSpec, Group};
use crate::engine::Ctx;
use crate::errors;
use crate::glob::{glob_match, is_match_all};
use crate::notify::{GENERIC, HASH};
use crate::num::{self, LongDouble};
use crate::types::hash::Hash;
use crate::value::Value;
use alloc::boxed::Box;
use alloc::vec::Vec;
use anax_protocol::{Args, Proto};

/// The hash family's table.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("hset", -4, WRITE | DENYOOM | FAST, Group::Hash, hset)
        .keys(1, 1, 1)
        .since("2.0.0")
        .doc(
            "Set the string value of a hash field",
            "O(1) for each field/value pair added, so O(N) to add N field/value pairs when \
             the command is called with multiple field/value pairs.",
        ),
    CommandSpec::new("hsetnx", 4, WRITE | DENYOOM | FAST, Group::Hash, hsetnx)
        .keys(1, 1, 1)
        .since("2.0.0")
        .doc(
            "Set the value of a hash field, only if the field does not exist",
            "O(1)",
        ),
    CommandSpec::new("hget", 3, READONLY | FAST, Group::Hash, hget)
        .keys(1, 1, 1)
        .since("2.0.0")
        .doc("Get the value of a hash field", "O(1)"),
    CommandSpec::new("hmget", -3, READONLY | FAST, Group::Hash, hmget)
        .keys(1, 1, 1)
        .since("2.0.0")
        .doc(
            "Get the values of all the given hash fields",
            "O(N) where N is the number of fields being requested.",
        ),
    CommandSpec::new("hmset", -4, WRITE | DENYOOM | FAST, Group::Hash, hmset)
        .keys(1, 1, 1)
        .since("2.0.0")
        .doc(
            "Set multiple hash fields to multiple values",
            "O(N) where N is the number of fields being set.",
        ),
    CommandSpec::new("hdel", -3, WRITE | FAST, Group::Hash, hdel)
        .keys(1, 1, 1)
        .since("2.0.0")
        .doc(
            "Delete one or more hash fields",
            "O(N) where N is the number of fields to be removed.",
        ),
    CommandSpec::new("hlen", 2, READONLY | FAST, Group::Hash, hlen)
        .keys(1, 1, 1)
        .since("2.0.0")
        .doc("Get the number of fields in a hash", "O(1)"),
    CommandSpec::new("hstrlen", 3, READONLY | FAST, Group::Hash, hstrlen)
        .keys(1, 1, 1)
        .since("3.2.0")
        .doc("Get the length of the value of a hash field", "O(1)"),
    CommandSpec::new("hexists", 3, READONLY | FAST, Group::Hash, hexists)
        .keys(1, 1, 1)
        .since("2.0.0")
        .doc("Determine if a hash field exists", "O(1)"),
    CommandSpec::new("hkeys", 2, READONLY, Group::Hash, hkeys)
        .keys(1, 1, 1)
        .since("2.0.0")
        .doc(
            "Get all the fields in a hash",
            "O(N) where N is the size of the hash.",
        ),
    CommandSpec::new("hvals", 2, READONLY, Group::Hash, hvals)
        .keys(1, 1, 1)
        .since("2.0.0")
        .doc(
            "Get all the values in a hash",
            "O(N) where N is the size of the hash.",
        ),
    CommandSpec::new("hgetall", 2, READONLY, Group::Hash, hgetall)
        .keys(1, 1, 1)
        .since("2.0.0")
        .doc(
            "Get all the fields and values in a hash",
            "O(N) where N is the size of the hash.",
        ),
    CommandSpec::new("hincrby", 4, WRITE | DENYOOM | FAST, Group::Hash, hincrby)
        .keys(1, 1, 1)
        .since("2.0.0")
        .doc(
            "Increment the integer value of a hash field by the given number",
            "O(1)",
        ),
    CommandSpec::new(
        "hincrbyfloat",
        4,
        WRITE | DENYOOM | FAST,
        Group::Hash,
        hincrbyfloat,
    )
    .keys(1, 1, 1)
    .since("2.6.0")
    .doc(
        "Increment the float value of a hash field by the given amount",
        "O(1)",
    ),
    CommandSpec::new("hrandfield", -2, READONLY, Group::Hash, hrandfield)
        .keys(1, 1, 1)
        .since("6.2.0")
        .doc(
            "Get one or multiple random fields from a hash",
            "O(N) where N is the number of fields returned",
        ),
    CommandSpec::new("hscan", -3, READONLY, Group::Hash, hscan)
        .keys(1, 1, 1)
        .since("2.8.0")
        .doc(
            "Incrementally iterate hash fields and associated values",
            "O(1) for every call. O(N) for a complete iteration, including enough command \
             calls for the cursor to return back to 0. N is the number of elements inside \
             the collection..",
        ),
];

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// What a read found at a key.
enum Found<'a> {
    Missing,
    Hash(&'a Hash),
    WrongType,
}

/// Redis's `lookupKeyRead` + `checkType` for a hash, without counting the hit.
fn read<'a>(db: &'a mut crate::db::Db, key: &[u8], now: u64) -> Found<'a> {
    match db.get(key, now).map(|e| &e.value) {
        None => Found::Missing,
        Some(Value::Hash(h)) => Found::Hash(h),
        Some(_) => Found::WrongType,
    }
}

/// Redis's `hashTypeLookupWriteOrCreate`: the hash at `key`, created empty when absent;
/// `None` (WRONGTYPE) for another type.
fn write_or_create<'a>(db: &'a mut crate::db::Db, key: &[u8], now: u64) -> Option<&'a mut Hash> {
    let (e, _) = db.lookup_or_insert(key, now, || Value::Hash(Box::default()));
    match &mut e.value {
        Value::Hash(h) => Some(h),
        _ => None,
    }
}

/// Deletes `key` when its hash is empty (Redis never keeps an empty collection).
fn drop_if_empty(db: &mut crate::db::Db, key: &[u8], now: u64) {
    if let Some(e) = db.lookup(key, now) {
        if matches!(&e.value, Value::Hash(h) if h.is_empty()) {
            db.remove(key);
        }
    }
}

/// The argument as C's `strcasecmp` sees it: up to its first NUL byte.
#[inline]
fn c_str(b: &[u8]) -> &[u8] {
    match b.iter().position(|&c| c == 0) {
        Some(n) => &b[..n],
        None => b,
    }
}

// ---------------------------------------------------------------------------------------
// Writes
// ---------------------------------------------------------------------------------------

/// HSET and HMSET: the fields set and how many were new; `None` after replying an error.
fn set_generic(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Option<usize> {
    if args.len() % 2 == 1 {
        ctx.error(&errors::wrong_arity(ctx.fullname()));
        return None;
    }
    let key = args.get(1);
    let (max_entries, max_value) = (
        ctx.state.config.hash_max_listpack_entries,
        ctx.state.config.hash_max_listpack_value,
    );
    let now = ctx.now_ms;
    let db = ctx.state.db(ctx.dbi, key);
    let Some(h) = write_or_create(db, key, now) else {
        ctx.wrong_type();
        return None;
    };
    h.convert_for(args.iter().skip(2), max_value);
    let mut created = 0;
    for i in (2..args.len()).step_by(2) {
        created += h.set(args.get(i), args.get(i + 1), max_entries, max_value) as usize;
    }
    ctx.dirty((args.len() as u64 - 2) / 2);
    ctx.notify(HASH, "hset", key);
    Some(created)
}

/// HSET key field value [field value ...]
///
/// The number of fields that were added.
fn hset(ctx: &mut Ctx<'_>, args: Args<'_>) {
    if let Some(n) = set_generic(ctx, &args) {
        ctx.reply.int(n as i64);
    }
}

/// HMSET key field value [field value ...]
///
/// `+OK`.
fn hmset(ctx: &mut Ctx<'_>, args: Args<'_>) {
    if set_generic(ctx, &args).is_some() {
        ctx.reply.ok();
    }
}

/// HSETNX key field value
///
/// 1 when the field was set, 0 when it existed (nothing changes then, not even the
/// encoding).
fn hsetnx(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let (key, field, value) = (args.get(1), args.get(2), args.get(3));
    let (max_entries, max_value) = (
        ctx.state.config.hash_max_listpack_entries,
        ctx.state.config.hash_max_listpack_value,
    );
    let now = ctx.now_ms;
    let db = ctx.state.db(ctx.dbi, key);
    let Some(h) = write_or_create(db, key, now) else {
        return ctx.wrong_type();
    };
    if h.contains(field) {
        ctx.reply.int(0);
    } else {
        h.set(field, value, max_entries, max_value);
        ctx.dirty(1);
        ctx.notify(HASH, "hset", key);
        ctx.reply.int(1);
    }
}

/// HDEL key field [field ...]
///
/// The number of fields removed; the key goes when its last field does.
fn hdel(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let key = args.get(1);
    let now = ctx.now_ms;
    let db = ctx.state.db(ctx.dbi, key);
    let (deleted, empty) = match db.lookup(key, now).map(|e| &mut e.value) {
        None => (0, false),
        Some(Value::Hash(h)) => {
            let mut n = 0;
            for f in args.iter().skip(2) {
                if h.remove(f) {
                    n += 1;
                    if h.is_empty() {
                        break;
                    }
                }
            }
            (n, h.is_empty())
        }
        Some(_) => return ctx.wrong_type(),
    };
    if empty {
        db.remove(key);
    }
    ctx.dirty(deleted);
    if deleted > 0 {
        ctx.notify(HASH, "hdel", key);
        if empty {
            ctx.notify(GENERIC, "del", key);
        }
    }
    ctx.reply.int(deleted as i64);
}

/// HINCRBY key field increment
///
/// The new value. The increment is parsed first; a value that is not an integer and an
/// overflow are errors.
fn hincrby(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let (key, field) = (args.get(1), args.get(2));
    let Some(incr) = num::parse_i64(args.get(3)) else {
        return ctx.error(errors::NOT_INTEGER);
    };
    let (max_entries, max_value) = (
        ctx.state.config.hash_max_listpack_entries,
        ctx.state.config.hash_max_listpack_value,
    );
    let now = ctx.now_ms;
    let db = ctx.state.db(ctx.dbi, key);
    let Some(h) = write_or_create(db, key, now) else {
        return ctx.wrong_type();
    };
    let cur = match h.get(field) {
        None => Ok(0),
        Some(v) => num::parse_i64(v).ok_or(errors::HASH_NOT_INTEGER),
    };
    let new = cur.and_then(|cur| cur.checked_add(incr).ok_or(errors::INCR_OVERFLOW));
    match new {
        Ok(n) => {
            let mut b = itoa::Buffer::new();
            h.set(field, b.format(n).as_bytes(), max_entries, max_value);
            ctx.dirty(1);
            ctx.notify(HASH, "hincrby", key);
            ctx.reply.int(n);
        }
        Err(e) => {
            drop_if_empty(db, key, now);
            ctx.error(e);
        }
    }
}

/// HINCRBYFLOAT key field increment
///
/// The new value, computed in `long double` and written as Redis writes it (`%.17Lf`
/// without trailing zeros), as INCRBYFLOAT.
fn hincrbyfloat(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let (key, field) = (args.get(1), args.get(2));
    let Some(incr) = LongDouble::parse(args.get(3)) else {
        return ctx.error(errors::NOT_FLOAT);
    };
    if incr.is_inf() {
        return ctx.error(errors::VALUE_NAN_OR_INF);
    }
    let (max_entries, max_value) = (
        ctx.state.config.hash_max_listpack_entries,
        ctx.state.config.hash_max_listpack_value,
    );
    let now = ctx.now_ms;
    let db = ctx.state.db(ctx.dbi, key);
    let Some(h) = write_or_create(db, key, now) else {
        return ctx.wrong_type();
    };
    let cur = match h.get(field) {
        None => Ok(LongDouble::ZERO),
        Some(v) => LongDouble::parse(v).ok_or(errors::HASH_NOT_FLOAT),
    };
    let sum = cur.and_then(|cur| cur.checked_add(incr).ok_or(errors::INCR_NAN_INF));
    match sum {
        Ok(v) => {
            let mut text = Vec::new();
            v.write_human(&mut text);
            h.set(field, &text, max_entries, max_value);
            ctx.dirty(1);
            ctx.notify(HASH, "hincrbyfloat", key);
            ctx.reply.bulk(&text);
        }
        Err(e) => {
            drop_if_empty(db, key, now);
            ctx.error(e);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Reads
// ---------------------------------------------------------------------------------------

/// Runs `f` on the hash at `key` (counting the hit or miss); `missing` replies for an
/// absent key; WRONGTYPE for another type.
fn with_hash(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    missing: impl FnOnce(&mut anax_protocol::Reply<'_>),
    f: impl FnOnce(&Hash, &mut anax_protocol::Reply<'_>),
) {
    let now = ctx.now_ms;
    let db = ctx.state.db(ctx.dbi, key);
    let (hit, ok) = match read(db, key, now) {
        Found::Missing => {
            missing(&mut ctx.reply);
            (false, true)
        }
        Found::Hash(h) => {
            f(h, &mut ctx.reply);
            (true, true)
        }
        Found::WrongType => (true, false),
    };
    ctx.hit_key(hit, key);
    if !ok {
        ctx.wrong_type();
    }
}

/// HGET key field
///
/// The value, nil when the key or the field is absent.
fn hget(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let field = args.get(2);
    with_hash(
        ctx,
        args.get(1),
        |r| r.null(),
        |h, r| match h.get(field) {
            Some(v) => r.bulk(v),
            None => r.null(),
        },
    );
}

/// HMGET key field [field ...]
///
/// The values, nil for each absent field (all nil for an absent key).
fn hmget(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let n = args.len() - 2;
    with_hash(
        ctx,
        args.get(1),
        |r| {
            r.array(n);
            for _ in 0..n {
                r.null();
            }
        },
        |h, r| {
            r.array(n);
            for f in args.iter().skip(2) {
                match h.get(f) {
                    Some(v) => r.bulk(v),
                    None => r.null(),
                }
            }
        },
    );
}

/// HLEN key
fn hlen(ctx: &mut Ctx<'_>, args: Args<'_>) {
    with_hash(ctx, args.get(1), |r| r.int(0), |h, r| r.int(h.len() as i64));
}

/// HSTRLEN key field
///
/// The length of the value, 0 when absent.
fn hstrlen(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let field = args.get(2);
    with_hash(
        ctx,
        args.get(1),
        |r| r.int(0),
        |h, r| r.int(h.get(field).map_or(0, |v| v.len()) as i64),
    );
}

/// HEXISTS key field
fn hexists(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let field = args.get(2);
    with_hash(
        ctx,
        args.get(1),
        |r| r.int(0),
        |h, r| r.int(h.contains(field) as i64),
    );
}

/// HKEYS key
fn hkeys(ctx: &mut Ctx<'_>, args: Args<'_>) {
    with_hash(
        ctx,
        args.get(1),
        |r| r.array(0),
        |h, r| {
            r.array(h.len());
            for (f, _) in h.iter() {
                r.bulk(f);
            }
        },
    );
}

/// HVALS key
fn hvals(ctx: &mut Ctx<'_>, args: Args<'_>) {
    with_hash(
        ctx,
        args.get(1),
        |r| r.array(0),
        |h, r| {
            r.array(h.len());
            for (_, v) in h.iter() {
                r.bulk(v);
            }
        },
    );
}

/// HGETALL key
///
/// A map in RESP3, a flat array of fields and values in RESP2.
fn hgetall(ctx: &mut Ctx<'_>, args: Args<'_>) {
    with_hash(
        ctx,
        args.get(1),
        |r| r.map(0),
        |h, r| {
            r.map(h.len());
            for (f, v) in h.iter() {
                r.bulk(f);
                r.bulk(v);
            }
        },
    );
}

/// HRANDFIELD key [count [WITHVALUES]]
///
/// Without a count: one random field (nil for an absent key). With a count: up to `count`
/// distinct fields, or with a negative count exactly `-count` fields that may repeat; an
/// absent key or a count of 0 gives an empty array. WITHVALUES adds each value: flat in
/// RESP2, as `[field, value]` pairs in RESP3.
fn hrandfield(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let key = args.get(1);
    if args.len() >= 3 {
        let Some(l) = num::parse_long(args.get(2)) else {
            return ctx.error(errors::NOT_INTEGER);
        };
        if l < -i64::MAX {
            return ctx.error(&errors::value_out_of_range(-i64::MAX, i64::MAX));
        }
        let withvalues = args.len() == 4;
        if args.len() > 4 || (withvalues && !c_str(args.get(3)).eq_ignore_ascii_case(b"withvalues"))
        {
            return ctx.error(errors::SYNTAX);
        }
        if withvalues && !(-i64::MAX / 2..=i64::MAX / 2).contains(&l) {
            return ctx.error(errors::VALUE_OUT_OF_RANGE);
        }
        if l < -super::MAX_RANDOM_PICKS {
            return ctx.error(errors::VALUE_OUT_OF_RANGE);
        }
        return randfield_count(ctx, key, l, withvalues);
    }
    let r = ctx.state.random();
    with_hash(
        ctx,
        key,
        |r| r.null(),
        |h, reply| match h.random(r) {
            Some((f, _)) => reply.bulk(f),
            None => reply.null(),
        },
    );
}

/// Redis's `hrandfieldWithCountCommand`.
fn randfield_count(ctx: &mut Ctx<'_>, key: &[u8], l: i64, withvalues: bool) {
    let now = ctx.now_ms;
    let mut seed = ctx.state.random();
    let db = ctx.state.db(ctx.dbi, key);
    let h = match read(db, key, now) {
        Found::Missing => {
            ctx.reply.array(0);
            return ctx.hit_key(false, key);
        }
        Found::WrongType => {
            ctx.hit(true);
            return ctx.wrong_type();
        }
        Found::Hash(h) => h,
    };
    let reply = &mut ctx.reply;
    let resp3 = reply.proto == Proto::Resp3;
    let (count, uniq) = (l.unsigned_abs(), l >= 0);
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let pair = |reply: &mut anax_protocol::Reply<'_>, f: &[u8], v: &[u8]| {
        if withvalues && resp3 {
            reply.array(2);
        }
        reply.bulk(f);
        if withvalues {
            reply.bulk(v);
        }
    };
    let header = |reply: &mut anax_protocol::Reply<'_>, n: u64| {
        reply.array(if withvalues && !resp3 { n * 2 } else { n } as usize);
    };
    let size = h.len() as u64;
    if count == 0 {
        reply.array(0);
    } else if !uniq || count == 1 {
        // CASE 1: `count` independent draws.
        header(reply, count);
        for _ in 0..count {
            let (f, v) = h.random(next()).expect("a hash is never empty");
            pair(reply, f, v);
        }
    } else if count >= size {
        // CASE 2: the whole hash, in its order.
        header(reply, size);
        for (f, v) in h.iter() {
            pair(reply, f, v);
        }
    } else if count * 3 > size {
        // CASE 3: all the pairs, then drop random ones until `count` are left.
        header(reply, count);
        let mut all: Vec<(&[u8], &[u8])> = h.iter().collect();
        while all.len() as u64 > count {
            let i = (next() % all.len() as u64) as usize;
            all.swap_remove(i);
        }
        for (f, v) in all {
            pair(reply, f, v);
        }
    } else {
        // CASE 4: random draws, skipping repeats, until `count` distinct fields.
        header(reply, count);
        let mut seen: hashbrown::HashSet<&[u8], foldhash::fast::FixedState> =
            hashbrown::HashSet::with_hasher(foldhash::fast::FixedState::with_seed(1));
        while (seen.len() as u64) < count {
            let (f, v) = h.random(next()).expect("a hash is never empty");
            if seen.insert(f) {
                pair(reply, f, v);
            }
        }
    }
    ctx.hit(true);
}

/// HSCAN key cursor [MATCH pattern] [COUNT count]
///
/// As Redis's `scanGenericCommand`: a listpack answers every pair and cursor 0; a
/// hashtable visits buckets until `count` items (fields and values both count) are
/// collected or `10 * count` buckets are visited; MATCH filters by field afterwards.
fn hscan(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let key = args.get(1);
    let Some(cursor) = crate::num::parse_scan_cursor(args.get(2)) else {
        return ctx.error(errors::INVALID_CURSOR);
    };
    let now = ctx.now_ms;
    let db = ctx.state.db(ctx.dbi, key);
    let h = match read(db, key, now) {
        Found::Missing => {
            ctx.reply.array(2);
            ctx.reply.bulk(b"0");
            ctx.reply.array(0);
            return ctx.hit_key(false, key);
        }
        Found::WrongType => {
            ctx.hit(true);
            return ctx.wrong_type();
        }
        Found::Hash(h) => h,
    };
    let mut count: i64 = 10;
    let mut pattern: Option<&[u8]> = None;
    let mut i = 3;
    let mut err = None;
    while i < args.len() {
        let (opt, more) = (args.get(i), args.len() - i >= 2);
        if c_str(opt).eq_ignore_ascii_case(b"count") && more {
            match num::parse_long(args.get(i + 1)) {
                None => {
                    err = Some(errors::NOT_INTEGER);
                    break;
                }
                Some(c) if c < 1 => {
                    err = Some(errors::SYNTAX);
                    break;
                }
                Some(c) => count = c,
            }
        } else if c_str(opt).eq_ignore_ascii_case(b"match") && more {
            let p = args.get(i + 1);
            pattern = (!is_match_all(p)).then_some(p);
        } else {
            err = Some(errors::SYNTAX);
            break;
        }
        i += 2;
    }
    if let Some(e) = err {
        ctx.hit(true);
        return ctx.error(e);
    }
    let mut items: Vec<(&[u8], &[u8])> = Vec::new();
    let mut next = cursor;
    if h.is_listpack() {
        next = h.scan_step(0, |f, v| items.push((f, v)));
    } else {
        let mut maxiter = count.saturating_mul(10);
        loop {
            next = h.scan_step(next, |f, v| items.push((f, v)));
            if next == 0 || maxiter == 0 || (items.len() as i64).saturating_mul(2) >= count {
                break;
            }
            maxiter -= 1;
        }
    }
    if let Some(p) = pattern {
        items.retain(|(f, _)| glob_match(p, f, false));
    }
    let reply = &mut ctx.reply;
    reply.array(2);
    let mut b = itoa::Buffer::new();
    reply.bulk(b.format(next).as_bytes());
    reply.array(items.len() * 2);
    for (f, v) in items {
        reply.bulk(f);
        reply.bulk(v);
    }
    ctx.hit(true);
}
