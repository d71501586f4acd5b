#![cfg(feature = "zarr")]
#![allow(clippy::unwrap_used)]
//! `open_mfdataset` of Zarr stores: several small stores written by xr, opened as one
//! along time, equal to the concatenation of each store opened alone.

use std::path::PathBuf;

use xr::io::Engine;
use xr::lazy::{Data, LazyArray};
use xr::{concat, Calendar, Dataset, Encoding, NdArray, Variable};

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xr_mf_zarr_{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Year `year` of monthly data on a noleap calendar: a time coordinate encoded in days,
/// a lazy variable (time, x) and a coordinate shared by every year.
fn year(year: i32) -> Dataset {
    let cal = Calendar::NoLeap;
    let days: Vec<i32> = (0..12).map(|m| m * 30).collect();
    let units = format!("days since {year}-01-01");
    let ticks = xr::time::decode(&days, &units, cal).unwrap();
    let time = Variable::new(
        &["time"],
        NdArray::datetime(ndarray::ArcArray::from_vec(ticks).into_dyn(), cal),
    )
    .unwrap()
    .with_encoding(Encoding {
        units: Some(units),
        ..Encoding::default()
    });
    let base = f64::from(year - 2000) * 100.0;
    let values: Vec<f64> = (0..12 * 3).map(|i| base + f64::from(i)).collect();
    let v =
        LazyArray::from_array(NdArray::from_shape_vec(&[12, 3], values).unwrap(), &[4, 3]).unwrap();
    Dataset::new()
        .with_coord("time", time)
        .unwrap()
        .with_coord("x", Variable::new(&["x"], vec![10i32, 20, 30]).unwrap())
        .unwrap()
        .with_data_var(
            "v",
            Variable::new(&["time", "x"], Data::Lazy(v))
                .unwrap()
                .with_attr("units", "K"),
        )
        .unwrap()
        .with_attr("title", "mf zarr")
}

fn assert_same(a: &Dataset, b: &Dataset) {
    let mut names: Vec<&String> = a.variables().keys().collect();
    names.sort();
    let mut other: Vec<&String> = b.variables().keys().collect();
    other.sort();
    assert_eq!(names, other, "variables");
    assert_eq!(a.coord_names(), b.coord_names(), "coords");
    assert_eq!(a.dims(), b.dims(), "dims");
    assert_eq!(a.attrs(), b.attrs(), "dataset attrs");
    for (name, v) in a.variables() {
        let w = b.variable(name).unwrap();
        assert_eq!(v.dims(), w.dims(), "{name} dims");
        assert_eq!(v.dtype(), w.dtype(), "{name} dtype");
        assert_eq!(v.attrs(), w.attrs(), "{name} attrs");
        assert!(v.data().equals(w.data()), "{name} values");
    }
}

#[test]
fn zarr_stores_combine_along_time_like_each_opened_alone() {
    let dir = tmp("combine");
    // Written out of order: combining by coordinates puts 2000 first.
    for y in [2001, 2000, 2002] {
        year(y)
            .to_zarr(
                dir.join(format!("part_{}.zarr", 2002 - y))
                    .to_str()
                    .unwrap(),
            )
            .unwrap();
    }
    let pattern = dir.join("part_*.zarr");
    let ds = Dataset::open_mfdataset(pattern.to_str().unwrap()).unwrap();
    assert_eq!(ds.dim_size("time").unwrap(), 36);
    assert!(ds.variable("v").unwrap().data().is_lazy());

    let alone: Vec<Dataset> = [2000, 2001, 2002]
        .iter()
        .map(|y| {
            let p = dir.join(format!("part_{}.zarr", 2002 - y));
            Dataset::open_zarr(p.to_str().unwrap()).unwrap()
        })
        .collect();
    let expected = concat(&alone, "time").unwrap();
    assert_same(&ds, &expected);
    let v = ds.variable("v").unwrap().data().to_f64_vec().unwrap();
    assert_eq!(v[..3], [0.0, 1.0, 2.0]);
    assert_eq!(v.len(), 108);
    assert_eq!(v[107..], [235.0]);

    // The engine named, and the paths given in order: the same dataset.
    let paths: Vec<PathBuf> = [2, 1, 0]
        .iter()
        .map(|i| dir.join(format!("part_{i}.zarr")))
        .collect();
    let named = Dataset::open_mf(paths)
        .engine(Engine::Zarr)
        .concat_dim("time")
        .open()
        .unwrap();
    assert_same(&named, &expected);
    // open_dataset picks the Zarr engine from the path, as open_zarr opens it.
    assert_same(
        &Dataset::open_dataset(dir.join("part_2.zarr")).unwrap(),
        &alone[0],
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_zarr_backend_appends_through_the_capability_traits() {
    use xr::io::zarr::ZarrBackend;
    use xr::io::{AppendBackend, Backend, WriteBackend};
    let dir = tmp("append");
    let store = dir.join("all.zarr");
    ZarrBackend.write_dataset(&year(2000), &store).unwrap();
    ZarrBackend.append(&year(2001), &store, "time").unwrap();
    assert!(ZarrBackend.guess_can_open(&store));
    let back = ZarrBackend
        .open_dataset(&store, &xr::io::cf::DecodeOptions::default())
        .unwrap();
    let expected = concat(&[year(2000), year(2001)], "time").unwrap();
    assert_eq!(back.dim_size("time").unwrap(), 24);
    for name in ["v", "time"] {
        assert!(
            back.variable(name)
                .unwrap()
                .data()
                .equals(expected.variable(name).unwrap().data()),
            "{name}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A NetCDF variable stored without deflate carries no compression in its encoding, so
/// Zarr writes it with its own default compressor (zstd), as it does for xarray.
#[cfg(feature = "netcdf")]
#[test]
fn netcdf_without_deflate_gets_zarrs_default_compressor() {
    let ds = Dataset::open_dataset("tests/data/noleap_daily.nc").unwrap();
    let tas = ds.variable("tas").unwrap().encoding();
    assert_eq!(tas.compression, None);
    assert_eq!(
        tas.to_attrs()["zlib"].as_f64(),
        Some(0.0),
        "xarray's zlib: false"
    );
    let dir = tmp("nc_default");
    let out = dir.join("out.zarr");
    ds.to_zarr(out.to_str().unwrap()).unwrap();
    let back = Dataset::open_zarr(out.to_str().unwrap()).unwrap();
    let codecs = back.variable("tas").unwrap().encoding().codecs.clone();
    assert!(
        codecs.as_deref().is_some_and(|c| c.contains("zstd")),
        "{codecs:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
