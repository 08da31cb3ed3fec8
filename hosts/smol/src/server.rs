//! Shard threads: each owns a reactor, a `LocalExecutor`, its listeners and its part of the
//! engine, and serves the connections it accepts from start to end.
//!
//! This build runs one shard thread owning an [`Engine`] with one shard; more threads
//! means more [`ShardThread`]s, each given clones of the listening sockets (or, after
//! measuring, its own `SO_REUSEPORT` listener) and its own engine shard, talking to the
//! others through their [`Sender`]s.

use crate::conn;
use crate::reactor::{Async, Reactor, Receiver, Sender};
use crate::sys;
use crate::{notice, verbose, warning};
use anax_core::{Config, Engine, Host, HostInfo};
use async_executor::LocalExecutor;
use futures_lite::future;
use socket2::{Domain, Protocol, Socket, Type};
use std::cell::{Cell, RefCell};
use std::io;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::rc::Rc;
use std::task::{Poll, Waker};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The engine's view of the outside world on a server thread.
pub struct ServerHost;

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
}

/// Work another thread hands to a shard thread, run there with the shard's state.
pub type Job = Box<dyn FnOnce(&Shard) + Send>;

/// Messages a shard thread takes from other threads.
pub enum Msg {
    /// A termination signal arrived (`SIGTERM`, `SIGINT`): shut down.
    Signal(&'static str),
    /// Run this on the shard thread (the seed of the inter-shard hops).
    Run(Job),
}

/// Why and how the server shuts down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShutdownRequest {
    /// SHUTDOWN SAVE (`Some(true)`), NOSAVE (`Some(false)`), or neither.
    pub save: Option<bool>,
}

/// The state of one shard thread, shared by its tasks (never leaves the thread).
pub struct Shard {
    /// The thread's index.
    pub index: usize,
    /// The thread's reactor.
    pub reactor: Rc<Reactor>,
    /// The engine. Borrowed only between awaits.
    pub engine: RefCell<Engine>,
    /// The host facts the engine reads.
    pub host: ServerHost,
    shutdown: Cell<Option<ShutdownRequest>>,
    shutdown_waker: Cell<Option<Waker>>,
}

impl Shard {
    /// Asks the thread to stop accepting, close every connection and return.
    pub fn begin_shutdown(&self, req: ShutdownRequest) {
        if self.shutdown.get().is_some() {
            return;
        }
        warning!("User requested shutdown...");
        let save = match req.save {
            Some(s) => s,
            None => !self.engine.borrow().config().save.is_empty(),
        };
        if save {
            warning!("Snapshots are not implemented yet: the final RDB snapshot is not saved.");
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
}

/// What a shard thread starts with.
pub struct ShardSetup {
    /// Its index (0 takes the signals).
    pub index: usize,
    /// Settings.
    pub config: Config,
    /// Process facts.
    pub info: HostInfo,
    /// Seed for hashing and randomness.
    pub seed: u64,
    /// Listening sockets, nonblocking.
    pub listeners: Vec<TcpListener>,
    /// The CPU to pin the thread to, if any.
    pub cpu: Option<usize>,
}

/// A running shard thread.
pub struct ShardThread {
    /// The thread; it returns when the server shuts down.
    pub handle: JoinHandle<io::Result<ShutdownRequest>>,
    /// Its inbox.
    pub inbox: Sender<Msg>,
}

impl ShardThread {
    /// Starts the thread and returns once its reactor exists.
    pub fn spawn(setup: ShardSetup) -> io::Result<ShardThread> {
        let (tx, rx) = std::sync::mpsc::channel();
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
                shard_main(setup, reactor, inbox_rx)
            })?;
        let inbox = rx
            .recv()
            .map_err(|_| io::Error::other("shard thread died at start"))??;
        Ok(ShardThread { handle, inbox })
    }
}

/// The body of a shard thread.
fn shard_main(
    setup: ShardSetup,
    reactor: Rc<Reactor>,
    inbox: Receiver<Msg>,
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
    let shard = Rc::new(Shard {
        index: setup.index,
        reactor: reactor.clone(),
        engine: RefCell::new(Engine::new(setup.config, 1, setup.info, setup.seed)),
        host: ServerHost,
        shutdown: Cell::new(None),
        shutdown_waker: Cell::new(None),
    });
    let listeners = setup
        .listeners
        .into_iter()
        .map(|l| Async::new(&reactor, l))
        .collect::<io::Result<Vec<_>>>()?;

    let ex = LocalExecutor::new();
    ex.spawn(cron(shard.clone())).detach();
    ex.spawn(inbox_loop(shard.clone(), inbox)).detach();
    let req = reactor.block_on(
        &ex,
        future::or(
            shard.shutdown_requested(),
            accept_loop(&shard, &listeners, &ex),
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
        shard.engine.borrow_mut().tick(&shard.host);
        next += period(&shard);
        let now = Instant::now();
        if next < now {
            next = now + period(&shard);
        }
    }
}

/// Handles messages from other threads.
async fn inbox_loop(shard: Rc<Shard>, inbox: Receiver<Msg>) {
    loop {
        match inbox.recv().await {
            Msg::Signal(name) => {
                warning!("Received {} scheduling shutdown...", name);
                shard.begin_shutdown(ShutdownRequest { save: None });
            }
            Msg::Run(job) => job(&shard),
        }
    }
}

/// Accepts connections on every listener and spawns a task for each; returns only on a
/// fatal error.
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
                    Ok((stream, peer)) => {
                        ex.spawn(conn::serve(shard.clone(), stream, peer)).detach();
                    }
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

    #[test]
    fn a_shard_thread_runs_jobs_from_other_threads_and_stops_on_a_signal() {
        let listeners = listen(&[("127.0.0.1".into(), false)], 0, 16).unwrap();
        assert!(listeners.is_empty(), "port 0 listens nowhere");
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.set_nonblocking(true).unwrap();
        let t = ShardThread::spawn(ShardSetup {
            index: 0,
            config: Config::default(),
            info: HostInfo::default(),
            seed: 1,
            listeners: vec![l],
            cpu: None,
        })
        .unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let caller = std::thread::current().id();
        t.inbox.send(Msg::Run(Box::new(move |shard: &Shard| {
            let on_other_thread = std::thread::current().id() != caller;
            let keys = shard.engine.borrow().dbsize(0);
            tx.send((on_other_thread, shard.index, keys)).unwrap();
        })));
        assert_eq!(
            rx.recv_timeout(Duration::from_secs(5)).unwrap(),
            (true, 0, 0)
        );
        t.inbox.send(Msg::Signal("SIGTERM"));
        let req = t.handle.join().unwrap().unwrap();
        assert_eq!(req, ShutdownRequest { save: None });
    }
}
