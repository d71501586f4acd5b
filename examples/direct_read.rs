//! Cross-tool read benchmark, the Rust side (see bench/read/README.md).
//!
//! `cargo run --release --example direct_read -- VAR[,VAR...] FILE...` prints three
//! timings in seconds, best of `XR_BENCH_REPEAT` (default 3) runs, as `name seconds`
//! lines; with several variables (`tas,pr`) each timing covers all of them, their chunks
//! in one parallel pass:
//! - `direct`: open every file with `DirectChunkSource` and read every value of each
//!   variable (chunks decoded on all cores);
//! - `open_only`: opening every file (reading the chunk index through libhdf5), serially;
//! - `decompress_only`: the same chunks' bytes, read into memory beforehand, only
//!   inflated and unshuffled on all cores (no I/O, no byte order, no assembly).
#![allow(clippy::unwrap_used)]

use std::ops::Range;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::time::Instant;

use rayon::prelude::*;
use xr::io::chunks::{DirectChunkSource, StoredChunk};
use xr::lazy::ChunkSource;

fn best<F: FnMut() -> usize>(repeat: usize, mut f: F) -> (f64, usize) {
    let mut times = Vec::new();
    let mut n = 0;
    for _ in 0..repeat {
        let t = Instant::now();
        n = f();
        times.push(t.elapsed().as_secs_f64());
    }
    (times.iter().copied().fold(f64::INFINITY, f64::min), n)
}

/// mimalloc, not glibc's malloc: about 4% faster on the climatology bench (Cargo feature
/// `mimalloc`).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let mut args = std::env::args().skip(1);
    let vars = args
        .next()
        .expect("usage: direct_read VAR[,VAR...] FILE...");
    let files: Vec<PathBuf> = args.map(PathBuf::from).collect();
    // Every (file, variable) pair, files first: the units each timing goes through.
    let pairs: Vec<(&PathBuf, &str)> = files
        .iter()
        .flat_map(|f| vars.split(',').map(move |v| (f, v)))
        .collect();
    let repeat: usize = std::env::var("XR_BENCH_REPEAT")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);

    let read_all = || -> usize {
        pairs
            .par_iter()
            .map(|&(f, var)| {
                let src = DirectChunkSource::open(f, var).unwrap().unwrap();
                let full: Vec<Range<usize>> = src.shape().iter().map(|&n| 0..n).collect();
                src.read(&full).unwrap().len()
            })
            .sum()
    };

    // Opening alone: the chunk index through libhdf5, under its lock.
    let (open, _) = best(repeat, || {
        pairs
            .iter()
            .map(|&(f, var)| {
                DirectChunkSource::open(f, var)
                    .unwrap()
                    .unwrap()
                    .manifest()
                    .len()
            })
            .sum()
    });

    // Every chunk's stored bytes, in memory.
    let sources: Vec<DirectChunkSource> = pairs
        .iter()
        .map(|&(f, var)| DirectChunkSource::open(f, var).unwrap().unwrap())
        .collect();
    let stored: Vec<(usize, StoredChunk, Vec<u8>)> = sources
        .iter()
        .enumerate()
        .flat_map(|(i, src)| {
            let file = std::fs::File::open(pairs[i].0).unwrap();
            src.manifest()
                .into_iter()
                .map(|c| {
                    let mut buf = vec![0u8; c.size as usize];
                    file.read_exact_at(&mut buf, c.offset).unwrap();
                    (i, c, buf)
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let decompress_all = || -> usize {
        stored
            .par_iter()
            .map(|(i, c, b)| sources[*i].unfilter(c, b).unwrap().len())
            .sum()
    };

    // (a) and (c) alternate, so that other load on the machine hits both alike.
    let (mut direct, mut decompress) = (f64::INFINITY, f64::INFINITY);
    let (mut values, mut bytes) = (0, 0);
    for _ in 0..repeat {
        let (t, n) = best(1, read_all);
        direct = direct.min(t);
        values = n;
        let (t, n) = best(1, decompress_all);
        decompress = decompress.min(t);
        bytes = n;
    }

    println!("variables {vars}");
    println!("values {values}");
    println!("decoded_bytes {bytes}");
    println!("threads {}", rayon::current_num_threads());
    println!("open_only {open:.4}");
    println!("direct {direct:.4}");
    println!("decompress_only {decompress:.4}");
}
