//! One client connection: a task on its shard thread's executor that reads, parses, runs
//! and replies until the client goes away.
//!
//! Each round of the loop:
//!
//! 1. parse every complete request in the input buffer and run it, appending the replies
//!    to one output buffer (a pipeline of N requests costs one read and one write). A
//!    request the engine can run here (no key, or keys on this thread's shard) runs at
//!    once. Consecutive requests that each run whole on one shard are *squashed*: they
//!    are collected, then sent as one message per shard, every shard at once, and their
//!    replies put back in request order ([`coord::run_segment`]); anything else (a
//!    multi-shard command, EXEC, SELECT...) waits for the collected ones, then runs
//!    through the coordinator ([`coord::run`]);
//! 2. write the output (what the socket does not take stays for the next round);
//! 3. read more, unless the output waiting for the client is over [`OUTPUT_HIGH_WATER`]:
//!    then the connection waits until the client drains it, which bounds its memory.
//!
//! The input buffer starts at [`READ_BUF_INITIAL`] and doubles only when full, so it grows
//! with the bytes received, never with a length a request declares; consumed bytes are
//! dropped from its front after each round. Unparsed bytes above
//! `client-query-buffer-limit` close the connection without a reply, as in Redis.

use crate::metrics::{self, Http};
use crate::reactor::{Async, Reactor, Timer};
use crate::server::{self, Shard, ShutdownRequest, ThreadMessenger};
use crate::sys;
use crate::{verbose, warning};
use anax_core::coord::block::Resolution;
use anax_core::coord::{self, route::Route};
use anax_core::pubsub::{output_limit, REPLY_BUFFER};
use anax_core::{errors, Action, ClientAddr, ConnId, Routed, Step};
use anax_protocol::value::decode;
use anax_protocol::{Limits, OwnedArgs, Parsed, RequestParser, Value};
use futures_lite::future;
use std::fmt::Write as _;
use std::future::Future;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::fd::AsRawFd;
use std::pin::Pin;
use std::rc::Rc;
use std::task::Poll;
use std::time::{Duration, Instant};

/// Redis's `PROTO_IOBUF_LEN`: the first size of the input buffer.
pub const READ_BUF_INITIAL: usize = 16 * 1024;

/// An empty input buffer larger than this is given back.
const READ_BUF_KEEP: usize = 256 * 1024;

/// Requests are not run, nor bytes read, while this much output waits for the client.
pub const OUTPUT_HIGH_WATER: usize = 256 * 1024;

/// An empty output buffer larger than this is given back.
const OUTPUT_KEEP: usize = 256 * 1024;

/// Serves one accepted connection until it closes.
pub async fn serve(shard: Rc<Shard>, stream: TcpStream, peer: SocketAddr) {
    if shard.shutting_down() {
        return;
    }
    let laddr = stream
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let fd = stream.as_raw_fd();
    let addr = ClientAddr {
        addr: peer.to_string(),
        laddr,
        fd: fd as i64,
    };
    let id = shard
        .engine
        .borrow_mut()
        .connect(addr, sys::now_us() / 1000);
    let Some(id) = id else {
        // As Redis's acceptCommonHandler: one best-effort write, then close.
        let _ = (&stream).write(b"-ERR max number of clients reached\r\n");
        verbose!("Error registering fd event for the new client: max number of clients reached");
        return;
    };
    let _guard = Registered { shard: &shard, id };
    if protected_mode_denies(&shard, &peer) {
        // As Redis's `clientAcceptHandler`: one best-effort write, then close; counted as
        // rejected, not as a connection received.
        let _ = (&stream).write(errors::PROTECTED_MODE.as_bytes());
        let mut engine = shard.engine.borrow_mut();
        engine.state.stats.rejected_connections += 1;
        engine.state.stats.total_connections_received -= 1;
        return;
    }
    if let Err(e) = stream
        .set_nonblocking(true)
        .and_then(|()| stream.set_nodelay(true))
    {
        warning!("Error configuring client socket: {}", e);
        return;
    }
    let io = match Async::new(&shard.reactor, stream) {
        Ok(io) => io,
        Err(e) => {
            warning!("Error registering fd event for the new client: {}", e);
            return;
        }
    };
    let mut conn = Conn {
        shard: &shard,
        io,
        id,
        parser: RequestParser::new(),
        buf: vec![0; READ_BUF_INITIAL],
        start: 0,
        end: 0,
        may_read: true,
        out: Vec::new(),
        sent: 0,
        close: None,
        held_back: false,
        last_io: Instant::now(),
        soft_over_since: None,
        first: true,
    };
    if let Err(e) = conn.run().await {
        verbose!("Error with client connection: {}", e);
    }
}

/// Forgets the connection in the engine when its task ends, however it ends.
struct Registered<'a> {
    shard: &'a Shard,
    id: ConnId,
}

impl Drop for Registered<'_> {
    fn drop(&mut self) {
        if let Ok(mut engine) = self.shard.engine.try_borrow_mut() {
            engine.disconnect(self.id);
        }
    }
}

/// What to do with a parsed request once the engine is let go.
enum Next {
    /// It ran (or was refused): carry out its action.
    Done(Action),
    /// Run it through the coordinator.
    Run(Routed, OwnedArgs),
    /// It ends the squashed run: run the collected requests first, then this one.
    After(OwnedArgs),
}

/// Why the connection is closing once its output is flushed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Close {
    /// QUIT, a protocol error, CLIENT KILL of itself.
    AfterReply,
    /// SHUTDOWN: the whole server stops.
    Shutdown(ShutdownRequest),
}

struct Conn<'a> {
    shard: &'a Shard,
    io: Async<TcpStream>,
    id: ConnId,
    parser: RequestParser,
    /// Input; bytes `start..end` are received and not yet consumed, `end..` is room.
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// The socket may hold more bytes (no short read or `WouldBlock` since the last
    /// readiness event).
    may_read: bool,
    /// Output; bytes `sent..` are still to be written.
    out: Vec<u8>,
    sent: usize,
    close: Option<Close>,
    /// The last `process` stopped for output over the high water mark, with requests
    /// possibly still buffered.
    held_back: bool,
    /// The last read or write: the idle `timeout` counts from it.
    last_io: Instant,
    /// Since when the output has been over the soft `client-output-buffer-limit`.
    soft_over_since: Option<Instant>,
    /// Nothing was parsed yet: the first bytes may be an HTTP request (`/metrics`).
    first: bool,
}

/// What a read brought.
enum ReadOutcome {
    Data,
    Nothing,
    Eof,
}

impl Conn<'_> {
    async fn run(&mut self) -> io::Result<()> {
        loop {
            // Messages that came before this round's requests go out before their replies.
            self.take_pushes();
            self.process().await;
            self.take_pushes();
            // Checked before writing, as Redis checks when a reply is added.
            if self.over_output_limit() {
                return Ok(());
            }
            if self.pending_output() > 0 {
                self.write()?;
            }
            if let Some(Close::Shutdown(req)) = self.close {
                if self.shutdown(req).await {
                    return Ok(());
                }
                // The save before exiting failed: the server goes on, as Redis does, and
                // says so to the client that asked.
                self.close = None;
                self.out.extend_from_slice(SHUTDOWN_FAILED);
                continue;
            }
            if self.close.is_some() {
                return self.finish().await;
            }
            if self.pending_output() >= OUTPUT_HIGH_WATER {
                // Backpressure: no reading (and no running) until the client drains.
                self.io.writable().await;
                continue;
            }
            if self.held_back {
                // Output drained under the mark: run the requests still buffered, after
                // the other tasks had their turn.
                future::yield_now().await;
                continue;
            }
            if self.end - self.start > 0 && self.over_query_limit() {
                return Ok(());
            }
            if self.may_read {
                match self.read()? {
                    // A full read: the socket may hold more. As Redis does (one read per
                    // client per event loop turn), the others go first.
                    ReadOutcome::Data if self.may_read => {
                        future::yield_now().await;
                        continue;
                    }
                    ReadOutcome::Data => continue,
                    ReadOutcome::Eof => return Ok(()),
                    ReadOutcome::Nothing => {}
                }
            }
            let want_write = self.pending_output() > 0;
            let idle_limit = self.idle_limit();
            let (shard, id) = (self.shard, self.id);
            let mut idle_timer = idle_limit
                .and_then(|d| self.last_io.checked_add(d))
                .map(|at| self.shard.reactor.sleep_until(at));
            let (readable, _, idle) = future::poll_fn(|cx| {
                let r = self.io.poll_readable(cx).is_ready();
                let w = want_write && self.io.poll_writable(cx).is_ready();
                let i = idle_timer
                    .as_mut()
                    .is_some_and(|t| Pin::new(t).poll(cx).is_ready());
                // A message for this connection (pub/sub, MONITOR).
                let p = shard.engine.borrow_mut().poll_push(id, cx).is_ready();
                if r || w || i || p {
                    Poll::Ready((r, w, i))
                } else {
                    Poll::Pending
                }
            })
            .await;
            if readable {
                self.may_read = true;
            }
            if idle && !readable && idle_limit.is_some_and(|d| self.last_io.elapsed() >= d) {
                verbose!("Closing idle client");
                return Ok(());
            }
        }
    }

    fn pending_output(&self) -> usize {
        self.out.len() - self.sent
    }

    /// Moves the messages delivered to this connection (pub/sub, MONITOR) to its output.
    fn take_pushes(&mut self) {
        let mut engine = self.shard.engine.borrow_mut();
        if !engine.clients.registry().hub.active() {
            // Nobody subscribes or monitors anywhere: nothing can have been delivered.
            return;
        }
        let pushed = engine.take_push(self.id);
        if !pushed.is_empty() {
            if self.pending_output() == 0 {
                self.out = pushed;
                self.sent = 0;
            } else {
                self.out.extend_from_slice(&pushed);
            }
        }
        engine.set_out_pending(self.id, self.out.len() - self.sent);
    }

    /// The idle `timeout`, when set.
    fn idle_limit(&self) -> Option<Duration> {
        let secs = self.shard.engine.borrow().config().timeout;
        (secs > 0).then(|| Duration::from_secs(secs))
    }

    /// Redis's `client-output-buffer-limit` for the connection's class (`pubsub` while
    /// subscribed, else `normal`): true (after logging) when the output waiting for the
    /// client is over the hard limit, or has been over the soft limit for its seconds; the
    /// connection then closes without flushing, as Redis's
    /// `closeClientOnOutputBufferLimitReached`. As in Redis, the first 16 KB (its static
    /// reply buffer) do not count.
    fn over_output_limit(&mut self) -> bool {
        let used = self.pending_output().saturating_sub(REPLY_BUFFER);
        if used == 0 {
            self.soft_over_since = None;
            return false;
        }
        let (hard, soft, secs) = {
            let engine = self.shard.engine.borrow();
            let subscribed = engine.conn(self.id).is_some_and(|c| c.pubsub.subscribed());
            output_limit(
                engine.config(),
                if subscribed { "pubsub" } else { "normal" },
            )
        };
        let over_hard = hard > 0 && used as u64 >= hard;
        let over_soft = soft > 0 && used as u64 >= soft;
        if !over_soft {
            self.soft_over_since = None;
        }
        let soft_expired = over_soft && {
            let since = *self.soft_over_since.get_or_insert_with(Instant::now);
            since.elapsed() >= Duration::from_secs(secs)
        };
        if !(over_hard || soft_expired) {
            return false;
        }
        let engine = self.shard.engine.borrow();
        warning!(
            "Client {} scheduled to be closed ASAP for overcoming of output buffer limits.",
            client_info(&engine, self.id, self.end - self.start)
        );
        true
    }

    /// Parses and runs every complete request buffered, while output stays under the high
    /// water mark and nothing asked to close.
    async fn process(&mut self) {
        /// CLIENT PAUSE holds this connection's next request: writes what is pending, then
        /// waits until the pause is over (its end, or CLIENT UNPAUSE on any thread, seen
        /// within [`PAUSE_LOOK_EVERY`]), reading (and keeping) what the client sends
        /// meanwhile and passing on its pub/sub messages. False when the client hung up.
        async fn wait_paused(conn: &mut Conn<'_>, until_ms: u64) -> bool {
            const PAUSE_LOOK_EVERY: Duration = Duration::from_millis(5);
            enum Woke {
                Timer,
                Writable,
                Readable,
                Pushed,
            }
            if conn.pending_output() > 0 && conn.write().is_err() {
                return false;
            }
            let (shard, id) = (conn.shard, conn.id);
            loop {
                let now_ms = sys::now_us() / 1000;
                let over = shard
                    .engine
                    .borrow()
                    .clients
                    .registry()
                    .paused(now_ms)
                    .is_none();
                if over {
                    return true;
                }
                let left = Duration::from_millis(until_ms.saturating_sub(now_ms));
                let mut timer = shard
                    .reactor
                    .sleep_until(Instant::now() + left.min(PAUSE_LOOK_EVERY));
                let woke = future::poll_fn(|cx| {
                    if Pin::new(&mut timer).poll(cx).is_ready() {
                        return Poll::Ready(Woke::Timer);
                    }
                    if conn.pending_output() > 0 && conn.io.poll_writable(cx).is_ready() {
                        return Poll::Ready(Woke::Writable);
                    }
                    if conn.io.poll_readable(cx).is_ready() {
                        return Poll::Ready(Woke::Readable);
                    }
                    if shard.engine.borrow_mut().poll_push(id, cx).is_ready() {
                        return Poll::Ready(Woke::Pushed);
                    }
                    Poll::Pending
                })
                .await;
                let hung_up = match woke {
                    Woke::Timer => false,
                    Woke::Writable => conn.write().is_err(),
                    Woke::Pushed => {
                        conn.take_pushes();
                        conn.write().is_err()
                    }
                    Woke::Readable => {
                        conn.may_read = true;
                        match conn.read() {
                            Ok(ReadOutcome::Eof) | Err(_) => true,
                            Ok(_) => conn.over_query_limit(),
                        }
                    }
                };
                if hung_up {
                    return false;
                }
            }
        }

        /// Runs a request through the coordinator, waits while it is blocked, and drops
        /// its reply (from `mark` in the output) if CLIENT REPLY says so.
        async fn run_routed(
            conn: &mut Conn<'_>,
            m: &ThreadMessenger<'_>,
            r: Routed,
            owned: OwnedArgs,
            mut mark: usize,
        ) {
            let (shard, id) = (conn.shard, conn.id);
            let action = coord::run(m, id, r, owned, &mut conn.out).await;
            if matches!(action, Action::Block { .. })
                && !shard
                    .engine
                    .borrow()
                    .conn(id)
                    .is_none_or(|c| c.reply.plain())
            {
                // Its reply may be dropped: what is pending goes first, so that all the
                // output that follows is this command's (the wait writes as it goes).
                while conn.pending_output() > 0 {
                    if conn.write().is_err() {
                        break;
                    }
                    if conn.pending_output() > 0 {
                        conn.io.writable().await;
                    }
                }
                mark = conn.out.len();
            }
            let action = conn.wait_if_blocked(m, action).await;
            shard
                .engine
                .borrow_mut()
                .reply_done(id, &mut conn.out, mark);
            conn.apply(action);
        }

        self.held_back = false;
        if self.start == self.end {
            return;
        }
        let shard = self.shard;
        let m = shard.messenger();
        if self.first {
            match metrics::detect(&self.buf[self.start..self.end]) {
                Http::No => self.first = false,
                Http::Incomplete => return,
                Http::Get(path, n) => {
                    let path = path.to_string();
                    self.start += n;
                    self.serve_http(&m, &path).await;
                    self.close = Some(Close::AfterReply);
                    return;
                }
            }
        }
        {
            let engine = shard.engine.borrow();
            let config = engine.config();
            self.parser.set_limits(Limits {
                max_bulk_len: config.proto_max_bulk_len,
                query_buffer_limit: config.client_query_buffer_limit,
            });
        }
        // The squashed run being collected: (shard, table row, arguments). Only requests
        // whose replies are all sent (CLIENT REPLY ON) are squashed.
        let mut segment: Vec<(usize, usize, OwnedArgs)> = Vec::new();
        // CLIENT PAUSE held the request at the front of the input: its end, to wait for.
        let mut paused: Option<u64> = None;
        while self.start < self.end
            && self.close.is_none()
            && self.out.len() - self.sent < OUTPUT_HIGH_WATER
        {
            if let Some(until_ms) = paused.take() {
                if !wait_paused(self, until_ms).await {
                    self.close = Some(Close::AfterReply);
                    break;
                }
            }
            let authenticated = shard
                .engine
                .borrow()
                .conn(self.id)
                .is_none_or(|c| c.authenticated);
            self.parser.set_authenticated(authenticated);
            // Where this request's reply starts in the output (CLIENT REPLY may drop it).
            let mark = self.out.len();
            let next = match self.parser.parse(&self.buf[self.start..self.end]) {
                Ok(Parsed::Incomplete) => break,
                Ok(Parsed::Skip(n)) => {
                    self.start += n;
                    continue;
                }
                Ok(Parsed::Request(args, n)) => {
                    let mut engine = shard.engine.borrow_mut();
                    if !segment.is_empty() {
                        if let Some((s, idx)) = engine.single_shard(self.id, args, &shard.host) {
                            segment.push((s, idx, args.to_owned_args()));
                            self.start += n;
                            continue;
                        }
                        // Not one shard's: it waits for the collected requests.
                        let owned = args.to_owned_args();
                        self.start += n;
                        Next::After(owned)
                    } else {
                        match engine.prepare(self.id, args, &shard.host, &mut self.out) {
                            Step::Done(action) => {
                                self.start += n;
                                engine.reply_done(self.id, &mut self.out, mark);
                                Next::Done(action)
                            }
                            Step::Routed(r) => {
                                let owned = args.to_owned_args();
                                self.start += n;
                                let plain = engine.conn(self.id).is_none_or(|c| c.reply.plain());
                                if let (Route::Shard(s), true) = (r.route, plain) {
                                    segment.push((s, r.idx, owned));
                                    continue;
                                }
                                Next::Run(r, owned)
                            }
                            Step::Paused { until_ms } => {
                                // Not consumed: parsed and given again once the pause ends.
                                paused = Some(until_ms);
                                continue;
                            }
                        }
                    }
                }
                Err(e) => {
                    if !segment.is_empty() {
                        coord::run_segment(
                            &m,
                            self.id,
                            std::mem::take(&mut segment),
                            &mut self.out,
                        )
                        .await;
                    }
                    if sys::log_enabled(sys::Level::Verbose) {
                        let engine = shard.engine.borrow();
                        verbose!(
                            "Protocol error ({}) from client: {}",
                            e.0,
                            client_info(&engine, self.id, self.end - self.start)
                        );
                    }
                    self.out.push(b'-');
                    self.out.extend_from_slice(e.0.as_bytes());
                    self.out.extend_from_slice(b"\r\n");
                    self.close = Some(Close::AfterReply);
                    break;
                }
            };
            match next {
                Next::Done(action) => self.apply(action),
                Next::Run(r, owned) => run_routed(self, &m, r, owned, mark).await,
                Next::After(owned) => {
                    coord::run_segment(&m, self.id, std::mem::take(&mut segment), &mut self.out)
                        .await;
                    let (step, mark) = loop {
                        let mark = self.out.len();
                        let step = shard.engine.borrow_mut().prepare(
                            self.id,
                            owned.as_args(),
                            &shard.host,
                            &mut self.out,
                        );
                        match step {
                            Step::Paused { until_ms } => {
                                if !wait_paused(self, until_ms).await {
                                    break (None, mark);
                                }
                            }
                            step => break (Some(step), mark),
                        }
                    };
                    let plain = shard
                        .engine
                        .borrow()
                        .conn(self.id)
                        .is_none_or(|c| c.reply.plain());
                    match step {
                        None => {
                            self.close = Some(Close::AfterReply);
                            break;
                        }
                        Some(Step::Done(action)) => {
                            shard
                                .engine
                                .borrow_mut()
                                .reply_done(self.id, &mut self.out, mark);
                            self.apply(action);
                        }
                        Some(Step::Routed(Routed {
                            idx,
                            route: Route::Shard(s),
                        })) if plain => segment.push((s, idx, owned)),
                        Some(Step::Routed(r)) => run_routed(self, &m, r, owned, mark).await,
                        Some(Step::Paused { .. }) => {}
                    }
                }
            }
        }
        if !segment.is_empty() {
            coord::run_segment(&m, self.id, segment, &mut self.out).await;
        }
        // CLIENT KILL of another connection, or a subscriber over its output limit: its
        // task sees end-of-file and ends.
        let killed = shard.engine.borrow_mut().take_killed();
        server::close_killed(killed);
        self.held_back = self.close.is_none()
            && self.start < self.end
            && self.pending_output() >= OUTPUT_HIGH_WATER;
        self.compact_input();
    }

    /// Answers an HTTP GET (see [`metrics`]): `/metrics` is INFO ALL, run through the
    /// coordinator like any INFO, in the Prometheus text format. With `requirepass` set the
    /// answer is 401: the metrics need the password, as INFO does.
    async fn serve_http(&mut self, m: &ThreadMessenger<'_>, path: &str) {
        if path != "/metrics" {
            let r = metrics::response("404 Not Found", "text/plain", "not found\n");
            self.out.extend_from_slice(&r);
            return;
        }
        let args = OwnedArgs::from_iter(["INFO", "ALL"]);
        let mut raw = Vec::new();
        let step = self.shard.engine.borrow_mut().prepare(
            self.id,
            args.as_args(),
            &self.shard.host,
            &mut raw,
        );
        if let Step::Routed(r) = step {
            coord::run(m, self.id, r, args, &mut raw).await;
        }
        let r = match decode(&raw) {
            Ok(Some((Value::Bulk(text) | Value::Verbatim { text, .. }, _))) => metrics::response(
                "200 OK",
                "text/plain; version=0.0.4; charset=utf-8",
                &metrics::from_info(&String::from_utf8_lossy(&text)),
            ),
            Ok(Some((Value::Error(e), _))) => metrics::response(
                "401 Unauthorized",
                "text/plain",
                &format!("{}\n", String::from_utf8_lossy(&e)),
            ),
            _ => metrics::response("500 Internal Server Error", "text/plain", "INFO failed\n"),
        };
        self.out.extend_from_slice(&r);
    }

    /// Carries out what a command asked of the host.
    fn apply(&mut self, action: Action) {
        match action {
            Action::Continue => {}
            Action::Close => self.close = Some(Close::AfterReply),
            Action::Shutdown { save } => {
                self.close = Some(Close::Shutdown(ShutdownRequest { save }))
            }
            Action::Sleep(us) => self.shard.sleep_all(us),
            // Waited for by `wait_if_blocked`.
            Action::Block { .. } => {}
        }
    }

    /// A blocking command blocked: waits (running nothing more of this connection) until a
    /// shard serves it, its deadline passes, or the client hangs up, then writes its
    /// reply. Earlier replies are flushed first, and input keeps being read (and kept), as
    /// Redis does for a blocked client.
    async fn wait_if_blocked(&mut self, m: &ThreadMessenger<'_>, mut action: Action) -> Action {
        enum Woke {
            Answered,
            Deadline,
            Writable,
            Readable,
            Pushed,
        }
        while let Action::Block { deadline_ms } = action {
            let ticket = self.shard.engine.borrow().blocked_ticket(self.id);
            let Some(ticket) = ticket else {
                return Action::Continue;
            };
            let mut hung_up = self.pending_output() > 0 && self.write().is_err();
            let mut timer = deadline_timer(&self.shard.reactor, deadline_ms);
            while !hung_up {
                let woke = future::poll_fn(|cx| {
                    if ticket.poll_answered(cx).is_ready() {
                        return Poll::Ready(Woke::Answered);
                    }
                    if let Some(t) = timer.as_mut() {
                        if Pin::new(t).poll(cx).is_ready() {
                            return Poll::Ready(Woke::Deadline);
                        }
                    }
                    if self.pending_output() > 0 && self.io.poll_writable(cx).is_ready() {
                        return Poll::Ready(Woke::Writable);
                    }
                    if self.io.poll_readable(cx).is_ready() {
                        return Poll::Ready(Woke::Readable);
                    }
                    let pushed = self.shard.engine.borrow_mut().poll_push(self.id, cx);
                    if pushed.is_ready() {
                        return Poll::Ready(Woke::Pushed);
                    }
                    Poll::Pending
                })
                .await;
                match woke {
                    Woke::Answered => break,
                    Woke::Deadline => {
                        ticket.resolve(Resolution::TimedOut);
                        break;
                    }
                    Woke::Writable => hung_up = self.write().is_err(),
                    Woke::Pushed => {
                        self.take_pushes();
                        hung_up = self.write().is_err();
                    }
                    Woke::Readable => {
                        self.may_read = true;
                        hung_up = match self.read() {
                            Ok(ReadOutcome::Eof) | Err(_) => true,
                            Ok(_) => self.over_query_limit(),
                        };
                    }
                }
            }
            if hung_up {
                ticket.resolve(Resolution::Gone);
                let _ = coord::unblock(m, self.id, &mut self.out).await;
                self.close = Some(Close::AfterReply);
                return Action::Close;
            }
            action = coord::unblock(m, self.id, &mut self.out).await;
        }
        action
    }

    /// Drops consumed bytes from the front of the input buffer.
    fn compact_input(&mut self) {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
            if self.buf.len() > READ_BUF_KEEP {
                self.buf = vec![0; READ_BUF_INITIAL];
            }
        } else if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
    }

    /// Redis's client-query-buffer-limit: logs and reports true when the unparsed bytes
    /// are over it.
    fn over_query_limit(&self) -> bool {
        let pending = self.end - self.start;
        if !self.parser.query_buffer_limit_exceeded(pending) {
            return false;
        }
        let engine = self.shard.engine.borrow();
        let head = &self.buf[self.start..self.end.min(self.start + 64)];
        warning!(
            "Closing client that reached max query buffer length: {} (qbuf initial bytes: {})",
            client_info(&engine, self.id, pending),
            sys::repr(head)
        );
        true
    }

    /// Reads once into the free part of the input buffer, growing it first when full.
    fn read(&mut self) -> io::Result<ReadOutcome> {
        if self.end == self.buf.len() {
            let grown = (self.buf.len() * 2).max(READ_BUF_INITIAL);
            self.buf.resize(grown, 0);
        }
        let room = self.buf.len() - self.end;
        loop {
            match self.io.get_ref().read(&mut self.buf[self.end..]) {
                Ok(0) => return Ok(ReadOutcome::Eof),
                Ok(n) => {
                    self.end += n;
                    self.last_io = Instant::now();
                    // A short read emptied the socket: wait for the next edge.
                    self.may_read = n == room;
                    return Ok(ReadOutcome::Data);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.io.clear_readable();
                    self.may_read = false;
                    return Ok(ReadOutcome::Nothing);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Writes as much pending output as the socket takes.
    fn write(&mut self) -> io::Result<()> {
        while self.sent < self.out.len() {
            match self.io.get_ref().write(&self.out[self.sent..]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    self.sent += n;
                    self.last_io = Instant::now();
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.io.clear_writable();
                    break;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if self.sent == self.out.len() {
            self.out.clear();
            self.sent = 0;
            if self.out.capacity() > OUTPUT_KEEP {
                self.out = Vec::new();
            }
        } else if self.sent >= self.out.len() / 2 {
            self.out.drain(..self.sent);
            self.sent = 0;
        }
        let mut engine = self.shard.engine.borrow_mut();
        if engine.clients.registry().hub.active() {
            engine.set_out_pending(self.id, self.out.len() - self.sent);
        }
        Ok(())
    }

    /// Flushes the output, then closes.
    /// SHUTDOWN: starts it and waits until the server stops (true: what the socket took is
    /// all the client gets) or the save it asked for failed (false).
    async fn shutdown(&mut self, req: ShutdownRequest) -> bool {
        if self.pending_output() > 0 {
            let _ = self.write();
        }
        self.shard.begin_shutdown(req);
        loop {
            if self.shard.shutting_down() {
                return true;
            }
            if !self.shard.saving_for_shutdown() {
                return self.shard.shutting_down();
            }
            self.shard.reactor.sleep(Duration::from_millis(5)).await;
        }
    }

    async fn finish(&mut self) -> io::Result<()> {
        while self.pending_output() > 0 {
            self.io.writable().await;
            self.write()?;
        }
        Ok(())
    }
}

/// Protected mode (Redis's `clientAcceptHandler`): with `protected-mode yes` and no
/// password, only clients from the loopback interface are served.
fn protected_mode_denies(shard: &Shard, peer: &SocketAddr) -> bool {
    let engine = shard.engine.borrow();
    let config = engine.config();
    if !config.protected_mode || !config.requirepass.is_empty() {
        return false;
    }
    let local = match peer.ip() {
        std::net::IpAddr::V4(a) => a.is_loopback(),
        std::net::IpAddr::V6(a) => {
            a.is_loopback() || a.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    };
    !local
}

/// What SHUTDOWN answers when the save before exiting failed (Redis's `shutdownCommand`).
const SHUTDOWN_FAILED: &[u8] = b"-ERR Errors trying to SHUTDOWN. Check logs.\r\n";

/// A timer for a blocked command's deadline (Unix ms; 0: none).
fn deadline_timer(reactor: &Rc<Reactor>, deadline_ms: u64) -> Option<Timer> {
    if deadline_ms == 0 {
        return None;
    }
    let left = deadline_ms.saturating_sub(sys::now_us() / 1000);
    Instant::now()
        .checked_add(Duration::from_millis(left))
        .map(|at| reactor.sleep_until(at))
}

/// A `CLIENT LIST`-style line for log messages.
fn client_info(engine: &anax_core::Engine, id: ConnId, qbuf: usize) -> String {
    let mut s = String::new();
    if let Some(c) = engine.conn(id) {
        let now_ms = sys::now_us() / 1000;
        let _ = write!(
            s,
            "id={} addr={} laddr={} fd={} name={} age={} idle={} flags=N db={} qbuf={} cmd={} user=default resp={}",
            c.id,
            c.addr.addr,
            c.addr.laddr,
            c.addr.fd,
            String::from_utf8_lossy(&c.name),
            now_ms.saturating_sub(c.created_ms) / 1000,
            now_ms.saturating_sub(c.last_interaction_ms) / 1000,
            c.db,
            qbuf,
            c.last_cmd,
            match c.proto {
                anax_protocol::Proto::Resp2 => 2,
                _ => 3,
            }
        );
    }
    s
}
