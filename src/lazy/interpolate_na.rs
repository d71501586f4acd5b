//! Filling gaps by interpolation along an axis (xarray's `interpolate_na`) on chunked
//! arrays. A gap may span any number of chunks, so each task needs whole lanes along
//! the axis: the axis is gathered into one chunk per block of the other axes (as xarray
//! requires of dask arrays, which must not be chunked along the core dim), and the
//! other axes keep their chunks.

use std::sync::Arc;

use super::{Data, LazyArray};
use crate::array::kernels::{self, InterpMethod};
use crate::error::{Error, Result};

impl LazyArray {
    /// Fills the gaps of nulls along `axis` from the valid values around them, at
    /// coordinates `x`; see [`kernels::interpolate_na`]. The result has one chunk along
    /// `axis`, the input's chunks on the other axes.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an axis out of range or `x` of the wrong length;
    /// [`Error::UnsupportedDType`] for strings.
    pub fn interpolate_na(
        &self,
        axis: usize,
        x: &[f64],
        method: InterpMethod,
        limit: Option<usize>,
        max_gap: Option<f64>,
    ) -> Result<LazyArray> {
        let n = *self.shape.get(axis).ok_or_else(|| {
            Error::invalid_argument(
                "axis",
                format!(
                    "interpolate_na: axis {axis} out of range for shape {:?}",
                    self.shape
                ),
            )
        })?;
        // Checks x and the dtype now rather than in every task.
        let mut probe_shape = vec![1; self.ndim()];
        probe_shape[axis] = n;
        kernels::interpolate_na(
            &crate::array::NdArray::zeros(&probe_shape, self.dtype)?,
            axis,
            x,
            method,
            limit,
            max_gap,
        )?;
        let mut sizes = self.grid.sizes().to_vec();
        sizes[axis] = vec![n];
        let x: Arc<[f64]> = x.into();
        self.rechunk_sizes(sizes)?
            .map_blocks(&[], self.dtype, move |blocks| match blocks {
                [b] => kernels::interpolate_na(b, axis, &x, method, limit, max_gap),
                _ => Err(Error::internal("interpolate_na takes one block")),
            })
    }
}

impl Data {
    /// Fills the gaps of nulls along `axis` by interpolation; lazy data stays lazy, in
    /// one chunk along `axis`. See [`LazyArray::interpolate_na`].
    ///
    /// # Errors
    /// As [`LazyArray::interpolate_na`].
    pub fn interpolate_na(
        &self,
        axis: usize,
        x: &[f64],
        method: InterpMethod,
        limit: Option<usize>,
        max_gap: Option<f64>,
    ) -> Result<Data> {
        match self {
            Data::Eager(a) => Ok(Data::Eager(kernels::interpolate_na(
                a, axis, x, method, limit, max_gap,
            )?)),
            Data::Lazy(l) => Ok(Data::Lazy(
                l.interpolate_na(axis, x, method, limit, max_gap)?,
            )),
        }
    }
}
