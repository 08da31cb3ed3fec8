//! Blocking commands: BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP, BZPOPMIN, BZPOPMAX, BZMPOP.
//!
//! # The ticket
//!
//! A command that finds nothing to pop leaves a [`Ticket`] with the shard of each key it
//! waits on ([`BlockTable`]), in the same step on that shard's thread as the attempt that
//! found nothing (under the keys' locks when they were gathered from several shards), so no
//! push can fall between the attempt and the registration. The ticket is answered exactly
//! once, by whoever comes first: a shard that serves it, the connection's host when the
//! deadline passes ([`Resolution::TimedOut`]), or the engine when the client goes away
//! ([`Resolution::Gone`]). Serving holds the ticket's lock while it pops, so a timeout or a
//! disconnect either comes before (nothing is popped) or after (the reply is on its way).
//!
//! # Serving
//!
//! A write to a key someone waits on marks it *ready* on its shard (with the WATCH marks:
//! [`Engine::touch_keys`](crate::Engine), the write-back of gathered commands, SWAPDB).
//! After each command, batch, or release of locks, the shard serves its ready keys
//! ([`Engine::serve_ready`]): the waiters of a key in the order they blocked (FIFO), each by
//! running its own command narrowed to that key, so the reply and every check are the
//! command's own; a waiter whose command would still block (the key is empty again) stays.
//! A key locked by a running transaction is served when the transaction lets go of it, so
//! MULTI/EXEC wakes waiters with the state at EXEC's end, as Redis does.
//!
//! BLMOVE and BRPOPLPUSH whose destination lives on another thread cannot move atomically
//! from the source's thread: their waiter is answered [`Resolution::Retry`] instead, and the
//! connection runs the command again through the coordinator (LMOVE's transaction), keeping
//! its deadline. Such a waiter can lose its turn to a client that pops first.
//!
//! Registrations of answered tickets are dropped when a shard meets them, and by
//! [`BlockTable::purge`] on every tick; a client that disconnects leaves nothing behind.
//! Inside MULTI a blocking command does not block: it answers as if timed out.

use super::dispatch::{gather, Caller, Outcome};
use super::lock::{LockSet, Mode};
use super::route::{for_each_key, Route};
use super::{hop, local, Done, Messenger, Notify};
use crate::engine::{Action, Call, CmdEntry, ConnId, Engine, Host};
use crate::errors;
use crate::num::LongDouble;
use crate::shard::shard_of;
use crate::value::{Key, Value};
use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec::Vec;
use anax_protocol::{OwnedArgs, Proto, Reply};
use core::sync::atomic::{AtomicU64, Ordering};
use core::task::{Context, Poll, Waker};
use hashbrown::HashMap;

/// How a blocked command ended.
#[derive(Debug)]
pub enum Resolution {
    /// A shard ran it: its reply.
    Served(Vec<u8>),
    /// The deadline passed.
    TimedOut,
    /// The client went away.
    Gone,
    /// CLIENT UNBLOCK ... ERROR: Redis's `UNBLOCKED` error.
    Unblocked,
    /// Its source has data but its destination lives on another thread: run it again.
    Retry,
}

struct TicketState {
    resolution: Option<Resolution>,
    /// Answered (`resolution` may already have been taken).
    answered: bool,
    waker: Option<Waker>,
}

/// A blocked command, shared by its connection and the shards of the keys it waits on.
pub struct Ticket {
    state: spin::Mutex<TicketState>,
    notify: Option<Arc<dyn Notify>>,
    /// Unix ms; 0: no deadline; `u64::MAX`: not known yet.
    deadline_ms: AtomicU64,
    /// The connection's database and protocol when it blocked.
    pub db: usize,
    /// The protocol of the reply.
    pub proto: Proto,
    /// The command's row in the table.
    pub idx: usize,
    /// The command line.
    pub args: OwnedArgs,
}

impl core::fmt::Debug for Ticket {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Ticket")
            .field("idx", &self.idx)
            .field("db", &self.db)
            .field("deadline_ms", &self.deadline_ms())
            .field("waiting", &self.is_waiting())
            .finish()
    }
}

/// What [`Ticket::serve_with`] did.
enum Served {
    /// Someone answered the ticket before.
    Answered,
    /// The command would still block: the ticket waits on.
    Waits,
    /// Served now.
    Now,
}

impl Ticket {
    fn new(
        caller: Caller,
        idx: usize,
        args: OwnedArgs,
        notify: Option<Arc<dyn Notify>>,
        deadline: Option<u64>,
    ) -> Ticket {
        Ticket {
            state: spin::Mutex::new(TicketState {
                resolution: None,
                answered: false,
                waker: None,
            }),
            notify,
            deadline_ms: AtomicU64::new(deadline.unwrap_or(u64::MAX)),
            db: caller.db,
            proto: caller.proto,
            idx,
            args,
        }
    }

    /// The deadline in Unix ms (0: none).
    pub fn deadline_ms(&self) -> u64 {
        match self.deadline_ms.load(Ordering::Acquire) {
            u64::MAX => 0,
            d => d,
        }
    }

    /// Sets the deadline the command parsed, unless one was given (a retry keeps its own).
    pub(crate) fn set_deadline(&self, deadline: u64) {
        let _ = self.deadline_ms.compare_exchange(
            u64::MAX,
            deadline,
            Ordering::AcqRel,
            Ordering::Acquire,
        );
    }

    /// True until someone answers it.
    pub fn is_waiting(&self) -> bool {
        !self.state.lock().answered
    }

    /// Answers it with `r` unless it was answered; true when this call answered it.
    pub fn resolve(&self, r: Resolution) -> bool {
        let waker = {
            let mut s = self.state.lock();
            if s.answered {
                return false;
            }
            s.answered = true;
            s.resolution = Some(r);
            s.waker.take()
        };
        self.wake(waker);
        true
    }

    fn wake(&self, waker: Option<Waker>) {
        if let Some(w) = waker {
            w.wake();
        }
        if let Some(n) = &self.notify {
            n.notify();
        }
    }

    /// Runs `serve` under the ticket's lock if nobody answered it: `Some` answers it.
    fn serve_with(&self, serve: impl FnOnce() -> Option<Resolution>) -> Served {
        let waker = {
            let mut s = self.state.lock();
            if s.answered {
                return Served::Answered;
            }
            match serve() {
                None => return Served::Waits,
                Some(r) => {
                    s.answered = true;
                    s.resolution = Some(r);
                    s.waker.take()
                }
            }
        };
        self.wake(waker);
        Served::Now
    }

    /// Ready once answered; the connection's task waits on this.
    pub fn poll_answered(&self, cx: &mut Context<'_>) -> Poll<()> {
        let mut s = self.state.lock();
        if s.answered {
            return Poll::Ready(());
        }
        match &s.waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => s.waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }

    /// The answer, once (None before it is answered, or when taken).
    fn take(&self) -> Option<Resolution> {
        self.state.lock().resolution.take()
    }
}

/// The tickets waiting on one key, per database, in the order they blocked.
type Queues = Vec<(u32, VecDeque<Arc<Ticket>>)>;

/// The blocked clients of one shard: per key, the tickets in the order they blocked, and the
/// keys written since they were last served.
#[derive(Default)]
pub struct BlockTable {
    waiters: HashMap<Key, Queues, foldhash::fast::FixedState>,
    ready: VecDeque<(u32, Key)>,
}

impl BlockTable {
    /// True when nobody waits on a key of this shard.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.waiters.is_empty()
    }

    /// True when a key someone waits on was written and not served yet.
    #[inline]
    pub fn has_ready(&self) -> bool {
        !self.ready.is_empty()
    }

    /// The number of keys waited on (over every database).
    pub fn keys(&self) -> usize {
        self.waiters.values().map(|l| l.len()).sum()
    }

    /// `t` waits on `key` of database `db` (once, however often the command names it).
    pub fn register(&mut self, db: usize, key: &[u8], t: &Arc<Ticket>) {
        let list = match self.waiters.get_mut(key) {
            Some(l) => l,
            None => self.waiters.entry(Key::new(key)).or_default(),
        };
        let q = match list.iter().position(|(d, _)| *d == db as u32) {
            Some(i) => &mut list[i].1,
            None => {
                list.push((db as u32, VecDeque::new()));
                &mut list.last_mut().expect("pushed").1
            }
        };
        if !q.iter().any(|x| Arc::ptr_eq(x, t)) {
            q.push_back(t.clone());
        }
    }

    /// `key` of database `db` was written: ready when someone waits on it.
    pub fn signal(&mut self, db: usize, key: &[u8]) {
        if self.waiters.is_empty() {
            return;
        }
        let Some(list) = self.waiters.get(key) else {
            return;
        };
        if !list.iter().any(|(d, _)| *d == db as u32) {
            return;
        }
        if !self
            .ready
            .iter()
            .any(|(d, k)| *d == db as u32 && k.as_bytes() == key)
        {
            self.ready.push_back((db as u32, Key::new(key)));
        }
    }

    /// `key` was written in every database (MOVE, COPY with DB).
    pub fn signal_all_dbs(&mut self, key: &[u8]) {
        let dbs: Vec<u32> = match self.waiters.get(key) {
            Some(l) => l.iter().map(|(d, _)| *d).collect(),
            None => return,
        };
        for d in dbs {
            self.signal(d as usize, key);
        }
    }

    /// Every key waited on in database `db` may have changed (SWAPDB).
    pub fn signal_db(&mut self, db: usize) {
        let keys: Vec<Key> = self
            .waiters
            .iter()
            .filter(|(_, l)| l.iter().any(|(d, _)| *d == db as u32))
            .map(|(k, _)| k.clone())
            .collect();
        for k in keys {
            self.signal(db, k.as_bytes());
        }
    }

    /// The next ready key for which `free` is true; the others stay ready.
    fn take_ready(&mut self, mut free: impl FnMut(&[u8]) -> bool) -> Option<(usize, Key)> {
        let i = self.ready.iter().position(|(_, k)| free(k.as_bytes()))?;
        self.ready.remove(i).map(|(d, k)| (d as usize, k))
    }

    /// The tickets still waiting on `key` of `db`, in the order they blocked.
    fn waiting(&self, db: usize, key: &[u8]) -> Vec<Arc<Ticket>> {
        self.waiters
            .get(key)
            .and_then(|l| l.iter().find(|(d, _)| *d == db as u32))
            .map(|(_, q)| q.iter().filter(|t| t.is_waiting()).cloned().collect())
            .unwrap_or_default()
    }

    /// Drops the answered tickets of `key` of `db`.
    fn prune(&mut self, db: usize, key: &[u8]) {
        let Some(list) = self.waiters.get_mut(key) else {
            return;
        };
        list.retain_mut(|(d, q)| {
            if *d == db as u32 {
                q.retain(|t| t.is_waiting());
            }
            !q.is_empty()
        });
        if list.is_empty() {
            self.waiters.remove(key);
        }
    }

    /// Drops every answered ticket (the clients that timed out or went away).
    pub fn purge(&mut self) {
        if self.waiters.is_empty() {
            return;
        }
        self.waiters.retain(|_, list| {
            list.retain_mut(|(_, q)| {
                q.retain(|t| t.is_waiting());
                !q.is_empty()
            });
            !list.is_empty()
        });
    }
}

/// Parses a blocking command's timeout in seconds (Redis's `getTimeoutFromObjectOrReply`):
/// the deadline in Unix ms, 0 for none.
pub fn parse_timeout(arg: &[u8], now_ms: u64) -> Result<u64, &'static str> {
    let v = LongDouble::parse(arg).ok_or(errors::TIMEOUT_NOT_FLOAT)?;
    let ms = v.ceil_millis();
    if ms < 0 {
        return Err(errors::TIMEOUT_NEGATIVE);
    }
    if ms == 0 {
        return Ok(0);
    }
    Ok(now_ms.saturating_add(ms as u64))
}

/// Writes what a blocking command answers when it times out (or cannot block).
pub fn reply_timed_out(fullname: &str, reply: &mut Reply<'_>) {
    match fullname {
        "blmove" | "brpoplpush" => reply.null(),
        _ => reply.null_array(),
    }
}

/// Calls `f` with each key the command waits on: its source only for BLMOVE and
/// BRPOPLPUSH, else every key.
fn for_each_blocking_key<'a>(
    entry: &CmdEntry,
    args: anax_protocol::Args<'a>,
    mut f: impl FnMut(&'a [u8]),
) {
    match entry.fullname {
        "blmove" | "brpoplpush" => f(args.get(1)),
        _ => for_each_key(entry, args, f),
    }
}

/// The command line that serves a waiter from `key` alone.
fn narrowed(fullname: &str, args: &OwnedArgs, key: &[u8]) -> OwnedArgs {
    let a = args.as_args();
    match fullname {
        "blpop" | "brpop" | "bzpopmin" | "bzpopmax" => {
            OwnedArgs::from_iter([a.get(0), key, a.get(a.len() - 1)])
        }
        "blmpop" | "bzmpop" => {
            // BLMPOP timeout numkeys key [key ...] where [COUNT n]: it blocked, so numkeys
            // parsed and the keys are there.
            let numkeys = crate::num::parse_long(a.get(2)).unwrap_or(1).max(1) as usize;
            let mut n = OwnedArgs::from_iter([a.get(0), a.get(1), b"1".as_slice(), key]);
            for i in 3 + numkeys..a.len() {
                n.push(a.get(i));
            }
            n
        }
        _ => args.clone(),
    }
}

/// The destination of a BLMOVE or BRPOPLPUSH.
fn destination<'a>(fullname: &str, args: &'a OwnedArgs) -> Option<&'a [u8]> {
    match fullname {
        "blmove" | "brpoplpush" => Some(args.as_args().get(2)),
        _ => None,
    }
}

/// What a first attempt on a shard did.
pub(crate) struct Attempt {
    out: Vec<u8>,
    action: Action,
    failed: bool,
}

impl Engine {
    /// The ticket connection `c` is blocked on, if any.
    pub fn blocked_ticket(&self, c: ConnId) -> Option<Arc<Ticket>> {
        self.conn(c).and_then(|x| x.blocked.clone())
    }

    /// Registers `t` with this engine's `shard` for the command's keys there.
    pub(crate) fn register_block(&mut self, shard: usize, t: &Arc<Ticket>) {
        let n = self.state.total_shards;
        let entry = &self.state.commands.entries[t.idx];
        let mut keys: Vec<&[u8]> = Vec::new();
        for_each_blocking_key(entry, t.args.as_args(), |k| {
            if shard_of(k, n) == shard {
                keys.push(k);
            }
        });
        let sh = self.state.shard(shard);
        for k in keys {
            sh.blocked.register(t.db, k, t);
        }
    }

    /// The first attempt of a blocking command whose keys all live on `shard` (this
    /// engine's): run it (after the keys' locks, if any); if it would block, register it
    /// there in the same step.
    pub(crate) fn block_try(
        &mut self,
        h: &dyn Host,
        shard: usize,
        t: Arc<Ticket>,
        done: Done<Attempt>,
    ) {
        let local = shard - self.state.first_shard;
        if !self.state.shards[local].locks.is_idle() {
            let entry = &self.state.commands.entries[t.idx];
            let mut set = LockSet::default();
            for_each_key(entry, t.args.as_args(), |k| set.add(k, Mode::Exclusive));
            let locks = &self.state.shards[local].locks;
            if locks.must_wait(set.keys.iter().map(|(k, _)| k.as_bytes()), Mode::Exclusive) {
                let cont: super::lock::Cont =
                    alloc::boxed::Box::new(move |e, h| e.block_try_now(h, shard, t, done));
                self.state.shards[local].locks.acquire(0, set, false, cont);
                self.run_granted(h);
                return;
            }
        }
        self.block_try_now(h, shard, t, done);
    }

    fn block_try_now(&mut self, h: &dyn Host, shard: usize, t: Arc<Ticket>, done: Done<Attempt>) {
        let local = shard - self.state.first_shard;
        let mut out = Vec::new();
        let (action, failed) = self.run_handler(
            h,
            Call {
                slot: usize::MAX,
                idx: t.idx,
                dbi: t.db,
                proto: t.proto,
                scope: local..local + 1,
                remote: None,
                touch: true,
                may_block: true,
                start_us: 0,
            },
            t.args.as_args(),
            &mut out,
        );
        let action = match action {
            Action::Block { deadline_ms } => {
                t.set_deadline(deadline_ms);
                self.register_block(shard, &t);
                Action::Block {
                    deadline_ms: t.deadline_ms(),
                }
            }
            a => a,
        };
        self.serve_ready(h);
        done.send(Attempt {
            out,
            action,
            failed,
        });
    }

    /// Serves the waiters of the ready keys of this engine's shards (see the module
    /// documentation); keys locked by a transaction wait for its release.
    pub fn serve_ready(&mut self, h: &dyn Host) {
        if self.serving || !self.state.shards.iter().any(|s| s.blocked.has_ready()) {
            return;
        }
        self.serving = true;
        let mut later: Vec<(usize, usize, Key)> = Vec::new();
        loop {
            let mut next = None;
            for (i, s) in self.state.shards.iter_mut().enumerate() {
                let locks = &s.locks;
                let idle = locks.is_idle();
                if let Some((db, k)) = s
                    .blocked
                    .take_ready(|k| idle || !locks.must_wait([k].into_iter(), Mode::Exclusive))
                {
                    next = Some((i, db, k));
                    break;
                }
            }
            let Some((local, db, key)) = next else {
                break;
            };
            if !self.serve_key(h, local, db, &key) {
                later.push((local, db, key));
            }
        }
        for (local, db, key) in later {
            self.state.shards[local].blocked.signal(db, key.as_bytes());
        }
        self.serving = false;
    }

    /// Serves the waiters of `key` of `db` on shard position `local`, in order, while it
    /// holds what they wait for; false when a destination is locked (try again later).
    fn serve_key(&mut self, h: &dyn Host, local: usize, db: usize, key: &Key) -> bool {
        let k = key.as_bytes();
        let now_ms = h.now_us() / 1000;
        let shard = self.state.first_shard + local;
        let n = self.state.total_shards;
        let mut complete = true;
        for t in self.state.shards[local].blocked.waiting(db, k) {
            let fullname = self.state.commands.entries[t.idx].fullname;
            let wants_zset = fullname.starts_with("bz");
            let holds = match self.state.shards[local].dbs[db].get(k, now_ms) {
                None => break,
                Some(e) => match e.value {
                    Value::List(_) => !wants_zset,
                    Value::ZSet(_) => wants_zset,
                    _ => false,
                },
            };
            if !holds {
                continue;
            }
            if let Some(dst) = destination(fullname, &t.args) {
                let ds = if n == 1 { 0 } else { shard_of(dst, n) };
                if !self.state.owns(ds) {
                    t.resolve(Resolution::Retry);
                    continue;
                }
                let locks = &self.state.shards[ds - self.state.first_shard].locks;
                if ds != shard
                    && !locks.is_idle()
                    && locks.must_wait([dst].into_iter(), Mode::Exclusive)
                {
                    complete = false;
                    break;
                }
            }
            let args = narrowed(fullname, &t.args, k);
            let mut out = Vec::new();
            let served = t.serve_with(|| {
                let (action, _) = self.run_handler(
                    h,
                    Call {
                        slot: usize::MAX,
                        idx: t.idx,
                        dbi: t.db,
                        proto: t.proto,
                        scope: local..local + 1,
                        remote: None,
                        touch: true,
                        may_block: true,
                        start_us: 0,
                    },
                    args.as_args(),
                    &mut out,
                );
                match action {
                    Action::Block { .. } => None,
                    _ => Some(Resolution::Served(core::mem::take(&mut out))),
                }
            });
            if let Served::Waits = served {
                break;
            }
        }
        self.state.shards[local].blocked.prune(db, k);
        complete
    }

    /// Times out the blocked connections of this engine whose deadline passed.
    pub(crate) fn time_out_blocked(&mut self, now_ms: u64) {
        for c in self.clients.iter() {
            if let Some(t) = &c.blocked {
                let d = t.deadline_ms();
                if d != 0 && d <= now_ms {
                    t.resolve(Resolution::TimedOut);
                }
            }
        }
    }
}

/// A blocking command outside MULTI: the first attempt, on its keys' shard (`shard`) or
/// gathered from several; if it would block, the connection now waits on its ticket and
/// the outcome's action is [`Action::Block`]. `deadline`: the one a retry keeps.
pub(crate) async fn start(
    m: &dyn Messenger,
    caller: Caller,
    idx: usize,
    args: &OwnedArgs,
    shard: Option<usize>,
    deadline: Option<u64>,
    out: &mut Vec<u8>,
) -> Outcome {
    let t = Arc::new(Ticket::new(
        caller,
        idx,
        args.clone(),
        m.notifier(),
        deadline,
    ));
    let (action, failed) = match shard {
        Some(s) => {
            let tt = t.clone();
            let a = hop(m, s, move |e, h, done| e.block_try(h, s, tt, done)).await;
            out.extend_from_slice(&a.out);
            (a.action, a.failed)
        }
        None => {
            let o = gather(m, caller, idx, args, false, out, Some(t.clone())).await;
            (o.action, o.failed)
        }
    };
    let mut action = action;
    if let Action::Block { .. } = action {
        let gone = local(m, |e, _| match e.conn_mut(caller.conn) {
            Some(c) => {
                c.blocked = Some(t.clone());
                false
            }
            None => true,
        });
        if gone {
            t.resolve(Resolution::Gone);
            action = Action::Close;
        }
    }
    Outcome {
        action,
        failed,
        counted: false,
    }
}

/// Ends connection `c`'s wait on its blocked command once its ticket is answered (or the
/// host gave up on it: [`Ticket::resolve`] with [`Resolution::TimedOut`] or
/// [`Resolution::Gone`] first): appends the reply to `out`. A retried command may block
/// again: [`Action::Block`].
pub async fn unblock(m: &dyn Messenger, c: ConnId, out: &mut Vec<u8>) -> Action {
    let Some(got) = local(m, |e, _| {
        let conn = e.conn_mut(c)?;
        let t = conn.blocked.take()?;
        Some((t, conn.proto))
    }) else {
        return Action::Continue;
    };
    let (t, proto) = got;
    let resolution = t.take();
    if resolution.is_none() {
        // Nobody answered: the host gave up waiting.
        t.resolve(Resolution::TimedOut);
    }
    match resolution {
        Some(Resolution::Served(bytes)) => {
            out.extend_from_slice(&bytes);
            Action::Continue
        }
        Some(Resolution::Gone) => Action::Close,
        Some(Resolution::Unblocked) => {
            let text = errors::UNBLOCKED;
            local(m, |e, _| {
                crate::engine::count_error(&mut e.state.stats, text)
            });
            Reply::new(out, proto).error(text);
            Action::Continue
        }
        Some(Resolution::TimedOut) | None => {
            let fullname = local(m, |e, _| e.state.commands.entries[t.idx].fullname);
            reply_timed_out(fullname, &mut Reply::new(out, proto));
            Action::Continue
        }
        Some(Resolution::Retry) => {
            let Some((caller, route)) = local(m, |e, _| {
                let k = Caller::of(e, c)?;
                Some((k, e.route(t.idx, t.args.as_args())))
            }) else {
                return Action::Close;
            };
            let shard = match route {
                Route::Block(s) => s,
                _ => None,
            };
            let deadline = Some(t.deadline_ms());
            start(m, caller, t.idx, &t.args, shard, deadline, out)
                .await
                .action
        }
    }
}
