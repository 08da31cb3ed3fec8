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
//!
//! Snapshots (SAVE, BGSAVE, DEBUG RELOAD, save points) go to memory
//! ([`SingleHost::last_rdb`]) and, when [`SingleHost::save_to`] names a file, to that file
//! too (written to a temporary name, then renamed). BGSAVE's walk runs to its end after the
//! command unless [`SingleHost::set_manual_snapshots`] lets a test interleave commands with
//! walk steps ([`SingleHost::snapshot_step`]).
//!
//! ```
//! use anax_host_single::SingleHost;
//! use anax_protocol::Value;
//! let mut h = SingleHost::new();
//! assert_eq!(h.run(&["SET", "k", "v"]), Value::ok());
//! assert_eq!(h.run(&["GET", "k"]), Value::bulk("v"));
//! ```

use anax_core::rdb::write::{Aux, Writer};
use anax_core::snapshot::{Persistence, Refused, SaveKind, AUX_REDIS_VER};
use anax_core::{Action, ClientAddr, Config, ConnId, Engine, Host, HostInfo, SaveTarget};
use anax_protocol::value::decode;
use anax_protocol::{OwnedArgs, Parsed, RequestParser, Value};
use std::cell::{Cell, RefCell};
use std::path::PathBuf;

/// The default number of logical shards.
pub const DEFAULT_SHARDS: usize = 4;

/// The in-process host's side of the engine: a virtual clock and the snapshot sink.
pub struct VirtualClock {
    now_us: Cell<u64>,
    snap: RefCell<Snap>,
}

/// Snapshot state of the in-process host.
#[derive(Default)]
struct Snap {
    persistence: Persistence,
    /// The file being written, and the shards still to report.
    writer: Option<(Writer<Vec<u8>>, usize, SaveKind)>,
    /// The write counter when the running snapshot started.
    dirty_at_start: u64,
    /// The outcome of the last save, for SAVE.
    last: Option<Result<(), String>>,
    /// The last file written.
    last_rdb: Option<Vec<u8>>,
    /// Also write files here.
    path: Option<PathBuf>,
    /// A BGSAVE waits for the test to drive it.
    manual: bool,
    /// A BGSAVE was started or scheduled and not driven yet.
    wake: bool,
}

impl VirtualClock {
    fn finish(&self, s: &mut Snap) {
        let Some((w, _, kind)) = s.writer.take() else {
            return;
        };
        let now_s = self.now_us.get() / 1_000_000;
        let result = w.finish().map_err(|e| format!("{e:?}")).and_then(|bytes| {
            if let Some(p) = &s.path {
                let tmp = p.with_extension("tmp");
                std::fs::write(&tmp, &bytes)
                    .and_then(|_| std::fs::rename(&tmp, p))
                    .map_err(|e| e.to_string())?;
            }
            s.last_rdb = Some(bytes);
            Ok(())
        });
        let p = &mut s.persistence;
        p.in_progress = false;
        if kind == SaveKind::Background {
            p.last_bgsave_ok = result.is_ok();
            p.last_bgsave_time_sec = now_s.saturating_sub(p.current_start) as i64;
        } else if result.is_ok() {
            // As Redis's `rdbSave`: a good save clears a failed BGSAVE's status.
            p.last_bgsave_ok = true;
        }
        if result.is_ok() {
            p.saves += 1;
            p.last_save_time = now_s;
            p.dirty_at_last_save = s.dirty_at_start;
        }
        s.last = Some(result);
    }
}

impl Host for VirtualClock {
    fn now_us(&self) -> u64 {
        self.now_us.get()
    }

    fn persistence(&self) -> Persistence {
        self.snap.borrow().persistence.clone()
    }

    fn snapshot_begin(&self, kind: SaveKind, target: &SaveTarget) -> Result<(), Refused> {
        let mut s = self.snap.borrow_mut();
        if s.writer.is_some() {
            return Err(Refused::InProgress);
        }
        let now_s = self.now_us.get() / 1_000_000;
        let aux = Aux {
            redis_ver: AUX_REDIS_VER,
            ctime: now_s as i64,
            used_mem: 0,
            aof_base: false,
        };
        let w = Writer::new(Vec::new(), &aux, target.compression)
            .map_err(|e| Refused::Failed(format!("{e:?}")))?;
        s.writer = Some((w, target.shards, kind));
        s.last = None;
        s.persistence.in_progress = kind == SaveKind::Background;
        s.persistence.scheduled = false;
        s.persistence.current_start = now_s;
        Ok(())
    }

    fn snapshot_started(&self, dirty: u64) {
        self.snap.borrow_mut().dirty_at_start = dirty;
    }

    fn snapshot_wake(&self) {
        self.snap.borrow_mut().wake = true;
    }

    fn snapshot_chunk(&self, _shard: usize, bytes: Vec<u8>) {
        let mut s = self.snap.borrow_mut();
        if let Some((w, _, _)) = s.writer.as_mut() {
            w.raw(&bytes).expect("writing to memory");
        }
    }

    fn snapshot_shard_done(&self, _shard: usize) {
        let mut s = self.snap.borrow_mut();
        let done = match s.writer.as_mut() {
            Some((_, left, _)) => {
                *left -= 1;
                *left == 0
            }
            None => false,
        };
        if done {
            self.finish(&mut s);
        }
    }

    fn snapshot_wait(&self) -> Result<(), String> {
        let mut s = self.snap.borrow_mut();
        self.finish(&mut s);
        s.last
            .clone()
            .unwrap_or_else(|| Err(String::from("no save")))
    }

    fn snapshot_schedule(&self) {
        self.snap.borrow_mut().persistence.scheduled = true;
    }

    fn snapshot_read(&self, _target: &SaveTarget) -> Result<Vec<u8>, String> {
        let s = self.snap.borrow();
        match (&s.path, &s.last_rdb) {
            (Some(p), _) => std::fs::read(p).map_err(|e| e.to_string()),
            (None, Some(b)) => Ok(b.clone()),
            (None, None) => Err(String::from("no snapshot")),
        }
    }
}

/// The latest time the virtual clock reaches, in Unix ms (about the year 2262, where
/// microseconds still fit in an `i64`).
const MAX_CLOCK_MS: u64 = i64::MAX as u64 / 1000;

/// The in-process host.
pub struct SingleHost {
    engine: Engine,
    clock: VirtualClock,
    conn: ConnId,
    out: Vec<u8>,
    /// Reply frames after a command's first (SUBSCRIBE a b), per connection, for
    /// [`pushes`](SingleHost::pushes).
    extra: std::collections::HashMap<ConnId, Vec<u8>>,
    /// Commands held by CLIENT PAUSE, per connection ([`paused_reply`](SingleHost::paused_reply)).
    paused: std::collections::HashMap<ConnId, OwnedArgs>,
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
            snap: RefCell::new(Snap::default()),
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
            extra: Default::default(),
            paused: Default::default(),
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
        self.first_frame(c, &raw)
    }

    /// The first frame of `raw`; the frames after it (SUBSCRIBE a b answers one per
    /// channel) wait for [`pushes`](Self::pushes).
    fn first_frame(&mut self, c: ConnId, raw: &[u8]) -> Value {
        match decode(raw) {
            Ok(Some((v, n))) => {
                if n < raw.len() {
                    self.extra
                        .entry(c)
                        .or_default()
                        .extend_from_slice(&raw[n..]);
                }
                v
            }
            other => panic!(
                "engine wrote a malformed reply {other:?}: {:?}",
                String::from_utf8_lossy(raw)
            ),
        }
    }

    /// What connection `c` received besides its commands' first reply frames: the further
    /// frames of a reply (SUBSCRIBE a b), then pub/sub messages and MONITOR lines, in the
    /// order they came.
    pub fn pushes(&mut self, c: ConnId) -> Vec<Value> {
        let mut raw = self.extra.remove(&c).unwrap_or_default();
        raw.extend_from_slice(&self.engine.take_push(c));
        let mut all = Vec::new();
        let mut pos = 0;
        while pos < raw.len() {
            match decode(&raw[pos..]) {
                Ok(Some((v, n))) => {
                    all.push(v);
                    pos += n;
                }
                other => panic!(
                    "malformed push {other:?}: {:?}",
                    String::from_utf8_lossy(&raw[pos..])
                ),
            }
        }
        all
    }

    /// Runs a command on connection `c`: its decoded reply, or `None` when it blocked (its
    /// reply comes from [`blocked_reply`](Self::blocked_reply) once it is served or times
    /// out).
    ///
    /// `None` also when CLIENT PAUSE holds the command ([`is_paused`](Self::is_paused):
    /// its reply comes from [`paused_reply`](Self::paused_reply) once the pause is over),
    /// and when CLIENT REPLY OFF or SKIP drops its reply.
    pub fn try_run_on<A: AsRef<[u8]>>(&mut self, c: ConnId, args: &[A]) -> Option<Value> {
        let owned = OwnedArgs::from_iter(args.iter().map(|a| a.as_ref()));
        assert!(
            !self.paused.contains_key(&c),
            "the connection waits for CLIENT PAUSE to end: use paused_reply"
        );
        self.try_owned(c, owned)
    }

    fn try_owned(&mut self, c: ConnId, owned: OwnedArgs) -> Option<Value> {
        let mut out = Vec::new();
        let action = match self
            .engine
            .try_execute(c, owned.as_args(), &self.clock, &mut out)
        {
            Ok(action) => action,
            Err(_) => {
                self.paused.insert(c, owned);
                return None;
            }
        };
        self.engine.reply_done(c, &mut out, 0);
        self.drop_killed();
        self.drive_snapshot();
        if out.is_empty() && !matches!(action, Action::Block { .. }) {
            return None;
        }
        match action {
            Action::Block { .. } => None,
            Action::Sleep(us) => {
                self.advance_us(us);
                Some(self.first_frame(c, &out))
            }
            _ => Some(self.first_frame(c, &out)),
        }
    }

    /// True while connection `c`'s command waits for CLIENT PAUSE to end.
    pub fn is_paused(&self, c: ConnId) -> bool {
        self.paused.contains_key(&c)
    }

    /// The reply of connection `c`'s command held by CLIENT PAUSE, once the pause is over
    /// (CLIENT UNPAUSE, or the clock moved past its end: [`advance`](Self::advance));
    /// `None` while it still waits (or when nothing waits).
    pub fn paused_reply(&mut self, c: ConnId) -> Option<Value> {
        let owned = self.paused.remove(&c)?;
        self.try_owned(c, owned)
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
        let action = self.run_to_end(c, owned.as_args());
        self.drive_snapshot();
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
                    std::mem::swap(&mut out, &mut self.out);
                    let action = self.run_to_end(self.conn, args);
                    std::mem::swap(&mut out, &mut self.out);
                    self.drive_snapshot();
                    // Messages to this connection (MONITOR, pub/sub) follow, as the
                    // server writes them.
                    out.extend_from_slice(&self.engine.take_push(self.conn));
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

    /// Runs a request to its end, its reply appended to `self.out`, with the reply of
    /// CLIENT REPLY OFF or SKIP dropped. A command CLIENT PAUSE holds waits for the pause to
    /// end: the virtual clock moves to it at once.
    fn run_to_end(&mut self, c: ConnId, args: anax_protocol::Args<'_>) -> Action {
        let mark = self.out.len();
        let action = loop {
            match self.engine.try_execute(c, args, &self.clock, &mut self.out) {
                Ok(action) => break action,
                Err(until_ms) => {
                    let now = self.now_ms();
                    if until_ms >= MAX_CLOCK_MS {
                        // A pause the virtual clock cannot reach would hold the command
                        // forever, as it holds a real client: it ends here instead.
                        self.engine.clients.registry().unpause();
                    } else {
                        self.advance(until_ms.saturating_sub(now).max(1));
                    }
                }
            }
        };
        self.engine.reply_done(c, &mut self.out, mark);
        action
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
        self.advance_us(ms.saturating_mul(1000));
    }

    fn advance_us(&mut self, us: u64) {
        let now = self.clock.now_us.get().saturating_add(us);
        self.clock.now_us.set(now.min(MAX_CLOCK_MS * 1000));
        self.tick();
    }

    /// Runs the periodic work (active expiry, save points, a scheduled BGSAVE) once without
    /// moving the clock.
    pub fn tick(&mut self) {
        self.engine.tick(&self.clock);
        let due = {
            let p = self.clock.persistence();
            !p.in_progress && (p.scheduled || self.save_point_due(&p))
        };
        if due {
            let m = anax_core::coord::InlineMessenger::new(&mut self.engine, &self.clock);
            let _ = anax_core::coord::now_or_never(anax_core::coord::snapshot::start(
                &m,
                SaveKind::Background,
            ));
            self.drive_snapshot();
        }
    }

    /// True when a save point of `save` is reached: at least N changes in M seconds since
    /// the last save.
    fn save_point_due(&self, p: &Persistence) -> bool {
        let changes = self
            .engine
            .totals()
            .dirty
            .saturating_sub(p.dirty_at_last_save);
        let last = match p.last_save_time {
            0 => self.engine.state.info.started_us / 1_000_000,
            t => t,
        };
        let elapsed = (self.now_ms() / 1000).saturating_sub(last) as i64;
        self.engine
            .config()
            .save_points()
            .iter()
            .any(|&(secs, n)| changes >= n as u64 && elapsed > secs)
    }

    /// Drives a running BGSAVE to its end, unless snapshots are manual.
    fn drive_snapshot(&mut self) {
        let wake = std::mem::take(&mut self.clock.snap.borrow_mut().wake);
        if wake && !self.clock.snap.borrow().manual {
            while self.engine.snapshot_drive(&self.clock, 16) {}
        } else if wake {
            self.clock.snap.borrow_mut().wake = true;
        }
    }

    /// Manual snapshots: a BGSAVE does not run to its end after the command; the test
    /// drives it with [`snapshot_step`](Self::snapshot_step).
    pub fn set_manual_snapshots(&mut self, manual: bool) {
        self.clock.snap.borrow_mut().manual = manual;
    }

    /// One step of a running BGSAVE's walk (`segments` segments per shard); false once it
    /// is complete.
    pub fn snapshot_step(&mut self, segments: usize) -> bool {
        self.engine.snapshot_drive(&self.clock, segments)
    }

    /// The file the last successful save produced (in memory).
    pub fn last_rdb(&self) -> Option<Vec<u8>> {
        self.clock.snap.borrow().last_rdb.clone()
    }

    /// Saves also write this file (temporary name, then rename); `None`: memory only.
    pub fn save_to(&mut self, path: Option<PathBuf>) {
        self.clock.snap.borrow_mut().path = path;
    }

    /// Loads an RDB file into the databases (as at start-up: keys already expired are
    /// skipped); returns (keys loaded, expired keys skipped).
    pub fn load_rdb(&mut self, bytes: &[u8]) -> Result<(u64, u64), anax_core::rdb::Error> {
        let opts = anax_core::rdb::read::LoadOptions::from_config(self.engine.config());
        let shards = self.engine.state.total_shards;
        let now = self.now_ms();
        let mut keys = Vec::new();
        let st =
            anax_core::snapshot::load_file(&mut &bytes[..], &opts, shards, now, |_, db, k, e| {
                keys.push((db, k, e))
            })?;
        for (db, k, e) in keys {
            self.engine.load_entry(db, &k, e);
        }
        let mut s = self.clock.snap.borrow_mut();
        s.persistence.last_load_keys_loaded = st.loaded;
        s.persistence.last_load_keys_expired = st.expired;
        Ok((st.loaded, st.expired))
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
