//! Reads one variable of a NetCDF-4 file whole, from the file itself (direct chunk
//! reads), through its kerchunk references (chunks by range requests, e.g. on S3), or
//! from the file at a URL directly (its metadata by range requests, then the chunks),
//! and prints the seconds from opening to having the decoded values, and their sum.
//!
//! ```text
//! remote_read_bench local FILE.nc VAR
//! remote_read_bench refs REFS.json|s3://bucket/REFS.json VAR   (S3 settings: AWS_*)
//! remote_read_bench direct s3://bucket/FILE.nc VAR   (no reference file: the metadata
//!                                                     by range requests)
//! ```
//!
//! Run by `bench/remote/run.sh`.

use std::process::ExitCode;
use std::time::Instant;

use xr::Dataset;

fn run(mode: &str, location: &str, var: &str) -> xr::Result<(f64, f64)> {
    let start = Instant::now();
    let ds = match mode {
        // A URL ending in .nc: the references are built from the file's metadata.
        "local" | "direct" => Dataset::open_dataset(location)?,
        _ => Dataset::open_refs(location)?,
    };
    let values = ds.variable(var)?.values()?;
    let secs = start.elapsed().as_secs_f64();
    let sum = values
        .to_f64_vec()?
        .into_iter()
        .filter(|x| !x.is_nan())
        .sum();
    Ok((secs, sum))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [mode, location, var] = args.as_slice() else {
        eprintln!("usage: remote_read_bench local|refs|direct LOCATION VAR");
        return ExitCode::FAILURE;
    };
    if !["local", "refs", "direct"].contains(&mode.as_str()) {
        eprintln!("mode must be local, refs or direct, not {mode:?}");
        return ExitCode::FAILURE;
    }
    match run(mode, location, var) {
        Ok((secs, sum)) => {
            println!("{mode} {secs:.4} {sum}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("remote_read_bench: {e}");
            ExitCode::FAILURE
        }
    }
}
