//! Tests of the dashtable: unit tests, a model test against `hashbrown::HashMap` and the
//! scan guarantee under growth.

extern crate std;

use super::*;
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::cell::Cell;
use core::hash::Hasher;
use foldhash::fast::FixedState;
use hashbrown::{HashMap, HashSet};
use proptest::prelude::*;

type Table<K, V> = DashTable<K, V, FixedState>;

/// `cases` proptest cases, or `PROPTEST_CASES` when set (for longer runs).
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

fn table<K: Hash + Eq, V>() -> Table<K, V> {
    DashTable::with_hasher(FixedState::with_seed(0x5eed))
}

/// A hasher with few distinct outputs (`m` of them) and/or its top `shift` bits zero:
/// collisions, crowded buckets, stash and overflow.
#[derive(Clone, Copy)]
struct Weak {
    m: u64,
    shift: u32,
}

struct WeakHasher {
    st: u64,
    weak: Weak,
}

impl BuildHasher for Weak {
    type Hasher = WeakHasher;
    fn build_hasher(&self) -> WeakHasher {
        WeakHasher {
            st: 0xcbf2_9ce4_8422_2325,
            weak: *self,
        }
    }
}

impl Hasher for WeakHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.st = (self.st ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }
    fn finish(&self) -> u64 {
        splitmix64(self.st % self.weak.m) >> self.weak.shift
    }
}

/// Checks every structural invariant of the table.
fn check<K: Hash + Eq, V, S: BuildHasher>(t: &DashTable<K, V, S>) {
    let g = t.global_depth;
    if t.segments.is_empty() {
        assert!(t.dir.is_empty());
        assert_eq!(t.len, 0);
        assert!(t.overflow.is_empty());
        return;
    }
    assert_eq!(t.dir.len(), 1 << g, "directory length");
    // Each segment appears on one aligned run of 2^(g - depth) directory entries.
    let mut seen = vec![0usize; t.segments.len()];
    let mut i = 0;
    while i < t.dir.len() {
        let s = t.dir[i] as usize;
        let d = u32::from(t.segments[s].depth);
        assert!(d <= g);
        let span = 1 << (g - d);
        assert_eq!(i % span, 0, "aligned run");
        assert!(
            t.dir[i..i + span].iter().all(|&x| x as usize == s),
            "run of segment {s}"
        );
        seen[s] += 1;
        i += span;
    }
    assert!(seen.iter().all(|&c| c == 1), "each segment on one run");
    let mut total = 0;
    for (si, seg) in t.segments.iter().enumerate() {
        seg.check(|k| t.hasher.hash_one(k));
        total += seg.len as usize;
        for b in 0..BUCKETS {
            for i in Bits(seg.store.busy(b)) {
                let h = t.hasher.hash_one(seg.store.entry(b, i).0);
                assert_eq!(
                    t.dir[t.dir_index(h)] as usize,
                    si,
                    "entry in the wrong segment"
                );
            }
        }
    }
    assert_eq!(total + t.overflow.len(), t.len, "table len");
    assert_eq!(t.iter().count(), t.len);
}

/// Increments its counter when dropped.
#[derive(Debug)]
struct Counted(Rc<Cell<usize>>, u64);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

/// A key whose `tag` plays no part in equality or hashing.
#[derive(Debug)]
struct Tagged {
    k: u64,
    tag: u32,
}

impl PartialEq for Tagged {
    fn eq(&self, o: &Self) -> bool {
        self.k == o.k
    }
}
impl Eq for Tagged {}
impl Hash for Tagged {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.k.hash(h);
    }
}

#[test]
fn empty() {
    let mut t: Table<u64, u64> = table();
    assert!(t.is_empty());
    assert_eq!(t.len(), 0);
    assert_eq!(t.get(&1), None);
    assert_eq!(t.remove(&1), None);
    assert_eq!(t.memory_usage(), 0);
    assert_eq!(t.capacity(), 0);
    assert_eq!(t.scan(0, |_, _| panic!()), 0);
    assert_eq!(t.scan_retain(0, |_, _| panic!()), 0);
    assert!(t.random_entry(3).is_none());
    assert_eq!(t.iter().count(), 0);
    check(&t);
}

#[test]
fn insert_get_replace_remove() {
    let mut t: Table<Tagged, String> = table();
    assert_eq!(t.insert(Tagged { k: 1, tag: 1 }, "a".into()), None);
    assert_eq!(t.insert(Tagged { k: 2, tag: 1 }, "b".into()), None);
    assert_eq!(
        t.insert(Tagged { k: 1, tag: 2 }, "c".into()),
        Some("a".into())
    );
    assert_eq!(t.len(), 2);
    let (k, v) = t.get_key_value(&Tagged { k: 1, tag: 9 }).unwrap();
    assert_eq!(
        (k.tag, v.as_str()),
        (1, "c"),
        "replace keeps the stored key"
    );
    t.get_mut(&Tagged { k: 2, tag: 0 }).unwrap().push('!');
    assert_eq!(t.get(&Tagged { k: 2, tag: 0 }).unwrap(), "b!");
    assert!(t.contains_key(&Tagged { k: 2, tag: 0 }));
    let (k, v) = t.remove_entry(&Tagged { k: 1, tag: 0 }).unwrap();
    assert_eq!((k.tag, v.as_str()), (1, "c"));
    assert_eq!(t.remove(&Tagged { k: 1, tag: 0 }), None);
    assert_eq!(t.len(), 1);
    check(&t);
}

#[test]
fn borrowed_lookups() {
    let mut t: Table<String, u32> = table();
    t.insert("hello".into(), 1);
    assert_eq!(t.get("hello"), Some(&1));
    let (v, inserted) = t.get_or_insert_with("world", || ("world".into(), 2));
    assert!(inserted);
    *v += 1;
    let (v, inserted) = t.get_or_insert_with("world", || unreachable!());
    assert!(!inserted);
    assert_eq!(*v, 3);
    assert_eq!(t.remove("hello"), Some(1));
    assert_eq!(t.len(), 1);
}

#[test]
fn growth_splits_segments_and_directory() {
    let mut t: Table<u64, u64> = table();
    let n = 20_000;
    let mut depth = 0;
    for i in 0..n {
        assert_eq!(t.insert(i, i * 3), None);
        assert!(t.directory_depth() >= depth);
        depth = t.directory_depth();
        if i % 4999 == 0 {
            check(&t);
        }
    }
    assert_eq!(t.len(), n as usize);
    assert!(t.segment_count() >= (n as usize).div_ceil(SEG_SLOTS));
    assert!(t.directory_depth() >= 4, "depth {}", t.directory_depth());
    assert!(t.overflow.is_empty(), "a good hash never overflows");
    assert!(t.capacity() >= t.len());
    // Utilisation: segments split only when nearly full.
    assert!(
        t.len() * 100 / t.capacity() >= 40,
        "{} / {}",
        t.len(),
        t.capacity()
    );
    for i in 0..n {
        assert_eq!(t.get(&i), Some(&(i * 3)));
    }
    assert_eq!(t.get(&n), None);
    check(&t);
    for i in (0..n).step_by(2) {
        assert_eq!(t.remove(&i), Some(i * 3));
    }
    assert_eq!(t.len(), n as usize / 2);
    for i in 0..n {
        assert_eq!(t.get(&i).is_some(), i % 2 == 1);
    }
    check(&t);
}

#[test]
fn drop_counts() {
    let drops = Rc::new(Cell::new(0));
    let made = Cell::new(0usize);
    let mk = |i: u64| {
        made.set(made.get() + 1);
        Counted(drops.clone(), i)
    };
    {
        let mut t: Table<u64, Counted> = table();
        for i in 0..5000 {
            assert!(t.insert(i, mk(i)).is_none());
        }
        for i in 0..100 {
            drop(t.insert(i, mk(i)).expect("replaced"));
        }
        assert_eq!(drops.get(), 100);
        for i in 100..200 {
            assert_eq!(t.remove(&i).unwrap().1, i);
        }
        assert_eq!(drops.get(), 200);
        t.retain(|k, _| k % 3 != 0);
        assert_eq!(
            t.len(),
            4900 - (0..5000)
                .filter(|k| k % 3 == 0 && !(100..200).contains(k))
                .count()
        );
        assert_eq!(drops.get() + t.len(), made.get());
        t.clear();
        assert_eq!(drops.get(), made.get());
        for i in 0..3000 {
            t.insert(i, mk(i));
        }
    }
    assert_eq!(drops.get(), made.get(), "every value dropped exactly once");
}

#[test]
fn clear_releases_memory() {
    let mut t: Table<u64, u64> = table();
    for i in 0..10_000 {
        t.insert(i, i);
    }
    let m = t.memory_usage();
    assert!(m >= t.capacity() * 16);
    t.clear();
    assert_eq!(t.memory_usage(), 0);
    assert!(t.is_empty());
    assert_eq!(t.get(&5), None);
    t.insert(5, 5);
    assert_eq!(t.get(&5), Some(&5));
    check(&t);
}

#[test]
fn bucket_versions_move_on_writes() {
    let mut t: Table<u64, u64> = table();
    t.insert(1, 1);
    let versions = |t: &Table<u64, u64>| {
        (0..t.bucket_count())
            .map(|b| t.bucket_version(b))
            .collect::<Vec<_>>()
    };
    let v0 = versions(&t);
    let c0 = t.clock();
    assert_eq!(t.get(&1), Some(&1));
    assert_eq!(versions(&t), v0, "reads don't stamp");
    *t.get_mut(&1).unwrap() = 2;
    let v1 = versions(&t);
    assert_ne!(v1, v0);
    assert!(v1.iter().any(|&v| v >= c0));
    t.remove(&1);
    assert!(versions(&t).iter().max() > v1.iter().max());
}

/// Walks the whole table with `scan`, returning the keys seen.
fn walk<K: Hash + Eq + Clone, V, S: BuildHasher>(t: &DashTable<K, V, S>) -> Vec<K> {
    let mut seen = Vec::new();
    let mut cursor = 0;
    let mut calls = 0;
    loop {
        cursor = t.scan(cursor, |k, _| seen.push(k.clone()));
        calls += 1;
        assert!(calls <= t.bucket_count() + 2, "scan does not end");
        if cursor == 0 {
            return seen;
        }
    }
}

#[test]
fn scan_static_table_visits_each_entry_once() {
    for n in [0u64, 1, 13, 500, 5000] {
        let mut t: Table<u64, ()> = table();
        for i in 0..n {
            t.insert(i, ());
        }
        let mut seen = walk(&t);
        seen.sort_unstable();
        assert_eq!(seen, (0..n).collect::<Vec<_>>());
    }
}

#[test]
fn scan_cursor_garbage_is_harmless() {
    let mut t: Table<u64, u64> = table();
    for i in 0..3000 {
        t.insert(i, i);
    }
    for c in [
        1u64,
        59,
        60,
        63,
        64,
        1 << 40,
        u64::MAX - 1,
        u64::MAX,
        0xdead_beef_dead_beef,
    ] {
        let mut cursor = c;
        let mut calls = 0;
        while {
            cursor = t.scan(cursor, |_, _| {});
            cursor != 0
        } {
            calls += 1;
            assert!(calls <= t.bucket_count() + 2);
        }
    }
}

#[test]
fn random_entry_returns_present_entries() {
    let mut t: Table<u64, u64> = table();
    assert!(t.random_entry(1).is_none());
    for i in 0..2000 {
        t.insert(i, i + 1);
    }
    let mut distinct = HashSet::new();
    for seed in 0..4000 {
        let (k, v) = t.random_entry(seed).unwrap();
        assert_eq!(*v, k + 1);
        distinct.insert(*k);
    }
    // Roughly uniform: 4000 draws over 2000 entries cover most of them.
    assert!(distinct.len() > 1400, "{}", distinct.len());
    t.retain(|k, _| *k == 777);
    for seed in 0..50 {
        assert_eq!(t.random_entry(seed).map(|(k, _)| *k), Some(777));
    }
    t.remove(&777);
    assert!(t.random_entry(9).is_none());
}

#[test]
fn degenerate_hashes_overflow_but_work() {
    // A constant hash: one home bucket, no split possible.
    let mut t: DashTable<u64, u64, Weak> = DashTable::with_hasher(Weak { m: 1, shift: 0 });
    for i in 0..300 {
        assert_eq!(t.insert(i, i), None);
    }
    assert!(!t.overflow.is_empty());
    assert_eq!(t.segment_count(), 1);
    check(&t);
    for i in 0..300 {
        assert_eq!(t.get(&i), Some(&i));
    }
    let mut seen = walk(&t);
    seen.sort_unstable();
    assert_eq!(seen, (0..300).collect::<Vec<_>>());
    for seed in 0..100 {
        assert!(t.random_entry(seed).is_some());
    }
    t.retain(|k, _| k % 2 == 0);
    assert_eq!(t.len(), 150);
    check(&t);
    for i in 0..300 {
        assert_eq!(t.remove(&i).is_some(), i % 2 == 0);
    }
    assert!(t.is_empty());
    assert!(t.random_entry(1).is_none());
    check(&t);

    // Top bits always zero: the directory can't use them.
    let mut t: DashTable<u64, u64, Weak> = DashTable::with_hasher(Weak {
        m: u64::MAX,
        shift: 40,
    });
    for i in 0..3000 {
        t.insert(i, i);
    }
    check(&t);
    assert_eq!(walk(&t).len(), 3000);
}

/// A key whose hashing panics while `PANIC_HASH` is set.
#[derive(PartialEq, Eq, Debug)]
struct Touchy(u64);

std::thread_local! {
    static PANIC_HASH: Cell<bool> = const { Cell::new(false) };
}

impl Hash for Touchy {
    fn hash<H: Hasher>(&self, h: &mut H) {
        assert!(!PANIC_HASH.with(Cell::get), "hash panicked");
        self.0.hash(h);
    }
}

#[test]
fn panics_leave_the_table_consistent() {
    use std::panic::{catch_unwind, AssertUnwindSafe};
    let mut t: Table<Touchy, u64> = table();
    let mut n = 0;
    // Insert with the hash computed beforehand and hashing made to panic, until an insert
    // needs a split (which hashes the stored keys): it panics, having changed nothing.
    loop {
        let segments = t.segment_count();
        let len = t.len();
        let h = t.hasher.hash_one(Touchy(n));
        PANIC_HASH.with(|p| p.set(true));
        let r = catch_unwind(AssertUnwindSafe(|| {
            t.insert_new(h, Touchy(n), n);
        }));
        PANIC_HASH.with(|p| p.set(false));
        if r.is_err() {
            assert!(segments > 0);
            assert_eq!(
                t.segment_count(),
                segments,
                "a failed split changes nothing"
            );
            assert_eq!(t.len(), len);
            break;
        }
        n += 1;
        assert!(n < 100_000, "no split happened");
    }
    check(&t);
    assert_eq!(t.len() as u64, n);
    for i in 0..n {
        assert_eq!(t.get(&Touchy(i)), Some(&i));
    }
    // A panicking scan_retain callback: what it removed so far is gone, the rest stays.
    let before = t.len();
    let mut calls = 0;
    let r = catch_unwind(AssertUnwindSafe(|| {
        let mut c = 0;
        loop {
            c = t.scan_retain(c, |_, _| {
                calls += 1;
                assert!(calls < 300, "callback panicked");
                false
            });
            if c == 0 {
                break;
            }
        }
    }));
    assert!(r.is_err());
    assert_eq!(t.len(), before - 299);
    check(&t);
}

// ---------------------------------------------------------------------------------------
// Model test.

#[derive(Debug, Clone)]
enum Op {
    Insert(u16, u32),
    Remove(u16),
    Get(u16),
    GetOrInsert(u16, u32),
    Bulk(u16, u16),
    ScanRetain(u8, u8),
    Clear,
}

fn op() -> impl Strategy<Value = Op> {
    let key = 0..4000u16;
    prop_oneof![
        8 => (key.clone(), any::<u32>()).prop_map(|(k, v)| Op::Insert(k, v)),
        6 => key.clone().prop_map(Op::Remove),
        4 => key.clone().prop_map(Op::Get),
        4 => (key.clone(), any::<u32>()).prop_map(|(k, v)| Op::GetOrInsert(k, v)),
        2 => (key, 1..1500u16).prop_map(|(k, n)| Op::Bulk(k, n)),
        3 => (1..40u8, 2..6u8).prop_map(|(s, m)| Op::ScanRetain(s, m)),
        1 => Just(Op::Clear),
    ]
}

fn run_model<S: BuildHasher>(hasher: S, ops: &[Op]) {
    let mut t: DashTable<u64, u32, S> = DashTable::with_hasher(hasher);
    let mut model: HashMap<u64, u32> = HashMap::new();
    let mut cursor = 0u64;
    for op in ops {
        let key = match *op {
            Op::Insert(k, v) => {
                assert_eq!(t.insert(k.into(), v), model.insert(k.into(), v));
                Some(k)
            }
            Op::Remove(k) => {
                assert_eq!(
                    t.remove_entry(&u64::from(k)),
                    model.remove_entry(&u64::from(k))
                );
                Some(k)
            }
            Op::Get(k) => Some(k),
            Op::GetOrInsert(k, v) => {
                let k64 = u64::from(k);
                let (got, inserted) = t.get_or_insert_with(&k64, || (k64, v));
                assert_eq!(inserted, !model.contains_key(&k64));
                *got = got.wrapping_add(1);
                let m = model.entry(k64).or_insert(v);
                *m = m.wrapping_add(1);
                Some(k)
            }
            Op::Bulk(start, n) => {
                for k in u64::from(start)..u64::from(start) + u64::from(n) {
                    assert_eq!(t.insert(k, k as u32), model.insert(k, k as u32));
                }
                None
            }
            Op::ScanRetain(steps, m) => {
                for _ in 0..steps {
                    let (mut removed, mut kept) = (Vec::new(), Vec::new());
                    cursor = t.scan_retain(cursor, |k, v| {
                        assert_eq!(model.get(k), Some(&*v), "scan saw a stale entry");
                        if (*k + u64::from(*v)) % u64::from(m) == 0 {
                            removed.push(*k);
                            false
                        } else {
                            *v = v.wrapping_add(7);
                            kept.push(*k);
                            true
                        }
                    });
                    for k in removed {
                        model.remove(&k);
                    }
                    for k in kept {
                        let v = model.get_mut(&k).expect("kept entry in model");
                        *v = v.wrapping_add(7);
                    }
                    if cursor == 0 {
                        break;
                    }
                }
                None
            }
            Op::Clear => {
                t.clear();
                model.clear();
                None
            }
        };
        assert_eq!(t.len(), model.len());
        if let Some(k) = key {
            let k = u64::from(k);
            assert_eq!(t.get(&k), model.get(&k));
            assert_eq!(t.get_key_value(&k), model.get_key_value(&k));
        }
        let all: HashMap<u64, u32> = t.iter().map(|(k, v)| (*k, *v)).collect();
        assert_eq!(all.len(), t.len(), "iter yields each entry once");
        assert_eq!(all, model);
    }
    check(&t);
    for k in 0..4000u64 {
        assert_eq!(t.get(&k), model.get(&k));
    }
}

proptest! {
    #![proptest_config(config(96))]

    #[test]
    fn model_foldhash(ops in proptest::collection::vec(op(), 1..60), seed in any::<u64>()) {
        run_model(FixedState::with_seed(seed), &ops);
    }

    #[test]
    fn model_weak_hash(ops in proptest::collection::vec(op(), 1..40), m in 1..600u64, shift in 0..12u32) {
        run_model(Weak { m, shift }, &ops);
    }
}

// ---------------------------------------------------------------------------------------
// The scan guarantee.

#[derive(Debug, Clone)]
enum ScanAct {
    /// Scan calls (with `scan_retain` removing other keys when the flag is set).
    Step(u8, bool),
    /// Inserts this many new other keys.
    Grow(u16),
    /// Removes this many other keys.
    Shrink(u16),
}

fn scan_act() -> impl Strategy<Value = ScanAct> {
    prop_oneof![
        4 => (1..30u8, any::<bool>()).prop_map(|(n, r)| ScanAct::Step(n, r)),
        2 => (1..3000u16).prop_map(ScanAct::Grow),
        1 => (1..1000u16).prop_map(ScanAct::Shrink),
    ]
}

fn check_scan_guarantee<S: BuildHasher>(hasher: S, stable: u64, others: u64, acts: &[ScanAct]) {
    let mut t: DashTable<u64, u64, S> = DashTable::with_hasher(hasher);
    // Stable keys are even, other keys odd.
    for i in 0..stable {
        t.insert(i * 2, 0);
    }
    let mut next_other = 0u64;
    let mut others_in: Vec<u64> = Vec::new();
    for _ in 0..others {
        t.insert(next_other * 2 + 1, 1);
        others_in.push(next_other * 2 + 1);
        next_other += 1;
    }
    let mut seen = HashSet::new();
    let mut cursor = 0u64;
    let mut started = false;
    let mut done = false;
    let mut step = |t: &mut DashTable<u64, u64, S>,
                    remove_others: bool,
                    seen: &mut HashSet<u64>| {
        let c = if remove_others {
            t.scan_retain(cursor, |k, _| {
                seen.insert(*k);
                k % 2 == 0
            })
        } else {
            t.scan(cursor, |k, _| {
                seen.insert(*k);
            })
        };
        assert!(
            c == OVERFLOW_CURSOR || ((c >> 6) & ((1 << 26) - 1) == 0 && c & 63 < BUCKETS as u64),
            "cursor layout: {c:#x}"
        );
        cursor = c;
        c
    };
    for act in acts {
        if done {
            break;
        }
        match *act {
            ScanAct::Step(n, remove) => {
                for _ in 0..n {
                    started = true;
                    if step(&mut t, remove, &mut seen) == 0 {
                        done = true;
                        break;
                    }
                }
            }
            ScanAct::Grow(n) => {
                for _ in 0..n {
                    t.insert(next_other * 2 + 1, 1);
                    others_in.push(next_other * 2 + 1);
                    next_other += 1;
                }
            }
            ScanAct::Shrink(n) => {
                for _ in 0..n {
                    let Some(k) = others_in.pop() else { break };
                    t.remove(&k);
                }
            }
        }
    }
    let mut calls = 0;
    while !done {
        started = true;
        done = step(&mut t, false, &mut seen) == 0;
        calls += 1;
        assert!(calls <= t.bucket_count() + 2, "scan does not end");
    }
    assert!(started);
    for i in 0..stable {
        assert!(seen.contains(&(i * 2)), "stable key {} missed", i * 2);
    }
    assert!(seen
        .iter()
        .all(|k| k % 2 == 0 && k / 2 < stable || k % 2 == 1 && k / 2 < next_other));
    check(&t);
}

proptest! {
    #![proptest_config(config(96))]

    #[test]
    fn scan_sees_every_stable_key(
        stable in 1..3000u64,
        others in 0..2000u64,
        acts in proptest::collection::vec(scan_act(), 0..40),
        seed in any::<u64>(),
    ) {
        check_scan_guarantee(FixedState::with_seed(seed), stable, others, &acts);
    }

    #[test]
    fn scan_sees_every_stable_key_weak_hash(
        stable in 1..1500u64,
        others in 0..1000u64,
        acts in proptest::collection::vec(scan_act(), 0..30),
        m in 1..3000u64,
    ) {
        check_scan_guarantee(Weak { m, shift: 0 }, stable, others, &acts);
    }

    #[test]
    fn random_entry_is_present(keys in proptest::collection::hash_set(any::<u64>(), 0..2000), seed in any::<u64>()) {
        let mut t: Table<u64, u64> = table();
        for &k in &keys {
            t.insert(k, !k);
        }
        for s in 0..64 {
            match t.random_entry(seed.wrapping_add(s)) {
                Some((k, v)) => {
                    prop_assert!(keys.contains(k));
                    prop_assert_eq!(*v, !*k);
                }
                None => prop_assert!(keys.is_empty()),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Snapshots

/// What happens between snapshot walk steps.
#[derive(Clone, Debug)]
enum SnapAct {
    /// Walk this many segments.
    Step(u8),
    /// Insert this many new keys (splits).
    Grow(u16),
    /// Remove this many keys (old or new).
    Shrink(u16),
    /// Overwrite the values of this many keys.
    Overwrite(u16),
}

fn snap_act() -> impl Strategy<Value = SnapAct> {
    prop_oneof![
        3 => (1..6u8).prop_map(SnapAct::Step),
        2 => (1..3000u16).prop_map(SnapAct::Grow),
        1 => (1..800u16).prop_map(SnapAct::Shrink),
        1 => (1..800u16).prop_map(SnapAct::Overwrite),
    ]
}

/// Runs a snapshot over a table of `initial` keys while `acts` change it (every write
/// preceded by `snapshot_before_write`, as the database does) and checks that exactly the
/// entries present at the start are visited, each once, with their values at the start.
fn check_snapshot<S: BuildHasher>(hasher: S, initial: u64, acts: &[SnapAct], seed: u64) {
    let mut t: DashTable<u64, u64, S> = DashTable::with_hasher(hasher);
    for i in 0..initial {
        t.insert(i, i);
    }
    let at_start: HashMap<u64, u64> = t.iter().map(|(k, v)| (*k, *v)).collect();
    let mut visited: HashMap<u64, u64> = HashMap::new();
    let record = |k: &u64, v: &u64, visited: &mut HashMap<u64, u64>| {
        assert!(visited.insert(*k, *v).is_none(), "key {k} visited twice");
    };
    t.snapshot_begin();
    let mut next = initial;
    let mut rng = seed | 1;
    let mut rand = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut done = !t.snapshot_running();
    for act in acts {
        match *act {
            SnapAct::Step(n) => {
                if !done {
                    done = t.snapshot_step(n as usize, |k, v| record(k, v, &mut visited));
                }
            }
            SnapAct::Grow(n) => {
                for _ in 0..n {
                    let k = next;
                    next += 1;
                    t.snapshot_before_write(&k, |k, v| record(k, v, &mut visited));
                    t.insert(k, k + 1_000_000);
                }
            }
            SnapAct::Shrink(n) => {
                for _ in 0..n {
                    let k = rand() % next.max(1);
                    t.snapshot_before_write(&k, |k, v| record(k, v, &mut visited));
                    t.remove(&k);
                }
            }
            SnapAct::Overwrite(n) => {
                for _ in 0..n {
                    let k = rand() % next.max(1);
                    t.snapshot_before_write(&k, |k, v| record(k, v, &mut visited));
                    if let Some(v) = t.get_mut(&k) {
                        *v += 7;
                    }
                }
            }
        }
    }
    let mut steps = 0;
    while !done {
        done = t.snapshot_step(3, |k, v| record(k, v, &mut visited));
        steps += 1;
        assert!(steps <= t.segment_count() + 2, "the walk does not end");
    }
    assert!(!t.snapshot_running());
    assert_eq!(visited, at_start);
    check(&t);
}

#[test]
fn snapshot_of_a_static_table_and_of_an_empty_one() {
    check_snapshot(FixedState::with_seed(1), 20_000, &[], 1);
    check_snapshot(FixedState::with_seed(1), 0, &[SnapAct::Grow(100)], 1);
    // Two snapshots in a row with no write between them: the second sees everything.
    let mut t: Table<u64, u64> = table();
    for i in 0..5000 {
        t.insert(i, i);
    }
    for _ in 0..2 {
        t.snapshot_begin();
        let mut n = 0;
        while !t.snapshot_step(4, |_, _| n += 1) {}
        assert_eq!(n, 5000);
    }
}

#[test]
#[cfg(debug_assertions)]
#[should_panic(expected = "not serialised first")]
fn a_write_without_the_hook_is_caught_in_debug_builds() {
    let mut t: Table<u64, u64> = table();
    for i in 0..5000 {
        t.insert(i, i);
    }
    t.snapshot_begin();
    t.insert(1, 2);
}

proptest! {
    #![proptest_config(config(24))]

    #[test]
    fn snapshot_visits_exactly_the_entries_at_its_start(
        initial in 0..6000u64,
        acts in proptest::collection::vec(snap_act(), 0..40),
        seed in any::<u64>(),
    ) {
        check_snapshot(FixedState::with_seed(seed), initial, &acts, seed);
    }

    #[test]
    fn snapshot_visits_exactly_the_entries_at_its_start_weak_hash(
        initial in 0..3000u64,
        acts in proptest::collection::vec(snap_act(), 0..30),
        m in 1..4000u64,
        shift in 0..12u32,
        seed in any::<u64>(),
    ) {
        check_snapshot(Weak { m, shift }, initial, &acts, seed);
    }
}
