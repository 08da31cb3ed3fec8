//! The Anax server: thread-per-core, after Dragonfly.
//!
//! # Threads
//!
//! The server runs `--threads N` shard threads ([`server::ShardThread`], default: one per
//! core it may run on). When there are several, each is pinned to a core (unless
//! `--no-pin`). Thread `i` owns shard `i` of `N`: one shard of every logical database,
//! its intent locks and watched keys, and only it touches them. Each owns, with nothing
//! shared: a [`reactor::Reactor`] (one `polling::Poller`, its timers and an inbox), an
//! `async_executor::LocalExecutor`, and the engine of its shard (`Rc`/`RefCell`, borrowed
//! only between awaits). Thread 0 accepts every connection and hands them out in turn; a
//! connection lives on the thread it was handed to for its whole life. Other threads reach
//! a shard thread only through its inbox ([`reactor::Sender`]), which queues a message and
//! wakes the thread's poller. The main thread parses the command line, opens the
//! listeners, starts the shard threads and waits for them; a signal thread turns SIGTERM
//! and SIGINT into a message to thread 0, which tells the others.
//!
//! A command whose keys live on the connection's thread runs inline. Otherwise the
//! engine's coordinator (`anax_core::coord`) does the work over [`server::ThreadMessenger`]:
//! a hop is a closure sent to the owning thread's inbox, run there with its engine, whose
//! answer comes back through a one-shot slot that wakes the waiting task and this thread's
//! poller. Consecutive single-shard commands of a pipeline travel as one message per shard
//! (see [`conn`]).
//!
//! # Reactor
//!
//! Each thread's loop is: run every ready task (`try_tick`), then sleep in the poller until
//! an I/O event, the next timer or a cross-thread notification, then wake the tasks that
//! wait on what fired. Sockets are registered once, edge-triggered, so waiting costs no
//! system call beyond the `epoll_wait`. See [`reactor`].
//!
//! # Connections
//!
//! A connection is one task ([`conn`]): it reads into a buffer that grows with the bytes
//! received, runs every complete request in it, appends all the replies to one output
//! buffer and writes it in one go; a pipeline of N requests costs one read and one write.
//! Output that the client does not take pauses reading from it. Protocol errors are
//! answered and close that connection only.
//!
//! # Modules
//!
//! - [`cli`]: the command line and the configuration file (redis.conf syntax), and the
//!   `Config` they give.
//! - [`server`]: shard threads, listeners, the accept loop, shutdown, the engine's `Host`,
//!   the coordinator's messenger.
//! - [`conn`]: one client connection.
//! - [`metrics`]: Prometheus metrics over HTTP on the main port (`GET /metrics`).
//! - [`persist`]: snapshots on disk (the writer thread, temp file, fsync, rename), the
//!   server-wide persistence state, save points, and loading at start-up. Each shard
//!   thread drives its part of a background snapshot in a task of its own
//!   (`server::snapshot_driver`), a few segments at a time, between other tasks.
//! - [`reactor`]: the per-thread poller, timers, inbox and run loop.
//! - [`sys`]: logging, core pinning, file descriptor limits, memory figures.

pub mod cli;
pub mod conn;
pub mod metrics;
pub mod persist;
pub mod reactor;
pub mod server;
pub mod sys;
