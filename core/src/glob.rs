//! Redis's glob matching (`stringmatchlen`), for KEYS, SCAN MATCH and CONFIG GET.
//! (The keys-family engineer writes the full port.)

/// True when `s` matches `pattern`.
pub fn glob_match(pattern: &[u8], s: &[u8], nocase: bool) -> bool {
    let _ = nocase;
    pattern == b"*" || pattern == s
}
