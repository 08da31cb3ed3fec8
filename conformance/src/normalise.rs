//! Every place where two correct servers may answer differently, in one module.
//!
//! The differential tests compare replies exactly (errors included) except where the Redis
//! documentation leaves something unspecified; each such rule below cites the passage that
//! allows it. Commands whose replies are different by nature (server state, clocks, ids)
//! are not generated at all: [`EXCLUDED`] lists them with the reason, and
//! `docs/compat.md` shows the list.
//!
//! Time enters in two more places: the runner waits for a fresh millisecond before an
//! EXPIRE/PEXPIRE with GT ([`needs_fresh_millisecond`]), and the generators never set an
//! expiry in the past with SET EXAT/PXAT (see `gen::future_unix_secs`).
//!
//! A rule is chosen from the command alone ([`rule`]), so hand-written case files, the
//! regression corpus and generated sequences share it.

use anax_protocol::Value;

/// How one step's replies are observed and compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// Byte for byte, errors included.
    Exact,
    /// The elements of an array reply compared as a multiset (sorted before comparing).
    Unordered,
    /// `SCAN 0 ...`: the whole iteration is run, following cursors until 0, and the set of
    /// keys it returned is compared; pages and cursors are not.
    FullScan,
    /// A reply naming one random key: compared as "nil", or "an existing key".
    RandomKey,
    /// HGETALL: the field-value pairs compared as a multiset (a RESP2 flat array is sorted
    /// by pairs, a RESP3 map by key).
    UnorderedPairs,
    /// `HSCAN key 0 ...`: the whole iteration is run, following cursors until 0, and the set
    /// of field-value pairs it returned is compared.
    FullHScan,
    /// HRANDFIELD: random fields, compared by the reply's shape and length, and by checking
    /// on the same server that every field exists (with its value, under WITHVALUES) and,
    /// for a positive count, that the fields are distinct.
    RandomFields,
    /// SRANDMEMBER: random members, compared by the reply's length and by checking on the
    /// same server that each is a member (and, for a positive count, that they are
    /// distinct).
    RandomMembers,
    /// ZRANDMEMBER without a count: a random member, checked with ZSCORE on the same
    /// server.
    RandomZMember,
    /// COMMAND INFO: each command's subcommand list (its tenth element) compared without
    /// order.
    CommandInfo,
    /// HELLO: the value of the `id` field is not compared.
    Hello,
    /// Integers within this many units of each other when both are non-negative; negative
    /// replies (-1 no expiry, -2 no key) exactly.
    Tolerance(i64),
}

/// Milliseconds allowed between two servers' PTTL/PEXPIRETIME replies. Both servers set
/// the expiry and read it back at slightly different moments (the steps of a sequence run
/// on each server in turn); the allowance covers scheduling delays on a loaded machine.
pub const PTTL_TOLERANCE_MS: i64 = 1000;

/// Seconds allowed between TTL/EXPIRETIME replies: Redis rounds the remaining
/// milliseconds to the nearest second, so a few milliseconds of skew can move it by one.
pub const TTL_TOLERANCE_S: i64 = 1;

/// Seconds allowed between OBJECT IDLETIME replies: Redis's LRU clock has a resolution of
/// one second and is refreshed by its cron (10 times a second), so it lags the real clock.
pub const IDLETIME_TOLERANCE_S: i64 = 2;

/// The most SCAN calls one full iteration may take before it counts as a failure (a
/// cursor that never returns to 0).
pub const MAX_SCAN_CALLS: usize = 10_000;

/// Commands (lower case, `container|sub` for subcommands) that the generators never
/// produce, and why. Hand-written case files may still use their deterministic forms.
pub const EXCLUDED: &[(&str, &str)] = &[
    (
        "info",
        "server state: uptime, memory, counters, versions, run id",
    ),
    ("time", "the wall clock"),
    ("lastsave", "the time of the last save"),
    (
        "debug",
        "implementation-specific by design (Redis: \"used to debug Redis internals\")",
    ),
    (
        "object|idletime",
        "Redis shares the values 0..9999 between keys (OBJ_SHARED_INTEGERS) and a shared value's \
         access time is that of the last lookup of any key holding it, so the reply depends on \
         the server's whole history",
    ),
    ("client|id", "connection ids are assigned by each server"),
    (
        "client|list",
        "connection ids, addresses, ages, buffer sizes",
    ),
    ("client|info", "connection id, address, age, buffer sizes"),
    ("client|kill", "kills connections, the test's own included"),
    (
        "command",
        "the whole command table: Anax implements a subset so far",
    ),
    (
        "command|count",
        "the size of the command table: Anax implements a subset so far",
    ),
    (
        "command|list",
        "the whole command table: Anax implements a subset so far",
    ),
    (
        "command|docs",
        "documentation text; the case files check chosen commands",
    ),
    (
        "config|set",
        "changes server-wide settings that outlive a generated case",
    ),
    ("config|resetstat", "resets server-wide counters"),
    ("config|rewrite", "writes the configuration file"),
    ("shutdown", "stops the server"),
    ("quit", "closes the connection"),
    (
        "spop",
        "removes random members: the two servers' sets would differ from then on (the \
         host tests check it against redis-server by size and membership)",
    ),
];

/// The rule for a command. `unordered` is a case file's `~` mark.
pub fn rule<A: AsRef<[u8]>>(args: &[A], unordered: bool) -> Rule {
    let name = args
        .first()
        .map(|a| a.as_ref().to_ascii_lowercase())
        .unwrap_or_default();
    let sub = args
        .get(1)
        .map(|a| a.as_ref().to_ascii_lowercase())
        .unwrap_or_default();
    match (name.as_slice(), args.len()) {
        // KEYS: "Returns all keys matching pattern" and nothing about their order; the order
        // is that of the hash table's buckets (https://redis.io/commands/keys/).
        (b"keys", 2) => Rule::Unordered,
        // SCAN: "A given element may be returned multiple times", "the number of elements
        // returned at every SCAN call is not fixed", and only "a full iteration always
        // retrieves all the elements that were present in the collection from the start to
        // the end of a full iteration" is guaranteed (https://redis.io/commands/scan/, "Scan
        // guarantees"). Cursors are opaque. So a full iteration from cursor 0 is compared as
        // a set; a step with any other cursor is compared exactly (it only makes sense for
        // invalid cursors, whose error is exact).
        (b"scan", _) if args.len() >= 2 && args[1].as_ref() == b"0" => Rule::FullScan,
        // RANDOMKEY: "Return a random key from the currently selected database"
        // (https://redis.io/commands/randomkey/): which one is up to the server.
        (b"randomkey", 1) => Rule::RandomKey,
        // SMEMBERS, SINTER, SUNION, SDIFF: flagged `nondeterministic_output_order` (COMMAND
        // DOCS); a set in the hashtable encoding answers in its buckets' order
        // (https://redis.io/commands/smembers/ documents no order).
        (b"smembers", 2) | (b"sinter", _) | (b"sunion", _) | (b"sdiff", _) => Rule::Unordered,
        // SSCAN: the guarantees of SCAN (https://redis.io/commands/scan/, "Scan guarantees";
        // SSCAN is documented there): only a full iteration is compared, as a set.
        (b"sscan", _) if args.len() >= 3 && args[2].as_ref() == b"0" => Rule::FullScan,
        // SRANDMEMBER: "Return a random element from the set value stored at key"
        // (https://redis.io/commands/srandmember/); with a positive count the elements are
        // distinct, with a negative one they may repeat.
        (b"srandmember", n) if n >= 2 => Rule::RandomMembers,
        // ZRANDMEMBER: "Return a random element from the sorted set value stored at key"
        // (https://redis.io/commands/zrandmember/). The generator only draws counts whose
        // answer is fixed; the form without a count (which arity mutation produces) picks
        // one member at random.
        (b"zrandmember", 2) => Rule::RandomZMember,
        // HKEYS, HVALS, HGETALL: Redis documents no order, and flags the three
        // `nondeterministic_output_order` (COMMAND DOCS); a hash in the hashtable encoding
        // answers in its buckets' order (https://redis.io/commands/hgetall/).
        (b"hkeys", 2) | (b"hvals", 2) => Rule::Unordered,
        (b"hgetall", 2) => Rule::UnorderedPairs,
        // HSCAN: the guarantees of SCAN (https://redis.io/commands/scan/, "Scan guarantees";
        // HSCAN is documented there): only a full iteration is compared, as pairs.
        (b"hscan", _) if args.len() >= 3 && args[2].as_ref() == b"0" => Rule::FullHScan,
        // HRANDFIELD: "Return a random field from the hash value stored at key"
        // (https://redis.io/commands/hrandfield/); with a positive count the fields are
        // distinct, with a negative one they may repeat.
        (b"hrandfield", n) if n >= 2 => Rule::RandomFields,
        // TTL/PTTL/EXPIRETIME/PEXPIRETIME: both servers measure time with their own clock
        // at slightly different instants; see the tolerances above.
        (b"ttl", 2) | (b"expiretime", 2) => Rule::Tolerance(TTL_TOLERANCE_S),
        (b"pttl", 2) | (b"pexpiretime", 2) => Rule::Tolerance(PTTL_TOLERANCE_MS),
        // OBJECT IDLETIME: "the number of seconds since the object stored at the specified
        // key is idle" (https://redis.io/commands/object-idletime/), from the LRU clock.
        (b"object", 3) if sub == b"idletime" => Rule::Tolerance(IDLETIME_TOLERANCE_S),
        // COMMAND INFO lists a container's subcommands in the order of the dict that holds
        // them, and Redis seeds its dict hash function randomly at start-up (`main` in
        // server.c calls `dictSetHashFunctionSeed` with random bytes): three redis-server
        // 7.0.15 processes list OBJECT's subcommands in three orders. The COMMAND
        // documentation (https://redis.io/commands/command/, "Subcommands") promises an
        // array of subcommand details and no order.
        (b"command", _) if sub == b"info" => Rule::CommandInfo,
        // HELLO answers with the connection's "id" (https://redis.io/commands/hello/: "the
        // client's ID"), which each server assigns in its own way (CLIENT ID: "a 64 bit
        // number that is never repeated", nothing more); the other fields are compared.
        (b"hello", _) => Rule::Hello,
        _ if unordered => Rule::Unordered,
        _ => Rule::Exact,
    }
}

/// One reply as it came: its bytes and their decoding.
#[derive(Clone, Debug, PartialEq)]
pub struct Reply {
    /// The bytes on the wire.
    pub raw: Vec<u8>,
    /// Their decoding.
    pub value: Value,
}

impl Reply {
    /// A reply from its bytes; `Err` when they do not hold exactly one reply.
    pub fn from_raw(raw: Vec<u8>) -> Result<Reply, String> {
        match anax_protocol::value::decode(&raw) {
            Ok(Some((value, n))) if n == raw.len() => Ok(Reply { raw, value }),
            other => Err(format!(
                "malformed reply {other:?}: {:?}",
                String::from_utf8_lossy(&raw)
            )),
        }
    }
}

/// Runs one command on a server: its reply, or why none came.
pub type Call<'a> = dyn FnMut(&[Vec<u8>]) -> Result<Reply, String> + 'a;

/// [`Call`], decoded replies only.
type CallValue<'a> = dyn FnMut(&[Vec<u8>]) -> Result<Value, String> + 'a;

/// What a step shows of one server, ready to compare.
#[derive(Clone, Debug, PartialEq)]
pub struct Observed {
    /// The reply in its comparable form.
    pub value: Value,
    /// Under [`Rule::Exact`], the bytes of the reply: compared byte for byte, so that
    /// encodings the decoder merges (`$-1`, `*-1` and `_`; `,1.5` and `,1.50`) differ too.
    pub raw: Option<Vec<u8>>,
}

/// Runs a step on one server through `call` and returns the reply in its comparable form.
/// `Err` means no reply came (the connection died or timed out).
pub fn observe(rule: Rule, args: &[Vec<u8>], call: &mut Call<'_>) -> Result<Observed, String> {
    if rule == Rule::Exact {
        let r = call(args)?;
        return Ok(Observed {
            value: r.value,
            raw: Some(r.raw),
        });
    }
    let value = observe_value(rule, args, &mut |a| call(a).map(|r| r.value))?;
    Ok(Observed { value, raw: None })
}

fn observe_value(rule: Rule, args: &[Vec<u8>], call: &mut CallValue<'_>) -> Result<Value, String> {
    match rule {
        Rule::Exact | Rule::Tolerance(_) => call(args),
        Rule::Unordered => Ok(sort_reply(call(args)?)),
        Rule::FullScan => full_scan(args, call),
        Rule::RandomMembers => random_members(args, call),
        Rule::RandomZMember => random_zmember(args, call),
        Rule::UnorderedPairs => Ok(sort_pairs(call(args)?)),
        Rule::FullHScan => full_hscan(args, call),
        Rule::RandomFields => random_fields(args, call),
        Rule::Hello => Ok(mask_id(call(args)?)),
        Rule::CommandInfo => Ok(match call(args)? {
            Value::Array(cmds) => Value::Array(cmds.into_iter().map(sort_subcommands).collect()),
            other => other,
        }),
        Rule::RandomKey => match call(args)? {
            Value::Bulk(k) => {
                let exists = call(&[b"EXISTS".to_vec(), k.clone()])?;
                Ok(if exists == Value::Int(1) {
                    Value::Simple(b"<an existing key>".to_vec())
                } else {
                    Value::Simple(
                        format!("<{} (EXISTS says {exists:?})>", String::from_utf8_lossy(&k))
                            .into_bytes(),
                    )
                })
            }
            other => Ok(other),
        },
    }
}

/// True when the two observed replies count as the same under `rule`.
pub fn same(rule: Rule, a: &Observed, b: &Observed) -> bool {
    if let (Some(x), Some(y)) = (&a.raw, &b.raw) {
        return x == y;
    }
    match (rule, &a.value, &b.value) {
        (Rule::Tolerance(t), Value::Int(x), Value::Int(y)) if *x >= 0 && *y >= 0 => {
            (x - y).abs() <= t
        }
        _ => a.value == b.value,
    }
}

/// Replaces the value after an `id` key (RESP2 flat array or RESP3 map) by a placeholder.
fn mask_id(v: Value) -> Value {
    let placeholder = || Value::Simple(b"<connection id>".to_vec());
    let is_id = |k: &Value| k.as_bytes() == Some(b"id");
    match v {
        Value::Map(pairs) => Value::Map(
            pairs
                .into_iter()
                .map(|(k, v)| {
                    if is_id(&k) {
                        (k, placeholder())
                    } else {
                        (k, v)
                    }
                })
                .collect(),
        ),
        Value::Array(mut items) => {
            for i in (0..items.len().saturating_sub(1)).step_by(2) {
                if is_id(&items[i]) {
                    items[i + 1] = placeholder();
                }
            }
            Value::Array(items)
        }
        other => other,
    }
}

/// Sorts the subcommands (tenth element) of one COMMAND INFO entry, recursively.
fn sort_subcommands(v: Value) -> Value {
    match v {
        Value::Array(mut info) if info.len() >= 10 => {
            if let Value::Array(subs) = std::mem::replace(&mut info[9], Value::Null) {
                let subs = subs.into_iter().map(sort_subcommands).collect();
                info[9] = sort_reply(Value::Array(subs));
            }
            Value::Array(info)
        }
        other => other,
    }
}

/// Sorts an array reply's elements (a map's pairs by key); other replies are unchanged.
fn sort_reply(v: Value) -> Value {
    let key = |v: &Value| format!("{v:?}");
    match v {
        Value::Array(mut items) => {
            items.sort_by_key(key);
            Value::Array(items)
        }
        Value::Set(mut items) => {
            items.sort_by_key(key);
            Value::Set(items)
        }
        Value::Map(mut pairs) => {
            pairs.sort_by_key(|(k, _)| key(k));
            Value::Map(pairs)
        }
        other => other,
    }
}

/// Runs SCAN from cursor 0 to the end and answers with the sorted, de-duplicated keys, or
/// the first error (an invalid option fails on the first call).
fn full_scan(args: &[Vec<u8>], call: &mut CallValue<'_>) -> Result<Value, String> {
    let mut args = args.to_vec();
    // SCAN's cursor is its first argument; SSCAN's follows the key.
    let at = if args[0].eq_ignore_ascii_case(b"scan") {
        1
    } else {
        2
    };
    let mut keys: Vec<Vec<u8>> = Vec::new();
    for _ in 0..MAX_SCAN_CALLS {
        let reply = call(&args)?;
        let (cursor, page) = match reply {
            Value::Array(mut parts) if parts.len() == 2 => {
                let page = parts.pop().expect("two parts");
                let cursor = parts.pop().expect("two parts");
                match (cursor, page) {
                    (Value::Bulk(c), Value::Array(p)) => (c, p),
                    (c, p) => return Ok(Value::Array(vec![c, p])),
                }
            }
            other => return Ok(other),
        };
        for k in page {
            match k {
                Value::Bulk(k) => keys.push(k),
                other => {
                    return Ok(Value::Error(
                        format!("<SCAN page holds {other:?}>").into_bytes(),
                    ))
                }
            }
        }
        if cursor == b"0" {
            keys.sort();
            keys.dedup();
            return Ok(Value::Array(keys.into_iter().map(Value::Bulk).collect()));
        }
        args[at] = cursor;
    }
    Ok(Value::Error(
        format!("<SCAN did not return to cursor 0 within {MAX_SCAN_CALLS} calls>").into_bytes(),
    ))
}

/// Sorts a RESP2 flat array of field-value pairs by pairs, or a RESP3 map by key.
fn sort_pairs(v: Value) -> Value {
    match v {
        Value::Array(items) if items.len() % 2 == 0 => {
            let mut pairs: Vec<(Value, Value)> = Vec::new();
            let mut it = items.into_iter();
            while let (Some(f), Some(v)) = (it.next(), it.next()) {
                pairs.push((f, v));
            }
            pairs.sort_by_key(|p| format!("{p:?}"));
            Value::Array(pairs.into_iter().flat_map(|(f, v)| [f, v]).collect())
        }
        other => sort_reply(other),
    }
}

/// Runs HSCAN from cursor 0 to the end and answers with the sorted, de-duplicated
/// field-value pairs (as a flat array), or the first reply that is not a page.
fn full_hscan(args: &[Vec<u8>], call: &mut CallValue<'_>) -> Result<Value, String> {
    let mut args = args.to_vec();
    let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    for _ in 0..MAX_SCAN_CALLS {
        let reply = call(&args)?;
        let (cursor, page) = match reply {
            Value::Array(mut parts) if parts.len() == 2 => {
                let page = parts.pop().expect("two parts");
                let cursor = parts.pop().expect("two parts");
                match (cursor, page) {
                    (Value::Bulk(c), Value::Array(p)) if p.len() % 2 == 0 => (c, p),
                    (c, p) => return Ok(Value::Array(vec![c, p])),
                }
            }
            other => return Ok(other),
        };
        let mut it = page.into_iter();
        while let (Some(f), Some(v)) = (it.next(), it.next()) {
            match (f, v) {
                (Value::Bulk(f), Value::Bulk(v)) => pairs.push((f, v)),
                other => {
                    return Ok(Value::Error(
                        format!("<HSCAN page holds {other:?}>").into_bytes(),
                    ))
                }
            }
        }
        if cursor == b"0" {
            pairs.sort();
            pairs.dedup();
            return Ok(Value::Array(
                pairs
                    .into_iter()
                    .flat_map(|(f, v)| [Value::Bulk(f), Value::Bulk(v)])
                    .collect(),
            ));
        }
        args[2] = cursor;
    }
    Ok(Value::Error(
        format!("<HSCAN did not return to cursor 0 within {MAX_SCAN_CALLS} calls>").into_bytes(),
    ))
}

/// HRANDFIELD's reply in a comparable form: errors and nil as they are; a field as
/// `<a field>` once HEXISTS confirms it; an array as its length, the kinds of its elements
/// (`bulk`, `pair` for RESP3's `[field, value]`) and a verdict from HEXISTS/HGET on each
/// field (and, for a positive count, distinctness).
fn random_fields(args: &[Vec<u8>], call: &mut CallValue<'_>) -> Result<Value, String> {
    let key = args[1].clone();
    let withvalues = args.len() == 4;
    let distinct = args.len() >= 3 && !args[2].starts_with(b"-");
    let reply = call(args)?;
    let exists = |call: &mut CallValue<'_>, f: &[u8]| -> Result<bool, String> {
        Ok(call(&[b"HEXISTS".to_vec(), key.clone(), f.to_vec()])? == Value::Int(1))
    };
    match reply {
        Value::Bulk(f) => Ok(Value::Simple(if exists(call, &f)? {
            b"<a field>".to_vec()
        } else {
            format!("<{} is no field>", String::from_utf8_lossy(&f)).into_bytes()
        })),
        Value::Array(items) => {
            let mut kinds: Vec<&str> = items
                .iter()
                .map(|i| match i {
                    Value::Bulk(_) => "bulk",
                    Value::Array(p) if p.len() == 2 => "pair",
                    _ => "other",
                })
                .collect();
            kinds.sort();
            kinds.dedup();
            let len = items.len() as i64;
            // The (field, value) pairs, however they are laid out.
            let mut pairs: Vec<(Vec<u8>, Option<Vec<u8>>)> = Vec::new();
            let flat = withvalues && kinds == ["bulk"];
            let mut it = items.into_iter();
            while let Some(i) = it.next() {
                match i {
                    Value::Bulk(f) if flat => {
                        let v = it.next().and_then(|v| v.as_bytes().map(<[u8]>::to_vec));
                        pairs.push((f, Some(v.unwrap_or_default())));
                    }
                    Value::Bulk(f) => pairs.push((f, None)),
                    Value::Array(mut p) if p.len() == 2 => {
                        let v = p.pop().and_then(|v| v.as_bytes().map(<[u8]>::to_vec));
                        let f = p.pop().and_then(|f| f.as_bytes().map(<[u8]>::to_vec));
                        pairs.push((f.unwrap_or_default(), v));
                    }
                    _ => {}
                }
            }
            let mut verdict = String::from("ok");
            for (f, v) in &pairs {
                let good = match v {
                    Some(v) => {
                        call(&[b"HGET".to_vec(), key.clone(), f.clone()])?.as_bytes()
                            == Some(&v[..])
                    }
                    None => exists(call, f)?,
                };
                if !good {
                    verdict = format!("{} is not in the hash", String::from_utf8_lossy(f));
                    break;
                }
            }
            if distinct {
                let mut fields: Vec<&Vec<u8>> = pairs.iter().map(|(f, _)| f).collect();
                fields.sort();
                let n = fields.len();
                fields.dedup();
                if fields.len() != n {
                    verdict = String::from("a field repeats under a positive count");
                }
            }
            Ok(Value::Array(vec![
                Value::Int(len),
                Value::Simple(kinds.join(",").into_bytes()),
                Value::Simple(verdict.into_bytes()),
            ]))
        }
        other => Ok(other),
    }
}

/// SRANDMEMBER's reply in a comparable form: errors and nil as they are; a member as
/// `<a member>` once SISMEMBER confirms it; an array as its length and a verdict from
/// SISMEMBER on each element (and, for a positive count, distinctness).
fn random_members(args: &[Vec<u8>], call: &mut CallValue<'_>) -> Result<Value, String> {
    let key = args[1].clone();
    let distinct = args.len() >= 3 && !args[2].starts_with(b"-");
    let reply = call(args)?;
    let mut member = |m: &[u8]| -> Result<bool, String> {
        Ok(call(&[b"SISMEMBER".to_vec(), key.clone(), m.to_vec()])? == Value::Int(1))
    };
    match reply {
        Value::Bulk(m) => Ok(Value::Simple(if member(&m)? {
            b"<a member>".to_vec()
        } else {
            format!("<{} is no member>", String::from_utf8_lossy(&m)).into_bytes()
        })),
        Value::Array(items) => {
            let len = items.len() as i64;
            let mut verdict = String::from("ok");
            let mut seen: Vec<Vec<u8>> = Vec::new();
            for i in items {
                let Value::Bulk(m) = i else {
                    verdict = format!("{i:?} is no bulk string");
                    break;
                };
                if !member(&m)? {
                    verdict = format!("{} is not in the set", String::from_utf8_lossy(&m));
                    break;
                }
                seen.push(m);
            }
            if distinct {
                seen.sort();
                let n = seen.len();
                seen.dedup();
                if seen.len() != n {
                    verdict = String::from("a member repeats under a positive count");
                }
            }
            Ok(Value::Array(vec![
                Value::Int(len),
                Value::Simple(verdict.into_bytes()),
            ]))
        }
        other => Ok(other),
    }
}

/// ZRANDMEMBER key's reply in a comparable form: errors and nil as they are; a member as
/// `<a member>` once ZSCORE finds it.
fn random_zmember(args: &[Vec<u8>], call: &mut CallValue<'_>) -> Result<Value, String> {
    match call(args)? {
        Value::Bulk(m) => {
            let score = call(&[b"ZSCORE".to_vec(), args[1].clone(), m.clone()])?;
            Ok(Value::Simple(if score == Value::Null {
                format!("<{} is no member>", String::from_utf8_lossy(&m)).into_bytes()
            } else {
                b"<a member>".to_vec()
            }))
        }
        other => Ok(other),
    }
}

/// True when a step must run in a later millisecond than every step before it.
///
/// EXPIRE and PEXPIRE with GT compare the new expiry (now + the given time) with the key's
/// current one. When the current one was set with the same relative time (`SET k v EX
/// 100`, then `EXPIRE k 100 GT`), the answer is 1 when the clock moved on by a millisecond
/// between the two commands and 0 when it did not, which differs from one server to the
/// other. The runner waits for the next millisecond before such a step, so both servers
/// answer 1. (LT is safe: a later "now" never makes the new time smaller.)
pub fn needs_fresh_millisecond(args: &[Vec<u8>]) -> bool {
    let relative =
        |n: &[u8]| n.eq_ignore_ascii_case(b"expire") || n.eq_ignore_ascii_case(b"pexpire");
    args.len() > 3 && relative(&args[0]) && args[3..].iter().any(|a| a.eq_ignore_ascii_case(b"gt"))
}

/// The reason a command is excluded from generated sequences, if it is. `name` is lower
/// case, `container|sub` for a subcommand.
pub fn excluded(name: &str) -> Option<&'static str> {
    EXCLUDED
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, why)| *why)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> Vec<Vec<u8>> {
        crate::case::split_line(s)
    }

    #[test]
    fn rules_by_command() {
        assert_eq!(rule(&a("KEYS *"), false), Rule::Unordered);
        assert_eq!(rule(&a("scan 0 COUNT 2"), false), Rule::FullScan);
        assert_eq!(rule(&a("SCAN abc"), false), Rule::Exact);
        assert_eq!(rule(&a("RANDOMKEY"), false), Rule::RandomKey);
        assert_eq!(
            rule(&a("PTTL k"), false),
            Rule::Tolerance(PTTL_TOLERANCE_MS)
        );
        assert_eq!(rule(&a("TTL k x"), false), Rule::Exact);
        assert_eq!(rule(&a("GET k"), true), Rule::Unordered);
        assert_eq!(rule(&a("command INFO get"), false), Rule::CommandInfo);
    }

    #[test]
    fn exact_compares_bytes() {
        let nil2 = Reply::from_raw(b"$-1\r\n".to_vec()).unwrap();
        let nil3 = Reply::from_raw(b"_\r\n".to_vec()).unwrap();
        assert_eq!(nil2.value, nil3.value);
        let obs = |r: Reply| observe(Rule::Exact, &a("GET k"), &mut |_| Ok(r.clone())).unwrap();
        assert!(!same(Rule::Exact, &obs(nil2.clone()), &obs(nil3)));
        assert!(same(Rule::Exact, &obs(nil2.clone()), &obs(nil2)));
    }

    #[test]
    fn tolerance_only_for_non_negative_integers() {
        let r = Rule::Tolerance(1);
        let i = |n| Observed {
            value: Value::Int(n),
            raw: None,
        };
        assert!(same(r, &i(100), &i(99)));
        assert!(!same(r, &i(100), &i(98)));
        assert!(!same(r, &i(-1), &i(0)));
        assert!(same(r, &i(-2), &i(-2)));
    }

    #[test]
    fn full_scan_collects_pages() {
        let mut pages = vec![
            Value::Array(vec![Value::bulk("0"), Value::Array(vec![Value::bulk("b")])]),
            Value::Array(vec![
                Value::bulk("7"),
                Value::Array(vec![Value::bulk("b"), Value::bulk("a")]),
            ]),
        ];
        let mut seen = Vec::new();
        let got = observe(Rule::FullScan, &a("SCAN 0 COUNT 1"), &mut |args| {
            seen.push(args[1].clone());
            let v = pages.pop().unwrap();
            let mut raw = Vec::new();
            v.encode(&mut raw);
            Ok(Reply { raw, value: v })
        })
        .unwrap();
        assert_eq!(
            got.value,
            Value::Array(vec![Value::bulk("a"), Value::bulk("b")])
        );
        assert_eq!(got.raw, None);
        assert_eq!(seen, vec![b"0".to_vec(), b"7".to_vec()]);
    }
}
