//! Writing RDB: values as redis-server 7.0 serialises them, DUMP payloads, whole files.
//!
//! [`Encoder`] appends to a `Vec<u8>` and keeps the LZF compressor's table between calls;
//! it is the unit a shard owns. [`Writer`] streams a whole file to a [`Sink`]: the header
//! and AUX fields, then whatever the caller feeds it (databases, entries, or bytes an
//! encoder produced elsewhere), then EOF and the checksum. Nothing is collected first: the
//! writer holds one buffer of about [`FLUSH_AT`] bytes (more only while one large value is
//! being encoded).
//!
//! What each value becomes (Redis 7.0's `rdbSaveObject`):
//!
//! | value | RDB type |
//! |---|---|
//! | string | 0: int-encoded when a canonical integer of 32 bits, LZF when longer than 20 bytes and it saves 4 bytes or more (with compression on), else raw |
//! | list | 18 (quicklist 2): one packed listpack node per Anax node |
//! | set, `intset` | 11: the intset blob |
//! | set, `hashtable` | 2: the members |
//! | sorted set, `listpack` | 17: a listpack of member, score (integral scores within 2^62 as integers, others as `%.17g`) |
//! | sorted set, `skiplist` | 5: the members with binary scores (ascending; Redis writes them descending) |
//! | hash, `listpack` | 16: a listpack of field, value |
//! | hash, `hashtable` | 4: the fields and values |

use super::crc64::{crc64, Crc64};
use super::packed::{intset_blob, ListpackWriter};
use super::{container, lzf, op, put_len, ty, Error, RDB_VERSION};
use crate::types::list::Item;
use crate::types::set::Set;
use crate::value::Value;
use alloc::string::String;
use alloc::vec::Vec;

/// Where a [`Writer`] puts its bytes (the host's file, or a `Vec<u8>`).
pub trait Sink {
    /// Writes all of `bytes`.
    fn write(&mut self, bytes: &[u8]) -> Result<(), Error>;
}

impl Sink for Vec<u8> {
    fn write(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.extend_from_slice(bytes);
        Ok(())
    }
}

impl<S: Sink + ?Sized> Sink for &mut S {
    fn write(&mut self, bytes: &[u8]) -> Result<(), Error> {
        (**self).write(bytes)
    }
}

/// Strings up to this length are tried as integers (`rdbSaveRawString`).
const INT_TRY_MAX: usize = 11;
/// Strings longer than this are tried with LZF (`rdbSaveRawString`).
const LZF_MIN: usize = 20;

/// The integral value of a score Redis keeps as an integer in a listpack (`double2ll`).
fn double_as_ll(d: f64) -> Option<i64> {
    const LIM: f64 = (i64::MAX / 2) as f64;
    if (-LIM..=LIM).contains(&d) && (d as i64) as f64 == d {
        Some(d as i64)
    } else {
        None
    }
}

/// Serialises values into a buffer.
#[derive(Debug)]
pub struct Encoder {
    lzf: lzf::Compressor,
    compression: bool,
    scratch: Vec<u8>,
}

impl Default for Encoder {
    fn default() -> Self {
        Encoder::new(true)
    }
}

impl Encoder {
    /// An encoder; `compression` is `rdbcompression` (LZF for strings over 20 bytes).
    pub fn new(compression: bool) -> Self {
        Encoder {
            lzf: lzf::Compressor::new(),
            compression,
            scratch: Vec::new(),
        }
    }

    /// Appends `s` as an RDB string (`rdbSaveRawString`).
    pub fn string(&mut self, out: &mut Vec<u8>, s: &[u8]) {
        if s.len() <= INT_TRY_MAX {
            if let Some(v) = crate::num::parse_canonical_i64(s) {
                if put_int_encoded(out, v) {
                    return;
                }
            }
        }
        if self.compression && s.len() > LZF_MIN {
            let mut tmp = core::mem::take(&mut self.scratch);
            tmp.clear();
            let done = match self.lzf.compress(s, s.len() - 4, &mut tmp) {
                Some(n) => {
                    out.push(0xC3);
                    put_len(out, n as u64);
                    put_len(out, s.len() as u64);
                    out.extend_from_slice(&tmp[..n]);
                    true
                }
                None => false,
            };
            if tmp.capacity() <= 1 << 20 {
                self.scratch = tmp;
            }
            if done {
                return;
            }
        }
        put_len(out, s.len() as u64);
        out.extend_from_slice(s);
    }

    /// Appends the integer `v` as an RDB string (`rdbSaveLongLongAsStringObject`).
    pub fn int_string(&mut self, out: &mut Vec<u8>, v: i64) {
        if !put_int_encoded(out, v) {
            let mut b = itoa::Buffer::new();
            let s = b.format(v).as_bytes();
            put_len(out, s.len() as u64);
            out.extend_from_slice(s);
        }
    }

    /// The RDB type `v` is saved as.
    pub fn value_type(v: &Value) -> u8 {
        match v {
            Value::Int(_) | Value::Str(_) | Value::Raw(_) => ty::STRING,
            Value::List(_) => ty::LIST_QUICKLIST_2,
            Value::Hash(h) if h.is_listpack() => ty::HASH_LISTPACK,
            Value::Hash(_) => ty::HASH,
            Value::Set(s) if matches!(**s, Set::Ints(_)) => ty::SET_INTSET,
            Value::Set(_) => ty::SET,
            Value::ZSet(z) if z.is_small() => ty::ZSET_LISTPACK,
            Value::ZSet(_) => ty::ZSET_2,
        }
    }

    /// Appends the type byte and the serialised value (`rdbSaveObjectType` and
    /// `rdbSaveObject`).
    pub fn value(&mut self, out: &mut Vec<u8>, v: &Value) {
        out.push(Self::value_type(v));
        self.object(out, v);
    }

    /// Appends the serialised value without its type byte.
    pub fn object(&mut self, out: &mut Vec<u8>, v: &Value) {
        match v {
            Value::Int(n) => self.int_string(out, *n),
            Value::Str(s) => self.string(out, s.as_bytes()),
            Value::Raw(s) => self.string(out, s),
            Value::List(l) => {
                put_len(out, l.node_count() as u64);
                for n in 0..l.node_count() {
                    put_len(out, container::PACKED);
                    let mut lp = ListpackWriter::new();
                    for it in l.node_items(n) {
                        match it {
                            Item::Int(v) => lp.push_int(v),
                            Item::Str(s) => lp.push_bytes(s),
                        }
                    }
                    self.string(out, &lp.finish());
                }
            }
            Value::Hash(h) if h.is_listpack() => {
                let mut lp = ListpackWriter::new();
                for (f, v) in h.iter() {
                    lp.push_bytes(f);
                    lp.push_bytes(v);
                }
                self.string(out, &lp.finish());
            }
            Value::Hash(h) => {
                put_len(out, h.len() as u64);
                for (f, v) in h.iter() {
                    self.string(out, f);
                    self.string(out, v);
                }
            }
            Value::Set(s) => match &**s {
                Set::Ints(is) => {
                    let blob = intset_blob(is.width(), is.iter());
                    self.string(out, &blob);
                }
                other => {
                    put_len(out, other.len() as u64);
                    for m in other.iter() {
                        m.with_bytes(|b| self.string(out, b));
                    }
                }
            },
            Value::ZSet(z) if z.is_small() => {
                let mut lp = ListpackWriter::new();
                let mut text = String::new();
                for (m, score) in z.iter() {
                    lp.push_bytes(m);
                    match double_as_ll(score) {
                        Some(i) => lp.push_int(i),
                        None => {
                            text.clear();
                            anax_protocol::fmt_double(&mut text, score);
                            lp.push_bytes(text.as_bytes());
                        }
                    }
                }
                self.string(out, &lp.finish());
            }
            Value::ZSet(z) => {
                put_len(out, z.len() as u64);
                for (m, score) in z.iter() {
                    self.string(out, m);
                    out.extend_from_slice(&score.to_le_bytes());
                }
            }
        }
    }

    /// Appends one key: its expiry (`EXPIRETIME_MS`, when `expire_ms` is not 0), type, key
    /// and value (`rdbSaveKeyValuePair`).
    pub fn entry(&mut self, out: &mut Vec<u8>, key: &[u8], v: &Value, expire_ms: u64) {
        if expire_ms != 0 {
            out.push(op::EXPIRETIME_MS);
            out.extend_from_slice(&(expire_ms as i64).to_le_bytes());
        }
        out.push(Self::value_type(v));
        self.string(out, key);
        self.object(out, v);
    }

    /// Appends `SELECTDB db` alone (a shard's chunk that continues a database).
    pub fn select(&mut self, out: &mut Vec<u8>, db: u64) {
        out.push(op::SELECTDB);
        put_len(out, db);
    }

    /// Appends `SELECTDB db` and `RESIZEDB keys expires` (the sizes are hints).
    pub fn select_db(&mut self, out: &mut Vec<u8>, db: u64, keys: u64, expires: u64) {
        self.select(out, db);
        out.push(op::RESIZEDB);
        put_len(out, keys);
        put_len(out, expires);
    }

    /// Appends an AUX field.
    pub fn aux(&mut self, out: &mut Vec<u8>, name: &[u8], value: &[u8]) {
        out.push(op::AUX);
        self.string(out, name);
        self.string(out, value);
    }

    /// The DUMP payload of `v`: the serialised value, the RDB version (2 bytes LE) and the
    /// CRC-64 of all that (8 bytes LE).
    pub fn dump(&mut self, v: &Value) -> Vec<u8> {
        let mut out = Vec::new();
        self.value(&mut out, v);
        out.extend_from_slice(&RDB_VERSION.to_le_bytes());
        let crc = crc64(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        out
    }
}

/// Appends `v` as an int-encoded string when it fits 32 bits (`rdbEncodeInteger`).
fn put_int_encoded(out: &mut Vec<u8>, v: i64) -> bool {
    if (-128..=127).contains(&v) {
        out.push(0xC0);
        out.push(v as u8);
    } else if (-32768..=32767).contains(&v) {
        out.push(0xC1);
        out.extend_from_slice(&(v as i16).to_le_bytes());
    } else if (i32::MIN as i64..=i32::MAX as i64).contains(&v) {
        out.push(0xC2);
        out.extend_from_slice(&(v as i32).to_le_bytes());
    } else {
        return false;
    }
    true
}

/// The AUX fields at the start of a file (Redis 7.0's `rdbSaveInfoAuxFields`).
#[derive(Clone, Debug)]
pub struct Aux<'a> {
    /// `redis-ver`: the Redis version the file claims to come from.
    pub redis_ver: &'a str,
    /// `ctime`: Unix seconds of the save.
    pub ctime: i64,
    /// `used-mem`: bytes of memory in use.
    pub used_mem: u64,
    /// `aof-base`: true when the file is the base of an append-only file.
    pub aof_base: bool,
}

/// The bytes a [`Writer`] buffers before it passes them to its sink.
pub const FLUSH_AT: usize = 64 * 1024;

/// Streams a whole RDB file to a sink.
///
/// ```
/// use anax_core::rdb::write::{Aux, Writer};
/// use anax_core::value::Value;
/// let aux = Aux { redis_ver: "7.0.15", ctime: 0, used_mem: 0, aof_base: false };
/// let mut w = Writer::new(Vec::new(), &aux, true).unwrap();
/// w.select_db(0, 1, 0).unwrap();
/// w.entry(b"k", &Value::from_bytes(b"v"), 0).unwrap();
/// let file: Vec<u8> = w.finish().unwrap();
/// assert!(file.starts_with(b"REDIS0010"));
/// ```
pub struct Writer<S: Sink> {
    sink: S,
    crc: Crc64,
    buf: Vec<u8>,
    enc: Encoder,
    written: u64,
}

impl<S: Sink> core::fmt::Debug for Writer<S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Writer")
            .field("written", &self.written)
            .field("buffered", &self.buf.len())
            .finish()
    }
}

impl<S: Sink> Writer<S> {
    /// Starts a file: `REDIS0010` and the AUX fields (`redis-ver`, `redis-bits`, `ctime`,
    /// `used-mem`, `aof-base`); `compression` is `rdbcompression`.
    pub fn new(sink: S, aux: &Aux<'_>, compression: bool) -> Result<Self, Error> {
        let mut w = Writer {
            sink,
            crc: Crc64::new(),
            buf: Vec::with_capacity(FLUSH_AT),
            enc: Encoder::new(compression),
            written: 0,
        };
        w.buf.extend_from_slice(b"REDIS");
        w.buf
            .extend_from_slice(alloc::format!("{RDB_VERSION:04}").as_bytes());
        let mut num = itoa::Buffer::new();
        w.enc
            .aux(&mut w.buf, b"redis-ver", aux.redis_ver.as_bytes());
        let ints: [(&[u8], i64); 4] = [
            (b"redis-bits", 64),
            (b"ctime", aux.ctime),
            (b"used-mem", aux.used_mem.min(i64::MAX as u64) as i64),
            (b"aof-base", aux.aof_base as i64),
        ];
        for (k, v) in ints {
            let v = num.format(v).as_bytes().to_vec();
            w.enc.aux(&mut w.buf, k, &v);
        }
        Ok(w)
    }

    fn maybe_flush(&mut self) -> Result<(), Error> {
        if self.buf.len() >= FLUSH_AT {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), Error> {
        if !self.buf.is_empty() {
            self.crc.update(&self.buf);
            self.sink.write(&self.buf)?;
            self.written += self.buf.len() as u64;
            self.buf.clear();
            if self.buf.capacity() > 4 * FLUSH_AT {
                self.buf.shrink_to(FLUSH_AT);
            }
        }
        Ok(())
    }

    /// Selects database `db` for the entries that follow, with its sizes as hints.
    pub fn select_db(&mut self, db: u64, keys: u64, expires: u64) -> Result<(), Error> {
        self.enc.select_db(&mut self.buf, db, keys, expires);
        self.maybe_flush()
    }

    /// Writes one key of the selected database (`expire_ms` 0: no expiry).
    pub fn entry(&mut self, key: &[u8], v: &Value, expire_ms: u64) -> Result<(), Error> {
        self.enc.entry(&mut self.buf, key, v, expire_ms);
        self.maybe_flush()
    }

    /// Writes bytes that an [`Encoder`] produced elsewhere (another shard's entries,
    /// with their `SELECTDB`).
    pub fn raw(&mut self, bytes: &[u8]) -> Result<(), Error> {
        if self.buf.len() + bytes.len() < FLUSH_AT {
            self.buf.extend_from_slice(bytes);
            return Ok(());
        }
        self.flush()?;
        self.crc.update(bytes);
        self.sink.write(bytes)?;
        self.written += bytes.len() as u64;
        Ok(())
    }

    /// Bytes passed to the sink so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Ends the file (EOF and the CRC-64 of everything before it) and returns the sink.
    pub fn finish(mut self) -> Result<S, Error> {
        self.buf.push(op::EOF);
        self.flush()?;
        let crc = self.crc.value();
        self.sink.write(&crc.to_le_bytes())?;
        Ok(self.sink)
    }
}
