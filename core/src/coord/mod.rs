//! The coordinator: how a command whose work is not all on this thread's shards gets
//! done, written once as `async` code over a [`Messenger`], so that every host runs the
//! same logic. The in-process host's messenger answers each hop at once (its engine owns
//! every shard, and [`Engine::execute`] drives the future with [`now_or_never`]); the
//! server's sends each hop to the thread that owns the shard, through that thread's inbox,
//! and the reply comes back the same way.
//!
//! # Hops
//!
//! A hop is a closure run on the thread owning a shard, with that thread's [`Engine`]
//! ([`hop`], [`hop_sync`]); it owns what it carries (arguments as
//! [`OwnedArgs`], entries, reply bytes) and answers through a
//! [`Done`], which may be kept and answered later (a lock that is granted later). A hop to
//! a shard of this thread runs inline. The coordinator never holds a borrow of an engine
//! across an `.await`: every access is a short closure ([`local`]).
//!
//! # Routes
//!
//! [`Engine::prepare`](crate::Engine::prepare) runs a command at once when it can (no key,
//! or all its keys on this thread's one shard and not locked); otherwise its
//! [`Route`](route::Route) says what [`run`] does: run it whole on the owning shard (one
//! hop; in the server, consecutive such commands of a pipeline travel together, see
//! [`run_segment`]); split it by shard and merge the replies (MGET, MSET, DEL...); gather
//! its entries here, run it, and send the changes back (RENAME, COPY, MSETNX, any other
//! multi-key command); run it once per shard (KEYS, DBSIZE, FLUSHDB...); or the bespoke
//! plans of SCAN, RANDOMKEY, the server-wide commands (INFO, CLIENT LIST/KILL, CONFIG
//! SET), WATCH and EXEC; SAVE and BGSAVE start a snapshot on every shard at one instant
//! ([`snapshot`]).
//!
//! # Transactions
//!
//! Every command that touches several shards is a transaction: it takes a transaction id
//! ([`Messenger::next_txid`]), then takes its intent locks ([`lock`]) shard by shard in
//! ascending shard order, each shard granting conflicting requests in arrival order. The
//! work of each shard rides on its lock request (it runs when the locks are granted);
//! locks are released, shard by shard, only once every shard's locks are held and its work
//! is done (two-phase locking: serializable). A transaction waits only for locks on a
//! shard while holding locks on lower shards only, and two requests on one shard are
//! granted in one order for all their keys, so no cycle of waits can form: no deadlock,
//! and no global lock. A single command whose keys are locked waits behind the locks (and
//! the commands of its connection behind it); on a shard with no lock at all, it pays one
//! comparison.

pub mod block;
pub mod lock;
pub mod route;
pub mod snapshot;
pub mod watch;

mod dispatch;
mod merge;
mod multi;

pub use block::unblock;
pub use dispatch::{run, run_segment};

use crate::engine::{Engine, Host};
use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use anax_protocol::{OwnedArgs, Proto};
use core::cell::RefCell;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

/// Wakes a thread that may be asleep waiting for I/O (the server's `Poller::notify`).
pub trait Notify: Send + Sync {
    /// Wakes the thread.
    fn notify(&self);
}

/// Work sent to the thread that owns a shard.
pub type Job = Box<dyn FnOnce(&mut Engine, &dyn Host) + Send>;

/// How the coordinator reaches the shards: the host's side of the coordinator.
pub trait Messenger {
    /// The number of shards of the server.
    fn shards(&self) -> usize;
    /// True when `shard` belongs to this thread's engine.
    fn is_local(&self, shard: usize) -> bool;
    /// Runs `f` now with this thread's engine.
    fn with_local(&self, f: &mut dyn FnMut(&mut Engine, &dyn Host));
    /// Queues `job` on the thread that owns `shard` (not this one).
    fn send(&self, shard: usize, job: Job);
    /// What wakes this thread when another thread answers one of its hops (None: nothing
    /// to wake, the answer comes on this thread).
    fn notifier(&self) -> Option<Arc<dyn Notify>>;
    /// A fresh transaction id.
    fn next_txid(&self) -> u64;
    /// One shard of each other thread's engine (for INFO, CLIENT LIST and the settings).
    fn other_engines(&self) -> Vec<usize>;
}

/// Runs `f` now with this thread's engine.
pub fn local<R>(m: &dyn Messenger, f: impl FnOnce(&mut Engine, &dyn Host) -> R) -> R {
    let mut f = Some(f);
    let mut out = None;
    m.with_local(&mut |e, h| {
        if let Some(f) = f.take() {
            out = Some(f(e, h));
        }
    });
    out.expect("the messenger runs the closure")
}

struct Slot<T> {
    value: Option<T>,
    waker: Option<Waker>,
}

/// The answer end of a hop: [`send`](Done::send) it once, now or later, on any thread.
pub struct Done<T> {
    slot: Arc<spin::Mutex<Slot<T>>>,
    notify: Option<Arc<dyn Notify>>,
}

impl<T> Done<T> {
    /// Answers the hop and wakes the task waiting for it.
    pub fn send(self, value: T) {
        let waker = {
            let mut s = self.slot.lock();
            s.value = Some(value);
            s.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
        if let Some(n) = &self.notify {
            n.notify();
        }
    }
}

/// The waiting end of a hop: a future of its answer.
pub struct Pending<T> {
    slot: Arc<spin::Mutex<Slot<T>>>,
}

impl<T> Future for Pending<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut s = self.slot.lock();
        match s.value.take() {
            Some(v) => Poll::Ready(v),
            None => {
                match &s.waker {
                    Some(w) if w.will_wake(cx.waker()) => {}
                    _ => s.waker = Some(cx.waker().clone()),
                }
                Poll::Pending
            }
        }
    }
}

fn channel<T>(notify: Option<Arc<dyn Notify>>) -> (Done<T>, Pending<T>) {
    let slot = Arc::new(spin::Mutex::new(Slot {
        value: None,
        waker: None,
    }));
    (
        Done {
            slot: slot.clone(),
            notify,
        },
        Pending { slot },
    )
}

/// Runs `op` on the thread owning `shard`, with its engine; it answers through the
/// [`Done`] it is given (now, or later).
pub fn hop<R: Send + 'static>(
    m: &dyn Messenger,
    shard: usize,
    op: impl FnOnce(&mut Engine, &dyn Host, Done<R>) + Send + 'static,
) -> Pending<R> {
    if m.is_local(shard) {
        let (done, pending) = channel(None);
        local(m, |e, h| op(e, h, done));
        pending
    } else {
        let (done, pending) = channel(m.notifier());
        m.send(shard, Box::new(move |e, h| op(e, h, done)));
        pending
    }
}

/// Runs `op` on the thread owning `shard` and answers with what it returns.
pub fn hop_sync<R: Send + 'static>(
    m: &dyn Messenger,
    shard: usize,
    op: impl FnOnce(&mut Engine, &dyn Host) -> R + Send + 'static,
) -> Pending<R> {
    hop(m, shard, move |e, h, done| done.send(op(e, h)))
}

/// Runs `op` on the thread owning `shard`, expecting no answer. Messages from one thread to
/// another arrive in the order they were sent.
pub fn post(
    m: &dyn Messenger,
    shard: usize,
    op: impl FnOnce(&mut Engine, &dyn Host) + Send + 'static,
) {
    if m.is_local(shard) {
        local(m, op);
    } else {
        m.send(shard, Box::new(op));
    }
}

/// Waits for every hop; the answers in the order given.
pub async fn join_all<T>(mut hops: Vec<Pending<T>>) -> Vec<T> {
    let mut got: Vec<Option<T>> = hops.iter().map(|_| None).collect();
    core::future::poll_fn(|cx| {
        let mut all = true;
        for (p, g) in hops.iter_mut().zip(got.iter_mut()) {
            if g.is_none() {
                match Pin::new(p).poll(cx) {
                    Poll::Ready(v) => *g = Some(v),
                    Poll::Pending => all = false,
                }
            }
        }
        if all {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    got.into_iter().map(|g| g.expect("joined")).collect()
}

/// Polls `f` once and returns its output: the trivial executor of an engine that owns
/// every shard, whose hops all complete at once.
pub fn now_or_never<F: Future>(f: F) -> F::Output {
    let mut f = core::pin::pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    match f.as_mut().poll(&mut cx) {
        Poll::Ready(v) => v,
        Poll::Pending => {
            panic!("a hop did not complete at once on an engine that owns every shard")
        }
    }
}

/// Commands for one shard, run there in order: a pipeline's squashed run, one command
/// routed to its shard, or EXEC's commands.
pub struct Batch {
    /// The shard (global index).
    pub shard: usize,
    /// The connection's database.
    pub db: usize,
    /// The connection's protocol.
    pub proto: Proto,
    /// Each command's table row and arguments.
    pub cmds: Vec<(usize, OwnedArgs)>,
    /// Run inside a transaction that holds the locks: never wait for them.
    pub in_tx: bool,
}

/// The replies of a [`Batch`]: all bytes, and where each command's reply ends.
#[derive(Default)]
pub struct BatchOut {
    /// Reply bytes, one command after the other.
    pub out: Vec<u8>,
    /// The end of each command's reply in `out`.
    pub ends: Vec<u32>,
    /// The calls that were slow enough for the slow log, for the connection's thread to log
    /// (see [`crate::observe`]).
    pub slow: Vec<crate::observe::SlowCall>,
}

/// The messenger of an engine that owns every shard: every hop runs inline.
pub struct InlineMessenger<'a> {
    engine: RefCell<&'a mut Engine>,
    host: &'a dyn Host,
}

impl<'a> InlineMessenger<'a> {
    /// The messenger of `engine`, which must own every shard.
    pub fn new(engine: &'a mut Engine, host: &'a dyn Host) -> Self {
        debug_assert!(engine.state.owns_all());
        InlineMessenger {
            engine: RefCell::new(engine),
            host,
        }
    }
}

impl Messenger for InlineMessenger<'_> {
    fn shards(&self) -> usize {
        self.engine.borrow().state.total_shards
    }

    fn is_local(&self, shard: usize) -> bool {
        self.engine.borrow().state.owns(shard)
    }

    fn with_local(&self, f: &mut dyn FnMut(&mut Engine, &dyn Host)) {
        let mut e = self.engine.borrow_mut();
        f(&mut e, self.host)
    }

    fn send(&self, shard: usize, _job: Job) {
        panic!("shard {shard} is not owned by this engine: use the host's messenger");
    }

    fn notifier(&self) -> Option<Arc<dyn Notify>> {
        None
    }

    fn next_txid(&self) -> u64 {
        self.engine.borrow().clients.registry().next_txid()
    }

    fn other_engines(&self) -> Vec<usize> {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{ClientAddr, Host, HostInfo, Step};
    use crate::shard::shard_of;
    use crate::Config;
    use alloc::string::String;

    struct Clock;
    impl Host for Clock {
        fn now_us(&self) -> u64 {
            1_700_000_000_000_000
        }
    }

    fn args(line: &str) -> OwnedArgs {
        OwnedArgs::from_iter(line.split(' '))
    }

    #[test]
    fn a_squashed_run_replies_in_request_order() {
        let mut e = Engine::new(Config::default(), 4, HostInfo::default(), 1);
        let c = e.connect(ClientAddr::default(), 0).unwrap();
        let keys: Vec<String> = (0..12).map(|i| alloc::format!("k{i}")).collect();
        let mut cmds = Vec::new();
        for (i, k) in keys.iter().enumerate() {
            let a = args(&alloc::format!("SET {k} {i}"));
            let idx = e.state.commands.lookup(b"set").unwrap();
            cmds.push((shard_of(k.as_bytes(), 4), idx, a));
        }
        for k in &keys {
            let idx = e.state.commands.lookup(b"get").unwrap();
            cmds.push((
                shard_of(k.as_bytes(), 4),
                idx,
                args(&alloc::format!("GET {k}")),
            ));
        }
        let mut out = Vec::new();
        let m = InlineMessenger::new(&mut e, &Clock);
        now_or_never(run_segment(&m, c, cmds, &mut out));
        let mut want = Vec::new();
        for _ in &keys {
            want.extend_from_slice(b"+OK\r\n");
        }
        for i in 0..keys.len() {
            let v = alloc::format!("{i}");
            want.extend_from_slice(alloc::format!("${}\r\n{v}\r\n", v.len()).as_bytes());
        }
        assert_eq!(
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(&want)
        );
    }

    #[test]
    fn a_command_whose_key_is_locked_waits_and_runs_on_release() {
        let mut e = Engine::new(Config::default(), 2, HostInfo::default(), 1);
        let c = e.connect(ClientAddr::default(), 0).unwrap();
        let key = "locked";
        let s = shard_of(key.as_bytes(), 2);
        let mut set = lock::LockSet::default();
        set.add(key.as_bytes(), lock::Mode::Exclusive);
        e.lock_then(&Clock, s, 7, set, Box::new(|_, _| {}));
        // The dispatcher does not run it inline: the key is locked.
        let mut out = Vec::new();
        let a = args("SET locked v");
        let Step::Routed(r) = e.prepare(c, a.as_args(), &Clock, &mut out) else {
            panic!("ran although locked")
        };
        assert_eq!(r.route, route::Route::Shard(s));
        let batch = Batch {
            shard: s,
            db: 0,
            proto: Proto::Resp2,
            cmds: alloc::vec![(r.idx, a)],
            in_tx: false,
        };
        let (done, mut pending) = channel(None);
        e.run_batch(&Clock, batch, 0, BatchOut::default(), done);
        let mut cx = Context::from_waker(Waker::noop());
        assert!(
            Pin::new(&mut pending).poll(&mut cx).is_pending(),
            "it waits"
        );
        e.unlock(&Clock, s, 7);
        match Pin::new(&mut pending).poll(&mut cx) {
            Poll::Ready(o) => assert_eq!(o.out, b"+OK\r\n"),
            Poll::Pending => panic!("not run after the release"),
        }
        assert!(e.state.shards.iter().all(|s| s.locks.is_idle()));
    }
}
