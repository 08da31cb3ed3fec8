//! Sets (Redis's `t_set.c`): SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SPOP
//! SRANDMEMBER SMOVE SINTER SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE
//! SSCAN.
//!
//! Handlers follow Redis 7.0's order of checks (it decides which error a bad call gets):
//! SPOP and SRANDMEMBER check their extra arguments and count before the key; SSCAN checks
//! its cursor, then the key, then its options; SMOVE answers 0 for a missing source before
//! it looks at types. Read commands count keyspace hits and misses (`lookupKeyRead`).
//!
//! The multi-key commands read their sets by taking them out of their entries for the
//! duration of the command (`Sets`) and putting them back afterwards, so that several
//! sets of one shard can be read at once without copies; the coordinator runs them
//! atomically across shards. Results are built as Redis builds them: into an intset that
//! converts at the same points ([`Set::add`]), so SUNION/SDIFF/SINTERSTORE give the same
//! encodings, and an intset result replies in ascending order.

use super::{flags::*, CommandSpec, Group};
use crate::engine::Ctx;
use crate::errors;
use crate::glob::{glob_match, is_match_all};
use crate::notify::{GENERIC, SET};
use crate::num::parse_i64;
use crate::types::set::{Elem, Set};
use crate::value::Value;
use alloc::boxed::Box;
use alloc::vec::Vec;
use anax_protocol::{Args, Reply};

/// The set family's table.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("sadd", -3, WRITE | DENYOOM | FAST, Group::Set, sadd)
        .keys(1, 1, 1)
        .doc(
            "Add one or more members to a set",
            "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
        ),
    CommandSpec::new("srem", -3, WRITE | FAST, Group::Set, srem)
        .keys(1, 1, 1)
        .doc(
            "Remove one or more members from a set",
            "O(N) where N is the number of members to be removed.",
        ),
    CommandSpec::new("smembers", 2, READONLY, Group::Set, smembers)
        .keys(1, 1, 1)
        .doc(
            "Get all the members in a set",
            "O(N) where N is the set cardinality.",
        ),
    CommandSpec::new("sismember", 3, READONLY | FAST, Group::Set, sismember)
        .keys(1, 1, 1)
        .doc("Determine if a given value is a member of a set", "O(1)"),
    CommandSpec::new("smismember", -3, READONLY | FAST, Group::Set, smismember)
        .keys(1, 1, 1)
        .since("6.2.0")
        .doc(
            "Returns the membership associated with the given elements for a set",
            "O(N) where N is the number of elements being checked for membership",
        ),
    CommandSpec::new("scard", 2, READONLY | FAST, Group::Set, scard)
        .keys(1, 1, 1)
        .doc("Get the number of members in a set", "O(1)"),
    CommandSpec::new("spop", -2, WRITE | FAST, Group::Set, spop)
        .keys(1, 1, 1)
        .doc(
            "Remove and return one or multiple random members from a set",
            "Without the count argument O(1), otherwise O(N) where N is the value of the passed count.",
        ),
    CommandSpec::new("srandmember", -2, READONLY, Group::Set, srandmember)
        .keys(1, 1, 1)
        .doc(
            "Get one or multiple random members from a set",
            "Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.",
        ),
    CommandSpec::new("smove", 4, WRITE | FAST, Group::Set, smove)
        .keys(1, 2, 1)
        .doc("Move a member from one set to another", "O(1)"),
    CommandSpec::new("sinter", -2, READONLY, Group::Set, sinter)
        .keys(1, -1, 1)
        .doc("Intersect multiple sets", INTER_COMPLEXITY),
    CommandSpec::new("sintercard", -3, READONLY | MOVABLE_KEYS, Group::Set, sintercard)
        .since("7.0.0")
        .doc(
            "Intersect multiple sets and return the cardinality of the result",
            INTER_COMPLEXITY,
        ),
    CommandSpec::new("sinterstore", -3, WRITE | DENYOOM, Group::Set, sinterstore)
        .keys(1, -1, 1)
        .doc(
            "Intersect multiple sets and store the resulting set in a key",
            INTER_COMPLEXITY,
        ),
    CommandSpec::new("sunion", -2, READONLY, Group::Set, sunion)
        .keys(1, -1, 1)
        .doc("Add multiple sets", UNION_COMPLEXITY),
    CommandSpec::new("sunionstore", -3, WRITE | DENYOOM, Group::Set, sunionstore)
        .keys(1, -1, 1)
        .doc(
            "Add multiple sets and store the resulting set in a key",
            UNION_COMPLEXITY,
        ),
    CommandSpec::new("sdiff", -2, READONLY, Group::Set, sdiff)
        .keys(1, -1, 1)
        .doc("Subtract multiple sets", UNION_COMPLEXITY),
    CommandSpec::new("sdiffstore", -3, WRITE | DENYOOM, Group::Set, sdiffstore)
        .keys(1, -1, 1)
        .doc(
            "Subtract multiple sets and store the resulting set in a key",
            UNION_COMPLEXITY,
        ),
    CommandSpec::new("sscan", -3, READONLY, Group::Set, sscan)
        .keys(1, 1, 1)
        .since("2.8.0")
        .doc(
            "Incrementally iterate Set elements",
            "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..",
        ),
];

const INTER_COMPLEXITY: &str =
    "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.";
const UNION_COMPLEXITY: &str = "O(N) where N is the total number of elements in all given sets.";

/// `ERR value is out of range, must be positive` (SPOP's count).
const MUST_BE_POSITIVE: &str = "ERR value is out of range, must be positive";
/// SINTERCARD with numkeys below 1.
const NUMKEYS_POSITIVE: &str = "ERR numkeys should be greater than 0";
/// SINTERCARD with more keys than arguments.
const NUMKEYS_TOO_MANY: &str = "ERR Number of keys can't be greater than number of args";
/// SINTERCARD with a negative LIMIT.
const LIMIT_NEGATIVE: &str = "ERR LIMIT can't be negative";

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// What a key holds, for a set command.
enum Found<'a> {
    Missing,
    Set(&'a mut Set),
    Wrong,
}

#[inline]
fn find<'a>(ctx: &'a mut Ctx<'_>, key: &[u8]) -> Found<'a> {
    let now = ctx.now_ms;
    match ctx.state.db(ctx.dbi, key).lookup(key, now) {
        None => Found::Missing,
        Some(e) => match &mut e.value {
            Value::Set(s) => Found::Set(s),
            _ => Found::Wrong,
        },
    }
}

#[inline]
fn reply_elem(reply: &mut Reply<'_>, e: Elem<'_>) {
    match e {
        Elem::Int(n) => reply.bulk_int(n),
        Elem::Bytes(b) => reply.bulk(b),
    }
}

/// Replies with every member as a set (`~` in RESP3).
fn reply_members(reply: &mut Reply<'_>, s: &Set) {
    reply.set(s.len());
    for e in s.iter() {
        reply_elem(reply, e);
    }
}

/// Removes `key` when its set is empty (Redis never keeps empty collections); true when
/// it did.
fn drop_if_empty(ctx: &mut Ctx<'_>, key: &[u8]) -> bool {
    let now = ctx.now_ms;
    let db = ctx.state.db(ctx.dbi, key);
    if let Some(e) = db.lookup(key, now) {
        if matches!(&e.value, Value::Set(s) if s.is_empty()) {
            db.remove(key);
            return true;
        }
    }
    false
}

/// The events of a removal from the set at `key`: `event`, then `del` when it `deleted`
/// the key.
fn notify_removed(ctx: &mut Ctx<'_>, event: &str, key: &[u8], deleted: bool) {
    ctx.notify(SET, event, key);
    if deleted {
        ctx.notify(GENERIC, "del", key);
    }
}

// ---------------------------------------------------------------------------------------
// Single-key commands
// ---------------------------------------------------------------------------------------

/// SADD key member [member ...]
fn sadd(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let key = args.get(1);
    let max = ctx.state.config.set_max_intset_entries;
    let now = ctx.now_ms;
    let db = ctx.state.db(ctx.dbi, key);
    if db
        .lookup(key, now)
        .is_some_and(|e| !matches!(e.value, Value::Set(_)))
    {
        return ctx.wrong_type();
    }
    let (e, _) = db.lookup_or_insert(key, now, || {
        Value::Set(Box::new(Set::for_member(args.get(2))))
    });
    let Value::Set(s) = &mut e.value else {
        unreachable!("checked above")
    };
    let mut added = 0;
    for m in args.iter().skip(2) {
        if s.add(m, max) {
            added += 1;
        }
    }
    ctx.dirty(added);
    if added > 0 {
        ctx.notify(SET, "sadd", key);
    }
    ctx.reply.int(added as i64);
}

/// SREM key member [member ...]
fn srem(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let key = args.get(1);
    let removed = match find(ctx, key) {
        Found::Missing => 0,
        Found::Wrong => return ctx.wrong_type(),
        Found::Set(s) => {
            let mut n = 0;
            for m in args.iter().skip(2) {
                if s.remove(m) {
                    n += 1;
                    if s.is_empty() {
                        break;
                    }
                }
            }
            n
        }
    };
    if removed > 0 {
        let deleted = drop_if_empty(ctx, key);
        notify_removed(ctx, "srem", key, deleted);
    }
    ctx.dirty(removed);
    ctx.reply.int(removed as i64);
}

/// SMEMBERS key
fn smembers(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let key = args.get(1);
    let now = ctx.now_ms;
    let (hit, wrong) = match ctx.state.db(ctx.dbi, key).lookup(key, now) {
        None => {
            ctx.reply.set(0);
            (false, false)
        }
        Some(e) => match &e.value {
            Value::Set(s) => {
                reply_members(&mut ctx.reply, s);
                (true, false)
            }
            _ => (true, true),
        },
    };
    ctx.hit_key(hit, key);
    if wrong {
        ctx.wrong_type();
    }
}

/// SISMEMBER key member
fn sismember(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let r = match find(ctx, args.get(1)) {
        Found::Missing => None,
        Found::Wrong => Some(None),
        Found::Set(s) => Some(Some(s.contains(args.get(2)))),
    };
    ctx.hit_key(r.is_some(), args.get(1));
    match r {
        None => ctx.reply.int(0),
        Some(None) => ctx.wrong_type(),
        Some(Some(b)) => ctx.reply.int(b as i64),
    }
}

/// SMISMEMBER key member [member ...]
fn smismember(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let key = args.get(1);
    let now = ctx.now_ms;
    let n = args.len() - 2;
    let (hit, wrong) = match ctx.state.db(ctx.dbi, key).lookup(key, now) {
        None => {
            ctx.reply.array(n);
            for _ in 0..n {
                ctx.reply.int(0);
            }
            (false, false)
        }
        Some(e) => match &e.value {
            Value::Set(s) => {
                ctx.reply.array(n);
                for m in args.iter().skip(2) {
                    ctx.reply.int(s.contains(m) as i64);
                }
                (true, false)
            }
            _ => (true, true),
        },
    };
    ctx.hit_key(hit, key);
    if wrong {
        ctx.wrong_type();
    }
}

/// SCARD key
fn scard(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let r = match find(ctx, args.get(1)) {
        Found::Missing => None,
        Found::Wrong => Some(None),
        Found::Set(s) => Some(Some(s.len())),
    };
    ctx.hit_key(r.is_some(), args.get(1));
    match r {
        None => ctx.reply.int(0),
        Some(None) => ctx.wrong_type(),
        Some(Some(n)) => ctx.reply.int(n as i64),
    }
}

/// SPOP key [count]
fn spop(ctx: &mut Ctx<'_>, args: Args<'_>) {
    if args.len() > 3 {
        return ctx.error(errors::SYNTAX);
    }
    let key = args.get(1);
    if args.len() == 2 {
        let r = ctx.state.random();
        let popped = match find(ctx, key) {
            Found::Missing => return ctx.reply.null(),
            Found::Wrong => return ctx.wrong_type(),
            Found::Set(s) => {
                let i = (r % s.len() as u64) as usize;
                s.remove_at(i)
            }
        };
        let deleted = drop_if_empty(ctx, key);
        ctx.dirty(1);
        notify_removed(ctx, "spop", key, deleted);
        return ctx.reply.bulk(&popped);
    }
    let count = match parse_i64(args.get(2)) {
        Some(c) if c >= 0 => c as u64,
        _ => return ctx.error(MUST_BE_POSITIVE),
    };
    let mut rng = ctx.state.random();
    let now = ctx.now_ms;
    let db = ctx.state.db(ctx.dbi, key);
    let Some(e) = db.lookup(key, now) else {
        return ctx.reply.set(0);
    };
    let Value::Set(s) = &mut e.value else {
        return ctx.wrong_type();
    };
    if count == 0 {
        return ctx.reply.set(0);
    }
    let size = s.len() as u64;
    if count >= size {
        // The whole set, in its order, and the key goes.
        reply_members(&mut ctx.reply, s);
        db.remove(key);
        ctx.dirty(size);
        return notify_removed(ctx, "spop", key, true);
    }
    ctx.reply.set(count as usize);
    for _ in 0..count {
        rng = xorshift(rng);
        let i = (rng % s.len() as u64) as usize;
        let m = s.remove_at(i);
        ctx.reply.bulk(&m);
    }
    ctx.dirty(count);
    ctx.notify(SET, "spop", key);
}

#[inline]
fn xorshift(mut x: u64) -> u64 {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    x
}

/// SRANDMEMBER key [count]
fn srandmember(ctx: &mut Ctx<'_>, args: Args<'_>) {
    if args.len() > 3 {
        return ctx.error(errors::SYNTAX);
    }
    let key = args.get(1);
    let mut rng = ctx.state.random();
    if args.len() == 2 {
        let now = ctx.now_ms;
        let (hit, wrong) = match ctx.state.db(ctx.dbi, key).lookup(key, now) {
            None => {
                ctx.reply.null();
                (false, false)
            }
            Some(e) => match &e.value {
                Value::Set(s) => {
                    reply_elem(&mut ctx.reply, s.at((rng % s.len() as u64) as usize));
                    (true, false)
                }
                _ => (true, true),
            },
        };
        ctx.hit_key(hit, key);
        if wrong {
            ctx.wrong_type();
        }
        return;
    }
    let count = match parse_i64(args.get(2)) {
        None => return ctx.error(errors::NOT_INTEGER),
        Some(i64::MIN) => return ctx.error(&errors::value_out_of_range(-i64::MAX, i64::MAX)),
        Some(c) if c < -super::MAX_RANDOM_PICKS => return ctx.error(errors::VALUE_OUT_OF_RANGE),
        Some(c) => c,
    };
    let now = ctx.now_ms;
    let (hit, wrong) = match ctx.state.db(ctx.dbi, key).lookup(key, now) {
        None => {
            ctx.reply.array(0);
            (false, false)
        }
        Some(e) => match &e.value {
            Value::Set(s) => {
                let size = s.len() as u64;
                let reply = &mut ctx.reply;
                if count < 0 {
                    // Repeats allowed.
                    let n = count.unsigned_abs();
                    reply.array(n as usize);
                    for _ in 0..n {
                        rng = xorshift(rng);
                        reply_elem(reply, s.at((rng % size) as usize));
                    }
                } else if count as u64 >= size {
                    reply.array(size as usize);
                    for e in s.iter() {
                        reply_elem(reply, e);
                    }
                } else {
                    // Distinct positions: a partial Fisher-Yates shuffle.
                    let n = count as usize;
                    let mut idx: Vec<u32> = (0..size as u32).collect();
                    reply.array(n);
                    for i in 0..n {
                        rng = xorshift(rng);
                        let j = i + (rng % (size - i as u64)) as usize;
                        idx.swap(i, j);
                        reply_elem(reply, s.at(idx[i] as usize));
                    }
                }
                (true, false)
            }
            _ => (true, true),
        },
    };
    ctx.hit_key(hit, key);
    if wrong {
        ctx.wrong_type();
    }
}

/// SMOVE source destination member
fn smove(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let (src, dst, m) = (args.get(1), args.get(2), args.get(3));
    let max = ctx.state.config.set_max_intset_entries;
    let kind = |ctx: &mut Ctx<'_>, k: &[u8]| match find(ctx, k) {
        Found::Missing => None,
        Found::Set(_) => Some(true),
        Found::Wrong => Some(false),
    };
    let s = kind(ctx, src);
    let d = kind(ctx, dst);
    match s {
        None => return ctx.reply.int(0),
        Some(false) => return ctx.wrong_type(),
        Some(true) => {}
    }
    if d == Some(false) {
        return ctx.wrong_type();
    }
    if src == dst {
        let here = matches!(find(ctx, src), Found::Set(s) if s.contains(m));
        return ctx.reply.int(here as i64);
    }
    let removed = match find(ctx, src) {
        Found::Set(s) => s.remove(m),
        _ => false,
    };
    if !removed {
        return ctx.reply.int(0);
    }
    let deleted = drop_if_empty(ctx, src);
    notify_removed(ctx, "srem", src, deleted);
    let now = ctx.now_ms;
    let (e, _) = ctx
        .state
        .db(ctx.dbi, dst)
        .lookup_or_insert(dst, now, || Value::Set(Box::new(Set::for_member(m))));
    let mut dirty = 1;
    if let Value::Set(s) = &mut e.value {
        if s.add(m, max) {
            dirty += 1;
        }
    }
    ctx.dirty(dirty);
    if dirty > 1 {
        ctx.notify(SET, "sadd", dst);
    }
    ctx.reply.int(1);
}

// ---------------------------------------------------------------------------------------
// Multi-key commands
// ---------------------------------------------------------------------------------------

/// The sets of a multi-key command, taken out of their entries (see the module docs).
struct Sets {
    /// Distinct keys present, with their set.
    taken: Vec<(Vec<u8>, Box<Set>)>,
    /// For each key of the command, its index in `taken`; `None` for a missing key.
    slots: Vec<Option<usize>>,
}

impl Sets {
    /// Looks up `keys` in order (counting hits and misses when `read`); `None` (after
    /// replying WRONGTYPE) when one holds something else.
    fn take<'k>(
        ctx: &mut Ctx<'_>,
        keys: impl Iterator<Item = &'k [u8]>,
        read: bool,
    ) -> Option<Sets> {
        let now = ctx.now_ms;
        let mut sets = Sets {
            taken: Vec::new(),
            slots: Vec::new(),
        };
        for k in keys {
            if let Some(i) = sets.taken.iter().position(|(t, _)| t.as_slice() == k) {
                // Redis looks a repeated key up again: another hit.
                if read {
                    ctx.hit(true);
                }
                sets.slots.push(Some(i));
                continue;
            }
            let got = match ctx.state.db(ctx.dbi, k).lookup(k, now) {
                None => None,
                Some(e) => match &mut e.value {
                    Value::Set(_) => match core::mem::replace(&mut e.value, Value::Int(0)) {
                        Value::Set(s) => Some(Some(s)),
                        _ => unreachable!(),
                    },
                    _ => Some(None),
                },
            };
            if read {
                ctx.hit_key(got.is_some(), k);
            }
            match got {
                None => sets.slots.push(None),
                Some(None) => {
                    sets.put_back(ctx);
                    ctx.wrong_type();
                    return None;
                }
                Some(Some(s)) => {
                    sets.slots.push(Some(sets.taken.len()));
                    sets.taken.push((k.to_vec(), s));
                }
            }
        }
        Some(sets)
    }

    /// The set of the command's `i`-th key.
    fn get(&self, i: usize) -> Option<&Set> {
        self.slots[i].map(|j| &*self.taken[j].1)
    }

    /// Puts the sets back in their entries.
    fn put_back(self, ctx: &mut Ctx<'_>) {
        let now = ctx.now_ms;
        for (k, s) in self.taken {
            if let Some(e) = ctx.state.db(ctx.dbi, &k).lookup(&k, now) {
                e.value = Value::Set(s);
            }
        }
    }
}

/// The members of the intersection of `sets` (none missing), in the order of the smallest
/// set, at most `limit` of them (0: all).
fn intersect<'a>(sets: &[&'a Set], limit: usize, mut f: impl FnMut(Elem<'a>)) -> usize {
    let mut order: Vec<&Set> = sets.to_vec();
    order.sort_by_key(|s| s.len());
    let Some((first, rest)) = order.split_first() else {
        return 0;
    };
    let mut n = 0;
    for e in first.iter() {
        if rest.iter().all(|s| s.contains_elem(e)) {
            f(e);
            n += 1;
            if limit != 0 && n >= limit {
                break;
            }
        }
    }
    n
}

/// Stores `result` in `dst` (replacing what is there, its expiry included), or deletes
/// `dst` when it is empty; replies with its size. `event` names the store.
fn store(ctx: &mut Ctx<'_>, dst: &[u8], result: Set, event: &str) {
    let n = result.len();
    let now = ctx.now_ms;
    let db = ctx.state.db(ctx.dbi, dst);
    // A write only when something changed (Redis counts an empty result as one only when
    // it deleted the destination).
    let changed = if n == 0 {
        db.remove(dst).is_some()
    } else {
        db.set_at(dst, Value::Set(Box::new(result)), 0, now);
        true
    };
    ctx.dirty(changed as u64);
    ctx.reply.int(n as i64);
    if n > 0 {
        ctx.notify(SET, event, dst);
    } else if changed {
        ctx.notify(GENERIC, "del", dst);
    }
}

fn inter_generic(ctx: &mut Ctx<'_>, args: Args<'_>, first: usize, dst: Option<&[u8]>) {
    let max = ctx.state.config.set_max_intset_entries;
    // Redis 7.0 reads the inputs with `lookupKeyRead`, for the STORE forms too.
    let Some(sets) = Sets::take(ctx, args.iter().skip(first), true) else {
        return;
    };
    let all: Option<Vec<&Set>> = (0..sets.slots.len()).map(|i| sets.get(i)).collect();
    let mut result = Set::new();
    match &all {
        None => {}
        Some(all) => {
            intersect(all, 0, |e| {
                result.add_elem(e, max);
            });
        }
    }
    // Reply in the order of the smallest set (ascending for an intset), as Redis.
    if dst.is_none() {
        match &all {
            None => ctx.reply.set(0),
            Some(all) => {
                ctx.reply.set(result.len());
                let reply = &mut ctx.reply;
                intersect(all, 0, |e| reply_elem(reply, e));
            }
        }
    }
    drop(all);
    sets.put_back(ctx);
    if let Some(dst) = dst {
        store(ctx, dst, result, "sinterstore");
    }
}

/// SINTER key [key ...]
fn sinter(ctx: &mut Ctx<'_>, args: Args<'_>) {
    inter_generic(ctx, args, 1, None)
}

/// SINTERSTORE destination key [key ...]
fn sinterstore(ctx: &mut Ctx<'_>, args: Args<'_>) {
    inter_generic(ctx, args, 2, Some(args.get(1)))
}

/// SINTERCARD numkeys key [key ...] [LIMIT limit]
fn sintercard(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let numkeys = match parse_i64(args.get(1)) {
        Some(n) if n > 0 => n as u64,
        _ => return ctx.error(NUMKEYS_POSITIVE),
    };
    if numkeys > (args.len() - 2) as u64 {
        return ctx.error(NUMKEYS_TOO_MANY);
    }
    let numkeys = numkeys as usize;
    let mut limit = 0usize;
    let mut i = 2 + numkeys;
    while i < args.len() {
        let opt = args.get(i);
        if opt.eq_ignore_ascii_case(b"limit") && i + 1 < args.len() {
            match parse_i64(args.get(i + 1)) {
                Some(l) if l >= 0 => limit = l as usize,
                _ => return ctx.error(LIMIT_NEGATIVE),
            }
            i += 2;
        } else {
            return ctx.error(errors::SYNTAX);
        }
    }
    let Some(sets) = Sets::take(ctx, args.iter().skip(2).take(numkeys), true) else {
        return;
    };
    let all: Option<Vec<&Set>> = (0..sets.slots.len()).map(|i| sets.get(i)).collect();
    let n = all.as_ref().map_or(0, |all| intersect(all, limit, |_| {}));
    drop(all);
    sets.put_back(ctx);
    ctx.reply.int(n as i64);
}

/// SUNION / SDIFF and their STORE forms.
fn union_diff(ctx: &mut Ctx<'_>, args: Args<'_>, first: usize, dst: Option<&[u8]>, diff: bool) {
    let max = ctx.state.config.set_max_intset_entries;
    // Redis 7.0 reads the inputs with `lookupKeyRead`, for the STORE forms too.
    let Some(sets) = Sets::take(ctx, args.iter().skip(first), true) else {
        return;
    };
    let mut result = Set::new();
    if !diff {
        for i in 0..sets.slots.len() {
            if let Some(s) = sets.get(i) {
                for e in s.iter() {
                    result.add_elem(e, max);
                }
            }
        }
    } else if let Some(base) = sets.get(0) {
        let others: Vec<&Set> = (1..sets.slots.len()).filter_map(|i| sets.get(i)).collect();
        if others.iter().all(|o| !core::ptr::eq(*o, base)) {
            for e in base.iter() {
                if !others.iter().any(|o| o.contains_elem(e)) {
                    result.add_elem(e, max);
                }
            }
        }
    }
    sets.put_back(ctx);
    match dst {
        Some(dst) => {
            let event = if diff { "sdiffstore" } else { "sunionstore" };
            store(ctx, dst, result, event)
        }
        None => reply_members(&mut ctx.reply, &result),
    }
}

/// SUNION key [key ...]
fn sunion(ctx: &mut Ctx<'_>, args: Args<'_>) {
    union_diff(ctx, args, 1, None, false)
}

/// SUNIONSTORE destination key [key ...]
fn sunionstore(ctx: &mut Ctx<'_>, args: Args<'_>) {
    union_diff(ctx, args, 2, Some(args.get(1)), false)
}

/// SDIFF key [key ...]
fn sdiff(ctx: &mut Ctx<'_>, args: Args<'_>) {
    union_diff(ctx, args, 1, None, true)
}

/// SDIFFSTORE destination key [key ...]
fn sdiffstore(ctx: &mut Ctx<'_>, args: Args<'_>) {
    union_diff(ctx, args, 2, Some(args.get(1)), true)
}

// ---------------------------------------------------------------------------------------
// SSCAN
// ---------------------------------------------------------------------------------------

/// SSCAN key cursor [MATCH pattern] [COUNT count]. An intset is returned whole with cursor
/// 0, as Redis does; a hashtable is walked with [`Table::scan`](crate::types::set::Table::scan).
fn sscan(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let Some(cursor) = crate::num::parse_scan_cursor(args.get(2)) else {
        return ctx.error(errors::INVALID_CURSOR);
    };
    let key = args.get(1);
    let now = ctx.now_ms;
    let hit = ctx.state.db(ctx.dbi, key).lookup(key, now).is_some();
    ctx.hit_key(hit, key);
    let mut count: i64 = 10;
    let mut pattern: Option<&[u8]> = None;
    match find(ctx, key) {
        Found::Missing => {
            ctx.reply.array(2);
            ctx.reply.bulk(b"0");
            ctx.reply.array(0);
            return;
        }
        Found::Wrong => return ctx.wrong_type(),
        Found::Set(_) => {}
    }
    let mut i = 3;
    while i < args.len() {
        let (opt, more) = (args.get(i), args.len() - i >= 2);
        if opt.eq_ignore_ascii_case(b"count") && more {
            match parse_i64(args.get(i + 1)) {
                None => return ctx.error(errors::NOT_INTEGER),
                Some(c) if c < 1 => return ctx.error(errors::SYNTAX),
                Some(c) => count = c,
            }
        } else if opt.eq_ignore_ascii_case(b"match") && more {
            let p = args.get(i + 1);
            pattern = (!is_match_all(p)).then_some(p);
        } else {
            return ctx.error(errors::SYNTAX);
        }
        i += 2;
    }
    let mut found: Vec<Vec<u8>> = Vec::new();
    let keep = |m: &[u8]| pattern.is_none_or(|p| glob_match(p, m, false));
    let Found::Set(s) = find(ctx, key) else {
        unreachable!("checked above")
    };
    let next = match &*s {
        Set::Ints(_) | Set::Small(_) => {
            for e in s.iter() {
                e.with_bytes(|m| {
                    if keep(m) {
                        found.push(m.to_vec())
                    }
                });
            }
            0
        }
        Set::Table(t) => t.scan(cursor, count as usize, |m| {
            if keep(m) {
                found.push(m.to_vec())
            }
        }),
    };
    ctx.reply.array(2);
    let mut b = itoa::Buffer::new();
    ctx.reply.bulk(b.format(next).as_bytes());
    ctx.reply.array(found.len());
    for m in &found {
        ctx.reply.bulk(m);
    }
}
