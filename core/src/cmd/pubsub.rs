//! Pub/Sub: SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE and their UNSUBSCRIBEs, PUBLISH, SPUBLISH,
//! PUBSUB, and MONITOR. Delivery across threads is [`crate::pubsub`]'s.
//!
//! Shard channels are a namespace of their own, as in a Redis that is not a cluster: the
//! channel of SSUBSCRIBE/SPUBLISH is a key only for COMMAND's key specs; the command runs on
//! the connection's thread like the others.

use super::{flags::*, CommandSpec, Group};
use crate::engine::Ctx;
use crate::errors;
use crate::pubsub::{Message, Space};
use alloc::vec::Vec;
use anax_protocol::Args;

const PS: u32 = PUBSUB | LOADING | STALE;
const SUB: u32 = PS | NOSCRIPT;

static PUBSUB_SUBS: &[CommandSpec] = &[
    CommandSpec::new("channels", -2, PS, Group::PubSub, pubsub_channels)
        .since("2.8.0")
        .doc(
            "List active channels",
            "O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)",
        ),
    CommandSpec::new("help", 2, LOADING | STALE, Group::PubSub, pubsub_help)
        .since("6.2.0")
        .doc("Show helpful text about the different subcommands", "O(1)"),
    CommandSpec::new("numpat", 2, PS, Group::PubSub, pubsub_numpat)
        .since("2.8.0")
        .doc("Get the count of unique patterns pattern subscriptions", "O(1)"),
    CommandSpec::new("numsub", -2, PS, Group::PubSub, pubsub_numsub)
        .since("2.8.0")
        .doc(
            "Get the count of subscribers for channels",
            "O(N) for the NUMSUB subcommand, where N is the number of requested channels",
        ),
    CommandSpec::new("shardchannels", -2, PS, Group::PubSub, pubsub_shardchannels)
        .since("7.0.0")
        .doc(
            "List active shard channels",
            "O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels).",
        ),
    CommandSpec::new("shardnumsub", -2, PS, Group::PubSub, pubsub_shardnumsub)
        .since("7.0.0")
        .doc(
            "Get the count of subscribers for shard channels",
            "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels",
        ),
];

/// The family's commands.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("subscribe", -2, SUB, Group::PubSub, subscribe)
        .since("2.0.0")
        .doc(
            "Listen for messages published to the given channels",
            "O(N) where N is the number of channels to subscribe to.",
        ),
    CommandSpec::new("unsubscribe", -1, SUB, Group::PubSub, unsubscribe)
        .since("2.0.0")
        .doc(
            "Stop listening for messages posted to the given channels",
            "O(N) where N is the number of clients already subscribed to a channel.",
        ),
    CommandSpec::new("psubscribe", -2, SUB, Group::PubSub, psubscribe)
        .since("2.0.0")
        .doc(
            "Listen for messages published to channels matching the given patterns",
            "O(N) where N is the number of patterns the client is already subscribed to.",
        ),
    CommandSpec::new("punsubscribe", -1, SUB, Group::PubSub, punsubscribe)
        .since("2.0.0")
        .doc(
            "Stop listening for messages posted to channels matching the given patterns",
            "O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total patterns subscribed in the system (by any client).",
        ),
    CommandSpec::new("ssubscribe", -2, SUB, Group::PubSub, ssubscribe)
        .keys(1, -1, 1)
        .since("7.0.0")
        .doc(
            "Listen for messages published to the given shard channels",
            "O(N) where N is the number of shard channels to subscribe to.",
        ),
    CommandSpec::new("sunsubscribe", -1, SUB, Group::PubSub, sunsubscribe)
        .keys(1, -1, 1)
        .since("7.0.0")
        .doc(
            "Stop listening for messages posted to the given shard channels",
            "O(N) where N is the number of clients already subscribed to a shard channel.",
        ),
    CommandSpec::new("publish", 3, PS | FAST, Group::PubSub, publish)
        .since("2.0.0")
        .doc(
            "Post a message to a channel",
            "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).",
        ),
    CommandSpec::new("spublish", 3, PS | FAST, Group::PubSub, spublish)
        .keys(1, 1, 1)
        .since("7.0.0")
        .doc(
            "Post a message to a shard channel",
            "O(N) where N is the number of clients subscribed to the receiving shard channel.",
        ),
    CommandSpec::container("pubsub", -2, Group::PubSub, PUBSUB_SUBS)
        .since("2.8.0")
        .doc("A container for Pub/Sub commands", "Depends on subcommand."),
    CommandSpec::new("monitor", 1, ADMIN | NOSCRIPT | LOADING | STALE, Group::Server, monitor)
        .since("1.0.0")
        .acl(&["dangerous"])
        .doc(
            "Listen for all requests received by the server in real time",
            "",
        ),
];

/// (P|S)SUBSCRIBE: subscribes to each name, confirming each with its count.
fn subscribe_to(ctx: &mut Ctx<'_>, args: Args<'_>, space: Space) {
    let (c, me) = (ctx.conn_id(), ctx.state.engine_id());
    for name in args.iter().skip(1) {
        ctx.clients.subscribe(c, me, space, name);
        confirm(ctx, space.verbs().0, Some(name), space);
    }
}

/// (P|S)UNSUBSCRIBE: from each name, or from all of the space when none is given.
fn unsubscribe_from(ctx: &mut Ctx<'_>, args: Args<'_>, space: Space) {
    let (c, me) = (ctx.conn_id(), ctx.state.engine_id());
    let verb = space.verbs().1;
    if args.len() > 1 {
        for name in args.iter().skip(1) {
            ctx.clients.unsubscribe(c, me, space, name);
            confirm(ctx, verb, Some(name), space);
        }
        return;
    }
    let names = ctx.conn_ref().pubsub.names(space);
    if names.is_empty() {
        return confirm(ctx, verb, None, space);
    }
    for name in names {
        ctx.clients.unsubscribe(c, me, space, &name);
        confirm(ctx, verb, Some(&name), space);
    }
}

/// One confirmation: `[verb, name, count]`, a push in RESP3.
fn confirm(ctx: &mut Ctx<'_>, verb: &[u8], name: Option<&[u8]>, space: Space) {
    let ps = &ctx.conn_ref().pubsub;
    let count = if space == Space::Shard {
        ps.shard_count()
    } else {
        ps.count()
    };
    ctx.reply.push(3);
    ctx.reply.bulk(verb);
    match name {
        Some(n) => ctx.reply.bulk(n),
        None => ctx.reply.null(),
    }
    ctx.reply.int(count as i64);
}

fn subscribe(ctx: &mut Ctx<'_>, args: Args<'_>) {
    subscribe_to(ctx, args, Space::Channel)
}

fn psubscribe(ctx: &mut Ctx<'_>, args: Args<'_>) {
    subscribe_to(ctx, args, Space::Pattern)
}

fn ssubscribe(ctx: &mut Ctx<'_>, args: Args<'_>) {
    subscribe_to(ctx, args, Space::Shard)
}

fn unsubscribe(ctx: &mut Ctx<'_>, args: Args<'_>) {
    unsubscribe_from(ctx, args, Space::Channel)
}

fn punsubscribe(ctx: &mut Ctx<'_>, args: Args<'_>) {
    unsubscribe_from(ctx, args, Space::Pattern)
}

fn sunsubscribe(ctx: &mut Ctx<'_>, args: Args<'_>) {
    unsubscribe_from(ctx, args, Space::Shard)
}

fn publish(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let n = ctx.publish(Message::Publish {
        channel: args.get(1),
        payload: args.get(2),
    });
    ctx.reply.int(n as i64);
}

fn spublish(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let n = ctx.publish(Message::Shard {
        channel: args.get(1),
        payload: args.get(2),
    });
    ctx.reply.int(n as i64);
}

/// PUBSUB CHANNELS / SHARDCHANNELS [pattern]
fn list_channels(ctx: &mut Ctx<'_>, args: Args<'_>, space: Space) {
    if args.len() > 3 {
        let text = errors::subcommand_syntax(args.get(1), b"PUBSUB");
        return ctx.error(&text);
    }
    let pattern = (args.len() == 3).then(|| args.get(2));
    let names = ctx.clients.registry().hub.channels(space, pattern);
    ctx.reply.array(names.len());
    for n in &names {
        ctx.reply.bulk(n);
    }
}

/// PUBSUB NUMSUB / SHARDNUMSUB [channel ...]
fn count_subscribers(ctx: &mut Ctx<'_>, args: Args<'_>, space: Space) {
    let counts: Vec<(&[u8], u64)> = args
        .iter()
        .skip(2)
        .map(|c| (c, ctx.clients.registry().hub.numsub(space, c)))
        .collect();
    ctx.reply.map(counts.len());
    for (c, n) in counts {
        ctx.reply.bulk(c);
        ctx.reply.int(n as i64);
    }
}

fn pubsub_channels(ctx: &mut Ctx<'_>, args: Args<'_>) {
    list_channels(ctx, args, Space::Channel)
}

fn pubsub_shardchannels(ctx: &mut Ctx<'_>, args: Args<'_>) {
    list_channels(ctx, args, Space::Shard)
}

fn pubsub_numsub(ctx: &mut Ctx<'_>, args: Args<'_>) {
    count_subscribers(ctx, args, Space::Channel)
}

fn pubsub_shardnumsub(ctx: &mut Ctx<'_>, args: Args<'_>) {
    count_subscribers(ctx, args, Space::Shard)
}

fn pubsub_numpat(ctx: &mut Ctx<'_>, _args: Args<'_>) {
    let n = ctx.clients.registry().hub.numpat();
    ctx.reply.int(n as i64);
}

fn pubsub_help(ctx: &mut Ctx<'_>, args: Args<'_>) {
    super::server::reply_help(
        ctx,
        args,
        &[
            "CHANNELS [<pattern>]",
            "    Return the currently active channels matching a <pattern> (default: '*').",
            "NUMPAT",
            "    Return number of subscriptions to patterns.",
            "NUMSUB [<channel> ...]",
            "    Return the number of subscribers for the specified channels, excluding",
            "    pattern subscriptions(default: no channels).",
            "SHARDCHANNELS [<pattern>]",
            "    Return the currently active shard level channels matching a <pattern> (default: '*').",
            "SHARDNUMSUB [<shardchannel> ...]",
            "    Return the number of subscribers for the specified shard level channel(s)",
        ],
    );
}

/// MONITOR: from now on the connection receives a line for every command the server runs.
fn monitor(ctx: &mut Ctx<'_>, _args: Args<'_>) {
    let (c, me) = (ctx.conn_id(), ctx.state.engine_id());
    if ctx.conn_ref().pubsub.monitor {
        return;
    }
    ctx.clients.monitor(c, me);
    ctx.reply.ok();
}
