//! Borrowed and owned argument lists.

use alloc::vec::Vec;

/// Where one argument lies in a byte buffer: `start..end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Span {
    /// First byte of the argument.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// The span `start..end`.
    #[inline]
    pub fn new(start: usize, end: usize) -> Self {
        debug_assert!(start <= end && end <= u32::MAX as usize);
        Span {
            start: start as u32,
            end: end as u32,
        }
    }
}

/// The arguments of one request (the command name is argument 0), borrowed from a buffer.
#[derive(Clone, Copy, Debug)]
pub struct Args<'a> {
    data: &'a [u8],
    spans: &'a [Span],
}

impl<'a> Args<'a> {
    /// Arguments given as spans into `data`.
    #[inline]
    pub fn new(data: &'a [u8], spans: &'a [Span]) -> Self {
        Args { data, spans }
    }

    /// The number of arguments, the command name included.
    #[inline]
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// True when there are no arguments at all.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Argument `i`. Panics when `i >= len()`; the dispatcher checks arity first.
    #[inline]
    pub fn get(&self, i: usize) -> &'a [u8] {
        let s = self.spans[i];
        &self.data[s.start as usize..s.end as usize]
    }

    /// Argument `i`, or `None` past the end.
    #[inline]
    pub fn try_get(&self, i: usize) -> Option<&'a [u8]> {
        self.spans
            .get(i)
            .map(|s| &self.data[s.start as usize..s.end as usize])
    }

    /// Iterates over all arguments.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &'a [u8]> + 'a {
        let data = self.data;
        self.spans
            .iter()
            .map(move |s| &data[s.start as usize..s.end as usize])
    }

    /// Copies the arguments into an owned list (for queued commands and cross-thread hops).
    pub fn to_owned_args(&self) -> OwnedArgs {
        let mut o = OwnedArgs::with_capacity(self.len(), self.iter().map(|a| a.len()).sum());
        for a in self.iter() {
            o.push(a);
        }
        o
    }
}

/// An owned argument list: one byte buffer and the spans into it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OwnedArgs {
    data: Vec<u8>,
    spans: Vec<Span>,
}

impl OwnedArgs {
    /// An empty list with room for `n` arguments of `bytes` bytes in all.
    pub fn with_capacity(n: usize, bytes: usize) -> Self {
        OwnedArgs {
            data: Vec::with_capacity(bytes),
            spans: Vec::with_capacity(n),
        }
    }

    /// Builds a list from anything that yields byte strings.
    #[allow(clippy::should_implement_trait)] // the inherent name is the public API
    pub fn from_iter<I, A>(items: I) -> Self
    where
        I: IntoIterator<Item = A>,
        A: AsRef<[u8]>,
    {
        let mut o = OwnedArgs::default();
        for a in items {
            o.push(a.as_ref());
        }
        o
    }

    /// Appends one argument.
    pub fn push(&mut self, arg: &[u8]) {
        let start = self.data.len();
        self.data.extend_from_slice(arg);
        self.spans.push(Span::new(start, self.data.len()));
    }

    /// Borrows the list as [`Args`].
    pub fn as_args(&self) -> Args<'_> {
        Args::new(&self.data, &self.spans)
    }

    /// The number of arguments.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }
}
