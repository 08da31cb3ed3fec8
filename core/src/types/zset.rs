//! The sorted set type.
//!
//! Two encodings, as Redis's: `listpack` (small) is one `Vec` of (member, score) entries
//! sorted by (score, member), searched linearly for members as a listpack is; `skiplist`
//! (big) is an order-statistic treap keyed by (score, member) whose nodes carry subtree
//! sizes (rank, select and range bounds in O(log n)). The nodes live in the set type's
//! dense [`Table`], which also finds a node by member (ZSCORE): each member is stored
//! once, in its node, and a node costs 48 bytes plus about 5 of index (and the member's
//! bytes past 22). ZSCAN of a big set walks that table with its stable cursor
//! ([`ZSet::scan`]), so a full iteration returns every member present throughout, as
//! Redis guarantees; a small set is returned whole, as Redis does. A small set converts
//! to the big encoding when an added member makes it exceed `zset-max-listpack-entries`
//! or is longer than `zset-max-listpack-value`; it never converts back (results of the
//! store commands are built fresh and packed when they fit).

use crate::types::set::{Keyed, Table};
use crate::value::CompactBytes;
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::cmp::Ordering;

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

/// A treap node: a member, its score, and links (dense positions in [`Big::t`]).
#[derive(Clone, Debug)]
struct Node {
    member: CompactBytes,
    score: f64,
    left: u32,
    right: u32,
    size: u32,
    prio: u32,
}

impl Keyed for Node {
    #[inline]
    fn key(&self) -> &[u8] {
        self.member.as_bytes()
    }

    #[inline]
    fn heap_size(&self) -> usize {
        self.member.heap_size()
    }
}

/// The big encoding: a treap with subtree sizes whose nodes live in a [`Table`] (the
/// set type's dense table), which also finds a node by member: each member is stored
/// once, in its node, and the links are dense positions. A removal moves the table's last
/// node into the hole ([`Table::remove_at`]) and the one link to it is fixed
/// ([`Big::relink`]), so ZSCAN walks the table with its stable cursor
/// ([`Table::scan_entries`]).
#[derive(Clone)]
struct Big {
    t: Table<Node>,
    root: u32,
    seed: u64,
}

impl core::fmt::Debug for Big {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Big").field("len", &self.t.len()).finish()
    }
}

impl Big {
    fn with_capacity(n: usize) -> Big {
        Big {
            t: Table::with_capacity(n),
            root: NIL,
            seed: 0x9E37_79B9_7F4A_7C15,
        }
    }

    #[inline]
    fn len(&self) -> usize {
        self.t.len()
    }

    #[inline]
    fn node(&self, i: u32) -> &Node {
        self.t.get(i as usize)
    }

    #[inline]
    fn node_mut(&mut self, i: u32) -> &mut Node {
        self.t.get_mut(i as usize)
    }

    /// The node holding `m`.
    #[inline]
    fn find(&self, m: &[u8]) -> Option<u32> {
        self.t.position(m).map(|i| i as u32)
    }

    #[inline]
    fn size(&self, n: u32) -> usize {
        if n == NIL {
            0
        } else {
            self.node(n).size as usize
        }
    }

    #[inline]
    fn update(&mut self, n: u32) {
        let (l, r) = (self.node(n).left, self.node(n).right);
        self.node_mut(n).size = (self.size(l) + self.size(r) + 1) as u32;
    }

    /// True when node `a` comes before node `b`.
    #[inline]
    fn before(&self, a: u32, b: u32) -> bool {
        let (x, y) = (self.node(a), self.node(b));
        cmp_entry(x.score, x.member.as_bytes(), y.score, y.member.as_bytes()) == Ordering::Less
    }

    fn rand(&mut self) -> u32 {
        self.seed ^= self.seed << 13;
        self.seed ^= self.seed >> 7;
        self.seed ^= self.seed << 17;
        (self.seed >> 32) as u32
    }

    /// Splits `t` into (the nodes before node `key`, the rest); `key` itself need not be
    /// linked, only its (score, member) is read.
    fn split(&mut self, t: u32, key: u32) -> (u32, u32) {
        if t == NIL {
            return (NIL, NIL);
        }
        if self.before(t, key) {
            let r = self.node(t).right;
            let (a, b) = self.split(r, key);
            self.node_mut(t).right = a;
            self.update(t);
            (t, b)
        } else {
            let l = self.node(t).left;
            let (a, b) = self.split(l, key);
            self.node_mut(t).left = b;
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
        if self.node(a).prio > self.node(b).prio {
            let r = self.node(a).right;
            let m = self.merge(r, b);
            self.node_mut(a).right = m;
            self.update(a);
            a
        } else {
            let l = self.node(b).left;
            let m = self.merge(a, l);
            self.node_mut(b).left = m;
            self.update(b);
            b
        }
    }

    /// Links the detached node `id` into the tree at its (score, member) place.
    fn attach(&mut self, id: u32) {
        let n = self.node_mut(id);
        n.left = NIL;
        n.right = NIL;
        n.size = 1;
        let (a, b) = self.split(self.root, id);
        let left = self.merge(a, id);
        self.root = self.merge(left, b);
    }

    /// Unlinks node `id` from the tree.
    fn detach(&mut self, id: u32) {
        let (a, b) = self.split(self.root, id);
        // `b` starts with the node itself: take its leftmost node off.
        let (b, got) = self.remove_first(b);
        debug_assert_eq!(got, id);
        self.root = self.merge(a, b);
    }

    fn remove_first(&mut self, t: u32) -> (u32, u32) {
        let l = self.node(t).left;
        if l == NIL {
            return (self.node(t).right, t);
        }
        let (nl, id) = self.remove_first(l);
        self.node_mut(t).left = nl;
        self.update(t);
        (t, id)
    }

    /// The node at position `from` moved to position `to`: fixes the one link to it.
    fn relink(&mut self, from: u32, to: u32) {
        if self.root == from {
            self.root = to;
            return;
        }
        let mut p = self.root;
        while p != NIL {
            let left = self.before(to, p);
            let n = self.node_mut(p);
            let c = if left { &mut n.left } else { &mut n.right };
            if *c == from {
                *c = to;
                return;
            }
            p = *c;
        }
        debug_assert!(false, "moved node not linked");
    }

    /// Adds a member that is not there.
    fn insert_new(&mut self, member: &[u8], score: f64) {
        let prio = self.rand();
        let node = || Node {
            member: CompactBytes::new(member),
            score,
            left: NIL,
            right: NIL,
            size: 1,
            prio,
        };
        if let Some(id) = self.t.insert_with(member, node) {
            self.attach(id as u32);
        }
    }

    /// Changes the score of the member in node `id`.
    fn rescore(&mut self, id: u32, score: f64) {
        self.detach(id);
        self.node_mut(id).score = score;
        self.attach(id);
    }

    /// Removes `m`; its score.
    fn remove(&mut self, m: &[u8]) -> Option<f64> {
        let id = self.find(m)?;
        self.detach(id);
        let last = (self.t.len() - 1) as u32;
        let gone = self.t.remove_at(id as usize);
        if id != last {
            self.relink(last, id);
        }
        Some(gone.score)
    }

    fn select(&self, mut i: usize) -> &Node {
        let mut t = self.root;
        loop {
            let n = self.node(t);
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
            let n = self.node(t);
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
        self.t.memory_usage()
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
        let mut big = Big::with_capacity(v.len());
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
            Enc::Big(b) => b.find(m).map(|i| b.node(i).score),
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
                let s = b.node(b.find(m)?).score;
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
            let mut big = Big::with_capacity(p.n as usize);
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
                Some(id) if b.node(id).score == score => Added::Same,
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

    /// One ZSCAN step from `cursor`: calls `f` with (member, score) for the entries visited
    /// and returns the next cursor (0 at the end). The small encoding is visited whole, in
    /// order, and answers 0, as Redis's listpack scan; the big one visits `count` members
    /// a call with [`Table::scan_entries`], whose cursor survives additions, removals and
    /// score changes between calls: a full iteration returns every member present from
    /// start to end at least once.
    pub fn scan<'a>(&'a self, cursor: u64, count: usize, mut f: impl FnMut(&'a [u8], f64)) -> u64 {
        match &self.enc {
            Enc::Small(p) => {
                for (_, s, m) in p.iter() {
                    f(m, s);
                }
                0
            }
            Enc::Big(b) => {
                b.t.scan_entries(cursor, count, |n| f(n.member.as_bytes(), n.score))
            }
        }
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

    /// Checks the treap against the table: every node linked once, in order, with sizes.
    fn check_big(z: &ZSet) {
        let Enc::Big(b) = &z.enc else { return };
        assert_eq!(b.size(b.root), b.len());
        let all: Vec<(&[u8], f64)> = z.iter().collect();
        for w in all.windows(2) {
            assert_eq!(
                cmp_entry(w[0].1, w[0].0, w[1].1, w[1].0),
                Ordering::Less,
                "out of order"
            );
        }
        for (i, (m, s)) in all.iter().enumerate() {
            assert_eq!(z.score(m), Some(*s));
            assert_eq!(z.rank(m), Some(i));
        }
    }

    #[test]
    fn layout_stays_compact() {
        // A big set's node: a 24-byte member (inline up to 22 bytes), the score, links.
        assert_eq!(core::mem::size_of::<Node>(), 48);
        let mut z = ZSet::new();
        for i in 0..1000 {
            z.add(alloc::format!("member:{i}").as_bytes(), i as f64, 0, 64);
        }
        // 1024 nodes of 48 bytes and a 2048-bucket index of 4-byte positions.
        assert!(z.memory_usage() < 62 * 1000, "{}", z.memory_usage());
    }

    #[test]
    fn small_scan_is_whole() {
        let mut z = ZSet::new();
        for (m, s) in [(&b"b"[..], 2.0), (b"a", 1.0), (b"c", 3.0)] {
            z.add(m, s, 128, 64);
        }
        let mut got = Vec::new();
        assert_eq!(z.scan(0, 1, |m, s| got.push((m.to_vec(), s))), 0);
        assert_eq!(
            got,
            vec![
                (b"a".to_vec(), 1.0),
                (b"b".to_vec(), 2.0),
                (b"c".to_vec(), 3.0)
            ]
        );
        // A cursor a big set gave is ignored.
        assert_eq!(z.scan(12, 1, |_, _| ()), 0);
    }

    /// A full ZSCAN of a big set interleaved with many additions, removals and score
    /// changes (growing the table to 8 times its size, then shrinking it far below its
    /// start) returns every member present throughout.
    #[test]
    fn big_scan_survives_growth_shrink_and_rescoring() {
        let mut z = ZSet::new();
        let name = |p: &str, i: usize| alloc::format!("{p}{i}").into_bytes();
        // `s*` stay throughout; `t*` come and go.
        for i in 0..300 {
            z.add(&name("s", i), i as f64, 0, 64);
            z.add(&name("t", i), -(i as f64), 0, 64);
        }
        let start = z.len();
        let mut seen = BTreeSet::new();
        let (mut cursor, mut calls, mut next_t) = (0u64, 0usize, 300);
        loop {
            cursor = z.scan(cursor, 5, |m, s| {
                assert_eq!(z.score(m), Some(s));
                seen.insert(m.to_vec());
            });
            calls += 1;
            if cursor == 0 {
                break;
            }
            match calls % 40 {
                // Growth: thousands of new members.
                1..=10 => {
                    for _ in 0..400 {
                        z.add(&name("t", next_t), next_t as f64 * 0.5, 0, 64);
                        next_t += 1;
                    }
                }
                // Shrink: remove nearly every transient member.
                11 => {
                    for i in 0..next_t {
                        z.remove(&name("t", i));
                    }
                }
                // Churn: remove and re-add some, move stable members around.
                _ => {
                    for i in 0..20 {
                        let k = (calls * 37 + i * 11) % next_t;
                        if z.remove(&name("t", k)).is_none() {
                            z.add(&name("t", k), k as f64, 0, 64);
                        }
                        let j = (calls * 13 + i * 7) % 300;
                        z.add(&name("s", j), -((calls * 100 + i) as f64), 0, 64);
                    }
                }
            }
        }
        // The cursor only goes down: at most ceil(start / COUNT) calls.
        assert!(calls <= start.div_ceil(5), "{calls} calls");
        for i in 0..300 {
            assert!(seen.contains(&name("s", i)), "s{i} missed");
        }
        check_big(&z);
        // Same with a cursor that outlives the table shrinking below it.
        let mut seen = BTreeSet::new();
        let mut cursor = z.scan(0, 3, |m, _| {
            seen.insert(m.to_vec());
        });
        for i in 0..next_t {
            z.remove(&name("t", i));
        }
        while cursor != 0 {
            cursor = z.scan(cursor, 3, |m, _| {
                seen.insert(m.to_vec());
            });
        }
        for i in 0..300 {
            assert!(seen.contains(&name("s", i)), "s{i} missed");
        }
        assert_eq!(z.len(), 300);
        check_big(&z);
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

        /// Any interleaving of ZSCAN steps with additions, score changes and removals
        /// (of members `0..n`; `keep` are never removed) returns every member present
        /// throughout, in at most ceil(start / count) steps, and members' true scores.
        #[test]
        fn big_scan_returns_members_present_throughout(
            start in 0usize..300,
            keep in proptest::collection::btree_set(0usize..300, 0..40),
            count in 1usize..20,
            ops in proptest::collection::vec((0u8..4, 0usize..600, -50i32..50), 0..300),
        ) {
            let name = |i: usize| alloc::format!("m{i}").into_bytes();
            let mut z = ZSet::new();
            for i in 0..start {
                z.add(&name(i), i as f64, 0, 64);
            }
            for &k in &keep {
                z.add(&name(k), k as f64, 0, 64);
            }
            let present: BTreeSet<Vec<u8>> = z.iter().map(|(m, _)| m.to_vec()).collect();
            let first = z.len();
            let mut removed = BTreeSet::new();
            let mut seen = BTreeSet::new();
            let (mut cursor, mut steps) = (0u64, 0usize);
            let mut ops = ops.into_iter();
            loop {
                cursor = z.scan(cursor, count, |m, s| {
                    seen.insert(m.to_vec());
                    assert_eq!(z.score(m), Some(s));
                });
                steps += 1;
                if cursor == 0 {
                    break;
                }
                // A few changes between steps.
                for (op, m, s) in ops.by_ref().take(3) {
                    let m = if keep.contains(&m) { m + 300 } else { m };
                    match op {
                        0 | 1 => {
                            z.add(&name(m), s as f64, 0, 64);
                        }
                        _ => {
                            if z.remove(&name(m)).is_some() {
                                removed.insert(name(m));
                            }
                        }
                    }
                }
            }
            prop_assert!(steps <= first.div_ceil(count).max(1));
            for m in present.difference(&removed) {
                prop_assert!(seen.contains(m), "{:?} missed", m);
            }
            check_big(&z);
        }
    }
}
