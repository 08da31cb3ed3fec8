//! The keyspace family: DEL, EXISTS, TYPE, KEYS, SCAN, RENAME, EXPIRE and friends.

use super::CommandSpec;

/// The keyspace family's table.
pub static COMMANDS: &[CommandSpec] = &[];
