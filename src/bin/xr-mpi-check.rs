//! `xr-mpi-check`: checks, under `mpirun`, that [`MpiExecutor`] gives bit for bit the
//! [`LocalExecutor`]'s answers on this MPI installation, on random chunkings.
//!
//! ```text
//! mpirun -n 4 xr-mpi-check [--seed N] [--all-ranks] [--max-call BYTES] [--zarr DIR]
//!                           [--fail-rank R | --panic-rank R]
//! ```
//!
//! Every rank builds the same random data and chunking from the seed; each case (grouped
//! mean and std by season, reductions, an elementwise array gathered whole, the seed's
//! `x.dot(x.T + 1)`) is computed with the MPI executor, then on rank 0 (on every rank with
//! `--all-ranks`) with the local executor, and compared bitwise. Exit status 0 when all
//! are equal. `--fail-rank R` / `--panic-rank R` make a task that runs on rank R fail or
//! panic, to check that the job ends with the message instead of hanging. `--max-call BYTES`
//! splits every exchange into collective calls of at most about BYTES (as exchanges of
//! more than 1 GiB are). `--zarr DIR` also writes a chunked dataset to the Zarr store
//! `DIR/ranks.zarr` with `write_with` (each chunk written by the rank that computed it),
//! then on rank 0 to `DIR/local.zarr` with the local executor, and compares the two
//! (values bitwise, attributes, coordinates) and the bytes rank 0 received meanwhile. Used by
//! `tests/mpi.rs`; also a quick check of a cluster's MPI setup.

use std::process::ExitCode;
use std::time::Instant;

use xr::dist::mpi::Results;
use xr::dist::{Executor, LocalExecutor, MpiExecutor};
use xr::io::zarr::ZarrMode;
use xr::lazy::LazyArray;
use xr::time::date_range;
use xr::{Calendar, CfDatetime, DType, DataArray, Dataset, Error, NdArray, Variable};

const USAGE: &str = "usage: xr-mpi-check [--seed N] [--all-ranks] [--max-call BYTES] [--zarr DIR] [--fail-rank R | --panic-rank R]";

/// A deterministic generator (SplitMix64): the same numbers on every rank.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// In `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo + 1) as u64) as usize
    }

    /// Random chunk sizes adding up to `n`, each at most `max`.
    fn chunks(&mut self, n: usize, max: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut left = n;
        while left > 0 {
            let c = self.range(1, max.min(left));
            out.push(c);
            left -= c;
        }
        out
    }
}

enum Sabotage {
    None,
    Fail(usize),
    Panic(usize),
}

struct Args {
    seed: u64,
    all_ranks: bool,
    max_call: Option<usize>,
    zarr: Option<std::path::PathBuf>,
    sabotage: Sabotage,
}

fn parse() -> Result<Args, String> {
    let mut args = Args {
        seed: 1,
        all_ranks: false,
        max_call: None,
        zarr: None,
        sabotage: Sabotage::None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut number = |what: &str| -> Result<u64, String> {
            it.next()
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("{what} needs a number\n{USAGE}"))
        };
        match a.as_str() {
            "--seed" => args.seed = number("--seed")?,
            "--all-ranks" => args.all_ranks = true,
            "--max-call" => args.max_call = Some(number("--max-call")? as usize),
            "--zarr" => {
                args.zarr = Some(
                    it.next()
                        .ok_or_else(|| format!("--zarr needs a directory\n{USAGE}"))?
                        .into(),
                );
            }
            "--fail-rank" => args.sabotage = Sabotage::Fail(number("--fail-rank")? as usize),
            "--panic-rank" => args.sabotage = Sabotage::Panic(number("--panic-rank")? as usize),
            other => return Err(format!("unexpected argument {other:?}\n{USAGE}")),
        }
    }
    Ok(args)
}

fn main() -> ExitCode {
    let args = match parse() {
        Ok(a) => a,
        Err(msg) => {
            eprintln!("xr-mpi-check: {msg}");
            return ExitCode::from(2);
        }
    };
    let mpi = match MpiExecutor::new() {
        Ok(m) => {
            let m = m.results(if args.all_ranks {
                Results::AllRanks
            } else {
                Results::Root
            });
            match args.max_call {
                Some(b) => m.max_bytes_per_call(b),
                None => m,
            }
        }
        Err(e) => {
            eprintln!("xr-mpi-check: {e}");
            return ExitCode::FAILURE;
        }
    };
    match run(&mpi, &args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        // An error on one rank must not leave the others waiting.
        Err(e) => mpi.abort(&e),
    }
}

/// Bitwise equality (NaN payloads aside: every NaN equals every NaN).
fn identical(a: &NdArray, b: &NdArray) -> bool {
    if a.dtype() != b.dtype() || a.shape() != b.shape() {
        return false;
    }
    match (a.to_f64_vec(), b.to_f64_vec()) {
        (Ok(x), Ok(y)) => x
            .iter()
            .zip(&y)
            .all(|(p, q)| p.to_bits() == q.to_bits() || (p.is_nan() && q.is_nan())),
        _ => a.equals(b),
    }
}

fn run(mpi: &MpiExecutor, args: &Args) -> xr::Result<bool> {
    let t = Instant::now();
    let mut rng = Rng(args.seed);
    let compare_here = mpi.is_root() || args.all_ranks;
    let local = LocalExecutor::new().progress(false);

    // Daily data with NaNs, chunked at random along time and y.
    let (nt, ny, nx) = (rng.range(200, 500), 5, 4);
    let cal = Calendar::NoLeap;
    let days = date_range(
        CfDatetime::new(2001, 1, 1, cal)?,
        None,
        Some(nt),
        "D".parse()?,
        cal,
    )?;
    let values: Vec<f64> = (0..nt * ny * nx)
        .map(|_| {
            if rng.next() % 17 == 0 {
                f64::NAN
            } else {
                (rng.next() % 1_000_000) as f64 / 997.0 - 300.0
            }
        })
        .collect();
    let chunks = vec![
        rng.chunks(nt, nt / (4 * mpi.size()).max(1)),
        rng.chunks(ny, 3),
        vec![nx],
    ];
    let values = NdArray::from_shape_vec(&[nt, ny, nx], values)?;
    let time = NdArray::datetime(ndarray::ArcArray::from_vec(days).into_dyn(), cal);
    let chunked = |values: NdArray| -> xr::Result<DataArray> {
        let lazy = LazyArray::from_array(values, &[0, 0, 0])?.rechunk_sizes(chunks.clone())?;
        Ok(DataArray::new(lazy, &["time", "y", "x"])?
            .with_coord("time", &["time"], time.clone())?
            .with_name("tas"))
    };
    let tas = chunked(values.clone())?;
    let f32_tas = chunked(values.astype(DType::F32)?)?;

    // The seed's x.dot(x.T + 1) on a random chunked matrix.
    let n = rng.range(30, 60);
    let dot_chunks = vec![rng.chunks(n, n / 3), rng.chunks(n, n / 3)];
    let x = DataArray::new(
        LazyArray::random(&[n, n], &[n, n], args.seed)?.rechunk_sizes(dot_chunks.clone())?,
        &["x", "y"],
    )?;
    let b = (&x + 1.0)?.rename(&[("x", "k")])?;

    let mut cases: Vec<(&str, DataArray)> = vec![
        ("season mean", tas.groupby("time.season")?.mean()?),
        ("season std (f32)", f32_tas.groupby("time.season")?.std()?),
        ("month max", tas.groupby("time.month")?.max()?),
        ("time mean", tas.mean(&["time"])?),
        ("total sum", tas.sum(&[])?),
        ("elementwise 2x+1", (&(&tas * 2.0)? + 1.0)?),
        ("x.dot(x.T + 1)", x.dot(&b, Some(&["y"]))?),
    ];
    let me = mpi.rank();
    // With --zarr, the sabotage goes into a Zarr append instead (see `zarr_case`).
    match if args.zarr.is_some() {
        &Sabotage::None
    } else {
        &args.sabotage
    } {
        Sabotage::None => {}
        &Sabotage::Fail(r) => cases.push((
            "a failing task",
            tas.map_blocks(DType::F64, move |blk| {
                if me == r {
                    Err(Error::invalid_argument(
                        "blk",
                        format!("deliberate failure of a task on rank {r}"),
                    ))
                } else {
                    Ok(blk.clone())
                }
            })?,
        )),
        &Sabotage::Panic(r) => cases.push((
            "a panicking task",
            tas.map_blocks(DType::F64, move |blk| {
                assert!(me != r, "deliberate panic of a task on rank {r}");
                Ok(blk.clone())
            })?,
        )),
    }

    let mut all_equal = true;
    for (name, case) in &cases {
        let got = case.compute_with(mpi)?;
        if !compare_here {
            continue;
        }
        let want = case.compute_with(&local as &dyn Executor)?;
        let (g, w) = (got.values().compute()?, want.values().compute()?);
        let equal = identical(&g, &w);
        all_equal &= equal;
        println!(
            "rank {me}: {name:<18} shape {:?}: {}",
            g.shape(),
            if equal { "identical" } else { "DIFFERENT" }
        );
    }
    if let Some(dir) = &args.zarr {
        all_equal &= zarr_case(mpi, &mut rng, &values, &time, dir, &args.sabotage)?;
    }
    if compare_here {
        let c = mpi.comm_stats();
        println!(
            "rank {me}: {} cases on {} ranks (seed {}, time chunks {:?}, dot chunks {:?}): {} in {:.2?}; sent {} messages, {} bytes; {} collective calls",
            cases.len(),
            mpi.size(),
            args.seed,
            chunks[0],
            dot_chunks,
            if all_equal { "all identical to the local executor" } else { "SOME DIFFER" },
            t.elapsed(),
            c.messages_sent,
            c.bytes_sent,
            c.collectives,
        );
    }
    Ok(all_equal)
}

/// Writes a dataset of two lazy variables (random uniform chunks) and two coordinates to
/// `dir/ranks.zarr` on every rank with the MPI executor, and on rank 0 to `dir/local.zarr`
/// with the local executor; compares the two on rank 0, and checks that what rank 0
/// received during the MPI write is the write tasks' empty results alone.
///
/// With a sabotage, writes the whole chunks' time steps that way, then appends the
/// dataset along time with a task that fails (or panics) on the given rank: the job ends,
/// and the store must still be the one written first (its metadata are written last).
fn zarr_case(
    mpi: &MpiExecutor,
    rng: &mut Rng,
    values: &NdArray,
    time: &NdArray,
    dir: &std::path::Path,
    sabotage: &Sabotage,
) -> xr::Result<bool> {
    let shape = values.shape().to_vec();
    let chunk = [
        rng.range(3, (shape[0] / (2 * mpi.size())).max(3)),
        rng.range(1, shape[1]),
        shape[2],
    ];
    let tas = DataArray::new(
        LazyArray::from_array(values.clone(), &chunk)?,
        &["time", "y", "x"],
    )?;
    let twice = (&(&tas * 2.0)? + 1.0)?;
    let y: Vec<f64> = (0..shape[1]).map(|i| 10.0 * i as f64).collect();
    let ds = Dataset::new()
        .with_coord("time", Variable::new(&["time"], time.clone())?)?
        .with_coord("y", Variable::new(&["y"], y)?.with_attr("units", "km"))?
        .with_data_var("tas", tas.variable().clone().with_attr("units", "K"))?
        .with_data_var(
            "twice",
            twice.variable().clone().with_attr("long_name", "2 tas + 1"),
        )?
        .with_attr("title", "xr-mpi-check");
    let at = |name: &str| dir.join(name).to_string_lossy().into_owned();
    if let &Sabotage::Fail(r) | &Sabotage::Panic(r) = sabotage {
        // Whole chunks only, so that the append writes no chunk the store holds.
        let whole = shape[0] / chunk[0] * chunk[0];
        let first = ds.isel(&[(
            "time",
            xr::dataset::Indexer::slice(Some(0), Some(whole as isize), 1),
        )])?;
        first
            .write_zarr(at("ranks.zarr"))
            .mode(ZarrMode::Write)
            .write_with(mpi)?;
        if mpi.is_root() {
            first
                .write_zarr(at("local.zarr"))
                .mode(ZarrMode::Write)
                .write()?;
            println!("rank 0: zarr store of {whole} time steps written; appending with a task failing on rank {r}");
        }
        let me = mpi.rank();
        let panics = matches!(sabotage, Sabotage::Panic(_));
        let bad = tas.map_blocks(DType::F64, move |blk| {
            if me == r {
                assert!(!panics, "deliberate panic of a Zarr write task on rank {r}");
                return Err(Error::invalid_argument(
                    "blk",
                    format!("deliberate failure of a Zarr write task on rank {r}"),
                ));
            }
            Ok(blk.clone())
        })?;
        ds.with_data_var("twice", bad.variable().clone())?
            .write_zarr(at("ranks.zarr"))
            .append_dim("time")
            .write_with(mpi)?;
        println!("rank {me}: the failing append returned: DIFFERENT");
        return Ok(false);
    }
    let before = mpi.comm_stats();
    ds.write_zarr(at("ranks.zarr"))
        .mode(ZarrMode::Write)
        .write_with(mpi)?;
    let after = mpi.comm_stats();
    if !mpi.is_root() {
        return Ok(true);
    }
    ds.write_zarr(at("local.zarr"))
        .mode(ZarrMode::Write)
        .write()?;
    let (got, want) = (
        Dataset::open_zarr(at("ranks.zarr"))?,
        Dataset::open_zarr(at("local.zarr"))?,
    );
    let differences = store_differences(&got, &want)?;
    let chunks: usize = shape
        .iter()
        .zip(&chunk)
        .map(|(&n, &c)| n.div_ceil(c))
        .product();
    println!(
        "rank 0: zarr store by {} ranks, chunks {chunk:?}: {}; rank 0 received {} bytes, {} of them results, for {} chunks of 2 variables ({} bytes of data)",
        mpi.size(),
        if differences.is_empty() {
            "identical to the local executor's (values, attrs, coords)".to_string()
        } else {
            format!("DIFFERENT: {}", differences.join("; "))
        },
        after.bytes_received - before.bytes_received,
        after.results_received - before.results_received,
        2 * chunks,
        2 * values.nbytes(),
    );
    Ok(differences.is_empty())
}

/// What differs between two datasets read from stores: names, coordinates, attributes,
/// dims, and values (bitwise).
fn store_differences(a: &Dataset, b: &Dataset) -> xr::Result<Vec<String>> {
    let mut out = Vec::new();
    let attrs = |ds: &Dataset| format!("{:?}", ds.attrs());
    if attrs(a) != attrs(b) {
        out.push(format!("dataset attrs {} vs {}", attrs(a), attrs(b)));
    }
    let names = |ds: &Dataset| ds.variables().keys().cloned().collect::<Vec<_>>();
    if names(a) != names(b) {
        out.push(format!("variables {:?} vs {:?}", names(a), names(b)));
    }
    let coords = |ds: &Dataset| ds.coord_names().iter().cloned().collect::<Vec<_>>();
    if coords(a) != coords(b) {
        out.push(format!("coords {:?} vs {:?}", coords(a), coords(b)));
    }
    for name in names(a) {
        let (Ok(x), Ok(y)) = (a.variable(&name), b.variable(&name)) else {
            continue;
        };
        if x.dims() != y.dims() {
            out.push(format!("{name}: dims {:?} vs {:?}", x.dims(), y.dims()));
        }
        if format!("{:?}", x.attrs()) != format!("{:?}", y.attrs()) {
            out.push(format!("{name}: attrs {:?} vs {:?}", x.attrs(), y.attrs()));
        }
        if !identical(&x.values()?, &y.values()?) {
            out.push(format!("{name}: values differ"));
        }
    }
    Ok(out)
}
