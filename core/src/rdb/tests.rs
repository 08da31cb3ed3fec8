//! Round trips of every type and encoding, Redis's own bytes, legacy encodings, whole
//! files, and malformed input of every kind (none may panic).

use super::read::{load, load_dump_payload, verify_dump_payload, LoadOptions, Loaded, Summary};
use super::write::{Aux, Encoder, Writer};
use super::*;
use crate::types::hash::Hash;
use crate::types::list::List;
use crate::types::set::Set;
use crate::types::zset::ZSet;
use crate::value::Value;
use alloc::boxed::Box;
use alloc::format;
use alloc::vec;
use alloc::vec::Vec;

fn th() -> Thresholds {
    Thresholds::default()
}

fn list(items: &[&[u8]]) -> Value {
    let mut l = List::new(-2);
    for i in items {
        l.push_back(i);
    }
    Value::List(Box::new(l))
}

fn hash(pairs: &[(&[u8], &[u8])]) -> Value {
    let mut h = Hash::new();
    for (f, v) in pairs {
        h.set(f, v, 128, 64);
    }
    Value::Hash(Box::new(h))
}

fn set(members: &[&[u8]]) -> Value {
    let mut s = Set::new();
    for m in members {
        s.add(m, 512);
    }
    Value::Set(Box::new(s))
}

fn zset(entries: &[(&[u8], f64)]) -> Value {
    let mut z = ZSet::new();
    for (m, s) in entries {
        z.add(m, *s, 128, 64);
    }
    Value::ZSet(Box::new(z))
}

fn numbered(n: usize, prefix: &str) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| format!("{prefix}{i}").into_bytes())
        .collect()
}

fn refs(v: &[Vec<u8>]) -> Vec<&[u8]> {
    v.iter().map(|x| x.as_slice()).collect()
}

/// A value of every type in every encoding, with the encoding it must keep.
fn samples() -> Vec<(&'static str, Value)> {
    let many = numbered(1000, "member:");
    let ints: Vec<Vec<u8>> = (0..600)
        .map(|i| format!("{}", i * 1000 - 7).into_bytes())
        .collect();
    let long = vec![b'x'; 100];
    let mut big_list = List::new(-2);
    for i in 0..5000 {
        big_list.push_back(format!("element number {i}").as_bytes());
        big_list.push_back(format!("{}", i * 12345).as_bytes());
    }
    assert!(big_list.node_count() > 1);
    let mut big_hash = Hash::new();
    for (i, f) in many.iter().enumerate() {
        big_hash.set(f, format!("{}", i).as_bytes(), 128, 64);
    }
    let mut big_zset = ZSet::new();
    for (i, m) in many.iter().enumerate() {
        big_zset.add(m, i as f64 * 0.5 - 100.0, 128, 64);
    }
    let mut wide = Set::new();
    for v in [1i64, -70000, 1 << 40] {
        wide.add(format!("{v}").as_bytes(), 512);
    }
    vec![
        ("int", Value::from_bytes(b"12345")),
        ("int", Value::from_bytes(b"-9223372036854775808")),
        ("int", Value::from_bytes(b"300")),
        ("embstr", Value::from_bytes(b"hello")),
        ("embstr", Value::from_bytes(b"")),
        ("embstr", Value::from_bytes(b"007")),
        ("raw", Value::from_bytes(&[b'a'; 100])),
        ("raw", Value::raw(b"appended".to_vec())),
        (
            "raw",
            Value::from_bytes(&(0..=255u8).collect::<Vec<_>>().repeat(40)),
        ),
        ("quicklist", list(&[b"a", b"b", b"c"])),
        (
            "quicklist",
            list(&[b"1", b"-5000", b"100000", b"9223372036854775807", &long]),
        ),
        ("quicklist", Value::List(Box::new(big_list))),
        (
            "listpack",
            hash(&[(b"f", b"v"), (b"n", b"42"), (b"neg", b"-1")]),
        ),
        ("hashtable", hash(&[(b"f", &long)])),
        ("hashtable", Value::Hash(Box::new(big_hash))),
        ("intset", set(&[b"1", b"2", b"3"])),
        ("intset", Value::Set(Box::new(wide))),
        ("hashtable", set(&refs(&ints))),
        ("hashtable", set(&[b"a", b"b", b"1"])),
        ("hashtable", set(&refs(&many))),
        (
            "listpack",
            zset(&[(b"a", 1.0), (b"b", 2.5), (b"c", f64::INFINITY)]),
        ),
        (
            "listpack",
            zset(&[(b"x", -0.1), (b"12", 1e300), (b"y", f64::NEG_INFINITY)]),
        ),
        ("skiplist", zset(&[(&long, 1.0)])),
        ("skiplist", Value::ZSet(Box::new(big_zset))),
    ]
}

fn assert_same(a: &Value, b: &Value) {
    if let Value::Raw(bytes) = a {
        // A modified string comes back as a fresh one (as in Redis).
        return assert_eq!(&Value::from_bytes(bytes), b);
    }
    assert_eq!(a.encoding(), b.encoding());
    match (a, b) {
        // Hash tables iterate in an order of their own: compare as sets of pairs.
        (Value::Hash(x), Value::Hash(y)) => {
            assert_eq!(x.len(), y.len());
            for (f, v) in x.iter() {
                assert_eq!(y.get(f), Some(v));
            }
        }
        (Value::Set(x), Value::Set(y)) => {
            assert_eq!(x.len(), y.len());
            for m in x.iter() {
                m.with_bytes(|m| assert!(y.contains(m)));
            }
        }
        _ => assert_eq!(a, b),
    }
}

#[test]
fn every_type_and_encoding_round_trips_through_dump() {
    let mut enc = Encoder::new(true);
    for (encoding, v) in samples() {
        assert_eq!(v.encoding(), encoding, "sample {v:?}");
        let p = enc.dump(&v);
        assert!(verify_dump_payload(&p));
        let back = load_dump_payload(&p, &th()).unwrap();
        assert_same(&v, &back);
        // Without compression too.
        let p = Encoder::new(false).dump(&v);
        let back = load_dump_payload(&p, &th()).unwrap();
        assert_same(&v, &back);
    }
}

#[test]
fn dump_bytes_equal_redis() {
    // DUMP replies of redis-server 7.0.15 for the same values.
    let cases: [(Value, &[u8]); 8] = [
        (Value::from_bytes(b"hello"), b"\x00\x05hello\n\x00cr\xdfve4 \n"),
        (Value::from_bytes(b"123"), b"\x00\xc0{\n\x00H\xe2S\xe1\x00zg\xb9"),
        (
            Value::from_bytes(b"12345678901"),
            b"\x00\x0b12345678901\n\x000NR\xd7'\x17e\x10",
        ),
        (
            list(&[b"a", b"b", b"c"]),
            b"\x12\x01\x02\x10\x10\x00\x00\x00\x03\x00\x81a\x02\x81b\x02\x81c\x02\xff\n\x00\xc8\x18\xb9\x0c\x953R\x9e",
        ),
        (
            hash(&[(b"f", b"v")]),
            b"\x10\r\r\x00\x00\x00\x02\x00\x81f\x02\x81v\x02\xff\n\x00 \xf1=D#T\x08\x9d",
        ),
        (
            set(&[b"1", b"2", b"3"]),
            b"\x0b\x0e\x02\x00\x00\x00\x03\x00\x00\x00\x01\x00\x02\x00\x03\x00\n\x00\xa5\x02\\\xe2mnM\x1b",
        ),
        (
            zset(&[(b"a", 1.0), (b"b", 2.5)]),
            b"\x11\x14\x14\x00\x00\x00\x04\x00\x81a\x02\x01\x01\x81b\x02\x832.5\x04\xff\n\x00\xd4Ln\xa4\xf6D\xd9\xd7",
        ),
        (
            Value::from_bytes(&[b'a'; 30]),
            b"\x00\xc3\t\x1e\x01aa\xe0\x11\x00\x01aa\n\x00Es|\xbb+d{\xbb",
        ),
    ];
    let mut enc = Encoder::new(true);
    for (v, want) in cases {
        assert_eq!(enc.dump(&v), want, "{v:?}");
    }
}

#[test]
fn strings_use_the_smallest_encoding() {
    let mut enc = Encoder::new(true);
    let mut out = Vec::new();
    for (s, want) in [
        (&b"0"[..], &b"\xc0\x00"[..]),
        (b"-128", b"\xc0\x80"),
        (b"-129", b"\xc1\x7f\xff"),
        (b"32767", b"\xc1\xff\x7f"),
        (b"32768", b"\xc2\x00\x80\x00\x00"),
        (b"-2147483648", b"\xc2\x00\x00\x00\x80"),
        (b"2147483648", b"\x0a2147483648"),
        (b"01", b"\x0201"),
        (b"-0", b"\x02-0"),
    ] {
        out.clear();
        enc.string(&mut out, s);
        assert_eq!(out, want, "{:?}", core::str::from_utf8(s));
    }
    // Lengths: 6-bit, 14-bit, 32-bit.
    for (n, head) in [
        (63usize, vec![63u8]),
        (64, vec![0x40, 64]),
        (16384, vec![0x80, 0, 0, 0x40, 0]),
    ] {
        out.clear();
        Encoder::new(false).string(&mut out, &vec![b'q'; n]);
        assert_eq!(&out[..head.len()], &head[..]);
        assert_eq!(out.len(), head.len() + n);
    }
}

fn value_bytes(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    Encoder::new(true).value(&mut out, v);
    out
}

fn read(bytes: &[u8]) -> Result<Value, Error> {
    load_dump_payload(bytes, &th())
}

fn rdb_string(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    put_len(&mut out, s.len() as u64);
    out.extend_from_slice(s);
    out
}

#[test]
fn legacy_encodings_load() {
    use super::packed::Elem;
    let zl = |items: &[Elem<'_>]| super::packed::tests::ziplist(items);
    // 1: a plain list.
    let mut b = vec![ty::LIST, 3];
    for s in [&b"a"[..], b"12", b"c"] {
        b.extend(rdb_string(s));
    }
    assert_eq!(read(&b).unwrap(), list(&[b"a", b"12", b"c"]));
    // 2: a set, int-encoded members included.
    let mut b = vec![ty::SET, 3, 0xc0, 5, 0xc1, 0x00, 0x10];
    b.extend(rdb_string(b"x"));
    assert_same(&read(&b).unwrap(), &set(&[b"5", b"4096", b"x"]));
    // 3: a sorted set with scores as text, inf and -inf.
    let mut b = vec![ty::ZSET, 3];
    b.extend(rdb_string(b"a"));
    b.extend(b"\x031.5");
    b.extend(rdb_string(b"b"));
    b.push(254);
    b.extend(rdb_string(b"c"));
    b.push(255);
    assert_eq!(
        read(&b).unwrap(),
        zset(&[
            (b"a", 1.5),
            (b"b", f64::INFINITY),
            (b"c", f64::NEG_INFINITY)
        ])
    );
    // 4: a hash.
    let mut b = vec![ty::HASH, 2];
    for s in [&b"f1"[..], b"v1", b"f2", b"22"] {
        b.extend(rdb_string(s));
    }
    assert_eq!(read(&b).unwrap(), hash(&[(b"f1", b"v1"), (b"f2", b"22")]));
    // 9: a zipmap.
    let mut b = vec![ty::HASH_ZIPMAP];
    b.extend(rdb_string(
        b"\x02\x03foo\x03\x00bar\x01k\x05\x02valuexx\xff",
    ));
    assert_eq!(
        read(&b).unwrap(),
        hash(&[(b"foo", b"bar"), (b"k", b"value")])
    );
    // 10: a list as one ziplist.
    let mut b = vec![ty::LIST_ZIPLIST];
    b.extend(rdb_string(&zl(&[
        Elem::Str(b"a"),
        Elem::Int(7),
        Elem::Int(-100000),
    ])));
    assert_eq!(read(&b).unwrap(), list(&[b"a", b"7", b"-100000"]));
    // 12: a sorted set as a ziplist (scores as integers and text).
    let mut b = vec![ty::ZSET_ZIPLIST];
    b.extend(rdb_string(&zl(&[
        Elem::Str(b"a"),
        Elem::Int(1),
        Elem::Int(42),
        Elem::Str(b"2.5"),
    ])));
    assert_eq!(read(&b).unwrap(), zset(&[(b"a", 1.0), (b"42", 2.5)]));
    // 13: a hash as a ziplist.
    let mut b = vec![ty::HASH_ZIPLIST];
    b.extend(rdb_string(&zl(&[Elem::Str(b"f"), Elem::Int(3)])));
    assert_eq!(read(&b).unwrap(), hash(&[(b"f", b"3")]));
    // 14: a quicklist of ziplists, an empty one skipped.
    let mut b = vec![ty::LIST_QUICKLIST, 3];
    b.extend(rdb_string(&zl(&[Elem::Str(b"a"), Elem::Str(b"b")])));
    b.extend(rdb_string(&zl(&[])));
    b.extend(rdb_string(&zl(&[Elem::Int(1)])));
    assert_eq!(read(&b).unwrap(), list(&[b"a", b"b", b"1"]));
    // 18: a quicklist 2 with a plain node between packed ones.
    let mut lp = super::packed::ListpackWriter::new();
    lp.push_bytes(b"x");
    let lp = lp.finish();
    let mut b = vec![ty::LIST_QUICKLIST_2, 3, 2];
    b.extend(rdb_string(&lp));
    b.push(1);
    b.extend(rdb_string(&[b'P'; 300]));
    b.push(2);
    b.extend(rdb_string(&lp));
    assert_eq!(read(&b).unwrap(), list(&[b"x", &[b'P'; 300], b"x"]));
    // Modules and streams are refused clearly.
    assert_eq!(
        read(&[ty::MODULE_2, 0]),
        Err(Error::Unsupported("module values"))
    );
    assert_eq!(
        read(&[ty::STREAM_LISTPACKS_2, 0]),
        Err(Error::Unsupported("stream values"))
    );
    assert!(matches!(read(&[8, 0]), Err(Error::Corrupt(_))));
    assert!(matches!(read(&[20, 0]), Err(Error::Corrupt(_))));
}

#[test]
fn loaded_values_follow_the_thresholds() {
    let small = Thresholds {
        hash_max_listpack_entries: 2,
        hash_max_listpack_value: 4,
        list_max_listpack_size: 2,
        set_max_intset_entries: 2,
        zset_max_listpack_entries: 2,
        zset_max_listpack_value: 4,
    };
    let h = hash(&[(b"a", b"1"), (b"b", b"2"), (b"c", b"3")]);
    assert_eq!(h.encoding(), "listpack");
    assert_eq!(
        load_dump_payload(&Encoder::new(true).dump(&h), &small)
            .unwrap()
            .encoding(),
        "hashtable"
    );
    let h = hash(&[(b"a", b"12345")]);
    assert_eq!(
        load_dump_payload(&Encoder::new(true).dump(&h), &small)
            .unwrap()
            .encoding(),
        "hashtable"
    );
    let s = set(&[b"1", b"2", b"3"]);
    assert_eq!(
        load_dump_payload(&Encoder::new(true).dump(&s), &small)
            .unwrap()
            .encoding(),
        "hashtable"
    );
    let z = zset(&[(b"a", 1.0), (b"b", 2.0), (b"c", 3.0)]);
    assert_eq!(
        load_dump_payload(&Encoder::new(true).dump(&z), &small)
            .unwrap()
            .encoding(),
        "skiplist"
    );
    let Value::List(l) = load_dump_payload(
        &Encoder::new(true).dump(&list(&[b"a", b"b", b"c", b"d", b"e"])),
        &small,
    )
    .unwrap() else {
        panic!("a list")
    };
    assert_eq!(l.node_count(), 3);
    // And the other way: a big encoding comes back small when it fits.
    let mut big = Hash::new();
    big.set(b"f", b"v", 128, 64);
    big.convert();
    let v = Value::Hash(Box::new(big));
    assert_eq!(v.encoding(), "hashtable");
    assert_eq!(
        read(&Encoder::new(true).dump(&v)).unwrap().encoding(),
        "listpack"
    );
}

#[test]
fn duplicates_nan_and_empty_collections_are_refused() {
    let mut b = vec![ty::SET, 2];
    b.extend(rdb_string(b"a"));
    b.extend(rdb_string(b"a"));
    assert!(matches!(read(&b), Err(Error::Corrupt(_))));
    let mut b = vec![ty::HASH, 2];
    for s in [&b"f"[..], b"1", b"f", b"2"] {
        b.extend(rdb_string(s));
    }
    assert!(matches!(read(&b), Err(Error::Corrupt(_))));
    let mut b = vec![ty::ZSET_2, 2];
    b.extend(rdb_string(b"m"));
    b.extend(1.0f64.to_le_bytes());
    b.extend(rdb_string(b"m"));
    b.extend(2.0f64.to_le_bytes());
    assert!(matches!(read(&b), Err(Error::Corrupt(_))));
    let mut b = vec![ty::ZSET_2, 1];
    b.extend(rdb_string(b"m"));
    b.extend(f64::NAN.to_le_bytes());
    assert!(matches!(read(&b), Err(Error::Corrupt(_))));
    let mut b = vec![ty::ZSET, 1];
    b.extend(rdb_string(b"m"));
    b.push(253);
    assert!(matches!(read(&b), Err(Error::Corrupt(_))));
    for t in [
        ty::LIST,
        ty::SET,
        ty::ZSET,
        ty::HASH,
        ty::ZSET_2,
        ty::LIST_QUICKLIST_2,
    ] {
        assert_eq!(read(&[t, 0]), Err(Error::EmptyKey));
    }
    let empty_lp = super::packed::ListpackWriter::new().finish();
    for t in [ty::HASH_LISTPACK, ty::ZSET_LISTPACK] {
        let mut b = vec![t];
        b.extend(rdb_string(&empty_lp));
        assert_eq!(read(&b), Err(Error::EmptyKey));
    }
    // A hash listpack with an odd number of elements.
    let mut lp = super::packed::ListpackWriter::new();
    lp.push_bytes(b"f");
    let mut b = vec![ty::HASH_LISTPACK];
    b.extend(rdb_string(&lp.finish()));
    assert!(matches!(read(&b), Err(Error::Corrupt(_))));
}

#[test]
fn payload_footer_checks() {
    let p = Encoder::new(true).dump(&Value::from_bytes(b"v"));
    assert!(verify_dump_payload(&p));
    for cut in 0..p.len() {
        assert!(!verify_dump_payload(&p[..cut]));
    }
    let mut bad = p.clone();
    let n = bad.len();
    bad[n - 1] ^= 1;
    assert!(!verify_dump_payload(&bad));
    // A newer RDB version is refused even with a correct checksum.
    let mut newer = p[..p.len() - 10].to_vec();
    newer.extend(11u16.to_le_bytes());
    let crc = super::crc64::crc64(&newer);
    newer.extend(crc.to_le_bytes());
    assert!(!verify_dump_payload(&newer));
    // An older one is fine.
    let mut older = p[..p.len() - 10].to_vec();
    older.extend(6u16.to_le_bytes());
    let crc = super::crc64::crc64(&older);
    older.extend(crc.to_le_bytes());
    assert!(verify_dump_payload(&older));
}

/// xorshift, for reproducible noise.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

#[test]
fn malformed_values_never_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for (_, v) in samples() {
        let good = value_bytes(&v);
        // Truncated anywhere: an error (a prefix is never a whole value of these).
        let step = (good.len() / 400).max(1);
        for cut in (0..good.len()).step_by(step) {
            assert!(read(&good[..cut]).is_err(), "{v:?} cut at {cut}");
        }
        // Random flips: any result but a panic.
        let flips = if good.len() > 5000 { 200 } else { 2000 };
        for _ in 0..flips {
            let mut bad = good.clone();
            for _ in 0..1 + rng.next() % 3 {
                let i = (rng.next() as usize) % bad.len();
                bad[i] ^= 1 << (rng.next() % 8);
            }
            let _ = read(&bad);
        }
    }
    // Random bytes after each type byte.
    for t in 0..=255u8 {
        for _ in 0..40 {
            let n = (rng.next() % 64) as usize;
            let mut b = vec![t];
            b.extend((0..n).map(|_| rng.next() as u8));
            let _ = read(&b);
        }
    }
    // Every bit of small payloads of each type.
    for v in [
        list(&[b"a", b"1", b"-300"]),
        hash(&[(b"f", b"v")]),
        set(&[b"1", b"70000"]),
        set(&[b"a", b"b"]),
        zset(&[(b"a", 1.0), (b"b", 2.5)]),
        Value::from_bytes(&[b'z'; 40]),
    ] {
        let good = value_bytes(&v);
        for i in 0..good.len() {
            for bit in 0..8 {
                let mut bad = good.clone();
                bad[i] ^= 1 << bit;
                let _ = read(&bad);
            }
        }
    }
}

#[test]
fn huge_declared_lengths_are_refused_without_allocating() {
    let cases: Vec<Vec<u8>> = vec![
        // A string of 2^62 bytes.
        [&[ty::STRING, 0x81][..], &(1u64 << 62).to_be_bytes()].concat(),
        // A string of 4 GB.
        vec![ty::STRING, 0x80, 0xff, 0xff, 0xff, 0xff, b'a'],
        // A list of 2^60 elements, then nothing.
        [&[ty::LIST, 0x81][..], &(1u64 << 60).to_be_bytes()].concat(),
        // An LZF string claiming 2^40 bytes from 3.
        [
            &[ty::STRING, 0xc3, 3, 0x81][..],
            &(1u64 << 40).to_be_bytes(),
            b"\x00ab",
        ]
        .concat(),
        // An LZF string whose compressed length is huge.
        [
            &[ty::STRING, 0xc3, 0x81][..],
            &(1u64 << 50).to_be_bytes(),
            &[0x81],
            &(1u64 << 52).to_be_bytes(),
        ]
        .concat(),
        // A listpack claiming more bytes than it has.
        [&[ty::HASH_LISTPACK, 7][..], b"\xff\xff\xff\x7f\x00\x00\xff"].concat(),
        // A quicklist of 2^60 nodes.
        [
            &[ty::LIST_QUICKLIST_2, 0x81][..],
            &(1u64 << 60).to_be_bytes(),
            &[2, 0],
        ]
        .concat(),
        // An intset claiming 2^32-1 members.
        [
            &[ty::SET_INTSET, 8][..],
            b"\x02\x00\x00\x00\xff\xff\xff\xff",
        ]
        .concat(),
        // An unknown length encoding.
        vec![ty::STRING, 0x82],
        vec![ty::STRING, 0xc4],
    ];
    for c in cases {
        assert!(read(&c).is_err(), "{c:?}");
        // And through the streaming reader, inside a file.
        let mut file = b"REDIS0010".to_vec();
        file.push(c[0]);
        file.extend(rdb_string(b"k"));
        file.extend(&c[1..]);
        let r = load(&mut &file[..], &opts(), |_| Ok(()));
        assert!(r.is_err(), "{c:?}");
    }
}

// ---------------------------------------------------------------------------------------
// Files

fn opts() -> LoadOptions {
    LoadOptions {
        thresholds: th(),
        databases: 16,
    }
}

fn aux() -> Aux<'static> {
    Aux {
        redis_ver: "7.0.15",
        ctime: 1_700_000_000,
        used_mem: 1 << 20,
        aof_base: false,
    }
}

fn load_all(file: &[u8]) -> Result<(Vec<Loaded>, Summary), Error> {
    let mut got = Vec::new();
    let s = load(&mut &file[..], &opts(), |l| {
        got.push(l);
        Ok(())
    })?;
    Ok((got, s))
}

/// A file with every sample in database 0, some with expiries, and one key in database 5.
/// A key as a file holds it: database, key, value, expiry.
type FileKey = (usize, Vec<u8>, Value, Option<i64>);

fn sample_file() -> (Vec<u8>, Vec<FileKey>) {
    let mut want = Vec::new();
    let mut w = Writer::new(Vec::new(), &aux(), true).unwrap();
    let s = samples();
    w.select_db(0, s.len() as u64, 2).unwrap();
    for (i, (_, v)) in s.into_iter().enumerate() {
        let key = format!("key:{i}").into_bytes();
        let exp = if i % 10 == 3 {
            Some(1_800_000_000_000 + i as i64)
        } else {
            None
        };
        w.entry(&key, &v, exp.unwrap_or(0) as u64).unwrap();
        want.push((0, key, v, exp));
    }
    w.select_db(5, 1, 0).unwrap();
    w.entry(b"12", &Value::from_bytes(b"in db 5"), 0).unwrap();
    want.push((5, b"12".to_vec(), Value::from_bytes(b"in db 5"), None));
    (w.finish().unwrap(), want)
}

#[test]
fn files_round_trip() {
    let (file, want) = sample_file();
    assert!(file.starts_with(b"REDIS0010\xfa\x09redis-ver\x067.0.15"));
    let (got, summary) = load_all(&file).unwrap();
    assert_eq!(got.len(), want.len());
    for (g, (db, key, value, exp)) in got.iter().zip(&want) {
        assert_eq!((g.db, &g.key, g.expire_ms), (*db, key, *exp));
        assert_same(value, &g.value);
    }
    assert_eq!(summary.version, 10);
    assert!(summary.checksum_checked);
    let names: Vec<&[u8]> = summary.aux.iter().map(|(k, _)| k.as_slice()).collect();
    assert_eq!(
        names,
        [
            &b"redis-ver"[..],
            b"redis-bits",
            b"ctime",
            b"used-mem",
            b"aof-base"
        ]
    );
    assert_eq!(summary.aux[2].1, b"1700000000");
}

#[test]
fn writer_streams_through_a_small_sink() {
    /// A sink that records the size of each write.
    struct Counting(Vec<u8>, Vec<usize>);
    impl write::Sink for Counting {
        fn write(&mut self, b: &[u8]) -> Result<(), Error> {
            self.0.extend_from_slice(b);
            self.1.push(b.len());
            Ok(())
        }
    }
    let mut w = Writer::new(Counting(Vec::new(), Vec::new()), &aux(), true).unwrap();
    w.select_db(0, 0, 0).unwrap();
    for i in 0..20000 {
        w.entry(
            format!("k{i}").as_bytes(),
            &Value::from_bytes(format!("value {i}").as_bytes()),
            0,
        )
        .unwrap();
    }
    // Bytes from an encoder of another shard.
    let mut other = Encoder::new(true);
    let mut chunk = Vec::new();
    other.select(&mut chunk, 1);
    other.entry(&mut chunk, b"other", &Value::from_bytes(b"shard"), 0);
    w.raw(&chunk).unwrap();
    let sink = w.finish().unwrap();
    assert!(sink.1.len() > 3, "written in pieces");
    assert!(sink.1.iter().all(|&n| n <= 2 * write::FLUSH_AT));
    let (got, _) = load_all(&sink.0).unwrap();
    assert_eq!(got.len(), 20001);
    assert_eq!((got[20000].db, &got[20000].key[..]), (1, &b"other"[..]));
}

#[test]
fn file_opcodes_and_checks() {
    let body = |ops: &[u8]| {
        let mut f = b"REDIS0009".to_vec();
        f.extend_from_slice(ops);
        f
    };
    let with_crc = |mut f: Vec<u8>| {
        let c = crc64::crc64(&f);
        f.extend(c.to_le_bytes());
        f
    };
    // AUX (unknown names too), SELECTDB, RESIZEDB, EXPIRETIME (seconds), FREQ, IDLE.
    let mut ops = vec![op::AUX];
    ops.extend(rdb_string(b"some-future-field"));
    ops.extend(rdb_string(b"x"));
    ops.extend([op::SELECTDB, 3, op::RESIZEDB, 2, 1]);
    ops.push(op::EXPIRETIME);
    ops.extend(1_900_000_000i32.to_le_bytes());
    ops.extend([op::FREQ, 7, op::IDLE, 0x40, 0x80, ty::STRING]);
    ops.extend(rdb_string(b"a"));
    ops.extend(rdb_string(b"1"));
    ops.extend([op::IDLE, 5, ty::STRING]);
    ops.extend(rdb_string(b"b"));
    ops.extend(rdb_string(b"2"));
    // An empty list: skipped.
    ops.extend([ty::LIST]);
    ops.extend(rdb_string(b"empty"));
    ops.push(0);
    ops.push(op::EOF);
    let file = with_crc(body(&ops));
    let (got, s) = load_all(&file).unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!((got[0].db, got[0].expire_ms), (3, Some(1_900_000_000_000)));
    assert_eq!((got[1].db, got[1].expire_ms), (3, None));
    assert_eq!(s.empty_keys_skipped, 1);
    assert!(s.checksum_checked);
    // A zero checksum is not checked; a wrong one is an error.
    let mut zero = body(&ops);
    zero.extend([0u8; 8]);
    assert!(!load_all(&zero).unwrap().1.checksum_checked);
    let mut wrong = file.clone();
    let n = wrong.len();
    wrong[n - 3] ^= 0x10;
    assert!(matches!(load_all(&wrong), Err(Error::Checksum { .. })));
    // Version 4 has no checksum at all.
    let mut v4 = file[..file.len() - 8].to_vec();
    v4[8] = b'4';
    assert!(!load_all(&v4).unwrap().1.checksum_checked);
    // Signature and versions.
    assert_eq!(load_all(b"RADIS0010\xff").err(), Some(Error::NotRdb));
    assert_eq!(load_all(b"REDIS0011\xff").err(), Some(Error::Version(11)));
    assert_eq!(load_all(b"REDIS0000\xff").err(), Some(Error::Version(0)));
    assert_eq!(load_all(b"REDIS").err(), Some(Error::Truncated));
    // Database out of range, module aux, functions, unknown opcode.
    assert_eq!(
        load_all(&body(&[op::SELECTDB, 16])).err(),
        Some(Error::DbIndex(16))
    );
    assert!(matches!(
        load_all(&body(&[op::MODULE_AUX])),
        Err(Error::Unsupported(_))
    ));
    assert!(matches!(
        load_all(&body(&[op::FUNCTION2])),
        Err(Error::Unsupported(_))
    ));
    assert!(matches!(load_all(&body(&[100])), Err(Error::Corrupt(_))));
    // The callback's error stops the load.
    let r = load(&mut &file[..], &opts(), |_| {
        Err(Error::Io("disk full".into()))
    });
    assert_eq!(r.err(), Some(Error::Io("disk full".into())));
}

#[test]
fn malformed_files_never_panic() {
    let (file, _) = sample_file();
    // Every truncation is an error.
    let step = (file.len() / 2000).max(1);
    for cut in (0..file.len()).step_by(step) {
        assert!(load_all(&file[..cut]).is_err(), "cut at {cut}");
    }
    for cut in file.len() - 20..file.len() {
        assert!(load_all(&file[..cut]).is_err(), "cut at {cut}");
    }
    // Flips are caught by the checksum at the latest, and never panic.
    let mut rng = Rng(12345);
    for _ in 0..300 {
        let mut bad = file.clone();
        let i = (rng.next() as usize) % bad.len();
        bad[i] ^= 1 << (rng.next() % 8);
        assert!(load_all(&bad).is_err());
    }
}

#[test]
fn a_source_that_returns_one_byte_at_a_time() {
    struct Trickle<'a>(&'a [u8]);
    impl read::Source for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
            if self.0.is_empty() || buf.is_empty() {
                return Ok(0);
            }
            buf[0] = self.0[0];
            self.0 = &self.0[1..];
            Ok(1)
        }
    }
    let (file, want) = sample_file();
    let mut n = 0;
    let s = load(&mut Trickle(&file), &opts(), |l| {
        assert_eq!(l.key, want[n].1);
        n += 1;
        Ok(())
    })
    .unwrap();
    assert!(s.checksum_checked);
    assert_eq!(n, want.len());
}
