//! Covariance and Pearson correlation of two DataArrays over named dims (xarray's
//! `xr.cov` / `xr.corr`), composed as xarray composes them: align the two on an inner
//! join, mask each where either is NaN, then means, sums and counts over `dims`. Every
//! step is arithmetic or a reduction on [`Data`](crate::lazy::Data), so lazy inputs
//! give a lazy result.
//!
//! ```
//! use xr::DataArray;
//! # fn main() -> xr::Result<()> {
//! let a = DataArray::new(ndarray::array![1.0, 2.0, 3.0, f64::NAN].into_dyn(), &["time"])?;
//! let b = DataArray::new(ndarray::array![2.0, 4.0, 7.0, 1.0].into_dyn(), &["time"])?;
//! let c = xr::cov(&a, &b, &["time"], 1)?;
//! assert_eq!(c.values().to_f64_vec()?, [2.5]);
//! let r = xr::corr(&a, &b, &["time"])?.values().to_f64_vec()?[0];
//! assert!((r - 0.9933992677987828).abs() < 1e-12);
//! # Ok(())
//! # }
//! ```

use super::align::{align_arrays, Join};
use super::{Attrs, DataArray};
use crate::array::kernels::BinaryOp;
use crate::error::Result;

/// The covariance of `a` and `b` over `dims` (all dims when empty), dividing by the
/// number of positions where both are valid minus `ddof`; NaN where no position is.
///
/// # Errors
/// [`Error::DimNotFound`](crate::Error::DimNotFound) naming a dim neither has;
/// alignment errors (an index that cannot be joined); [`Error::UnsupportedDType`](crate::Error::UnsupportedDType)
/// for non-numeric data.
pub fn cov(a: &DataArray, b: &DataArray, dims: &[&str], ddof: usize) -> Result<DataArray> {
    let parts = Parts::new(a, b, dims)?;
    parts.finish(parts.cov(ddof)?)
}

/// Pearson's correlation of `a` and `b` over `dims` (all dims when empty): their
/// covariance (ddof 0) over the product of their standard deviations, both taken where
/// both are valid.
///
/// # Errors
/// As [`cov`].
pub fn corr(a: &DataArray, b: &DataArray, dims: &[&str]) -> Result<DataArray> {
    let parts = Parts::new(a, b, dims)?;
    let cov = parts.cov(0)?;
    let dims = parts.dims();
    let std = parts.a.std(&dims)?.mul(&parts.b.std(&dims)?)?;
    parts.finish(cov.div(&std)?)
}

/// The two inputs aligned and masked, and the dims to reduce.
struct Parts {
    a: DataArray,
    b: DataArray,
    valid: DataArray,
    dims: Vec<String>,
    attrs: Attrs,
}

impl Parts {
    fn new(a: &DataArray, b: &DataArray, dims: &[&str]) -> Result<Parts> {
        let aligned = align_arrays(&[a, b], Join::Inner)?;
        let (a, b) = (&aligned[0], &aligned[1]);
        let valid = notnull(a)?.binary_op(&notnull(b)?, BinaryOp::And, Join::Inner)?;
        let dims: Vec<String> = if dims.is_empty() {
            valid.dims().to_vec()
        } else {
            dims.iter().map(|d| d.to_string()).collect()
        };
        Ok(Parts {
            a: a.where_(&valid)?,
            b: b.where_(&valid)?,
            valid,
            dims,
            attrs: drop_conflicts(a.attrs(), b.attrs()),
        })
    }

    /// `sum((a - mean a) (b - mean b)) / (count - ddof)`, NaN where the count is 0
    /// (xarray's `min_count=1`).
    fn cov(&self, ddof: usize) -> Result<DataArray> {
        let dims = self.dims();
        let da = self.a.sub(&self.a.mean(&dims)?)?;
        let db = self.b.sub(&self.b.mean(&dims)?)?;
        let sum = da.mul(&db)?.sum(&dims)?;
        let count = self.valid.sum(&dims)?;
        let denom = count.scalar_op(ddof as i64, BinaryOp::Sub, false)?;
        let any = count.scalar_op(0_i64, BinaryOp::Gt, false)?;
        sum.div(&denom)?.where_(&any)
    }

    fn dims(&self) -> Vec<&str> {
        self.dims.iter().map(String::as_str).collect()
    }

    /// The result as xarray gives it: no name, the attrs both inputs agree on.
    fn finish(&self, out: DataArray) -> Result<DataArray> {
        let var = out.variable().clone().with_attrs(self.attrs.clone());
        DataArray::from_parts(None, var, out.coords().clone())
    }
}

/// True where `a` is not NaN: `a == a` (everywhere for integers and bools).
fn notnull(a: &DataArray) -> Result<DataArray> {
    a.binary_op(a, BinaryOp::Eq, Join::Inner)
}

/// xarray's `keep_attrs="drop_conflicts"`: the attrs of either, less those on which
/// they disagree.
fn drop_conflicts(a: &Attrs, b: &Attrs) -> Attrs {
    let mut out = a.clone();
    for (k, v) in b {
        match a.get(k) {
            Some(w) if w != v => {
                out.shift_remove(k);
            }
            Some(_) => {}
            None => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    out
}
