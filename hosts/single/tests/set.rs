//! The set family through the in-process host, and differentially against redis-server.
//!
//! Encodings are checked with OBJECT ENCODING on both servers (the differential script)
//! and on the stored value; random replies (SPOP, SRANDMEMBER) are checked for size,
//! distinctness and membership here, and by shape against redis-server.

mod common;

use anax_core::Config;
use anax_host_single::SingleHost;
use anax_protocol::Value;
use common::{run_both, script, sorted, Redis};
use std::collections::BTreeSet;

fn int(n: i64) -> Value {
    Value::Int(n)
}

fn bulk(s: impl AsRef<[u8]>) -> Value {
    Value::bulk(s)
}

fn arr(items: &[&str]) -> Value {
    Value::Array(items.iter().map(bulk).collect())
}

fn members(v: Value) -> Vec<Vec<u8>> {
    match v {
        Value::Array(a) | Value::Set(a) => a
            .into_iter()
            .map(|x| match x {
                Value::Bulk(b) => b,
                other => panic!("not a bulk: {other:?}"),
            })
            .collect(),
        other => panic!("not an array: {other:?}"),
    }
}

fn encoding(h: &mut SingleHost, key: &str) -> Value {
    h.run(&["OBJECT", "ENCODING", key])
}

#[test]
fn sadd_srem_and_encodings() {
    let mut h = SingleHost::new();
    assert_eq!(h.run(&["SADD", "s", "3", "1", "2", "1"]), int(3));
    assert_eq!(encoding(&mut h, "s"), bulk("intset"));
    // Ascending order for an intset, as Redis.
    assert_eq!(h.run(&["SMEMBERS", "s"]), arr(&["1", "2", "3"]));
    assert_eq!(
        h.run(&["SADD", "s", "-70000", "9223372036854775807"]),
        int(2)
    );
    assert_eq!(
        h.run(&["SMEMBERS", "s"]),
        arr(&["-70000", "1", "2", "3", "9223372036854775807"])
    );
    assert_eq!(encoding(&mut h, "s"), bulk("intset"));
    // Not canonical integers: a hashtable.
    assert_eq!(h.run(&["SADD", "s", "01"]), int(1));
    assert_eq!(encoding(&mut h, "s"), bulk("hashtable"));
    assert_eq!(h.run(&["SISMEMBER", "s", "1"]), int(1));
    assert_eq!(h.run(&["SISMEMBER", "s", "01"]), int(1));
    assert_eq!(h.run(&["SREM", "s", "01", "1", "2", "3", "x"]), int(4));
    assert_eq!(encoding(&mut h, "s"), bulk("hashtable"));
    assert_eq!(
        h.run(&["SREM", "s", "-70000", "9223372036854775807"]),
        int(2)
    );
    assert_eq!(h.run(&["EXISTS", "s"]), int(0));
    // The threshold.
    let mut args = vec!["SADD".to_string(), "big".to_string()];
    args.extend((0..512).map(|i| i.to_string()));
    assert_eq!(h.run(&args), int(512));
    assert_eq!(encoding(&mut h, "big"), bulk("intset"));
    assert_eq!(h.run(&["SADD", "big", "512"]), int(1));
    assert_eq!(encoding(&mut h, "big"), bulk("hashtable"));
    assert_eq!(h.run(&["SCARD", "big"]), int(513));
    // CONFIG SET takes effect for new conversions.
    assert_eq!(
        h.run(&["CONFIG", "SET", "set-max-intset-entries", "2"]),
        Value::ok()
    );
    assert_eq!(h.run(&["SADD", "t", "1", "2"]), int(2));
    assert_eq!(encoding(&mut h, "t"), bulk("intset"));
    assert_eq!(h.run(&["SADD", "t", "3"]), int(1));
    assert_eq!(encoding(&mut h, "t"), bulk("hashtable"));
}

#[test]
fn intset_is_packed() {
    let mut h = SingleHost::new();
    let mut args = vec!["SADD".to_string(), "s".to_string()];
    args.extend((0..100).map(|i| i.to_string()));
    h.run(&args);
    let now = h.now_ms();
    let e = h.engine().state.db(0, b"s").lookup(b"s", now).unwrap();
    // 100 members of 2 bytes, plus the set's own header.
    let heap = e.value.heap_size();
    assert!(
        heap <= 200 + 64,
        "intset of 100 small members uses {heap} bytes"
    );
}

#[test]
fn spop_and_srandmember() {
    let mut h = SingleHost::new();
    for enc in ["ints", "strs"] {
        let all: Vec<String> = (0..20)
            .map(|i| {
                if enc == "ints" {
                    i.to_string()
                } else {
                    format!("m{i}")
                }
            })
            .collect();
        let mut args = vec!["SADD".to_string(), "s".to_string()];
        args.extend(all.iter().cloned());
        h.run(&args);
        let universe: BTreeSet<Vec<u8>> = all.iter().map(|s| s.as_bytes().to_vec()).collect();
        let got = members(h.run(&["SRANDMEMBER", "s", "5"]));
        assert_eq!(got.len(), 5);
        assert_eq!(got.iter().collect::<BTreeSet<_>>().len(), 5, "distinct");
        assert!(got.iter().all(|m| universe.contains(m)));
        let got = members(h.run(&["SRANDMEMBER", "s", "-50"]));
        assert_eq!(got.len(), 50);
        assert!(got.iter().all(|m| universe.contains(m)));
        let got = members(h.run(&["SRANDMEMBER", "s", "30"]));
        assert_eq!(got.len(), 20);
        assert_eq!(h.run(&["SCARD", "s"]), int(20));
        let mut popped = BTreeSet::new();
        for m in members(h.run(&["SPOP", "s", "7"])) {
            assert!(universe.contains(&m));
            assert!(popped.insert(m));
        }
        assert_eq!(h.run(&["SCARD", "s"]), int(13));
        match h.run(&["SPOP", "s"]) {
            Value::Bulk(m) => {
                assert!(universe.contains(&m));
                assert!(popped.insert(m));
            }
            other => panic!("{other:?}"),
        }
        for m in members(h.run(&["SMEMBERS", "s"])) {
            assert!(!popped.contains(&m));
        }
        let rest = members(h.run(&["SPOP", "s", "100"]));
        assert_eq!(rest.len(), 12);
        assert_eq!(h.run(&["EXISTS", "s"]), int(0));
    }
}

#[test]
fn sscan_walks_a_changing_hashtable() {
    let mut h = SingleHost::new();
    let mut args = vec!["SADD".to_string(), "s".to_string()];
    args.extend((0..1000).map(|i| format!("m{i}")));
    h.run(&args);
    let mut seen = BTreeSet::new();
    let mut cursor = b"0".to_vec();
    let mut round = 0;
    loop {
        let r = h.run(&[
            b"SSCAN".to_vec(),
            b"s".to_vec(),
            cursor.clone(),
            b"COUNT".to_vec(),
            b"13".to_vec(),
        ]);
        let Value::Array(mut parts) = r else { panic!() };
        let page = parts.pop().unwrap();
        let Value::Bulk(c) = parts.pop().unwrap() else {
            panic!()
        };
        seen.extend(members(page));
        // Change the set between calls: members that stay must all be seen.
        h.run(&["SREM", "s", &format!("m{}", 999 - round)]);
        h.run(&["SADD", "s", &format!("new{round}")]);
        round += 1;
        if c == b"0" {
            break;
        }
        cursor = c;
    }
    for i in 0..(1000 - round) {
        assert!(seen.contains(format!("m{i}").as_bytes()), "m{i} missed");
    }
    // MATCH filters.
    let r = h.run(&["SSCAN", "s", "0", "MATCH", "m99?", "COUNT", "5000"]);
    let Value::Array(parts) = r else { panic!() };
    let got = members(parts[1].clone());
    assert!(got.iter().all(|m| m.starts_with(b"m99")));
}

#[test]
fn multi_key_across_shards() {
    let mut h = SingleHost::with_config(Config::default(), 4);
    h.run(&["SADD", "a", "1", "2", "3", "x"]);
    h.run(&["SADD", "b", "2", "3", "4"]);
    h.run(&["SADD", "c", "3", "5"]);
    assert_eq!(
        sorted(h.run(&["SINTER", "a", "b", "c"])),
        sorted(arr(&["3"]))
    );
    assert_eq!(h.run(&["SINTERCARD", "2", "a", "b"]), int(2));
    assert_eq!(h.run(&["SINTERCARD", "2", "a", "b", "LIMIT", "1"]), int(1));
    assert_eq!(
        sorted(h.run(&["SUNION", "a", "b", "c"])),
        sorted(arr(&["1", "2", "3", "4", "5", "x"]))
    );
    assert_eq!(
        sorted(h.run(&["SDIFF", "a", "b", "c"])),
        sorted(arr(&["1", "x"]))
    );
    assert_eq!(h.run(&["SINTERSTORE", "d", "a", "b"]), int(2));
    assert_eq!(h.run(&["SMEMBERS", "d"]), arr(&["2", "3"]));
    // The result is built as an intset, as in Redis.
    assert_eq!(encoding(&mut h, "d"), bulk("intset"));
    assert_eq!(h.run(&["SUNIONSTORE", "a", "a", "c"]), int(5));
    assert_eq!(h.run(&["SDIFFSTORE", "d", "c", "c"]), int(0));
    assert_eq!(h.run(&["EXISTS", "d"]), int(0));
    assert_eq!(h.run(&["SMOVE", "a", "zz", "x"]), int(1));
    assert_eq!(h.run(&["SMEMBERS", "zz"]), arr(&["x"]));
    assert_eq!(encoding(&mut h, "zz"), bulk("hashtable"));
    // Every set is still in place after the multi-key commands took and returned them.
    assert_eq!(h.run(&["SCARD", "a"]), int(4));
    assert_eq!(h.run(&["SCARD", "b"]), int(3));
    assert_eq!(h.run(&["SCARD", "c"]), int(2));
    // Duplicate keys.
    assert_eq!(h.run(&["SINTER", "b", "b"]), arr(&["2", "3", "4"]));
    h.run(&["SET", "str", "v"]);
    assert!(matches!(h.run(&["SINTER", "a", "str"]), Value::Error(_)));
    // A WRONGTYPE in the middle leaves the sets in place.
    assert_eq!(h.run(&["SCARD", "a"]), int(4));
}

/// Every command with valid and invalid calls, against a real redis-server.
#[test]
fn differential_against_redis() {
    let redis = Redis::start();
    let mut client = redis.client();
    let mut host = SingleHost::new();
    run_both(&mut client, &mut host, &script(DIFF_SCRIPT));
    // Both encodings again with a small threshold, then the default back.
    run_both(&mut client, &mut host, &script(SMALL_THRESHOLD));
    // RESP3: sets answer `~`, SRANDMEMBER with a count an array. (HELLO's reply holds
    // the connection id, which differs: it is sent to each side, not compared.)
    client.call(&[b"HELLO".to_vec(), b"3".to_vec()]);
    host.run(&["HELLO", "3"]);
    run_both(&mut client, &mut host, &script(RESP3_SCRIPT));
}

const DIFF_SCRIPT: &str = r#"
flushall
command info sadd srem smembers sismember smismember scard spop srandmember smove sinter
command info sintercard sinterstore sunion sunionstore sdiff sdiffstore sscan
command getkeys sintercard 2 a b limit 1
command getkeys smove a b m
command getkeys sdiffstore d a b
set str v
# SADD / SREM / SCARD / SISMEMBER / SMISMEMBER
sadd
sadd s
sadd s 3 1 2 1
scard s
object encoding s
smembers s
sadd s -5 100000 99999999999 -9223372036854775808 9223372036854775807
smembers s
object encoding s
sismember s 1
sismember s 01
sismember s nope
sismember nokey 1
sismember s
smismember s 1 01 2 nope
smismember nokey a b
smismember s
scard nokey
scard s extra
sadd str a
srem str a
scard str
sismember str a
smismember str a
smembers str
sadd h a b c 1
object encoding h
~smembers h
sadd i 1 01
object encoding i
sadd j 1 +1
object encoding j
sadd k 1 -0
object encoding k
sadd l 1 " 1"
object encoding l
sadd m 1 9223372036854775808
object encoding m
sadd n 1 1.5
object encoding n
srem s 1 2 nope 1
smembers s
srem s -5 100000 99999999999 -9223372036854775808 9223372036854775807 3
exists s
srem nokey a
srem h a
srem h
~smembers h
srem h b c 1
exists h
# SPOP
spop
spop nokey
spop nokey 2
spop nokey 0
spop str
spop str 1
spop str 0
spop str abc
sadd p 1 2 3
spop p 1 2
spop p -1
spop p abc
spop p 1.5
spop p 0
spop p 3
exists p
sadd p 5
spop p
exists p
sadd p a b c
~spop p 10
exists p
sadd p 1 2 3 4 5 6 7 8 9 10
?spop p 3
scard p
?spop p
scard p
del p
# SRANDMEMBER
srandmember
srandmember nokey
srandmember nokey 2
srandmember nokey -2
srandmember nokey 0
srandmember str
srandmember str 2
srandmember str abc
sadd r 1 2 3
srandmember r 1 2
srandmember r abc
srandmember r -9223372036854775808
srandmember r 9223372036854775808
srandmember r 0
srandmember r 3
srandmember r 100
?srandmember r 2
?srandmember r -5
?srandmember r -1
?srandmember r
sadd rs a
srandmember rs
srandmember rs -3
srandmember rs 1
sadd rh a b c d
~srandmember rh 4
~srandmember rh 100
?srandmember rh 2
?srandmember rh -7
# SMOVE
smove
smove a b
sadd m1 1 2 3
sadd m2 a b
smove m1 m2 1
smembers m1
~smembers m2
object encoding m2
smove m1 m2 99
smove m1 m1 2
smove m1 m1 99
smove nokey m2 1
smove nokey str 1
smove m1 str 2
smove str m1 2
smove m1 new 2
smembers new
object encoding new
smove m1 new 3
exists m1
smembers new
smove m2 new2 a
object encoding new2
# SINTER / SINTERCARD / SINTERSTORE
sadd a 1 2 3 4 x
sadd b 2 3 4 5
sadd c 3 4 y
~sinter b c
~sinter a b c
~sinter nokey a
~sinter a nokey
~sinter nokey str
~sinter str nokey
~sinter a str
sinter
~sinter a
sintercard 2 a b
sintercard 3 a b c
sintercard 3 a b c limit 1
sintercard 3 a b c limit 0
sintercard 3 a b c LIMIT 100
sintercard 1 a limit 1 limit 2
sintercard 2 a nokey
sintercard 2 a str
sintercard 2 nokey str
sintercard 1 nokey str
sintercard 0 a
sintercard -1 a
sintercard abc a
sintercard 3 a b
sintercard 1 a limit
sintercard 1 a limit -1
sintercard 1 a limit abc
sintercard 1 a foo 1
sintercard
sintercard 1
sinterstore d a b
smembers d
object encoding d
sinterstore d a nokey
exists d
sinterstore d a b c
smembers d
sinterstore str a b
type str
smembers str
sinterstore d a str
sinterstore d nokey str
sinterstore d
sinterstore d b b
smembers d
set str v
sinterstore d h a
exists d
# SUNION / SUNIONSTORE
~sunion b c
~sunion a b c
~sunion nokey
~sunion nokey b
~sunion b str
~sunion nokey str
sunion
sunionstore u b c
~smembers u
object encoding u
sunionstore u b
smembers u
object encoding u
sunionstore u nokey
exists u
sunionstore u b str
sunionstore str b
type str
set str v
sunionstore u
# SDIFF / SDIFFSTORE
~sdiff a b
~sdiff b a
~sdiff b c
~sdiff a c
~sdiff a a
~sdiff a nokey
~sdiff nokey a
~sdiff a str
~sdiff str nokey
~sdiff nokey str
sdiff
sdiffstore e a b
~smembers e
object encoding e
sdiffstore e b a c
smembers e
object encoding e
sdiffstore e a a
exists e
sdiffstore e nokey a
sdiffstore e a str
sdiffstore e
# SSCAN
sscan
sscan a
sscan b abc
sscan b 0
sscan b 1
sscan b -1
sscan b 18446744073709551615
sscan b 18446744073709551616
sscan b 0 count 1
sscan b 0 count 0
sscan b 0 count -1
sscan b 0 count abc
sscan b 0 match
sscan b 0 match 2*
sscan b 0 match * count 100
sscan b 0 foo bar
sscan b 0 type set
sscan nokey 0
sscan nokey 0 count 0
sscan nokey abc
sscan str 0
sscan str abc
sscan str 0 count 0
~sscan c 0 count 100
~sscan c 0 match y count 100
sadd big 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50
object encoding big
"#;

const SMALL_THRESHOLD: &str = r#"
config set set-max-intset-entries 3
sadd t 1 2 3
object encoding t
smembers t
sadd t 4
object encoding t
srem t 4 3
object encoding t
~smembers t
sadd t2 5 6
sunionstore t3 t t2
object encoding t3
~smembers t3
sinterstore t4 t t
object encoding t4
smembers t4
sadd t5 1 2 3 4 5
object encoding t5
sdiffstore t6 t5 t2
object encoding t6
~smembers t6
smove t5 t2 1
object encoding t2
~smembers t2
config set set-max-intset-entries 0
sadd z 1
object encoding z
sunionstore z2 t4
object encoding z2
config set set-max-intset-entries 1
sadd y 1
object encoding y
sadd y 2
object encoding y
config set set-max-intset-entries 512
sadd w 1 2 3 4
object encoding w
"#;

const RESP3_SCRIPT: &str = r#"
sadd q 3 1 2
smembers q
smembers nokey
~sinter q
~sinter nokey q
~sunion q
~sunion nokey
~sdiff q
~sdiff nokey q
spop nokey 2
spop q 0
srandmember q 3
srandmember q 5
srandmember nokey 2
smismember q 1 5
sscan q 0
spop q 5
exists q
"#;

/// Runs SSCAN to the end on one side; the sorted, de-duplicated members.
fn full_sscan(mut call: impl FnMut(&[Vec<u8>]) -> Value, key: &str, count: &str) -> Vec<Vec<u8>> {
    let mut cursor = b"0".to_vec();
    let mut all = Vec::new();
    for _ in 0..10_000 {
        let r = call(&[
            b"SSCAN".to_vec(),
            key.as_bytes().to_vec(),
            cursor.clone(),
            b"COUNT".to_vec(),
            count.as_bytes().to_vec(),
        ]);
        let Value::Array(mut parts) = r else {
            panic!("{r:?}")
        };
        let page = parts.pop().unwrap();
        let Value::Bulk(c) = parts.pop().unwrap() else {
            panic!()
        };
        all.extend(members(page));
        if c == b"0" {
            all.sort();
            all.dedup();
            return all;
        }
        cursor = c;
    }
    panic!("SSCAN did not end");
}

/// Large sets (past the packed and intset limits) against redis-server: every command
/// over hashtables of strings and of integers.
#[test]
fn differential_large_sets() {
    let redis = Redis::start();
    let mut client = redis.client();
    let mut host = SingleHost::new();
    let mut text = String::new();
    text.push_str("flushall\nconfig set set-max-intset-entries 40\n");
    let strs: Vec<String> = (0..150).map(|i| format!("member:{i}")).collect();
    let ints: Vec<String> = (0..100).map(|i| (i * 7).to_string()).collect();
    text.push_str(&format!("sadd ls {}\n", strs.join(" ")));
    text.push_str(&format!("sadd li {}\n", ints.join(" ")));
    text.push_str(&format!(
        "sadd lm {} {}\n",
        strs[..50].join(" "),
        ints[..50].join(" ")
    ));
    text.push_str(&format!("sadd small {}\n", ints[..30].join(" ")));
    text.push_str(
        "object encoding ls\nobject encoding li\nobject encoding lm\nobject encoding small\n\
         scard ls\nscard li\nscard lm\n~smembers ls\n~smembers li\n~smembers lm\n\
         sismember ls member:3\nsismember li 14\nsismember li 15\nsmismember lm member:1 7 8 nope\n\
         ~sinter ls lm\n~sinter li lm small\nsintercard 2 ls lm\nsintercard 3 li lm small limit 5\n\
         ~sunion ls li\n~sdiff lm ls\n~sdiff li small\n\
         sinterstore d1 li lm\nobject encoding d1\n~smembers d1\n\
         sunionstore d2 ls li\nobject encoding d2\nscard d2\n\
         sdiffstore d3 li small\nobject encoding d3\n~smembers d3\n\
         sdiffstore d4 small li\nexists d4\n\
         smove ls li member:0\nobject encoding li\nsismember li member:0\nscard ls\n\
         smove li small 7\nsmembers small\n\
         ~srandmember ls 1000\n?srandmember ls 10\n?srandmember ls -300\n\
         ?spop ls 20\nscard ls\n~spop small 100\nexists small\n\
         config set set-max-intset-entries 512\n",
    );
    let mut srem = String::from("srem lm");
    for m in strs[..50].iter().chain(&ints[..50]) {
        srem.push(' ');
        srem.push_str(m);
    }
    text.push_str(&srem);
    text.push_str("\nexists lm\n");
    run_both(&mut client, &mut host, &script(&text));
    // Full SSCAN iterations agree, with small and large pages.
    for (key, count) in [("li", "1"), ("li", "7"), ("d2", "10"), ("d2", "1000")] {
        let want = full_sscan(|a| client.call(a), key, count);
        let got = full_sscan(|a| host.run(a), key, count);
        assert_eq!(got, want, "SSCAN {key} COUNT {count}");
        assert!(!want.is_empty());
    }
    // `ls` lost random members to SPOP: each side's SSCAN agrees with its own SMEMBERS.
    let mut own = members(host.run(&["SMEMBERS", "ls"]));
    own.sort();
    assert_eq!(full_sscan(|a| host.run(a), "ls", "3"), own);
    assert_eq!(own.len(), 129);
}

/// Writes count only when something changed (WATCH and save points depend on it).
#[test]
fn dirty_only_on_change() {
    let mut h = SingleHost::new();
    let dirty = |h: &mut SingleHost, cmd: &[&str]| {
        let before = h.engine().state.dirty;
        h.run(cmd);
        h.engine().state.dirty - before
    };
    assert_eq!(dirty(&mut h, &["SADD", "s", "1", "2", "a"]), 3);
    assert_eq!(dirty(&mut h, &["SADD", "s", "1"]), 0);
    assert_eq!(dirty(&mut h, &["SREM", "s", "nope"]), 0);
    assert_eq!(dirty(&mut h, &["SMOVE", "s", "t", "nope"]), 0);
    assert_eq!(dirty(&mut h, &["SINTERSTORE", "d", "s", "nokey"]), 0);
    assert_eq!(dirty(&mut h, &["SINTERSTORE", "d", "s", "s"]), 1);
    assert_eq!(dirty(&mut h, &["SINTERSTORE", "d", "s", "nokey"]), 1);
    assert_eq!(dirty(&mut h, &["SMEMBERS", "s"]), 0);
    assert_eq!(dirty(&mut h, &["SPOP", "s", "2"]), 2);
}

/// Redis 7.0 builds the whole reply of a negative-count random pick, so a huge count
/// exhausts its memory; Anax refuses counts past `MAX_RANDOM_PICKS` instead.
#[test]
fn huge_negative_random_counts_are_refused_not_built() {
    let mut h = SingleHost::new();
    h.run(&["SADD", "s", "a"]);
    h.run(&["HSET", "h", "f", "v"]);
    h.run(&["ZADD", "z", "1", "m"]);
    let out_of_range = Value::err("ERR value is out of range");
    let huge = "-9223372036854775807";
    let limit = anax_core::cmd::MAX_RANDOM_PICKS;
    for cmd in [
        vec!["SRANDMEMBER", "s", huge],
        vec!["HRANDFIELD", "h", huge],
        vec!["ZRANDMEMBER", "z", huge],
    ] {
        assert_eq!(h.run(&cmd), out_of_range, "{cmd:?}");
    }
    let over = format!("-{}", limit + 1);
    assert_eq!(h.run(&["SRANDMEMBER", "s", &over]), out_of_range);
    // Within the bound the pick is served, with repeats, as Redis does.
    assert_eq!(
        h.run(&["SRANDMEMBER", "s", "-3"]),
        Value::Array(vec![Value::bulk("a"); 3])
    );
}
