//! What `/proc` says about a server process: resident memory, proportional memory, children,
//! CPU time.

use std::fs;

/// The size of a memory page (`statm` counts pages).
pub fn page_size() -> u64 {
    // SAFETY: sysconf only reads a system setting; it has no memory-safety preconditions.
    let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if n > 0 {
        n as u64
    } else {
        4096
    }
}

/// Resident set size in bytes, from `/proc/<pid>/statm` (its second field, in pages).
pub fn rss_bytes(pid: u32) -> Option<u64> {
    let text = fs::read_to_string(format!("/proc/{pid}/statm")).ok()?;
    parse_statm_resident(&text).map(|pages| pages * page_size())
}

/// The resident page count of a `statm` line.
pub fn parse_statm_resident(statm: &str) -> Option<u64> {
    statm.split_whitespace().nth(1)?.parse().ok()
}

/// Proportional set size in bytes (`Pss:` of `/proc/<pid>/smaps_rollup`): pages shared with
/// another process (a fork child) count a share each, so the sum over parent and child is
/// what the two really occupy.
pub fn pss_bytes(pid: u32) -> Option<u64> {
    let text = fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    parse_kb_field(&text, "Pss:").map(|kb| kb * 1024)
}

/// A `Name:   123 kB` line's number.
pub fn parse_kb_field(text: &str, name: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix(name))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

/// The processes whose parent is `pid` (a fork child writing a snapshot).
pub fn children(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let Ok(dir) = fs::read_dir("/proc") else {
        return out;
    };
    for entry in dir.flatten() {
        let name = entry.file_name();
        let Some(child) = name.to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        if let Ok(stat) = fs::read_to_string(format!("/proc/{child}/stat")) {
            if parse_stat_ppid(&stat) == Some(pid) {
                out.push(child);
            }
        }
    }
    out
}

/// The parent pid in a `/proc/<pid>/stat` line (the second field after the `(comm)`).
pub fn parse_stat_ppid(stat: &str) -> Option<u32> {
    let after = &stat[stat.rfind(')')? + 1..];
    after.split_whitespace().nth(1)?.parse().ok()
}

/// CPU time the process has used so far, in nanoseconds: the sum over its threads of the
/// first field of `/proc/<pid>/task/<tid>/schedstat` (time on a CPU). Threads that have
/// exited are not counted, which does not matter for servers whose threads live as long as
/// they do.
pub fn cpu_ns(pid: u32) -> Option<u64> {
    let dir = fs::read_dir(format!("/proc/{pid}/task")).ok()?;
    let mut total = 0u64;
    let mut any = false;
    for entry in dir.flatten() {
        let path = entry.path().join("schedstat");
        if let Ok(text) = fs::read_to_string(path) {
            if let Some(ns) = text
                .split_whitespace()
                .next()
                .and_then(|n| n.parse::<u64>().ok())
            {
                total += ns;
                any = true;
            }
        }
    }
    any.then_some(total)
}

/// The 1, 5 and 15 minute load averages of `/proc/loadavg`, as text (`2.91 2.81 2.56`).
pub fn loadavg() -> Option<String> {
    let text = fs::read_to_string("/proc/loadavg").ok()?;
    let v: Vec<&str> = text.split_whitespace().take(3).collect();
    (v.len() == 3).then(|| v.join(" "))
}

/// `MemTotal` of `/proc/meminfo` in bytes.
pub fn mem_total() -> Option<u64> {
    let text = fs::read_to_string("/proc/meminfo").ok()?;
    parse_kb_field(&text, "MemTotal:").map(|kb| kb * 1024)
}

/// The first `model name` of `/proc/cpuinfo`.
pub fn cpu_model() -> Option<String> {
    let text = fs::read_to_string("/proc/cpuinfo").ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|rest| rest.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statm_and_kb_fields() {
        assert_eq!(parse_statm_resident("5000 825 600 1 0 700 0\n"), Some(825));
        assert_eq!(parse_statm_resident("5000"), None);
        let rollup =
            "55d0-7ff [rollup]\nRss:                3300 kB\nPss:                 1200 kB\n";
        assert_eq!(parse_kb_field(rollup, "Pss:"), Some(1200));
        assert_eq!(parse_kb_field(rollup, "Swap:"), None);
    }

    #[test]
    fn stat_ppid_with_spaces_in_comm() {
        let stat = "4242 (redis-rdb-bgsave) S 4200 4242 4200 0 -1 4194368";
        assert_eq!(parse_stat_ppid(stat), Some(4200));
        let odd = "7 (a) b) R 1 7 7";
        assert_eq!(parse_stat_ppid(odd), Some(1));
    }

    #[test]
    fn own_process() {
        let me = std::process::id();
        assert!(rss_bytes(me).unwrap() > 0);
        assert!(cpu_ns(me).is_some());
        assert!(page_size() >= 4096);
        assert_eq!(loadavg().unwrap().split(' ').count(), 3);
    }
}
