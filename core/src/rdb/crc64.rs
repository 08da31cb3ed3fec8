//! CRC-64 as Redis computes it for RDB files and DUMP payloads (`crc64.c`: the Jones
//! polynomial 0xad93d23594c935a9, reflected, initial value 0, no final xor), through the
//! `crc` crate's `CRC_64_REDIS` with a slice-by-16 table (32 KB, built at compile time).

use crc::{Crc, Digest, Table, CRC_64_REDIS};

static CRC: Crc<u64, Table<16>> = Crc::<u64, Table<16>>::new(&CRC_64_REDIS);

/// The CRC-64 of `bytes`.
pub fn crc64(bytes: &[u8]) -> u64 {
    CRC.checksum(bytes)
}

/// A running CRC-64, fed piece by piece.
#[derive(Clone)]
pub struct Crc64(Digest<'static, u64, Table<16>>);

impl Default for Crc64 {
    fn default() -> Self {
        Crc64::new()
    }
}

impl core::fmt::Debug for Crc64 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Crc64({:016x})", self.value())
    }
}

impl Crc64 {
    /// The CRC of nothing.
    pub fn new() -> Self {
        Crc64(CRC.digest())
    }

    /// Adds `bytes`.
    #[inline]
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes)
    }

    /// The CRC of everything added so far.
    pub fn value(&self) -> u64 {
        self.0.clone().finalize()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redis_test_vectors() {
        // crc64.c's own self-test.
        assert_eq!(crc64(b"123456789"), 0xe9c6d914c4b8d9ca);
        assert_eq!(crc64(b""), 0);
    }

    #[test]
    fn incremental_equals_whole() {
        let data: alloc::vec::Vec<u8> = (0..1000u32).map(|i| (i * 7 + 3) as u8).collect();
        for cut in [0, 1, 7, 500, 999, 1000] {
            let mut c = Crc64::new();
            c.update(&data[..cut]);
            c.update(&data[cut..]);
            assert_eq!(c.value(), crc64(&data));
        }
    }

    #[test]
    fn dump_payload_of_redis() {
        // DUMP of the string "hello" from redis-server 7.0: type 0, "hello", version 10, CRC.
        let p = b"\x00\x05hello\n\x00cr\xdfve4 \n";
        let crc = u64::from_le_bytes(p[p.len() - 8..].try_into().unwrap());
        assert_eq!(crc64(&p[..p.len() - 8]), crc);
    }
}
