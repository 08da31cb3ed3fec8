//! One reactor per thread: a `polling::Poller`, the sources registered with it, timers, and
//! the run loop that drives the thread's `LocalExecutor`.
//!
//! async-io's reactor is process-global, with one thread polling on behalf of all. A
//! thread-per-core server wants the opposite: each thread waits on its own sockets only,
//! and runs the tasks those sockets wake without any hand-off. So each shard thread builds a
//! [`Reactor`] and runs [`Reactor::block_on`]:
//!
//! ```text
//! loop {
//!     while executor.try_tick() {}             // run every task that is ready (bounded)
//!     poller.wait(events, until next timer)     // sleep in epoll_wait
//!     wake the tasks of the sources that fired, and of the timers that are due
//! }
//! ```
//!
//! Sources ([`Async`]) are registered in edge-triggered mode, once, for both directions, so
//! waiting never costs an `epoll_ctl`. Each direction keeps a *ready* flag set by the events
//! and consumed by [`Async::readable`] / [`Async::writable`]. The contract for users: do the
//! syscall first; on `WouldBlock` call [`Async::clear_readable`] (or `_writable`) and await
//! the matching future. Events are only dispatched between executor ticks, so an edge that
//! comes after the `WouldBlock` is always seen by a later `wait`: nothing is lost, and a flag
//! left by an edge that a previous read already consumed costs one spurious syscall at most.
//!
//! Other threads reach this one through [`Reactor::channel`]: a [`Sender`] is `Send`, queues a message
//! and calls `Poller::notify`, which makes the thread's `wait` return.

use async_executor::LocalExecutor;
use polling::{Event, Events, PollMode, Poller};
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, VecDeque};
use std::future::Future;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// Tasks run per round before the poller is looked at again (without blocking), so that a
/// task that keeps waking itself cannot starve the sockets.
const TICK_BUDGET: usize = 512;

/// Wakes the future that [`Reactor::block_on`] polls in place: it may be woken from any
/// thread, so it also wakes the poller.
struct MainWaker {
    woken: AtomicBool,
    poller: Arc<Poller>,
}

impl std::task::Wake for MainWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if !self.woken.swap(true, Ordering::AcqRel) {
            let _ = self.poller.notify();
        }
    }
}

/// One direction of a source: set by an event, consumed by the future waiting for it.
#[derive(Default)]
struct Readiness {
    ready: Cell<bool>,
    waker: Cell<Option<Waker>>,
}

impl Readiness {
    fn poll(&self, cx: &mut Context<'_>) -> Poll<()> {
        if self.ready.replace(false) {
            return Poll::Ready(());
        }
        let w = match self.waker.take() {
            Some(w) if w.will_wake(cx.waker()) => w,
            _ => cx.waker().clone(),
        };
        self.waker.set(Some(w));
        Poll::Pending
    }

    fn fire(&self, wake: &mut Vec<Waker>) {
        self.ready.set(true);
        if let Some(w) = self.waker.take() {
            wake.push(w);
        }
    }
}

/// A registered file descriptor's readiness state.
struct Source {
    read: Readiness,
    write: Readiness,
}

/// The thread's reactor. Create one per thread with [`Reactor::new`]; it is not `Send`.
pub struct Reactor {
    poller: Arc<Poller>,
    /// Sources by key; `None` marks a free key.
    sources: RefCell<Vec<Option<Rc<Source>>>>,
    free: RefCell<Vec<usize>>,
    /// Pending timers: (deadline, id) -> the waker of the task waiting on it.
    timers: RefCell<BTreeMap<(Instant, u64), Waker>>,
    next_timer_id: Cell<u64>,
    events: RefCell<Events>,
}

impl Reactor {
    /// A reactor with its own poller.
    pub fn new() -> io::Result<Rc<Self>> {
        let poller = Poller::new()?;
        if !poller.supports_edge() {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "the poller does not support edge-triggered mode",
            ));
        }
        Ok(Rc::new(Reactor {
            poller: Arc::new(poller),
            sources: RefCell::new(Vec::new()),
            free: RefCell::new(Vec::new()),
            timers: RefCell::new(BTreeMap::new()),
            next_timer_id: Cell::new(0),
            events: RefCell::new(Events::new()),
        }))
    }

    /// A channel whose messages wake this reactor's thread; the [`Sender`] may go to other
    /// threads, the [`Receiver`] stays here.
    pub fn channel<T>(&self) -> (Sender<T>, Receiver<T>) {
        let shared = Arc::new(ChannelShared {
            inner: Mutex::new(ChannelInner {
                queue: VecDeque::new(),
                waker: None,
            }),
            poller: self.poller.clone(),
        });
        (
            Sender {
                shared: shared.clone(),
            },
            Receiver { shared },
        )
    }

    /// What wakes this reactor's thread from another thread (`Poller::notify`): the
    /// coordinator's hops answer through it.
    pub fn notifier(&self) -> Arc<PollerNotify> {
        Arc::new(PollerNotify(self.poller.clone()))
    }

    /// A future that completes at `deadline`.
    pub fn sleep_until(self: &Rc<Self>, deadline: Instant) -> Timer {
        Timer {
            reactor: self.clone(),
            deadline,
            id: None,
            next_poll: false,
        }
    }

    /// A future that completes after the loop's next poll for I/O (a background task
    /// that yields with it lets the connections' events in between its steps; a
    /// `yield_now` would run it again in the same turn, before any I/O).
    pub fn next_poll(self: &Rc<Self>) -> Timer {
        Timer {
            reactor: self.clone(),
            deadline: Instant::now(),
            id: None,
            next_poll: true,
        }
    }

    /// A future that completes after `d`.
    pub fn sleep(self: &Rc<Self>, d: Duration) -> Timer {
        self.sleep_until(Instant::now() + d)
    }

    /// Runs `fut` on this thread, together with the tasks of `ex`, until `fut` completes.
    /// `fut` is polled in place (not spawned), so it may borrow `ex` to spawn tasks; tasks
    /// still alive when it completes stay in `ex`, and dropping the executor drops them.
    pub fn block_on<T>(
        &self,
        ex: &LocalExecutor<'_>,
        fut: impl Future<Output = T>,
    ) -> io::Result<T> {
        let mut fut = std::pin::pin!(fut);
        let main = Arc::new(MainWaker {
            woken: AtomicBool::new(true),
            poller: self.poller.clone(),
        });
        let waker = Waker::from(main.clone());
        let mut cx = Context::from_waker(&waker);
        loop {
            if main.woken.swap(false, Ordering::AcqRel) {
                if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
                    return Ok(v);
                }
            }
            let mut budget = TICK_BUDGET;
            while budget > 0 && ex.try_tick() {
                budget -= 1;
            }
            let timeout = if budget == 0 || main.woken.load(Ordering::Acquire) {
                Some(Duration::ZERO)
            } else {
                self.next_timeout()
            };
            self.poll_io(timeout)?;
        }
    }

    /// How long `wait` may sleep: until the earliest timer, or forever.
    fn next_timeout(&self) -> Option<Duration> {
        let timers = self.timers.borrow();
        let (deadline, _) = timers.keys().next()?;
        Some(deadline.saturating_duration_since(Instant::now()))
    }

    /// Waits for I/O (at most `timeout`), then wakes the tasks of the sources that fired and
    /// of the timers that are due.
    fn poll_io(&self, timeout: Option<Duration>) -> io::Result<()> {
        let mut wake = Vec::new();
        {
            let mut events = self.events.borrow_mut();
            events.clear();
            match self.poller.wait(&mut events, timeout) {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
            let sources = self.sources.borrow();
            for ev in events.iter() {
                let Some(Some(src)) = sources.get(ev.key) else {
                    continue;
                };
                if ev.readable {
                    src.read.fire(&mut wake);
                }
                if ev.writable {
                    src.write.fire(&mut wake);
                }
            }
        }
        {
            let mut timers = self.timers.borrow_mut();
            if !timers.is_empty() {
                let now = Instant::now();
                while let Some(entry) = timers.first_entry() {
                    if entry.key().0 > now {
                        break;
                    }
                    wake.push(entry.remove());
                }
            }
        }
        for w in wake {
            w.wake();
        }
        Ok(())
    }

    fn register(&self, fd: BorrowedFd<'_>) -> io::Result<(usize, Rc<Source>)> {
        let src = Rc::new(Source {
            read: Readiness::default(),
            write: Readiness::default(),
        });
        let mut sources = self.sources.borrow_mut();
        let key = match self.free.borrow_mut().pop() {
            Some(k) => k,
            None => {
                sources.push(None);
                sources.len() - 1
            }
        };
        // SAFETY: the source stays registered only while the `Async` that owns the file
        // descriptor is alive: its `Drop` deletes it from the poller before the descriptor
        // is closed.
        let added = unsafe {
            self.poller
                .add_with_mode(&fd, Event::all(key), PollMode::Edge)
        };
        if let Err(e) = added {
            self.free.borrow_mut().push(key);
            return Err(e);
        }
        sources[key] = Some(src.clone());
        Ok((key, src))
    }

    fn deregister(&self, key: usize, fd: BorrowedFd<'_>) {
        let _ = self.poller.delete(fd);
        if let Some(slot) = self.sources.borrow_mut().get_mut(key) {
            *slot = None;
            self.free.borrow_mut().push(key);
        }
    }
}

/// Wakes a reactor's thread: `Poller::notify`, which makes its `wait` return (and costs a
/// system call only when the thread is not already notified).
pub struct PollerNotify(Arc<Poller>);

impl anax_core::coord::Notify for PollerNotify {
    fn notify(&self) {
        let _ = self.0.notify();
    }
}

/// A nonblocking I/O object registered with the thread's reactor.
pub struct Async<T: AsFd> {
    io: Option<T>,
    key: usize,
    source: Rc<Source>,
    reactor: Rc<Reactor>,
}

impl<T: AsFd> Async<T> {
    /// Registers `io`, which must already be in nonblocking mode, with `reactor`.
    pub fn new(reactor: &Rc<Reactor>, io: T) -> io::Result<Self> {
        let (key, source) = reactor.register(io.as_fd())?;
        Ok(Async {
            io: Some(io),
            key,
            source,
            reactor: reactor.clone(),
        })
    }

    /// The I/O object.
    pub fn get_ref(&self) -> &T {
        self.io.as_ref().expect("present until drop")
    }

    /// Completes when the source has become readable since the last call (or since
    /// [`Async::clear_readable`]).
    pub fn readable(&self) -> impl Future<Output = ()> + '_ {
        futures_lite::future::poll_fn(move |cx| self.source.read.poll(cx))
    }

    /// Completes when the source has become writable since the last call (or since
    /// [`Async::clear_writable`]).
    pub fn writable(&self) -> impl Future<Output = ()> + '_ {
        futures_lite::future::poll_fn(move |cx| self.source.write.poll(cx))
    }

    /// The poll form of [`Async::readable`], for waiting on several sources at once.
    pub fn poll_readable(&self, cx: &mut Context<'_>) -> Poll<()> {
        self.source.read.poll(cx)
    }

    /// The poll form of [`Async::writable`].
    pub fn poll_writable(&self, cx: &mut Context<'_>) -> Poll<()> {
        self.source.write.poll(cx)
    }

    /// Forgets readiness seen so far: call it when a read returned `WouldBlock`.
    pub fn clear_readable(&self) {
        self.source.read.ready.set(false);
    }

    /// Forgets readiness seen so far: call it when a write returned `WouldBlock`.
    pub fn clear_writable(&self) {
        self.source.write.ready.set(false);
    }
}

impl<T: AsFd> AsRawFd for Async<T> {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.get_ref().as_fd().as_raw_fd()
    }
}

impl<T: AsFd> Drop for Async<T> {
    fn drop(&mut self) {
        if let Some(io) = self.io.take() {
            self.reactor.deregister(self.key, io.as_fd());
            drop(io);
        }
    }
}

/// A timer of the thread's reactor; see [`Reactor::sleep`].
pub struct Timer {
    reactor: Rc<Reactor>,
    deadline: Instant,
    id: Option<u64>,
    /// Wait for one poll even when already due ([`Reactor::next_poll`]).
    next_poll: bool,
}

impl Timer {
    fn unregister(&mut self) {
        if let Some(id) = self.id.take() {
            self.reactor
                .timers
                .borrow_mut()
                .remove(&(self.deadline, id));
        }
    }
}

impl Future for Timer {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if (!self.next_poll || self.id.is_some()) && Instant::now() >= self.deadline {
            self.unregister();
            return Poll::Ready(());
        }
        let id = match self.id {
            Some(id) => id,
            None => {
                let id = self.reactor.next_timer_id.get();
                self.reactor.next_timer_id.set(id + 1);
                self.id = Some(id);
                id
            }
        };
        self.reactor
            .timers
            .borrow_mut()
            .insert((self.deadline, id), cx.waker().clone());
        Poll::Pending
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        self.unregister();
    }
}

struct ChannelInner<T> {
    queue: VecDeque<T>,
    waker: Option<Waker>,
}

struct ChannelShared<T> {
    inner: Mutex<ChannelInner<T>>,
    poller: Arc<Poller>,
}

/// The sending half of a reactor's inbox; `Send` and `Clone` when `T` is `Send`.
pub struct Sender<T> {
    shared: Arc<ChannelShared<T>>,
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Sender<T> {
    /// Queues `msg` and wakes the receiving thread.
    pub fn send(&self, msg: T) {
        let waker = {
            let mut inner = self.shared.inner.lock().unwrap_or_else(|e| e.into_inner());
            inner.queue.push_back(msg);
            inner.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
        // The receiving thread may be asleep in `wait`: the waker above only queued its task.
        let _ = self.shared.poller.notify();
    }
}

/// The receiving half of a reactor's inbox; it lives on the reactor's thread.
pub struct Receiver<T> {
    shared: Arc<ChannelShared<T>>,
}

impl<T> Receiver<T> {
    /// The next message, waiting for one.
    pub fn recv(&self) -> impl Future<Output = T> + '_ {
        futures_lite::future::poll_fn(move |cx| {
            let mut inner = self.shared.inner.lock().unwrap_or_else(|e| e.into_inner());
            match inner.queue.pop_front() {
                Some(m) => Poll::Ready(m),
                None => {
                    inner.waker = Some(cx.waker().clone());
                    Poll::Pending
                }
            }
        })
    }

    /// The next message if one is queued.
    pub fn try_recv(&self) -> Option<T> {
        self.shared
            .inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .queue
            .pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};

    #[test]
    fn timers_fire_in_order() {
        let r = Reactor::new().unwrap();
        let ex = LocalExecutor::new();
        let log = Rc::new(RefCell::new(Vec::new()));
        for (i, ms) in [(1, 30u64), (2, 10), (3, 20)] {
            let (r2, log) = (r.clone(), log.clone());
            ex.spawn(async move {
                r2.sleep(Duration::from_millis(ms)).await;
                log.borrow_mut().push(i);
            })
            .detach();
        }
        let start = Instant::now();
        r.block_on(&ex, r.sleep(Duration::from_millis(50))).unwrap();
        assert!(start.elapsed() >= Duration::from_millis(50));
        assert_eq!(*log.borrow(), vec![2, 3, 1]);
    }

    #[test]
    fn dropped_timer_is_forgotten() {
        let r = Reactor::new().unwrap();
        let t = r.sleep(Duration::from_secs(100));
        let ex = LocalExecutor::new();
        let out = r
            .block_on(
                &ex,
                futures_lite::future::or(
                    async {
                        t.await;
                        1
                    },
                    async {
                        r.sleep(Duration::from_millis(5)).await;
                        2
                    },
                ),
            )
            .unwrap();
        assert_eq!(out, 2);
        assert!(r.timers.borrow().is_empty());
    }

    #[test]
    fn channel_wakes_a_sleeping_thread() {
        let r = Reactor::new().unwrap();
        let (tx, rx) = r.channel::<u32>();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            tx.send(7);
            tx.send(8);
        });
        let ex = LocalExecutor::new();
        let got = r
            .block_on(&ex, async { (rx.recv().await, rx.recv().await) })
            .unwrap();
        assert_eq!(got, (7, 8));
        t.join().unwrap();
    }

    #[test]
    fn socket_readiness() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let mut client = TcpStream::connect(addr).unwrap();
        let (server, _) = l.accept().unwrap();
        server.set_nonblocking(true).unwrap();
        let r = Reactor::new().unwrap();
        let s = Async::new(&r, server).unwrap();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            client.write_all(b"hello").unwrap();
            let mut b = [0u8; 5];
            client.read_exact(&mut b).unwrap();
            b
        });
        let ex = LocalExecutor::new();
        r.block_on(&ex, async {
            let mut buf = [0u8; 16];
            let n = loop {
                match s.get_ref().read(&mut buf) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        s.clear_readable();
                        s.readable().await
                    }
                    Err(e) => panic!("{e}"),
                }
            };
            s.writable().await;
            s.get_ref().write_all(&buf[..n]).unwrap();
        })
        .unwrap();
        assert_eq!(&t.join().unwrap(), b"hello");
    }
}
