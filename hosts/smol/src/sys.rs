//! What the server needs from the operating system: log lines, core pinning, the file
//! descriptor limit, process facts, memory figures.

use std::alloc::{GlobalAlloc, Layout, System};
use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Log levels, as redis.conf's `loglevel` names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// `debug`, marked `.`
    Debug = 0,
    /// `verbose`, marked `-`
    Verbose = 1,
    /// `notice`, marked `*`
    Notice = 2,
    /// `warning`, marked `#`
    Warning = 3,
}

impl Level {
    /// The level named `s` (`debug`, `verbose`, `notice`, `warning`).
    pub fn parse(s: &str) -> Option<Level> {
        Some(match s.to_ascii_lowercase().as_str() {
            "debug" => Level::Debug,
            "verbose" => Level::Verbose,
            "notice" => Level::Notice,
            "warning" => Level::Warning,
            _ => return None,
        })
    }

    fn mark(self) -> char {
        match self {
            Level::Debug => '.',
            Level::Verbose => '-',
            Level::Notice => '*',
            Level::Warning => '#',
        }
    }
}

static LOG_LEVEL: AtomicU8 = AtomicU8::new(Level::Notice as u8);

/// Sets the lowest level that is written.
pub fn set_log_level(level: Level) {
    LOG_LEVEL.store(level as u8, Ordering::Relaxed);
}

/// True when lines of `level` are written.
pub fn log_enabled(level: Level) -> bool {
    level as u8 >= LOG_LEVEL.load(Ordering::Relaxed)
}

/// Writes one line to stderr in Redis's format:
/// `pid:M 28 Nov 2026 21:00:00.000 * message`.
pub fn log(level: Level, args: std::fmt::Arguments<'_>) {
    if !log_enabled(level) {
        return;
    }
    let mut line = String::with_capacity(128);
    let _ = write!(line, "{}:M ", std::process::id());
    timestamp(&mut line);
    let _ = writeln!(line, " {} {}", level.mark(), args);
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// Logs at notice level (`*`).
#[macro_export]
macro_rules! notice {
    ($($t:tt)*) => { $crate::sys::log($crate::sys::Level::Notice, format_args!($($t)*)) };
}

/// Logs at warning level (`#`).
#[macro_export]
macro_rules! warning {
    ($($t:tt)*) => { $crate::sys::log($crate::sys::Level::Warning, format_args!($($t)*)) };
}

/// Logs at verbose level (`-`).
#[macro_export]
macro_rules! verbose {
    ($($t:tt)*) => { $crate::sys::log($crate::sys::Level::Verbose, format_args!($($t)*)) };
}

/// `28 Nov 2026 21:00:00.000` in local time.
fn timestamp(out: &mut String) {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs() as libc::time_t;
    // SAFETY: `tm` is plain data, fully written by `localtime_r` on success; both pointers
    // are valid for the call.
    let tm = unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&secs, &mut tm).is_null() {
            return;
        }
        tm
    };
    let _ = write!(
        out,
        "{:02} {} {} {:02}:{:02}:{:02}.{:03}",
        tm.tm_mday,
        MONTHS[tm.tm_mon.clamp(0, 11) as usize],
        tm.tm_year + 1900,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec,
        now.subsec_millis()
    );
}

/// Now, in microseconds since the Unix epoch.
pub fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

/// The CPUs this process may run on, in order.
pub fn allowed_cpus() -> Vec<usize> {
    // SAFETY: `set` is plain data that `sched_getaffinity` fills; the size passed is its size.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) != 0 {
            return Vec::new();
        }
        (0..libc::CPU_SETSIZE as usize)
            .filter(|&c| libc::CPU_ISSET(c, &set))
            .collect()
    }
}

/// Pins the calling thread to `cpu`.
pub fn pin_to_cpu(cpu: usize) -> std::io::Result<()> {
    // SAFETY: `set` is plain data initialised by CPU_ZERO/CPU_SET; pid 0 is the calling thread.
    let rc = unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_ZERO(&mut set);
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set)
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Redis's `CONFIG_MIN_RESERVED_FDS`: descriptors kept for files, listeners and the like.
pub const RESERVED_FDS: u64 = 32;

/// Raises the open files limit so that `maxclients` connections fit, as Redis's
/// `adjustOpenFilesLimit` does; returns the maxclients that fits (lower when the limit
/// could not be raised enough), logging as Redis does.
pub fn adjust_open_files_limit(maxclients: u64) -> u64 {
    let wanted = maxclients + RESERVED_FDS;
    // SAFETY: `lim` is plain data that getrlimit fills.
    let mut lim: libc::rlimit = unsafe { std::mem::zeroed() };
    // SAFETY: a valid pointer to an rlimit.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        warning!(
            "Unable to obtain the current NOFILE limit ({}), assuming 1024 and setting the max clients configuration accordingly.",
            std::io::Error::last_os_error()
        );
        return maxclients.min(1024 - RESERVED_FDS);
    }
    let old = lim.rlim_cur as u64;
    if old >= wanted {
        return maxclients;
    }
    // Try the wanted value, then smaller ones, as Redis does.
    let mut best = wanted;
    let mut err = None;
    while best > old {
        let set = libc::rlimit {
            rlim_cur: best as libc::rlim_t,
            rlim_max: (lim.rlim_max as u64).max(best) as libc::rlim_t,
        };
        // SAFETY: a valid pointer to an rlimit.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &set) } == 0 {
            break;
        }
        err.get_or_insert_with(std::io::Error::last_os_error);
        best = best.saturating_sub(16);
    }
    let best = best.max(old);
    if best < wanted {
        if let Some(e) = err {
            warning!(
                "Server can't set maximum open files to {} because of OS error: {}.",
                wanted,
                e
            );
        }
        let fit = best.saturating_sub(RESERVED_FDS).max(1);
        warning!(
            "Current maximum open files is {}. maxclients has been reduced to {} to compensate for low ulimit. If you need higher maxclients increase 'ulimit -n'.",
            best,
            fit
        );
        return fit;
    }
    notice!(
        "Increased maximum number of open files to {} (it was originally set to {}).",
        wanted,
        old
    );
    maxclients
}

/// `uname -srm`: `Linux 6.1.0 x86_64`.
pub fn uname() -> String {
    // SAFETY: `u` is plain data that uname fills with NUL-terminated strings.
    unsafe {
        let mut u: libc::utsname = std::mem::zeroed();
        if libc::uname(&mut u) != 0 {
            return String::from(std::env::consts::OS);
        }
        let field = |f: &[libc::c_char]| {
            let bytes: Vec<u8> = f
                .iter()
                .take_while(|&&c| c != 0)
                .map(|&c| c as u8)
                .collect();
            String::from_utf8_lossy(&bytes).into_owned()
        };
        format!(
            "{} {} {}",
            field(&u.sysname),
            field(&u.release),
            field(&u.machine)
        )
    }
}

/// `n` random bytes from the kernel, or from the clock if that fails.
pub fn random_bytes(n: usize) -> Vec<u8> {
    use std::io::Read;
    let mut buf = vec![0u8; n];
    let ok = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .is_ok();
    if !ok {
        let mut x = now_us() ^ ((std::process::id() as u64) << 32) | 1;
        for b in &mut buf {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = x as u8;
        }
    }
    buf
}

/// Resident set size in bytes, from `/proc/self/statm`; 0 when unknown.
pub fn rss() -> u64 {
    let Ok(s) = std::fs::read_to_string("/proc/self/statm") else {
        return 0;
    };
    let pages: u64 = s
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    pages * page.max(0) as u64
}

static ALLOCATED: AtomicUsize = AtomicUsize::new(0);

/// Bytes currently allocated through [`CountingAlloc`] (INFO `used_memory`).
pub fn allocated() -> u64 {
    ALLOCATED.load(Ordering::Relaxed) as u64
}

/// The system allocator, counting the bytes it hands out. The binary installs it with
/// `#[global_allocator]`.
pub struct CountingAlloc;

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so
// `System`'s guarantees hold; the counter is only bookkeeping.
unsafe impl GlobalAlloc for CountingAlloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is; the caller upholds `alloc`'s contract.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            ALLOCATED.fetch_add(layout.size(), Ordering::Relaxed);
        }
        p
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is; the caller upholds `alloc_zeroed`'s contract.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            ALLOCATED.fetch_add(layout.size(), Ordering::Relaxed);
        }
        p
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as is; `ptr` came from this allocator with `layout`.
        unsafe { System.dealloc(ptr, layout) };
        ALLOCATED.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded as is; the caller upholds `realloc`'s contract.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                ALLOCATED.fetch_add(new_size - layout.size(), Ordering::Relaxed);
            } else {
                ALLOCATED.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

/// Redis's `sdscatrepr`: `s` quoted, with C escapes, as log lines show client bytes.
pub fn repr(s: &[u8]) -> String {
    let mut out = Vec::with_capacity(s.len() + 2);
    anax_protocol::sds::repr(s, &mut out);
    // Only printable ASCII comes out.
    String::from_utf8_lossy(&out).into_owned()
}

/// Shuts down both directions of the socket `fd` (CLIENT KILL of another connection): its
/// task then reads end-of-file, stops, and closes the socket as usual.
pub fn shutdown_socket(fd: i64) {
    let Ok(fd) = i32::try_from(fd) else { return };
    if fd < 0 {
        return;
    }
    // SAFETY: shutdown(2) only acts on the descriptor; `fd` comes from the engine's record of
    // a connection that is still registered (not yet disconnected), so it is still that
    // connection's open socket. An invalid descriptor would only make it fail with EBADF.
    unsafe {
        libc::shutdown(fd, libc::SHUT_RDWR);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repr_escapes_like_sdscatrepr() {
        assert_eq!(repr(b"a\r\n\"\\\x01"), "\"a\\r\\n\\\"\\\\\\x01\"");
    }

    #[test]
    fn timestamp_has_redis_shape() {
        let mut s = String::new();
        timestamp(&mut s);
        // `28 Nov 2026 21:00:00.000`
        assert_eq!(s.len(), 24, "{s}");
        assert_eq!(&s[2..3], " ");
        assert_eq!(&s[20..21], ".");
    }

    #[test]
    fn uname_and_rss() {
        assert!(!uname().is_empty());
        assert!(rss() > 0);
        assert!(!allowed_cpus().is_empty());
    }
}
