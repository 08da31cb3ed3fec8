//! DUMP and RESTORE against redis-server 7.0, and whole RDB files both ways: every type in
//! every encoding DUMPed by one side RESTOREs into the other with the same content and
//! encoding; error replies are compared reply for reply; a file Anax writes passes
//! `redis-check-rdb` and loads into redis-server; a file redis-server SAVEs loads into Anax.

mod common;

use anax_conformance::{free_port, Client};
use anax_core::rdb::read::{load, LoadOptions};
use anax_core::rdb::write::{Aux, Writer};
use anax_core::rdb::{crc64::crc64, Error};
use anax_host_single::SingleHost;
use anax_protocol::Value;
use common::*;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn args(parts: &[&[u8]]) -> Vec<Vec<u8>> {
    parts.iter().map(|p| p.to_vec()).collect()
}

/// Commands that build a key of every type in every encoding (thresholds crossed by size,
/// by element length, and by element kind); `{}` stands for a suffix so that the same
/// script can fill several databases.
fn dataset() -> Vec<Vec<Vec<u8>>> {
    let mut c: Vec<Vec<Vec<u8>>> = Vec::new();
    let mut push = |v: Vec<String>| c.push(v.into_iter().map(String::into_bytes).collect());
    let s = |x: &str| x.to_string();
    // Strings: int, embstr, raw, compressible, not, appended.
    push(vec![s("SET"), s("str:int"), s("12345")]);
    push(vec![s("SET"), s("str:neg"), s("-5")]);
    push(vec![s("SET"), s("str:bigint"), s("12345678901")]);
    push(vec![s("SET"), s("str:embstr"), s("hello")]);
    push(vec![s("SET"), s("str:empty"), s("")]);
    push(vec![s("SET"), s("str:aaa"), "a".repeat(30)]);
    push(vec![s("SET"), s("str:raw"), "abcdefghij".repeat(20)]);
    let noise: String = (0..60u32)
        .map(|i| (b'!' + ((i * 7919 + 13) % 90) as u8) as char)
        .collect();
    push(vec![s("SET"), s("str:noise"), noise]);
    push(vec![s("SET"), s("str:appended"), s("abc")]);
    push(vec![s("APPEND"), s("str:appended"), s("def")]);
    push(vec![s("SET"), s("12"), s("an integer key")]);
    // Lists: small, several nodes, a long element.
    push(
        [
            "RPUSH",
            "list:small",
            "a",
            "b",
            "c",
            "1",
            "-2",
            "300",
            "-70000",
            "9223372036854775807",
        ]
        .map(String::from)
        .to_vec(),
    );
    let mut big = vec![s("RPUSH"), s("list:big")];
    for i in 0..2000 {
        big.push(if i % 3 == 0 {
            format!("{}", i * 1001)
        } else {
            format!("element-{i}")
        });
    }
    push(big);
    push(vec![
        s("RPUSH"),
        s("list:long"),
        s("x"),
        "L".repeat(10000),
        s("y"),
    ]);
    // Hashes: listpack, hashtable by count, hashtable by value length.
    push(
        [
            "HSET",
            "hash:small",
            "f",
            "v",
            "n",
            "42",
            "neg",
            "-1",
            "float",
            "1.5",
        ]
        .map(String::from)
        .to_vec(),
    );
    let mut big = vec![s("HSET"), s("hash:big")];
    for i in 0..600 {
        big.push(format!("field{i}"));
        big.push(format!("{}", i * 3));
    }
    push(big);
    push(vec![s("HSET"), s("hash:longval"), s("f"), "v".repeat(100)]);
    // Sets: intset (two widths), hashtable by count, by kind.
    push(
        ["SADD", "set:int", "1", "2", "3", "-5"]
            .map(String::from)
            .to_vec(),
    );
    push(
        ["SADD", "set:wide", "1", "70000", "-5000000000"]
            .map(String::from)
            .to_vec(),
    );
    let mut big = vec![s("SADD"), s("set:bigint")];
    big.extend((0..600).map(|i| format!("{}", i * 7)));
    push(big);
    push(
        ["SADD", "set:str", "a", "b", "c", "1"]
            .map(String::from)
            .to_vec(),
    );
    let mut big = vec![s("SADD"), s("set:big")];
    big.extend((0..300).map(|i| format!("member-{i}")));
    push(big);
    // Sorted sets: listpack, skiplist by count, by member length.
    push(
        [
            "ZADD",
            "zset:small",
            "1",
            "a",
            "2.5",
            "b",
            "-3",
            "c",
            "inf",
            "d",
            "0.1",
            "e",
            "-inf",
            "f",
            "1e20",
            "g",
            "3",
            "100",
        ]
        .map(String::from)
        .to_vec(),
    );
    let mut big = vec![s("ZADD"), s("zset:big")];
    for i in 0..200 {
        big.push(format!("{}", i as f64 * 0.25 - 7.0));
        big.push(format!("m{i}"));
    }
    push(big);
    push(vec![s("ZADD"), s("zset:long"), s("1"), "m".repeat(100)]);
    c
}

/// The keys of [`dataset`] with the commands that read them whole, and whether their
/// reply order is the encoding's own (compared as sets then).
fn readers() -> Vec<(&'static str, &'static str, bool)> {
    vec![
        ("str:int", "GET", false),
        ("str:neg", "GET", false),
        ("str:bigint", "GET", false),
        ("str:embstr", "GET", false),
        ("str:empty", "GET", false),
        ("str:aaa", "GET", false),
        ("str:raw", "GET", false),
        ("str:noise", "GET", false),
        ("str:appended", "GET", false),
        ("12", "GET", false),
        ("list:small", "LRANGE", false),
        ("list:big", "LRANGE", false),
        ("list:long", "LRANGE", false),
        ("hash:small", "HGETALL", false),
        ("hash:big", "HGETALL", true),
        ("hash:longval", "HGETALL", false),
        ("set:int", "SMEMBERS", false),
        ("set:wide", "SMEMBERS", false),
        ("set:bigint", "SMEMBERS", true),
        ("set:str", "SMEMBERS", true),
        ("set:big", "SMEMBERS", true),
        ("zset:small", "ZRANGE", false),
        ("zset:big", "ZRANGE", false),
        ("zset:long", "ZRANGE", false),
    ]
}

/// The command that reads `key` whole with `how`.
fn read_cmd(how: &str, key: &[u8]) -> Vec<Vec<u8>> {
    let mut v = vec![how.as_bytes().to_vec(), key.to_vec()];
    match how {
        "LRANGE" => v.extend([b"0".to_vec(), b"-1".to_vec()]),
        "ZRANGE" => v.extend([b"0".to_vec(), b"-1".to_vec(), b"WITHSCORES".to_vec()]),
        _ => {}
    }
    v
}

/// Keys whose DUMP payload is byte for byte Redis's.
const SAME_BYTES: &[&str] = &[
    "str:int",
    "str:neg",
    "str:bigint",
    "str:embstr",
    "str:empty",
    "str:aaa",
    "str:raw",
    "str:noise",
    "str:appended",
    "12",
    "list:small",
    "list:long",
    "hash:small",
    "hash:longval",
    "set:int",
    "set:wide",
    "zset:small",
];

#[test]
fn dump_and_restore_every_type_both_ways() {
    let redis = Redis::start();
    let mut r = redis.client();
    let mut h = SingleHost::new();
    for c in dataset() {
        let want = r.call(&c);
        assert_eq!(h.run(&c), want, "{c:?}");
    }
    for (key, how, unordered) in readers() {
        let k = key.as_bytes();
        let from_redis = r.call(&[b"DUMP", k]);
        let from_anax = h.run(&[b"DUMP", k]);
        let (Value::Bulk(pr), Value::Bulk(pa)) = (&from_redis, &from_anax) else {
            panic!("DUMP {key}: {from_redis:?} / {from_anax:?}");
        };
        if SAME_BYTES.contains(&key) {
            assert_eq!(pa, pr, "DUMP {key} bytes");
        }
        let kr = format!("{key}:r").into_bytes();
        let ka = format!("{key}:a").into_bytes();
        let cmp = if unordered {
            Cmp::Unordered
        } else {
            Cmp::Exact
        };
        let mut steps = vec![
            (Cmp::Exact, args(&[b"RESTORE", &kr, b"0", pr])),
            (Cmp::Exact, args(&[b"RESTORE", &ka, b"0", pa])),
        ];
        for k2 in [k, &kr[..], &ka[..]] {
            steps.push((cmp, read_cmd(how, k2)));
            steps.push((Cmp::Exact, args(&[b"OBJECT", b"ENCODING", k2])));
            steps.push((Cmp::Exact, args(&[b"TYPE", k2])));
            steps.push((Cmp::Exact, args(&[b"PTTL", k2])));
        }
        run_both(&mut r, &mut h, &steps);
        // And the copies hold what the original holds.
        for k2 in [&kr, &ka] {
            let (a, b) = (h.run(&read_cmd(how, k)), h.run(&read_cmd(how, k2)));
            assert_eq!(sorted(a), sorted(b), "{key}");
        }
    }
}

/// A payload with a valid footer around `body`.
fn payload(body: &[u8], version: u16) -> Vec<u8> {
    let mut p = body.to_vec();
    p.extend(version.to_le_bytes());
    let crc = crc64(&p);
    p.extend(crc.to_le_bytes());
    p
}

#[test]
fn restore_errors_and_options_against_redis() {
    let redis = Redis::start();
    let mut r = redis.client();
    let mut h = SingleHost::new();
    let mut steps = script(
        r#"
set k v
restore k 0 xx
restore k2 0 xx
restore k2 -1 xx
restore k2 abc xx
restore k2 0 xx replace foo
restore k2 0 xx idletime -1
restore k2 0 xx idletime abc
restore k2 0 xx freq 256
restore k2 0 xx freq -1
restore k2 0 xx freq abc
restore k2 0 xx idletime 1 freq 1
restore k2 0 xx freq 1 idletime 1
restore k2 0 xx idletime
restore k2 0 xx freq
restore k2 0
restore k2
dump
dump missing
dump k a
restore k 0 xx replace
command info dump restore
"#,
    );
    let good = payload(b"\x00\x05hello", 10);
    let bad_data = [
        // A quicklist node with an unknown container.
        payload(b"\x12\x01\x03\x01a", 10),
        // A listpack whose size field lies.
        payload(b"\x10\x07\x08\x00\x00\x00\x00\x00\xff", 10),
        // An unknown type, a truncated string.
        payload(b"\x08\x01a", 10),
        payload(b"\x00\x40", 10),
        // An empty set.
        payload(b"\x02\x00", 10),
        // A duplicate set member.
        payload(b"\x02\x02\x01a\x01a", 10),
    ];
    let bad_footer = [
        payload(b"\x00\x05hello", 11),
        b"\x00\x05hello\x0a\x00\x00\x00\x00\x00\x00\x00\x00\x00".to_vec(),
        b"short".to_vec(),
    ];
    for p in bad_data.iter().chain(&bad_footer) {
        steps.push((Cmp::Exact, args(&[b"RESTORE", b"bad", b"0", p])));
        steps.push((Cmp::Exact, args(&[b"EXISTS", b"bad"])));
    }
    // An older RDB version is accepted.
    let old = payload(b"\x00\x05hello", 9);
    for s in [
        args(&[b"RESTORE", b"old", b"0", &old]),
        args(&[b"GET", b"old"]),
        // BUSYKEY comes before the TTL and the payload are looked at.
        args(&[b"RESTORE", b"old", b"-1", b"junk"]),
        // REPLACE over another type.
        args(&[b"RPUSH", b"l", b"x"]),
        args(&[b"RESTORE", b"l", b"0", &good, b"REPLACE"]),
        args(&[b"TYPE", b"l"]),
        args(&[b"GET", b"l"]),
        // IDLETIME and FREQ accepted (and ignored), options in any case, repeated.
        args(&[b"RESTORE", b"i", b"0", &good, b"idletime", b"100"]),
        args(&[
            b"RESTORE", b"f", b"0", &good, b"FREQ", b"5", b"replace", b"REPLACE",
        ]),
        args(&[b"RESTORE", b"f", b"0", &good, b"absttl", b"ReplacE"]),
        // A TTL in the past, relative (overflowing) and absolute: OK, nothing created.
        args(&[b"RESTORE", b"past", b"9223372036854775807", &good]),
        args(&[b"EXISTS", b"past"]),
        args(&[b"RESTORE", b"past", b"1000", &good, b"ABSTTL"]),
        args(&[b"EXISTS", b"past"]),
        // ... and with REPLACE the old key goes.
        args(&[b"RESTORE", b"f", b"1000", &good, b"ABSTTL", b"REPLACE"]),
        args(&[b"EXISTS", b"f"]),
        // An absolute TTL in the future.
        args(&[b"RESTORE", b"abs", b"4102444800000", &good, b"ABSTTL"]),
        args(&[b"PEXPIRETIME", b"abs"]),
        // ABSTTL 0: no expiry.
        args(&[b"RESTORE", b"abs0", b"0", &good, b"ABSTTL"]),
        args(&[b"PTTL", b"abs0"]),
    ] {
        steps.push((Cmp::Exact, s));
    }
    // A relative TTL: the clocks differ, so only the shape of PTTL.
    steps.push((Cmp::Exact, args(&[b"RESTORE", b"rel", b"100000", &good])));
    steps.push((Cmp::Shape, args(&[b"PTTL", b"rel"])));
    run_both(&mut r, &mut h, &steps);
    let Value::Int(pttl) = h.run(&["PTTL", "rel"]) else {
        panic!("PTTL")
    };
    assert_eq!(pttl, 100000);
    // DUMP of an expired key is nil.
    h.run(&["SET", "gone", "v", "PX", "10"]);
    h.advance(20);
    assert_eq!(h.run(&["DUMP", "gone"]), Value::Null);
}

// ---------------------------------------------------------------------------------------
// Files

/// A scratch directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!("anax-rdb-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("temp dir");
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// redis-server with a data directory, killed when dropped.
struct RedisWithDir {
    child: Child,
    port: u16,
}

impl RedisWithDir {
    fn start(dir: &Path) -> RedisWithDir {
        let port = free_port();
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
            ])
            .args(["--appendonly", "no", "--dbfilename", "dump.rdb"])
            .arg("--dir")
            .arg(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server (apt-get install redis-server)");
        let mut s = RedisWithDir { child, port };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(mut c) = Client::connect(port) {
                if c.try_call(&["PING"]) == Ok(Value::Simple(b"PONG".to_vec())) {
                    return s;
                }
            }
            if let Ok(Some(st)) = s.child.try_wait() {
                panic!("redis-server exited at start-up: {st}");
            }
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn client(&self) -> Client {
        Client::connect(self.port).expect("connect")
    }
}

impl Drop for RedisWithDir {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A file sink.
struct FileSink(std::io::BufWriter<std::fs::File>);

impl anax_core::rdb::write::Sink for FileSink {
    fn write(&mut self, bytes: &[u8]) -> Result<(), Error> {
        use std::io::Write;
        self.0
            .write_all(bytes)
            .map_err(|e| Error::Io(e.to_string()))
    }
}

/// A file source.
struct FileSource(std::fs::File);

impl anax_core::rdb::read::Source for FileSource {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        use std::io::Read;
        self.0.read(buf).map_err(|e| Error::Io(e.to_string()))
    }
}

/// Far in the future for both the virtual and the real clock (2100).
const FAR: u64 = 4_102_444_800_000;

/// Fills databases 0 and 3 with the dataset (the odd keys of database 0 with an expiry)
/// through `run`.
fn fill(mut run: impl FnMut(Vec<Vec<u8>>) -> Value) {
    for db in ["0", "3"] {
        run(args(&[b"SELECT", db.as_bytes()]));
        for c in dataset() {
            run(c);
        }
    }
    run(args(&[b"SELECT", b"0"]));
    for (i, (key, _, _)) in readers().into_iter().enumerate() {
        if i % 2 == 1 {
            let at = (FAR + i as u64).to_string();
            run(args(&[b"PEXPIREAT", key.as_bytes(), at.as_bytes()]));
        }
    }
}

/// Compares every key of both databases on both sides.
fn compare_contents(r: &mut Client, h: &mut SingleHost) {
    let mut steps = Vec::new();
    for db in ["0", "3"] {
        steps.push((Cmp::Exact, args(&[b"SELECT", db.as_bytes()])));
        steps.push((Cmp::Exact, args(&[b"DBSIZE"])));
        for (key, how, unordered) in readers() {
            let k = key.as_bytes();
            let cmp = if unordered {
                Cmp::Unordered
            } else {
                Cmp::Exact
            };
            steps.push((cmp, read_cmd(how, k)));
            // An APPENDed string is `raw` where it was built and `embstr` where it was
            // loaded (in Redis too, after DEBUG RELOAD).
            if key != "str:appended" {
                steps.push((Cmp::Exact, args(&[b"OBJECT", b"ENCODING", k])));
            }
            steps.push((Cmp::Exact, args(&[b"PEXPIRETIME", k])));
        }
    }
    steps.push((Cmp::Exact, args(&[b"SELECT", b"0"])));
    run_both(r, h, &steps);
}

#[test]
fn a_file_anax_writes_passes_redis_check_rdb_and_loads_into_redis() {
    let dir = TempDir::new("write");
    let mut h = SingleHost::new();
    fill(|c| h.run(&c));
    // Write the file shard by shard, database by database.
    let path = dir.0.join("dump.rdb");
    let file = std::fs::File::create(&path).expect("create");
    let aux = Aux {
        redis_ver: "7.0.15",
        ctime: 1_700_000_000,
        used_mem: 1 << 20,
        aof_base: false,
    };
    let mut w = Writer::new(FileSink(std::io::BufWriter::new(file)), &aux, true).unwrap();
    let now = h.now_ms();
    let state = &mut h.engine().state;
    for db in 0..state.config.databases {
        let (keys, expires) = state.shards.iter().fold((0, 0), |(k, e), s| {
            (k + s.dbs[db].len(), e + s.dbs[db].expires_count())
        });
        if keys == 0 {
            continue;
        }
        w.select_db(db as u64, keys as u64, expires as u64).unwrap();
        for shard in &state.shards {
            for (key, entry) in shard.dbs[db].iter(now) {
                w.entry(key.as_bytes(), &entry.value, entry.expire_at)
                    .unwrap();
            }
        }
    }
    let FileSink(mut f) = w.finish().unwrap();
    std::io::Write::flush(&mut f).unwrap();
    drop(f);

    let out = Command::new("redis-check-rdb")
        .arg(&path)
        .output()
        .expect("run redis-check-rdb (apt-get install redis-tools)");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "redis-check-rdb failed:\n{text}");
    assert!(text.contains("RDB looks OK"), "{text}");

    let redis = RedisWithDir::start(&dir.0);
    let mut r = redis.client();
    compare_contents(&mut r, &mut h);
}

#[test]
fn a_file_redis_saves_loads_into_anax() {
    let dir = TempDir::new("read");
    let redis = RedisWithDir::start(&dir.0);
    let mut r = redis.client();
    fill(|c| r.call(&c));
    for compression in ["yes", "no"] {
        assert_eq!(
            r.call(&["CONFIG", "SET", "rdbcompression", compression]),
            Value::ok()
        );
        assert_eq!(r.call(&["SAVE"]), Value::ok());
        let mut h = SingleHost::new();
        let opts = LoadOptions::from_config(&anax_core::Config::default());
        let mut src = FileSource(std::fs::File::open(dir.0.join("dump.rdb")).expect("open"));
        let mut loaded = Vec::new();
        let summary = load(&mut src, &opts, |l| {
            loaded.push(l);
            Ok(())
        })
        .expect("load redis-server's dump.rdb");
        assert_eq!(summary.version, 10);
        assert!(summary.checksum_checked);
        assert!(summary
            .aux
            .iter()
            .any(|(k, v)| k == b"redis-ver" && v.starts_with(b"7.0")));
        assert_eq!(loaded.len(), 2 * readers().len());
        let state = &mut h.engine().state;
        for l in loaded {
            let exp = l.expire_ms.map_or(0, |e| e.max(1) as u64);
            state.db(l.db, &l.key).set(&l.key, l.value, exp);
        }
        compare_contents(&mut r, &mut h);
    }
}
