#![cfg(all(feature = "mpi", feature = "netcdf"))]
#![allow(clippy::unwrap_used)]
//! `MpiExecutor` under `mpirun --oversubscribe -n {1,2,3}`, over TCP on the loopback
//! interface and over shared memory: `xr-mpi-check` compares, bit for bit, the MPI
//! executor's results with the local executor's on random chunkings (grouped means and
//! std, reductions, an elementwise array gathered whole, a blocked `dot`), also with every
//! exchange split into several collective calls; Zarr stores written by the ranks that
//! computed the chunks equal the local executor's, with only the write tasks' empty
//! results sent to rank 0; `xr clim --mpi` writes the same climatology as `xr clim`, to
//! NetCDF and to Zarr; a rank whose task fails or panics ends the job quickly, with the
//! message. The MPI setup comes from `scripts/deps-mpi.sh`
//! (`make deps`).
//!
//! Bitwise equality is expected, not a tolerance: every combine runs in the order the
//! graph fixes, whichever rank runs it, so no floating-point sum is reordered.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use xr::{Calendar, CfDatetime, Dataset, NdArray, Variable};

mod common;
use common::hdf5_turn;

/// Transports: TCP over loopback, and shared memory (vader). `pml ob1` makes OpenMPI use
/// these byte transfer layers rather than UCX when it was built with it.
const TCP: &[&str] = &[
    "--mca",
    "pml",
    "ob1",
    "--mca",
    "btl",
    "self,tcp",
    "--mca",
    "btl_tcp_if_include",
    "lo",
];
const SHM: &[&str] = &["--mca", "pml", "ob1", "--mca", "btl", "self,vader"];

/// A job that takes longer than this hangs: the test fails instead of waiting forever.
const TIMEOUT: Duration = Duration::from_secs(120);

struct Run {
    ok: bool,
    code: Option<i32>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

/// `mpirun --oversubscribe -n RANKS [transport] PROGRAM ARGS`, killed after `TIMEOUT`.
fn mpirun(ranks: usize, transport: &[&str], program: &str, args: &[&str]) -> Run {
    let mut cmd = Command::new("mpirun");
    cmd.arg("--oversubscribe")
        .args(["-n", &ranks.to_string()])
        .args(transport)
        .arg(program)
        .args(args)
        // OpenMPI refuses to run as root (CI containers) without these.
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .env("RAYON_NUM_THREADS", "2")
        .env("RUST_BACKTRACE", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let spawned = {
        let _turn = hdf5_turn();
        cmd.spawn()
    };
    let mut child =
        spawned.unwrap_or_else(|e| panic!("cannot start mpirun (run `make deps`): {e}"));
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > TIMEOUT {
            child.kill().unwrap();
            let out = child.wait_with_output().unwrap();
            panic!(
                "mpirun -n {ranks} {program} {args:?} hung for {TIMEOUT:?}\nstdout:\n{}\nstderr:\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().unwrap();
    Run {
        ok: status.success(),
        code: status.code(),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        elapsed: start.elapsed(),
    }
}

const CHECK: &str = env!("CARGO_BIN_EXE_xr-mpi-check");

fn check(ranks: usize, transport: &[&str], args: &[&str]) {
    let r = mpirun(ranks, transport, CHECK, args);
    assert!(
        r.ok,
        "xr-mpi-check -n {ranks} {args:?} failed ({:?})\nstdout:\n{}\nstderr:\n{}",
        r.code, r.stdout, r.stderr
    );
    assert!(
        r.stdout.contains("all identical to the local executor"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("DIFFERENT"), "{}", r.stdout);
    assert!(
        r.stdout.contains(&format!("cases on {ranks} ranks")),
        "{}",
        r.stdout
    );
}

#[test]
fn random_chunkings_over_tcp_equal_the_local_executor() {
    for (ranks, seed) in [(1, "11"), (2, "12"), (3, "13"), (3, "14")] {
        check(ranks, TCP, &["--seed", seed]);
    }
}

#[test]
fn random_chunkings_over_shared_memory_equal_the_local_executor() {
    for (ranks, seed) in [(2, "21"), (3, "22")] {
        check(ranks, SHM, &["--seed", seed]);
    }
}

#[test]
fn exchanges_split_into_several_collective_calls_equal_the_local_executor() {
    // The path of exchanges over 1 GiB (32-bit MPI counts), with a limit of a few hundred
    // bytes per call so that every exchange and gather is split.
    check(2, TCP, &["--seed", "51", "--max-call", "1000"]);
    check(3, SHM, &["--seed", "52", "--max-call", "300"]);
    let r = mpirun(
        3,
        TCP,
        CHECK,
        &["--seed", "53", "--max-call", "700", "--all-ranks"],
    );
    assert!(r.ok, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(r.stdout.matches("all identical").count(), 3, "{}", r.stdout);
}

/// The number right after `marker` in `text`.
fn number_after(text: &str, marker: &str) -> usize {
    let at = text
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker:?} in {text}"))
        + marker.len();
    text[at..]
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no number after {marker:?} in {text}"))
}

#[test]
fn zarr_stores_written_by_the_ranks_that_computed_the_chunks_equal_the_local_ones() {
    for (ranks, transport, seed) in [(1, SHM, "61"), (2, TCP, "62"), (3, SHM, "63")] {
        let dir = tmp(&format!("zarr{ranks}"));
        let r = mpirun(
            ranks,
            transport,
            CHECK,
            &["--seed", seed, "--zarr", dir.to_str().unwrap()],
        );
        assert!(r.ok, "-n {ranks}: {}\n{}", r.stdout, r.stderr);
        let line = r
            .stdout
            .lines()
            .find(|l| l.contains("zarr store by"))
            .unwrap_or_else(|| panic!("-n {ranks}: no Zarr case\n{}", r.stdout));
        assert!(
            line.contains("identical to the local executor's (values, attrs, coords)"),
            "{line}"
        );
        let received = number_after(line, "received ");
        let results = number_after(line, "bytes, ");
        let chunks = number_after(line, "for ");
        let data = number_after(line, "variables (");
        // No chunk moved to rank 0: all it received are the write tasks' empty results
        // (16 bytes each, plus headers), not the data.
        assert_eq!(received, results, "{line}");
        assert!(results <= 40 * chunks + 64 * ranks, "{line}");
        assert!(results * 20 < data, "{line}");
        if ranks > 1 {
            assert!(results > 0, "{line}");
        }
    }
}

#[test]
fn a_rank_failing_during_a_zarr_append_leaves_the_store_as_it_was() {
    for (ranks, transport, flag, rank, message) in [
        (
            3,
            TCP,
            "--fail-rank",
            1,
            "deliberate failure of a Zarr write task on rank 1",
        ),
        (
            2,
            SHM,
            "--panic-rank",
            1,
            "deliberate panic of a Zarr write task on rank 1",
        ),
    ] {
        let dir = tmp(&format!("zarr-fail{ranks}"));
        let r = mpirun(
            ranks,
            transport,
            CHECK,
            &[
                "--seed",
                "71",
                "--zarr",
                dir.to_str().unwrap(),
                flag,
                &rank.to_string(),
            ],
        );
        assert!(!r.ok, "{flag}: the job succeeded\n{}", r.stdout);
        assert!(r.stderr.contains(message), "{flag}: {}", r.stderr);
        assert!(
            r.elapsed < Duration::from_secs(30),
            "{flag}: {:?}",
            r.elapsed
        );
        let steps = number_after(&r.stdout, "zarr store of ");
        // The append's chunks may be on disk, but its metadata never were: the store
        // still holds what the first write put there, as the local executor wrote it.
        let got = Dataset::open_zarr(dir.join("ranks.zarr").to_str().unwrap()).unwrap();
        let want = Dataset::open_zarr(dir.join("local.zarr").to_str().unwrap()).unwrap();
        assert_eq!(got.dim_size("time").unwrap(), steps, "{flag}");
        for name in ["tas", "twice", "time", "y"] {
            let values = |ds: &Dataset| {
                let v = ds.variable(name).unwrap().values().unwrap();
                format!("{:?}", v.to_standard_layout())
            };
            assert_eq!(values(&got), values(&want), "{flag}: {name}");
        }
    }
}

#[test]
fn results_on_every_rank() {
    let r = mpirun(3, SHM, CHECK, &["--seed", "31", "--all-ranks"]);
    assert!(r.ok, "{}\n{}", r.stdout, r.stderr);
    for rank in 0..3 {
        assert!(
            r.stdout
                .contains(&format!("rank {rank}: 7 cases on 3 ranks")),
            "rank {rank} did not compare:\n{}",
            r.stdout
        );
    }
    assert!(!r.stdout.contains("DIFFERENT"), "{}", r.stdout);
}

#[test]
fn a_failing_rank_ends_the_job_with_its_message() {
    for (flag, rank, message) in [
        ("--fail-rank", 1, "deliberate failure of a task on rank 1"),
        ("--panic-rank", 2, "deliberate panic of a task on rank 2"),
    ] {
        let r = mpirun(3, TCP, CHECK, &["--seed", "41", flag, &rank.to_string()]);
        assert!(!r.ok, "{flag} {rank}: the job succeeded\n{}", r.stdout);
        assert!(r.stderr.contains(message), "{flag}: {}", r.stderr);
        assert!(
            r.stderr.contains(&format!("MPI rank {rank} of 3")),
            "{flag}: {}",
            r.stderr
        );
        // Generous for a loaded CI machine; a hang would take TIMEOUT.
        assert!(
            r.elapsed < Duration::from_secs(30),
            "{flag}: {:?}",
            r.elapsed
        );
    }
}

/// Three small yearly files of daily data, one time step per chunk, as the climatology
/// reads them.
fn write_years(dir: &Path) {
    let _turn = hdf5_turn();
    std::fs::create_dir_all(dir).unwrap();
    let (ny, nx) = (3, 4);
    let cal = Calendar::NoLeap;
    for year in 2001..2004 {
        let days = xr::time::date_range(
            CfDatetime::new(year, 1, 1, cal).unwrap(),
            Some(CfDatetime::new(year, 12, 31, cal).unwrap()),
            None,
            "D".parse().unwrap(),
            cal,
        )
        .unwrap();
        let nt = days.len();
        let v: Vec<f32> = (0..nt * ny * nx)
            .map(|i| 250.0 + ((i * 7919 + year as usize) % 1013) as f32 / 10.0)
            .collect();
        let time = Variable::new(
            &["time"],
            NdArray::datetime(ndarray::ArcArray::from_vec(days).into_dyn(), cal),
        )
        .unwrap()
        .with_encoding(xr::Encoding {
            units: Some(format!("days since {year}-01-01")),
            calendar: Some("noleap".into()),
            ..xr::Encoding::default()
        });
        let tas = Variable::new(
            &["time", "lat", "lon"],
            NdArray::from_shape_vec(&[nt, ny, nx], v).unwrap(),
        )
        .unwrap()
        .with_encoding(xr::Encoding {
            chunksizes: Some(vec![1, ny, nx]),
            ..xr::Encoding::default()
        });
        Dataset::new()
            .with_coord("time", time)
            .unwrap()
            .with_data_var("tas", tas)
            .unwrap()
            .to_netcdf(dir.join(format!("tas_{year}.nc")))
            .unwrap();
    }
}

fn tmp(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("mpi-{name}"));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn bits(ds: &Dataset) -> (Vec<String>, Vec<u64>) {
    let tas = ds.get("tas").unwrap();
    let season = tas.coords().get("season").unwrap().values().unwrap();
    let labels = (0..season.len())
        .map(|i| season.get_flat(i).unwrap().to_string())
        .collect();
    let values = tas.values().compute().unwrap().to_f64_vec().unwrap();
    (labels, values.iter().map(|v| v.to_bits()).collect())
}

#[test]
fn xr_clim_on_mpi_ranks_writes_the_local_climatology() {
    let dir = tmp("clim");
    let data = dir.join("data");
    write_years(&data);
    let xr = env!("CARGO_BIN_EXE_xr");
    // `xr clim DATA OUT` on this process alone.
    let clim_locally = |out: &Path| {
        let _turn = hdf5_turn();
        let run = Command::new(xr)
            .args(["clim", data.to_str().unwrap(), out.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
    };
    let local = dir.join("local.nc");
    clim_locally(&local);
    let want = bits(&Dataset::open_dataset(&local).unwrap());
    assert_eq!(want.0, ["DJF", "MAM", "JJA", "SON"]);
    assert_eq!(want.1.len(), 4 * 3 * 4);
    let local_zarr = dir.join("local.zarr");
    clim_locally(&local_zarr);
    let local_zarr = Dataset::open_zarr(local_zarr.to_str().unwrap()).unwrap();
    assert_eq!(bits(&local_zarr), want);
    // `xr clim DATA/*.nc OUT --mpi` on `ranks` ranks, which must succeed.
    let glob = format!("{}/*.nc", data.display());
    let clim_on_ranks = |ranks: usize, transport: &[&str], out: &Path| {
        let r = mpirun(
            ranks,
            transport,
            xr,
            &["clim", &glob, out.to_str().unwrap(), "--mpi"],
        );
        assert!(r.ok, "-n {ranks}: {}\n{}", r.stdout, r.stderr);
        r
    };
    for (ranks, transport) in [(2, TCP), (3, SHM)] {
        // To Zarr: each chunk written by the rank that computed it, the metadata by
        // rank 0; rank 0 receives no values, so no more result bytes than by NetCDF.
        let path = dir.join(format!("mpi{ranks}.zarr"));
        let r = clim_on_ranks(ranks, transport, &path);
        let zarr_results = number_after(&r.stderr, "of which ");
        let got = Dataset::open_zarr(path.to_str().unwrap()).unwrap();
        assert_eq!(bits(&got), want, "-n {ranks}");
        assert_eq!(
            format!("{:?}", got.attrs()),
            format!("{:?}", local_zarr.attrs())
        );
        for name in ["tas", "season"] {
            let (a, b) = (
                got.variable(name).unwrap(),
                local_zarr.variable(name).unwrap(),
            );
            assert_eq!(a.dims(), b.dims(), "{name}");
            assert_eq!(
                format!("{:?}", a.attrs()),
                format!("{:?}", b.attrs()),
                "{name}"
            );
        }
        assert_eq!(got.coord_names(), local_zarr.coord_names());

        let path = dir.join(format!("mpi{ranks}.nc"));
        let r = clim_on_ranks(ranks, transport, &path);
        assert!(
            r.stderr.contains(&format!("on {ranks} MPI ranks")),
            "{}",
            r.stderr
        );
        assert_eq!(
            bits(&Dataset::open_dataset(&path).unwrap()),
            want,
            "-n {ranks}"
        );
        let netcdf_results = number_after(&r.stderr, "of which ");
        // The NetCDF path gathers on rank 0 the output values other ranks computed (none
        // when the placement puts the last combine on rank 0, as it does for these three
        // files since a batch of the grouped mean ends at each file's end); the Zarr path
        // never sends rank 0 more.
        assert!(
            zarr_results <= netcdf_results,
            "{zarr_results} {netcdf_results}"
        );
    }
}

/// `xr clim --mpi --memory-budget SIZE` with a budget below one chunk's task: every rank
/// refuses the graph before anything runs, and the job ends quickly with the message
/// (naming the budget) and a failing status, writing nothing.
#[test]
fn xr_clim_on_mpi_ranks_with_a_budget_below_one_chunk_fails_with_the_message() {
    let dir = tmp("clim-budget");
    let data = dir.join("data");
    write_years(&data);
    let out = dir.join("clim.nc");
    let glob = format!("{}/*.nc", data.display());
    let r = mpirun(
        2,
        TCP,
        env!("CARGO_BIN_EXE_xr"),
        &[
            "clim",
            &glob,
            out.to_str().unwrap(),
            "--mpi",
            "--memory-budget",
            "8",
        ],
    );
    assert!(!r.ok, "the job succeeded\n{}", r.stderr);
    assert!(
        r.stderr.contains("memory_budget")
            && r.stderr
                .contains("8 bytes is smaller than one task's value"),
        "{}",
        r.stderr
    );
    assert!(!out.exists());
    assert!(r.elapsed < Duration::from_secs(30), "{:?}", r.elapsed);
}
