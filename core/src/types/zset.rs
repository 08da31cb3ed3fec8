//! The sorted set type.
//!
//! Two encodings, as Redis's: `listpack` (small) is one `Vec` of (member, score) entries
//! sorted by (score, member), searched linearly for members as a listpack is; `skiplist`
//! (big) is an order-statistic treap keyed by (score, member) whose nodes carry subtree
//! sizes (rank, select and range bounds in O(log n)), plus a member -> score hash map for
//! ZSCORE. A small set converts to the big encoding when an added member makes it exceed
//! `zset-max-listpack-entries` or is longer than `zset-max-listpack-value`; it never
//! converts back (results of the store commands are built fresh and packed when they fit).

use crate::value::CompactBytes;
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::cmp::Ordering;
use core::hash::BuildHasher;
use hashbrown::HashTable;

/// Compares (score, member) pairs as Redis orders a sorted set.
#[inline]
pub fn cmp_entry(s1: f64, m1: &[u8], s2: f64, m2: &[u8]) -> Ordering {
    match s1.partial_cmp(&s2) {
        Some(Ordering::Equal) | None => m1.cmp(m2),
        Some(o) => o,
    }
}

/// A score as a listpack keeps it: Redis stores integral scores within +-2^62 as integers,
/// so `-0` reads back as `0`.
#[inline]
pub fn packed_score(s: f64) -> f64 {
    if s == 0.0 {
        0.0
    } else {
        s
    }
}

/// True when a listpack holds `s` as an integer (Redis's `double2ll`): ZSCAN prints it so.
#[inline]
pub fn packed_as_int(s: f64) -> Option<i64> {
    const LIM: f64 = 4611686018427387904.0;
    if (-LIM..=LIM).contains(&s) && s == (s as i64) as f64 {
        Some(s as i64)
    } else {
        None
    }
}

/// The small encoding: entries sorted by (score, member), packed one after the other in
/// one buffer as `score (8 bytes, little-endian f64) | member length (LEB128) | member`.
#[derive(Clone, Debug, Default, PartialEq)]
struct Packed {
    buf: Vec<u8>,
    n: u32,
}

/// An entry of a [`Packed`] buffer: its byte offset, score and member.
type PEntry<'a> = (usize, f64, &'a [u8]);

impl Packed {
    /// The entry at byte offset `off` and the offset of the next one.
    #[inline]
    fn at(&self, off: usize) -> (f64, &[u8], usize) {
        let b = &self.buf;
        let score = f64::from_le_bytes(b[off..off + 8].try_into().unwrap());
        let (mut len, mut shift, mut p) = (0usize, 0, off + 8);
        loop {
            let c = b[p];
            p += 1;
            len |= ((c & 0x7f) as usize) << shift;
            if c & 0x80 == 0 {
                break;
            }
            shift += 7;
        }
        (score, &b[p..p + len], p + len)
    }

    fn iter(&self) -> impl Iterator<Item = PEntry<'_>> + '_ {
        let mut off = 0;
        core::iter::from_fn(move || {
            if off >= self.buf.len() {
                return None;
            }
            let (s, m, next) = self.at(off);
            let e = (off, s, m);
            off = next;
            Some(e)
        })
    }

    /// The byte offset of entry `i` (`i == n`: the end).
    fn offset(&self, i: usize) -> usize {
        self.iter().nth(i).map_or(self.buf.len(), |e| e.0)
    }

    /// (index, offset, score) of member `m`.
    fn find(&self, m: &[u8]) -> Option<(usize, usize, f64)> {
        self.iter()
            .enumerate()
            .find(|(_, e)| e.2 == m)
            .map(|(i, e)| (i, e.0, e.1))
    }

    fn encode(score: f64, m: &[u8]) -> Vec<u8> {
        let mut v = Vec::with_capacity(8 + 5 + m.len());
        v.extend_from_slice(&packed_score(score).to_le_bytes());
        let mut len = m.len();
        loop {
            let c = (len & 0x7f) as u8;
            len >>= 7;
            if len == 0 {
                v.push(c);
                break;
            }
            v.push(c | 0x80);
        }
        v.extend_from_slice(m);
        v
    }

    /// Inserts a member that is not there at its place.
    fn insert(&mut self, m: &[u8], score: f64) {
        let at = self
            .iter()
            .find(|e| cmp_entry(e.1, e.2, score, m) != Ordering::Less)
            .map_or(self.buf.len(), |e| e.0);
        let bytes = Packed::encode(score, m);
        self.buf.splice(at..at, bytes);
        self.n += 1;
    }

    /// Removes entries `start..end` (indexes).
    fn remove_range(&mut self, start: usize, end: usize) {
        let (a, b) = (self.offset(start), self.offset(end));
        self.buf.drain(a..b);
        self.n -= (end - start) as u32;
        if self.buf.capacity() > 64 && self.buf.capacity() > self.buf.len() * 2 {
            self.buf.shrink_to_fit();
        }
    }
}

const NIL: u32 = u32::MAX;

#[derive(Clone, Debug)]
struct Node {
    member: CompactBytes,
    score: f64,
    left: u32,
    right: u32,
    size: u32,
    prio: u32,
}

/// The big encoding: an arena treap with subtree sizes, and a hash index from member to
/// node (each member is stored once, in its node).
#[derive(Clone)]
struct Big {
    nodes: Vec<Node>,
    free: Vec<u32>,
    root: u32,
    index: HashTable<u32>,
    hasher: foldhash::fast::FixedState,
    seed: u64,
}

impl core::fmt::Debug for Big {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Big")
            .field("len", &self.index.len())
            .finish()
    }
}

impl Big {
    fn new() -> Big {
        Big {
            nodes: Vec::new(),
            free: Vec::new(),
            root: NIL,
            index: HashTable::new(),
            hasher: foldhash::fast::FixedState::default(),
            seed: 0x9E37_79B9_7F4A_7C15,
        }
    }

    #[inline]
    fn len(&self) -> usize {
        self.index.len()
    }

    #[inline]
    fn hash(&self, m: &[u8]) -> u64 {
        self.hasher.hash_one(m)
    }

    /// The node holding `m`.
    fn find(&self, m: &[u8]) -> Option<u32> {
        let h = self.hash(m);
        self.index
            .find(h, |&i| self.nodes[i as usize].member.as_bytes() == m)
            .copied()
    }

    #[inline]
    fn size(&self, n: u32) -> usize {
        if n == NIL {
            0
        } else {
            self.nodes[n as usize].size as usize
        }
    }

    #[inline]
    fn update(&mut self, n: u32) {
        let (l, r) = (self.nodes[n as usize].left, self.nodes[n as usize].right);
        self.nodes[n as usize].size = (self.size(l) + self.size(r) + 1) as u32;
    }

    fn rand(&mut self) -> u32 {
        self.seed ^= self.seed << 13;
        self.seed ^= self.seed >> 7;
        self.seed ^= self.seed << 17;
        (self.seed >> 32) as u32
    }

    /// Splits `t` into (entries before (score, member), the rest).
    fn split(&mut self, t: u32, score: f64, member: &[u8]) -> (u32, u32) {
        if t == NIL {
            return (NIL, NIL);
        }
        let n = &self.nodes[t as usize];
        if cmp_entry(n.score, n.member.as_bytes(), score, member) == Ordering::Less {
            let (a, b) = self.split(n.right, score, member);
            self.nodes[t as usize].right = a;
            self.update(t);
            (t, b)
        } else {
            let (a, b) = self.split(n.left, score, member);
            self.nodes[t as usize].left = b;
            self.update(t);
            (a, t)
        }
    }

    fn merge(&mut self, a: u32, b: u32) -> u32 {
        if a == NIL {
            return b;
        }
        if b == NIL {
            return a;
        }
        if self.nodes[a as usize].prio > self.nodes[b as usize].prio {
            let r = self.nodes[a as usize].right;
            let m = self.merge(r, b);
            self.nodes[a as usize].right = m;
            self.update(a);
            a
        } else {
            let l = self.nodes[b as usize].left;
            let m = self.merge(a, l);
            self.nodes[b as usize].left = m;
            self.update(b);
            b
        }
    }

    /// Links the detached node `id` into the tree at its (score, member) place.
    fn attach(&mut self, id: u32) {
        let n = &mut self.nodes[id as usize];
        n.left = NIL;
        n.right = NIL;
        n.size = 1;
        let (s, m) = (n.score, n.member.clone());
        let (a, b) = self.split(self.root, s, m.as_bytes());
        let left = self.merge(a, id);
        self.root = self.merge(left, b);
    }

    /// Unlinks the node holding (score, member) from the tree; its id.
    fn detach(&mut self, member: &[u8], score: f64) -> u32 {
        let (a, b) = self.split(self.root, score, member);
        // `b` starts with the node itself: take its leftmost node off.
        let (b, id) = self.remove_first(b);
        self.root = self.merge(a, b);
        id
    }

    fn remove_first(&mut self, t: u32) -> (u32, u32) {
        let l = self.nodes[t as usize].left;
        if l == NIL {
            return (self.nodes[t as usize].right, t);
        }
        let (nl, id) = self.remove_first(l);
        self.nodes[t as usize].left = nl;
        self.update(t);
        (t, id)
    }

    /// Adds a member that is not there.
    fn insert_new(&mut self, member: &[u8], score: f64) {
        let prio = self.rand();
        let node = Node {
            member: CompactBytes::new(member),
            score,
            left: NIL,
            right: NIL,
            size: 1,
            prio,
        };
        let id = match self.free.pop() {
            Some(i) => {
                self.nodes[i as usize] = node;
                i
            }
            None => {
                self.nodes.push(node);
                (self.nodes.len() - 1) as u32
            }
        };
        self.attach(id);
        let h = self.hash(member);
        let Big {
            nodes,
            index,
            hasher,
            ..
        } = self;
        index.insert_unique(h, id, |&i| {
            hasher.hash_one(nodes[i as usize].member.as_bytes())
        });
    }

    /// Changes the score of the member in node `id`.
    fn rescore(&mut self, id: u32, score: f64) {
        let (m, old) = {
            let n = &self.nodes[id as usize];
            (n.member.clone(), n.score)
        };
        let got = self.detach(m.as_bytes(), old);
        debug_assert_eq!(got, id);
        self.nodes[id as usize].score = score;
        self.attach(id);
    }

    /// Removes `m`; its score.
    fn remove(&mut self, m: &[u8]) -> Option<f64> {
        let h = self.hash(m);
        let Big { nodes, index, .. } = self;
        let entry = index
            .find_entry(h, |&i| nodes[i as usize].member.as_bytes() == m)
            .ok()?;
        let (id, _) = entry.remove();
        let score = self.nodes[id as usize].score;
        let got = self.detach(m, score);
        debug_assert_eq!(got, id);
        self.nodes[id as usize].member = CompactBytes::new(b"");
        self.free.push(id);
        if self.index.is_empty() {
            self.nodes = Vec::new();
            self.free = Vec::new();
        }
        Some(score)
    }

    fn select(&self, mut i: usize) -> &Node {
        let mut t = self.root;
        loop {
            let n = &self.nodes[t as usize];
            let ls = self.size(n.left);
            match i.cmp(&ls) {
                Ordering::Less => t = n.left,
                Ordering::Equal => return n,
                Ordering::Greater => {
                    i -= ls + 1;
                    t = n.right;
                }
            }
        }
    }

    fn count_while(&self, pred: &mut dyn FnMut(f64, &[u8]) -> bool) -> usize {
        let (mut t, mut c) = (self.root, 0);
        while t != NIL {
            let n = &self.nodes[t as usize];
            if pred(n.score, n.member.as_bytes()) {
                c += self.size(n.left) + 1;
                t = n.right;
            } else {
                t = n.left;
            }
        }
        c
    }

    fn memory_usage(&self) -> usize {
        self.nodes.capacity() * core::mem::size_of::<Node>()
            + self
                .nodes
                .iter()
                .map(|n| n.member.heap_size())
                .sum::<usize>()
            + self.index.capacity() * (core::mem::size_of::<u32>() + 1)
            + self.free.capacity() * 4
    }
}

#[derive(Clone, Debug)]
enum Enc {
    Small(Packed),
    Big(Box<Big>),
}

/// A sorted set value.
#[derive(Clone, Debug)]
pub struct ZSet {
    enc: Enc,
}

impl Default for ZSet {
    fn default() -> Self {
        ZSet::new()
    }
}

impl PartialEq for ZSet {
    fn eq(&self, o: &Self) -> bool {
        self.len() == o.len()
            && (0..self.len()).all(|i| {
                let (a, b) = (self.get(i), o.get(i));
                a.0 == b.0 && a.1 == b.1
            })
    }
}

/// What [`ZSet::add`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Added {
    /// A new member.
    Added,
    /// An existing member got a different score.
    Updated,
    /// An existing member kept its score.
    Same,
}

impl ZSet {
    /// An empty set in the small encoding.
    pub fn new() -> ZSet {
        ZSet {
            enc: Enc::Small(Packed::default()),
        }
    }

    /// Builds a set from entries (members unique), packed when it fits the thresholds.
    pub fn from_entries(mut v: Vec<(Vec<u8>, f64)>, max_entries: u64, max_value: u64) -> ZSet {
        v.sort_by(|a, b| cmp_entry(a.1, &a.0, b.1, &b.0));
        let fits =
            v.len() as u64 <= max_entries && v.iter().all(|(m, _)| m.len() as u64 <= max_value);
        if fits {
            let mut p = Packed::default();
            for (m, s) in &v {
                p.buf.extend_from_slice(&Packed::encode(*s, m));
            }
            p.n = v.len() as u32;
            return ZSet { enc: Enc::Small(p) };
        }
        let mut big = Big::new();
        for (m, s) in v {
            big.insert_new(&m, s);
        }
        ZSet {
            enc: Enc::Big(Box::new(big)),
        }
    }

    /// The name OBJECT ENCODING replies with.
    pub fn encoding(&self) -> &'static str {
        match self.enc {
            Enc::Small(_) => "listpack",
            Enc::Big(_) => "skiplist",
        }
    }

    /// True in the small (`listpack`) encoding.
    pub fn is_small(&self) -> bool {
        matches!(self.enc, Enc::Small(_))
    }

    /// Heap bytes owned by the value (MEMORY USAGE, INFO).
    pub fn memory_usage(&self) -> usize {
        match &self.enc {
            Enc::Small(p) => p.buf.capacity(),
            Enc::Big(b) => core::mem::size_of::<Big>() + b.memory_usage(),
        }
    }

    /// The number of members.
    #[inline]
    pub fn len(&self) -> usize {
        match &self.enc {
            Enc::Small(p) => p.n as usize,
            Enc::Big(b) => b.len(),
        }
    }

    /// True when empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The score of `m`.
    pub fn score(&self, m: &[u8]) -> Option<f64> {
        match &self.enc {
            Enc::Small(p) => p.find(m).map(|e| e.2),
            Enc::Big(b) => b.find(m).map(|i| b.nodes[i as usize].score),
        }
    }

    /// The entry at ascending index `i` (< len).
    pub fn get(&self, i: usize) -> (&[u8], f64) {
        match &self.enc {
            Enc::Small(p) => {
                let (_, s, m) = p.iter().nth(i).expect("index in range");
                (m, s)
            }
            Enc::Big(b) => {
                let n = b.select(i);
                (n.member.as_bytes(), n.score)
            }
        }
    }

    /// The ascending rank of `m`.
    pub fn rank(&self, m: &[u8]) -> Option<usize> {
        match &self.enc {
            Enc::Small(p) => p.find(m).map(|e| e.0),
            Enc::Big(b) => {
                let s = b.nodes[b.find(m)? as usize].score;
                Some(b.count_while(&mut |s2, m2| cmp_entry(s2, m2, s, m) == Ordering::Less))
            }
        }
    }

    /// The number of leading entries (in ascending order) for which `pred` holds; `pred`
    /// must hold for a prefix of the order.
    pub fn count_while(&self, mut pred: impl FnMut(f64, &[u8]) -> bool) -> usize {
        match &self.enc {
            Enc::Small(p) => p.iter().take_while(|e| pred(e.1, e.2)).count(),
            Enc::Big(b) => b.count_while(&mut pred),
        }
    }

    fn convert(&mut self) {
        if let Enc::Small(p) = &self.enc {
            let mut big = Big::new();
            for (_, s, m) in p.iter() {
                big.insert_new(m, s);
            }
            self.enc = Enc::Big(Box::new(big));
        }
    }

    /// Sets the score of `m` (adding it when new), converting to the big encoding when a
    /// new member exceeds the thresholds.
    pub fn add(&mut self, m: &[u8], score: f64, max_entries: u64, max_value: u64) -> Added {
        if let Enc::Small(p) = &self.enc {
            let exists = p.find(m).is_some();
            if !exists && (p.n as u64 + 1 > max_entries || m.len() as u64 > max_value) {
                self.convert();
            }
        }
        match &mut self.enc {
            Enc::Small(p) => {
                let mut res = Added::Added;
                if let Some((i, _, old)) = p.find(m) {
                    if old == score {
                        return Added::Same;
                    }
                    p.remove_range(i, i + 1);
                    res = Added::Updated;
                }
                p.insert(m, score);
                res
            }
            Enc::Big(b) => match b.find(m) {
                Some(id) if b.nodes[id as usize].score == score => Added::Same,
                Some(id) => {
                    b.rescore(id, score);
                    Added::Updated
                }
                None => {
                    b.insert_new(m, score);
                    Added::Added
                }
            },
        }
    }

    /// Removes `m`; its score when it was there.
    pub fn remove(&mut self, m: &[u8]) -> Option<f64> {
        match &mut self.enc {
            Enc::Small(p) => {
                let (i, _, s) = p.find(m)?;
                p.remove_range(i, i + 1);
                Some(s)
            }
            Enc::Big(b) => b.remove(m),
        }
    }

    /// Removes the entries at ascending indexes `start..end`; their number.
    pub fn remove_range(&mut self, start: usize, end: usize) -> usize {
        if start >= end {
            return 0;
        }
        match &mut self.enc {
            Enc::Small(p) => p.remove_range(start, end),
            Enc::Big(_) => {
                let members: Vec<Vec<u8>> = (start..end).map(|i| self.get(i).0.to_vec()).collect();
                for m in members {
                    self.remove(&m);
                }
            }
        }
        end - start
    }

    /// The entries at ascending indexes `start..end`, owned.
    pub fn range(&self, start: usize, end: usize) -> Vec<(Vec<u8>, f64)> {
        self.slice(start, end)
            .into_iter()
            .map(|(m, s)| (m.to_vec(), s))
            .collect()
    }

    /// The entries at ascending indexes `start..end`, in one walk.
    pub fn slice(&self, start: usize, end: usize) -> Vec<(&[u8], f64)> {
        let end = end.min(self.len());
        if start >= end {
            return Vec::new();
        }
        match &self.enc {
            Enc::Small(p) => p
                .iter()
                .skip(start)
                .take(end - start)
                .map(|(_, s, m)| (m, s))
                .collect(),
            Enc::Big(_) => (start..end).map(|i| self.get(i)).collect(),
        }
    }

    /// Every (member, score) in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], f64)> + '_ {
        let small = match &self.enc {
            Enc::Small(p) => Some(p.iter().map(|(_, s, m)| (m, s))),
            Enc::Big(_) => None,
        };
        let big = match &self.enc {
            Enc::Small(_) => None,
            Enc::Big(_) => Some((0..self.len()).map(move |i| self.get(i))),
        };
        small.into_iter().flatten().chain(big.into_iter().flatten())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::collections::BTreeSet;
    use alloc::vec;
    use proptest::prelude::*;

    #[derive(Clone, Debug, PartialEq)]
    struct K(f64, Vec<u8>);
    impl Eq for K {}
    impl PartialOrd for K {
        fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
            Some(self.cmp(o))
        }
    }
    impl Ord for K {
        fn cmp(&self, o: &Self) -> Ordering {
            cmp_entry(self.0, &self.1, o.0, &o.1)
        }
    }

    #[test]
    fn converts_at_thresholds() {
        let mut z = ZSet::new();
        z.add(b"a", 1.0, 2, 64);
        z.add(b"b", 2.0, 2, 64);
        assert_eq!(z.encoding(), "listpack");
        z.add(b"b", 3.0, 2, 64);
        assert_eq!(z.encoding(), "listpack");
        z.add(b"c", 0.0, 2, 64);
        assert_eq!(z.encoding(), "skiplist");
        assert_eq!(
            z.iter().map(|(m, _)| m.to_vec()).collect::<Vec<_>>(),
            vec![b"c".to_vec(), b"a".to_vec(), b"b".to_vec()]
        );
        let mut z = ZSet::new();
        z.add(b"long", 1.0, 128, 3);
        assert_eq!(z.encoding(), "skiplist");
    }

    proptest! {
        #[test]
        fn matches_a_btreeset(small in proptest::bool::ANY, ops in proptest::collection::vec((0u8..3, 0u8..40, -5i32..5), 1..400)) {
            let mut z = ZSet::new();
            let mut model: BTreeSet<K> = BTreeSet::new();
            for (op, m, s) in ops {
                let m = alloc::format!("m{m}").into_bytes();
                let s = s as f64 / 2.0;
                let old = model.iter().find(|k| k.1 == m).cloned();
                match op {
                    0 | 1 => {
                        if let Some(o) = old { model.remove(&o); }
                        model.insert(K(s, m.clone()));
                        if small { z.add(&m, s, 100_000, 64); } else { z.add(&m, s, 0, 64); }
                    }
                    _ => {
                        if let Some(o) = &old { model.remove(o); }
                        prop_assert_eq!(z.remove(&m), old.map(|o| o.0));
                    }
                }
                prop_assert_eq!(z.len(), model.len());
            }
            prop_assert_eq!(z.is_small(), small || z.is_empty() && z.is_small());
            let all: Vec<&K> = model.iter().collect();
            prop_assert_eq!(z.iter().count(), all.len());
            prop_assert_eq!(z.slice(0, all.len()).len(), all.len());
            for (i, k) in all.iter().enumerate() {
                let (m, s) = z.get(i);
                prop_assert_eq!((m, s), (&k.1[..], k.0));
                prop_assert_eq!(z.rank(&k.1), Some(i));
                prop_assert_eq!(z.score(&k.1), Some(k.0));
                prop_assert_eq!(z.count_while(|s2, _| s2 < k.0), all.iter().filter(|x| x.0 < k.0).count());
            }
            let n = z.len();
            if n > 2 {
                z.remove_range(1, n - 1);
                prop_assert_eq!(z.len(), 2);
                prop_assert_eq!(z.get(0).0, &all[0].1[..]);
                prop_assert_eq!(z.get(1).0, &all[n - 1].1[..]);
            }
        }
    }
}
