//! The gaps of the everyday toolkit II against xarray (golden values from
//! tests/golden/make_tk2_gaps_golden.py): `polyfit` with weights, `full` and `cov`;
//! NaT of timedeltas and datetimes in the missing-data verbs; `convert_calendar` with
//! `align_on="random"` (its rule, since xarray's draws cannot be matched); `stack`'s
//! combined coordinate as tuples. Eager and chunked, errors naming the bad argument, and
//! property tests that chunking never changes an answer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::golden_file::{array_of, dims_of, shape_of, values_f64, GoldenFile};

use std::sync::OnceLock;

use proptest::prelude::*;
use serde_json::Value;
use xr::{DataArray, Dataset, Error, NdArray, PolyfitCov, PolyfitOptions};

fn golden() -> &'static GoldenFile {
    static G: OnceLock<GoldenFile> = OnceLock::new();
    G.get_or_init(|| GoldenFile::parse(include_str!("golden/tk2_gaps_golden.json")))
}

const CALENDARS: [&str; 3] = ["standard", "noleap", "360_day"];

fn ticks(text: &str, cal: xr::Calendar) -> i64 {
    xr::CfDatetime::parse(text, cal)
        .unwrap()
        .to_ticks()
        .unwrap()
}

/// Golden datetimes (ISO text, null for NaT) on `calendar`.
fn datetimes(values: &Value, calendar: &str) -> NdArray {
    let cal: xr::Calendar = calendar.parse().unwrap();
    let t: Vec<i64> = values
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().map_or(xr::time::NAT, |s| ticks(s, cal)))
        .collect();
    NdArray::datetime(ndarray::ArcArray::from(t).into_dyn(), cal)
}

/// Golden timedeltas (microseconds, null for NaT) of `shape`.
fn timedeltas(values: &Value, shape: &[usize]) -> NdArray {
    let t: Vec<i64> = values
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap_or(xr::time::NAT))
        .collect();
    NdArray::TimeDelta(
        ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(shape), t)
            .unwrap()
            .into_shared(),
    )
}

/// A golden input with its 1-D coordinates; `time` on `calendar` when given, `wx` and
/// `wy` along `x` and `y`.
fn input_from(v: &Value, calendar: Option<&str>) -> DataArray {
    let shape = shape_of(v);
    let dtype = v["dtype"].as_str().unwrap();
    let values = if dtype.starts_with("timedelta") {
        timedeltas(&v["values"], &shape)
    } else if dtype.starts_with("datetime") {
        datetimes(&v["values"], "standard")
    } else {
        array_of(&v["values"], dtype, &shape)
    };
    let mut da = DataArray::new(values, &dims_of(v))
        .unwrap()
        .with_name(v["name"].as_str().unwrap());
    for (c, vals) in v["coords"].as_object().unwrap() {
        let n = vals.as_array().unwrap().len();
        let cdtype = v["coord_dtypes"][c].as_str().unwrap();
        let values = match calendar {
            Some(cal) if c == "time" => datetimes(vals, cal),
            _ if cdtype.starts_with("<U") => NdArray::from(
                vals.as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().unwrap().to_string())
                    .collect::<Vec<_>>(),
            ),
            _ => array_of(vals, cdtype, &[n]),
        };
        let dim = match c.as_str() {
            "wx" => "x",
            "wy" => "y",
            "flag" => "lat",
            other => other,
        };
        da = da.with_coord(c, &[dim], values).unwrap();
    }
    da
}

/// Asserts `got` equals the golden array `e` within `rel` of the largest value of its
/// row along the first dim (NaN where xarray has NaN): dims, dtype, values.
fn check_close(what: &str, got: &DataArray, e: &Value, rel: f64) {
    assert_eq!(got.dims(), dims_of(e), "{what}: dims");
    assert_eq!(got.shape(), shape_of(e).as_slice(), "{what}: shape");
    assert_eq!(
        got.dtype().name(),
        e["dtype"].as_str().unwrap(),
        "{what}: dtype"
    );
    let values = got.values().to_f64_vec().unwrap();
    let expected = values_f64(&e["values"]);
    let row = expected.len() / shape_of(e).first().copied().unwrap_or(1).max(1);
    for (i, (g, x)) in values.iter().zip(&expected).enumerate() {
        let r = i / row.max(1) * row;
        let scale = expected[r..r + row]
            .iter()
            .filter(|v| !v.is_nan())
            .fold(0.0_f64, |m, v| v.abs().max(m));
        let ok = if x.is_nan() {
            g.is_nan()
        } else {
            (g - x).abs() <= rel * scale.max(x.abs())
        };
        assert!(
            ok,
            "{what}[{i}]: got {g}, expected {x} ({values:?} vs {expected:?})"
        );
    }
}

// ---- polyfit ----

fn fit_input(name: &str, chunked: bool) -> DataArray {
    let da = input_from(&golden()["polyfit"]["inputs"][name], None);
    if chunked {
        da.chunk(&[("x", 3), ("y", 4)]).unwrap()
    } else {
        da
    }
}

fn fit_time_input(cal: &str, chunked: bool) -> DataArray {
    let da = input_from(&golden()["polyfit"]["time_inputs"][cal], Some(cal));
    if chunked {
        da.chunk(&[("time", 3)]).unwrap()
    } else {
        da
    }
}

/// Asserts a fit equals a golden dataset: its data variables in xarray's order, each
/// within `rel`; lazy data stays lazy.
fn check_fit(case: &str, fit: &Dataset, e: &Value, lazy: bool, rel: f64) {
    let what = format!("{case} ({})", if lazy { "chunked" } else { "eager" });
    let names: Vec<&String> = fit.data_vars().map(|(n, _)| n).collect();
    let order: Vec<&str> = e["order"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(names, order, "{what}: data variables");
    for name in order {
        let got = fit.get(name).unwrap();
        // The unscaled covariance depends on the coordinate only (eager in xarray too).
        let data_free = case.ends_with("unscaled") && name.ends_with("covariance");
        if lazy && name.contains("polyfit") && !data_free {
            assert!(got.values().is_lazy(), "{what}: {name} lazy in, lazy out");
        }
        check_close(&format!("{what}: {name}"), &got, &e["vars"][name], rel);
    }
}

/// The options of a golden case name (`..._w_full`, `..._cov`, `..._unscaled`, ...).
fn options(case: &str, w: &str) -> PolyfitOptions {
    let mut o = PolyfitOptions::new();
    if case.contains("_w_") {
        o = o.weights_coord(w);
    }
    if case.contains("full") {
        o = o.full(true);
    }
    if case.ends_with("cov") {
        o = o.cov(PolyfitCov::Scaled);
    }
    if case.ends_with("unscaled") {
        o = o.cov(PolyfitCov::Unscaled);
    }
    if case.ends_with("rcond") {
        o = o.rcond(1e-3).full(true);
    }
    if case.ends_with("noskip") {
        o = o.skipna(false).full(true);
    }
    if case.ends_with("lane") {
        o = o.weights_coord(w).full(true).cov(PolyfitCov::Scaled);
    }
    o
}

#[test]
fn polyfit_weights_full_and_cov_match_xarray() {
    let cases = golden()["polyfit"]["cases"].as_object().unwrap();
    for chunked in [false, true] {
        for (case, e) in cases {
            let mut parts = case.split('_');
            let (src, dim) = (parts.next().unwrap(), parts.next().unwrap());
            let (da, dim, deg, rel) = if src == "t" {
                let cal = case.trim_start_matches("t_").trim_end_matches("_full_cov");
                (fit_time_input(cal, chunked), "time", 1, 1e-7)
            } else {
                let deg = parts.next().unwrap().parse().unwrap();
                let da = fit_input(src, chunked);
                // One lane: the residual is a scalar, the covariance 2-D.
                let da = if case.ends_with("lane") {
                    da.isel(&[("y", xr::dataset::Indexer::from(0_i64))])
                        .unwrap()
                } else {
                    da
                };
                (da, dim, deg, 1e-9)
            };
            let w = if dim == "x" { "wx" } else { "wy" };
            let fit = da.polyfit_with(dim, deg, &options(case, w)).unwrap();
            check_fit(case, &fit, e, chunked, rel);
        }
    }
}

#[test]
fn polyfit_of_a_dataset_names_each_variable() {
    for chunked in [false, true] {
        let ds = fit_input("f", chunked)
            .to_dataset()
            .merge(&fit_input("i", chunked).to_dataset())
            .unwrap();
        let opts = PolyfitOptions::new()
            .weights_coord("wx")
            .full(true)
            .cov(PolyfitCov::Scaled);
        let fit = ds.polyfit_with("x", 2, &opts).unwrap();
        check_fit(
            "dataset",
            &fit,
            &golden()["polyfit"]["dataset"],
            chunked,
            1e-9,
        );
    }
}

#[test]
fn polyfit_weights_as_values_equal_weights_as_a_coordinate() {
    let f = fit_input("f", false);
    let w = f.coord("wx").unwrap().values().to_f64_vec().unwrap();
    let by_coord = f
        .polyfit_with(
            "x",
            2,
            &PolyfitOptions::new().weights_coord("wx").full(true),
        )
        .unwrap();
    let by_values = f
        .polyfit_with("x", 2, &PolyfitOptions::new().weights(w).full(true))
        .unwrap();
    for name in [
        "polyfit_coefficients",
        "polyfit_residuals",
        "x_singular_values",
    ] {
        let (a, b) = (
            by_coord.get(name).unwrap().values().to_f64_vec().unwrap(),
            by_values.get(name).unwrap().values().to_f64_vec().unwrap(),
        );
        assert_eq!(a.len(), b.len(), "{name}");
        assert!(
            a.iter()
                .zip(&b)
                .all(|(x, y)| x == y || (x.is_nan() && y.is_nan())),
            "{name}: {a:?} vs {b:?}"
        );
    }
}

#[test]
fn polyfit_bad_options_are_errors_naming_them() {
    let f = fit_input("f", false);
    let err = f
        .polyfit_with("x", 1, &PolyfitOptions::new().weights(vec![1.0; 3]))
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidArgument { argument, .. } if argument == "w"),
        "{err}"
    );
    assert!(err.to_string().contains("\"x\""), "{err}");
    let err = f
        .polyfit_with("x", 1, &PolyfitOptions::new().weights_coord("nope"))
        .unwrap_err();
    assert!(
        matches!(&err, Error::VarNotFound { name, .. } if name == "nope"),
        "{err}"
    );
    let err = f
        .polyfit_with("x", 1, &PolyfitOptions::new().weights_coord("wy"))
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidArgument { argument, .. } if argument == "w"),
        "{err}"
    );
    // Scaling the covariance divides by (positions - coefficients).
    let err = f
        .polyfit_with("y", 5, &PolyfitOptions::new().cov(PolyfitCov::Scaled))
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidArgument { argument, .. } if argument == "cov"),
        "{err}"
    );
    let err = f
        .polyfit_with("z", 1, &PolyfitOptions::new().full(true))
        .unwrap_err();
    assert!(
        matches!(&err, Error::DimNotFound { dim, .. } if dim == "z"),
        "{err}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// Chunking never changes a weighted fit, its residuals or its covariance.
    #[test]
    fn chunked_polyfit_equals_eager(cx in 1usize..8, cy in 1usize..7, src in 0usize..2, y_dim in any::<bool>()) {
        let name = ["f", "i"][src];
        let (dim, w) = if y_dim { ("y", "wy") } else { ("x", "wx") };
        let eager = fit_input(name, false);
        let lazy = eager.chunk(&[("x", cx), ("y", cy)]).unwrap();
        let opts = PolyfitOptions::new().weights_coord(w).full(true).cov(PolyfitCov::Scaled);
        let (e, l) = (eager.polyfit_with(dim, 2, &opts).unwrap(), lazy.polyfit_with(dim, 2, &opts).unwrap());
        for name in ["polyfit_coefficients", "polyfit_residuals", "polyfit_covariance"] {
            let l = l.get(name).unwrap();
            prop_assert!(l.values().is_lazy());
            let (e, l) = (e.get(name).unwrap().values().to_f64_vec().unwrap(), l.values().to_f64_vec().unwrap());
            prop_assert_eq!(e.len(), l.len());
            for (a, b) in e.iter().zip(&l) {
                prop_assert!(common::close(*a, *b, 1e-12), "{}: {:?} vs {:?}", name, e, l);
            }
        }
    }
}

// ---- NaT of timedeltas and datetimes in the missing-data verbs ----

/// The timedelta input (NaT in places) along a time axis on `cal`, or the datetime
/// input `d`; chunked by 3 along time.
fn nat_input(name: &str, chunked: bool) -> DataArray {
    let cal = (name != "d").then_some(name);
    let da = input_from(&golden()["nat"]["inputs"][name], cal);
    if chunked {
        da.chunk(&[("time", 3)]).unwrap()
    } else {
        da
    }
}

/// Asserts a result against a golden NaT case: dims, dtype kind, values (ticks
/// within `tol`, NaT where xarray has NaT; bools exactly) and the 1-D coordinates.
fn check_nat(case: &str, got: &DataArray, cal: &str, lazy: bool, tol: i64) {
    let e = &golden()["nat"]["cases"][case];
    assert!(!e.is_null(), "no golden case {case}");
    let what = format!("{case} ({})", if lazy { "chunked" } else { "eager" });
    assert_eq!(got.values().is_lazy(), lazy, "{what}: lazy in, lazy out");
    assert_eq!(got.dims(), dims_of(e), "{what}: dims");
    assert_eq!(got.shape(), shape_of(e).as_slice(), "{what}: shape");
    let dtype = e["dtype"].as_str().unwrap();
    let values = got.values().compute().unwrap();
    let (got_ticks, want_ticks) = match (&values, dtype) {
        (NdArray::Bool(b), "bool") => {
            let want: Vec<bool> = e["values"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_bool().unwrap())
                .collect();
            assert_eq!(b.iter().copied().collect::<Vec<_>>(), want, "{what}");
            (vec![], vec![])
        }
        (NdArray::TimeDelta(t), d) if d.starts_with("timedelta") => {
            let want = timedeltas(&e["values"], &shape_of(e));
            (t.iter().copied().collect(), storage_ticks(&want))
        }
        (NdArray::DateTime(t, _), d) if d.starts_with("datetime") => {
            let want = datetimes(&e["values"], "standard");
            (t.iter().copied().collect(), storage_ticks(&want))
        }
        (other, _) => panic!("{what}: dtype {} where xarray has {dtype}", other.dtype()),
    };
    for (i, (g, w)) in got_ticks.iter().zip(&want_ticks).enumerate() {
        let ok = if *w == xr::time::NAT {
            *g == xr::time::NAT
        } else {
            *g != xr::time::NAT && (g - w).abs() <= tol
        };
        assert!(ok, "{what}[{i}]: {got_ticks:?} vs {want_ticks:?}");
    }
    for (c, vals) in e["coords"].as_object().unwrap() {
        let coord = got.coord(c).unwrap().values().compute().unwrap();
        let want = if c == "time" && cal != "d" {
            datetimes(vals, cal)
        } else {
            array_of(
                vals,
                e["coord_dtypes"][c].as_str().unwrap(),
                &[vals.as_array().unwrap().len()],
            )
        };
        assert!(
            coord.equals(&want),
            "{what}: coordinate {c}: {coord:?} vs {want:?}"
        );
    }
}

fn storage_ticks(a: &NdArray) -> Vec<i64> {
    match a {
        NdArray::TimeDelta(t) | NdArray::DateTime(t, _) => t.iter().copied().collect(),
        other => panic!("not ticks: {}", other.dtype()),
    }
}

#[test]
fn timedelta_nat_is_missing_as_in_xarray() {
    use xr::dataset::{How, InterpMethod};
    let hours = |h: i64| h * 3_600_000_000;
    for chunked in [false, true] {
        for cal in CALENDARS {
            let a = nat_input(cal, chunked);
            let check = |case: &str, got: &DataArray| {
                check_nat(&format!("{case}_{cal}"), got, cal, chunked, 0);
            };
            check("isnull", &a.isnull().unwrap());
            check("notnull", &a.notnull().unwrap());
            check(
                "fillna",
                &a.fillna(xr::Scalar::TimeDelta(hours(-36))).unwrap(),
            );
            check("ffill", &a.ffill("time", None).unwrap());
            let case = |s: &str, suffix: &str| format!("{s}_{cal}_{suffix}");
            let c = |s: &str, suffix: &str, got: &DataArray| {
                check_nat(&case(s, suffix), got, cal, chunked, 0);
            };
            c("ffill", "1", &a.ffill("time", Some(1)).unwrap());
            check("bfill", &a.bfill("time", None).unwrap());
            c("bfill", "2", &a.bfill("time", Some(2)).unwrap());
            c("dropna", "any", &a.dropna("time", How::Any, None).unwrap());
            c("dropna", "all", &a.dropna("time", How::All, None).unwrap());
            c("dropna", "y_all", &a.dropna("y", How::All, None).unwrap());
            c(
                "dropna",
                "thresh",
                &a.dropna("time", How::Any, Some(2)).unwrap(),
            );
            let interp = |method, limit| a.interpolate_na("time", method, limit, None).unwrap();
            c("interp", "nearest", &interp(InterpMethod::Nearest, None));
            c(
                "interp",
                "nearest_1",
                &interp(InterpMethod::Nearest, Some(1)),
            );
            // Rounded to the tick: numpy rounds ties to even, xr away from zero.
            check_nat(
                &case("interp", "linear"),
                &interp(InterpMethod::Linear, None),
                cal,
                chunked,
                1,
            );
        }
    }
}

#[test]
fn datetime_nat_is_missing_in_dropna_and_interpolate_na() {
    use xr::dataset::{How, InterpMethod, MaxGap};
    for chunked in [false, true] {
        let d = nat_input("d", chunked);
        check_nat(
            "dropna_d",
            &d.dropna("time", How::Any, None).unwrap(),
            "d",
            chunked,
            0,
        );
        let interp = |method, gap: Option<f64>| {
            d.interpolate_na("time", method, None, gap.map(MaxGap::from))
                .unwrap()
        };
        check_nat(
            "interp_d_nearest",
            &interp(InterpMethod::Nearest, None),
            "d",
            chunked,
            0,
        );
        check_nat(
            "interp_d_linear",
            &interp(InterpMethod::Linear, None),
            "d",
            chunked,
            1,
        );
        check_nat(
            "interp_d_linear_gap",
            &interp(InterpMethod::Linear, Some(2.0)),
            "d",
            chunked,
            1,
        );
    }
}

#[test]
fn timedelta_fillna_takes_a_timedelta_and_an_aligned_array() {
    let a = nat_input("noleap", false);
    let err = a.fillna(1.5).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidArgument { argument, .. } if argument == "value"),
        "{err}"
    );
    let dt = xr::Scalar::DateTime(0, xr::Calendar::NoLeap);
    let err = a.fillna(dt).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidArgument { argument, .. } if argument == "value"),
        "{err}"
    );
    // Filling from an array of timedeltas (the forward fill) equals ffill where the
    // forward fill has a value.
    let ff = a.ffill("time", None).unwrap();
    let filled = a.fillna_with(&ff).unwrap();
    assert!(filled
        .values()
        .compute()
        .unwrap()
        .equals(&ff.values().compute().unwrap()));
    let err = a.ffill("day", None).unwrap_err();
    assert!(
        matches!(&err, Error::DimNotFound { dim, .. } if dim == "day"),
        "{err}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// Chunking never changes a fill of timedeltas.
    #[test]
    fn chunked_timedelta_fills_equal_eager(ct in 1usize..9, cy in 1usize..4, limit in proptest::option::of(0usize..4), cal in 0usize..3) {
        let eager = nat_input(CALENDARS[cal], false);
        let lazy = eager.chunk(&[("time", ct), ("y", cy)]).unwrap();
        let m = xr::dataset::InterpMethod::Nearest;
        let pairs = [
            (eager.ffill("time", limit).unwrap(), lazy.ffill("time", limit).unwrap()),
            (eager.bfill("time", limit).unwrap(), lazy.bfill("time", limit).unwrap()),
            (eager.interpolate_na("time", m, limit, None).unwrap(), lazy.interpolate_na("time", m, limit, None).unwrap()),
            (eager.dropna("time", xr::dataset::How::Any, limit).unwrap(), lazy.dropna("time", xr::dataset::How::Any, limit).unwrap()),
        ];
        for (e, l) in pairs {
            prop_assert!(l.values().is_lazy());
            let (e, l) = (e.values().compute().unwrap(), l.values().compute().unwrap());
            prop_assert!(e.equals(&l), "{:?} vs {:?}", e, l);
        }
    }
}

// ---- convert_calendar(align_on="random") ----

const DAY: i64 = 86_400_000_000;

/// Daily values `0, 1, 2, ...` from 2000-01-01 on `calendar`, as many days as the
/// golden source has; eager or chunked by 100 days.
fn daily(calendar: &str, days: i64, chunked: bool) -> DataArray {
    let cal: xr::Calendar = calendar.parse().unwrap();
    let start = ticks("2000-01-01T00:00:00", cal);
    let t: Vec<i64> = (0..days).map(|d| start + d * DAY).collect();
    let time = NdArray::datetime(ndarray::arr1(&t).into_dyn().into_shared(), cal);
    #[allow(clippy::cast_precision_loss)]
    let values: Vec<f64> = (0..days).map(|d| d as f64).collect();
    let da = DataArray::new(values, &["time"])
        .unwrap()
        .with_name("v")
        .with_coord("time", &["time"], time)
        .unwrap();
    if chunked {
        da.chunk(&[("time", 100)]).unwrap()
    } else {
        da
    }
}

/// The converted times as (year, day of year) and the values they carry.
fn years_and_days(da: &DataArray, calendar: &str) -> (Vec<(i64, i64)>, Vec<f64>) {
    let cal: xr::Calendar = calendar.parse().unwrap();
    let NdArray::DateTime(t, c) = da.coord("time").unwrap().values().compute().unwrap() else {
        panic!("time is not datetimes");
    };
    assert_eq!(c, cal, "target calendar");
    let t: Vec<i64> = t.iter().copied().collect();
    let doy = xr::time::components::dayofyear(&t, cal);
    let out = t
        .iter()
        .zip(doy)
        .map(|(&x, d)| (xr::CfDatetime::from_ticks(x, cal).year, i64::from(d)))
        .collect();
    (out, da.values().to_f64_vec().unwrap())
}

/// The 72-day blocks (0..5) of the year's five random slots, from the days of a year
/// on the 365- or 366-day side (target days for a conversion `from_360`, source days
/// kept for one to it), with the leap day taken out.
fn blocks_of_slots(days: &[i64], leap_day: Option<i64>, from_360: bool) -> Vec<i64> {
    let days: Vec<i64> = days
        .iter()
        .filter(|&&d| Some(d) != leap_day)
        .map(|&d| {
            if leap_day.is_some_and(|l| d > l) {
                d - 1
            } else {
                d
            }
        })
        .collect();
    // The days left out of the 365: to 360_day, the 0-based slot itself; from it, the
    // day after slot `s` (0-based in the 360-day year), moved on by the `k` slots
    // before it, is left out: day `s + 2 + k`.
    let missing: Vec<i64> = (1..=365).filter(|d| !days.contains(d)).collect();
    (0..)
        .zip(&missing)
        .map(|(k, &m)| if from_360 { m - 2 - k } else { m - 1 } / 72)
        .collect()
}

#[test]
fn random_align_on_follows_xarrays_rule() {
    let cases = golden()["random"].as_object().unwrap();
    for (case, e) in cases {
        let (source, target) = case
            .split_once('_')
            .map(|(a, b)| {
                if a == "360" {
                    let (_, t) = b.split_once('_').unwrap();
                    ("360_day", t)
                } else {
                    (a, b)
                }
            })
            .unwrap();
        let days: i64 = e["source_per_year"]
            .as_object()
            .unwrap()
            .values()
            .map(|n| n.as_i64().unwrap())
            .sum();
        for chunked in [false, true] {
            let da = daily(source, days, chunked);
            let random = |seed| {
                da.convert_calendar_with(
                    target,
                    "time",
                    Some(xr::time::AlignOn::Random { seed }),
                    None,
                )
                .unwrap()
            };
            let out = random(7);
            assert_eq!(out.values().is_lazy(), chunked, "{case}: lazy in, lazy out");
            let (dates, values) = years_and_days(&out, target);
            // The data follow their dates, in order.
            assert!(values.windows(2).all(|w| w[0] < w[1]), "{case}: {values:?}");
            assert!(
                dates.windows(2).all(|w| w[0] < w[1]),
                "{case}: dates in order"
            );
            for (year, want) in e["per_year"].as_object().unwrap() {
                let year: i64 = year.parse().unwrap();
                let of_year: Vec<i64> = dates
                    .iter()
                    .filter(|(y, _)| *y == year)
                    .map(|&(_, d)| d)
                    .collect();
                assert_eq!(
                    of_year.len() as i64,
                    want.as_i64().unwrap(),
                    "{case} {year}: dates kept"
                );
                let (side, leap_day) = if source == "360_day" {
                    let cal: xr::Calendar = target.parse().unwrap();
                    // 29 February is never a target.
                    let leap = cal.days_in_year(year) == 366;
                    assert!(
                        !leap || !of_year.contains(&60),
                        "{case} {year}: 29 February"
                    );
                    (of_year, leap.then_some(60))
                } else {
                    assert_eq!(of_year, (1..=360).collect::<Vec<_>>(), "{case} {year}");
                    // The source days kept, by their day of year in the source.
                    let cal: xr::Calendar = source.parse().unwrap();
                    let start = ticks(&format!("{year}-01-01T00:00:00"), cal);
                    let first = (start - ticks("2000-01-01T00:00:00", cal)) / DAY;
                    #[allow(clippy::cast_precision_loss)]
                    let kept: Vec<i64> = values
                        .iter()
                        .map(|&v| v as i64 - first + 1)
                        .filter(|&d| (1..=i64::from(cal.days_in_year(year))).contains(&d))
                        .collect();
                    // A leap year drops its 61st day, as xarray's code does.
                    let leap = cal.days_in_year(year) == 366;
                    assert!(
                        !leap || !kept.contains(&61),
                        "{case} {year}: day 61 of a leap year"
                    );
                    (kept, leap.then_some(61))
                };
                assert_eq!(
                    blocks_of_slots(&side, leap_day, source == "360_day"),
                    [0, 1, 2, 3, 4],
                    "{case} {year}: one slot per block"
                );
            }
            // Reproducible with a seed; another seed picks other days.
            // (The days kept show in the dates from 360_day, in the values to it.)
            let picked = (dates, values);
            assert!(
                years_and_days(&random(7), target) == picked,
                "{case}: same seed, same days"
            );
            assert!(
                years_and_days(&random(8), target) != picked,
                "{case}: another seed"
            );
            // Unseeded, as xarray: the same counts.
            let unseeded = da
                .convert_calendar(target, "time", Some("random"), None)
                .unwrap();
            assert_eq!(unseeded.shape(), out.shape(), "{case}: unseeded");
        }
    }
}

#[test]
fn random_align_on_is_ignored_between_other_calendars() {
    let da = daily("standard", 800, false);
    let random = Some(xr::time::AlignOn::Random { seed: 1 });
    let by_random = da
        .convert_calendar_with("noleap", "time", random, None)
        .unwrap();
    let by_date = da
        .convert_calendar("noleap", "time", Some("date"), None)
        .unwrap();
    assert!(by_random.values().equals(by_date.values()));
    assert!(by_random
        .coord("time")
        .unwrap()
        .values()
        .equals(by_date.coord("time").unwrap().values()));
    let err = da
        .convert_calendar("360_day", "day", Some("random"), None)
        .unwrap_err();
    assert!(err.to_string().contains("\"day\""), "{err}");
}

// ---- stack: the combined coordinate as xarray shows it ----

fn stack_input(chunked: bool) -> DataArray {
    let da = input_from(&golden()["stack"]["input"], None);
    if chunked {
        da.chunk(&[("time", 1), ("lat", 2)]).unwrap()
    } else {
        da
    }
}

/// The golden value of one tuple element as a scalar of the level's dtype.
fn tuple_item(v: &Value) -> xr::Scalar {
    match v {
        Value::Number(n) if n.is_i64() => xr::Scalar::I64(n.as_i64().unwrap()),
        Value::Number(n) => xr::Scalar::F64(n.as_f64().unwrap()),
        Value::String(s) => xr::Scalar::Str(s.clone()),
        other => panic!("unexpected tuple element {other}"),
    }
}

fn check_stacked(case: &str, got: &DataArray, dim: &str, lazy: bool) {
    let e = &golden()["stack"]["cases"][case];
    let what = format!("{case} ({})", if lazy { "chunked" } else { "eager" });
    assert_eq!(got.dims(), dims_of(e), "{what}: dims");
    assert_eq!(got.values().is_lazy(), lazy, "{what}: lazy in, lazy out");
    let values = got.values().to_f64_vec().unwrap();
    let expected = values_f64(&e["values"]);
    assert!(
        values
            .iter()
            .zip(&expected)
            .all(|(a, b)| a == b || (a.is_nan() && b.is_nan()))
            && values.len() == expected.len(),
        "{what}: {values:?} vs {expected:?}"
    );
    // The levels: names, dtypes and values along the stacked dim.
    let mi = got.multi_index(dim).unwrap();
    let names: Vec<&str> = e["level_names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert_eq!(mi.names(), names, "{what}: level names");
    for name in &names {
        let level = got.coord(name).unwrap();
        assert_eq!(level.dims(), [dim], "{what}: level {name} along {dim}");
        assert_eq!(
            level.dtype().name(),
            e["level_dtypes"][name].as_str().unwrap(),
            "{what}: dtype of level {name}"
        );
        assert_eq!(
            level.values().to_f64_vec().unwrap(),
            values_f64(&e["levels"][name]),
            "{what}: level {name}"
        );
    }
    // The combined labels are xarray's tuples.
    let want: Vec<Vec<xr::Scalar>> = e["tuples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_array().unwrap().iter().map(tuple_item).collect())
        .collect();
    assert_eq!(mi.tuples().unwrap(), want, "{what}: tuples");
    // The repr shows the dim as a MultiIndex and marks its levels as indexed.
    let repr = got.to_string();
    let line = e["repr_line"].as_str().unwrap();
    assert!(
        repr.lines().any(|l| l == line),
        "{what}: no line {line:?} in\n{repr}"
    );
    for name in &names {
        let marked = format!("  * {name} ");
        assert!(
            repr.lines().any(|l| l.starts_with(&marked)),
            "{what}: level {name} not marked in\n{repr}"
        );
    }
    assert!(
        repr.lines().any(|l| l.starts_with("    flag ")),
        "{what}: flag is no level\n{repr}"
    );
}

#[test]
fn stacked_coordinate_shows_as_xarrays_multi_index() {
    for chunked in [false, true] {
        let a = stack_input(chunked);
        let z = a.stack("z", &["lat", "lon"]).unwrap();
        check_stacked("lat_lon", &z, "z", chunked);
        check_stacked(
            "lon_time",
            &a.stack("s", &["lon", "time"]).unwrap(),
            "s",
            chunked,
        );
        let picked = z
            .isel(&[("z", xr::dataset::Indexer::List(vec![4, 0, 3]))])
            .unwrap();
        check_stacked("lat_lon_isel", &picked, "z", chunked);
        assert_eq!(
            z.multi_index("z").unwrap().labels().unwrap(),
            [
                "(10.0, 100)",
                "(10.0, 200)",
                "(0.0, 100)",
                "(0.0, 200)",
                "(-10.0, 100)",
                "(-10.0, 200)"
            ]
            .map(String::from),
            "Python's tuples"
        );
        // unstack gives back the input; `flag`, carried along the stacked dim, is no
        // level and comes back along both dims, as in xarray.
        let back = z.unstack("z").unwrap();
        let e = &golden()["stack"]["cases"]["unstack_lat_lon"];
        assert_eq!(back.dims(), dims_of(e), "unstack: dims");
        let (got, want) = (
            back.values().to_f64_vec().unwrap(),
            values_f64(&e["values"]),
        );
        assert!(
            got.iter()
                .zip(&want)
                .all(|(a, b)| a == b || (a.is_nan() && b.is_nan())),
            "unstack: {got:?} vs {want:?}"
        );
        for (c, vals) in e["coords"].as_object().unwrap() {
            let coord = back.coord(c).unwrap();
            assert_eq!(coord.dims(), [c.as_str()], "unstack: coordinate {c}");
            assert_eq!(
                coord.values().to_f64_vec().unwrap(),
                values_f64(vals),
                "unstack: coordinate {c}"
            );
        }
        assert_eq!(
            back.coord("flag").unwrap().dims(),
            ["lat", "lon"],
            "unstack: flag"
        );
    }
}

#[test]
fn a_single_dim_stack_and_an_integer_dim_are_no_multi_index_in_repr() {
    let a = stack_input(false);
    let one = a.stack("z", &["lat"]).unwrap();
    assert_eq!(one.multi_index("z").unwrap().names(), ["lat"]);
    assert!(!one.to_string().contains("MultiIndex"), "{one}");
    // An integer dim with coordinates along it is an ordinary index.
    let stations = DataArray::new(vec![1.0, 2.0, 3.0], &["station"])
        .unwrap()
        .with_coord("station", &["station"], vec![0_i64, 1, 2])
        .unwrap()
        .with_coord("lat", &["station"], vec![10.0, 20.0, 30.0])
        .unwrap()
        .with_coord("lon", &["station"], vec![1.0, 1.0, 2.0])
        .unwrap();
    assert!(!stations.to_string().contains("MultiIndex"), "{stations}");
    let err = a.unstack("time").unwrap_err();
    assert!(
        matches!(&err, Error::InvalidArgument { argument, .. } if argument == "dim"),
        "{err}"
    );
    assert!(err.to_string().contains("\"time\""), "{err}");
    let err = a.stack("z", &["lat", "depth"]).unwrap_err();
    assert!(
        matches!(&err, Error::DimNotFound { dim, .. } if dim == "depth"),
        "{err}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// Chunking never changes a stack, its levels and tuples, or its unstack.
    #[test]
    fn chunked_stack_equals_eager(ct in 1usize..3, cl in 1usize..4, cn in 1usize..3, pick in proptest::collection::vec(0isize..6, 1..6)) {
        let eager = stack_input(false);
        let lazy = eager.chunk(&[("time", ct), ("lat", cl), ("lon", cn)]).unwrap();
        let stack = |a: &DataArray| a.stack("z", &["lat", "lon"]).unwrap();
        let (e, l) = (stack(&eager), stack(&lazy));
        prop_assert!(l.values().is_lazy());
        prop_assert_eq!(e.multi_index("z").unwrap().tuples().unwrap(), l.multi_index("z").unwrap().tuples().unwrap());
        let same = |a: &DataArray, b: &DataArray| {
            let (a, b) = (a.values().to_f64_vec().unwrap(), b.values().to_f64_vec().unwrap());
            a.len() == b.len() && a.iter().zip(&b).all(|(x, y)| x == y || (x.is_nan() && y.is_nan()))
        };
        prop_assert!(same(&e, &l));
        prop_assert!(same(&e.unstack("z").unwrap(), &l.unstack("z").unwrap()));
        // A selection without repeats unstacks alike, NaN where a combination is gone.
        let mut pick = pick;
        pick.sort_unstable();
        pick.dedup();
        let sel = |a: &DataArray| a.isel(&[("z", xr::dataset::Indexer::List(pick.clone()))]).unwrap();
        prop_assert!(same(&sel(&e).unstack("z").unwrap(), &sel(&l).unstack("z").unwrap()));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// Chunking never changes a conversion with random days, for any seed.
    #[test]
    fn chunked_random_conversion_equals_eager(chunk in 1usize..400, seed in any::<u64>(), to_360 in any::<bool>()) {
        let (source, target, days) = if to_360 { ("noleap", "360_day", 730) } else { ("360_day", "standard", 720) };
        let eager = daily(source, days, false);
        let lazy = eager.chunk(&[("time", chunk)]).unwrap();
        let random = Some(xr::time::AlignOn::Random { seed });
        let e = eager.convert_calendar_with(target, "time", random, None).unwrap();
        let l = lazy.convert_calendar_with(target, "time", random, None).unwrap();
        prop_assert!(l.values().is_lazy());
        prop_assert_eq!(e.values().to_f64_vec().unwrap(), l.values().to_f64_vec().unwrap());
        prop_assert!(e.coord("time").unwrap().values().equals(l.coord("time").unwrap().values()));
    }
}
