//! The coordinator through the in-process host: multi-key commands whose keys live on
//! different shards (split, gathered, once per shard), the intent locks they leave behind
//! (none), and MULTI/EXEC/DISCARD/WATCH/UNWATCH, checked against redis-server.

mod common;

use anax_core::shard::shard_of;
use anax_host_single::{SingleHost, DEFAULT_SHARDS};
use anax_protocol::Value;
use common::{script, Client, Cmp};

fn run<A: AsRef<[u8]>>(h: &mut SingleHost, args: &[A]) -> Value {
    h.run(args)
}

fn r(h: &mut SingleHost, line: &str) -> Value {
    h.run(&common::split(line))
}

fn int(n: i64) -> Value {
    Value::Int(n)
}

fn bulk(s: &str) -> Value {
    Value::bulk(s)
}

fn err(s: &str) -> Value {
    Value::err(s)
}

/// `n` key names `prefix0`, `prefix1`... each on a different shard, without hash tags.
fn keys_on_different_shards(prefix: &str, n: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut shards = Vec::new();
    for i in 0.. {
        let k = format!("{prefix}{i}");
        let s = shard_of(k.as_bytes(), DEFAULT_SHARDS);
        if !shards.contains(&s) {
            shards.push(s);
            out.push(k);
            if out.len() == n {
                break;
            }
        }
    }
    out
}

/// No lock is held nor waited for on any shard.
fn assert_no_locks(h: &mut SingleHost) {
    for (i, s) in h.engine().state.shards.iter().enumerate() {
        assert!(s.locks.is_idle(), "shard {i} still has locks");
    }
}

#[test]
fn split_commands_across_shards() {
    let mut h = SingleHost::new();
    let k = keys_on_different_shards("k", 4);
    assert_eq!(
        run(&mut h, &["MSET", &k[0], "a", &k[1], "b", &k[2], "c"]),
        Value::ok()
    );
    assert_eq!(
        run(
            &mut h,
            &["MGET", &k[2], "nokey", &k[0], &k[1], &k[3], &k[0]]
        ),
        Value::Array(vec![
            bulk("c"),
            Value::Null,
            bulk("a"),
            bulk("b"),
            Value::Null,
            bulk("a")
        ])
    );
    assert_eq!(run(&mut h, &["EXISTS", &k[0], &k[1], &k[3], &k[0]]), int(3));
    assert_eq!(run(&mut h, &["TOUCH", &k[0], &k[1], &k[2]]), int(3));
    assert_eq!(run(&mut h, &["DEL", &k[0], &k[3], &k[0]]), int(1));
    assert_eq!(run(&mut h, &["UNLINK", &k[1], &k[2]]), int(2));
    assert_eq!(r(&mut h, "DBSIZE"), int(0));
    // MSET with a key and no value: the arity error, nothing written.
    assert_eq!(
        run(&mut h, &["MSET", &k[0], "a", &k[1]]),
        err("ERR wrong number of arguments for 'mset' command")
    );
    assert_eq!(r(&mut h, "DBSIZE"), int(0));
    assert_no_locks(&mut h);
}

#[test]
fn gathered_commands_across_shards() {
    let mut h = SingleHost::new();
    let k = keys_on_different_shards("g", 3);
    run(&mut h, &["SET", &k[0], "v"]);
    run(&mut h, &["PEXPIRE", &k[0], "5000"]);
    assert_eq!(run(&mut h, &["RENAME", &k[0], &k[1]]), Value::ok());
    assert_eq!(run(&mut h, &["EXISTS", &k[0]]), int(0));
    assert_eq!(run(&mut h, &["GET", &k[1]]), bulk("v"));
    assert_eq!(run(&mut h, &["PTTL", &k[1]]), int(5000));
    assert_eq!(
        run(&mut h, &["RENAME", &k[0], &k[2]]),
        err("ERR no such key")
    );
    run(&mut h, &["SET", &k[2], "other"]);
    assert_eq!(run(&mut h, &["RENAMENX", &k[1], &k[2]]), int(0));
    assert_eq!(run(&mut h, &["COPY", &k[1], &k[0]]), int(1));
    assert_eq!(run(&mut h, &["COPY", &k[1], &k[2]]), int(0));
    assert_eq!(run(&mut h, &["COPY", &k[1], &k[2], "REPLACE"]), int(1));
    assert_eq!(run(&mut h, &["GET", &k[2]]), bulk("v"));
    assert_eq!(run(&mut h, &["COPY", &k[1], &k[2], "DB", "3"]), int(1));
    r(&mut h, "SELECT 3");
    assert_eq!(run(&mut h, &["GET", &k[2]]), bulk("v"));
    r(&mut h, "SELECT 0");
    assert_eq!(
        run(&mut h, &["MSETNX", &k[0], "x", "fresh", "y"]),
        int(0),
        "one key exists: nothing is set"
    );
    assert_eq!(r(&mut h, "EXISTS fresh"), int(0));
    run(&mut h, &["DEL", &k[0], &k[1], &k[2]]);
    assert_eq!(run(&mut h, &["MSETNX", &k[0], "x", &k[1], "y"]), int(1));
    assert_eq!(
        run(&mut h, &["MGET", &k[0], &k[1]]),
        Value::Array(vec![bulk("x"), bulk("y")])
    );
    run(&mut h, &["SET", &k[0], "ohmytext"]);
    run(&mut h, &["SET", &k[1], "mynewtext"]);
    assert_eq!(run(&mut h, &["LCS", &k[0], &k[1]]), bulk("mytext"));
    assert_no_locks(&mut h);
}

#[test]
fn all_shard_commands_merge() {
    let mut h = SingleHost::new();
    for i in 0..100 {
        run(&mut h, &["SET", &format!("key:{i}"), "v"]);
    }
    assert_eq!(r(&mut h, "DBSIZE"), int(100));
    let Value::Array(keys) = r(&mut h, "KEYS key:1*") else {
        panic!()
    };
    assert_eq!(keys.len(), 11);
    assert_eq!(r(&mut h, "FLUSHDB BAD"), err("ERR syntax error"));
    assert_eq!(r(&mut h, "SWAPDB 0 1"), Value::ok());
    assert_eq!(r(&mut h, "DBSIZE"), int(0));
    r(&mut h, "SELECT 1");
    assert_eq!(r(&mut h, "DBSIZE"), int(100));
    let dirty = h.engine().state.dirty;
    assert_eq!(r(&mut h, "FLUSHALL"), Value::ok());
    assert_eq!(
        h.engine().state.dirty - dirty,
        101,
        "the keys and FLUSHALL's own write"
    );
    assert_eq!(r(&mut h, "DBSIZE"), int(0));
    assert_no_locks(&mut h);
}

#[test]
fn transaction_texts() {
    let mut h = SingleHost::new();
    assert_eq!(r(&mut h, "EXEC"), err("ERR EXEC without MULTI"));
    assert_eq!(r(&mut h, "DISCARD"), err("ERR DISCARD without MULTI"));
    assert_eq!(r(&mut h, "MULTI"), Value::ok());
    assert_eq!(r(&mut h, "MULTI"), err("ERR MULTI calls can not be nested"));
    assert_eq!(
        r(&mut h, "WATCH a"),
        err("ERR WATCH inside MULTI is not allowed")
    );
    assert_eq!(r(&mut h, "SET a 1"), Value::Simple(b"QUEUED".to_vec()));
    assert_eq!(r(&mut h, "EXEC"), Value::Array(vec![Value::ok()]));
    assert_eq!(r(&mut h, "MULTI"), Value::ok());
    assert_eq!(
        r(&mut h, "NOSUCH"),
        err("ERR unknown command 'NOSUCH', with args beginning with: ")
    );
    assert_eq!(r(&mut h, "INCR a"), Value::Simple(b"QUEUED".to_vec()));
    assert_eq!(
        r(&mut h, "EXEC"),
        err("EXECABORT Transaction discarded because of previous errors.")
    );
    assert_eq!(r(&mut h, "GET a"), bulk("1"), "nothing ran");
    assert_eq!(r(&mut h, "MULTI"), Value::ok());
    assert_eq!(
        r(&mut h, "SHUTDOWN"),
        err("ERR Command not allowed inside a transaction")
    );
    assert_eq!(r(&mut h, "DISCARD"), Value::ok());
    assert_eq!(
        r(&mut h, "EXEC x"),
        err("EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command")
    );
    assert_no_locks(&mut h);
}

#[test]
fn exec_before_auth_is_an_exec_abort() {
    let mut h = SingleHost::new();
    r(&mut h, "CONFIG SET requirepass pw");
    let c = h.connect();
    assert_eq!(
        h.run_on(c, &["EXEC"]),
        err("EXECABORT Transaction discarded because of: NOAUTH Authentication required.")
    );
    assert_eq!(
        h.run_on(c, &["MULTI"]),
        err("NOAUTH Authentication required.")
    );
}

#[test]
fn exec_runs_across_shards_in_order() {
    let mut h = SingleHost::new();
    let k = keys_on_different_shards("t", 4);
    r(&mut h, "MULTI");
    run(&mut h, &["SET", &k[0], "10"]);
    run(&mut h, &["INCRBY", &k[0], "5"]);
    run(&mut h, &["MSET", &k[1], "a", &k[2], "b"]);
    run(&mut h, &["RENAME", &k[2], &k[3]]);
    run(&mut h, &["MGET", &k[0], &k[1], &k[2], &k[3]]);
    r(&mut h, "SELECT 2");
    run(&mut h, &["SET", &k[0], "in-db-2"]);
    r(&mut h, "DBSIZE");
    run(&mut h, &["INCR", &k[1]]);
    let got = r(&mut h, "EXEC");
    assert_eq!(
        got,
        Value::Array(vec![
            Value::ok(),
            int(15),
            Value::ok(),
            Value::ok(),
            Value::Array(vec![bulk("15"), bulk("a"), Value::Null, bulk("b")]),
            Value::ok(),
            Value::ok(),
            int(1),
            int(1)
        ])
    );
    assert_no_locks(&mut h);
}

#[test]
fn watch_aborts_exactly_when_a_watched_key_changes() {
    let mut h = SingleHost::new();
    let me = h.default_conn();
    let other = h.connect();
    // Untouched: runs.
    r(&mut h, "SET w 1");
    r(&mut h, "WATCH w");
    r(&mut h, "MULTI");
    r(&mut h, "INCR w");
    assert_eq!(r(&mut h, "EXEC"), Value::Array(vec![int(2)]));
    // Touched by another connection: aborts (a null array).
    r(&mut h, "WATCH w");
    h.run_on(other, &["SET", "w", "x"]);
    r(&mut h, "MULTI");
    r(&mut h, "INCR w");
    assert_eq!(r(&mut h, "EXEC"), Value::Null);
    assert_eq!(r(&mut h, "GET w"), bulk("x"));
    // A write that changes nothing (SET NX on an existing key) does not touch it.
    r(&mut h, "WATCH w");
    assert_eq!(h.run_on(other, &["SETNX", "w", "y"]), int(0));
    r(&mut h, "MULTI");
    r(&mut h, "GET w");
    assert_eq!(r(&mut h, "EXEC"), Value::Array(vec![bulk("x")]));
    // UNWATCH forgets.
    r(&mut h, "WATCH w");
    h.run_on(other, &["SET", "w", "z"]);
    r(&mut h, "UNWATCH");
    r(&mut h, "MULTI");
    r(&mut h, "GET w");
    assert_eq!(r(&mut h, "EXEC"), Value::Array(vec![bulk("z")]));
    // Keys in another database are other keys.
    r(&mut h, "WATCH w");
    h.run_on(other, &["SELECT", "1"]);
    h.run_on(other, &["SET", "w", "db1"]);
    r(&mut h, "MULTI");
    r(&mut h, "GET w");
    assert_eq!(r(&mut h, "EXEC"), Value::Array(vec![bulk("z")]));
    // FLUSHDB of the watched key's database.
    r(&mut h, "WATCH w");
    h.run_on(other, &["FLUSHDB"]);
    r(&mut h, "MULTI");
    assert_eq!(
        r(&mut h, "EXEC"),
        Value::Array(vec![]),
        "db 1 flushed: no abort"
    );
    r(&mut h, "WATCH w");
    h.run_on(other, &["FLUSHALL"]);
    r(&mut h, "MULTI");
    assert_eq!(r(&mut h, "EXEC"), Value::Null);
    // A key that does not exist, written by a multi-shard command.
    let k = keys_on_different_shards("m", 2);
    run(&mut h, &["WATCH", &k[1]]);
    h.run_on(other, &["SELECT", "0"]);
    h.run_on(other, &["MSET", &k[0], "1", &k[1], "2"]);
    r(&mut h, "MULTI");
    assert_eq!(r(&mut h, "EXEC"), Value::Null);
    // Renamed away.
    run(&mut h, &["WATCH", &k[0]]);
    h.run_on(other, &["RENAME", &k[0], "elsewhere"]);
    r(&mut h, "MULTI");
    assert_eq!(r(&mut h, "EXEC"), Value::Null);
    // Expiry between WATCH and EXEC aborts.
    r(&mut h, "SET e 1 PX 100");
    r(&mut h, "WATCH e");
    h.advance(200);
    r(&mut h, "MULTI");
    assert_eq!(r(&mut h, "EXEC"), Value::Null);
    // DISCARD unwatches.
    r(&mut h, "SET d 1");
    r(&mut h, "WATCH d");
    r(&mut h, "MULTI");
    r(&mut h, "DISCARD");
    h.run_on(other, &["SET", "d", "2"]);
    r(&mut h, "MULTI");
    r(&mut h, "GET d");
    assert_eq!(r(&mut h, "EXEC"), Value::Array(vec![bulk("2")]));
    let _ = me;
    assert_no_locks(&mut h);
}

/// Two connections on each side: the same script, each line prefixed by the connection
/// (`1` or `2`) that sends it.
fn run_two(text: &str) {
    let redis = common::Redis::start();
    let mut rc: [Client; 2] = [redis.client(), redis.client()];
    let mut h = SingleHost::new();
    let hc = [h.default_conn(), h.connect()];
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (who, rest) = line.split_once(' ').expect("connection number first");
        let who: usize = who.parse::<usize>().expect("1 or 2") - 1;
        for (cmp, args) in script(rest) {
            let want = rc[who].call(&args);
            let got = h.run_on(hc[who], &args);
            let (w, g) = match cmp {
                Cmp::Unordered => (common::sorted(want.clone()), common::sorted(got.clone())),
                _ => (want.clone(), got.clone()),
            };
            assert_eq!(
                g,
                w,
                "\nconnection {}: {rest}\nredis: {want:?}\nanax:  {got:?}",
                who + 1
            );
        }
    }
}

#[test]
fn differential_multi_exec_watch() {
    run_two(
        r#"
        1 EXEC
        1 DISCARD
        1 UNWATCH
        1 MULTI
        1 MULTI
        1 WATCH a
        1 SET a
        1 GET a
        1 EXEC
        1 MULTI
        1 EXEC
        1 MULTI
        1 SET a 1
        1 INCR a
        1 GET a
        1 APPEND a xyz
        1 INCR a
        1 EXEC
        1 GET a
        1 EXEC extra
        1 MULTI
        1 EXEC extra
        1 EXEC
        1 MULTI
        1 DISCARD extra
        1 EXEC
        1 WATCH
        1 SET w 1
        1 WATCH w x y
        2 SET x 5
        1 MULTI
        1 GET w
        1 EXEC
        1 WATCH w
        1 WATCH w
        1 MULTI
        1 UNWATCH
        1 EXEC
        1 WATCH w
        2 DEL nosuchkey
        1 MULTI
        1 SET w 2
        1 EXEC
        1 WATCH w
        2 DEL w
        1 MULTI
        1 EXEC
        1 SET s 1
        1 WATCH s
        2 SWAPDB 0 1
        1 MULTI
        1 EXEC
        1 WATCH s
        2 SWAPDB 0 1
        1 MULTI
        1 EXEC
        1 MSET k1 a k2 b k3 c k4 d
        1 MULTI
        1 MGET k1 k2 k3 k4 k5
        1 DEL k1 k2
        1 DBSIZE
        1 RENAME k3 k9
        1 EXISTS k1 k2 k3 k4 k9
        1 EXEC
        1 MULTI
        1 SELECT 3
        1 SET in3 x
        1 SELECT 0
        1 EXISTS in3
        1 EXEC
        1 CLIENT SETNAME me
        1 MULTI
        1 CLIENT GETNAME
        1 PING
        1 ECHO hi
        1 EXEC
        "#,
    );
}
