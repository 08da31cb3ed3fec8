//! The set family: SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SRANDMEMBER SMOVE SINTER
//! SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE SSCAN.
//!
//! Members mix canonical integers (which keep a set an `intset`) with strings and
//! integer-like texts that are not canonical (`01`, `+1`, `-0`), so that sets start as
//! intsets and convert; OBJECT ENCODING is asked now and then. SPOP is not generated (it
//! removes random members, so the two servers' states would part; see
//! `normalise::EXCLUDED`); SRANDMEMBER is compared by membership (`normalise::rule`).

use super::{b, cmd, junk, key, keys, one_of, pick, Cmd};
use proptest::collection::vec;
use proptest::prelude::*;

/// A member: mostly canonical integers (small and at the 64-bit edges), then strings.
fn member() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        5 => pick(&["1", "2", "3", "10", "-1", "0", "100000", "9223372036854775807", "-9223372036854775808"]),
        3 => pick(&["a", "b", "c", "hello", ""]),
        1 => pick(&["01", "+1", "-0", " 1", "1.5", "9223372036854775808", "\u{0}x"]),
    ]
    .boxed()
}

fn members(max: usize) -> BoxedStrategy<Vec<Vec<u8>>> {
    vec(member(), 1..=max).boxed()
}

/// SSCAN's options.
fn sscan_option() -> BoxedStrategy<Vec<Vec<u8>>> {
    prop_oneof![
        3 => pick(&["*", "1*", "?", "[ab]", "a", "nomatch", "-*"]).prop_map(|p| vec![b("MATCH"), p]),
        3 => pick(&["1", "2", "10", "1000", "0", "-1", "abc"]).prop_map(|n| vec![b("COUNT"), n]),
        1 => pick(&["MATCH", "COUNT", "TYPE", "FOO"]).prop_map(|o| vec![o]),
        1 => Just(vec![b("TYPE"), b("set")]),
    ]
    .boxed()
}

/// The family's commands.
pub fn commands() -> BoxedStrategy<Cmd> {
    let with_members = |name: &'static str| {
        (key(), members(5))
            .prop_map(move |(k, ms)| cmd(name, std::iter::once(k).chain(ms)))
            .boxed()
    };
    let over_keys = |name: &'static str| keys(4).prop_map(move |ks| cmd(name, ks)).boxed();
    let store = |name: &'static str| {
        (key(), keys(3))
            .prop_map(move |(d, ks)| cmd(name, std::iter::once(d).chain(ks)))
            .boxed()
    };
    one_of(vec![
        with_members("SADD"),
        with_members("SADD"),
        with_members("SREM"),
        key().prop_map(|k| cmd("SMEMBERS", [k])).boxed(),
        (key(), member())
            .prop_map(|(k, m)| cmd("SISMEMBER", [k, m]))
            .boxed(),
        with_members("SMISMEMBER"),
        key().prop_map(|k| cmd("SCARD", [k])).boxed(),
        (
            key(),
            prop_oneof![
                4 => pick(&["100", "1000", "0", "-3", "1", "2"]),
                1 => pick(&["abc", "-9223372036854775808", "9223372036854775808", "1.5"]),
            ],
            vec(junk(), 0..2),
        )
            .prop_map(|(k, c, extra)| cmd("SRANDMEMBER", [k, c].into_iter().chain(extra)))
            .boxed(),
        (key(), key(), member())
            .prop_map(|(s, d, m)| cmd("SMOVE", [s, d, m]))
            .boxed(),
        over_keys("SINTER"),
        over_keys("SUNION"),
        over_keys("SDIFF"),
        store("SINTERSTORE"),
        store("SUNIONSTORE"),
        store("SDIFFSTORE"),
        (
            prop_oneof![
                4 => (1usize..4).prop_map(|n| n.to_string().into_bytes()),
                1 => pick(&["0", "-1", "5", "abc", "", "1.5", "4611686018427387904",
                    "9223372036854775807", "-9223372036854775808", "9223372036854775808"]),
            ],
            keys(3),
            prop_oneof![
                2 => Just(vec![]),
                2 => pick(&["0", "1", "2", "100", "-1", "abc"]).prop_map(|l| vec![b("LIMIT"), l]),
                1 => vec(prop_oneof![pick(&["LIMIT"]), junk(), pick(&["1"])], 1..3),
            ],
        )
            .prop_map(|(n, ks, opts)| cmd("SINTERCARD", std::iter::once(n).chain(ks).chain(opts)))
            .boxed(),
        (
            key(),
            vec(sscan_option(), 0..3),
            prop_oneof![8 => Just(b("0")), 1 => pick(&["abc", "-", " 0", "1.5"])],
        )
            .prop_map(|(k, o, cursor)| {
                cmd(
                    "SSCAN",
                    [k, cursor].into_iter().chain(o.into_iter().flatten()),
                )
            })
            .boxed(),
        key()
            .prop_map(|k| cmd("OBJECT", [b("ENCODING"), k]))
            .boxed(),
    ])
}
