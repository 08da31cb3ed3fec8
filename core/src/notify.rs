//! Keyspace notifications (`notify-keyspace-events`), as Redis 7.0's `notify.c`.
//!
//! A command that changes a key calls [`Ctx::notify`] with the event's class and name
//! (Redis's `notifyKeyspaceEvent` calls, with the same names and classes); when the class
//! is enabled, the event is published as two Pub/Sub messages: `__keyspace@<db>__:<key>`
//! with the event name (flag `K`) and `__keyevent@<db>__:<event>` with the key (flag `E`).
//!
//! Two kinds of event happen below the commands, in the databases: a key found expired on
//! access or by the active expiry cycle (`expired`, class `x`), and a key a command creates
//! (`new`, class `n`, Redis's `dbAdd`). A [`Db`](crate::db::Db) records them when asked
//! ([`db_log`], kept in step with the settings by [`sync`]); they are
//! published in order before the command's own next event on that database, and after
//! each command ([`flush`]) and each tick ([`flush_shards`]).
//!
//! The settings are kept as text ([`Config::notify_keyspace_events`]); with it empty (the
//! default) every call costs one test of its length and nothing else. Otherwise the few
//! class characters are parsed at each event, and nothing is formatted unless somebody
//! subscribes somewhere.
//!
//! Anax has no eviction, so `evicted` (class `e`) is never sent; nor are stream (`t`) and
//! module (`d`) events.

use crate::config::Config;
use crate::db::{KeyEvent, LOG_EXPIRED, LOG_NEW};
use crate::engine::{Clients, Ctx, Host, State};
use crate::pubsub::{self, Message};
use crate::shard::Shard;
use alloc::vec::Vec;

/// `K`: publish on `__keyspace@<db>__:<key>` channels.
pub const KEYSPACE: u32 = 1 << 0;
/// `E`: publish on `__keyevent@<db>__:<event>` channels.
pub const KEYEVENT: u32 = 1 << 1;
/// `g`: generic commands (DEL, EXPIRE, RENAME...).
pub const GENERIC: u32 = 1 << 2;
/// `$`: string commands.
pub const STRING: u32 = 1 << 3;
/// `l`: list commands.
pub const LIST: u32 = 1 << 4;
/// `s`: set commands.
pub const SET: u32 = 1 << 5;
/// `h`: hash commands.
pub const HASH: u32 = 1 << 6;
/// `z`: sorted set commands.
pub const ZSET: u32 = 1 << 7;
/// `x`: expired keys.
pub const EXPIRED: u32 = 1 << 8;
/// `e`: evicted keys (never sent: Anax does not evict).
pub const EVICTED: u32 = 1 << 9;
/// `t`: stream commands (none in Anax).
pub const STREAM: u32 = 1 << 10;
/// `m`: reads of missing keys (`keymiss`).
pub const KEY_MISS: u32 = 1 << 11;
/// `d`: module events (none in Anax).
pub const MODULE: u32 = 1 << 12;
/// `n`: created keys (`new`).
pub const NEW: u32 = 1 << 13;
/// `A`: `g$lshzxetd` (not `m` nor `n`, as Redis).
pub const ALL: u32 =
    GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE;

/// Redis's `keyspaceEventsStringToFlags`: the flags of a class string; `None` when it has
/// a character that is not a class.
pub fn parse(text: &[u8]) -> Option<u32> {
    let mut f = 0;
    for &c in text {
        f |= match c {
            b'A' => ALL,
            b'g' => GENERIC,
            b'$' => STRING,
            b'l' => LIST,
            b's' => SET,
            b'h' => HASH,
            b'z' => ZSET,
            b'x' => EXPIRED,
            b'e' => EVICTED,
            b'K' => KEYSPACE,
            b'E' => KEYEVENT,
            b't' => STREAM,
            b'm' => KEY_MISS,
            b'd' => MODULE,
            b'n' => NEW,
            _ => return None,
        };
    }
    Some(f)
}

/// The flags the settings enable (0 when notifications are off).
#[inline]
pub fn flags(config: &Config) -> u32 {
    let t = config.notify_keyspace_events.as_bytes();
    if t.is_empty() {
        return 0;
    }
    parse(t).unwrap_or(0)
}

/// True when events of `class` are published under `flags`: the class is on, and so is
/// one kind of channel.
#[inline]
pub fn enabled(flags: u32, class: u32) -> bool {
    flags & class != 0 && flags & (KEYSPACE | KEYEVENT) != 0
}

/// What databases should record under `flags` (see [`Db::set_log`](crate::db::Db::set_log)).
pub fn db_log(flags: u32) -> u8 {
    let mut log = 0;
    if enabled(flags, EXPIRED) {
        log |= LOG_EXPIRED;
    }
    if enabled(flags, NEW) {
        log |= LOG_NEW;
    }
    log
}

/// The two channels of an event: `__keyspace@<db>__:<key>` and `__keyevent@<db>__:<event>`.
fn channels(flags: u32, event: &str, key: &[u8], dbid: usize) -> [Option<Vec<u8>>; 2] {
    let mut db = itoa::Buffer::new();
    let db = db.format(dbid).as_bytes();
    let make = |kind: &[u8], tail: &[u8]| {
        let mut c = Vec::with_capacity(kind.len() + db.len() + 3 + tail.len());
        c.extend_from_slice(kind);
        c.extend_from_slice(db);
        c.extend_from_slice(b"__:");
        c.extend_from_slice(tail);
        c
    };
    [
        (flags & KEYSPACE != 0).then(|| make(b"__keyspace@", key)),
        (flags & KEYEVENT != 0).then(|| make(b"__keyevent@", event.as_bytes())),
    ]
}

/// Redis's `notifyKeyspaceEvent` for a command: publishes `event` on key `key` of database
/// `dbid` when `class` is enabled. Events the key's database recorded (expired or created
/// keys) go first. A subscription of the calling connection gets the messages before the
/// command's reply, as in Redis.
pub fn keyspace_event(ctx: &mut Ctx<'_>, class: u32, event: &str, key: &[u8], dbid: usize) {
    let f = flags(&ctx.state.config);
    if f == 0 {
        return;
    }
    if ctx.state.db(dbid, key).has_events() {
        let recorded = ctx.state.db(dbid, key).take_events();
        publish_recorded(ctx, f, dbid, recorded);
    }
    publish(ctx, f, class, event, key, dbid);
}

fn publish(ctx: &mut Ctx<'_>, flags: u32, class: u32, event: &str, key: &[u8], dbid: usize) {
    if !enabled(flags, class) || !ctx.clients.registry().hub.active() {
        return;
    }
    let [space, keyevent] = channels(flags, event, key, dbid);
    if let Some(channel) = space {
        ctx.publish(Message::Publish {
            channel: &channel,
            payload: event.as_bytes(),
        });
    }
    if let Some(channel) = keyevent {
        ctx.publish(Message::Publish {
            channel: &channel,
            payload: key,
        });
    }
}

fn event_of(e: KeyEvent) -> (u32, &'static str) {
    match e {
        KeyEvent::Expired => (EXPIRED, "expired"),
        KeyEvent::New => (NEW, "new"),
    }
}

fn publish_recorded(
    ctx: &mut Ctx<'_>,
    flags: u32,
    dbid: usize,
    recorded: Vec<(KeyEvent, crate::value::Key)>,
) {
    for (e, key) in recorded {
        let (class, name) = event_of(e);
        publish(ctx, flags, class, name, key.as_bytes(), dbid);
    }
}

/// After a command: publishes what the databases of the shards the call covered recorded.
pub fn flush(ctx: &mut Ctx<'_>) {
    let f = flags(&ctx.state.config);
    if f == 0 {
        return;
    }
    for local in ctx.scope() {
        for dbid in 0..ctx.state.shards[local].dbs.len() {
            let db = &mut ctx.state.shards[local].dbs[dbid];
            if db.has_events() {
                let recorded = db.take_events();
                publish_recorded(ctx, f, dbid, recorded);
            }
        }
    }
}

/// Outside commands (the active expiry cycle, lookups for another thread's command):
/// publishes what the databases of `shards` recorded, from engine `me`.
pub fn flush_shards(
    shards: &mut [Shard],
    clients: &mut Clients,
    config: &Config,
    host: &dyn Host,
    me: u32,
) {
    let f = flags(config);
    if f == 0 {
        return;
    }
    let mut unused = Vec::new();
    for shard in shards {
        for (dbid, db) in shard.dbs.iter_mut().enumerate() {
            if !db.has_events() {
                continue;
            }
            for (e, key) in db.take_events() {
                let (class, name) = event_of(e);
                if !enabled(f, class) || !clients.registry().hub.active() {
                    continue;
                }
                let key = key.as_bytes();
                let [space, keyevent] = channels(f, name, key, dbid);
                for (channel, payload) in [(space, name.as_bytes()), (keyevent, key)] {
                    if let Some(channel) = channel {
                        pubsub::publish(
                            clients,
                            config,
                            host,
                            me,
                            None,
                            &mut unused,
                            Message::Publish {
                                channel: &channel,
                                payload,
                            },
                        );
                    }
                }
            }
        }
    }
}

/// Keeps what every database of `state` records in step with the settings: called when
/// they may have changed (a CONFIG SET here, before a command when notifications are or
/// were on, at each tick); it touches the databases only when that changes.
pub fn sync(state: &mut State) {
    let log = db_log(flags(&state.config));
    if log != state.notify_log {
        state.sync_notify(log);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;

    #[test]
    fn classes_parse_as_redis() {
        assert_eq!(parse(b""), Some(0));
        assert_eq!(parse(b"KEA"), Some(KEYSPACE | KEYEVENT | ALL));
        assert_eq!(parse(b"Kl"), Some(KEYSPACE | LIST));
        assert_eq!(parse(b"Egx"), Some(KEYEVENT | GENERIC | EXPIRED));
        assert_eq!(parse(b"KEn"), Some(KEYSPACE | KEYEVENT | NEW));
        assert_eq!(parse(b"m"), Some(KEY_MISS));
        assert_eq!(
            parse(b"$lshzetd"),
            Some(STRING | LIST | SET | HASH | ZSET | EVICTED | STREAM | MODULE)
        );
        // A includes neither m nor n.
        assert_eq!(parse(b"A").map(|f| f & (KEY_MISS | NEW)), Some(0));
        assert_eq!(parse(b"KEAq"), None);
        assert_eq!(parse(b"k"), None);
        assert_eq!(parse(b" "), None);
    }

    #[test]
    fn an_event_needs_its_class_and_a_channel() {
        let f = parse(b"Kl").unwrap();
        assert!(enabled(f, LIST));
        assert!(!enabled(f, STRING));
        assert!(!enabled(f, GENERIC));
        // Classes without K or E publish nothing.
        assert!(!enabled(parse(b"A").unwrap(), LIST));
        assert!(enabled(parse(b"Em").unwrap(), KEY_MISS));
        assert_eq!(db_log(parse(b"KEA").unwrap()), LOG_EXPIRED);
        assert_eq!(db_log(parse(b"En").unwrap()), LOG_NEW);
        assert_eq!(db_log(parse(b"Ax").unwrap()), 0);
        assert_eq!(db_log(parse(b"KEAn").unwrap()), LOG_EXPIRED | LOG_NEW);
    }

    #[test]
    fn channels_name_the_database() {
        let [s, e] = channels(KEYSPACE | KEYEVENT, "set", b"k", 12);
        assert_eq!(s.as_deref(), Some(&b"__keyspace@12__:k"[..]));
        assert_eq!(e.as_deref(), Some(&b"__keyevent@12__:set"[..]));
        let [s, e] = channels(KEYEVENT, "del", b"k", 0);
        assert_eq!(s, None);
        assert_eq!(e.as_deref(), Some(&b"__keyevent@0__:del"[..]));
    }

    #[test]
    fn settings_off_mean_no_flags() {
        let mut c = Config::default();
        assert_eq!(flags(&c), 0);
        c.notify_keyspace_events = String::from("KEA");
        assert_eq!(flags(&c), KEYSPACE | KEYEVENT | ALL);
    }
}
