//! Time on arrays against xarray: the `.dt` accessor (components, season, is_leap_year,
//! strftime), `convert_calendar` and `interp_calendar` on the calendars standard,
//! proleptic_gregorian, noleap, all_leap, 360_day and julian, eager and chunked, with
//! NaNs, float and integer dtypes (golden values from tests/golden/make_dt_golden.py);
//! errors naming the bad argument; property tests that chunking never changes an answer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::golden_file::{values_f64, GoldenFile};

use std::sync::OnceLock;

use ndarray::{ArrayD, IxDyn};
use proptest::prelude::*;
use serde_json::Value;
use xr::time::{format_ticks, parse_partial_datetime, Calendar};
use xr::{DataArray, Dataset, Error, NdArray, Scalar, Variable};

fn golden() -> &'static GoldenFile {
    static G: OnceLock<GoldenFile> = OnceLock::new();
    G.get_or_init(|| GoldenFile::parse(include_str!("golden/dt_golden.json")))
}

fn calendar(v: &Value) -> Calendar {
    v.as_str().unwrap().parse().unwrap()
}

fn ticks_of(iso: &Value, cal: Calendar) -> Vec<i64> {
    iso.as_array()
        .unwrap()
        .iter()
        .map(|s| parse_partial_datetime(s.as_str().unwrap(), cal).unwrap().0)
        .collect()
}

fn datetimes(ticks: &[i64], cal: Calendar) -> NdArray {
    NdArray::datetime(ndarray::arr1(ticks).into_dyn().into_shared(), cal)
}

fn isos(a: &NdArray) -> Vec<String> {
    match a {
        NdArray::DateTime(t, cal) => t.iter().map(|&x| format_ticks(x, *cal)).collect(),
        other => panic!("expected datetimes, found {}", other.dtype()),
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| match s {
            Value::Bool(b) => b.to_string(),
            other => other.as_str().unwrap().to_string(),
        })
        .collect()
}

fn as_strings(a: &NdArray) -> Vec<String> {
    if let Some(s) = a.as_array::<String>() {
        return s.iter().cloned().collect();
    }
    a.as_array::<bool>()
        .expect("strings or bools")
        .iter()
        .map(|b| b.to_string())
        .collect()
}

/// NaN-equal comparison of floats, to `tol` absolutely.
fn assert_close(what: &str, got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        let ok = (g.is_nan() && w.is_nan()) || (g - w).abs() <= tol;
        assert!(ok, "{what}[{k}]: got {g}, xarray {w}");
    }
}

// ---- the .dt accessor ----

fn dt_input(case: &Value, chunk: Option<usize>) -> DataArray {
    let cal = calendar(&case["calendar"]);
    let da = DataArray::new(datetimes(&ticks_of(&case["input"], cal), cal), &["time"])
        .unwrap()
        .with_name("time")
        .with_attr("long_name", "time");
    match chunk {
        Some(c) => da.chunk(&[("time", c)]).unwrap(),
        None => da,
    }
}

fn field(da: &DataArray, name: &str) -> xr::Result<DataArray> {
    let dt = da.dt()?;
    match name {
        "year" => dt.year(),
        "month" => dt.month(),
        "day" => dt.day(),
        "hour" => dt.hour(),
        "minute" => dt.minute(),
        "second" => dt.second(),
        "dayofyear" => dt.dayofyear(),
        "dayofweek" => dt.dayofweek(),
        "days_in_month" => dt.days_in_month(),
        "season" => dt.season(),
        "is_leap_year" => dt.is_leap_year(),
        other => panic!("no field {other}"),
    }
}

#[test]
fn dt_fields_match_xarray_on_every_calendar() {
    let cases = golden()["dt"].as_object().unwrap();
    assert_eq!(cases.len(), 6);
    for (cal, case) in cases {
        for chunk in [None, Some(7)] {
            let da = dt_input(case, chunk);
            for (name, want) in case["fields"].as_object().unwrap() {
                let what = format!("{cal} dt.{name} chunked {chunk:?}");
                let got = field(&da, name).unwrap();
                assert_eq!(got.values().is_lazy(), chunk.is_some(), "{what}");
                assert_eq!(got.name(), want["name"].as_str(), "{what}");
                assert_eq!(got.dims(), ["time"], "{what}");
                assert_eq!(got.attrs().len(), 1, "{what}: attrs kept");
                let values = got.values().compute().unwrap();
                match want["dtype"].as_str().unwrap() {
                    "int64" => {
                        assert_eq!(values.dtype(), xr::DType::I64, "{what}");
                        assert_close(
                            &what,
                            &values.to_f64_vec().unwrap(),
                            &values_f64(&want["values"]),
                            0.0,
                        );
                    }
                    "bool" | "<U3" | "object" => {
                        assert_eq!(as_strings(&values), strings(&want["values"]), "{what}")
                    }
                    other => panic!("{what}: unexpected golden dtype {other}"),
                }
            }
        }
    }
}

#[test]
fn strftime_matches_xarray_on_every_calendar() {
    for (cal, case) in golden()["dt"].as_object().unwrap() {
        for chunk in [None, Some(5)] {
            let da = dt_input(case, chunk);
            for (fmt, want) in case["strftime"].as_object().unwrap() {
                let got = da.dt().unwrap().strftime(fmt).unwrap();
                assert_eq!(got.name(), Some("strftime"));
                assert!(got.attrs().is_empty());
                let values = got.values().compute().unwrap();
                assert_eq!(
                    as_strings(&values),
                    strings(&want["values"]),
                    "{cal} {fmt:?}"
                );
            }
        }
    }
}

#[test]
fn dt_of_nat_is_float_nan_when_eager() {
    let cal = Calendar::NoLeap;
    let t = vec![0, xr::time::NAT, 40 * xr::time::TICKS_PER_DAY];
    let da = DataArray::new(datetimes(&t, cal), &["time"]).unwrap();
    let month = da.dt().unwrap().month().unwrap();
    assert_eq!(month.dtype(), xr::DType::F64);
    assert_close(
        "month",
        &month.values().to_f64_vec().unwrap(),
        &[1.0, f64::NAN, 2.0],
        0.0,
    );
    let season = da
        .dt()
        .unwrap()
        .season()
        .unwrap()
        .values()
        .compute()
        .unwrap();
    assert_eq!(as_strings(&season), ["DJF", "nan", "DJF"]);
    let lazy = da.chunk(&[("time", 2)]).unwrap();
    let err = lazy.dt().unwrap().month().unwrap().compute().unwrap_err();
    assert!(err.to_string().contains("dt.month"), "{err}");
}

#[test]
fn dt_and_strftime_reject_bad_input() {
    let da = DataArray::new(ndarray::array![1.0, 2.0].into_dyn(), &["time"])
        .unwrap()
        .with_name("tas");
    let err = da.dt().unwrap_err();
    assert!(matches!(err, Error::UnsupportedDType { .. }), "{err}");
    assert!(err.to_string().contains("\"tas\""), "{err}");
    let t = DataArray::new(datetimes(&[0], Calendar::Julian), &["time"]).unwrap();
    let err = t.dt().unwrap().strftime("%Y-%Q").unwrap_err();
    assert!(err.to_string().contains("%Q"), "{err}");
    let err = t.dt().unwrap().strftime("%Y%").unwrap_err();
    assert!(err.to_string().contains("\"%Y%\""), "{err}");
}

// ---- convert_calendar and interp_calendar ----

/// The golden input as a Dataset: `f` over (time, x) with NaNs, `i` over time (int64),
/// the time coordinate with attrs `standard_name` and `calendar`; chunked along time.
fn series(inp: &Value, chunk: Option<usize>) -> Dataset {
    let cal = calendar(&inp["calendar"]);
    let ticks = ticks_of(&inp["time"], cal);
    let n = ticks.len();
    let f = NdArray::from(ArrayD::from_shape_vec(IxDyn(&[n, 2]), values_f64(&inp["f"])).unwrap());
    let i: Vec<i64> = values_f64(&inp["i"])
        .into_iter()
        .map(|x| x as i64)
        .collect();
    let time = Variable::new(&["time"], datetimes(&ticks, cal))
        .unwrap()
        .with_attr("standard_name", "time")
        .with_attr("calendar", cal.name());
    let ds = Dataset::new()
        .with_data_var(
            "f",
            Variable::new(&["time", "x"], f)
                .unwrap()
                .with_attr("units", "K"),
        )
        .unwrap()
        .with_data_var("i", Variable::new(&["time"], NdArray::from(i)).unwrap())
        .unwrap()
        .with_coord("time", time)
        .unwrap();
    match chunk {
        Some(c) => ds.chunk(&[("time", c)]).unwrap(),
        None => ds,
    }
}

fn check_var(what: &str, got: &DataArray, want: &Value, tol: f64) {
    assert_eq!(
        got.dims(),
        common::golden_file::dims_of(want).as_slice(),
        "{what}"
    );
    assert_eq!(
        got.shape(),
        common::golden_file::shape_of(want).as_slice(),
        "{what}"
    );
    assert_eq!(
        got.dtype().name(),
        want["dtype"].as_str().unwrap(),
        "{what}: dtype"
    );
    let values = got.values().compute().unwrap().to_f64_vec().unwrap();
    assert_close(what, &values, &values_f64(&want["values"]), tol);
    let time = got.coord("time").unwrap();
    assert_eq!(
        isos(&time.values().compute().unwrap()),
        strings(&want["time"]),
        "{what}: time"
    );
    let want_attrs = want["time_attrs"].as_object().unwrap();
    assert_eq!(time.attrs().len(), want_attrs.len(), "{what}: time attrs");
    for k in want_attrs.keys() {
        assert!(time.attrs().contains_key(k), "{what}: time attr {k}");
    }
}

fn convert(ds: &Dataset, case: &Value) -> xr::Result<Dataset> {
    let missing = if case["fill_nan"].as_bool().unwrap() {
        Some(Scalar::F64(f64::NAN))
    } else {
        case["missing"].as_i64().map(Scalar::I64)
    };
    ds.convert_calendar(
        case["target"].as_str().unwrap(),
        "time",
        case["align_on"].as_str(),
        missing.as_ref(),
    )
}

#[test]
fn convert_calendar_matches_xarray() {
    let cases = golden()["convert"].as_object().unwrap();
    assert!(cases.len() >= 10);
    for (name, case) in cases {
        for chunk in [None, Some(50)] {
            let ds = series(&case["input"], chunk);
            let got = convert(&ds, case).unwrap_or_else(|e| panic!("{name}: {e}"));
            let what = format!("{name} chunked {chunk:?}");
            assert_eq!(
                got.get("f").unwrap().values().is_lazy(),
                chunk.is_some(),
                "{what}"
            );
            check_var(
                &format!("{what} f"),
                &got.get("f").unwrap(),
                &case["f"],
                0.0,
            );
            check_var(
                &format!("{what} i"),
                &got.get("i").unwrap(),
                &case["i"],
                0.0,
            );
            // The DataArray verb is the Dataset's on one variable.
            let da = ds.get("f").unwrap();
            let one = match convert(&da.to_dataset(), case) {
                Ok(d) => d.get("f").unwrap(),
                Err(e) => panic!("{what}: {e}"),
            };
            let direct = da
                .convert_calendar(
                    case["target"].as_str().unwrap(),
                    "time",
                    case["align_on"].as_str(),
                    if case["fill_nan"].as_bool().unwrap() {
                        Some(&Scalar::F64(f64::NAN))
                    } else {
                        None
                    },
                )
                .unwrap();
            if !case["fill_nan"].as_bool().unwrap() && case["missing"].is_null() {
                assert!(direct.values().equals(one.values()), "{what}: DataArray");
            }
            assert_eq!(direct.name(), Some("f"));
            assert_eq!(
                direct.attrs().get("units").map(|a| a.to_string()),
                Some("K".into())
            );
        }
    }
}

#[test]
fn interp_calendar_matches_xarray() {
    for (name, case) in golden()["interp"].as_object().unwrap() {
        let cal = calendar(&case["target_calendar"]);
        let target = DataArray::new(datetimes(&ticks_of(&case["target"], cal), cal), &["time"])
            .unwrap()
            .with_name("time");
        for chunk in [None, Some(13)] {
            let ds = series(&case["input"], chunk);
            let what = format!("{name} chunked {chunk:?}");
            let got = ds.interp_calendar(&target, "time").unwrap();
            assert_eq!(
                got.get("f").unwrap().values().is_lazy(),
                chunk.is_some(),
                "{what}"
            );
            check_var(
                &format!("{what} f"),
                &got.get("f").unwrap(),
                &case["f"],
                1e-9,
            );
            check_var(
                &format!("{what} i"),
                &got.get("i").unwrap(),
                &case["i"],
                1e-9,
            );
            let da = ds
                .get("i")
                .unwrap()
                .interp_calendar(&target, "time")
                .unwrap();
            check_var(&format!("{what} DataArray i"), &da, &case["i"], 1e-9);
            // scipy's interp1d sorts the source first: so does interp_calendar.
            let step_back = xr::dataset::Indexer::Slice {
                start: None,
                stop: None,
                step: -1,
            };
            let reversed = ds.isel(&[("time", step_back)]).unwrap();
            let got = reversed.interp_calendar(&target, "time").unwrap();
            check_var(
                &format!("{what} reversed f"),
                &got.get("f").unwrap(),
                &case["f"],
                1e-9,
            );
        }
    }
}

#[test]
fn convert_calendar_rejects_bad_input_naming_it() {
    let case = &golden()["convert"]["std_to_360_year"];
    let ds = series(&case["input"], None);
    let err = ds
        .convert_calendar("noleap", "times", None, None)
        .unwrap_err();
    assert!(err.to_string().contains("\"times\""), "{err}");
    let err = ds
        .convert_calendar("gregorain", "time", None, None)
        .unwrap_err();
    assert!(err.to_string().contains("gregorain"), "{err}");
    let err = ds
        .convert_calendar("360_day", "time", None, None)
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidArgument { argument, .. } if argument == "align_on"),
        "{err}"
    );
    let err = ds
        .convert_calendar("360_day", "time", Some("randomly"), None)
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidArgument { argument, .. } if argument == "align_on"),
        "{err}"
    );
    let err = ds.convert_calendar("noleap", "x", None, None).unwrap_err();
    assert!(err.to_string().contains("\"x\""), "{err}");
    let err = ds.convert_calendar("noleap", "f", None, None).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidArgument { argument, .. } if argument == "dim"),
        "{err}"
    );
    // An irregular axis has no frequency to fill missing dates with.
    let irregular = ds
        .isel(&[("time", xr::dataset::Indexer::List(vec![0, 1, 5, 6]))])
        .unwrap();
    let err = irregular
        .convert_calendar("noleap", "time", None, Some(&Scalar::F64(0.0)))
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidArgument { argument, .. } if argument == "missing"),
        "{err}"
    );
    // Year 0 exists on proleptic_gregorian but not on julian.
    let y0 = Calendar::ProlepticGregorian;
    let t0 = parse_partial_datetime("0000-06-01", y0).unwrap().0;
    let da = DataArray::new(ndarray::array![1.0].into_dyn(), &["time"])
        .unwrap()
        .with_coord("time", &["time"], datetimes(&[t0], y0))
        .unwrap();
    let err = da
        .convert_calendar("julian", "time", None, None)
        .unwrap_err();
    assert!(err.to_string().contains("year 0"), "{err}");
}

#[test]
fn interp_calendar_rejects_bad_input_naming_it() {
    let case = &golden()["interp"]["noleap_to_360"];
    let ds = series(&case["input"], None);
    let target = DataArray::new(ndarray::array![1.0, 2.0].into_dyn(), &["time"]).unwrap();
    let err = ds.interp_calendar(&target, "time").unwrap_err();
    assert!(
        matches!(&err, Error::InvalidArgument { argument, .. } if argument == "target"),
        "{err}"
    );
    let cal = Calendar::Day360;
    let other_dim = DataArray::new(datetimes(&[0, 1], cal), &["t"]).unwrap();
    let err = ds.interp_calendar(&other_dim, "time").unwrap_err();
    assert!(
        matches!(&err, Error::InvalidArgument { argument, .. } if argument == "target"),
        "{err}"
    );
    let good = DataArray::new(datetimes(&[0, 1], cal), &["time"]).unwrap();
    let err = ds.interp_calendar(&good, "when").unwrap_err();
    assert!(err.to_string().contains("\"when\""), "{err}");
    let flags = ds.get("f").unwrap().values().clone();
    let mask = DataArray::from_variable(
        Variable::new(
            &["time", "x"],
            flags
                .compute()
                .unwrap()
                .to_f64_vec()
                .map(|v| {
                    NdArray::from(
                        ArrayD::from_shape_vec(
                            IxDyn(&[v.len() / 2, 2]),
                            v.iter().map(|x| *x > 0.0).collect(),
                        )
                        .unwrap(),
                    )
                })
                .unwrap(),
        )
        .unwrap(),
    )
    .unwrap()
    .with_coord_var("time", ds.variable("time").unwrap().clone())
    .unwrap();
    let err = mask.interp_calendar(&good, "time").unwrap_err();
    assert!(matches!(err, Error::UnsupportedDType { .. }), "{err}");
}

// ---- chunking never changes an answer ----

fn chunking() -> impl Strategy<Value = usize> {
    1usize..40
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn dt_chunked_equals_eager(c in chunking(), k in 0usize..6) {
        let case = golden()["dt"].as_object().unwrap().values().nth(k).unwrap();
        let eager = dt_input(case, None);
        let lazy = dt_input(case, Some(c));
        for name in ["year", "dayofyear", "dayofweek", "season", "is_leap_year"] {
            let (e, l) = (field(&eager, name).unwrap(), field(&lazy, name).unwrap());
            prop_assert!(e.values().equals(&l.values().compute().unwrap().into()), "{}", name);
        }
        let (e, l) = (
            eager.dt().unwrap().strftime("%Y%j %H").unwrap(),
            lazy.dt().unwrap().strftime("%Y%j %H").unwrap(),
        );
        prop_assert!(e.values().equals(l.values()));
    }

    #[test]
    fn convert_and_interp_chunked_equal_eager(c in chunking(), k in 0usize..11, j in 0usize..4) {
        let case = golden()["convert"].as_object().unwrap().values().nth(k).unwrap();
        let e = convert(&series(&case["input"], None), case).unwrap();
        let l = convert(&series(&case["input"], Some(c)), case).unwrap();
        for v in ["f", "i"] {
            prop_assert!(e.get(v).unwrap().values().equals(l.get(v).unwrap().values()), "{}", v);
        }
        let case = golden()["interp"].as_object().unwrap().values().nth(j).unwrap();
        let cal = calendar(&case["target_calendar"]);
        let target = DataArray::new(datetimes(&ticks_of(&case["target"], cal), cal), &["time"]).unwrap();
        let e = series(&case["input"], None).interp_calendar(&target, "time").unwrap();
        let l = series(&case["input"], Some(c)).interp_calendar(&target, "time").unwrap();
        for v in ["f", "i"] {
            prop_assert!(e.get(v).unwrap().values().equals(l.get(v).unwrap().values()), "{}", v);
        }
    }
}
