//! The keyspace family through the single host: DEL, UNLINK, EXISTS, TYPE, KEYS, SCAN,
//! RANDOMKEY, RENAME(NX), MOVE, COPY, TOUCH, the EXPIRE and TTL commands, PERSIST, OBJECT;
//! and a differential test against a real redis-server.

mod common;

use anax_core::shard::shard_of;
use anax_core::value::Value as Stored;
use anax_host_single::SingleHost;
use anax_protocol::Value;
use common::{script, Cmp};
use std::collections::{BTreeSet, HashSet};

fn int(n: i64) -> Value {
    Value::Int(n)
}

fn bulk(s: &str) -> Value {
    Value::bulk(s)
}

fn simple(s: &str) -> Value {
    Value::Simple(s.as_bytes().to_vec())
}

fn err(s: &str) -> Value {
    Value::err(s)
}

/// Runs a command on the default connection.
fn run<A: AsRef<[u8]>>(h: &mut SingleHost, args: &[A]) -> Value {
    h.run(args)
}

/// Runs a command written as one line (`common::split` syntax).
fn r(h: &mut SingleHost, line: &str) -> Value {
    run(h, &common::split(line))
}

fn sorted_bulks(v: Value) -> Vec<Vec<u8>> {
    match v {
        Value::Array(items) => {
            let mut out: Vec<Vec<u8>> = items
                .into_iter()
                .map(|i| match i {
                    Value::Bulk(b) => b,
                    other => panic!("not a bulk: {other:?}"),
                })
                .collect();
            out.sort();
            out
        }
        other => panic!("not an array: {other:?}"),
    }
}

fn dbsize(h: &mut SingleHost) -> i64 {
    match r(h, "DBSIZE") {
        Value::Int(n) => n,
        other => panic!("DBSIZE answered {other:?}"),
    }
}

/// Two keys owned by different shards.
fn keys_in_two_shards(n: usize) -> (String, String) {
    let a = String::from("k0");
    let sa = shard_of(a.as_bytes(), n);
    let b = (1..)
        .map(|i| format!("k{i}"))
        .find(|k| shard_of(k.as_bytes(), n) != sa)
        .unwrap();
    (a, b)
}

// -------------------------------------------------------------------------------------------
// DEL, UNLINK, EXISTS, TOUCH, TYPE

#[test]
fn del_counts_each_existing_key_once() {
    let mut h = SingleHost::new();
    r(&mut h, "SET a 1");
    r(&mut h, "SET b 2");
    let dirty = h.engine().state.dirty;
    assert_eq!(r(&mut h, "DEL a a b nokey"), int(2));
    assert_eq!(h.engine().state.dirty - dirty, 2);
    assert_eq!(r(&mut h, "EXISTS a b"), int(0));
    assert_eq!(r(&mut h, "DEL a"), int(0));
    assert_eq!(
        r(&mut h, "DEL"),
        err("ERR wrong number of arguments for 'del' command")
    );
}

#[test]
fn unlink_is_del() {
    let mut h = SingleHost::new();
    r(&mut h, "MSET a 1 b 2 c 3");
    assert_eq!(r(&mut h, "UNLINK a a b nokey"), int(2));
    assert_eq!(r(&mut h, "EXISTS a b c"), int(1));
    assert_eq!(
        r(&mut h, "UNLINK"),
        err("ERR wrong number of arguments for 'unlink' command")
    );
}

#[test]
fn del_many_keys_across_shards() {
    let mut h = SingleHost::new();
    let keys: Vec<String> = (0..200).map(|i| format!("key:{i}")).collect();
    for k in &keys {
        run(&mut h, &["SET", k, "v"]);
    }
    let per_shard: Vec<usize> = h
        .engine()
        .state
        .shards
        .iter()
        .map(|s| s.dbs[0].len())
        .collect();
    assert!(
        per_shard.iter().all(|&n| n > 0),
        "keys should spread: {per_shard:?}"
    );
    let mut args = vec!["DEL".to_string()];
    args.extend(keys.iter().cloned());
    args.push("missing".into());
    assert_eq!(run(&mut h, &args), int(200));
    assert_eq!(dbsize(&mut h), 0);
}

#[test]
fn exists_counts_duplicates_and_hits() {
    let mut h = SingleHost::new();
    r(&mut h, "SET e 1");
    let (hits, misses) = {
        let s = &h.engine().state.stats;
        (s.keyspace_hits, s.keyspace_misses)
    };
    assert_eq!(r(&mut h, "EXISTS e e e nokey"), int(3));
    let s = &h.engine().state.stats;
    assert_eq!((s.keyspace_hits - hits, s.keyspace_misses - misses), (3, 1));
    assert_eq!(r(&mut h, "EXISTS nokey"), int(0));
    assert_eq!(
        r(&mut h, "EXISTS"),
        err("ERR wrong number of arguments for 'exists' command")
    );
}

#[test]
fn touch_counts_existing_keys() {
    let mut h = SingleHost::new();
    r(&mut h, "MSET e 1 f 2");
    assert_eq!(r(&mut h, "TOUCH e e f nokey"), int(3));
    assert_eq!(r(&mut h, "TOUCH nokey"), int(0));
    assert_eq!(
        r(&mut h, "TOUCH"),
        err("ERR wrong number of arguments for 'touch' command")
    );
}

#[test]
fn type_names() {
    let mut h = SingleHost::new();
    r(&mut h, "SET s hello");
    r(&mut h, "SET n 12");
    r(&mut h, "SET \"\" empty");
    assert_eq!(r(&mut h, "TYPE s"), simple("string"));
    assert_eq!(r(&mut h, "TYPE n"), simple("string"));
    assert_eq!(r(&mut h, "TYPE \"\""), simple("string"));
    assert_eq!(r(&mut h, "TYPE nokey"), simple("none"));
    assert_eq!(
        r(&mut h, "TYPE a b"),
        err("ERR wrong number of arguments for 'type' command")
    );
}

// -------------------------------------------------------------------------------------------
// KEYS

#[test]
fn keys_with_patterns() {
    let mut h = SingleHost::new();
    for k in ["key_x", "key_y", "key_z", "foo_a", "foo_b", "foo_c"] {
        run(&mut h, &["SET", k, "hello"]);
    }
    assert_eq!(
        sorted_bulks(r(&mut h, "KEYS foo*")),
        [b"foo_a".to_vec(), b"foo_b".to_vec(), b"foo_c".to_vec()]
    );
    assert_eq!(sorted_bulks(r(&mut h, "KEYS *")).len(), 6);
    assert_eq!(
        sorted_bulks(r(&mut h, "KEYS key_[xy]")),
        [b"key_x".to_vec(), b"key_y".to_vec()]
    );
    assert_eq!(
        sorted_bulks(r(&mut h, "KEYS ???_[^a-b]")),
        [
            b"foo_c".to_vec(),
            b"key_x".to_vec(),
            b"key_y".to_vec(),
            b"key_z".to_vec()
        ]
    );
    assert_eq!(r(&mut h, "KEYS nomatch*"), Value::Array(vec![]));
    assert_eq!(
        r(&mut h, "KEYS"),
        err("ERR wrong number of arguments for 'keys' command")
    );
}

#[test]
fn keys_star_includes_the_empty_key_but_double_star_does_not() {
    let mut h = SingleHost::new();
    r(&mut h, "SET \"\" e");
    r(&mut h, "SET a 1");
    assert_eq!(
        sorted_bulks(r(&mut h, "KEYS *")),
        [b"".to_vec(), b"a".to_vec()]
    );
    assert_eq!(sorted_bulks(r(&mut h, "KEYS **")), [b"a".to_vec()]);
}

#[test]
fn keys_skips_expired_keys() {
    let mut h = SingleHost::new();
    r(&mut h, "MSET a 1 b 2");
    assert_eq!(r(&mut h, "PEXPIRE a 10"), int(1));
    h.advance(10);
    assert_eq!(sorted_bulks(r(&mut h, "KEYS *")), [b"b".to_vec()]);
}

// -------------------------------------------------------------------------------------------
// SCAN

/// Walks a whole SCAN iteration with `opts`; returns every key returned (with repeats) and
/// the number of calls.
fn scan_all(h: &mut SingleHost, opts: &[&str]) -> (Vec<Vec<u8>>, usize) {
    let mut cursor = String::from("0");
    let mut keys = Vec::new();
    let mut calls = 0;
    loop {
        let mut args = vec!["SCAN", cursor.as_str()];
        args.extend_from_slice(opts);
        let reply = run(h, &args);
        calls += 1;
        let Value::Array(mut parts) = reply else {
            panic!("SCAN answered {reply:?}")
        };
        assert_eq!(parts.len(), 2);
        let Value::Array(batch) = parts.pop().unwrap() else {
            panic!("no key array")
        };
        let Value::Bulk(next) = parts.pop().unwrap() else {
            panic!("cursor is not a bulk string")
        };
        for k in batch {
            let Value::Bulk(k) = k else {
                panic!("key not bulk")
            };
            keys.push(k);
        }
        cursor = String::from_utf8(next).unwrap();
        cursor.parse::<u64>().expect("cursor is a u64");
        if cursor == "0" {
            return (keys, calls);
        }
        assert!(calls < 1_000_000, "SCAN does not terminate");
    }
}

#[test]
fn scan_returns_every_key_across_shards() {
    let mut h = SingleHost::new();
    let n = 5000;
    for i in 0..n {
        run(&mut h, &["SET", &format!("key:{i}"), "v"]);
    }
    let (keys, calls) = scan_all(&mut h, &["COUNT", "7"]);
    let set: HashSet<Vec<u8>> = keys.iter().cloned().collect();
    assert_eq!(set.len(), n);
    assert!(keys.len() >= n);
    assert!(calls > 10, "COUNT 7 over {n} keys took only {calls} calls");
    for i in 0..n {
        assert!(set.contains(format!("key:{i}").as_bytes()));
    }
    // The default COUNT too.
    let (keys, _) = scan_all(&mut h, &[]);
    assert_eq!(keys.into_iter().collect::<HashSet<_>>().len(), n);
}

#[test]
fn scan_covers_large_tables() {
    // Enough keys for many dashtable segments in every shard (and so for large cursors).
    let mut h = SingleHost::new();
    let n = 60_000;
    for i in 0..n {
        run(&mut h, &["SET", &format!("big:{i}"), "1"]);
    }
    let (keys, _) = scan_all(&mut h, &["COUNT", "1000"]);
    let set: HashSet<Vec<u8>> = keys.into_iter().collect();
    assert_eq!(set.len(), n);
}

#[test]
fn scan_keeps_its_guarantee_while_the_table_grows() {
    let mut h = SingleHost::new();
    let n = 3000;
    for i in 0..n {
        run(&mut h, &["SET", &format!("old:{i}"), "v"]);
    }
    let mem_before: usize = h
        .engine()
        .state
        .shards
        .iter()
        .map(|s| s.dbs[0].table_memory())
        .sum();
    let mut cursor = String::from("0");
    let mut seen = HashSet::new();
    let mut added = 0;
    loop {
        let Value::Array(parts) = run(&mut h, &["SCAN", &cursor, "COUNT", "50"]) else {
            panic!()
        };
        let Value::Bulk(next) = &parts[0] else {
            panic!()
        };
        let Value::Array(batch) = &parts[1] else {
            panic!()
        };
        for k in batch {
            let Value::Bulk(k) = k else { panic!() };
            seen.insert(k.clone());
        }
        // Grow the table between calls: splits happen under the walk.
        for _ in 0..50 {
            run(&mut h, &["SET", &format!("new:{added}"), "v"]);
            added += 1;
        }
        cursor = String::from_utf8(next.clone()).unwrap();
        if cursor == "0" {
            break;
        }
    }
    assert!(added > 3000, "the table should have grown a lot ({added})");
    let mem_after: usize = h
        .engine()
        .state
        .shards
        .iter()
        .map(|s| s.dbs[0].table_memory())
        .sum();
    assert!(
        mem_after > mem_before * 3 / 2,
        "the tables should have split under the walk ({mem_before} -> {mem_after} bytes)"
    );
    for i in 0..n {
        assert!(
            seen.contains(format!("old:{i}").as_bytes()),
            "old:{i} was present for the whole walk but not returned"
        );
    }
}

#[test]
fn scan_match_and_type() {
    let mut h = SingleHost::new();
    for i in 0..300 {
        run(&mut h, &["SET", &format!("user:{i}"), "v"]);
        run(&mut h, &["SET", &format!("item:{i}"), "v"]);
    }
    let (keys, _) = scan_all(&mut h, &["MATCH", "user:*", "COUNT", "50"]);
    let set: BTreeSet<Vec<u8>> = keys.into_iter().collect();
    assert_eq!(set.len(), 300);
    assert!(set.iter().all(|k| k.starts_with(b"user:")));
    let (keys, _) = scan_all(&mut h, &["MATCH", "user:1?", "TYPE", "STRING"]);
    let set: BTreeSet<Vec<u8>> = keys.into_iter().collect();
    assert_eq!(set.len(), 10);
    let (keys, _) = scan_all(&mut h, &["TYPE", "list"]);
    assert!(keys.is_empty());
    let (keys, _) = scan_all(&mut h, &["TYPE", "nosuchtype"]);
    assert!(keys.is_empty());
    // TYPE counts a keyspace hit per key it checks.
    let hits = h.engine().state.stats.keyspace_hits;
    scan_all(&mut h, &["TYPE", "string", "COUNT", "1000"]);
    assert_eq!(h.engine().state.stats.keyspace_hits - hits, 600);
}

#[test]
fn scan_skips_expired_keys() {
    let mut h = SingleHost::new();
    for i in 0..100 {
        run(&mut h, &["SET", &format!("k{i}"), "v"]);
    }
    // Expire half with a timestamp already in the past through the engine, so that only
    // lazy expiry (not the active cycle) can hide them.
    let now = h.now_ms();
    for i in 0..50 {
        let k = format!("k{i}");
        h.engine()
            .state
            .db(0, k.as_bytes())
            .set(k.as_bytes(), Stored::from_bytes(b"v"), now - 1);
    }
    let (keys, _) = scan_all(&mut h, &["COUNT", "1000"]);
    let set: BTreeSet<Vec<u8>> = keys.into_iter().collect();
    assert_eq!(set.len(), 50);
    assert!(set.iter().all(|k| {
        let i: usize = std::str::from_utf8(&k[1..]).unwrap().parse().unwrap();
        i >= 50
    }));
}

#[test]
fn scan_errors_and_cursor_syntax() {
    let mut h = SingleHost::new();
    r(&mut h, "SET a 1");
    let e = err("ERR invalid cursor");
    for bad in [
        "abc",
        "1.0",
        "0x10",
        "\" 0\"",
        "\"0 \"",
        "18446744073709551616",
        "+",
        "-",
    ] {
        assert_eq!(r(&mut h, &format!("SCAN {bad}")), e, "SCAN {bad}");
    }
    // The cursor is checked before the options.
    assert_eq!(r(&mut h, "SCAN abc COUNT 0"), e);
    let all = Value::Array(vec![bulk("0"), Value::Array(vec![bulk("a")])]);
    // strtoul's forms: empty, a sign, leading zeros.
    for ok in ["0", "\"\"", "+0", "-0", "00"] {
        assert_eq!(r(&mut h, &format!("SCAN {ok}")), all, "SCAN {ok}");
    }
    let syntax = err("ERR syntax error");
    assert_eq!(r(&mut h, "SCAN 0 COUNT 0"), syntax);
    assert_eq!(r(&mut h, "SCAN 0 COUNT -1"), syntax);
    assert_eq!(
        r(&mut h, "SCAN 0 COUNT abc"),
        err("ERR value is not an integer or out of range")
    );
    assert_eq!(
        r(&mut h, "SCAN 0 COUNT 99999999999999999999"),
        err("ERR value is not an integer or out of range")
    );
    assert_eq!(r(&mut h, "SCAN 0 MATCH"), syntax);
    assert_eq!(r(&mut h, "SCAN 0 TYPE"), syntax);
    assert_eq!(r(&mut h, "SCAN 0 COUNT"), syntax);
    assert_eq!(r(&mut h, "SCAN 0 foo bar"), syntax);
    assert_eq!(r(&mut h, "SCAN 0 count 1 count 1000"), all);
    assert_eq!(r(&mut h, "SCAN 0 COUNT 9223372036854775807"), all);
    assert_eq!(r(&mut h, "SCAN 0 MATCH * TYPE string"), all);
    assert_eq!(
        r(&mut h, "SCAN"),
        err("ERR wrong number of arguments for 'scan' command")
    );
}

#[test]
fn scan_from_any_cursor_terminates() {
    let mut h = SingleHost::new();
    for i in 0..2000 {
        run(&mut h, &["SET", &format!("k{i}"), "v"]);
    }
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let starts: Vec<String> = (0..200)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x.to_string()
        })
        .chain(["-1", "1", "2", "3", "4", "5", "18446744073709551615"].map(String::from))
        .collect();
    for start in starts {
        let mut cursor = start.clone();
        let mut calls = 0;
        while {
            let Value::Array(parts) = run(&mut h, &["SCAN", &cursor, "COUNT", "100"]) else {
                panic!("SCAN {cursor}")
            };
            let Value::Bulk(next) = &parts[0] else {
                panic!()
            };
            cursor = String::from_utf8(next.clone()).unwrap();
            calls += 1;
            cursor != "0"
        } {
            assert!(calls < 10_000, "SCAN from {start} does not terminate");
        }
    }
}

// -------------------------------------------------------------------------------------------
// RANDOMKEY

#[test]
fn randomkey_empty_single_and_many() {
    let mut h = SingleHost::new();
    assert_eq!(r(&mut h, "RANDOMKEY"), Value::Null);
    r(&mut h, "SET only 1");
    for _ in 0..10 {
        assert_eq!(r(&mut h, "RANDOMKEY"), bulk("only"));
    }
    for i in 0..100 {
        run(&mut h, &["SET", &format!("k{i}"), "v"]);
    }
    let mut seen = HashSet::new();
    for _ in 0..3000 {
        let Value::Bulk(k) = r(&mut h, "RANDOMKEY") else {
            panic!()
        };
        assert!(k == b"only" || k.starts_with(b"k"));
        seen.insert(k);
    }
    assert!(
        seen.len() > 80,
        "3000 draws over 101 keys saw only {}",
        seen.len()
    );
    // Keys from every shard come up.
    let shards: HashSet<usize> = seen.iter().map(|k| shard_of(k, 4)).collect();
    assert_eq!(shards.len(), 4);
    assert_eq!(
        r(&mut h, "RANDOMKEY x"),
        err("ERR wrong number of arguments for 'randomkey' command")
    );
}

#[test]
fn randomkey_never_returns_expired_keys() {
    let mut h = SingleHost::new();
    let now = h.now_ms();
    for i in 0..200 {
        let k = format!("dead{i}");
        h.engine()
            .state
            .db(0, k.as_bytes())
            .set(k.as_bytes(), Stored::from_bytes(b"v"), now - 1);
    }
    assert_eq!(r(&mut h, "RANDOMKEY"), Value::Null);
    assert_eq!(
        dbsize(&mut h),
        0,
        "RANDOMKEY removes the expired keys it meets"
    );
    for i in 0..200 {
        let k = format!("dead{i}");
        h.engine()
            .state
            .db(0, k.as_bytes())
            .set(k.as_bytes(), Stored::from_bytes(b"v"), now - 1);
    }
    r(&mut h, "SET alive 1");
    assert_eq!(r(&mut h, "RANDOMKEY"), bulk("alive"));
}

// -------------------------------------------------------------------------------------------
// RENAME, RENAMENX

#[test]
fn rename_moves_value_and_ttl_across_shards() {
    let mut h = SingleHost::new();
    let (a, b) = keys_in_two_shards(4);
    run(&mut h, &["SET", &a, "hello"]);
    assert_eq!(run(&mut h, &["PEXPIRE", &a, "5000"]), int(1));
    assert_eq!(run(&mut h, &["RENAME", &a, &b]), Value::ok());
    assert_eq!(run(&mut h, &["EXISTS", &a]), int(0));
    assert_eq!(run(&mut h, &["GET", &b]), bulk("hello"));
    assert_eq!(run(&mut h, &["PTTL", &b]), int(5000));
    // Overwrites, and the destination's own TTL goes with its old value.
    run(&mut h, &["SET", "plain", "x"]);
    assert_eq!(run(&mut h, &["RENAME", "plain", &b]), Value::ok());
    assert_eq!(run(&mut h, &["TTL", &b]), int(-1));
    assert_eq!(run(&mut h, &["GET", &b]), bulk("x"));
}

#[test]
fn rename_errors_and_same_key() {
    let mut h = SingleHost::new();
    let nokey = err("ERR no such key");
    assert_eq!(r(&mut h, "RENAME nokey x"), nokey);
    assert_eq!(r(&mut h, "RENAME nokey nokey"), nokey);
    assert_eq!(r(&mut h, "RENAMENX nokey nokey"), nokey);
    assert_eq!(r(&mut h, "RENAMENX nokey x"), nokey);
    r(&mut h, "SET a 1");
    r(&mut h, "PEXPIRE a 1000");
    let dirty = h.engine().state.dirty;
    assert_eq!(r(&mut h, "RENAME a a"), Value::ok());
    assert_eq!(r(&mut h, "RENAMENX a a"), int(0));
    assert_eq!(
        h.engine().state.dirty,
        dirty,
        "renaming to itself writes nothing"
    );
    assert_eq!(r(&mut h, "PTTL a"), int(1000));
    assert_eq!(
        r(&mut h, "RENAME a"),
        err("ERR wrong number of arguments for 'rename' command")
    );
}

#[test]
fn renamenx_only_when_the_target_is_missing() {
    let mut h = SingleHost::new();
    r(&mut h, "MSET b 1 c 2");
    assert_eq!(r(&mut h, "RENAMENX b c"), int(0));
    assert_eq!(r(&mut h, "GET b"), bulk("1"));
    assert_eq!(r(&mut h, "RENAMENX b d"), int(1));
    assert_eq!(r(&mut h, "EXISTS b"), int(0));
    assert_eq!(r(&mut h, "GET d"), bulk("1"));
    // An expired target counts as missing.
    r(&mut h, "SET e 1");
    r(&mut h, "PEXPIRE e 10");
    h.advance(10);
    assert_eq!(r(&mut h, "RENAMENX d e"), int(1));
    assert_eq!(r(&mut h, "GET e"), bulk("1"));
}

#[test]
fn rename_of_an_expired_key_is_no_such_key() {
    let mut h = SingleHost::new();
    let now = h.now_ms();
    h.engine()
        .state
        .db(0, b"old")
        .set(b"old", Stored::from_bytes(b"v"), now - 1);
    assert_eq!(r(&mut h, "RENAME old new"), err("ERR no such key"));
    assert_eq!(r(&mut h, "EXISTS new"), int(0));
}

// -------------------------------------------------------------------------------------------
// MOVE, COPY

#[test]
fn move_between_databases() {
    let mut h = SingleHost::new();
    r(&mut h, "SET c 2");
    r(&mut h, "PEXPIRE c 7000");
    assert_eq!(r(&mut h, "MOVE c 1"), int(1));
    assert_eq!(r(&mut h, "EXISTS c"), int(0));
    assert_eq!(r(&mut h, "MOVE c 1"), int(0));
    assert_eq!(r(&mut h, "MOVE nokey 1"), int(0));
    let now = h.now_ms();
    {
        let e = h.engine().state.db(1, b"c").get(b"c", now).cloned();
        let e = e.expect("moved to db 1");
        assert_eq!(e.value, Stored::Int(2));
        assert_eq!(e.expire_at, now + 7000);
    }
    // The target already has the key: nothing moves.
    r(&mut h, "SET c mine");
    assert_eq!(r(&mut h, "MOVE c 1"), int(0));
    assert_eq!(r(&mut h, "GET c"), bulk("mine"));
    // Back from db 1.
    r(&mut h, "DEL c");
    r(&mut h, "SELECT 1");
    assert_eq!(r(&mut h, "MOVE c 0"), int(1));
    r(&mut h, "SELECT 0");
    assert_eq!(r(&mut h, "GET c"), bulk("2"));
    assert_eq!(r(&mut h, "PTTL c"), int(7000));
}

#[test]
fn move_errors() {
    let mut h = SingleHost::new();
    r(&mut h, "SET c 1");
    let same = err("ERR source and destination objects are the same");
    let range = err("ERR DB index is out of range");
    assert_eq!(r(&mut h, "MOVE c 0"), same);
    assert_eq!(r(&mut h, "MOVE nokey 0"), same);
    assert_eq!(r(&mut h, "MOVE c 16"), range);
    assert_eq!(r(&mut h, "MOVE c -1"), range);
    assert_eq!(
        r(&mut h, "MOVE c abc"),
        err("ERR value is not an integer or out of range")
    );
    assert_eq!(
        r(&mut h, "MOVE c 1.5"),
        err("ERR value is not an integer or out of range")
    );
    let int_range = err("ERR value is out of range, value must between -2147483648 and 2147483647");
    assert_eq!(r(&mut h, "MOVE c 2147483648"), int_range);
    assert_eq!(r(&mut h, "MOVE c -2147483649"), int_range);
    assert_eq!(r(&mut h, "MOVE c 2147483647"), range);
    assert_eq!(
        r(&mut h, "MOVE c"),
        err("ERR wrong number of arguments for 'move' command")
    );
    assert_eq!(r(&mut h, "GET c"), bulk("1"));
}

#[test]
fn copy_within_and_across_databases() {
    let mut h = SingleHost::new();
    let (a, b) = keys_in_two_shards(4);
    run(&mut h, &["SET", &a, "hello"]);
    run(&mut h, &["PEXPIRE", &a, "3000"]);
    assert_eq!(run(&mut h, &["COPY", &a, &b]), int(1));
    assert_eq!(run(&mut h, &["GET", &b]), bulk("hello"));
    assert_eq!(run(&mut h, &["PTTL", &b]), int(3000));
    assert_eq!(run(&mut h, &["GET", &a]), bulk("hello"));
    // Existing destination: 0 unless REPLACE.
    run(&mut h, &["SET", "other", "x"]);
    assert_eq!(run(&mut h, &["COPY", "other", &b]), int(0));
    assert_eq!(run(&mut h, &["GET", &b]), bulk("hello"));
    assert_eq!(run(&mut h, &["COPY", "other", &b, "REPLACE"]), int(1));
    assert_eq!(run(&mut h, &["GET", &b]), bulk("x"));
    assert_eq!(run(&mut h, &["TTL", &b]), int(-1));
    // To another database, under the same name.
    assert_eq!(run(&mut h, &["COPY", &a, &a, "DB", "3"]), int(1));
    assert_eq!(run(&mut h, &["COPY", &a, &a, "DB", "3"]), int(0));
    assert_eq!(run(&mut h, &["COPY", &a, &a, "db", "3", "replace"]), int(1));
    let now = h.now_ms();
    let e = h
        .engine()
        .state
        .db(3, a.as_bytes())
        .get(a.as_bytes(), now)
        .cloned()
        .expect("copied to db 3");
    assert_eq!(e.expire_at, now + 3000);
    // A missing source.
    assert_eq!(r(&mut h, "COPY nokey x"), int(0));
    assert_eq!(r(&mut h, "COPY nokey nokey DB 1"), int(0));
    // The last DB option wins.
    assert_eq!(
        run(&mut h, &["COPY", &a, "z", "DB", "1", "DB", "2"]),
        int(1)
    );
    assert!(h.engine().state.db(2, b"z").get(b"z", now).is_some());
    assert!(h.engine().state.db(1, b"z").get(b"z", now).is_none());
}

#[test]
fn copy_errors() {
    let mut h = SingleHost::new();
    r(&mut h, "SET c 1");
    let same = err("ERR source and destination objects are the same");
    let syntax = err("ERR syntax error");
    assert_eq!(r(&mut h, "COPY c c"), same);
    assert_eq!(r(&mut h, "COPY c c DB 0"), same);
    assert_eq!(r(&mut h, "COPY nokey nokey"), same);
    assert_eq!(r(&mut h, "COPY c x DB"), syntax);
    assert_eq!(r(&mut h, "COPY c x foo"), syntax);
    assert_eq!(r(&mut h, "COPY c x foo DB 16"), syntax);
    assert_eq!(
        r(&mut h, "COPY c x DB 16 foo"),
        err("ERR DB index is out of range")
    );
    assert_eq!(
        r(&mut h, "COPY c x DB -1"),
        err("ERR DB index is out of range")
    );
    assert_eq!(
        r(&mut h, "COPY c x DB abc"),
        err("ERR value is not an integer or out of range")
    );
    assert_eq!(
        r(&mut h, "COPY c x DB 99999999999"),
        err("ERR value is out of range, value must between -2147483648 and 2147483647")
    );
    assert_eq!(
        r(&mut h, "COPY c"),
        err("ERR wrong number of arguments for 'copy' command")
    );
    assert_eq!(r(&mut h, "EXISTS x"), int(0));
}

// -------------------------------------------------------------------------------------------
// EXPIRE and friends, TTL and friends, PERSIST

#[test]
fn ttl_family_values() {
    let mut h = SingleHost::new();
    let now = h.now_ms() as i64;
    r(&mut h, "SET k v");
    assert_eq!(r(&mut h, "TTL k"), int(-1));
    assert_eq!(r(&mut h, "PTTL k"), int(-1));
    assert_eq!(r(&mut h, "EXPIRETIME k"), int(-1));
    assert_eq!(r(&mut h, "PEXPIRETIME k"), int(-1));
    for c in ["TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"] {
        assert_eq!(run(&mut h, &[c, "nokey"]), int(-2), "{c}");
    }
    assert_eq!(r(&mut h, "EXPIRE k 100"), int(1));
    assert_eq!(r(&mut h, "TTL k"), int(100));
    assert_eq!(r(&mut h, "PTTL k"), int(100_000));
    assert_eq!(r(&mut h, "PEXPIRETIME k"), int(now + 100_000));
    assert_eq!(r(&mut h, "EXPIRETIME k"), int((now + 100_000 + 500) / 1000));
    // Seconds round to the nearest.
    assert_eq!(r(&mut h, "PEXPIRE k 1499"), int(1));
    assert_eq!(r(&mut h, "TTL k"), int(1));
    assert_eq!(r(&mut h, "PEXPIRE k 1500"), int(1));
    assert_eq!(r(&mut h, "TTL k"), int(2));
    h.advance(1000);
    assert_eq!(r(&mut h, "PTTL k"), int(500));
    assert_eq!(r(&mut h, "TTL k"), int(1));
    h.advance(499);
    assert_eq!(r(&mut h, "PTTL k"), int(1));
    assert_eq!(r(&mut h, "TTL k"), int(0));
    h.advance(1);
    assert_eq!(r(&mut h, "PTTL k"), int(-2));
    assert_eq!(r(&mut h, "EXISTS k"), int(0));
}

#[test]
fn expire_at_the_far_end_of_time() {
    let mut h = SingleHost::new();
    let now = h.now_ms() as i64;
    r(&mut h, "SET k v");
    assert_eq!(r(&mut h, "PEXPIREAT k 9223372036854775807"), int(1));
    assert_eq!(r(&mut h, "PEXPIRETIME k"), int(i64::MAX));
    // Redis 7.0 answers the rounded value without overflowing.
    assert_eq!(r(&mut h, "EXPIRETIME k"), int(9223372036854776));
    assert_eq!(r(&mut h, "PTTL k"), int(i64::MAX - now));
    assert_eq!(r(&mut h, "TTL k"), int((i64::MAX - now + 500) / 1000));
    assert_eq!(r(&mut h, "PEXPIREAT k 9223372036854775308"), int(1));
    assert_eq!(r(&mut h, "EXPIRETIME k"), int(9223372036854775));
    assert_eq!(r(&mut h, "EXPIREAT k 9223372036854775"), int(1));
    assert_eq!(r(&mut h, "PEXPIRETIME k"), int(9223372036854775000));
    assert_eq!(r(&mut h, "EXPIRE k 9223372036854"), int(1));
    assert_eq!(r(&mut h, "PEXPIRETIME k"), int(now + 9223372036854000));
}

#[test]
fn expire_overflow_is_an_error() {
    let mut h = SingleHost::new();
    r(&mut h, "SET a 1");
    for (cmd, arg) in [
        ("expire", "9223372036854775807"),
        ("expire", "9223372036854776"),
        ("expire", "-9223372036854776"),
        ("expire", "-9223372036854775808"),
        ("pexpire", "9223372036854775807"),
        ("expireat", "9223372036854775807"),
        ("expireat", "9223372036854776"),
    ] {
        assert_eq!(
            run(&mut h, &[cmd, "a", arg]),
            Value::err(format!("ERR invalid expire time in '{cmd}' command")),
            "{cmd} a {arg}"
        );
    }
    // Checked before the key is looked up.
    assert_eq!(
        r(&mut h, "PEXPIRE nokey 9223372036854775807"),
        err("ERR invalid expire time in 'pexpire' command")
    );
    assert_eq!(r(&mut h, "TTL a"), int(-1));
    // Large negative values that do not overflow are in the past: the key goes.
    assert_eq!(r(&mut h, "PEXPIRE a -9223372036854775808"), int(1));
    assert_eq!(r(&mut h, "EXISTS a"), int(0));
    r(&mut h, "SET a 1");
    assert_eq!(r(&mut h, "EXPIRE a -9223372036854775"), int(1));
    assert_eq!(r(&mut h, "EXISTS a"), int(0));
}

#[test]
fn expire_in_the_past_deletes_and_returns_one() {
    let mut h = SingleHost::new();
    let now = h.now_ms();
    r(&mut h, "MSET a 1 b 2 c 3 d 4");
    let dirty = h.engine().state.dirty;
    assert_eq!(r(&mut h, "EXPIRE a -1"), int(1));
    assert_eq!(r(&mut h, "PEXPIRE b 0"), int(1));
    assert_eq!(r(&mut h, "EXPIREAT c 0"), int(1));
    assert_eq!(run(&mut h, &["PEXPIREAT", "d", &now.to_string()]), int(1));
    assert_eq!(h.engine().state.dirty - dirty, 4);
    assert_eq!(r(&mut h, "EXISTS a b c d"), int(0));
    assert_eq!(dbsize(&mut h), 0);
    // A missing key: 0, nothing written.
    assert_eq!(r(&mut h, "EXPIRE nokey 100"), int(0));
    assert_eq!(r(&mut h, "EXPIRE nokey -1"), int(0));
    assert_eq!(h.engine().state.dirty - dirty, 4);
    // Just in the future: kept.
    r(&mut h, "SET e 1");
    assert_eq!(
        run(&mut h, &["PEXPIREAT", "e", &(now + 1).to_string()]),
        int(1)
    );
    assert_eq!(r(&mut h, "PTTL e"), int(1));
}

#[test]
fn expire_options_nx_xx_gt_lt() {
    let mut h = SingleHost::new();
    r(&mut h, "SET k v");
    // No TTL yet.
    assert_eq!(r(&mut h, "EXPIRE k 100 XX"), int(0));
    assert_eq!(r(&mut h, "EXPIRE k 100 GT"), int(0));
    assert_eq!(r(&mut h, "TTL k"), int(-1));
    assert_eq!(r(&mut h, "EXPIRE k 100 LT"), int(1));
    assert_eq!(r(&mut h, "TTL k"), int(100));
    assert_eq!(r(&mut h, "PERSIST k"), int(1));
    assert_eq!(r(&mut h, "EXPIRE k 100 NX"), int(1));
    assert_eq!(r(&mut h, "EXPIRE k 200 NX"), int(0));
    assert_eq!(r(&mut h, "TTL k"), int(100));
    assert_eq!(r(&mut h, "EXPIRE k 200 XX"), int(1));
    assert_eq!(r(&mut h, "TTL k"), int(200));
    assert_eq!(r(&mut h, "EXPIRE k 100 GT"), int(0));
    assert_eq!(r(&mut h, "EXPIRE k 200 GT"), int(0));
    assert_eq!(r(&mut h, "EXPIRE k 300 gt"), int(1));
    assert_eq!(r(&mut h, "TTL k"), int(300));
    assert_eq!(r(&mut h, "EXPIRE k 300 LT"), int(0));
    assert_eq!(r(&mut h, "EXPIRE k 400 LT"), int(0));
    assert_eq!(r(&mut h, "PEXPIRE k 250000 lt"), int(1));
    assert_eq!(r(&mut h, "PTTL k"), int(250_000));
    // XX with GT / LT together.
    assert_eq!(r(&mut h, "EXPIRE k 500 XX GT"), int(1));
    assert_eq!(r(&mut h, "TTL k"), int(500));
    assert_eq!(r(&mut h, "EXPIRE k 600 XX LT"), int(0));
    // Repeated options are fine.
    assert_eq!(r(&mut h, "EXPIRE k 700 XX XX"), int(1));
    // LT with a time in the past deletes.
    assert_eq!(r(&mut h, "EXPIRE k -1 LT"), int(1));
    assert_eq!(r(&mut h, "EXISTS k"), int(0));
    // GT never applies to a key without TTL, even in the past.
    r(&mut h, "SET k v");
    assert_eq!(r(&mut h, "EXPIRE k -1 GT"), int(0));
    assert_eq!(r(&mut h, "EXISTS k"), int(1));
}

#[test]
fn expire_option_errors() {
    let mut h = SingleHost::new();
    r(&mut h, "SET a 1");
    let nx = err("ERR NX and XX, GT or LT options at the same time are not compatible");
    let gtlt = err("ERR GT and LT options at the same time are not compatible");
    assert_eq!(
        r(&mut h, "EXPIRE a 100 foo"),
        err("ERR Unsupported option foo")
    );
    assert_eq!(
        r(&mut h, "PEXPIREAT a 100 NX bar"),
        err("ERR Unsupported option bar")
    );
    assert_eq!(r(&mut h, "EXPIRE a 100 nx xx"), nx);
    assert_eq!(r(&mut h, "EXPIRE a 100 nx gt"), nx);
    assert_eq!(r(&mut h, "EXPIRE a 100 lt nx"), nx);
    assert_eq!(r(&mut h, "EXPIRE a 100 gt lt"), gtlt);
    assert_eq!(r(&mut h, "EXPIRE a 100 XX GT LT"), gtlt);
    // Options are checked before the number and the key.
    assert_eq!(r(&mut h, "EXPIRE a abc nx xx"), nx);
    assert_eq!(
        r(&mut h, "EXPIRE a abc foo"),
        err("ERR Unsupported option foo")
    );
    assert_eq!(
        r(&mut h, "EXPIRE nokey 100 foo"),
        err("ERR Unsupported option foo")
    );
    let notint = err("ERR value is not an integer or out of range");
    for bad in ["abc", "1.5", "\" 1\"", "+1", "01", "\"\""] {
        assert_eq!(r(&mut h, &format!("EXPIRE a {bad}")), notint, "{bad}");
    }
    assert_eq!(r(&mut h, "EXPIRE nokey abc"), notint);
    for c in ["expire", "pexpire", "expireat", "pexpireat"] {
        assert_eq!(
            run(&mut h, &[c, "a"]),
            Value::err(format!("ERR wrong number of arguments for '{c}' command"))
        );
    }
    assert_eq!(r(&mut h, "TTL a"), int(-1));
}

#[test]
fn persist_removes_the_ttl() {
    let mut h = SingleHost::new();
    r(&mut h, "SET k v");
    assert_eq!(r(&mut h, "PERSIST k"), int(0));
    assert_eq!(r(&mut h, "PERSIST nokey"), int(0));
    r(&mut h, "EXPIRE k 100");
    let dirty = h.engine().state.dirty;
    assert_eq!(r(&mut h, "PERSIST k"), int(1));
    assert_eq!(h.engine().state.dirty - dirty, 1);
    assert_eq!(r(&mut h, "PERSIST k"), int(0));
    assert_eq!(r(&mut h, "TTL k"), int(-1));
    assert_eq!(
        h.engine()
            .state
            .shards
            .iter()
            .map(|s| s.dbs[0].expires_count())
            .sum::<usize>(),
        0
    );
    h.advance(200_000);
    assert_eq!(r(&mut h, "GET k"), bulk("v"));
}

#[test]
fn lazy_expiry_hides_expired_keys_from_every_command() {
    let mut h = SingleHost::new();
    let now = h.now_ms();
    // Expired but still stored: only lazy expiry stands between it and the commands.
    let put = |h: &mut SingleHost| {
        h.engine()
            .state
            .db(0, b"gone")
            .set(b"gone", Stored::from_bytes(b"v"), now - 1)
    };
    put(&mut h);
    assert_eq!(dbsize(&mut h), 1, "stored until something looks");
    let checks: &[(&str, Value)] = &[
        ("EXISTS gone", int(0)),
        ("TYPE gone", simple("none")),
        ("TTL gone", int(-2)),
        ("PTTL gone", int(-2)),
        ("EXPIRETIME gone", int(-2)),
        ("PEXPIRETIME gone", int(-2)),
        ("PERSIST gone", int(0)),
        ("EXPIRE gone 100", int(0)),
        ("TOUCH gone", int(0)),
        ("DEL gone", int(0)),
        ("UNLINK gone", int(0)),
        ("MOVE gone 1", int(0)),
        ("COPY gone x", int(0)),
        ("RENAME gone x", Value::err("ERR no such key")),
        ("OBJECT ENCODING gone", Value::Null),
        ("KEYS *", Value::Array(vec![])),
        (
            "SCAN 0",
            Value::Array(vec![bulk("0"), Value::Array(vec![])]),
        ),
        ("RANDOMKEY", Value::Null),
    ];
    for (line, want) in checks {
        put(&mut h);
        assert_eq!(&r(&mut h, line), want, "{line}");
    }
    assert_eq!(r(&mut h, "EXISTS x"), int(0));
}

#[test]
fn active_expiry_removes_keys_nobody_touches() {
    let mut h = SingleHost::new();
    for i in 0..2000 {
        let k = format!("tmp:{i}");
        run(&mut h, &["SET", &k, "v"]);
        run(&mut h, &["PEXPIRE", &k, "50"]);
    }
    for i in 0..100 {
        run(&mut h, &["SET", &format!("keep:{i}"), "v"]);
    }
    assert_eq!(dbsize(&mut h), 2100);
    h.advance(10);
    assert_eq!(dbsize(&mut h), 2100, "nothing has expired yet");
    let mut ticks = 0;
    h.advance(40);
    while dbsize(&mut h) > 100 {
        ticks += 1;
        assert!(ticks < 100, "active expiry stalls at {}", dbsize(&mut h));
        h.advance(100);
    }
    assert_eq!(dbsize(&mut h), 100);
    let expired: u64 = h
        .engine()
        .state
        .shards
        .iter()
        .map(|s| s.dbs[0].stats.expired_keys)
        .sum();
    assert_eq!(expired, 2000);
}

// -------------------------------------------------------------------------------------------
// OBJECT

#[test]
fn object_encoding_and_refcount() {
    let mut h = SingleHost::new();
    r(&mut h, "SET a 1");
    r(&mut h, "SET b 10000");
    r(&mut h, "SET c 9999");
    r(&mut h, "SET d -1");
    r(&mut h, "SET e hello");
    run(&mut h, &["SET", "f", &"x".repeat(45)]);
    run(&mut h, &["SET", "g", &"x".repeat(44)]);
    assert_eq!(r(&mut h, "OBJECT ENCODING a"), bulk("int"));
    assert_eq!(r(&mut h, "object encoding e"), bulk("embstr"));
    assert_eq!(r(&mut h, "OBJECT ENCODING f"), bulk("raw"));
    assert_eq!(r(&mut h, "OBJECT ENCODING g"), bulk("embstr"));
    assert_eq!(r(&mut h, "OBJECT ENCODING nokey"), Value::Null);
    assert_eq!(r(&mut h, "OBJECT REFCOUNT a"), int(2147483647));
    assert_eq!(r(&mut h, "OBJECT REFCOUNT c"), int(2147483647));
    assert_eq!(r(&mut h, "OBJECT REFCOUNT b"), int(1));
    assert_eq!(r(&mut h, "OBJECT REFCOUNT d"), int(1));
    assert_eq!(r(&mut h, "OBJECT REFCOUNT e"), int(1));
    assert_eq!(r(&mut h, "OBJECT REFCOUNT nokey"), Value::Null);
    // Reads count as keyspace hits and misses.
    let (hits, misses) = {
        let s = &h.engine().state.stats;
        (s.keyspace_hits, s.keyspace_misses)
    };
    r(&mut h, "OBJECT ENCODING a");
    r(&mut h, "OBJECT ENCODING nokey");
    let s = &h.engine().state.stats;
    assert_eq!((s.keyspace_hits - hits, s.keyspace_misses - misses), (1, 1));
}

#[test]
fn object_freq_idletime_and_the_policy() {
    let mut h = SingleHost::new();
    r(&mut h, "SET a hello");
    assert_eq!(r(&mut h, "OBJECT IDLETIME a"), int(0));
    assert_eq!(r(&mut h, "OBJECT IDLETIME nokey"), Value::Null);
    assert_eq!(r(&mut h, "OBJECT FREQ nokey"), Value::Null);
    assert_eq!(
        r(&mut h, "OBJECT FREQ a"),
        err("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.")
    );
    h.engine().state.config.maxmemory_policy = "allkeys-lfu".into();
    assert_eq!(r(&mut h, "OBJECT FREQ a"), int(5));
    assert_eq!(r(&mut h, "OBJECT FREQ nokey"), Value::Null);
    assert_eq!(
        r(&mut h, "OBJECT IDLETIME a"),
        err("ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.")
    );
    assert_eq!(r(&mut h, "OBJECT IDLETIME nokey"), Value::Null);
    // With maxmemory and an LRU/LFU policy Redis shares no integers.
    r(&mut h, "SET n 5");
    assert_eq!(r(&mut h, "OBJECT REFCOUNT n"), int(2147483647));
    h.engine().state.config.maxmemory = 1 << 30;
    assert_eq!(r(&mut h, "OBJECT REFCOUNT n"), int(1));
}

#[test]
fn object_help_and_errors() {
    let mut h = SingleHost::new();
    let Value::Array(lines) = r(&mut h, "OBJECT HELP") else {
        panic!()
    };
    assert_eq!(lines.len(), 15);
    assert_eq!(
        lines[0],
        simple("OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
    );
    assert_eq!(lines[14], simple("    Prints this help."));
    assert_eq!(
        r(&mut h, "OBJECT"),
        err("ERR wrong number of arguments for 'object' command")
    );
    assert_eq!(
        r(&mut h, "OBJECT foo"),
        err("ERR unknown subcommand 'foo'. Try OBJECT HELP.")
    );
    assert_eq!(
        r(&mut h, "OBJECT HELP x"),
        err("ERR wrong number of arguments for 'object|help' command")
    );
    assert_eq!(
        r(&mut h, "OBJECT ENCODING"),
        err("ERR wrong number of arguments for 'object|encoding' command")
    );
    assert_eq!(
        r(&mut h, "OBJECT ENCODING a b"),
        err("ERR wrong number of arguments for 'object|encoding' command")
    );
}

// -------------------------------------------------------------------------------------------
// Against redis-server

/// Commands whose replies Redis and Anax must agree on byte for byte (`~` unordered, `?`
/// same shape). Times are absolute (EXPIREAT in the past or far future) or coarse (TTL of
/// 100 s), so the real clock of redis-server and the virtual one agree.
const SCRIPT: &str = r#"
# DEL / UNLINK / EXISTS / TOUCH / TYPE
SET a 1
SET b 2
MSET c 3 d 4 e hello
DEL a a b nokey
DEL a
UNLINK c c d nokey
EXISTS e e e nokey
EXISTS nokey
TOUCH e e nokey
TYPE e
TYPE nokey
SET "" empty
TYPE ""
DEL
UNLINK
EXISTS
TOUCH
TYPE
TYPE a b
# KEYS
MSET key_x 1 key_y 2 key_z 3 foo_a 1 foo_b 2 foo_c 3
~KEYS foo*
~KEYS *
~KEYS **
~KEYS ?*
~KEYS key_[xy]
~KEYS key_[^x]
~KEYS key_[x-y]
~KEYS key_[y-x]
~KEYS *_?
KEYS nomatch
KEYS
KEYS a b
DEL key_x key_y key_z foo_a foo_b foo_c
# SCAN
~SCAN 0 COUNT 1000
~SCAN 0 COUNT 1000 MATCH e
~SCAN 0 COUNT 1000 MATCH *
~SCAN 0 COUNT 1000 TYPE string
~SCAN 0 COUNT 1000 TYPE STRING
~SCAN 0 COUNT 1000 TYPE list
~SCAN 0 COUNT 1000 TYPE nosuchtype
~SCAN 0 MATCH * COUNT 10000 TYPE string
~SCAN "" COUNT 1000
~SCAN +0 COUNT 1000
~SCAN -0 COUNT 1000
~SCAN 0 count 1 count 1000
~SCAN 0 COUNT 9223372036854775807
?SCAN 0 COUNT 1
?SCAN 3 COUNT 1
?SCAN -1
?SCAN 18446744073709551615
SCAN abc
SCAN 1.0
SCAN 0x10
SCAN " 1"
SCAN "1 "
SCAN 18446744073709551616
SCAN +
SCAN -
SCAN abc COUNT 0
SCAN 0 COUNT 0
SCAN 0 COUNT -1
SCAN 0 COUNT abc
SCAN 0 COUNT 99999999999999999999
SCAN 0 COUNT
SCAN 0 MATCH
SCAN 0 TYPE
SCAN 0 foo
SCAN 0 foo bar
SCAN
# RANDOMKEY
?RANDOMKEY
RANDOMKEY x
# RENAME / RENAMENX
RENAME nokey x
RENAME nokey nokey
RENAMENX nokey nokey
RENAMENX nokey x
SET r1 v1
RENAME r1 r1
RENAMENX r1 r1
EXPIRE r1 100
RENAME r1 r2
TTL r2
EXISTS r1
SET r3 v3
RENAMENX r2 r3
RENAMENX r2 r4
TTL r4
RENAME r4 r3
GET r3
TTL r3
RENAME r3
RENAMENX r3
RENAME a b c
# MOVE
SET m1 1
EXPIRE m1 100
MOVE m1 1
MOVE m1 1
MOVE nokey 1
MOVE m1 0
MOVE nokey 0
MOVE m1 16
MOVE m1 -1
MOVE m1 abc
MOVE m1 1.5
MOVE m1 99999999999
MOVE m1 2147483648
MOVE m1 -2147483649
MOVE m1 2147483647
MOVE m1
SELECT 1
GET m1
TTL m1
MOVE m1 0
SELECT 0
TTL m1
SET m2 here
SELECT 1
SET m2 there
SELECT 0
MOVE m2 1
GET m2
# COPY
SET c1 hello
EXPIRE c1 100
COPY c1 c2
GET c2
TTL c2
COPY c1 c2
SET c3 other
COPY c3 c2 REPLACE
GET c2
TTL c2
COPY c1 c1
COPY c1 c1 DB 0
COPY c1 c1 DB 1
COPY c1 c1 DB 1
COPY c1 c1 db 1 replace
COPY c1 x DB
COPY c1 x foo
COPY c1 x foo DB 16
COPY c1 x DB 16
COPY c1 x DB 16 foo
COPY c1 x DB -1
COPY c1 x DB abc
COPY c1 x DB 99999999999
COPY c1 c4 DB 1 DB 2
COPY c1 c5 REPLACE REPLACE
COPY nokey x
COPY nokey nokey
COPY nokey nokey DB 1
COPY c1
SELECT 2
GET c4
TTL c4
SELECT 1
EXISTS c4
GET c1
SELECT 0
# EXPIRE family
SET x 1
EXPIRE x 100 foo
PEXPIRE x 100 NX bar
EXPIRE x 100 nx xx
EXPIRE x 100 NX GT
EXPIRE x 100 lt nx
EXPIRE x 100 gt lt
EXPIRE x 100 XX GT LT
EXPIRE x abc nx xx
EXPIRE x abc foo
EXPIRE nokey abc
EXPIRE nokey 100 foo
EXPIRE x abc
EXPIRE x 1.5
EXPIRE x " 1"
EXPIRE x +1
EXPIRE x 01
EXPIRE x ""
EXPIRE x 9223372036854775807
EXPIRE x 9223372036854776
EXPIRE x -9223372036854776
PEXPIRE x 9223372036854775807
EXPIREAT x 9223372036854775807
PEXPIRE nokey 9223372036854775807
EXPIRE x
TTL x
EXPIRE x 100 XX
EXPIRE x 100 GT
TTL x
EXPIRE x 100 LT
TTL x
PERSIST x
EXPIRE x 100 NX
EXPIRE x 200 NX
TTL x
EXPIRE x 200 XX
TTL x
EXPIRE x 100 GT
EXPIRE x 300 gt
TTL x
EXPIRE x 400 LT
EXPIRE x 250 lt
TTL x
EXPIRE x 500 XX GT
EXPIRE x 600 XX LT
EXPIRE x 700 XX XX
TTL x
EXPIRE x -1 GT
EXPIRE x -1 LT
EXISTS x
SET x 1
EXPIRE x -1 GT
EXISTS x
EXPIRE x -1
EXISTS x
SET x 1
PEXPIRE x -9223372036854775808
EXISTS x
SET x 1
EXPIRE x -9223372036854775
EXISTS x
SET x 1
EXPIREAT x 0
EXISTS x
SET x 1
PEXPIREAT x 1
EXISTS x
EXPIRE nokey 100
EXPIRE nokey -1
# Absolute times give exact TTL-family answers.
SET y 1
PEXPIREAT y 9223372036854775807
PEXPIRETIME y
EXPIRETIME y
PEXPIREAT y 9223372036854775308
EXPIRETIME y
PEXPIREAT y 9223372036854775307
EXPIRETIME y
EXPIREAT y 4102444800
EXPIRETIME y
PEXPIRETIME y
PEXPIREAT y 4102444800499
EXPIRETIME y
PEXPIREAT y 4102444800500
EXPIRETIME y
PEXPIREAT y 4102444800000 GT
PEXPIREAT y 4102444800000 LT
PEXPIRETIME y
?PTTL y
SET z 1
TTL z
PTTL z
EXPIRETIME z
PEXPIRETIME z
TTL nokey
PTTL nokey
EXPIRETIME nokey
PEXPIRETIME nokey
TTL
TTL a b
PEXPIRETIME
# PERSIST
PERSIST z
PERSIST nokey
EXPIRE z 100
PERSIST z
PERSIST z
TTL z
PERSIST
# OBJECT
SET o1 1
SET o2 10000
SET o3 9999
SET o4 -1
SET o5 hello
SET o6 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
SET o7 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
SET o8 01
OBJECT ENCODING o1
OBJECT ENCODING o2
OBJECT ENCODING o5
OBJECT ENCODING o6
OBJECT ENCODING o7
OBJECT ENCODING o8
OBJECT encoding nokey
OBJECT REFCOUNT o1
OBJECT REFCOUNT o2
OBJECT REFCOUNT o3
OBJECT REFCOUNT o4
OBJECT REFCOUNT o5
OBJECT REFCOUNT o6
OBJECT REFCOUNT nokey
OBJECT FREQ o1
OBJECT FREQ nokey
?OBJECT IDLETIME o1
OBJECT IDLETIME nokey
OBJECT HELP
OBJECT help
OBJECT
OBJECT foo
OBJECT foo bar
OBJECT HELP x
OBJECT ENCODING
OBJECT ENCODING a b
OBJECT REFCOUNT
OBJECT FREQ
OBJECT IDLETIME
DEL o1 o2 o3 o4 o5 o6 o7 o8
# A single key: RANDOMKEY is determined.
SELECT 5
SET only 1
RANDOMKEY
DEL only
RANDOMKEY
~KEYS *
SCAN 0
SELECT 0
"#;

#[test]
fn differential_against_redis_server() {
    let redis = common::Redis::start();
    let mut client = redis.client();
    let mut h = SingleHost::new();
    for (cmp, args) in script(SCRIPT) {
        let want = client.call(&args);
        let got = run(&mut h, &args);
        let shown = args
            .iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect::<Vec<_>>()
            .join(" ");
        let (w, g) = match cmp {
            Cmp::Exact => (want.clone(), got.clone()),
            Cmp::Unordered => (common::sorted(want.clone()), common::sorted(got.clone())),
            Cmp::Shape => (shape(&want), shape(&got)),
        };
        assert_eq!(
            g, w,
            "\ncommand: {shown}\nredis-server: {want:?}\nanax:         {got:?}\n"
        );
    }
}

/// A reply reduced to its kind (errors kept whole), for replies that legitimately differ.
fn shape(v: &Value) -> Value {
    match v {
        Value::Error(_) | Value::Null => v.clone(),
        Value::Int(_) => Value::Int(0),
        Value::Bulk(_) => Value::Bulk(Vec::new()),
        Value::Simple(_) => Value::Simple(Vec::new()),
        Value::Array(a) => Value::Array(a.iter().map(shape_inner).collect()),
        other => other.clone(),
    }
}

fn shape_inner(v: &Value) -> Value {
    match v {
        Value::Array(_) => Value::Array(Vec::new()),
        other => shape(other),
    }
}

/// KEYS with many generated glob patterns over a keyspace of short strings made of glob
/// metacharacters: every answer must be Redis's.
#[test]
fn differential_glob_patterns() {
    let redis = common::Redis::start();
    let mut client = redis.client();
    let mut h = SingleHost::new();
    let alphabet: &[u8] = b"ab-[]^\\*?\xe9";
    let mut keys: Vec<Vec<u8>> = vec![Vec::new()];
    for len in 1..=3 {
        let mut next = Vec::new();
        for k in keys.iter().filter(|k| k.len() == len - 1) {
            for &c in alphabet {
                let mut k = k.clone();
                k.push(c);
                next.push(k);
            }
        }
        keys.extend(next);
    }
    for chunk in keys.chunks(200) {
        let mut args: Vec<Vec<u8>> = vec![b"MSET".to_vec()];
        for k in chunk {
            args.push(k.clone());
            args.push(b"1".to_vec());
        }
        assert_eq!(client.call(&args), Value::ok());
        assert_eq!(run(&mut h, &args), Value::ok());
    }
    let pattern_alphabet: &[u8] = b"ab-[]^\\*?\xe9z";
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut rnd = move |n: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n
    };
    let mut patterns: Vec<Vec<u8>> = Vec::new();
    for _ in 0..3000 {
        let len = rnd(8) as usize;
        patterns.push(
            (0..len)
                .map(|_| pattern_alphabet[rnd(pattern_alphabet.len() as u64) as usize])
                .collect(),
        );
    }
    for p in [
        &b"*"[..],
        b"**",
        b"",
        b"[",
        b"[^",
        b"[\\",
        b"[a-",
        b"[a-]",
        b"[]]",
        b"\\",
        b"a\\",
        b"[\xe9-a]",
        b"[a-\xe9]",
        b"*[*",
    ] {
        patterns.push(p.to_vec());
    }
    for p in &patterns {
        let args = [b"KEYS".to_vec(), p.clone()];
        let want = common::sorted(client.call(&args));
        let got = common::sorted(run(&mut h, &args));
        assert_eq!(got, want, "KEYS {:?}", String::from_utf8_lossy(p));
    }
}

/// Redis 7.0's guards against pathological patterns, compared with the real thing.
#[test]
fn differential_pathological_patterns() {
    let redis = common::Redis::start();
    let mut client = redis.client();
    let mut h = SingleHost::new();
    let cases: Vec<(String, String)> = vec![
        ("a".repeat(57), "a*".repeat(44) + "b"),
        ("a".repeat(50000), "*?".repeat(50000)),
        ("a".repeat(2000), "a*".repeat(1000)),
        ("a".repeat(2000), "a*".repeat(999) + "a"),
        ("a".repeat(2000), "a*".repeat(1001) + "a"),
        ("a".repeat(2000), "*a".repeat(1000)),
        ("a".repeat(2000), "*a".repeat(1001)),
    ];
    for (key, pattern) in cases {
        for args in [
            vec!["FLUSHALL".to_string()],
            vec!["SET".into(), key.clone(), "1".into()],
        ] {
            client.call(&args);
            run(&mut h, &args);
        }
        let args = ["KEYS".to_string(), pattern.clone()];
        let want = client.call(&args);
        let got = run(&mut h, &args);
        assert_eq!(
            got,
            want,
            "KEYS {}... ({} bytes) on a key of {} bytes",
            &pattern[..pattern.len().min(20)],
            pattern.len(),
            key.len()
        );
    }
}

/// Walks a whole SCAN iteration on a client, returning the set of keys seen.
fn redis_scan_all(client: &mut common::Client, opts: &[&str]) -> BTreeSet<Vec<u8>> {
    let mut cursor = b"0".to_vec();
    let mut seen = BTreeSet::new();
    loop {
        let mut args: Vec<Vec<u8>> = vec![b"SCAN".to_vec(), cursor.clone()];
        args.extend(opts.iter().map(|o| o.as_bytes().to_vec()));
        let Value::Array(parts) = client.call(&args) else {
            panic!("SCAN on redis-server")
        };
        let (Value::Bulk(next), Value::Array(batch)) = (&parts[0], &parts[1]) else {
            panic!("SCAN reply shape")
        };
        for k in batch {
            let Value::Bulk(k) = k else { panic!() };
            seen.insert(k.clone());
        }
        if next == b"0" {
            return seen;
        }
        cursor = next.clone();
    }
}

/// Whole SCAN iterations with options: the same keys as Redis (cursors differ, sets not).
#[test]
fn differential_scan_iterations() {
    let redis = common::Redis::start();
    let mut client = redis.client();
    let mut h = SingleHost::new();
    let mut args = vec![b"MSET".to_vec()];
    for i in 0..700 {
        args.push(format!("user:{i}").into_bytes());
        args.push(b"1".to_vec());
        args.push(format!("{{tag}}:{i}").into_bytes());
        args.push(b"x".to_vec());
    }
    assert_eq!(client.call(&args), Value::ok());
    assert_eq!(run(&mut h, &args), Value::ok());
    for opts in [
        &[][..],
        &["COUNT", "1"],
        &["COUNT", "3", "MATCH", "user:1*"],
        &["MATCH", "*:?", "COUNT", "25"],
        &["MATCH", "{tag}*"],
        &["MATCH", "\\{tag\\}:[1-3]?", "TYPE", "string"],
        &["TYPE", "hash", "COUNT", "100"],
        &["MATCH", "nothing*", "COUNT", "1000"],
    ] {
        let want = redis_scan_all(&mut client, opts);
        let (got, _) = scan_all(&mut h, opts);
        let got: BTreeSet<Vec<u8>> = got.into_iter().collect();
        assert_eq!(got.len(), want.len(), "SCAN ... {opts:?}");
        assert_eq!(got, want, "SCAN ... {opts:?}");
    }
}
