//! Shared by the family tests: the conformance crate's RESP client and `redis-server`
//! launcher (killed on drop), and a runner that plays command sequences against both
//! redis-server and [`SingleHost`] and asserts every reply equal.
//!
//! Nothing here skips quietly: without `redis-server` the launcher panics with a message
//! saying how to install it. Extend this file append-only: other test files include it.
#![allow(dead_code)]

use anax_host_single::SingleHost;
use anax_protocol::Value;

pub use anax_conformance::Client;

/// A `redis-server` process on a free port, killed when dropped.
pub struct Redis(anax_conformance::Server);

impl Redis {
    /// Starts `redis-server` with persistence off and waits until it answers PING.
    pub fn start() -> Redis {
        Redis(anax_conformance::Server::redis())
    }

    /// A new connection.
    pub fn client(&self) -> Client {
        self.0.client()
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

/// Splits a `redis-cli`-like line into arguments (the case files' syntax).
pub use anax_conformance::case::split_line as split;

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
