//! Arbitrary request bytes through the parser and the engine of the in-process host: no
//! panic, every reply well-formed RESP, and the same bytes on a fresh host give the same
//! replies (the engine is deterministic under the in-process host's virtual clock).
#![no_main]

use anax_host_single::SingleHost;
use anax_protocol::value::decode;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut h = SingleHost::new();
    let out = h.feed(data);
    assert!(
        out == SingleHost::new().feed(data),
        "a replay answered differently"
    );
    let mut pos = 0;
    while pos < out.len() {
        match decode(&out[pos..]) {
            Ok(Some((_, n))) => pos += n,
            other => panic!("malformed reply at {pos}: {other:?}"),
        }
    }
});
