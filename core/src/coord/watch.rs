//! WATCH: which connections watch which keys of a shard, and the flag a write sets.
//!
//! A connection's WATCH session is one [`WatchFlag`], shared (`Arc`) between the connection
//! (on its thread) and every shard that holds one of its keys. A write to a watched key sets
//! the flag ([`WatchTable::touch`]) on the shard's thread; EXEC reads it on the connection's
//! thread after taking its locks, so a write that came before the locks is always seen
//! (the grant travels as a message after it). UNWATCH, EXEC, DISCARD and disconnecting only
//! mark the session dead; shards drop dead entries when they next meet them or in
//! [`WatchTable::purge`], so ending a session needs no message.
//!
//! Expiry: a watched key with a TTL that passes before EXEC aborts it, as in Redis 7.0
//! (`isWatchedKeyExpired`); the connection keeps each key's expiry as seen by WATCH and EXEC
//! compares it with its clock, so expiry needs no hook in the expiry paths.

use crate::value::Key;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};
use hashbrown::HashMap;

/// One connection's WATCH session.
#[derive(Debug, Default)]
pub struct WatchFlag {
    dirty: AtomicBool,
    dead: AtomicBool,
}

impl WatchFlag {
    /// A live, clean session.
    pub fn new() -> Arc<WatchFlag> {
        Arc::new(WatchFlag::default())
    }

    /// True once a watched key was written.
    pub fn is_dirty(&self) -> bool {
        self.dirty.load(Ordering::Acquire)
    }

    /// Marks the session touched.
    pub fn set_dirty(&self) {
        self.dirty.store(true, Ordering::Release);
    }

    /// Ends the session: shards forget it.
    pub fn kill(&self) {
        self.dead.store(true, Ordering::Release);
    }

    fn is_dead(&self) -> bool {
        self.dead.load(Ordering::Acquire)
    }
}

/// The watched keys of one shard: key -> (database, session) pairs.
#[derive(Default)]
pub struct WatchTable {
    map: HashMap<Key, Vec<(u32, Arc<WatchFlag>)>, foldhash::fast::FixedState>,
}

impl WatchTable {
    /// True when nobody watches a key of this shard.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Session `flag` watches `key` in database `db`.
    pub fn add(&mut self, db: usize, key: &[u8], flag: &Arc<WatchFlag>) {
        let list = match self.map.get_mut(key) {
            Some(l) => l,
            None => self.map.entry(Key::new(key)).or_default(),
        };
        list.retain(|(_, f)| !f.is_dead());
        if !list
            .iter()
            .any(|(d, f)| *d == db as u32 && Arc::ptr_eq(f, flag))
        {
            list.push((db as u32, flag.clone()));
        }
    }

    /// `key` of database `db` was written: its watchers are dirty (and forgotten here).
    pub fn touch(&mut self, db: usize, key: &[u8]) {
        if self.map.is_empty() {
            return;
        }
        let Some(list) = self.map.get_mut(key) else {
            return;
        };
        list.retain(|(d, f)| {
            if *d == db as u32 {
                f.set_dirty();
                false
            } else {
                !f.is_dead()
            }
        });
        if list.is_empty() {
            self.map.remove(key);
        }
    }

    /// `key` was written in every database (MOVE and COPY name a database of their own).
    pub fn touch_all_dbs(&mut self, key: &[u8]) {
        if let Some(list) = self.map.remove(key) {
            for (_, f) in list {
                f.set_dirty();
            }
        }
    }

    /// Database `db` is flushed or swapped (Redis's `touchAllWatchedKeysInDb`): the
    /// watchers of every key for which `exists` is true are dirty.
    pub fn touch_db(&mut self, db: usize, mut exists: impl FnMut(&[u8]) -> bool) {
        if self.map.is_empty() {
            return;
        }
        self.map.retain(|k, list| {
            let hit = exists(k.as_bytes());
            list.retain(|(d, f)| {
                if hit && *d == db as u32 {
                    f.set_dirty();
                    false
                } else {
                    !f.is_dead()
                }
            });
            !list.is_empty()
        });
    }

    /// Drops the entries of ended sessions.
    pub fn purge(&mut self) {
        if self.map.is_empty() {
            return;
        }
        self.map.retain(|_, list| {
            list.retain(|(_, f)| !f.is_dead());
            !list.is_empty()
        });
    }

    /// The number of watched keys.
    pub fn len(&self) -> usize {
        self.map.len()
    }
}

/// One key as WATCH saw it, kept by the connection for EXEC.
#[derive(Clone, Debug)]
pub struct WatchedKey {
    /// Its database.
    pub db: usize,
    /// Its name.
    pub key: Key,
    /// Its expiry when watched (Unix ms), 0 when it had none or did not exist.
    pub expire_at: u64,
}

/// A connection's WATCH state.
#[derive(Clone, Debug)]
pub struct Watching {
    /// The session flag shards set.
    pub flag: Arc<WatchFlag>,
    /// The keys, for EXEC's expiry check and its locks.
    pub keys: Vec<WatchedKey>,
}

impl Watching {
    /// A new session.
    pub fn new() -> Self {
        Watching {
            flag: WatchFlag::new(),
            keys: Vec::new(),
        }
    }

    /// True when EXEC must fail: a watched key was written, or a key that was live with a
    /// TTL when watched has expired by `now_ms`.
    pub fn is_dirty(&self, now_ms: u64) -> bool {
        self.flag.is_dirty()
            || self
                .keys
                .iter()
                .any(|k| k.expire_at != 0 && k.expire_at <= now_ms)
    }
}

impl Default for Watching {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn touch_marks_only_the_same_database() {
        let mut t = WatchTable::default();
        let a = WatchFlag::new();
        let b = WatchFlag::new();
        t.add(0, b"k", &a);
        t.add(1, b"k", &b);
        t.touch(0, b"k");
        assert!(a.is_dirty() && !b.is_dirty());
        t.touch(1, b"k");
        assert!(b.is_dirty());
        assert!(t.is_empty());
    }

    #[test]
    fn flush_marks_existing_keys_and_dead_sessions_go() {
        let mut t = WatchTable::default();
        let a = WatchFlag::new();
        t.add(0, b"here", &a);
        t.add(0, b"gone", &a);
        let b = WatchFlag::new();
        t.add(0, b"gone", &b);
        b.kill();
        t.touch_db(0, |k| k == b"here");
        assert!(a.is_dirty());
        t.purge();
        assert_eq!(t.len(), 1, "a's entry for 'gone' stays, b's is purged");
    }

    #[test]
    fn expiry_seen_at_watch_time_counts() {
        let mut w = Watching::new();
        w.keys.push(WatchedKey {
            db: 0,
            key: Key::new(b"k"),
            expire_at: 100,
        });
        assert!(!w.is_dirty(99));
        assert!(w.is_dirty(100));
    }
}
