//! The climatology on MPI ranks: `examples/climatology.rs`'s seasonal mean computed by
//! every rank of an MPI job, checked on rank 0 against the local executor, and the seed
//! slide's `x.dot(x.T + 1)` on a distributed chunked array.
//!
//! ```text
//! make demo     # writes the sample dataset to data/sample once
//! cargo build --release --features mpi --example climatology_mpi
//! mpirun -n 2 target/release/examples/climatology_mpi [DIR] [--dot N]
//! ```
//!
//! DIR defaults to `data/sample`; the result goes to `DIR/../clim_mpi.nc`. Each rank
//! reads a contiguous share of the files' chunks; partials cross ranks only where a
//! combine's inputs come from two ranks. Set the threads of each rank with
//! `RAYON_NUM_THREADS` (e.g. `mpirun -n 2 -x RAYON_NUM_THREADS=1 ...`).

use std::path::{Path, PathBuf};
use std::time::Instant;

use xr::dist::{Executor, LocalExecutor, MpiExecutor};
use xr::lazy::LazyArray;
use xr::{DataArray, Dataset, NdArray};

fn main() {
    let mpi = match MpiExecutor::new() {
        Ok(m) => m,
        Err(e) => {
            eprintln!("climatology_mpi: {e}");
            std::process::exit(1);
        }
    };
    // An error on one rank must end the job rather than leave the others waiting.
    if let Err(e) = run(&mpi) {
        mpi.abort(&e);
    }
}

fn run(mpi: &MpiExecutor) -> xr::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dot_n = args
        .iter()
        .position(|a| a == "--dot")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse::<usize>().ok());
    let dir = PathBuf::from(
        args.iter()
            .find(|a| !a.starts_with("--") && a.parse::<usize>().is_err())
            .map_or("data/sample", String::as_str),
    );
    let pattern = format!("{}/*.nc", dir.display());
    let local = LocalExecutor::new().progress(false);

    let t = Instant::now();
    let seasonal = Dataset::open_mfdataset(pattern.as_str())?
        .groupby("time.season")?
        .mean()?;
    let clim = seasonal.compute_with(mpi)?;
    let took = t.elapsed();
    if mpi.is_root() {
        let c = mpi.comm_stats();
        println!(
            "seasonal climatology of {pattern} on {} ranks in {took:.2?} \
             (rank 0: tasks {:.2?}, exchanges {:.2?}, {} bytes sent)\n",
            mpi.size(),
            c.compute,
            c.exchange,
            c.bytes_sent
        );
        println!("{clim}\n");
        let t = Instant::now();
        let want = seasonal.compute_with(&local as &dyn Executor)?;
        let same = identical(&clim.get("tas")?, &want.get("tas")?)?;
        println!(
            "local executor on rank 0 alone: {:.2?}; identical to the MPI result: {same}",
            t.elapsed()
        );
        let out = dir
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
            .join("clim_mpi.nc");
        clim.to_netcdf(&out)?;
        println!("wrote {}", out.display());
    }

    if let Some(n) = dot_n {
        // The seed slide's second example, on named dims: x.T of the slide is x with its
        // dims swapped, so x.dot(x.T + 1) contracts x's "y" with the transpose's.
        let chunk = (n / 4).max(1);
        let x = DataArray::new(
            LazyArray::random(&[n, n], &[chunk, chunk], 42)?,
            &["x", "y"],
        )?;
        let b = (&x + 1.0)?.rename(&[("x", "k")])?;
        let expr = (&x.dot(&b, Some(&["y"]))? - &x.mean(&[])?)?.std(&[])?;
        let t = Instant::now();
        let got = expr.compute_with(mpi)?;
        let took = t.elapsed();
        if mpi.is_root() {
            let want = expr.compute_with(&local as &dyn Executor)?;
            println!(
                "(x.dot(x.T + 1) - x.mean()).std() = {} [{n}x{n}, chunks {chunk}x{chunk}, {} ranks, {took:.2?}]; identical to the local executor: {}",
                got.values().get_flat(0)?,
                mpi.size(),
                identical(&got, &want)?
            );
        }
    }
    Ok(())
}

/// Bitwise equality of two arrays' values (NaN equal to NaN).
fn identical(a: &DataArray, b: &DataArray) -> xr::Result<bool> {
    let (a, b): (NdArray, NdArray) = (a.values().compute()?, b.values().compute()?);
    Ok(a.shape() == b.shape()
        && a.to_f64_vec()?
            .iter()
            .zip(&b.to_f64_vec()?)
            .all(|(p, q)| p.to_bits() == q.to_bits() || (p.is_nan() && q.is_nan())))
}
