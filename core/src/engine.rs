//! The engine: shards, connections, the dispatcher, and the host interface.
//!
//! An [`Engine`] is the state of one thread: the shards it owns (all of them in the
//! in-process host, one in each server thread), the connections that live on the thread,
//! its counters, a copy of the settings and the command table. Only its thread touches it.
//!
//! A host registers each connection with [`Engine::connect`] and gives every parsed request
//! to [`Engine::prepare`]: lookup, arity, authentication and MULTI queueing happen there,
//! and a request that can run on this engine's shards without waiting runs at once (the
//! fast path: no allocation, no message). Anything else comes back as a [`Routed`] plan
//! that the coordinator ([`crate::coord`]) carries out over the host's
//! [`Messenger`](crate::coord::Messenger): hops to the thread owning a shard, multi-shard
//! transactions under intent locks, fan-outs, MULTI/EXEC. [`Engine::execute`] does both
//! for an engine that holds every shard (the in-process host, tests, benchmarks): it
//! drives the coordinator with a messenger whose hops all complete at once.
//!
//! Commands reach a key's shard through [`State::db`], the one place routing happens;
//! commands over every shard (KEYS, DBSIZE, FLUSHDB...) walk [`Ctx::shards`], the shards a
//! call may touch, which the coordinator narrows to one shard per hop.

use crate::cmd::{self, flags, CommandSpec};
use crate::config::Config;
use crate::coord::block::{self, Resolution, Ticket};
use crate::coord::lock::Mode;
use crate::coord::route::{self, Route, Special};
use crate::coord::watch::Watching;
use crate::coord::{self as coord, Batch, BatchOut, Done, InlineMessenger};
use crate::db::Db;
use crate::errors;
use crate::pubsub;
use crate::shard::{shard_of, Shard};
use crate::snapshot::{Persistence, Refused, SaveKind, SHARD_QUEUE_LIMIT};
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use anax_protocol::{Args, OwnedArgs, Proto, Reply};
use core::ops::Range;
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use hashbrown::HashMap;

/// What the outside world tells the engine.
pub trait Host {
    /// Wall-clock time in microseconds since the Unix epoch (the single host's is virtual).
    fn now_us(&self) -> u64;
    /// Bytes allocated by the process (INFO `used_memory`); 0 when unknown.
    fn used_memory(&self) -> u64 {
        0
    }
    /// Resident set size in bytes; 0 when unknown.
    fn rss(&self) -> u64 {
        0
    }

    /// The server-wide persistence facts (INFO persistence, LASTSAVE).
    fn persistence(&self) -> Persistence {
        Persistence::default()
    }

    /// Starts a server-wide snapshot to `target` before any shard starts its part; refused
    /// while one is in progress. See [`crate::snapshot`].
    fn snapshot_begin(&self, kind: SaveKind, target: &SaveTarget) -> Result<(), Refused> {
        let _ = (kind, target);
        Err(Refused::Failed(String::from("this host cannot save")))
    }

    /// Every shard has started its part; `dirty` is the server's write counter then.
    fn snapshot_started(&self, dirty: u64) {
        let _ = dirty;
    }

    /// This thread's engine has a snapshot part to drive: the host calls
    /// [`Engine::snapshot_drive`] until it returns false.
    fn snapshot_wake(&self) {}

    /// Whether the host takes another chunk of shard `shard` now (backpressure).
    fn snapshot_room(&self, shard: usize) -> bool {
        let _ = shard;
        true
    }

    /// A chunk of shard `shard`'s part: RDB bytes beginning with `SELECTDB`.
    fn snapshot_chunk(&self, shard: usize, bytes: Vec<u8>) {
        let _ = (shard, bytes);
    }

    /// Shard `shard`'s part is complete: all its chunks were given.
    fn snapshot_shard_done(&self, shard: usize) {
        let _ = shard;
    }

    /// SAVE: waits until the file is complete (every shard done); what became of it.
    fn snapshot_wait(&self) -> Result<(), String> {
        Err(String::from("this host cannot save"))
    }

    /// BGSAVE inside MULTI: a background save to start at the next periodic check.
    fn snapshot_schedule(&self) {}

    /// Queues `job` on the thread that owns `shard` (another thread's engine), in order
    /// after what this thread sent there before: how pub/sub messages and MONITOR lines
    /// reach subscribers on other threads. A host whose engine owns every shard never gets
    /// a call.
    fn post(&self, shard: usize, job: coord::Job) {
        let _ = (shard, job);
    }

    /// DEBUG RELOAD: the bytes of the snapshot file at `target`.
    fn snapshot_read(&self, target: &SaveTarget) -> Result<Vec<u8>, String> {
        let _ = target;
        Err(String::from("this host cannot read snapshots"))
    }

    /// CONFIG REWRITE: replaces the configuration file at `path` with what `rewrite` makes
    /// of its current text (empty when there is no file) and of the server's working
    /// directory, without a moment when the file is incomplete (a temporary file, synced,
    /// then renamed over it). The error is the system's text (`Permission denied`), which
    /// the reply quotes.
    fn rewrite_config(
        &self,
        path: &str,
        rewrite: &mut dyn FnMut(&[u8], &str) -> Vec<u8>,
    ) -> Result<(), String> {
        let _ = (path, rewrite);
        Err(String::from("this host cannot write files"))
    }
}

/// Where a snapshot goes, from the settings at its start.
#[derive(Clone, Debug)]
pub struct SaveTarget {
    /// `dir`
    pub dir: String,
    /// `dbfilename`
    pub dbfilename: String,
    /// `rdbcompression`
    pub compression: bool,
    /// The number of shards (parts to wait for).
    pub shards: usize,
}

/// Facts about the process, fixed at start, for INFO and CLIENT.
#[derive(Clone, Debug, Default)]
pub struct HostInfo {
    /// Process id.
    pub pid: u32,
    /// Path of the executable.
    pub executable: String,
    /// `uname -srm`-like text.
    pub os: String,
    /// 64 or 32.
    pub arch_bits: u32,
    /// The event mechanism (`epoll`).
    pub multiplexing_api: String,
    /// 40 hex characters identifying this run.
    pub run_id: String,
    /// Start time in Unix microseconds.
    pub started_us: u64,
}

/// What the host should do after a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Nothing special.
    Continue,
    /// Write what is pending, then close this connection (QUIT, CLIENT KILL of itself).
    Close,
    /// Shut the server down; `save` as SHUTDOWN's SAVE/NOSAVE (None: the configured default).
    Shutdown {
        /// SAVE (Some(true)), NOSAVE (Some(false)), or neither.
        save: Option<bool>,
    },
    /// Block the whole server for this many microseconds (DEBUG SLEEP), then go on.
    Sleep(u64),
    /// The connection is blocked (BLPOP and the like found nothing): it runs nothing more
    /// until its ticket ([`Engine::blocked_ticket`]) is answered or the deadline passes,
    /// then [`coord::block::unblock`] writes the reply.
    Block {
        /// Unix ms; 0: no deadline.
        deadline_ms: u64,
    },
}

/// A connection's handle: its slot in the engine and its client id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ConnId {
    slot: u32,
    /// The client id (CLIENT ID).
    pub id: u64,
}

impl ConnId {
    /// The connection's slot in its engine.
    #[inline]
    pub(crate) fn slot(&self) -> usize {
        self.slot as usize
    }
}

/// Where a connection comes from.
#[derive(Clone, Debug, Default)]
pub struct ClientAddr {
    /// Peer address `ip:port`.
    pub addr: String,
    /// Local address `ip:port`.
    pub laddr: String,
    /// The socket's file descriptor (-1 when none).
    pub fd: i64,
}

/// One connection's state.
#[derive(Clone, Debug)]
pub struct Conn {
    /// CLIENT ID.
    pub id: u64,
    /// CLIENT SETNAME.
    pub name: Vec<u8>,
    /// Addresses.
    pub addr: ClientAddr,
    /// Selected database.
    pub db: usize,
    /// RESP version.
    pub proto: Proto,
    /// AUTH done (or no password needed).
    pub authenticated: bool,
    /// Connected at, Unix ms.
    pub created_ms: u64,
    /// Last command at, Unix ms.
    pub last_interaction_ms: u64,
    /// Full name of the last command (`client|list`).
    pub last_cmd: &'static str,
    /// Set by CLIENT KILL: the host closes the connection after its current batch.
    pub killed: bool,
    /// Inside MULTI: the queued commands.
    pub multi: Option<MultiState>,
    /// After WATCH: the watched keys and the session flag shards set.
    pub watching: Option<Watching>,
    /// Blocked (BLPOP...): what it waits for.
    pub blocked: Option<Arc<Ticket>>,
    /// Subscriptions, MONITOR, and messages waiting for the host.
    pub pubsub: pubsub::ConnPubSub,
    /// CLIENT REPLY OFF / SKIP: the replies the host drops ([`Engine::reply_done`]).
    pub reply: ReplyFlags,
    /// CLIENT NO-EVICT ON (CLIENT LIST flag `e`; Anax evicts no client yet).
    pub no_evict: bool,
    /// Its command waits for CLIENT PAUSE to end (CLIENT LIST flag `b`, counted in INFO's
    /// `blocked_clients`, as Redis counts a postponed client).
    pub postponed: bool,
}

/// CLIENT REPLY's state of a connection, as Redis's `CLIENT_REPLY_OFF`,
/// `CLIENT_REPLY_SKIP` and `CLIENT_REPLY_SKIP_NEXT` flags.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReplyFlags {
    /// OFF: no reply until CLIENT REPLY ON.
    pub off: bool,
    /// The reply of the command running now is dropped (the one after SKIP).
    pub skip: bool,
    /// SKIP ran: the next command's reply is dropped.
    pub skip_next: bool,
}

impl ReplyFlags {
    /// Every reply is sent (CLIENT REPLY ON, the default).
    pub fn plain(&self) -> bool {
        !(self.off || self.skip || self.skip_next)
    }
}

/// A connection's MULTI state.
#[derive(Clone, Debug, Default)]
pub struct MultiState {
    /// Commands queued for EXEC: their table row and arguments.
    pub queued: Vec<(usize, OwnedArgs)>,
    /// A command was refused while queueing (Redis's `CLIENT_DIRTY_EXEC`): EXEC aborts.
    pub aborted: bool,
}

impl Conn {
    /// Ends the connection's WATCH session, if any (UNWATCH, EXEC, DISCARD, disconnect).
    pub fn unwatch(&mut self) {
        if let Some(w) = self.watching.take() {
            w.flag.kill();
        }
    }

    /// Leaves MULTI and ends the WATCH session (Redis's `discardTransaction`).
    pub fn discard(&mut self) {
        self.multi = None;
        self.unwatch();
    }

    /// True when a watched key was written since WATCH (Redis's `CLIENT_DIRTY_CAS`).
    pub fn watch_dirty(&self) -> bool {
        self.watching.as_ref().is_some_and(|w| w.flag.is_dirty())
    }
}

/// Process-wide connection facts, shared by the engines of every thread: client ids and the
/// number of connections (for `maxclients`).
#[derive(Debug, Default)]
pub struct Registry {
    next_id: AtomicU64,
    connected: AtomicUsize,
    next_txid: AtomicU64,
    next_slowlog_id: AtomicU64,
    /// Who listens where, for pub/sub and MONITOR.
    pub hub: pubsub::Hub,
    /// CLIENT PAUSE, server-wide: `end_ms << 2 | mode` ([`PauseMode`]), 0 when none.
    pause: AtomicU64,
}

/// CLIENT PAUSE's mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PauseMode {
    /// WRITE: the commands that may write or be replicated wait.
    Write = 1,
    /// ALL: every command waits.
    All = 2,
}

/// The latest pause end a [`Registry`] holds (Unix ms; some million years).
const PAUSE_END_MAX: u64 = (1 << 62) - 1;

impl Registry {
    /// A registry to share between engines.
    pub fn new() -> Arc<Registry> {
        Arc::new(Registry::default())
    }

    /// Connections open in the whole process.
    pub fn connected(&self) -> usize {
        self.connected.load(Ordering::Relaxed)
    }

    /// A fresh transaction id: the global order of multi-shard transactions.
    pub fn next_txid(&self) -> u64 {
        self.next_txid.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// A fresh slow log entry id (from 0): SLOWLOG GET orders every thread's entries by it.
    pub fn next_slowlog_id(&self) -> u64 {
        self.next_slowlog_id.fetch_add(1, Ordering::Relaxed)
    }

    /// CLIENT PAUSE: pauses the server until `end_ms` (Unix ms) in `mode`. As Redis's
    /// `pauseClients`, a pause in force keeps the later end and the stricter mode; an end
    /// already past pauses nothing (but still makes a running pause stricter).
    pub fn pause(&self, mode: PauseMode, end_ms: u64, now_ms: u64) {
        let end = end_ms.min(PAUSE_END_MAX);
        let _ = self
            .pause
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |cur| {
                let (m, e) = match decode_pause(cur) {
                    Some((cm, ce)) if ce > now_ms => (cm.max(mode), ce.max(end)),
                    _ => (mode, end),
                };
                Some((e << 2) | m as u64)
            });
    }

    /// CLIENT UNPAUSE: the paused commands run.
    pub fn unpause(&self) {
        self.pause.store(0, Ordering::Release);
    }

    /// The pause in force at `now_ms`: its mode and its end (Unix ms). A pause found over
    /// is forgotten.
    pub fn paused(&self, now_ms: u64) -> Option<(PauseMode, u64)> {
        let v = self.pause.load(Ordering::Acquire);
        let (mode, end) = decode_pause(v)?;
        if end <= now_ms {
            let _ = self
                .pause
                .compare_exchange(v, 0, Ordering::AcqRel, Ordering::Relaxed);
            return None;
        }
        Some((mode, end))
    }

    /// True when a pause may be in force (one load, no clock): false means none is.
    #[inline]
    pub fn maybe_paused(&self) -> bool {
        self.pause.load(Ordering::Relaxed) != 0
    }
}

fn decode_pause(v: u64) -> Option<(PauseMode, u64)> {
    match v & 3 {
        1 => Some((PauseMode::Write, v >> 2)),
        2 => Some((PauseMode::All, v >> 2)),
        _ => None,
    }
}

/// The connections of one engine (thread).
#[derive(Default)]
pub struct Clients {
    slots: Vec<Option<Conn>>,
    free: Vec<u32>,
    count: usize,
    killed: Vec<Killed>,
    registry: Arc<Registry>,
    /// This engine's subscribers and monitors.
    pub(crate) pubsub: pubsub::Local,
}

/// A connection that CLIENT KILL marked, for the host to close.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Killed {
    /// Its client id.
    pub id: u64,
    /// Its socket (as given in [`ClientAddr::fd`]).
    pub fd: i64,
    /// Killed for going over its output buffer limit (the host logs it).
    pub output_limit: bool,
}

impl Clients {
    /// The number of connections.
    pub fn len(&self) -> usize {
        self.count
    }

    /// True when none.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The process-wide registry these connections count in.
    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// All connections, in slot order.
    pub fn iter(&self) -> impl Iterator<Item = &Conn> {
        self.slots.iter().flatten()
    }

    /// All connections, mutable.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Conn> {
        self.slots.iter_mut().flatten()
    }

    /// Marks the connection with client id `id` killed and queues it for the host
    /// ([`Engine::take_killed`]); false when there is no such live connection.
    pub fn kill(&mut self, id: u64) -> bool {
        match self
            .slots
            .iter_mut()
            .flatten()
            .find(|c| c.id == id && !c.killed)
        {
            Some(c) => {
                c.killed = true;
                self.killed.push(Killed {
                    id,
                    fd: c.addr.fd,
                    output_limit: false,
                });
                true
            }
            None => false,
        }
    }

    /// Kills the connection with client id `id` for going over its output buffer limit.
    pub(crate) fn kill_for_output(&mut self, id: u64) {
        if self.kill(id) {
            if let Some(k) = self.killed.last_mut() {
                k.output_limit = true;
            }
        }
    }

    /// The connection `c`, mutable, if it is still there.
    pub fn get_mut(&mut self, c: ConnId) -> Option<&mut Conn> {
        self.slots
            .get_mut(c.slot as usize)?
            .as_mut()
            .filter(|s| s.id == c.id)
    }
}

/// Per-command counters (INFO commandstats).
#[derive(Clone, Copy, Debug, Default)]
pub struct CmdStats {
    /// Calls that ran.
    pub calls: u64,
    /// Microseconds spent.
    pub usec: u64,
    /// Calls rejected before running (arity, auth).
    pub rejected_calls: u64,
    /// Calls that ran and replied with an error.
    pub failed_calls: u64,
}

/// One row of the command table as the engine keeps it.
pub struct CmdEntry {
    /// The spec.
    pub spec: &'static CommandSpec,
    /// `get`, or `config|get` for a subcommand.
    pub fullname: &'static str,
    /// Rows of the subcommands.
    pub subs: Vec<usize>,
    /// Counters.
    pub stats: CmdStats,
    /// Latency of the calls while `latency-tracking` is on (LATENCY HISTOGRAM, INFO
    /// latencystats): empty until the first.
    pub latency: crate::observe::LatencyHistogram,
    /// How the coordinator treats it beyond its key positions.
    pub special: Special,
}

/// The full names (`container|sub`) of every subcommand, in table order: built and leaked
/// once for the process, however many engines it creates (one per thread, or one per
/// fuzzer input).
fn sub_fullnames() -> &'static [&'static str] {
    static NAMES: spin::Once<Vec<&'static str>> = spin::Once::new();
    NAMES.call_once(|| {
        let mut v = Vec::new();
        for spec in cmd::all() {
            for sub in spec.subcommands {
                let full = alloc::format!("{}|{}", spec.name, sub.name);
                v.push(&*alloc::boxed::Box::leak(full.into_boxed_str()));
            }
        }
        v
    })
}

/// The command table: lookup by name and the counters.
pub struct CommandTable {
    by_name: HashMap<&'static [u8], usize, foldhash::fast::FixedState>,
    /// Every row: top-level commands and their subcommands.
    pub entries: Vec<CmdEntry>,
}

impl CommandTable {
    fn build() -> Self {
        let mut t = CommandTable {
            by_name: HashMap::with_hasher(foldhash::fast::FixedState::with_seed(7)),
            entries: Vec::new(),
        };
        let mut fullnames = sub_fullnames().iter();
        for spec in cmd::all() {
            let idx = t.entries.len();
            t.entries.push(CmdEntry {
                spec,
                fullname: spec.name,
                subs: Vec::new(),
                stats: CmdStats::default(),
                latency: Default::default(),
                special: route::special_of(spec.name),
            });
            t.by_name.insert(spec.name.as_bytes(), idx);
            for sub in spec.subcommands {
                let full: &'static str = fullnames.next().expect("one name per subcommand");
                let sidx = t.entries.len();
                t.entries.push(CmdEntry {
                    spec: sub,
                    fullname: full,
                    subs: Vec::new(),
                    stats: CmdStats::default(),
                    latency: Default::default(),
                    special: route::special_of(full),
                });
                t.entries[idx].subs.push(sidx);
            }
        }
        t
    }

    /// The row of a top-level command, by name in any case.
    #[inline]
    pub fn lookup(&self, name: &[u8]) -> Option<usize> {
        let mut buf = [0u8; 32];
        if name.len() > buf.len() {
            return None;
        }
        for (d, s) in buf.iter_mut().zip(name) {
            *d = s.to_ascii_lowercase();
        }
        self.by_name.get(&buf[..name.len()]).copied()
    }

    /// The row of a subcommand of row `container`, by name in any case.
    pub fn lookup_sub(&self, container: usize, name: &[u8]) -> Option<usize> {
        self.entries[container].subs.iter().copied().find(|&i| {
            self.entries[i]
                .spec
                .name
                .as_bytes()
                .eq_ignore_ascii_case(name)
        })
    }
}

/// Counters of one engine (INFO stats); INFO sums them over every thread.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// Commands run.
    pub total_commands_processed: u64,
    /// Connections accepted.
    pub total_connections_received: u64,
    /// Connections refused (maxclients).
    pub rejected_connections: u64,
    /// Successful key lookups.
    pub keyspace_hits: u64,
    /// Failed key lookups.
    pub keyspace_misses: u64,
    /// Error replies by error code (INFO errorstats).
    pub errors: HashMap<String, u64, foldhash::fast::FixedState>,
    /// Error replies in all.
    pub total_error_replies: u64,
}

impl Stats {
    /// Adds `o`'s counters to these.
    pub fn add(&mut self, o: &Stats) {
        self.total_commands_processed += o.total_commands_processed;
        self.total_connections_received += o.total_connections_received;
        self.rejected_connections += o.rejected_connections;
        self.keyspace_hits += o.keyspace_hits;
        self.keyspace_misses += o.keyspace_misses;
        self.total_error_replies += o.total_error_replies;
        for (code, n) in &o.errors {
            *self.errors.entry(code.clone()).or_insert(0) += n;
        }
    }
}

/// What INFO reports, summed over the engines of every thread.
#[derive(Clone, Debug, Default)]
pub struct Totals {
    /// Counters.
    pub stats: Stats,
    /// Per command row (same table on every thread).
    pub commands: Vec<CmdStats>,
    /// Latency histograms per command row, when gathered for INFO latencystats
    /// ([`Totals::with_latency`]); empty otherwise.
    pub latency: Vec<crate::observe::LatencyHistogram>,
    /// Writes since the last save.
    pub dirty: u64,
    /// Keys removed because they expired.
    pub expired_keys: u64,
    /// Bytes of table structure.
    pub table_memory: u64,
    /// (keys, keys with an expiry) per database.
    pub keyspace: Vec<(usize, usize)>,
    /// Connections not killed.
    pub connected_clients: usize,
    /// Connections blocked (BLPOP...).
    pub blocked_clients: usize,
}

impl Totals {
    /// The figures of one engine.
    pub fn of(state: &State, clients: &Clients) -> Totals {
        let mut keyspace = alloc::vec![(0, 0); state.config.databases];
        let (mut expired_keys, mut table_memory) = (0, 0);
        for sh in &state.shards {
            for (i, db) in sh.dbs.iter().enumerate() {
                if let Some(k) = keyspace.get_mut(i) {
                    k.0 += db.len();
                    k.1 += db.expires_count();
                }
                expired_keys += db.stats.expired_keys;
                table_memory += db.table_memory() as u64;
            }
        }
        Totals {
            stats: state.stats.clone(),
            commands: state.commands.entries.iter().map(|e| e.stats).collect(),
            latency: Vec::new(),
            dirty: state.dirty,
            expired_keys,
            table_memory,
            keyspace,
            connected_clients: clients.iter().filter(|c| !c.killed).count(),
            blocked_clients: clients
                .iter()
                .filter(|c| c.blocked.is_some() || c.postponed)
                .count(),
        }
    }

    /// These figures with the latency histograms of `state`'s commands (copies of the
    /// ones that have calls): for INFO latencystats only, as they are larger.
    pub fn with_latency(mut self, state: &State) -> Totals {
        self.latency = state
            .commands
            .entries
            .iter()
            .map(|e| e.latency.clone())
            .collect();
        self
    }

    /// Adds `o`'s figures to these.
    pub fn add(&mut self, o: &Totals) {
        self.stats.add(&o.stats);
        crate::observe::merge_histograms(&mut self.latency, o.latency.iter().enumerate());
        if self.commands.len() < o.commands.len() {
            self.commands.resize(o.commands.len(), CmdStats::default());
        }
        for (a, b) in self.commands.iter_mut().zip(&o.commands) {
            a.calls += b.calls;
            a.usec += b.usec;
            a.rejected_calls += b.rejected_calls;
            a.failed_calls += b.failed_calls;
        }
        self.dirty += o.dirty;
        self.expired_keys += o.expired_keys;
        self.table_memory += o.table_memory;
        if self.keyspace.len() < o.keyspace.len() {
            self.keyspace.resize(o.keyspace.len(), (0, 0));
        }
        for (a, b) in self.keyspace.iter_mut().zip(&o.keyspace) {
            a.0 += b.0;
            a.1 += b.1;
        }
        self.connected_clients += o.connected_clients;
        self.blocked_clients += o.blocked_clients;
    }
}

/// What the coordinator gathered from the other threads for a command that reports on, or
/// acts on, the whole server (INFO, CLIENT LIST, CLIENT KILL).
#[derive(Debug, Default)]
pub struct Remote {
    /// The other threads' connections, each with the shard of its thread.
    pub clients: Vec<(usize, Conn)>,
    /// The other threads' counters, summed.
    pub totals: Option<Totals>,
    /// Connections of other threads that the command killed: (shard of the thread, id).
    pub kills: Vec<(usize, u64)>,
    /// The other threads' slow logs and latency events (SLOWLOG, LATENCY).
    pub observe: crate::observe::Gathered,
}

/// Everything but the connections.
pub struct State {
    /// The shards this engine owns: global shards `first_shard..first_shard + len`.
    pub shards: Vec<Shard>,
    /// The global index of `shards[0]`.
    pub first_shard: usize,
    /// The number of shards in the whole server (keys map to shards among these).
    pub total_shards: usize,
    /// Settings.
    pub config: Config,
    /// Process facts.
    pub info: HostInfo,
    /// The command table.
    pub commands: CommandTable,
    /// Counters.
    pub stats: Stats,
    /// Writes since the last save.
    pub dirty: u64,
    /// xorshift state for RANDOMKEY and friends.
    pub rng: u64,
    /// This engine's slow log and latency events (SLOWLOG, LATENCY).
    pub observe: crate::observe::Monitor,
    /// The shard a gathered command runs on (see `coord::gather`), kept between uses.
    scratch: Vec<Shard>,
    /// Per shard (by position): it has a part in a running snapshot.
    snapshotting: Vec<bool>,
    /// What every database records for keyspace notifications (see
    /// [`crate::notify::sync`]).
    pub notify_log: u8,
}

impl State {
    /// The next pseudo-random number.
    pub fn random(&mut self) -> u64 {
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng = x;
        x
    }

    /// The position in [`shards`](Self::shards) of the shard that owns `key`. The key must
    /// belong to this engine (the dispatcher routes commands so that it does).
    #[inline]
    pub fn local_of(&self, key: &[u8]) -> usize {
        if self.shards.len() == 1 {
            debug_assert!(
                self.total_shards == 1 || shard_of(key, self.total_shards) == self.first_shard,
                "key routed to a shard that does not own it"
            );
            return 0;
        }
        shard_of(key, self.total_shards) - self.first_shard
    }

    /// The database `index` of the shard owning `key`.
    #[inline]
    pub fn db(&mut self, index: usize, key: &[u8]) -> &mut Db {
        let i = self.local_of(key);
        &mut self.shards[i].dbs[index]
    }

    /// Database `index` of every shard this engine owns.
    pub fn dbs(&mut self, index: usize) -> impl Iterator<Item = &mut Db> {
        self.shards.iter_mut().map(move |s| &mut s.dbs[index])
    }

    /// The shard with global index `shard`, which this engine owns.
    #[inline]
    pub fn shard(&mut self, shard: usize) -> &mut Shard {
        &mut self.shards[shard - self.first_shard]
    }

    /// True when this engine owns every shard of the server.
    #[inline]
    pub fn owns_all(&self) -> bool {
        self.shards.len() == self.total_shards
    }

    /// True when this engine owns global shard `shard`.
    #[inline]
    pub fn owns(&self, shard: usize) -> bool {
        shard >= self.first_shard && shard < self.first_shard + self.shards.len()
    }

    /// Marks dirty the watchers of every key of database `db` in local shard `local` (by
    /// position) that exists there or, for SWAPDB, in database `other` (FLUSHDB, FLUSHALL
    /// and SWAPDB call it before they change anything).
    pub fn touch_watched_db(&mut self, local: usize, db: usize, other: Option<usize>) {
        let shard = &mut self.shards[local];
        // SWAPDB may bring a key someone waits on (served after the command).
        shard.blocked.signal_db(db);
        if shard.watches.is_empty() {
            return;
        }
        let dbs = &mut shard.dbs;
        // A time of 0 never expires anything: this looks at keys as they are stored, as
        // Redis's `dictFind` does.
        shard.watches.touch_db(db, |k| {
            dbs[db].contains(k, 0) || other.is_some_and(|o| dbs[o].contains(k, 0))
        });
    }

    /// This engine's id (the global index of its first shard), also while a gathered
    /// command runs on the scratch shard (which stands in for the shards then).
    pub fn engine_id(&self) -> u32 {
        match self.shards.first() {
            Some(s) if s.id != usize::MAX => s.id as u32,
            _ => self.scratch.first().map_or(0, |s| s.id as u32),
        }
    }

    /// Tells every database (the scratch shard's too) what to record for keyspace
    /// notifications (see [`crate::notify::sync`]).
    pub fn sync_notify(&mut self, log: u8) {
        self.notify_log = log;
        for shard in self.shards.iter_mut().chain(self.scratch.iter_mut()) {
            for db in &mut shard.dbs {
                db.set_log(log);
            }
        }
    }
}

/// What a command handler works with.
pub struct Ctx<'a> {
    /// Shards, settings, counters.
    pub state: &'a mut State,
    /// The connections.
    pub clients: &'a mut Clients,
    /// The calling connection's slot; `usize::MAX` when the command runs on a thread other
    /// than its connection's (keyed commands never look at the connection).
    slot: usize,
    /// The selected database index (a copy of the connection's, kept here so that
    /// `ctx.state.db(ctx.dbi, key)` and `ctx.reply` can be borrowed together; SELECT
    /// updates both).
    pub dbi: usize,
    /// The reply encoder.
    pub reply: Reply<'a>,
    /// Now, Unix ms.
    pub now_ms: u64,
    /// Now, Unix µs.
    pub now_us: u64,
    /// The host.
    pub host: &'a dyn Host,
    /// What the host should do afterwards.
    pub action: Action,
    /// The running command's row in the table.
    pub cmd_index: usize,
    /// Set when the handler replied with an error.
    pub failed: bool,
    /// The positions in `state.shards` this call covers (commands over every shard walk
    /// these; the coordinator runs them once per shard).
    scope: Range<usize>,
    /// What the coordinator gathered from other threads, for server-wide commands.
    pub remote: Option<&'a mut Remote>,
    /// Set by a blocking command that found nothing: its deadline (Unix ms, 0: none).
    block: Option<u64>,
}

impl<'a> Ctx<'a> {
    /// The calling connection.
    #[inline]
    pub fn conn(&mut self) -> &mut Conn {
        self.clients
            .slots
            .get_mut(self.slot)
            .and_then(|s| s.as_mut())
            .expect("a command that uses its connection runs on the connection's thread")
    }

    /// The calling connection's handle.
    pub fn conn_id(&self) -> ConnId {
        ConnId {
            slot: self.slot as u32,
            id: self.conn_ref().id,
        }
    }

    /// Publishes `msg` to every subscriber of the server (see [`pubsub`]); the number of
    /// receivers. A subscription of the calling connection gets its message here, in the
    /// reply stream before the command's reply, as in Redis.
    pub fn publish(&mut self, msg: pubsub::Message<'_>) -> u64 {
        if !self.clients.registry().hub.active() {
            return 0;
        }
        let caller = self
            .clients
            .slots
            .get(self.slot)
            .and_then(|s| s.as_ref())
            .map(|c| ConnId {
                slot: self.slot as u32,
                id: c.id,
            });
        let mut mine = Vec::new();
        let n = pubsub::publish(
            self.clients,
            &self.state.config,
            self.host,
            self.state.engine_id(),
            caller,
            &mut mine,
            msg,
        );
        if !mine.is_empty() {
            self.reply.raw(&mine);
        }
        n
    }

    /// The calling connection, read-only.
    #[inline]
    pub fn conn_ref(&self) -> &Conn {
        self.clients
            .slots
            .get(self.slot)
            .and_then(|s| s.as_ref())
            .expect("a command that uses its connection runs on the connection's thread")
    }

    /// The selected database in the shard that owns `key`. To read from it while writing
    /// the reply, borrow the two fields apart: `ctx.state.db(ctx.dbi, key)` and `ctx.reply`.
    #[inline]
    pub fn db(&mut self, key: &[u8]) -> &mut Db {
        self.state.db(self.dbi, key)
    }

    /// The shards this call covers: a command over every shard (KEYS, DBSIZE, FLUSHDB)
    /// walks these, and the coordinator runs it once per shard and merges the replies.
    pub fn shards(&mut self) -> &mut [Shard] {
        &mut self.state.shards[self.scope.clone()]
    }

    /// The selected database of every shard this call covers.
    pub fn dbs(&mut self) -> impl Iterator<Item = &mut Db> {
        let dbi = self.dbi;
        self.shards().iter_mut().map(move |s| &mut s.dbs[dbi])
    }

    /// The positions in `state.shards` this call covers.
    pub fn scope(&self) -> Range<usize> {
        self.scope.clone()
    }

    /// Records `n` server-wide writes once, when the command runs once per shard
    /// (FLUSHALL's and SWAPDB's own write): only the call that covers shard 0 counts it.
    pub fn dirty_once(&mut self, n: u64) {
        if self.state.first_shard + self.scope.start == 0 {
            self.dirty(n);
        }
    }

    /// Every connection of the server, in id order: this thread's and, for a command the
    /// coordinator prepared, the other threads'.
    pub fn all_clients(&self) -> Vec<&Conn> {
        let mut all: Vec<&Conn> = self.clients.iter().collect();
        if let Some(r) = &self.remote {
            all.extend(r.clients.iter().map(|(_, c)| c));
        }
        all.sort_by_key(|c| c.id);
        all
    }

    /// Marks the connection with client id `id` killed, on whichever thread it lives;
    /// false when there is no such live connection.
    pub fn kill_client(&mut self, id: u64) -> bool {
        if self.clients.kill(id) {
            return true;
        }
        if let Some(r) = self.remote.as_deref_mut() {
            if let Some((shard, c)) = r.clients.iter_mut().find(|(_, c)| c.id == id && !c.killed) {
                c.killed = true;
                r.kills.push((*shard, id));
                return true;
            }
        }
        false
    }

    /// The server's counters: this engine's plus, when gathered, the other threads'.
    pub fn totals(&self) -> Totals {
        let mut t = Totals::of(self.state, self.clients);
        if let Some(o) = self.remote.as_ref().and_then(|r| r.totals.as_ref()) {
            t.add(o);
        }
        t
    }

    /// Selects database `index` for this connection.
    pub fn select(&mut self, index: usize) {
        self.dbi = index;
        self.conn().db = index;
    }

    /// Replies with an error and counts it (INFO errorstats).
    pub fn error(&mut self, text: &str) {
        self.reply.error(text);
        self.failed = true;
        count_error(&mut self.state.stats, text);
    }

    /// A blocking command found nothing: it blocks until `deadline_ms` (0: forever), or, in
    /// MULTI, answers as if timed out. It writes no reply.
    pub fn block_until(&mut self, deadline_ms: u64) {
        self.block = Some(deadline_ms);
    }

    /// Replies WRONGTYPE.
    #[inline]
    pub fn wrong_type(&mut self) {
        self.error(errors::WRONGTYPE)
    }

    /// Records `n` writes (the dirty counter that save points read).
    #[inline]
    pub fn dirty(&mut self, n: u64) {
        self.state.dirty += n;
    }

    /// Counts a keyspace hit or miss.
    #[inline]
    pub fn hit(&mut self, hit: bool) {
        if hit {
            self.state.stats.keyspace_hits += 1;
        } else {
            self.state.stats.keyspace_misses += 1;
        }
    }

    /// The full name of the running command (`get`, `config|get`).
    pub fn fullname(&self) -> &'static str {
        self.state.commands.entries[self.cmd_index].fullname
    }

    /// A keyspace notification: event `event` of class `class` (a [`crate::notify`] flag)
    /// on `key` of the selected database. With notifications off, one test.
    #[inline]
    pub fn notify(&mut self, class: u32, event: &str, key: &[u8]) {
        if !self.state.config.notify_keyspace_events.is_empty() {
            crate::notify::keyspace_event(self, class, event, key, self.dbi);
        }
    }

    /// A keyspace notification on `key` of database `dbid` (MOVE, COPY ... DB).
    #[inline]
    pub fn notify_db(&mut self, class: u32, event: &str, key: &[u8], dbid: usize) {
        if !self.state.config.notify_keyspace_events.is_empty() {
            crate::notify::keyspace_event(self, class, event, key, dbid);
        }
    }

    /// A read of `key`: counts the hit or miss, and a miss is a `keymiss` event (Redis's
    /// `lookupKeyRead`).
    #[inline]
    pub fn hit_key(&mut self, hit: bool, key: &[u8]) {
        self.hit(hit);
        if !hit {
            self.notify(crate::notify::KEY_MISS, "keymiss", key);
        }
    }
}

/// Whether a RESP2 connection in the subscribed state may run the command `fullname`
/// (Redis's `processCommand`: (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PING, QUIT, RESET).
fn pubsub_allowed(fullname: &str) -> bool {
    matches!(
        fullname,
        "subscribe"
            | "psubscribe"
            | "ssubscribe"
            | "unsubscribe"
            | "punsubscribe"
            | "sunsubscribe"
            | "ping"
            | "quit"
            | "reset"
    )
}

pub(crate) fn count_error(stats: &mut Stats, text: &str) {
    let code = text.split(' ').next().unwrap_or("ERR");
    stats.total_error_replies += 1;
    if let Some(n) = stats.errors.get_mut(code) {
        *n += 1;
    } else {
        stats.errors.insert(String::from(code), 1);
    }
}

/// What [`Engine::prepare`] did with a request.
#[derive(Debug)]
pub enum Step {
    /// It ran (or was refused, or queued by MULTI); the reply is written.
    Done(Action),
    /// It needs the coordinator: [`coord::run`] with this plan.
    Routed(Routed),
    /// CLIENT PAUSE holds it: nothing ran and nothing was written. The host gives the same
    /// request again once the pause is over: at `until_ms` at the latest, sooner after
    /// CLIENT UNPAUSE (which another thread may run: look again every few milliseconds).
    Paused {
        /// The end of the pause in force, Unix ms.
        until_ms: u64,
    },
}

/// A request the dispatcher checked and the coordinator carries out.
#[derive(Clone, Copy, Debug)]
pub struct Routed {
    /// The command's row in the table.
    pub idx: usize,
    /// Where it runs.
    pub route: Route,
}

/// How a handler call is set up (see [`Engine::run_handler`]).
pub(crate) struct Call<'r> {
    pub slot: usize,
    pub idx: usize,
    pub dbi: usize,
    pub proto: Proto,
    pub scope: Range<usize>,
    pub remote: Option<&'r mut Remote>,
    /// Mark the watchers of the keys it writes (not for a gathered run: its write-back does).
    pub touch: bool,
    /// A blocking command that finds nothing may block ([`Action::Block`]); otherwise (in
    /// MULTI) it answers as if timed out.
    pub may_block: bool,
    /// When the caller already read the clock for this call (Unix µs), that time: the
    /// handler's "now" (one clock read fewer per command); 0: read it.
    pub start_us: u64,
}

/// The engine of one thread.
pub struct Engine {
    /// Shards, settings and counters.
    pub state: State,
    /// Connections.
    pub clients: Clients,
    /// Running granted lock continuations (they may grant more: one loop runs them all).
    running_granted: bool,
    /// Serving blocked clients (serving may make more keys ready: one loop serves them).
    pub(crate) serving: bool,
}

impl Engine {
    /// An engine owning all `shards` shards (at least one), with `config` and process facts
    /// `info`; `seed` seeds hashing and randomness. This is the in-process host's engine;
    /// [`Engine::execute`] runs every command on it.
    pub fn new(config: Config, shards: usize, info: HostInfo, seed: u64) -> Self {
        let n = shards.max(1);
        Self::with_shards(config, 0..n, n, info, seed, Registry::new())
    }

    /// The engine of one server thread: it owns shard `index` of `total`, and counts its
    /// connections in `registry`, which every thread shares.
    pub fn new_part(
        config: Config,
        index: usize,
        total: usize,
        info: HostInfo,
        seed: u64,
        registry: Arc<Registry>,
    ) -> Self {
        Self::with_shards(config, index..index + 1, total, info, seed, registry)
    }

    fn with_shards(
        config: Config,
        owned: Range<usize>,
        total: usize,
        info: HostInfo,
        seed: u64,
        registry: Arc<Registry>,
    ) -> Self {
        debug_assert!(owned.end <= total && !owned.is_empty());
        let first = owned.start;
        let shards: Vec<Shard> = owned
            .map(|i| Shard::new(i, config.databases, seed))
            .collect();
        let snapshotting = alloc::vec![false; shards.len()];
        let scratch = alloc::vec![Shard::new(usize::MAX, config.databases, seed ^ 0x5c7a)];
        let mut engine = Engine {
            state: State {
                shards,
                first_shard: first,
                total_shards: total,
                config,
                info,
                commands: CommandTable::build(),
                stats: Stats::default(),
                dirty: 0,
                rng: (seed ^ (first as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)) | 1,
                observe: Default::default(),
                scratch,
                snapshotting,
                notify_log: 0,
            },
            clients: Clients {
                registry,
                ..Clients::default()
            },
            running_granted: false,
            serving: false,
        };
        crate::notify::sync(&mut engine.state);
        engine
    }

    /// Registers a connection; `None` (after counting it) when maxclients is reached, in
    /// which case the host writes [`errors::MAX_CLIENTS`] and closes.
    pub fn connect(&mut self, addr: ClientAddr, now_ms: u64) -> Option<ConnId> {
        let reg = self.clients.registry.clone();
        let before = reg.connected.fetch_add(1, Ordering::Relaxed);
        if before as u64 >= self.state.config.maxclients {
            reg.connected.fetch_sub(1, Ordering::Relaxed);
            self.state.stats.rejected_connections += 1;
            return None;
        }
        let id = reg.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        self.state.stats.total_connections_received += 1;
        let conn = Conn {
            id,
            name: Vec::new(),
            addr,
            db: 0,
            proto: Proto::Resp2,
            authenticated: self.state.config.requirepass.is_empty(),
            created_ms: now_ms,
            last_interaction_ms: now_ms,
            last_cmd: "NULL",
            killed: false,
            multi: None,
            watching: None,
            blocked: None,
            pubsub: Default::default(),
            reply: ReplyFlags::default(),
            no_evict: false,
            postponed: false,
        };
        let slot = match self.clients.free.pop() {
            Some(s) => {
                self.clients.slots[s as usize] = Some(conn);
                s
            }
            None => {
                self.clients.slots.push(Some(conn));
                (self.clients.slots.len() - 1) as u32
            }
        };
        self.clients.count += 1;
        Some(ConnId { slot, id })
    }

    /// Forgets a connection (ending its WATCH session).
    pub fn disconnect(&mut self, c: ConnId) {
        if let Some(slot) = self.clients.slots.get_mut(c.slot as usize) {
            if slot.as_ref().is_some_and(|s| s.id == c.id) {
                if slot
                    .as_ref()
                    .is_some_and(|s| s.pubsub.subscribed() || s.pubsub.monitor)
                {
                    let me = self.state.engine_id();
                    self.clients.forget_pubsub(c, me);
                }
                let slot = &mut self.clients.slots[c.slot as usize];
                if let Some(mut conn) = slot.take() {
                    conn.discard();
                    if let Some(t) = conn.blocked.take() {
                        t.resolve(Resolution::Gone);
                    }
                }
                self.clients.free.push(c.slot);
                self.clients.count -= 1;
                self.clients
                    .registry
                    .connected
                    .fetch_sub(1, Ordering::Relaxed);
            }
        }
    }

    /// Forgets the connection with client id `id`, if any.
    pub fn disconnect_id(&mut self, id: u64) {
        let slot = self
            .clients
            .slots
            .iter()
            .position(|s| s.as_ref().is_some_and(|c| c.id == id));
        if let Some(slot) = slot {
            self.disconnect(ConnId {
                slot: slot as u32,
                id,
            });
        }
    }

    /// The connections CLIENT KILL marked since the last call: the host closes their sockets,
    /// which ends their tasks (and [`disconnect`](Self::disconnect)s them).
    pub fn take_killed(&mut self) -> Vec<Killed> {
        core::mem::take(&mut self.clients.killed)
    }

    /// True when the connection is gone or was killed (CLIENT KILL): the host should flush
    /// what is pending and close it.
    pub fn is_killed(&self, c: ConnId) -> bool {
        self.conn(c).is_none_or(|s| s.killed)
    }

    /// The connection's state.
    pub fn conn(&self, c: ConnId) -> Option<&Conn> {
        self.clients
            .slots
            .get(c.slot as usize)?
            .as_ref()
            .filter(|s| s.id == c.id)
    }

    /// The connection's state, mutable.
    pub fn conn_mut(&mut self, c: ConnId) -> Option<&mut Conn> {
        self.clients
            .slots
            .get_mut(c.slot as usize)?
            .as_mut()
            .filter(|s| s.id == c.id)
    }

    /// Runs one request for connection `c`, appending the reply to `out`. The engine must
    /// own every shard (it drives the coordinator with hops that complete at once); a
    /// server thread uses [`prepare`](Self::prepare) and [`coord::run`] with its messenger.
    pub fn execute(
        &mut self,
        c: ConnId,
        args: Args<'_>,
        host: &dyn Host,
        out: &mut Vec<u8>,
    ) -> Action {
        self.try_execute(c, args, host, out)
            .unwrap_or(Action::Continue)
    }

    /// [`execute`](Self::execute), or `Err(until_ms)` when CLIENT PAUSE holds the request
    /// (nothing ran, nothing was written: give it again once the pause is over). `execute`
    /// answers nothing for a held request.
    pub fn try_execute(
        &mut self,
        c: ConnId,
        args: Args<'_>,
        host: &dyn Host,
        out: &mut Vec<u8>,
    ) -> Result<Action, u64> {
        match self.prepare(c, args, host, out) {
            Step::Done(a) => Ok(a),
            Step::Routed(r) => {
                let owned = args.to_owned_args();
                let m = InlineMessenger::new(self, host);
                Ok(coord::now_or_never(coord::run(&m, c, r, owned, out)))
            }
            Step::Paused { until_ms } => Err(until_ms),
        }
    }

    /// After a command of connection `c` ended (its reply written to `out` from `mark`
    /// on, the reply of a blocked command included): drops that reply when CLIENT REPLY
    /// OFF or SKIP says so, and moves SKIP on to the next command (Redis's `resetClient`).
    /// Hosts call it after every command of a connection whose [`ReplyFlags`] are not
    /// plain (and may after any).
    #[inline]
    pub fn reply_done(&mut self, c: ConnId, out: &mut Vec<u8>, mark: usize) {
        let Some(conn) = self.conn_mut(c) else {
            return;
        };
        if conn.reply.plain() {
            return;
        }
        let r = &mut conn.reply;
        if r.off || r.skip {
            out.truncate(mark.min(out.len()));
        }
        r.skip = false;
        if r.skip_next {
            r.skip = true;
            r.skip_next = false;
        }
    }

    /// CLIENT PAUSE: `Some(end)` when command row `idx` of the connection in `slot` must
    /// wait for the pause in force: every command in ALL mode; in WRITE mode those that
    /// may write or be replicated (PUBLISH and SPUBLISH too), and EXEC of a transaction
    /// that queued one, as Redis's `processCommand`. Marks the connection postponed (or
    /// not).
    #[inline]
    fn held_by_pause(&mut self, slot: usize, idx: usize, host: &dyn Host) -> Option<u64> {
        if !self.clients.registry.maybe_paused() {
            // No pause anywhere (the common case): one atomic load.
            if let Some(Some(conn)) = self.clients.slots.get_mut(slot) {
                conn.postponed = false;
            }
            return None;
        }
        self.held_by_pause_slow(slot, idx, host)
    }

    fn held_by_pause_slow(&mut self, slot: usize, idx: usize, host: &dyn Host) -> Option<u64> {
        let reg = &self.clients.registry;
        let mut held = None;
        if reg.maybe_paused() {
            if let Some((mode, end)) = reg.paused(host.now_us() / 1000) {
                let entries = &self.state.commands.entries;
                let writes = |i: usize| {
                    let e = &entries[i];
                    e.spec.flags & (flags::WRITE | flags::MAY_REPLICATE) != 0
                        || matches!(e.fullname, "publish" | "spublish")
                };
                let conn = self.clients.slots.get(slot).and_then(|s| s.as_ref());
                let hold = mode == PauseMode::All
                    || writes(idx)
                    || (entries[idx].special == Special::Exec
                        && conn
                            .and_then(|c| c.multi.as_ref())
                            .is_some_and(|m| m.queued.iter().any(|(i, _)| writes(*i))));
                if hold {
                    held = Some(end);
                }
            }
        }
        if let Some(Some(conn)) = self.clients.slots.get_mut(slot) {
            if held.is_some() {
                conn.last_cmd = self.state.commands.entries[idx].fullname;
            }
            conn.postponed = held.is_some();
        }
        held
    }

    /// Ends connection `c`'s blocked command once its ticket is answered (or the caller gave
    /// up waiting: see [`coord::block::unblock`]), appending the reply to `out`; for an
    /// engine that owns every shard, as [`execute`](Self::execute).
    pub fn unblock(&mut self, c: ConnId, host: &dyn Host, out: &mut Vec<u8>) -> Action {
        let m = InlineMessenger::new(self, host);
        coord::now_or_never(coord::unblock(&m, c, out))
    }

    /// The dispatcher: looks the command up, checks arity and authentication (replying
    /// Redis's errors), queues it inside MULTI, and runs it when it can run here and now.
    /// Otherwise returns the plan for the coordinator.
    pub fn prepare(
        &mut self,
        c: ConnId,
        args: Args<'_>,
        host: &dyn Host,
        out: &mut Vec<u8>,
    ) -> Step {
        let slot = c.slot as usize;
        let (proto, authenticated, dbi, in_multi, subscribed) =
            match self.clients.slots.get(slot).and_then(|s| s.as_ref()) {
                Some(conn) if conn.id == c.id => (
                    conn.proto,
                    conn.authenticated,
                    conn.db,
                    conn.multi.is_some(),
                    conn.pubsub.subscribed(),
                ),
                _ => return Step::Done(Action::Close),
            };
        if args.is_empty() {
            return Step::Done(Action::Continue);
        }
        let table = &self.state.commands;
        let name = args.get(0);
        let Some(mut idx) = table.lookup(name) else {
            let text = errors::unknown_command(name, args.iter().skip(1));
            return self.refuse(slot, None, &text, proto, out);
        };
        if !table.entries[idx].subs.is_empty() && args.len() >= 2 {
            match table.lookup_sub(idx, args.get(1)) {
                Some(s) => idx = s,
                None => {
                    let text = errors::unknown_subcommand(table.entries[idx].fullname, args.get(1));
                    return self.refuse(slot, None, &text, proto, out);
                }
            }
        }
        let entry = &table.entries[idx];
        let spec = entry.spec;
        let special = entry.special;
        let fullname = entry.fullname;
        if !spec.arity_ok(args.len()) || (spec.handler.is_none() && args.len() < 2) {
            let text = errors::wrong_arity(fullname);
            if special == Special::Exec {
                // As Redis's `rejectCommand` for EXEC (`execCommandAbort`): the transaction,
                // if any, is discarded, and the error says why.
                let text = errors::exec_abort_because(&text);
                if let Some(Some(conn)) = self.clients.slots.get_mut(slot) {
                    conn.discard();
                }
                return self.refuse(slot, Some(idx), &text, proto, out);
            }
            return self.refuse(slot, Some(idx), &text, proto, out);
        }
        if !authenticated && !spec.has(flags::NO_AUTH) {
            if special == Special::Exec {
                let text = errors::exec_abort_because(errors::NOAUTH);
                if let Some(Some(conn)) = self.clients.slots.get_mut(slot) {
                    conn.discard();
                }
                return self.refuse(slot, Some(idx), &text, proto, out);
            }
            return self.refuse(slot, Some(idx), errors::NOAUTH, proto, out);
        }
        if subscribed && proto == Proto::Resp2 && !pubsub_allowed(fullname) {
            let text = errors::only_pubsub_allowed(fullname);
            return self.refuse(slot, Some(idx), &text, proto, out);
        }
        if in_multi {
            if fullname == "debug" && !self.debug_allowed(slot) {
                return self.refuse(slot, Some(idx), errors::DEBUG_NOT_ALLOWED, proto, out);
            }
            if spec.has(flags::NO_MULTI) {
                return self.refuse(slot, Some(idx), errors::NOT_ALLOWED_IN_MULTI, proto, out);
            }
            if let Some(until_ms) = self.held_by_pause(slot, idx, host) {
                return Step::Paused { until_ms };
            }
            let immediate = matches!(
                special,
                Special::Exec | Special::Discard | Special::Multi | Special::Watch
            ) || fullname == "quit"
                || fullname == "reset";
            if !immediate {
                let now_ms = host.now_us() / 1000;
                if let Some(Some(conn)) = self.clients.slots.get_mut(slot) {
                    conn.last_cmd = fullname;
                    conn.last_interaction_ms = now_ms;
                    if let Some(m) = conn.multi.as_mut() {
                        m.queued.push((idx, args.to_owned_args()));
                    }
                }
                out.extend_from_slice(b"+QUEUED\r\n");
                return Step::Done(Action::Continue);
            }
        } else if let Some(until_ms) = self.held_by_pause(slot, idx, host) {
            return Step::Paused { until_ms };
        }
        match self.route(idx, args) {
            Route::Inline(local) => {
                let scope = match local {
                    Some(i) => i..i + 1,
                    None => 0..self.state.shards.len(),
                };
                let action = self.run_counted(host, c, idx, args, dbi, proto, scope, out);
                self.run_granted(host);
                if self.clients.registry.hub.active() {
                    // After it ran, as Redis's `call` (SELECT shows its new database).
                    let dbi = self.conn(c).map_or(dbi, |conn| conn.db);
                    self.feed_monitors(host, c, idx, args, dbi);
                }
                Step::Done(action)
            }
            route => {
                if self.clients.registry.hub.active() {
                    self.feed_monitors(host, c, idx, args, dbi);
                }
                Step::Routed(Routed { idx, route })
            }
        }
    }

    /// For a host that squashes a pipeline: the shard (global index) and table row of a
    /// request that would run whole on one shard (checked, not queued by MULTI), without
    /// running it; `None` for anything else (which ends the squashed run).
    pub fn single_shard(
        &mut self,
        c: ConnId,
        args: Args<'_>,
        host: &dyn Host,
    ) -> Option<(usize, usize)> {
        let found = self.single_shard_of(c, args);
        if let Some((_, idx)) = found {
            if self.clients.registry.hub.active() {
                let dbi = self.conn(c).map_or(0, |conn| conn.db);
                self.feed_monitors(host, c, idx, args, dbi);
            }
        }
        found
    }

    fn single_shard_of(&self, c: ConnId, args: Args<'_>) -> Option<(usize, usize)> {
        let conn = self.conn(c)?;
        // A pause (CLIENT PAUSE) or dropped replies (CLIENT REPLY) need each request to
        // go through `prepare`.
        if conn.multi.is_some()
            || args.is_empty()
            || !conn.reply.plain()
            || self.clients.registry.maybe_paused()
        {
            return None;
        }
        let table = &self.state.commands;
        let mut idx = table.lookup(args.get(0))?;
        if !table.entries[idx].subs.is_empty() {
            if args.len() < 2 {
                return None;
            }
            idx = table.lookup_sub(idx, args.get(1))?;
        }
        let spec = table.entries[idx].spec;
        if !spec.arity_ok(args.len()) || spec.handler.is_none() {
            return None;
        }
        if !conn.authenticated && !spec.has(flags::NO_AUTH) {
            return None;
        }
        match self.route(idx, args) {
            Route::Shard(s) => Some((s, idx)),
            Route::Inline(Some(local)) => Some((self.state.first_shard + local, idx)),
            _ => None,
        }
    }

    /// MONITOR: the line for command row `idx` with `args`, run by connection `c` in
    /// database `dbi`, to every monitor of the server (not for commands flagged `admin` or
    /// `skip_monitor`, as Redis). EXEC first sends the commands it runs.
    fn feed_monitors(
        &mut self,
        host: &dyn Host,
        c: ConnId,
        idx: usize,
        args: Args<'_>,
        dbi: usize,
    ) {
        let entry = &self.state.commands.entries[idx];
        if entry.spec.flags & (flags::ADMIN | flags::SKIP_MONITOR) != 0 {
            return;
        }
        let exec = entry.special == Special::Exec;
        let Some(conn) = self.conn(c) else { return };
        let now_us = host.now_us();
        let mut lines: Vec<Vec<u8>> = Vec::new();
        if exec {
            if let Some(m) = &conn.multi {
                for (qidx, qargs) in &m.queued {
                    let e = &self.state.commands.entries[*qidx];
                    if e.spec.flags & (flags::ADMIN | flags::SKIP_MONITOR) == 0 {
                        lines.push(pubsub::monitor_line(
                            now_us,
                            dbi,
                            &conn.addr.addr,
                            qargs.as_args(),
                        ));
                    }
                }
            }
        }
        lines.push(pubsub::monitor_line(now_us, dbi, &conn.addr.addr, args));
        let me = self.state.engine_id();
        let mut unused = Vec::new();
        for line in lines {
            pubsub::publish(
                &mut self.clients,
                &self.state.config,
                host,
                me,
                None,
                &mut unused,
                pubsub::Message::Monitor(&line),
            );
        }
    }

    /// True when `enable-debug-command` allows connection `slot`.
    fn debug_allowed(&self, slot: usize) -> bool {
        match self.clients.slots.get(slot).and_then(|s| s.as_ref()) {
            Some(c) => cmd::server::allowed(&self.state.config.enable_debug_command, c),
            None => false,
        }
    }

    /// Replies a refusal (unknown command, arity, NOAUTH, MULTI rules), counts it, and
    /// flags an open MULTI so that EXEC aborts (Redis's `rejectCommand`).
    fn refuse(
        &mut self,
        slot: usize,
        idx: Option<usize>,
        text: &str,
        proto: Proto,
        out: &mut Vec<u8>,
    ) -> Step {
        Reply::new(out, proto).error(text);
        count_error(&mut self.state.stats, text);
        if let Some(idx) = idx {
            self.state.commands.entries[idx].stats.rejected_calls += 1;
        }
        if let Some(Some(conn)) = self.clients.slots.get_mut(slot) {
            if let Some(m) = conn.multi.as_mut() {
                m.aborted = true;
            }
        }
        Step::Done(Action::Continue)
    }

    /// Where a checked command runs: here and now ([`Route::Inline`]), or by the
    /// coordinator.
    pub fn route(&self, idx: usize, args: Args<'_>) -> Route {
        let st = &self.state;
        let entry = &st.commands.entries[idx];
        let whole = st.owns_all();
        match entry.special {
            Special::Exec => return Route::Exec,
            Special::Watch => return Route::Watch,
            Special::Snapshot(k) => return Route::Snapshot(k),
            Special::Debug => {
                return if args.len() >= 2 && args.get(1).eq_ignore_ascii_case(b"reload") {
                    Route::Reload
                } else {
                    Route::Inline(None)
                };
            }
            Special::Multi | Special::Discard | Special::Unwatch | Special::Here => {
                return Route::Inline(None)
            }
            Special::Facts(f) => {
                return if whole {
                    Route::Inline(None)
                } else {
                    Route::Facts(f)
                };
            }
            Special::Scan => {
                return if st.total_shards == 1 {
                    Route::Inline(None)
                } else {
                    Route::Scan
                };
            }
            Special::RandomKey => {
                return if st.total_shards == 1 {
                    Route::Inline(None)
                } else {
                    Route::RandomKey
                };
            }
            Special::AllShards(m) => {
                return if st.total_shards == 1 {
                    Route::Inline(None)
                } else {
                    Route::AllShards(m)
                };
            }
            Special::None | Special::Split(_) => {}
        }
        let spec = entry.spec;
        if spec.first_key <= 0 && !spec.has(flags::MOVABLE_KEYS) {
            return Route::Inline(None);
        }
        let n = st.total_shards;
        let mut owner: Option<usize> = None;
        let mut multi = false;
        let mut any = false;
        route::for_each_key(entry, args, |key| {
            any = true;
            let s = if n == 1 { 0 } else { shard_of(key, n) };
            match owner {
                None => owner = Some(s),
                Some(o) if o != s => multi = true,
                _ => {}
            }
        });
        if !any {
            // No key found (a bad key count, or keys are optional): the handler replies
            // its error or works without keys; it runs here.
            return Route::Inline(None);
        }
        let owner = owner.expect("a key was seen");
        if spec.has(flags::BLOCKING) {
            return Route::Block((!multi).then_some(owner));
        }
        if multi {
            return route::multi_shard(entry, args);
        }
        if !st.owns(owner) {
            return Route::Shard(owner);
        }
        let local = owner - st.first_shard;
        let locks = &st.shards[local].locks;
        if !locks.is_idle() {
            let mode = Mode::for_write(!spec.has(flags::READONLY));
            let mut keys: Vec<&[u8]> = Vec::new();
            route::for_each_key(entry, args, |k| keys.push(k));
            if locks.must_wait(keys.iter().copied(), mode) {
                return Route::Shard(owner);
            }
        }
        Route::Inline(Some(local))
    }

    /// Runs a handler with the call statistics a whole command gets, and records it on the
    /// connection (INFO commandstats, CLIENT LIST `cmd`).
    #[allow(clippy::too_many_arguments)]
    fn run_counted(
        &mut self,
        host: &dyn Host,
        c: ConnId,
        idx: usize,
        args: Args<'_>,
        dbi: usize,
        proto: Proto,
        scope: Range<usize>,
        out: &mut Vec<u8>,
    ) -> Action {
        let start = host.now_us();
        let (action, failed) = self.run_handler(
            host,
            Call {
                slot: c.slot as usize,
                idx,
                dbi,
                proto,
                scope,
                remote: None,
                touch: true,
                may_block: false,
                start_us: start,
            },
            args,
            out,
        );
        self.count_call(host, Some(c), idx, args, start, action, failed);
        action
    }

    /// Counts one call of command row `idx` with `args` that started at `start_us` (INFO
    /// commandstats and `total_commands_processed`), and notes it on connection `c` when
    /// given. A call at least as slow as [`crate::observe::floor_us`] goes to the latency
    /// monitor and the slow log (DEBUG SLEEP's `action` counts in its duration): logged
    /// here with connection `c`; without one, its entry is returned for the connection's
    /// thread to log ([`Engine::log_slow_calls`]).
    #[allow(clippy::too_many_arguments)]
    pub fn count_call(
        &mut self,
        host: &dyn Host,
        c: Option<ConnId>,
        idx: usize,
        args: Args<'_>,
        start_us: u64,
        action: Action,
        failed: bool,
    ) -> Option<crate::observe::SlowCall> {
        let mut now_us = host.now_us();
        if let Action::Sleep(us) = action {
            now_us = now_us.saturating_add(us);
        }
        if let Some(c) = c {
            let fullname = self.state.commands.entries[idx].fullname;
            if let Some(conn) = self.conn_mut(c) {
                conn.last_interaction_ms = start_us / 1000;
                conn.last_cmd = fullname;
            }
        }
        let tracking = self.state.config.latency_tracking;
        let entry = &mut self.state.commands.entries[idx];
        let st = &mut entry.stats;
        let dur_us = now_us.saturating_sub(start_us);
        st.calls += 1;
        st.usec += dur_us;
        if failed {
            st.failed_calls += 1;
        }
        if tracking {
            entry.latency.record(dur_us);
        }
        self.state.stats.total_commands_processed += 1;
        if dur_us >= crate::observe::floor_us(&self.state.config) {
            return self.observe_call(c, idx, args, now_us, dur_us);
        }
        None
    }

    /// Calls command row `idx`'s handler; returns its action and whether it failed. A write
    /// that changed something marks the watchers of its keys (with `call.touch`).
    pub(crate) fn run_handler(
        &mut self,
        host: &dyn Host,
        call: Call<'_>,
        args: Args<'_>,
        out: &mut Vec<u8>,
    ) -> (Action, bool) {
        let now_us = match call.start_us {
            0 => host.now_us(),
            t => t,
        };
        let entry = &self.state.commands.entries[call.idx];
        let Some(handler) = entry.spec.handler else {
            return (Action::Continue, false);
        };
        let write = entry.spec.has(flags::WRITE);
        let fullname = entry.fullname;
        let dirty_before = self.state.dirty;
        // Settings another thread changed reach the databases here (one test when off).
        let notify = !self.state.config.notify_keyspace_events.is_empty();
        if notify || self.state.notify_log != 0 {
            crate::notify::sync(&mut self.state);
        }
        let mut ctx = Ctx {
            state: &mut self.state,
            clients: &mut self.clients,
            slot: call.slot,
            dbi: call.dbi,
            reply: Reply::new(out, call.proto),
            now_ms: now_us / 1000,
            now_us,
            host,
            action: Action::Continue,
            cmd_index: call.idx,
            failed: false,
            scope: call.scope,
            remote: call.remote,
            block: None,
        };
        handler(&mut ctx, args);
        if notify {
            crate::notify::flush(&mut ctx);
        }
        if let Some(deadline_ms) = ctx.block {
            if call.may_block {
                ctx.action = Action::Block { deadline_ms };
            } else {
                block::reply_timed_out(fullname, &mut ctx.reply);
            }
        }
        let (action, failed) = (ctx.action, ctx.failed);
        if call.touch && write && self.state.dirty != dirty_before {
            self.touch_keys(call.idx, args, call.dbi);
        }
        (action, failed)
    }

    /// Marks dirty the watchers of command row `idx`'s keys in `args` (after a write).
    fn touch_keys(&mut self, idx: usize, args: Args<'_>, dbi: usize) {
        if self
            .state
            .shards
            .iter()
            .all(|s| s.watches.is_empty() && s.blocked.is_empty())
        {
            return;
        }
        let st = &mut self.state;
        let entry = &st.commands.entries[idx];
        // MOVE and COPY name a database of their own: every database counts.
        let any_db = matches!(entry.fullname, "move" | "copy");
        let (n, first, shards) = (st.total_shards, st.first_shard, &mut st.shards);
        route::for_each_key(entry, args, |key| {
            let s = if n == 1 { 0 } else { shard_of(key, n) };
            if !(s >= first && s < first + shards.len()) {
                return;
            }
            let sh = &mut shards[s - first];
            if any_db {
                sh.watches.touch_all_dbs(key);
                sh.blocked.signal_all_dbs(key);
            } else {
                sh.watches.touch(dbi, key);
                sh.blocked.signal(dbi, key);
            }
        });
    }

    /// Runs the continuations of lock requests granted on this engine's shards, in grant
    /// order, until none is left (a continuation may release locks and grant more).
    pub fn run_granted(&mut self, host: &dyn Host) {
        if self.running_granted {
            return;
        }
        self.running_granted = true;
        loop {
            let next = self
                .state
                .shards
                .iter_mut()
                .find_map(|s| s.locks.take_ready());
            match next {
                Some(cont) => cont(self, host),
                None => break,
            }
        }
        self.running_granted = false;
        self.serve_ready(host);
        if !self.state.config.notify_keyspace_events.is_empty() {
            // Keys a lock continuation found expired (a gathered command's fetch).
            self.flush_notify(host);
        }
    }

    /// Publishes the keyspace events this engine's databases recorded outside a command.
    pub(crate) fn flush_notify(&mut self, host: &dyn Host) {
        let me = self.state.engine_id();
        let st = &mut self.state;
        crate::notify::flush_shards(&mut st.shards, &mut self.clients, &st.config, host, me);
    }

    /// Runs the commands of `batch` from `from` on, in order, on its shard (which this
    /// engine owns), appending replies to `acc`, then sends `acc`. A command whose keys are
    /// locked waits for them (and the rest of the batch behind it), unless the batch runs
    /// inside the transaction that holds the locks.
    pub fn run_batch(
        &mut self,
        host: &dyn Host,
        batch: Batch,
        from: usize,
        mut acc: BatchOut,
        done: Done<BatchOut>,
    ) {
        let local = batch.shard - self.state.first_shard;
        let mut i = from;
        while i < batch.cmds.len() {
            if !batch.in_tx && !self.state.shards[local].locks.is_idle() {
                let (idx, args) = &batch.cmds[i];
                let entry = &self.state.commands.entries[*idx];
                let mode = Mode::for_write(!entry.spec.has(flags::READONLY));
                let mut set = crate::coord::lock::LockSet::default();
                route::for_each_key(entry, args.as_args(), |k| set.add(k, mode));
                let locks = &self.state.shards[local].locks;
                if locks.must_wait(set.keys.iter().map(|(k, _)| k.as_bytes()), mode) {
                    let cont: crate::coord::lock::Cont = alloc::boxed::Box::new(move |e, h| {
                        e.run_batch_one(h, &batch, i, &mut acc);
                        e.run_batch(h, batch, i + 1, acc, done);
                    });
                    self.state.shards[local].locks.acquire(0, set, false, cont);
                    self.run_granted(host);
                    return;
                }
            }
            self.run_batch_one(host, &batch, i, &mut acc);
            i += 1;
        }
        done.send(acc);
    }

    fn run_batch_one(&mut self, host: &dyn Host, batch: &Batch, i: usize, acc: &mut BatchOut) {
        let (idx, args) = &batch.cmds[i];
        let local = batch.shard - self.state.first_shard;
        let start = host.now_us();
        let (_, failed) = self.run_handler(
            host,
            Call {
                slot: usize::MAX,
                idx: *idx,
                dbi: batch.db,
                proto: batch.proto,
                scope: local..local + 1,
                remote: None,
                touch: true,
                may_block: false,
                start_us: start,
            },
            args.as_args(),
            &mut acc.out,
        );
        acc.ends.push(acc.out.len() as u32);
        let slow = self.count_call(
            host,
            None,
            *idx,
            args.as_args(),
            start,
            Action::Continue,
            failed,
        );
        acc.slow.extend(slow);
        if !batch.in_tx {
            self.serve_ready(host);
        }
    }

    /// Periodic work: one step of active expiry on every database, within a small budget,
    /// and forgetting ended WATCH sessions. Hosts call it `hz` times a second.
    pub fn tick(&mut self, host: &dyn Host) {
        let now_ms = host.now_us() / 1000;
        self.time_out_blocked(now_ms);
        let watched = self.state.config.latency_monitor_threshold > 0;
        let start_us = if watched { host.now_us() } else { 0 };
        // CONFIG SET reaches the other threads' settings without a call: catch up here.
        crate::notify::sync(&mut self.state);
        // No key expires actively while clients are paused (Redis's `activeExpireCycle`).
        let paused = self.clients.registry.paused(now_ms).is_some();
        for shard in &mut self.state.shards {
            shard.watches.purge();
            shard.blocked.purge();
            for db in shard.dbs.iter_mut().filter(|_| !paused) {
                // Redis's adaptive rule: keep going while a quarter of what was looked at had
                // expired, within a bound on work per tick.
                for _ in 0..16 {
                    let (removed, wrapped) = db.active_expire(now_ms, 16);
                    if wrapped || removed < 4 {
                        break;
                    }
                }
            }
        }
        if !self.state.config.notify_keyspace_events.is_empty() {
            self.flush_notify(host);
        }
        if watched {
            // LATENCY's `expire-cycle` event, as Redis's `activeExpireCycle`.
            let end_us = host.now_us();
            let ms = end_us.saturating_sub(start_us) / 1000;
            let st = &mut self.state;
            st.observe
                .latency_sample(&st.config, "expire-cycle", end_us, ms);
        }
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.state.config
    }

    /// The number of keys in database `index`, over the shards this engine owns.
    pub fn dbsize(&self, index: usize) -> usize {
        self.state.shards.iter().map(|s| s.dbs[index].len()).sum()
    }

    /// This engine's counters, for INFO on another thread.
    pub fn totals(&self) -> Totals {
        Totals::of(&self.state, &self.clients)
    }

    /// The scratch shard a gathered command runs on, swapped with this engine's shards for
    /// the duration of `f` (so that [`State::db`] finds the gathered keys there).
    pub(crate) fn with_scratch<R>(&mut self, f: impl FnOnce(&mut Engine) -> R) -> R {
        let st = &mut self.state;
        core::mem::swap(&mut st.shards, &mut st.scratch);
        let saved = (st.first_shard, st.total_shards);
        st.first_shard = 0;
        st.total_shards = 1;
        let r = f(self);
        let st = &mut self.state;
        st.first_shard = saved.0;
        st.total_shards = saved.1;
        core::mem::swap(&mut st.shards, &mut st.scratch);
        r
    }

    /// Starts the snapshot part of shard `shard` (a global index this engine owns): every
    /// non-empty database starts its walk (see [`crate::snapshot`]). The coordinator calls
    /// it under an exclusive lock on every shard.
    pub fn snapshot_begin_shard(&mut self, shard: usize) {
        let compression = self.state.config.rdbcompression();
        let local = shard - self.state.first_shard;
        self.state.snapshotting[local] = true;
        for (i, db) in self.state.shards[local].dbs.iter_mut().enumerate() {
            db.snapshot_begin(i, compression);
        }
    }

    /// True while a shard of this engine has a part in a snapshot.
    pub fn snapshot_running(&self) -> bool {
        self.state.snapshotting.iter().any(|&s| s)
    }

    /// Drives this engine's parts of a running snapshot: gives the host the chunks it has
    /// room for, walks up to `budget` segments on each shard whose queue is below
    /// [`SHARD_QUEUE_LIMIT`], and tells the host of each shard whose part is complete.
    /// Returns true while some part remains (call again).
    pub fn snapshot_drive(&mut self, host: &dyn Host, budget: usize) -> bool {
        let mut active = false;
        for local in 0..self.state.shards.len() {
            if self.state.snapshotting[local] {
                active |= self.drive_shard(host, local, budget, true);
            }
        }
        active
    }

    /// Runs shard `shard`'s part to its end at once (SAVE), giving the host every chunk.
    pub(crate) fn snapshot_run_shard(&mut self, host: &dyn Host, shard: usize) {
        let local = shard - self.state.first_shard;
        while self.state.snapshotting[local] && self.drive_shard(host, local, usize::MAX, false) {}
    }

    /// Stores a loaded key in database `db` of its shard, which this engine must own
    /// (start-up load, DEBUG RELOAD), replacing any entry.
    pub fn load_entry(&mut self, db: usize, key: &[u8], entry: crate::db::Entry) {
        self.state.db(db, key).insert_entry(key, entry);
    }

    /// Abandons every snapshot part of this engine (the host gave up on the file).
    pub fn snapshot_abort(&mut self) {
        for (local, sh) in self.state.shards.iter_mut().enumerate() {
            self.state.snapshotting[local] = false;
            for db in &mut sh.dbs {
                db.snapshot_abort();
            }
        }
    }

    fn drive_shard(&mut self, host: &dyn Host, local: usize, budget: usize, room: bool) -> bool {
        let sh = &mut self.state.shards[local];
        let id = sh.id;
        'dbs: for db in &mut sh.dbs {
            while db.snapshot_active() {
                if room && !host.snapshot_room(id) {
                    break 'dbs;
                }
                match db.snapshot_pop() {
                    Some(c) => host.snapshot_chunk(id, c),
                    None => break,
                }
            }
        }
        let queued: usize = sh.dbs.iter().map(|d| d.snapshot_queued()).sum();
        if queued < SHARD_QUEUE_LIMIT || !room {
            for db in &mut sh.dbs {
                if db.snapshot_active() && !db.snapshot_step(budget) {
                    break;
                }
            }
        }
        if sh.dbs.iter().any(|d| d.snapshot_active()) {
            return true;
        }
        self.state.snapshotting[local] = false;
        host.snapshot_shard_done(id);
        false
    }

    /// Clears the databases of the scratch shard that `f` filled.
    pub(crate) fn clear_scratch(&mut self, dbs: impl Iterator<Item = usize>) {
        for d in dbs {
            if let Some(db) = self.state.scratch[0].dbs.get_mut(d) {
                db.clear();
            }
        }
    }
}
