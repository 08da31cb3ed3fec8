//! `docs/compat.md` is generated: this test fails when it is stale, and rewrites it with
//! `ANAX_BLESS=1`. The ignored test rewrites `conformance/redis-7.0-commands.txt` from a
//! real redis-server.

use anax_conformance::commands::list_from_server;
use anax_conformance::compat::current;
use anax_conformance::Server;
use anax_protocol::Value;
use std::path::Path;

#[test]
fn compat_md_is_up_to_date() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/compat.md");
    let want = current();
    if std::env::var_os("ANAX_BLESS").is_some() {
        std::fs::write(&path, &want).expect("write docs/compat.md");
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    if have != want {
        let first = have
            .lines()
            .zip(want.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(have.lines().count().min(want.lines().count()));
        panic!(
            "docs/compat.md is stale (first difference at line {}: {:?} should be {:?}).\n\
             Refresh it with: ANAX_BLESS=1 cargo test -p anax-conformance --test compat",
            first + 1,
            have.lines().nth(first).unwrap_or("<end of file>"),
            want.lines().nth(first).unwrap_or("<end of file>"),
        );
    }
}

#[test]
#[ignore = "rewrites conformance/redis-7.0-commands.txt from a real redis-server"]
fn refresh_redis_command_list() {
    let redis = Server::redis();
    let mut c = redis.client();
    let info = c.call(&["INFO", "server"]);
    let info = String::from_utf8_lossy(info.as_bytes().expect("INFO text")).into_owned();
    let version = info
        .lines()
        .find_map(|l| l.strip_prefix("redis_version:"))
        .unwrap_or("unknown")
        .trim()
        .to_string();
    let docs = c.call(&["COMMAND", "DOCS"]);
    assert!(matches!(docs, Value::Array(_)), "COMMAND DOCS: {docs:?}");
    let text = list_from_server(&docs, &version);
    std::fs::write(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("redis-7.0-commands.txt"),
        text,
    )
    .expect("write list");
}
