//! Arbitrary bytes as an RDB file through the loader, read from a source that hands them
//! over in pieces of arbitrary sizes: an error or a summary, never a panic, a hang or a
//! huge allocation (libFuzzer's `-malloc_limit_mb` catches one). A file that loads is
//! written again with the writer and must load back to the same keys.
#![no_main]

use anax_core::rdb::read::{load, LoadOptions, Loaded, Source};
use anax_core::rdb::write::{Aux, Writer};
use anax_core::rdb::Error;
use anax_core::Config;
use libfuzzer_sys::fuzz_target;

/// Hands out the bytes `step` at a time.
struct Pieces<'a> {
    data: &'a [u8],
    step: usize,
}

impl Source for Pieces<'_> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        let n = buf.len().min(self.step).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

fn load_all(data: &[u8], step: usize, opts: &LoadOptions) -> Result<Vec<Loaded>, Error> {
    let mut keys = Vec::new();
    let mut src = Pieces { data, step };
    load(&mut src, opts, |k| {
        keys.push(k);
        Ok(())
    })?;
    Ok(keys)
}

fuzz_target!(|data: &[u8]| {
    let Some((&s, rest)) = data.split_first() else {
        return;
    };
    // Files start with the magic: give the fuzzer it for free half of the time.
    let mut file = Vec::new();
    if s & 0x80 != 0 {
        file.extend_from_slice(b"REDIS0010");
    }
    file.extend_from_slice(rest);
    let opts = LoadOptions::from_config(&Config::default());
    let step = (s & 0x7f) as usize + 1;
    let Ok(keys) = load_all(&file, step, &opts) else {
        return;
    };
    let aux = Aux {
        redis_ver: "7.0.15",
        ctime: 0,
        used_mem: 0,
        aof_base: false,
    };
    let mut w = Writer::new(Vec::new(), &aux, true).expect("writer");
    let mut db = usize::MAX;
    for k in &keys {
        if k.db != db {
            db = k.db;
            w.select_db(db as u64, 0, 0).expect("select");
        }
        let expire = k.expire_ms.map_or(0, |e| e.max(1) as u64);
        w.entry(&k.key, &k.value, expire).expect("entry");
    }
    let again = w.finish().expect("finish");
    let back = load_all(&again, 4096, &opts).expect("a file the writer wrote loads");
    assert_eq!(back.len(), keys.len());
    for (a, b) in keys.iter().zip(&back) {
        assert_eq!((a.db, &a.key), (b.db, &b.key));
        assert!(a.value == b.value, "value of {:?} changed", a.key);
    }
});
