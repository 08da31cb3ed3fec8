//! The plans: what [`run`] does for each [`Route`], and [`run_segment`], the squashed run of
//! a pipeline's single-shard commands.

use super::block::{self, Ticket};
use super::lock::{Cont, LockSet, Mode};
use super::merge;
use super::multi;
use super::route::{for_each_key, Facts, Merge, Route};
use super::{hop, hop_sync, join_all, local, post, Batch, BatchOut, Messenger};
use crate::cmd::flags;
use crate::cmd::keys::{self as keyspace, ScanStep, ScanWalk};
use crate::db::Entry;
use crate::engine::{count_error, Action, Call, ConnId, Engine, Host, Remote, Routed};
use crate::shard::shard_of;
use crate::value::Key;
use alloc::boxed::Box;
use alloc::vec::Vec;
use anax_protocol::{OwnedArgs, Proto, Reply};

/// What a plan did.
pub(crate) struct Outcome {
    pub action: Action,
    pub failed: bool,
    /// The call was counted where it ran (a command run whole on its shard).
    pub counted: bool,
}

impl Outcome {
    pub(crate) fn done(failed: bool) -> Outcome {
        Outcome {
            action: Action::Continue,
            failed,
            counted: false,
        }
    }
}

/// The calling connection as the plans see it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Caller {
    pub conn: ConnId,
    pub db: usize,
    pub proto: Proto,
}

impl Caller {
    /// The connection's current database and protocol; `None` once it is gone.
    pub fn of(e: &Engine, conn: ConnId) -> Option<Caller> {
        e.conn(conn).map(|c| Caller {
            conn,
            db: c.db,
            proto: c.proto,
        })
    }
}

/// Carries out a routed command for connection `c` (see [`Engine::prepare`]), appending
/// its reply to `out`, and counts the call.
pub async fn run(
    m: &dyn Messenger,
    c: ConnId,
    routed: Routed,
    args: OwnedArgs,
    out: &mut Vec<u8>,
) -> Action {
    let Some((start, caller)) = local(m, |e, h| Caller::of(e, c).map(|k| (h.now_us(), k))) else {
        return Action::Close;
    };
    let o = dispatch(m, caller, routed, &args, false, out).await;
    local(m, |e, h| {
        if o.counted {
            e.note_call(c, routed.idx, start);
        } else {
            e.count_call(
                h,
                Some(c),
                routed.idx,
                args.as_args(),
                start,
                o.action,
                o.failed,
            );
        }
    });
    o.action
}

/// Runs a plan. `in_tx`: inside EXEC, whose transaction holds every lock already.
pub(crate) async fn dispatch(
    m: &dyn Messenger,
    caller: Caller,
    routed: Routed,
    args: &OwnedArgs,
    in_tx: bool,
    out: &mut Vec<u8>,
) -> Outcome {
    let idx = routed.idx;
    match routed.route {
        Route::Inline(pos) => {
            let (action, failed) = local(m, |e, h| {
                let scope = match pos {
                    Some(i) => i..i + 1,
                    None => 0..e.state.shards.len(),
                };
                let r = e.run_handler(
                    h,
                    Call {
                        slot: caller.conn.slot(),
                        idx,
                        dbi: caller.db,
                        proto: caller.proto,
                        scope,
                        remote: None,
                        touch: true,
                        may_block: false,
                        start_us: 0,
                    },
                    args.as_args(),
                    out,
                );
                e.run_granted(h);
                r
            });
            Outcome {
                action,
                failed,
                counted: false,
            }
        }
        Route::Shard(s) => {
            let batch = Batch {
                shard: s,
                db: caller.db,
                proto: caller.proto,
                cmds: alloc::vec![(idx, args.clone())],
                in_tx,
            };
            let r = hop(m, s, move |e, h, done| {
                e.run_batch(h, batch, 0, BatchOut::default(), done)
            })
            .await;
            out.extend_from_slice(&r.out);
            if !r.slow.is_empty() {
                local(m, |e, _| e.log_slow_calls(caller.conn, r.slow));
            }
            Outcome {
                action: Action::Continue,
                failed: false,
                counted: true,
            }
        }
        Route::Split(kind) => split(m, caller, idx, args, kind, in_tx, out).await,
        Route::Gather => gather(m, caller, idx, args, in_tx, out, None).await,
        Route::AllShards(kind) => all_shards(m, caller, idx, args, kind, in_tx, out).await,
        Route::Scan => scan(m, caller, args, out).await,
        Route::RandomKey => randomkey(m, caller, out).await,
        Route::Facts(f) => facts(m, caller, idx, args, f, out).await,
        Route::Exec => multi::exec(m, caller, out).await,
        Route::Watch => multi::watch(m, caller, args, out).await,
        Route::Snapshot(kind) => super::snapshot::command(m, caller, kind, args, in_tx, out).await,
        Route::Reload => super::snapshot::reload(m, caller, args, in_tx, out).await,
        // In MULTI it runs as any command (and answers as if timed out when it finds
        // nothing).
        Route::Block(Some(s)) if in_tx => {
            let r = Routed {
                idx,
                route: Route::Shard(s),
            };
            Box::pin(dispatch(m, caller, r, args, true, out)).await
        }
        Route::Block(None) if in_tx => gather(m, caller, idx, args, true, out, None).await,
        Route::Block(shard) => block::start(m, caller, idx, args, shard, None, out).await,
    }
}

/// Replies an error from the coordinator, counted on this thread.
pub(crate) fn reply_error(m: &dyn Messenger, proto: Proto, text: &str, out: &mut Vec<u8>) {
    Reply::new(out, proto).error(text);
    local(m, |e, _| count_error(&mut e.state.stats, text));
}

/// Runs command row `idx` with `args` on `shard` (a shard of this engine): one part of a
/// split or all-shard command. Its keys are all on that shard.
fn run_part(
    e: &mut Engine,
    h: &dyn Host,
    idx: usize,
    db: usize,
    proto: Proto,
    shard: usize,
    args: &OwnedArgs,
) -> (Vec<u8>, bool) {
    let local = shard - e.state.first_shard;
    let mut out = Vec::new();
    let (_, failed) = e.run_handler(
        h,
        Call {
            slot: usize::MAX,
            idx,
            dbi: db,
            proto,
            scope: local..local + 1,
            remote: None,
            touch: true,
            may_block: false,
            start_us: 0,
        },
        args.as_args(),
        &mut out,
    );
    (out, failed)
}

impl Engine {
    /// Asks for `locks` on `shard` for transaction `txid`; `then` runs once they are held.
    pub(crate) fn lock_then(
        &mut self,
        h: &dyn Host,
        shard: usize,
        txid: u64,
        locks: LockSet,
        then: Cont,
    ) {
        self.state
            .shard(shard)
            .locks
            .acquire(txid, locks, true, then);
        self.run_granted(h);
    }

    /// Releases what transaction `txid` holds on `shard`.
    pub(crate) fn unlock(&mut self, h: &dyn Host, shard: usize, txid: u64) {
        self.state.shard(shard).locks.release(txid);
        self.run_granted(h);
    }

    /// Notes a call that was counted on another thread on its connection (CLIENT LIST).
    pub fn note_call(&mut self, c: ConnId, idx: usize, start_us: u64) {
        let fullname = self.state.commands.entries[idx].fullname;
        if let Some(conn) = self.conn_mut(c) {
            conn.last_interaction_ms = start_us / 1000;
            conn.last_cmd = fullname;
        }
    }

    /// Runs a gathered command: the fetched entries go into the scratch shard, the handler
    /// runs there, and what it changed comes back (each key's new entry, or none).
    #[allow(clippy::type_complexity, clippy::too_many_arguments)]
    fn run_gathered(
        &mut self,
        h: &dyn Host,
        caller: Caller,
        idx: usize,
        args: &OwnedArgs,
        fetched: Vec<(usize, Key, Option<Entry>)>,
        may_block: bool,
        out: &mut Vec<u8>,
    ) -> (Action, bool, Vec<(usize, Key, Option<Entry>)>) {
        let dirty_before = self.state.dirty;
        let mut dbs: Vec<usize> = fetched.iter().map(|(d, _, _)| *d).collect();
        dbs.sort_unstable();
        dbs.dedup();
        let r = self.with_scratch(|e| {
            for (db, k, ent) in &fetched {
                if let Some(ent) = ent {
                    e.state.shards[0].dbs[*db].insert_entry(k.as_bytes(), ent.clone());
                }
            }
            let (action, failed) = e.run_handler(
                h,
                Call {
                    slot: caller.conn.slot(),
                    idx,
                    dbi: caller.db,
                    proto: caller.proto,
                    scope: 0..1,
                    remote: None,
                    touch: false,
                    may_block,
                    start_us: 0,
                },
                args.as_args(),
                out,
            );
            let mut changes = Vec::new();
            if e.state.dirty != dirty_before {
                for (db, k, before) in fetched {
                    // A time of 0 expires nothing: the entry as stored.
                    let after = e.state.shards[0].dbs[db].get(k.as_bytes(), 0).cloned();
                    let same = match (&before, &after) {
                        (None, None) => true,
                        (Some(a), Some(b)) => a.value == b.value && a.expire_at == b.expire_at,
                        _ => false,
                    };
                    if !same {
                        changes.push((db, k, after));
                    }
                }
            }
            (action, failed, changes)
        });
        self.clear_scratch(dbs.into_iter());
        r
    }

    /// Applies a gathered command's changes to `shard` and marks their watchers.
    fn apply_changes(&mut self, shard: usize, changes: Vec<(usize, Key, Option<Entry>)>) {
        let sh = self.state.shard(shard);
        for (db, key, after) in changes {
            match after {
                Some(e) => sh.dbs[db].insert_entry(key.as_bytes(), e),
                None => {
                    sh.dbs[db].remove(key.as_bytes());
                }
            }
            sh.watches.touch(db, key.as_bytes());
            sh.blocked.signal(db, key.as_bytes());
        }
    }
}

/// One shard's part of a split command.
struct Part {
    shard: usize,
    args: OwnedArgs,
    locks: LockSet,
}

/// MGET, MSET, DEL, UNLINK, EXISTS, TOUCH over several shards: one command per shard with
/// that shard's keys, each run when its locks are held, the replies merged.
async fn split(
    m: &dyn Messenger,
    caller: Caller,
    idx: usize,
    args: &OwnedArgs,
    kind: Merge,
    in_tx: bool,
    out: &mut Vec<u8>,
) -> Outcome {
    let spec = local(m, |e, _| e.state.commands.entries[idx].spec);
    let n = m.shards();
    let mode = Mode::for_write(!spec.has(flags::READONLY));
    let a = args.as_args();
    let mut parts: Vec<Part> = Vec::new();
    let mut key_shards: Vec<usize> = Vec::new();
    for pos in spec.key_positions(a.len()) {
        let key = a.get(pos);
        let s = shard_of(key, n);
        let p = match parts.iter().position(|p| p.shard == s) {
            Some(p) => p,
            None => {
                let mut sub = OwnedArgs::default();
                sub.push(a.get(0));
                parts.push(Part {
                    shard: s,
                    args: sub,
                    locks: LockSet::default(),
                });
                parts.len() - 1
            }
        };
        parts[p].args.push(key);
        if spec.step == 2 {
            parts[p].args.push(a.get(pos + 1));
        }
        parts[p].locks.add(key, mode);
        key_shards.push(s);
    }
    parts.sort_by_key(|p| p.shard);
    let owners: Vec<usize> = key_shards
        .iter()
        .map(|s| parts.iter().position(|p| p.shard == *s).unwrap_or(0))
        .collect();
    let (db, proto) = (caller.db, caller.proto);
    let results: Vec<(Vec<u8>, bool)> = if in_tx {
        let hops = parts
            .into_iter()
            .map(|p| {
                hop_sync(m, p.shard, move |e, h| {
                    run_part(e, h, idx, db, proto, p.shard, &p.args)
                })
            })
            .collect();
        join_all(hops).await
    } else {
        let txid = m.next_txid();
        let shards: Vec<usize> = parts.iter().map(|p| p.shard).collect();
        let last = parts.len() - 1;
        let mut res = Vec::with_capacity(parts.len());
        for (i, p) in parts.into_iter().enumerate() {
            let release = i == last;
            let r = hop(m, p.shard, move |e, h, done| {
                let Part { shard, args, locks } = p;
                e.lock_then(
                    h,
                    shard,
                    txid,
                    locks,
                    Box::new(move |e, h| {
                        let r = run_part(e, h, idx, db, proto, shard, &args);
                        if release {
                            e.unlock(h, shard, txid);
                        }
                        done.send(r);
                    }),
                );
            })
            .await;
            res.push(r);
        }
        for &s in &shards[..last] {
            post(m, s, move |e, h| e.unlock(h, s, txid));
        }
        res
    };
    let failed = results.iter().any(|r| r.1);
    let bodies: Vec<Vec<u8>> = results.into_iter().map(|r| r.0).collect();
    merge::merge(kind, &bodies, &owners, caller.proto, out);
    Outcome::done(failed)
}

/// COPY's target database (its last `DB n` option), when it parses.
fn copy_target(args: &OwnedArgs, databases: usize) -> Option<usize> {
    let a = args.as_args();
    let mut to = None;
    let mut j = 3;
    while j < a.len() {
        if a.get(j).eq_ignore_ascii_case(b"db") && j + 1 < a.len() {
            to = crate::num::parse_i64(a.get(j + 1))
                .filter(|&d| d >= 0 && (d as u64) < databases as u64)
                .map(|d| d as usize);
            j += 1;
        }
        j += 1;
    }
    to
}

/// One shard's part of a gathered command.
struct GatherPart {
    shard: usize,
    keys: Vec<(usize, Key)>,
    locks: LockSet,
}

/// Fetches `keys` (database, key) from `shard` as they are now (expired keys are gone).
fn fetch(
    e: &mut Engine,
    h: &dyn Host,
    shard: usize,
    keys: Vec<(usize, Key)>,
) -> Vec<(usize, Key, Option<Entry>)> {
    let now = h.now_us() / 1000;
    let sh = e.state.shard(shard);
    let got = keys
        .into_iter()
        .map(|(db, k)| {
            let ent = sh.dbs[db].get(k.as_bytes(), now).cloned();
            (db, k, ent)
        })
        .collect();
    // Keys found expired here send their `expired` events now, ahead of the command's.
    e.flush_notify(h);
    got
}

/// Any other command with keys on several shards: under the keys' locks, their entries
/// come to this thread, the handler runs here on a scratch shard, and what it changed goes
/// back to the owners. With a `ticket`, a blocking command that would block registers it
/// with each shard before that shard's locks are released.
pub(super) async fn gather(
    m: &dyn Messenger,
    caller: Caller,
    idx: usize,
    args: &OwnedArgs,
    in_tx: bool,
    out: &mut Vec<u8>,
    ticket: Option<alloc::sync::Arc<Ticket>>,
) -> Outcome {
    let (keys, fullname, readonly, databases) = local(m, |e, _| {
        let entry = &e.state.commands.entries[idx];
        let mut keys = Vec::new();
        for_each_key(entry, args.as_args(), |k| keys.push(Key::new(k)));
        (
            keys,
            entry.fullname,
            entry.spec.has(flags::READONLY),
            e.state.config.databases,
        )
    });
    let n = m.shards();
    let mode = Mode::for_write(!readonly);
    let mut parts: Vec<GatherPart> = Vec::new();
    let mut add = |db: usize, key: Key| {
        let s = shard_of(key.as_bytes(), n);
        let p = match parts.iter().position(|p| p.shard == s) {
            Some(p) => p,
            None => {
                parts.push(GatherPart {
                    shard: s,
                    keys: Vec::new(),
                    locks: LockSet::default(),
                });
                parts.len() - 1
            }
        };
        let part = &mut parts[p];
        part.locks.add(key.as_bytes(), mode);
        if !part.keys.iter().any(|(d, k)| *d == db && *k == key) {
            part.keys.push((db, key));
        }
    };
    for k in keys {
        add(caller.db, k);
    }
    if fullname == "copy" && args.len() > 2 {
        if let Some(to) = copy_target(args, databases) {
            add(to, Key::new(args.as_args().get(2)));
        }
    }
    parts.sort_by_key(|p| p.shard);
    let txid = if in_tx { 0 } else { m.next_txid() };
    let mut fetched = Vec::new();
    let mut shards = Vec::with_capacity(parts.len());
    for p in parts {
        let GatherPart { shard, keys, locks } = p;
        shards.push(shard);
        let got = if in_tx {
            hop_sync(m, shard, move |e, h| fetch(e, h, shard, keys)).await
        } else {
            hop(m, shard, move |e, h, done| {
                e.lock_then(
                    h,
                    shard,
                    txid,
                    locks,
                    Box::new(move |e, h| done.send(fetch(e, h, shard, keys))),
                );
            })
            .await
        };
        fetched.extend(got);
    }
    let may_block = ticket.is_some();
    let (action, failed, changes) = local(m, |e, h| {
        e.run_gathered(h, caller, idx, args, fetched, may_block, out)
    });
    let blocked = match (action, ticket) {
        (Action::Block { deadline_ms }, Some(t)) => {
            t.set_deadline(deadline_ms);
            Some(t)
        }
        _ => None,
    };
    let mut changes = changes;
    for s in shards {
        let mine: Vec<(usize, Key, Option<Entry>)>;
        (mine, changes) = changes
            .into_iter()
            .partition(|(_, k, _)| shard_of(k.as_bytes(), n) == s);
        let t = blocked.clone();
        post(m, s, move |e, h| {
            if !mine.is_empty() {
                e.apply_changes(s, mine);
            }
            if let Some(t) = t {
                e.register_block(s, &t);
            }
            if !in_tx {
                e.unlock(h, s, txid);
            }
        });
    }
    let action = match (action, &blocked) {
        (Action::Block { .. }, Some(t)) => Action::Block {
            deadline_ms: t.deadline_ms(),
        },
        (a, _) => a,
    };
    Outcome {
        action,
        failed,
        counted: false,
    }
}

/// KEYS, DBSIZE, FLUSHDB, FLUSHALL, SWAPDB: once per shard, each under a lock on the whole
/// shard, the replies merged. The first shard answers an error alone (the handlers check
/// their arguments before they change anything).
async fn all_shards(
    m: &dyn Messenger,
    caller: Caller,
    idx: usize,
    args: &OwnedArgs,
    kind: Merge,
    in_tx: bool,
    out: &mut Vec<u8>,
) -> Outcome {
    let readonly = local(m, |e, _| {
        e.state.commands.entries[idx].spec.has(flags::READONLY)
    });
    let mode = Mode::for_write(!readonly);
    let n = m.shards();
    let (db, proto) = (caller.db, caller.proto);
    let txid = if in_tx { 0 } else { m.next_txid() };
    let mut parts = Vec::with_capacity(n);
    let mut failed = false;
    for s in 0..n {
        let last = s + 1 == n;
        let a = args.clone();
        let (body, f) = if in_tx {
            hop_sync(m, s, move |e, h| run_part(e, h, idx, db, proto, s, &a)).await
        } else {
            let mut locks = LockSet::default();
            locks.add_shard(mode);
            hop(m, s, move |e, h, done| {
                e.lock_then(
                    h,
                    s,
                    txid,
                    locks,
                    Box::new(move |e, h| {
                        let r = run_part(e, h, idx, db, proto, s, &a);
                        if last {
                            e.unlock(h, s, txid);
                        }
                        done.send(r);
                    }),
                );
            })
            .await
        };
        failed |= f;
        if s == 0 && f {
            if !in_tx && !last {
                post(m, 0, move |e, h| e.unlock(h, 0, txid));
            }
            out.extend_from_slice(&body);
            return Outcome::done(true);
        }
        parts.push(body);
    }
    if !in_tx {
        for s in 0..n - 1 {
            post(m, s, move |e, h| e.unlock(h, s, txid));
        }
    }
    merge::merge(kind, &parts, &[], proto, out);
    Outcome::done(failed)
}

/// SCAN over several shards: the cursor names a shard and a place in its table; the walk
/// goes on from shard to shard until COUNT keys were seen or ten times COUNT steps taken.
async fn scan(m: &dyn Messenger, caller: Caller, args: &OwnedArgs, out: &mut Vec<u8>) -> Outcome {
    let opts = match keyspace::ScanOpts::parse(args.as_args()) {
        Ok(o) => o,
        Err(text) => {
            reply_error(m, caller.proto, text, out);
            return Outcome::done(true);
        }
    };
    let n = m.shards();
    let db = caller.db;
    let (mut tc, mut shard) = keyspace::scan_cursor::decode(opts.cursor, n);
    let opts = alloc::sync::Arc::new(opts);
    let mut walk = ScanWalk::new(opts.count);
    let next = loop {
        let o = opts.clone();
        let (w, step) = hop_sync(m, shard, move |e, h| {
            let now = h.now_us() / 1000;
            let mut w = walk;
            let step = keyspace::scan_shard(&e.state.shard(shard).dbs[db], tc, now, &o, &mut w);
            (w, step)
        })
        .await;
        walk = w;
        match step {
            ScanStep::Stopped(t) => match keyspace::scan_cursor::encode(t, shard, n) {
                Some(c) => break c,
                None => {
                    debug_assert!(false, "dashtable cursor {t:#x} does not fit a SCAN cursor");
                    tc = 0;
                    shard += 1;
                    if shard == n {
                        break 0;
                    }
                }
            },
            ScanStep::ShardDone => {
                shard += 1;
                if shard == n {
                    break 0;
                }
                tc = 0;
                walk.steps -= 1;
                if walk.steps <= 0 || walk.visited >= opts.count as u64 {
                    break keyspace::scan_cursor::encode(0, shard, n).unwrap_or(0);
                }
            }
        }
    };
    let hits = walk.type_checked;
    local(m, |e, _| e.state.stats.keyspace_hits += hits);
    keyspace::reply_scan(&mut Reply::new(out, caller.proto), next, &walk.found);
    Outcome::done(false)
}

/// RANDOMKEY over several shards: a shard chosen by its size, then a key in it.
async fn randomkey(m: &dyn Messenger, caller: Caller, out: &mut Vec<u8>) -> Outcome {
    let n = m.shards();
    let db = caller.db;
    loop {
        let sizes = join_all(
            (0..n)
                .map(|s| hop_sync(m, s, move |e, _| e.state.shard(s).dbs[db].len()))
                .collect(),
        )
        .await;
        let total: usize = sizes.iter().sum();
        if total == 0 {
            Reply::new(out, caller.proto).null();
            return Outcome::done(false);
        }
        let (r, seed) = local(m, |e, _| (e.state.random(), e.state.random()));
        let mut r = (r % total as u64) as usize;
        let mut pick = 0;
        for (i, &len) in sizes.iter().enumerate() {
            if r < len {
                pick = i;
                break;
            }
            r -= len;
        }
        // `random_key` removes the expired keys it meets: each failed round shrinks the
        // keyspace, and the loop ends.
        let key = hop_sync(m, pick, move |e, h| {
            let now = h.now_us() / 1000;
            e.state.shard(pick).dbs[db].random_key(seed, now)
        })
        .await;
        if let Some(k) = key {
            Reply::new(out, caller.proto).bulk(k.as_bytes());
            return Outcome::done(false);
        }
    }
}

/// INFO, CLIENT LIST, CLIENT KILL, CONFIG SET, CONFIG RESETSTAT on a server of several
/// threads: gather what the handler needs from the other threads, run it here, and carry
/// its effects to them.
async fn facts(
    m: &dyn Messenger,
    caller: Caller,
    idx: usize,
    args: &OwnedArgs,
    f: Facts,
    out: &mut Vec<u8>,
) -> Outcome {
    let others = m.other_engines();
    let mut remote = Remote::default();
    match f {
        Facts::Info => {
            // The histograms only when INFO shows latencystats (they are the bulk).
            let latency = crate::cmd::info::wants_latencystats(args.as_args());
            let all = join_all(
                others
                    .iter()
                    .map(|&s| {
                        hop_sync(m, s, move |e, _| {
                            let t = e.totals();
                            if latency {
                                t.with_latency(&e.state)
                            } else {
                                t
                            }
                        })
                    })
                    .collect(),
            )
            .await;
            let mut t = crate::engine::Totals::default();
            for o in &all {
                t.add(o);
            }
            remote.totals = Some(t);
        }
        Facts::ClientList | Facts::ClientKill => {
            let all = join_all(
                others
                    .iter()
                    .map(|&s| hop_sync(m, s, |e, _| e.clients.iter().cloned().collect::<Vec<_>>()))
                    .collect(),
            )
            .await;
            for (s, list) in others.iter().zip(all) {
                remote.clients.extend(list.into_iter().map(|c| (*s, c)));
            }
        }
        Facts::ConfigSet | Facts::ResetStat => {}
        Facts::Observe(kind) => {
            crate::observe::gather(m, &others, kind, args, &mut remote.observe).await;
        }
    }
    let (action, failed) = local(m, |e, h| {
        let scope = 0..e.state.shards.len();
        e.run_handler(
            h,
            Call {
                slot: caller.conn.slot(),
                idx,
                dbi: caller.db,
                proto: caller.proto,
                scope,
                remote: Some(&mut remote),
                touch: false,
                may_block: false,
                start_us: 0,
            },
            args.as_args(),
            out,
        )
    });
    match f {
        Facts::ClientKill => {
            for (s, id) in remote.kills.drain(..) {
                post(m, s, move |e, _| {
                    e.clients.kill(id);
                });
            }
        }
        // The other threads have the new settings, or zeroed counters, before the reply:
        // a command sent after it, on any connection, sees them (`latency-tracking`).
        Facts::ConfigSet if !failed => {
            let cfg = local(m, |e, _| e.state.config.clone());
            join_all(
                others
                    .iter()
                    .map(|&s| {
                        let cfg = cfg.clone();
                        hop_sync(m, s, move |e, _| e.state.config = cfg)
                    })
                    .collect(),
            )
            .await;
        }
        Facts::ResetStat => {
            join_all(
                others
                    .iter()
                    .map(|&s| hop_sync(m, s, |e, _| crate::cmd::server::reset_stats(&mut e.state)))
                    .collect(),
            )
            .await;
        }
        _ => {}
    }
    Outcome {
        action,
        failed,
        counted: false,
    }
}

/// Runs a pipeline's consecutive single-shard commands of connection `c`: one message per
/// shard with all of that shard's commands in order, every shard at once, the replies put
/// back in the order of the requests. `cmds` are (shard, table row, arguments); the
/// connection's database and protocol are the same for all (SELECT and HELLO end a
/// segment).
pub async fn run_segment(
    m: &dyn Messenger,
    c: ConnId,
    cmds: Vec<(usize, usize, OwnedArgs)>,
    out: &mut Vec<u8>,
) {
    let Some((start, caller)) = local(m, |e, h| Caller::of(e, c).map(|k| (h.now_us(), k))) else {
        return;
    };
    let last_idx = cmds.last().map(|c| c.1);
    let mut batches: Vec<Batch> = Vec::new();
    // (batch, position in it) of each command, in request order.
    let mut order: Vec<(usize, usize)> = Vec::with_capacity(cmds.len());
    for (shard, idx, args) in cmds {
        let b = match batches.iter().position(|b| b.shard == shard) {
            Some(b) => b,
            None => {
                batches.push(Batch {
                    shard,
                    db: caller.db,
                    proto: caller.proto,
                    cmds: Vec::new(),
                    in_tx: false,
                });
                batches.len() - 1
            }
        };
        order.push((b, batches[b].cmds.len()));
        batches[b].cmds.push((idx, args));
    }
    // Other threads' batches first, so that they run while this thread runs its own.
    let mut hops = Vec::with_capacity(batches.len());
    let mut slots = alloc::vec![0usize; batches.len()];
    let mut remote_first: Vec<(usize, Batch)> = batches.into_iter().enumerate().collect();
    remote_first.sort_by_key(|(_, b)| m.is_local(b.shard));
    for (i, b) in remote_first {
        slots[i] = hops.len();
        hops.push(hop(m, b.shard, move |e, h, done| {
            e.run_batch(h, b, 0, BatchOut::default(), done)
        }));
    }
    let mut results = join_all(hops).await;
    for (b, k) in order {
        let r = &results[slots[b]];
        let from = if k == 0 { 0 } else { r.ends[k - 1] as usize };
        out.extend_from_slice(&r.out[from..r.ends[k] as usize]);
    }
    if results.iter().any(|r| !r.slow.is_empty()) {
        let slow: Vec<_> = results.iter_mut().flat_map(|r| r.slow.drain(..)).collect();
        local(m, |e, _| e.log_slow_calls(c, slow));
    }
    if let Some(idx) = last_idx {
        local(m, |e, _| e.note_call(c, idx, start));
    }
}
