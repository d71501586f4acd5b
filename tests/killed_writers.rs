//! Writers killed part way (SIGKILL): `to_netcdf`, `to_zarr` (a new store, a store
//! replacing an existing one (mode `w`), an append, a region write) and `xr convert` (to
//! Zarr, new and `--overwrite`, and to NetCDF) run in a child process that the test kills
//! at several moments; the target must then be absent, the previous complete version, or
//! the new complete version (for a region write: every chunk wholly old or wholly new) —
//! a store whose metadata claims only chunks that exist and decode.
//!
//! The child is this test binary re-run (the ignored test `child_writer`, told what to
//! write by `XR_KILLED_WRITER`), or the `xr` binary for `xr convert`.
#![cfg(all(feature = "netcdf", feature = "zarr"))]
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use xr::dataset::Indexer;
use xr::io::zarr::ZarrMode;
use xr::lazy::{Data, LazyArray};
use xr::{Dataset, Variable};

/// One killed-writer test at a time. A child spawned while another test thread of this
/// process has a NetCDF file open inherits that file's descriptor (libhdf5 does not open
/// files close-on-exec) and with it HDF5's lock on the file, so this process could not
/// open the file again until that child exits.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Time steps of a whole dataset, and of one stored chunk.
const STEPS: usize = 600;
const CHUNK: usize = 10;
const GRID: usize = 64;
/// After the child says it starts writing: when to kill it.
const KILL_AFTER_MS: [u64; 4] = [0, 15, 60, 200];

fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xr-killed-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn s(p: &Path) -> String {
    p.to_str().unwrap().to_string()
}

/// `v` (t, y, x) of random values from `seed`, for time steps `start..start + steps`,
/// lazy in chunks of `CHUNK` steps; `t` its coordinate.
fn dataset(seed: u64, start: usize, steps: usize) -> Dataset {
    let v = LazyArray::random(&[steps, GRID, GRID], &[CHUNK, GRID, GRID], seed).unwrap();
    Dataset::new()
        .with_coord(
            "t",
            Variable::new(
                &["t"],
                (start as i64..(start + steps) as i64).collect::<Vec<_>>(),
            )
            .unwrap(),
        )
        .unwrap()
        .with_data_var("v", Variable::new(&["t", "y", "x"], Data::Lazy(v)).unwrap())
        .unwrap()
}

fn values(ds: &Dataset, name: &str) -> Vec<f64> {
    ds.variable(name)
        .unwrap()
        .data()
        .compute()
        .unwrap()
        .to_f64_vec()
        .unwrap()
}

/// What the child process writes, by `XR_KILLED_WRITER=<case>` into `XR_KILLED_DIR`.
#[test]
#[ignore = "the child process of the killed-writer tests, run by them"]
fn child_writer() {
    let case = std::env::var("XR_KILLED_WRITER").unwrap();
    let dir = PathBuf::from(std::env::var("XR_KILLED_DIR").unwrap());
    println!("writing");
    let result = match case.as_str() {
        "netcdf" => dataset(2, 0, STEPS).to_netcdf(dir.join("out.nc")),
        "zarr_new" => dataset(2, 0, STEPS).to_zarr(s(&dir.join("out.zarr"))),
        "zarr_overwrite" => dataset(2, 0, STEPS)
            .write_zarr(s(&dir.join("out.zarr")))
            .mode(ZarrMode::Write)
            .write(),
        "zarr_append" => dataset(2, STEPS / 2, STEPS / 2)
            .write_zarr(s(&dir.join("out.zarr")))
            .append_dim("t")
            .write(),
        "zarr_region" => dataset(2, 0, STEPS)
            .write_zarr(s(&dir.join("out.zarr")))
            .mode(ZarrMode::Modify)
            .region("t", 0..STEPS)
            .write(),
        other => panic!("unknown case {other}"),
    };
    result.unwrap();
}

/// Runs `command`, waits for its first line of output (the writer starting; none for
/// `xr`) and `after_ms` more, and kills it. True when the kill stopped it, false when
/// it had finished on its own.
fn kill_part_way(mut command: Command, wait_for_line: bool, after_ms: u64) -> bool {
    let mut child: Child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    if wait_for_line {
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
    }
    std::thread::sleep(Duration::from_millis(after_ms));
    let _ = child.kill();
    let status = child.wait().unwrap();
    status.signal() == Some(9)
}

fn child(case: &str, dir: &Path) -> Command {
    let mut c = Command::new(std::env::current_exe().unwrap());
    c.args([
        "--ignored",
        "--exact",
        "child_writer",
        "--nocapture",
        "--test-threads=1",
    ])
    .env("XR_KILLED_WRITER", case)
    .env("XR_KILLED_DIR", dir);
    c
}

/// Runs `case` killed at each of `KILL_AFTER_MS`, with `prepare` making the previous
/// version first and `check` judging what is left. At least one kill must land while
/// the writer runs, or the test has tested nothing.
fn killed_at_several_moments(
    name: &str,
    command: impl Fn(&Path) -> (Command, bool),
    prepare: impl Fn(&Path),
    check: impl Fn(&Path, u64),
) {
    let _serial = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut interrupted = 0;
    for after in KILL_AFTER_MS {
        let dir = scratch(&format!("{name}-{after}"));
        prepare(&dir);
        let (cmd, wait) = command(&dir);
        if kill_part_way(cmd, wait, after) {
            interrupted += 1;
        }
        check(&dir, after);
        let _ = std::fs::remove_dir_all(&dir);
    }
    assert!(
        interrupted > 0,
        "{name}: the writer always finished before the kill"
    );
}

/// The `v` and `t` of a dataset read back equal those of `expected`.
fn equals(got: &Dataset, expected: &Dataset) -> bool {
    values(got, "t") == values(expected, "t") && values(got, "v") == values(expected, "v")
}

/// A killed NetCDF write leaves the previous file or the new one, whole.
fn check_netcdf(path: &Path, previous: Option<&Dataset>, new: &Dataset, when: &str) {
    if !path.exists() {
        assert!(previous.is_none(), "{when}: the previous file is gone");
        return;
    }
    let got = Dataset::open_dataset(path).unwrap_or_else(|e| panic!("{when}: {e}"));
    let ok = equals(&got, new) || previous.is_some_and(|p| equals(&got, p));
    assert!(
        ok,
        "{when}: the file is neither the previous nor the new version"
    );
}

/// A killed Zarr write of a new store leaves no store (no root metadata, so opening
/// fails) or the whole new store.
fn check_new_zarr(path: &Path, new: &Dataset, when: &str) {
    match Dataset::open_zarr(s(path)) {
        Err(e) => assert!(
            !path.join("zarr.json").exists() && !path.join(".zgroup").exists(),
            "{when}: the store has root metadata but does not open: {e}"
        ),
        Ok(got) => assert!(
            equals(&got, new),
            "{when}: the store is not the new dataset"
        ),
    }
}

/// A killed Zarr write replacing a store (mode `w`) leaves the previous store whole, no
/// store (the old one is removed, its group metadata first, before the new chunks are
/// written), or the whole new store.
fn check_replaced_zarr(path: &Path, previous: &Dataset, new: &Dataset, when: &str) {
    match Dataset::open_zarr(s(path)) {
        Err(e) => assert!(
            !path.join("zarr.json").exists() && !path.join(".zgroup").exists(),
            "{when}: the store has root metadata but does not open: {e}"
        ),
        Ok(got) => assert!(
            equals(&got, new) || equals(&got, previous),
            "{when}: the store is neither the previous nor the new dataset"
        ),
    }
}

#[test]
fn a_killed_to_netcdf_leaves_the_previous_or_the_new_file() {
    let previous = dataset(1, 0, STEPS).compute().unwrap();
    let new = dataset(2, 0, STEPS).compute().unwrap();
    killed_at_several_moments(
        "netcdf",
        |dir| (child("netcdf", dir), true),
        |dir| previous.to_netcdf(dir.join("out.nc")).unwrap(),
        |dir, after| {
            check_netcdf(
                &dir.join("out.nc"),
                Some(&previous),
                &new,
                &format!("killed after {after} ms"),
            )
        },
    );
}

#[test]
fn a_killed_new_zarr_store_is_absent_or_whole() {
    let new = dataset(2, 0, STEPS).compute().unwrap();
    killed_at_several_moments(
        "zarr_new",
        |dir| (child("zarr_new", dir), true),
        |_| {},
        |dir, after| {
            check_new_zarr(
                &dir.join("out.zarr"),
                &new,
                &format!("killed after {after} ms"),
            )
        },
    );
}

#[test]
fn a_killed_zarr_overwrite_leaves_the_previous_store_none_or_the_new_one() {
    let previous = dataset(1, 0, STEPS).compute().unwrap();
    let new = dataset(2, 0, STEPS).compute().unwrap();
    killed_at_several_moments(
        "zarr_overwrite",
        |dir| (child("zarr_overwrite", dir), true),
        |dir| previous.to_zarr(s(&dir.join("out.zarr"))).unwrap(),
        |dir, after| {
            check_replaced_zarr(
                &dir.join("out.zarr"),
                &previous,
                &new,
                &format!("killed after {after} ms"),
            )
        },
    );
}

#[test]
fn a_killed_zarr_append_leaves_the_previous_or_the_appended_store() {
    let half = STEPS / 2;
    let previous = dataset(1, 0, half).compute().unwrap();
    let appended = dataset(2, half, half).compute().unwrap();
    killed_at_several_moments(
        "zarr_append",
        |dir| (child("zarr_append", dir), true),
        |dir| previous.to_zarr(s(&dir.join("out.zarr"))).unwrap(),
        |dir, after| {
            let got = Dataset::open_zarr(s(&dir.join("out.zarr")))
                .unwrap_or_else(|e| panic!("killed after {after} ms: {e}"));
            let n = got.dims()["t"];
            let head = got
                .isel(&[("t", Indexer::slice(Some(0), Some(half as isize), 1))])
                .unwrap();
            assert!(
                equals(&head, &previous),
                "killed after {after} ms: the old steps changed"
            );
            match n {
                n if n == half => {}
                n if n == STEPS => {
                    let tail = got
                        .isel(&[(
                            "t",
                            Indexer::slice(Some(half as isize), Some(STEPS as isize), 1),
                        )])
                        .unwrap();
                    assert!(
                        equals(&tail, &appended),
                        "killed after {after} ms: appended steps differ"
                    );
                }
                n => panic!("killed after {after} ms: {n} steps"),
            }
        },
    );
}

#[test]
fn a_killed_zarr_region_write_leaves_every_chunk_old_or_new() {
    let previous = dataset(1, 0, STEPS).compute().unwrap();
    let new = dataset(2, 0, STEPS).compute().unwrap();
    let (old_v, new_v) = (values(&previous, "v"), values(&new, "v"));
    killed_at_several_moments(
        "zarr_region",
        |dir| (child("zarr_region", dir), true),
        |dir| previous.to_zarr(s(&dir.join("out.zarr"))).unwrap(),
        |dir, after| {
            let got = Dataset::open_zarr(s(&dir.join("out.zarr")))
                .unwrap_or_else(|e| panic!("killed after {after} ms: {e}"));
            assert_eq!(values(&got, "t"), values(&previous, "t"));
            let v = values(&got, "v");
            let chunk = CHUNK * GRID * GRID;
            for (k, block) in v.chunks(chunk).enumerate() {
                let range = k * chunk..(k + 1) * chunk;
                assert!(
                    block == &old_v[range.clone()] || block == &new_v[range],
                    "killed after {after} ms: chunk {k} is neither old nor new"
                );
            }
        },
    );
}

fn xr_convert(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_xr"));
    c.arg("convert").args(args);
    c
}

#[test]
fn a_killed_xr_convert_leaves_no_output_or_a_whole_one() {
    let new = dataset(2, 0, STEPS).compute().unwrap();
    let previous = dataset(1, 0, STEPS).compute().unwrap();
    let input = |dir: &Path| {
        // The input with its chunks on disk, so that the conversion streams them.
        dataset(2, 0, STEPS).to_netcdf(dir.join("in.nc")).unwrap();
    };
    killed_at_several_moments(
        "convert_zarr",
        |dir| {
            let (i, o) = (dir.join("in.nc"), dir.join("out.zarr"));
            (xr_convert(&[&s(&i), &s(&o)]), false)
        },
        input,
        |dir, after| {
            check_new_zarr(
                &dir.join("out.zarr"),
                &new,
                &format!("convert killed after {after} ms"),
            )
        },
    );
    killed_at_several_moments(
        "convert_zarr_overwrite",
        |dir| {
            let (i, o) = (dir.join("in.nc"), dir.join("out.zarr"));
            (xr_convert(&[&s(&i), &s(&o), "--overwrite"]), false)
        },
        |dir| {
            input(dir);
            previous.to_zarr(s(&dir.join("out.zarr"))).unwrap();
        },
        |dir, after| {
            check_replaced_zarr(
                &dir.join("out.zarr"),
                &previous,
                &new,
                &format!("convert --overwrite killed after {after} ms"),
            )
        },
    );
    killed_at_several_moments(
        "convert_netcdf",
        |dir| {
            let (i, o) = (dir.join("in.zarr"), dir.join("out.nc"));
            (xr_convert(&[&s(&i), &s(&o), "--overwrite"]), false)
        },
        |dir| {
            dataset(2, 0, STEPS)
                .to_zarr(s(&dir.join("in.zarr")))
                .unwrap();
            previous.to_netcdf(dir.join("out.nc")).unwrap();
        },
        |dir, after| {
            check_netcdf(
                &dir.join("out.nc"),
                Some(&previous),
                &new,
                &format!("convert killed after {after} ms"),
            )
        },
    );
}
