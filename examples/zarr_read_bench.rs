//! The Zarr benchmark's Rust contenders (run by `bench/zarr/run.sh`):
//!
//! ```text
//! zarr_read_bench xr STORE VAR        Dataset::open_zarr(STORE), VAR computed into memory
//! zarr_read_bench zarrs STORE VAR     zarrs alone: Array::open + retrieve_array_subset
//! zarr_read_bench clim STORE OUT.nc   seasonal climatology of `tas` from a Zarr store
//! zarr_read_bench copy DIR STORE      open_mfdataset(DIR/*.nc) written to a Zarr store
//! ```
//!
//! The read modes print the seconds spent opening and reading (process start and
//! teardown excluded) and the sum of the values, which both readers must agree on.

use std::sync::Arc;
use std::time::Instant;

use zarrs::array::Array;
use zarrs::filesystem::FilesystemStore;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [mode, a, b] = args.as_slice() else {
        eprintln!("usage: zarr_read_bench xr|zarrs STORE VAR | clim STORE OUT.nc | copy DIR STORE");
        std::process::exit(2);
    };
    match mode.as_str() {
        "xr" => {
            let t = Instant::now();
            let ds = xr::Dataset::open_zarr(a)?;
            let values = ds.variable(b)?.data().compute()?;
            let secs = t.elapsed().as_secs_f64();
            let sum: f64 = match &values {
                xr::NdArray::F32(a) => a.iter().map(|&v| f64::from(v)).sum(),
                other => other.to_f64_vec()?.iter().sum(),
            };
            println!("{secs:.3} {sum:.6e} {}", values.len());
        }
        "zarrs" => {
            let t = Instant::now();
            let store = Arc::new(FilesystemStore::new(a)?);
            let array = Array::open(store, &format!("/{b}"))?;
            let values: Vec<f32> = array.retrieve_array_subset(&array.subset_all())?;
            let secs = t.elapsed().as_secs_f64();
            let sum: f64 = values.iter().map(|&v| f64::from(v)).sum();
            println!("{secs:.3} {sum:.6e} {}", values.len());
        }
        "clim" => xr::Dataset::open_zarr(a)?
            .groupby("time.season")?
            .mean()?
            .to_netcdf(b)?,
        "copy" => xr::Dataset::open_mfdataset(format!("{a}/*.nc"))?.to_zarr(b)?,
        other => return Err(format!("unknown mode {other:?}").into()),
    }
    Ok(())
}
