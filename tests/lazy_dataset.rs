#![allow(clippy::unwrap_used)]
//! The data model on lazy data: every operation stays lazy and agrees with eager.

use std::ops::Range;
use std::sync::Arc;

use xr::array::chunks::ChunkGrid;
use xr::dataset::{Indexer, Label};
use xr::lazy::{ChunkSource, LazyArray};
use xr::{concat, DType, DataArray, Error, NdArray, Result};

fn air() -> DataArray {
    let values: Vec<f64> = (0..4 * 6 * 5)
        .map(|i| ((i * 17) % 23) as f64 - 7.5)
        .collect();
    DataArray::new(
        NdArray::from_shape_vec(&[4, 6, 5], values).unwrap(),
        &["time", "lat", "lon"],
    )
    .unwrap()
    .with_coord("time", &["time"], vec![0i64, 1, 2, 3])
    .unwrap()
    .with_coord("lat", &["lat"], vec![50.0, 40.0, 30.0, 20.0, 10.0, 0.0])
    .unwrap()
    .with_coord("lon", &["lon"], vec![0.0, 10.0, 20.0, 30.0, 40.0])
    .unwrap()
    .with_name("air")
    .with_attr("units", "K")
}

fn same(lazy: &DataArray, eager: &DataArray) {
    assert!(lazy.values().is_lazy(), "result should still be lazy");
    assert_eq!(lazy.dims(), eager.dims());
    assert_eq!(lazy.name(), eager.name());
    assert_eq!(
        lazy.coords().keys().collect::<Vec<_>>(),
        eager.coords().keys().collect::<Vec<_>>()
    );
    let (a, b) = (
        lazy.values().to_f64_vec().unwrap(),
        eager.values().to_f64_vec().unwrap(),
    );
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert!(
            (x.is_nan() && y.is_nan()) || (x - y).abs() <= 1e-12 * x.abs().max(1.0),
            "{x} vs {y}"
        );
    }
}

#[test]
fn chunk_reports_chunks_and_compute_loads() {
    let lazy = air().chunk(&[("time", 1), ("lat", 4)]).unwrap();
    let chunks = lazy.chunks().unwrap();
    assert_eq!(chunks["time"], [1, 1, 1, 1]);
    assert_eq!(chunks["lat"], [4, 2]);
    assert_eq!(chunks["lon"], [5]);
    let loaded = lazy.compute().unwrap();
    assert!(!loaded.values().is_lazy());
    assert!(loaded.values().equals(air().values()));
    assert!(lazy.persist().unwrap().values().is_lazy());
    let err = air().chunk(&[("depth", 2)]).unwrap_err();
    assert!(
        matches!(&err, Error::DimNotFound { dim, .. } if dim == "depth"),
        "{err}"
    );
    assert!(air().chunks().is_none());
}

#[test]
fn indexing_arithmetic_and_reductions_stay_lazy() {
    let eager = air();
    let lazy = eager.chunk(&[("time", 1), ("lat", 4), ("lon", 2)]).unwrap();
    same(
        &lazy.sel(&[("lat", Label::slice(40.0, 10.0))]).unwrap(),
        &eager.sel(&[("lat", Label::slice(40.0, 10.0))]).unwrap(),
    );
    same(
        &lazy.isel(&[("lon", Indexer::from(vec![4, 0, 2]))]).unwrap(),
        &eager
            .isel(&[("lon", Indexer::from(vec![4, 0, 2]))])
            .unwrap(),
    );
    same(
        &lazy.transpose(&["lon", "time", "lat"]).unwrap(),
        &eager.transpose(&["lon", "time", "lat"]).unwrap(),
    );
    // Arithmetic with broadcasting by name and an inner join on a shifted index.
    let shifted = eager
        .isel(&[("lon", Indexer::from(1..5))])
        .unwrap()
        .mean(&["time"])
        .unwrap();
    same(&(&lazy - &shifted).unwrap(), &(&eager - &shifted).unwrap());
    same(&(&lazy * 2.0).unwrap(), &(&eager * 2.0).unwrap());
    for (l, e) in [
        (
            lazy.mean(&["time"]).unwrap(),
            eager.mean(&["time"]).unwrap(),
        ),
        (
            lazy.std(&["lat", "lon"]).unwrap(),
            eager.std(&["lat", "lon"]).unwrap(),
        ),
        (lazy.max(&[]).unwrap(), eager.max(&[]).unwrap()),
        (
            lazy.median(&["lat"]).unwrap(),
            eager.median(&["lat"]).unwrap(),
        ),
    ] {
        same(&l, &e);
    }
    let both = DataArray::concat(&[lazy.clone(), lazy.clone()], "time").unwrap();
    same(
        &both,
        &DataArray::concat(&[eager.clone(), eager.clone()], "time").unwrap(),
    );
    let cond = eager.gt(&(&eager * 0.0).unwrap()).unwrap();
    same(&lazy.where_(&cond).unwrap(), &eager.where_(&cond).unwrap());
}

#[test]
fn dataset_chunk_and_concat() {
    let ds = air().to_dataset();
    let lazy = ds.chunk(&[("time", 2)]).unwrap();
    assert_eq!(lazy.chunks().unwrap()["time"], [2, 2]);
    assert!(
        lazy.variable("time").unwrap().data().as_eager().is_some(),
        "index coords stay in memory"
    );
    let joined = concat(&[lazy.clone(), lazy], "time").unwrap();
    assert!(joined.variable("air").unwrap().data().is_lazy());
    assert_eq!(joined.dim_size("time").unwrap(), 8);
    let computed = joined.compute().unwrap();
    assert_eq!(
        computed
            .variable("air")
            .unwrap()
            .data()
            .to_f64_vec()
            .unwrap()[..30],
        air().values().to_f64_vec().unwrap()[..30]
    );
    let text = joined.to_string();
    assert!(
        text.contains("air      (time, lat, lon) float64 2kB xr.lazy<chunksize=(2, 6, 5)>"),
        "{text}"
    );
}

#[test]
fn map_blocks_applies_per_block_and_checks_shapes() {
    let lazy = air().chunk(&[("time", 1)]).unwrap();
    let doubled = lazy
        .map_blocks(DType::F64, |b| {
            xr::array::kernels::binary(b, b, xr::array::kernels::BinaryOp::Add)
        })
        .unwrap();
    same(&doubled, &(&air() * 2.0).unwrap());
    let bad = lazy
        .map_blocks(DType::F64, |b| b.slice_axis(1, 0, 1, 1))
        .unwrap();
    let err = bad.compute().unwrap_err().to_string();
    assert!(err.contains("map_blocks") && err.contains("shape"), "{err}");
}

/// A source whose chunk 2 along the first axis cannot be read.
#[derive(Debug)]
struct Failing {
    grid: ChunkGrid,
    shape: Vec<usize>,
}

impl ChunkSource for Failing {
    fn dtype(&self) -> DType {
        DType::F64
    }
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn chunks(&self) -> &ChunkGrid {
        &self.grid
    }
    fn read(&self, region: &[Range<usize>]) -> Result<NdArray> {
        // One failing chunk: with two, which fails first depends on the threads.
        if region[0].start == 20 {
            return Err(Error::invalid_argument("region", "disk on fire"));
        }
        NdArray::zeros(
            &region.iter().map(|r| r.len()).collect::<Vec<_>>(),
            DType::F64,
        )
    }
    fn label(&self) -> String {
        "fire.nc: air".into()
    }
}

#[test]
fn a_failing_chunk_is_one_error_naming_array_and_chunk() {
    let src = Failing {
        grid: ChunkGrid::regular(&[40, 3], &[10, 3]).unwrap(),
        shape: vec![40, 3],
    };
    let l = LazyArray::from_source(Arc::new(src));
    let err = l
        .reduce(
            &[0, 1],
            xr::array::kernels::Reduction::Sum,
            Default::default(),
        )
        .unwrap()
        .compute()
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("fire.nc: air") && msg.contains("20..30") && msg.contains("disk on fire"),
        "{msg}"
    );
}

/// A source that counts its chunk reads.
#[derive(Debug)]
struct Counting {
    inner: xr::lazy::RandomSource,
    reads: Arc<std::sync::atomic::AtomicUsize>,
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
        self.reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.read(region)
    }
    fn label(&self) -> String {
        "counting".into()
    }
}

/// An executor that counts the graphs it runs.
struct CountingExecutor {
    inner: xr::dist::LocalExecutor,
    runs: std::sync::atomic::AtomicUsize,
}

impl xr::dist::Executor for CountingExecutor {
    fn execute(&self, graph: xr::dist::TaskGraph) -> Result<Vec<Arc<xr::dist::TaskValue>>> {
        self.runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.execute(graph)
    }
}

/// `Dataset::compute` lowers every lazy variable into one graph and runs it once: two
/// variables derived from one reduction of a source read each source chunk once.
#[test]
fn dataset_compute_is_one_graph() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use xr::array::kernels::{BinaryOp, Reduction};
    use xr::dataset::Variable;
    use xr::Dataset;

    let reads = Arc::new(AtomicUsize::new(0));
    let src = Counting {
        inner: xr::lazy::RandomSource::new(&[8, 6], &[2, 3], 7).unwrap(),
        reads: Arc::clone(&reads),
    };
    let nchunks = 4 * 2;
    let x = LazyArray::from_source(Arc::new(src));
    let total = x.reduce(&[0], Reduction::Sum, Default::default()).unwrap();
    let (one, two) = (NdArray::from(vec![1.0]), NdArray::from(vec![2.0]));
    let a = total.binary_array(&one, BinaryOp::Add, false).unwrap();
    let b = total.binary_array(&two, BinaryOp::Mul, false).unwrap();
    let ds = Dataset::new()
        .with_data_var("a", Variable::new(&["y"], a.clone()).unwrap())
        .unwrap()
        .with_data_var("b", Variable::new(&["y"], b.clone()).unwrap())
        .unwrap()
        .with_data_var("x", Variable::new(&["t", "y"], x.clone()).unwrap())
        .unwrap();

    // Apart, each variable reads the source on its own.
    for v in [&a, &b, &x] {
        v.compute().unwrap();
    }
    assert_eq!(reads.load(Ordering::SeqCst), 3 * nchunks);

    reads.store(0, Ordering::SeqCst);
    let loaded = ds.compute().unwrap();
    // The reduction runs once for `a` and `b`; `x`'s own blocks read the chunks again
    // (fused reads are never shared).
    assert_eq!(reads.load(Ordering::SeqCst), 2 * nchunks);
    let want_x = x.compute().unwrap();
    let want_total = total.compute().unwrap().to_f64_vec().unwrap();
    let got_a = loaded
        .variable("a")
        .unwrap()
        .values()
        .unwrap()
        .to_f64_vec()
        .unwrap();
    let got_b = loaded
        .variable("b")
        .unwrap()
        .values()
        .unwrap()
        .to_f64_vec()
        .unwrap();
    for ((s, a), b) in want_total.iter().zip(&got_a).zip(&got_b) {
        assert_eq!(*a, s + 1.0);
        assert_eq!(*b, s * 2.0);
    }
    assert!(loaded
        .variable("x")
        .unwrap()
        .values()
        .unwrap()
        .equals(&want_x));
    assert!(!loaded.variable("a").unwrap().data().is_lazy());

    let exec = CountingExecutor {
        inner: xr::dist::LocalExecutor::default(),
        runs: AtomicUsize::new(0),
    };
    reads.store(0, Ordering::SeqCst);
    let with = ds.compute_with(&exec).unwrap();
    assert_eq!(
        exec.runs.load(Ordering::SeqCst),
        1,
        "one graph for the dataset"
    );
    assert_eq!(reads.load(Ordering::SeqCst), 2 * nchunks);
    assert_eq!(
        with.variable("b")
            .unwrap()
            .values()
            .unwrap()
            .to_f64_vec()
            .unwrap(),
        got_b
    );

    // persist too: one graph, and the result stays lazy (blocks in memory).
    reads.store(0, Ordering::SeqCst);
    let kept = ds.persist().unwrap();
    assert_eq!(reads.load(Ordering::SeqCst), 2 * nchunks);
    assert!(kept.variable("a").unwrap().data().is_lazy());
    assert_eq!(
        kept.variable("a")
            .unwrap()
            .values()
            .unwrap()
            .to_f64_vec()
            .unwrap(),
        got_a
    );
    assert_eq!(
        reads.load(Ordering::SeqCst),
        2 * nchunks,
        "persisted: no more reads"
    );

    // compute_many directly, with the same array twice.
    let many = xr::lazy::compute_many(&[&a, &b, &a], &exec).unwrap();
    assert_eq!(many.len(), 3);
    assert!(many[0].equals(&many[2]));
    assert_eq!(many[1].to_f64_vec().unwrap(), got_b);
}
