//! The zset type (placeholder: the zset family's engineer replaces it).

/// A zset value.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ZSet {}

impl ZSet {
    /// The name OBJECT ENCODING replies with.
    pub fn encoding(&self) -> &'static str {
        "listpack"
    }

    /// Heap bytes owned by the value (MEMORY USAGE, INFO).
    pub fn memory_usage(&self) -> usize {
        0
    }
}
