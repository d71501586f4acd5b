//! Missing data against xarray: isnull/notnull, fillna (scalar, aligned DataArray,
//! per-variable), ffill/bfill with limits, dropna (any/all/thresh) and interpolate_na
//! (linear, nearest, limit, max_gap; numeric coordinates and datetime coordinates of
//! three calendars) on eager and chunked inputs with NaNs, float64, float32 and int64
//! dtypes, and NaT in datetime data (golden values from
//! tests/golden/make_missing_golden.py); errors naming the bad argument; property tests
//! that chunking never changes an answer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::golden_file::GoldenFile;

use std::sync::OnceLock;

use proptest::prelude::*;
use xr::dataset::{How, InterpMethod, MaxGap};
use xr::time::{TimeDelta, NAT};
use xr::{Calendar, CfDatetime, DType, DataArray, Dataset, Error, NdArray, Scalar};

fn golden() -> &'static GoldenFile {
    static G: OnceLock<GoldenFile> = OnceLock::new();
    G.get_or_init(|| GoldenFile::parse(include_str!("golden/missing_golden.json")))
}

/// The golden input `src` (`g` as float32), eager or chunked (time by 2, lon by 3).
fn data(src: &str, chunked: bool) -> DataArray {
    let da = golden().input(src);
    let da = if src == "g" {
        let var = da
            .variable()
            .with_data(da.values().astype(DType::F32).unwrap())
            .unwrap();
        DataArray::from_parts(da.name().map(str::to_string), var, da.coords().clone()).unwrap()
    } else {
        da
    };
    if chunked {
        da.chunk(&[("time", 2), ("lon", 3)]).unwrap()
    } else {
        da
    }
}

fn check(case: &str, got: &DataArray, lazy: bool) {
    golden().check(case, got, lazy)
}

const SOURCES: [&str; 3] = ["f", "g", "i"];
const LIMITS: [(&str, Option<usize>); 3] = [("none", None), ("1", Some(1)), ("2", Some(2))];

fn ticks(text: &str, calendar: Calendar) -> i64 {
    CfDatetime::parse(text, calendar)
        .unwrap()
        .to_ticks()
        .unwrap()
}

/// Datetimes from ISO text (NaT for null).
fn datetimes(values: &serde_json::Value, calendar: Calendar) -> NdArray {
    let t: Vec<i64> = values
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().map_or(NAT, |s| ticks(s, calendar)))
        .collect();
    NdArray::datetime(ndarray::ArcArray::from(t).into_dyn(), calendar)
}

/// The golden time coordinate on `calendar`.
fn time_coord(calendar: &str) -> NdArray {
    datetimes(
        &golden()["time_coords"][calendar],
        calendar.parse().unwrap(),
    )
}

// ---- isnull, notnull, fillna ----

#[test]
fn isnull_and_fillna_match_xarray() {
    let fill_named = golden().input("fill_named");
    let fill_other = golden().input("fill_other");
    let fill_other = DataArray::from_parts(
        Some("h".into()),
        fill_other
            .variable()
            .with_data(fill_other.values().astype(DType::F32).unwrap())
            .unwrap(),
        fill_other.coords().clone(),
    )
    .unwrap();
    for chunked in [false, true] {
        for src in SOURCES {
            let da = data(src, chunked);
            check(&format!("isnull_{src}"), &da.isnull().unwrap(), chunked);
            check(&format!("notnull_{src}"), &da.notnull().unwrap(), chunked);
            check(
                &format!("fillna_{src}_int"),
                &da.fillna(3).unwrap(),
                chunked,
            );
            check(
                &format!("fillna_{src}_float"),
                &da.fillna(1.5).unwrap(),
                chunked,
            );
            let named = da.fillna_with(&fill_named).unwrap();
            check(&format!("fillna_{src}_named"), &named, chunked);
            let other = da.fillna_with(&fill_other).unwrap();
            check(&format!("fillna_{src}_other"), &other, chunked);
        }
    }
}

// ---- ffill, bfill ----

#[test]
fn ffill_and_bfill_match_xarray() {
    for chunked in [false, true] {
        for src in SOURCES {
            let da = data(src, chunked);
            for dim in ["time", "lon"] {
                for (lname, limit) in LIMITS {
                    let ff = da.ffill(dim, limit).unwrap();
                    check(&format!("ffill_{src}_{dim}_{lname}"), &ff, chunked);
                    let bf = da.bfill(dim, limit).unwrap();
                    check(&format!("bfill_{src}_{dim}_{lname}"), &bf, chunked);
                    if chunked {
                        assert_eq!(ff.chunks(), da.chunks(), "ffill keeps the chunks");
                        assert_eq!(bf.chunks(), da.chunks(), "bfill keeps the chunks");
                    }
                }
            }
        }
    }
}

// ---- dropna ----

#[test]
fn dropna_matches_xarray() {
    for chunked in [false, true] {
        for src in SOURCES {
            let da = data(src, chunked);
            for dim in ["time", "lat", "lon"] {
                for (how_name, how) in [("any", How::Any), ("all", How::All)] {
                    let got = da.dropna(dim, how, None).unwrap();
                    check(&format!("dropna_{src}_{dim}_{how_name}"), &got, chunked);
                }
                let got = da.dropna(dim, How::Any, Some(10)).unwrap();
                check(&format!("dropna_{src}_{dim}_thresh"), &got, chunked);
            }
        }
    }
}

// ---- interpolate_na ----

fn method_of(name: &str) -> InterpMethod {
    match name {
        "nearest" => InterpMethod::Nearest,
        _ => InterpMethod::Linear,
    }
}

#[test]
fn interpolate_na_matches_xarray() {
    for chunked in [false, true] {
        for src in SOURCES {
            let da = data(src, chunked);
            for method in ["linear", "nearest"] {
                let m = method_of(method);
                for (lname, limit) in LIMITS {
                    for (gname, gap) in [("none", None), ("3", Some(3.0))] {
                        let key = format!("interp_{src}_{method}_{lname}_{gname}");
                        let got = da
                            .interpolate_na("time", m, limit, gap.map(MaxGap::Value))
                            .unwrap();
                        check(&key, &got, chunked);
                        for cal in ["standard", "noleap", "360_day"] {
                            let dated = da
                                .clone()
                                .with_coord("time", &["time"], time_coord(cal))
                                .unwrap();
                            let gap_t = gap.map(|_| MaxGap::Duration(TimeDelta::hours(40)));
                            let got = dated.interpolate_na("time", m, limit, gap_t).unwrap();
                            check(&format!("{key}_{cal}"), &got, chunked);
                        }
                    }
                }
                let got = da.interpolate_na("lon", m, None, None).unwrap();
                check(&format!("interp_{src}_{method}_lon"), &got, chunked);
                if chunked && src != "i" {
                    // One chunk along the interpolated dim, the others kept.
                    let chunks = got.chunks().unwrap();
                    assert_eq!(chunks["lon"], [4]);
                    assert_eq!(chunks["time"], da.chunks().unwrap()["time"]);
                }
            }
        }
    }
}

// ---- datetime data ----

/// The datetime input (with NaT), eager or chunked by 3.
fn datetime_data(chunked: bool) -> DataArray {
    let v = &golden()["inputs"]["d"];
    let da = DataArray::new(datetimes(&v["values"], Calendar::Standard), &["time"])
        .unwrap()
        .with_name("d")
        .with_coord(
            "time",
            &["time"],
            NdArray::from((0..8).map(f64::from).collect::<Vec<_>>()),
        )
        .unwrap();
    if chunked {
        da.chunk(&[("time", 3)]).unwrap()
    } else {
        da
    }
}

/// Asserts a datetime result against a golden case, as ISO text (NaT for null).
fn check_datetimes(case: &str, got: &DataArray) {
    let e = &golden()["cases"][case];
    assert_eq!(
        got.dtype(),
        DType::DateTime(Calendar::Standard),
        "{case}: dtype"
    );
    let want = datetimes(&e["values"], Calendar::Standard);
    let got = got.values().compute().unwrap();
    assert!(got.equals(&want), "{case}: {got:?} vs {want:?}");
}

#[test]
fn datetime_data_has_nat_as_null() {
    for chunked in [false, true] {
        let d = datetime_data(chunked);
        check("isnull_d", &d.isnull().unwrap(), chunked);
        let ff = d.ffill("time", None).unwrap();
        assert_eq!(ff.values().is_lazy(), chunked);
        check_datetimes("ffill_d", &ff);
        check_datetimes("bfill_d_1", &d.bfill("time", Some(1)).unwrap());
        let fill = Scalar::DateTime(
            ticks("1999-12-31T12:00:00", Calendar::Standard),
            Calendar::Standard,
        );
        check_datetimes("fillna_d", &d.fillna(fill).unwrap());
    }
}

// ---- Dataset ----

fn dataset(chunked: bool) -> Dataset {
    let g = data("g", chunked);
    data("f", chunked)
        .to_dataset()
        .with_data_var("g", g.variable().clone())
        .unwrap()
        .with_data_var("i", data("i", chunked).variable().clone())
        .unwrap()
        .with_attr("title", "t")
}

fn check_dataset(case: &str, ds: &Dataset, chunked: bool) {
    assert_eq!(ds.attrs().len(), 1, "{case}: attrs kept");
    for name in ["f", "g", "i"] {
        check(&format!("{case}.{name}"), &ds.get(name).unwrap(), chunked);
    }
}

#[test]
fn dataset_verbs_match_xarray() {
    for chunked in [false, true] {
        let ds = dataset(chunked);
        let filled = ds
            .fillna_map(&[("f", Scalar::F64(0.5)), ("i", Scalar::I64(3))])
            .unwrap();
        check_dataset("ds_fillna_dict", &filled, chunked);
        check_dataset(
            "ds_dropna_lon_any",
            &ds.dropna("lon", How::Any, None).unwrap(),
            chunked,
        );
        check_dataset(
            "ds_dropna_time_thresh",
            &ds.dropna("time", How::Any, Some(25)).unwrap(),
            chunked,
        );
        check_dataset(
            "ds_ffill_time_1",
            &ds.ffill("time", Some(1)).unwrap(),
            chunked,
        );
        check_dataset("ds_isnull", &ds.isnull().unwrap(), chunked);
        let fill = golden().input("fill_named");
        check_dataset("ds_fillna_da", &ds.fillna_with(&fill).unwrap(), chunked);
        check_dataset("ds_fillna_scalar", &ds.fillna(2).unwrap(), chunked);
        check_dataset("ds_bfill_lon", &ds.bfill("lon", None).unwrap(), chunked);
        let interp = ds
            .interpolate_na(
                "time",
                InterpMethod::Linear,
                Some(2),
                Some(MaxGap::Value(4.0)),
            )
            .unwrap();
        check_dataset("ds_interp_time", &interp, chunked);
        // The coordinates are kept, not filled or masked.
        let isnull = ds.isnull().unwrap();
        assert_eq!(isnull.variable("lat").unwrap().dtype(), DType::F64);
    }
}

/// A chunked ffill of one-step chunks written to NetCDF (each push block, many chunks
/// long, in one write) reads back as the eager ffill.
#[cfg(feature = "netcdf")]
#[test]
fn chunked_ffill_written_to_netcdf_reads_back_as_eager() {
    let path = std::env::temp_dir().join(format!("xr-missing-ffill-{}.nc", std::process::id()));
    let ds = dataset(true).chunk(&[("time", 1)]).unwrap();
    ds.ffill("time", None).unwrap().to_netcdf(&path).unwrap();
    let back = Dataset::open_dataset(&path).unwrap();
    let want = dataset(false).ffill("time", None).unwrap();
    for name in ["f", "g", "i"] {
        let got = back.get(name).unwrap().values().to_f64_vec().unwrap();
        let want = want.get(name).unwrap().values().to_f64_vec().unwrap();
        assert_eq!(got.len(), want.len(), "{name}");
        let same = got
            .iter()
            .zip(&want)
            .all(|(g, w)| g == w || (g.is_nan() && w.is_nan()));
        assert!(same, "{name}: {got:?} against {want:?}");
        assert!(
            want.iter().any(|v| v.is_nan()) || name == "i",
            "{name} keeps some NaN"
        );
    }
    std::fs::remove_file(&path).unwrap();
}

/// ffill and bfill of variables read lazily from NetCDF in deflated chunks of one and of
/// two steps (the direct chunk reader's rows, decoded as they are unpacked), one stored
/// as float32 with a `_FillValue` and one packed into int16, equal the eager push of the
/// same values, whether the push blocks join the file's chunks, split them or follow
/// them.
#[cfg(feature = "netcdf")]
#[test]
fn ffill_and_bfill_of_deflated_netcdf_chunks_equal_the_eager_push() {
    use xr::{AttrValue, Compression, Encoding};
    let path = std::env::temp_dir().join(format!("xr-missing-read-push-{}.nc", std::process::id()));
    let ds = dataset(false);
    let chunks = |name: &str, steps: usize| {
        let mut shape = ds.get(name).unwrap().shape().to_vec();
        shape[0] = steps;
        shape
    };
    let f = Encoding {
        dtype: Some(DType::F32),
        fill_value: Some(AttrValue::from(-999.0_f32)),
        chunksizes: Some(chunks("f", 1)),
        compression: Some(Compression::Zlib(1)),
        shuffle: Some(true),
        ..Encoding::default()
    };
    let g = Encoding {
        dtype: Some(DType::I16),
        fill_value: Some(AttrValue::from(-32767_i16)),
        scale_factor: Some(0.01_f64.into()),
        chunksizes: Some(chunks("g", 2)),
        compression: Some(Compression::Zlib(1)),
        ..Encoding::default()
    };
    ds.write_netcdf(&path)
        .encoding("f", f)
        .encoding("g", g)
        .write()
        .unwrap();
    let lazy = Dataset::open_dataset(&path).unwrap();
    let eager = lazy.load().unwrap();
    for name in ["f", "g"] {
        let da = lazy.get(name).unwrap();
        assert_eq!(da.dims()[0], "time", "{name}");
        assert!(da.chunks().is_some(), "{name} opens lazily");
        let values = eager.get(name).unwrap().values().to_f64_vec().unwrap();
        assert!(values.iter().any(|v| v.is_nan()), "{name} has gaps");
    }
    // Blocks of several file chunks, of chunks split, and of one chunk each.
    for steps in [None, Some(3), Some(1)] {
        let input = match steps {
            Some(n) => lazy.chunk(&[("time", n)]).unwrap(),
            None => lazy.clone(),
        };
        for bfill in [false, true] {
            let fill = |d: &Dataset| {
                if bfill {
                    d.bfill("time", None).unwrap()
                } else {
                    d.ffill("time", None).unwrap()
                }
            };
            let (got, want) = (fill(&input), fill(&eager));
            for name in ["f", "g"] {
                let got = got.get(name).unwrap().values().to_f64_vec().unwrap();
                let want = want.get(name).unwrap().values().to_f64_vec().unwrap();
                let same = got.len() == want.len()
                    && got
                        .iter()
                        .zip(&want)
                        .all(|(g, w)| g.to_bits() == w.to_bits() || (g.is_nan() && w.is_nan()));
                assert!(
                    same,
                    "{name}, bfill {bfill}, steps {steps:?}: {got:?} against {want:?}"
                );
            }
        }
    }
    std::fs::remove_file(&path).unwrap();
}

// ---- errors ----

fn is_dim_error(err: &Error, name: &str) -> bool {
    matches!(err, Error::DimNotFound { dim, .. } if dim == name)
}

fn is_argument_error(err: &Error, name: &str) -> bool {
    matches!(err, Error::InvalidArgument { argument, .. } if argument == name)
}

#[test]
fn bad_input_is_an_error_naming_it() {
    let da = data("f", false);
    let ds = dataset(true);
    let m = InterpMethod::Linear;
    assert!(is_dim_error(&da.ffill("level", None).unwrap_err(), "level"));
    assert!(is_dim_error(
        &da.bfill("level", Some(1)).unwrap_err(),
        "level"
    ));
    assert!(is_dim_error(&ds.ffill("level", None).unwrap_err(), "level"));
    assert!(is_dim_error(
        &da.dropna("level", How::Any, None).unwrap_err(),
        "level"
    ));
    assert!(is_dim_error(
        &ds.dropna("level", How::All, None).unwrap_err(),
        "level"
    ));
    assert!(is_dim_error(
        &da.interpolate_na("level", m, None, None).unwrap_err(),
        "level"
    ));
    assert!(is_dim_error(
        &ds.interpolate_na("level", m, None, None).unwrap_err(),
        "level"
    ));
    // A fill of the wrong kind names `value`; an unknown variable is named.
    assert!(is_argument_error(&da.fillna("zero").unwrap_err(), "value"));
    let err = datetime_data(false).fillna(0.0).unwrap_err();
    assert!(is_argument_error(&err, "value"), "{err}");
    let err = ds.fillna_map(&[("nope", Scalar::F64(0.0))]).unwrap_err();
    assert!(
        matches!(&err, Error::VarNotFound { name, .. } if name == "nope"),
        "{err}"
    );
    let err = ds.fillna_map(&[("lat", Scalar::F64(0.0))]).unwrap_err();
    assert!(
        matches!(&err, Error::VarNotFound { name, .. } if name == "lat"),
        "{err}"
    );
    // A max_gap that does not measure the coordinate.
    let gap = Some(MaxGap::Duration(TimeDelta::hours(1)));
    let err = da.interpolate_na("time", m, None, gap).unwrap_err();
    assert!(is_argument_error(&err, "max_gap"), "{err}");
    let dated = da
        .clone()
        .with_coord("time", &["time"], time_coord("noleap"))
        .unwrap();
    let err = dated
        .interpolate_na("time", m, None, Some(MaxGap::Value(3.0)))
        .unwrap_err();
    assert!(is_argument_error(&err, "max_gap"), "{err}");
    // A coordinate that is not increasing, or repeats.
    let backwards = da
        .clone()
        .with_coord(
            "time",
            &["time"],
            NdArray::from((0..9).rev().map(f64::from).collect::<Vec<_>>()),
        )
        .unwrap();
    let err = backwards.interpolate_na("time", m, None, None).unwrap_err();
    assert!(is_argument_error(&err, "dim"), "{err}");
    assert!(err.to_string().contains("\"time\""), "{err}");
    // Without a coordinate, positions count, and max_gap has nothing to measure.
    let bare = DataArray::new(NdArray::from(vec![1.0, f64::NAN, 3.0]), &["x"]).unwrap();
    let filled = bare.interpolate_na("x", m, None, None).unwrap();
    assert_eq!(filled.values().to_f64_vec().unwrap(), [1.0, 2.0, 3.0]);
    let err = bare
        .interpolate_na("x", m, None, Some(MaxGap::Value(1.0)))
        .unwrap_err();
    assert!(is_argument_error(&err, "max_gap"), "{err}");
    // Strings cannot be interpolated (datetimes can, on their ticks); the error
    // names the array.
    let strings = DataArray::new(
        NdArray::from(vec!["a".to_string(), String::new(), "c".to_string()]),
        &["x"],
    )
    .unwrap()
    .with_name("s");
    let err = strings.interpolate_na("x", m, None, None).unwrap_err();
    assert!(
        matches!(&err, Error::UnsupportedDType { op, .. } if op.contains("\"s\"")),
        "{err}"
    );
}

// ---- chunked equals eager ----

type Verb = Box<dyn Fn(&DataArray) -> DataArray>;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Chunking never changes an answer: every verb on random chunkings and random
    /// NaN patterns equals the eager result.
    #[test]
    fn chunked_equals_eager(
        values in prop::collection::vec(prop_oneof![3 => -5.0_f64..5.0, 2 => Just(f64::NAN)], 60),
        ct in 1_usize..13, cx in 1_usize..6,
        limit in prop::option::of(0_usize..5),
        thresh in prop::option::of(0_usize..6),
        f32s in any::<bool>(),
    ) {
        let arr = NdArray::from(ndarray::ArrayD::from_shape_vec(vec![12, 5], values).unwrap());
        let arr = if f32s { arr.astype(DType::F32).unwrap() } else { arr };
        let time: Vec<f64> = (0..12).map(|i| f64::from(i * i) / 3.0).collect();
        let eager = DataArray::new(arr, &["time", "x"])
            .unwrap()
            .with_coord("time", &["time"], NdArray::from(time))
            .unwrap();
        let lazy = eager.chunk(&[("time", ct), ("x", cx)]).unwrap();
        let ops: Vec<(&str, Verb)> = vec![
            ("isnull", Box::new(|a: &DataArray| a.isnull().unwrap())),
            ("fillna", Box::new(|a: &DataArray| a.fillna(-9.0).unwrap())),
            ("ffill", Box::new(move |a: &DataArray| a.ffill("time", limit).unwrap())),
            ("bfill", Box::new(move |a: &DataArray| a.bfill("time", limit).unwrap())),
            ("ffill_x", Box::new(move |a: &DataArray| a.ffill("x", limit).unwrap())),
            ("dropna", Box::new(move |a: &DataArray| a.dropna("time", How::Any, thresh).unwrap())),
            ("dropna_all", Box::new(|a: &DataArray| a.dropna("x", How::All, None).unwrap())),
            ("linear", Box::new(move |a: &DataArray| {
                a.interpolate_na("time", InterpMethod::Linear, limit, Some(MaxGap::Value(20.0))).unwrap()
            })),
            ("nearest", Box::new(move |a: &DataArray| {
                a.interpolate_na("time", InterpMethod::Nearest, limit, None).unwrap()
            })),
        ];
        for (name, op) in &ops {
            let e = op(&eager);
            let l = op(&lazy);
            prop_assert!(l.values().is_lazy(), "{} not lazy", name);
            prop_assert_eq!(e.dims(), l.dims());
            prop_assert_eq!(e.dtype(), l.dtype());
            let (ev, lv) = (e.values().to_f64_vec().unwrap(), l.values().to_f64_vec().unwrap());
            prop_assert_eq!(ev.len(), lv.len());
            for (x, y) in ev.iter().zip(&lv) {
                prop_assert!(x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()), "{}: {} vs {}", name, x, y);
            }
        }
    }
}
