//! The list type (placeholder: the list family's engineer replaces it).

/// A list value.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct List {}

impl List {
    /// The name OBJECT ENCODING replies with.
    pub fn encoding(&self) -> &'static str {
        "quicklist"
    }

    /// Heap bytes owned by the value (MEMORY USAGE, INFO).
    pub fn memory_usage(&self) -> usize {
        0
    }
}
