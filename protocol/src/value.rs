//! A decoded RESP2/RESP3 value, for clients and tests (the server never decodes replies).
//!
//! [`decode`] reads one value from the start of a buffer, [`encode_request`] writes a
//! request as clients send it, [`Value::encode`] writes a value back as RESP3 and
//! [`Value::to_redis_cli_string`] renders it the way `redis-cli` prints replies.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write as _;

use crate::reply::fmt_double;

/// One RESP2/RESP3 value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `+text`
    Simple(Vec<u8>),
    /// `-text`, or a RESP3 blob error `!len`.
    Error(Vec<u8>),
    /// `:n`
    Int(i64),
    /// `$len` bytes
    Bulk(Vec<u8>),
    /// `$-1`, `*-1` or `_`
    Null,
    /// `*n`
    Array(Vec<Value>),
    /// `%n`: key-value pairs in the order received.
    Map(Vec<(Value, Value)>),
    /// `~n`
    Set(Vec<Value>),
    /// `>n`: an out-of-band push message (pub/sub, invalidation).
    Push(Vec<Value>),
    /// `,d` (`inf`, `-inf` and `nan` included).
    Double(f64),
    /// `#t` / `#f`
    Boolean(bool),
    /// `(digits`: a big number, as its text.
    BigNumber(Vec<u8>),
    /// `=len` `fmt:text`: a verbatim string with its three-byte format (`txt`, `mkd`).
    Verbatim {
        /// The format, such as `txt`.
        format: [u8; 3],
        /// The text after `fmt:`.
        text: Vec<u8>,
    },
    /// `|n` pairs, then the value they describe.
    Attribute {
        /// The attribute pairs.
        attributes: Vec<(Value, Value)>,
        /// The value that followed them.
        value: Box<Value>,
    },
}

/// Why a buffer does not hold valid RESP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeError(pub &'static str);

impl core::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.0)
    }
}

/// Deepest nesting [`decode`] accepts (it recurses).
pub const MAX_DEPTH: usize = 512;

/// Decodes one value from the start of `buf`: `Ok(None)` when `buf` holds only part of it,
/// otherwise the value and the bytes it used.
///
/// Streamed RESP3 strings and aggregates (`$?`, `*?`), which Redis never sends, are refused.
/// Nothing is reserved from declared lengths beyond what the buffer can hold.
pub fn decode(buf: &[u8]) -> Result<Option<(Value, usize)>, DecodeError> {
    let mut d = Decoder { buf, pos: 0 };
    match d.value(0) {
        Ok(v) => Ok(Some((v, d.pos))),
        Err(Stop::Incomplete) => Ok(None),
        Err(Stop::Invalid(e)) => Err(DecodeError(e)),
    }
}

/// Appends `args` as a multibulk request (`*n` and one `$len` bulk per argument).
pub fn encode_request<A: AsRef<[u8]>>(args: &[A], out: &mut Vec<u8>) {
    let mut b = itoa::Buffer::new();
    out.push(b'*');
    out.extend_from_slice(b.format(args.len()).as_bytes());
    out.extend_from_slice(b"\r\n");
    for a in args {
        let a = a.as_ref();
        out.push(b'$');
        out.extend_from_slice(b.format(a.len()).as_bytes());
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

enum Stop {
    Incomplete,
    Invalid(&'static str),
}

struct Decoder<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl Decoder<'_> {
    /// The line at `pos` without its CRLF; `pos` moves past the CRLF.
    fn line(&mut self) -> Result<&[u8], Stop> {
        let rest = self.buf.get(self.pos..).unwrap_or(&[]);
        let cr = rest
            .iter()
            .position(|&b| b == b'\r')
            .ok_or(Stop::Incomplete)?;
        match rest.get(cr + 1) {
            None => Err(Stop::Incomplete),
            Some(b'\n') => {
                self.pos += cr + 2;
                Ok(rest.get(..cr).unwrap_or(&[]))
            }
            Some(_) => Err(Stop::Invalid("CR not followed by LF")),
        }
    }

    fn int_line(&mut self) -> Result<i64, Stop> {
        let line = self.line()?;
        parse_i64(line).ok_or(Stop::Invalid("invalid integer"))
    }

    /// A length line: `Some(n)`, or `None` for `-1`.
    fn len_line(&mut self) -> Result<Option<usize>, Stop> {
        if self.buf.get(self.pos) == Some(&b'?') {
            return Err(Stop::Invalid("streamed RESP3 types are not supported"));
        }
        match self.int_line()? {
            -1 => Ok(None),
            n => usize::try_from(n)
                .map(Some)
                .map_err(|_| Stop::Invalid("invalid length")),
        }
    }

    /// `len` bytes and a CRLF.
    fn blob(&mut self, len: usize) -> Result<Vec<u8>, Stop> {
        let end = self
            .pos
            .checked_add(len)
            .ok_or(Stop::Invalid("invalid length"))?;
        let data = self.buf.get(self.pos..end).ok_or(Stop::Incomplete)?;
        match self.buf.get(end..end.saturating_add(2)) {
            Some(b"\r\n") => {}
            Some(t) if t.len() == 2 => return Err(Stop::Invalid("bulk not followed by CRLF")),
            _ => {
                // One byte present: it must be CR to be worth waiting for.
                if self.buf.get(end).is_some_and(|&b| b != b'\r') {
                    return Err(Stop::Invalid("bulk not followed by CRLF"));
                }
                return Err(Stop::Incomplete);
            }
        }
        let v = data.to_vec();
        self.pos = end + 2;
        Ok(v)
    }

    /// Room to reserve for `n` elements: no more than the rest of the buffer could hold.
    fn capacity(&self, n: usize) -> usize {
        n.min(self.buf.len().saturating_sub(self.pos) / 3)
    }

    fn values(&mut self, n: usize, depth: usize) -> Result<Vec<Value>, Stop> {
        let mut v = Vec::with_capacity(self.capacity(n));
        for _ in 0..n {
            v.push(self.value(depth + 1)?);
        }
        Ok(v)
    }

    fn pairs(&mut self, n: usize, depth: usize) -> Result<Vec<(Value, Value)>, Stop> {
        let mut v = Vec::with_capacity(self.capacity(n) / 2);
        for _ in 0..n {
            let k = self.value(depth + 1)?;
            let x = self.value(depth + 1)?;
            v.push((k, x));
        }
        Ok(v)
    }

    fn value(&mut self, depth: usize) -> Result<Value, Stop> {
        if depth > MAX_DEPTH {
            return Err(Stop::Invalid("nesting too deep"));
        }
        let tag = *self.buf.get(self.pos).ok_or(Stop::Incomplete)?;
        self.pos += 1;
        Ok(match tag {
            b'+' => Value::Simple(self.line()?.to_vec()),
            b'-' => Value::Error(self.line()?.to_vec()),
            b':' => Value::Int(self.int_line()?),
            b'_' => {
                if !self.line()?.is_empty() {
                    return Err(Stop::Invalid("invalid null"));
                }
                Value::Null
            }
            b'#' => match self.line()? {
                b"t" => Value::Boolean(true),
                b"f" => Value::Boolean(false),
                _ => return Err(Stop::Invalid("invalid boolean")),
            },
            b',' => {
                let line = self.line()?;
                let d = core::str::from_utf8(line)
                    .ok()
                    .and_then(|s| s.parse::<f64>().ok())
                    .ok_or(Stop::Invalid("invalid double"))?;
                Value::Double(d)
            }
            b'(' => {
                let line = self.line()?;
                let digits = line.strip_prefix(b"-").unwrap_or(line);
                if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
                    return Err(Stop::Invalid("invalid big number"));
                }
                Value::BigNumber(line.to_vec())
            }
            b'$' => match self.len_line()? {
                None => Value::Null,
                Some(n) => Value::Bulk(self.blob(n)?),
            },
            b'!' => match self.len_line()? {
                None => return Err(Stop::Invalid("invalid length")),
                Some(n) => Value::Error(self.blob(n)?),
            },
            b'=' => {
                let n = self.len_line()?.ok_or(Stop::Invalid("invalid length"))?;
                let data = self.blob(n)?;
                match data.as_slice() {
                    [a, b, c, b':', text @ ..] => Value::Verbatim {
                        format: [*a, *b, *c],
                        text: text.to_vec(),
                    },
                    _ => return Err(Stop::Invalid("invalid verbatim string")),
                }
            }
            b'*' => match self.len_line()? {
                None => Value::Null,
                Some(n) => Value::Array(self.values(n, depth)?),
            },
            b'~' => {
                let n = self.len_line()?.ok_or(Stop::Invalid("invalid length"))?;
                Value::Set(self.values(n, depth)?)
            }
            b'>' => {
                let n = self.len_line()?.ok_or(Stop::Invalid("invalid length"))?;
                Value::Push(self.values(n, depth)?)
            }
            b'%' => {
                let n = self.len_line()?.ok_or(Stop::Invalid("invalid length"))?;
                Value::Map(self.pairs(n, depth)?)
            }
            b'|' => {
                let n = self.len_line()?.ok_or(Stop::Invalid("invalid length"))?;
                let attributes = self.pairs(n, depth)?;
                let value = Box::new(self.value(depth + 1)?);
                Value::Attribute { attributes, value }
            }
            _ => return Err(Stop::Invalid("unknown type byte")),
        })
    }
}

/// A decimal `i64` with an optional sign.
fn parse_i64(s: &[u8]) -> Option<i64> {
    core::str::from_utf8(s).ok()?.parse().ok()
}

impl Value {
    /// A bulk string value.
    pub fn bulk(b: impl AsRef<[u8]>) -> Self {
        Value::Bulk(b.as_ref().to_vec())
    }

    /// A simple string value.
    pub fn simple(s: impl AsRef<[u8]>) -> Self {
        Value::Simple(s.as_ref().to_vec())
    }

    /// `+OK`.
    pub fn ok() -> Self {
        Value::Simple(b"OK".to_vec())
    }

    /// An error value, its code included (`ERR ...`).
    pub fn err(s: impl AsRef<[u8]>) -> Self {
        Value::Error(s.as_ref().to_vec())
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        matches!(self, Value::Error(_))
    }

    /// The bytes of a simple string, bulk string, error, big number or verbatim string.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Simple(b) | Value::Error(b) | Value::Bulk(b) | Value::BigNumber(b) => Some(b),
            Value::Verbatim { text, .. } => Some(text),
            _ => None,
        }
    }

    /// Appends the value as RESP3. Errors holding CR or LF are written as blob errors and
    /// simple strings holding them as bulk strings, so that the output always decodes.
    pub fn encode(&self, out: &mut Vec<u8>) {
        fn header(out: &mut Vec<u8>, tag: u8, n: usize) {
            out.push(tag);
            out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        fn line(out: &mut Vec<u8>, tag: u8, s: &[u8]) {
            out.push(tag);
            out.extend_from_slice(s);
            out.extend_from_slice(b"\r\n");
        }
        fn blob(out: &mut Vec<u8>, tag: u8, s: &[u8]) {
            header(out, tag, s.len());
            out.extend_from_slice(s);
            out.extend_from_slice(b"\r\n");
        }
        let has_crlf = |s: &[u8]| s.iter().any(|&c| c == b'\r' || c == b'\n');
        match self {
            Value::Simple(s) if has_crlf(s) => blob(out, b'$', s),
            Value::Simple(s) => line(out, b'+', s),
            Value::Error(s) if has_crlf(s) => blob(out, b'!', s),
            Value::Error(s) => line(out, b'-', s),
            Value::Int(n) => line(out, b':', itoa::Buffer::new().format(*n).as_bytes()),
            Value::Bulk(s) => blob(out, b'$', s),
            Value::Null => out.extend_from_slice(b"_\r\n"),
            Value::Array(v) | Value::Set(v) | Value::Push(v) => {
                let tag = match self {
                    Value::Array(_) => b'*',
                    Value::Set(_) => b'~',
                    _ => b'>',
                };
                header(out, tag, v.len());
                for x in v {
                    x.encode(out);
                }
            }
            Value::Map(pairs) => {
                header(out, b'%', pairs.len());
                for (k, x) in pairs {
                    k.encode(out);
                    x.encode(out);
                }
            }
            Value::Double(d) => {
                let mut s = String::new();
                fmt_double(&mut s, *d);
                line(out, b',', s.as_bytes());
            }
            Value::Boolean(b) => out.extend_from_slice(if *b { b"#t\r\n" } else { b"#f\r\n" }),
            Value::BigNumber(s) => line(out, b'(', s),
            Value::Verbatim { format, text } => {
                header(out, b'=', text.len() + 4);
                out.extend_from_slice(format);
                out.push(b':');
                out.extend_from_slice(text);
                out.extend_from_slice(b"\r\n");
            }
            Value::Attribute { attributes, value } => {
                header(out, b'|', attributes.len());
                for (k, x) in attributes {
                    k.encode(out);
                    x.encode(out);
                }
                value.encode(out);
            }
        }
    }

    /// The value as `redis-cli` prints it on a terminal (Redis 7.0's `cliFormatReplyTTY`),
    /// trailing newline included: `"bulk"` quoted and escaped, `(integer) 1`, `(nil)`,
    /// `(error) ERR ...`, numbered array items `1) `, set items `1~ `, map entries
    /// `1# key => value`, `(double) 1.5`, `(true)`. Big numbers print as `(big number) n`
    /// (as later redis-cli versions do; 7.0 cannot print them) and attributes are left out,
    /// only the value they describe printed.
    pub fn to_redis_cli_string(&self) -> String {
        let mut out = String::new();
        cli_format(self, "", &mut out);
        out
    }
}

impl core::fmt::Display for Value {
    /// The [`Value::to_redis_cli_string`] rendering.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.to_redis_cli_string())
    }
}

/// `sdscatrepr`: a quoted string with C escapes.
fn cli_repr(s: &[u8], out: &mut String) {
    out.push('"');
    for &c in s {
        match c {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x07 => out.push_str("\\a"),
            0x08 => out.push_str("\\b"),
            0x20..=0x7e => out.push(c as char),
            _ => {
                let _ = write!(out, "\\x{c:02x}");
            }
        }
    }
    out.push('"');
}

fn cli_format(v: &Value, prefix: &str, out: &mut String) {
    let lossy = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    match v {
        Value::Error(e) => {
            out.push_str("(error) ");
            out.push_str(&lossy(e));
            out.push('\n');
        }
        Value::Simple(s) => {
            out.push_str(&lossy(s));
            out.push('\n');
        }
        Value::Int(n) => {
            let _ = writeln!(out, "(integer) {n}");
        }
        Value::Double(d) => {
            out.push_str("(double) ");
            fmt_double(out, *d);
            out.push('\n');
        }
        Value::Bulk(b) => {
            cli_repr(b, out);
            out.push('\n');
        }
        Value::Verbatim { text, .. } => {
            out.push_str(&lossy(text));
            out.push('\n');
        }
        Value::Null => out.push_str("(nil)\n"),
        Value::Boolean(b) => out.push_str(if *b { "(true)\n" } else { "(false)\n" }),
        Value::BigNumber(n) => {
            out.push_str("(big number) ");
            out.push_str(&lossy(n));
            out.push('\n');
        }
        Value::Attribute { value, .. } => cli_format(value, prefix, out),
        Value::Array(items) | Value::Set(items) | Value::Push(items) => {
            let (empty, sep) = match v {
                Value::Array(_) => ("(empty array)\n", ')'),
                Value::Set(_) => ("(empty set)\n", '~'),
                _ => ("(empty push)\n", ')'),
            };
            if items.is_empty() {
                out.push_str(empty);
                return;
            }
            let (width, inner) = cli_nested_prefix(prefix, items.len());
            for (i, item) in items.iter().enumerate() {
                cli_index(out, if i == 0 { "" } else { prefix }, width, i + 1, sep);
                cli_format(item, &inner, out);
            }
        }
        Value::Map(pairs) => {
            if pairs.is_empty() {
                out.push_str("(empty hash)\n");
                return;
            }
            let (width, inner) = cli_nested_prefix(prefix, pairs.len());
            for (i, (k, x)) in pairs.iter().enumerate() {
                cli_index(out, if i == 0 { "" } else { prefix }, width, i + 1, '#');
                cli_format(k, &inner, out);
                if out.ends_with('\n') {
                    out.pop();
                }
                out.push_str(" => ");
                if cli_is_multiline(x) {
                    // redis-cli breaks the line before a multi-line value, for alignment.
                    out.push('\n');
                    out.push_str(&inner);
                }
                cli_format(x, &inner, out);
            }
        }
    }
}

/// redis-cli's `cliIsMultilineValueTTY`: whether the value prints on several lines.
fn cli_is_multiline(v: &Value) -> bool {
    match v {
        Value::Array(items) | Value::Set(items) | Value::Push(items) => match &items[..] {
            [] => false,
            [one] => cli_is_multiline(one),
            _ => true,
        },
        Value::Map(pairs) => match &pairs[..] {
            [] => false,
            [(_, x)] => cli_is_multiline(x),
            _ => true,
        },
        Value::Attribute { value, .. } => cli_is_multiline(value),
        _ => false,
    }
}

/// The index width for `n` items and the prefix of nested lines.
fn cli_nested_prefix(prefix: &str, n: usize) -> (usize, String) {
    let mut width = 1;
    let mut i = n / 10;
    while i > 0 {
        width += 1;
        i /= 10;
    }
    let mut inner = String::from(prefix);
    for _ in 0..width + 2 {
        inner.push(' ');
    }
    (width, inner)
}

fn cli_index(out: &mut String, prefix: &str, width: usize, i: usize, sep: char) {
    let _ = write!(out, "{prefix}{i:>width$}{sep} ");
}

#[cfg(test)]
mod tests;
