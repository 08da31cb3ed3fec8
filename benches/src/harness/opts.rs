//! The harness's command line.

use std::path::PathBuf;
use std::time::Duration;

/// Usage text for `--help`.
pub const USAGE: &str = "\
harness: Anax against redis-server, side by side, on this machine.

Usage: cargo run --release -p anax-benches --bin harness -- [options]
       scripts/bench [options]

Starts anax (target/release/anax; built when missing) and redis-server on free ports and
runs the same loads against each, alternating servers, for several rounds; prints medians
and the ratio Anax/Redis as a markdown table.

Options:
  --rounds N            rounds (default 3)
  --threads LIST        anax --threads values (default: 1, powers of two up to the core
                        count, and the core count)
  --clients N           connections (default 50)
  --pipeline N          depth of the pipelined runs (default 16)
  --requests N          requests per unpipelined redis-benchmark run (default 200000;
                        pipelined runs send 10x, MSET runs half)
  --load-ops N          requests per unpipelined closed-loop run of the own load generator
                        (default 200000; pipelined 10x)
  --open-seconds S      open-loop run length (default 2)
  --open-fraction F     open-loop rate as a fraction of Redis's closed-loop max (default 0.7)
  --keyspace N          keys the throughput runs use (default 100000, preloaded)
  --keys N              keys for the memory, snapshot and save/load runs (default 1000000)
  --big                 --keys 10000000
  --snapshot-rate R     writes per second during BGSAVE (default 20000)
  --elements N          elements per collection, and small hashes, in the per-type memory
                        run (default 1000000)
  --only LIST           phases to run, of rb,load,memory,snapshot,types,rdbspeed (default
                        all); types: bytes per element of a hash, set, sorted set and list
                        of --elements each, and per key of --elements small hashes, each on
                        a fresh server; rdbspeed: SAVE and start-up load speed in MB/s of
                        --keys strings, and of a hash, set, sorted set and list of --keys/4
                        elements each, each on a fresh server, files checked with
                        redis-check-rdb
  --throughput-only     --only rb,load
  --types-memory        --only types
  --anax PATH           anax binary (default target/release/anax)
  --redis PATH          redis-server binary (default redis-server)
  --anax-arg ARG        extra argument for anax (repeatable)
  --server-cpus LIST    run the servers under taskset -c LIST
  --client-cpus LIST    run the harness and redis-benchmark under taskset -c LIST
  --bench-threads N     redis-benchmark --threads (default 1)
  --client-threads N    threads of the own load generator (default 1)
  --quick               tiny sizes (a smoke test of the harness itself)
  --json                print JSON instead of the markdown table
  --json-file PATH      also write JSON to PATH
  --keep                keep the work directory (server logs)
  -h, --help            this text
";

/// Which parts to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Phases {
    /// redis-benchmark runs.
    pub rb: bool,
    /// The own load generator (closed and open loop, CPU cost).
    pub load: bool,
    /// Bytes per key.
    pub memory: bool,
    /// Memory during BGSAVE.
    pub snapshot: bool,
    /// Bytes per element of big collections, and per key of small hashes.
    pub types: bool,
    /// SAVE and load speed.
    pub rdbspeed: bool,
}

impl Phases {
    /// Every phase, or none.
    pub fn all(on: bool) -> Phases {
        Phases {
            rb: on,
            load: on,
            memory: on,
            snapshot: on,
            types: on,
            rdbspeed: on,
        }
    }
}

/// Everything the command line sets.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// Rounds.
    pub rounds: usize,
    /// anax thread counts.
    pub threads: Vec<usize>,
    /// Connections.
    pub clients: usize,
    /// Pipelined depth.
    pub pipeline: usize,
    /// redis-benchmark requests per unpipelined run.
    pub requests: u64,
    /// Own load generator requests per unpipelined closed-loop run.
    pub load_ops: u64,
    /// Open-loop run length.
    pub open_duration: Duration,
    /// Open-loop rate as a fraction of Redis's closed-loop max.
    pub open_fraction: f64,
    /// Keys of the throughput runs.
    pub keyspace: u64,
    /// Keys of the memory run.
    pub keys: u64,
    /// Elements per collection (and small hashes) of the per-type memory run.
    pub elements: u64,
    /// Value size everywhere.
    pub value_size: usize,
    /// Writes per second during BGSAVE.
    pub snapshot_rate: f64,
    /// Phases.
    pub phases: Phases,
    /// anax binary, when given.
    pub anax: Option<PathBuf>,
    /// redis-server binary.
    pub redis: PathBuf,
    /// Extra anax arguments.
    pub anax_args: Vec<String>,
    /// taskset list for the servers.
    pub server_cpus: Option<String>,
    /// taskset list for the harness and redis-benchmark.
    pub client_cpus: Option<String>,
    /// redis-benchmark --threads.
    pub bench_threads: usize,
    /// Own load generator threads.
    pub client_threads: usize,
    /// Print JSON instead of markdown.
    pub json: bool,
    /// Also write JSON here.
    pub json_file: Option<PathBuf>,
    /// Keep the work directory.
    pub keep: bool,
    /// The arguments as given, for the report.
    pub command_line: String,
}

/// The default anax thread counts: 1, powers of two below `cores`, and `cores`.
pub fn default_threads(cores: usize) -> Vec<usize> {
    let mut v = vec![1];
    let mut t = 2;
    while t < cores {
        v.push(t);
        t *= 2;
    }
    if cores > 1 {
        v.push(cores);
    }
    v
}

/// `1,2,4` → `[1, 2, 4]`.
pub fn parse_list(s: &str) -> Result<Vec<usize>, String> {
    let v: Vec<usize> = s
        .split(',')
        .filter(|x| !x.trim().is_empty())
        .map(|x| {
            x.trim()
                .parse::<usize>()
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| format!("not a positive number: {x}"))
        })
        .collect::<Result<_, _>>()?;
    if v.is_empty() {
        return Err("empty list".into());
    }
    Ok(v)
}

/// A taskset CPU list (`0-3,6`) → `[0, 1, 2, 3, 6]`.
pub fn parse_cpu_list(s: &str) -> Result<Vec<usize>, String> {
    let mut v = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let bad = || format!("bad CPU list: {s}");
        match part.split_once('-') {
            Some((a, b)) => {
                let a: usize = a.trim().parse().map_err(|_| bad())?;
                let b: usize = b.trim().parse().map_err(|_| bad())?;
                if a > b {
                    return Err(bad());
                }
                v.extend(a..=b);
            }
            None => v.push(part.parse().map_err(|_| bad())?),
        }
    }
    v.sort_unstable();
    v.dedup();
    if v.is_empty() {
        return Err(format!("empty CPU list: {s}"));
    }
    Ok(v)
}

/// `[0, 1, 2, 5]` → `0-2,5`.
pub fn fmt_cpu_list(cpus: &[usize]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < cpus.len() {
        let mut j = i;
        while j + 1 < cpus.len() && cpus[j + 1] == cpus[j] + 1 {
            j += 1;
        }
        out.push(if i == j {
            cpus[i].to_string()
        } else {
            format!("{}-{}", cpus[i], cpus[j])
        });
        i = j + 1;
    }
    out.join(",")
}

/// `Ok(None)` for `--help`.
pub fn parse(args: &[String], cores: usize) -> Result<Option<Options>, String> {
    let mut o = Options {
        rounds: 3,
        threads: default_threads(cores),
        clients: 50,
        pipeline: 16,
        requests: 200_000,
        load_ops: 200_000,
        open_duration: Duration::from_secs(2),
        open_fraction: 0.7,
        keyspace: 100_000,
        keys: 1_000_000,
        elements: 1_000_000,
        value_size: 16,
        snapshot_rate: 20_000.0,
        phases: Phases::all(true),
        anax: None,
        redis: PathBuf::from("redis-server"),
        anax_args: Vec::new(),
        server_cpus: None,
        client_cpus: None,
        bench_threads: 1,
        client_threads: 1,
        json: false,
        json_file: None,
        keep: false,
        command_line: args.join(" "),
    };
    let mut it = args.iter();
    fn num<T: std::str::FromStr>(name: &str, v: Option<&String>) -> Result<T, String> {
        let v = v.ok_or_else(|| format!("{name} needs a value"))?;
        v.parse::<T>()
            .map_err(|_| format!("{name}: not a valid number: {v}"))
    }
    fn val(name: &str, v: Option<&String>) -> Result<String, String> {
        v.cloned().ok_or_else(|| format!("{name} needs a value"))
    }
    while let Some(a) = it.next() {
        match a.as_str() {
            "-h" | "--help" => return Ok(None),
            "--rounds" => o.rounds = num(a, it.next())?,
            "--threads" => o.threads = parse_list(&val(a, it.next())?)?,
            "--clients" => o.clients = num(a, it.next())?,
            "--pipeline" => o.pipeline = num(a, it.next())?,
            "--requests" => o.requests = num(a, it.next())?,
            "--load-ops" => o.load_ops = num(a, it.next())?,
            "--open-seconds" => {
                o.open_duration = Duration::from_secs_f64(num::<f64>(a, it.next())?.max(0.1))
            }
            "--open-fraction" => o.open_fraction = num(a, it.next())?,
            "--keyspace" => o.keyspace = num(a, it.next())?,
            "--keys" => o.keys = num(a, it.next())?,
            "--big" => o.keys = 10_000_000,
            "--snapshot-rate" => o.snapshot_rate = num(a, it.next())?,
            "--elements" => o.elements = num(a, it.next())?,
            "--only" => {
                let list = val(a, it.next())?;
                let mut p = Phases::all(false);
                for name in list.split(',') {
                    match name.trim() {
                        "rb" => p.rb = true,
                        "load" => p.load = true,
                        "memory" => p.memory = true,
                        "snapshot" => p.snapshot = true,
                        "types" => p.types = true,
                        "rdbspeed" => p.rdbspeed = true,
                        other => return Err(format!("--only: unknown phase {other}")),
                    }
                }
                o.phases = p;
            }
            "--throughput-only" => {
                o.phases = Phases {
                    rb: true,
                    load: true,
                    ..Phases::all(false)
                }
            }
            "--types-memory" => {
                o.phases = Phases {
                    types: true,
                    ..Phases::all(false)
                }
            }
            "--anax" => o.anax = Some(PathBuf::from(val(a, it.next())?)),
            "--redis" => o.redis = PathBuf::from(val(a, it.next())?),
            "--anax-arg" => o.anax_args.push(val(a, it.next())?),
            "--server-cpus" => o.server_cpus = Some(val(a, it.next())?),
            "--client-cpus" => o.client_cpus = Some(val(a, it.next())?),
            "--bench-threads" => o.bench_threads = num(a, it.next())?,
            "--client-threads" => o.client_threads = num(a, it.next())?,
            "--quick" => {
                o.requests = 20_000;
                o.load_ops = 20_000;
                o.open_duration = Duration::from_millis(500);
                o.keyspace = 10_000;
                o.keys = 100_000;
                o.elements = 100_000;
                o.rounds = o.rounds.min(1);
            }
            "--json" => o.json = true,
            "--json-file" => o.json_file = Some(PathBuf::from(val(a, it.next())?)),
            "--keep" => o.keep = true,
            other => return Err(format!("unknown option {other} (see --help)")),
        }
    }
    if o.rounds == 0
        || o.clients == 0
        || o.pipeline == 0
        || o.keyspace == 0
        || o.keys == 0
        || o.elements == 0
    {
        return Err(
            "--rounds, --clients, --pipeline, --keyspace, --keys and --elements must be positive"
                .into(),
        );
    }
    if !(o.open_fraction > 0.0 && o.open_fraction <= 10.0) {
        return Err("--open-fraction must be in (0, 10]".into());
    }
    for list in [&o.server_cpus, &o.client_cpus].into_iter().flatten() {
        parse_cpu_list(list)?;
    }
    o.bench_threads = o.bench_threads.max(1);
    o.client_threads = o.client_threads.max(1);
    Ok(Some(o))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn defaults() {
        let o = parse(&[], 2).unwrap().unwrap();
        assert_eq!(o.rounds, 3);
        assert_eq!(o.threads, vec![1, 2]);
        assert_eq!(o.keys, 1_000_000);
        assert_eq!(o.elements, 1_000_000);
        assert_eq!(o.phases, Phases::all(true));
    }

    #[test]
    fn thread_defaults_by_cores() {
        assert_eq!(default_threads(1), vec![1]);
        assert_eq!(default_threads(6), vec![1, 2, 4, 6]);
        assert_eq!(default_threads(16), vec![1, 2, 4, 8, 16]);
    }

    #[test]
    fn options() {
        let o = parse(
            &args("--rounds 5 --big --threads 1,4 --throughput-only --anax-arg --no-pin --anax-arg --hz --json"),
            8,
        )
        .unwrap()
        .unwrap();
        assert_eq!(o.rounds, 5);
        assert_eq!(o.keys, 10_000_000);
        assert_eq!(o.threads, vec![1, 4]);
        assert!(!o.phases.memory && o.phases.rb);
        assert_eq!(o.anax_args, vec!["--no-pin", "--hz"]);
        assert!(o.json);
        let o = parse(&args("--only memory,snapshot"), 2).unwrap().unwrap();
        assert!(!o.phases.rb && !o.phases.load && o.phases.memory && o.phases.snapshot);
        assert!(!o.phases.types && !o.phases.rdbspeed);
        let o = parse(&args("--only rdbspeed --keys 5000"), 2)
            .unwrap()
            .unwrap();
        assert_eq!(
            o.phases,
            Phases {
                rdbspeed: true,
                ..Phases::all(false)
            }
        );
        assert_eq!(o.keys, 5000);
    }

    #[test]
    fn types_memory() {
        let o = parse(&args("--types-memory --elements 5000"), 2)
            .unwrap()
            .unwrap();
        assert_eq!(
            o.phases,
            Phases {
                types: true,
                ..Phases::all(false)
            }
        );
        assert_eq!(o.elements, 5000);
        assert_eq!(o.keys, 1_000_000);
        let o = parse(&args("--only memory,types"), 2).unwrap().unwrap();
        assert!(o.phases.memory && o.phases.types && !o.phases.snapshot && !o.phases.rb);
        let o = parse(&args("--throughput-only"), 2).unwrap().unwrap();
        assert!(!o.phases.types && !o.phases.memory);
        let o = parse(&args("--quick"), 2).unwrap().unwrap();
        assert_eq!(o.elements, 100_000);
        assert!(parse(&args("--elements 0"), 2).is_err());
        assert!(parse(&args("--elements"), 2).is_err());
    }

    #[test]
    fn cpu_lists() {
        assert_eq!(parse_cpu_list("0-3,6").unwrap(), vec![0, 1, 2, 3, 6]);
        assert_eq!(parse_cpu_list("5,1,1").unwrap(), vec![1, 5]);
        assert!(parse_cpu_list("3-1").is_err());
        assert!(parse_cpu_list("x").is_err());
        assert!(parse_cpu_list("").is_err());
        assert_eq!(fmt_cpu_list(&[0, 1, 2, 5, 7, 8]), "0-2,5,7-8");
        assert_eq!(fmt_cpu_list(&[3]), "3");
    }

    #[test]
    fn errors_and_help() {
        assert!(parse(&args("--rounds"), 2).is_err());
        assert!(parse(&args("--rounds x"), 2).is_err());
        assert!(parse(&args("--threads 0"), 2).is_err());
        assert!(parse(&args("--only cpu"), 2).is_err());
        assert!(parse(&args("--frobnicate"), 2).is_err());
        assert!(parse(&args("--help"), 2).unwrap().is_none());
    }
}
