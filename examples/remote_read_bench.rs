//! Reads one variable of a NetCDF-4 file whole, from the file itself (direct chunk
//! reads) or through its kerchunk references (chunks by range requests, e.g. on S3),
//! and prints the seconds from opening to having the decoded values, and their sum.
//!
//! ```text
//! remote_read_bench local FILE.nc VAR
//! remote_read_bench refs REFS.json|s3://bucket/REFS.json VAR   (S3 settings: AWS_*)
//! ```
//!
//! Run by `bench/remote/run.sh`.

use std::process::ExitCode;
use std::time::Instant;

use xr::Dataset;

fn run(mode: &str, location: &str, var: &str) -> xr::Result<(f64, f64)> {
    let start = Instant::now();
    let ds = match mode {
        "local" => Dataset::open_dataset(location)?,
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
        eprintln!("usage: remote_read_bench local|refs LOCATION VAR");
        return ExitCode::FAILURE;
    };
    if mode != "local" && mode != "refs" {
        eprintln!("mode must be local or refs, not {mode:?}");
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
