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
        list.push(b'\'');
        list.extend_from_slice(&a[..a.len().min(room)]);
        list.extend_from_slice(b"' ");
    }
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
