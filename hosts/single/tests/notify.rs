//! Keyspace notifications (`notify-keyspace-events`) through the in-process host: a
//! listener on `__key*__:*` sees what each command publishes, as Redis 7.0 does (the
//! expected events were taken from redis-server 7.0.15).

use anax_core::{ConnId, Host};
use anax_host_single::SingleHost;
use anax_protocol::{OwnedArgs, Value};
use std::cell::Cell;

/// A host with a listener subscribed to every keyspace and keyevent channel, and
/// notifications set to `flags`.
fn setup(flags: &str) -> (SingleHost, ConnId, ConnId) {
    let mut h = SingleHost::new();
    let (sub, c) = (h.connect(), h.connect());
    assert_eq!(
        h.run_on(c, &["CONFIG", "SET", "notify-keyspace-events", flags]),
        Value::ok()
    );
    h.run_on(sub, &["PSUBSCRIBE", "__key*__:*"]);
    assert!(h.pushes(sub).is_empty());
    (h, sub, c)
}

/// What `sub` received since the last call, one `channel payload` string a message.
fn events(h: &mut SingleHost, sub: ConnId) -> Vec<String> {
    h.pushes(sub)
        .into_iter()
        .map(|v| match v {
            Value::Array(parts) => match &parts[..] {
                [Value::Bulk(kind), Value::Bulk(_), Value::Bulk(ch), Value::Bulk(msg)]
                    if kind == b"pmessage" =>
                {
                    format!(
                        "{} {}",
                        String::from_utf8_lossy(ch),
                        String::from_utf8_lossy(msg)
                    )
                }
                other => panic!("not a pmessage: {other:?}"),
            },
            other => panic!("not a pmessage: {other:?}"),
        })
        .collect()
}

/// The two messages of one event on `key` of database 0 (K and E).
fn ev(event: &str, key: &str) -> [String; 2] {
    [
        format!("__keyspace@0__:{key} {event}"),
        format!("__keyevent@0__:{event} {key}"),
    ]
}

/// The messages of several events, in order.
fn evs(list: &[(&str, &str)]) -> Vec<String> {
    list.iter().flat_map(|(e, k)| ev(e, k)).collect()
}

#[test]
fn nothing_is_published_by_default() {
    let mut h = SingleHost::new();
    let (sub, c) = (h.connect(), h.connect());
    h.run_on(sub, &["PSUBSCRIBE", "__key*__:*"]);
    h.pushes(sub);
    h.run_on(c, &["SET", "k", "v"]);
    h.run_on(c, &["DEL", "k"]);
    h.run_on(c, &["LPUSH", "l", "a"]);
    assert!(h.pushes(sub).is_empty());
    // Classes without K or E publish nothing either.
    h.run_on(c, &["CONFIG", "SET", "notify-keyspace-events", "A"]);
    h.run_on(c, &["SET", "k", "v"]);
    assert!(h.pushes(sub).is_empty());
}

#[test]
fn strings() {
    let (mut h, sub, c) = setup("KEA");
    h.run_on(c, &["SET", "k", "v"]);
    assert_eq!(events(&mut h, sub), evs(&[("set", "k")]));
    h.run_on(c, &["SET", "k", "v", "EX", "100"]);
    assert_eq!(events(&mut h, sub), evs(&[("set", "k"), ("expire", "k")]));
    // Refused or failed writes publish nothing.
    h.run_on(c, &["SET", "k", "v", "NX"]);
    h.run_on(c, &["SETNX", "k", "v"]);
    h.run_on(c, &["INCR", "k"]);
    h.run_on(c, &["SET", "k", "v", "EX", "0"]);
    assert!(events(&mut h, sub).is_empty());
    h.run_on(c, &["SETEX", "k", "10", "v"]);
    h.run_on(c, &["GETSET", "k", "x"]);
    h.run_on(c, &["INCRBY", "n", "5"]);
    h.run_on(c, &["DECR", "n"]);
    h.run_on(c, &["INCRBYFLOAT", "n", "1.5"]);
    h.run_on(c, &["APPEND", "n", "0"]);
    h.run_on(c, &["SETRANGE", "n", "0", "7"]);
    h.run_on(c, &["SETRANGE", "n", "0", ""]);
    h.run_on(c, &["SETBIT", "b", "3", "1"]);
    h.run_on(c, &["SETBIT", "b", "3", "1"]);
    assert_eq!(
        events(&mut h, sub),
        evs(&[
            ("set", "k"),
            ("expire", "k"),
            ("set", "k"),
            ("incrby", "n"),
            ("incrby", "n"),
            ("incrbyfloat", "n"),
            ("append", "n"),
            ("setrange", "n"),
            ("setbit", "b"),
        ])
    );
    h.run_on(c, &["MSET", "{t}a", "1", "{t}b", "2"]);
    h.run_on(c, &["MSETNX", "{t}a", "1", "{t}c", "2"]);
    h.run_on(c, &["GETEX", "k"]);
    h.run_on(c, &["GETEX", "k", "PX", "5000"]);
    h.run_on(c, &["GETEX", "k", "PERSIST"]);
    h.run_on(c, &["GETEX", "k", "PERSIST"]);
    h.run_on(c, &["GETEX", "k", "PXAT", "1"]);
    h.run_on(c, &["GETDEL", "b"]);
    h.run_on(c, &["GETDEL", "b"]);
    assert_eq!(
        events(&mut h, sub),
        evs(&[
            ("set", "{t}a"),
            ("set", "{t}b"),
            ("expire", "k"),
            ("persist", "k"),
            ("del", "k"),
            ("del", "b"),
        ])
    );
}

#[test]
fn new_keys_with_n() {
    let (mut h, sub, c) = setup("KEAn");
    h.run_on(c, &["SET", "k", "v"]);
    h.run_on(c, &["SET", "k", "w"]);
    h.run_on(c, &["RPUSH", "l", "a"]);
    h.run_on(c, &["RPUSH", "l", "b"]);
    h.run_on(c, &["RENAME", "k", "k2"]);
    h.run_on(c, &["COPY", "k2", "k3"]);
    assert_eq!(
        events(&mut h, sub),
        evs(&[
            ("new", "k"),
            ("set", "k"),
            ("set", "k"),
            ("new", "l"),
            ("rpush", "l"),
            ("rpush", "l"),
            ("new", "k2"),
            ("rename_from", "k"),
            ("rename_to", "k2"),
            ("new", "k3"),
            ("copy_to", "k3"),
        ])
    );
    // `n` alone: only created keys.
    h.run_on(c, &["CONFIG", "SET", "notify-keyspace-events", "En"]);
    h.run_on(c, &["HSET", "h", "f", "v"]);
    h.run_on(c, &["HSET", "h", "g", "v"]);
    h.run_on(c, &["DEL", "h"]);
    assert_eq!(events(&mut h, sub), ["__keyevent@0__:new h"]);
}

#[test]
fn generic_commands() {
    let (mut h, sub, c) = setup("KEA");
    h.run_on(c, &["SET", "{t}a", "1"]);
    h.run_on(c, &["SET", "{t}b", "1"]);
    events(&mut h, sub);
    h.run_on(c, &["DEL", "{t}a", "{t}b", "{t}zz"]);
    h.run_on(c, &["DEL", "{t}a"]);
    assert_eq!(
        events(&mut h, sub),
        evs(&[("del", "{t}a"), ("del", "{t}b")])
    );
    h.run_on(c, &["SET", "k", "1"]);
    h.run_on(c, &["EXPIRE", "k", "100"]);
    h.run_on(c, &["EXPIRE", "k", "100", "NX"]);
    h.run_on(c, &["PEXPIRE", "k", "200000"]);
    h.run_on(c, &["PERSIST", "k"]);
    h.run_on(c, &["PERSIST", "k"]);
    h.run_on(c, &["EXPIRE", "k", "-1"]);
    h.run_on(c, &["EXPIRE", "k", "10"]);
    assert_eq!(
        events(&mut h, sub),
        evs(&[
            ("set", "k"),
            ("expire", "k"),
            ("expire", "k"),
            ("persist", "k"),
            ("del", "k"),
        ])
    );
    h.run_on(c, &["SET", "a", "1"]);
    h.run_on(c, &["SET", "b", "1"]);
    h.run_on(c, &["RENAME", "a", "b"]);
    h.run_on(c, &["RENAME", "b", "b"]);
    h.run_on(c, &["RENAMENX", "b", "c"]);
    h.run_on(c, &["SET", "d", "1"]);
    h.run_on(c, &["RENAMENX", "c", "d"]);
    h.run_on(c, &["MOVE", "c", "1"]);
    h.run_on(c, &["COPY", "d", "e", "DB", "2"]);
    h.run_on(c, &["COPY", "d", "e", "DB", "2"]);
    assert_eq!(
        events(&mut h, sub),
        [
            ev("set", "a").to_vec(),
            ev("set", "b").to_vec(),
            evs(&[("rename_from", "a"), ("rename_to", "b")]),
            evs(&[("rename_from", "b"), ("rename_to", "c")]),
            ev("set", "d").to_vec(),
            vec![
                "__keyspace@0__:c move_from".into(),
                "__keyevent@0__:move_from c".into(),
                "__keyspace@1__:c move_to".into(),
                "__keyevent@1__:move_to c".into(),
                "__keyspace@2__:e copy_to".into(),
                "__keyevent@2__:copy_to e".into(),
            ],
        ]
        .concat()
    );
    // FLUSHDB, FLUSHALL and SWAPDB publish nothing.
    h.run_on(c, &["SWAPDB", "0", "1"]);
    h.run_on(c, &["FLUSHDB"]);
    h.run_on(c, &["FLUSHALL"]);
    assert!(events(&mut h, sub).is_empty());
}

#[test]
fn lists() {
    let (mut h, sub, c) = setup("KEA");
    h.run_on(c, &["LPUSH", "l", "a", "b", "c"]);
    h.run_on(c, &["RPUSHX", "l", "d"]);
    h.run_on(c, &["LPUSHX", "none", "d"]);
    h.run_on(c, &["LPOP", "l"]);
    h.run_on(c, &["RPOP", "l", "1"]);
    h.run_on(c, &["LINSERT", "l", "BEFORE", "a", "x"]);
    h.run_on(c, &["LINSERT", "l", "BEFORE", "zz", "x"]);
    h.run_on(c, &["LSET", "l", "0", "y"]);
    h.run_on(c, &["LREM", "l", "0", "zz"]);
    h.run_on(c, &["LREM", "l", "1", "y"]);
    h.run_on(c, &["LTRIM", "l", "0", "-1"]);
    assert_eq!(
        events(&mut h, sub),
        evs(&[
            ("lpush", "l"),
            ("rpush", "l"),
            ("lpop", "l"),
            ("rpop", "l"),
            ("linsert", "l"),
            ("lset", "l"),
            ("lrem", "l"),
            ("ltrim", "l"),
        ])
    );
    // The key goes with its last element: `del` after the command's event.
    h.run_on(c, &["LTRIM", "l", "5", "10"]);
    h.run_on(c, &["RPUSH", "{q}src", "a", "b"]);
    h.run_on(c, &["LMOVE", "{q}src", "{q}dst", "LEFT", "RIGHT"]);
    h.run_on(c, &["RPOPLPUSH", "{q}src", "{q}dst"]);
    h.run_on(c, &["LMPOP", "1", "{q}dst", "LEFT", "COUNT", "5"]);
    assert_eq!(
        events(&mut h, sub),
        evs(&[
            ("ltrim", "l"),
            ("del", "l"),
            ("rpush", "{q}src"),
            ("rpush", "{q}dst"),
            ("lpop", "{q}src"),
            ("lpush", "{q}dst"),
            ("rpop", "{q}src"),
            ("del", "{q}src"),
            ("lpop", "{q}dst"),
            ("del", "{q}dst"),
        ])
    );
}

#[test]
fn a_served_blocked_pop_publishes_as_the_command() {
    let (mut h, sub, c) = setup("KEA");
    let w = h.connect();
    assert_eq!(h.try_run_on(w, &["BLPOP", "q", "0"]), None);
    h.run_on(c, &["RPUSH", "q", "1", "2"]);
    assert!(h.blocked_reply(w).is_some());
    assert_eq!(events(&mut h, sub), evs(&[("rpush", "q"), ("lpop", "q")]));
    assert_eq!(h.try_run_on(w, &["BZPOPMIN", "z", "0"]), None);
    h.run_on(c, &["ZADD", "z", "1", "a"]);
    assert!(h.blocked_reply(w).is_some());
    assert_eq!(
        events(&mut h, sub),
        evs(&[("zadd", "z"), ("zpopmin", "z"), ("del", "z")])
    );
}

#[test]
fn hashes() {
    let (mut h, sub, c) = setup("KEA");
    h.run_on(c, &["HSET", "h", "a", "1", "b", "2"]);
    h.run_on(c, &["HSET", "h", "a", "1"]);
    h.run_on(c, &["HSETNX", "h", "a", "2"]);
    h.run_on(c, &["HSETNX", "h", "c", "3"]);
    h.run_on(c, &["HMSET", "h", "d", "4"]);
    h.run_on(c, &["HINCRBY", "h", "n", "1"]);
    h.run_on(c, &["HINCRBYFLOAT", "h", "f", "1.5"]);
    h.run_on(c, &["HINCRBY", "h", "f", "1"]);
    h.run_on(c, &["HDEL", "h", "zz"]);
    h.run_on(c, &["HDEL", "h", "a", "b"]);
    h.run_on(c, &["HDEL", "h", "c", "d", "n", "f"]);
    assert_eq!(
        events(&mut h, sub),
        evs(&[
            ("hset", "h"),
            ("hset", "h"),
            ("hset", "h"),
            ("hset", "h"),
            ("hincrby", "h"),
            ("hincrbyfloat", "h"),
            ("hdel", "h"),
            ("hdel", "h"),
            ("del", "h"),
        ])
    );
}

#[test]
fn sets() {
    let (mut h, sub, c) = setup("KEA");
    h.run_on(c, &["SADD", "{s}a", "x", "y"]);
    h.run_on(c, &["SADD", "{s}a", "x"]);
    h.run_on(c, &["SREM", "{s}a", "zz"]);
    h.run_on(c, &["SREM", "{s}a", "x"]);
    h.run_on(c, &["SMOVE", "{s}a", "{s}b", "y"]);
    h.run_on(c, &["SMOVE", "{s}b", "{s}b", "y"]);
    h.run_on(c, &["SPOP", "{s}b"]);
    assert_eq!(
        events(&mut h, sub),
        evs(&[
            ("sadd", "{s}a"),
            ("srem", "{s}a"),
            ("srem", "{s}a"),
            ("del", "{s}a"),
            ("sadd", "{s}b"),
            ("spop", "{s}b"),
            ("del", "{s}b"),
        ])
    );
    h.run_on(c, &["SADD", "{s}a", "1", "2", "3"]);
    h.run_on(c, &["SADD", "{s}b", "2", "3", "4"]);
    h.run_on(c, &["SINTERSTORE", "{s}d", "{s}a", "{s}b"]);
    h.run_on(c, &["SUNIONSTORE", "{s}d", "{s}a", "{s}b"]);
    h.run_on(c, &["SDIFFSTORE", "{s}d", "{s}a", "{s}b"]);
    h.run_on(c, &["SINTERSTORE", "{s}d", "{s}a", "{s}none"]);
    h.run_on(c, &["SINTERSTORE", "{s}d", "{s}a", "{s}none"]);
    h.run_on(c, &["SPOP", "{s}a", "0"]);
    h.run_on(c, &["SPOP", "{s}a", "1"]);
    h.run_on(c, &["SPOP", "{s}a", "5"]);
    assert_eq!(
        events(&mut h, sub),
        evs(&[
            ("sadd", "{s}a"),
            ("sadd", "{s}b"),
            ("sinterstore", "{s}d"),
            ("sunionstore", "{s}d"),
            ("sdiffstore", "{s}d"),
            ("del", "{s}d"),
            ("spop", "{s}a"),
            ("spop", "{s}a"),
            ("del", "{s}a"),
        ])
    );
}

#[test]
fn sorted_sets() {
    let (mut h, sub, c) = setup("KEA");
    h.run_on(c, &["ZADD", "z", "1", "a", "2", "b"]);
    h.run_on(c, &["ZADD", "z", "1", "a"]);
    h.run_on(c, &["ZADD", "z", "5", "a"]);
    h.run_on(c, &["ZADD", "z", "XX", "9", "zz"]);
    h.run_on(c, &["ZADD", "z", "INCR", "1", "a"]);
    h.run_on(c, &["ZADD", "z", "LT", "INCR", "1", "a"]);
    h.run_on(c, &["ZINCRBY", "z", "1", "b"]);
    h.run_on(c, &["ZREM", "z", "zz"]);
    h.run_on(c, &["ZREM", "z", "a"]);
    h.run_on(c, &["ZADD", "z", "1", "c", "2", "d", "3", "e", "4", "f"]);
    h.run_on(c, &["ZREMRANGEBYSCORE", "z", "100", "200"]);
    h.run_on(c, &["ZREMRANGEBYSCORE", "z", "1", "1"]);
    h.run_on(c, &["ZREMRANGEBYRANK", "z", "0", "0"]);
    h.run_on(c, &["ZREMRANGEBYLEX", "z", "[e", "[e"]);
    h.run_on(c, &["ZPOPMIN", "z", "0"]);
    h.run_on(c, &["ZPOPMAX", "z"]);
    h.run_on(c, &["ZMPOP", "1", "z", "MIN", "COUNT", "9"]);
    assert_eq!(
        events(&mut h, sub),
        evs(&[
            ("zadd", "z"),
            ("zadd", "z"),
            ("zincr", "z"),
            ("zincr", "z"),
            ("zrem", "z"),
            ("zadd", "z"),
            ("zremrangebyscore", "z"),
            ("zremrangebyrank", "z"),
            ("zremrangebylex", "z"),
            ("zpopmax", "z"),
            ("zpopmin", "z"),
            ("del", "z"),
        ])
    );
    h.run_on(c, &["ZADD", "{z}a", "1", "a", "2", "b"]);
    h.run_on(c, &["ZADD", "{z}b", "2", "b", "3", "c"]);
    h.run_on(c, &["ZUNIONSTORE", "{z}d", "2", "{z}a", "{z}b"]);
    h.run_on(c, &["ZINTERSTORE", "{z}d", "2", "{z}a", "{z}b"]);
    h.run_on(c, &["ZDIFFSTORE", "{z}d", "2", "{z}a", "{z}b"]);
    h.run_on(c, &["ZRANGESTORE", "{z}r", "{z}a", "0", "-1"]);
    h.run_on(c, &["ZRANGESTORE", "{z}r", "{z}a", "5", "10"]);
    h.run_on(c, &["ZINTERSTORE", "{z}d", "2", "{z}a", "{z}none"]);
    assert_eq!(
        events(&mut h, sub),
        evs(&[
            ("zadd", "{z}a"),
            ("zadd", "{z}b"),
            ("zunionstore", "{z}d"),
            ("zinterstore", "{z}d"),
            ("zdiffstore", "{z}d"),
            ("zrangestore", "{z}r"),
            ("del", "{z}r"),
            ("del", "{z}d"),
        ])
    );
}

#[test]
fn restore() {
    let (mut h, sub, c) = setup("KEAn");
    h.run_on(c, &["SET", "k", "v"]);
    let Value::Bulk(payload) = h.run_on(c, &["DUMP", "k"]) else {
        panic!("DUMP")
    };
    events(&mut h, sub);
    let restore = |h: &mut SingleHost, args: &[&[u8]]| {
        let mut all: Vec<&[u8]> = vec![b"RESTORE"];
        all.extend_from_slice(args);
        h.run_on(c, &all)
    };
    assert!(matches!(
        restore(&mut h, &[b"k", b"0", &payload]),
        Value::Error(_)
    ));
    restore(&mut h, &[b"k2", b"0", &payload]);
    restore(&mut h, &[b"k", b"5000", &payload, b"REPLACE"]);
    restore(&mut h, &[b"k", b"1", &payload, b"REPLACE", b"ABSTTL"]);
    assert_eq!(
        events(&mut h, sub),
        evs(&[
            ("new", "k2"),
            ("restore", "k2"),
            ("new", "k"),
            ("restore", "k"),
            ("del", "k"),
        ])
    );
}

#[test]
fn class_filtering() {
    let (mut h, sub, c) = setup("Kl");
    h.run_on(c, &["SET", "k", "v"]);
    h.run_on(c, &["LPUSH", "l", "a"]);
    h.run_on(c, &["HSET", "h", "f", "v"]);
    h.run_on(c, &["DEL", "l"]);
    assert_eq!(events(&mut h, sub), ["__keyspace@0__:l lpush"]);
    h.run_on(c, &["CONFIG", "SET", "notify-keyspace-events", "Eg$"]);
    h.run_on(c, &["SET", "k", "v"]);
    h.run_on(c, &["LPUSH", "l", "a"]);
    h.run_on(c, &["DEL", "l"]);
    assert_eq!(
        events(&mut h, sub),
        ["__keyevent@0__:set k", "__keyevent@0__:del l"]
    );
    h.run_on(c, &["CONFIG", "SET", "notify-keyspace-events", ""]);
    h.run_on(c, &["SET", "k", "v"]);
    assert!(events(&mut h, sub).is_empty());
}

#[test]
fn key_misses_with_m() {
    let (mut h, sub, c) = setup("Em");
    h.run_on(c, &["GET", "a"]);
    h.run_on(c, &["MGET", "{t}a", "{t}b"]);
    h.run_on(c, &["EXISTS", "a"]);
    h.run_on(c, &["HGET", "a", "f"]);
    h.run_on(c, &["ZSCORE", "a", "m"]);
    h.run_on(c, &["SINTERSTORE", "{t}d", "{t}a"]);
    // Writes and OBJECT do not count.
    h.run_on(c, &["OBJECT", "ENCODING", "a"]);
    h.run_on(c, &["LPOP", "a"]);
    h.run_on(c, &["SET", "s", "x"]);
    h.run_on(c, &["GET", "s"]);
    assert_eq!(
        events(&mut h, sub),
        [
            "__keyevent@0__:keymiss a",
            "__keyevent@0__:keymiss {t}a",
            "__keyevent@0__:keymiss {t}b",
            "__keyevent@0__:keymiss a",
            "__keyevent@0__:keymiss a",
            "__keyevent@0__:keymiss a",
            "__keyevent@0__:keymiss {t}a",
        ]
    );
}

#[test]
fn the_active_expiry_cycle_publishes_expired() {
    let (mut h, sub, c) = setup("KEA");
    h.run_on(c, &["SET", "k", "v", "PX", "100"]);
    h.run_on(c, &["SELECT", "3"]);
    h.run_on(c, &["SET", "k3", "v", "PX", "100"]);
    events(&mut h, sub);
    h.advance(50);
    assert!(events(&mut h, sub).is_empty());
    h.advance(100);
    let mut got = events(&mut h, sub);
    got.sort();
    assert_eq!(
        got,
        [
            "__keyevent@0__:expired k",
            "__keyevent@3__:expired k3",
            "__keyspace@0__:k expired",
            "__keyspace@3__:k3 expired",
        ]
    );
    // `x` off: nothing.
    h.run_on(c, &["CONFIG", "SET", "notify-keyspace-events", "KEg$"]);
    h.run_on(c, &["SET", "k", "v", "PX", "100"]);
    events(&mut h, sub);
    h.advance(200);
    assert!(events(&mut h, sub).is_empty());
}

/// A host whose clock moves without running the periodic work, so that only lookups
/// expire keys.
struct Frozen(Cell<u64>);

impl Host for Frozen {
    fn now_us(&self) -> u64 {
        self.0.get()
    }
}

fn run(h: &mut SingleHost, clock: &Frozen, c: ConnId, args: &[&str]) -> Vec<u8> {
    let owned = OwnedArgs::from_iter(args.iter().map(|a| a.as_bytes()));
    let mut out = Vec::new();
    h.engine().execute(c, owned.as_args(), clock, &mut out);
    out
}

#[test]
fn lazy_expiry_publishes_expired_before_the_commands_events() {
    let (mut h, sub, c) = setup("KEAn");
    let clock = Frozen(Cell::new(h.now_ms() * 1000));
    for k in ["a", "b", "c", "d", "e", "f"] {
        run(&mut h, &clock, c, &["SET", k, "v", "PX", "100"]);
    }
    run(&mut h, &clock, c, &["SET", "g", "v"]);
    events(&mut h, sub);
    clock.0.set(clock.0.get() + 200_000);
    // A read: `expired`, nothing else.
    assert_eq!(run(&mut h, &clock, c, &["GET", "a"]), b"$-1\r\n");
    assert_eq!(events(&mut h, sub), evs(&[("expired", "a")]));
    // A write over it: `expired`, then `new` and the command's own event.
    run(&mut h, &clock, c, &["SET", "b", "w"]);
    run(&mut h, &clock, c, &["LPUSH", "c", "x"]);
    assert_eq!(
        events(&mut h, sub),
        evs(&[
            ("expired", "b"),
            ("new", "b"),
            ("set", "b"),
            ("expired", "c"),
            ("new", "c"),
            ("lpush", "c"),
        ])
    );
    // RENAME over an expired key, EXISTS and DEL of expired keys.
    run(&mut h, &clock, c, &["RENAME", "g", "d"]);
    run(&mut h, &clock, c, &["EXISTS", "e"]);
    run(&mut h, &clock, c, &["DEL", "f"]);
    assert_eq!(
        events(&mut h, sub),
        evs(&[
            ("expired", "d"),
            ("new", "d"),
            ("rename_from", "g"),
            ("rename_to", "d"),
            ("expired", "e"),
            ("expired", "f"),
        ])
    );
}
