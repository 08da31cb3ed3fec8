//! Running `redis-benchmark` and reading its report.
//!
//! Redis 7.0's `--csv` output has throughput, average, min, p50, p95, p99 and max but no
//! p99.9, so the harness reads the full (default) report instead: the `throughput summary`
//! line, the `latency summary (msec)` table (p50, p99) and, for p99.9, the first line of
//! `Latency by percentile distribution` at or above 99.9% (each such line reads
//! `99.902% <= 3.735 milliseconds (cumulative count 19981)`: an upper bound of the
//! percentile at hdrhistogram's resolution, the way redis-benchmark rounds all its figures).

use std::net::SocketAddr;
use std::process::Command;

/// What one `redis-benchmark` test gave.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RbResult {
    /// Requests per second.
    pub rps: f64,
    /// Mean latency, ms.
    pub avg_ms: f64,
    /// Median latency, ms.
    pub p50_ms: f64,
    /// 99th percentile, ms.
    pub p99_ms: f64,
    /// 99.9th percentile, ms (from the percentile distribution).
    pub p999_ms: f64,
    /// Largest latency, ms.
    pub max_ms: f64,
}

/// Reads the report of one test (the first one when there are several).
pub fn parse(output: &str) -> Result<RbResult, String> {
    // The live progress line ends in `\r`, not `\n`.
    let lines: Vec<&str> = output
        .split(['\r', '\n'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut rps = None;
    let mut summary = None;
    let mut p999 = None;
    let mut in_percentiles = false;
    for (i, line) in lines.iter().enumerate() {
        if line.starts_with("Latency by percentile distribution") {
            in_percentiles = true;
            continue;
        }
        if in_percentiles {
            match parse_percentile_line(line) {
                Some((pct, ms)) => {
                    if p999.is_none() && pct >= 99.9 {
                        p999 = Some(ms);
                    }
                }
                None => in_percentiles = false,
            }
        }
        if let Some(rest) = line.strip_prefix("throughput summary:") {
            let num = rest.split_whitespace().next().unwrap_or("");
            rps = Some(
                num.parse::<f64>()
                    .map_err(|_| format!("bad throughput summary: {line}"))?,
            );
        }
        if line.starts_with("latency summary (msec)") {
            let header: Vec<&str> = lines
                .get(i + 1)
                .ok_or("latency summary without header")?
                .split_whitespace()
                .collect();
            let values: Vec<f64> = lines
                .get(i + 2)
                .ok_or("latency summary without values")?
                .split_whitespace()
                .map(|v| v.parse::<f64>())
                .collect::<Result<_, _>>()
                .map_err(|_| format!("bad latency summary: {:?}", lines.get(i + 2)))?;
            if header.len() != values.len() {
                return Err("latency summary: header and values differ in length".into());
            }
            let get = |name: &str| -> Result<f64, String> {
                header
                    .iter()
                    .position(|h| *h == name)
                    .map(|p| values[p])
                    .ok_or_else(|| format!("latency summary lacks {name}"))
            };
            summary = Some((get("avg")?, get("p50")?, get("p99")?, get("max")?));
            break;
        }
    }
    let rps = rps.ok_or_else(|| format!("no throughput summary in: {}", tail(output, 400)))?;
    let (avg_ms, p50_ms, p99_ms, max_ms) = summary.ok_or("no latency summary")?;
    Ok(RbResult {
        rps,
        avg_ms,
        p50_ms,
        p99_ms,
        // Too few requests to reach 99.9% in the distribution: the largest is the bound.
        p999_ms: p999.unwrap_or(max_ms),
        max_ms,
    })
}

/// `99.902% <= 3.735 milliseconds (cumulative count 19981)` → `(99.902, 3.735)`.
fn parse_percentile_line(line: &str) -> Option<(f64, f64)> {
    let (pct, rest) = line.split_once("% <= ")?;
    let ms = rest.split_whitespace().next()?;
    Some((pct.parse().ok()?, ms.parse().ok()?))
}

/// The last `n` bytes of `s` (at a character boundary).
pub fn tail(s: &str, n: usize) -> &str {
    let mut start = s.len().saturating_sub(n);
    while !s.is_char_boundary(start) {
        start += 1;
    }
    &s[start..]
}

/// One `redis-benchmark` invocation: a single test (`-t`).
#[derive(Clone, Debug)]
pub struct RbSpec {
    /// Server address.
    pub addr: SocketAddr,
    /// The test name for `-t` (`get`, `set`, `incr`, `mset`, `lpush`, `lpop`).
    pub test: String,
    /// Connections (`-c`).
    pub clients: usize,
    /// Requests (`-n`).
    pub requests: u64,
    /// Pipeline depth (`-P`).
    pub pipeline: usize,
    /// Key space (`-r`): keys `key:000000000000` up to this.
    pub keyspace: u64,
    /// Value size (`-d`).
    pub data_size: usize,
    /// `--threads` (1: not passed; redis-benchmark's default single thread).
    pub threads: usize,
}

/// Runs one test and reads its report.
pub fn run(spec: &RbSpec) -> Result<RbResult, String> {
    let mut cmd = Command::new("redis-benchmark");
    cmd.arg("-h")
        .arg(spec.addr.ip().to_string())
        .arg("-p")
        .arg(spec.addr.port().to_string())
        .arg("-c")
        .arg(spec.clients.to_string())
        .arg("-n")
        .arg(spec.requests.to_string())
        .arg("-P")
        .arg(spec.pipeline.to_string())
        .arg("-r")
        .arg(spec.keyspace.to_string())
        .arg("-d")
        .arg(spec.data_size.to_string())
        .arg("-t")
        .arg(&spec.test);
    if spec.threads > 1 {
        cmd.arg("--threads").arg(spec.threads.to_string());
    }
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run redis-benchmark: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Err(format!(
            "redis-benchmark -t {} exited with {}: {}{}",
            spec.test,
            out.status,
            tail(&stdout, 300),
            tail(&stderr, 300)
        ));
    }
    // redis-benchmark reports server errors on stdout/stderr but carries on.
    for text in [&stdout, &stderr] {
        if let Some(line) = text
            .split(['\r', '\n'])
            .find(|l| l.contains("Error") || l.contains("ERR "))
        {
            return Err(format!("redis-benchmark -t {}: {}", spec.test, line.trim()));
        }
    }
    parse(&stdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "GET: rps=0.0 (overall: 0.0) avg_msec=-nan (overall: -nan)\r                                                          ====== GET ======
  20000 requests completed in 0.16 seconds
  50 parallel clients
  3 bytes payload
  keep alive: 1
  host configuration \"save\": 
  host configuration \"appendonly\": no
  multi-thread: no

Latency by percentile distribution:
0.000% <= 0.055 milliseconds (cumulative count 2)
50.000% <= 0.231 milliseconds (cumulative count 10395)
99.805% <= 1.311 milliseconds (cumulative count 19962)
99.902% <= 3.735 milliseconds (cumulative count 19981)
99.951% <= 3.775 milliseconds (cumulative count 19992)
100.000% <= 3.863 milliseconds (cumulative count 20000)

Cumulative distribution of latencies:
0.205% <= 0.103 milliseconds (cumulative count 41)
99.950% <= 4.103 milliseconds (cumulative count 19990)
100.000% <= 4.103 milliseconds (cumulative count 20000)

Summary:
  throughput summary: 129032.26 requests per second
  latency summary (msec):
          avg       min       p50       p95       p99       max
        0.241     0.048     0.231     0.359     0.519     3.863
";

    #[test]
    fn parses_full_report() {
        let r = parse(SAMPLE).unwrap();
        assert_eq!(r.rps, 129032.26);
        assert_eq!(r.avg_ms, 0.241);
        assert_eq!(r.p50_ms, 0.231);
        assert_eq!(r.p99_ms, 0.519);
        assert_eq!(r.p999_ms, 3.735);
        assert_eq!(r.max_ms, 3.863);
    }

    #[test]
    fn p999_falls_back_to_max() {
        let s = SAMPLE
            .replace("99.902% <= 3.735", "99.802% <= 3.735")
            .replace("99.951% <= 3.775", "99.851% <= 3.775");
        let s = s.replace(
            "100.000% <= 3.863 milliseconds (cumulative count 20000)\n\nCumulative",
            "\nCumulative",
        );
        assert_eq!(parse(&s).unwrap().p999_ms, 3.863);
    }

    #[test]
    fn rejects_csv_and_garbage() {
        assert!(parse("\"test\",\"rps\"\n\"GET\",\"1.0\"\n").is_err());
        assert!(parse("").is_err());
        let broken = SAMPLE.replace("129032.26", "fast");
        assert!(parse(&broken).is_err());
    }

    #[test]
    fn percentile_line() {
        assert_eq!(
            parse_percentile_line("99.902% <= 3.735 milliseconds (cumulative count 19981)"),
            Some((99.902, 3.735))
        );
        assert_eq!(
            parse_percentile_line("Cumulative distribution of latencies:"),
            None
        );
    }

    #[test]
    fn tail_respects_boundaries() {
        assert_eq!(tail("héllo", 4), "llo");
        assert_eq!(tail("ab", 10), "ab");
    }
}
