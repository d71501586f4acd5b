//! Files like those netcdf-c's own tests write (tracker issue 21, items 4-6), opened as
//! xarray opens them: a dimension used twice by one variable, lenient time units, a
//! global `coordinates` attribute and `y(x, y)`. Fixtures and xarray's view of them:
//! `tests/golden/make_nc_misc_fixtures.py` (`tests/golden/nc_misc_golden.json`).
#![cfg(feature = "netcdf")]
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use serde_json::Value;
use xr::dataset::{Indexer, Reduction};
use xr::time::{format_ticks, Calendar, CfUnits};
use xr::warning::catch_warnings;
use xr::{Dataset, Error, Scalar};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn golden(file: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/nc_misc_golden.json");
    let all: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    all["files"][file].clone()
}

fn names(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect()
}

fn sorted(it: impl Iterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = it.collect();
    v.sort();
    v
}

/// Opens `file` (eagerly loaded when `load`), returning the dataset and its warnings.
fn open(file: &str, load: bool) -> (Dataset, Vec<String>) {
    let (ds, warnings) = catch_warnings(|| Dataset::open(fixture(file)).open());
    let ds = ds.unwrap();
    let ds = if load { ds.load().unwrap() } else { ds };
    (ds, warnings)
}

/// Every variable's dims, shape, values and attrs, the coordinates, data variables,
/// indexes and global attrs, as xarray reads them.
fn assert_matches_xarray(file: &str, ds: &Dataset) {
    let want = golden(file);
    assert_eq!(
        sorted(ds.coord_names().iter().cloned()),
        names(&want["coords"]),
        "{file}: coords"
    );
    assert_eq!(
        sorted(ds.data_vars().map(|(k, _)| k.clone())),
        names(&want["data_vars"]),
        "{file}: data variables"
    );
    assert_eq!(
        sorted(ds.indexes().keys().cloned()),
        names(&want["indexes"]),
        "{file}: indexes"
    );
    let attrs: Vec<String> = sorted(ds.attrs().keys().cloned());
    let want_attrs: Vec<String> = sorted(want["attrs"].as_object().unwrap().keys().cloned());
    assert_eq!(attrs, want_attrs, "{file}: global attrs");
    let vars = want["variables"].as_object().unwrap();
    assert_eq!(ds.variables().len(), vars.len(), "{file}");
    for (name, w) in vars {
        let var = ds.variable(name).unwrap();
        assert_eq!(var.dims(), names(&w["dims"]).as_slice(), "{file}: {name}");
        let shape: Vec<usize> = w["shape"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap() as usize)
            .collect();
        assert_eq!(var.shape(), shape.as_slice(), "{file}: {name}");
        let values = var.values().unwrap();
        let wanted = w["values"].as_array().unwrap();
        assert_eq!(values.len(), wanted.len(), "{file}: {name}");
        for (i, wv) in wanted.iter().enumerate() {
            match values.get_flat(i).unwrap() {
                Scalar::DateTime(t, cal) => {
                    assert_eq!(
                        format_ticks(t, cal),
                        wv.as_str().unwrap(),
                        "{file}: {name}[{i}]"
                    );
                    let want_cal = w["calendar"].as_str().unwrap_or("standard");
                    assert_eq!(cal, want_cal.parse::<Calendar>().unwrap(), "{file}: {name}");
                }
                other => {
                    let got = other.as_f64().unwrap();
                    match wv.as_f64() {
                        Some(x) => assert_eq!(got, x, "{file}: {name}[{i}]"),
                        None => assert!(got.is_nan(), "{file}: {name}[{i}] = {got}"),
                    }
                }
            }
        }
        let attr_names = sorted(var.attrs().keys().cloned());
        let want_attr_names = sorted(w["attrs"].as_object().unwrap().keys().cloned());
        assert_eq!(attr_names, want_attr_names, "{file}: {name} attrs");
    }
}

#[test]
fn a_dimension_used_twice_opens_with_a_warning_naming_the_variable() {
    for file in [
        "nc_misc_repeated_dims.nc",
        "nc_misc_repeated_dims_classic.nc",
    ] {
        assert!(!golden(file)["warnings"].as_array().unwrap().is_empty());
        for load in [false, true] {
            let (ds, warnings) = open(file, load);
            assert_matches_xarray(file, &ds);
            for var in ["cov", "icov"] {
                assert!(
                    warnings.iter().any(|w| w.contains(var) && w.contains("D1")),
                    "{file}: {warnings:?}"
                );
            }
            assert!(
                !warnings.iter().any(|w| w.contains("\"var\"")),
                "{warnings:?}"
            );
            assert_eq!(
                ds.variable("cov").unwrap().repeated_dims(),
                vec!["D1"],
                "{file}"
            );
        }
    }
}

#[test]
fn operations_over_a_repeated_dimension_are_errors_naming_it() {
    let (ds, _) = open("nc_misc_repeated_dims.nc", false);
    let cov = ds.get("cov").unwrap();
    let err = cov
        .reduce_with(Reduction::Sum)
        .dims(&["D1"])
        .run()
        .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument { .. }), "{err}");
    assert!(err.to_string().contains("\"D1\""), "{err}");
    let err = cov.isel(&[("D1", Indexer::Pos(0))]).unwrap_err();
    assert!(err.to_string().contains("\"D1\""), "{err}");
    // The dataset's other variables still select along D1.
    let err = ds.isel(&[("D1", Indexer::Pos(0))]).unwrap_err();
    assert!(err.to_string().contains("\"D1\""), "{err}");
    // A reduction over every dim needs no name: it works, eager and lazy alike.
    let total = |ds: &Dataset| {
        ds.variable("cov")
            .unwrap()
            .reduce_with(Reduction::Sum)
            .run()
            .unwrap()
            .values()
            .unwrap()
            .get_flat(0)
            .unwrap()
            .as_f64()
            .unwrap()
    };
    let (loaded, _) = open("nc_misc_repeated_dims.nc", true);
    let want: f64 = golden("nc_misc_repeated_dims.nc")["variables"]["cov"]["values"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_f64)
        .sum();
    assert_eq!(total(&ds), want);
    assert_eq!(total(&loaded), want);
}

#[test]
fn time_units_are_decoded_as_xarray_decodes_them() {
    let file = "nc_misc_time_units.nc";
    for load in [false, true] {
        let (ds, warnings) = open(file, load);
        assert_matches_xarray(file, &ds);
        // Only the unit that no reader parses is left undecoded, with a warning.
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].contains("t_bad") && warnings[0].contains("days since the start"),
            "{warnings:?}"
        );
        let t_bad = ds.variable("t_bad").unwrap();
        assert_eq!(t_bad.dtype(), xr::DType::F64);
    }
}

#[test]
fn global_coordinates_and_a_variable_named_like_one_of_its_dims_are_coordinates() {
    for file in ["nc_misc_coordinates.nc", "nc_misc_coordinates_classic.nc"] {
        for load in [false, true] {
            let (ds, warnings) = open(file, load);
            assert!(warnings.is_empty(), "{warnings:?}");
            assert_matches_xarray(file, &ds);
            assert!(ds.attrs().get("coordinates").is_none());
        }
        // With decode_coords off, the attribute stays and only `y` is a coordinate.
        let ds = Dataset::open(fixture(file))
            .decode_coords(false)
            .open()
            .unwrap();
        assert!(ds.attrs().get("coordinates").is_some());
        assert_eq!(sorted(ds.coord_names().iter().cloned()), vec!["y"]);
    }
}

proptest! {
    /// A reference date written the ways netcdf-c's test files write it (weekday and
    /// month names, single-digit fields, signed offsets of one or two hour digits) is
    /// the instant its ISO 8601 form names.
    #[test]
    fn lenient_reference_dates_equal_their_iso_form(
        year in 1900i64..2100,
        month in 1usize..=12,
        day in 1u8..=28,
        hour in 0u8..24,
        minute in 0u8..60,
        second in 0u8..60,
        tz_hours in -12i64..=12,
        tz_minutes in prop::sample::select(vec![0i64, 30]),
    ) {
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let cal = Calendar::Standard;
        let sign = if tz_hours < 0 { '-' } else { '+' };
        let tz = format!("{sign}{:02}:{tz_minutes:02}", tz_hours.abs());
        let iso = format!(
            "days since {year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{tz}"
        );
        let want = CfUnits::parse(&iso, cal).unwrap();
        let short_tz = format!("{sign}{}:{tz_minutes:02}", tz_hours.abs());
        for lenient in [
            format!("days since {year}-{month}-{day} {hour}:{minute}:{second} {short_tz}"),
            format!(
                "days since Sun {} {day:>2} {hour:02}:{minute:02}:{second:02} {year} {short_tz}",
                MONTHS[month - 1]
            ),
            format!(
                "days since {day} {} {year} {hour}:{minute}:{second} {tz}",
                MONTHS[month - 1]
            ),
        ] {
            prop_assert_eq!(CfUnits::parse(&lenient, cal).unwrap(), want, "{}", lenient);
        }
    }
}
