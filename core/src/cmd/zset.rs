//! Sorted set commands (the zset family's engineer fills this in).

use super::CommandSpec;

/// The zset family's table.
pub static COMMANDS: &[CommandSpec] = &[];
