//! Number parsing and formatting with Redis's rules (`string2ll`, `string2ld`, ...).

/// Parses a canonical signed 64-bit integer as Redis's `string2ll`: optional `-`, no `+`,
/// no leading zeros (except `0` itself), no spaces, at most 20 characters.
#[inline]
pub fn parse_canonical_i64(b: &[u8]) -> Option<i64> {
    if b.is_empty() || b.len() > 20 {
        return None;
    }
    if b.len() == 1 && b[0] == b'0' {
        return Some(0);
    }
    let (neg, digits) = match b[0] {
        b'-' => (true, &b[1..]),
        _ => (false, b),
    };
    if digits.is_empty() || digits[0] < b'1' || digits[0] > b'9' {
        return None;
    }
    let mut v: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add((c - b'0') as u64)?;
    }
    if neg {
        if v > (i64::MAX as u64) + 1 {
            None
        } else {
            Some((v as i64).wrapping_neg())
        }
    } else if v > i64::MAX as u64 {
        None
    } else {
        Some(v as i64)
    }
}

/// Parses an argument that must be an integer (`getLongLongFromObjectOrReply`).
#[inline]
pub fn parse_i64(b: &[u8]) -> Option<i64> {
    parse_canonical_i64(b)
}

/// Parses an argument that must be a float as Redis's `string2d`/`strtod`: no spaces, no
/// trailing garbage, not NaN; `inf`, `-inf`, `+inf` accepted.
pub fn parse_f64(b: &[u8]) -> Option<f64> {
    if b.is_empty() || b.len() > 256 {
        return None;
    }
    if b[0].is_ascii_whitespace() || b[b.len() - 1].is_ascii_whitespace() {
        return None;
    }
    let s = core::str::from_utf8(b).ok()?;
    let lower = s.to_ascii_lowercase();
    let v = match lower.as_str() {
        "inf" | "+inf" | "infinity" | "+infinity" => f64::INFINITY,
        "-inf" | "-infinity" => f64::NEG_INFINITY,
        _ => {
            // Rust's parser accepts what strtod does for decimal input, except hex floats,
            // which Redis also rejects for most commands.
            if lower.contains("nan") || lower.contains("inf") {
                return None;
            }
            s.parse::<f64>().ok()?
        }
    };
    if v.is_nan() {
        None
    } else {
        Some(v)
    }
}

/// Parses an integer argument as Redis's `getLongLongFromObject` (and `getLongFromObject`
/// on 64-bit systems): the canonical form of [`parse_canonical_i64`].
#[inline]
pub fn parse_long(b: &[u8]) -> Option<i64> {
    parse_canonical_i64(b)
}

/// The longest text [`LongDouble::parse`] accepts, as Redis's `MAX_LONG_DOUBLE_CHARS`
/// buffer (a string of this length or more is "not a valid float").
pub const MAX_LONG_DOUBLE_CHARS: usize = 5 * 1024;

/// An x87 80-bit extended-precision number (C's `long double` on x86-64 Linux, what Redis's
/// INCRBYFLOAT and HINCRBYFLOAT compute with), in software.
///
/// Redis parses with `strtold`, adds in `long double`, and prints with `%.17Lf`; a binary64
/// emulation answers `0.30000000000000004` where Redis answers `0.3`. This type reproduces
/// the three steps exactly: correctly rounded parsing of decimal and hexadecimal input,
/// round-to-nearest-even addition with the 64-bit significand and the 15-bit exponent
/// (subnormals included), and exact decimal formatting rounded half to even, as glibc does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LongDouble {
    /// `(-1)^neg * mant * 2^exp`: `mant` has its top bit set, or `exp` is [`LD_MIN_EXP`]
    /// (subnormals and zero).
    Finite {
        /// Sign.
        neg: bool,
        /// The 64-bit significand, integer bit included.
        mant: u64,
        /// Power of two of the significand's lowest bit.
        exp: i32,
    },
    /// An infinity.
    Inf {
        /// Sign.
        neg: bool,
    },
}

/// Power of two of the lowest significand bit of the smallest subnormal (`2^-16445`).
pub const LD_MIN_EXP: i32 = -16445;
/// Power of two of the lowest significand bit of the largest finite values.
const LD_MAX_EXP: i32 = 16320;

impl LongDouble {
    /// Zero.
    pub const ZERO: LongDouble = LongDouble::Finite {
        neg: false,
        mant: 0,
        exp: LD_MIN_EXP,
    };

    /// Parses as Redis's `string2ld`: the whole input must be what glibc's `strtold` reads
    /// (optional sign; decimal with optional fraction and exponent; `0x` hexadecimal with
    /// optional binary exponent; `inf`/`infinity`), with no leading space, shorter than
    /// [`MAX_LONG_DOUBLE_CHARS`]; NaN, overflow and underflow to zero are refused.
    pub fn parse(b: &[u8]) -> Option<LongDouble> {
        if b.is_empty() || b.len() >= MAX_LONG_DOUBLE_CHARS || is_c_space(b[0]) {
            return None;
        }
        let (neg, rest) = match b[0] {
            b'-' => (true, &b[1..]),
            b'+' => (false, &b[1..]),
            _ => (false, b),
        };
        if rest.eq_ignore_ascii_case(b"inf") || rest.eq_ignore_ascii_case(b"infinity") {
            return Some(LongDouble::Inf { neg });
        }
        let hex = rest.len() > 2
            && rest[0] == b'0'
            && (rest[1] | 0x20) == b'x'
            && (rest[2].is_ascii_hexdigit()
                || (rest[2] == b'.' && rest.get(3).is_some_and(|c| c.is_ascii_hexdigit())));
        let v = if hex {
            parse_hex(neg, &rest[2..])?
        } else {
            parse_dec(neg, rest)?
        };
        match v {
            // Overflow (ERANGE with HUGE_VAL) and underflow to zero (ERANGE with 0).
            LongDouble::Inf { .. } => None,
            _ => Some(v),
        }
    }

    /// Redis's `(long long) ceill(v * 1000.0)` on x86-64: the product rounded to a 64-bit
    /// significand, rounded up to an integer, and `i64::MIN` (the "integer indefinite" of
    /// the conversion) when that does not fit. A blocking command's timeout in ms.
    pub fn ceil_millis(&self) -> i64 {
        let (neg, mant, exp) = match *self {
            LongDouble::Inf { .. } => return i64::MIN,
            LongDouble::Finite { neg, mant, exp } => (neg, mant, exp),
        };
        if mant == 0 {
            return 0;
        }
        // The exact product, then rounded to 64 significant bits, nearest even.
        let mut p = mant as u128 * 1000;
        let mut e = exp as i64;
        let bits = 128 - p.leading_zeros() as i64;
        if bits > 64 {
            let s = (bits - 64) as u32;
            let half = 1u128 << (s - 1);
            let rem = p & ((1u128 << s) - 1);
            p >>= s;
            e += s as i64;
            if rem > half || (rem == half && p & 1 == 1) {
                p += 1;
            }
        }
        // |value| = p * 2^e: its integer part, and whether a fraction is left.
        let (int, frac) = if e >= 0 {
            if e > 63 || p.leading_zeros() < e as u32 {
                return i64::MIN;
            }
            (p << e, false)
        } else if e <= -128 {
            (0, true)
        } else {
            let s = (-e) as u32;
            (p >> s, p & ((1u128 << s) - 1) != 0)
        };
        // ceil: up for a positive value with a fraction, toward zero for a negative one.
        let mag = if !neg && frac { int + 1 } else { int };
        if neg {
            if mag > 1u128 << 63 {
                i64::MIN
            } else {
                (mag as i128).wrapping_neg() as i64
            }
        } else if mag > i64::MAX as u128 {
            i64::MIN
        } else {
            mag as i64
        }
    }

    /// True for an infinity.
    pub fn is_inf(&self) -> bool {
        matches!(self, LongDouble::Inf { .. })
    }

    /// `self + o`, rounded to nearest even; `None` when the result is infinite or NaN.
    pub fn checked_add(self, o: LongDouble) -> Option<LongDouble> {
        let (
            LongDouble::Finite {
                neg: na,
                mant: ma,
                exp: ea,
            },
            LongDouble::Finite {
                neg: nb,
                mant: mb,
                exp: eb,
            },
        ) = (self, o)
        else {
            return None;
        };
        if mb == 0 {
            return Some(if ma == 0 { LongDouble::ZERO } else { self });
        }
        if ma == 0 {
            return Some(o);
        }
        let e = ea.min(eb);
        let mut a = Big::from_u64(ma);
        a.shl((ea - e) as u64);
        let mut b = Big::from_u64(mb);
        b.shl((eb - e) as u64);
        let r = if na == nb {
            a.add_assign(&b);
            round_ld(na, a, e as i64, false)
        } else {
            match a.cmp(&b) {
                core::cmp::Ordering::Equal => LongDouble::ZERO,
                core::cmp::Ordering::Greater => {
                    a.sub_assign(&b);
                    round_ld(na, a, e as i64, false)
                }
                core::cmp::Ordering::Less => {
                    b.sub_assign(&a);
                    round_ld(nb, b, e as i64, false)
                }
            }
        };
        (!r.is_inf()).then_some(r)
    }

    /// Appends the value as Redis's `ld2string(.., LD_STR_HUMAN)`: `%.17Lf`, then trailing
    /// zeros (and a bare point) removed, and `-0` written `0`.
    pub fn write_human(&self, out: &mut alloc::vec::Vec<u8>) {
        let (neg, mant, exp) = match *self {
            LongDouble::Inf { neg } => {
                out.extend_from_slice(if neg { b"-inf" } else { b"inf" });
                return;
            }
            LongDouble::Finite { neg, mant, exp } => (neg, mant, exp),
        };
        // q = round_half_even(|v| * 10^17).
        let mut x = Big::from_u64(mant);
        let q = if exp >= 0 {
            x.shl(exp as u64);
            x.mul_pow10(17);
            x
        } else {
            x.mul_pow10(17);
            let sh = (-exp) as u64;
            let round = x.bit(sh - 1);
            let sticky = x.any_below(sh - 1);
            let mut q = x;
            q.shr(sh);
            if round && (sticky || q.bit(0)) {
                q.add_small(1);
            }
            q
        };
        let digits = q.to_decimal();
        let start = out.len();
        if neg {
            out.push(b'-');
        }
        if digits.len() <= 17 {
            out.push(b'0');
            out.push(b'.');
            out.extend(core::iter::repeat_n(b'0', 17 - digits.len()));
            out.extend_from_slice(&digits);
        } else {
            let (i, f) = digits.split_at(digits.len() - 17);
            out.extend_from_slice(i);
            out.push(b'.');
            out.extend_from_slice(f);
        }
        while out.last() == Some(&b'0') {
            out.pop();
        }
        if out.last() == Some(&b'.') {
            out.pop();
        }
        if &out[start..] == b"-0" {
            out.truncate(start);
            out.push(b'0');
        }
    }
}

/// C's `isspace` in the C locale.
#[inline]
fn is_c_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Reads an optional exponent `[eEpP][+-]digits` at the start of `b` (`marker` in lower
/// case); returns it saturated to +-10^9 and the bytes it took, or `None` when `b` holds
/// anything else.
fn parse_exp(b: &[u8], marker: u8) -> Option<i64> {
    if b.is_empty() {
        return Some(0);
    }
    if b[0] | 0x20 != marker {
        return None;
    }
    let (neg, digits) = match b.get(1) {
        Some(b'-') => (true, &b[2..]),
        Some(b'+') => (false, &b[2..]),
        _ => (false, &b[1..]),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut e: i64 = 0;
    for &c in digits {
        e = (e * 10 + (c - b'0') as i64).min(1_000_000_000);
    }
    Some(if neg { -e } else { e })
}

/// Decimal `digits[.digits][e[+-]digits]`, correctly rounded.
fn parse_dec(neg: bool, b: &[u8]) -> Option<LongDouble> {
    let int_len = b.iter().take_while(|c| c.is_ascii_digit()).count();
    let mut pos = int_len;
    let mut frac_len = 0;
    if b.get(pos) == Some(&b'.') {
        pos += 1;
        frac_len = b[pos..].iter().take_while(|c| c.is_ascii_digit()).count();
        pos += frac_len;
    }
    if int_len + frac_len == 0 {
        return None;
    }
    let exp10 = parse_exp(&b[pos..], b'e')?;
    let int = &b[..int_len];
    let frac = &b[pos - frac_len..pos];
    // The significant digits, without leading or trailing zeros.
    let all = int.iter().chain(frac.iter()).copied();
    let lead = all.clone().take_while(|&c| c == b'0').count();
    let total = int_len + frac_len;
    if lead == total {
        return Some(LongDouble::Finite {
            neg,
            mant: 0,
            exp: LD_MIN_EXP,
        });
    }
    let digit = |i: usize| {
        if i < int_len {
            int[i]
        } else {
            frac[i - int_len]
        }
    };
    let mut end = total;
    while digit(end - 1) == b'0' {
        end -= 1;
    }
    let nd = (end - lead) as i64;
    // value = D * 10^x, D the digits lead..end.
    let x = exp10 - frac_len as i64 + (total - end) as i64;
    if x + nd > 4933 {
        return Some(LongDouble::Inf { neg });
    }
    if x + nd <= -4952 {
        return None;
    }
    let mut d = Big::default();
    let mut chunk = 0u32;
    let mut n = 0;
    for i in lead..end {
        chunk = chunk * 10 + (digit(i) - b'0') as u32;
        n += 1;
        if n == 9 {
            d.mul_small_add(1_000_000_000, chunk);
            chunk = 0;
            n = 0;
        }
    }
    if n > 0 {
        d.mul_small_add(10u32.pow(n), chunk);
    }
    let v = if x >= 0 {
        d.mul_pow10(x as u32);
        round_ld(neg, d, 0, false)
    } else {
        let mut den = Big::from_u64(1);
        den.mul_pow10((-x) as u32);
        // Enough quotient bits (66 or 67) that rounding to 64 is exact with the sticky bit.
        let k = (den.bits() as i64 - d.bits() as i64 + 66).max(0) as u64;
        d.shl(k);
        let (q, rem) = d.div_small_quotient(&den);
        round_ld(neg, Big::from_u128(q), -(k as i64), rem)
    };
    underflow_check(v)
}

/// Hexadecimal `hexdigits[.hexdigits][p[+-]digits]` (after `0x`), correctly rounded.
fn parse_hex(neg: bool, b: &[u8]) -> Option<LongDouble> {
    let int_len = b.iter().take_while(|c| c.is_ascii_hexdigit()).count();
    let mut pos = int_len;
    let mut frac_len = 0;
    if b.get(pos) == Some(&b'.') {
        pos += 1;
        frac_len = b[pos..]
            .iter()
            .take_while(|c| c.is_ascii_hexdigit())
            .count();
        pos += frac_len;
    }
    let exp2 = parse_exp(&b[pos..], b'p')?;
    let mut d = Big::default();
    for &c in b[..int_len].iter().chain(b[pos - frac_len..pos].iter()) {
        let v = (c as char).to_digit(16).unwrap_or(0);
        d.mul_small_add(16, v);
    }
    if d.is_zero() {
        return Some(LongDouble::Finite {
            neg,
            mant: 0,
            exp: LD_MIN_EXP,
        });
    }
    let e = exp2 - 4 * frac_len as i64;
    let top = e + d.bits() as i64 - 1;
    if top > 16383 {
        return Some(LongDouble::Inf { neg });
    }
    if top < LD_MIN_EXP as i64 - 1 {
        return None;
    }
    underflow_check(round_ld(neg, d, e, false))
}

/// A nonzero input that rounded to zero is refused (`strtold`'s ERANGE with 0).
fn underflow_check(v: LongDouble) -> Option<LongDouble> {
    match v {
        LongDouble::Finite { mant: 0, .. } => None,
        v => Some(v),
    }
}

/// Rounds `(-1)^neg * (n + d) * 2^e`, with `0 <= d < 1` and `sticky` telling `d > 0`, to the
/// nearest extended value, ties to even. When `sticky` is set, `n` must have at least 66 bits.
fn round_ld(neg: bool, n: Big, e: i64, sticky: bool) -> LongDouble {
    if n.is_zero() {
        return LongDouble::Finite {
            neg,
            mant: 0,
            exp: LD_MIN_EXP,
        };
    }
    let bl = n.bits() as i64;
    let mut lsb = (e + bl - 64).max(LD_MIN_EXP as i64);
    let shift = lsb - e;
    let mut q;
    if shift <= 0 {
        q = n.low_u64() << (-shift) as u32;
    } else {
        let sh = shift as u64;
        let round = n.bit(sh - 1);
        let rest = sticky || n.any_below(sh - 1);
        let mut t = n;
        t.shr(sh);
        q = t.low_u64();
        if round && (rest || q & 1 == 1) {
            if q == u64::MAX {
                q = 1 << 63;
                lsb += 1;
            } else {
                q += 1;
            }
        }
    }
    if q == 0 {
        return LongDouble::Finite {
            neg,
            mant: 0,
            exp: LD_MIN_EXP,
        };
    }
    if lsb > LD_MAX_EXP as i64 {
        return LongDouble::Inf { neg };
    }
    LongDouble::Finite {
        neg,
        mant: q,
        exp: lsb as i32,
    }
}

/// A small arbitrary-precision unsigned integer: little-endian 32-bit limbs, no high zero
/// limbs. Only what [`LongDouble`] needs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Big(alloc::vec::Vec<u32>);

impl Big {
    fn from_u64(v: u64) -> Big {
        let mut b = Big(alloc::vec![v as u32, (v >> 32) as u32]);
        b.trim();
        b
    }

    fn from_u128(v: u128) -> Big {
        let mut b = Big((0..4).map(|i| (v >> (32 * i)) as u32).collect());
        b.trim();
        b
    }

    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    fn bits(&self) -> u64 {
        match self.0.last() {
            None => 0,
            Some(&l) => (self.0.len() as u64 - 1) * 32 + (32 - l.leading_zeros()) as u64,
        }
    }

    fn bit(&self, i: u64) -> bool {
        self.0
            .get((i / 32) as usize)
            .is_some_and(|&l| l >> (i % 32) & 1 == 1)
    }

    /// True when any bit below position `i` is set.
    fn any_below(&self, i: u64) -> bool {
        let w = (i / 32) as usize;
        let b = i % 32;
        self.0.iter().take(w.min(self.0.len())).any(|&l| l != 0)
            || (b > 0 && self.0.get(w).is_some_and(|&l| l & ((1u32 << b) - 1) != 0))
    }

    fn low_u64(&self) -> u64 {
        let lo = self.0.first().copied().unwrap_or(0) as u64;
        let hi = self.0.get(1).copied().unwrap_or(0) as u64;
        lo | hi << 32
    }

    fn mul_small_add(&mut self, m: u32, a: u32) {
        let mut carry = a as u64;
        for l in self.0.iter_mut() {
            let t = *l as u64 * m as u64 + carry;
            *l = t as u32;
            carry = t >> 32;
        }
        if carry != 0 {
            self.0.push(carry as u32);
        }
        self.trim();
    }

    fn add_small(&mut self, a: u32) {
        let mut carry = a as u64;
        for l in self.0.iter_mut() {
            if carry == 0 {
                break;
            }
            let t = *l as u64 + carry;
            *l = t as u32;
            carry = t >> 32;
        }
        if carry != 0 {
            self.0.push(carry as u32);
        }
    }

    fn mul_pow10(&mut self, mut n: u32) {
        while n >= 9 {
            self.mul_small_add(1_000_000_000, 0);
            n -= 9;
        }
        if n > 0 {
            self.mul_small_add(10u32.pow(n), 0);
        }
    }

    fn shl(&mut self, n: u64) {
        if self.is_zero() || n == 0 {
            return;
        }
        let (w, b) = ((n / 32) as usize, (n % 32) as u32);
        if b > 0 {
            let mut carry = 0u32;
            for l in self.0.iter_mut() {
                let v = *l;
                *l = v << b | carry;
                carry = v >> (32 - b);
            }
            if carry != 0 {
                self.0.push(carry);
            }
        }
        if w > 0 {
            self.0.splice(0..0, core::iter::repeat_n(0, w));
        }
    }

    fn shr(&mut self, n: u64) {
        let (w, b) = ((n / 32) as usize, (n % 32) as u32);
        if w >= self.0.len() {
            self.0.clear();
            return;
        }
        self.0.drain(..w);
        if b > 0 {
            let len = self.0.len();
            for i in 0..len {
                let hi = if i + 1 < len { self.0[i + 1] } else { 0 };
                self.0[i] = self.0[i] >> b | hi << (32 - b);
            }
        }
        self.trim();
    }

    fn cmp(&self, o: &Big) -> core::cmp::Ordering {
        self.0
            .len()
            .cmp(&o.0.len())
            .then_with(|| self.0.iter().rev().cmp(o.0.iter().rev()))
    }

    fn add_assign(&mut self, o: &Big) {
        if self.0.len() < o.0.len() {
            self.0.resize(o.0.len(), 0);
        }
        let mut carry = 0u64;
        for (i, l) in self.0.iter_mut().enumerate() {
            let t = *l as u64 + o.0.get(i).copied().unwrap_or(0) as u64 + carry;
            *l = t as u32;
            carry = t >> 32;
        }
        if carry != 0 {
            self.0.push(carry as u32);
        }
    }

    /// `self -= o`; `self >= o`.
    fn sub_assign(&mut self, o: &Big) {
        let mut borrow = 0i64;
        for (i, l) in self.0.iter_mut().enumerate() {
            let t = *l as i64 - o.0.get(i).copied().unwrap_or(0) as i64 - borrow;
            if t < 0 {
                *l = (t + (1 << 32)) as u32;
                borrow = 1;
            } else {
                *l = t as u32;
                borrow = 0;
            }
        }
        debug_assert_eq!(borrow, 0);
        self.trim();
    }

    /// `(self / d, self % d != 0)` for a quotient below 2^128 (bit-serial long division).
    fn div_small_quotient(mut self, d: &Big) -> (u128, bool) {
        let (nb, db) = (self.bits(), d.bits());
        let mut q = 0u128;
        if nb >= db {
            let qbits = nb - db + 1;
            debug_assert!(qbits <= 128);
            let mut t = d.clone();
            t.shl(qbits - 1);
            for i in (0..qbits).rev() {
                if self.cmp(&t) != core::cmp::Ordering::Less {
                    self.sub_assign(&t);
                    q |= 1 << i;
                }
                t.shr(1);
            }
        }
        (q, !self.is_zero())
    }

    /// Decimal digits, most significant first (`0` for zero).
    fn to_decimal(&self) -> alloc::vec::Vec<u8> {
        let mut limbs = self.0.clone();
        let mut chunks = alloc::vec::Vec::new();
        while !limbs.is_empty() {
            let mut rem = 0u64;
            for l in limbs.iter_mut().rev() {
                let cur = rem << 32 | *l as u64;
                *l = (cur / 1_000_000_000) as u32;
                rem = cur % 1_000_000_000;
            }
            while limbs.last() == Some(&0) {
                limbs.pop();
            }
            chunks.push(rem as u32);
        }
        let mut out = alloc::vec::Vec::new();
        match chunks.pop() {
            None => out.push(b'0'),
            Some(top) => {
                let mut b = itoa::Buffer::new();
                out.extend_from_slice(b.format(top).as_bytes());
                for c in chunks.iter().rev() {
                    let s = b.format(*c);
                    out.extend(core::iter::repeat_n(b'0', 9 - s.len()));
                    out.extend_from_slice(s.as_bytes());
                }
            }
        }
        out
    }
}

/// Parses a SCAN cursor as Redis's `parseScanCursorOrReply` (`strtoul`, base 10): no
/// leading space, an optional sign (`-1` is 2^64 - 1), digits up to the end or a NUL byte,
/// no overflow; the empty string is 0.
pub fn parse_scan_cursor(b: &[u8]) -> Option<u64> {
    if b.first()
        .is_some_and(|c| c.is_ascii_whitespace() || *c == 0x0b)
    {
        return None;
    }
    let (neg, digits) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        Some(b'+') => (false, &b[1..]),
        _ => (false, b),
    };
    let len = digits.iter().take_while(|c| c.is_ascii_digit()).count();
    if len == 0 {
        // No conversion: strtoul leaves the end pointer at the start of the argument.
        return if b.is_empty() || b[0] == 0 {
            Some(0)
        } else {
            None
        };
    }
    if digits.get(len).is_some_and(|&c| c != 0) {
        return None;
    }
    let mut v: u64 = 0;
    for &c in &digits[..len] {
        v = v.checked_mul(10)?.checked_add((c - b'0') as u64)?;
    }
    Some(if neg { v.wrapping_neg() } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ld(s: &str) -> Option<LongDouble> {
        LongDouble::parse(s.as_bytes())
    }

    /// Timeouts as redis-server 7.0.15 takes them (each case run against it: a positive
    /// result timed out, 0 blocked forever, a negative one answered "timeout is negative").
    #[test]
    fn timeout_millis_as_redis() {
        let ms = |s: &str| ld(s).unwrap().ceil_millis();
        assert_eq!(ms("0.001"), 1);
        assert_eq!(ms("0.0009"), 1);
        assert_eq!(ms("1e-300"), 1);
        assert_eq!(ms("0x1p-20"), 1);
        assert_eq!(ms("1."), 1000);
        assert_eq!(ms("0x10"), 16000);
        assert_eq!(ms("-0"), 0);
        assert_eq!(ms("-0.0001"), 0);
        assert_eq!(ms("-0.001"), 0);
        assert_eq!(ms("-1"), -1000);
        assert!(ms("9223372036854775.807") > 0);
        assert_eq!(ms("9223372036854775.808"), i64::MIN);
        assert_eq!(ms("1e20"), i64::MIN);
        assert_eq!(ms("1e3000"), i64::MIN);
        assert_eq!(ms("inf"), i64::MIN);
        assert_eq!(ms("-inf"), i64::MIN);
    }

    fn human(v: LongDouble) -> alloc::string::String {
        let mut out = alloc::vec::Vec::new();
        v.write_human(&mut out);
        alloc::string::String::from_utf8(out).unwrap()
    }

    fn incr(a: &str, b: &str) -> alloc::string::String {
        human(ld(a).unwrap().checked_add(ld(b).unwrap()).unwrap())
    }

    #[test]
    fn long_double_sums_match_redis() {
        // Replies of redis-server 7.0 (x86-64, glibc) to INCRBYFLOAT.
        assert_eq!(incr("1.1", "0.1"), "1.2");
        assert_eq!(incr("0.1", "0.2"), "0.3");
        assert_eq!(incr("0", "3"), "3");
        assert_eq!(incr("3", "1e5"), "100003");
        assert_eq!(incr("100003", "0x10"), "100019");
        assert_eq!(
            incr("0", "1.23456789012345678901234"),
            "1.23456789012345679"
        );
        assert_eq!(
            incr("1.23456789012345679", "12345678901234567890"),
            "12345678901234567891"
        );
        assert_eq!(incr("0", "0.000003814697265625"), "0.00000381469726562");
        assert_eq!(incr("0", "0.000011444091796875"), "0.00001144409179688");
        assert_eq!(incr("0.000000000000000001", "0"), "0");
        assert_eq!(incr("-0.0000000000000000001", "0"), "0");
        assert_eq!(incr("10.5", "-10.5"), "0");
        assert_eq!(incr("0", "3.6e-4951"), "0");
        assert_eq!(incr("5", "-0.25"), "4.75");
        assert_eq!(incr("17179869184", "1.5"), "17179869185.5");
        let big = incr("1e300", "1e300");
        assert!(big.starts_with("2000000000000000000017994648159118387741047888"));
        assert_eq!(big.len(), 301);
        assert!(ld("inf").unwrap().checked_add(ld("1").unwrap()).is_none());
        assert!(ld("1.18e4932")
            .unwrap()
            .checked_add(ld("1.18e4932").unwrap())
            .is_none());
    }

    #[test]
    fn long_double_parsing_follows_strtold() {
        for bad in [
            "",
            " 1",
            "1 ",
            "nan",
            "-nan",
            "abc",
            "1e",
            "1e+",
            "0x",
            "0x1p",
            ".",
            "-",
            "1\x002",
            "1e-5000",
            "3.6e-4952",
            "1.19e4932",
            "1e5000",
            "0xp1",
            "infin",
        ] {
            assert_eq!(ld(bad), None, "{bad:?}");
        }
        for good in [
            "1",
            "+5",
            "-5",
            ".5",
            "5.",
            "1e5",
            "1E+5",
            "0x10",
            "0X1.8p1",
            "inf",
            "-Infinity",
            "0e-5000",
            "1.18e4932",
            "00012",
            "0x.8",
        ] {
            assert!(ld(good).is_some(), "{good:?}");
        }
        assert_eq!(human(ld("0X1.8p1").unwrap()), "3");
        assert_eq!(human(ld("0x.8").unwrap()), "0.5");
        assert_eq!(human(ld("-0").unwrap()), "0");
        assert_eq!(ld(&"1".repeat(MAX_LONG_DOUBLE_CHARS)), None);
        assert_eq!(
            ld(&"0".repeat(MAX_LONG_DOUBLE_CHARS - 1)),
            Some(LongDouble::ZERO)
        );
        assert_eq!(ld(&"0".repeat(MAX_LONG_DOUBLE_CHARS)), None);
        assert!(ld(&alloc::format!("0.{}1", "0".repeat(4000))).is_some());
    }

    #[test]
    fn long_double_rounds_to_64_bits() {
        // 2^64 + 1 is not representable: ties to even give 2^64.
        assert_eq!(
            human(ld("18446744073709551617").unwrap()),
            "18446744073709551616"
        );
        // 2^64 - 1 is.
        assert_eq!(
            human(ld("18446744073709551615").unwrap()),
            "18446744073709551615"
        );
        // Largest finite value and the smallest subnormal.
        let max = ld("0xffffffffffffffffp16320").unwrap();
        assert!(!max.is_inf());
        assert_eq!(ld("0xffffffffffffffffp16321"), None);
        assert!(matches!(
            ld("0x1p-16445"),
            Some(LongDouble::Finite {
                mant: 1,
                exp: LD_MIN_EXP,
                ..
            })
        ));
    }

    #[test]
    fn canonical_integers() {
        assert_eq!(parse_canonical_i64(b"0"), Some(0));
        assert_eq!(parse_canonical_i64(b"-0"), None);
        assert_eq!(parse_canonical_i64(b"007"), None);
        assert_eq!(parse_canonical_i64(b"+7"), None);
        assert_eq!(parse_canonical_i64(b" 7"), None);
        assert_eq!(parse_canonical_i64(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_canonical_i64(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_canonical_i64(b"9223372036854775808"), None);
    }

    #[test]
    fn floats() {
        assert_eq!(parse_f64(b"1.5"), Some(1.5));
        assert_eq!(parse_f64(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_f64(b"nan"), None);
        assert_eq!(parse_f64(b" 1"), None);
        assert_eq!(parse_f64(b"1e3"), Some(1000.0));
    }
}
