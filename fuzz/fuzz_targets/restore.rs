//! Arbitrary RESTORE payloads through the in-process host: an error reply or OK, never a
//! panic; a payload that restores DUMPs again to a payload that restores to the same
//! value. Half of the inputs get a valid version and checksum footer, so the fuzzer
//! explores the value decoder rather than the checksum.
#![no_main]

use anax_core::rdb::crc64::crc64;
use anax_host_single::SingleHost;
use anax_protocol::Value;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&s, rest)) = data.split_first() else {
        return;
    };
    let mut payload = rest.to_vec();
    if s & 1 == 1 {
        payload.extend_from_slice(&10u16.to_le_bytes());
        let crc = crc64(&payload);
        payload.extend_from_slice(&crc.to_le_bytes());
    }
    let mut h = SingleHost::new();
    match h.run(&[b"RESTORE".as_slice(), b"k", b"0", &payload]) {
        Value::Error(_) => return,
        Value::Simple(ok) => assert_eq!(ok, b"OK"),
        other => panic!("RESTORE answered {other:?}"),
    }
    let Value::Bulk(dump) = h.run(&["DUMP", "k"]) else {
        panic!("a restored key has no DUMP");
    };
    assert_eq!(
        h.run(&[b"RESTORE".as_slice(), b"k2", b"0", &dump]),
        Value::Simple(b"OK".to_vec())
    );
    let again = h.run(&["DUMP", "k2"]);
    assert_eq!(again, Value::Bulk(dump), "DUMP of the round trip differs");
});
