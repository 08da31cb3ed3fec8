//! Merging the replies of a command run once per shard into the one reply Redis gives.
//!
//! The parts are RESP bytes written by the handlers themselves (so every element is
//! byte-identical to what the unsplit command writes); merging only rewrites array headers
//! and integers.

use super::route::Merge;
use alloc::vec::Vec;
use anax_protocol::{Proto, Reply};

/// The position just past the CRLF that ends the line starting at `b[0]`.
fn line_end(b: &[u8]) -> Option<usize> {
    b.windows(2).position(|w| w == b"\r\n").map(|p| p + 2)
}

fn header_int(b: &[u8]) -> Option<(i64, usize)> {
    let end = line_end(b)?;
    let text = core::str::from_utf8(&b[1..end - 2]).ok()?;
    Some((text.parse().ok()?, end))
}

/// The length of the RESP value at the start of `b`.
pub fn value_len(b: &[u8]) -> Option<usize> {
    match *b.first()? {
        b'+' | b'-' | b':' | b'_' | b',' | b'#' | b'(' => line_end(b),
        b'$' | b'=' | b'!' => {
            let (n, end) = header_int(b)?;
            let len = if n < 0 { end } else { end + n as usize + 2 };
            (len <= b.len()).then_some(len)
        }
        tag @ (b'*' | b'~' | b'>' | b'%' | b'|') => {
            let (n, mut p) = header_int(b)?;
            if n < 0 {
                return Some(p);
            }
            let n = if matches!(tag, b'%' | b'|') { 2 * n } else { n };
            for _ in 0..n {
                p += value_len(b.get(p..)?)?;
            }
            Some(p)
        }
        _ => None,
    }
}

/// The elements of an array reply.
fn elements(b: &[u8]) -> Option<Vec<&[u8]>> {
    let (n, mut p) = header_int(b)?;
    let mut v = Vec::with_capacity(n.max(0) as usize);
    for _ in 0..n.max(0) {
        let len = value_len(b.get(p..)?)?;
        v.push(&b[p..p + len]);
        p += len;
    }
    Some(v)
}

/// Writes the merged reply of `parts` (one per shard, in shard order). For
/// [`Merge::Interleave`], `owners[i]` is the part that holds the reply to the i-th key.
/// An error in any part is the reply.
pub fn merge(kind: Merge, parts: &[Vec<u8>], owners: &[usize], proto: Proto, out: &mut Vec<u8>) {
    if let Some(err) = parts.iter().find(|p| p.first() == Some(&b'-')) {
        out.extend_from_slice(err);
        return;
    }
    let mut reply = Reply::new(out, proto);
    match kind {
        Merge::First | Merge::Ok => {
            if let Some(p) = parts.first() {
                reply.out.extend_from_slice(p);
            }
        }
        Merge::Sum => {
            let sum: i64 = parts
                .iter()
                .map(|p| header_int(p).map_or(0, |(n, _)| n))
                .sum();
            reply.int(sum);
        }
        Merge::Concat => {
            let split: Vec<Vec<&[u8]>> = parts
                .iter()
                .map(|p| elements(p).unwrap_or_default())
                .collect();
            reply.array(split.iter().map(|e| e.len()).sum());
            for e in split.iter().flatten() {
                reply.out.extend_from_slice(e);
            }
        }
        Merge::Interleave => {
            let split: Vec<Vec<&[u8]>> = parts
                .iter()
                .map(|p| elements(p).unwrap_or_default())
                .collect();
            let mut next = alloc::vec![0usize; parts.len()];
            reply.array(owners.len());
            for &o in owners {
                if let Some(e) = split.get(o).and_then(|s| s.get(next[o])) {
                    reply.out.extend_from_slice(e);
                }
                next[o] += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn lengths_of_nested_values() {
        assert_eq!(value_len(b"$3\r\nabc\r\nxx"), Some(9));
        assert_eq!(value_len(b"$-1\r\n"), Some(5));
        assert_eq!(value_len(b"*2\r\n:1\r\n$1\r\na\r\n"), Some(15));
        assert_eq!(value_len(b"%1\r\n+a\r\n_\r\n"), Some(11));
        assert_eq!(value_len(b"$3\r\nab"), None);
    }

    #[test]
    fn interleaves_sums_and_concatenates() {
        let a = b"*2\r\n$1\r\nx\r\n$-1\r\n".to_vec();
        let b = b"*1\r\n$1\r\ny\r\n".to_vec();
        let mut out = Vec::new();
        merge(
            Merge::Interleave,
            &[a, b],
            &[0, 1, 0],
            Proto::Resp2,
            &mut out,
        );
        assert_eq!(out, b"*3\r\n$1\r\nx\r\n$1\r\ny\r\n$-1\r\n");
        let mut out = Vec::new();
        merge(
            Merge::Sum,
            &[b":2\r\n".to_vec(), b":5\r\n".to_vec()],
            &[],
            Proto::Resp2,
            &mut out,
        );
        assert_eq!(out, b":7\r\n");
        let mut out = Vec::new();
        let parts = vec![
            b"*1\r\n$1\r\na\r\n".to_vec(),
            b"*0\r\n".to_vec(),
            b"*1\r\n$1\r\nb\r\n".to_vec(),
        ];
        merge(Merge::Concat, &parts, &[], Proto::Resp3, &mut out);
        assert_eq!(out, b"*2\r\n$1\r\na\r\n$1\r\nb\r\n");
        let mut out = Vec::new();
        merge(
            Merge::First,
            &[b"+OK\r\n".to_vec(), b"-ERR x\r\n".to_vec()],
            &[],
            Proto::Resp2,
            &mut out,
        );
        assert_eq!(out, b"-ERR x\r\n");
    }
}
