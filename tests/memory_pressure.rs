//! Memory pressure: the monthly climatology of 20 years of daily data (small in bytes,
//! long in time, made here) computed lazily from a NetCDF file in a child process under
//! a hard address-space limit of 1 GiB (`prlimit --as`, or the shell's `ulimit -v` where
//! there is no `prlimit`; the child reports the limit it runs under), equal to the
//! climatology computed eagerly without a limit; and a memory budget set smaller than
//! one chunk: a clear error before anything runs — never an abort — and, opted out with
//! `strict_budget(false)`, a run that still finishes (one task at a time).
#![cfg(feature = "netcdf")]
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

use xr::dist::LocalExecutor;
use xr::time::date_range;
use xr::{Calendar, CfDatetime, DataArray, Dataset, NdArray};

const YEARS: usize = 20;
const LIMIT_BYTES: u64 = 1 << 30;

/// 20 years of daily `tas` (time, y: 3, x: 4) on the noleap calendar, with NaNs.
fn twenty_years() -> DataArray {
    let cal = Calendar::NoLeap;
    let nt = YEARS * 365;
    let values: Vec<f32> = (0..nt * 12)
        .map(|i| {
            if i % 97 == 0 {
                f32::NAN
            } else {
                let day = (i / 12) as f32;
                280.0 + 10.0 * (day * std::f32::consts::TAU / 365.0).sin() + (i % 12) as f32
            }
        })
        .collect();
    let data = NdArray::from_shape_vec(&[nt, 3, 4], values).unwrap();
    let start = CfDatetime::new(1990, 1, 1, cal).unwrap();
    let t = date_range(start, None, Some(nt), "D".parse().unwrap(), cal).unwrap();
    let time = NdArray::datetime(ndarray::Array1::from(t).into_dyn().into_shared(), cal);
    DataArray::new(data, &["time", "y", "x"])
        .unwrap()
        .with_coord("time", &["time"], time)
        .unwrap()
        .with_name("tas")
}

/// The climatology's values, as bit patterns (NaN equal to NaN).
fn climatology_bits(da: &DataArray) -> Vec<u64> {
    let clim = da.groupby("time.month").unwrap().mean().unwrap();
    assert_eq!(clim.dims(), ["month", "y", "x"]);
    clim.variable()
        .data()
        .compute()
        .unwrap()
        .to_f64_vec()
        .unwrap()
        .iter()
        .map(|x| x.to_bits())
        .collect()
}

fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xr-memory-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Run by `climatology_under_a_1_gib_address_space_limit` in a child under the limit:
/// prints the address-space limit it runs under, opens `XR_MEMORY_FILE` lazily, a year
/// per chunk, and prints the climatology.
#[test]
#[ignore = "the child process of the memory-limit test, run by it"]
fn child_climatology() {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap();
    let address_space = limits
        .lines()
        .find(|l| l.starts_with("Max address space"))
        .unwrap();
    // "Max address space  <soft>  <hard>  bytes"
    println!("limit {address_space}");
    let path = PathBuf::from(std::env::var("XR_MEMORY_FILE").unwrap());
    let ds = Dataset::open_dataset(&path)
        .unwrap()
        .chunk(&[("time", 365)])
        .unwrap();
    let bits = climatology_bits(&ds.get("tas").unwrap());
    println!("climatology {bits:?}");
}

fn write_input(dir: &Path) -> PathBuf {
    let path = dir.join("tas.nc");
    let _turn = common::hdf5_turn();
    twenty_years().to_dataset().to_netcdf(&path).unwrap();
    path
}

/// `program` run under a hard and soft address-space limit of `LIMIT_BYTES`: through
/// `prlimit`, or where it is missing through the POSIX shell's `ulimit -v` (KiB), which
/// the child inherits.
fn limited(program: &Path) -> Command {
    match which("prlimit") {
        Ok(prlimit) => {
            let mut c = Command::new(prlimit);
            c.arg(format!("--as={LIMIT_BYTES}")).arg(program);
            c
        }
        Err(()) => {
            let mut c = Command::new("sh");
            c.arg("-c")
                .arg(format!(
                    "ulimit -v {} && exec \"$0\" \"$@\"",
                    LIMIT_BYTES / 1024
                ))
                .arg(program);
            c
        }
    }
}

#[test]
fn climatology_under_a_1_gib_address_space_limit() {
    let dir = scratch("limit");
    let path = write_input(&dir);
    let expected = climatology_bits(&twenty_years());
    let mut child = limited(&std::env::current_exe().unwrap());
    child
        .args([
            "--ignored",
            "--exact",
            "child_climatology",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("XR_MEMORY_FILE", &path)
        // rayon's threads each reserve a stack; keep to the machine's cores.
        .env("RAYON_NUM_THREADS", "2");
    let out = {
        let _turn = common::hdf5_turn();
        child.output().unwrap()
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the child failed under the limit ({}): {stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let line = stdout
        .lines()
        .find_map(|l| {
            l.split_once("climatology [")
                .map(|(_, values)| format!("[{values}"))
        })
        .unwrap_or_else(|| panic!("no climatology printed: {stdout}"));
    assert_eq!(line, format!("{expected:?}"));
    // The child ran under the limit: soft and hard, in bytes.
    let limit = stdout
        .lines()
        .find_map(|l| l.split_once("limit Max address space").map(|(_, v)| v))
        .unwrap_or_else(|| panic!("no limit printed: {stdout}"));
    let limit: Vec<&str> = limit.split_whitespace().collect();
    assert_eq!(
        limit,
        [
            LIMIT_BYTES.to_string().as_str(),
            &LIMIT_BYTES.to_string(),
            "bytes"
        ]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn which(name: &str) -> Result<PathBuf, ()> {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .ok_or(())
}

#[test]
fn a_budget_set_smaller_than_one_chunk_is_an_error() {
    let dir = scratch("strict");
    let path = write_input(&dir);
    let ds = Dataset::open_dataset(&path)
        .unwrap()
        .chunk(&[("time", 365)])
        .unwrap();
    let da = ds.get("tas").unwrap();
    let clim = da.groupby("time.month").unwrap().mean().unwrap();
    // One chunk is 365 × 3 × 4 float32s: 17,520 bytes; the budget is 1 KiB. A budget
    // the caller sets is strict without being told.
    let strict = LocalExecutor::new().memory_budget(1024).progress(false);
    let err = clim.compute_with(&strict).unwrap_err();
    assert!(matches!(err, xr::Error::InvalidArgument { .. }), "{err:?}");
    let err = err.to_string();
    assert!(
        err.contains("memory_budget")
            && err.contains("1024 bytes is smaller than one task's value")
            && err.contains("tas"),
        "{err}"
    );
    // It names the task's size: at least one chunk's.
    let needs: usize = err
        .split_once("needs about ")
        .and_then(|(_, rest)| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no size in {err}"));
    assert!(needs >= 365 * 3 * 4 * 4, "{err}");
    // Opted out with `strict_budget(false)`, the same budget runs one task at a time and
    // finishes.
    let lenient = LocalExecutor::new()
        .memory_budget(1024)
        .strict_budget(false)
        .progress(false);
    let got = clim.compute_with(&lenient).unwrap();
    let bits: Vec<u64> = got
        .variable()
        .data()
        .compute()
        .unwrap()
        .to_f64_vec()
        .unwrap()
        .iter()
        .map(|x| x.to_bits())
        .collect();
    assert_eq!(bits, climatology_bits(&twenty_years()));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `xr clim DIR OUT --memory-budget SIZE`: a budget below one chunk ends the command with
/// a message (exit status 1, not a signal); a budget that holds the chunks writes the
/// climatology.
#[test]
fn xr_clim_with_a_memory_budget() {
    let dir = scratch("cli");
    write_input(&dir);
    let xr_clim = |out: &Path, budget: &str| {
        let _turn = common::hdf5_turn();
        Command::new(env!("CARGO_BIN_EXE_xr"))
            .args(["clim", dir.to_str().unwrap(), out.to_str().unwrap()])
            .args(["--memory-budget", budget])
            .output()
            .unwrap()
    };
    let out = dir.join("small.nc");
    let run = xr_clim(&out, "1K");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("memory_budget")
            && stderr.contains("1024 bytes is smaller than one task's value")
            && stderr.contains("tas"),
        "{stderr}"
    );
    assert!(!out.exists());

    let run = xr_clim(&out, "lots");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("--memory-budget: \"lots\" is not a size"),
        "{stderr}"
    );

    let out = dir.join("clim.nc");
    let run = xr_clim(&out, "64M");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let got = Dataset::open_dataset(&out).unwrap().get("tas").unwrap();
    let want = twenty_years()
        .groupby("time.season")
        .unwrap()
        .mean()
        .unwrap();
    assert_eq!(got.dims(), want.dims());
    assert_eq!(got.shape(), want.shape());
    let (got, want) = (
        got.values().compute().unwrap().to_f64_vec().unwrap(),
        want.values().compute().unwrap().to_f64_vec().unwrap(),
    );
    assert_eq!(got.len(), 4 * 3 * 4);
    for (g, w) in got.iter().zip(&want) {
        assert!(g == w || (g.is_nan() && w.is_nan()), "{got:?} != {want:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
