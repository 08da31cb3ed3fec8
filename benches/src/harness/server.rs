//! Starting and stopping the servers under test on free ports.

use super::client::Client;
use anax_protocol::Value;
use std::fs::{self, File};
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Which server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `redis-server --save '' --appendonly no`.
    Redis,
    /// `anax --threads N --save ''`.
    Anax {
        /// Shard threads asked for.
        threads: usize,
    },
}

impl Kind {
    /// `redis` or `anax t<N>`: the name in the tables.
    pub fn label(&self) -> String {
        match self {
            Kind::Redis => "redis".to_string(),
            Kind::Anax { threads } => format!("anax t{threads}"),
        }
    }

    /// `redis` or `anax-t<N>`: the name in file names and JSON.
    pub fn id(&self) -> String {
        match self {
            Kind::Redis => "redis".to_string(),
            Kind::Anax { threads } => format!("anax-t{threads}"),
        }
    }
}

/// How to start the servers.
#[derive(Clone, Debug)]
pub struct Launch {
    /// The `anax` binary.
    pub anax: PathBuf,
    /// The `redis-server` binary.
    pub redis: PathBuf,
    /// `taskset -c` list for the servers, if they are to be pinned.
    pub cpus: Option<String>,
    /// Extra arguments for anax.
    pub anax_args: Vec<String>,
    /// Extra arguments for redis-server.
    pub redis_args: Vec<String>,
    /// Where logs and snapshots go.
    pub workdir: PathBuf,
}

/// How one server starts, beyond [`Launch`]: [`Server::start`] uses the defaults.
#[derive(Clone, Debug)]
pub struct StartOpts {
    /// Its `--dir` (created if missing); by default a new `<workdir>/<id>-<port>`.
    pub dir: Option<PathBuf>,
    /// `--loglevel` (default `warning`).
    pub loglevel: &'static str,
    /// How long it may take to answer PING (default 20 s).
    pub ready_within: Duration,
}

impl Default for StartOpts {
    fn default() -> StartOpts {
        StartOpts {
            dir: None,
            loglevel: "warning",
            ready_within: Duration::from_secs(20),
        }
    }
}

/// A running server, killed when dropped.
pub struct Server {
    /// Which server.
    pub kind: Kind,
    child: Child,
    port: u16,
    log: PathBuf,
    dir: PathBuf,
    ready_secs: f64,
}

/// A port nobody listens on right now.
pub fn free_port() -> std::io::Result<u16> {
    let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    Ok(l.local_addr()?.port())
}

impl Server {
    /// Starts a server of `kind` and waits until it answers PING.
    pub fn start(kind: Kind, launch: &Launch) -> Result<Server, String> {
        Server::start_with(kind, launch, &StartOpts::default())
    }

    /// [`Server::start`] with a given `--dir`, `--loglevel` and start-up time limit. The
    /// log goes to `<dir>/server.log`, or `<dir>/server-<port>.log` in a given dir (which
    /// several servers may use one after the other).
    pub fn start_with(kind: Kind, launch: &Launch, o: &StartOpts) -> Result<Server, String> {
        let port = free_port().map_err(|e| format!("no free port: {e}"))?;
        let (dir, log_name) = match &o.dir {
            Some(d) => (d.clone(), format!("server-{port}.log")),
            None => (
                launch.workdir.join(format!("{}-{port}", kind.id())),
                "server.log".to_string(),
            ),
        };
        fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let log = dir.join(log_name);
        let (program, mut args) = match kind {
            Kind::Redis => (
                launch.redis.clone(),
                vec![
                    "--port".to_string(),
                    port.to_string(),
                    "--bind".into(),
                    "127.0.0.1".into(),
                    "--save".into(),
                    String::new(),
                    "--appendonly".into(),
                    "no".into(),
                    "--daemonize".into(),
                    "no".into(),
                    "--loglevel".into(),
                    o.loglevel.into(),
                    "--dir".into(),
                    dir.display().to_string(),
                ],
            ),
            Kind::Anax { threads } => (
                launch.anax.clone(),
                vec![
                    "--port".to_string(),
                    port.to_string(),
                    "--threads".into(),
                    threads.to_string(),
                    "--save".into(),
                    String::new(),
                    "--loglevel".into(),
                    o.loglevel.into(),
                    "--dir".into(),
                    dir.display().to_string(),
                ],
            ),
        };
        args.extend(match kind {
            Kind::Redis => launch.redis_args.iter().cloned(),
            Kind::Anax { .. } => launch.anax_args.iter().cloned(),
        });
        let mut cmd = match &launch.cpus {
            // taskset execs the server: the child's pid is the server's.
            Some(cpus) => {
                let mut c = Command::new("taskset");
                c.arg("-c").arg(cpus).arg(&program);
                c
            }
            None => Command::new(&program),
        };
        cmd.args(&args).stdin(Stdio::null());
        let out = File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        let err = out
            .try_clone()
            .map_err(|e| format!("{}: {e}", log.display()))?;
        cmd.stdout(out).stderr(err);
        let spawned = Instant::now();
        let child = cmd
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
        let mut server = Server {
            kind,
            child,
            port,
            log,
            dir,
            ready_secs: 0.0,
        };
        server.wait_ready(o.ready_within)?;
        server.ready_secs = spawned.elapsed().as_secs_f64();
        Ok(server)
    }

    fn wait_ready(&mut self, limit: Duration) -> Result<(), String> {
        let start = Instant::now();
        loop {
            self.check_alive()?;
            if let Ok(mut c) = Client::connect(self.addr(), Duration::from_millis(500)) {
                if let Ok(Value::Simple(s)) = c.cmd(&["PING"]) {
                    if s == b"PONG" {
                        return Ok(());
                    }
                }
            }
            if start.elapsed() > limit {
                return Err(format!(
                    "{} did not answer PING within {limit:?}; log: {}",
                    self.kind.label(),
                    self.log_tail()
                ));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.port))
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Its working directory (logs, snapshots).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A connection with a generous timeout.
    pub fn client(&self) -> Result<Client, String> {
        Client::connect(self.addr(), Duration::from_secs(120))
            .map_err(|e| format!("{}: cannot connect: {e}", self.kind.label()))
    }

    /// `Err` (with the end of its log) when the process has exited.
    pub fn check_alive(&mut self) -> Result<(), String> {
        match self.child.try_wait() {
            Ok(None) => Ok(()),
            Ok(Some(status)) => Err(format!(
                "{} exited ({status}); log: {}",
                self.kind.label(),
                self.log_tail()
            )),
            Err(e) => Err(format!("{}: {e}", self.kind.label())),
        }
    }

    /// Seconds from spawning the process to its first PONG.
    pub fn ready_secs(&self) -> f64 {
        self.ready_secs
    }

    /// Its whole log so far (stdout and stderr).
    pub fn log_text(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The last lines of its log, on one line.
    pub fn log_tail(&self) -> String {
        let text = fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().rev().take(6).collect();
        let joined: Vec<&str> = lines.into_iter().rev().collect();
        joined.join(" | ")
    }

    /// `SHUTDOWN NOSAVE`, then kill it if it is still there after a few seconds.
    pub fn stop(mut self) {
        if let Ok(mut c) = Client::connect(self.addr(), Duration::from_secs(2)) {
            let _ = c.cmd(&["SHUTDOWN", "NOSAVE"]);
        }
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(5) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        // Drop kills it.
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
