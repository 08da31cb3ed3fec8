//! The save and load speed run (`--only rdbspeed`): what it loads, and the pure parts of
//! the measurement (reading the servers' logs, MB/s, `redis-check-rdb`'s verdict).
//!
//! For each dataset and server, `run.rs` starts a fresh server (`--loglevel notice`, its
//! own `--dir`), loads the dataset, times `SAVE` from the client (until its reply), takes
//! the size of `<dir>/dump.rdb`, stops the server, runs the file through `redis-check-rdb`,
//! starts a fresh server of the same kind on the same dir and file, reads the load time
//! from its log line `DB loaded from disk: N seconds` (both servers write it at notice
//! level; when it is missing, the wall time from spawning the process to its first PONG),
//! and checks that it holds what was saved (DBSIZE, and the collections' sizes).

use super::client::Client;
use super::server::Kind;
use super::typemem::{self, TypeCase};
use std::path::Path;
use std::process::Command;

/// The RDB file name both servers use by default.
pub const DBFILENAME: &str = "dump.rdb";

/// The collections of the [`RdbData::Types`] dataset.
pub const TYPE_CASES: [TypeCase; 4] = [
    TypeCase::Hash,
    TypeCase::Set,
    TypeCase::Zset,
    TypeCase::List,
];

/// What the run saves and loads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RdbData {
    /// `--keys` string keys `key:%012d` with `--value-size` values (the memory run's data).
    Strings,
    /// A hash, a set, a sorted set and a list of `--keys / 4` elements each (as in the
    /// per-type memory run).
    Types,
}

impl RdbData {
    /// Every dataset, in the order the run measures them.
    pub const ALL: [RdbData; 2] = [RdbData::Strings, RdbData::Types];

    /// The name in JSON.
    pub fn id(&self) -> &'static str {
        match self {
            RdbData::Strings => "strings",
            RdbData::Types => "types",
        }
    }

    /// Elements per collection of [`RdbData::Types`] for `--keys` = `keys`.
    pub fn elements(keys: u64) -> u64 {
        (keys / TYPE_CASES.len() as u64).max(1)
    }

    /// Keys the server holds once the dataset is loaded.
    pub fn dbsize(&self, keys: u64) -> u64 {
        match self {
            RdbData::Strings => keys,
            RdbData::Types => TYPE_CASES.len() as u64,
        }
    }

    /// The table's description of the dataset for `--keys` = `keys`.
    pub fn describe(&self, keys: u64, value_size: usize) -> String {
        let count = super::stats::fmt_count;
        match self {
            RdbData::Strings => format!("{} strings, {value_size}-byte values", count(keys as f64)),
            RdbData::Types => format!(
                "hash, set, sorted set, list of {} elements each",
                count(Self::elements(keys) as f64)
            ),
        }
    }

    /// Loads the dataset into an empty server and checks it; returns the keys it holds.
    pub fn load(&self, c: &mut Client, keys: u64, value_size: usize) -> Result<u64, String> {
        match self {
            RdbData::Strings => {
                c.load_keys(keys, value_size, 1000)
                    .map_err(|e| format!("loading {keys} keys: {e}"))?;
            }
            RdbData::Types => {
                let n = Self::elements(keys);
                for (i, case) in TYPE_CASES.into_iter().enumerate() {
                    typemem::load_into(c, case, n, i as u64)
                        .map_err(|e| format!("loading the {}: {e}", case.id()))?;
                }
            }
        }
        self.check(c, keys)
    }

    /// Checks that the server holds the whole dataset (DBSIZE, and each collection's
    /// size); returns DBSIZE.
    pub fn check(&self, c: &mut Client, keys: u64) -> Result<u64, String> {
        let want = self.dbsize(keys);
        let got = typemem::dbsize(c)?;
        if got != want {
            return Err(format!("DBSIZE is {got}, expected {want}"));
        }
        if *self == RdbData::Types {
            let n = Self::elements(keys);
            for case in TYPE_CASES {
                let len = typemem::size(c, case)?;
                if len != n {
                    return Err(format!(
                        "the {} has {len} elements, expected {n}",
                        case.id()
                    ));
                }
            }
        }
        Ok(got)
    }
}

/// Where a load time comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadSource {
    /// The server's log line `DB loaded from disk: N seconds`.
    Log,
    /// Wall time from spawning the server to its first PONG (no log line).
    Ping,
}

impl LoadSource {
    /// `log` or `ping`.
    pub fn id(&self) -> &'static str {
        match self {
            LoadSource::Log => "log",
            LoadSource::Ping => "ping",
        }
    }
}

/// One save and load of one dataset by one server.
#[derive(Clone, Debug)]
pub struct RdbSpeed {
    /// Keys saved and loaded (DBSIZE, checked after the load).
    pub keys: u64,
    /// Size of the RDB file, bytes.
    pub bytes: u64,
    /// Seconds from sending SAVE to its reply.
    pub save_secs: f64,
    /// Load time, seconds (see `source`).
    pub load_secs: f64,
    /// Where `load_secs` comes from.
    pub source: LoadSource,
    /// Seconds from spawning the loading server to its first PONG.
    pub ready_secs: f64,
    /// `redis-check-rdb`'s verdict on the file.
    pub check: Result<(), String>,
}

impl RdbSpeed {
    /// Save speed, MB/s (10^6 bytes).
    pub fn save_mb_s(&self) -> Option<f64> {
        mb_per_sec(self.bytes, self.save_secs)
    }

    /// Load speed, MB/s (10^6 bytes).
    pub fn load_mb_s(&self) -> Option<f64> {
        mb_per_sec(self.bytes, self.load_secs)
    }
}

/// One row of the run: a dataset, a server, the figures or why there are none.
#[derive(Clone, Debug)]
pub struct RdbRow {
    /// What was saved.
    pub data: RdbData,
    /// Which server.
    pub kind: Kind,
    /// The figures, or why not.
    pub result: Result<RdbSpeed, String>,
}

/// `bytes` in `secs`, in MB/s (10^6 bytes); `None` for a time that is not positive.
pub fn mb_per_sec(bytes: u64, secs: f64) -> Option<f64> {
    (secs > 0.0 && secs.is_finite()).then(|| bytes as f64 / 1e6 / secs)
}

/// The seconds of the last `DB loaded from disk: N seconds` line of a server log (Redis
/// and Anax both write it, Redis's way: `pid:M date * DB loaded from disk: 0.512 seconds`).
pub fn parse_loaded_secs(log: &str) -> Option<f64> {
    const MARK: &str = "DB loaded from disk: ";
    log.lines().rev().find_map(|line| {
        let rest = &line[line.find(MARK)? + MARK.len()..];
        let secs: f64 = rest.strip_suffix("seconds")?.trim().parse().ok()?;
        (secs >= 0.0 && secs.is_finite()).then_some(secs)
    })
}

/// `redis-check-rdb`'s verdict from its exit status and output: OK when it exited 0 and
/// said `RDB looks OK`; otherwise the last line that says what went wrong.
pub fn check_verdict(exited_ok: bool, output: &str) -> Result<(), String> {
    if exited_ok && output.contains("RDB looks OK") {
        return Ok(());
    }
    let why = output
        .lines()
        .map(str::trim)
        .rfind(|l| l.contains("RDB ERROR") || l.contains("Error") || l.contains("error"))
        .or_else(|| output.lines().map(str::trim).rfind(|l| !l.is_empty()))
        .unwrap_or("no output");
    Err(format!(
        "{}{why}",
        if exited_ok { "" } else { "exited non-zero: " }
    ))
}

/// Runs `redis-check-rdb` on `path`.
pub fn check_rdb(path: &Path) -> Result<(), String> {
    let out = Command::new("redis-check-rdb")
        .arg(path)
        .output()
        .map_err(|e| format!("cannot run redis-check-rdb: {e}"))?;
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push('\n');
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    check_verdict(out.status.success(), &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loaded_line() {
        let log = "\
1234:C 29 Nov 2026 01:00:00.000 * oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo
1234:M 29 Nov 2026 01:00:00.100 * Loading RDB produced by version 7.0.15
1234:M 29 Nov 2026 01:00:00.900 * Done loading RDB, keys loaded: 1000000, keys expired: 0.
1234:M 29 Nov 2026 01:00:00.900 * DB loaded from disk: 0.812 seconds
1234:M 29 Nov 2026 01:00:00.900 * Ready to accept connections
";
        assert_eq!(parse_loaded_secs(log), Some(0.812));
        // The last one wins; CRLF and odd spacing are fine.
        assert_eq!(
            parse_loaded_secs(
                "* DB loaded from disk: 1.5 seconds\r\n* DB loaded from disk:  2.000 seconds\r\n"
            ),
            Some(2.0)
        );
        assert_eq!(parse_loaded_secs(""), None);
        assert_eq!(
            parse_loaded_secs("* DB loaded from disk: soon seconds"),
            None
        );
        assert_eq!(parse_loaded_secs("* DB loaded from disk: 0.5"), None);
        assert_eq!(parse_loaded_secs("* DB loaded from disk: -1 seconds"), None);
    }

    #[test]
    fn speeds() {
        assert_eq!(mb_per_sec(50_000_000, 0.5), Some(100.0));
        assert_eq!(mb_per_sec(1, 0.0), None);
        assert_eq!(mb_per_sec(1, -1.0), None);
        assert_eq!(mb_per_sec(1, f64::NAN), None);
        let s = RdbSpeed {
            keys: 10,
            bytes: 3_000_000,
            save_secs: 0.03,
            load_secs: 0.06,
            source: LoadSource::Log,
            ready_secs: 0.1,
            check: Ok(()),
        };
        assert!((s.save_mb_s().unwrap() - 100.0).abs() < 1e-9);
        assert!((s.load_mb_s().unwrap() - 50.0).abs() < 1e-9);
    }

    #[test]
    fn check_rdb_verdicts() {
        let ok = "[offset 0] Checking RDB file dump.rdb\n[offset 27] AUX FIELD redis-ver = '7.0.15'\n[offset 123] \\o/ RDB looks OK! \\o/\n";
        assert_eq!(check_verdict(true, ok), Ok(()));
        assert!(check_verdict(false, ok).is_err());
        let bad = "[offset 0] Checking RDB file dump.rdb\n--- RDB ERROR DETECTED ---\n[offset 40] Unexpected EOF reading RDB file\n[additional info] ...\n";
        let e = check_verdict(false, bad).unwrap_err();
        assert!(e.contains("RDB ERROR DETECTED"), "{e}");
        assert_eq!(
            check_verdict(false, "").unwrap_err(),
            "exited non-zero: no output"
        );
    }

    #[test]
    fn datasets() {
        assert_eq!(RdbData::Strings.dbsize(1000), 1000);
        assert_eq!(RdbData::Types.dbsize(1000), 4);
        assert_eq!(RdbData::elements(1_000_000), 250_000);
        assert_eq!(RdbData::elements(2), 1);
        assert_eq!(
            RdbData::Strings.describe(1_000_000, 16),
            "1,000,000 strings, 16-byte values"
        );
        assert_eq!(
            RdbData::Types.describe(1_000_000, 16),
            "hash, set, sorted set, list of 250,000 elements each"
        );
    }
}
