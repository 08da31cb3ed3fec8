//! The Anax server: thread-per-core, after Dragonfly.
//!
//! # Threads
//!
//! The server runs shard threads ([`server::ShardThread`]). When there are several, each is
//! pinned to a core (unless `--no-pin`). Each owns, with nothing shared: a [`reactor::Reactor`] (one
//! `polling::Poller`, its timers and an inbox), an `async_executor::LocalExecutor`, the
//! listening sockets it accepts on, and its engine shard. A connection lives on the thread
//! that accepted it for its whole life. Other threads reach a shard thread only through its
//! inbox ([`reactor::Sender`]), which queues a message and wakes the thread's poller. The
//! main thread parses the command line, opens the listeners, starts the shard threads and
//! waits for them; a signal thread turns SIGTERM and SIGINT into a message to shard 0.
//!
//! This build runs **one** shard thread that owns the whole (one-shard) engine, since the
//! engine is not yet split across threads; `--threads N` above 1 is logged and taken as 1.
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
//! - [`cli`]: flags in Redis's words, and the `Config` they give.
//! - [`server`]: shard threads, listeners, the accept loop, shutdown, the engine's `Host`.
//! - [`conn`]: one client connection.
//! - [`reactor`]: the per-thread poller, timers, inbox and run loop.
//! - [`sys`]: logging, core pinning, file descriptor limits, memory figures.

pub mod cli;
pub mod conn;
pub mod reactor;
pub mod server;
pub mod sys;
