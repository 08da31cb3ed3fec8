//! Snapshots end to end against the `anax` binary: files saved by Anax load into
//! redis-server 7.0 (and pass redis-check-rdb), files saved by redis-server load into Anax
//! at start-up, SHUTDOWN saves, a malformed file stops the start, and a BGSAVE taken while
//! clients write is one instant (the counters test).

use anax_conformance::{Client, Server};
use anax_protocol::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_anax"))
}

/// A fresh directory under the system's temporary directory.
fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("anax-snap-{}-{}", name, std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn text(v: &Value) -> String {
    match v {
        Value::Bulk(b) | Value::Simple(b) | Value::Error(b) => {
            String::from_utf8_lossy(b).into_owned()
        }
        Value::Int(n) => n.to_string(),
        other => format!("{other:?}"),
    }
}

fn strings(v: Value) -> Vec<String> {
    match v {
        Value::Array(items) => items.iter().map(text).collect(),
        other => panic!("not an array: {other:?}"),
    }
}

type State = BTreeMap<(usize, String), (String, Vec<String>, bool)>;

/// Everything in every database: (db, key) -> (type, contents, has an expiry).
fn state(c: &mut Client) -> State {
    let mut out = BTreeMap::new();
    for db in 0..16 {
        c.call(&["SELECT", &db.to_string()]);
        for k in strings(c.call(&["KEYS", "*"])) {
            let ty = text(&c.call(&["TYPE", &k]));
            let mut v = match ty.as_str() {
                "string" => vec![text(&c.call(&["GET", &k]))],
                "list" => strings(c.call(&["LRANGE", &k, "0", "-1"])),
                "hash" => strings(c.call(&["HGETALL", &k])),
                "set" => strings(c.call(&["SMEMBERS", &k])),
                "zset" => strings(c.call(&["ZRANGE", &k, "0", "-1", "WITHSCORES"])),
                t => panic!("type {t}"),
            };
            if ty == "hash" || ty == "set" {
                v.sort();
            }
            let ttl = matches!(c.call(&["PTTL", &k]), Value::Int(n) if n > 0);
            out.insert((db, k), (ty, v, ttl));
        }
    }
    c.call(&["SELECT", "0"]);
    out
}

/// A dataset of every type and encoding, with expiries, in several databases.
fn fill(c: &mut Client) {
    let calls: Vec<Vec<String>> = {
        let mut v: Vec<Vec<String>> = Vec::new();
        let mut add = |a: &[&str]| v.push(a.iter().map(|s| s.to_string()).collect());
        add(&["SET", "s:int", "12345"]);
        add(&["SET", "s:neg", "-7"]);
        add(&["SET", "s:big", "123456789012345678"]);
        add(&["SET", "s:short", "hello"]);
        add(&["SET", "s:long", &"abcdefgh".repeat(30)]);
        add(&["SET", "s:ttl", "v", "EX", "100000"]);
        add(&["APPEND", "s:raw", "xyz"]);
        add(&["RPUSH", "l:small", "a", "b", "1", "2", "-3"]);
        add(&["RPUSH", "l:ttl", "x"]);
        add(&["EXPIRE", "l:ttl", "100000"]);
        add(&["HSET", "h:small", "f1", "v1", "f2", "2"]);
        add(&["HSET", "h:longvalue", "f", &"v".repeat(100)]);
        add(&["SADD", "set:ints", "1", "2", "3", "-100", "100000"]);
        add(&["SADD", "set:strs", "a", "b", "c"]);
        add(&[
            "ZADD", "z:small", "1", "a", "2.5", "b", "-3", "c", "inf", "d",
        ]);
        add(&["ZADD", "z:long", "1", &"m".repeat(100)]);
        for i in 0..300 {
            add(&["RPUSH", "l:big", &format!("element-{i}")]);
            add(&["HSET", "h:big", &format!("f{i}"), &format!("v{i}")]);
            add(&["SADD", "set:big", &format!("m{i}")]);
            add(&["ZADD", "z:big", &format!("{i}.25"), &format!("m{i}")]);
        }
        for i in 0..600 {
            add(&["SADD", "set:bigints", &i.to_string()]);
        }
        for i in 0..2000 {
            add(&["SET", &format!("key:{i}"), &i.to_string()]);
        }
        add(&["SELECT", "5"]);
        add(&["SET", "other", "db5"]);
        add(&["HSET", "other:h", "a", "1"]);
        add(&["EXPIRE", "other:h", "100000"]);
        add(&["SELECT", "0"]);
        v
    };
    pipeline(c, &calls);
}

/// Runs `calls` pipelined, 500 at a time; none may fail.
fn pipeline(c: &mut Client, calls: &[Vec<String>]) {
    for chunk in calls.chunks(500) {
        let refs: Vec<&[String]> = chunk.iter().map(|v| v.as_slice()).collect();
        for r in c.try_pipeline_raw(&refs) {
            let (v, _) = r.expect("pipeline");
            assert!(!matches!(v, Value::Error(_)), "{v:?}");
        }
    }
}

fn check_rdb(path: &Path) {
    let out = Command::new("redis-check-rdb")
        .arg(path)
        .output()
        .expect("redis-check-rdb (apt-get install redis-tools)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "redis-check-rdb failed:\n{text}");
    assert!(text.contains("RDB looks OK"), "{text}");
}

fn wait_for_bgsave(c: &mut Client) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let info = text(&c.call(&["INFO", "persistence"]));
        if info.contains("rdb_bgsave_in_progress:0") {
            assert!(info.contains("rdb_last_bgsave_status:ok"), "{info}");
            return;
        }
        assert!(Instant::now() < deadline, "BGSAVE did not end");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn anax_files_load_into_redis_server_and_pass_redis_check_rdb() {
    for threads in ["1", "4"] {
        let dir = temp_dir(&format!("to-redis-{threads}"));
        let d = dir.to_str().unwrap();
        let anax = Server::anax_at(bin(), &["--dir", d, "--save", "", "--threads", threads]);
        let mut a = anax.client();
        fill(&mut a);
        let want = state(&mut a);
        assert_eq!(a.call(&["SAVE"]), Value::ok());
        check_rdb(&dir.join("dump.rdb"));
        let redis = Server::redis_with(&["--dir", d]);
        let mut r = redis.client();
        assert_eq!(state(&mut r), want, "SAVE with {threads} threads");
        drop(redis);

        // BGSAVE.
        std::fs::remove_file(dir.join("dump.rdb")).unwrap();
        assert_eq!(
            a.call(&["BGSAVE"]),
            Value::Simple(b"Background saving started".to_vec())
        );
        wait_for_bgsave(&mut a);
        check_rdb(&dir.join("dump.rdb"));
        let redis = Server::redis_with(&["--dir", d]);
        let mut r = redis.client();
        assert_eq!(state(&mut r), want, "BGSAVE with {threads} threads");
        assert!(!dir.join(format!("temp-{}.rdb", anax.pid())).exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn redis_files_load_into_anax_at_start_up() {
    let dir = temp_dir("from-redis");
    let d = dir.to_str().unwrap();
    let redis = Server::redis_with(&["--dir", d]);
    let mut r = redis.client();
    // Redis's own encodings of small collections (listpack, intset) and big ones.
    fill(&mut r);
    let want = state(&mut r);
    assert_eq!(r.call(&["SAVE"]), Value::ok());
    drop(redis);
    for threads in ["1", "3"] {
        let anax = Server::anax_at(bin(), &["--dir", d, "--save", "", "--threads", threads]);
        let mut a = anax.client();
        assert_eq!(state(&mut a), want, "{threads} threads");
        let info = text(&a.call(&["INFO", "persistence"]));
        assert!(
            info.contains(&format!("rdb_last_load_keys_loaded:{}", want.len())),
            "{info}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Starts anax in the foreground and waits for it to exit; its status and log.
fn run_to_exit(args: &[&str]) -> (std::process::ExitStatus, String) {
    let out = Command::new(bin())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run anax");
    (
        out.status,
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout),
    )
}

#[test]
fn a_malformed_file_stops_the_start_with_a_message() {
    let dir = temp_dir("bad");
    let d = dir.to_str().unwrap();
    let port = anax_conformance::client::free_port().to_string();
    for (name, bytes) in [
        ("notrdb.rdb", b"HELLO WORLD".to_vec()),
        ("truncated.rdb", b"REDIS0010\xfa\x09redis-ver".to_vec()),
        ("version.rdb", b"REDIS0099\xff".to_vec()),
    ] {
        std::fs::write(dir.join(name), &bytes).unwrap();
        let (status, log) = run_to_exit(&["--port", &port, "--dir", d, "--dbfilename", name]);
        assert_eq!(status.code(), Some(1), "{name}: {log}");
        assert!(log.contains("Fatal error loading the DB"), "{name}: {log}");
        assert!(!log.contains("panicked"), "{name}: {log}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn shutdown_and_sigterm_save_when_asked_or_by_default_with_save_points() {
    let dir = temp_dir("shutdown");
    let d = dir.to_str().unwrap();
    let file = dir.join("dump.rdb");
    // No save points: SHUTDOWN does not save, SHUTDOWN SAVE does.
    for (save_arg, cmd, saves) in [
        ("", "SHUTDOWN", false),
        ("", "SHUTDOWN SAVE", true),
        ("3600 1", "SHUTDOWN", true),
        ("3600 1", "SHUTDOWN NOSAVE", false),
        ("3600 1", "SIGTERM", true),
        ("", "SIGTERM", false),
    ] {
        let _ = std::fs::remove_file(&file);
        let port = anax_conformance::client::free_port();
        let mut child = Command::new(bin())
            .args(["--port", &port.to_string(), "--dir", d, "--threads", "2"])
            .args(["--save", save_arg])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut c = loop {
            if let Ok(c) = Client::connect(port) {
                break c;
            }
            assert!(Instant::now() < deadline, "anax did not start");
            std::thread::sleep(Duration::from_millis(20));
        };
        c.call(&["SET", "k", "v"]);
        if cmd == "SIGTERM" {
            let pid = child.id().to_string();
            let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
            assert!(killed.success());
        } else {
            let args: Vec<&str> = cmd.split(' ').collect();
            c.send(&args);
        }
        let status = child.wait().unwrap();
        assert!(status.success(), "{cmd}");
        assert_eq!(file.exists(), saves, "{save_arg:?} {cmd}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// While BGSAVE walks a large dataset on 4 threads, writer clients each run INCR c0, c1,
/// ..., c{K-1} in turn (waiting for each reply). Any real instant has c0 >= c1 >= ... >=
/// c{K-1} >= c0 - 1 in each writer's group; a torn snapshot would break that.
#[test]
fn bgsave_is_one_instant_while_clients_write() {
    const WRITERS: usize = 3;
    const K: usize = 8;
    let dir = temp_dir("pit");
    let d = dir.to_str().unwrap();
    let anax = Server::anax_at(
        bin(),
        &["--dir", d, "--save", "", "--threads", "4", "--no-pin"],
    );
    let mut c = anax.client();
    // Bulk: 300k keys.
    let batch: Vec<Vec<String>> = (0..1000)
        .map(|j| vec!["SET".to_string(), format!("bulk:{j}"), "x".repeat(40)])
        .collect();
    for i in 0..300 {
        let b: Vec<Vec<String>> = batch
            .iter()
            .map(|a| vec![a[0].clone(), format!("{}:{i}", a[1]), a[2].clone()])
            .collect();
        pipeline(&mut c, &b);
    }
    let port = anax.port;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut c = Client::connect(port).unwrap();
                let mut rounds = 0u64;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    for k in 0..K {
                        let r = c.call(&["INCR", &format!("w{w}:c{k}")]);
                        assert!(matches!(r, Value::Int(_)), "{r:?}");
                    }
                    rounds += 1;
                }
                rounds
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let mut saves = 0;
    let mut last_state = Vec::new();
    for _ in 0..3 {
        assert_eq!(
            c.call(&["BGSAVE"]),
            Value::Simple(b"Background saving started".to_vec())
        );
        wait_for_bgsave(&mut c);
        saves += 1;
        // Load the file into a fresh anax and check every group.
        let std_path = dir.join("dump.rdb");
        let copy = dir.join(format!("check{saves}.rdb"));
        std::fs::copy(&std_path, &copy).unwrap();
        let check = Server::anax_at(
            bin(),
            &[
                "--dir",
                d,
                "--dbfilename",
                copy.file_name().unwrap().to_str().unwrap(),
                "--save",
                "",
                "--threads",
                "2",
            ],
        );
        let mut cc = check.client();
        assert_eq!(
            text(&cc.call(&["DBSIZE"])).parse::<usize>().unwrap(),
            300_000 + WRITERS * K,
            "every key present"
        );
        let mut groups = Vec::new();
        for w in 0..WRITERS {
            let vals: Vec<i64> = (0..K)
                .map(|k| {
                    text(&cc.call(&["GET", &format!("w{w}:c{k}")]))
                        .parse()
                        .unwrap()
                })
                .collect();
            for k in 1..K {
                assert!(
                    vals[k - 1] >= vals[k] && vals[k] >= vals[0] - 1,
                    "torn snapshot for writer {w}: {vals:?}"
                );
            }
            groups.push(vals);
        }
        last_state = groups;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for w in writers {
        assert!(w.join().unwrap() > 0);
    }
    assert!(!last_state.is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn debug_reload_keeps_the_data() {
    let dir = temp_dir("reload");
    let d = dir.to_str().unwrap();
    let anax = Server::anax_at(
        bin(),
        &[
            "--dir",
            d,
            "--save",
            "",
            "--threads",
            "4",
            "--enable-debug-command",
            "yes",
        ],
    );
    let mut a = anax.client();
    fill(&mut a);
    let want = state(&mut a);
    assert_eq!(a.call(&["DEBUG", "RELOAD"]), Value::ok());
    assert_eq!(state(&mut a), want);
    a.call(&["SET", "later", "1"]);
    assert_eq!(a.call(&["DEBUG", "RELOAD", "NOSAVE"]), Value::ok());
    assert_eq!(state(&mut a), want);
    let info = text(&a.call(&["INFO", "persistence"]));
    assert!(info.contains("rdb_saves:1\r\n"), "{info}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_failed_save_keeps_the_last_good_file() {
    let dir = temp_dir("fail");
    let d = dir.to_str().unwrap();
    let anax = Server::anax_at(bin(), &["--dir", d, "--save", "", "--threads", "2"]);
    let mut a = anax.client();
    a.call(&["SET", "k", "1"]);
    assert_eq!(a.call(&["SAVE"]), Value::ok());
    let good = std::fs::read(dir.join("dump.rdb")).unwrap();
    let lastsave = text(&a.call(&["LASTSAVE"]));
    a.call(&["SET", "k", "2"]);
    // The temporary file's name is taken by a directory: the save fails.
    let blocker = dir.join(format!("temp-{}.rdb", anax.pid()));
    std::fs::create_dir(&blocker).unwrap();
    assert_eq!(
        a.call(&["BGSAVE"]),
        Value::Simple(b"Background saving started".to_vec())
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let info = text(&a.call(&["INFO", "persistence"]));
        if info.contains("rdb_bgsave_in_progress:0") {
            assert!(info.contains("rdb_last_bgsave_status:err"), "{info}");
            assert!(info.contains("rdb_changes_since_last_save:1"), "{info}");
            break;
        }
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(a.call(&["SAVE"]), Value::Error(b"ERR".to_vec()));
    // A SHUTDOWN that cannot save answers Redis's error, and the server goes on.
    assert_eq!(
        a.call(&["SHUTDOWN", "SAVE"]),
        Value::Error(b"ERR Errors trying to SHUTDOWN. Check logs.".to_vec())
    );
    assert_eq!(a.call(&["GET", "k"]), Value::Bulk(b"2".to_vec()));
    assert_eq!(std::fs::read(dir.join("dump.rdb")).unwrap(), good);
    assert_eq!(text(&a.call(&["LASTSAVE"])), lastsave);
    std::fs::remove_dir(&blocker).unwrap();
    assert_eq!(a.call(&["SAVE"]), Value::ok());
    let info = text(&a.call(&["INFO", "persistence"]));
    assert!(info.contains("rdb_last_bgsave_status:ok"), "{info}");
    assert_ne!(std::fs::read(dir.join("dump.rdb")).unwrap(), good);
    let _ = std::fs::remove_dir_all(&dir);
}
