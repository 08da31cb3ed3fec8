//! Connection commands: PING, ECHO, QUIT, HELLO, AUTH, SELECT and CLIENT.

use super::{flags::*, CommandSpec, Group};
use crate::coord::block::Resolution;
use crate::engine::{Action, Conn, Ctx, PauseMode};
use crate::errors;
use crate::num::parse_i64;
use alloc::string::String;
use alloc::vec::Vec;
use anax_protocol::{Args, Proto};
use core::fmt::Write as _;

/// The version HELLO and INFO report: clients and tools check it, and Anax answers as Redis
/// 7.0 does.
pub const REDIS_VERSION: &str = "7.0.15";

const CONN: u32 = NOSCRIPT | LOADING | STALE;
const HANDSHAKE: u32 = NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY;

/// CLIENT's subcommands.
static CLIENT_SUBS: &[CommandSpec] = &[
    CommandSpec::new("getname", 2, CONN, Group::Connection, client_getname)
        .since("2.6.9")
        .doc("Get the current connection name", "O(1)"),
    CommandSpec::new("getredir", 2, CONN, Group::Connection, client_getredir)
        .since("6.0.0")
        .doc(
            "Get tracking notifications redirection client ID if any",
            "O(1)",
        ),
    CommandSpec::new("help", 2, LOADING | STALE, Group::Connection, client_help)
        .since("5.0.0")
        .doc("Show helpful text about the different subcommands", "O(1)"),
    CommandSpec::new("id", 2, CONN, Group::Connection, client_id)
        .since("5.0.0")
        .doc("Returns the client ID for the current connection", "O(1)"),
    CommandSpec::new("info", 2, CONN, Group::Connection, client_info)
        .since("6.2.0")
        .doc(
            "Returns information about the current client connection.",
            "O(1)",
        ),
    CommandSpec::new("kill", -3, ADMIN | CONN, Group::Connection, client_kill)
        .since("2.4.0")
        .doc(
            "Kill the connection of a client",
            "O(N) where N is the number of client connections",
        ),
    CommandSpec::new("list", -2, ADMIN | CONN, Group::Connection, client_list)
        .since("2.4.0")
        .doc(
            "Get the list of client connections",
            "O(N) where N is the number of client connections",
        ),
    CommandSpec::new(
        "no-evict",
        3,
        ADMIN | CONN,
        Group::Connection,
        client_no_evict,
    )
    .since("7.0.0")
    .doc(
        "Set client eviction mode for the current connection",
        "O(1)",
    ),
    CommandSpec::new("pause", -3, ADMIN | CONN, Group::Connection, client_pause)
        .since("2.9.50")
        .doc(
            "Stop processing commands from clients for some time",
            "O(1)",
        ),
    CommandSpec::new("reply", 3, CONN, Group::Connection, client_reply)
        .since("3.2.0")
        .doc("Instruct the server whether to reply to commands", "O(1)"),
    CommandSpec::new("setname", 3, CONN, Group::Connection, client_setname)
        .since("2.6.9")
        .doc("Set the current connection name", "O(1)"),
    CommandSpec::new(
        "unblock",
        -3,
        ADMIN | CONN,
        Group::Connection,
        client_unblock,
    )
    .since("5.0.0")
    .doc(
        "Unblock a client blocked in a blocking command from a different connection",
        "O(log N) where N is the number of client connections",
    ),
    CommandSpec::new(
        "unpause",
        2,
        ADMIN | CONN,
        Group::Connection,
        client_unpause,
    )
    .since("6.2.0")
    .doc(
        "Resume processing of clients that were paused",
        "O(N) Where N is the number of paused clients",
    ),
];

/// The connection family's table.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("ping", -1, FAST, Group::Connection, ping).doc("Ping the server", "O(1)"),
    CommandSpec::new("echo", 2, LOADING | STALE | FAST, Group::Connection, echo)
        .doc("Echo the given string", "O(1)"),
    CommandSpec::new("quit", -1, HANDSHAKE, Group::Connection, quit)
        .doc("Close the connection", "O(1)"),
    CommandSpec::new("hello", -1, HANDSHAKE, Group::Connection, hello)
        .since("6.0.0")
        .doc("Handshake with Redis", "O(1)"),
    CommandSpec::new("auth", -2, HANDSHAKE, Group::Connection, auth).doc(
        "Authenticate to the server",
        "O(N) where N is the number of passwords defined for the user",
    ),
    CommandSpec::new(
        "select",
        2,
        LOADING | STALE | FAST,
        Group::Connection,
        select,
    )
    .doc(
        "Change the selected database for the current connection",
        "O(1)",
    ),
    CommandSpec::new("reset", 1, HANDSHAKE, Group::Connection, reset)
        .since("6.2.0")
        .doc("Reset the connection", "O(1)"),
    CommandSpec::container("client", -2, Group::Connection, CLIENT_SUBS)
        .since("2.4.0")
        .doc(
            "A container for client connection commands",
            "Depends on subcommand.",
        ),
];

/// RESET: the connection as it was when it connected (Redis's
/// `clearClientConnectionState`): out of MULTI and WATCH, database 0, RESP2, the default
/// user's authentication, no name, no subscriptions, out of MONITOR.
fn reset(ctx: &mut Ctx<'_>, _args: Args<'_>) {
    let (c, me) = (ctx.conn_id(), ctx.state.engine_id());
    ctx.clients.forget_pubsub(c, me);
    let authenticated = ctx.state.config.requirepass.is_empty();
    ctx.select(0);
    let conn = ctx.conn();
    conn.discard();
    conn.proto = Proto::Resp2;
    conn.authenticated = authenticated;
    conn.name.clear();
    // CLIENT REPLY OFF and a pending SKIP end (RESET's own reply is sent; one it skips
    // stays skipped), as in Redis 7.0; NO-EVICT stays.
    conn.reply.off = false;
    conn.reply.skip_next = false;
    ctx.reply.proto = Proto::Resp2;
    ctx.reply.simple(b"RESET");
}

/// PING [message]
fn ping(ctx: &mut Ctx<'_>, args: Args<'_>) {
    // A RESP2 connection in the subscribed state gets `["pong", message]`, as in Redis.
    let subscribed =
        ctx.reply.proto == Proto::Resp2 && args.len() <= 2 && ctx.conn_ref().pubsub.subscribed();
    if subscribed {
        ctx.reply.array(2);
        ctx.reply.bulk(b"pong");
        ctx.reply
            .bulk(if args.len() == 2 { args.get(1) } else { b"" });
        return;
    }
    match args.len() {
        1 => ctx.reply.simple(b"PONG"),
        2 => ctx.reply.bulk(args.get(1)),
        // Redis's PING counts its own arguments (arity -1).
        _ => {
            let e = errors::wrong_arity("ping");
            ctx.error(&e)
        }
    }
}

/// ECHO message
fn echo(ctx: &mut Ctx<'_>, args: Args<'_>) {
    ctx.reply.bulk(args.get(1));
}

/// QUIT: +OK, then the host closes the connection.
fn quit(ctx: &mut Ctx<'_>, _args: Args<'_>) {
    ctx.reply.ok();
    ctx.action = Action::Close;
}

/// True when `pass` is the password of `user`: only the `default` user exists, and with no
/// `requirepass` it takes any password. The comparison takes the same time wherever the
/// first difference is.
pub fn credentials_ok(requirepass: &[u8], user: &[u8], pass: &[u8]) -> bool {
    if user != b"default" {
        return false;
    }
    if requirepass.is_empty() {
        return true;
    }
    let n = requirepass.len().max(pass.len());
    let mut diff = (requirepass.len() != pass.len()) as u8;
    for i in 0..n {
        let a = requirepass.get(i).copied().unwrap_or(0);
        let b = pass.get(i).copied().unwrap_or(0);
        diff |= a ^ b;
    }
    core::hint::black_box(diff) == 0
}

/// AUTH [username] password
fn auth(ctx: &mut Ctx<'_>, args: Args<'_>) {
    if args.len() > 3 {
        return ctx.error(errors::SYNTAX);
    }
    let (user, pass): (&[u8], &[u8]) = if args.len() == 2 {
        if ctx.state.config.requirepass.is_empty() {
            return ctx.error(errors::AUTH_NO_PASSWORD);
        }
        (b"default", args.get(1))
    } else {
        (args.get(1), args.get(2))
    };
    if credentials_ok(&ctx.state.config.requirepass, user, pass) {
        ctx.conn().authenticated = true;
        ctx.reply.ok();
    } else {
        ctx.error(errors::WRONGPASS);
    }
}

/// True when `name` may be a client name: printable ASCII without spaces (or empty).
pub fn valid_client_name(name: &[u8]) -> bool {
    name.iter().all(|&c| (b'!'..=b'~').contains(&c))
}

/// HELLO [protover [AUTH username password] [SETNAME clientname]]
fn hello(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let mut proto = None;
    let mut next = 1;
    if args.len() >= 2 {
        match parse_i64(args.get(1)) {
            None => return ctx.error(errors::HELLO_PROTO_NOT_INTEGER),
            Some(2) => proto = Some(Proto::Resp2),
            Some(3) => proto = Some(Proto::Resp3),
            Some(_) => return ctx.error(errors::NOPROTO),
        }
        next = 2;
    }
    // Redis 7.0 carries out each option as it reads it: AUTH authenticates (or fails)
    // and SETNAME sets the name at once, so a later bad option leaves them done.
    let mut j = next;
    while j < args.len() {
        let more = args.len() - 1 - j;
        let opt = args.get(j);
        if opt.eq_ignore_ascii_case(b"auth") && more >= 2 {
            if !credentials_ok(
                &ctx.state.config.requirepass,
                args.get(j + 1),
                args.get(j + 2),
            ) {
                return ctx.error(errors::WRONGPASS);
            }
            ctx.conn().authenticated = true;
            j += 3;
        } else if opt.eq_ignore_ascii_case(b"setname") && more >= 1 {
            let name = args.get(j + 1);
            if !valid_client_name(name) {
                return ctx.error(errors::CLIENT_NAME);
            }
            ctx.conn().name = name.to_vec();
            j += 2;
        } else {
            let e = errors::hello_syntax(opt);
            return ctx.error(&e);
        }
    }
    if !ctx.conn_ref().authenticated {
        return ctx.error(errors::HELLO_NOAUTH);
    }
    if let Some(p) = proto {
        ctx.conn().proto = p;
        ctx.reply.proto = p;
    }
    let (id, resp) = {
        let c = ctx.conn_ref();
        (c.id, if c.proto == Proto::Resp3 { 3 } else { 2 })
    };
    let r = &mut ctx.reply;
    r.map(7);
    r.bulk(b"server");
    r.bulk(b"redis");
    r.bulk(b"version");
    r.bulk(REDIS_VERSION.as_bytes());
    r.bulk(b"proto");
    r.int(resp);
    r.bulk(b"id");
    r.int(id as i64);
    r.bulk(b"mode");
    r.bulk(b"standalone");
    r.bulk(b"role");
    r.bulk(b"master");
    r.bulk(b"modules");
    r.array(0);
}

/// SELECT index
fn select(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let Some(id) = parse_i64(args.get(1)) else {
        return ctx.error(errors::NOT_INTEGER);
    };
    if i32::try_from(id).is_err() {
        let e = errors::value_out_of_range(i32::MIN as i64, i32::MAX as i64);
        return ctx.error(&e);
    }
    if id < 0 || id as usize >= ctx.state.config.databases {
        return ctx.error(errors::DB_INDEX_OUT_OF_RANGE);
    }
    ctx.select(id as usize);
    ctx.reply.ok();
}

/// CLIENT ID
fn client_id(ctx: &mut Ctx<'_>, _args: Args<'_>) {
    let id = ctx.conn_ref().id;
    ctx.reply.int(id as i64);
}

/// CLIENT GETNAME
fn client_getname(ctx: &mut Ctx<'_>, _args: Args<'_>) {
    let name = ctx.conn_ref().name.clone();
    if name.is_empty() {
        ctx.reply.null();
    } else {
        ctx.reply.bulk(&name);
    }
}

/// CLIENT SETNAME connection-name
fn client_setname(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let name = args.get(2);
    if !valid_client_name(name) {
        return ctx.error(errors::CLIENT_NAME);
    }
    ctx.conn().name = name.to_vec();
    ctx.reply.ok();
}

/// CLIENT NO-EVICT ON|OFF: the connection's flag (CLIENT LIST `e`); Anax evicts no client
/// (`maxmemory-clients`) yet, so it changes nothing else.
fn client_no_evict(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let v = args.get(2);
    let on = if v.eq_ignore_ascii_case(b"on") {
        true
    } else if v.eq_ignore_ascii_case(b"off") {
        false
    } else {
        return ctx.error(errors::SYNTAX);
    };
    ctx.conn().no_evict = on;
    ctx.reply.ok();
}

/// CLIENT REPLY ON|OFF|SKIP: OFF drops every reply until ON (whose +OK is sent), SKIP the
/// next command's; the host drops them ([`crate::Engine::reply_done`]). OFF and SKIP answer
/// nothing.
fn client_reply(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let v = args.get(2);
    let is = |s: &[u8]| v.eq_ignore_ascii_case(s);
    if is(b"on") {
        let r = &mut ctx.conn().reply;
        r.off = false;
        r.skip = false;
        ctx.reply.ok();
    } else if is(b"off") {
        ctx.conn().reply.off = true;
    } else if is(b"skip") {
        let r = &mut ctx.conn().reply;
        if !r.off {
            r.skip_next = true;
        }
    } else {
        ctx.error(errors::SYNTAX);
    }
}

/// CLIENT PAUSE timeout [WRITE|ALL]: every thread holds the commands the mode names (all by
/// default) for `timeout` milliseconds or until CLIENT UNPAUSE; see `Engine::prepare`.
fn client_pause(ctx: &mut Ctx<'_>, args: Args<'_>) {
    if args.len() > 4 {
        let e = errors::subcommand_syntax(args.get(1), args.get(0));
        return ctx.error(&e);
    }
    let mut mode = PauseMode::All;
    if args.len() == 4 {
        let m = args.get(3);
        if m.eq_ignore_ascii_case(b"write") {
            mode = PauseMode::Write;
        } else if !m.eq_ignore_ascii_case(b"all") {
            return ctx.error(errors::CLIENT_PAUSE_MODE);
        }
    }
    // Redis's `getTimeoutFromObjectOrReply` in milliseconds.
    let Some(ms) = parse_i64(args.get(2)) else {
        return ctx.error(errors::TIMEOUT_NOT_INTEGER);
    };
    if ms < 0 {
        return ctx.error(errors::TIMEOUT_NEGATIVE);
    }
    // A timeout of 0, or one past the end of time (Redis's sum overflows), pauses nothing.
    let end = match ms {
        0 => 0,
        ms => u64::try_from(ms as i128 + ctx.now_ms as i128)
            .ok()
            .filter(|&e| e <= i64::MAX as u64)
            .unwrap_or(0),
    };
    let now = ctx.now_ms;
    ctx.clients.registry().pause(mode, end, now);
    ctx.reply.ok();
}

/// CLIENT UNPAUSE: ends the pause at once; the held commands run.
fn client_unpause(ctx: &mut Ctx<'_>, _args: Args<'_>) {
    ctx.clients.registry().unpause();
    ctx.reply.ok();
}

/// CLIENT GETREDIR: -1, as client-side caching (tracking) is never on.
fn client_getredir(ctx: &mut Ctx<'_>, _args: Args<'_>) {
    ctx.reply.int(-1);
}

/// Client types, as CLIENT LIST TYPE and CLIENT KILL TYPE name them.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ClientType {
    Normal,
    Replica,
    PubSub,
    Master,
}

fn client_type(name: &[u8]) -> Option<ClientType> {
    let is = |s: &[u8]| name.eq_ignore_ascii_case(s);
    if is(b"normal") {
        Some(ClientType::Normal)
    } else if is(b"slave") || is(b"replica") {
        Some(ClientType::Replica)
    } else if is(b"pubsub") {
        Some(ClientType::PubSub)
    } else if is(b"master") {
        Some(ClientType::Master)
    } else {
        None
    }
}

/// The type of a connection (Redis's `getClientType`): a subscriber is `pubsub`, any
/// other (MONITOR included) `normal`; Anax has no replication.
fn type_of(c: &Conn) -> ClientType {
    if c.pubsub.subscribed() {
        ClientType::PubSub
    } else {
        ClientType::Normal
    }
}

/// What CLIENT LIST knows about the running command's connection that the registry does
/// not: its command, and the size of its request.
struct Caller {
    id: u64,
    cmd: &'static str,
    argv_mem: usize,
    qbuf: usize,
}

fn caller(ctx: &Ctx<'_>, args: Args<'_>) -> Caller {
    let argv_mem = args.iter().map(|a| a.len()).sum();
    // The request as a RESP multibulk, which is what the query buffer holds while it runs.
    let digits = |n: usize| {
        let mut b = itoa::Buffer::new();
        b.format(n).len()
    };
    let qbuf = 3
        + digits(args.len())
        + args
            .iter()
            .map(|a| 1 + digits(a.len()) + 2 + a.len() + 2)
            .sum::<usize>();
    Caller {
        id: ctx.conn_ref().id,
        cmd: ctx.fullname(),
        argv_mem,
        qbuf,
    }
}

/// One CLIENT LIST line (with its `\n`), in Redis 7.0's format. Buffer sizes the engine does
/// not see are 0.
fn client_line(out: &mut String, c: &Conn, now_ms: u64, me: &Caller) {
    let mine = c.id == me.id;
    let age = now_ms.saturating_sub(c.created_ms) / 1000;
    let idle = if mine {
        0
    } else {
        now_ms.saturating_sub(c.last_interaction_ms) / 1000
    };
    let (cmd, qbuf, argv_mem) = if mine {
        (me.cmd, me.qbuf, me.argv_mem)
    } else {
        (c.last_cmd, 0, 0)
    };
    let mut flags = String::new();
    if c.pubsub.monitor {
        flags.push('O');
    }
    if c.pubsub.subscribed() {
        flags.push('P');
    }
    if c.multi.is_some() {
        flags.push('x');
    }
    if c.blocked.is_some() || c.postponed {
        flags.push('b');
    }
    if c.watch_dirty() {
        flags.push('d');
    }
    if c.no_evict {
        flags.push('e');
    }
    if flags.is_empty() {
        flags.push('N');
    }
    let multi = c.multi.as_ref().map_or(-1, |m| m.queued.len() as i64);
    let _ = writeln!(
        out,
        "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub={} psub={} \
         ssub={} multi={} qbuf={} qbuf-free=0 argv-mem={} multi-mem=0 rbs=0 rbp=0 obl=0 \
         oll=0 omem={} tot-mem=0 events=r cmd={} user=default redir=-1 resp={}",
        c.id,
        c.addr.addr,
        c.addr.laddr,
        c.addr.fd,
        String::from_utf8_lossy(&c.name),
        age,
        idle,
        flags,
        c.db,
        c.pubsub.channel_count(),
        c.pubsub.pattern_count(),
        c.pubsub.shard_count(),
        multi,
        qbuf,
        argv_mem,
        c.pubsub.pending_push() + c.pubsub.out_pending,
        cmd,
        if c.proto == Proto::Resp3 { 3 } else { 2 },
    );
}

/// CLIENT INFO
fn client_info(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let me = caller(ctx, args);
    let mut out = String::new();
    client_line(&mut out, ctx.conn_ref(), ctx.now_ms, &me);
    ctx.reply.verbatim(b"txt", out.as_bytes());
}

/// CLIENT LIST [TYPE NORMAL|MASTER|REPLICA|PUBSUB] [ID client-id [client-id ...]]
fn client_list(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let me = caller(ctx, args);
    let mut out = String::new();
    let live = |c: &&Conn| !c.killed;
    if args.len() == 4 && args.get(2).eq_ignore_ascii_case(b"type") {
        let Some(t) = client_type(args.get(3)) else {
            let e = errors::unknown_client_type(args.get(3));
            return ctx.error(&e);
        };
        for c in ctx.all_clients().into_iter().filter(live) {
            if type_of(c) == t {
                client_line(&mut out, c, ctx.now_ms, &me);
            }
        }
    } else if args.len() > 3 && args.get(2).eq_ignore_ascii_case(b"id") {
        let mut ids = Vec::with_capacity(args.len() - 3);
        for a in args.iter().skip(3) {
            match parse_i64(a) {
                Some(id) => ids.push(id),
                None => return ctx.error(errors::INVALID_CLIENT_ID),
            }
        }
        let all = ctx.all_clients();
        for id in ids {
            if let Some(c) = all.iter().find(|c| !c.killed && c.id as i64 == id) {
                client_line(&mut out, c, ctx.now_ms, &me);
            }
        }
    } else if args.len() != 2 {
        return ctx.error(errors::SYNTAX);
    } else {
        for c in ctx.all_clients().into_iter().filter(live) {
            client_line(&mut out, c, ctx.now_ms, &me);
        }
    }
    ctx.reply.verbatim(b"txt", out.as_bytes());
}

/// CLIENT UNBLOCK client-id [TIMEOUT|ERROR]: answers a client blocked in BLPOP and the
/// like, on whichever thread it lives, as if its timeout had passed or with Redis's
/// `UNBLOCKED` error; 1 when it was blocked (and not already answered), else 0.
fn client_unblock(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let error = match args.len() {
        3 => false,
        4 if args.get(3).eq_ignore_ascii_case(b"timeout") => false,
        4 if args.get(3).eq_ignore_ascii_case(b"error") => true,
        4 => return ctx.error(errors::UNBLOCK_REASON),
        _ => {
            let text = errors::subcommand_syntax(args.get(1), b"CLIENT");
            return ctx.error(&text);
        }
    };
    let Some(id) = parse_i64(args.get(2)) else {
        return ctx.error(errors::NOT_INTEGER);
    };
    let ticket = ctx
        .all_clients()
        .into_iter()
        .find(|c| c.id as i64 == id && !c.killed)
        .and_then(|c| c.blocked.clone());
    let resolution = if error {
        Resolution::Unblocked
    } else {
        Resolution::TimedOut
    };
    // The ticket is shared with the client's thread: answering it wakes that connection.
    let done = ticket.is_some_and(|t| t.resolve(resolution));
    ctx.reply.int(done as i64);
}

/// CLIENT KILL ip:port | CLIENT KILL [ID id] [TYPE type] [USER user] [ADDR ip:port]
/// [LADDR ip:port] [SKIPME yes|no] ...
///
/// Another connection is marked killed (the host closes it after its current batch); the
/// caller itself is closed after the reply.
fn client_kill(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let mut addr: Option<&[u8]> = None;
    let mut laddr: Option<&[u8]> = None;
    let mut ctype: Option<ClientType> = None;
    let mut id: u64 = 0;
    let mut skipme = true;
    let old_form = args.len() == 3;
    if old_form {
        addr = Some(args.get(2));
        skipme = false;
    } else {
        let mut i = 2;
        while i < args.len() {
            let more = args.len() > i + 1;
            let opt = args.get(i);
            let is = |s: &[u8]| opt.eq_ignore_ascii_case(s);
            if !more {
                return ctx.error(errors::SYNTAX);
            }
            let val = args.get(i + 1);
            if is(b"id") {
                match parse_i64(val).filter(|&n| n >= 1) {
                    Some(n) => id = n as u64,
                    None => return ctx.error(errors::CLIENT_ID_NOT_POSITIVE),
                }
            } else if is(b"type") {
                match client_type(val) {
                    Some(t) => ctype = Some(t),
                    None => {
                        let e = errors::unknown_client_type(val);
                        return ctx.error(&e);
                    }
                }
            } else if is(b"addr") {
                addr = Some(val);
            } else if is(b"laddr") {
                laddr = Some(val);
            } else if is(b"user") {
                // The default user is the only one, and every connection's.
                if val != b"default" {
                    let e = errors::no_such_user(val);
                    return ctx.error(&e);
                }
            } else if is(b"skipme") {
                if val.eq_ignore_ascii_case(b"yes") {
                    skipme = true;
                } else if val.eq_ignore_ascii_case(b"no") {
                    skipme = false;
                } else {
                    return ctx.error(errors::SYNTAX);
                }
            } else {
                return ctx.error(errors::SYNTAX);
            }
            i += 2;
        }
    }
    let me = ctx.conn_ref().id;
    let mut victims = Vec::new();
    let mut close_me = false;
    for c in ctx.all_clients().into_iter().filter(|c| !c.killed) {
        if addr.is_some_and(|a| a != c.addr.addr.as_bytes())
            || laddr.is_some_and(|a| a != c.addr.laddr.as_bytes())
            || ctype.is_some_and(|t| t != type_of(c))
            || (id != 0 && c.id != id)
            || (c.id == me && skipme)
        {
            continue;
        }
        if c.id == me {
            close_me = true;
        } else {
            victims.push(c.id);
        }
    }
    let killed = victims.len() as i64 + close_me as i64;
    for v in victims {
        ctx.kill_client(v);
    }
    if close_me {
        ctx.action = Action::Close;
    }
    if old_form {
        if killed == 0 {
            ctx.error(errors::NO_SUCH_CLIENT)
        } else {
            ctx.reply.ok()
        }
    } else {
        ctx.reply.int(killed);
    }
}

/// CLIENT HELP
fn client_help(ctx: &mut Ctx<'_>, args: Args<'_>) {
    super::server::reply_help(
        ctx,
        args,
        &[
            "GETNAME",
            "    Return the name of the current connection.",
            "GETREDIR",
            "    Return the client ID we are redirecting to when tracking is enabled.",
            "ID",
            "    Return the ID of the current connection.",
            "INFO",
            "    Return information about the current client connection.",
            "KILL <ip:port>",
            "    Kill connection made from <ip:port>.",
            "KILL <option> <value> [<option> <value> [...]]",
            "    Kill connections. Options are:",
            "    * ADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made from the specified address",
            "    * LADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made to specified local address",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Kill connections by type.",
            "    * USER <username>",
            "      Kill connections authenticated by <username>.",
            "    * SKIPME (YES|NO)",
            "      Skip killing current connection (default: yes).",
            "LIST [options ...]",
            "    Return information about client connections. Options:",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Return clients of specified type.",
            "UNPAUSE",
            "    Stop the current client pause, resuming traffic.",
            "PAUSE <timeout> [WRITE|ALL]",
            "    Suspend all, or just write, clients for <timeout> milliseconds.",
            "REPLY (ON|OFF|SKIP)",
            "    Control the replies sent to the current connection.",
            "SETNAME <name>",
            "    Assign the name <name> to the current connection.",
            "UNBLOCK <clientid> [TIMEOUT|ERROR]",
            "    Unblock the specified blocked client.",
            "NO-EVICT (ON|OFF)",
            "    Protect current client connection from eviction.",
        ],
    );
}
