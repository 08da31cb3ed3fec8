//! Shards and key routing.
//!
//! Every key belongs to exactly one shard, chosen by a fixed hash of the key or, when the key
//! has a non-empty `{hash tag}`, of the tag alone (as Redis Cluster does), so that keys a
//! user wants together land together. A shard holds one [`Db`] per logical database, the
//! intent locks of the transactions that touch it ([`LockTable`]) and its watched keys
//! ([`WatchTable`]). In the server a shard is owned by one thread and only that thread
//! touches it.

use crate::coord::block::BlockTable;
use crate::coord::lock::LockTable;
use crate::coord::watch::WatchTable;
use crate::db::Db;
use alloc::vec::Vec;
use core::hash::BuildHasher;

/// The part of `key` that decides its shard: the content of the first `{...}` when it is
/// non-empty, else the whole key.
#[inline]
pub fn hash_tag(key: &[u8]) -> &[u8] {
    if let Some(open) = key.iter().position(|&c| c == b'{') {
        if let Some(len) = key[open + 1..].iter().position(|&c| c == b'}') {
            if len > 0 {
                return &key[open + 1..open + 1 + len];
            }
        }
    }
    key
}

/// The shard that owns `key` among `n`.
#[inline]
pub fn shard_of(key: &[u8], n: usize) -> usize {
    if n <= 1 {
        return 0;
    }
    let h = foldhash::fast::FixedState::with_seed(0x616e_6178).hash_one(hash_tag(key));
    ((h as u128 * n as u128) >> 64) as usize
}

/// One shard: a database per logical DB index, its locks and its watched keys.
pub struct Shard {
    /// This shard's number.
    pub id: usize,
    /// The logical databases (16 by default).
    pub dbs: Vec<Db>,
    /// The intent locks of transactions on this shard's keys.
    pub locks: LockTable,
    /// Keys of this shard that connections WATCH.
    pub watches: WatchTable,
    /// Clients blocked on keys of this shard (BLPOP...).
    pub blocked: BlockTable,
}

impl Shard {
    /// A shard with `databases` empty databases.
    pub fn new(id: usize, databases: usize, seed: u64) -> Self {
        let dbs = (0..databases)
            .map(|i| Db::new(seed ^ ((id as u64) << 32) ^ i as u64))
            .collect();
        Shard {
            id,
            dbs,
            locks: LockTable::default(),
            watches: WatchTable::default(),
            blocked: BlockTable::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags() {
        assert_eq!(hash_tag(b"user:{42}:name"), b"42");
        assert_eq!(hash_tag(b"{}x"), b"{}x");
        assert_eq!(hash_tag(b"a{b"), b"a{b");
        assert_eq!(shard_of(b"{x}1", 8), shard_of(b"{x}2", 8));
    }

    #[test]
    fn spreads() {
        let mut counts = [0usize; 4];
        for i in 0..4000u32 {
            counts[shard_of(alloc::format!("key:{i}").as_bytes(), 4)] += 1;
        }
        assert!(counts.iter().all(|&c| c > 800), "{counts:?}");
    }
}
