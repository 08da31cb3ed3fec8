//! `harness`: Anax against redis-server, side by side (see `--help`,
//! `anax_benches::harness` and `docs/benchmarks.md`).

use anax_benches::harness::opts::{self, fmt_cpu_list, parse_cpu_list, Options};
use anax_benches::harness::procfs;
use anax_benches::harness::report::{Meta, Report};
use anax_benches::harness::run::{self, command_output};
use anax_benches::harness::server::{Kind, Launch};
use std::path::{Path, PathBuf};
use std::process::{exit, Command};

/// Set in the environment of the copy of the harness that runs under `taskset`.
const PINNED_ENV: &str = "ANAX_HARNESS_PINNED";
/// The machine's core count, passed to the pinned copy (which sees only its own CPUs).
const CORES_ENV: &str = "ANAX_HARNESS_CORES";

fn die(msg: impl std::fmt::Display) -> ! {
    eprintln!("harness: {msg}");
    exit(2)
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn have(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cores = std::env::var(CORES_ENV)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let mut o: Options = match opts::parse(&args, cores) {
        Ok(Some(o)) => o,
        Ok(None) => {
            print!("{}", opts::USAGE);
            return;
        }
        Err(e) => die(e),
    };

    // The load generators (this process, its threads and redis-benchmark) run on
    // --client-cpus: run a copy of the harness under taskset, which they inherit.
    if let Some(cpus) = &o.client_cpus {
        if std::env::var_os(PINNED_ENV).is_none() {
            let exe = std::env::current_exe().unwrap_or_else(|e| die(e));
            let status = Command::new("taskset")
                .arg("-c")
                .arg(cpus)
                .arg(exe)
                .args(&args)
                .env(PINNED_ENV, "1")
                .env(CORES_ENV, cores.to_string())
                .status()
                .unwrap_or_else(|e| die(format!("cannot run taskset: {e}")));
            exit(status.code().unwrap_or(1));
        }
        // Servers not placed explicitly go on the other CPUs (not the pinned harness's).
        if o.server_cpus.is_none() {
            let clients = parse_cpu_list(cpus).unwrap_or_else(|e| die(e));
            let rest: Vec<usize> = (0..cores).filter(|c| !clients.contains(c)).collect();
            if rest.is_empty() {
                die("--client-cpus leaves no CPU for the servers; give --server-cpus");
            }
            o.server_cpus = Some(fmt_cpu_list(&rest));
        }
    }

    let root = workspace_root();
    let anax = o
        .anax
        .clone()
        .unwrap_or_else(|| root.join("target/release/anax"));
    if !anax.exists() {
        if o.anax.is_some() {
            die(format!("no anax binary at {}", anax.display()));
        }
        eprintln!("harness: {} is missing; building it", anax.display());
        let ok = Command::new("cargo")
            .args(["build", "--release", "-p", "anax-host-smol"])
            .current_dir(&root)
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if !ok || !anax.exists() {
            die("cargo build --release -p anax-host-smol failed");
        }
    }
    if !have(&o.redis.display().to_string()) {
        die(format!(
            "cannot run {} (install redis-server 7.0)",
            o.redis.display()
        ));
    }
    if o.phases.rb && !have("redis-benchmark") {
        die("cannot run redis-benchmark (install redis-tools)");
    }
    if o.server_cpus.is_some() && !have("taskset") {
        die("--server-cpus needs taskset (util-linux)");
    }

    let workdir = std::env::temp_dir().join(format!("anax-harness-{}", std::process::id()));
    std::fs::create_dir_all(&workdir)
        .unwrap_or_else(|e| die(format!("{}: {e}", workdir.display())));
    // Run a copy, so that a rebuild during the run cannot swap the binary under it.
    let anax_copy = workdir.join("anax");
    std::fs::copy(&anax, &anax_copy)
        .unwrap_or_else(|e| die(format!("copying {}: {e}", anax.display())));
    let launch = Launch {
        anax: anax_copy,
        redis: o.redis.clone(),
        cpus: o.server_cpus.clone(),
        anax_args: o.anax_args.clone(),
        redis_args: Vec::new(),
        workdir: workdir.clone(),
    };

    let git_rev = command_output(
        "git",
        &[
            "-C",
            &root.display().to_string(),
            "rev-parse",
            "--short",
            "HEAD",
        ],
    );
    let dirty = !command_output(
        "git",
        &["-C", &root.display().to_string(), "status", "--porcelain"],
    )
    .is_empty();
    let redis_version = command_output(&o.redis.display().to_string(), &["--version"]);
    let redis_version = redis_version
        .split_whitespace()
        .find_map(|w| w.strip_prefix("v="))
        .unwrap_or(&redis_version)
        .to_string();
    let anax_version = command_output(&anax.display().to_string(), &["--version"]);
    let meta = Meta {
        date: command_output("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        cores,
        cpu_model: procfs::cpu_model().unwrap_or_else(|| "unknown CPU".into()),
        mem_bytes: procfs::mem_total().unwrap_or(0),
        kernel: command_output("uname", &["-sr"]),
        redis_version,
        anax_version: anax_version
            .strip_prefix("anax ")
            .unwrap_or(&anax_version)
            .to_string(),
        git: if git_rev.is_empty() {
            "unknown revision".into()
        } else if dirty {
            format!("git {git_rev} + uncommitted changes")
        } else {
            format!("git {git_rev}")
        },
        command_line: o.command_line.clone(),
        perf_unavailable: run::perf_unavailable(),
        rounds: o.rounds,
        clients: o.clients,
        pipeline: o.pipeline,
        keyspace: o.keyspace,
        value_size: o.value_size,
        open_fraction: o.open_fraction,
        open_secs: o.open_duration.as_secs_f64(),
        keys: o.keys,
        elements: o.elements,
        snapshot_rate: o.snapshot_rate,
        server_cpus: o.server_cpus.clone(),
        client_cpus: o.client_cpus.clone(),
        bench_threads: o.bench_threads,
        client_threads: o.client_threads,
        total_secs: 0.0,
        load_before: procfs::loadavg().unwrap_or_default(),
        load_after: String::new(),
    };
    let mut servers = vec![Kind::Redis];
    servers.extend(o.threads.iter().map(|&threads| Kind::Anax { threads }));
    let mut report = Report::new(meta, servers);
    run::run(&o, &launch, &mut report);

    let json = report.json();
    if let Some(path) = &o.json_file {
        let text = serde_json::to_string_pretty(&json).expect("JSON");
        std::fs::write(path, text + "\n")
            .unwrap_or_else(|e| eprintln!("harness: {}: {e}", path.display()));
    }
    if o.json {
        println!("{}", serde_json::to_string_pretty(&json).expect("JSON"));
    } else {
        print!("{}", report.markdown());
    }
    if o.keep {
        eprintln!("harness: logs kept in {}", workdir.display());
    } else {
        let _ = std::fs::remove_dir_all(&workdir);
    }
}
