#![allow(clippy::unwrap_used)]
//! Lazy chunked arrays agree with eager computation.

use xr::array::kernels::{self, BinaryOp, ReduceParams, Reduction, UnaryOp};
use xr::array::lazy::LazyArray;
use xr::NdArray;

fn close(a: &NdArray, b: &NdArray, rel: f64) {
    assert_eq!(a.shape(), b.shape());
    let (x, y) = (a.to_f64_vec().unwrap(), b.to_f64_vec().unwrap());
    for (i, (p, q)) in x.iter().zip(&y).enumerate() {
        let ok = (p.is_nan() && q.is_nan()) || (p - q).abs() <= rel * p.abs().max(q.abs()).max(1e-300);
        assert!(ok, "element {i}: {p} vs {q}");
    }
}

fn p() -> ReduceParams {
    ReduceParams::new(None, 0)
}

#[test]
fn seed_example_one_small() {
    // (x + x.T - x.mean(axis 0)).std()
    let x = LazyArray::random(&[60, 60], &[16, 16], 7).unwrap();
    let lazy = x
        .binary(&x.t(), BinaryOp::Add)
        .unwrap()
        .binary(&x.reduce(&[0], Reduction::Mean, p()).unwrap(), BinaryOp::Sub)
        .unwrap()
        .reduce(&[0, 1], Reduction::Std, p())
        .unwrap();
    let got = lazy.compute().unwrap();
    let xe = x.compute().unwrap();
    let e = kernels::binary(&xe, &xe.t(), BinaryOp::Add).unwrap();
    let e = kernels::binary(&e, &kernels::reduce(&xe, &[0], Reduction::Mean, p()).unwrap(), BinaryOp::Sub).unwrap();
    let e = kernels::reduce(&e, &[0, 1], Reduction::Std, p()).unwrap();
    close(&got, &e, 1e-12);
}

#[test]
fn seed_example_two_small() {
    // (x.dot(x.T + 1) - x.mean()).std()
    let x = LazyArray::random(&[50, 50], &[16, 16], 3).unwrap();
    let one = NdArray::from(vec![1.0]).reshape(&[]).unwrap();
    let lazy = x
        .dot(&x.t().binary_array(&one, BinaryOp::Add, false).unwrap())
        .unwrap()
        .binary(&x.reduce(&[0, 1], Reduction::Mean, p()).unwrap(), BinaryOp::Sub)
        .unwrap()
        .reduce(&[0, 1], Reduction::Std, p())
        .unwrap();
    let got = lazy.compute().unwrap();
    let xe = x.compute().unwrap();
    let b = kernels::binary(&xe.t(), &one, BinaryOp::Add).unwrap();
    let d = xr::array::linalg::tensordot(&xe, &b, &[1], &[0]).unwrap();
    let e = kernels::binary(&d, &kernels::reduce(&xe, &[0, 1], Reduction::Mean, p()).unwrap(), BinaryOp::Sub).unwrap();
    let e = kernels::reduce(&e, &[0, 1], Reduction::Std, p()).unwrap();
    close(&got, &e, 1e-10);
}

#[test]
fn slices_takes_concat_and_unary_fuse() {
    let base = NdArray::from((0..120).map(f64::from).collect::<Vec<_>>()).reshape(&[10, 12]).unwrap();
    let x = LazyArray::from_array(base.clone(), &[3, 5]).unwrap();
    let l = x
        .slice_axis(1, 1, 11, 3)
        .unwrap()
        .take(0, &[9, 0, 4, 4])
        .unwrap()
        .unary(UnaryOp::Sqrt)
        .unwrap();
    let e = base.slice_axis(1, 1, 11, 3).unwrap().take(0, &[9, 0, 4, 4]).unwrap();
    let e = kernels::unary(&e, UnaryOp::Sqrt).unwrap();
    close(&l.compute().unwrap(), &e, 0.0);
    let c = LazyArray::concatenate(0, &[x.clone(), x.slice_axis(0, 2, 5, 1).unwrap()]).unwrap();
    let ce = NdArray::concatenate(0, &[base.clone(), base.slice_axis(0, 2, 5, 1).unwrap()]).unwrap();
    close(&c.rechunk(&[4, 7]).unwrap().compute().unwrap(), &ce, 0.0);
}
