//! Redis's glob matching (`stringmatchlen` in `util.c`), for KEYS, SCAN MATCH, CONFIG GET
//! and pattern subscriptions.
//!
//! A faithful port of Redis 7.0's matcher, quirks included, so that a pattern selects exactly
//! the keys it selects in Redis:
//!
//! - `*` any run of bytes, `?` one byte, `\x` the byte `x` (a trailing lone `\` matches
//!   `\`);
//! - `[...]` a class: bytes, ranges `a-z` (reversed ranges are swapped; bounds compare as
//!   C's signed `char`, so bytes above 127 sort below ASCII), `^` first negates it, `\x`
//!   inside it is `x` (compared case-sensitively even with `nocase`); an unterminated class
//!   ends at the end of the pattern;
//! - the main loop stops when either side runs out, so no pattern but the empty one matches
//!   the empty string (`*` does not: KEYS and SCAN treat a pattern that is exactly `*` as
//!   "everything" before calling the matcher, see [`is_match_all`]);
//! - the two guards Redis 7.0 has against pathological patterns: `*` recursion deeper than
//!   1000 levels counts as no match (CVE-2022-36021), and once the rest of a pattern failed
//!   to match after a `*` at every position, no enclosing `*` tries longer runs
//!   (`skipLongerMatches`), which makes `a*a*a*...b` linear instead of exponential.
//!
//! The C code reads one byte past the pattern's end (the terminating NUL of the sds string);
//! here such reads yield 0 as well.

/// Redis's limit on `*` recursion depth.
const MAX_NESTING: u32 = 1000;

/// True when `s` matches `pattern` (`stringmatchlen(pattern, s, nocase)`).
pub fn glob_match(pattern: &[u8], s: &[u8], nocase: bool) -> bool {
    let mut skip_longer = false;
    Matcher {
        p: pattern,
        s,
        nocase,
    }
    .run(0, 0, &mut skip_longer, 0)
}

/// True for the pattern `*`, which KEYS and SCAN answer without the matcher (so that it also
/// selects the empty key).
#[inline]
pub fn is_match_all(pattern: &[u8]) -> bool {
    pattern == b"*"
}

struct Matcher<'a> {
    p: &'a [u8],
    s: &'a [u8],
    nocase: bool,
}

/// C's `tolower` in the C locale on a (possibly negative) `char` value.
#[inline]
fn lower(c: i32) -> i32 {
    if (b'A' as i32..=b'Z' as i32).contains(&c) {
        c + 32
    } else {
        c
    }
}

/// A byte as C's signed `char` widened to `int`.
#[inline]
fn signed(b: u8) -> i32 {
    b as i8 as i32
}

impl Matcher<'_> {
    /// The pattern byte at `i`, 0 past the end (the C string's terminator).
    #[inline]
    fn pat(&self, i: usize) -> u8 {
        self.p.get(i).copied().unwrap_or(0)
    }

    #[inline]
    fn same(&self, a: u8, b: u8) -> bool {
        if self.nocase {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    }

    /// `stringmatchlen_impl` from pattern position `pi` and string position `si`.
    fn run(&self, mut pi: usize, mut si: usize, skip_longer: &mut bool, nesting: u32) -> bool {
        if nesting > MAX_NESTING {
            return false;
        }
        let (plen, slen) = (self.p.len(), self.s.len());
        while pi < plen && si < slen {
            match self.p[pi] {
                b'*' => {
                    while pi < plen && self.pat(pi + 1) == b'*' {
                        pi += 1;
                    }
                    if pi + 1 == plen {
                        return true;
                    }
                    while si < slen {
                        if self.run(pi + 1, si, skip_longer, nesting + 1) {
                            return true;
                        }
                        if *skip_longer {
                            return false;
                        }
                        si += 1;
                    }
                    // The rest of the pattern matches nowhere in the rest of the string, so
                    // a longer run for an earlier `*` cannot help either.
                    *skip_longer = true;
                    return false;
                }
                b'?' => si += 1,
                b'[' => {
                    pi += 1;
                    let not = self.pat(pi) == b'^';
                    if not {
                        pi += 1;
                    }
                    let c = self.s[si];
                    let mut matched = false;
                    loop {
                        let left = plen - pi;
                        let b = self.pat(pi);
                        if b == b'\\' && left >= 2 {
                            pi += 1;
                            if self.pat(pi) == c {
                                matched = true;
                            }
                        } else if b == b']' {
                            break;
                        } else if left == 0 {
                            pi -= 1;
                            break;
                        } else if left >= 3 && self.pat(pi + 1) == b'-' {
                            let (mut start, mut end) = (signed(b), signed(self.pat(pi + 2)));
                            let mut ch = signed(c);
                            if start > end {
                                core::mem::swap(&mut start, &mut end);
                            }
                            if self.nocase {
                                start = lower(start);
                                end = lower(end);
                                ch = lower(ch);
                            }
                            pi += 2;
                            if ch >= start && ch <= end {
                                matched = true;
                            }
                        } else if self.same(b, c) {
                            matched = true;
                        }
                        pi += 1;
                    }
                    if not {
                        matched = !matched;
                    }
                    if !matched {
                        return false;
                    }
                    si += 1;
                }
                b => {
                    let b = if b == b'\\' && plen - pi >= 2 {
                        pi += 1;
                        self.p[pi]
                    } else {
                        b
                    };
                    if !self.same(b, self.s[si]) {
                        return false;
                    }
                    si += 1;
                }
            }
            pi += 1;
            if si == slen {
                while self.pat(pi) == b'*' {
                    pi += 1;
                }
                break;
            }
        }
        pi == plen && si == slen
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn m(p: &str, s: &str) -> bool {
        glob_match(p.as_bytes(), s.as_bytes(), false)
    }

    #[test]
    fn literals_and_wildcards() {
        assert!(m("foo", "foo"));
        assert!(!m("foo", "fo"));
        assert!(!m("fo", "foo"));
        assert!(m("f?o", "fxo"));
        assert!(!m("f?o", "fo"));
        assert!(m("*", "anything"));
        assert!(m("f*", "f"));
        assert!(m("f*", "foo"));
        assert!(m("*o", "foo"));
        assert!(m("f*o", "fo"));
        assert!(m("f*o*r", "foobar"));
        assert!(!m("f*o*x", "foobar"));
        assert!(m("**o", "foo"));
        assert!(m("h*llo", "heeeello"));
        assert!(m("h?llo", "hallo"));
        assert!(!m("h?llo", "hllo"));
        // The empty string matches only the empty pattern: the loop never starts.
        assert!(m("", ""));
        assert!(!m("*", ""));
        assert!(!m("**", ""));
        assert!(!m("?", ""));
        assert!(!m("", "a"));
        assert!(is_match_all(b"*"));
        assert!(!is_match_all(b"**"));
    }

    #[test]
    fn keyspace_tcl_patterns() {
        // tests/unit/keyspace.tcl "KEYS with pattern".
        let keys = ["key_x", "key_y", "key_z", "foo_a", "foo_b", "foo_c"];
        let mut got: Vec<&str> = keys.iter().copied().filter(|k| m("foo*", k)).collect();
        got.sort();
        assert_eq!(got, ["foo_a", "foo_b", "foo_c"]);
    }

    #[test]
    fn classes() {
        assert!(m("h[ae]llo", "hello"));
        assert!(m("h[ae]llo", "hallo"));
        assert!(!m("h[ae]llo", "hillo"));
        assert!(m("h[^e]llo", "hallo"));
        assert!(!m("h[^e]llo", "hello"));
        assert!(m("h[a-b]llo", "hbllo"));
        assert!(!m("h[a-b]llo", "hcllo"));
        // Reversed ranges are swapped.
        assert!(m("[z-a]", "q"));
        // `-` first is a literal; `a-]` is the range from `]` to `a` and leaves the class
        // unterminated.
        assert!(m("[-a]", "-"));
        assert!(m("[a-]", "_"));
        assert!(!m("[a-]", "-"));
        // Escapes inside a class.
        assert!(m("[\\]]", "]"));
        assert!(m("[\\-]", "-"));
        assert!(!m("[\\-]", "a"));
        // Unterminated classes end at the pattern's end.
        assert!(!m("[", "["));
        assert!(m("[^", "x"));
        assert!(m("[^a", "["));
        assert!(!m("[^a", "a"));
        assert!(m("[a-", "a"));
        assert!(m("[a-", "-"));
        assert!(m("[\\", "\\"));
        assert!(!m("[\\", "["));
        assert!(m("x[ab", "xa"));
        // `]` right after `[` closes an empty class.
        assert!(!m("[]a]", "a"));
    }

    #[test]
    fn escapes() {
        assert!(m("\\*", "*"));
        assert!(!m("\\*", "a"));
        assert!(m("\\[", "["));
        assert!(m("a\\?", "a?"));
        assert!(!m("a\\?", "ab"));
        // A trailing backslash matches itself.
        assert!(m("a\\", "a\\"));
    }

    #[test]
    fn nocase() {
        let n = |p: &str, s: &str| glob_match(p.as_bytes(), s.as_bytes(), true);
        assert!(n("HeLLo", "hello"));
        assert!(n("h[A-C]llo", "hbllo"));
        assert!(n("h[a-c]llo", "hBllo"));
        assert!(n("h[E]llo", "hello"));
        assert!(!m("HeLLo", "hello"));
        // An escaped byte in a class compares exactly even with nocase, as in Redis.
        assert!(!n("[\\E]", "e"));
    }

    #[test]
    fn high_bytes_compare_as_signed_char() {
        // 0xff is -1 as a C char, so [a-\xff] is the range [-1, 'a'].
        assert!(glob_match(b"[a-\xff]", b"\x00", false));
        assert!(glob_match(b"[a-\xff]", b"\xff", false));
        assert!(!glob_match(b"[a-\xff]", b"\xfe", false));
        assert!(!glob_match(b"[a-\xff]", b"b", false));
        assert!(glob_match(b"\xe9*", b"\xe9t\xe9", false));
    }

    #[test]
    fn long_nested_loops() {
        // tests/unit/keyspace.tcl "Regression for pattern matching long nested loops".
        let key = "a".repeat(57);
        let pat = "a*".repeat(44) + "b";
        assert!(!m(&pat, &key));
        // "Regression for pattern matching very long nested loops": the nesting limit makes
        // this a non-match (and keeps the stack bounded).
        let key = "a".repeat(50000);
        let pat = "*?".repeat(50000);
        assert!(!m(&pat, &key));
    }

    #[test]
    fn nesting_limit() {
        // 1000 stars still match; 1001 levels do not.
        let key = "a".repeat(2000);
        assert!(m(&"a*".repeat(1000), &key));
        assert!(!m(&("a*".repeat(1001) + "a"), &key));
    }

    #[test]
    fn pathological_pattern_is_fast() {
        let key = "a".repeat(5000);
        let pat = "*a".repeat(500) + "b";
        assert!(!m(&pat, &key));
    }
}
