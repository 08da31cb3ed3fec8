//! DUMP and RESTORE: a key's value in Redis's serialisation format, through the RDB codec
//! ([`crate::rdb`]). A payload is the value as an RDB file holds it (type byte, then the
//! value), the RDB version (2 bytes LE) and the CRC-64 of all that (8 bytes LE), so Anax
//! and redis-server 7.0 read each other's payloads.
//!
//! RESTORE follows Redis 7.0's `restoreCommand` step by step: options (IDLETIME and FREQ
//! exclude each other), then BUSYKEY, then the TTL, then the payload's footer, then its
//! value; a TTL that is already in the past deletes the key (with REPLACE) and creates
//! nothing, and still answers OK. IDLETIME and FREQ are checked and then ignored: Anax
//! keeps no access times or frequencies.

use super::{flags::*, CommandSpec, Group};
use crate::engine::Ctx;
use crate::errors;
use crate::notify::GENERIC;
use crate::num::parse_i64;
use crate::rdb::read::{load_dump_payload, verify_dump_payload};
use crate::rdb::write::Encoder;
use crate::rdb::Thresholds;
use anax_protocol::Args;

/// The DUMP/RESTORE family's table.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("dump", 2, READONLY, Group::Generic, dump)
        .keys(1, 1, 1)
        .since("2.6.0")
        .doc(
            "Return a serialized version of the value stored at the specified key.",
            "O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1).",
        ),
    CommandSpec::new("restore", -4, WRITE | DENYOOM, Group::Generic, restore)
        .keys(1, 1, 1)
        .since("2.6.0")
        .acl(&["dangerous"])
        .doc(
            "Create a key using the provided serialized value, previously obtained using DUMP.",
            "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N)).",
        ),
];

/// True unless `rdbcompression` is off.
fn compression(ctx: &Ctx<'_>) -> bool {
    ctx.state.config.get_text("rdbcompression").as_deref() != Some(b"no".as_slice())
}

/// DUMP key: the payload, or nil when the key does not exist.
fn dump(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let key = args.get(1);
    let (dbi, now) = (ctx.dbi, ctx.now_ms);
    let mut enc = Encoder::new(compression(ctx));
    let payload = ctx
        .state
        .db(dbi, key)
        .get(key, now)
        .map(|e| enc.dump(&e.value));
    ctx.hit_key(payload.is_some(), key);
    match payload {
        Some(p) => ctx.reply.bulk(&p),
        None => ctx.reply.null(),
    }
}

/// RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]
fn restore(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let (mut replace, mut absttl) = (false, false);
    let (mut idle, mut freq) = (-1i64, -1i64);
    let mut j = 4;
    while j < args.len() {
        let opt = args.get(j);
        let more = args.len() - j - 1;
        if opt.eq_ignore_ascii_case(b"replace") {
            replace = true;
        } else if opt.eq_ignore_ascii_case(b"absttl") {
            absttl = true;
        } else if opt.eq_ignore_ascii_case(b"idletime") && more >= 1 && freq == -1 {
            let Some(v) = parse_i64(args.get(j + 1)) else {
                return ctx.error(errors::NOT_INTEGER);
            };
            if v < 0 {
                return ctx.error(errors::RESTORE_IDLETIME);
            }
            idle = v;
            j += 1;
        } else if opt.eq_ignore_ascii_case(b"freq") && more >= 1 && idle == -1 {
            let Some(v) = parse_i64(args.get(j + 1)) else {
                return ctx.error(errors::NOT_INTEGER);
            };
            if !(0..=255).contains(&v) {
                return ctx.error(errors::RESTORE_FREQ);
            }
            freq = v;
            j += 1;
        } else {
            return ctx.error(errors::SYNTAX);
        }
        j += 1;
    }
    let key = args.get(1);
    let (dbi, now) = (ctx.dbi, ctx.now_ms);
    if !replace && ctx.state.db(dbi, key).contains(key, now) {
        return ctx.error(errors::BUSYKEY);
    }
    let Some(mut ttl) = parse_i64(args.get(2)) else {
        return ctx.error(errors::NOT_INTEGER);
    };
    if ttl < 0 {
        return ctx.error(errors::RESTORE_TTL);
    }
    let payload = args.get(3);
    if !verify_dump_payload(payload) {
        return ctx.error(errors::DUMP_PAYLOAD);
    }
    let th = Thresholds::from_config(&ctx.state.config);
    let Ok(value) = load_dump_payload(payload, &th) else {
        return ctx.error(errors::BAD_DATA_FORMAT);
    };
    let db = ctx.state.db(dbi, key);
    let deleted = replace && db.remove(key).is_some();
    if ttl != 0 && !absttl {
        // Redis adds without an overflow check; a sum that wraps is in the past.
        ttl = ttl.wrapping_add(now as i64);
    }
    if ttl != 0 && ttl <= now as i64 {
        if deleted {
            ctx.dirty(1);
            ctx.notify(GENERIC, "del", key);
        }
        return ctx.reply.ok();
    }
    // The key is gone by now (removed, or found absent or expired): this creates it.
    db.set(key, value, ttl as u64);
    ctx.dirty(1);
    ctx.notify(GENERIC, "restore", key);
    ctx.reply.ok();
}
