//! A blocking RESP client and launchers for `redis-server` and the `anax` binary.

use anax_protocol::value::{decode, encode_request};
use anax_protocol::Value;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a reply may take before the server is declared hung.
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(15);

/// A blocking RESP client.
pub struct Client {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Client {
    /// Connects to `127.0.0.1:port`.
    pub fn connect(port: u16) -> std::io::Result<Client> {
        let stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(REPLY_TIMEOUT))?;
        Ok(Client {
            stream,
            buf: Vec::new(),
        })
    }

    /// The socket, for reading raw bytes (what is buffered is dropped).
    pub fn into_stream(self) -> TcpStream {
        self.stream
    }

    /// Sends one command and reads its reply; panics when the connection fails.
    pub fn call<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Value {
        self.try_call(args).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Sends one command and reads its reply; an error says why no reply came (closed
    /// connection, time-out, malformed reply).
    pub fn try_call<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Result<Value, String> {
        let mut out = Vec::new();
        encode_request(args, &mut out);
        self.stream
            .write_all(&out)
            .map_err(|e| format!("write to server: {e}"))?;
        self.try_read_reply()?
            .ok_or_else(|| "server closed the connection".to_string())
    }

    /// Sends one command and returns its reply with the exact bytes it came in.
    pub fn try_call_raw<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Result<(Value, Vec<u8>), String> {
        let mut out = Vec::new();
        encode_request(args, &mut out);
        self.stream
            .write_all(&out)
            .map_err(|e| format!("write to server: {e}"))?;
        self.try_read_raw()
    }

    /// Sends several commands at once (a pipeline) and reads their replies with their
    /// bytes; after the first failure the remaining ones fail too.
    pub fn try_pipeline_raw<A: AsRef<[u8]>>(
        &mut self,
        cmds: &[&[A]],
    ) -> Vec<Result<(Value, Vec<u8>), String>> {
        let mut out = Vec::new();
        for c in cmds {
            encode_request(c, &mut out);
        }
        if let Err(e) = self.stream.write_all(&out) {
            return cmds
                .iter()
                .map(|_| Err(format!("write to server: {e}")))
                .collect();
        }
        let mut replies = Vec::with_capacity(cmds.len());
        for _ in cmds {
            let r = match replies.last() {
                Some(Err(e)) => Err(format!("after an earlier failure: {e}")),
                _ => self.try_read_raw(),
            };
            replies.push(r);
        }
        replies
    }

    /// Reads one reply with the bytes it came in.
    fn try_read_raw(&mut self) -> Result<(Value, Vec<u8>), String> {
        loop {
            match decode(&self.buf) {
                Ok(Some((v, n))) => return Ok((v, self.buf.drain(..n).collect())),
                Ok(None) => {}
                Err(e) => {
                    return Err(format!(
                        "malformed reply {e:?}: {:?}",
                        String::from_utf8_lossy(&self.buf)
                    ))
                }
            }
            let mut chunk = [0u8; 16384];
            match self.stream.read(&mut chunk) {
                Ok(0) => return Err("server closed the connection".to_string()),
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) => return Err(format!("read from server: {e}")),
            }
        }
    }

    /// Sends one command without reading its reply.
    pub fn send<A: AsRef<[u8]>>(&mut self, args: &[A]) {
        let mut out = Vec::new();
        encode_request(args, &mut out);
        self.send_raw(&out);
    }

    /// Reads one reply if it comes within `wait`: `Ok(None)` when none came (the
    /// connection stays usable; a reply half received is kept for the next read).
    pub fn read_reply_within(&mut self, wait: Duration) -> Result<Option<Value>, String> {
        let deadline = Instant::now() + wait;
        loop {
            match decode(&self.buf) {
                Ok(Some((v, n))) => {
                    self.buf.drain(..n);
                    return Ok(Some(v));
                }
                Ok(None) => {}
                Err(e) => {
                    return Err(format!(
                        "malformed reply {e:?}: {:?}",
                        String::from_utf8_lossy(&self.buf)
                    ))
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            self.stream
                .set_read_timeout(Some(left))
                .map_err(|e| e.to_string())?;
            let mut chunk = [0u8; 16384];
            let r = self.stream.read(&mut chunk);
            self.stream
                .set_read_timeout(Some(REPLY_TIMEOUT))
                .map_err(|e| e.to_string())?;
            match r {
                Ok(0) => return Err("server closed the connection".to_string()),
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    return Ok(None)
                }
                Err(e) => return Err(format!("read from server: {e}")),
            }
        }
    }

    /// Sends raw bytes.
    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("write to server");
    }

    /// Reads one reply; `None` when the server closed the connection first.
    pub fn read_reply(&mut self) -> Option<Value> {
        self.try_read_reply().unwrap_or_else(|e| panic!("{e}"))
    }

    /// Reads one reply; `Ok(None)` when the server closed the connection first.
    pub fn try_read_reply(&mut self) -> Result<Option<Value>, String> {
        loop {
            match decode(&self.buf) {
                Ok(Some((v, n))) => {
                    self.buf.drain(..n);
                    return Ok(Some(v));
                }
                Ok(None) => {}
                Err(e) => {
                    return Err(format!(
                        "malformed reply {e:?}: {:?}",
                        String::from_utf8_lossy(&self.buf)
                    ))
                }
            }
            let mut chunk = [0u8; 16384];
            match self.stream.read(&mut chunk) {
                Ok(0) => return Ok(None),
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) => return Err(format!("read from server: {e}")),
            }
        }
    }
}

/// A free TCP port on 127.0.0.1 (bound and released; good enough for tests).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// A server process that is killed when dropped.
pub struct Server {
    child: Child,
    /// Its port.
    pub port: u16,
    /// What it is, for messages.
    pub name: &'static str,
    /// How to start it again.
    args: Vec<String>,
    /// The binary, when not the default one.
    bin: Option<PathBuf>,
}

impl Server {
    /// Starts `redis-server` on a free port with persistence off.
    pub fn redis() -> Server {
        Server::start("redis-server", Vec::new(), None)
    }

    /// Starts `redis-server` on a free port with persistence off and `extra` flags (such
    /// as `--dir`, which 7.0 does not let CONFIG SET change).
    pub fn redis_with(extra: &[&str]) -> Server {
        let args = extra.iter().map(|s| s.to_string()).collect();
        Server::start("redis-server", args, None)
    }

    /// Starts the `anax` binary on a free port with `extra` flags.
    pub fn anax(extra: &[&str]) -> Server {
        Server::start("anax", extra.iter().map(|s| s.to_string()).collect(), None)
    }

    /// Starts the `anax` binary at `bin` (a test's `CARGO_BIN_EXE_anax`) on a free port
    /// with `extra` flags.
    pub fn anax_at(bin: &std::path::Path, extra: &[&str]) -> Server {
        let args = extra.iter().map(|s| s.to_string()).collect();
        Server::start("anax", args, Some(bin.to_path_buf()))
    }

    fn start(name: &'static str, args: Vec<String>, bin: Option<PathBuf>) -> Server {
        // A free port can be taken by another process between our pick and the server's
        // bind; a server that exits at start-up is tried again on another port.
        let mut last_exit = None;
        for _ in 0..5 {
            let port = free_port();
            let child = if name == "redis-server" {
                Command::new("redis-server")
                    .args(["--port", &port.to_string(), "--save", "", "--appendonly", "no", "--bind", "127.0.0.1"])
                    .args(&args)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .unwrap_or_else(|e| {
                        panic!(
                            "cannot start redis-server ({e}): the differential tests need Debian's \
                             redis-server 7.0 (`apt-get install -y redis-server redis-tools`, or run ./scripts/test)"
                        )
                    })
            } else {
                Command::new(bin.clone().unwrap_or_else(anax_binary))
                    .args(["--port", &port.to_string()])
                    .args(&args)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .expect("start anax")
            };
            match Server::wait(child, port, name) {
                Ok(child) => {
                    return Server {
                        child,
                        port,
                        name,
                        args,
                        bin,
                    }
                }
                Err(status) => last_exit = Some(status),
            }
        }
        panic!("{name} exited at start-up five times, last with {last_exit:?}");
    }

    /// Waits until the server answers PING (or NOAUTH, when it has a password); its exit
    /// status when it stops first. A server that never answers is killed before the panic.
    fn wait(
        mut child: Child,
        port: u16,
        name: &'static str,
    ) -> Result<Child, std::process::ExitStatus> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(mut c) = Client::connect(port) {
                match c.try_call(&["PING"]) {
                    Ok(Value::Simple(s)) if s == b"PONG" => return Ok(child),
                    Ok(Value::Error(e)) if e.starts_with(b"NOAUTH") => return Ok(child),
                    _ => {}
                }
            }
            if let Ok(Some(status)) = child.try_wait() {
                return Err(status);
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{name} did not answer PING on port {port} within 20 s");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills it and starts a fresh one with the same flags (on a new port).
    pub fn restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let fresh = Server::start(self.name, std::mem::take(&mut self.args), self.bin.take());
        *self = fresh;
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The resident set size of the process in bytes, from `/proc/<pid>/status`.
    pub fn rss(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .expect("read /proc/<pid>/status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map(|kb| kb * 1024)
            .expect("VmRSS in /proc/<pid>/status")
    }

    /// True while the process runs.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// A new connection to it.
    pub fn client(&self) -> Client {
        Client::connect(self.port).unwrap_or_else(|e| panic!("connect to {}: {e}", self.name))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The path of the `anax` binary of this workspace.
///
/// A test cannot depend on another package's binary, so the binary is built here with
/// `cargo build` the first time it is needed in a test process (a no-op when it is up to
/// date). `ANAX_BIN` points at a binary to use instead.
pub fn anax_binary() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            if let Some(p) = std::env::var_os("ANAX_BIN") {
                return PathBuf::from(p);
            }
            // Test binaries live in target/<profile>/deps; the server in target/<profile>.
            let exe = std::env::current_exe().expect("current exe");
            let dir = exe
                .parent()
                .and_then(|d| d.parent())
                .expect("target dir")
                .to_path_buf();
            let release = dir.ends_with("release");
            let mut cmd = Command::new(env!("CARGO"));
            cmd.args(["build", "--quiet", "-p", "anax-host-smol", "--bin", "anax"]);
            if release {
                cmd.arg("--release");
            }
            let st = cmd.status().expect("run cargo build");
            assert!(st.success(), "cargo build of anax failed");
            dir.join("anax")
        })
        .clone()
}
