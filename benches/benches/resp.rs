//! RESP: the request parser on single requests, pipelines and a 1 MiB bulk, and the reply
//! encoder. Throughput in requests (replies) per second and bytes per second. See the crate
//! docs.

use anax_benches::request;
use anax_protocol::{Parsed, Proto, Reply, RequestParser};
use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion, Throughput,
};
use std::hint::black_box;

/// The size of one read when a large request arrives in pieces.
const READ: usize = 16 * 1024;

/// `n` copies of `SET key value`, back to back.
fn pipeline(n: usize) -> Vec<u8> {
    request(&["SET", "key", "value"]).repeat(n)
}

/// Parses every request in `buf` (which holds whole requests only); returns how many there
/// were and their argument count, summed.
#[inline]
fn parse_all(p: &mut RequestParser, buf: &[u8]) -> (usize, usize) {
    let (mut pos, mut reqs, mut args) = (0, 0, 0);
    while pos < buf.len() {
        match p.parse(&buf[pos..]) {
            Ok(Parsed::Request(a, n)) => {
                args += black_box(a.get(a.len() - 1)).len();
                reqs += 1;
                pos += n;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    (reqs, args)
}

/// Parses `buf`, one request, as it grows by [`READ`] bytes at a time (the parser is asked
/// after every read, as a server does).
#[inline]
fn parse_in_reads(p: &mut RequestParser, buf: &[u8]) -> usize {
    let mut end = READ.min(buf.len());
    loop {
        match p.parse(&buf[..end]) {
            Ok(Parsed::Incomplete) => end = (end + READ).min(buf.len()),
            Ok(Parsed::Request(a, n)) => return n + a.len(),
            other => panic!("unexpected {other:?}"),
        }
    }
}

fn parse(c: &mut Criterion) {
    let mut g = c.benchmark_group("parse");
    let mut p = RequestParser::new();

    let mut cases: Vec<(String, usize, Vec<u8>)> =
        vec![("set".into(), 1, request(&["SET", "key", "value"]))];
    for n in [16, 1000] {
        cases.push((format!("pipeline_set/{n}"), n, pipeline(n)));
    }
    cases.push(("inline_set".into(), 1, b"SET key value\r\n".to_vec()));
    let big = vec![b'x'; 1 << 20];
    cases.push(("set_1MiB".into(), 1, request(&[&b"SET"[..], b"key", &big])));

    for (name, reqs, buf) in &cases {
        g.throughput(Throughput::ElementsAndBytes {
            elements: *reqs as u64,
            bytes: buf.len() as u64,
        });
        g.bench_with_input(BenchmarkId::from_parameter(name), buf, |b, buf| {
            b.iter(|| parse_all(&mut p, buf))
        });
    }

    let buf = &cases.last().expect("the 1 MiB case").2;
    g.throughput(Throughput::ElementsAndBytes {
        elements: 1,
        bytes: buf.len() as u64,
    });
    g.bench_with_input(
        BenchmarkId::from_parameter("set_1MiB_in_16KiB_reads"),
        buf,
        |b, buf| b.iter(|| parse_in_reads(&mut p, buf)),
    );
    g.finish();
}

/// Times writing one reply with `write` into a cleared, reused output buffer.
fn encode_case(
    g: &mut BenchmarkGroup<'_, WallTime>,
    out: &mut Vec<u8>,
    name: &str,
    write: impl Fn(&mut Reply<'_>),
) {
    out.clear();
    write(&mut Reply::new(out, Proto::Resp2));
    g.throughput(Throughput::ElementsAndBytes {
        elements: 1,
        bytes: out.len() as u64,
    });
    g.bench_function(name, |b| {
        b.iter(|| {
            out.clear();
            write(&mut Reply::new(out, Proto::Resp2));
            black_box(out.len())
        })
    });
}

fn encode(c: &mut Criterion) {
    let mut g = c.benchmark_group("encode");
    let mut out = Vec::with_capacity(4096);
    let value = black_box(b"value:0123456789"); // 16 bytes
    encode_case(&mut g, &mut out, "bulk_16B", |r| r.bulk(value));
    encode_case(&mut g, &mut out, "int", |r| r.int(black_box(1_234_567)));
    encode_case(&mut g, &mut out, "array_100_bulk_16B", |r| {
        r.array(100);
        for _ in 0..100 {
            r.bulk(value);
        }
    });
    g.finish();
}

criterion_group!(benches, parse, encode);
criterion_main!(benches);
