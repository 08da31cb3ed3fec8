//! Writes the fuzzers' seed corpora from real traffic into `fuzz/corpus/<target>/`:
//!
//! - `parser` and `engine`: the requests of every case file and regression
//!   (`conformance/cases/`, `conformance/regressions/`), each file as one pipeline in RESP,
//!   and the same again as inline commands; plus redis-benchmark's default commands as a
//!   pipeline of 16;
//! - `rdb`: files saved by a real redis-server 7.0 (`SAVE`) holding every type in both
//!   encodings, with expiries, with and without compression;
//! - `restore`: DUMP payloads of the same keys from that redis-server.
//!
//! Run by `scripts/fuzz`; it starts redis-server itself.

use anax_conformance::case::parse_case;
use anax_conformance::{Client, Server};
use anax_protocol::value::encode_request;
use anax_protocol::Value;
use std::path::{Path, PathBuf};

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::create_dir_all(dir).expect("create corpus dir");
    std::fs::write(dir.join(name), bytes).expect("write seed");
}

fn case_files(root: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for sub in ["cases", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(sub)) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "txt") {
                let name = p.file_stem().unwrap().to_string_lossy().into_owned();
                out.push((name, std::fs::read_to_string(&p).expect("read case")));
            }
        }
    }
    out.sort();
    out
}

/// Every type in both encodings, with and without expiry.
fn dataset(c: &mut Client) {
    let mut call = |args: Vec<String>| {
        let v = c.call(&args);
        assert!(!matches!(v, Value::Error(_)), "{args:?}: {v:?}");
    };
    let s = |x: &str| x.to_string();
    call(vec![s("FLUSHALL")]);
    call(vec![s("SET"), s("str:int"), s("12345")]);
    call(vec![s("SET"), s("str:short"), s("hello")]);
    call(vec![s("SET"), s("str:long"), "abcdefgh".repeat(40)]);
    call(vec![
        s("SET"),
        s("str:ttl"),
        s("v"),
        s("PX"),
        s("100000000"),
    ]);
    let many = |prefix: &str, n: usize, pair: bool| -> Vec<String> {
        (0..n)
            .flat_map(|i| {
                let mut v = vec![format!("{prefix}{i}")];
                if pair {
                    v.push(format!("value-{i}"));
                }
                v
            })
            .collect()
    };
    let mut cmd = |head: Vec<String>, rest: Vec<String>| {
        let mut a = head;
        a.extend(rest);
        call(a);
    };
    cmd(vec![s("RPUSH"), s("list:small")], many("e", 5, false));
    cmd(
        vec![s("RPUSH"), s("list:big")],
        many("element-", 700, false),
    );
    cmd(vec![s("HSET"), s("hash:small")], many("f", 5, true));
    cmd(vec![s("HSET"), s("hash:big")], many("field-", 300, true));
    cmd(
        vec![s("SADD"), s("set:int")],
        (0..20).map(|i| i.to_string()).collect(),
    );
    cmd(vec![s("SADD"), s("set:big")], many("member-", 300, false));
    let scored = |n: usize| -> Vec<String> {
        (0..n)
            .flat_map(|i| [format!("{}.5", i), format!("m{i}")])
            .collect()
    };
    cmd(vec![s("ZADD"), s("zset:small")], scored(5));
    cmd(vec![s("ZADD"), s("zset:big")], scored(300));
    call(vec![s("PEXPIRE"), s("hash:small"), s("100000000")]);
    call(vec![s("SELECT"), s("3")]);
    call(vec![s("SET"), s("in-db3"), s("x")]);
    call(vec![s("SELECT"), s("0")]);
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let corpus = root.join("../fuzz/corpus");
    let cases = case_files(&root);
    for target in ["parser", "engine"] {
        let dir = corpus.join(target);
        for (name, text) in &cases {
            let mut resp = Vec::new();
            let mut inline = Vec::new();
            for step in parse_case(text) {
                encode_request(&step.args, &mut resp);
                let words: Vec<String> = step
                    .args
                    .iter()
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .collect();
                inline.extend_from_slice(words.join(" ").as_bytes());
                inline.extend_from_slice(b"\r\n");
            }
            // The parser target reads its first byte as the piece size.
            let lead: &[u8] = if target == "parser" { b"\x07" } else { b"" };
            write(&dir, &format!("{name}.resp"), &[lead, &resp].concat());
            write(&dir, &format!("{name}.inline"), &[lead, &inline].concat());
        }
        let mut bench = Vec::new();
        for _ in 0..16 {
            for cmd in [
                vec!["PING"],
                vec!["SET", "key:__rand_int__", "xxx"],
                vec!["GET", "key:__rand_int__"],
                vec!["INCR", "counter:__rand_int__"],
                vec!["LPUSH", "mylist", "xxx"],
                vec!["RPOP", "mylist"],
                vec!["SADD", "myset", "element:__rand_int__"],
                vec!["HSET", "myhash", "element:__rand_int__", "xxx"],
                vec!["ZADD", "myzset", "0", "element:__rand_int__"],
                vec!["MSET", "key:1", "xxx", "key:2", "xxx"],
            ] {
                encode_request(&cmd, &mut bench);
            }
        }
        let lead: &[u8] = if target == "parser" { b"\xff" } else { b"" };
        write(&dir, "redis-benchmark.resp", &[lead, &bench].concat());
    }

    let tmp = std::env::temp_dir().join(format!("anax-fuzz-seeds-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("temp dir");
    let redis = Server::redis_with(&["--dir", tmp.to_str().expect("utf-8 temp dir")]);
    let mut c = redis.client();
    dataset(&mut c);
    for compression in ["yes", "no"] {
        c.call(&["CONFIG", "SET", "rdbcompression", compression]);
        assert_eq!(c.call(&["SAVE"]), Value::Simple(b"OK".to_vec()));
        let file = std::fs::read(tmp.join("dump.rdb")).expect("redis-server's dump.rdb");
        // The rdb target reads its first byte as flags: 0x00 keeps the file as it is.
        write(
            &corpus.join("rdb"),
            &format!("redis-7.0-compression-{compression}.rdb"),
            &[&[0x3f], file.as_slice()].concat(),
        );
    }
    let keys = match c.call(&["KEYS", "*"]) {
        Value::Array(k) => k,
        other => panic!("KEYS: {other:?}"),
    };
    for k in keys {
        let Value::Bulk(k) = k else { continue };
        if let Value::Bulk(payload) = c.call(&[b"DUMP".as_slice(), &k]) {
            // The restore target reads its first byte as flags: even keeps the footer.
            write(
                &corpus.join("restore"),
                &String::from_utf8_lossy(&k).replace(':', "-"),
                &[&[0u8], payload.as_slice()].concat(),
            );
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    println!("seeds written to {}", corpus.display());
}
