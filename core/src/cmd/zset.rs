//! Sorted sets (Redis's `t_zset.c`): ZADD ZINCRBY ZREM ZCARD ZSCORE ZMSCORE ZCOUNT ZLEXCOUNT
//! ZRANK ZREVRANK ZRANGE ZREVRANGE ZRANGEBYSCORE ZREVRANGEBYSCORE ZRANGEBYLEX
//! ZREVRANGEBYLEX ZRANGESTORE ZREMRANGEBYRANK ZREMRANGEBYSCORE ZREMRANGEBYLEX ZPOPMIN
//! ZPOPMAX ZMPOP ZRANDMEMBER ZSCAN ZUNION ZINTER ZDIFF ZUNIONSTORE ZINTERSTORE ZDIFFSTORE
//! ZINTERCARD.
//!
//! Handlers follow Redis 7.0's order of checks (options, then numbers, then the key's
//! type), since the order decides which error a bad call gets. Ranges are computed as
//! ascending index windows over the set ([`ZSet::count_while`] gives bounds in O(log n) in
//! the big encoding); lex ranges on the small encoding walk it as Redis walks a listpack,
//! so that sets with mixed scores answer as Redis's do.

use super::{flags::*, CommandSpec, Group};
use crate::coord::block;
use crate::db::Db;
use crate::engine::Ctx;
use crate::errors;
use crate::notify::{GENERIC, ZSET};
use crate::num;
use crate::types::zset::ZSet;
use crate::value::Value;
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use anax_protocol::{Args, Proto, Reply};
use hashbrown::HashMap;

/// The sorted set family's table.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("zadd", -4, WRITE | DENYOOM | FAST, Group::SortedSet, zadd)
        .keys(1, 1, 1)
        .since("1.2.0")
        .doc(
            "Add one or more members to a sorted set, or update its score if it already exists",
            "O(log(N)) for each item added, where N is the number of elements in the sorted set.",
        ),
    CommandSpec::new("zincrby", 4, WRITE | DENYOOM | FAST, Group::SortedSet, zincrby)
        .keys(1, 1, 1)
        .since("1.2.0")
        .doc(
            "Increment the score of a member in a sorted set",
            "O(log(N)) where N is the number of elements in the sorted set.",
        ),
    CommandSpec::new("zrem", -3, WRITE | FAST, Group::SortedSet, zrem)
        .keys(1, 1, 1)
        .since("1.2.0")
        .doc(
            "Remove one or more members from a sorted set",
            "O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.",
        ),
    CommandSpec::new("zcard", 2, READONLY | FAST, Group::SortedSet, zcard)
        .keys(1, 1, 1)
        .since("1.2.0")
        .doc(
            "Get the number of members in a sorted set",
            "O(1)",
        ),
    CommandSpec::new("zscore", 3, READONLY | FAST, Group::SortedSet, zscore)
        .keys(1, 1, 1)
        .since("1.2.0")
        .doc(
            "Get the score associated with the given member in a sorted set",
            "O(1)",
        ),
    CommandSpec::new("zmscore", -3, READONLY | FAST, Group::SortedSet, zmscore)
        .keys(1, 1, 1)
        .since("6.2.0")
        .doc(
            "Get the score associated with the given members in a sorted set",
            "O(N) where N is the number of members being requested.",
        ),
    CommandSpec::new("zcount", 4, READONLY | FAST, Group::SortedSet, zcount)
        .keys(1, 1, 1)
        .since("2.0.0")
        .doc(
            "Count the members in a sorted set with scores within the given values",
            "O(log(N)) with N being the number of elements in the sorted set.",
        ),
    CommandSpec::new("zrank", 3, READONLY | FAST, Group::SortedSet, zrank)
        .keys(1, 1, 1)
        .since("2.0.0")
        .doc(
            "Determine the index of a member in a sorted set",
            "O(log(N))",
        ),
    CommandSpec::new("zrevrank", 3, READONLY | FAST, Group::SortedSet, zrevrank)
        .keys(1, 1, 1)
        .since("2.0.0")
        .doc(
            "Determine the index of a member in a sorted set, with scores ordered from high to low",
            "O(log(N))",
        ),
    CommandSpec::new("zrange", -4, READONLY, Group::SortedSet, zrange)
        .keys(1, 1, 1)
        .since("1.2.0")
        .doc(
            "Return a range of members in a sorted set",
            "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.",
        ),
    CommandSpec::new("zrevrange", -4, READONLY, Group::SortedSet, zrevrange)
        .keys(1, 1, 1)
        .since("1.2.0")
        .doc(
            "Return a range of members in a sorted set, by index, with scores ordered from high to low",
            "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.",
        ),
    CommandSpec::new("zrangebyscore", -4, READONLY, Group::SortedSet, zrangebyscore)
        .keys(1, 1, 1)
        .since("1.0.5")
        .doc(
            "Return a range of members in a sorted set, by score",
            "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
        ),
    CommandSpec::new("zrevrangebyscore", -4, READONLY, Group::SortedSet, zrevrangebyscore)
        .keys(1, 1, 1)
        .since("2.2.0")
        .doc(
            "Return a range of members in a sorted set, by score, with scores ordered from high to low",
            "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
        ),
    CommandSpec::new("zrangebylex", -4, READONLY, Group::SortedSet, zrangebylex)
        .keys(1, 1, 1)
        .since("2.8.9")
        .doc(
            "Return a range of members in a sorted set, by lexicographical range",
            "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
        ),
    CommandSpec::new("zrevrangebylex", -4, READONLY, Group::SortedSet, zrevrangebylex)
        .keys(1, 1, 1)
        .since("2.8.9")
        .doc(
            "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.",
            "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
        ),
    CommandSpec::new("zlexcount", 4, READONLY | FAST, Group::SortedSet, zlexcount)
        .keys(1, 1, 1)
        .since("2.8.9")
        .doc(
            "Count the number of members in a sorted set between a given lexicographical range",
            "O(log(N)) with N being the number of elements in the sorted set.",
        ),
    CommandSpec::new("zremrangebyrank", 4, WRITE, Group::SortedSet, zremrangebyrank)
        .keys(1, 1, 1)
        .since("2.0.0")
        .doc(
            "Remove all members in a sorted set within the given indexes",
            "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
        ),
    CommandSpec::new("zremrangebyscore", 4, WRITE, Group::SortedSet, zremrangebyscore)
        .keys(1, 1, 1)
        .since("1.2.0")
        .doc(
            "Remove all members in a sorted set within the given scores",
            "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
        ),
    CommandSpec::new("zremrangebylex", 4, WRITE, Group::SortedSet, zremrangebylex)
        .keys(1, 1, 1)
        .since("2.8.9")
        .doc(
            "Remove all members in a sorted set between the given lexicographical range",
            "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
        ),
    CommandSpec::new("zpopmin", -2, WRITE | FAST, Group::SortedSet, zpopmin)
        .keys(1, 1, 1)
        .since("5.0.0")
        .doc(
            "Remove and return members with the lowest scores in a sorted set",
            "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.",
        ),
    CommandSpec::new("zpopmax", -2, WRITE | FAST, Group::SortedSet, zpopmax)
        .keys(1, 1, 1)
        .since("5.0.0")
        .doc(
            "Remove and return members with the highest scores in a sorted set",
            "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.",
        ),
    CommandSpec::new("zrangestore", -5, WRITE | DENYOOM, Group::SortedSet, zrangestore)
        .keys(1, 2, 1)
        .since("6.2.0")
        .doc(
            "Store a range of members from sorted set into another key",
            "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.",
        ),
    CommandSpec::new("zrandmember", -2, READONLY, Group::SortedSet, zrandmember)
        .keys(1, 1, 1)
        .since("6.2.0")
        .doc(
            "Get one or multiple random elements from a sorted set",
            "O(N) where N is the number of elements returned",
        ),
    CommandSpec::new("zscan", -3, READONLY, Group::SortedSet, zscan)
        .keys(1, 1, 1)
        .since("2.8.0")
        .doc(
            "Incrementally iterate sorted sets elements and associated scores",
            "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..",
        ),
    CommandSpec::new("zunion", -3, READONLY | MOVABLE_KEYS, Group::SortedSet, zunion)
        .since("6.2.0")
        .doc(
            "Add multiple sorted sets",
            "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.",
        ),
    CommandSpec::new("zinter", -3, READONLY | MOVABLE_KEYS, Group::SortedSet, zinter)
        .since("6.2.0")
        .doc(
            "Intersect multiple sorted sets",
            "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.",
        ),
    CommandSpec::new("zdiff", -3, READONLY | MOVABLE_KEYS, Group::SortedSet, zdiff)
        .since("6.2.0")
        .doc(
            "Subtract multiple sorted sets",
            "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.",
        ),
    CommandSpec::new("zunionstore", -4, WRITE | DENYOOM | MOVABLE_KEYS, Group::SortedSet, zunionstore)
        .keys(1, 1, 1)
        .since("2.0.0")
        .doc(
            "Add multiple sorted sets and store the resulting sorted set in a new key",
            "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.",
        ),
    CommandSpec::new("zinterstore", -4, WRITE | DENYOOM | MOVABLE_KEYS, Group::SortedSet, zinterstore)
        .keys(1, 1, 1)
        .since("2.0.0")
        .doc(
            "Intersect multiple sorted sets and store the resulting sorted set in a new key",
            "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.",
        ),
    CommandSpec::new("zdiffstore", -4, WRITE | DENYOOM | MOVABLE_KEYS, Group::SortedSet, zdiffstore)
        .keys(1, 1, 1)
        .since("6.2.0")
        .doc(
            "Subtract multiple sorted sets and store the resulting sorted set in a new key",
            "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.",
        ),
    CommandSpec::new("zintercard", -3, READONLY | MOVABLE_KEYS, Group::SortedSet, zintercard)
        .since("7.0.0")
        .doc(
            "Intersect multiple sorted sets and return the cardinality of the result",
            "O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.",
        ),
    CommandSpec::new("bzmpop", -5, WRITE | BLOCKING | MOVABLE_KEYS, Group::SortedSet, bzmpop)
        .since("7.0.0")
        .doc(
            "Remove and return members with scores in a sorted set or block until one is available",
            "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.",
        ),
    CommandSpec::new("bzpopmax", -3, WRITE | NOSCRIPT | FAST | BLOCKING, Group::SortedSet, bzpopmax)
        .keys(1, -2, 1)
        .since("5.0.0")
        .doc(
            "Remove and return the member with the highest score from one or more sorted sets, or block until one is available",
            "O(log(N)) with N being the number of elements in the sorted set.",
        ),
    CommandSpec::new("bzpopmin", -3, WRITE | NOSCRIPT | FAST | BLOCKING, Group::SortedSet, bzpopmin)
        .keys(1, -2, 1)
        .since("5.0.0")
        .doc(
            "Remove and return the member with the lowest score from one or more sorted sets, or block until one is available",
            "O(log(N)) with N being the number of elements in the sorted set.",
        ),
    CommandSpec::new("zmpop", -4, WRITE | MOVABLE_KEYS, Group::SortedSet, zmpop)
        .since("7.0.0")
        .doc(
            "Remove and return members with scores in a sorted set",
            "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.",
        ),
];

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// The listpack thresholds.
fn limits(ctx: &Ctx<'_>) -> (u64, u64) {
    let c = &ctx.state.config;
    (c.zset_max_listpack_entries, c.zset_max_listpack_value)
}

/// The sorted set at `key`: `Err` when the key holds another type.
fn lookup<'a>(db: &'a mut Db, key: &[u8], now: u64) -> Result<Option<&'a mut ZSet>, ()> {
    match db.lookup(key, now) {
        None => Ok(None),
        Some(e) => match &mut e.value {
            Value::ZSet(z) => Ok(Some(z)),
            _ => Err(()),
        },
    }
}

/// Deletes `key` when its sorted set is empty; true when it did.
fn drop_if_empty(db: &mut Db, key: &[u8], now: u64) -> bool {
    let empty = matches!(lookup(db, key, now), Ok(Some(z)) if z.is_empty());
    if empty {
        db.remove(key);
    }
    empty
}

/// The events of a removal from the sorted set at `key`: `event`, then `del` when it
/// `deleted` the key.
fn notify_removed(ctx: &mut Ctx<'_>, event: &str, key: &[u8], deleted: bool) {
    ctx.notify(ZSET, event, key);
    if deleted {
        ctx.notify(GENERIC, "del", key);
    }
}

/// Parses a float as Redis's `getDoubleFromObject`: not empty, no leading space, all of it
/// read by `strtod` (decimal, hexadecimal, `inf`), no overflow or underflow to zero, not
/// NaN.
pub fn parse_score(b: &[u8]) -> Option<f64> {
    if b.is_empty() || is_space(b[0]) {
        return None;
    }
    let v = strtod_all(b)?;
    if v.is_nan() {
        return None;
    }
    let lower = b.to_ascii_lowercase();
    let named_inf = lower.ends_with(b"inf") || lower.ends_with(b"infinity");
    if v.is_infinite() && !named_inf {
        return None;
    }
    if v == 0.0
        && b.iter()
            .take_while(|&&c| c != b'e' && c != b'E' && c != b'p' && c != b'P')
            .any(|&c| {
                (b'1'..=b'9').contains(&c)
                    || (lower.starts_with(b"0x")
                        || lower.starts_with(b"-0x")
                        || lower.starts_with(b"+0x"))
                        && c.is_ascii_hexdigit()
                        && c != b'0'
            })
    {
        return None;
    }
    Some(v)
}

#[inline]
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// The whole of `b` read as `strtod` reads it (no leading space handling).
fn strtod_all(b: &[u8]) -> Option<f64> {
    let s = core::str::from_utf8(b).ok()?;
    let (neg, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let v = if rest.len() > 2 && (rest.starts_with("0x") || rest.starts_with("0X")) {
        parse_hex(&rest[2..])?
    } else {
        if rest.starts_with(['+', '-']) || rest.is_empty() {
            return None;
        }
        let lower = rest.to_ascii_lowercase();
        if lower.starts_with("nan") {
            return None;
        }
        rest.parse::<f64>().ok()?
    };
    Some(if neg { -v } else { v })
}

/// A hexadecimal float without its `0x`: digits, an optional fraction, an optional
/// binary exponent.
fn parse_hex(s: &str) -> Option<f64> {
    let (mant, exp) = match s.find(['p', 'P']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let (int, frac) = match mant.find('.') {
        Some(i) => (&mant[..i], &mant[i + 1..]),
        None => (mant, ""),
    };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let mut v = 0f64;
    for c in int.chars() {
        v = v * 16.0 + c.to_digit(16)? as f64;
    }
    let mut scale = 1.0 / 16.0;
    for c in frac.chars() {
        v += c.to_digit(16)? as f64 * scale;
        scale /= 16.0;
    }
    if let Some(e) = exp {
        let e: i32 = e.parse().ok()?;
        v *= libm_pow2(e);
    }
    Some(v)
}

fn libm_pow2(e: i32) -> f64 {
    let mut v = 1.0f64;
    let (mut e, step) = if e < 0 { (-e, 0.5) } else { (e, 2.0) };
    while e > 0 {
        v *= step;
        e -= 1;
    }
    v
}

/// Parses a score range bound as Redis's `zslParseRange`: `(` for exclusive, then what
/// `strtod` reads in full (leading spaces and an empty string allowed, overflow is inf).
fn parse_bound(b: &[u8]) -> Option<(f64, bool)> {
    // `strtod` reads a C string: it ends at the first NUL.
    let b = &b[..b.iter().position(|&c| c == 0).unwrap_or(b.len())];
    let (ex, b) = match b.first() {
        Some(b'(') => (true, &b[1..]),
        _ => (false, b),
    };
    if b.is_empty() {
        return Some((0.0, ex));
    }
    let start = b.iter().position(|&c| !is_space(c))?;
    let v = strtod_all(&b[start..])?;
    if v.is_nan() {
        return None;
    }
    Some((v, ex))
}

/// A score range.
#[derive(Clone, Copy, Debug)]
struct ScoreRange {
    min: f64,
    max: f64,
    minex: bool,
    maxex: bool,
}

fn parse_score_range(min: &[u8], max: &[u8]) -> Option<ScoreRange> {
    let (min, minex) = parse_bound(min)?;
    let (max, maxex) = parse_bound(max)?;
    Some(ScoreRange {
        min,
        max,
        minex,
        maxex,
    })
}

/// The ascending index window of the entries in `r`.
fn score_window(z: &ZSet, r: &ScoreRange) -> (usize, usize) {
    let lo = z.count_while(|s, _| if r.minex { s <= r.min } else { s < r.min });
    let hi = z.count_while(|s, _| if r.maxex { s < r.max } else { s <= r.max });
    (lo, hi.max(lo))
}

/// A lex range bound.
#[derive(Clone, Debug)]
enum Lex {
    Min,
    Max,
    In(Vec<u8>),
    Ex(Vec<u8>),
}

fn parse_lex(b: &[u8]) -> Option<Lex> {
    match b.first() {
        // Redis reads these as C strings: `+` ends at a NUL.
        Some(b'+') if b.len() == 1 || b[1] == 0 => Some(Lex::Max),
        Some(b'-') if b.len() == 1 || b[1] == 0 => Some(Lex::Min),
        Some(b'(') => Some(Lex::Ex(b[1..].to_vec())),
        Some(b'[') => Some(Lex::In(b[1..].to_vec())),
        _ => None,
    }
}

#[derive(Clone, Debug)]
struct LexRange {
    min: Lex,
    max: Lex,
}

fn parse_lex_range(min: &[u8], max: &[u8]) -> Option<LexRange> {
    Some(LexRange {
        min: parse_lex(min)?,
        max: parse_lex(max)?,
    })
}

impl LexRange {
    fn gte_min(&self, m: &[u8]) -> bool {
        match &self.min {
            Lex::Min => true,
            Lex::Max => false,
            Lex::In(x) => m >= &x[..],
            Lex::Ex(x) => m > &x[..],
        }
    }

    fn lte_max(&self, m: &[u8]) -> bool {
        match &self.max {
            Lex::Min => false,
            Lex::Max => true,
            Lex::In(x) => m <= &x[..],
            Lex::Ex(x) => m < &x[..],
        }
    }

    /// Redis's range sanity check (`sdscmplex` with the shared min and max strings).
    fn valid(&self) -> bool {
        use core::cmp::Ordering::*;
        let (a, aex) = match &self.min {
            Lex::In(x) => (Some(x), false),
            Lex::Ex(x) => (Some(x), true),
            _ => (None, false),
        };
        let (b, bex) = match &self.max {
            Lex::In(x) => (Some(x), false),
            Lex::Ex(x) => (Some(x), true),
            _ => (None, false),
        };
        let cmp = match (&self.min, &self.max) {
            (Lex::Min, Lex::Min) | (Lex::Max, Lex::Max) => Equal,
            (Lex::Min, _) | (_, Lex::Max) => Less,
            (Lex::Max, _) | (_, Lex::Min) => Greater,
            _ => a.unwrap().cmp(b.unwrap()),
        };
        !(cmp == Greater || (cmp == Equal && (aex || bex)))
    }
}

/// The ascending index window of the entries in the lex range, found as Redis finds it
/// walking forward (`rev` false) or backward.
fn lex_window(z: &ZSet, r: &LexRange, rev: bool) -> (usize, usize) {
    let n = z.len();
    if !r.valid() || n == 0 {
        return (0, 0);
    }
    if !r.gte_min(z.get(n - 1).0) || !r.lte_max(z.get(0).0) {
        return (0, 0);
    }
    if !z.is_small() {
        let lo = z.count_while(|_, m| !r.gte_min(m));
        let hi = z.count_while(|_, m| r.lte_max(m));
        return (lo, hi.max(lo));
    }
    let all = z.slice(0, n);
    if !rev {
        let Some(i) = (0..n).find(|&i| r.gte_min(all[i].0)) else {
            return (0, 0);
        };
        let mut j = i;
        while j < n && r.lte_max(all[j].0) {
            j += 1;
        }
        (i, j)
    } else {
        let Some(k) = (0..n).rev().find(|&i| r.lte_max(all[i].0)) else {
            return (0, 0);
        };
        let mut i = k + 1;
        while i > 0 && r.gte_min(all[i - 1].0) {
            i -= 1;
        }
        (i, k + 1)
    }
}

/// Normalises a rank range as Redis does; the ascending window for a forward or reverse
/// walk.
fn rank_window(len: usize, start: i64, end: i64, rev: bool) -> (usize, usize) {
    let llen = len as i64;
    let (mut start, mut end) = (start, end);
    if start < 0 {
        start += llen;
    }
    if end < 0 {
        end += llen;
    }
    if start < 0 {
        start = 0;
    }
    if start > end || start >= llen {
        return (0, 0);
    }
    if end >= llen {
        end = llen - 1;
    }
    if rev {
        ((llen - 1 - end) as usize, (llen - start) as usize)
    } else {
        (start as usize, end as usize + 1)
    }
}

/// The ascending window of the entries a forward or backward walk over `lo..hi` picks
/// after OFFSET/LIMIT.
fn walk(lo: usize, hi: usize, rev: bool, offset: i64, limit: i64) -> (usize, usize) {
    if offset < 0 || hi <= lo {
        return (0, 0);
    }
    let n = hi - lo;
    let off = offset as usize;
    if off >= n {
        return (0, 0);
    }
    let avail = n - off;
    let take = if limit < 0 {
        avail
    } else {
        (limit as usize).min(avail)
    };
    if rev {
        (hi - off - take, hi - off)
    } else {
        (lo + off, lo + off + take)
    }
}

/// The entries of an ascending window, in walk order.
fn entries(z: &ZSet, (a, b): (usize, usize), rev: bool) -> Vec<(&[u8], f64)> {
    let mut v = z.slice(a, b);
    if rev {
        v.reverse();
    }
    v
}

/// Replies with members (and scores): flat in RESP2, [member, score] pairs in RESP3.
fn reply_entries<'b>(
    reply: &mut Reply<'_>,
    items: impl ExactSizeIterator<Item = (&'b [u8], f64)>,
    withscores: bool,
) {
    let resp3 = reply.proto == Proto::Resp3;
    let n = items.len();
    reply.array(if withscores && !resp3 { n * 2 } else { n });
    for (m, s) in items {
        if withscores && resp3 {
            reply.array(2);
        }
        reply.bulk(m);
        if withscores {
            reply.double(s);
        }
    }
}

/// Stores `entries` at `dst` (deleting it when empty) and replies with their number;
/// `event` names the store.
fn store(ctx: &mut Ctx<'_>, dst: &[u8], entries: Vec<(Vec<u8>, f64)>, event: &str) {
    let (me, mv) = limits(ctx);
    let n = entries.len();
    let now = ctx.now_ms;
    let db = ctx.state.db(ctx.dbi, dst);
    if n == 0 {
        let existed = db.remove(dst).is_some();
        ctx.reply.int(0);
        if existed {
            ctx.dirty(1);
            ctx.notify(GENERIC, "del", dst);
        }
        return;
    }
    db.set_at(
        dst,
        Value::ZSet(Box::new(ZSet::from_entries(entries, me, mv))),
        0,
        now,
    );
    ctx.reply.int(n as i64);
    ctx.dirty(1);
    ctx.notify(ZSET, event, dst);
}

// ---------------------------------------------------------------------------------------
// ZADD, ZINCRBY, ZREM
// ---------------------------------------------------------------------------------------

fn zadd(ctx: &mut Ctx<'_>, args: Args<'_>) {
    zadd_generic(ctx, args, false);
}

fn zincrby(ctx: &mut Ctx<'_>, args: Args<'_>) {
    zadd_generic(ctx, args, true);
}

/// Redis's `zaddGenericCommand`.
fn zadd_generic(ctx: &mut Ctx<'_>, args: Args<'_>, zincrby: bool) {
    let key = args.get(1);
    let (mut nx, mut xx, mut gt, mut lt, mut ch, mut incr) =
        (false, false, false, false, false, zincrby);
    let mut i = 2;
    if !zincrby {
        while i < args.len() {
            let a = args.get(i).to_ascii_lowercase();
            match &a[..] {
                b"nx" => nx = true,
                b"xx" => xx = true,
                b"gt" => gt = true,
                b"lt" => lt = true,
                b"ch" => ch = true,
                b"incr" => incr = true,
                _ => break,
            }
            i += 1;
        }
    }
    let elements = args.len() - i;
    if !elements.is_multiple_of(2) || elements == 0 {
        return ctx.error(errors::SYNTAX);
    }
    let n = elements / 2;
    if nx && xx {
        return ctx.error(errors::ZADD_NX_XX);
    }
    if nx && (gt || lt) || (gt && lt) {
        return ctx.error(errors::ZADD_GT_LT_NX);
    }
    if incr && n > 1 {
        return ctx.error(errors::ZADD_INCR_PAIR);
    }
    let mut scores = Vec::with_capacity(n);
    for j in 0..n {
        match parse_score(args.get(i + 2 * j)) {
            Some(s) => scores.push(s),
            None => return ctx.error(errors::NOT_FLOAT),
        }
    }
    let (me, mv) = limits(ctx);
    let now = ctx.now_ms;
    let db = ctx.state.db(ctx.dbi, key);
    let z = match lookup(db, key, now) {
        Err(()) => return ctx.wrong_type(),
        Ok(Some(z)) => z,
        Ok(None) if xx => {
            if incr {
                ctx.reply.null();
            } else {
                ctx.reply.int(0);
            }
            return;
        }
        Ok(None) => {
            let (e, _) = db.lookup_or_insert(key, now, || Value::ZSet(Box::default()));
            match &mut e.value {
                Value::ZSet(z) => z,
                _ => unreachable!(),
            }
        }
    };
    let (mut added, mut updated, mut processed) = (0i64, 0i64, 0i64);
    let mut newscore = 0.0;
    let mut nan = false;
    for (j, &score) in scores.iter().enumerate() {
        let m = args.get(i + 2 * j + 1);
        match z.score(m) {
            Some(cur) => {
                if nx {
                    continue;
                }
                let mut score = score;
                if incr {
                    score += cur;
                    if score.is_nan() {
                        nan = true;
                        break;
                    }
                }
                if (lt && score >= cur) || (gt && score <= cur) {
                    continue;
                }
                newscore = score;
                if score != cur {
                    z.add(m, score, me, mv);
                    updated += 1;
                }
                processed += 1;
            }
            None => {
                if xx {
                    continue;
                }
                z.add(m, score, me, mv);
                newscore = score;
                added += 1;
                processed += 1;
            }
        }
    }
    if nan {
        ctx.error(errors::ZSCORE_NAN);
    } else if incr {
        if processed > 0 {
            ctx.reply.double(newscore);
        } else {
            ctx.reply.null();
        }
    } else {
        ctx.reply.int(if ch { added + updated } else { added });
    }
    if added + updated > 0 {
        ctx.dirty((added + updated) as u64);
        ctx.notify(ZSET, if incr { "zincr" } else { "zadd" }, key);
    }
}

fn zrem(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let key = args.get(1);
    let now = ctx.now_ms;
    let db = ctx.state.db(ctx.dbi, key);
    let mut deleted = 0;
    match lookup(db, key, now) {
        Err(()) => return ctx.wrong_type(),
        Ok(None) => {}
        Ok(Some(z)) => {
            for m in args.iter().skip(2) {
                if z.remove(m).is_some() {
                    deleted += 1;
                    if z.is_empty() {
                        break;
                    }
                }
            }
        }
    }
    let removed = drop_if_empty(db, key, now);
    ctx.reply.int(deleted);
    if deleted > 0 {
        ctx.dirty(deleted as u64);
        notify_removed(ctx, "zrem", key, removed);
    }
}

// ---------------------------------------------------------------------------------------
// Reads of one key
// ---------------------------------------------------------------------------------------

/// Runs `f` on the sorted set at `key` for a read (keyspace hit or miss counted); `missing`
/// replies for a missing key. WRONGTYPE for another type.
fn read(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    missing: impl FnOnce(&mut Reply<'_>),
    f: impl FnOnce(&ZSet, &mut Reply<'_>),
) {
    let now = ctx.now_ms;
    let reply = &mut ctx.reply;
    let r = match lookup(ctx.state.db(ctx.dbi, key), key, now) {
        Err(()) => Err(()),
        Ok(None) => {
            missing(reply);
            Ok(false)
        }
        Ok(Some(z)) => {
            f(z, reply);
            Ok(true)
        }
    };
    match r {
        Err(()) => {
            ctx.hit(true);
            ctx.wrong_type();
        }
        Ok(h) => ctx.hit_key(h, key),
    }
}

fn zcard(ctx: &mut Ctx<'_>, args: Args<'_>) {
    read(ctx, args.get(1), |r| r.int(0), |z, r| r.int(z.len() as i64));
}

fn zscore(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let m = args.get(2);
    read(
        ctx,
        args.get(1),
        |r| r.null(),
        |z, r| match z.score(m) {
            Some(s) => r.double(s),
            None => r.null(),
        },
    );
}

fn zmscore(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let n = args.len() - 2;
    read(
        ctx,
        args.get(1),
        |r| {
            r.array(n);
            for _ in 0..n {
                r.null();
            }
        },
        |z, r| {
            r.array(n);
            for m in args.iter().skip(2) {
                match z.score(m) {
                    Some(s) => r.double(s),
                    None => r.null(),
                }
            }
        },
    );
}

fn zcount(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let Some(range) = parse_score_range(args.get(2), args.get(3)) else {
        return ctx.error(errors::ZRANGE_NOT_FLOAT);
    };
    read(
        ctx,
        args.get(1),
        |r| r.int(0),
        |z, r| {
            let (lo, hi) = score_window(z, &range);
            r.int((hi - lo) as i64)
        },
    );
}

fn zlexcount(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let Some(range) = parse_lex_range(args.get(2), args.get(3)) else {
        return ctx.error(errors::ZRANGE_NOT_LEX);
    };
    read(
        ctx,
        args.get(1),
        |r| r.int(0),
        |z, r| {
            let (lo, hi) = lex_window(z, &range, false);
            r.int((hi - lo) as i64)
        },
    );
}

fn zrank(ctx: &mut Ctx<'_>, args: Args<'_>) {
    rank_generic(ctx, args, false);
}

fn zrevrank(ctx: &mut Ctx<'_>, args: Args<'_>) {
    rank_generic(ctx, args, true);
}

fn rank_generic(ctx: &mut Ctx<'_>, args: Args<'_>, rev: bool) {
    let m = args.get(2);
    read(
        ctx,
        args.get(1),
        |r| r.null(),
        |z, r| match z.rank(m) {
            Some(i) if rev => r.int((z.len() - 1 - i) as i64),
            Some(i) => r.int(i as i64),
            None => r.null(),
        },
    );
}

// ---------------------------------------------------------------------------------------
// ZRANGE and friends
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum By {
    Auto,
    Rank,
    Score,
    Lex,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Dir {
    Auto,
    Fwd,
    Rev,
}

fn zrange(ctx: &mut Ctx<'_>, args: Args<'_>) {
    zrange_generic(ctx, args, 1, false, By::Auto, Dir::Auto);
}

fn zrevrange(ctx: &mut Ctx<'_>, args: Args<'_>) {
    zrange_generic(ctx, args, 1, false, By::Rank, Dir::Rev);
}

fn zrangebyscore(ctx: &mut Ctx<'_>, args: Args<'_>) {
    zrange_generic(ctx, args, 1, false, By::Score, Dir::Fwd);
}

fn zrevrangebyscore(ctx: &mut Ctx<'_>, args: Args<'_>) {
    zrange_generic(ctx, args, 1, false, By::Score, Dir::Rev);
}

fn zrangebylex(ctx: &mut Ctx<'_>, args: Args<'_>) {
    zrange_generic(ctx, args, 1, false, By::Lex, Dir::Fwd);
}

fn zrevrangebylex(ctx: &mut Ctx<'_>, args: Args<'_>) {
    zrange_generic(ctx, args, 1, false, By::Lex, Dir::Rev);
}

fn zrangestore(ctx: &mut Ctx<'_>, args: Args<'_>) {
    zrange_generic(ctx, args, 2, true, By::Auto, Dir::Auto);
}

/// Redis's `zrangeGenericCommand`.
fn zrange_generic(
    ctx: &mut Ctx<'_>,
    args: Args<'_>,
    first: usize,
    store_it: bool,
    mut by: By,
    mut dir: Dir,
) {
    let key = args.get(first);
    let (mut minidx, mut maxidx) = (first + 1, first + 2);
    let (mut withscores, mut offset, mut limit) = (false, 0i64, -1i64);
    let mut j = first + 3;
    while j < args.len() {
        let left = args.len() - j - 1;
        let a = args.get(j);
        if !store_it && a.eq_ignore_ascii_case(b"withscores") {
            withscores = true;
        } else if a.eq_ignore_ascii_case(b"limit") && left >= 2 {
            match (
                num::parse_long(args.get(j + 1)),
                num::parse_long(args.get(j + 2)),
            ) {
                (Some(o), Some(l)) => {
                    offset = o;
                    limit = l;
                }
                _ => return ctx.error(errors::NOT_INTEGER),
            }
            j += 2;
        } else if dir == Dir::Auto && a.eq_ignore_ascii_case(b"rev") {
            dir = Dir::Rev;
        } else if by == By::Auto && a.eq_ignore_ascii_case(b"bylex") {
            by = By::Lex;
        } else if by == By::Auto && a.eq_ignore_ascii_case(b"byscore") {
            by = By::Score;
        } else {
            return ctx.error(errors::SYNTAX);
        }
        j += 1;
    }
    let rev = dir == Dir::Rev;
    if by == By::Auto {
        by = By::Rank;
    }
    if limit != -1 && by == By::Rank {
        return ctx.error(errors::ZRANGE_LIMIT);
    }
    if withscores && by == By::Lex {
        return ctx.error(errors::ZRANGE_BYLEX_WITHSCORES);
    }
    if rev && by != By::Rank {
        core::mem::swap(&mut minidx, &mut maxidx);
    }
    enum R {
        Rank(i64, i64),
        Score(ScoreRange),
        Lex(LexRange),
    }
    let range = match by {
        By::Score => match parse_score_range(args.get(minidx), args.get(maxidx)) {
            Some(r) => R::Score(r),
            None => return ctx.error(errors::ZRANGE_NOT_FLOAT),
        },
        By::Lex => match parse_lex_range(args.get(minidx), args.get(maxidx)) {
            Some(r) => R::Lex(r),
            None => return ctx.error(errors::ZRANGE_NOT_LEX),
        },
        _ => match (
            num::parse_long(args.get(minidx)),
            num::parse_long(args.get(maxidx)),
        ) {
            (Some(a), Some(b)) => R::Rank(a, b),
            _ => return ctx.error(errors::NOT_INTEGER),
        },
    };
    let pick = |z: &ZSet| -> (usize, usize) {
        match &range {
            R::Rank(a, b) => {
                let (lo, hi) = rank_window(z.len(), *a, *b, rev);
                walk(lo, hi, rev, 0, -1)
            }
            R::Score(r) => {
                if offset > 0 && offset as usize >= z.len() {
                    return (0, 0);
                }
                let (lo, hi) = score_window(z, r);
                walk(lo, hi, rev, offset, limit)
            }
            R::Lex(r) => {
                let (lo, hi) = lex_window(z, r, rev);
                walk(lo, hi, rev, offset, limit)
            }
        }
    };
    if store_it {
        let now = ctx.now_ms;
        let (hit, found) = match lookup(ctx.state.db(ctx.dbi, key), key, now) {
            Err(()) => (true, None),
            Ok(None) => (false, Some(Vec::new())),
            Ok(Some(z)) => (
                true,
                Some(
                    entries(z, pick(z), rev)
                        .into_iter()
                        .map(|(m, s)| (m.to_vec(), s))
                        .collect(),
                ),
            ),
        };
        ctx.hit_key(hit, key);
        match found {
            None => ctx.wrong_type(),
            Some(entries) => store(ctx, args.get(1), entries, "zrangestore"),
        }
        return;
    }
    read(
        ctx,
        key,
        |r| r.array(0),
        |z, r| {
            reply_entries(r, entries(z, pick(z), rev).into_iter(), withscores);
        },
    );
}

// ---------------------------------------------------------------------------------------
// ZREMRANGEBY*
// ---------------------------------------------------------------------------------------

fn zremrangebyrank(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let (Some(a), Some(b)) = (num::parse_long(args.get(2)), num::parse_long(args.get(3))) else {
        return ctx.error(errors::NOT_INTEGER);
    };
    zrem_window(ctx, args.get(1), "zremrangebyrank", |z| {
        rank_window(z.len(), a, b, false)
    });
}

fn zremrangebyscore(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let Some(r) = parse_score_range(args.get(2), args.get(3)) else {
        return ctx.error(errors::ZRANGE_NOT_FLOAT);
    };
    zrem_window(ctx, args.get(1), "zremrangebyscore", |z| {
        score_window(z, &r)
    });
}

fn zremrangebylex(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let Some(r) = parse_lex_range(args.get(2), args.get(3)) else {
        return ctx.error(errors::ZRANGE_NOT_LEX);
    };
    zrem_window(ctx, args.get(1), "zremrangebylex", |z| {
        lex_window(z, &r, false)
    });
}

fn zrem_window(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    event: &str,
    window: impl FnOnce(&ZSet) -> (usize, usize),
) {
    let now = ctx.now_ms;
    let db = ctx.state.db(ctx.dbi, key);
    let n = match lookup(db, key, now) {
        Err(()) => return ctx.wrong_type(),
        Ok(None) => 0,
        Ok(Some(z)) => {
            let (lo, hi) = window(z);
            z.remove_range(lo, hi)
        }
    };
    let removed = drop_if_empty(db, key, now);
    ctx.reply.int(n as i64);
    if n > 0 {
        ctx.dirty(n as u64);
        notify_removed(ctx, event, key, removed);
    }
}

// ---------------------------------------------------------------------------------------
// Pops
// ---------------------------------------------------------------------------------------

fn zpopmin(ctx: &mut Ctx<'_>, args: Args<'_>) {
    zpop_minmax(ctx, args, false);
}

fn zpopmax(ctx: &mut Ctx<'_>, args: Args<'_>) {
    zpop_minmax(ctx, args, true);
}

fn zpop_minmax(ctx: &mut Ctx<'_>, args: Args<'_>, max: bool) {
    if args.len() > 3 {
        return ctx.error(errors::SYNTAX);
    }
    let mut count = -1;
    if args.len() == 3 {
        match num::parse_long(args.get(2)) {
            Some(c) if c >= 0 => count = c,
            _ => return ctx.error(errors::ZPOP_NOT_POSITIVE),
        }
    }
    let nested = ctx.reply.proto == Proto::Resp3 && count != -1;
    zpop_generic(ctx, &[args.get(1)], max, false, count, nested, false);
}

/// Redis's `genericZpopCommand`.
fn zpop_generic(
    ctx: &mut Ctx<'_>,
    keys: &[&[u8]],
    max: bool,
    emitkey: bool,
    count: i64,
    nested: bool,
    nil_when_empty: bool,
) {
    let now = ctx.now_ms;
    let mut found = None;
    for &k in keys {
        match lookup(ctx.state.db(ctx.dbi, k), k, now) {
            Err(()) => return ctx.wrong_type(),
            Ok(None) => continue,
            Ok(Some(_)) => {
                found = Some(k);
                break;
            }
        }
    }
    let Some(key) = found else {
        if nil_when_empty {
            ctx.reply.null_array();
        } else {
            ctx.reply.array(0);
        }
        return;
    };
    if count == 0 {
        ctx.reply.array(0);
        return;
    }
    let count = if count == -1 { 1 } else { count as usize };
    let db = ctx.state.db(ctx.dbi, key);
    let Ok(Some(z)) = lookup(db, key, now) else {
        unreachable!()
    };
    let n = z.len().min(count);
    let (lo, hi) = if max { (z.len() - n, z.len()) } else { (0, n) };
    let mut popped = z.range(lo, hi);
    if max {
        popped.reverse();
    }
    z.remove_range(lo, hi);
    let removed = drop_if_empty(db, key, now);
    let r = &mut ctx.reply;
    match (nested, emitkey) {
        (false, false) => r.array(n * 2),
        (true, false) => r.array(n),
        (false, true) => {
            r.array(n * 2 + 1);
            r.bulk(key);
        }
        (true, true) => {
            r.array(2);
            r.bulk(key);
            r.array(n);
        }
    }
    for (m, s) in &popped {
        if nested {
            r.array(2);
        }
        r.bulk(m);
        r.double(*s);
    }
    ctx.dirty(n as u64);
    notify_removed(ctx, if max { "zpopmax" } else { "zpopmin" }, key, removed);
}

/// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]
fn zmpop(ctx: &mut Ctx<'_>, args: Args<'_>) {
    zmpop_generic(ctx, args, 1, None)
}

/// BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]
fn bzmpop(ctx: &mut Ctx<'_>, args: Args<'_>) {
    match block::parse_timeout(args.get(1), ctx.now_ms) {
        Ok(deadline) => zmpop_generic(ctx, args, 2, Some(deadline)),
        Err(text) => ctx.error(text),
    }
}

/// BZPOPMIN key [key ...] timeout
fn bzpopmin(ctx: &mut Ctx<'_>, args: Args<'_>) {
    bzpop_minmax(ctx, args, false)
}

/// BZPOPMAX key [key ...] timeout
fn bzpopmax(ctx: &mut Ctx<'_>, args: Args<'_>) {
    bzpop_minmax(ctx, args, true)
}

fn bzpop_minmax(ctx: &mut Ctx<'_>, args: Args<'_>, max: bool) {
    let last = args.len() - 1;
    match block::parse_timeout(args.get(last), ctx.now_ms) {
        Ok(deadline) => {
            let keys: Vec<&[u8]> = (1..last).map(|i| args.get(i)).collect();
            blocking_zpop(ctx, &keys, max, -1, false, deadline)
        }
        Err(text) => ctx.error(text),
    }
}

/// Redis's `blockingGenericZpopCommand`: pops from the first non-empty key, or blocks.
fn blocking_zpop(
    ctx: &mut Ctx<'_>,
    keys: &[&[u8]],
    max: bool,
    count: i64,
    nested: bool,
    deadline: u64,
) {
    let now = ctx.now_ms;
    for &k in keys {
        match lookup(ctx.state.db(ctx.dbi, k), k, now) {
            Err(()) => return ctx.wrong_type(),
            Ok(None) => continue,
            Ok(Some(_)) => return zpop_generic(ctx, &[k], max, true, count, nested, nested),
        }
    }
    ctx.block_until(deadline);
}

/// ZMPOP from the numkeys at `at` on; a blocking call (`deadline`) that finds nothing
/// blocks.
fn zmpop_generic(ctx: &mut Ctx<'_>, args: Args<'_>, at: usize, deadline: Option<u64>) {
    let numkeys = match num::parse_long(args.get(at)) {
        Some(n) if n >= 1 => n as usize,
        _ => return ctx.error(errors::ZNUMKEYS_POSITIVE),
    };
    let where_idx = at.saturating_add(numkeys).saturating_add(1);
    if where_idx >= args.len() {
        return ctx.error(errors::SYNTAX);
    }
    let w = args.get(where_idx);
    let max = if w.eq_ignore_ascii_case(b"min") {
        false
    } else if w.eq_ignore_ascii_case(b"max") {
        true
    } else {
        return ctx.error(errors::SYNTAX);
    };
    let mut count = -1i64;
    let mut j = where_idx + 1;
    while j < args.len() {
        let more = args.len() - 1 - j;
        if count == -1 && args.get(j).eq_ignore_ascii_case(b"count") && more > 0 {
            j += 1;
            match num::parse_long(args.get(j)) {
                Some(c) if c >= 1 => count = c,
                _ => return ctx.error(errors::ZCOUNT_POSITIVE),
            }
        } else {
            return ctx.error(errors::SYNTAX);
        }
        j += 1;
    }
    if count == -1 {
        count = 1;
    }
    let keys: Vec<&[u8]> = (at + 1..at + 1 + numkeys).map(|i| args.get(i)).collect();
    match deadline {
        Some(d) => blocking_zpop(ctx, &keys, max, count, true, d),
        None => zpop_generic(ctx, &keys, max, true, count, true, true),
    }
}

// ---------------------------------------------------------------------------------------
// ZRANDMEMBER, ZSCAN
// ---------------------------------------------------------------------------------------

fn zrandmember(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let key = args.get(1);
    if args.len() >= 3 {
        let l = match num::parse_long(args.get(2)) {
            Some(l) if l >= -i64::MAX => l,
            Some(_) => return ctx.error(&errors::value_out_of_range(-i64::MAX, i64::MAX)),
            None => return ctx.error(errors::NOT_INTEGER),
        };
        let withscores = args.len() == 4;
        if args.len() > 4 || (withscores && !args.get(3).eq_ignore_ascii_case(b"withscores")) {
            return ctx.error(errors::SYNTAX);
        }
        if withscores && !(-i64::MAX / 2..=i64::MAX / 2).contains(&l) {
            return ctx.error(errors::VALUE_OUT_OF_RANGE);
        }
        if l < -super::MAX_RANDOM_PICKS {
            return ctx.error(errors::VALUE_OUT_OF_RANGE);
        }
        let mut rng = ctx.state.random() | 1;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        let resp3 = ctx.reply.proto == Proto::Resp3;
        read(
            ctx,
            key,
            |r| r.array(0),
            |z, r| {
                let len = z.len();
                let one = |r: &mut Reply<'_>, i: usize| {
                    let (m, s) = z.get(i);
                    if withscores && resp3 {
                        r.array(2);
                    }
                    r.bulk(m);
                    if withscores {
                        r.double(s);
                    }
                };
                let header = |r: &mut Reply<'_>, n: usize| {
                    r.array(if withscores && !resp3 { n * 2 } else { n });
                };
                if l == 0 {
                    r.array(0);
                } else if l < 0 {
                    // `-l` independent draws, streamed (repeats allowed).
                    let n = l.unsigned_abs() as usize;
                    header(r, n);
                    for _ in 0..n {
                        one(r, (next() % len as u64) as usize);
                    }
                } else if l as usize >= len {
                    // The whole set, as Redis's zset iterator walks it: from the tail.
                    header(r, len);
                    for i in (0..len).rev() {
                        one(r, i);
                    }
                } else {
                    // Distinct indexes: a partial Fisher-Yates shuffle.
                    let n = l as usize;
                    let mut all: Vec<usize> = (0..len).collect();
                    header(r, n);
                    for i in 0..n {
                        let j = i + (next() % (len - i) as u64) as usize;
                        all.swap(i, j);
                        one(r, all[i]);
                    }
                }
            },
        );
        return;
    }
    let now = ctx.now_ms;
    let len = match lookup(ctx.state.db(ctx.dbi, key), key, now) {
        Err(()) => {
            ctx.hit(true);
            return ctx.wrong_type();
        }
        Ok(None) => {
            ctx.hit_key(false, key);
            return ctx.reply.null();
        }
        Ok(Some(z)) => z.len(),
    };
    ctx.hit(true);
    let i = (ctx.state.random() % len as u64) as usize;
    let reply = &mut ctx.reply;
    if let Ok(Some(z)) = lookup(ctx.state.db(ctx.dbi, key), key, now) {
        reply.bulk(z.get(i).0);
    }
}

fn zscan(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let key = args.get(1);
    let Some(cursor) = crate::num::parse_scan_cursor(args.get(2)) else {
        return ctx.error(errors::INVALID_CURSOR);
    };
    let now = ctx.now_ms;
    let found = match lookup(ctx.state.db(ctx.dbi, key), key, now) {
        Err(()) => Err(()),
        Ok(z) => Ok(z.is_some()),
    };
    match found {
        Err(()) => {
            ctx.hit(true);
            return ctx.wrong_type();
        }
        Ok(false) => {
            ctx.hit_key(false, key);
            ctx.reply.array(2);
            ctx.reply.bulk(b"0");
            ctx.reply.array(0);
            return;
        }
        Ok(true) => ctx.hit(true),
    }
    let mut count: i64 = 10;
    let mut pattern: Option<&[u8]> = None;
    let mut i = 3;
    while i < args.len() {
        let more = args.len() - i >= 2;
        let o = args.get(i);
        if o.eq_ignore_ascii_case(b"count") && more {
            match num::parse_long(args.get(i + 1)) {
                None => return ctx.error(errors::NOT_INTEGER),
                Some(c) if c < 1 => return ctx.error(errors::SYNTAX),
                Some(c) => count = c,
            }
        } else if o.eq_ignore_ascii_case(b"match") && more {
            let p = args.get(i + 1);
            pattern = (!crate::glob::is_match_all(p)).then_some(p);
        } else {
            return ctx.error(errors::SYNTAX);
        }
        i += 2;
    }
    let reply = &mut ctx.reply;
    let Ok(Some(z)) = lookup(ctx.state.db(ctx.dbi, key), key, now) else {
        return;
    };
    // The small encoding answers whole with cursor 0, as Redis's listpack scan; the big
    // one visits COUNT members a call with a cursor that survives changes between calls
    // (`ZSet::scan`).
    let small = z.is_small();
    let mut items: Vec<(&[u8], f64)> = Vec::new();
    let count = usize::try_from(count).unwrap_or(usize::MAX);
    let next = z.scan(cursor, count, |m, sc| {
        if pattern.is_none_or(|p| crate::glob::glob_match(p, m, false)) {
            items.push((m, sc));
        }
    });
    reply.array(2);
    let mut b = itoa::Buffer::new();
    reply.bulk(b.format(next).as_bytes());
    reply.array(items.len() * 2);
    let mut s = String::new();
    for (m, sc) in items {
        reply.bulk(m);
        match crate::types::zset::packed_as_int(sc).filter(|_| small) {
            Some(n) => reply.bulk(b.format(n).as_bytes()),
            None => {
                s.clear();
                anax_protocol::fmt_double(&mut s, sc);
                reply.bulk(s.as_bytes());
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// ZUNION, ZINTER, ZDIFF (+STORE), ZINTERCARD
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Union,
    Inter,
    Diff,
}

fn zunion(ctx: &mut Ctx<'_>, args: Args<'_>) {
    setop(ctx, args, None, 1, Op::Union, false);
}

fn zinter(ctx: &mut Ctx<'_>, args: Args<'_>) {
    setop(ctx, args, None, 1, Op::Inter, false);
}

fn zdiff(ctx: &mut Ctx<'_>, args: Args<'_>) {
    setop(ctx, args, None, 1, Op::Diff, false);
}

fn zunionstore(ctx: &mut Ctx<'_>, args: Args<'_>) {
    setop(ctx, args, Some(args.get(1)), 2, Op::Union, false);
}

fn zinterstore(ctx: &mut Ctx<'_>, args: Args<'_>) {
    setop(ctx, args, Some(args.get(1)), 2, Op::Inter, false);
}

fn zdiffstore(ctx: &mut Ctx<'_>, args: Args<'_>) {
    setop(ctx, args, Some(args.get(1)), 2, Op::Diff, false);
}

fn zintercard(ctx: &mut Ctx<'_>, args: Args<'_>) {
    setop(ctx, args, None, 1, Op::Inter, true);
}

type Map = HashMap<Vec<u8>, f64, foldhash::fast::FixedState>;

/// One input of a set operation: its entries (a set's members score 1) and weight.
struct Src {
    entries: Vec<(Vec<u8>, f64)>,
    map: Option<Map>,
    weight: f64,
}

impl Src {
    fn find(&mut self, m: &[u8]) -> Option<f64> {
        let entries = &self.entries;
        self.map
            .get_or_insert_with(|| entries.iter().cloned().collect())
            .get(m)
            .copied()
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Agg {
    Sum,
    Min,
    Max,
}

fn aggregate(t: &mut f64, v: f64, agg: Agg) {
    match agg {
        Agg::Sum => {
            *t += v;
            if t.is_nan() {
                *t = 0.0;
            }
        }
        Agg::Min => {
            if v < *t {
                *t = v
            }
        }
        Agg::Max => {
            if v > *t {
                *t = v
            }
        }
    }
}

/// Redis's `zunionInterDiffGenericCommand`.
fn setop(
    ctx: &mut Ctx<'_>,
    args: Args<'_>,
    dst: Option<&[u8]>,
    numkeys_idx: usize,
    op: Op,
    card_only: bool,
) {
    let Some(setnum) = num::parse_long(args.get(numkeys_idx)) else {
        return ctx.error(errors::NOT_INTEGER);
    };
    if setnum < 1 {
        let name = ctx.fullname();
        return ctx.error(&errors::zset_at_least_one_key(name));
    }
    if setnum as u64 > (args.len() - (numkeys_idx + 1)) as u64 {
        return ctx.error(errors::SYNTAX);
    }
    let setnum = setnum as usize;
    let now = ctx.now_ms;
    let mut srcs: Vec<Src> = Vec::with_capacity(setnum);
    let mut j = numkeys_idx + 1;
    for _ in 0..setnum {
        let k = args.get(j);
        j += 1;
        let db = ctx.state.db(ctx.dbi, k);
        let entries = match db.lookup(k, now) {
            None => None,
            Some(e) => match &e.value {
                Value::ZSet(z) => Some(z.iter().map(|(m, s)| (m.to_vec(), s)).collect()),
                Value::Set(s) => Some(s.iter().map(|m| (m.to_vec(), 1.0)).collect()),
                _ => {
                    ctx.hit(true);
                    return ctx.wrong_type();
                }
            },
        };
        // Redis 7.0 reads the inputs with `lookupKeyRead`, for the STORE forms too.
        ctx.hit_key(entries.is_some(), k);
        srcs.push(Src {
            entries: entries.unwrap_or_default(),
            map: None,
            weight: 1.0,
        });
    }
    let (mut agg, mut withscores, mut limit) = (Agg::Sum, false, 0i64);
    let mut remaining = args.len() - j;
    while remaining > 0 {
        let a = args.get(j);
        if op != Op::Diff && !card_only && remaining > setnum && a.eq_ignore_ascii_case(b"weights")
        {
            j += 1;
            remaining -= 1;
            for s in srcs.iter_mut() {
                match parse_score(args.get(j)) {
                    Some(w) => s.weight = w,
                    None => return ctx.error(errors::ZWEIGHT_NOT_FLOAT),
                }
                j += 1;
                remaining -= 1;
            }
        } else if op != Op::Diff
            && !card_only
            && remaining >= 2
            && a.eq_ignore_ascii_case(b"aggregate")
        {
            let v = args.get(j + 1);
            agg = if v.eq_ignore_ascii_case(b"sum") {
                Agg::Sum
            } else if v.eq_ignore_ascii_case(b"min") {
                Agg::Min
            } else if v.eq_ignore_ascii_case(b"max") {
                Agg::Max
            } else {
                return ctx.error(errors::SYNTAX);
            };
            j += 2;
            remaining -= 2;
        } else if dst.is_none() && !card_only && a.eq_ignore_ascii_case(b"withscores") {
            withscores = true;
            j += 1;
            remaining -= 1;
        } else if card_only && remaining >= 2 && a.eq_ignore_ascii_case(b"limit") {
            match num::parse_long(args.get(j + 1)) {
                Some(l) if l >= 0 => limit = l,
                _ => return ctx.error(errors::ZLIMIT_NEGATIVE),
            }
            j += 2;
            remaining -= 2;
        } else {
            return ctx.error(errors::SYNTAX);
        }
    }
    if op != Op::Diff {
        srcs.sort_by_key(|s| s.entries.len());
    }
    let mut out: Vec<(Vec<u8>, f64)> = Vec::new();
    let mut card = 0i64;
    match op {
        Op::Inter => {
            if !srcs[0].entries.is_empty() {
                let first = core::mem::take(&mut srcs[0].entries);
                let w0 = srcs[0].weight;
                'outer: for (m, s) in first {
                    let mut score = w0 * s;
                    if score.is_nan() {
                        score = 0.0;
                    }
                    for src in srcs.iter_mut().skip(1) {
                        match src.find(&m) {
                            Some(v) => aggregate(&mut score, v * src.weight, agg),
                            None => continue 'outer,
                        }
                    }
                    if card_only {
                        card += 1;
                        if limit > 0 && card >= limit {
                            break;
                        }
                    } else {
                        out.push((m, score));
                    }
                }
            }
        }
        Op::Union => {
            let mut acc: Map = HashMap::with_hasher(Default::default());
            let mut order: Vec<Vec<u8>> = Vec::new();
            for src in &srcs {
                for (m, s) in &src.entries {
                    let mut score = src.weight * s;
                    if score.is_nan() {
                        score = 0.0;
                    }
                    match acc.get_mut(&m[..]) {
                        Some(t) => aggregate(t, score, agg),
                        None => {
                            acc.insert(m.clone(), score);
                            order.push(m.clone());
                        }
                    }
                }
            }
            out = order
                .into_iter()
                .map(|m| {
                    let s = acc[&m];
                    (m, s)
                })
                .collect();
        }
        Op::Diff => {
            let first = core::mem::take(&mut srcs[0].entries);
            'd: for (m, s) in first {
                for src in srcs.iter_mut().skip(1) {
                    if src.find(&m).is_some() {
                        continue 'd;
                    }
                }
                out.push((m, s));
            }
        }
    }
    if card_only {
        return ctx.reply.int(card);
    }
    if let Some(dst) = dst {
        let event = match op {
            Op::Union => "zunionstore",
            Op::Inter => "zinterstore",
            Op::Diff => "zdiffstore",
        };
        return store(ctx, dst, out, event);
    }
    out.sort_by(|a, b| crate::types::zset::cmp_entry(a.1, &a.0, b.1, &b.0));
    reply_entries(
        &mut ctx.reply,
        out.iter()
            .map(|(m, s)| (&m[..], *s))
            .collect::<Vec<_>>()
            .into_iter(),
        withscores,
    );
}
