//! Speed of the polars interop (tracker issue 17: `to_dataframe` of 10^7 values at
//! memory bandwidth, ≥ 1 GB/s): a Dataset of 10^7 float64 values made in memory (`tas`
//! and `pr` over time × lat × lon, 500 × 100 × 100, with a standard-calendar time axis
//! and float64 lat/lon), then `Dataset::to_dataframe`, `DataArray::to_dataframe` (of
//! `tas`) and `Dataset::write_ipc` to a temporary file, each timed as the best of 5 runs
//! after one warm-up. GB/s counts the bytes of the output columns (polars'
//! `estimated_size`: the index columns repeated over the rows plus the values), or of
//! the file for `write_ipc`.
//!
//! Usage: `cargo run --release --features polars --example dataframe_bench`.

use std::time::Instant;

use ndarray::ArcArray;
use xr::{Calendar, DataArray, Dataset, NdArray, Variable};

const NT: usize = 500;
const NLAT: usize = 100;
const NLON: usize = 100;
const RUNS: usize = 5;

fn main() -> xr::Result<()> {
    let ds = dataset()?;
    let values: usize = ds.data_vars().map(|(_, v)| v.data().len()).sum();
    let tas: DataArray = ds.get("tas")?;
    println!(
        "dataset: {NT} x {NLAT} x {NLON} (time x lat x lon), {values} float64 values in {} variables",
        ds.data_vars().count()
    );

    let df = ds.to_dataframe()?;
    report("Dataset::to_dataframe", values, df.estimated_size(), || {
        ds.to_dataframe().map(drop)
    })?;
    let df = tas.to_dataframe()?;
    report(
        "DataArray::to_dataframe",
        tas.values().len(),
        df.estimated_size(),
        || tas.to_dataframe().map(drop),
    )?;

    let path =
        std::env::temp_dir().join(format!("xr-dataframe-bench-{}.arrow", std::process::id()));
    ds.write_ipc(&path)?;
    let file_bytes = std::fs::metadata(&path)
        .map_err(|source| xr::Error::Io {
            path: path.clone(),
            source,
        })?
        .len() as usize;
    let result = report("Dataset::write_ipc", values, file_bytes, || {
        ds.write_ipc(&path)
    });
    let _ = std::fs::remove_file(&path);
    result
}

/// Times `run` (one warm-up, then the best of [`RUNS`]) and prints the rates.
fn report(
    what: &str,
    values: usize,
    bytes: usize,
    run: impl Fn() -> xr::Result<()>,
) -> xr::Result<()> {
    run()?;
    let mut best = f64::INFINITY;
    for _ in 0..RUNS {
        let start = Instant::now();
        run()?;
        best = best.min(start.elapsed().as_secs_f64());
    }
    println!(
        "{what:<24} {values:>9} values  {:>7.1} MB out  {best:.4} s  {:.2} GB/s  ({:.0} Mvalues/s)",
        bytes as f64 / 1e6,
        bytes as f64 / best / 1e9,
        values as f64 / best / 1e6,
    );
    Ok(())
}

/// Two smooth float64 fields over a daily standard-calendar time axis from 2000-01-01.
fn dataset() -> xr::Result<Dataset> {
    let day = 86_400 * xr::time::TICKS_PER_SECOND;
    let start = 946_684_800 * xr::time::TICKS_PER_SECOND;
    let time: Vec<i64> = (0..NT as i64).map(|k| start + k * day).collect();
    let lat: Vec<f64> = (0..NLAT).map(|j| -89.1 + 1.8 * j as f64).collect();
    let lon: Vec<f64> = (0..NLON).map(|i| 1.8 * i as f64).collect();
    let field = |f: fn(usize, usize, usize) -> f64| -> xr::Result<NdArray> {
        let mut v = Vec::with_capacity(NT * NLAT * NLON);
        for t in 0..NT {
            for j in 0..NLAT {
                for i in 0..NLON {
                    v.push(f(t, j, i));
                }
            }
        }
        NdArray::from(v).reshape(&[NT, NLAT, NLON])
    };
    let tas = field(|t, j, i| 280.0 + 10.0 * ((t + j) as f64 * 0.01).sin() + i as f64 * 0.01)?;
    let pr = field(|t, j, i| ((t * 7 + j * 3 + i) % 100) as f64 * 1e-5)?;
    let dims = ["time", "lat", "lon"];
    Dataset::new()
        .with_coord(
            "time",
            Variable::new(
                &["time"],
                NdArray::datetime(ArcArray::from_vec(time).into_dyn(), Calendar::Standard),
            )?,
        )?
        .with_coord("lat", Variable::new(&["lat"], NdArray::from(lat))?)?
        .with_coord("lon", Variable::new(&["lon"], NdArray::from(lon))?)?
        .with_data_var("tas", Variable::new(&dims, tas)?)?
        .with_data_var("pr", Variable::new(&dims, pr)?)
}
