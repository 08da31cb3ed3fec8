//! The string family through the in-process host, and differentially against redis-server.
//!
//! Expiry is checked with the virtual clock (`advance`) and by reading the stored entry, so
//! these tests do not depend on the keyspace family's TTL commands; encodings are checked on
//! the stored [`Stored`] value for the same reason.

mod common;

use anax_core::value::Value as Stored;
use anax_core::Config;
use anax_host_single::SingleHost;
use anax_protocol::Value;
use common::{run_both, script, Redis};

fn ok() -> Value {
    Value::ok()
}

fn int(n: i64) -> Value {
    Value::Int(n)
}

fn bulk(s: impl AsRef<[u8]>) -> Value {
    Value::bulk(s)
}

fn err(s: &str) -> Value {
    Value::err(s)
}

const SYNTAX: &str = "ERR syntax error";
const NOT_INT: &str = "ERR value is not an integer or out of range";
const NOT_FLOAT: &str = "ERR value is not a valid float";

/// The stored value and absolute expiry (0 = none) of a live key in db 0.
fn entry(h: &mut SingleHost, key: &str) -> Option<(Stored, u64)> {
    let now = h.now_ms();
    h.engine()
        .state
        .db(0, key.as_bytes())
        .get(key.as_bytes(), now)
        .map(|e| (e.value.clone(), e.expire_at))
}

fn expire_at(h: &mut SingleHost, key: &str) -> u64 {
    entry(h, key).expect("key exists").1
}

fn encoding(h: &mut SingleHost, key: &str) -> &'static str {
    entry(h, key).expect("key exists").0.encoding()
}

#[test]
fn get_and_set() {
    let mut h = SingleHost::new();
    assert_eq!(h.run(&["GET", "k"]), Value::Null);
    assert_eq!(h.run(&["SET", "k", "v"]), ok());
    assert_eq!(h.run(&["GET", "k"]), bulk("v"));
    assert_eq!(h.run(&["SET", "k", "w"]), ok());
    assert_eq!(h.run(&["GET", "k"]), bulk("w"));
    assert_eq!(h.run(&["SET", "e", ""]), ok());
    assert_eq!(h.run(&["GET", "e"]), bulk(""));
    let bin: &[u8] = b"a\0b\r\nc\xff";
    assert_eq!(h.run(&[&b"SET"[..], b"bin", bin]), ok());
    assert_eq!(h.run(&["GET", "bin"]), bulk(bin));
    let long = "x".repeat(1000);
    assert_eq!(h.run(&["SET", "long", &long]), ok());
    assert_eq!(h.run(&["GET", "long"]), bulk(&long));
    // Integers are stored as integers and read back as text.
    assert_eq!(h.run(&["SET", "n", "-9223372036854775808"]), ok());
    assert_eq!(entry(&mut h, "n").unwrap().0, Stored::Int(i64::MIN));
    assert_eq!(h.run(&["GET", "n"]), bulk("-9223372036854775808"));
    assert_eq!(h.run(&["SET", "z", "007"]), ok());
    assert_eq!(encoding(&mut h, "z"), "embstr");
    assert_eq!(encoding(&mut h, "long"), "raw");
    assert_eq!(
        h.run(&["GET"]),
        err("ERR wrong number of arguments for 'get' command")
    );
    assert_eq!(
        h.run(&["SET", "k"]),
        err("ERR wrong number of arguments for 'set' command")
    );
}

#[test]
fn set_conditions_and_get_option() {
    let mut h = SingleHost::new();
    assert_eq!(h.run(&["SET", "k", "1", "XX"]), Value::Null);
    assert_eq!(h.run(&["GET", "k"]), Value::Null);
    assert_eq!(h.run(&["SET", "k", "1", "NX"]), ok());
    assert_eq!(h.run(&["SET", "k", "2", "nx"]), Value::Null);
    assert_eq!(h.run(&["SET", "k", "3", "xx"]), ok());
    assert_eq!(h.run(&["GET", "k"]), bulk("3"));
    // GET answers the old value instead of OK, also when NX/XX stop the write.
    assert_eq!(h.run(&["SET", "k", "4", "GET"]), bulk("3"));
    assert_eq!(h.run(&["SET", "k", "5", "NX", "GET"]), bulk("4"));
    assert_eq!(h.run(&["GET", "k"]), bulk("4"));
    assert_eq!(h.run(&["SET", "new", "5", "XX", "GET"]), Value::Null);
    assert_eq!(h.run(&["GET", "new"]), Value::Null);
    assert_eq!(h.run(&["SET", "new", "5", "GET", "get"]), Value::Null);
    assert_eq!(h.run(&["GET", "new"]), bulk("5"));
    // Repeats are fine, conflicts and unknown words are syntax errors.
    assert_eq!(h.run(&["SET", "k", "v", "NX", "NX"]), Value::Null);
    for bad in [
        &["NX", "XX"][..],
        &["XX", "NX"],
        &["KEEPTTL", "EX", "10"],
        &["EX", "10", "KEEPTTL"],
        &["EX", "10", "PX", "10"],
        &["EXAT", "10", "PXAT", "10"],
        &["EX"],
        &["PERSIST"],
        &["FOO"],
        &["NXX"],
    ] {
        let mut args = vec!["SET", "k", "v"];
        args.extend_from_slice(bad);
        assert_eq!(h.run(&args), err(SYNTAX), "{args:?}");
    }
    // Options are read as C strings: the bytes after a NUL are ignored.
    assert_eq!(h.run(&[&b"SET"[..], b"k", b"v", b"nx\0junk"]), Value::Null);
    assert_eq!(h.run(&[&b"SET"[..], b"k", b"v", b"ex\0", b"100"]), ok());
    assert_eq!(expire_at(&mut h, "k"), h.now_ms() + 100_000);
}

#[test]
fn set_expiry() {
    let mut h = SingleHost::new();
    let now = h.now_ms();
    assert_eq!(h.run(&["SET", "a", "v", "EX", "10"]), ok());
    assert_eq!(expire_at(&mut h, "a"), now + 10_000);
    assert_eq!(h.run(&["SET", "a", "v", "EX", "10", "EX", "20"]), ok());
    assert_eq!(expire_at(&mut h, "a"), now + 20_000);
    assert_eq!(h.run(&["SET", "b", "v", "PX", "1500"]), ok());
    assert_eq!(expire_at(&mut h, "b"), now + 1500);
    assert_eq!(h.run(&["SET", "c", "v", "EXAT", "99999999999"]), ok());
    assert_eq!(expire_at(&mut h, "c"), 99_999_999_999_000);
    assert_eq!(
        h.run(&["SET", "d", "v", "PXAT", "9223372036854775807"]),
        ok()
    );
    assert_eq!(expire_at(&mut h, "d"), i64::MAX as u64);
    // The key goes away when its time comes.
    h.advance(1499);
    assert_eq!(h.run(&["GET", "b"]), bulk("v"));
    h.advance(1);
    assert_eq!(h.run(&["GET", "b"]), Value::Null);
    // An absolute time in the past is accepted and the key is gone at once.
    assert_eq!(h.run(&["SET", "p", "v", "PXAT", "1"]), ok());
    assert_eq!(h.run(&["GET", "p"]), Value::Null);
    // SET without KEEPTTL clears the TTL; KEEPTTL keeps it.
    assert_eq!(h.run(&["SET", "a", "w"]), ok());
    assert_eq!(expire_at(&mut h, "a"), 0);
    assert_eq!(h.run(&["SET", "a", "v", "PX", "100"]), ok());
    assert_eq!(h.run(&["SET", "a", "w", "KEEPTTL"]), ok());
    assert_eq!(expire_at(&mut h, "a"), h.now_ms() + 100);
    h.advance(100);
    assert_eq!(h.run(&["GET", "a"]), Value::Null);
    // KEEPTTL on an expired key does not resurrect its old TTL.
    assert_eq!(h.run(&["SET", "a", "x", "KEEPTTL"]), ok());
    assert_eq!(expire_at(&mut h, "a"), 0);
    // Invalid times.
    for (opt, t) in [
        ("EX", "0"),
        ("EX", "-1"),
        ("PX", "0"),
        ("PXAT", "0"),
        ("EXAT", "-5"),
        ("EX", "9223372036854776"),
        ("EX", "9223372036854775"),
        ("PX", "9223372036854775807"),
    ] {
        assert_eq!(
            h.run(&["SET", "k", "v", opt, t]),
            err("ERR invalid expire time in 'set' command"),
            "{opt} {t}"
        );
    }
    assert_eq!(h.run(&["SET", "k", "v", "EX", "1.5"]), err(NOT_INT));
    assert_eq!(h.run(&["SET", "k", "v", "EX", " 1"]), err(NOT_INT));
    assert_eq!(h.run(&["GET", "k"]), Value::Null);
}

#[test]
fn setnx_setex_psetex() {
    let mut h = SingleHost::new();
    assert_eq!(h.run(&["SETNX", "k", "1"]), int(1));
    assert_eq!(h.run(&["SETNX", "k", "2"]), int(0));
    assert_eq!(h.run(&["GET", "k"]), bulk("1"));
    let now = h.now_ms();
    assert_eq!(h.run(&["SETEX", "k", "5", "v"]), ok());
    assert_eq!(expire_at(&mut h, "k"), now + 5000);
    assert_eq!(h.run(&["PSETEX", "k", "250", "w"]), ok());
    assert_eq!(expire_at(&mut h, "k"), now + 250);
    assert_eq!(h.run(&["GET", "k"]), bulk("w"));
    h.advance(250);
    assert_eq!(h.run(&["GET", "k"]), Value::Null);
    // SETNX sees an expired key as absent.
    assert_eq!(h.run(&["SETNX", "k", "3"]), int(1));
    assert_eq!(
        h.run(&["SETEX", "k", "0", "v"]),
        err("ERR invalid expire time in 'setex' command")
    );
    assert_eq!(
        h.run(&["PSETEX", "k", "-5", "v"]),
        err("ERR invalid expire time in 'psetex' command")
    );
    assert_eq!(h.run(&["SETEX", "k", "abc", "v"]), err(NOT_INT));
    assert_eq!(h.run(&["GET", "k"]), bulk("3"));
    assert_eq!(
        h.run(&["SETEX", "k", "1"]),
        err("ERR wrong number of arguments for 'setex' command")
    );
}

#[test]
fn getset_getdel_getex() {
    let mut h = SingleHost::new();
    assert_eq!(h.run(&["GETSET", "k", "1"]), Value::Null);
    assert_eq!(h.run(&["SET", "k", "a", "PX", "100"]), ok());
    assert_eq!(h.run(&["GETSET", "k", "7"]), bulk("a"));
    assert_eq!(entry(&mut h, "k").unwrap(), (Stored::Int(7), 0));
    assert_eq!(h.run(&["GETDEL", "k"]), bulk("7"));
    assert_eq!(h.run(&["GETDEL", "k"]), Value::Null);
    assert_eq!(h.run(&["GET", "k"]), Value::Null);

    assert_eq!(h.run(&["GETEX", "k"]), Value::Null);
    // A missing key answers nil before the time is even read.
    assert_eq!(h.run(&["GETEX", "k", "EX", "-1"]), Value::Null);
    assert_eq!(h.run(&["GETEX", "k", "EX", "abc"]), Value::Null);
    assert_eq!(h.run(&["SET", "k", "v"]), ok());
    let now = h.now_ms();
    assert_eq!(h.run(&["GETEX", "k"]), bulk("v"));
    assert_eq!(expire_at(&mut h, "k"), 0);
    assert_eq!(h.run(&["GETEX", "k", "EX", "10"]), bulk("v"));
    assert_eq!(expire_at(&mut h, "k"), now + 10_000);
    assert_eq!(h.run(&["GETEX", "k", "px", "10", "PX", "20"]), bulk("v"));
    assert_eq!(expire_at(&mut h, "k"), now + 20);
    assert_eq!(h.run(&["GETEX", "k", "EXAT", "99999999999"]), bulk("v"));
    assert_eq!(expire_at(&mut h, "k"), 99_999_999_999_000);
    assert_eq!(h.run(&["GETEX", "k", "PERSIST"]), bulk("v"));
    assert_eq!(expire_at(&mut h, "k"), 0);
    // PXAT in the past deletes the key after answering.
    assert_eq!(h.run(&["GETEX", "k", "PXAT", "1"]), bulk("v"));
    assert_eq!(h.run(&["GET", "k"]), Value::Null);
    assert_eq!(h.run(&["SET", "k", "v"]), ok());
    for bad in [
        &["PERSIST", "EX", "10"][..],
        &["EX", "10", "PERSIST"],
        &["KEEPTTL"],
        &["NX"],
        &["GET"],
        &["EX"],
    ] {
        let mut args = vec!["GETEX", "k"];
        args.extend_from_slice(bad);
        assert_eq!(h.run(&args), err(SYNTAX), "{args:?}");
    }
    assert_eq!(
        h.run(&["GETEX", "k", "EX", "0"]),
        err("ERR invalid expire time in 'getex' command")
    );
    assert_eq!(h.run(&["GETEX", "k", "PX", "x"]), err(NOT_INT));
    assert_eq!(expire_at(&mut h, "k"), 0);
}

#[test]
fn mget_mset_msetnx_across_shards() {
    let mut h = SingleHost::new();
    let keys: Vec<String> = (0..40).map(|i| format!("key:{i}")).collect();
    let mut mset = vec!["MSET".to_string()];
    for (i, k) in keys.iter().enumerate() {
        mset.push(k.clone());
        mset.push(i.to_string());
    }
    assert_eq!(h.run(&mset), ok());
    let mut mget = vec!["MGET".to_string()];
    mget.extend(keys.iter().cloned());
    mget.push("missing".into());
    let mut want: Vec<Value> = (0..40).map(|i| bulk(i.to_string())).collect();
    want.push(Value::Null);
    assert_eq!(h.run(&mget), Value::Array(want));
    assert_eq!(
        h.run(&["MSET", "a", "1", "b"]),
        err("ERR wrong number of arguments for 'mset' command")
    );
    assert_eq!(
        h.run(&["MSETNX", "a", "1", "b"]),
        err("ERR wrong number of arguments for 'msetnx' command")
    );
    // MSETNX writes nothing when any key exists, wherever it lives.
    assert_eq!(
        h.run(&["MSETNX", "n1", "x", "n2", "y", "key:39", "z"]),
        int(0)
    );
    assert_eq!(
        h.run(&["MGET", "n1", "n2", "key:39"]),
        Value::Array(vec![Value::Null, Value::Null, bulk("39")])
    );
    assert_eq!(h.run(&["MSETNX", "n1", "x", "n2", "y", "n1", "z"]), int(1));
    assert_eq!(
        h.run(&["MGET", "n1", "n2"]),
        Value::Array(vec![bulk("z"), bulk("y")])
    );
    // MSET clears TTLs.
    assert_eq!(h.run(&["SET", "t", "v", "PX", "10"]), ok());
    assert_eq!(h.run(&["MSET", "t", "w"]), ok());
    assert_eq!(expire_at(&mut h, "t"), 0);
    // MGET of an expired key is nil.
    assert_eq!(h.run(&["SET", "t", "v", "PX", "10"]), ok());
    h.advance(10);
    assert_eq!(h.run(&["MGET", "t"]), Value::Array(vec![Value::Null]));
}

#[test]
fn counters() {
    let mut h = SingleHost::new();
    assert_eq!(h.run(&["INCR", "n"]), int(1));
    assert_eq!(h.run(&["INCRBY", "n", "41"]), int(42));
    assert_eq!(h.run(&["DECR", "n"]), int(41));
    assert_eq!(h.run(&["DECRBY", "n", "-9"]), int(50));
    assert_eq!(entry(&mut h, "n").unwrap().0, Stored::Int(50));
    assert_eq!(h.run(&["DECRBY", "fresh", "5"]), int(-5));
    // A string holding a canonical integer counts too, and becomes an integer.
    assert_eq!(h.run(&["APPEND", "s", "1"]), int(1));
    assert_eq!(h.run(&["APPEND", "s", "0"]), int(2));
    assert_eq!(encoding(&mut h, "s"), "raw");
    assert_eq!(h.run(&["INCR", "s"]), int(11));
    assert_eq!(encoding(&mut h, "s"), "int");
    for bad in [
        " 1",
        "+1",
        "01",
        "1.5",
        "",
        "abc",
        "-0",
        "9223372036854775808",
    ] {
        assert_eq!(h.run(&["SET", "b", bad]), ok());
        assert_eq!(h.run(&["INCR", "b"]), err(NOT_INT), "{bad:?}");
        assert_eq!(h.run(&["INCRBY", "n", bad]), err(NOT_INT), "{bad:?}");
    }
    assert_eq!(h.run(&["SET", "max", "9223372036854775807"]), ok());
    assert_eq!(
        h.run(&["INCR", "max"]),
        err("ERR increment or decrement would overflow")
    );
    assert_eq!(
        h.run(&["DECRBY", "max", "-1"]),
        err("ERR increment or decrement would overflow")
    );
    assert_eq!(
        h.run(&["DECRBY", "max", "-9223372036854775808"]),
        err("ERR decrement would overflow")
    );
    assert_eq!(
        h.run(&["INCRBY", "min", "-9223372036854775808"]),
        int(i64::MIN)
    );
    assert_eq!(
        h.run(&["DECR", "min"]),
        err("ERR increment or decrement would overflow")
    );
    assert_eq!(h.run(&["GET", "max"]), bulk("9223372036854775807"));
    // The TTL survives.
    assert_eq!(h.run(&["SET", "t", "1", "PX", "100"]), ok());
    assert_eq!(h.run(&["INCR", "t"]), int(2));
    assert_eq!(expire_at(&mut h, "t"), h.now_ms() + 100);
    h.advance(100);
    assert_eq!(h.run(&["INCR", "t"]), int(1));
    assert_eq!(expire_at(&mut h, "t"), 0);
}

#[test]
fn incrbyfloat_is_long_double() {
    let mut h = SingleHost::new();
    assert_eq!(h.run(&["INCRBYFLOAT", "f", "0.1"]), bulk("0.1"));
    assert_eq!(h.run(&["INCRBYFLOAT", "f", "0.2"]), bulk("0.3"));
    assert_eq!(h.run(&["SET", "g", "1.1"]), ok());
    assert_eq!(h.run(&["INCRBYFLOAT", "g", "0.1"]), bulk("1.2"));
    assert_eq!(h.run(&["INCRBYFLOAT", "g", "-1.2"]), bulk("0"));
    assert_eq!(h.run(&["INCRBYFLOAT", "h", "3"]), bulk("3"));
    // Stored as text, never as an integer.
    assert_eq!(encoding(&mut h, "h"), "embstr");
    assert_eq!(h.run(&["INCRBYFLOAT", "h", "1e5"]), bulk("100003"));
    assert_eq!(h.run(&["INCRBYFLOAT", "h", "0x10"]), bulk("100019"));
    assert_eq!(h.run(&["INCRBYFLOAT", "h", ".5"]), bulk("100019.5"));
    assert_eq!(h.run(&["INCRBYFLOAT", "h", "+5."]), bulk("100024.5"));
    assert_eq!(h.run(&["SET", "i", "17179869184"]), ok());
    assert_eq!(h.run(&["INCRBYFLOAT", "i", "1.5"]), bulk("17179869185.5"));
    assert_eq!(
        h.run(&["INCRBYFLOAT", "q", "1.23456789012345678901234"]),
        bulk("1.23456789012345679")
    );
    assert_eq!(
        h.run(&["INCRBYFLOAT", "q", "12345678901234567890"]),
        bulk("12345678901234567891")
    );
    assert_eq!(
        h.run(&["INCRBYFLOAT", "t", "0.000003814697265625"]),
        bulk("0.00000381469726562")
    );
    for bad in [
        "nan",
        " 1",
        "1 ",
        "1e",
        "0x",
        "",
        "abc",
        "1e-5000",
        "1.19e4932",
        "1\x002",
    ] {
        assert_eq!(h.run(&["INCRBYFLOAT", "h", bad]), err(NOT_FLOAT), "{bad:?}");
    }
    assert_eq!(
        h.run(&["INCRBYFLOAT", "h", "inf"]),
        err("ERR increment would produce NaN or Infinity")
    );
    assert_eq!(h.run(&["SET", "s", "abc"]), ok());
    assert_eq!(h.run(&["INCRBYFLOAT", "s", "1"]), err(NOT_FLOAT));
    assert_eq!(h.run(&["SET", "big", "1e4932"]), ok());
    assert_eq!(
        h.run(&["INCRBYFLOAT", "big", "1e4932"]),
        err("ERR increment would produce NaN or Infinity")
    );
    assert_eq!(h.run(&["GET", "h"]), bulk("100024.5"));
    // The TTL survives.
    assert_eq!(h.run(&["SET", "t", "1", "PX", "100"]), ok());
    assert_eq!(h.run(&["INCRBYFLOAT", "t", "1.5"]), bulk("2.5"));
    assert_eq!(expire_at(&mut h, "t"), h.now_ms() + 100);
}

#[test]
fn append_strlen_getrange() {
    let mut h = SingleHost::new();
    assert_eq!(h.run(&["APPEND", "k", "123"]), int(3));
    assert_eq!(encoding(&mut h, "k"), "int");
    assert_eq!(h.run(&["APPEND", "k", "4"]), int(4));
    assert_eq!(encoding(&mut h, "k"), "raw");
    assert_eq!(h.run(&["GET", "k"]), bulk("1234"));
    assert_eq!(h.run(&["APPEND", "e", ""]), int(0));
    assert_eq!(h.run(&["GET", "e"]), bulk(""));
    assert_eq!(h.run(&["SET", "t", "ab", "PX", "100"]), ok());
    assert_eq!(h.run(&["APPEND", "t", "cd"]), int(4));
    assert_eq!(expire_at(&mut h, "t"), h.now_ms() + 100);

    assert_eq!(h.run(&["STRLEN", "k"]), int(4));
    assert_eq!(h.run(&["STRLEN", "missing"]), int(0));
    assert_eq!(h.run(&["SET", "n", "-12345"]), ok());
    assert_eq!(h.run(&["STRLEN", "n"]), int(6));

    assert_eq!(h.run(&["SET", "g", "hello"]), ok());
    for (s, e, want) in [
        ("0", "-1", "hello"),
        ("-3", "-1", "llo"),
        ("-1", "-3", ""),
        ("10", "20", ""),
        ("2", "1", ""),
        ("-100", "100", "hello"),
        ("0", "-100", "h"),
        ("-9223372036854775808", "9223372036854775807", "hello"),
    ] {
        assert_eq!(h.run(&["GETRANGE", "g", s, e]), bulk(want), "{s} {e}");
    }
    assert_eq!(h.run(&["SUBSTR", "g", "1", "3"]), bulk("ell"));
    assert_eq!(h.run(&["GETRANGE", "n", "1", "2"]), bulk("12"));
    assert_eq!(h.run(&["GETRANGE", "missing", "0", "-1"]), bulk(""));
    assert_eq!(h.run(&["GETRANGE", "e", "0", "-1"]), bulk(""));
    assert_eq!(h.run(&["GETRANGE", "missing", "a", "1"]), err(NOT_INT));
    assert_eq!(h.run(&["GETRANGE", "g", "0", "1.0"]), err(NOT_INT));
}

#[test]
fn setrange() {
    let mut h = SingleHost::new();
    assert_eq!(h.run(&["SETRANGE", "k", "0", ""]), int(0));
    assert_eq!(h.run(&["GET", "k"]), Value::Null);
    assert_eq!(h.run(&["SETRANGE", "k", "3", "ab"]), int(5));
    assert_eq!(h.run(&["GET", "k"]), bulk(b"\0\0\0ab"));
    assert_eq!(encoding(&mut h, "k"), "raw");
    assert_eq!(h.run(&["SETRANGE", "k", "1", "xyz"]), int(5));
    assert_eq!(h.run(&["GET", "k"]), bulk(b"\0xyzb"));
    assert_eq!(h.run(&["SET", "n", "1234"]), ok());
    assert_eq!(h.run(&["SETRANGE", "n", "1", ""]), int(4));
    assert_eq!(encoding(&mut h, "n"), "int");
    assert_eq!(h.run(&["SETRANGE", "n", "2", "x"]), int(4));
    assert_eq!(h.run(&["GET", "n"]), bulk("12x4"));
    assert_eq!(
        h.run(&["SETRANGE", "n", "-1", "x"]),
        err("ERR offset is out of range")
    );
    assert_eq!(h.run(&["SETRANGE", "n", "x", "x"]), err(NOT_INT));
    assert_eq!(
        h.run(&["SETRANGE", "n", "9223372036854775807", "x"]),
        err("ERR string exceeds maximum allowed size (proto-max-bulk-len)")
    );
    assert_eq!(h.run(&["SET", "t", "ab", "PX", "100"]), ok());
    assert_eq!(h.run(&["SETRANGE", "t", "0", "c"]), int(2));
    assert_eq!(expire_at(&mut h, "t"), h.now_ms() + 100);
}

#[test]
fn proto_max_bulk_len_bounds_growth() {
    let config = Config {
        proto_max_bulk_len: 10,
        ..Config::default()
    };
    let mut h = SingleHost::with_config(config, 2);
    let too_long = err("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
    assert_eq!(h.run(&["SETRANGE", "k", "5", "12345"]), int(10));
    assert_eq!(h.run(&["SETRANGE", "k", "6", "12345"]), too_long);
    assert_eq!(h.run(&["SETRANGE", "new", "10", "x"]), too_long);
    assert_eq!(h.run(&["GET", "new"]), Value::Null);
    assert_eq!(h.run(&["APPEND", "k", "x"]), too_long);
    assert_eq!(h.run(&["APPEND", "k", ""]), int(10));
    // A new key takes any value, as SET would.
    assert_eq!(h.run(&["APPEND", "a", "0123456789abc"]), int(13));
    // Bit offsets stop at proto-max-bulk-len bytes.
    assert_eq!(h.run(&["SETBIT", "b", "79", "1"]), int(0));
    assert_eq!(
        h.run(&["SETBIT", "b", "80", "1"]),
        err("ERR bit offset is not an integer or out of range")
    );
    // LCS's table ((a+1)*(b+1) u32s) is bounded by it too.
    assert_eq!(h.run(&["SET", "x", "a"]), ok());
    assert_eq!(h.run(&["LCS", "x", "missing"]), bulk("")); // 2*1*4 = 8 bytes
    assert_eq!(
        h.run(&["LCS", "x", "x"]), // 2*2*4 = 16 bytes
        err("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")
    );
}

#[test]
fn lcs() {
    let mut h = SingleHost::new();
    assert_eq!(h.run(&["MSET", "a", "ohmytext", "b", "mynewtext"]), ok());
    assert_eq!(h.run(&["LCS", "a", "b"]), bulk("mytext"));
    assert_eq!(h.run(&["LCS", "a", "b", "LEN"]), int(6));
    let range = |a: (i64, i64), b: (i64, i64), len: Option<i64>| {
        let mut v = vec![
            Value::Array(vec![int(a.0), int(a.1)]),
            Value::Array(vec![int(b.0), int(b.1)]),
        ];
        v.extend(len.map(int));
        Value::Array(v)
    };
    let idx = |matches: Vec<Value>, len: i64| {
        Value::Array(vec![
            bulk("matches"),
            Value::Array(matches),
            bulk("len"),
            int(len),
        ])
    };
    assert_eq!(
        h.run(&["LCS", "a", "b", "IDX"]),
        idx(
            vec![range((4, 7), (5, 8), None), range((2, 3), (0, 1), None)],
            6
        )
    );
    assert_eq!(
        h.run(&["LCS", "a", "b", "idx", "minmatchlen", "4", "withmatchlen"]),
        idx(vec![range((4, 7), (5, 8), Some(4))], 6)
    );
    assert_eq!(
        h.run(&["LCS", "a", "b", "IDX", "MINMATCHLEN", "-5", "WITHMATCHLEN"]),
        idx(
            vec![
                range((4, 7), (5, 8), Some(4)),
                range((2, 3), (0, 1), Some(2))
            ],
            6
        )
    );
    assert_eq!(h.run(&["LCS", "missing", "a", "IDX"]), idx(vec![], 0));
    assert_eq!(h.run(&["LCS", "missing", "other"]), bulk(""));
    assert_eq!(h.run(&["LCS", "a", "b", "WITHMATCHLEN"]), bulk("mytext"));
    assert_eq!(
        h.run(&["LCS", "a", "b", "LEN", "IDX"]),
        err("ERR If you want both the length and indexes, please just use IDX.")
    );
    assert_eq!(h.run(&["LCS", "a", "b", "IDX", "MINMATCHLEN"]), err(SYNTAX));
    assert_eq!(h.run(&["LCS", "a", "b", "MINMATCHLEN", "x"]), err(NOT_INT));
    assert_eq!(h.run(&["LCS", "a", "b", "FOO"]), err(SYNTAX));
    assert_eq!(
        h.run(&["LCS", "a"]),
        err("ERR wrong number of arguments for 'lcs' command")
    );
    // Integers are compared as their text.
    assert_eq!(h.run(&["MSET", "n", "12345", "m", "x2y4"]), ok());
    assert_eq!(h.run(&["LCS", "n", "m"]), bulk("24"));
}

#[test]
fn bits() {
    let mut h = SingleHost::new();
    assert_eq!(h.run(&["SETBIT", "k", "7", "1"]), int(0));
    assert_eq!(h.run(&["GET", "k"]), bulk(b"\x01"));
    assert_eq!(encoding(&mut h, "k"), "raw");
    assert_eq!(h.run(&["SETBIT", "k", "7", "0"]), int(1));
    assert_eq!(h.run(&["SETBIT", "k", "9", "1"]), int(0));
    assert_eq!(h.run(&["GET", "k"]), bulk(b"\x00\x40"));
    assert_eq!(h.run(&["GETBIT", "k", "9"]), int(1));
    assert_eq!(h.run(&["GETBIT", "k", "8"]), int(0));
    assert_eq!(h.run(&["GETBIT", "k", "1000"]), int(0));
    assert_eq!(h.run(&["GETBIT", "missing", "3"]), int(0));
    assert_eq!(h.run(&["SET", "n", "12"]), ok());
    assert_eq!(h.run(&["GETBIT", "n", "2"]), int(1));
    assert_eq!(h.run(&["SETBIT", "n", "0", "0"]), int(0));
    assert_eq!(encoding(&mut h, "n"), "raw");
    let off = err("ERR bit offset is not an integer or out of range");
    let bit = err("ERR bit is not an integer or out of range");
    for bad in ["-1", "abc", "4294967296", "", "+1", "01", "5\x00"] {
        assert_eq!(h.run(&["GETBIT", "k", bad]), off, "{bad:?}");
        assert_eq!(h.run(&["SETBIT", "k", bad, "1"]), off, "{bad:?}");
    }
    assert_eq!(h.run(&["GETBIT", "k", "4294967295"]), int(0));
    for bad in ["2", "-1", "x", "1\x00"] {
        assert_eq!(h.run(&["SETBIT", "k", "1", bad]), bit, "{bad:?}");
    }
    assert_eq!(h.run(&["SET", "t", "a", "PX", "100"]), ok());
    assert_eq!(h.run(&["SETBIT", "t", "0", "1"]), int(0));
    assert_eq!(expire_at(&mut h, "t"), h.now_ms() + 100);

    assert_eq!(h.run(&["SET", "f", "foobar"]), ok());
    assert_eq!(h.run(&["BITCOUNT", "f"]), int(26));
    assert_eq!(h.run(&["BITCOUNT", "f", "0", "0"]), int(4));
    assert_eq!(h.run(&["BITCOUNT", "f", "1", "1"]), int(6));
    assert_eq!(h.run(&["BITCOUNT", "f", "5", "30", "BIT"]), int(17));
    assert_eq!(h.run(&["BITCOUNT", "f", "5", "30", "byte"]), int(4));
    assert_eq!(h.run(&["BITCOUNT", "f", "-1", "-2"]), int(0));
    assert_eq!(h.run(&["BITCOUNT", "f", "-2", "-1", "bit"]), int(1));
    assert_eq!(h.run(&["BITCOUNT", "f", "0"]), err(SYNTAX));
    assert_eq!(
        h.run(&["BITCOUNT", "f", "0", "0", "bit", "bit"]),
        err(SYNTAX)
    );
    assert_eq!(h.run(&["BITCOUNT", "f", "5", "30", "foo"]), err(SYNTAX));
    assert_eq!(h.run(&["BITCOUNT", "f", "a", "b"]), err(NOT_INT));
    assert_eq!(h.run(&["BITCOUNT", "n"]), int(6));
    // An absent key is 0 before the arguments are read.
    assert_eq!(h.run(&["BITCOUNT", "missing", "a", "b"]), int(0));
    assert_eq!(h.run(&["BITCOUNT", "missing", "0"]), int(0));
    assert_eq!(h.run(&["SET", "e", ""]), ok());
    assert_eq!(h.run(&["BITCOUNT", "e"]), int(0));
    assert_eq!(h.run(&["BITCOUNT", "e", "0", "-1", "bit"]), int(0));
}

#[test]
fn keyspace_stats_and_dirty() {
    let mut h = SingleHost::new();
    let stats = |h: &mut SingleHost| {
        let s = &h.engine().state;
        (s.stats.keyspace_hits, s.stats.keyspace_misses, s.dirty)
    };
    let base = stats(&mut h);
    h.run(&["SET", "a", "1"]);
    h.run(&["GET", "a"]);
    h.run(&["GET", "b"]);
    h.run(&["MGET", "a", "b", "c"]);
    h.run(&["MSET", "x", "1", "y", "2"]);
    h.run(&["INCR", "a"]);
    h.run(&["SETNX", "a", "1"]);
    h.run(&["SETRANGE", "a", "0", ""]);
    h.run(&["SETBIT", "b", "3", "1"]);
    h.run(&["SETBIT", "b", "3", "1"]);
    h.run(&["SETBIT", "b", "2", "0"]);
    h.run(&["GETEX", "x", "PERSIST"]);
    h.run(&["APPEND", "x", ""]);
    let (hits, misses, dirty) = stats(&mut h);
    assert_eq!(hits - base.0, 3);
    assert_eq!(misses - base.1, 3);
    // SET 1, MSET 2, INCR 1, the first SETBIT 1, APPEND 1; SETNX, an empty SETRANGE,
    // SETBIT of a bit to the value it has and PERSIST without a TTL change nothing.
    assert_eq!(dirty - base.2, 6);
}

/// Every command with valid and invalid calls, against a real redis-server.
#[test]
fn differential_against_redis() {
    let redis = Redis::start();
    let mut client = redis.client();
    let mut host = SingleHost::new();
    let cmds = script(DIFF_SCRIPT);
    run_both(&mut client, &mut host, &cmds);
}

const DIFF_SCRIPT: &str = r#"
# GET / SET
get nokey
set s1 hello
get s1
set s1 ""
get s1
set s1 "a\x00b\r\nc"
get s1
set s2 v nx
set s2 v nx
set s2 w xx
get s2
set s3 v xx
get s3
set s2 x get
set s2 y nx get
set s2 z xx get
set s4 z xx get
set s4 z nx get
get s4
set s2 v nx nx
set s2 v nx xx
set s2 v xx nx
set s2 v get get
set s2 v keepttl ex 10
set s2 v ex 10 keepttl
set s2 v ex 10 px 10
set s2 v exat 10 ex 10
set s2 v pxat 10 exat 10
set s2 v ex 0
set s2 v ex -1
set s2 v px 0
set s2 v exat 0
set s2 v pxat -1
set s2 v ex abc
set s2 v ex 1.5
set s2 v ex
set s2 v px
set s2 v persist
set s2 v foo
set s2 v px 9223372036854775807
set s2 v ex 9223372036854775
set s2 v ex 9223372036854776
set s2 v exat 9223372036854776
set s2 v exat 9223372036854775
set s2 v pxat 9223372036854775807
get s2
set s5 v pxat 1
get s5
set s5 v exat 99999999999
get s5
set s5 w keepttl
get s5
set s5 v ex 100000 ex 200000
set s5 v PX 100000 GET
set s5 v "nx\x00junk"
set s5 v "ex\x00" 100
set
set s5
SET s6 -9223372036854775808
get s6
SET s6 9223372036854775808
get s6
# SETNX / SETEX / PSETEX
setnx n1 a
setnx n1 b
get n1
setex e1 100 v
get e1
setex e1 0 v
setex e1 -1 v
setex e1 abc v
setex e1 9223372036854776 v
psetex e1 100000 w
get e1
psetex e1 0 v
psetex e1 -5 v
psetex e1 9223372036854775807 v
setex e1 10
psetex e1
# GETSET / GETDEL / GETEX
getset g1 a
getset g1 b
get g1
getdel g1
getdel g1
getex g1
getex g1 ex -1
getex g1 ex abc
set g1 v
getex g1
getex g1 ex 100000
getex g1 px 100000000
getex g1 exat 99999999999
getex g1 pxat 99999999999999
getex g1 persist
getex g1 ex 10 ex 20
getex g1 persist ex 10
getex g1 ex 10 persist
getex g1 keepttl
getex g1 nx
getex g1 get
getex g1 ex
getex g1 ex 0
getex g1 ex -1
getex g1 ex abc
getex g1 px 9223372036854775807
getex g1 ex 9223372036854775
getex g1 pxat 0
getex g1 exat -1
getex g1 pxat 9223372036854775807
getex g1 pxat 1
get g1
getdel
getset g1
# MGET / MSET / MSETNX
mset m1 1 m2 2 m3 3 m1 4
mget m1 m2 m3 nokey
mset m1
mset m1 1 m2
msetnx m1 1 m2
msetnx m4 a m5 b m1 c
mget m4 m5 m1
msetnx m4 a m5 b m4 c
mget m4 m5
mget
# INCR / DECR / INCRBY / DECRBY
incr c1
incr c1
decr c1
decr c2
incrby c1 100
incrby c1 -1000
decrby c1 -5
decrby c1 5
incrby c1 abc
incrby c1 1.5
incrby c1 " 1"
incrby c1 9223372036854775808
incrby nokey2 abc
set c3 9223372036854775807
incr c3
incrby c3 1
decrby c3 -1
decrby c3 -9223372036854775808
decrby c3 9223372036854775807
decrby c3 9223372036854775807
decr c3
get c3
set c4 " 1"
incr c4
set c4 +1
incr c4
set c4 01
incr c4
set c4 -0
incr c4
set c4 1.0
incr c4
set c4 ""
incr c4
set c4 99999999999999999999
incr c4
append c5 12
append c5 3
incr c5
get c5
incr
incrby c1
# INCRBYFLOAT
incrbyfloat f1 0.1
incrbyfloat f1 0.2
incrbyfloat f1 0.1
incrbyfloat f1 -0.4
set f2 1.1
incrbyfloat f2 0.1
incrbyfloat f3 3
incrbyfloat f3 1e5
incrbyfloat f3 0x10
incrbyfloat f3 0X1.8p1
incrbyfloat f3 .5
incrbyfloat f3 5.
incrbyfloat f3 +5
incrbyfloat f3 -1E2
incrbyfloat f3 inf
incrbyfloat f3 -infinity
incrbyfloat f3 nan
incrbyfloat f3 " 1"
incrbyfloat f3 "1 "
incrbyfloat f3 1e
incrbyfloat f3 1e+
incrbyfloat f3 0x
incrbyfloat f3 0x1p
incrbyfloat f3 ""
incrbyfloat f3 abc
incrbyfloat f3 "1\x002"
incrbyfloat f3 1e-5000
incrbyfloat f3 0e-5000
incrbyfloat f3 3.6e-4951
incrbyfloat f3 3.6e-4952
get f3
incrbyfloat f4 1e400
incrbyfloat f4 -1e-400
incrbyfloat f4 1.18e4932
incrbyfloat f4 1.18e4932
incrbyfloat f5 1.19e4932
incrbyfloat f5 -1e4932
incrbyfloat f5 1e4932
set f6 1e300
incrbyfloat f6 1e300
set f7 0.000000000000000001
incrbyfloat f7 0
set f7 -0.0000000000000000001
incrbyfloat f7 0
incrbyfloat f8 1.23456789012345678901234
incrbyfloat f8 12345678901234567890
incrbyfloat f9 0.000003814697265625
incrbyfloat f9 0.000011444091796875
incrbyfloat f10 -3.5
incrbyfloat f10 3.5
incrbyfloat f10 1.5e-7
incrbyfloat f10 123456789.987654321
incrbyfloat f10 -0.000000001
set f11 "1\x002"
incrbyfloat f11 1
set f11 abc
incrbyfloat f11 1
set f11 inf
incrbyfloat f11 1
set f11 5
incrbyfloat f11 10.5
incrbyfloat f11
# APPEND / STRLEN
append a1 hello
append a1 " world"
get a1
strlen a1
append a1 ""
append a2 ""
get a2
strlen a2
strlen nokey
set a3 -123
strlen a3
append a3 4
get a3
append
strlen
# GETRANGE / SUBSTR
set r1 "This is a string"
getrange r1 0 3
getrange r1 -3 -1
getrange r1 0 -1
getrange r1 10 100
getrange r1 -1 -3
getrange r1 5 2
getrange r1 -100 100
getrange r1 0 -100
getrange r1 -9223372036854775808 9223372036854775807
getrange r1 a 1
getrange r1 1 a
getrange nokey 0 -1
getrange nokey a 1
set r2 12345
getrange r2 1 2
getrange r2 -2 -1
substr r1 0 3
substr r1 -3 -1
substr r2 a b
set r3 ""
getrange r3 0 -1
getrange r3 -1 0
getrange r1 0
# SETRANGE
setrange sr1 0 ""
get sr1
setrange sr1 3 ab
get sr1
setrange sr1 1 xyz
get sr1
setrange sr1 10 z
get sr1
set sr2 1234
setrange sr2 1 ""
setrange sr2 2 x
get sr2
setrange sr2 -1 x
setrange sr2 abc x
setrange sr2 9223372036854775807 x
setrange sr2 9223372036854775808 x
setrange sr2 536870912 x
setrange nokey3 536870912 x
setrange nokey3 -1 ""
get nokey3
setrange sr2 0
# LCS
set l1 ohmytext
set l2 mynewtext
lcs l1 l2
lcs l1 l2 len
lcs l1 l2 LEN
lcs l1 l2 idx
lcs l1 l2 idx withmatchlen
lcs l1 l2 idx minmatchlen 4
lcs l1 l2 idx minmatchlen 4 withmatchlen
lcs l1 l2 idx minmatchlen -5
lcs l1 l2 minmatchlen 3 len
lcs l1 l2 withmatchlen
lcs l1 l2 len idx
lcs l1 l2 idx minmatchlen
lcs l1 l2 minmatchlen abc
lcs l1 l2 foo
lcs nokey l1 idx
lcs nokey nokey2
lcs nokey l1 len
set l3 12345
set l4 x2y4z5
lcs l3 l4 idx withmatchlen
lcs l4 l3
set l5 aaaabbbbccccddddaaaa
set l6 aaaaddddccccbbbbaaaa
lcs l5 l6
lcs l5 l6 idx withmatchlen
lcs l6 l5 idx withmatchlen
lcs l5 l6 idx minmatchlen 5
lcs l1
# SETBIT / GETBIT / BITCOUNT
setbit b1 7 1
get b1
setbit b1 7 0
setbit b1 9 1
get b1
getbit b1 9
getbit b1 8
getbit b1 1000
getbit nokey 3
set b2 12
getbit b2 2
setbit b2 0 0
get b2
getbit b1 -1
getbit b1 abc
getbit b1 4294967296
getbit b1 4294967295
getbit b1 "5\x00x"
getbit b1 +1
getbit b1 ""
setbit b1 -1 1
setbit b1 abc 1
setbit b1 4294967296 1
setbit b1 2 2
setbit b1 2 -1
setbit b1 2 x
setbit b1 "1" "1\x00"
set b3 foobar
bitcount b3
bitcount b3 0 0
bitcount b3 1 1
bitcount b3 5 30 bit
bitcount b3 5 30 BYTE
bitcount b3 5 30 foo
bitcount b3 -1 -2
bitcount b3 -2 -1 bit
bitcount b3 0 -1 bit
bitcount b3 3 3 bit
bitcount b3 1 6 bit
bitcount b3 -9223372036854775808 9223372036854775807
bitcount b3 0
bitcount b3 0 0 bit bit
bitcount b3 a b
bitcount b3 0 a
bitcount b2
bitcount nokey
bitcount nokey a b
bitcount nokey 0
bitcount nokey 0 0 foo
set b4 ""
bitcount b4
bitcount b4 0 -1 bit
bitcount
getbit b1
setbit b1 1
"#;

/// WRONGTYPE paths need a non-string value: they run once the list family exists.
#[test]
fn wrong_type_against_redis() {
    let mut host = SingleHost::new();
    if let Value::Error(e) = host.run(&["LPUSH", "probe", "x"]) {
        if e.starts_with(b"ERR unknown command") {
            eprintln!("wrong_type_against_redis: LPUSH is not implemented yet; not compared");
            return;
        }
    }
    let redis = Redis::start();
    let mut client = redis.client();
    let mut host = SingleHost::new();
    run_both(&mut client, &mut host, &script(WRONGTYPE_SCRIPT));
}

const WRONGTYPE_SCRIPT: &str = r#"
lpush l a
get l
set l v get
set l v nx get
set l v xx get
set l v ex -1 get
set l v ex abc get
set l v foo get
getset l v
getdel l
getex l
getex l ex 10
getex l ex -1
getex l foo
mget l nokey
incr l
incrby l 1
incrby l abc
decrby l -9223372036854775808
incrbyfloat l 1
incrbyfloat l abc
append l x
strlen l
getrange l 0 1
getrange l a 1
substr l 0 1
setrange l 0 x
setrange l -1 x
setrange l 0 ""
setrange l 536870912 x
set s str
lcs s l
lcs l s foo
lcs l nokey
setbit l 1 1
setbit l 1 2
setbit l -1 1
getbit l 1
getbit l abc
bitcount l
bitcount l 0
bitcount l a b
msetnx l 1 x 2
get x
setnx l v
get l
set l v
get l
"#;

/// Encodings and expiry times as the keyspace commands report them (OBJECT ENCODING,
/// EXPIRETIME, PEXPIRETIME, EXISTS), against a real redis-server.
#[test]
fn encodings_and_expiry_against_redis() {
    let redis = Redis::start();
    let mut client = redis.client();
    let mut host = SingleHost::new();
    run_both(&mut client, &mut host, &script(ENCODING_SCRIPT));
}

const ENCODING_SCRIPT: &str = r#"
set e1 12345
object encoding e1
set e2 0123
object encoding e2
set e3 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
object encoding e3
set e3 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
object encoding e3
set e4 -9223372036854775808
object encoding e4
set e4 -9223372036854775809
object encoding e4
set e4 " 1"
object encoding e4
append e1 6
object encoding e1
append n1 123
object encoding n1
append n2 ""
object encoding n2
append n2 ""
object encoding n2
incr n1
object encoding n1
incr e5
object encoding e5
incrbyfloat e6 3
object encoding e6
incrbyfloat e7 1e60
object encoding e7
setrange e8 0 abc
object encoding e8
set e9 123
setrange e9 0 ""
object encoding e9
setrange e9 0 4
object encoding e9
setbit e10 0 1
object encoding e10
set e11 5
setbit e11 0 0
object encoding e11
getset e11 99
object encoding e11
mset e12 1 e13 abc
object encoding e12
object encoding e13
msetnx e14 7 e15 xyz
object encoding e14
object encoding e15
setex e16 1000 42
object encoding e16
psetex e16 1000000 4.2
object encoding e16
set t1 v exat 99999999999
expiretime t1
set t1 w keepttl
expiretime t1
get t1
set t1 x
expiretime t1
set t3 5 pxat 99999999999999
incr t3
pexpiretime t3
incrbyfloat t3 1.5
pexpiretime t3
append t3 x
pexpiretime t3
setrange t3 0 y
pexpiretime t3
setbit t3 0 1
pexpiretime t3
getex t3
pexpiretime t3
getset t3 z
pexpiretime t3
set t4 v exat 99999999999
getex t4 persist
expiretime t4
getex t4 persist
getex t4 exat 99999999998
expiretime t4
getex t4 pxat 99999999997001
pexpiretime t4
getex t4 pxat 1
exists t4
set t5 a exat 99999999999
mset t5 b
expiretime t5
set t6 v pxat 1
exists t6
set t7 v ex 1000
?ttl t7
set t7 v px 1000000
?pttl t7
getex t7 ex 500
?ttl t7
setex t7 100 v
?ttl t7
set t8 v exat 99999999999
getdel t8
exists t8
set t9 v exat 99999999999
set t9 w nx
expiretime t9
set t9 w xx
expiretime t9
set t9 v exat 99999999999 get
expiretime t9
set t9 x keepttl get
expiretime t9
type t9
"#;

/// RESP3 replies (nulls, LCS's map) against a real redis-server.
#[test]
fn resp3_against_redis() {
    let redis = Redis::start();
    let mut client = redis.client();
    let mut host = SingleHost::new();
    // HELLO's own reply names the server and differs by design; only switch protocols.
    assert!(matches!(client.call(&["HELLO", "3"]), Value::Map(_)));
    assert!(matches!(host.run(&["HELLO", "3"]), Value::Map(_)));
    run_both(&mut client, &mut host, &script(RESP3_SCRIPT));
}

const RESP3_SCRIPT: &str = r#"
get nokey
set k v
set k v nx
set k w get
set nokey2 v xx get
getex nokey
getdel nokey
getset nokey3 v
mget k nokey nokey3
set a ohmytext
set b mynewtext
lcs a b idx
lcs a b idx withmatchlen minmatchlen 2
lcs a b len
lcs a b
incrbyfloat f 1.5
getrange nokey 0 -1
"#;
