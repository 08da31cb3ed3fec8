//! Anax's micro-benchmarks (criterion), and the helpers they share.
//!
//! # The benchmarks
//!
//! - `dash` (`benches/dash.rs`): the dashtable ([`anax_core::dash::DashTable`]) against
//!   `hashbrown::HashMap`, both hashing with foldhash's
//!   [`FixedState::with_seed(1)`](foldhash::fast::FixedState::with_seed), so only the tables
//!   differ. Operations: `insert` (build a table of N entries from empty, growth included),
//!   `hit` and `miss` (batches of independent lookups in a table of N, in random order, by
//!   `&u64` / `&[u8]`: throughput, cache misses overlapped), `hit_chain` (each lookup needs
//!   the previous one's result, see [`chained`]: the latency of a lookup, closer to what a
//!   server sees between commands) and `delete` (remove a batch of keys from a table of N,
//!   timed; put them back, not timed).
//!   Keys are `u64` or short byte strings ([`CompactBytes`], 16 bytes, stored inline), values
//!   `u64` (keys in `hit_chain`). N is 1K and 1M, plus 10M when `ANAX_BENCH_BIG=1` is set (slow, a few GB of
//!   memory). Before timing anything it prints to stderr, labelled `table memory`, the bytes
//!   per entry of both tables at each N ([`DashTable::memory_usage`] and
//!   `HashMap::allocation_size`: the tables alone; inline keys own no heap).
//! - `resp` (`benches/resp.rs`): the request parser ([`anax_protocol::RequestParser`]) on
//!   one `SET key value`, pipelines of 16 and 1000 of them in one buffer, an inline
//!   `SET key value`, a `SET` with a 1 MiB value whole and arriving in 16 KiB reads; and the
//!   reply encoder ([`anax_protocol::Reply`]) on a bulk string, an integer and an array of
//!   100 bulk strings. Throughput is reported as requests (replies) per second and bytes per
//!   second.
//! - `engine` (`benches/engine.rs`): whole commands through [`anax_core::Engine::execute`]
//!   with pre-built arguments and a reused output buffer (no parsing, no reply decoding):
//!   `GET` hit and miss and `SET` (overwrite) in a keyspace of 1K and 1M keys (random order,
//!   16-byte keys and values), and `INCR` of 1024 counters; one logical shard.
//!   For scale it also runs `GET` through [`SingleHost::run_raw`] and a 16-request `GET`
//!   pipeline through [`SingleHost::feed`] (parser + engine).
//!
//! # Running
//!
//! ```text
//! cargo bench -p anax-benches                          # everything (about 10 minutes)
//! cargo bench -p anax-benches --bench dash             # one file
//! cargo bench -p anax-benches --bench dash -- hit/u64  # one group (criterion filter)
//! cargo bench -p anax-benches --bench resp -- --warm-up-time 1 --measurement-time 2
//! ANAX_BENCH_BIG=1 cargo bench -p anax-benches --bench dash   # adds N = 10M
//! cargo test -p anax-benches --all-targets             # each benchmark once, small sizes
//! ```
//!
//! Results land in `target/criterion/<group>/<id>/new/estimates.json`. Group names are
//! `<op>/<key kind>` (`dash`), `parse` / `encode` (`resp`) and `engine/<command>`; ids are
//! `<table>/<N>` or the case name. `python3 benches/ratios.py` tabulates the `dash` results:
//! nanoseconds per operation of both tables and their ratio.
//!
//! # The side-by-side harness
//!
//! [`harness`] (binary `harness`, `scripts/bench`) runs `anax` and `redis-server` under the
//! same loads and prints a table of ratios; see `docs/benchmarks.md`.
//!
//! In test mode (`cargo test`, or `cargo bench -- --test`) and when only listing
//! (`--list`), the benchmarks use small sizes only, see [`quick_mode`].

pub mod harness;

use anax_core::dash::DashTable;
use anax_core::value::CompactBytes;
use anax_core::{Config, ConnId, Engine, Host};
use anax_host_single::SingleHost;
use anax_protocol::{Args, OwnedArgs, Span};
use core::borrow::Borrow;
use core::hash::Hash;
use foldhash::fast::FixedState;

/// The hasher both tables use: foldhash with a fixed seed, so runs are reproducible.
pub fn hasher() -> FixedState {
    FixedState::with_seed(1)
}

/// The dashtable under test.
pub type Dash<K, V> = DashTable<K, V, FixedState>;

/// The reference table.
pub type HbMap<K, V> = hashbrown::HashMap<K, V, FixedState>;

/// True when criterion will not time anything: `cargo test` (no `--bench` argument),
/// `--test`, or `--list`. The benchmarks then use small sizes only so that
/// `cargo test --all-targets` stays quick.
pub fn quick_mode() -> bool {
    let mut bench = false;
    let mut test = false;
    for a in std::env::args() {
        match a.as_str() {
            "--bench" => bench = true,
            "--test" | "--list" => test = true,
            _ => {}
        }
    }
    test || !bench
}

/// True when `ANAX_BENCH_BIG=1`: the dashtable benchmarks add 10M-entry tables.
pub fn big_mode() -> bool {
    std::env::var("ANAX_BENCH_BIG").is_ok_and(|v| v == "1")
}

/// Table sizes for the dashtable benchmarks: 1K and 1M, plus 10M in [`big_mode`]; only 1K
/// in [`quick_mode`].
pub fn table_sizes() -> Vec<usize> {
    if quick_mode() {
        vec![1_000]
    } else if big_mode() {
        vec![1_000, 1_000_000, 10_000_000]
    } else {
        vec![1_000, 1_000_000]
    }
}

/// SplitMix64's output function: a bijection on `u64` that scrambles well, so
/// `mix(0..n)` are `n` distinct, random-looking keys and `mix(n..2n)` are `n` others.
#[inline]
pub fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Shuffles `v` (Fisher-Yates with [`mix`] as the generator; deterministic).
pub fn shuffle<T>(v: &mut [T], seed: u64) {
    let mut state = seed;
    for i in (1..v.len()).rev() {
        state = mix(state);
        let j = (state % (i as u64 + 1)) as usize;
        v.swap(i, j);
    }
}

/// A key type the dashtable benchmarks run with.
pub trait BenchKey: Clone + Hash + Eq + Borrow<Self::Probe> {
    /// What lookups pass (`u64`, or `[u8]` as a server looks up a request's bytes).
    type Probe: ?Sized + Hash + Eq;
    /// The name in benchmark ids.
    const KIND: &'static str;
    /// The `i`-th key; distinct `i` give distinct keys.
    fn make(i: u64) -> Self;
    /// The key as a lookup argument.
    fn probe(&self) -> &Self::Probe;
}

impl BenchKey for u64 {
    type Probe = u64;
    const KIND: &'static str = "u64";
    #[inline]
    fn make(i: u64) -> Self {
        mix(i)
    }
    #[inline]
    fn probe(&self) -> &u64 {
        self
    }
}

impl BenchKey for CompactBytes {
    type Probe = [u8];
    const KIND: &'static str = "bytes";
    /// `key:` and 12 digits: 16 bytes, like redis-benchmark's keys, inline in a
    /// [`CompactBytes`].
    fn make(i: u64) -> Self {
        CompactBytes::new(format!("key:{i:012}").as_bytes())
    }
    #[inline]
    fn probe(&self) -> &[u8] {
        self.as_bytes()
    }
}

/// A random cyclic permutation of `0..n` (Sattolo's algorithm): following `i -> p[i]` from
/// any start visits all `n` indices before coming back.
pub fn cycle(n: usize, seed: u64) -> Vec<usize> {
    let mut p: Vec<usize> = (0..n).collect();
    let mut state = seed;
    for i in (1..n).rev() {
        state = mix(state);
        let j = (state % i as u64) as usize;
        p.swap(i, j);
    }
    p
}

/// The keys of one dashtable benchmark size.
pub struct KeySet<K> {
    /// The `n` keys a table holds, in insertion order.
    pub keys: Vec<K>,
    /// The same keys in another (random) order, for lookups and deletes.
    pub probes: Vec<K>,
    /// `n` keys that are not in the table.
    pub misses: Vec<K>,
}

impl<K: BenchKey> KeySet<K> {
    /// Keys `make(0..n)` and misses `make(n..2n)`.
    pub fn new(n: usize) -> Self {
        let keys: Vec<K> = (0..n as u64).map(K::make).collect();
        let mut probes = keys.clone();
        shuffle(&mut probes, 42);
        let misses = (n as u64..2 * n as u64).map(K::make).collect();
        KeySet {
            keys,
            probes,
            misses,
        }
    }

    /// The number of keys in the table.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// The operations the dashtable benchmarks time, over both tables.
pub trait BenchTable<K: BenchKey, V> {
    /// The name in benchmark ids.
    const NAME: &'static str;
    /// An empty table hashing with [`hasher`].
    fn empty() -> Self;
    /// Inserts or replaces.
    fn put(&mut self, k: K, v: V) -> Option<V>;
    /// Looks up.
    fn find(&self, k: &K::Probe) -> Option<&V>;
    /// Removes.
    fn delete(&mut self, k: &K::Probe) -> Option<(K, V)>;
    /// Bytes the table itself occupies.
    fn table_bytes(&self) -> usize;
    /// Entry slots, used or not.
    fn slots(&self) -> usize;
    /// Entries.
    fn entries(&self) -> usize;
}

impl<K: BenchKey, V> BenchTable<K, V> for Dash<K, V> {
    const NAME: &'static str = "dash";
    fn empty() -> Self {
        DashTable::with_hasher(hasher())
    }
    #[inline]
    fn put(&mut self, k: K, v: V) -> Option<V> {
        self.insert(k, v)
    }
    #[inline]
    fn find(&self, k: &K::Probe) -> Option<&V> {
        self.get(k)
    }
    #[inline]
    fn delete(&mut self, k: &K::Probe) -> Option<(K, V)> {
        self.remove_entry(k)
    }
    fn table_bytes(&self) -> usize {
        self.memory_usage()
    }
    fn slots(&self) -> usize {
        self.capacity()
    }
    fn entries(&self) -> usize {
        self.len()
    }
}

impl<K: BenchKey, V> BenchTable<K, V> for HbMap<K, V> {
    const NAME: &'static str = "hashbrown";
    fn empty() -> Self {
        hashbrown::HashMap::with_hasher(hasher())
    }
    #[inline]
    fn put(&mut self, k: K, v: V) -> Option<V> {
        self.insert(k, v)
    }
    #[inline]
    fn find(&self, k: &K::Probe) -> Option<&V> {
        self.get(k)
    }
    #[inline]
    fn delete(&mut self, k: &K::Probe) -> Option<(K, V)> {
        self.remove_entry(k)
    }
    fn table_bytes(&self) -> usize {
        self.allocation_size()
    }
    fn slots(&self) -> usize {
        // hashbrown keeps 1/8 of its buckets free: capacity() is 7/8 of them (above 8).
        let cap = self.capacity();
        if cap < 8 {
            cap + 1
        } else {
            (cap * 8 / 7).next_power_of_two()
        }
    }
    fn entries(&self) -> usize {
        self.len()
    }
}

/// A table of `keys`, each mapped to its index.
pub fn filled<K: BenchKey, T: BenchTable<K, u64>>(keys: &[K]) -> T {
    let mut t = T::empty();
    for (i, k) in keys.iter().enumerate() {
        t.put(k.clone(), i as u64);
    }
    t
}

/// A table of `keys` in which each key maps to another key, all of them forming one cycle
/// (see [`cycle`]): looking up a key's value then the value's value and so on is a chain of
/// lookups each of which needs the previous one's result.
pub fn chained<K: BenchKey, T: BenchTable<K, K>>(keys: &[K]) -> T {
    let next = cycle(keys.len(), 99);
    let mut t = T::empty();
    for (k, &j) in keys.iter().zip(&next) {
        t.put(k.clone(), keys[j].clone());
    }
    t
}

/// One line of the `table memory` report: a table of `keys`, its size per entry.
pub fn memory_line<K: BenchKey, T: BenchTable<K, u64>>(keys: &[K]) -> String {
    let t: T = filled(keys);
    let n = t.entries();
    let bytes = t.table_bytes();
    format!(
        "table memory: {:<9} {:<5} n={:<9} {:>11} bytes  {:>6.1} bytes/entry  (entry {} B, load {:.2})",
        T::NAME,
        K::KIND,
        n,
        bytes,
        bytes as f64 / n as f64,
        core::mem::size_of::<(K, u64)>(),
        n as f64 / t.slots() as f64,
    )
}

/// A host clock that stands still (the engine benchmarks set no expiries).
pub struct FixedClock;

impl Host for FixedClock {
    fn now_us(&self) -> u64 {
        1_700_000_000_000_000
    }
}

/// A single host with `shards` logical shards and the default settings, and its
/// connection; call [`SingleHost::engine`] for the engine.
pub fn host(shards: usize) -> (SingleHost, ConnId) {
    let h = SingleHost::with_config(Config::default(), shards);
    let c = h.default_conn();
    (h, c)
}

/// Runs a command, the output buffer cleared first (as a server reuses its connection's
/// buffer once written), and returns the reply bytes.
#[inline]
pub fn exec<'o>(engine: &mut Engine, c: ConnId, args: Args<'_>, out: &'o mut Vec<u8>) -> &'o [u8] {
    out.clear();
    engine.execute(c, args, &FixedClock, out);
    out
}

/// A command as pre-built arguments.
pub fn cmd<A: AsRef<[u8]>>(args: &[A]) -> OwnedArgs {
    OwnedArgs::from_iter(args.iter().map(|a| a.as_ref()))
}

/// Many pre-built commands in one buffer, as a parser leaves them (arguments are spans into
/// one byte buffer), so that running them measures the engine and not argument building.
pub struct CommandList {
    data: Vec<u8>,
    spans: Vec<Span>,
    /// Command `i` is `spans[starts[i]..starts[i + 1]]`.
    starts: Vec<usize>,
}

impl Default for CommandList {
    fn default() -> Self {
        Self::new()
    }
}

impl CommandList {
    /// An empty list.
    pub fn new() -> Self {
        CommandList {
            data: Vec::new(),
            spans: Vec::new(),
            starts: vec![0],
        }
    }

    /// Appends a command.
    pub fn push<A: AsRef<[u8]>>(&mut self, args: &[A]) {
        for a in args {
            let start = self.data.len();
            self.data.extend_from_slice(a.as_ref());
            self.spans.push(Span::new(start, self.data.len()));
        }
        self.starts.push(self.spans.len());
    }

    /// Command `i`.
    #[inline]
    pub fn get(&self, i: usize) -> Args<'_> {
        Args::new(&self.data, &self.spans[self.starts[i]..self.starts[i + 1]])
    }

    /// The number of commands.
    pub fn len(&self) -> usize {
        self.starts.len() - 1
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The key for index `i` in the engine benchmarks (same shape as the dashtable's).
pub fn engine_key(i: u64) -> Vec<u8> {
    format!("key:{i:012}").into_bytes()
}

/// A RESP request (multibulk) for `args`.
pub fn request<A: AsRef<[u8]>>(args: &[A]) -> Vec<u8> {
    let mut out = Vec::new();
    anax_protocol::encode_request(args, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_distinct_and_misses_miss() {
        let s: KeySet<CompactBytes> = KeySet::new(1000);
        let t: Dash<CompactBytes, u64> = filled(&s.keys);
        assert_eq!(t.len(), 1000);
        assert!(s.probes.iter().all(|k| t.get(k.as_bytes()).is_some()));
        assert!(s.misses.iter().all(|k| t.get(k.as_bytes()).is_none()));
        let s: KeySet<u64> = KeySet::new(1000);
        let h: HbMap<u64, u64> = filled(&s.keys);
        assert_eq!(h.len(), 1000);
        assert!(s.misses.iter().all(|k| !h.contains_key(k)));
    }

    #[test]
    fn chained_tables_are_one_cycle() {
        let s: KeySet<u64> = KeySet::new(1000);
        let t: Dash<u64, u64> = chained(&s.keys);
        let mut k = s.keys[0];
        for step in 1..=1000 {
            k = *t.get(&k).expect("chained");
            assert_eq!(k == s.keys[0], step == 1000, "step {step}");
        }
    }

    #[test]
    fn engine_helpers_run_commands() {
        let (mut h, c) = host(1);
        let mut out = Vec::new();
        let set = cmd(&[&b"SET"[..], &engine_key(1), b"v"]);
        assert_eq!(exec(h.engine(), c, set.as_args(), &mut out), b"+OK\r\n");
        let mut list = CommandList::new();
        list.push(&[&b"GET"[..], &engine_key(2)]);
        list.push(&[&b"GET"[..], &engine_key(1)]);
        assert_eq!(list.len(), 2);
        assert_eq!(exec(h.engine(), c, list.get(0), &mut out), b"$-1\r\n");
        assert_eq!(exec(h.engine(), c, list.get(1), &mut out), b"$1\r\nv\r\n");
    }

    #[test]
    fn hashbrown_slots_match_its_layout() {
        let s: KeySet<u64> = KeySet::new(1000);
        let h: HbMap<u64, u64> = filled(&s.keys);
        // 1024 buckets hold at most 896: the table doubled to 2048 at the 897th insert.
        assert_eq!(BenchTable::<u64, u64>::slots(&h), 2048);
        assert_eq!(
            h.allocation_size(),
            2048 * 16 + 2048 + 16,
            "buckets, control bytes, one trailing group"
        );
    }
}
