//! `anax`: the server binary. See the library's documentation (`anax_host_smol`) for the
//! design: thread-per-core shard threads, each with its own `LocalExecutor` and
//! `polling::Poller`, serving the connections it accepts.

use anax_core::{config_file, HostInfo, Registry};
use anax_host_smol::cli::{self, CommandLine, ConfigError, Invocation};
use anax_host_smol::persist::{self, Persist};
use anax_host_smol::server::{self, Msg, ShardSetup};
use anax_host_smol::sys::{self, CountingAlloc, Level};
use anax_host_smol::{notice, warning};
use signal_hook::consts::{SIGINT, SIGTERM};
use std::fmt::Write as _;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

fn main() {
    let argv0 = std::env::args()
        .next()
        .unwrap_or_else(|| String::from("anax"));
    let cmd = match cli::parse(std::env::args_os().collect()) {
        Invocation::Help(text) | Invocation::Version(text) => {
            print!("{text}");
            return;
        }
        Invocation::Run(cmd) => cmd,
    };
    std::process::exit(run(cmd, &argv0));
}

fn run(cmd: CommandLine, argv0: &str) -> i32 {
    // The configuration first, as Redis reads it before it logs anything.
    let (mut config, loaded) = match cli::load_config(&cmd) {
        Ok(c) => c,
        Err(ConfigError::Fatal(report)) => {
            eprint!("{report}");
            return 1;
        }
        Err(ConfigError::Log(line)) => {
            warning!("{}", line);
            return 1;
        }
    };
    sys::set_log_level(Level::parse(&config.loglevel).unwrap_or(Level::Notice));
    let pid = std::process::id();
    warning!("oO0OoO0OoO0Oo Anax is starting oO0OoO0OoO0Oo");
    warning!(
        "Anax version={}, bits={}, pid={}, just started",
        env!("CARGO_PKG_VERSION"),
        usize::BITS,
        pid
    );
    if cmd.no_args {
        warning!(
            "Warning: no config file specified, using the default config. In order to specify \
             a config file use {} /path/to/anax.conf",
            argv0
        );
    } else {
        warning!("Configuration loaded");
    }
    for w in config_file::warnings(&config) {
        warning!("{}", w);
    }
    // Handlers first: a signal from now on is queued until the signal thread takes it.
    let signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]);
    let cpus = sys::allowed_cpus();
    let threads = if loaded.set.contains("threads") {
        config.threads
    } else {
        cpus.len().max(1)
    };
    config.threads = threads;
    config.maxclients = sys::adjust_open_files_limit(config.maxclients);

    if let Err(e) = std::env::set_current_dir(&config.dir) {
        warning!("Can't chdir to '{}': {}", config.dir, cli::strerror(&e));
        return 1;
    }
    // CONFIG GET dir shows the absolute path, as Redis's `getcwd()`.
    if let Ok(cwd) = std::env::current_dir() {
        config.dir = cwd.display().to_string();
    }
    let pidfile = config.get_text("pidfile").unwrap_or_default();
    let pidfile = (!pidfile.is_empty())
        .then(|| std::path::PathBuf::from(String::from_utf8_lossy(&pidfile).into_owned()));
    if let Some(path) = &pidfile {
        // Redis's `createPidFile`: a failure is only logged.
        if let Err(e) = std::fs::write(path, format!("{pid}\n")) {
            warning!("Failed to write PID file: {}", cli::strerror(&e));
        }
    }
    let code = serve(config, threads, cmd.no_pin, &cpus, pid, signals);
    if let Some(path) = &pidfile {
        let _ = std::fs::remove_file(path);
    }
    code
}

/// Listens, loads the snapshot, runs the shard threads until they end; the exit code.
fn serve(
    config: anax_core::Config,
    threads: usize,
    no_pin: bool,
    cpus: &[usize],
    pid: u32,
    signals: std::io::Result<signal_hook::iterator::Signals>,
) -> i32 {
    let listeners = match server::listen(
        &cli::bind_addresses(&config.bind),
        config.port,
        config.tcp_backlog,
    ) {
        Ok(l) => l,
        Err(msg) => {
            warning!("{}", msg);
            return 1;
        }
    };
    if listeners.is_empty() {
        warning!("Configured to not listen anywhere, exiting.");
        return 1;
    }

    // Load the snapshot before serving anyone (Redis's `loadDataFromDisk`), each key sorted
    // to its shard thread.
    let initial_dir = config.dir.clone();
    let probe = Persist::new(threads, &initial_dir, None);
    let load_started = std::time::Instant::now();
    let (mut preload, loaded) =
        match persist::load_at_start(&probe.target_path(&config), &config, threads) {
            Ok(Some((per, keys, expired))) => (per, Some((keys, expired))),
            Ok(None) => ((0..threads).map(|_| Vec::new()).collect(), None),
            Err(msg) => {
                warning!("{}", msg);
                return 1;
            }
        };
    let persist = Persist::new(threads, &initial_dir, loaded);

    let started_us = sys::now_us();
    let mut run_id = String::with_capacity(40);
    for b in sys::random_bytes(20) {
        let _ = write!(run_id, "{b:02x}");
    }
    let seed = u64::from_le_bytes(sys::random_bytes(8).try_into().unwrap_or([7; 8]));
    let info = HostInfo {
        pid,
        executable: std::env::current_exe()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        os: sys::uname(),
        arch_bits: usize::BITS,
        multiplexing_api: String::from("epoll"),
        run_id,
        started_us,
    };

    // Pinning pays when every core runs one shard thread; a single shard thread pinned
    // only ties the server to a core it may share with its clients (measured: pinned anax
    // lost a third of its GET/SET throughput to unpinned on a busy 2-core machine), so it
    // is done only when there are several shard threads.
    let pin = !no_pin && !cpus.is_empty() && threads > 1;
    notice!(
        "Running mode=standalone, port={}, threads={}.",
        config.port,
        threads
    );
    let registry = Registry::new();
    let mut listeners = Some(listeners);
    let (loaded_tx, loaded_rx) = std::sync::mpsc::channel();
    let setups = (0..threads)
        .map(|i| ShardSetup {
            index: i,
            threads,
            config: config.clone(),
            info: info.clone(),
            seed,
            listeners: if i == 0 {
                listeners.take().unwrap_or_default()
            } else {
                Vec::new()
            },
            cpu: pin.then(|| cpus[i % cpus.len()]),
            registry: registry.clone(),
            persist: persist.clone(),
            preload: std::mem::take(&mut preload[i]),
            loaded: loaded.is_some().then(|| loaded_tx.clone()),
        })
        .collect();
    let shards = match server::spawn_all(setups) {
        Ok(t) => t,
        Err(e) => {
            warning!("Could not start the shard threads: {}", e);
            return 1;
        }
    };
    if loaded.is_some() {
        // As Redis, once the keys are in the tables, not only read from the file.
        drop(loaded_tx);
        while loaded_rx.recv().is_ok() {}
        notice!(
            "DB loaded from disk: {:.3} seconds",
            load_started.elapsed().as_secs_f64()
        );
    }

    let inbox = shards[0].inbox.clone();
    match signals {
        Ok(mut signals) => {
            let spawned = std::thread::Builder::new()
                .name("anax-signals".into())
                .spawn(move || {
                    let mut received = 0;
                    for sig in signals.forever() {
                        received += 1;
                        if received > 1 && sig == SIGINT {
                            warning!("You insist... exiting now.");
                            std::process::exit(1);
                        }
                        let name = if sig == SIGINT { "SIGINT" } else { "SIGTERM" };
                        inbox.send(Msg::Signal(name));
                    }
                });
            if let Err(e) = spawned {
                warning!("Could not start the signal thread: {}", e);
            }
        }
        Err(e) => warning!("Could not install the signal handlers: {}", e),
    }
    notice!("Server initialized");
    notice!("Ready to accept connections");

    let mut code = 0;
    for (i, shard) in shards.into_iter().enumerate() {
        match shard.handle.join() {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                warning!("Shard thread {} failed: {}", i, e);
                code = 1;
            }
            Err(_) => {
                warning!("Shard thread {} panicked", i);
                code = 1;
            }
        }
    }
    persist.abandon();
    if code == 0 {
        warning!("Anax is now ready to exit, bye bye...");
    }
    code
}
