//! The sorted set family through the single host, and differential tests against a real
//! redis-server: every command with valid and invalid calls, both encodings (small
//! thresholds set by CONFIG SET on both servers force `skiplist`), RESP2 and RESP3.

mod common;

use anax_host_single::SingleHost;
use anax_protocol::Value;
use common::{run_both, script, Redis};

fn r(h: &mut SingleHost, line: &str) -> Value {
    h.run(&common::split(line))
}

#[test]
fn basics_through_the_single_host() {
    let mut h = SingleHost::new();
    assert_eq!(r(&mut h, "zadd z 1 a 2 b 3 c"), Value::Int(3));
    assert_eq!(r(&mut h, "zscore z b"), Value::bulk("2"));
    assert_eq!(r(&mut h, "zrank z c"), Value::Int(2));
    assert_eq!(r(&mut h, "object encoding z"), Value::bulk("listpack"));
    assert_eq!(
        r(&mut h, "config set zset-max-listpack-entries 3"),
        Value::Simple(b"OK".to_vec())
    );
    assert_eq!(r(&mut h, "zadd z 4 d"), Value::Int(1));
    assert_eq!(r(&mut h, "object encoding z"), Value::bulk("skiplist"));
    assert_eq!(r(&mut h, "zrem z a b c d"), Value::Int(4));
    assert_eq!(r(&mut h, "exists z"), Value::Int(0));
    assert_eq!(r(&mut h, "set s x"), Value::Simple(b"OK".to_vec()));
    assert_eq!(
        r(&mut h, "zadd s 1 a"),
        Value::err("WRONGTYPE Operation against a key holding the wrong kind of value")
    );
}

#[test]
fn big_sets_rank_and_range() {
    let mut h = SingleHost::new();
    let mut args: Vec<String> = vec!["zadd".into(), "big".into()];
    for i in 0..5000 {
        args.push(((i * 7919) % 5000).to_string());
        args.push(format!("m{i}"));
    }
    assert_eq!(h.run(&args), Value::Int(5000));
    assert_eq!(r(&mut h, "object encoding big"), Value::bulk("skiplist"));
    assert_eq!(r(&mut h, "zcount big 100 199"), Value::Int(100));
    assert_eq!(
        r(&mut h, "zrange big 2500 2500"),
        r(&mut h, "zrangebyscore big 2500 2500")
    );
    assert_eq!(r(&mut h, "zremrangebyrank big 0 999"), Value::Int(1000));
    assert_eq!(r(&mut h, "zcard big"), Value::Int(4000));
    match r(&mut h, "zrange big 0 0 withscores") {
        Value::Array(a) => assert_eq!(a[1], Value::bulk("1000")),
        other => panic!("{other:?}"),
    }
}

/// Every command, valid and invalid calls, in both encodings.
const SCRIPT: &str = r#"
zadd z 1 a 2 b 3 c
zadd z 1.5 a1 -inf ninf +inf pinf 0x10 hex
zadd z nx 10 a 11 new
zadd z xx ch 20 a 21 nope
zadd z gt ch 5 a 30 b
zadd z lt ch 5 a 30 c
zadd z incr 2.5 a
zadd z nx incr 1 a
zadd z xx incr 1 nope
zadd z gt incr -1 a
zadd z incr 1 brandnew
zadd nokey xx 1 a
zadd nokey xx incr 1 a
zadd z nx xx 1 a
zadd z gt lt 1 a
zadd z nx gt 1 a
zadd z incr 1 a 2 b
zadd z 1
zadd z 1 a 2
zadd z abc a
zadd z 1e400 a
zadd z " 1" a
zadd z nan a
zadd z foo 1 a
zadd pinfz 1 x +inf y
zadd pinfz incr -inf y
zincrby pinfz -inf y
zincrby z 1.1 a
zincrby z abc a
zincrby z 1 newby
zscore z a
zscore z nope
zscore nokey a
zmscore z a b nope c
zmscore nokey a b
zcard z
zcard nokey
zrange z 0 -1 withscores
zrange z 0 -1
zrange z -3 -1
zrange z 5 2
zrange z 100 200
zrange z -100 100 withscores
zrange z 0 -1 rev withscores
zrange z 0 abc
zrange z 0 -1 limit 0 1
zrange z 0 -1 foo
zrange z 0 -1 withscores withscores
zrange z (1 5 byscore
zrange z (1 5 byscore withscores limit 1 2
zrange z 5 (1 byscore rev withscores
zrange z -inf +inf byscore limit 0 -1
zrange z -inf +inf byscore limit -1 2
zrange z -inf +inf byscore limit 2 0
zrange z -inf +inf byscore limit 100 1
zrange z a b byscore
zrange z 1 2 byscore bylex
zrange z - + bylex
zrange z - + bylex withscores
zrange z [a [c bylex
zrange z [c [a bylex rev
zrange z - + bylex limit 1 3
zrange z x y bylex
zrange z 0 -1 rev rev
zrange z 0 -1 limit 1
zrevrange z 0 -1 withscores
zrevrange z 0 1
zrevrange z 0 -1 rev
zrevrange z 0 -1 byscore
zrangebyscore z -inf +inf withscores
zrangebyscore z (1 (3
zrangebyscore z "" ""
zrangebyscore z " 1" 20
zrangebyscore z 3 1
zrangebyscore z 1 1
zrangebyscore z (1 1
zrangebyscore z 1 nan
zrangebyscore z 1 "1 "
zrangebyscore z 0 10 limit 1 1 withscores
zrangebyscore z 0 10 limit 1
zrangebyscore z 0 10 rev
zrevrangebyscore z +inf -inf withscores
zrevrangebyscore z 10 0 limit 1 2
zrevrangebyscore z 0 10
zcount z -inf +inf
zcount z (1 3
zcount z a b
zcount nokey 0 1
zrank z a
zrank z nope
zrank nokey a
zrevrank z a
zrevrank z ninf
zadd lex 0 a 0 b 0 c 0 d 0 e 0 f 0 ab 0 abc
zrangebylex lex - +
zrangebylex lex [b (e
zrangebylex lex (a [c limit 1 2
zrangebylex lex + -
zrangebylex lex - -
zrangebylex lex [c [c
zrangebylex lex (c (c
zrangebylex lex [c (c
zrangebylex lex [e [a
zrangebylex lex a b
zrangebylex lex [a ++
zrangebylex lex [a +x
zrangebylex lex - + withscores
zrevrangebylex lex + -
zrevrangebylex lex [e [b limit 1 2
zrevrangebylex lex - +
zlexcount lex - +
zlexcount lex [b [d
zlexcount lex (b (d
zlexcount lex b d
zlexcount nokey - +
zadd mixed 1 b 2 a 3 d 0 c 5 e
zrangebylex mixed [b [d
zrevrangebylex mixed [d [b
zlexcount mixed [a [c
zremrangebylex mixed [a [b
zrange mixed 0 -1 withscores
zrangestore dst z 0 2
zrange dst 0 -1 withscores
zrangestore dst z 1 3 byscore limit 0 1
zrangestore dst z 0 -1 withscores
zrangestore dst lex [b [d bylex
zrangestore dst lex [b [d bylex rev
zrange dst 0 -1
zrangestore dst nokey 0 -1
exists dst
zrangestore dst z 100 200
set str hello
zrangestore str z 0 0
type str
zrangestore dst str 0 -1
zremrangebyrank z 0 0
zremrangebyrank z -1 -1
zremrangebyrank z 5 1
zremrangebyrank z a 1
zremrangebyrank nokey 0 1
zremrangebyscore z (1 2
zremrangebyscore z a b
zremrangebyscore nokey 0 1
zremrangebylex lex [a [b
zremrangebylex lex a b
zremrangebylex lex - +
exists lex
zrange z 0 -1 withscores
zpopmin z
zpopmax z
zpopmin z 2
zpopmax z 2
zpopmin z 0
zpopmin z -1
zpopmin z abc
zpopmin z 1 2
zpopmin nokey
zpopmin nokey 0
zpopmax z 100
exists z
zadd p 1 a 2 b 3 c 4 d
zmpop 1 p min
zmpop 2 nokey p max count 2
zmpop 1 p min count 10
zmpop 1 p min
zmpop 0 p min
zmpop abc p min
zmpop 1 p
zmpop 1 p foo
zmpop 1 p min count 0
zmpop 1 p min count abc
zmpop 1 p min count 1 count 1
zmpop 3 p min
zmpop 1 str min
zmpop 9223372036854775807 p min
zmpop 4611686018427387904 p min
zunion 9223372036854775807 p
zunionstore d 9223372036854775807 p
zintercard 9223372036854775807 p
zdiff -1 p
command getkeys zmpop 9223372036854775807 p min
command getkeys zunion 9223372036854775807 p
zadd u1 1 a 2 b 3 c
zadd u2 10 b 20 c 30 d
sadd s1 a d x
zunion 2 u1 u2
zunion 2 u1 u2 withscores
zunion 2 u1 u2 weights 2 3 withscores
zunion 2 u1 u2 aggregate min withscores
zunion 2 u1 u2 aggregate max withscores
zunion 3 u1 u2 s1 withscores
zunion 2 u1 nokey withscores
zunion 2 u1 u2 weights 1
zunion 2 u1 u2 weights 1 abc
zunion 2 u1 u2 aggregate foo
zunion 2 u1 u2 foo
zunion 0 u1
zunion abc u1
zunion 3 u1 u2
zunion 2 u1 str
zinter 2 u1 u2 withscores
zinter 2 u1 u2 weights 1 -1 aggregate max withscores
zinter 2 u1 s1 withscores
zinter 2 u1 nokey
zinter 1 u1 withscores
zdiff 2 u1 u2 withscores
zdiff 2 u2 u1
zdiff 2 u1 nokey
zdiff 1 nokey
zdiff 2 u1 u2 weights 1 1
zdiff 2 u1 u2 aggregate sum
zunionstore ust 2 u1 u2
zrange ust 0 -1 withscores
zunionstore ust 2 u1 u2 withscores
zinterstore ist 2 u1 u2 weights 0.5 2
zrange ist 0 -1 withscores
zinterstore ist 2 u1 nokey
exists ist
zdiffstore dst 2 u2 u1
zrange dst 0 -1 withscores
zdiffstore str 1 u1
type str
zinterstore ist 0 u1
zintercard 2 u1 u2
zintercard 2 u1 u2 limit 1
zintercard 2 u1 u2 limit 0
zintercard 2 u1 u2 limit -1
zintercard 2 u1 u2 limit abc
zintercard 0 u1
zintercard 2 u1
zintercard 1 u1 withscores
zintercard 2 u1 nokey
zadd w 1 a
zadd w inf b
zunion 2 w w weights inf -inf withscores
zinter 2 w w aggregate sum withscores
zrandmember nokey
zrandmember nokey 5
zrandmember u1 0
zrandmember u1 3
zrandmember u1 3 withscores
zrandmember u1 10 withscores
zrandmember u1 100 withscores
zrandmember u1 100
zrandmember u1 5 foo
zrandmember u1 abc
zrandmember u1 -9223372036854775808
zrandmember u1 9223372036854775807 withscores
zrandmember u1 1 withscores extra
zrandmember str
zscan u1 0
zscan u1 0 match a*
zscan u1 0 count 10
zscan u1 0 count 0
zscan u1 0 count abc
zscan u1 abc
zscan u1 0 foo
zscan u1 0 type zset
zscan nokey 0
zscan nokey 0 foo
zscan str 0
zscan str 0 foo
zadd str 1 a
zincrby str 1 a
zrem str a
zcard str
zscore str a
zmscore str a
zcount str 0 1
zlexcount str - +
zrank str a
zrevrank str a
zrange str 0 -1
zrevrange str 0 -1
zrangebyscore str 0 1
zrevrangebyscore str 1 0
zrangebylex str - +
zrevrangebylex str + -
zremrangebyrank str 0 1
zremrangebyscore str 0 1
zremrangebylex str - +
zpopmin str
zpopmax str
zinterstore dst 1 str
zintercard 1 str
zdiff 1 str
zadd fl 0.1 a 1.1 b 3.3333333333333335 c -0 d 1e-300 e 123456789012345678 f
zrange fl 0 -1 withscores
zscan fl 0
zscore fl d
zincrby fl 0.2 a
zrem z nope
zrem nokey a
zadd z xx nx
zadd z ch incr 5 a
zadd z ch incr 0 a
zadd z gt ch 1 a 100 b 7 c
zpopmin str 0
zpopmin str -1
zmpop 3 nokey nokey2 str min
zmpop 2 nokey u1 max count 100
zrange fl 0 -1 limit a b
zrange fl 0 -1 byscore limit a b
zrangebyscore fl 0 1 limit 0
zrangestore dst fl 0 -1 limit 0 1
zrangestore dst fl 0 -1 byscore limit 1 1
zrange dst 0 -1 withscores
zunionstore fl 2 fl u2 weights 2 0.5 aggregate max
zrange fl 0 -1 withscores
zinterstore u2 2 u2 u2 aggregate min
zrange u2 0 -1 withscores
zdiffstore u2 2 u2 u2
exists u2
set str2 v
expire str2 100
zunionstore str2 1 fl
ttl str2
type str2
"#;

fn both(thresholds: Option<(&str, &str)>, resp3: bool) {
    let redis = Redis::start();
    let mut client = redis.client();
    let mut host = SingleHost::new();
    if resp3 {
        assert!(matches!(client.call(&["HELLO", "3"]), Value::Map(_)));
        assert!(matches!(host.run(&["HELLO", "3"]), Value::Map(_)));
    }
    if let Some((e, v)) = thresholds {
        let set = format!("config set zset-max-listpack-entries {e} zset-max-listpack-value {v}");
        run_both(&mut client, &mut host, &script(&set));
    }
    // ZRANDMEMBER's picks are random: compare the shapes of those lines.
    // Lex ranges over members with different scores are unspecified in Redis and depend
    // on the skiplist's random levels: the `mixed` lines run on the listpack only.
    let text: String = SCRIPT
        .lines()
        .filter(|l| thresholds.is_none() || !l.contains(" mixed"))
        .map(|l| {
            if l.starts_with("zrandmember") && !l.contains(" 0") && !l.contains(" 100") {
                format!("?{l}\n")
            } else if l.starts_with("zscan") && thresholds.is_some() {
                // The big encoding's scan order is its own (Redis's is its dict's).
                format!("~{l}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    run_both(&mut client, &mut host, &script(&text));
}

#[test]
fn differential_listpack_resp2() {
    both(None, false);
}

#[test]
fn differential_listpack_resp3() {
    both(None, true);
}

#[test]
fn differential_skiplist_resp2() {
    both(Some(("1", "64")), false);
}

#[test]
fn differential_skiplist_resp3() {
    both(Some(("0", "1")), true);
}

/// Encodings and their thresholds, conversions, and the store commands' results.
const ENCODINGS: &str = r#"
config set zset-max-listpack-entries 3 zset-max-listpack-value 4
zadd e 1 a 2 b 3 c
object encoding e
zadd e 4 c
object encoding e
zadd e 4 d
object encoding e
zrem e a b c
object encoding e
zadd f 1 abcde
object encoding f
zadd g 1 abcd
object encoding g
zincrby h 1 abcde
object encoding h
zunionstore u 1 e
object encoding u
zrangestore r f 0 -1
object encoding r
zinterstore i 2 e e
object encoding i
zdiffstore d 1 g
object encoding d
config set zset-max-listpack-entries 0
zadd k 1 a
object encoding k
zunionstore u 1 g
object encoding u
config set zset-max-listpack-entries 128 zset-max-listpack-value 64
zadd big 1 a 2 b 3 c 4 d 5 e
zrange big 0 -1 withscores
zrangebylex big - +
zrevrangebyscore big 4 2 withscores limit 1 5
zremrangebyscore big 2 3
zrange big 0 -1
"#;

#[test]
fn differential_encodings() {
    let redis = Redis::start();
    let mut client = redis.client();
    let mut host = SingleHost::new();
    run_both(&mut client, &mut host, &script(ENCODINGS));
}

/// A larger set in the skiplist encoding against redis-server: ranges, ranks, pops.
#[test]
fn differential_big() {
    let redis = Redis::start();
    let mut client = redis.client();
    let mut host = SingleHost::new();
    let mut lines = String::new();
    for i in 0..400 {
        lines.push_str(&format!("zadd big {} m{}\n", (i * 37) % 101, i));
    }
    lines.push_str(
        "object encoding big\nzcard big\nzrange big 0 -1 withscores\nzrange big 100 150 rev\n\
         zrangebyscore big (10 20 withscores limit 5 10\nzrevrangebyscore big 50 (40\n\
         zcount big 30 60\nzrank big m77\nzrevrank big m77\nzscore big m5\n\
         zrangebylex big - + limit 0 5\nzremrangebyrank big 10 30\nzremrangebyscore big 90 100\n\
         zpopmin big 3\nzpopmax big 3\nzunionstore u 2 big big\nzrange u 0 20 withscores\n\
         zinter 2 big u withscores\nzdiff 2 big u\nzintercard 2 big u limit 7\nzcard big\n\
         zmpop 1 big max count 4\nzrange big -5 -1 withscores\n",
    );
    run_both(&mut client, &mut host, &script(&lines));
}

/// The table's metadata: COMMAND INFO and key extraction as Redis 7.0 reports them.
const META: &str = r#"
command info zadd zincrby zrem zcard zscore zmscore zcount zlexcount zrank zrevrank
command info zrange zrevrange zrangebyscore zrevrangebyscore zrangebylex zrevrangebylex
command info zrangestore zremrangebyrank zremrangebyscore zremrangebylex zpopmin zpopmax
command info zmpop zrandmember zscan zunion zinter zdiff zunionstore zinterstore zdiffstore
command info zintercard
command getkeys zunionstore d 2 a b weights 1 2
command getkeys zinter 3 a b c
command getkeys zmpop 2 a b min count 1
command getkeys zrangestore d s 0 -1
command getkeys zintercard 2 a b limit 1
command getkeys zdiffstore d 1 a
"#;

#[test]
fn differential_metadata() {
    let redis = Redis::start();
    let mut client = redis.client();
    let mut host = SingleHost::new();
    let text: String = META
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            // COMMAND INFO takes several names on one line.
            let l = l.trim();
            if l.starts_with("command info") {
                l.split(' ')
                    .skip(2)
                    .map(|n| format!("command info {n}\n"))
                    .collect::<String>()
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    run_both(&mut client, &mut host, &script(&text));
}

/// Keyspace hits and misses (INFO stats) counted as Redis counts them: reads look keys up
/// with `lookupKeyRead`, writes with `lookupKeyWrite` (no count).
#[test]
fn keyspace_hits_and_misses() {
    let redis = Redis::start();
    let mut client = redis.client();
    let mut host = SingleHost::new();
    let lines = r#"
zadd z 1 a 2 b
set str v
zscore z a
zscore nokey a
zscore str a
zcard z
zmscore nokey a
zrange z 0 -1
zrange nokey 0 -1
zrangebyscore z 0 1
zrank z a
zcount nokey 0 1
zlexcount z - +
zrangestore d z 0 -1
zrangestore d nokey 0 -1
zunion 2 z nokey
zinter 2 z nokey
zunionstore d 2 z nokey
zintercard 2 z nokey
zdiff 2 z nokey
zrandmember z
zrandmember nokey
zrandmember z 2
zscan z 0
zscan nokey 0
zpopmin nokey
zpopmin z
zmpop 2 nokey z min
zremrangebyrank z 0 0
zincrby z 1 a
zrem z a
"#;
    let stat = |info: Value, name: &str| -> String {
        let text = match info {
            Value::Bulk(b) => String::from_utf8(b).unwrap(),
            other => panic!("{other:?}"),
        };
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}:")).map(str::to_string))
            .unwrap()
    };
    for (_, args) in script(lines) {
        client.call(&args);
        host.run(&args);
        for name in ["keyspace_hits", "keyspace_misses"] {
            let want = stat(client.call(&["INFO", "stats"]), name);
            let got = stat(host.run(&["INFO", "stats"]), name);
            let shown = args
                .iter()
                .map(|a| String::from_utf8_lossy(a))
                .collect::<Vec<_>>();
            assert_eq!(got, want, "{name} after {}", shown.join(" "));
        }
    }
}
