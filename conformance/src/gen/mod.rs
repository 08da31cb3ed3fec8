//! Generated command sequences: proptest strategies, one file per command family.
//!
//! Every strategy draws from a small key space ([`KEYS`]: six keys, three of them sharing
//! the hash tag `{t}`) so that commands collide on keys, types and shards, and produces
//! valid calls as well as invalid ones: wrong arity, non-integers, out-of-range values,
//! unknown options and option combinations that Redis rejects. On top of each family's own
//! invalid forms, [`command`] truncates or extends some calls (wrong arity everywhere) and
//! writes some command names in lower or mixed case.
//!
//! A new family adds a file here with a `commands()` strategy and a line in [`FAMILIES`].
//! The strategies never produce the commands that [`crate::normalise::EXCLUDED`] lists, nor
//! writes whose effect outlives a case (CONFIG SET), nor expiries short enough to fire
//! while a sequence runs: expiry is exercised with times in the past (the key goes at once)
//! and in the far future.

pub mod hashes;
pub mod keyspace;
pub mod lists;
pub mod server;
pub mod sets;
pub mod strings;
pub mod zsets;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::Union;

/// One command: its arguments, the name first.
pub type Cmd = Vec<Vec<u8>>;

/// The key space every family draws from.
pub const KEYS: &[&str] = &["k1", "k2", "k3", "{t}a", "{t}b", "{t}c"];

/// The longest generated sequence.
pub const MAX_SEQUENCE: usize = 32;

/// A family: its name (as in `core/src/cmd/<family>.rs`), its weight in the mix, and its
/// strategy.
pub struct Family {
    /// The family's name.
    pub name: &'static str,
    /// Its relative frequency in generated sequences.
    pub weight: u32,
    /// Its commands.
    pub commands: fn() -> BoxedStrategy<Cmd>,
}

/// Every family with a generator.
pub const FAMILIES: &[Family] = &[
    Family {
        name: "string",
        weight: 45,
        commands: strings::commands,
    },
    Family {
        name: "keyspace",
        weight: 35,
        commands: keyspace::commands,
    },
    Family {
        name: "server",
        weight: 20,
        commands: server::commands,
    },
    Family {
        name: "list",
        weight: 25,
        commands: lists::commands,
    },
    Family {
        name: "set",
        weight: 25,
        commands: sets::commands,
    },
    Family {
        name: "hash",
        weight: 25,
        commands: hashes::commands,
    },
    Family {
        name: "zset",
        weight: 30,
        commands: zsets::commands,
    },
];

/// Bytes of a string.
pub fn b(s: &str) -> Vec<u8> {
    s.as_bytes().to_vec()
}

/// A command from a name and arguments.
pub fn cmd<I: IntoIterator<Item = Vec<u8>>>(name: &str, args: I) -> Cmd {
    let mut c = vec![b(name)];
    c.extend(args);
    c
}

/// One of several strategies, with equal weight (shrinks towards the first).
pub fn one_of(options: Vec<BoxedStrategy<Cmd>>) -> BoxedStrategy<Cmd> {
    Union::new(options).boxed()
}

/// One of a fixed list of texts (shrinks towards the first).
pub fn pick(options: &[&'static str]) -> BoxedStrategy<Vec<u8>> {
    select(options.to_vec()).prop_map(b).boxed()
}

/// A key: mostly one of [`KEYS`], now and then an odd one.
pub fn key() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        20 => pick(KEYS),
        1 => pick(&["", "k 1", "\u{e9}\u{0}k", "{t}"]),
    ]
    .boxed()
}

/// One to `max` keys (repeats allowed).
pub fn keys(max: usize) -> BoxedStrategy<Vec<Vec<u8>>> {
    vec(key(), 1..=max).boxed()
}

/// A string value: short, empty, integer-like (in and out of the 64-bit range, with
/// signs, spaces and leading zeros), float-like, binary, and around Redis's 44-byte
/// embstr limit.
pub fn value() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        4 => pick(&["v", "hello", "", "world", "ohmytext", "mynewtext", "a b", "\u{0}\u{ff}\r\n"]),
        3 => pick(&[
            "0", "1", "-1", "10", "123", "-5", "9999", "10000", "9223372036854775807",
            "-9223372036854775808", "9223372036854775808", "007", "+1", " 1", "1 ", "-0",
        ]),
        1 => pick(&["1.5", "3e2", "0.1", "-2.5", "inf", "nan", "1e400", "10.50", "0x10"]),
        1 => select(vec![43usize, 44, 45, 100]).prop_map(|n| vec![b'x'; n]),
    ]
    .boxed()
}

/// An integer argument: small, boundary, overflowing and not an integer at all.
pub fn int() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        6 => (-20i64..=100).prop_map(|n| n.to_string().into_bytes()),
        2 => pick(&[
            "9223372036854775807", "-9223372036854775808", "9223372036854775808",
            "-9223372036854775809", "4611686018427387904",
        ]),
        2 => pick(&["abc", "", "1.5", " 1", "1 ", "+1", "01", "0x1", "-0", "1e3", "\u{0}"]),
    ]
    .boxed()
}

/// A float argument (INCRBYFLOAT and friends).
pub fn float() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        3 => pick(&["1", "1.5", "-0.5", "0.1", "10.50", "3.0", "-3", "0", "1e3", "2.5e-3", "5e-324"]),
        1 => pick(&[
            "1e308", "-1e308", "1.7976931348623157e308", "inf", "-inf", "+inf", "nan", "abc",
            "", " 1", "1 ", "0x10", "1e", "--1", "1.5.5",
        ]),
        1 => (-1000i64..1000).prop_map(|n| n.to_string().into_bytes()),
    ]
    .boxed()
}

/// A logical database index: valid, out of range, and not a number.
pub fn db_index() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        6 => pick(&["0", "1", "2", "15"]),
        1 => pick(&["16", "-1", "abc", "1.0", "", "9223372036854775808"]),
    ]
    .boxed()
}

/// An unknown option word.
pub fn junk() -> BoxedStrategy<Vec<u8>> {
    pick(&["FOO", "nx1", "", "EXX", "-", "WITH"])
}

/// Changes a command's arity: drops trailing arguments (never the name) or adds one.
fn mutate(c: Cmd, how: u8, n: usize) -> Cmd {
    let mut c = c;
    match how {
        0 if c.len() > 1 => c.truncate(1 + n % (c.len() - 1)),
        1 => c.push(b"extra".to_vec()),
        _ => {}
    }
    c
}

/// Writes the command name as given (upper case), in lower case, or in mixed case.
fn recase(mut c: Cmd, how: u8) -> Cmd {
    match how {
        1 => c[0].make_ascii_lowercase(),
        2 => {
            for (i, ch) in c[0].iter_mut().enumerate() {
                if i % 2 == 1 {
                    ch.make_ascii_lowercase();
                }
            }
        }
        _ => {}
    }
    c
}

/// True when `c` may appear in a generated sequence: not excluded, and not a form whose
/// reply lists the whole command table (COMMAND INFO without names).
pub fn allowed(c: &Cmd) -> bool {
    let name = crate::commands::name_of(c);
    if crate::normalise::excluded(&name).is_some() {
        return false;
    }
    !(name == "command|info" && c.len() < 3)
}

/// Any command of any family, now and then with a wrong arity, its name in any case.
pub fn command() -> BoxedStrategy<Cmd> {
    let families: Vec<(u32, BoxedStrategy<Cmd>)> = FAMILIES
        .iter()
        .map(|f| (f.weight, (f.commands)()))
        .collect();
    let base = Union::new_weighted(families);
    let arity = prop_oneof![20 => Just(2u8), 1 => Just(0u8), 1 => Just(1u8)];
    let case = prop_oneof![8 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8)];
    (base, arity, 0usize..8, case)
        .prop_map(|(c, how, n, case)| recase(mutate(c, how, n), case))
        .prop_filter("excluded command", allowed)
        .boxed()
}

/// A sequence of commands, run from an empty dataset. One in five starts with `HELLO 3`, so
/// that every family's replies are also compared in RESP3.
pub fn sequence() -> BoxedStrategy<Vec<Cmd>> {
    (prop::bool::weighted(0.2), vec(command(), 1..=MAX_SEQUENCE))
        .prop_map(|(resp3, cmds)| {
            let hello = resp3.then(|| cmd("HELLO", [b("3")]));
            hello.into_iter().chain(cmds).collect()
        })
        .boxed()
}

/// Mostly a valid argument, sometimes an invalid one (4 to 1).
pub fn mostly(valid: &[&'static str], invalid: &[&'static str]) -> BoxedStrategy<Vec<u8>> {
    prop_oneof![4 => pick(valid), 1 => pick(invalid)].boxed()
}

/// Absolute Unix times in seconds: in the past (the key expires at once) and far in the
/// future, plus invalid ones.
pub fn unix_secs() -> BoxedStrategy<Vec<u8>> {
    mostly(
        &["4102444800", "1", "1000000000", "0", "253402300799"],
        &["-1", "abc", "9223372036854775807", "1.5"],
    )
}

/// Absolute Unix times in milliseconds, as [`unix_secs`].
pub fn unix_ms() -> BoxedStrategy<Vec<u8>> {
    mostly(
        &[
            "4102444800000",
            "1",
            "1000000000000",
            "0",
            "253402300799000",
        ],
        &["-1", "abc", "9223372036854775807", "1.5"],
    )
}

/// Absolute Unix times in seconds for SET EXAT: only in the future, plus invalid ones.
/// Redis keeps a key that SET gives a past expiry until its expiry cycle or a lookup
/// removes it, and DBSIZE counts it meanwhile; that timing is not reproducible, so past
/// times for SET live in the case files (with lookups, not DBSIZE).
pub fn future_unix_secs() -> BoxedStrategy<Vec<u8>> {
    mostly(
        &["4102444800", "253402300799"],
        &["-1", "0", "abc", "9223372036854775807", "1.5"],
    )
}

/// Absolute Unix times in milliseconds for SET PXAT, as [`future_unix_secs`].
pub fn future_unix_ms() -> BoxedStrategy<Vec<u8>> {
    mostly(
        &["4102444800000", "253402300799000", "4102444800123"],
        &["-1", "0", "abc", "9223372036854775807"],
    )
}

/// Relative times in seconds: none shorter than 100 s (nothing expires mid-sequence),
/// zero and negative ones (expire at once, or are refused), overflowing ones.
pub fn rel_secs() -> BoxedStrategy<Vec<u8>> {
    mostly(
        &["100", "1000", "86400", "100000000"],
        &[
            "0",
            "-1",
            "abc",
            "9223372036854775807",
            "9223372036854775",
            "1.5",
            "",
        ],
    )
}

/// Relative times in milliseconds, as [`rel_secs`].
pub fn rel_ms() -> BoxedStrategy<Vec<u8>> {
    mostly(
        &["100000", "1000000", "86400000", "130000"],
        &["0", "-1", "abc", "9223372036854775807", "1.5"],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    #[test]
    fn generated_commands_are_never_excluded_and_never_empty() {
        let mut runner = TestRunner::deterministic();
        let s = command();
        for _ in 0..5000 {
            let c = s.new_tree(&mut runner).unwrap().current();
            assert!(!c.is_empty());
            assert!(allowed(&c), "{}", crate::case::render_args(&c));
        }
    }
}
