//! The keyspace family: DEL UNLINK EXISTS TOUCH TYPE KEYS SCAN RANDOMKEY RENAME RENAMENX
//! MOVE COPY EXPIRE PEXPIRE EXPIREAT PEXPIREAT TTL PTTL EXPIRETIME PEXPIRETIME PERSIST
//! OBJECT.

use super::{
    b, cmd, db_index, junk, key, keys, one_of, pick, rel_ms, rel_secs, unix_ms, unix_secs, Cmd,
};
use proptest::collection::vec;
use proptest::prelude::*;

/// Glob patterns for KEYS and SCAN MATCH: every feature of Redis's `stringmatchlen`
/// (`*`, `?`, classes, ranges, negation, escapes) and malformed ones.
fn pattern() -> BoxedStrategy<Vec<u8>> {
    pick(&[
        "*", "k*", "k?", "{t}*", "\\{t\\}*", "*a", "?", "k[12]", "k[^1]", "k[1-2]", "k[2-1]",
        "*[abc]", "[", "k[", "\\", "*\\", "k[\\]]", "{t}?", "nomatch", "", "**", "K*", "k[!1]",
    ])
}

/// EXPIRE's condition flags: alone, combined, unknown.
fn expire_flags() -> BoxedStrategy<Vec<Vec<u8>>> {
    prop_oneof![
        2 => Just(vec![]),
        2 => pick(&["NX", "XX", "GT", "LT", "nx", "gt"]).prop_map(|f| vec![f]),
        1 => vec(prop_oneof![6 => pick(&["NX", "XX", "GT", "LT"]), 1 => junk()], 2..4),
    ]
    .boxed()
}

/// SCAN's options.
fn scan_option() -> BoxedStrategy<Vec<Vec<u8>>> {
    prop_oneof![
        3 => pattern().prop_map(|p| vec![b("MATCH"), p]),
        3 => pick(&["1", "2", "3", "10", "1000", "0", "-1", "abc"]).prop_map(|n| vec![b("COUNT"), n]),
        2 => pick(&["string", "STRING", "list", "hash", "set", "zset", "stream", "nosuchtype"])
            .prop_map(|t| vec![b("TYPE"), t]),
        1 => pick(&["MATCH", "COUNT", "TYPE", "FOO"]).prop_map(|o| vec![o]),
    ]
    .boxed()
}

/// The family's commands.
pub fn commands() -> BoxedStrategy<Cmd> {
    let expire = |name: &'static str, time: BoxedStrategy<Vec<u8>>| {
        (key(), time, expire_flags())
            .prop_map(move |(k, t, f)| cmd(name, [k, t].into_iter().chain(f)))
            .boxed()
    };
    one_of(vec![
        keys(4).prop_map(|ks| cmd("DEL", ks)).boxed(),
        keys(4).prop_map(|ks| cmd("UNLINK", ks)).boxed(),
        keys(4).prop_map(|ks| cmd("EXISTS", ks)).boxed(),
        keys(4).prop_map(|ks| cmd("TOUCH", ks)).boxed(),
        key().prop_map(|k| cmd("TYPE", [k])).boxed(),
        pattern().prop_map(|p| cmd("KEYS", [p])).boxed(),
        (
            vec(scan_option(), 0..3),
            prop_oneof![8 => Just(b("0")), 1 => pick(&["abc", "-", " 0", "0x", "1.5"])],
        )
            .prop_map(|(o, cursor)| {
                cmd(
                    "SCAN",
                    std::iter::once(cursor).chain(o.into_iter().flatten()),
                )
            })
            .boxed(),
        Just(cmd("RANDOMKEY", [])).boxed(),
        (key(), key())
            .prop_map(|(a, k2)| cmd("RENAME", [a, k2]))
            .boxed(),
        (key(), key())
            .prop_map(|(a, k2)| cmd("RENAMENX", [a, k2]))
            .boxed(),
        (key(), db_index())
            .prop_map(|(k, d)| cmd("MOVE", [k, d]))
            .boxed(),
        (
            key(),
            key(),
            vec(
                prop_oneof![
                    3 => db_index().prop_map(|d| vec![b("DB"), d]),
                    3 => Just(vec![b("REPLACE")]),
                    1 => pick(&["DB", "FOO"]).prop_map(|o| vec![o]),
                ],
                0..3,
            ),
        )
            .prop_map(|(a, k2, o)| cmd("COPY", [a, k2].into_iter().chain(o.into_iter().flatten())))
            .boxed(),
        expire("EXPIRE", rel_secs()),
        expire("PEXPIRE", rel_ms()),
        expire("EXPIREAT", unix_secs()),
        expire("PEXPIREAT", unix_ms()),
        key().prop_map(|k| cmd("TTL", [k])).boxed(),
        key().prop_map(|k| cmd("PTTL", [k])).boxed(),
        key().prop_map(|k| cmd("EXPIRETIME", [k])).boxed(),
        key().prop_map(|k| cmd("PEXPIRETIME", [k])).boxed(),
        key().prop_map(|k| cmd("PERSIST", [k])).boxed(),
        (
            pick(&[
                "ENCODING", "ENCODING", "REFCOUNT", "IDLETIME", "FREQ", "encoding", "NOPE",
            ]),
            key(),
        )
            .prop_map(|(sub, k)| cmd("OBJECT", [sub, k]))
            .boxed(),
        Just(cmd("OBJECT", [b("HELP")])).boxed(),
    ])
}
