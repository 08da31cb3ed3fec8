//! SLOWLOG and LATENCY end to end on the `anax` binary with four shard threads: the
//! connections are handed to the threads in turn, each thread keeps its own log, and
//! SLOWLOG / LATENCY answer for the whole server.

use anax_conformance::{Client, Server};
use anax_protocol::Value;
use std::collections::HashSet;
use std::path::Path;

fn server() -> Server {
    Server::anax_at(
        Path::new(env!("CARGO_BIN_EXE_anax")),
        &[
            "--threads",
            "4",
            "--save",
            "",
            "--enable-debug-command",
            "yes",
        ],
    )
}

fn ok() -> Value {
    Value::Simple(b"OK".to_vec())
}

fn array(v: Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a,
        other => panic!("not an array: {other:?}"),
    }
}

fn int(v: &Value) -> i64 {
    match v {
        Value::Int(n) => *n,
        other => panic!("not an integer: {other:?}"),
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
        other => panic!("not a bulk string: {other:?}"),
    }
}

/// SLOWLOG GET -1 as (id, args, client address, client name).
fn slowlog(c: &mut Client) -> Vec<(i64, Vec<String>, String, String)> {
    array(c.call(&["SLOWLOG", "GET", "-1"]))
        .into_iter()
        .map(|e| {
            let e = array(e);
            assert_eq!(e.len(), 6, "{e:?}");
            let args = array(e[3].clone()).iter().map(text).collect();
            (int(&e[0]), args, text(&e[4]), text(&e[5]))
        })
        .collect()
}

/// Connections named `c0`, `c1`, ...: consecutive connections go to consecutive threads.
fn named_clients(srv: &Server, n: usize) -> Vec<Client> {
    (0..n)
        .map(|i| {
            let mut c = srv.client();
            assert_eq!(c.call(&["CLIENT", "SETNAME", &format!("c{i}")]), ok());
            c
        })
        .collect()
}

#[test]
fn slowlog_covers_every_thread_with_unique_ids() {
    let srv = server();
    let mut admin = srv.client();
    assert_eq!(
        admin.call(&["CONFIG", "SET", "slowlog-log-slower-than", "0"]),
        ok()
    );
    assert_eq!(admin.call(&["SLOWLOG", "RESET"]), ok());
    let mut clients = named_clients(&srv, 8);
    for (i, c) in clients.iter_mut().enumerate() {
        // A key on any shard: it may run on another thread than the connection's.
        assert_eq!(c.call(&["SET", &format!("key:{i}"), "v"]), ok());
        assert_eq!(
            c.call(&["ECHO", &format!("from c{i}")]),
            Value::Bulk(format!("from c{i}").into_bytes())
        );
    }
    // A pipeline of keyed commands over every shard, squashed by shard.
    let keys: Vec<String> = (0..16).map(|i| format!("pipe:{i}")).collect();
    let cmds: Vec<Vec<&str>> = keys.iter().map(|k| vec!["SET", k.as_str(), "1"]).collect();
    let cmds: Vec<&[&str]> = cmds.iter().map(|c| c.as_slice()).collect();
    for (i, r) in clients[0].try_pipeline_raw(&cmds).into_iter().enumerate() {
        assert_eq!(r.expect("pipeline reply").0, ok(), "pipeline reply {i}");
    }

    let log = slowlog(&mut admin);
    // Every client's calls are there, with its name and address.
    for i in 0..8 {
        let name = format!("c{i}");
        let set = format!("key:{i}");
        let echo = format!("from c{i}");
        let mine: Vec<_> = log.iter().filter(|e| e.3 == name).collect();
        assert!(
            mine.iter().any(|e| e.1 == ["SET", set.as_str(), "v"]),
            "SET of {name} missing from {log:?}"
        );
        assert!(
            mine.iter().any(|e| e.1 == ["ECHO", echo.as_str()]),
            "ECHO of {name} missing from {log:?}"
        );
        assert!(mine.iter().all(|e| e.2.starts_with("127.0.0.1:")));
    }
    for k in &keys {
        assert!(
            log.iter()
                .any(|e| e.1 == ["SET", k.as_str(), "1"] && e.3 == "c0"),
            "pipelined SET {k} missing"
        );
    }
    // Ids are unique server-wide, and the log is newest first.
    let ids: Vec<i64> = log.iter().map(|e| e.0).collect();
    let unique: HashSet<i64> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "duplicate ids in {ids:?}");
    assert!(
        ids.windows(2).all(|w| w[0] > w[1]),
        "not newest first: {ids:?}"
    );
    // One client's calls come in the order they ran.
    let c3: Vec<i64> = log.iter().filter(|e| e.3 == "c3").map(|e| e.0).collect();
    assert_eq!(c3.len(), 3, "SETNAME, SET, ECHO of c3: {log:?}");

    // LEN counts every thread's entries; RESET empties them all.
    let len = int(&admin.call(&["SLOWLOG", "LEN"]));
    // The 8 names, 16 SETs and 8 ECHOs, 16 pipelined SETs, RESET, GET (and maybe more).
    assert!(len >= 8 * 3 + 16 + 2, "SLOWLOG LEN {len}");
    assert_eq!(clients[5].call(&["SLOWLOG", "RESET"]), ok());
    assert_eq!(int(&clients[6].call(&["SLOWLOG", "LEN"])), 1);
    let log = slowlog(&mut clients[2]);
    let names: Vec<&str> = log.iter().map(|e| e.3.as_str()).collect();
    assert_eq!(names, ["c6", "c5"], "{log:?}");
    assert_eq!(log[1].1, ["SLOWLOG", "RESET"]);

    // slowlog-max-len bounds the server's log, however many threads wrote it.
    assert_eq!(admin.call(&["CONFIG", "SET", "slowlog-max-len", "5"]), ok());
    for c in clients.iter_mut() {
        c.call(&["PING"]);
    }
    assert_eq!(int(&admin.call(&["SLOWLOG", "LEN"])), 5);
    assert_eq!(slowlog(&mut clients[1]).len(), 5);
}

#[test]
fn latency_covers_every_thread() {
    let srv = server();
    let mut admin = srv.client();
    assert_eq!(
        admin.call(&["CONFIG", "SET", "latency-monitor-threshold", "10"]),
        ok()
    );
    assert_eq!(admin.call(&["LATENCY", "LATEST"]), Value::Array(vec![]));
    let mut clients = named_clients(&srv, 4);
    // One spike per thread, the highest on the last.
    for (i, c) in clients.iter_mut().enumerate() {
        let secs = format!("0.0{}", i + 2);
        assert_eq!(c.call(&["DEBUG", "SLEEP", &secs]), ok());
    }
    let latest = array(admin.call(&["LATENCY", "LATEST"]));
    let command: Vec<Value> = latest
        .into_iter()
        .map(array)
        .find(|e| e[0] == Value::Bulk(b"command".to_vec()))
        .expect("a command event");
    assert!(int(&command[3]) >= 50, "all-time high: {command:?}");
    let history = array(admin.call(&["LATENCY", "HISTORY", "command"]));
    assert!(!history.is_empty());
    let highest = history
        .iter()
        .map(|s| int(&array(s.clone())[1]))
        .max()
        .unwrap();
    assert!(highest >= 50, "{history:?}");
    // Times are ascending, one sample per second.
    let times: Vec<i64> = history.iter().map(|s| int(&array(s.clone())[0])).collect();
    assert!(times.windows(2).all(|w| w[0] < w[1]), "{times:?}");
    let graph = admin.call(&["LATENCY", "GRAPH", "command"]);
    assert!(text(&graph).starts_with("command - high "), "{graph:?}");
    let doctor = admin.call(&["LATENCY", "DOCTOR"]);
    assert!(text(&doctor).contains(". command: "), "{doctor:?}");
    // RESET forgets the event on every thread, and counts it once.
    assert_eq!(int(&clients[1].call(&["LATENCY", "RESET", "command"])), 1);
    let left = array(admin.call(&["LATENCY", "HISTORY", "command"]));
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn memory_usage_finds_keys_on_every_shard() {
    let srv = server();
    let mut c = srv.client();
    for i in 0..16 {
        let key = format!("m:{i}");
        assert_eq!(c.call(&["SET", &key, "x".repeat(1000).as_str()]), ok());
        let n = int(&c.call(&["MEMORY", "USAGE", &key]));
        assert!(n >= 1000, "MEMORY USAGE {key}: {n}");
        assert_eq!(
            c.call(&["MEMORY", "USAGE", &format!("missing:{i}")]),
            Value::Null
        );
    }
    let stats = array(c.call(&["MEMORY", "STATS"]));
    let at = stats
        .iter()
        .position(|v| *v == Value::Bulk(b"keys.count".to_vec()))
        .expect("keys.count");
    assert_eq!(stats[at + 1], Value::Int(16));
}

/// A map reply's pairs (RESP2: a flat array of keys and values).
fn pairs(v: Value) -> Vec<(Value, Value)> {
    match v {
        Value::Map(p) => p,
        Value::Array(a) => a.chunks(2).map(|c| (c[0].clone(), c[1].clone())).collect(),
        other => panic!("not a map: {other:?}"),
    }
}

/// One command of LATENCY HISTOGRAM: (command, calls, [(label µs, cumulative calls)]).
type Hist = (String, i64, Vec<(i64, i64)>);

/// LATENCY HISTOGRAM for `names` (every command without).
fn histograms(c: &mut Client, names: &[&str]) -> Vec<Hist> {
    let mut args = vec!["LATENCY", "HISTOGRAM"];
    args.extend_from_slice(names);
    pairs(c.call(&args))
        .into_iter()
        .map(|(name, body)| {
            let body = pairs(body);
            assert_eq!(body[0].0, Value::Bulk(b"calls".to_vec()), "{body:?}");
            assert_eq!(
                body[1].0,
                Value::Bulk(b"histogram_usec".to_vec()),
                "{body:?}"
            );
            let cdf: Vec<(i64, i64)> = pairs(body[1].1.clone())
                .iter()
                .map(|(l, n)| (int(l), int(n)))
                .collect();
            (text(&name), int(&body[0].1), cdf)
        })
        .collect()
}

/// The calls LATENCY HISTOGRAM counts for one command (0 when it has none).
fn calls(c: &mut Client, name: &str) -> i64 {
    histograms(c, &[name]).first().map_or(0, |h| h.1)
}

/// INFO latencystats: the line of `name`, if any.
fn latencystats_line(c: &mut Client, name: &str) -> Option<String> {
    let info = match c.call(&["INFO", "latencystats"]) {
        Value::Bulk(b) => String::from_utf8(b).unwrap(),
        other => panic!("{other:?}"),
    };
    let prefix = format!("latency_percentiles_usec_{name}:");
    info.split("\r\n")
        .find_map(|l| l.strip_prefix(&prefix).map(str::to_string))
}

/// A percentile's value (µs) in an INFO latencystats line.
fn percentile(line: &str, p: &str) -> f64 {
    line.split(',')
        .find_map(|f| f.strip_prefix(&format!("p{p}=")))
        .unwrap_or_else(|| panic!("p{p} in {line}"))
        .parse()
        .unwrap()
}

#[test]
fn latency_histograms_sum_every_thread() {
    let srv = server();
    let mut admin = srv.client();
    assert_eq!(admin.call(&["CONFIG", "RESETSTAT"]), ok());
    // Eight connections: two on each thread.
    let mut clients = named_clients(&srv, 8);
    for (i, c) in clients.iter_mut().enumerate() {
        for _ in 0..3 {
            // Runs on the connection's thread.
            c.call(&["ECHO", "x"]);
        }
        // A key on any shard: it may run on another thread than the connection's.
        assert_eq!(c.call(&["SET", &format!("key:{i}"), "v"]), ok());
    }
    // A spike on one thread.
    assert_eq!(clients[6].call(&["DEBUG", "SLEEP", "0.05"]), ok());
    // Every connection, whatever its thread, sees every thread's calls.
    for c in clients.iter_mut().take(4) {
        assert_eq!(calls(c, "echo"), 24);
        assert_eq!(calls(c, "set"), 8);
        assert_eq!(calls(c, "client|setname"), 8);
        assert_eq!(calls(c, "client"), 8);
        let debug = histograms(c, &["debug"]);
        assert_eq!(debug.len(), 1);
        let (_, n, cdf) = &debug[0];
        assert_eq!(*n, 1);
        // 50 ms and a little: within 67633 µs.
        assert_eq!(cdf.as_slice(), [(67633, 1)], "{debug:?}");
    }
    let all = histograms(&mut admin, &[]);
    let names: HashSet<&str> = all.iter().map(|h| h.0.as_str()).collect();
    for n in [
        "echo",
        "set",
        "debug",
        "client|setname",
        "latency|histogram",
        "config|resetstat",
    ] {
        assert!(names.contains(n), "{n} missing from {names:?}");
    }
    // The cumulative counts end at the calls.
    for (name, n, cdf) in &all {
        assert_eq!(cdf.last().map(|x| x.1), Some(*n), "{name}: {cdf:?}");
    }
    // INFO latencystats: every thread's histograms summed; the spike shows from a
    // connection of another thread.
    for c in clients.iter_mut().take(2) {
        let echo = latencystats_line(c, "echo").expect("echo");
        assert!(percentile(&echo, "50") < 10_000.0, "{echo}");
        let debug = latencystats_line(c, "debug").expect("debug");
        for p in ["50", "99", "99.9"] {
            assert!(percentile(&debug, p) >= 50_000.0, "{debug}");
        }
    }
    // latency-tracking reaches every thread.
    assert_eq!(
        clients[3].call(&["CONFIG", "SET", "latency-tracking", "no"]),
        ok()
    );
    for c in clients.iter_mut() {
        c.call(&["ECHO", "y"]);
    }
    assert_eq!(calls(&mut admin, "echo"), 24);
    assert_eq!(latencystats_line(&mut admin, "echo"), None);
    assert_eq!(
        clients[3].call(&["CONFIG", "SET", "latency-tracking", "yes"]),
        ok()
    );
    for c in clients.iter_mut() {
        c.call(&["ECHO", "z"]);
    }
    assert_eq!(calls(&mut admin, "echo"), 32);
    // As do the percentiles INFO shows.
    assert_eq!(
        clients[2].call(&[
            "CONFIG",
            "SET",
            "latency-tracking-info-percentiles",
            "0 100"
        ]),
        ok()
    );
    let echo = latencystats_line(&mut clients[1], "echo").expect("echo");
    assert!(echo.starts_with("p0=") && echo.contains(",p100="), "{echo}");
    // CONFIG RESETSTAT forgets them on every thread.
    assert_eq!(clients[5].call(&["CONFIG", "RESETSTAT"]), ok());
    let left = histograms(&mut clients[4], &[]);
    let names: Vec<&str> = left.iter().map(|h| h.0.as_str()).collect();
    assert_eq!(names, ["config|resetstat"], "{left:?}");
}
