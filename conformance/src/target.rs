//! The servers a sequence runs on: redis-server (the reference), the `anax` binary, and
//! Anax in process ([`anax_host_single::SingleHost`]).

use crate::client::{Client, Server};
use crate::normalise::Reply;
use anax_host_single::SingleHost;
use anax_protocol::Value;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{SystemTime, UNIX_EPOCH};

/// Something that answers commands.
pub trait Target {
    /// Its name in messages (`redis`, `anax --threads 4`, `single host`).
    fn name(&self) -> &str;
    /// Brings it back to the state every case starts from: RESP2, no keys in any
    /// database, database 0 selected, no client name.
    fn reset(&mut self) -> Result<(), String>;
    /// Runs one command; `Err` when no reply came (crash, closed connection, time-out).
    fn call(&mut self, args: &[Vec<u8>]) -> Result<Reply, String>;
    /// Runs several commands, pipelined where the target can; one result per command.
    fn call_many(&mut self, cmds: &[&[Vec<u8>]]) -> Vec<Result<Reply, String>> {
        cmds.iter().map(|c| self.call(c)).collect()
    }
    /// Makes it usable again after a call failed (restarts a dead server).
    fn recover(&mut self);
}

/// A server process, reached over one reused connection.
pub struct ServerTarget {
    server: Server,
    client: Client,
    label: String,
}

impl ServerTarget {
    /// A fresh redis-server.
    pub fn redis() -> ServerTarget {
        ServerTarget::new(Server::redis(), "redis".into())
    }

    /// A fresh `anax --threads n`.
    pub fn anax(threads: usize) -> ServerTarget {
        ServerTarget::new(
            Server::anax(&["--threads", &threads.to_string()]),
            format!("anax --threads {threads}"),
        )
    }

    fn new(server: Server, label: String) -> ServerTarget {
        let client = server.client();
        ServerTarget {
            server,
            client,
            label,
        }
    }
}

fn expect(step: &str, got: Result<Value, String>, want: Value) -> Result<(), String> {
    match got {
        Ok(v) if v == want => Ok(()),
        Ok(v) => Err(format!(
            "{step} answered {}",
            v.to_redis_cli_string().trim_end()
        )),
        Err(e) => Err(format!("{step}: {e}")),
    }
}

impl Target for ServerTarget {
    fn name(&self) -> &str {
        &self.label
    }

    fn reset(&mut self) -> Result<(), String> {
        match self.client.try_call(&["HELLO", "2"]) {
            Ok(Value::Array(_)) => {}
            Ok(other) => {
                return Err(format!(
                    "HELLO 2 answered {}",
                    other.to_redis_cli_string().trim_end()
                ))
            }
            Err(e) => return Err(format!("HELLO 2: {e}")),
        }
        expect("FLUSHALL", self.client.try_call(&["FLUSHALL"]), Value::ok())?;
        expect(
            "SELECT 0",
            self.client.try_call(&["SELECT", "0"]),
            Value::ok(),
        )?;
        expect(
            "CLIENT SETNAME \"\"",
            self.client.try_call(&["CLIENT", "SETNAME", ""]),
            Value::ok(),
        )
    }

    fn call(&mut self, args: &[Vec<u8>]) -> Result<Reply, String> {
        self.client
            .try_call_raw(args)
            .map(|(value, raw)| Reply { raw, value })
    }

    fn recover(&mut self) {
        // A dead server is restarted; a live one gets a new connection, and is restarted
        // too when that connection does not answer PING (a hung server).
        if self.server.alive() {
            if let Ok(mut c) = Client::connect(self.server.port) {
                if c.try_call(&["PING"]) == Ok(Value::Simple(b"PONG".to_vec())) {
                    self.client = c;
                    return;
                }
            }
        }
        self.server.restart();
        self.client = self.server.client();
    }
}

/// Anax in process: one [`SingleHost`] reset between cases as a server is (a fresh one
/// after a panic), its virtual clock kept at the real time (so TTLs compare with
/// redis-server's), panics caught and reported.
pub struct InProcess {
    host: SingleHost,
}

impl Default for InProcess {
    fn default() -> Self {
        InProcess::new()
    }
}

impl InProcess {
    /// A fresh host.
    pub fn new() -> InProcess {
        InProcess {
            host: SingleHost::new(),
        }
    }

    fn sync_clock(&mut self) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock after 1970")
            .as_millis() as u64;
        let virt = self.host.now_ms();
        if now > virt {
            self.host.advance(now - virt);
        }
    }
}

impl Target for InProcess {
    fn name(&self) -> &str {
        "single host"
    }

    fn reset(&mut self) -> Result<(), String> {
        // As on a server: cheaper than a new host, and the same starting state.
        for cmd in [
            &["HELLO", "2"][..],
            &["FLUSHALL"],
            &["SELECT", "0"],
            &["CLIENT", "SETNAME", ""],
        ] {
            let args: Vec<Vec<u8>> = cmd.iter().map(|a| a.as_bytes().to_vec()).collect();
            let reply = self.call(&args)?;
            if reply.value.is_error() {
                return Err(format!(
                    "{cmd:?} answered {}",
                    reply.value.to_redis_cli_string().trim_end()
                ));
            }
        }
        Ok(())
    }

    fn call(&mut self, args: &[Vec<u8>]) -> Result<Reply, String> {
        self.sync_clock();
        let host = &mut self.host;
        let raw = catch_unwind(AssertUnwindSafe(|| host.run_raw(args))).map_err(|p| {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            format!("the engine panicked: {msg}")
        })?;
        Reply::from_raw(raw)
    }

    fn recover(&mut self) {
        self.host = SingleHost::new();
    }
}
