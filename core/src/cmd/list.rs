//! List commands (the list family's engineer fills this in).

use super::CommandSpec;

/// The list family's table.
pub static COMMANDS: &[CommandSpec] = &[];
