//! Pub/Sub and MONITOR against the `anax` binary, with the tools operators use: a slow
//! subscriber cut off at `client-output-buffer-limit pubsub` while the server's RSS stays
//! bounded (side by side with redis-server), `redis-cli monitor` and `redis-cli --stat`.
//! Message sequences are compared with redis-server in `conformance/scenarios/pubsub*.scn`.

use anax_conformance::{Client, Server};
use anax_protocol::Value;
use std::io::Read;
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn anax(extra: &[&str]) -> Server {
    let mut args = vec!["--save", ""];
    args.extend_from_slice(extra);
    Server::anax_at(Path::new(env!("CARGO_BIN_EXE_anax")), &args)
}

const MB: u64 = 1024 * 1024;

/// The names of the connected clients (CLIENT LIST `name=`).
fn client_names(admin: &mut Client) -> Vec<String> {
    let Value::Bulk(list) = admin.call(&["CLIENT", "LIST"]) else {
        panic!("CLIENT LIST")
    };
    String::from_utf8_lossy(&list)
        .lines()
        .filter_map(|l| {
            l.split(' ')
                .find_map(|f| f.strip_prefix("name="))
                .map(str::to_string)
        })
        .collect()
}

/// What the slow-subscriber run saw on one server.
#[derive(Debug)]
struct SlowRun {
    /// PUBLISH's count before and after the slow subscriber was cut off.
    counts: (i64, i64),
    /// The slow subscriber is gone from CLIENT LIST.
    slow_gone: bool,
    /// The slow subscriber's socket reached end-of-file once drained.
    slow_eof: bool,
    /// Messages the reading subscriber got, of those published.
    fast_got: usize,
    published: usize,
    /// RSS growth over the run.
    rss_growth: u64,
}

/// One subscriber that never reads and one that reads everything, on channel `feed`; 1 KB
/// messages published until `total` bytes went out.
fn slow_subscriber_run(server: &Server, total: usize) -> SlowRun {
    let port = server.port;
    let mut admin = server.client();
    let rss_before = server.rss();
    let mut slow = Client::connect(port).expect("connect");
    assert_eq!(
        slow.call(&["CLIENT", "SETNAME", "slow"]),
        Value::Simple(b"OK".to_vec())
    );
    slow.send(&["SUBSCRIBE", "feed"]);
    let fast_thread = std::thread::spawn(move || {
        let mut fast = Client::connect(port).expect("connect");
        fast.send(&["SUBSCRIBE", "feed"]);
        let mut got = 0usize;
        // The confirmation, then messages until "end".
        loop {
            match fast.read_reply_within(Duration::from_secs(60)) {
                Ok(Some(Value::Array(v)))
                    if v.len() == 3 && v[0] == Value::Bulk(b"message".to_vec()) =>
                {
                    if v[2] == Value::Bulk(b"end".to_vec()) {
                        return got;
                    }
                    got += 1;
                }
                Ok(Some(_)) => {}
                other => panic!("fast subscriber: {other:?}"),
            }
        }
    });
    // Both subscribed.
    let deadline = Instant::now() + Duration::from_secs(10);
    while admin.call(&["PUBSUB", "NUMSUB", "feed"])
        != Value::Array(vec![Value::Bulk(b"feed".to_vec()), Value::Int(2)])
    {
        assert!(Instant::now() < deadline, "subscribers never registered");
        std::thread::sleep(Duration::from_millis(10));
    }
    let payload = vec![b'x'; 1024];
    let published = total / payload.len();
    let mut publisher = Client::connect(port).expect("connect");
    let mut first = 0;
    let mut last = 0;
    let mut rss_peak = 0;
    for i in 0..published {
        let n = match publisher.call(&[b"PUBLISH".as_slice(), b"feed", &payload]) {
            Value::Int(n) => n,
            other => panic!("PUBLISH: {other:?}"),
        };
        if i == 0 {
            first = n;
        }
        last = n;
        if i % 2048 == 0 {
            rss_peak = rss_peak.max(server.rss());
        }
    }
    assert_eq!(
        publisher.call(&["PUBLISH", "feed", "end"]),
        Value::Int(last),
        "the count is steady once the slow subscriber is gone"
    );
    let fast_got = fast_thread.join().expect("fast subscriber");
    rss_peak = rss_peak.max(server.rss());
    let slow_gone = !client_names(&mut admin).iter().any(|n| n == "slow");
    // Drain what the kernel holds: the server closed the socket, so the end comes.
    let mut stream: TcpStream = slow.into_stream();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut buf = vec![0u8; 1 << 16];
    let slow_eof = loop {
        match stream.read(&mut buf) {
            Ok(0) => break true,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break true,
            Err(_) => break false,
        }
    };
    SlowRun {
        counts: (first, last),
        slow_gone,
        slow_eof,
        fast_got,
        published,
        rss_growth: rss_peak.saturating_sub(rss_before),
    }
}

/// A subscriber that stops reading is disconnected at the pubsub hard limit; the server's
/// memory stays bounded; the other subscriber gets every message. Redis does the same with
/// the same limit, which the test checks first.
#[test]
fn a_subscriber_that_stops_reading_is_cut_off_and_memory_stays_bounded() {
    let limit = ["--client-output-buffer-limit", "pubsub 8mb 2mb 60"];
    let total = 48 * MB as usize;
    let redis = Server::redis_with(&limit);
    let r = slow_subscriber_run(&redis, total);
    let a = anax(&[&limit[..], &["--threads", "4"]].concat());
    let got = slow_subscriber_run(&a, total);
    for (side, run) in [("redis-server", &r), ("anax --threads 4", &got)] {
        assert_eq!(run.counts, (2, 1), "{side}: {run:?}");
        assert!(run.slow_gone && run.slow_eof, "{side}: {run:?}");
        assert_eq!(run.fast_got, run.published, "{side}: {run:?}");
        // 48 MB went out; the slow subscriber may hold 8 MB (plus what the kernel took).
        assert!(run.rss_growth < 40 * MB, "{side}: {run:?}");
    }
    eprintln!("redis-server: {r:?}\nanax: {got:?}");
}

/// `redis-cli monitor` sees every command of every thread, in Redis's line format.
#[test]
fn redis_cli_monitor_sees_commands_of_every_thread() {
    let server = anax(&["--threads", "4"]);
    let mut monitor = Command::new("redis-cli")
        .args(["-p", &server.port.to_string(), "monitor"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-cli (apt-get install redis-tools)");
    // Wait until MONITOR registered (its OK is printed once it did).
    let mut admin = server.client();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let Value::Bulk(list) = admin.call(&["CLIENT", "LIST"]) else {
            panic!("CLIENT LIST")
        };
        if String::from_utf8_lossy(&list).contains("cmd=monitor") {
            break;
        }
        assert!(Instant::now() < deadline, "MONITOR never ran");
        std::thread::sleep(Duration::from_millis(20));
    }
    // Four connections, one per thread (handed out in turn).
    let mut clients: Vec<Client> = (0..4).map(|_| server.client()).collect();
    for (i, c) in clients.iter_mut().enumerate() {
        let key = format!("key:{i}");
        c.call(&["SET", &key, "va lue\"q"]);
        c.call(&["GET", &key]);
    }
    clients[0].call(&["SELECT", "3"]);
    clients[0].call(&["MULTI"]);
    clients[0].call(&["INCR", "n"]);
    clients[0].call(&["EXEC"]);
    std::thread::sleep(Duration::from_millis(300));
    monitor.kill().ok();
    let mut text = String::new();
    monitor
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    monitor.wait().ok();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.first(), Some(&"OK"), "{text}");
    for i in 0..4 {
        let set = format!("\"SET\" \"key:{i}\" \"va lue\\\"q\"");
        let get = format!("\"GET\" \"key:{i}\"");
        assert!(lines.iter().any(|l| l.ends_with(&set)), "{set} in:\n{text}");
        assert!(lines.iter().any(|l| l.ends_with(&get)), "{get} in:\n{text}");
    }
    let tail: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.contains("[3 "))
        .collect();
    assert_eq!(
        tail.iter()
            .map(|l| l.split_once("] ").unwrap().1)
            .collect::<Vec<_>>(),
        [
            "\"SELECT\" \"3\"",
            "\"MULTI\"",
            "\"INCR\" \"n\"",
            "\"EXEC\""
        ],
        "{text}"
    );
    // `<seconds>.<micros> [<db> <ip:port>] ...`
    for l in &lines[1..] {
        let (time, rest) = l.split_once(' ').unwrap();
        let (s, us) = time.split_once('.').unwrap();
        assert!(s.parse::<u64>().is_ok() && us.len() == 6, "{l}");
        assert!(rest.starts_with('[') && rest.contains(" 127.0.0.1:"), "{l}");
    }
}

/// `redis-cli --stat` reads INFO every interval: keys, memory, clients, requests.
#[test]
fn redis_cli_stat_reports_anax() {
    let server = anax(&["--threads", "2"]);
    let mut c = server.client();
    for i in 0..10 {
        c.call(&["SET", &format!("k{i}"), "v"]);
    }
    let out = Command::new("timeout")
        .args(["2", "stdbuf", "-oL", "redis-cli", "-p"])
        .arg(server.port.to_string())
        .args(["--stat", "-i", "0.2"])
        .output()
        .expect("redis-cli");
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() >= 4, "{text}");
    assert!(
        lines[0].contains("data") && lines[0].contains("load"),
        "{text}"
    );
    assert!(
        lines[1].starts_with("keys") && lines[1].contains("requests"),
        "{text}"
    );
    for row in &lines[2..] {
        let cols: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(cols[0], "10", "keys column: {row}");
        assert!(
            cols[2].parse::<u32>().unwrap() >= 2,
            "clients column: {row}"
        );
    }
}

/// Two publishers pipeline thousands of messages while subscribers on every thread (one
/// per thread, and a pattern subscriber) check that each publisher's messages arrive
/// complete and in order.
#[test]
fn each_publishers_messages_arrive_in_order_on_every_thread() {
    const N: usize = 5000;
    let server = anax(&["--threads", "4"]);
    let port = server.port;
    let mut subscribers = Vec::new();
    for i in 0..5 {
        let mut c = Client::connect(port).expect("connect");
        if i == 4 {
            c.send(&["PSUBSCRIBE", "ord*"]);
        } else {
            c.send(&["SUBSCRIBE", "order"]);
        }
        assert!(matches!(
            c.read_reply_within(Duration::from_secs(10)),
            Ok(Some(_))
        ));
        subscribers.push(c);
    }
    let readers: Vec<_> = subscribers
        .into_iter()
        .map(|mut c| {
            std::thread::spawn(move || {
                let mut next = [0usize; 2];
                while next != [N, N] {
                    let v = match c.read_reply_within(Duration::from_secs(30)) {
                        Ok(Some(Value::Array(v))) => v,
                        other => panic!("subscriber: {other:?} after {next:?}"),
                    };
                    let Some(Value::Bulk(m)) = v.last() else {
                        panic!("{v:?}")
                    };
                    let m = String::from_utf8_lossy(m).into_owned();
                    let (p, n) = m.split_once(':').unwrap();
                    let (p, n): (usize, usize) = (p.parse().unwrap(), n.parse().unwrap());
                    assert_eq!(n, next[p], "publisher {p} out of order");
                    next[p] += 1;
                }
            })
        })
        .collect();
    let publishers: Vec<_> = (0..2)
        .map(|p| {
            std::thread::spawn(move || {
                let mut c = Client::connect(port).expect("connect");
                let batch: Vec<Vec<Vec<u8>>> = (0..N)
                    .map(|n| {
                        vec![
                            b"PUBLISH".to_vec(),
                            b"order".to_vec(),
                            format!("{p}:{n}").into_bytes(),
                        ]
                    })
                    .collect();
                for chunk in batch.chunks(500) {
                    let cmds: Vec<&[Vec<u8>]> = chunk.iter().map(|c| c.as_slice()).collect();
                    for r in c.try_pipeline_raw(&cmds) {
                        assert_eq!(r.expect("reply").0, Value::Int(5));
                    }
                }
            })
        })
        .collect();
    for p in publishers {
        p.join().expect("publisher");
    }
    for r in readers {
        r.join().expect("subscriber");
    }
}

/// Subscribers are clients of type `pubsub` (CLIENT LIST TYPE, CLIENT KILL TYPE) and show
/// their subscriptions in CLIENT LIST, as in Redis.
#[test]
fn subscribers_are_pubsub_clients() {
    let server = anax(&["--threads", "2"]);
    let mut sub = server.client();
    sub.call(&["CLIENT", "SETNAME", "sub"]);
    sub.send(&["SUBSCRIBE", "a", "b"]);
    sub.send(&["PSUBSCRIBE", "p*"]);
    for _ in 0..3 {
        assert!(matches!(
            sub.read_reply_within(Duration::from_secs(10)),
            Ok(Some(_))
        ));
    }
    let mut admin = server.client();
    admin.call(&["CLIENT", "SETNAME", "admin"]);
    let Value::Bulk(list) = admin.call(&["CLIENT", "LIST", "TYPE", "pubsub"]) else {
        panic!("CLIENT LIST")
    };
    let list = String::from_utf8_lossy(&list).into_owned();
    assert_eq!(list.lines().count(), 1, "{list}");
    assert!(
        list.contains("name=sub ")
            && list.contains(" flags=P ")
            && list.contains(" sub=2 psub=1 ssub=0 "),
        "{list}"
    );
    assert_eq!(
        admin.call(&["CLIENT", "KILL", "TYPE", "pubsub"]),
        Value::Int(1)
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while client_names(&mut admin).iter().any(|n| n == "sub") {
        assert!(Instant::now() < deadline, "the subscriber was not killed");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(
        admin.call(&["PUBSUB", "NUMSUB", "a"]),
        Value::Array(vec![Value::Bulk(b"a".to_vec()), Value::Int(0)])
    );
}
