//! The dashtable against `hashbrown::HashMap` (same hasher): insert, hit, hit_chain, miss
//! and delete at 1K and 1M entries (10M with `ANAX_BENCH_BIG=1`), `u64` and 16-byte string
//! keys, plus a printed report of table bytes per entry. See the crate docs.

use anax_benches::{
    chained, filled, memory_line, table_sizes, BenchKey, BenchTable, Dash, HbMap, KeySet,
};
use anax_core::value::CompactBytes;
use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion, SamplingMode,
    Throughput,
};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Lookups (and deletes, tables of 4K and more) per timed iteration.
const BATCH: usize = 1024;

/// Builds a table of `n` from empty, each iteration a fresh table; dropping it is not timed.
fn insert<K: BenchKey, T: BenchTable<K, u64>>(g: &mut BenchmarkGroup<'_, WallTime>, s: &KeySet<K>) {
    let n = s.len();
    g.throughput(Throughput::Elements(n as u64));
    if n >= 1_000_000 {
        // One iteration takes 50 ms and more: ten samples of one iteration each will do.
        g.sampling_mode(SamplingMode::Flat).sample_size(10);
    } else {
        g.sampling_mode(SamplingMode::Auto).sample_size(100);
    }
    g.bench_function(BenchmarkId::new(T::NAME, n), |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let start = Instant::now();
                let mut t = T::empty();
                for (i, k) in s.keys.iter().enumerate() {
                    t.put(k.clone(), i as u64);
                }
                let t = black_box(t);
                total += start.elapsed();
                drop(t);
            }
            total
        })
    });
}

/// [`BATCH`] lookups of `probes` (independent of each other) in the table of `s.keys`,
/// built on first use and kept in `table` for the next benchmark.
fn lookup<K: BenchKey, T: BenchTable<K, u64>>(
    g: &mut BenchmarkGroup<'_, WallTime>,
    s: &KeySet<K>,
    probes: &[K],
    table: &mut Option<T>,
) {
    g.throughput(Throughput::Elements(BATCH as u64));
    g.bench_function(BenchmarkId::new(T::NAME, s.len()), |b| {
        let t = table.get_or_insert_with(|| filled(&s.keys));
        let mut i = 0;
        b.iter(|| {
            let mut sum = 0u64;
            for _ in 0..BATCH {
                sum = sum.wrapping_add(t.find(probes[i].probe()).copied().unwrap_or(1));
                i += 1;
                if i == probes.len() {
                    i = 0;
                }
            }
            sum
        })
    });
}

/// [`BATCH`] dependent lookups: each looks up the value the previous one found (a table
/// from [`chained`], kept in `table`). Unlike [`lookup`], the processor cannot overlap the
/// cache misses of successive lookups, so this is the latency of one lookup, as a server
/// that does a whole command between two lookups sees it.
fn chase<K: BenchKey, T: BenchTable<K, K>>(
    g: &mut BenchmarkGroup<'_, WallTime>,
    s: &KeySet<K>,
    table: &mut Option<T>,
) {
    g.throughput(Throughput::Elements(BATCH as u64));
    g.bench_function(BenchmarkId::new(T::NAME, s.len()), |b| {
        let t: &T = table.get_or_insert_with(|| chained(&s.keys));
        let mut k: &K = &s.keys[0];
        b.iter(|| {
            for _ in 0..BATCH {
                k = t.find(k.probe()).expect("every key is in the chain");
            }
            k
        })
    });
}

/// Removes a batch of keys from the table of `s.keys` (timed), then puts them back (not
/// timed, with the values they had), so the table stays within a batch of full.
fn delete<K: BenchKey, T: BenchTable<K, u64>>(
    g: &mut BenchmarkGroup<'_, WallTime>,
    s: &KeySet<K>,
    table: &mut Option<T>,
) {
    let n = s.len();
    let chunk = BATCH.min(n / 4).max(1);
    g.throughput(Throughput::Elements(chunk as u64));
    g.bench_function(BenchmarkId::new(T::NAME, n), |b| {
        let t = table.get_or_insert_with(|| filled(&s.keys));
        let mut at = 0;
        let mut removed = Vec::with_capacity(chunk);
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                if at + chunk > n {
                    at = 0;
                }
                let keys = &s.probes[at..at + chunk];
                at += chunk;
                let start = Instant::now();
                for k in keys {
                    removed.push(t.delete(k.probe()).expect("deletes hit"));
                }
                total += start.elapsed();
                for (k, v) in removed.drain(..) {
                    t.put(k, v);
                }
            }
            total
        })
    });
}

/// Every benchmark for key type `K`.
fn for_key<K: BenchKey>(c: &mut Criterion, sizes: &[usize]) {
    let sets: Vec<KeySet<K>> = sizes.iter().map(|&n| KeySet::new(n)).collect();
    let mut dash: Vec<Option<Dash<K, u64>>> = sizes.iter().map(|_| None).collect();
    let mut hb: Vec<Option<HbMap<K, u64>>> = sizes.iter().map(|_| None).collect();

    let mut g = c.benchmark_group(format!("insert/{}", K::KIND));
    for s in &sets {
        insert::<K, Dash<K, u64>>(&mut g, s);
        insert::<K, HbMap<K, u64>>(&mut g, s);
    }
    g.finish();

    for (op, hit) in [("hit", true), ("miss", false)] {
        let mut g = c.benchmark_group(format!("{op}/{}", K::KIND));
        for ((s, d), h) in sets.iter().zip(&mut dash).zip(&mut hb) {
            let probes = if hit { &s.probes } else { &s.misses };
            lookup(&mut g, s, probes, d);
            lookup(&mut g, s, probes, h);
        }
        g.finish();
    }

    let mut g = c.benchmark_group(format!("hit_chain/{}", K::KIND));
    for s in &sets {
        chase::<K, Dash<K, K>>(&mut g, s, &mut None);
        chase::<K, HbMap<K, K>>(&mut g, s, &mut None);
    }
    g.finish();

    let mut g = c.benchmark_group(format!("delete/{}", K::KIND));
    for ((s, d), h) in sets.iter().zip(&mut dash).zip(&mut hb) {
        delete(&mut g, s, d);
        delete(&mut g, s, h);
    }
    g.finish();
}

/// Prints the bytes per entry of both tables at each size (not a timing).
fn memory_report(sizes: &[usize]) {
    eprintln!("table memory: bytes the table occupies / entries (no heap owned by entries)");
    for &n in sizes {
        let s: KeySet<u64> = KeySet::new(n);
        eprintln!("{}", memory_line::<u64, Dash<u64, u64>>(&s.keys));
        eprintln!("{}", memory_line::<u64, HbMap<u64, u64>>(&s.keys));
        let s: KeySet<CompactBytes> = KeySet::new(n);
        eprintln!(
            "{}",
            memory_line::<CompactBytes, Dash<CompactBytes, u64>>(&s.keys)
        );
        eprintln!(
            "{}",
            memory_line::<CompactBytes, HbMap<CompactBytes, u64>>(&s.keys)
        );
    }
}

fn dash_vs_hashbrown(c: &mut Criterion) {
    let sizes = table_sizes();
    memory_report(&sizes);
    for_key::<u64>(c, &sizes);
    for_key::<CompactBytes>(c, &sizes);
}

criterion_group!(benches, dash_vs_hashbrown);
criterion_main!(benches);
