//! A fused elementwise chain over a chunked array against a hand-written ndarray loop
//! over the same data (one pass, all cores, no intermediates).
//!
//! Run: `cargo bench --bench lazy_fused`. The target: the lazy chain within 1.5x
//! of the hand-written loop.

use criterion::{criterion_group, criterion_main, Criterion};
use ndarray::{Array2, Zip};
use xr::array::kernels::{BinaryOp, UnaryOp};
use xr::array::lazy::LazyArray;
use xr::NdArray;

const N: usize = 2048;

fn data() -> Array2<f64> {
    Array2::from_shape_fn((N, N), |(i, j)| {
        ((i * 31 + j * 17) % 1000) as f64 / 100.0 - 5.0
    })
}

/// `sqrt(abs(x * 2 + 1)) - x` as a lazy chain.
fn chain(x: &LazyArray) -> LazyArray {
    let two = NdArray::from_scalar(&2.0.into());
    let one = NdArray::from_scalar(&1.0.into());
    let step = |r: xr::Result<LazyArray>| r.unwrap_or_else(|e| panic!("bench chain: {e}"));
    let y = step(x.binary_array(&two, BinaryOp::Mul, false));
    let y = step(y.binary_array(&one, BinaryOp::Add, false));
    let y = step(y.unary(UnaryOp::Abs));
    let y = step(y.unary(UnaryOp::Sqrt));
    step(y.binary(x, BinaryOp::Sub))
}

fn bench(c: &mut Criterion) {
    let x = data();
    let mut g = c.benchmark_group("fused_chain_2048x2048_f64");
    g.sample_size(20);
    g.bench_function("hand_written_par_zip", |b| {
        b.iter(|| {
            let mut out = Array2::<f64>::zeros((N, N));
            Zip::from(&mut out)
                .and(&x)
                .par_for_each(|o, &v| *o = (v * 2.0 + 1.0).abs().sqrt() - v);
            out
        })
    });
    for chunk in [256, 512] {
        let lazy = LazyArray::from_array(NdArray::from(x.clone().into_dyn()), &[chunk, chunk])
            .unwrap_or_else(|e| panic!("{e}"));
        let expr = chain(&lazy);
        g.bench_function(format!("xr_lazy_chunks_{chunk}"), |b| {
            b.iter(|| expr.compute().unwrap_or_else(|e| panic!("{e}")))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
