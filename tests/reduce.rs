#![allow(clippy::unwrap_used)]
//! Reductions over named dims: values, dims, coords, dtypes and names against xarray
//! (tests/golden/make_ops_golden.py) and a naive reference.

mod common;

use common::{check, check_attrs, close, f64_array, Attr, Case};
use proptest::prelude::*;
use xr::dataset::Reduction;
use xr::{DType, DataArray, Dataset, Error, NdArray, Variable};

#[allow(dead_code, clippy::approx_constant)]
mod golden {
    use super::{Attr, Case};
    include!("golden/ops_golden.rs");
}
use golden::*;

const NAN: f64 = f64::NAN;
const R_VALUES: [f64; 12] = [1.0, NAN, 3.0, 4.0, NAN, NAN, NAN, NAN, 2.5, -1.0, 0.0, 7.0];

fn r_from(values: Vec<f64>, time: usize) -> DataArray {
    f64_array(values, &[time, 4], &["time", "x"])
        .with_coord("time", &["time"], (0..time as i64).collect::<Vec<_>>())
        .unwrap()
        .with_coord("x", &["x"], vec![5_i64, 6, 7, 8])
        .unwrap()
        .with_coord("lat", &["x"], vec![1.0, 2.0, 3.0, 4.0])
        .unwrap()
        .with_name("r")
        .with_attr("units", "m")
}

fn r() -> DataArray {
    r_from(R_VALUES.to_vec(), 3)
}

#[test]
fn float_reductions_with_nan_match_xarray() {
    let r = r();
    let cases: [(Reduction, [&Case<f64>; 4]); 8] = [
        (
            Reduction::Sum,
            [&R_SUM_TIME, &R_SUM_X, &R_SUM_ALL, &R_SUM_X_NOSKIP],
        ),
        (
            Reduction::Mean,
            [&R_MEAN_TIME, &R_MEAN_X, &R_MEAN_ALL, &R_MEAN_X_NOSKIP],
        ),
        (
            Reduction::Std,
            [&R_STD_TIME, &R_STD_X, &R_STD_ALL, &R_STD_X_NOSKIP],
        ),
        (
            Reduction::Var,
            [&R_VAR_TIME, &R_VAR_X, &R_VAR_ALL, &R_VAR_X_NOSKIP],
        ),
        (
            Reduction::Min,
            [&R_MIN_TIME, &R_MIN_X, &R_MIN_ALL, &R_MIN_X_NOSKIP],
        ),
        (
            Reduction::Max,
            [&R_MAX_TIME, &R_MAX_X, &R_MAX_ALL, &R_MAX_X_NOSKIP],
        ),
        (
            Reduction::Median,
            [
                &R_MEDIAN_TIME,
                &R_MEDIAN_X,
                &R_MEDIAN_ALL,
                &R_MEDIAN_X_NOSKIP,
            ],
        ),
        (
            Reduction::Prod,
            [&R_PROD_TIME, &R_PROD_X, &R_PROD_ALL, &R_PROD_X_NOSKIP],
        ),
    ];
    for (op, [time, x, all, noskip]) in cases {
        let name = op.name();
        check(
            &format!("{name}(time)"),
            &r.reduce_with(op).dim("time").run().unwrap(),
            time,
        );
        check(
            &format!("{name}(x)"),
            &r.reduce_with(op).dim("x").run().unwrap(),
            x,
        );
        check(&format!("{name}()"), &r.reduce_with(op).run().unwrap(), all);
        let ns = r.reduce_with(op).dim("x").skipna(false).run().unwrap();
        check(&format!("{name}(x, skipna=False)"), &ns, noskip);
    }
    check("count(time)", &r.count(&["time"]).unwrap(), &R_COUNT_TIME);
    check("count(x)", &r.count(&["x"]).unwrap(), &R_COUNT_X);
    check("count()", &r.count(&[]).unwrap(), &R_COUNT_ALL);
    let s = r
        .reduce_with(Reduction::Std)
        .dims(&["time"])
        .ddof(1)
        .run()
        .unwrap();
    check("std(time, ddof=1)", &s, &R_STD_TIME_DDOF1);
    let v = r
        .reduce_with(Reduction::Var)
        .dim("x")
        .ddof(1)
        .run()
        .unwrap();
    check("var(x, ddof=1)", &v, &R_VAR_X_DDOF1);
}

#[test]
fn arg_reductions_match_xarray() {
    let filled: Vec<f64> = R_VALUES
        .iter()
        .map(|v| if v.is_nan() { 0.0 } else { *v })
        .collect();
    check(
        "argmin(time)",
        &r_from(filled, 3).argmin("time").unwrap(),
        &R_ARGMIN_TIME,
    );
    let rows: Vec<f64> = R_VALUES[..4]
        .iter()
        .chain(&R_VALUES[8..])
        .copied()
        .collect();
    check(
        "argmax(x)",
        &r_from(rows, 2).argmax("x").unwrap(),
        &R_ARGMAX_X,
    );
    // An all-NaN slice has no position.
    assert!(matches!(
        r().argmax("x").unwrap_err(),
        Error::EmptyReduction { .. }
    ));
}

#[test]
fn integer_bool_and_f32_dtypes_match_xarray() {
    let n = DataArray::new(
        NdArray::from_shape_vec(&[2, 3], vec![3_i32, -1, 4, 1, 5, -9]).unwrap(),
        &["a", "b"],
    )
    .unwrap();
    check("n.sum", &n.sum(&["a"]).unwrap(), &N_SUM_A);
    check("n.mean", &n.mean(&["a"]).unwrap(), &N_MEAN_A);
    check("n.std", &n.std(&["a"]).unwrap(), &N_STD_A);
    check("n.min", &n.min(&["a"]).unwrap(), &N_MIN_A);
    check("n.max", &n.max(&["a"]).unwrap(), &N_MAX_A);
    check("n.median", &n.median(&["a"]).unwrap(), &N_MEDIAN_A);
    check("n.prod", &n.prod(&["a"]).unwrap(), &N_PROD_A);
    check("n.count", &n.count(&["a"]).unwrap(), &N_COUNT_A);
    check("n.argmax", &n.argmax("b").unwrap(), &N_ARGMAX_B);
    assert_eq!(n.min(&["a"]).unwrap().dtype(), DType::I32);

    let u = DataArray::new(vec![1_u8, 2, 250], &["a"]).unwrap();
    check("u.sum", &u.sum(&[]).unwrap(), &U_SUM);
    let g = DataArray::new(vec![1.0_f32, 2.0, 4.0], &["a"]).unwrap();
    check("g.mean", &g.mean(&[]).unwrap(), &G_MEAN);
    check("g.std", &g.std(&[]).unwrap(), &G_STD);
    check("g.sum", &g.sum(&[]).unwrap(), &G_SUM);
    let bo = DataArray::new(
        NdArray::from_shape_vec(&[2, 2], vec![true, false, true, true]).unwrap(),
        &["a", "b"],
    )
    .unwrap();
    check("bo.all", &bo.all(&["a"]).unwrap(), &BO_ALL_A);
    check("bo.any", &bo.any(&["b"]).unwrap(), &BO_ANY_B);
    check("bo.sum", &bo.sum(&["a"]).unwrap(), &BO_SUM_A);
}

#[test]
fn coords_on_reduced_dims_are_dropped_and_name_kept() {
    let r = r();
    let m = r.mean(&["time"]).unwrap();
    assert_eq!(m.name(), Some("r"));
    assert_eq!(m.coords().keys().collect::<Vec<_>>(), ["x", "lat"]);
    assert!(m.indexes().contains_key("x"));
    // xarray 2026.9.0 keeps attrs by default.
    check_attrs("mean", m.attrs(), &[("units", Attr::S("m"))]);
    let m = r.mean(&["x"]).unwrap();
    assert_eq!(m.coords().keys().collect::<Vec<_>>(), ["time"]);
    let all = r.sum(&[]).unwrap();
    assert!(all.coords().is_empty() && all.dims().is_empty());
    let kept = r
        .reduce_with(Reduction::Max)
        .dim("x")
        .keep_attrs(false)
        .run()
        .unwrap();
    assert!(kept.attrs().is_empty());
}

#[test]
fn errors_name_the_dim_and_the_op() {
    match r().mean(&["lon"]).unwrap_err() {
        Error::DimNotFound {
            dim,
            available,
            context,
        } => {
            assert_eq!(dim, "lon");
            assert_eq!(available, ["time", "x"]);
            assert!(context.contains("\"r\""), "{context}");
        }
        e => panic!("unexpected {e}"),
    }
    let s = DataArray::new(vec!["a", "b"], &["x"])
        .unwrap()
        .with_name("s");
    match s.mean(&[]).unwrap_err() {
        Error::UnsupportedDType { op, dtype } => {
            assert!(op.contains("mean"), "{op}");
            assert_eq!(dtype, DType::Str);
        }
        e => panic!("unexpected {e}"),
    }
    assert_eq!(
        s.count(&[]).unwrap().values().get(&[]).unwrap().as_f64(),
        Some(2.0)
    );
    let err = r().reduce_with(Reduction::ArgMin).run().unwrap_err();
    assert!(matches!(err, Error::InvalidArgument { .. }), "{err}");
    let empty = DataArray::new(
        NdArray::from_shape_vec::<i64>(&[0], vec![]).unwrap(),
        &["x"],
    )
    .unwrap();
    assert!(matches!(
        empty.max(&[]).unwrap_err(),
        Error::EmptyReduction { .. }
    ));
    assert_eq!(
        empty.sum(&[]).unwrap().values().get(&[]).unwrap().as_f64(),
        Some(0.0)
    );
}

#[test]
fn dataset_reductions_skip_non_numeric_vars() {
    let ds = Dataset::new()
        .with_coord("time", Variable::new(&["time"], vec![1_i64, 2, 3]).unwrap())
        .unwrap()
        .with_coord("station", Variable::new(&["x"], vec!["p", "q"]).unwrap())
        .unwrap()
        .with_data_var(
            "t",
            Variable::new(
                &["time", "x"],
                NdArray::from_shape_vec(&[3, 2], vec![1.0, 2.0, 3.0, 4.0, 5.0, NAN]).unwrap(),
            )
            .unwrap(),
        )
        .unwrap()
        .with_data_var("n", Variable::new(&["x"], vec![1_i32, 3]).unwrap())
        .unwrap()
        .with_data_var(
            "label",
            Variable::new(&["time"], vec!["a", "b", "c"]).unwrap(),
        )
        .unwrap()
        .with_attr("title", "obs");
    let m = ds.mean(&["time"]).unwrap();
    assert_eq!(
        m.data_vars().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
        ["t", "n"]
    );
    assert_eq!(
        m.variable("t").unwrap().data().to_f64_vec().unwrap(),
        [3.0, 3.0]
    );
    // Variables without the reduced dim still follow the dtype rules.
    assert_eq!(m.variable("n").unwrap().dtype(), DType::F64);
    assert_eq!(
        m.coords().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
        ["station"]
    );
    // xarray 2026.9.0 keeps the Dataset's attrs by default.
    check_attrs("ds.mean", m.attrs(), &[("title", Attr::S("obs"))]);
    let c = ds.count(&["time"]).unwrap();
    assert_eq!(
        c.variable("label").unwrap().data().to_f64_vec().unwrap(),
        [3.0]
    );
    assert_eq!(
        c.variable("t").unwrap().data().to_f64_vec().unwrap(),
        [3.0, 2.0]
    );
    let dropped = ds
        .reduce_with(Reduction::Sum)
        .keep_attrs(false)
        .run()
        .unwrap();
    assert!(dropped.attrs().is_empty());
    assert_eq!(
        dropped.variable("t").unwrap().data().to_f64_vec().unwrap(),
        [15.0]
    );
    match ds.sum(&["lon"]).unwrap_err() {
        Error::DimNotFound { dim, available, .. } => {
            assert_eq!(dim, "lon");
            assert_eq!(available, ["time", "x"]);
        }
        e => panic!("unexpected {e}"),
    }
}

// Property tests: every reduction against a naive reference over index maps.

fn naive(op: Reduction, lane: &[f64], skipna: bool, ddof: usize) -> f64 {
    let has_nan = lane.iter().any(|v| v.is_nan());
    let vals: Vec<f64> = lane.iter().copied().filter(|v| !v.is_nan()).collect();
    if !skipna && has_nan && op != Reduction::Count {
        return NAN;
    }
    let n = vals.len() as f64;
    let mean = vals.iter().sum::<f64>() / n;
    let var = || {
        if vals.len() <= ddof {
            NAN
        } else {
            vals.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - ddof as f64)
        }
    };
    match op {
        Reduction::Sum => vals.iter().sum(),
        Reduction::Prod => vals.iter().product(),
        Reduction::Mean => mean,
        Reduction::Var => var(),
        Reduction::Std => var().sqrt(),
        Reduction::Min => vals.iter().copied().reduce(f64::min).unwrap_or(NAN),
        Reduction::Max => vals.iter().copied().reduce(f64::max).unwrap_or(NAN),
        Reduction::Count => n,
        Reduction::Median => {
            let mut s = vals.clone();
            s.sort_by(f64::total_cmp);
            match s.len() {
                0 => NAN,
                k if k % 2 == 1 => s[k / 2],
                k => (s[k / 2 - 1] + s[k / 2]) / 2.0,
            }
        }
        _ => unreachable!(),
    }
}

const OPS: [Reduction; 9] = [
    Reduction::Sum,
    Reduction::Prod,
    Reduction::Mean,
    Reduction::Var,
    Reduction::Std,
    Reduction::Min,
    Reduction::Max,
    Reduction::Count,
    Reduction::Median,
];

fn value() -> impl Strategy<Value = f64> {
    prop_oneof![4 => -100.0..100.0_f64, 1 => Just(NAN)]
}

proptest! {
    #[test]
    fn float_reductions_match_naive(
        values in proptest::collection::vec(value(), 24),
        mask in proptest::collection::vec(any::<bool>(), 3),
        skipna in any::<bool>(),
        ddof in 0_usize..2,
    ) {
        let sizes = [2_usize, 3, 4];
        let names = ["a", "b", "c"];
        let da = f64_array(values.clone(), &sizes, &names);
        let dims: Vec<&str> = names.iter().zip(&mask).filter(|(_, &m)| m).map(|(n, _)| *n).collect();
        for op in OPS {
            let mut r = da.reduce_with(op).skipna(skipna).ddof(ddof);
            if !dims.is_empty() {
                r = r.dims(&dims);
            }
            let reduce_all = dims.is_empty();
            let got = r.run().unwrap();
            let kept: Vec<usize> = (0..3).filter(|&i| !(reduce_all || mask[i])).collect();
            let kept_names: Vec<&str> = kept.iter().map(|&i| names[i]).collect();
            prop_assert_eq!(got.dims(), kept_names.as_slice());
            let got = got.values().to_f64_vec().unwrap();
            let mut lanes: Vec<Vec<f64>> = vec![Vec::new(); got.len()];
            for (flat, v) in values.iter().enumerate() {
                let idx = [flat / 12, (flat / 4) % 3, flat % 4];
                let out = kept.iter().fold(0, |acc, &i| acc * sizes[i] + idx[i]);
                lanes[out].push(*v);
            }
            for (g, lane) in got.iter().zip(&lanes) {
                let want = naive(op, lane, skipna, ddof);
                prop_assert!(close(*g, want, 1e-12), "{op}: got {g}, want {want} for {lane:?}");
            }
        }
    }

    #[test]
    fn integer_reductions_are_exact(
        values in proptest::collection::vec(-1000_i64..1000, 12),
        axis in 0_usize..2,
    ) {
        let da = DataArray::new(NdArray::from_shape_vec(&[3, 4], values.clone()).unwrap(), &["a", "b"]).unwrap();
        let dim = ["a", "b"][axis];
        let lanes: Vec<Vec<i64>> = if axis == 0 {
            (0..4).map(|j| (0..3).map(|i| values[i * 4 + j]).collect()).collect()
        } else {
            values.chunks(4).map(<[i64]>::to_vec).collect()
        };
        let sum = da.sum(&[dim]).unwrap();
        prop_assert_eq!(sum.dtype(), DType::I64);
        let want: Vec<i64> = lanes.iter().map(|l| l.iter().sum()).collect();
        prop_assert_eq!(sum.values().as_array::<i64>().unwrap().iter().copied().collect::<Vec<_>>(), want);
        let min = da.min(&[dim]).unwrap();
        let want: Vec<i64> = lanes.iter().map(|l| *l.iter().min().unwrap()).collect();
        prop_assert_eq!(min.values().as_array::<i64>().unwrap().iter().copied().collect::<Vec<_>>(), want);
        let arg = da.argmax(dim).unwrap();
        let want: Vec<i64> = lanes
            .iter()
            .map(|l| {
                let m = l.iter().max().unwrap();
                l.iter().position(|v| v == m).unwrap() as i64
            })
            .collect();
        prop_assert_eq!(arg.values().as_array::<i64>().unwrap().iter().copied().collect::<Vec<_>>(), want);
        let mean = da.mean(&[dim]).unwrap();
        for (g, l) in mean.values().to_f64_vec().unwrap().iter().zip(&lanes) {
            let want = l.iter().sum::<i64>() as f64 / l.len() as f64;
            prop_assert!(close(*g, want, 1e-12));
        }
    }
}

#[test]
fn reductions_keep_attrs_by_default_as_xarray() {
    let a = DataArray::new(vec![1.0, 2.0], &["x"])
        .unwrap()
        .with_attr("units", "K")
        .with_attr("a", 1_i64);
    check_attrs("a.mean", a.mean(&[]).unwrap().attrs(), ATTRS_A_MEAN);
    let nokeep = a
        .reduce_with(Reduction::Mean)
        .keep_attrs(false)
        .run()
        .unwrap();
    check_attrs("a.mean nokeep", nokeep.attrs(), ATTRS_A_MEAN_NOKEEP);
    check_attrs(
        "var.mean",
        a.variable().mean(&[]).unwrap().attrs(),
        ATTRS_VAR_A_MEAN,
    );

    let ds = Dataset::new()
        .with_data_var("v", a.variable().clone())
        .unwrap()
        .with_data_var(
            "w",
            Variable::new(&["x"], vec![1.0, 2.0])
                .unwrap()
                .with_attr("units", "C"),
        )
        .unwrap()
        .with_attr("title", "t")
        .with_attr("k", 1_i64);
    let m = ds.mean(&[]).unwrap();
    check_attrs("ds.mean", m.attrs(), ATTRS_DS1_MEAN);
    check_attrs(
        "ds.mean v",
        m.variable("v").unwrap().attrs(),
        ATTRS_DS1_MEAN_V,
    );
    let m = ds
        .reduce_with(Reduction::Mean)
        .keep_attrs(false)
        .run()
        .unwrap();
    check_attrs("ds.mean nokeep", m.attrs(), ATTRS_DS1_MEAN_NOKEEP);
    check_attrs(
        "ds.mean nokeep v",
        m.variable("v").unwrap().attrs(),
        ATTRS_DS1_MEAN_NOKEEP_V,
    );
}
