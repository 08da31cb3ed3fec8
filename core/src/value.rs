//! Compact keys and values.
//!
//! [`CompactBytes`] keeps strings of up to [`INLINE_CAP`] bytes inside itself (no heap
//! allocation, no pointer to chase) and longer ones in one exact-size heap block; it is 24
//! bytes either way. [`Value`] adds integers stored as integers, so `SET n 12345` costs no
//! heap at all. Later families add their collection types to [`Value`].

use alloc::boxed::Box;
use core::borrow::Borrow;
use core::fmt;
use core::hash::{Hash, Hasher};

/// Strings up to this many bytes live inline.
pub const INLINE_CAP: usize = 22;

#[derive(Clone)]
enum Repr {
    Inline { len: u8, buf: [u8; INLINE_CAP] },
    Heap(Box<[u8]>),
}

/// A byte string that lives inline when short.
#[derive(Clone)]
pub struct CompactBytes(Repr);

impl CompactBytes {
    /// Copies `b`.
    #[inline]
    pub fn new(b: &[u8]) -> Self {
        if b.len() <= INLINE_CAP {
            let mut buf = [0u8; INLINE_CAP];
            buf[..b.len()].copy_from_slice(b);
            CompactBytes(Repr::Inline {
                len: b.len() as u8,
                buf,
            })
        } else {
            CompactBytes(Repr::Heap(Box::from(b)))
        }
    }

    /// Takes ownership of a vector (kept on the heap unless it is short).
    pub fn from_vec(v: alloc::vec::Vec<u8>) -> Self {
        if v.len() <= INLINE_CAP {
            Self::new(&v)
        } else {
            CompactBytes(Repr::Heap(v.into_boxed_slice()))
        }
    }

    /// The bytes.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline { len, buf } => &buf[..*len as usize],
            Repr::Heap(b) => b,
        }
    }

    /// The length in bytes.
    #[inline]
    pub fn len(&self) -> usize {
        match &self.0 {
            Repr::Inline { len, .. } => *len as usize,
            Repr::Heap(b) => b.len(),
        }
    }

    /// True for the empty string.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Heap bytes owned beyond the struct itself.
    #[inline]
    pub fn heap_size(&self) -> usize {
        match &self.0 {
            Repr::Inline { .. } => 0,
            Repr::Heap(b) => b.len(),
        }
    }
}

impl PartialEq for CompactBytes {
    #[inline]
    fn eq(&self, o: &Self) -> bool {
        self.as_bytes() == o.as_bytes()
    }
}
impl Eq for CompactBytes {}

impl Hash for CompactBytes {
    /// Hashes exactly as `[u8]` does, so lookups by `&[u8]` find it.
    #[inline]
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.as_bytes().hash(h)
    }
}

impl Borrow<[u8]> for CompactBytes {
    #[inline]
    fn borrow(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl fmt::Debug for CompactBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?}",
            alloc::string::String::from_utf8_lossy(self.as_bytes())
        )
    }
}

/// A key.
pub type Key = CompactBytes;

/// What a key holds.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A string that is a canonical 64-bit integer (OBJECT ENCODING `int`).
    Int(i64),
    /// A string, `embstr` up to 44 bytes and `raw` beyond, as Redis reports it.
    Str(CompactBytes),
    /// A string that was modified in place (APPEND, SETRANGE, SETBIT): Redis reports it as
    /// `raw` whatever its length, and it keeps spare capacity so that repeated appends are
    /// amortised O(1), as with Redis's sds. Boxed so that `Value` stays 24 bytes.
    Raw(Box<alloc::vec::Vec<u8>>),
    /// A list.
    List(Box<crate::types::list::List>),
    /// A hash.
    Hash(Box<crate::types::hash::Hash>),
    /// A set.
    Set(Box<crate::types::set::Set>),
    /// A sorted set.
    ZSet(Box<crate::types::zset::ZSet>),
}

/// The type names of `TYPE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `string`
    String,
    /// `list`
    List,
    /// `set`
    Set,
    /// `zset`
    ZSet,
    /// `hash`
    Hash,
    /// `stream`
    Stream,
}

impl Kind {
    /// The name TYPE replies with.
    pub fn name(self) -> &'static str {
        match self {
            Kind::String => "string",
            Kind::List => "list",
            Kind::Set => "set",
            Kind::ZSet => "zset",
            Kind::Hash => "hash",
            Kind::Stream => "stream",
        }
    }

    /// Parses a TYPE name (case-insensitive), as SCAN's TYPE option does.
    pub fn parse(name: &[u8]) -> Option<Kind> {
        [
            Kind::String,
            Kind::List,
            Kind::Set,
            Kind::ZSet,
            Kind::Hash,
            Kind::Stream,
        ]
        .into_iter()
        .find(|k| k.name().as_bytes().eq_ignore_ascii_case(name))
    }
}

impl Value {
    /// A string value from bytes, stored as an integer when Redis would (`int` encoding:
    /// a canonical integer of at most 20 characters).
    #[inline]
    pub fn from_bytes(b: &[u8]) -> Value {
        match crate::num::parse_canonical_i64(b) {
            Some(n) => Value::Int(n),
            None => Value::Str(CompactBytes::new(b)),
        }
    }

    /// The value's type.
    #[inline]
    pub fn kind(&self) -> Kind {
        match self {
            Value::Int(_) | Value::Str(_) | Value::Raw(_) => Kind::String,
            Value::List(_) => Kind::List,
            Value::Hash(_) => Kind::Hash,
            Value::Set(_) => Kind::Set,
            Value::ZSet(_) => Kind::ZSet,
        }
    }

    /// True when the value is a string.
    #[inline]
    pub fn is_string(&self) -> bool {
        self.kind() == Kind::String
    }

    /// The name OBJECT ENCODING replies with.
    pub fn encoding(&self) -> &'static str {
        match self {
            Value::Int(_) => "int",
            Value::Str(b) if b.len() <= 44 => "embstr",
            Value::Str(_) | Value::Raw(_) => "raw",
            Value::List(l) => l.encoding(),
            Value::Hash(h) => h.encoding(),
            Value::Set(t) => t.encoding(),
            Value::ZSet(z) => z.encoding(),
        }
    }

    /// Calls `f` with the bytes of a string value (integers are formatted on the stack);
    /// `None` for other types.
    #[inline]
    pub fn with_str<R>(&self, f: impl FnOnce(&[u8]) -> R) -> Option<R> {
        match self {
            Value::Int(n) => {
                let mut b = itoa::Buffer::new();
                Some(f(b.format(*n).as_bytes()))
            }
            Value::Str(b) => Some(f(b.as_bytes())),
            Value::Raw(v) => Some(f(v)),
            _ => None,
        }
    }

    /// A `raw` string value holding `v`.
    pub fn raw(v: alloc::vec::Vec<u8>) -> Value {
        Value::Raw(Box::new(v))
    }

    /// Turns a string value into the growable `raw` form (copying it once unless it already
    /// is) and returns its buffer for in-place changes; `None` for other types.
    pub fn make_raw(&mut self) -> Option<&mut alloc::vec::Vec<u8>> {
        if !matches!(self, Value::Raw(_)) {
            let v = self.to_vec()?;
            *self = Value::raw(v);
        }
        match self {
            Value::Raw(v) => Some(v),
            _ => None,
        }
    }

    /// The string bytes as an owned vector; `None` for other types.
    pub fn to_vec(&self) -> Option<alloc::vec::Vec<u8>> {
        self.with_str(|b| b.to_vec())
    }

    /// Bytes used on the heap by this value beyond its slot (for MEMORY USAGE and INFO).
    pub fn heap_size(&self) -> usize {
        match self {
            Value::Int(_) => 0,
            Value::Str(b) => b.heap_size(),
            Value::Raw(v) => core::mem::size_of::<alloc::vec::Vec<u8>>() + v.capacity(),
            Value::List(l) => core::mem::size_of_val(&**l) + l.memory_usage(),
            Value::Hash(h) => core::mem::size_of_val(&**h) + h.memory_usage(),
            Value::Set(t) => core::mem::size_of_val(&**t) + t.memory_usage(),
            Value::ZSet(z) => core::mem::size_of_val(&**z) + z.memory_usage(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_stay_compact() {
        assert_eq!(core::mem::size_of::<CompactBytes>(), 24);
        assert_eq!(core::mem::size_of::<Value>(), 24);
    }

    #[test]
    fn inline_and_heap() {
        let s = CompactBytes::new(b"hello");
        assert_eq!(s.as_bytes(), b"hello");
        assert_eq!(s.heap_size(), 0);
        let long = [7u8; 100];
        let l = CompactBytes::new(&long);
        assert_eq!(l.as_bytes(), &long[..]);
        assert_eq!(l.heap_size(), 100);
    }

    #[test]
    fn integers_become_int() {
        assert_eq!(Value::from_bytes(b"123"), Value::Int(123));
        assert_eq!(Value::from_bytes(b"-9").encoding(), "int");
        assert_eq!(Value::from_bytes(b"0123").encoding(), "embstr");
        assert_eq!(Value::from_bytes(b"+1").encoding(), "embstr");
        assert_eq!(Value::from_bytes(&[b'a'; 45]).encoding(), "raw");
    }
}
