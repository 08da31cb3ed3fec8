//! The command line, in Redis's words (`--port`, `--bind`, `--requirepass`, ...), and the
//! [`Config`] it gives.

use anax_core::Config;
use clap::{CommandFactory, Parser};
use std::ffi::OsString;

/// Redis's lower bound for `proto-max-bulk-len` and `client-query-buffer-limit`.
const MIN_BUFFER_LIMIT: u64 = 1024 * 1024;

/// Redis's `CONFIG_MIN_HZ` and `CONFIG_MAX_HZ`.
const HZ_RANGE: (u32, u32) = (1, 500);

/// Anax: a Redis 7.0-compatible in-memory store.
#[derive(Parser, Debug, Clone)]
#[command(name = "anax", version, about)]
pub struct Cli {
    /// TCP port to listen on (0: none).
    #[arg(long, default_value_t = 6379)]
    pub port: u16,

    /// Addresses to listen on, space-separated (`--bind "127.0.0.1 ::1"` or
    /// `--bind 127.0.0.1 ::1`); `*` is every IPv4 address, `::*` every IPv6 one, and a
    /// leading `-` marks an address that may be missing (`--bind "127.0.0.1 -::1"`).
    #[arg(long, num_args = 1.., value_delimiter = ' ', default_value = "127.0.0.1")]
    pub bind: Vec<String>,

    /// Shard threads (default: the number of cores the process may run on).
    #[arg(long)]
    pub threads: Option<usize>,

    /// Password that clients must give with AUTH (empty: none).
    #[arg(long, default_value = "")]
    pub requirepass: String,

    /// Working directory, where snapshots are written.
    #[arg(long, default_value = ".")]
    pub dir: String,

    /// Snapshot file name.
    #[arg(long, default_value = "dump.rdb")]
    pub dbfilename: String,

    /// Most connections at once.
    #[arg(long, default_value_t = 10000, value_parser = clap::value_parser!(u64).range(1..))]
    pub maxclients: u64,

    /// Background work (active expiry) runs this many times a second (1..500).
    #[arg(long, default_value_t = 10)]
    pub hz: u32,

    /// Longest bulk string a client may send (`512mb`, `1gb`, bytes).
    #[arg(long, default_value = "512mb", value_parser = parse_buffer_limit)]
    pub proto_max_bulk_len: u64,

    /// Most unparsed bytes a client may have pending before it is disconnected.
    #[arg(long, default_value = "1gb", value_parser = parse_buffer_limit)]
    pub client_query_buffer_limit: u64,

    /// Do not pin shard threads to cores.
    #[arg(long)]
    pub no_pin: bool,

    /// Snapshot save points (`"3600 1 300 100"`; `""`: none).
    #[arg(long, default_value = "3600 1 300 100 60 10000")]
    pub save: String,

    /// Append-only file; only `no` is supported.
    #[arg(long, default_value = "no", value_parser = ["no"])]
    pub appendonly: String,

    /// Number of logical databases.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub databases: u64,

    /// Log verbosity: debug, verbose, notice or warning.
    #[arg(long, default_value = "notice", value_parser = ["debug", "verbose", "notice", "warning"])]
    pub loglevel: String,
}

impl Cli {
    /// The settings the engine gets (`threads` is set once the number of threads is known).
    pub fn to_config(&self) -> Config {
        let bind: Vec<&str> = self
            .bind
            .iter()
            .map(|s| s.as_str())
            .filter(|s| !s.is_empty())
            .collect();
        Config {
            port: self.port,
            bind: bind.join(" "),
            requirepass: self.requirepass.as_bytes().to_vec(),
            maxclients: self.maxclients,
            dir: self.dir.clone(),
            dbfilename: self.dbfilename.clone(),
            databases: self.databases as usize,
            proto_max_bulk_len: self.proto_max_bulk_len,
            client_query_buffer_limit: self.client_query_buffer_limit,
            hz: self.hz.clamp(HZ_RANGE.0, HZ_RANGE.1),
            save: self.save.clone(),
            appendonly: false,
            loglevel: self.loglevel.clone(),
            threads: 1,
            ..Config::default()
        }
    }

    /// The addresses to bind, in order, each with whether it may be missing (`-addr`).
    pub fn bind_addresses(&self) -> Vec<(String, bool)> {
        self.bind
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| match s.strip_prefix('-') {
                Some(rest) => (rest.to_string(), true),
                None => (s.clone(), false),
            })
            .collect()
    }
}

/// Splits the command line into what clap parses (the flags above) and any other
/// `--name value...` naming a CONFIG parameter (`--maxmemory 1gb`,
/// `--enable-debug-command yes`), which Redis accepts on its command line too; as in
/// Redis, a parameter's value is every following argument up to the next `--`, joined by
/// spaces. Unknown names are left for clap to refuse.
pub fn split_config_args(args: Vec<OsString>) -> (Vec<OsString>, Vec<(String, String)>) {
    let cmd = Cli::command();
    let known: Vec<&str> = cmd
        .get_arguments()
        .filter_map(|a| a.get_long())
        .chain(["help", "version"])
        .collect();
    let mut rest = Vec::with_capacity(args.len());
    let mut params = Vec::new();
    let mut it = args.into_iter().peekable();
    if let Some(program) = it.next() {
        rest.push(program);
    }
    while let Some(arg) = it.next() {
        let name = arg
            .to_str()
            .and_then(|s| s.strip_prefix("--"))
            .filter(|n| !n.is_empty() && !n.contains('='))
            .map(str::to_string);
        let Some(name) = name.filter(|n| {
            !known.contains(&n.as_str()) && anax_core::config::lookup(n.as_bytes()).is_some()
        }) else {
            rest.push(arg);
            continue;
        };
        let mut values = Vec::new();
        while let Some(v) = it.peek() {
            if v.to_str().is_some_and(|v| v.starts_with("--")) {
                break;
            }
            values.push(it.next().unwrap_or_default().to_string_lossy().into_owned());
        }
        params.push((name, values.join(" ")));
    }
    (rest, params)
}

/// Redis's `memtoull`: `123`, `1k` (1000), `1kb` (1024), `1m`, `1mb`, `1g`, `1gb`, in any case.
pub fn parse_memory(s: &str) -> Result<u64, String> {
    let lower = s.trim().to_ascii_lowercase();
    let split = lower
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(lower.len());
    let (digits, unit) = lower.split_at(split);
    let mul: u64 = match unit {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1000 * 1000,
        "mb" => 1024 * 1024,
        "g" => 1000 * 1000 * 1000,
        "gb" => 1024 * 1024 * 1024,
        _ => return Err(format!("argument must be a memory value, not '{s}'")),
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mul))
        .ok_or_else(|| format!("argument must be a memory value, not '{s}'"))
}

fn parse_buffer_limit(s: &str) -> Result<u64, String> {
    let n = parse_memory(s)?;
    if n < MIN_BUFFER_LIMIT || n > i64::MAX as u64 {
        return Err(format!(
            "argument must be between {MIN_BUFFER_LIMIT} and {} inclusive",
            i64::MAX
        ));
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_units_as_redis() {
        assert_eq!(parse_memory("100"), Ok(100));
        assert_eq!(parse_memory("1k"), Ok(1000));
        assert_eq!(parse_memory("1KB"), Ok(1024));
        assert_eq!(parse_memory("512mb"), Ok(512 * 1024 * 1024));
        assert_eq!(parse_memory("2g"), Ok(2_000_000_000));
        assert!(parse_memory("1x").is_err());
        assert!(parse_memory("").is_err());
        assert!(parse_buffer_limit("1000").is_err());
    }

    #[test]
    fn other_config_parameters_pass_through() {
        let args = [
            "anax",
            "--port",
            "7000",
            "--maxmemory",
            "1gb",
            "--save",
            "",
            "--notify-keyspace-events",
            "K",
            "E",
            "--no-pin",
        ];
        let (rest, params) = split_config_args(args.iter().map(OsString::from).collect());
        assert_eq!(rest, ["anax", "--port", "7000", "--save", "", "--no-pin"]);
        assert_eq!(
            params,
            vec![
                ("maxmemory".to_string(), "1gb".to_string()),
                ("notify-keyspace-events".to_string(), "K E".to_string())
            ]
        );
        let (rest, params) = split_config_args(
            ["anax", "--nonsense", "1"]
                .iter()
                .map(OsString::from)
                .collect(),
        );
        assert_eq!(rest.len(), 3);
        assert!(params.is_empty());
    }

    #[test]
    fn flags_fill_the_config() {
        let cli = Cli::try_parse_from([
            "anax",
            "--port",
            "7000",
            "--bind",
            "127.0.0.1 -::1",
            "--requirepass",
            "pw",
            "--hz",
            "1000",
            "--client-query-buffer-limit",
            "2mb",
            "--threads",
            "4",
            "--save",
            "",
        ])
        .unwrap();
        let c = cli.to_config();
        assert_eq!(c.port, 7000);
        assert_eq!(c.bind, "127.0.0.1 -::1");
        assert_eq!(c.requirepass, b"pw");
        assert_eq!(c.hz, 500);
        assert_eq!(c.client_query_buffer_limit, 2 * 1024 * 1024);
        assert_eq!(c.threads, 1);
        assert_eq!(c.save, "");
        assert_eq!(
            cli.bind_addresses(),
            vec![("127.0.0.1".to_string(), false), ("::1".to_string(), true)]
        );
        let cli = Cli::try_parse_from(["anax", "--bind", "127.0.0.1 ::1"]).unwrap();
        assert_eq!(cli.bind_addresses().len(), 2);
        assert!(Cli::try_parse_from(["anax", "--appendonly", "yes"]).is_err());
    }
}
