#![cfg(feature = "netcdf")]
#![allow(clippy::unwrap_used)]
//! open_mfdataset against xarray (`xr.open_mfdataset("tests/data/mf_*.nc")`, xarray
//! 2026.9.0: 36 months 2000-01..2002-12, v = 0..11, 100..111, 200..211).

use std::path::PathBuf;

use xr::dataset::Indexer;
use xr::{Dataset, Error, Variable};

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xr_mf_{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn combines_yearly_files_along_time_like_xarray() {
    let ds = Dataset::open_mfdataset("tests/data/mf_*.nc").unwrap();
    assert_eq!(ds.dim_size("time").unwrap(), 36);
    let v = ds.variable("v").unwrap();
    assert!(v.data().is_lazy());
    let expected: Vec<f64> = [0.0, 100.0, 200.0]
        .iter()
        .flat_map(|&base| (0..12).map(move |m| base + f64::from(m)))
        .collect();
    assert_eq!(v.data().to_f64_vec().unwrap(), expected);
    let time = ds.variable("time").unwrap().data().compute().unwrap();
    assert_eq!(time.get_flat(0).unwrap().to_string(), "2000-01-01T00:00:00");
    assert_eq!(
        time.get_flat(35).unwrap().to_string(),
        "2002-12-01T00:00:00"
    );
    assert!(ds.indexes().contains_key("time"));
    assert_eq!(v.chunks().unwrap()["time"], [12, 12, 12]);
    // As xarray: each variable's `source` is the first file's path.
    for name in ["v", "time"] {
        let source = ds.variable(name).unwrap().encoding().source.as_deref();
        assert!(
            source.is_some_and(|s| s.ends_with("tests/data/mf_2000.nc")),
            "{name}: {source:?}"
        );
    }
}

#[test]
fn file_order_does_not_matter_when_combining_by_coords() {
    let paths: Vec<PathBuf> = ["mf_2002.nc", "mf_2000.nc", "mf_2001.nc"]
        .iter()
        .map(|f| PathBuf::from("tests/data").join(f))
        .collect();
    let ds = Dataset::open_mfdataset(paths).unwrap();
    let v = ds.variable("v").unwrap().data().to_f64_vec().unwrap();
    assert_eq!((v[0], v[12], v[24]), (0.0, 100.0, 200.0));
}

#[test]
fn overlapping_files_are_an_error_naming_both() {
    let dir = tmp("overlap");
    let all = Dataset::open_mfdataset("tests/data/mf_*.nc").unwrap();
    let a = all.isel(&[("time", Indexer::from(0..20))]).unwrap();
    let b = all.isel(&[("time", Indexer::from(15..36))]).unwrap();
    a.to_netcdf(dir.join("a.nc")).unwrap();
    b.to_netcdf(dir.join("b.nc")).unwrap();
    let err = Dataset::open_mfdataset(format!("{}/*.nc", dir.display()))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("a.nc") && err.contains("b.nc") && err.contains("overlap"),
        "{err}"
    );
}

#[test]
fn missing_files_and_bad_patterns_are_clear_errors() {
    let err = Dataset::open_mfdataset("tests/data/nothing_*.nc").unwrap_err();
    assert!(
        matches!(&err, Error::Io { path, source } if path.to_str() == Some("tests/data/nothing_*.nc") && source.kind() == std::io::ErrorKind::NotFound),
        "{err}"
    );
    let err = Dataset::open_mfdataset(vec![
        PathBuf::from("tests/data/mf_2000.nc"),
        PathBuf::from("tests/data/absent.nc"),
    ])
    .unwrap_err()
    .to_string();
    assert!(err.contains("absent.nc"), "{err}");
}

#[test]
fn nested_concat_and_preprocess() {
    let dir = tmp("nested");
    for k in 0..3 {
        let ds = Dataset::new()
            .with_data_var(
                "x",
                Variable::new(&["i"], vec![f64::from(k), f64::from(k) + 0.5]).unwrap(),
            )
            .unwrap();
        ds.to_netcdf(dir.join(format!("run{k}.nc"))).unwrap();
    }
    let ds = Dataset::open_mf(format!("{}/run*.nc", dir.display()))
        .concat_dim("member")
        .preprocess(|ds| ds.with_data_var("y", Variable::new(&["i"], vec![1.0, 2.0])?))
        .open()
        .unwrap();
    assert_eq!(ds.variable("x").unwrap().dims(), ["member", "i"]);
    assert_eq!(
        ds.variable("x").unwrap().data().to_f64_vec().unwrap(),
        [0.0, 0.5, 1.0, 1.5, 2.0, 2.5]
    );
    assert_eq!(ds.variable("y").unwrap().dims(), ["member", "i"]);
    // Without concat_dim there is no coordinate to combine by.
    let err = Dataset::open_mfdataset(format!("{}/run*.nc", dir.display()))
        .unwrap_err()
        .to_string();
    assert!(err.contains("concat_dim"), "{err}");
}
