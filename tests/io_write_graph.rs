//! Whole-dataset write graphs: `to_netcdf` and `to_zarr` (appends too) lower every lazy
//! variable of a write into one task graph, run once (what variables share is computed once); the
//! NetCDF write computes a lazy variable's chunks in parallel and within the executor's
//! memory budget, and writes the same values as an eager write.
#![cfg(all(feature = "netcdf", feature = "zarr"))]
#![allow(clippy::unwrap_used)]

use std::ops::Range;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use xr::array::chunks::ChunkGrid;
use xr::array::kernels::{BinaryOp, Reduction};
use xr::dist::{Executor, LocalExecutor, TaskGraph, TaskValue};
use xr::io::zarr::ZarrMode;
use xr::lazy::{ChunkSource, LazyArray, RandomSource};
use xr::{Compression, DType, Dataset, Encoding, NdArray, Result, Variable};

fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xr-write-graph-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A random source that counts its chunk reads.
#[derive(Debug)]
struct Counting {
    inner: RandomSource,
    reads: Arc<AtomicUsize>,
}

impl ChunkSource for Counting {
    fn dtype(&self) -> DType {
        self.inner.dtype()
    }
    fn shape(&self) -> &[usize] {
        self.inner.shape()
    }
    fn chunks(&self) -> &ChunkGrid {
        self.inner.chunks()
    }
    fn read(&self, region: &[Range<usize>]) -> Result<NdArray> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        self.inner.read(region)
    }
    fn label(&self) -> String {
        "counting".into()
    }
}

/// An executor that counts the graphs it runs.
struct CountingExecutor {
    inner: LocalExecutor,
    runs: AtomicUsize,
}

impl Executor for CountingExecutor {
    fn execute(&self, graph: TaskGraph) -> Result<Vec<Arc<TaskValue>>> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        self.inner.execute(graph)
    }
}

fn values(ds: &Dataset, name: &str) -> Vec<f64> {
    ds.variable(name)
        .unwrap()
        .values()
        .unwrap()
        .to_f64_vec()
        .unwrap()
}

/// Two variables derived from one reduction of a source, and the source itself, written
/// to NetCDF and to Zarr: one graph per write, the reduction computed once (the source's
/// own blocks read the chunks once more: fused reads are never shared), the values those
/// of the eager computation.
#[test]
fn netcdf_and_zarr_writes_of_a_lazy_dataset_run_one_graph() {
    let dir = scratch("one-graph");
    let reads = Arc::new(AtomicUsize::new(0));
    let src = Counting {
        inner: RandomSource::new(&[8, 6], &[2, 3], 7).unwrap(),
        reads: Arc::clone(&reads),
    };
    let nchunks = 4 * 2;
    let x = LazyArray::from_source(Arc::new(src));
    let total = x.reduce(&[0], Reduction::Sum, Default::default()).unwrap();
    let (one, two) = (NdArray::from(vec![1.0]), NdArray::from(vec![2.0]));
    let a = total.binary_array(&one, BinaryOp::Add, false).unwrap();
    let b = total.binary_array(&two, BinaryOp::Mul, false).unwrap();
    let ds = Dataset::new()
        .with_data_var("a", Variable::new(&["y"], a).unwrap())
        .unwrap()
        .with_data_var("b", Variable::new(&["y"], b).unwrap())
        .unwrap()
        .with_data_var("x", Variable::new(&["t", "y"], x.clone()).unwrap())
        .unwrap();
    let want_total = total.compute().unwrap().to_f64_vec().unwrap();
    let want_x = x.compute().unwrap().to_f64_vec().unwrap();
    let check = |got: &Dataset, what: &str| {
        let (got_a, got_b) = (values(got, "a"), values(got, "b"));
        assert_eq!(got_a.len(), want_total.len(), "{what}");
        for ((s, a), b) in want_total.iter().zip(&got_a).zip(&got_b) {
            assert_eq!(*a, s + 1.0, "{what}");
            assert_eq!(*b, s * 2.0, "{what}");
        }
        assert_eq!(values(got, "x"), want_x, "{what}");
    };
    let exec = CountingExecutor {
        inner: LocalExecutor::new().progress(false),
        runs: AtomicUsize::new(0),
    };

    reads.store(0, Ordering::SeqCst);
    let nc = dir.join("one.nc");
    ds.write_netcdf(&nc).write_with(&exec).unwrap();
    assert_eq!(exec.runs.load(Ordering::SeqCst), 1, "NetCDF: one graph");
    assert_eq!(reads.load(Ordering::SeqCst), 2 * nchunks, "NetCDF reads");
    check(&Dataset::open(&nc).open().unwrap(), "NetCDF");

    reads.store(0, Ordering::SeqCst);
    exec.runs.store(0, Ordering::SeqCst);
    let zarr = dir.join("one.zarr");
    let zarr = zarr.to_str().unwrap();
    ds.write_zarr(zarr)
        .mode(ZarrMode::Write)
        .write_with(&exec)
        .unwrap();
    assert_eq!(exec.runs.load(Ordering::SeqCst), 1, "Zarr: one graph");
    assert_eq!(reads.load(Ordering::SeqCst), 2 * nchunks, "Zarr reads");
    check(&Dataset::open_zarr(zarr).unwrap(), "Zarr");

    // An append too: `x` grows along `t`, `a` and `b` are overwritten, in one graph.
    reads.store(0, Ordering::SeqCst);
    exec.runs.store(0, Ordering::SeqCst);
    ds.write_zarr(zarr)
        .append_dim("t")
        .write_with(&exec)
        .unwrap();
    assert_eq!(
        exec.runs.load(Ordering::SeqCst),
        1,
        "Zarr append: one graph"
    );
    assert_eq!(
        reads.load(Ordering::SeqCst),
        2 * nchunks,
        "Zarr append reads"
    );
    let appended = Dataset::open_zarr(zarr).unwrap();
    assert_eq!(appended.dim_size("t").unwrap(), 16);
    assert_eq!(
        values(&appended, "x"),
        [want_x.clone(), want_x.clone()].concat()
    );

    std::fs::remove_dir_all(&dir).unwrap();
}

/// A random source whose reads wait (up to a timeout) until two of them ran at once, and
/// that records the most reads running at once.
#[derive(Debug)]
struct Overlapping {
    inner: RandomSource,
    reads: AtomicUsize,
    /// (reads running, most reads running at once).
    state: Mutex<(usize, usize)>,
    changed: Condvar,
}

impl ChunkSource for Overlapping {
    fn dtype(&self) -> DType {
        self.inner.dtype()
    }
    fn shape(&self) -> &[usize] {
        self.inner.shape()
    }
    fn chunks(&self) -> &ChunkGrid {
        self.inner.chunks()
    }
    fn read(&self, region: &[Range<usize>]) -> Result<NdArray> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        {
            let mut st = self.state.lock().unwrap();
            st.0 += 1;
            st.1 = st.1.max(st.0);
            self.changed.notify_all();
            // Until two reads overlapped once, a read waits for another to start: a
            // sequential write would time out here and record only one at a time.
            let deadline = Instant::now() + Duration::from_secs(10);
            while st.1 < 2 {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    break;
                }
                st = self.changed.wait_timeout(st, left).unwrap().0;
            }
        }
        let out = self.inner.read(region);
        self.state.lock().unwrap().0 -= 1;
        out
    }
    fn label(&self) -> String {
        "overlapping".into()
    }
}

/// The NetCDF write of a lazy variable reads its chunks in parallel (on an executor of
/// two threads), reads each once, and writes what an eager write writes.
#[test]
fn netcdf_write_reads_the_chunks_of_a_lazy_variable_in_parallel() {
    let dir = scratch("parallel");
    let inner = RandomSource::new(&[16, 5], &[2, 5], 11).unwrap();
    let src = Arc::new(Overlapping {
        inner: inner.clone(),
        reads: AtomicUsize::new(0),
        state: Mutex::new((0, 0)),
        changed: Condvar::new(),
    });
    let lazy = LazyArray::from_source(Arc::clone(&src) as Arc<dyn ChunkSource>);
    let ds = Dataset::new()
        .with_data_var("v", Variable::new(&["t", "x"], lazy).unwrap())
        .unwrap();
    let exec = LocalExecutor::new().threads(2).progress(false);
    let path = dir.join("parallel.nc");
    ds.write_netcdf(&path).write_with(&exec).unwrap();
    assert_eq!(src.reads.load(Ordering::SeqCst), 8);
    let most = src.state.lock().unwrap().1;
    assert!(most >= 2, "at most {most} chunk read(s) at once");

    let eager = LazyArray::from_source(Arc::new(inner)).compute().unwrap();
    let want = Dataset::new()
        .with_data_var("v", Variable::new(&["t", "x"], eager).unwrap())
        .unwrap();
    let eager_path = dir.join("eager.nc");
    want.to_netcdf(&eager_path).unwrap();
    let got = Dataset::open(&path).open().unwrap();
    let from_eager = Dataset::open(&eager_path).open().unwrap();
    assert_eq!(values(&got, "v"), values(&from_eager, "v"));
    assert_eq!(values(&got, "v"), values(&want, "v"));
    // The blocks are written in the file's order, however they were computed: the same
    // bytes every time, and those of the eager write.
    let again = dir.join("again.nc");
    ds.write_netcdf(&again).write_with(&exec).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes == std::fs::read(&again).unwrap(), "two writes differ");
    assert!(
        bytes == std::fs::read(&eager_path).unwrap(),
        "lazy and eager differ"
    );
    // Also chunked and compressed, where HDF5 places the chunks in the order written.
    let enc = Encoding {
        compression: Some(Compression::Zlib(4)),
        chunksizes: Some(vec![2, 5]),
        ..Encoding::default()
    };
    let packed = |name: &str| {
        let p = dir.join(name);
        ds.write_netcdf(&p)
            .encoding("v", enc.clone())
            .write_with(&exec)
            .unwrap();
        std::fs::read(p).unwrap()
    };
    assert!(
        packed("z1.nc") == packed("z2.nc"),
        "two compressed writes differ"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A lazy variable many times the executor's memory budget is written with at most the
/// budget and a chunk or two alive: the chunks are never all held at once.
#[test]
fn netcdf_write_of_a_lazy_variable_stays_within_the_memory_budget() {
    let dir = scratch("budget");
    // 64 chunks of 8 KiB (512 KiB) through a budget of 32 KiB.
    let chunk_bytes = 1024 * 8;
    let lazy = LazyArray::from_source(Arc::new(
        RandomSource::new(&[64 * 8, 128], &[8, 128], 3).unwrap(),
    ));
    let ds = Dataset::new()
        .with_data_var("v", Variable::new(&["t", "x"], lazy.clone()).unwrap())
        .unwrap();
    let budget = 4 * chunk_bytes;
    let exec = LocalExecutor::new()
        .threads(2)
        .memory_budget(budget)
        .progress(false);
    let path = dir.join("budget.nc");
    ds.write_netcdf(&path).write_with(&exec).unwrap();
    let stats = exec.last_stats().unwrap();
    assert!(stats.tasks_run >= 2 * 64, "{stats:?}");
    assert!(
        stats.peak_bytes <= budget + 2 * chunk_bytes,
        "peak {} bytes for a budget of {budget}",
        stats.peak_bytes
    );
    let got = Dataset::open(&path).open().unwrap();
    assert_eq!(
        values(&got, "v"),
        lazy.compute().unwrap().to_f64_vec().unwrap()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
