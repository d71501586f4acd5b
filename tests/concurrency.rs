//! Threads at once: 8 threads opening and reading the same files (NetCDF-3 through
//! libnetcdf's global lock, NetCDF-4 through the direct chunk reader, Zarr through
//! zarrs), and one lazy Dataset computed from several threads at once, give the answer
//! of one thread, bit for bit.
#![cfg(all(feature = "netcdf", feature = "zarr"))]
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use xr::Dataset;

const THREADS: usize = 8;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// Every variable's values (data variables computed), with its name, dtype and shape,
/// as text: NaN compares equal to NaN, and a different bit pattern prints differently.
fn snapshot(ds: &Dataset) -> Vec<String> {
    let mut out: Vec<String> = ds
        .variables()
        .iter()
        .map(|(name, var)| {
            let values = var.data().compute().unwrap();
            format!("{name} {:?} {:?}", values.dtype(), values)
        })
        .collect();
    out.sort();
    out
}

/// Opens the source with `open` and reads it whole on one thread, then on `THREADS`
/// threads at once (each opening it itself), several times; every thread's reading
/// must equal the first.
fn same_on_every_thread(what: &str, open: impl Fn() -> Dataset + Sync) {
    let expected = snapshot(&open());
    assert!(!expected.is_empty(), "{what}: no variables");
    for _round in 0..3 {
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..THREADS)
                .map(|_| s.spawn(|| snapshot(&open())))
                .collect();
            for h in handles {
                let got = h.join().unwrap();
                assert_eq!(got, expected, "{what}: a thread read other values");
            }
        });
    }
}

#[test]
fn netcdf3_files_read_from_eight_threads_agree() {
    for name in ["classic.nc", "example_1.nc", "noleap_daily.nc"] {
        same_on_every_thread(name, || Dataset::open_dataset(data(name)).unwrap());
    }
}

#[test]
fn netcdf4_direct_reads_from_eight_threads_agree() {
    for name in [
        "compressed_chunked.nc",
        "packed_int16.nc",
        "chunks/basic.nc",
    ] {
        same_on_every_thread(name, || Dataset::open_dataset(data(name)).unwrap());
    }
}

#[test]
fn zarr_stores_read_from_eight_threads_agree() {
    for name in [
        "v2_consolidated.zarr",
        "v3_plain.zarr",
        "v3_consolidated.zarr",
    ] {
        let path = data("zarr").join(name);
        same_on_every_thread(name, || Dataset::open_zarr(path.to_str().unwrap()).unwrap());
    }
}

#[test]
fn one_lazy_dataset_computed_from_several_threads_at_once_agrees() {
    // Opened once: the same lazy sources (and their file handles) shared by all threads,
    // with a reduction and arithmetic on top so that every thread runs a whole graph.
    for name in ["compressed_chunked.nc", "classic.nc"] {
        let ds = Dataset::open_dataset(data(name)).unwrap();
        let derived = |ds: &Dataset| -> Vec<String> {
            let mut out = snapshot(ds);
            for (var, v) in ds.data_vars() {
                if v.dtype().is_numeric() && !v.dims().is_empty() {
                    let da = ds.get(var).unwrap();
                    let dim = v.dims()[0].clone();
                    let mean = da.mean(&[dim.as_str()]).unwrap();
                    out.push(format!(
                        "{var} mean {:?}",
                        mean.variable().data().compute().unwrap()
                    ));
                }
            }
            out
        };
        let expected = derived(&ds);
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..THREADS).map(|_| s.spawn(|| derived(&ds))).collect();
            for h in handles {
                assert_eq!(
                    h.join().unwrap(),
                    expected,
                    "{name}: a thread computed other values"
                );
            }
        });
    }
}

#[test]
fn a_zarr_dataset_shared_by_threads_agrees() {
    let path = data("zarr").join("v3_consolidated.zarr");
    let ds = Dataset::open_zarr(path.to_str().unwrap()).unwrap();
    let expected = snapshot(&ds);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS).map(|_| s.spawn(|| snapshot(&ds))).collect();
        for h in handles {
            assert_eq!(h.join().unwrap(), expected);
        }
    });
}
