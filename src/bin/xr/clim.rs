//! `xr clim DIR_OR_GLOB OUT.nc [--mpi]`: the seasonal climatology of a multi-file dataset
//! (`open_mfdataset(..).groupby("time.season").mean("time")`), written to OUT.nc; with
//! `--mpi`, computed by every rank of the MPI job (`mpirun -n 4 xr clim ... --mpi`) and
//! written by rank 0.

use std::path::Path;
use std::time::Instant;

use xr::Dataset;

pub const USAGE: &str = "xr clim DIR_OR_GLOB OUT.nc [--mpi]";

pub fn clim(args: &[String]) -> Result<(), String> {
    let mut paths = Vec::new();
    let mut use_mpi = false;
    for a in args {
        match a.as_str() {
            "--mpi" => use_mpi = true,
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
        return clim_mpi(&pattern, out);
    }
    let t = Instant::now();
    let clim = seasonal_mean(&pattern)
        .and_then(|ds| ds.compute())
        .map_err(|e| e.to_string())?;
    clim.to_netcdf(out).map_err(|e| e.to_string())?;
    eprintln!("xr clim: {pattern} -> {out} in {:.2?}", t.elapsed());
    Ok(())
}

fn seasonal_mean(pattern: &str) -> xr::Result<Dataset> {
    Dataset::open_mfdataset(pattern)?
        .groupby("time.season")?
        .mean(&["time"])
}

#[cfg(feature = "mpi")]
fn clim_mpi(pattern: &str, out: &str) -> Result<(), String> {
    let mpi = xr::dist::MpiExecutor::new().map_err(|e| e.to_string())?;
    let t = Instant::now();
    let run = || -> xr::Result<()> {
        let clim = seasonal_mean(pattern)?.compute_with(&mpi)?;
        if mpi.is_root() {
            clim.to_netcdf(out)?;
        }
        Ok(())
    };
    // An error on one rank must end the job, not leave the others waiting for it.
    if let Err(e) = run() {
        mpi.abort(&e);
    }
    if mpi.is_root() {
        let c = mpi.comm_stats();
        eprintln!(
            "xr clim: {pattern} -> {out} on {} MPI ranks in {:.2?} (rank 0: tasks {:.2?}, exchanges {:.2?}, {} bytes sent)",
            mpi.size(),
            t.elapsed(),
            c.compute,
            c.exchange,
            c.bytes_sent
        );
    }
    Ok(())
}

#[cfg(not(feature = "mpi"))]
fn clim_mpi(_pattern: &str, _out: &str) -> Result<(), String> {
    Err("--mpi: this xr was built without the `mpi` feature (cargo build --features mpi)".into())
}
