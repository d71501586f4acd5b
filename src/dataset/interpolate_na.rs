//! Filling gaps of missing values by interpolation along a dim (xarray's
//! `interpolate_na` with `use_coordinate=True`), on [`DataArray`] and [`Dataset`].
//!
//! The values are interpolated against the dim's coordinate: numbers as they are,
//! datetimes of every calendar as nanoseconds since 1970-01-01 of their calendar (as
//! xarray does for `DatetimeIndex` and `CFTimeIndex`); a dim without a coordinate
//! counts positions 0, 1, 2, …. `limit` fills at most that many nulls of each gap,
//! counted from the valid value before it; `max_gap` fills only gaps whose valid
//! neighbours are at most that far apart in the coordinate (a [`TimeDelta`] for
//! datetimes). Nulls before the first and after the last valid value stay null (no
//! extrapolation). Integers and bools have no nulls and keep their values; like
//! xarray, they come back as `f64` when `limit` or `max_gap` is given. Datetime and
//! timedelta data (NaT their nulls) are interpolated on their ticks, rounded to the
//! nearest tick: xarray's `nearest` gives the same, its `linear` refuses them (numpy
//! will not cast them to floats), which this extends.
//!
//! Lazy data stays lazy; as xarray needs the dim unchunked in dask arrays, the dim is
//! gathered into one chunk per block of the other dims (which keep their chunks).
//!
//! ```
//! use xr::dataset::InterpMethod;
//! use xr::DataArray;
//! # fn main() -> xr::Result<()> {
//! let nan = f64::NAN;
//! let a = DataArray::new(ndarray::array![nan, 1.0, nan, nan, 4.0, nan].into_dyn(), &["x"])?
//!     .with_coord("x", &["x"], ndarray::array![0.0, 1.0, 2.0, 3.0, 4.0, 5.0].into_dyn())?;
//! let v = a.interpolate_na("x", InterpMethod::Linear, None, None)?.values().to_f64_vec()?;
//! assert_eq!(v[1..5], [1.0, 2.0, 3.0, 4.0]);
//! assert!(v[0].is_nan() && v[5].is_nan());
//! # Ok(())
//! # }
//! ```

use std::cmp::Ordering;

use super::shift::{check_array_dims, check_dataset_dims, name_error, via_dataset};
use super::{DataArray, Dataset, Variable};
pub use crate::array::kernels::InterpMethod;
use crate::array::{DType, NdArray};
use crate::error::{Error, Result};
use crate::time::TimeDelta;

/// The largest gap [`Dataset::interpolate_na`] fills, measured in the dim's coordinate
/// from the last valid value before the gap to the first after it (xarray's
/// `max_gap`).
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum MaxGap {
    /// In the units of a numeric coordinate (or positions, without a coordinate).
    Value(f64),
    /// A duration, for a datetime coordinate.
    Duration(TimeDelta),
}

impl From<f64> for MaxGap {
    fn from(v: f64) -> Self {
        MaxGap::Value(v)
    }
}

impl From<TimeDelta> for MaxGap {
    fn from(d: TimeDelta) -> Self {
        MaxGap::Duration(d)
    }
}

/// Nanoseconds per tick of datetime arrays (microseconds).
const NS_PER_TICK: f64 = 1000.0;

/// The coordinate values to interpolate against along `dim` (of length `len`), and the
/// gap limit in their units.
fn interp_coordinate(
    ds: &Dataset,
    dim: &str,
    len: usize,
    max_gap: Option<MaxGap>,
) -> Result<(Vec<f64>, Option<f64>)> {
    let coord = ds
        .variables()
        .get(dim)
        .filter(|v| ds.is_coord(dim) && v.dims() == [dim]);
    let Some(coord) = coord else {
        return match max_gap {
            None => Ok(((0..len).map(|i| i as f64).collect(), None)),
            Some(_) => Err(Error::invalid_argument(
                "max_gap",
                format!(
                    "interpolate_na: max_gap needs a coordinate along {dim:?}, and there is none"
                ),
            )),
        };
    };
    let values = coord.values()?;
    let (x, datetime) = match &values {
        #[allow(clippy::cast_precision_loss)]
        NdArray::DateTime(t, _) => (
            t.iter().map(|&t| t as f64 * NS_PER_TICK).collect::<Vec<_>>(),
            true,
        ),
        v if v.dtype().is_numeric() => (v.to_f64_vec()?, false),
        v => {
            return Err(Error::invalid_argument(
                "dim",
                format!(
                    "interpolate_na: the coordinate {dim:?} has dtype {}; it must hold numbers or datetimes",
                    v.dtype()
                ),
            ))
        }
    };
    if let Some(i) = (1..x.len()).find(|&i| x[i].partial_cmp(&x[i - 1]) != Some(Ordering::Greater))
    {
        let reason = if x[i] == x[i - 1] {
            "has duplicate values"
        } else {
            "must be monotonically increasing"
        };
        return Err(Error::invalid_argument(
            "dim",
            format!("interpolate_na: the coordinate {dim:?} {reason} (at position {i})"),
        ));
    }
    #[allow(clippy::cast_precision_loss)]
    let gap = match (max_gap, datetime) {
        (None, _) => None,
        (Some(MaxGap::Value(v)), false) => Some(v),
        (Some(MaxGap::Duration(d)), true) => Some(d.as_microseconds() as f64 * NS_PER_TICK),
        (Some(g), _) => {
            return Err(Error::invalid_argument(
                "max_gap",
                format!(
                    "interpolate_na: {g:?} does not measure the coordinate {dim:?} of dtype {}: give {}",
                    values.dtype(),
                    if datetime { "a duration (MaxGap::Duration)" } else { "a number (MaxGap::Value)" }
                ),
            ))
        }
    };
    Ok((x, gap))
}

/// One variable interpolated along `axis`.
fn interpolate_variable(
    v: &Variable,
    axis: usize,
    x: &[f64],
    method: InterpMethod,
    limit: Option<usize>,
    max_gap: Option<f64>,
) -> Result<Variable> {
    let dtype = v.dtype();
    if dtype.is_integer() || dtype == DType::Bool {
        // No nulls to fill; xarray's masking by `limit` and `max_gap` makes floats.
        if limit.is_none() && max_gap.is_none() {
            return Ok(v.clone());
        }
        return Ok(v.computed(v.dims().to_vec(), v.data().astype(DType::F64)?));
    }
    let data = v.data().interpolate_na(axis, x, method, limit, max_gap)?;
    Ok(v.computed(v.dims().to_vec(), data))
}

impl Dataset {
    /// Fills the gaps of nulls of the data variables along `dim` by interpolating
    /// against its coordinate (xarray's `interpolate_na` with `use_coordinate=True`).
    /// Coordinates and variables without `dim` are kept as they are.
    ///
    /// The coordinate counts as numbers, datetimes of every calendar as nanoseconds
    /// since 1970-01-01 of their calendar (as xarray does for `DatetimeIndex` and
    /// `CFTimeIndex`); without a coordinate, positions 0, 1, 2, … count. `method` is
    /// linear or nearest; `limit` fills at most that many nulls of each gap, counted
    /// from the valid value before it; `max_gap` fills only gaps whose valid
    /// neighbours are at most that far apart in the coordinate (a duration for
    /// datetimes). Nulls before the first and after the last valid value stay null (no
    /// extrapolation). Integers and bools have no nulls and keep their values; like
    /// xarray, they come back as `f64` when `limit` or `max_gap` is given. Datetimes
    /// and timedeltas (NaT their nulls) are interpolated on their ticks, rounded to
    /// the nearest tick (xarray's `linear` refuses them).
    ///
    /// Lazy data stays lazy, and `dim` is gathered into one chunk per block of the
    /// other dims, which keep their chunks (xarray needs the dim unchunked in dask
    /// arrays and fails otherwise).
    ///
    /// # Errors
    /// [`Error::DimNotFound`] naming `dim`; [`Error::InvalidArgument`] naming `dim`
    /// for a coordinate that is not numbers or datetimes or not strictly increasing,
    /// and naming `max_gap` when it does not fit the coordinate;
    /// [`Error::UnsupportedDType`] naming a data variable of strings.
    pub fn interpolate_na(
        &self,
        dim: &str,
        method: InterpMethod,
        limit: Option<usize>,
        max_gap: Option<MaxGap>,
    ) -> Result<Dataset> {
        check_dataset_dims(self, [dim])?;
        let (x, gap) = interp_coordinate(self, dim, self.dim_size(dim)?, max_gap)?;
        self.map_variables(|name, v| {
            let out = match v.axis_of(dim) {
                Some(axis) if !self.is_coord(name) => {
                    interpolate_variable(v, axis, &x, method, limit, gap)
                        .map_err(|e| name_error(e, name))?
                }
                _ => v.clone(),
            };
            Ok(Some((name.to_string(), out)))
        })
    }
}

impl DataArray {
    /// Fills the gaps of nulls along `dim` by interpolating against its coordinate;
    /// see [`Dataset::interpolate_na`].
    ///
    /// # Errors
    /// As [`Dataset::interpolate_na`].
    pub fn interpolate_na(
        &self,
        dim: &str,
        method: InterpMethod,
        limit: Option<usize>,
        max_gap: Option<MaxGap>,
    ) -> Result<DataArray> {
        check_array_dims(self, [dim])?;
        via_dataset(self, |ds| ds.interpolate_na(dim, method, limit, max_gap))
    }
}
