//! The set type (placeholder: the set family's engineer replaces it).

/// A set value.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Set {}

impl Set {
    /// The name OBJECT ENCODING replies with.
    pub fn encoding(&self) -> &'static str {
        "intset"
    }

    /// Heap bytes owned by the value (MEMORY USAGE, INFO).
    pub fn memory_usage(&self) -> usize {
        0
    }
}
