#![allow(clippy::unwrap_used)]
//! Lazy chunked arrays agree with eager computation.

use xr::array::kernels::{self, BinaryOp, ReduceParams, Reduction, UnaryOp};
use xr::lazy::LazyArray;
use xr::NdArray;

/// Equal within `rel` relative, or within 1e-9 absolute for results that cancel to
/// about zero (sums of deviations), where the summation order alone sets the digits.
fn close(a: &NdArray, b: &NdArray, rel: f64) {
    assert_eq!(a.shape(), b.shape());
    let (x, y) = (a.to_f64_vec().unwrap(), b.to_f64_vec().unwrap());
    for (i, (p, q)) in x.iter().zip(&y).enumerate() {
        let tol = (rel * p.abs().max(q.abs())).max(1e-9);
        let ok = (p.is_nan() && q.is_nan()) || (p - q).abs() <= tol;
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
        .binary(
            &x.reduce(&[0], Reduction::Mean, p()).unwrap(),
            BinaryOp::Sub,
        )
        .unwrap()
        .reduce(&[0, 1], Reduction::Std, p())
        .unwrap();
    let got = lazy.compute().unwrap();
    let xe = x.compute().unwrap();
    let e = kernels::binary(&xe, &xe.t(), BinaryOp::Add).unwrap();
    let e = kernels::binary(
        &e,
        &kernels::reduce(&xe, &[0], Reduction::Mean, p()).unwrap(),
        BinaryOp::Sub,
    )
    .unwrap();
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
        .binary(
            &x.reduce(&[0, 1], Reduction::Mean, p()).unwrap(),
            BinaryOp::Sub,
        )
        .unwrap()
        .reduce(&[0, 1], Reduction::Std, p())
        .unwrap();
    let got = lazy.compute().unwrap();
    let xe = x.compute().unwrap();
    let b = kernels::binary(&xe.t(), &one, BinaryOp::Add).unwrap();
    let d = xr::array::linalg::tensordot(&xe, &b, &[1], &[0]).unwrap();
    let e = kernels::binary(
        &d,
        &kernels::reduce(&xe, &[0, 1], Reduction::Mean, p()).unwrap(),
        BinaryOp::Sub,
    )
    .unwrap();
    let e = kernels::reduce(&e, &[0, 1], Reduction::Std, p()).unwrap();
    close(&got, &e, 1e-10);
}

#[test]
fn slices_takes_concat_and_unary_fuse() {
    let base = NdArray::from((0..120).map(f64::from).collect::<Vec<_>>())
        .reshape(&[10, 12])
        .unwrap();
    let x = LazyArray::from_array(base.clone(), &[3, 5]).unwrap();
    let l = x
        .slice_axis(1, 1, 11, 3)
        .unwrap()
        .take(0, &[9, 0, 4, 4])
        .unwrap()
        .unary(UnaryOp::Sqrt)
        .unwrap();
    let e = base
        .slice_axis(1, 1, 11, 3)
        .unwrap()
        .take(0, &[9, 0, 4, 4])
        .unwrap();
    let e = kernels::unary(&e, UnaryOp::Sqrt).unwrap();
    close(&l.compute().unwrap(), &e, 0.0);
    let c = LazyArray::concatenate(0, &[x.clone(), x.slice_axis(0, 2, 5, 1).unwrap()]).unwrap();
    let ce =
        NdArray::concatenate(0, &[base.clone(), base.slice_axis(0, 2, 5, 1).unwrap()]).unwrap();
    close(&c.rechunk(&[4, 7]).unwrap().compute().unwrap(), &ce, 0.0);
}

mod property {
    use super::*;
    use proptest::prelude::*;

    /// One step of an operation chain, applied the same way to lazy and eager arrays.
    #[derive(Debug, Clone)]
    enum Step {
        AddScalar(f64),
        MulSelfReversed,
        Slice {
            axis: usize,
            start: usize,
            step: usize,
        },
        Take {
            axis: usize,
            seed: u64,
        },
        Abs,
        Reduce {
            axes_mask: u8,
            op: usize,
            skipna: bool,
        },
        SubMeanOver(usize),
    }

    const OPS: [Reduction; 7] = [
        Reduction::Sum,
        Reduction::Mean,
        Reduction::Std,
        Reduction::Var,
        Reduction::Min,
        Reduction::Max,
        Reduction::Count,
    ];

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            (-3.0..3.0f64).prop_map(Step::AddScalar),
            Just(Step::MulSelfReversed),
            (0..3usize, 0..3usize, 1..3usize).prop_map(|(axis, start, step)| Step::Slice {
                axis,
                start,
                step
            }),
            (0..3usize, any::<u64>()).prop_map(|(axis, seed)| Step::Take { axis, seed }),
            Just(Step::Abs),
            (any::<u8>(), 0..OPS.len(), any::<bool>()).prop_map(|(axes_mask, op, skipna)| {
                Step::Reduce {
                    axes_mask,
                    op,
                    skipna,
                }
            }),
            (0..3usize).prop_map(Step::SubMeanOver),
        ]
    }

    /// Applies a step to both; `None` when the step does not fit the current shape.
    fn apply(s: &Step, l: &LazyArray, e: &NdArray) -> Option<(LazyArray, NdArray)> {
        let nd = e.ndim();
        Some(match *s {
            Step::AddScalar(v) => {
                let c = NdArray::from(vec![v]).reshape(&[]).unwrap();
                (
                    l.binary_array(&c, BinaryOp::Add, false).unwrap(),
                    kernels::binary(e, &c, BinaryOp::Add).unwrap(),
                )
            }
            Step::MulSelfReversed => {
                let rev: Vec<usize> = (0..e.shape().first().copied().unwrap_or(0)).rev().collect();
                if nd == 0 {
                    return None;
                }
                let (lr, er) = (l.take(0, &rev).unwrap(), e.take(0, &rev).unwrap());
                (
                    l.binary(&lr, BinaryOp::Mul).unwrap(),
                    kernels::binary(e, &er, BinaryOp::Mul).unwrap(),
                )
            }
            Step::Slice { axis, start, step } => {
                if axis >= nd || start >= e.shape()[axis] {
                    return None;
                }
                let n = e.shape()[axis];
                (
                    l.slice_axis(axis, start, n, step).unwrap(),
                    e.slice_axis(axis, start, n, step).unwrap(),
                )
            }
            Step::Take { axis, seed } => {
                if axis >= nd || e.shape()[axis] == 0 {
                    return None;
                }
                let n = e.shape()[axis];
                let idx: Vec<usize> = (0..n + 1)
                    .map(|i| ((seed >> (i % 32)) as usize + i * 7) % n)
                    .collect();
                (l.take(axis, &idx).unwrap(), e.take(axis, &idx).unwrap())
            }
            Step::Abs => (
                l.unary(UnaryOp::Abs).unwrap(),
                kernels::unary(e, UnaryOp::Abs).unwrap(),
            ),
            Step::Reduce {
                axes_mask,
                op,
                skipna,
            } => {
                let axes: Vec<usize> = (0..nd).filter(|a| axes_mask & (1 << a) != 0).collect();
                let params = ReduceParams::new(Some(skipna), 0);
                (
                    l.reduce(&axes, OPS[op], params).unwrap(),
                    kernels::reduce(e, &axes, OPS[op], params).unwrap(),
                )
            }
            Step::SubMeanOver(axis) => {
                if axis >= nd {
                    return None;
                }
                let lm = l
                    .reduce(&[axis], Reduction::Mean, p())
                    .unwrap()
                    .insert_axis(axis)
                    .unwrap();
                let em = kernels::reduce(e, &[axis], Reduction::Mean, p())
                    .unwrap()
                    .insert_axis(axis)
                    .unwrap();
                (
                    l.binary(&lm, BinaryOp::Sub).unwrap(),
                    kernels::binary(e, &em, BinaryOp::Sub).unwrap(),
                )
            }
        })
    }

    fn case() -> impl Strategy<Value = (Vec<usize>, Vec<usize>, Vec<f64>, Vec<Step>)> {
        prop::collection::vec(1..9usize, 1..4).prop_flat_map(|shape| {
            let n: usize = shape.iter().product();
            let chunks = shape.iter().map(|&s| 1..=s).collect::<Vec<_>>();
            let values =
                prop::collection::vec(prop_oneof![9 => -50.0..50.0f64, 1 => Just(f64::NAN)], n);
            (
                Just(shape),
                chunks,
                values,
                prop::collection::vec(step(), 1..5),
            )
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn chunking_never_changes_an_answer((shape, chunks, values, steps) in case()) {
            let e0 = NdArray::from_shape_vec(&shape, values).unwrap();
            let mut l = LazyArray::from_array(e0.clone(), &chunks).unwrap();
            let mut e = e0;
            for s in &steps {
                if let Some((nl, ne)) = apply(s, &l, &e) {
                    l = nl;
                    e = ne;
                }
            }
            let got = l.compute().unwrap();
            prop_assert_eq!(got.dtype(), e.dtype());
            close(&got, &e, 1e-12);
        }

        #[test]
        fn integer_chains_are_exact(shape in prop::collection::vec(1..7usize, 1..4), chunk in 1..4usize, seed in any::<i64>()) {
            let n: usize = shape.iter().product();
            let vals: Vec<i64> = (0..n as i64).map(|i| (i * 37 + seed % 1000) % 101 - 50).collect();
            let e = NdArray::from_shape_vec(&shape, vals).unwrap();
            let l = LazyArray::from_array(e.clone(), &vec![chunk; shape.len()]).unwrap();
            let two = NdArray::from(vec![2i64]).reshape(&[]).unwrap();
            let lz = l.binary(&l.t().t(), BinaryOp::Mul).unwrap().binary_array(&two, BinaryOp::Sub, false).unwrap();
            let ez = kernels::binary(&kernels::binary(&e, &e, BinaryOp::Mul).unwrap(), &two, BinaryOp::Sub).unwrap();
            for op in [Reduction::Sum, Reduction::Min, Reduction::Max, Reduction::Prod, Reduction::Count] {
                let axes: Vec<usize> = (0..shape.len()).step_by(2).collect();
                let got = lz.reduce(&axes, op, p()).unwrap().compute().unwrap();
                let want = kernels::reduce(&ez, &axes, op, p()).unwrap();
                prop_assert!(got.equals(&want), "{:?}: {:?} vs {:?}", op, got, want);
            }
        }
    }
}

#[test]
fn long_elementwise_chains_run_fused_tile_by_tile() {
    // Larger than one tile, with a repeated input, a broadcast row, a scalar, a cast and
    // an elementwise map: the fused one-pass path must agree with node-by-node eager.
    let (ny, nx) = (150, 190);
    let base = NdArray::from(
        (0..ny * nx)
            .map(|i| (i as f64 * 0.37).sin() * 10.0)
            .collect::<Vec<_>>(),
    )
    .reshape(&[ny, nx])
    .unwrap();
    let row = NdArray::from((0..nx).map(|i| i as f64 / 7.0).collect::<Vec<_>>())
        .reshape(&[1, nx])
        .unwrap();
    let half = NdArray::from(vec![0.5f32]).reshape(&[]).unwrap();
    let lx = LazyArray::from_array(base.clone(), &[64, 100]).unwrap();
    let lrow = LazyArray::from_array(row.clone(), &[1, 100]).unwrap();
    let lazy = lx
        .binary(&lrow, BinaryOp::Mul)
        .unwrap()
        .binary_array(&half, BinaryOp::Add, false)
        .unwrap()
        .unary(UnaryOp::Abs)
        .unwrap()
        .unary(UnaryOp::Sqrt)
        .unwrap()
        .binary(&lx, BinaryOp::Sub)
        .unwrap()
        .astype(xr::DType::F32)
        .unwrap()
        .map_elementwise(xr::DType::F32, |a| kernels::unary(a, UnaryOp::Neg));
    let e = kernels::binary(&base, &row, BinaryOp::Mul).unwrap();
    let e = kernels::binary(&e, &half, BinaryOp::Add).unwrap();
    let e = kernels::unary(&kernels::unary(&e, UnaryOp::Abs).unwrap(), UnaryOp::Sqrt).unwrap();
    let e = kernels::binary(&e, &base, BinaryOp::Sub)
        .unwrap()
        .astype(xr::DType::F32)
        .unwrap();
    let e = kernels::unary(&e, UnaryOp::Neg).unwrap();
    let got = lazy.rechunk(&[150, 190]).unwrap().compute().unwrap();
    assert_eq!(got.dtype(), xr::DType::F32);
    assert!(got.equals(&e));
    assert!(lazy.compute().unwrap().equals(&e));
}

/// Random float elementwise chains, large enough to run through the fused typed
/// programs tile by tile (several tiles, row pieces of blocks, in-place passes over
/// scratch tiles, constants on either side, folded constants), agree bit for bit (NaN
/// with NaN) with the eager kernels applied node by node.
mod fused_chains {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Tree {
        /// 0: `x`, 1: `y`, 2: a row broadcast along the first dim.
        Leaf(u8),
        Const(f64),
        Un(UnaryOp, Box<Tree>),
        Bin(BinaryOp, Box<Tree>, Box<Tree>),
    }

    fn tree() -> impl Strategy<Value = Tree> {
        let leaf = prop_oneof![
            4 => (0u8..3).prop_map(Tree::Leaf),
            1 => prop_oneof![
                Just(0.0),
                Just(-1.5),
                Just(2.0),
                Just(0.5),
                Just(f64::NAN),
                -100.0..100.0f64
            ]
            .prop_map(Tree::Const),
        ];
        leaf.prop_recursive(5, 24, 2, |inner| {
            let un = prop_oneof![
                Just(UnaryOp::Neg),
                Just(UnaryOp::Abs),
                Just(UnaryOp::Sqrt),
                Just(UnaryOp::Exp),
                Just(UnaryOp::Log),
            ];
            let bin = prop_oneof![
                Just(BinaryOp::Add),
                Just(BinaryOp::Sub),
                Just(BinaryOp::Mul),
                Just(BinaryOp::Div),
                Just(BinaryOp::Pow),
            ];
            prop_oneof![
                (un, inner.clone()).prop_map(|(op, a)| Tree::Un(op, Box::new(a))),
                (bin, inner.clone(), inner).prop_map(|(op, a, b)| Tree::Bin(
                    op,
                    Box::new(a),
                    Box::new(b)
                )),
            ]
        })
    }

    /// The lazy and the eager value of `t`; constants stay in-memory scalars of `dtype`.
    enum Val {
        Lazy(LazyArray, NdArray),
        Const(NdArray),
    }

    fn build(t: &Tree, leaves: &[(LazyArray, NdArray)], dtype: xr::DType) -> Val {
        match t {
            Tree::Leaf(i) => {
                let (l, e) = &leaves[usize::from(*i)];
                Val::Lazy(l.clone(), e.clone())
            }
            Tree::Const(c) => Val::Const(
                NdArray::from(vec![*c])
                    .reshape(&[])
                    .unwrap()
                    .astype(dtype)
                    .unwrap(),
            ),
            Tree::Un(op, a) => match build(a, leaves, dtype) {
                Val::Lazy(l, e) => {
                    Val::Lazy(l.unary(*op).unwrap(), kernels::unary(&e, *op).unwrap())
                }
                Val::Const(c) => Val::Const(kernels::unary(&c, *op).unwrap()),
            },
            Tree::Bin(op, a, b) => match (build(a, leaves, dtype), build(b, leaves, dtype)) {
                (Val::Lazy(la, ea), Val::Lazy(lb, eb)) => Val::Lazy(
                    la.binary(&lb, *op).unwrap(),
                    kernels::binary(&ea, &eb, *op).unwrap(),
                ),
                (Val::Lazy(la, ea), Val::Const(c)) => Val::Lazy(
                    la.binary_array(&c, *op, false).unwrap(),
                    kernels::binary(&ea, &c, *op).unwrap(),
                ),
                (Val::Const(c), Val::Lazy(lb, eb)) => Val::Lazy(
                    lb.binary_array(&c, *op, true).unwrap(),
                    kernels::binary(&c, &eb, *op).unwrap(),
                ),
                (Val::Const(x), Val::Const(y)) => Val::Const(kernels::binary(&x, &y, *op).unwrap()),
            },
        }
    }

    /// The bits of each value; every NaN maps to one value, as Rust (like IEEE 754)
    /// leaves the sign and payload of a NaN result unspecified.
    fn bits(a: &NdArray) -> Vec<u64> {
        let f32_ = a.dtype() == xr::DType::F32;
        a.to_f64_vec()
            .unwrap()
            .iter()
            .map(|&v| match (v.is_nan(), f32_) {
                (true, _) => u64::MAX,
                (false, true) => u64::from((v as f32).to_bits()),
                (false, false) => v.to_bits(),
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]
        #[test]
        fn fused_float_chains_equal_eager_bit_for_bit(
            t in tree(),
            ny in 1..90usize,
            nx in 30..120usize,
            cy in 7..64usize,
            cx in 5..128usize,
            f32_ in any::<bool>(),
        ) {
            let dtype = if f32_ { xr::DType::F32 } else { xr::DType::F64 };
            let vals = |k: f64| {
                NdArray::from((0..ny * nx).map(|i| ((i as f64 + k) * 0.731).sin() * 4.0).collect::<Vec<_>>())
                    .reshape(&[ny, nx])
                    .unwrap()
                    .astype(dtype)
                    .unwrap()
            };
            let (x, y) = (vals(0.0), vals(3.0));
            let row = NdArray::from((0..nx).map(|i| i as f64 / 9.0 - 2.0).collect::<Vec<_>>())
                .reshape(&[1, nx])
                .unwrap()
                .astype(dtype)
                .unwrap();
            let leaves = [
                (LazyArray::from_array(x.clone(), &[cy, cx]).unwrap(), x),
                (LazyArray::from_array(y.clone(), &[cy.max(2) / 2, nx]).unwrap(), y),
                (LazyArray::from_array(row.clone(), &[1, cx]).unwrap(), row),
            ];
            let Val::Lazy(l, e) = build(&t, &leaves, dtype) else {
                return Ok(());
            };
            let e = e.broadcast_to(l.shape()).unwrap();
            let got = l.compute().unwrap();
            prop_assert_eq!(got.dtype(), e.dtype());
            prop_assert_eq!(bits(&got), bits(&e), "{:?}", t);
            // One block: the whole region in one program, tile after tile.
            let whole = l.rechunk(&[ny, nx]).unwrap().compute().unwrap();
            prop_assert_eq!(bits(&whole), bits(&e), "{:?} in one block", t);
        }
    }
}
