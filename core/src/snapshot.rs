//! Forkless snapshots: SAVE, BGSAVE and the save at shutdown, without fork.
//!
//! # What happens
//!
//! A snapshot starts on every shard inside one transaction that holds an exclusive
//! whole-shard intent lock on every shard at once (`coord::snapshot`, the same locking as
//! FLUSHALL's: taken in ascending shard order, released only after every shard started).
//! On each shard, every non-empty database starts a snapshot of its dashtable
//! ([`DashTable::snapshot_begin`](crate::dash::DashTable::snapshot_begin)) and gets a
//! [`DbSnapshot`]: its own [`Encoder`] and a queue of encoded chunks. From then on:
//!
//! - before every operation of [`Db`](crate::db::Db) that may change the table (lookups
//!   included: they may remove an expired key), the segment of the key is serialised first
//!   unless it already was in this snapshot (`DashTable::snapshot_before_write`); this
//!   costs one branch when no snapshot runs;
//! - the host drives a walk ([`Engine::snapshot_drive`](crate::Engine::snapshot_drive)):
//!   it serialises the segments not saved yet, a few at a time, while the shard keeps
//!   serving; a shard whose queued bytes exceed [`SHARD_QUEUE_LIMIT`] stops walking until
//!   the host has taken them (the hooks still serialise before writes);
//! - the host takes each chunk and writes it to the one file; a chunk begins with
//!   `SELECTDB` for its database (the RDB format allows it again anywhere, and
//!   redis-server and redis-check-rdb accept it), so chunks of different shards and
//!   databases interleave freely. When a shard's walks are complete and its queue is
//!   empty, the host is told ([`Host::snapshot_shard_done`](crate::Host::snapshot_shard_done));
//!   once every shard is done the host ends the file (EOF, CRC-64), fsyncs and renames it.
//!
//! The dashtable's documentation proves that every entry present at the start is written
//! exactly once and nothing written later is. Expired keys not yet removed are written
//! with their expiry, as Redis does; the loader drops them. Active expiry pauses on a
//! database while its walk runs (it removes keys anywhere in the table); lazy expiry goes
//! on, through the hooks.
//!
//! # One instant for every shard
//!
//! The start transaction holds every shard's lock at once, at some moment, and a shard's
//! part runs under its lock. A write that finished on any shard before that shard's lock
//! was granted is in the snapshot; one that runs after the release is not. Could a client
//! see a write that is not in the snapshot and then make one that is? That write would
//! have to run on some shard after the release while the second ran on another shard
//! before that shard's lock was granted; but the release comes after every grant, so the
//! second ran before the first: the order any client can observe is respected, and the
//! snapshot is the state at one instant between the last grant and the first release
//! (two-phase locking makes the start serializable with every other command and
//! transaction).
//!
//! # Memory
//!
//! Beyond the dataset: one segment's entries at a time per write that hits an unsaved
//! segment, plus the queued chunks (bounded by [`SHARD_QUEUE_LIMIT`] for the walk, plus
//! what hooks add before the host drains them).

use crate::db::Entry;
use crate::rdb::write::Encoder;
use crate::value::Key;
use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec::Vec;

/// Redis 7.0's reply to SAVE or BGSAVE while a background save runs.
pub const BGSAVE_IN_PROGRESS: &str = "ERR Background save already in progress";

/// A chunk is sealed (handed to the host) once it holds this many bytes.
pub const CHUNK_BYTES: usize = 64 * 1024;
/// A shard stops walking while it has this many bytes queued that the host has not taken.
pub const SHARD_QUEUE_LIMIT: usize = 256 << 10;
/// Segments a shard walks per drive step.
pub const STEP_SEGMENTS: usize = 4;

/// What kind of save a snapshot is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SaveKind {
    /// SAVE (and the save at shutdown): the caller waits for the file.
    Save,
    /// BGSAVE, or a save point: in the background.
    Background,
}

/// Why the host refused to start a snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refused {
    /// One is in progress.
    InProgress,
    /// The host cannot save (it has no sink); the text is logged, the reply is `ERR`.
    Failed(String),
}

/// The server-wide persistence facts that INFO persistence and LASTSAVE show; the host
/// keeps them ([`Host::persistence`](crate::Host::persistence)).
#[derive(Clone, Debug)]
pub struct Persistence {
    /// Loading a file at start-up.
    pub loading: bool,
    /// A background save is running.
    pub in_progress: bool,
    /// A BGSAVE was scheduled (BGSAVE inside MULTI).
    pub scheduled: bool,
    /// Unix seconds of the last successful save (the start time before any).
    pub last_save_time: u64,
    /// The last background save succeeded (or none ran).
    pub last_bgsave_ok: bool,
    /// Seconds the last background save took; -1 when none ran.
    pub last_bgsave_time_sec: i64,
    /// Unix seconds the running background save started at.
    pub current_start: u64,
    /// Successful saves.
    pub saves: u64,
    /// The write counter (summed over threads) when the last successful save started.
    pub dirty_at_last_save: u64,
    /// Keys loaded by the last load.
    pub last_load_keys_loaded: u64,
    /// Expired keys skipped by the last load.
    pub last_load_keys_expired: u64,
}

impl Default for Persistence {
    fn default() -> Self {
        Persistence {
            loading: false,
            in_progress: false,
            scheduled: false,
            last_save_time: 0,
            last_bgsave_ok: true,
            last_bgsave_time_sec: -1,
            current_start: 0,
            saves: 0,
            dirty_at_last_save: 0,
            last_load_keys_loaded: 0,
            last_load_keys_expired: 0,
        }
    }
}

/// One database's part of a running snapshot: its encoder and the chunks not yet taken.
pub struct DbSnapshot {
    dbi: u64,
    enc: Encoder,
    cur: Vec<u8>,
    queue: VecDeque<Vec<u8>>,
    queued: usize,
    walked: bool,
}

impl DbSnapshot {
    /// The snapshot of database `dbi`; `compression` is `rdbcompression`.
    pub fn new(dbi: usize, compression: bool) -> Self {
        DbSnapshot {
            dbi: dbi as u64,
            enc: Encoder::new(compression),
            cur: Vec::new(),
            queue: VecDeque::new(),
            queued: 0,
            walked: false,
        }
    }

    /// Serialises one entry (with its expiry, even a past one).
    pub fn write(&mut self, key: &Key, e: &Entry) {
        if self.cur.is_empty() {
            self.enc.select(&mut self.cur, self.dbi);
        }
        self.enc
            .entry(&mut self.cur, key.as_bytes(), &e.value, e.expire_at);
        if self.cur.len() >= CHUNK_BYTES {
            self.seal();
        }
    }

    /// Queues the chunk being filled.
    fn seal(&mut self) {
        if !self.cur.is_empty() {
            let c = core::mem::take(&mut self.cur);
            self.queued += c.len();
            self.queue.push_back(c);
        }
    }

    /// The walk of this database is complete: its last chunk is queued.
    pub fn walk_done(&mut self) {
        self.walked = true;
        self.seal();
    }

    /// True once the walk is complete.
    pub fn walked(&self) -> bool {
        self.walked
    }

    /// The next queued chunk.
    pub fn pop(&mut self) -> Option<Vec<u8>> {
        let c = self.queue.pop_front()?;
        self.queued -= c.len();
        Some(c)
    }

    /// Bytes queued and not taken.
    pub fn queued(&self) -> usize {
        self.queued + self.cur.len()
    }

    /// Walk complete and everything taken.
    pub fn finished(&self) -> bool {
        self.walked && self.queue.is_empty() && self.cur.is_empty()
    }
}

/// What a load did.
#[derive(Clone, Debug, Default)]
pub struct LoadStats {
    /// The file's version, AUX fields and counts.
    pub summary: crate::rdb::read::Summary,
    /// Keys stored.
    pub loaded: u64,
    /// Keys skipped because they had expired (as Redis's loader does on a master).
    pub expired: u64,
}

/// Loads an RDB file from `src`, calling `f(shard, db, key, entry)` for every key that has
/// not expired at `now_ms`, `shard` being its shard among `shards`.
pub fn load_file<S: crate::rdb::read::Source + ?Sized>(
    src: &mut S,
    opts: &crate::rdb::read::LoadOptions,
    shards: usize,
    now_ms: u64,
    mut f: impl FnMut(usize, usize, Vec<u8>, Entry),
) -> Result<LoadStats, crate::rdb::Error> {
    let (mut loaded, mut expired) = (0, 0);
    let summary = crate::rdb::read::load(src, opts, |l| {
        let expire_at = match l.expire_ms {
            None => 0,
            Some(t) if t <= 0 || (t as u64) < now_ms => {
                expired += 1;
                return Ok(());
            }
            Some(t) => t as u64,
        };
        loaded += 1;
        let shard = crate::shard::shard_of(&l.key, shards);
        f(
            shard,
            l.db,
            l.key,
            Entry {
                value: l.value,
                expire_at,
            },
        );
        Ok(())
    })?;
    Ok(LoadStats {
        summary,
        loaded,
        expired,
    })
}

/// The AUX field `redis-ver` that files Anax writes carry.
pub const AUX_REDIS_VER: &str = crate::cmd::connection::REDIS_VERSION;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coord::{now_or_never, snapshot as plan, InlineMessenger};
    use crate::engine::{Host, HostInfo, SaveTarget};
    use crate::{Config, Engine};
    use alloc::vec;
    use core::cell::{Cell, RefCell};

    /// A host that takes chunks only when `room` says so.
    #[derive(Default)]
    struct Sink {
        room: Cell<bool>,
        bytes: RefCell<Vec<u8>>,
        done: Cell<usize>,
    }

    impl Host for Sink {
        fn now_us(&self) -> u64 {
            1_700_000_000_000_000
        }
        fn snapshot_begin(&self, _: SaveKind, _: &SaveTarget) -> Result<(), Refused> {
            Ok(())
        }
        fn snapshot_room(&self, _: usize) -> bool {
            self.room.get()
        }
        fn snapshot_chunk(&self, _: usize, bytes: Vec<u8>) {
            assert!(self.room.get(), "a chunk without room");
            self.bytes.borrow_mut().extend_from_slice(&bytes);
        }
        fn snapshot_shard_done(&self, _: usize) {
            self.done.set(self.done.get() + 1);
        }
    }

    #[test]
    fn a_shard_without_room_stops_walking_and_resumes() {
        let mut e = Engine::new(Config::default(), 2, HostInfo::default(), 3);
        // Values that LZF cannot shrink: about 4.5 MB in all.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for i in 0..40_000u32 {
            let k = alloc::format!("key:{i}");
            let v: Vec<u8> = (0..100)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as u8
                })
                .collect();
            let value = crate::value::Value::from_bytes(&v);
            e.load_entry(0, k.as_bytes(), crate::db::Entry::new(value));
        }
        let host = Sink::default();
        {
            let m = InlineMessenger::new(&mut e, &host);
            now_or_never(plan::start(&m, SaveKind::Background)).unwrap();
        }
        for _ in 0..1000 {
            assert!(e.snapshot_drive(&host, STEP_SEGMENTS));
        }
        for sh in &e.state.shards {
            let queued: usize = sh.dbs.iter().map(|d| d.snapshot_queued()).sum();
            // The walk stopped at the limit (plus one step's worth).
            assert!(queued >= SHARD_QUEUE_LIMIT / 2, "{queued}");
            assert!(queued < SHARD_QUEUE_LIMIT + 4 * 840 * 130, "{queued}");
        }
        host.room.set(true);
        while e.snapshot_drive(&host, STEP_SEGMENTS) {}
        assert_eq!(host.done.get(), 2);
        assert!(!e.snapshot_running());
        // The chunks make the entries of a file: wrap them and load them back.
        let mut file = vec![];
        let aux = crate::rdb::write::Aux {
            redis_ver: AUX_REDIS_VER,
            ctime: 0,
            used_mem: 0,
            aof_base: false,
        };
        let mut w = crate::rdb::write::Writer::new(&mut file, &aux, true).unwrap();
        w.raw(&host.bytes.borrow()).unwrap();
        w.finish().unwrap();
        let opts = crate::rdb::read::LoadOptions::from_config(&Config::default());
        let mut n = 0;
        let st = load_file(&mut &file[..], &opts, 2, 0, |_, db, _, en| {
            assert_eq!(db, 0);
            assert_eq!(en.expire_at, 0);
            n += 1;
        })
        .unwrap();
        assert_eq!((n, st.loaded), (40_000, 40_000));
    }
}
