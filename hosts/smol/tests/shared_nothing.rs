//! The shared-nothing engine end to end: the `anax` binary with several shard threads
//! (`--threads 4`, also on a 2-core machine), many concurrent clients, and invariants that a
//! wrong design breaks: exact counter sums, MSET pairs never seen torn, a key renamed back
//! and forth never lost nor seen twice, MULTI/EXEC transfers that conserve a total, WATCH
//! aborting exactly when it should, pipelines across shards in order.
//!
//! Each stress test runs a couple of seconds; `ANAX_STRESS_SECS=60` runs each that long.
//! Keys are chosen without hash tags and checked to live on different shards with the
//! engine's own `shard_of`.

use anax_core::shard::shard_of;
use anax_protocol::value::{decode, encode_request};
use anax_protocol::Value;
use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const THREADS: usize = 4;

/// How long each stress test runs.
fn stress() -> Duration {
    let secs = std::env::var("ANAX_STRESS_SECS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .unwrap_or(1.5);
    Duration::from_secs_f64(secs)
}

struct Server {
    child: Child,
    port: u16,
    log: Arc<Mutex<String>>,
}

fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    l.local_addr().unwrap().port()
}

impl Server {
    fn start(threads: usize, extra: &[&str]) -> Server {
        for _ in 0..5 {
            let port = free_port();
            let mut child = Command::new(env!("CARGO_BIN_EXE_anax"))
                .args(["--port", &port.to_string(), "--save", ""])
                .args(["--threads", &threads.to_string()])
                .args(extra)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start anax");
            let log = Arc::new(Mutex::new(String::new()));
            let mut stderr = child.stderr.take().unwrap();
            let log2 = log.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = stderr.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    log2.lock()
                        .unwrap()
                        .push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            });
            let mut server = Server { child, port, log };
            let deadline = Instant::now() + Duration::from_secs(10);
            let mut up = false;
            while Instant::now() < deadline {
                if let Ok(Some(_)) = server.child.try_wait() {
                    break;
                }
                if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
                    s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
                    let mut b = [0u8; 64];
                    if s.write_all(b"PING\r\n").is_ok() && s.read(&mut b).is_ok_and(|n| n > 0) {
                        up = true;
                        break;
                    }
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            if up {
                return server;
            }
        }
        panic!("anax did not start");
    }

    fn client(&self) -> Client {
        Client::connect(self.port)
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    fn wait_exit(&mut self, within: Duration) -> ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                return st;
            }
            assert!(
                Instant::now() < deadline,
                "anax did not exit: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Client {
    s: TcpStream,
    buf: Vec<u8>,
}

impl Client {
    fn connect(port: u16) -> Client {
        let s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        s.set_nodelay(true).unwrap();
        Client { s, buf: Vec::new() }
    }

    fn send<A: AsRef<[u8]>>(&mut self, args: &[A]) {
        let mut req = Vec::new();
        encode_request(args, &mut req);
        self.s.write_all(&req).unwrap();
    }

    fn recv(&mut self) -> Value {
        loop {
            if let Some((v, n)) = decode(&self.buf).expect("valid RESP") {
                self.buf.drain(..n);
                return v;
            }
            let mut b = [0u8; 64 * 1024];
            let n = self.s.read(&mut b).expect("read a reply");
            assert!(n > 0, "connection closed while waiting for a reply");
            self.buf.extend_from_slice(&b[..n]);
        }
    }

    fn cmd<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Value {
        self.send(args);
        self.recv()
    }

    /// Sends every command in one write, then reads every reply.
    fn pipeline(&mut self, cmds: &[Vec<String>]) -> Vec<Value> {
        let mut req = Vec::new();
        for c in cmds {
            encode_request(c, &mut req);
        }
        self.s.write_all(&req).unwrap();
        cmds.iter().map(|_| self.recv()).collect()
    }

    fn expect_closed(&mut self) {
        let mut b = [0u8; 1024];
        loop {
            match self.s.read(&mut b) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.kind() == ErrorKind::ConnectionReset => break,
                Err(e) => panic!("connection not closed: {e}"),
            }
        }
    }
}

fn int(v: &Value) -> i64 {
    match v {
        Value::Int(n) => *n,
        Value::Bulk(b) => std::str::from_utf8(b).unwrap().parse().unwrap(),
        other => panic!("not an integer: {other:?}"),
    }
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

/// `n` keys `prefix0`, `prefix1`, ... each on a different one of the server's shards.
fn keys_on_different_shards(prefix: &str, n: usize) -> Vec<String> {
    assert!(n <= THREADS);
    let mut out = Vec::new();
    let mut seen = Vec::new();
    for i in 0.. {
        let k = format!("{prefix}{i}");
        let sh = shard_of(k.as_bytes(), THREADS);
        if !seen.contains(&sh) {
            seen.push(sh);
            out.push(k);
            if out.len() == n {
                return out;
            }
        }
    }
    unreachable!()
}

/// Runs `workers` threads until `stress()` has passed, each calling `f(worker, client)`
/// in a loop; returns what each returned summed per worker.
fn for_a_while<F>(srv: &Server, workers: usize, f: F) -> Vec<u64>
where
    F: Fn(usize, &mut Client) -> u64 + Send + Sync + 'static,
{
    let f = Arc::new(f);
    let stop = Arc::new(AtomicBool::new(false));
    let handles: Vec<_> = (0..workers)
        .map(|w| {
            let (f, stop) = (f.clone(), stop.clone());
            let mut c = srv.client();
            std::thread::spawn(move || {
                let mut total = 0;
                while !stop.load(Ordering::Relaxed) {
                    total += f(w, &mut c);
                }
                total
            })
        })
        .collect();
    std::thread::sleep(stress());
    stop.store(true, Ordering::Relaxed);
    handles
        .into_iter()
        .map(|h| h.join().expect("worker"))
        .collect()
}

#[test]
fn test_keys_live_on_different_shards() {
    let k = keys_on_different_shards("key", THREADS);
    let mut shards: Vec<usize> = k.iter().map(|k| shard_of(k.as_bytes(), THREADS)).collect();
    shards.sort();
    assert_eq!(shards, (0..THREADS).collect::<Vec<_>>());
    assert!(k.iter().all(|k| !k.contains('{')));
}

#[test]
fn incr_on_shared_counters_sums_exactly() {
    let srv = Server::start(THREADS, &[]);
    let counters = keys_on_different_shards("counter", THREADS);
    let ks = counters.clone();
    let done = for_a_while(&srv, 8, move |w, c| {
        // A pipeline over every shard: squashed per shard, replies in order.
        let cmds: Vec<Vec<String>> = (0..16)
            .map(|i| s(&["INCR", &ks[(w + i) % ks.len()]]))
            .collect();
        let replies = c.pipeline(&cmds);
        assert!(
            replies.iter().all(|r| matches!(r, Value::Int(_))),
            "{replies:?}"
        );
        16
    });
    let total: u64 = done.iter().sum();
    let mut c = srv.client();
    let mut args = vec!["MGET".to_string()];
    args.extend(counters.iter().cloned());
    let Value::Array(vals) = c.cmd(&args) else {
        panic!()
    };
    let sum: i64 = vals.iter().map(int).sum();
    assert_eq!(sum as u64, total, "every INCR counted once");
}

#[test]
fn mset_pairs_are_never_seen_torn() {
    let srv = Server::start(THREADS, &[]);
    let k = keys_on_different_shards("pair", 2);
    let mut c = srv.client();
    assert_eq!(c.cmd(&["MSET", &k[0], "0", &k[1], "0"]), Value::ok());
    let seq = Arc::new(AtomicU64::new(0));
    let torn = Arc::new(AtomicU64::new(0));
    let (k2, torn2) = (k.clone(), torn.clone());
    let ops = for_a_while(&srv, 8, move |w, c| {
        if w % 2 == 0 {
            let v = seq.fetch_add(1, Ordering::Relaxed).to_string();
            assert_eq!(c.cmd(&["MSET", &k2[0], &v, &k2[1], &v]), Value::ok());
        } else {
            let Value::Array(v) = c.cmd(&["MGET", &k2[0], &k2[1]]) else {
                panic!()
            };
            if v[0] != v[1] {
                torn2.fetch_add(1, Ordering::Relaxed);
            }
        }
        1
    });
    assert_eq!(torn.load(Ordering::Relaxed), 0, "MGET saw half an MSET");
    assert!(
        ops.iter().all(|&n| n > 0),
        "every client made progress: {ops:?}"
    );
}

#[test]
fn a_key_renamed_back_and_forth_is_never_lost_nor_seen_twice() {
    let srv = Server::start(THREADS, &[]);
    let k = keys_on_different_shards("hop", 2);
    let mut c = srv.client();
    assert_eq!(c.cmd(&["SET", &k[0], "token"]), Value::ok());
    let bad = Arc::new(Mutex::new(Vec::new()));
    let (k2, bad2) = (k.clone(), bad.clone());
    let moves = for_a_while(&srv, 8, move |w, c| match w % 4 {
        0 | 1 => {
            let (from, to) = if w % 2 == 0 {
                (&k2[0], &k2[1])
            } else {
                (&k2[1], &k2[0])
            };
            match c.cmd(&["RENAME", from, to]) {
                Value::Simple(_) => 1,
                Value::Error(e) if e == b"ERR no such key" => 0,
                other => panic!("RENAME: {other:?}"),
            }
        }
        2 => {
            let Value::Array(v) = c.cmd(&["MGET", &k2[0], &k2[1]]) else {
                panic!()
            };
            let present = v.iter().filter(|x| **x != Value::Null).count();
            if present != 1 {
                bad2.lock().unwrap().push(format!("MGET {v:?}"));
            }
            0
        }
        _ => {
            let n = int(&c.cmd(&["EXISTS", &k2[0], &k2[1]]));
            if n != 1 {
                bad2.lock().unwrap().push(format!("EXISTS {n}"));
            }
            0
        }
    });
    let bad = bad.lock().unwrap();
    assert!(
        bad.is_empty(),
        "the key was lost or doubled: {:?}",
        &bad[..bad.len().min(5)]
    );
    assert!(moves.iter().sum::<u64>() > 0, "some renames went through");
    assert_eq!(int(&c.cmd(&["EXISTS", &k[0], &k[1]])), 1);
}

#[test]
fn multi_exec_transfers_conserve_the_total() {
    let srv = Server::start(THREADS, &[]);
    let acct = keys_on_different_shards("acct", THREADS);
    let mut c = srv.client();
    for a in &acct {
        assert_eq!(c.cmd(&["SET", a, "1000"]), Value::ok());
    }
    let bad = Arc::new(AtomicU64::new(0));
    let (acct2, bad2) = (acct.clone(), bad.clone());
    for_a_while(&srv, 8, move |w, c| {
        if w < 6 {
            let from = &acct2[w % acct2.len()];
            let to = &acct2[(w + 1 + w / 4) % acct2.len()];
            let replies = c.pipeline(&[
                s(&["MULTI"]),
                s(&["DECRBY", from, "7"]),
                s(&["INCRBY", to, "7"]),
                s(&["EXEC"]),
            ]);
            let Value::Array(r) = &replies[3] else {
                panic!("EXEC: {replies:?}")
            };
            assert_eq!(r.len(), 2);
        } else {
            let mut args = vec!["MGET".to_string()];
            args.extend(acct2.iter().cloned());
            let Value::Array(v) = c.cmd(&args) else {
                panic!()
            };
            if v.iter().map(int).sum::<i64>() != 1000 * acct2.len() as i64 {
                bad2.fetch_add(1, Ordering::Relaxed);
            }
        }
        1
    });
    assert_eq!(
        bad.load(Ordering::Relaxed),
        0,
        "an observer saw money in flight"
    );
    let mut args = vec!["MGET".to_string()];
    args.extend(acct.iter().cloned());
    let Value::Array(v) = c.cmd(&args) else {
        panic!()
    };
    assert_eq!(v.iter().map(int).sum::<i64>(), 1000 * THREADS as i64);
}

#[test]
fn watch_races_abort_exactly_when_they_should() {
    let srv = Server::start(THREADS, &[]);
    let k = keys_on_different_shards("cas", 2);
    let mut c = srv.client();
    assert_eq!(c.cmd(&["SET", &k[0], "0"]), Value::ok());
    assert_eq!(c.cmd(&["SET", &k[1], "0"]), Value::ok());
    let aborted_alone = Arc::new(AtomicU64::new(0));
    let (k2, alone2) = (k.clone(), aborted_alone.clone());
    let wins = for_a_while(&srv, 6, move |w, c| {
        // Workers 0..5 race on k[0]; worker 5 alone increments k[1]: never aborted.
        let key = if w == 5 { &k2[1] } else { &k2[0] };
        assert_eq!(c.cmd(&["WATCH", key]), Value::ok());
        let v = int(&c.cmd(&["GET", key]));
        let r = c.pipeline(&[
            s(&["MULTI"]),
            s(&["SET", key, &(v + 1).to_string()]),
            s(&["EXEC"]),
        ]);
        match &r[2] {
            Value::Array(_) => 1,
            Value::Null => {
                if w == 5 {
                    alone2.fetch_add(1, Ordering::Relaxed);
                }
                0
            }
            other => panic!("EXEC: {other:?}"),
        }
    });
    assert_eq!(
        aborted_alone.load(Ordering::Relaxed),
        0,
        "an untouched WATCH aborted"
    );
    let racing: u64 = wins[..5].iter().sum();
    assert_eq!(
        int(&c.cmd(&["GET", &k[0]])) as u64,
        racing,
        "no lost update, no double count"
    );
    assert_eq!(int(&c.cmd(&["GET", &k[1]])) as u64, wins[5]);
}

#[test]
fn pipelines_across_shards_reply_in_order() {
    let srv = Server::start(THREADS, &[]);
    let mut c = srv.client();
    let mut cmds = Vec::new();
    let mut want = Vec::new();
    for i in 0..500 {
        let key = format!("p{}", i % 37);
        match i % 5 {
            0 => {
                cmds.push(s(&["SET", &key, &i.to_string()]));
                want.push(Some(Value::ok()));
            }
            1 => {
                cmds.push(s(&["GET", &key]));
                want.push(None);
            }
            2 => {
                cmds.push(s(&["MSET", &format!("m{i}"), "x", &format!("n{i}"), "y"]));
                want.push(Some(Value::ok()));
            }
            3 => {
                cmds.push(s(&[
                    "EXISTS",
                    &format!("m{}", i - 1),
                    &format!("n{}", i - 1),
                ]));
                want.push(Some(Value::Int(2)));
            }
            _ => {
                cmds.push(s(&["ECHO", &i.to_string()]));
                want.push(Some(Value::bulk(i.to_string())));
            }
        }
    }
    let got = c.pipeline(&cmds);
    let mut last: std::collections::HashMap<String, String> = Default::default();
    for (i, (cmd, r)) in cmds.iter().zip(&got).enumerate() {
        match &want[i] {
            Some(w) => assert_eq!(r, w, "reply {i} to {cmd:?}"),
            None => {
                let expect = last
                    .get(&cmd[1])
                    .map(|v| Value::bulk(v.clone()))
                    .unwrap_or(Value::Null);
                assert_eq!(r, &expect, "reply {i} to {cmd:?}");
            }
        }
        if cmd[0] == "SET" {
            last.insert(cmd[1].clone(), cmd[2].clone());
        }
    }
}

#[test]
fn server_wide_commands_see_every_thread() {
    let srv = Server::start(THREADS, &["--enable-debug-command", "yes"]);
    let mut clients: Vec<Client> = (0..8).map(|_| srv.client()).collect();
    for (i, c) in clients.iter_mut().enumerate() {
        assert_eq!(c.cmd(&["CLIENT", "SETNAME", &format!("c{i}")]), Value::ok());
    }
    let list = clients[0].cmd(&["CLIENT", "LIST"]);
    let text = String::from_utf8(list.as_bytes().expect("text").to_vec()).unwrap();
    for i in 0..8 {
        assert!(text.contains(&format!("name=c{i} ")), "{text}");
    }
    // Kill a client that lives on another thread (connections are handed out in turn).
    let Value::Int(victim) = clients[3].cmd(&["CLIENT", "ID"]) else {
        panic!()
    };
    assert_eq!(
        clients[0].cmd(&["CLIENT", "KILL", "ID", &victim.to_string()]),
        Value::Int(1)
    );
    clients[3].expect_closed();
    let info = clients[0].cmd(&["INFO", "clients"]);
    let text = String::from_utf8(info.as_bytes().unwrap().to_vec()).unwrap();
    assert!(text.contains("connected_clients:7"), "{text}");
    // Keys on every shard: DBSIZE, KEYS, SCAN, FLUSHALL see them all.
    for i in 0..200 {
        clients[i % 8 % 3].cmd(&["SET", &format!("k{i}"), "v"]);
    }
    assert_eq!(clients[1].cmd(&["DBSIZE"]), Value::Int(200));
    let Value::Array(keys) = clients[2].cmd(&["KEYS", "*"]) else {
        panic!()
    };
    assert_eq!(keys.len(), 200);
    let mut seen = std::collections::HashSet::new();
    let mut cursor = "0".to_string();
    loop {
        let Value::Array(parts) = clients[4].cmd(&["SCAN", &cursor, "COUNT", "7"]) else {
            panic!()
        };
        let Value::Array(batch) = &parts[1] else {
            panic!()
        };
        for k in batch {
            seen.insert(k.as_bytes().expect("a key").to_vec());
        }
        cursor = String::from_utf8(parts[0].as_bytes().unwrap().to_vec()).unwrap();
        if cursor == "0" {
            break;
        }
    }
    assert_eq!(seen.len(), 200);
    assert!(matches!(clients[5].cmd(&["RANDOMKEY"]), Value::Bulk(_)));
    // CONFIG SET reaches every thread.
    assert_eq!(
        clients[6].cmd(&["CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"]),
        Value::ok()
    );
    for c in clients.iter_mut().filter(|_| true).take(3) {
        let Value::Array(v) = c.cmd(&["CONFIG", "GET", "maxmemory-policy"]) else {
            panic!()
        };
        assert_eq!(v[1], Value::bulk("allkeys-lfu"));
    }
    let info = clients[7].cmd(&["INFO", "keyspace"]);
    let text = String::from_utf8(info.as_bytes().unwrap().to_vec()).unwrap();
    assert!(text.contains("db0:keys=200,expires=0"), "{text}");
    assert_eq!(clients[0].cmd(&["FLUSHALL"]), Value::ok());
    assert_eq!(clients[1].cmd(&["DBSIZE"]), Value::Int(0));
}

#[test]
fn shutdown_from_any_thread_stops_every_thread() {
    let mut srv = Server::start(THREADS, &[]);
    let mut clients: Vec<Client> = (0..THREADS).map(|_| srv.client()).collect();
    for c in clients.iter_mut() {
        assert_eq!(c.cmd(&["PING"]), Value::Simple(b"PONG".to_vec()));
    }
    clients[THREADS - 1].send(&["SHUTDOWN", "NOSAVE"]);
    for c in clients.iter_mut() {
        c.expect_closed();
    }
    let st = srv.wait_exit(Duration::from_secs(10));
    assert_eq!(st.code(), Some(0), "{}", srv.log());
}

#[test]
fn redis_benchmark_runs_clean_on_two_threads() {
    let srv = Server::start(2, &[]);
    let out = Command::new("redis-benchmark")
        .args([
            "-p",
            &srv.port.to_string(),
            "-c",
            "50",
            "-P",
            "16",
            "-r",
            "1000000",
        ])
        .args(["-n", "20000", "-t", "set,get,incr,mset", "-q"])
        .output()
        .expect("redis-benchmark must be installed (apt-get install redis-tools)");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    for t in ["SET: ", "GET: ", "INCR: ", "MSET (10 keys): "] {
        assert!(text.contains(t), "{t} missing: {text}");
    }
    assert!(!text.to_lowercase().contains("error"), "{text}");
    assert_eq!(srv.client().cmd(&["PING"]), Value::Simple(b"PONG".to_vec()));
}

#[test]
fn a_mixed_load_of_every_kind_of_transaction_never_deadlocks() {
    let srv = Server::start(THREADS, &[]);
    let keys: Vec<String> = (0..12).map(|i| format!("mix{i}")).collect();
    let ops = for_a_while(&srv, 10, move |w, c| {
        // A cheap deterministic mix per worker and round.
        let seed = (w as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let r = |i: u64| ((seed ^ i.wrapping_mul(0x2545_f491_4f6c_dd1d)) >> 33) as usize;
        let round = c.cmd(&["INCR", &format!("round{w}")]);
        let i = int(&round) as u64;
        let k = |j: u64| keys[r(i * 7 + j) % keys.len()].clone();
        let cmds: Vec<Vec<String>> = match r(i) % 9 {
            0 => vec![s(&["MSET", &k(1), "1", &k(2), "2", &k(3), "3"])],
            1 => vec![s(&["MGET", &k(1), &k(2), &k(3), &k(4)])],
            2 => vec![s(&["RENAME", &k(1), &k(2)])],
            3 => vec![s(&["DEL", &k(1), &k(2)]), s(&["EXISTS", &k(3), &k(4)])],
            4 => vec![
                s(&["MULTI"]),
                s(&["INCR", &k(1)]),
                s(&["MSET", &k(2), "x", &k(3), "y"]),
                s(&["RENAME", &k(4), &k(5)]),
                s(&["EXEC"]),
            ],
            5 => vec![
                s(&["WATCH", &k(1), &k(2)]),
                s(&["MULTI"]),
                s(&["SET", &k(1), "w"]),
                s(&["EXEC"]),
            ],
            6 => vec![s(&["DBSIZE"]), s(&["KEYS", "mix*"])],
            7 => vec![
                s(&["MULTI"]),
                s(&["KEYS", "mix1*"]),
                s(&["SET", &k(1), "z"]),
                s(&["EXEC"]),
            ],
            _ => (0..8).map(|j| s(&["SET", &k(j), "v"])).collect(),
        };
        c.pipeline(&cmds);
        1
    });
    assert!(
        ops.iter().all(|&n| n > 0),
        "every client made progress: {ops:?}"
    );
    let mut c = srv.client();
    assert_eq!(c.cmd(&["PING"]), Value::Simple(b"PONG".to_vec()));
}
