//! The string family (and the bit commands on strings): GET SET SETNX SETEX PSETEX GETSET
//! GETDEL GETEX MGET MSET MSETNX INCR DECR INCRBY DECRBY INCRBYFLOAT APPEND STRLEN GETRANGE
//! SETRANGE SUBSTR LCS SETBIT GETBIT BITCOUNT.

use super::{
    b, cmd, float, future_unix_ms, future_unix_secs, int, junk, key, keys, one_of, pick, rel_ms,
    rel_secs, unix_ms, unix_secs, value, Cmd,
};
use proptest::collection::vec;
use proptest::prelude::*;

/// SET's options: each valid alone, and drawn in any number and order so that Redis's
/// "syntax error" combinations (NX XX, EX PX, KEEPTTL EX, a missing or bad time) appear.
/// Absolute times are in the future only (see [`super::future_unix_secs`]).
fn set_option() -> BoxedStrategy<Vec<Vec<u8>>> {
    prop_oneof![
        3 => pick(&["NX", "XX", "GET", "KEEPTTL"]).prop_map(|o| vec![o]),
        1 => rel_secs().prop_map(|t| vec![b("EX"), t]),
        1 => rel_ms().prop_map(|t| vec![b("PX"), t]),
        1 => future_unix_secs().prop_map(|t| vec![b("EXAT"), t]),
        1 => future_unix_ms().prop_map(|t| vec![b("PXAT"), t]),
        1 => pick(&["EX", "PX", "nx", "px"]).prop_map(|o| vec![o]),
        1 => junk().prop_map(|o| vec![o]),
    ]
    .boxed()
}

/// GETEX's options, as SET's.
fn getex_option() -> BoxedStrategy<Vec<Vec<u8>>> {
    prop_oneof![
        2 => Just(vec![b("PERSIST")]),
        1 => rel_secs().prop_map(|t| vec![b("EX"), t]),
        1 => rel_ms().prop_map(|t| vec![b("PX"), t]),
        1 => unix_secs().prop_map(|t| vec![b("EXAT"), t]),
        1 => unix_ms().prop_map(|t| vec![b("PXAT"), t]),
        1 => pick(&["EX", "KEEPTTL", "NX"]).prop_map(|o| vec![o]),
    ]
    .boxed()
}

/// LCS's options.
fn lcs_option() -> BoxedStrategy<Vec<Vec<u8>>> {
    prop_oneof![
        3 => pick(&["LEN", "IDX", "WITHMATCHLEN"]).prop_map(|o| vec![o]),
        2 => pick(&["0", "1", "2", "4", "-1", "abc"]).prop_map(|n| vec![b("MINMATCHLEN"), n]),
        1 => pick(&["MINMATCHLEN", "FOO"]).prop_map(|o| vec![o]),
    ]
    .boxed()
}

/// Byte or bit offsets for SETRANGE and SETBIT: small ones, and ones just past Redis's
/// 512 MB limit (refused). Valid offsets near the limit are never drawn: they would
/// allocate 512 MB.
fn write_offset(bits: bool) -> BoxedStrategy<Vec<u8>> {
    let limit = if bits { "4294967296" } else { "536870912" };
    prop_oneof![
        6 => (0u32..24).prop_map(|n| n.to_string().into_bytes()),
        1 => pick(&["100", "1000"]),
        1 => pick(&[limit, "-1", "abc", "1.5", "9223372036854775807", ""]),
    ]
    .boxed()
}

/// A range bound for GETRANGE, SUBSTR and BITCOUNT.
fn bound() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        6 => (-12i64..12).prop_map(|n| n.to_string().into_bytes()),
        1 => pick(&["100", "-100", "9223372036854775807", "-9223372036854775808", "abc", ""]),
    ]
    .boxed()
}

/// Key-value pairs for MSET and MSETNX, now and then with a missing value.
fn pairs() -> BoxedStrategy<Vec<Vec<u8>>> {
    (vec((key(), value()), 1..4), prop::bool::weighted(0.1))
        .prop_map(|(ps, odd)| {
            let mut out: Vec<Vec<u8>> = ps.into_iter().flat_map(|(k, v)| [k, v]).collect();
            if odd {
                out.pop();
            }
            out
        })
        .boxed()
}

/// The family's commands.
pub fn commands() -> BoxedStrategy<Cmd> {
    one_of(vec![
        key().prop_map(|k| cmd("GET", [k])).boxed(),
        (key(), value(), vec(set_option(), 0..3))
            .prop_map(|(k, v, o)| cmd("SET", [k, v].into_iter().chain(o.into_iter().flatten())))
            .boxed(),
        (key(), value())
            .prop_map(|(k, v)| cmd("SET", [k, v]))
            .boxed(),
        (key(), value())
            .prop_map(|(k, v)| cmd("SETNX", [k, v]))
            .boxed(),
        (key(), rel_secs(), value())
            .prop_map(|(k, t, v)| cmd("SETEX", [k, t, v]))
            .boxed(),
        (key(), rel_ms(), value())
            .prop_map(|(k, t, v)| cmd("PSETEX", [k, t, v]))
            .boxed(),
        (key(), value())
            .prop_map(|(k, v)| cmd("GETSET", [k, v]))
            .boxed(),
        key().prop_map(|k| cmd("GETDEL", [k])).boxed(),
        (key(), vec(getex_option(), 0..3))
            .prop_map(|(k, o)| cmd("GETEX", std::iter::once(k).chain(o.into_iter().flatten())))
            .boxed(),
        keys(4).prop_map(|ks| cmd("MGET", ks)).boxed(),
        pairs().prop_map(|p| cmd("MSET", p)).boxed(),
        pairs().prop_map(|p| cmd("MSETNX", p)).boxed(),
        key().prop_map(|k| cmd("INCR", [k])).boxed(),
        key().prop_map(|k| cmd("DECR", [k])).boxed(),
        (key(), int())
            .prop_map(|(k, n)| cmd("INCRBY", [k, n]))
            .boxed(),
        (key(), int())
            .prop_map(|(k, n)| cmd("DECRBY", [k, n]))
            .boxed(),
        (key(), float())
            .prop_map(|(k, f)| cmd("INCRBYFLOAT", [k, f]))
            .boxed(),
        (key(), value())
            .prop_map(|(k, v)| cmd("APPEND", [k, v]))
            .boxed(),
        key().prop_map(|k| cmd("STRLEN", [k])).boxed(),
        (key(), bound(), bound())
            .prop_map(|(k, s, e)| cmd("GETRANGE", [k, s, e]))
            .boxed(),
        (key(), bound(), bound())
            .prop_map(|(k, s, e)| cmd("SUBSTR", [k, s, e]))
            .boxed(),
        (key(), write_offset(false), value())
            .prop_map(|(k, o, v)| cmd("SETRANGE", [k, o, v]))
            .boxed(),
        (key(), key(), vec(lcs_option(), 0..4))
            .prop_map(|(a, k2, o)| cmd("LCS", [a, k2].into_iter().chain(o.into_iter().flatten())))
            .boxed(),
        (
            key(),
            write_offset(true),
            super::mostly(&["0", "1"], &["2", "-1", "abc", ""]),
        )
            .prop_map(|(k, o, v)| cmd("SETBIT", [k, o, v]))
            .boxed(),
        (
            key(),
            prop_oneof![4 => write_offset(true), 1 => pick(&["4294967295"])],
        )
            .prop_map(|(k, o)| cmd("GETBIT", [k, o]))
            .boxed(),
        (
            key(),
            prop::option::of((
                bound(),
                bound(),
                prop::option::of(pick(&["BYTE", "BIT", "bit", "WORD"])),
            )),
            prop::bool::weighted(0.1),
        )
            .prop_map(|(k, range, only_start)| {
                let mut c = cmd("BITCOUNT", [k]);
                if let Some((s, e, unit)) = range {
                    c.push(s);
                    if !only_start {
                        c.push(e);
                        c.extend(unit);
                    }
                }
                c
            })
            .boxed(),
    ])
}
