//! The list family through the single host (LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE
//! LINDEX LSET LINSERT LREM LTRIM LPOS LMOVE RPOPLPUSH LMPOP), and differentially against a
//! real redis-server: every command with valid and invalid calls, in RESP2 and RESP3 (reply
//! bytes compared, so that null shapes `$-1`, `*-1` and `_` must match), long lists spanning
//! many nodes under several `list-max-listpack-size` settings, and keys on several shards.

mod common;

use anax_core::value::Value as Stored;
use anax_host_single::SingleHost;
use anax_protocol::Value;
use common::{run_both, script, split, Client, Redis};

fn int(n: i64) -> Value {
    Value::Int(n)
}

fn bulk(s: &str) -> Value {
    Value::bulk(s)
}

fn err(s: &str) -> Value {
    Value::err(s)
}

fn arr(items: &[&str]) -> Value {
    Value::Array(items.iter().map(|s| bulk(s)).collect())
}

fn r(h: &mut SingleHost, line: &str) -> Value {
    h.run(&split(line))
}

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";

/// The stored value of a live key in db 0.
fn stored(h: &mut SingleHost, key: &str) -> Option<Stored> {
    let now = h.now_ms();
    h.engine()
        .state
        .db(0, key.as_bytes())
        .get(key.as_bytes(), now)
        .map(|e| e.value.clone())
}

fn nodes(h: &mut SingleHost, key: &str) -> usize {
    match stored(h, key) {
        Some(Stored::List(l)) => {
            l.check();
            l.node_count()
        }
        other => panic!("not a list: {other:?}"),
    }
}

#[test]
fn push_pop_len_range() {
    let mut h = SingleHost::new();
    assert_eq!(r(&mut h, "RPUSH l a b c"), int(3));
    assert_eq!(r(&mut h, "LPUSH l 1 2"), int(5));
    assert_eq!(r(&mut h, "LRANGE l 0 -1"), arr(&["2", "1", "a", "b", "c"]));
    assert_eq!(r(&mut h, "LLEN l"), int(5));
    assert_eq!(r(&mut h, "LLEN nokey"), int(0));
    assert_eq!(r(&mut h, "LPOP l"), bulk("2"));
    assert_eq!(r(&mut h, "RPOP l"), bulk("c"));
    assert_eq!(r(&mut h, "LPOP l 2"), arr(&["1", "a"]));
    assert_eq!(r(&mut h, "LPOP l 0"), Value::Array(vec![]));
    assert_eq!(r(&mut h, "RPOP l 10"), arr(&["b"]));
    // The emptied list is gone.
    assert_eq!(r(&mut h, "EXISTS l"), int(0));
    assert_eq!(r(&mut h, "LPOP l"), Value::Null);
    assert_eq!(r(&mut h, "LPOP l 3"), Value::Null);
    assert_eq!(r(&mut h, "LPUSHX l x"), int(0));
    assert_eq!(r(&mut h, "EXISTS l"), int(0));
    assert_eq!(r(&mut h, "RPUSH l x"), int(1));
    assert_eq!(r(&mut h, "RPUSHX l y z"), int(3));
    assert_eq!(r(&mut h, "LPUSHX l w"), int(4));
    assert_eq!(r(&mut h, "LRANGE l 0 -1"), arr(&["w", "x", "y", "z"]));
    assert_eq!(r(&mut h, "TYPE l"), Value::Simple(b"list".to_vec()));
    assert_eq!(r(&mut h, "OBJECT ENCODING l"), bulk("quicklist"));
    assert_eq!(
        r(&mut h, "LPOP l -1"),
        err("ERR value is out of range, must be positive")
    );
    assert_eq!(
        r(&mut h, "LPOP l 1 2"),
        err("ERR wrong number of arguments for 'lpop' command")
    );
    assert_eq!(r(&mut h, "SET s v"), Value::ok());
    for c in [
        "LPUSH s a",
        "RPUSHX s a",
        "LPOP s",
        "RPOP s 1",
        "LLEN s",
        "LRANGE s 0 1",
        "LINDEX s 0",
        "LSET s 0 a",
        "LINSERT s BEFORE a b",
        "LREM s 0 a",
        "LTRIM s 0 1",
        "LPOS s a",
        "LMOVE s l LEFT LEFT",
        "LMOVE l s LEFT LEFT",
        "RPOPLPUSH s l",
        "LMPOP 1 s LEFT",
    ] {
        assert_eq!(r(&mut h, c), err(WRONGTYPE), "{c}");
    }
    assert_eq!(r(&mut h, "LRANGE l 0 -1"), arr(&["w", "x", "y", "z"]));
}

#[test]
fn integers_read_back_as_text() {
    let mut h = SingleHost::new();
    let vals = [
        "0",
        "-0",
        "007",
        "127",
        "128",
        "-128",
        "-129",
        "9223372036854775807",
        "-9223372036854775808",
        "9223372036854775808",
        "+5",
        " 1",
        "1.5",
        "",
    ];
    let mut cmd = vec!["RPUSH", "l"];
    cmd.extend(vals);
    assert_eq!(h.run(&cmd), int(vals.len() as i64));
    assert_eq!(r(&mut h, "LRANGE l 0 -1"), arr(&vals));
    assert_eq!(r(&mut h, "LPOS l 007"), int(2));
    assert_eq!(r(&mut h, "LPOS l 7"), Value::Null);
    assert_eq!(r(&mut h, "LPOS l -0"), int(1));
    assert_eq!(r(&mut h, "LREM l 0 0"), int(1));
    assert_eq!(r(&mut h, "LINDEX l 0"), bulk("-0"));
    assert_eq!(r(&mut h, "LINDEX l -1"), bulk(""));
}

#[test]
fn lpos_lset_linsert_lrem_ltrim() {
    let mut h = SingleHost::new();
    r(&mut h, "RPUSH l a b c a b c a");
    assert_eq!(r(&mut h, "LPOS l a RANK -1"), int(6));
    assert_eq!(
        r(&mut h, "LPOS l a RANK 2 COUNT 0"),
        Value::Array(vec![int(3), int(6)])
    );
    assert_eq!(
        r(&mut h, "LPOS l a RANK -2 COUNT 2"),
        Value::Array(vec![int(3), int(0)])
    );
    assert_eq!(
        r(&mut h, "LPOS l a MAXLEN 2 COUNT 0"),
        Value::Array(vec![int(0)])
    );
    assert_eq!(r(&mut h, "LPOS l a RANK -9223372036854775808"), int(6));
    assert_eq!(r(&mut h, "LSET l 1 B"), Value::ok());
    assert_eq!(r(&mut h, "LSET l -1 Z"), Value::ok());
    assert_eq!(r(&mut h, "LSET l 7 x"), err("ERR index out of range"));
    assert_eq!(r(&mut h, "LSET nokey 0 x"), err("ERR no such key"));
    assert_eq!(r(&mut h, "LINSERT l AFTER c X"), int(8));
    assert_eq!(r(&mut h, "LINSERT l before nope X"), int(-1));
    assert_eq!(r(&mut h, "LINSERT nokey before a X"), int(0));
    assert_eq!(
        r(&mut h, "LRANGE l 0 -1"),
        arr(&["a", "B", "c", "X", "a", "b", "c", "Z"])
    );
    assert_eq!(r(&mut h, "LREM l -1 c"), int(1));
    assert_eq!(
        r(&mut h, "LRANGE l 0 -1"),
        arr(&["a", "B", "c", "X", "a", "b", "Z"])
    );
    assert_eq!(r(&mut h, "LTRIM l 1 -2"), Value::ok());
    assert_eq!(r(&mut h, "LRANGE l 0 -1"), arr(&["B", "c", "X", "a", "b"]));
    assert_eq!(r(&mut h, "LTRIM l 5 10"), Value::ok());
    assert_eq!(r(&mut h, "EXISTS l"), int(0));
}

#[test]
fn moves_across_shards_and_rotation() {
    let mut h = SingleHost::new();
    r(&mut h, "RPUSH src 1 2 3");
    assert_eq!(r(&mut h, "LMOVE src dst LEFT RIGHT"), bulk("1"));
    assert_eq!(r(&mut h, "RPOPLPUSH src dst"), bulk("3"));
    assert_eq!(r(&mut h, "LMOVE src src RIGHT LEFT"), bulk("2"));
    assert_eq!(r(&mut h, "LMOVE src other LEFT LEFT"), bulk("2"));
    assert_eq!(r(&mut h, "EXISTS src"), int(0));
    assert_eq!(r(&mut h, "LRANGE dst 0 -1"), arr(&["3", "1"]));
    assert_eq!(r(&mut h, "LMOVE nokey dst LEFT LEFT"), Value::Null);
    assert_eq!(r(&mut h, "LMOVE dst dst up LEFT"), err("ERR syntax error"));
    assert_eq!(
        r(&mut h, "LMPOP 3 nokey dst other RIGHT COUNT 5"),
        Value::Array(vec![bulk("dst"), arr(&["1", "3"])])
    );
    assert_eq!(
        r(&mut h, "LMPOP 2 dst other LEFT"),
        Value::Array(vec![bulk("other"), arr(&["2"])])
    );
    assert_eq!(r(&mut h, "LMPOP 2 dst other LEFT"), Value::Null);
    assert_eq!(r(&mut h, "DBSIZE"), int(0));
    assert_eq!(
        r(&mut h, "COMMAND GETKEYS LMPOP 2 a b LEFT COUNT 1"),
        arr(&["a", "b"])
    );
}

#[test]
fn node_sizes_follow_the_setting() {
    let mut h = SingleHost::new();
    r(&mut h, "CONFIG SET list-max-listpack-size 4");
    for i in 0..100 {
        h.run(&["RPUSH", "l", &i.to_string()]);
    }
    assert_eq!(nodes(&mut h, "l"), 25);
    r(&mut h, "CONFIG SET list-max-listpack-size -1");
    let big = "x".repeat(1000);
    for _ in 0..40 {
        h.run(&["RPUSH", "m", &big]);
    }
    // 4 KB nodes hold 4 elements of 1 KB.
    assert_eq!(nodes(&mut h, "m"), 10);
    // The setting is fixed per list when it is created, as Redis's quicklist keeps it.
    h.run(&["RPUSH", "l", "x"]);
    assert_eq!(nodes(&mut h, "l"), 26);
    // Packed: 10 000 small integers take a few bytes each.
    r(&mut h, "CONFIG SET list-max-listpack-size -2");
    for i in 0..100 {
        let args: Vec<String> = std::iter::once("RPUSH".to_string())
            .chain(std::iter::once("n".to_string()))
            .chain((0..100).map(|j| ((i * 100 + j) % 1000).to_string()))
            .collect();
        h.run(&args);
    }
    let Some(Stored::List(l)) = stored(&mut h, "n") else {
        panic!("a list")
    };
    assert_eq!(l.len(), 10_000);
    assert!(l.memory_usage() < 45_000, "{}", l.memory_usage());
}

// ---------------------------------------------------------------------------------------
// Differential tests

/// Runs each line on both servers and compares the reply bytes.
fn run_raw_both(redis: &mut Client, host: &mut SingleHost, lines: &[Vec<Vec<u8>>]) {
    for args in lines {
        let (_, want) = redis.try_call_raw(args).expect("redis-server replies");
        let got = host.run_raw(args);
        let shown = args
            .iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(&want),
            "\ncommand: {shown}"
        );
    }
}

const SCRIPT: &str = r#"
# pushes
RPUSH l a b c 1 2 3 -5 007 9223372036854775808
LPUSH l x y
LPUSHX l z
RPUSHX l w v
LPUSHX nokey a
RPUSHX nokey a
LPUSH
RPUSH l
SET s str
LPUSH s a
RPUSHX s a
LLEN l
LLEN nokey
LLEN s
LLEN
# LRANGE
LRANGE l 0 -1
LRANGE l -3 -1
LRANGE l 5 2
LRANGE l 100 200
LRANGE l -100 100
LRANGE l -9223372036854775808 9223372036854775807
LRANGE l 0 -100
LRANGE l a 1
LRANGE l 0 b
LRANGE nokey a b
LRANGE nokey 0 1
LRANGE s 0 1
LRANGE s a 1
LRANGE l 0
# LINDEX
LINDEX l 0
LINDEX l -1
LINDEX l 100
LINDEX l -100
LINDEX l 9223372036854775807
LINDEX l -9223372036854775808
LINDEX l abc
LINDEX nokey abc
LINDEX s abc
LINDEX s 0
# LSET
LSET l 0 first
LSET l -1 last
LSET l 100 x
LSET l -100 x
LSET l abc x
LSET nokey 0 x
LSET nokey abc x
LSET s abc x
LRANGE l 0 -1
# LINSERT
LINSERT l BEFORE a A
LINSERT l after 007 B
LINSERT l AFTER nope x
LINSERT l middle a x
LINSERT nokey before a b
LINSERT nokey foo a b
LINSERT s foo a b
LINSERT s before a b
LRANGE l 0 -1
# LPOS
RPUSH p a b c a b c a
LPOS p a
LPOS p a RANK 0
LPOS p a RANK -1
LPOS p a RANK 2 COUNT 0
LPOS p a RANK -2 COUNT 2
LPOS p a RANK 9 COUNT 2
LPOS p a COUNT -1
LPOS p a MAXLEN -1
LPOS p a MAXLEN 2 COUNT 0
LPOS p a MAXLEN 1 RANK -1
LPOS p a RANK -9223372036854775808
LPOS p a RANK -9223372036854775808 COUNT 2
LPOS p a RANK -9223372036854775808 COUNT 0
LPOS p a RANK 9223372036854775807
LPOS p a RANK 9223372036854775807 COUNT 0
LPOS p a rank abc
LPOS p a count abc
LPOS p a maxlen abc
LPOS p a foo
LPOS p a rank
LPOS p a count
LPOS p a RANK 1 RANK 2
LPOS p z
LPOS p z COUNT 0
LPOS s a RANK 0
LPOS s a
LPOS nokey a
LPOS nokey a COUNT 0
LPOS nokey a COUNT -1
LPOS p
# LREM
LREM p 1 a
LREM p -1 a
LREM p 0 b
LREM p 5 nope
LREM p abc a
LREM nokey 1 a
LREM nokey abc a
LREM s abc a
LREM s 0 a
LRANGE p 0 -1
LREM p -9223372036854775808 c
LREM p 9223372036854775807 a
EXISTS p
# LTRIM
RPUSH t 0 1 2 3 4 5 6 7 8 9
LTRIM t 1 -2
LRANGE t 0 -1
LTRIM t -100 100
LTRIM t 2 1
EXISTS t
RPUSH t 0 1 2 3 4 5 6 7 8 9
LTRIM t -3 -1
LRANGE t 0 -1
LTRIM t a 1
LTRIM nokey a 1
LTRIM nokey 0 1
LTRIM s 0 1
LTRIM t -9223372036854775808 9223372036854775807
LRANGE t 0 -1
# LPOP / RPOP
LPOP l
RPOP l
LPOP l 0
LPOP l -1
LPOP l abc
LPOP l 2
RPOP l 3
LPOP nokey
LPOP nokey 0
LPOP nokey 2
LPOP nokey -1
LPOP s
LPOP s 0
LPOP s abc
LPOP l 1 2
RPOP l 9223372036854775807
EXISTS l
# LMOVE / RPOPLPUSH
RPUSH m1 a b c
LMOVE m1 m2 LEFT RIGHT
LMOVE m1 m2 right left
LMOVE m1 m1 LEFT RIGHT
LRANGE m1 0 -1
LMOVE m1 m2 LEFT LEFT
EXISTS m1
LRANGE m2 0 -1
LMOVE m2 s LEFT LEFT
LMOVE s m2 LEFT LEFT
LMOVE nokey s LEFT LEFT
LMOVE nokey m2 LEFT LEFT
LMOVE m2 m3 UP LEFT
LMOVE m2 m3 LEFT DOWN
LMOVE nokey m3 UP LEFT
RPOPLPUSH m2 m3
RPOPLPUSH m2 m2
RPOPLPUSH m2 s
RPOPLPUSH s m2
RPOPLPUSH nokey m2
RPOPLPUSH m2
LRANGE m2 0 -1
LRANGE m3 0 -1
# LMPOP
RPUSH q a b c d
LMPOP 1 q LEFT
LMPOP 1 q RIGHT COUNT 2
LMPOP 2 nokey q left count 10
LMPOP 2 nokey q left
LMPOP 0 q left
LMPOP -1 q left
LMPOP abc q left
LMPOP 2 q left
LMPOP 3 q x left
LMPOP 1 q foo
LMPOP 1 q left count 0
LMPOP 1 q left count -1
LMPOP 1 q left count abc
LMPOP 1 q left count
LMPOP 1 q left count 1 count 2
LMPOP 1 q left foo 1
LMPOP 1 q left count 1 x
LMPOP 2 nokey s right
LMPOP 2 s q right
RPUSH q a
LMPOP 2 q s right
LMPOP 4611686018427387904 q left
LMPOP 2147483648 q left
LMPOP 1 q
DBSIZE
"#;

fn lines(text: &str) -> Vec<Vec<Vec<u8>>> {
    script(text).into_iter().map(|(_, a)| a).collect()
}

#[test]
fn differential_every_command_resp2_and_resp3() {
    let redis = Redis::start();
    for proto in ["2", "3"] {
        let mut c = redis.client();
        let mut h = SingleHost::new();
        c.call(&["FLUSHALL"]);
        c.call(&["CONFIG", "RESETSTAT"]);
        c.call(&["HELLO", proto]);
        h.run(&["HELLO", proto]);
        run_raw_both(&mut c, &mut h, &lines(SCRIPT));
        // Reads count keyspace hits and misses as Redis's lookupKeyRead; writes do not.
        let want = stat_lines(&c.call(&["INFO", "stats"]));
        let got = stat_lines(&h.run(&["INFO", "stats"]));
        assert_eq!(got, want);
    }
}

/// The keyspace_hits and keyspace_misses lines of an INFO reply.
fn stat_lines(v: &Value) -> Vec<String> {
    let text = match v {
        Value::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
        Value::Verbatim { text, .. } => String::from_utf8_lossy(text).into_owned(),
        other => panic!("INFO reply {other:?}"),
    };
    text.lines()
        .filter(|l| l.starts_with("keyspace_"))
        .map(str::to_string)
        .collect()
}

#[test]
fn differential_script_through_run_both() {
    let redis = Redis::start();
    let mut c = redis.client();
    let mut h = SingleHost::new();
    run_both(&mut c, &mut h, &script(SCRIPT));
}

/// A deterministic pseudo-random generator.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn random_value(g: &mut Lcg) -> String {
    match g.below(6) {
        0 => g.below(300).to_string(),
        1 => format!("-{}", g.below(100_000)),
        2 => format!("v{}", g.below(20)),
        3 => "x".repeat(g.below(3000) as usize),
        4 => format!("{}", g.next() * 1_000_003),
        _ => format!("e{}-{}", g.below(5), "y".repeat(g.below(80) as usize)),
    }
}

fn random_command(g: &mut Lcg) -> Vec<String> {
    let keys = ["k1", "k2", "{t}a", "{t}b"];
    let key = |g: &mut Lcg| keys[g.below(keys.len() as u64) as usize].to_string();
    let idx = |g: &mut Lcg| (g.below(400) as i64 - 200).to_string();
    let s = |x: &str| x.to_string();
    match g.below(16) {
        0..=3 => {
            let mut c = vec![s(if g.below(2) == 0 { "RPUSH" } else { "LPUSH" }), key(g)];
            for _ in 0..1 + g.below(40) {
                c.push(random_value(g));
            }
            c
        }
        4 => vec![s("LPOP"), key(g), g.below(8).to_string()],
        5 => vec![s("RPOP"), key(g)],
        6 => vec![s("LRANGE"), key(g), idx(g), idx(g)],
        7 => vec![s("LINDEX"), key(g), idx(g)],
        8 => vec![s("LSET"), key(g), idx(g), random_value(g)],
        9 => vec![
            s("LINSERT"),
            key(g),
            s(if g.below(2) == 0 { "BEFORE" } else { "AFTER" }),
            random_value(g),
            random_value(g),
        ],
        10 => vec![
            s("LREM"),
            key(g),
            (g.below(7) as i64 - 3).to_string(),
            random_value(g),
        ],
        11 => {
            let n = g.below(60) as i64;
            vec![
                s("LTRIM"),
                key(g),
                (g.below(5)).to_string(),
                (-1 - n).to_string(),
            ]
        }
        12 => vec![
            s("LPOS"),
            key(g),
            random_value(g),
            s("RANK"),
            (g.below(7) as i64 - 3).max(1).to_string(),
            s("COUNT"),
            g.below(4).to_string(),
            s("MAXLEN"),
            g.below(200).to_string(),
        ],
        13 => vec![
            s("LMOVE"),
            key(g),
            key(g),
            s(["LEFT", "RIGHT"][g.below(2) as usize]),
            s(["LEFT", "RIGHT"][g.below(2) as usize]),
        ],
        14 => vec![
            s("LMPOP"),
            s("2"),
            key(g),
            key(g),
            s("RIGHT"),
            s("COUNT"),
            (1 + g.below(9)).to_string(),
        ],
        _ => vec![s("LLEN"), key(g)],
    }
}

#[test]
fn differential_long_lists_many_node_sizes() {
    let redis = Redis::start();
    let mut c = redis.client();
    for (round, fill) in ["-2", "1", "3", "-1", "128", "0", "-5"].iter().enumerate() {
        let mut h = SingleHost::new();
        c.call(&["FLUSHALL"]);
        c.call(&["CONFIG", "SET", "list-max-listpack-size", fill]);
        assert_eq!(
            h.run(&["CONFIG", "SET", "list-max-listpack-size", fill]),
            Value::ok()
        );
        let mut g = Lcg(0x1157 + round as u64);
        let mut cmds: Vec<Vec<Vec<u8>>> = Vec::new();
        // Start with long lists, then mix everything.
        for k in ["k1", "{t}a"] {
            for _ in 0..20 {
                let mut cmd = vec![b"RPUSH".to_vec(), k.as_bytes().to_vec()];
                for _ in 0..50 {
                    cmd.push(random_value(&mut g).into_bytes());
                }
                cmds.push(cmd);
            }
        }
        for _ in 0..600 {
            cmds.push(
                random_command(&mut g)
                    .into_iter()
                    .map(String::into_bytes)
                    .collect(),
            );
        }
        for k in ["k1", "k2", "{t}a", "{t}b"] {
            cmds.push(vec![
                b"LRANGE".to_vec(),
                k.as_bytes().to_vec(),
                b"0".to_vec(),
                b"-1".to_vec(),
            ]);
        }
        run_raw_both(&mut c, &mut h, &cmds);
        for k in ["k1", "k2", "{t}a", "{t}b"] {
            if let Some(Stored::List(l)) = stored(&mut h, k) {
                l.check();
            }
        }
    }
    c.call(&["CONFIG", "SET", "list-max-listpack-size", "-2"]);
}
