//! Hash commands (the hash family's engineer fills this in).

use super::CommandSpec;

/// The hash family's table.
pub static COMMANDS: &[CommandSpec] = &[];
