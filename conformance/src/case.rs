//! Case files: one command per line, written as `redis-cli` takes it.
//!
//! ```text
//! # a comment
//! SET k "hello world"
//! ~ KEYS *          # a leading `~ ` compares the reply without order
//! ```
//!
//! The same format serves the hand-written cases (`conformance/cases/`), the regression
//! corpus (`conformance/regressions/`) and the minimal sequences that a failing generated
//! test prints, so a failure can be pasted into a file as it is.

/// Splits a `redis-cli`-style line into arguments: spaces separate, double quotes allow
/// `\n`, `\r`, `\t`, `\a`, `\b`, `\\`, `\"` and `\xHH` escapes, single quotes are literal.
pub fn split_line(line: &str) -> Vec<Vec<u8>> {
    let mut args = Vec::new();
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let mut cur = Vec::new();
        match b[i] {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' && i + 1 < b.len() {
                        i += 1;
                        match b[i] {
                            b'n' => cur.push(b'\n'),
                            b'r' => cur.push(b'\r'),
                            b't' => cur.push(b'\t'),
                            b'a' => cur.push(0x07),
                            b'b' => cur.push(0x08),
                            b'x' if i + 2 < b.len() => {
                                let h = std::str::from_utf8(&b[i + 1..i + 3]).ok();
                                cur.push(
                                    h.and_then(|h| u8::from_str_radix(h, 16).ok())
                                        .unwrap_or(b'?'),
                                );
                                i += 2;
                            }
                            c => cur.push(c),
                        }
                    } else {
                        cur.push(b[i]);
                    }
                    i += 1;
                }
                i += 1;
            }
            b'\'' => {
                i += 1;
                while i < b.len() && b[i] != b'\'' {
                    cur.push(b[i]);
                    i += 1;
                }
                i += 1;
            }
            _ => {
                while i < b.len() && b[i] != b' ' {
                    cur.push(b[i]);
                    i += 1;
                }
            }
        }
        args.push(cur);
    }
    args
}

/// One step of a case file.
#[derive(Clone, Debug)]
pub struct Step {
    /// The command.
    pub args: Vec<Vec<u8>>,
    /// Compare the reply as an unordered collection (`~` prefix), on top of the automatic
    /// rules of [`crate::normalise`].
    pub unordered: bool,
    /// Where it stands (1-based line), for messages.
    pub line: usize,
}

/// Reads a case file: one command per line; `#` at the start of a line starts a comment; a
/// leading `~ ` marks a reply compared without order.
pub fn parse_case(text: &str) -> Vec<Step> {
    text.lines()
        .enumerate()
        .filter_map(|(n, l)| {
            let l = l.trim();
            if l.is_empty() || l.starts_with('#') {
                return None;
            }
            let (unordered, rest) = match l.strip_prefix("~ ") {
                Some(r) => (true, r),
                None => (false, l),
            };
            Some(Step {
                args: split_line(rest),
                unordered,
                line: n + 1,
            })
        })
        .collect()
}

/// Renders one argument so that [`split_line`] reads it back: bare when it is plain
/// printable text, otherwise double-quoted with escapes.
pub fn render_arg(a: &[u8]) -> String {
    let plain = !a.is_empty()
        && a.iter()
            .all(|&c| (0x21..0x7f).contains(&c) && c != b'"' && c != b'\'' && c != b'\\');
    if plain {
        return String::from_utf8_lossy(a).into_owned();
    }
    let mut s = String::from("\"");
    for &c in a {
        match c {
            b'\\' => s.push_str("\\\\"),
            b'"' => s.push_str("\\\""),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            0x20..=0x7e => s.push(c as char),
            _ => s.push_str(&format!("\\x{c:02x}")),
        }
    }
    s.push('"');
    s
}

/// Renders a command as a `redis-cli` line.
pub fn render_args<A: AsRef<[u8]>>(args: &[A]) -> String {
    args.iter()
        .map(|a| render_arg(a.as_ref()))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_and_split_round_trip() {
        let cmds: Vec<Vec<Vec<u8>>> = vec![
            vec![b"SET".to_vec(), b"k".to_vec(), b"".to_vec()],
            vec![
                b"SET".to_vec(),
                b"a b".to_vec(),
                b"\x00\xff\r\n\t\"'\\".to_vec(),
            ],
            vec![b"ECHO".to_vec(), b"'quoted'".to_vec(), b"#".to_vec()],
        ];
        for c in cmds {
            assert_eq!(split_line(&render_args(&c)), c, "{}", render_args(&c));
        }
    }

    #[test]
    fn comments_and_unordered_marks() {
        let steps = parse_case("# c\n\nGET k\n~ KEYS *\n  # indented comment\n");
        assert_eq!(steps.len(), 2);
        assert_eq!(steps[0].line, 3);
        assert!(steps[1].unordered);
        assert_eq!(steps[1].args, vec![b"KEYS".to_vec(), b"*".to_vec()]);
    }
}
