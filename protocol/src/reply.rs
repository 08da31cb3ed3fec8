//! The reply encoder: RESP2 and RESP3, written straight into the connection's output buffer.
//!
//! Commands never pick a protocol themselves: they call the typed methods here and the
//! encoder downgrades RESP3 types for RESP2 clients the way Redis does (maps become flat
//! arrays, sets arrays, doubles bulk strings, booleans integers, nulls `$-1` / `*-1`).

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write as _;

/// The protocol a connection speaks (`HELLO 2` / `HELLO 3`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Proto {
    /// RESP2, every connection's start.
    #[default]
    Resp2,
    /// RESP3, after `HELLO 3`.
    Resp3,
}

/// Writes replies into `out`.
pub struct Reply<'a> {
    /// The output buffer; replies are appended.
    pub out: &'a mut Vec<u8>,
    /// The protocol of the connection.
    pub proto: Proto,
}

impl<'a> Reply<'a> {
    /// An encoder appending to `out`.
    #[inline]
    pub fn new(out: &'a mut Vec<u8>, proto: Proto) -> Self {
        Reply { out, proto }
    }

    #[inline]
    fn header(&mut self, tag: u8, n: i64) {
        self.out.push(tag);
        let mut b = itoa::Buffer::new();
        self.out.extend_from_slice(b.format(n).as_bytes());
        self.out.extend_from_slice(b"\r\n");
    }

    /// `+OK`.
    #[inline]
    pub fn ok(&mut self) {
        self.out.extend_from_slice(b"+OK\r\n");
    }

    /// A simple string: `+text`. `text` must not hold CR or LF.
    #[inline]
    pub fn simple(&mut self, text: &[u8]) {
        self.out.push(b'+');
        self.out.extend_from_slice(text);
        self.out.extend_from_slice(b"\r\n");
    }

    /// An error: `-text`, where `text` starts with its code (`ERR ...`, `WRONGTYPE ...`).
    /// Newlines inside `text` are replaced by spaces, as Redis does.
    pub fn error(&mut self, text: &str) {
        self.out.push(b'-');
        for &c in text.as_bytes() {
            self.out
                .push(if c == b'\r' || c == b'\n' { b' ' } else { c });
        }
        self.out.extend_from_slice(b"\r\n");
    }

    /// An integer: `:n`.
    #[inline]
    pub fn int(&mut self, n: i64) {
        self.header(b':', n);
    }

    /// A bulk string: `$len` and the bytes.
    #[inline]
    pub fn bulk(&mut self, data: &[u8]) {
        self.header(b'$', data.len() as i64);
        self.out.extend_from_slice(data);
        self.out.extend_from_slice(b"\r\n");
    }

    /// An integer sent as a bulk string (`GET` of an integer-encoded value).
    #[inline]
    pub fn bulk_int(&mut self, n: i64) {
        let mut b = itoa::Buffer::new();
        self.bulk(b.format(n).as_bytes());
    }

    /// The null reply: `$-1` in RESP2, `_` in RESP3.
    #[inline]
    pub fn null(&mut self) {
        match self.proto {
            Proto::Resp2 => self.out.extend_from_slice(b"$-1\r\n"),
            Proto::Resp3 => self.out.extend_from_slice(b"_\r\n"),
        }
    }

    /// The null array: `*-1` in RESP2, `_` in RESP3.
    #[inline]
    pub fn null_array(&mut self) {
        match self.proto {
            Proto::Resp2 => self.out.extend_from_slice(b"*-1\r\n"),
            Proto::Resp3 => self.out.extend_from_slice(b"_\r\n"),
        }
    }

    /// The header of an array of `n` elements.
    #[inline]
    pub fn array(&mut self, n: usize) {
        self.header(b'*', n as i64);
    }

    /// The header of a map of `n` pairs (`%n`; `*2n` in RESP2). Write `2n` elements next.
    #[inline]
    pub fn map(&mut self, n: usize) {
        match self.proto {
            Proto::Resp2 => self.header(b'*', 2 * n as i64),
            Proto::Resp3 => self.header(b'%', n as i64),
        }
    }

    /// The header of a set of `n` elements (`~n`; `*n` in RESP2).
    #[inline]
    pub fn set(&mut self, n: usize) {
        match self.proto {
            Proto::Resp2 => self.header(b'*', n as i64),
            Proto::Resp3 => self.header(b'~', n as i64),
        }
    }

    /// The header of a push message of `n` elements (`>n`; `*n` in RESP2).
    #[inline]
    pub fn push(&mut self, n: usize) {
        match self.proto {
            Proto::Resp2 => self.header(b'*', n as i64),
            Proto::Resp3 => self.header(b'>', n as i64),
        }
    }

    /// A double as Redis 7.0 formats it (`%.17g`, `inf`, `-inf`): `,d` in RESP3, a bulk
    /// string in RESP2.
    pub fn double(&mut self, d: f64) {
        let mut s = String::new();
        fmt_double(&mut s, d);
        match self.proto {
            Proto::Resp2 => self.bulk(s.as_bytes()),
            Proto::Resp3 => {
                self.out.push(b',');
                self.out.extend_from_slice(s.as_bytes());
                self.out.extend_from_slice(b"\r\n");
            }
        }
    }

    /// A boolean: `#t` / `#f` in RESP3, `:1` / `:0` in RESP2.
    #[inline]
    pub fn boolean(&mut self, b: bool) {
        match (self.proto, b) {
            (Proto::Resp2, b) => self.int(b as i64),
            (Proto::Resp3, true) => self.out.extend_from_slice(b"#t\r\n"),
            (Proto::Resp3, false) => self.out.extend_from_slice(b"#f\r\n"),
        }
    }

    /// A big number given as its decimal digits: `(digits` in RESP3, a bulk string in RESP2.
    pub fn big_number(&mut self, digits: &[u8]) {
        match self.proto {
            Proto::Resp2 => self.bulk(digits),
            Proto::Resp3 => {
                self.out.push(b'(');
                self.out.extend_from_slice(digits);
                self.out.extend_from_slice(b"\r\n");
            }
        }
    }

    /// A verbatim string with a three-letter format (`txt`, `mkd`): `=len` in RESP3, a bulk
    /// string in RESP2.
    pub fn verbatim(&mut self, format: &[u8; 3], text: &[u8]) {
        match self.proto {
            Proto::Resp2 => self.bulk(text),
            Proto::Resp3 => {
                self.header(b'=', text.len() as i64 + 4);
                self.out.extend_from_slice(format);
                self.out.push(b':');
                self.out.extend_from_slice(text);
                self.out.extend_from_slice(b"\r\n");
            }
        }
    }

    /// Raw, already encoded bytes.
    #[inline]
    pub fn raw(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
    }
}

/// Appends `d` formatted as C's `%.17g` (what Redis 7.0 replies for doubles), with `inf`,
/// `-inf` and `nan` spelled as Redis spells them.
pub fn fmt_double(out: &mut String, d: f64) {
    fmt_g(out, d, 17)
}

/// Appends `d` formatted as C's `%.{precision}g`.
pub fn fmt_g(out: &mut String, d: f64, precision: usize) {
    if d.is_nan() {
        out.push_str("nan");
        return;
    }
    if d.is_infinite() {
        out.push_str(if d > 0.0 { "inf" } else { "-inf" });
        return;
    }
    let p = precision.max(1);
    if d == 0.0 {
        out.push_str(if d.is_sign_negative() { "-0" } else { "0" });
        return;
    }
    // Scientific form with p significant digits, correctly rounded: "d.ddddde[-]x".
    let mut sci = String::new();
    let _ = write!(sci, "{:.*e}", p - 1, d);
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let neg = mant.starts_with('-');
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    if neg {
        out.push('-');
    }
    if exp < -4 || exp >= p as i32 {
        // Exponential: first digit, then the rest without trailing zeros.
        let (first, rest) = digits.split_at(1);
        out.push_str(first);
        let rest = rest.trim_end_matches('0');
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let a = exp.unsigned_abs();
        if a < 10 {
            out.push('0');
        }
        let _ = write!(out, "{a}");
    } else if exp >= 0 {
        let int_len = exp as usize + 1;
        let (ip, fp) = digits.split_at(int_len.min(digits.len()));
        out.push_str(ip);
        for _ in digits.len()..int_len {
            out.push('0');
        }
        let fp = fp.trim_end_matches('0');
        if !fp.is_empty() {
            out.push('.');
            out.push_str(fp);
        }
    } else {
        out.push_str("0.");
        for _ in 0..(-exp - 1) {
            out.push('0');
        }
        out.push_str(digits.trim_end_matches('0'));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g17(d: f64) -> String {
        let mut s = String::new();
        fmt_double(&mut s, d);
        s
    }

    #[test]
    fn doubles_match_printf_g17() {
        assert_eq!(g17(1.1), "1.1000000000000001");
        assert_eq!(g17(1.5), "1.5");
        assert_eq!(g17(10.0), "10");
        assert_eq!(g17(-3.0), "-3");
        assert_eq!(g17(0.0), "0");
        assert_eq!(g17(1e17), "1e+17");
        assert_eq!(g17(1.5e20), "1.5e+20");
        assert_eq!(g17(12345678901234567.0), "12345678901234568");
        assert_eq!(g17(0.0001), "0.0001");
        assert_eq!(g17(0.00001), "1.0000000000000001e-05");
        assert_eq!(g17(f64::INFINITY), "inf");
        assert_eq!(g17(f64::NEG_INFINITY), "-inf");
        assert_eq!(g17(3.0e-300), "3.0000000000000002e-300");
    }

    #[test]
    fn resp2_downgrades() {
        let mut out = Vec::new();
        let mut r = Reply::new(&mut out, Proto::Resp2);
        r.map(1);
        r.null();
        r.boolean(true);
        r.double(2.5);
        r.null_array();
        assert_eq!(out, b"*2\r\n$-1\r\n:1\r\n$3\r\n2.5\r\n*-1\r\n");
    }

    #[test]
    fn resp3_types() {
        let mut out = Vec::new();
        let mut r = Reply::new(&mut out, Proto::Resp3);
        r.map(1);
        r.null();
        r.boolean(false);
        r.double(f64::INFINITY);
        r.verbatim(b"txt", b"hi");
        r.error("ERR bad\r\nthing");
        assert_eq!(
            out,
            b"%1\r\n_\r\n#f\r\n,inf\r\n=6\r\ntxt:hi\r\n-ERR bad  thing\r\n"
        );
    }
}
