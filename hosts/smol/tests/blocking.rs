//! Blocking commands against the `anax` binary with real concurrent clients: what the
//! differential scenarios (`conformance/tests/blocking.rs`) cannot show. A pipeline behind
//! a blocked command waits for it; a blocked client shows in CLIENT LIST and INFO and leaves
//! nothing behind when it disconnects or is killed; and under load with producers and
//! consumers on four shard threads no element is lost or delivered twice.
//!
//! The stress test runs a couple of seconds; `ANAX_STRESS_SECS=60` runs it that long.

use anax_conformance::{Client, Server};
use anax_core::shard::shard_of;
use anax_protocol::value::encode_request;
use anax_protocol::Value;
use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn anax(threads: usize) -> Server {
    Server::anax_at(
        Path::new(env!("CARGO_BIN_EXE_anax")),
        &["--threads", &threads.to_string(), "--save", ""],
    )
}

fn stress() -> Duration {
    let secs = std::env::var("ANAX_STRESS_SECS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .unwrap_or(1.5);
    Duration::from_secs_f64(secs)
}

fn bulk(s: &str) -> Value {
    Value::Bulk(s.as_bytes().to_vec())
}

fn text(v: &Value) -> String {
    match v {
        Value::Bulk(b) | Value::Simple(b) | Value::Verbatim { text: b, .. } => {
            String::from_utf8_lossy(b).into_owned()
        }
        other => panic!("not a string: {other:?}"),
    }
}

/// Polls `f` until it is true or 5 s pass.
fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !f() {
        assert!(Instant::now() < deadline, "never: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn blocked_clients(c: &mut Client) -> String {
    let info = text(&c.call(&["INFO", "clients"]));
    info.lines()
        .find_map(|l| l.strip_prefix("blocked_clients:"))
        .expect("blocked_clients field")
        .trim()
        .to_string()
}

#[test]
fn a_pipeline_behind_a_blocked_command_waits_for_it() {
    for threads in [1, 4] {
        let srv = anax(threads);
        let mut a = srv.client();
        let mut b = srv.client();
        let mut req = Vec::new();
        encode_request(&["BLPOP", "pq", "0"], &mut req);
        encode_request(&["PING"], &mut req);
        encode_request(&["LLEN", "pq"], &mut req);
        a.send_raw(&req);
        let none = a.read_reply_within(Duration::from_millis(300)).unwrap();
        assert_eq!(
            none, None,
            "--threads {threads}: answered before anything was pushed"
        );
        assert_eq!(b.call(&["RPUSH", "pq", "x", "y"]), Value::Int(2));
        assert_eq!(
            a.read_reply(),
            Some(Value::Array(vec![bulk("pq"), bulk("x")]))
        );
        assert_eq!(a.read_reply(), Some(Value::Simple(b"PONG".to_vec())));
        assert_eq!(a.read_reply(), Some(Value::Int(1)));
    }
}

#[test]
fn blocked_clients_show_and_leave_nothing_behind_when_they_go() {
    let srv = anax(4);
    let mut admin = srv.client();
    let mut a = srv.client();
    a.send(&["BLPOP", "gone1", "gone2", "0"]);
    eventually("A counted as blocked", || {
        blocked_clients(&mut admin) == "1"
    });
    let list = text(&admin.call(&["CLIENT", "LIST"]));
    assert!(
        list.lines()
            .any(|l| l.contains("flags=b ") && l.contains("cmd=blpop")),
        "no blocked client in CLIENT LIST:\n{list}"
    );
    drop(a);
    eventually("A forgotten", || blocked_clients(&mut admin) == "0");
    // Nothing is popped for a client that went away.
    assert_eq!(admin.call(&["RPUSH", "gone1", "v"]), Value::Int(1));
    assert_eq!(admin.call(&["RPUSH", "gone2", "v"]), Value::Int(1));
    assert_eq!(admin.call(&["LLEN", "gone1"]), Value::Int(1));
    assert_eq!(admin.call(&["LLEN", "gone2"]), Value::Int(1));

    // CLIENT KILL of a blocked client: closed at once, and nothing popped for it either.
    let mut k = srv.client();
    let id = match k.call(&["CLIENT", "ID"]) {
        Value::Int(i) => i,
        other => panic!("CLIENT ID answered {other:?}"),
    };
    k.send(&["BRPOPLPUSH", "killq", "dst", "0"]);
    eventually("K counted as blocked", || {
        blocked_clients(&mut admin) == "1"
    });
    assert_eq!(
        admin.call(&["CLIENT", "KILL", "ID", &id.to_string()]),
        Value::Int(1)
    );
    assert!(
        matches!(k.try_read_reply(), Ok(None) | Err(_)),
        "a killed blocked client is closed"
    );
    eventually("K forgotten", || blocked_clients(&mut admin) == "0");
    assert_eq!(admin.call(&["RPUSH", "killq", "w"]), Value::Int(1));
    assert_eq!(admin.call(&["EXISTS", "dst"]), Value::Int(0));
}

#[test]
fn a_timeout_answers_close_to_its_deadline() {
    let srv = anax(4);
    let mut a = srv.client();
    let start = Instant::now();
    assert_eq!(a.call(&["BLPOP", "never", "0.2"]), Value::Null);
    let took = start.elapsed();
    // Not a timing assertion on speed: it must not answer before its deadline, and it
    // must answer (the reply timeout of the client is 15 s).
    assert!(
        took >= Duration::from_millis(200),
        "answered after {took:?}"
    );
}

/// Producers push unique elements to four queues on different shards; consumers take them
/// with BLPOP over all queues, BRPOP, BLMPOP, or BRPOPLPUSH into a list of another shard
/// (which moves through the coordinator). At the end every element pushed was taken
/// exactly once or is still queued.
#[test]
fn queues_with_concurrent_producers_and_consumers_lose_and_duplicate_nothing() {
    let srv = anax(4);
    let queues: Vec<String> = {
        let mut qs: Vec<String> = Vec::new();
        let mut i = 0;
        while qs.len() < 4 {
            let q = format!("queue{i}");
            if qs
                .iter()
                .all(|o| shard_of(o.as_bytes(), 4) != shard_of(q.as_bytes(), 4))
            {
                qs.push(q);
            }
            i += 1;
        }
        qs
    };
    let moved = "moved-here";
    let stop = Arc::new(AtomicBool::new(false));
    let producers: Vec<_> = (0..3)
        .map(|p| {
            let mut c = srv.client();
            let queues = queues.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let q = &queues[(n as usize + p) % queues.len()];
                    let item = format!("p{p}-{n}");
                    assert!(matches!(
                        c.call(&["RPUSH", q.as_str(), &item]),
                        Value::Int(_)
                    ));
                    n += 1;
                }
                n
            })
        })
        .collect();
    let consumers: Vec<_> = (0..4)
        .map(|kind| {
            let mut c = srv.client();
            let queues = queues.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut got: Vec<String> = Vec::new();
                loop {
                    let done = stop.load(Ordering::Relaxed);
                    let q0 = queues[kind].as_str();
                    let reply = match kind {
                        0 => {
                            let mut args: Vec<&str> = vec!["BLPOP"];
                            args.extend(queues.iter().map(String::as_str));
                            args.push("0.05");
                            c.call(&args)
                        }
                        1 => c.call(&["BRPOP", q0, "0.05"]),
                        2 => c.call(&["BLMPOP", "0.05", "1", q0, "LEFT", "COUNT", "3"]),
                        _ => c.call(&["BRPOPLPUSH", q0, moved, "0.05"]),
                    };
                    match reply {
                        Value::Null => {
                            if done {
                                break;
                            }
                        }
                        Value::Array(a) if kind == 2 => match &a[1] {
                            Value::Array(items) => got.extend(items.iter().map(text)),
                            other => panic!("BLMPOP: {other:?}"),
                        },
                        Value::Array(a) => got.push(text(&a[1])),
                        Value::Bulk(_) => {} // BRPOPLPUSH: counted from the list
                        other => panic!("consumer {kind}: {other:?}"),
                    }
                }
                got
            })
        })
        .collect();
    std::thread::sleep(stress());
    stop.store(true, Ordering::Relaxed);
    let pushed: Vec<u64> = producers.into_iter().map(|h| h.join().unwrap()).collect();
    let mut taken: Vec<String> = consumers
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let mut c = srv.client();
    for name in queues.iter().map(String::as_str).chain([moved]) {
        if let Value::Array(items) = c.call(&["LRANGE", name, "0", "-1"]) {
            taken.extend(items.iter().map(text));
        }
    }
    let total: u64 = pushed.iter().sum();
    assert!(total > 0, "nothing was pushed");
    let unique: HashSet<&String> = taken.iter().collect();
    assert_eq!(unique.len(), taken.len(), "an element was delivered twice");
    assert_eq!(
        taken.len() as u64,
        total,
        "elements lost: pushed {pushed:?}"
    );
}
