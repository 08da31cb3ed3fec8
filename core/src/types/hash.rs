//! The hash type, in Redis 7.0's two encodings.
//!
//! * `listpack`: every field and value in one contiguous byte buffer, as
//!   `varint(len) bytes` entries, field then value, in insertion order (Redis's listpack
//!   keeps that order too, so HGETALL of a small hash answers exactly as Redis does). A
//!   hash is a listpack while it has at most `hash-max-listpack-entries` fields and no field
//!   or value longer than `hash-max-listpack-value` bytes. Lookups are linear, as in Redis;
//!   the buffer grows exactly (no doubling slack), as Redis reallocates its listpacks.
//! * `hashtable`: a chained hash table whose nodes live in one vector (fields and values
//!   as [`CompactBytes`], inline up to 22 bytes) and whose buckets are `u32` node indices,
//!   so a node costs 56 bytes and a bucket 4 (Redis: a 24-byte `dictEntry`, two sds headers
//!   and allocations, and an 8-byte bucket). The bucket count is a power of two and a field
//!   stays in bucket `hash & mask`, so HSCAN uses Redis's reverse-binary cursor
//!   (`dictScan`): a full iteration returns every field present throughout, however the
//!   table grows or shrinks between calls.
//!
//! A hash never goes back from `hashtable` to `listpack`, as in Redis.

use crate::value::CompactBytes;
use alloc::vec::Vec;
use core::hash::BuildHasher;
use foldhash::fast::FixedState;

/// A hash value.
#[derive(Clone, Debug, PartialEq)]
pub struct Hash {
    repr: Repr,
}

/// The table is boxed so that a small hash (the common case: millions of them) costs
/// only its listpack's 32 bytes plus the buffer, not the size of the big encoding.
#[derive(Clone, Debug, PartialEq)]
enum Repr {
    Listpack(Listpack),
    Table(alloc::boxed::Box<Table>),
}

impl Default for Hash {
    fn default() -> Self {
        Hash::new()
    }
}

impl Hash {
    /// An empty hash, `listpack`-encoded.
    pub fn new() -> Hash {
        Hash {
            repr: Repr::Listpack(Listpack::default()),
        }
    }

    /// The name OBJECT ENCODING replies with.
    pub fn encoding(&self) -> &'static str {
        match self.repr {
            Repr::Listpack(_) => "listpack",
            Repr::Table(_) => "hashtable",
        }
    }

    /// True while the hash is `listpack`-encoded.
    pub fn is_listpack(&self) -> bool {
        matches!(self.repr, Repr::Listpack(_))
    }

    /// Heap bytes owned by the value (MEMORY USAGE, INFO).
    pub fn memory_usage(&self) -> usize {
        match &self.repr {
            Repr::Listpack(l) => l.buf.capacity(),
            Repr::Table(t) => core::mem::size_of::<Table>() + t.memory_usage(),
        }
    }

    /// The number of fields.
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Listpack(l) => l.len as usize,
            Repr::Table(t) => t.len,
        }
    }

    /// True when the hash has no field.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value of `field`.
    pub fn get(&self, field: &[u8]) -> Option<&[u8]> {
        match &self.repr {
            Repr::Listpack(l) => l.find(field).map(|p| &l.buf[p.value.clone()]),
            Repr::Table(t) => t.get(field),
        }
    }

    /// True when `field` exists.
    pub fn contains(&self, field: &[u8]) -> bool {
        self.get(field).is_some()
    }

    /// Converts to `hashtable` (Redis's `hashTypeConvert`); nothing when already one.
    pub fn convert(&mut self) {
        if let Repr::Listpack(l) = &self.repr {
            let mut t = Table::with_capacity(l.len as usize);
            for (f, v) in l.iter() {
                t.insert(f, v);
            }
            self.repr = Repr::Table(alloc::boxed::Box::new(t));
        }
    }

    /// Redis's `hashTypeTryConversion`: converts a listpack to a hashtable when one of
    /// `items` (the fields and values about to be written) is longer than `max_value`.
    pub fn convert_for<'a>(&mut self, items: impl IntoIterator<Item = &'a [u8]>, max_value: u64) {
        if self.is_listpack() && items.into_iter().any(|b| b.len() as u64 > max_value) {
            self.convert();
        }
    }

    /// Redis's `hashTypeSet`: sets `field` to `value`, converting to a hashtable first when
    /// either is longer than `max_value` and afterwards when the hash has more than
    /// `max_entries` fields; true when the field is new.
    pub fn set(&mut self, field: &[u8], value: &[u8], max_entries: u64, max_value: u64) -> bool {
        self.convert_for([field, value], max_value);
        let created = match &mut self.repr {
            Repr::Listpack(l) => l.set(field, value),
            Repr::Table(t) => t.insert(field, value),
        };
        if created && self.is_listpack() && self.len() as u64 > max_entries {
            self.convert();
        }
        created
    }

    /// Removes `field`; true when it was there.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        match &mut self.repr {
            Repr::Listpack(l) => l.remove(field),
            Repr::Table(t) => t.remove(field),
        }
    }

    /// Every (field, value), in listpack order or hash table order.
    pub fn iter(&self) -> Iter<'_> {
        match &self.repr {
            Repr::Listpack(l) => Iter::Listpack(l.iter()),
            Repr::Table(t) => Iter::Table(t.nodes.iter()),
        }
    }

    /// A (field, value) chosen uniformly at random from `r`; `None` when empty.
    pub fn random(&self, r: u64) -> Option<(&[u8], &[u8])> {
        match &self.repr {
            Repr::Listpack(l) => {
                if l.len == 0 {
                    return None;
                }
                l.iter().nth((r % l.len as u64) as usize)
            }
            Repr::Table(t) => t.random(r),
        }
    }

    /// One HSCAN step from `cursor`: calls `f` for the pairs visited and returns the next
    /// cursor (0 at the end). A listpack is visited whole and answers 0, as Redis does; a
    /// hashtable visits one bucket (Redis's `dictScan`).
    pub fn scan_step<'a>(&'a self, cursor: u64, mut f: impl FnMut(&'a [u8], &'a [u8])) -> u64 {
        match &self.repr {
            Repr::Listpack(l) => {
                for (k, v) in l.iter() {
                    f(k, v);
                }
                0
            }
            Repr::Table(t) => t.scan(cursor, f),
        }
    }
}

/// The iterator of [`Hash::iter`].
pub enum Iter<'a> {
    /// Over a listpack.
    Listpack(LpIter<'a>),
    /// Over the nodes of a hash table.
    Table(core::slice::Iter<'a, Option<Node>>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a [u8], &'a [u8]);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Iter::Listpack(i) => i.next(),
            Iter::Table(i) => i
                .by_ref()
                .flatten()
                .next()
                .map(|n| (n.key.as_bytes(), n.val.as_bytes())),
        }
    }
}

// ---------------------------------------------------------------------------------------
// listpack
// ---------------------------------------------------------------------------------------

/// Fields and values as `varint(len) bytes` entries in one buffer.
#[derive(Clone, Debug, PartialEq, Default)]
struct Listpack {
    buf: Vec<u8>,
    len: u32,
}

/// Where a pair is in the buffer.
struct LpPos {
    /// The pair's first byte.
    start: usize,
    /// The value's bytes.
    value: core::ops::Range<usize>,
    /// The value entry's first byte (its length prefix).
    value_entry: usize,
}

#[inline]
fn write_varint(out: &mut Vec<u8>, mut n: usize) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

#[inline]
fn varint_len(mut n: usize) -> usize {
    let mut l = 1;
    while n >= 0x80 {
        n >>= 7;
        l += 1;
    }
    l
}

/// Reads an entry at `pos`: its bytes and the position after it.
#[inline]
fn read_entry(buf: &[u8], mut pos: usize) -> (core::ops::Range<usize>, usize) {
    let mut n = 0usize;
    let mut shift = 0;
    loop {
        let b = buf[pos];
        pos += 1;
        n |= ((b & 0x7f) as usize) << shift;
        if b & 0x80 == 0 {
            break;
        }
        shift += 7;
    }
    (pos..pos + n, pos + n)
}

/// The iterator over a listpack's pairs.
pub struct LpIter<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Iterator for LpIter<'a> {
    type Item = (&'a [u8], &'a [u8]);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.buf.len() {
            return None;
        }
        let (f, p) = read_entry(self.buf, self.pos);
        let (v, p) = read_entry(self.buf, p);
        self.pos = p;
        Some((&self.buf[f], &self.buf[v]))
    }
}

impl Listpack {
    fn iter(&self) -> LpIter<'_> {
        LpIter {
            buf: &self.buf,
            pos: 0,
        }
    }

    fn find(&self, field: &[u8]) -> Option<LpPos> {
        let mut pos = 0;
        while pos < self.buf.len() {
            let (f, p) = read_entry(&self.buf, pos);
            let (v, next) = read_entry(&self.buf, p);
            if &self.buf[f] == field {
                return Some(LpPos {
                    start: pos,
                    value: v,
                    value_entry: p,
                });
            }
            pos = next;
        }
        None
    }

    /// Sets a field; true when it is new.
    fn set(&mut self, field: &[u8], value: &[u8]) -> bool {
        match self.find(field) {
            Some(p) => {
                if p.value.len() == value.len() {
                    self.buf[p.value].copy_from_slice(value);
                } else {
                    let mut entry = Vec::with_capacity(varint_len(value.len()) + value.len());
                    write_varint(&mut entry, value.len());
                    entry.extend_from_slice(value);
                    self.buf.splice(p.value_entry..p.value.end, entry);
                    self.buf.shrink_to_fit();
                }
                false
            }
            None => {
                let add =
                    varint_len(field.len()) + field.len() + varint_len(value.len()) + value.len();
                self.buf.reserve_exact(add);
                write_varint(&mut self.buf, field.len());
                self.buf.extend_from_slice(field);
                write_varint(&mut self.buf, value.len());
                self.buf.extend_from_slice(value);
                self.len += 1;
                true
            }
        }
    }

    fn remove(&mut self, field: &[u8]) -> bool {
        match self.find(field) {
            Some(p) => {
                self.buf.drain(p.start..p.value.end);
                self.buf.shrink_to_fit();
                self.len -= 1;
                true
            }
            None => false,
        }
    }
}

// ---------------------------------------------------------------------------------------
// hashtable
// ---------------------------------------------------------------------------------------

/// No node.
const NIL: u32 = u32::MAX;
/// The smallest bucket count (Redis's `DICT_HT_INITIAL_SIZE`).
const MIN_BUCKETS: usize = 4;
/// The hash function's seed (fixed: the single host must be deterministic).
const SEED: u64 = 0x6861_7368_5f74_626c;

/// One field of a hash table.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    key: CompactBytes,
    val: CompactBytes,
    next: u32,
}

/// A chained hash table; nodes in one vector, buckets as node indices.
#[derive(Clone, Debug)]
struct Table {
    /// The first node of each bucket; a power-of-two count.
    heads: Vec<u32>,
    /// Nodes; `None` for a free slot (listed in `free`).
    nodes: Vec<Option<Node>>,
    free: Vec<u32>,
    len: usize,
}

impl PartialEq for Table {
    fn eq(&self, o: &Self) -> bool {
        self.len == o.len
            && self
                .nodes
                .iter()
                .flatten()
                .all(|n| o.get(n.key.as_bytes()) == Some(n.val.as_bytes()))
    }
}

#[inline]
fn hash_of(b: &[u8]) -> u64 {
    FixedState::with_seed(SEED).hash_one(b)
}

impl Table {
    fn with_capacity(n: usize) -> Table {
        let buckets = n.next_power_of_two().max(MIN_BUCKETS);
        Table {
            heads: alloc::vec![NIL; buckets],
            nodes: Vec::with_capacity(n),
            free: Vec::new(),
            len: 0,
        }
    }

    fn memory_usage(&self) -> usize {
        self.heads.capacity() * 4
            + self.nodes.capacity() * core::mem::size_of::<Option<Node>>()
            + self.free.capacity() * 4
            + self
                .nodes
                .iter()
                .flatten()
                .map(|n| n.key.heap_size() + n.val.heap_size())
                .sum::<usize>()
    }

    #[inline]
    fn mask(&self) -> u64 {
        self.heads.len() as u64 - 1
    }

    #[inline]
    fn node(&self, i: u32) -> &Node {
        self.nodes[i as usize].as_ref().expect("a live node")
    }

    /// The index of the node holding `key`, and its bucket.
    fn find(&self, key: &[u8]) -> (Option<u32>, usize) {
        let b = (hash_of(key) & self.mask()) as usize;
        let mut i = self.heads[b];
        while i != NIL {
            let n = self.node(i);
            if n.key.as_bytes() == key {
                return (Some(i), b);
            }
            i = n.next;
        }
        (None, b)
    }

    fn get(&self, key: &[u8]) -> Option<&[u8]> {
        self.find(key).0.map(|i| self.node(i).val.as_bytes())
    }

    /// Inserts or replaces; true when new.
    fn insert(&mut self, key: &[u8], val: &[u8]) -> bool {
        let (found, b) = self.find(key);
        if let Some(i) = found {
            self.nodes[i as usize].as_mut().expect("live").val = CompactBytes::new(val);
            return false;
        }
        let node = Node {
            key: CompactBytes::new(key),
            val: CompactBytes::new(val),
            next: self.heads[b],
        };
        let i = match self.free.pop() {
            Some(i) => {
                self.nodes[i as usize] = Some(node);
                i
            }
            None => {
                self.nodes.push(Some(node));
                (self.nodes.len() - 1) as u32
            }
        };
        self.heads[b] = i;
        self.len += 1;
        if self.len > self.heads.len() {
            self.rebuild(self.heads.len() * 2);
        }
        true
    }

    fn remove(&mut self, key: &[u8]) -> bool {
        let b = (hash_of(key) & self.mask()) as usize;
        let mut prev = NIL;
        let mut i = self.heads[b];
        while i != NIL {
            let next = self.node(i).next;
            if self.node(i).key.as_bytes() == key {
                if prev == NIL {
                    self.heads[b] = next;
                } else {
                    self.nodes[prev as usize].as_mut().expect("live").next = next;
                }
                self.nodes[i as usize] = None;
                self.free.push(i);
                self.len -= 1;
                // Shrink as Redis's cron does below 10% fill, and give back free slots.
                let buckets = self.heads.len();
                if buckets > MIN_BUCKETS && self.len * 10 < buckets {
                    self.rebuild(self.len.next_power_of_two().max(MIN_BUCKETS));
                } else if self.free.len() > 16 && self.free.len() > self.len {
                    self.rebuild(buckets);
                }
                return true;
            }
            prev = i;
            i = next;
        }
        false
    }

    /// Compacts the nodes and relinks them into `buckets` buckets.
    fn rebuild(&mut self, buckets: usize) {
        let mut nodes: Vec<Option<Node>> = Vec::with_capacity(self.len);
        nodes.extend(self.nodes.drain(..).filter(|n| n.is_some()));
        self.nodes = nodes;
        self.free = Vec::new();
        self.heads = alloc::vec![NIL; buckets];
        let mask = self.mask();
        for (i, n) in self.nodes.iter_mut().enumerate() {
            let n = n.as_mut().expect("compacted");
            let b = (hash_of(n.key.as_bytes()) & mask) as usize;
            n.next = self.heads[b];
            self.heads[b] = i as u32;
        }
    }

    fn random(&self, mut r: u64) -> Option<(&[u8], &[u8])> {
        if self.len == 0 {
            return None;
        }
        // Free slots are at most about half the vector (see `remove`): a few tries.
        loop {
            if let Some(n) = &self.nodes[(r % self.nodes.len() as u64) as usize] {
                return Some((n.key.as_bytes(), n.val.as_bytes()));
            }
            r = r
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407)
                .rotate_right(17);
        }
    }

    /// Redis's `dictScan` over one table: visits bucket `cursor & mask`, returns the next
    /// cursor in reverse-binary order.
    fn scan<'a>(&'a self, cursor: u64, mut f: impl FnMut(&'a [u8], &'a [u8])) -> u64 {
        let mask = self.mask();
        let mut i = self.heads[(cursor & mask) as usize];
        while i != NIL {
            let n = self.node(i);
            f(n.key.as_bytes(), n.val.as_bytes());
            i = n.next;
        }
        let mut v = cursor | !mask;
        v = v.reverse_bits();
        v = v.wrapping_add(1);
        v.reverse_bits()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_hash_is_small() {
        // Value::Hash boxes a Hash: a listpack hash is this plus its buffer.
        assert!(core::mem::size_of::<Hash>() <= 32);
    }
    use alloc::collections::BTreeMap;
    use alloc::format;
    use alloc::vec;

    fn fields(h: &Hash) -> Vec<(Vec<u8>, Vec<u8>)> {
        h.iter().map(|(f, v)| (f.to_vec(), v.to_vec())).collect()
    }

    #[test]
    fn layout_stays_compact() {
        // A hashtable node: two 24-byte strings (inline up to 22 bytes) and a link.
        assert!(core::mem::size_of::<Option<Node>>() <= 56);
        // A listpack pair of short strings costs its bytes plus one length byte each.
        let mut h = Hash::new();
        h.set(b"field", b"value", 128, 64);
        assert_eq!(h.memory_usage(), 12);
    }

    #[test]
    fn listpack_keeps_insertion_order() {
        let mut h = Hash::new();
        assert!(h.set(b"b", b"1", 128, 64));
        assert!(h.set(b"a", b"2", 128, 64));
        assert!(!h.set(b"b", b"three", 128, 64));
        assert!(h.set(b"", b"", 128, 64));
        assert_eq!(h.encoding(), "listpack");
        assert_eq!(
            fields(&h),
            vec![
                (b"b".to_vec(), b"three".to_vec()),
                (b"a".to_vec(), b"2".to_vec()),
                (vec![], vec![])
            ]
        );
        assert_eq!(h.get(b"a"), Some(&b"2"[..]));
        assert!(h.remove(b"b"));
        assert!(!h.remove(b"b"));
        assert_eq!(h.len(), 2);
        assert_eq!(h.get(b"b"), None);
        assert_eq!(h.get(b""), Some(&b""[..]));
    }

    #[test]
    fn converts_at_the_thresholds() {
        let mut h = Hash::new();
        for i in 0..4 {
            h.set(format!("f{i}").as_bytes(), b"v", 4, 8);
        }
        assert_eq!(h.encoding(), "listpack");
        h.set(b"f4", b"v", 4, 8);
        assert_eq!(h.encoding(), "hashtable");
        assert_eq!(h.len(), 5);

        let mut h = Hash::new();
        h.set(b"f", &[b'x'; 8], 4, 8);
        assert_eq!(h.encoding(), "listpack");
        h.set(b"f", &[b'x'; 9], 4, 8);
        assert_eq!(h.encoding(), "hashtable");
        assert_eq!(h.get(b"f").map(|v| v.len()), Some(9));

        let mut h = Hash::new();
        h.convert_for([&b"short"[..], &[b'y'; 9][..]], 8);
        assert_eq!(h.encoding(), "hashtable");
    }

    #[test]
    fn long_entries_use_multibyte_lengths() {
        let mut h = Hash::new();
        let long = vec![b'z'; 300];
        h.set(&long, &long, 128, 1000);
        h.set(b"x", b"y", 128, 1000);
        assert_eq!(h.get(&long), Some(&long[..]));
        h.set(&long, b"short", 128, 1000);
        assert_eq!(h.get(&long), Some(&b"short"[..]));
        assert_eq!(h.get(b"x"), Some(&b"y"[..]));
    }

    #[test]
    fn table_matches_a_model() {
        let mut h = Hash::new();
        h.convert();
        let mut model = BTreeMap::new();
        let mut r: u64 = 7;
        for step in 0..20000u64 {
            r ^= r << 13;
            r ^= r >> 7;
            r ^= r << 17;
            let k = format!("k{}", r % 3000).into_bytes();
            if step % 3 == 0 {
                assert_eq!(h.remove(&k), model.remove(&k).is_some());
            } else {
                let v = format!("v{step}").into_bytes();
                assert_eq!(h.set(&k, &v, 0, 0), model.insert(k.clone(), v).is_none());
            }
            assert_eq!(h.len(), model.len());
        }
        for (k, v) in &model {
            assert_eq!(h.get(k), Some(&v[..]));
        }
        let mut all = fields(&h);
        all.sort();
        assert_eq!(all, model.into_iter().collect::<Vec<_>>());
    }

    #[test]
    fn scan_returns_everything_across_resizes() {
        let mut h = Hash::new();
        h.convert();
        for i in 0..100 {
            h.set(format!("f{i}").as_bytes(), b"v", 0, 0);
        }
        let mut seen = alloc::collections::BTreeSet::new();
        let mut cursor = 0;
        let mut calls = 0;
        loop {
            cursor = h.scan_step(cursor, |f, _| {
                seen.insert(f.to_vec());
            });
            calls += 1;
            // Grow and shrink mid-walk; fields f0..f49 stay throughout.
            if calls == 10 {
                for i in 100..1000 {
                    h.set(format!("f{i}").as_bytes(), b"v", 0, 0);
                }
            }
            if calls == 40 {
                for i in 50..1000 {
                    h.remove(format!("f{i}").as_bytes());
                }
            }
            if cursor == 0 {
                break;
            }
        }
        for i in 0..50 {
            assert!(seen.contains(format!("f{i}").as_bytes()), "f{i} missing");
        }
    }

    #[test]
    fn random_picks_existing_fields() {
        for convert in [false, true] {
            let mut h = Hash::new();
            if convert {
                h.convert();
            }
            assert!(h.random(1).is_none());
            for i in 0..50 {
                h.set(format!("f{i}").as_bytes(), b"v", 1000, 1000);
            }
            for i in 0..49 {
                h.remove(format!("f{i}").as_bytes());
            }
            for r in 0..100 {
                assert_eq!(h.random(r).map(|p| p.0), Some(&b"f49"[..]));
            }
        }
    }
}
