//! Decoding CF time offsets: 10^7 values, integers and floats.
//!
//! `cargo bench --bench time_decode`

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use xr::time::{decode, Calendar, CfUnits};

const N: usize = 10_000_000;

fn bench_decode(c: &mut Criterion) {
    let ints: Vec<i64> = (0..N as i64).map(|i| i * 6 - 30_000_000).collect();
    let whole: Vec<f64> = (0..N).map(|i| i as f64 - 5e6).collect();
    let frac: Vec<f64> = (0..N).map(|i| i as f64 * 0.25 + 0.125).collect();
    let mut group = c.benchmark_group("time_decode");
    group.throughput(Throughput::Elements(N as u64));
    group.sample_size(20);
    group.bench_function("i64 hours noleap", |b| {
        b.iter(|| decode(black_box(&ints), "hours since 1850-01-01", Calendar::NoLeap))
    });
    let units = CfUnits::parse("hours since 1850-01-01", Calendar::NoLeap)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut out = Vec::with_capacity(N);
    group.bench_function("i64 hours noleap, reused buffer", |b| {
        b.iter(|| units.decode_into(black_box(&ints), &mut out))
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
    group.finish();
}

criterion_group!(benches, bench_decode);
criterion_main!(benches);
