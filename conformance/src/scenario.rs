//! Scenarios of several clients at once: commands that block (BLPOP and the like), others
//! that wake them, time passing, clients going away. A scenario is played on a [`Side`]
//! (a server over TCP, or the in-process host) and yields a transcript: each command's
//! reply or `(blocked)`, and each blocked client's reply when it comes. Two sides agree
//! when their transcripts are equal, line for line.
//!
//! The script syntax, one step a line (`#` starts a comment):
//!
//! ```text
//! A: BLPOP queue 0        # connection A (opened on first use) runs a command
//! B: RPUSH queue job1     # ... which this wakes: A's reply follows in the transcript
//! sleep 1500              # time passes (the in-process host moves its clock)
//! close A                 # the client disconnects
//! ```
//!
//! An argument `{id:A}` stands for connection A's client id (CLIENT UNBLOCK, CLIENT KILL
//! ID); the transcript shows it as written.
//!
//! A connection that ran SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE or MONITOR *listens*: after
//! each step, what it received besides its replies (the further frames of a reply, such as
//! SUBSCRIBE a b's second confirmation, and messages) shows in the transcript as
//! `  A <- ...`, one line a frame, in the order received.
//!
//! Over TCP a command counts as blocked when no reply came within [`Tcp::block_wait`];
//! after each step every blocked client is polled once more after [`Tcp::settle`]. Time
//! outs in scripts should be long against these waits (a second or more) so that a reply
//! lands after the same step on every side.

use crate::case::{render_args, split_line};
use crate::client::Client;
use anax_core::ConnId;
use anax_host_single::SingleHost;
use anax_protocol::Value;
use std::collections::BTreeMap;
use std::time::Duration;

/// One step of a scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// A connection runs a command.
    Cmd(String, Vec<Vec<u8>>),
    /// This many milliseconds pass.
    Sleep(u64),
    /// A connection closes.
    Close(String),
}

/// Parses a script (see the module documentation).
pub fn parse(text: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    for raw in text.lines() {
        let line = raw.split(" #").next().unwrap_or("").trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(ms) = line.strip_prefix("sleep ") {
            steps.push(Step::Sleep(
                ms.trim().parse().expect("sleep takes milliseconds"),
            ));
        } else if let Some(c) = line.strip_prefix("close ") {
            steps.push(Step::Close(c.trim().to_string()));
        } else {
            let (conn, cmd) = line
                .split_once(':')
                .unwrap_or_else(|| panic!("not `conn: command`: {line}"));
            steps.push(Step::Cmd(conn.trim().to_string(), split_line(cmd.trim())));
        }
    }
    steps
}

/// Where a scenario is played.
pub trait Side {
    /// Runs `args` on connection `conn` (opened on first use): its reply, or `None` when
    /// it blocks.
    fn send(&mut self, conn: &str, args: &[Vec<u8>]) -> Option<Value>;
    /// The reply of blocked connection `conn`, if it came.
    fn poll(&mut self, conn: &str) -> Option<Value>;
    /// Lets `ms` milliseconds pass.
    fn sleep(&mut self, ms: u64);
    /// Closes connection `conn`.
    fn close(&mut self, conn: &str);
    /// Gives replies on their way time to arrive before polling.
    fn settle(&mut self) {}
    /// The client id of connection `conn` (opened on first use).
    fn client_id(&mut self, conn: &str) -> i64;
    /// Everything connection `conn` received that no command's reply took: further reply
    /// frames, pub/sub messages, MONITOR lines.
    fn pushed(&mut self, conn: &str) -> Vec<Value> {
        let _ = conn;
        Vec::new()
    }
}

fn is_hello(args: &[Vec<u8>]) -> bool {
    args.first()
        .is_some_and(|c| c.eq_ignore_ascii_case(b"hello"))
}

/// True for the commands after which a connection listens for messages.
fn listens(args: &[Vec<u8>]) -> bool {
    args.first().is_some_and(|c| {
        let c = c.to_ascii_lowercase();
        matches!(
            c.as_slice(),
            b"subscribe" | b"psubscribe" | b"ssubscribe" | b"monitor"
        )
    })
}

/// Plays `steps` on `side`: the transcript.
pub fn play(side: &mut dyn Side, steps: &[Step]) -> Vec<String> {
    let mut out = Vec::new();
    let mut blocked: Vec<String> = Vec::new();
    let mut listening: Vec<String> = Vec::new();
    for step in steps {
        match step {
            Step::Cmd(conn, args) => {
                if listens(args) && !listening.contains(conn) {
                    listening.push(conn.clone());
                    listening.sort();
                }
                let shown = render_args(args);
                assert!(
                    !blocked.contains(conn),
                    "scenario error: {conn} is blocked and cannot run {shown}"
                );
                let args: Vec<Vec<u8>> = args
                    .iter()
                    .map(|a| {
                        let name = a.strip_prefix(b"{id:").and_then(|r| r.strip_suffix(b"}"));
                        match name {
                            Some(n) => {
                                let id = side.client_id(&String::from_utf8_lossy(n));
                                id.to_string().into_bytes()
                            }
                            None => a.clone(),
                        }
                    })
                    .collect();
                match side.send(conn, &args) {
                    // HELLO's reply holds the client id, which differs between servers.
                    Some(v) if is_hello(&args) && !matches!(v, Value::Error(_)) => {
                        out.push(format!("{conn}: {shown} -> (HELLO's map)"))
                    }
                    Some(v) => out.push(format!("{conn}: {shown} -> {v:?}")),
                    None => {
                        out.push(format!("{conn}: {shown} -> (blocked)"));
                        blocked.push(conn.clone());
                    }
                }
            }
            Step::Sleep(ms) => {
                side.sleep(*ms);
                out.push(format!("sleep {ms}"));
            }
            Step::Close(conn) => {
                side.close(conn);
                blocked.retain(|c| c != conn);
                listening.retain(|c| c != conn);
                out.push(format!("close {conn}"));
            }
        }
        if !blocked.is_empty() || !listening.is_empty() {
            side.settle();
        }
        for conn in &listening {
            for v in side.pushed(conn) {
                out.push(format!("  {conn} <- {v:?}"));
            }
        }
        blocked.sort();
        let mut still = Vec::new();
        for conn in blocked.drain(..) {
            match side.poll(&conn) {
                Some(v) => out.push(format!("  {conn} <- {v:?}")),
                None => still.push(conn),
            }
        }
        blocked = still;
    }
    for conn in &blocked {
        out.push(format!("  {conn} still blocked"));
    }
    out
}

/// A server over TCP, one client per connection name.
pub struct Tcp {
    port: u16,
    conns: BTreeMap<String, Client>,
    ids: BTreeMap<String, i64>,
    /// Asks the server whether a closed connection is gone.
    admin: Option<Client>,
    /// How long a command may take before it counts as blocked.
    pub block_wait: Duration,
    /// How long replies on their way get before blocked clients are polled.
    pub settle: Duration,
}

impl Tcp {
    /// Plays against the server on `port`.
    pub fn new(port: u16) -> Tcp {
        Tcp {
            port,
            conns: BTreeMap::new(),
            ids: BTreeMap::new(),
            admin: None,
            block_wait: Duration::from_millis(300),
            settle: Duration::from_millis(60),
        }
    }

    /// Connection `name`, opened on first use (it asks its CLIENT ID then, for
    /// `{id:name}`).
    fn conn(&mut self, name: &str) -> &mut Client {
        let port = self.port;
        let ids = &mut self.ids;
        self.conns.entry(name.to_string()).or_insert_with(|| {
            let mut c = Client::connect(port).expect("connect");
            match c.call(&["CLIENT", "ID"]) {
                Value::Int(id) => {
                    ids.insert(name.to_string(), id);
                }
                other => panic!("CLIENT ID: {other:?}"),
            }
            c
        })
    }
}

impl Side for Tcp {
    fn send(&mut self, conn: &str, args: &[Vec<u8>]) -> Option<Value> {
        let wait = self.block_wait;
        let c = self.conn(conn);
        c.send(args);
        c.read_reply_within(wait)
            .unwrap_or_else(|e| panic!("{conn}: {}: {e}", render_args(args)))
    }

    fn poll(&mut self, conn: &str) -> Option<Value> {
        self.conn(conn)
            .read_reply_within(Duration::from_millis(5))
            .unwrap_or_else(|e| panic!("{conn}: {e}"))
    }

    fn sleep(&mut self, ms: u64) {
        std::thread::sleep(Duration::from_millis(ms));
    }

    /// Closes the connection and waits until the server has seen it go (INFO's
    /// `connected_clients` counts only this side's open connections and the one asking), so
    /// that what the next step does cannot overtake the disconnect on a server of several
    /// threads.
    fn close(&mut self, conn: &str) {
        self.conns.remove(conn);
        let open = self.conns.len() + 1;
        let port = self.port;
        let admin = self
            .admin
            .get_or_insert_with(|| Client::connect(port).expect("connect"));
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let Value::Bulk(info) = admin.call(&["INFO", "clients"]) else {
                panic!("INFO clients")
            };
            let info = String::from_utf8_lossy(&info).into_owned();
            let connected = info
                .lines()
                .find_map(|l| l.strip_prefix("connected_clients:"))
                .and_then(|n| n.trim().parse::<usize>().ok())
                .expect("connected_clients");
            if connected <= open {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the server never saw {conn} go:\n{info}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn settle(&mut self) {
        std::thread::sleep(self.settle);
    }

    fn client_id(&mut self, conn: &str) -> i64 {
        self.conn(conn);
        self.ids[conn]
    }

    fn pushed(&mut self, conn: &str) -> Vec<Value> {
        let c = self.conn(conn);
        let mut got = Vec::new();
        while let Some(v) = c
            .read_reply_within(Duration::from_millis(5))
            .unwrap_or_else(|e| panic!("{conn}: {e}"))
        {
            got.push(v);
        }
        got
    }
}

/// Anax in process: one [`SingleHost`] connection per name, its clock moved by `sleep`.
pub struct InProcess {
    host: SingleHost,
    conns: BTreeMap<String, ConnId>,
}

impl Default for InProcess {
    fn default() -> Self {
        InProcess {
            host: SingleHost::new(),
            conns: BTreeMap::new(),
        }
    }
}

impl InProcess {
    fn conn(&mut self, name: &str) -> ConnId {
        if let Some(c) = self.conns.get(name) {
            return *c;
        }
        let c = self.host.connect();
        self.conns.insert(name.to_string(), c);
        c
    }
}

impl Side for InProcess {
    fn send(&mut self, conn: &str, args: &[Vec<u8>]) -> Option<Value> {
        let c = self.conn(conn);
        self.host.try_run_on(c, args)
    }

    fn poll(&mut self, conn: &str) -> Option<Value> {
        let c = self.conn(conn);
        self.host.blocked_reply(c)
    }

    fn sleep(&mut self, ms: u64) {
        self.host.advance(ms);
    }

    fn close(&mut self, conn: &str) {
        if let Some(c) = self.conns.remove(conn) {
            self.host.disconnect(c);
        }
    }

    fn pushed(&mut self, conn: &str) -> Vec<Value> {
        let c = self.conn(conn);
        self.host.pushes(c)
    }

    fn client_id(&mut self, conn: &str) -> i64 {
        self.conn(conn).id as i64
    }
}

/// The scenario scripts of `conformance/scenarios/`: (file name, text), by name.
pub fn scripts() -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut all: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "scn"))
        .map(|p| {
            let name = p.file_name().expect("name").to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&p).expect("read scenario");
            (name, text)
        })
        .collect();
    all.sort();
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_parse() {
        let s = parse("# c\nA: BLPOP k 0  # waits\n\nsleep 10\nclose A\n");
        assert_eq!(
            s,
            vec![
                Step::Cmd(
                    "A".into(),
                    vec![b"BLPOP".to_vec(), b"k".to_vec(), b"0".to_vec()]
                ),
                Step::Sleep(10),
                Step::Close("A".into()),
            ]
        );
    }

    struct Fake(Vec<Option<Value>>);
    impl Side for Fake {
        fn send(&mut self, _: &str, _: &[Vec<u8>]) -> Option<Value> {
            self.0.remove(0)
        }
        fn poll(&mut self, _: &str) -> Option<Value> {
            self.0.remove(0)
        }
        fn sleep(&mut self, _: u64) {}
        fn close(&mut self, _: &str) {}
        fn client_id(&mut self, _: &str) -> i64 {
            0
        }
    }

    #[test]
    fn transcripts_show_blocks_and_wake_ups() {
        let steps = parse("A: BLPOP k 0\nB: RPUSH k x");
        let mut side = Fake(vec![None, None, Some(Value::Int(1)), Some(Value::Int(7))]);
        assert_eq!(
            play(&mut side, &steps),
            vec![
                "A: BLPOP k 0 -> (blocked)".to_string(),
                "B: RPUSH k x -> Int(1)".to_string(),
                "  A <- Int(7)".to_string(),
            ]
        );
    }
}
