//! Blocks mapped to blocks of another shape: each output block of a given grid is
//! computed from one region of the input, as the caller maps it. `apply_ufunc` (core
//! dims packed into one axis) and the template-driven `map_blocks` of the data model
//! are built on it.

use super::overlap::RegionMap;
use super::LazyArray;
use crate::array::chunks::{ChunkGrid, Region};
use crate::array::{DType, NdArray};
use crate::error::Result;

impl LazyArray {
    /// An array chunked as `chunks` (one list of sizes per axis, any number of axes)
    /// whose block over `region` is `apply(region, input over input_region(region))`.
    /// One task per output block; the input region is pulled from however many input
    /// chunks it spans. A result of the wrong shape fails at compute time, naming the
    /// block.
    ///
    /// # Errors
    /// When `chunks` is not a valid chunking (an empty list of sizes).
    pub(crate) fn map_blocks_to(
        &self,
        chunks: Vec<Vec<usize>>,
        dtype: DType,
        name: &'static str,
        input_region: impl Fn(&Region) -> Region + Send + Sync + 'static,
        apply: impl Fn(&Region, NdArray) -> Result<NdArray> + Send + Sync + 'static,
    ) -> Result<Self> {
        let grid = ChunkGrid::from_sizes(chunks)?;
        Ok(self.map_regions(
            grid,
            dtype,
            RegionMap {
                name,
                input_region: std::sync::Arc::new(input_region),
                apply: std::sync::Arc::new(apply),
            },
        ))
    }
}
