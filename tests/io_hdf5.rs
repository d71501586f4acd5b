//! Plain HDF5 files (tracker issue 17 item 3), written by h5py without NetCDF
//! conventions, opened as xarray opens them with `engine="h5netcdf", phony_dims="sort"`
//! (golden values and fixture from tests/golden/make_hdf5_golden.py): dimension scales
//! as dims, `phony_dim_N` named as h5netcdf names them across nested groups, every
//! numeric type, NaNs, chunked deflated data read lazily, strings, attributes, CF times
//! in three calendars; the driver interface, DataTree over HDF5 groups, chunked equal
//! to eager, and errors naming the file or group.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::golden_file::{values_f64, GoldenFile};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use proptest::prelude::*;
use serde_json::Value;
use xr::io::Engine;
use xr::{AttrValue, DType, DataTree, Dataset, Variable};

fn golden() -> &'static GoldenFile {
    static G: OnceLock<GoldenFile> = OnceLock::new();
    G.get_or_init(|| GoldenFile::parse(include_str!("golden/hdf5_golden.json")))
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/hdf5_plain.h5")
}

fn as_f64(v: &Variable) -> Vec<f64> {
    let a = v.values().unwrap().astype(DType::F64).unwrap();
    a.as_array::<f64>().unwrap().iter().copied().collect()
}

fn same(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g.is_nan() && w.is_nan()) || (g - w).abs() <= 1e-12 * w.abs().max(1.0),
            "{what}[{i}]: got {g}, xarray {w}"
        );
    }
}

fn check_attr(got: Option<&AttrValue>, want: &Value, what: &str) {
    match (got, want) {
        (Some(AttrValue::Str(s)), Value::String(w)) => assert_eq!(s, w, "{what}"),
        (Some(AttrValue::Array(a)), Value::Array(_)) => {
            let a = a.astype(DType::F64).unwrap();
            let got: Vec<f64> = a.as_array::<f64>().unwrap().iter().copied().collect();
            same(&got, &values_f64(want), what);
        }
        other => panic!("{what}: got {:?}, xarray {want}", other.0),
    }
}

fn dims_of(ds: &Dataset) -> BTreeMap<String, usize> {
    ds.dims().into_iter().collect()
}

/// `ds` (and `raw`, the same group without time decoding) against xarray's view.
fn check_group(ds: &Dataset, raw: &Dataset, group: &str) {
    let want = &golden()["groups"][group];
    let want_dims: BTreeMap<String, usize> = want["dims"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_u64().unwrap() as usize))
        .collect();
    assert_eq!(dims_of(ds), want_dims, "{group}: dims");
    let coords: Vec<String> = {
        let mut c: Vec<String> = ds.coord_names().iter().cloned().collect();
        c.sort();
        c
    };
    let want_coords: Vec<String> = want["coords"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    assert_eq!(coords, want_coords, "{group}: coords");
    for (k, a) in want["attrs"].as_object().unwrap() {
        check_attr(ds.attrs().get(k), a, &format!("{group}: attr {k}"));
    }
    assert_eq!(
        ds.variables().len(),
        want["variables"].as_object().unwrap().len(),
        "{group}: variables"
    );
    for (name, w) in want["variables"].as_object().unwrap() {
        let what = format!("{group}:{name}");
        let v = ds.variable(name).unwrap_or_else(|e| panic!("{what}: {e}"));
        let dims: Vec<&str> = w["dims"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_str().unwrap())
            .collect();
        assert_eq!(v.dims(), dims.as_slice(), "{what}: dims");
        let shape: Vec<usize> = w["shape"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_u64().unwrap() as usize)
            .collect();
        assert_eq!(v.shape(), shape.as_slice(), "{what}: shape");
        for (k, a) in w["attrs"].as_object().unwrap() {
            check_attr(v.attrs().get(k), a, &format!("{what}: attr {k}"));
        }
        let dtype = w["dtype"].as_str().unwrap();
        if let Some(r) = w.get("raw") {
            assert!(
                matches!(v.dtype(), DType::DateTime(_)),
                "{what}: {}",
                v.dtype()
            );
            same(&as_f64(raw.variable(name).unwrap()), &values_f64(r), &what);
        } else if dtype.starts_with("|S") || dtype.starts_with("<U") || dtype == "object" {
            // h5netcdf gives fixed-length strings as bytes; xr has one string dtype.
            assert_eq!(v.dtype(), DType::Str, "{what}");
            let got: Vec<String> = v
                .values()
                .unwrap()
                .as_array::<String>()
                .unwrap()
                .iter()
                .cloned()
                .collect();
            let want: Vec<String> = w["values"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap().to_string())
                .collect();
            assert_eq!(got, want, "{what}");
        } else {
            assert_eq!(v.dtype().to_string(), dtype, "{what}: dtype");
            same(&as_f64(v), &values_f64(&w["values"]), &what);
        }
    }
}

fn groups() -> Vec<String> {
    golden()["groups"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

#[test]
fn plain_hdf5_groups_open_as_h5netcdf_opens_them() {
    for g in groups() {
        let ds = Dataset::open_hdf5_with(fixture()).group(&g).open().unwrap();
        let raw = Dataset::open_hdf5_with(fixture())
            .group(&g)
            .decode_times(false)
            .open()
            .unwrap();
        check_group(&ds, &raw, &g);
    }
    let root = Dataset::open_hdf5(fixture()).unwrap();
    assert!(root.variable("a").unwrap().data().is_lazy());
    assert!(root.variable("cube").unwrap().data().is_lazy());
}

#[test]
fn the_driver_interface_opens_hdf5() {
    let engine: Engine = "hdf5".parse().unwrap();
    assert_eq!(engine, Engine::Hdf5);
    assert_eq!(engine.backend().name(), "hdf5");
    let ds = Dataset::open_with(fixture()).engine(engine).open().unwrap();
    let raw = Dataset::open_with(fixture())
        .engine(engine)
        .decode_times(false)
        .open()
        .unwrap();
    check_group(&ds, &raw, "/");
}

#[test]
fn a_datatree_over_hdf5_groups_names_phony_dims_per_file() {
    let tree = DataTree::open_with(fixture())
        .engine(Engine::Hdf5)
        .open()
        .unwrap();
    assert_eq!(tree.groups(), ["/", "/grp", "/other", "/grp/sub"]);
    for g in groups() {
        let node = tree.get(&g).unwrap().to_dataset(false);
        let raw = Dataset::open_hdf5_with(fixture())
            .group(&g)
            .decode_times(false)
            .open()
            .unwrap();
        check_group(&node, &raw, &g);
    }
}

#[test]
fn chunked_reads_equal_eager_ones_for_every_variable() {
    let ds = Dataset::open_hdf5(fixture()).unwrap();
    let eager = ds.compute().unwrap();
    let lazy = ds
        .chunk(&[("phony_dim_1", 5), ("x", 3), ("phony_dim_4", 2)])
        .unwrap();
    for (name, v) in eager.variables() {
        if v.dtype() == DType::Str || matches!(v.dtype(), DType::DateTime(_)) {
            continue;
        }
        same(&as_f64(lazy.variable(name).unwrap()), &as_f64(v), name);
    }
}

#[test]
fn chunked_h5py_datasets_are_read_by_the_direct_chunk_reader() {
    use xr::io::chunks::DirectChunkSource;
    use xr::lazy::ChunkSource;
    let ds = Dataset::open_hdf5(fixture()).unwrap();
    // Both chunked (gzip + shuffle, and unfiltered); the contiguous ones go through
    // libnetcdf, as for NetCDF-4.
    for name in ["a", "cube"] {
        let direct = DirectChunkSource::open_explained(&fixture(), name).unwrap();
        let direct = direct.unwrap_or_else(|why| panic!("{name}: {why}"));
        let full: Vec<_> = direct.shape().iter().map(|&n| 0..n).collect();
        let values = direct.read(&full).unwrap().astype(DType::F64).unwrap();
        let values: Vec<f64> = values.as_array::<f64>().unwrap().iter().copied().collect();
        same(&values, &as_f64(ds.variable(name).unwrap()), name);
    }
}

#[test]
fn bad_input_is_an_error_naming_the_file_or_group() {
    let err = Dataset::open_hdf5("tests/data/no_such.h5")
        .unwrap_err()
        .to_string();
    assert!(err.contains("no_such.h5"), "{err}");
    let err = Dataset::open_hdf5_with(fixture())
        .group("/nope")
        .open()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("nope") && err.contains("hdf5_plain.h5"),
        "{err}"
    );
    let err = Dataset::open_hdf5("tests/data/classic.nc")
        .unwrap_err()
        .to_string();
    assert!(err.contains("classic.nc"), "{err}");
    let err = "hdf4".parse::<Engine>().unwrap_err().to_string();
    assert!(err.contains("hdf4") && err.contains("hdf5"), "{err}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// The chunked data variables of the root equal their eager values for any chunking.
    #[test]
    fn any_chunking_reads_the_same_values(a in 1_usize..7, x in 1_usize..5, c in 1_usize..4) {
        static EAGER: OnceLock<Dataset> = OnceLock::new();
        let eager = EAGER.get_or_init(|| Dataset::open_hdf5(fixture()).unwrap().compute().unwrap());
        let lazy = Dataset::open_hdf5(fixture())
            .unwrap()
            .chunk(&[("phony_dim_1", a), ("x", x), ("phony_dim_4", c), ("phony_dim_2", 1)])
            .unwrap();
        for name in ["a", "cube", "square", "n_u8", "n_f4"] {
            let got = as_f64(lazy.variable(name).unwrap());
            let want = as_f64(eager.variable(name).unwrap());
            same(&got, &want, name);
        }
    }
}
