//! Calculus along a coordinate (xarray's `differentiate` and `integrate`), on
//! [`DataArray`] and [`Dataset`].
//!
//! `differentiate` is numpy's `gradient` with `edge_order=1`: second-order central
//! differences inside (on the coordinate's own, possibly uneven, spacing), one-sided
//! differences at the two ends. `integrate` is the trapezoidal rule, NaN spreading to
//! the whole lane (xarray does not skip NaN here). Integers give floats; `differentiate`
//! keeps `f32`, `integrate` gives `f64` (numpy's promotions). The results drop the
//! variables' attrs, as xarray's do.
//!
//! A datetime coordinate counts in `datetime_unit` (numpy's codes `"W"`, `"D"`, `"h"`,
//! `"m"`, `"s"`, `"ms"`, `"us"`, `"ns"`); without one, in nanoseconds on the standard
//! and proleptic Gregorian calendars (numpy's datetimes) and in seconds on the others
//! (cftime's), as in xarray.
//!
//! Lazy data stays lazy and keeps its chunks: the differences are shifted slices of
//! the data (a halo of one position from the neighbouring chunk), and the integral is
//! a tree reduction.
//!
//! ```
//! use xr::DataArray;
//! # fn main() -> xr::Result<()> {
//! let a = DataArray::new(vec![0.0, 1.0, 4.0, 9.0], &["x"])?.with_coord("x", &["x"], vec![0.0, 1.0, 2.0, 3.0])?;
//! assert_eq!(a.differentiate("x")?.values().to_f64_vec()?, [1.0, 2.0, 4.0, 5.0]);
//! assert_eq!(a.integrate("x")?.values().to_f64_vec()?, [9.5]);
//! # Ok(())
//! # }
//! ```

use indexmap::{IndexMap, IndexSet};

use super::shift::{name_error, via_dataset};
use super::{DataArray, Dataset, Variable};
use crate::array::kernels::{BinaryOp, ReduceParams, Reduction};
use crate::array::{DType, NdArray};
use crate::error::{Error, Result};
use crate::lazy::Data;
use crate::time::{Calendar, NAT};

/// Nanoseconds in one `unit` (numpy's datetime unit codes).
fn unit_nanos(unit: &str) -> Result<i64> {
    Ok(match unit {
        "W" => 7 * 86_400_000_000_000,
        "D" => 86_400_000_000_000,
        "h" => 3_600_000_000_000,
        "m" => 60_000_000_000,
        "s" => 1_000_000_000,
        "ms" => 1_000_000,
        "us" => 1_000,
        "ns" => 1,
        other => {
            return Err(Error::invalid_argument(
                "datetime_unit",
                format!(
                    "unknown datetime unit {other:?}; use one of \"W\", \"D\", \"h\", \"m\", \"s\", \"ms\", \"us\", \"ns\""
                ),
            ))
        }
    })
}

/// The earliest of datetime ticks, NaT aside (0 when there is none).
pub(super) fn earliest(ticks: impl Iterator<Item = i64>) -> i64 {
    ticks.filter(|&v| v != NAT).min().unwrap_or(0)
}

/// True for the calendars xarray holds as numpy datetimes (the others are cftime).
pub(super) fn numpy_calendar(calendar: Calendar) -> bool {
    matches!(calendar, Calendar::Standard | Calendar::ProlepticGregorian)
}

/// A coordinate's values as numbers: datetimes (microsecond ticks) as time after
/// `offset` (the earliest value when `None`) in `unit` (nanoseconds on numpy's
/// calendars, seconds on cftime's when `None`), rounded as xarray's
/// `datetime_to_numeric` rounds.
#[allow(clippy::cast_precision_loss)]
pub(super) fn coord_numbers(
    values: &NdArray,
    offset: Option<i64>,
    unit: Option<&str>,
    what: &str,
) -> Result<Vec<f64>> {
    match values {
        NdArray::DateTime(t, cal) => {
            let base = i128::from(offset.unwrap_or_else(|| earliest(t.iter().copied())));
            let since = |v: i64| (v != NAT).then(|| i128::from(v) - base);
            if numpy_calendar(*cal) {
                // timedelta64[ns] / timedelta64(1, unit)
                let per = unit_nanos(unit.unwrap_or("ns"))? as f64;
                Ok(t.iter()
                    .map(|&v| since(v).map_or(f64::NAN, |us| (us * 1000) as f64 / per))
                    .collect())
            } else {
                // cftime: total_seconds() * 1e6 microseconds, times (1 us / 1 unit).
                let factor = 1000.0 / unit_nanos(unit.unwrap_or("s"))? as f64;
                Ok(t.iter()
                    .map(|&v| since(v).map_or(f64::NAN, |us| factor * (us as f64 / 1e6 * 1e6)))
                    .collect())
            }
        }
        v if v.dtype().is_numeric() => v.to_f64_vec(),
        v => Err(Error::UnsupportedDType {
            op: format!("{what} (its coordinate must hold numbers or datetimes)"),
            dtype: v.dtype(),
        }),
    }
}

/// The 1-D coordinate `coord` of `ds` (a dim or non-dim coordinate, or a dim without
/// one: `0..n`), its dim and its values as numbers.
fn coordinate(
    ds: &Dataset,
    coord: &str,
    unit: Option<&str>,
    what: &str,
) -> Result<(String, Vec<f64>)> {
    if let Some(unit) = unit {
        unit_nanos(unit)?;
    }
    match ds.variables().get(coord) {
        Some(v) if v.ndim() == 1 => Ok((
            v.dims()[0].clone(),
            coord_numbers(&v.values()?, None, unit, &format!("{what} along {coord:?}"))?,
        )),
        Some(v) => Err(Error::invalid_argument(
            "coord",
            format!(
                "{what} needs a 1-D coordinate; {coord:?} has dims {:?}",
                v.dims()
            ),
        )),
        None => match ds.dims().get(coord) {
            #[allow(clippy::cast_precision_loss)]
            Some(&n) => Ok((coord.to_string(), (0..n).map(|i| i as f64).collect())),
            None => Err(Error::VarNotFound {
                name: coord.to_string(),
                context: format!("the coordinates of a Dataset ({what})"),
                available: ds.coord_names().iter().cloned().collect(),
            }),
        },
    }
}

/// A 1-D array of `values` along `axis` of an `ndim`-dim array, to broadcast.
pub(super) fn along(axis: usize, ndim: usize, values: Vec<f64>) -> Result<Data> {
    let mut shape = vec![1; ndim];
    shape[axis] = values.len();
    Ok(Data::Eager(NdArray::from_shape_vec(&shape, values)?))
}

fn scalar(value: f64) -> Data {
    Data::Eager(NdArray::from(vec![value]))
}

/// numpy's `gradient(f, x, axis=axis, edge_order=1)`.
fn gradient(data: &Data, axis: usize, x: &[f64], dim: &str) -> Result<Data> {
    let n = x.len();
    if n < 2 {
        return Err(Error::invalid_argument(
            "coord",
            format!("differentiate needs at least 2 values along {dim:?}, it has {n}"),
        ));
    }
    let out_dtype = if data.dtype() == DType::F32 {
        DType::F32
    } else {
        DType::F64
    };
    // Differences are taken in the data's own float type (numpy's), the rest in f64.
    let f = if data.dtype().is_float() {
        data.clone()
    } else {
        data.astype(DType::F64)?
    };
    let ndim = f.ndim();
    let dx: Vec<f64> = x.windows(2).map(|w| w[1] - w[0]).collect();
    let uniform = dx.iter().all(|&d| d == dx[0]);
    let at = |start: usize, stop: usize| f.slice_axis(axis, start, stop, 1);
    let one_sided = |hi: usize, d: f64| -> Result<Data> {
        at(hi, hi + 1)?
            .binary(&at(hi - 1, hi)?, BinaryOp::Sub)?
            .astype(DType::F64)?
            .binary(&scalar(d), BinaryOp::Div)
    };
    let first = one_sided(1, dx[0])?;
    let last = one_sided(n - 1, dx[n - 2])?;
    let mut parts = vec![first];
    if n > 2 {
        let inner = if uniform {
            at(2, n)?
                .binary(&at(0, n - 2)?, BinaryOp::Sub)?
                .astype(DType::F64)?
                .binary(&scalar(2.0 * dx[0]), BinaryOp::Div)?
        } else {
            let (d1, d2) = (&dx[..n - 2], &dx[1..]);
            let a: Vec<f64> = d1
                .iter()
                .zip(d2)
                .map(|(&p, &q)| -q / (p * (p + q)))
                .collect();
            let b: Vec<f64> = d1
                .iter()
                .zip(d2)
                .map(|(&p, &q)| (q - p) / (p * q))
                .collect();
            let c: Vec<f64> = d1
                .iter()
                .zip(d2)
                .map(|(&p, &q)| p / (q * (p + q)))
                .collect();
            at(0, n - 2)?
                .astype(DType::F64)?
                .binary(&along(axis, ndim, a)?, BinaryOp::Mul)?
                .binary(
                    &at(1, n - 1)?
                        .astype(DType::F64)?
                        .binary(&along(axis, ndim, b)?, BinaryOp::Mul)?,
                    BinaryOp::Add,
                )?
                .binary(
                    &at(2, n)?
                        .astype(DType::F64)?
                        .binary(&along(axis, ndim, c)?, BinaryOp::Mul)?,
                    BinaryOp::Add,
                )?
        };
        parts.push(inner);
    }
    parts.push(last);
    let out = Data::concatenate(axis, &parts)?.astype(out_dtype)?;
    keep_chunks(out, data)
}

/// `out` chunked as `like` (the slices and concatenation split chunks at the edges).
fn keep_chunks(out: Data, like: &Data) -> Result<Data> {
    match (&out, like.chunks()) {
        (Data::Lazy(l), Some(sizes)) => Ok(Data::Lazy(l.rechunk_sizes(sizes.to_vec())?)),
        _ => Ok(out),
    }
}

/// numpy's `trapezoid(y, x, axis=axis)` summed without skipping NaN (xarray's `trapz`).
fn trapezoid(data: &Data, axis: usize, x: &[f64]) -> Result<Data> {
    let n = x.len();
    let ndim = data.ndim();
    if n < 2 {
        let mut shape = data.shape().to_vec();
        shape.remove(axis);
        let zeros = NdArray::zeros(&shape, DType::F64)?;
        return Ok(match data {
            Data::Eager(_) => Data::Eager(zeros),
            Data::Lazy(_) => Data::Lazy(crate::lazy::LazyArray::from_array(
                zeros,
                &vec![0; shape.len()],
            )?),
        });
    }
    let y = if data.dtype().is_float() {
        data.clone()
    } else {
        data.astype(DType::F64)?
    };
    let pairs = y
        .slice_axis(axis, 1, n, 1)?
        .binary(&y.slice_axis(axis, 0, n - 1, 1)?, BinaryOp::Add)?
        .astype(DType::F64)?;
    let half_dx: Vec<f64> = x.windows(2).map(|w| (w[1] - w[0]) * 0.5).collect();
    along(axis, ndim, half_dx)?
        .binary(&pairs, BinaryOp::Mul)?
        .reduce(&[axis], Reduction::Sum, ReduceParams::new(Some(false), 0))
}

fn numeric(dtype: DType) -> bool {
    dtype.is_integer() || dtype.is_float()
}

impl Dataset {
    /// The derivative of the data variables along the 1-D coordinate `coord` (xarray's
    /// `differentiate` with `edge_order=1`); a datetime coordinate counts in
    /// nanoseconds (numpy calendars) or seconds (cftime calendars). Coordinates and
    /// data variables without `coord`'s dim are kept as they are.
    ///
    /// # Errors
    /// [`Error::VarNotFound`] naming `coord`; [`Error::InvalidArgument`] naming `coord`
    /// when it is not 1-D or has fewer than 2 values; [`Error::UnsupportedDType`]
    /// naming a data variable that is not numeric.
    pub fn differentiate(&self, coord: &str) -> Result<Dataset> {
        self.differentiate_impl(coord, None)
    }

    /// [`Dataset::differentiate`] with a datetime coordinate counted in `datetime_unit`
    /// (`"W"`, `"D"`, `"h"`, `"m"`, `"s"`, `"ms"`, `"us"`, `"ns"`): the derivative is
    /// per that unit.
    ///
    /// # Errors
    /// As [`Dataset::differentiate`]; [`Error::InvalidArgument`] naming
    /// `datetime_unit` for an unknown unit.
    pub fn differentiate_in(&self, coord: &str, datetime_unit: &str) -> Result<Dataset> {
        self.differentiate_impl(coord, Some(datetime_unit))
    }

    fn differentiate_impl(&self, coord: &str, unit: Option<&str>) -> Result<Dataset> {
        let (dim, x) = coordinate(self, coord, unit, "differentiate")?;
        self.map_variables(|name, v| {
            let Some(axis) = v.axis_of(&dim).filter(|_| !self.is_coord(name)) else {
                return Ok(Some((name.to_string(), v.clone())));
            };
            if !numeric(v.dtype()) {
                return Err(Error::UnsupportedDType {
                    op: format!("differentiate of variable {name:?}"),
                    dtype: v.dtype(),
                });
            }
            let out = gradient(v.data(), axis, &x, &dim).map_err(|e| name_error(e, name))?;
            Ok(Some((name.to_string(), Variable::new(v.dims(), out)?)))
        })
    }

    /// The integral of the data variables along the 1-D coordinate `coord` by the
    /// trapezoidal rule (xarray's `integrate`; NaN is not skipped); `coord`'s dim
    /// disappears with the coordinates along it. A datetime coordinate counts as in
    /// [`Dataset::differentiate`].
    ///
    /// # Errors
    /// As [`Dataset::differentiate`].
    pub fn integrate(&self, coord: &str) -> Result<Dataset> {
        self.integrate_impl(coord, None)
    }

    /// [`Dataset::integrate`] with a datetime coordinate counted in `datetime_unit`.
    ///
    /// # Errors
    /// As [`Dataset::differentiate_in`].
    pub fn integrate_in(&self, coord: &str, datetime_unit: &str) -> Result<Dataset> {
        self.integrate_impl(coord, Some(datetime_unit))
    }

    fn integrate_impl(&self, coord: &str, unit: Option<&str>) -> Result<Dataset> {
        let (dim, x) = coordinate(self, coord, unit, "integrate")?;
        let mut vars = IndexMap::new();
        let mut coords = IndexSet::new();
        for (name, v) in self.variables() {
            let Some(axis) = v.axis_of(&dim) else {
                vars.insert(name.clone(), v.clone());
                if self.is_coord(name) {
                    coords.insert(name.clone());
                }
                continue;
            };
            if self.is_coord(name) {
                continue;
            }
            if !numeric(v.dtype()) {
                return Err(Error::UnsupportedDType {
                    op: format!("integrate of variable {name:?}"),
                    dtype: v.dtype(),
                });
            }
            let out = trapezoid(v.data(), axis, &x).map_err(|e| name_error(e, name))?;
            let dims: Vec<&String> = v.dims().iter().filter(|d| **d != dim).collect();
            vars.insert(name.clone(), Variable::new(&dims, out)?);
        }
        Dataset::from_parts(vars, coords, self.attrs().clone())
    }
}

impl DataArray {
    /// The derivative along the 1-D coordinate `coord`; see [`Dataset::differentiate`].
    ///
    /// # Errors
    /// As [`Dataset::differentiate`].
    pub fn differentiate(&self, coord: &str) -> Result<DataArray> {
        self.check_numeric("differentiate")?;
        via_dataset(self, |ds| ds.differentiate(coord))
    }

    /// The derivative per `datetime_unit`; see [`Dataset::differentiate_in`].
    ///
    /// # Errors
    /// As [`Dataset::differentiate_in`].
    pub fn differentiate_in(&self, coord: &str, datetime_unit: &str) -> Result<DataArray> {
        self.check_numeric("differentiate")?;
        via_dataset(self, |ds| ds.differentiate_in(coord, datetime_unit))
    }

    /// The trapezoidal integral along the 1-D coordinate `coord`; see
    /// [`Dataset::integrate`].
    ///
    /// # Errors
    /// As [`Dataset::integrate`].
    pub fn integrate(&self, coord: &str) -> Result<DataArray> {
        self.check_numeric("integrate")?;
        via_dataset(self, |ds| ds.integrate(coord))
    }

    /// The integral with time counted in `datetime_unit`; see
    /// [`Dataset::integrate_in`].
    ///
    /// # Errors
    /// As [`Dataset::integrate_in`].
    pub fn integrate_in(&self, coord: &str, datetime_unit: &str) -> Result<DataArray> {
        self.check_numeric("integrate")?;
        via_dataset(self, |ds| ds.integrate_in(coord, datetime_unit))
    }

    fn check_numeric(&self, op: &str) -> Result<()> {
        if numeric(self.dtype()) {
            Ok(())
        } else {
            Err(Error::UnsupportedDType {
                op: format!("{op} of DataArray {}", self.display_name()),
                dtype: self.dtype(),
            })
        }
    }
}
