//! Server settings, as CONFIG GET/SET and the command line name them.
//!
//! [`Config`] holds the settings; [`PARAMS`] describes every parameter CONFIG knows: its
//! name and alias, its type, whether it may change at run time, and where its value lives.
//! Parsing and formatting follow Redis 7.0's `config.c`, error texts included, so that
//! `CONFIG SET maxmemory 1gb` stores 1073741824 and `CONFIG GET maxmemory` answers
//! `1073741824`, and a bad value fails with the text Redis gives.
//!
//! Settings the engine or a host reads are fields of [`Config`]; the others (encoding
//! thresholds, replication knobs, ...) are accepted, validated and reported, and kept as
//! their canonical text in [`Config::extra`] until a feature needs them, when they become a
//! field: only the row's `field` changes.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// The settings the engine and the hosts read. Names follow redis.conf.
#[derive(Clone, Debug)]
pub struct Config {
    /// `port`
    pub port: u16,
    /// `bind`, space-separated addresses.
    pub bind: String,
    /// `requirepass`; empty = no password.
    pub requirepass: Vec<u8>,
    /// `maxclients`
    pub maxclients: u64,
    /// `dir`
    pub dir: String,
    /// `dbfilename`
    pub dbfilename: String,
    /// `databases` (read-only at run time).
    pub databases: usize,
    /// `proto-max-bulk-len`
    pub proto_max_bulk_len: u64,
    /// `client-query-buffer-limit`
    pub client_query_buffer_limit: u64,
    /// `hz`: active expiry cycles per second.
    pub hz: u32,
    /// `timeout`: idle client timeout in seconds, 0 = never.
    pub timeout: u64,
    /// `save`, as given (`"3600 1 300 100 60 10000"`, `""` = off).
    pub save: String,
    /// `appendonly` (always no: Anax has no AOF yet).
    pub appendonly: bool,
    /// `maxmemory` in bytes, 0 = no limit.
    pub maxmemory: u64,
    /// `maxmemory-policy`
    pub maxmemory_policy: String,
    /// `protected-mode`
    pub protected_mode: bool,
    /// `loglevel`
    pub loglevel: String,
    /// `logfile` (empty = stderr)
    pub logfile: String,
    /// `daemonize` (always no)
    pub daemonize: bool,
    /// `tcp-keepalive` seconds
    pub tcp_keepalive: u64,
    /// `tcp-backlog`
    pub tcp_backlog: u64,
    /// `slowlog-log-slower-than` in microseconds
    pub slowlog_log_slower_than: i64,
    /// `slowlog-max-len`
    pub slowlog_max_len: u64,
    /// `latency-monitor-threshold` in milliseconds; 0 = the latency monitor is off.
    pub latency_monitor_threshold: u64,
    /// `latency-tracking`: every call goes to its command's latency histogram (LATENCY
    /// HISTOGRAM, INFO latencystats).
    pub latency_tracking: bool,
    /// `latency-tracking-info-percentiles`: the percentiles INFO latencystats shows, as
    /// their shortest exact decimal text separated by spaces (`""` = none); read them with
    /// [`Config::latency_percentiles`]. CONFIG GET shows them as Redis does (`%f`, trimmed).
    pub latency_tracking_info_percentiles: String,
    /// `lazyfree-lazy-user-del` and friends are accepted and reported.
    pub lazyfree_lazy_user_del: bool,
    /// `notify-keyspace-events` (stored; notifications arrive with pub/sub)
    pub notify_keyspace_events: String,
    /// Shard threads (`--threads`; Anax's own setting).
    pub threads: usize,
    /// Path of the config file in use, if any.
    pub config_file: String,
    /// `enable-debug-command`: `no` (DEBUG refused), `yes`, or `local` (allowed from
    /// loopback and Unix-socket connections). Redis's default is `no`.
    pub enable_debug_command: String,
    /// `enable-protected-configs`: whether CONFIG SET may change `dir` and `dbfilename`;
    /// `no`, `yes` or `local`.
    pub enable_protected_configs: String,
    /// `hash-max-listpack-entries`: a hash with more fields becomes a hashtable.
    pub hash_max_listpack_entries: u64,
    /// `hash-max-listpack-value`: a hash with a longer field or value becomes a hashtable.
    pub hash_max_listpack_value: u64,
    /// `list-max-listpack-size`: quicklist node size (negative: -1..-5 = 4..64 KB; positive:
    /// entries per node).
    pub list_max_listpack_size: i64,
    /// `set-max-intset-entries`: a set of integers with more members becomes a hashtable.
    pub set_max_intset_entries: u64,
    /// `zset-max-listpack-entries`: a sorted set with more members becomes a skiplist.
    pub zset_max_listpack_entries: u64,
    /// `zset-max-listpack-value`: a sorted set with a longer member becomes a skiplist.
    pub zset_max_listpack_value: u64,
    /// The canonical text of every parameter set away from its default that has no field
    /// of its own, by canonical name (see [`PARAMS`]).
    pub extra: BTreeMap<&'static str, Vec<u8>>,
}

impl Config {
    /// `latency-tracking-info-percentiles` as numbers (0 to 100), in the order given.
    pub fn latency_percentiles(&self) -> Vec<f64> {
        self.latency_tracking_info_percentiles
            .split(' ')
            .filter_map(|w| w.parse::<f64>().ok())
            .collect()
    }

    /// `rdbcompression`: LZF for strings in snapshots.
    pub fn rdbcompression(&self) -> bool {
        self.extra
            .get("rdbcompression")
            .is_none_or(|v| v.as_slice() != b"no")
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            port: 6379,
            bind: String::from("127.0.0.1"),
            requirepass: Vec::new(),
            maxclients: 10000,
            dir: String::from("."),
            dbfilename: String::from("dump.rdb"),
            databases: 16,
            proto_max_bulk_len: 512 * 1024 * 1024,
            client_query_buffer_limit: 1024 * 1024 * 1024,
            hz: 10,
            timeout: 0,
            save: String::from("3600 1 300 100 60 10000"),
            appendonly: false,
            maxmemory: 0,
            maxmemory_policy: String::from("noeviction"),
            protected_mode: true,
            loglevel: String::from("notice"),
            logfile: String::new(),
            daemonize: false,
            tcp_keepalive: 300,
            tcp_backlog: 511,
            slowlog_log_slower_than: 10000,
            slowlog_max_len: 128,
            latency_monitor_threshold: 0,
            latency_tracking: true,
            latency_tracking_info_percentiles: String::from("50 99 99.9"),
            lazyfree_lazy_user_del: false,
            notify_keyspace_events: String::new(),
            threads: 1,
            config_file: String::new(),
            enable_debug_command: String::from("no"),
            enable_protected_configs: String::from("no"),
            hash_max_listpack_entries: 512,
            hash_max_listpack_value: 64,
            list_max_listpack_size: -2,
            set_max_intset_entries: 512,
            zset_max_listpack_entries: 128,
            zset_max_listpack_value: 64,
            extra: BTreeMap::new(),
        }
    }
}

/// Parameter flag: CONFIG SET refuses it ("can't set immutable config").
pub const IMMUTABLE: u8 = 1 << 0;
/// Parameter flag: CONFIG SET allows it only as `enable-protected-configs` says.
pub const PROTECTED: u8 = 1 << 1;
/// Parameter flag: its value is a secret (redacted from logs and MONITOR).
pub const SENSITIVE: u8 = 1 << 2;
/// Parameter flag: a config file line may give it several arguments (`save 900 1 300 10`,
/// `client-output-buffer-limit normal 0 0 0`), joined by spaces (Redis's `MULTI_ARG_CONFIG`).
pub const MULTI_ARG: u8 = 1 << 3;
/// Parameter flag: an empty value is no value (Redis's `EMPTY_STRING_IS_NULL`): CONFIG
/// REWRITE removes its line rather than write `""`.
pub const EMPTY_IS_NULL: u8 = 1 << 4;

/// A parameter's type: how its text is parsed and shown.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// `yes` / `no`.
    Bool,
    /// An integer within `lo..=hi`; `mem` accepts units (`1gb`), `pct` a percentage (`10%`,
    /// kept as its negative).
    Num {
        /// Smallest value.
        lo: i128,
        /// Largest value.
        hi: i128,
        /// Memory units accepted.
        mem: bool,
        /// A percentage accepted.
        pct: bool,
    },
    /// One of the names, in any case.
    Enum(&'static [&'static str]),
    /// Any text.
    Str,
    /// A file name without a path (`dbfilename`).
    FileName,
    /// `save`: pairs of seconds and changes.
    Save,
    /// `notify-keyspace-events`: event class characters.
    NotifyEvents,
    /// `client-output-buffer-limit`: `<class> <hard> <soft> <seconds>` groups.
    ClientOutputBufferLimit,
    /// `oom-score-adj-values`: three integers within -2000..=2000.
    OomScoreAdjValues,
    /// `proc-title-template`: text with `{title}`, `{listen-addr}`... variables.
    ProcTitleTemplate,
    /// `latency-tracking-info-percentiles`: numbers within 0..=100 separated by spaces.
    Percentiles,
}

/// Where a parameter's value lives.
#[derive(Clone, Copy)]
pub enum Field {
    /// In [`Config::extra`] as canonical text (absent: the row's default).
    Extra,
    /// An integer field.
    Num(fn(&Config) -> i128, fn(&mut Config, i128)),
    /// A boolean field.
    Bool(fn(&Config) -> bool, fn(&mut Config, bool)),
    /// A text field; the setter receives the canonical text.
    Text(fn(&Config) -> &[u8], fn(&mut Config, &[u8])),
}

impl core::fmt::Debug for Field {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Field::Extra => "Extra",
            Field::Num(..) => "Num",
            Field::Bool(..) => "Bool",
            Field::Text(..) => "Text",
        })
    }
}

/// One CONFIG parameter.
#[derive(Clone, Copy, Debug)]
pub struct Param {
    /// Canonical name.
    pub name: &'static str,
    /// Old name Redis still accepts (`slave-read-only`), if any.
    pub alias: Option<&'static str>,
    /// Type.
    pub kind: Kind,
    /// [`IMMUTABLE`], [`PROTECTED`], [`SENSITIVE`].
    pub flags: u8,
    /// The default as CONFIG GET shows it (used for [`Field::Extra`] parameters).
    pub default: &'static str,
    /// Where the value lives.
    pub field: Field,
}

impl Param {
    /// True when `f` is set.
    pub const fn has(&self, f: u8) -> bool {
        self.flags & f != 0
    }

    /// The names it answers to: its own and its alias.
    pub fn names(&self) -> impl Iterator<Item = &'static str> {
        core::iter::once(self.name).chain(self.alias)
    }
}

const INT_MAX: i128 = i32::MAX as i128;
const INT_MIN: i128 = i32::MIN as i128;
const LONG_MAX: i128 = i64::MAX as i128;
const UINT_MAX: i128 = u32::MAX as i128;
const ULLONG_MAX: i128 = u64::MAX as i128;

const fn num(lo: i128, hi: i128) -> Kind {
    Kind::Num {
        lo,
        hi,
        mem: false,
        pct: false,
    }
}

const fn mem(lo: i128, hi: i128) -> Kind {
    Kind::Num {
        lo,
        hi,
        mem: true,
        pct: false,
    }
}

const fn p(name: &'static str, kind: Kind, default: &'static str) -> Param {
    Param {
        name,
        alias: None,
        kind,
        flags: 0,
        default,
        field: Field::Extra,
    }
}

impl Param {
    const fn alias(mut self, a: &'static str) -> Self {
        self.alias = Some(a);
        self
    }
    const fn flags(mut self, f: u8) -> Self {
        self.flags = f;
        self
    }
    const fn field(mut self, f: Field) -> Self {
        self.field = f;
        self
    }
}

macro_rules! num_field {
    ($f:ident, $t:ty) => {
        Field::Num(|c| c.$f as i128, |c, v| c.$f = v as $t)
    };
}

macro_rules! bool_field {
    ($f:ident) => {
        Field::Bool(|c| c.$f, |c, v| c.$f = v)
    };
}

macro_rules! str_field {
    ($f:ident) => {
        Field::Text(
            |c| c.$f.as_bytes(),
            |c, v| c.$f = String::from_utf8_lossy(v).into_owned(),
        )
    };
}

const YES_NO_LOCAL: &[&str] = &["no", "yes", "local"];
const MAXMEMORY_POLICIES: &[&str] = &[
    "volatile-lru",
    "volatile-lfu",
    "volatile-random",
    "volatile-ttl",
    "allkeys-lru",
    "allkeys-lfu",
    "allkeys-random",
    "noeviction",
];

/// Every parameter CONFIG knows, with Redis 7.0's names, bounds and defaults (Anax's own
/// defaults where they differ: `bind`, `save`, `dir`). `port`, `bind` and `appendonly` are
/// immutable in Anax (Redis can rebind and start AOF at run time; Anax cannot yet).
pub static PARAMS: &[Param] = &[
    // Settings with fields.
    p("port", num(0, 65535), "6379")
        .flags(IMMUTABLE)
        .field(num_field!(port, u16)),
    p("bind", Kind::Str, "127.0.0.1")
        .flags(IMMUTABLE | MULTI_ARG)
        .field(str_field!(bind)),
    p("requirepass", Kind::Str, "")
        .flags(SENSITIVE | EMPTY_IS_NULL)
        .field(Field::Text(
            |c| &c.requirepass,
            |c, v| c.requirepass = v.to_vec(),
        )),
    p("maxclients", num(1, UINT_MAX), "10000").field(num_field!(maxclients, u64)),
    p("dir", Kind::Str, ".")
        .flags(PROTECTED)
        .field(str_field!(dir)),
    p("dbfilename", Kind::FileName, "dump.rdb")
        .flags(PROTECTED)
        .field(str_field!(dbfilename)),
    p("databases", num(1, INT_MAX), "16")
        .flags(IMMUTABLE)
        .field(num_field!(databases, usize)),
    p(
        "proto-max-bulk-len",
        mem(1024 * 1024, LONG_MAX),
        "536870912",
    )
    .field(num_field!(proto_max_bulk_len, u64)),
    p(
        "client-query-buffer-limit",
        mem(1024 * 1024, LONG_MAX),
        "1073741824",
    )
    .field(num_field!(client_query_buffer_limit, u64)),
    // Redis clamps hz to 1..=500 after accepting 0..=INT_MAX.
    p("hz", num(0, INT_MAX), "10").field(Field::Num(
        |c| c.hz as i128,
        |c, v| c.hz = (v.clamp(1, 500)) as u32,
    )),
    p("timeout", num(0, INT_MAX), "0").field(num_field!(timeout, u64)),
    p("save", Kind::Save, "3600 1 300 100 60 10000")
        .flags(MULTI_ARG)
        .field(str_field!(save)),
    p("appendonly", Kind::Bool, "no")
        .flags(IMMUTABLE)
        .field(bool_field!(appendonly)),
    p("maxmemory", mem(0, ULLONG_MAX), "0").field(num_field!(maxmemory, u64)),
    p(
        "maxmemory-policy",
        Kind::Enum(MAXMEMORY_POLICIES),
        "noeviction",
    )
    .field(str_field!(maxmemory_policy)),
    p("protected-mode", Kind::Bool, "yes").field(bool_field!(protected_mode)),
    p(
        "loglevel",
        Kind::Enum(&["debug", "verbose", "notice", "warning"]),
        "notice",
    )
    .field(str_field!(loglevel)),
    p("logfile", Kind::Str, "")
        .flags(IMMUTABLE)
        .field(str_field!(logfile)),
    p("daemonize", Kind::Bool, "no")
        .flags(IMMUTABLE)
        .field(bool_field!(daemonize)),
    p("tcp-keepalive", num(0, INT_MAX), "300").field(num_field!(tcp_keepalive, u64)),
    p("tcp-backlog", num(0, INT_MAX), "511")
        .flags(IMMUTABLE)
        .field(num_field!(tcp_backlog, u64)),
    p("slowlog-log-slower-than", num(-1, LONG_MAX), "10000")
        .field(num_field!(slowlog_log_slower_than, i64)),
    p("slowlog-max-len", num(0, LONG_MAX), "128").field(num_field!(slowlog_max_len, u64)),
    p("lazyfree-lazy-user-del", Kind::Bool, "no").field(bool_field!(lazyfree_lazy_user_del)),
    p("notify-keyspace-events", Kind::NotifyEvents, "").field(str_field!(notify_keyspace_events)),
    p("threads", num(1, 1024), "1")
        .flags(IMMUTABLE)
        .field(num_field!(threads, usize)),
    p("enable-debug-command", Kind::Enum(YES_NO_LOCAL), "no")
        .flags(IMMUTABLE)
        .field(str_field!(enable_debug_command)),
    p("enable-protected-configs", Kind::Enum(YES_NO_LOCAL), "no")
        .flags(IMMUTABLE)
        .field(str_field!(enable_protected_configs)),
    // Accepted and reported.
    p("enable-module-command", Kind::Enum(YES_NO_LOCAL), "no").flags(IMMUTABLE),
    p("activerehashing", Kind::Bool, "yes"),
    p("activedefrag", Kind::Bool, "no"),
    p("active-expire-effort", num(1, 10), "1"),
    p("lazyfree-lazy-eviction", Kind::Bool, "no"),
    p("lazyfree-lazy-expire", Kind::Bool, "no"),
    p("lazyfree-lazy-server-del", Kind::Bool, "no"),
    p("lazyfree-lazy-user-flush", Kind::Bool, "no"),
    p("replica-lazy-flush", Kind::Bool, "no").alias("slave-lazy-flush"),
    p("maxmemory-samples", num(1, INT_MAX), "5"),
    p("maxmemory-eviction-tenacity", num(0, 100), "10"),
    p(
        "maxmemory-clients",
        Kind::Num {
            lo: -100,
            hi: LONG_MAX,
            mem: true,
            pct: true,
        },
        "0",
    ),
    p("lfu-log-factor", num(0, INT_MAX), "10"),
    p("lfu-decay-time", num(0, INT_MAX), "1"),
    p("hash-max-listpack-entries", num(0, LONG_MAX), "512")
        .alias("hash-max-ziplist-entries")
        .field(num_field!(hash_max_listpack_entries, u64)),
    p("hash-max-listpack-value", mem(0, LONG_MAX), "64")
        .alias("hash-max-ziplist-value")
        .field(num_field!(hash_max_listpack_value, u64)),
    p("list-max-listpack-size", num(INT_MIN, INT_MAX), "-2")
        .alias("list-max-ziplist-size")
        .field(num_field!(list_max_listpack_size, i64)),
    p("list-compress-depth", num(0, INT_MAX), "0"),
    p("set-max-intset-entries", num(0, LONG_MAX), "512")
        .field(num_field!(set_max_intset_entries, u64)),
    p("zset-max-listpack-entries", num(0, LONG_MAX), "128")
        .alias("zset-max-ziplist-entries")
        .field(num_field!(zset_max_listpack_entries, u64)),
    p("zset-max-listpack-value", mem(0, LONG_MAX), "64")
        .alias("zset-max-ziplist-value")
        .field(num_field!(zset_max_listpack_value, u64)),
    p("hll-sparse-max-bytes", mem(0, LONG_MAX), "3000"),
    p("stream-node-max-bytes", mem(0, LONG_MAX), "4096"),
    p("stream-node-max-entries", num(0, LONG_MAX), "100"),
    p("latency-monitor-threshold", num(0, LONG_MAX), "0")
        .field(num_field!(latency_monitor_threshold, u64)),
    p("latency-tracking", Kind::Bool, "yes").field(bool_field!(latency_tracking)),
    p(
        "latency-tracking-info-percentiles",
        Kind::Percentiles,
        "50 99 99.9",
    )
    .flags(MULTI_ARG)
    .field(str_field!(latency_tracking_info_percentiles)),
    p("acllog-max-len", num(0, LONG_MAX), "128"),
    p("busy-reply-threshold", num(0, LONG_MAX), "5000").alias("lua-time-limit"),
    p("tracking-table-max-keys", num(0, LONG_MAX), "1000000"),
    p(
        "client-output-buffer-limit",
        Kind::ClientOutputBufferLimit,
        "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
    )
    .flags(MULTI_ARG),
    p("oom-score-adj-values", Kind::OomScoreAdjValues, "0 200 800").flags(MULTI_ARG),
    p(
        "appendfsync",
        Kind::Enum(&["everysec", "always", "no"]),
        "everysec",
    ),
    p("appendfilename", Kind::Str, "appendonly.aof").flags(IMMUTABLE),
    p("appenddirname", Kind::Str, "appendonlydir").flags(IMMUTABLE),
    p("no-appendfsync-on-rewrite", Kind::Bool, "no"),
    p("auto-aof-rewrite-percentage", num(0, INT_MAX), "100"),
    p("auto-aof-rewrite-min-size", mem(0, LONG_MAX), "67108864"),
    p("aof-load-truncated", Kind::Bool, "yes"),
    p("aof-use-rdb-preamble", Kind::Bool, "yes"),
    p("aof-rewrite-incremental-fsync", Kind::Bool, "yes"),
    p("aof-timestamp-enabled", Kind::Bool, "no"),
    p("rdbcompression", Kind::Bool, "yes"),
    p("rdbchecksum", Kind::Bool, "yes").flags(IMMUTABLE),
    p("rdb-del-sync-files", Kind::Bool, "no"),
    p("rdb-save-incremental-fsync", Kind::Bool, "yes"),
    p("stop-writes-on-bgsave-error", Kind::Bool, "yes"),
    p(
        "sanitize-dump-payload",
        Kind::Enum(&["no", "yes", "clients"]),
        "no",
    ),
    p("replica-read-only", Kind::Bool, "yes").alias("slave-read-only"),
    p("replica-serve-stale-data", Kind::Bool, "yes").alias("slave-serve-stale-data"),
    p("replica-ignore-maxmemory", Kind::Bool, "yes").alias("slave-ignore-maxmemory"),
    p("replica-priority", num(0, INT_MAX), "100").alias("slave-priority"),
    p("replica-announced", Kind::Bool, "yes"),
    p("replica-announce-ip", Kind::Str, "")
        .alias("slave-announce-ip")
        .flags(EMPTY_IS_NULL),
    p("replica-announce-port", num(0, 65535), "0").alias("slave-announce-port"),
    p("replicaof", Kind::Str, "")
        .alias("slaveof")
        .flags(IMMUTABLE | MULTI_ARG),
    p("masterauth", Kind::Str, "").flags(SENSITIVE | EMPTY_IS_NULL),
    p("masteruser", Kind::Str, "").flags(EMPTY_IS_NULL),
    p("min-replicas-to-write", num(0, INT_MAX), "0").alias("min-slaves-to-write"),
    p("min-replicas-max-lag", num(0, INT_MAX), "10").alias("min-slaves-max-lag"),
    p("repl-backlog-size", mem(1, LONG_MAX), "1048576"),
    p("repl-backlog-ttl", num(0, LONG_MAX), "3600"),
    p("repl-timeout", num(1, INT_MAX), "60"),
    p("repl-ping-replica-period", num(1, INT_MAX), "10").alias("repl-ping-slave-period"),
    p("repl-diskless-sync", Kind::Bool, "yes"),
    p("repl-diskless-sync-delay", num(0, INT_MAX), "5"),
    p("repl-diskless-sync-max-replicas", num(0, INT_MAX), "0"),
    p(
        "repl-diskless-load",
        Kind::Enum(&["disabled", "on-empty-db", "swapdb"]),
        "disabled",
    ),
    p("repl-disable-tcp-nodelay", Kind::Bool, "no"),
    p("cluster-enabled", Kind::Bool, "no").flags(IMMUTABLE),
    p("io-threads", num(1, 128), "1").flags(IMMUTABLE),
    p("io-threads-do-reads", Kind::Bool, "no").flags(IMMUTABLE),
    p("pidfile", Kind::Str, "").flags(IMMUTABLE | EMPTY_IS_NULL),
    p("unixsocket", Kind::Str, "").flags(IMMUTABLE | EMPTY_IS_NULL),
    p(
        "supervised",
        Kind::Enum(&["upstart", "systemd", "auto", "no"]),
        "no",
    )
    .flags(IMMUTABLE),
    p("syslog-enabled", Kind::Bool, "no").flags(IMMUTABLE),
    p("syslog-ident", Kind::Str, "redis").flags(IMMUTABLE),
    p("always-show-logo", Kind::Bool, "no").flags(IMMUTABLE),
    p("set-proc-title", Kind::Bool, "yes").flags(IMMUTABLE),
    p(
        "proc-title-template",
        Kind::ProcTitleTemplate,
        "{title} {listen-addr} {server-mode}",
    ),
    p("crash-log-enabled", Kind::Bool, "yes"),
    p("crash-memcheck-enabled", Kind::Bool, "yes"),
    p("dynamic-hz", Kind::Bool, "yes"),
    p("jemalloc-bg-thread", Kind::Bool, "yes"),
    p("disable-thp", Kind::Bool, "yes").flags(IMMUTABLE),
    p(
        "oom-score-adj",
        Kind::Enum(&["no", "yes", "relative", "absolute"]),
        "no",
    ),
    p(
        "acl-pubsub-default",
        Kind::Enum(&["allchannels", "resetchannels"]),
        "resetchannels",
    ),
    p("aclfile", Kind::Str, "").flags(IMMUTABLE),
    p("shutdown-timeout", num(0, INT_MAX), "10"),
    p(
        "propagation-error-behavior",
        Kind::Enum(&["ignore", "panic", "panic-on-replicas"]),
        "ignore",
    ),
    p("ignore-warnings", Kind::Str, ""),
];

/// The parameter called `name` (its own name or its alias, in any case).
pub fn lookup(name: &[u8]) -> Option<&'static Param> {
    lookup_name(name).map(|(p, _)| p)
}

/// The parameter called `name` and the name it was found by (its own or its alias, as the
/// table spells it). Redis treats a parameter and its alias as two entries: CONFIG SET may
/// set both in one call (the later wins) and names the one given in its errors.
pub fn lookup_name(name: &[u8]) -> Option<(&'static Param, &'static str)> {
    PARAMS.iter().find_map(|p| {
        p.names()
            .find(|n| n.as_bytes().eq_ignore_ascii_case(name))
            .map(|n| (p, n))
    })
}

/// A parsed value, ready to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Parsed {
    /// An integer (a percentage as its negative).
    Num(i128),
    /// A boolean.
    Bool(bool),
    /// Canonical text.
    Text(Vec<u8>),
}

impl Config {
    /// The value of `p` as CONFIG GET shows it.
    pub fn get(&self, p: &Param) -> Vec<u8> {
        match p.field {
            Field::Extra => match self.extra.get(p.name) {
                Some(v) => v.clone(),
                None => p.default.as_bytes().to_vec(),
            },
            Field::Num(get, _) => format_num(p.kind, get(self)).into_bytes(),
            Field::Bool(get, _) => yes_no(get(self)).as_bytes().to_vec(),
            // Text a host stored as given is shown the way Redis would show it.
            Field::Text(get, _) => {
                let v = get(self);
                match p.kind {
                    // The stored text may end with an `n` that Redis does not show.
                    Kind::NotifyEvents => match parse_notify(v) {
                        Some(f) => format_notify(f).into_bytes(),
                        None => v.to_vec(),
                    },
                    Kind::Save | Kind::ClientOutputBufferLimit => match parse(p, v, self) {
                        Ok(Parsed::Text(t)) => t,
                        _ => v.to_vec(),
                    },
                    // Kept exact, shown as C's `%f` trimmed (`99.9999999` shows `100`).
                    Kind::Percentiles => {
                        let shown: Vec<String> = self
                            .latency_percentiles()
                            .into_iter()
                            .map(crate::observe::percentile_name)
                            .collect();
                        shown.join(" ").into_bytes()
                    }
                    _ => v.to_vec(),
                }
            }
        }
    }

    /// Parses `value` for `p` as CONFIG SET does, without storing it; the error is the part
    /// after `CONFIG SET failed (possibly related to argument '...') - `.
    pub fn parse(&self, p: &Param, value: &[u8]) -> Result<Parsed, String> {
        parse(p, value, self)
    }

    /// Stores a value [`Config::parse`] returned.
    pub fn apply(&mut self, p: &Param, v: Parsed) {
        match (p.field, v) {
            (Field::Num(_, set), Parsed::Num(n)) => set(self, n),
            (Field::Bool(_, set), Parsed::Bool(b)) => set(self, b),
            (Field::Text(_, set), Parsed::Text(t)) => set(self, &t),
            (Field::Extra, v) => {
                // Redis keeps the replication backlog at 16 KiB or more.
                let v = match v {
                    Parsed::Num(n) if p.name == "repl-backlog-size" => Parsed::Num(n.max(16384)),
                    v => v,
                };
                let text = match v {
                    Parsed::Num(n) => format_num(p.kind, n).into_bytes(),
                    Parsed::Bool(b) => yes_no(b).as_bytes().to_vec(),
                    Parsed::Text(t) => t,
                };
                if text == p.default.as_bytes() {
                    self.extra.remove(p.name);
                } else {
                    self.extra.insert(p.name, text);
                }
            }
            // parse() returns the variant that matches the row's kind and field.
            _ => debug_assert!(false, "value of the wrong type for {}", p.name),
        }
    }

    /// Sets parameter `name` from its text, as a config file or the command line does:
    /// immutable parameters included. The error is Redis's text for a bad value, or
    /// `Bad directive or wrong number of arguments` for an unknown name.
    pub fn set_text(&mut self, name: &str, value: &[u8]) -> Result<(), String> {
        let p = lookup(name.as_bytes())
            .ok_or_else(|| String::from("Bad directive or wrong number of arguments"))?;
        let v = parse(p, value, self)?;
        self.apply(p, v);
        Ok(())
    }

    /// The value of parameter `name` as CONFIG GET shows it, if there is one by that name.
    pub fn get_text(&self, name: &str) -> Option<Vec<u8>> {
        lookup(name.as_bytes()).map(|p| self.get(p))
    }

    /// The save points, `(seconds, changes)` pairs.
    pub fn save_points(&self) -> Vec<(i64, i64)> {
        parse_save(self.save.as_bytes()).unwrap_or_default()
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

fn format_num(kind: Kind, n: i128) -> String {
    match kind {
        Kind::Num { pct: true, .. } if n < 0 => format!("{}%", -n),
        _ => format!("{n}"),
    }
}

fn parse(p: &Param, v: &[u8], cfg: &Config) -> Result<Parsed, String> {
    match p.kind {
        Kind::Bool => {
            if v.eq_ignore_ascii_case(b"yes") {
                Ok(Parsed::Bool(true))
            } else if v.eq_ignore_ascii_case(b"no") {
                Ok(Parsed::Bool(false))
            } else {
                Err(String::from("argument must be 'yes' or 'no'"))
            }
        }
        Kind::Num { lo, hi, mem, pct } => parse_num(v, lo, hi, mem, pct).map(Parsed::Num),
        Kind::Enum(names) => {
            let Some(name) = names.iter().find(|n| n.as_bytes().eq_ignore_ascii_case(v)) else {
                return Err(format!(
                    "argument(s) must be one of the following: {}",
                    names.join(", ")
                ));
            };
            // Redis shows the first name of a value that has two (`relative` is `yes`).
            let name = if p.name == "oom-score-adj" && *name == "relative" {
                "yes"
            } else {
                name
            };
            Ok(Parsed::Text(name.as_bytes().to_vec()))
        }
        Kind::Str => Ok(Parsed::Text(v.to_vec())),
        Kind::FileName => {
            if v.contains(&b'/') || v.contains(&b'\\') {
                Err(String::from("dbfilename can't be a path, just a filename"))
            } else {
                Ok(Parsed::Text(v.to_vec()))
            }
        }
        Kind::Save => {
            let points = parse_save(v).ok_or_else(|| String::from("Invalid save parameters"))?;
            let text: Vec<String> = points.iter().map(|(s, c)| format!("{s} {c}")).collect();
            Ok(Parsed::Text(text.join(" ").into_bytes()))
        }
        // Kept as Redis shows it, plus the `n` that Redis does not show after `A`, so that
        // the flags can be read back from the text.
        Kind::NotifyEvents => parse_notify(v)
            .map(|f| {
                let mut t = format_notify(f);
                if f & NOTIFY_NEW != 0 && !t.contains('n') {
                    t.push('n');
                }
                Parsed::Text(t.into_bytes())
            })
            .ok_or_else(|| String::from("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")),
        Kind::ClientOutputBufferLimit => {
            let current = cfg.get(p);
            let limits = parse_cobl(&current, [COBL_DEFAULT; 3]).map_err(String::from)?;
            let limits = parse_cobl(v, limits).map_err(String::from)?;
            let names = ["normal", "slave", "pubsub"];
            let text: Vec<String> = limits
                .iter()
                .zip(names)
                .map(|((h, s, sec), n)| format!("{n} {h} {s} {sec}"))
                .collect();
            Ok(Parsed::Text(text.join(" ").into_bytes()))
        }
        Kind::OomScoreAdjValues => {
            // `setConfigOOMScoreAdjValuesOption`: three `strtoll` integers.
            let words: Vec<&[u8]> = v.split(|&c| c == b' ').collect();
            if words.len() != 3 {
                return Err(String::from("wrong number of arguments"));
            }
            let mut text = Vec::with_capacity(3);
            for w in words {
                match strtoll_whole(w).filter(|n| (-2000..=2000).contains(n)) {
                    Some(n) => text.push(format!("{n}")),
                    None => return Err(String::from(
                        "Invalid oom-score-adj-values, elements must be between -2000 and 2000.",
                    )),
                }
            }
            Ok(Parsed::Text(text.join(" ").into_bytes()))
        }
        Kind::Percentiles => {
            // `setConfigLatencyTrackingInfoPercentilesOutputOption`: each word a `string2d`
            // double within 0..=100; the first bad one names the error.
            let mut exact: Vec<String> = Vec::new();
            if !v.is_empty() {
                for w in v.split(|&c| c == b' ') {
                    let Some(x) = string2d(w) else {
                        return Err(String::from(
                            "Invalid latency-tracking-info-percentiles parameters",
                        ));
                    };
                    if !(0.0..=100.0).contains(&x) {
                        return Err(String::from(
                            "latency-tracking-info-percentiles parameters should sit between \
                             [0.0,100.0]",
                        ));
                    }
                    exact.push(format!("{x}"));
                }
            }
            Ok(Parsed::Text(exact.join(" ").into_bytes()))
        }
        Kind::ProcTitleTemplate => {
            if proc_title_template_ok(v, cfg) {
                Ok(Parsed::Text(v.to_vec()))
            } else {
                Err(String::from(
                    "template format is invalid or contains unknown variables",
                ))
            }
        }
    }
}

/// Redis's `validateProcTitleTemplate`: the template expands (`sdstemplate`: `{name}` is a
/// known variable, `{{` a brace) with an empty title to something other than spaces.
fn proc_title_template_ok(t: &[u8], cfg: &Config) -> bool {
    let mut out: Vec<u8> = Vec::new();
    let mut p = 0;
    while p < t.len() {
        let Some(open) = t[p..].iter().position(|&c| c == b'{').map(|i| p + i) else {
            out.extend_from_slice(&t[p..]);
            break;
        };
        out.extend_from_slice(&t[p..open]);
        let sv = open + 1;
        match t.get(sv) {
            None => return false,
            Some(b'{') => {
                out.push(b'{');
                p = sv + 1;
                continue;
            }
            Some(_) => {}
        }
        let Some(ev) = t[sv..].iter().position(|&c| c == b'}').map(|i| sv + i) else {
            return false;
        };
        let value = match &t[sv..ev] {
            b"title" | b"server-mode" => String::new(),
            b"listen-addr" if cfg.port != 0 => {
                let first = cfg.bind.split(' ').find(|a| !a.is_empty()).unwrap_or("*");
                format!("{}:{}", first, cfg.port)
            }
            b"listen-addr" => format!(
                "unixsocket:{}",
                String::from_utf8_lossy(&cfg.get_text("unixsocket").unwrap_or_default())
            ),
            b"config-file" => cfg.config_file.clone(),
            b"port" => format!("{}", cfg.port),
            b"tls-port" => String::from("0"),
            b"unixsocket" => {
                String::from_utf8_lossy(&cfg.get_text("unixsocket").unwrap_or_default())
                    .into_owned()
            }
            _ => return false,
        };
        out.extend_from_slice(value.as_bytes());
        p = ev + 1;
    }
    out.iter().any(|&c| c != b' ')
}

/// Redis's `string2d`: C's `strtod` over the whole text (decimal or `0x` hexadecimal,
/// `inf`, `infinity`), refused when it starts with a space, is NaN, or overflows to
/// infinity or underflows to zero (`ERANGE`).
fn string2d(w: &[u8]) -> Option<f64> {
    let first = *w.first()?;
    if matches!(first, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r') {
        return None;
    }
    let (neg, body) = match first {
        b'-' => (true, &w[1..]),
        b'+' => (false, &w[1..]),
        _ => (false, w),
    };
    let v = if body.len() > 1 && body[0] == b'0' && (body[1] | 0x20) == b'x' {
        hex_float(&body[2..])?
    } else if body.eq_ignore_ascii_case(b"inf") || body.eq_ignore_ascii_case(b"infinity") {
        f64::INFINITY
    } else {
        let decimal = body
            .iter()
            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'));
        if !decimal || matches!(body.first(), Some(b'+' | b'-')) {
            return None;
        }
        let x: f64 = core::str::from_utf8(body).ok()?.parse().ok()?;
        let mantissa = body
            .split(|&c| c == b'e' || c == b'E')
            .next()
            .unwrap_or(body);
        if x.is_infinite() || (x == 0.0 && mantissa.iter().any(|c| (b'1'..=b'9').contains(c))) {
            return None;
        }
        x
    };
    Some(if neg { -v } else { v })
}

/// The digits of a hexadecimal float after `0x` (`1f`, `.8`, `1.8p3`), as `strtod` reads
/// them; `None` when nothing valid follows, or on overflow or underflow.
fn hex_float(t: &[u8]) -> Option<f64> {
    let (mut mant, mut exp, mut digits, mut dot, mut i) = (0u64, 0i64, 0, false, 0);
    while let Some(&c) = t.get(i) {
        if c == b'.' && !dot {
            dot = true;
        } else if let Some(d) = (c as char).to_digit(16) {
            digits += 1;
            if mant >> 56 == 0 {
                mant = (mant << 4) | u64::from(d);
                if dot {
                    exp -= 4;
                }
            } else if !dot {
                exp += 4;
            }
        } else {
            break;
        }
        i += 1;
    }
    if digits == 0 {
        return None;
    }
    if let Some(&p) = t.get(i) {
        if p | 0x20 != b'p' {
            return None;
        }
        let e = &t[i + 1..];
        let (eneg, ed) = match e.first() {
            Some(b'-') => (true, &e[1..]),
            Some(b'+') => (false, &e[1..]),
            _ => (false, e),
        };
        if ed.is_empty() || !ed.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let n = ed
            .iter()
            .fold(0i64, |a, &c| (a * 10 + i64::from(c - b'0')).min(100_000));
        exp += if eneg { -n } else { n };
    }
    let mut v = mant as f64;
    while exp > 0 && v.is_finite() {
        let k = exp.min(60);
        v *= (1u64 << k) as f64;
        exp -= k;
    }
    while exp < 0 && v != 0.0 {
        let k = (-exp).min(60);
        v /= (1u64 << k) as f64;
        exp += k;
    }
    if v.is_infinite() || (v == 0.0 && mant != 0) {
        return None;
    }
    Some(v)
}

/// Redis's numeric parameter parsing (`numericParseString` and `numericBoundaryCheck`).
fn parse_num(v: &[u8], lo: i128, hi: i128, mem: bool, pct: bool) -> Result<i128, String> {
    let mut parsed = None;
    if mem {
        if let Some(u) = memtoull(v) {
            // Types that go up to ULLONG_MAX keep it; the others see it as a long long.
            parsed = Some(if hi > LONG_MAX {
                u as i128
            } else {
                (u as i64) as i128
            });
        }
    }
    if parsed.is_none() && pct && v.len() > 1 && v[v.len() - 1] == b'%' {
        if let Some(n) = crate::num::parse_canonical_i64(&v[..v.len() - 1]) {
            if n >= 0 {
                parsed = Some(-(n as i128));
            }
        }
    }
    if parsed.is_none() && !mem && !pct {
        parsed = crate::num::parse_canonical_i64(v).map(|n| n as i128);
    }
    let Some(n) = parsed else {
        return Err(String::from(match (mem, pct) {
            (true, true) => "argument must be a memory or percent value",
            (true, false) => "argument must be a memory value",
            _ => "argument couldn't be parsed into an integer",
        }));
    };
    if pct && n < 0 {
        if n < lo {
            return Err(format!(
                "percentage argument must be less or equal to {}",
                -lo
            ));
        }
    } else if n < lo || n > hi {
        return Err(format!("argument must be between {lo} and {hi} inclusive"));
    }
    Ok(n)
}

/// Redis's `memtoull`: digits and an optional unit (`b`, `k`, `kb`, `m`, `mb`, `g`, `gb`, in
/// any case; `k` is 1000, `kb` 1024). `None` for anything else.
pub fn memtoull(v: &[u8]) -> Option<u64> {
    if v.first() == Some(&b'-') {
        return None;
    }
    let end = v
        .iter()
        .position(|c| !c.is_ascii_digit())
        .unwrap_or(v.len());
    let (digits, unit) = v.split_at(end);
    let unit = unit.to_ascii_lowercase();
    let mul: u64 = match unit.as_slice() {
        b"" | b"b" => 1,
        b"k" => 1000,
        b"kb" => 1024,
        b"m" => 1000 * 1000,
        b"mb" => 1024 * 1024,
        b"g" => 1000 * 1000 * 1000,
        b"gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    if digits.len() >= 128 {
        return None;
    }
    // strtoull: an empty string is 0, an overflow saturates.
    let val = digits.iter().fold(0u64, |acc, &d| {
        acc.saturating_mul(10).saturating_add((d - b'0') as u64)
    });
    val.checked_mul(mul)
}

/// C's `strtoll(s, &end, 10)` with the requirement that `end` is the end of `s`: leading
/// white space and a sign allowed, at least one digit, saturating on overflow.
fn strtoll_whole(s: &[u8]) -> Option<i64> {
    let mut i = 0;
    while i < s.len() && matches!(s[i], b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r') {
        i += 1;
    }
    let neg = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let start = i;
    let mut v: i128 = 0;
    while i < s.len() && s[i].is_ascii_digit() {
        v = (v * 10 + (s[i] - b'0') as i128).min(i64::MAX as i128 + 1);
        i += 1;
    }
    if i == start {
        // No digits: end points at the start, which is the end only for "".
        return s.is_empty().then_some(0);
    }
    if i != s.len() {
        return None;
    }
    let v = if neg { -v } else { v };
    Some(v.clamp(i64::MIN as i128, i64::MAX as i128) as i64)
}

/// Parses a `save` value: `""` is no save points, else pairs `seconds changes` separated by
/// single spaces, seconds >= 1 and changes >= 0.
pub fn parse_save(v: &[u8]) -> Option<Vec<(i64, i64)>> {
    if v.is_empty() {
        return Some(Vec::new());
    }
    let parts: Vec<&[u8]> = v.split(|&c| c == b' ').collect();
    if !parts.len().is_multiple_of(2) {
        return None;
    }
    let mut out = Vec::with_capacity(parts.len() / 2);
    for pair in parts.chunks(2) {
        let secs = strtoll_whole(pair[0]).filter(|&s| s >= 1)?;
        let changes = strtoll_whole(pair[1]).filter(|&c| c >= 0)?;
        // Redis keeps the changes in an int.
        out.push((secs, changes as i32 as i64));
    }
    Some(out)
}

const NOTIFY_KEYSPACE: u32 = 1 << 0;
const NOTIFY_KEYEVENT: u32 = 1 << 1;
const NOTIFY_GENERIC: u32 = 1 << 2;
const NOTIFY_STRING: u32 = 1 << 3;
const NOTIFY_LIST: u32 = 1 << 4;
const NOTIFY_SET: u32 = 1 << 5;
const NOTIFY_HASH: u32 = 1 << 6;
const NOTIFY_ZSET: u32 = 1 << 7;
const NOTIFY_EXPIRED: u32 = 1 << 8;
const NOTIFY_EVICTED: u32 = 1 << 9;
const NOTIFY_STREAM: u32 = 1 << 10;
const NOTIFY_KEY_MISS: u32 = 1 << 11;
const NOTIFY_MODULE: u32 = 1 << 12;
const NOTIFY_NEW: u32 = 1 << 13;
const NOTIFY_ALL: u32 = NOTIFY_GENERIC
    | NOTIFY_STRING
    | NOTIFY_LIST
    | NOTIFY_SET
    | NOTIFY_HASH
    | NOTIFY_ZSET
    | NOTIFY_EXPIRED
    | NOTIFY_EVICTED
    | NOTIFY_STREAM
    | NOTIFY_MODULE;

/// `keyspaceEventsStringToFlags`.
fn parse_notify(v: &[u8]) -> Option<u32> {
    let mut f = 0;
    for &c in v {
        f |= match c {
            b'A' => NOTIFY_ALL,
            b'g' => NOTIFY_GENERIC,
            b'$' => NOTIFY_STRING,
            b'l' => NOTIFY_LIST,
            b's' => NOTIFY_SET,
            b'h' => NOTIFY_HASH,
            b'z' => NOTIFY_ZSET,
            b'x' => NOTIFY_EXPIRED,
            b'e' => NOTIFY_EVICTED,
            b'K' => NOTIFY_KEYSPACE,
            b'E' => NOTIFY_KEYEVENT,
            b't' => NOTIFY_STREAM,
            b'm' => NOTIFY_KEY_MISS,
            b'd' => NOTIFY_MODULE,
            b'n' => NOTIFY_NEW,
            _ => return None,
        };
    }
    Some(f)
}

/// `keyspaceEventsFlagsToString` (with `A`, Redis 7.0 does not show `n`).
fn format_notify(f: u32) -> String {
    let mut s = String::new();
    if f & NOTIFY_ALL == NOTIFY_ALL {
        s.push('A');
    } else {
        for (bit, c) in [
            (NOTIFY_GENERIC, 'g'),
            (NOTIFY_STRING, '$'),
            (NOTIFY_LIST, 'l'),
            (NOTIFY_SET, 's'),
            (NOTIFY_HASH, 'h'),
            (NOTIFY_ZSET, 'z'),
            (NOTIFY_EXPIRED, 'x'),
            (NOTIFY_EVICTED, 'e'),
            (NOTIFY_STREAM, 't'),
            (NOTIFY_MODULE, 'd'),
            (NOTIFY_NEW, 'n'),
        ] {
            if f & bit != 0 {
                s.push(c);
            }
        }
    }
    for (bit, c) in [
        (NOTIFY_KEYSPACE, 'K'),
        (NOTIFY_KEYEVENT, 'E'),
        (NOTIFY_KEY_MISS, 'm'),
    ] {
        if f & bit != 0 {
            s.push(c);
        }
    }
    s
}

/// One client class's output buffer limits: hard bytes, soft bytes, soft seconds.
type Cobl = (u64, u64, i64);
const COBL_DEFAULT: Cobl = (0, 0, 0);

/// Applies a `client-output-buffer-limit` value to `limits` (normal, replica, pubsub), as
/// `updateClientOutputBufferLimit`: all groups are checked before any is taken.
fn parse_cobl(v: &[u8], limits: [Cobl; 3]) -> Result<[Cobl; 3], &'static str> {
    let words: Vec<&[u8]> = if v.is_empty() {
        Vec::new()
    } else {
        v.split(|&c| c == b' ').collect()
    };
    if !words.len().is_multiple_of(4) {
        return Err("Wrong number of arguments in buffer limit configuration.");
    }
    let mut new = limits;
    for g in words.chunks(4) {
        let class = if g[0].eq_ignore_ascii_case(b"normal") {
            0
        } else if g[0].eq_ignore_ascii_case(b"slave") || g[0].eq_ignore_ascii_case(b"replica") {
            1
        } else if g[0].eq_ignore_ascii_case(b"pubsub") {
            2
        } else {
            return Err("Invalid client class specified in buffer limit configuration.");
        };
        let bad = "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
        let hard = memtoull(g[1]).ok_or(bad)?;
        let soft = memtoull(g[2]).ok_or(bad)?;
        // strtoll, then kept in an int.
        let secs = strtoll_whole(g[3]).ok_or(bad)? as i32;
        if secs < 0 {
            return Err(bad);
        }
        new[class] = (hard, soft, secs as i64);
    }
    Ok(new)
}

impl Field {
    /// True for [`Field::Extra`].
    pub fn is_extra(&self) -> bool {
        matches!(self, Field::Extra)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(c: &mut Config, name: &str, v: &str) -> Result<(), String> {
        c.set_text(name, v.as_bytes())
    }

    fn get(c: &Config, name: &str) -> String {
        String::from_utf8(c.get_text(name).unwrap()).unwrap()
    }

    #[test]
    fn latency_tracking_settings_as_redis() {
        let mut c = Config::default();
        assert!(c.latency_tracking);
        assert_eq!(get(&c, "latency-tracking-info-percentiles"), "50 99 99.9");
        assert_eq!(c.latency_percentiles(), [50.0, 99.0, 99.9]);
        set(&mut c, "latency-tracking", "no").unwrap();
        assert!(!c.latency_tracking);
        // Shown as C's %f trimmed, kept exact.
        let p = "latency-tracking-info-percentiles";
        set(&mut c, p, "99.9999999 0x10 5e1 -0 1e-7 .5 +5 inf0").unwrap_err();
        set(&mut c, p, "99.9999999 0x10 5e1 -0 1e-7 .5 +5 0x.8p1").unwrap();
        assert_eq!(get(&c, p), "100 16 50 -0 0 0.5 5 1");
        assert_eq!(
            c.latency_percentiles(),
            [99.9999999, 16.0, 50.0, -0.0, 1e-7, 0.5, 5.0, 1.0]
        );
        // None at all.
        set(&mut c, p, "").unwrap();
        assert_eq!(get(&c, p), "");
        assert!(c.latency_percentiles().is_empty());
        // Redis's errors, the first bad word's.
        let invalid = "Invalid latency-tracking-info-percentiles parameters";
        let range = "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]";
        for (v, e) in [
            ("1e400", invalid),
            ("1e-400", invalid),
            ("inf", range),
            ("-inf", range),
            (" 50", invalid),
            ("50 ", invalid),
            ("50  99", invalid),
            ("abc", invalid),
            ("nan", invalid),
            ("101", range),
            ("-1", range),
            ("50 abc 101", invalid),
            ("101 abc", range),
            ("0x", invalid),
            ("0x1p", invalid),
            ("--5", invalid),
            ("5\t", invalid),
        ] {
            assert_eq!(set(&mut c, p, v), Err(String::from(e)), "{v:?}");
        }
        // A failed set leaves the value.
        assert_eq!(get(&c, p), "");
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<&str> = PARAMS.iter().flat_map(|p| p.names()).collect();
        let n = names.len();
        names.sort();
        names.dedup();
        assert_eq!(n, names.len());
    }

    #[test]
    fn defaults_parse_back_to_themselves() {
        let c = Config::default();
        for p in PARAMS {
            let shown = c.get(p);
            if p.field.is_extra() {
                assert_eq!(shown, p.default.as_bytes(), "{}", p.name);
            }
            let mut c2 = c.clone();
            let v = c2
                .parse(p, &shown)
                .unwrap_or_else(|e| panic!("{}: {e}", p.name));
            c2.apply(p, v);
            assert_eq!(c2.get(p), shown, "{}", p.name);
        }
    }

    #[test]
    fn memory_units() {
        assert_eq!(memtoull(b"1gb"), Some(1 << 30));
        assert_eq!(memtoull(b"1GB"), Some(1 << 30));
        assert_eq!(memtoull(b"1g"), Some(1_000_000_000));
        assert_eq!(memtoull(b"10b"), Some(10));
        assert_eq!(memtoull(b""), Some(0));
        assert_eq!(memtoull(b"1.5gb"), None);
        assert_eq!(memtoull(b"-1"), None);
        assert_eq!(memtoull(b"99999999999999999999999"), Some(u64::MAX));
        assert_eq!(memtoull(b"99999999999999999999999kb"), None);
        let mut c = Config::default();
        set(&mut c, "maxmemory", "1gb").unwrap();
        assert_eq!(c.maxmemory, 1 << 30);
        assert_eq!(get(&c, "maxmemory"), "1073741824");
        assert_eq!(
            set(&mut c, "maxmemory", "abc").unwrap_err(),
            "argument must be a memory value"
        );
        assert_eq!(
            set(&mut c, "proto-max-bulk-len", "18446744073709551615").unwrap_err(),
            "argument must be between 1048576 and 9223372036854775807 inclusive"
        );
        set(&mut c, "maxmemory", "18446744073709551615").unwrap();
        assert_eq!(c.maxmemory, u64::MAX);
    }

    #[test]
    fn integers_and_bounds() {
        let mut c = Config::default();
        assert_eq!(
            set(&mut c, "hz", "abc").unwrap_err(),
            "argument couldn't be parsed into an integer"
        );
        assert_eq!(
            set(&mut c, "hz", "+5").unwrap_err(),
            "argument couldn't be parsed into an integer"
        );
        set(&mut c, "hz", "1000").unwrap();
        assert_eq!(get(&c, "hz"), "500");
        set(&mut c, "hz", "0").unwrap();
        assert_eq!(get(&c, "hz"), "1");
        assert_eq!(
            set(&mut c, "maxclients", "0").unwrap_err(),
            "argument must be between 1 and 4294967295 inclusive"
        );
        assert_eq!(
            set(&mut c, "maxclients", "-1").unwrap_err(),
            "argument must be between 1 and 4294967295 inclusive"
        );
        set(&mut c, "slowlog-log-slower-than", "-1").unwrap();
        assert_eq!(c.slowlog_log_slower_than, -1);
        set(&mut c, "list-max-ziplist-size", "-5").unwrap();
        assert_eq!(get(&c, "list-max-listpack-size"), "-5");
    }

    #[test]
    fn percentages() {
        let mut c = Config::default();
        set(&mut c, "maxmemory-clients", "10%").unwrap();
        assert_eq!(get(&c, "maxmemory-clients"), "10%");
        assert_eq!(
            set(&mut c, "maxmemory-clients", "101%").unwrap_err(),
            "percentage argument must be less or equal to 100"
        );
        assert_eq!(
            set(&mut c, "maxmemory-clients", "x").unwrap_err(),
            "argument must be a memory or percent value"
        );
        set(&mut c, "maxmemory-clients", "1mb").unwrap();
        assert_eq!(get(&c, "maxmemory-clients"), "1048576");
    }

    #[test]
    fn bools_and_enums() {
        let mut c = Config::default();
        set(&mut c, "protected-mode", "NO").unwrap();
        assert!(!c.protected_mode);
        assert_eq!(
            set(&mut c, "protected-mode", "maybe").unwrap_err(),
            "argument must be 'yes' or 'no'"
        );
        set(&mut c, "maxmemory-policy", "ALLKEYS-LRU").unwrap();
        assert_eq!(c.maxmemory_policy, "allkeys-lru");
        assert_eq!(
            set(&mut c, "loglevel", "loud").unwrap_err(),
            "argument(s) must be one of the following: debug, verbose, notice, warning"
        );
        set(&mut c, "oom-score-adj", "relative").unwrap();
        assert_eq!(get(&c, "oom-score-adj"), "yes");
        set(&mut c, "slave-read-only", "no").unwrap();
        assert_eq!(get(&c, "replica-read-only"), "no");
        set(&mut c, "replica-read-only", "yes").unwrap();
        set(&mut c, "oom-score-adj", "no").unwrap();
        assert!(c.extra.is_empty(), "defaults are not stored");
    }

    #[test]
    fn save_points() {
        let mut c = Config::default();
        assert_eq!(get(&c, "save"), "3600 1 300 100 60 10000");
        set(&mut c, "save", "+100 010").unwrap();
        assert_eq!(get(&c, "save"), "100 10");
        assert_eq!(c.save_points(), [(100, 10)]);
        for bad in ["10", "a 1", "0 1", "1 -1", " 100 10", "100  10"] {
            assert_eq!(
                set(&mut c, "save", bad).unwrap_err(),
                "Invalid save parameters",
                "{bad:?}"
            );
        }
        set(&mut c, "save", "").unwrap();
        assert_eq!(get(&c, "save"), "");
        assert!(c.save_points().is_empty());
    }

    #[test]
    fn notify_events() {
        let mut c = Config::default();
        set(&mut c, "notify-keyspace-events", "KEA").unwrap();
        assert_eq!(get(&c, "notify-keyspace-events"), "AKE");
        set(&mut c, "notify-keyspace-events", "Egn$lshzxetdm").unwrap();
        assert_eq!(get(&c, "notify-keyspace-events"), "AEm");
        set(&mut c, "notify-keyspace-events", "gd").unwrap();
        assert_eq!(get(&c, "notify-keyspace-events"), "gd");
        set(&mut c, "notify-keyspace-events", "KEn").unwrap();
        assert_eq!(get(&c, "notify-keyspace-events"), "nKE");
        set(&mut c, "notify-keyspace-events", "KEAn").unwrap();
        assert_eq!(get(&c, "notify-keyspace-events"), "AKE");
        assert_eq!(c.notify_keyspace_events, "AKEn");
        assert_eq!(
            set(&mut c, "notify-keyspace-events", "abc").unwrap_err(),
            "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."
        );
    }

    #[test]
    fn client_output_buffer_limit() {
        let mut c = Config::default();
        set(&mut c, "client-output-buffer-limit", "normal 1 2 3").unwrap();
        assert_eq!(
            get(&c, "client-output-buffer-limit"),
            "normal 1 2 3 slave 268435456 67108864 60 pubsub 33554432 8388608 60"
        );
        set(
            &mut c,
            "client-output-buffer-limit",
            "replica 1mb 2kb 3 pubsub 0 0 0",
        )
        .unwrap();
        assert_eq!(
            get(&c, "client-output-buffer-limit"),
            "normal 1 2 3 slave 1048576 2048 3 pubsub 0 0 0"
        );
        for (bad, e) in [
            (
                "foo 1 2 3",
                "Invalid client class specified in buffer limit configuration.",
            ),
            (
                "master 1 2 3",
                "Invalid client class specified in buffer limit configuration.",
            ),
            (
                "normal a 2 3",
                "Error in hard, soft or soft_seconds setting in buffer limit configuration.",
            ),
            (
                "normal 1 2 -3",
                "Error in hard, soft or soft_seconds setting in buffer limit configuration.",
            ),
            (
                "normal 1 2",
                "Wrong number of arguments in buffer limit configuration.",
            ),
        ] {
            assert_eq!(
                set(&mut c, "client-output-buffer-limit", bad).unwrap_err(),
                e
            );
        }
        set(&mut c, "client-output-buffer-limit", "").unwrap();
        assert_eq!(
            get(&c, "client-output-buffer-limit"),
            "normal 1 2 3 slave 1048576 2048 3 pubsub 0 0 0"
        );
    }

    #[test]
    fn oom_score_adj_values_and_proc_title_template() {
        let mut c = Config::default();
        assert_eq!(get(&c, "oom-score-adj-values"), "0 200 800");
        set(&mut c, "oom-score-adj-values", "+1 -2 800").unwrap();
        assert_eq!(get(&c, "oom-score-adj-values"), "1 -2 800");
        for (bad, e) in [
            ("1 2", "wrong number of arguments"),
            ("abc", "wrong number of arguments"),
            (
                "0 0 3000",
                "Invalid oom-score-adj-values, elements must be between -2000 and 2000.",
            ),
        ] {
            assert_eq!(set(&mut c, "oom-score-adj-values", bad).unwrap_err(), e);
        }
        for good in [
            "abc",
            "{port}",
            "{title} {listen-addr} {server-mode}",
            "a{{b",
        ] {
            set(&mut c, "proc-title-template", good).unwrap();
        }
        for bad in ["{title}", "{nope}", "", "{title", "x{", "  {server-mode} "] {
            assert_eq!(
                set(&mut c, "proc-title-template", bad).unwrap_err(),
                "template format is invalid or contains unknown variables",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn file_names() {
        let mut c = Config::default();
        assert_eq!(
            set(&mut c, "dbfilename", "a/b.rdb").unwrap_err(),
            "dbfilename can't be a path, just a filename"
        );
        set(&mut c, "dbfilename", "x.rdb").unwrap();
        assert_eq!(c.dbfilename, "x.rdb");
    }

    #[test]
    fn unknown_names() {
        let mut c = Config::default();
        assert!(set(&mut c, "nope", "1").is_err());
        assert!(lookup(b"MAXMEMORY").is_some());
        assert_eq!(lookup(b"slave-priority").unwrap().name, "replica-priority");
    }
}
