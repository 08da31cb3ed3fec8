//! Redis's `sds` text helpers that several parts of Anax share: `sdssplitargs` (inline
//! commands, configuration lines) and `sdscatrepr` (MONITOR lines, configuration files,
//! log lines).

use alloc::vec::Vec;

/// Redis's `sdssplitargs`: the arguments of `line`, or `None` for unbalanced quotes (or a
/// closing quote followed by something other than a space). Double quotes take
/// `\n \r \t \b \a \xHH` and `\<any>` escapes, single quotes only `\'`. The line ends at a
/// NUL byte, as a C string does.
pub fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut buf = Vec::new();
    let mut spans = Vec::new();
    crate::parser::split_args(line, &mut buf, &mut spans).ok()?;
    Some(
        spans
            .iter()
            .map(|s| buf[s.start as usize..s.end as usize].to_vec())
            .collect(),
    )
}

/// Redis's `sdscatrepr`: appends `s` to `out` in double quotes, with C escapes for what is
/// not printable.
pub fn repr(s: &[u8], out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    for &c in s {
        match c {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'"' => out.extend_from_slice(b"\\\""),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x07 => out.extend_from_slice(b"\\a"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x20..=0x7e => out.push(c),
            _ => {
                out.extend_from_slice(b"\\x");
                out.push(HEX[(c >> 4) as usize]);
                out.push(HEX[(c & 15) as usize]);
            }
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn split_and_repr_agree() {
        assert_eq!(
            split_args(b"set 'a b' \"c\\x41\\n\" d"),
            Some(vec![
                b"set".to_vec(),
                b"a b".to_vec(),
                b"cA\n".to_vec(),
                b"d".to_vec()
            ])
        );
        assert_eq!(split_args(b"a \"b"), None);
        assert_eq!(split_args(b"a \"b\"c"), None);
        for raw in [&b"plain"[..], b"q\"uo\\te", b"\x00\x01\xff\r\n\t\x07\x08 "] {
            let mut q = Vec::new();
            repr(raw, &mut q);
            assert_eq!(split_args(&q), Some(vec![raw.to_vec()]));
        }
        let mut q = Vec::new();
        repr(b"a\"\x01", &mut q);
        assert_eq!(q, b"\"a\\\"\\x01\"");
    }
}
