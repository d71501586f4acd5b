//! Block reductions of lazy arrays (`coarsen`): each output chunk reduces one input
//! region whose length along every coarsened axis is a multiple of the window.
//!
//! When the input's chunks along an axis are multiples of its window, an output chunk
//! is exactly one input chunk reduced (blockwise, no data moves between tasks).
//! Otherwise the output chunks are laid out as if the input were first rechunked to
//! the nearest multiples of the window: each task pulls its region from the chunks it
//! spans, as a rechunk would.

use std::sync::Arc;

use super::overlap::RegionMap;
use super::LazyArray;
use crate::array::chunks::{ChunkGrid, Region};
use crate::array::kernels::Reduction;
use crate::array::window;
use crate::error::{Error, Result};

impl LazyArray {
    /// Reduces every block of `size` consecutive values along each `(axis, size)` of
    /// `windows` to one value with `op` (NaN skipped), as
    /// [`array::window::coarsen`](crate::array::window::coarsen) does in memory.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when an axis is out of range or repeated, a size is
    /// 0, or a length is not a multiple of its size; the reduction's errors for the
    /// dtype.
    pub fn coarsen(&self, windows: &[(usize, usize)], op: Reduction) -> Result<Self> {
        let mut sizes = self.chunks().to_vec();
        for (i, &(axis, size)) in windows.iter().enumerate() {
            let n = *self.shape().get(axis).ok_or_else(|| {
                Error::invalid_argument(
                    "windows",
                    format!("axis {axis} out of range for shape {:?}", self.shape()),
                )
            })?;
            if windows[..i].iter().any(|(a, _)| *a == axis) {
                return Err(Error::invalid_argument(
                    "windows",
                    format!("axis {axis} given twice to coarsen"),
                ));
            }
            if size == 0 || n % size != 0 {
                return Err(Error::invalid_argument(
                    "window",
                    format!("cannot coarsen an axis of length {n} by blocks of {size}"),
                ));
            }
            sizes[axis] = coarse_chunks(&sizes[axis], n, size);
        }
        // The dtype the in-memory kernel gives, learnt from one block's worth of zeros.
        let probe_shape: Vec<usize> = (0..self.ndim())
            .map(|ax| {
                windows
                    .iter()
                    .find(|(a, _)| *a == ax)
                    .map_or(1, |&(_, s)| s)
            })
            .collect();
        let probe = crate::array::NdArray::zeros(&probe_shape, self.dtype())?;
        let dtype = window::coarsen(&probe, windows, op)?.dtype();
        let grid = ChunkGrid::from_sizes(sizes)?;
        let factors: Arc<[usize]> = (0..self.ndim())
            .map(|ax| {
                windows
                    .iter()
                    .find(|(a, _)| *a == ax)
                    .map_or(1, |&(_, s)| s)
            })
            .collect();
        let windows = windows.to_vec();
        let input_region = {
            let factors = Arc::clone(&factors);
            move |region: &Region| -> Region {
                region
                    .iter()
                    .zip(factors.iter())
                    .map(|(r, &f)| r.start * f..r.end * f)
                    .collect()
            }
        };
        Ok(self.map_regions(
            grid,
            dtype,
            RegionMap {
                name: "coarsen",
                input_region: Arc::new(input_region),
                apply: Arc::new(move |_, values| window::coarsen(&values, &windows, op)),
            },
        ))
    }
}

/// Output chunk sizes along an axis of length `n` chunked as `chunks`, coarsened by
/// `size`: each chunk divided by `size` when all are multiples of it; else chunks of
/// the typical input chunk rounded to a multiple of `size` (at least one window).
fn coarse_chunks(chunks: &[usize], n: usize, size: usize) -> Vec<usize> {
    let out = n / size;
    if chunks.iter().all(|c| c % size == 0) {
        let v: Vec<usize> = chunks
            .iter()
            .filter(|&&c| c > 0)
            .map(|c| c / size)
            .collect();
        return if v.is_empty() { vec![out] } else { v };
    }
    let typical = chunks.iter().copied().max().unwrap_or(size);
    let per = ((typical + size / 2) / size).max(1);
    let mut v = vec![per; out / per];
    if out % per != 0 {
        v.push(out % per);
    }
    if v.is_empty() {
        v.push(0);
    }
    v
}
