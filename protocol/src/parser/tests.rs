//! Tests of the request parser. The expected texts and behaviours were checked against
//! redis-server 7.0.15 with raw sockets.

use super::*;
use alloc::vec;
use alloc::vec::Vec;
use proptest::prelude::*;

extern crate std;
use std::format;

/// What one call to `parse` produced, owned.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Ev {
    Req(Vec<Vec<u8>>, usize),
    Skip(usize),
    Err(&'static str),
}

fn req(args: &[&[u8]], n: usize) -> Ev {
    Ev::Req(args.iter().map(|a| a.to_vec()).collect(), n)
}

/// Plays the host: appends `chunks` one at a time to a buffer, and after each calls `parse`
/// until it wants more. Stops at the first error.
fn feed_with(p: &mut RequestParser, chunks: &[&[u8]]) -> Vec<Ev> {
    let mut data = Vec::new();
    let mut pos = 0;
    let mut evs = Vec::new();
    for c in chunks {
        data.extend_from_slice(c);
        loop {
            match p.parse(&data[pos..]) {
                Ok(Parsed::Incomplete) => break,
                Ok(Parsed::Request(args, n)) => {
                    assert!(n > 0 && pos + n <= data.len());
                    evs.push(Ev::Req(args.iter().map(|a| a.to_vec()).collect(), n));
                    pos += n;
                }
                Ok(Parsed::Skip(n)) => {
                    assert!(n > 0 && pos + n <= data.len());
                    evs.push(Ev::Skip(n));
                    pos += n;
                }
                Err(e) => {
                    evs.push(Ev::Err(e.0));
                    return evs;
                }
            }
        }
    }
    evs
}

fn feed(chunks: &[&[u8]]) -> Vec<Ev> {
    feed_with(&mut RequestParser::new(), chunks)
}

fn whole(buf: &[u8]) -> Vec<Ev> {
    feed(&[buf])
}

fn bytewise(buf: &[u8]) -> Vec<Ev> {
    let chunks: Vec<&[u8]> = buf.chunks(1).collect();
    feed(&chunks)
}

fn unauth(buf: &[u8]) -> Vec<Ev> {
    let mut p = RequestParser::new();
    p.set_authenticated(false);
    feed_with(&mut p, &[buf])
}

fn err(e: ProtocolError) -> Ev {
    Ev::Err(e.0)
}

#[test]
fn multibulk_basic_and_pipelined() {
    let one = b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n";
    assert_eq!(
        whole(one),
        vec![req(&[b"SET", b"key", b"value"], one.len())]
    );
    let mut two = one.to_vec();
    two.extend_from_slice(b"*1\r\n$4\r\nPING\r\n*2\r\n$0\r\n\r\n$1\r\n\x00\r\n");
    let expect = vec![
        req(&[b"SET", b"key", b"value"], one.len()),
        req(&[b"PING"], 14),
        req(&[b"", b"\x00"], 17),
    ];
    assert_eq!(whole(&two), expect);
    assert_eq!(bytewise(&two), expect);
}

#[test]
fn args_borrow_the_callers_buffer() {
    let buf = b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n";
    let mut p = RequestParser::new();
    match p.parse(buf) {
        Ok(Parsed::Request(args, n)) => {
            assert_eq!(n, buf.len());
            assert_eq!(args.len(), 2);
            assert_eq!(args.get(1).as_ptr(), buf[17..].as_ptr());
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn empty_and_negative_multibulk_are_skipped() {
    // Redis answers only the PING for each of these.
    assert_eq!(
        whole(b"*0\r\nPING\r\n"),
        vec![Ev::Skip(4), req(&[b"PING"], 6)]
    );
    assert_eq!(whole(b"*-1\r\n"), vec![Ev::Skip(5)]);
    assert_eq!(whole(b"*-5\r\n"), vec![Ev::Skip(5)]);
    assert_eq!(unauth(b"*-1\r\n"), vec![Ev::Skip(5)]);
}

#[test]
fn multibulk_count_errors() {
    let invalid = err(ProtocolError::INVALID_MULTIBULK_LEN);
    for bad in [
        &b"*-0\r\n"[..],
        b"*01\r\n",
        b"*\r\n",
        b"*+1\r\n",
        b"*1 \r\n",
        b"* 1\r\n",
    ] {
        assert_eq!(whole(bad), vec![invalid.clone()], "{bad:?}");
    }
    assert_eq!(whole(b"*2147483648\r\n"), vec![invalid.clone()]);
    assert_eq!(whole(b"*99999999999999999999\r\n"), vec![invalid.clone()]);
    assert_eq!(whole(b"*123456789012345678901\r\n"), vec![invalid]);
    // INT_MAX itself and more than the old 1024*1024 are accepted (and reserve nothing).
    let mut p = RequestParser::new();
    assert!(matches!(
        p.parse(b"*2147483647\r\n"),
        Ok(Parsed::Incomplete)
    ));
    assert!(matches!(
        p.parse(b"*2147483647\r\n$536870912\r\nab"),
        Ok(Parsed::Incomplete)
    ));
    assert!(p.memory_usage() < 1024, "{}", p.memory_usage());
    assert_eq!(whole(b"*1048577\r\n"), vec![]);
}

#[test]
fn unauthenticated_limits() {
    assert_eq!(unauth(b"*10\r\n"), vec![]);
    assert_eq!(
        unauth(b"*11\r\n"),
        vec![err(ProtocolError::UNAUTH_MULTIBULK_LEN)]
    );
    assert_eq!(
        unauth(b"*99999999999\r\n"),
        vec![err(ProtocolError::INVALID_MULTIBULK_LEN)]
    );
    assert_eq!(unauth(b"*1\r\n$16384\r\n"), vec![]);
    assert_eq!(
        unauth(b"*1\r\n$16385\r\n"),
        vec![err(ProtocolError::UNAUTH_BULK_LEN)]
    );
    assert_eq!(unauth(b"*1\r\n$16385"), vec![]);
    assert_eq!(
        unauth(b"*1\r\n$-1\r\n"),
        vec![err(ProtocolError::INVALID_BULK_LEN)]
    );
    assert_eq!(
        unauth(b"*1\r\n$99999999999\r\n"),
        vec![err(ProtocolError::INVALID_BULK_LEN)]
    );
    // Inline requests have no such limit.
    let mut line = vec![b'a'; 20000];
    line.extend_from_slice(b" b c d e f g h i j k l\r\n");
    assert!(matches!(unauth(&line)[..], [Ev::Req(ref a, _)] if a.len() == 12));
    // Once authenticated, the normal limits apply to what follows.
    let mut p = RequestParser::new();
    p.set_authenticated(false);
    p.set_authenticated(true);
    assert_eq!(feed_with(&mut p, &[b"*11\r\n"]), vec![]);
}

#[test]
fn bulk_header_errors() {
    assert_eq!(
        whole(b"*1\r\nX\r\n"),
        vec![Ev::Err("ERR Protocol error: expected '$', got 'X'")]
    );
    // Redis replaces CR and LF with spaces in error texts.
    assert_eq!(
        whole(b"*1\r\n\r\n"),
        vec![Ev::Err("ERR Protocol error: expected '$', got ' '")]
    );
    assert_eq!(
        whole(b"*1\r\n\n$4\r\n"),
        vec![Ev::Err("ERR Protocol error: expected '$', got ' '")]
    );
    assert_eq!(
        whole(b"*1\r\n\x01\r\n"),
        vec![Ev::Err("ERR Protocol error: expected '$', got '\x01'")]
    );
    // Redis sends the raw byte 0xff; a &str carries it as U+00FF.
    assert_eq!(
        whole(b"*1\r\n\xff\r\n"),
        vec![Ev::Err("ERR Protocol error: expected '$', got '\u{ff}'")]
    );
    assert_eq!(
        whole(b"*2\r\n$1\r\na\r\n:1\r\n"),
        vec![Ev::Err("ERR Protocol error: expected '$', got ':'")]
    );
    // Redis waits for the whole header line before looking at its first byte.
    assert_eq!(whole(b"*1\r\nfoo"), vec![]);
    let invalid = err(ProtocolError::INVALID_BULK_LEN);
    for bad in [
        &b"$-1"[..],
        b"$",
        b"$01",
        b"$-0",
        b"$+1",
        b"$1 ",
        b"$536870913",
        b"$99999999999999999999",
    ] {
        let mut buf = b"*1\r\n".to_vec();
        buf.extend_from_slice(bad);
        buf.extend_from_slice(b"\r\n");
        assert_eq!(whole(&buf), vec![invalid.clone()], "{bad:?}");
    }
    assert_eq!(whole(b"*1\r\n$536870912\r\n"), vec![]);
}

#[test]
fn max_bulk_len_is_configurable() {
    let mut p = RequestParser::new();
    p.set_limits(Limits {
        max_bulk_len: 3,
        ..Limits::default()
    });
    assert_eq!(p.limits().max_bulk_len, 3);
    assert_eq!(
        feed_with(&mut p, &[b"*1\r\n$3\r\nabc\r\n*1\r\n$4\r\nabcd\r\n"]),
        vec![req(&[b"abc"], 13), err(ProtocolError::INVALID_BULK_LEN)]
    );
}

#[test]
fn header_line_needs_only_one_byte_after_cr() {
    // Redis skips the byte after `\r` unchecked, and the two bytes after bulk data.
    assert_eq!(whole(b"*1\rX$4\rXPING\r\n"), vec![req(&[b"PING"], 14)]);
    assert_eq!(
        whole(b"*1\r\n$4\r\nPINGXY*1\r\n$4\r\nPING\r\n"),
        vec![req(&[b"PING"], 14), req(&[b"PING"], 14)]
    );
    // A `\r` as the last byte is not enough.
    assert_eq!(whole(b"*1\r"), vec![]);
    assert_eq!(whole(b"*1\r\n$4\r"), vec![]);
    assert_eq!(whole(b"*1\r\n$4\r\nPING\r"), vec![]);
}

#[test]
fn nul_hides_the_line_end_like_strchr() {
    assert_eq!(whole(b"PI\0NG\r\n"), vec![]);
    assert_eq!(whole(b"*1\0\r\n"), vec![]);
    assert_eq!(whole(b"*1\r\n$4\0\r\nPING\r\n"), vec![]);
    // In bulk data a NUL is just a byte.
    assert_eq!(whole(b"*1\r\n$4\r\nPI\0G\r\n"), vec![req(&[b"PI\0G"], 14)]);
    // ... and the parser stays stuck until the 64 KB checks fire.
    let k = PROTO_INLINE_MAX_SIZE;
    let mut buf = b"PI\0NG\r\n".to_vec();
    buf.resize(k + 1, b'a');
    assert_eq!(
        feed(&[b"PI\0NG\r\n", &buf[7..]]),
        vec![err(ProtocolError::TOO_BIG_INLINE)]
    );
    let mut buf = b"*1\0\r\n".to_vec();
    buf.resize(k + 5, b'x');
    assert_eq!(whole(&buf), vec![err(ProtocolError::TOO_BIG_MBULK_COUNT)]);
}

#[test]
fn too_big_lines() {
    let k = PROTO_INLINE_MAX_SIZE;
    assert_eq!(whole(&vec![b'a'; k]), vec![]);
    assert_eq!(
        whole(&vec![b'a'; k + 1]),
        vec![err(ProtocolError::TOO_BIG_INLINE)]
    );

    let mut count = vec![b'1'; k + 1];
    count[0] = b'*';
    assert_eq!(whole(&count[..k]), vec![]);
    assert_eq!(whole(&count), vec![err(ProtocolError::TOO_BIG_MBULK_COUNT)]);

    let mut hdr = b"*1\r\n$".to_vec();
    hdr.resize(4 + k + 1, b'1');
    assert_eq!(whole(&hdr[..4 + k]), vec![]);
    assert_eq!(whole(&hdr), vec![err(ProtocolError::TOO_BIG_BULK_COUNT)]);

    // Measured from the header's start, not the request's.
    let mut second = b"*2\r\n$1\r\na\r\n$".to_vec();
    let head = second.len() - 1;
    second.resize(head + k, b'1');
    assert_eq!(whole(&second), vec![]);
    second.push(b'1');
    assert_eq!(whole(&second), vec![err(ProtocolError::TOO_BIG_BULK_COUNT)]);

    // A longer inline line is accepted when its end is already buffered, as in Redis.
    let mut long = b"ECHO ".to_vec();
    long.resize(70_000, b'a');
    long.extend_from_slice(b"\r\n");
    assert!(matches!(&whole(&long)[..], [Ev::Req(a, 70_002)] if a[1].len() == 69_995));
}

#[test]
fn inline_requests() {
    assert_eq!(whole(b"PING\r\n"), vec![req(&[b"PING"], 6)]);
    assert_eq!(whole(b"PING\n"), vec![req(&[b"PING"], 5)]);
    assert_eq!(
        whole(b"set  k\tv\r\n"),
        vec![req(&[b"set", b"k", b"v"], 10)]
    );
    // Only one trailing `\r` is stripped; the next is a separator inside the line.
    assert_eq!(whole(b"X a\tb\r\r\n"), vec![req(&[b"X", b"a", b"b"], 8)]);
    // Empty lines are skipped.
    assert_eq!(
        whole(b"\r\nPING\r\n"),
        vec![Ev::Skip(2), req(&[b"PING"], 6)]
    );
    assert_eq!(whole(b"\nPING\n"), vec![Ev::Skip(1), req(&[b"PING"], 5)]);
    assert_eq!(whole(b"   \r\n"), vec![Ev::Skip(5)]);
    // Vertical tab and form feed: skipped between arguments, kept inside one.
    assert_eq!(
        whole(b"X a\x0bb  c\r\n"),
        vec![req(&[b"X", b"a\x0bb", b"c"], 10)]
    );
    assert_eq!(whole(b"\x0bX a\r\n"), vec![req(&[b"X", b"a"], 6)]);
    assert_eq!(whole(b"X \x0c y\r\n"), vec![req(&[b"X", b"y"], 7)]);
    assert_eq!(whole(b"ECHO \xff\r\n"), vec![req(&[b"ECHO", b"\xff"], 8)]);
    // Pipelined inline and multibulk.
    assert_eq!(
        whole(b"PING\r\n*1\r\n$4\r\nPING\r\nECHO hi\n"),
        vec![
            req(&[b"PING"], 6),
            req(&[b"PING"], 14),
            req(&[b"ECHO", b"hi"], 8)
        ]
    );
}

#[test]
fn inline_quoting() {
    let one = |line: &[u8]| -> Vec<Ev> { whole(line) };
    let arg1 = |line: &[u8], want: &[u8]| {
        let evs = whole(line);
        assert!(
            matches!(&evs[..], [Ev::Req(a, _)] if a.len() == 2 && a[1] == want),
            "{line:?}: {evs:?}"
        );
    };
    arg1(b"ECHO \"a\\x41\\x4g\\n\\t\\\"\\q\"\r\n", b"aAx4g\n\t\"q");
    arg1(b"ECHO 'a\\'b\\n'\r\n", b"a'b\\n");
    arg1(b"ECHO foo\"bar\"\r\n", b"foobar");
    arg1(b"ECHO \"\\x\"\r\n", b"x");
    arg1(b"ECHO \"\\xFf\\xfF\"\r\n", b"\xff\xff");
    arg1(b"ECHO \"a\"\x0b\r\n", b"a");
    arg1(b"ECHO \"\\r\\b\\a\\\\\"\r\n", b"\r\x08\x07\\");
    arg1(b"ECHO 'a\"b'\r\n", b"a\"b");
    arg1(b"ECHO \"a'b\"\r\n", b"a'b");
    arg1(b"ECHO \"a b\"\r\n", b"a b");
    assert_eq!(one(b"\"\"\r\n"), vec![req(&[b""], 4)]);
    assert_eq!(one(b"X '' \"\"\r\n"), vec![req(&[b"X", b"", b""], 9)]);
    assert_eq!(
        one(b"ECHO \"a\"\tb\r\n"),
        vec![req(&[b"ECHO", b"a", b"b"], 12)]
    );
    let unbalanced = err(ProtocolError::UNBALANCED_QUOTES);
    for bad in [
        &b"ECHO \"a\"b\r\n"[..],
        b"ECHO 'a'b\r\n",
        b"ECHO \"abc\r\n",
        b"ECHO 'abc\r\n",
        b"ECHO \"a\\\r\n",
        b"ECHO a\"b\"c\r\n",
        b"\"\n",
    ] {
        assert_eq!(one(bad), vec![unbalanced.clone()], "{bad:?}");
    }
    // The quote must be closed on the line: a `\r` before the `\n` is inside the quotes.
    assert_eq!(one(b"ECHO \"a\r\r\n"), vec![unbalanced]);
}

#[test]
fn byte_by_byte_matches_whole() {
    let mut buf = Vec::new();
    buf.extend_from_slice(b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n");
    buf.extend_from_slice(b"set 'a b' \"c\\x00d\"\r\n\r\n*0\r\n");
    buf.extend_from_slice(b"*2\r\n$4\r\nECHO\r\n$10\r\n0123456789\r\n");
    let evs = whole(&buf);
    assert_eq!(evs.len(), 5);
    assert_eq!(bytewise(&buf), evs);
}

#[test]
fn nothing_is_rescanned() {
    // Many arguments, one byte at a time: every header search resumes where it stopped.
    let args: Vec<Vec<u8>> = (0..2000).map(|i| format!("arg{i}").into_bytes()).collect();
    let mut buf = Vec::new();
    crate::value::encode_request(&args, &mut buf);
    let mut p = RequestParser::new();
    let mut n = 0;
    for end in 1..=buf.len() {
        match p.parse(&buf[..end]) {
            Ok(Parsed::Incomplete) => {}
            Ok(Parsed::Request(a, used)) => {
                assert_eq!(a.len(), 2000);
                assert_eq!(used, buf.len());
                n += 1;
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(n, 1);
    assert!(
        p.examined <= 2 * buf.len(),
        "{} for {}",
        p.examined,
        buf.len()
    );

    // An inline line, one byte at a time.
    let mut line = vec![b'a'; 60_000];
    line.extend_from_slice(b"\r\n");
    let mut p = RequestParser::new();
    for end in 1..line.len() {
        assert!(matches!(p.parse(&line[..end]), Ok(Parsed::Incomplete)));
    }
    assert!(matches!(p.parse(&line), Ok(Parsed::Request(a, 60_002)) if a.len() == 1));
    assert!(p.examined <= line.len() + 1, "{}", p.examined);
}

#[test]
fn steady_state_reuses_buffers() {
    let one = b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n";
    let buf: Vec<u8> = one.iter().copied().cycle().take(one.len() * 100).collect();
    let mut p = RequestParser::new();
    let mut pos = 0;
    let mut first = None;
    while pos < buf.len() {
        match p.parse(&buf[pos..]) {
            Ok(Parsed::Request(a, n)) => {
                assert_eq!(a.get(2), b"value");
                pos += n;
            }
            other => panic!("{other:?}"),
        }
        let now = (p.spans.as_ptr(), p.memory_usage());
        assert_eq!(*first.get_or_insert(now), now);
    }
}

#[test]
fn big_requests_give_memory_back() {
    let args: Vec<Vec<u8>> = (0..10_000).map(|_| b"x".to_vec()).collect();
    let mut buf = Vec::new();
    crate::value::encode_request(&args, &mut buf);
    buf.extend_from_slice(b"*1\r\n$4\r\nPING\r\n");
    let mut p = RequestParser::new();
    assert!(matches!(p.parse(&buf), Ok(Parsed::Request(a, _)) if a.len() == 10_000));
    let big = p.memory_usage();
    let at = buf.len() - 14;
    assert!(matches!(p.parse(&buf[at..]), Ok(Parsed::Request(a, 14)) if a.len() == 1));
    assert!(p.memory_usage() < big);
    assert!(p.memory_usage() <= KEEP_SPANS * 8 + KEEP_SCRATCH);
}

#[test]
fn errors_are_sticky_until_reset() {
    let mut p = RequestParser::new();
    assert_eq!(
        p.parse(b"*x\r\n").err(),
        Some(ProtocolError::INVALID_MULTIBULK_LEN)
    );
    assert_eq!(
        p.parse(b"PING\r\n").err(),
        Some(ProtocolError::INVALID_MULTIBULK_LEN)
    );
    assert!(!p.in_progress());
    p.reset();
    assert!(matches!(p.parse(b"PING\r\n"), Ok(Parsed::Request(_, 6))));
}

#[test]
fn reset_drops_a_partial_request() {
    let mut p = RequestParser::new();
    assert!(matches!(
        p.parse(b"*2\r\n$3\r\nGET\r\n"),
        Ok(Parsed::Incomplete)
    ));
    assert!(p.in_progress());
    p.reset();
    assert!(!p.in_progress());
    assert!(
        matches!(p.parse(b"*1\r\n$4\r\nPING\r\n"), Ok(Parsed::Request(a, 14)) if a.get(0) == b"PING")
    );
}

#[test]
fn a_shrunk_buffer_does_not_panic() {
    // Breaking the contract gives wrong answers, never a panic.
    let mut p = RequestParser::new();
    assert!(matches!(
        p.parse(b"*2\r\n$3\r\nGET\r\n$5\r\nab"),
        Ok(Parsed::Incomplete)
    ));
    assert!(matches!(p.parse(b"*2"), Ok(Parsed::Incomplete)));
    assert!(matches!(p.parse(b""), Ok(Parsed::Incomplete)));
    let mut p = RequestParser::new();
    assert!(matches!(p.parse(b"abcdef"), Ok(Parsed::Incomplete)));
    let _ = p.parse(b"a\n");
}

#[test]
fn query_buffer_limit() {
    let mut p = RequestParser::new();
    assert!(!p.query_buffer_limit_exceeded(1024 * 1024 * 1024));
    assert!(p.query_buffer_limit_exceeded(1024 * 1024 * 1024 + 1));
    p.set_limits(Limits {
        query_buffer_limit: 10,
        ..Limits::default()
    });
    assert!(p.query_buffer_limit_exceeded(11));
    assert!(!p.query_buffer_limit_exceeded(10));
    // Arguments already parsed do not count: a request may be bigger than the limit.
    let buf = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$20\r\n0123456789";
    assert!(matches!(p.parse(buf), Ok(Parsed::Incomplete)));
    assert_eq!(p.parsed_len(), buf.len() - 10);
    assert!(!p.query_buffer_limit_exceeded(buf.len()));
    assert!(p.query_buffer_limit_exceeded(buf.len() + 1));
    let mut p = RequestParser::new();
    p.set_limits(Limits {
        query_buffer_limit: 10,
        ..Limits::default()
    });
    assert!(matches!(p.parse(b"*1\r\n$20\r\n"), Ok(Parsed::Incomplete)));
    assert!(!p.query_buffer_limit_exceeded(9 + 10));
    assert!(p.query_buffer_limit_exceeded(9 + 11));
}

#[test]
fn expected_dollar_table() {
    for b in 0..=255u8 {
        let e = ProtocolError::expected_dollar(b);
        assert!(e.0.starts_with("ERR Protocol error: expected '$', got '"));
        assert!(e.0.ends_with('\''));
        let got: Vec<char> = e.0[39..e.0.len() - 1].chars().collect();
        let want = if b == b'\r' || b == b'\n' {
            ' '
        } else {
            char::from(b)
        };
        assert_eq!(got, vec![want]);
    }
}

#[test]
fn string2ll_matches_redis() {
    assert_eq!(string2ll(b"0"), Some(0));
    assert_eq!(string2ll(b"-1"), Some(-1));
    assert_eq!(string2ll(b"9223372036854775807"), Some(i64::MAX));
    assert_eq!(string2ll(b"-9223372036854775808"), Some(i64::MIN));
    for bad in [
        &b""[..],
        b"-",
        b"-0",
        b"00",
        b"01",
        b"+1",
        b" 1",
        b"1 ",
        b"1a",
        b"9223372036854775808",
    ] {
        assert_eq!(string2ll(bad), None, "{bad:?}");
    }
    assert_eq!(string2ll(b"-9223372036854775809"), None);
    assert_eq!(string2ll(b"000000000000000000001"), None);
}

// ---------------------------------------------------------------------------------------
// A reference: Redis's processInputBuffer transcribed plainly over a whole buffer, with no
// incremental state. The incremental parser, fed in any chunks, must agree with it.

fn strchr(s: &[u8], c: u8) -> Option<usize> {
    match s.iter().position(|&b| b == c || b == 0) {
        Some(i) if s[i] == c => Some(i),
        _ => None,
    }
}

fn reference(buf: &[u8], auth: bool, max_bulk: u64) -> Vec<Ev> {
    let mut evs = Vec::new();
    let mut qb = 0;
    'requests: while qb < buf.len() {
        let q = &buf[qb..];
        if q[0] != b'*' {
            let Some(mut nl) = strchr(q, b'\n') else {
                if q.len() > PROTO_INLINE_MAX_SIZE {
                    evs.push(err(ProtocolError::TOO_BIG_INLINE));
                }
                break;
            };
            let mut lf = 1;
            if nl != 0 && q[nl - 1] == b'\r' {
                nl -= 1;
                lf += 1;
            }
            let mut scratch = Vec::new();
            let mut spans = Vec::new();
            if split_args(&q[..nl], &mut scratch, &mut spans).is_err() {
                evs.push(err(ProtocolError::UNBALANCED_QUOTES));
                break;
            }
            let n = nl + lf;
            if spans.is_empty() {
                evs.push(Ev::Skip(n));
            } else {
                let args = spans
                    .iter()
                    .map(|s| scratch[s.start as usize..s.end as usize].to_vec());
                evs.push(Ev::Req(args.collect(), n));
            }
            qb += n;
            continue;
        }
        let Some(cr) = strchr(q, b'\r') else {
            if q.len() > PROTO_INLINE_MAX_SIZE {
                evs.push(err(ProtocolError::TOO_BIG_MBULK_COUNT));
            }
            break;
        };
        if cr as isize > q.len() as isize - 2 {
            break;
        }
        let ll = match string2ll(&q[1..cr]) {
            Some(ll) if ll <= i32::MAX as i64 => ll,
            _ => {
                evs.push(err(ProtocolError::INVALID_MULTIBULK_LEN));
                break;
            }
        };
        if ll > 10 && !auth {
            evs.push(err(ProtocolError::UNAUTH_MULTIBULK_LEN));
            break;
        }
        let mut pos = cr + 2;
        if ll <= 0 {
            evs.push(Ev::Skip(pos));
            qb += pos;
            continue;
        }
        let mut args = Vec::new();
        for _ in 0..ll {
            let h = &q[pos..];
            let Some(cr) = strchr(h, b'\r') else {
                if h.len() > PROTO_INLINE_MAX_SIZE {
                    evs.push(err(ProtocolError::TOO_BIG_BULK_COUNT));
                }
                break 'requests;
            };
            if cr as isize > h.len() as isize - 2 {
                break 'requests;
            }
            if h[0] != b'$' {
                evs.push(err(ProtocolError::expected_dollar(h[0])));
                break 'requests;
            }
            let bl = match string2ll(&h[1..cr]) {
                Some(l) if l >= 0 && l as u64 <= max_bulk => l as usize,
                _ => {
                    evs.push(err(ProtocolError::INVALID_BULK_LEN));
                    break 'requests;
                }
            };
            if bl > 16384 && !auth {
                evs.push(err(ProtocolError::UNAUTH_BULK_LEN));
                break 'requests;
            }
            pos += cr + 2;
            if q.len() - pos < bl + 2 {
                break 'requests;
            }
            args.push(q[pos..pos + bl].to_vec());
            pos += bl + 2;
        }
        evs.push(Ev::Req(args, pos));
        qb += pos;
    }
    evs
}

/// Pieces that make interesting protocol when strung together.
fn token() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => prop::sample::select(vec![
            &b"*"[..], b"$", b"\r\n", b"\r", b"\n", b"0", b"1", b"2", b"3", b"9", b"-", b"-1",
            b"a", b" ", b"\t", b"\"", b"'", b"\\", b"\\x4", b"x", b"\0", b"PING", b"*1\r\n",
            b"$3\r\n", b"*2\r\n", b"$0\r\n", b"\x0b", b"\xff", b"11", b"16385",
        ])
        .prop_map(|t| t.to_vec()),
        1 => prop::collection::vec(prop::collection::vec(any::<u8>(), 0..6), 0..4).prop_map(|args| {
            let mut out = Vec::new();
            crate::value::encode_request(&args, &mut out);
            out
        }),
        1 => prop::collection::vec(any::<u8>(), 0..4),
    ]
}

fn protocolish() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(token(), 0..30).prop_map(|ts| ts.concat())
}

/// Cut points splitting `len` bytes into chunks.
fn split(buf: &[u8], cuts: &[usize]) -> Vec<Vec<u8>> {
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (buf.len() + 1)).collect();
    cuts.sort_unstable();
    let mut out = Vec::new();
    let mut at = 0;
    for c in cuts {
        out.push(buf[at..c].to_vec());
        at = c;
    }
    out.push(buf[at..].to_vec());
    out
}

fn feed_owned(p: &mut RequestParser, chunks: &[Vec<u8>]) -> Vec<Ev> {
    let refs: Vec<&[u8]> = chunks.iter().map(|c| &c[..]).collect();
    feed_with(p, &refs)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn multibulk_round_trip(
        args in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..40), 1..12),
        cuts in prop::collection::vec(any::<usize>(), 0..8),
    ) {
        let mut buf = Vec::new();
        crate::value::encode_request(&args, &mut buf);
        let first = buf.len();
        crate::value::encode_request(&args[..1], &mut buf);
        let want = vec![Ev::Req(args.clone(), first), Ev::Req(args[..1].to_vec(), buf.len() - first)];
        prop_assert_eq!(&whole(&buf), &want);
        prop_assert_eq!(&feed_owned(&mut RequestParser::new(), &split(&buf, &cuts)), &want);
    }

    #[test]
    fn agrees_with_the_reference_in_any_chunks(
        buf in protocolish(),
        cuts in prop::collection::vec(any::<usize>(), 0..10),
        auth in any::<bool>(),
        max_bulk in prop_oneof![Just(512u64 * 1024 * 1024), 0u64..8],
    ) {
        let want = reference(&buf, auth, max_bulk);
        let mut p = RequestParser::new();
        p.set_authenticated(auth);
        p.set_limits(Limits { max_bulk_len: max_bulk, ..Limits::default() });
        prop_assert_eq!(&feed_owned(&mut p, &split(&buf, &cuts)), &want);
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_memory_follows_input(
        chunks in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..64), 0..16),
        auth in any::<bool>(),
    ) {
        let mut p = RequestParser::new();
        p.set_authenticated(auth);
        let mut data = Vec::new();
        let mut pos = 0;
        'outer: for c in &chunks {
            data.extend_from_slice(c);
            loop {
                let n = match p.parse(&data[pos..]) {
                    Ok(Parsed::Incomplete) => break,
                    Ok(Parsed::Request(_, n)) | Ok(Parsed::Skip(n)) => n,
                    Err(_) => break 'outer,
                };
                prop_assert!(n > 0 && pos + n <= data.len());
                pos += n;
            }
            prop_assert!(p.memory_usage() <= 16 * data.len() + 64, "{} for {}", p.memory_usage(), data.len());
        }
    }

    #[test]
    fn declared_sizes_reserve_nothing(count in 1i64..=i32::MAX as i64, len in 0u64..=512 * 1024 * 1024, fed in 0usize..64) {
        let mut buf = format!("*{count}\r\n$16\r\n0123456789abcdef\r\n${len}\r\n").into_bytes();
        buf.resize(buf.len() + fed, b'z');
        let mut p = RequestParser::new();
        let _ = p.parse(&buf);
        prop_assert!(p.memory_usage() <= 16 * buf.len() + 64);
    }
}
