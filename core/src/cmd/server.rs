//! Connection and server commands: PING, ECHO, HELLO, AUTH, SELECT, INFO, CONFIG, COMMAND,
//! CLIENT, ...

use super::{flags::*, CommandSpec, Group};
use crate::engine::Ctx;
use anax_protocol::Args;

/// The connection and server family's table.
pub static COMMANDS: &[CommandSpec] =
    &[
        CommandSpec::new("ping", -1, FAST | STALE | LOADING, Group::Connection, ping)
            .doc("Ping the server", "O(1)"),
    ];

/// PING [message]
fn ping(ctx: &mut Ctx<'_>, args: Args<'_>) {
    match args.len() {
        1 => ctx.reply.simple(b"PONG"),
        2 => ctx.reply.bulk(args.get(1)),
        _ => {
            let e = crate::errors::wrong_arity("ping");
            ctx.error(&e)
        }
    }
}
