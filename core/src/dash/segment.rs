//! A segment: [`STASH`] stash buckets then [`REGULAR`] regular buckets of [`SLOTS`] slots, a
//! small hash table that never grows; when it cannot take an entry, the table splits it.
//!
//! Placement of an entry with hash `h`: its home is the regular bucket `home(h)` (from bits
//! 8..40 of the hash). It goes there if there is room, else into its neighbour (the
//! previous regular bucket; the first regular bucket has none), else into the first stash
//! bucket with room; the home bucket then gets the matching flag (`NEIGHBOUR_FLAG`,
//! `STASH_FLAG`). Flags are cleared only when the segment is split (then recomputed), so
//! they may over-approximate but never miss. A lookup reads the home bucket's metadata, and
//! the neighbour's and the stash's only when flagged, comparing fingerprints (the low byte
//! of the hash) before keys.
//!
//! **Entries only ever move to a higher bucket index**: inserts and removals move nothing; a
//! split moves entries to the new segment at the very same (bucket, slot), then *unloads*
//! both halves, moving displaced entries (in the neighbour, or in the stash, which comes
//! first) toward their home buckets where room has appeared. The scan cursor relies on
//! this (see the table's documentation).

use super::store::{Bits, Store, NEIGHBOUR_FLAG, STASH_FLAG};
pub(super) use super::store::{BUCKETS, REGULAR, SLOTS, STASH};
use core::borrow::Borrow;

/// Slots of a segment.
pub(super) const SEG_SLOTS: usize = BUCKETS * SLOTS;

/// The fingerprint of hash `h`.
#[inline]
pub(super) fn fingerprint(h: u64) -> u8 {
    h as u8
}

/// The home bucket of hash `h` (in `STASH..BUCKETS`), from bits 8..40 (the directory uses
/// the top bits).
#[inline]
pub(super) fn home(h: u64) -> usize {
    STASH + ((u64::from((h >> 8) as u32) * REGULAR as u64) >> 32) as usize
}

/// The neighbour of regular bucket `b`: the previous one, if regular.
#[inline]
fn neighbour(b: usize) -> Option<usize> {
    if b > STASH {
        Some(b - 1)
    } else {
        None
    }
}

/// One segment.
pub(super) struct Segment<K, V> {
    pub(super) store: Store<K, V>,
    /// Entries held.
    pub(super) len: u32,
    /// The number of top hash bits shared by every entry of this segment.
    pub(super) depth: u8,
    /// The snapshot epoch in which this segment's entries were last serialised (0: never);
    /// see the table's `# Snapshots` documentation.
    pub(super) saved: u64,
}

impl<K, V> Segment<K, V> {
    /// An empty segment of local depth `depth`.
    pub(super) fn new(depth: u8) -> Self {
        Segment {
            store: Store::new(),
            len: 0,
            depth,
            saved: 0,
        }
    }

    /// The (bucket, slot) holding `key`, whose hash is `h`, with its entry.
    #[inline]
    pub(super) fn find<Q>(&self, h: u64, key: &Q) -> Option<(usize, usize, (&K, &V))>
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        let fp = fingerprint(h);
        let b = home(h);
        if let Some((i, e)) = self.store.find(b, fp, |k| k.borrow() == key) {
            return Some((b, i, e));
        }
        let flags = self.store.flags(b);
        if flags == 0 {
            return None;
        }
        self.find_displaced(b, flags, fp, key)
    }

    /// The rest of [`find`](Self::find): the neighbour and stash of home `b`.
    #[cold]
    fn find_displaced<Q>(
        &self,
        b: usize,
        flags: u16,
        fp: u8,
        key: &Q,
    ) -> Option<(usize, usize, (&K, &V))>
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        let mut candidates = (0..STASH).filter(|_| flags & STASH_FLAG != 0);
        let neighbour = (flags & NEIGHBOUR_FLAG != 0).then(|| b - 1);
        neighbour.into_iter().chain(&mut candidates).find_map(|c| {
            let (i, e) = self.store.find(c, fp, |k| k.borrow() == key)?;
            Some((c, i, e))
        })
    }

    /// Stores a new entry (absent from the segment) with hash `h`, stamping the bucket with
    /// `stamp`; gives the entry back when the segment has no room for it.
    #[inline]
    pub(super) fn try_insert(
        &mut self,
        h: u64,
        key: K,
        value: V,
        stamp: u64,
    ) -> Result<(usize, usize), (K, V)> {
        let fp = fingerprint(h);
        let b = home(h);
        if let Some(i) = self.store.first_free(b) {
            self.place(b, i, fp, key, value, stamp);
            return Ok((b, i));
        }
        if let Some(n) = neighbour(b) {
            if let Some(i) = self.store.first_free(n) {
                self.place(n, i, fp, key, value, stamp);
                self.store.add_flags(b, NEIGHBOUR_FLAG);
                return Ok((n, i));
            }
        }
        for k in 0..STASH {
            let s = (b + k) % STASH;
            if let Some(i) = self.store.first_free(s) {
                self.place(s, i, fp, key, value, stamp);
                self.store.add_flags(b, STASH_FLAG);
                return Ok((s, i));
            }
        }
        Err((key, value))
    }

    #[inline]
    fn place(&mut self, b: usize, i: usize, fp: u8, key: K, value: V, stamp: u64) {
        self.store.put(b, i, fp, key, value);
        self.store.set_version(b, stamp);
        self.len += 1;
    }

    /// Removes the entry at (bucket `b`, slot `i`).
    #[inline]
    pub(super) fn take(&mut self, b: usize, i: usize, stamp: u64) -> (K, V) {
        let e = self.store.take(b, i);
        self.store.set_version(b, stamp);
        self.len -= 1;
        e
    }

    /// Moves the entry at (`from`, `i`) to a free slot of `to` (> `from`), if any.
    fn shift(&mut self, from: usize, i: usize, to: usize, stamp: u64) -> Option<usize> {
        debug_assert!(to > from, "entries only move forward");
        let j = self.store.first_free(to)?;
        let fp = self.store.fp(from, i);
        let (k, v) = self.store.take(from, i);
        self.store.put(to, j, fp, k, v);
        self.store.set_version(from, stamp);
        self.store.set_version(to, stamp);
        Some(j)
    }

    /// Splits the segment by hash bit `63 - depth`: the entries with that bit set move to the
    /// returned segment, each to the same (bucket, slot) it had here, both segments get local
    /// depth `depth + 1`, and each is unloaded (displaced entries moved home where there is
    /// room, flags recomputed). Returns `None`, changing nothing, when every entry is on the
    /// same side (only a degenerate hash function does that to a full segment).
    pub(super) fn split(&mut self, hash: impl Fn(&K) -> u64, stamp: u64) -> Option<Self> {
        let bit = 63 - u32::from(self.depth);
        let mut moving = [0u16; BUCKETS];
        // Per regular bucket, the slots holding an entry homed in the next bucket.
        let mut displaced = [0u16; BUCKETS];
        // Per stash slot, the home of its entry.
        let mut stash_home = [[0u8; SLOTS]; STASH];
        let mut count = 0u32;
        // First pass: hash everything (user code; it may panic, nothing has changed yet).
        for b in 0..BUCKETS {
            for i in Bits(self.store.busy(b)) {
                let h = hash(self.store.entry(b, i).0);
                if (h >> bit) & 1 == 1 {
                    moving[b] |= 1 << i;
                    count += 1;
                }
                let hb = home(h);
                if b < STASH {
                    stash_home[b][i] = hb as u8;
                } else if hb != b {
                    displaced[b] |= 1 << i;
                }
            }
        }
        if count == 0 || count == self.len {
            return None;
        }
        let mut new = Segment::new(self.depth + 1);
        // Both halves hold only entries this one held: saved if it was.
        new.saved = self.saved;
        self.depth += 1;
        for (b, &m) in moving.iter().enumerate() {
            new.store.set_version(b, self.store.version(b));
            for i in Bits(m) {
                let fp = self.store.fp(b, i);
                let (k, v) = self.store.take(b, i);
                new.store.put(b, i, fp, k, v);
                self.store.set_version(b, stamp);
                new.store.set_version(b, stamp);
            }
        }
        new.len = count;
        self.len -= count;
        let mut new_displaced = [0u16; BUCKETS];
        for (b, d) in displaced.iter_mut().enumerate() {
            new_displaced[b] = *d & moving[b];
            *d &= !moving[b];
        }
        self.unload(&mut displaced, &stash_home, stamp);
        new.unload(&mut new_displaced, &stash_home, stamp);
        Some(new)
    }

    /// Moves displaced entries toward home where there is room, then recomputes the flags.
    /// `displaced` marks the neighbour-placed entries of this segment, `stash_home` gives the
    /// home of each stash entry.
    fn unload(
        &mut self,
        displaced: &mut [u16; BUCKETS],
        stash_home: &[[u8; SLOTS]; STASH],
        stamp: u64,
    ) {
        // Neighbour-placed entries: home is the next bucket. Last bucket first, as moving
        // entries out of a bucket makes room for those whose home it is.
        for (b, d) in displaced
            .iter_mut()
            .enumerate()
            .take(BUCKETS - 1)
            .skip(STASH)
            .rev()
        {
            for i in Bits(*d) {
                if self.shift(b, i, b + 1, stamp).is_some() {
                    *d &= !(1 << i);
                }
            }
        }
        self.store.clear_flags();
        // Stash entries: to their home, else its neighbour, else they stay.
        for (s, homes) in stash_home.iter().enumerate() {
            for i in Bits(self.store.busy(s)) {
                let hb = usize::from(homes[i]);
                if self.shift(s, i, hb, stamp).is_some() {
                    continue;
                }
                if let Some(n) = neighbour(hb) {
                    if let Some(j) = self.shift(s, i, n, stamp) {
                        displaced[n] |= 1 << j;
                        continue;
                    }
                }
                self.store.add_flags(hb, STASH_FLAG);
            }
        }
        for (b, &d) in displaced.iter().enumerate().take(BUCKETS - 1).skip(STASH) {
            if d != 0 {
                self.store.add_flags(b + 1, NEIGHBOUR_FLAG);
            }
        }
    }
}

#[cfg(test)]
impl<K, V> Segment<K, V> {
    /// Asserts the placement invariants: every entry sits in its home bucket, in its
    /// neighbour with the home flagged, or in the stash with the home flagged; fingerprints
    /// match; `len` is right.
    pub(super) fn check(&self, hash: impl Fn(&K) -> u64) {
        let mut n = 0;
        for b in 0..BUCKETS {
            for i in Bits(self.store.busy(b)) {
                n += 1;
                let h = hash(self.store.entry(b, i).0);
                assert_eq!(self.store.fp(b, i), fingerprint(h), "fingerprint");
                let hb = home(h);
                if b == hb {
                    continue;
                }
                if b >= STASH {
                    assert_eq!(Some(b), neighbour(hb), "entry in bucket {b}, home {hb}");
                    assert!(
                        self.store.flags(hb) & NEIGHBOUR_FLAG != 0,
                        "neighbour not flagged"
                    );
                } else {
                    assert!(self.store.flags(hb) & STASH_FLAG != 0, "stash not flagged");
                }
            }
        }
        assert_eq!(n, self.len, "segment len");
    }
}
