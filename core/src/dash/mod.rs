//! The dashtable: the hash table that holds each logical database, after Dragonfly's
//! (`src/core/dash.h`).
//!
//! # Layout
//!
//! A *directory* of `2^global_depth` entries maps the top `global_depth` bits of a key's
//! 64-bit hash to a *segment*. A segment (`segment.rs`) is a fixed-size table of 4 stash
//! buckets then 56 regular buckets, 14 slots each (840 slots); each bucket has 16 bytes of
//! metadata (a fingerprint byte per slot, a busy bitmap, two flags) and a version stamp,
//! kept apart from the slots (`store.rs`). A segment with *local depth* `d` holds exactly
//! the keys whose hash starts with its `d`-bit prefix, and `2^(global_depth - d)`
//! consecutive directory entries point to it.
//!
//! When a segment cannot take a new key (home bucket, neighbour and stash all full) it alone
//! is split: both halves get local depth `d + 1` and the entries whose hash bit `63 - d` is
//! set move to the new segment, each to the same (bucket, slot) position; then both halves
//! move displaced entries home where room appeared. The directory doubles only when `d` was
//! equal to the global depth. There is no global rehash: growing by one segment costs
//! hashing at most 840 keys, and memory grows by one segment (about 15 KB for 16-byte
//! entries) at a time.
//!
//! Should a split be impossible (every entry on one side, which only a degenerate hash
//! function does), the key goes to a small overflow list, searched linearly; a good hash
//! never puts anything there. (The hash must have good high bits: the directory uses them.)
//!
//! # Scan cursor
//!
//! Positions in hash space are the top `POS_BITS` = 58 bits of a hash. A segment of local
//! depth `d` owns the aligned interval of positions sharing its `d`-bit prefix; the segments
//! partition `[0, 2^58)`, and a split halves one interval. A cursor is `(p << 6) | j`: the
//! walk is at bucket `j` (0..60) of the segment whose interval starts at `p`. A step visits
//! bucket `j` (every entry in it), then moves to `j + 1`, or, after the last bucket, to
//! `(hi, 0)` where `hi` is the end of the segment's interval; reaching `2^58` ends the walk
//! (through a last step over the overflow list if it is not empty).
//!
//! Why every entry present for the whole walk is returned. Write `pos(e)` for an entry's
//! position, `seg(p)` for the segment whose interval holds `p` (at a given time) and `b(e)`
//! for an entry's bucket index. Facts:
//! 1. an entry is always in `seg(pos(e))`;
//! 2. `b(e)` never decreases while `e` is in the table: inserts and removals move nothing,
//!    a split moves entries to the same (bucket, slot) of the new half, and unloading moves
//!    an entry from the stash (buckets 0..4) or from its neighbour (the bucket before its
//!    home) to a later bucket;
//! 3. segments are never merged (only [`DashTable::clear`] shrinks the table, and it removes
//!    every entry), so once `p` is the start of an interval it stays one.
//!
//! The walk keeps this invariant for the cursor `(p, j)` it returned: *every entry present
//! throughout so far with `pos(e) < p`, or with `pos(e)` in the interval of `seg(p)` and
//! `b(e) < j`, has been visited.* It holds at `(0, 0)`. Splits only shrink the interval of
//! `seg(p)` (to a sub-interval starting at `p`, by 3), so they keep it; inserts and
//! removals don't affect entries present throughout; and by 2 an entry's bucket only grows,
//! which could only make `b(e) < j` false. The step: let `e` be present throughout with
//! `pos(e)` in the interval of `seg(p)` and `b(e) ≤ j` now; take the times `t_0 < … < t_j`
//! at which the walk visited buckets `0..=j` of `seg(p)` (of the segment holding `p` then,
//! whose interval contained today's, so it held `e`, by 1). As `b(e)` only grows and
//! `b(e, t_j) ≤ j`, there is a least `k` with `b(e, t_k) ≤ k`; if `k > 0`, then
//! `b(e, t_k) ≥ b(e, t_{k-1}) ≥ k`, so `b(e, t_k) = k` (also when `k = 0`): `e` was in bucket
//! `k` when that bucket was visited. That gives the invariant for `(p, j + 1)`, and after
//! the last bucket for `(hi, 0)`. At `p = 2^58` every present-throughout entry of a segment
//! has been visited; the overflow list, whose entries never move, is visited whole at the
//! end. Entries may be returned more than once (those that moved into the unvisited half of
//! a split segment, or to a later bucket). The walk ends: `p` only grows, and `j` grows
//! within a segment. A cursor not produced by the walk (or from before a `clear`) whose `p`
//! falls inside an interval restarts that interval at bucket 0.
//!
//! No bit reversal (as in Redis's cursor) is needed because the directory is indexed by the
//! *top* hash bits: splits only refine the order of positions.
//!
//! A step skips ahead over empty buckets (at most `SCAN_MAX_BUCKETS` buckets a call), so a
//! call returns the entries of one non-empty bucket, or none after a bounded amount of work.
//!
//! # Versions
//!
//! Every bucket carries a version stamp: the table's [`clock`](DashTable::clock) at its
//! latest write (insert, replace, `get_mut`, removal, a move by a split), for forkless
//! snapshots ([`bucket_count`](DashTable::bucket_count),
//! [`bucket_version`](DashTable::bucket_version)).
//!
//! # Snapshots
//!
//! A point-in-time snapshot of the table is serialised while the table keeps changing, at
//! *segment* granularity. [`snapshot_begin`](DashTable::snapshot_begin) takes a fresh
//! epoch `E` (a counter of snapshots, so two snapshots never share one). Every segment and
//! the overflow list carry a marker `saved`: the epoch in which their entries were last
//! serialised. A segment is *saved* when `saved == E`. Serialising a segment visits every
//! entry in it and marks it saved; nothing is visited twice in one epoch, as the marker is
//! checked first. The caller calls [`snapshot_before_write`](DashTable::snapshot_before_write)
//! with the key before *every* operation that may change the table (insert, replace,
//! `get_mut`, removal); it serialises the segment holding the key's hash and the overflow
//! list unless saved. The walk ([`snapshot_step`](DashTable::snapshot_step)) serialises
//! the unsaved segments in index order, a few at a time, then the overflow list.
//!
//! Why every entry present at `E` is visited exactly once and nothing written later is.
//! Invariant: *an unsaved segment holds exactly the entries it held at `E`, with their
//! values at `E`*, and so does the overflow list while unsaved. At `E` it holds trivially.
//! A write to key `k` only changes the segment `seg(k)` of its hash (an insert places the
//! entry in its home bucket, the neighbour or the stash of that one segment; a removal
//! or a replace touches the slot where `k` is, which is in `seg(k)` or the overflow list)
//! and possibly splits `seg(k)`, or appends to the overflow list; before any of that,
//! `snapshot_before_write` saved `seg(k)` and the overflow list. So writes only change
//! saved parts. A split only splits a segment that an insert is going into, hence a saved
//! one, and both halves inherit its marker: the entries they hold are already visited, and
//! the halves are saved. A new first segment (the table was empty) is created saved. Hence
//! the invariant holds, and a segment is serialised (its entries visited) at most once per
//! epoch, when it becomes saved, with exactly the entries of `E` it held. Every entry of `E`
//! lives in exactly one unsaved segment (or the overflow list) until that part is saved
//! (entries move only within a segment, or by a split into an equally marked half), so it
//! is visited exactly once by the time every part is saved; the walk reaches every segment
//! index up to the current count (segments are only appended) and then the overflow list,
//! so when it ends every part is saved. Entries written after `E` are only ever in saved
//! parts, so never visited. [`clear`](DashTable::clear) ends the snapshot (the caller
//! finishes the walk first). Debug builds assert on every write that its segment is saved.
//!
//! The bucket versions are not needed for this (the marker is per segment, because
//! displacement and splits move entries between buckets of one segment); they are kept
//! for finer-grained schemes.

mod segment;
mod store;

use alloc::vec::Vec;
use core::borrow::Borrow;
use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::mem;
use segment::{Segment, BUCKETS, SEG_SLOTS};
use store::{Bits, SLOTS};

/// Bits of hash-space position in a scan cursor (the low 6 bits are the bucket).
const POS_BITS: u32 = 58;
/// The end of hash space, in positions.
const POS_END: u64 = 1 << POS_BITS;
/// The cursor of the walk's last step, over the overflow list.
const OVERFLOW_CURSOR: u64 = u64::MAX;
/// Buckets one scan call examines at most.
const SCAN_MAX_BUCKETS: usize = 64;
/// The deepest a segment may get (the directory would be 16 GiB long before that).
const MAX_DEPTH: u8 = 32;

/// Where an entry is.
#[derive(Clone, Copy)]
enum Pos {
    /// In segment `seg`, bucket `bucket`, slot `slot`.
    Slot {
        seg: usize,
        bucket: usize,
        slot: usize,
    },
    /// At this index of the overflow list.
    Overflow(usize),
}

/// A hash table of `K -> V`.
pub struct DashTable<K, V, S> {
    hasher: S,
    /// Segment indices, `2^global_depth` of them (empty until the first insert).
    dir: Vec<u32>,
    segments: Vec<Segment<K, V>>,
    global_depth: u32,
    len: usize,
    /// The next version stamp.
    clock: u64,
    /// Entries no segment could take (degenerate hash functions only).
    overflow: Vec<(K, V)>,
    /// The version stamp of the overflow list.
    overflow_version: u64,
    /// The epoch of the running snapshot (0: none).
    snap_epoch: u64,
    /// The latest epoch given to a snapshot.
    snap_gen: u64,
    /// The snapshot walk's next segment index.
    snap_cursor: usize,
    /// The epoch in which the overflow list was last serialised.
    overflow_saved: u64,
}

impl<K, V, S> DashTable<K, V, S> {
    /// The number of entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The number of segments.
    pub fn segment_count(&self) -> usize {
        self.segments.len()
    }

    /// The global depth: the directory has `2^directory_depth()` entries (0 also when the
    /// table has never held anything).
    pub fn directory_depth(&self) -> u32 {
        self.global_depth
    }

    /// The number of entry slots (free or not) in the segments.
    pub fn capacity(&self) -> usize {
        self.segments.len() * SEG_SLOTS
    }

    /// The number of buckets; bucket ids `0..bucket_count()` are stable until [`clear`]
    /// (splits only add buckets at the end).
    ///
    /// [`clear`]: Self::clear
    pub fn bucket_count(&self) -> usize {
        self.segments.len() * BUCKETS
    }

    /// The version stamp of bucket `id` (see [`bucket_count`](Self::bucket_count)): the
    /// value of [`clock`](Self::clock) at the bucket's latest write.
    pub fn bucket_version(&self, id: usize) -> u64 {
        self.segments[id / BUCKETS].store.version(id % BUCKETS)
    }

    /// The stamp the next write gets; stamps only grow.
    pub fn clock(&self) -> u64 {
        self.clock
    }

    /// Bytes the table itself occupies (directory, segments, buckets and slots), not counting
    /// what entries own on the heap.
    pub fn memory_usage(&self) -> usize {
        self.dir.capacity() * mem::size_of::<u32>()
            + self.segments.capacity() * mem::size_of::<Segment<K, V>>()
            + self.segments.len() * store::Store::<K, V>::BYTES
            + self.overflow.capacity() * mem::size_of::<(K, V)>()
    }

    /// Removes everything, releasing the segments. A running snapshot ends (finish its walk
    /// first: see [`snapshot_step`](Self::snapshot_step)).
    pub fn clear(&mut self) {
        self.snap_epoch = 0;
        // Emptied first, dropped after: a panicking destructor leaves a consistent table.
        let segments = mem::take(&mut self.segments);
        let overflow = mem::take(&mut self.overflow);
        self.dir = Vec::new();
        self.global_depth = 0;
        self.len = 0;
        drop(segments);
        drop(overflow);
    }

    /// All entries (in no particular order).
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> + '_ {
        self.segments
            .iter()
            .flat_map(|s| {
                (0..BUCKETS)
                    .flat_map(move |b| Bits(s.store.busy(b)).map(move |i| s.store.entry(b, i)))
            })
            .chain(self.overflow.iter().map(|(k, v)| (k, v)))
    }

    /// A fresh version stamp.
    #[inline]
    fn tick(&mut self) -> u64 {
        let t = self.clock;
        self.clock += 1;
        t
    }

    /// The directory index of hash `h`.
    #[inline]
    fn dir_index(&self, h: u64) -> usize {
        // Two shifts so that depth 0 (a shift by 64) gives 0.
        ((h >> 1) >> (63 - self.global_depth)) as usize
    }

    /// The segment whose interval holds position `p` (< `POS_END`), with that interval.
    #[inline]
    fn seg_at(&self, p: u64) -> (usize, u64, u64) {
        let si = self.dir[(p >> (POS_BITS - self.global_depth)) as usize] as usize;
        let span = 1u64 << (POS_BITS - u32::from(self.segments[si].depth));
        let lo = p & !(span - 1);
        (si, lo, lo + span)
    }

    /// The entry at `pos`.
    #[inline]
    fn entry(&self, pos: Pos) -> (&K, &V) {
        match pos {
            Pos::Slot { seg, bucket, slot } => self.segments[seg].store.entry(bucket, slot),
            Pos::Overflow(i) => {
                let (k, v) = &self.overflow[i];
                (k, v)
            }
        }
    }

    /// The entry at `pos`, the value mutable (a write: stamps the bucket).
    #[inline]
    fn entry_mut(&mut self, pos: Pos) -> (&K, &mut V) {
        self.debug_check_saved(pos);
        let t = self.tick();
        match pos {
            Pos::Slot { seg, bucket, slot } => {
                let store = &mut self.segments[seg].store;
                store.set_version(bucket, t);
                store.entry_mut(bucket, slot)
            }
            Pos::Overflow(i) => {
                self.overflow_version = t;
                let (k, v) = &mut self.overflow[i];
                (&*k, v)
            }
        }
    }

    /// Removes the entry at `pos`.
    fn take(&mut self, pos: Pos) -> (K, V) {
        self.debug_check_saved(pos);
        let t = self.tick();
        self.len -= 1;
        match pos {
            Pos::Slot { seg, bucket, slot } => self.segments[seg].take(bucket, slot, t),
            Pos::Overflow(i) => {
                self.overflow_version = t;
                self.overflow.swap_remove(i)
            }
        }
    }
}

impl<K, V, S> DashTable<K, V, S> {
    /// Asserts (in debug builds) that a write at `pos` respects the running snapshot: the
    /// place was serialised first.
    #[inline]
    fn debug_check_saved(&self, pos: Pos) {
        if cfg!(debug_assertions) && self.snap_epoch != 0 {
            let saved = match pos {
                Pos::Slot { seg, .. } => self.segments[seg].saved,
                Pos::Overflow(_) => self.overflow_saved,
            };
            assert_eq!(
                saved, self.snap_epoch,
                "dashtable: a write during a snapshot to a part not serialised first"
            );
        }
    }

    /// Starts a snapshot of the table as it is now: from here on, every entry present now
    /// is visited exactly once, either by [`snapshot_before_write`] (which the caller must
    /// call before every write while [`snapshot_running`]) or by the walk
    /// ([`snapshot_step`]), and no entry written later is. Nothing runs when the table is
    /// empty. See the [module documentation](self#snapshots).
    ///
    /// [`snapshot_before_write`]: Self::snapshot_before_write
    /// [`snapshot_running`]: Self::snapshot_running
    /// [`snapshot_step`]: Self::snapshot_step
    pub fn snapshot_begin(&mut self) {
        self.snap_gen += 1;
        self.snap_epoch = if self.len == 0 { 0 } else { self.snap_gen };
        self.snap_cursor = 0;
    }

    /// True while a snapshot's walk has not finished.
    #[inline]
    pub fn snapshot_running(&self) -> bool {
        self.snap_epoch != 0
    }

    /// Abandons the running snapshot.
    pub fn snapshot_abort(&mut self) {
        self.snap_epoch = 0;
    }

    /// Serialises segment `si` (visits every entry) unless it was in this snapshot.
    fn save_segment(&mut self, si: usize, f: &mut impl FnMut(&K, &V)) -> bool {
        let e = self.snap_epoch;
        let seg = &mut self.segments[si];
        if seg.saved == e {
            return false;
        }
        seg.saved = e;
        for b in 0..BUCKETS {
            for i in Bits(seg.store.busy(b)) {
                let (k, v) = seg.store.entry(b, i);
                f(k, v);
            }
        }
        true
    }

    /// Serialises the overflow list unless it was in this snapshot.
    fn save_overflow(&mut self, f: &mut impl FnMut(&K, &V)) {
        if self.overflow_saved != self.snap_epoch {
            self.overflow_saved = self.snap_epoch;
            for (k, v) in &self.overflow {
                f(k, v);
            }
        }
    }

    /// One step of the snapshot walk: serialises up to `max_segments` segments not saved
    /// yet, in segment order; returns true when the walk is complete (the snapshot has then
    /// ended: [`snapshot_running`](Self::snapshot_running) is false).
    pub fn snapshot_step(&mut self, max_segments: usize, mut f: impl FnMut(&K, &V)) -> bool {
        if self.snap_epoch == 0 {
            return true;
        }
        let mut done = 0;
        while self.snap_cursor < self.segments.len() && done < max_segments {
            let si = self.snap_cursor;
            self.snap_cursor += 1;
            if self.save_segment(si, &mut f) {
                done += 1;
            }
        }
        if self.snap_cursor < self.segments.len() {
            return false;
        }
        self.save_overflow(&mut f);
        self.snap_epoch = 0;
        true
    }
}

impl<K: Hash + Eq, V, S: BuildHasher> DashTable<K, V, S> {
    /// Before a write to `key` while a snapshot runs: serialises (visits every entry of)
    /// the segment holding `key`'s hash and the overflow list, unless already saved in this
    /// snapshot. Whatever the write does next (replace, remove, insert with displacement
    /// to a neighbour or the stash, a split of that segment) changes only parts that are
    /// saved. Costs one branch when no snapshot runs.
    #[inline]
    pub fn snapshot_before_write<Q>(&mut self, key: &Q, mut f: impl FnMut(&K, &V))
    where
        K: Borrow<Q>,
        Q: Hash + ?Sized,
    {
        if self.snap_epoch == 0 {
            return;
        }
        let h = self.hash(key);
        let si = self.dir[self.dir_index(h)] as usize;
        self.save_segment(si, &mut f);
        self.save_overflow(&mut f);
    }
}

impl<K: Hash + Eq, V, S: BuildHasher> DashTable<K, V, S> {
    /// An empty table hashing with `hasher` (allocates nothing until the first insert).
    pub fn with_hasher(hasher: S) -> Self {
        DashTable {
            hasher,
            dir: Vec::new(),
            segments: Vec::new(),
            global_depth: 0,
            len: 0,
            clock: 0,
            overflow: Vec::new(),
            overflow_version: 0,
            snap_epoch: 0,
            snap_gen: 0,
            snap_cursor: 0,
            overflow_saved: 0,
        }
    }

    #[inline]
    fn hash<Q: Hash + ?Sized>(&self, key: &Q) -> u64 {
        self.hasher.hash_one(key)
    }

    /// Where `key` (hash `h`) is.
    #[inline]
    fn locate<Q>(&self, h: u64, key: &Q) -> Option<Pos>
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        if self.segments.is_empty() {
            return None;
        }
        let seg = self.dir[self.dir_index(h)] as usize;
        if let Some((bucket, slot, _)) = self.segments[seg].find(h, key) {
            return Some(Pos::Slot { seg, bucket, slot });
        }
        self.find_overflow(key).map(Pos::Overflow)
    }

    /// The index of `key` in the overflow list.
    #[inline]
    fn find_overflow<Q>(&self, key: &Q) -> Option<usize>
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        if self.overflow.is_empty() {
            return None;
        }
        self.overflow.iter().position(|(k, _)| k.borrow() == key)
    }

    /// The value for `key`.
    #[inline]
    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.get_key_value(key).map(|(_, v)| v)
    }

    /// True when `key` is present.
    #[inline]
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.locate(self.hash(key), key).is_some()
    }

    /// The value for `key`, mutable.
    #[inline]
    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let pos = self.locate(self.hash(key), key)?;
        Some(self.entry_mut(pos).1)
    }

    /// The stored key and value for `key`.
    #[inline]
    pub fn get_key_value<Q>(&self, key: &Q) -> Option<(&K, &V)>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if self.segments.is_empty() {
            return None;
        }
        let h = self.hash(key);
        let seg = &self.segments[self.dir[self.dir_index(h)] as usize];
        if let Some((_, _, e)) = seg.find(h, key) {
            return Some(e);
        }
        self.find_overflow(key)
            .map(|i| self.entry(Pos::Overflow(i)))
    }

    /// Inserts or replaces; returns the old value (the stored key is kept).
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        let h = self.hash(&key);
        if let Some(pos) = self.locate(h, &key) {
            return Some(mem::replace(self.entry_mut(pos).1, value));
        }
        self.insert_new(h, key, value);
        None
    }

    /// The value for `key`, inserting `make()` first when absent; `true` when inserted.
    /// The key `make` returns must equal `key`.
    pub fn get_or_insert_with<Q>(
        &mut self,
        key: &Q,
        make: impl FnOnce() -> (K, V),
    ) -> (&mut V, bool)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let h = self.hash(key);
        if let Some(pos) = self.locate(h, key) {
            return (self.entry_mut(pos).1, false);
        }
        let (k, v) = make();
        debug_assert!(
            k.borrow() == key,
            "get_or_insert_with: make() returned another key"
        );
        let pos = self.insert_new(h, k, v);
        (self.entry_mut(pos).1, true)
    }

    /// The value for `key`, with one lookup, unless `remove_if` says the entry must go (an
    /// expired key): then it is removed and returned.
    #[inline]
    pub fn get_mut_unless<Q>(
        &mut self,
        key: &Q,
        remove_if: impl FnOnce(&V) -> bool,
    ) -> Lookup<'_, K, V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let Some(pos) = self.locate(self.hash(key), key) else {
            return Lookup::Absent;
        };
        if remove_if(self.entry(pos).1) {
            let (k, v) = self.take(pos);
            Lookup::Removed(k, v)
        } else {
            Lookup::Found(self.entry_mut(pos).1)
        }
    }

    /// Like [`get_or_insert_with`](Self::get_or_insert_with), but an entry for which
    /// `replace_if` holds (an expired key) is first dropped and replaced by `make()`, with
    /// one lookup. Returns the value, whether it was inserted, and the replaced value.
    pub fn get_or_insert_unless<Q>(
        &mut self,
        key: &Q,
        replace_if: impl FnOnce(&V) -> bool,
        make: impl FnOnce() -> (K, V),
    ) -> (&mut V, bool, Option<V>)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let h = self.hash(key);
        if let Some(pos) = self.locate(h, key) {
            if !replace_if(self.entry(pos).1) {
                return (self.entry_mut(pos).1, false, None);
            }
            let (_, v) = make();
            let old = mem::replace(self.entry_mut(pos).1, v);
            return (self.entry_mut(pos).1, true, Some(old));
        }
        let (k, v) = make();
        debug_assert!(
            k.borrow() == key,
            "get_or_insert_unless: make() returned another key"
        );
        let pos = self.insert_new(h, k, v);
        (self.entry_mut(pos).1, true, None)
    }

    /// Removes `key`; returns its value.
    #[inline]
    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.remove_entry(key).map(|(_, v)| v)
    }

    /// Removes `key`; returns its entry.
    pub fn remove_entry<Q>(&mut self, key: &Q) -> Option<(K, V)>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let pos = self.locate(self.hash(key), key)?;
        Some(self.take(pos))
    }

    /// Stores a key known to be absent, splitting as needed; returns where it went.
    fn insert_new(&mut self, h: u64, mut key: K, mut value: V) -> Pos {
        if self.segments.is_empty() {
            let mut first = Segment::new(0);
            first.saved = self.snap_epoch;
            self.segments.push(first);
            self.dir.push(0);
            self.global_depth = 0;
        }
        loop {
            let seg = self.dir[self.dir_index(h)] as usize;
            self.debug_check_saved(Pos::Slot {
                seg,
                bucket: 0,
                slot: 0,
            });
            let t = self.tick();
            match self.segments[seg].try_insert(h, key, value, t) {
                Ok((bucket, slot)) => {
                    self.len += 1;
                    return Pos::Slot { seg, bucket, slot };
                }
                Err((k, v)) => {
                    (key, value) = (k, v);
                    if !self.split(seg, h) {
                        self.debug_check_saved(Pos::Overflow(0));
                        self.overflow.push((key, value));
                        self.overflow_version = t;
                        self.len += 1;
                        return Pos::Overflow(self.overflow.len() - 1);
                    }
                }
            }
        }
    }

    /// Splits segment `seg`, which holds hash `h`; false when it can't be split.
    fn split(&mut self, seg: usize, h: u64) -> bool {
        let depth = self.segments[seg].depth;
        if depth >= MAX_DEPTH || self.segments.len() >= u32::MAX as usize {
            return false;
        }
        let t = self.tick();
        let hasher = &self.hasher;
        let Some(new) = self.segments[seg].split(|k| hasher.hash_one(k), t) else {
            return false;
        };
        if u32::from(depth) == self.global_depth {
            let old = mem::take(&mut self.dir);
            self.dir = Vec::with_capacity(old.len() * 2);
            for s in old {
                self.dir.extend([s, s]);
            }
            self.global_depth += 1;
        }
        let span = 1usize << (self.global_depth - u32::from(depth));
        let start = self.dir_index(h) & !(span - 1);
        let new_index = self.segments.len() as u32;
        self.dir[start + span / 2..start + span].fill(new_index);
        self.segments.push(new);
        true
    }

    /// Visits the entries of the next non-empty bucket from `cursor` (0 starts a walk);
    /// returns the cursor to continue from, 0 when the walk is complete. Every entry present
    /// for the whole walk is visited at least once, however the table grows in between; see
    /// the [module documentation](self) for how.
    ///
    /// Cursor layout (stable; callers may compress cursors with it): `(p << 6) | j` with
    /// `j < 60` a bucket index and `p < 2^58` a hash-space position whose low 26 bits are
    /// zero (segments are at most 32 bits deep), or `u64::MAX` for the last step (the
    /// overflow list). Any other value is accepted too (it restarts the segment it falls in).
    pub fn scan(&self, cursor: u64, mut f: impl FnMut(&K, &V)) -> u64 {
        if self.segments.is_empty() {
            return 0;
        }
        if cursor == OVERFLOW_CURSOR {
            for (k, v) in &self.overflow {
                f(k, v);
            }
            return 0;
        }
        let (mut p, mut j) = (cursor >> 6, (cursor & 63) as usize);
        for _ in 0..SCAN_MAX_BUCKETS {
            let (seg, lo, hi) = self.seg_at(p);
            if lo != p || j >= BUCKETS {
                (p, j) = (lo, 0);
            }
            let store = &self.segments[seg].store;
            let occupied = store.busy(j);
            for i in Bits(occupied) {
                let (k, v) = store.entry(j, i);
                f(k, v);
            }
            let visited = occupied != 0;
            match self.advance(p, j, hi) {
                Some((np, nj)) => (p, j) = (np, nj),
                None => return self.last_cursor(),
            }
            if visited {
                break;
            }
        }
        (p << 6) | j as u64
    }

    /// Like [`scan`](Self::scan), removing the entries for which `f` returns false.
    pub fn scan_retain(&mut self, cursor: u64, mut f: impl FnMut(&K, &mut V) -> bool) -> u64 {
        debug_assert!(
            self.snap_epoch == 0,
            "scan_retain writes anywhere: not while a snapshot runs"
        );
        if self.segments.is_empty() {
            return 0;
        }
        if cursor == OVERFLOW_CURSOR {
            self.overflow_version = self.tick();
            let mut i = 0;
            while i < self.overflow.len() {
                let (k, v) = &mut self.overflow[i];
                if f(k, v) {
                    i += 1;
                } else {
                    let e = self.overflow.swap_remove(i);
                    self.len -= 1;
                    drop(e);
                }
            }
            return 0;
        }
        let (mut p, mut j) = (cursor >> 6, (cursor & 63) as usize);
        for _ in 0..SCAN_MAX_BUCKETS {
            let (seg, lo, hi) = self.seg_at(p);
            if lo != p || j >= BUCKETS {
                (p, j) = (lo, 0);
            }
            let occupied = self.segments[seg].store.busy(j);
            if occupied != 0 {
                let t = self.tick();
                let segment = &mut self.segments[seg];
                segment.store.set_version(j, t);
                for i in Bits(occupied) {
                    let (k, v) = segment.store.entry_mut(j, i);
                    if !f(k, v) {
                        let e = segment.take(j, i, t);
                        self.len -= 1;
                        drop(e);
                    }
                }
            }
            match self.advance(p, j, hi) {
                Some((np, nj)) => (p, j) = (np, nj),
                None => return self.last_cursor(),
            }
            if occupied != 0 {
                break;
            }
        }
        (p << 6) | j as u64
    }

    /// The walk position after bucket `j` of the segment `[p, hi)`; `None` past the end.
    #[inline]
    fn advance(&self, p: u64, j: usize, hi: u64) -> Option<(u64, usize)> {
        if j + 1 < BUCKETS {
            Some((p, j + 1))
        } else if hi < POS_END {
            Some((hi, 0))
        } else {
            None
        }
    }

    /// The cursor after the last segment.
    #[inline]
    fn last_cursor(&self) -> u64 {
        if self.overflow.is_empty() {
            0
        } else {
            OVERFLOW_CURSOR
        }
    }

    /// Some entry chosen with `seed`, roughly uniformly (a random slot of a random segment,
    /// then the first occupied slot from there on); `None` when empty.
    pub fn random_entry(&self, seed: u64) -> Option<(&K, &V)> {
        if self.len == 0 {
            return None;
        }
        let r = splitmix64(seed);
        let in_segments = self.len - self.overflow.len();
        if !self.overflow.is_empty() {
            let r2 = splitmix64(r);
            if in_segments == 0 || (r2 % self.len as u64) < self.overflow.len() as u64 {
                let (k, v) = &self.overflow[(r2 >> 32) as usize % self.overflow.len()];
                return Some((k, v));
            }
        }
        let mut idx = self.dir_index(r);
        let start = ((u64::from(r as u32) * SEG_SLOTS as u64) >> 32) as usize;
        let (mut b, mut s) = (start / SLOTS, start % SLOTS);
        // Every segment is looked at, at most twice over: some holds an entry.
        for _ in 0..=self.segments.len() {
            let seg = &self.segments[self.dir[idx] as usize];
            if seg.len > 0 {
                for bucket in b..BUCKETS {
                    let m = seg.store.busy(bucket) & (u16::MAX << s);
                    if m != 0 {
                        return Some(seg.store.entry(bucket, m.trailing_zeros() as usize));
                    }
                    s = 0;
                }
            }
            (b, s) = (0, 0);
            let span = 1usize << (self.global_depth - u32::from(seg.depth));
            idx = ((idx & !(span - 1)) + span) & (self.dir.len() - 1);
        }
        unreachable!("dashtable: len is {} but no entry was found", self.len)
    }

    /// Keeps only the entries for which `f` returns true.
    pub fn retain(&mut self, mut f: impl FnMut(&K, &mut V) -> bool) {
        let mut cursor = 0;
        loop {
            cursor = self.scan_retain(cursor, &mut f);
            if cursor == 0 {
                break;
            }
        }
    }
}

impl<K: fmt::Debug, V: fmt::Debug, S> fmt::Debug for DashTable<K, V, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// A 64-bit mixer (splitmix64's finaliser).
#[inline]
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests;

/// What [`DashTable::get_mut_unless`] found.
pub enum Lookup<'a, K, V> {
    /// The live value.
    Found(&'a mut V),
    /// The entry was there but had to go; here it is.
    Removed(K, V),
    /// No entry.
    Absent,
}
