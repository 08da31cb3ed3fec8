//! The connection and server commands whose replies are deterministic: PING ECHO SELECT
//! DBSIZE FLUSHDB FLUSHALL SWAPDB AUTH HELLO, CLIENT SETNAME/GETNAME/GETREDIR/HELP, CONFIG
//! GET on parameters with the same defaults, the HELP texts, COMMAND INFO for the commands
//! Anax implements, COMMAND GETKEYS/GETKEYSANDFLAGS over the other families' calls, and
//! unknown commands and subcommands. The others are in [`crate::normalise::EXCLUDED`].

use super::{b, cmd, db_index, one_of, pick, value, Cmd};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

/// CONFIG GET parameters whose defaults Anax shares with the test's redis-server (not the
/// port, paths or persistence settings the launcher chooses), and unknown ones.
const CONFIG_PARAMS: &[&str] = &[
    "databases",
    "maxmemory",
    "maxmemory-policy",
    "hash-max-listpack-entries",
    "hz",
    "timeout",
    "lfu-log-factor",
    "proto-max-bulk-len",
    "MAXMEMORY",
    "nosuch-parameter",
];

/// The family's commands.
pub fn commands() -> BoxedStrategy<Cmd> {
    // COMMAND INFO of a container lists its subcommands: only containers that have all of
    // Redis's subcommands can answer like Redis.
    let implemented: Vec<&'static str> = anax_core::cmd::all()
        .filter(|c| has_all_subcommands(c))
        .map(|c| c.name)
        .collect();
    one_of(vec![
        prop::option::of(value())
            .prop_map(|m| cmd("PING", m))
            .boxed(),
        value().prop_map(|m| cmd("ECHO", [m])).boxed(),
        db_index().prop_map(|d| cmd("SELECT", [d])).boxed(),
        Just(cmd("DBSIZE", [])).boxed(),
        prop::option::of(pick(&["ASYNC", "SYNC", "sync", "NOW"]))
            .prop_map(|o| cmd("FLUSHDB", o))
            .boxed(),
        prop::option::of(pick(&["ASYNC", "SYNC", "NOW"]))
            .prop_map(|o| cmd("FLUSHALL", o))
            .boxed(),
        (db_index(), db_index())
            .prop_map(|(x, y)| cmd("SWAPDB", [x, y]))
            .boxed(),
        vec(pick(&["secret", "default", ""]), 1..3)
            .prop_map(|a| cmd("AUTH", a))
            .boxed(),
        // COMMAND GETKEYS / GETKEYSANDFLAGS over the other families' calls, valid or not.
        (
            pick(&["GETKEYS", "GETKEYSANDFLAGS"]),
            prop_oneof![super::strings::commands(), super::keyspace::commands()],
        )
            .prop_map(|(sub, c)| cmd("COMMAND", std::iter::once(sub).chain(c)))
            .boxed(),
        hello(),
        pick(&["conn1", "", "a b", "x\ny", "name-2"])
            .prop_map(|n| cmd("CLIENT", [b("SETNAME"), n]))
            .boxed(),
        pick(&["GETNAME", "GETREDIR", "HELP", "NOSUCH", "getname"])
            .prop_map(|s| cmd("CLIENT", [s]))
            .boxed(),
        select(CONFIG_PARAMS.to_vec())
            .prop_map(|p| cmd("CONFIG", [b("GET"), b(p)]))
            .boxed(),
        pick(&["HELP", "NOSUCH"])
            .prop_map(|s| cmd("CONFIG", [s]))
            .boxed(),
        (vec(
            prop_oneof![
                6 => select(implemented).prop_map(b),
                1 => pick(&["nosuchcommand", "config|get", "GET"]),
            ],
            1..3,
        ))
        .prop_map(|names| cmd("COMMAND", std::iter::once(b("INFO")).chain(names)))
        .boxed(),
        pick(&["HELP", "NOSUCH"])
            .prop_map(|s| cmd("COMMAND", [s]))
            .boxed(),
        (pick(&["NOSUCHCOMMAND", "GETT", ""]), vec(value(), 0..3))
            .prop_map(|(n, a)| cmd_from(n, a))
            .boxed(),
    ])
}

/// HELLO: switching between RESP2 and RESP3 (every later reply of the sequence is then
/// compared in RESP3), with SETNAME and AUTH, and its errors.
fn hello() -> BoxedStrategy<Cmd> {
    let option = prop_oneof![
        2 => pick(&["conn1", "a b", ""]).prop_map(|n| vec![b("SETNAME"), n]),
        2 => pick(&["secret", ""]).prop_map(|p| vec![b("AUTH"), b("default"), p]),
        1 => pick(&["AUTH", "SETNAME", "FOO"]).prop_map(|o| vec![o]),
    ];
    (
        prop::option::of(super::mostly(&["3", "2"], &["1", "4", "abc", "-1", ""])),
        vec(option, 0..2),
    )
        .prop_map(|(proto, opts)| {
            let mut c = cmd("HELLO", proto);
            if c.len() > 1 {
                c.extend(opts.into_iter().flatten());
            }
            c
        })
        .boxed()
}

fn cmd_from(name: Vec<u8>, args: Vec<Vec<u8>>) -> Cmd {
    std::iter::once(name).chain(args).collect()
}

/// True when `c` has every subcommand Redis 7.0 gives it.
fn has_all_subcommands(c: &anax_core::cmd::CommandSpec) -> bool {
    let prefix = format!("{}|", c.name);
    crate::commands::redis_commands()
        .iter()
        .filter_map(|r| r.name.strip_prefix(&prefix))
        .all(|sub| c.subcommands.iter().any(|s| s.name == sub))
}
