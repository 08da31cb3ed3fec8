//! The incremental request parser: Redis 7.0's `processInlineBuffer` and
//! `processMultibulkBuffer`, byte for byte, without I/O.
//!
//! # How a host drives it
//!
//! The host keeps one input buffer per connection and a `pos` into it. It calls
//! [`RequestParser::parse`] with `&buf[pos..]`:
//!
//! * [`Parsed::Incomplete`]: read more bytes, append them to the buffer and call again with a
//!   slice that starts at the same byte (only longer). Bytes before `pos` may be dropped or
//!   the buffer moved, as long as the slice passed keeps the same contents.
//! * [`Parsed::Request`]`(args, n)`: execute `args`, then advance `pos` by `n`.
//! * [`Parsed::Skip`]`(n)`: advance `pos` by `n`; there is nothing to run (an empty inline
//!   line, or `*0` / `*-1`, which Redis silently ignores).
//! * `Err(e)`: reply `-{e.0}` and close the connection after the reply, as Redis does; the
//!   parser keeps answering the same error until [`RequestParser::reset`].
//!
//! After each read the host also asks [`RequestParser::query_buffer_limit_exceeded`] and,
//! when it says so, closes the connection without a reply (client-query-buffer-limit).
//! [`RequestParser::set_authenticated`] applies Redis's tighter limits to clients that must
//! still authenticate.
//!
//! # The state machine
//!
//! The first byte of a request picks its kind: `*` is multibulk, anything else inline.
//!
//! * **Inline**: the parser looks for `\n`, remembering how far it already looked, so a
//!   line that arrives one byte at a time is scanned once. The line (less one trailing `\r`)
//!   is split by Redis's `sdssplitargs` rules into a scratch buffer the arguments then borrow.
//! * **Multibulk**: the states are *count line* (`*N\r\n`), then for each argument *bulk
//!   header* (`$len\r\n`) and *bulk data* (`len` bytes and two more). Finished arguments are
//!   kept as [`Span`]s into the caller's buffer, so after `Incomplete` the parser resumes at
//!   the pending header (from where its newline search stopped) or waits for the pending
//!   bulk's last byte with a single length comparison. The total work for a request is O(its
//!   length) however it is split.
//!
//! Nothing is reserved from declared lengths or counts: spans grow one per argument
//! received, and bulk bytes stay in the host's buffer, so memory follows the bytes that
//! arrived, never the bytes promised.
//!
//! # Redis quirks kept on purpose
//!
//! * Line searches behave like C's `strchr` on a NUL-terminated buffer: a NUL byte before the
//!   line end hides the line end, and the parser waits (until the 64 KB "too big" errors).
//! * A header line only needs one byte after its `\r`, which is not checked to be `\n`; the
//!   two bytes after a bulk's data are skipped unchecked too (`$4\r\nPINGXY` is `PING`).
//! * The 64 KB (`PROTO_INLINE_MAX_SIZE`) checks apply only while no line end is buffered, so,
//!   as in Redis, a longer inline line is accepted when it arrives whole.

use crate::args::{Args, Span};
use alloc::vec::Vec;

/// Redis's `PROTO_INLINE_MAX_SIZE`: the longest line searched for a line end.
pub const PROTO_INLINE_MAX_SIZE: usize = 64 * 1024;

/// The most arguments an unauthenticated client may send in one multibulk request.
pub const UNAUTH_MAX_MULTIBULK_LEN: i64 = 10;

/// The longest bulk argument an unauthenticated client may send.
pub const UNAUTH_MAX_BULK_LEN: i64 = 16384;

/// Span capacity kept between requests; more is given back when the next request starts.
const KEEP_SPANS: usize = 4096;

/// Scratch capacity kept between inline requests.
const KEEP_SCRATCH: usize = PROTO_INLINE_MAX_SIZE;

/// Limits checked before anything is reserved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// proto-max-bulk-len (512 MB).
    pub max_bulk_len: u64,
    /// client-query-buffer-limit (1 GB).
    pub query_buffer_limit: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bulk_len: 512 * 1024 * 1024,
            query_buffer_limit: 1024 * 1024 * 1024,
        }
    }
}

/// A protocol error; the connection is answered with the text (prefixed by `-`) and closed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProtocolError(pub &'static str);

impl ProtocolError {
    /// `*N` that is not a number or above `INT_MAX`.
    pub const INVALID_MULTIBULK_LEN: Self =
        ProtocolError("ERR Protocol error: invalid multibulk length");
    /// `*N` above 10 from a client that has not authenticated.
    pub const UNAUTH_MULTIBULK_LEN: Self =
        ProtocolError("ERR Protocol error: unauthenticated multibulk length");
    /// No `\r` within 64 KB after `*`.
    pub const TOO_BIG_MBULK_COUNT: Self =
        ProtocolError("ERR Protocol error: too big mbulk count string");
    /// `$len` that is not a number, negative, or above proto-max-bulk-len.
    pub const INVALID_BULK_LEN: Self = ProtocolError("ERR Protocol error: invalid bulk length");
    /// `$len` above 16384 from a client that has not authenticated.
    pub const UNAUTH_BULK_LEN: Self =
        ProtocolError("ERR Protocol error: unauthenticated bulk length");
    /// No `\r` within 64 KB after a bulk header started.
    pub const TOO_BIG_BULK_COUNT: Self =
        ProtocolError("ERR Protocol error: too big bulk count string");
    /// No `\n` within 64 KB of an inline request.
    pub const TOO_BIG_INLINE: Self = ProtocolError("ERR Protocol error: too big inline request");
    /// An inline request with an unterminated quote, or a closing quote not followed by a space.
    pub const UNBALANCED_QUOTES: Self =
        ProtocolError("ERR Protocol error: unbalanced quotes in request");

    /// `ERR Protocol error: expected '$', got 'X'` for the byte `X` found instead of `$`.
    ///
    /// As Redis does, `\r` and `\n` are shown as spaces. Other ASCII bytes appear as
    /// themselves. A byte of 0x80 or more cannot appear raw in a `&str`, so it is shown as
    /// the Latin-1 character of that value (two bytes in UTF-8) where Redis sends the raw byte.
    pub fn expected_dollar(got: u8) -> Self {
        let entry = &EXPECTED_DOLLAR[got as usize];
        let len = entry[EXPECTED_DOLLAR_MAX] as usize;
        let bytes = entry.get(..len).unwrap_or(&[]);
        ProtocolError(core::str::from_utf8(bytes).unwrap_or("ERR Protocol error: expected '$'"))
    }
}

impl core::fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.0)
    }
}

const EXPECTED_DOLLAR_HEAD: &[u8] = b"ERR Protocol error: expected '$', got '";
/// Room for the head, a two-byte UTF-8 character and the closing quote.
const EXPECTED_DOLLAR_MAX: usize = EXPECTED_DOLLAR_HEAD.len() + 3;

/// Every "expected '$'" message, built at compile time; the last byte of an entry is its length.
static EXPECTED_DOLLAR: [[u8; EXPECTED_DOLLAR_MAX + 1]; 256] = build_expected_dollar();

const fn build_expected_dollar() -> [[u8; EXPECTED_DOLLAR_MAX + 1]; 256] {
    let mut table = [[0u8; EXPECTED_DOLLAR_MAX + 1]; 256];
    let mut b = 0;
    while b < 256 {
        let mut i = 0;
        while i < EXPECTED_DOLLAR_HEAD.len() {
            table[b][i] = EXPECTED_DOLLAR_HEAD[i];
            i += 1;
        }
        if b == b'\r' as usize || b == b'\n' as usize {
            table[b][i] = b' ';
            i += 1;
        } else if b < 0x80 {
            table[b][i] = b as u8;
            i += 1;
        } else {
            // U+0080..U+00FF in UTF-8.
            table[b][i] = 0xC0 | (b >> 6) as u8;
            table[b][i + 1] = 0x80 | (b & 0x3F) as u8;
            i += 2;
        }
        table[b][i] = b'\'';
        i += 1;
        table[b][EXPECTED_DOLLAR_MAX] = i as u8;
        b += 1;
    }
    table
}

/// The outcome of one call to [`RequestParser::parse`].
#[derive(Debug)]
pub enum Parsed<'a> {
    /// More bytes are needed; call again with the same buffer, longer.
    Incomplete,
    /// A request, and how many bytes of the buffer it used.
    Request(Args<'a>, usize),
    /// Bytes that make no request (an empty inline line, `*0`, `*-1`), to be consumed.
    Skip(usize),
}

/// Where the parser stands within the current request. Positions are offsets from the
/// start of the slice passed to [`RequestParser::parse`], which is the request's first byte.
#[derive(Clone, Debug)]
enum State {
    /// No byte of a request looked at yet.
    Start,
    /// An inline request: bytes before `scan` hold neither `\n` nor NUL.
    Inline { scan: usize },
    /// The `*N` line: bytes `1..scan` hold neither `\r` nor NUL.
    Count { scan: usize },
    /// The `$len` header of the next argument, starting at `pos`: bytes `pos..scan` hold
    /// neither `\r` nor NUL.
    BulkHeader { scan: usize },
    /// The data of the next argument, `len` bytes at `pos`, then two bytes skipped.
    BulkData { len: usize },
    /// A protocol error was returned; it is returned again until `reset`.
    Failed(ProtocolError),
}

/// Parses requests out of a connection's input buffer. See the [module docs](self).
#[derive(Debug)]
pub struct RequestParser {
    state: State,
    /// Multibulk: where the pending header or bulk starts.
    pos: usize,
    /// Multibulk: arguments still to come.
    remaining: u32,
    /// The arguments of the current request: into the caller's buffer (multibulk) or into
    /// `scratch` (inline).
    spans: Vec<Span>,
    /// Unquoted inline arguments.
    scratch: Vec<u8>,
    limits: Limits,
    authenticated: bool,
    /// Bytes examined by line searches, to test that nothing is scanned twice.
    #[cfg(test)]
    examined: usize,
}

impl Default for RequestParser {
    fn default() -> Self {
        RequestParser {
            state: State::Start,
            pos: 0,
            remaining: 0,
            spans: Vec::new(),
            scratch: Vec::new(),
            limits: Limits::default(),
            authenticated: true,
            #[cfg(test)]
            examined: 0,
        }
    }
}

/// What a line search found.
enum Found {
    /// The wanted byte, at this offset.
    At(usize),
    /// A NUL byte (which ends the search for good, like `strchr`) or the end of the buffer;
    /// the offset where the next search resumes.
    Not(usize),
}

impl RequestParser {
    /// A parser with Redis's default limits, for an authenticated client.
    pub fn new() -> Self {
        Self::default()
    }

    /// A parser with the given limits.
    pub fn with_limits(limits: Limits) -> Self {
        RequestParser {
            limits,
            ..Self::default()
        }
    }

    /// Sets the limits (`proto-max-bulk-len`, `client-query-buffer-limit`); they apply to
    /// headers parsed from now on.
    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Whether the client counts as authenticated. Pass `false` while a password is required
    /// and the client has not authenticated (Redis's `authRequired`): multibulk counts above
    /// 10 and bulk lengths above 16384 are then refused. The default is `true`.
    pub fn set_authenticated(&mut self, authenticated: bool) {
        self.authenticated = authenticated;
    }

    /// Forgets the request in progress and any error; the next call starts a new request.
    pub fn reset(&mut self) {
        self.state = State::Start;
        self.pos = 0;
        self.remaining = 0;
        self.spans.clear();
        self.scratch.clear();
    }

    /// True while a request has been started but not finished (some of its bytes were seen).
    pub fn in_progress(&self) -> bool {
        !matches!(self.state, State::Start | State::Failed(_))
    }

    /// True when the client's query buffer is over client-query-buffer-limit: Redis then
    /// closes the connection without a reply. `buffered_len` is the length of the slice the
    /// host passes to [`parse`](Self::parse): every byte it holds that no returned request or
    /// skip has consumed. A host checks this after each read.
    ///
    /// As in Redis, the arguments of a pending multibulk request that are already parsed do
    /// not count (Redis has moved them out of its query buffer into `argv`), so one request
    /// may be larger than the limit; only what is not yet parsed is measured. Commands queued
    /// by `MULTI` do not count either (checked against redis-server 7.0.15).
    pub fn query_buffer_limit_exceeded(&self, buffered_len: usize) -> bool {
        buffered_len.saturating_sub(self.parsed_len()) as u64 > self.limits.query_buffer_limit
    }

    /// Bytes at the start of the current request that are already parsed: its count line and
    /// its finished arguments (multibulk only; an inline line is parsed all at once).
    pub fn parsed_len(&self) -> usize {
        match self.state {
            State::BulkHeader { .. } | State::BulkData { .. } => self.pos,
            _ => 0,
        }
    }

    /// The heap bytes the parser holds (span list and inline scratch).
    pub fn memory_usage(&self) -> usize {
        self.spans.capacity() * core::mem::size_of::<Span>() + self.scratch.capacity()
    }

    /// Parses the next request from `buf`, which starts at the first byte not yet consumed.
    /// See the [module docs](self) for the contract.
    pub fn parse<'a>(&'a mut self, buf: &'a [u8]) -> Result<Parsed<'a>, ProtocolError> {
        match self.step(buf) {
            Ok(Step::Incomplete) => Ok(Parsed::Incomplete),
            Ok(Step::Skip(n)) => Ok(Parsed::Skip(n)),
            Ok(Step::Multibulk(n)) => Ok(Parsed::Request(Args::new(buf, &self.spans), n)),
            Ok(Step::Inline(n)) => Ok(Parsed::Request(Args::new(&self.scratch, &self.spans), n)),
            Err(e) => {
                self.state = State::Failed(e.clone());
                Err(e)
            }
        }
    }

    /// Advances the state machine as far as `buf` allows.
    fn step(&mut self, buf: &[u8]) -> Result<Step, ProtocolError> {
        loop {
            match self.state {
                State::Failed(ref e) => return Err(e.clone()),
                State::Start => {
                    self.begin();
                    match buf.first() {
                        None => return Ok(Step::Incomplete),
                        Some(b'*') => self.state = State::Count { scan: 1 },
                        Some(_) => self.state = State::Inline { scan: 0 },
                    }
                }
                State::Inline { scan } => return self.inline(buf, scan),
                State::Count { scan } => {
                    let cr = match self.find(buf, scan, b'\r') {
                        Found::At(cr) => cr,
                        Found::Not(scan) => {
                            self.state = State::Count { scan };
                            if buf.len() > PROTO_INLINE_MAX_SIZE {
                                return Err(ProtocolError::TOO_BIG_MBULK_COUNT);
                            }
                            return Ok(Step::Incomplete);
                        }
                    };
                    // Redis wants one byte after the `\r` (not checked to be `\n`).
                    if cr + 1 >= buf.len() {
                        self.state = State::Count { scan: cr };
                        return Ok(Step::Incomplete);
                    }
                    let n = buf
                        .get(1..cr)
                        .and_then(string2ll)
                        .filter(|&n| n <= i32::MAX as i64)
                        .ok_or(ProtocolError::INVALID_MULTIBULK_LEN)?;
                    if n > UNAUTH_MAX_MULTIBULK_LEN && !self.authenticated {
                        return Err(ProtocolError::UNAUTH_MULTIBULK_LEN);
                    }
                    let next = cr + 2;
                    if n <= 0 {
                        self.state = State::Start;
                        return Ok(Step::Skip(next));
                    }
                    self.pos = next;
                    self.remaining = n as u32;
                    self.state = State::BulkHeader { scan: next };
                }
                State::BulkHeader { scan } => {
                    let start = self.pos;
                    let cr = match self.find(buf, scan, b'\r') {
                        Found::At(cr) => cr,
                        Found::Not(scan) => {
                            self.state = State::BulkHeader { scan };
                            if buf.len().saturating_sub(start) > PROTO_INLINE_MAX_SIZE {
                                return Err(ProtocolError::TOO_BIG_BULK_COUNT);
                            }
                            return Ok(Step::Incomplete);
                        }
                    };
                    if cr + 1 >= buf.len() {
                        self.state = State::BulkHeader { scan: cr };
                        return Ok(Step::Incomplete);
                    }
                    match buf.get(start) {
                        Some(b'$') => {}
                        Some(&c) => return Err(ProtocolError::expected_dollar(c)),
                        None => return Ok(Step::Incomplete),
                    }
                    let data = cr + 2;
                    let len = buf
                        .get(start + 1..cr)
                        .and_then(string2ll)
                        .filter(|&n| n >= 0 && n as u64 <= self.limits.max_bulk_len)
                        .ok_or(ProtocolError::INVALID_BULK_LEN)?;
                    if len > UNAUTH_MAX_BULK_LEN && !self.authenticated {
                        return Err(ProtocolError::UNAUTH_BULK_LEN);
                    }
                    // Spans are 32-bit: a request reaching past 4 GiB cannot be represented.
                    let len = usize::try_from(len)
                        .ok()
                        .filter(|&l| data.checked_add(l).is_some_and(|e| e <= u32::MAX as usize))
                        .ok_or(ProtocolError::INVALID_BULK_LEN)?;
                    self.pos = data;
                    self.state = State::BulkData { len };
                }
                State::BulkData { len } => {
                    let start = self.pos;
                    let end = start + len; // fits: checked against u32::MAX with the header
                                           // The two bytes after the data are skipped without being looked at.
                    if buf.len() < end.saturating_add(2) {
                        return Ok(Step::Incomplete);
                    }
                    self.spans.push(Span::new(start, end));
                    self.pos = end + 2;
                    self.remaining = self.remaining.saturating_sub(1);
                    if self.remaining == 0 {
                        self.state = State::Start;
                        return Ok(Step::Multibulk(self.pos));
                    }
                    self.state = State::BulkHeader { scan: self.pos };
                }
            }
        }
    }

    /// Clears what the previous request left, giving back unusually large buffers.
    fn begin(&mut self) {
        self.pos = 0;
        self.remaining = 0;
        self.spans.clear();
        if self.spans.capacity() > KEEP_SPANS {
            self.spans.shrink_to(KEEP_SPANS);
        }
        self.scratch.clear();
        if self.scratch.capacity() > KEEP_SCRATCH {
            self.scratch.shrink_to(KEEP_SCRATCH);
        }
    }

    /// Looks for `want` in `buf[from..]` the way `strchr` does on a NUL-terminated buffer.
    fn find(&mut self, buf: &[u8], from: usize, want: u8) -> Found {
        let rest = buf.get(from..).unwrap_or(&[]);
        let hit = rest.iter().position(|&b| b == want || b == 0);
        #[cfg(test)]
        {
            self.examined += hit.map_or(rest.len(), |i| i + 1);
        }
        match hit {
            Some(i) if rest[i] == want => Found::At(from + i),
            Some(i) => Found::Not(from + i),
            None => Found::Not(from.max(buf.len())),
        }
    }

    /// The inline request state: waits for the line, then splits it.
    fn inline(&mut self, buf: &[u8], scan: usize) -> Result<Step, ProtocolError> {
        let nl = match self.find(buf, scan, b'\n') {
            Found::At(nl) => nl,
            Found::Not(scan) => {
                self.state = State::Inline { scan };
                if buf.len() > PROTO_INLINE_MAX_SIZE {
                    return Err(ProtocolError::TOO_BIG_INLINE);
                }
                return Ok(Step::Incomplete);
            }
        };
        let consumed = nl + 1;
        let mut line = buf.get(..nl).unwrap_or(&[]);
        if let [rest @ .., b'\r'] = line {
            line = rest;
        }
        // Arguments are 32-bit spans into the scratch buffer.
        if line.len() > u32::MAX as usize {
            return Err(ProtocolError::TOO_BIG_INLINE);
        }
        self.state = State::Start;
        split_args(line, &mut self.scratch, &mut self.spans)?;
        if self.spans.is_empty() {
            Ok(Step::Skip(consumed))
        } else {
            Ok(Step::Inline(consumed))
        }
    }
}

/// What `step` produced; `parse` turns it into a [`Parsed`] borrowing the right buffer.
enum Step {
    Incomplete,
    Skip(usize),
    /// A multibulk request ending at this offset; spans point into the caller's buffer.
    Multibulk(usize),
    /// An inline request ending at this offset; spans point into the scratch buffer.
    Inline(usize),
}

/// Redis's `string2ll`: an optional `-`, then `0` alone or digits without a leading zero,
/// at most 20 bytes, within `i64`. No `+`, no spaces.
pub fn string2ll(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() >= 21 {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (neg, digits) = match s {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, s),
    };
    match digits.first() {
        Some(b'1'..=b'9') => {}
        _ => return None,
    }
    let mut v: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    if neg {
        if v > i64::MAX as u64 + 1 {
            return None;
        }
        Some((v as i64).wrapping_neg())
    } else {
        i64::try_from(v).ok()
    }
}

/// C's `isspace` in the C locale.
#[inline]
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

#[inline]
fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Redis's `sdssplitargs`: splits `line` (up to a NUL, as a C string) into arguments appended to
/// `out`, one span each. Double quotes take `\n \r \t \b \a \xHH` and `\<any>` escapes,
/// single quotes only `\'`; a closing quote must be followed by a space or the line end.
pub(crate) fn split_args(
    line: &[u8],
    out: &mut Vec<u8>,
    spans: &mut Vec<Span>,
) -> Result<(), ProtocolError> {
    // The C code reads a NUL terminator past the end.
    let at = |i: usize| line.get(i).copied().unwrap_or(0);
    let mut p = 0;
    loop {
        while at(p) != 0 && is_space(at(p)) {
            p += 1;
        }
        if at(p) == 0 {
            return Ok(());
        }
        let start = out.len();
        let (mut in_dq, mut in_sq) = (false, false);
        loop {
            let c = at(p);
            if in_dq {
                if c == b'\\' && at(p + 1) == b'x' {
                    if let (Some(h), Some(l)) = (hex_value(at(p + 2)), hex_value(at(p + 3))) {
                        out.push(h * 16 + l);
                        p += 4;
                        continue;
                    }
                }
                if c == b'\\' && at(p + 1) != 0 {
                    p += 1;
                    out.push(match at(p) {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'a' => 0x07,
                        other => other,
                    });
                } else if c == b'"' {
                    if at(p + 1) != 0 && !is_space(at(p + 1)) {
                        return Err(ProtocolError::UNBALANCED_QUOTES);
                    }
                    p += 1;
                    break;
                } else if c == 0 {
                    return Err(ProtocolError::UNBALANCED_QUOTES);
                } else {
                    out.push(c);
                }
            } else if in_sq {
                if c == b'\\' && at(p + 1) == b'\'' {
                    p += 1;
                    out.push(b'\'');
                } else if c == b'\'' {
                    if at(p + 1) != 0 && !is_space(at(p + 1)) {
                        return Err(ProtocolError::UNBALANCED_QUOTES);
                    }
                    p += 1;
                    break;
                } else if c == 0 {
                    return Err(ProtocolError::UNBALANCED_QUOTES);
                } else {
                    out.push(c);
                }
            } else {
                match c {
                    b' ' | b'\n' | b'\r' | b'\t' => {
                        p += 1;
                        break;
                    }
                    0 => break,
                    b'"' => in_dq = true,
                    b'\'' => in_sq = true,
                    _ => out.push(c),
                }
            }
            p += 1;
        }
        spans.push(Span::new(start, out.len()));
    }
}

#[cfg(test)]
mod tests;
