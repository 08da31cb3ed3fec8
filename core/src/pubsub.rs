//! Pub/Sub and MONITOR delivery across threads.
//!
//! Every engine (thread) keeps its own connections' subscriptions ([`Local`]: channel ->
//! subscribers, pattern -> subscribers, shard channel -> subscribers, monitors). The whole
//! server shares one [`Hub`] (in the process-wide [`Registry`](crate::engine::Registry)):
//! for each channel, pattern, shard channel and for MONITOR, how many subscribers each
//! engine has. A publisher reads the hub under a read lock, once: that gives PUBLISH's
//! count (Redis's receivers: the channel's subscribers plus one per matching pattern
//! subscription) and the engines to deliver to. It delivers to its own engine's
//! subscribers at once and posts one message to each other engine that has some, through
//! the host ([`Host::post`]); a thread's inbox keeps the order in which one thread sent,
//! so one publisher's messages reach every subscriber in order. PUBSUB CHANNELS, NUMSUB
//! and NUMPAT read the hub alone. With no subscriber and no monitor anywhere (the common
//! case), publishing costs one atomic load.
//!
//! A delivered message is encoded for its subscriber (RESP2 array or RESP3 push) and
//! appended to the connection's push buffer ([`ConnPubSub`]); the host moves it to the
//! connection's output and wakes the connection's task. A publisher's own subscription
//! gets the message in the command's own reply stream, before the reply, as in Redis.
//!
//! A subscriber that does not read is bounded by `client-output-buffer-limit pubsub`: at
//! each delivery the bytes waiting for it (push buffer plus what the host reported as
//! unwritten output) are checked against the class's hard limit, and against the soft limit
//! held for its seconds; past them the connection is killed (the host closes its socket)
//! and its buffer dropped, as Redis's `closeClientOnOutputBufferLimitReached`.

use crate::config::Config;
use crate::engine::{Clients, ConnId, Engine, Host};
use crate::glob::glob_match;
use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use anax_protocol::{Args, Proto, Reply};
use core::fmt;
use core::sync::atomic::{AtomicUsize, Ordering};
use core::task::{Context, Poll, Waker};
use hashbrown::{HashMap, HashSet};

type Map<V> = HashMap<Vec<u8>, V, foldhash::fast::FixedState>;
type Set = HashSet<Vec<u8>, foldhash::fast::FixedState>;

fn map<V>() -> Map<V> {
    HashMap::with_hasher(foldhash::fast::FixedState::with_seed(11))
}

/// The namespaces of subscriptions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Space {
    /// SUBSCRIBE: channels.
    Channel,
    /// PSUBSCRIBE: glob patterns over channels.
    Pattern,
    /// SSUBSCRIBE: shard channels (their own namespace).
    Shard,
}

impl Space {
    /// The word of the (un)subscribe confirmations.
    pub fn verbs(self) -> (&'static [u8], &'static [u8]) {
        match self {
            Space::Channel => (b"subscribe", b"unsubscribe"),
            Space::Pattern => (b"psubscribe", b"punsubscribe"),
            Space::Shard => (b"ssubscribe", b"sunsubscribe"),
        }
    }
}

/// Subscriber counts by engine: (engine id, count).
type Counts = Vec<(u32, u32)>;

fn add_count(c: &mut Counts, engine: u32, delta: i32) {
    match c.iter().position(|(e, _)| *e == engine) {
        Some(i) => {
            let n = c[i].1 as i64 + delta as i64;
            if n <= 0 {
                c.swap_remove(i);
            } else {
                c[i].1 = n as u32;
            }
        }
        None if delta > 0 => c.push((engine, delta as u32)),
        None => {}
    }
}

fn total(c: &Counts) -> u64 {
    c.iter().map(|(_, n)| *n as u64).sum()
}

#[derive(Default)]
struct Index {
    channels: Option<Map<Counts>>,
    patterns: Option<Map<Counts>>,
    shard: Option<Map<Counts>>,
    monitors: Counts,
}

impl Index {
    fn space(&mut self, s: Space) -> &mut Map<Counts> {
        let m = match s {
            Space::Channel => &mut self.channels,
            Space::Pattern => &mut self.patterns,
            Space::Shard => &mut self.shard,
        };
        m.get_or_insert_with(map)
    }

    fn space_ref(&self, s: Space) -> Option<&Map<Counts>> {
        match s {
            Space::Channel => self.channels.as_ref(),
            Space::Pattern => self.patterns.as_ref(),
            Space::Shard => self.shard.as_ref(),
        }
    }
}

/// The server-wide view of who listens where (see the module documentation).
#[derive(Default)]
pub struct Hub {
    /// Subscriptions and monitors in the whole server: 0 lets publishing skip the lock.
    active: AtomicUsize,
    index: spin::RwLock<Index>,
}

impl fmt::Debug for Hub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hub")
            .field("active", &self.active.load(Ordering::Relaxed))
            .finish()
    }
}

impl Hub {
    /// True when something listens somewhere (a subscription or a monitor).
    #[inline]
    pub fn active(&self) -> bool {
        self.active.load(Ordering::Acquire) > 0
    }

    fn change(&self, space: Space, name: &[u8], engine: u32, delta: i32) {
        let mut ix = self.index.write();
        let m = ix.space(space);
        if let Some(c) = m.get_mut(name) {
            add_count(c, engine, delta);
            if c.is_empty() {
                m.remove(name);
            }
        } else if delta > 0 {
            m.insert(name.to_vec(), alloc::vec![(engine, delta as u32)]);
        }
        self.bump(delta);
    }

    fn change_monitors(&self, engine: u32, delta: i32) {
        add_count(&mut self.index.write().monitors, engine, delta);
        self.bump(delta);
    }

    fn bump(&self, delta: i32) {
        if delta > 0 {
            self.active.fetch_add(delta as usize, Ordering::AcqRel);
        } else {
            self.active.fetch_sub((-delta) as usize, Ordering::AcqRel);
        }
    }

    /// Who receives a message on `channel` of `space` (Channel or Shard): the number of
    /// receivers (PUBLISH's reply) and the engines that have some.
    fn receivers(&self, space: Space, channel: &[u8]) -> (u64, Vec<u32>) {
        let ix = self.index.read();
        let mut n = 0;
        let mut engines: Vec<u32> = Vec::new();
        let mut add = |c: &Counts, n: &mut u64| {
            *n += total(c);
            for (e, _) in c {
                if !engines.contains(e) {
                    engines.push(*e);
                }
            }
        };
        if let Some(c) = ix.space_ref(space).and_then(|m| m.get(channel)) {
            add(c, &mut n);
        }
        if space == Space::Channel {
            if let Some(pats) = ix.patterns.as_ref() {
                for (p, c) in pats {
                    if glob_match(p, channel, false) {
                        add(c, &mut n);
                    }
                }
            }
        }
        (n, engines)
    }

    /// The engines with monitors.
    fn monitor_engines(&self) -> Vec<u32> {
        self.index.read().monitors.iter().map(|(e, _)| *e).collect()
    }

    /// PUBSUB CHANNELS / SHARDCHANNELS: the channels of `space` with a subscriber, those
    /// matching `pattern` when given.
    pub fn channels(&self, space: Space, pattern: Option<&[u8]>) -> Vec<Vec<u8>> {
        let ix = self.index.read();
        let Some(m) = ix.space_ref(space) else {
            return Vec::new();
        };
        m.keys()
            .filter(|k| pattern.is_none_or(|p| glob_match(p, k, false)))
            .cloned()
            .collect()
    }

    /// PUBSUB NUMSUB / SHARDNUMSUB: the subscribers of `name` in `space`.
    pub fn numsub(&self, space: Space, name: &[u8]) -> u64 {
        let ix = self.index.read();
        ix.space_ref(space)
            .and_then(|m| m.get(name))
            .map_or(0, total)
    }

    /// PUBSUB NUMPAT: the patterns with a subscriber.
    pub fn numpat(&self) -> usize {
        self.index.read().patterns.as_ref().map_or(0, |m| m.len())
    }

    /// INFO stats: (channels, patterns, shard channels) with a subscriber.
    pub fn sizes(&self) -> (usize, usize, usize) {
        let ix = self.index.read();
        let n = |m: &Option<Map<Counts>>| m.as_ref().map_or(0, |m| m.len());
        (n(&ix.channels), n(&ix.patterns), n(&ix.shard))
    }
}

/// One connection's subscriptions and pending pushes.
#[derive(Debug, Default)]
pub struct ConnPubSub {
    channels: Set,
    patterns: Set,
    shard: Set,
    /// In MONITOR mode.
    pub monitor: bool,
    /// Messages delivered and not yet taken by the host.
    push: Vec<u8>,
    waker: Option<Waker>,
    /// Output bytes the host holds unwritten (reported by the host after each write).
    pub out_pending: usize,
    /// Since when (Unix ms) the output has been over the soft limit; 0: not over.
    soft_since_ms: u64,
}

/// A copy for reports (CLIENT LIST gathers other threads' connections): the pending
/// pushes are counted, not copied.
impl Clone for ConnPubSub {
    fn clone(&self) -> Self {
        ConnPubSub {
            channels: self.channels.clone(),
            patterns: self.patterns.clone(),
            shard: self.shard.clone(),
            monitor: self.monitor,
            push: Vec::new(),
            waker: None,
            out_pending: self.out_pending + self.push.len(),
            soft_since_ms: self.soft_since_ms,
        }
    }
}

impl ConnPubSub {
    /// Subscriptions to channels and patterns (the count SUBSCRIBE and PSUBSCRIBE reply).
    pub fn count(&self) -> usize {
        self.channels.len() + self.patterns.len()
    }

    /// Subscriptions to channels (CLIENT LIST `sub`).
    pub fn channel_count(&self) -> usize {
        self.channels.len()
    }

    /// Subscriptions to patterns (CLIENT LIST `psub`).
    pub fn pattern_count(&self) -> usize {
        self.patterns.len()
    }

    /// Subscriptions to shard channels (the count SSUBSCRIBE replies).
    pub fn shard_count(&self) -> usize {
        self.shard.len()
    }

    /// In the subscribed state (Redis's `CLIENT_PUBSUB`): subscribed to anything.
    pub fn subscribed(&self) -> bool {
        self.count() + self.shard.len() > 0
    }

    fn set(&mut self, space: Space) -> &mut Set {
        match space {
            Space::Channel => &mut self.channels,
            Space::Pattern => &mut self.patterns,
            Space::Shard => &mut self.shard,
        }
    }

    /// The names subscribed to in `space`.
    pub fn names(&self, space: Space) -> Vec<Vec<u8>> {
        match space {
            Space::Channel => self.channels.iter().cloned().collect(),
            Space::Pattern => self.patterns.iter().cloned().collect(),
            Space::Shard => self.shard.iter().cloned().collect(),
        }
    }

    /// Bytes of pushes waiting for the host.
    pub fn pending_push(&self) -> usize {
        self.push.len()
    }

    fn wake(&mut self) {
        if let Some(w) = self.waker.take() {
            w.wake();
        }
    }
}

/// One engine's subscribers.
#[derive(Default)]
pub struct Local {
    channels: Option<Map<Vec<ConnId>>>,
    patterns: Option<Map<Vec<ConnId>>>,
    shard: Option<Map<Vec<ConnId>>>,
    monitors: Vec<ConnId>,
}

impl Local {
    fn space(&mut self, s: Space) -> &mut Map<Vec<ConnId>> {
        let m = match s {
            Space::Channel => &mut self.channels,
            Space::Pattern => &mut self.patterns,
            Space::Shard => &mut self.shard,
        };
        m.get_or_insert_with(map)
    }
}

/// What is delivered.
#[derive(Clone, Copy, Debug)]
pub enum Message<'a> {
    /// PUBLISH (and keyspace notifications): to the channel's and matching patterns'
    /// subscribers.
    Publish {
        /// The channel.
        channel: &'a [u8],
        /// The payload.
        payload: &'a [u8],
    },
    /// SPUBLISH: to the shard channel's subscribers.
    Shard {
        /// The shard channel.
        channel: &'a [u8],
        /// The payload.
        payload: &'a [u8],
    },
    /// A MONITOR line (without the leading `+` and the CRLF).
    Monitor(&'a [u8]),
}

/// An owned [`Message`], to travel to another thread.
enum Owned {
    Publish(Vec<u8>, Vec<u8>),
    Shard(Vec<u8>, Vec<u8>),
    Monitor(Vec<u8>),
}

impl Owned {
    fn of(m: &Message<'_>) -> Owned {
        match *m {
            Message::Publish { channel, payload } => {
                Owned::Publish(channel.to_vec(), payload.to_vec())
            }
            Message::Shard { channel, payload } => Owned::Shard(channel.to_vec(), payload.to_vec()),
            Message::Monitor(line) => Owned::Monitor(line.to_vec()),
        }
    }

    fn as_message(&self) -> Message<'_> {
        match self {
            Owned::Publish(c, p) => Message::Publish {
                channel: c,
                payload: p,
            },
            Owned::Shard(c, p) => Message::Shard {
                channel: c,
                payload: p,
            },
            Owned::Monitor(l) => Message::Monitor(l),
        }
    }
}

/// `client-output-buffer-limit` for `class` (`normal`, `pubsub`, `replica`): (hard bytes,
/// soft bytes, soft seconds), 0 meaning no limit.
pub fn output_limit(config: &Config, class: &str) -> (u64, u64, u64) {
    let text = config
        .get_text("client-output-buffer-limit")
        .unwrap_or_default();
    let text = String::from_utf8_lossy(&text);
    let words: Vec<&str> = text.split_whitespace().collect();
    let class = if class == "replica" { "slave" } else { class };
    words
        .chunks(4)
        .find(|g| g.len() == 4 && (g[0] == class || (class == "slave" && g[0] == "replica")))
        .map(|g| {
            let n = |s: &str| s.parse::<u64>().unwrap_or(0);
            (n(g[1]), n(g[2]), n(g[3]))
        })
        .unwrap_or((0, 0, 0))
}

/// Bytes of output Redis keeps in a client's static buffer, not counted against
/// `client-output-buffer-limit` (`PROTO_REPLY_CHUNK_BYTES`).
pub const REPLY_BUFFER: usize = 16 * 1024;

impl Clients {
    /// Subscribes connection `c` to `name` in `space`; false when it already was.
    pub fn subscribe(&mut self, c: ConnId, engine: u32, space: Space, name: &[u8]) -> bool {
        let Some(conn) = self.get_mut(c) else {
            return false;
        };
        if !conn.pubsub.set(space).insert(name.to_vec()) {
            return false;
        }
        self.pubsub
            .space(space)
            .entry_ref(name)
            .or_default()
            .push(c);
        self.registry().hub.change(space, name, engine, 1);
        true
    }

    /// Unsubscribes connection `c` from `name` in `space`; false when it was not.
    pub fn unsubscribe(&mut self, c: ConnId, engine: u32, space: Space, name: &[u8]) -> bool {
        let Some(conn) = self.get_mut(c) else {
            return false;
        };
        if !conn.pubsub.set(space).remove(name) {
            return false;
        }
        let m = self.pubsub.space(space);
        if let Some(v) = m.get_mut(name) {
            v.retain(|x| *x != c);
            if v.is_empty() {
                m.remove(name);
            }
        }
        self.registry().hub.change(space, name, engine, -1);
        true
    }

    /// Puts connection `c` in MONITOR mode.
    pub fn monitor(&mut self, c: ConnId, engine: u32) {
        let Some(conn) = self.get_mut(c) else {
            return;
        };
        if conn.pubsub.monitor {
            return;
        }
        conn.pubsub.monitor = true;
        self.pubsub.monitors.push(c);
        self.registry().hub.change_monitors(engine, 1);
    }

    /// Drops every subscription and MONITOR of connection `c` (disconnect, RESET).
    pub fn forget_pubsub(&mut self, c: ConnId, engine: u32) {
        for space in [Space::Channel, Space::Pattern, Space::Shard] {
            let names = match self.get_mut(c) {
                Some(conn) => conn.pubsub.names(space),
                None => return,
            };
            for n in names {
                self.unsubscribe(c, engine, space, &n);
            }
        }
        if let Some(conn) = self.get_mut(c) {
            if conn.pubsub.monitor {
                conn.pubsub.monitor = false;
                self.pubsub.monitors.retain(|x| *x != c);
                self.registry().hub.change_monitors(engine, -1);
            }
        }
    }

    /// Delivers `msg` to this engine's subscribers (or monitors); the connection in slot
    /// `caller` (the publisher, when it runs here) gets its copy in `caller_out` instead of
    /// its push buffer. Subscribers over their output limit are killed.
    pub fn deliver(
        &mut self,
        msg: &Message<'_>,
        config: &Config,
        now_ms: u64,
        caller: Option<ConnId>,
        caller_out: &mut Vec<u8>,
    ) {
        // (subscriber, pattern it matched by)
        let mut to: Vec<(ConnId, Option<Vec<u8>>)> = Vec::new();
        match msg {
            Message::Publish { channel, .. } => {
                if let Some(v) = self.pubsub.channels.as_ref().and_then(|m| m.get(*channel)) {
                    to.extend(v.iter().map(|c| (*c, None)));
                }
                if let Some(pats) = self.pubsub.patterns.as_ref() {
                    for (p, v) in pats {
                        if glob_match(p, channel, false) {
                            to.extend(v.iter().map(|c| (*c, Some(p.clone()))));
                        }
                    }
                }
            }
            Message::Shard { channel, .. } => {
                if let Some(v) = self.pubsub.shard.as_ref().and_then(|m| m.get(*channel)) {
                    to.extend(v.iter().map(|c| (*c, None)));
                }
            }
            Message::Monitor(_) => {
                to.extend(
                    self.pubsub
                        .monitors
                        .iter()
                        .filter(|c| Some(**c) != caller)
                        .map(|c| (*c, None)),
                );
            }
        }
        if to.is_empty() {
            return;
        }
        let limits = output_limit(
            config,
            if matches!(msg, Message::Monitor(_)) {
                "replica"
            } else {
                "pubsub"
            },
        );
        let mut over: Vec<u64> = Vec::new();
        for (c, pattern) in to {
            let Some(conn) = self.get_mut(c) else {
                continue;
            };
            // CLIENT REPLY OFF drops messages as it drops replies (Redis's
            // `prepareClientToWrite`); the subscriber still counts as a receiver.
            if conn.killed || conn.reply.off {
                continue;
            }
            let is_caller = Some(c) == caller;
            let buf = if is_caller {
                &mut *caller_out
            } else {
                &mut conn.pubsub.push
            };
            encode(buf, conn.proto, msg, pattern.as_deref());
            if is_caller {
                continue;
            }
            let ps = &mut conn.pubsub;
            ps.wake();
            if over_limit(ps, limits, now_ms) {
                over.push(conn.id);
            }
        }
        for id in over {
            if let Some(conn) = self.iter_mut().find(|x| x.id == id) {
                conn.pubsub.push = Vec::new();
            }
            self.kill_for_output(id);
        }
    }
}

/// True when the bytes waiting for a subscriber break `limits` (hard, soft, seconds).
fn over_limit(ps: &mut ConnPubSub, (hard, soft, secs): (u64, u64, u64), now_ms: u64) -> bool {
    let used = (ps.push.len() + ps.out_pending).saturating_sub(REPLY_BUFFER) as u64;
    if hard > 0 && used >= hard {
        return true;
    }
    if soft > 0 && used >= soft {
        if ps.soft_since_ms == 0 {
            ps.soft_since_ms = now_ms.max(1);
            return false;
        }
        return now_ms.saturating_sub(ps.soft_since_ms) >= secs * 1000;
    }
    ps.soft_since_ms = 0;
    false
}

/// Encodes `msg` for a subscriber speaking `proto`.
fn encode(out: &mut Vec<u8>, proto: Proto, msg: &Message<'_>, pattern: Option<&[u8]>) {
    let mut r = Reply::new(out, proto);
    match (msg, pattern) {
        (Message::Publish { channel, payload }, None) => {
            r.push(3);
            r.bulk(b"message");
            r.bulk(channel);
            r.bulk(payload);
        }
        (Message::Publish { channel, payload }, Some(p)) => {
            r.push(4);
            r.bulk(b"pmessage");
            r.bulk(p);
            r.bulk(channel);
            r.bulk(payload);
        }
        (Message::Shard { channel, payload }, _) => {
            r.push(3);
            r.bulk(b"smessage");
            r.bulk(channel);
            r.bulk(payload);
        }
        (Message::Monitor(line), _) => {
            r.raw(b"+");
            r.raw(line);
            r.raw(b"\r\n");
        }
    }
}

/// A MONITOR line (Redis's `replicationFeedMonitors`): `<sec>.<usec> [<db> <addr>]`
/// and each argument quoted as `sdscatrepr` quotes it.
pub fn monitor_line(now_us: u64, db: usize, addr: &str, args: Args<'_>) -> Vec<u8> {
    use core::fmt::Write as _;
    let mut s = String::new();
    let _ = write!(
        s,
        "{}.{:06} [{} {}]",
        now_us / 1_000_000,
        now_us % 1_000_000,
        db,
        addr
    );
    let mut out = s.into_bytes();
    for a in args.iter() {
        out.push(b' ');
        anax_protocol::sds::repr(a, &mut out);
    }
    out
}

/// Publishes `msg` from engine `me`: delivers here (the caller's copy into `caller_out`)
/// and posts it to the other engines with receivers. The number of receivers (0 for a
/// MONITOR line).
pub fn publish(
    clients: &mut Clients,
    config: &Config,
    host: &dyn Host,
    me: u32,
    caller: Option<ConnId>,
    caller_out: &mut Vec<u8>,
    msg: Message<'_>,
) -> u64 {
    let hub = &clients.registry().hub;
    if !hub.active() {
        return 0;
    }
    let (n, engines) = match msg {
        Message::Publish { channel, .. } => hub.receivers(Space::Channel, channel),
        Message::Shard { channel, .. } => hub.receivers(Space::Shard, channel),
        Message::Monitor(_) => (0, hub.monitor_engines()),
    };
    let mut owned: Option<Arc<Owned>> = None;
    for e in engines {
        if e == me {
            clients.deliver(&msg, config, host.now_us() / 1000, caller, caller_out);
        } else {
            let o = owned
                .get_or_insert_with(|| Arc::new(Owned::of(&msg)))
                .clone();
            host.post(
                e as usize,
                Box::new(move |engine: &mut Engine, host: &dyn Host| {
                    engine.deliver(host, &o.as_message());
                }),
            );
        }
    }
    n
}

impl Engine {
    /// Delivers a message another engine posted to this one's subscribers.
    pub fn deliver(&mut self, host: &dyn Host, msg: &Message<'_>) {
        let now_ms = host.now_us() / 1000;
        let mut unused = Vec::new();
        self.clients
            .deliver(msg, &self.state.config, now_ms, None, &mut unused);
    }

    /// Takes the pushes (messages, monitor lines) waiting for connection `c`.
    pub fn take_push(&mut self, c: ConnId) -> Vec<u8> {
        match self.clients.get_mut(c) {
            Some(conn) => core::mem::take(&mut conn.pubsub.push),
            None => Vec::new(),
        }
    }

    /// Ready when pushes wait for connection `c` (or it is gone); otherwise the task of
    /// `cx` is woken when one arrives.
    pub fn poll_push(&mut self, c: ConnId, cx: &mut Context<'_>) -> Poll<()> {
        match self.clients.get_mut(c) {
            Some(conn) if conn.pubsub.push.is_empty() => {
                match &conn.pubsub.waker {
                    Some(w) if w.will_wake(cx.waker()) => {}
                    _ => conn.pubsub.waker = Some(cx.waker().clone()),
                }
                Poll::Pending
            }
            _ => Poll::Ready(()),
        }
    }

    /// The host reports the output bytes it holds unwritten for connection `c` (counted
    /// against its output buffer limit at the next delivery).
    pub fn set_out_pending(&mut self, c: ConnId, bytes: usize) {
        if let Some(conn) = self.clients.get_mut(c) {
            conn.pubsub.out_pending = bytes;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monitor_lines_quote_as_sdscatrepr() {
        let args = anax_protocol::OwnedArgs::from_iter(["set", "k\"\\", "a\r\n\x01 b"]);
        let line = monitor_line(1_700_000_000_000_042, 3, "127.0.0.1:5000", args.as_args());
        assert_eq!(
            String::from_utf8(line).unwrap(),
            "1700000000.000042 [3 127.0.0.1:5000] \"set\" \"k\\\"\\\\\" \"a\\r\\n\\x01 b\""
        );
    }

    #[test]
    fn counts_by_engine_add_and_remove() {
        let mut c: Counts = Vec::new();
        add_count(&mut c, 3, 1);
        add_count(&mut c, 3, 1);
        add_count(&mut c, 1, 1);
        assert_eq!(total(&c), 3);
        add_count(&mut c, 3, -2);
        assert_eq!(c, [(1, 1)]);
        add_count(&mut c, 7, -1);
        assert_eq!(c, [(1, 1)]);
    }

    #[test]
    fn the_hub_counts_receivers_with_patterns_and_knows_the_engines() {
        let hub = Hub::default();
        assert!(!hub.active());
        hub.change(Space::Channel, b"news", 0, 1);
        hub.change(Space::Channel, b"news", 1, 1);
        hub.change(Space::Pattern, b"n*", 2, 1);
        hub.change(Space::Pattern, b"x*", 3, 1);
        hub.change(Space::Shard, b"news", 3, 1);
        let (n, mut engines) = hub.receivers(Space::Channel, b"news");
        engines.sort();
        assert_eq!((n, engines), (3, alloc::vec![0, 1, 2]));
        assert_eq!(hub.receivers(Space::Shard, b"news"), (1, alloc::vec![3]));
        assert_eq!(hub.numsub(Space::Channel, b"news"), 2);
        assert_eq!(hub.numpat(), 2);
        hub.change(Space::Channel, b"news", 0, -1);
        hub.change(Space::Channel, b"news", 1, -1);
        assert_eq!(hub.numsub(Space::Channel, b"news"), 0);
        assert!(hub.channels(Space::Channel, None).is_empty());
        hub.change(Space::Pattern, b"n*", 2, -1);
        hub.change(Space::Pattern, b"x*", 3, -1);
        hub.change(Space::Shard, b"news", 3, -1);
        assert!(!hub.active());
    }

    #[test]
    fn the_soft_limit_holds_for_its_seconds_and_the_hard_limit_at_once() {
        let mut ps = ConnPubSub {
            push: alloc::vec![0; REPLY_BUFFER + 100],
            ..Default::default()
        };
        assert!(!over_limit(&mut ps, (0, 50, 2), 1_000));
        assert!(!over_limit(&mut ps, (0, 50, 2), 2_999));
        assert!(over_limit(&mut ps, (0, 50, 2), 3_000));
        let mut ps = ConnPubSub {
            out_pending: REPLY_BUFFER + 100,
            ..Default::default()
        };
        assert!(over_limit(&mut ps, (100, 0, 0), 1));
        assert!(!over_limit(&mut ps, (101, 0, 0), 1));
        ps.out_pending = REPLY_BUFFER;
        assert!(!over_limit(&mut ps, (1, 1, 0), 1));
    }
}
