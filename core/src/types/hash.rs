//! The hash type (placeholder: the hash family's engineer replaces it).

/// A hash value.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Hash {}

impl Hash {
    /// The name OBJECT ENCODING replies with.
    pub fn encoding(&self) -> &'static str {
        "listpack"
    }

    /// Heap bytes owned by the value (MEMORY USAGE, INFO).
    pub fn memory_usage(&self) -> usize {
        0
    }
}
