//! Redis 7.0's key specs and command tips, by full command name (`get`, `object|encoding`),
//! as `COMMAND INFO` reports them in redis-server 7.0.15; COMMAND INFO and COMMAND GETKEYS
//! read them for every command they list. A command missing here gets a key spec derived
//! from its first/last/step (see [`super::introspect`]).
//!
//! The rows are data copied from Redis's command table (`src/commands/*.json`), sorted by
//! name; `table_is_sorted` keeps them so.

/// Where a key spec's search for keys begins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BeginSearch {
    /// At this argument.
    Index(i32),
    /// After this keyword, searched from `startfrom` (negative: from the end, backwards).
    Keyword {
        /// The keyword, matched in any case.
        keyword: &'static str,
        /// Where the search starts.
        startfrom: i32,
    },
    /// Not describable (SORT's BY and STORE).
    Unknown,
}

/// How a key spec finds the keys from where the search began.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FindKeys {
    /// A range: up to `lastkey` (relative; negative counts from the end), every `keystep`; a
    /// `limit` above 0 with `lastkey` -1 takes 1/limit of the remaining arguments.
    Range {
        /// Last key, relative to the first.
        lastkey: i32,
        /// Step between keys.
        keystep: i32,
        /// Divisor of the remaining arguments (0: none).
        limit: i32,
    },
    /// A count of keys at `keynumidx` (relative), the keys from `firstkey` (relative).
    Keynum {
        /// Where the count is.
        keynumidx: i32,
        /// Where the first key is.
        firstkey: i32,
        /// Step between keys.
        keystep: i32,
    },
    /// Not describable.
    Unknown,
}

/// One key spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeySpec {
    /// Redis's note on it ("" when none).
    pub notes: &'static str,
    /// Its flags (`RO`, `RW`, `OW`, `RM`, `access`, `update`, `insert`, `delete`, ...).
    pub flags: &'static [&'static str],
    /// Where the search begins.
    pub begin: BeginSearch,
    /// How keys are found.
    pub find: FindKeys,
}

const fn ks(flags: &'static [&'static str], begin: BeginSearch, find: FindKeys) -> KeySpec {
    KeySpec {
        notes: "",
        flags,
        begin,
        find,
    }
}

const fn noted(
    notes: &'static str,
    flags: &'static [&'static str],
    begin: BeginSearch,
    find: FindKeys,
) -> KeySpec {
    KeySpec {
        notes,
        flags,
        begin,
        find,
    }
}

const fn idx(i: i32) -> BeginSearch {
    BeginSearch::Index(i)
}

const fn kw(keyword: &'static str, startfrom: i32) -> BeginSearch {
    BeginSearch::Keyword { keyword, startfrom }
}

const fn range(lastkey: i32, keystep: i32, limit: i32) -> FindKeys {
    FindKeys::Range {
        lastkey,
        keystep,
        limit,
    }
}

const fn keynum(keynumidx: i32, firstkey: i32, keystep: i32) -> FindKeys {
    FindKeys::Keynum {
        keynumidx,
        firstkey,
        keystep,
    }
}

use BeginSearch::Unknown as UnknownBegin;
use FindKeys::Unknown as UnknownFind;

/// Key specs by full command name, sorted.
pub static KEY_SPECS: &[(&str, &[KeySpec])] = &[
    ("append", &[ks(&["RW", "insert"], idx(1), range(0, 1, 0))]),
    ("bitcount", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("bitfield", &[noted("This command allows both access and modification of the key", &["RW", "access", "update", "variable_flags"], idx(1), range(0, 1, 0))]),
    ("bitfield_ro", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("bitop", &[ks(&["OW", "update"], idx(2), range(0, 1, 0)), ks(&["RO", "access"], idx(3), range(-1, 1, 0))]),
    ("bitpos", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("blmove", &[ks(&["RW", "access", "delete"], idx(1), range(0, 1, 0)), ks(&["RW", "insert"], idx(2), range(0, 1, 0))]),
    ("blmpop", &[ks(&["RW", "access", "delete"], idx(2), keynum(0, 1, 1))]),
    ("blpop", &[ks(&["RW", "access", "delete"], idx(1), range(-2, 1, 0))]),
    ("brpop", &[ks(&["RW", "access", "delete"], idx(1), range(-2, 1, 0))]),
    ("brpoplpush", &[ks(&["RW", "access", "delete"], idx(1), range(0, 1, 0)), ks(&["RW", "insert"], idx(2), range(0, 1, 0))]),
    ("bzmpop", &[ks(&["RW", "access", "delete"], idx(2), keynum(0, 1, 1))]),
    ("bzpopmax", &[ks(&["RW", "access", "delete"], idx(1), range(-2, 1, 0))]),
    ("bzpopmin", &[ks(&["RW", "access", "delete"], idx(1), range(-2, 1, 0))]),
    ("copy", &[ks(&["RO", "access"], idx(1), range(0, 1, 0)), ks(&["OW", "update"], idx(2), range(0, 1, 0))]),
    ("decr", &[ks(&["RW", "access", "update"], idx(1), range(0, 1, 0))]),
    ("decrby", &[ks(&["RW", "access", "update"], idx(1), range(0, 1, 0))]),
    ("del", &[ks(&["RM", "delete"], idx(1), range(-1, 1, 0))]),
    ("dump", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("eval", &[noted("We cannot tell how the keys will be used so we assume the worst, RW and UPDATE", &["RW", "access", "update"], idx(2), keynum(0, 1, 1))]),
    ("eval_ro", &[noted("We cannot tell how the keys will be used so we assume the worst, RO and ACCESS", &["RO", "access"], idx(2), keynum(0, 1, 1))]),
    ("evalsha", &[ks(&["RW", "access", "update"], idx(2), keynum(0, 1, 1))]),
    ("evalsha_ro", &[ks(&["RO", "access"], idx(2), keynum(0, 1, 1))]),
    ("exists", &[ks(&["RO"], idx(1), range(-1, 1, 0))]),
    ("expire", &[ks(&["RW", "update"], idx(1), range(0, 1, 0))]),
    ("expireat", &[ks(&["RW", "update"], idx(1), range(0, 1, 0))]),
    ("expiretime", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("fcall", &[noted("We cannot tell how the keys will be used so we assume the worst, RW and UPDATE", &["RW", "access", "update"], idx(2), keynum(0, 1, 1))]),
    ("fcall_ro", &[noted("We cannot tell how the keys will be used so we assume the worst, RO and ACCESS", &["RO", "access"], idx(2), keynum(0, 1, 1))]),
    ("geoadd", &[ks(&["RW", "update"], idx(1), range(0, 1, 0))]),
    ("geodist", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("geohash", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("geopos", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("georadius", &[ks(&["RO", "access"], idx(1), range(0, 1, 0)), ks(&["OW", "update"], kw("STORE", 6), range(0, 1, 0)), ks(&["OW", "update"], kw("STOREDIST", 6), range(0, 1, 0))]),
    ("georadius_ro", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("georadiusbymember", &[ks(&["RO", "access"], idx(1), range(0, 1, 0)), ks(&["OW", "update"], kw("STORE", 5), range(0, 1, 0)), ks(&["OW", "update"], kw("STOREDIST", 5), range(0, 1, 0))]),
    ("georadiusbymember_ro", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("geosearch", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("geosearchstore", &[ks(&["OW", "update"], idx(1), range(0, 1, 0)), ks(&["RO", "access"], idx(2), range(0, 1, 0))]),
    ("get", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("getbit", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("getdel", &[ks(&["RW", "access", "delete"], idx(1), range(0, 1, 0))]),
    ("getex", &[noted("RW and UPDATE because it changes the TTL", &["RW", "access", "update"], idx(1), range(0, 1, 0))]),
    ("getrange", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("getset", &[ks(&["RW", "access", "update"], idx(1), range(0, 1, 0))]),
    ("hdel", &[ks(&["RW", "delete"], idx(1), range(0, 1, 0))]),
    ("hexists", &[ks(&["RO"], idx(1), range(0, 1, 0))]),
    ("hget", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("hgetall", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("hincrby", &[ks(&["RW", "access", "update"], idx(1), range(0, 1, 0))]),
    ("hincrbyfloat", &[ks(&["RW", "access", "update"], idx(1), range(0, 1, 0))]),
    ("hkeys", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("hlen", &[ks(&["RO"], idx(1), range(0, 1, 0))]),
    ("hmget", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("hmset", &[ks(&["RW", "update"], idx(1), range(0, 1, 0))]),
    ("hrandfield", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("hscan", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("hset", &[ks(&["RW", "update"], idx(1), range(0, 1, 0))]),
    ("hsetnx", &[ks(&["RW", "insert"], idx(1), range(0, 1, 0))]),
    ("hstrlen", &[ks(&["RO"], idx(1), range(0, 1, 0))]),
    ("hvals", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("incr", &[ks(&["RW", "access", "update"], idx(1), range(0, 1, 0))]),
    ("incrby", &[ks(&["RW", "access", "update"], idx(1), range(0, 1, 0))]),
    ("incrbyfloat", &[ks(&["RW", "access", "update"], idx(1), range(0, 1, 0))]),
    ("lcs", &[ks(&["RO", "access"], idx(1), range(1, 1, 0))]),
    ("lindex", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("linsert", &[ks(&["RW", "insert"], idx(1), range(0, 1, 0))]),
    ("llen", &[ks(&["RO"], idx(1), range(0, 1, 0))]),
    ("lmove", &[ks(&["RW", "access", "delete"], idx(1), range(0, 1, 0)), ks(&["RW", "insert"], idx(2), range(0, 1, 0))]),
    ("lmpop", &[ks(&["RW", "access", "delete"], idx(1), keynum(0, 1, 1))]),
    ("lpop", &[ks(&["RW", "access", "delete"], idx(1), range(0, 1, 0))]),
    ("lpos", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("lpush", &[ks(&["RW", "insert"], idx(1), range(0, 1, 0))]),
    ("lpushx", &[ks(&["RW", "insert"], idx(1), range(0, 1, 0))]),
    ("lrange", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("lrem", &[ks(&["RW", "delete"], idx(1), range(0, 1, 0))]),
    ("lset", &[ks(&["RW", "update"], idx(1), range(0, 1, 0))]),
    ("ltrim", &[ks(&["RW", "delete"], idx(1), range(0, 1, 0))]),
    ("memory|usage", &[ks(&["RO"], idx(2), range(0, 1, 0))]),
    ("mget", &[ks(&["RO", "access"], idx(1), range(-1, 1, 0))]),
    ("migrate", &[ks(&["RW", "access", "delete"], idx(3), range(0, 1, 0)), ks(&["RW", "access", "delete", "incomplete"], kw("KEYS", -2), range(-1, 1, 0))]),
    ("move", &[ks(&["RW", "access", "update"], idx(1), range(0, 1, 0))]),
    ("mset", &[ks(&["OW", "update"], idx(1), range(-1, 2, 0))]),
    ("msetnx", &[ks(&["OW", "insert"], idx(1), range(-1, 2, 0))]),
    ("object|encoding", &[ks(&["RO"], idx(2), range(0, 1, 0))]),
    ("object|freq", &[ks(&["RO"], idx(2), range(0, 1, 0))]),
    ("object|idletime", &[ks(&["RO"], idx(2), range(0, 1, 0))]),
    ("object|refcount", &[ks(&["RO"], idx(2), range(0, 1, 0))]),
    ("persist", &[ks(&["RW", "update"], idx(1), range(0, 1, 0))]),
    ("pexpire", &[ks(&["RW", "update"], idx(1), range(0, 1, 0))]),
    ("pexpireat", &[ks(&["RW", "update"], idx(1), range(0, 1, 0))]),
    ("pexpiretime", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("pfadd", &[ks(&["RW", "insert"], idx(1), range(0, 1, 0))]),
    ("pfcount", &[noted("RW because it may change the internal representation of the key, and propagate to replicas", &["RW", "access"], idx(1), range(-1, 1, 0))]),
    ("pfdebug", &[ks(&["RW", "access"], idx(2), range(0, 1, 0))]),
    ("pfmerge", &[ks(&["RW", "access", "insert"], idx(1), range(0, 1, 0)), ks(&["RO", "access"], idx(2), range(-1, 1, 0))]),
    ("psetex", &[ks(&["OW", "update"], idx(1), range(0, 1, 0))]),
    ("pttl", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("rename", &[ks(&["RW", "access", "delete"], idx(1), range(0, 1, 0)), ks(&["OW", "update"], idx(2), range(0, 1, 0))]),
    ("renamenx", &[ks(&["RW", "access", "delete"], idx(1), range(0, 1, 0)), ks(&["OW", "insert"], idx(2), range(0, 1, 0))]),
    ("restore", &[ks(&["OW", "update"], idx(1), range(0, 1, 0))]),
    ("restore-asking", &[ks(&["OW", "update"], idx(1), range(0, 1, 0))]),
    ("rpop", &[ks(&["RW", "access", "delete"], idx(1), range(0, 1, 0))]),
    ("rpoplpush", &[ks(&["RW", "access", "delete"], idx(1), range(0, 1, 0)), ks(&["RW", "insert"], idx(2), range(0, 1, 0))]),
    ("rpush", &[ks(&["RW", "insert"], idx(1), range(0, 1, 0))]),
    ("rpushx", &[ks(&["RW", "insert"], idx(1), range(0, 1, 0))]),
    ("sadd", &[ks(&["RW", "insert"], idx(1), range(0, 1, 0))]),
    ("scard", &[ks(&["RO"], idx(1), range(0, 1, 0))]),
    ("sdiff", &[ks(&["RO", "access"], idx(1), range(-1, 1, 0))]),
    ("sdiffstore", &[ks(&["OW", "update"], idx(1), range(0, 1, 0)), ks(&["RO", "access"], idx(2), range(-1, 1, 0))]),
    ("set", &[noted("RW and ACCESS due to the optional `GET` argument", &["RW", "access", "update", "variable_flags"], idx(1), range(0, 1, 0))]),
    ("setbit", &[ks(&["RW", "access", "update"], idx(1), range(0, 1, 0))]),
    ("setex", &[ks(&["OW", "update"], idx(1), range(0, 1, 0))]),
    ("setnx", &[ks(&["OW", "insert"], idx(1), range(0, 1, 0))]),
    ("setrange", &[ks(&["RW", "update"], idx(1), range(0, 1, 0))]),
    ("sinter", &[ks(&["RO", "access"], idx(1), range(-1, 1, 0))]),
    ("sintercard", &[ks(&["RO", "access"], idx(1), keynum(0, 1, 1))]),
    ("sinterstore", &[ks(&["RW", "update"], idx(1), range(0, 1, 0)), ks(&["RO", "access"], idx(2), range(-1, 1, 0))]),
    ("sismember", &[ks(&["RO"], idx(1), range(0, 1, 0))]),
    ("smembers", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("smismember", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("smove", &[ks(&["RW", "access", "delete"], idx(1), range(0, 1, 0)), ks(&["RW", "insert"], idx(2), range(0, 1, 0))]),
    ("sort", &[ks(&["RO", "access"], idx(1), range(0, 1, 0)), noted("For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort", &["RO", "access"], UnknownBegin, UnknownFind), noted("For the optional STORE keyword. It is marked 'unknown' because the keyword can appear anywhere in the argument array", &["OW", "update"], UnknownBegin, UnknownFind)]),
    ("sort_ro", &[ks(&["RO", "access"], idx(1), range(0, 1, 0)), noted("For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort", &["RO", "access"], UnknownBegin, UnknownFind)]),
    ("spop", &[ks(&["RW", "access", "delete"], idx(1), range(0, 1, 0))]),
    ("spublish", &[ks(&["not_key"], idx(1), range(0, 1, 0))]),
    ("srandmember", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("srem", &[ks(&["RW", "delete"], idx(1), range(0, 1, 0))]),
    ("sscan", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("ssubscribe", &[ks(&["not_key"], idx(1), range(-1, 1, 0))]),
    ("strlen", &[ks(&["RO"], idx(1), range(0, 1, 0))]),
    ("substr", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("sunion", &[ks(&["RO", "access"], idx(1), range(-1, 1, 0))]),
    ("sunionstore", &[ks(&["OW", "update"], idx(1), range(0, 1, 0)), ks(&["RO", "access"], idx(2), range(-1, 1, 0))]),
    ("sunsubscribe", &[ks(&["not_key"], idx(1), range(-1, 1, 0))]),
    ("touch", &[ks(&["RO"], idx(1), range(-1, 1, 0))]),
    ("ttl", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("type", &[ks(&["RO"], idx(1), range(0, 1, 0))]),
    ("unlink", &[ks(&["RM", "delete"], idx(1), range(-1, 1, 0))]),
    ("watch", &[ks(&["RO"], idx(1), range(-1, 1, 0))]),
    ("xack", &[ks(&["RW", "update"], idx(1), range(0, 1, 0))]),
    ("xadd", &[noted("UPDATE instead of INSERT because of the optional trimming feature", &["RW", "update"], idx(1), range(0, 1, 0))]),
    ("xautoclaim", &[ks(&["RW", "delete"], idx(1), range(0, 1, 0))]),
    ("xclaim", &[ks(&["RW", "update"], idx(1), range(0, 1, 0))]),
    ("xdel", &[ks(&["RW", "delete"], idx(1), range(0, 1, 0))]),
    ("xgroup|create", &[ks(&["RW", "insert"], idx(2), range(0, 1, 0))]),
    ("xgroup|createconsumer", &[ks(&["RW", "insert"], idx(2), range(0, 1, 0))]),
    ("xgroup|delconsumer", &[ks(&["RW", "delete"], idx(2), range(0, 1, 0))]),
    ("xgroup|destroy", &[ks(&["RW", "delete"], idx(2), range(0, 1, 0))]),
    ("xgroup|setid", &[ks(&["RW", "update"], idx(2), range(0, 1, 0))]),
    ("xinfo|consumers", &[ks(&["RO", "access"], idx(2), range(0, 1, 0))]),
    ("xinfo|groups", &[ks(&["RO", "access"], idx(2), range(0, 1, 0))]),
    ("xinfo|stream", &[ks(&["RO", "access"], idx(2), range(0, 1, 0))]),
    ("xlen", &[ks(&["RO"], idx(1), range(0, 1, 0))]),
    ("xpending", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("xrange", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("xread", &[ks(&["RO", "access"], kw("STREAMS", 1), range(-1, 1, 2))]),
    ("xreadgroup", &[ks(&["RO", "access"], kw("STREAMS", 4), range(-1, 1, 2))]),
    ("xrevrange", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("xsetid", &[ks(&["RW", "update"], idx(1), range(0, 1, 0))]),
    ("xtrim", &[ks(&["RW", "delete"], idx(1), range(0, 1, 0))]),
    ("zadd", &[ks(&["RW", "update"], idx(1), range(0, 1, 0))]),
    ("zcard", &[ks(&["RO"], idx(1), range(0, 1, 0))]),
    ("zcount", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("zdiff", &[ks(&["RO", "access"], idx(1), keynum(0, 1, 1))]),
    ("zdiffstore", &[ks(&["OW", "update"], idx(1), range(0, 1, 0)), ks(&["RO", "access"], idx(2), keynum(0, 1, 1))]),
    ("zincrby", &[ks(&["RW", "access", "update"], idx(1), range(0, 1, 0))]),
    ("zinter", &[ks(&["RO", "access"], idx(1), keynum(0, 1, 1))]),
    ("zintercard", &[ks(&["RO", "access"], idx(1), keynum(0, 1, 1))]),
    ("zinterstore", &[ks(&["OW", "update"], idx(1), range(0, 1, 0)), ks(&["RO", "access"], idx(2), keynum(0, 1, 1))]),
    ("zlexcount", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("zmpop", &[ks(&["RW", "access", "delete"], idx(1), keynum(0, 1, 1))]),
    ("zmscore", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("zpopmax", &[ks(&["RW", "access", "delete"], idx(1), range(0, 1, 0))]),
    ("zpopmin", &[ks(&["RW", "access", "delete"], idx(1), range(0, 1, 0))]),
    ("zrandmember", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("zrange", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("zrangebylex", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("zrangebyscore", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("zrangestore", &[ks(&["OW", "update"], idx(1), range(0, 1, 0)), ks(&["RO", "access"], idx(2), range(0, 1, 0))]),
    ("zrank", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("zrem", &[ks(&["RW", "delete"], idx(1), range(0, 1, 0))]),
    ("zremrangebylex", &[ks(&["RW", "delete"], idx(1), range(0, 1, 0))]),
    ("zremrangebyrank", &[ks(&["RW", "delete"], idx(1), range(0, 1, 0))]),
    ("zremrangebyscore", &[ks(&["RW", "delete"], idx(1), range(0, 1, 0))]),
    ("zrevrange", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("zrevrangebylex", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("zrevrangebyscore", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("zrevrank", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("zscan", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("zscore", &[ks(&["RO", "access"], idx(1), range(0, 1, 0))]),
    ("zunion", &[ks(&["RO", "access"], idx(1), keynum(0, 1, 1))]),
    ("zunionstore", &[ks(&["OW", "update"], idx(1), range(0, 1, 0)), ks(&["RO", "access"], idx(2), keynum(0, 1, 1))]),
];

/// Command tips by full command name, sorted.
pub static TIPS: &[(&str, &[&str])] = &[
    ("client|info", &["nondeterministic_output"]),
    ("client|list", &["nondeterministic_output"]),
    ("cluster|bumpepoch", &["nondeterministic_output"]),
    (
        "cluster|count-failure-reports",
        &["nondeterministic_output"],
    ),
    ("cluster|getkeysinslot", &["nondeterministic_output"]),
    ("cluster|info", &["nondeterministic_output"]),
    ("cluster|links", &["nondeterministic_output"]),
    ("cluster|nodes", &["nondeterministic_output"]),
    ("cluster|replicas", &["nondeterministic_output"]),
    ("cluster|shards", &["nondeterministic_output"]),
    ("cluster|slaves", &["nondeterministic_output"]),
    ("cluster|slots", &["nondeterministic_output"]),
    ("command", &["nondeterministic_output_order"]),
    ("command|docs", &["nondeterministic_output_order"]),
    ("command|info", &["nondeterministic_output_order"]),
    ("command|list", &["nondeterministic_output_order"]),
    (
        "config|set",
        &["request_policy:all_nodes", "response_policy:all_succeeded"],
    ),
    (
        "dbsize",
        &["request_policy:all_shards", "response_policy:agg_sum"],
    ),
    (
        "del",
        &["request_policy:multi_shard", "response_policy:agg_sum"],
    ),
    ("dump", &["nondeterministic_output"]),
    (
        "exists",
        &["request_policy:multi_shard", "response_policy:agg_sum"],
    ),
    (
        "flushall",
        &["request_policy:all_shards", "response_policy:all_succeeded"],
    ),
    (
        "flushdb",
        &["request_policy:all_shards", "response_policy:all_succeeded"],
    ),
    (
        "function|delete",
        &["request_policy:all_shards", "response_policy:all_succeeded"],
    ),
    (
        "function|flush",
        &["request_policy:all_shards", "response_policy:all_succeeded"],
    ),
    (
        "function|kill",
        &["request_policy:all_shards", "response_policy:one_succeeded"],
    ),
    ("function|list", &["nondeterministic_output_order"]),
    (
        "function|load",
        &["request_policy:all_shards", "response_policy:all_succeeded"],
    ),
    (
        "function|restore",
        &["request_policy:all_shards", "response_policy:all_succeeded"],
    ),
    (
        "function|stats",
        &[
            "nondeterministic_output",
            "request_policy:all_shards",
            "response_policy:special",
        ],
    ),
    ("hgetall", &["nondeterministic_output_order"]),
    ("hkeys", &["nondeterministic_output_order"]),
    ("hrandfield", &["nondeterministic_output"]),
    ("hscan", &["nondeterministic_output"]),
    ("hvals", &["nondeterministic_output_order"]),
    (
        "info",
        &[
            "nondeterministic_output",
            "request_policy:all_shards",
            "response_policy:special",
        ],
    ),
    (
        "keys",
        &["request_policy:all_shards", "nondeterministic_output_order"],
    ),
    ("lastsave", &["nondeterministic_output"]),
    (
        "latency|doctor",
        &[
            "nondeterministic_output",
            "request_policy:all_nodes",
            "response_policy:special",
        ],
    ),
    (
        "latency|graph",
        &[
            "nondeterministic_output",
            "request_policy:all_nodes",
            "response_policy:special",
        ],
    ),
    (
        "latency|histogram",
        &[
            "nondeterministic_output",
            "request_policy:all_nodes",
            "response_policy:special",
        ],
    ),
    (
        "latency|history",
        &[
            "nondeterministic_output",
            "request_policy:all_nodes",
            "response_policy:special",
        ],
    ),
    (
        "latency|latest",
        &[
            "nondeterministic_output",
            "request_policy:all_nodes",
            "response_policy:special",
        ],
    ),
    (
        "latency|reset",
        &["request_policy:all_nodes", "response_policy:all_succeeded"],
    ),
    (
        "memory|doctor",
        &[
            "nondeterministic_output",
            "request_policy:all_shards",
            "response_policy:special",
        ],
    ),
    (
        "memory|malloc-stats",
        &[
            "nondeterministic_output",
            "request_policy:all_shards",
            "response_policy:special",
        ],
    ),
    (
        "memory|purge",
        &["request_policy:all_shards", "response_policy:all_succeeded"],
    ),
    (
        "memory|stats",
        &[
            "nondeterministic_output",
            "request_policy:all_shards",
            "response_policy:special",
        ],
    ),
    ("mget", &["request_policy:multi_shard"]),
    ("migrate", &["nondeterministic_output"]),
    ("module|list", &["nondeterministic_output_order"]),
    (
        "mset",
        &[
            "request_policy:multi_shard",
            "response_policy:all_succeeded",
        ],
    ),
    (
        "msetnx",
        &["request_policy:multi_shard", "response_policy:agg_min"],
    ),
    ("object|encoding", &["nondeterministic_output"]),
    ("object|freq", &["nondeterministic_output"]),
    ("object|idletime", &["nondeterministic_output"]),
    ("object|refcount", &["nondeterministic_output"]),
    (
        "ping",
        &["request_policy:all_shards", "response_policy:all_succeeded"],
    ),
    ("pttl", &["nondeterministic_output"]),
    (
        "randomkey",
        &["request_policy:all_shards", "nondeterministic_output"],
    ),
    (
        "scan",
        &["nondeterministic_output", "request_policy:special"],
    ),
    (
        "script|exists",
        &[
            "request_policy:all_shards",
            "response_policy:agg_logical_and",
        ],
    ),
    (
        "script|flush",
        &["request_policy:all_nodes", "response_policy:all_succeeded"],
    ),
    (
        "script|kill",
        &["request_policy:all_shards", "response_policy:one_succeeded"],
    ),
    (
        "script|load",
        &["request_policy:all_nodes", "response_policy:all_succeeded"],
    ),
    ("sdiff", &["nondeterministic_output_order"]),
    ("sinter", &["nondeterministic_output_order"]),
    (
        "slowlog|get",
        &["request_policy:all_nodes", "nondeterministic_output"],
    ),
    (
        "slowlog|len",
        &[
            "request_policy:all_nodes",
            "response_policy:agg_sum",
            "nondeterministic_output",
        ],
    ),
    (
        "slowlog|reset",
        &["request_policy:all_nodes", "response_policy:all_succeeded"],
    ),
    ("smembers", &["nondeterministic_output_order"]),
    ("spop", &["nondeterministic_output"]),
    ("srandmember", &["nondeterministic_output"]),
    ("sscan", &["nondeterministic_output"]),
    ("sunion", &["nondeterministic_output_order"]),
    ("time", &["nondeterministic_output"]),
    (
        "touch",
        &["request_policy:multi_shard", "response_policy:agg_sum"],
    ),
    ("ttl", &["nondeterministic_output"]),
    (
        "unlink",
        &["request_policy:multi_shard", "response_policy:agg_sum"],
    ),
    (
        "wait",
        &["request_policy:all_shards", "response_policy:agg_min"],
    ),
    ("xadd", &["nondeterministic_output"]),
    ("xautoclaim", &["nondeterministic_output"]),
    ("xclaim", &["nondeterministic_output"]),
    ("xinfo|consumers", &["nondeterministic_output"]),
    ("xpending", &["nondeterministic_output"]),
    ("xtrim", &["nondeterministic_output"]),
    ("zrandmember", &["nondeterministic_output"]),
    ("zscan", &["nondeterministic_output"]),
];

fn find<T: Copy>(table: &'static [(&'static str, T)], name: &str) -> Option<T> {
    table
        .binary_search_by(|(n, _)| (*n).cmp(name))
        .ok()
        .map(|i| table[i].1)
}

/// Redis's key specs of the command `fullname`, if Redis has that command.
pub fn key_specs(fullname: &str) -> Option<&'static [KeySpec]> {
    find(KEY_SPECS, fullname)
}

/// Redis's tips for the command `fullname` (none when it has none).
pub fn tips(fullname: &str) -> &'static [&'static str] {
    find(TIPS, fullname).unwrap_or(&[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted() {
        assert!(KEY_SPECS.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(TIPS.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn lookups() {
        assert_eq!(
            key_specs("get"),
            Some(&[ks(&["RO", "access"], idx(1), range(0, 1, 0))][..])
        );
        assert_eq!(key_specs("ping"), None);
        assert_eq!(tips("time"), ["nondeterministic_output"]);
        assert!(tips("get").is_empty());
    }
}
