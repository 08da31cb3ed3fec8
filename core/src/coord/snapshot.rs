//! The snapshot plans: SAVE, BGSAVE, and starting a snapshot for the host (save points, a
//! scheduled BGSAVE, the save at shutdown). See [`crate::snapshot`] for the design.
//!
//! A snapshot starts as one transaction: an exclusive whole-shard lock on every shard,
//! taken in ascending shard order (as FLUSHALL's), each shard starting its part when its
//! lock is granted, every lock released only after the last shard started. So the parts
//! start at one instant of the serial order of commands and transactions.

use super::dispatch::{reply_error, Caller, Outcome};
use super::lock::{LockSet, Mode};
use super::{hop, hop_sync, local, post, Messenger};
use crate::engine::{Engine, Host, SaveTarget};
use crate::errors;
use crate::snapshot::{Refused, SaveKind, BGSAVE_IN_PROGRESS};
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use anax_protocol::{OwnedArgs, Reply};

/// The file a snapshot goes to, from this thread's settings.
fn target(m: &dyn Messenger) -> SaveTarget {
    let n = m.shards();
    local(m, |e, _| SaveTarget {
        dir: e.state.config.dir.clone(),
        dbfilename: e.state.config.dbfilename.clone(),
        compression: e.state.config.rdbcompression(),
        shards: n,
    })
}

/// Starts a server-wide snapshot of `kind`: refused when the host has one in progress
/// (or cannot save). A [`SaveKind::Save`] snapshot is complete when this returns (each
/// shard ran its part to the end under its lock), the host still writing the file out
/// ([`Host::snapshot_wait`](crate::Host::snapshot_wait)); a background one goes on as the
/// host drives it ([`Engine::snapshot_drive`](crate::Engine::snapshot_drive)).
pub async fn start(m: &dyn Messenger, kind: SaveKind) -> Result<(), Refused> {
    let txid = start_locked(m, kind).await?;
    unlock_all(m, txid);
    Ok(())
}

/// Releases the whole-shard locks of transaction `txid` on every shard.
fn unlock_all(m: &dyn Messenger, txid: u64) {
    for s in 0..m.shards() {
        post(m, s, move |e, h| e.unlock(h, s, txid));
    }
}

/// [`start`], returning with every shard still locked by the returned transaction.
async fn start_locked(m: &dyn Messenger, kind: SaveKind) -> Result<u64, Refused> {
    let txid = m.next_txid();
    start_parts(m, kind, Some(txid)).await?;
    Ok(txid)
}

/// Begins the snapshot with the host and starts every shard's part: under a whole-shard
/// lock of transaction `txid` taken shard by shard, or, with `None`, inside a transaction
/// that holds every shard already (EXEC).
async fn start_parts(m: &dyn Messenger, kind: SaveKind, txid: Option<u64>) -> Result<(), Refused> {
    let n = m.shards();
    let target = target(m);
    local(m, |_, h| h.snapshot_begin(kind, &target))?;
    let mut dirty = 0;
    for s in 0..n {
        let part = move |e: &mut Engine, h: &dyn Host| {
            e.snapshot_begin_shard(s);
            // The write counter is per engine: counted once, by its first shard.
            let dirty = if s == e.state.first_shard {
                e.state.dirty
            } else {
                0
            };
            match kind {
                SaveKind::Save => e.snapshot_run_shard(h, s),
                SaveKind::Background => h.snapshot_wake(),
            }
            dirty
        };
        dirty += match txid {
            None => hop_sync(m, s, part).await,
            Some(txid) => {
                let mut locks = LockSet::default();
                locks.add_shard(Mode::Exclusive);
                hop(m, s, move |e, h, done| {
                    e.lock_then(
                        h,
                        s,
                        txid,
                        locks,
                        Box::new(move |e, h| done.send(part(e, h))),
                    );
                })
                .await
            }
        };
    }
    local(m, |_, h| h.snapshot_started(dirty));
    Ok(())
}

/// SAVE as the host's save at shutdown and DEBUG RELOAD use it: a snapshot run to its end,
/// then the file written; the error text (logged by the host) when it failed.
pub async fn save(m: &dyn Messenger) -> Result<(), String> {
    match start(m, SaveKind::Save).await {
        Ok(()) => local(m, |_, h| h.snapshot_wait()),
        Err(Refused::InProgress) => Err(String::from(BGSAVE_IN_PROGRESS)),
        Err(Refused::Failed(why)) => Err(why),
    }
}

/// SAVE and BGSAVE [SCHEDULE], with Redis 7.0's replies.
pub(crate) async fn command(
    m: &dyn Messenger,
    caller: Caller,
    kind: SaveKind,
    args: &OwnedArgs,
    in_tx: bool,
    out: &mut Vec<u8>,
) -> Outcome {
    let proto = caller.proto;
    let fail = |text: &str, out: &mut Vec<u8>| {
        reply_error(m, proto, text, out);
        Outcome::done(true)
    };
    if kind == SaveKind::Background {
        let a = args.as_args();
        if a.len() > 2 || (a.len() == 2 && !a.get(1).eq_ignore_ascii_case(b"schedule")) {
            return fail(errors::SYNTAX, out);
        }
        if in_tx {
            // Redis schedules a BGSAVE asked for inside EXEC.
            if local(m, |_, h| h.persistence().in_progress) {
                return fail(BGSAVE_IN_PROGRESS, out);
            }
            local(m, |_, h| h.snapshot_schedule());
            Reply::new(out, proto).simple(b"Background saving scheduled");
            return Outcome::done(false);
        }
    }
    match start(m, kind).await {
        Ok(()) if kind == SaveKind::Background => {
            Reply::new(out, proto).simple(b"Background saving started");
            Outcome::done(false)
        }
        Ok(()) => match local(m, |_, h| h.snapshot_wait()) {
            Ok(()) => {
                Reply::new(out, proto).ok();
                Outcome::done(false)
            }
            Err(_) => fail("ERR", out),
        },
        Err(Refused::InProgress) => fail(BGSAVE_IN_PROGRESS, out),
        Err(Refused::Failed(_)) => fail("ERR", out),
    }
}

/// DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: under an exclusive lock on every shard (or
/// inside EXEC, which then holds every shard), saves (unless NOSAVE), empties every
/// database (unless NOFLUSH) and loads the file back, each key to its shard, with Redis's
/// replies (a file that does not load leaves the databases empty, as in Redis).
pub(crate) async fn reload(
    m: &dyn Messenger,
    caller: Caller,
    args: &OwnedArgs,
    in_tx: bool,
    out: &mut Vec<u8>,
) -> Outcome {
    let proto = caller.proto;
    let fail = |text: &str, out: &mut Vec<u8>| {
        reply_error(m, proto, text, out);
        Outcome::done(true)
    };
    let allowed = local(m, |e, _| {
        e.conn(caller.conn).is_some_and(|c| {
            crate::cmd::server::debug_allowed(&e.state.config.enable_debug_command, c)
        })
    });
    if !allowed {
        return fail(errors::DEBUG_NOT_ALLOWED, out);
    }
    let (mut save, mut flush) = (true, true);
    for a in args.as_args().iter().skip(2) {
        if a.eq_ignore_ascii_case(b"nosave") {
            save = false;
        } else if a.eq_ignore_ascii_case(b"noflush") {
            flush = false;
        } else if !a.eq_ignore_ascii_case(b"merge") {
            return fail(
                "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.",
                out,
            );
        }
    }
    let n = m.shards();
    // Inside EXEC the transaction holds every shard (it locks them all for DEBUG).
    let txid = if in_tx { None } else { Some(m.next_txid()) };
    let unlock = |txid: Option<u64>| {
        if let Some(t) = txid {
            unlock_all(m, t);
        }
    };
    if save {
        match start_parts(m, SaveKind::Save, txid).await {
            Ok(()) => {}
            Err(Refused::InProgress) => return fail(BGSAVE_IN_PROGRESS, out),
            Err(Refused::Failed(_)) => return fail("ERR", out),
        }
        if local(m, |_, h| h.snapshot_wait()).is_err() {
            unlock(txid);
            return fail("ERR", out);
        }
    } else if let Some(txid) = txid {
        for s in 0..n {
            let mut locks = LockSet::default();
            locks.add_shard(Mode::Exclusive);
            hop(m, s, move |e, h, done| {
                e.lock_then(h, s, txid, locks, Box::new(move |_, _| done.send(())));
            })
            .await;
        }
    }
    let target = target(m);
    let loaded = local(m, |e, h| {
        let bytes = h.snapshot_read(&target)?;
        let opts = crate::rdb::read::LoadOptions::from_config(&e.state.config);
        let now_ms = h.now_us() / 1000;
        let mut per: Vec<Vec<(usize, Vec<u8>, crate::db::Entry)>> =
            (0..n).map(|_| Vec::new()).collect();
        crate::snapshot::load_file(&mut &bytes[..], &opts, n, now_ms, |s, db, k, en| {
            per[s].push((db, k, en))
        })
        .map_err(|e| alloc::format!("{e}"))?;
        Ok::<_, String>(per)
    });
    let ok = loaded.is_ok();
    let per = loaded.unwrap_or_else(|_| (0..n).map(|_| Vec::new()).collect());
    for (s, entries) in per.into_iter().enumerate() {
        hop_sync(m, s, move |e, _| {
            let local = s - e.state.first_shard;
            if flush {
                for db in 0..e.state.config.databases {
                    e.state.touch_watched_db(local, db, None);
                    e.state.shards[local].dbs[db].clear();
                }
            }
            for (db, k, en) in entries {
                e.load_entry(db, &k, en);
            }
        })
        .await;
    }
    unlock(txid);
    if !ok {
        return fail("ERR Error trying to load the RDB dump", out);
    }
    Reply::new(out, proto).ok();
    Outcome::done(false)
}
