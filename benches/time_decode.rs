//! Decoding CF time offsets on one core: 10^7 values, integers and floats.
//!
//! `cargo bench --bench time_decode`. Criterion prints each case's throughput
//! (`thrpt`, in Melem/s = millions of values per second); the target is more
//! than 50 M values/s. Decoding is a plain loop on the calling thread (no rayon), so
//! these are one-core figures: `perf stat -e task-clock` on the bench binary shows one
//! CPU used.
//!
//! The "reused buffer" cases decode into a buffer allocated once, as chunked reads do;
//! the others also pay for a fresh 80 MB output (page faults) every time.
//!
//! Measured 2026-11-27 on the shared machine (load 3 to 7), alternating with the code
//! before this change: fractional days 71 M/s (fresh output; before: 37 M/s), 142-144
//! M/s (reused buffer), whole days 81 M/s (before: 69 M/s). Instructions per fractional
//! value under `valgrind --tool=callgrind` (independent of load): 33, before 143.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use xr::time::{decode, Calendar, CfUnits};

const N: usize = 10_000_000;

fn units(text: &str, calendar: Calendar) -> CfUnits {
    CfUnits::parse(text, calendar).unwrap_or_else(|e| panic!("{e}"))
}

fn bench_decode(c: &mut Criterion) {
    let ints: Vec<i64> = (0..N as i64).map(|i| i * 6 - 30_000_000).collect();
    let whole: Vec<f64> = (0..N).map(|i| i as f64 - 5e6).collect();
    let frac: Vec<f64> = (0..N).map(|i| i as f64 * 0.25 + 0.125).collect();
    // Hourly values in days (i/24 is inexact in binary), as models write them.
    let hourly: Vec<f64> = (0..N).map(|i| i as f64 / 24.0 - 1e5).collect();
    let mut group = c.benchmark_group("time_decode");
    group.throughput(Throughput::Elements(N as u64));
    group.sample_size(20);
    group.bench_function("i64 hours noleap", |b| {
        b.iter(|| decode(black_box(&ints), "hours since 1850-01-01", Calendar::NoLeap))
    });
    let hours = units("hours since 1850-01-01", Calendar::NoLeap);
    let mut out = Vec::with_capacity(N);
    group.bench_function("i64 hours noleap, reused buffer", |b| {
        b.iter(|| hours.decode_into(black_box(&ints), &mut out))
    });
    group.bench_function("f64 whole days standard", |b| {
        b.iter(|| {
            decode(
                black_box(&whole),
                "days since 1850-01-01",
                Calendar::Standard,
            )
        })
    });
    group.bench_function("f64 fractional days 360_day", |b| {
        b.iter(|| decode(black_box(&frac), "days since 1850-01-01", Calendar::Day360))
    });
    let days = units("days since 1850-01-01", Calendar::Day360);
    group.bench_function("f64 fractional days 360_day, reused buffer", |b| {
        b.iter(|| days.decode_into(black_box(&frac), &mut out))
    });
    let days_std = units("days since 1850-01-01", Calendar::Standard);
    group.bench_function("f64 hourly days standard, reused buffer", |b| {
        b.iter(|| days_std.decode_into(black_box(&hourly), &mut out))
    });
    group.finish();
}

criterion_group!(benches, bench_decode);
criterion_main!(benches);
