//! What a harness run measured, and its markdown and JSON forms.

use super::rdbspeed::{RdbData, RdbRow};
use super::server::Kind;
use super::stats::{
    fmt_count, fmt_mib, fmt_ms, fmt_opt, fmt_pct, fmt_ratio, median, ratio, spread,
};
use super::typemem::{self, TypeCase};
use serde_json::{json, Value as Json};
use std::collections::HashMap;
use std::fmt::Write as _;

/// Where a row's figures come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Section {
    /// redis-benchmark (closed loop).
    Rb,
    /// The own load generator, closed loop, with CPU cost.
    Closed,
    /// The own load generator, open loop.
    Open,
}

impl Section {
    fn id(&self) -> &'static str {
        match self {
            Section::Rb => "redis-benchmark",
            Section::Closed => "loadgen-closed",
            Section::Open => "loadgen-open",
        }
    }
}

/// The figures of one (section, command, pipeline, server), one entry per round.
#[derive(Clone, Debug, Default)]
pub struct Cell {
    /// Operations per second.
    pub rps: Vec<f64>,
    /// Median latency, ms.
    pub p50: Vec<f64>,
    /// p99, ms.
    pub p99: Vec<f64>,
    /// p99.9, ms.
    pub p999: Vec<f64>,
    /// Server CPU time per operation, ns.
    pub cpu_ns: Vec<f64>,
    /// Server instructions per operation.
    pub instr: Vec<f64>,
    /// Open loop: the rate asked for.
    pub target: Vec<f64>,
    /// Open loop: requests never answered.
    pub unanswered: Vec<f64>,
    /// Own load generator: how busy its threads were (see `LoadResult::client_busy`).
    pub client_busy: Vec<f64>,
    /// Open loop: p99 of the load generator's own lateness in sending, ms.
    pub lag_p99: Vec<f64>,
    /// Error replies seen (count, first text).
    pub errors: Vec<(u64, String)>,
    /// Runs that failed, why.
    pub failures: Vec<String>,
    /// Set when the server lacks the command.
    pub not_implemented: Option<String>,
}

impl Cell {
    fn med(v: &[f64]) -> Option<f64> {
        median(v)
    }
}

/// Bytes per key of one server (or, in the per-type run, per element).
#[derive(Clone, Debug)]
pub struct MemRow {
    /// Which server.
    pub kind: Kind,
    /// Keys loaded (DBSIZE afterwards); in the per-type run, elements (or keys) loaded.
    pub keys: u64,
    /// RSS before loading, bytes.
    pub rss_empty: u64,
    /// RSS after loading, bytes.
    pub rss_loaded: u64,
    /// INFO used_memory before loading.
    pub used_empty: Option<u64>,
    /// INFO used_memory after loading.
    pub used_loaded: Option<u64>,
    /// Seconds the pipelined load took.
    pub load_secs: f64,
}

impl MemRow {
    /// RSS bytes per key.
    pub fn rss_per_key(&self) -> f64 {
        (self.rss_loaded as f64 - self.rss_empty as f64) / self.keys.max(1) as f64
    }

    /// used_memory bytes per key.
    pub fn used_per_key(&self) -> Option<f64> {
        Some((self.used_loaded? as f64 - self.used_empty? as f64) / self.keys.max(1) as f64)
    }

    /// The memory tables' figures against Redis's row: `RSS B | vs Redis | used_memory B |
    /// vs Redis | RSS empty MiB | RSS loaded MiB | load s` (no outer pipes).
    pub fn columns_md(&self, redis: Option<&MemRow>) -> String {
        let rss = self.rss_per_key();
        let used = self.used_per_key();
        format!(
            "{:.1} | {} | {} | {} | {} | {} | {:.1}",
            rss,
            fmt_ratio(ratio(Some(rss), redis.map(|x| x.rss_per_key()))),
            fmt_opt(used, |v| format!("{v:.1}")),
            fmt_ratio(ratio(used, redis.and_then(|x| x.used_per_key()))),
            fmt_mib(self.rss_empty as f64),
            fmt_mib(self.rss_loaded as f64),
            self.load_secs
        )
    }

    /// The figures as JSON; `unit` names the count (`keys`, `elements`) and the per-unit
    /// figures (`rss_bytes_per_key`, ...).
    fn json(&self, unit: &str) -> Json {
        json!({
            "server": self.kind.id(),
            format!("{unit}s"): self.keys,
            "rss_empty": self.rss_empty,
            "rss_loaded": self.rss_loaded,
            "used_memory_empty": self.used_empty,
            "used_memory_loaded": self.used_loaded,
            format!("rss_bytes_per_{unit}"): self.rss_per_key(),
            format!("used_memory_bytes_per_{unit}"): self.used_per_key(),
            "load_secs": self.load_secs,
        })
    }
}

/// One measurement of the per-type memory run: a case on a fresh server.
#[derive(Clone, Debug)]
pub struct TypeMemRow {
    /// What was loaded.
    pub case: TypeCase,
    /// Which server.
    pub kind: Kind,
    /// The figures (`keys` = elements, or keys for the small hashes), or why there are none.
    pub result: Result<MemRow, String>,
    /// OBJECT ENCODING afterwards, or why it is unknown.
    pub encoding: Result<String, String>,
}

/// Memory during one BGSAVE.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// Server RSS before BGSAVE (largest sample in the second before), bytes.
    pub rss_before: u64,
    /// Server PSS before BGSAVE, bytes.
    pub pss_before: u64,
    /// Largest server RSS while the snapshot ran.
    pub peak_rss: u64,
    /// Largest PSS of the server and its children together while the snapshot ran.
    pub peak_pss_total: u64,
    /// Whether a child process (fork) was seen.
    pub forked: bool,
    /// Seconds from BGSAVE to the end of the snapshot.
    pub secs: f64,
    /// Samples taken.
    pub samples: u64,
    /// Writes answered during the load (which spans the snapshot).
    pub write_ops: u64,
    /// Their p99, ms (from the intended send time).
    pub write_p99_ms: f64,
    /// Their largest latency, ms.
    pub write_max_ms: f64,
}

/// BGSAVE memory of one server, or why there is none.
#[derive(Clone, Debug)]
pub struct SnapRow {
    /// Which server.
    pub kind: Kind,
    /// The figures, or why not.
    pub result: Result<Snapshot, String>,
}

/// Facts about the run.
#[derive(Clone, Debug, Default)]
pub struct Meta {
    /// UTC date and time.
    pub date: String,
    /// Cores available.
    pub cores: usize,
    /// CPU model.
    pub cpu_model: String,
    /// Memory, bytes.
    pub mem_bytes: u64,
    /// Kernel.
    pub kernel: String,
    /// redis-server version.
    pub redis_version: String,
    /// anax version.
    pub anax_version: String,
    /// git revision of the tree.
    pub git: String,
    /// The harness's arguments.
    pub command_line: String,
    /// Why perf cannot count instructions here; `None` when it can.
    pub perf_unavailable: Option<String>,
    /// Rounds.
    pub rounds: usize,
    /// Connections.
    pub clients: usize,
    /// Pipelined depth.
    pub pipeline: usize,
    /// Keys of the throughput runs.
    pub keyspace: u64,
    /// Value size.
    pub value_size: usize,
    /// Open loop: fraction of Redis's closed-loop max.
    pub open_fraction: f64,
    /// Open loop: seconds.
    pub open_secs: f64,
    /// Keys of the memory run.
    pub keys: u64,
    /// Elements per collection (and small hashes) of the per-type memory run.
    pub elements: u64,
    /// Writes per second during BGSAVE.
    pub snapshot_rate: f64,
    /// taskset lists, when pinned.
    pub server_cpus: Option<String>,
    /// taskset list of the load generators.
    pub client_cpus: Option<String>,
    /// redis-benchmark threads.
    pub bench_threads: usize,
    /// Own load generator threads.
    pub client_threads: usize,
    /// Wall-clock seconds of the whole run.
    pub total_secs: f64,
    /// Load averages (1, 5, 15 min) when the run started.
    pub load_before: String,
    /// Load averages when it ended.
    pub load_after: String,
}

/// Key of a cell: section, command, pipeline, server id.
type CellKey = (Section, String, usize, String);

/// Everything a run measured.
#[derive(Debug)]
pub struct Report {
    /// Facts about the run.
    pub meta: Meta,
    /// The servers, Redis first.
    pub servers: Vec<Kind>,
    rows: Vec<(Section, String, usize)>,
    cells: HashMap<CellKey, Cell>,
    /// Bytes per key.
    pub memory: Vec<MemRow>,
    /// Bytes per element of the per-type run.
    pub types_memory: Vec<TypeMemRow>,
    /// BGSAVE memory.
    pub snapshots: Vec<SnapRow>,
    /// SAVE and load speed.
    pub rdb_speed: Vec<RdbRow>,
    /// Things worth knowing (crashes, errors, missing tools).
    pub notes: Vec<String>,
}

impl Report {
    /// An empty report.
    pub fn new(meta: Meta, servers: Vec<Kind>) -> Report {
        Report {
            meta,
            servers,
            rows: Vec::new(),
            cells: HashMap::new(),
            memory: Vec::new(),
            types_memory: Vec::new(),
            snapshots: Vec::new(),
            rdb_speed: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// The cell of (section, command, pipeline, server), created empty.
    pub fn cell(&mut self, section: Section, test: &str, pipeline: usize, kind: Kind) -> &mut Cell {
        let row = (section, test.to_string(), pipeline);
        if !self.rows.contains(&row) {
            self.rows.push(row);
        }
        self.cells
            .entry((section, test.to_string(), pipeline, kind.id()))
            .or_default()
    }

    /// The cell, if any.
    pub fn get(&self, section: Section, test: &str, pipeline: usize, kind: Kind) -> Option<&Cell> {
        self.cells
            .get(&(section, test.to_string(), pipeline, kind.id()))
    }

    /// Adds a note once.
    pub fn note(&mut self, text: impl Into<String>) {
        let text = text.into();
        if !self.notes.contains(&text) {
            self.notes.push(text);
        }
    }

    fn redis_median(
        &self,
        section: Section,
        test: &str,
        pipeline: usize,
        f: fn(&Cell) -> &Vec<f64>,
    ) -> Option<f64> {
        self.get(section, test, pipeline, Kind::Redis)
            .and_then(|c| median(f(c)))
    }

    /// The table, in markdown.
    pub fn markdown(&self) -> String {
        let m = &self.meta;
        let mut s = String::new();
        let _ = writeln!(s, "# Anax against Redis, side by side\n");
        let _ = writeln!(s, "- date: {}", m.date);
        let _ = writeln!(
            s,
            "- machine: {} cores, {}, {:.1} GiB memory, {}",
            m.cores,
            m.cpu_model,
            m.mem_bytes as f64 / (1u64 << 30) as f64,
            m.kernel
        );
        let _ = writeln!(
            s,
            "- servers: redis-server {} (`--save '' --appendonly no`); anax {} ({}), `--save ''`",
            m.redis_version, m.anax_version, m.git
        );
        let _ = writeln!(s, "- command: `harness {}`", m.command_line);
        let _ = writeln!(
            s,
            "- {} rounds, servers alternating; figures are medians over rounds; `spread` is (max - min) / median of ops/s; ratios are Anax / Redis",
            m.rounds
        );
        let _ = writeln!(
            s,
            "- {} connections, pipeline 1 and {}, {} keys (`key:%012d`, preloaded), {}-byte values",
            m.clients,
            m.pipeline,
            fmt_count(m.keyspace as f64),
            m.value_size
        );
        if m.server_cpus.is_some() || m.client_cpus.is_some() {
            let _ = writeln!(
                s,
                "- pinned: servers on CPUs {}, load generators on CPUs {} (redis-benchmark --threads {}, own load generator {} threads)",
                m.server_cpus.as_deref().unwrap_or("any"),
                m.client_cpus.as_deref().unwrap_or("any"),
                m.bench_threads,
                m.client_threads
            );
        }
        let _ = writeln!(
            s,
            "- total time: {:.0} s; machine load average (1/5/15 min) {} at the start, {} at the end",
            m.total_secs, m.load_before, m.load_after
        );

        self.targets_md(&mut s);

        if self.rows.iter().any(|r| r.0 == Section::Rb) {
            let _ = writeln!(
                s,
                "\n## Throughput and latency: redis-benchmark (closed loop)\n"
            );
            let _ = writeln!(
                s,
                "| command | pipeline | server | ops/s | vs Redis | p50 ms | p99 ms | p99.9 ms | p99 vs Redis | spread |"
            );
            let _ = writeln!(s, "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|");
            self.rows_md(&mut s, Section::Rb);
        }
        if self.rows.iter().any(|r| r.0 == Section::Closed) {
            let perf = match &m.perf_unavailable {
                None => "instructions/op from `perf stat -e instructions -p <pid>`".to_string(),
                Some(e) => format!("instructions/op: n/a ({e})"),
            };
            let _ = writeln!(
                s,
                "\n## Own load generator, closed loop, and CPU cost\n\nServer CPU time per operation is the change in the server's threads' `/proc/<pid>/task/*/schedstat` run time over the run, divided by the operations; {perf}.\n"
            );
            let _ = writeln!(
                s,
                "| command | pipeline | server | ops/s | vs Redis | p50 ms | p99 ms | p99.9 ms | CPU ns/op | CPU vs Redis | instr/op | spread | loadgen busy |"
            );
            let _ = writeln!(
                s,
                "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
            );
            self.rows_md(&mut s, Section::Closed);
        }
        if self.rows.iter().any(|r| r.0 == Section::Open) {
            let _ = writeln!(
                s,
                "\n## Own load generator, open loop at {} of Redis's closed-loop max\n\nRequests are sent on a fixed schedule ({:.1} s) whether or not replies have come back; latency runs from each request's intended send time. `send lag` is how late the load generator itself issued requests (included in the latencies; large values mean the load generator, not the server, fell behind).\n",
                fmt_pct(m.open_fraction),
                m.open_secs
            );
            let _ = writeln!(
                s,
                "| command | pipeline | server | target ops/s | achieved ops/s | p50 ms | p99 ms | p99.9 ms | p99 vs Redis | unanswered | loadgen busy | send lag p99 ms |"
            );
            let _ = writeln!(
                s,
                "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
            );
            self.rows_md(&mut s, Section::Open);
        }
        if !self.memory.is_empty() {
            let _ = writeln!(
                s,
                "\n## Memory: {} keys, {}-byte values\n\nLoaded with pipelined SETs; bytes per key = (figure after loading - figure of the empty server) / keys. RSS from `/proc/<pid>/statm`; used_memory from INFO memory.\n",
                fmt_count(m.keys as f64),
                m.value_size
            );
            let _ = writeln!(
                s,
                "| server | RSS B/key | vs Redis | used_memory B/key | vs Redis | RSS empty MiB | RSS loaded MiB | load s |"
            );
            let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|---:|---:|");
            let redis = self.memory.iter().find(|r| r.kind == Kind::Redis);
            for r in &self.memory {
                let _ = writeln!(s, "| {} | {} |", r.kind.label(), r.columns_md(redis));
            }
        }
        if !self.types_memory.is_empty() {
            self.types_md(&mut s);
        }
        if !self.snapshots.is_empty() {
            let _ = writeln!(
                s,
                "\n## Snapshot cost: BGSAVE of {} keys under {} writes/s\n\nMemory is PSS (`/proc/<pid>/smaps_rollup`), so pages a fork child shares with the server count once; peak = largest sum of the server's and its children's PSS while the snapshot ran. Write latency is from the intended send time of an open-loop SET load that runs from 1 s before BGSAVE to its end.\n",
                fmt_count(m.keys as f64),
                fmt_count(m.snapshot_rate)
            );
            let _ = writeln!(
                s,
                "| server | PSS before MiB | peak PSS MiB | peak / before | RSS before MiB | peak server RSS MiB | fork | BGSAVE s | writes p99 ms | writes max ms |"
            );
            let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|---|---:|---:|---:|");
            for r in &self.snapshots {
                match &r.result {
                    Ok(x) => {
                        let _ = writeln!(
                            s,
                            "| {} | {} | {} | {} | {} | {} | {} | {:.2} | {} | {} |",
                            r.kind.label(),
                            fmt_mib(x.pss_before as f64),
                            fmt_mib(x.peak_pss_total as f64),
                            fmt_ratio(ratio(
                                Some(x.peak_pss_total as f64),
                                Some(x.pss_before as f64)
                            )),
                            fmt_mib(x.rss_before as f64),
                            fmt_mib(x.peak_rss as f64),
                            if x.forked { "yes" } else { "no" },
                            x.secs,
                            fmt_ms(x.write_p99_ms),
                            fmt_ms(x.write_max_ms)
                        );
                    }
                    Err(e) => {
                        let _ = writeln!(s, "| {} | {e} | | | | | | | | |", r.kind.label());
                    }
                }
            }
        }
        if !self.rdb_speed.is_empty() {
            self.rdb_md(&mut s);
        }
        if !self.notes.is_empty() {
            let _ = writeln!(s, "\n## Notes\n");
            for n in &self.notes {
                let _ = writeln!(s, "- {n}");
            }
        }
        s
    }

    /// Redis's figures for `case`, if it has them.
    fn redis_types(&self, case: TypeCase) -> Option<&MemRow> {
        self.types_memory
            .iter()
            .find(|r| r.case == case && r.kind == Kind::Redis)
            .and_then(|r| r.result.as_ref().ok())
    }

    /// Redis's save and load figures for `data`, if it has them.
    fn redis_rdb(&self, data: RdbData) -> Option<&super::rdbspeed::RdbSpeed> {
        self.rdb_speed
            .iter()
            .find(|r| r.data == data && r.kind == Kind::Redis)
            .and_then(|r| r.result.as_ref().ok())
    }

    fn rdb_md(&self, s: &mut String) {
        let _ = writeln!(
            s,
            "\n## Save and load speed (RDB)\n\nEach row: a fresh server (`--loglevel notice`, its own `--dir`) is loaded with the data, SAVE is timed from the client (until its reply), and the file `dump.rdb` is measured; the server stops, `redis-check-rdb` reads the file, and a fresh server of the same kind starts on it: load time is what its log says (`DB loaded from disk: N seconds`; `ping` marks the fallback, spawn to first PONG), and DBSIZE and the collections' sizes are checked. MB/s = file bytes / 10^6 / seconds. `spawn to PONG` is the wall time from starting the loading server to its first PONG (polled every 10 ms), which includes process start-up (both servers log their line once the keys are in their tables; Anax answers PING as soon as the thread that accepts connections holds its keys, possibly before the other threads do).\n"
        );
        let _ = writeln!(
            s,
            "| data | server | RDB MB | SAVE s | save MB/s | vs Redis | load s | load MB/s | vs Redis | spawn to PONG s | vs Redis | redis-check-rdb |"
        );
        let _ = writeln!(
            s,
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
        );
        for data in RdbData::ALL {
            let redis = self.redis_rdb(data);
            for r in self.rdb_speed.iter().filter(|r| r.data == data) {
                let what = data.describe(self.meta.keys, self.meta.value_size);
                let label = r.kind.label();
                match &r.result {
                    Ok(x) => {
                        let (save, load) = (x.save_mb_s(), x.load_mb_s());
                        let _ = writeln!(
                            s,
                            "| {what} | {label} | {:.1} | {:.3} | {} | {} | {:.3}{} | {} | {} | {:.3} | {} | {} |",
                            x.bytes as f64 / 1e6,
                            x.save_secs,
                            fmt_opt(save, |v| format!("{v:.1}")),
                            fmt_ratio(ratio(save, redis.and_then(|r| r.save_mb_s()))),
                            x.load_secs,
                            match x.source {
                                super::rdbspeed::LoadSource::Log => "",
                                super::rdbspeed::LoadSource::Ping => " (ping)",
                            },
                            fmt_opt(load, |v| format!("{v:.1}")),
                            fmt_ratio(ratio(load, redis.and_then(|r| r.load_mb_s()))),
                            x.ready_secs,
                            fmt_ratio(ratio(Some(x.ready_secs), redis.map(|r| r.ready_secs))),
                            match &x.check {
                                Ok(()) => "OK".to_string(),
                                Err(e) => format!("**failed**: {e}"),
                            }
                        );
                    }
                    Err(e) => {
                        let _ = writeln!(s, "| {what} | {label} | failed: {e} | | | | | | | | | |");
                    }
                }
            }
        }
    }

    fn types_md(&self, s: &mut String) {
        let n = fmt_count(self.meta.elements as f64);
        let _ = writeln!(
            s,
            "\n## Memory per element: {n}-element collections and {n} small hashes\n\nEach row is a fresh server: RSS and INFO used_memory of the empty server, then one collection loaded with pipelined HSET/SADD/ZADD/RPUSH of {} elements each (field and member names `key:%012d`, values `val:%012d`, sorted-set scores 0..n-1), or the small hashes with one HSET each ({} per write), sizes checked (HLEN/SCARD/ZCARD/LLEN, DBSIZE), one second to settle, RSS and used_memory again: bytes per element (per key for the small hashes) = (loaded - empty) / count. `encoding` is OBJECT ENCODING afterwards (of the first and the last small hash).\n",
            typemem::PER_COMMAND,
            fmt_count(typemem::KEYS_PER_WRITE as f64)
        );
        let _ = writeln!(
            s,
            "| data | per | server | encoding | RSS B | vs Redis | used_memory B | vs Redis | RSS empty MiB | RSS loaded MiB | load s |"
        );
        let _ = writeln!(s, "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|");
        for case in TypeCase::ALL {
            let redis = self.redis_types(case);
            for r in self.types_memory.iter().filter(|r| r.case == case) {
                let encoding = match &r.encoding {
                    Ok(e) if e == case.expected_encoding() => e.clone(),
                    Ok(e) => format!("{e} (expected {})", case.expected_encoding()),
                    Err(e) => format!("unknown ({e})"),
                };
                let figures = match &r.result {
                    Ok(m) => m.columns_md(redis),
                    Err(e) => format!("failed: {e} | | | | | |"),
                };
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {encoding} | {figures} |",
                    case.describe(&n),
                    case.unit(),
                    r.kind.label()
                );
            }
        }
    }

    fn rows_md(&self, s: &mut String, section: Section) {
        for (sec, test, pipeline) in &self.rows {
            if *sec != section {
                continue;
            }
            let r_rps = self.redis_median(section, test, *pipeline, |c| &c.rps);
            let r_p99 = self.redis_median(section, test, *pipeline, |c| &c.p99);
            let r_cpu = self.redis_median(section, test, *pipeline, |c| &c.cpu_ns);
            // Empty cells after a one-cell explanation, to the table's width.
            let columns = match section {
                Section::Rb => 10,
                Section::Closed => 13,
                Section::Open => 12,
            };
            let filler = "|".repeat(columns - 3);
            for kind in &self.servers {
                let Some(c) = self.get(section, test, *pipeline, *kind) else {
                    continue;
                };
                let label = kind.label();
                if let Some(why) = &c.not_implemented {
                    let _ = writeln!(s, "| {test} | {pipeline} | {label} | {why} {filler}");
                    continue;
                }
                if c.rps.is_empty() {
                    let why = c
                        .failures
                        .first()
                        .cloned()
                        .unwrap_or_else(|| "no result".into());
                    let _ = writeln!(
                        s,
                        "| {test} | {pipeline} | {label} | failed: {why} {filler}"
                    );
                    continue;
                }
                let rps = Cell::med(&c.rps);
                let p99 = Cell::med(&c.p99);
                let ms = |v: &Vec<f64>| fmt_opt(Cell::med(v), fmt_ms);
                let mut flags = String::new();
                if !c.failures.is_empty() {
                    let _ = write!(flags, " ({} failed)", c.failures.len());
                }
                if let Some((n, e)) = c.errors.iter().find(|(n, _)| *n > 0) {
                    let _ = write!(flags, " ({n} error replies: {e})");
                }
                match section {
                    Section::Rb => {
                        let _ = writeln!(
                            s,
                            "| {test} | {pipeline} | {label} | {}{flags} | {} | {} | {} | {} | {} | {} |",
                            fmt_opt(rps, fmt_count),
                            fmt_ratio(ratio(rps, r_rps)),
                            ms(&c.p50),
                            ms(&c.p99),
                            ms(&c.p999),
                            fmt_ratio(ratio(p99, r_p99)),
                            fmt_opt(spread(&c.rps), fmt_pct)
                        );
                    }
                    Section::Closed => {
                        let cpu = Cell::med(&c.cpu_ns);
                        let _ = writeln!(
                            s,
                            "| {test} | {pipeline} | {label} | {}{flags} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                            fmt_opt(rps, fmt_count),
                            fmt_ratio(ratio(rps, r_rps)),
                            ms(&c.p50),
                            ms(&c.p99),
                            ms(&c.p999),
                            fmt_opt(cpu, |v| format!("{v:.0}")),
                            fmt_ratio(ratio(cpu, r_cpu)),
                            match Cell::med(&c.instr) {
                                Some(v) => format!("{v:.0}"),
                                None => "n/a".into(),
                            },
                            fmt_opt(spread(&c.rps), fmt_pct),
                            fmt_opt(Cell::med(&c.client_busy), fmt_pct)
                        );
                    }
                    Section::Open => {
                        let unanswered = c.unanswered.iter().sum::<f64>();
                        let _ = writeln!(
                            s,
                            "| {test} | {pipeline} | {label} | {} | {}{flags} | {} | {} | {} | {} | {} | {} | {} |",
                            fmt_opt(Cell::med(&c.target), fmt_count),
                            fmt_opt(rps, fmt_count),
                            ms(&c.p50),
                            ms(&c.p99),
                            ms(&c.p999),
                            fmt_ratio(ratio(p99, r_p99)),
                            fmt_count(unanswered),
                            fmt_opt(Cell::med(&c.client_busy), fmt_pct),
                            ms(&c.lag_p99)
                        );
                    }
                }
            }
        }
    }

    /// The targets for anax at one thread, against the figures.
    fn targets_md(&self, s: &mut String) {
        let t1 = Kind::Anax { threads: 1 };
        let mut lines = Vec::new();
        let p = self.meta.pipeline;
        for (test, pipeline, want) in [
            ("GET", p, 1.5),
            ("SET", p, 1.5),
            ("GET", 1, 1.1),
            ("SET", 1, 1.1),
        ] {
            let (Some(a), Some(r)) = (
                self.get(Section::Rb, test, pipeline, t1),
                self.get(Section::Rb, test, pipeline, Kind::Redis),
            ) else {
                continue;
            };
            if let Some(x) = ratio(median(&a.rps), median(&r.rps)) {
                lines.push((
                    format!("{test} pipeline {pipeline}: ops/s ≥ {want}x Redis"),
                    format!("{x:.2}x"),
                    x >= want,
                ));
            }
            if let Some(x) = ratio(median(&a.p99), median(&r.p99)) {
                lines.push((
                    format!("{test} pipeline {pipeline}: p99 no worse than Redis"),
                    format!("{x:.2}x"),
                    x <= 1.0,
                ));
            }
        }
        if let Some(m) = self.memory.iter().find(|r| r.kind == t1) {
            let v = m.rss_per_key();
            lines.push((
                format!(
                    "memory: ≤ 40 B RSS per key ({} keys)",
                    fmt_count(m.keys as f64)
                ),
                format!("{v:.1} B"),
                v <= 40.0,
            ));
        }
        for r in self.types_memory.iter().filter(|r| r.kind == t1) {
            let (Ok(m), Some(redis)) = (&r.result, self.redis_types(r.case)) else {
                continue;
            };
            let (v, rv) = (m.rss_per_key(), redis.rss_per_key());
            let Some(x) = ratio(Some(v), Some(rv)) else {
                continue;
            };
            lines.push((
                format!(
                    "memory: RSS per {} < Redis ({})",
                    r.case.unit(),
                    r.case.describe(&fmt_count(m.keys as f64))
                ),
                format!("{v:.1} B against {rv:.1} B ({x:.2}x)"),
                x < 1.0,
            ));
        }
        for r in self.rdb_speed.iter().filter(|r| r.kind == t1) {
            let (Ok(x), Some(redis)) = (&r.result, self.redis_rdb(r.data)) else {
                continue;
            };
            let what = r.data.describe(self.meta.keys, self.meta.value_size);
            for (name, a, b) in [
                ("save", x.save_mb_s(), redis.save_mb_s()),
                ("load", x.load_mb_s(), redis.load_mb_s()),
            ] {
                let (Some(a), Some(b), Some(q)) = (a, b, ratio(a, b)) else {
                    continue;
                };
                let mut got = format!("{a:.1} against {b:.1} MB/s ({q:.2}x)");
                if name == "load" {
                    // The logged times end at different points (see the table's notes).
                    let _ = write!(
                        got,
                        "; spawn to PONG {:.3} s against {:.3} s",
                        x.ready_secs, redis.ready_secs
                    );
                }
                lines.push((format!("{name} MB/s ≥ Redis ({what})"), got, q >= 1.0));
            }
        }
        if lines.is_empty() {
            return;
        }
        let _ = writeln!(
            s,
            "\n## Against the targets (anax --threads 1, redis-benchmark figures)\n"
        );
        let _ = writeln!(s, "| target | measured | met |");
        let _ = writeln!(s, "|---|---:|---|");
        for (what, got, met) in lines {
            let _ = writeln!(
                s,
                "| {what} | {got} | {} |",
                if met { "yes" } else { "**no**" }
            );
        }
    }

    /// Everything, per round, as JSON.
    pub fn json(&self) -> Json {
        let m = &self.meta;
        let mut rows = Vec::new();
        for (sec, test, pipeline) in &self.rows {
            for kind in &self.servers {
                let Some(c) = self.get(*sec, test, *pipeline, *kind) else {
                    continue;
                };
                rows.push(json!({
                    "section": sec.id(),
                    "command": test,
                    "pipeline": pipeline,
                    "server": kind.id(),
                    "not_implemented": c.not_implemented,
                    "ops_per_sec": c.rps,
                    "p50_ms": c.p50,
                    "p99_ms": c.p99,
                    "p999_ms": c.p999,
                    "cpu_ns_per_op": c.cpu_ns,
                    "instructions_per_op": c.instr,
                    "target_ops_per_sec": c.target,
                    "unanswered": c.unanswered,
                    "loadgen_busy": c.client_busy,
                    "send_lag_p99_ms": c.lag_p99,
                    "error_replies": c.errors.iter().map(|(n, e)| json!({"count": n, "first": e})).collect::<Vec<_>>(),
                    "failures": c.failures,
                    "median": {
                        "ops_per_sec": median(&c.rps),
                        "p50_ms": median(&c.p50),
                        "p99_ms": median(&c.p99),
                        "p999_ms": median(&c.p999),
                        "cpu_ns_per_op": median(&c.cpu_ns),
                        "instructions_per_op": median(&c.instr),
                    },
                    "ops_ratio_vs_redis": ratio(median(&c.rps), self.redis_median(*sec, test, *pipeline, |c| &c.rps)),
                    "p99_ratio_vs_redis": ratio(median(&c.p99), self.redis_median(*sec, test, *pipeline, |c| &c.p99)),
                }));
            }
        }
        let memory: Vec<Json> = self.memory.iter().map(|r| r.json("key")).collect();
        let types_memory: Vec<Json> = self
            .types_memory
            .iter()
            .map(|r| {
                let mut j = match &r.result {
                    Ok(m) => m.json("element"),
                    Err(e) => json!({"server": r.kind.id(), "failed": e}),
                };
                j["case"] = json!(r.case.id());
                j["per"] = json!(r.case.unit());
                j["encoding"] = match &r.encoding {
                    Ok(e) => json!(e),
                    Err(e) => json!({ "unknown": e }),
                };
                if let (Ok(m), Some(redis)) = (&r.result, self.redis_types(r.case)) {
                    j["rss_ratio_vs_redis"] =
                        json!(ratio(Some(m.rss_per_key()), Some(redis.rss_per_key())));
                    j["used_memory_ratio_vs_redis"] =
                        json!(ratio(m.used_per_key(), redis.used_per_key()));
                }
                j
            })
            .collect();
        let snapshots: Vec<Json> = self
            .snapshots
            .iter()
            .map(|r| match &r.result {
                Ok(x) => json!({
                    "server": r.kind.id(),
                    "rss_before": x.rss_before,
                    "pss_before": x.pss_before,
                    "peak_rss": x.peak_rss,
                    "peak_pss_total": x.peak_pss_total,
                    "forked": x.forked,
                    "secs": x.secs,
                    "samples": x.samples,
                    "write_ops": x.write_ops,
                    "write_p99_ms": x.write_p99_ms,
                    "write_max_ms": x.write_max_ms,
                }),
                Err(e) => json!({"server": r.kind.id(), "unavailable": e}),
            })
            .collect();
        let rdb_speed: Vec<Json> = self
            .rdb_speed
            .iter()
            .map(|r| {
                let mut j = match &r.result {
                    Ok(x) => {
                        let redis = self.redis_rdb(r.data);
                        json!({
                            "server": r.kind.id(),
                            "keys": x.keys,
                            "rdb_bytes": x.bytes,
                            "save_secs": x.save_secs,
                            "save_mb_per_sec": x.save_mb_s(),
                            "load_secs": x.load_secs,
                            "load_secs_from": x.source.id(),
                            "ready_secs": x.ready_secs,
                            "load_mb_per_sec": x.load_mb_s(),
                            "save_ratio_vs_redis": ratio(x.save_mb_s(), redis.and_then(|r| r.save_mb_s())),
                            "load_ratio_vs_redis": ratio(x.load_mb_s(), redis.and_then(|r| r.load_mb_s())),
                            "ready_ratio_vs_redis": ratio(Some(x.ready_secs), redis.map(|r| r.ready_secs)),
                            "redis_check_rdb": match &x.check {
                                Ok(()) => json!("ok"),
                                Err(e) => json!({ "failed": e }),
                            },
                        })
                    }
                    Err(e) => json!({"server": r.kind.id(), "failed": e}),
                };
                j["dataset"] = json!(r.data.id());
                j["describe"] = json!(r.data.describe(m.keys, m.value_size));
                j
            })
            .collect();
        json!({
            "meta": {
                "date": m.date,
                "cores": m.cores,
                "cpu_model": m.cpu_model,
                "mem_bytes": m.mem_bytes,
                "kernel": m.kernel,
                "redis_version": m.redis_version,
                "anax_version": m.anax_version,
                "git": m.git,
                "command_line": m.command_line,
                "perf": match &m.perf_unavailable { None => "ok".to_string(), Some(e) => e.clone() },
                "rounds": m.rounds,
                "clients": m.clients,
                "pipeline": m.pipeline,
                "keyspace": m.keyspace,
                "value_size": m.value_size,
                "open_fraction": m.open_fraction,
                "open_secs": m.open_secs,
                "keys": m.keys,
                "elements": m.elements,
                "snapshot_rate": m.snapshot_rate,
                "server_cpus": m.server_cpus,
                "client_cpus": m.client_cpus,
                "bench_threads": m.bench_threads,
                "client_threads": m.client_threads,
                "total_secs": m.total_secs,
                "load_before": m.load_before,
                "load_after": m.load_after,
            },
            "servers": self.servers.iter().map(|k| k.id()).collect::<Vec<_>>(),
            "throughput": rows,
            "memory": memory,
            "types_memory": types_memory,
            "snapshot": snapshots,
            "rdb_speed": rdb_speed,
            "notes": self.notes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::rdbspeed::{LoadSource, RdbSpeed};
    use super::*;

    fn sample() -> Report {
        let t1 = Kind::Anax { threads: 1 };
        let mut r = Report::new(
            Meta {
                pipeline: 16,
                rounds: 3,
                perf_unavailable: Some(
                    "perf: the instructions counter is <not supported> on this machine".into(),
                ),
                ..Meta::default()
            },
            vec![Kind::Redis, t1],
        );
        for (kind, rps, p99) in [(Kind::Redis, 100.0, 1.0), (t1, 150.0, 0.5)] {
            let c = r.cell(Section::Rb, "GET", 16, kind);
            c.rps = vec![rps, rps * 1.1, rps * 0.9];
            c.p50 = vec![0.1; 3];
            c.p99 = vec![p99; 3];
            c.p999 = vec![p99 * 2.0; 3];
        }
        r.cell(Section::Rb, "LPUSH", 1, Kind::Redis).rps = vec![10.0];
        r.cell(Section::Rb, "LPUSH", 1, t1).not_implemented = Some("not implemented".into());
        r.memory.push(MemRow {
            kind: Kind::Redis,
            keys: 1000,
            rss_empty: 1000,
            rss_loaded: 114_000,
            used_empty: Some(0),
            used_loaded: Some(105_000),
            load_secs: 0.1,
        });
        r.memory.push(MemRow {
            kind: t1,
            keys: 1000,
            rss_empty: 1000,
            rss_loaded: 41_000,
            used_empty: None,
            used_loaded: None,
            load_secs: 0.1,
        });
        r.snapshots.push(SnapRow {
            kind: t1,
            result: Err("not implemented".into()),
        });
        r.meta.elements = 1000;
        let mem = |kind, rss_loaded, used_loaded| MemRow {
            kind,
            keys: 1000,
            rss_empty: 1000,
            rss_loaded,
            used_empty: Some(500),
            used_loaded: Some(used_loaded),
            load_secs: 0.25,
        };
        for (case, kind, result, encoding) in [
            (
                TypeCase::Hash,
                Kind::Redis,
                Ok(mem(Kind::Redis, 81_000, 60_500)),
                Ok("hashtable"),
            ),
            (
                TypeCase::Hash,
                t1,
                Ok(mem(t1, 61_000, 30_500)),
                Ok("hashtable"),
            ),
            (
                TypeCase::List,
                Kind::Redis,
                Ok(mem(Kind::Redis, 21_000, 20_500)),
                Ok("quicklist"),
            ),
            (
                TypeCase::List,
                t1,
                Ok(mem(t1, 31_000, 40_500)),
                Ok("listpack"),
            ),
            (
                TypeCase::Set,
                t1,
                Err("boom".to_string()),
                Err("not loaded"),
            ),
        ] {
            r.types_memory.push(TypeMemRow {
                case,
                kind,
                result,
                encoding: encoding.map(String::from).map_err(String::from),
            });
        }
        r.meta.keys = 1000;
        r.meta.value_size = 16;
        let speed = |bytes, save_secs, load_secs, check: Result<(), String>| RdbSpeed {
            keys: 1000,
            bytes,
            save_secs,
            load_secs,
            source: LoadSource::Log,
            ready_secs: load_secs + 0.1,
            check,
        };
        r.rdb_speed.push(RdbRow {
            data: RdbData::Strings,
            kind: Kind::Redis,
            result: Ok(speed(40_000_000, 0.4, 0.8, Ok(()))),
        });
        r.rdb_speed.push(RdbRow {
            data: RdbData::Strings,
            kind: t1,
            result: Ok(speed(
                40_000_000,
                0.2,
                1.0,
                Err("exited non-zero: bad".into()),
            )),
        });
        r.rdb_speed.push(RdbRow {
            data: RdbData::Types,
            kind: t1,
            result: Err("SAVE replied ERR".into()),
        });
        r.note("hello");
        r.note("hello");
        r
    }

    #[test]
    fn rdb_speed_markdown_and_json() {
        let r = sample();
        let md = r.markdown();
        assert!(md.contains("## Save and load speed (RDB)"), "{md}");
        assert!(
            md.contains("| 1,000 strings, 16-byte values | redis | 40.0 | 0.400 | 100.0 | 1.00x | 0.800 | 50.0 | 1.00x | 0.900 | 1.00x | OK |"),
            "{md}"
        );
        assert!(
            md.contains("| 1,000 strings, 16-byte values | anax t1 | 40.0 | 0.200 | 200.0 | 2.00x | 1.000 | 40.0 | 0.80x | 1.100 | 1.22x | **failed**: exited non-zero: bad |"),
            "{md}"
        );
        assert!(
            md.contains("| hash, set, sorted set, list of 250 elements each | anax t1 | failed: SAVE replied ERR |"),
            "{md}"
        );
        assert!(
            md.contains("| save MB/s ≥ Redis (1,000 strings, 16-byte values) | 200.0 against 100.0 MB/s (2.00x) | yes |"),
            "{md}"
        );
        assert!(
            md.contains("| load MB/s ≥ Redis (1,000 strings, 16-byte values) | 40.0 against 50.0 MB/s (0.80x); spawn to PONG 1.100 s against 0.900 s | **no** |"),
            "{md}"
        );
        let j = r.json();
        let rows = j["rdb_speed"].as_array().unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[1]["server"], "anax-t1");
        assert_eq!(rows[1]["dataset"], "strings");
        assert_eq!(rows[1]["rdb_bytes"], 40_000_000);
        assert_eq!(rows[1]["save_mb_per_sec"], 200.0);
        assert_eq!(rows[1]["save_ratio_vs_redis"], 2.0);
        assert_eq!(rows[1]["load_ratio_vs_redis"], 0.8);
        assert_eq!(rows[1]["load_secs_from"], "log");
        assert_eq!(rows[0]["redis_check_rdb"], "ok");
        assert_eq!(rows[1]["redis_check_rdb"]["failed"], "exited non-zero: bad");
        assert_eq!(rows[2]["failed"], "SAVE replied ERR");
    }

    #[test]
    fn markdown_has_ratios_and_gaps() {
        let md = sample().markdown();
        assert!(md.contains("| GET | 16 | anax t1 | 150 | 1.50x |"), "{md}");
        assert!(
            md.contains("| LPUSH | 1 | anax t1 | not implemented |"),
            "{md}"
        );
        assert!(
            md.contains("| redis | 113.0 | 1.00x | 105.0 | 1.00x |"),
            "{md}"
        );
        assert!(md.contains("| anax t1 | 40.0 | 0.35x | – | – |"), "{md}");
        assert!(
            md.contains("| GET pipeline 16: ops/s ≥ 1.5x Redis | 1.50x | yes |"),
            "{md}"
        );
        assert!(md.contains("memory: ≤ 40 B RSS per key"), "{md}");
        assert_eq!(md.matches("- hello").count(), 1);
    }

    #[test]
    fn types_memory_markdown() {
        let md = sample().markdown();
        assert!(
            md.contains("## Memory per element: 1,000-element collections and 1,000 small hashes"),
            "{md}"
        );
        assert!(
            md.contains("| 1 hash, 1,000 fields, 16-byte values | field | redis | hashtable | 80.0 | 1.00x | 60.0 | 1.00x |"),
            "{md}"
        );
        assert!(
            md.contains("| 1 hash, 1,000 fields, 16-byte values | field | anax t1 | hashtable | 60.0 | 0.75x | 30.0 | 0.50x |"),
            "{md}"
        );
        assert!(
            md.contains("| 1 list, 1,000 16-byte elements | element | anax t1 | listpack (expected quicklist) | 30.0 | 1.50x | 40.0 | 2.00x |"),
            "{md}"
        );
        assert!(
            md.contains("| 1 set, 1,000 members | member | anax t1 | unknown (not loaded) | failed: boom | | | | | | |"),
            "{md}"
        );
        // Hash before list, whatever the order of the rows.
        assert!(md.find("| 1 hash,").unwrap() < md.find("| 1 list,").unwrap());
        assert!(
            md.contains("| memory: RSS per field < Redis (1 hash, 1,000 fields, 16-byte values) | 60.0 B against 80.0 B (0.75x) | yes |"),
            "{md}"
        );
        assert!(
            md.contains("| memory: RSS per element < Redis (1 list, 1,000 16-byte elements) | 30.0 B against 20.0 B (1.50x) | **no** |"),
            "{md}"
        );
        // No Redis figure for the set: no target row.
        assert!(!md.contains("RSS per member < Redis"), "{md}");
    }

    #[test]
    fn json_has_medians() {
        let j = sample().json();
        let rows = j["throughput"].as_array().unwrap();
        let get = rows
            .iter()
            .find(|r| r["server"] == "anax-t1" && r["command"] == "GET")
            .unwrap();
        assert_eq!(get["median"]["ops_per_sec"], 150.0);
        assert_eq!(get["ops_ratio_vs_redis"], 1.5);
        assert_eq!(j["memory"][1]["rss_bytes_per_key"], 40.0);
        assert_eq!(j["memory"][1]["keys"], 1000);
        let t = j["types_memory"].as_array().unwrap();
        assert_eq!(t.len(), 5);
        assert_eq!(t[1]["case"], "hash");
        assert_eq!(t[1]["server"], "anax-t1");
        assert_eq!(t[1]["per"], "field");
        assert_eq!(t[1]["elements"], 1000);
        assert_eq!(t[1]["rss_bytes_per_element"], 60.0);
        assert_eq!(t[1]["rss_ratio_vs_redis"], 0.75);
        assert_eq!(t[1]["used_memory_ratio_vs_redis"], 0.5);
        assert_eq!(t[1]["encoding"], "hashtable");
        assert_eq!(t[4]["failed"], "boom");
        assert_eq!(t[4]["encoding"]["unknown"], "not loaded");
        assert_eq!(j["meta"]["elements"], 1000);
        assert_eq!(j["snapshot"][0]["unavailable"], "not implemented");
    }
}
