//! One logical database of one shard: a dashtable of keys plus expiry.
//!
//! Expiry times are absolute Unix milliseconds kept in the entry (0 = none). They are
//! enforced lazily by every lookup ([`Db::lookup`] removes an expired key before anyone
//! sees it) and actively by [`Db::active_expire`], which the engine calls from
//! [`Engine::tick`](crate::Engine::tick): it walks the table bucket by bucket from a saved
//! cursor, as Dragonfly does, removing what has expired, within a budget.
//!
//! While a snapshot runs ([`crate::snapshot`]), every method that may change the table
//! first has the key's segment serialised (`before_write`); [`Db::clear`] finishes the walk
//! first. With no snapshot that is one predictable branch.

use crate::dash::{DashTable, Lookup};
use crate::snapshot::DbSnapshot;
use crate::value::{Key, Value};
use alloc::boxed::Box;
use alloc::vec::Vec;
use foldhash::fast::FixedState;

/// A stored value and its expiry.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The value.
    pub value: Value,
    /// Absolute expiry in Unix milliseconds; 0 when the key does not expire.
    pub expire_at: u64,
}

impl Entry {
    /// An entry without expiry.
    #[inline]
    pub fn new(value: Value) -> Self {
        Entry {
            value,
            expire_at: 0,
        }
    }

    #[inline]
    fn expired(&self, now_ms: u64) -> bool {
        self.expire_at != 0 && self.expire_at <= now_ms
    }
}

/// Counters one database keeps for INFO.
#[derive(Clone, Copy, Debug, Default)]
pub struct DbStats {
    /// Keys removed because they expired.
    pub expired_keys: u64,
}

/// One logical database of one shard.
pub struct Db {
    table: DashTable<Key, Entry, FixedState>,
    expires: usize,
    expire_cursor: u64,
    /// Counters for INFO.
    pub stats: DbStats,
    /// This database's part of a running snapshot.
    snap: Option<Box<DbSnapshot>>,
}

impl Db {
    /// An empty database; `seed` seeds the hash function.
    pub fn new(seed: u64) -> Self {
        Db {
            table: DashTable::with_hasher(FixedState::with_seed(seed)),
            expires: 0,
            expire_cursor: 0,
            stats: DbStats::default(),
            snap: None,
        }
    }

    /// Before anything that may change the entry of `key` (or insert it): serialises its
    /// segment when a snapshot runs and has not saved it yet.
    #[inline]
    fn before_write(&mut self, key: &[u8]) {
        if let Some(s) = self.snap.as_deref_mut() {
            self.table.snapshot_before_write(key, |k, e| s.write(k, e));
        }
    }

    /// Starts this database's part of a snapshot (nothing when it is empty); `dbi` is its
    /// index, written in each chunk's `SELECTDB`.
    pub fn snapshot_begin(&mut self, dbi: usize, compression: bool) {
        self.table.snapshot_begin();
        self.snap = if self.table.snapshot_running() {
            Some(Box::new(DbSnapshot::new(dbi, compression)))
        } else {
            None
        };
    }

    /// True while this database has a part in a snapshot (walking, or chunks not taken).
    #[inline]
    pub fn snapshot_active(&self) -> bool {
        self.snap.is_some()
    }

    /// Walks up to `max_segments` segments of the snapshot; true when the walk is complete.
    pub fn snapshot_step(&mut self, max_segments: usize) -> bool {
        let Some(s) = self.snap.as_deref_mut() else {
            return true;
        };
        if !s.walked() && self.table.snapshot_step(max_segments, |k, e| s.write(k, e)) {
            s.walk_done();
        }
        s.walked()
    }

    /// Bytes of this database's snapshot queued and not taken.
    pub fn snapshot_queued(&self) -> usize {
        self.snap.as_ref().map_or(0, |s| s.queued())
    }

    /// The next chunk of this database's snapshot to write; when the part is over (walk
    /// complete, everything taken) it ends.
    pub fn snapshot_pop(&mut self) -> Option<Vec<u8>> {
        let s = self.snap.as_deref_mut()?;
        let c = s.pop();
        if s.finished() {
            self.snap = None;
        }
        c
    }

    /// Abandons this database's part of a snapshot.
    pub fn snapshot_abort(&mut self) {
        self.table.snapshot_abort();
        self.snap = None;
    }

    /// The number of keys, counting expired keys not yet removed (as Redis's DBSIZE).
    #[inline]
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// True when no key is stored.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// The number of keys with an expiry (INFO keyspace's `expires`).
    #[inline]
    pub fn expires_count(&self) -> usize {
        self.expires
    }

    /// The live entry for `key` (an expired one is removed first), in one table lookup.
    #[inline]
    pub fn lookup(&mut self, key: &[u8], now_ms: u64) -> Option<&mut Entry> {
        self.before_write(key);
        match self.table.get_mut_unless(key, |e| e.expired(now_ms)) {
            Lookup::Found(e) => Some(e),
            Lookup::Removed(..) => {
                // Only entries with an expiry time expire.
                self.expires -= 1;
                self.stats.expired_keys += 1;
                None
            }
            Lookup::Absent => None,
        }
    }

    /// The live value for `key`, read-only.
    #[inline]
    pub fn get(&mut self, key: &[u8], now_ms: u64) -> Option<&Entry> {
        if self.snap.is_some() {
            // A read changes nothing unless the key has expired: no need to serialise.
            match self.table.get(key) {
                None => return None,
                Some(e) if e.expired(now_ms) => return self.lookup(key, now_ms).map(|e| &*e),
                Some(_) => return self.table.get(key),
            }
        }
        self.lookup(key, now_ms).map(|e| &*e)
    }

    /// True when `key` exists and has not expired.
    #[inline]
    pub fn contains(&mut self, key: &[u8], now_ms: u64) -> bool {
        self.get(key, now_ms).is_some()
    }

    /// The live entry for `key`, created with `make()` and no expiry when absent; `true` when
    /// created.
    pub fn lookup_or_insert(
        &mut self,
        key: &[u8],
        now_ms: u64,
        make: impl FnOnce() -> Value,
    ) -> (&mut Entry, bool) {
        self.before_write(key);
        let (e, created, old) = self.table.get_or_insert_unless(
            key,
            |e| e.expired(now_ms),
            || (Key::new(key), Entry::new(make())),
        );
        if old.is_some() {
            self.expires -= 1;
            self.stats.expired_keys += 1;
        }
        (e, created)
    }

    /// Stores `value` under `key` with expiry `expire_at` (0 = none), replacing any value and
    /// expiry it had.
    pub fn set(&mut self, key: &[u8], value: Value, expire_at: u64) {
        self.before_write(key);
        let (e, created) = self.table.get_or_insert_with(key, || {
            (
                Key::new(key),
                Entry {
                    value: Value::Int(0),
                    expire_at: 0,
                },
            )
        });
        let _ = created;
        let had = e.expire_at != 0;
        e.value = value;
        e.expire_at = expire_at;
        match (had, expire_at != 0) {
            (false, true) => self.expires += 1,
            (true, false) => self.expires -= 1,
            _ => {}
        }
    }

    /// Stores `value` under `key`, keeping the expiry of a live key (SET KEEPTTL, SETRANGE,
    /// APPEND, INCR...). An expired key must have been looked up first.
    pub fn set_keep_ttl(&mut self, key: &[u8], value: Value) {
        self.before_write(key);
        let (e, _) = self.table.get_or_insert_with(key, || {
            (
                Key::new(key),
                Entry {
                    value: Value::Int(0),
                    expire_at: 0,
                },
            )
        });
        e.value = value;
    }

    /// Sets the expiry of an existing key (0 removes it); false when the key is absent.
    pub fn set_expire(&mut self, key: &[u8], expire_at: u64) -> bool {
        self.before_write(key);
        match self.table.get_mut(key) {
            Some(e) => {
                match (e.expire_at != 0, expire_at != 0) {
                    (false, true) => self.expires += 1,
                    (true, false) => self.expires -= 1,
                    _ => {}
                }
                e.expire_at = expire_at;
                true
            }
            None => false,
        }
    }

    /// Removes `key` (live or not); returns its entry.
    pub fn remove(&mut self, key: &[u8]) -> Option<Entry> {
        self.before_write(key);
        let (_, e) = self.table.remove_entry(key)?;
        if e.expire_at != 0 {
            self.expires -= 1;
        }
        Some(e)
    }

    /// Inserts a whole entry (RENAME, MOVE, COPY, SWAPDB), replacing what is there.
    pub fn insert_entry(&mut self, key: &[u8], entry: Entry) {
        self.remove(key);
        if entry.expire_at != 0 {
            self.expires += 1;
        }
        // `remove` serialised the key's segment.
        self.table.insert(Key::new(key), entry);
    }

    /// Removes every key. A running snapshot's walk is finished first (its chunks stay
    /// queued for the host).
    pub fn clear(&mut self) {
        if self.snap.is_some() {
            while !self.snapshot_step(usize::MAX) {}
        }
        self.table.clear();
        self.expires = 0;
        self.expire_cursor = 0;
    }

    /// One step of a SCAN walk: visits live entries of the next bucket(s) after `cursor`;
    /// returns the next cursor, 0 when complete.
    pub fn scan(&self, cursor: u64, now_ms: u64, mut f: impl FnMut(&Key, &Entry)) -> u64 {
        self.table.scan(cursor, |k, e| {
            if !e.expired(now_ms) {
                f(k, e)
            }
        })
    }

    /// All live entries, in table order.
    pub fn iter(&self, now_ms: u64) -> impl Iterator<Item = (&Key, &Entry)> {
        self.table.iter().filter(move |(_, e)| !e.expired(now_ms))
    }

    /// A live key chosen at random from `seed`, trying a few times to skip expired ones.
    pub fn random_key(&mut self, seed: u64, now_ms: u64) -> Option<Key> {
        let mut s = seed;
        for _ in 0..100 {
            let (k, e) = self.table.random_entry(s)?;
            if !e.expired(now_ms) {
                return Some(k.clone());
            }
            let k = k.clone();
            // `remove` serialises the key's segment first.
            self.remove(k.as_bytes());
            self.stats.expired_keys += 1;
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
        }
        None
    }

    /// The active expiry cycle's step: walks up to `max_steps` buckets from the saved cursor,
    /// removing expired keys; returns (keys removed, whole table walked).
    pub fn active_expire(&mut self, now_ms: u64, max_steps: usize) -> (usize, bool) {
        // The walk removes keys anywhere in the table: paused while a snapshot walks it
        // (lazy expiry goes on through the hooks).
        if self.expires == 0 || self.table.snapshot_running() {
            return (0, true);
        }
        let mut removed = 0;
        let mut cursor = self.expire_cursor;
        let mut wrapped = false;
        for _ in 0..max_steps {
            let mut gone_with_ttl = 0;
            cursor = self.table.scan_retain(cursor, |_, e| {
                if e.expired(now_ms) {
                    gone_with_ttl += 1;
                    false
                } else {
                    true
                }
            });
            removed += gone_with_ttl;
            self.expires -= gone_with_ttl;
            if cursor == 0 {
                wrapped = true;
                break;
            }
        }
        self.expire_cursor = cursor;
        self.stats.expired_keys += removed as u64;
        (removed, wrapped)
    }

    /// Bytes used by the table structure (MEMORY STATS, INFO).
    pub fn table_memory(&self) -> usize {
        self.table.memory_usage()
    }
}
