//! The run itself: start the servers, run every phase against each in turn, collect the
//! figures into a [`Report`].

use super::client::{error_text, Client};
use super::loadgen::{self, LoadSpec, Mode, Workload, DRAIN};
use super::opts::Options;
use super::perf::{self, PerfSession};
use super::procfs;
use super::rb::{self, RbSpec};
use super::rdbspeed::{self, LoadSource, RdbData, RdbRow, RdbSpeed};
use super::report::{MemRow, Report, Section, SnapRow, Snapshot, TypeMemRow};
use super::server::{Kind, Launch, Server, StartOpts};
use super::stats::{fmt_count, median};
use super::typemem::{self, TypeCase};
use anax_protocol::Value;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The redis-benchmark tests: table name, `-t` name, share of `--requests`.
const RB_TESTS: [(&str, &str, f64); 6] = [
    ("SET", "set", 1.0),
    ("GET", "get", 1.0),
    ("INCR", "incr", 1.0),
    // Ten keys per request.
    ("MSET", "mset", 0.5),
    ("LPUSH", "lpush", 1.0),
    ("LPOP", "lpop", 1.0),
];

/// Prints a progress line to stderr.
macro_rules! progress {
    ($($t:tt)*) => { eprintln!("harness: {}", format!($($t)*)) };
}

/// Output of a command, trimmed; empty when it cannot run.
pub fn command_output(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

/// Runs every phase the options ask for.
pub fn run(opts: &Options, launch: &Launch, report: &mut Report) {
    let started = Instant::now();
    if let Some(e) = report.meta.perf_unavailable.clone() {
        report.note(format!(
            "instructions per operation: n/a: {e}; the CPU cost columns use the servers' CPU time from /proc instead"
        ));
    }
    if opts.phases.rb || opts.phases.load {
        throughput(opts, launch, report);
    }
    if opts.phases.memory || opts.phases.snapshot {
        memory_and_snapshot(opts, launch, report);
    }
    if opts.phases.types {
        types_memory(opts, launch, report);
    }
    if opts.phases.rdbspeed {
        rdb_speed(opts, launch, report);
    }
    report.meta.total_secs = started.elapsed().as_secs_f64();
    report.meta.load_after = procfs::loadavg().unwrap_or_default();
}

/// Starts a server and preloads the throughput keyspace.
fn start_loaded(kind: Kind, opts: &Options, launch: &Launch) -> Result<Server, String> {
    let s = Server::start(kind, launch)?;
    let mut c = s.client()?;
    c.load_keys(opts.keyspace, opts.value_size, 1000)
        .map_err(|e| format!("{}: preloading {} keys: {e}", kind.label(), opts.keyspace))?;
    Ok(s)
}

/// `None` when the server has lists, otherwise why not (from a real LPUSH).
fn probe_lists(s: &Server) -> Result<Option<String>, String> {
    let mut c = s.client()?;
    let key = "__anax_harness_probe";
    let v = c
        .cmd(&["LPUSH", key, "x"])
        .map_err(|e| format!("LPUSH probe: {e}"))?;
    let _ = c.cmd(&["DEL", key]);
    // Redis's text goes on with ", with args beginning with: ...": keep the start.
    Ok(error_text(&v).map(|e| {
        let e = e.split(", with args").next().unwrap_or(&e).trim();
        format!("not implemented (probe: {e})")
    }))
}

/// Checks that the server still runs; if it died, notes it and starts a fresh one.
fn ensure_alive(
    slot: &mut Option<Server>,
    kind: Kind,
    during: &str,
    opts: &Options,
    launch: &Launch,
    report: &mut Report,
) {
    let Some(s) = slot.as_mut() else {
        return;
    };
    if let Err(e) = s.check_alive() {
        report.note(format!("{} died during {during}: {e}", kind.label()));
        progress!("{} died during {during}: {e}; restarting it", kind.label());
        *slot = None;
        match start_loaded(kind, opts, launch) {
            Ok(s) => *slot = Some(s),
            Err(e) => report.note(format!("{}: could not restart: {e}", kind.label())),
        }
    }
}

fn throughput(opts: &Options, launch: &Launch, report: &mut Report) {
    let kinds = report.servers.clone();
    let n = kinds.len();
    let mut servers: Vec<Option<Server>> = Vec::with_capacity(n);
    let mut lists: Vec<Option<String>> = Vec::with_capacity(n);
    for &k in &kinds {
        match start_loaded(k, opts, launch) {
            Ok(s) => {
                match probe_lists(&s) {
                    Ok(v) => lists.push(v),
                    Err(e) => lists.push(Some(format!("probe failed: {e}"))),
                }
                servers.push(Some(s));
            }
            Err(e) => {
                report.note(format!("{}: could not start: {e}", k.label()));
                lists.push(None);
                servers.push(None);
            }
        }
    }
    for (k, why) in kinds.iter().zip(&lists) {
        if let Some(why) = why {
            report.note(format!(
                "{}: LPUSH/LPOP {why}; those rows show Redis alone",
                k.label()
            ));
        }
    }
    let perf_ok = report.meta.perf_unavailable.is_none();
    let pipelines = [1, opts.pipeline];
    for round in 0..opts.rounds {
        // Rotate the order each round so no server always runs first.
        let order: Vec<usize> = (0..n).map(|i| (i + round) % n).collect();
        if opts.phases.rb {
            for &pipeline in &pipelines {
                for (name, test, share) in RB_TESTS {
                    for &si in &order {
                        let kind = kinds[si];
                        let is_list = test == "lpush" || test == "lpop";
                        if is_list {
                            if let Some(why) = &lists[si] {
                                report
                                    .cell(Section::Rb, name, pipeline, kind)
                                    .not_implemented = Some(why.clone());
                                continue;
                            }
                        }
                        let Some(s) = &servers[si] else {
                            report
                                .cell(Section::Rb, name, pipeline, kind)
                                .failures
                                .push("server not running".into());
                            continue;
                        };
                        let base = if pipeline == 1 {
                            opts.requests
                        } else {
                            opts.requests * 10
                        };
                        let spec = RbSpec {
                            addr: s.addr(),
                            test: test.to_string(),
                            clients: opts.clients,
                            requests: ((base as f64 * share) as u64).max(1),
                            pipeline,
                            keyspace: opts.keyspace,
                            data_size: opts.value_size,
                            threads: opts.bench_threads,
                        };
                        let res = rb::run(&spec);
                        let during = format!("redis-benchmark {name} -P {pipeline}");
                        let cell = report.cell(Section::Rb, name, pipeline, kind);
                        match res {
                            Ok(r) => {
                                cell.rps.push(r.rps);
                                cell.p50.push(r.p50_ms);
                                cell.p99.push(r.p99_ms);
                                cell.p999.push(r.p999_ms);
                                progress!(
                                    "round {}/{}: {during} {}: {} ops/s, p99 {} ms",
                                    round + 1,
                                    opts.rounds,
                                    kind.label(),
                                    fmt_count(r.rps),
                                    r.p99_ms
                                );
                            }
                            Err(e) => {
                                cell.failures.push(e.clone());
                                progress!("{during} {}: {e}", kind.label());
                                report.note(format!("{} during {during}: {e}", kind.label()));
                            }
                        }
                        ensure_alive(&mut servers[si], kind, &during, opts, launch, report);
                    }
                }
            }
        }
        if opts.phases.load {
            for &pipeline in &pipelines {
                for workload in [Workload::Get, Workload::Set] {
                    let name = workload.name();
                    let ops = if pipeline == 1 {
                        opts.load_ops
                    } else {
                        opts.load_ops * 10
                    };
                    let mut redis_closed = None;
                    for &si in &order {
                        let kind = kinds[si];
                        let Some(s) = &servers[si] else {
                            continue;
                        };
                        let spec = LoadSpec {
                            addr: s.addr(),
                            workload,
                            conns: opts.clients,
                            threads: opts.client_threads,
                            pipeline,
                            keyspace: opts.keyspace,
                            value_size: opts.value_size,
                            mode: Mode::Closed { ops },
                            seed: (round as u64) << 32 | si as u64,
                            stop: None,
                            drain: DRAIN,
                        };
                        let pid = s.pid();
                        let perf = if perf_ok {
                            PerfSession::attach(pid).ok()
                        } else {
                            None
                        };
                        let cpu0 = procfs::cpu_ns(pid);
                        let res = loadgen::run(&spec);
                        let cpu1 = procfs::cpu_ns(pid);
                        let instr = perf.map(PerfSession::finish);
                        let during = format!("the closed-loop {name} load (pipeline {pipeline})");
                        let cell = report.cell(Section::Closed, name, pipeline, kind);
                        match res {
                            Ok(r) => {
                                let rps = r.throughput();
                                if kind == Kind::Redis {
                                    redis_closed = Some(rps);
                                }
                                cell.rps.push(rps);
                                cell.client_busy.push(r.client_busy());
                                cell.p50.push(r.percentile_ms(50.0));
                                cell.p99.push(r.percentile_ms(99.0));
                                cell.p999.push(r.percentile_ms(99.9));
                                if let (Some(a), Some(b)) = (cpu0, cpu1) {
                                    if r.ops > 0 {
                                        cell.cpu_ns.push(b.saturating_sub(a) as f64 / r.ops as f64);
                                    }
                                }
                                match instr {
                                    Some(Ok(i)) if r.ops > 0 => {
                                        cell.instr.push(i as f64 / r.ops as f64)
                                    }
                                    Some(Err(e)) => cell.failures.push(format!("perf: {e}")),
                                    _ => {}
                                }
                                cell.errors
                                    .push((r.errors, r.first_error.clone().unwrap_or_default()));
                                progress!(
                                    "round {}/{}: {during} {}: {} ops/s, p99 {:.3} ms, load generator {:.0}% busy",
                                    round + 1,
                                    opts.rounds,
                                    kind.label(),
                                    fmt_count(rps),
                                    r.percentile_ms(99.0),
                                    r.client_busy() * 100.0
                                );
                                if r.errors > 0 {
                                    let first = r.first_error.unwrap_or_default();
                                    report.note(format!(
                                        "{}: {} error replies during {during}, the first: {first}",
                                        kind.label(),
                                        r.errors
                                    ));
                                }
                            }
                            Err(e) => {
                                cell.failures.push(e.clone());
                                progress!("{during} {}: {e}", kind.label());
                                report.note(format!("{} during {during}: {e}", kind.label()));
                            }
                        }
                        ensure_alive(&mut servers[si], kind, &during, opts, launch, report);
                    }
                    // The open loop runs at a fixed share of what Redis just managed.
                    let redis_rps = redis_closed.or_else(|| {
                        report
                            .get(Section::Closed, name, pipeline, Kind::Redis)
                            .and_then(|c| median(&c.rps))
                    });
                    let Some(redis_rps) = redis_rps else {
                        report.note(format!(
                            "open loop {name} pipeline {pipeline} skipped in round {}: no Redis closed-loop figure",
                            round + 1
                        ));
                        continue;
                    };
                    let rate = redis_rps * opts.open_fraction;
                    for &si in &order {
                        let kind = kinds[si];
                        let Some(s) = &servers[si] else {
                            continue;
                        };
                        let spec = LoadSpec {
                            addr: s.addr(),
                            workload,
                            conns: opts.clients,
                            threads: opts.client_threads,
                            pipeline,
                            keyspace: opts.keyspace,
                            value_size: opts.value_size,
                            mode: Mode::Open {
                                rate,
                                duration: opts.open_duration,
                            },
                            seed: (round as u64) << 32 | 0x100 | si as u64,
                            stop: None,
                            drain: DRAIN,
                        };
                        let res = loadgen::run(&spec);
                        let during = format!("the open-loop {name} load (pipeline {pipeline})");
                        let cell = report.cell(Section::Open, name, pipeline, kind);
                        cell.target.push(rate);
                        match res {
                            Ok(r) => {
                                cell.rps.push(r.throughput());
                                cell.p50.push(r.percentile_ms(50.0));
                                cell.p99.push(r.percentile_ms(99.0));
                                cell.p999.push(r.percentile_ms(99.9));
                                cell.unanswered.push(r.unanswered as f64);
                                cell.client_busy.push(r.client_busy());
                                cell.lag_p99
                                    .push(r.lag.value_at_quantile(0.99) as f64 / 1e6);
                                cell.errors
                                    .push((r.errors, r.first_error.clone().unwrap_or_default()));
                                progress!(
                                    "round {}/{}: {during} {}: target {} achieved {} ops/s, p99 {:.3} ms, load generator {:.0}% busy",
                                    round + 1,
                                    opts.rounds,
                                    kind.label(),
                                    fmt_count(rate),
                                    fmt_count(r.throughput()),
                                    r.percentile_ms(99.0),
                                    r.client_busy() * 100.0
                                );
                                if r.unanswered > 0 {
                                    report.note(format!(
                                        "{}: {} requests unanswered {:?} after the end of {during}",
                                        kind.label(),
                                        r.unanswered,
                                        DRAIN
                                    ));
                                }
                            }
                            Err(e) => {
                                cell.failures.push(e.clone());
                                progress!("{during} {}: {e}", kind.label());
                                report.note(format!("{} during {during}: {e}", kind.label()));
                            }
                        }
                        ensure_alive(&mut servers[si], kind, &during, opts, launch, report);
                    }
                }
            }
        }
    }
    for s in servers.into_iter().flatten() {
        s.stop();
    }
}

/// A fresh server for one memory measurement (`what` names the run in the notes).
fn start_fresh(kind: Kind, launch: &Launch, what: &str, report: &mut Report) -> Option<Server> {
    match Server::start(kind, launch) {
        Ok(s) => Some(s),
        Err(e) => {
            report.note(format!("{what}: {}: could not start: {e}", kind.label()));
            None
        }
    }
}

/// Stops a server after a memory measurement, noting it if it died `during` it.
fn stop_checked(mut server: Server, during: &str, report: &mut Report) {
    if let Err(e) = server.check_alive() {
        report.note(format!("{} died during {during}: {e}", server.kind.label()));
    }
    server.stop();
}

fn memory_and_snapshot(opts: &Options, launch: &Launch, report: &mut Report) {
    let kinds = report.servers.clone();
    for (i, &kind) in kinds.iter().enumerate() {
        let Some(server) = start_fresh(kind, launch, "memory run", report) else {
            continue;
        };
        let res = memory_one(&server, opts);
        match res {
            Ok(row) => {
                progress!(
                    "memory: {}: {:.1} B/key RSS, {} B/key used_memory",
                    kind.label(),
                    row.rss_per_key(),
                    row.used_per_key()
                        .map(|v| format!("{v:.1}"))
                        .unwrap_or_else(|| "–".into())
                );
                report.memory.push(row);
                if opts.phases.snapshot {
                    let result = snapshot_one(&server, opts, i as u64);
                    match &result {
                        Ok(x) => progress!(
                            "snapshot: {}: PSS {:.0} MiB before, peak {:.0} MiB, {:.2} s",
                            kind.label(),
                            x.pss_before as f64 / 1048576.0,
                            x.peak_pss_total as f64 / 1048576.0,
                            x.secs
                        ),
                        Err(e) => progress!("snapshot: {}: {e}", kind.label()),
                    }
                    report.snapshots.push(SnapRow { kind, result });
                }
            }
            Err(e) => {
                progress!("memory: {}: {e}", kind.label());
                report.note(format!("memory run: {}: {e}", kind.label()));
            }
        }
        stop_checked(server, "the memory/snapshot run", report);
    }
}

/// RSS and INFO used_memory of an empty server, then `load` (which returns how many keys
/// or elements it loaded and checked), a second to settle, and both again.
fn measure_memory(
    server: &Server,
    load: impl FnOnce(&mut Client) -> Result<u64, String>,
) -> Result<MemRow, String> {
    let pid = server.pid();
    let mut c = server.client()?;
    std::thread::sleep(Duration::from_millis(500));
    let rss_empty = procfs::rss_bytes(pid).ok_or("cannot read statm")?;
    let used_empty = c
        .info_u64("memory", "used_memory")
        .map_err(|e| e.to_string())?;
    let t = Instant::now();
    let keys = load(&mut c)?;
    let load_secs = t.elapsed().as_secs_f64();
    // Let background work (Redis's incremental rehash) settle.
    std::thread::sleep(Duration::from_secs(1));
    let rss_loaded = procfs::rss_bytes(pid).ok_or("cannot read statm")?;
    let used_loaded = c
        .info_u64("memory", "used_memory")
        .map_err(|e| e.to_string())?;
    Ok(MemRow {
        kind: server.kind,
        keys,
        rss_empty,
        rss_loaded,
        used_empty,
        used_loaded,
        load_secs,
    })
}

fn memory_one(server: &Server, opts: &Options) -> Result<MemRow, String> {
    measure_memory(server, |c| {
        c.load_keys(opts.keys, opts.value_size, 1000)
            .map_err(|e| format!("loading {} keys: {e}", opts.keys))?;
        let keys = match c.cmd(&["DBSIZE"]).map_err(|e| e.to_string())? {
            Value::Int(n) => n as u64,
            other => return Err(format!("DBSIZE replied {other:?}")),
        };
        if keys != opts.keys {
            return Err(format!("loaded {} keys but DBSIZE says {keys}", opts.keys));
        }
        Ok(keys)
    })
}

/// The per-type memory run: each case on a fresh server of each kind.
fn types_memory(opts: &Options, launch: &Launch, report: &mut Report) {
    let kinds = report.servers.clone();
    let n = opts.elements;
    for case in TypeCase::ALL {
        for &kind in &kinds {
            let what = format!("the {} memory run", case.id());
            let Some(server) = start_fresh(kind, launch, &what, report) else {
                report.types_memory.push(TypeMemRow {
                    case,
                    kind,
                    result: Err("could not start".into()),
                    encoding: Err("no server".into()),
                });
                continue;
            };
            let result = measure_memory(&server, |c| typemem::load(c, case, n));
            let encoding = match &result {
                Ok(_) => server
                    .client()
                    .and_then(|mut c| typemem::encoding(&mut c, case, n)),
                Err(_) => Err("not loaded".into()),
            };
            match (&result, &encoding) {
                (Ok(m), Ok(enc)) => progress!(
                    "types memory: {} {}: {:.1} B/{} RSS, {} B/{} used_memory, encoding {enc}",
                    kind.label(),
                    case.id(),
                    m.rss_per_key(),
                    case.unit(),
                    m.used_per_key()
                        .map(|v| format!("{v:.1}"))
                        .unwrap_or_else(|| "–".into()),
                    case.unit()
                ),
                (Ok(_), Err(e)) => {
                    progress!(
                        "types memory: {} {}: encoding: {e}",
                        kind.label(),
                        case.id()
                    );
                    report.note(format!("{what}: {}: OBJECT ENCODING: {e}", kind.label()));
                }
                (Err(e), _) => {
                    progress!("types memory: {} {}: {e}", kind.label(), case.id());
                    report.note(format!("{what}: {}: {e}", kind.label()));
                }
            }
            if let Ok(enc) = &encoding {
                if enc != case.expected_encoding() {
                    report.note(format!(
                        "{what}: {}: OBJECT ENCODING is {enc}, not {}",
                        kind.label(),
                        case.expected_encoding()
                    ));
                }
            }
            report.types_memory.push(TypeMemRow {
                case,
                kind,
                result,
                encoding,
            });
            stop_checked(server, &what, report);
        }
    }
}

/// The save and load speed run: each dataset on a fresh server of each kind, SAVE, then a
/// fresh server of the same kind on the file (see [`rdbspeed`]).
fn rdb_speed(opts: &Options, launch: &Launch, report: &mut Report) {
    let kinds = report.servers.clone();
    for data in RdbData::ALL {
        for &kind in &kinds {
            let result = rdb_one(kind, data, opts, launch);
            match &result {
                Ok(x) => progress!(
                    "rdb speed: {} {}: {:.1} MB, SAVE {:.3} s ({} MB/s), load {:.3} s from the {} ({} MB/s), redis-check-rdb {}",
                    kind.label(),
                    data.id(),
                    x.bytes as f64 / 1e6,
                    x.save_secs,
                    x.save_mb_s().map_or("–".into(), |v| format!("{v:.1}")),
                    x.load_secs,
                    x.source.id(),
                    x.load_mb_s().map_or("–".into(), |v| format!("{v:.1}")),
                    match &x.check {
                        Ok(()) => "OK".to_string(),
                        Err(e) => format!("failed: {e}"),
                    }
                ),
                Err(e) => {
                    progress!("rdb speed: {} {}: {e}", kind.label(), data.id());
                    report.note(format!(
                        "the {} save/load run: {}: {e}",
                        data.id(),
                        kind.label()
                    ));
                }
            }
            if let Ok(RdbSpeed {
                source: LoadSource::Ping,
                ..
            }) = &result
            {
                report.note(format!(
                    "the {} save/load run: {}: no 'DB loaded from disk' log line; load time is spawn to first PONG",
                    data.id(),
                    kind.label()
                ));
            }
            if let Ok(RdbSpeed { check: Err(e), .. }) = &result {
                report.note(format!(
                    "the {} save/load run: {}: redis-check-rdb failed: {e}",
                    data.id(),
                    kind.label()
                ));
            }
            report.rdb_speed.push(RdbRow { data, kind, result });
        }
    }
}

/// One dataset saved by a fresh `kind` and loaded by another.
fn rdb_one(kind: Kind, data: RdbData, opts: &Options, launch: &Launch) -> Result<RdbSpeed, String> {
    let mut start = StartOpts {
        loglevel: "notice",
        ready_within: Duration::from_secs(900),
        ..StartOpts::default()
    };
    let mut server = Server::start_with(kind, launch, &start)?;
    let dir = server.dir().to_path_buf();
    let path = dir.join(rdbspeed::DBFILENAME);
    let mut c = server.client()?;
    let keys = data.load(&mut c, opts.keys, opts.value_size)?;
    let t = Instant::now();
    let reply = c.cmd(&["SAVE"]).map_err(|e| format!("SAVE: {e}"))?;
    let save_secs = t.elapsed().as_secs_f64();
    if let Some(e) = error_text(&reply) {
        return Err(format!("SAVE replied {e}"));
    }
    let bytes = std::fs::metadata(&path)
        .map_err(|e| format!("after SAVE: {}: {e}", path.display()))?
        .len();
    drop(c);
    server
        .check_alive()
        .map_err(|e| format!("died after SAVE: {e}"))?;
    server.stop();
    let check = rdbspeed::check_rdb(&path);
    start.dir = Some(dir.clone());
    let mut server = Server::start_with(kind, launch, &start)
        .map_err(|e| format!("starting on the saved file: {e}"))?;
    let ready_secs = server.ready_secs();
    let mut logged = rdbspeed::parse_loaded_secs(&server.log_text());
    if logged.is_none() {
        // In case the line is still on its way to the file.
        std::thread::sleep(Duration::from_millis(300));
        logged = rdbspeed::parse_loaded_secs(&server.log_text());
    }
    let (load_secs, source) = match logged {
        Some(s) => (s, LoadSource::Log),
        None => (ready_secs, LoadSource::Ping),
    };
    let mut c = server.client()?;
    let loaded = data
        .check(&mut c, opts.keys)
        .map_err(|e| format!("after loading the saved file: {e}"))?;
    drop(c);
    server
        .check_alive()
        .map_err(|e| format!("died after loading: {e}"))?;
    server.stop();
    if !opts.keep {
        let _ = std::fs::remove_file(&path);
    }
    if loaded != keys {
        return Err(format!("saved {keys} keys, loaded {loaded}"));
    }
    Ok(RdbSpeed {
        keys,
        bytes,
        save_secs,
        load_secs,
        source,
        ready_secs,
        check,
    })
}

fn snapshot_one(server: &Server, opts: &Options, seed: u64) -> Result<Snapshot, String> {
    let pid = server.pid();
    let mut c = server.client()?;
    let knows = c.knows_command("BGSAVE").map_err(|e| e.to_string())?;
    if !knows {
        return Err("not implemented (COMMAND INFO BGSAVE: unknown)".into());
    }
    let lastsave0 = match c.cmd(&["LASTSAVE"]) {
        Ok(Value::Int(n)) => Some(n),
        _ => None,
    };
    let stop = Arc::new(AtomicBool::new(false));
    let spec = LoadSpec {
        addr: server.addr(),
        workload: Workload::Set,
        conns: 10,
        threads: 1,
        pipeline: 1,
        keyspace: opts.keys,
        value_size: opts.value_size,
        mode: Mode::Open {
            rate: opts.snapshot_rate,
            duration: Duration::from_secs(3600),
        },
        seed: 0x5a5a_0000 | seed,
        stop: Some(stop.clone()),
        drain: DRAIN,
    };
    let load = std::thread::spawn(move || loadgen::run(&spec));
    let stop_load = |stop: &AtomicBool| stop.store(true, Ordering::Relaxed);
    // One second of the write load before the snapshot: the "before" figures.
    let mut rss_before = 0;
    let mut pss_before = 0;
    for _ in 0..20 {
        std::thread::sleep(Duration::from_millis(50));
        rss_before = rss_before.max(procfs::rss_bytes(pid).unwrap_or(0));
        pss_before = pss_before.max(procfs::pss_bytes(pid).unwrap_or(0));
    }
    let reply = c.cmd(&["BGSAVE"]).map_err(|e| e.to_string());
    let t0 = Instant::now();
    let reply = match reply {
        Ok(v) => v,
        Err(e) => {
            stop_load(&stop);
            let _ = load.join();
            return Err(format!("BGSAVE: {e}"));
        }
    };
    if let Some(e) = error_text(&reply) {
        stop_load(&stop);
        let _ = load.join();
        return Err(format!("BGSAVE replied {e}"));
    }
    let mut peak_rss = 0;
    let mut peak_pss_total = 0;
    let mut forked = false;
    let mut samples = 0u64;
    let mut next_check = 20;
    let limit = Duration::from_secs(900);
    loop {
        let rss = procfs::rss_bytes(pid).unwrap_or(0);
        let pss = procfs::pss_bytes(pid).unwrap_or(0);
        let kids = procfs::children(pid);
        let kids_pss: u64 = kids.iter().filter_map(|&k| procfs::pss_bytes(k)).sum();
        forked |= !kids.is_empty();
        peak_rss = peak_rss.max(rss);
        peak_pss_total = peak_pss_total.max(pss + kids_pss);
        samples += 1;
        if kids.is_empty() || samples >= next_check {
            next_check = samples + 20;
            let done = match c.info_u64("persistence", "rdb_bgsave_in_progress") {
                Ok(Some(v)) => v == 0,
                // No such field: wait for LASTSAVE to move.
                Ok(None) => match (c.cmd(&["LASTSAVE"]), lastsave0) {
                    (Ok(Value::Int(n)), Some(l0)) => n != l0,
                    _ => true,
                },
                Err(e) => {
                    stop_load(&stop);
                    let _ = load.join();
                    return Err(format!("INFO persistence during BGSAVE: {e}"));
                }
            };
            if done && kids.is_empty() {
                break;
            }
        }
        if t0.elapsed() > limit {
            stop_load(&stop);
            let _ = load.join();
            return Err(format!("BGSAVE still running after {limit:?}"));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let secs = t0.elapsed().as_secs_f64();
    let status = c
        .info_field("persistence", "rdb_last_bgsave_status")
        .ok()
        .flatten();
    std::thread::sleep(Duration::from_millis(200));
    stop_load(&stop);
    let load = load
        .join()
        .map_err(|_| "write load panicked".to_string())??;
    if let Some(st) = status {
        if st != "ok" {
            return Err(format!("BGSAVE finished with rdb_last_bgsave_status:{st}"));
        }
    }
    Ok(Snapshot {
        rss_before,
        pss_before,
        peak_rss,
        peak_pss_total,
        forked,
        secs,
        samples,
        write_ops: load.ops,
        write_p99_ms: load.percentile_ms(99.0),
        write_max_ms: load.hist.max() as f64 / 1e6,
    })
}

/// Why perf cannot count instructions here (see [`perf::probe`]); `None` when it can.
pub fn perf_unavailable() -> Option<String> {
    perf::probe().err()
}
