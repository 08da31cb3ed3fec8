//! The set type, with Redis 7.0's two encodings (as OBJECT ENCODING names them) in three
//! forms.
//!
//! * `intset` ([`IntSet`]): every member is a canonical 64-bit integer (Redis's
//!   `string2ll`) and there are at most `set-max-intset-entries` of them. The members are
//!   kept sorted, packed little-endian at the smallest width of 2, 4 or 8 bytes that holds
//!   them all (Redis's `intset.c`: the width only grows), in one exact-size allocation with
//!   the width in its first byte: a set of 100 small integers costs 201 bytes. Iteration is
//!   in ascending order, as in Redis (SMEMBERS of an intset replies sorted).
//! * `hashtable`, small ([`Packed`]): a set that is not all integers, of at most
//!   [`PACKED_MAX_ENTRIES`] members of at most [`PACKED_MAX_VALUE`] bytes, lives in one
//!   exact-size allocation (a count byte, then a length byte and the bytes of each member);
//!   lookups scan it. `{a, b, c}` costs 7 bytes where Redis spends about 170 (a dict, its
//!   bucket array, a dictEntry and an sds per member). Redis 7.0 has no such encoding, so
//!   OBJECT ENCODING says `hashtable`, as Redis does for the same set.
//! * `hashtable` ([`Table`]): beyond that. The members live in one dense vector of
//!   [`CompactBytes`] (24 bytes each, inline up to 22 bytes, so no allocation per member for
//!   short ones) and a `hashbrown` table of 4-byte indices into it finds them: about 35
//!   bytes a short member, against about 48 in Redis's dict. The dense vector gives O(1)
//!   random members (SPOP, SRANDMEMBER) and a SSCAN cursor that survives growth: the walk
//!   goes from the top index down (see [`Table::scan`]). The sorted set's big encoding
//!   keeps its nodes in the same table, for ZSCAN.
//!
//! A set starts as an intset when its first member is an integer; it leaves it when a
//! non-integer member is added or when it grows past `set-max-intset-entries` (to the
//! packed form when everything fits it, else a table), and never goes back (as in Redis
//! 7.0); a packed set becomes a table past its limits and never goes back either.

use crate::value::CompactBytes;
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;
use core::hash::BuildHasher;
use foldhash::fast::FixedState;
use hashbrown::HashTable;

/// One member, as stored: an integer of an intset or the bytes of a hashtable member.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Elem<'a> {
    /// An intset member.
    Int(i64),
    /// A hashtable member.
    Bytes(&'a [u8]),
}

impl Elem<'_> {
    /// Calls `f` with the member's bytes (integers formatted on the stack).
    #[inline]
    pub fn with_bytes<R>(self, f: impl FnOnce(&[u8]) -> R) -> R {
        match self {
            Elem::Int(n) => {
                let mut b = itoa::Buffer::new();
                f(b.format(n).as_bytes())
            }
            Elem::Bytes(b) => f(b),
        }
    }

    /// The member's bytes as an owned vector.
    pub fn to_vec(self) -> Vec<u8> {
        self.with_bytes(|b| b.to_vec())
    }
}

// ---------------------------------------------------------------------------------------
// intset
// ---------------------------------------------------------------------------------------

/// Sorted integers packed at one width (2, 4 or 8 bytes, little-endian), in one
/// exact-size allocation: the width in the first byte, then the members (no allocation at
/// all when empty). 16 bytes inline.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct IntSet {
    data: Box<[u8]>,
}

/// The smallest width that holds `v`.
#[inline]
fn width_for(v: i64) -> u8 {
    if v >= i16::MIN as i64 && v <= i16::MAX as i64 {
        2
    } else if v >= i32::MIN as i64 && v <= i32::MAX as i64 {
        4
    } else {
        8
    }
}

#[inline]
fn put(out: &mut [u8], w: u8, v: i64) {
    match w {
        2 => out.copy_from_slice(&(v as i16).to_le_bytes()),
        4 => out.copy_from_slice(&(v as i32).to_le_bytes()),
        _ => out.copy_from_slice(&v.to_le_bytes()),
    }
}

impl IntSet {
    /// The packed members.
    #[inline]
    fn payload(&self) -> &[u8] {
        self.data.get(1..).unwrap_or(&[])
    }

    /// The number of members.
    #[inline]
    pub fn len(&self) -> usize {
        self.payload().len() / self.width() as usize
    }

    /// True when empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.payload().is_empty()
    }

    /// The width of one member in bytes (Redis's `encoding` field).
    #[inline]
    pub fn width(&self) -> u8 {
        self.data.first().copied().unwrap_or(2)
    }

    /// The member at position `i` (ascending order).
    #[inline]
    pub fn get(&self, i: usize) -> i64 {
        let w = self.width() as usize;
        let b = &self.payload()[i * w..i * w + w];
        match w {
            2 => i16::from_le_bytes([b[0], b[1]]) as i64,
            4 => i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as i64,
            _ => i64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]),
        }
    }

    /// The position of `v`, or where it would go.
    pub fn search(&self, v: i64) -> Result<usize, usize> {
        if width_for(v) > self.width() {
            // Outside the range of the current width: below or above every member.
            return Err(if v < 0 { 0 } else { self.len() });
        }
        let (mut lo, mut hi) = (0usize, self.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            let m = self.get(mid);
            if m == v {
                return Ok(mid);
            } else if m < v {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        Err(lo)
    }

    /// True when `v` is a member.
    #[inline]
    pub fn contains(&self, v: i64) -> bool {
        self.search(v).is_ok()
    }

    /// Adds `v`; false when it was there. One exact reallocation, as Redis's intset.
    pub fn insert(&mut self, v: i64) -> bool {
        let (n, old) = (self.len(), self.width());
        let need = width_for(v).max(old);
        let pos = if need > old {
            // Upgrade: every member is re-encoded; `v` goes first or last.
            if v < 0 {
                0
            } else {
                n
            }
        } else {
            match self.search(v) {
                Ok(_) => return false,
                Err(p) => p,
            }
        };
        let w = need as usize;
        let mut data = alloc::vec![0u8; 1 + (n + 1) * w].into_boxed_slice();
        data[0] = need;
        let body = &mut data[1..];
        if need == old {
            let src = self.payload();
            body[..pos * w].copy_from_slice(&src[..pos * w]);
            body[(pos + 1) * w..].copy_from_slice(&src[pos * w..]);
        } else {
            for i in 0..n {
                let at = if i < pos { i } else { i + 1 };
                put(&mut body[at * w..at * w + w], need, self.get(i));
            }
        }
        put(&mut body[pos * w..pos * w + w], need, v);
        self.data = data;
        true
    }

    /// Removes `v`; false when it was not there.
    pub fn remove(&mut self, v: i64) -> bool {
        match self.search(v) {
            Ok(pos) => {
                self.remove_at(pos);
                true
            }
            Err(_) => false,
        }
    }

    /// Removes and returns the member at position `i`.
    pub fn remove_at(&mut self, i: usize) -> i64 {
        let v = self.get(i);
        let w = self.width() as usize;
        let mut data = core::mem::take(&mut self.data).into_vec();
        data.drain(1 + i * w..1 + i * w + w);
        self.data = data.into_boxed_slice();
        v
    }

    /// The members in ascending order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = i64> + '_ {
        (0..self.len()).map(move |i| self.get(i))
    }

    /// Heap bytes.
    pub fn memory_usage(&self) -> usize {
        self.data.len()
    }
}

impl fmt::Debug for IntSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

// ---------------------------------------------------------------------------------------
// hashtable
// ---------------------------------------------------------------------------------------

const SEED: u64 = 0x005e_7a11_a5e7;

#[inline]
fn hash_of(b: &[u8]) -> u64 {
    FixedState::with_seed(SEED).hash_one(b)
}

/// What a [`Table`] holds: an entry found by a byte-string key (a set's member, or a
/// sorted set's treap node, which holds its member).
pub trait Keyed {
    /// The key. It must not change while the entry is in a table.
    fn key(&self) -> &[u8];
    /// Heap bytes the entry owns.
    fn heap_size(&self) -> usize;
}

impl Keyed for CompactBytes {
    #[inline]
    fn key(&self) -> &[u8] {
        self.as_bytes()
    }

    #[inline]
    fn heap_size(&self) -> usize {
        CompactBytes::heap_size(self)
    }
}

/// A hash set of entries with distinct keys: a dense vector of entries plus a `hashbrown`
/// table of 4-byte positions into it. A set keeps its members in one
/// (`Table<CompactBytes>`); the sorted set's big encoding keeps its treap nodes in one
/// (the members are stored once, in the nodes; the treap links are positions).
///
/// An entry's position changes only on a removal, and only for the last entry, which
/// moves into the hole (see [`Table::remove_at`]); new entries go on top. That is what
/// makes [`Table::scan`] stable.
#[derive(Clone)]
pub struct Table<T = CompactBytes> {
    entries: Vec<T>,
    index: HashTable<u32>,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Table {
            entries: Vec::new(),
            index: HashTable::new(),
        }
    }
}

impl<T: Keyed> Table<T> {
    /// An empty table with room for `n` entries.
    pub fn with_capacity(n: usize) -> Self {
        Table {
            entries: Vec::with_capacity(n),
            index: HashTable::with_capacity(n),
        }
    }

    /// The number of entries.
    #[inline]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The dense position of the entry with key `k`.
    #[inline]
    pub fn position(&self, k: &[u8]) -> Option<usize> {
        let entries = &self.entries;
        self.index
            .find(hash_of(k), |&i| entries[i as usize].key() == k)
            .map(|&i| i as usize)
    }

    /// True when an entry has key `k`.
    #[inline]
    pub fn contains(&self, k: &[u8]) -> bool {
        self.position(k).is_some()
    }

    /// Adds the entry `make()` (whose key must be `k`) on top when no entry has key `k`;
    /// its position, or `None` when the key was there.
    pub fn insert_with(&mut self, k: &[u8], make: impl FnOnce() -> T) -> Option<usize> {
        let entries = &self.entries;
        let i = entries.len();
        match self.index.entry(
            hash_of(k),
            |&j| entries[j as usize].key() == k,
            |&j| hash_of(entries[j as usize].key()),
        ) {
            hashbrown::hash_table::Entry::Occupied(_) => None,
            hashbrown::hash_table::Entry::Vacant(v) => {
                v.insert(i as u32);
                let e = make();
                debug_assert!(e.key() == k);
                self.entries.push(e);
                Some(i)
            }
        }
    }

    /// Removes the entry with key `k`; it, when it was there.
    pub fn remove(&mut self, k: &[u8]) -> Option<T> {
        let entries = &self.entries;
        let e = self
            .index
            .find_entry(hash_of(k), |&i| entries[i as usize].key() == k)
            .ok()?;
        let (i, _) = e.remove();
        Some(self.fill_hole(i as usize))
    }

    /// Removes and returns the entry at dense position `i`; the last entry (at `len() - 1`
    /// before the call) moves into position `i`.
    pub fn remove_at(&mut self, i: usize) -> T {
        let h = hash_of(self.entries[i].key());
        if let Ok(e) = self.index.find_entry(h, |&j| j as usize == i) {
            e.remove();
        }
        self.fill_hole(i)
    }

    /// Removes dense slot `i` (already gone from the index) by moving the last entry into
    /// it; the removed entry.
    fn fill_hole(&mut self, i: usize) -> T {
        let last = self.entries.len() - 1;
        let gone = self.entries.swap_remove(i);
        if i != last {
            let h = hash_of(self.entries[i].key());
            if let Some(slot) = self.index.find_mut(h, |&j| j as usize == last) {
                *slot = i as u32;
            }
        }
        // Give memory back when the table shrank a lot, as Redis's dict does.
        if self.entries.capacity() > 64 && self.entries.len() * 4 < self.entries.capacity() {
            self.entries.shrink_to(self.entries.len() * 2);
            let entries = &self.entries;
            self.index
                .shrink_to(entries.len() * 2, |&j| hash_of(entries[j as usize].key()));
        }
        gone
    }

    /// The key of the entry at dense position `i`.
    #[inline]
    pub fn at(&self, i: usize) -> &[u8] {
        self.entries[i].key()
    }

    /// The entry at dense position `i`.
    #[inline]
    pub fn get(&self, i: usize) -> &T {
        &self.entries[i]
    }

    /// The entry at dense position `i`, to change anything but its key.
    #[inline]
    pub fn get_mut(&mut self, i: usize) -> &mut T {
        &mut self.entries[i]
    }

    /// The keys, in dense order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &[u8]> + '_ {
        self.entries.iter().map(|e| e.key())
    }

    /// One SSCAN step: [`Table::scan_entries`] with the keys.
    pub fn scan(&self, cursor: u64, count: usize, mut f: impl FnMut(&[u8])) -> u64 {
        self.scan_entries(cursor, count, |e| f(e.key()))
    }

    /// One SSCAN (or ZSCAN) step. The walk visits dense positions from the top down; the
    /// cursor is the number of positions not yet visited (0 to start: all of them; 0 when
    /// done). A removal moves the last entry into the hole: an entry moves only from the
    /// top, into a lower slot, so an entry present for the whole walk that was not yet
    /// visited stays below the cursor (one already visited may be returned again, as Redis
    /// allows). New entries go on top, above the cursor; growing or shrinking the index
    /// moves nothing. Calls `f` for up to `count` positions; returns the next cursor.
    pub fn scan_entries<'a>(&'a self, cursor: u64, count: usize, mut f: impl FnMut(&'a T)) -> u64 {
        let len = self.entries.len() as u64;
        let mut k = if cursor == 0 { len } else { cursor.min(len) };
        let mut n = 0;
        while k > 0 && n < count {
            k -= 1;
            f(&self.entries[k as usize]);
            n += 1;
        }
        k
    }

    /// Heap bytes.
    pub fn memory_usage(&self) -> usize {
        self.entries.capacity() * core::mem::size_of::<T>()
            + self.entries.iter().map(|e| e.heap_size()).sum::<usize>()
            + self.index.allocation_size()
    }
}

impl Table {
    /// Adds member `m`; false when it was there.
    #[inline]
    pub fn insert(&mut self, m: &[u8]) -> bool {
        self.insert_with(m, || CompactBytes::new(m)).is_some()
    }
}

impl PartialEq for Table {
    fn eq(&self, o: &Self) -> bool {
        self.len() == o.len() && self.iter().all(|m| o.contains(m))
    }
}

impl fmt::Debug for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.entries.iter()).finish()
    }
}

// ---------------------------------------------------------------------------------------
// Set
// ---------------------------------------------------------------------------------------

/// Small sets of strings: at most this many members...
pub const PACKED_MAX_ENTRIES: usize = 32;
/// ...of at most this many bytes each, live packed (Anax's own limits; Redis 7.0 keeps
/// such sets in a hashtable, and so does OBJECT ENCODING report them).
pub const PACKED_MAX_VALUE: usize = 64;

/// A small set of strings, packed in one exact-size allocation: each member is one length
/// byte and its bytes, in insertion order; the member count first. Lookups scan it (at
/// most [`PACKED_MAX_ENTRIES`] members). OBJECT ENCODING says `hashtable`, as Redis 7.0
/// does for any set that is not all integers, and SSCAN returns it whole (as Redis does
/// for a small hashtable with the default COUNT).
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Packed {
    data: Box<[u8]>,
}

impl Packed {
    /// The number of members.
    #[inline]
    pub fn len(&self) -> usize {
        self.data.first().copied().unwrap_or(0) as usize
    }

    /// True when empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when a member of `m.len()` bytes fits the packed form with one more member.
    #[inline]
    pub fn fits(&self, m: &[u8]) -> bool {
        m.len() <= PACKED_MAX_VALUE && self.len() < PACKED_MAX_ENTRIES
    }

    /// The members with their byte offsets.
    fn entries(&self) -> PackedIter<'_> {
        PackedIter {
            data: &self.data,
            at: 1,
        }
    }

    /// The members, in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.entries().map(|(_, m)| m)
    }

    fn find(&self, m: &[u8]) -> Option<usize> {
        self.entries().find(|(_, x)| *x == m).map(|(at, _)| at)
    }

    /// True when `m` is a member.
    #[inline]
    pub fn contains(&self, m: &[u8]) -> bool {
        self.find(m).is_some()
    }

    /// Appends `m`, which is not a member and [`fits`](Self::fits).
    fn push(&mut self, m: &[u8]) {
        let mut v = core::mem::take(&mut self.data).into_vec();
        if v.is_empty() {
            v.push(0);
        }
        v.reserve_exact(1 + m.len());
        v[0] += 1;
        v.push(m.len() as u8);
        v.extend_from_slice(m);
        self.data = v.into_boxed_slice();
    }

    /// Removes the member at byte offset `at`.
    fn cut(&mut self, at: usize) {
        let n = self.data[at] as usize;
        let mut v = core::mem::take(&mut self.data).into_vec();
        v.drain(at..at + 1 + n);
        v[0] -= 1;
        if v[0] == 0 {
            v.clear();
        }
        self.data = v.into_boxed_slice();
    }

    /// Removes `m`; false when it was not there.
    pub fn remove(&mut self, m: &[u8]) -> bool {
        match self.find(m) {
            Some(at) => {
                self.cut(at);
                true
            }
            None => false,
        }
    }

    /// The member at position `i`.
    pub fn at(&self, i: usize) -> &[u8] {
        self.iter().nth(i).expect("position in range")
    }

    /// Removes and returns the member at position `i`.
    pub fn remove_at(&mut self, i: usize) -> Vec<u8> {
        let (at, m) = self.entries().nth(i).expect("position in range");
        let m = m.to_vec();
        self.cut(at);
        m
    }

    /// Heap bytes.
    pub fn memory_usage(&self) -> usize {
        self.data.len()
    }
}

impl fmt::Debug for Packed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set()
            .entries(self.iter().map(alloc::string::String::from_utf8_lossy))
            .finish()
    }
}

/// The members of a [`Packed`] set with their byte offsets.
pub struct PackedIter<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Iterator for PackedIter<'a> {
    type Item = (usize, &'a [u8]);

    #[inline]
    fn next(&mut self) -> Option<(usize, &'a [u8])> {
        let at = self.at;
        let n = *self.data.get(at)? as usize;
        self.at = at + 1 + n;
        Some((at, &self.data[at + 1..at + 1 + n]))
    }
}

/// A set value.
#[derive(Clone, Debug, PartialEq)]
pub enum Set {
    /// `intset`.
    Ints(IntSet),
    /// `hashtable` (as Redis reports it), packed while small.
    Small(Packed),
    /// `hashtable`.
    Table(Box<Table>),
}

impl Default for Set {
    fn default() -> Self {
        Set::Ints(IntSet::default())
    }
}

/// The integer a member is stored as in an intset (Redis's `isSdsRepresentableAsLongLong`).
#[inline]
pub fn as_int(m: &[u8]) -> Option<i64> {
    crate::num::parse_canonical_i64(m)
}

impl Set {
    /// An empty set of the encoding Redis's `setTypeCreate` picks for a first member `m`.
    pub fn for_member(m: &[u8]) -> Set {
        if as_int(m).is_some() {
            Set::Ints(IntSet::default())
        } else {
            Set::Small(Packed::default())
        }
    }

    /// An empty intset (the start of SINTERSTORE's and friends' results, as in Redis).
    pub fn new() -> Set {
        Set::default()
    }

    /// The name OBJECT ENCODING replies with.
    pub fn encoding(&self) -> &'static str {
        match self {
            Set::Ints(_) => "intset",
            Set::Small(_) | Set::Table(_) => "hashtable",
        }
    }

    /// Heap bytes owned by the value (MEMORY USAGE, INFO).
    pub fn memory_usage(&self) -> usize {
        match self {
            Set::Ints(s) => s.memory_usage(),
            Set::Small(p) => p.memory_usage(),
            Set::Table(t) => core::mem::size_of::<Table>() + t.memory_usage(),
        }
    }

    /// The number of members.
    #[inline]
    pub fn len(&self) -> usize {
        match self {
            Set::Ints(s) => s.len(),
            Set::Small(p) => p.len(),
            Set::Table(t) => t.len(),
        }
    }

    /// True when empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when `m` is a member.
    pub fn contains(&self, m: &[u8]) -> bool {
        match self {
            Set::Ints(s) => as_int(m).is_some_and(|v| s.contains(v)),
            Set::Small(p) => p.contains(m),
            Set::Table(t) => t.contains(m),
        }
    }

    /// True when `e` is a member.
    pub fn contains_elem(&self, e: Elem<'_>) -> bool {
        match (self, e) {
            (Set::Ints(s), Elem::Int(v)) => s.contains(v),
            (_, e) => e.with_bytes(|b| self.contains(b)),
        }
    }

    /// Leaves the intset or packed form for a table with room for `extra` more members.
    fn convert_to_table(&mut self, extra: usize) {
        let mut t: Table = Table::with_capacity(self.len() + extra);
        for e in self.iter() {
            e.with_bytes(|b| t.insert(b));
        }
        *self = Set::Table(Box::new(t));
    }

    /// Converts an intset for a next member `m` (a non-integer, or one too many): to the
    /// packed form when everything fits it, else to a table.
    fn leave_intset(&mut self, m: &[u8]) {
        let Set::Ints(s) = self else { return };
        // Canonical integers are at most 20 bytes: they always fit a packed member.
        if s.len() < PACKED_MAX_ENTRIES && m.len() <= PACKED_MAX_VALUE {
            let mut p = Packed::default();
            for v in s.iter() {
                let mut b = itoa::Buffer::new();
                p.push(b.format(v).as_bytes());
            }
            *self = Set::Small(p);
        } else {
            self.convert_to_table(1);
        }
    }

    /// Adds `m` as Redis's `setTypeAdd`, converting an intset to a hashtable for a
    /// non-integer member or past `max_intset` members; false when it was there.
    pub fn add(&mut self, m: &[u8], max_intset: u64) -> bool {
        match self {
            Set::Ints(s) => match as_int(m) {
                Some(v) => {
                    if s.len() as u64 >= max_intset {
                        // One too many for an intset (when `v` is new).
                        if s.contains(v) {
                            return false;
                        }
                        self.leave_intset(m);
                        return self.add(m, max_intset);
                    }
                    s.insert(v)
                }
                None => {
                    self.leave_intset(m);
                    self.add(m, max_intset)
                }
            },
            Set::Small(p) => {
                if p.contains(m) {
                    return false;
                }
                if p.fits(m) {
                    p.push(m);
                } else {
                    self.convert_to_table(1);
                    if let Set::Table(t) = self {
                        t.insert(m);
                    }
                }
                true
            }
            Set::Table(t) => t.insert(m),
        }
    }

    /// Adds a member given as an [`Elem`].
    pub fn add_elem(&mut self, e: Elem<'_>, max_intset: u64) -> bool {
        match (&mut *self, e) {
            (Set::Ints(s), Elem::Int(v)) if (s.len() as u64) < max_intset => s.insert(v),
            (_, e) => e.with_bytes(|b| self.add(b, max_intset)),
        }
    }

    /// Removes `m`; false when it was not there.
    pub fn remove(&mut self, m: &[u8]) -> bool {
        match self {
            Set::Ints(s) => as_int(m).is_some_and(|v| s.remove(v)),
            Set::Small(p) => p.remove(m),
            Set::Table(t) => t.remove(m).is_some(),
        }
    }

    /// The member at position `i` (ascending for an intset, insertion order when packed,
    /// dense order for a table).
    #[inline]
    pub fn at(&self, i: usize) -> Elem<'_> {
        match self {
            Set::Ints(s) => Elem::Int(s.get(i)),
            Set::Small(p) => Elem::Bytes(p.at(i)),
            Set::Table(t) => Elem::Bytes(t.at(i)),
        }
    }

    /// Removes and returns the member at position `i`, as owned bytes.
    pub fn remove_at(&mut self, i: usize) -> Vec<u8> {
        match self {
            Set::Ints(s) => {
                let mut b = itoa::Buffer::new();
                b.format(s.remove_at(i)).as_bytes().to_vec()
            }
            Set::Small(p) => p.remove_at(i),
            Set::Table(t) => t.remove_at(i).as_bytes().to_vec(),
        }
    }

    /// The members: ascending for an intset.
    pub fn iter(&self) -> SetIter<'_> {
        match self {
            Set::Small(p) => SetIter::Packed(p.entries(), p.len()),
            _ => SetIter::At { set: self, i: 0 },
        }
    }
}

/// Iterator over a set's members.
pub enum SetIter<'a> {
    /// By position.
    At {
        /// The set.
        set: &'a Set,
        /// The next position.
        i: usize,
    },
    /// Through a packed set, with the members left.
    Packed(PackedIter<'a>, usize),
}

impl<'a> Iterator for SetIter<'a> {
    type Item = Elem<'a>;

    #[inline]
    fn next(&mut self) -> Option<Elem<'a>> {
        match self {
            SetIter::At { set, i } => {
                if *i >= set.len() {
                    return None;
                }
                let e = set.at(*i);
                *i += 1;
                Some(e)
            }
            SetIter::Packed(it, left) => {
                let (_, m) = it.next()?;
                *left -= 1;
                Some(Elem::Bytes(m))
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = match self {
            SetIter::At { set, i } => set.len() - *i,
            SetIter::Packed(_, left) => *left,
        };
        (n, Some(n))
    }
}

impl ExactSizeIterator for SetIter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::collections::BTreeSet;
    use alloc::vec;
    use proptest::prelude::*;

    #[test]
    fn intset_widths_upgrade_and_stay_sorted() {
        let mut s = IntSet::default();
        assert!(s.insert(5));
        assert!(s.insert(-3));
        assert!(!s.insert(5));
        assert_eq!(s.width(), 2);
        assert_eq!(s.memory_usage(), 5);
        assert_eq!(core::mem::size_of::<Set>(), 24);
        assert!(s.insert(70000));
        assert_eq!(s.width(), 4);
        assert!(s.insert(i64::MIN));
        assert_eq!(s.width(), 8);
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![i64::MIN, -3, 5, 70000]);
        assert!(s.contains(70000) && !s.contains(6));
        assert!(s.remove(-3));
        assert!(!s.remove(-3));
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![i64::MIN, 5, 70000]);
        // The width never shrinks (as Redis's intset).
        assert_eq!(s.width(), 8);
        // A value beyond the width is looked up without decoding.
        let mut t = IntSet::default();
        t.insert(1);
        assert_eq!(t.search(i64::MAX), Err(1));
        assert_eq!(t.search(i64::MIN), Err(0));
    }

    #[test]
    fn conversions_follow_redis() {
        let mut s = Set::for_member(b"1");
        assert_eq!(s.encoding(), "intset");
        for i in 0..3 {
            s.add(alloc::format!("{i}").as_bytes(), 3);
        }
        assert_eq!(s.encoding(), "intset");
        s.add(b"3", 3);
        assert_eq!(s.encoding(), "hashtable");
        s.remove(b"3");
        s.remove(b"2");
        assert_eq!(s.encoding(), "hashtable");
        let mut s = Set::for_member(b"1");
        s.add(b"1", 512);
        s.add(b"01", 512);
        assert_eq!(s.encoding(), "hashtable");
        assert!(s.contains(b"1") && s.contains(b"01") && !s.contains(b"+1"));
        assert_eq!(Set::for_member(b"-0").encoding(), "hashtable");
        assert_eq!(Set::for_member(b"a").encoding(), "hashtable");
    }

    #[test]
    fn small_string_sets_are_packed() {
        let mut s = Set::for_member(b"a");
        for m in [&b"a"[..], b"bb", b"", b"a"] {
            s.add(m, 512);
        }
        assert!(matches!(s, Set::Small(_)));
        assert_eq!(s.encoding(), "hashtable");
        assert_eq!(s.len(), 3);
        // Count byte, then (length, bytes) per member.
        assert_eq!(s.memory_usage(), 1 + 2 + 3 + 1);
        assert_eq!(
            s.iter().map(|e| e.to_vec()).collect::<Vec<_>>(),
            vec![b"a".to_vec(), b"bb".to_vec(), b"".to_vec()]
        );
        assert!(s.remove(b"bb") && !s.remove(b"bb"));
        assert_eq!(s.remove_at(1), b"".to_vec());
        assert!(s.contains(b"a") && s.len() == 1);
        // Past the packed limits: a table.
        for i in 0..PACKED_MAX_ENTRIES {
            s.add(alloc::format!("m{i}").as_bytes(), 512);
        }
        assert!(matches!(s, Set::Table(_)));
        let mut s = Set::for_member(b"a");
        s.add(b"a", 512);
        s.add(&[b'z'; PACKED_MAX_VALUE + 1], 512);
        assert!(matches!(s, Set::Table(_)));
        // An intset meeting a string: packed when it fits.
        let mut s = Set::new();
        s.add(b"1", 512);
        s.add(b"x", 512);
        assert!(matches!(s, Set::Small(_)));
        assert!(s.contains(b"1") && s.contains(b"x"));
        // An intset over its limit: packed too (still `hashtable` to OBJECT ENCODING).
        let mut s = Set::new();
        s.add(b"1", 1);
        s.add(b"2", 1);
        assert_eq!(s.encoding(), "hashtable");
    }

    #[test]
    fn table_scan_survives_removals_and_growth() {
        let mut t: Table = Table::default();
        for i in 0..100 {
            t.insert(alloc::format!("m{i}").as_bytes());
        }
        let mut seen = BTreeSet::new();
        let mut c = t.scan(0, 7, |m| {
            seen.insert(m.to_vec());
        });
        let mut round = 0;
        while c != 0 {
            // Remove a visited-or-not member and add new ones between calls.
            t.remove(alloc::format!("m{}", round * 3).as_bytes());
            t.insert(alloc::format!("new{round}").as_bytes());
            c = t.scan(c, 7, |m| {
                seen.insert(m.to_vec());
            });
            round += 1;
        }
        for i in 0..100 {
            let m = alloc::format!("m{i}");
            if t.contains(m.as_bytes()) {
                assert!(seen.contains(m.as_bytes()), "{m} missed");
            }
        }
    }

    proptest! {
        #[test]
        fn set_matches_a_model(ops in proptest::collection::vec((0u8..3, -40i64..40, any::<bool>()), 0..200), max in 0u64..20) {
            let mut s = Set::new();
            let mut model = BTreeSet::<Vec<u8>>::new();
            let mut ints_only = true;
            for (op, v, text) in ops {
                let m = if text && v == 38 { "y".repeat(100) } else if text { alloc::format!("x{v}") } else if v == 39 { alloc::format!("{}", i64::MAX - v) } else { alloc::format!("{}", v * 1000) };
                match op {
                    0 | 1 => {
                        if text { ints_only = false; }
                        prop_assert_eq!(s.add(m.as_bytes(), max), model.insert(m.clone().into_bytes()));
                        if !ints_only || model.len() as u64 > max { prop_assert_eq!(s.encoding(), "hashtable"); }
                    }
                    _ => { prop_assert_eq!(s.remove(m.as_bytes()), model.remove(m.as_bytes())); }
                }
                prop_assert_eq!(s.len(), model.len());
                prop_assert_eq!(s.contains(m.as_bytes()), model.contains(m.as_bytes()));
            }
            let got: BTreeSet<Vec<u8>> = s.iter().map(|e| e.to_vec()).collect();
            prop_assert_eq!(&got, &model);
            if let Set::Ints(i) = &s {
                let v: Vec<i64> = i.iter().collect();
                let mut sorted = v.clone();
                sorted.sort();
                prop_assert_eq!(v, sorted);
            }
            // Random removals by position keep the index consistent.
            while !s.is_empty() {
                let m = s.remove_at(s.len() / 2);
                prop_assert!(model.remove(&m));
                prop_assert!(!s.contains(&m));
                for x in &model { prop_assert!(s.contains(x)); }
            }
        }
    }
}
