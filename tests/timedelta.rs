//! The timedelta dtype against xarray: CF durations (`units: days`, `hours`, `seconds`
//! without `since`) decode to timedeltas from NetCDF and Zarr (files written by netCDF4
//! and by xarray, golden values from tests/golden/make_timedelta_golden.py), encode back
//! on write, print sensibly, and add and subtract with datetimes on the standard,
//! noleap, 360_day and julian calendars, eager and chunked.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::golden_file::GoldenFile;

use std::sync::OnceLock;

use proptest::prelude::*;
use serde_json::Value;
use xr::time::{format_ticks, parse_partial_datetime, Calendar, TimeDelta, NAT, TICKS_PER_DAY};
use xr::{AttrValue, DType, DataArray, Dataset, Error, NdArray};

const NC: &str = "tests/data/timedelta.nc";
const ZARR: &str = "tests/data/zarr/timedelta.zarr";
const DURATIONS: [&str; 3] = ["lead_days", "lead_hours", "step"];

fn golden() -> &'static GoldenFile {
    static G: OnceLock<GoldenFile> = OnceLock::new();
    G.get_or_init(|| GoldenFile::parse(include_str!("golden/timedelta_golden.json")))
}

/// Ticks of a golden list of microseconds, `null` as NaT.
fn micros(v: &Value) -> Vec<i64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_i64().unwrap_or(NAT))
        .collect()
}

/// Ticks of a golden list of ISO datetimes on `cal`, `null` as NaT.
fn datetimes_of(v: &Value, cal: Calendar) -> Vec<i64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| {
            x.as_str()
                .map_or(NAT, |s| parse_partial_datetime(s, cal).unwrap().0)
        })
        .collect()
}

fn ticks(a: &NdArray) -> Vec<i64> {
    match a {
        NdArray::TimeDelta(t) | NdArray::DateTime(t, _) => t.iter().copied().collect(),
        other => panic!("expected ticks, found {}", other.dtype()),
    }
}

fn values(da: &DataArray) -> NdArray {
    da.values().compute().unwrap()
}

fn check_decoded(ds: &Dataset, what: &str) {
    let g = &golden()["decoded"];
    for name in DURATIONS {
        let v = ds.variable(name).unwrap();
        assert_eq!(v.dtype(), DType::TimeDelta, "{what} {name}");
        assert_eq!(
            ticks(&v.values().unwrap()),
            micros(&g[name]["values"]),
            "{what} {name}"
        );
        let attrs: Vec<&String> = v.attrs().keys().collect();
        let want: Vec<&String> = g[name]["attrs"].as_object().unwrap().keys().collect();
        assert_eq!(
            attrs, want,
            "{what} {name}: attrs (units and dtype move to the encoding)"
        );
        assert_eq!(
            v.encoding().units.as_deref(),
            g[name]["units"].as_str(),
            "{what} {name}"
        );
    }
    // `units: "1"` is not a duration.
    let count = ds.variable("count").unwrap();
    assert_eq!(
        count.dtype().name(),
        golden()["decoded"]["count"]["dtype"].as_str().unwrap()
    );
    assert_eq!(
        count.attrs().get("units"),
        Some(&AttrValue::Str("1".into()))
    );
}

#[test]
fn netcdf_durations_decode_as_xarray() {
    let ds = Dataset::open_dataset(NC).unwrap();
    check_decoded(&ds, "netcdf");
    // xarray's `decode_timedelta=False` leaves the numbers alone.
    let raw = Dataset::open(NC).decode_timedelta(false).open().unwrap();
    assert_eq!(raw.variable("lead_days").unwrap().dtype(), DType::I32);
    assert_eq!(
        raw.variable("lead_days").unwrap().attrs().get("units"),
        Some(&AttrValue::Str("days".into()))
    );
}

#[test]
fn zarr_written_by_xarray_decodes_as_xarray() {
    let ds = Dataset::open_zarr(ZARR).unwrap();
    assert!(ds.variable("lead_hours").unwrap().data().is_lazy());
    check_decoded(&ds, "zarr");
    // xarray marked its timedeltas with `dtype`; that attribute is consumed by decoding.
    let marked = &golden()["zarr_attrs"]["lead_days"]["dtype"];
    assert_eq!(marked.as_str(), Some("timedelta64[ns]"));
}

#[test]
fn timedeltas_round_trip_through_netcdf_and_zarr() {
    let _turn = common::hdf5_turn();
    let ds = Dataset::open_dataset(NC).unwrap();
    let dir = std::env::temp_dir().join(format!("xr_timedelta_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let nc = dir.join("td.nc");
    ds.to_netcdf(&nc).unwrap();
    let back = Dataset::open_dataset(&nc).unwrap();
    check_decoded(&back, "netcdf round trip");
    // On disk: numbers in the original units and dtype, marked as xarray marks them.
    let raw = Dataset::open(&nc).decode_timedelta(false).open().unwrap();
    let days = raw.variable("lead_days").unwrap();
    assert_eq!(days.dtype(), DType::I32);
    assert_eq!(
        days.values().unwrap().to_f64_vec().unwrap(),
        [1.0, 2.0, -3.0, 0.0, 40.0]
    );
    assert_eq!(
        days.attrs().get("units"),
        Some(&AttrValue::Str("days".into()))
    );
    assert_eq!(
        days.attrs().get("dtype"),
        Some(&AttrValue::Str("timedelta64[us]".into()))
    );
    let zarr = dir.join("td.zarr");
    ds.to_zarr(zarr.to_str().unwrap()).unwrap();
    check_decoded(
        &Dataset::open_zarr(zarr.to_str().unwrap()).unwrap(),
        "zarr round trip",
    );
    // A computed timedelta without an encoding gets the largest unit that divides it.
    let t = ds.get("time").unwrap();
    let elapsed = t
        .sub(&t.isel(&[("time", xr::dataset::Indexer::Pos(0))]).unwrap())
        .unwrap();
    let out = Dataset::new()
        .with_data_var("elapsed", elapsed.variable().clone())
        .unwrap();
    let f = dir.join("elapsed.nc");
    out.to_netcdf(&f).unwrap();
    let raw = Dataset::open(&f).decode_timedelta(false).open().unwrap();
    let e = raw.variable("elapsed").unwrap();
    assert_eq!(
        e.attrs().get("units"),
        Some(&AttrValue::Str("hours".into()))
    );
    assert_eq!(
        e.values().unwrap().to_f64_vec().unwrap(),
        [0.0, 24.0, 48.0, 84.0, 240.0]
    );
    let back = Dataset::open_dataset(&f).unwrap();
    assert_eq!(
        ticks(&back.variable("elapsed").unwrap().values().unwrap()),
        micros(&golden()["arithmetic"]["standard"]["time_minus_first"])
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

fn half_hours(values: &[i64]) -> xr::Variable {
    let ticks: Vec<i64> = values
        .iter()
        .map(|&h| if h == NAT { NAT } else { h * 1_800_000_000 })
        .collect();
    xr::Variable::new(
        &["time"],
        NdArray::TimeDelta(ndarray::arr1(&ticks).into_dyn().into_shared()),
    )
    .unwrap()
}

#[test]
fn packed_and_integer_encodings_of_timedeltas() {
    let _turn = common::hdf5_turn();
    let dir = std::env::temp_dir().join(format!("xr_timedelta_enc_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // Half hours packed as int16 with scale_factor 0.5 and a fill value for NaT.
    let encoding = xr::Encoding {
        units: Some("hours".into()),
        dtype: Some(DType::I16),
        scale_factor: Some(AttrValue::Array(NdArray::from(vec![0.5_f64]))),
        fill_value: Some(AttrValue::Array(NdArray::from(vec![-1_i16]))),
        ..Default::default()
    };
    let var = half_hours(&[1, NAT, 3, -4]).with_encoding(encoding);
    let f = dir.join("packed.nc");
    Dataset::new()
        .with_data_var("dt", var.clone())
        .unwrap()
        .to_netcdf(&f)
        .unwrap();
    let raw = Dataset::open(&f).decode_cf(false).open().unwrap();
    let stored = raw.variable("dt").unwrap();
    assert_eq!(stored.dtype(), DType::I16);
    assert_eq!(
        stored.values().unwrap().to_f64_vec().unwrap(),
        [1.0, -1.0, 3.0, -4.0]
    );
    let back = Dataset::open_dataset(&f).unwrap();
    let dt = back.variable("dt").unwrap();
    assert_eq!(dt.dtype(), DType::TimeDelta);
    assert!(dt.values().unwrap().equals(&var.values().unwrap()));
    // NaT in an integer dtype without a fill value, or fractions of the units, are
    // errors naming the variable.
    let int_enc = xr::Encoding {
        units: Some("hours".into()),
        dtype: Some(DType::I32),
        ..Default::default()
    };
    for (values, why) in [(&[2_i64, NAT][..], "_FillValue"), (&[1, 2][..], "whole")] {
        let v = half_hours(values).with_encoding(int_enc.clone());
        let ds = Dataset::new().with_data_var("lead", v).unwrap();
        let err = ds.to_netcdf(dir.join("bad.nc")).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("lead") && msg.contains(why), "{msg}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn xr_info_prints_timedeltas() {
    let _turn = common::hdf5_turn();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xr"))
        .args(["info", NC, "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let lead = &v["data_vars"]["lead_days"];
    assert_eq!(lead["dtype"], "timedelta64[us]");
    assert_eq!(lead["attrs"]["long_name"], "forecast lead");
    let text = std::process::Command::new(env!("CARGO_BIN_EXE_xr"))
        .args(["info", NC])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.lines()
            .any(|l| l.contains("step") && l.contains("timedelta64[us]")),
        "{text}"
    );
}

#[test]
fn timedeltas_print_as_pandas_does() {
    assert_eq!(
        TimeDelta(-3 * TICKS_PER_DAY).to_string(),
        "-3 days +00:00:00"
    );
    assert_eq!(TimeDelta(5_400_000_000).to_string(), "0 days 01:30:00");
    assert_eq!(TimeDelta(-900_000_000).to_string(), "-1 days +23:45:00");
    assert_eq!(TimeDelta(1_500_000).to_string(), "0 days 00:00:01.500000");
    assert_eq!(TimeDelta(NAT).to_string(), "NaT");
    let ds = Dataset::open_dataset(NC).unwrap().load().unwrap();
    let text = ds.to_string();
    let line = text.lines().find(|l| l.contains("lead_days")).unwrap();
    assert!(line.contains("timedelta64[us]"), "{line}");
    assert!(line.contains("1 days 00:00:00"), "{line}");
    assert_eq!(DType::TimeDelta.name(), "timedelta64[us]");
}

#[test]
fn min_and_max_of_timedeltas_are_timedeltas() {
    for chunk in [None, Some(2)] {
        let (_, d, _) = std_inputs(chunk);
        let lo = d.min(&[]).unwrap();
        let hi = d.max(&[]).unwrap();
        assert_eq!(lo.dtype(), DType::TimeDelta);
        assert_eq!(ticks(&values(&lo)), [-3 * TICKS_PER_DAY]);
        assert_eq!(ticks(&values(&hi)), [40 * TICKS_PER_DAY]);
        assert_eq!(
            d.argmax("time").unwrap().values().to_f64_vec().unwrap(),
            [4.0]
        );
        let err = d.mean(&[]).unwrap_err();
        assert!(matches!(err, Error::UnsupportedDType { .. }), "{err}");
    }
    // A Dataset's mean leaves its timedeltas out, as it does datetimes.
    let ds = Dataset::open_dataset(NC).unwrap();
    let mean = ds.mean(&[]).unwrap();
    assert!(mean.variable("lead_days").is_err());
    assert!(mean.variable("count").is_ok());
}

#[test]
fn a_timedelta_dimension_coordinate_is_an_index() {
    let step = NdArray::TimeDelta(
        ndarray::arr1(&[0, 6, 12, 18].map(|h| h * 3_600_000_000_i64))
            .into_dyn()
            .into_shared(),
    );
    let da = DataArray::new(ndarray::array![1.0, 2.0, 3.0, 4.0].into_dyn(), &["step"])
        .unwrap()
        .with_coord("step", &["step"], step)
        .unwrap();
    let label = xr::Scalar::TimeDelta(12 * 3_600_000_000);
    let one = da
        .sel(&[("step", xr::dataset::Label::Value(label))])
        .unwrap();
    assert_eq!(one.values().to_f64_vec().unwrap(), [3.0]);
    let err = da
        .sel(&[("step", xr::dataset::Label::Value(xr::Scalar::TimeDelta(1)))])
        .unwrap_err();
    assert!(matches!(err, Error::KeyNotFound { .. }), "{err}");
}

#[test]
fn dt_fields_of_timedeltas_match_xarray() {
    let ds = Dataset::open_dataset(NC).unwrap().load().unwrap();
    for (name, case) in golden()["fields"].as_object().unwrap() {
        let da = ds.get(name).unwrap();
        let dt = da.dt().unwrap();
        assert_eq!(dt.calendar(), None);
        for (field, want) in case.as_object().unwrap() {
            let got = match field.as_str() {
                "days" => dt.days(),
                "seconds" => dt.seconds(),
                "microseconds" => dt.microseconds(),
                "total_seconds" => dt.total_seconds(),
                other => panic!("no field {other}"),
            }
            .unwrap();
            let what = format!("{name}.dt.{field}");
            assert_eq!(got.name(), want["name"].as_str(), "{what}");
            assert_eq!(
                got.dtype().name(),
                want["dtype"].as_str().unwrap(),
                "{what}"
            );
            let got = got.values().to_f64_vec().unwrap();
            let want = common::golden_file::values_f64(&want["values"]);
            assert!(
                got.iter()
                    .zip(&want)
                    .all(|(a, b)| a == b || (a.is_nan() && b.is_nan())),
                "{what}: {got:?} vs {want:?}"
            );
        }
    }
    // Lazy stays lazy; datetime fields of timedeltas and duration fields of datetimes
    // are errors naming the field.
    let lazy = ds.chunk(&[("time", 2)]).unwrap().get("lead_days").unwrap();
    let days = lazy.dt().unwrap().days().unwrap();
    assert!(days.values().is_lazy());
    assert_eq!(
        days.values().to_f64_vec().unwrap(),
        [1.0, 2.0, -3.0, 0.0, 40.0]
    );
    let err = lazy.dt().unwrap().year().unwrap_err();
    assert!(err.to_string().contains("dt.year"), "{err}");
    let err = ds.get("time").unwrap().dt().unwrap().days().unwrap_err();
    assert!(err.to_string().contains("dt.days"), "{err}");
}

// ---- arithmetic ----

fn std_inputs(chunk: Option<usize>) -> (DataArray, DataArray, DataArray) {
    let ds = Dataset::open_dataset(NC).unwrap().load().unwrap();
    let ds = match chunk {
        Some(c) => ds.chunk(&[("time", c)]).unwrap(),
        None => ds,
    };
    (
        ds.get("time").unwrap(),
        ds.get("lead_days").unwrap(),
        ds.get("lead_hours").unwrap(),
    )
}

fn scalar(v: f64) -> DataArray {
    DataArray::new(NdArray::from_scalar(&xr::Scalar::F64(v)), &[] as &[&str]).unwrap()
}

fn check_dt(what: &str, got: &DataArray, want: &Value, cal: Calendar) {
    assert_eq!(got.dtype(), DType::DateTime(cal), "{what}");
    let got = ticks(&values(got));
    let want = datetimes_of(want, cal);
    let show = |t: &[i64]| t.iter().map(|&x| format_ticks(x, cal)).collect::<Vec<_>>();
    assert_eq!(show(&got), show(&want), "{what}");
    assert_eq!(got, want, "{what}");
}

fn check_td(what: &str, got: &DataArray, want: &Value) {
    assert_eq!(got.dtype(), DType::TimeDelta, "{what}");
    assert_eq!(ticks(&values(got)), micros(want), "{what}");
}

#[test]
fn arithmetic_on_the_standard_calendar_matches_xarray() {
    let g = &golden()["arithmetic"]["standard"];
    for chunk in [None, Some(2)] {
        let (t, d, h) = std_inputs(chunk);
        let what = |s: &str| format!("{s} chunked {chunk:?}");
        check_dt(&what("time"), &t, &g["time"], Calendar::Standard);
        let first = t.isel(&[("time", xr::dataset::Indexer::Pos(0))]).unwrap();
        let elapsed = t.sub(&first).unwrap();
        // The time index is in memory; the durations are lazy when chunked.
        assert_eq!(t.add(&d).unwrap().values().is_lazy(), chunk.is_some());
        check_td(&what("time - time[0]"), &elapsed, &g["time_minus_first"]);
        check_dt(
            &what("time + days"),
            &t.add(&d).unwrap(),
            &g["time_plus_days"],
            Calendar::Standard,
        );
        check_dt(
            &what("days + time"),
            &d.add(&t).unwrap(),
            &g["days_plus_time"],
            Calendar::Standard,
        );
        check_dt(
            &what("time - hours"),
            &t.sub(&h).unwrap(),
            &g["time_minus_hours"],
            Calendar::Standard,
        );
        check_td(
            &what("days + hours"),
            &d.add(&h).unwrap(),
            &g["days_plus_hours"],
        );
        check_td(
            &what("hours - days"),
            &h.sub(&d).unwrap(),
            &g["hours_minus_days"],
        );
        check_td(
            &what("days * 2.5"),
            &d.mul(&scalar(2.5)).unwrap(),
            &g["days_times_2_5"],
        );
        let factors =
            DataArray::new(ndarray::array![2_i64, 3, -1, 5, 0].into_dyn(), &["time"]).unwrap();
        check_td(
            &what("days * ints"),
            &d.mul(&factors).unwrap(),
            &g["days_times_ints"],
        );
        check_td(
            &what("ints * days"),
            &factors.mul(&d).unwrap(),
            &g["days_times_ints"],
        );
        check_td(
            &what("hours / 4"),
            &h.div(&scalar(4.0)).unwrap(),
            &g["hours_div_4"],
        );
        check_td(
            &what("days / 7"),
            &d.div(&scalar(7.0)).unwrap(),
            &g["days_div_7"],
        );
        let ratio = d.div(&h).unwrap();
        assert_eq!(ratio.dtype(), DType::F64);
        let want: Vec<f64> = common::golden_file::values_f64(&g["days_div_hours"]);
        let got = ratio.values().to_f64_vec().unwrap();
        assert!(
            got.iter()
                .zip(&want)
                .all(|(a, b)| a == b || (a.is_nan() && b.is_nan())),
            "{got:?}"
        );
        let later = elapsed.gt(&d).unwrap();
        assert_eq!(later.dtype(), DType::Bool);
    }
}

#[test]
fn arithmetic_on_other_calendars_matches_cftime() {
    let (_, d, _) = std_inputs(None);
    for cal_name in ["noleap", "360_day", "julian"] {
        let g = &golden()["arithmetic"][cal_name];
        let cal: Calendar = cal_name.parse().unwrap();
        let times = datetimes_of(&g["time"], cal);
        let t = DataArray::new(
            NdArray::datetime(ndarray::arr1(&times).into_dyn().into_shared(), cal),
            &["time"],
        )
        .unwrap();
        let days = DataArray::new(d.values().clone(), &["time"]).unwrap();
        for chunk in [None, Some(3)] {
            let (t, days) = match chunk {
                Some(c) => (
                    t.chunk(&[("time", c)]).unwrap(),
                    days.chunk(&[("time", c)]).unwrap(),
                ),
                None => (t.clone(), days.clone()),
            };
            let first = t.isel(&[("time", xr::dataset::Indexer::Pos(0))]).unwrap();
            check_td(
                &format!("{cal} time - time[0]"),
                &t.sub(&first).unwrap(),
                &g["time_minus_first"],
            );
            check_dt(
                &format!("{cal} time + days"),
                &t.add(&days).unwrap(),
                &g["time_plus_days"],
                cal,
            );
            // And back: (time + days) - days is time.
            let round = t.add(&days).unwrap().sub(&days).unwrap();
            assert_eq!(ticks(&values(&round)), times, "{cal}");
        }
    }
}

#[test]
fn bad_time_arithmetic_is_an_error_naming_the_dtypes() {
    let (t, d, _) = std_inputs(None);
    let err = t.add(&t).unwrap_err();
    assert!(matches!(err, Error::DTypeMismatch { .. }), "{err}");
    assert!(err.to_string().contains("datetime"), "{err}");
    let err = d.sub(&t).unwrap_err();
    assert!(err.to_string().contains("timedelta64[us]"), "{err}");
    let ones = DataArray::new(
        ndarray::array![1.0, 1.0, 1.0, 1.0, 1.0].into_dyn(),
        &["time"],
    )
    .unwrap();
    let err = d.add(&ones).unwrap_err();
    assert!(err.to_string().contains("float64"), "{err}");
    let cal = Calendar::NoLeap;
    let other = DataArray::new(
        NdArray::datetime(ndarray::arr1(&[0_i64; 5]).into_dyn().into_shared(), cal),
        &["time"],
    )
    .unwrap();
    let err = t.drop_indexes_for_test().sub(&other).unwrap_err();
    assert!(err.to_string().contains("noleap"), "{err}");
}

trait DropIndexes {
    fn drop_indexes_for_test(&self) -> DataArray;
}

impl DropIndexes for DataArray {
    /// The values alone, so that two time axes meet by position.
    fn drop_indexes_for_test(&self) -> DataArray {
        DataArray::new(self.values().clone(), self.dims()).unwrap()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn chunked_time_arithmetic_equals_eager(c in 1usize..6, cal_idx in 0usize..4) {
        let (t, d, h) = std_inputs(None);
        let (tc, dc, hc) = std_inputs(Some(c));
        let cal = [Calendar::Standard, Calendar::NoLeap, Calendar::Day360, Calendar::AllLeap][cal_idx];
        let on = |a: &DataArray| -> DataArray {
            let ticks = ticks(&values(a));
            DataArray::new(NdArray::datetime(ndarray::arr1(&ticks).into_dyn().into_shared(), cal), &["time"]).unwrap()
        };
        let (t, tc) = (on(&t), on(&tc).chunk(&[("time", c)]).unwrap());
        let (d, dc, h, hc) = (d.drop_indexes_for_test(), dc.drop_indexes_for_test(), h.drop_indexes_for_test(), hc.drop_indexes_for_test());
        let pairs = [
            (t.add(&d).unwrap(), tc.add(&dc).unwrap()),
            (t.sub(&h).unwrap(), tc.sub(&hc).unwrap()),
            (d.add(&h).unwrap(), dc.add(&hc).unwrap()),
            (d.mul(&scalar(-2.5)).unwrap(), dc.mul(&scalar(-2.5)).unwrap()),
            (h.div(&d).unwrap(), hc.div(&dc).unwrap()),
            (t.sub(&t.add(&h).unwrap()).unwrap(), tc.sub(&tc.add(&hc).unwrap()).unwrap()),
        ];
        for (e, l) in pairs {
            prop_assert!(l.values().is_lazy());
            prop_assert!(e.values().equals(l.values()));
        }
    }
}
