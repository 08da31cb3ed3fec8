//! The connection and server families through the single host: PING, ECHO, QUIT, HELLO,
//! AUTH, SELECT, SWAPDB, DBSIZE, FLUSHDB, FLUSHALL, INFO, CONFIG, COMMAND, CLIENT, TIME,
//! LASTSAVE, DEBUG, SHUTDOWN; and differential tests against a real redis-server.

mod common;

use anax_core::{Action, Config, ConnId, Host};
use anax_host_single::SingleHost;
use anax_protocol::{OwnedArgs, Value};
use common::{run_both, script, split, Client, Redis};

fn ok() -> Value {
    Value::ok()
}

fn int(n: i64) -> Value {
    Value::Int(n)
}

fn bulk(s: &str) -> Value {
    Value::bulk(s)
}

fn simple(s: &str) -> Value {
    Value::Simple(s.as_bytes().to_vec())
}

fn err(s: &str) -> Value {
    Value::err(s)
}

/// Runs a command written as one line (`common::split` syntax) on the default connection.
fn r(h: &mut SingleHost, line: &str) -> Value {
    h.run(&split(line))
}

/// Runs a command on connection `c`.
fn r_on(h: &mut SingleHost, c: ConnId, line: &str) -> Value {
    h.run_on(c, &split(line))
}

/// A fixed clock, for running the engine directly.
struct Clock(u64);

impl Host for Clock {
    fn now_us(&self) -> u64 {
        self.0
    }
}

/// Runs a command through the engine directly, returning the raw reply and the action the
/// host is asked to take.
fn exec(h: &mut SingleHost, c: ConnId, line: &str) -> (Vec<u8>, Action) {
    let owned = OwnedArgs::from_iter(split(line).iter());
    let clock = Clock(h.now_ms() * 1000);
    let mut out = Vec::new();
    let action = h.engine().execute(c, owned.as_args(), &clock, &mut out);
    (out, action)
}

/// The text of a bulk or verbatim reply.
fn text(v: Value) -> String {
    match v {
        Value::Bulk(b) => String::from_utf8(b).unwrap(),
        Value::Verbatim { format, text } => {
            assert_eq!(&format, b"txt");
            String::from_utf8(text).unwrap()
        }
        other => panic!("expected text, got {other:?}"),
    }
}

/// INFO's text parsed into sections of `(field, value)` lines.
fn sections(info: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut out: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for line in info.split("\r\n") {
        if let Some(name) = line.strip_prefix("# ") {
            out.push((name.to_string(), Vec::new()));
        } else if !line.is_empty() {
            let (k, v) = line.split_once(':').expect("field:value");
            out.last_mut()
                .expect("a field before any section")
                .1
                .push((k.to_string(), v.to_string()));
        }
    }
    out
}

fn field(info: &str, name: &str) -> String {
    sections(info)
        .into_iter()
        .flat_map(|(_, f)| f)
        .find(|(k, _)| k == name)
        .unwrap_or_else(|| panic!("no field {name} in INFO"))
        .1
}

fn with_config(f: impl FnOnce(&mut Config)) -> SingleHost {
    let mut c = Config::default();
    f(&mut c);
    SingleHost::with_config(c, 4)
}

#[test]
fn ping_echo_quit() {
    let mut h = SingleHost::new();
    assert_eq!(r(&mut h, "PING"), simple("PONG"));
    assert_eq!(r(&mut h, "PING hi"), bulk("hi"));
    assert_eq!(
        r(&mut h, "PING a b"),
        err("ERR wrong number of arguments for 'ping' command")
    );
    assert_eq!(r(&mut h, "ECHO \"hello world\""), bulk("hello world"));
    assert_eq!(
        r(&mut h, "ECHO"),
        err("ERR wrong number of arguments for 'echo' command")
    );
    let c = h.default_conn();
    assert_eq!(
        exec(&mut h, c, "QUIT"),
        (b"+OK\r\n".to_vec(), Action::Close)
    );
    // QUIT needs no authentication.
    let mut h = with_config(|c| c.requirepass = b"pw".to_vec());
    let c = h.default_conn();
    assert_eq!(
        exec(&mut h, c, "QUIT"),
        (b"+OK\r\n".to_vec(), Action::Close)
    );
}

fn hello_map(proto: i64, id: i64) -> Vec<(Value, Value)> {
    vec![
        (bulk("server"), bulk("redis")),
        (bulk("version"), bulk("7.0.15")),
        (bulk("proto"), int(proto)),
        (bulk("id"), int(id)),
        (bulk("mode"), bulk("standalone")),
        (bulk("role"), bulk("master")),
        (bulk("modules"), Value::Array(vec![])),
    ]
}

fn flat(pairs: Vec<(Value, Value)>) -> Value {
    Value::Array(pairs.into_iter().flat_map(|(k, v)| [k, v]).collect())
}

#[test]
fn hello_switches_protocol() {
    let mut h = SingleHost::new();
    assert_eq!(r(&mut h, "HELLO"), flat(hello_map(2, 1)));
    assert_eq!(r(&mut h, "HELLO 3"), Value::Map(hello_map(3, 1)));
    // Now RESP3: maps, verbatim strings, RESP3 nulls.
    assert_eq!(
        r(&mut h, "CONFIG GET hz"),
        Value::Map(vec![(bulk("hz"), bulk("10"))])
    );
    assert_eq!(h.run_raw(&["CLIENT", "GETNAME"]), b"_\r\n");
    assert!(matches!(r(&mut h, "INFO server"), Value::Verbatim { .. }));
    assert_eq!(r(&mut h, "HELLO"), Value::Map(hello_map(3, 1)));
    assert_eq!(r(&mut h, "HELLO 2"), flat(hello_map(2, 1)));
    assert_eq!(h.run_raw(&["CLIENT", "GETNAME"]), b"$-1\r\n");
    assert_eq!(
        r(&mut h, "HELLO 4"),
        err("NOPROTO unsupported protocol version")
    );
    assert_eq!(
        r(&mut h, "HELLO 1"),
        err("NOPROTO unsupported protocol version")
    );
    assert_eq!(
        r(&mut h, "HELLO abc"),
        err("ERR Protocol version is not an integer or out of range")
    );
    assert_eq!(
        r(&mut h, "HELLO 2 FOO"),
        err("ERR Syntax error in HELLO option 'FOO'")
    );
    assert_eq!(
        r(&mut h, "HELLO 3 AUTH a"),
        err("ERR Syntax error in HELLO option 'AUTH'")
    );
    assert_eq!(
        r(&mut h, "HELLO 3 SETNAME"),
        err("ERR Syntax error in HELLO option 'SETNAME'")
    );
    assert_eq!(
        r(&mut h, "HELLO 3 SETNAME \"a b\""),
        err("ERR Client names cannot contain spaces, newlines or special characters.")
    );
    // The failed HELLO 3 did not switch the protocol.
    assert_eq!(h.run_raw(&["CLIENT", "GETNAME"]), b"$-1\r\n");
    assert_eq!(
        r(&mut h, "HELLO 3 SETNAME app"),
        Value::Map(hello_map(3, 1))
    );
    assert_eq!(r(&mut h, "CLIENT GETNAME"), bulk("app"));
    // Without a password, HELLO AUTH takes any password for the default user.
    assert_eq!(
        r(&mut h, "HELLO 2 AUTH default whatever"),
        flat(hello_map(2, 1))
    );
    assert_eq!(
        r(&mut h, "HELLO 2 AUTH nobody x"),
        err("WRONGPASS invalid username-password pair or user is disabled.")
    );
    let c = h.connect();
    assert_eq!(r_on(&mut h, c, "HELLO 3"), Value::Map(hello_map(3, 2)));
}

#[test]
fn auth_without_password() {
    let mut h = SingleHost::new();
    assert_eq!(
        r(&mut h, "AUTH x"),
        err("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?")
    );
    assert_eq!(r(&mut h, "AUTH default x"), ok());
    assert_eq!(
        r(&mut h, "AUTH a b"),
        err("WRONGPASS invalid username-password pair or user is disabled.")
    );
    assert_eq!(r(&mut h, "AUTH a b c"), err("ERR syntax error"));
}

#[test]
fn auth_with_requirepass() {
    let mut h = with_config(|c| c.requirepass = b"secret".to_vec());
    let noauth = err("NOAUTH Authentication required.");
    let wrongpass = err("WRONGPASS invalid username-password pair or user is disabled.");
    assert_eq!(r(&mut h, "PING"), noauth);
    assert_eq!(r(&mut h, "CLIENT ID"), noauth);
    // Unknown commands and arity are reported before authentication, as in Redis.
    assert_eq!(
        r(&mut h, "FOO"),
        err("ERR unknown command 'FOO', with args beginning with: ")
    );
    assert_eq!(
        r(&mut h, "GET"),
        err("ERR wrong number of arguments for 'get' command")
    );
    assert_eq!(
        r(&mut h, "HELLO 3"),
        err("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time")
    );
    assert_eq!(r(&mut h, "HELLO 3 AUTH default wrong"), wrongpass);
    // Credentials are checked before the name.
    assert_eq!(r(&mut h, "HELLO 3 AUTH foo bar SETNAME \"a b\""), wrongpass);
    assert_eq!(r(&mut h, "AUTH wrong"), wrongpass);
    assert_eq!(r(&mut h, "AUTH secre"), wrongpass);
    assert_eq!(r(&mut h, "AUTH secrets"), wrongpass);
    assert_eq!(r(&mut h, "AUTH foo secret"), wrongpass);
    assert_eq!(r(&mut h, "PING"), noauth);
    assert_eq!(r(&mut h, "AUTH secret"), ok());
    assert_eq!(r(&mut h, "PING"), simple("PONG"));
    // A failed AUTH does not undo an earlier success.
    assert_eq!(r(&mut h, "AUTH wrong"), wrongpass);
    assert_eq!(r(&mut h, "PING"), simple("PONG"));

    let c = h.connect();
    assert_eq!(r_on(&mut h, c, "PING"), noauth);
    assert_eq!(
        r_on(&mut h, c, "HELLO 3 AUTH default secret SETNAME nm"),
        Value::Map(hello_map(3, 2))
    );
    assert_eq!(r_on(&mut h, c, "CLIENT GETNAME"), bulk("nm"));
    let c2 = h.connect();
    assert_eq!(r_on(&mut h, c2, "AUTH default secret"), ok());
    assert_eq!(
        r_on(&mut h, c2, "CONFIG GET requirepass"),
        Value::Array(vec![bulk("requirepass"), bulk("secret")])
    );

    // Clearing the password: new connections need no AUTH, and AUTH <pw> complains.
    assert_eq!(r(&mut h, "CONFIG SET requirepass \"\""), ok());
    let c3 = h.connect();
    assert_eq!(r_on(&mut h, c3, "PING"), simple("PONG"));
    assert_eq!(
        r_on(&mut h, c3, "AUTH x"),
        err("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?")
    );
    // Setting one: connections that are in stay in; new ones must authenticate.
    assert_eq!(r(&mut h, "CONFIG SET requirepass pw2"), ok());
    assert_eq!(r_on(&mut h, c3, "PING"), simple("PONG"));
    let c4 = h.connect();
    assert_eq!(r_on(&mut h, c4, "PING"), noauth);
    assert_eq!(r_on(&mut h, c4, "AUTH pw2"), ok());
}

#[test]
fn select_dbsize_swapdb_flush() {
    let mut h = SingleHost::new();
    assert_eq!(r(&mut h, "DBSIZE"), int(0));
    for k in ["a", "b", "c"] {
        assert_eq!(h.run(&["SET", k, "v0"]), ok());
    }
    assert_eq!(r(&mut h, "DBSIZE"), int(3));
    assert_eq!(r(&mut h, "SELECT 1"), ok());
    assert_eq!(r(&mut h, "DBSIZE"), int(0));
    assert_eq!(r(&mut h, "SET x v1"), ok());
    assert_eq!(r(&mut h, "DBSIZE"), int(1));
    assert_eq!(r(&mut h, "SELECT 16"), err("ERR DB index is out of range"));
    assert_eq!(r(&mut h, "SELECT -1"), err("ERR DB index is out of range"));
    assert_eq!(
        r(&mut h, "SELECT 99999999999"),
        err("ERR value is out of range, value must between -2147483648 and 2147483647")
    );
    for bad in ["abc", "1.5", "01", ""] {
        assert_eq!(
            h.run(&["SELECT", bad]),
            err("ERR value is not an integer or out of range"),
            "SELECT {bad:?}"
        );
    }
    // Still on db 1.
    assert_eq!(r(&mut h, "GET x"), bulk("v1"));
    let other = h.connect();
    assert_eq!(r_on(&mut h, other, "DBSIZE"), int(3));

    assert_eq!(r(&mut h, "SWAPDB 0 1"), ok());
    // Connections keep their index and see the other data.
    assert_eq!(r(&mut h, "DBSIZE"), int(3));
    assert_eq!(r(&mut h, "GET a"), bulk("v0"));
    assert_eq!(r_on(&mut h, other, "GET x"), bulk("v1"));
    assert_eq!(r_on(&mut h, other, "DBSIZE"), int(1));
    assert_eq!(r(&mut h, "SWAPDB 1 1"), ok());
    assert_eq!(r(&mut h, "DBSIZE"), int(3));
    assert_eq!(r(&mut h, "SWAPDB a 1"), err("ERR invalid first DB index"));
    assert_eq!(r(&mut h, "SWAPDB 0 a"), err("ERR invalid second DB index"));
    assert_eq!(
        r(&mut h, "SWAPDB 0 16"),
        err("ERR DB index is out of range")
    );
    assert_eq!(
        r(&mut h, "SWAPDB -1 0"),
        err("ERR DB index is out of range")
    );

    assert_eq!(r(&mut h, "FLUSHDB FOO"), err("ERR syntax error"));
    assert_eq!(r(&mut h, "FLUSHDB a b"), err("ERR syntax error"));
    assert_eq!(r(&mut h, "FLUSHDB sync"), ok());
    assert_eq!(r(&mut h, "DBSIZE"), int(0));
    assert_eq!(r_on(&mut h, other, "DBSIZE"), int(1));
    assert_eq!(r(&mut h, "SET y 1"), ok());
    assert_eq!(r(&mut h, "FLUSHALL SYNC ASYNC"), err("ERR syntax error"));
    assert_eq!(r(&mut h, "FLUSHALL ASYNC"), ok());
    assert_eq!(r(&mut h, "DBSIZE"), int(0));
    assert_eq!(r_on(&mut h, other, "DBSIZE"), int(0));
    assert_eq!(r(&mut h, "FLUSHALL"), ok());
    assert_eq!(r(&mut h, "FLUSHDB"), ok());
}

#[test]
fn flushes_and_swaps_count_as_changes() {
    let mut h = SingleHost::new();
    let dirty = |h: &mut SingleHost| {
        field(
            &text(h.run(&["INFO", "persistence"])),
            "rdb_changes_since_last_save",
        )
    };
    assert_eq!(dirty(&mut h), "0");
    r(&mut h, "SET a 1");
    r(&mut h, "SET b 1");
    assert_eq!(dirty(&mut h), "2");
    r(&mut h, "FLUSHDB");
    assert_eq!(dirty(&mut h), "4");
    r(&mut h, "SET a 1");
    r(&mut h, "FLUSHALL");
    // One per key removed, plus one.
    assert_eq!(dirty(&mut h), "7");
    r(&mut h, "SWAPDB 0 1");
    assert_eq!(dirty(&mut h), "8");
}

#[test]
fn info_sections_and_format() {
    let mut h = SingleHost::new();
    let all = text(r(&mut h, "INFO"));
    let names: Vec<String> = sections(&all).into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        [
            "Server",
            "Clients",
            "Memory",
            "Persistence",
            "Stats",
            "Replication",
            "CPU",
            "Modules",
            "Errorstats",
            "Cluster",
            "Keyspace"
        ]
    );
    assert!(
        all.starts_with("# Server\r\nredis_version:7.0.15\r\n"),
        "{all}"
    );
    assert!(all.ends_with("\r\n\r\n# Keyspace\r\n"), "{all:?}");
    assert!(all.contains("\r\n\r\n# Clients\r\nconnected_clients:1\r\n"));
    assert!(!all.contains("\n\n") && !all.replace("\r\n", "").contains('\n'));
    let default: Vec<String> = sections(&text(r(&mut h, "INFO default")))
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(default, names);
    assert_eq!(field(&all, "anax_version"), env!("CARGO_PKG_VERSION"));
    assert_eq!(field(&all, "anax_shards"), "4");
    assert_eq!(field(&all, "redis_mode"), "standalone");
    assert_eq!(field(&all, "role"), "master");
    assert_eq!(field(&all, "connected_slaves"), "0");
    assert_eq!(field(&all, "loading"), "0");
    assert_eq!(field(&all, "rdb_bgsave_in_progress"), "0");
    assert_eq!(field(&all, "aof_enabled"), "0");
    assert_eq!(field(&all, "maxmemory_policy"), "noeviction");
    assert_eq!(field(&all, "tcp_port"), "6379");
    assert_eq!(field(&all, "server_time_usec"), "1700000000000000");
    assert_eq!(field(&all, "uptime_in_seconds"), "0");
    h.advance(90_000);
    assert_eq!(
        field(&text(r(&mut h, "INFO server")), "uptime_in_seconds"),
        "90"
    );

    assert_eq!(h.run_raw(&["INFO", "foo"]), b"$0\r\n\r\n");
    assert_eq!(
        text(r(&mut h, "INFO cluster")),
        "# Cluster\r\ncluster_enabled:0\r\n"
    );
    assert_eq!(
        text(r(&mut h, "INFO CLUSTER modules")),
        "# Modules\r\n\r\n# Cluster\r\ncluster_enabled:0\r\n"
    );
    assert_eq!(text(r(&mut h, "INFO keyspace")), "# Keyspace\r\n");
    let every = text(r(&mut h, "INFO everything"));
    let names: Vec<String> = sections(&every).into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        [
            "Server",
            "Clients",
            "Memory",
            "Persistence",
            "Stats",
            "Replication",
            "CPU",
            "Modules",
            "Commandstats",
            "Errorstats",
            "Latencystats",
            "Cluster",
            "Keyspace"
        ]
    );
    let names_all: Vec<String> = sections(&text(r(&mut h, "INFO all")))
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(names_all, names);
}

#[test]
fn info_keyspace_stats_and_errors() {
    let mut h = SingleHost::new();
    for k in ["a", "b", "c"] {
        h.run(&["SET", k, "1"]);
    }
    h.run(&["SET", "t", "1", "PX", "100000"]);
    r(&mut h, "SELECT 5");
    r(&mut h, "SET z 1");
    r(&mut h, "SELECT 0");
    assert_eq!(
        text(r(&mut h, "INFO keyspace")),
        "# Keyspace\r\ndb0:keys=4,expires=1,avg_ttl=0\r\ndb5:keys=1,expires=0,avg_ttl=0\r\n"
    );
    r(&mut h, "GET a");
    r(&mut h, "GET nope");
    r(&mut h, "GET nope2");
    let stats = text(r(&mut h, "INFO stats"));
    assert_eq!(field(&stats, "keyspace_hits"), "1");
    assert_eq!(field(&stats, "keyspace_misses"), "2");
    assert_eq!(field(&stats, "total_connections_received"), "1");
    h.advance(200_000);
    r(&mut h, "GET t");
    assert_eq!(field(&text(r(&mut h, "INFO stats")), "expired_keys"), "1");

    r(&mut h, "CONFIG RESETSTAT");
    let stats = text(r(&mut h, "INFO stats"));
    assert_eq!(field(&stats, "keyspace_hits"), "0");
    assert_eq!(field(&stats, "expired_keys"), "0");
    assert_eq!(field(&stats, "total_error_replies"), "0");
    // RESETSTAT itself ran once, then INFO.
    assert_eq!(field(&stats, "total_commands_processed"), "1");
    r(&mut h, "NOPE");
    r(&mut h, "GET");
    r(&mut h, "GET a b");
    r(&mut h, "SELECT 99");
    r(&mut h, "HELLO 9");
    r(&mut h, "AUTH a b");
    assert_eq!(
        text(r(&mut h, "INFO errorstats")),
        "# Errorstats\r\nerrorstat_ERR:count=4\r\nerrorstat_NOPROTO:count=1\r\nerrorstat_WRONGPASS:count=1\r\n"
    );
    assert_eq!(
        field(&text(r(&mut h, "INFO stats")), "total_error_replies"),
        "6"
    );
    let cs = text(r(&mut h, "INFO commandstats"));
    let line = |name: &str| {
        cs.split("\r\n")
            .find(|l| l.starts_with(&format!("cmdstat_{name}:")))
            .map(|l| {
                // usec depends on the clock: keep the counts.
                l.split(',')
                    .filter(|p| !p.starts_with("usec"))
                    .collect::<Vec<_>>()
                    .join(",")
            })
    };
    assert_eq!(
        line("get").as_deref(),
        Some("cmdstat_get:calls=0,rejected_calls=2,failed_calls=0")
    );
    assert_eq!(
        line("select").as_deref(),
        Some("cmdstat_select:calls=1,rejected_calls=0,failed_calls=1")
    );
    assert_eq!(
        line("config|resetstat").as_deref(),
        Some("cmdstat_config|resetstat:calls=1,rejected_calls=0,failed_calls=0")
    );
    assert_eq!(line("set"), None);
    assert!(
        cs.contains("cmdstat_get:calls=0,usec=0,usec_per_call=0.00,"),
        "{cs}"
    );
}

#[test]
fn info_clients_and_memory() {
    let mut h = SingleHost::new();
    let c = h.connect();
    let info = text(r(&mut h, "INFO clients"));
    assert_eq!(field(&info, "connected_clients"), "2");
    assert_eq!(field(&info, "maxclients"), "10000");
    h.disconnect(c);
    let info = text(r(&mut h, "INFO clients memory"));
    assert_eq!(field(&info, "connected_clients"), "1");
    assert_eq!(field(&info, "maxmemory"), "0");
    assert_eq!(field(&info, "maxmemory_human"), "0B");
    r(&mut h, "CONFIG SET maxmemory 1536kb");
    let info = text(r(&mut h, "INFO memory"));
    assert_eq!(field(&info, "maxmemory"), "1572864");
    assert_eq!(field(&info, "maxmemory_human"), "1.50M");
}

#[test]
fn config_get() {
    let mut h = SingleHost::new();
    let pairs = |v: Value| -> Vec<(String, String)> {
        let Value::Array(items) = v else {
            panic!("{v:?}")
        };
        items
            .chunks(2)
            .map(|p| (text(p[0].clone()), text(p[1].clone())))
            .collect()
    };
    let p = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        pairs(r(&mut h, "CONFIG GET maxmemory")),
        [p("maxmemory", "0")]
    );
    // The name as given, once.
    assert_eq!(
        pairs(r(&mut h, "CONFIG GET MAXMEMORY maxmemory")),
        [p("MAXMEMORY", "0")]
    );
    assert_eq!(
        pairs(r(&mut h, "CONFIG GET slave-read-only")),
        [p("slave-read-only", "yes")]
    );
    assert_eq!(pairs(r(&mut h, "CONFIG GET nope")), []);
    assert_eq!(
        pairs(r(&mut h, "CONFIG GET save appendonly databases")),
        [
            p("save", "3600 1 300 100 60 10000"),
            p("appendonly", "no"),
            p("databases", "16")
        ]
    );
    let mut got = pairs(r(&mut h, "CONFIG GET max*y"));
    got.sort();
    assert_eq!(
        got,
        [
            p("maxmemory", "0"),
            p("maxmemory-eviction-tenacity", "10"),
            p("maxmemory-policy", "noeviction"),
        ]
    );
    // Patterns match aliases too; a name matched twice is reported once.
    let mut got = pairs(r(
        &mut h,
        "CONFIG GET hash-max-*-entries hash-max-ziplist-entries",
    ));
    got.sort();
    assert_eq!(
        got,
        [
            p("hash-max-listpack-entries", "512"),
            p("hash-max-ziplist-entries", "512"),
        ]
    );
    let all = pairs(r(&mut h, "CONFIG GET *"));
    assert!(all.len() > 100, "{}", all.len());
    assert!(all.contains(&p("bind", "127.0.0.1")));
    assert!(all.contains(&p("threads", "1")));
    assert_eq!(
        r(&mut h, "CONFIG GET"),
        err("ERR wrong number of arguments for 'config|get' command")
    );
    assert_eq!(
        r(&mut h, "CONFIG"),
        err("ERR wrong number of arguments for 'config' command")
    );
    assert_eq!(
        r(&mut h, "CONFIG FOO"),
        err("ERR unknown subcommand 'FOO'. Try CONFIG HELP.")
    );
}

#[test]
fn config_set() {
    let mut h = SingleHost::new();
    let get = |h: &mut SingleHost, name: &str| match h.run(&["CONFIG", "GET", name]) {
        Value::Array(items) => text(items[1].clone()),
        other => panic!("{other:?}"),
    };
    assert_eq!(r(&mut h, "CONFIG SET maxmemory 1gb"), ok());
    assert_eq!(get(&mut h, "maxmemory"), "1073741824");
    assert_eq!(h.engine().config().maxmemory, 1 << 30);
    assert_eq!(
        r(
            &mut h,
            "CONFIG SET maxmemory 10mb hz 100 maxmemory-policy ALLKEYS-LRU"
        ),
        ok()
    );
    assert_eq!(get(&mut h, "maxmemory"), "10485760");
    assert_eq!(get(&mut h, "hz"), "100");
    assert_eq!(get(&mut h, "maxmemory-policy"), "allkeys-lru");
    assert_eq!(h.engine().config().hz, 100);
    assert_eq!(r(&mut h, "CONFIG SET hz 1000"), ok());
    assert_eq!(get(&mut h, "hz"), "500");
    assert_eq!(r(&mut h, "CONFIG SET save \"100 10 50 1\""), ok());
    assert_eq!(get(&mut h, "save"), "100 10 50 1");
    assert_eq!(h.engine().config().save_points(), [(100, 10), (50, 1)]);
    assert_eq!(r(&mut h, "CONFIG SET save \"\""), ok());
    assert_eq!(get(&mut h, "save"), "");
    assert_eq!(r(&mut h, "CONFIG SET notify-keyspace-events KEA"), ok());
    assert_eq!(get(&mut h, "notify-keyspace-events"), "AKE");
    assert_eq!(r(&mut h, "CONFIG SET slave-read-only no"), ok());
    assert_eq!(get(&mut h, "replica-read-only"), "no");
    assert_eq!(r(&mut h, "CONFIG SET list-max-ziplist-size -1"), ok());
    assert_eq!(get(&mut h, "list-max-listpack-size"), "-1");

    // All or nothing: a bad value anywhere leaves every parameter as it was.
    assert_eq!(
        r(&mut h, "CONFIG SET maxmemory 1k hz abc"),
        err("ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be parsed into an integer")
    );
    assert_eq!(get(&mut h, "maxmemory"), "10485760");
    assert_eq!(
        r(&mut h, "CONFIG SET timeout 5 nope 1"),
        err("ERR Unknown option or number of arguments for CONFIG SET - 'nope'")
    );
    assert_eq!(get(&mut h, "timeout"), "0");
    // The first problem found is the one reported.
    assert_eq!(
        r(&mut h, "CONFIG SET databases 1 nope 1"),
        err("ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config")
    );
    assert_eq!(
        r(&mut h, "CONFIG SET nope 1 databases 1"),
        err("ERR Unknown option or number of arguments for CONFIG SET - 'nope'")
    );
    assert_eq!(
        r(&mut h, "CONFIG SET maxmemory 0 MAXMEMORY 1"),
        err("ERR CONFIG SET failed (possibly related to argument 'MAXMEMORY') - duplicate parameter")
    );
    assert_eq!(
        r(&mut h, "CONFIG SET slave-priority 1 SLAVE-priority 2"),
        err("ERR CONFIG SET failed (possibly related to argument 'SLAVE-priority') - duplicate parameter")
    );
    // As in Redis, a parameter and its alias are two names: both may be set at once (the
    // later wins), and a value error names the one given, spelled as the table spells it.
    assert_eq!(
        r(&mut h, "CONFIG SET replica-priority 1 slave-priority 2"),
        ok()
    );
    assert_eq!(get(&mut h, "replica-priority"), "2");
    assert_eq!(
        r(&mut h, "CONFIG SET SLAVE-PRIORITY abc"),
        err("ERR CONFIG SET failed (possibly related to argument 'slave-priority') - argument couldn't be parsed into an integer")
    );
    assert_eq!(
        r(&mut h, "CONFIG SET Replica-Priority abc"),
        err("ERR CONFIG SET failed (possibly related to argument 'replica-priority') - argument couldn't be parsed into an integer")
    );
    assert_eq!(
        r(&mut h, "CONFIG SET maxmemory 0 hz"),
        err("ERR syntax error")
    );
    assert_eq!(
        r(&mut h, "CONFIG SET a"),
        err("ERR wrong number of arguments for 'config|set' command")
    );
    assert_eq!(
        r(&mut h, "CONFIG SET port 7000"),
        err("ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable config")
    );
    assert_eq!(
        r(&mut h, "CONFIG SET dir /tmp"),
        err("ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config")
    );
    for (line, why) in [
        ("maxmemory abc", "argument must be a memory value"),
        ("maxmemory 1.5gb", "argument must be a memory value"),
        ("maxmemory -1", "argument must be a memory value"),
        ("timeout -1", "argument must be between 0 and 2147483647 inclusive"),
        ("maxclients 0", "argument must be between 1 and 4294967295 inclusive"),
        ("protected-mode maybe", "argument must be 'yes' or 'no'"),
        (
            "maxmemory-policy foo",
            "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction",
        ),
        ("save 10", "Invalid save parameters"),
        (
            "notify-keyspace-events abc",
            "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.",
        ),
        (
            "client-output-buffer-limit \"normal 1 2\"",
            "Wrong number of arguments in buffer limit configuration.",
        ),
        (
            "maxmemory-clients 101%",
            "percentage argument must be less or equal to 100",
        ),
    ] {
        let name = line.split(' ').next().unwrap();
        assert_eq!(
            r(&mut h, &format!("CONFIG SET {line}")),
            err(&format!(
                "ERR CONFIG SET failed (possibly related to argument '{name}') - {why}"
            )),
            "{line}"
        );
    }
    assert_eq!(
        r(&mut h, "CONFIG HELP"),
        Value::Array(
            [
                "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                "GET <pattern>",
                "    Return parameters matching the glob-like <pattern> and their values.",
                "SET <directive> <value>",
                "    Set the configuration <directive> to <value>.",
                "RESETSTAT",
                "    Reset statistics reported by the INFO command.",
                "REWRITE",
                "    Rewrite the configuration file.",
                "HELP",
                "    Prints this help.",
            ]
            .map(simple)
            .to_vec()
        )
    );
}

#[test]
fn config_rewrite_without_a_config_file() {
    let mut h = SingleHost::new();
    assert_eq!(
        r(&mut h, "CONFIG REWRITE"),
        err("ERR The server is running without a config file")
    );
}

#[test]
fn protected_configs_when_enabled() {
    let mut h = with_config(|c| c.enable_protected_configs = "yes".into());
    assert_eq!(r(&mut h, "CONFIG SET dbfilename x.rdb"), ok());
    assert_eq!(h.engine().config().dbfilename, "x.rdb");
    assert_eq!(
        r(&mut h, "CONFIG SET dbfilename a/x.rdb"),
        err("ERR CONFIG SET failed (possibly related to argument 'dbfilename') - dbfilename can't be a path, just a filename")
    );
    // `local` allows loopback connections, which the single host's are.
    let mut h = with_config(|c| c.enable_protected_configs = "local".into());
    assert_eq!(r(&mut h, "CONFIG SET dbfilename y.rdb"), ok());
}

/// The expected COMMAND INFO entry of GET (RESP2).
fn get_info() -> Value {
    Value::Array(vec![
        bulk("get"),
        int(2),
        Value::Array(vec![simple("readonly"), simple("fast")]),
        int(1),
        int(1),
        int(1),
        Value::Array(vec![simple("@read"), simple("@string"), simple("@fast")]),
        Value::Array(vec![]),
        Value::Array(vec![Value::Array(vec![
            bulk("flags"),
            Value::Array(vec![simple("RO"), simple("access")]),
            bulk("begin_search"),
            Value::Array(vec![
                bulk("type"),
                bulk("index"),
                bulk("spec"),
                Value::Array(vec![bulk("index"), int(1)]),
            ]),
            bulk("find_keys"),
            Value::Array(vec![
                bulk("type"),
                bulk("range"),
                bulk("spec"),
                Value::Array(vec![
                    bulk("lastkey"),
                    int(0),
                    bulk("keystep"),
                    int(1),
                    bulk("limit"),
                    int(0),
                ]),
            ]),
        ])]),
        Value::Array(vec![]),
    ])
}

#[test]
fn command_info_and_count() {
    let mut h = SingleHost::new();
    assert_eq!(
        r(&mut h, "COMMAND INFO get"),
        Value::Array(vec![get_info()])
    );
    assert_eq!(
        r(&mut h, "COMMAND INFO nope GET"),
        Value::Array(vec![Value::Null, get_info()])
    );
    assert_eq!(
        r(&mut h, "COMMAND INFO ping"),
        Value::Array(vec![Value::Array(vec![
            bulk("ping"),
            int(-1),
            Value::Array(vec![simple("fast")]),
            int(0),
            int(0),
            int(0),
            Value::Array(vec![simple("@fast"), simple("@connection")]),
            Value::Array(vec![
                bulk("request_policy:all_shards"),
                bulk("response_policy:all_succeeded")
            ]),
            Value::Array(vec![]),
            Value::Array(vec![]),
        ])])
    );
    let Value::Array(all) = r(&mut h, "COMMAND") else {
        panic!()
    };
    assert_eq!(r(&mut h, "COMMAND COUNT"), int(all.len() as i64));
    assert_eq!(r(&mut h, "COMMAND INFO"), Value::Array(all.clone()));
    // CONFIG: a container whose entry lists its subcommands' entries.
    let Value::Array(config) = r(&mut h, "COMMAND INFO config") else {
        panic!()
    };
    let Value::Array(ref entry) = config[0] else {
        panic!()
    };
    assert_eq!(entry[0], bulk("config"));
    assert_eq!(entry[2], Value::Array(vec![]));
    assert_eq!(entry[6], Value::Array(vec![simple("@slow")]));
    let Value::Array(ref subs) = entry[9] else {
        panic!()
    };
    let names: Vec<&Value> = subs
        .iter()
        .map(|s| match s {
            Value::Array(e) => &e[0],
            _ => panic!(),
        })
        .collect();
    assert!(names.contains(&&bulk("config|get")), "{names:?}");
    assert_eq!(
        r(&mut h, "COMMAND INFO config|get"),
        Value::Array(vec![Value::Array(vec![
            bulk("config|get"),
            int(-3),
            Value::Array(
                ["admin", "noscript", "loading", "stale"]
                    .map(simple)
                    .to_vec()
            ),
            int(0),
            int(0),
            int(0),
            Value::Array(["@admin", "@slow", "@dangerous"].map(simple).to_vec()),
            Value::Array(vec![]),
            Value::Array(vec![]),
            Value::Array(vec![]),
        ])])
    );
    // ACL categories from the group and from extras.
    let acl = |h: &mut SingleHost, name: &str| match h.run(&["COMMAND", "INFO", name]) {
        Value::Array(mut v) => match v.remove(0) {
            Value::Array(mut e) => e.remove(6),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    };
    assert_eq!(
        acl(&mut h, "swapdb"),
        Value::Array(
            ["@keyspace", "@write", "@fast", "@dangerous"]
                .map(simple)
                .to_vec()
        )
    );
    assert_eq!(
        acl(&mut h, "command"),
        Value::Array(["@slow", "@connection"].map(simple).to_vec())
    );
    assert_eq!(
        acl(&mut h, "client|kill"),
        Value::Array(
            ["@admin", "@slow", "@dangerous", "@connection"]
                .map(simple)
                .to_vec()
        )
    );
    assert_eq!(
        acl(&mut h, "lastsave"),
        Value::Array(["@admin", "@fast", "@dangerous"].map(simple).to_vec())
    );
    // RESP3: flags, categories, tips and key specs are sets, key specs maps.
    r(&mut h, "HELLO 3");
    let Value::Array(v) = r(&mut h, "COMMAND INFO get") else {
        panic!()
    };
    let Value::Array(ref e) = v[0] else { panic!() };
    assert_eq!(e[2], Value::Set(vec![simple("readonly"), simple("fast")]));
    assert_eq!(e[7], Value::Set(vec![]));
    assert!(matches!(&e[8], Value::Set(specs) if matches!(specs[0], Value::Map(_))));
    assert_eq!(e[9], Value::Set(vec![]));
}

#[test]
fn command_docs_list_getkeys() {
    let mut h = SingleHost::new();
    assert_eq!(
        r(&mut h, "COMMAND DOCS get"),
        Value::Array(vec![
            bulk("get"),
            Value::Array(vec![
                bulk("summary"),
                bulk("Get the value of a key"),
                bulk("since"),
                bulk("1.0.0"),
                bulk("group"),
                bulk("string"),
                bulk("complexity"),
                bulk("O(1)"),
            ])
        ])
    );
    assert_eq!(r(&mut h, "COMMAND DOCS nope"), Value::Array(vec![]));
    r(&mut h, "HELLO 3");
    let Value::Map(docs) = r(&mut h, "COMMAND DOCS config nope") else {
        panic!()
    };
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].0, bulk("config"));
    let Value::Map(ref d) = docs[0].1 else {
        panic!()
    };
    assert_eq!(
        d[0],
        (
            bulk("summary"),
            bulk("A container for server configuration commands")
        )
    );
    assert_eq!(d[1], (bulk("since"), bulk("2.0.0")));
    assert_eq!(d[2], (bulk("group"), bulk("server")));
    assert_eq!(d[4].0, bulk("subcommands"));
    let Value::Map(ref subs) = d[4].1 else {
        panic!()
    };
    assert!(subs.iter().any(|(k, _)| *k == bulk("config|set")));
    let Value::Map(all) = r(&mut h, "COMMAND DOCS") else {
        panic!()
    };
    assert_eq!(r(&mut h, "COMMAND COUNT"), int(all.len() as i64));
    r(&mut h, "HELLO 2");

    let list = |h: &mut SingleHost, line: &str| -> Vec<String> {
        match r(h, line) {
            Value::Array(v) => {
                let mut n: Vec<String> = v.into_iter().map(text).collect();
                n.sort();
                n
            }
            other => panic!("{other:?}"),
        }
    };
    let all = list(&mut h, "COMMAND LIST");
    assert!(all.contains(&"get".to_string()) && all.contains(&"client|list".to_string()));
    assert_eq!(
        list(&mut h, "COMMAND LIST FILTERBY PATTERN config*"),
        [
            "config",
            "config|get",
            "config|help",
            "config|resetstat",
            "config|rewrite",
            "config|set"
        ]
    );
    assert_eq!(
        list(&mut h, "COMMAND LIST FILTERBY pattern CONFIG|G*"),
        ["config|get"]
    );
    let conn = list(&mut h, "COMMAND LIST FILTERBY ACLCAT connection");
    for n in [
        "ping",
        "echo",
        "hello",
        "auth",
        "select",
        "client|id",
        "command",
    ] {
        assert!(conn.contains(&n.to_string()), "{n} in {conn:?}");
    }
    assert!(!conn.contains(&"client".to_string()) && !conn.contains(&"get".to_string()));
    assert!(list(&mut h, "COMMAND LIST FILTERBY ACLCAT nope").is_empty());
    assert!(list(&mut h, "COMMAND LIST FILTERBY MODULE x").is_empty());
    for bad in [
        "COMMAND LIST FOO",
        "COMMAND LIST FILTERBY",
        "COMMAND LIST FILTERBY FOO bar",
        "COMMAND LIST FILTERBY PATTERN a b",
    ] {
        assert_eq!(r(&mut h, bad), err("ERR syntax error"), "{bad}");
    }

    assert_eq!(
        r(&mut h, "COMMAND GETKEYS GET a"),
        Value::Array(vec![bulk("a")])
    );
    // Key specs as Redis's: SET's flags depend on GET.
    let keyflags = |k: &str, f: &[&str]| {
        Value::Array(vec![Value::Array(vec![
            bulk(k),
            Value::Array(f.iter().map(|s| simple(s)).collect()),
        ])])
    };
    assert_eq!(
        r(&mut h, "COMMAND GETKEYSANDFLAGS SET k v"),
        keyflags("k", &["OW", "update"])
    );
    assert_eq!(
        r(&mut h, "COMMAND GETKEYSANDFLAGS SET k v NX GET"),
        keyflags("k", &["RW", "access", "update"])
    );
    assert_eq!(
        r(&mut h, "COMMAND GETKEYSANDFLAGS get a"),
        Value::Array(vec![Value::Array(vec![
            bulk("a"),
            Value::Array(vec![simple("RO"), simple("access")])
        ])])
    );
    assert_eq!(
        r(&mut h, "COMMAND GETKEYS get"),
        err("ERR wrong number of arguments for 'command|getkeys' command")
    );
    assert_eq!(
        r(&mut h, "COMMAND GETKEYS foo a"),
        err("ERR Invalid command specified")
    );
    assert_eq!(
        r(&mut h, "COMMAND GETKEYS config nope"),
        err("ERR Invalid command specified")
    );
    assert_eq!(
        r(&mut h, "COMMAND GETKEYS get a b"),
        err("ERR Invalid number of arguments specified for command")
    );
    assert_eq!(
        r(&mut h, "COMMAND GETKEYS config get"),
        err("ERR The command has no key arguments")
    );
    assert_eq!(
        r(&mut h, "COMMAND FOO"),
        err("ERR unknown subcommand 'FOO'. Try COMMAND HELP.")
    );
    assert_eq!(
        r(&mut h, "COMMAND COUNT x"),
        err("ERR wrong number of arguments for 'command|count' command")
    );
    let Value::Array(help) = r(&mut h, "COMMAND HELP") else {
        panic!()
    };
    assert_eq!(help.len(), 21);
    assert_eq!(
        help[0],
        simple("COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
    );
    assert_eq!(help[20], simple("    Prints this help."));
}

/// The CLIENT LIST line of a connection, with the fields that vary given.
fn client_line(
    id: u64,
    addr: &str,
    name: &str,
    age: u64,
    idle: u64,
    db: u64,
    tail: &str,
) -> String {
    format!(
        "id={id} addr={addr} laddr=127.0.0.1:6379 fd=-1 name={name} age={age} idle={idle} \
         flags=N db={db} sub=0 psub=0 ssub=0 multi=-1 {tail}\n"
    )
}

fn buffers(qbuf: usize, argv_mem: usize, cmd: &str, resp: u8) -> String {
    format!(
        "qbuf={qbuf} qbuf-free=0 argv-mem={argv_mem} multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 \
         omem=0 tot-mem=0 events=r cmd={cmd} user=default redir=-1 resp={resp}"
    )
}

#[test]
fn client_id_name_info_list() {
    let mut h = SingleHost::new();
    assert_eq!(r(&mut h, "CLIENT ID"), int(1));
    assert_eq!(r(&mut h, "CLIENT GETNAME"), Value::Null);
    assert_eq!(r(&mut h, "CLIENT SETNAME app-1"), ok());
    assert_eq!(r(&mut h, "CLIENT GETNAME"), bulk("app-1"));
    for bad in ["a b", "a\nb", "é"] {
        assert_eq!(
            h.run(&["CLIENT", "SETNAME", bad]),
            err("ERR Client names cannot contain spaces, newlines or special characters."),
            "{bad:?}"
        );
    }
    assert_eq!(r(&mut h, "CLIENT GETNAME"), bulk("app-1"));
    assert_eq!(r(&mut h, "CLIENT SETNAME \"\""), ok());
    assert_eq!(r(&mut h, "CLIENT GETNAME"), Value::Null);
    assert_eq!(r(&mut h, "CLIENT GETREDIR"), int(-1));
    assert_eq!(
        text(r(&mut h, "CLIENT INFO")),
        client_line(
            1,
            "127.0.0.1:40000",
            "",
            0,
            0,
            0,
            &buffers(26, 10, "client|info", 2)
        )
    );

    let c = h.connect();
    assert_eq!(r_on(&mut h, c, "CLIENT ID"), int(2));
    r_on(&mut h, c, "SELECT 3");
    r_on(&mut h, c, "CLIENT SETNAME other");
    h.advance(5_000);
    r(&mut h, "HELLO 3");
    let me = client_line(
        1,
        "127.0.0.1:40000",
        "",
        5,
        0,
        0,
        &buffers(26, 10, "client|list", 3),
    );
    let other = client_line(
        2,
        "127.0.0.1:40001",
        "other",
        5,
        5,
        3,
        &buffers(0, 0, "client|setname", 2),
    );
    assert_eq!(text(r(&mut h, "CLIENT LIST")), format!("{me}{other}"));
    r(&mut h, "HELLO 2");
    let me = |qbuf, argv| {
        client_line(
            1,
            "127.0.0.1:40000",
            "",
            5,
            0,
            0,
            &buffers(qbuf, argv, "client|list", 2),
        )
    };
    assert_eq!(
        text(r(&mut h, "CLIENT LIST TYPE normal")),
        format!("{}{other}", me(48, 20))
    );
    for t in ["master", "replica", "slave", "pubsub", "PUBSUB"] {
        assert_eq!(text(h.run(&["CLIENT", "LIST", "TYPE", t])), "", "{t}");
    }
    assert_eq!(
        text(r(&mut h, "CLIENT LIST ID 2 99 1 2")),
        format!("{other}{}{other}", me(63, 17))
    );
    assert_eq!(
        r(&mut h, "CLIENT LIST TYPE foo"),
        err("ERR Unknown client type 'foo'")
    );
    assert_eq!(
        r(&mut h, "CLIENT LIST ID abc"),
        err("ERR Invalid client ID")
    );
    assert_eq!(r(&mut h, "CLIENT LIST ID"), err("ERR syntax error"));
    assert_eq!(r(&mut h, "CLIENT LIST FOO"), err("ERR syntax error"));
    assert_eq!(
        r(&mut h, "CLIENT LIST TYPE normal ID 1"),
        err("ERR syntax error")
    );
    // A connection that never ran a command shows cmd=NULL.
    let fresh = h.connect();
    let listed = text(r(&mut h, "CLIENT LIST ID 3"));
    assert!(listed.contains(" cmd=NULL "), "{listed}");
    h.disconnect(fresh);
    assert_eq!(text(r(&mut h, "CLIENT LIST ID 3")), "");
    assert_eq!(
        r(&mut h, "CLIENT FOO"),
        err("ERR unknown subcommand 'FOO'. Try CLIENT HELP.")
    );
    assert_eq!(
        r(&mut h, "CLIENT"),
        err("ERR wrong number of arguments for 'client' command")
    );
    let Value::Array(help) = r(&mut h, "CLIENT HELP") else {
        panic!()
    };
    assert_eq!(
        help[0],
        simple("CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
    );
    assert_eq!(help.last(), Some(&simple("    Prints this help.")));
}

#[test]
fn client_kill() {
    let mut h = SingleHost::new();
    let me = h.default_conn();
    let a = h.connect(); // 127.0.0.1:40001, id 2
    let b = h.connect(); // 127.0.0.1:40001, id 3
    assert_eq!(
        r(&mut h, "CLIENT KILL 1.2.3.4:5"),
        err("ERR No such client")
    );
    assert_eq!(r(&mut h, "CLIENT KILL ID"), err("ERR No such client"));
    for bad in ["ID abc", "ID 0", "ID -1"] {
        assert_eq!(
            r(&mut h, &format!("CLIENT KILL {bad}")),
            err("ERR client-id should be greater than 0"),
            "{bad}"
        );
    }
    assert_eq!(
        r(&mut h, "CLIENT KILL TYPE foo"),
        err("ERR Unknown client type 'foo'")
    );
    assert_eq!(
        r(&mut h, "CLIENT KILL USER nobody"),
        err("ERR No such user 'nobody'")
    );
    for bad in ["FOO bar", "TYPE normal SKIPME maybe", "ID 2 TYPE"] {
        assert_eq!(
            r(&mut h, &format!("CLIENT KILL {bad}")),
            err("ERR syntax error"),
            "{bad}"
        );
    }
    assert_eq!(r(&mut h, "CLIENT KILL ID 99"), int(0));
    assert_eq!(r(&mut h, "CLIENT KILL ADDR 1.2.3.4:5"), int(0));
    assert_eq!(r(&mut h, "CLIENT KILL LADDR 1.2.3.4:5"), int(0));
    assert!(!h.engine().is_killed(a));

    assert_eq!(r(&mut h, "CLIENT KILL ID 2"), int(1));
    assert!(h.engine().is_killed(a));
    assert!(!h.engine().is_killed(b) && !h.engine().is_killed(me));
    // A killed connection is gone from CLIENT LIST, INFO and further kills.
    assert_eq!(text(r(&mut h, "CLIENT LIST ID 2")), "");
    assert_eq!(
        field(&text(r(&mut h, "INFO clients")), "connected_clients"),
        "2"
    );
    assert_eq!(r(&mut h, "CLIENT KILL ID 2"), int(0));

    // The old form matches the address; SKIPME defaults to yes in the new form.
    assert_eq!(r(&mut h, "CLIENT KILL 127.0.0.1:40001"), ok());
    assert!(h.engine().is_killed(b));
    let c = h.connect();
    let d = h.connect();
    assert_eq!(r(&mut h, "CLIENT KILL USER default"), int(2));
    assert!(h.engine().is_killed(c) && h.engine().is_killed(d));
    assert!(!h.engine().is_killed(me));
    assert_eq!(r(&mut h, "CLIENT KILL TYPE normal"), int(0));

    // Killing itself: the reply, then the connection closes.
    assert_eq!(
        exec(&mut h, me, "CLIENT KILL TYPE normal SKIPME no"),
        (b":1\r\n".to_vec(), Action::Close)
    );
    let mut h = SingleHost::new();
    let me = h.default_conn();
    assert_eq!(
        exec(&mut h, me, "CLIENT KILL 127.0.0.1:40000"),
        (b"+OK\r\n".to_vec(), Action::Close)
    );
    let mut h = SingleHost::new();
    let me = h.default_conn();
    assert_eq!(
        exec(&mut h, me, "CLIENT KILL ID 1 SKIPME yes"),
        (b":0\r\n".to_vec(), Action::Continue)
    );
}

#[test]
fn time_and_lastsave() {
    let mut h = SingleHost::new();
    assert_eq!(
        r(&mut h, "TIME"),
        Value::Array(vec![bulk("1700000000"), bulk("0")])
    );
    h.advance(1_500);
    assert_eq!(
        r(&mut h, "TIME"),
        Value::Array(vec![bulk("1700000001"), bulk("500000")])
    );
    assert_eq!(r(&mut h, "LASTSAVE"), int(1_700_000_000));
    assert_eq!(
        r(&mut h, "TIME x"),
        err("ERR wrong number of arguments for 'time' command")
    );
}

#[test]
fn debug_is_refused_by_default() {
    let mut h = SingleHost::new();
    let refused = err("ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.");
    assert_eq!(r(&mut h, "DEBUG SLEEP 0"), refused);
    assert_eq!(r(&mut h, "DEBUG HELP"), refused);
    assert_eq!(
        r(&mut h, "DEBUG"),
        err("ERR wrong number of arguments for 'debug' command")
    );
    assert_eq!(
        r(&mut h, "CONFIG SET enable-debug-command yes"),
        err("ERR CONFIG SET failed (possibly related to argument 'enable-debug-command') - can't set immutable config")
    );
}

#[test]
fn debug_sleep_and_friends() {
    let mut h = with_config(|c| c.enable_debug_command = "yes".into());
    let me = h.default_conn();
    assert_eq!(
        exec(&mut h, me, "DEBUG SLEEP 1.5"),
        (b"+OK\r\n".to_vec(), Action::Sleep(1_500_000))
    );
    assert_eq!(
        exec(&mut h, me, "DEBUG SLEEP 0"),
        (b"+OK\r\n".to_vec(), Action::Continue)
    );
    // strtod: a number prefix, else 0; negative sleeps are no sleep.
    assert_eq!(
        exec(&mut h, me, "DEBUG SLEEP abc"),
        (b"+OK\r\n".to_vec(), Action::Continue)
    );
    assert_eq!(
        exec(&mut h, me, "DEBUG sleep 0.25s"),
        (b"+OK\r\n".to_vec(), Action::Sleep(250_000))
    );
    assert_eq!(
        exec(&mut h, me, "DEBUG SLEEP -1"),
        (b"+OK\r\n".to_vec(), Action::Continue)
    );
    // The single host sleeps on its virtual clock.
    assert_eq!(r(&mut h, "DEBUG SLEEP 2"), ok());
    assert_eq!(
        r(&mut h, "TIME"),
        Value::Array(vec![bulk("1700000002"), bulk("0")])
    );
    assert_eq!(
        r(&mut h, "DEBUG FOO"),
        err("ERR unknown subcommand or wrong number of arguments for 'FOO'. Try DEBUG HELP.")
    );
    assert_eq!(
        r(&mut h, "debug SLEEP"),
        err("ERR unknown subcommand or wrong number of arguments for 'SLEEP'. Try DEBUG HELP.")
    );
    assert_eq!(
        r(&mut h, "DEBUG sleep 0 1"),
        err("ERR unknown subcommand or wrong number of arguments for 'sleep'. Try DEBUG HELP.")
    );
    assert_eq!(r(&mut h, "DEBUG ERROR oops"), err("ERR oops"));
    assert_eq!(r(&mut h, "DEBUG ERROR \"-CUSTOM x\""), err("CUSTOM x"));
    assert_eq!(r(&mut h, "DEBUG LOG hello"), ok());
    let Value::Array(help) = r(&mut h, "DEBUG HELP") else {
        panic!()
    };
    assert_eq!(
        help[0],
        simple("DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
    );
}

#[test]
fn shutdown_asks_the_host() {
    let mut h = SingleHost::new();
    let me = h.default_conn();
    let down = |save| (Vec::new(), Action::Shutdown { save });
    assert_eq!(exec(&mut h, me, "SHUTDOWN"), down(None));
    assert_eq!(exec(&mut h, me, "SHUTDOWN NOSAVE"), down(Some(false)));
    assert_eq!(
        exec(&mut h, me, "shutdown save now force"),
        down(Some(true))
    );
    assert_eq!(exec(&mut h, me, "SHUTDOWN SAVE SAVE"), down(Some(true)));
    for bad in [
        "FOO",
        "SAVE NOSAVE",
        "NOW ABORT",
        "ABORT FORCE",
        "ABORT SAVE",
    ] {
        assert_eq!(
            r(&mut h, &format!("SHUTDOWN {bad}")),
            err("ERR syntax error"),
            "{bad}"
        );
    }
    assert_eq!(
        r(&mut h, "SHUTDOWN ABORT"),
        err("ERR No shutdown in progress.")
    );
}

#[test]
fn resp3_replies_of_connection_commands() {
    let mut h = SingleHost::new();
    r(&mut h, "HELLO 3");
    assert!(matches!(r(&mut h, "CLIENT INFO"), Value::Verbatim { .. }));
    assert!(matches!(r(&mut h, "CLIENT LIST"), Value::Verbatim { .. }));
    assert_eq!(
        h.run_raw(&["INFO", "cluster"]),
        b"=34\r\ntxt:# Cluster\r\ncluster_enabled:0\r\n\r\n"
    );
    assert_eq!(h.run_raw(&["COMMAND", "INFO", "nope"]), b"*1\r\n_\r\n");
    assert_eq!(h.run_raw(&["CONFIG", "GET", "nope"]), b"%0\r\n");
}

// ---------------------------------------------------------------------------------------
// Differential tests against redis-server.
// ---------------------------------------------------------------------------------------

/// Replies that must be the same, byte for byte (as decoded values), in Anax and Redis 7.0.
/// Replies compared as multisets (RESP2: RESP3 maps keep their order).
const SAME_UNORDERED: &str = r#"
~CONFIG GET maxmemory*
~CONFIG GET *-ziplist-*
~COMMAND LIST FILTERBY PATTERN config|*et
"#;

const SAME: &str = r#"
PING
PING hi
PING a b
ECHO hi
ECHO
ECHO a b
SELECT 0
SELECT 16
SELECT -1
SELECT abc
SELECT 1.5
SELECT 99999999999
SELECT -99999999999
SWAPDB 99999999999 1
SWAPDB 1 -99999999999
SWAPDB 0 0
SWAPDB a 1
SWAPDB 0 a
SWAPDB 0 16
SWAPDB -1 0
SWAPDB 0
DBSIZE
DBSIZE x
FLUSHALL FOO
FLUSHALL SYNC ASYNC
FLUSHDB a b
FLUSHDB ASYNC
FLUSHALL sync
HELLO 4
HELLO 1
HELLO abc
HELLO 2 FOO
HELLO 3 AUTH
HELLO 3 AUTH a
HELLO 2 SETNAME
HELLO 3 SETNAME "a b"
HELLO 2 AUTH nobody x
AUTH x
AUTH a b
AUTH a b c
AUTH default x
CLIENT
CLIENT FOO
CLIENT SETNAME "a b"
CLIENT SETNAME
CLIENT GETNAME
CLIENT SETNAME foo
CLIENT GETNAME
CLIENT SETNAME ""
CLIENT GETNAME
CLIENT GETREDIR
CLIENT ID x
CLIENT LIST TYPE foo
CLIENT LIST TYPE master
CLIENT LIST TYPE replica
CLIENT LIST TYPE pubsub
CLIENT LIST ID
CLIENT LIST ID abc
CLIENT LIST ID 99999
CLIENT LIST FOO
CLIENT LIST TYPE normal ID 1
CLIENT KILL
CLIENT KILL 1.2.3.4:5
CLIENT KILL ID
CLIENT KILL ID abc
CLIENT KILL ID 0
CLIENT KILL ID 99999
CLIENT KILL ADDR 1.2.3.4:5
CLIENT KILL LADDR 1.2.3.4:5
CLIENT KILL FOO bar
CLIENT KILL TYPE foo
CLIENT KILL TYPE normal SKIPME maybe
CLIENT KILL USER nobody
CLIENT KILL USER default
CLIENT KILL TYPE normal
CLIENT KILL ID 2 TYPE
CONFIG
CONFIG GET
CONFIG FOO
CONFIG SET a
CONFIG SET foo bar
CONFIG SET maxmemory 0 hz
CONFIG SET maxmemory 0 MAXMEMORY 1
CONFIG SET replica-priority 1 slave-priority 2
CONFIG GET replica-priority
CONFIG SET slave-priority 1 SLAVE-priority 2
CONFIG SET SLAVE-PRIORITY abc
CONFIG SET Replica-Priority abc
CONFIG SET replica-priority 100
CONFIG SET databases 4
CONFIG SET databases 1 nope 1
CONFIG SET nope 1 databases 1
CONFIG SET maxmemory 1k hz abc
CONFIG SET slave-priority abc
CONFIG SET dir /tmp
CONFIG SET dbfilename x.rdb
CONFIG SET save 10
CONFIG SET save "a 1"
CONFIG SET save "0 1"
CONFIG SET save "1 -1"
CONFIG SET save " 100 10"
CONFIG SET save "+100 010"
CONFIG GET save
CONFIG SET save "3600 1 300 100"
CONFIG GET save
CONFIG SET maxmemory 1gb
CONFIG GET maxmemory
CONFIG SET maxmemory 1KB
CONFIG GET maxmemory
CONFIG SET maxmemory ""
CONFIG GET maxmemory
CONFIG SET maxmemory 0
CONFIG SET hz 1000
CONFIG GET hz
CONFIG SET hz 0
CONFIG GET hz
CONFIG SET hz 10
CONFIG SET hz +5
CONFIG SET hz 05
CONFIG SET maxmemory-policy ALLKEYS-LRU
CONFIG GET maxmemory-policy
CONFIG SET maxmemory-policy noeviction
CONFIG SET notify-keyspace-events KEA
CONFIG GET notify-keyspace-events
CONFIG SET notify-keyspace-events Egn$lshzxetdm
CONFIG GET notify-keyspace-events
CONFIG SET notify-keyspace-events gd
CONFIG GET notify-keyspace-events
CONFIG SET notify-keyspace-events ""
CONFIG SET client-output-buffer-limit "normal 1 2 3"
CONFIG GET client-output-buffer-limit
CONFIG SET client-output-buffer-limit "replica 1mb 2kb 3 pubsub 0 0 0"
CONFIG GET client-output-buffer-limit
CONFIG SET client-output-buffer-limit "foo 1 2 3"
CONFIG SET client-output-buffer-limit "master 1 2 3"
CONFIG SET client-output-buffer-limit "normal a 2 3"
CONFIG SET client-output-buffer-limit "normal 1 2 -3"
CONFIG SET client-output-buffer-limit "normal 1 2"
CONFIG SET client-output-buffer-limit "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"
CONFIG SET maxmemory-clients 10%
CONFIG GET maxmemory-clients
CONFIG SET maxmemory-clients 101%
CONFIG SET maxmemory-clients 0
CONFIG SET oom-score-adj relative
CONFIG GET oom-score-adj
CONFIG SET oom-score-adj no
CONFIG SET slave-read-only no
CONFIG GET replica-read-only
CONFIG GET slave-read-only
CONFIG SET replica-read-only yes
CONFIG GET MAXMEMORY maxmemory
CONFIG GET nope
CONFIG RESETSTAT x
CONFIG HELP x
COMMAND FOO
COMMAND COUNT x
COMMAND GETKEYS get
COMMAND GETKEYS foo a
COMMAND GETKEYS config nope
COMMAND GETKEYS get a b
COMMAND GETKEYS config get
COMMAND GETKEYS GET a
COMMAND GETKEYSANDFLAGS get a
COMMAND LIST FOO
COMMAND LIST FILTERBY
COMMAND LIST FILTERBY FOO bar
COMMAND LIST FILTERBY PATTERN a b
COMMAND LIST FILTERBY ACLCAT nope
COMMAND LIST FILTERBY MODULE x
COMMAND INFO nope
COMMAND DOCS nope
COMMAND HELP
DEBUG
DEBUG SLEEP 0
DEBUG HELP
SHUTDOWN FOO
SHUTDOWN SAVE NOSAVE
SHUTDOWN ABORT
SHUTDOWN NOW ABORT
SHUTDOWN ABORT FORCE
TIME x
LASTSAVE x
INFO foo
INFO foo bar
INFO cluster
INFO CLUSTER foo
INFO modules
INFO Cluster Keyspace
"#;

/// Strips the `id` of a HELLO reply.
fn hello_normalized(v: Value) -> Value {
    let fix = |(k, v): (Value, Value)| {
        if k == bulk("id") {
            (k, int(0))
        } else {
            (k, v)
        }
    };
    match v {
        Value::Map(pairs) => Value::Map(pairs.into_iter().map(fix).collect()),
        Value::Array(items) => {
            let pairs: Vec<(Value, Value)> = items
                .chunks(2)
                .map(|p| fix((p[0].clone(), p[1].clone())))
                .collect();
            flat(pairs)
        }
        other => other,
    }
}

/// Runs one command on both and asserts equal replies after `norm`.
fn same(rc: &mut Client, h: &mut SingleHost, c: ConnId, line: &str, norm: fn(Value) -> Value) {
    let args = split(line);
    let want = norm(rc.call(&args));
    let got = norm(h.run_on(c, &args));
    assert_eq!(
        got, want,
        "\ncommand: {line}\nredis-server: {want:?}\nanax: {got:?}"
    );
}

fn keep(v: Value) -> Value {
    v
}

#[test]
fn differential_errors_and_replies() {
    let redis = Redis::start();
    let mut rc = redis.client();
    let mut h = SingleHost::new();
    run_both(&mut rc, &mut h, &script(SAME));
    run_both(&mut rc, &mut h, &script(SAME_UNORDERED));
    // The same in RESP3.
    let me = h.default_conn();
    same(&mut rc, &mut h, me, "HELLO 3", hello_normalized);
    run_both(&mut rc, &mut h, &script(SAME));
    same(&mut rc, &mut h, me, "HELLO", hello_normalized);
    same(&mut rc, &mut h, me, "HELLO 2 SETNAME x", hello_normalized);
    same(&mut rc, &mut h, me, "CLIENT GETNAME", keep);
}

#[test]
fn differential_auth() {
    let redis = Redis::start();
    let mut admin = redis.client();
    let mut h = SingleHost::new();
    let me = h.default_conn();
    same(
        &mut admin,
        &mut h,
        me,
        "CONFIG SET requirepass secret",
        keep,
    );
    let mut rc = redis.client();
    let c = h.connect();
    for line in [
        "PING",
        "FOO",
        "GET",
        "CLIENT ID",
        "HELLO",
        "HELLO 3",
        "HELLO 3 AUTH default wrong",
        "HELLO 3 AUTH foo bar SETNAME \"a b\"",
        "HELLO 4 AUTH default secret",
        "AUTH wrong",
        "AUTH default wrong",
        "AUTH foo secret",
        "AUTH a b c",
        "PING",
    ] {
        same(&mut rc, &mut h, c, line, keep);
    }
    same(
        &mut rc,
        &mut h,
        c,
        "HELLO 3 AUTH default secret SETNAME nm",
        hello_normalized,
    );
    for line in [
        "CLIENT GETNAME",
        "AUTH wrong",
        "PING",
        "HELLO 2 SETNAME \"a b\"",
        "CONFIG GET requirepass",
    ] {
        same(&mut rc, &mut h, c, line, keep);
    }
    let mut rc2 = redis.client();
    let c2 = h.connect();
    for line in [
        "AUTH secret",
        "PING",
        "CONFIG SET requirepass \"\"",
        "AUTH x",
    ] {
        same(&mut rc2, &mut h, c2, line, keep);
    }
}

/// Parameters whose value Anax chooses differently from a test redis-server: where it
/// listens, where it saves, and what the operating system allowed.
const CONFIG_VALUES_DIFFER: &[&str] = &["port", "bind", "save", "dir", "maxclients"];
/// Parameters Redis can change at run time and Anax cannot yet.
const CONFIG_MUTABLE_IN_REDIS_ONLY: &[&str] = &["port", "bind", "appendonly"];

#[test]
fn differential_config_parameters() {
    let redis = Redis::start();
    let mut rc = redis.client();
    let mut h = SingleHost::new();
    let me = h.default_conn();
    // Every name (and alias) Anax knows: the same default as Redis, the same errors for bad
    // values, the same value shown after a good one.
    let names: Vec<&str> = anax_core::config::PARAMS
        .iter()
        .flat_map(|p| p.names())
        .collect();
    for name in names {
        let get = format!("CONFIG GET {name}");
        let in_redis = rc.call(&split(&get));
        if in_redis == Value::Array(vec![]) {
            // Anax's own (threads).
            continue;
        }
        if !CONFIG_VALUES_DIFFER.contains(&name) {
            same(&mut rc, &mut h, me, &get, keep);
        }
        if CONFIG_MUTABLE_IN_REDIS_ONLY.contains(&name) {
            continue;
        }
        let Value::Array(v) = in_redis else { panic!() };
        let original = v[1].clone();
        let anax_original = match h.run(&split(&get)) {
            Value::Array(v) => v[1].clone(),
            other => panic!("{other:?}"),
        };
        for probe in [
            "abc",
            "-1",
            "0",
            "18446744073709551615",
            "-9223372036854775808",
            "1kb",
            "10%",
        ] {
            let set = vec![
                b"CONFIG".to_vec(),
                b"SET".to_vec(),
                name.as_bytes().to_vec(),
                probe.as_bytes().to_vec(),
            ];
            let want = rc.call(&set);
            let got = h.run_on(me, &set);
            assert_eq!(got, want, "\nCONFIG SET {name} {probe}");
            if want == ok() {
                same(&mut rc, &mut h, me, &get, keep);
                let mut restore = set.clone();
                restore[3] = original.as_bytes().unwrap().to_vec();
                assert_eq!(rc.call(&restore), ok(), "restore {name}");
                restore[3] = anax_original.as_bytes().unwrap().to_vec();
                assert_eq!(h.run_on(me, &restore), ok(), "restore {name}");
            }
        }
    }
}

/// Field names of INFO, section by section, without Anax's own fields.
fn info_fields(v: Value) -> Vec<(String, Vec<String>)> {
    sections(&text(v))
        .into_iter()
        .filter(|(s, _)| {
            !["Commandstats", "Errorstats", "Latencystats", "Keyspace"].contains(&s.as_str())
        })
        .map(|(s, f)| {
            (
                s,
                f.into_iter()
                    .map(|(k, _)| k)
                    .filter(|k| !k.starts_with("anax_"))
                    .collect(),
            )
        })
        .collect()
}

/// The field names of CLIENT LIST lines.
fn client_fields(v: Value) -> Vec<Vec<String>> {
    text(v)
        .lines()
        .map(|l| {
            l.split(' ')
                .map(|kv| kv.split_once('=').expect("k=v").0.to_string())
                .collect()
        })
        .collect()
}

/// INFO commandstats lines without timings, sorted.
fn commandstats(v: Value) -> Vec<String> {
    let mut lines: Vec<String> = text(v)
        .split("\r\n")
        .filter(|l| l.starts_with("cmdstat_"))
        .map(|l| {
            l.split(',')
                .filter(|p| !p.starts_with("usec"))
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect();
    lines.sort();
    lines
}

#[test]
fn differential_info_client_command() {
    let redis = Redis::start();
    let mut rc = redis.client();
    let mut h = SingleHost::new();
    let me = h.default_conn();
    // INFO: the same sections with the same fields, in the same order.
    let want = info_fields(rc.call(&["INFO", "everything"]));
    let got = info_fields(h.run(&["INFO", "everything"]));
    assert_eq!(got, want);
    // CLIENT INFO / LIST: the same fields.
    for line in ["CLIENT INFO", "CLIENT LIST", "CLIENT LIST TYPE normal"] {
        let args = split(line);
        assert_eq!(
            client_fields(h.run(&args)),
            client_fields(rc.call(&args)),
            "{line}"
        );
    }
    let Value::Int(id) = rc.call(&["CLIENT", "ID"]) else {
        panic!()
    };
    let ids = |id: i64| -> Vec<String> {
        [
            "CLIENT",
            "LIST",
            "ID",
            &id.to_string(),
            "99999",
            &id.to_string(),
        ]
        .map(String::from)
        .to_vec()
    };
    assert_eq!(
        client_fields(h.run(&ids(1))),
        client_fields(rc.call(&ids(id)))
    );
    // Keyspace, errorstats and commandstats after the same commands.
    run_both(
        &mut rc,
        &mut h,
        &script(
            "CONFIG RESETSTAT
             SET a 1
             SET b 2
             SELECT 7
             SET c 3
             SELECT 0
             GET a
             GET nope
             GET
             NOPE
             SELECT 99
             HELLO 9
             AUTH a b
             CONFIG
             CONFIG GET
             CLIENT SETNAME \"a b\"
             INFO keyspace
             INFO errorstats",
        ),
    );
    let args = split("INFO commandstats");
    assert_eq!(commandstats(h.run(&args)), commandstats(rc.call(&args)));
    // COMMAND INFO and DOCS of the connection and server commands.
    let mine = [
        "ping",
        "echo",
        "quit",
        "hello",
        "auth",
        "select",
        "dbsize",
        "flushdb",
        "flushall",
        "swapdb",
        "info",
        "time",
        "lastsave",
        "debug",
        "shutdown",
        "get",
        "config|get",
        "config|set",
        "config|resetstat",
        "config|help",
        "client|id",
        "client|getname",
        "client|setname",
        "client|list",
        "client|info",
        "client|kill",
        "client|getredir",
        "client|help",
        "command|count",
        "command|info",
        "command|docs",
        "command|list",
        "command|getkeys",
        "command|getkeysandflags",
        "command|help",
    ];
    for proto in ["2", "3"] {
        rc.call(&["HELLO", proto]);
        h.run(&["HELLO", proto]);
        for name in mine {
            same(&mut rc, &mut h, me, &format!("COMMAND INFO {name}"), keep);
            same(
                &mut rc,
                &mut h,
                me,
                &format!("COMMAND DOCS {name}"),
                docs_normalized,
            );
        }
        // Containers: the same entry but for the subcommands Anax lacks.
        for name in ["config", "client", "command"] {
            same(
                &mut rc,
                &mut h,
                me,
                &format!("COMMAND INFO {name}"),
                drop_subcommands,
            );
        }
    }
}

/// A COMMAND DOCS reply without the parts Anax does not describe (arguments, history,
/// doc flags, deprecation, subcommands).
fn docs_normalized(v: Value) -> Value {
    let strip = |pairs: Vec<(Value, Value)>| -> Vec<(Value, Value)> {
        pairs
            .into_iter()
            .filter(|(k, _)| {
                ![
                    "arguments",
                    "history",
                    "doc_flags",
                    "deprecated_since",
                    "replaced_by",
                    "subcommands",
                ]
                .iter()
                .any(|s| *k == bulk(s))
            })
            .collect()
    };
    let pairs = |items: Vec<Value>| -> Vec<(Value, Value)> {
        items
            .chunks(2)
            .map(|p| (p[0].clone(), p[1].clone()))
            .collect()
    };
    match v {
        Value::Map(cmds) => Value::Map(
            cmds.into_iter()
                .map(|(n, d)| match d {
                    Value::Map(d) => (n, Value::Map(strip(d))),
                    other => panic!("{other:?}"),
                })
                .collect(),
        ),
        Value::Array(items) => flat(
            pairs(items)
                .into_iter()
                .map(|(n, d)| match d {
                    Value::Array(d) => (n, flat(strip(pairs(d)))),
                    other => panic!("{other:?}"),
                })
                .collect(),
        ),
        other => other,
    }
}

/// A COMMAND INFO reply of one container without its subcommands.
fn drop_subcommands(v: Value) -> Value {
    match v {
        Value::Array(mut entries) => {
            if let Value::Array(e) = &mut entries[0] {
                e.truncate(9);
            }
            Value::Array(entries)
        }
        other => other,
    }
}

#[test]
fn differential_command_table() {
    // Every command Anax has: the same COMMAND INFO (subcommand lists aside) and the same
    // COMMAND DOCS summary, since, group and complexity as Redis 7.0.
    let redis = Redis::start();
    let mut rc = redis.client();
    let mut h = SingleHost::new();
    let me = h.default_conn();
    let names: Vec<String> = match h.run(&["COMMAND", "LIST"]) {
        Value::Array(v) => v.into_iter().map(text).collect(),
        other => panic!("{other:?}"),
    };
    assert!(names.len() > 40, "{names:?}");
    for proto in ["2", "3"] {
        rc.call(&["HELLO", proto]);
        h.run(&["HELLO", proto]);
        for name in &names {
            same(
                &mut rc,
                &mut h,
                me,
                &format!("COMMAND INFO {name}"),
                drop_subcommands,
            );
            same(
                &mut rc,
                &mut h,
                me,
                &format!("COMMAND DOCS {name}"),
                docs_normalized,
            );
        }
    }
}

#[test]
fn differential_getkeys() {
    let redis = Redis::start();
    let mut rc = redis.client();
    let mut h = SingleHost::new();
    run_both(
        &mut rc,
        &mut h,
        &script(
            "COMMAND GETKEYS MSET a 1 b 2
             COMMAND GETKEYS MSET a 1 b
             COMMAND GETKEYSANDFLAGS MSET a 1 b 2
             COMMAND GETKEYS MGET a b c
             COMMAND GETKEYSANDFLAGS SET k v
             COMMAND GETKEYSANDFLAGS SET k v get
             COMMAND GETKEYSANDFLAGS SET k v EX 10 GET
             COMMAND GETKEYSANDFLAGS GETEX k
             COMMAND GETKEYSANDFLAGS DEL a b
             COMMAND GETKEYSANDFLAGS RENAME a b
             COMMAND GETKEYSANDFLAGS COPY a b DB 1
             COMMAND GETKEYSANDFLAGS LCS a b
             COMMAND GETKEYS PING
             COMMAND GETKEYS CLIENT LIST
             COMMAND GETKEYS CONFIG GET x
             COMMAND GETKEYS KEYS *
             COMMAND GETKEYS OBJECT ENCODING k
             COMMAND GETKEYS OBJECT nope k
             COMMAND GETKEYS GET",
        ),
    );
}

#[test]
fn anax_commands_are_redis_commands() {
    // Every name COMMAND LIST shows exists in Redis 7.0 under the same name.
    let redis = Redis::start();
    let mut rc = redis.client();
    let mut h = SingleHost::new();
    let names = |v: Value| -> Vec<String> {
        match v {
            Value::Array(v) => v.into_iter().map(text).collect(),
            other => panic!("{other:?}"),
        }
    };
    let theirs = names(rc.call(&["COMMAND", "LIST"]));
    for n in names(h.run(&["COMMAND", "LIST"])) {
        assert!(theirs.contains(&n), "{n} is not a Redis 7.0 command");
    }
}
