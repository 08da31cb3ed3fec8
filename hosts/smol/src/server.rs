//! Shard threads: each owns a reactor, a `LocalExecutor` and the engine of its shard, and
//! serves the connections it is handed from start to end.
//!
//! Thread `i` owns shard `i` of `N` (one shard of every logical database) and only it
//! touches that shard. Thread 0 accepts every connection and hands them out in turn (it
//! keeps every N-th); a connection lives on its thread for its whole life. Threads reach
//! each other only through their inboxes ([`Sender`]): coordinator hops ([`Msg::Hop`]),
//! connections handed over ([`Msg::Conn`]), shutdown and DEBUG SLEEP.
//!
//! One acceptor rather than an `SO_REUSEPORT` listener per thread: the kernel's
//! per-connection hash spreads a handful of clients unevenly (two benchmark clients may
//! well land on one thread), while handing out in turn spreads them exactly, for one
//! message per accepted connection; and a second server started on the same port by
//! mistake fails to bind instead of silently taking half the connections.

use crate::conn;
use crate::persist::Persist;
use crate::reactor::{Async, Reactor, Receiver, Sender};
use crate::sys;
use crate::{notice, verbose, warning};
use anax_core::coord::{self, Messenger, Notify};
use anax_core::db::Entry;
use anax_core::snapshot::{Persistence, Refused, SaveKind, STEP_SEGMENTS};
use anax_core::{Config, Engine, Host, HostInfo, Registry, SaveTarget};
use async_executor::LocalExecutor;
use futures_lite::future;
use socket2::{Domain, Protocol, Socket, Type};
use std::cell::{Cell, RefCell};
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Poll, Waker};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The engine's view of the outside world on a server thread.
pub struct ServerHost {
    /// The server-wide persistence state and snapshot writer.
    pub persist: Arc<Persist>,
    /// This thread's engine has a background snapshot part to drive.
    snapshot_wake: Cell<bool>,
    snapshot_waker: Cell<Option<Waker>>,
    /// Every thread's inbox, by shard index (for [`Host::post`]).
    peers: Arc<[Sender<Msg>]>,
}

impl ServerHost {
    /// The host of a shard thread; `peers` are every thread's inboxes.
    pub fn new(persist: Arc<Persist>, peers: Arc<[Sender<Msg>]>) -> Self {
        ServerHost {
            persist,
            peers,
            snapshot_wake: Cell::new(false),
            snapshot_waker: Cell::new(None),
        }
    }

    /// Waits until the engine has a snapshot part to drive.
    async fn snapshot_woken(&self) {
        future::poll_fn(|cx| {
            if self.snapshot_wake.replace(false) {
                Poll::Ready(())
            } else {
                self.snapshot_waker.set(Some(cx.waker().clone()));
                Poll::Pending
            }
        })
        .await
    }
}

impl Host for ServerHost {
    fn now_us(&self) -> u64 {
        sys::now_us()
    }

    fn used_memory(&self) -> u64 {
        sys::allocated()
    }

    fn rss(&self) -> u64 {
        sys::rss()
    }

    fn persistence(&self) -> Persistence {
        self.persist.persistence()
    }

    fn snapshot_begin(&self, kind: SaveKind, target: &SaveTarget) -> Result<(), Refused> {
        self.persist.begin(kind, target)
    }

    fn snapshot_started(&self, dirty: u64) {
        self.persist.started(dirty)
    }

    fn snapshot_wake(&self) {
        self.snapshot_wake.set(true);
        if let Some(w) = self.snapshot_waker.take() {
            w.wake();
        }
    }

    fn snapshot_room(&self, shard: usize) -> bool {
        self.persist.room(shard)
    }

    fn snapshot_chunk(&self, shard: usize, bytes: Vec<u8>) {
        self.persist.chunk(shard, bytes)
    }

    fn snapshot_shard_done(&self, shard: usize) {
        self.persist.shard_done(shard)
    }

    fn snapshot_wait(&self) -> Result<(), String> {
        self.persist.wait()
    }

    fn snapshot_schedule(&self) {
        self.persist.schedule()
    }

    fn snapshot_read(&self, target: &SaveTarget) -> Result<Vec<u8>, String> {
        self.persist.read(target)
    }

    fn post(&self, shard: usize, job: coord::Job) {
        if let Some(p) = self.peers.get(shard) {
            p.send(Msg::Hop(job));
        }
    }

    fn rewrite_config(
        &self,
        path: &str,
        rewrite: &mut dyn FnMut(&[u8], &str) -> Vec<u8>,
    ) -> Result<(), String> {
        match rewrite_config_file(std::path::Path::new(path), rewrite) {
            Ok(()) => {
                notice!("CONFIG REWRITE executed with success.");
                Ok(())
            }
            Err(e) => {
                let why = crate::cli::strerror(&e);
                warning!("CONFIG REWRITE failed: {}", why);
                Err(why)
            }
        }
    }
}

/// CONFIG REWRITE's file work, as Redis's `rewriteConfigReadOldFile` and
/// `rewriteConfigOverwriteFile`: reads the file (none is an empty one), writes the new text
/// to a temporary file beside it (mode 0644 less the umask), syncs it, renames it over the
/// file and syncs the directory. One rewrite at a time in the process.
fn rewrite_config_file(
    path: &std::path::Path,
    rewrite: &mut dyn FnMut(&[u8], &str) -> Vec<u8>,
) -> io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let old = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e),
    };
    let cwd = std::env::current_dir()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let new = rewrite(&old, &cwd);
    let mut suffix = String::new();
    for b in sys::random_bytes(3) {
        suffix.push_str(&format!("{b:02x}"));
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".{suffix}"));
    let tmp = std::path::PathBuf::from(tmp);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .open(&tmp)?;
    let written = file
        .write_all(&new)
        .and_then(|()| file.sync_all())
        .and_then(|()| std::fs::rename(&tmp, path))
        .and_then(|()| {
            let dir = match path.parent() {
                Some(d) if !d.as_os_str().is_empty() => d,
                _ => std::path::Path::new("."),
            };
            std::fs::File::open(dir)?.sync_all()
        });
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// Work another thread hands to a shard thread, run there with the shard's state.
pub type Job = Box<dyn FnOnce(&Shard) + Send>;

/// Messages a shard thread takes from other threads.
pub enum Msg {
    /// A termination signal arrived (`SIGTERM`, `SIGINT`): shut down.
    Signal(&'static str),
    /// Run this on the shard thread with its state.
    Run(Job),
    /// A coordinator hop: run this with the thread's engine.
    Hop(coord::Job),
    /// A connection the acceptor hands to this thread.
    Conn(TcpStream, SocketAddr),
    /// Another thread shuts the server down.
    Shutdown(ShutdownRequest),
    /// DEBUG SLEEP on another thread: the whole server sleeps this many microseconds.
    Sleep(u64),
}

/// Why and how the server shuts down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShutdownRequest {
    /// SHUTDOWN SAVE (`Some(true)`), NOSAVE (`Some(false)`), or neither.
    pub save: Option<bool>,
}

/// Messages handled in one go before the other tasks get a turn.
const INBOX_BUDGET: usize = 64;

/// The state of one shard thread, shared by its tasks (never leaves the thread).
pub struct Shard {
    /// The thread's index: the shard it owns.
    pub index: usize,
    /// The thread's reactor.
    pub reactor: Rc<Reactor>,
    /// The engine. Borrowed only between awaits.
    pub engine: RefCell<Engine>,
    /// The host facts the engine reads.
    pub host: ServerHost,
    /// Every thread's inbox, by shard index (this one's included).
    pub peers: Arc<[Sender<Msg>]>,
    registry: Arc<Registry>,
    notifier: Arc<dyn Notify>,
    next_conn: Cell<usize>,
    shutdown: Cell<Option<ShutdownRequest>>,
    shutdown_waker: Cell<Option<Waker>>,
    /// A shutdown waiting for its final snapshot.
    saving_for_shutdown: Cell<Option<ShutdownRequest>>,
    saving_waker: Cell<Option<Waker>>,
}

impl Shard {
    /// Asks every thread to stop accepting, close its connections and return.
    pub fn begin_shutdown(&self, req: ShutdownRequest) {
        if self.shutdown.get().is_some() || self.saving_for_shutdown.get().is_some() {
            return;
        }
        warning!("User requested shutdown...");
        let save = match req.save {
            Some(s) => s,
            None => !self.engine.borrow().config().save_points().is_empty(),
        };
        if save {
            // The snapshot runs in `shutdown_saver`, which then stops the server.
            self.saving_for_shutdown.set(Some(req));
            if let Some(w) = self.saving_waker.take() {
                w.wake();
            }
            return;
        }
        self.stop_all(req);
    }

    /// Tells every thread to stop, then stops this one.
    fn stop_all(&self, req: ShutdownRequest) {
        for (i, p) in self.peers.iter().enumerate() {
            if i != self.index {
                p.send(Msg::Shutdown(req));
            }
        }
        self.stop(req);
    }

    /// Stops this thread (another one began the shutdown).
    fn stop(&self, req: ShutdownRequest) {
        if self.shutdown.get().is_some() {
            return;
        }
        self.shutdown.set(Some(req));
        if let Some(w) = self.shutdown_waker.take() {
            w.wake();
        }
    }

    /// True once a shutdown was asked for.
    pub fn shutting_down(&self) -> bool {
        self.shutdown.get().is_some()
    }

    /// True while the snapshot a shutdown asked for runs (on this thread).
    pub fn saving_for_shutdown(&self) -> bool {
        self.saving_for_shutdown.get().is_some()
    }

    async fn shutdown_requested(&self) -> ShutdownRequest {
        future::poll_fn(|cx| match self.shutdown.get() {
            Some(r) => Poll::Ready(r),
            None => {
                self.shutdown_waker.set(Some(cx.waker().clone()));
                Poll::Pending
            }
        })
        .await
    }

    /// DEBUG SLEEP: every thread sleeps `us` microseconds.
    pub fn sleep_all(&self, us: u64) {
        for (i, p) in self.peers.iter().enumerate() {
            if i != self.index {
                p.send(Msg::Sleep(us));
            }
        }
        std::thread::sleep(Duration::from_micros(us));
    }

    /// The coordinator's view of this thread.
    pub fn messenger(&self) -> ThreadMessenger<'_> {
        ThreadMessenger { shard: self }
    }

    /// Runs a coordinator hop with the engine, then closes the sockets of connections it
    /// killed (CLIENT KILL from another thread).
    fn run_hop(&self, job: coord::Job) {
        let killed = {
            let mut e = self.engine.borrow_mut();
            job(&mut e, &self.host);
            e.take_killed()
        };
        close_killed(killed);
    }

    /// Gives an accepted connection to the next thread in turn.
    fn hand_out(self: &Rc<Self>, stream: TcpStream, peer: SocketAddr, ex: &LocalExecutor<'_>) {
        let n = self.peers.len();
        let to = self.next_conn.get() % n;
        self.next_conn.set(to + 1);
        if to == self.index {
            ex.spawn(conn::serve(self.clone(), stream, peer)).detach();
        } else {
            self.peers[to].send(Msg::Conn(stream, peer));
        }
    }
}

/// Closes the sockets of connections the engine killed (CLIENT KILL, or a subscriber over
/// its output buffer limit, logged as Redis logs it): their tasks see the end of the
/// stream and end.
pub fn close_killed(killed: Vec<anax_core::engine::Killed>) {
    for k in killed {
        if k.output_limit {
            warning!(
                "Client id={} scheduled to be closed ASAP for overcoming of output buffer limits.",
                k.id
            );
        }
        sys::shutdown_socket(k.fd);
    }
}

/// The coordinator's messenger on a server thread: a hop to this thread's shard runs
/// inline, a hop to another goes to that thread's inbox, and its answer wakes this
/// thread's poller.
pub struct ThreadMessenger<'a> {
    shard: &'a Shard,
}

impl Messenger for ThreadMessenger<'_> {
    fn shards(&self) -> usize {
        self.shard.peers.len()
    }

    fn is_local(&self, shard: usize) -> bool {
        shard == self.shard.index
    }

    fn with_local(&self, f: &mut dyn FnMut(&mut Engine, &dyn Host)) {
        let mut e = self.shard.engine.borrow_mut();
        f(&mut e, &self.shard.host)
    }

    fn send(&self, shard: usize, job: coord::Job) {
        self.shard.peers[shard].send(Msg::Hop(job));
    }

    fn notifier(&self) -> Option<Arc<dyn Notify>> {
        Some(self.shard.notifier.clone())
    }

    fn next_txid(&self) -> u64 {
        self.shard.registry.next_txid()
    }

    fn other_engines(&self) -> Vec<usize> {
        (0..self.shard.peers.len())
            .filter(|&s| s != self.shard.index)
            .collect()
    }
}

/// What a shard thread starts with.
pub struct ShardSetup {
    /// Its index: the shard it owns (0 accepts connections and takes the signals).
    pub index: usize,
    /// The number of shard threads.
    pub threads: usize,
    /// Settings.
    pub config: Config,
    /// Process facts.
    pub info: HostInfo,
    /// Seed for hashing and randomness.
    pub seed: u64,
    /// Listening sockets, nonblocking (thread 0's; the others get none).
    pub listeners: Vec<TcpListener>,
    /// The CPU to pin the thread to, if any.
    pub cpu: Option<usize>,
    /// Client ids and counts, shared by every thread.
    pub registry: Arc<Registry>,
    /// The persistence state and snapshot writer, shared by every thread.
    pub persist: Arc<Persist>,
    /// Keys loaded at start-up that belong to this thread's shard: (db, key, entry).
    pub preload: Vec<(usize, Vec<u8>, Entry)>,
    /// Told once the thread holds its preloaded keys (the start-up load's end).
    pub loaded: Option<std::sync::mpsc::Sender<()>>,
}

/// A running shard thread.
pub struct ShardThread {
    /// The thread; it returns when the server shuts down.
    pub handle: JoinHandle<io::Result<ShutdownRequest>>,
    /// Its inbox.
    pub inbox: Sender<Msg>,
    peers_tx: std::sync::mpsc::Sender<Arc<[Sender<Msg>]>>,
}

impl ShardThread {
    /// Starts the thread and returns once its reactor exists; it serves nothing until
    /// [`ShardThread::start`] gives it the other threads' inboxes.
    pub fn spawn(setup: ShardSetup) -> io::Result<ShardThread> {
        let (tx, rx) = std::sync::mpsc::channel();
        let (peers_tx, peers_rx) = std::sync::mpsc::channel::<Arc<[Sender<Msg>]>>();
        let handle = std::thread::Builder::new()
            .name(format!("anax-shard-{}", setup.index))
            .spawn(move || {
                let reactor = match Reactor::new() {
                    Ok(r) => r,
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return Err(io::Error::other("reactor"));
                    }
                };
                let (inbox, inbox_rx) = reactor.channel();
                let _ = tx.send(Ok(inbox));
                let peers = peers_rx
                    .recv()
                    .map_err(|_| io::Error::other("the server did not start"))?;
                shard_main(setup, reactor, inbox_rx, peers)
            })?;
        let inbox = rx
            .recv()
            .map_err(|_| io::Error::other("shard thread died at start"))??;
        Ok(ShardThread {
            handle,
            inbox,
            peers_tx,
        })
    }

    /// Lets the thread run, with every thread's inbox.
    pub fn start(&self, peers: Arc<[Sender<Msg>]>) {
        let _ = self.peers_tx.send(peers);
    }
}

/// Starts one thread per setup (setup `i` must have index `i`) and lets them run.
pub fn spawn_all(setups: Vec<ShardSetup>) -> io::Result<Vec<ShardThread>> {
    let mut threads = Vec::with_capacity(setups.len());
    for s in setups {
        threads.push(ShardThread::spawn(s)?);
    }
    let peers: Arc<[Sender<Msg>]> = threads.iter().map(|t| t.inbox.clone()).collect();
    for t in &threads {
        t.start(peers.clone());
    }
    Ok(threads)
}

/// The body of a shard thread.
fn shard_main(
    setup: ShardSetup,
    reactor: Rc<Reactor>,
    inbox: Receiver<Msg>,
    peers: Arc<[Sender<Msg>]>,
) -> io::Result<ShutdownRequest> {
    if let Some(cpu) = setup.cpu {
        match sys::pin_to_cpu(cpu) {
            Ok(()) => verbose!("Shard thread {} pinned to CPU {}", setup.index, cpu),
            Err(e) => warning!(
                "Could not pin shard thread {} to CPU {}: {}",
                setup.index,
                cpu,
                e
            ),
        }
    }
    let mut engine = Engine::new_part(
        setup.config,
        setup.index,
        setup.threads.max(1),
        setup.info,
        setup.seed,
        setup.registry.clone(),
    );
    for (db, key, entry) in setup.preload {
        engine.load_entry(db, &key, entry);
    }
    if let Some(tx) = setup.loaded {
        let _ = tx.send(());
    }
    let shard = Rc::new(Shard {
        index: setup.index,
        reactor: reactor.clone(),
        engine: RefCell::new(engine),
        host: ServerHost::new(setup.persist, peers.clone()),
        peers,
        registry: setup.registry,
        notifier: reactor.notifier(),
        next_conn: Cell::new(0),
        shutdown: Cell::new(None),
        shutdown_waker: Cell::new(None),
        saving_for_shutdown: Cell::new(None),
        saving_waker: Cell::new(None),
    });
    let listeners = setup
        .listeners
        .into_iter()
        .map(|l| Async::new(&reactor, l))
        .collect::<io::Result<Vec<_>>>()?;

    let ex = LocalExecutor::new();
    ex.spawn(cron(shard.clone())).detach();
    ex.spawn(snapshot_driver(shard.clone())).detach();
    ex.spawn(shutdown_saver(shard.clone())).detach();
    let req = reactor.block_on(
        &ex,
        future::or(
            shard.shutdown_requested(),
            future::or(
                accept_loop(&shard, &listeners, &ex),
                inbox_loop(&shard, inbox, &ex),
            ),
        ),
    )?;
    // Dropping the executor drops every connection task, which closes its socket.
    drop(ex);
    drop(listeners);
    Ok(req)
}

/// Runs the engine's periodic work `hz` times a second (read again after each run, so
/// that CONFIG SET hz takes effect).
async fn cron(shard: Rc<Shard>) {
    let period = |shard: &Shard| {
        let hz = shard.engine.borrow().config().hz.clamp(1, 500);
        Duration::from_micros(1_000_000 / hz as u64)
    };
    let mut next = Instant::now() + period(&shard);
    loop {
        shard.reactor.sleep_until(next).await;
        let killed = {
            let mut e = shard.engine.borrow_mut();
            e.tick(&shard.host);
            e.take_killed()
        };
        close_killed(killed);
        save_points(&shard).await;
        next += period(&shard);
        let now = Instant::now();
        if next < now {
            next = now + period(&shard);
        }
    }
}

/// The periodic snapshot work: every thread publishes its write counter; thread 0 starts
/// a background save when a save point is reached or one was scheduled (BGSAVE in MULTI).
async fn save_points(shard: &Rc<Shard>) {
    let (dirty, points, started) = {
        let e = shard.engine.borrow();
        (
            e.state.dirty,
            e.config().save_points(),
            e.state.info.started_us / 1_000_000,
        )
    };
    shard.host.persist.publish_dirty(shard.index, dirty);
    if shard.index != 0 || shard.shutting_down() || !shard.host.persist.due(&points, started) {
        return;
    }
    if !shard.host.persist.persistence().scheduled {
        notice!("Save point reached: saving...");
    }
    let m = shard.messenger();
    let _ = coord::snapshot::start(&m, SaveKind::Background).await;
}

/// Drives this thread's part of a background snapshot while the thread keeps serving: a
/// few segments per turn of the reactor loop, between its I/O; while the writer is
/// behind, it waits a little.
async fn snapshot_driver(shard: Rc<Shard>) {
    loop {
        shard.host.snapshot_woken().await;
        loop {
            let active = shard
                .engine
                .borrow_mut()
                .snapshot_drive(&shard.host, STEP_SEGMENTS);
            if !active {
                break;
            }
            // One step per turn of the reactor's loop, between polls for I/O.
            if shard.host.persist.room(shard.index) {
                shard.reactor.next_poll().await;
            } else {
                shard.reactor.sleep(Duration::from_millis(1)).await;
            }
        }
    }
}

/// The save before a shutdown (SHUTDOWN SAVE, or the default with save points, or a
/// signal): waits for a running background save, saves, and stops the server; when the
/// save fails, the server goes on running, as Redis does.
async fn shutdown_saver(shard: Rc<Shard>) {
    loop {
        let req = future::poll_fn(|cx| match shard.saving_for_shutdown.get() {
            Some(r) => Poll::Ready(r),
            None => {
                shard.saving_waker.set(Some(cx.waker().clone()));
                Poll::Pending
            }
        })
        .await;
        while shard.host.persist.busy() {
            shard.reactor.sleep(Duration::from_millis(5)).await;
        }
        notice!("Saving the final RDB snapshot before exiting.");
        let m = shard.messenger();
        match coord::snapshot::save(&m).await {
            Ok(()) => {
                shard.stop_all(req);
                return;
            }
            Err(e) => {
                warning!("Error trying to save the DB, can't exit: {}", e);
                warning!(
                    "Errors trying to shut down the server. Check the logs for more information."
                );
                shard.saving_for_shutdown.set(None);
            }
        }
    }
}

/// Handles messages from other threads, one at a time (a message in progress always
/// finishes, also when it asks for a shutdown), a bounded number per turn.
async fn inbox_loop(
    shard: &Rc<Shard>,
    inbox: Receiver<Msg>,
    ex: &LocalExecutor<'_>,
) -> ShutdownRequest {
    let mut handled = 0;
    loop {
        let msg = inbox.recv().await;
        match msg {
            Msg::Signal(name) => {
                warning!("Received {} scheduling shutdown...", name);
                shard.begin_shutdown(ShutdownRequest { save: None });
            }
            Msg::Run(job) => job(shard),
            Msg::Hop(job) => shard.run_hop(job),
            Msg::Conn(stream, peer) => {
                ex.spawn(conn::serve(shard.clone(), stream, peer)).detach();
            }
            Msg::Shutdown(req) => shard.stop(req),
            Msg::Sleep(us) => std::thread::sleep(Duration::from_micros(us)),
        }
        handled += 1;
        if handled == INBOX_BUDGET {
            handled = 0;
            future::yield_now().await;
        }
    }
}

/// Accepts connections on every listener and hands each to a thread in turn; returns only
/// on a fatal error.
async fn accept_loop(
    shard: &Rc<Shard>,
    listeners: &[Async<TcpListener>],
    ex: &LocalExecutor<'_>,
) -> ShutdownRequest {
    loop {
        let mut failed = false;
        for l in listeners {
            loop {
                match l.get_ref().accept() {
                    Ok((stream, peer)) => shard.hand_out(stream, peer, ex),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        l.clear_readable();
                        break;
                    }
                    Err(e)
                        if matches!(
                            e.kind(),
                            io::ErrorKind::Interrupted | io::ErrorKind::ConnectionAborted
                        ) => {}
                    Err(e) => {
                        // EMFILE and friends: the connection stays queued; retry shortly
                        // (the listener is edge-triggered, so waiting for readiness would
                        // wait for the next client).
                        warning!("Accepting client connection: {}", e);
                        failed = true;
                        break;
                    }
                }
            }
        }
        if failed {
            shard.reactor.sleep(Duration::from_millis(100)).await;
        } else {
            future::poll_fn(|cx| {
                let mut ready = false;
                for l in listeners {
                    ready |= l.poll_readable(cx).is_ready();
                }
                if ready {
                    Poll::Ready(())
                } else {
                    Poll::Pending
                }
            })
            .await;
        }
    }
}

/// Opens the listening sockets for `bind` on `port`, as Redis's `listenToPort`. An address
/// marked optional that cannot be bound is skipped with a log line; any other failure is
/// returned with Redis's message.
pub fn listen(
    bind: &[(String, bool)],
    port: u16,
    backlog: u64,
) -> Result<Vec<TcpListener>, String> {
    let mut out = Vec::new();
    if port == 0 {
        return Ok(out);
    }
    for (addr, optional) in bind {
        let host = match addr.as_str() {
            "*" => "0.0.0.0",
            "::*" => "::",
            a => a,
        };
        match listen_one(host, port, backlog) {
            Ok(l) => out.push(l),
            Err(e) => {
                if *optional
                    && matches!(
                        e.raw_os_error(),
                        Some(libc::EADDRNOTAVAIL | libc::EAFNOSUPPORT | libc::EPROTONOSUPPORT)
                    )
                {
                    notice!(
                        "Could not create server TCP listening socket {}:{}: {}",
                        addr,
                        port,
                        e
                    );
                    continue;
                }
                warning!(
                    "Warning: Could not create server TCP listening socket {}:{}: bind: {}",
                    addr,
                    port,
                    e
                );
                return Err(format!("Failed listening on port {port} (tcp), aborting."));
            }
        }
    }
    Ok(out)
}

fn listen_one(host: &str, port: u16, backlog: u64) -> io::Result<TcpListener> {
    let addr: SocketAddr = (host, port)
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| io::Error::from_raw_os_error(libc::EADDRNOTAVAIL))?;
    let sock = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    sock.set_reuse_address(true)?;
    if addr.is_ipv6() {
        sock.set_only_v6(true)?;
    }
    sock.bind(&addr.into())?;
    sock.listen(backlog.min(i32::MAX as u64) as i32)?;
    sock.set_nonblocking(true)?;
    Ok(sock.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup(
        index: usize,
        threads: usize,
        listeners: Vec<TcpListener>,
        reg: &Arc<Registry>,
        persist: &Arc<Persist>,
    ) -> ShardSetup {
        ShardSetup {
            index,
            threads,
            // No save points: a signal must not save into the source tree.
            config: Config {
                save: String::new(),
                ..Config::default()
            },
            info: HostInfo::default(),
            seed: 1,
            listeners,
            cpu: None,
            registry: reg.clone(),
            persist: persist.clone(),
            preload: Vec::new(),
            loaded: None,
        }
    }

    #[test]
    fn shard_threads_run_jobs_from_other_threads_and_stop_together_on_a_signal() {
        let listeners = listen(&[("127.0.0.1".into(), false)], 0, 16).unwrap();
        assert!(listeners.is_empty(), "port 0 listens nowhere");
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.set_nonblocking(true).unwrap();
        let reg = Registry::new();
        let persist = Persist::new(2, ".", None);
        let threads = spawn_all(vec![
            setup(0, 2, vec![l], &reg, &persist),
            setup(1, 2, vec![], &reg, &persist),
        ])
        .unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let caller = std::thread::current().id();
        for t in &threads {
            let tx = tx.clone();
            t.inbox.send(Msg::Run(Box::new(move |shard: &Shard| {
                let on_other_thread = std::thread::current().id() != caller;
                let e = shard.engine.borrow();
                let owned = (
                    e.state.first_shard,
                    e.state.shards.len(),
                    e.state.total_shards,
                );
                tx.send((on_other_thread, shard.index, owned)).unwrap();
            })));
        }
        let mut got = vec![
            rx.recv_timeout(Duration::from_secs(5)).unwrap(),
            rx.recv_timeout(Duration::from_secs(5)).unwrap(),
        ];
        got.sort();
        assert_eq!(got, [(true, 0, (0, 1, 2)), (true, 1, (1, 1, 2))]);
        threads[0].inbox.send(Msg::Signal("SIGTERM"));
        for t in threads {
            let req = t.handle.join().unwrap().unwrap();
            assert_eq!(req, ShutdownRequest { save: None });
        }
    }
}
