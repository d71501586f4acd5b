//! The everyday toolkit against xarray, part two: quantile (linear, nearest),
//! idxmin/idxmax and corr/cov on eager and chunked inputs with NaNs, integer and float
//! dtypes, datetime coordinates of three calendars (golden values from
//! tests/golden/make_toolkit2_golden.py), errors naming the bad argument, and property
//! tests that chunking never changes an answer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::golden_file::{array_of, dims_of, shape_of, values_f64, GoldenFile};

use std::sync::OnceLock;

use proptest::prelude::*;
use xr::dataset::QuantileMethod;
use xr::{DataArray, Dataset, Error, NdArray};

fn golden() -> &'static GoldenFile {
    static G: OnceLock<GoldenFile> = OnceLock::new();
    G.get_or_init(|| GoldenFile::parse(include_str!("golden/toolkit2_golden.json")))
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

// ---- quantile ----

const Q: [f64; 5] = [0.0, 0.1, 0.5, 0.9, 1.0];

fn method_of(name: &str) -> QuantileMethod {
    match name {
        "nearest" => QuantileMethod::Nearest,
        _ => QuantileMethod::Linear,
    }
}

#[test]
fn quantile_matches_xarray() {
    for chunked in [false, true] {
        for src in SOURCES {
            let da = data(src, chunked);
            for method in ["linear", "nearest"] {
                for (dims_name, dims) in [
                    ("time", &["time"][..]),
                    ("timelon", &["time", "lon"][..]),
                    ("all", &[][..]),
                ] {
                    let got = da.quantile_by(&Q, dims, method_of(method), None).unwrap();
                    check(
                        &format!("quantile_{src}_{method}_{dims_name}"),
                        &got,
                        chunked,
                    );
                }
            }
            let got = da
                .quantile_by(
                    &[0.25, 0.75],
                    &["time"],
                    QuantileMethod::Linear,
                    Some(false),
                )
                .unwrap();
            check(&format!("quantile_{src}_noskip"), &got, chunked);
            let got = da.quantile(&[0.3], &["lat"]).unwrap();
            check(&format!("quantile_{src}_one"), &got, chunked);
        }
    }
}

#[test]
fn quantile_dataset_and_errors() {
    let ds = data("f", true)
        .to_dataset()
        .with_data_var("i", input("i").variable().clone())
        .unwrap();
    let q = ds.quantile(&Q, &["time"]).unwrap();
    assert!(q.variables().contains_key("quantile") && !q.variables().contains_key("time"));
    check("quantile_f_linear_time", &q.get("f").unwrap(), true);
    check(
        "quantile_i_linear_time",
        &q.get("i").unwrap().with_name("i"),
        false,
    );
    // As xarray: float32 gives float64 by `linear` (numpy, for a list of q) and stays
    // float32 by `nearest`; a Dataset keeps its attrs, keeps a variable without the dim
    // as it is and gives a scalar one the quantile dim.
    let f32a = DataArray::new(
        NdArray::from(ndarray::array![0.0_f32, 1.0, 2.0, 3.0].into_dyn()),
        &["t"],
    )
    .unwrap();
    let q = f32a.quantile(&[0.3], &["t"]).unwrap();
    assert_eq!(q.dtype(), xr::DType::F64);
    assert!(common::close(
        q.values().to_f64_vec().unwrap()[0],
        0.9,
        1e-12
    ));
    let q = f32a
        .quantile_by(&[0.3], &["t"], QuantileMethod::Nearest, None)
        .unwrap();
    assert_eq!(q.dtype(), xr::DType::F32);
    let small = Dataset::new()
        .with_data_var(
            "a",
            xr::Variable::new(
                &["t", "x"],
                NdArray::from(ndarray::array![[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]].into_dyn()),
            )
            .unwrap(),
        )
        .unwrap()
        .with_data_var(
            "b",
            xr::Variable::new(&["x"], NdArray::from(ndarray::array![1_i64, 2].into_dyn())).unwrap(),
        )
        .unwrap()
        .with_data_var(
            "c",
            xr::Variable::new(&[] as &[&str], NdArray::from(ndarray::arr0(3.0).into_dyn()))
                .unwrap(),
        )
        .unwrap()
        .with_attrs([("title".to_string(), "T".into())].into_iter().collect());
    let q = small.quantile(&[0.5], &["t"]).unwrap();
    assert_eq!(q.attrs().len(), 1);
    assert_eq!(q.get("a").unwrap().dims(), ["quantile", "x"]);
    assert_eq!(
        q.get("a").unwrap().values().to_f64_vec().unwrap(),
        [2.0, 3.0]
    );
    assert_eq!(q.get("b").unwrap().dims(), ["x"]);
    assert_eq!(q.get("b").unwrap().dtype(), xr::DType::I64);
    assert_eq!(q.get("c").unwrap().dims(), ["quantile"]);
    let f = input("f");
    for bad in [-0.1, 1.5, f64::NAN] {
        let err = f.quantile(&[0.5, bad], &["time"]).unwrap_err();
        assert!(
            matches!(&err, Error::InvalidArgument { argument, .. } if argument == "q"),
            "{err}"
        );
        let err = ds.quantile(&[bad], &["time"]).unwrap_err();
        assert!(
            matches!(&err, Error::InvalidArgument { argument, .. } if argument == "q"),
            "{err}"
        );
    }
    let err = f.quantile(&[0.5], &["level"]).unwrap_err();
    assert!(
        matches!(&err, Error::DimNotFound { dim, .. } if dim == "level"),
        "{err}"
    );
    let err = ds.quantile(&[0.5], &["level"]).unwrap_err();
    assert!(
        matches!(&err, Error::DimNotFound { dim, .. } if dim == "level"),
        "{err}"
    );
}

// ---- idxmin / idxmax ----

/// A time coordinate of the golden file on `calendar`.
fn time_coord(calendar: &str) -> NdArray {
    let cal: xr::Calendar = calendar.parse().unwrap();
    let ticks: Vec<i64> = golden()["time_coords"][calendar]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            xr::CfDatetime::parse(s.as_str().unwrap(), cal)
                .unwrap()
                .to_ticks()
                .unwrap()
        })
        .collect();
    NdArray::datetime(ndarray::ArcArray::from(ticks).into_dyn(), cal)
}

/// Asserts a datetime result: dims, calendar, values as ISO text (NaT for null).
fn check_datetimes(case: &str, got: &DataArray, calendar: &str, lazy: bool) {
    let e = &golden()["cases"][case];
    let what = format!("{case} ({})", if lazy { "chunked" } else { "eager" });
    assert_eq!(got.values().is_lazy(), lazy, "{what}: lazy in, lazy out");
    assert_eq!(got.dims(), dims_of(e), "{what}: dims");
    assert_eq!(
        got.dtype(),
        xr::DType::DateTime(calendar.parse().unwrap()),
        "{what}: dtype"
    );
    let got_values = got.values().compute().unwrap();
    for (k, x) in e["values"].as_array().unwrap().iter().enumerate() {
        let g = got_values.get_flat(k).unwrap();
        match x.as_str() {
            Some(text) => assert_eq!(g.to_string(), text, "{what}[{k}]"),
            None => assert!(
                matches!(g, xr::Scalar::DateTime(xr::time::NAT, _)),
                "{what}[{k}]: {g} is not NaT"
            ),
        }
    }
    assert_eq!(got.name(), e["name"].as_str(), "{what}: name");
}

#[test]
fn idxmin_idxmax_match_xarray() {
    for chunked in [false, true] {
        for src in SOURCES {
            let da = data(src, chunked);
            for op in ["idxmin", "idxmax"] {
                let run = |a: &DataArray, dim: &str| match op {
                    "idxmin" => a.idxmin(dim).unwrap(),
                    _ => a.idxmax(dim).unwrap(),
                };
                check(&format!("{op}_{src}_time"), &run(&da, "time"), chunked);
                check(&format!("{op}_{src}_lon"), &run(&da, "lon"), chunked);
                for cal in ["standard", "noleap", "360_day"] {
                    let timed = da
                        .clone()
                        .with_coord("time", &["time"], time_coord(cal))
                        .unwrap();
                    check_datetimes(
                        &format!("{op}_{src}_{cal}"),
                        &run(&timed, "time"),
                        cal,
                        chunked,
                    );
                }
            }
        }
        let got = data("f", chunked).idxmin_skipna("time", false).unwrap();
        check("idxmin_f_noskip", &got, chunked);
    }
}

#[test]
fn idxmin_dataset_and_errors() {
    let ds = data("f", true)
        .to_dataset()
        .with_data_var("i", input("i").variable().clone())
        .unwrap();
    let got = ds.idxmax("time").unwrap();
    assert!(!got.variables().contains_key("time"));
    check(
        "idxmax_f_time",
        &got.get("f").unwrap().with_name("time"),
        true,
    );
    check(
        "idxmax_i_time",
        &got.get("i").unwrap().with_name("time"),
        false,
    );
    let f = input("f");
    let err = f.idxmin("level").unwrap_err();
    assert!(
        matches!(&err, Error::DimNotFound { dim, .. } if dim == "level"),
        "{err}"
    );
    let err = ds.idxmax("level").unwrap_err();
    assert!(
        matches!(&err, Error::DimNotFound { dim, .. } if dim == "level"),
        "{err}"
    );
    // A dim without a coordinate has no labels to give.
    let bare = DataArray::new(ndarray::array![1.0, 2.0].into_dyn(), &["x"]).unwrap();
    let err = bare.idxmax("x").unwrap_err();
    assert!(
        matches!(&err, Error::InvalidArgument { argument, reason } if argument == "dim" && reason.contains("\"x\"")),
        "{err}"
    );
}

// ---- corr / cov ----

/// The second input of each golden pair: `h` is `g` on a shifted time axis (the inner
/// join keeps the common times).
fn data_b(src: &str, chunked: bool) -> DataArray {
    let da = input(src);
    if chunked {
        da.chunk(&[("time", 4), ("lat", 2)]).unwrap()
    } else {
        da
    }
}

#[test]
fn corr_cov_match_xarray() {
    for chunked in [false, true] {
        for (pa, pb) in [("f", "g"), ("i", "j"), ("f", "i"), ("f", "h")] {
            let (a, b) = (data(pa, chunked), data_b(pb, chunked));
            for (dims_name, dims) in [
                ("time", &["time"][..]),
                ("timelon", &["time", "lon"][..]),
                ("all", &[][..]),
            ] {
                let got = xr::corr(&a, &b, dims).unwrap();
                check(&format!("corr_{pa}{pb}_{dims_name}"), &got, chunked);
                for ddof in [0, 1] {
                    let got = xr::cov(&a, &b, dims, ddof).unwrap();
                    check(&format!("cov_{pa}{pb}_{dims_name}_{ddof}"), &got, chunked);
                }
            }
        }
    }
    // Eager with lazy gives lazy.
    let got = xr::corr(&data("f", false), &data_b("g", true), &["time"]).unwrap();
    check("corr_fg_time", &got, true);
}

#[test]
fn corr_cov_errors() {
    let (a, b) = (input("f"), input("g"));
    let err = xr::corr(&a, &b, &["level"]).unwrap_err();
    assert!(
        matches!(&err, Error::DimNotFound { dim, .. } if dim == "level"),
        "{err}"
    );
    let err = xr::cov(&a, &b, &["level"], 1).unwrap_err();
    assert!(
        matches!(&err, Error::DimNotFound { dim, .. } if dim == "level"),
        "{err}"
    );
}

// ---- resample upsampling ----

/// An upsampling input: (time, x) every 13 h on `calendar`, eager or chunked by 4.
fn upsample_input(src: &str, calendar: &str, chunked: bool) -> DataArray {
    let v = &golden()["upsample_inputs"][format!("up_{src}_{calendar}")];
    let shape = shape_of(v);
    let mut da = DataArray::new(
        array_of(&v["values"], v["dtype"].as_str().unwrap(), &shape),
        &dims_of(v),
    )
    .unwrap()
    .with_name(v["name"].as_str().unwrap())
    .with_coord("time", &["time"], time_coord(calendar))
    .unwrap()
    .with_coord("x", &["x"], NdArray::from(values_f64(&v["coords"]["x"])))
    .unwrap();
    for (k, a) in v["attrs"].as_object().unwrap() {
        da = da.with_attr(k, a.as_str().unwrap());
    }
    if chunked {
        da.chunk(&[("time", 4)]).unwrap()
    } else {
        da
    }
}

#[test]
fn upsampling_matches_xarray() {
    for chunked in [false, true] {
        for cal in ["standard", "noleap", "360_day"] {
            for src in SOURCES {
                let da = upsample_input(src, cal, chunked);
                for (verb, freq) in [
                    ("asfreq", "6h"),
                    ("ffill", "6h"),
                    ("bfill", "6h"),
                    ("nearest", "6h"),
                    ("interpolate", "6h"),
                    ("ffill", "D"),
                ] {
                    let r = da.resample("time", freq).unwrap();
                    let got = match verb {
                        "asfreq" => r.asfreq(),
                        "ffill" => r.ffill(),
                        "bfill" => r.bfill(),
                        "nearest" => r.nearest(),
                        _ => r.interpolate("linear"),
                    }
                    .unwrap();
                    let case = if freq == "D" {
                        format!("{verb}_{src}_{cal}_D")
                    } else {
                        format!("{verb}_{src}_{cal}")
                    };
                    let e = &golden()["upsample"][case.as_str()];
                    let what = format!("{case} ({})", if chunked { "chunked" } else { "eager" });
                    assert_eq!(got.values().is_lazy(), chunked, "{what}: lazy in, lazy out");
                    let edims = dims_of(e);
                    let edims: Vec<&str> = edims.iter().map(String::as_str).collect();
                    common::check_values(
                        &what,
                        got.values(),
                        got.dims(),
                        &values_f64(&e["values"]),
                        &edims,
                        e["dtype"].as_str().unwrap(),
                    );
                    let time = got.coords()["time"].data().compute().unwrap();
                    let etime = e["coords"]["time"].as_array().unwrap();
                    assert_eq!(time.len(), etime.len(), "{what}: time length");
                    for (k, t) in etime.iter().enumerate() {
                        assert_eq!(
                            time.get_flat(k).unwrap().to_string(),
                            t.as_str().unwrap(),
                            "{what}: time[{k}]"
                        );
                    }
                    assert_eq!(got.name(), e["name"].as_str(), "{what}: name");
                    let attrs: Vec<&String> = got.attrs().keys().collect();
                    let eattrs: Vec<&String> = e["attrs"].as_object().unwrap().keys().collect();
                    assert_eq!(attrs, eattrs, "{what}: attrs");
                }
            }
        }
    }
}

#[test]
fn upsampling_dataset() {
    // A Dataset upsamples each variable as its DataArray does; a coordinate along time
    // other than time itself is dropped (xarray's `_drop_coords`).
    let f = upsample_input("f", "360_day", true);
    let i = upsample_input("i", "360_day", false);
    let aux = xr::Variable::new(
        &["time"],
        NdArray::from((0..9).map(f64::from).collect::<Vec<_>>()),
    )
    .unwrap();
    let ds = f
        .to_dataset()
        .with_data_var("i", i.variable().clone())
        .unwrap()
        .with_coord("aux", aux)
        .unwrap();
    let up = ds.resample("time", "6h").unwrap().bfill().unwrap();
    assert!(!up.variables().contains_key("aux"));
    for (name, case) in [("f", "bfill_f_360_day"), ("i", "bfill_i_360_day")] {
        let got = up.get(name).unwrap();
        let e = &golden()["upsample"][case];
        assert_eq!(
            got.values().is_lazy(),
            name == "f",
            "{case}: lazy in, lazy out"
        );
        common::check_values(
            case,
            got.values(),
            got.dims(),
            &values_f64(&e["values"]),
            &["time", "x"],
            e["dtype"].as_str().unwrap(),
        );
    }
    let interp = ds
        .resample("time", "6h")
        .unwrap()
        .interpolate("linear")
        .unwrap();
    assert_eq!(interp.dims()["time"], 18);
    assert!(!interp.variables().contains_key("aux"));
}

#[test]
fn upsampling_errors() {
    let da = upsample_input("f", "noleap", false);
    let err = da
        .resample("time", "6h")
        .unwrap()
        .interpolate("cubic")
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidArgument { argument, .. } if argument == "kind"),
        "{err}"
    );
    // Groups of a plain groupby cannot upsample.
    let err = da.groupby("time.month").unwrap().ffill().unwrap_err();
    assert!(
        matches!(&err, Error::InvalidArgument { reason, .. } if reason.contains("resample")),
        "{err}"
    );
    let err = da.resample("level", "6h").unwrap_err();
    assert!(err.to_string().contains("level"), "{err}");
}

// ---- chunked equals eager ----

type Verb = Box<dyn Fn(&DataArray) -> DataArray>;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Chunking never changes an answer: every verb on random chunkings of the float and
    /// integer inputs equals the eager result.
    #[test]
    fn chunked_equals_eager(
        ct in 1_usize..10, cl in 1_usize..4, co in 1_usize..5,
        q in 0.0_f64..=1.0, int in any::<bool>(),
    ) {
        let src = if int { "i" } else { "f" };
        let eager = input(src);
        let lazy = eager.chunk(&[("time", ct), ("lat", cl), ("lon", co)]).unwrap();
        let g = input("g");
        let ops: Vec<(&str, Verb)> = vec![
            ("quantile", Box::new(move |a: &DataArray| a.quantile(&[q, 0.5], &["time", "lon"]).unwrap())),
            ("quantile_nearest", Box::new(move |a: &DataArray| {
                a.quantile_by(&[q], &["time"], QuantileMethod::Nearest, None).unwrap()
            })),
            ("idxmin", Box::new(|a: &DataArray| a.idxmin("time").unwrap())),
            ("idxmax", Box::new(|a: &DataArray| a.idxmax("lon").unwrap())),
            ("corr", Box::new({ let g = g.clone(); move |a: &DataArray| xr::corr(a, &g, &["time", "lat"]).unwrap() })),
            ("cov", Box::new(move |a: &DataArray| xr::cov(a, &g, &["time"], 1).unwrap())),
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
