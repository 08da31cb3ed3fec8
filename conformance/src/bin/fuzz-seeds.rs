//! Writes the fuzzers' seed corpora from real traffic into `fuzz/corpus/<target>/`:
//!
//! - `parser` and `engine`: the requests of every case file and regression
//!   (`conformance/cases/`, `conformance/regressions/`), each file as one pipeline in RESP,
//!   and the same again as inline commands; plus the bytes redis-benchmark sends (pipelines
//!   of 16 of its tests), captured through a proxy in front of redis-server;
//! - `rdb`: files saved by a real redis-server 7.0 (`SAVE`) holding every type in both
//!   encodings, with expiries, with and without compression;
//! - `restore`: DUMP payloads of the same keys from that redis-server.
//!
//! Run by `scripts/fuzz`; it starts redis-server itself.

use anax_conformance::case::parse_case;
use anax_conformance::{Client, Server};
use anax_protocol::value::encode_request;
use anax_protocol::Value;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

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

/// Runs redis-benchmark (every test of its default list but the big ones, pipelines of 16)
/// against a proxy in front of redis-server, and returns the bytes it sent on each of its
/// connections, as it sent them (cut to 64 KB each, the size of a useful seed).
fn capture_redis_benchmark(redis_port: u16) -> Vec<Vec<u8>> {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
    let port = listener.local_addr().expect("proxy address").port();
    listener.set_nonblocking(true).expect("nonblocking accept");
    let done = Arc::new(AtomicBool::new(false));
    let proxy = {
        let done = done.clone();
        std::thread::spawn(move || {
            let mut conns = Vec::new();
            while !done.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((client, _)) => conns.push(std::thread::spawn(move || {
                        client.set_nonblocking(false).expect("blocking socket");
                        let upstream =
                            TcpStream::connect(("127.0.0.1", redis_port)).expect("redis-server");
                        let (mut c_read, mut u_write) =
                            (client.try_clone().unwrap(), upstream.try_clone().unwrap());
                        let (mut u_read, mut c_write) = (upstream, client);
                        let back = std::thread::spawn(move || {
                            let _ = std::io::copy(&mut u_read, &mut c_write);
                        });
                        let mut seen = Vec::new();
                        let mut buf = [0u8; 16384];
                        while let Ok(n) = c_read.read(&mut buf) {
                            if n == 0 || u_write.write_all(&buf[..n]).is_err() {
                                break;
                            }
                            if seen.len() < 64 << 10 {
                                seen.extend_from_slice(&buf[..n]);
                            }
                        }
                        let _ = u_write.shutdown(std::net::Shutdown::Both);
                        let _ = back.join();
                        seen.truncate(64 << 10);
                        seen
                    })),
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
            conns
                .into_iter()
                .filter_map(|h| h.join().ok())
                .filter(|b| !b.is_empty())
                .collect::<Vec<_>>()
        })
    };
    let status = Command::new("redis-benchmark")
        .args([
            "-p",
            &port.to_string(),
            "-c",
            "2",
            "-n",
            "2000",
            "-P",
            "16",
            "-q",
        ])
        .args([
            "-t",
            "ping,set,get,incr,lpush,rpush,lpop,rpop,sadd,hset,spop,zadd,zpopmin,lrange_100,mset",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("redis-benchmark (apt-get install -y redis-tools)");
    assert!(status.success(), "redis-benchmark failed: {status}");
    done.store(true, Ordering::Relaxed);
    proxy.join().expect("proxy")
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
    }

    let tmp = std::env::temp_dir().join(format!("anax-fuzz-seeds-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("temp dir");
    let redis = Server::redis_with(&["--dir", tmp.to_str().expect("utf-8 temp dir")]);
    let captured = capture_redis_benchmark(redis.port);
    assert!(!captured.is_empty(), "redis-benchmark sent nothing");
    for target in ["parser", "engine"] {
        let dir = corpus.join(target);
        for (i, bytes) in captured.iter().enumerate() {
            let lead: &[u8] = if target == "parser" { b"\xff" } else { b"" };
            write(
                &dir,
                &format!("redis-benchmark-{i}.resp"),
                &[lead, bytes.as_slice()].concat(),
            );
        }
    }

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
