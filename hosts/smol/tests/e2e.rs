//! End-to-end tests: start the real `anax` binary on a free port and talk raw RESP to it,
//! byte for byte, plus `redis-cli` and `redis-benchmark` (which must be installed: these
//! tests fail, not skip, without them).

use anax_protocol::value::{decode, encode_request};
use anax_protocol::Value;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A running server, killed when dropped.
struct Server {
    child: Child,
    port: u16,
    log: Arc<Mutex<String>>,
}

fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    l.local_addr().unwrap().port()
}

impl Server {
    fn start(extra: &[&str]) -> Server {
        for _ in 0..5 {
            if let Some(s) = Self::try_start(extra) {
                return s;
            }
        }
        panic!("anax did not start");
    }

    fn try_start(extra: &[&str]) -> Option<Server> {
        let port = free_port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_anax"))
            .args(["--port", &port.to_string(), "--no-pin", "--save", ""])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start anax");
        let log = Arc::new(Mutex::new(String::new()));
        let mut stderr = child.stderr.take().unwrap();
        let log2 = log.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stderr.read(&mut buf) {
                if n == 0 {
                    break;
                }
                log2.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let mut server = Server { child, port, log };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = server.child.try_wait() {
                // Lost the port to someone else: try another one.
                return None;
            }
            if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
                s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
                let mut b = [0u8; 64];
                if s.write_all(b"PING\r\n").is_ok() && s.read(&mut b).is_ok_and(|n| n > 0) {
                    return Some(server);
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = server.child.kill();
        panic!("anax did not answer: {}", server.log());
    }

    fn client(&self) -> Client {
        Client::connect(self.port)
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Waits for the process to exit by itself.
    fn wait_exit(&mut self, within: Duration) -> ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                return st;
            }
            assert!(
                Instant::now() < deadline,
                "anax did not exit: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits until the log holds `text`.
    fn wait_log(&self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while !self.log().contains(text) {
            assert!(
                Instant::now() < deadline,
                "no {text:?} in the log: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A raw RESP client.
struct Client {
    s: TcpStream,
    buf: Vec<u8>,
}

impl Client {
    fn connect(port: u16) -> Client {
        let s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.set_nodelay(true).unwrap();
        Client { s, buf: Vec::new() }
    }

    fn send<A: AsRef<[u8]>>(&mut self, args: &[A]) {
        let mut req = Vec::new();
        encode_request(args, &mut req);
        self.s.write_all(&req).unwrap();
    }

    fn send_raw(&mut self, bytes: &[u8]) {
        self.s.write_all(bytes).unwrap();
    }

    fn fill(&mut self) -> usize {
        let mut b = [0u8; 64 * 1024];
        let n = self.s.read(&mut b).expect("read a reply");
        self.buf.extend_from_slice(&b[..n]);
        n
    }

    fn recv(&mut self) -> Value {
        loop {
            if let Some((v, n)) = decode(&self.buf).expect("valid RESP") {
                self.buf.drain(..n);
                return v;
            }
            assert!(
                self.fill() > 0,
                "connection closed while waiting for a reply"
            );
        }
    }

    fn cmd<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Value {
        self.send(args);
        self.recv()
    }

    /// Reads exactly `n` raw bytes.
    fn recv_raw(&mut self, n: usize) -> Vec<u8> {
        while self.buf.len() < n {
            assert!(self.fill() > 0, "connection closed after {:?}", self.buf);
        }
        self.buf.drain(..n).collect()
    }

    /// Asserts that the server closed the connection, with nothing more sent.
    fn expect_closed(&mut self) {
        let mut b = [0u8; 1024];
        loop {
            match self.s.read(&mut b) {
                Ok(0) => break,
                Ok(n) => self.buf.extend_from_slice(&b[..n]),
                Err(e) if e.kind() == ErrorKind::ConnectionReset => break,
                Err(e) => panic!("connection not closed: {e}"),
            }
        }
        assert!(self.buf.is_empty(), "unexpected bytes {:?}", self.buf);
    }
}

fn bulk(s: &str) -> Value {
    Value::Bulk(s.as_bytes().to_vec())
}

fn simple(s: &str) -> Value {
    Value::Simple(s.as_bytes().to_vec())
}

#[test]
fn ping_and_echo_are_byte_exact() {
    let srv = Server::start(&[]);
    let mut c = srv.client();
    c.send_raw(b"*1\r\n$4\r\nPING\r\n");
    assert_eq!(c.recv_raw(7), b"+PONG\r\n");
    c.send_raw(b"*2\r\n$4\r\nping\r\n$2\r\nhi\r\n");
    assert_eq!(c.recv_raw(8), b"$2\r\nhi\r\n");
    c.send_raw(b"*2\r\n$4\r\nECHO\r\n$11\r\nhello world\r\n");
    assert_eq!(c.recv_raw(18), b"$11\r\nhello world\r\n");
    c.send_raw(b"*2\r\n$4\r\necho\r\n$0\r\n\r\n");
    assert_eq!(c.recv_raw(6), b"$0\r\n\r\n");
}

#[test]
fn a_pipeline_of_1000_in_one_write_gets_1000_replies_in_order() {
    let srv = Server::start(&[]);
    let mut c = srv.client();
    let mut req = Vec::new();
    for i in 0..1000 {
        encode_request(&["PING", &i.to_string()], &mut req);
    }
    c.send_raw(&req);
    for i in 0..1000 {
        assert_eq!(c.recv(), bulk(&i.to_string()));
    }
    assert_eq!(c.cmd(&["PING"]), simple("PONG"));
}

#[test]
fn a_request_written_one_byte_at_a_time() {
    let srv = Server::start(&[]);
    let mut c = srv.client();
    let mut req = Vec::new();
    encode_request(&["SET", "k", "hello"], &mut req);
    encode_request(&["GET", "k"], &mut req);
    req.extend_from_slice(b"PING split\r\n");
    for (i, b) in req.iter().enumerate() {
        c.send_raw(std::slice::from_ref(b));
        if i % 8 == 0 {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    assert_eq!(c.recv(), simple("OK"));
    assert_eq!(c.recv(), bulk("hello"));
    assert_eq!(c.recv(), bulk("split"));
}

#[test]
fn inline_commands() {
    let srv = Server::start(&[]);
    let mut c = srv.client();
    c.send_raw(b"PING\r\n");
    assert_eq!(c.recv_raw(7), b"+PONG\r\n");
    c.send_raw(b"\r\nping \"a b\"\n");
    assert_eq!(c.recv_raw(9), b"$3\r\na b\r\n");
    c.send_raw(b"set k v\r\nget k\r\n");
    assert_eq!(c.recv_raw(5 + 7), b"+OK\r\n$1\r\nv\r\n");
}

#[test]
fn a_protocol_error_closes_only_that_connection() {
    let srv = Server::start(&[]);
    let mut other = srv.client();
    assert_eq!(other.cmd(&["PING"]), simple("PONG"));
    let cases: [(&[u8], &[u8]); 3] = [
        (
            b"*1\r\n$x\r\n",
            b"-ERR Protocol error: invalid bulk length\r\n",
        ),
        (
            b"*abc\r\n",
            b"-ERR Protocol error: invalid multibulk length\r\n",
        ),
        (
            b"*2\r\n$4\r\nPING\r\n+x\r\n",
            b"-ERR Protocol error: expected '$', got '+'\r\n",
        ),
    ];
    for (req, reply) in cases {
        let mut bad = srv.client();
        // Replies to the requests before the bad one come first.
        bad.send_raw(b"PING\r\n");
        bad.send_raw(req);
        assert_eq!(bad.recv_raw(7), b"+PONG\r\n");
        assert_eq!(bad.recv_raw(reply.len()), reply);
        bad.expect_closed();
        assert_eq!(other.cmd(&["PING"]), simple("PONG"));
    }
}

#[test]
fn two_hundred_concurrent_clients() {
    let srv = Server::start(&[]);
    let port = srv.port;
    let threads: Vec<_> = (0..200)
        .map(|t| {
            std::thread::spawn(move || {
                let mut c = Client::connect(port);
                for i in 0..50 {
                    let key = format!("key:{t}");
                    let val = format!("{t}-{i}");
                    // Half pipelined, half one by one.
                    if i % 2 == 0 {
                        c.send(&["SET", &key, &val]);
                        c.send(&["GET", &key]);
                        assert_eq!(c.recv(), simple("OK"));
                        assert_eq!(c.recv(), bulk(&val));
                    } else {
                        assert_eq!(c.cmd(&["SET", &key, &val]), simple("OK"));
                        assert_eq!(c.cmd(&["GET", &key]), bulk(&val));
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("client thread");
    }
    let mut c = srv.client();
    assert_eq!(c.cmd(&["GET", "key:199"]), bulk("199-49"));
}

#[test]
fn big_values_and_a_client_that_reads_late() {
    let srv = Server::start(&[]);
    let mut c = srv.client();
    let value = "x".repeat(3 * 1024 * 1024 + 7);
    assert_eq!(c.cmd(&["SET", "big", &value]), simple("OK"));
    // 40 replies of 3 MB each requested at once, read only after all were sent: the
    // server must hold back instead of failing, and deliver them all in order.
    let mut req = Vec::new();
    for i in 0..40 {
        encode_request(&["GET", "big"], &mut req);
        encode_request(&["PING", &i.to_string()], &mut req);
    }
    let writer = {
        let mut s = c.s.try_clone().unwrap();
        std::thread::spawn(move || s.write_all(&req).unwrap())
    };
    std::thread::sleep(Duration::from_millis(200));
    for i in 0..40 {
        assert_eq!(c.recv().as_bytes().map(|b| b.len()), Some(value.len()));
        assert_eq!(c.recv(), bulk(&i.to_string()));
    }
    writer.join().unwrap();
    let mut other = srv.client();
    assert_eq!(other.cmd(&["PING"]), simple("PONG"));
}

#[test]
fn quit_closes_the_connection() {
    let srv = Server::start(&[]);
    let mut c = srv.client();
    c.send_raw(b"*1\r\n$4\r\nQUIT\r\n*1\r\n$4\r\nPING\r\n");
    assert_eq!(c.recv_raw(5), b"+OK\r\n");
    c.expect_closed();
    assert_eq!(srv.client().cmd(&["PING"]), simple("PONG"));
}

#[test]
fn client_kill_closes_another_connection_at_once() {
    let srv = Server::start(&[]);
    let mut victim = srv.client();
    let id = match victim.cmd(&["CLIENT", "ID"]) {
        Value::Int(id) => id,
        other => panic!("CLIENT ID replied {other:?}"),
    };
    let mut killer = srv.client();
    assert_eq!(
        killer.cmd(&["CLIENT", "KILL", "ID", &id.to_string()]),
        Value::Int(1)
    );
    // The victim is idle, waiting to read: it must be closed without sending anything.
    victim.expect_closed();
    assert_eq!(
        killer.cmd(&["CLIENT", "KILL", "ID", &id.to_string()]),
        Value::Int(0)
    );
    assert_eq!(killer.cmd(&["PING"]), simple("PONG"));
}

#[test]
fn shutdown_exits_with_code_0() {
    let mut srv = Server::start(&[]);
    let mut idle = srv.client();
    let mut c = srv.client();
    c.send(&["SHUTDOWN", "NOSAVE"]);
    c.expect_closed();
    idle.expect_closed();
    let st = srv.wait_exit(Duration::from_secs(10));
    assert_eq!(st.code(), Some(0), "{}", srv.log());
    srv.wait_log("User requested shutdown...");
    assert!(TcpStream::connect(("127.0.0.1", srv.port)).is_err());
}

#[test]
fn sigterm_exits_with_code_0() {
    let mut srv = Server::start(&[]);
    let mut c = srv.client();
    assert_eq!(c.cmd(&["PING"]), simple("PONG"));
    // SAFETY: kill(2) on our own child's pid.
    let rc = unsafe { libc::kill(srv.child.id() as libc::pid_t, libc::SIGTERM) };
    assert_eq!(rc, 0);
    let st = srv.wait_exit(Duration::from_secs(10));
    assert_eq!(st.code(), Some(0), "{}", srv.log());
    // The process has exited; the thread reading its stderr may still be behind.
    srv.wait_log("# Received SIGTERM scheduling shutdown...");
    srv.wait_log("bye bye");
    c.expect_closed();
}

#[test]
fn requirepass_refuses_commands_and_large_requests_before_auth() {
    let srv = Server::start(&["--requirepass", "secret"]);
    let mut c = srv.client();
    c.send_raw(b"PING\r\n");
    assert_eq!(c.recv_raw(34), b"-NOAUTH Authentication required.\r\n");
    let mut big = srv.client();
    big.send_raw(b"*20\r\n");
    let reply = b"-ERR Protocol error: unauthenticated multibulk length\r\n";
    assert_eq!(big.recv_raw(reply.len()), reply);
    big.expect_closed();
    let mut big = srv.client();
    big.send_raw(b"*1\r\n$20000\r\n");
    let reply = b"-ERR Protocol error: unauthenticated bulk length\r\n";
    assert_eq!(big.recv_raw(reply.len()), reply);
    big.expect_closed();
}

#[test]
fn requirepass_then_auth_works() {
    let srv = Server::start(&["--requirepass", "secret"]);
    let mut c = srv.client();
    assert_eq!(
        c.cmd(&["PING"]),
        Value::Error(b"NOAUTH Authentication required.".to_vec())
    );
    assert_eq!(
        c.cmd(&["AUTH", "wrong"]),
        Value::Error(b"WRONGPASS invalid username-password pair or user is disabled.".to_vec())
    );
    assert_eq!(c.cmd(&["AUTH", "secret"]), simple("OK"));
    assert_eq!(c.cmd(&["PING"]), simple("PONG"));
    // Authenticated: the unauthenticated limits are gone.
    let args: Vec<String> = (0..30).map(|i| i.to_string()).collect();
    let mut req = vec!["MSET".to_string()];
    req.extend(args.iter().flat_map(|a| [a.clone(), a.clone()]));
    assert_eq!(c.cmd(&req), simple("OK"));
}

#[test]
fn the_query_buffer_limit_closes_the_client_without_reply() {
    let srv = Server::start(&["--client-query-buffer-limit", "1mb"]);
    let mut other = srv.client();
    let mut c = srv.client();
    // A 500 MB bulk is allowed (proto-max-bulk-len is 512 MB) but its bytes overflow the
    // 1 MB query buffer limit long before it ends.
    c.send_raw(b"*2\r\n$4\r\nECHO\r\n$524288000\r\n");
    let chunk = vec![b'a'; 64 * 1024];
    let mut sent = 0;
    while sent < 4 * 1024 * 1024 {
        match c.s.write(&chunk) {
            Ok(n) => sent += n,
            Err(_) => break,
        }
    }
    c.s.shutdown(Shutdown::Write).ok();
    c.expect_closed();
    srv.wait_log("Closing client that reached max query buffer length");
    assert_eq!(other.cmd(&["PING"]), simple("PONG"));
}

#[test]
fn maxclients_refuses_with_redis_text() {
    let srv = Server::start(&["--maxclients", "2"]);
    // The readiness probe's connection may still be closing on the server.
    std::thread::sleep(Duration::from_millis(100));
    let mut a = srv.client();
    let mut b = srv.client();
    assert_eq!(a.cmd(&["PING"]), simple("PONG"));
    assert_eq!(b.cmd(&["PING"]), simple("PONG"));
    let mut c = srv.client();
    assert_eq!(c.recv_raw(36), b"-ERR max number of clients reached\r\n");
    c.expect_closed();
    drop(a);
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(srv.client().cmd(&["PING"]), simple("PONG"));
}

#[test]
fn redis_cli_ping() {
    let srv = Server::start(&[]);
    let out = Command::new("redis-cli")
        .args(["-p", &srv.port.to_string(), "ping"])
        .output()
        .expect("redis-cli must be installed (apt-get install redis-tools)");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "PONG\n");
}

#[test]
fn redis_benchmark_set_get_pipelined() {
    let srv = Server::start(&[]);
    let out = Command::new("redis-benchmark")
        .args(["-p", &srv.port.to_string(), "-t", "set,get"])
        .args(["-n", "2000", "-P", "16", "-q"])
        .output()
        .expect("redis-benchmark must be installed (apt-get install redis-tools)");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("SET: "), "{text}");
    assert!(text.contains("GET: "), "{text}");
    assert_eq!(srv.client().cmd(&["PING"]), simple("PONG"));
}

#[test]
fn version_and_help() {
    let out = Command::new(env!("CARGO_BIN_EXE_anax"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("anax "));
    let out = Command::new(env!("CARGO_BIN_EXE_anax"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--port",
        "--bind",
        "--threads",
        "--requirepass",
        "--dir",
        "--dbfilename",
        "--maxclients",
        "--hz",
        "--proto-max-bulk-len",
        "--client-query-buffer-limit",
        "--no-pin",
    ] {
        assert!(help.contains(flag), "{flag} missing from --help");
    }
}

#[test]
fn a_busy_port_fails_with_exit_code_1() {
    let srv = Server::start(&[]);
    let out = Command::new(env!("CARGO_BIN_EXE_anax"))
        .args(["--port", &srv.port.to_string(), "--no-pin"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        log.contains(&format!(
            "Failed listening on port {} (tcp), aborting.",
            srv.port
        )),
        "{log}"
    );
}

#[test]
fn debug_sleep_blocks_the_whole_server() {
    let srv = Server::start(&["--enable-debug-command", "yes"]);
    let mut a = srv.client();
    let mut b = srv.client();
    let start = Instant::now();
    a.send(&["DEBUG", "SLEEP", "0.3"]);
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(b.cmd(&["PING"]), simple("PONG"));
    assert!(start.elapsed() >= Duration::from_millis(300));
    assert_eq!(a.recv(), simple("OK"));
}

#[test]
fn active_expiry_runs_on_the_hz_timer() {
    let srv = Server::start(&["--hz", "100"]);
    let mut c = srv.client();
    for i in 0..50 {
        assert_eq!(
            c.cmd(&["SET", &format!("k{i}"), "v", "PX", "30"]),
            simple("OK")
        );
    }
    assert_eq!(c.cmd(&["SET", "stays", "v"]), simple("OK"));
    let deadline = Instant::now() + Duration::from_secs(5);
    // DBSIZE never touches the keys, so only the timer-driven cycle removes them.
    while c.cmd(&["DBSIZE"]) != Value::Int(1) {
        assert!(Instant::now() < deadline, "keys were not expired actively");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn other_config_parameters_on_the_command_line() {
    let srv = Server::start(&["--maxmemory", "1gb", "--hz", "20"]);
    let mut c = srv.client();
    let pair = |k: &str, v: &str| Value::Array(vec![bulk(k), bulk(v)]);
    assert_eq!(
        c.cmd(&["CONFIG", "GET", "maxmemory"]),
        pair("maxmemory", "1073741824")
    );
    assert_eq!(c.cmd(&["CONFIG", "GET", "hz"]), pair("hz", "20"));
    let out = Command::new(env!("CARGO_BIN_EXE_anax"))
        .args(["--port", &free_port().to_string(), "--maxmemory", "lots"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("FATAL CONFIG"));
}

#[test]
fn info_reports_the_host_facts() {
    let srv = Server::start(&[]);
    let mut c = srv.client();
    let info = c.cmd(&["INFO"]);
    let text = String::from_utf8_lossy(info.as_bytes().expect("INFO is a bulk")).into_owned();
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}:")))
            .unwrap_or_else(|| panic!("no {name} in INFO"))
            .to_string()
    };
    assert_eq!(field("multiplexing_api"), "epoll");
    assert_eq!(field("process_id"), srv.child.id().to_string());
    assert_eq!(field("arch_bits"), "64");
    let run_id = field("run_id");
    assert!(run_id.len() == 40 && run_id.bytes().all(|b| b.is_ascii_hexdigit()));
    assert!(field("used_memory").parse::<u64>().unwrap() > 0);
    assert!(field("used_memory_rss").parse::<u64>().unwrap() > 0);
    assert!(field("executable").ends_with("anax"));
}

#[test]
fn a_flooding_client_does_not_starve_the_others() {
    // While the server sleeps (DEBUG SLEEP blocks its thread), one client fills its socket
    // with a long pipeline of slow commands and then another sends a PING. When the server
    // wakes the flood is first in line; the PING must still be answered after about one
    // read's worth of it (as in Redis: one read per client per turn), not after all of it.
    let srv = Server::start(&["--enable-debug-command", "yes"]);
    let mut sleeper = srv.client();
    let mut flood = srv.client();
    let mut pinger = srv.client();
    let key = "k".repeat(200);
    assert_eq!(
        flood.cmd(&["SET", &key, &"\u{7f}".repeat(32 * 1024)]),
        simple("OK")
    );
    let mut pipeline = Vec::new();
    const N: usize = 3000;
    for _ in 0..N {
        encode_request(&["BITCOUNT", &key], &mut pipeline);
    }
    sleeper.send(&["DEBUG", "SLEEP", "1"]);
    std::thread::sleep(Duration::from_millis(50));
    let mut reader = flood.s.try_clone().unwrap();
    let drain = std::thread::spawn(move || {
        for _ in 0..N {
            assert_eq!(flood.recv(), Value::Int(32 * 1024 * 7));
        }
    });
    let writer = std::thread::spawn(move || reader.write_all(&pipeline).unwrap());
    std::thread::sleep(Duration::from_millis(400));
    pinger.send(&["PING"]);
    assert_eq!(sleeper.recv(), simple("OK"));
    let woke = Instant::now();
    assert_eq!(pinger.recv(), simple("PONG"));
    let waited = woke.elapsed();
    let start = Instant::now();
    writer.join().unwrap();
    drain.join().unwrap();
    let flood_time = start.elapsed() + waited;
    eprintln!("PING waited {waited:?}, the flood took {flood_time:?}");
    assert!(
        waited * 4 < flood_time,
        "the PING waited {waited:?} of the flood's {flood_time:?}"
    );
}
