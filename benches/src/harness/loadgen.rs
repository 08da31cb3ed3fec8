//! The harness's own load generator: GET or SET over many connections, closed loop (as fast
//! as the server answers) or open loop (at a fixed rate, latency measured from the intended
//! send time, so a stalled server cannot hide its stall by slowing the load down: no
//! coordinated omission).
//!
//! Each thread drives its share of the connections with non-blocking sockets and one
//! `polling` poller (level-triggered; sub-millisecond timeouts through timerfd). Requests are
//! written with [`anax_protocol::encode_request`] and replies read with
//! [`anax_protocol::decode`]; latencies go into an hdrhistogram in nanoseconds.
//!
//! - Closed loop: each connection sends a batch of `pipeline` requests, waits for all the
//!   replies, and sends the next, until the connections together have sent `ops`. Latency
//!   is from the batch's send to each reply (what redis-benchmark measures).
//! - Open loop: connection `i` of `C` is due to send a batch of `pipeline` requests every
//!   `C * pipeline / rate` seconds, the first at `i / C` of that interval. It sends when due
//!   whether or not earlier replies have come back, and each request's latency runs from the
//!   time it was due, not from when it could actually be written.

use super::client::{key_name, value_for};
use anax_protocol::{decode, encode_request, Value};
use hdrhistogram::Histogram;
use polling::{Event, Events, PollMode, Poller};
use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

/// The command each request sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Workload {
    /// `GET key:%012d`.
    Get,
    /// `SET key:%012d <value>`.
    Set,
}

impl Workload {
    /// `GET` or `SET`.
    pub fn name(&self) -> &'static str {
        match self {
            Workload::Get => "GET",
            Workload::Set => "SET",
        }
    }
}

/// Closed or open loop.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Mode {
    /// Send `ops` requests in all, each connection keeping one batch in flight.
    Closed {
        /// Requests in all.
        ops: u64,
    },
    /// Send at `rate` requests a second in all for `duration` (or until
    /// [`LoadSpec::stop`] is set).
    Open {
        /// Requests per second, all connections together.
        rate: f64,
        /// How long to send for.
        duration: Duration,
    },
}

/// One load.
#[derive(Clone, Debug)]
pub struct LoadSpec {
    /// Server address.
    pub addr: SocketAddr,
    /// What to send.
    pub workload: Workload,
    /// Connections.
    pub conns: usize,
    /// Threads driving them (at most `conns`).
    pub threads: usize,
    /// Requests per batch.
    pub pipeline: usize,
    /// Keys are `key:%012d` of `0..keyspace`, uniformly at random.
    pub keyspace: u64,
    /// SET value size.
    pub value_size: usize,
    /// Closed or open loop.
    pub mode: Mode,
    /// Random seed.
    pub seed: u64,
    /// Open loop: stop sending early when this becomes true.
    pub stop: Option<Arc<AtomicBool>>,
    /// Open loop: how long to wait for outstanding replies after the last send
    /// ([`DRAIN`]); what has not come back by then counts as unanswered.
    pub drain: Duration,
}

/// What a load measured.
pub struct LoadResult {
    /// Replies received.
    pub ops: u64,
    /// Error replies among them.
    pub errors: u64,
    /// The first error reply's text.
    pub first_error: Option<String>,
    /// Requests sent and never answered (open loop: still outstanding when the drain time
    /// ran out).
    pub unanswered: u64,
    /// From the start to the last reply.
    pub elapsed: Duration,
    /// Latency of each reply, nanoseconds.
    pub hist: Histogram<u64>,
    /// Open loop: how late each batch was issued after its due time, nanoseconds (the load
    /// generator's own lateness, which the latencies include).
    pub lag: Histogram<u64>,
    /// CPU time the load generator's threads used, nanoseconds (0 when unknown).
    pub client_cpu_ns: u64,
    /// Threads that drove the load.
    pub client_threads: usize,
}

impl LoadResult {
    /// Replies per second.
    pub fn throughput(&self) -> f64 {
        let s = self.elapsed.as_secs_f64();
        if s > 0.0 {
            self.ops as f64 / s
        } else {
            0.0
        }
    }

    /// How busy the load generator's threads were: CPU time / (elapsed time x threads).
    /// Near 1 the load generator itself was the bottleneck, and latency includes its own
    /// queueing.
    pub fn client_busy(&self) -> f64 {
        let wall = self.elapsed.as_nanos() as f64 * self.client_threads.max(1) as f64;
        if wall > 0.0 {
            self.client_cpu_ns as f64 / wall
        } else {
            0.0
        }
    }

    /// Latency at percentile `q` (0-100), milliseconds.
    pub fn percentile_ms(&self, q: f64) -> f64 {
        self.hist.value_at_quantile(q / 100.0) as f64 / 1e6
    }
}

/// How long the open loop waits by default for outstanding replies after its last send.
pub const DRAIN: Duration = Duration::from_secs(10);

/// The longest a closed-loop run may take before it is given up.
const CLOSED_LIMIT: Duration = Duration::from_secs(300);

/// A new latency histogram: 1 ns to 10 minutes, 3 significant figures.
pub fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 600_000_000_000, 3).expect("valid histogram bounds")
}

/// Runs one load to the end.
pub fn run(spec: &LoadSpec) -> Result<LoadResult, String> {
    if spec.conns == 0 || spec.pipeline == 0 {
        return Err("connections and pipeline must be at least 1".into());
    }
    let threads = spec.threads.clamp(1, spec.conns);
    // Connect everything before the clock starts.
    let mut groups: Vec<Vec<Conn>> = (0..threads).map(|_| Vec::new()).collect();
    for i in 0..spec.conns {
        let c = Conn::connect(spec, i).map_err(|e| format!("connect {}: {e}", spec.addr))?;
        groups[i % threads].push(c);
    }
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = groups
        .into_iter()
        .map(|conns| {
            let spec = spec.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                drive(&spec, conns)
            })
        })
        .collect();
    let mut total = LoadResult {
        ops: 0,
        errors: 0,
        first_error: None,
        unanswered: 0,
        elapsed: Duration::ZERO,
        hist: new_histogram(),
        lag: new_histogram(),
        client_cpu_ns: 0,
        client_threads: threads,
    };
    let mut failure = None;
    for h in handles {
        match h.join() {
            Ok(Ok(r)) => {
                total.ops += r.ops;
                total.errors += r.errors;
                total.unanswered += r.unanswered;
                if total.first_error.is_none() {
                    total.first_error = r.first_error;
                }
                total.elapsed = total.elapsed.max(r.elapsed);
                total.client_cpu_ns += r.client_cpu_ns;
                total
                    .hist
                    .add(&r.hist)
                    .map_err(|e| format!("histogram: {e}"))?;
                total
                    .lag
                    .add(&r.lag)
                    .map_err(|e| format!("histogram: {e}"))?;
            }
            Ok(Err(e)) => failure = Some(e),
            Err(_) => failure = Some("load generator thread panicked".to_string()),
        }
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(total),
    }
}

/// xorshift64*: cheap, good enough to pick keys.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

struct Conn {
    index: usize,
    stream: TcpStream,
    out: Vec<u8>,
    out_pos: usize,
    inbuf: Vec<u8>,
    in_pos: usize,
    in_len: usize,
    /// When each outstanding request was sent (closed loop) or due (open loop), ns since
    /// the start.
    stamps: VecDeque<u64>,
    /// Requests not yet issued.
    left: u64,
    /// Open loop: when the next batch is due, ns since the start.
    next_due: u64,
    /// Open loop: ns between batches.
    interval: u64,
    write_armed: bool,
    rng: Rng,
}

impl Conn {
    fn connect(spec: &LoadSpec, index: usize) -> io::Result<Conn> {
        let stream = TcpStream::connect(spec.addr)?;
        stream.set_nodelay(true)?;
        stream.set_nonblocking(true)?;
        let p = spec.pipeline as u64;
        let (left, next_due, interval) = match spec.mode {
            Mode::Closed { ops } => {
                // Spread `ops` over the connections; the first ones take the remainder.
                let n = spec.conns as u64;
                let share = ops / n + u64::from((index as u64) < ops % n);
                (share, 0, 0)
            }
            Mode::Open { rate, duration } => {
                let per_conn = rate / spec.conns as f64;
                let interval = (p as f64 / per_conn * 1e9).max(1.0) as u64;
                let batches = ((duration.as_secs_f64() * per_conn) / p as f64).floor() as u64;
                let first = interval * index as u64 / spec.conns as u64;
                (batches.max(1) * p, first, interval)
            }
        };
        Ok(Conn {
            index,
            stream,
            out: Vec::with_capacity(16 * 1024),
            out_pos: 0,
            inbuf: vec![0; 64 * 1024],
            in_pos: 0,
            in_len: 0,
            stamps: VecDeque::new(),
            left,
            next_due,
            interval,
            write_armed: false,
            rng: Rng(crate::mix(spec.seed ^ (index as u64).wrapping_mul(0x9E37)) | 1),
        })
    }

    fn push_request(&mut self, spec: &LoadSpec, value: &[u8]) {
        let key = key_name(self.rng.next() % spec.keyspace.max(1));
        match spec.workload {
            Workload::Get => encode_request(&[&b"GET"[..], &key], &mut self.out),
            Workload::Set => encode_request(&[&b"SET"[..], &key, value], &mut self.out),
        }
    }

    /// Writes what it can; `Ok(true)` when output remains (wait for writable).
    fn flush(&mut self) -> io::Result<bool> {
        while self.out_pos < self.out.len() {
            match self.stream.write(&self.out[self.out_pos..]) {
                Ok(0) => return Err(io::Error::new(io::ErrorKind::WriteZero, "write zero")),
                Ok(n) => self.out_pos += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if self.out_pos == self.out.len() {
            self.out.clear();
            self.out_pos = 0;
            Ok(false)
        } else {
            Ok(true)
        }
    }

    /// Reads what is there and records a latency for each complete reply.
    fn read(&mut self, start: Instant, stats: &mut ThreadStats) -> Result<(), String> {
        loop {
            if self.in_len == self.inbuf.len() {
                if self.in_pos > 0 {
                    self.inbuf.copy_within(self.in_pos..self.in_len, 0);
                    self.in_len -= self.in_pos;
                    self.in_pos = 0;
                } else {
                    let n = self.inbuf.len() * 2;
                    self.inbuf.resize(n, 0);
                }
            }
            let room = self.inbuf.len() - self.in_len;
            let filled = match self.stream.read(&mut self.inbuf[self.in_len..]) {
                Ok(0) => {
                    return Err(format!(
                        "the server closed connection {} with {} requests outstanding",
                        self.index,
                        self.stamps.len()
                    ))
                }
                Ok(n) => {
                    self.in_len += n;
                    n == room
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(format!("read from connection {}: {e}", self.index)),
            };
            let now = start.elapsed().as_nanos() as u64;
            while self.in_pos < self.in_len {
                match decode(&self.inbuf[self.in_pos..self.in_len]) {
                    Ok(Some((v, used))) => {
                        self.in_pos += used;
                        let Some(stamp) = self.stamps.pop_front() else {
                            return Err(format!(
                                "connection {}: a reply nobody asked for: {v:?}",
                                self.index
                            ));
                        };
                        stats
                            .hist
                            .saturating_record(now.saturating_sub(stamp).max(1));
                        stats.ops += 1;
                        stats.last_reply = now;
                        if let Value::Error(e) = v {
                            stats.errors += 1;
                            if stats.first_error.is_none() {
                                stats.first_error = Some(String::from_utf8_lossy(&e).into());
                            }
                        }
                    }
                    Ok(None) => break,
                    Err(e) => return Err(format!("connection {}: bad reply: {e}", self.index)),
                }
            }
            if self.in_pos == self.in_len {
                self.in_pos = 0;
                self.in_len = 0;
            }
            // A short read took everything there was: the (level-triggered) poller says
            // when more comes, which saves a read that would only say WouldBlock.
            if !filled {
                return Ok(());
            }
        }
    }
}

struct ThreadStats {
    ops: u64,
    errors: u64,
    first_error: Option<String>,
    last_reply: u64,
    hist: Histogram<u64>,
    lag: Histogram<u64>,
}

/// The connections of one thread, registered with its poller; deregistered when dropped.
struct Registered {
    poller: Poller,
    conns: Vec<Conn>,
}

impl Drop for Registered {
    fn drop(&mut self) {
        for c in &self.conns {
            let _ = self.poller.delete(&c.stream);
        }
    }
}

fn drive(spec: &LoadSpec, conns: Vec<Conn>) -> Result<LoadResult, String> {
    let poller = Poller::new().map_err(|e| format!("poller: {e}"))?;
    let mut reg = Registered {
        poller,
        conns: Vec::with_capacity(conns.len()),
    };
    for c in conns {
        let key = reg.conns.len();
        // SAFETY: the stream lives in `reg.conns` from here on, and `Registered::drop`
        // deletes it from the poller before the conns (and so the stream) are dropped.
        unsafe {
            reg.poller
                .add_with_mode(&c.stream, Event::readable(key), PollMode::Level)
                .map_err(|e| format!("poller add: {e}"))?;
        }
        reg.conns.push(c);
    }
    let value = value_for(0, spec.value_size);
    let mut stats = ThreadStats {
        ops: 0,
        errors: 0,
        first_error: None,
        last_reply: 0,
        hist: new_histogram(),
        lag: new_histogram(),
    };
    let mut events = Events::new();
    let cpu0 = thread_cpu_ns();
    let start = Instant::now();
    let p = spec.pipeline as u64;
    let (open, end) = match spec.mode {
        Mode::Closed { .. } => (false, CLOSED_LIMIT),
        Mode::Open { duration, .. } => (true, duration + spec.drain),
    };
    let Registered { poller, conns } = &mut reg;
    loop {
        let now = start.elapsed().as_nanos() as u64;
        if open
            && spec
                .stop
                .as_ref()
                .is_some_and(|s| s.load(Ordering::Relaxed))
        {
            for c in conns.iter_mut() {
                c.left = 0;
            }
        }
        let mut next_due = u64::MAX;
        let mut active = false;
        for (key, c) in conns.iter_mut().enumerate() {
            if open {
                while c.left > 0 && c.next_due <= now {
                    stats.lag.saturating_record(now - c.next_due + 1);
                    let b = p.min(c.left);
                    for _ in 0..b {
                        c.push_request(spec, &value);
                        c.stamps.push_back(c.next_due);
                    }
                    c.left -= b;
                    c.next_due += c.interval;
                }
                if c.left > 0 {
                    next_due = next_due.min(c.next_due);
                }
            } else if c.stamps.is_empty() && c.left > 0 {
                let b = p.min(c.left);
                for _ in 0..b {
                    c.push_request(spec, &value);
                    c.stamps.push_back(now);
                }
                c.left -= b;
            }
            if !c.out.is_empty() {
                let pending = c
                    .flush()
                    .map_err(|e| format!("write to connection {}: {e}", c.index))?;
                if pending != c.write_armed {
                    let ev = if pending {
                        Event::all(key)
                    } else {
                        Event::readable(key)
                    };
                    poller
                        .modify_with_mode(&c.stream, ev, PollMode::Level)
                        .map_err(|e| format!("poller modify: {e}"))?;
                    c.write_armed = pending;
                }
            }
            if c.left > 0 || !c.stamps.is_empty() {
                active = true;
            }
        }
        if !active {
            break;
        }
        if start.elapsed() > end {
            if !open {
                return Err(format!(
                    "closed loop gave up after {CLOSED_LIMIT:?} with {} replies",
                    stats.ops
                ));
            }
            break;
        }
        // Wake for the next due batch, and at least every 100 ms to check the clock.
        let cap = now + 100_000_000;
        let wake = start + Duration::from_nanos(next_due.min(cap));
        events.clear();
        poller
            .wait_deadline(&mut events, wake)
            .map_err(|e| format!("poll: {e}"))?;
        for ev in events.iter() {
            let c = &mut conns[ev.key];
            if ev.readable {
                c.read(start, &mut stats)?;
            }
            if ev.writable && !c.out.is_empty() {
                c.flush()
                    .map_err(|e| format!("write to connection {}: {e}", c.index))?;
            }
        }
    }
    let unanswered = conns.iter().map(|c| c.stamps.len() as u64).sum();
    let client_cpu_ns = match (cpu0, thread_cpu_ns()) {
        (Some(a), Some(b)) => b.saturating_sub(a),
        _ => 0,
    };
    Ok(LoadResult {
        ops: stats.ops,
        errors: stats.errors,
        first_error: stats.first_error,
        unanswered,
        elapsed: Duration::from_nanos(stats.last_reply),
        hist: stats.hist,
        lag: stats.lag,
        client_cpu_ns,
        client_threads: 1,
    })
}

/// CPU time of the calling thread so far (`/proc/thread-self/schedstat`), nanoseconds.
fn thread_cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// A tiny RESP server on a thread for the tests: answers every request with `+OK` after
/// `delay` (the first `stall_after` requests at once).
#[cfg(test)]
pub(crate) fn test_server(delay: Duration, stall_after: u64) -> SocketAddr {
    use anax_protocol::RequestParser;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let seen = Arc::new(std::sync::atomic::AtomicU64::new(0));
        for s in listener.incoming() {
            let Ok(mut s) = s else { return };
            let seen = seen.clone();
            std::thread::spawn(move || {
                let mut parser = RequestParser::new();
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let n = match s.read(&mut chunk) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => n,
                    };
                    buf.extend_from_slice(&chunk[..n]);
                    let mut replies = Vec::new();
                    while let Ok(anax_protocol::Parsed::Request(_, consumed)) = parser.parse(&buf) {
                        buf.drain(..consumed);
                        replies.extend_from_slice(b"+OK\r\n");
                        if seen.fetch_add(1, Ordering::Relaxed) >= stall_after {
                            std::thread::sleep(delay);
                        }
                    }
                    if s.write_all(&replies).is_err() {
                        return;
                    }
                }
            });
        }
    });
    addr
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(addr: SocketAddr, mode: Mode) -> LoadSpec {
        LoadSpec {
            addr,
            workload: Workload::Set,
            conns: 4,
            threads: 2,
            pipeline: 4,
            keyspace: 100,
            value_size: 16,
            mode,
            seed: 1,
            stop: None,
            drain: DRAIN,
        }
    }

    #[test]
    fn closed_loop_counts_every_reply() {
        let addr = test_server(Duration::ZERO, u64::MAX);
        let r = run(&spec(addr, Mode::Closed { ops: 1001 })).unwrap();
        assert_eq!(r.ops, 1001);
        assert_eq!(r.errors, 0);
        assert_eq!(r.unanswered, 0);
        assert_eq!(r.hist.len(), 1001);
        assert!(r.throughput() > 0.0);
    }

    #[test]
    fn open_loop_keeps_its_rate_and_charges_stalls() {
        // 2000 requests/s for 0.3 s; after 100 requests the server stalls 5 ms per
        // request: latency measured from the intended send time must show the queue.
        let addr = test_server(Duration::from_millis(5), 100);
        let mut s = spec(
            addr,
            Mode::Open {
                rate: 2000.0,
                duration: Duration::from_millis(300),
            },
        );
        s.conns = 1;
        s.threads = 1;
        s.pipeline = 1;
        s.drain = Duration::from_millis(500);
        let r = run(&s).unwrap();
        assert_eq!(r.ops + r.unanswered, 600);
        // 500 stalled requests at 5 ms each take 2.5 s, longer than the send time and the
        // drain: the tail is unanswered, and what came back late says so.
        assert!(r.unanswered > 0);
        assert!(
            r.percentile_ms(99.0) > 100.0,
            "p99 {}",
            r.percentile_ms(99.0)
        );
    }

    #[test]
    fn rng_varies() {
        let mut r = Rng(1);
        let a = r.next();
        let b = r.next();
        assert_ne!(a, b);
    }
}
