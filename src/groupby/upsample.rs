//! Upsampling of a resample (xarray's `Resample.asfreq`, `ffill`, `bfill`, `nearest`,
//! `interpolate`): the new time axis is every period start of the frequency from the
//! first to the last (the labels a downsampling aggregation would give), on the
//! coordinate's own calendar.
//!
//! As in xarray, coordinates along the resampled dim other than the dim coordinate are
//! dropped first; `asfreq` is the resample's `mean` (NaN for periods without an
//! original time, so integers become floats); `ffill`/`bfill`/`nearest` reindex with
//! that method (NaN where there is no neighbour on that side); `interpolate("linear")`
//! interpolates linearly in time between the two neighbours as scipy's `interp1d`
//! (which xarray uses for N-D data: an exact time still mixes in its left neighbour,
//! so a NaN there gives NaN; xarray's 1-D path, numpy's `interp`, takes the exact
//! value instead), NaN outside the original times. Lazy data stays lazy: the verbs are
//! takes and arithmetic along the time dim, and the time coordinate (1-D, small) is
//! loaded.
//!
//! ```
//! use xr::{DataArray, NdArray};
//! use xr::time::{date_range, Calendar, CfDatetime};
//!
//! # fn main() -> xr::Result<()> {
//! let cal = Calendar::Day360;
//! let t = date_range(CfDatetime::new(2000, 2, 29, cal)?, None, Some(3), "D".parse()?, cal)?;
//! let time = NdArray::datetime(ndarray::Array1::from(t).into_dyn().into_shared(), cal);
//! let da = DataArray::new(vec![0.0, 4.0, 8.0], &["time"])?.with_coord("time", &["time"], time)?;
//! let up = da.resample("time", "12h")?.interpolate("linear")?;
//! assert_eq!(up.values().to_f64_vec()?, [0.0, 2.0, 4.0, 6.0, 8.0]);
//! let ff = da.resample("time", "12h")?.ffill()?;
//! assert_eq!(ff.values().to_f64_vec()?, [0.0, 0.0, 4.0, 4.0, 8.0]);
//! # Ok(())
//! # }
//! ```

use indexmap::{IndexMap, IndexSet};

use super::{GroupBy, Grouped};
use crate::array::kernels::BinaryOp;
use crate::array::NdArray;
use crate::dataset::{Dataset, Index, Method};
use crate::error::{Error, Result};
use crate::lazy::Data;

impl<T: Grouped> GroupBy<T> {
    /// The values at the new times, NaN where no original time falls in the period
    /// (xarray's `asfreq`: the resample's mean).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when the groups do not come from `resample`.
    pub fn asfreq(&self) -> Result<T> {
        let dropped = GroupBy {
            obj: self.without_dim_coords()?,
            ..self.clone()
        };
        dropped.mean()
    }

    /// Each new time takes the last original value at or before it (NaN before the
    /// first).
    ///
    /// # Errors
    /// As [`asfreq`](Self::asfreq).
    pub fn ffill(&self) -> Result<T> {
        self.reindexed(Method::Pad)
    }

    /// Each new time takes the first original value at or after it (NaN after the last).
    ///
    /// # Errors
    /// As [`asfreq`](Self::asfreq).
    pub fn bfill(&self) -> Result<T> {
        self.reindexed(Method::Backfill)
    }

    /// Each new time takes the value of the nearest original time.
    ///
    /// # Errors
    /// As [`asfreq`](Self::asfreq).
    pub fn nearest(&self) -> Result<T> {
        self.reindexed(Method::Nearest)
    }

    /// Interpolates to the new times; `kind` is `"linear"` (the only one so far).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming `kind` for another kind; as
    /// [`asfreq`](Self::asfreq).
    pub fn interpolate(&self, kind: &str) -> Result<T> {
        if kind != "linear" {
            return Err(Error::invalid_argument(
                "kind",
                format!("interpolation {kind:?} is not supported; use \"linear\""),
            ));
        }
        let ds = self.without_dim_coords()?;
        let dim = self.groups.dim.as_str();
        let (old, new) = self.times(&ds)?;
        // For each new time, scipy's `interp1d` (which xarray calls for N-D data): the
        // neighbours are lo = hi - 1 with hi the first time >= t (at least 1), so an
        // exact time still mixes in its left neighbour (a NaN there gives NaN); NaN
        // outside the original times.
        let n = old.len();
        let mut lo = Vec::with_capacity(new.len());
        let mut hi = Vec::with_capacity(new.len());
        let mut w = Vec::with_capacity(new.len());
        for &t in &new {
            if n == 1 || t < old[0] || t > old[n - 1] {
                lo.push(0);
                hi.push(0);
                w.push(if n == 1 && t == old[0] { 0.0 } else { f64::NAN });
                continue;
            }
            let j = old.partition_point(|&x| x < t).clamp(1, n - 1);
            lo.push(j - 1);
            hi.push(j);
            w.push((t - old[j - 1]) as f64 / (old[j] - old[j - 1]) as f64);
        }
        let labels = self.groups.labels.clone();
        let mut vars = IndexMap::new();
        for (name, var) in ds.variables() {
            let new_var = if name == dim && var.ndim() == 1 {
                var.replace(vec![dim.to_string()], labels.clone())
            } else if let Some(axis) = var.axis_of(dim) {
                let x = var.data();
                if !(x.dtype().is_float() || x.dtype().is_integer()) {
                    return Err(Error::UnsupportedDType {
                        op: format!("interpolate of variable {name:?}"),
                        dtype: x.dtype(),
                    });
                }
                let (y0, y1) = (x.take(axis, &lo)?, x.take(axis, &hi)?);
                let mut shape = vec![1; var.ndim()];
                shape[axis] = new.len();
                let weights = Data::Eager(NdArray::from_shape_vec(&shape, w.clone())?);
                let y = y1
                    .binary(&y0, BinaryOp::Sub)?
                    .binary(&weights, BinaryOp::Mul)?
                    .binary(&y0, BinaryOp::Add)?;
                var.replace(var.dims().to_vec(), y)
            } else {
                var.clone()
            };
            vars.insert(name.clone(), new_var);
        }
        let coord_names: IndexSet<String> = ds.coords().map(|(k, _)| k.clone()).collect();
        self.finish(Dataset::from_parts(vars, coord_names, ds.attrs().clone())?)
    }

    /// The object without the coordinates along the resampled dim (but the dim's own).
    fn without_dim_coords(&self) -> Result<Dataset> {
        let dim = self.resampled.as_deref().ok_or_else(|| {
            Error::invalid_argument(
                "method",
                format!(
                    "upsampling needs groups made by `resample`, not a groupby of {:?}",
                    self.groups.name
                ),
            )
        })?;
        let drop: Vec<&str> = self
            .obj
            .coords()
            .filter(|(k, c)| *k != dim && c.dims().iter().any(|d| d == dim))
            .map(|(k, _)| k.as_str())
            .collect();
        self.obj.drop_vars(&drop)
    }

    /// The original and the new times, as ticks.
    fn times(&self, ds: &Dataset) -> Result<(Vec<i64>, Vec<i64>)> {
        let dim = self.groups.dim.as_str();
        let ticks = |a: &NdArray| match a {
            NdArray::DateTime(t, _) => Ok(t.iter().copied().collect::<Vec<i64>>()),
            other => Err(Error::invalid_argument(
                "dim",
                format!(
                    "upsampling {dim:?} needs datetimes, found {}",
                    other.dtype()
                ),
            )),
        };
        let old = ticks(&ds.variable(dim)?.data().compute()?)?;
        if old.windows(2).any(|p| p[0] >= p[1]) {
            return Err(Error::invalid_argument(
                "dim",
                format!("upsampling needs strictly increasing times along {dim:?}"),
            ));
        }
        Ok((old, ticks(&self.groups.labels)?))
    }

    fn reindexed(&self, method: Method) -> Result<T> {
        let ds = self.without_dim_coords()?;
        let dim = self.groups.dim.as_str();
        self.times(&ds)?;
        let target = Index::new(dim, self.groups.labels.clone())?;
        self.finish(ds.reindex_one(dim, &target, None, Some(method))?)
    }
}
