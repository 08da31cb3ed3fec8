//! CLIENT PAUSE / UNPAUSE, CLIENT REPLY and CLIENT NO-EVICT in the in-process host, whose
//! clock only moves when told: a paused command waits ([`SingleHost::try_run_on`] answers
//! `None`) until CLIENT UNPAUSE or until the clock passes the pause's end.

use anax_host_single::SingleHost;
use anax_protocol::Value;

fn ok() -> Value {
    Value::ok()
}

fn bulk(s: &str) -> Value {
    Value::bulk(s)
}

fn text(v: Value) -> String {
    String::from_utf8_lossy(v.as_bytes().expect("text")).into_owned()
}

fn blocked_clients(h: &mut SingleHost) -> String {
    let info = text(h.run(&["INFO", "clients"]));
    info.lines()
        .find_map(|l| l.strip_prefix("blocked_clients:"))
        .expect("blocked_clients")
        .trim()
        .to_string()
}

#[test]
fn a_write_pause_holds_writes_until_unpause() {
    let mut h = SingleHost::new();
    let b = h.connect();
    assert_eq!(h.run(&["SET", "k", "v"]), ok());
    assert_eq!(h.run(&["CLIENT", "PAUSE", "10000", "WRITE"]), ok());
    assert_eq!(h.try_run_on(b, &["SET", "k", "w"]), None);
    assert!(h.is_paused(b));
    assert!(!h.is_blocked(b));
    // Reads and the other connections go on.
    assert_eq!(h.run(&["GET", "k"]), bulk("v"));
    assert_eq!(blocked_clients(&mut h), "1");
    let list = text(h.run(&["CLIENT", "LIST"]));
    assert!(
        list.contains(" flags=b ") && list.contains(" cmd=set "),
        "{list}"
    );
    h.advance(5000);
    assert_eq!(h.paused_reply(b), None, "still paused");
    assert_eq!(h.run(&["CLIENT", "UNPAUSE"]), ok());
    assert_eq!(h.paused_reply(b), Some(ok()));
    assert!(!h.is_paused(b));
    assert_eq!(h.run(&["GET", "k"]), bulk("w"));
    assert_eq!(blocked_clients(&mut h), "0");
}

#[test]
fn may_replicate_commands_and_transactions_wait_in_write_mode() {
    let mut h = SingleHost::new();
    let b = h.connect();
    assert_eq!(h.run(&["CLIENT", "PAUSE", "10000", "WRITE"]), ok());
    assert_eq!(h.try_run_on(b, &["PUBLISH", "ch", "m"]), None);
    assert_eq!(h.run(&["CLIENT", "UNPAUSE"]), ok());
    assert_eq!(h.paused_reply(b), Some(Value::Int(0)));
    // A read-only transaction runs; queueing a write waits, as in Redis.
    assert_eq!(h.run(&["CLIENT", "PAUSE", "10000", "WRITE"]), ok());
    assert_eq!(h.try_run_on(b, &["MULTI"]), Some(ok()));
    assert_eq!(
        h.try_run_on(b, &["GET", "k"]),
        Some(Value::Simple(b"QUEUED".to_vec()))
    );
    assert_eq!(h.try_run_on(b, &["SET", "k", "v"]), None);
    assert_eq!(h.run(&["CLIENT", "UNPAUSE"]), ok());
    assert_eq!(h.paused_reply(b), Some(Value::Simple(b"QUEUED".to_vec())));
    // EXEC of a transaction with a write waits.
    assert_eq!(h.run(&["CLIENT", "PAUSE", "10000", "WRITE"]), ok());
    assert_eq!(h.try_run_on(b, &["EXEC"]), None);
    assert_eq!(h.run(&["CLIENT", "UNPAUSE"]), ok());
    assert_eq!(
        h.paused_reply(b),
        Some(Value::Array(vec![Value::Null, ok()]))
    );
}

#[test]
fn an_all_pause_holds_everything_until_its_end() {
    let mut h = SingleHost::new();
    let b = h.connect();
    assert_eq!(h.run(&["SET", "k", "v"]), ok());
    assert_eq!(h.run(&["CLIENT", "PAUSE", "500", "ALL"]), ok());
    assert_eq!(h.try_run_on(b, &["GET", "k"]), None);
    h.advance(499);
    assert_eq!(h.paused_reply(b), None);
    h.advance(1);
    assert_eq!(h.paused_reply(b), Some(bulk("v")));
    // A command run to its end waits on the virtual clock.
    assert_eq!(h.run(&["CLIENT", "PAUSE", "250"]), ok());
    let before = h.now_ms();
    assert_eq!(h.run(&["PING"]), Value::Simple(b"PONG".to_vec()));
    assert!(h.now_ms() >= before + 250);
}

#[test]
fn a_pause_keeps_the_later_end_and_the_stricter_mode() {
    let mut h = SingleHost::new();
    let b = h.connect();
    assert_eq!(h.run(&["CLIENT", "PAUSE", "1000", "WRITE"]), ok());
    // Shorter, but ALL: the pause becomes ALL and still ends at 1000 ms.
    assert_eq!(h.run(&["CLIENT", "PAUSE", "10", "ALL"]), ok());
    assert_eq!(h.try_run_on(b, &["GET", "k"]), None);
    h.advance(500);
    assert_eq!(h.paused_reply(b), None);
    h.advance(500);
    assert_eq!(h.paused_reply(b), Some(Value::Null));
    // A timeout of 0, or past the end of time, pauses nothing.
    for t in ["0", "9223372036854775807"] {
        assert_eq!(h.run(&["CLIENT", "PAUSE", t, "WRITE"]), ok());
        assert_eq!(h.try_run_on(b, &["SET", "k", "v"]), Some(ok()));
    }
}

#[test]
fn no_key_expires_actively_while_paused() {
    let mut h = SingleHost::new();
    for i in 0..20 {
        assert_eq!(h.run(&["SET", &format!("k{i}"), "v", "PX", "100"]), ok());
    }
    assert_eq!(h.run(&["CLIENT", "PAUSE", "10000", "WRITE"]), ok());
    for _ in 0..20 {
        h.advance(200);
    }
    // DBSIZE does not look at the keys: only active expiry removes them.
    assert_eq!(h.run(&["DBSIZE"]), Value::Int(20));
    assert_eq!(h.run(&["CLIENT", "UNPAUSE"]), ok());
    for _ in 0..20 {
        h.advance(100);
    }
    assert_eq!(h.run(&["DBSIZE"]), Value::Int(0));
}

#[test]
fn client_reply_drops_replies_as_redis() {
    let mut h = SingleHost::new();
    let req = |args: &[&str]| {
        let mut out = Vec::new();
        anax_protocol::value::encode_request(args, &mut out);
        out
    };
    let pipeline = [
        req(&["CLIENT", "REPLY", "SKIP"]),
        req(&["PING", "a"]),
        req(&["PING", "b"]),
        req(&["CLIENT", "REPLY", "OFF"]),
        req(&["SET", "k", "v"]),
        req(&["NOSUCH"]),
        req(&["CLIENT", "REPLY", "SKIP"]),
        req(&["PING", "d"]),
        req(&["CLIENT", "REPLY", "ON"]),
        req(&["GET", "k"]),
        req(&["CLIENT", "REPLY", "SKIP"]),
        req(&["CLIENT", "REPLY", "SKIP"]),
        req(&["PING", "x"]),
        req(&["PING", "y"]),
    ]
    .concat();
    // What redis-server 7.0.15 answers to these bytes.
    assert_eq!(
        String::from_utf8_lossy(&h.feed(&pipeline)),
        "$1\r\nb\r\n+OK\r\n$1\r\nv\r\n$1\r\ny\r\n"
    );
    assert_eq!(h.run_raw(&["CLIENT", "REPLY", "OFF"]), b"");
    assert_eq!(h.run_raw(&["GET", "k"]), b"");
    assert_eq!(h.run(&["CLIENT", "REPLY", "ON"]), ok());
    // RESET ends OFF (and sends its reply); a SKIP before it skips it.
    let reset = [
        req(&["CLIENT", "REPLY", "OFF"]),
        req(&["RESET"]),
        req(&["PING"]),
        req(&["CLIENT", "REPLY", "SKIP"]),
        req(&["RESET"]),
        req(&["PING"]),
    ]
    .concat();
    assert_eq!(
        String::from_utf8_lossy(&h.feed(&reset)),
        "+RESET\r\n+PONG\r\n+PONG\r\n"
    );
}

#[test]
fn no_evict_is_a_flag() {
    let mut h = SingleHost::new();
    assert_eq!(h.run(&["CLIENT", "NO-EVICT", "on"]), ok());
    assert!(text(h.run(&["CLIENT", "INFO"])).contains(" flags=e "));
    assert_eq!(h.run(&["CLIENT", "NO-EVICT", "OFF"]), ok());
    assert!(text(h.run(&["CLIENT", "INFO"])).contains(" flags=N "));
    assert_eq!(
        h.run(&["CLIENT", "NO-EVICT", "maybe"]),
        Value::err("ERR syntax error")
    );
}

/// A pause longer than the virtual clock can run (found by the engine fuzzer, which timed
/// out on it) ends when a held command would otherwise wait forever.
#[test]
fn a_pause_beyond_the_clock_does_not_hang_the_host() {
    let mut h = SingleHost::new();
    let out = h.feed(b"CLIENT PAUSE 8446744073709551614 WRITE\r\nSET k v2\r\nGET k\r\n");
    assert_eq!(out, b"+OK\r\n+OK\r\n$2\r\nv2\r\n");
    let mut h = SingleHost::new();
    h.advance(u64::MAX);
    assert_eq!(
        h.run(&["SET", "k", "v"]),
        anax_protocol::Value::Simple(b"OK".to_vec())
    );
}
