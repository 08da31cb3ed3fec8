//! The hash family: HSET HSETNX HGET HMGET HMSET HDEL HLEN HSTRLEN HEXISTS HKEYS HVALS
//! HGETALL HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN.
//!
//! Fields come from a small pool so that calls collide; now and then a field or value is
//! longer than `hash-max-listpack-value` (64), which converts the hash to a hashtable, so
//! both encodings meet every command. (Reaching 512 fields takes more steps than a
//! sequence has; the host tests cover that threshold.)

use super::{b, cmd, float, int, junk, key, one_of, pick, value, Cmd};
use proptest::collection::vec;
use proptest::prelude::*;

/// A field: mostly from a small pool, sometimes empty, binary or too long for a listpack.
fn field() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        12 => pick(&["f1", "f2", "f3", "a", "b", "n"]),
        1 => pick(&["", "F1", "f 1", "\u{0}\u{ff}"]),
        1 => Just(vec![b'y'; 65]),
    ]
    .boxed()
}

/// Field and value pairs, one to four.
fn pairs() -> BoxedStrategy<Vec<Vec<u8>>> {
    vec((field(), value()), 1..=4)
        .prop_map(|ps| ps.into_iter().flat_map(|(f, v)| [f, v]).collect())
        .boxed()
}

/// One to four fields.
fn fields() -> BoxedStrategy<Vec<Vec<u8>>> {
    vec(field(), 1..=4).boxed()
}

/// HRANDFIELD's count: small, negative, zero, huge and invalid.
fn rand_count() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        6 => (-8i64..=8).prop_map(|n| n.to_string().into_bytes()),
        1 => pick(&[
            "-9223372036854775808", "9223372036854775807", "4611686018427387904",
            "4611686018427387903", "abc", "1.5", "",
        ]),
    ]
    .boxed()
}

/// HSCAN's options.
fn scan_option() -> BoxedStrategy<Vec<Vec<u8>>> {
    prop_oneof![
        3 => pick(&["*", "f*", "a", "f[12]", "*1", "x*"]).prop_map(|p| vec![b("MATCH"), p]),
        3 => pick(&["1", "2", "10", "100"]).prop_map(|c| vec![b("COUNT"), c]),
        1 => pick(&["0", "-1", "abc", ""]).prop_map(|c| vec![b("COUNT"), c]),
        1 => pick(&["MATCH", "COUNT", "TYPE"]).prop_map(|o| vec![o]),
        1 => Just(vec![b("TYPE"), b("hash")]),
        1 => junk().prop_map(|o| vec![o]),
    ]
    .boxed()
}

/// Any hash command.
pub fn commands() -> BoxedStrategy<Cmd> {
    one_of(vec![
        (key(), pairs())
            .prop_map(|(k, p)| cmd("HSET", [k].into_iter().chain(p)))
            .boxed(),
        (key(), pairs())
            .prop_map(|(k, p)| cmd("HMSET", [k].into_iter().chain(p)))
            .boxed(),
        (key(), fields())
            .prop_map(|(k, f)| cmd("HSET", [k].into_iter().chain(f)))
            .boxed(),
        (key(), field(), value())
            .prop_map(|(k, f, v)| cmd("HSETNX", [k, f, v]))
            .boxed(),
        (key(), field())
            .prop_map(|(k, f)| cmd("HGET", [k, f]))
            .boxed(),
        (key(), fields())
            .prop_map(|(k, f)| cmd("HMGET", [k].into_iter().chain(f)))
            .boxed(),
        (key(), fields())
            .prop_map(|(k, f)| cmd("HDEL", [k].into_iter().chain(f)))
            .boxed(),
        key().prop_map(|k| cmd("HLEN", [k])).boxed(),
        (key(), field())
            .prop_map(|(k, f)| cmd("HSTRLEN", [k, f]))
            .boxed(),
        (key(), field())
            .prop_map(|(k, f)| cmd("HEXISTS", [k, f]))
            .boxed(),
        (key(), pick(&["HKEYS", "HVALS", "HGETALL"]))
            .prop_map(|(k, c)| vec![c, k])
            .boxed(),
        (key(), field(), int())
            .prop_map(|(k, f, n)| cmd("HINCRBY", [k, f, n]))
            .boxed(),
        (key(), field(), float())
            .prop_map(|(k, f, n)| cmd("HINCRBYFLOAT", [k, f, n]))
            .boxed(),
        key().prop_map(|k| cmd("HRANDFIELD", [k])).boxed(),
        (key(), rand_count())
            .prop_map(|(k, c)| cmd("HRANDFIELD", [k, c]))
            .boxed(),
        (
            key(),
            rand_count(),
            prop_oneof![4 => Just(b("WITHVALUES")), 1 => pick(&["withvalues", "WITHVALUE", "x"])],
        )
            .prop_map(|(k, c, w)| cmd("HRANDFIELD", [k, c, w]))
            .boxed(),
        (
            key(),
            prop_oneof![6 => Just(b("0")), 1 => pick(&["abc", " 1", "18446744073709551616"])],
            vec(scan_option(), 0..=2),
        )
            .prop_map(|(k, c, opts)| {
                cmd(
                    "HSCAN",
                    [k, c].into_iter().chain(opts.into_iter().flatten()),
                )
            })
            .boxed(),
    ])
}
