//! The sorted set family: ZADD ZINCRBY ZREM ZCARD ZSCORE ZMSCORE ZCOUNT ZLEXCOUNT ZRANK
//! ZREVRANK ZRANGE ZREVRANGE ZRANGEBYSCORE ZREVRANGEBYSCORE ZRANGEBYLEX ZREVRANGEBYLEX
//! ZRANGESTORE ZREMRANGEBYRANK ZREMRANGEBYSCORE ZREMRANGEBYLEX ZPOPMIN ZPOPMAX ZMPOP
//! ZRANDMEMBER (deterministic forms only) ZSCAN ZUNION ZINTER ZDIFF ZUNIONSTORE
//! ZINTERSTORE ZDIFFSTORE ZINTERCARD.

use super::{b, cmd, int, junk, key, keys, one_of, pick, Cmd};
use proptest::collection::vec;
use proptest::prelude::*;

/// A member: a few letters (so that commands collide), now and then an odd one.
fn member() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        8 => pick(&["a", "b", "c", "d", "e", "ab"]),
        1 => pick(&["", "1", "x y", "\u{0}\u{ff}"]),
    ]
    .boxed()
}

/// A score: small integers and fractions, infinities, and invalid ones.
fn score() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        6 => (-5i64..10).prop_map(|n| n.to_string().into_bytes()),
        2 => pick(&["1.5", "-0.5", "0.1", "+inf", "-inf", "inf", "1e3", "0x10", "-0", "3.0"]),
        1 => pick(&["abc", "", " 1", "1 ", "nan", "1e400", "1e-400", "--1"]),
    ]
    .boxed()
}

/// A score range bound.
fn bound() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        5 => (-3i64..8).prop_map(|n| n.to_string().into_bytes()),
        2 => (-3i64..8).prop_map(|n| format!("({n}").into_bytes()),
        2 => pick(&["-inf", "+inf", "(-inf", "(+inf", "1.5", "(0.5"]),
        1 => pick(&["abc", "", " 1", "1 ", "nan", "((1", "(", "1e400"]),
    ]
    .boxed()
}

/// A lex range bound.
fn lex() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        5 => pick(&["[a", "(a", "[b", "(b", "[c", "(c", "[d", "[e", "(e", "[ab", "["]),
        2 => pick(&["-", "+"]),
        1 => pick(&["a", "", "++", "-a", "{a"]),
    ]
    .boxed()
}

/// A rank or offset.
fn rank() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        6 => (-6i64..8).prop_map(|n| n.to_string().into_bytes()),
        1 => int(),
    ]
    .boxed()
}

/// Score-member pairs, now and then with a member missing.
fn pairs() -> BoxedStrategy<Vec<Vec<u8>>> {
    (vec((score(), member()), 1..5), prop::bool::weighted(0.05))
        .prop_map(|(ps, odd)| {
            let mut out: Vec<Vec<u8>> = ps.into_iter().flat_map(|(s, m)| [s, m]).collect();
            if odd {
                out.pop();
            }
            out
        })
        .boxed()
}

/// ZRANGE's options, drawn in any number and order.
fn range_option() -> BoxedStrategy<Vec<Vec<u8>>> {
    prop_oneof![
        3 => pick(&["WITHSCORES", "REV", "BYSCORE", "BYLEX"]).prop_map(|o| vec![o]),
        2 => (rank(), rank()).prop_map(|(o, c)| vec![b("LIMIT"), o, c]),
        1 => pick(&["LIMIT", "withscores", "rev"]).prop_map(|o| vec![o]),
        1 => junk().prop_map(|o| vec![o]),
    ]
    .boxed()
}

/// Range arguments for ZRANGE: ranks, score bounds or lex bounds.
fn any_bounds() -> BoxedStrategy<(Vec<u8>, Vec<u8>)> {
    prop_oneof![(rank(), rank()), (bound(), bound()), (lex(), lex())].boxed()
}

/// WEIGHTS / AGGREGATE / WITHSCORES options of the set operations.
fn setop_option() -> BoxedStrategy<Vec<Vec<u8>>> {
    prop_oneof![
        2 => vec(pick(&["1", "2", "0.5", "-1", "0", "inf", "abc"]), 1..4)
            .prop_map(|ws| std::iter::once(b("WEIGHTS")).chain(ws).collect()),
        2 => pick(&["SUM", "MIN", "MAX", "max", "foo"]).prop_map(|a| vec![b("AGGREGATE"), a]),
        2 => Just(vec![b("WITHSCORES")]),
        1 => pick(&["LIMIT", "AGGREGATE", "WEIGHTS"]).prop_map(|o| vec![o]),
    ]
    .boxed()
}

/// numkeys (mostly right, sometimes wrong) and the keys.
fn numkeys() -> BoxedStrategy<Vec<Vec<u8>>> {
    (
        keys(3),
        prop_oneof![8 => Just(None), 1 => pick(&["0", "-1", "abc", "5"]).prop_map(Some)],
    )
        .prop_map(|(ks, n)| {
            let n = n.unwrap_or_else(|| ks.len().to_string().into_bytes());
            std::iter::once(n).chain(ks).collect()
        })
        .boxed()
}

fn with_opts(
    name: &'static str,
    head: BoxedStrategy<Vec<Vec<u8>>>,
    opts: BoxedStrategy<Vec<Vec<u8>>>,
    max: usize,
) -> BoxedStrategy<Cmd> {
    (head, vec(opts, 0..max))
        .prop_map(move |(h, o)| cmd(name, h.into_iter().chain(o.into_iter().flatten())))
        .boxed()
}

/// The family's commands.
pub fn commands() -> BoxedStrategy<Cmd> {
    let zadd_flag = pick(&["NX", "XX", "GT", "LT", "CH", "INCR"])
        .prop_map(|f| vec![f])
        .boxed();
    one_of(vec![
        (key(), vec(zadd_flag, 0..3), pairs())
            .prop_map(|(k, f, p)| {
                cmd(
                    "ZADD",
                    std::iter::once(k).chain(f.into_iter().flatten()).chain(p),
                )
            })
            .boxed(),
        (key(), pairs())
            .prop_map(|(k, p)| cmd("ZADD", std::iter::once(k).chain(p)))
            .boxed(),
        (key(), score(), member())
            .prop_map(|(k, s, m)| cmd("ZINCRBY", [k, s, m]))
            .boxed(),
        (key(), vec(member(), 1..4))
            .prop_map(|(k, ms)| cmd("ZREM", std::iter::once(k).chain(ms)))
            .boxed(),
        key().prop_map(|k| cmd("ZCARD", [k])).boxed(),
        (key(), member())
            .prop_map(|(k, m)| cmd("ZSCORE", [k, m]))
            .boxed(),
        (key(), vec(member(), 1..4))
            .prop_map(|(k, ms)| cmd("ZMSCORE", std::iter::once(k).chain(ms)))
            .boxed(),
        (key(), bound(), bound())
            .prop_map(|(k, a, c)| cmd("ZCOUNT", [k, a, c]))
            .boxed(),
        (key(), lex(), lex())
            .prop_map(|(k, a, c)| cmd("ZLEXCOUNT", [k, a, c]))
            .boxed(),
        (key(), member())
            .prop_map(|(k, m)| cmd("ZRANK", [k, m]))
            .boxed(),
        (key(), member())
            .prop_map(|(k, m)| cmd("ZREVRANK", [k, m]))
            .boxed(),
        with_opts(
            "ZRANGE",
            (key(), any_bounds())
                .prop_map(|(k, (a, c))| vec![k, a, c])
                .boxed(),
            range_option(),
            3,
        ),
        with_opts(
            "ZRANGESTORE",
            (key(), key(), any_bounds())
                .prop_map(|(d, k, (a, c))| vec![d, k, a, c])
                .boxed(),
            range_option(),
            3,
        ),
        with_opts(
            "ZREVRANGE",
            (key(), rank(), rank())
                .prop_map(|(k, a, c)| vec![k, a, c])
                .boxed(),
            range_option(),
            2,
        ),
        with_opts(
            "ZRANGEBYSCORE",
            (key(), bound(), bound())
                .prop_map(|(k, a, c)| vec![k, a, c])
                .boxed(),
            range_option(),
            2,
        ),
        with_opts(
            "ZREVRANGEBYSCORE",
            (key(), bound(), bound())
                .prop_map(|(k, a, c)| vec![k, a, c])
                .boxed(),
            range_option(),
            2,
        ),
        with_opts(
            "ZRANGEBYLEX",
            (key(), lex(), lex())
                .prop_map(|(k, a, c)| vec![k, a, c])
                .boxed(),
            range_option(),
            2,
        ),
        with_opts(
            "ZREVRANGEBYLEX",
            (key(), lex(), lex())
                .prop_map(|(k, a, c)| vec![k, a, c])
                .boxed(),
            range_option(),
            2,
        ),
        (key(), rank(), rank())
            .prop_map(|(k, a, c)| cmd("ZREMRANGEBYRANK", [k, a, c]))
            .boxed(),
        (key(), bound(), bound())
            .prop_map(|(k, a, c)| cmd("ZREMRANGEBYSCORE", [k, a, c]))
            .boxed(),
        (key(), lex(), lex())
            .prop_map(|(k, a, c)| cmd("ZREMRANGEBYLEX", [k, a, c]))
            .boxed(),
        (key(), vec(rank(), 0..2))
            .prop_map(|(k, c)| cmd("ZPOPMIN", std::iter::once(k).chain(c)))
            .boxed(),
        (key(), vec(rank(), 0..2))
            .prop_map(|(k, c)| cmd("ZPOPMAX", std::iter::once(k).chain(c)))
            .boxed(),
        with_opts(
            "ZMPOP",
            (numkeys(), pick(&["MIN", "MAX", "min", "foo"]))
                .prop_map(|(mut h, w)| {
                    h.push(w);
                    h
                })
                .boxed(),
            prop_oneof![
                3 => rank().prop_map(|c| vec![b("COUNT"), c]),
                1 => Just(vec![b("COUNT")]),
            ]
            .boxed(),
            2,
        ),
        (
            key(),
            pick(&["0", "100", "abc", "-9223372036854775808"]),
            prop::bool::ANY,
        )
            .prop_map(|(k, c, w)| {
                let mut c = cmd("ZRANDMEMBER", [k, c]);
                if w {
                    c.push(b("WITHSCORES"));
                }
                c
            })
            .boxed(),
        with_opts(
            "ZSCAN",
            (key(), pick(&["0", "abc", "-1", "+0"]))
                .prop_map(|(k, c)| vec![k, c])
                .boxed(),
            prop_oneof![
                pick(&["*", "a*", "?", "[ab]"]).prop_map(|p| vec![b("MATCH"), p]),
                pick(&["1", "10", "0", "abc"]).prop_map(|c| vec![b("COUNT"), c]),
                junk().prop_map(|o| vec![o]),
            ]
            .boxed(),
            2,
        ),
        with_opts("ZUNION", numkeys(), setop_option(), 3),
        with_opts("ZINTER", numkeys(), setop_option(), 3),
        with_opts("ZDIFF", numkeys(), setop_option(), 2),
        with_opts(
            "ZUNIONSTORE",
            (key(), numkeys())
                .prop_map(|(d, n)| std::iter::once(d).chain(n).collect())
                .boxed(),
            setop_option(),
            3,
        ),
        with_opts(
            "ZINTERSTORE",
            (key(), numkeys())
                .prop_map(|(d, n)| std::iter::once(d).chain(n).collect())
                .boxed(),
            setop_option(),
            3,
        ),
        with_opts(
            "ZDIFFSTORE",
            (key(), numkeys())
                .prop_map(|(d, n)| std::iter::once(d).chain(n).collect())
                .boxed(),
            setop_option(),
            1,
        ),
        with_opts(
            "ZINTERCARD",
            numkeys(),
            prop_oneof![
                3 => pick(&["0", "1", "2", "-1", "abc"]).prop_map(|l| vec![b("LIMIT"), l]),
                1 => Just(vec![b("WITHSCORES")]),
            ]
            .boxed(),
            2,
        ),
    ])
}
