//! Shared by the family tests: a tiny blocking RESP client, a `redis-server` launcher on a
//! free port (killed on drop), and a runner that plays command sequences against both
//! redis-server and [`SingleHost`] and asserts every reply equal.
//!
//! Nothing here skips quietly: without `redis-server` the launcher panics with a message
//! saying how to install it. Extend this file append-only: other test files include it.
#![allow(dead_code)]

use anax_host_single::SingleHost;
use anax_protocol::value::{decode, encode_request};
use anax_protocol::Value;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A blocking RESP client.
pub struct Client {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Client {
    /// Connects to `127.0.0.1:port`.
    pub fn connect(port: u16) -> std::io::Result<Client> {
        let stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        Ok(Client {
            stream,
            buf: Vec::new(),
        })
    }

    /// Sends one command and reads its reply.
    pub fn call<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Value {
        let mut out = Vec::new();
        encode_request(args, &mut out);
        self.stream.write_all(&out).expect("write to redis-server");
        loop {
            match decode(&self.buf) {
                Ok(Some((v, n))) => {
                    self.buf.drain(..n);
                    return v;
                }
                Ok(None) => {}
                Err(e) => panic!(
                    "malformed reply {e:?}: {:?}",
                    String::from_utf8_lossy(&self.buf)
                ),
            }
            let mut chunk = [0u8; 65536];
            match self.stream.read(&mut chunk) {
                Ok(0) => panic!("redis-server closed the connection"),
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) => panic!("read from redis-server: {e}"),
            }
        }
    }
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// A `redis-server` process on a free port, killed when dropped.
pub struct Redis {
    child: Child,
    /// Its port.
    pub port: u16,
}

impl Redis {
    /// Starts `redis-server` with persistence off and waits until it answers PING.
    pub fn start() -> Redis {
        for _ in 0..5 {
            let port = free_port();
            let child = Command::new("redis-server")
                .args([
                    "--port",
                    &port.to_string(),
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--bind",
                    "127.0.0.1",
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| {
                    panic!(
                        "cannot start redis-server ({e}): the differential tests need \
                         redis-server 7.0 on PATH (`apt-get install -y redis-server`)"
                    )
                });
            let mut r = Redis { child, port };
            if r.wait_ready() {
                return r;
            }
            // Lost the port to someone else between picking and binding: try another.
        }
        panic!("redis-server did not start on any of 5 free ports");
    }

    fn wait_ready(&mut self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(mut c) = Client::connect(self.port) {
                if c.call(&["PING"]) == Value::Simple(b"PONG".to_vec()) {
                    return true;
                }
            }
            if let Ok(Some(_)) = self.child.try_wait() {
                return false;
            }
            assert!(
                Instant::now() < deadline,
                "redis-server did not answer PING on port {} within 20 s",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// A new connection.
    pub fn client(&self) -> Client {
        Client::connect(self.port).expect("connect to redis-server")
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How a step's replies are compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmp {
    /// Byte for byte.
    Exact,
    /// Arrays compared as multisets (KEYS, SMEMBERS...): sorted at every level.
    Unordered,
    /// Only the reply's kind (error text still exact): for replies that legitimately differ
    /// (RANDOMKEY, SCAN cursors, TTLs that tick).
    Shape,
}

/// Sorts arrays (and sets) recursively, so that unordered replies compare equal.
pub fn sorted(v: Value) -> Value {
    match v {
        Value::Array(items) | Value::Set(items) => {
            let mut items: Vec<Value> = items.into_iter().map(sorted).collect();
            items.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
            Value::Array(items)
        }
        other => other,
    }
}

fn shape(v: &Value) -> Value {
    match v {
        Value::Error(_) => v.clone(),
        Value::Int(_) => Value::Int(0),
        Value::Bulk(_) => Value::Bulk(Vec::new()),
        Value::Simple(_) => Value::Simple(Vec::new()),
        Value::Array(a) => Value::Array(a.iter().map(|_| Value::Null).collect()),
        other => other.clone(),
    }
}

/// Runs each command against redis-server and the single host (in that order), asserting
/// equal replies under `cmp`. Both sides start from whatever state earlier calls left.
pub fn run_both(redis: &mut Client, host: &mut SingleHost, cmds: &[(Cmp, Vec<Vec<u8>>)]) {
    for (cmp, args) in cmds {
        let want = redis.call(args);
        let got = host.run(args);
        let shown = args
            .iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect::<Vec<_>>()
            .join(" ");
        let (w, g) = match cmp {
            Cmp::Exact => (want.clone(), got.clone()),
            Cmp::Unordered => (sorted(want.clone()), sorted(got.clone())),
            Cmp::Shape => (shape(&want), shape(&got)),
        };
        assert_eq!(
            g, w,
            "\ncommand: {shown}\nredis-server: {want:?}\nanax:         {got:?}\n"
        );
    }
}

/// Splits a `redis-cli`-like line into arguments: whitespace separates, double quotes group
/// and understand `\"`, `\\`, `\n`, `\r`, `\t` and `\xHH`.
pub fn split(line: &str) -> Vec<Vec<u8>> {
    let mut args = Vec::new();
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i == b.len() {
            break;
        }
        let mut cur = Vec::new();
        if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' && i + 1 < b.len() {
                    i += 1;
                    match b[i] {
                        b'n' => cur.push(b'\n'),
                        b'r' => cur.push(b'\r'),
                        b't' => cur.push(b'\t'),
                        b'x' if i + 2 < b.len() => {
                            let h = std::str::from_utf8(&b[i + 1..i + 3]).expect("hex");
                            cur.push(u8::from_str_radix(h, 16).expect("hex escape"));
                            i += 2;
                        }
                        c => cur.push(c),
                    }
                } else {
                    cur.push(b[i]);
                }
                i += 1;
            }
            i += 1;
        } else {
            while i < b.len() && !b[i].is_ascii_whitespace() {
                cur.push(b[i]);
                i += 1;
            }
        }
        args.push(cur);
    }
    args
}

/// Parses a script: one command a line; a line may start with `~` (compare unordered) or
/// `?` (compare the shape only); `#` starts a comment line.
pub fn script(text: &str) -> Vec<(Cmp, Vec<Vec<u8>>)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            if let Some(rest) = l.strip_prefix('~') {
                (Cmp::Unordered, split(rest))
            } else if let Some(rest) = l.strip_prefix('?') {
                (Cmp::Shape, split(rest))
            } else {
                (Cmp::Exact, split(l))
            }
        })
        .collect()
}
