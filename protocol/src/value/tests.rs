//! Tests of the reply decoder. The RESP bytes and the expected redis-cli renderings were
//! captured from redis-server / redis-cli 7.0.15.

use super::*;
use crate::reply::{Proto, Reply};
use alloc::vec;
use proptest::prelude::*;

fn one(buf: &[u8]) -> Value {
    match decode(buf) {
        Ok(Some((v, n))) => {
            assert_eq!(n, buf.len(), "{buf:?}");
            v
        }
        other => panic!("{buf:?}: {other:?}"),
    }
}

fn b(s: &str) -> Value {
    Value::bulk(s)
}

fn ints(n: i64) -> Value {
    Value::Array((1..=n).map(Value::Int).collect())
}

/// `EVAL "local t={} for i=1,12 do t[i]=i end return {t,{t,{}},'a\nb\\\"\1\127\200 ~',
/// redis.status_reply('OK'),redis.error_reply('ERR x y')}" 0`
const EVAL_RESP2: &[u8] = b"*5\r\n*12\r\n:1\r\n:2\r\n:3\r\n:4\r\n:5\r\n:6\r\n:7\r\n:8\r\n:9\r\n:10\r\n:11\r\n:12\r\n*2\r\n*12\r\n:1\r\n:2\r\n:3\r\n:4\r\n:5\r\n:6\r\n:7\r\n:8\r\n:9\r\n:10\r\n:11\r\n:12\r\n*0\r\n$10\r\na\nb\\\"\x01\x7f\xc8 ~\r\n+OK\r\n-ERR x y\r\n";

const EVAL_CLI: &str = r#"1)  1) (integer) 1
    2) (integer) 2
    3) (integer) 3
    4) (integer) 4
    5) (integer) 5
    6) (integer) 6
    7) (integer) 7
    8) (integer) 8
    9) (integer) 9
   10) (integer) 10
   11) (integer) 11
   12) (integer) 12
2) 1)  1) (integer) 1
       2) (integer) 2
       3) (integer) 3
       4) (integer) 4
       5) (integer) 5
       6) (integer) 6
       7) (integer) 7
       8) (integer) 8
       9) (integer) 9
      10) (integer) 10
      11) (integer) 11
      12) (integer) 12
   2) (empty array)
3) "a\nb\\\"\x01\x7f\xc8 ~"
4) OK
5) (error) ERR x y
"#;

/// `EVAL "return {map={a={map={x={1,2},y=1}},b={1}, c={{1,2}}}}" 0` in RESP3.
const MAP_RESP3: &[u8] = b"%3\r\n$1\r\na\r\n%2\r\n$1\r\ny\r\n:1\r\n$1\r\nx\r\n*2\r\n:1\r\n:2\r\n$1\r\nc\r\n*1\r\n*2\r\n:1\r\n:2\r\n$1\r\nb\r\n*1\r\n:1\r\n";

const MAP_CLI: &str = "1# \"a\" => \n   1# \"y\" => (integer) 1\n   2# \"x\" => \n      1) (integer) 1\n      2) (integer) 2\n2# \"c\" => \n   1) 1) (integer) 1\n      2) (integer) 2\n3# \"b\" => 1) (integer) 1\n";

#[test]
fn decodes_and_renders_like_redis_cli() {
    let v = one(EVAL_RESP2);
    assert_eq!(
        v,
        Value::Array(vec![
            ints(12),
            Value::Array(vec![ints(12), Value::Array(vec![])]),
            Value::bulk(b"a\nb\\\"\x01\x7f\xc8 ~"),
            Value::simple("OK"),
            Value::err("ERR x y"),
        ])
    );
    assert_eq!(v.to_redis_cli_string(), EVAL_CLI);

    let m = one(MAP_RESP3);
    assert_eq!(
        m,
        Value::Map(vec![
            (
                b("a"),
                Value::Map(vec![(b("y"), Value::Int(1)), (b("x"), ints(2))])
            ),
            (b("c"), Value::Array(vec![ints(2)])),
            (b("b"), ints(1)),
        ])
    );
    assert_eq!(m.to_redis_cli_string(), MAP_CLI);
    assert_eq!(alloc::format!("{m}"), MAP_CLI);
}

#[test]
fn resp3_types() {
    // DEBUG PROTOCOL attrib / bignum / verbatim / push, then a plain reply.
    let buf = b"|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n$39\r\nSome real reply following the attribute\r\n(1234567999999999999999999999999999999\r\n=29\r\ntxt:This is a verbatim\nstring\r\n>2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n$3\r\nend\r\n";
    let mut at = 0;
    let mut next = || {
        let (v, n) = decode(&buf[at..]).unwrap().unwrap();
        at += n;
        v
    };
    let attr = next();
    assert_eq!(
        attr,
        Value::Attribute {
            attributes: vec![(
                b("key-popularity"),
                Value::Array(vec![b("key:123"), Value::Int(90)])
            )],
            value: Box::new(b("Some real reply following the attribute")),
        }
    );
    assert_eq!(
        attr.to_redis_cli_string(),
        "\"Some real reply following the attribute\"\n"
    );
    let big = next();
    assert_eq!(
        big,
        Value::BigNumber(b"1234567999999999999999999999999999999".to_vec())
    );
    assert_eq!(
        big.to_redis_cli_string(),
        "(big number) 1234567999999999999999999999999999999\n"
    );
    let verb = next();
    assert_eq!(
        verb,
        Value::Verbatim {
            format: *b"txt",
            text: b"This is a verbatim\nstring".to_vec()
        }
    );
    assert_eq!(verb.to_redis_cli_string(), "This is a verbatim\nstring\n");
    assert_eq!(verb.as_bytes(), Some(&b"This is a verbatim\nstring"[..]));
    let push = next();
    assert_eq!(
        push,
        Value::Push(vec![b("server-cpu-usage"), Value::Int(42)])
    );
    assert_eq!(
        push.to_redis_cli_string(),
        "1) \"server-cpu-usage\"\n2) (integer) 42\n"
    );
    assert_eq!(next(), b("end"));
    assert_eq!(at, buf.len());

    assert_eq!(one(b",3.141\r\n").to_redis_cli_string(), "(double) 3.141\n");
    assert_eq!(
        one(b",1.1000000000000001\r\n").to_redis_cli_string(),
        "(double) 1.1000000000000001\n"
    );
    assert_eq!(one(b",inf\r\n"), Value::Double(f64::INFINITY));
    assert_eq!(one(b",-inf\r\n"), Value::Double(f64::NEG_INFINITY));
    assert!(matches!(one(b",nan\r\n"), Value::Double(d) if d.is_nan()));
    assert_eq!(one(b"#t\r\n").to_redis_cli_string(), "(true)\n");
    assert_eq!(one(b"#f\r\n").to_redis_cli_string(), "(false)\n");
    assert_eq!(one(b"_\r\n"), Value::Null);
    assert_eq!(one(b"$-1\r\n"), Value::Null);
    assert_eq!(one(b"*-1\r\n"), Value::Null);
    assert_eq!(one(b"_\r\n").to_redis_cli_string(), "(nil)\n");
    assert_eq!(one(b"!5\r\nER\r\nx\r\n"), Value::err("ER\r\nx"));
    assert_eq!(
        one(b"~1\r\n$1\r\nx\r\n").to_redis_cli_string(),
        "1~ \"x\"\n"
    );
    assert_eq!(one(b"~0\r\n").to_redis_cli_string(), "(empty set)\n");
    assert_eq!(one(b"%0\r\n").to_redis_cli_string(), "(empty hash)\n");
    assert_eq!(one(b">0\r\n").to_redis_cli_string(), "(empty push)\n");
    assert_eq!(one(b"*0\r\n").to_redis_cli_string(), "(empty array)\n");
    assert_eq!(one(b":-7\r\n").to_redis_cli_string(), "(integer) -7\n");
    assert_eq!(one(b"(-12\r\n"), Value::BigNumber(b"-12".to_vec()));
}

#[test]
fn incomplete_input() {
    let mut all = Vec::new();
    all.extend_from_slice(EVAL_RESP2);
    all.extend_from_slice(MAP_RESP3);
    all.extend_from_slice(b"=7\r\ntxt:abc\r\n,1.5\r\n#t\r\n(123\r\n|1\r\n+a\r\n+b\r\n+c\r\n");
    let mut values = Vec::new();
    let mut at = 0;
    while at < all.len() {
        let (v, n) = decode(&all[at..]).unwrap().unwrap();
        for cut in 0..n {
            assert_eq!(
                decode(&all[at..at + cut]),
                Ok(None),
                "{:?}",
                &all[at..at + cut]
            );
        }
        values.push(v);
        at += n;
    }
    assert_eq!(values.len(), 7);
}

#[test]
fn invalid_input() {
    for bad in [
        &b"?\r\n"[..],
        b":abc\r\n",
        b":1\rx",
        b"+ok\rx\n",
        b"$3\r\nabcd\r\n",
        b"$3\r\nabcX",
        b"$-2\r\n",
        b"$?\r\n;1\r\na\r\n;0\r\n",
        b"*?\r\n:1\r\n.\r\n",
        b"~-1\r\n",
        b"%-1\r\n",
        b"#x\r\n",
        b",abc\r\n",
        b"(1a\r\n",
        b"(\r\n",
        b"=2\r\nab\r\n",
        b"_x\r\n",
        b"!-1\r\n",
    ] {
        assert!(decode(bad).is_err(), "{bad:?}: {:?}", decode(bad));
    }
    // Too deep to recurse into.
    let deep: Vec<u8> = b"*1\r\n"
        .iter()
        .copied()
        .cycle()
        .take(4 * (MAX_DEPTH + 2))
        .collect();
    assert_eq!(decode(&deep), Err(DecodeError("nesting too deep")));
    // A huge declared count reserves nothing and just waits.
    assert_eq!(decode(b"*2000000000\r\n:1\r\n"), Ok(None));
    assert_eq!(decode(b"%2000000000\r\n"), Ok(None));
    assert_eq!(decode(b"$9000000000000\r\n"), Ok(None));
}

#[test]
fn request_encoding() {
    let mut out = Vec::new();
    encode_request(&[&b"SET"[..], b"key", b""], &mut out);
    assert_eq!(out, b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$0\r\n\r\n");
    let mut p = crate::RequestParser::new();
    match p.parse(&out) {
        Ok(crate::Parsed::Request(a, n)) => {
            assert_eq!(n, out.len());
            assert_eq!(a.iter().collect::<Vec<_>>(), vec![&b"SET"[..], b"key", b""]);
        }
        _ => panic!(),
    }
}

#[test]
fn cli_escapes() {
    assert_eq!(
        Value::bulk(b"\\\"\n\r\t\x07\x08 ~\x7f\x00\xff").to_redis_cli_string(),
        "\"\\\\\\\"\\n\\r\\t\\a\\b ~\\x7f\\x00\\xff\"\n"
    );
    assert_eq!(Value::Null.to_redis_cli_string(), "(nil)\n");
    // Index width grows with the item count; map values that span lines start on a new line.
    let v = Value::Map(vec![
        (b("k"), Value::Set(vec![b("a"), b("b")])),
        (b("e"), Value::Array(vec![])),
    ]);
    assert_eq!(
        v.to_redis_cli_string(),
        "1# \"k\" => \n   1~ \"a\"\n   2~ \"b\"\n2# \"e\" => (empty array)\n"
    );
}

// ---------------------------------------------------------------------------------------

fn text() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        any::<u8>().prop_filter("no CR/LF", |c| *c != b'\r' && *c != b'\n'),
        0..12,
    )
}

fn ascii_text() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        (0x20u8..0x7f).prop_filter("no CR/LF", |c| *c != b'\r' && *c != b'\n'),
        0..12,
    )
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        text().prop_map(Value::Simple),
        // Reply::error takes a &str.
        ascii_text().prop_map(Value::Error),
        any::<i64>().prop_map(Value::Int),
        prop::collection::vec(any::<u8>(), 0..20).prop_map(Value::Bulk),
        Just(Value::Null),
        any::<f64>()
            .prop_filter("NaN != NaN", |d| !d.is_nan())
            .prop_map(Value::Double),
        Just(Value::Double(f64::INFINITY)),
        Just(Value::Double(f64::NEG_INFINITY)),
        any::<bool>().prop_map(Value::Boolean),
        (any::<bool>(), prop::collection::vec(b'0'..=b'9', 1..40)).prop_map(|(neg, mut d)| {
            if neg {
                d.insert(0, b'-');
            }
            Value::BigNumber(d)
        }),
        (any::<[u8; 3]>(), prop::collection::vec(any::<u8>(), 0..20))
            .prop_map(|(format, text)| Value::Verbatim { format, text }),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Set),
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Push),
            prop::collection::vec((inner.clone(), inner), 0..4).prop_map(Value::Map),
        ]
    })
}

/// Writes `v` through the server's reply encoder.
fn write(r: &mut Reply<'_>, v: &Value) {
    match v {
        Value::Simple(s) => r.simple(s),
        Value::Error(e) => r.error(core::str::from_utf8(e).unwrap()),
        Value::Int(n) => r.int(*n),
        Value::Bulk(s) => r.bulk(s),
        Value::Null => r.null(),
        Value::Array(xs) | Value::Set(xs) | Value::Push(xs) => {
            match v {
                Value::Array(_) => r.array(xs.len()),
                Value::Set(_) => r.set(xs.len()),
                _ => r.push(xs.len()),
            }
            for x in xs {
                write(r, x);
            }
        }
        Value::Map(ps) => {
            r.map(ps.len());
            for (k, x) in ps {
                write(r, k);
                write(r, x);
            }
        }
        Value::Double(d) => r.double(*d),
        Value::Boolean(b) => r.boolean(*b),
        Value::BigNumber(d) => r.big_number(d),
        Value::Verbatim { format, text } => r.verbatim(format, text),
        Value::Attribute { .. } => unreachable!("Reply has no attributes"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn decode_of_reply_encoding_round_trips(v in value(), tail in prop::collection::vec(any::<u8>(), 0..4)) {
        let mut out = Vec::new();
        write(&mut Reply::new(&mut out, Proto::Resp3), &v);
        let len = out.len();
        prop_assert_eq!(decode(&out), Ok(Some((v.clone(), len))));
        // Trailing bytes are left alone.
        out.extend_from_slice(&tail);
        prop_assert_eq!(decode(&out), Ok(Some((v.clone(), len))));
        // Value::encode writes the same bytes.
        let mut again = Vec::new();
        v.encode(&mut again);
        prop_assert_eq!(&again[..], &out[..len]);
        // Every strict prefix is incomplete.
        for cut in 0..len {
            prop_assert_eq!(decode(&out[..cut]), Ok(None));
        }
        let _ = v.to_redis_cli_string();
    }

    #[test]
    fn value_encode_round_trips_attributes(
        attributes in prop::collection::vec((value(), value()), 0..3),
        v in value(),
        crlf in "[a\r\n]{0,6}",
    ) {
        let v = Value::Attribute { attributes, value: Box::new(v) };
        let mut out = Vec::new();
        v.encode(&mut out);
        prop_assert_eq!(decode(&out), Ok(Some((v, out.len()))));
        // Errors holding CR/LF travel as blob errors.
        let e = Value::Error(crlf.into_bytes());
        let mut out = Vec::new();
        e.encode(&mut out);
        prop_assert_eq!(decode(&out), Ok(Some((e, out.len()))));
    }

    #[test]
    fn decode_never_panics(buf in prop::collection::vec(any::<u8>(), 0..64)) {
        let _ = decode(&buf);
    }

    #[test]
    fn decode_never_panics_on_protocolish(parts in prop::collection::vec(prop::sample::select(vec![
        &b"*"[..], b"%", b"~", b">", b"|", b"$", b"=", b"!", b"(", b",", b"#", b"_", b":", b"+", b"-",
        b"\r\n", b"\r", b"1", b"2", b"4", b"-1", b"t", b"txt:", b"inf", b"?",
    ]), 0..24)) {
        let _ = decode(&parts.concat());
    }
}
