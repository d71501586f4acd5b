//! Missing data, as xarray treats it: `isnull`/`notnull`, `fillna` (a scalar, an
//! aligned DataArray, or per variable), `ffill`/`bfill` along a dim (with `limit`), and
//! `dropna` along a dim ([`How`], `thresh`), on [`Variable`], [`DataArray`] and
//! [`Dataset`]. Null means NaN for floats and NaT for datetimes and timedeltas
//! ([`NAT`](crate::time::NAT) ticks); integers, bools and strings are never null. Lazy data stays lazy: `ffill`/`bfill` carry the last valid
//! value from chunk to chunk without a rechunk, and `dropna` computes only the count of
//! valid values along the dim before it selects lazily.
//!
//! ```
//! use xr::dataset::How;
//! use xr::DataArray;
//! # fn main() -> xr::Result<()> {
//! let nan = f64::NAN;
//! let a = DataArray::new(ndarray::array![1.0, nan, nan, 4.0].into_dyn(), &["time"])?;
//! assert_eq!(a.isnull()?.values().to_f64_vec()?, [0.0, 1.0, 1.0, 0.0]);
//! assert_eq!(a.fillna(0.0)?.values().to_f64_vec()?, [1.0, 0.0, 0.0, 4.0]);
//! let ff = a.ffill("time", Some(1))?.values().to_f64_vec()?;
//! assert_eq!(ff[..2], [1.0, 1.0]);
//! assert!(ff[2].is_nan());
//! assert_eq!(a.bfill("time", None)?.values().to_f64_vec()?, [1.0, 4.0, 4.0, 4.0]);
//! assert_eq!(a.dropna("time", How::Any, None)?.values().to_f64_vec()?, [1.0, 4.0]);
//! # Ok(())
//! # }
//! ```

use std::fmt;

use super::align::{align, align_arrays, broadcast_dims};
use super::data_array::UNNAMED;
use super::shift::{check_array_dims, check_dataset_dims, name_error, via_dataset};
use super::{DataArray, Dataset, Indexer, Join, Variable};
use crate::array::kernels::{self, BinaryOp, Direction, ReduceParams, Reduction};
use crate::array::{DType, Scalar};
use crate::error::{Error, Result};
use crate::lazy::Data;

/// Which labels [`Dataset::dropna`] drops (xarray's `how`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum How {
    /// Labels where any value is null.
    #[default]
    Any,
    /// Labels where every value is null.
    All,
}

impl fmt::Display for How {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            How::Any => "any",
            How::All => "all",
        })
    }
}

/// True for dtypes that have a null value (NaN, NaT).
fn has_nulls(dtype: DType) -> bool {
    dtype.is_float() || matches!(dtype, DType::DateTime(_) | DType::TimeDelta)
}

/// The dtype of `fillna(value)` on data of `dtype`: numpy's rule for a Python scalar
/// (an integer fill keeps integers, a float fill makes them `f64`, `f32` stays `f32`).
fn fill_dtype(dtype: DType, value: &Scalar) -> Result<DType> {
    let ok = match (dtype, value) {
        (DType::DateTime(a), Scalar::DateTime(_, b)) => a == *b,
        (DType::DateTime(_), _) | (_, Scalar::DateTime(..)) => false,
        (DType::TimeDelta, Scalar::TimeDelta(_)) => true,
        (DType::TimeDelta, _) | (_, Scalar::TimeDelta(_)) => false,
        (DType::Str, _) | (_, Scalar::Str(_)) => dtype == DType::Str,
        _ => true,
    };
    if !ok {
        return Err(Error::invalid_argument(
            "value",
            format!("cannot fill missing values of dtype {dtype} with {value:?}"),
        ));
    }
    Ok(kernels::weak_scalar_dtype(dtype, value))
}

impl Variable {
    /// True where the values are null (NaN, NaT); false everywhere for integers,
    /// bools and strings. Dims, attrs and chunks are kept.
    ///
    /// # Errors
    /// Not for valid variables; fallible like every elementwise operation.
    pub fn isnull(&self) -> Result<Variable> {
        Ok(self.computed(self.dims().to_vec(), self.data().isnull()?))
    }

    /// True where the values are not null; see [`Variable::isnull`].
    ///
    /// # Errors
    /// As [`Variable::isnull`].
    pub fn notnull(&self) -> Result<Variable> {
        Ok(self.computed(self.dims().to_vec(), self.data().notnull()?))
    }

    /// Replaces nulls by `value`; see [`DataArray::fillna`] for the dtype.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming `value` when it does not fit the dtype (a
    /// datetime of another calendar, a number for datetimes, timedeltas or strings).
    pub fn fillna(&self, value: &Scalar) -> Result<Variable> {
        let dtype = fill_dtype(self.dtype(), value)?;
        let data = self.data().astype(dtype)?;
        let out = if has_nulls(dtype) {
            let value = value.clone();
            data.map_elementwise(dtype, move |b| kernels::fill_null(b, &value))?
        } else {
            data
        };
        Ok(self.computed(self.dims().to_vec(), out))
    }

    /// Fills nulls along `dim` from the nearest valid value before them
    /// ([`Direction::Forward`]) or after them, at most `limit` positions away.
    ///
    /// # Errors
    /// [`Error::DimNotFound`] when the variable lacks `dim`.
    pub fn push_dim(&self, dim: &str, limit: Option<usize>, dir: Direction) -> Result<Variable> {
        let op = match dir {
            Direction::Forward => "ffill",
            Direction::Backward => "bfill",
        };
        let axis = self.require_axis(dim, op)?;
        Ok(self.computed(self.dims().to_vec(), self.data().push(axis, limit, dir)?))
    }
}

impl Dataset {
    fn map_data(&self, mut f: impl FnMut(&str, &Variable) -> Result<Variable>) -> Result<Dataset> {
        self.map_variables(|name, v| {
            let out = if self.is_coord(name) {
                v.clone()
            } else {
                f(name, v).map_err(|e| name_error(e, name))?
            };
            Ok(Some((name.to_string(), out)))
        })
    }

    /// True where the data variables are null (xarray's `isnull`); coordinates and
    /// attrs are kept.
    ///
    /// # Errors
    /// Not for valid datasets; fallible like every elementwise operation.
    pub fn isnull(&self) -> Result<Dataset> {
        self.map_data(|_, v| v.isnull())
    }

    /// True where the data variables are not null (xarray's `notnull`).
    ///
    /// # Errors
    /// As [`Dataset::isnull`].
    pub fn notnull(&self) -> Result<Dataset> {
        self.map_data(|_, v| v.notnull())
    }

    /// Replaces the nulls of every data variable by `value` (xarray's `fillna` with a
    /// scalar); see [`DataArray::fillna`] for the dtype.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming `value` when it does not fit a variable's dtype.
    pub fn fillna(&self, value: impl Into<Scalar>) -> Result<Dataset> {
        let value = value.into();
        self.map_data(|_, v| v.fillna(&value))
    }

    /// Replaces the nulls of the named data variables, each by its own value (xarray's
    /// `fillna` with a dict); the other variables are kept as they are.
    ///
    /// # Errors
    /// [`Error::VarNotFound`] naming a key that is not a data variable;
    /// [`Error::InvalidArgument`] naming `value` when a value does not fit its variable.
    pub fn fillna_map(&self, values: &[(&str, Scalar)]) -> Result<Dataset> {
        for (name, _) in values {
            if self.is_coord(name) || !self.variables().contains_key(*name) {
                return Err(Error::VarNotFound {
                    name: name.to_string(),
                    context: "the data variables of the Dataset (fillna)".into(),
                    available: self.data_vars().map(|(k, _)| k.clone()).collect(),
                });
            }
        }
        self.map_data(|name, v| match values.iter().find(|(k, _)| *k == name) {
            Some((_, value)) => v.fillna(value),
            None => Ok(v.clone()),
        })
    }

    /// Replaces the nulls of every data variable by the values of `other`, aligned to
    /// the dataset's indexes (a left join) and broadcast by dim name; see
    /// [`DataArray::fillna_with`].
    ///
    /// # Errors
    /// As [`DataArray::fillna_with`], naming the variable.
    pub fn fillna_with(&self, other: &DataArray) -> Result<Dataset> {
        let aligned = align(&[self.clone(), other.to_dataset()], Join::Left)?;
        let (Some(ds), Some(o)) = (aligned.first(), aligned.get(1)) else {
            return Err(Error::internal("align returned fewer objects than given"));
        };
        let other = DataArray::from_dataset(o, other.name().unwrap_or(UNNAMED))?;
        let mut out = ds.clone();
        for (name, _) in ds.data_vars() {
            let filled = ds
                .get(name)?
                .fillna_with(&other)
                .map_err(|e| name_error(e, name))?;
            for (k, v) in filled.coords() {
                if !out.variables().contains_key(k) {
                    out.insert(k.clone(), v.clone(), true)?;
                }
            }
            out.insert(name.clone(), filled.variable().clone(), false)?;
        }
        Ok(out)
    }

    fn push(&self, dim: &str, limit: Option<usize>, dir: Direction) -> Result<Dataset> {
        check_dataset_dims(self, [dim])?;
        self.map_data(|_, v| match v.axis_of(dim) {
            Some(_) => v.push_dim(dim, limit, dir),
            None => Ok(v.clone()),
        })
    }

    /// Fills the nulls of the data variables along `dim` with the last valid value
    /// before them, at most `limit` positions away (xarray's `ffill`). Lazy data keeps
    /// its chunks: the last valid value is carried from chunk to chunk.
    ///
    /// # Errors
    /// [`Error::DimNotFound`] naming `dim`.
    pub fn ffill(&self, dim: &str, limit: Option<usize>) -> Result<Dataset> {
        self.push(dim, limit, Direction::Forward)
    }

    /// Fills the nulls of the data variables along `dim` with the next valid value
    /// after them, at most `limit` positions away (xarray's `bfill`); see
    /// [`Dataset::ffill`].
    ///
    /// # Errors
    /// [`Error::DimNotFound`] naming `dim`.
    pub fn bfill(&self, dim: &str, limit: Option<usize>) -> Result<Dataset> {
        self.push(dim, limit, Direction::Backward)
    }

    /// Drops the labels along `dim` where the data variables hold nulls (xarray's
    /// `dropna`): with `thresh`, those with fewer than `thresh` valid values (over
    /// every data variable with `dim`, and their other dims); otherwise those where
    /// any value ([`How::Any`]) or every value ([`How::All`]) is null. Lazy data is
    /// counted first (one computation of the valid counts), then selected lazily.
    ///
    /// # Errors
    /// [`Error::DimNotFound`] naming `dim`.
    pub fn dropna(&self, dim: &str, how: How, thresh: Option<usize>) -> Result<Dataset> {
        check_dataset_dims(self, [dim])?;
        let len = self.dim_size(dim)?;
        let mut count: Option<Data> = None;
        let mut size = 0usize;
        for (name, v) in self.data_vars() {
            let Some(axis) = v.axis_of(dim) else {
                continue;
            };
            let others: Vec<usize> = (0..v.ndim()).filter(|&a| a != axis).collect();
            size += others.iter().map(|&a| v.shape()[a]).product::<usize>();
            let valid = v
                .data()
                .notnull()?
                .astype(DType::I64)?
                .reduce(&others, Reduction::Sum, ReduceParams::new(None, 0))
                .map_err(|e| name_error(e, name))?;
            count = Some(match count {
                None => valid,
                Some(c) => c.binary(&valid, BinaryOp::Add)?,
            });
        }
        let count = match count {
            Some(c) => c.compute()?.to_f64_vec()?,
            None => vec![0.0; len],
        };
        #[allow(clippy::cast_precision_loss)]
        let keep = |c: f64| match (thresh, how) {
            (Some(t), _) => c >= t as f64,
            (None, How::Any) => c == size as f64,
            (None, How::All) => c > 0.0,
        };
        let mask: Vec<bool> = count.into_iter().map(keep).collect();
        if mask.iter().all(|&k| k) {
            return Ok(self.clone());
        }
        self.isel(&[(dim, Indexer::Mask(mask))])
    }
}

impl DataArray {
    /// True where the values are null: NaN for floats, NaT for datetimes and
    /// timedeltas; false
    /// everywhere for integers, bools and strings (xarray's `isnull`). Name,
    /// coordinates and attrs are kept.
    ///
    /// # Errors
    /// Not for valid arrays; fallible like every elementwise operation.
    pub fn isnull(&self) -> Result<DataArray> {
        self.with_variable(self.variable().isnull()?)
    }

    /// True where the values are not null (xarray's `notnull`).
    ///
    /// # Errors
    /// As [`DataArray::isnull`].
    pub fn notnull(&self) -> Result<DataArray> {
        self.with_variable(self.variable().notnull()?)
    }

    /// Replaces nulls by `value` (xarray's `fillna` with a scalar). The dtype is
    /// numpy's for an array and a Python scalar: an integer value keeps an integer
    /// array as it is, a float value makes it `f64`; `f32` stays `f32`. A datetime
    /// array takes a datetime of its calendar, a timedelta array a timedelta
    /// ([`Scalar::TimeDelta`]).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming `value` when it does not fit the dtype.
    pub fn fillna(&self, value: impl Into<Scalar>) -> Result<DataArray> {
        let v = self
            .variable()
            .fillna(&value.into())
            .map_err(|e| name_error(e, &self.display_name()))?;
        self.with_variable(v)
    }

    /// Replaces nulls by the values of `other` at the same labels (xarray's `fillna`
    /// with a DataArray): `other` is aligned to this array's indexes (a left join:
    /// labels it lacks fill nothing) and broadcast by dim name (its extra dims are
    /// added after this array's). The dtype is the promotion of both; the name, attrs
    /// and coordinates are this array's (with `other`'s for its extra dims).
    ///
    /// # Errors
    /// [`Error::Alignment`] or [`Error::DimSizeConflict`] naming the dim;
    /// [`Error::DTypeMismatch`] when the dtypes cannot meet.
    pub fn fillna_with(&self, other: &DataArray) -> Result<DataArray> {
        let aligned = align_arrays(&[self, other], Join::Left)?;
        let (Some(me), Some(fill)) = (aligned.first(), aligned.get(1)) else {
            return Err(Error::internal("align returned fewer objects than given"));
        };
        let (dims, sizes) = broadcast_dims(&[me.variable(), fill.variable()])?;
        let var = me.variable().set_dims(&dims, &sizes)?;
        let values = fill.variable().set_dims(&dims, &sizes)?;
        let dtype = var
            .dtype()
            .promote(values.dtype())
            .ok_or_else(|| Error::DTypeMismatch {
                what: format!(
                    "fillna of {} with {}",
                    self.context_name(),
                    other.context_name()
                ),
                left: var.dtype(),
                right: values.dtype(),
            })?;
        let data = Data::select(
            &var.data().notnull()?,
            &var.data().astype(dtype)?,
            &values.data().astype(dtype)?,
        )?;
        let mut coords = me.coords().clone();
        for (k, v) in fill.coords() {
            coords.entry(k.clone()).or_insert_with(|| v.clone());
        }
        DataArray::from_parts(
            self.name().map(str::to_string),
            var.computed(dims, data),
            coords,
        )
    }

    fn context_name(&self) -> String {
        format!("DataArray {}", self.display_name())
    }

    /// Fills nulls along `dim` with the last valid value before them, at most `limit`
    /// positions away; see [`Dataset::ffill`].
    ///
    /// # Errors
    /// [`Error::DimNotFound`] naming `dim`.
    pub fn ffill(&self, dim: &str, limit: Option<usize>) -> Result<DataArray> {
        check_array_dims(self, [dim])?;
        via_dataset(self, |ds| ds.ffill(dim, limit))
    }

    /// Fills nulls along `dim` with the next valid value after them, at most `limit`
    /// positions away; see [`Dataset::bfill`].
    ///
    /// # Errors
    /// [`Error::DimNotFound`] naming `dim`.
    pub fn bfill(&self, dim: &str, limit: Option<usize>) -> Result<DataArray> {
        check_array_dims(self, [dim])?;
        via_dataset(self, |ds| ds.bfill(dim, limit))
    }

    /// Drops the labels along `dim` with nulls; see [`Dataset::dropna`].
    ///
    /// # Errors
    /// [`Error::DimNotFound`] naming `dim`.
    pub fn dropna(&self, dim: &str, how: How, thresh: Option<usize>) -> Result<DataArray> {
        check_array_dims(self, [dim])?;
        via_dataset(self, |ds| ds.dropna(dim, how, thresh))
    }
}
