#![cfg(feature = "netcdf")]
#![allow(clippy::unwrap_used)]
//! Sparse files (tracker issue 21, item 7): netCDF-4 variables declaring 20-40 GB of
//! which a few chunks were written, and a classic file whose record count runs 20 GB
//! past its last record. Never-written chunks are the fill value (NaN once masked) and
//! records past the end of a classic file are zeros, as netcdf-c and xarray read them;
//! both are known without reading, so reductions cost what the written data costs.
//! Expected values: xarray's, from `tests/golden/make_nc_sparse_fixtures.py`.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use serde_json::Value;
use xr::dataset::Indexer;
use xr::dataset::Reduction;
use xr::{Dataset, Scalar, Variable};

/// Per variable, generous for a loaded 2-core machine and a debug build: reading every
/// declared byte takes minutes.
const TIME_BOUND: Duration = Duration::from_secs(10);

/// `xr info --stats` of a whole file (five variables declaring 100 GB), a debug build
/// sharing the machine with the other tests of this file.
const CLI_TIME_BOUND: Duration = Duration::from_secs(30);

/// xarray's view, without the netCDF-4 file when xr is built without the direct chunk
/// reader (libnetcdf alone cannot tell a never-written chunk, so reading it takes the
/// time of its declared size).
fn golden() -> Value {
    let text = std::fs::read_to_string("tests/golden/nc_sparse_golden.json").unwrap();
    let mut g: Value = serde_json::from_str(&text).unwrap();
    if !cfg!(feature = "direct") {
        g["files"].as_object_mut().unwrap().remove("nc_sparse.nc");
    }
    g
}

fn open(file: &str) -> Dataset {
    Dataset::open_dataset(Path::new("tests/data").join(file)).unwrap()
}

fn as_f64(s: &Scalar) -> f64 {
    match s {
        Scalar::F64(v) => *v,
        Scalar::I64(v) => *v as f64,
        Scalar::U64(v) => *v as f64,
        other => panic!("not a number: {other:?}"),
    }
}

fn one(var: &Variable, op: Reduction) -> f64 {
    as_f64(
        &var.reduce_with(op)
            .run()
            .unwrap()
            .data()
            .get_flat(0)
            .unwrap(),
    )
}

/// `actual` against xarray's `expected` (`null`: no value, NaN), to float32 precision
/// (xarray accumulates float32 in float32; xr in float64).
fn assert_close(actual: f64, expected: &Value, what: &str) {
    match expected.as_f64() {
        None => assert!(actual.is_nan(), "{what}: {actual}, xarray has none"),
        Some(e) => assert!(
            (actual - e).abs() <= 1e-6 * e.abs().max(1.0),
            "{what}: {actual}, xarray {e}"
        ),
    }
}

fn check_stats(what: &str, count: f64, mean: f64, min: f64, max: f64, expected: &Value) {
    assert_eq!(
        count as u64,
        expected["count"].as_u64().unwrap(),
        "{what}: count"
    );
    assert_close(mean, &expected["mean"], &format!("{what}: mean"));
    assert_close(min, &expected["min"], &format!("{what}: min"));
    assert_close(max, &expected["max"], &format!("{what}: max"));
}

#[test]
fn the_fixtures_are_small_and_declare_tens_of_gigabytes() {
    let g = golden();
    for (file, f) in g["files"].as_object().unwrap() {
        let bytes = std::fs::metadata(Path::new("tests/data").join(file))
            .unwrap()
            .len();
        assert!(bytes < 64 << 10, "{file}: {bytes} bytes");
        let ds = open(file);
        let declared: u64 = ds
            .data_vars()
            .map(|(_, v)| v.shape().iter().product::<usize>() as u64 * v.dtype().size() as u64)
            .sum();
        assert!(declared > 20 << 30, "{file} declares {declared} bytes");
        for (name, v) in f["vars"].as_object().unwrap() {
            let var = ds.variables().get(name.as_str()).unwrap();
            let shape: Vec<u64> = var.shape().iter().map(|&n| n as u64).collect();
            let want: Vec<u64> = v["shape"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n.as_u64().unwrap())
                .collect();
            assert_eq!(shape, want, "{file}: {name}");
            assert_eq!(
                var.dims(),
                v["dims"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|d| d.as_str().unwrap())
                    .collect::<Vec<_>>(),
                "{file}: {name}"
            );
            assert_eq!(
                var.dtype().to_string(),
                v["dtype"].as_str().unwrap(),
                "{file}: {name}"
            );
        }
    }
}

#[test]
fn reductions_match_xarray_and_take_seconds() {
    let g = golden();
    for (file, f) in g["files"].as_object().unwrap() {
        let ds = open(file);
        for (name, v) in f["vars"].as_object().unwrap() {
            let var = ds.variables().get(name.as_str()).unwrap();
            let start = Instant::now();
            let [count, mean, min, max] = [
                Reduction::Count,
                Reduction::Mean,
                Reduction::Min,
                Reduction::Max,
            ]
            .map(|op| one(var, op));
            let took = start.elapsed();
            check_stats(
                &format!("{file}: {name}"),
                count,
                mean,
                min,
                max,
                &v["stats"],
            );
            assert!(took < TIME_BOUND, "{file}: {name}: stats took {took:?}");
        }
    }
}

/// Reductions over some dims: per output lane, the never-written chunks merge into one
/// partial, so an output of a million lanes over 5000 chunks still takes seconds.
#[cfg(feature = "direct")]
#[test]
fn reductions_over_some_dims_follow_the_written_chunks() {
    let g = golden();
    let expected = &g["files"]["nc_sparse.nc"]["vars"]["tas"]["stats"];
    let ds = open("nc_sparse.nc");
    let tas = ds.variables().get("tas").unwrap();
    let start = Instant::now();
    let counts = tas.reduce_with(Reduction::Count).dim("time").run().unwrap();
    let counts = counts.data().compute().unwrap();
    assert_eq!(counts.shape(), &[1000, 1000]);
    let total: f64 = (0..counts.len())
        .map(|k| as_f64(&counts.get_flat(k).unwrap()))
        .sum();
    assert_eq!(total as u64, expected["count"].as_u64().unwrap());
    let took = start.elapsed();
    assert!(took < TIME_BOUND, "count over time took {took:?}");
    let start = Instant::now();
    let maxima = tas
        .reduce_with(Reduction::Max)
        .dims(&["y", "x"])
        .run()
        .unwrap();
    let maxima = maxima.data().compute().unwrap();
    assert_eq!(maxima.shape(), &[5000]);
    let written: Vec<f64> = (0..maxima.len())
        .map(|k| as_f64(&maxima.get_flat(k).unwrap()))
        .filter(|v| !v.is_nan())
        .collect();
    assert_eq!(written.len(), 2, "two time steps were written");
    assert_close(
        written.iter().copied().fold(f64::MIN, f64::max),
        &expected["max"],
        "max",
    );
    let took = start.elapsed();
    assert!(took < TIME_BOUND, "max over y, x took {took:?}");
}

#[test]
fn written_and_unwritten_values_read_as_in_xarray() {
    let g = golden();
    for (file, f) in g["files"].as_object().unwrap() {
        let ds = open(file);
        for (name, v) in f["vars"].as_object().unwrap() {
            let var = ds.variables().get(name.as_str()).unwrap();
            for p in v["points"].as_array().unwrap() {
                let index: Vec<isize> = p["index"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i.as_i64().unwrap() as isize)
                    .collect();
                let at: Vec<(&str, Indexer)> = var
                    .dims()
                    .iter()
                    .zip(&index)
                    .map(|(d, &i)| (d.as_str(), Indexer::Pos(i)))
                    .collect();
                let got = as_f64(
                    &var.isel(&at)
                        .unwrap()
                        .data()
                        .compute()
                        .unwrap()
                        .get_flat(0)
                        .unwrap(),
                );
                assert_close(got, &p["value"], &format!("{file}: {name}{index:?}"));
            }
        }
    }
}

#[test]
fn xr_info_stats_of_a_sparse_file_is_fast_and_right() {
    let g = golden();
    for (file, f) in g["files"].as_object().unwrap() {
        let start = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_xr"))
            .args(["info", &format!("tests/data/{file}"), "--json", "--stats"])
            .output()
            .unwrap();
        let took = start.elapsed();
        assert!(
            out.status.success(),
            "{file}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            took < CLI_TIME_BOUND,
            "{file}: xr info --stats took {took:?}"
        );
        let info: Value = serde_json::from_slice(&out.stdout).unwrap();
        for (name, v) in f["vars"].as_object().unwrap() {
            let s = &info["data_vars"][name]["stats"];
            let num = |k: &str| s[k].as_f64().unwrap_or(f64::NAN);
            check_stats(
                &format!("xr info {file}: {name}"),
                num("count"),
                num("mean"),
                num("min"),
                num("max"),
                &v["stats"],
            );
        }
    }
}

#[test]
fn a_reduction_over_an_unknown_dim_names_it() {
    let ds = open("nc_sparse.nc");
    let var = ds.variables().get("tas").unwrap();
    let err = var
        .reduce_with(Reduction::Count)
        .dims(&["level"])
        .run()
        .unwrap_err();
    assert!(matches!(err, xr::Error::DimNotFound { .. }), "{err}");
    assert!(err.to_string().contains("level"), "{err}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// The `small` variable (8 MB declared, 3 of 200 chunks written) reduced on random
    /// chunkings over random dims: never-written blocks are skipped, and the answer is
    /// the eager one's.
    #[test]
    fn chunked_equals_eager(
        chunk in (1usize..80, 1usize..100, 1usize..100),
        dims in prop::sample::subsequence(vec!["t2", "y2", "x2"], 1..=3),
        op in prop::sample::select(vec![Reduction::Count, Reduction::Sum, Reduction::Mean, Reduction::Min, Reduction::Max, Reduction::Std]),
    ) {
        let ds = open("nc_sparse.nc");
        let var = ds.variables().get("small").unwrap();
        let eager = Variable::new(var.dims(), xr::lazy::Data::Eager(var.data().compute().unwrap())).unwrap();
        let chunked = Variable::new(
            var.dims(),
            xr::lazy::Data::Lazy(var.data().chunk(&[chunk.0, chunk.1, chunk.2]).unwrap()),
        )
        .unwrap();
        let want = eager.reduce_with(op).dims(&dims).run().unwrap().data().compute().unwrap();
        let got = chunked.reduce_with(op).dims(&dims).run().unwrap().data().compute().unwrap();
        prop_assert_eq!(got.shape(), want.shape());
        for k in 0..want.len() {
            let (a, b) = (as_f64(&got.get_flat(k).unwrap()), as_f64(&want.get_flat(k).unwrap()));
            prop_assert!(
                (a.is_nan() && b.is_nan()) || (a - b).abs() <= 1e-9 * b.abs().max(1.0),
                "{op} over {dims:?} at {k}: chunked {a}, eager {b}"
            );
        }
    }
}
