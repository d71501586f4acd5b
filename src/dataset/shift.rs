//! Moving values along a dimension: `shift` (fill with NA), `roll` (wrap around),
//! `diff` (n-th discrete difference, labelled by the upper end) and `pad` (constant,
//! edge, wrap, reflect), on [`Variable`], [`DataArray`] and [`Dataset`] with xarray's
//! semantics. Every one is slices and concatenations of the data, so lazy data stays
//! lazy and keeps its chunks.
//!
//! ```
//! use xr::{dataset::PadMode, DataArray};
//! # fn main() -> xr::Result<()> {
//! let a = DataArray::new(ndarray::array![1_i64, 2, 4, 7].into_dyn(), &["time"])?;
//! assert_eq!(a.shift(&[("time", 1)])?.values().to_f64_vec()?[1..], [1.0, 2.0, 4.0]);
//! assert_eq!(a.roll(&[("time", 1)], false)?.values().to_f64_vec()?, [7.0, 1.0, 2.0, 4.0]);
//! assert_eq!(a.diff("time", 1)?.values().to_f64_vec()?, [1.0, 2.0, 3.0]);
//! let p = a.pad(&[("time", (1, 1))], PadMode::Edge)?;
//! assert_eq!(p.values().to_f64_vec()?, [1.0, 1.0, 2.0, 4.0, 7.0, 7.0]);
//! # Ok(())
//! # }
//! ```

use std::fmt;

use super::data_array::UNNAMED;
use super::indexing::fill_for;
use super::{DataArray, Dataset, Variable};
use crate::array::kernels::{self, BinaryOp};
use crate::array::NdArray;
use crate::error::{Error, Result};
use crate::lazy::{Data, LazyArray};

/// How [`Dataset::pad`] fills the new positions (numpy's `pad` modes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PadMode {
    /// NA: NaN (integers and bools become `f64`), NaT for datetimes, `""` for strings.
    Constant,
    /// The edge value repeated.
    Edge,
    /// The values from the other end (periodic).
    Wrap,
    /// The values mirrored about the edge, the edge itself not repeated.
    Reflect,
}

impl fmt::Display for PadMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PadMode::Constant => "constant",
            PadMode::Edge => "edge",
            PadMode::Wrap => "wrap",
            PadMode::Reflect => "reflect",
        })
    }
}

/// An NA block: `shape` with `n` along `axis`, of the dtype NA promotes `dtype` to.
fn na_block(data: &Data, axis: usize, n: usize) -> Result<Data> {
    let (fill, dtype) = fill_for(data.dtype(), None)?;
    let mut shape = data.shape().to_vec();
    shape[axis] = n;
    let block = NdArray::full(&shape, &fill, dtype)?;
    match data {
        Data::Eager(_) => Ok(Data::Eager(block)),
        // Lazy in, lazy out, chunked as the data on the other dims.
        Data::Lazy(l) => {
            let mut sizes = l.chunks().to_vec();
            sizes[axis] = vec![n];
            Ok(Data::Lazy(
                LazyArray::from_array(block, &vec![0; shape.len()])?.rechunk_sizes(sizes)?,
            ))
        }
    }
}

/// The data cast to the dtype NA promotes it to.
fn na_dtype(data: &Data) -> Result<Data> {
    data.astype(fill_for(data.dtype(), None)?.1)
}

impl Variable {
    /// Shifts the values by `n` along `dim` (later for positive `n`), filling with NA
    /// (integers and bools become `f64`, as in xarray).
    ///
    /// # Errors
    /// [`Error::DimNotFound`] when the variable lacks `dim`.
    pub fn shift_dim(&self, dim: &str, n: isize) -> Result<Variable> {
        let axis = self.require_axis(dim, "shift")?;
        let data = self.data();
        let len = data.shape()[axis];
        let k = n.unsigned_abs().min(len);
        let out = if k == len {
            na_block(data, axis, len)?
        } else if n == 0 {
            return Ok(self.clone());
        } else if n > 0 {
            Data::concatenate(
                axis,
                &[
                    na_block(data, axis, k)?,
                    na_dtype(&data.slice_axis(axis, 0, len - k, 1)?)?,
                ],
            )?
        } else {
            Data::concatenate(
                axis,
                &[
                    na_dtype(&data.slice_axis(axis, k, len, 1)?)?,
                    na_block(data, axis, k)?,
                ],
            )?
        };
        Ok(self.replace(self.dims().to_vec(), out))
    }

    /// Rolls the values by `n` along `dim`: what falls off one end comes back at the
    /// other.
    ///
    /// # Errors
    /// [`Error::DimNotFound`] when the variable lacks `dim`.
    pub fn roll_dim(&self, dim: &str, n: isize) -> Result<Variable> {
        let axis = self.require_axis(dim, "roll")?;
        let data = self.data();
        let len = data.shape()[axis];
        let s = match isize::try_from(len) {
            Ok(l) if l > 0 => n.rem_euclid(l).unsigned_abs(),
            _ => 0,
        };
        if s == 0 {
            return Ok(self.clone());
        }
        let out = Data::concatenate(
            axis,
            &[
                data.slice_axis(axis, len - s, len, 1)?,
                data.slice_axis(axis, 0, len - s, 1)?,
            ],
        )?;
        Ok(self.replace(self.dims().to_vec(), out))
    }

    /// The `n`-th discrete difference along `dim` (`a[1:] - a[:-1]`, `n` times); `n`
    /// at least the length gives an empty dim, as in xarray.
    ///
    /// # Errors
    /// [`Error::DimNotFound`] when the variable lacks `dim`;
    /// [`Error::UnsupportedDType`] when the values cannot be subtracted.
    pub fn diff_dim(&self, dim: &str, n: usize) -> Result<Variable> {
        let axis = self.require_axis(dim, "diff")?;
        let mut data = self.data().clone();
        if n > 0 {
            let probe = NdArray::zeros(&[1], data.dtype())?;
            let dtype = kernels::binary(&probe, &probe, BinaryOp::Sub)?.dtype();
            data = data.astype(dtype)?;
        }
        for _ in 0..n {
            let len = data.shape()[axis];
            if len == 0 {
                break;
            }
            data = data
                .slice_axis(axis, 1, len, 1)?
                .binary(&data.slice_axis(axis, 0, len - 1, 1)?, BinaryOp::Sub)?;
        }
        Ok(self.computed(self.dims().to_vec(), data))
    }

    /// Pads `dim` with `before` and `after` new positions filled as `mode` says.
    ///
    /// # Errors
    /// [`Error::DimNotFound`] when the variable lacks `dim`; [`Error::InvalidArgument`]
    /// naming `pad_width` for `edge`, `wrap` or `reflect` on an empty dim.
    pub fn pad_dim(
        &self,
        dim: &str,
        (before, after): (usize, usize),
        mode: PadMode,
    ) -> Result<Variable> {
        let axis = self.require_axis(dim, "pad")?;
        let data = self.data();
        let len = data.shape()[axis];
        if before == 0 && after == 0 {
            return Ok(self.clone());
        }
        let out = if mode == PadMode::Constant {
            Data::concatenate(
                axis,
                &[
                    na_block(data, axis, before)?,
                    na_dtype(data)?,
                    na_block(data, axis, after)?,
                ],
            )?
        } else {
            if len == 0 {
                return Err(Error::invalid_argument(
                    "pad_width",
                    format!("cannot pad the empty dimension {dim:?} in mode {mode}"),
                ));
            }
            let source = |i: isize| pad_source(i, len, mode);
            let lo: Vec<usize> = (0..before)
                .map(|k| source(k as isize - before as isize))
                .collect();
            let hi: Vec<usize> = (0..after).map(|k| source((len + k) as isize)).collect();
            Data::concatenate(
                axis,
                &[data.take(axis, &lo)?, data.clone(), data.take(axis, &hi)?],
            )?
        };
        Ok(self.computed(self.dims().to_vec(), out))
    }
}

/// The position whose value lands at position `i` (negative: before the start) when a
/// dim of `len > 0` is padded in `mode` (not constant).
#[allow(clippy::cast_possible_wrap, clippy::cast_sign_loss)]
fn pad_source(i: isize, len: usize, mode: PadMode) -> usize {
    let n = len as isize;
    let k = match mode {
        PadMode::Wrap => i.rem_euclid(n),
        PadMode::Reflect if n > 1 => {
            let m = i.rem_euclid(2 * (n - 1));
            if m >= n {
                2 * (n - 1) - m
            } else {
                m
            }
        }
        _ => i.clamp(0, n - 1),
    };
    k as usize
}

pub(super) fn check_dataset_dims<'a>(
    ds: &Dataset,
    dims: impl IntoIterator<Item = &'a str>,
) -> Result<()> {
    let have = ds.dims();
    for d in dims {
        if !have.contains_key(d) {
            return Err(Error::DimNotFound {
                dim: d.to_string(),
                context: "Dataset".into(),
                available: have.keys().cloned().collect(),
            });
        }
    }
    Ok(())
}

pub(super) fn check_array_dims<'a>(
    da: &DataArray,
    dims: impl IntoIterator<Item = &'a str>,
) -> Result<()> {
    for d in dims {
        da.variable()
            .require_axis(d, &format!("DataArray {}", da.display_name()))?;
    }
    Ok(())
}

/// Applies a Dataset operation to the array's dataset and takes the array back.
pub(super) fn via_dataset(
    da: &DataArray,
    f: impl FnOnce(&Dataset) -> Result<Dataset>,
) -> Result<DataArray> {
    let name = da.name().unwrap_or(UNNAMED).to_string();
    DataArray::from_dataset(&f(&da.to_dataset())?, &name)
}

impl Dataset {
    /// Shifts the data variables by `n` along each dim (xarray's `shift`): positive
    /// `n` moves values to later positions; new positions hold NA (integers and bools
    /// become `f64`). Coordinates stay where they are.
    ///
    /// # Errors
    /// [`Error::DimNotFound`] naming a dim the dataset lacks.
    pub fn shift(&self, shifts: &[(&str, isize)]) -> Result<Dataset> {
        check_dataset_dims(self, shifts.iter().map(|(d, _)| *d))?;
        self.map_variables(|name, v| {
            let mut v = v.clone();
            if !self.is_coord(name) {
                for (d, n) in shifts {
                    if v.axis_of(d).is_some() {
                        v = v.shift_dim(d, *n)?;
                    }
                }
            }
            Ok(Some((name.to_string(), v)))
        })
    }

    /// Rolls the data variables by `n` along each dim (xarray's `roll`); the
    /// coordinates too when `roll_coords`.
    ///
    /// # Errors
    /// [`Error::DimNotFound`] naming a dim the dataset lacks.
    pub fn roll(&self, shifts: &[(&str, isize)], roll_coords: bool) -> Result<Dataset> {
        check_dataset_dims(self, shifts.iter().map(|(d, _)| *d))?;
        self.map_variables(|name, v| {
            let mut v = v.clone();
            if roll_coords || !self.is_coord(name) {
                for (d, n) in shifts {
                    if v.axis_of(d).is_some() {
                        v = v.roll_dim(d, *n)?;
                    }
                }
            }
            Ok(Some((name.to_string(), v)))
        })
    }

    /// The `n`-th discrete difference of the data variables along `dim` (xarray's
    /// `diff` with `label="upper"`): coordinates along `dim` keep their last `len - n`
    /// labels; `n` at least the length leaves `dim` empty.
    ///
    /// # Errors
    /// [`Error::DimNotFound`] naming `dim`; [`Error::UnsupportedDType`] or
    /// [`Error::DTypeMismatch`] naming a data variable that cannot be subtracted.
    pub fn diff(&self, dim: &str, n: usize) -> Result<Dataset> {
        check_dataset_dims(self, [dim])?;
        let len = self.dim_size(dim)?;
        let keep = n.min(len);
        self.map_variables(|name, v| {
            let out = match v.axis_of(dim) {
                None => v.clone(),
                Some(_) if !self.is_coord(name) => {
                    v.diff_dim(dim, n).map_err(|e| name_error(e, name))?
                }
                Some(axis) => {
                    v.replace(v.dims().to_vec(), v.data().slice_axis(axis, keep, len, 1)?)
                }
            };
            Ok(Some((name.to_string(), out)))
        })
    }

    /// Pads dims with `(before, after)` new positions (xarray's `pad`): data variables
    /// as `mode` says; coordinates on a padded dim the same way for `edge`, `wrap` and
    /// `reflect`, and with NA for `constant` (an integer coordinate becomes `f64`).
    ///
    /// # Errors
    /// [`Error::DimNotFound`] naming a dim the dataset lacks; [`Error::InvalidArgument`]
    /// naming `pad_width` for a non-constant mode on an empty dim.
    pub fn pad(&self, pad_width: &[(&str, (usize, usize))], mode: PadMode) -> Result<Dataset> {
        check_dataset_dims(self, pad_width.iter().map(|(d, _)| *d))?;
        self.map_variables(|name, v| {
            let mut v = v.clone();
            for (d, w) in pad_width {
                if v.axis_of(d).is_some() {
                    v = v.pad_dim(d, *w, mode)?;
                }
            }
            Ok(Some((name.to_string(), v)))
        })
    }
}

/// Puts the variable's name into a dtype error.
pub(super) fn name_error(e: Error, name: &str) -> Error {
    match e {
        Error::DTypeMismatch { what, left, right } => Error::DTypeMismatch {
            what: format!("{what} of variable {name:?}"),
            left,
            right,
        },
        Error::UnsupportedDType { op, dtype } => Error::UnsupportedDType {
            op: format!("{op} of variable {name:?}"),
            dtype,
        },
        other => other,
    }
}

impl DataArray {
    /// Shifts the values by `n` along each dim; see [`Dataset::shift`].
    ///
    /// # Errors
    /// [`Error::DimNotFound`] naming a dim the array lacks.
    pub fn shift(&self, shifts: &[(&str, isize)]) -> Result<DataArray> {
        check_array_dims(self, shifts.iter().map(|(d, _)| *d))?;
        via_dataset(self, |ds| ds.shift(shifts))
    }

    /// Rolls the values by `n` along each dim, and the coordinates when
    /// `roll_coords`; see [`Dataset::roll`].
    ///
    /// # Errors
    /// [`Error::DimNotFound`] naming a dim the array lacks.
    pub fn roll(&self, shifts: &[(&str, isize)], roll_coords: bool) -> Result<DataArray> {
        check_array_dims(self, shifts.iter().map(|(d, _)| *d))?;
        via_dataset(self, |ds| ds.roll(shifts, roll_coords))
    }

    /// The `n`-th discrete difference along `dim`; see [`Dataset::diff`].
    ///
    /// # Errors
    /// [`Error::DimNotFound`] naming `dim`; [`Error::UnsupportedDType`] for values that
    /// cannot be subtracted.
    pub fn diff(&self, dim: &str, n: usize) -> Result<DataArray> {
        check_array_dims(self, [dim])?;
        via_dataset(self, |ds| ds.diff(dim, n))
    }

    /// Pads dims; see [`Dataset::pad`].
    ///
    /// # Errors
    /// [`Error::DimNotFound`] naming a dim the array lacks; [`Error::InvalidArgument`]
    /// naming `pad_width` for a non-constant mode on an empty dim.
    pub fn pad(&self, pad_width: &[(&str, (usize, usize))], mode: PadMode) -> Result<DataArray> {
        check_array_dims(self, pad_width.iter().map(|(d, _)| *d))?;
        via_dataset(self, |ds| ds.pad(pad_width, mode))
    }
}
