//! The list family: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX LSET LINSERT
//! LREM LTRIM LPOS LMOVE RPOPLPUSH LMPOP.
//!
//! Elements come from a small set (so that LPOS, LREM and LINSERT find them) mixed with the
//! shared [`value`]s (integers, binary and long strings); indexes and counts cover negative,
//! huge and non-numeric values; LPOS options and LMPOP's numkeys/COUNT are drawn valid and
//! invalid, in any order.

use super::{b, cmd, int, junk, key, keys, one_of, pick, value, Cmd};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::strategy::Union;

/// A list element: mostly one of a few short ones, so that searches hit.
fn elem() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        4 => pick(&["a", "b", "c", "1", "2", "-1", "007", ""]),
        1 => value(),
    ]
    .boxed()
}

/// One to `max` elements.
fn elems(max: usize) -> BoxedStrategy<Vec<Vec<u8>>> {
    vec(elem(), 1..=max).boxed()
}

/// An index or range bound: small, negative, huge, and not a number.
fn index() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        8 => (-8i64..8).prop_map(|n| n.to_string().into_bytes()),
        1 => pick(&[
            "100", "-100", "9223372036854775807", "-9223372036854775808", "abc", "", "1.5",
        ]),
    ]
    .boxed()
}

/// LEFT or RIGHT, now and then something else.
fn side() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        8 => pick(&["LEFT", "RIGHT", "left", "Right"]),
        1 => pick(&["UP", "", "LEFTX"]),
    ]
    .boxed()
}

/// A count for LPOP/RPOP and LMPOP: small, zero, negative, not a number.
fn count() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        6 => (0i64..6).prop_map(|n| n.to_string().into_bytes()),
        1 => pick(&["-1", "abc", "100", "9223372036854775807"]),
    ]
    .boxed()
}

/// LPOS's options, in any number and order.
fn lpos_option() -> BoxedStrategy<Vec<Vec<u8>>> {
    prop_oneof![
        2 => prop_oneof![4 => (-3i64..4).prop_map(|n| n.to_string().into_bytes()), 1 => pick(&["-9223372036854775808", "abc"])]
            .prop_map(|r| vec![b("RANK"), r]),
        2 => prop_oneof![4 => (0i64..4).prop_map(|n| n.to_string().into_bytes()), 1 => pick(&["-1", "abc"])]
            .prop_map(|c| vec![b("COUNT"), c]),
        2 => prop_oneof![4 => (0i64..6).prop_map(|n| n.to_string().into_bytes()), 1 => pick(&["-1", "x"])]
            .prop_map(|m| vec![b("MAXLEN"), m]),
        1 => pick(&["RANK", "COUNT", "MAXLEN"]).prop_map(|o| vec![o]),
        1 => junk().prop_map(|o| vec![o]),
    ]
    .boxed()
}

/// LMPOP's arguments: numkeys (matching, too many, invalid), keys, side, COUNT.
fn lmpop_args() -> BoxedStrategy<Vec<Vec<u8>>> {
    (
        keys(3),
        prop_oneof![6 => Just(None), 1 => pick(&["0", "-1", "abc", "9", "4611686018427387904"]).prop_map(Some)],
        side(),
        prop_oneof![
            3 => Just(vec![]),
            3 => count().prop_map(|c| vec![b("COUNT"), c]),
            1 => pick(&["COUNT", "FOO"]).prop_map(|o| vec![o]),
            1 => Just(vec![b("COUNT"), b("1"), b("COUNT"), b("2")]),
        ],
    )
        .prop_map(|(ks, n, s, opts)| {
            let n = n.unwrap_or_else(|| ks.len().to_string().into_bytes());
            std::iter::once(n)
                .chain(ks)
                .chain(std::iter::once(s))
                .chain(opts)
                .collect()
        })
        .boxed()
}

/// The family's commands: pushes weigh as much as all the rest, so that sequences hold
/// lists for the other commands to work on.
pub fn commands() -> BoxedStrategy<Cmd> {
    Union::new_weighted(vec![(1, pushes()), (1, others())]).boxed()
}

/// LPUSH, RPUSH, LPUSHX, RPUSHX.
fn pushes() -> BoxedStrategy<Cmd> {
    one_of(vec![
        (pick(&["LPUSH", "RPUSH"]), key(), elems(6))
            .prop_map(|(c, k, es)| {
                let name = String::from_utf8(c).expect("ascii");
                cmd(&name, std::iter::once(k).chain(es))
            })
            .boxed(),
        (pick(&["LPUSH", "RPUSH"]), key(), elems(3))
            .prop_map(|(c, k, es)| {
                let name = String::from_utf8(c).expect("ascii");
                cmd(&name, std::iter::once(k).chain(es))
            })
            .boxed(),
        (pick(&["LPUSHX", "RPUSHX"]), key(), elems(3))
            .prop_map(|(c, k, es)| {
                let name = String::from_utf8(c).expect("ascii");
                cmd(&name, std::iter::once(k).chain(es))
            })
            .boxed(),
    ])
}

/// The other commands.
fn others() -> BoxedStrategy<Cmd> {
    one_of(vec![
        (pick(&["LPOP", "RPOP"]), key(), prop::option::of(count()))
            .prop_map(|(c, k, n)| {
                let name = String::from_utf8(c).expect("ascii");
                cmd(&name, std::iter::once(k).chain(n))
            })
            .boxed(),
        key().prop_map(|k| cmd("LLEN", [k])).boxed(),
        (key(), index(), index())
            .prop_map(|(k, s, e)| cmd("LRANGE", [k, s, e]))
            .boxed(),
        (key(), index())
            .prop_map(|(k, i)| cmd("LINDEX", [k, i]))
            .boxed(),
        (key(), index(), elem())
            .prop_map(|(k, i, v)| cmd("LSET", [k, i, v]))
            .boxed(),
        (
            key(),
            prop_oneof![8 => pick(&["BEFORE", "AFTER", "before"]), 1 => junk()],
            elem(),
            elem(),
        )
            .prop_map(|(k, w, p, v)| cmd("LINSERT", [k, w, p, v]))
            .boxed(),
        (
            key(),
            prop_oneof![4 => (-3i64..4).prop_map(|n| n.to_string().into_bytes()), 1 => int()],
            elem(),
        )
            .prop_map(|(k, n, v)| cmd("LREM", [k, n, v]))
            .boxed(),
        (key(), index(), index())
            .prop_map(|(k, s, e)| cmd("LTRIM", [k, s, e]))
            .boxed(),
        (key(), elem(), vec(lpos_option(), 0..3))
            .prop_map(|(k, v, o)| cmd("LPOS", [k, v].into_iter().chain(o.into_iter().flatten())))
            .boxed(),
        (key(), key(), side(), side())
            .prop_map(|(s, d, a, w)| cmd("LMOVE", [s, d, a, w]))
            .boxed(),
        (key(), key())
            .prop_map(|(s, d)| cmd("RPOPLPUSH", [s, d]))
            .boxed(),
        lmpop_args().prop_map(|a| cmd("LMPOP", a)).boxed(),
    ])
}
