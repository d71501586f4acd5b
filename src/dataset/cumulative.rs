//! Cumulative sums and products along a dimension (xarray's `cumsum`/`cumprod` with
//! `skipna`: NaN counts as 0 or 1, so it holds the running total). Lazy data is scanned
//! chunk by chunk with a carry ([`LazyArray::scan`](crate::lazy::LazyArray::scan)),
//! never rechunked.
//!
//! ```
//! use xr::DataArray;
//! # fn main() -> xr::Result<()> {
//! let a = DataArray::new(ndarray::array![1.0, f64::NAN, 2.0].into_dyn(), &["time"])?;
//! assert_eq!(a.cumsum("time")?.values().to_f64_vec()?, [1.0, 1.0, 3.0]);
//! # Ok(())
//! # }
//! ```

use super::shift::{check_array_dims, name_error, via_dataset};
use super::{DataArray, Dataset, Variable};
use crate::array::kernels::ScanOp;
use crate::array::DType;
use crate::error::{Error, Result};

impl Variable {
    /// The running sum or product along `dim`, NaN counted as the identity (integers
    /// and bools widen to `i64`/`u64`).
    ///
    /// # Errors
    /// [`Error::DimNotFound`] naming `dim`; [`Error::UnsupportedDType`] for strings and
    /// datetimes.
    pub fn scan_dim(&self, dim: &str, op: ScanOp) -> Result<Variable> {
        let axis = self.require_axis(dim, op.name())?;
        Ok(self.computed(self.dims().to_vec(), self.data().scan(axis, op, true)?))
    }
}

fn numeric(dtype: DType) -> bool {
    dtype.is_integer() || dtype.is_float() || dtype == DType::Bool
}

impl Dataset {
    fn scan(&self, dim: &str, op: ScanOp) -> Result<Dataset> {
        let dims = self.dims();
        if !dims.contains_key(dim) {
            return Err(Error::DimNotFound {
                dim: dim.to_string(),
                context: format!("{op} of a Dataset"),
                available: dims.keys().cloned().collect(),
            });
        }
        // As xarray (numeric_only): non-numeric data variables are dropped; the others
        // without `dim` are kept as they are; coordinates are not scanned.
        self.map_variables(|name, v| {
            if self.is_coord(name) || v.axis_of(dim).is_none() {
                return Ok(Some((name.to_string(), v.clone())));
            }
            if !numeric(v.dtype()) {
                return Ok(None);
            }
            let out = v.scan_dim(dim, op).map_err(|e| name_error(e, name))?;
            Ok(Some((name.to_string(), out)))
        })
    }

    /// The running sum of the data variables along `dim` (xarray's `cumsum`).
    ///
    /// # Errors
    /// [`Error::DimNotFound`] naming `dim`.
    pub fn cumsum(&self, dim: &str) -> Result<Dataset> {
        self.scan(dim, ScanOp::CumSum)
    }

    /// The running product of the data variables along `dim` (xarray's `cumprod`).
    ///
    /// # Errors
    /// [`Error::DimNotFound`] naming `dim`.
    pub fn cumprod(&self, dim: &str) -> Result<Dataset> {
        self.scan(dim, ScanOp::CumProd)
    }
}

impl DataArray {
    /// The running sum along `dim`, NaN counted as 0; see [`Dataset::cumsum`].
    ///
    /// # Errors
    /// [`Error::DimNotFound`] naming `dim`; [`Error::UnsupportedDType`] for strings and
    /// datetimes.
    pub fn cumsum(&self, dim: &str) -> Result<DataArray> {
        self.scan(dim, ScanOp::CumSum)
    }

    /// The running product along `dim`, NaN counted as 1; see [`Dataset::cumprod`].
    ///
    /// # Errors
    /// [`Error::DimNotFound`] naming `dim`; [`Error::UnsupportedDType`] for strings and
    /// datetimes.
    pub fn cumprod(&self, dim: &str) -> Result<DataArray> {
        self.scan(dim, ScanOp::CumProd)
    }

    fn scan(&self, dim: &str, op: ScanOp) -> Result<DataArray> {
        check_array_dims(self, [dim])?;
        if !numeric(self.dtype()) {
            return Err(Error::UnsupportedDType {
                op: format!("{op} of DataArray {}", self.display_name()),
                dtype: self.dtype(),
            });
        }
        via_dataset(self, |ds| ds.scan(dim, op))
    }
}
