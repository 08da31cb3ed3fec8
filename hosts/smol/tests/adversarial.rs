//! Hostile input against the `anax` binary. Each case states what it asserts: the exact
//! reply or disconnect (compared with redis-server 7.0 where Redis answers the same input),
//! that the server stays up, that another client is unaffected, and, for the inputs that
//! try to make the server hold memory, a bound on its RSS.
//!
//! Bounds are stated beside each case; they are far above what Anax needs and far below
//! what a server that buffered without bound would reach.

use anax_conformance::{Client, Server};
use anax_protocol::value::encode_request;
use anax_protocol::Value;
use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, UdpSocket};
use std::path::Path;
use std::time::{Duration, Instant};

fn anax(extra: &[&str]) -> Server {
    let mut args = vec!["--save", ""];
    args.extend_from_slice(extra);
    Server::anax_at(Path::new(env!("CARGO_BIN_EXE_anax")), &args)
}

const MB: u64 = 1024 * 1024;

/// What a raw exchange got: every byte until the server closed or went quiet, and whether
/// it closed.
#[derive(Debug, PartialEq, Eq)]
struct Exchange {
    reply: String,
    closed: bool,
}

/// Sends `bytes` on a fresh connection and reads until the server closes or is quiet for
/// `quiet`.
fn exchange(port: u16, bytes: &[u8], quiet: Duration) -> Exchange {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(quiet)).unwrap();
    // A server that closes early may reset the rest of a big write: that is its answer.
    let _ = s.write_all(bytes);
    let mut got = Vec::new();
    let mut buf = [0u8; 65536];
    let closed = loop {
        match s.read(&mut buf) {
            Ok(0) => break true,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                break false
            }
            Err(_) => break true,
        }
    };
    Exchange {
        reply: String::from_utf8_lossy(&got).into_owned(),
        closed,
    }
}

/// The server still answers, on a new connection.
fn alive(srv: &Server) {
    let mut c = srv.client();
    assert_eq!(c.call(&["PING"]), Value::Simple(b"PONG".to_vec()));
}

/// Malformed requests: the same reply bytes as redis-server 7.0, and the same
/// disconnect, case by case; the server stays up, and a client connected throughout is
/// unaffected.
#[test]
fn malformed_requests_get_redis_replies_and_disconnects() {
    let redis = Server::redis();
    let srv = anax(&[]);
    let mut bystander = srv.client();
    assert_eq!(
        bystander.call(&["SET", "safe", "1"]),
        Value::Simple(b"OK".to_vec())
    );
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "huge bulk length",
            b"*2\r\n$3\r\nGET\r\n$99999999999999\r\n".to_vec(),
        ),
        (
            "bulk length over proto-max-bulk-len",
            b"*2\r\n$3\r\nGET\r\n$536870913\r\n".to_vec(),
        ),
        (
            "negative bulk length",
            b"*2\r\n$3\r\nGET\r\n$-5\r\n".to_vec(),
        ),
        (
            "null bulk as an argument",
            b"*2\r\n$3\r\nGET\r\n$-1\r\n".to_vec(),
        ),
        ("huge multibulk count", b"*99999999999\r\n".to_vec()),
        ("multibulk count over 1M", b"*1048577\r\n".to_vec()),
        (
            "negative multibulk count, then a command",
            b"*-5\r\nPING\r\n".to_vec(),
        ),
        (
            "empty multibulk, then a command",
            b"*0\r\n*1\r\n$4\r\nPING\r\n".to_vec(),
        ),
        (
            "missing CRLF after a bulk",
            b"*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n".to_vec(),
        ),
        (
            "a nested array in a request",
            b"*2\r\n*1\r\n$1\r\na\r\n".to_vec(),
        ),
        ("an integer in a request", b"*1\r\n:5\r\n".to_vec()),
        ("letters as a count", b"*x\r\n".to_vec()),
        ("letters as a bulk length", b"*1\r\n$x\r\n".to_vec()),
        ("NUL bytes inline", b"PI\x00NG\r\nECHO a\x00b\r\n".to_vec()),
        ("unbalanced quotes inline", b"SET \"a b\r\n".to_vec()),
        ("unbalanced single quote inline", b"ECHO 'x\r\n".to_vec()),
        ("bad escape inline", b"ECHO \"\\x4\"\r\n".to_vec()),
        ("only CRLFs", b"\r\n\r\n\n\n".to_vec()),
        ("a lone LF inline", b"PING\nPING\n".to_vec()),
        ("binary garbage", (0u8..=255).rev().collect()),
    ];
    let quiet = Duration::from_millis(300);
    let mut diffs = Vec::new();
    for (what, bytes) in &cases {
        let want = exchange(redis.port, bytes, quiet);
        let got = exchange(srv.port, bytes, quiet);
        if got != want {
            diffs.push(format!("{what}:\n  redis: {want:?}\n  anax:  {got:?}"));
        }
    }
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
    assert_eq!(bystander.call(&["GET", "safe"]), Value::Bulk(b"1".to_vec()));
    alive(&srv);
}

/// A command of 1M arguments is served, and the memory it took is given back.
/// Bound: RSS after it within 64 MB of RSS before (the request itself is about 8 MB).
#[test]
fn a_million_arguments() {
    let srv = anax(&[]);
    let mut c = srv.client();
    let before = srv.rss();
    let n = 1_000_000usize;
    let mut req = format!("*{}\r\n$3\r\nDEL\r\n", n + 1).into_bytes();
    for i in 0..n {
        let k = format!("k{}", i % 1000);
        req.extend_from_slice(format!("${}\r\n{k}\r\n", k.len()).as_bytes());
    }
    c.send_raw(&req);
    assert_eq!(c.read_reply(), Some(Value::Int(0)));
    assert_eq!(c.call(&["PING"]), Value::Simple(b"PONG".to_vec()));
    let after = srv.rss();
    assert!(
        after < before + 64 * MB,
        "RSS grew from {before} to {after} bytes"
    );
}

/// Clients that send slowly or declare more than they send hold only what they sent.
/// Bound: with 50 clients each declaring a 512 MB bulk and sending 1 KB of it, plus a
/// slowloris sending a request a byte at a time, RSS stays within 64 MB of where it started;
/// another client is served throughout.
#[test]
fn declared_but_unsent_bulks_and_slow_senders_hold_no_memory() {
    let srv = anax(&[]);
    let before = srv.rss();
    let mut holders = Vec::new();
    for _ in 0..50 {
        let mut s = TcpStream::connect(("127.0.0.1", srv.port)).unwrap();
        s.write_all(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$536870912\r\n")
            .unwrap();
        s.write_all(&[b'x'; 1024]).unwrap();
        holders.push(s);
    }
    let mut slow = TcpStream::connect(("127.0.0.1", srv.port)).unwrap();
    let mut req = Vec::new();
    encode_request(&["SET", "slow", "loris"], &mut req);
    let mut other = srv.client();
    for (i, b) in req.iter().enumerate() {
        slow.write_all(&[*b]).unwrap();
        std::thread::sleep(Duration::from_millis(5));
        if i % 4 == 0 {
            assert_eq!(other.call(&["PING"]), Value::Simple(b"PONG".to_vec()));
        }
    }
    let mut r = [0u8; 5];
    slow.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    slow.read_exact(&mut r).unwrap();
    assert_eq!(&r, b"+OK\r\n");
    let during = srv.rss();
    assert!(
        during < before + 64 * MB,
        "RSS grew from {before} to {during} bytes"
    );
    drop(holders);
    alive(&srv);
}

/// Thousands of idle connections: the server keeps serving, and counts them all.
/// Bound: 2000 idle connections add less than 64 MB of RSS (32 KB each).
#[test]
fn thousands_of_idle_connections() {
    let srv = anax(&[]);
    let before = srv.rss();
    let conns: Vec<TcpStream> = (0..2000)
        .map(|_| TcpStream::connect(("127.0.0.1", srv.port)).expect("connect"))
        .collect();
    let mut c = srv.client();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let Value::Bulk(info) = c.call(&["INFO", "clients"]) else {
            panic!("INFO")
        };
        let info = String::from_utf8_lossy(&info).into_owned();
        if info.contains("connected_clients:2001") {
            break;
        }
        assert!(Instant::now() < deadline, "not all counted:\n{info}");
        std::thread::sleep(Duration::from_millis(50));
    }
    let during = srv.rss();
    assert!(
        during < before + 64 * MB,
        "RSS grew from {before} to {during}"
    );
    assert_eq!(c.call(&["SET", "k", "v"]), Value::Simple(b"OK".to_vec()));
    drop(conns);
    alive(&srv);
}

/// A client that sends requests with big replies and never reads: Anax stops running its
/// requests while 256 KB of its output wait (Redis would go on and buffer them), so the
/// server's memory stays bounded and other clients are served. A reply that alone exceeds
/// a hard `client-output-buffer-limit` disconnects the client, as in Redis (compared).
/// Bound: RSS within 64 MB of where it started while the client has asked for 2 TB of
/// replies.
#[test]
fn a_client_that_never_reads() {
    let srv = anax(&[]);
    let mut c = srv.client();
    let big = "x".repeat(1 << 20);
    assert_eq!(c.call(&["SET", "big", &big]), Value::Simple(b"OK".to_vec()));
    let before = srv.rss();
    let mut hog = TcpStream::connect(("127.0.0.1", srv.port)).unwrap();
    hog.set_write_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let mut req = Vec::new();
    encode_request(&["GET", "big"], &mut req);
    // 16 MB of requests asking for 2 TB of replies: the server stops reading, the socket
    // buffers fill and a write times out.
    let mut batch = Vec::new();
    for _ in 0..1024 {
        batch.extend_from_slice(&req);
    }
    let mut stalled = false;
    for _ in 0..(16 << 20) / batch.len() {
        if hog.write_all(&batch).is_err() {
            stalled = true;
            break;
        }
    }
    assert!(
        stalled,
        "the server read 16 MB of requests from a client that never reads"
    );
    assert_eq!(c.call(&["PING"]), Value::Simple(b"PONG".to_vec()));
    let during = srv.rss();
    assert!(
        during < before + 64 * MB,
        "RSS grew from {before} to {during}"
    );

    // With a hard limit of 2 MB for normal clients, a 4 MB reply cuts the client off
    // before it gets any of it, as in redis-server.
    let redis = Server::redis();
    let huge = "y".repeat(4 << 20);
    for port in [redis.port, srv.port] {
        let mut admin = Client::connect(port).unwrap();
        for cmd in [
            vec![
                "CONFIG",
                "SET",
                "client-output-buffer-limit",
                "normal 2mb 0 0",
            ],
            vec!["SET", "huge", huge.as_str()],
        ] {
            assert_eq!(admin.call(&cmd), Value::Simple(b"OK".to_vec()));
        }
        let e = exchange(port, b"GET huge\r\n", Duration::from_secs(2));
        assert_eq!(
            e,
            Exchange {
                reply: String::new(),
                closed: true
            },
            "port {port}"
        );
        // Under the limit, the same reply is served.
        admin.call(&[
            "CONFIG",
            "SET",
            "client-output-buffer-limit",
            "normal 0 0 0",
        ]);
        assert_eq!(admin.call(&["STRLEN", "huge"]), Value::Int(4 << 20));
    }
    alive(&srv);
}

/// `maxclients`: the client past the limit gets Redis's error and is closed; the others
/// are unaffected.
#[test]
fn maxclients_refuses_with_redis_error() {
    let srv = anax(&["--maxclients", "3"]);
    // Each one answered: each is registered.
    let mut a = srv.client();
    let mut b = srv.client();
    let mut c = srv.client();
    for x in [&mut a, &mut b, &mut c] {
        assert_eq!(x.call(&["PING"]), Value::Simple(b"PONG".to_vec()));
    }
    let e = exchange(srv.port, b"PING\r\n", Duration::from_millis(500));
    assert_eq!(
        e,
        Exchange {
            reply: "-ERR max number of clients reached\r\n".into(),
            closed: true
        }
    );
    assert_eq!(a.call(&["PING"]), Value::Simple(b"PONG".to_vec()));
}

/// `timeout`: an idle client is closed; a blocked one is not.
#[test]
fn idle_clients_are_closed_after_timeout() {
    let srv = anax(&["--timeout", "1"]);
    let mut idle = srv.client();
    let mut blocked = srv.client();
    assert_eq!(idle.call(&["PING"]), Value::Simple(b"PONG".to_vec()));
    blocked.send(&["BLPOP", "never", "0"]);
    std::thread::sleep(Duration::from_millis(3500));
    assert!(
        matches!(idle.try_read_reply(), Ok(None) | Err(_)),
        "the idle client is still open"
    );
    let mut c = srv.client();
    assert_eq!(c.call(&["RPUSH", "never", "v"]), Value::Int(1));
    assert_eq!(
        blocked.read_reply(),
        Some(Value::Array(vec![
            Value::Bulk(b"never".to_vec()),
            Value::Bulk(b"v".to_vec())
        ]))
    );
}

/// This machine's address on its main interface (not loopback), found without sending
/// anything.
fn outside_address() -> IpAddr {
    let s = UdpSocket::bind("0.0.0.0:0").expect("udp socket");
    s.connect("192.0.2.1:9").expect("a route to the outside");
    let ip = s.local_addr().expect("local address").ip();
    assert!(!ip.is_loopback(), "no non-loopback address on this machine");
    ip
}

/// Protected mode: bound to every interface without a password, a client from outside
/// the loopback interface gets Redis's DENIED text (compared with redis-server) and is
/// closed; loopback clients are served; `--protected-mode no` or a password lets it in.
#[test]
fn protected_mode_denies_outside_clients_without_password() {
    let ip = outside_address();
    let outside = |port: u16| {
        let mut s = TcpStream::connect(SocketAddr::new(ip, port)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s.write_all(b"PING\r\n").unwrap();
        let mut got = Vec::new();
        let _ = s.read_to_end(&mut got);
        String::from_utf8_lossy(&got).into_owned()
    };
    let redis = Server::redis_with(&["--bind", "0.0.0.0"]);
    let want = outside(redis.port);
    assert!(
        want.starts_with("-DENIED"),
        "redis-server answered {want:?}"
    );
    let srv = anax(&["--bind", "0.0.0.0"]);
    assert_eq!(outside(srv.port), want);
    alive(&srv);
    let open = anax(&["--bind", "0.0.0.0", "--protected-mode", "no"]);
    let mut s = TcpStream::connect(SocketAddr::new(ip, open.port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(b"PING\r\n").unwrap();
    let mut r = [0u8; 7];
    s.read_exact(&mut r).unwrap();
    assert_eq!(&r, b"+PONG\r\n");
    let with_pass = anax(&["--bind", "0.0.0.0", "--requirepass", "secret"]);
    let mut s = TcpStream::connect(SocketAddr::new(ip, with_pass.port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(b"PING\r\n").unwrap();
    let mut r = [0u8; 14];
    s.read_exact(&mut r).unwrap();
    assert_eq!(&r, b"-NOAUTH Authen");
}

/// The default bind is the loopback interface only.
#[test]
fn binds_loopback_by_default() {
    let ip = outside_address();
    let srv = anax(&[]);
    assert!(
        TcpStream::connect_timeout(&SocketAddr::new(ip, srv.port), Duration::from_secs(2)).is_err(),
        "reachable from outside the loopback interface by default"
    );
    alive(&srv);
    let _ = Client::connect(srv.port).expect("loopback");
}
