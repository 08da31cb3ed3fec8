//! SLOWLOG, LATENCY and MEMORY through the single host, and their deterministic replies
//! (errors, HELP, empty logs) against a real redis-server.

mod common;

use anax_core::{Config, ConnId, Host};
use anax_host_single::SingleHost;
use anax_protocol::{OwnedArgs, Value};
use common::{run_both, script, split, Redis};
use std::cell::Cell;

fn r(h: &mut SingleHost, line: &str) -> Value {
    h.run(&split(line))
}

fn int(n: i64) -> Value {
    Value::Int(n)
}

fn bulk(s: &str) -> Value {
    Value::bulk(s)
}

fn err(s: &str) -> Value {
    Value::err(s)
}

fn array(v: Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a,
        other => panic!("not an array: {other:?}"),
    }
}

fn as_int(v: &Value) -> i64 {
    match v {
        Value::Int(n) => *n,
        other => panic!("not an integer: {other:?}"),
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
        Value::Verbatim { text, .. } => String::from_utf8_lossy(text).into_owned(),
        other => panic!("not text: {other:?}"),
    }
}

/// One SLOWLOG GET entry: (id, time, duration, args, addr, name).
type Entry = (i64, i64, i64, Vec<String>, String, String);

fn entries(v: Value) -> Vec<Entry> {
    array(v)
        .into_iter()
        .map(|e| {
            let e = array(e);
            assert_eq!(e.len(), 6, "an entry has six fields: {e:?}");
            let args = array(e[3].clone()).iter().map(text).collect();
            (
                as_int(&e[0]),
                as_int(&e[1]),
                as_int(&e[2]),
                args,
                text(&e[4]),
                text(&e[5]),
            )
        })
        .collect()
}

fn args_of(e: &Entry) -> Vec<&str> {
    e.3.iter().map(|s| s.as_str()).collect()
}

/// A host whose slow log takes every command.
fn logging_everything() -> SingleHost {
    let mut h = SingleHost::new();
    assert_eq!(
        r(&mut h, "CONFIG SET slowlog-log-slower-than 0"),
        Value::ok()
    );
    assert_eq!(r(&mut h, "SLOWLOG RESET"), Value::ok());
    h
}

#[test]
fn every_command_is_logged_at_threshold_zero_newest_first() {
    let mut h = logging_everything();
    assert_eq!(r(&mut h, "CLIENT SETNAME worker"), Value::ok());
    assert_eq!(r(&mut h, "SET a 1"), Value::ok());
    assert_eq!(r(&mut h, "GET a"), bulk("1"));
    let got = entries(r(&mut h, "SLOWLOG GET"));
    // GET, SET, CLIENT SETNAME, SLOWLOG RESET (logged after it ran).
    assert_eq!(got.len(), 4);
    assert_eq!(args_of(&got[0]), ["GET", "a"]);
    assert_eq!(args_of(&got[1]), ["SET", "a", "1"]);
    assert_eq!(args_of(&got[2]), ["CLIENT", "SETNAME", "worker"]);
    assert_eq!(args_of(&got[3]), ["SLOWLOG", "RESET"]);
    // Ids count up by one, newest first.
    let ids: Vec<i64> = got.iter().map(|e| e.0).collect();
    assert_eq!(ids, [ids[3] + 3, ids[3] + 2, ids[3] + 1, ids[3]]);
    // The time is the host's clock, in seconds; the client's address and name.
    let now_s = (h.now_ms() / 1000) as i64;
    assert!(got.iter().all(|e| e.1 == now_s && e.2 >= 0));
    assert_eq!(got[0].4, "127.0.0.1:40000");
    assert_eq!(got[0].5, "worker");
    // The name is the one the client had when the command ran.
    assert_eq!(got[3].5, "");
    // SLOWLOG GET itself was logged, after it answered.
    assert_eq!(r(&mut h, "SLOWLOG LEN"), int(5));
    assert_eq!(r(&mut h, "SLOWLOG LEN"), int(6));
}

#[test]
fn get_counts() {
    let mut h = logging_everything();
    for i in 0..15 {
        r(&mut h, &format!("SET k{i} v"));
    }
    // 1 reset + 15 SETs.
    assert_eq!(entries(r(&mut h, "SLOWLOG GET")).len(), 10);
    assert_eq!(entries(r(&mut h, "SLOWLOG GET 3")).len(), 3);
    // 1 + 15 + 2 GETs.
    assert_eq!(entries(r(&mut h, "SLOWLOG GET -1")).len(), 18);
    assert_eq!(r(&mut h, "SLOWLOG GET 0"), Value::Array(vec![]));
    let e = "ERR count should be greater than or equal to -1";
    assert_eq!(r(&mut h, "SLOWLOG GET -2"), err(e));
    assert_eq!(r(&mut h, "SLOWLOG GET x"), err(e));
    assert_eq!(r(&mut h, "SLOWLOG GET 99999999999999999999"), err(e));
    assert_eq!(
        r(&mut h, "SLOWLOG GET 1 2"),
        err("ERR unknown subcommand or wrong number of arguments for 'GET'. Try SLOWLOG HELP.")
    );
    assert_eq!(
        r(&mut h, "SLOWLOG LEN x"),
        err("ERR wrong number of arguments for 'slowlog|len' command")
    );
}

#[test]
fn long_calls_are_shortened() {
    let mut h = logging_everything();
    let many: Vec<String> = (1..=40).map(|i| i.to_string()).collect();
    r(&mut h, &format!("RPUSH l {}", many.join(" ")));
    let long = "a".repeat(200);
    r(&mut h, &format!("SET k {long}"));
    let got = entries(r(&mut h, "SLOWLOG GET 2"));
    assert_eq!(
        got[0].3[2],
        format!("{}... (72 more bytes)", "a".repeat(128))
    );
    let rpush = &got[1].3;
    assert_eq!(rpush.len(), 32);
    assert_eq!(rpush[0], "RPUSH");
    assert_eq!(rpush[30], "29");
    assert_eq!(rpush[31], "... (11 more arguments)");
}

#[test]
fn max_len_keeps_the_newest() {
    let mut h = logging_everything();
    r(&mut h, "CONFIG SET slowlog-max-len 3");
    for i in 0..10 {
        r(&mut h, &format!("SET k{i} v"));
    }
    assert_eq!(r(&mut h, "SLOWLOG LEN"), int(3));
    let got = entries(r(&mut h, "SLOWLOG GET -1"));
    assert_eq!(got.len(), 3);
    // SLOWLOG LEN, SET k9, SET k8 (this GET is logged after it answered).
    assert_eq!(args_of(&got[0]), ["SLOWLOG", "LEN"]);
    assert_eq!(args_of(&got[1]), ["SET", "k9", "v"]);
    r(&mut h, "CONFIG SET slowlog-max-len 0");
    r(&mut h, "PING");
    assert_eq!(r(&mut h, "SLOWLOG LEN"), int(0));
}

#[test]
fn nothing_is_logged_below_the_threshold_or_when_disabled() {
    let mut h = SingleHost::new();
    // The default threshold (10 ms) is far above what the virtual clock shows.
    r(&mut h, "SLOWLOG RESET");
    r(&mut h, "SET a 1");
    assert_eq!(r(&mut h, "SLOWLOG LEN"), int(0));
    r(&mut h, "CONFIG SET slowlog-log-slower-than -1");
    r(&mut h, "SET a 1");
    assert_eq!(r(&mut h, "SLOWLOG GET"), Value::Array(vec![]));
}

#[test]
fn skip_slowlog_commands_are_not_logged_but_what_exec_runs_is() {
    let mut h = logging_everything();
    assert_eq!(r(&mut h, "MULTI"), Value::ok());
    assert_eq!(r(&mut h, "SET a 1"), Value::Simple(b"QUEUED".to_vec()));
    assert_eq!(r(&mut h, "INCR a"), Value::Simple(b"QUEUED".to_vec()));
    assert_eq!(r(&mut h, "EXEC"), Value::Array(vec![Value::ok(), int(2)]));
    let got = entries(r(&mut h, "SLOWLOG GET"));
    let names: Vec<&str> = got.iter().map(|e| e.3[0].as_str()).collect();
    assert_eq!(names, ["INCR", "SET", "MULTI", "SLOWLOG"]);
}

#[test]
fn keys_on_several_shards_are_logged_once() {
    // MSET over the host's four shards runs through the coordinator.
    let mut h = logging_everything();
    r(&mut h, "MSET a 1 b 2 c 3 d 4 e 5");
    r(&mut h, "MGET a b c d e");
    let got = entries(r(&mut h, "SLOWLOG GET 2"));
    assert_eq!(got[0].3[0], "MGET");
    assert_eq!(got[1].3[0], "MSET");
    assert_eq!(r(&mut h, "SLOWLOG LEN"), int(4));
}

#[test]
fn config_resetstat_keeps_the_slowlog_and_latency() {
    let cfg = Config {
        enable_debug_command: "yes".into(),
        ..Config::default()
    };
    let mut h = SingleHost::with_config(cfg, 4);
    r(&mut h, "CONFIG SET slowlog-log-slower-than 0");
    r(&mut h, "CONFIG SET latency-monitor-threshold 1");
    r(&mut h, "DEBUG SLEEP 0.01");
    r(&mut h, "CONFIG RESETSTAT");
    assert!(as_int(&r(&mut h, "SLOWLOG LEN")) >= 3);
    assert_eq!(array(r(&mut h, "LATENCY LATEST")).len(), 1);
}

fn debug_host() -> SingleHost {
    let cfg = Config {
        enable_debug_command: "yes".into(),
        ..Config::default()
    };
    let mut h = SingleHost::with_config(cfg, 4);
    assert_eq!(
        r(&mut h, "CONFIG SET latency-monitor-threshold 5"),
        Value::ok()
    );
    h
}

#[test]
fn debug_sleep_is_a_latency_spike_and_a_slow_command() {
    let mut h = debug_host();
    assert_eq!(r(&mut h, "LATENCY LATEST"), Value::Array(vec![]));
    let start_s = (h.now_ms() / 1000) as i64;
    assert_eq!(r(&mut h, "DEBUG SLEEP 0.05"), Value::ok());
    let latest = array(r(&mut h, "LATENCY LATEST"));
    assert_eq!(latest.len(), 1);
    let ev = array(latest[0].clone());
    assert_eq!(ev[0], bulk("command"));
    // Logged when the sleep ended: in its second (or the next).
    assert!((start_s..=start_s + 1).contains(&as_int(&ev[1])));
    assert_eq!(ev[2], int(50));
    assert_eq!(ev[3], int(50));
    // The default slow log threshold (10 ms) takes it too, with its duration.
    let got = entries(r(&mut h, "SLOWLOG GET 1"));
    assert_eq!(args_of(&got[0]), ["DEBUG", "SLEEP", "0.05"]);
    assert!(got[0].2 >= 50_000);
    // Below the threshold: nothing.
    r(&mut h, "DEBUG SLEEP 0.001");
    let ev = array(array(r(&mut h, "LATENCY LATEST"))[0].clone());
    assert_eq!(ev[2], int(50));
}

#[test]
fn history_keeps_one_sample_per_second_the_highest() {
    let mut h = debug_host();
    // Two spikes in one second: one sample, the higher.
    h.advance(1000 - h.now_ms() % 1000);
    r(&mut h, "DEBUG SLEEP 0.02");
    r(&mut h, "DEBUG SLEEP 0.03");
    let first_s = ((h.now_ms() - 10) / 1000) as i64;
    let hist = array(r(&mut h, "LATENCY HISTORY command"));
    assert_eq!(
        hist,
        vec![Value::Array(vec![int(first_s), int(30)])],
        "{hist:?}"
    );
    h.advance(5000);
    r(&mut h, "DEBUG SLEEP 0.01");
    let hist = array(r(&mut h, "LATENCY HISTORY command"));
    assert_eq!(hist.len(), 2);
    assert_eq!(array(hist[1].clone())[1], int(10));
    // LATEST: the latest sample, and the all-time high.
    let ev = array(array(r(&mut h, "LATENCY LATEST"))[0].clone());
    assert_eq!((ev[2].clone(), ev[3].clone()), (int(10), int(30)));
    // Names are looked up as written.
    assert_eq!(r(&mut h, "LATENCY HISTORY COMMAND"), Value::Array(vec![]));
    assert_eq!(r(&mut h, "LATENCY HISTORY nope"), Value::Array(vec![]));
}

#[test]
fn graph_doctor_and_reset() {
    let mut h = debug_host();
    assert_eq!(
        r(&mut h, "LATENCY GRAPH command"),
        err("ERR No samples available for event 'command'")
    );
    let doctor = text(&r(&mut h, "LATENCY DOCTOR"));
    assert!(
        doctor.starts_with("Dave, no latency spike was observed"),
        "{doctor}"
    );
    r(&mut h, "DEBUG SLEEP 0.05");
    let graph = text(&r(&mut h, "LATENCY GRAPH command"));
    assert!(
        graph.starts_with("command - high 50 ms, low 50 ms (all time high 50 ms)\n"),
        "{graph}"
    );
    let doctor = text(&r(&mut h, "LATENCY DOCTOR"));
    assert!(
        doctor.contains("1. command: 1 latency spikes (average 50ms, mean deviation 0ms"),
        "{doctor}"
    );
    // RESET counts the events it forgot, named in any case.
    assert_eq!(r(&mut h, "LATENCY RESET nope"), int(0));
    assert_eq!(r(&mut h, "LATENCY RESET COMMAND command"), int(1));
    assert_eq!(r(&mut h, "LATENCY LATEST"), Value::Array(vec![]));
    r(&mut h, "DEBUG SLEEP 0.05");
    assert_eq!(r(&mut h, "LATENCY RESET"), int(1));
    // Disabled and empty: Redis's refusal.
    r(&mut h, "CONFIG SET latency-monitor-threshold 0");
    let doctor = text(&r(&mut h, "LATENCY DOCTOR"));
    assert!(
        doctor.starts_with("I'm sorry, Dave, I can't do that."),
        "{doctor}"
    );
    r(&mut h, "DEBUG SLEEP 0.05");
    assert_eq!(r(&mut h, "LATENCY LATEST"), Value::Array(vec![]));
}

/// A clock that moves 3 ms every time it is read: every command takes a few ms.
struct Slow(Cell<u64>);

impl Host for Slow {
    fn now_us(&self) -> u64 {
        let t = self.0.get() + 3_000;
        self.0.set(t);
        t
    }
}

fn exec_slow(h: &mut SingleHost, c: ConnId, clock: &Slow, line: &str) -> Vec<u8> {
    let owned = OwnedArgs::from_iter(split(line).iter());
    let mut out = Vec::new();
    h.engine().execute(c, owned.as_args(), clock, &mut out);
    out
}

#[test]
fn fast_commands_have_their_own_event() {
    let mut h = SingleHost::new();
    let c = h.default_conn();
    r(&mut h, "CONFIG SET latency-monitor-threshold 1");
    let clock = Slow(Cell::new(h.now_ms() * 1000));
    exec_slow(&mut h, c, &clock, "GET a");
    exec_slow(&mut h, c, &clock, "KEYS *");
    let latest = array(r(&mut h, "LATENCY LATEST"));
    let names: Vec<Value> = latest.iter().map(|e| array(e.clone())[0].clone()).collect();
    assert_eq!(names, [bulk("fast-command"), bulk("command")]);
    assert!(as_int(&array(latest[0].clone())[2]) >= 1);
}

#[test]
fn memory_usage() {
    let mut h = SingleHost::new();
    assert_eq!(r(&mut h, "MEMORY USAGE missing"), Value::Null);
    r(&mut h, "SET small v");
    r(&mut h, &format!("SET big {}", "x".repeat(5000)));
    let small = as_int(&r(&mut h, "MEMORY USAGE small"));
    let big = as_int(&r(&mut h, "MEMORY USAGE big SAMPLES 0"));
    assert!(small > 0 && big >= small + 5000, "{small} {big}");
    let members: Vec<String> = (0..200).map(|i| format!("member-{i}")).collect();
    r(&mut h, &format!("SADD s {}", members.join(" ")));
    assert!(as_int(&r(&mut h, "MEMORY USAGE s SAMPLES 5")) > 200 * 8);
    assert_eq!(
        r(&mut h, "MEMORY USAGE small SAMPLES"),
        err("ERR syntax error")
    );
    assert_eq!(
        r(&mut h, "MEMORY USAGE small SAMPLES -1"),
        err("ERR syntax error")
    );
    assert_eq!(r(&mut h, "MEMORY USAGE small foo"), err("ERR syntax error"));
    assert_eq!(
        r(&mut h, "MEMORY USAGE small SAMPLES x"),
        err("ERR value is not an integer or out of range")
    );
    // Options are checked before the key is looked up.
    assert_eq!(
        r(&mut h, "MEMORY USAGE missing foo"),
        err("ERR syntax error")
    );
    // It has a key: COMMAND GETKEYS finds it.
    assert_eq!(
        r(&mut h, "COMMAND GETKEYS MEMORY USAGE k"),
        Value::Array(vec![bulk("k")])
    );
}

/// MEMORY STATS as (name, value) pairs.
fn stats(h: &mut SingleHost) -> Vec<(String, Value)> {
    let v = array(r(h, "MEMORY STATS"));
    v.chunks(2).map(|p| (text(&p[0]), p[1].clone())).collect()
}

#[test]
fn memory_stats_has_redis_fields() {
    let mut h = SingleHost::new();
    let names: Vec<String> = stats(&mut h).into_iter().map(|(n, _)| n).collect();
    let want = [
        "peak.allocated",
        "total.allocated",
        "startup.allocated",
        "replication.backlog",
        "clients.slaves",
        "clients.normal",
        "cluster.links",
        "aof.buffer",
        "lua.caches",
        "functions.caches",
        "overhead.total",
        "keys.count",
        "keys.bytes-per-key",
        "dataset.bytes",
        "dataset.percentage",
        "peak.percentage",
        "allocator.allocated",
        "allocator.active",
        "allocator.resident",
        "allocator-fragmentation.ratio",
        "allocator-fragmentation.bytes",
        "allocator-rss.ratio",
        "allocator-rss.bytes",
        "rss-overhead.ratio",
        "rss-overhead.bytes",
        "fragmentation",
        "fragmentation.bytes",
    ];
    assert_eq!(names, want);
    r(&mut h, "MSET a 1 b 2 c 3");
    r(&mut h, "SELECT 3");
    r(&mut h, "SET x 1");
    let s = stats(&mut h);
    let get = |n: &str| s.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    assert_eq!(get("keys.count"), Some(int(4)));
    let db0 = array(get("db.0").expect("db.0"));
    assert_eq!(db0[0], bulk("overhead.hashtable.main"));
    assert_eq!(db0[2], bulk("overhead.hashtable.expires"));
    assert_eq!(db0[4], bulk("overhead.hashtable.slot-to-keys"));
    assert!(get("db.3").is_some());
    assert!(get("db.1").is_none());
    // The databases come right after functions.caches.
    let at = s.iter().position(|(k, _)| k == "db.0").unwrap();
    assert_eq!(s[at - 1].0, "functions.caches");
    assert_eq!(s[at + 2].0, "overhead.total");
    // Ratios are doubles (bulk strings in RESP2).
    assert!(matches!(get("fragmentation"), Some(Value::Bulk(_))));
    // RESP3: a map with doubles.
    r(&mut h, "HELLO 3");
    match r(&mut h, "MEMORY STATS") {
        Value::Map(pairs) => {
            assert_eq!(pairs.len(), 29);
            assert!(pairs
                .iter()
                .any(|(k, v)| *k == bulk("fragmentation") && matches!(v, Value::Double(_))));
        }
        other => panic!("MEMORY STATS in RESP3: {other:?}"),
    }
}

#[test]
fn memory_doctor_purge_malloc_stats() {
    let mut h = SingleHost::new();
    let doctor = text(&r(&mut h, "MEMORY DOCTOR"));
    assert!(doctor.starts_with("Hi Sam, "), "{doctor}");
    assert_eq!(r(&mut h, "MEMORY PURGE"), Value::ok());
    assert_eq!(
        r(&mut h, "MEMORY MALLOC-STATS"),
        bulk("Stats not supported for the current allocator")
    );
}

/// What Redis answers the same way whatever its state: errors, arities, HELP, empty logs.
#[test]
fn deterministic_replies_match_redis() {
    let redis = Redis::start();
    let mut c = redis.client();
    let mut h = SingleHost::new();
    run_both(
        &mut c,
        &mut h,
        &script(
            r#"
            CONFIG SET slowlog-log-slower-than -1
            SLOWLOG RESET
            SLOWLOG LEN
            SLOWLOG GET
            SLOWLOG GET 0
            SLOWLOG GET -1
            SLOWLOG GET -2
            SLOWLOG GET x
            SLOWLOG GET 1 2
            SLOWLOG LEN x
            SLOWLOG RESET x
            SLOWLOG HELP
            SLOWLOG HELP x
            SLOWLOG
            SLOWLOG nope
            LATENCY RESET
            LATENCY LATEST
            LATENCY LATEST x
            LATENCY HISTORY command
            LATENCY HISTORY
            LATENCY GRAPH command
            LATENCY GRAPH
            LATENCY RESET a b
            LATENCY DOCTOR
            LATENCY HELP
            LATENCY nope
            LATENCY
            MEMORY USAGE missing
            MEMORY USAGE
            MEMORY USAGE k SAMPLES
            MEMORY USAGE k SAMPLES x
            MEMORY USAGE k SAMPLES -1
            MEMORY USAGE k foo
            MEMORY PURGE
            MEMORY PURGE x
            MEMORY STATS x
            MEMORY DOCTOR x
            MEMORY MALLOC-STATS x
            MEMORY HELP
            MEMORY nope
            MEMORY
            ~ COMMAND INFO slowlog memory
            COMMAND GETKEYS MEMORY USAGE k SAMPLES 5
            CONFIG SET slowlog-log-slower-than 10000
            "#,
        ),
    );
}

/// COMMAND DOCS in RESP2 without the parts Anax does not describe (arguments, history) and
/// without the subcommands (each is compared on its own).
fn docs_without_arguments(v: Value) -> Value {
    let strip = |d: Vec<Value>| -> Vec<Value> {
        d.chunks(2)
            .filter(|p| {
                !["arguments", "history", "subcommands"]
                    .iter()
                    .any(|s| p[0] == bulk(s))
            })
            .flat_map(|p| p.to_vec())
            .collect()
    };
    Value::Array(
        array(v)
            .chunks(2)
            .flat_map(|p| [p[0].clone(), Value::Array(strip(array(p[1].clone())))])
            .collect(),
    )
}

/// Every command and subcommand of the family: the same COMMAND INFO (flags, key specs,
/// ACL categories, tips) and COMMAND DOCS (summary, since, group, complexity) as Redis.
#[test]
fn command_table_matches_redis() {
    let redis = Redis::start();
    let mut c = redis.client();
    let mut h = SingleHost::new();
    let names = [
        "slowlog",
        "slowlog|get",
        "slowlog|len",
        "slowlog|reset",
        "slowlog|help",
        "latency",
        "latency|latest",
        "latency|history",
        "latency|graph",
        "latency|doctor",
        "latency|reset",
        "latency|help",
        "latency|histogram",
        "memory",
        "memory|usage",
        "memory|stats",
        "memory|doctor",
        "memory|malloc-stats",
        "memory|purge",
        "memory|help",
    ];
    for name in names {
        let info = ["COMMAND", "INFO", name];
        let (want, got) = (c.call(&info), h.run(&info));
        if name.contains('|') {
            assert_eq!(got, want, "COMMAND INFO {name}");
        } else {
            // The container's subcommands: Redis lists them in its dict's order.
            assert_eq!(
                common::sorted(got),
                common::sorted(want),
                "COMMAND INFO {name}"
            );
        }
        let docs = ["COMMAND", "DOCS", name];
        assert_eq!(
            docs_without_arguments(h.run(&docs)),
            docs_without_arguments(c.call(&docs)),
            "COMMAND DOCS {name}"
        );
    }
}

// --- LATENCY HISTOGRAM and INFO latencystats ---

/// A map reply's pairs: RESP3's map, or RESP2's flat array of keys and values.
fn pairs(v: Value) -> Vec<(Value, Value)> {
    match v {
        Value::Map(p) => p,
        Value::Array(a) => {
            assert!(a.len() % 2 == 0, "odd map: {a:?}");
            a.chunks(2).map(|c| (c[0].clone(), c[1].clone())).collect()
        }
        other => panic!("not a map: {other:?}"),
    }
}

/// One command of LATENCY HISTOGRAM: (name, calls, histogram_usec pairs).
type Hist = (String, i64, Vec<(i64, i64)>);

/// LATENCY HISTOGRAM's reply, checked for Redis's shape: per command a map of exactly
/// `calls` and `histogram_usec`, the latter a map of ascending labels to growing
/// cumulative counts that end at `calls`.
fn histograms(v: Value) -> Vec<Hist> {
    pairs(v)
        .into_iter()
        .map(|(name, body)| {
            let body = pairs(body);
            assert_eq!(body.len(), 2, "{body:?}");
            assert_eq!(body[0].0, bulk("calls"));
            assert_eq!(body[1].0, bulk("histogram_usec"));
            let calls = as_int(&body[0].1);
            let cdf: Vec<(i64, i64)> = pairs(body[1].1.clone())
                .iter()
                .map(|(l, c)| (as_int(l), as_int(c)))
                .collect();
            assert!(
                cdf.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 < w[1].1),
                "not cumulative: {cdf:?}"
            );
            assert_eq!(cdf.last().map(|x| x.1), Some(calls), "{cdf:?}");
            for (label, _) in &cdf {
                assert!(REDIS_LABELS.contains(label), "label {label} in {cdf:?}");
            }
            (text(&name), calls, cdf)
        })
        .collect()
}

/// Every label Redis's LATENCY HISTOGRAM can report (µs).
const REDIS_LABELS: [i64; 21] = [
    1, 2, 4, 8, 16, 33, 66, 132, 264, 528, 1056, 2113, 4227, 8454, 16908, 33816, 67633, 135266,
    270532, 541065, 1073741,
];

fn hist(name: &str, calls: i64, cdf: &[(i64, i64)]) -> Hist {
    (name.to_string(), calls, cdf.to_vec())
}

fn names(h: &[Hist]) -> Vec<&str> {
    h.iter().map(|x| x.0.as_str()).collect()
}

/// INFO latencystats as (command, [(percentile, value)]) in the order shown.
fn latencystats(h: &mut SingleHost) -> Vec<(String, Vec<(String, String)>)> {
    parse_latencystats(&text(&r(h, "INFO latencystats")))
}

fn parse_latencystats(info: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut lines = info.split("\r\n").filter(|l| !l.is_empty());
    assert_eq!(lines.next(), Some("# Latencystats"), "{info:?}");
    lines
        .map(|l| {
            let rest = l
                .strip_prefix("latency_percentiles_usec_")
                .unwrap_or_else(|| panic!("{l}"));
            let (name, fields) = rest.split_once(':').unwrap_or_else(|| panic!("{l}"));
            let fields = fields
                .split(',')
                .filter(|f| !f.is_empty())
                .map(|f| {
                    let (p, v) = f.split_once('=').unwrap_or_else(|| panic!("{l}"));
                    assert!(p.starts_with('p'), "{l}");
                    // `%.3f`
                    let (int, frac) = v.split_once('.').unwrap_or_else(|| panic!("{l}"));
                    assert!(
                        !int.is_empty() && int.bytes().all(|b| b.is_ascii_digit()),
                        "{l}"
                    );
                    assert!(
                        frac.len() == 3 && frac.bytes().all(|b| b.is_ascii_digit()),
                        "{l}"
                    );
                    (p[1..].to_string(), v.to_string())
                })
                .collect();
            (name.to_string(), fields)
        })
        .collect()
}

fn tracking_host() -> SingleHost {
    let cfg = Config {
        enable_debug_command: "yes".into(),
        ..Config::default()
    };
    SingleHost::with_config(cfg, 4)
}

#[test]
fn latency_histogram_counts_every_call_by_command() {
    let mut h = tracking_host();
    // The single host's clock stands still: a call takes 0 µs, DEBUG SLEEP its time.
    for _ in 0..3 {
        assert_eq!(r(&mut h, "SET a 1"), Value::ok());
    }
    r(&mut h, "GET a");
    r(&mut h, "DEBUG SLEEP 0.05");
    r(&mut h, "DEBUG SLEEP 0.002");
    r(&mut h, "CONFIG GET hz");
    let got = histograms(r(&mut h, "LATENCY HISTOGRAM set DEBUG config|get"));
    assert_eq!(
        got,
        [
            hist("set", 3, &[(1, 3)]),
            // 2000 µs is within 2113, 50000 within 67633.
            hist("debug", 2, &[(2113, 1), (67633, 2)]),
            hist("config|get", 1, &[(1, 1)]),
        ]
    );
    // Without a name: every command with calls, LATENCY HISTOGRAM itself once it ran.
    let all = histograms(r(&mut h, "LATENCY HISTOGRAM"));
    let mut all_names = names(&all);
    all_names.sort_unstable();
    assert_eq!(
        all_names,
        ["config|get", "debug", "get", "latency|histogram", "set"]
    );
    // Unknown names are skipped, repeated ones repeated, a container stands for its
    // subcommands with calls; names in any case.
    let got = histograms(r(
        &mut h,
        "LATENCY HISTOGRAM nosuch config|nosuch get|x config|get|x \"\" | SET set CONFIG \
         Latency|Histogram",
    ));
    assert_eq!(
        names(&got),
        ["set", "set", "config|get", "latency|histogram"]
    );
    assert_eq!(got[3].1, 2);
    assert_eq!(r(&mut h, "LATENCY HISTOGRAM nosuch"), Value::Array(vec![]));
    assert_eq!(r(&mut h, "LATENCY HISTOGRAM hset"), Value::Array(vec![]));
    // A command that failed was still a call; one refused before it ran (arity) was not.
    r(&mut h, "INCR a x");
    r(&mut h, "HSET a f v");
    let got = histograms(r(&mut h, "LATENCY HISTOGRAM incr hset"));
    assert_eq!(got, [hist("hset", 1, &[(1, 1)])]);
}

#[test]
fn latency_histogram_in_resp3_is_maps() {
    let mut h = tracking_host();
    r(&mut h, "HELLO 3");
    r(&mut h, "SET a 1");
    r(&mut h, "DEBUG SLEEP 0.0001");
    let m = |p: Vec<(Value, Value)>| Value::Map(p);
    assert_eq!(
        r(&mut h, "LATENCY HISTOGRAM set debug"),
        m(vec![
            (
                bulk("set"),
                m(vec![
                    (bulk("calls"), int(1)),
                    (bulk("histogram_usec"), m(vec![(int(1), int(1))])),
                ])
            ),
            (
                bulk("debug"),
                m(vec![
                    (bulk("calls"), int(1)),
                    // 100 µs: within (98, 100], so within 132.
                    (bulk("histogram_usec"), m(vec![(int(132), int(1))])),
                ])
            ),
        ])
    );
    assert_eq!(r(&mut h, "LATENCY HISTOGRAM x"), m(vec![]));
}

#[test]
fn latencystats_shows_the_configured_percentiles() {
    let mut h = tracking_host();
    r(&mut h, "SET a 1");
    r(&mut h, "DEBUG SLEEP 0");
    r(&mut h, "DEBUG SLEEP 0.05");
    let stats = latencystats(&mut h);
    let of = |name: &str| {
        stats
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("{name} in {stats:?}"))
            .1
            .clone()
    };
    let fields = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    };
    // 0 µs is Redis's 1 ns; 50000 µs the top of its bucket (49152, 50176] as Redis's
    // HdrHistogram rounds it.
    assert_eq!(
        of("set"),
        fields(&[("50", "0.001"), ("99", "0.001"), ("99.9", "0.001")])
    );
    assert_eq!(
        of("debug"),
        fields(&[("50", "0.001"), ("99", "50331.647"), ("99.9", "50331.647")])
    );
    // Other percentiles, named as Redis names them.
    assert_eq!(
        r(
            &mut h,
            "CONFIG SET latency-tracking-info-percentiles \"0 0.0001 99.99999 100\""
        ),
        Value::ok()
    );
    let stats = latencystats(&mut h);
    let debug = &stats.iter().find(|(n, _)| n == "debug").unwrap().1;
    assert_eq!(
        *debug,
        fields(&[
            ("0", "0.001"),
            ("0.0001", "0.001"),
            ("99.99999", "50331.647"),
            ("100", "50331.647")
        ])
    );
    // INFO itself and CONFIG SET are there once they ran.
    let names: Vec<&str> = stats.iter().map(|(n, _)| n.as_str()).collect();
    assert!(
        names.contains(&"info") && names.contains(&"config|set"),
        "{names:?}"
    );
    // No percentiles: a line per command, empty.
    r(&mut h, "CONFIG SET latency-tracking-info-percentiles \"\"");
    let info = text(&r(&mut h, "INFO latencystats"));
    assert!(
        info.contains("\r\nlatency_percentiles_usec_set:\r\n"),
        "{info:?}"
    );
    // In INFO ALL and EVERYTHING, not in the default sections.
    assert!(!text(&r(&mut h, "INFO")).contains("# Latencystats"));
    assert!(!text(&r(&mut h, "INFO default")).contains("# Latencystats"));
    for all in ["INFO all", "INFO everything", "INFO LATENCYSTATS server"] {
        let info = text(&r(&mut h, all));
        assert!(
            info.contains("# Latencystats\r\nlatency_percentiles_usec_"),
            "{all}"
        );
    }
}

#[test]
fn latency_tracking_off_records_nothing_and_hides_latencystats() {
    let mut h = tracking_host();
    r(&mut h, "SET a 1");
    assert_eq!(r(&mut h, "CONFIG SET latency-tracking no"), Value::ok());
    r(&mut h, "SET a 1");
    r(&mut h, "GET a");
    // The histograms stay, and grow no more; INFO shows no percentiles.
    let got = histograms(r(&mut h, "LATENCY HISTOGRAM set get"));
    assert_eq!(got, [hist("set", 1, &[(1, 1)])]);
    assert_eq!(text(&r(&mut h, "INFO latencystats")), "# Latencystats\r\n");
    // CONFIG GET * and CONFIG SET as Redis has them.
    assert_eq!(
        r(&mut h, "CONFIG GET latency-tracking"),
        Value::Array(vec![bulk("latency-tracking"), bulk("no")])
    );
    assert_eq!(r(&mut h, "CONFIG SET latency-tracking yes"), Value::ok());
    r(&mut h, "SET a 1");
    let got = histograms(r(&mut h, "LATENCY HISTOGRAM set"));
    assert_eq!(got, [hist("set", 2, &[(1, 2)])]);
    // set, config|set and latency|histogram; INFO counts once it has answered.
    assert_eq!(latencystats(&mut h).len(), 3);
    assert_eq!(latencystats(&mut h).len(), 4);
}

#[test]
fn config_resetstat_forgets_the_histograms() {
    let mut h = tracking_host();
    r(&mut h, "SET a 1");
    r(&mut h, "GET a");
    assert!(histograms(r(&mut h, "LATENCY HISTOGRAM")).len() >= 2);
    assert_eq!(r(&mut h, "CONFIG RESETSTAT"), Value::ok());
    // Counted after it ran, as Redis: its own call only.
    let got = histograms(r(&mut h, "LATENCY HISTOGRAM"));
    assert_eq!(got, [hist("config|resetstat", 1, &[(1, 1)])]);
    let stats = latencystats(&mut h);
    let names: Vec<&str> = stats.iter().map(|(n, _)| n.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, ["config|resetstat", "latency|histogram"]);
}

#[test]
fn histograms_of_slow_calls_are_within_their_bucket() {
    // A clock that moves 3 ms at every read: each call takes a few ms.
    let mut h = SingleHost::new();
    let c = h.default_conn();
    let clock = Slow(Cell::new(h.now_ms() * 1000));
    for _ in 0..4 {
        exec_slow(&mut h, c, &clock, "GET a");
    }
    let got = histograms(r(&mut h, "LATENCY HISTOGRAM get"));
    assert_eq!(got.len(), 1);
    let (_, calls, cdf) = &got[0];
    assert_eq!(*calls, 4);
    // The same few ms each time: one label, above 2 ms.
    assert_eq!(cdf.len(), 1, "{cdf:?}");
    assert!(cdf[0].0 >= 2113 && cdf[0].1 == 4, "{cdf:?}");
    let stats = latencystats(&mut h);
    let get = &stats.iter().find(|(n, _)| n == "get").unwrap().1;
    let p50: f64 = get[0].1.parse().unwrap();
    assert!((3000.0..cdf[0].0 as f64).contains(&p50), "{get:?}");
}

/// LATENCY HISTOGRAM's shape, as the command names and their calls.
fn calls_of(h: Vec<Hist>) -> Vec<(String, i64)> {
    h.into_iter().map(|(n, c, _)| (n, c)).collect()
}

/// INFO latencystats as command names and percentile names, sorted by command.
fn latencystats_shape(info: &str) -> Vec<(String, Vec<String>)> {
    let mut v: Vec<(String, Vec<String>)> = parse_latencystats(info)
        .into_iter()
        .map(|(n, f)| (n, f.into_iter().map(|(p, _)| p).collect()))
        .collect();
    v.sort();
    v
}

/// The same calls on redis-server and the single host give LATENCY HISTOGRAM and INFO
/// latencystats of the same shape: the same commands with the same numbers of calls, the
/// same fields and percentile names, in RESP2 and RESP3 (the latencies differ).
#[test]
fn latency_histogram_and_latencystats_have_redis_shape() {
    let redis = Redis::start();
    let mut c = redis.client();
    let mut h = SingleHost::new();
    for proto in ["2", "3"] {
        let both = |c: &mut common::Client, h: &mut SingleHost, line: &str| {
            let args = split(line);
            (c.call(&args), h.run(&args))
        };
        both(&mut c, &mut h, &format!("HELLO {proto}"));
        both(&mut c, &mut h, "CONFIG RESETSTAT");
        for line in [
            "SET a 1",
            "SET b 2",
            "GET a",
            "MSET x 1 y 2",
            "INCR a",
            "INCR x",
            "HSET a f v",
            "CONFIG GET hz",
            "CONFIG GET maxmemory",
            "CLIENT GETNAME",
            "LATENCY HISTOGRAM nosuch",
        ] {
            both(&mut c, &mut h, line);
        }
        for line in [
            "LATENCY HISTOGRAM set SET get config|get hset nosuch config|nope",
            "LATENCY HISTOGRAM CONFIG",
            "LATENCY HISTOGRAM client latency",
        ] {
            let (want, got) = both(&mut c, &mut h, line);
            // A container's subcommands come in Redis's dict order.
            let (mut want, mut got) = (calls_of(histograms(want)), calls_of(histograms(got)));
            want.sort();
            got.sort();
            assert_eq!(got, want, "{line} (RESP{proto})");
        }
        // Every command: Redis lists them in its dict's order.
        let (want, got) = both(&mut c, &mut h, "LATENCY HISTOGRAM");
        let (mut want, mut got) = (calls_of(histograms(want)), calls_of(histograms(got)));
        want.sort();
        got.sort();
        assert_eq!(got, want, "RESP{proto}");
        for percentiles in ["\"50 99 99.9\"", "\"0 0.0001 99.99999 100 -0\"", "\"\""] {
            both(
                &mut c,
                &mut h,
                &format!("CONFIG SET latency-tracking-info-percentiles {percentiles}"),
            );
            for line in ["INFO latencystats", "INFO everything"] {
                let (want, got) = both(&mut c, &mut h, line);
                let section = |v: &Value| {
                    let t = text(v);
                    let at = t.find("# Latencystats").expect("the section");
                    let end = t[at..].find("\r\n\r\n").map_or(t.len(), |e| at + e + 2);
                    t[at..end].to_string()
                };
                assert_eq!(
                    latencystats_shape(&section(&got)),
                    latencystats_shape(&section(&want)),
                    "{line} with {percentiles} (RESP{proto})"
                );
            }
        }
        both(
            &mut c,
            &mut h,
            "CONFIG SET latency-tracking-info-percentiles \"50 99 99.9\"",
        );
    }
}

/// The settings' replies and errors, byte for byte.
#[test]
fn latency_tracking_settings_match_redis() {
    let redis = Redis::start();
    let mut c = redis.client();
    let mut h = SingleHost::new();
    run_both(
        &mut c,
        &mut h,
        &script(
            r#"
            CONFIG GET latency-tracking
            CONFIG GET latency-tracking-info-percentiles
            CONFIG SET latency-tracking maybe
            CONFIG SET latency-tracking no
            CONFIG GET latency-tracking
            CONFIG SET latency-tracking YES
            CONFIG SET latency-tracking-info-percentiles "99.9999999 0x10 5e1 -0 1e-7 .5 +5 0x.8p1"
            CONFIG GET latency-tracking-info-percentiles
            CONFIG SET latency-tracking-info-percentiles 1e400
            CONFIG SET latency-tracking-info-percentiles 1e-400
            CONFIG SET latency-tracking-info-percentiles inf
            CONFIG SET latency-tracking-info-percentiles " 50"
            CONFIG SET latency-tracking-info-percentiles "50 "
            CONFIG SET latency-tracking-info-percentiles "50  99"
            CONFIG SET latency-tracking-info-percentiles nan
            CONFIG SET latency-tracking-info-percentiles 101
            CONFIG SET latency-tracking-info-percentiles -1
            CONFIG SET latency-tracking-info-percentiles "50 abc 101"
            CONFIG SET latency-tracking-info-percentiles "101 abc"
            CONFIG SET latency-tracking-info-percentiles 0x1p
            CONFIG GET latency-tracking-info-percentiles
            CONFIG SET latency-tracking-info-percentiles ""
            CONFIG GET latency-tracking-info-percentiles
            CONFIG SET latency-tracking-info-percentiles "50 99 99.9"
            ~ CONFIG GET latency-tracking*
            LATENCY HISTOGRAM nosuch
            LATENCY HISTOGRAM ""
            LATENCY HISTOGRAM hset config|nope get|x
            COMMAND INFO latency|histogram
            COMMAND GETKEYS LATENCY HISTOGRAM set
            "#,
        ),
    );
}
