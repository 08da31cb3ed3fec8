//! Strings: GET, SET and the rest of the string family.

use super::{flags::*, CommandSpec, Group};
use crate::engine::Ctx;
use crate::value::Value;
use anax_protocol::Args;

/// The string family's table.
pub static COMMANDS: &[CommandSpec] =
    &[
        CommandSpec::new("get", 2, READONLY | FAST, Group::String, get)
            .keys(1, 1, 1)
            .doc("Get the value of a key", "O(1)"),
    ];

/// GET key
fn get(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let key = args.get(1);
    let hit = match ctx.state.db(ctx.dbi, key).get(key, ctx.now_ms) {
        None => {
            ctx.reply.null();
            false
        }
        Some(e) => match &e.value {
            Value::Int(n) => {
                ctx.reply.bulk_int(*n);
                true
            }
            Value::Str(b) | Value::Raw(b) => {
                ctx.reply.bulk(b.as_bytes());
                true
            }
        },
    };
    ctx.hit(hit);
}
