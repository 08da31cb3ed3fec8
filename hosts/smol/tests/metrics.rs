//! Prometheus metrics on the main port, scraped with a real HTTP client (curl), while the
//! same port serves Redis clients.

use anax_conformance::Server;
use anax_protocol::Value;
use std::path::Path;
use std::process::Command;

fn curl(port: u16, path: &str) -> (String, String) {
    let out = Command::new("curl")
        .args(["-s", "-D", "-", "--max-time", "10"])
        .arg(format!("http://127.0.0.1:{port}{path}"))
        .output()
        .expect("curl (apt-get install -y curl)");
    assert!(out.status.success(), "curl failed: {out:?}");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP response");
    (head.to_string(), body.to_string())
}

#[test]
fn a_prometheus_scrape_sees_every_thread() {
    let srv = Server::anax_at(
        Path::new(env!("CARGO_BIN_EXE_anax")),
        &["--threads", "4", "--save", ""],
    );
    let mut c = srv.client();
    for i in 0..20 {
        assert_eq!(
            c.call(&["SET", &format!("key{i}"), "v"]),
            Value::Simple(b"OK".to_vec())
        );
    }
    assert_eq!(c.call(&["GET", "key1"]), Value::Bulk(b"v".to_vec()));
    assert!(matches!(c.call(&["GET"]), Value::Error(_)));
    let (head, body) = curl(srv.port, "/metrics");
    assert!(head.starts_with("HTTP/1.1 200 OK"), "{head}");
    assert!(
        head.contains("Content-Type: text/plain; version=0.0.4"),
        "{head}"
    );
    for want in [
        "anax_db_keys{db=\"db0\"} 20\n",
        "anax_commands_total{cmd=\"set\"} 20\n",
        "anax_commands_total{cmd=\"get\"} 1\n",
        "anax_commands_rejected_calls_total{cmd=\"get\"} 1\n",
        "anax_errors_total{err=\"ERR\"} 1\n",
        // The scraping connection is a client too.
        "anax_connected_clients 2\n",
        "anax_rdb_bgsave_in_progress 0\n",
        "anax_expired_keys 0\n",
        "anax_evicted_keys 0\n",
    ] {
        assert!(body.contains(want), "{want:?} missing from:\n{body}");
    }
    assert!(
        body.contains("\nanax_used_memory "),
        "no memory figure:\n{body}"
    );
    // Every sample line is `name{labels} number`.
    for line in body.lines().filter(|l| !l.starts_with('#')) {
        let (name, value) = line.rsplit_once(' ').expect("name value");
        assert!(name.starts_with("anax_"), "{line}");
        assert!(value.parse::<f64>().is_ok(), "{line}");
    }
    let (head, _) = curl(srv.port, "/other");
    assert!(head.starts_with("HTTP/1.1 404"), "{head}");
    // The Redis client is unaffected.
    assert_eq!(c.call(&["GET", "key2"]), Value::Bulk(b"v".to_vec()));
}

#[test]
fn metrics_need_the_password_when_there_is_one() {
    let srv = Server::anax_at(
        Path::new(env!("CARGO_BIN_EXE_anax")),
        &["--requirepass", "secret", "--save", ""],
    );
    let (head, body) = curl(srv.port, "/metrics");
    assert!(head.starts_with("HTTP/1.1 401"), "{head}");
    assert!(body.starts_with("NOAUTH"), "{body}");
}
