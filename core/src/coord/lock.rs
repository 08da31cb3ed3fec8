//! One shard's intent locks (VLL, after Dragonfly): the per-key locks a multi-shard
//! transaction takes on the shard, and the queue of what waits for them.
//!
//! A request names keys, each shared (a read) or exclusive (a write), and optionally the
//! whole shard (FLUSHDB, KEYS, an EXEC with server-wide commands). It is granted when it
//! conflicts with nothing held and with no earlier request still waiting, so the shard
//! grants in arrival order wherever requests conflict (FIFO), and a later request that
//! conflicts with nothing waiting may pass. A granted transaction request is *held* until
//! the transaction releases it; a waiting single command (a key locked when it arrived) is
//! not held: it runs the moment it is granted and is gone.
//!
//! What to do on a grant is a continuation ([`Cont`]); the table queues continuations and
//! the engine runs them, in grant order, with the shard's engine
//! ([`Engine::run_granted`](crate::Engine::run_granted)).
//!
//! A shard with nothing held and nothing waiting is *idle*; single-key commands check
//! [`LockTable::is_idle`] (one comparison) and skip the table entirely then.

use crate::engine::{Engine, Host};
use crate::value::Key;
use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::vec::Vec;
use hashbrown::HashMap;

/// What runs when a request is granted, with the engine that owns the shard.
pub type Cont = Box<dyn FnOnce(&mut Engine, &dyn Host) + Send>;

/// A lock mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// A read: compatible with other reads.
    Shared,
    /// A write: compatible with nothing.
    Exclusive,
}

impl Mode {
    /// Shared for read-only commands, exclusive otherwise.
    pub fn for_write(write: bool) -> Mode {
        if write {
            Mode::Exclusive
        } else {
            Mode::Shared
        }
    }

    fn conflicts(self, other: Mode) -> bool {
        self == Mode::Exclusive || other == Mode::Exclusive
    }
}

/// What a request locks on one shard.
#[derive(Clone, Debug, Default)]
pub struct LockSet {
    /// Keys with their modes (a key may appear twice; the stronger mode counts).
    pub keys: Vec<(Key, Mode)>,
    /// The whole shard, if wanted.
    pub shard: Option<Mode>,
}

impl LockSet {
    /// Adds a key; an exclusive mode wins over a shared one for the same key.
    pub fn add(&mut self, key: &[u8], mode: Mode) {
        if let Some(k) = self.keys.iter_mut().find(|(k, _)| k.as_bytes() == key) {
            if mode == Mode::Exclusive {
                k.1 = Mode::Exclusive;
            }
            return;
        }
        self.keys.push((Key::new(key), mode));
    }

    /// Asks for the whole shard; exclusive wins.
    pub fn add_shard(&mut self, mode: Mode) {
        self.shard = Some(match (self.shard, mode) {
            (Some(Mode::Exclusive), _) | (_, Mode::Exclusive) => Mode::Exclusive,
            _ => Mode::Shared,
        });
    }

    /// True when it locks nothing.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty() && self.shard.is_none()
    }
}

/// Counts of what is held on one key (or on the whole shard).
#[derive(Clone, Copy, Debug, Default)]
struct Held {
    shared: u32,
    exclusive: bool,
}

impl Held {
    fn conflicts(&self, mode: Mode) -> bool {
        self.exclusive || (mode == Mode::Exclusive && self.shared > 0)
    }

    fn take(&mut self, mode: Mode) {
        match mode {
            Mode::Shared => self.shared += 1,
            Mode::Exclusive => self.exclusive = true,
        }
    }

    fn give(&mut self, mode: Mode) {
        match mode {
            Mode::Shared => self.shared -= 1,
            Mode::Exclusive => self.exclusive = false,
        }
    }

    fn is_free(&self) -> bool {
        self.shared == 0 && !self.exclusive
    }
}

struct Request {
    txid: u64,
    locks: LockSet,
    /// Held after the grant until released (a transaction), or not (a waiting command).
    hold: bool,
    cont: Cont,
}

/// The locks of one shard.
#[derive(Default)]
pub struct LockTable {
    keys: HashMap<Key, Held, foldhash::fast::FixedState>,
    /// Keys held exclusively (a shared shard-wide request conflicts with them).
    exclusive_keys: usize,
    shard: Held,
    pending: VecDeque<Request>,
    /// Held requests by transaction id.
    held: HashMap<u64, LockSet, foldhash::fast::FixedState>,
    /// Continuations of granted requests, to run in order.
    ready: VecDeque<Cont>,
}

impl LockTable {
    /// True when nothing is held and nothing waits: single commands skip the table.
    #[inline]
    pub fn is_idle(&self) -> bool {
        self.held.is_empty() && self.pending.is_empty()
    }

    /// The number of waiting requests.
    pub fn waiting(&self) -> usize {
        self.pending.len()
    }

    /// The number of transactions holding locks here.
    pub fn holders(&self) -> usize {
        self.held.len()
    }

    /// True when a command locking `keys` (read or write) could not run now: it conflicts
    /// with something held or with an earlier waiting request.
    pub fn must_wait<'k>(&self, keys: impl Iterator<Item = &'k [u8]> + Clone, mode: Mode) -> bool {
        if self.is_idle() {
            return false;
        }
        if self.shard.conflicts(mode) {
            return true;
        }
        for k in keys.clone() {
            if self.keys.get(k).is_some_and(|h| h.conflicts(mode)) {
                return true;
            }
        }
        self.pending.iter().any(|r| {
            r.locks.shard.is_some_and(|m| m.conflicts(mode))
                || r.locks
                    .keys
                    .iter()
                    .any(|(rk, rm)| rm.conflicts(mode) && keys.clone().any(|k| k == rk.as_bytes()))
        })
    }

    fn conflicts_held(&self, locks: &LockSet) -> bool {
        if let Some(m) = locks.shard {
            if self.shard.conflicts(m) {
                return true;
            }
            match m {
                Mode::Exclusive if !self.keys.is_empty() => return true,
                Mode::Shared if self.exclusive_keys > 0 => return true,
                _ => {}
            }
        }
        locks.keys.iter().any(|(k, m)| {
            self.shard.conflicts(*m) || self.keys.get(k.as_bytes()).is_some_and(|h| h.conflicts(*m))
        })
    }

    fn take(&mut self, locks: &LockSet) {
        if let Some(m) = locks.shard {
            self.shard.take(m);
        }
        for (k, m) in &locks.keys {
            let h = self.keys.entry(k.clone()).or_default();
            if *m == Mode::Exclusive && !h.exclusive {
                self.exclusive_keys += 1;
            }
            h.take(*m);
        }
    }

    fn give(&mut self, locks: &LockSet) {
        if let Some(m) = locks.shard {
            self.shard.give(m);
        }
        for (k, m) in &locks.keys {
            if let Some(h) = self.keys.get_mut(k.as_bytes()) {
                if *m == Mode::Exclusive && h.exclusive {
                    self.exclusive_keys -= 1;
                }
                h.give(*m);
                if h.is_free() {
                    self.keys.remove(k.as_bytes());
                }
            }
        }
    }

    /// Asks for `locks` for transaction `txid` (held until [`release`](Self::release)) or,
    /// with `hold` false, for one command that runs when granted. `cont` is queued to run
    /// (see [`take_ready`](Self::take_ready)) when the request is granted: at once when
    /// nothing conflicts.
    pub fn acquire(&mut self, txid: u64, locks: LockSet, hold: bool, cont: Cont) {
        let req = Request {
            txid,
            locks,
            hold,
            cont,
        };
        if self.pending.is_empty() && !self.conflicts_held(&req.locks) {
            self.grant(req);
        } else {
            self.pending.push_back(req);
            // An earlier waiter may not conflict with it; nothing changed for them, and
            // the new request is granted by a later release if not now.
            self.promote();
        }
    }

    fn grant(&mut self, req: Request) {
        if req.hold {
            self.take(&req.locks);
            let prev = self.held.insert(req.txid, req.locks);
            debug_assert!(
                prev.is_none(),
                "transaction {} locked a shard twice",
                req.txid
            );
        }
        self.ready.push_back(req.cont);
    }

    /// Releases what transaction `txid` holds here and grants what can now be granted.
    pub fn release(&mut self, txid: u64) {
        if let Some(locks) = self.held.remove(&txid) {
            self.give(&locks);
        }
        self.promote();
    }

    /// Grants, in order, every waiting request that conflicts with nothing held and with
    /// no earlier request that keeps waiting.
    fn promote(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let mut blocked = LockSet::default();
        let mut blocked_keys: HashMap<Key, Mode, foldhash::fast::FixedState> = HashMap::default();
        let mut i = 0;
        while i < self.pending.len() {
            let req = &self.pending[i];
            let behind = blocked.shard.is_some_and(|m| {
                req.locks.shard.is_some() || req.locks.keys.iter().any(|(_, rm)| m.conflicts(*rm))
            }) || req
                .locks
                .shard
                .is_some_and(|m| blocked_keys.values().any(|bm| m.conflicts(*bm)))
                || req.locks.keys.iter().any(|(k, m)| {
                    blocked_keys
                        .get(k.as_bytes())
                        .is_some_and(|bm| bm.conflicts(*m))
                });
            if !behind && !self.conflicts_held(&req.locks) {
                let req = self.pending.remove(i).expect("index in range");
                self.grant(req);
                continue;
            }
            if let Some(m) = req.locks.shard {
                blocked.add_shard(m);
            }
            for (k, m) in &req.locks.keys {
                let e = blocked_keys.entry(k.clone()).or_insert(*m);
                if *m == Mode::Exclusive {
                    *e = Mode::Exclusive;
                }
            }
            i += 1;
        }
    }

    /// The next continuation of a granted request, in grant order.
    pub fn take_ready(&mut self) -> Option<Cont> {
        self.ready.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::rc::Rc;
    use core::cell::RefCell;

    fn set(keys: &[(&str, Mode)]) -> LockSet {
        let mut s = LockSet::default();
        for (k, m) in keys {
            s.add(k.as_bytes(), *m);
        }
        s
    }

    fn noop() -> Cont {
        Box::new(|_, _| {})
    }

    fn drain(t: &mut LockTable) -> usize {
        let mut n = 0;
        while t.take_ready().is_some() {
            n += 1;
        }
        n
    }

    #[test]
    fn grants_at_once_when_free_and_queues_conflicts_in_order() {
        let mut t = LockTable::default();
        assert!(t.is_idle());
        t.acquire(1, set(&[("a", Mode::Exclusive)]), true, noop());
        assert_eq!(drain(&mut t), 1);
        assert!(!t.is_idle());
        // Reads of a written key wait; an unrelated key passes.
        t.acquire(2, set(&[("a", Mode::Shared)]), true, noop());
        t.acquire(3, set(&[("b", Mode::Exclusive)]), true, noop());
        assert_eq!(drain(&mut t), 1);
        assert_eq!(t.waiting(), 1);
        assert!(t.must_wait([&b"a"[..]].into_iter(), Mode::Shared));
        assert!(!t.must_wait([&b"c"[..]].into_iter(), Mode::Exclusive));
        t.release(1);
        assert_eq!(drain(&mut t), 1);
        t.release(2);
        t.release(3);
        assert!(t.is_idle());
    }

    #[test]
    fn shared_locks_share_and_a_waiting_writer_blocks_later_readers() {
        let mut t = LockTable::default();
        t.acquire(1, set(&[("k", Mode::Shared)]), true, noop());
        t.acquire(2, set(&[("k", Mode::Shared)]), true, noop());
        assert_eq!(drain(&mut t), 2);
        t.acquire(3, set(&[("k", Mode::Exclusive)]), true, noop());
        t.acquire(4, set(&[("k", Mode::Shared)]), true, noop());
        assert_eq!(drain(&mut t), 0, "FIFO: the reader waits behind the writer");
        t.release(1);
        assert_eq!(drain(&mut t), 0);
        t.release(2);
        assert_eq!(drain(&mut t), 1);
        t.release(3);
        assert_eq!(drain(&mut t), 1);
        t.release(4);
        assert!(t.is_idle());
    }

    #[test]
    fn the_whole_shard_conflicts_with_every_key() {
        let mut t = LockTable::default();
        t.acquire(1, set(&[("k", Mode::Shared)]), true, noop());
        drain(&mut t);
        let mut all = LockSet::default();
        all.add_shard(Mode::Exclusive);
        t.acquire(2, all, true, noop());
        t.acquire(3, set(&[("other", Mode::Shared)]), true, noop());
        assert_eq!(drain(&mut t), 0);
        t.release(1);
        assert_eq!(drain(&mut t), 1);
        t.release(2);
        assert_eq!(drain(&mut t), 1);
        t.release(3);
        let mut read_all = LockSet::default();
        read_all.add_shard(Mode::Shared);
        t.acquire(4, set(&[("k", Mode::Shared)]), true, noop());
        t.acquire(5, read_all, true, noop());
        assert_eq!(
            drain(&mut t),
            2,
            "shared shard lock and shared key lock coexist"
        );
        assert!(t.must_wait([&b"k"[..]].into_iter(), Mode::Exclusive));
        t.release(4);
        t.release(5);
        assert!(t.is_idle());
    }

    #[test]
    fn a_waiting_command_is_not_held() {
        let mut t = LockTable::default();
        t.acquire(1, set(&[("k", Mode::Exclusive)]), true, noop());
        drain(&mut t);
        let ran = Rc::new(RefCell::new(0));
        t.acquire(0, set(&[("k", Mode::Shared)]), false, noop());
        assert_eq!(drain(&mut t), 0);
        t.release(1);
        *ran.borrow_mut() += drain(&mut t);
        assert_eq!(*ran.borrow(), 1);
        assert!(t.is_idle(), "the command ran and holds nothing");
    }
}
