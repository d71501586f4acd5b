//! Rolling windows (and `map_overlap` under them): values, dims and dtypes against
//! xarray (tests/golden/make_rolling_golden.py) on eager data and on several chunkings
//! (chunks smaller than the window, one chunk per value); property tests that chunking
//! never changes an answer; errors naming the bad argument.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use serde_json::Value;
use xr::dataset::{Boundary, Reduction, Side};
use xr::lazy::{LazyArray, OverlapBoundary};
use xr::{DType, DataArray, Dataset, Error, NdArray, Scalar, Variable};

fn golden() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/rolling_golden.json"
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap_or(f64::NAN))
        .collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect()
}

fn input(g: &Value, name: &str) -> DataArray {
    let spec = &g["inputs"][name];
    let shape: Vec<usize> = spec["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect();
    let data = NdArray::from_shape_vec(&shape, floats(&spec["values"])).unwrap();
    let dtype = match spec["dtype"].as_str().unwrap() {
        "float64" => DType::F64,
        "float32" => DType::F32,
        "int32" => DType::I32,
        other => panic!("dtype {other}"),
    };
    let mut da = DataArray::new(data.astype(dtype).unwrap(), &strings(&spec["dims"]))
        .unwrap()
        .with_name(name)
        .with_attr("units", "K");
    for (c, values) in spec["coords"].as_object().unwrap() {
        da = da.with_coord(c, &[c.as_str()], floats(values)).unwrap();
    }
    da
}

/// The chunkings each case runs on: eager, then chunks of 1, 2, 3 and 5 along every dim.
fn chunkings(da: &DataArray) -> Vec<DataArray> {
    let mut out = vec![da.clone()];
    for n in [1, 2, 3, 5] {
        let sizes: Vec<(&str, usize)> = da.dims().iter().map(|d| (d.as_str(), n)).collect();
        out.push(da.chunk(&sizes).unwrap());
    }
    out
}

fn assert_close(got: &[f64], want: &[f64], rtol: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        if w.is_nan() {
            assert!(g.is_nan(), "{what}: [{i}] = {g}, xarray gives NaN");
        } else {
            assert!(
                (g - w).abs() <= rtol * w.abs().max(1.0),
                "{what}: [{i}] = {g}, xarray gives {w} (all: {got:?} vs {want:?})"
            );
        }
    }
}

#[test]
fn rolling_matches_xarray_eager_and_chunked() {
    let g = golden();
    let mut checked = 0;
    for case in g["cases"].as_array().unwrap() {
        if case["kind"] != "rolling" {
            continue;
        }
        let base = input(&g, case["input"].as_str().unwrap());
        let windows: Vec<(String, usize)> = case["windows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| {
                (
                    w[0].as_str().unwrap().to_string(),
                    w[1].as_u64().unwrap() as usize,
                )
            })
            .collect();
        let windows: Vec<(&str, usize)> = windows.iter().map(|(d, w)| (d.as_str(), *w)).collect();
        let agg = case["agg"].as_str().unwrap();
        let center = case["center"].as_bool().unwrap();
        let want = floats(&case["values"]);
        let dtype = case["dtype"].as_str().unwrap();
        let rtol = if dtype == "float32" { 2e-5 } else { 1e-12 };
        for da in chunkings(&base) {
            let mut r = da.rolling_dims(&windows).unwrap().center(center);
            if let Some(m) = case["min_periods"].as_u64() {
                r = r.min_periods(m as usize);
            }
            let out = match agg {
                "sum" => r.sum(),
                "mean" => r.mean(),
                "min" => r.min(),
                "max" => r.max(),
                "std" => r.std(),
                "var" => r.var(),
                "median" => r.median(),
                "count" => r.count(),
                "prod" => r.prod(),
                other => panic!("agg {other}"),
            }
            .unwrap();
            let what = format!("{case} on chunks {:?}", da.chunks());
            assert_eq!(out.values().is_lazy(), da.values().is_lazy(), "{what}");
            assert_eq!(out.dtype().to_string(), dtype, "{what}");
            assert_eq!(out.dims(), strings(&case["dims"]).as_slice(), "{what}");
            assert_eq!(out.name(), da.name(), "{what}");
            assert_eq!(out.attrs(), da.attrs(), "{what}");
            let got = out.values().to_f64_vec().unwrap();
            assert_close(&got, &want, rtol, &what);
            checked += 1;
        }
    }
    assert!(checked > 2000, "only {checked} cases checked");
}

#[test]
fn construct_matches_xarray_eager_and_chunked() {
    let g = golden();
    let mut checked = 0;
    for case in g["cases"].as_array().unwrap() {
        if case["kind"] != "construct" {
            continue;
        }
        let base = input(&g, case["input"].as_str().unwrap());
        let w = &case["windows"][0];
        let (dim, window) = (w[0].as_str().unwrap(), w[1].as_u64().unwrap() as usize);
        let center = case["center"].as_bool().unwrap();
        for da in chunkings(&base) {
            let out = da
                .rolling(dim, window)
                .unwrap()
                .center(center)
                .construct("window")
                .unwrap();
            let what = format!("{case} on chunks {:?}", da.chunks());
            assert_eq!(out.values().is_lazy(), da.values().is_lazy(), "{what}");
            assert_eq!(out.dtype().to_string(), case["dtype"].as_str().unwrap());
            assert_eq!(out.dims(), strings(&case["dims"]).as_slice(), "{what}");
            let shape: Vec<usize> = case["shape"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_u64().unwrap() as usize)
                .collect();
            assert_eq!(out.shape(), shape.as_slice(), "{what}");
            let got = out.values().to_f64_vec().unwrap();
            assert_close(&got, &floats(&case["values"]), 0.0, &what);
            checked += 1;
        }
    }
    assert_eq!(checked, 12 * 5);
}

fn reduction(name: &str) -> Reduction {
    match name {
        "sum" => Reduction::Sum,
        "mean" => Reduction::Mean,
        "min" => Reduction::Min,
        "max" => Reduction::Max,
        "std" => Reduction::Std,
        "var" => Reduction::Var,
        "median" => Reduction::Median,
        "count" => Reduction::Count,
        "prod" => Reduction::Prod,
        other => panic!("agg {other}"),
    }
}

#[test]
fn coarsen_matches_xarray_eager_and_chunked() {
    let g = golden();
    let mut checked = 0;
    for case in g["cases"].as_array().unwrap() {
        if case["kind"] != "coarsen" {
            continue;
        }
        let base = input(&g, case["input"].as_str().unwrap());
        let windows: Vec<(String, usize)> = case["windows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| {
                (
                    w[0].as_str().unwrap().to_string(),
                    w[1].as_u64().unwrap() as usize,
                )
            })
            .collect();
        let windows: Vec<(&str, usize)> = windows.iter().map(|(d, w)| (d.as_str(), *w)).collect();
        let boundary = match case["boundary"].as_str().unwrap() {
            "exact" => Boundary::Exact,
            "trim" => Boundary::Trim,
            _ => Boundary::Pad,
        };
        let side = match case["side"].as_str().unwrap() {
            "left" => Side::Left,
            _ => Side::Right,
        };
        let dtype = case["dtype"].as_str().unwrap();
        let rtol = if dtype == "float32" { 2e-5 } else { 1e-12 };
        for da in chunkings(&base) {
            let mut c = da.coarsen(&windows).unwrap().boundary(boundary).side(side);
            if let Some(funcs) = case["coord_func"].as_object() {
                for (coord, f) in funcs {
                    c = c.coord_func_for(coord, reduction(f.as_str().unwrap()));
                }
            }
            let out = c.reduce(reduction(case["agg"].as_str().unwrap())).unwrap();
            let what = format!("{case} on chunks {:?}", da.chunks());
            assert_eq!(out.values().is_lazy(), da.values().is_lazy(), "{what}");
            assert_eq!(out.dtype().to_string(), dtype, "{what}");
            assert_eq!(out.dims(), strings(&case["dims"]).as_slice(), "{what}");
            assert_eq!(out.attrs(), da.attrs(), "{what}");
            assert_close(
                &out.values().to_f64_vec().unwrap(),
                &floats(&case["values"]),
                rtol,
                &what,
            );
            let coords = case["coords"].as_object().unwrap();
            assert_eq!(out.coords().len(), coords.len(), "{what}");
            for (name, want) in coords {
                let got = out.coord(name).unwrap().values().to_f64_vec().unwrap();
                assert_close(&got, &floats(want), 1e-12, &format!("{what}: coord {name}"));
            }
            checked += 1;
        }
    }
    assert_eq!(checked, (11 * 9 + 1) * 5);
}

#[test]
fn coarsen_errors_name_the_dim() {
    let da = DataArray::new(vec![1.0, 2.0, 3.0, 4.0, 5.0], &["lon"])
        .unwrap()
        .with_name("v");
    match da.coarsen(&[("lon", 2)]).unwrap().mean() {
        Err(Error::InvalidArgument { argument, reason }) => {
            assert_eq!(argument, "window");
            assert!(
                reason.contains("\"lon\"") && reason.contains('5'),
                "{reason}"
            );
        }
        other => panic!("{other:?}"),
    }
    match da.coarsen(&[("lat", 2)]) {
        Err(Error::DimNotFound { dim, .. }) => assert_eq!(dim, "lat"),
        other => panic!("{other:?}"),
    }
    match da.coarsen(&[("lon", 0)]) {
        Err(Error::InvalidArgument { argument, .. }) => assert_eq!(argument, "window"),
        other => panic!("{other:?}"),
    }
    match da.to_dataset().coarsen(&[("time", 2)]) {
        Err(Error::DimNotFound { dim, .. }) => assert_eq!(dim, "time"),
        other => panic!("{other:?}"),
    }
}

/// Lazy coarsen is blockwise when chunks are multiples of the window (one output chunk
/// per input chunk) and otherwise lays out chunks of whole windows.
#[test]
fn lazy_coarsen_chunks() {
    let v: Vec<f64> = (0..24).map(f64::from).collect();
    let da = DataArray::new(v, &["time"]).unwrap();
    let aligned = da
        .chunk(&[("time", 6)])
        .unwrap()
        .coarsen(&[("time", 3)])
        .unwrap()
        .mean()
        .unwrap();
    assert_eq!(aligned.values().chunks().unwrap(), &[vec![2, 2, 2, 2]]);
    let odd = da
        .chunk(&[("time", 5)])
        .unwrap()
        .coarsen(&[("time", 3)])
        .unwrap()
        .mean()
        .unwrap();
    assert_eq!(odd.values().chunks().unwrap(), &[vec![2, 2, 2, 2]]);
    let want: Vec<f64> = (0..8).map(|i| f64::from(3 * i + 1)).collect();
    assert_eq!(aligned.values().to_f64_vec().unwrap(), want);
    assert_eq!(odd.values().to_f64_vec().unwrap(), want);
}

#[test]
fn dataset_rolling_keeps_coords_and_unrolled_variables() {
    let t: Vec<f64> = (0..6).map(f64::from).collect();
    let ds = Dataset::new()
        .with_coord("time", Variable::new(&["time"], t.clone()).unwrap())
        .unwrap()
        .with_data_var(
            "a",
            Variable::new(&["time"], vec![1.0, 2.0, f64::NAN, 4.0, 5.0, 6.0])
                .unwrap()
                .with_attr("units", "m"),
        )
        .unwrap()
        .with_data_var("b", Variable::new(&["x"], vec![7i64, 8]).unwrap())
        .unwrap()
        .with_attr("title", "t");
    for ds in [ds.clone(), ds.chunk(&[("time", 2)]).unwrap()] {
        let out = ds.rolling("time", 2).unwrap().min_periods(1).sum().unwrap();
        let a = out.variable("a").unwrap();
        assert_eq!(
            a.data().is_lazy(),
            ds.variable("a").unwrap().data().is_lazy()
        );
        assert_eq!(
            a.values().unwrap().to_f64_vec().unwrap(),
            vec![1.0, 3.0, 2.0, 4.0, 9.0, 11.0]
        );
        assert_eq!(a.attrs(), ds.variable("a").unwrap().attrs());
        assert_eq!(
            out.variable("b")
                .unwrap()
                .values()
                .unwrap()
                .to_f64_vec()
                .unwrap(),
            vec![7.0, 8.0]
        );
        assert_eq!(out.variable("b").unwrap().dtype(), DType::I64);
        assert_eq!(
            out.variable("time")
                .unwrap()
                .values()
                .unwrap()
                .to_f64_vec()
                .unwrap(),
            t
        );
        assert!(out.is_coord("time"));
        assert_eq!(out.attrs(), ds.attrs());
        let c = ds.rolling("time", 3).unwrap().construct("w").unwrap();
        assert_eq!(c.variable("a").unwrap().dims(), &["time", "w"]);
        assert_eq!(c.variable("b").unwrap().dims(), &["x"]);
    }
}

#[test]
fn bad_arguments_are_named() {
    let da = DataArray::new(vec![1.0, 2.0, 3.0], &["time"])
        .unwrap()
        .with_name("v");
    match da.rolling("time", 0) {
        Err(Error::InvalidArgument { argument, reason }) => {
            assert_eq!(argument, "window");
            assert!(reason.contains("\"time\""), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    match da.rolling("lat", 3) {
        Err(Error::DimNotFound { dim, .. }) => assert_eq!(dim, "lat"),
        other => panic!("{other:?}"),
    }
    match da.rolling("time", 2).unwrap().min_periods(0).mean() {
        Err(Error::InvalidArgument { argument, .. }) => assert_eq!(argument, "min_periods"),
        other => panic!("{other:?}"),
    }
    match da.rolling_dims(&[("time", 2), ("time", 3)]) {
        Err(Error::InvalidArgument { argument, .. }) => assert_eq!(argument, "dims"),
        other => panic!("{other:?}"),
    }
    match da.rolling("time", 2).unwrap().construct("time") {
        Err(Error::InvalidArgument { argument, .. }) => assert_eq!(argument, "window_dim"),
        other => panic!("{other:?}"),
    }
    let s = DataArray::new(vec!["a", "b"], &["time"]).unwrap();
    assert!(matches!(
        s.rolling("time", 2).unwrap().sum(),
        Err(Error::UnsupportedDType { .. })
    ));
    let ds = da.to_dataset();
    match ds.rolling("lat", 3) {
        Err(Error::DimNotFound { dim, .. }) => assert_eq!(dim, "lat"),
        other => panic!("{other:?}"),
    }
}

/// A running sum stays close to a direct one over a long lane of values of mixed
/// magnitude with NaN runs (no drift from adding and removing), and is linear in time
/// whatever the window.
#[test]
fn long_running_sums_do_not_drift() {
    let n: usize = 20_000;
    let v: Vec<f64> = (0..n)
        .map(|i| {
            if i % 97 < 5 {
                f64::NAN
            } else {
                ((i * 7919) % 1000) as f64 * 1e3_f64.powi((i % 3) as i32 - 1)
            }
        })
        .collect();
    let da = DataArray::new(v.clone(), &["time"]).unwrap();
    let w = 365;
    let got = da
        .rolling("time", w)
        .unwrap()
        .min_periods(1)
        .mean()
        .unwrap()
        .values()
        .to_f64_vec()
        .unwrap();
    for i in (0..n).step_by(611) {
        let lo = (i + 1).saturating_sub(w);
        let vals: Vec<f64> = v[lo..=i].iter().copied().filter(|x| !x.is_nan()).collect();
        if vals.is_empty() {
            assert!(got[i].is_nan());
            continue;
        }
        let want = vals.iter().sum::<f64>() / vals.len() as f64;
        assert!(
            (got[i] - want).abs() <= 1e-9 * want.abs().max(1.0),
            "{i}: {} vs {want}",
            got[i]
        );
    }
}

#[test]
fn map_overlap_halo_larger_than_chunks() {
    let x: Vec<f64> = (0..23).map(|i| f64::from(i * i % 17)).collect();
    let lazy = LazyArray::from_array(NdArray::from(x.clone()), &[2]).unwrap();
    // Sum of the 5 values before, the value and the 2 after (zeros beyond the edges).
    let f = |b: &NdArray| {
        let v = b.to_f64_vec()?;
        let out: Vec<f64> = (0..v.len())
            .map(|i| v[i.saturating_sub(5)..(i + 3).min(v.len())].iter().sum())
            .collect();
        Ok(NdArray::from(out))
    };
    let want: Vec<f64> = (0..x.len())
        .map(|i| x[i.saturating_sub(5)..(i + 3).min(x.len())].iter().sum())
        .collect();
    let got = lazy
        .map_overlap(&[(5, 2)], OverlapBoundary::None, DType::F64, f)
        .unwrap();
    // Chunks much shorter than the halo are joined (as dask's map_overlap rechunks
    // chunks smaller than the depth): here all 23 values into one block.
    assert_eq!(got.chunks(), [vec![23]]);
    assert_eq!(got.compute().unwrap().to_f64_vec().unwrap(), want);
    // A constant boundary gives the function the full extension, filled.
    let ones = lazy
        .map_overlap(
            &[(5, 2)],
            OverlapBoundary::Constant(Scalar::F64(100.0)),
            DType::F64,
            move |b: &NdArray| {
                assert_eq!(b.shape(), &[b.shape()[0]]);
                f(b)
            },
        )
        .unwrap()
        .compute()
        .unwrap()
        .to_f64_vec()
        .unwrap();
    let padded: Vec<f64> = std::iter::repeat_n(100.0, 5)
        .chain(x.iter().copied())
        .chain(std::iter::repeat_n(100.0, 2))
        .collect();
    let want: Vec<f64> = (0..x.len())
        .map(|i| padded[i..i + 8].iter().sum())
        .collect();
    assert_eq!(ones, want);
    assert!(matches!(
        lazy.map_overlap(&[(1, 1), (1, 1)], OverlapBoundary::None, DType::F64, f),
        Err(Error::InvalidArgument { .. })
    ));
}

fn values_strategy() -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(
        prop_oneof![1 => Just(f64::NAN), 6 => (-50i32..50).prop_map(|v| f64::from(v) / 4.0)],
        12..40,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Chunked rolling equals eager rolling for random chunkings, windows (also longer
    /// than chunks and than the dim), centring and min_periods, for every aggregation.
    #[test]
    fn chunked_rolling_equals_eager(
        v in values_strategy(),
        cols in 1usize..4,
        chunk_t in 1usize..9,
        chunk_x in 1usize..4,
        window in 1usize..14,
        window_x in 1usize..4,
        center in any::<bool>(),
        min_periods in prop::option::of(1usize..5),
        two_dims in any::<bool>(),
        as_int in any::<bool>(),
    ) {
        let rows = v.len() / cols;
        let data = NdArray::from_shape_vec(&[rows, cols], v[..rows * cols].to_vec()).unwrap();
        let data = if as_int {
            // NaN casts to 0 and keeps the test deterministic.
            data.astype(DType::I64).unwrap()
        } else {
            data
        };
        let da = DataArray::new(data, &["time", "x"]).unwrap();
        let chunked = da.chunk(&[("time", chunk_t), ("x", chunk_x)]).unwrap();
        let windows: Vec<(&str, usize)> = if two_dims {
            vec![("time", window), ("x", window_x)]
        } else {
            vec![("time", window)]
        };
        for agg in ["sum", "mean", "min", "max", "std", "var", "median", "count", "prod"] {
            let run = |d: &DataArray| {
                let mut r = d.rolling_dims(&windows).unwrap().center(center);
                if let Some(m) = min_periods {
                    r = r.min_periods(m);
                }
                let out = match agg {
                    "sum" => r.sum(),
                    "mean" => r.mean(),
                    "min" => r.min(),
                    "max" => r.max(),
                    "std" => r.std(),
                    "var" => r.var(),
                    "median" => r.median(),
                    "count" => r.count(),
                    _ => r.prod(),
                }
                .unwrap();
                out.values().to_f64_vec().unwrap()
            };
            let (e, c) = (run(&da), run(&chunked));
            prop_assert_eq!(e.len(), c.len());
            for (a, b) in e.iter().zip(&c) {
                prop_assert!(
                    (a.is_nan() && b.is_nan()) || (a - b).abs() <= 1e-9 * a.abs().max(1.0),
                    "{}: eager {:?} vs chunked {:?}", agg, e, c
                );
            }
        }
        let e = da.rolling("time", window).unwrap().center(center).construct("w").unwrap();
        let c = chunked.rolling("time", window).unwrap().center(center).construct("w").unwrap();
        prop_assert!(e.values().equals(c.values()));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Chunked coarsen equals eager coarsen for random chunkings, windows, boundaries and
    /// sides, for every aggregation (coordinates included).
    #[test]
    fn chunked_coarsen_equals_eager(
        v in values_strategy(),
        cols in 1usize..4,
        chunk_t in 1usize..9,
        chunk_x in 1usize..4,
        window in 1usize..7,
        window_x in 1usize..3,
        pad in any::<bool>(),
        right in any::<bool>(),
        as_int in any::<bool>(),
    ) {
        let rows = v.len() / cols;
        let data = NdArray::from_shape_vec(&[rows, cols], v[..rows * cols].to_vec()).unwrap();
        let data = if as_int { data.astype(DType::I32).unwrap() } else { data };
        let t: Vec<f64> = (0..rows).map(|i| i as f64 * 0.5).collect();
        let da = DataArray::new(data, &["time", "x"])
            .unwrap()
            .with_coord("time", &["time"], t)
            .unwrap();
        let chunked = da.chunk(&[("time", chunk_t), ("x", chunk_x)]).unwrap();
        let windows = [("time", window), ("x", window_x)];
        let boundary = if pad { Boundary::Pad } else { Boundary::Trim };
        let side = if right { Side::Right } else { Side::Left };
        for agg in ["sum", "mean", "min", "max", "std", "var", "median", "count", "prod"] {
            let run = |d: &DataArray| {
                d.coarsen(&windows)
                    .unwrap()
                    .boundary(boundary)
                    .side(side)
                    .reduce(reduction(agg))
                    .unwrap()
            };
            let (e, c) = (run(&da), run(&chunked));
            prop_assert!(c.values().is_lazy());
            prop_assert_eq!(e.dtype(), c.dtype());
            prop_assert_eq!(e.shape(), c.shape());
            let (ev, cv) = (e.values().to_f64_vec().unwrap(), c.values().to_f64_vec().unwrap());
            for (a, b) in ev.iter().zip(&cv) {
                prop_assert!(
                    (a.is_nan() && b.is_nan()) || (a - b).abs() <= 1e-9 * a.abs().max(1.0),
                    "{}: eager {:?} vs chunked {:?}", agg, ev, cv
                );
            }
            prop_assert_eq!(
                e.coord("time").unwrap().values().to_f64_vec().unwrap(),
                c.coord("time").unwrap().values().to_f64_vec().unwrap()
            );
        }
    }
}

/// A datetime coordinate coarsens to the mean of its ticks (xarray's midpoints), on a
/// non-standard calendar too; a Dataset keeps variables without the coarsened dim.
#[test]
fn coarsen_datetime_coordinate_and_dataset() {
    use xr::time::{date_range, Calendar, CfDatetime};
    let cal = Calendar::NoLeap;
    let start = CfDatetime::new(2001, 2, 27, cal).unwrap();
    let t = date_range(start, None, Some(6), "D".parse().unwrap(), cal).unwrap();
    let time = NdArray::datetime(
        ndarray::Array1::from(t.clone()).into_dyn().into_shared(),
        cal,
    );
    let ds = Dataset::new()
        .with_coord("time", Variable::new(&["time"], time).unwrap())
        .unwrap()
        .with_data_var(
            "a",
            Variable::new(&["time"], vec![1i32, 2, 3, 4, 5, 6]).unwrap(),
        )
        .unwrap()
        .with_data_var("b", Variable::new(&["x"], vec![7.0, 8.0]).unwrap())
        .unwrap();
    for ds in [ds.clone(), ds.chunk(&[("time", 4)]).unwrap()] {
        let out = ds.coarsen(&[("time", 2)]).unwrap().sum().unwrap();
        let a = out.variable("a").unwrap();
        assert_eq!(a.dtype(), DType::I64);
        assert_eq!(
            a.values().unwrap().to_f64_vec().unwrap(),
            vec![3.0, 7.0, 11.0]
        );
        let half_day = 43_200_000_000i64;
        let want: Vec<i64> = [0, 2, 4].iter().map(|&i| t[i] + half_day).collect();
        let time = out.variable("time").unwrap().values().unwrap();
        assert_eq!(time.dtype(), DType::DateTime(cal));
        let NdArray::DateTime(ticks, _) = &time else {
            panic!("{time:?}")
        };
        assert_eq!(ticks.iter().copied().collect::<Vec<_>>(), want);
        assert!(out.indexes().contains_key("time"));
        assert_eq!(
            out.variable("b")
                .unwrap()
                .values()
                .unwrap()
                .to_f64_vec()
                .unwrap(),
            vec![7.0, 8.0]
        );
    }
}

/// Padding a datetime coordinate reduces its short window alone, as xarray's NaT
/// padding does (values from xarray 2026.9: midpoints, and the lone day itself).
#[test]
fn coarsen_pad_datetime_coordinate() {
    use xr::time::{date_range, Calendar, CfDatetime};
    let cal = Calendar::Day360;
    let start = CfDatetime::new(2001, 1, 1, cal).unwrap();
    let t = date_range(start, None, Some(5), "D".parse().unwrap(), cal).unwrap();
    let time = NdArray::datetime(
        ndarray::Array1::from(t.clone()).into_dyn().into_shared(),
        cal,
    );
    let da = DataArray::new(vec![0.0, 1.0, 2.0, 3.0, 4.0], &["time"])
        .unwrap()
        .with_coord("time", &["time"], time)
        .unwrap();
    let half_day = 43_200_000_000i64;
    for da in [da.clone(), da.chunk(&[("time", 2)]).unwrap()] {
        for (side, values, ticks) in [
            (
                Side::Left,
                vec![0.5, 2.5, 4.0],
                vec![t[0] + half_day, t[2] + half_day, t[4]],
            ),
            (
                Side::Right,
                vec![0.0, 1.5, 3.5],
                vec![t[0], t[1] + half_day, t[3] + half_day],
            ),
        ] {
            let out = da
                .coarsen(&[("time", 2)])
                .unwrap()
                .boundary(Boundary::Pad)
                .side(side)
                .mean()
                .unwrap();
            assert_eq!(out.values().to_f64_vec().unwrap(), values);
            let time = out.coord("time").unwrap().values().compute().unwrap();
            let NdArray::DateTime(got, _) = &time else {
                panic!("{time:?}")
            };
            assert_eq!(got.iter().copied().collect::<Vec<_>>(), ticks);
        }
    }
}

/// Computed results drop the source's encoding (packing, compression, chunking), as
/// xarray's do, so that writing them gives the result's own dtype; `shift` and `roll`
/// only move values and keep it, as in xarray.
#[test]
fn computed_results_drop_the_source_encoding_as_xarray() {
    let ds = Dataset::open_dataset("tests/data/packed_int16.nc").unwrap();
    let rain = ds.get("rain").unwrap();
    let source = rain.variable().encoding().clone();
    assert_ne!(
        source,
        xr::dataset::Encoding::default(),
        "the fixture is packed"
    );
    let computed = [
        ("rolling", rain.rolling("x", 2).unwrap().mean().unwrap()),
        (
            "coarsen",
            rain.coarsen(&[("x", 2)]).unwrap().mean().unwrap(),
        ),
        ("cumsum", rain.cumsum("x").unwrap()),
        ("diff", rain.diff("x", 1).unwrap()),
        ("round", rain.round(1).unwrap()),
        ("clip", rain.clip(Some(0.0.into()), None).unwrap()),
        ("fillna", rain.fillna(0.0).unwrap()),
        ("ffill", rain.ffill("x", None).unwrap()),
        ("groupby mean", rain.groupby("x").unwrap().mean().unwrap()),
        ("mean", rain.mean(&["x"]).unwrap()),
    ];
    for (what, got) in &computed {
        assert_eq!(
            got.variable().encoding(),
            &xr::dataset::Encoding::default(),
            "{what} keeps the source encoding"
        );
    }
    for (what, got) in [
        ("shift", rain.shift(&[("x", 1)]).unwrap()),
        ("roll", rain.roll(&[("x", 1)], false).unwrap()),
    ] {
        assert_eq!(
            got.variable().encoding(),
            &source,
            "{what} drops the encoding"
        );
    }
    // Written and read back, the rolling mean is float32 data, not int16 packed.
    let out = std::env::temp_dir().join(format!("xr-rolled-{}.nc", std::process::id()));
    let rolled = ds.rolling("x", 2).unwrap().mean().unwrap();
    rolled.to_netcdf(&out).unwrap();
    let back = Dataset::open_dataset(&out).unwrap().load().unwrap();
    std::fs::remove_file(&out).unwrap();
    let back_rain = back.get("rain").unwrap();
    assert_eq!(back_rain.dtype(), xr::DType::F32);
    assert_eq!(
        back_rain.variable().encoding().scale_factor,
        None,
        "not packed on disk"
    );
}
