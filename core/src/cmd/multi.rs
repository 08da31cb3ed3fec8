//! The transactions family: MULTI, EXEC, DISCARD, WATCH, UNWATCH.
//!
//! MULTI, DISCARD and UNWATCH only change the connection and are plain handlers. Queueing
//! inside MULTI is the dispatcher's ([`Engine::prepare`](crate::Engine::prepare)), which
//! also refuses what Redis refuses there. EXEC and WATCH reach shards on other threads and
//! are carried out by the coordinator (`coord::multi`): the dispatcher routes them there,
//! never to the handler in this table.

use super::{flags::*, CommandSpec, Group};
use crate::engine::{Ctx, MultiState};
use crate::errors;
use anax_protocol::Args;

const TX: u32 = NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY;

/// The transactions family's table.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("discard", 1, TX, Group::Transactions, discard)
        .since("2.0.0")
        .doc(
            "Discard all commands issued after MULTI",
            "O(N), when N is the number of queued commands",
        ),
    CommandSpec::new(
        "exec",
        1,
        NOSCRIPT | LOADING | STALE | SKIP_SLOWLOG,
        Group::Transactions,
        routed,
    )
    .since("1.2.0")
    .doc(
        "Execute all commands issued after MULTI",
        "Depends on commands in the transaction",
    ),
    CommandSpec::new("multi", 1, TX, Group::Transactions, multi)
        .since("1.2.0")
        .doc("Mark the start of a transaction block", "O(1)"),
    CommandSpec::new("unwatch", 1, TX, Group::Transactions, unwatch)
        .since("2.2.0")
        .doc("Forget about all watched keys", "O(1)"),
    CommandSpec::new("watch", -2, TX, Group::Transactions, routed)
        .keys(1, -1, 1)
        .since("2.2.0")
        .doc(
            "Watch the given keys to determine execution of the MULTI/EXEC block",
            "O(1) for every key.",
        ),
];

/// MULTI: `+OK`, and the connection queues what follows.
fn multi(ctx: &mut Ctx<'_>, _args: Args<'_>) {
    let c = ctx.conn();
    if c.multi.is_some() {
        return ctx.error(errors::MULTI_NESTED);
    }
    c.multi = Some(MultiState::default());
    ctx.reply.ok();
}

/// DISCARD: drops the queued commands and the watched keys.
fn discard(ctx: &mut Ctx<'_>, _args: Args<'_>) {
    let c = ctx.conn();
    if c.multi.is_none() {
        return ctx.error(errors::DISCARD_WITHOUT_MULTI);
    }
    c.discard();
    ctx.reply.ok();
}

/// UNWATCH: forgets the watched keys.
fn unwatch(ctx: &mut Ctx<'_>, _args: Args<'_>) {
    ctx.conn().unwatch();
    ctx.reply.ok();
}

/// EXEC and WATCH: carried out by the coordinator; the dispatcher never calls this.
fn routed(ctx: &mut Ctx<'_>, _args: Args<'_>) {
    ctx.error("ERR internal error: this command is carried out by the coordinator");
}
