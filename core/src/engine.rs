//! The engine: shards, connections, the dispatcher, and the host interface.
//!
//! A host creates one [`Engine`], registers each connection with [`Engine::connect`], and
//! for every parsed request calls [`Engine::execute`], which appends the reply to the output
//! buffer it is given and returns an [`Action`] for the host to carry out (close the
//! connection, shut down, sleep). [`Engine::tick`] runs the periodic work (active expiry).
//!
//! The engine holds every shard it serves. In this first form all shards live on the thread
//! that calls it (the in-process host keeps several, the server one); the commands reach a
//! key's shard through [`Ctx::db`], the one place routing happens, so moving shards to their
//! own threads changes this module and not the families.

use crate::cmd::{self, flags, CommandSpec};
use crate::config::Config;
use crate::db::Db;
use crate::errors;
use crate::shard::{shard_of, Shard};
use alloc::string::String;
use alloc::vec::Vec;
use anax_protocol::{Args, Proto, Reply};
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
}

/// A connection's handle: its slot in the engine and its client id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ConnId {
    slot: u32,
    /// The client id (CLIENT ID).
    pub id: u64,
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
}

/// The connection registry.
#[derive(Default)]
pub struct Clients {
    slots: Vec<Option<Conn>>,
    free: Vec<u32>,
    next_id: u64,
    count: usize,
    killed: Vec<Killed>,
}

/// A connection that CLIENT KILL marked, for the host to close.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Killed {
    /// Its client id.
    pub id: u64,
    /// Its socket (as given in [`ClientAddr::fd`]).
    pub fd: i64,
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
        match self.slots.iter_mut().flatten().find(|c| c.id == id && !c.killed) {
            Some(c) => {
                c.killed = true;
                self.killed.push(Killed { id, fd: c.addr.fd });
                true
            }
            None => false,
        }
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
        for spec in cmd::all() {
            let idx = t.entries.len();
            t.entries.push(CmdEntry {
                spec,
                fullname: spec.name,
                subs: Vec::new(),
                stats: CmdStats::default(),
            });
            t.by_name.insert(spec.name.as_bytes(), idx);
            for sub in spec.subcommands {
                let full: &'static str = alloc::boxed::Box::leak(
                    alloc::format!("{}|{}", spec.name, sub.name).into_boxed_str(),
                );
                let sidx = t.entries.len();
                t.entries.push(CmdEntry {
                    spec: sub,
                    fullname: full,
                    subs: Vec::new(),
                    stats: CmdStats::default(),
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

/// Server-wide counters (INFO stats).
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

/// Everything but the connections.
pub struct State {
    /// The shards this engine serves.
    pub shards: Vec<Shard>,
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

    /// The database `index` of the shard owning `key`.
    #[inline]
    pub fn db(&mut self, index: usize, key: &[u8]) -> &mut Db {
        let n = self.shards.len();
        &mut self.shards[shard_of(key, n)].dbs[index]
    }

    /// Database `index` of every shard.
    pub fn dbs(&mut self, index: usize) -> impl Iterator<Item = &mut Db> {
        self.shards.iter_mut().map(move |s| &mut s.dbs[index])
    }
}

/// What a command handler works with.
pub struct Ctx<'a> {
    /// Shards, settings, counters.
    pub state: &'a mut State,
    /// The connections.
    pub clients: &'a mut Clients,
    /// The calling connection's slot.
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
}

impl<'a> Ctx<'a> {
    /// The calling connection.
    #[inline]
    pub fn conn(&mut self) -> &mut Conn {
        self.clients.slots[self.slot]
            .as_mut()
            .expect("live connection")
    }

    /// The calling connection, read-only.
    #[inline]
    pub fn conn_ref(&self) -> &Conn {
        self.clients.slots[self.slot]
            .as_ref()
            .expect("live connection")
    }

    /// The selected database in the shard that owns `key`. To read from it while writing
    /// the reply, borrow the two fields apart: `ctx.state.db(ctx.dbi, key)` and `ctx.reply`.
    #[inline]
    pub fn db(&mut self, key: &[u8]) -> &mut Db {
        self.state.db(self.dbi, key)
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
}

fn count_error(stats: &mut Stats, text: &str) {
    let code = text.split(' ').next().unwrap_or("ERR");
    stats.total_error_replies += 1;
    if let Some(n) = stats.errors.get_mut(code) {
        *n += 1;
    } else {
        stats.errors.insert(String::from(code), 1);
    }
}

/// The engine.
pub struct Engine {
    /// Shards, settings and counters.
    pub state: State,
    /// Connections.
    pub clients: Clients,
}

impl Engine {
    /// An engine with `shards` shards (at least one), `config`, and process facts `info`;
    /// `seed` seeds hashing and randomness.
    pub fn new(config: Config, shards: usize, info: HostInfo, seed: u64) -> Self {
        let shards = (0..shards.max(1))
            .map(|i| Shard::new(i, config.databases, seed))
            .collect();
        Engine {
            state: State {
                shards,
                config,
                info,
                commands: CommandTable::build(),
                stats: Stats::default(),
                dirty: 0,
                rng: seed | 1,
            },
            clients: Clients::default(),
        }
    }

    /// Registers a connection; `None` (after counting it) when maxclients is reached, in
    /// which case the host writes [`errors::MAX_CLIENTS`] and closes.
    pub fn connect(&mut self, addr: ClientAddr, now_ms: u64) -> Option<ConnId> {
        if self.clients.count as u64 >= self.state.config.maxclients {
            self.state.stats.rejected_connections += 1;
            return None;
        }
        self.clients.next_id += 1;
        self.state.stats.total_connections_received += 1;
        let conn = Conn {
            id: self.clients.next_id,
            name: Vec::new(),
            addr,
            db: 0,
            proto: Proto::Resp2,
            authenticated: self.state.config.requirepass.is_empty(),
            created_ms: now_ms,
            last_interaction_ms: now_ms,
            last_cmd: "NULL",
            killed: false,
        };
        let id = conn.id;
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

    /// Forgets a connection.
    pub fn disconnect(&mut self, c: ConnId) {
        if let Some(slot) = self.clients.slots.get_mut(c.slot as usize) {
            if slot.as_ref().is_some_and(|s| s.id == c.id) {
                *slot = None;
                self.clients.free.push(c.slot);
                self.clients.count -= 1;
            }
        }
    }

    /// Forgets the connection with client id `id`, if any.
    pub fn disconnect_id(&mut self, id: u64) {
        let slot = self.clients.slots.iter().position(|s| s.as_ref().is_some_and(|c| c.id == id));
        if let Some(slot) = slot {
            self.disconnect(ConnId { slot: slot as u32, id });
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

    /// Runs one request for connection `c`, appending the reply to `out`.
    pub fn execute(
        &mut self,
        c: ConnId,
        args: Args<'_>,
        host: &dyn Host,
        out: &mut Vec<u8>,
    ) -> Action {
        let now_us = host.now_us();
        let slot = c.slot as usize;
        let (proto, authenticated, dbi) =
            match self.clients.slots.get(slot).and_then(|s| s.as_ref()) {
                Some(conn) if conn.id == c.id => (conn.proto, conn.authenticated, conn.db),
                _ => return Action::Close,
            };
        if args.is_empty() {
            return Action::Continue;
        }
        let mut reply = Reply::new(out, proto);
        let table = &self.state.commands;
        let name = args.get(0);
        let Some(mut idx) = table.lookup(name) else {
            let text = errors::unknown_command(name, args.iter().skip(1));
            reply.error(&text);
            count_error(&mut self.state.stats, &text);
            return Action::Continue;
        };
        if !table.entries[idx].subs.is_empty() && args.len() >= 2 {
            match table.lookup_sub(idx, args.get(1)) {
                Some(s) => idx = s,
                None => {
                    let text = errors::unknown_subcommand(table.entries[idx].fullname, args.get(1));
                    reply.error(&text);
                    count_error(&mut self.state.stats, &text);
                    return Action::Continue;
                }
            }
        }
        let entry = &table.entries[idx];
        let spec = entry.spec;
        let rejection = if !spec.arity_ok(args.len()) || (spec.handler.is_none() && args.len() < 2)
        {
            Some(errors::wrong_arity(entry.fullname))
        } else if !authenticated && !spec.has(flags::NO_AUTH) {
            Some(String::from(errors::NOAUTH))
        } else {
            None
        };
        if let Some(text) = rejection {
            reply.error(&text);
            count_error(&mut self.state.stats, &text);
            self.state.commands.entries[idx].stats.rejected_calls += 1;
            return Action::Continue;
        }
        let Some(handler) = spec.handler else {
            return Action::Continue;
        };
        let fullname = entry.fullname;
        let mut ctx = Ctx {
            state: &mut self.state,
            clients: &mut self.clients,
            slot,
            dbi,
            reply,
            now_ms: now_us / 1000,
            now_us,
            host,
            action: Action::Continue,
            cmd_index: idx,
            failed: false,
        };
        handler(&mut ctx, args);
        let (action, failed) = (ctx.action, ctx.failed);
        if let Some(Some(conn)) = self.clients.slots.get_mut(slot) {
            conn.last_interaction_ms = now_us / 1000;
            conn.last_cmd = fullname;
        }
        let elapsed = host.now_us().saturating_sub(now_us);
        let st = &mut self.state.commands.entries[idx].stats;
        st.calls += 1;
        st.usec += elapsed;
        if failed {
            st.failed_calls += 1;
        }
        self.state.stats.total_commands_processed += 1;
        action
    }

    /// Periodic work: one step of active expiry on every database, within a small budget.
    /// Hosts call it `hz` times a second.
    pub fn tick(&mut self, host: &dyn Host) {
        let now_ms = host.now_us() / 1000;
        for shard in &mut self.state.shards {
            for db in &mut shard.dbs {
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
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.state.config
    }

    /// The number of keys in database `index`, over all shards.
    pub fn dbsize(&self, index: usize) -> usize {
        self.state.shards.iter().map(|s| s.dbs[index].len()).sum()
    }
}
