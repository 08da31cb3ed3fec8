//! Every error text Anax sends, copied from Redis 7.0 (`server.c`, `object.c`, `t_string.c`,
//! ...). Commands refer to these constants, never to literals, so one grep shows them all.
//! Texts carry their code (`ERR`, `WRONGTYPE`, ...) and no leading `-`.

use alloc::format;
use alloc::string::String;

/// Wrong type of value for the command.
pub const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
/// Generic syntax error.
pub const SYNTAX: &str = "ERR syntax error";
/// An argument that must be an integer is not.
pub const NOT_INTEGER: &str = "ERR value is not an integer or out of range";
/// An argument that must be a float is not.
pub const NOT_FLOAT: &str = "ERR value is not a valid float";
/// INCR and friends would overflow.
pub const INCR_OVERFLOW: &str = "ERR increment or decrement would overflow";
/// INCRBYFLOAT result is NaN or infinite.
pub const INCR_NAN_INF: &str = "ERR increment would produce NaN or Infinity";
/// SELECT / MOVE / SWAPDB with an index out of range.
pub const DB_INDEX_OUT_OF_RANGE: &str = "ERR DB index is out of range";
/// SELECT with a non-integer index.
pub const INVALID_DB_INDEX: &str = "ERR invalid DB index";
/// The key does not exist (RENAME and friends).
pub const NO_SUCH_KEY: &str = "ERR no such key";
/// Source and destination are the same object (MOVE, COPY to the same db).
pub const SAME_OBJECT: &str = "ERR source and destination objects are the same";
/// A command needs AUTH first.
pub const NOAUTH: &str = "NOAUTH Authentication required.";
/// AUTH with a wrong password.
pub const WRONGPASS: &str = "WRONGPASS invalid username-password pair or user is disabled.";
/// AUTH while no password is configured.
pub const AUTH_NO_PASSWORD: &str = "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?";
/// An invalid expire time.
pub const INVALID_EXPIRE: &str = "ERR invalid expire time in '%s' command";
/// SETRANGE / APPEND result above proto-max-bulk-len.
pub const STRING_TOO_LONG: &str = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
/// SETRANGE with a negative offset.
pub const OFFSET_OUT_OF_RANGE: &str = "ERR offset is out of range";
/// Too many clients.
pub const MAX_CLIENTS: &str = "ERR max number of clients reached";
/// What a client from outside the loopback interface gets, then the connection closes,
/// when protected mode is on and there is no password (Redis 7.0's text, its typo
/// "Setup a an" included, with its CRLF: written raw).
pub const PROTECTED_MODE: &str = "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";
/// A command not allowed in this context.
pub const NOT_ALLOWED: &str = "ERR Command not allowed";
/// EXPIRE with NX together with XX, GT or LT.
pub const EXPIRE_NX_XX: &str =
    "ERR NX and XX, GT or LT options at the same time are not compatible";
/// EXPIRE with GT and LT.
pub const EXPIRE_GT_LT: &str = "ERR GT and LT options at the same time are not compatible";
/// HELLO with an unsupported protocol version.
pub const NOPROTO: &str = "NOPROTO unsupported protocol version";
/// CLIENT SETNAME with spaces or special characters.
pub const CLIENT_NAME: &str =
    "ERR Client names cannot contain spaces, newlines or special characters.";
/// Timeout that is not a number.
pub const TIMEOUT_NOT_FLOAT: &str = "ERR timeout is not a float or out of range";
/// A blocking command's timeout below zero (or too large to be held in milliseconds).
pub const TIMEOUT_NEGATIVE: &str = "ERR timeout is negative";

/// `ERR unknown command 'name', with args beginning with: 'a' 'b' ` (Redis quotes at most
/// 128 bytes of the name and of each argument).
pub fn unknown_command<'a>(name: &[u8], args: impl Iterator<Item = &'a [u8]>) -> String {
    // As Redis's processCommand: arguments are appended while the list is under 128
    // bytes, each one cut to what is left of those 128.
    let mut list: alloc::vec::Vec<u8> = alloc::vec::Vec::new();
    for a in args {
        if list.len() >= 128 {
            break;
        }
        let room = 128 - list.len();
        // Redis prints each argument as a C string: it ends at the first NUL.
        let a = &a[..a.iter().position(|&c| c == 0).unwrap_or(a.len())];
        list.push(b'\'');
        list.extend_from_slice(&a[..a.len().min(room)]);
        list.extend_from_slice(b"' ");
    }
    let name = &name[..name.iter().position(|&c| c == 0).unwrap_or(name.len())];
    format!(
        "ERR unknown command '{}', with args beginning with: {}",
        lossy(name, 128),
        String::from_utf8_lossy(&list)
    )
}

/// `ERR unknown subcommand 'sub'. Try CMD HELP.`
pub fn unknown_subcommand(container: &str, sub: &[u8]) -> String {
    format!(
        "ERR unknown subcommand '{}'. Try {} HELP.",
        lossy(sub, 128),
        container.to_ascii_uppercase()
    )
}

/// `ERR wrong number of arguments for 'name' command` (`name` as Redis 7.0's full name:
/// `get`, `config|get`).
pub fn wrong_arity(fullname: &str) -> String {
    format!("ERR wrong number of arguments for '{fullname}' command")
}

/// `ERR invalid expire time in 'set' command`.
pub fn invalid_expire(cmd: &str) -> String {
    format!("ERR invalid expire time in '{cmd}' command")
}

/// Bytes as text for an error message, cut at `max` bytes; invalid UTF-8 is replaced.
pub fn lossy(b: &[u8], max: usize) -> String {
    let b = &b[..b.len().min(max)];
    String::from_utf8_lossy(b).into_owned()
}

/// SCAN with a cursor that is not an unsigned 64-bit number.
pub const INVALID_CURSOR: &str = "ERR invalid cursor";
/// OBJECT FREQ while the maxmemory policy is not an LFU one.
pub const OBJECT_FREQ_NO_LFU: &str = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.";
/// OBJECT IDLETIME while the maxmemory policy is an LFU one.
pub const OBJECT_IDLETIME_LFU: &str = "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.";

/// `ERR Unsupported option foo` (EXPIRE and friends with an unknown flag).
pub fn unsupported_option(opt: &[u8]) -> String {
    format!("ERR Unsupported option {}", String::from_utf8_lossy(opt))
}

/// `ERR value is out of range, value must between MIN and MAX` (Redis's
/// `getRangeLongFromObjectOrReply`, e.g. MOVE's and COPY's DB index outside `int`).
pub fn value_out_of_range(min: i64, max: i64) -> String {
    format!("ERR value is out of range, value must between {min} and {max}")
}

/// DECRBY with LLONG_MIN (its negation would overflow).
pub const DECR_OVERFLOW: &str = "ERR decrement would overflow";
/// LCS on a key that holds something other than a string.
pub const LCS_WRONGTYPE: &str = "ERR The specified keys must contain string values";
/// LCS with both LEN and IDX.
pub const LCS_LEN_AND_IDX: &str =
    "ERR If you want both the length and indexes, please just use IDX.";
/// LCS on a string of 4 GiB or more.
pub const LCS_TOO_LONG: &str = "ERR String too long for LCS";
/// LCS whose table would exceed proto-max-bulk-len.
pub const LCS_MEMORY_LIMIT: &str =
    "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len";
/// LCS whose table could not be allocated.
pub const LCS_ALLOC_FAILED: &str =
    "ERR Insufficient memory, failed allocating transient memory for LCS";
/// SETBIT / GETBIT with a bad offset.
pub const BIT_OFFSET: &str = "ERR bit offset is not an integer or out of range";
/// SETBIT with a bit value other than 0 or 1.
pub const BIT_VALUE: &str = "ERR bit is not an integer or out of range";

/// A RESP2 connection in the subscribed state ran a command other than (P|S)SUBSCRIBE,
/// (P|S)UNSUBSCRIBE, PING, QUIT and RESET (Redis's `processCommand`).
pub fn only_pubsub_allowed(fullname: &str) -> String {
    alloc::format!(
        "ERR Can't execute '{fullname}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
    )
}

/// CLIENT UNBLOCK with a reason other than TIMEOUT or ERROR.
pub const UNBLOCK_REASON: &str = "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR";
/// What a client unblocked by CLIENT UNBLOCK ... ERROR gets.
pub const UNBLOCKED: &str = "UNBLOCKED client unblocked via CLIENT UNBLOCK";

/// HELLO with a protocol version that is not a number.
pub const HELLO_PROTO_NOT_INTEGER: &str = "ERR Protocol version is not an integer or out of range";
/// HELLO before authentication, without AUTH.
pub const HELLO_NOAUTH: &str = "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time";
/// CLIENT LIST ID with an id that is not a number.
pub const INVALID_CLIENT_ID: &str = "ERR Invalid client ID";
/// CLIENT KILL ID with an id below 1 or not a number.
pub const CLIENT_ID_NOT_POSITIVE: &str = "ERR client-id should be greater than 0";
/// CLIENT KILL ip:port that matched nobody.
pub const NO_SUCH_CLIENT: &str = "ERR No such client";
/// SWAPDB with a first index that is not an integer.
pub const INVALID_FIRST_DB_INDEX: &str = "ERR invalid first DB index";
/// SWAPDB with a second index that is not an integer.
pub const INVALID_SECOND_DB_INDEX: &str = "ERR invalid second DB index";
/// DEBUG while `enable-debug-command` does not allow it.
pub const DEBUG_NOT_ALLOWED: &str = "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.";
/// SHUTDOWN ABORT with no shutdown under way.
pub const NO_SHUTDOWN_IN_PROGRESS: &str = "ERR No shutdown in progress.";
/// MULTI inside MULTI.
pub const MULTI_NESTED: &str = "ERR MULTI calls can not be nested";
/// EXEC outside MULTI.
pub const EXEC_WITHOUT_MULTI: &str = "ERR EXEC without MULTI";
/// DISCARD outside MULTI.
pub const DISCARD_WITHOUT_MULTI: &str = "ERR DISCARD without MULTI";
/// WATCH inside MULTI.
pub const WATCH_INSIDE_MULTI: &str = "ERR WATCH inside MULTI is not allowed";
/// EXEC after a command was refused while queueing.
pub const EXECABORT: &str = "EXECABORT Transaction discarded because of previous errors.";
/// A `no-multi` command inside MULTI.
pub const NOT_ALLOWED_IN_MULTI: &str = "ERR Command not allowed inside a transaction";
/// COMMAND GETKEYS of an unknown command.
pub const GETKEYS_INVALID_COMMAND: &str = "ERR Invalid command specified";
/// COMMAND GETKEYS of a command without keys.
pub const GETKEYS_NO_KEYS: &str = "ERR The command has no key arguments";
/// COMMAND GETKEYS with a wrong number of arguments for the command.
pub const GETKEYS_ARITY: &str = "ERR Invalid number of arguments specified for command";
/// COMMAND GETKEYS whose arguments hold no key where one is required.
pub const GETKEYS_INVALID_ARGS: &str = "ERR Invalid arguments specified for command";

/// EXEC refused by the dispatcher (Redis's `execCommandAbort`): `EXECABORT Transaction
/// discarded because of: <the error without its code when it is ERR>`.
pub fn exec_abort_because(error: &str) -> String {
    let why = error.strip_prefix("ERR ").unwrap_or(error);
    format!("EXECABORT Transaction discarded because of: {why}")
}

/// `ERR Syntax error in HELLO option 'opt'`.
pub fn hello_syntax(opt: &[u8]) -> String {
    format!(
        "ERR Syntax error in HELLO option '{}'",
        String::from_utf8_lossy(opt)
    )
}

/// `ERR Unknown client type 'name'` (CLIENT LIST TYPE, CLIENT KILL TYPE).
pub fn unknown_client_type(name: &[u8]) -> String {
    format!(
        "ERR Unknown client type '{}'",
        String::from_utf8_lossy(name)
    )
}

/// `ERR No such user 'name'` (CLIENT KILL USER).
pub fn no_such_user(name: &[u8]) -> String {
    format!("ERR No such user '{}'", String::from_utf8_lossy(name))
}

/// `ERR unknown subcommand or wrong number of arguments for 'sub'. Try CMD HELP.` (Redis's
/// `addReplySubcommandSyntaxError`, for commands that parse their own subcommands, DEBUG).
pub fn subcommand_syntax(sub: &[u8], cmd: &[u8]) -> String {
    format!(
        "ERR unknown subcommand or wrong number of arguments for '{}'. Try {} HELP.",
        lossy(sub, 128),
        String::from_utf8_lossy(cmd).to_ascii_uppercase()
    )
}

/// `ERR Unknown option or number of arguments for CONFIG SET - 'name'`.
pub fn config_unknown_option(name: &[u8]) -> String {
    format!(
        "ERR Unknown option or number of arguments for CONFIG SET - '{}'",
        String::from_utf8_lossy(name)
    )
}

/// `ERR CONFIG SET failed (possibly related to argument 'name') - why`.
pub fn config_set_failed(name: &[u8], why: &str) -> String {
    format!(
        "ERR CONFIG SET failed (possibly related to argument '{}') - {why}",
        String::from_utf8_lossy(name)
    )
}

/// CONFIG REWRITE without a configuration file.
pub const NO_CONFIG_FILE: &str = "ERR The server is running without a config file";

/// CONFIG REWRITE that could not write the file: `why` is the system's text.
pub fn config_rewrite_failed(why: &str) -> String {
    format!("ERR Rewriting config file: {why}")
}

/// CLIENT PAUSE with a timeout that is not an integer.
pub const TIMEOUT_NOT_INTEGER: &str = "ERR timeout is not an integer or out of range";
/// CLIENT PAUSE with a mode other than WRITE or ALL.
pub const CLIENT_PAUSE_MODE: &str = "ERR CLIENT PAUSE mode must be WRITE or ALL";

/// HINCRBY on a field whose value is not an integer.
pub const HASH_NOT_INTEGER: &str = "ERR hash value is not an integer";
/// HINCRBYFLOAT on a field whose value is not a float.
pub const HASH_NOT_FLOAT: &str = "ERR hash value is not a float";
/// HINCRBYFLOAT with an infinite increment.
pub const VALUE_NAN_OR_INF: &str = "ERR value is NaN or Infinity";
/// HRANDFIELD WITHVALUES with a count whose double would overflow.
pub const VALUE_OUT_OF_RANGE: &str = "ERR value is out of range";

/// ZADD with NX and XX.
pub const ZADD_NX_XX: &str = "ERR XX and NX options at the same time are not compatible";
/// ZADD with GT and LT, or either with NX.
pub const ZADD_GT_LT_NX: &str = "ERR GT, LT, and/or NX options at the same time are not compatible";
/// ZADD INCR with more than one score-member pair.
pub const ZADD_INCR_PAIR: &str = "ERR INCR option supports a single increment-element pair";
/// ZADD INCR / ZINCRBY whose result is NaN.
pub const ZSCORE_NAN: &str = "ERR resulting score is not a number (NaN)";
/// A score range bound that is not a float.
pub const ZRANGE_NOT_FLOAT: &str = "ERR min or max is not a float";
/// A lex range bound that is not `[x`, `(x`, `+` or `-`.
pub const ZRANGE_NOT_LEX: &str = "ERR min or max not valid string range item";
/// ZRANGE LIMIT without BYSCORE or BYLEX.
pub const ZRANGE_LIMIT: &str =
    "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX";
/// ZRANGE BYLEX WITHSCORES.
pub const ZRANGE_BYLEX_WITHSCORES: &str =
    "ERR syntax error, WITHSCORES not supported in combination with BYLEX";
/// ZPOPMIN/ZPOPMAX with a count that is negative or not an integer.
pub const ZPOP_NOT_POSITIVE: &str = "ERR value is out of range, must be positive";
/// ZMPOP with numkeys below 1 or not an integer.
pub const ZNUMKEYS_POSITIVE: &str = "ERR numkeys should be greater than 0";
/// ZMPOP COUNT below 1 or not an integer.
pub const ZCOUNT_POSITIVE: &str = "ERR count should be greater than 0";
/// ZINTERCARD LIMIT negative or not an integer.
pub const ZLIMIT_NEGATIVE: &str = "ERR LIMIT can't be negative";
/// ZUNIONSTORE and friends: a weight that is not a float.
pub const ZWEIGHT_NOT_FLOAT: &str = "ERR weight value is not a float";

/// `ERR at least 1 input key is needed for 'cmd' command` (ZUNION and friends).
pub fn zset_at_least_one_key(cmd: &str) -> String {
    format!("ERR at least 1 input key is needed for '{cmd}' command")
}

/// LPOP / RPOP with a count that is negative or not a number.
pub const LIST_POP_COUNT: &str = "ERR value is out of range, must be positive";
/// LSET with an index outside the list.
pub const LIST_INDEX_OUT_OF_RANGE: &str = "ERR index out of range";
/// LPOS with RANK 0.
pub const LPOS_RANK_ZERO: &str = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list";
/// LPOS with a negative (or non-numeric) COUNT.
pub const LPOS_COUNT_NEGATIVE: &str = "ERR COUNT can't be negative";
/// LPOS with a negative (or non-numeric) MAXLEN.
pub const LPOS_MAXLEN_NEGATIVE: &str = "ERR MAXLEN can't be negative";
/// LMPOP with a numkeys below 1 or not a number.
pub const LMPOP_NUMKEYS: &str = "ERR numkeys should be greater than 0";
/// LMPOP with a COUNT below 1 or not a number.
pub const LMPOP_COUNT: &str = "ERR count should be greater than 0";

/// RESTORE of an existing key without REPLACE.
pub const BUSYKEY: &str = "BUSYKEY Target key name already exists.";
/// RESTORE with a payload whose footer (RDB version, CRC-64) does not check out.
pub const DUMP_PAYLOAD: &str = "ERR DUMP payload version or checksum are wrong";
/// RESTORE with a payload that passed its checksum but does not decode.
pub const BAD_DATA_FORMAT: &str = "ERR Bad data format";
/// RESTORE with a negative TTL.
pub const RESTORE_TTL: &str = "ERR Invalid TTL value, must be >= 0";
/// RESTORE IDLETIME below 0.
pub const RESTORE_IDLETIME: &str = "ERR Invalid IDLETIME value, must be >= 0";
/// RESTORE FREQ outside 0..=255.
pub const RESTORE_FREQ: &str = "ERR Invalid FREQ value, must be >= 0 and <= 255";

/// SLOWLOG GET with a count that is not an integer of at least -1.
pub const SLOWLOG_COUNT: &str = "ERR count should be greater than or equal to -1";

/// `ERR No samples available for event '<event>'` (LATENCY GRAPH of an unknown event).
pub fn no_latency_samples(event: &[u8]) -> String {
    format!(
        "ERR No samples available for event '{}'",
        String::from_utf8_lossy(event)
    )
}
