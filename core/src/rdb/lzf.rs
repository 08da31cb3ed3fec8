//! LZF, the compression of RDB strings (Marc Lehmann's liblzf 3.6 as Redis ships it, with
//! `HLOG` 16 and `VERY_FAST`).
//!
//! The format: a control byte `000LLLLL` is a literal run of L+1 bytes that follow;
//! `LLLooooo oooooooo` is a back reference of L+2 bytes at distance `o`+1; `111ooooo
//! LLLLLLLL oooooooo` one of L+9 bytes.
//!
//! [`Compressor`] follows liblzf's compressor step by step, so its output is what Redis
//! writes whenever Redis's hash table holds nothing stale (Redis leaves it uninitialised on
//! the stack, which can turn up extra matches; any output is valid LZF). Its table lives
//! on the heap and is reused across calls without clearing: entries are positions offset
//! by a base that grows from call to call, so an entry from an earlier call is recognised
//! as stale.

use super::Error;
use alloc::vec;
use alloc::vec::Vec;

const HLOG: u32 = 16;
const HSIZE: usize = 1 << HLOG;
const MAX_LIT: usize = 1 << 5;
const MAX_OFF: usize = 1 << 13;
const MAX_REF: usize = (1 << 8) + (1 << 3);

/// The most output one input byte can produce (a 3-byte back reference of 264 bytes).
pub const MAX_EXPANSION: usize = 88;

#[inline]
fn idx(h: u32) -> usize {
    ((h >> (3 * 8 - HLOG)).wrapping_sub(h.wrapping_mul(5)) & (HSIZE as u32 - 1)) as usize
}

/// An LZF compressor with its hash table (256 KB, allocated on first use).
#[derive(Default)]
pub struct Compressor {
    table: Vec<u32>,
    /// What the current call adds to positions; entries below it are stale.
    base: u32,
    /// The base of the next call.
    next: u32,
}

impl core::fmt::Debug for Compressor {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Compressor")
            .field("base", &self.next)
            .finish()
    }
}

impl Compressor {
    /// A compressor; the table is allocated by the first compression.
    pub fn new() -> Self {
        Compressor::default()
    }

    /// Makes the table ready for an input of `len` bytes.
    fn prepare(&mut self, len: usize) {
        if self.table.is_empty() {
            self.table = vec![0; HSIZE];
            self.next = 1;
        }
        if self.next as u64 + len as u64 + 1 >= u32::MAX as u64 {
            self.table.fill(0);
            self.next = 1;
        }
        self.base = self.next;
        self.next = self.base + len as u32 + 1;
    }

    /// Compresses `input`, appending the result to `out`, when it takes at most `max` bytes
    /// (liblzf's `lzf_compress` with an output buffer of `max` bytes); `None` otherwise, and
    /// `out` is left as it was. Inputs of 2 GB or more are not compressed.
    pub fn compress(&mut self, input: &[u8], max: usize, out: &mut Vec<u8>) -> Option<usize> {
        let in_len = input.len();
        if in_len < 2 || max == 0 || in_len >= 1 << 31 {
            return None;
        }
        self.prepare(in_len);
        let start = out.len();
        out.resize(start + max, 0);
        let r = self.run(input, &mut out[start..]);
        out.truncate(start + r.unwrap_or(0));
        r
    }

    fn run(&mut self, input: &[u8], o: &mut [u8]) -> Option<usize> {
        let (base, table) = (self.base, &mut self.table[..]);
        let in_len = input.len();
        let out_end = o.len();
        let mut ip = 0usize;
        let mut op = 1usize; // the first run's control byte is at 0
        let mut lit = 0usize;
        let mut hval: u32 = (input[0] as u32) << 8 | input[1] as u32;
        while ip + 2 < in_len {
            hval = (hval << 8) | input[ip + 2] as u32;
            let slot = idx(hval);
            let stored = table[slot];
            table[slot] = base + ip as u32;
            let reference = if stored >= base {
                Some((stored - base) as usize)
            } else {
                None
            };
            let matched = reference.filter(|&r| {
                r < ip
                    && ip - r - 1 < MAX_OFF
                    && r > 0
                    && input[r + 2] == input[ip + 2]
                    && input[r] == input[ip]
                    && input[r + 1] == input[ip + 1]
            });
            if let Some(r) = matched {
                let off = ip - r - 1;
                let mut len = 2usize;
                let maxlen = (in_len - ip - len).min(MAX_REF);
                if op + 3 + 1 >= out_end && op - (lit == 0) as usize + 3 + 1 >= out_end {
                    return None;
                }
                o[op - lit - 1] = (lit as u8).wrapping_sub(1); // stop the run
                op -= (lit == 0) as usize; // no run when it is empty
                'find: {
                    if maxlen > 16 {
                        for _ in 0..16 {
                            len += 1;
                            if input[r + len] != input[ip + len] {
                                break 'find;
                            }
                        }
                    }
                    loop {
                        len += 1;
                        if !(len < maxlen && input[r + len] == input[ip + len]) {
                            break;
                        }
                    }
                }
                len -= 2; // the octets, less 2
                ip += 1;
                if len < 7 {
                    o[op] = ((off >> 8) + (len << 5)) as u8;
                    op += 1;
                } else {
                    o[op] = ((off >> 8) + (7 << 5)) as u8;
                    o[op + 1] = (len - 7) as u8;
                    op += 2;
                }
                o[op] = off as u8;
                op += 1;
                lit = 0;
                op += 1; // start a run
                ip += len + 1;
                if ip + 2 >= in_len {
                    break;
                }
                // VERY_FAST: hash the two positions before the new one.
                ip -= 2;
                hval = (input[ip] as u32) << 8 | input[ip + 1] as u32;
                hval = (hval << 8) | input[ip + 2] as u32;
                table[idx(hval)] = base + ip as u32;
                ip += 1;
                hval = (hval << 8) | input[ip + 2] as u32;
                table[idx(hval)] = base + ip as u32;
                ip += 1;
            } else {
                if op >= out_end {
                    return None;
                }
                lit += 1;
                o[op] = input[ip];
                op += 1;
                ip += 1;
                if lit == MAX_LIT {
                    o[op - lit - 1] = (lit - 1) as u8;
                    lit = 0;
                    op += 1;
                }
            }
        }
        if op + 3 > out_end {
            return None;
        }
        while ip < in_len {
            lit += 1;
            o[op] = input[ip];
            op += 1;
            ip += 1;
            if lit == MAX_LIT {
                o[op - lit - 1] = (lit - 1) as u8;
                lit = 0;
                op += 1;
            }
        }
        o[op - lit - 1] = (lit as u8).wrapping_sub(1);
        op -= (lit == 0) as usize;
        Some(op)
    }
}

/// Decompresses `input` into exactly `out_len` bytes (Redis's `rdbLoadLzfStringObject`:
/// anything else is an error). `out_len` is checked against what `input` can produce
/// before anything is allocated.
pub fn decompress(input: &[u8], out_len: usize) -> Result<Vec<u8>, Error> {
    if out_len == 0 {
        // liblzf reports 0 bytes for any input here, which Redis takes as success.
        return Ok(Vec::new());
    }
    if out_len > input.len().saturating_mul(MAX_EXPANSION) {
        return Err(Error::corrupt(
            "LZF string longer than its data can produce",
        ));
    }
    let bad = || Error::corrupt("invalid LZF compressed string");
    let mut out = Vec::with_capacity(out_len);
    let mut ip = 0usize;
    while ip < input.len() {
        let ctrl = input[ip] as usize;
        ip += 1;
        if ctrl < 1 << 5 {
            let n = ctrl + 1;
            if out.len() + n > out_len || ip + n > input.len() {
                return Err(bad());
            }
            out.extend_from_slice(&input[ip..ip + n]);
            ip += n;
        } else {
            let mut len = ctrl >> 5;
            let mut back = (ctrl & 0x1f) << 8;
            if len == 7 {
                len += *input.get(ip).ok_or_else(bad)? as usize;
                ip += 1;
            }
            back += *input.get(ip).ok_or_else(bad)? as usize;
            ip += 1;
            len += 2;
            if out.len() + len > out_len || back + 1 > out.len() {
                return Err(bad());
            }
            let from = out.len() - back - 1;
            for i in 0..len {
                let b = out[from + i];
                out.push(b);
            }
        }
    }
    if out.len() != out_len {
        return Err(bad());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(data: &[u8]) -> Option<Vec<u8>> {
        let mut c = Compressor::new();
        let mut out = Vec::new();
        let n = c.compress(data, data.len() + data.len() / 32 + 64, &mut out)?;
        assert_eq!(n, out.len());
        assert_eq!(decompress(&out, data.len()).unwrap(), data);
        Some(out)
    }

    #[test]
    fn redis_vectors() {
        // What redis-server 7.0 stores (DUMP) for these strings.
        let cases: [(&[u8], &[u8]); 3] = [
            (&[b'a'; 30], b"\x01aa\xe0\x11\x00\x01aa"),
            (
                b"hello hello hello hello hello hello",
                b"\x06hello h\xe0\x11\x05\x01lo",
            ),
            (
                b"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz0123456789",
                b"\x1aabcdefghijklmnopqrstuvwxyza\xe0\x10\x19\x090123456789",
            ),
        ];
        let mut c = Compressor::new();
        for (plain, packed) in cases {
            let mut out = Vec::new();
            assert_eq!(
                c.compress(plain, plain.len() - 4, &mut out),
                Some(packed.len())
            );
            assert_eq!(out, packed);
            assert_eq!(decompress(packed, plain.len()).unwrap(), plain);
        }
    }

    #[test]
    fn roundtrips() {
        roundtrip(b"hello hello hello hello hello hello").unwrap();
        roundtrip(&[0u8; 10000]).unwrap();
        let text: Vec<u8> = (0..5000u32)
            .flat_map(|i| alloc::format!("key:{} ", i % 97).into_bytes())
            .collect();
        let c = roundtrip(&text).unwrap();
        assert!(c.len() < text.len() / 2);
        // Incompressible data still round-trips when there is room.
        let mut x = 0x1234_5678u32;
        let noise: Vec<u8> = (0..3000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect();
        roundtrip(&noise).unwrap();
    }

    #[test]
    fn reused_compressor_is_deterministic() {
        let mut c = Compressor::new();
        let a = b"abcabcabcabcabcabcabcabcabcabc-abcabcabcabc";
        let b = b"xyzxyzxyzxyzabcabcabcabcxyzxyzxyzxyzxyzxyzxyz";
        let mut first = Vec::new();
        c.compress(b, 100, &mut first).unwrap();
        let mut junk = Vec::new();
        for _ in 0..10 {
            junk.clear();
            c.compress(a, 100, &mut junk).unwrap();
        }
        let mut again = Vec::new();
        c.compress(b, 100, &mut again).unwrap();
        assert_eq!(first, again);
        let mut fresh = Vec::new();
        Compressor::new().compress(b, 100, &mut fresh).unwrap();
        assert_eq!(first, fresh);
    }

    #[test]
    fn every_budget_is_safe() {
        let data = b"aaaaaaaaaabbbbbbbbbbaaaaaaaaaabbbbbbbbbbccccccccccaaaaaaaaaa0123456789";
        let mut c = Compressor::new();
        let full = {
            let mut o = Vec::new();
            c.compress(data, 1000, &mut o).unwrap();
            o
        };
        for max in 0..200 {
            let mut o = alloc::vec![7u8];
            match c.compress(data, max, &mut o) {
                Some(n) => {
                    assert!(n <= max);
                    assert_eq!(&o[1..], &full[..]);
                }
                None => {
                    // liblzf wants a few bytes of slack beyond the exact size.
                    assert!(max < full.len() + 4);
                    assert_eq!(o, [7]);
                }
            }
        }
    }

    #[test]
    fn decompress_rejects_bad_input() {
        let good = roundtrip(b"hello hello hello hello hello hello").unwrap();
        // Every truncation and wrong length is an error, never a panic.
        for cut in 0..good.len() {
            assert!(decompress(&good[..cut], 35).is_err());
        }
        assert!(decompress(&good, 34).is_err());
        assert!(decompress(&good, 36).is_err());
        // A back reference before the start.
        assert!(decompress(&[0x20, 0x05], 3).is_err());
        // A declared length far beyond what the input can produce.
        assert!(decompress(&[0x00, b'a'], usize::MAX).is_err());
        assert!(decompress(&[], 1).is_err());
        // Random input never panics.
        let mut x = 99u64;
        for _ in 0..2000 {
            let n = (x % 40) as usize;
            let buf: Vec<u8> = (0..n)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as u8
                })
                .collect();
            let _ = decompress(&buf, (x % 300) as usize);
        }
    }
}
