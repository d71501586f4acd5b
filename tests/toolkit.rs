//! The everyday toolkit against xarray: weighted reductions, cumsum/cumprod, shift,
//! roll, diff, pad, clip and round, on eager and chunked inputs with NaNs, integer and
//! float dtypes (golden values from tests/golden/make_toolkit_golden.py), errors naming
//! the bad argument, and property tests that chunking never changes an answer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::golden_file::GoldenFile;

use std::sync::OnceLock;

use ndarray::{ArrayD, IxDyn};
use proptest::prelude::*;
use xr::{DataArray, Dataset, Error, NdArray};

fn golden() -> &'static GoldenFile {
    static G: OnceLock<GoldenFile> = OnceLock::new();
    G.get_or_init(|| GoldenFile::parse(include_str!("golden/toolkit_golden.json")))
}

fn input(name: &str) -> DataArray {
    golden().input(name)
}

/// The data inputs, eager or chunked (time by 2, lon by 3: chunks of unequal sizes).
fn data(src: &str, chunked: bool) -> DataArray {
    golden().data(src, chunked)
}

fn check(case: &str, got: &DataArray, lazy: bool) {
    golden().check(case, got, lazy)
}

const SOURCES: [&str; 2] = ["f", "i"];

// ---- weighted ----

fn weighted_case(src: &str, wname: &str, op: &str, dims_name: &str, chunked: bool) {
    let da = data(src, chunked);
    let w = input(wname);
    let dims: &[&str] = match dims_name {
        "lat" | "single" => &["lat"],
        "latlon" => &["lat", "lon"],
        "timelon" => &["time", "lon"],
        _ => &[],
    };
    let wt = da.weighted(&w).unwrap();
    let got = match op {
        "quantile" if dims_name == "single" => wt.quantile(&[0.25], dims),
        "quantile" => wt.quantile(&[0.0, 0.1, 0.5, 0.9, 1.0], dims),
        "sum" => wt.sum(dims),
        "mean" => wt.mean(dims),
        "sum_of_weights" => wt.sum_of_weights(dims),
        "std" => wt.std(dims),
        _ => wt.var(dims),
    }
    .unwrap();
    check(
        &format!("weighted_{src}_{wname}_{op}_{dims_name}"),
        &got,
        chunked,
    );
}

#[test]
fn weighted_matches_xarray() {
    for chunked in [false, true] {
        for src in SOURCES {
            for w in ["w", "w0"] {
                for op in ["sum", "mean", "sum_of_weights", "std", "var"] {
                    for dims in ["lat", "latlon", "all"] {
                        weighted_case(src, w, op, dims, chunked);
                    }
                }
                for dims in ["lat", "timelon", "all", "single"] {
                    weighted_case(src, w, "quantile", dims, chunked);
                }
            }
        }
    }
}

#[test]
fn weighted_dataset_matches_dataarray() {
    let f = data("f", true);
    let ds = f
        .to_dataset()
        .with_data_var("g", input("i").variable().clone())
        .unwrap();
    let w = input("w");
    let m = ds.weighted(&w).unwrap().mean(&["lat"]).unwrap();
    assert_eq!(m.dims().keys().collect::<Vec<_>>(), ["time", "lon"]);
    assert!(m.variables().contains_key("time") && !m.variables().contains_key("lat"));
    check("weighted_f_w_mean_lat", &m.get("f").unwrap(), true);
    check(
        "weighted_i_w_mean_lat",
        &m.get("g").unwrap().with_name("i"),
        false,
    );
}

#[test]
fn weighted_lazy_weights_and_errors() {
    let f = data("f", false);
    // Lazy weights give a lazy result equal to the eager one.
    let w = input("w").chunk(&[("lat", 2)]).unwrap();
    let got = f.weighted(&w).unwrap().mean(&["lat"]).unwrap();
    check("weighted_f_w_mean_lat", &got, true);
    // NaN in the weights is an error naming them, eagerly or when computed.
    let bad = DataArray::new(ndarray::array![1.0, f64::NAN, 2.0].into_dyn(), &["lat"])
        .unwrap()
        .with_name("area");
    let err = f.weighted(&bad).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidArgument { argument, reason } if argument == "weights" && reason.contains("\"area\"")),
        "{err}"
    );
    let lazy_bad = bad.chunk(&[("lat", 1)]).unwrap();
    let err = f
        .weighted(&lazy_bad)
        .unwrap()
        .sum(&["lat"])
        .unwrap()
        .compute()
        .unwrap_err();
    assert!(err.to_string().contains("missing values"), "{err}");
    // Weights on a dim the data lacks.
    let other = DataArray::new(ndarray::array![1.0, 2.0].into_dyn(), &["depth"]).unwrap();
    let err = f.weighted(&other).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidArgument { argument, reason } if argument == "weights" && reason.contains("\"depth\"")),
        "{err}"
    );
    // Reducing over a dim that is not there.
    let err = f
        .weighted(&input("w"))
        .unwrap()
        .mean(&["level"])
        .unwrap_err();
    assert!(
        matches!(&err, Error::DimNotFound { dim, .. } if dim == "level"),
        "{err}"
    );
    let err = f
        .weighted(&input("w"))
        .unwrap()
        .quantile(&[0.5, 1.5], &["lat"])
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidArgument { argument, .. } if argument == "q"),
        "{err}"
    );
    let err = Dataset::new().weighted(&input("w")).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidArgument { argument, .. } if argument == "weights"),
        "{err}"
    );
}

// ---- cumulative, shift, roll, diff, pad, clip, round ----

/// Every golden case of the verbs of item 2, computed by `f` on the input `src`.
fn verb_cases(src: &str, chunked: bool) -> Vec<(String, DataArray)> {
    use xr::dataset::PadMode;
    let a = data(src, chunked);
    let mut out = vec![
        (format!("cumsum_{src}"), a.cumsum("time").unwrap()),
        (format!("cumsum_{src}_lon"), a.cumsum("lon").unwrap()),
        (
            format!("shift_{src}_two"),
            a.shift(&[("time", 1), ("lon", -1)]).unwrap(),
        ),
        (
            format!("clip_{src}_int"),
            a.clip(Some((-2_i64).into()), Some(3_i64.into())).unwrap(),
        ),
        (
            format!("clip_{src}_float"),
            a.clip(Some((-2.5).into()), None).unwrap(),
        ),
        (
            format!("clip_{src}_max"),
            a.clip(None, Some(1.5.into())).unwrap(),
        ),
    ];
    // The golden cumprod runs on small values so that products stay exact.
    let small = if src == "f" {
        (&a / 2.0).unwrap()
    } else {
        let three = DataArray::new(NdArray::from_scalar(&3_i64.into()), &[] as &[&str]).unwrap();
        modulo(&a, &three)
    };
    out.push((format!("cumprod_{src}"), small.cumprod("time").unwrap()));
    for n in [1_isize, -2, 12] {
        out.push((format!("shift_{src}_{n}"), a.shift(&[("time", n)]).unwrap()));
    }
    for n in [1_isize, -5, 13] {
        out.push((
            format!("roll_{src}_{n}_coords"),
            a.roll(&[("lon", n)], true).unwrap(),
        ));
        out.push((
            format!("roll_{src}_{n}"),
            a.roll(&[("time", n)], false).unwrap(),
        ));
    }
    for n in [0_usize, 1, 2, 9, 10] {
        out.push((format!("diff_{src}_{n}"), a.diff("time", n).unwrap()));
    }
    for (mode, name) in [
        (PadMode::Constant, "constant"),
        (PadMode::Edge, "edge"),
        (PadMode::Wrap, "wrap"),
        (PadMode::Reflect, "reflect"),
    ] {
        out.push((
            format!("pad_{src}_{name}"),
            a.pad(&[("lon", (1, 2))], mode).unwrap(),
        ));
        out.push((
            format!("pad_{src}_{name}_time"),
            a.pad(&[("time", (3, 5))], mode).unwrap(),
        ));
    }
    for d in [0, 1, 2, -1] {
        out.push((format!("round_{src}_{d}"), a.round(d).unwrap()));
    }
    out
}

/// `a % b` for the integer input, which xr has no operator for: `a - 3 * floor(a / 3)`
/// computed exactly from the eager values, chunked like `a`.
fn modulo(a: &DataArray, _b: &DataArray) -> DataArray {
    let vals: Vec<i64> = a
        .values()
        .compute()
        .unwrap()
        .to_f64_vec()
        .unwrap()
        .iter()
        .map(|&v| (v as i64).rem_euclid(3))
        .collect();
    let arr = NdArray::from(ArrayD::from_shape_vec(IxDyn(a.shape()), vals).unwrap());
    let var = xr::Variable::new(a.dims(), arr).unwrap();
    let out = a.variable().with_data(var.data().clone()).unwrap();
    let da = DataArray::from_parts(a.name().map(str::to_string), out, a.coords().clone()).unwrap();
    match a.chunks() {
        Some(_) => da.chunk(&[("time", 2), ("lon", 3)]).unwrap(),
        None => da,
    }
}

#[test]
fn verbs_match_xarray() {
    for chunked in [false, true] {
        for src in SOURCES {
            for (case, got) in verb_cases(src, chunked) {
                check(&case, &got, chunked);
            }
        }
    }
}

#[test]
fn lazy_scans_keep_the_chunks() {
    let a = data("f", true);
    for got in [a.cumsum("time").unwrap(), a.cumprod("lon").unwrap()] {
        assert_eq!(got.chunks().unwrap(), a.chunks().unwrap());
    }
    let s = a.shift(&[("time", 3)]).unwrap();
    assert!(s.values().is_lazy());
}

#[test]
fn dataset_verbs_follow_xarray() {
    use xr::dataset::PadMode;
    use xr::Variable;
    // a(time, x) float, b(x) int, s(time) strings, coords time, x, c(time); the
    // expected values are what xarray 2026.9 gives for the same dataset.
    let a = Variable::new(
        &["time", "x"],
        ndarray::array![[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]].into_dyn(),
    )
    .unwrap()
    .with_attr("u", 1_i64);
    let b = Variable::new(&["x"], ndarray::array![1_i64, 2].into_dyn()).unwrap();
    let s = Variable::new(
        &["time"],
        NdArray::from(
            ArrayD::from_shape_vec(IxDyn(&[3]), vec!["a".to_string(), "b".into(), "c".into()])
                .unwrap(),
        ),
    )
    .unwrap();
    let ds = Dataset::new()
        .with_data_var("a", a)
        .unwrap()
        .with_data_var("b", b)
        .unwrap()
        .with_data_var("s", s)
        .unwrap()
        .with_coord(
            "time",
            Variable::new(&["time"], ndarray::array![1_i64, 2, 3].into_dyn()).unwrap(),
        )
        .unwrap()
        .with_coord(
            "x",
            Variable::new(&["x"], ndarray::array![5_i64, 6].into_dyn()).unwrap(),
        )
        .unwrap()
        .with_coord(
            "c",
            Variable::new(&["time"], ndarray::array![7_i64, 8, 9].into_dyn()).unwrap(),
        )
        .unwrap()
        .with_attr("g", 1_i64);
    let vals = |ds: &Dataset, k: &str| ds.variables()[k].values().unwrap().to_f64_vec().unwrap();
    let nan_eq = |a: Vec<f64>, b: &[f64]| {
        assert_eq!(a.len(), b.len(), "{a:?} vs {b:?}");
        assert!(
            a.iter().zip(b).all(|(x, y)| common::close(*x, *y, 0.0)),
            "{a:?} vs {b:?}"
        );
    };
    let n = f64::NAN;
    for lazy in [false, true] {
        let ds = if lazy {
            ds.chunk(&[("time", 2)]).unwrap()
        } else {
            ds.clone()
        };
        // cumsum: strings dropped, variables without the dim kept, attrs kept.
        let c = ds.cumsum("time").unwrap();
        assert!(!c.variables().contains_key("s"));
        nan_eq(vals(&c, "a"), &[0.0, 1.0, 2.0, 4.0, 6.0, 9.0]);
        nan_eq(vals(&c, "b"), &[1.0, 2.0]);
        nan_eq(vals(&c, "c"), &[7.0, 8.0, 9.0]);
        assert_eq!(c.variables()["a"].attrs().len(), 1);
        assert_eq!(c.attrs().len(), 1);
        // shift: data variables only; strings get "".
        let sh = ds.shift(&[("time", 1)]).unwrap();
        nan_eq(vals(&sh, "a"), &[n, n, 0.0, 1.0, 2.0, 3.0]);
        nan_eq(vals(&sh, "time"), &[1.0, 2.0, 3.0]);
        nan_eq(vals(&sh, "c"), &[7.0, 8.0, 9.0]);
        assert_eq!(
            sh.variables()["s"]
                .values()
                .unwrap()
                .get(&[0])
                .unwrap()
                .as_str(),
            Some("")
        );
        // roll: coordinates only with roll_coords.
        let r = ds.roll(&[("time", 1)], true).unwrap();
        nan_eq(vals(&r, "a"), &[4.0, 5.0, 0.0, 1.0, 2.0, 3.0]);
        nan_eq(vals(&r, "time"), &[3.0, 1.0, 2.0]);
        nan_eq(vals(&r, "c"), &[9.0, 7.0, 8.0]);
        assert_eq!(r.indexes()["time"].len(), 3);
        let r = ds.roll(&[("time", 1)], false).unwrap();
        nan_eq(vals(&r, "time"), &[1.0, 2.0, 3.0]);
        nan_eq(vals(&r, "c"), &[7.0, 8.0, 9.0]);
        // pad: coordinates on the dim padded too, with NaN for constant.
        let p = ds.pad(&[("time", (1, 0))], PadMode::Constant).unwrap();
        nan_eq(vals(&p, "a"), &[n, n, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
        nan_eq(vals(&p, "time"), &[n, 1.0, 2.0, 3.0]);
        nan_eq(vals(&p, "c"), &[n, 7.0, 8.0, 9.0]);
        nan_eq(vals(&p, "b"), &[1.0, 2.0]);
        // diff: strings cannot be subtracted, an error naming the variable.
        let err = ds.diff("time", 1).unwrap_err();
        assert!(err.to_string().contains("\"s\""), "{err}");
        let d = ds.drop_vars(&["s"]).unwrap().diff("time", 1).unwrap();
        nan_eq(vals(&d, "a"), &[2.0, 2.0, 2.0, 2.0]);
        nan_eq(vals(&d, "time"), &[2.0, 3.0]);
        nan_eq(vals(&d, "c"), &[8.0, 9.0]);
        // clip and round leave coordinates alone.
        let k = ds
            .drop_vars(&["s"])
            .unwrap()
            .clip(Some(1_i64.into()), Some(4_i64.into()))
            .unwrap();
        nan_eq(vals(&k, "a"), &[1.0, 1.0, 2.0, 3.0, 4.0, 4.0]);
        nan_eq(vals(&k, "time"), &[1.0, 2.0, 3.0]);
        assert_eq!(k.variables()["b"].dtype(), xr::DType::I64);
    }
}

#[test]
fn bad_input_is_an_error_naming_it() {
    use xr::dataset::PadMode;
    let a = data("f", false);
    let missing = |r: xr::Result<DataArray>| {
        let err = r.unwrap_err();
        assert!(
            matches!(&err, Error::DimNotFound { dim, .. } if dim == "depth"),
            "{err}"
        );
    };
    missing(a.cumsum("depth"));
    missing(a.cumprod("depth"));
    missing(a.shift(&[("depth", 1)]));
    missing(a.roll(&[("depth", 1)], true));
    missing(a.diff("depth", 1));
    missing(a.pad(&[("depth", (1, 1))], PadMode::Edge));
    let ds = a.to_dataset();
    let err = ds.pad(&[("depth", (1, 1))], PadMode::Constant).unwrap_err();
    assert!(
        matches!(&err, Error::DimNotFound { dim, .. } if dim == "depth"),
        "{err}"
    );
    let err = ds.cumsum("depth").unwrap_err();
    assert!(
        matches!(&err, Error::DimNotFound { dim, .. } if dim == "depth"),
        "{err}"
    );
    // Non-constant padding of an empty dim.
    let empty = a.diff("time", 20).unwrap();
    assert_eq!(empty.shape(), [0, 3, 4]);
    let err = empty.pad(&[("time", (1, 0))], PadMode::Wrap).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidArgument { argument, .. } if argument == "pad_width"),
        "{err}"
    );
    // Strings have no running sum, no clip, no rounding.
    let s = DataArray::new(
        NdArray::from(
            ArrayD::from_shape_vec(IxDyn(&[2]), vec!["a".to_string(), "b".into()]).unwrap(),
        ),
        &["x"],
    )
    .unwrap();
    assert!(matches!(
        s.cumsum("x").unwrap_err(),
        Error::UnsupportedDType { .. }
    ));
    assert!(matches!(
        s.clip(Some(1.0.into()), None).unwrap_err(),
        Error::UnsupportedDType { .. }
    ));
    assert!(matches!(
        s.round(1).unwrap_err(),
        Error::UnsupportedDType { .. }
    ));
}

/// One verb with its arguments fixed, for the property test.
type Verb = Box<dyn Fn(&DataArray) -> DataArray>;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Chunking never changes an answer: every verb on random chunkings of the float and
    /// integer inputs equals the eager result.
    #[test]
    fn chunked_equals_eager(
        ct in 1_usize..10, cl in 1_usize..4, co in 1_usize..5,
        n in -11_isize..12, d in 0_usize..11, before in 0_usize..6, after in 0_usize..6,
        int in any::<bool>(),
    ) {
        use xr::dataset::PadMode;
        let src = if int { "i" } else { "f" };
        let eager = input(src);
        let lazy = eager.chunk(&[("time", ct), ("lat", cl), ("lon", co)]).unwrap();
        let w = input("w");
        let ops: Vec<(&str, Verb)> = vec![
            ("cumsum", Box::new(|a: &DataArray| a.cumsum("time").unwrap())),
            ("cumprod", Box::new(|a: &DataArray| a.clip(Some((-2_i64).into()), Some(2_i64.into())).unwrap().cumprod("lon").unwrap())),
            ("shift", Box::new(move |a: &DataArray| a.shift(&[("time", n)]).unwrap())),
            ("roll", Box::new(move |a: &DataArray| a.roll(&[("time", n), ("lon", n)], true).unwrap())),
            ("diff", Box::new(move |a: &DataArray| a.diff("time", d).unwrap())),
            ("pad", Box::new(move |a: &DataArray| a.pad(&[("time", (before, after))], PadMode::Reflect).unwrap())),
            ("pad_wrap", Box::new(move |a: &DataArray| a.pad(&[("lon", (before, after))], PadMode::Wrap).unwrap())),
            ("round", Box::new(|a: &DataArray| a.round(-1).unwrap())),
            ("weighted_mean", Box::new({ let w = w.clone(); move |a: &DataArray| a.weighted(&w).unwrap().mean(&["lat", "lon"]).unwrap() })),
            ("weighted_quantile", Box::new(move |a: &DataArray| a.weighted(&w).unwrap().quantile(&[0.2, 0.7], &["time", "lat"]).unwrap())),
        ];
        for (name, op) in &ops {
            let e = op(&eager);
            let l = op(&lazy);
            prop_assert!(l.values().is_lazy() || l.dims().is_empty(), "{} not lazy", name);
            prop_assert_eq!(e.dims(), l.dims());
            prop_assert_eq!(e.dtype(), l.dtype());
            let (ev, lv) = (e.values().to_f64_vec().unwrap(), l.values().to_f64_vec().unwrap());
            prop_assert_eq!(ev.len(), lv.len());
            for (x, y) in ev.iter().zip(&lv) {
                prop_assert!(common::close(*x, *y, 1e-12), "{}: {} vs {}", name, x, y);
            }
        }
    }
}
