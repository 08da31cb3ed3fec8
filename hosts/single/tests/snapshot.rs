//! Snapshots through the single host: SAVE, BGSAVE [SCHEDULE], LASTSAVE, INFO persistence,
//! DEBUG RELOAD, save points, and the point-in-time guarantee of a BGSAVE whose walk is
//! interleaved with writes (manual snapshots).

mod common;

use anax_core::Config;
use anax_host_single::SingleHost;
use anax_protocol::Value;
use common::split;
use std::collections::BTreeMap;

fn r(h: &mut SingleHost, line: &str) -> Value {
    h.run(&split(line))
}

fn text(v: &Value) -> String {
    match v {
        Value::Bulk(b) | Value::Simple(b) => String::from_utf8_lossy(b).into_owned(),
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

/// Everything in every database: (db, key) -> (type, contents, absolute expiry).
fn state(h: &mut SingleHost) -> BTreeMap<(usize, String), (String, Vec<String>, i64)> {
    let mut out = BTreeMap::new();
    for db in 0..16 {
        r(h, &format!("SELECT {db}"));
        for k in strings(r(h, "KEYS *")) {
            let ty = text(&h.run(&["TYPE", &k]));
            let mut v = match ty.as_str() {
                "string" => vec![text(&h.run(&["GET", &k]))],
                "list" => strings(h.run(&["LRANGE", &k, "0", "-1"])),
                "hash" => strings(h.run(&["HGETALL", &k])),
                "set" => strings(h.run(&["SMEMBERS", &k])),
                "zset" => strings(h.run(&["ZRANGE", &k, "0", "-1", "WITHSCORES"])),
                t => panic!("type {t}"),
            };
            if ty == "hash" || ty == "set" {
                v.sort();
            }
            let exp = match h.run(&["PEXPIRETIME", &k]) {
                Value::Int(n) => n,
                other => panic!("{other:?}"),
            };
            out.insert((db, k), (ty, v, exp));
        }
    }
    r(h, "SELECT 0");
    out
}

/// A dataset of every type and encoding, with expiries, over several databases.
fn fill(h: &mut SingleHost) {
    r(h, "SET s:int 12345");
    r(h, "SET s:big 123456789012345");
    r(h, "SET s:short hello");
    h.run(&["SET", "s:long", &"abcdefgh".repeat(20)]);
    h.run(&["SET", "s:ttl", "v", "PX", "100000000"]);
    r(h, "APPEND s:raw xyz");
    r(h, "RPUSH l:small a b 1 2 -3");
    for i in 0..300 {
        h.run(&["RPUSH", "l:big", &format!("element-{i}")]);
    }
    r(h, "HSET h:small f1 v1 f2 2");
    for i in 0..200 {
        h.run(&["HSET", "h:big", &format!("f{i}"), &format!("v{i}")]);
    }
    r(h, "SADD set:ints 1 2 3 -100 100000");
    r(h, "SADD set:strs a b c");
    for i in 0..600 {
        h.run(&["SADD", "set:bigints", &i.to_string()]);
    }
    r(h, "ZADD z:small 1 a 2.5 b -3 c");
    for i in 0..200 {
        h.run(&["ZADD", "z:big", &format!("{}.5", i), &format!("m{i}")]);
    }
    r(h, "SELECT 3");
    r(h, "SET other:db x");
    h.run(&["HSET", "other:h", "a", "1"]);
    r(h, "PEXPIRE other:h 500000000");
    r(h, "SELECT 0");
}

#[test]
fn save_writes_a_file_that_loads_back_the_same() {
    let mut h = SingleHost::new();
    fill(&mut h);
    for i in 0..5000 {
        h.run(&["SET", &format!("key:{i}"), &i.to_string()]);
    }
    let before = state(&mut h);
    assert_eq!(r(&mut h, "SAVE"), Value::ok());
    let file = h.last_rdb().expect("a file");
    assert!(file.starts_with(b"REDIS0010"));
    let mut g = SingleHost::new();
    let (loaded, expired) = g.load_rdb(&file).unwrap();
    assert_eq!((loaded as usize, expired), (before.len(), 0));
    assert_eq!(state(&mut g), before);
    // Encodings survive.
    for k in [
        "s:int", "s:long", "l:small", "h:small", "h:big", "set:ints", "set:strs", "z:small",
        "z:big",
    ] {
        let enc = h.run(&["OBJECT", "ENCODING", k]);
        assert_eq!(g.run(&["OBJECT", "ENCODING", k]), enc, "{k}");
    }
}

#[test]
fn save_of_an_empty_server_and_lastsave_and_info() {
    let mut h = SingleHost::new();
    let start = text(&r(&mut h, "LASTSAVE"));
    h.advance(5_000);
    assert_eq!(r(&mut h, "SAVE"), Value::ok());
    let after: u64 = text(&r(&mut h, "LASTSAVE")).parse().unwrap();
    assert_eq!(after, start.parse::<u64>().unwrap() + 5);
    let mut g = SingleHost::new();
    assert_eq!(g.load_rdb(&h.last_rdb().unwrap()).unwrap(), (0, 0));
    r(&mut h, "SET a 1");
    r(&mut h, "SET b 1");
    let info = text(&r(&mut h, "INFO persistence"));
    assert!(info.contains("rdb_changes_since_last_save:2\r\n"), "{info}");
    assert!(info.contains("rdb_saves:1\r\n"), "{info}");
    assert!(info.contains("rdb_bgsave_in_progress:0\r\n"), "{info}");
    assert!(
        info.contains(&format!("rdb_last_save_time:{after}\r\n")),
        "{info}"
    );
    assert_eq!(
        r(&mut h, "BGSAVE"),
        Value::Simple(b"Background saving started".to_vec())
    );
    let info = text(&r(&mut h, "INFO persistence"));
    assert!(info.contains("rdb_changes_since_last_save:0\r\n"), "{info}");
    assert!(info.contains("rdb_saves:2\r\n"), "{info}");
    assert!(info.contains("rdb_last_bgsave_status:ok\r\n"), "{info}");
    assert!(info.contains("rdb_last_bgsave_time_sec:0\r\n"), "{info}");
    assert_eq!(
        r(&mut h, "BGSAVE SCHEDULE"),
        Value::Simple(b"Background saving started".to_vec())
    );
    assert_eq!(r(&mut h, "BGSAVE x"), Value::err("ERR syntax error"));
    assert_eq!(
        r(&mut h, "BGSAVE schedule x"),
        Value::err("ERR syntax error")
    );
    assert_eq!(
        r(&mut h, "SAVE x"),
        Value::err("ERR wrong number of arguments for 'save' command")
    );
}

#[test]
fn bgsave_in_progress_refuses_save_and_bgsave_and_multi_schedules() {
    let mut h = SingleHost::new();
    for i in 0..3000 {
        h.run(&["SET", &format!("k{i}"), "v"]);
    }
    h.set_manual_snapshots(true);
    assert_eq!(
        r(&mut h, "BGSAVE"),
        Value::Simple(b"Background saving started".to_vec())
    );
    let busy = Value::err("ERR Background save already in progress");
    assert_eq!(r(&mut h, "BGSAVE"), busy);
    assert_eq!(r(&mut h, "BGSAVE SCHEDULE"), busy);
    assert_eq!(r(&mut h, "SAVE"), busy);
    let info = text(&r(&mut h, "INFO persistence"));
    assert!(info.contains("rdb_bgsave_in_progress:1\r\n"), "{info}");
    assert!(info.contains("rdb_current_bgsave_time_sec:0\r\n"), "{info}");
    r(&mut h, "MULTI");
    r(&mut h, "BGSAVE");
    assert_eq!(r(&mut h, "EXEC"), Value::Array(vec![busy.clone()]));
    while h.snapshot_step(2) {}
    let info = text(&r(&mut h, "INFO persistence"));
    assert!(info.contains("rdb_bgsave_in_progress:0\r\n"), "{info}");
    assert!(info.contains("rdb_saves:1\r\n"), "{info}");
    // In MULTI, BGSAVE is scheduled; the periodic work starts it.
    r(&mut h, "MULTI");
    assert_eq!(
        r(&mut h, "SAVE"),
        Value::err("ERR Command not allowed inside a transaction")
    );
    r(&mut h, "DISCARD");
    r(&mut h, "MULTI");
    r(&mut h, "BGSAVE");
    assert_eq!(
        r(&mut h, "EXEC"),
        Value::Array(vec![Value::Simple(b"Background saving scheduled".to_vec())])
    );
    h.set_manual_snapshots(false);
    h.tick();
    let info = text(&r(&mut h, "INFO persistence"));
    assert!(info.contains("rdb_saves:2\r\n"), "{info}");
}

#[test]
fn save_points_start_a_bgsave() {
    let cfg = Config {
        save: String::from("10 3"),
        ..Config::default()
    };
    let mut h = SingleHost::with_config(cfg, 4);
    r(&mut h, "SET a 1");
    r(&mut h, "SET b 1");
    h.advance(20_000);
    assert!(text(&r(&mut h, "INFO persistence")).contains("rdb_saves:0\r\n"));
    r(&mut h, "SET c 1");
    h.advance(100);
    let info = text(&r(&mut h, "INFO persistence"));
    assert!(info.contains("rdb_saves:1\r\n"), "{info}");
    assert!(info.contains("rdb_changes_since_last_save:0\r\n"), "{info}");
    r(&mut h, "CONFIG SET save \"\"");
    for i in 0..10 {
        h.run(&["SET", &format!("x{i}"), "v"]);
    }
    h.advance(60_000);
    assert!(text(&r(&mut h, "INFO persistence")).contains("rdb_saves:1\r\n"));
}

#[test]
fn debug_reload_saves_flushes_and_loads() {
    let cfg = Config {
        enable_debug_command: String::from("yes"),
        ..Config::default()
    };
    let mut h = SingleHost::with_config(cfg, 4);
    assert_eq!(
        SingleHost::new().run(&["DEBUG", "RELOAD"]),
        Value::err(
            "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server."
        )
    );
    fill(&mut h);
    let before = state(&mut h);
    assert_eq!(r(&mut h, "DEBUG RELOAD"), Value::ok());
    assert_eq!(state(&mut h), before);
    // NOSAVE loads the last file: what was written since is gone.
    r(&mut h, "SET new 1");
    assert_eq!(r(&mut h, "DEBUG RELOAD NOSAVE"), Value::ok());
    assert_eq!(state(&mut h), before);
    // Inside MULTI, as Redis.
    r(&mut h, "SET new 1");
    r(&mut h, "MULTI");
    r(&mut h, "DEBUG RELOAD");
    r(&mut h, "DEL new");
    assert_eq!(
        r(&mut h, "EXEC"),
        Value::Array(vec![Value::ok(), Value::Int(1)])
    );
    assert_eq!(state(&mut h), before);
    assert_eq!(
        r(&mut h, "DEBUG RELOAD BAD"),
        Value::err("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.")
    );
}

#[test]
fn expired_keys_are_not_loaded() {
    let mut h = SingleHost::new();
    r(&mut h, "SET keep 1");
    r(&mut h, "SET gone 1 PX 1000");
    assert_eq!(r(&mut h, "SAVE"), Value::ok());
    let file = h.last_rdb().unwrap();
    let mut g = SingleHost::new();
    g.advance(5_000);
    assert_eq!(g.load_rdb(&file).unwrap(), (1, 1));
    assert_eq!(r(&mut g, "DBSIZE"), Value::Int(1));
    let info = text(&r(&mut g, "INFO persistence"));
    assert!(info.contains("rdb_last_load_keys_expired:1\r\n"), "{info}");
    assert!(info.contains("rdb_last_load_keys_loaded:1\r\n"), "{info}");
}

/// A BGSAVE whose walk is interleaved with every kind of write is the state at its start.
#[test]
fn bgsave_is_point_in_time_under_interleaved_writes() {
    for seed in 1..=2u64 {
        let mut h = SingleHost::new();
        fill(&mut h);
        for i in 0..40_000 {
            h.run(&["SET", &format!("key:{i}"), &i.to_string()]);
        }
        for i in 0..2_000 {
            h.run(&[
                "SET",
                &format!("ttl:{i}"),
                "x",
                "PX",
                &(1000 + i).to_string(),
            ]);
        }
        let before = state(&mut h);
        h.set_manual_snapshots(true);
        assert_eq!(
            r(&mut h, "BGSAVE"),
            Value::Simple(b"Background saving started".to_vec())
        );
        let mut x = seed;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut steps = 0;
        loop {
            for _ in 0..8 {
                let k = format!("key:{}", next() % 50_000);
                match next() % 10 {
                    0 => h.run(&["DEL", &k]),
                    1 => h.run(&["INCR", &k]),
                    2 => h.run(&["SET", &format!("new:{}", next()), "v"]),
                    3 => h.run(&["APPEND", &k, "z"]),
                    4 => h.run(&["RPUSH", "l:big", "more"]),
                    5 => h.run(&["HSET", "h:small", "f1", &next().to_string()]),
                    6 => h.run(&["RENAME", &k, &format!("renamed:{}", next())]),
                    7 => h.run(&["MOVE", &k, "3"]),
                    8 => h.run(&["SWAPDB", "0", "3"]),
                    _ => h.run(&["GET", &k]),
                };
            }
            if next() % 5 == 0 {
                h.advance(1);
            }
            steps += 1;
            if !h.snapshot_step(1) {
                break;
            }
        }
        eprintln!("{steps} steps");
        assert!(steps > 10, "the walk was interleaved ({steps} steps)");
        let file = h.last_rdb().expect("the BGSAVE finished");
        let mut g = SingleHost::new();
        g.load_rdb(&file).unwrap();
        assert_eq!(state(&mut g), before, "seed {seed}");
        // A FLUSHALL in the middle of a walk finishes it first.
        let mut h = SingleHost::new();
        fill(&mut h);
        let before = state(&mut h);
        h.set_manual_snapshots(true);
        r(&mut h, "BGSAVE");
        r(&mut h, "FLUSHALL");
        r(&mut h, "SET after 1");
        while h.snapshot_step(1) {}
        let mut g = SingleHost::new();
        g.load_rdb(&h.last_rdb().unwrap()).unwrap();
        assert_eq!(state(&mut g), before);
    }
}

#[test]
fn save_to_a_file() {
    let dir = std::env::temp_dir().join(format!("anax-single-save-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("dump.rdb");
    let mut h = SingleHost::new();
    h.save_to(Some(path.clone()));
    fill(&mut h);
    assert_eq!(r(&mut h, "SAVE"), Value::ok());
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(Some(bytes), h.last_rdb());
    assert!(!path.with_extension("tmp").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_save_that_cannot_write_its_file_fails() {
    let mut h = SingleHost::new();
    h.save_to(Some(std::path::PathBuf::from(
        "/nonexistent-anax-dir/sub/dump.rdb",
    )));
    r(&mut h, "SET k v");
    assert_eq!(r(&mut h, "SAVE"), Value::err("ERR"));
    assert_eq!(
        r(&mut h, "BGSAVE"),
        Value::Simple(b"Background saving started".to_vec())
    );
    let info = text(&r(&mut h, "INFO persistence"));
    assert!(info.contains("rdb_last_bgsave_status:err\r\n"), "{info}");
    assert!(info.contains("rdb_saves:0\r\n"), "{info}");
    assert!(info.contains("rdb_changes_since_last_save:1\r\n"), "{info}");
    h.save_to(None);
    assert_eq!(r(&mut h, "SAVE"), Value::ok());
    let info = text(&r(&mut h, "INFO persistence"));
    assert!(info.contains("rdb_last_bgsave_status:ok\r\n"), "{info}");
}
