//! `xr clim DIR_OR_GLOB OUT [--mpi]`: the seasonal climatology of a multi-file dataset
//! (`open_mfdataset(..).groupby("time.season").mean("time")`), written to OUT: a NetCDF
//! file, or a Zarr store when OUT ends in `.zarr` or is a URL (as `xr convert` tells
//! them apart). With `--mpi`, computed by every rank of the MPI job
//! (`mpirun -n 4 xr clim ... --mpi`): a NetCDF file is written by rank 0 from the result
//! gathered there; a Zarr store is written by the ranks that computed each chunk, rank 0
//! writing its metadata.
//!
//! `--memory-budget SIZE` (bytes, or `512M`, `2G`): the most bytes of task values kept
//! alive at once (per rank with `--mpi`); without it, a quarter of the machine's memory
//! (shared by the node's ranks). A budget smaller than one chunk's task is an error
//! before anything is read, naming the task, its size and the budget.

use std::path::Path;
use std::time::Instant;

use xr::dist::LocalExecutor;
use xr::Dataset;

use crate::size::parse_size;

pub const USAGE: &str = "xr clim DIR_OR_GLOB OUT.nc|OUT.zarr [--mpi] [--memory-budget SIZE]";

pub fn clim(args: &[String]) -> Result<(), String> {
    let mut paths = Vec::new();
    let mut use_mpi = false;
    let mut budget = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--mpi" => use_mpi = true,
            "--memory-budget" => {
                let size = it
                    .next()
                    .ok_or_else(|| format!("--memory-budget needs a size\nusage: {USAGE}"))?;
                budget = Some(parse_size(size).map_err(|e| format!("--memory-budget: {e}"))?);
            }
            flag if flag.starts_with('-') => {
                return Err(format!("unknown option {flag:?}\nusage: {USAGE}"))
            }
            path => paths.push(path.to_string()),
        }
    }
    let [input, out] = paths.as_slice() else {
        return Err(format!("usage: {USAGE}"));
    };
    let pattern = if Path::new(input).is_dir() {
        format!("{}/*.nc", input.trim_end_matches('/'))
    } else {
        input.clone()
    };
    if use_mpi {
        return clim_mpi(&pattern, out, budget);
    }
    let t = Instant::now();
    let clim = seasonal_mean(&pattern).map_err(|e| e.to_string())?;
    let local = match budget {
        Some(bytes) => LocalExecutor::default().memory_budget(bytes),
        None => LocalExecutor::default(),
    };
    if is_zarr(out) {
        // Streamed: each chunk written by the task that computed it.
        write_zarr(&clim, out, &local)
    } else {
        clim.compute_with(&local).and_then(|ds| ds.to_netcdf(out))
    }
    .map_err(|e| e.to_string())?;
    eprintln!("xr clim: {pattern} -> {out} in {:.2?}", t.elapsed());
    Ok(())
}

fn seasonal_mean(pattern: &str) -> xr::Result<Dataset> {
    Dataset::open_mfdataset(pattern)?
        .groupby("time.season")?
        .mean()
}

/// A Zarr store for URLs and paths ending in `.zarr`; a NetCDF file otherwise.
fn is_zarr(out: &str) -> bool {
    out.contains("://")
        || Path::new(out.trim_end_matches('/'))
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("zarr"))
}

/// Writes `ds` to a new Zarr store at `out` (replacing one, as a NetCDF output is).
#[cfg(feature = "zarr")]
fn write_zarr(ds: &Dataset, out: &str, executor: &dyn xr::dist::Executor) -> xr::Result<()> {
    ds.write_zarr(out)
        .mode(xr::io::zarr::ZarrMode::Write)
        .write_with(executor)
}

#[cfg(not(feature = "zarr"))]
fn write_zarr(_ds: &Dataset, out: &str, _executor: &dyn xr::dist::Executor) -> xr::Result<()> {
    Err(xr::Error::invalid_argument(
        "OUT",
        format!("{out}: writing Zarr needs xr built with the `zarr` feature"),
    ))
}

#[cfg(feature = "mpi")]
fn clim_mpi(pattern: &str, out: &str, budget: Option<usize>) -> Result<(), String> {
    let mut mpi = xr::dist::MpiExecutor::new().map_err(|e| e.to_string())?;
    if let Some(bytes) = budget {
        mpi = mpi.memory_budget(bytes);
    }
    let t = Instant::now();
    let run = || -> xr::Result<()> {
        let clim = seasonal_mean(pattern)?;
        if is_zarr(out) {
            write_zarr(&clim, out, &mpi)
        } else {
            let clim = clim.compute_with(&mpi)?;
            if mpi.is_root() {
                clim.to_netcdf(out)?;
            }
            Ok(())
        }
    };
    // An error on one rank must end the job, not leave the others waiting for it.
    if let Err(e) = run() {
        mpi.abort(&e);
    }
    if mpi.is_root() {
        let c = mpi.comm_stats();
        eprintln!(
            "xr clim: {pattern} -> {out} on {} MPI ranks in {:.2?} (rank 0: tasks {:.2?}, \
             exchanges {:.2?}, {} bytes sent, {} bytes received of which {} result bytes, \
             {} collective calls)",
            mpi.size(),
            t.elapsed(),
            c.compute,
            c.exchange,
            c.bytes_sent,
            c.bytes_received,
            c.results_received,
            c.collectives
        );
    }
    Ok(())
}

#[cfg(not(feature = "mpi"))]
fn clim_mpi(_pattern: &str, _out: &str, _budget: Option<usize>) -> Result<(), String> {
    Err("--mpi: this xr was built without the `mpi` feature (cargo build --features mpi)".into())
}
