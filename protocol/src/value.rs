//! A decoded RESP value, for clients and tests (the server never decodes replies).
//! The protocol helper fills this in: `Value` plus `decode(&[u8]) -> Result<Option<(Value, usize)>, ...>`.

use alloc::vec::Vec;

/// One RESP2/RESP3 value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `+text`
    Simple(Vec<u8>),
    /// `-text`
    Error(Vec<u8>),
    /// `:n`
    Int(i64),
    /// `$len` bytes
    Bulk(Vec<u8>),
    /// `$-1`, `*-1` or `_`
    Null,
    /// `*n`
    Array(Vec<Value>),
}
