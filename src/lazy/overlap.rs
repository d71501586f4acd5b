//! Blocks that read beyond their edges: `map_overlap` (each block with a halo from its
//! neighbours, dask's `map_overlap`) and, underneath it, a node whose output blocks are
//! each computed from one region of the input (also used by `coarsen`).
//!
//! A block's task pulls its extended region from the input the way every task pulls
//! regions: from as many neighbouring chunks as the halo reaches, so a halo longer than
//! a neighbouring chunk needs no special case, and the array is never rechunked whole.

use std::sync::Arc;

use super::expr::Expr;
use super::LazyArray;
use crate::array::chunks::{join_runs, ChunkGrid, Region};
use crate::array::{DType, NdArray, Scalar};
use crate::error::{Error, Result};

/// How many times its halo a block of `map_overlap`'s result is made long, at least,
/// by joining consecutive chunks: a block reads its halo beyond its own chunk again
/// (the neighbours' tasks read it too), so with one-step chunks and a 30-step window
/// every chunk would be read 30 times.
const BLOCK_PER_HALO: usize = 8;

/// Joined blocks stop growing at this many bytes (of the input dtype, a block as large
/// as the other axes' largest chunks): each task holds its block, halo and result.
const MAX_JOINED_BYTES: usize = 32 << 20;

/// The input region an output block of a [`RegionMap`] reads.
pub(crate) type InputRegionFn = Arc<dyn Fn(&Region) -> Region + Send + Sync>;

/// Computes an output block (its region is the first argument) from the input region
/// [`RegionMap::input_region`] gave for it.
pub(crate) type ApplyFn = Arc<dyn Fn(&Region, NdArray) -> Result<NdArray> + Send + Sync>;

/// How the blocks of a region-mapping node read their input.
pub(crate) struct RegionMap {
    /// What tasks and errors call the operation (`"map_overlap"`, `"coarsen"`).
    pub name: &'static str,
    /// The input region each output block needs.
    pub input_region: InputRegionFn,
    /// The output block from the input region's values.
    pub apply: ApplyFn,
}

/// What a block at the edge of the array sees beyond it (dask's `boundary`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum OverlapBoundary {
    /// Nothing: blocks at the array's edges are not extended there, so the function
    /// sees a shorter block (dask's `"none"`).
    None,
    /// The halo beyond the array's edges holds this value.
    Constant(Scalar),
}

impl LazyArray {
    /// Applies `f` to every block extended by `depth[axis] = (before, after)` elements
    /// of its neighbours along each axis, then trims the extension off `f`'s result
    /// (dask's `map_overlap` with `trim=True`). `f` must return an array of its input's
    /// shape, of element type `dtype`. A depth may exceed the neighbouring chunks: the
    /// halo then comes from as many chunks as it spans.
    ///
    /// Along an axis with a halo, chunks much shorter than the halo are joined into
    /// blocks about eight times the halo long (up to 32 MiB), as dask's `map_overlap`
    /// rechunks chunks smaller than their depth: the result's chunks are then the
    /// joined blocks, and each input chunk is read about once rather than once per
    /// block its halo reaches.
    ///
    /// ```
    /// # fn main() -> xr::Result<()> {
    /// use xr::lazy::{LazyArray, OverlapBoundary};
    /// use xr::{DType, NdArray};
    /// let x = LazyArray::from_array(NdArray::from(vec![1.0, 2.0, 3.0, 4.0, 5.0]), &[2])?;
    /// // Each value plus its left neighbour (the first has none).
    /// let pairs = x.map_overlap(&[(1, 0)], OverlapBoundary::None, DType::F64, |block| {
    ///     let v = block.to_f64_vec()?;
    ///     let sums: Vec<f64> = (0..v.len()).map(|i| v[i] + if i > 0 { v[i - 1] } else { 0.0 }).collect();
    ///     Ok(NdArray::from(sums))
    /// })?;
    /// assert_eq!(pairs.compute()?.to_f64_vec()?, vec![1.0, 3.0, 5.0, 7.0, 9.0]);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when `depth` does not have one entry per axis or a
    /// constant boundary does not fit the dtype; a wrong result shape surfaces at
    /// compute time, naming the block.
    pub fn map_overlap(
        &self,
        depth: &[(usize, usize)],
        boundary: OverlapBoundary,
        dtype: DType,
        f: impl Fn(&NdArray) -> Result<NdArray> + Send + Sync + 'static,
    ) -> Result<Self> {
        if depth.len() != self.ndim() {
            return Err(Error::invalid_argument(
                "depth",
                format!(
                    "map_overlap needs one (before, after) depth per axis: {} given for an array of shape {:?}",
                    depth.len(),
                    self.shape()
                ),
            ));
        }
        let fill = match &boundary {
            OverlapBoundary::None => None,
            OverlapBoundary::Constant(v) => Some(
                NdArray::from_scalar(v)
                    .astype(self.dtype())
                    .map_err(|e| Error::invalid_argument("boundary", e.to_string()))?,
            ),
        };
        let shape = self.shape().to_vec();
        let depth: Arc<[(usize, usize)]> = depth.into();
        let grid = joined_grid(self.grid(), &depth, self.dtype().size())?;
        let extended = {
            let (shape, depth) = (shape.clone(), Arc::clone(&depth));
            move |region: &Region| -> Region {
                region
                    .iter()
                    .zip(depth.iter())
                    .zip(&shape)
                    .map(|((r, &(before, after)), &n)| {
                        r.start.saturating_sub(before)..(r.end + after).min(n)
                    })
                    .collect()
            }
        };
        let input_region: InputRegionFn = Arc::new(extended.clone());
        let apply = move |region: &Region, values: NdArray| -> Result<NdArray> {
            let read = extended(region);
            // With a constant boundary the block sees its full extension: the part
            // beyond the array holds the constant.
            let (block, keep): (NdArray, Region) = match &fill {
                None => {
                    let keep = region
                        .iter()
                        .zip(&read)
                        .map(|(r, got)| r.start - got.start..r.end - got.start)
                        .collect();
                    (values, keep)
                }
                Some(fill) => {
                    let ext_shape: Vec<usize> = region
                        .iter()
                        .zip(depth.iter())
                        .map(|(r, &(before, after))| r.len() + before + after)
                        .collect();
                    let mut block = NdArray::zeros(&ext_shape, fill.dtype())?;
                    block.assign_at(
                        &vec![0; ext_shape.len()],
                        &fill
                            .reshape(&vec![1; ext_shape.len()])?
                            .broadcast_to(&ext_shape)?,
                    )?;
                    let offset: Vec<usize> = region
                        .iter()
                        .zip(depth.iter())
                        .zip(&read)
                        .map(|((r, &(before, _)), got)| before - (r.start - got.start))
                        .collect();
                    block.assign_at(&offset, &values)?;
                    let keep = region
                        .iter()
                        .zip(depth.iter())
                        .map(|(r, &(before, _))| before..before + r.len())
                        .collect();
                    (block, keep)
                }
            };
            let out = f(&block)?;
            if out.shape() != block.shape() {
                return Err(Error::ShapeMismatch {
                    what: "result of the function of map_overlap (it must keep the extended block's shape)".into(),
                    expected: block.shape().to_vec(),
                    actual: out.shape().to_vec(),
                });
            }
            super::expr::slice_region(&out, &keep)
        };
        Ok(self.map_regions(
            grid,
            dtype,
            RegionMap {
                name: "map_overlap",
                input_region,
                apply: Arc::new(apply),
            },
        ))
    }

    /// A node whose block of `grid` covering `region` is `map.apply(region, input over
    /// map.input_region(region))`.
    pub(crate) fn map_regions(&self, grid: ChunkGrid, dtype: DType, map: RegionMap) -> Self {
        let shape = grid.shape();
        self.derive(
            dtype,
            shape,
            grid.clone(),
            Expr::RegionMap {
                input: self.clone(),
                map: Arc::new(map),
                grid,
            },
        )
    }
}

/// `grid` with consecutive chunks joined along each axis that has a halo, until a block
/// is [`BLOCK_PER_HALO`] times its halo long or [`MAX_JOINED_BYTES`] big (a chunk
/// already longer stays as it is).
fn joined_grid(grid: &ChunkGrid, depth: &[(usize, usize)], itemsize: usize) -> Result<ChunkGrid> {
    let largest: Vec<usize> = grid
        .sizes()
        .iter()
        .map(|s| s.iter().copied().max().unwrap_or(0).max(1))
        .collect();
    let sizes = grid
        .sizes()
        .iter()
        .enumerate()
        .map(|(axis, sizes)| {
            let halo = depth[axis].0 + depth[axis].1;
            if halo == 0 {
                return sizes.clone();
            }
            let row_bytes = largest
                .iter()
                .enumerate()
                .filter(|&(d, _)| d != axis)
                .map(|(_, &n)| n)
                .product::<usize>()
                * itemsize;
            let want = halo * BLOCK_PER_HALO;
            join_runs(sizes, |block, n| {
                block < want && (block + n) * row_bytes <= MAX_JOINED_BYTES
            })
        })
        .collect();
    ChunkGrid::from_sizes(sizes)
}
