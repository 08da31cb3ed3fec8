//! Prometheus metrics over HTTP on the main port, as Dragonfly serves them: a connection
//! whose first bytes are an HTTP `GET` request line is answered as HTTP, not RESP.
//! `GET /metrics` answers INFO ALL (every thread's counters, summed by the coordinator as
//! for INFO) in the Prometheus text format; any other path is a 404. The connection closes
//! after the response.
//!
//! Names: each numeric INFO field becomes `anax_<field>` (a gauge or a counter as its
//! name says: `total_*`, `*_keys`, `*_hits`... are counters in Prometheus's sense but are
//! exported as untyped samples, as Redis's own fields carry no type); commandstats become
//! `anax_commands_total{cmd="get"}`, `anax_commands_duration_seconds_total`,
//! `anax_commands_rejected_calls_total` and `anax_commands_failed_calls_total`; errorstats
//! `anax_errors_total{err="ERR"}`; the keyspace `anax_db_keys{db="db0"}`,
//! `anax_db_keys_expiring` and `anax_db_avg_ttl_seconds`. Text fields (versions, paths,
//! modes) are left out.

use std::fmt::Write as _;

/// What the start of a connection's input is.
#[derive(Debug, PartialEq, Eq)]
pub enum Http<'a> {
    /// Not HTTP: a Redis client.
    No,
    /// An HTTP request line whose header is not complete yet.
    Incomplete,
    /// A complete `GET` request for this path; its header is this many bytes.
    Get(&'a str, usize),
}

/// The longest HTTP request header read.
pub const MAX_HEADER: usize = 8192;

/// Tells whether `buf`, the first bytes of a connection, is an HTTP GET request.
pub fn detect(buf: &[u8]) -> Http<'_> {
    const GET: &[u8] = b"GET /";
    let n = buf.len().min(GET.len());
    if buf[..n] != GET[..n] {
        return Http::No;
    }
    let line_end = buf.iter().position(|&c| c == b'\n');
    let Some(line_end) = line_end else {
        return if buf.len() > MAX_HEADER {
            Http::No
        } else {
            Http::Incomplete
        };
    };
    let line = std::str::from_utf8(&buf[..line_end]).unwrap_or("");
    let mut words = line.trim_end_matches('\r').split(' ');
    let (Some("GET"), Some(path), Some(version), None) =
        (words.next(), words.next(), words.next(), words.next())
    else {
        return Http::No;
    };
    if !version.starts_with("HTTP/1.") {
        return Http::No;
    }
    match buf.windows(4).position(|w| w == b"\r\n\r\n") {
        Some(end) => Http::Get(path, end + 4),
        None if buf.len() > MAX_HEADER => Http::No,
        None => Http::Incomplete,
    }
}

/// An HTTP/1.1 response that closes the connection.
pub fn response(status: &str, content_type: &str, body: &str) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body.as_bytes());
    out
}

/// A label value as Prometheus escapes it.
fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// A metric name from an INFO field name (`[a-zA-Z0-9_]`).
fn name(field: &str) -> String {
    field
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// `k=v,k=v` pairs of a commandstats, errorstats or keyspace line.
fn pairs(v: &str) -> impl Iterator<Item = (&str, &str)> {
    v.split(',').filter_map(|p| p.split_once('='))
}

/// INFO ALL's text in the Prometheus text exposition format (version 0.0.4).
pub fn from_info(info: &str) -> String {
    let mut out = String::new();
    let mut section = "";
    let mut seen_cmd = false;
    let mut seen_err = false;
    let mut seen_db = false;
    for line in info.lines() {
        let line = line.trim_end_matches('\r');
        if let Some(s) = line.strip_prefix("# ") {
            section = s;
            continue;
        }
        let Some((field, value)) = line.split_once(':') else {
            continue;
        };
        match section {
            "Commandstats" => {
                let Some(cmd) = field.strip_prefix("cmdstat_") else {
                    continue;
                };
                if !seen_cmd {
                    seen_cmd = true;
                    out.push_str("# TYPE anax_commands_total counter\n");
                }
                let cmd = label(cmd);
                for (k, v) in pairs(value) {
                    let metric = match k {
                        "calls" => "anax_commands_total",
                        "rejected_calls" => "anax_commands_rejected_calls_total",
                        "failed_calls" => "anax_commands_failed_calls_total",
                        "usec" => {
                            let secs = v.parse::<f64>().unwrap_or(0.0) / 1e6;
                            let _ = writeln!(
                                out,
                                "anax_commands_duration_seconds_total{{cmd=\"{cmd}\"}} {secs}"
                            );
                            continue;
                        }
                        _ => continue,
                    };
                    let _ = writeln!(out, "{metric}{{cmd=\"{cmd}\"}} {v}");
                }
            }
            "Errorstats" => {
                let Some(err) = field.strip_prefix("errorstat_") else {
                    continue;
                };
                if !seen_err {
                    seen_err = true;
                    out.push_str("# TYPE anax_errors_total counter\n");
                }
                for (k, v) in pairs(value) {
                    if k == "count" {
                        let _ = writeln!(out, "anax_errors_total{{err=\"{}\"}} {v}", label(err));
                    }
                }
            }
            "Keyspace" => {
                if !seen_db {
                    seen_db = true;
                    out.push_str("# TYPE anax_db_keys gauge\n");
                }
                let db = label(field);
                for (k, v) in pairs(value) {
                    match k {
                        "keys" => {
                            let _ = writeln!(out, "anax_db_keys{{db=\"{db}\"}} {v}");
                        }
                        "expires" => {
                            let _ = writeln!(out, "anax_db_keys_expiring{{db=\"{db}\"}} {v}");
                        }
                        "avg_ttl" => {
                            let secs = v.parse::<f64>().unwrap_or(0.0) / 1e3;
                            let _ = writeln!(out, "anax_db_avg_ttl_seconds{{db=\"{db}\"}} {secs}");
                        }
                        _ => {}
                    }
                }
            }
            _ => {
                // Identifiers that happen to be digits are not measurements.
                let ident = field.ends_with("_sha1") || field.ends_with("build_id");
                if !ident && value.parse::<f64>().is_ok_and(f64::is_finite) {
                    let _ = writeln!(out, "anax_{} {value}", name(field));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_requests_are_told_from_redis_clients() {
        assert_eq!(detect(b"*1\r\n$4\r\nPING\r\n"), Http::No);
        assert_eq!(detect(b"GET key\r\n"), Http::No);
        assert_eq!(detect(b"GE"), Http::Incomplete);
        assert_eq!(
            detect(b"GET /metrics HTTP/1.1\r\nHost: x\r\n"),
            Http::Incomplete
        );
        assert_eq!(
            detect(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"),
            Http::Get("/metrics", 34)
        );
        assert_eq!(detect(b"GET /metrics FTP/1\r\n\r\n"), Http::No);
    }

    #[test]
    fn info_becomes_prometheus_text() {
        let info = "# Server\r\nredis_version:7.0.15\r\nuptime_in_seconds:12\r\n\
                    # Clients\r\nconnected_clients:3\r\n\
                    # Commandstats\r\ncmdstat_get:calls=5,usec=24,usec_per_call=4.80,rejected_calls=1,failed_calls=0\r\n\
                    cmdstat_client|list:calls=1,usec=3,usec_per_call=3.00,rejected_calls=0,failed_calls=0\r\n\
                    # Errorstats\r\nerrorstat_ERR:count=2\r\n\
                    # Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=1500\r\n";
        let m = from_info(info);
        for want in [
            "anax_uptime_in_seconds 12\n",
            "anax_connected_clients 3\n",
            "anax_commands_total{cmd=\"get\"} 5\n",
            "anax_commands_rejected_calls_total{cmd=\"get\"} 1\n",
            "anax_commands_duration_seconds_total{cmd=\"get\"} 0.000024\n",
            "anax_commands_total{cmd=\"client|list\"} 1\n",
            "anax_errors_total{err=\"ERR\"} 2\n",
            "anax_db_keys{db=\"db0\"} 2\n",
            "anax_db_keys_expiring{db=\"db0\"} 1\n",
            "anax_db_avg_ttl_seconds{db=\"db0\"} 1.5\n",
        ] {
            assert!(m.contains(want), "{want:?} missing from:\n{m}");
        }
        assert!(!m.contains("redis_version"), "a text field exported:\n{m}");
    }
}
