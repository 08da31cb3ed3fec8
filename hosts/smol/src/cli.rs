//! The command line and the configuration file, read as Redis reads them, and the
//! [`Config`] they give.
//!
//! `anax [/path/to/anax.conf] [--name value ...]`, as `redis-server`: a first argument that
//! does not start with `-` is a configuration file in redis.conf syntax (`-`, first or
//! last, reads one from the standard input); every `--name value...` after it is one more
//! configuration line, read after the file's, so flags override the file. Any parameter
//! CONFIG knows may be given either way (`--maxmemory 1gb`, `maxmemory 1gb`), Anax's
//! `threads` included. `--no-pin` is Anax's own flag, not a configuration line. The
//! syntax, and what is refused, is [`anax_core::config_file`]'s.

use anax_core::config_file::{self, LoadError, Loaded};
use anax_core::Config;
use clap::{CommandFactory, Parser};
use std::ffi::OsString;
use std::io::Read as _;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

/// Anax: a Redis 7.0-compatible in-memory store.
///
/// Reads a configuration file in redis.conf syntax when given one, then the flags, each a
/// configuration line (`--port 7000` is `port 7000`), so flags override the file. Any
/// redis.conf directive Anax knows may be a flag.
#[derive(Parser, Debug, Clone)]
#[command(name = "anax", version, about)]
pub struct Cli {
    /// Configuration file in redis.conf syntax, read before the flags (`-`: the standard
    /// input).
    pub config_file: Option<PathBuf>,

    /// TCP port to listen on (0: none). Default 6379.
    #[arg(long)]
    pub port: Option<String>,

    /// Addresses to listen on (`--bind 127.0.0.1 ::1` or `--bind "127.0.0.1 ::1"`); `*` is
    /// every IPv4 address, `::*` every IPv6 one, and a leading `-` marks an address that
    /// may be missing. Default 127.0.0.1.
    #[arg(long, num_args = 1..)]
    pub bind: Option<Vec<String>>,

    /// Shard threads (default: the number of cores the process may run on).
    #[arg(long)]
    pub threads: Option<String>,

    /// Password that clients must give with AUTH (empty: none).
    #[arg(long)]
    pub requirepass: Option<String>,

    /// Working directory, where snapshots are written. Default: the current one.
    #[arg(long)]
    pub dir: Option<String>,

    /// Snapshot file name. Default dump.rdb.
    #[arg(long)]
    pub dbfilename: Option<String>,

    /// Most connections at once. Default 10000.
    #[arg(long)]
    pub maxclients: Option<String>,

    /// Background work (active expiry) runs this many times a second (1..500). Default 10.
    #[arg(long)]
    pub hz: Option<String>,

    /// Longest bulk string a client may send (`512mb`, `1gb`, bytes). Default 512mb.
    #[arg(long)]
    pub proto_max_bulk_len: Option<String>,

    /// Most unparsed bytes a client may have pending before it is disconnected. Default
    /// 1gb.
    #[arg(long)]
    pub client_query_buffer_limit: Option<String>,

    /// Snapshot save points (`"3600 1 300 100"`; `""`: none).
    #[arg(long)]
    pub save: Option<String>,

    /// Append-only file; only `no` is supported.
    #[arg(long)]
    pub appendonly: Option<String>,

    /// Number of logical databases. Default 16.
    #[arg(long)]
    pub databases: Option<String>,

    /// Log verbosity: debug, verbose, notice or warning. Default notice.
    #[arg(long)]
    pub loglevel: Option<String>,

    /// Do not pin shard threads to cores.
    #[arg(long)]
    pub no_pin: bool,
}

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Invocation {
    /// Print this (`--help`, `-h`) and exit.
    Help(String),
    /// Print this (`--version`, `-v`, `-V`) and exit.
    Version(String),
    /// Start the server.
    Run(CommandLine),
}

/// The command line of a server to start.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CommandLine {
    /// The configuration file, as given.
    pub config_file: Option<PathBuf>,
    /// `-`: a configuration is read from the standard input (after the file).
    pub from_stdin: bool,
    /// The configuration lines the flags make ([`config_file::command_line_options`]).
    pub options: Vec<u8>,
    /// `--no-pin`.
    pub no_pin: bool,
    /// No argument at all (Redis then warns that it uses the default configuration).
    pub no_args: bool,
}

/// Reads the command line (`args[0]` is the program) as Redis's `main` does.
pub fn parse(args: Vec<OsString>) -> Invocation {
    let args: Vec<Vec<u8>> = args.into_iter().skip(1).map(OsString::into_vec).collect();
    let mut cmd = CommandLine {
        no_args: args.is_empty(),
        ..CommandLine::default()
    };
    if let Some(first) = args.first() {
        match first.as_slice() {
            b"--help" | b"-h" => {
                return Invocation::Help(Cli::command().render_long_help().to_string())
            }
            b"--version" | b"-v" | b"-V" => {
                return Invocation::Version(Cli::command().render_version().to_string())
            }
            _ => {}
        }
    }
    let mut rest = args.as_slice();
    if let Some(first) = rest.first() {
        if first.first() != Some(&b'-') {
            cmd.config_file = Some(PathBuf::from(OsString::from_vec(first.clone())));
            rest = &rest[1..];
        }
    }
    // `-` first or last: the standard input. `--no-pin` where an option name may be: Anax's.
    let mut kept: Vec<&[u8]> = Vec::with_capacity(rest.len());
    let mut awaiting_value = false;
    for (j, a) in rest.iter().enumerate() {
        let a = a.as_slice();
        let first_or_last = (j == 0 && cmd.config_file.is_none()) || j + 1 == rest.len();
        if a == b"-" && first_or_last {
            cmd.from_stdin = true;
            continue;
        }
        let is_name = a.starts_with(b"--") && !awaiting_value;
        if is_name && a == b"--no-pin" {
            cmd.no_pin = true;
            continue;
        }
        // `--save` before another option is `save ""` (Redis's special case).
        let next_is_option = rest.get(j + 1).is_some_and(|n| n.starts_with(b"--"));
        awaiting_value = is_name
            && config_file::split_args(a).is_some_and(|w| w.len() == 1)
            && !(a.eq_ignore_ascii_case(b"--save") && next_is_option);
        kept.push(a);
    }
    cmd.options = config_file::command_line_options(&kept);
    Invocation::Run(cmd)
}

/// Why the configuration cannot be used: what to print before exiting with code 1.
#[derive(Debug)]
pub enum ConfigError {
    /// Redis's FATAL CONFIG FILE ERROR block, for the standard error.
    Fatal(String),
    /// A log line (at warning level), as Redis logs a file it cannot open.
    Log(String),
}

/// The settings of a server started with `cmd`: defaults, then the file (and the standard
/// input), then the flags; `config_file` is the file's absolute path. Also what was set
/// ([`Loaded`]).
pub fn load_config(cmd: &CommandLine) -> Result<(Config, Loaded), ConfigError> {
    let mut text = Vec::new();
    let mut config = Config::default();
    if let Some(path) = &cmd.config_file {
        text = std::fs::read(path).map_err(|e| {
            ConfigError::Log(format!(
                "Fatal error, can't open config file '{}': {}",
                path.display(),
                strerror(&e)
            ))
        })?;
        config.config_file = absolute(path).display().to_string();
    }
    if cmd.from_stdin {
        crate::warning!("Reading config from stdin");
        let _ = std::io::stdin().read_to_end(&mut text);
    }
    text.push(b'\n');
    text.extend_from_slice(&cmd.options);
    let mut include = |path: &[u8]| read_include(path);
    let loaded = config_file::load(&mut config, &text, &mut include).map_err(|e| match e {
        LoadError::Open(m) => ConfigError::Log(m),
        e => ConfigError::Fatal(e.report()),
    })?;
    Ok((config, loaded))
}

/// The text of an `include`d file, or of every file a pattern (`*`, `?`, `[` in its last
/// component) matches, in name order, none being no error (Redis's `loadServerConfig`).
fn read_include(path: &[u8]) -> Result<Vec<u8>, String> {
    let cant = |p: &Path, e: &std::io::Error| {
        format!(
            "Fatal error, can't open config file '{}': {}",
            p.display(),
            strerror(e)
        )
    };
    let path = Path::new(std::ffi::OsStr::from_bytes(path));
    let wild = |b: &[u8]| b.iter().any(|c| matches!(c, b'*' | b'?' | b'['));
    if !wild(path.as_os_str().as_bytes()) {
        return std::fs::read(path).map_err(|e| cant(path, &e));
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let pattern = path.file_name().map(|n| n.as_bytes()).unwrap_or_default();
    if wild(dir.as_os_str().as_bytes()) {
        // Patterns only in the file name are supported: nothing matches this one.
        return Ok(Vec::new());
    }
    let mut names: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .flatten()
            .map(|e| e.file_name())
            .filter(|n| {
                // As glob(3): a leading dot is matched only by a leading dot.
                let n = n.as_bytes();
                (n.first() != Some(&b'.') || pattern.first() == Some(&b'.'))
                    && anax_core::glob::glob_match(pattern, n, false)
            })
            .map(|n| {
                if path.parent().is_some_and(|d| !d.as_os_str().is_empty()) {
                    dir.join(n)
                } else {
                    PathBuf::from(n)
                }
            })
            .collect(),
        Err(_) => return Ok(Vec::new()),
    };
    names.sort();
    let mut text = Vec::new();
    for n in names {
        text.extend_from_slice(&std::fs::read(&n).map_err(|e| cant(&n, &e))?);
    }
    Ok(text)
}

/// C's `strerror` text of an I/O error (Rust's adds ` (os error N)`).
pub fn strerror(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.rfind(" (os error ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// `path` made absolute against the working directory (Redis's `getAbsolutePath`).
pub fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The addresses of a `bind` value, in order, each with whether it may be missing
/// (`-addr`).
pub fn bind_addresses(bind: &str) -> Vec<(String, bool)> {
    bind.split(' ')
        .filter(|s| !s.is_empty())
        .map(|s| match s.strip_prefix('-') {
            Some(rest) => (rest.to_string(), true),
            None => (s.to_string(), false),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> CommandLine {
        let args = std::iter::once("anax")
            .chain(args.iter().copied())
            .map(OsString::from)
            .collect();
        match parse(args) {
            Invocation::Run(c) => c,
            other => panic!("{other:?}"),
        }
    }

    fn options(c: &CommandLine) -> String {
        String::from_utf8_lossy(&c.options).into_owned()
    }

    #[test]
    fn a_config_file_then_flags() {
        let c = run(&["/etc/anax.conf", "--port", "7000", "--no-pin", "--save", ""]);
        assert_eq!(c.config_file, Some(PathBuf::from("/etc/anax.conf")));
        assert!(c.no_pin && !c.from_stdin && !c.no_args);
        assert_eq!(options(&c), "port \"7000\" \nsave \"\" ");
        let c = run(&["--maxmemory", "1gb", "--notify-keyspace-events", "K", "E"]);
        assert_eq!(c.config_file, None);
        assert_eq!(
            options(&c),
            "maxmemory \"1gb\" \nnotify-keyspace-events \"K\" \"E\" "
        );
        let c = run(&["--save", "--no-pin"]);
        assert_eq!(options(&c), "save \"\"");
        assert!(c.no_pin);
        assert!(run(&[]).no_args);
        assert!(run(&["-"]).from_stdin);
        assert!(run(&["x.conf", "--port", "1", "-"]).from_stdin);
        // A value that looks like a flag is the value.
        let c = run(&["--requirepass", "--no-pin"]);
        assert!(!c.no_pin);
        assert_eq!(options(&c), "requirepass \"--no-pin\" ");
    }

    #[test]
    fn help_and_version() {
        let p = |a: &str| parse(vec![OsString::from("anax"), OsString::from(a)]);
        let Invocation::Help(h) = p("--help") else {
            panic!()
        };
        assert!(h.contains("--port") && h.contains("--no-pin"));
        assert!(matches!(p("-v"), Invocation::Version(v) if v.starts_with("anax ")));
    }

    #[test]
    fn flags_fill_the_config() {
        let c = run(&[
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
        ]);
        let (config, loaded) = load_config(&c).unwrap();
        assert_eq!(config.port, 7000);
        assert_eq!(config.bind, "127.0.0.1 -::1");
        assert_eq!(config.requirepass, b"pw");
        assert_eq!(config.hz, 500);
        assert_eq!(config.client_query_buffer_limit, 2 * 1024 * 1024);
        assert_eq!(config.threads, 4);
        assert!(loaded.set.contains("threads"));
        assert_eq!(config.save, "");
        assert_eq!(config.config_file, "");
        assert_eq!(
            bind_addresses(&config.bind),
            vec![("127.0.0.1".to_string(), false), ("::1".to_string(), true)]
        );
        let bad = |a: &[&str]| match load_config(&run(a)) {
            Err(ConfigError::Fatal(m)) => m,
            other => panic!("{other:?}"),
        };
        let m = bad(&["--appendonly", "yes"]);
        assert!(m.contains("append-only"), "{m}");
        let m = bad(&["--port", "1", "--nonsense", "1"]);
        assert!(
            m.contains("at line 3\n>>> 'nonsense \"1\"'\nBad directive"),
            "{m}"
        );
    }

    #[test]
    fn files_and_includes() {
        let dir = std::env::temp_dir().join(format!("anax-cli-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("conf.d")).unwrap();
        std::fs::write(dir.join("conf.d/b.conf"), "maxmemory 2mb\n").unwrap();
        std::fs::write(dir.join("conf.d/a.conf"), "maxmemory 1mb\nhz 20\n").unwrap();
        std::fs::write(dir.join("conf.d/.hidden.conf"), "nonsense\n").unwrap();
        let main = dir.join("anax.conf");
        std::fs::write(
            &main,
            format!(
                "port 7000\ninclude {}/conf.d/*.conf\ninclude {}/none/*.conf\n",
                dir.display(),
                dir.display()
            ),
        )
        .unwrap();
        let c = run(&[main.to_str().unwrap(), "--port", "7001"]);
        let (config, _) = load_config(&c).unwrap();
        assert_eq!(
            (config.port, config.hz, config.maxmemory),
            (7001, 20, 2 << 20)
        );
        assert_eq!(config.config_file, main.display().to_string());
        std::fs::write(&main, "include /nonexistent/x.conf\n").unwrap();
        match load_config(&c) {
            Err(ConfigError::Log(m)) => assert_eq!(
                m,
                "Fatal error, can't open config file '/nonexistent/x.conf': No such file or \
                 directory"
            ),
            other => panic!("{other:?}"),
        }
        let missing = run(&["/nonexistent/anax.conf"]);
        assert!(matches!(load_config(&missing), Err(ConfigError::Log(_))));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
