//! End-to-end tests of the configuration file (redis.conf syntax, CONFIG REWRITE) and of
//! CLIENT PAUSE / REPLY / NO-EVICT, against the real `anax` binary (and, for the replies,
//! redis-server side by side).

use anax_conformance::{free_port, Client, Server};
use anax_protocol::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A running `anax`, killed when dropped, its standard error kept.
struct Anax {
    child: Child,
    port: u16,
    log: Arc<Mutex<String>>,
}

impl Anax {
    /// Starts `anax` with the arguments `args(port)` gives (a config file first, when
    /// any), in `cwd`; tries other ports when the one picked was taken.
    fn start(cwd: &Path, args: impl Fn(u16) -> Vec<String>) -> Anax {
        for _ in 0..5 {
            let port = free_port();
            let mut child = Command::new(env!("CARGO_BIN_EXE_anax"))
                .args(args(port))
                .current_dir(cwd)
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
            let mut a = Anax { child, port, log };
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                if let Ok(Some(_)) = a.child.try_wait() {
                    break; // the port was taken: another one
                }
                if let Ok(mut c) = Client::connect(port) {
                    if c.try_call(&["PING"]).is_ok() {
                        return a;
                    }
                }
                assert!(
                    Instant::now() < deadline,
                    "anax did not answer: {}",
                    a.log()
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        panic!("anax did not start");
    }

    fn client(&self) -> Client {
        Client::connect(self.port).expect("connect")
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    fn wait_exit(&mut self) -> i32 {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                return st.code().unwrap_or(-1);
            }
            assert!(Instant::now() < deadline, "anax did not exit");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Anax {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `anax` until it exits: its exit code and standard error.
fn run_to_exit(cwd: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_anax"))
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .output()
        .expect("run anax");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A fresh directory under the system's temporary one, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!("anax-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn bulk(s: &str) -> Value {
    Value::Bulk(s.as_bytes().to_vec())
}

fn ok() -> Value {
    Value::Simple(b"OK".to_vec())
}

fn config_get(c: &mut Client, name: &str) -> String {
    match c.call(&["CONFIG", "GET", name]) {
        Value::Array(v) if v.len() == 2 => String::from_utf8_lossy(v[1].as_bytes().unwrap()).into(),
        other => panic!("CONFIG GET {name}: {other:?}"),
    }
}

fn info_field(c: &mut Client, section: &str, name: &str) -> String {
    let v = c.call(&["INFO", section]);
    let text = String::from_utf8_lossy(v.as_bytes().expect("INFO text")).into_owned();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .unwrap_or_else(|| panic!("no {name} in INFO {section}"))
        .trim()
        .to_string()
}

fn args(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn a_config_file_is_read_and_flags_override_it() {
    let dir = TempDir::new("conf-read");
    std::fs::write(
        dir.0.join("anax.conf"),
        "# Anax\nport 1\n\nmaxmemory 1mb   # not a comment here\n",
    )
    .unwrap();
    // A `#` after a directive is an argument, as in Redis: this file is refused.
    let (code, err) = run_to_exit(&dir.0, &["anax.conf", "--port", "0"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("at line 4\n>>> 'maxmemory 1mb   # not a comment here'\nwrong number"),
        "{err}"
    );
    std::fs::write(
        dir.0.join("anax.conf"),
        "# Anax\nport 1\n\nMAXMEMORY 1mb\nhz 20\nsave 900 1\nsave 300 10\n\
         requirepass \"\"\ninclude extra.conf\n",
    )
    .unwrap();
    std::fs::write(dir.0.join("extra.conf"), "maxmemory-policy allkeys-lru\n").unwrap();
    let a = Anax::start(&dir.0, |p| {
        args(&[
            "anax.conf",
            "--port",
            &p.to_string(),
            "--hz",
            "30",
            "--no-pin",
        ])
    });
    let mut c = a.client();
    assert_eq!(config_get(&mut c, "maxmemory"), "1048576");
    assert_eq!(config_get(&mut c, "hz"), "30", "the flag wins");
    assert_eq!(config_get(&mut c, "port"), a.port.to_string());
    assert_eq!(
        config_get(&mut c, "save"),
        "900 1 300 10",
        "save lines add up"
    );
    assert_eq!(config_get(&mut c, "maxmemory-policy"), "allkeys-lru");
    let abs = std::fs::canonicalize(&dir.0).unwrap().join("anax.conf");
    assert_eq!(
        info_field(&mut c, "server", "config_file"),
        abs.display().to_string()
    );
    assert!(a.log().contains("Configuration loaded"), "{}", a.log());
}

#[test]
fn bad_directives_and_values_exit_1_with_the_fatal_block() {
    let dir = TempDir::new("conf-bad");
    std::fs::write(
        dir.0.join("bad.conf"),
        "port 0\n# comment\nmaxmemory-polcy allkeys-lru\n",
    )
    .unwrap();
    let (code, err) = run_to_exit(&dir.0, &["bad.conf"]);
    assert_eq!(code, 1);
    assert!(
        err.contains(
            "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, \
             at line 3\n>>> 'maxmemory-polcy allkeys-lru'\nBad directive or wrong number of \
             arguments\n"
        ),
        "{err}"
    );
    std::fs::write(dir.0.join("bad.conf"), "port 0\nhz abc\n").unwrap();
    let (code, err) = run_to_exit(&dir.0, &["bad.conf"]);
    assert_eq!(code, 1);
    assert!(
        err.contains(">>> 'hz abc'\nargument couldn't be parsed into an integer\n"),
        "{err}"
    );
    // A flag is a line after the file's (2 lines, then a line break).
    std::fs::write(dir.0.join("good.conf"), "port 0\nhz 10\n").unwrap();
    let (code, err) = run_to_exit(&dir.0, &["good.conf", "--nonsense", "1"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("at line 4\n>>> 'nonsense \"1\"'\nBad directive"),
        "{err}"
    );
    let (code, err) = run_to_exit(&dir.0, &["missing.conf"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("Fatal error, can't open config file 'missing.conf': No such file"),
        "{err}"
    );
    // Features Anax lacks are refused, not ignored.
    for line in [
        "appendonly yes",
        "replicaof 10.0.0.1 6379",
        "rename-command KEYS \"\"",
    ] {
        std::fs::write(dir.0.join("bad.conf"), format!("port 0\n{line}\n")).unwrap();
        let (code, err) = run_to_exit(&dir.0, &["bad.conf"]);
        assert_eq!(code, 1, "{line}: {err}");
        assert!(err.contains("FATAL CONFIG FILE ERROR"), "{line}: {err}");
    }
}

#[test]
fn debians_stock_redis_conf_starts() {
    let stock = std::fs::read("/etc/redis/redis.conf")
        .expect("/etc/redis/redis.conf (Debian's redis-server package) must be readable");
    let dir = TempDir::new("conf-debian");
    std::fs::write(dir.0.join("redis.conf"), &stock).unwrap();
    let d = dir.0.display().to_string();
    let pidfile = dir.0.join("anax.pid");
    let pf = pidfile.display().to_string();
    let mut a = Anax::start(&dir.0, |p| {
        args(&[
            "redis.conf",
            "--port",
            &p.to_string(),
            "--dir",
            &d,
            "--daemonize",
            "no",
            "--logfile",
            "",
            "--pidfile",
            &pf,
            "--no-pin",
        ])
    });
    let mut c = a.client();
    assert_eq!(c.call(&["SET", "k", "v"]), ok());
    assert_eq!(c.call(&["GET", "k"]), bulk("v"));
    assert_eq!(config_get(&mut c, "bind"), "127.0.0.1 -::1");
    assert_eq!(config_get(&mut c, "databases"), "16");
    assert_eq!(config_get(&mut c, "oom-score-adj-values"), "0 200 800");
    let pid = std::fs::read_to_string(&pidfile).expect("the pid file");
    assert_eq!(pid.trim(), a.child.id().to_string());
    assert!(!a.log().contains("not supported"), "{}", a.log());
    c.send(&["SHUTDOWN", "NOSAVE"]);
    assert_eq!(a.wait_exit(), 0);
    assert!(!pidfile.exists(), "the pid file is removed at exit");

    // As installed (daemonize yes, a log file): warnings, and it runs.
    let a = Anax::start(&dir.0, |p| {
        args(&[
            "redis.conf",
            "--port",
            &p.to_string(),
            "--dir",
            &d,
            "--pidfile",
            &pf,
            "--no-pin",
        ])
    });
    let log = a.log();
    assert!(log.contains("daemonize yes is not supported"), "{log}");
    assert!(
        log.contains("logfile '/var/log/redis/redis-server.log' is not supported"),
        "{log}"
    );
}

#[test]
fn config_rewrite_keeps_the_file_and_a_restart_reads_it() {
    let dir = TempDir::new("conf-rewrite");
    let conf = dir.0.join("anax.conf");
    std::fs::write(
        &conf,
        "# My settings\nport 0\nmaxmemory 1mb\n\n# Keys\nhash-max-ziplist-entries 64\n",
    )
    .unwrap();
    let start = |dir: &Path| {
        Anax::start(dir, |p| {
            args(&[
                "anax.conf",
                "--port",
                &p.to_string(),
                "--save",
                "",
                "--no-pin",
            ])
        })
    };
    let mut a = start(&dir.0);
    let mut c = a.client();
    assert_eq!(
        c.call(&["CONFIG", "SET", "maxmemory", "2mb", "hz", "33"]),
        ok()
    );
    assert_eq!(c.call(&["CONFIG", "REWRITE"]), ok());
    let text = std::fs::read_to_string(&conf).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        &lines[..6],
        [
            "# My settings",
            &format!("port {}", a.port),
            "maxmemory 2mb",
            "",
            "# Keys",
            "hash-max-listpack-entries 64"
        ],
        "{text}"
    );
    let tail = &text[text.find("# Generated by CONFIG REWRITE").expect(&text)..];
    assert!(tail.contains("\nsave \"\"\n"), "{text}");
    assert!(tail.contains("\nhz 33\n"), "{text}");
    assert!(a.log().contains("CONFIG REWRITE executed with success."));
    c.send(&["SHUTDOWN", "NOSAVE"]);
    assert_eq!(a.wait_exit(), 0);

    let a = start(&dir.0);
    let mut c = a.client();
    assert_eq!(config_get(&mut c, "maxmemory"), "2097152");
    assert_eq!(config_get(&mut c, "hz"), "33");
    assert_eq!(config_get(&mut c, "hash-max-listpack-entries"), "64");
    // The file's directory is gone: Redis's error.
    let moved = dir.0.with_extension("moved");
    let _ = std::fs::remove_dir_all(&moved);
    std::fs::rename(&dir.0, &moved).unwrap();
    assert_eq!(
        c.call(&["CONFIG", "REWRITE"]),
        Value::Error(b"ERR Rewriting config file: No such file or directory".to_vec())
    );
    std::fs::rename(&moved, &dir.0).unwrap();
    assert_eq!(c.call(&["CONFIG", "REWRITE"]), ok());
    drop(a);

    // Without a config file, as Redis.
    let a = Anax::start(&dir.0, |p| args(&["--port", &p.to_string(), "--no-pin"]));
    assert_eq!(
        a.client().call(&["CONFIG", "REWRITE"]),
        Value::Error(b"ERR The server is running without a config file".to_vec())
    );
    assert_eq!(info_field(&mut a.client(), "server", "config_file"), "");
}

/// Starts anax with 4 threads, no config file.
fn anax4(dir: &Path) -> Anax {
    Anax::start(dir, |p| {
        args(&[
            "--port",
            &p.to_string(),
            "--threads",
            "4",
            "--save",
            "",
            "--no-pin",
        ])
    })
}

#[test]
fn client_pause_write_holds_writes_on_every_thread() {
    let dir = TempDir::new("pause-write");
    let a = anax4(&dir.0);
    let mut admin = a.client();
    assert_eq!(admin.call(&["SET", "k", "before"]), ok());
    assert_eq!(admin.call(&["CLIENT", "PAUSE", "20000", "WRITE"]), ok());
    // Connections are dealt to the threads in turn: these land on every one.
    let mut writers: Vec<Client> = (0..6).map(|_| a.client()).collect();
    for (i, w) in writers.iter_mut().enumerate() {
        w.send(&["SET", &format!("w{i}"), "v"]);
    }
    let mut reader = a.client();
    for w in &mut writers {
        assert_eq!(
            w.read_reply_within(Duration::from_millis(100)).unwrap(),
            None,
            "a write ran during CLIENT PAUSE WRITE"
        );
    }
    // Reads, and other commands, go on.
    assert_eq!(reader.call(&["GET", "k"]), bulk("before"));
    assert_eq!(reader.call(&["PING"]), Value::Simple(b"PONG".to_vec()));
    assert_eq!(reader.call(&["EXISTS", "w0", "w1", "w2"]), Value::Int(0));
    assert_eq!(info_field(&mut reader, "clients", "blocked_clients"), "6");
    let list = reader.call(&["CLIENT", "LIST"]);
    let list = String::from_utf8_lossy(list.as_bytes().unwrap()).into_owned();
    assert_eq!(list.matches("flags=b").count(), 6, "{list}");
    // PUBLISH waits too (Redis flags it may-replicate); MULTI's queue of a write as well.
    let mut publisher = a.client();
    publisher.send(&["PUBLISH", "ch", "m"]);
    assert_eq!(
        publisher
            .read_reply_within(Duration::from_millis(100))
            .unwrap(),
        None
    );
    assert_eq!(admin.call(&["CLIENT", "UNPAUSE"]), ok());
    for w in &mut writers {
        assert_eq!(
            w.read_reply_within(Duration::from_secs(2)).unwrap(),
            Some(ok())
        );
    }
    assert_eq!(
        publisher.read_reply_within(Duration::from_secs(2)).unwrap(),
        Some(Value::Int(0))
    );
    assert_eq!(
        reader.call(&["EXISTS", "w0", "w1", "w2", "w3", "w4", "w5"]),
        Value::Int(6)
    );
    assert_eq!(info_field(&mut reader, "clients", "blocked_clients"), "0");
}

#[test]
fn client_pause_all_holds_reads_until_it_ends() {
    let dir = TempDir::new("pause-all");
    let a = anax4(&dir.0);
    let mut admin = a.client();
    assert_eq!(admin.call(&["SET", "k", "v"]), ok());
    let mut readers: Vec<Client> = (0..4).map(|_| a.client()).collect();
    let started = Instant::now();
    assert_eq!(admin.call(&["CLIENT", "PAUSE", "700", "ALL"]), ok());
    for r in &mut readers {
        r.send(&["GET", "k"]);
    }
    for r in &mut readers {
        assert_eq!(
            r.read_reply_within(Duration::from_millis(50)).unwrap(),
            None
        );
    }
    // The pausing client waits too, as in Redis.
    admin.send(&["PING"]);
    for r in &mut readers {
        assert_eq!(
            r.read_reply_within(Duration::from_secs(3)).unwrap(),
            Some(bulk("v"))
        );
    }
    assert!(
        started.elapsed() >= Duration::from_millis(650),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        admin.read_reply_within(Duration::from_secs(1)).unwrap(),
        Some(Value::Simple(b"PONG".to_vec()))
    );
}

/// Sends `bytes` and reads what comes back within `wait`.
fn raw_exchange(port: u16, bytes: &[u8], wait: Duration) -> Vec<u8> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(bytes).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let deadline = Instant::now() + wait;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while Instant::now() < deadline {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(_) => {}
        }
    }
    got
}

fn req(args: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    anax_protocol::value::encode_request(args, &mut out);
    out
}

#[test]
fn client_reply_off_skip_on_as_redis() {
    let dir = TempDir::new("reply");
    let a = anax4(&dir.0);
    let redis = Server::redis();
    let pipelines: Vec<Vec<u8>> = vec![
        [
            req(&["CLIENT", "REPLY", "SKIP"]),
            req(&["PING", "a"]),
            req(&["PING", "b"]),
            req(&["CLIENT", "REPLY", "OFF"]),
            req(&["PING", "c"]),
            req(&["NOSUCH"]),
            req(&["CLIENT", "REPLY", "SKIP"]),
            req(&["PING", "d"]),
            req(&["CLIENT", "REPLY", "ON"]),
            req(&["PING", "e"]),
        ]
        .concat(),
        [
            req(&["CLIENT", "REPLY", "SKIP"]),
            req(&["CLIENT", "REPLY", "SKIP"]),
            req(&["PING", "x"]),
            req(&["PING", "y"]),
        ]
        .concat(),
        // Keyed commands on every thread (squashed pipelines when replies are all sent).
        [
            req(&["SET", "a", "1"]),
            req(&["CLIENT", "REPLY", "SKIP"]),
            req(&["GET", "a"]),
            req(&["MSET", "b", "2", "c", "3"]),
            req(&["GET", "b"]),
            req(&["CLIENT", "REPLY", "OFF"]),
            req(&["SET", "d", "4"]),
            req(&["MGET", "a", "b"]),
            req(&["INCR", "a"]),
            req(&["CLIENT", "REPLY", "ON"]),
            req(&["MGET", "a", "b", "c", "d"]),
            req(&["CLIENT", "REPLY", "SKIP"]),
            req(&["CLIENT", "REPLY", "ON"]),
            req(&["GET", "c"]),
        ]
        .concat(),
        // A blocking command whose reply is skipped.
        [
            req(&["DEL", "list"]),
            req(&["CLIENT", "REPLY", "SKIP"]),
            req(&["BLPOP", "list", "0.2"]),
            req(&["PING", "after"]),
        ]
        .concat(),
        [
            req(&["CLIENT", "REPLY", "MAYBE"]),
            req(&["CLIENT", "NO-EVICT", "ON"]),
            req(&["CLIENT", "NO-EVICT", "OFF"]),
            req(&["CLIENT", "NO-EVICT", "x"]),
        ]
        .concat(),
    ];
    for p in &pipelines {
        let want = raw_exchange(redis.port, p, Duration::from_millis(600));
        let got = raw_exchange(a.port, p, Duration::from_millis(600));
        assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(&want),
            "\n{}",
            String::from_utf8_lossy(p)
        );
        assert!(!want.is_empty());
    }
    // NO-EVICT shows as flag `e`.
    let mut c = a.client();
    assert_eq!(c.call(&["CLIENT", "NO-EVICT", "ON"]), ok());
    let info = c.call(&["CLIENT", "INFO"]);
    let info = String::from_utf8_lossy(info.as_bytes().unwrap()).into_owned();
    assert!(info.contains(" flags=e "), "{info}");
}
