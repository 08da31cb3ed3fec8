//! The per-type memory run (`--only types`, `--types-memory`): what it loads into a fresh
//! server, and how it checks that the server holds it.
//!
//! - a hash of `n` fields (`key:%012d` field names, 16-byte values `val:%012d`), loaded with
//!   `HSET` commands of [`PER_COMMAND`] fields each;
//! - a set of `n` members (`key:%012d`: not integers, so never an intset), `SADD`;
//! - a sorted set of `n` members (`key:%012d`) with distinct scores (member `i` scores `i`),
//!   `ZADD`;
//! - a list of `n` elements (16-byte values `val:%012d`), `RPUSH`;
//! - `n` small hashes: keys `key:%012d`, each with [`SMALL_HASH_FIELDS`] fields
//!   `field:0`..`field:4` holding 16-byte values (small enough to stay `listpack` on both
//!   servers), one `HSET` per key.
//!
//! Commands go out pipelined, [`COMMANDS_PER_WRITE`] (collections) or [`KEYS_PER_WRITE`]
//! (small hashes) per write, and every reply is checked; afterwards the size
//! (`HLEN`/`SCARD`/`ZCARD`/`LLEN`, `DBSIZE`) is checked too. The memory figures themselves
//! are taken around the load by `run.rs`, the same way as for the 1M-key run.

use super::client::{key_name, value_for, Client};
use anax_protocol::{encode_request, Value};
use std::ops::Range;

/// Elements per HSET/SADD/ZADD/RPUSH of the collection loads.
pub const PER_COMMAND: u64 = 500;
/// Collection commands per pipelined write.
pub const COMMANDS_PER_WRITE: usize = 20;
/// Fields of each small hash.
pub const SMALL_HASH_FIELDS: u64 = 5;
/// Bytes of every value (hash values, list elements).
pub const VALUE_SIZE: usize = 16;
/// Small-hash HSETs per pipelined write.
pub const KEYS_PER_WRITE: u64 = 1000;

/// What one measurement of the per-type run loads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TypeCase {
    /// One hash of n fields.
    Hash,
    /// One set of n members.
    Set,
    /// One sorted set of n members.
    Zset,
    /// One list of n elements.
    List,
    /// n hashes of [`SMALL_HASH_FIELDS`] fields.
    SmallHashes,
}

impl TypeCase {
    /// Every case, in the order the run measures them.
    pub const ALL: [TypeCase; 5] = [
        TypeCase::Hash,
        TypeCase::Set,
        TypeCase::Zset,
        TypeCase::List,
        TypeCase::SmallHashes,
    ];

    /// The name in JSON.
    pub fn id(&self) -> &'static str {
        match self {
            TypeCase::Hash => "hash",
            TypeCase::Set => "set",
            TypeCase::Zset => "zset",
            TypeCase::List => "list",
            TypeCase::SmallHashes => "small-hashes",
        }
    }

    /// What the figures are per: `field`, `member`, `element` or `key`.
    pub fn unit(&self) -> &'static str {
        match self {
            TypeCase::Hash => "field",
            TypeCase::Set | TypeCase::Zset => "member",
            TypeCase::List => "element",
            TypeCase::SmallHashes => "key",
        }
    }

    /// The table's description of what was loaded, for `n` elements (or keys).
    pub fn describe(&self, n: &str) -> String {
        match self {
            TypeCase::Hash => format!("1 hash, {n} fields, 16-byte values"),
            TypeCase::Set => format!("1 set, {n} members"),
            TypeCase::Zset => format!("1 sorted set, {n} members"),
            TypeCase::List => format!("1 list, {n} 16-byte elements"),
            TypeCase::SmallHashes => {
                format!("{n} hashes, {SMALL_HASH_FIELDS} fields of 16 bytes each")
            }
        }
    }

    /// The OBJECT ENCODING both servers should report (Redis 7.0's).
    pub fn expected_encoding(&self) -> &'static str {
        match self {
            TypeCase::Hash | TypeCase::Set => "hashtable",
            TypeCase::Zset => "skiplist",
            TypeCase::List => "quicklist",
            TypeCase::SmallHashes => "listpack",
        }
    }

    /// The key of the one collection (`mem:hash`, ...); `None` for the small hashes.
    pub fn key(&self) -> Option<Vec<u8>> {
        match self {
            TypeCase::SmallHashes => None,
            c => Some(format!("mem:{}", c.id()).into_bytes()),
        }
    }

    /// The command that loads a collection, and the one that counts it.
    fn commands(&self) -> (&'static str, &'static str) {
        match self {
            TypeCase::Hash | TypeCase::SmallHashes => ("HSET", "HLEN"),
            TypeCase::Set => ("SADD", "SCARD"),
            TypeCase::Zset => ("ZADD", "ZCARD"),
            TypeCase::List => ("RPUSH", "LLEN"),
        }
    }
}

/// The arguments of the command that adds elements `range` to collection `case` at `key`.
pub fn collection_args(case: TypeCase, key: &[u8], range: Range<u64>) -> Vec<Vec<u8>> {
    let (cmd, _) = case.commands();
    let mut args = vec![cmd.as_bytes().to_vec(), key.to_vec()];
    for i in range {
        match case {
            TypeCase::Hash | TypeCase::SmallHashes => {
                args.push(key_name(i).to_vec());
                args.push(value_for(i, VALUE_SIZE));
            }
            TypeCase::Set => args.push(key_name(i).to_vec()),
            TypeCase::Zset => {
                args.push(i.to_string().into_bytes());
                args.push(key_name(i).to_vec());
            }
            TypeCase::List => args.push(value_for(i, VALUE_SIZE)),
        }
    }
    args
}

/// The HSET of small hash `i`: key `key:%012d`, fields `field:0`.. with 16-byte values.
pub fn small_hash_args(i: u64) -> Vec<Vec<u8>> {
    let mut args = vec![b"HSET".to_vec(), key_name(i).to_vec()];
    for j in 0..SMALL_HASH_FIELDS {
        args.push(format!("field:{j}").into_bytes());
        args.push(value_for(i * SMALL_HASH_FIELDS + j, VALUE_SIZE));
    }
    args
}

/// Checks the reply to a load command that added `added` new elements, after which the
/// collection holds `total`: HSET, SADD and ZADD answer how many were new, RPUSH the length.
pub fn check_reply(case: TypeCase, v: &Value, added: u64, total: u64) -> Result<(), String> {
    let want = match case {
        TypeCase::List => total,
        _ => added,
    };
    match v {
        Value::Int(n) if *n >= 0 && *n as u64 == want => Ok(()),
        other => Err(format!(
            "{} replied {other:?}, expected {want}",
            case.commands().0
        )),
    }
}

/// An integer reply, or why not.
fn int_reply(v: Value, what: &str) -> Result<u64, String> {
    match v {
        Value::Int(n) if n >= 0 => Ok(n as u64),
        other => Err(format!("{what} replied {other:?}")),
    }
}

fn io_err(what: &str) -> impl Fn(std::io::Error) -> String + '_ {
    move |e| format!("{what}: {e}")
}

/// Loads case `case` with `n` elements (or keys) into an empty server and checks the result;
/// returns `n`.
pub fn load(c: &mut Client, case: TypeCase, n: u64) -> Result<u64, String> {
    load_into(c, case, n, 0)
}

/// [`load`] into a server that already holds `keys_before` other keys (none of them the
/// case's keys): the DBSIZE check allows for them.
pub fn load_into(c: &mut Client, case: TypeCase, n: u64, keys_before: u64) -> Result<u64, String> {
    let mut out = Vec::with_capacity(1 << 20);
    match case.key() {
        Some(key) => {
            let mut i = 0;
            while i < n {
                out.clear();
                let mut sent = Vec::with_capacity(COMMANDS_PER_WRITE);
                for _ in 0..COMMANDS_PER_WRITE {
                    if i >= n {
                        break;
                    }
                    let end = (i + PER_COMMAND).min(n);
                    encode_request(&collection_args(case, &key, i..end), &mut out);
                    sent.push((end - i, end));
                    i = end;
                }
                c.send_raw(&out).map_err(io_err("sending"))?;
                for (added, total) in sent {
                    let v = c.read_value().map_err(io_err("reading a reply"))?;
                    check_reply(case, &v, added, total)?;
                }
            }
            let count_cmd = case.commands().1;
            let len = int_reply(
                c.cmd(&[count_cmd.as_bytes(), key.as_slice()])
                    .map_err(io_err(count_cmd))?,
                count_cmd,
            )?;
            if len != n {
                return Err(format!("loaded {n} elements but {count_cmd} says {len}"));
            }
            let keys = dbsize(c)?;
            if keys != keys_before + 1 {
                return Err(format!(
                    "expected {} keys, DBSIZE says {keys}",
                    keys_before + 1
                ));
            }
        }
        None => {
            let mut i = 0;
            while i < n {
                out.clear();
                let end = (i + KEYS_PER_WRITE).min(n);
                for k in i..end {
                    encode_request(&small_hash_args(k), &mut out);
                }
                c.send_raw(&out).map_err(io_err("sending"))?;
                for _ in i..end {
                    let v = c.read_value().map_err(io_err("reading a reply"))?;
                    check_reply(case, &v, SMALL_HASH_FIELDS, SMALL_HASH_FIELDS)?;
                }
                i = end;
            }
            let keys = dbsize(c)?;
            if keys != keys_before + n {
                return Err(format!(
                    "loaded {n} hashes onto {keys_before} keys but DBSIZE says {keys}"
                ));
            }
        }
    }
    Ok(n)
}

/// The size of what [`load`] loaded: HLEN/SCARD/ZCARD/LLEN of the collection, or, for the
/// small hashes, DBSIZE.
pub fn size(c: &mut Client, case: TypeCase) -> Result<u64, String> {
    match case.key() {
        Some(key) => {
            let count_cmd = case.commands().1;
            int_reply(
                c.cmd(&[count_cmd.as_bytes(), key.as_slice()])
                    .map_err(io_err(count_cmd))?,
                count_cmd,
            )
        }
        None => dbsize(c),
    }
}

/// DBSIZE, or why not.
pub fn dbsize(c: &mut Client) -> Result<u64, String> {
    int_reply(c.cmd(&["DBSIZE"]).map_err(io_err("DBSIZE"))?, "DBSIZE")
}

/// OBJECT ENCODING of what [`load`] loaded (`n` elements or keys): of the collection, or of
/// the first and the last small hash (one name when they agree, `first/last` otherwise).
pub fn encoding(c: &mut Client, case: TypeCase, n: u64) -> Result<String, String> {
    let keys = match case.key() {
        Some(key) => vec![key],
        None => vec![key_name(0).to_vec(), key_name(n.saturating_sub(1)).to_vec()],
    };
    let mut names: Vec<String> = Vec::new();
    for key in keys {
        let v = c
            .cmd(&[&b"OBJECT"[..], &b"ENCODING"[..], key.as_slice()])
            .map_err(io_err("OBJECT ENCODING"))?;
        let name = match v {
            Value::Bulk(b) | Value::Simple(b) => String::from_utf8_lossy(&b).into_owned(),
            other => return Err(format!("OBJECT ENCODING replied {other:?}")),
        };
        if !names.contains(&name) {
            names.push(name);
        }
    }
    Ok(names.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use anax_protocol::decode;

    fn args_of(v: &[Vec<u8>]) -> Vec<String> {
        v.iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect()
    }

    #[test]
    fn collection_commands() {
        let key = TypeCase::Hash.key().unwrap();
        assert_eq!(key, b"mem:hash");
        assert_eq!(
            args_of(&collection_args(TypeCase::Hash, &key, 7..9)),
            [
                "HSET",
                "mem:hash",
                "key:000000000007",
                "val:000000000007",
                "key:000000000008",
                "val:000000000008"
            ]
        );
        assert_eq!(
            args_of(&collection_args(TypeCase::Set, b"s", 0..2)),
            ["SADD", "s", "key:000000000000", "key:000000000001"]
        );
        assert_eq!(
            args_of(&collection_args(TypeCase::Zset, b"z", 41..43)),
            [
                "ZADD",
                "z",
                "41",
                "key:000000000041",
                "42",
                "key:000000000042"
            ]
        );
        assert_eq!(
            args_of(&collection_args(TypeCase::List, b"l", 3..4)),
            ["RPUSH", "l", "val:000000000003"]
        );
        assert_eq!(TypeCase::SmallHashes.key(), None);
    }

    #[test]
    fn small_hashes() {
        let a = args_of(&small_hash_args(2));
        assert_eq!(a.len(), 2 + 2 * SMALL_HASH_FIELDS as usize);
        assert_eq!(
            &a[..4],
            ["HSET", "key:000000000002", "field:0", "val:000000000010"]
        );
        assert_eq!(&a[10..], ["field:4", "val:000000000014"]);
        // Small enough for listpack on both servers (64-byte values, 128 entries).
        assert!(a.iter().all(|x| x.len() <= 64));
    }

    #[test]
    fn requests_encode_as_resp() {
        let mut out = Vec::new();
        encode_request(
            &collection_args(TypeCase::Set, b"s", 0..PER_COMMAND),
            &mut out,
        );
        let (v, used) = decode(&out).unwrap().unwrap();
        assert_eq!(used, out.len());
        match v {
            Value::Array(items) => assert_eq!(items.len(), 2 + PER_COMMAND as usize),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn replies() {
        assert!(check_reply(TypeCase::Hash, &Value::Int(500), 500, 1000).is_ok());
        assert!(check_reply(TypeCase::Set, &Value::Int(499), 500, 1000).is_err());
        assert!(check_reply(TypeCase::List, &Value::Int(1000), 500, 1000).is_ok());
        assert!(check_reply(TypeCase::List, &Value::Int(500), 500, 1000).is_err());
        let e = check_reply(TypeCase::Zset, &Value::Error(b"ERR x".to_vec()), 1, 1);
        assert!(e.unwrap_err().starts_with("ZADD replied"));
    }

    #[test]
    fn names() {
        let encodings: Vec<&str> = TypeCase::ALL
            .iter()
            .map(|c| c.expected_encoding())
            .collect();
        assert_eq!(
            encodings,
            [
                "hashtable",
                "hashtable",
                "skiplist",
                "quicklist",
                "listpack"
            ]
        );
        assert_eq!(
            TypeCase::SmallHashes.describe("10"),
            "10 hashes, 5 fields of 16 bytes each"
        );
        assert_eq!(TypeCase::List.unit(), "element");
    }
}
