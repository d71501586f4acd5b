//! `clip` and `round` of the data variables, as numpy computes them (xarray applies the
//! ufuncs): bounds of a higher kind promote (a float bound turns integers into `f64`),
//! NaN stays NaN, rounding is half to even. Fused into the chunk tasks for lazy data.
//!
//! ```
//! use xr::{DataArray, Scalar};
//! # fn main() -> xr::Result<()> {
//! let a = DataArray::new(ndarray::array![0.5, 1.5, 2.25, f64::NAN].into_dyn(), &["x"])?;
//! assert_eq!(a.round(0)?.values().to_f64_vec()?[..3], [0.0, 2.0, 2.0]);
//! let c = a.clip(Some(Scalar::from(1.0)), None)?;
//! assert_eq!(c.values().to_f64_vec()?[..3], [1.0, 1.5, 2.25]);
//! # Ok(())
//! # }
//! ```

use super::shift::{name_error, via_dataset};
use super::{DataArray, Dataset, Variable};
use crate::array::kernels;
use crate::array::Scalar;
use crate::error::Result;

impl Variable {
    /// Limits the values to `[min, max]` (either bound optional).
    ///
    /// # Errors
    /// [`crate::Error::UnsupportedDType`] for strings, datetimes and bools.
    pub fn clip(&self, min: Option<Scalar>, max: Option<Scalar>) -> Result<Variable> {
        let dtype = kernels::clip_dtype(self.dtype(), min.as_ref(), max.as_ref());
        // Checks the dtype now, even for lazy data.
        kernels::clip(
            &crate::array::NdArray::zeros(&[0], self.dtype())?,
            min.as_ref(),
            max.as_ref(),
        )?;
        let data = self
            .data()
            .map_elementwise(dtype, move |a| kernels::clip(a, min.as_ref(), max.as_ref()))?;
        Ok(self.computed(self.dims().to_vec(), data))
    }

    /// Rounds to `decimals` decimal places (negative: to tens, hundreds, ...), half to
    /// even.
    ///
    /// # Errors
    /// [`crate::Error::UnsupportedDType`] for strings and datetimes.
    pub fn round(&self, decimals: i32) -> Result<Variable> {
        kernels::round(&crate::array::NdArray::zeros(&[0], self.dtype())?, decimals)?;
        let data = self
            .data()
            .map_elementwise(self.dtype(), move |a| kernels::round(a, decimals))?;
        Ok(self.computed(self.dims().to_vec(), data))
    }
}

impl Dataset {
    /// [`Variable::clip`] of every data variable (xarray's `clip`).
    ///
    /// # Errors
    /// [`crate::Error::UnsupportedDType`] naming a data variable that cannot be clipped.
    pub fn clip(&self, min: Option<Scalar>, max: Option<Scalar>) -> Result<Dataset> {
        self.map_variables(|name, v| {
            let out = if self.is_coord(name) {
                v.clone()
            } else {
                v.clip(min.clone(), max.clone())
                    .map_err(|e| name_error(e, name))?
            };
            Ok(Some((name.to_string(), out)))
        })
    }

    /// [`Variable::round`] of every data variable (xarray's `round`).
    ///
    /// # Errors
    /// [`crate::Error::UnsupportedDType`] naming a data variable that cannot be rounded.
    pub fn round(&self, decimals: i32) -> Result<Dataset> {
        self.map_variables(|name, v| {
            let out = if self.is_coord(name) {
                v.clone()
            } else {
                v.round(decimals).map_err(|e| name_error(e, name))?
            };
            Ok(Some((name.to_string(), out)))
        })
    }
}

impl DataArray {
    /// Limits the values to `[min, max]`; see [`Variable::clip`].
    ///
    /// # Errors
    /// [`crate::Error::UnsupportedDType`] for strings, datetimes and bools.
    pub fn clip(&self, min: Option<Scalar>, max: Option<Scalar>) -> Result<DataArray> {
        via_dataset(self, |ds| ds.clip(min, max))
    }

    /// Rounds to `decimals` decimal places, half to even; see [`Variable::round`].
    ///
    /// # Errors
    /// [`crate::Error::UnsupportedDType`] for strings and datetimes.
    pub fn round(&self, decimals: i32) -> Result<DataArray> {
        via_dataset(self, |ds| ds.round(decimals))
    }
}
