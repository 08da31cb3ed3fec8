//! Anax in process, on the calling thread.
//!
//! [`SingleHost`] drives an [`Engine`] with several logical shards and a virtual clock that
//! only moves when told to, so expiry is tested without sleeping. Every command goes through
//! [`Engine::execute`], which runs the same coordinator as the server (`anax_core::coord`:
//! split and gathered multi-shard commands, fan-outs, intent locks, MULTI/EXEC/WATCH) with
//! a messenger whose hops are answered at once, polled by a trivial executor; so the
//! command tests and the differential tests exercise it. It is what the command tests, the
//! fuzzers and the differential tests use, and it can embed Anax in a program with its own
//! runtime.
//!
//! ```
//! use anax_host_single::SingleHost;
//! use anax_protocol::Value;
//! let mut h = SingleHost::new();
//! assert_eq!(h.run(&["SET", "k", "v"]), Value::ok());
//! assert_eq!(h.run(&["GET", "k"]), Value::bulk("v"));
//! ```

use anax_core::{Action, ClientAddr, Config, ConnId, Engine, Host, HostInfo};
use anax_protocol::value::decode;
use anax_protocol::{OwnedArgs, Parsed, RequestParser, Value};
use std::cell::Cell;

/// The default number of logical shards.
pub const DEFAULT_SHARDS: usize = 4;

/// A virtual clock.
pub struct VirtualClock {
    now_us: Cell<u64>,
}

impl Host for VirtualClock {
    fn now_us(&self) -> u64 {
        self.now_us.get()
    }
}

/// The in-process host.
pub struct SingleHost {
    engine: Engine,
    clock: VirtualClock,
    conn: ConnId,
    out: Vec<u8>,
}

impl Default for SingleHost {
    fn default() -> Self {
        Self::new()
    }
}

impl SingleHost {
    /// A host with [`DEFAULT_SHARDS`] shards and the default settings.
    pub fn new() -> Self {
        Self::with_config(Config::default(), DEFAULT_SHARDS)
    }

    /// A host with `shards` shards and settings `config`.
    pub fn with_config(config: Config, shards: usize) -> Self {
        let info = HostInfo {
            pid: std::process::id(),
            executable: String::from("anax-host-single"),
            os: String::from(std::env::consts::OS),
            arch_bits: usize::BITS,
            multiplexing_api: String::from("none"),
            run_id: String::from("0000000000000000000000000000000000000000"),
            started_us: 1_700_000_000_000_000,
        };
        let mut engine = Engine::new(config, shards, info, 0x5eed);
        let clock = VirtualClock {
            now_us: Cell::new(1_700_000_000_000_000),
        };
        let conn = engine
            .connect(
                ClientAddr {
                    addr: "127.0.0.1:40000".into(),
                    laddr: "127.0.0.1:6379".into(),
                    fd: -1,
                },
                1_700_000_000_000,
            )
            .expect("first connection");
        SingleHost {
            engine,
            clock,
            conn,
            out: Vec::new(),
        }
    }

    /// The engine.
    pub fn engine(&mut self) -> &mut Engine {
        &mut self.engine
    }

    /// The default connection.
    pub fn default_conn(&self) -> ConnId {
        self.conn
    }

    /// Opens another connection.
    pub fn connect(&mut self) -> ConnId {
        let now = self.now_ms();
        self.engine
            .connect(
                ClientAddr {
                    addr: "127.0.0.1:40001".into(),
                    laddr: "127.0.0.1:6379".into(),
                    fd: -1,
                },
                now,
            )
            .expect("maxclients reached")
    }

    /// Closes a connection.
    pub fn disconnect(&mut self, c: ConnId) {
        self.engine.disconnect(c)
    }

    /// Runs a command on the default connection and decodes its reply.
    pub fn run<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Value {
        self.run_on(self.conn, args)
    }

    /// Runs a command on connection `c` and decodes its reply. A command that blocks
    /// (BLPOP on an empty list...) panics: use [`try_run_on`](Self::try_run_on).
    pub fn run_on<A: AsRef<[u8]>>(&mut self, c: ConnId, args: &[A]) -> Value {
        let raw = self.run_raw_on(c, args);
        decode_one(&raw)
    }

    /// Runs a command on connection `c`: its decoded reply, or `None` when it blocked (its
    /// reply comes from [`blocked_reply`](Self::blocked_reply) once it is served or times
    /// out).
    pub fn try_run_on<A: AsRef<[u8]>>(&mut self, c: ConnId, args: &[A]) -> Option<Value> {
        let owned = OwnedArgs::from_iter(args.iter().map(|a| a.as_ref()));
        let mut out = Vec::new();
        let action = self
            .engine
            .execute(c, owned.as_args(), &self.clock, &mut out);
        self.drop_killed();
        match action {
            Action::Block { .. } => None,
            Action::Sleep(us) => {
                self.advance_us(us);
                Some(decode_one(&out))
            }
            _ => Some(decode_one(&out)),
        }
    }

    /// True while connection `c` waits in a blocking command.
    pub fn is_blocked(&mut self, c: ConnId) -> bool {
        self.engine.conn(c).is_some_and(|x| x.blocked.is_some())
    }

    /// The reply of connection `c`'s blocked command once it was served or timed out (see
    /// [`advance`](Self::advance)); `None` while it still waits (or when it is not blocked).
    pub fn blocked_reply(&mut self, c: ConnId) -> Option<Value> {
        let t = self.engine.blocked_ticket(c)?;
        if t.is_waiting() {
            return None;
        }
        let mut out = Vec::new();
        match self.engine.unblock(c, &self.clock, &mut out) {
            Action::Block { .. } => None,
            _ => Some(decode_one(&out)),
        }
    }

    /// Runs a command and returns the raw reply bytes.
    pub fn run_raw<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Vec<u8> {
        self.run_raw_on(self.conn, args)
    }

    /// Runs a command on connection `c` and returns the raw reply bytes.
    pub fn run_raw_on<A: AsRef<[u8]>>(&mut self, c: ConnId, args: &[A]) -> Vec<u8> {
        let owned = OwnedArgs::from_iter(args.iter().map(|a| a.as_ref()));
        self.out.clear();
        let action = self
            .engine
            .execute(c, owned.as_args(), &self.clock, &mut self.out);
        if let Action::Sleep(us) = action {
            self.advance_us(us);
        }
        assert!(
            !matches!(action, Action::Block { .. }),
            "{} blocked: use try_run_on",
            String::from_utf8_lossy(owned.as_args().get(0))
        );
        self.drop_killed();
        std::mem::take(&mut self.out)
    }

    /// Feeds raw request bytes (any number of pipelined requests, RESP or inline) through the
    /// real request parser, as a server connection would, and returns all reply bytes. A
    /// protocol error is answered with its text, as the server does before closing.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<u8> {
        let mut parser = RequestParser::new();
        let mut out = Vec::new();
        let mut pos = 0;
        while pos < bytes.len() {
            match parser.parse(&bytes[pos..]) {
                Ok(Parsed::Incomplete) => break,
                Ok(Parsed::Skip(n)) => pos += n,
                Ok(Parsed::Request(args, n)) => {
                    let action = self.engine.execute(self.conn, args, &self.clock, &mut out);
                    pos += n;
                    // A blocked connection runs nothing more (the server would wait).
                    if matches!(action, Action::Close | Action::Block { .. }) {
                        break;
                    }
                }
                Err(e) => {
                    out.push(b'-');
                    out.extend_from_slice(e.0.as_bytes());
                    out.extend_from_slice(b"\r\n");
                    break;
                }
            }
        }
        out
    }

    /// Connections that CLIENT KILL marked are closed, as the server closes their sockets.
    fn drop_killed(&mut self) {
        for k in self.engine.take_killed() {
            self.engine.disconnect_id(k.id);
        }
    }

    /// The virtual time in Unix milliseconds.
    pub fn now_ms(&self) -> u64 {
        self.clock.now_us.get() / 1000
    }

    /// Moves the clock forward by `ms` milliseconds and runs the periodic work once.
    pub fn advance(&mut self, ms: u64) {
        self.advance_us(ms * 1000);
    }

    fn advance_us(&mut self, us: u64) {
        self.clock.now_us.set(self.clock.now_us.get() + us);
        self.engine.tick(&self.clock);
    }

    /// Runs the periodic work (active expiry) once without moving the clock.
    pub fn tick(&mut self) {
        self.engine.tick(&self.clock);
    }
}

/// Decodes exactly one reply.
fn decode_one(raw: &[u8]) -> Value {
    match decode(raw) {
        Ok(Some((v, n))) if n == raw.len() => v,
        other => panic!(
            "engine wrote a malformed reply {other:?}: {:?}",
            String::from_utf8_lossy(raw)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_command_is_redis_text() {
        let mut h = SingleHost::new();
        assert_eq!(
            h.run(&["NOPE", "a", "b"]),
            Value::err("ERR unknown command 'NOPE', with args beginning with: 'a' 'b' ")
        );
    }

    #[test]
    fn arity_is_checked_by_the_dispatcher() {
        let mut h = SingleHost::new();
        assert_eq!(
            h.run(&["GET"]),
            Value::err("ERR wrong number of arguments for 'get' command")
        );
        assert_eq!(
            h.run(&["get", "a", "b"]),
            Value::err("ERR wrong number of arguments for 'get' command")
        );
    }

    #[test]
    fn ping() {
        let mut h = SingleHost::new();
        assert_eq!(h.run(&["PING"]), Value::Simple(b"PONG".to_vec()));
        assert_eq!(h.run(&["ping", "hi"]), Value::bulk("hi"));
    }
}
