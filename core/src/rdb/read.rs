//! Reading RDB: values of every encoding Redis 7.0 writes or still accepts, DUMP payloads,
//! and whole files from an incremental [`Source`].
//!
//! | RDB type | read as |
//! |---|---|
//! | 0 string | int-encoded (8/16/32 bits), LZF or raw |
//! | 1 list, 10 ziplist, 14 quicklist of ziplists, 18 quicklist 2 (plain and packed nodes) | a list |
//! | 2 set, 11 intset | a set |
//! | 3 zset (string scores), 5 zset 2 (binary scores), 12 ziplist, 17 listpack | a sorted set |
//! | 4 hash, 9 zipmap, 13 ziplist, 16 listpack | a hash |
//! | 6, 7 modules; 15, 19 streams | [`Error::Unsupported`] |
//!
//! Every value is built through the collection types' own insertion paths under the
//! [`Thresholds`] given, so it ends up in the encoding Anax would have chosen for it;
//! duplicate members or fields, NaN scores and empty collections are errors (an empty
//! collection is [`Error::EmptyKey`], which [`load`] skips as Redis does).
//!
//! Bounded work and memory: a string is read in chunks into a vector that grows as its
//! bytes arrive (from a slice, its length is checked against what is left first); an LZF
//! string's declared length is checked against what its compressed bytes can produce; an
//! element count never reserves anything, and each element consumes input; packed blobs
//! are validated entry by entry against their own length.

use super::crc64::Crc64;
use super::packed::{intset_for_each, listpack_for_each, ziplist_for_each, zipmap_for_each, Elem};
use super::{container, lzf, op, ty, Error, Thresholds, RDB_VERSION};
use crate::types::hash::Hash;
use crate::types::list::{Item, List};
use crate::types::set::Set;
use crate::types::zset::{Added, ZSet};
use crate::value::Value;
use alloc::boxed::Box;
use alloc::vec;
use alloc::vec::Vec;

/// Where a file's bytes come from (the host's file, or a slice).
pub trait Source {
    /// Reads up to `buf.len()` bytes into `buf`; 0 at the end of the data.
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Error>;
}

impl Source for &[u8] {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        let n = buf.len().min(self.len());
        buf[..n].copy_from_slice(&self[..n]);
        *self = &self[n..];
        Ok(n)
    }
}

impl<S: Source + ?Sized> Source for &mut S {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        (**self).read(buf)
    }
}

/// Strings are read in pieces of at most this many bytes.
const CHUNK: usize = 64 * 1024;

/// Reads from a slice or a stream.
trait Input {
    /// Fills `out` or fails with [`Error::Truncated`].
    fn read_exact(&mut self, out: &mut [u8]) -> Result<(), Error>;

    /// `n` bytes, in a vector that grows as they arrive.
    fn bytes(&mut self, n: u64) -> Result<Vec<u8>, Error>;

    fn byte(&mut self) -> Result<u8, Error> {
        let mut b = [0u8; 1];
        self.read_exact(&mut b)?;
        Ok(b[0])
    }
}

/// A slice read in place.
struct SliceInput<'a> {
    data: &'a [u8],
}

impl Input for SliceInput<'_> {
    fn read_exact(&mut self, out: &mut [u8]) -> Result<(), Error> {
        if out.len() > self.data.len() {
            return Err(Error::Truncated);
        }
        let (head, rest) = self.data.split_at(out.len());
        out.copy_from_slice(head);
        self.data = rest;
        Ok(())
    }

    fn bytes(&mut self, n: u64) -> Result<Vec<u8>, Error> {
        if n > self.data.len() as u64 {
            return Err(Error::Truncated);
        }
        let (head, rest) = self.data.split_at(n as usize);
        self.data = rest;
        Ok(head.to_vec())
    }
}

/// A buffered stream that keeps the CRC-64 of what it consumed.
struct StreamInput<'a, S: Source + ?Sized> {
    src: &'a mut S,
    buf: Box<[u8]>,
    pos: usize,
    end: usize,
    crc: Crc64,
    /// Where the bytes not yet added to the CRC start in `buf`.
    crc_from: usize,
}

impl<'a, S: Source + ?Sized> StreamInput<'a, S> {
    fn new(src: &'a mut S) -> Self {
        StreamInput {
            src,
            buf: vec![0u8; CHUNK].into_boxed_slice(),
            pos: 0,
            end: 0,
            crc: Crc64::new(),
            crc_from: 0,
        }
    }

    /// Refills the empty buffer; false at the end of the data.
    fn fill(&mut self) -> Result<bool, Error> {
        self.crc.update(&self.buf[self.crc_from..self.end]);
        self.pos = 0;
        self.end = 0;
        self.crc_from = 0;
        let n = self.src.read(&mut self.buf)?;
        if n > self.buf.len() {
            return Err(Error::Io(
                "source reported more bytes than it was asked for".into(),
            ));
        }
        self.end = n;
        Ok(n > 0)
    }

    /// The CRC-64 of everything consumed so far.
    fn crc_value(&mut self) -> u64 {
        self.crc.update(&self.buf[self.crc_from..self.pos]);
        self.crc_from = self.pos;
        self.crc.value()
    }
}

impl<S: Source + ?Sized> Input for StreamInput<'_, S> {
    fn read_exact(&mut self, out: &mut [u8]) -> Result<(), Error> {
        let mut done = 0;
        while done < out.len() {
            if self.pos == self.end && !self.fill()? {
                return Err(Error::Truncated);
            }
            let n = (self.end - self.pos).min(out.len() - done);
            out[done..done + n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
            self.pos += n;
            done += n;
        }
        Ok(())
    }

    fn bytes(&mut self, n: u64) -> Result<Vec<u8>, Error> {
        let n = usize::try_from(n).map_err(|_| Error::corrupt("string too long"))?;
        let mut v = Vec::with_capacity(n.min(CHUNK));
        while v.len() < n {
            let start = v.len();
            let take = (n - start).min(CHUNK);
            v.resize(start + take, 0);
            self.read_exact(&mut v[start..])?;
        }
        Ok(v)
    }
}

// ---------------------------------------------------------------------------------------
// Lengths and strings

/// A length (`rdbLoadLenByRef`): the value and whether it is a string encoding
/// (`11xxxxxx`) rather than a length.
fn read_len_enc(i: &mut impl Input) -> Result<(u64, bool), Error> {
    let b = i.byte()?;
    match b >> 6 {
        0 => Ok(((b & 0x3F) as u64, false)),
        1 => {
            let b2 = i.byte()?;
            Ok(((((b & 0x3F) as u64) << 8) | b2 as u64, false))
        }
        3 => Ok(((b & 0x3F) as u64, true)),
        _ => match b {
            0x80 => {
                let mut x = [0u8; 4];
                i.read_exact(&mut x)?;
                Ok((u32::from_be_bytes(x) as u64, false))
            }
            0x81 => {
                let mut x = [0u8; 8];
                i.read_exact(&mut x)?;
                Ok((u64::from_be_bytes(x), false))
            }
            _ => Err(Error::corrupt(alloc::format!(
                "unknown length encoding 0x{b:02x}"
            ))),
        },
    }
}

/// A length (as `rdbLoadLen`, which takes the low bits of a string encoding byte too).
fn read_len(i: &mut impl Input) -> Result<u64, Error> {
    Ok(read_len_enc(i)?.0)
}

/// An RDB string: raw, int-encoded or LZF-compressed.
fn read_string(i: &mut impl Input) -> Result<Vec<u8>, Error> {
    let (n, encoded) = read_len_enc(i)?;
    if !encoded {
        return i.bytes(n);
    }
    let int = |v: i64| itoa::Buffer::new().format(v).as_bytes().to_vec();
    match n {
        0 => Ok(int(i.byte()? as i8 as i64)),
        1 => {
            let mut x = [0u8; 2];
            i.read_exact(&mut x)?;
            Ok(int(i16::from_le_bytes(x) as i64))
        }
        2 => {
            let mut x = [0u8; 4];
            i.read_exact(&mut x)?;
            Ok(int(i32::from_le_bytes(x) as i64))
        }
        3 => {
            let clen = read_len(i)?;
            let len = read_len(i)?;
            if len > clen.saturating_mul(lzf::MAX_EXPANSION as u64) {
                return Err(Error::corrupt(
                    "LZF string longer than its data can produce",
                ));
            }
            let packed = i.bytes(clen)?;
            lzf::decompress(&packed, len as usize)
        }
        _ => Err(Error::corrupt(alloc::format!(
            "unknown string encoding {n}"
        ))),
    }
}

/// A score written as text (`rdbLoadDoubleValue`): a length byte (253 NaN, 254 +inf,
/// 255 -inf) and that many characters.
fn read_text_score(i: &mut impl Input) -> Result<f64, Error> {
    match i.byte()? {
        255 => Ok(f64::NEG_INFINITY),
        254 => Ok(f64::INFINITY),
        253 => Err(Error::corrupt("sorted set with a NaN score")),
        n => {
            let mut b = [0u8; 252];
            let b = &mut b[..n as usize];
            i.read_exact(b)?;
            crate::num::parse_f64(b).ok_or_else(|| Error::corrupt("invalid sorted set score"))
        }
    }
}

// ---------------------------------------------------------------------------------------
// Values

/// True for the type bytes Redis 7.0 knows (`rdbIsObjectType`).
pub fn is_object_type(t: u8) -> bool {
    t <= 7 || (9..=19).contains(&t)
}

fn dup(what: &str) -> Error {
    Error::corrupt(alloc::format!("duplicate {what}"))
}

/// Builds a hash under the thresholds.
struct HashBuilder<'t> {
    h: Hash,
    th: &'t Thresholds,
}

impl HashBuilder<'_> {
    fn add(&mut self, f: &[u8], v: &[u8]) -> Result<(), Error> {
        let th = self.th;
        if self.h.set(
            f,
            v,
            th.hash_max_listpack_entries,
            th.hash_max_listpack_value,
        ) {
            Ok(())
        } else {
            Err(dup("hash fields"))
        }
    }

    fn add_elems(&mut self, f: Elem<'_>, v: Elem<'_>) -> Result<(), Error> {
        f.with_bytes(|f| v.with_bytes(|v| self.add(f, v)))
    }

    fn done(self) -> Result<Value, Error> {
        if self.h.is_empty() {
            return Err(Error::EmptyKey);
        }
        Ok(Value::Hash(Box::new(self.h)))
    }
}

/// Builds a sorted set under the thresholds.
struct ZSetBuilder<'t> {
    z: ZSet,
    th: &'t Thresholds,
}

impl ZSetBuilder<'_> {
    fn add(&mut self, m: &[u8], score: f64) -> Result<(), Error> {
        if score.is_nan() {
            return Err(Error::corrupt("sorted set with a NaN score"));
        }
        let th = self.th;
        match self.z.add(
            m,
            score,
            th.zset_max_listpack_entries,
            th.zset_max_listpack_value,
        ) {
            Added::Added => Ok(()),
            _ => Err(dup("sorted set members")),
        }
    }

    fn add_elems(&mut self, m: Elem<'_>, s: Elem<'_>) -> Result<(), Error> {
        let score = match s {
            Elem::Int(v) => v as f64,
            Elem::Str(t) => crate::num::parse_f64(t)
                .ok_or_else(|| Error::corrupt("invalid sorted set score"))?,
        };
        m.with_bytes(|m| self.add(m, score))
    }

    fn done(self) -> Result<Value, Error> {
        if self.z.is_empty() {
            return Err(Error::EmptyKey);
        }
        Ok(Value::ZSet(Box::new(self.z)))
    }
}

fn set_add(s: &mut Set, m: &[u8], th: &Thresholds) -> Result<(), Error> {
    if s.add(m, th.set_max_intset_entries) {
        Ok(())
    } else {
        Err(dup("set members"))
    }
}

fn list_push(l: &mut List, e: Elem<'_>) {
    match e {
        Elem::Int(v) => l.push_item_back(Item::Int(v)),
        Elem::Str(s) => l.push_item_back(Item::of(s)),
    }
}

fn list_done(l: List) -> Result<Value, Error> {
    if l.is_empty() {
        return Err(Error::EmptyKey);
    }
    Ok(Value::List(Box::new(l)))
}

/// Calls `f` with the elements of a blob two at a time; an odd count is an error.
fn pairs<'a>(
    walk: impl FnOnce(&mut dyn FnMut(Elem<'a>) -> Result<(), Error>) -> Result<u64, Error>,
    mut f: impl FnMut(Elem<'a>, Elem<'a>) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut pending = None;
    walk(&mut |e| match pending.take() {
        None => {
            pending = Some(e);
            Ok(())
        }
        Some(first) => f(first, e),
    })?;
    if pending.is_some() {
        return Err(Error::corrupt(
            "odd number of elements in a hash or sorted set",
        ));
    }
    Ok(())
}

/// Reads the value of RDB type `t` (`rdbLoadObject`).
fn read_object(i: &mut impl Input, t: u8, th: &Thresholds) -> Result<Value, Error> {
    match t {
        ty::STRING => Ok(Value::from_bytes(&read_string(i)?)),
        ty::LIST => {
            let n = read_len(i)?;
            let mut l = List::new(th.list_max_listpack_size);
            for _ in 0..n {
                l.push_item_back(Item::of(&read_string(i)?));
            }
            list_done(l)
        }
        ty::SET => {
            let n = read_len(i)?;
            let mut s = Set::new();
            for _ in 0..n {
                set_add(&mut s, &read_string(i)?, th)?;
            }
            if s.is_empty() {
                return Err(Error::EmptyKey);
            }
            Ok(Value::Set(Box::new(s)))
        }
        ty::ZSET | ty::ZSET_2 => {
            let n = read_len(i)?;
            let mut z = ZSetBuilder { z: ZSet::new(), th };
            for _ in 0..n {
                let m = read_string(i)?;
                let score = if t == ty::ZSET {
                    read_text_score(i)?
                } else {
                    let mut x = [0u8; 8];
                    i.read_exact(&mut x)?;
                    f64::from_le_bytes(x)
                };
                z.add(&m, score)?;
            }
            z.done()
        }
        ty::HASH => {
            let n = read_len(i)?;
            let mut h = HashBuilder { h: Hash::new(), th };
            for _ in 0..n {
                let f = read_string(i)?;
                let v = read_string(i)?;
                h.add(&f, &v)?;
            }
            h.done()
        }
        ty::HASH_ZIPMAP => {
            let blob = read_string(i)?;
            let mut h = HashBuilder { h: Hash::new(), th };
            zipmap_for_each(&blob, |f, v| h.add(f, v))?;
            h.done()
        }
        ty::LIST_ZIPLIST => {
            let blob = read_string(i)?;
            let mut l = List::new(th.list_max_listpack_size);
            ziplist_for_each(&blob, |e| {
                list_push(&mut l, e);
                Ok(())
            })?;
            list_done(l)
        }
        ty::SET_INTSET => {
            let blob = read_string(i)?;
            let mut s = Set::new();
            intset_for_each(&blob, |v| {
                set_add(&mut s, itoa::Buffer::new().format(v).as_bytes(), th)
            })?;
            if s.is_empty() {
                return Err(Error::EmptyKey);
            }
            Ok(Value::Set(Box::new(s)))
        }
        ty::ZSET_ZIPLIST | ty::ZSET_LISTPACK => {
            let blob = read_string(i)?;
            let mut z = ZSetBuilder { z: ZSet::new(), th };
            if t == ty::ZSET_ZIPLIST {
                pairs(|f| ziplist_for_each(&blob, f), |m, s| z.add_elems(m, s))?;
            } else {
                pairs(|f| listpack_for_each(&blob, f), |m, s| z.add_elems(m, s))?;
            }
            z.done()
        }
        ty::HASH_ZIPLIST | ty::HASH_LISTPACK => {
            let blob = read_string(i)?;
            let mut h = HashBuilder { h: Hash::new(), th };
            if t == ty::HASH_ZIPLIST {
                pairs(|f| ziplist_for_each(&blob, f), |a, b| h.add_elems(a, b))?;
            } else {
                pairs(|f| listpack_for_each(&blob, f), |a, b| h.add_elems(a, b))?;
            }
            h.done()
        }
        ty::LIST_QUICKLIST | ty::LIST_QUICKLIST_2 => {
            let nodes = read_len(i)?;
            let mut l = List::new(th.list_max_listpack_size);
            for _ in 0..nodes {
                let kind = if t == ty::LIST_QUICKLIST_2 {
                    read_len(i)?
                } else {
                    0
                };
                let blob = read_string(i)?;
                let mut push = |e| {
                    list_push(&mut l, e);
                    Ok(())
                };
                match kind {
                    0 => {
                        ziplist_for_each(&blob, &mut push)?;
                    }
                    container::PLAIN => l.push_item_back(Item::of(&blob)),
                    container::PACKED => {
                        listpack_for_each(&blob, &mut push)?;
                    }
                    _ => return Err(Error::corrupt("unknown quicklist node container")),
                }
            }
            list_done(l)
        }
        ty::MODULE | ty::MODULE_2 => Err(Error::Unsupported("module values")),
        ty::STREAM_LISTPACKS | ty::STREAM_LISTPACKS_2 => Err(Error::Unsupported("stream values")),
        _ => Err(Error::corrupt(alloc::format!("unknown RDB value type {t}"))),
    }
}

// ---------------------------------------------------------------------------------------
// DUMP payloads

/// Redis's `verifyDumpPayload`: at least 10 bytes, an RDB version not newer than Anax's,
/// and a matching CRC-64.
pub fn verify_dump_payload(p: &[u8]) -> bool {
    if p.len() < 10 {
        return false;
    }
    let footer = &p[p.len() - 10..];
    let version = u16::from_le_bytes([footer[0], footer[1]]);
    if version > RDB_VERSION {
        return false;
    }
    let mut crc = [0u8; 8];
    crc.copy_from_slice(&footer[2..]);
    super::crc64::crc64(&p[..p.len() - 8]) == u64::from_le_bytes(crc)
}

/// The value of a DUMP payload that passed [`verify_dump_payload`]: its type byte and the
/// value after it (read from the whole payload, footer included, as Redis does; bytes left
/// over are ignored).
pub fn load_dump_payload(p: &[u8], th: &Thresholds) -> Result<Value, Error> {
    let mut i = SliceInput { data: p };
    let t = i.byte()?;
    if !is_object_type(t) {
        return Err(Error::corrupt(alloc::format!("unknown RDB value type {t}")));
    }
    read_object(&mut i, t, th)
}

// ---------------------------------------------------------------------------------------
// Files

/// How to load a file.
#[derive(Clone, Copy, Debug)]
pub struct LoadOptions {
    /// The thresholds values are built under.
    pub thresholds: Thresholds,
    /// The number of databases: a SELECTDB at or beyond it is an error.
    pub databases: usize,
}

impl LoadOptions {
    /// The options for a server with `config`.
    pub fn from_config(config: &crate::Config) -> Self {
        LoadOptions {
            thresholds: Thresholds::from_config(config),
            databases: config.databases,
        }
    }
}

/// One key of a file.
#[derive(Debug)]
pub struct Loaded {
    /// Its database.
    pub db: usize,
    /// The key.
    pub key: Vec<u8>,
    /// The value.
    pub value: Value,
    /// Its expiry in Unix milliseconds, when it has one (it may be in the past, or
    /// negative: the host decides what an expired key becomes).
    pub expire_ms: Option<i64>,
}

/// What a file held besides its keys.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The RDB version of the file.
    pub version: u32,
    /// Its AUX fields, in order.
    pub aux: Vec<(Vec<u8>, Vec<u8>)>,
    /// The keys passed to the callback.
    pub keys: u64,
    /// Keys holding an empty collection, skipped (as Redis does).
    pub empty_keys_skipped: u64,
    /// True when the file had a checksum and it matched (false for versions before 5 and
    /// for a checksum of 0, which means "not computed").
    pub checksum_checked: bool,
}

/// Loads a whole RDB file from `src`, calling `f` for each key in file order; the first
/// error from the data or from `f` stops it. Trailing bytes after the checksum are ignored.
pub fn load<S: Source + ?Sized>(
    src: &mut S,
    opts: &LoadOptions,
    mut f: impl FnMut(Loaded) -> Result<(), Error>,
) -> Result<Summary, Error> {
    let mut i = StreamInput::new(src);
    let mut head = [0u8; 9];
    i.read_exact(&mut head)?;
    if &head[..5] != b"REDIS" {
        return Err(Error::NotRdb);
    }
    // `atoi` of the four characters, as Redis reads them.
    let version = head[5..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .fold(0u32, |v, c| v * 10 + (c - b'0') as u32);
    if !(1..=RDB_VERSION as u32).contains(&version) {
        return Err(Error::Version(version));
    }
    let mut summary = Summary {
        version,
        ..Summary::default()
    };
    let th = &opts.thresholds;
    let mut db = 0usize;
    let mut expire = None;
    loop {
        let t = i.byte()?;
        match t {
            op::EXPIRETIME => {
                let mut x = [0u8; 4];
                i.read_exact(&mut x)?;
                expire = Some(i32::from_le_bytes(x) as i64 * 1000);
            }
            op::EXPIRETIME_MS => {
                let mut x = [0u8; 8];
                i.read_exact(&mut x)?;
                expire = Some(i64::from_le_bytes(x));
            }
            op::FREQ => {
                i.byte()?;
            }
            op::IDLE => {
                read_len(&mut i)?;
            }
            op::EOF => break,
            op::SELECTDB => {
                let n = read_len(&mut i)?;
                if n >= opts.databases as u64 {
                    return Err(Error::DbIndex(n));
                }
                db = n as usize;
            }
            op::RESIZEDB => {
                read_len(&mut i)?;
                read_len(&mut i)?;
            }
            op::AUX => {
                let k = read_string(&mut i)?;
                let v = read_string(&mut i)?;
                summary.aux.push((k, v));
            }
            op::MODULE_AUX => return Err(Error::Unsupported("module auxiliary data")),
            op::FUNCTION | op::FUNCTION2 => return Err(Error::Unsupported("functions")),
            t if is_object_type(t) => {
                let key = read_string(&mut i)?;
                match read_object(&mut i, t, th) {
                    Ok(value) => {
                        f(Loaded {
                            db,
                            key,
                            value,
                            expire_ms: expire.take(),
                        })?;
                        summary.keys += 1;
                    }
                    Err(Error::EmptyKey) => summary.empty_keys_skipped += 1,
                    Err(e) => return Err(e),
                }
                expire = None;
            }
            t => {
                return Err(Error::corrupt(alloc::format!(
                    "unknown RDB type or opcode {t}"
                )))
            }
        }
    }
    if version >= 5 {
        let computed = i.crc_value();
        let mut x = [0u8; 8];
        i.read_exact(&mut x)?;
        let stored = u64::from_le_bytes(x);
        if stored != 0 {
            if stored != computed {
                return Err(Error::Checksum { stored, computed });
            }
            summary.checksum_checked = true;
        }
    }
    Ok(summary)
}
