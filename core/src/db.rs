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
//!
//! Keyspace notifications ([`crate::notify`]) need to know when a key expires on access
//! or in the active cycle, and when a command creates a key (Redis's `dbAdd`). A database
//! records these in a small buffer, only when the engine has asked for them
//! ([`Db::set_log`], from `notify-keyspace-events`); the engine publishes and empties it
//! before the command's own events and after each command and tick. With notifications
//! off, recording costs one test of a flag on the paths that remove an expired key or
//! create one.

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

/// What a database records for keyspace notifications (see [`Db::set_log`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyEvent {
    /// The key expired and was removed (`expired`).
    Expired,
    /// A command created the key (`new`, Redis's `dbAdd`).
    New,
}

/// [`Db::set_log`]: record keys that expire.
pub const LOG_EXPIRED: u8 = 1 << 0;
/// [`Db::set_log`]: record keys that commands create.
pub const LOG_NEW: u8 = 1 << 1;

/// Appends `what` for the key `key()` makes when `log` asks for it.
#[inline]
fn record(log: u8, events: &mut Vec<(KeyEvent, Key)>, what: KeyEvent, key: impl FnOnce() -> Key) {
    let bit = match what {
        KeyEvent::Expired => LOG_EXPIRED,
        KeyEvent::New => LOG_NEW,
    };
    if log & bit != 0 {
        events.push((what, key()));
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
    /// What to record for keyspace notifications (`LOG_*` bits; 0: nothing).
    log: u8,
    /// Recorded events not yet published, in order.
    events: Vec<(KeyEvent, Key)>,
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
            log: 0,
            events: Vec::new(),
        }
    }

    /// What to record for keyspace notifications from now on: `LOG_EXPIRED` and `LOG_NEW`
    /// bits (0 records nothing and drops what was recorded).
    pub fn set_log(&mut self, log: u8) {
        self.log = log;
        if log == 0 {
            self.events = Vec::new();
        }
    }

    /// True when events wait to be published.
    #[inline]
    pub fn has_events(&self) -> bool {
        !self.events.is_empty()
    }

    /// The recorded events, oldest first; the buffer is left empty.
    pub fn take_events(&mut self) -> Vec<(KeyEvent, Key)> {
        core::mem::take(&mut self.events)
    }

    #[inline]
    fn record(&mut self, what: KeyEvent, key: impl FnOnce() -> Key) {
        record(self.log, &mut self.events, what, key)
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
            Lookup::Removed(k, _) => {
                // Only entries with an expiry time expire.
                self.expires -= 1;
                self.stats.expired_keys += 1;
                record(self.log, &mut self.events, KeyEvent::Expired, || k);
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
    /// created (recorded as [`KeyEvent::New`], after an expired entry's
    /// [`KeyEvent::Expired`]).
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
        if created && self.log != 0 {
            if old.is_some() {
                record(self.log, &mut self.events, KeyEvent::Expired, || {
                    Key::new(key)
                });
            }
            record(self.log, &mut self.events, KeyEvent::New, || Key::new(key));
        }
        (e, created)
    }

    /// Stores `value` under `key` with expiry `expire_at` (0 = none), replacing any value and
    /// expiry it had (an expired entry too, as if it were live: see [`Db::set_at`]).
    pub fn set(&mut self, key: &[u8], value: Value, expire_at: u64) {
        // A time of 0 expires nothing.
        self.set_at(key, value, expire_at, 0)
    }

    /// Stores `value` under `key` with expiry `expire_at` (0 = none), replacing any live
    /// value and its expiry; an entry expired at `now_ms` expires first (Redis's `setKey`
    /// after `lookupKeyWrite`), and a key that was not live is created (Redis's `dbAdd`).
    /// Both are recorded for keyspace notifications. One table lookup.
    pub fn set_at(&mut self, key: &[u8], value: Value, expire_at: u64, now_ms: u64) {
        self.before_write(key);
        let (e, created, old) = self.table.get_or_insert_unless(
            key,
            |e| e.expired(now_ms),
            || {
                (
                    Key::new(key),
                    Entry {
                        value: Value::Int(0),
                        expire_at: 0,
                    },
                )
            },
        );
        let had = e.expire_at != 0;
        e.value = value;
        e.expire_at = expire_at;
        if old.is_some() {
            // The expired entry had a TTL; the new one starts without.
            self.expires -= 1;
            self.stats.expired_keys += 1;
        }
        match (had, expire_at != 0) {
            (false, true) => self.expires += 1,
            (true, false) => self.expires -= 1,
            _ => {}
        }
        if created && self.log != 0 {
            if old.is_some() {
                self.record(KeyEvent::Expired, || Key::new(key));
            }
            self.record(KeyEvent::New, || Key::new(key));
        }
    }

    /// Stores `value` under `key`, keeping the expiry of a live key (SET KEEPTTL, SETRANGE,
    /// APPEND, INCR...). An expired key must have been looked up first. A created key is
    /// recorded for keyspace notifications.
    pub fn set_keep_ttl(&mut self, key: &[u8], value: Value) {
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
        e.value = value;
        if created {
            self.record(KeyEvent::New, || Key::new(key));
        }
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
            self.record(KeyEvent::Expired, || k);
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
        let (log, events) = (self.log, &mut self.events);
        for _ in 0..max_steps {
            let mut gone_with_ttl = 0;
            cursor = self.table.scan_retain(cursor, |k, e| {
                if e.expired(now_ms) {
                    gone_with_ttl += 1;
                    record(log, events, KeyEvent::Expired, || k.clone());
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
