//! WATCH and EXEC. MULTI, DISCARD and UNWATCH change only the connection and run as plain
//! handlers (`cmd::multi`); queueing is the dispatcher's ([`Engine::prepare`]).
//!
//! EXEC is one transaction: it locks the keys of every queued command (and the keys the
//! connection watches, shared), shard by shard in ascending order, or every shard whole
//! when a queued command works on every shard (FLUSHDB, KEYS, SCAN...); then it checks the
//! WATCH session, runs the commands one after the other through the same plans as outside
//! a transaction (their hops skip the lock check: the transaction holds the locks), and
//! releases everything.
//!
//! [`Engine::prepare`]: crate::Engine::prepare

use super::dispatch::{dispatch, reply_error, Caller, Outcome};
use super::lock::{LockSet, Mode};
use super::route::{for_each_key, Special};
use super::watch::{WatchedKey, Watching};
use super::{hop, hop_sync, join_all, local, post, Messenger};
use crate::cmd::flags;
use crate::engine::{Action, MultiState, Routed};
use crate::errors;
use crate::shard::shard_of;
use crate::value::Key;
use alloc::boxed::Box;
use alloc::vec::Vec;
use anax_protocol::{OwnedArgs, Reply};

/// WATCH key [key ...]: registers each key with its shard (which marks the session on a
/// write) and notes its expiry.
pub(crate) async fn watch(
    m: &dyn Messenger,
    caller: Caller,
    args: &OwnedArgs,
    out: &mut Vec<u8>,
) -> Outcome {
    let c = caller.conn;
    let db = caller.db;
    // The session, and the keys not watched yet in this database.
    let got = local(m, |e, _| {
        let conn = e.conn_mut(c)?;
        if conn.multi.is_some() {
            return Some(None);
        }
        let w = conn.watching.get_or_insert_with(Watching::new);
        let mut fresh: Vec<Key> = Vec::new();
        for k in args.as_args().iter().skip(1) {
            let seen = w
                .keys
                .iter()
                .any(|wk| wk.db == db && wk.key.as_bytes() == k)
                || fresh.iter().any(|f| f.as_bytes() == k);
            if !seen {
                fresh.push(Key::new(k));
            }
        }
        Some(Some((w.flag.clone(), fresh)))
    });
    let Some(got) = got else {
        return Outcome {
            action: Action::Close,
            failed: false,
            counted: false,
        };
    };
    let Some((flag, fresh)) = got else {
        reply_error(m, caller.proto, errors::WATCH_INSIDE_MULTI, out);
        return Outcome {
            action: Action::Continue,
            failed: true,
            counted: false,
        };
    };
    let n = m.shards();
    let mut by_shard: Vec<(usize, Vec<Key>)> = Vec::new();
    for k in fresh {
        let s = shard_of(k.as_bytes(), n);
        match by_shard.iter_mut().find(|(sh, _)| *sh == s) {
            Some((_, v)) => v.push(k),
            None => by_shard.push((s, alloc::vec![k])),
        }
    }
    let hops = by_shard
        .into_iter()
        .map(|(s, keys)| {
            let flag = flag.clone();
            hop_sync(m, s, move |e, h| {
                let now = h.now_us() / 1000;
                let sh = e.state.shard(s);
                keys.into_iter()
                    .map(|k| {
                        sh.watches.add(db, k.as_bytes(), &flag);
                        let expire_at =
                            sh.dbs[db].get(k.as_bytes(), now).map_or(0, |e| e.expire_at);
                        WatchedKey {
                            db,
                            key: k,
                            expire_at,
                        }
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let watched = join_all(hops).await;
    local(m, |e, _| {
        if let Some(w) = e.conn_mut(c).and_then(|conn| conn.watching.as_mut()) {
            if alloc::sync::Arc::ptr_eq(&w.flag, &flag) {
                w.keys.extend(watched.into_iter().flatten());
            }
        }
    });
    Reply::new(out, caller.proto).ok();
    Outcome {
        action: Action::Continue,
        failed: false,
        counted: false,
    }
}

/// What EXEC locks on one shard.
struct ShardLocks {
    shard: usize,
    locks: LockSet,
}

fn locks_for(list: &mut Vec<ShardLocks>, shard: usize) -> &mut LockSet {
    let i = match list.iter().position(|l| l.shard == shard) {
        Some(i) => i,
        None => {
            list.push(ShardLocks {
                shard,
                locks: LockSet::default(),
            });
            list.len() - 1
        }
    };
    &mut list[i].locks
}

/// EXEC: runs the queued commands as one transaction.
pub(crate) async fn exec(m: &dyn Messenger, caller: Caller, out: &mut Vec<u8>) -> Outcome {
    let c = caller.conn;
    enum Start {
        NotInMulti,
        Aborted,
        Run(MultiState, Option<Watching>),
    }
    let start = local(m, |e, _| {
        let conn = e.conn_mut(c)?;
        Some(match conn.multi.take() {
            None => Start::NotInMulti,
            Some(ms) if ms.aborted => {
                conn.discard();
                Start::Aborted
            }
            Some(ms) => Start::Run(ms, conn.watching.clone()),
        })
    });
    let Some(start) = start else {
        return Outcome {
            action: Action::Close,
            failed: false,
            counted: false,
        };
    };
    let (queued, watching) = match start {
        Start::NotInMulti => {
            reply_error(m, caller.proto, errors::EXEC_WITHOUT_MULTI, out);
            return Outcome {
                action: Action::Continue,
                failed: true,
                counted: false,
            };
        }
        Start::Aborted => {
            reply_error(m, caller.proto, errors::EXECABORT, out);
            return Outcome {
                action: Action::Continue,
                failed: true,
                counted: false,
            };
        }
        Start::Run(ms, w) => (ms.queued, w),
    };

    // The locks: every queued command's keys, the watched keys (shared), or every shard
    // whole when a command works on all of them.
    let n = m.shards();
    let plan = local(m, |e, _| {
        let mut list: Vec<ShardLocks> = Vec::new();
        let mut global: Option<Mode> = None;
        for (idx, args) in &queued {
            let entry = &e.state.commands.entries[*idx];
            let mode = Mode::for_write(!entry.spec.has(flags::READONLY));
            match entry.special {
                Special::AllShards(_) | Special::Scan | Special::RandomKey | Special::Debug => {
                    global = Some(match (global, mode) {
                        (Some(Mode::Exclusive), _) | (_, Mode::Exclusive) => Mode::Exclusive,
                        _ => Mode::Shared,
                    });
                }
                _ => for_each_key(entry, args.as_args(), |k| {
                    locks_for(&mut list, shard_of(k, n)).add(k, mode)
                }),
            }
        }
        if let Some(w) = &watching {
            for wk in &w.keys {
                locks_for(&mut list, shard_of(wk.key.as_bytes(), n))
                    .add(wk.key.as_bytes(), Mode::Shared);
            }
        }
        if let Some(g) = global {
            for s in 0..n {
                locks_for(&mut list, s).add_shard(g);
            }
        }
        list.sort_by_key(|l| l.shard);
        list
    });
    let txid = m.next_txid();
    let shards: Vec<usize> = plan.iter().map(|l| l.shard).collect();
    for l in plan {
        let ShardLocks { shard, locks } = l;
        hop(m, shard, move |e, h, done| {
            e.lock_then(h, shard, txid, locks, Box::new(move |_, _| done.send(())));
        })
        .await;
    }
    let release = |m: &dyn Messenger| {
        for &s in &shards {
            post(m, s, move |e, h| e.unlock(h, s, txid));
        }
    };

    // Every lock is held: a write to a watched key that came before is seen now.
    let now_ms = local(m, |e, h| {
        if let Some(conn) = e.conn_mut(c) {
            conn.unwatch();
        }
        h.now_us() / 1000
    });
    if watching.as_ref().is_some_and(|w| w.is_dirty(now_ms)) {
        release(m);
        Reply::new(out, caller.proto).null_array();
        return Outcome {
            action: Action::Continue,
            failed: false,
            counted: false,
        };
    }

    let mut body = Vec::new();
    let mut action = Action::Continue;
    let count = queued.len();
    for (idx, args) in queued {
        let Some((start, caller, route)) = local(m, |e, h| {
            let k = Caller::of(e, c)?;
            Some((h.now_us(), k, e.route(idx, args.as_args())))
        }) else {
            break;
        };
        let o = Box::pin(dispatch(
            m,
            caller,
            Routed { idx, route },
            &args,
            true,
            &mut body,
        ))
        .await;
        local(m, |e, h| {
            if o.counted {
                e.note_call(c, idx, start);
            } else {
                e.count_call(h, Some(c), idx, args.as_args(), start, o.action, o.failed);
            }
        });
        if o.action != Action::Continue {
            action = o.action;
        }
    }
    release(m);
    let mut r = Reply::new(out, caller.proto);
    r.array(count);
    r.out.extend_from_slice(&body);
    Outcome {
        action,
        failed: false,
        counted: false,
    }
}
