//! Set commands (the set family's engineer fills this in).

use super::CommandSpec;

/// The set family's table.
pub static COMMANDS: &[CommandSpec] = &[];
