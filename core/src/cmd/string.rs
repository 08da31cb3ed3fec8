//! Strings: GET, SET and the rest of the string family (Redis's `t_string.c`), plus the
//! single-bit commands SETBIT, GETBIT and BITCOUNT (from `bitops.c`).
//!
//! Every handler follows Redis 7.0's order of checks, because the order decides which error
//! a bad call gets: SET parses its options, then the expire time, then looks at the key;
//! GETEX looks the key up before it validates the expire time (a missing key answers nil
//! whatever the time); SETRANGE checks its offset before the key's type; LCS checks types
//! before options. Read commands count keyspace hits and misses (Redis's
//! `lookupKeyRead`); write commands do not (`lookupKeyWrite`).
//!
//! Values stay compact: what SET, MSET, GETSET and APPEND-to-a-new-key store goes through
//! [`Value::from_bytes`] (canonical integers become `int`); INCR and friends store integers;
//! APPEND, SETRANGE and SETBIT on an existing string leave a `raw` string, as Redis's
//! `dbUnshareStringValue` does; INCRBYFLOAT stores its text (`embstr`/`raw`, never `int`).

use super::{flags::*, CommandSpec, Group};
use crate::engine::Ctx;
use crate::errors;
use crate::notify::{GENERIC, KEY_MISS, STRING};
use crate::num::{self, LongDouble};
use crate::value::{CompactBytes, Value};
use alloc::vec::Vec;
use anax_protocol::{Args, Reply};

/// The string family's table.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("get", 2, READONLY | FAST, Group::String, get)
        .keys(1, 1, 1)
        .doc("Get the value of a key", "O(1)"),
    CommandSpec::new("set", -3, WRITE | DENYOOM, Group::String, set)
        .keys(1, 1, 1)
        .doc("Set the string value of a key", "O(1)"),
    CommandSpec::new("setnx", 3, WRITE | DENYOOM | FAST, Group::String, setnx)
        .keys(1, 1, 1)
        .doc(
            "Set the value of a key, only if the key does not exist",
            "O(1)",
        ),
    CommandSpec::new("setex", 4, WRITE | DENYOOM, Group::String, setex)
        .keys(1, 1, 1)
        .since("2.0.0")
        .doc("Set the value and expiration of a key", "O(1)"),
    CommandSpec::new("psetex", 4, WRITE | DENYOOM, Group::String, psetex)
        .keys(1, 1, 1)
        .since("2.6.0")
        .doc(
            "Set the value and expiration in milliseconds of a key",
            "O(1)",
        ),
    CommandSpec::new("getset", 3, WRITE | DENYOOM | FAST, Group::String, getset)
        .keys(1, 1, 1)
        .doc(
            "Set the string value of a key and return its old value",
            "O(1)",
        ),
    CommandSpec::new("getdel", 2, WRITE | FAST, Group::String, getdel)
        .keys(1, 1, 1)
        .since("6.2.0")
        .doc("Get the value of a key and delete the key", "O(1)"),
    CommandSpec::new("getex", -2, WRITE | FAST, Group::String, getex)
        .keys(1, 1, 1)
        .since("6.2.0")
        .doc(
            "Get the value of a key and optionally set its expiration",
            "O(1)",
        ),
    CommandSpec::new("mget", -2, READONLY | FAST, Group::String, mget)
        .keys(1, -1, 1)
        .doc(
            "Get the values of all the given keys",
            "O(N) where N is the number of keys to retrieve.",
        ),
    CommandSpec::new("mset", -3, WRITE | DENYOOM, Group::String, mset)
        .keys(1, -1, 2)
        .since("1.0.1")
        .doc(
            "Set multiple keys to multiple values",
            "O(N) where N is the number of keys to set.",
        ),
    CommandSpec::new("msetnx", -3, WRITE | DENYOOM, Group::String, msetnx)
        .keys(1, -1, 2)
        .since("1.0.1")
        .doc(
            "Set multiple keys to multiple values, only if none of the keys exist",
            "O(N) where N is the number of keys to set.",
        ),
    CommandSpec::new("incr", 2, WRITE | DENYOOM | FAST, Group::String, incr)
        .keys(1, 1, 1)
        .doc("Increment the integer value of a key by one", "O(1)"),
    CommandSpec::new("decr", 2, WRITE | DENYOOM | FAST, Group::String, decr)
        .keys(1, 1, 1)
        .doc("Decrement the integer value of a key by one", "O(1)"),
    CommandSpec::new("incrby", 3, WRITE | DENYOOM | FAST, Group::String, incrby)
        .keys(1, 1, 1)
        .doc(
            "Increment the integer value of a key by the given amount",
            "O(1)",
        ),
    CommandSpec::new("decrby", 3, WRITE | DENYOOM | FAST, Group::String, decrby)
        .keys(1, 1, 1)
        .doc(
            "Decrement the integer value of a key by the given number",
            "O(1)",
        ),
    CommandSpec::new(
        "incrbyfloat",
        3,
        WRITE | DENYOOM | FAST,
        Group::String,
        incrbyfloat,
    )
    .keys(1, 1, 1)
    .since("2.6.0")
    .doc(
        "Increment the float value of a key by the given amount",
        "O(1)",
    ),
    CommandSpec::new("append", 3, WRITE | DENYOOM | FAST, Group::String, append)
        .keys(1, 1, 1)
        .since("2.0.0")
        .doc(
            "Append a value to a key",
            "O(1). The amortized time complexity is O(1) assuming the appended value is small \
             and the already present value is of any size, since the dynamic string library \
             used by Redis will double the free space available on every reallocation.",
        ),
    CommandSpec::new("strlen", 2, READONLY | FAST, Group::String, strlen)
        .keys(1, 1, 1)
        .since("2.2.0")
        .doc("Get the length of the value stored in a key", "O(1)"),
    CommandSpec::new("getrange", 4, READONLY, Group::String, getrange)
        .keys(1, 1, 1)
        .since("2.4.0")
        .doc(
            "Get a substring of the string stored at a key",
            GETRANGE_COMPLEXITY,
        ),
    CommandSpec::new("setrange", 4, WRITE | DENYOOM, Group::String, setrange)
        .keys(1, 1, 1)
        .since("2.2.0")
        .doc(
            "Overwrite part of a string at key starting at the specified offset",
            "O(1), not counting the time taken to copy the new string in place. Usually, this \
             string is very small so the amortized complexity is O(1). Otherwise, complexity \
             is O(M) with M being the length of the value argument.",
        ),
    CommandSpec::new("substr", 4, READONLY, Group::String, getrange)
        .keys(1, 1, 1)
        .doc(
            "Get a substring of the string stored at a key",
            GETRANGE_COMPLEXITY,
        ),
    CommandSpec::new("lcs", -3, READONLY, Group::String, lcs)
        .keys(1, 2, 1)
        .since("7.0.0")
        .doc(
            "Find longest common substring",
            "O(N*M) where N and M are the lengths of s1 and s2, respectively",
        ),
    CommandSpec::new("setbit", 4, WRITE | DENYOOM, Group::Bitmap, setbit)
        .keys(1, 1, 1)
        .since("2.2.0")
        .doc(
            "Sets or clears the bit at offset in the string value stored at key",
            "O(1)",
        ),
    CommandSpec::new("getbit", 3, READONLY | FAST, Group::Bitmap, getbit)
        .keys(1, 1, 1)
        .since("2.2.0")
        .doc(
            "Returns the bit value at offset in the string value stored at key",
            "O(1)",
        ),
    CommandSpec::new("bitcount", -2, READONLY, Group::Bitmap, bitcount)
        .keys(1, 1, 1)
        .since("2.6.0")
        .doc("Count set bits in a string", "O(N)"),
];

const GETRANGE_COMPLEXITY: &str = "O(N) where N is the length of the returned string. The \
     complexity is ultimately determined by the returned length, but because creating a \
     substring from an existing string is very cheap, it can be considered O(1) for small \
     strings.";

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// Replies with a string value as a bulk string; false (nothing written) for other types.
#[inline]
fn reply_str(reply: &mut Reply<'_>, v: &Value) -> bool {
    match v {
        Value::Int(n) => {
            reply.bulk_int(*n);
            true
        }
        v => v.with_str(|b| reply.bulk(b)).is_some(),
    }
}

/// The length of a string value; `None` for other types.
#[inline]
fn str_len(v: &Value) -> Option<usize> {
    v.with_str(|b| b.len())
}

/// Redis's `getGenericCommand`: replies with the string at `key` (nil when absent, counting
/// the hit or miss); false after replying WRONGTYPE.
fn get_generic(ctx: &mut Ctx<'_>, key: &[u8]) -> bool {
    let (hit, ok) = match ctx.state.db(ctx.dbi, key).get(key, ctx.now_ms) {
        None => {
            ctx.reply.null();
            (false, true)
        }
        Some(e) => (true, reply_str(&mut ctx.reply, &e.value)),
    };
    ctx.hit_key(hit, key);
    if !ok {
        ctx.wrong_type();
    }
    ok
}

/// The argument as C sees it: up to its first NUL byte (Redis compares option names with
/// `strcasecmp` and by characters, so `NX\0junk` reads as `NX`).
#[inline]
fn c_str(b: &[u8]) -> &[u8] {
    match b.iter().position(|&c| c == 0) {
        Some(n) => &b[..n],
        None => b,
    }
}

// The options of SET and GETEX (Redis's OBJ_* flags).
const OPT_NX: u16 = 1 << 0;
const OPT_XX: u16 = 1 << 1;
const OPT_EX: u16 = 1 << 2;
const OPT_PX: u16 = 1 << 3;
const OPT_KEEPTTL: u16 = 1 << 4;
const OPT_GET: u16 = 1 << 5;
const OPT_EXAT: u16 = 1 << 6;
const OPT_PXAT: u16 = 1 << 7;
const OPT_PERSIST: u16 = 1 << 8;
const OPT_ANY_EXPIRE: u16 = OPT_EX | OPT_PX | OPT_EXAT | OPT_PXAT;

/// Parsed SET / GETEX options: the flags and the expire argument.
struct ExtOpts<'a> {
    flags: u16,
    expire: Option<&'a [u8]>,
}

/// Redis's `parseExtendedStringArgumentsOrReply`: the options from argument `start` on;
/// `None` for a syntax error. SET takes NX, XX, GET, KEEPTTL and the expire options; GETEX
/// takes PERSIST and the expire options. A repeated option is accepted (the last expire
/// value wins), a conflicting one is a syntax error, as in Redis.
fn parse_ext<'a>(args: &Args<'a>, start: usize, is_set: bool) -> Option<ExtOpts<'a>> {
    let mut flags = 0u16;
    let mut expire = None;
    let mut j = start;
    while j < args.len() {
        let opt = c_str(args.get(j));
        let has_next = j + 1 < args.len();
        let is = |name: &[u8]| opt.eq_ignore_ascii_case(name);
        let none = |f: u16| flags & f == 0;
        let expire_opt = if is(b"ex") {
            Some(OPT_EX)
        } else if is(b"px") {
            Some(OPT_PX)
        } else if is(b"exat") {
            Some(OPT_EXAT)
        } else if is(b"pxat") {
            Some(OPT_PXAT)
        } else {
            None
        };
        if is_set && is(b"nx") && none(OPT_XX) {
            flags |= OPT_NX;
        } else if is_set && is(b"xx") && none(OPT_NX) {
            flags |= OPT_XX;
        } else if is_set && is(b"get") {
            flags |= OPT_GET;
        } else if is_set && is(b"keepttl") && none(OPT_PERSIST | OPT_ANY_EXPIRE) {
            flags |= OPT_KEEPTTL;
        } else if !is_set && is(b"persist") && none(OPT_ANY_EXPIRE | OPT_KEEPTTL) {
            flags |= OPT_PERSIST;
        } else if let Some(f) = expire_opt
            .filter(|&f| has_next && none(OPT_KEEPTTL | OPT_PERSIST | (OPT_ANY_EXPIRE & !f)))
        {
            flags |= f;
            expire = Some(args.get(j + 1));
            j += 1;
        } else {
            return None;
        }
        j += 1;
    }
    Some(ExtOpts { flags, expire })
}

/// Redis's `getExpireMillisecondsOrReply`: the absolute expiry in Unix ms for the expire
/// argument of an option in `flags` (EX/PX relative, EXAT/PXAT absolute); replies with the
/// error and returns `None` when it is not an integer, not positive, or overflows.
fn expire_at_or_reply(ctx: &mut Ctx<'_>, arg: &[u8], flags: u16) -> Option<u64> {
    let Some(mut ms) = num::parse_long(arg) else {
        ctx.error(errors::NOT_INTEGER);
        return None;
    };
    let seconds = flags & (OPT_EX | OPT_EXAT) != 0;
    if ms <= 0 || (seconds && ms > i64::MAX / 1000) {
        ctx.error(&errors::invalid_expire(ctx.fullname()));
        return None;
    }
    if seconds {
        ms *= 1000;
    }
    if flags & (OPT_EX | OPT_PX) != 0 {
        // C's signed overflow wraps; the check below catches it as Redis does.
        ms = ms.wrapping_add(ctx.now_ms as i64);
    }
    if ms <= 0 {
        ctx.error(&errors::invalid_expire(ctx.fullname()));
        return None;
    }
    Some(ms as u64)
}

// ---------------------------------------------------------------------------------------
// GET, SET and friends
// ---------------------------------------------------------------------------------------

/// GET key
///
/// The string at `key`, nil when absent, WRONGTYPE for other types.
fn get(ctx: &mut Ctx<'_>, args: Args<'_>) {
    get_generic(ctx, args.get(1));
}

/// How a SET variant answers when it sets and when NX/XX stop it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SetReplies {
    /// `+OK` / nil (SET, SETEX, PSETEX).
    OkNil,
    /// `:1` / `:0` (SETNX).
    OneZero,
}

/// Redis's `setGenericCommand`: SET, SETNX, SETEX and PSETEX.
fn set_generic(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    val: &[u8],
    flags: u16,
    expire: Option<&[u8]>,
    replies: SetReplies,
) {
    let expire_at = match expire {
        Some(arg) => match expire_at_or_reply(ctx, arg, flags) {
            Some(ms) => ms,
            None => return,
        },
        None => 0,
    };
    if flags & OPT_GET != 0 && !get_generic(ctx, key) {
        return;
    }
    let now = ctx.now_ms;
    let db = ctx.state.db(ctx.dbi, key);
    // Only NX, XX and KEEPTTL need to know whether a live key is there; plain SET replaces
    // whatever is stored (an expired key included) in one lookup.
    if flags & (OPT_NX | OPT_XX | OPT_KEEPTTL) != 0 {
        let found = db.contains(key, now);
        if (flags & OPT_NX != 0 && found) || (flags & OPT_XX != 0 && !found) {
            if flags & OPT_GET == 0 {
                match replies {
                    SetReplies::OkNil => ctx.reply.null(),
                    SetReplies::OneZero => ctx.reply.int(0),
                }
            }
            return;
        }
    }
    let value = Value::from_bytes(val);
    if flags & OPT_KEEPTTL != 0 {
        db.set_keep_ttl(key, value);
    } else {
        db.set_at(key, value, expire_at, now);
    }
    ctx.dirty(1);
    ctx.notify(STRING, "set", key);
    if expire_at != 0 {
        ctx.notify(GENERIC, "expire", key);
    }
    if flags & OPT_GET == 0 {
        match replies {
            SetReplies::OkNil => ctx.reply.ok(),
            SetReplies::OneZero => ctx.reply.int(1),
        }
    }
}

/// SET key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds |
/// PXAT unix-time-milliseconds | KEEPTTL]
///
/// `+OK`; nil when NX/XX stop it; with GET, the old value (nil when none) instead.
fn set(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let Some(opts) = parse_ext(&args, 3, true) else {
        ctx.error(errors::SYNTAX);
        return;
    };
    set_generic(
        ctx,
        args.get(1),
        args.get(2),
        opts.flags,
        opts.expire,
        SetReplies::OkNil,
    );
}

/// SETNX key value
///
/// `:1` when set, `:0` when the key exists.
fn setnx(ctx: &mut Ctx<'_>, args: Args<'_>) {
    set_generic(
        ctx,
        args.get(1),
        args.get(2),
        OPT_NX,
        None,
        SetReplies::OneZero,
    );
}

/// SETEX key seconds value
fn setex(ctx: &mut Ctx<'_>, args: Args<'_>) {
    set_generic(
        ctx,
        args.get(1),
        args.get(3),
        OPT_EX,
        Some(args.get(2)),
        SetReplies::OkNil,
    );
}

/// PSETEX key milliseconds value
fn psetex(ctx: &mut Ctx<'_>, args: Args<'_>) {
    set_generic(
        ctx,
        args.get(1),
        args.get(3),
        OPT_PX,
        Some(args.get(2)),
        SetReplies::OkNil,
    );
}

/// GETSET key value
///
/// The old value (nil when none); the key gets the new value and loses its TTL.
fn getset(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let key = args.get(1);
    if !get_generic(ctx, key) {
        return;
    }
    let now = ctx.now_ms;
    ctx.state
        .db(ctx.dbi, key)
        .set_at(key, Value::from_bytes(args.get(2)), 0, now);
    ctx.dirty(1);
    ctx.notify(STRING, "set", key);
}

/// GETDEL key
///
/// The value (nil when none), and the key is deleted.
fn getdel(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let key = args.get(1);
    if !get_generic(ctx, key) {
        return;
    }
    if ctx.state.db(ctx.dbi, key).remove(key).is_some() {
        ctx.dirty(1);
        ctx.notify(GENERIC, "del", key);
    }
}

/// GETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds |
/// PXAT unix-time-milliseconds | PERSIST]
///
/// The value (nil when none), and the TTL changed as asked; an EXAT/PXAT in the past
/// deletes the key.
fn getex(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let Some(opts) = parse_ext(&args, 2, false) else {
        ctx.error(errors::SYNTAX);
        return;
    };
    let key = args.get(1);
    let now = ctx.now_ms;
    let found = ctx
        .state
        .db(ctx.dbi, key)
        .get(key, now)
        .map(|e| e.value.is_string());
    ctx.hit_key(found.is_some(), key);
    match found {
        None => {
            ctx.reply.null();
            return;
        }
        Some(false) => {
            ctx.wrong_type();
            return;
        }
        Some(true) => {}
    }
    let expire_at = match opts.expire {
        Some(arg) => match expire_at_or_reply(ctx, arg, opts.flags) {
            Some(ms) => ms,
            None => return,
        },
        None => 0,
    };
    let db = ctx.state.db(ctx.dbi, key);
    let Some(e) = db.lookup(key, now) else {
        return;
    };
    reply_str(&mut ctx.reply, &e.value);
    let had_ttl = e.expire_at != 0;
    let event = if opts.flags & (OPT_EXAT | OPT_PXAT) != 0 && expire_at <= now {
        db.remove(key);
        Some("del")
    } else if opts.expire.is_some() {
        db.set_expire(key, expire_at);
        Some("expire")
    } else if opts.flags & OPT_PERSIST != 0 && had_ttl {
        db.set_expire(key, 0);
        Some("persist")
    } else {
        None
    };
    if let Some(event) = event {
        ctx.dirty(1);
        ctx.notify(GENERIC, event, key);
    }
}

/// MGET key [key ...]
///
/// An array with each key's string, nil for absent keys and other types.
fn mget(ctx: &mut Ctx<'_>, args: Args<'_>) {
    ctx.reply.array(args.len() - 1);
    let (mut hits, mut misses) = (0, 0);
    for key in args.iter().skip(1) {
        match ctx.state.db(ctx.dbi, key).get(key, ctx.now_ms) {
            None => {
                misses += 1;
                ctx.reply.null();
                ctx.notify(KEY_MISS, "keymiss", key);
            }
            Some(e) => {
                hits += 1;
                if !reply_str(&mut ctx.reply, &e.value) {
                    ctx.reply.null();
                }
            }
        }
    }
    ctx.state.stats.keyspace_hits += hits;
    ctx.state.stats.keyspace_misses += misses;
}

/// Redis's `msetGenericCommand`: MSET and MSETNX. The keys may live on different shards.
fn mset_generic(ctx: &mut Ctx<'_>, args: Args<'_>, nx: bool) {
    if args.len().is_multiple_of(2) {
        let text = errors::wrong_arity(ctx.fullname());
        ctx.error(&text);
        return;
    }
    let now = ctx.now_ms;
    if nx {
        // Every key is checked before any is written.
        for j in (1..args.len()).step_by(2) {
            let key = args.get(j);
            if ctx.state.db(ctx.dbi, key).contains(key, now) {
                ctx.reply.int(0);
                return;
            }
        }
    }
    for j in (1..args.len()).step_by(2) {
        let key = args.get(j);
        ctx.state
            .db(ctx.dbi, key)
            .set_at(key, Value::from_bytes(args.get(j + 1)), 0, now);
        ctx.notify(STRING, "set", key);
    }
    ctx.dirty((args.len() as u64 - 1) / 2);
    if nx {
        ctx.reply.int(1);
    } else {
        ctx.reply.ok();
    }
}

/// MSET key value [key value ...]
fn mset(ctx: &mut Ctx<'_>, args: Args<'_>) {
    mset_generic(ctx, args, false)
}

/// MSETNX key value [key value ...]
///
/// `:1` when all were set, `:0` (and nothing set) when any key exists.
fn msetnx(ctx: &mut Ctx<'_>, args: Args<'_>) {
    mset_generic(ctx, args, true)
}

// ---------------------------------------------------------------------------------------
// Counters
// ---------------------------------------------------------------------------------------

/// Redis's `incrDecrCommand`: adds `by` to the integer at `key` (0 when absent), in place,
/// keeping the TTL.
fn incr_decr(ctx: &mut Ctx<'_>, key: &[u8], by: i64) {
    let now = ctx.now_ms;
    let db = ctx.state.db(ctx.dbi, key);
    let result = match db.lookup(key, now) {
        Some(e) => {
            let cur = match &e.value {
                Value::Int(n) => Ok(*n),
                v => match v.with_str(num::parse_canonical_i64) {
                    None => Err(errors::WRONGTYPE),
                    Some(None) => Err(errors::NOT_INTEGER),
                    Some(Some(n)) => Ok(n),
                },
            };
            match cur.and_then(|n| n.checked_add(by).ok_or(errors::INCR_OVERFLOW)) {
                Ok(n) => {
                    e.value = Value::Int(n);
                    Ok(n)
                }
                Err(text) => Err(text),
            }
        }
        None => {
            db.set(key, Value::Int(by), 0);
            Ok(by)
        }
    };
    match result {
        Ok(n) => {
            ctx.dirty(1);
            ctx.notify(STRING, "incrby", key);
            ctx.reply.int(n);
        }
        Err(text) => ctx.error(text),
    }
}

/// INCR key
fn incr(ctx: &mut Ctx<'_>, args: Args<'_>) {
    incr_decr(ctx, args.get(1), 1)
}

/// DECR key
fn decr(ctx: &mut Ctx<'_>, args: Args<'_>) {
    incr_decr(ctx, args.get(1), -1)
}

/// INCRBY key increment
fn incrby(ctx: &mut Ctx<'_>, args: Args<'_>) {
    match num::parse_long(args.get(2)) {
        Some(by) => incr_decr(ctx, args.get(1), by),
        None => ctx.error(errors::NOT_INTEGER),
    }
}

/// DECRBY key decrement
fn decrby(ctx: &mut Ctx<'_>, args: Args<'_>) {
    match num::parse_long(args.get(2)) {
        Some(i64::MIN) => ctx.error(errors::DECR_OVERFLOW),
        Some(by) => incr_decr(ctx, args.get(1), -by),
        None => ctx.error(errors::NOT_INTEGER),
    }
}

/// INCRBYFLOAT key increment
///
/// The new value as a bulk string, computed in `long double` as Redis does (see
/// [`LongDouble`]) and stored as that text, keeping the TTL.
fn incrbyfloat(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let key = args.get(1);
    let by = LongDouble::parse(args.get(2));
    let now = ctx.now_ms;
    let db = ctx.state.db(ctx.dbi, key);
    let entry = db.lookup(key, now);
    let cur = match &entry {
        None => Ok(LongDouble::ZERO),
        Some(e) => match e.value.with_str(LongDouble::parse) {
            None => Err(errors::WRONGTYPE),
            Some(None) => Err(errors::NOT_FLOAT),
            Some(Some(v)) => Ok(v),
        },
    };
    let sum = cur
        .and_then(|cur| Ok((cur, by.ok_or(errors::NOT_FLOAT)?)))
        .and_then(|(cur, by)| cur.checked_add(by).ok_or(errors::INCR_NAN_INF));
    let sum = match sum {
        Ok(v) => v,
        Err(text) => {
            ctx.error(text);
            return;
        }
    };
    let mut text = Vec::new();
    sum.write_human(&mut text);
    ctx.reply.bulk(&text);
    let value = Value::Str(CompactBytes::from_vec(text));
    match entry {
        Some(e) => e.value = value,
        None => db.set(key, value, 0),
    }
    ctx.dirty(1);
    ctx.notify(STRING, "incrbyfloat", key);
}

// ---------------------------------------------------------------------------------------
// Substrings
// ---------------------------------------------------------------------------------------

/// APPEND key value
///
/// The new length. A new key takes the value as SET would; an existing string becomes
/// `raw`, keeping its TTL.
fn append(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let (key, add) = (args.get(1), args.get(2));
    let max = ctx.state.config.proto_max_bulk_len;
    let now = ctx.now_ms;
    let db = ctx.state.db(ctx.dbi, key);
    let result = match db.lookup(key, now) {
        None => {
            db.set(key, Value::from_bytes(add), 0);
            Ok(add.len())
        }
        Some(e) => match str_len(&e.value) {
            None => Err(errors::WRONGTYPE),
            Some(len) if (len as u64).saturating_add(add.len() as u64) > max => {
                Err(errors::STRING_TOO_LONG)
            }
            Some(_) => {
                let v = e.value.make_raw().expect("a string");
                v.extend_from_slice(add);
                Ok(v.len())
            }
        },
    };
    match result {
        Ok(n) => {
            ctx.dirty(1);
            ctx.notify(STRING, "append", key);
            ctx.reply.int(n as i64);
        }
        Err(text) => ctx.error(text),
    }
}

/// STRLEN key
fn strlen(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let key = args.get(1);
    let len = ctx
        .state
        .db(ctx.dbi, key)
        .get(key, ctx.now_ms)
        .map(|e| str_len(&e.value));
    ctx.hit_key(len.is_some(), key);
    match len {
        None => ctx.reply.int(0),
        Some(Some(n)) => ctx.reply.int(n as i64),
        Some(None) => ctx.wrong_type(),
    }
}

/// The byte range `start..=end` (Redis's inclusive, negative-from-the-end indexes) of a
/// string of `len` bytes, as GETRANGE computes it; `None` when empty.
fn substr_range(mut start: i64, mut end: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    if start < 0 && end < 0 && start > end {
        return None;
    }
    if start < 0 {
        start += len;
    }
    if end < 0 {
        end += len;
    }
    start = start.max(0);
    end = end.max(0);
    if end >= len {
        end = len - 1;
    }
    if start > end || len == 0 {
        return None;
    }
    Some((start as usize, end as usize))
}

/// GETRANGE key start end (and SUBSTR)
///
/// The bytes `start..=end`, negative indexes counting from the end; empty when out of
/// range or absent.
fn getrange(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let (Some(start), Some(end)) = (num::parse_long(args.get(2)), num::parse_long(args.get(3)))
    else {
        ctx.error(errors::NOT_INTEGER);
        return;
    };
    let key = args.get(1);
    let reply = &mut ctx.reply;
    let found = ctx.state.db(ctx.dbi, key).get(key, ctx.now_ms).map(|e| {
        e.value
            .with_str(|b| match substr_range(start, end, b.len()) {
                Some((s, e)) => reply.bulk(&b[s..=e]),
                None => reply.bulk(b""),
            })
    });
    ctx.hit_key(found.is_some(), key);
    match found {
        None => ctx.reply.bulk(b""),
        Some(Some(())) => {}
        Some(None) => ctx.wrong_type(),
    }
}

/// SETRANGE key offset value
///
/// The new length. Writes `value` at `offset`, padding with zero bytes; the result is a
/// `raw` string that keeps its TTL. Refused above proto-max-bulk-len.
fn setrange(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let (key, val) = (args.get(1), args.get(3));
    let offset = match num::parse_long(args.get(2)) {
        None => return ctx.error(errors::NOT_INTEGER),
        Some(n) if n < 0 => return ctx.error(errors::OFFSET_OUT_OF_RANGE),
        Some(n) => n as u64,
    };
    let max = ctx.state.config.proto_max_bulk_len;
    let too_long = offset.saturating_add(val.len() as u64) > max;
    let now = ctx.now_ms;
    let db = ctx.state.db(ctx.dbi, key);
    let result = match db.lookup(key, now) {
        None if val.is_empty() => Ok((0, false)),
        None if too_long => Err(errors::STRING_TOO_LONG),
        None => {
            let offset = offset as usize;
            let mut v = alloc::vec![0u8; offset + val.len()];
            v[offset..].copy_from_slice(val);
            let n = v.len();
            db.set(key, Value::raw(v), 0);
            Ok((n, true))
        }
        Some(e) => match str_len(&e.value) {
            None => Err(errors::WRONGTYPE),
            Some(len) if val.is_empty() => Ok((len, false)),
            Some(_) if too_long => Err(errors::STRING_TOO_LONG),
            Some(_) => {
                let offset = offset as usize;
                let v = e.value.make_raw().expect("a string");
                if v.len() < offset + val.len() {
                    v.resize(offset + val.len(), 0);
                }
                v[offset..offset + val.len()].copy_from_slice(val);
                Ok((v.len(), true))
            }
        },
    };
    match result {
        Ok((n, wrote)) => {
            if wrote {
                ctx.dirty(1);
                ctx.notify(STRING, "setrange", key);
            }
            ctx.reply.int(n as i64);
        }
        Err(text) => ctx.error(text),
    }
}

// ---------------------------------------------------------------------------------------
// LCS
// ---------------------------------------------------------------------------------------

/// One match of LCS IDX: ranges in the first and the second string, and its length.
struct LcsMatch {
    a: (u32, u32),
    b: (u32, u32),
    len: u32,
}

/// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]
///
/// The longest common subsequence of two strings (absent keys read as empty), its length
/// (LEN), or its matching ranges (IDX), as Redis 7.0 computes them: the full
/// `(a+1)*(b+1)` table of `u32`, refused when it would exceed proto-max-bulk-len.
fn lcs(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let now = ctx.now_ms;
    let mut strings: [Option<Vec<u8>>; 2] = [None, None];
    let mut wrong = false;
    for (i, s) in strings.iter_mut().enumerate() {
        let key = args.get(1 + i);
        let found = ctx
            .state
            .db(ctx.dbi, key)
            .get(key, now)
            .map(|e| e.value.to_vec());
        ctx.hit_key(found.is_some(), key);
        match found {
            None => {}
            Some(None) => wrong = true,
            Some(Some(v)) => *s = Some(v),
        }
    }
    if wrong {
        ctx.error(errors::LCS_WRONGTYPE);
        return;
    }
    let [a, b] = strings;
    let (a, b) = (a.unwrap_or_default(), b.unwrap_or_default());
    let (mut getlen, mut getidx, mut withmatchlen) = (false, false, false);
    let mut minmatchlen: u64 = 0;
    let mut j = 3;
    while j < args.len() {
        let opt = c_str(args.get(j));
        let more = j + 1 < args.len();
        if opt.eq_ignore_ascii_case(b"idx") {
            getidx = true;
        } else if opt.eq_ignore_ascii_case(b"len") {
            getlen = true;
        } else if opt.eq_ignore_ascii_case(b"withmatchlen") {
            withmatchlen = true;
        } else if opt.eq_ignore_ascii_case(b"minmatchlen") && more {
            match num::parse_long(args.get(j + 1)) {
                Some(n) => minmatchlen = n.max(0) as u64,
                None => return ctx.error(errors::NOT_INTEGER),
            }
            j += 1;
        } else {
            return ctx.error(errors::SYNTAX);
        }
        j += 1;
    }
    if getidx && getlen {
        return ctx.error(errors::LCS_LEN_AND_IDX);
    }
    if a.len() as u64 >= u32::MAX as u64 - 1 || b.len() as u64 >= u32::MAX as u64 - 1 {
        return ctx.error(errors::LCS_TOO_LONG);
    }
    let (alen, blen) = (a.len(), b.len());
    let cells = (alen as u64 + 1) * (blen as u64 + 1);
    if cells.saturating_mul(4) > ctx.state.config.proto_max_bulk_len {
        return ctx.error(errors::LCS_MEMORY_LIMIT);
    }
    if getlen {
        // Only the length: two rows of the table are enough.
        let mut prev = Vec::new();
        let mut cur = Vec::new();
        if prev.try_reserve_exact(blen + 1).is_err() || cur.try_reserve_exact(blen + 1).is_err() {
            return ctx.error(errors::LCS_ALLOC_FAILED);
        }
        prev.resize(blen + 1, 0u32);
        cur.resize(blen + 1, 0u32);
        for &ca in &a {
            for jj in 1..=blen {
                cur[jj] = if ca == b[jj - 1] {
                    prev[jj - 1] + 1
                } else {
                    prev[jj].max(cur[jj - 1])
                };
            }
            core::mem::swap(&mut prev, &mut cur);
        }
        ctx.reply.int(prev[blen] as i64);
        return;
    }
    let mut table: Vec<u32> = Vec::new();
    if table.try_reserve_exact(cells as usize).is_err() {
        return ctx.error(errors::LCS_ALLOC_FAILED);
    }
    table.resize(cells as usize, 0);
    let w = blen + 1;
    for i in 1..=alen {
        for jj in 1..=blen {
            table[i * w + jj] = if a[i - 1] == b[jj - 1] {
                table[(i - 1) * w + jj - 1] + 1
            } else {
                table[(i - 1) * w + jj].max(table[i * w + jj - 1])
            };
        }
    }
    let total = table[alen * w + blen];
    let mut result = alloc::vec![0u8; total as usize];
    let mut matches = Vec::new();
    // Walk back from the end, as Redis does, collecting the string and the ranges.
    let (alen32, mut idx) = (alen as u32, total);
    let (mut arange_start, mut arange_end, mut brange_start, mut brange_end) =
        (alen32, 0u32, 0u32, 0u32);
    let (mut i, mut jj) = (alen, blen);
    while i > 0 && jj > 0 {
        let mut emit = false;
        if a[i - 1] == b[jj - 1] {
            result[idx as usize - 1] = a[i - 1];
            if arange_start == alen32 {
                arange_start = i as u32 - 1;
                arange_end = i as u32 - 1;
                brange_start = jj as u32 - 1;
                brange_end = jj as u32 - 1;
            } else if arange_start == i as u32 && brange_start == jj as u32 {
                arange_start -= 1;
                brange_start -= 1;
            } else {
                emit = true;
            }
            if arange_start == 0 || brange_start == 0 {
                emit = true;
            }
            idx -= 1;
            i -= 1;
            jj -= 1;
        } else {
            if table[(i - 1) * w + jj] > table[i * w + jj - 1] {
                i -= 1;
            } else {
                jj -= 1;
            }
            if arange_start != alen32 {
                emit = true;
            }
        }
        let match_len = arange_end.wrapping_sub(arange_start).wrapping_add(1);
        if emit {
            if getidx && (minmatchlen == 0 || match_len as u64 >= minmatchlen) {
                matches.push(LcsMatch {
                    a: (arange_start, arange_end),
                    b: (brange_start, brange_end),
                    len: match_len,
                });
            }
            arange_start = alen32;
        }
    }
    drop(table);
    if !getidx {
        ctx.reply.bulk(&result);
        return;
    }
    let r = &mut ctx.reply;
    r.map(2);
    r.bulk(b"matches");
    r.array(matches.len());
    for m in &matches {
        r.array(2 + withmatchlen as usize);
        r.array(2);
        r.int(m.a.0 as i64);
        r.int(m.a.1 as i64);
        r.array(2);
        r.int(m.b.0 as i64);
        r.int(m.b.1 as i64);
        if withmatchlen {
            r.int(m.len as i64);
        }
    }
    r.bulk(b"len");
    r.int(total as i64);
}

// ---------------------------------------------------------------------------------------
// Bits
// ---------------------------------------------------------------------------------------

/// Redis's `getBitOffsetFromArgument`: a canonical integer from 0 to below
/// `proto-max-bulk-len * 8`.
fn bit_offset(ctx: &Ctx<'_>, arg: &[u8]) -> Option<u64> {
    let n = num::parse_long(arg)?;
    (n >= 0 && (n as u64 >> 3) < ctx.state.config.proto_max_bulk_len).then_some(n as u64)
}

/// SETBIT key offset value
///
/// The bit's old value. The string grows with zero bytes as needed and becomes `raw`.
fn setbit(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let key = args.get(1);
    let Some(offset) = bit_offset(ctx, args.get(2)) else {
        return ctx.error(errors::BIT_OFFSET);
    };
    let on = match num::parse_long(args.get(3)) {
        Some(v @ (0 | 1)) => v as u8,
        _ => return ctx.error(errors::BIT_VALUE),
    };
    let byte = (offset >> 3) as usize;
    let shift = 7 - (offset & 7) as u8;
    let now = ctx.now_ms;
    let db = ctx.state.db(ctx.dbi, key);
    // Only a new key, a longer string or a changed bit counts as a write (Redis 7.0).
    let (old, changed) = match db.lookup(key, now) {
        None => {
            let mut v = alloc::vec![0u8; byte + 1];
            v[byte] = on << shift;
            db.set(key, Value::raw(v), 0);
            (0, true)
        }
        Some(e) => {
            let Some(len) = str_len(&e.value) else {
                return ctx.wrong_type();
            };
            let v = e.value.make_raw().expect("a string");
            if v.len() <= byte {
                v.resize(byte + 1, 0);
            }
            let old = v[byte] >> shift & 1;
            v[byte] = v[byte] & !(1 << shift) | on << shift;
            let grew = v.len() != len;
            (old, grew || old != on)
        }
    };
    if changed {
        ctx.dirty(1);
        ctx.notify(STRING, "setbit", key);
    }
    ctx.reply.int(old as i64);
}

/// GETBIT key offset
///
/// The bit at `offset` (0 past the end or for an absent key).
fn getbit(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let key = args.get(1);
    let Some(offset) = bit_offset(ctx, args.get(2)) else {
        return ctx.error(errors::BIT_OFFSET);
    };
    let byte = (offset >> 3) as usize;
    let shift = 7 - (offset & 7);
    let found = ctx.state.db(ctx.dbi, key).get(key, ctx.now_ms).map(|e| {
        e.value
            .with_str(|b| b.get(byte).map_or(0, |&c| c >> shift & 1))
    });
    ctx.hit_key(found.is_some(), key);
    match found {
        None => ctx.reply.int(0),
        Some(Some(bit)) => ctx.reply.int(bit as i64),
        Some(None) => ctx.wrong_type(),
    }
}

/// BITCOUNT key [start end [BYTE | BIT]]
///
/// The number of set bits, in the whole string or in a byte (or bit) range. As in Redis
/// 7.0, the key is looked up before the range is parsed: an absent key answers 0 whatever
/// the arguments.
fn bitcount(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let key = args.get(1);
    let found = ctx
        .state
        .db(ctx.dbi, key)
        .get(key, ctx.now_ms)
        .map(|e| e.value.is_string());
    ctx.hit_key(found.is_some(), key);
    match found {
        None => return ctx.reply.int(0),
        Some(false) => return ctx.wrong_type(),
        Some(true) => {}
    }
    enum Range {
        All,
        Bytes(i64, i64),
        Bits(i64, i64),
    }
    let range = match args.len() {
        2 => Range::All,
        4 | 5 => {
            let (Some(s), Some(e)) = (num::parse_long(args.get(2)), num::parse_long(args.get(3)))
            else {
                return ctx.error(errors::NOT_INTEGER);
            };
            // As Redis: an empty range of negative indexes answers 0 before the unit is read.
            if s < 0 && e < 0 && s > e {
                return ctx.reply.int(0);
            }
            if args.len() == 4 {
                Range::Bytes(s, e)
            } else {
                let unit = c_str(args.get(4));
                if unit.eq_ignore_ascii_case(b"bit") {
                    Range::Bits(s, e)
                } else if unit.eq_ignore_ascii_case(b"byte") {
                    Range::Bytes(s, e)
                } else {
                    return ctx.error(errors::SYNTAX);
                }
            }
        }
        _ => return ctx.error(errors::SYNTAX),
    };
    let count = ctx
        .state
        .db(ctx.dbi, key)
        .get(key, ctx.now_ms)
        .and_then(|e| {
            e.value
                .with_str(|b| count_bits(b, range_bounds(&range, b.len())))
        })
        .unwrap_or(0);
    ctx.reply.int(count as i64);

    /// The inclusive bit range to count, `None` when empty.
    fn range_bounds(range: &Range, len: usize) -> Option<(u64, u64)> {
        let (mut start, mut end, total, bits) = match *range {
            Range::All => return (len > 0).then(|| (0, len as u64 * 8 - 1)),
            Range::Bytes(s, e) => (s, e, len as i64, false),
            Range::Bits(s, e) => (s, e, len as i64 * 8, true),
        };
        if start < 0 && end < 0 && start > end {
            return None;
        }
        if start < 0 {
            start += total;
        }
        if end < 0 {
            end += total;
        }
        start = start.max(0);
        end = end.max(0);
        if end >= total {
            end = total - 1;
        }
        if start > end {
            return None;
        }
        Some(if bits {
            (start as u64, end as u64)
        } else {
            (start as u64 * 8, end as u64 * 8 + 7)
        })
    }

    /// Set bits of `b` in the inclusive bit range.
    fn count_bits(b: &[u8], range: Option<(u64, u64)>) -> u64 {
        let Some((s, e)) = range else { return 0 };
        let (sb, eb) = ((s >> 3) as usize, (e >> 3) as usize);
        let mut n: u64 = b[sb..=eb].iter().map(|c| c.count_ones() as u64).sum();
        // Take off the bits of the edge bytes outside the range.
        let head = b[sb] & !(0xffu8 >> (s & 7));
        let tail = b[eb] & (0x7fu8 >> (e & 7));
        n -= head.count_ones() as u64 + tail.count_ones() as u64;
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substr_ranges_follow_getrange() {
        assert_eq!(substr_range(0, -1, 5), Some((0, 4)));
        assert_eq!(substr_range(-3, -1, 5), Some((2, 4)));
        assert_eq!(substr_range(-1, -3, 5), None);
        assert_eq!(substr_range(10, 20, 5), None);
        assert_eq!(substr_range(0, -100, 5), Some((0, 0)));
        assert_eq!(substr_range(i64::MIN, i64::MAX, 5), Some((0, 4)));
        assert_eq!(substr_range(0, -1, 0), None);
        assert_eq!(substr_range(-1, 0, 0), None);
    }

    #[test]
    fn c_strings_stop_at_nul() {
        assert_eq!(c_str(b"nx\0junk"), b"nx");
        assert_eq!(c_str(b"ex"), b"ex");
        assert_eq!(c_str(b"\0"), b"");
    }
}
