//! The slow log and the latency monitor: what SLOWLOG and LATENCY report, kept as Redis
//! 7.0's `slowlog.c` and `latency.c` keep them; and the per-command latency histograms of
//! LATENCY HISTOGRAM and INFO latencystats ([`LatencyHistogram`], one per command row of
//! each engine, fed by every call while `latency-tracking` is on).
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

/// Durations a [`LatencyHistogram`] tells apart one by one: 0 to 64 µs.
const HIST_EXACT: u64 = 64;
/// Sub-buckets of each power-of-two range above [`HIST_EXACT`].
const HIST_SUB: u64 = 32;
/// The longest duration a [`LatencyHistogram`] keeps (µs): longer calls count as 1 s,
/// as Redis's histograms clamp at `LATENCY_HISTOGRAM_MAX_VALUE`.
pub const HIST_MAX_US: u64 = 1_000_000;
/// Counters of one histogram: 0 µs, 1..=64 µs one each, then 14 power-of-two ranges
/// (up to 2^20 µs) of 32 sub-buckets.
pub const HIST_BUCKETS: usize = 1 + HIST_EXACT as usize + 14 * HIST_SUB as usize;
/// The first labels LATENCY HISTOGRAM reports: Redis's log iteration from 1024 ns by
/// powers of two over its HdrHistogram (1 ns to 1 s, 2 significant figures) reports the
/// highest value equivalent to `1024 << k` ns, in whole µs: 1, 2, 4, 8, 16, 33, 66, ...
/// up to 541065 (2^29 ns).
const CDF_LEVELS: u32 = 20;
/// The label of Redis's last bucket, for calls over 541065 µs: the highest value of the
/// histogram's last counter (2^30 - 1 ns), in whole µs.
const CDF_LAST_LABEL: u64 = 1_073_741;

/// The latency histogram of one command (LATENCY HISTOGRAM, INFO latencystats): how many
/// calls took how long, in whole µs as the engine measures them, up to [`HIST_MAX_US`].
///
/// Log-linear, like Redis's HdrHistogram but coarser: 0 µs and each duration from 1 to 64
/// µs have a bucket of their own; above, every power-of-two range is split into 32 equal
/// buckets, each holding durations `(lo, hi]` with `hi - lo <= hi / 33`: about 3% precision
/// (Redis's 2 significant figures are 1/128). The buckets end on the labels LATENCY
/// HISTOGRAM reports up to 1056 µs, so its counts are exact there, and from 2113 µs within
/// 0.08% of the label. The counters (513 of them, 4 KiB) are allocated on the first
/// call recorded: a command never called costs one empty pointer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LatencyHistogram {
    counts: Option<alloc::boxed::Box<[u64; HIST_BUCKETS]>>,
}

/// The bucket of a duration of `us` µs.
#[inline]
pub fn hist_bucket(us: u64) -> usize {
    let us = us.min(HIST_MAX_US);
    if us <= HIST_EXACT {
        return us as usize;
    }
    // Buckets hold (lo, hi]: the range is that of `us - 1`, 2^e <= w < 2^(e+1), e >= 6.
    let w = us - 1;
    let e = 63 - u64::from(w.leading_zeros());
    let shift = e - 5;
    (HIST_EXACT + 1 + (e - 6) * HIST_SUB + ((w >> shift) - HIST_SUB)) as usize
}

/// The durations bucket `i` holds: `(lo, hi]` in µs (`(0, 0]` stands for 0 µs alone).
pub fn hist_bounds(i: usize) -> (u64, u64) {
    let i = i as u64;
    if i <= HIST_EXACT {
        return (i.saturating_sub(1), i);
    }
    let j = i - HIST_EXACT - 1;
    let shift = j / HIST_SUB + 1;
    let s = j % HIST_SUB;
    ((HIST_SUB + s) << shift, (HIST_SUB + s + 1) << shift)
}

/// HdrHistogram's bucket of `ns` in Redis's histograms (1 ns to 1 s, 2 significant
/// figures: values below 256 exact, then 128 sub-buckets per power of two): its lowest and
/// highest values.
fn hdr_equivalent_range(ns: u64) -> (u64, u64) {
    if ns < 256 {
        return (ns, ns);
    }
    let shift = 63 - u64::from(ns.leading_zeros()) - 7;
    let lo = (ns >> shift) << shift;
    (lo, lo + (1 << shift) - 1)
}

/// Redis's recorded value for a call of `us` µs: nanoseconds, at least 1.
fn redis_ns(us: u64) -> u64 {
    us.saturating_mul(1000).max(1)
}

impl LatencyHistogram {
    /// Counts one call of `us` µs.
    #[inline]
    pub fn record(&mut self, us: u64) {
        let counts = self
            .counts
            .get_or_insert_with(|| alloc::boxed::Box::new([0; HIST_BUCKETS]));
        if let Some(c) = counts.get_mut(hist_bucket(us)) {
            *c += 1;
        }
    }

    /// True before the first call (or after CONFIG RESETSTAT): Redis has no histogram
    /// for the command then.
    pub fn is_empty(&self) -> bool {
        self.counts.is_none()
    }

    /// The calls counted.
    pub fn total(&self) -> u64 {
        self.counts.as_ref().map_or(0, |c| c.iter().sum())
    }

    /// The calls counted in bucket `i`.
    pub fn count(&self, i: usize) -> u64 {
        self.counts
            .as_ref()
            .and_then(|c| c.get(i).copied())
            .unwrap_or(0)
    }

    /// Adds `o`'s counts to these (another thread's histogram of the same command).
    pub fn merge(&mut self, o: &LatencyHistogram) {
        let Some(theirs) = &o.counts else {
            return;
        };
        let mine = self
            .counts
            .get_or_insert_with(|| alloc::boxed::Box::new([0; HIST_BUCKETS]));
        for (a, b) in mine.iter_mut().zip(theirs.iter()) {
            *a += b;
        }
    }

    /// The value INFO latencystats shows for percentile `p` (0 to 100), in ns, as Redis's
    /// `hdr_value_at_percentile` finds it: the bucket where the count reaches `p`% of the
    /// calls (rounded, at least one call), then the highest value HdrHistogram holds
    /// equivalent to the bucket's longest duration (its lowest for `p` = 0). 0 when empty.
    pub fn percentile_ns(&self, p: f64) -> u64 {
        let Some(counts) = &self.counts else {
            return 0;
        };
        let total = self.total();
        if total == 0 {
            return 0;
        }
        let p = if p < 100.0 { p } else { 100.0 };
        let want = (((p / 100.0) * total as f64) + 0.5) as u64;
        let want = want.clamp(1, total);
        let mut seen = 0u64;
        for (i, &n) in counts.iter().enumerate() {
            seen += n;
            if seen >= want {
                let (lo, hi) = hist_bounds(i);
                let hi = hi.min(HIST_MAX_US);
                return if p == 0.0 {
                    let first = if i as u64 <= HIST_EXACT { hi } else { lo + 1 };
                    hdr_equivalent_range(redis_ns(first)).0
                } else {
                    hdr_equivalent_range(redis_ns(hi)).1
                };
            }
        }
        0
    }

    /// LATENCY HISTOGRAM's `histogram_usec`: (label in µs, calls that took at most that
    /// long) at Redis's labels (1, 2, 4, 8, 16, 33, 66, ... 541065, then 1073741 for the
    /// slowest), those where the count grew only, as Redis's `fillCommandCDF` reports them.
    /// A bucket counts at a label when its longest duration is within it.
    pub fn cdf(&self) -> Vec<(u64, u64)> {
        let mut out = Vec::new();
        let Some(counts) = &self.counts else {
            return out;
        };
        let total = self.total();
        let (mut cum, mut next, mut reported) = (0u64, 0usize, 0u64);
        for k in 0..CDF_LEVELS {
            let label = hdr_equivalent_range(1024u64 << k).1 / 1000;
            while next < HIST_BUCKETS && hist_bounds(next).1 <= label {
                cum += counts[next];
                next += 1;
            }
            if cum > reported {
                out.push((label, cum));
                reported = cum;
            }
        }
        if total > reported {
            out.push((CDF_LAST_LABEL, total));
        }
        out
    }
}

/// A percentile's name in INFO latencystats and CONFIG GET: C's `%f` without its trailing
/// zeros (Redis's `trimDoubleString`): `50`, `99.9`, `0.0001`.
pub fn percentile_name(p: f64) -> String {
    let mut s = format!("{p:.6}");
    if s.contains('.') {
        while s.ends_with('0') {
            s.pop();
        }
        if s.ends_with('.') {
            s.pop();
        }
    }
    s
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
    /// LATENCY HISTOGRAM: the other threads' per-command latency histograms.
    Histogram,
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
    /// Their latency histograms summed, by command row; empty rows (and rows past the end)
    /// had no call (LATENCY HISTOGRAM).
    pub histograms: Vec<LatencyHistogram>,
}

/// The latency histograms of one engine's commands that have one, by command row.
pub fn histograms_of(e: &Engine) -> Vec<(usize, LatencyHistogram)> {
    e.state
        .commands
        .entries
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.latency.is_empty())
        .map(|(i, c)| (i, c.latency.clone()))
        .collect()
}

/// Adds histograms by command row into `into` (indexed by row, grown as needed).
pub fn merge_histograms<'a>(
    into: &mut Vec<LatencyHistogram>,
    parts: impl IntoIterator<Item = (usize, &'a LatencyHistogram)>,
) {
    for (i, h) in parts {
        if h.is_empty() {
            continue;
        }
        if into.len() <= i {
            into.resize(i + 1, LatencyHistogram::default());
        }
        if let Some(slot) = into.get_mut(i) {
            slot.merge(h);
        }
    }
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
        Gather::Histogram => {
            let all = join_all(
                others
                    .iter()
                    .map(|&s| hop_sync(m, s, |e, _| histograms_of(e)))
                    .collect(),
            )
            .await;
            let parts = all.iter().flatten().map(|(i, h)| (*i, h));
            merge_histograms(&mut into.histograms, parts);
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
    fn histogram_buckets_are_exact_to_64_us_then_32_per_power_of_two() {
        // Each duration up to 64 µs has its own bucket, 0 included.
        for us in 0..=64u64 {
            assert_eq!(hist_bucket(us), us as usize);
            assert_eq!(hist_bounds(us as usize).1, us);
        }
        // Then buckets of (lo, hi]: 2 µs wide from 64, 4 from 128, ...
        assert_eq!(hist_bounds(65), (64, 66));
        assert_eq!(hist_bucket(65), 65);
        assert_eq!(hist_bucket(66), 65);
        assert_eq!(hist_bucket(67), 66);
        assert_eq!(hist_bounds(65 + 32), (128, 132));
        assert_eq!(hist_bucket(128), 65 + 31);
        assert_eq!(hist_bucket(129), 65 + 32);
        // Every duration lands in the bucket whose bounds hold it; buckets are contiguous
        // and each is at most 1/33 of its top wide.
        let mut prev_hi = 0;
        for i in 0..HIST_BUCKETS {
            let (lo, hi) = hist_bounds(i);
            if i > 0 {
                assert_eq!(lo, prev_hi, "bucket {i}");
            }
            assert!(
                hi - lo <= hi.max(1) / 33 || hi <= 64,
                "bucket {i}: ({lo}, {hi}]"
            );
            prev_hi = hi;
        }
        assert_eq!(prev_hi, 1 << 20);
        for us in [
            1u64, 63, 64, 65, 100, 1000, 1056, 1057, 2113, 65_537, 999_999,
        ] {
            let (lo, hi) = hist_bounds(hist_bucket(us));
            assert!(lo < us && us <= hi, "{us} in ({lo}, {hi}]");
        }
        // Longer than a second counts as a second, as Redis clamps.
        assert_eq!(hist_bucket(u64::MAX), hist_bucket(HIST_MAX_US));
        assert!(hist_bucket(HIST_MAX_US) < HIST_BUCKETS);
    }

    #[test]
    fn histogram_allocates_on_the_first_call() {
        let mut h = LatencyHistogram::default();
        assert!(h.is_empty());
        assert_eq!(h.total(), 0);
        assert_eq!(h.percentile_ns(50.0), 0);
        assert!(h.cdf().is_empty());
        h.record(0);
        assert!(!h.is_empty());
        h.record(5);
        h.record(5);
        assert_eq!(h.total(), 3);
        assert_eq!(h.count(0), 1);
        assert_eq!(h.count(5), 2);
    }

    #[test]
    fn percentiles_as_redis_shows_them() {
        // One call of each: Redis's HdrHistogram values (ns) for a call of whole µs.
        let one = |us: u64, p: f64| {
            let mut h = LatencyHistogram::default();
            h.record(us);
            h.percentile_ns(p)
        };
        // 0 µs is recorded as 1 ns by Redis: `p50=0.001`.
        assert_eq!(one(0, 50.0), 1);
        // 1 µs = 1000 ns, in HdrHistogram's [512, 1024) range of 4 ns steps: 1003.
        assert_eq!(one(1, 50.0), 1003);
        // Values redis-server 7.0 printed: 3.007, 11.007 (p0: 10.944), 22.015.
        assert_eq!(one(3, 99.9), 3007);
        assert_eq!(one(11, 50.0), 11_007);
        assert_eq!(one(11, 0.0), 10_944);
        assert_eq!(one(22, 50.0), 22_015);
        // Redis printed 71.167 for 71 µs; here the top of its bucket, (70, 72].
        assert_eq!(one(71, 100.0), 72_191);
        // Above 64 µs, the top of the bucket (66 µs for 65).
        assert_eq!(one(65, 50.0), 66_047);
        // p0 is the lowest value of the first bucket with calls.
        assert_eq!(one(65, 0.0), 64_768);
        // Redis's rounding of the count: (p/100 * n + 0.5), at least 1.
        let mut h = LatencyHistogram::default();
        for us in 1..=10u64 {
            h.record(us);
        }
        assert_eq!(h.percentile_ns(50.0), 5_023); // the 5th call
        assert_eq!(h.percentile_ns(54.9), 5_023); // 5.49 + 0.5 -> 5
        assert_eq!(h.percentile_ns(55.0), 6_015); // 6th
        assert_eq!(h.percentile_ns(99.0), 10_047);
        assert_eq!(h.percentile_ns(100.0), 10_047);
        assert_eq!(h.percentile_ns(0.0001), 1_003); // the first, at least one call
        assert_eq!(h.percentile_ns(0.0), 1_000);
        // A second: Redis's 1e9 ns bucket.
        assert_eq!(one(5_000_000, 50.0), 1_002_438_655);
    }

    #[test]
    fn cdf_at_redis_labels() {
        let mut h = LatencyHistogram::default();
        assert!(h.cdf().is_empty());
        // redis-server 7.0: DEBUG SLEEP 0.7, 0 (~99 µs) and 0.3 gave 132 => 1,
        // 541065 => 2, 1073741 => 3.
        h.record(99);
        h.record(301_989);
        h.record(700_448);
        assert_eq!(h.cdf(), [(132, 1), (541_065, 2), (1_073_741, 3)]);
        // Labels only where the count grows; 0 and 1 µs both within the first.
        let mut h = LatencyHistogram::default();
        for us in [0, 1, 2, 3, 3, 16, 17, 33, 34, 66, 67, 1056, 1057] {
            h.record(us);
        }
        assert_eq!(
            h.cdf(),
            [
                (1, 2),
                (2, 3),
                (4, 5),
                (16, 6),
                (33, 8),
                (66, 10),
                (132, 11),
                (1056, 12),
                (2113, 13)
            ]
        );
        // Every label Redis can report.
        let mut h = LatencyHistogram::default();
        for k in 0..20 {
            h.record(1u64 << k);
        }
        h.record(HIST_MAX_US);
        let labels: Vec<u64> = h.cdf().iter().map(|&(l, _)| l).collect();
        assert_eq!(
            labels,
            [
                1, 2, 4, 8, 16, 33, 66, 132, 264, 528, 1056, 2113, 4227, 8454, 16908, 33816, 67633,
                135266, 270532, 541065, 1073741
            ]
        );
        let counts: Vec<u64> = h.cdf().iter().map(|&(_, c)| c).collect();
        assert_eq!(counts, (1..=21).collect::<Vec<u64>>());
    }

    #[test]
    fn cdf_counts_are_cumulative_and_end_at_the_total() {
        let mut h = LatencyHistogram::default();
        let mut x = 12345u64;
        for _ in 0..5000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            h.record((x >> 33) % 2_000_000);
        }
        let cdf = h.cdf();
        assert!(cdf.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 < w[1].1));
        assert_eq!(cdf.last().unwrap().1, 5000);
        // Up to 1056 µs the counts are exact.
        let mut exact = LatencyHistogram::default();
        let durations: Vec<u64> = (0..3000u64).map(|i| (i * 7919) % 1100).collect();
        for &d in &durations {
            exact.record(d);
        }
        for (label, count) in exact.cdf() {
            if label <= 1056 {
                let want = durations.iter().filter(|&&d| d <= label).count() as u64;
                assert_eq!(count, want, "label {label}");
            }
        }
    }

    #[test]
    fn histograms_merge_by_bucket() {
        let mut a = LatencyHistogram::default();
        let mut b = LatencyHistogram::default();
        a.record(1);
        a.record(100);
        b.record(1);
        b.record(5000);
        let empty = LatencyHistogram::default();
        let mut m = a.clone();
        m.merge(&b);
        m.merge(&empty);
        assert_eq!(m.total(), 4);
        assert_eq!(m.count(1), 2);
        assert_eq!(m.cdf(), [(1, 2), (132, 3), (8454, 4)]);
        // Into an empty one: a copy.
        let mut e = LatencyHistogram::default();
        e.merge(&a);
        assert_eq!(e, a);
        e.merge(&empty);
        assert_eq!(e, a);
        // By command row.
        let mut rows = Vec::new();
        merge_histograms(&mut rows, [(3, &a), (1, &empty), (3, &b)]);
        assert_eq!(rows.len(), 4);
        assert!(rows[1].is_empty() && rows[0].is_empty());
        assert_eq!(rows[3], m);
    }

    #[test]
    fn percentile_names_as_c_prints_them_trimmed() {
        assert_eq!(percentile_name(50.0), "50");
        assert_eq!(percentile_name(99.9), "99.9");
        assert_eq!(percentile_name(0.0001), "0.0001");
        assert_eq!(percentile_name(99.99999), "99.99999");
        assert_eq!(percentile_name(99.9999999), "100");
        assert_eq!(percentile_name(1e-7), "0");
        assert_eq!(percentile_name(-0.0), "-0");
        assert_eq!(percentile_name(100.0), "100");
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
