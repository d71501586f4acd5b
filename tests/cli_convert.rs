//! `xr convert`: NetCDF → Zarr → NetCDF gives back the decoded values and attributes.
#![cfg(all(feature = "zarr", feature = "netcdf"))]
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use xr::Dataset;

fn xr(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_xr"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn data(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xr-cli-convert-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Same variables, coordinates, dims, dtypes, values (NaN = NaN) and attrs.
fn assert_same(a: &Dataset, b: &Dataset, ctx: &str) {
    let names = |d: &Dataset| {
        let mut n: Vec<String> = d.variables().keys().cloned().collect();
        n.sort();
        n
    };
    assert_eq!(names(a), names(b), "{ctx}: variables");
    assert_eq!(a.coord_names(), b.coord_names(), "{ctx}: coords");
    assert_eq!(a.attrs(), b.attrs(), "{ctx}: dataset attrs");
    for (name, v) in a.variables() {
        let w = b.variable(name).unwrap();
        assert_eq!(v.dims(), w.dims(), "{ctx}: {name} dims");
        assert_eq!(v.dtype(), w.dtype(), "{ctx}: {name} dtype");
        assert_eq!(v.attrs(), w.attrs(), "{ctx}: {name} attrs");
        assert!(v.data().equals(w.data()), "{ctx}: {name} values");
        // The on-disk numeric type (packing) survives both hops. Strings are stored as
        // each format stores them (Zarr fixed-length `<U`, NetCDF-4 `str`); their values
        // are compared above.
        if v.dtype() != xr::DType::Str {
            assert_eq!(
                v.encoding().dtype,
                w.encoding().dtype,
                "{ctx}: {name} encoded dtype"
            );
        }
    }
}

#[test]
fn netcdf_to_zarr_and_back_keeps_values_and_attrs() {
    let dir = scratch("roundtrip");
    for file in [
        "noleap_daily.nc",
        "packed_int16.nc",
        "compressed_chunked.nc",
        "unsigned.nc",
    ] {
        let nc = data(file);
        let original = Dataset::open_dataset(&nc).unwrap();
        for format in ["3", "2"] {
            let ctx = format!("{file} via Zarr v{format}");
            let zarr = dir.join(format!("{file}.v{format}.zarr"));
            let back = dir.join(format!("{file}.v{format}.nc"));
            let (z, n) = (zarr.to_str().unwrap(), back.to_str().unwrap());
            let (ok, err) = xr(&["convert", &nc, z, "--zarr-format", format]);
            assert!(ok, "{ctx}: nc -> zarr: {err}");
            assert_same(&original, &Dataset::open_zarr(z).unwrap(), &ctx);
            let (ok, err) = xr(&["convert", z, n]);
            assert!(ok, "{ctx}: zarr -> nc: {err}");
            assert_same(&original, &Dataset::open_dataset(n).unwrap(), &ctx);
        }
    }
    // Zarr -> Zarr, v3 to v2.
    let from = dir.join("noleap_daily.nc.v3.zarr");
    let to = dir.join("copy.zarr");
    let (ok, err) = xr(&[
        "convert",
        from.to_str().unwrap(),
        to.to_str().unwrap(),
        "--zarr-format",
        "2",
    ]);
    assert!(ok, "zarr -> zarr: {err}");
    assert!(to.join(".zmetadata").exists());
    assert_same(
        &Dataset::open_dataset(data("noleap_daily.nc")).unwrap(),
        &Dataset::open_zarr(to.to_str().unwrap()).unwrap(),
        "zarr -> zarr",
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sharded_zarr_with_strings_to_netcdf_and_back() {
    let dir = scratch("strings");
    let zarr = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/zarr/v3_plain.zarr");
    let z = zarr.to_str().unwrap();
    let (nc, back) = (dir.join("out.nc"), dir.join("back.zarr"));
    let (n, b) = (nc.to_str().unwrap(), back.to_str().unwrap());
    let (ok, err) = xr(&["convert", z, n]);
    assert!(ok, "zarr -> nc: {err}");
    let (ok, err) = xr(&["convert", n, b]);
    assert!(ok, "nc -> zarr: {err}");
    let original = Dataset::open_zarr(z).unwrap();
    assert!(original.variable("station").unwrap().dtype() == xr::DType::Str);
    for (path, ctx) in [(n, "zarr -> nc"), (b, "zarr -> nc -> zarr")] {
        let ds = if path.ends_with(".nc") {
            Dataset::open_dataset(path).unwrap()
        } else {
            Dataset::open_zarr(path).unwrap()
        };
        assert_same(&original, &ds, ctx);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn convert_refuses_to_overwrite_or_guess() {
    let dir = scratch("refuse");
    let out = dir.join("out.zarr");
    let o = out.to_str().unwrap();
    let nc = data("noleap_daily.nc");
    assert!(xr(&["convert", &nc, o]).0);
    let (ok, err) = xr(&["convert", &nc, o]);
    assert!(!ok && err.contains(o), "{err}");
    let (ok, err) = xr(&["convert", &nc, o, "--overwrite"]);
    assert!(ok, "{err}");
    let odd = dir.join("out.dat");
    let (ok, err) = xr(&["convert", &nc, odd.to_str().unwrap()]);
    assert!(!ok && err.contains("*.zarr"), "{err}");
    let (ok, err) = xr(&["convert", &nc]);
    assert!(!ok && err.contains("usage"), "{err}");
    let (ok, err) = xr(&["convert", o, &nc]);
    assert!(!ok && err.contains("--overwrite"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_glob_of_files_converts_to_one_store() {
    let dir = scratch("glob");
    let out = dir.join("mf.zarr");
    let o = out.to_str().unwrap();
    let pattern = data("mf_*.nc");
    let (ok, err) = xr(&["convert", &pattern, o]);
    assert!(ok, "{err}");
    let want = Dataset::open_mfdataset(pattern.as_str()).unwrap();
    let got = Dataset::open_zarr(o).unwrap();
    assert_eq!(want.dims(), got.dims());
    assert!(want.dims().values().any(|&n| n > 1));
    for (name, v) in want.variables() {
        let w = got.variable(name).unwrap();
        assert_eq!(v.dims(), w.dims(), "{name} dims");
        assert!(v.data().equals(w.data()), "{name} values");
    }
    let (ok, err) = xr(&["convert", &data("nothing_*.nc"), o, "--overwrite"]);
    assert!(!ok && err.contains("nothing_"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
