//! The packed blobs inside RDB values, byte for byte as Redis 7.0 lays them out.
//!
//! * listpack (`listpack.c`; written and read): `total-bytes u32 LE`, `num-elements u16
//!   LE` (65535: unknown), entries, `0xFF`. An entry is an encoding byte, its data, and the
//!   entry's length as a back-length of 1 to 5 bytes (7 bits each, read from the end).
//!   Integers: `0xxxxxxx` 0..127; `110xxxxx yyyyyyyy` 13-bit; `0xF1`..`0xF4` 16, 24, 32 and
//!   64-bit little-endian. Strings: `10xxxxxx` up to 63 bytes; `1110xxxx yyyyyyyy` up to
//!   4095; `0xF0` then a u32 LE length.
//! * intset (`intset.c`; written and read): `encoding u32 LE` (2, 4 or 8), `length u32 LE`,
//!   the members ascending, little-endian.
//! * ziplist (`ziplist.c`, before 7.0; read): `zlbytes u32`, `zltail u32`, `zllen u16`,
//!   entries `prevlen encoding data`, `0xFF`.
//! * zipmap (`zipmap.c`, before 2.6; read): `zmlen u8`, then `len key len free value
//!   <free bytes>` pairs, `0xFF`.
//!
//! Readers validate everything they walk (every length against the blob, back-lengths,
//! counts, the end byte) and call back element by element; they never allocate.

use super::Error;
use alloc::vec;
use alloc::vec::Vec;

/// An element of a packed blob: an integer or a string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Elem<'a> {
    /// An integer entry.
    Int(i64),
    /// A string entry.
    Str(&'a [u8]),
}

impl Elem<'_> {
    /// Calls `f` with the element's bytes (integers in decimal).
    pub fn with_bytes<R>(self, f: impl FnOnce(&[u8]) -> R) -> R {
        match self {
            Elem::Int(n) => f(itoa::Buffer::new().format(n).as_bytes()),
            Elem::Str(s) => f(s),
        }
    }

    /// The element's bytes, owned.
    pub fn to_vec(self) -> Vec<u8> {
        self.with_bytes(|b| b.to_vec())
    }
}

fn corrupt(what: &str) -> Error {
    Error::corrupt(what)
}

#[inline]
fn u16_le(b: &[u8], p: usize) -> u16 {
    u16::from_le_bytes([b[p], b[p + 1]])
}

#[inline]
fn u32_le(b: &[u8], p: usize) -> u32 {
    u32::from_le_bytes([b[p], b[p + 1], b[p + 2], b[p + 3]])
}

/// Sign-extends the low `bytes` bytes of `b` at `p` (little-endian).
#[inline]
fn int_le(b: &[u8], p: usize, bytes: usize) -> i64 {
    let mut v = [0u8; 8];
    v[..bytes].copy_from_slice(&b[p..p + bytes]);
    let shift = 64 - 8 * bytes as u32;
    (i64::from_le_bytes(v) << shift) >> shift
}

// ---------------------------------------------------------------------------------------
// listpack

/// The header's element count when it is not known (65535 elements or more).
const LP_NUMELE_UNKNOWN: u16 = u16::MAX;
const LP_HDR_SIZE: usize = 6;
const LP_EOF: u8 = 0xFF;

/// The size of the back-length of an entry of `l` bytes (`lpEncodeBacklen`).
fn backlen_size(l: usize) -> usize {
    if l <= 127 {
        1
    } else if l < 16383 {
        2
    } else if l < 2097151 {
        3
    } else if l < 268435455 {
        4
    } else {
        5
    }
}

/// The back-length of an entry of `l` bytes, as `lpEncodeBacklen` writes it: the bytes
/// and how many there are.
fn backlen_bytes(l: usize) -> ([u8; 5], usize) {
    let k = backlen_size(l);
    let mut out = [0u8; 5];
    for (j, i) in (0..k).rev().enumerate() {
        let g = ((l >> (7 * i)) & 127) as u8;
        out[j] = if i == k - 1 { g } else { g | 128 };
    }
    (out, k)
}

/// Appends the back-length of an entry of `l` bytes.
fn put_backlen(out: &mut Vec<u8>, l: usize) {
    let (b, k) = backlen_bytes(l);
    out.extend_from_slice(&b[..k]);
}

/// Builds a listpack, element by element.
#[derive(Clone, Debug)]
pub struct ListpackWriter {
    buf: Vec<u8>,
    count: u64,
}

impl Default for ListpackWriter {
    fn default() -> Self {
        ListpackWriter::new()
    }
}

impl ListpackWriter {
    /// An empty listpack.
    pub fn new() -> Self {
        ListpackWriter {
            buf: vec![0; LP_HDR_SIZE],
            count: 0,
        }
    }

    /// The number of elements so far.
    pub fn len(&self) -> u64 {
        self.count
    }

    /// True when no element was added.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Appends an integer entry, in the smallest encoding that holds it.
    pub fn push_int(&mut self, v: i64) {
        let start = self.buf.len();
        let b = &mut self.buf;
        if (0..=127).contains(&v) {
            b.push(v as u8);
        } else if (-4096..=4095).contains(&v) {
            let u = (v as u16) & 0x1fff;
            b.push(0xC0 | (u >> 8) as u8);
            b.push(u as u8);
        } else if (-32768..=32767).contains(&v) {
            b.push(0xF1);
            b.extend_from_slice(&(v as i16).to_le_bytes());
        } else if (-8388608..=8388607).contains(&v) {
            b.push(0xF2);
            b.extend_from_slice(&(v as i32).to_le_bytes()[..3]);
        } else if (i32::MIN as i64..=i32::MAX as i64).contains(&v) {
            b.push(0xF3);
            b.extend_from_slice(&(v as i32).to_le_bytes());
        } else {
            b.push(0xF4);
            b.extend_from_slice(&v.to_le_bytes());
        }
        let l = b.len() - start;
        put_backlen(b, l);
        self.count += 1;
    }

    /// Appends a string; one that is a canonical integer becomes an integer entry, as
    /// Redis's `lpEncodeGetType` does.
    pub fn push_bytes(&mut self, s: &[u8]) {
        if let Some(v) = crate::num::parse_canonical_i64(s) {
            return self.push_int(v);
        }
        let start = self.buf.len();
        let b = &mut self.buf;
        let n = s.len();
        if n < 64 {
            b.push(0x80 | n as u8);
        } else if n < 4096 {
            b.push(0xE0 | (n >> 8) as u8);
            b.push(n as u8);
        } else {
            b.push(0xF0);
            b.extend_from_slice(&(n as u32).to_le_bytes());
        }
        b.extend_from_slice(s);
        let l = b.len() - start;
        put_backlen(b, l);
        self.count += 1;
    }

    /// Appends an element.
    pub fn push(&mut self, e: Elem<'_>) {
        match e {
            Elem::Int(v) => self.push_int(v),
            Elem::Str(s) => self.push_bytes(s),
        }
    }

    /// The finished listpack.
    pub fn finish(mut self) -> Vec<u8> {
        self.buf.push(LP_EOF);
        let total = self.buf.len() as u32;
        self.buf[0..4].copy_from_slice(&total.to_le_bytes());
        let n = if self.count < LP_NUMELE_UNKNOWN as u64 {
            self.count as u16
        } else {
            LP_NUMELE_UNKNOWN
        };
        self.buf[4..6].copy_from_slice(&n.to_le_bytes());
        self.buf
    }
}

/// Decodes the listpack entry at `p` (before `end`, the EOF byte): the element and the
/// size of its encoding and data.
fn lp_entry(b: &[u8], p: usize, end: usize) -> Result<(Elem<'_>, usize), Error> {
    let need = |n: usize| {
        if p + n <= end {
            Ok(())
        } else {
            Err(corrupt("listpack entry runs past its end"))
        }
    };
    let e = b[p];
    let (hdr, slen): (usize, usize) = match e {
        0x00..=0x7F => return Ok((Elem::Int(e as i64), 1)),
        0x80..=0xBF => (1, (e & 0x3F) as usize),
        0xC0..=0xDF => {
            need(2)?;
            let u = ((e as u16 & 0x1F) << 8) | b[p + 1] as u16;
            let v = if u >= 1 << 12 {
                u as i64 - (1 << 13)
            } else {
                u as i64
            };
            return Ok((Elem::Int(v), 2));
        }
        0xE0..=0xEF => {
            need(2)?;
            (2, ((e as usize & 0x0F) << 8) | b[p + 1] as usize)
        }
        0xF0 => {
            need(5)?;
            (5, u32_le(b, p + 1) as usize)
        }
        0xF1..=0xF4 => {
            let n = match e {
                0xF1 => 2,
                0xF2 => 3,
                0xF3 => 4,
                _ => 8,
            };
            need(1 + n)?;
            return Ok((Elem::Int(int_le(b, p + 1, n)), 1 + n));
        }
        LP_EOF => return Err(corrupt("listpack ends before its last byte")),
        _ => return Err(corrupt("invalid listpack entry encoding")),
    };
    let total = hdr
        .checked_add(slen)
        .ok_or_else(|| corrupt("listpack string too long"))?;
    need(total)?;
    Ok((Elem::Str(&b[p + hdr..p + total]), total))
}

/// Validates a whole listpack and calls `f` with each element in order; the number of
/// elements.
pub fn listpack_for_each<'a>(
    b: &'a [u8],
    mut f: impl FnMut(Elem<'a>) -> Result<(), Error>,
) -> Result<u64, Error> {
    if b.len() < LP_HDR_SIZE + 1 {
        return Err(corrupt("listpack shorter than its header"));
    }
    if u32_le(b, 0) as usize != b.len() {
        return Err(corrupt("listpack size does not match its header"));
    }
    let end = b.len() - 1;
    if b[end] != LP_EOF {
        return Err(corrupt("listpack does not end with 0xFF"));
    }
    let declared = u16_le(b, 4);
    let (mut p, mut count) = (LP_HDR_SIZE, 0u64);
    while p < end {
        let (e, l) = lp_entry(b, p, end)?;
        let (want, k) = backlen_bytes(l);
        if p + l + k > end {
            return Err(corrupt("listpack entry runs past its end"));
        }
        if b[p + l..p + l + k] != want[..k] {
            return Err(corrupt("listpack back-length does not match its entry"));
        }
        f(e)?;
        count += 1;
        p += l + k;
    }
    if declared != LP_NUMELE_UNKNOWN && declared as u64 != count {
        return Err(corrupt("listpack element count does not match its header"));
    }
    Ok(count)
}

// ---------------------------------------------------------------------------------------
// intset

/// An intset blob of `values` (ascending) at `width` bytes each (2, 4 or 8).
pub fn intset_blob(width: u8, values: impl ExactSizeIterator<Item = i64>) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + values.len() * width as usize);
    out.extend_from_slice(&(width as u32).to_le_bytes());
    out.extend_from_slice(&(values.len() as u32).to_le_bytes());
    for v in values {
        out.extend_from_slice(&v.to_le_bytes()[..width as usize]);
    }
    out
}

/// Validates an intset (width, length, members strictly ascending) and calls `f` with each
/// member; the number of members.
pub fn intset_for_each(
    b: &[u8],
    mut f: impl FnMut(i64) -> Result<(), Error>,
) -> Result<u64, Error> {
    if b.len() < 8 {
        return Err(corrupt("intset shorter than its header"));
    }
    let width = u32_le(b, 0) as usize;
    if !matches!(width, 2 | 4 | 8) {
        return Err(corrupt("invalid intset encoding"));
    }
    let n = u32_le(b, 4) as u64;
    if 8 + n * width as u64 != b.len() as u64 {
        return Err(corrupt("intset size does not match its header"));
    }
    let mut prev = None;
    for i in 0..n as usize {
        let v = int_le(b, 8 + i * width, width);
        if prev.is_some_and(|p| p >= v) {
            return Err(corrupt("intset members not in ascending order"));
        }
        prev = Some(v);
        f(v)?;
    }
    Ok(n)
}

// ---------------------------------------------------------------------------------------
// ziplist

const ZL_HDR_SIZE: usize = 10;
const ZL_END: u8 = 0xFF;
const ZL_BIGLEN: u8 = 254;

/// Validates a whole ziplist (sizes, prevlens, the tail offset, the count) and calls `f`
/// with each element; the number of elements.
pub fn ziplist_for_each<'a>(
    b: &'a [u8],
    mut f: impl FnMut(Elem<'a>) -> Result<(), Error>,
) -> Result<u64, Error> {
    if b.len() < ZL_HDR_SIZE + 1 {
        return Err(corrupt("ziplist shorter than its header"));
    }
    if u32_le(b, 0) as usize != b.len() {
        return Err(corrupt("ziplist size does not match its header"));
    }
    let tail = u32_le(b, 4) as usize;
    let declared = u16_le(b, 8);
    let end = b.len() - 1;
    if b[end] != ZL_END {
        return Err(corrupt("ziplist does not end with 0xFF"));
    }
    let past = || corrupt("ziplist entry runs past its end");
    let (mut p, mut count, mut prev_size, mut last) = (ZL_HDR_SIZE, 0u64, 0usize, None);
    while p < end {
        let (prevlen, plen) = match b[p] {
            ZL_END => return Err(corrupt("ziplist ends before its last byte")),
            ZL_BIGLEN => {
                if p + 5 > end {
                    return Err(past());
                }
                (u32_le(b, p + 1) as usize, 5)
            }
            n => (n as usize, 1),
        };
        if prevlen != prev_size {
            return Err(corrupt("ziplist prevlen does not match the previous entry"));
        }
        let q = p + plen;
        if q >= end {
            return Err(past());
        }
        let e = b[q];
        let (enc, elem_at, data) = match e >> 6 {
            0 => (1, None, (e & 0x3F) as usize),
            1 => {
                if q + 2 > end {
                    return Err(past());
                }
                (2, None, ((e as usize & 0x3F) << 8) | b[q + 1] as usize)
            }
            2 => {
                if q + 5 > end {
                    return Err(past());
                }
                let n = u32::from_be_bytes([b[q + 1], b[q + 2], b[q + 3], b[q + 4]]);
                (5, None, n as usize)
            }
            _ => match e {
                0xC0 => (1, Some(2), 2),
                0xD0 => (1, Some(4), 4),
                0xE0 => (1, Some(8), 8),
                0xF0 => (1, Some(3), 3),
                0xFE => (1, Some(1), 1),
                0xF1..=0xFD => (1, Some(0), 0),
                _ => return Err(corrupt("invalid ziplist entry encoding")),
            },
        };
        let size = plen
            .checked_add(enc)
            .and_then(|s| s.checked_add(data))
            .ok_or_else(past)?;
        if p + size > end {
            return Err(past());
        }
        let at = q + enc;
        let elem = match elem_at {
            None => Elem::Str(&b[at..at + data]),
            Some(0) => Elem::Int((e & 0x0F) as i64 - 1),
            Some(n) => Elem::Int(int_le(b, at, n)),
        };
        f(elem)?;
        count += 1;
        last = Some(p);
        prev_size = size;
        p += size;
    }
    if last.is_some_and(|l| l != tail) {
        return Err(corrupt("ziplist tail offset does not match its last entry"));
    }
    if declared != u16::MAX && declared as u64 != count {
        return Err(corrupt("ziplist element count does not match its header"));
    }
    Ok(count)
}

// ---------------------------------------------------------------------------------------
// zipmap

/// Validates a zipmap (as Redis's `zipmapValidateIntegrity`) and calls `f` with each
/// (key, value); the number of pairs.
pub fn zipmap_for_each<'a>(
    b: &'a [u8],
    mut f: impl FnMut(&'a [u8], &'a [u8]) -> Result<(), Error>,
) -> Result<u64, Error> {
    let past = || corrupt("zipmap entry runs past its end");
    if b.len() < 2 {
        return Err(corrupt("zipmap too short"));
    }
    let declared = b[0];
    // Reads a length at `p`: (length, bytes it took).
    let len_at = |p: usize| -> Result<(usize, usize), Error> {
        let first = *b.get(p).ok_or_else(past)?;
        if first < ZL_BIGLEN {
            Ok((first as usize, 1))
        } else {
            if p + 5 > b.len() {
                return Err(past());
            }
            Ok((u32_le(b, p + 1) as usize, 5))
        }
    };
    let (mut p, mut count) = (1usize, 0u64);
    while *b.get(p).ok_or_else(past)? != ZL_END {
        let (kl, s) = len_at(p)?;
        let k = p + s;
        let ke = k.checked_add(kl).ok_or_else(past)?;
        if ke > b.len() {
            return Err(past());
        }
        let (vl, s) = len_at(ke)?;
        let free_at = ke + s;
        let free = *b.get(free_at).ok_or_else(past)? as usize;
        let v = free_at + 1;
        let ve = v.checked_add(vl).ok_or_else(past)?;
        let next = ve + free;
        if next > b.len() {
            return Err(past());
        }
        f(&b[k..ke], &b[v..ve])?;
        count += 1;
        p = next;
    }
    if count == 0 {
        return Err(corrupt("empty zipmap"));
    }
    if declared != ZL_BIGLEN && declared as u64 != count {
        return Err(corrupt("zipmap count does not match its header"));
    }
    if p + 1 != b.len() {
        return Err(corrupt("zipmap does not end at its last byte"));
    }
    Ok(count)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn lp_elems(b: &[u8]) -> Result<Vec<Vec<u8>>, Error> {
        let mut v = Vec::new();
        listpack_for_each(b, |e| {
            v.push(e.to_vec());
            Ok(())
        })?;
        Ok(v)
    }

    #[test]
    fn listpack_matches_redis_bytes() {
        // RPUSH l a b c; HSET h f v; ZADD z 1 a 2.5 b in redis-server 7.0.
        let mut w = ListpackWriter::new();
        for s in [b"a", b"b", b"c"] {
            w.push_bytes(s);
        }
        assert_eq!(
            w.finish(),
            b"\x10\x00\x00\x00\x03\x00\x81a\x02\x81b\x02\x81c\x02\xff"
        );
        let mut w = ListpackWriter::new();
        w.push_bytes(b"a");
        w.push_bytes(b"1");
        w.push_bytes(b"b");
        w.push_bytes(b"2.5");
        assert_eq!(
            w.finish(),
            b"\x14\x00\x00\x00\x04\x00\x81a\x02\x01\x01\x81b\x02\x832.5\x04\xff"
        );
    }

    #[test]
    fn listpack_every_encoding_roundtrips() {
        let ints = [
            0i64,
            1,
            127,
            128,
            -1,
            -4096,
            4095,
            4096,
            -4097,
            32767,
            -32768,
            32768,
            8388607,
            -8388608,
            8388608,
            i32::MAX as i64,
            i32::MIN as i64,
            i32::MAX as i64 + 1,
            i64::MAX,
            i64::MIN,
        ];
        let strs: Vec<Vec<u8>> = [0usize, 1, 63, 64, 127, 128, 4095, 4096, 20000]
            .iter()
            .map(|&n| (0..n).map(|i| b'a' + (i % 26) as u8).collect())
            .collect();
        let mut w = ListpackWriter::new();
        for &i in &ints {
            w.push_int(i);
        }
        for s in &strs {
            w.push_bytes(s);
        }
        let b = w.finish();
        let mut got_ints = Vec::new();
        let mut got_strs = Vec::new();
        listpack_for_each(&b, |e| {
            match e {
                Elem::Int(v) => got_ints.push(v),
                Elem::Str(s) => got_strs.push(s.to_vec()),
            }
            Ok(())
        })
        .unwrap();
        assert_eq!(got_ints, ints);
        assert_eq!(got_strs, strs);
    }

    #[test]
    fn listpack_unknown_count() {
        let mut w = ListpackWriter::new();
        for i in 0..70000 {
            w.push_int(i % 100);
        }
        let b = w.finish();
        assert_eq!(&b[4..6], &[0xff, 0xff]);
        assert_eq!(listpack_for_each(&b, |_| Ok(())).unwrap(), 70000);
    }

    #[test]
    fn backlen_boundaries() {
        for l in [127usize, 128, 16382, 16383, 2097150, 2097151] {
            let mut v = Vec::new();
            put_backlen(&mut v, l);
            assert_eq!(v.len(), backlen_size(l));
            // Read back from the end as lpDecodeBacklen does.
            let (mut val, mut shift) = (0usize, 0);
            for &byte in v.iter().rev() {
                val |= ((byte & 127) as usize) << shift;
                shift += 7;
                if byte & 128 == 0 {
                    break;
                }
            }
            assert_eq!(val, l);
        }
    }

    #[test]
    fn listpack_malformed_never_panics() {
        let mut w = ListpackWriter::new();
        w.push_bytes(b"hello");
        w.push_int(-5000);
        w.push_int(1 << 40);
        w.push_bytes(&[b'x'; 100]);
        let good = w.finish();
        assert!(lp_elems(&good).is_ok());
        for cut in 0..good.len() {
            assert!(lp_elems(&good[..cut]).is_err());
        }
        for i in 0..good.len() {
            for bit in 0..8 {
                let mut bad = good.clone();
                bad[i] ^= 1 << bit;
                let _ = lp_elems(&bad);
            }
        }
        // Wrong count, missing end, huge string length.
        let mut bad = good.clone();
        bad[4] = 9;
        assert!(lp_elems(&bad).is_err());
        let huge = b"\x0c\x00\x00\x00\x01\x00\xf0\xff\xff\xff\xff\xff";
        assert!(lp_elems(huge).is_err());
    }

    #[test]
    fn intset_roundtrip_and_checks() {
        let b = intset_blob(2, [1i64, 2, 3].into_iter());
        assert_eq!(
            b,
            b"\x02\x00\x00\x00\x03\x00\x00\x00\x01\x00\x02\x00\x03\x00"
        );
        let mut got = Vec::new();
        intset_for_each(&b, |v| {
            got.push(v);
            Ok(())
        })
        .unwrap();
        assert_eq!(got, [1, 2, 3]);
        let b8 = intset_blob(8, [i64::MIN, -1, i64::MAX].into_iter());
        assert_eq!(intset_for_each(&b8, |_| Ok(())).unwrap(), 3);
        // Unsorted, duplicates, bad width, bad length.
        assert!(intset_for_each(&intset_blob(2, [2i64, 1].into_iter()), |_| Ok(())).is_err());
        assert!(intset_for_each(&intset_blob(2, [1i64, 1].into_iter()), |_| Ok(())).is_err());
        let mut bad = b.clone();
        bad[0] = 3;
        assert!(intset_for_each(&bad, |_| Ok(())).is_err());
        let mut bad = b.clone();
        bad[4] = 0xff;
        bad[7] = 0xff;
        assert!(intset_for_each(&bad, |_| Ok(())).is_err());
        for cut in 0..b.len() {
            assert!(intset_for_each(&b[..cut], |_| Ok(())).is_err());
        }
    }

    /// A ziplist of `items`, as ziplist.c lays one out.
    pub(crate) fn ziplist(items: &[Elem<'_>]) -> Vec<u8> {
        let mut body = Vec::new();
        let mut prev = 0usize;
        let mut tail = ZL_HDR_SIZE;
        for it in items {
            let start = body.len();
            tail = ZL_HDR_SIZE + start;
            if prev < 254 {
                body.push(prev as u8);
            } else {
                body.push(254);
                body.extend_from_slice(&(prev as u32).to_le_bytes());
            }
            match *it {
                Elem::Str(s) if s.len() < 64 => {
                    body.push(s.len() as u8);
                    body.extend_from_slice(s);
                }
                Elem::Str(s) if s.len() < 16384 => {
                    body.push(0x40 | (s.len() >> 8) as u8);
                    body.push(s.len() as u8);
                    body.extend_from_slice(s);
                }
                Elem::Str(s) => {
                    body.push(0x80);
                    body.extend_from_slice(&(s.len() as u32).to_be_bytes());
                    body.extend_from_slice(s);
                }
                Elem::Int(v) if (0..=12).contains(&v) => body.push(0xF1 + v as u8),
                Elem::Int(v) if (-128..=127).contains(&v) => {
                    body.push(0xFE);
                    body.push(v as u8);
                }
                Elem::Int(v) if (-32768..=32767).contains(&v) => {
                    body.push(0xC0);
                    body.extend_from_slice(&(v as i16).to_le_bytes());
                }
                Elem::Int(v) if (-8388608..=8388607).contains(&v) => {
                    body.push(0xF0);
                    body.extend_from_slice(&(v as i32).to_le_bytes()[..3]);
                }
                Elem::Int(v) if (i32::MIN as i64..=i32::MAX as i64).contains(&v) => {
                    body.push(0xD0);
                    body.extend_from_slice(&(v as i32).to_le_bytes());
                }
                Elem::Int(v) => {
                    body.push(0xE0);
                    body.extend_from_slice(&v.to_le_bytes());
                }
            }
            prev = body.len() - start;
        }
        let mut out = Vec::new();
        out.extend_from_slice(&((ZL_HDR_SIZE + body.len() + 1) as u32).to_le_bytes());
        out.extend_from_slice(&(tail as u32).to_le_bytes());
        out.extend_from_slice(&(items.len().min(65535) as u16).to_le_bytes());
        out.extend_from_slice(&body);
        out.push(ZL_END);
        out
    }

    #[test]
    fn ziplist_reads_every_encoding() {
        let long = [b'z'; 300];
        let longer = [b'y'; 20000];
        let items = [
            Elem::Str(b"a"),
            Elem::Int(0),
            Elem::Int(12),
            Elem::Int(-1),
            Elem::Int(300),
            Elem::Int(-70000),
            Elem::Int(1 << 30),
            Elem::Int(i64::MIN),
            Elem::Str(&long),
            Elem::Str(b"after a long one"),
            Elem::Str(&longer),
        ];
        let zl = ziplist(&items);
        let mut got = Vec::new();
        assert_eq!(
            ziplist_for_each(&zl, |e| {
                got.push(e);
                Ok(())
            })
            .unwrap(),
            items.len() as u64
        );
        assert_eq!(got, items);
        for cut in 0..zl.len().min(400) {
            assert!(ziplist_for_each(&zl[..cut], |_| Ok(())).is_err());
        }
        let small = ziplist(&[Elem::Str(b"abc"), Elem::Int(5), Elem::Int(-3000)]);
        for i in 0..small.len() {
            for bit in 0..8 {
                let mut bad = small.clone();
                bad[i] ^= 1 << bit;
                let _ = ziplist_for_each(&bad, |_| Ok(()));
            }
        }
    }

    #[test]
    fn zipmap_reads_and_checks() {
        // {"foo" => "bar", "k" => "value"} with 2 free bytes after "value".
        let zm = b"\x02\x03foo\x03\x00bar\x01k\x05\x02valuexx\xff";
        let mut got = Vec::new();
        zipmap_for_each(zm, |k, v| {
            got.push((k.to_vec(), v.to_vec()));
            Ok(())
        })
        .unwrap();
        assert_eq!(
            got,
            [
                (b"foo".to_vec(), b"bar".to_vec()),
                (b"k".to_vec(), b"value".to_vec())
            ]
        );
        for cut in 0..zm.len() {
            assert!(zipmap_for_each(&zm[..cut], |_, _| Ok(())).is_err());
        }
        for i in 0..zm.len() {
            for bit in 0..8 {
                let mut bad = zm.to_vec();
                bad[i] ^= 1 << bit;
                let _ = zipmap_for_each(&bad, |_, _| Ok(()));
            }
        }
    }
}
