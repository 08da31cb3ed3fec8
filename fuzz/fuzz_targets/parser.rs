//! Arbitrary bytes, fed in arbitrary pieces, never panic the request parser, and whatever it
//! accepts re-encodes to a request that parses back to the same arguments.
#![no_main]

use anax_protocol::value::encode_request;
use anax_protocol::{Parsed, RequestParser};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (split, bytes) = match data.split_first() {
        Some((s, rest)) => (*s as usize + 1, rest),
        None => return,
    };
    let mut parser = RequestParser::new();
    let mut buf = Vec::new();
    let mut pos = 0;
    for chunk in bytes.chunks(split) {
        buf.extend_from_slice(chunk);
        loop {
            match parser.parse(&buf[pos..]) {
                Ok(Parsed::Incomplete) => break,
                Ok(Parsed::Skip(n)) => pos += n,
                Ok(Parsed::Request(args, n)) => {
                    let owned: Vec<Vec<u8>> = args.iter().map(|a| a.to_vec()).collect();
                    pos += n;
                    let mut enc = Vec::new();
                    encode_request(&owned, &mut enc);
                    let mut p2 = RequestParser::new();
                    match p2.parse(&enc) {
                        Ok(Parsed::Request(again, m)) => {
                            assert_eq!(m, enc.len());
                            let again: Vec<Vec<u8>> = again.iter().map(|a| a.to_vec()).collect();
                            assert_eq!(again, owned);
                        }
                        _ => panic!("re-encoded request did not parse"),
                    }
                }
                Err(_) => return,
            }
        }
    }
});
