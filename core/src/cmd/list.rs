//! Lists (Redis's `t_list.c`): LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX LSET
//! LINSERT LREM LTRIM LPOS LMOVE RPOPLPUSH LMPOP, and the blocking BLPOP BRPOP BLMOVE
//! BRPOPLPUSH BLMPOP. A blocking command that finds data is its non-blocking sibling; one
//! that finds nothing calls [`Ctx::block_until`] and the coordinator makes it wait
//! (`coord::block`), then serves it by running it again narrowed to the key that filled.
//!
//! Every handler keeps Redis 7.0's order of checks, which decides the error a bad call
//! gets: LRANGE, LREM and LTRIM parse their numbers before looking at the key; LINDEX and
//! LSET look the key up first; LPOS parses all its options first. Read commands count
//! keyspace hits and misses (`lookupKeyRead`), write commands do not. A list emptied by a
//! command is deleted, as Redis never keeps an empty list.
//!
//! The multi-key commands (LMOVE, RPOPLPUSH, LMPOP) reach each key through
//! [`State::db`](crate::engine::State::db); the coordinator gathers the keys when they live
//! on several shards (LMPOP's keys are found through its key spec: it has movable keys).

use super::{flags::*, CommandSpec, Group};
use crate::coord::block;
use crate::engine::Ctx;
use crate::errors;
use crate::notify::{GENERIC, LIST};
use crate::num::parse_long;
use crate::types::list::{Item, List, Needle, Owned};
use crate::value::Value;
use alloc::boxed::Box;
use alloc::vec::Vec;
use anax_protocol::{Args, Reply};

const fn list(name: &'static str, arity: i32, flags: u32, h: super::Handler) -> CommandSpec {
    CommandSpec::new(name, arity, flags, Group::List, h)
}

const PUSH_COMPLEXITY: &str = "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.";

/// The list family's table.
pub static COMMANDS: &[CommandSpec] = &[
    list("blmove", 6, WRITE | DENYOOM | NOSCRIPT | BLOCKING, blmove)
        .keys(1, 2, 1)
        .since("6.2.0")
        .doc(
            "Pop an element from a list, push it to another list and return it; or block until one is available",
            "O(1)",
        ),
    list("blmpop", -5, WRITE | BLOCKING | MOVABLE_KEYS, blmpop)
        .since("7.0.0")
        .doc(
            "Pop elements from a list, or block until one is available",
            "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
        ),
    list("blpop", -3, WRITE | NOSCRIPT | BLOCKING, blpop)
        .keys(1, -2, 1)
        .since("2.0.0")
        .doc(
            "Remove and get the first element in a list, or block until one is available",
            "O(N) where N is the number of provided keys.",
        ),
    list("brpop", -3, WRITE | NOSCRIPT | BLOCKING, brpop)
        .keys(1, -2, 1)
        .since("2.0.0")
        .doc(
            "Remove and get the last element in a list, or block until one is available",
            "O(N) where N is the number of provided keys.",
        ),
    list("brpoplpush", 4, WRITE | DENYOOM | NOSCRIPT | BLOCKING, brpoplpush)
        .keys(1, 2, 1)
        .since("2.2.0")
        .doc(
            "Pop an element from a list, push it to another list and return it; or block until one is available",
            "O(1)",
        ),
    list("linsert", 5, WRITE | DENYOOM, linsert)
        .keys(1, 1, 1)
        .since("2.2.0")
        .doc(
            "Insert an element before or after another element in a list",
            "O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).",
        ),
    list("lindex", 3, READONLY, lindex)
        .keys(1, 1, 1)
        .doc(
            "Get an element from a list by its index",
            "O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).",
        ),
    list("llen", 2, READONLY | FAST, llen)
        .keys(1, 1, 1)
        .doc("Get the length of a list", "O(1)"),
    list("lmove", 5, WRITE | DENYOOM, lmove)
        .keys(1, 2, 1)
        .since("6.2.0")
        .doc(
            "Pop an element from a list, push it to another list and return it",
            "O(1)",
        ),
    list("lmpop", -4, WRITE | MOVABLE_KEYS, lmpop)
        .since("7.0.0")
        .doc(
            "Pop elements from a list",
            "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
        ),
    list("lpop", -2, WRITE | FAST, lpop)
        .keys(1, 1, 1)
        .doc(
            "Remove and get the first elements in a list",
            "O(N) where N is the number of elements returned",
        ),
    list("lpos", -3, READONLY, lpos)
        .keys(1, 1, 1)
        .since("6.0.6")
        .doc(
            "Return the index of matching elements on a list",
            "O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.",
        ),
    list("lpush", -3, WRITE | DENYOOM | FAST, lpush)
        .keys(1, 1, 1)
        .doc("Prepend one or multiple elements to a list", PUSH_COMPLEXITY),
    list("lpushx", -3, WRITE | DENYOOM | FAST, lpushx)
        .keys(1, 1, 1)
        .since("2.2.0")
        .doc(
            "Prepend an element to a list, only if the list exists",
            PUSH_COMPLEXITY,
        ),
    list("lrange", 4, READONLY, lrange)
        .keys(1, 1, 1)
        .doc(
            "Get a range of elements from a list",
            "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.",
        ),
    list("lrem", 4, WRITE, lrem)
        .keys(1, 1, 1)
        .doc(
            "Remove elements from a list",
            "O(N+M) where N is the length of the list and M is the number of elements removed.",
        ),
    list("lset", 4, WRITE | DENYOOM, lset)
        .keys(1, 1, 1)
        .doc(
            "Set the value of an element in a list by its index",
            "O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).",
        ),
    list("ltrim", 4, WRITE, ltrim)
        .keys(1, 1, 1)
        .doc(
            "Trim a list to the specified range",
            "O(N) where N is the number of elements to be removed by the operation.",
        ),
    list("rpop", -2, WRITE | FAST, rpop)
        .keys(1, 1, 1)
        .doc(
            "Remove and get the last elements in a list",
            "O(N) where N is the number of elements returned",
        ),
    list("rpoplpush", 3, WRITE | DENYOOM, rpoplpush)
        .keys(1, 2, 1)
        .since("1.2.0")
        .doc(
            "Remove the last element in a list, prepend it to another list and return it",
            "O(1)",
        ),
    list("rpush", -3, WRITE | DENYOOM | FAST, rpush)
        .keys(1, 1, 1)
        .doc("Append one or multiple elements to a list", PUSH_COMPLEXITY),
    list("rpushx", -3, WRITE | DENYOOM | FAST, rpushx)
        .keys(1, 1, 1)
        .since("2.2.0")
        .doc(
            "Append an element to a list, only if the list exists",
            PUSH_COMPLEXITY,
        ),
];

// ---------------------------------------------------------------------------------------
// Helpers

/// Replies with one element as a bulk string.
#[inline]
fn reply_item(reply: &mut Reply<'_>, it: Item<'_>) {
    match it {
        Item::Int(n) => reply.bulk_int(n),
        Item::Str(s) => reply.bulk(s),
    }
}

/// What a lookup of a list key found.
enum Found {
    Missing,
    WrongType,
    List,
}

/// Looks `key` up (a read counts a hit or miss); what it holds.
fn probe(ctx: &mut Ctx<'_>, key: &[u8], read: bool) -> Found {
    let found = match ctx.state.db(ctx.dbi, key).lookup(key, ctx.now_ms) {
        None => Found::Missing,
        Some(e) if matches!(e.value, Value::List(_)) => Found::List,
        Some(_) => Found::WrongType,
    };
    if read {
        ctx.hit_key(!matches!(found, Found::Missing), key);
    }
    found
}

/// The live list at `key` (which [`probe`] found).
fn list_at<'a>(ctx: &'a mut Ctx<'_>, key: &[u8]) -> &'a mut List {
    match ctx.state.db(ctx.dbi, key).lookup(key, ctx.now_ms) {
        Some(e) => match &mut e.value {
            Value::List(l) => l,
            _ => unreachable!("probed as a list"),
        },
        None => unreachable!("probed as present"),
    }
}

/// Deletes `key` when its list became empty; true when it did.
fn delete_if_empty(ctx: &mut Ctx<'_>, key: &[u8]) -> bool {
    let empty = list_at(ctx, key).is_empty();
    if empty {
        ctx.state.db(ctx.dbi, key).remove(key);
    }
    empty
}

/// The events of a change to the list at `key`: `event`, then `del` when the change
/// `deleted` it (Redis's `listElementsRemoved` and friends).
fn notify_changed(ctx: &mut Ctx<'_>, event: &str, key: &[u8], deleted: bool) {
    ctx.notify(LIST, event, key);
    if deleted {
        ctx.notify(GENERIC, "del", key);
    }
}

/// The event name of a pop from the front (`lpop`) or the back (`rpop`).
fn pop_event(front: bool) -> &'static str {
    if front {
        "lpop"
    } else {
        "rpop"
    }
}

/// The event name of a push to the front (`lpush`) or the back (`rpush`).
fn push_event(front: bool) -> &'static str {
    if front {
        "lpush"
    } else {
        "rpush"
    }
}

/// Parses `LEFT` / `RIGHT` (true for LEFT), as `getListPositionFromObjectOrReply`.
fn parse_where(b: &[u8]) -> Option<bool> {
    if b.eq_ignore_ascii_case(b"left") {
        Some(true)
    } else if b.eq_ignore_ascii_case(b"right") {
        Some(false)
    } else {
        None
    }
}

/// Normalises a Redis range `start..=end` over `len` elements; `None` when empty.
fn range(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let llen = len as i64;
    let mut start = if start < 0 { llen + start } else { start };
    let mut end = if end < 0 { llen + end } else { end };
    if start < 0 {
        start = 0;
    }
    if start > end || start >= llen {
        return None;
    }
    if end >= llen {
        end = llen - 1;
    }
    Some((start as usize, end as usize))
}

// ---------------------------------------------------------------------------------------
// Pushes

fn push_generic(ctx: &mut Ctx<'_>, args: Args<'_>, front: bool, only_existing: bool) {
    let key = args.get(1);
    let fill = ctx.state.config.list_max_listpack_size;
    let now = ctx.now_ms;
    let db = ctx.state.db(ctx.dbi, key);
    let push = |l: &mut List| {
        for v in args.iter().skip(2) {
            if front {
                l.push_front(v);
            } else {
                l.push_back(v);
            }
        }
        l.len()
    };
    let len = match db.lookup(key, now) {
        Some(e) => match &mut e.value {
            Value::List(l) => push(l),
            _ => return ctx.wrong_type(),
        },
        None if only_existing => return ctx.reply.int(0),
        None => {
            let mut l = Box::new(List::new(fill));
            let n = push(&mut l);
            db.set(key, Value::List(l), 0);
            n
        }
    };
    ctx.dirty(args.len() as u64 - 2);
    ctx.notify(LIST, push_event(front), key);
    ctx.reply.int(len as i64);
}

/// LPUSH key element [element ...]
fn lpush(ctx: &mut Ctx<'_>, args: Args<'_>) {
    push_generic(ctx, args, true, false)
}

/// RPUSH key element [element ...]
fn rpush(ctx: &mut Ctx<'_>, args: Args<'_>) {
    push_generic(ctx, args, false, false)
}

/// LPUSHX key element [element ...]
fn lpushx(ctx: &mut Ctx<'_>, args: Args<'_>) {
    push_generic(ctx, args, true, true)
}

/// RPUSHX key element [element ...]
fn rpushx(ctx: &mut Ctx<'_>, args: Args<'_>) {
    push_generic(ctx, args, false, true)
}

// ---------------------------------------------------------------------------------------
// Pops

/// Pops up to `count` elements of the list at `key` from one end and replies with them as
/// an array; deletes the key when emptied. The number popped.
fn pop_range_reply(ctx: &mut Ctx<'_>, key: &[u8], front: bool, count: u64) -> usize {
    let dbi = ctx.dbi;
    let now = ctx.now_ms;
    let Some(e) = ctx.state.db(dbi, key).lookup(key, now) else {
        return 0;
    };
    let Value::List(l) = &mut e.value else {
        return 0;
    };
    let n = (count.min(l.len() as u64)) as usize;
    ctx.reply.array(n);
    if front {
        for it in l.iter().take(n) {
            reply_item(&mut ctx.reply, it);
        }
        l.remove_front(n);
    } else {
        for it in l.iter_rev().take(n) {
            reply_item(&mut ctx.reply, it);
        }
        l.remove_back(n);
    }
    let deleted = delete_if_empty(ctx, key);
    ctx.dirty(n as u64);
    notify_changed(ctx, pop_event(front), key, deleted);
    n
}

/// Pops one element of the list at `key` (which [`probe`] found) from one end and replies
/// with it; deletes the key when emptied.
fn pop_one_reply(ctx: &mut Ctx<'_>, key: &[u8], front: bool) {
    let l = list_at(ctx, key);
    let v = if front { l.pop_front() } else { l.pop_back() };
    if let Some(v) = v {
        reply_item(&mut ctx.reply, v.item());
    }
    let deleted = delete_if_empty(ctx, key);
    ctx.dirty(1);
    notify_changed(ctx, pop_event(front), key, deleted);
}

/// LPOP / RPOP key [count]
fn pop_generic(ctx: &mut Ctx<'_>, args: Args<'_>, front: bool) {
    if args.len() > 3 {
        let text = errors::wrong_arity(ctx.fullname());
        return ctx.error(&text);
    }
    let key = args.get(1);
    let count = match args.try_get(2) {
        None => None,
        Some(c) => match parse_long(c) {
            Some(n) if n >= 0 => Some(n as u64),
            _ => return ctx.error(errors::LIST_POP_COUNT),
        },
    };
    match probe(ctx, key, false) {
        Found::Missing if count.is_some() => return ctx.reply.null_array(),
        Found::Missing => return ctx.reply.null(),
        Found::WrongType => return ctx.wrong_type(),
        Found::List => {}
    }
    match count {
        Some(0) => ctx.reply.array(0),
        Some(n) => {
            pop_range_reply(ctx, key, front, n);
        }
        None => {
            pop_one_reply(ctx, key, front);
        }
    }
}

/// LPOP key [count]
fn lpop(ctx: &mut Ctx<'_>, args: Args<'_>) {
    pop_generic(ctx, args, true)
}

/// RPOP key [count]
fn rpop(ctx: &mut Ctx<'_>, args: Args<'_>) {
    pop_generic(ctx, args, false)
}

/// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]
fn lmpop(ctx: &mut Ctx<'_>, args: Args<'_>) {
    lmpop_generic(ctx, args, 1, None)
}

/// BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]
fn blmpop(ctx: &mut Ctx<'_>, args: Args<'_>) {
    match block::parse_timeout(args.get(1), ctx.now_ms) {
        Ok(deadline) => lmpop_generic(ctx, args, 2, Some(deadline)),
        Err(text) => ctx.error(text),
    }
}

/// LMPOP from the numkeys at `at` on (Redis's `lmpopGenericCommand`); a blocking call
/// (`deadline`) that finds nothing blocks.
fn lmpop_generic(ctx: &mut Ctx<'_>, args: Args<'_>, at: usize, deadline: Option<u64>) {
    let argc = args.len();
    let numkeys = match parse_long(args.get(at)) {
        Some(n) if n >= 1 => n as u64,
        _ => return ctx.error(errors::LMPOP_NUMKEYS),
    };
    let where_idx = match numkeys.checked_add(at as u64 + 1) {
        Some(w) if w < argc as u64 => w as usize,
        _ => return ctx.error(errors::SYNTAX),
    };
    let Some(front) = parse_where(args.get(where_idx)) else {
        return ctx.error(errors::SYNTAX);
    };
    let mut count: Option<u64> = None;
    let mut j = where_idx + 1;
    while j < argc {
        let more = argc - 1 - j;
        if count.is_none() && args.get(j).eq_ignore_ascii_case(b"count") && more > 0 {
            j += 1;
            match parse_long(args.get(j)) {
                Some(n) if n >= 1 => count = Some(n as u64),
                _ => return ctx.error(errors::LMPOP_COUNT),
            }
        } else {
            return ctx.error(errors::SYNTAX);
        }
        j += 1;
    }
    let count = count.unwrap_or(1);
    for i in at + 1..where_idx {
        let key = args.get(i);
        match probe(ctx, key, false) {
            Found::Missing => continue,
            Found::WrongType => return ctx.wrong_type(),
            Found::List => {
                ctx.reply.array(2);
                ctx.reply.bulk(key);
                pop_range_reply(ctx, key, front, count);
                return;
            }
        }
    }
    match deadline {
        Some(d) => ctx.block_until(d),
        None => ctx.reply.null_array(),
    }
}

/// BLPOP / BRPOP key [key ...] timeout (Redis's `blockingPopGenericCommand`).
fn blocking_pop(ctx: &mut Ctx<'_>, args: Args<'_>, front: bool) {
    let last = args.len() - 1;
    let deadline = match block::parse_timeout(args.get(last), ctx.now_ms) {
        Ok(d) => d,
        Err(text) => return ctx.error(text),
    };
    for i in 1..last {
        let key = args.get(i);
        match probe(ctx, key, false) {
            Found::Missing => continue,
            Found::WrongType => return ctx.wrong_type(),
            Found::List => {
                ctx.reply.array(2);
                ctx.reply.bulk(key);
                pop_one_reply(ctx, key, front);
                return;
            }
        }
    }
    ctx.block_until(deadline);
}

/// BLPOP key [key ...] timeout
fn blpop(ctx: &mut Ctx<'_>, args: Args<'_>) {
    blocking_pop(ctx, args, true)
}

/// BRPOP key [key ...] timeout
fn brpop(ctx: &mut Ctx<'_>, args: Args<'_>) {
    blocking_pop(ctx, args, false)
}

// ---------------------------------------------------------------------------------------
// Reads

/// LLEN key
fn llen(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let key = args.get(1);
    match probe(ctx, key, true) {
        Found::Missing => ctx.reply.int(0),
        Found::WrongType => ctx.wrong_type(),
        Found::List => {
            let n = list_at(ctx, key).len();
            ctx.reply.int(n as i64)
        }
    }
}

/// LINDEX key index
fn lindex(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let key = args.get(1);
    match probe(ctx, key, true) {
        Found::Missing => return ctx.reply.null(),
        Found::WrongType => return ctx.wrong_type(),
        Found::List => {}
    }
    let Some(index) = parse_long(args.get(2)) else {
        return ctx.error(errors::NOT_INTEGER);
    };
    let dbi = ctx.dbi;
    let now = ctx.now_ms;
    let Some(e) = ctx.state.db(dbi, key).lookup(key, now) else {
        return;
    };
    let Value::List(l) = &e.value else { return };
    let len = l.len() as i64;
    let i = if index < 0 { len + index } else { index };
    match (i >= 0 && i < len).then(|| l.get(i as usize)).flatten() {
        Some(it) => reply_item(&mut ctx.reply, it),
        None => ctx.reply.null(),
    }
}

/// LRANGE key start stop
fn lrange(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let key = args.get(1);
    let (Some(start), Some(end)) = (parse_long(args.get(2)), parse_long(args.get(3))) else {
        return ctx.error(errors::NOT_INTEGER);
    };
    match probe(ctx, key, true) {
        Found::Missing => return ctx.reply.array(0),
        Found::WrongType => return ctx.wrong_type(),
        Found::List => {}
    }
    let dbi = ctx.dbi;
    let now = ctx.now_ms;
    let Some(e) = ctx.state.db(dbi, key).lookup(key, now) else {
        return;
    };
    let Value::List(l) = &e.value else { return };
    match range(start, end, l.len()) {
        None => ctx.reply.array(0),
        Some((s, e)) => {
            let n = e - s + 1;
            ctx.reply.array(n);
            for it in l.iter_from(s).take(n) {
                reply_item(&mut ctx.reply, it);
            }
        }
    }
}

/// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
fn lpos(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let key = args.get(1);
    let (mut rank, mut count, mut maxlen): (i64, Option<i64>, i64) = (1, None, 0);
    let argc = args.len();
    let mut j = 3;
    while j < argc {
        let opt = args.get(j);
        let more = argc - 1 - j;
        if opt.eq_ignore_ascii_case(b"rank") && more > 0 {
            j += 1;
            match parse_long(args.get(j)) {
                None => return ctx.error(errors::NOT_INTEGER),
                Some(0) => return ctx.error(errors::LPOS_RANK_ZERO),
                Some(r) => rank = r,
            }
        } else if opt.eq_ignore_ascii_case(b"count") && more > 0 {
            j += 1;
            match parse_long(args.get(j)) {
                Some(n) if n >= 0 => count = Some(n),
                _ => return ctx.error(errors::LPOS_COUNT_NEGATIVE),
            }
        } else if opt.eq_ignore_ascii_case(b"maxlen") && more > 0 {
            j += 1;
            match parse_long(args.get(j)) {
                Some(n) if n >= 0 => maxlen = n,
                _ => return ctx.error(errors::LPOS_MAXLEN_NEGATIVE),
            }
        } else {
            return ctx.error(errors::SYNTAX);
        }
        j += 1;
    }
    match probe(ctx, key, true) {
        Found::Missing if count.is_some() => return ctx.reply.array(0),
        Found::Missing => return ctx.reply.null(),
        Found::WrongType => return ctx.wrong_type(),
        Found::List => {}
    }
    let dbi = ctx.dbi;
    let now = ctx.now_ms;
    let Some(e) = ctx.state.db(dbi, key).lookup(key, now) else {
        return;
    };
    let Value::List(l) = &e.value else { return };
    let needle = Needle::new(args.get(2));
    let forward = rank > 0;
    // As Redis: a negative rank is negated in C (LONG_MIN stays LONG_MIN, which every
    // match then reaches).
    if rank < 0 {
        rank = rank.wrapping_neg();
    }
    let llen = l.len() as i64;
    let items: &mut dyn Iterator<Item = Item<'_>> = if forward {
        &mut l.iter()
    } else {
        &mut l.iter_rev()
    };
    let (mut index, mut matches): (i64, i64) = (0, 0);
    let mut found: Vec<i64> = Vec::new();
    for it in items {
        if maxlen != 0 && index >= maxlen {
            break;
        }
        if needle.matches(it) {
            matches += 1;
            if matches >= rank {
                found.push(if forward { index } else { llen - index - 1 });
                match count {
                    None => break,
                    Some(c) => {
                        if c != 0 && matches.wrapping_sub(rank).wrapping_add(1) >= c {
                            break;
                        }
                    }
                }
            }
        }
        index += 1;
    }
    match count {
        Some(_) => {
            ctx.reply.array(found.len());
            for i in found {
                ctx.reply.int(i);
            }
        }
        None => match found.first() {
            Some(&i) => ctx.reply.int(i),
            None => ctx.reply.null(),
        },
    }
}

// ---------------------------------------------------------------------------------------
// Writes in place

/// LSET key index element
fn lset(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let key = args.get(1);
    match probe(ctx, key, false) {
        Found::Missing => return ctx.error(errors::NO_SUCH_KEY),
        Found::WrongType => return ctx.wrong_type(),
        Found::List => {}
    }
    let Some(index) = parse_long(args.get(2)) else {
        return ctx.error(errors::NOT_INTEGER);
    };
    let l = list_at(ctx, key);
    let len = l.len() as i64;
    let i = if index < 0 { len + index } else { index };
    if i < 0 || i >= len {
        return ctx.error(errors::LIST_INDEX_OUT_OF_RANGE);
    }
    l.set(i as usize, Item::of(args.get(3)));
    ctx.dirty(1);
    ctx.notify(LIST, "lset", key);
    ctx.reply.ok();
}

/// LINSERT key BEFORE|AFTER pivot element
fn linsert(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let key = args.get(1);
    let wh = args.get(2);
    let after = if wh.eq_ignore_ascii_case(b"after") {
        true
    } else if wh.eq_ignore_ascii_case(b"before") {
        false
    } else {
        return ctx.error(errors::SYNTAX);
    };
    match probe(ctx, key, false) {
        Found::Missing => return ctx.reply.int(0),
        Found::WrongType => return ctx.wrong_type(),
        Found::List => {}
    }
    let l = list_at(ctx, key);
    let needle = Needle::new(args.get(3));
    let Some(pos) = l.iter().position(|it| needle.matches(it)) else {
        return ctx.reply.int(-1);
    };
    l.insert(pos + after as usize, Item::of(args.get(4)));
    let len = l.len();
    ctx.dirty(1);
    ctx.notify(LIST, "linsert", key);
    ctx.reply.int(len as i64);
}

/// LREM key count element
fn lrem(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let key = args.get(1);
    let Some(count) = parse_long(args.get(2)) else {
        return ctx.error(errors::NOT_INTEGER);
    };
    match probe(ctx, key, false) {
        Found::Missing => return ctx.reply.int(0),
        Found::WrongType => return ctx.wrong_type(),
        Found::List => {}
    }
    let l = list_at(ctx, key);
    let limit = usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX);
    let removed = l.remove_matching(&Needle::new(args.get(3)), limit, count < 0);
    let deleted = delete_if_empty(ctx, key);
    ctx.dirty(removed as u64);
    if removed > 0 {
        ctx.notify(LIST, "lrem", key);
    }
    if deleted {
        ctx.notify(GENERIC, "del", key);
    }
    ctx.reply.int(removed as i64);
}

/// LTRIM key start stop
fn ltrim(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let key = args.get(1);
    let (Some(start), Some(end)) = (parse_long(args.get(2)), parse_long(args.get(3))) else {
        return ctx.error(errors::NOT_INTEGER);
    };
    match probe(ctx, key, false) {
        Found::Missing => return ctx.reply.ok(),
        Found::WrongType => return ctx.wrong_type(),
        Found::List => {}
    }
    let l = list_at(ctx, key);
    let len = l.len();
    let (ltrim, rtrim) = match range(start, end, len) {
        None => (len, 0),
        Some((s, e)) => (s, len - e - 1),
    };
    l.remove_front(ltrim);
    l.remove_back(rtrim);
    let deleted = delete_if_empty(ctx, key);
    notify_changed(ctx, "ltrim", key, deleted);
    // Redis signals the key modified even when nothing was trimmed (WATCH sees it).
    ctx.dirty(((ltrim + rtrim) as u64).max(1));
    ctx.reply.ok();
}

// ---------------------------------------------------------------------------------------
// Moves

/// Pops from `src` and pushes to `dst` (Redis's `lmoveGenericCommand`).
fn lmove_generic(ctx: &mut Ctx<'_>, src: &[u8], dst: &[u8], from_left: bool, to_left: bool) {
    match probe(ctx, src, false) {
        Found::Missing => return ctx.reply.null(),
        Found::WrongType => return ctx.wrong_type(),
        Found::List => {}
    }
    let same = src == dst;
    let dst_exists = if same {
        true
    } else {
        match probe(ctx, dst, false) {
            Found::WrongType => return ctx.wrong_type(),
            Found::Missing => false,
            Found::List => true,
        }
    };
    let l = list_at(ctx, src);
    let v: Owned = match if from_left {
        l.pop_front()
    } else {
        l.pop_back()
    } {
        Some(v) => v,
        None => return ctx.reply.null(),
    };
    let mut src_deleted = false;
    if !same {
        src_deleted = delete_if_empty(ctx, src);
        if !dst_exists {
            let fill = ctx.state.config.list_max_listpack_size;
            ctx.state
                .db(ctx.dbi, dst)
                .set(dst, Value::List(Box::new(List::new(fill))), 0);
        }
    }
    let d = list_at(ctx, dst);
    if to_left {
        d.push_item_front(v.item());
    } else {
        d.push_item_back(v.item());
    }
    ctx.dirty(1);
    // As Redis: the push (and the destination's creation) first, then the pop.
    ctx.notify(LIST, push_event(to_left), dst);
    notify_changed(ctx, pop_event(from_left), src, src_deleted);
    reply_item(&mut ctx.reply, v.item());
}

/// LMOVE source destination LEFT|RIGHT LEFT|RIGHT
fn lmove(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let (Some(from), Some(to)) = (parse_where(args.get(3)), parse_where(args.get(4))) else {
        return ctx.error(errors::SYNTAX);
    };
    lmove_generic(ctx, args.get(1), args.get(2), from, to)
}

/// RPOPLPUSH source destination
fn rpoplpush(ctx: &mut Ctx<'_>, args: Args<'_>) {
    lmove_generic(ctx, args.get(1), args.get(2), false, true)
}

/// BLMOVE and BRPOPLPUSH once their arguments parsed (Redis's `blmoveGenericCommand`): the
/// source decides whether it moves now or blocks.
fn blmove_generic(ctx: &mut Ctx<'_>, args: Args<'_>, from_left: bool, to_left: bool, t: &[u8]) {
    let deadline = match block::parse_timeout(t, ctx.now_ms) {
        Ok(d) => d,
        Err(text) => return ctx.error(text),
    };
    match probe(ctx, args.get(1), false) {
        Found::WrongType => ctx.wrong_type(),
        Found::Missing => ctx.block_until(deadline),
        Found::List => lmove_generic(ctx, args.get(1), args.get(2), from_left, to_left),
    }
}

/// BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout
fn blmove(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let (Some(from), Some(to)) = (parse_where(args.get(3)), parse_where(args.get(4))) else {
        return ctx.error(errors::SYNTAX);
    };
    blmove_generic(ctx, args, from, to, args.get(5))
}

/// BRPOPLPUSH source destination timeout
fn brpoplpush(ctx: &mut Ctx<'_>, args: Args<'_>) {
    blmove_generic(ctx, args, false, true, args.get(3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_follow_redis() {
        assert_eq!(range(0, -1, 5), Some((0, 4)));
        assert_eq!(range(-100, 100, 5), Some((0, 4)));
        assert_eq!(range(3, 1, 5), None);
        assert_eq!(range(5, 10, 5), None);
        assert_eq!(range(i64::MIN, i64::MAX, 5), Some((0, 4)));
        assert_eq!(range(0, -6, 5), None);
        assert_eq!(range(0, 0, 0), None);
    }
}
