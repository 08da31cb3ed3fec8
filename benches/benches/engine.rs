//! Whole commands through `Engine::execute`: GET hit and miss, SET and INCR, in keyspaces of
//! 1K and 1M keys, with pre-built arguments and a reused output buffer; plus, for scale, the
//! single host's `run_raw` and `feed`. See the crate docs.

use anax_benches::{engine_key, exec, host, mix, quick_mode, request, shuffle, CommandList};
use anax_core::ConnId;
use anax_host_single::SingleHost;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;

/// Logical shards: one, as one server thread owns one shard.
const SHARDS: usize = 1;
/// The value every key holds: 16 bytes.
const VALUE: &[u8] = b"value:0123456789";
/// Counters INCR cycles through.
const COUNTERS: u64 = 1024;

/// A host holding `n` keys, and the commands to run against it.
struct Fixture {
    n: usize,
    host: SingleHost,
    conn: ConnId,
    /// `GET` of every key, in random order.
    get_hit: CommandList,
    /// `GET` of as many keys that are not there.
    get_miss: CommandList,
    /// `SET` of every key (to the value it has), in random order.
    set: CommandList,
    /// `INCR` of [`COUNTERS`] counters (which exist), in random order.
    incr: CommandList,
}

impl Fixture {
    fn new(n: usize) -> Self {
        let (mut host, conn) = host(SHARDS);
        let mut out = Vec::new();
        let mut load = CommandList::new();
        for i in 0..n as u64 {
            load.push(&[&b"SET"[..], &engine_key(i), VALUE]);
        }
        for i in 0..COUNTERS {
            load.push(&[&b"SET"[..], format!("ctr:{i}").as_bytes(), b"0"]);
        }
        for i in 0..load.len() {
            assert_eq!(exec(host.engine(), conn, load.get(i), &mut out), b"+OK\r\n");
        }
        drop(load);

        let mut order: Vec<u64> = (0..n as u64).collect();
        shuffle(&mut order, 7);
        let (mut get_hit, mut get_miss, mut set) =
            (CommandList::new(), CommandList::new(), CommandList::new());
        for &i in &order {
            let k = engine_key(i);
            get_hit.push(&[&b"GET"[..], &k]);
            set.push(&[&b"SET"[..], &k, VALUE]);
            get_miss.push(&[&b"GET"[..], &engine_key(n as u64 + i)]);
        }
        let mut incr = CommandList::new();
        for i in 0..COUNTERS {
            incr.push(&["INCR", &format!("ctr:{}", mix(i) % COUNTERS)]);
        }
        Fixture {
            n,
            host,
            conn,
            get_hit,
            get_miss,
            set,
            incr,
        }
    }
}

fn commands(c: &mut Criterion) {
    let sizes: &[usize] = if quick_mode() {
        &[1_000]
    } else {
        &[1_000, 1_000_000]
    };
    let mut fixtures: Vec<Fixture> = sizes.iter().map(|&n| Fixture::new(n)).collect();
    let mut out = Vec::with_capacity(1024);

    for name in ["get_hit", "get_miss", "set", "incr"] {
        let mut g = c.benchmark_group(format!("engine/{name}"));
        g.throughput(Throughput::Elements(1));
        for f in &mut fixtures {
            let (list, want): (&CommandList, &[u8]) = match name {
                "get_hit" => (&f.get_hit, b"$16\r\n"),
                "get_miss" => (&f.get_miss, b"$-1\r\n"),
                "set" => (&f.set, b"+OK\r\n"),
                _ => (&f.incr, b":"),
            };
            let (engine, conn) = (f.host.engine(), f.conn);
            let first = exec(engine, conn, list.get(0), &mut out);
            assert!(
                first.starts_with(want),
                "{name}: {:?}",
                String::from_utf8_lossy(first)
            );
            let mut i = 0;
            g.bench_function(BenchmarkId::from_parameter(f.n), |b| {
                b.iter(|| {
                    let r = exec(engine, conn, list.get(i), &mut out).len();
                    i += 1;
                    if i == list.len() {
                        i = 0;
                    }
                    r
                })
            });
        }
        g.finish();
    }

    // The same GET through the single host's conveniences, which build the arguments,
    // allocate the reply (`run_raw`) or parse the requests (`feed`).
    let f = &mut fixtures[0];
    let mut g = c.benchmark_group("engine/host");
    g.throughput(Throughput::Elements(1));
    let key = engine_key(1);
    g.bench_function("run_raw_get_hit", |b| {
        b.iter(|| f.host.run_raw(&[&b"GET"[..], black_box(&key)]).len())
    });
    let pipeline: Vec<u8> = (0..16u64)
        .flat_map(|i| request(&[&b"GET"[..], &engine_key(i)]))
        .collect();
    g.throughput(Throughput::ElementsAndBytes {
        elements: 16,
        bytes: pipeline.len() as u64,
    });
    g.bench_function("feed_pipeline_16_get_hit", |b| {
        b.iter(|| f.host.feed(black_box(&pipeline)).len())
    });
    g.finish();
}

criterion_group!(benches, commands);
criterion_main!(benches);
