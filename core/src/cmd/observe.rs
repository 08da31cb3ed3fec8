//! Observing the server: SLOWLOG, LATENCY and MEMORY.

use super::CommandSpec;

/// The family's commands.
pub static COMMANDS: &[CommandSpec] = &[];
