//! Chunk sources: where a lazy array's values come from.

use std::fmt;
use std::ops::Range;

use ndarray::{ArcArray, IxDyn};

use super::assemble;
use crate::array::chunks::{ChunkGrid, Region};
use crate::array::kernels::MaskScale;
use crate::array::{DType, NdArray};
use crate::error::Result;

/// Reads regions of an array that lives elsewhere (a file, a store, a generator).
///
/// Implementations must be cheap to share between threads; `read` is called from many
/// tasks at once and should read only what the region needs.
pub trait ChunkSource: Send + Sync + fmt::Debug {
    /// The element type.
    fn dtype(&self) -> DType;
    /// The full shape.
    fn shape(&self) -> &[usize];
    /// The natural chunking (storage chunks); lazy arrays start with it.
    fn chunks(&self) -> &ChunkGrid;
    /// Reads `region` (one range per dim, within the shape).
    ///
    /// # Errors
    /// Whatever reading fails with; the error should name the file and variable.
    fn read(&self, region: &[Range<usize>]) -> Result<NdArray>;
    /// The one value every element of `region` holds, when the source knows it without
    /// reading: chunks that were never written hold the fill value, known from the chunk
    /// index. A one-element array of [`dtype`](Self::dtype) (any shape); `None` when
    /// unknown, which is always right and the default.
    ///
    /// Reductions skip such regions (the partial of a constant block is known), and
    /// elementwise chains such as CF masking apply to the one value instead of the
    /// region, so the cost of a sparse file follows its written data.
    fn constant(&self, region: &[Range<usize>]) -> Option<NdArray> {
        let _ = region;
        None
    }
    /// `region` read and decoded by `decode` (the values of [`MaskScale::apply`] on
    /// [`read`](Self::read)'s), when the source decodes each value in the pass that
    /// unpacks its stored bytes, so that no array of stored values is written and read
    /// again; `None`, the default, when it does not (the caller then reads, then
    /// decodes).
    ///
    /// # Errors
    /// As [`read`](Self::read).
    fn read_decoded(&self, region: &[Range<usize>], decode: &MaskScale) -> Option<Result<NdArray>> {
        let _ = (region, decode);
        None
    }
    /// What to call this source in errors and progress (`"file.nc: air"`).
    fn label(&self) -> String;
}

/// Uniform random `f64` values in [0, 1), generated chunk by chunk: each chunk's values
/// depend only on the seed and the chunk's position, so any region can be recomputed
/// without the rest of the array ever existing in memory.
#[derive(Debug, Clone)]
pub struct RandomSource {
    shape: Vec<usize>,
    grid: ChunkGrid,
    seed: u64,
}

impl RandomSource {
    /// A random source of `shape` generated in chunks of `chunk_shape`.
    ///
    /// # Errors
    /// When `chunk_shape` does not have one entry per dim.
    pub fn new(shape: &[usize], chunk_shape: &[usize], seed: u64) -> Result<Self> {
        Ok(RandomSource {
            shape: shape.to_vec(),
            grid: ChunkGrid::regular(shape, chunk_shape)?,
            seed,
        })
    }

    fn block(&self, linear: usize) -> NdArray {
        let region = self.grid.block_region(&self.grid.block_index(linear));
        let shape: Vec<usize> = region.iter().map(ExactSizeIterator::len).collect();
        let mut state = splitmix(self.seed ^ splitmix(linear as u64 + 1));
        let n: usize = shape.iter().product();
        let values: Vec<f64> = (0..n)
            .map(|_| {
                state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
                (splitmix(state) >> 11) as f64 / (1u64 << 53) as f64
            })
            .collect();
        NdArray::F64(
            ArcArray::from_shape_vec(IxDyn(&shape), values)
                .unwrap_or_else(|_| unreachable!("a block's values fill its shape")),
        )
    }
}

fn splitmix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl ChunkSource for RandomSource {
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
        let region: Region = region.to_vec();
        assemble(&self.grid, &region, DType::F64, |linear| {
            Ok(self.block(linear))
        })
    }

    fn label(&self) -> String {
        format!("random{:?}", self.shape)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::array::kernels::{self, ReduceParams, Reduction};
    use crate::lazy::LazyArray;

    const FILL: f64 = -999.0;

    /// A 2-D source of 3 × 2 chunks whose chunks marked unwritten hold `FILL`, and which
    /// records every region it is asked to read.
    #[derive(Debug)]
    struct Counting {
        shape: Vec<usize>,
        grid: ChunkGrid,
        written: Vec<bool>,
        reads: Mutex<Vec<Region>>,
    }

    impl Counting {
        fn new(written: Vec<bool>) -> Self {
            Counting {
                shape: vec![6, 4],
                grid: ChunkGrid::regular(&[6, 4], &[2, 2]).unwrap(),
                written,
                reads: Mutex::new(Vec::new()),
            }
        }

        fn value(&self, i: usize, j: usize) -> f64 {
            let block = self.grid.linear_index(&[i / 2, j / 2]);
            if !self.written[block] {
                FILL
            } else if (i + j) % 5 == 0 {
                f64::NAN
            } else {
                (i * 4 + j) as f64 - 7.5
            }
        }

        fn unwritten_read(&self) -> Vec<Region> {
            let reads = self.reads.lock().unwrap();
            reads
                .iter()
                .filter(|r| {
                    let overlap = self.grid.overlapping(r);
                    overlap[0].iter().any(|(bi, _, _)| {
                        overlap[1]
                            .iter()
                            .any(|(bj, _, _)| !self.written[self.grid.linear_index(&[*bi, *bj])])
                    })
                })
                .cloned()
                .collect()
        }
    }

    impl ChunkSource for Counting {
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
            self.reads.lock().unwrap().push(region.to_vec());
            let values: Vec<f64> = region[0]
                .clone()
                .flat_map(|i| region[1].clone().map(move |j| (i, j)))
                .map(|(i, j)| self.value(i, j))
                .collect();
            NdArray::from_shape_vec(&[region[0].len(), region[1].len()], values)
        }
        fn constant(&self, region: &[Range<usize>]) -> Option<NdArray> {
            let overlap = self.grid.overlapping(region);
            let any_written = overlap[0].iter().any(|(bi, _, _)| {
                overlap[1]
                    .iter()
                    .any(|(bj, _, _)| self.written[self.grid.linear_index(&[*bi, *bj])])
            });
            (!any_written).then(|| NdArray::from_shape_vec(&[1], vec![FILL]).unwrap())
        }
        fn label(&self) -> String {
            "counting".into()
        }
    }

    /// The source behind a CF-like mask (`FILL` to NaN), as the NetCDF reader builds it.
    fn masked(src: &Arc<Counting>) -> LazyArray {
        let source: Arc<dyn ChunkSource> = Arc::clone(src) as Arc<dyn ChunkSource>;
        LazyArray::from_source(source).map_elementwise(DType::F64, |chunk| {
            let x = chunk.as_array::<f64>().unwrap();
            Ok(NdArray::from(
                x.mapv(|v| if v == FILL { f64::NAN } else { v })
                    .into_shared(),
            ))
        })
    }

    #[test]
    fn reductions_never_read_an_unwritten_chunk() {
        let written = vec![false, true, false, false, true, false];
        let ops = [
            Reduction::Count,
            Reduction::Sum,
            Reduction::Mean,
            Reduction::Min,
            Reduction::Max,
            Reduction::Var,
            Reduction::Std,
            Reduction::Prod,
        ];
        let cases = [vec![0, 1], vec![0], vec![1]]
            .into_iter()
            .flat_map(|axes| [None, Some(false)].map(|skipna| (axes.clone(), skipna)));
        for (axes, skipna) in cases {
            for op in ops {
                let src = Arc::new(Counting::new(written.clone()));
                let params = ReduceParams::new(skipna, 0);
                let lazy = masked(&src)
                    .reduce(&axes, op, params)
                    .unwrap()
                    .compute()
                    .unwrap();
                assert_eq!(
                    src.unwritten_read(),
                    Vec::<Region>::new(),
                    "{op} over {axes:?}"
                );
                assert!(
                    !src.reads.lock().unwrap().is_empty(),
                    "{op}: written chunks are read"
                );
                let all = masked(&src).compute().unwrap();
                let eager = kernels::reduce(&all, &axes, op, params).unwrap();
                assert_eq!(lazy.shape(), eager.shape(), "{op} over {axes:?}");
                for k in 0..eager.len() {
                    let (a, b) = (lazy.get_flat(k).unwrap(), eager.get_flat(k).unwrap());
                    // Chunked moments may differ from one pass in the last bit.
                    let (x, y) = (a.to_string().parse::<f64>(), b.to_string().parse::<f64>());
                    let close = match (x, y) {
                        (Ok(x), Ok(y)) => {
                            (x.is_nan() && y.is_nan()) || (x - y).abs() <= 1e-12 * y.abs()
                        }
                        _ => false,
                    };
                    assert!(close, "{op} over {axes:?} at {k}: {a} vs {b}");
                }
            }
        }
    }

    #[test]
    fn an_unmasked_fill_value_counts_without_a_read() {
        // The raw source: unwritten chunks are -999, counted like any value.
        let written = vec![true, false, false, true, false, false];
        for op in [
            Reduction::Count,
            Reduction::Sum,
            Reduction::Mean,
            Reduction::Min,
            Reduction::Max,
            Reduction::Var,
        ] {
            for axes in [vec![0, 1], vec![0]] {
                let src = Arc::new(Counting::new(written.clone()));
                let raw = LazyArray::from_source(Arc::clone(&src) as Arc<dyn ChunkSource>);
                let params = ReduceParams::new(None, 0);
                let lazy = raw.reduce(&axes, op, params).unwrap().compute().unwrap();
                assert_eq!(
                    src.unwritten_read(),
                    Vec::<Region>::new(),
                    "{op} over {axes:?}"
                );
                let eager = kernels::reduce(&raw.compute().unwrap(), &axes, op, params).unwrap();
                for k in 0..eager.len() {
                    let a: f64 = lazy.get_flat(k).unwrap().to_string().parse().unwrap();
                    let b: f64 = eager.get_flat(k).unwrap().to_string().parse().unwrap();
                    assert!(
                        (a.is_nan() && b.is_nan()) || (a - b).abs() <= 1e-9 * b.abs(),
                        "{op}: {a} vs {b}"
                    );
                }
            }
        }
    }

    #[test]
    fn an_unwritten_region_is_evaluated_without_a_read() {
        let src = Arc::new(Counting::new(vec![false; 6]));
        let all = masked(&src).compute().unwrap();
        assert!(src.reads.lock().unwrap().is_empty());
        let x = all.as_array::<f64>().unwrap();
        assert_eq!(x.shape(), &[6, 4]);
        assert!(x.iter().all(|v| v.is_nan()));
        let stats = masked(&src)
            .reduce(&[0, 1], Reduction::Count, ReduceParams::new(None, 0))
            .unwrap()
            .compute()
            .unwrap();
        assert_eq!(stats.get_flat(0).unwrap().to_string(), "0");
        assert!(src.reads.lock().unwrap().is_empty());
    }
}
