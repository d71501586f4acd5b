//! Chunk sources: where a lazy array's values come from.

use std::fmt;
use std::ops::Range;

use ndarray::{ArcArray, IxDyn};

use super::assemble;
use crate::array::chunks::{ChunkGrid, Region};
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
