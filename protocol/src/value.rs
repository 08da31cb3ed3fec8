//! A decoded RESP2/RESP3 value, for clients and tests (the server never decodes replies).

use alloc::string::String;
use alloc::vec::Vec;

/// One RESP2/RESP3 value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `+text`
    Simple(Vec<u8>),
    /// `-text`
    Error(Vec<u8>),
    /// `:n`
    Int(i64),
    /// `$len` bytes
    Bulk(Vec<u8>),
    /// `$-1`, `*-1` or `_`
    Null,
    /// `*n`
    Array(Vec<Value>),
    /// `%n` (RESP3)
    Map(Vec<(Value, Value)>),
    /// `~n` (RESP3)
    Set(Vec<Value>),
    /// `>n` (RESP3)
    Push(Vec<Value>),
    /// `,d` (RESP3), kept as its text
    Double(Vec<u8>),
    /// `#t` / `#f` (RESP3)
    Boolean(bool),
    /// `(digits` (RESP3)
    BigNumber(Vec<u8>),
    /// `=len fmt:text` (RESP3)
    Verbatim(Vec<u8>, Vec<u8>),
}

/// A reply that is not valid RESP.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError(pub &'static str);

fn line(buf: &[u8]) -> Option<(&[u8], usize)> {
    let pos = buf.windows(2).position(|w| w == b"\r\n")?;
    Some((&buf[..pos], pos + 2))
}

fn int(b: &[u8]) -> Result<i64, DecodeError> {
    core::str::from_utf8(b)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or(DecodeError("bad integer"))
}

/// Decodes one value from the front of `buf`: `Ok(None)` when more bytes are needed, else the
/// value and the number of bytes it took.
pub fn decode(buf: &[u8]) -> Result<Option<(Value, usize)>, DecodeError> {
    decode_depth(buf, 0)
}

fn decode_depth(buf: &[u8], depth: usize) -> Result<Option<(Value, usize)>, DecodeError> {
    if depth > 512 {
        return Err(DecodeError("nesting too deep"));
    }
    let Some(&tag) = buf.first() else { return Ok(None) };
    let Some((l, hl)) = line(&buf[1..]) else { return Ok(None) };
    let hl = hl + 1;
    let v = match tag {
        b'+' => (Value::Simple(l.to_vec()), hl),
        b'-' => (Value::Error(l.to_vec()), hl),
        b':' => (Value::Int(int(l)?), hl),
        b',' => (Value::Double(l.to_vec()), hl),
        b'(' => (Value::BigNumber(l.to_vec()), hl),
        b'_' => (Value::Null, hl),
        b'#' => (Value::Boolean(l == b"t"), hl),
        b'$' | b'=' => {
            let n = int(l)?;
            if n < 0 {
                return Ok(Some((Value::Null, hl)));
            }
            let n = n as usize;
            if buf.len() < hl + n + 2 {
                return Ok(None);
            }
            let data = &buf[hl..hl + n];
            if tag == b'=' {
                if n < 4 {
                    return Err(DecodeError("short verbatim string"));
                }
                (Value::Verbatim(data[..3].to_vec(), data[4..].to_vec()), hl + n + 2)
            } else {
                (Value::Bulk(data.to_vec()), hl + n + 2)
            }
        }
        b'*' | b'~' | b'>' | b'%' => {
            let n = int(l)?;
            if n < 0 {
                return Ok(Some((Value::Null, hl)));
            }
            let count = if tag == b'%' { 2 * n as usize } else { n as usize };
            let mut items = Vec::with_capacity(count.min(1024));
            let mut pos = hl;
            for _ in 0..count {
                match decode_depth(&buf[pos..], depth + 1)? {
                    Some((v, used)) => {
                        items.push(v);
                        pos += used;
                    }
                    None => return Ok(None),
                }
            }
            let v = match tag {
                b'*' => Value::Array(items),
                b'~' => Value::Set(items),
                b'>' => Value::Push(items),
                _ => {
                    let mut pairs = Vec::with_capacity(items.len() / 2);
                    let mut it = items.into_iter();
                    while let (Some(k), Some(v)) = (it.next(), it.next()) {
                        pairs.push((k, v));
                    }
                    Value::Map(pairs)
                }
            };
            (v, pos)
        }
        _ => return Err(DecodeError("unknown type byte")),
    };
    Ok(Some(v))
}

/// Encodes a request as a multibulk array.
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

impl Value {
    /// A bulk string value.
    pub fn bulk(b: impl AsRef<[u8]>) -> Value {
        Value::Bulk(b.as_ref().to_vec())
    }

    /// The `+OK` value.
    pub fn ok() -> Value {
        Value::Simple(b"OK".to_vec())
    }

    /// An error value.
    pub fn err(text: &str) -> Value {
        Value::Error(text.as_bytes().to_vec())
    }

    /// Renders the value as `redis-cli` shows it.
    pub fn to_redis_cli_string(&self) -> String {
        let mut s = String::new();
        self.render(&mut s, 0);
        s
    }

    fn render(&self, s: &mut String, indent: usize) {
        use core::fmt::Write;
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        match self {
            Value::Simple(b) => s.push_str(&text(b)),
            Value::Error(b) => {
                let _ = write!(s, "(error) {}", text(b));
            }
            Value::Int(n) => {
                let _ = write!(s, "(integer) {n}");
            }
            Value::Bulk(b) => {
                let _ = write!(s, "{:?}", text(b));
            }
            Value::Null => s.push_str("(nil)"),
            Value::Double(b) => {
                let _ = write!(s, "(double) {}", text(b));
            }
            Value::Boolean(b) => s.push_str(if *b { "(true)" } else { "(false)" }),
            Value::BigNumber(b) => {
                let _ = write!(s, "(big number) {}", text(b));
            }
            Value::Verbatim(_, b) => {
                let _ = write!(s, "{:?}", text(b));
            }
            Value::Array(items) | Value::Set(items) | Value::Push(items) => {
                if items.is_empty() {
                    s.push_str("(empty array)");
                }
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        s.push('\n');
                        for _ in 0..indent {
                            s.push(' ');
                        }
                    }
                    let _ = write!(s, "{}) ", i + 1);
                    v.render(s, indent + 3);
                }
            }
            Value::Map(pairs) => {
                for (i, (k, v)) in pairs.iter().enumerate() {
                    if i > 0 {
                        s.push('\n');
                    }
                    let _ = write!(s, "{}# ", i + 1);
                    k.render(s, indent + 3);
                    s.push_str(" => ");
                    v.render(s, indent + 3);
                }
            }
        }
    }
}
