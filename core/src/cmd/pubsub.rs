//! Pub/Sub: SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE and their UNSUBSCRIBEs, PUBLISH, SPUBLISH,
//! PUBSUB, and MONITOR.

use super::CommandSpec;

/// The family's commands.
pub static COMMANDS: &[CommandSpec] = &[];
