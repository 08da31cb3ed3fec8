//! The end-to-end side-by-side harness: `anax` and `redis-server` under the same loads on
//! this machine, in one run (`src/bin/harness.rs`; `scripts/bench` wraps it, and
//! `scripts/bench-scaling` runs its throughput part at several thread counts with pinned
//! cores; `docs/benchmarks.md` has the figures).
//!
//! - [`opts`]: the command line.
//! - [`server`]: starting `anax --threads N --save ''` and
//!   `redis-server --save '' --appendonly no` on free ports; killing them.
//! - [`rb`]: running `redis-benchmark` and reading its report (throughput, p50, p99, p99.9).
//! - [`loadgen`]: the own load generator, closed and open loop (latency from the intended
//!   send time, so no coordinated omission), RESP through `anax_protocol`, hdrhistogram.
//! - [`client`]: a blocking RESP client for probes, INFO and loading keys.
//! - [`procfs`]: RSS (`statm`), PSS (`smaps_rollup`), fork children, CPU time (`schedstat`).
//! - [`perf`]: instructions per operation with `perf stat`, where the machine counts them.
//! - [`typemem`]: the per-type memory run's loads (a 1M-field hash, set, sorted set and
//!   list, and 1M small hashes) and their checks.
//! - [`rdbspeed`]: the save and load speed run's datasets, log parsing, MB/s and
//!   `redis-check-rdb` verdicts.
//! - [`run`]: the phases; [`report`]: the figures, as markdown and JSON; [`stats`]:
//!   medians, ratios, formatting.
//!
//! None of it runs during `cargo test` except the unit tests of its parsing and statistics
//! (and a load generator test against an in-process stub server).

pub mod client;
pub mod loadgen;
pub mod opts;
pub mod perf;
pub mod procfs;
pub mod rb;
pub mod rdbspeed;
pub mod report;
pub mod run;
pub mod server;
pub mod stats;
pub mod typemem;
