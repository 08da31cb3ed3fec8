//! Pub/Sub and MONITOR through the single host: what reaches which connection, the output
//! buffer limit of a subscriber that does not read, and MONITOR's lines. Message sequences
//! are compared with redis-server in `conformance/scenarios/pubsub*.scn`.

use anax_host_single::SingleHost;
use anax_protocol::Value;

fn bulk(s: &str) -> Value {
    Value::bulk(s)
}

fn message(channel: &str, payload: &str) -> Value {
    Value::Array(vec![bulk("message"), bulk(channel), bulk(payload)])
}

#[test]
fn messages_go_to_subscribers_and_patterns_only() {
    let mut h = SingleHost::new();
    let (a, b, p) = (h.connect(), h.connect(), h.connect());
    h.run_on(a, &["SUBSCRIBE", "x", "y"]);
    h.run_on(b, &["PSUBSCRIBE", "x*"]);
    assert_eq!(h.pushes(a).len(), 1, "the second confirmation");
    assert_eq!(h.run_on(p, &["PUBLISH", "x", "1"]), Value::Int(2));
    assert_eq!(h.run_on(p, &["PUBLISH", "y", "2"]), Value::Int(1));
    assert_eq!(h.run_on(p, &["PUBLISH", "xz", "3"]), Value::Int(1));
    assert_eq!(h.run_on(p, &["PUBLISH", "z", "4"]), Value::Int(0));
    assert_eq!(h.pushes(a), [message("x", "1"), message("y", "2")]);
    let pm = |c: &str, m: &str| Value::Array(vec![bulk("pmessage"), bulk("x*"), bulk(c), bulk(m)]);
    assert_eq!(h.pushes(b), [pm("x", "1"), pm("xz", "3")]);
    assert!(h.pushes(p).is_empty());
    // A subscriber that goes away stops counting.
    h.disconnect(a);
    assert_eq!(h.run_on(p, &["PUBLISH", "x", "5"]), Value::Int(1));
    assert_eq!(
        h.run_on(p, &["PUBSUB", "NUMSUB", "x"]),
        Value::Array(vec![bulk("x"), Value::Int(0)])
    );
}

#[test]
fn under_resp3_a_publishers_own_message_precedes_its_reply() {
    let mut h = SingleHost::new();
    let a = h.connect();
    h.run_on(a, &["HELLO", "3"]);
    h.run_on(a, &["SUBSCRIBE", "me"]);
    let raw = h.run_raw_on(a, &["PUBLISH", "me", "hi"]);
    assert_eq!(
        raw,
        b">3\r\n$7\r\nmessage\r\n$2\r\nme\r\n$2\r\nhi\r\n:1\r\n"
    );
}

#[test]
fn a_subscriber_that_does_not_read_is_killed_at_the_hard_limit() {
    let mut h = SingleHost::new();
    let (slow, p) = (h.connect(), h.connect());
    h.run_on(
        p,
        &[
            "CONFIG",
            "SET",
            "client-output-buffer-limit",
            "pubsub 1mb 0 0",
        ],
    );
    h.run_on(slow, &["SUBSCRIBE", "feed"]);
    let payload = "x".repeat(1000);
    let mut counts = Vec::new();
    for _ in 0..1200 {
        match h.run_on(p, &["PUBLISH", "feed", &payload]) {
            Value::Int(n) => counts.push(n),
            other => panic!("{other:?}"),
        }
    }
    // About 1 MB (plus the 16 KB Redis does not count) went to it, then it was closed.
    let delivered = counts.iter().filter(|&&n| n == 1).count();
    assert!((1000..1100).contains(&delivered), "{delivered}");
    assert_eq!(counts.last(), Some(&0));
    assert!(
        h.engine().conn(slow).is_none(),
        "the slow subscriber is gone"
    );
}

#[test]
fn monitor_shows_commands_after_they_ran_and_exec_with_its_commands() {
    let mut h = SingleHost::new();
    let (m, c) = (h.connect(), h.connect());
    assert_eq!(h.run_on(m, &["MONITOR"]), Value::Simple(b"OK".to_vec()));
    h.run_on(c, &["SET", "k", "a\"b\n"]);
    h.run_on(c, &["SELECT", "2"]);
    h.run_on(c, &["MULTI"]);
    h.run_on(c, &["INCR", "n"]);
    h.run_on(c, &["EXEC"]);
    h.run_on(c, &["CONFIG", "GET", "port"]);
    let lines: Vec<String> = h
        .pushes(m)
        .into_iter()
        .map(|v| match v {
            Value::Simple(s) => {
                let s = String::from_utf8(s).unwrap();
                s.split_once(' ').unwrap().1.to_string()
            }
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        lines,
        [
            "[0 127.0.0.1:40001] \"SET\" \"k\" \"a\\\"b\\n\"",
            "[2 127.0.0.1:40001] \"SELECT\" \"2\"",
            "[2 127.0.0.1:40001] \"MULTI\"",
            "[2 127.0.0.1:40001] \"INCR\" \"n\"",
            "[2 127.0.0.1:40001] \"EXEC\"",
        ],
        "CONFIG (admin) is not shown"
    );
}

#[test]
fn client_reply_off_drops_messages_but_still_counts_the_receiver() {
    let mut h = SingleHost::new();
    let (s, p) = (h.connect(), h.connect());
    h.run_on(s, &["HELLO", "3"]);
    h.run_on(s, &["SUBSCRIBE", "x"]);
    assert!(h.try_run_on(s, &["CLIENT", "REPLY", "OFF"]).is_none());
    assert_eq!(h.run_on(p, &["PUBLISH", "x", "dropped"]), Value::Int(1));
    assert!(h.pushes(s).is_empty());
    assert_eq!(
        h.run_on(s, &["CLIENT", "REPLY", "ON"]),
        Value::Simple(b"OK".to_vec())
    );
    assert_eq!(h.run_on(p, &["PUBLISH", "x", "kept"]), Value::Int(1));
    let got = h.pushes(s);
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(
        format!("{:?}", got[0]).contains(&format!("{:?}", b"kept")),
        "{got:?}"
    );
}
