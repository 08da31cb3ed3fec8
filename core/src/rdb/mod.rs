//! The RDB codec: Redis 7.0's snapshot format (RDB version 10) and DUMP payloads.
//!
//! * [`write`](mod@write): serialises values as redis-server 7.0 writes them
//!   ([`write::Encoder`]), DUMP payloads ([`write::Encoder::dump`]), and whole files
//!   streamed to a [`write::Sink`] entry by entry ([`write::Writer`]); several shards can
//!   encode into their own buffers with an [`write::Encoder`] each and hand the bytes to
//!   one writer ([`write::Writer::raw`]).
//! * [`read`]: loads every encoding Redis 7.0 writes or still accepts, from a slice (RESTORE)
//!   or an incremental [`read::Source`] (a file), calling back for each key. Values get the
//!   encoding Anax would choose under the current [`Thresholds`].
//! * [`packed`]: the packed blobs inside RDB values: listpacks (written and read), intsets
//!   (written and read), ziplists and zipmaps (read).
//! * [`lzf`] and [`crc64`]: Redis's string compression and checksum.
//!
//! Untrusted input never panics and never allocates by a declared length: strings grow as
//! their bytes arrive, element counts are never used to reserve memory, and every length
//! inside a packed blob is checked against the blob.

pub mod crc64;
pub mod lzf;
pub mod packed;
pub mod read;
pub mod write;

#[cfg(test)]
mod tests;

use alloc::string::String;
use core::fmt;

/// The RDB version Anax writes (Redis 7.0's), and the newest it reads.
pub const RDB_VERSION: u16 = 10;

/// Value types (the byte before a key).
pub mod ty {
    /// A string.
    pub const STRING: u8 = 0;
    /// A list of strings (linked list, before 3.2).
    pub const LIST: u8 = 1;
    /// A set of strings.
    pub const SET: u8 = 2;
    /// A sorted set with scores as strings.
    pub const ZSET: u8 = 3;
    /// A hash of field/value strings.
    pub const HASH: u8 = 4;
    /// A sorted set with binary double scores.
    pub const ZSET_2: u8 = 5;
    /// A module value (pre-GA format).
    pub const MODULE: u8 = 6;
    /// A module value.
    pub const MODULE_2: u8 = 7;
    /// A hash as a zipmap (before 2.6).
    pub const HASH_ZIPMAP: u8 = 9;
    /// A list as one ziplist (before 3.2).
    pub const LIST_ZIPLIST: u8 = 10;
    /// A set as an intset.
    pub const SET_INTSET: u8 = 11;
    /// A sorted set as a ziplist (before 7.0).
    pub const ZSET_ZIPLIST: u8 = 12;
    /// A hash as a ziplist (before 7.0).
    pub const HASH_ZIPLIST: u8 = 13;
    /// A list as a quicklist of ziplists (3.2 to 6.2).
    pub const LIST_QUICKLIST: u8 = 14;
    /// A stream.
    pub const STREAM_LISTPACKS: u8 = 15;
    /// A hash as a listpack.
    pub const HASH_LISTPACK: u8 = 16;
    /// A sorted set as a listpack.
    pub const ZSET_LISTPACK: u8 = 17;
    /// A list as a quicklist of listpacks and plain nodes (7.0).
    pub const LIST_QUICKLIST_2: u8 = 18;
    /// A stream (7.0 format).
    pub const STREAM_LISTPACKS_2: u8 = 19;
}

/// Opcodes between keys.
pub mod op {
    /// Functions library (7.0).
    pub const FUNCTION2: u8 = 245;
    /// Functions library (7.0 release candidates).
    pub const FUNCTION: u8 = 246;
    /// Module auxiliary data.
    pub const MODULE_AUX: u8 = 247;
    /// LRU idle time of the next key.
    pub const IDLE: u8 = 248;
    /// LFU frequency of the next key.
    pub const FREQ: u8 = 249;
    /// An auxiliary field (name, value).
    pub const AUX: u8 = 250;
    /// Hash table size hints of the selected database.
    pub const RESIZEDB: u8 = 251;
    /// Expiry of the next key, Unix milliseconds.
    pub const EXPIRETIME_MS: u8 = 252;
    /// Expiry of the next key, Unix seconds.
    pub const EXPIRETIME: u8 = 253;
    /// Selects a database.
    pub const SELECTDB: u8 = 254;
    /// End of the data; the checksum follows.
    pub const EOF: u8 = 255;
}

/// `quicklist` node containers of [`ty::LIST_QUICKLIST_2`].
pub mod container {
    /// One element stored as is.
    pub const PLAIN: u64 = 1;
    /// A listpack of elements.
    pub const PACKED: u64 = 2;
}

/// The encoding thresholds a loaded value is built under (`hash-max-listpack-entries` and
/// friends), so that it gets the encoding Anax would give it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Thresholds {
    /// `hash-max-listpack-entries`.
    pub hash_max_listpack_entries: u64,
    /// `hash-max-listpack-value`.
    pub hash_max_listpack_value: u64,
    /// `list-max-listpack-size`.
    pub list_max_listpack_size: i64,
    /// `set-max-intset-entries`.
    pub set_max_intset_entries: u64,
    /// `zset-max-listpack-entries`.
    pub zset_max_listpack_entries: u64,
    /// `zset-max-listpack-value`.
    pub zset_max_listpack_value: u64,
}

impl Default for Thresholds {
    /// Redis 7.0's defaults.
    fn default() -> Self {
        Thresholds::from_config(&crate::Config::default())
    }
}

impl Thresholds {
    /// The thresholds of `config`.
    pub fn from_config(config: &crate::Config) -> Self {
        Thresholds {
            hash_max_listpack_entries: config.hash_max_listpack_entries,
            hash_max_listpack_value: config.hash_max_listpack_value,
            list_max_listpack_size: config.list_max_listpack_size,
            set_max_intset_entries: config.set_max_intset_entries,
            zset_max_listpack_entries: config.zset_max_listpack_entries,
            zset_max_listpack_value: config.zset_max_listpack_value,
        }
    }
}

/// Why RDB data could not be read or written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// The data ended in the middle of something.
    Truncated,
    /// The data is malformed; the text says how.
    Corrupt(String),
    /// Valid RDB content that Anax does not load (modules, streams, functions).
    Unsupported(&'static str),
    /// A collection with no element (Redis skips such keys when loading a file, and RESTORE
    /// refuses them).
    EmptyKey,
    /// The file does not start with `REDIS`.
    NotRdb,
    /// An RDB version outside 1..=10.
    Version(u32),
    /// The checksum at the end does not match the data.
    Checksum {
        /// The checksum in the file.
        stored: u64,
        /// The checksum of the data.
        computed: u64,
    },
    /// A SELECTDB index at or beyond the number of databases.
    DbIndex(u64),
    /// The host's source or sink failed.
    Io(String),
}

impl Error {
    /// A [`Error::Corrupt`] with text `what`.
    pub fn corrupt(what: impl Into<String>) -> Error {
        Error::Corrupt(what.into())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Truncated => f.write_str("unexpected end of RDB data"),
            Error::Corrupt(what) => write!(f, "corrupt RDB data: {what}"),
            Error::Unsupported(what) => write!(f, "unsupported RDB content: {what}"),
            Error::EmptyKey => f.write_str("empty collection in RDB data"),
            Error::NotRdb => f.write_str("wrong signature: not an RDB file"),
            Error::Version(v) => write!(
                f,
                "can't handle RDB format version {v} (Anax reads versions 1 to {RDB_VERSION})"
            ),
            Error::Checksum { stored, computed } => write!(
                f,
                "wrong RDB checksum: stored {stored:016x}, computed {computed:016x}"
            ),
            Error::DbIndex(n) => write!(f, "database index {n} out of range"),
            Error::Io(e) => write!(f, "I/O error: {e}"),
        }
    }
}

/// A length as Redis's `rdbSaveLen` writes it.
pub(crate) fn put_len(out: &mut alloc::vec::Vec<u8>, n: u64) {
    if n < 1 << 6 {
        out.push(n as u8);
    } else if n < 1 << 14 {
        out.push(0x40 | (n >> 8) as u8);
        out.push(n as u8);
    } else if n <= u32::MAX as u64 {
        out.push(0x80);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    } else {
        out.push(0x81);
        out.extend_from_slice(&n.to_be_bytes());
    }
}
