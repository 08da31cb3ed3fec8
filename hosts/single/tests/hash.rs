//! The hash family through the in-process host, and differentially against redis-server:
//! every command with valid and invalid calls, both encodings (listpack and hashtable, with
//! the conversions at Redis's thresholds and at thresholds lowered by CONFIG SET on both
//! servers), WRONGTYPE against a string key, RESP2 and RESP3 reply shapes.

mod common;

use anax_host_single::SingleHost;
use anax_protocol::Value;
use common::{run_both, script, sorted, Cmp, Redis};

fn int(n: i64) -> Value {
    Value::Int(n)
}

fn bulk(s: impl AsRef<[u8]>) -> Value {
    Value::bulk(s)
}

fn err(s: &str) -> Value {
    Value::err(s)
}

fn encoding(h: &mut SingleHost, key: &str) -> Value {
    h.run(&["OBJECT", "ENCODING", key])
}

#[test]
fn basics() {
    let mut h = SingleHost::new();
    assert_eq!(h.run(&["HSET", "h", "a", "1", "b", "2"]), int(2));
    assert_eq!(h.run(&["HSET", "h", "a", "3", "c", "4"]), int(1));
    assert_eq!(h.run(&["HGET", "h", "a"]), bulk("3"));
    assert_eq!(h.run(&["HGET", "h", "zz"]), Value::Null);
    assert_eq!(h.run(&["HLEN", "h"]), int(3));
    assert_eq!(
        h.run(&["HGETALL", "h"]),
        Value::Array(vec![
            bulk("a"),
            bulk("3"),
            bulk("b"),
            bulk("2"),
            bulk("c"),
            bulk("4")
        ])
    );
    assert_eq!(h.run(&["HDEL", "h", "a", "a", "zz"]), int(1));
    assert_eq!(h.run(&["HDEL", "h", "b", "c"]), int(2));
    assert_eq!(h.run(&["EXISTS", "h"]), int(0));
    assert_eq!(h.run(&["HINCRBY", "n", "f", "5"]), int(5));
    assert_eq!(h.run(&["HINCRBYFLOAT", "n", "g", "0.1"]), bulk("0.1"));
    assert_eq!(h.run(&["HINCRBYFLOAT", "n", "g", "0.2"]), bulk("0.3"));
    assert_eq!(
        h.run(&["HINCRBY", "n", "g", "1"]),
        err("ERR hash value is not an integer")
    );
    assert_eq!(h.run(&["SET", "s", "v"]), Value::ok());
    assert_eq!(
        h.run(&["HGET", "s", "a"]),
        err("WRONGTYPE Operation against a key holding the wrong kind of value")
    );
    // A failed increment on a new key leaves no empty hash behind.
    assert_eq!(
        h.run(&["HINCRBYFLOAT", "new", "f", "inf"]),
        err("ERR value is NaN or Infinity")
    );
    assert_eq!(h.run(&["EXISTS", "new"]), int(0));
}

#[test]
fn conversions_follow_the_thresholds() {
    let mut h = SingleHost::new();
    for i in 0..512 {
        h.run(&["HSET", "h", &format!("f{i}"), "v"]);
    }
    assert_eq!(encoding(&mut h, "h"), bulk("listpack"));
    h.run(&["HSET", "h", "f512", "v"]);
    assert_eq!(encoding(&mut h, "h"), bulk("hashtable"));
    // Never back.
    for i in 0..504 {
        h.run(&["HDEL", "h", &format!("f{i}")]);
    }
    assert_eq!(encoding(&mut h, "h"), bulk("hashtable"));
    assert_eq!(h.run(&["HLEN", "h"]), int(9));

    h.run(&["HSET", "v", "f", &"x".repeat(64)]);
    assert_eq!(encoding(&mut h, "v"), bulk("listpack"));
    h.run(&["HSET", "v", "f", &"x".repeat(65)]);
    assert_eq!(encoding(&mut h, "v"), bulk("hashtable"));

    assert_eq!(
        h.run(&["CONFIG", "SET", "hash-max-listpack-entries", "2"]),
        Value::ok()
    );
    h.run(&["HSET", "s", "a", "1", "b", "2"]);
    assert_eq!(encoding(&mut h, "s"), bulk("listpack"));
    h.run(&["HSET", "s", "c", "3"]);
    assert_eq!(encoding(&mut h, "s"), bulk("hashtable"));
}

/// Every pair HSCAN returns over a full iteration from cursor 0, sorted.
fn full_hscan(mut call: impl FnMut(&[String]) -> Value, key: &str, extra: &[&str]) -> Value {
    let mut cursor = "0".to_string();
    let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    for _ in 0..100_000 {
        let mut args = vec!["HSCAN".to_string(), key.to_string(), cursor.clone()];
        args.extend(extra.iter().map(|s| s.to_string()));
        let Value::Array(parts) = call(&args) else {
            panic!("HSCAN reply is not an array");
        };
        let (Value::Bulk(c), Value::Array(items)) = (&parts[0], &parts[1]) else {
            panic!("HSCAN reply shape");
        };
        for p in items.chunks(2) {
            let (Value::Bulk(f), Value::Bulk(v)) = (&p[0], &p[1]) else {
                panic!("HSCAN item shape");
            };
            pairs.push((f.clone(), v.clone()));
        }
        cursor = String::from_utf8(c.clone()).unwrap();
        if cursor == "0" {
            pairs.sort();
            pairs.dedup();
            return Value::Array(
                pairs
                    .into_iter()
                    .flat_map(|(f, v)| [Value::Bulk(f), Value::Bulk(v)])
                    .collect(),
            );
        }
    }
    panic!("HSCAN did not end");
}

#[test]
fn hscan_walks_a_hashtable_across_resizes() {
    let mut h = SingleHost::new();
    for i in 0..1000 {
        h.run(&["HSET", "h", &format!("f{i}"), &format!("{i}")]);
    }
    let all = full_hscan(|a| h.run(a), "h", &["COUNT", "7"]);
    let Value::Array(items) = &all else { panic!() };
    assert_eq!(items.len(), 2000);
    // Fields present throughout are returned even when the table shrinks mid-walk.
    let mut cursor = "0".to_string();
    let mut seen = std::collections::BTreeSet::new();
    let mut calls = 0;
    loop {
        let Value::Array(parts) = h.run(&["HSCAN", "h", &cursor, "COUNT", "10"]) else {
            panic!()
        };
        let (Value::Bulk(c), Value::Array(items)) = (&parts[0], &parts[1]) else {
            panic!()
        };
        for p in items.chunks(2) {
            seen.insert(p[0].as_bytes().unwrap().to_vec());
        }
        calls += 1;
        if calls == 5 {
            for i in 100..1000 {
                h.run(&["HDEL", "h", &format!("f{i}")]);
            }
        }
        cursor = String::from_utf8(c.clone()).unwrap();
        if cursor == "0" {
            break;
        }
    }
    for i in 0..100 {
        assert!(seen.contains(format!("f{i}").as_bytes()), "f{i} missing");
    }
}

#[test]
fn hrandfield_shapes() {
    let mut h = SingleHost::new();
    for i in 0..200 {
        h.run(&["HSET", "big", &format!("f{i}"), &format!("v{i}")]);
        if i < 5 {
            h.run(&["HSET", "small", &format!("f{i}"), &format!("v{i}")]);
        }
    }
    for key in ["big", "small"] {
        let size = if key == "big" { 200 } else { 5 };
        for count in [1i64, 2, 3, 4, 10, 60, 100, 199, 200, 300, -1, -3, -500] {
            let Value::Array(items) = h.run(&["HRANDFIELD", key, &count.to_string()]) else {
                panic!()
            };
            let want = if count < 0 { -count } else { count.min(size) };
            assert_eq!(items.len() as i64, want, "{key} {count}");
            if count > 0 {
                let mut u = items.clone();
                u.sort_by_key(|v| format!("{v:?}"));
                u.dedup();
                assert_eq!(u.len(), items.len(), "distinct fields for {key} {count}");
            }
            let Value::Array(items) = h.run(&["HRANDFIELD", key, &count.to_string(), "WITHVALUES"])
            else {
                panic!()
            };
            assert_eq!(items.len() as i64, want * 2);
            for p in items.chunks(2) {
                let (Value::Bulk(f), Value::Bulk(v)) = (&p[0], &p[1]) else {
                    panic!()
                };
                assert_eq!(&f[1..], &v[1..], "value belongs to its field");
            }
        }
    }
    // RESP3: pairs as arrays.
    h.run(&["HELLO", "3"]);
    let Value::Array(items) = h.run(&["HRANDFIELD", "big", "-3", "WITHVALUES"]) else {
        panic!()
    };
    assert_eq!(items.len(), 3);
    assert!(items
        .iter()
        .all(|p| matches!(p, Value::Array(x) if x.len() == 2)));
}

fn differential(text: &str) {
    let redis = Redis::start();
    let mut client = redis.client();
    let mut host = SingleHost::new();
    run_both(&mut client, &mut host, &script(text));
}

#[test]
fn differential_against_redis() {
    differential(SCRIPT);
}

const SCRIPT: &str = r#"
hset
hset h
hset h f
hset h f v x
hmset h f
hmset h f v x
hset h f v
hset h f v2 g w
hsetnx h f x
hsetnx h n 1
hsetnx nokey f v
hget h f
hget h nofield
hget nokey f
hget h
hmget h f g zz f
hmget nokey a b
hmget h
hmset h a 1 b 2
hgetall h
hkeys h
hvals h
hgetall nokey
hkeys nokey
hvals nokey
hlen h
hlen nokey
hstrlen h f
hstrlen h nofield
hstrlen nokey f
hexists h f
hexists h nofield
hexists nokey f
hdel h
hdel h f zz f g
hdel nokey f
hgetall h
hdel h n a b
exists h
hset e "" ""
hget e ""
hstrlen e ""
hgetall e
# Increments
hincrby c i 5
hincrby c i -10
hincrby c i abc
hincrby c i 1.5
hincrby c i ""
hincrby c i 9223372036854775808
hincrby c big 9223372036854775807
hincrby c big 1
hincrby c big -9223372036854775807
hincrby c small -9223372036854775808
hincrby c small -1
hset c s abc sp " 1" z 007 f 1.5
hincrby c s 1
hincrby c sp 1
hincrby c z 1
hincrby c f 1
hincrbyfloat c f 1.5
hincrbyfloat c f 0.1
hincrbyfloat c i 1.25
hincrbyfloat c z 1
hincrbyfloat c s 1
hincrbyfloat c sp 1
hincrbyfloat c n abc
hincrbyfloat c n inf
hincrbyfloat c n -inf
hincrbyfloat c n nan
hincrbyfloat c n 1e5000
hincrbyfloat c n ""
hincrbyfloat c n 0x10
hincrbyfloat c n 1e300
hincrbyfloat c n 5e-324
hincrbyfloat c g 10.50
hincrbyfloat c g -10.5
hset c inf inf
hincrbyfloat c inf 1
hincrbyfloat c h 1.7976931348623157e308
hincrbyfloat c h 1.7976931348623157e308
~hgetall c
object encoding c
hincrbyfloat nk f inf
exists nk
hincrby nk f abc
exists nk
# Random fields: deterministic forms
hrandfield nokey
hrandfield nokey 5
hrandfield nokey -5 withvalues
hrandfield nokey 0
hset one f v
hrandfield one
hrandfield one 1
hrandfield one -3
hrandfield one -3 withvalues
hrandfield one 5 withvalues
hrandfield one 0
hrandfield one 0 withvalues
hset r a 1 b 2 c 3
hrandfield r 3
hrandfield r 10 withvalues
hrandfield r x
hrandfield r 1.5
hrandfield r -9223372036854775808
hrandfield r 4611686018427387904 withvalues
hrandfield r -4611686018427387904 withvalues
hrandfield r 1 withvalue
hrandfield r 1 withvalues x
hrandfield r x withvalues
?hrandfield r
?hrandfield r 2
?hrandfield r -10 withvalues
# Scans
hscan nokey 0
hscan nokey x
hscan nokey 0 count 0
hscan r x
hscan r 0
hscan r 0 match a*
hscan r 0 match *
hscan r 0 match "[a-b]"
hscan r 0 count 1
hscan r 0 count 0
hscan r 0 count -1
hscan r 0 count x
hscan r 0 count
hscan r 0 match
hscan r 0 type string
hscan r 0 foo bar
hscan r 5
hscan r -1
hscan r 18446744073709551615
hscan r 18446744073709551616
hscan r " 1"
hscan r ""
hscan r 0 MATCH c* COUNT 100
# Wrong type
set s v
hset s f v
hmset s f v
hsetnx s f v
hget s f
hmget s f
hdel s f
hlen s
hstrlen s f
hexists s f
hkeys s
hvals s
hgetall s
hincrby s f 1
hincrby s f x
hincrbyfloat s f 1
hincrbyfloat s f x
hincrbyfloat s f inf
hrandfield s
hrandfield s 0
hrandfield s -5 withvalues
hrandfield s x
hscan s 0
hscan s x
hscan s 0 count 0
get s
type r
command info hset hsetnx hget hmget hmset hdel hlen hstrlen hexists hkeys hvals hgetall hincrby hincrbyfloat hrandfield hscan
"#;

#[test]
fn encodings_against_redis() {
    let redis = Redis::start();
    let mut client = redis.client();
    let mut host = SingleHost::new();
    let mut cmds = script(ENCODING_SCRIPT);
    // A hash grown past 512 fields one at a time and in one HSET.
    for i in 0..513 {
        let f = format!("f{i}");
        cmds.push((
            Cmp::Exact,
            vec![
                b"hset".to_vec(),
                b"big".to_vec(),
                f.into_bytes(),
                b"v".to_vec(),
            ],
        ));
        if i == 511 {
            cmds.extend(script(
                "object encoding big\nhgetall big\nhrandfield big 600\nhscan big 0",
            ));
        }
    }
    let mut many = vec![b"hset".to_vec(), b"big2".to_vec()];
    for i in 0..513 {
        many.push(format!("f{i}").into_bytes());
        many.push(format!("{i}").into_bytes());
    }
    cmds.push((Cmp::Exact, many));
    cmds.extend(script(
        "object encoding big\nobject encoding big2\nhlen big\nhlen big2\n~hkeys big2\n~hvals big2\n~hgetall big2\nhget big2 f77\nhdel big2 f1 f2\nhlen big2\nobject encoding big2",
    ));
    run_both(&mut client, &mut host, &cmds);
    // Full iterations of a hashtable agree as sets of pairs, with and without MATCH.
    for extra in [
        &[][..],
        &["COUNT", "3"][..],
        &["MATCH", "f1*", "COUNT", "5"][..],
    ] {
        let want = full_hscan(|a| client.call(a), "big2", extra);
        let got = full_hscan(|a| host.run(a), "big2", extra);
        assert_eq!(got, want, "HSCAN {extra:?}");
    }
    // HRANDFIELD with a count of at least the size answers the whole hash.
    let want = sorted(client.call(&["HRANDFIELD", "big2", "1000", "WITHVALUES"]));
    let got = sorted(host.run(&["HRANDFIELD", "big2", "1000", "WITHVALUES"]));
    assert_eq!(got, want);
}

const ENCODING_SCRIPT: &str = r#"
hset v f xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
object encoding v
hset v f xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
object encoding v
hset k xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx v
object encoding k
hset m a 1 b xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
object encoding m
hset nx a 1
hsetnx nx a xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
object encoding nx
hsetnx nx xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx 1
object encoding nx
hset i a 1
hincrby i xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx 1
object encoding i
hset fl a 1
hincrbyfloat fl a 1e60
object encoding fl
hincrbyfloat fl a 1e70
object encoding fl
hgetall fl
config set hash-max-listpack-entries 2
config set hash-max-listpack-value 4
hset t a 1 b 2
object encoding t
hgetall t
hset t c 3
object encoding t
~hgetall t
hset u a 1234
object encoding u
hset u a 12345
object encoding u
hset w a 1 b 2 c 3
object encoding w
hset y a 1
hincrby y a 99999
object encoding y
hincrbyfloat y b 1.5
object encoding y
config set hash-max-listpack-entries 0
hset z a 1
object encoding z
hget z a
config set hash-max-listpack-entries 512
config set hash-max-listpack-value 64
hset after a 1
object encoding after
"#;

#[test]
fn resp3_against_redis() {
    let redis = Redis::start();
    let mut client = redis.client();
    let mut host = SingleHost::new();
    assert!(matches!(client.call(&["HELLO", "3"]), Value::Map(_)));
    assert!(matches!(host.run(&["HELLO", "3"]), Value::Map(_)));
    run_both(&mut client, &mut host, &script(RESP3_SCRIPT));
}

const RESP3_SCRIPT: &str = r#"
hget nokey f
hmget nokey a b
hgetall nokey
hkeys nokey
hrandfield nokey
hrandfield nokey 3
hrandfield nokey 3 withvalues
hscan nokey 0
hset h a 1 b 2 c 3
hget h zz
hmget h a zz
hgetall h
hkeys h
hvals h
hrandfield h 5
hrandfield h 5 withvalues
hrandfield h 0 withvalues
hscan h 0
hset one f v
hrandfield one -2 withvalues
hrandfield one -2
hrandfield one 1 withvalues
hrandfield one
hincrbyfloat h a 1.5
"#;
