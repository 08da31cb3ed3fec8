//! The storage of one segment: its slots, their fingerprints and busy bitmaps, per-bucket
//! flags and version stamps.
//!
//! This is the only module of the dashtable that uses `unsafe`. The invariant it keeps is
//! simple and local: **slot `i` of bucket `b` is initialised exactly when bit `i` of bucket
//! `b`'s busy bitmap is set.** Every method that reads or drops a slot checks that bit first
//! (a real `assert!`, not a debug one) or, in `find`, only visits bits taken from the busy
//! bitmap, so the safe API below is sound whatever its callers do: misuse panics, it never
//! reads uninitialised memory or drops twice. The only other `unsafe` is the SSE2
//! fingerprint comparison (intrinsics that touch no memory).
//!
//! Layout: the metadata of all [`BUCKETS`] buckets sits in one small block (a 16-byte
//! [`Meta`] per bucket, then a `u64` version per bucket), the entries in another
//! (`BUCKETS × SLOTS` slots of `(K, V)`, no per-slot overhead). A lookup thus reads the
//! 16 bytes of its home bucket's metadata (the neighbour's are next to them), then the one
//! slot whose fingerprint matches. Per bucket of 14 slots: 16 + 8 bytes of metadata, i.e.
//! 1.7 bytes per slot.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::mem::MaybeUninit;

/// Slots per bucket.
pub(super) const SLOTS: usize = 14;
/// Stash buckets per segment: buckets `0..STASH`.
pub(super) const STASH: usize = 4;
/// Regular buckets per segment: buckets `STASH..BUCKETS`.
pub(super) const REGULAR: usize = 56;
/// All buckets of a segment.
pub(super) const BUCKETS: usize = STASH + REGULAR;

/// The busy bits of a bitmap.
const SLOT_MASK: u16 = (1 << SLOTS) - 1;
/// Flag of a regular bucket: its neighbour (the previous bucket) may hold entries homed here.
pub(super) const NEIGHBOUR_FLAG: u16 = 1 << 14;
/// Flag of a regular bucket: the stash may hold entries homed here.
pub(super) const STASH_FLAG: u16 = 1 << 15;
/// Both flags.
pub(super) const FLAGS: u16 = NEIGHBOUR_FLAG | STASH_FLAG;

/// The set bits of a bitmap, lowest first.
#[derive(Clone, Copy)]
pub(super) struct Bits(pub(super) u16);

impl Iterator for Bits {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        if self.0 == 0 {
            None
        } else {
            let i = self.0.trailing_zeros() as usize;
            self.0 &= self.0 - 1;
            Some(i)
        }
    }
}

/// A bucket's metadata in two words: bytes 0..14 are the fingerprints of its slots, bytes
/// 14..16 a `u16` of busy bits (0..14) and flags (14, 15).
#[derive(Clone, Copy, Default)]
#[repr(C, align(16))]
struct Meta {
    lo: u64,
    hi: u64,
}

const ONES: u64 = 0x0101_0101_0101_0101;
const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;

/// One bit per zero byte of `x` (bit `i` for byte `i`), exactly.
#[inline]
fn zero_bytes(x: u64) -> u64 {
    // 0x80 in each zero byte, 0 elsewhere: no carry crosses bytes ((x & 0x7f) + 0x7f <= 0xfe).
    let z = !(((x & LOW7).wrapping_add(LOW7)) | x | LOW7);
    // Gathers the eight 0x80 bits into the top byte.
    z.wrapping_mul(0x0002_0408_1020_4081) >> 56
}

impl Meta {
    #[inline]
    fn bits(self) -> u16 {
        (self.hi >> 48) as u16
    }

    #[inline]
    fn set_bits(&mut self, bits: u16) {
        self.hi = (self.hi & !(0xffff << 48)) | u64::from(bits) << 48;
    }

    #[inline]
    fn busy(self) -> u16 {
        self.bits() & SLOT_MASK
    }

    #[inline]
    fn fp(self, i: usize) -> u8 {
        let w = if i < 8 { self.lo } else { self.hi };
        (w >> (8 * (i % 8))) as u8
    }

    #[inline]
    fn set_fp(&mut self, i: usize, fp: u8) {
        let w = if i < 8 { &mut self.lo } else { &mut self.hi };
        let shift = 8 * (i % 8);
        *w = (*w & !(0xff << shift)) | u64::from(fp) << shift;
    }

    /// The busy slots whose fingerprint is `fp`.
    #[inline]
    fn matches(self, fp: u8) -> u16 {
        self.equal_bytes(fp) & self.busy()
    }

    /// One bit per byte equal to `fp` (bit `i` for byte `i`, over all 16 bytes).
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    #[inline]
    fn equal_bytes(self, fp: u8) -> u16 {
        use core::arch::x86_64::{
            _mm_cmpeq_epi8, _mm_movemask_epi8, _mm_set1_epi8, _mm_set_epi64x,
        };
        // SAFETY: these intrinsics only need SSE2, which this code is compiled for (the cfg
        // above; SSE2 is part of the x86_64 baseline). They touch no memory.
        let m = unsafe {
            let v = _mm_set_epi64x(self.hi as i64, self.lo as i64);
            _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(fp as i8)))
        };
        m as u16
    }

    /// One bit per byte equal to `fp` (bit `i` for byte `i`, over all 16 bytes).
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    #[inline]
    fn equal_bytes(self, fp: u8) -> u16 {
        self.equal_bytes_swar(fp)
    }

    /// [`equal_bytes`](Self::equal_bytes) in portable code.
    #[inline]
    #[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2"), allow(dead_code))]
    fn equal_bytes_swar(self, fp: u8) -> u16 {
        let pat = u64::from(fp) * ONES;
        (zero_bytes(self.lo ^ pat) | zero_bytes(self.hi ^ pat) << 8) as u16
    }
}

/// Metadata of a segment's buckets.
struct MetaBlock {
    meta: [Meta; BUCKETS],
    versions: [u64; BUCKETS],
}

/// One row of slots.
type Row<K, V> = [MaybeUninit<(K, V)>; SLOTS];

/// The storage of one segment.
pub(super) struct Store<K, V> {
    meta: Box<MetaBlock>,
    slots: Box<[Row<K, V>; BUCKETS]>,
}

impl<K, V> Store<K, V> {
    /// Bytes allocated by one store.
    pub(super) const BYTES: usize =
        core::mem::size_of::<MetaBlock>() + core::mem::size_of::<[Row<K, V>; BUCKETS]>();

    /// Empty storage.
    pub(super) fn new() -> Self {
        let meta = Box::new(MetaBlock {
            meta: [Meta::default(); BUCKETS],
            versions: [0; BUCKETS],
        });
        let mut rows = Vec::with_capacity(BUCKETS);
        rows.resize_with(BUCKETS, || [const { MaybeUninit::uninit() }; SLOTS]);
        let slots = match rows.into_boxed_slice().try_into() {
            Ok(s) => s,
            Err(_) => unreachable!("BUCKETS rows were made"),
        };
        Store { meta, slots }
    }

    /// The busy bitmap of bucket `b`.
    #[inline]
    pub(super) fn busy(&self, b: usize) -> u16 {
        self.meta.meta[b].busy()
    }

    /// The flags of bucket `b`.
    #[inline]
    pub(super) fn flags(&self, b: usize) -> u16 {
        self.meta.meta[b].bits() & FLAGS
    }

    /// Sets `flags` (some of [`FLAGS`]) on bucket `b`.
    #[inline]
    pub(super) fn add_flags(&mut self, b: usize, flags: u16) {
        let m = &mut self.meta.meta[b];
        m.set_bits(m.bits() | (flags & FLAGS));
    }

    /// Clears the flags of every bucket.
    pub(super) fn clear_flags(&mut self) {
        for m in &mut self.meta.meta {
            m.set_bits(m.bits() & SLOT_MASK);
        }
    }

    /// The lowest free slot of bucket `b`, if any.
    #[inline]
    pub(super) fn first_free(&self, b: usize) -> Option<usize> {
        let free = !self.busy(b) & SLOT_MASK;
        if free == 0 {
            None
        } else {
            Some(free.trailing_zeros() as usize)
        }
    }

    /// The occupied slots of bucket `b` whose fingerprint is `fp`.
    #[inline]
    pub(super) fn matches(&self, b: usize, fp: u8) -> u16 {
        self.meta.meta[b].matches(fp)
    }

    /// The first occupied slot of bucket `b` with fingerprint `fp` whose key satisfies `eq`,
    /// with its entry.
    #[inline]
    pub(super) fn find(
        &self,
        b: usize,
        fp: u8,
        mut eq: impl FnMut(&K) -> bool,
    ) -> Option<(usize, (&K, &V))> {
        let row = &self.slots[b];
        for i in Bits(self.matches(b, fp)) {
            // SAFETY: `i` is a bit of `matches`, which is masked with bucket `b`'s busy
            // bitmap, so the slot is initialised; the shared borrow of `self` keeps it so.
            let (k, v) = unsafe { row[i].assume_init_ref() };
            if eq(k) {
                return Some((i, (k, v)));
            }
        }
        None
    }

    /// The fingerprint of occupied slot `i` of bucket `b`.
    #[inline]
    pub(super) fn fp(&self, b: usize, i: usize) -> u8 {
        self.check(b, i);
        self.meta.meta[b].fp(i)
    }

    /// The version stamp of bucket `b`.
    #[inline]
    pub(super) fn version(&self, b: usize) -> u64 {
        self.meta.versions[b]
    }

    /// Sets the version stamp of bucket `b`.
    #[inline]
    pub(super) fn set_version(&mut self, b: usize, v: u64) {
        self.meta.versions[b] = v;
    }

    /// Panics unless slot `i` of bucket `b` is occupied.
    #[inline]
    fn check(&self, b: usize, i: usize) {
        assert!(
            i < SLOTS && self.busy(b) & (1 << i) != 0,
            "dashtable: slot {b}.{i} is not occupied"
        );
    }

    /// The entry in occupied slot `i` of bucket `b`.
    #[inline]
    pub(super) fn entry(&self, b: usize, i: usize) -> (&K, &V) {
        self.check(b, i);
        // SAFETY: `check` asserted that the busy bit of (b, i) is set, so by the module
        // invariant the slot is initialised; the shared borrow of `self` keeps it so.
        let (k, v) = unsafe { self.slots[b][i].assume_init_ref() };
        (k, v)
    }

    /// The entry in occupied slot `i` of bucket `b`, the value mutable.
    #[inline]
    pub(super) fn entry_mut(&mut self, b: usize, i: usize) -> (&K, &mut V) {
        self.check(b, i);
        // SAFETY: as in `entry`: the busy bit is set, so the slot is initialised; the unique
        // borrow of `self` makes the mutable borrow exclusive.
        let (k, v) = unsafe { self.slots[b][i].assume_init_mut() };
        (&*k, v)
    }

    /// Stores an entry in free slot `i` of bucket `b`. Panics if the slot is occupied.
    #[inline]
    pub(super) fn put(&mut self, b: usize, i: usize, fp: u8, key: K, value: V) {
        assert!(
            i < SLOTS && self.busy(b) & (1 << i) == 0,
            "dashtable: slot {b}.{i} is occupied"
        );
        self.slots[b][i].write((key, value));
        let m = &mut self.meta.meta[b];
        m.set_fp(i, fp);
        m.set_bits(m.bits() | 1 << i);
    }

    /// Moves the entry out of occupied slot `i` of bucket `b`, freeing the slot.
    #[inline]
    pub(super) fn take(&mut self, b: usize, i: usize) -> (K, V) {
        self.check(b, i);
        let m = &mut self.meta.meta[b];
        m.set_bits(m.bits() & !(1 << i));
        // SAFETY: the slot was initialised (its busy bit was set, checked above); the bit is
        // now clear, so the value read out is never read or dropped through the slot again.
        unsafe { self.slots[b][i].assume_init_read() }
    }
}

impl<K, V> Drop for Store<K, V> {
    fn drop(&mut self) {
        for b in 0..BUCKETS {
            let m = &mut self.meta.meta[b];
            let occupied = m.busy();
            // Cleared first: should a destructor panic, the rest leak (safe) rather than
            // being dropped twice.
            m.set_bits(0);
            for i in Bits(occupied) {
                // SAFETY: the busy bit was set, so the slot is initialised; the bits are
                // already clear, so nothing reads or drops it again.
                unsafe { self.slots[b][i].assume_init_drop() };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::rc::Rc;
    use alloc::string::String;
    use core::cell::Cell;
    use proptest::prelude::*;

    struct Counted(Rc<Cell<usize>>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }

    #[test]
    fn put_take_drop() {
        let drops = Rc::new(Cell::new(0));
        let mut s: Store<String, Counted> = Store::new();
        for b in [0, 7, BUCKETS - 1] {
            assert_eq!(s.first_free(b), Some(0));
            for i in 0..SLOTS {
                s.put(
                    b,
                    i,
                    (b + i) as u8,
                    alloc::format!("k{b}.{i}"),
                    Counted(drops.clone()),
                );
            }
            assert_eq!(s.first_free(b), None);
            assert_eq!(s.busy(b), SLOT_MASK);
        }
        s.add_flags(7, STASH_FLAG);
        assert_eq!(s.flags(7), STASH_FLAG);
        assert_eq!(s.busy(7), SLOT_MASK, "flags are not busy bits");
        assert_eq!(s.matches(7, 10), 1 << 3);
        assert_eq!(s.entry(7, 5).0, "k7.5");
        let (k, v) = s.take(7, 5);
        assert_eq!(k, "k7.5");
        drop(v);
        assert_eq!(drops.get(), 1);
        assert_eq!(s.matches(7, 12), 0);
        assert_eq!(s.first_free(7), Some(5));
        s.put(7, 5, 200, String::from("again"), Counted(drops.clone()));
        assert_eq!(s.fp(7, 5), 200);
        s.clear_flags();
        assert_eq!(s.flags(7), 0);
        assert_eq!(s.busy(7), SLOT_MASK);
        s.set_version(3, 99);
        assert_eq!(s.version(3), 99);
        drop(s);
        assert_eq!(drops.get(), 1 + 3 * SLOTS);
    }

    #[test]
    #[should_panic(expected = "not occupied")]
    fn take_free_slot_panics() {
        let mut s: Store<u8, u8> = Store::new();
        s.take(0, 0);
    }

    #[test]
    #[should_panic(expected = "is occupied")]
    fn put_twice_panics() {
        let mut s: Store<u8, u8> = Store::new();
        s.put(1, 1, 0, 1, 1);
        s.put(1, 1, 0, 2, 2);
    }

    #[test]
    #[should_panic(expected = "not occupied")]
    fn slot_out_of_range_panics() {
        let s: Store<u8, u8> = Store::new();
        s.entry(0, SLOTS);
    }

    proptest! {
        #[test]
        fn matches_is_exact(fps in proptest::array::uniform14(any::<u8>()), bits in any::<u16>(), fp in any::<u8>()) {
            let mut m = Meta::default();
            for (i, &f) in fps.iter().enumerate() {
                m.set_fp(i, f);
            }
            m.set_bits(bits);
            let mut want = 0u16;
            for (i, &f) in fps.iter().enumerate() {
                prop_assert_eq!(m.fp(i), f);
                want |= u16::from(f == fp) << i;
            }
            prop_assert_eq!(m.bits(), bits);
            prop_assert_eq!(m.matches(fp), want & bits & SLOT_MASK);
            let [b0, b1] = bits.to_le_bytes();
            want |= u16::from(b0 == fp) << 14 | u16::from(b1 == fp) << 15;
            prop_assert_eq!(m.equal_bytes(fp), want);
            prop_assert_eq!(m.equal_bytes_swar(fp), want);
        }
    }
}
