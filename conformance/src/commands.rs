//! The Redis 7.0 command list (`conformance/redis-7.0-commands.txt`) and command naming.
//!
//! The list was generated once from a real redis-server 7.0 with COMMAND DOCS (see
//! [`list_from_server`]; `tests/compat.rs` has the ignored test that rewrites it). Each
//! line is `name group since`; a subcommand is written `container|sub`.

use anax_protocol::Value;
use std::collections::HashSet;
use std::sync::OnceLock;

/// The checked-in list.
pub const REDIS_COMMANDS: &str = include_str!("../redis-7.0-commands.txt");

/// One command or subcommand of Redis 7.0.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedisCommand {
    /// Lower case; `container|sub` for a subcommand.
    pub name: String,
    /// COMMAND DOCS `group`.
    pub group: String,
    /// COMMAND DOCS `since`.
    pub since: String,
}

/// Parses the list.
pub fn redis_commands() -> Vec<RedisCommand> {
    REDIS_COMMANDS
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let mut parts = l.split_whitespace();
            let mut next = || parts.next().unwrap_or("").to_string();
            RedisCommand {
                name: next(),
                group: next(),
                since: next(),
            }
        })
        .collect()
}

/// The names of the list, and the containers (names with subcommands), parsed once.
fn index() -> &'static (HashSet<String>, HashSet<String>) {
    static INDEX: OnceLock<(HashSet<String>, HashSet<String>)> = OnceLock::new();
    INDEX.get_or_init(|| {
        let names: HashSet<String> = redis_commands().into_iter().map(|c| c.name).collect();
        let containers = names
            .iter()
            .filter_map(|n| n.split_once('|'))
            .map(|(c, _)| c.to_string())
            .collect();
        (names, containers)
    })
}

/// True when Redis 7.0 gives `name` subcommands (CONFIG, CLIENT, OBJECT, ...).
pub fn is_container(name: &str) -> bool {
    index().1.contains(name)
}

/// True when `name` (any case) is a Redis 7.0 command.
pub fn is_redis_command(name: &[u8]) -> bool {
    index()
        .0
        .contains(&String::from_utf8_lossy(name).to_ascii_lowercase())
}

/// The name a command line is counted under: the lower-case command name, or
/// `container|sub` when the command has subcommands and the second argument names one.
pub fn name_of<A: AsRef<[u8]>>(args: &[A]) -> String {
    let Some(first) = args.first() else {
        return String::new();
    };
    let name = String::from_utf8_lossy(first.as_ref()).to_ascii_lowercase();
    if let Some(sub) = args.get(1) {
        if is_container(&name) {
            let full = format!(
                "{name}|{}",
                String::from_utf8_lossy(sub.as_ref()).to_ascii_lowercase()
            );
            if index().0.contains(&full) {
                return full;
            }
        }
    }
    name
}

/// Builds the list's text from a COMMAND DOCS reply of a real redis-server.
pub fn list_from_server(docs: &Value, version: &str) -> String {
    let mut rows = Vec::new();
    collect(docs, &mut rows);
    rows.sort();
    rows.dedup();
    let mut out = format!(
        "# Every command and subcommand of redis-server {version}, from COMMAND DOCS: name group since.\n\
         # Regenerate: cargo test -p anax-conformance --test compat -- --ignored refresh_redis_command_list\n"
    );
    for (name, group, since) in rows {
        out.push_str(&format!("{name} {group} {since}\n"));
    }
    out
}

fn text(v: &Value) -> String {
    match v {
        Value::Bulk(b) | Value::Simple(b) => String::from_utf8_lossy(b).into_owned(),
        other => format!("{other:?}"),
    }
}

/// Pairs of a RESP2 flat array or a RESP3 map.
fn pairs(v: &Value) -> Vec<(&Value, &Value)> {
    match v {
        Value::Array(items) => items
            .chunks(2)
            .filter(|c| c.len() == 2)
            .map(|c| (&c[0], &c[1]))
            .collect(),
        Value::Map(ps) => ps.iter().map(|(k, v)| (k, v)).collect(),
        _ => Vec::new(),
    }
}

fn collect(docs: &Value, rows: &mut Vec<(String, String, String)>) {
    for (name, doc) in pairs(docs) {
        let mut group = String::new();
        let mut since = String::new();
        for (k, v) in pairs(doc) {
            match text(k).as_str() {
                "group" => group = text(v),
                "since" => since = text(v),
                "subcommands" => collect(v, rows),
                _ => {}
            }
        }
        rows.push((text(name).to_ascii_lowercase(), group, since));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_complete_enough() {
        let all = redis_commands();
        assert!(all.len() > 300, "{} commands", all.len());
        assert!(all.iter().any(|c| c.name == "get" && c.group == "string"));
        assert!(all.iter().any(|c| c.name == "config|get"));
    }

    #[test]
    fn names() {
        assert_eq!(name_of(&["GET", "k"]), "get");
        assert_eq!(name_of(&["Config", "GET", "x"]), "config|get");
        assert_eq!(name_of(&["CONFIG", "nope"]), "config");
        assert_eq!(name_of(&["CONFIG"]), "config");
        assert_eq!(name_of(&["SET", "get"]), "set");
    }
}
