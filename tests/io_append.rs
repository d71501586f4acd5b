//! Appending records to a NetCDF file along its unlimited dim (tracker issue 17 item 5):
//! the values xarray reads after the append (golden values and fixtures from
//! tests/golden/make_append_golden.py) on standard, noleap and 360_day time axes, the
//! appended records re-encoded with the file's stored encoding (packed int16, int32,
//! float32 with NaNs, times in the file's units); eager and chunked data; errors naming
//! the variable, dim or dtype; and a file left byte for byte as it was after any error.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::golden_file::{values_f64, GoldenFile};

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use ndarray::{ArrayD, IxDyn};
use proptest::prelude::*;
use xr::io::netcdf::NetcdfMode;
use xr::{DType, Dataset, NdArray, Variable};

const CALENDARS: [&str; 3] = ["standard", "noleap", "360_day"];

fn golden() -> &'static GoldenFile {
    static G: OnceLock<GoldenFile> = OnceLock::new();
    G.get_or_init(|| GoldenFile::parse(include_str!("golden/append_golden.json")))
}

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// A fresh copy of the base file of `cal`, to append to.
fn base_copy(cal: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!("xr_io_append_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join(format!("{cal}_{}.nc", N.fetch_add(1, Ordering::Relaxed)));
    std::fs::copy(data(&format!("append_base_{cal}.nc")), &out).unwrap();
    out
}

fn more(cal: &str) -> Dataset {
    Dataset::open_dataset(data(&format!("append_more_{cal}.nc"))).unwrap()
}

fn as_f64(v: &Variable) -> Vec<f64> {
    let a = v.values().unwrap().astype(DType::F64).unwrap();
    a.as_array::<f64>().unwrap().iter().copied().collect()
}

fn same(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g.is_nan() && w.is_nan()) || (g - w).abs() <= 1e-9 * w.abs().max(1.0),
            "{what}[{i}]: got {g}, xarray {w}"
        );
    }
}

/// The file after the append equals what xarray reads from the file it writes whole.
fn check_against_golden(path: &Path, cal: &str) {
    let case = &golden()["cases"][cal];
    let raw = Dataset::open(path).decode_times(false).open().unwrap();
    let time = raw.variable("time").unwrap();
    same(&as_f64(time), &values_f64(&case["time"]), "time");
    assert_eq!(
        time.attrs().get("units").and_then(|a| a.as_str()),
        case["time_units"].as_str()
    );
    assert_eq!(
        time.attrs().get("calendar").and_then(|a| a.as_str()),
        case["calendar"].as_str()
    );
    let ds = Dataset::open_dataset(path).unwrap();
    assert_eq!(ds.dims()["time"], 7);
    assert_eq!(
        ds.encoding().unlimited_dims.as_deref(),
        Some(&["time".to_string()][..])
    );
    for name in ["t", "n", "w"] {
        let v = ds.variable(name).unwrap();
        let want = &case[name];
        assert_eq!(v.dims(), ["time", "lat"], "{name}");
        assert_eq!(
            v.dtype().to_string(),
            want["dtype"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(
            v.encoding().dtype.unwrap().to_string(),
            want["encoded_dtype"].as_str().unwrap(),
            "{name}: stored dtype"
        );
        same(&as_f64(v), &values_f64(&want["values"]), name);
    }
    same(
        &as_f64(ds.variable("lat").unwrap()),
        &values_f64(&case["lat"]),
        "lat",
    );
    assert_eq!(
        ds.variable("t")
            .unwrap()
            .attrs()
            .get("long_name")
            .and_then(|a| a.as_str()),
        Some("temperature")
    );
}

#[test]
fn appends_match_xarray_on_three_calendars() {
    for cal in CALENDARS {
        let out = base_copy(cal);
        more(cal)
            .write_netcdf(&out)
            .mode(NetcdfMode::Append)
            .write()
            .unwrap();
        check_against_golden(&out, cal);
        std::fs::remove_file(&out).ok();
    }
}

#[test]
fn eager_and_chunked_appends_give_the_same_file_values() {
    for cal in CALENDARS {
        let ds = more(cal);
        let eager = ds.compute().unwrap();
        let chunked = ds.chunk(&[("time", 2), ("lat", 2)]).unwrap();
        for (what, ds) in [("eager", eager), ("chunked", chunked)] {
            let out = base_copy(cal);
            ds.write_netcdf(&out)
                .mode(NetcdfMode::Append)
                .write()
                .unwrap_or_else(|e| panic!("{what}: {e}"));
            check_against_golden(&out, cal);
            std::fs::remove_file(&out).ok();
        }
    }
}

#[test]
fn appending_twice_grows_the_record_dim_each_time() {
    let out = base_copy("noleap");
    let m = more("noleap");
    let first = m
        .isel(&[(
            "time",
            xr::dataset::Indexer::Slice {
                start: Some(0),
                stop: Some(1),
                step: 1,
            },
        )])
        .unwrap();
    let rest = m
        .isel(&[(
            "time",
            xr::dataset::Indexer::Slice {
                start: Some(1),
                stop: None,
                step: 1,
            },
        )])
        .unwrap();
    for part in [first, rest] {
        part.write_netcdf(&out)
            .mode(NetcdfMode::Append)
            .write()
            .unwrap();
    }
    check_against_golden(&out, "noleap");
    std::fs::remove_file(&out).ok();
}

#[test]
fn append_to_a_missing_file_writes_it() {
    let dir = std::env::temp_dir().join(format!("xr_io_append_new_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("new.nc");
    std::fs::remove_file(&out).ok();
    let m = more("standard");
    m.write_netcdf(&out)
        .unlimited_dims(&["time"])
        .mode(NetcdfMode::Append)
        .write()
        .unwrap();
    let back = Dataset::open_dataset(&out).unwrap();
    assert_eq!(back.dims()["time"], 3);
    same(
        &as_f64(back.variable("t").unwrap()),
        &as_f64(m.variable("t").unwrap()),
        "t",
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// Appends `ds` to a copy of the noleap base file, expects an error whose message names
/// every one of `names`, and checks the file is unchanged.
fn fails_naming(ds: &Dataset, names: &[&str]) {
    let out = base_copy("noleap");
    let before = std::fs::read(&out).unwrap();
    let err = ds
        .write_netcdf(&out)
        .mode(NetcdfMode::Append)
        .write()
        .expect_err("the append must fail")
        .to_string();
    for n in names {
        assert!(err.contains(n), "{err:?} should name {n:?}");
    }
    assert_eq!(
        std::fs::read(&out).unwrap(),
        before,
        "the file changed: {err}"
    );
    let leftovers: Vec<_> = std::fs::read_dir(out.parent().unwrap())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            // Only this file's: other tests append next to it at the same time.
            let n = e.file_name().to_string_lossy().into_owned();
            n.contains("xr-tmp") && n.contains(&*out.file_name().unwrap().to_string_lossy())
        })
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    std::fs::remove_file(&out).ok();
}

#[test]
fn bad_appends_are_errors_naming_the_culprit_and_leave_the_file_alone() {
    let m = more("noleap");
    // A variable the file does not have.
    let extra = m
        .clone()
        .with_data_var("extra", m.variable("t").unwrap().clone())
        .unwrap();
    fails_naming(&extra, &["extra", "not in the file"]);
    // A variable of the file along time left out.
    fails_naming(&m.drop_vars(&["w"]).unwrap(), &["w", "not in the dataset"]);
    // Another length along a dim that is not appended.
    let short = m
        .isel(&[(
            "lat",
            xr::dataset::Indexer::Slice {
                start: Some(0),
                stop: Some(2),
                step: 1,
            },
        )])
        .unwrap();
    fails_naming(&short, &["lat", "length 2", "3"]);
    // Other dims.
    let renamed = m.rename(&[("lat", "y")]).unwrap();
    fails_naming(&renamed, &["y"]);
    // Strings where the file stores numbers.
    let strings =
        NdArray::from(ArrayD::from_shape_vec(IxDyn(&[3, 3]), vec!["a".to_string(); 9]).unwrap());
    let bad_dtype = m
        .clone()
        .with_data_var("w", Variable::new(&["time", "lat"], strings).unwrap())
        .unwrap();
    fails_naming(&bad_dtype, &["\"w\"", "<U", "float32"]);
    // No such dim in the dataset, or a dim that is not unlimited in the file.
    let no_time = m.isel(&[("time", xr::dataset::Indexer::Pos(0))]).unwrap();
    fails_naming(&no_time, &["time"]);
    let out = base_copy("noleap");
    let before = std::fs::read(&out).unwrap();
    let err = m
        .write_netcdf(&out)
        .unlimited_dims(&["lat"])
        .mode(NetcdfMode::Append)
        .write()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("\"lat\"") && err.contains("not an unlimited dim"),
        "{err}"
    );
    assert_eq!(std::fs::read(&out).unwrap(), before);
    std::fs::remove_file(&out).ok();
}

#[test]
fn appending_to_a_file_without_an_unlimited_dim_is_an_error() {
    let out = base_copy("standard");
    let fixed = std::env::temp_dir().join(format!("xr_io_append_fixed_{}.nc", std::process::id()));
    let m = more("standard");
    m.write_netcdf(&fixed).write().unwrap();
    let before = std::fs::read(&fixed).unwrap();
    let err = m
        .write_netcdf(&fixed)
        .mode(NetcdfMode::Append)
        .write()
        .unwrap_err()
        .to_string();
    assert!(err.contains("no unlimited dim"), "{err}");
    assert_eq!(std::fs::read(&fixed).unwrap(), before);
    std::fs::remove_file(&fixed).ok();
    std::fs::remove_file(&out).ok();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]

    /// Chunking never changes what is appended.
    #[test]
    fn chunked_appends_equal_eager(ct in 1_usize..4, cl in 1_usize..4, c in 0_usize..3) {
        let cal = CALENDARS[c];
        let out = base_copy(cal);
        more(cal)
            .chunk(&[("time", ct), ("lat", cl)])
            .unwrap()
            .write_netcdf(&out)
            .mode(NetcdfMode::Append)
            .write()
            .unwrap();
        check_against_golden(&out, cal);
        std::fs::remove_file(&out).ok();
    }
}
