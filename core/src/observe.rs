//! The slow log and the latency monitor: what SLOWLOG and LATENCY report, kept as Redis
//! 7.0's `slowlog.c` and `latency.c` keep them.
//!
//! Each engine (one per thread) keeps a [`Monitor`]: the calls it saw that were slow enough
//! ([`SlowLog`]) and the latency events it recorded ([`Latency`]). Slow log entries take
//! their ids from a counter the whole process shares ([`Registry`](crate::Registry)), so
//! that SLOWLOG GET can merge every thread's entries newest first ([`merge_slowlog`]);
//! LATENCY merges the threads' time series by event ([`Latency::merge`]).
//!
//! The engine's hook ([`Engine::count_call`](crate::Engine::count_call)) compares a call's
//! duration with [`floor_us`] and does nothing more for a fast call; a slow one goes to
//! [`Engine::observe_call`]. A call run on another thread than its connection's (a keyed
//! command routed to its shard) comes back as a [`SlowCall`] in the batch's reply, and the
//! connection's thread logs it with the client's address and name
//! ([`Engine::log_slow_calls`]).
//!
//! The coordinator gathers what the other threads hold for the server-wide subcommands
//! ([`gather`], one [`Gather`] kind per subcommand family) into a [`Gathered`], which the
//! handlers in [`crate::cmd::observe`] read through
//! [`Ctx::remote`](crate::engine::Ctx::remote).

use crate::cmd::flags;
use crate::config::Config;
use crate::coord::{hop_sync, join_all, Messenger};
use crate::engine::{ConnId, Engine};
use alloc::collections::VecDeque;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use anax_protocol::{Args, OwnedArgs};

/// The most arguments a slow log entry keeps (Redis's `SLOWLOG_ENTRY_MAX_ARGC`); the last
/// one kept says how many more there were.
pub const SLOWLOG_ENTRY_MAX_ARGC: usize = 32;
/// The most bytes of one argument a slow log entry keeps (`SLOWLOG_ENTRY_MAX_STRING`).
pub const SLOWLOG_ENTRY_MAX_STRING: usize = 128;
/// Samples kept per latency event (`LATENCY_TS_LEN`).
pub const LATENCY_TS_LEN: usize = 160;
/// The width of LATENCY GRAPH's plot (`LATENCY_GRAPH_COLS`).
pub const LATENCY_GRAPH_COLS: usize = 80;

/// The duration (µs) from which a call is noted by the slow log or the latency monitor;
/// `u64::MAX` when both are off. The engine compares every call's duration with it.
#[inline]
pub fn floor_us(cfg: &Config) -> u64 {
    let slow = if cfg.slowlog_log_slower_than >= 0 {
        cfg.slowlog_log_slower_than as u64
    } else {
        u64::MAX
    };
    let latency = match cfg.latency_monitor_threshold {
        0 => u64::MAX,
        ms => ms.saturating_mul(1000),
    };
    slow.min(latency)
}

/// A call the slow log keeps, before it gets an id and its client: when it ended (Unix
/// seconds), how long it took (µs) and its arguments as the entry keeps them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlowCall {
    /// Unix seconds.
    pub time: u64,
    /// Microseconds.
    pub duration: u64,
    /// The arguments, shortened as Redis's `slowlogCreateEntry` does.
    pub args: Vec<Vec<u8>>,
}

impl SlowCall {
    /// The entry for a call with `args` that ended at `time` (Unix seconds) and took
    /// `duration` µs.
    pub fn new(args: Args<'_>, time: u64, duration: u64) -> SlowCall {
        SlowCall {
            time,
            duration,
            args: slowlog_args(args.iter()),
        }
    }
}

/// The arguments of a slow log entry: at most [`SLOWLOG_ENTRY_MAX_ARGC`], the last of them
/// replaced by `... (N more arguments)` when there were more; each at most
/// [`SLOWLOG_ENTRY_MAX_STRING`] bytes followed by `... (N more bytes)`.
pub fn slowlog_args<'a>(args: impl ExactSizeIterator<Item = &'a [u8]>) -> Vec<Vec<u8>> {
    let argc = args.len();
    let kept = argc.min(SLOWLOG_ENTRY_MAX_ARGC);
    let mut out = Vec::with_capacity(kept);
    for (j, a) in args.take(kept).enumerate() {
        if kept != argc && j == kept - 1 {
            out.push(format!("... ({} more arguments)", argc - kept + 1).into_bytes());
        } else if a.len() > SLOWLOG_ENTRY_MAX_STRING {
            let mut v = a[..SLOWLOG_ENTRY_MAX_STRING].to_vec();
            v.extend_from_slice(
                format!("... ({} more bytes)", a.len() - SLOWLOG_ENTRY_MAX_STRING).as_bytes(),
            );
            out.push(v);
        } else {
            out.push(a.to_vec());
        }
    }
    out
}

/// One slow log entry: SLOWLOG GET's six fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlowEntry {
    /// The server-wide id: entries are numbered in the order they were logged.
    pub id: u64,
    /// When, how long, what.
    pub call: SlowCall,
    /// The client's address (`ip:port`, or `path:0` for a Unix socket).
    pub addr: String,
    /// The client's name (CLIENT SETNAME), empty when none.
    pub name: Vec<u8>,
}

/// One engine's slow log, newest entry first.
#[derive(Clone, Debug, Default)]
pub struct SlowLog {
    entries: VecDeque<SlowEntry>,
}

impl SlowLog {
    /// Adds an entry, then drops the oldest beyond `max_len` (`slowlog-max-len`), as
    /// Redis's `slowlogPushEntryIfNeeded`.
    pub fn push(&mut self, e: SlowEntry, max_len: u64) {
        self.entries.push_front(e);
        let max = usize::try_from(max_len).unwrap_or(usize::MAX);
        self.entries.truncate(max);
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there is none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Forgets every entry (SLOWLOG RESET); ids go on from where they were.
    pub fn reset(&mut self) {
        self.entries.clear();
    }

    /// The entries, newest first.
    pub fn iter(&self) -> impl Iterator<Item = &SlowEntry> {
        self.entries.iter()
    }

    /// Copies of the newest `n` entries (all with `None`).
    pub fn newest(&self, n: Option<usize>) -> Vec<SlowEntry> {
        let n = n.unwrap_or(usize::MAX);
        self.entries.iter().take(n).cloned().collect()
    }
}

/// The server's slow log from the entries of every thread: newest first (by id), at most
/// `cap` entries in all (the log is that long), the first `count` of them (all with
/// `None`).
pub fn merge_slowlog<'a>(
    entries: impl Iterator<Item = &'a SlowEntry>,
    cap: usize,
    count: Option<usize>,
) -> Vec<&'a SlowEntry> {
    let mut all: Vec<&SlowEntry> = entries.collect();
    all.sort_unstable_by_key(|e| core::cmp::Reverse(e.id));
    all.truncate(cap.min(count.unwrap_or(usize::MAX)));
    all
}

/// One latency sample: the second it was taken in and the latency (ms), the highest of
/// that second.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sample {
    /// Unix seconds; 0 for an empty slot.
    pub time: u64,
    /// Milliseconds.
    pub latency: u32,
}

/// The time series of one latency event: the last [`LATENCY_TS_LEN`] samples, one per
/// second, in a ring, and the highest latency ever seen (Redis's `latencyTimeSeries`).
#[derive(Clone, Debug)]
pub struct Series {
    /// The slot the next sample goes to.
    idx: usize,
    /// All-time high (ms).
    max: u32,
    samples: [Sample; LATENCY_TS_LEN],
}

impl Default for Series {
    fn default() -> Self {
        Series {
            idx: 0,
            max: 0,
            samples: [Sample::default(); LATENCY_TS_LEN],
        }
    }
}

impl Series {
    /// Records `latency` ms at `now` (Unix seconds): a sample in the same second as the
    /// previous one only raises it (`latencyAddSample`).
    pub fn add(&mut self, now: u64, latency: u64) {
        let latency = u32::try_from(latency).unwrap_or(u32::MAX);
        if latency > self.max {
            self.max = latency;
        }
        let prev = (self.idx + LATENCY_TS_LEN - 1) % LATENCY_TS_LEN;
        if self.samples[prev].time == now {
            if latency > self.samples[prev].latency {
                self.samples[prev].latency = latency;
            }
            return;
        }
        self.samples[self.idx] = Sample { time: now, latency };
        self.idx = (self.idx + 1) % LATENCY_TS_LEN;
    }

    /// The all-time high (ms).
    pub fn max(&self) -> u32 {
        self.max
    }

    /// The latest sample (LATENCY LATEST).
    pub fn latest(&self) -> Sample {
        self.samples[(self.idx + LATENCY_TS_LEN - 1) % LATENCY_TS_LEN]
    }

    /// The samples, oldest first, empty slots skipped (LATENCY HISTORY).
    pub fn history(&self) -> impl Iterator<Item = Sample> + '_ {
        (0..LATENCY_TS_LEN)
            .map(move |j| self.samples[(self.idx + j) % LATENCY_TS_LEN])
            .filter(|s| s.time != 0)
    }

    /// One series from several threads' series of the same event: every sample in time
    /// order, one per second (the highest), the last [`LATENCY_TS_LEN`] of them, and the
    /// highest all-time high.
    pub fn merge<'a>(parts: impl Iterator<Item = &'a Series>) -> Series {
        let mut max = 0;
        let mut all: Vec<Sample> = Vec::new();
        for p in parts {
            max = max.max(p.max);
            all.extend(p.history());
        }
        all.sort_by_key(|s| s.time);
        let mut merged: Vec<Sample> = Vec::with_capacity(all.len());
        for s in all {
            match merged.last_mut() {
                Some(l) if l.time == s.time => l.latency = l.latency.max(s.latency),
                _ => merged.push(s),
            }
        }
        let mut out = Series {
            max,
            ..Series::default()
        };
        let skip = merged.len().saturating_sub(LATENCY_TS_LEN);
        for s in &merged[skip..] {
            out.samples[out.idx] = *s;
            out.idx = (out.idx + 1) % LATENCY_TS_LEN;
        }
        out
    }
}

/// The latency events of one engine (or of the server, merged), in the order they first
/// happened.
#[derive(Clone, Debug, Default)]
pub struct Latency {
    events: Vec<(&'static str, Series)>,
}

impl Latency {
    /// Records `latency` ms for `event` at `now` (Unix seconds), creating its series.
    pub fn add(&mut self, event: &'static str, now: u64, latency: u64) {
        let i = match self.events.iter().position(|(n, _)| *n == event) {
            Some(i) => i,
            None => {
                self.events.push((event, Series::default()));
                self.events.len() - 1
            }
        };
        self.events[i].1.add(now, latency);
    }

    /// The number of events with a series.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// True when no event was recorded (or all were reset).
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Every event and its series.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &Series)> {
        self.events.iter().map(|(n, s)| (*n, s))
    }

    /// The series of the event named exactly `name` (LATENCY HISTORY and GRAPH look names
    /// up with case).
    pub fn get(&self, name: &[u8]) -> Option<(&'static str, &Series)> {
        self.iter().find(|(n, _)| n.as_bytes() == name)
    }

    /// Forgets the events named in `names` (in any case), or every event when `names` is
    /// empty; the names of those forgotten (LATENCY RESET).
    pub fn reset<A: AsRef<[u8]>>(&mut self, names: &[A]) -> Vec<&'static str> {
        let mut gone = Vec::new();
        self.events.retain(|(n, _)| {
            let hit = names.is_empty()
                || names
                    .iter()
                    .any(|a| a.as_ref().eq_ignore_ascii_case(n.as_bytes()));
            if hit {
                gone.push(*n);
            }
            !hit
        });
        gone
    }

    /// The server's events from several threads' (see [`Series::merge`]), in the order
    /// they are first met.
    pub fn merge<'a>(parts: impl Iterator<Item = &'a Latency> + Clone) -> Latency {
        let mut names: Vec<&'static str> = Vec::new();
        for p in parts.clone() {
            for (n, _) in p.iter() {
                if !names.contains(&n) {
                    names.push(n);
                }
            }
        }
        let events = names
            .into_iter()
            .map(|n| {
                let series = parts
                    .clone()
                    .filter_map(|p| p.get(n.as_bytes()).map(|(_, s)| s));
                (n, Series::merge(series))
            })
            .collect();
        Latency { events }
    }
}

/// LATENCY GRAPH's text for `event`, as Redis's `latencyCommandGenSparkeline`: a title
/// line, a rule, and the samples as a sparkline four rows high, each labelled with how long
/// ago it was taken (`now` in Unix seconds).
pub fn latency_graph(event: &str, series: &Series, now: u64) -> String {
    let mut seq = Sparkline::default();
    let (mut min, mut max) = (0u32, 0u32);
    for s in series.history() {
        if seq.samples.is_empty() {
            min = s.latency;
            max = s.latency;
        } else {
            max = max.max(s.latency);
            min = min.min(s.latency);
        }
        let elapsed = now as i64 - s.time as i64;
        let label = if elapsed < 60 {
            format!("{elapsed}s")
        } else if elapsed < 3600 {
            format!("{}m", elapsed / 60)
        } else if elapsed < 3600 * 24 {
            format!("{}h", elapsed / 3600)
        } else {
            format!("{}d", elapsed / (3600 * 24))
        };
        seq.add(s.latency as f64, label);
    }
    let mut g = format!(
        "{event} - high {max} ms, low {min} ms (all time high {} ms)\n",
        series.max()
    );
    for _ in 0..LATENCY_GRAPH_COLS {
        g.push('-');
    }
    g.push('\n');
    seq.render(&mut g, LATENCY_GRAPH_COLS, 4);
    g
}

/// A sequence of labelled samples drawn as Redis's `sparkline.c` draws them (with
/// `SPARKLINE_FILL`).
#[derive(Default)]
struct Sparkline {
    samples: Vec<(f64, String)>,
    labels: usize,
    min: f64,
    max: f64,
}

impl Sparkline {
    fn add(&mut self, value: f64, label: String) {
        if self.samples.is_empty() {
            self.min = value;
            self.max = value;
        } else if value < self.min {
            self.min = value;
        } else if value > self.max {
            self.max = value;
        }
        if !label.is_empty() {
            self.labels += 1;
        }
        self.samples.push((value, label));
    }

    /// `sparklineRender`: the sequence in chunks of `columns` samples.
    fn render(&self, out: &mut String, columns: usize, rows: usize) {
        let mut j = 0;
        while j < self.samples.len() {
            let len = (self.samples.len() - j).min(columns);
            if j != 0 {
                out.push('\n');
            }
            self.render_range(out, rows, j, len);
            j += columns;
        }
    }

    /// `sparklineRenderRange`.
    fn render_range(&self, out: &mut String, rows: usize, offset: usize, len: usize) {
        const FILL: &[u8] = b"_o#";
        const LABEL_MARGIN_TOP: usize = 1;
        let charset_len = FILL.len();
        let steps = (charset_len * rows) as i64;
        let relmax = if self.max - self.min == 0.0 {
            1.0
        } else {
            self.max - self.min
        };
        let mut row = 0usize;
        loop {
            let mut any = false;
            let mut chars = alloc::vec![b' '; len];
            for (j, c) in chars.iter_mut().enumerate() {
                let (value, label) = &self.samples[j + offset];
                let relval = value - self.min;
                // C: `(int) (relval*steps)/relmax`, then stored in an int.
                let mut step = (((relval * steps as f64) as i64) as f64 / relmax) as i64;
                step = step.clamp(0, steps - 1);
                if row < rows {
                    let charidx = step - ((rows - row - 1) * charset_len) as i64;
                    any = true;
                    if charidx >= 0 && (charidx as usize) < charset_len {
                        *c = FILL[charidx as usize];
                    } else if charidx >= charset_len as i64 {
                        *c = b'|';
                    }
                } else {
                    if self.labels > 0 && row - rows < LABEL_MARGIN_TOP {
                        any = true;
                        break;
                    }
                    let label_char = row - rows - LABEL_MARGIN_TOP;
                    if let Some(&b) = label.as_bytes().get(label_char) {
                        any = true;
                        *c = b;
                    }
                }
            }
            if !any {
                break;
            }
            row += 1;
            out.push_str(&String::from_utf8_lossy(&chars));
            out.push('\n');
        }
    }
}

/// The figures LATENCY DOCTOR gives for one event (`analyzeLatencyForEvent`).
struct EventStats {
    samples: u64,
    avg: u64,
    mad: u64,
    period: u64,
}

fn analyze(series: &Series, now: u64) -> EventStats {
    let (mut samples, mut sum, mut oldest) = (0u64, 0u64, 0u64);
    for s in series.history() {
        samples += 1;
        sum += s.latency as u64;
        if oldest == 0 || s.time < oldest {
            oldest = s.time;
        }
    }
    if samples == 0 {
        return EventStats {
            samples: 0,
            avg: 0,
            mad: 0,
            period: 0,
        };
    }
    let avg = sum / samples;
    let period = match now.saturating_sub(oldest) {
        0 => 1,
        p => p,
    };
    let dev: u64 = series
        .history()
        .map(|s| (avg as i64 - s.latency as i64).unsigned_abs())
        .sum();
    EventStats {
        samples,
        avg,
        mad: dev / samples,
        period,
    }
}

/// LATENCY DOCTOR's report, as Redis's `createLatencyReport` for the events Anax records
/// (`command`, `fast-command`, `expire-cycle`); `now` in Unix seconds.
pub fn latency_doctor(latency: &Latency, cfg: &Config, now: u64) -> String {
    if latency.is_empty() && cfg.latency_monitor_threshold == 0 {
        return String::from(
            "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis \
             instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" \
             in order to enable it. If we weren't in a deep space mission I'd suggest to take \
             a look at https://redis.io/topics/latency-monitor.\n",
        );
    }
    let mut report = String::new();
    let (mut slowlog_enabled, mut slowlog_tuning, mut slowlog_inspect) = (false, false, false);
    let (mut scheduler, mut hz, mut large_objects) = (false, false, false);
    let mut advices = 0;
    for (eventnum, (event, series)) in latency.iter().enumerate() {
        if eventnum == 0 {
            report.push_str(
                "Dave, I have observed latency spikes in this Redis instance. You don't mind \
                 talking about it, do you Dave?\n\n",
            );
        }
        let ls = analyze(series, now);
        let period = if ls.samples == 0 {
            0.0
        } else {
            ls.period as f64 / ls.samples as f64
        };
        report.push_str(&format!(
            "{}. {}: {} latency spikes (average {}ms, mean deviation {}ms, period {:.2} sec). \
             Worst all time event {}ms.",
            eventnum + 1,
            event,
            ls.samples,
            ls.avg,
            ls.mad,
            period,
            series.max()
        ));
        if event.eq_ignore_ascii_case("command") {
            if cfg.slowlog_log_slower_than < 0 {
                slowlog_enabled = true;
                advices += 1;
            } else if (cfg.slowlog_log_slower_than / 1000) as u64 > cfg.latency_monitor_threshold {
                slowlog_tuning = true;
                advices += 1;
            }
            slowlog_inspect = true;
            large_objects = true;
            advices += 2;
        }
        if event.eq_ignore_ascii_case("fast-command") {
            scheduler = true;
            advices += 1;
        }
        if event.eq_ignore_ascii_case("expire-cycle") {
            hz = true;
            large_objects = true;
            advices += 2;
        }
        report.push('\n');
    }
    if latency.is_empty() {
        report.push_str(
            "Dave, no latency spike was observed during the lifetime of this Redis instance, \
             not in the slightest bit. I honestly think you ought to sit down calmly, take a \
             stress pill, and think things over.\n",
        );
        return report;
    }
    if advices == 0 {
        report.push_str(
            "\nWhile there are latency events logged, I'm not able to suggest any easy fix. \
             Please use the Redis community to get some help, providing this report in your \
             help request.\n",
        );
        return report;
    }
    let threshold_us = cfg.latency_monitor_threshold.saturating_mul(1000);
    report.push_str("\nI have a few advices for you:\n\n");
    if slowlog_enabled {
        report.push_str(&format!(
            "- There are latency issues with potentially slow commands you are using. Try to \
             enable the Slow Log Redis feature using the command 'CONFIG SET \
             slowlog-log-slower-than {threshold_us}'. If the Slow log is disabled Redis is not \
             able to log slow commands execution for you.\n"
        ));
    }
    if slowlog_tuning {
        report.push_str(&format!(
            "- Your current Slow Log configuration only logs events that are slower than your \
             configured latency monitor threshold. Please use 'CONFIG SET \
             slowlog-log-slower-than {threshold_us}'.\n"
        ));
    }
    if slowlog_inspect {
        report.push_str(
            "- Check your Slow Log to understand what are the commands you are running which \
             are too slow to execute. Please check https://redis.io/commands/slowlog for more \
             information.\n",
        );
    }
    if scheduler {
        report.push_str(
            "- The system is slow to execute Redis code paths not containing system calls. \
             This usually means the system does not provide Redis CPU time to run for long \
             periods. You should try to:\n  1) Lower the system load.\n  2) Use a computer / \
             VM just for Redis if you are running other software in the same system.\n  3) \
             Check if you have a \"noisy neighbour\" problem.\n  4) Check with 'redis-cli \
             --intrinsic-latency 100' what is the intrinsic latency in your system.\n  5) Check \
             if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you \
             are using Jemalloc. However this may create fragmentation problems.\n",
        );
    }
    if hz && cfg.hz < 100 {
        report.push_str(
            "- In order to make the Redis keys expiring process more incremental, try to set \
             the 'hz' configuration parameter to 100 using 'CONFIG SET hz 100'.\n",
        );
    }
    if large_objects {
        report.push_str(
            "- Deleting, expiring or evicting (because of maxmemory policy) large objects is a \
             blocking operation. If you have very large objects that are often deleted, \
             expired, or evicted, try to fragment those objects into multiple smaller \
             objects.\n",
        );
    }
    report
}

/// What one engine observes: its slow log and its latency events.
#[derive(Clone, Debug, Default)]
pub struct Monitor {
    /// SLOWLOG.
    pub slowlog: SlowLog,
    /// LATENCY.
    pub latency: Latency,
}

impl Monitor {
    /// Records `ms` for `event` at `now_us` when the latency monitor is on and `ms` reaches
    /// its threshold (`latencyAddSampleIfNeeded`).
    #[inline]
    pub fn latency_sample(&mut self, cfg: &Config, event: &'static str, now_us: u64, ms: u64) {
        let t = cfg.latency_monitor_threshold;
        if t > 0 && ms >= t {
            self.latency.add(event, now_us / 1_000_000, ms);
        }
    }
}

/// What the coordinator gathers from the other threads for SLOWLOG and LATENCY (see
/// [`gather`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gather {
    /// SLOWLOG GET: the other threads' newest entries.
    SlowlogGet,
    /// SLOWLOG LEN: the other threads' lengths.
    SlowlogLen,
    /// SLOWLOG RESET: done on the other threads before this one.
    SlowlogReset,
    /// LATENCY LATEST, HISTORY, GRAPH, DOCTOR: the other threads' events.
    Latency,
    /// LATENCY RESET: done on the other threads, which say what they forgot.
    LatencyReset,
}

/// What the other threads hold, for a SLOWLOG or LATENCY subcommand.
#[derive(Clone, Debug, Default)]
pub struct Gathered {
    /// Their slow log entries (SLOWLOG GET).
    pub slowlog: Vec<SlowEntry>,
    /// Their slow log lengths, summed (SLOWLOG LEN).
    pub slowlog_len: usize,
    /// Their latency events (LATENCY LATEST, HISTORY, GRAPH, DOCTOR).
    pub latency: Vec<Latency>,
    /// The events they forgot (LATENCY RESET).
    pub reset: Vec<&'static str>,
}

/// The number of entries SLOWLOG GET asks for: 10 when not given, `usize::MAX` for all
/// (`-1`); `None` when the count is not an integer of at least -1.
pub fn slowlog_get_count(args: Args<'_>) -> Option<usize> {
    match args.try_get(2) {
        None => Some(10),
        Some(a) => match crate::num::parse_i64(a) {
            Some(-1) => Some(usize::MAX),
            Some(n) if n >= 0 => Some(usize::try_from(n).unwrap_or(usize::MAX)),
            _ => None,
        },
    }
}

/// Gathers from the engines of `others` (one shard of each other thread) what `kind` needs,
/// into `into`; the resets are done there before the command runs here.
pub(crate) async fn gather(
    m: &dyn Messenger,
    others: &[usize],
    kind: Gather,
    args: &OwnedArgs,
    into: &mut Gathered,
) {
    match kind {
        Gather::SlowlogGet => {
            let n = Some(slowlog_get_count(args.as_args()).unwrap_or(0));
            let all = join_all(
                others
                    .iter()
                    .map(|&s| hop_sync(m, s, move |e, _| e.state.observe.slowlog.newest(n)))
                    .collect(),
            )
            .await;
            into.slowlog = all.into_iter().flatten().collect();
        }
        Gather::SlowlogLen => {
            let all = join_all(
                others
                    .iter()
                    .map(|&s| hop_sync(m, s, |e, _| e.state.observe.slowlog.len()))
                    .collect(),
            )
            .await;
            into.slowlog_len = all.into_iter().sum();
        }
        Gather::SlowlogReset => {
            join_all(
                others
                    .iter()
                    .map(|&s| hop_sync(m, s, |e, _| e.state.observe.slowlog.reset()))
                    .collect(),
            )
            .await;
        }
        Gather::Latency => {
            into.latency = join_all(
                others
                    .iter()
                    .map(|&s| hop_sync(m, s, |e, _| e.state.observe.latency.clone()))
                    .collect(),
            )
            .await;
        }
        Gather::LatencyReset => {
            let names: Vec<Vec<u8>> = args.as_args().iter().skip(2).map(|a| a.to_vec()).collect();
            let all = join_all(
                others
                    .iter()
                    .map(|&s| {
                        let names = names.clone();
                        hop_sync(m, s, move |e, _| e.state.observe.latency.reset(&names))
                    })
                    .collect(),
            )
            .await;
            into.reset = all.into_iter().flatten().collect();
        }
    }
}

impl Engine {
    /// The slow path of [`count_call`](Engine::count_call), for a call of command row `idx`
    /// with `args` that ended at `end_us` and took `dur_us` (at least [`floor_us`]): its
    /// latency sample (`command` or `fast-command`) and its slow log entry. With a
    /// connection, the entry is logged here; without (a call run for a connection of
    /// another thread), it is returned for that thread to log.
    pub fn observe_call(
        &mut self,
        c: Option<ConnId>,
        idx: usize,
        args: Args<'_>,
        end_us: u64,
        dur_us: u64,
    ) -> Option<SlowCall> {
        let spec = self.state.commands.entries[idx].spec;
        let event = if spec.has(flags::FAST) {
            "fast-command"
        } else {
            "command"
        };
        let st = &mut self.state;
        st.observe
            .latency_sample(&st.config, event, end_us, dur_us / 1000);
        let t = st.config.slowlog_log_slower_than;
        if t < 0 || dur_us < t as u64 || spec.has(flags::SKIP_SLOWLOG) {
            return None;
        }
        let call = SlowCall::new(args, end_us / 1_000_000, dur_us);
        match c {
            Some(c) => {
                self.log_slow(c, call);
                None
            }
            None => Some(call),
        }
    }

    /// Logs a slow call of connection `c` (which lives on this thread) with the client's
    /// address and name and a fresh server-wide id.
    pub fn log_slow(&mut self, c: ConnId, call: SlowCall) {
        let (addr, name) = self
            .conn(c)
            .map(|k| (k.addr.addr.clone(), k.name.clone()))
            .unwrap_or_default();
        let id = self.clients.registry().next_slowlog_id();
        let max = self.state.config.slowlog_max_len;
        self.state.observe.slowlog.push(
            SlowEntry {
                id,
                call,
                addr,
                name,
            },
            max,
        );
    }

    /// Logs the slow calls another thread ran for connection `c` (see
    /// [`observe_call`](Engine::observe_call)).
    pub fn log_slow_calls(&mut self, c: ConnId, calls: impl IntoIterator<Item = SlowCall>) {
        for call in calls {
            self.log_slow(c, call);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn args_of(v: &[&[u8]]) -> Vec<Vec<u8>> {
        slowlog_args(v.iter().copied())
    }

    #[test]
    fn short_calls_are_kept_whole() {
        assert_eq!(
            args_of(&[b"set", b"k", b"v"]),
            vec![b"set".to_vec(), b"k".to_vec(), b"v".to_vec()]
        );
        assert!(args_of(&[]).is_empty());
    }

    #[test]
    fn long_arguments_are_cut_at_128_bytes() {
        let long = [b'a'; 200];
        let got = args_of(&[b"set", b"k", &long]);
        let mut want = vec![b'a'; 128];
        want.extend_from_slice(b"... (72 more bytes)");
        assert_eq!(got[2], want);
        // Exactly 128 bytes stay whole.
        let exact = [b'b'; 128];
        assert_eq!(args_of(&[&exact])[0], exact.to_vec());
        // Binary bytes are kept as they are.
        let bin = [0u8; 130];
        let got = args_of(&[&bin]);
        assert_eq!(&got[0][..128], &[0u8; 128][..]);
        assert_eq!(&got[0][128..], b"... (2 more bytes)");
    }

    #[test]
    fn many_arguments_keep_31_and_a_count() {
        let n: Vec<Vec<u8>> = (0..40).map(|i| format!("{i}").into_bytes()).collect();
        let refs: Vec<&[u8]> = n.iter().map(|v| v.as_slice()).collect();
        let got = slowlog_args(refs.iter().copied());
        assert_eq!(got.len(), 32);
        assert_eq!(got[30], b"30".to_vec());
        assert_eq!(got[31], b"... (9 more arguments)".to_vec());
        // 32 arguments: all kept.
        let got = slowlog_args(refs[..32].iter().copied());
        assert_eq!(got.len(), 32);
        assert_eq!(got[31], b"31".to_vec());
        // 33: the 32nd says "2 more".
        let got = slowlog_args(refs[..33].iter().copied());
        assert_eq!(got[31], b"... (2 more arguments)".to_vec());
    }

    fn entry(id: u64) -> SlowEntry {
        SlowEntry {
            id,
            call: SlowCall {
                time: 1,
                duration: 2,
                args: vec![b"ping".to_vec()],
            },
            addr: String::from("127.0.0.1:1"),
            name: Vec::new(),
        }
    }

    #[test]
    fn slowlog_keeps_the_newest_max_len() {
        let mut log = SlowLog::default();
        for id in 0..5 {
            log.push(entry(id), 3);
        }
        assert_eq!(log.len(), 3);
        let ids: Vec<u64> = log.iter().map(|e| e.id).collect();
        assert_eq!(ids, [4, 3, 2]);
        assert_eq!(log.newest(Some(2)).len(), 2);
        log.push(entry(5), 0);
        assert!(log.is_empty());
        log.push(entry(6), 10);
        log.reset();
        assert!(log.is_empty());
    }

    #[test]
    fn merged_slowlog_is_newest_first_within_the_cap() {
        let a = [entry(5), entry(2), entry(0)];
        let b = [entry(4), entry(3), entry(1)];
        let all = merge_slowlog(a.iter().chain(b.iter()), usize::MAX, None);
        let ids: Vec<u64> = all.iter().map(|e| e.id).collect();
        assert_eq!(ids, [5, 4, 3, 2, 1, 0]);
        let ids: Vec<u64> = merge_slowlog(a.iter().chain(b.iter()), 4, Some(10))
            .iter()
            .map(|e| e.id)
            .collect();
        assert_eq!(ids, [5, 4, 3, 2]);
        assert_eq!(merge_slowlog(a.iter(), 10, Some(0)).len(), 0);
    }

    #[test]
    fn one_sample_per_second_keeps_the_highest() {
        let mut s = Series::default();
        s.add(100, 5);
        s.add(100, 3);
        s.add(100, 9);
        s.add(101, 2);
        let h: Vec<(u64, u32)> = s.history().map(|x| (x.time, x.latency)).collect();
        assert_eq!(h, [(100, 9), (101, 2)]);
        assert_eq!(
            s.latest(),
            Sample {
                time: 101,
                latency: 2
            }
        );
        assert_eq!(s.max(), 9);
    }

    #[test]
    fn history_keeps_the_last_160_seconds() {
        let mut s = Series::default();
        for t in 1..=200u64 {
            s.add(t, t);
        }
        let h: Vec<u64> = s.history().map(|x| x.time).collect();
        assert_eq!(h.len(), LATENCY_TS_LEN);
        assert_eq!(h[0], 41);
        assert_eq!(*h.last().unwrap(), 200);
        assert_eq!(s.max(), 200);
        assert_eq!(s.latest().time, 200);
    }

    #[test]
    fn series_merge_by_second() {
        let mut a = Series::default();
        let mut b = Series::default();
        a.add(10, 4);
        a.add(12, 1);
        b.add(10, 7);
        b.add(11, 2);
        b.add(13, 3);
        let m = Series::merge([&a, &b].into_iter());
        let h: Vec<(u64, u32)> = m.history().map(|x| (x.time, x.latency)).collect();
        assert_eq!(h, [(10, 7), (11, 2), (12, 1), (13, 3)]);
        assert_eq!(m.max(), 7);
        assert_eq!(
            m.latest(),
            Sample {
                time: 13,
                latency: 3
            }
        );
        // Over 160 seconds in all: the newest 160 stay.
        let mut c = Series::default();
        let mut d = Series::default();
        for t in 1..=150u64 {
            c.add(t, 1);
            d.add(t + 150, 2);
        }
        let m = Series::merge([&c, &d].into_iter());
        let h: Vec<u64> = m.history().map(|x| x.time).collect();
        assert_eq!(h.len(), LATENCY_TS_LEN);
        assert_eq!(h[0], 141);
    }

    #[test]
    fn latency_events_reset_by_name_in_any_case() {
        let mut l = Latency::default();
        l.add("command", 5, 10);
        l.add("fast-command", 5, 1);
        assert!(l.get(b"command").is_some());
        assert!(l.get(b"COMMAND").is_none());
        assert_eq!(
            l.reset(&[b"COMMAND".as_slice(), b"command".as_slice()]),
            ["command"]
        );
        assert_eq!(l.len(), 1);
        let none: [&[u8]; 0] = [];
        assert_eq!(l.reset(&none), ["fast-command"]);
        assert!(l.is_empty());
    }

    #[test]
    fn latency_merge_unites_events() {
        let mut a = Latency::default();
        let mut b = Latency::default();
        a.add("command", 5, 10);
        b.add("fast-command", 6, 2);
        b.add("command", 7, 3);
        let m = Latency::merge([&a, &b].into_iter());
        let names: Vec<&str> = m.iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["command", "fast-command"]);
        let (_, s) = m.get(b"command").unwrap();
        assert_eq!(s.max(), 10);
        assert_eq!(
            s.latest(),
            Sample {
                time: 7,
                latency: 3
            }
        );
    }

    #[test]
    fn graph_of_one_sample_as_redis_draws_it() {
        let mut s = Series::default();
        s.add(1000, 50);
        let g = latency_graph("command", &s, 1000);
        let mut want = String::from("command - high 50 ms, low 50 ms (all time high 50 ms)\n");
        want.push_str(&"-".repeat(80));
        want.push_str("\n \n \n \n_\n \n0\ns\n");
        assert_eq!(g, want);
    }

    #[test]
    fn graph_rises_with_the_latency() {
        let mut s = Series::default();
        s.add(1000, 10);
        s.add(1001, 20);
        s.add(1002, 30);
        let g = latency_graph("command", &s, 1003);
        let lines: Vec<&str> = g.lines().collect();
        assert_eq!(
            lines[0],
            "command - high 30 ms, low 10 ms (all time high 30 ms)"
        );
        // Rows from the top: the highest sample reaches the top row.
        assert_eq!(lines[2], "  #");
        assert_eq!(lines[3], " _|");
        assert_eq!(lines[4], " ||");
        assert_eq!(lines[5], "_||");
        assert_eq!(lines[6], "   ");
        assert_eq!(lines[7], "321");
        assert_eq!(lines[8], "sss");
    }

    #[test]
    fn doctor_texts() {
        let mut cfg = Config::default();
        let l = Latency::default();
        assert!(latency_doctor(&l, &cfg, 0).starts_with("I'm sorry, Dave"));
        cfg.latency_monitor_threshold = 1;
        assert!(latency_doctor(&l, &cfg, 0).starts_with("Dave, no latency spike"));
        let mut l = Latency::default();
        l.add("command", 100, 50);
        let r = latency_doctor(&l, &cfg, 100);
        assert!(r.contains(
            "1. command: 1 latency spikes (average 50ms, mean deviation 0ms, period 1.00 sec). \
             Worst all time event 50ms.\n"
        ));
        assert!(r.contains("- Check your Slow Log"));
    }

    #[test]
    fn floor_is_the_lower_threshold() {
        let mut cfg = Config::default();
        assert_eq!(floor_us(&cfg), 10_000);
        cfg.slowlog_log_slower_than = -1;
        assert_eq!(floor_us(&cfg), u64::MAX);
        cfg.latency_monitor_threshold = 5;
        assert_eq!(floor_us(&cfg), 5_000);
        cfg.slowlog_log_slower_than = 0;
        assert_eq!(floor_us(&cfg), 0);
    }
}
