//! Server settings, as CONFIG GET/SET and the command line name them.

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
    /// `lazyfree-lazy-user-del` and friends are accepted and reported.
    pub lazyfree_lazy_user_del: bool,
    /// `notify-keyspace-events` (stored; notifications arrive with pub/sub)
    pub notify_keyspace_events: String,
    /// Shard threads (`--threads`; Anax's own setting).
    pub threads: usize,
    /// Path of the config file in use, if any.
    pub config_file: String,
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
            lazyfree_lazy_user_del: false,
            notify_keyspace_events: String::new(),
            threads: 1,
            config_file: String::new(),
        }
    }
}
