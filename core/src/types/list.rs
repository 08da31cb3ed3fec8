//! The list type: a quicklist, as Redis 7.0 keeps every list (OBJECT ENCODING `quicklist`).
//!
//! A [`List`] is a deque of [`Node`]s; each node is one contiguous byte buffer of packed
//! entries (a listpack in spirit). An entry is a header, its data, and a back-length so that
//! a node can be walked in both directions:
//!
//! * `0x00..=0x7f`: the integer 0..127 itself (one byte, no data);
//! * `0x80..=0xbf`: a string of `tag & 0x3f` (0..63) bytes, the bytes following;
//! * `0xe0..=0xff`: a 13-bit signed integer (-4096..4095): the tag's low 5 bits, then a byte;
//! * `0xc0..=0xc7`: a signed integer in `tag - 0xc0 + 1` little-endian bytes (sign-extended);
//! * `0xc8`: a string whose length follows as a LEB128 varint, then the bytes;
//!
//! then the length of header + data as a reversed varint (1 byte below 128): read from the
//! end, each byte gives 7 bits and its top bit says another byte precedes. A string that is
//! a canonical 64-bit integer (Redis's `lpStringToInt64`) is stored as an integer and read
//! back as its text, so `RPUSH l 7` costs two bytes.
//!
//! Node size follows `list-max-listpack-size` as Redis's `_quicklistNodeAllowInsert`: a
//! negative fill caps a node's bytes (-1..-5: 4, 8, 16, 32, 64 KB), a positive one its
//! entries (and 8 KB of bytes); a node always takes its first entry, so an element larger
//! than the limit gets a node of its own. The fill is fixed when the list is created, as
//! Redis's quicklist keeps it.

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::fmt;

/// Bytes a node may reach for fill -1..-5.
const SIZE_LEVELS: [usize; 5] = [4096, 8192, 16384, 32768, 65536];
/// The byte cap of nodes limited by count (Redis's `SIZE_SAFETY_LIMIT`).
const SAFETY_LIMIT: usize = 8192;
/// Redis's `FILL_MAX`.
const FILL_MAX: i64 = 1 << 15;

/// One element as stored: an integer or bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Item<'a> {
    /// An integer (a canonical integer string).
    Int(i64),
    /// Any other string.
    Str(&'a [u8]),
}

impl<'a> Item<'a> {
    /// The item for the bytes `b` (canonical integers become integers).
    #[inline]
    pub fn of(b: &'a [u8]) -> Item<'a> {
        match crate::num::parse_canonical_i64(b) {
            Some(n) => Item::Int(n),
            None => Item::Str(b),
        }
    }

    /// The bytes of the element, as an owned vector.
    pub fn to_vec(&self) -> Vec<u8> {
        match self {
            Item::Int(n) => itoa::Buffer::new().format(*n).as_bytes().to_vec(),
            Item::Str(s) => s.to_vec(),
        }
    }

    /// Calls `f` with the element's bytes.
    pub fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        match self {
            Item::Int(n) => f(itoa::Buffer::new().format(*n).as_bytes()),
            Item::Str(s) => f(s),
        }
    }
}

/// An element taken out of a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Owned {
    /// An integer.
    Int(i64),
    /// Bytes.
    Str(Vec<u8>),
}

impl Owned {
    /// Borrows it as an [`Item`].
    pub fn item(&self) -> Item<'_> {
        match self {
            Owned::Int(n) => Item::Int(*n),
            Owned::Str(s) => Item::Str(s),
        }
    }
}

/// Compares elements against one value, parsed once (Redis's `lpCompare`).
#[derive(Clone, Copy, Debug)]
pub struct Needle<'a>(Item<'a>);

impl<'a> Needle<'a> {
    /// A needle for the bytes `b`.
    pub fn new(b: &'a [u8]) -> Self {
        Needle(Item::of(b))
    }

    /// True when `it` is the needle's value.
    #[inline]
    pub fn matches(&self, it: Item<'_>) -> bool {
        match (self.0, it) {
            (Item::Int(a), Item::Int(b)) => a == b,
            (Item::Str(a), Item::Str(b)) => a == b,
            _ => false,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Entry encoding

fn backlen_size(l: usize) -> usize {
    let mut n = 1;
    let mut v = l >> 7;
    while v > 0 {
        n += 1;
        v >>= 7;
    }
    n
}

fn int_bytes(n: i64) -> usize {
    for k in 1..8 {
        let bits = 8 * k as u32;
        let min = -(1i64 << (bits - 1));
        let max = (1i64 << (bits - 1)) - 1;
        if n >= min && n <= max {
            return k;
        }
    }
    8
}

/// Appends the encoded entry for `it` to `out`.
fn encode(it: Item<'_>, out: &mut Vec<u8>) {
    let start = out.len();
    match it {
        Item::Int(n) if (0..=127).contains(&n) => out.push(n as u8),
        Item::Int(n) if (-4096..=4095).contains(&n) => {
            let u = (n as u16) & 0x1fff;
            out.push(0xe0 | (u >> 8) as u8);
            out.push(u as u8);
        }
        Item::Int(n) => {
            let k = int_bytes(n);
            out.push(0xc0 + (k as u8 - 1));
            out.extend_from_slice(&n.to_le_bytes()[..k]);
        }
        Item::Str(s) if s.len() < 64 => {
            out.push(0x80 | s.len() as u8);
            out.extend_from_slice(s);
        }
        Item::Str(s) => {
            out.push(0xc8);
            let mut l = s.len();
            loop {
                let b = (l & 0x7f) as u8;
                l >>= 7;
                if l == 0 {
                    out.push(b);
                    break;
                }
                out.push(b | 0x80);
            }
            out.extend_from_slice(s);
        }
    }
    let l = out.len() - start;
    let k = backlen_size(l);
    // Forward order: the highest group first (no flag), the lowest last.
    for i in (0..k).rev() {
        let g = ((l >> (7 * i)) & 0x7f) as u8;
        out.push(if i == k - 1 { g } else { g | 0x80 });
    }
}

/// The encoded size of `it`.
fn encoded_size(it: Item<'_>) -> usize {
    let l = match it {
        Item::Int(n) if (0..=127).contains(&n) => 1,
        Item::Int(n) if (-4096..=4095).contains(&n) => 2,
        Item::Int(n) => 1 + int_bytes(n),
        Item::Str(s) if s.len() < 64 => 1 + s.len(),
        Item::Str(s) => 1 + backlen_size(s.len()) + s.len(),
    };
    l + backlen_size(l)
}

/// Decodes the entry at `p`: the item and the offset of the next entry.
#[inline]
fn decode(buf: &[u8], p: usize) -> (Item<'_>, usize) {
    let tag = buf[p];
    let (it, l) = match tag {
        0x00..=0x7f => (Item::Int(tag as i64), 1),
        0x80..=0xbf => {
            let n = (tag & 0x3f) as usize;
            (Item::Str(&buf[p + 1..p + 1 + n]), 1 + n)
        }
        0xe0..=0xff => {
            let u = (((tag & 0x1f) as u16) << 8 | buf[p + 1] as u16) << 3;
            (Item::Int((u as i16 >> 3) as i64), 2)
        }
        0xc0..=0xc7 => {
            let k = (tag - 0xc0) as usize + 1;
            let mut b = [0u8; 8];
            b[..k].copy_from_slice(&buf[p + 1..p + 1 + k]);
            let shift = 64 - 8 * k as u32;
            let n = (i64::from_le_bytes(b) << shift) >> shift;
            (Item::Int(n), 1 + k)
        }
        _ => {
            let (mut n, mut q, mut sh) = (0usize, p + 1, 0);
            loop {
                let b = buf[q];
                q += 1;
                n |= ((b & 0x7f) as usize) << sh;
                sh += 7;
                if b & 0x80 == 0 {
                    break;
                }
            }
            (Item::Str(&buf[q..q + n]), q - p + n)
        }
    };
    (it, p + l + backlen_size(l))
}

/// The offset of the entry that ends at `end`.
#[inline]
fn prev_start(buf: &[u8], end: usize) -> usize {
    let mut q = end - 1;
    let mut l = (buf[q] & 0x7f) as usize;
    let mut sh = 7;
    let mut k = 1;
    while buf[q] & 0x80 != 0 {
        q -= 1;
        l |= ((buf[q] & 0x7f) as usize) << sh;
        sh += 7;
        k += 1;
    }
    end - k - l
}

// ---------------------------------------------------------------------------------------
// Nodes

/// One packed node.
#[derive(Clone, Default)]
pub struct Node {
    buf: Vec<u8>,
    count: u32,
}

impl Node {
    fn allows(&self, fill: i32, esz: usize) -> bool {
        if self.count == 0 {
            return true;
        }
        let new_sz = self.buf.len() + esz;
        if fill < 0 {
            new_sz <= SIZE_LEVELS[((-fill) as usize - 1).min(4)]
        } else {
            new_sz <= SAFETY_LIMIT && (self.count as i64) < fill as i64
        }
    }

    /// Makes room for `extra` more bytes, growing by an eighth at least (bounded waste).
    fn reserve(&mut self, extra: usize) {
        let need = self.buf.len() + extra;
        if need > self.buf.capacity() {
            let want = need.max(self.buf.len() + self.buf.len() / 8 + 16);
            self.buf.reserve_exact(want - self.buf.len());
        }
    }

    /// Gives back spare capacity when it grew large.
    fn trim(&mut self) {
        let len = self.buf.len();
        if self.buf.capacity() > len + len / 4 + 64 {
            self.buf.shrink_to(len + len / 8);
        }
    }

    fn insert_at(&mut self, off: usize, it: Item<'_>) {
        let esz = encoded_size(it);
        self.reserve(esz);
        let old = self.buf.len();
        encode(it, &mut self.buf);
        if off < old {
            self.buf[off..].rotate_right(esz);
        }
        self.count += 1;
    }

    fn remove_bytes(&mut self, from: usize, to: usize, entries: u32) {
        self.buf.drain(from..to);
        self.count -= entries;
        self.trim();
    }

    /// Byte offset after skipping `n` entries from `off`.
    fn skip(&self, mut off: usize, n: usize) -> usize {
        for _ in 0..n {
            off = decode(&self.buf, off).1;
        }
        off
    }

    /// Byte offset of entry `i`, walking from the nearer end.
    fn offset_of(&self, i: usize) -> usize {
        let c = self.count as usize;
        if i <= c / 2 {
            self.skip(0, i)
        } else {
            let mut off = self.buf.len();
            for _ in 0..(c - i) {
                off = prev_start(&self.buf, off);
            }
            off
        }
    }

    fn items(&self) -> impl Iterator<Item = Item<'_>> + '_ {
        let mut off = 0;
        core::iter::from_fn(move || {
            if off >= self.buf.len() {
                return None;
            }
            let (it, next) = decode(&self.buf, off);
            off = next;
            Some(it)
        })
    }
}

impl fmt::Debug for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.items()).finish()
    }
}

/// The fill of `list-max-listpack-size`, clamped as Redis's `quicklistSetFill`.
fn clamp_fill(fill: i64) -> i32 {
    fill.clamp(-5, FILL_MAX) as i32
}

// ---------------------------------------------------------------------------------------
// The list

/// A list value.
#[derive(Clone)]
pub struct List {
    nodes: VecDeque<Node>,
    len: usize,
    fill: i32,
}

impl Default for List {
    fn default() -> Self {
        List::new(-2)
    }
}

impl PartialEq for List {
    fn eq(&self, o: &Self) -> bool {
        self.len == o.len && self.iter().eq(o.iter())
    }
}

impl fmt::Debug for List {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl List {
    /// An empty list whose nodes follow `list-max-listpack-size` = `fill`.
    pub fn new(fill: i64) -> Self {
        List {
            nodes: VecDeque::new(),
            len: 0,
            fill: clamp_fill(fill),
        }
    }

    /// The name OBJECT ENCODING replies with (Redis 7.0 keeps every list as a quicklist).
    pub fn encoding(&self) -> &'static str {
        "quicklist"
    }

    /// Heap bytes owned by the value (MEMORY USAGE, INFO).
    pub fn memory_usage(&self) -> usize {
        self.nodes.capacity() * core::mem::size_of::<Node>()
            + self.nodes.iter().map(|n| n.buf.capacity()).sum::<usize>()
    }

    /// The number of elements.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The number of nodes.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Pushes at the head.
    pub fn push_front(&mut self, b: &[u8]) {
        self.push_item_front(Item::of(b))
    }

    /// Pushes at the tail.
    pub fn push_back(&mut self, b: &[u8]) {
        self.push_item_back(Item::of(b))
    }

    /// Pushes an item at the head.
    pub fn push_item_front(&mut self, it: Item<'_>) {
        let esz = encoded_size(it);
        if !self.nodes.front().is_some_and(|n| n.allows(self.fill, esz)) {
            if let Some(full) = self.nodes.front_mut() {
                full.buf.shrink_to_fit();
            }
            self.nodes.push_front(Node::default());
        }
        self.nodes[0].insert_at(0, it);
        self.len += 1;
    }

    /// Pushes an item at the tail.
    pub fn push_item_back(&mut self, it: Item<'_>) {
        let esz = encoded_size(it);
        if !self.nodes.back().is_some_and(|n| n.allows(self.fill, esz)) {
            // The full node takes no more pushes: it keeps no spare room.
            if let Some(full) = self.nodes.back_mut() {
                full.buf.shrink_to_fit();
            }
            self.nodes.push_back(Node::default());
        }
        let n = self.nodes.back_mut().expect("a node");
        let end = n.buf.len();
        n.insert_at(end, it);
        self.len += 1;
    }

    /// Removes and returns the head element.
    pub fn pop_front(&mut self) -> Option<Owned> {
        let node = self.nodes.front_mut()?;
        let (it, next) = decode(&node.buf, 0);
        let out = owned(it);
        node.remove_bytes(0, next, 1);
        if node.count == 0 {
            self.nodes.pop_front();
        }
        self.len -= 1;
        Some(out)
    }

    /// Removes and returns the tail element.
    pub fn pop_back(&mut self) -> Option<Owned> {
        let node = self.nodes.back_mut()?;
        let start = prev_start(&node.buf, node.buf.len());
        let out = owned(decode(&node.buf, start).0);
        let end = node.buf.len();
        node.remove_bytes(start, end, 1);
        if node.count == 0 {
            self.nodes.pop_back();
        }
        self.len -= 1;
        Some(out)
    }

    /// The node holding element `i` (< len) and its position in that node.
    fn locate(&self, i: usize) -> (usize, usize) {
        if i < self.len / 2 {
            let mut i = i;
            for (ni, n) in self.nodes.iter().enumerate() {
                if i < n.count as usize {
                    return (ni, i);
                }
                i -= n.count as usize;
            }
        } else {
            let mut from_end = self.len - i; // >= 1
            for ni in (0..self.nodes.len()).rev() {
                let c = self.nodes[ni].count as usize;
                if from_end <= c {
                    return (ni, c - from_end);
                }
                from_end -= c;
            }
        }
        unreachable!("index within the list")
    }

    /// Element `i` (0-based from the head).
    pub fn get(&self, i: usize) -> Option<Item<'_>> {
        if i >= self.len {
            return None;
        }
        let (ni, j) = self.locate(i);
        let n = &self.nodes[ni];
        Some(decode(&n.buf, n.offset_of(j)).0)
    }

    /// Elements from `i` towards the tail.
    pub fn iter_from(&self, i: usize) -> Iter<'_> {
        if i >= self.len {
            return Iter {
                list: self,
                node: self.nodes.len(),
                off: 0,
            };
        }
        let (ni, j) = self.locate(i);
        Iter {
            list: self,
            node: ni,
            off: self.nodes[ni].offset_of(j),
        }
    }

    /// Every element, head to tail.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            list: self,
            node: 0,
            off: 0,
        }
    }

    /// Every element, tail to head.
    pub fn iter_rev(&self) -> RevIter<'_> {
        let node = self.nodes.len();
        RevIter {
            list: self,
            node,
            end: 0,
            fresh: true,
        }
    }

    /// Inserts `it` so that it becomes element `i` (0 ..= len).
    pub fn insert(&mut self, i: usize, it: Item<'_>) {
        if i == 0 {
            return self.push_item_front(it);
        }
        if i >= self.len {
            return self.push_item_back(it);
        }
        let (ni, j) = self.locate(i);
        let esz = encoded_size(it);
        let fill = self.fill;
        if self.nodes[ni].allows(fill, esz) {
            let off = self.nodes[ni].offset_of(j);
            self.nodes[ni].insert_at(off, it);
        } else if j == 0 && ni > 0 && self.nodes[ni - 1].allows(fill, esz) {
            let p = &mut self.nodes[ni - 1];
            let end = p.buf.len();
            p.insert_at(end, it);
        } else {
            // Split the node at the insertion point; the element joins the left part, the
            // right part, or a node of its own.
            let off = self.nodes[ni].offset_of(j);
            let node = &mut self.nodes[ni];
            let right = Node {
                buf: node.buf[off..].to_vec(),
                count: node.count - j as u32,
            };
            node.buf.truncate(off);
            node.count = j as u32;
            node.trim();
            let mut at = ni + 1;
            if node.count == 0 {
                self.nodes.remove(ni);
                at = ni;
            }
            let left_ok = at > 0 && self.nodes[at - 1].allows(fill, esz);
            if left_ok {
                let p = &mut self.nodes[at - 1];
                let end = p.buf.len();
                p.insert_at(end, it);
                self.nodes.insert(at, right);
            } else {
                let mut right = right;
                if right.allows(fill, esz) {
                    right.insert_at(0, it);
                    self.nodes.insert(at, right);
                } else {
                    let mut mid = Node::default();
                    mid.insert_at(0, it);
                    self.nodes.insert(at, right);
                    self.nodes.insert(at, mid);
                }
            }
        }
        self.len += 1;
    }

    /// Replaces element `i` (< len).
    pub fn set(&mut self, i: usize, it: Item<'_>) {
        self.remove_at(i);
        self.insert(i, it);
    }

    /// Removes element `i` (< len).
    pub fn remove_at(&mut self, i: usize) {
        let (ni, j) = self.locate(i);
        let n = &mut self.nodes[ni];
        let off = n.offset_of(j);
        let next = decode(&n.buf, off).1;
        n.remove_bytes(off, next, 1);
        self.len -= 1;
        if n.count == 0 {
            self.nodes.remove(ni);
        } else {
            self.merge_around(ni);
        }
    }

    /// Merges node `ni` with a neighbour when both are small enough to share one node.
    fn merge_around(&mut self, ni: usize) {
        let fill = self.fill;
        let fits = |a: &Node, b: &Node| {
            let sz = a.buf.len() + b.buf.len();
            if fill < 0 {
                sz <= SIZE_LEVELS[((-fill) as usize - 1).min(4)]
            } else {
                sz <= SAFETY_LIMIT && (a.count + b.count) as i64 <= fill as i64
            }
        };
        if ni + 1 < self.nodes.len() && fits(&self.nodes[ni], &self.nodes[ni + 1]) {
            let b = self.nodes.remove(ni + 1).expect("a node");
            let a = &mut self.nodes[ni];
            a.reserve(b.buf.len());
            a.buf.extend_from_slice(&b.buf);
            a.count += b.count;
        }
        if ni > 0 && ni < self.nodes.len() && fits(&self.nodes[ni - 1], &self.nodes[ni]) {
            let b = self.nodes.remove(ni).expect("a node");
            let a = &mut self.nodes[ni - 1];
            a.reserve(b.buf.len());
            a.buf.extend_from_slice(&b.buf);
            a.count += b.count;
        }
    }

    /// Removes the first `n` elements.
    pub fn remove_front(&mut self, n: usize) {
        let mut n = n.min(self.len);
        self.len -= n;
        while n > 0 {
            let node = self.nodes.front_mut().expect("a node");
            let c = node.count as usize;
            if n >= c {
                self.nodes.pop_front();
                n -= c;
            } else {
                let off = node.skip(0, n);
                node.remove_bytes(0, off, n as u32);
                n = 0;
            }
        }
    }

    /// Removes the last `n` elements.
    pub fn remove_back(&mut self, n: usize) {
        let mut n = n.min(self.len);
        self.len -= n;
        while n > 0 {
            let node = self.nodes.back_mut().expect("a node");
            let c = node.count as usize;
            if n >= c {
                self.nodes.pop_back();
                n -= c;
            } else {
                let off = node.offset_of(c - n);
                let end = node.buf.len();
                node.remove_bytes(off, end, n as u32);
                n = 0;
            }
        }
    }

    /// Removes up to `limit` (0: all) elements equal to `needle`, from the head, or from the
    /// tail when `from_tail`; the number removed.
    pub fn remove_matching(&mut self, needle: &Needle<'_>, limit: usize, from_tail: bool) -> usize {
        let mut removed = 0;
        let order: Vec<usize> = if from_tail {
            (0..self.nodes.len()).rev().collect()
        } else {
            (0..self.nodes.len()).collect()
        };
        for ni in order {
            if limit != 0 && removed >= limit {
                break;
            }
            let node = &mut self.nodes[ni];
            // Offsets (start, end) of the matches in this node, in list order.
            let mut matches: Vec<(usize, usize)> = Vec::new();
            let mut off = 0;
            while off < node.buf.len() {
                let (it, next) = decode(&node.buf, off);
                if needle.matches(it) {
                    matches.push((off, next));
                }
                off = next;
            }
            if matches.is_empty() {
                continue;
            }
            let room = if limit == 0 {
                matches.len()
            } else {
                (limit - removed).min(matches.len())
            };
            let chosen: &[(usize, usize)] = if from_tail {
                &matches[matches.len() - room..]
            } else {
                &matches[..room]
            };
            let mut out = Vec::with_capacity(node.buf.len());
            let mut last = 0;
            for &(s, e) in chosen {
                out.extend_from_slice(&node.buf[last..s]);
                last = e;
            }
            out.extend_from_slice(&node.buf[last..]);
            node.buf = out;
            node.count -= room as u32;
            removed += room;
        }
        self.len -= removed;
        if removed > 0 {
            self.nodes.retain(|n| n.count > 0);
            self.compact();
        }
        removed
    }

    /// Merges neighbouring nodes that fit together (after bulk removals).
    fn compact(&mut self) {
        let mut i = 0;
        while i + 1 < self.nodes.len() {
            let before = self.nodes.len();
            self.merge_around(i);
            if self.nodes.len() == before {
                i += 1;
            }
        }
    }

    /// Checks the structure's invariants (tests).
    pub fn check(&self) {
        let mut total = 0;
        for n in &self.nodes {
            assert!(n.count > 0, "empty node");
            assert_eq!(n.items().count(), n.count as usize);
            // Backward walk agrees.
            let mut off = n.buf.len();
            let mut k = 0;
            while off > 0 {
                off = prev_start(&n.buf, off);
                k += 1;
            }
            assert_eq!(k, n.count as usize);
            total += n.count as usize;
        }
        assert_eq!(total, self.len);
    }

    /// The elements of node `n` (below [`List::node_count`]), head to tail: the RDB
    /// writer saves a list node by node, as Redis saves its quicklist.
    pub fn node_items(&self, n: usize) -> impl Iterator<Item = Item<'_>> + '_ {
        self.nodes[n].items()
    }
}

fn owned(it: Item<'_>) -> Owned {
    match it {
        Item::Int(n) => Owned::Int(n),
        Item::Str(s) => Owned::Str(s.to_vec()),
    }
}

/// Elements head to tail.
pub struct Iter<'a> {
    list: &'a List,
    node: usize,
    off: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = Item<'a>;

    #[inline]
    fn next(&mut self) -> Option<Item<'a>> {
        loop {
            let n = self.list.nodes.get(self.node)?;
            if self.off < n.buf.len() {
                let (it, next) = decode(&n.buf, self.off);
                self.off = next;
                return Some(it);
            }
            self.node += 1;
            self.off = 0;
        }
    }
}

/// Elements tail to head.
pub struct RevIter<'a> {
    list: &'a List,
    /// One past the node being read.
    node: usize,
    /// End of the next entry to read in node `node - 1`.
    end: usize,
    /// True when node `node - 1` has not been entered yet.
    fresh: bool,
}

impl<'a> Iterator for RevIter<'a> {
    type Item = Item<'a>;

    #[inline]
    fn next(&mut self) -> Option<Item<'a>> {
        loop {
            if self.node == 0 {
                return None;
            }
            let n = &self.list.nodes[self.node - 1];
            if self.fresh {
                self.end = n.buf.len();
                self.fresh = false;
            }
            if self.end > 0 {
                let start = prev_start(&n.buf, self.end);
                self.end = start;
                return Some(decode(&n.buf, start).0);
            }
            self.node -= 1;
            self.fresh = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::string::String;

    fn s(it: Item<'_>) -> String {
        it.with_bytes(|b| String::from_utf8_lossy(b).into_owned())
    }

    fn contents(l: &List) -> Vec<String> {
        l.iter().map(s).collect()
    }

    #[test]
    fn encodes_and_decodes_every_kind() {
        let long = "y".repeat(200);
        let huge = "z".repeat(20000);
        let vals: Vec<&str> = alloc::vec![
            "0",
            "1",
            "127",
            "128",
            "-1",
            "-128",
            "-129",
            "4095",
            "4096",
            "-4096",
            "-4097",
            "32767",
            "65536",
            "9223372036854775807",
            "-9223372036854775808",
            "9223372036854775808",
            "007",
            "+1",
            "-0",
            "",
            "hello",
            &long,
            &huge,
            "\u{0}\r\n"
        ];
        let mut buf = Vec::new();
        for v in &vals {
            let it = Item::of(v.as_bytes());
            let before = buf.len();
            encode(it, &mut buf);
            assert_eq!(buf.len() - before, encoded_size(it), "{v}");
        }
        let mut off = 0;
        for v in &vals {
            let (it, next) = decode(&buf, off);
            assert_eq!(s(it), *v);
            off = next;
        }
        assert_eq!(off, buf.len());
        let mut end = buf.len();
        for v in vals.iter().rev() {
            end = prev_start(&buf, end);
            assert_eq!(s(decode(&buf, end).0), *v);
        }
        assert_eq!(end, 0);
        // Small integers are two bytes.
        assert_eq!(encoded_size(Item::of(b"7")), 2);
        assert_eq!(encoded_size(Item::of(b"1000")), 3);
        assert_eq!(encoded_size(Item::of(b"-4096")), 3);
        assert_eq!(encoded_size(Item::of(b"4096")), 4);
    }

    #[test]
    fn push_pop_both_ends_across_nodes() {
        for fill in [-5, -2, -1, 0, 1, 2, 3, 128] {
            let mut l = List::new(fill);
            let mut model: VecDeque<String> = VecDeque::new();
            for i in 0..600 {
                let v = if i % 3 == 0 {
                    format!("{i}")
                } else {
                    format!("value-{i}-{}", "x".repeat(i % 70))
                };
                if i % 2 == 0 {
                    l.push_back(v.as_bytes());
                    model.push_back(v);
                } else {
                    l.push_front(v.as_bytes());
                    model.push_front(v);
                }
            }
            l.check();
            assert_eq!(contents(&l), model.iter().cloned().collect::<Vec<_>>());
            let rev: Vec<String> = l.iter_rev().map(s).collect();
            assert_eq!(rev, model.iter().rev().cloned().collect::<Vec<_>>());
            for i in [0, 1, 299, 300, 301, 598, 599] {
                assert_eq!(s(l.get(i).unwrap()), model[i]);
                assert_eq!(
                    l.iter_from(i).map(s).collect::<Vec<_>>(),
                    model.iter().skip(i).cloned().collect::<Vec<_>>()
                );
            }
            assert!(l.get(600).is_none());
            if fill == 1 {
                assert_eq!(l.node_count(), 600);
            }
            if fill == -2 {
                assert!(l.node_count() > 1 && l.node_count() < 20);
            }
            for i in 0..600 {
                let (a, b) = if i % 2 == 0 {
                    (l.pop_front(), model.pop_front())
                } else {
                    (l.pop_back(), model.pop_back())
                };
                let a = a.unwrap();
                assert_eq!(s(a.item()), b.unwrap());
            }
            assert!(l.is_empty());
            assert_eq!(l.node_count(), 0);
            assert!(l.pop_front().is_none() && l.pop_back().is_none());
        }
    }

    #[test]
    fn insert_set_remove_keep_order() {
        for fill in [-1, 1, 2, 5, -5] {
            let mut l = List::new(fill);
            let mut model: Vec<String> = Vec::new();
            let mut rng = 12345u64;
            for step in 0..1500 {
                rng = rng
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let r = (rng >> 33) as usize;
                let v = if r.is_multiple_of(4) {
                    format!("{}", r % 300)
                } else {
                    format!("e{}{}", r % 50, "q".repeat(r % 300))
                };
                match r % 5 {
                    0 | 1 => {
                        let i = r % (model.len() + 1);
                        l.insert(i, Item::of(v.as_bytes()));
                        model.insert(i, v);
                    }
                    2 if !model.is_empty() => {
                        let i = r % model.len();
                        l.set(i, Item::of(v.as_bytes()));
                        model[i] = v;
                    }
                    3 if !model.is_empty() && step % 3 == 0 => {
                        let i = r % model.len();
                        l.remove_at(i);
                        model.remove(i);
                    }
                    _ => {
                        l.push_back(v.as_bytes());
                        model.push(v);
                    }
                }
                if step % 100 == 0 {
                    l.check();
                    assert_eq!(contents(&l), model);
                }
            }
            l.check();
            assert_eq!(contents(&l), model);
            let clone = l.clone();
            assert_eq!(clone, l);
            // Trims.
            l.remove_front(10);
            l.remove_back(17);
            model.drain(..10);
            model.truncate(model.len() - 17);
            l.check();
            assert_eq!(contents(&l), model);
            // Removals by value, both directions.
            let target = model[model.len() / 2].clone();
            let n = model.iter().filter(|m| **m == target).count();
            let got = l.remove_matching(&Needle::new(target.as_bytes()), 0, false);
            assert_eq!(got, n);
            model.retain(|m| *m != target);
            l.check();
            assert_eq!(contents(&l), model);
            l.remove_front(usize::MAX);
            assert!(l.is_empty() && l.node_count() == 0);
        }
    }

    #[test]
    fn remove_matching_with_limits() {
        let mut l = List::new(2);
        for v in ["a", "1", "a", "b", "a", "1", "a"] {
            l.push_back(v.as_bytes());
        }
        assert_eq!(l.remove_matching(&Needle::new(b"a"), 2, true), 2);
        assert_eq!(contents(&l), ["a", "1", "a", "b", "1"]);
        assert_eq!(l.remove_matching(&Needle::new(b"1"), 1, false), 1);
        assert_eq!(contents(&l), ["a", "a", "b", "1"]);
        assert_eq!(l.remove_matching(&Needle::new(b"01"), 0, false), 0);
        assert_eq!(l.remove_matching(&Needle::new(b"zz"), 0, false), 0);
        l.check();
    }

    #[test]
    fn big_elements_get_their_own_node() {
        let mut l = List::new(-1);
        let big = alloc::vec![b'x'; 10000];
        l.push_back(b"a");
        l.push_back(&big);
        l.push_back(b"b");
        assert_eq!(l.node_count(), 3);
        assert_eq!(l.get(1).unwrap(), Item::Str(&big));
        l.check();
        // Packed: 1000 small integers take about 2 bytes each.
        let mut m = List::new(-2);
        for i in 0..1000 {
            m.push_back(format!("{}", i % 100).as_bytes());
        }
        assert!(m.memory_usage() < 4000, "{}", m.memory_usage());
    }
}
