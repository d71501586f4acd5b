//! The labels of the extremes along a dim (xarray's `idxmin` / `idxmax`): the position
//! of the minimum or maximum (an `argmin`/`argmax` of the aggregation table, blockwise on
//! chunked data) looked up in the dim's coordinate.
//!
//! As in xarray: with `skipna` (the default for floats) a lane of NaN only gives NaN
//! (NaT for datetime coordinates), and then integer coordinates come out as floats; the
//! result is named after the coordinate and keeps the array's attrs.
//!
//! ```
//! use xr::DataArray;
//! # fn main() -> xr::Result<()> {
//! let t = DataArray::new(ndarray::array![[1.0, f64::NAN], [3.0, f64::NAN], [0.5, f64::NAN]].into_dyn(), &["time", "x"])?
//!     .with_coord("time", &["time"], ndarray::array![10_i64, 20, 30].into_dyn())?;
//! let i = t.idxmax("time")?;
//! assert_eq!(i.name(), Some("time"));
//! assert_eq!(i.values().to_f64_vec()?[0], 20.0);
//! assert!(i.values().to_f64_vec()?[1].is_nan());
//! # Ok(())
//! # }
//! ```

use indexmap::{IndexMap, IndexSet};

use super::{DataArray, Dataset, Variable};
use crate::array::kernels::{BinaryOp, ReduceParams, Reduction};
use crate::array::{DType, NdArray, Scalar};
use crate::error::{Error, Result};
use crate::lazy::Data;
use crate::time::NAT;

impl DataArray {
    /// The label (coordinate value along `dim`) of the minimum along `dim`; the first
    /// one on ties. NaN is skipped for floats; an all-NaN lane gives NaN (NaT).
    ///
    /// # Errors
    /// [`Error::DimNotFound`] naming `dim` when the array lacks it;
    /// [`Error::InvalidArgument`] naming `dim` when it has no coordinate;
    /// [`Error::UnsupportedDType`] for string data.
    pub fn idxmin(&self, dim: &str) -> Result<DataArray> {
        self.idx_extreme(dim, Reduction::ArgMin, None)
    }

    /// The label of the maximum along `dim`, as [`idxmin`](Self::idxmin).
    ///
    /// # Errors
    /// As [`idxmin`](Self::idxmin).
    pub fn idxmax(&self, dim: &str) -> Result<DataArray> {
        self.idx_extreme(dim, Reduction::ArgMax, None)
    }

    /// [`idxmin`](Self::idxmin) skipping NaN or not: without, the first NaN of a lane
    /// is its minimum, as in numpy.
    ///
    /// # Errors
    /// As [`idxmin`](Self::idxmin).
    pub fn idxmin_skipna(&self, dim: &str, skipna: bool) -> Result<DataArray> {
        self.idx_extreme(dim, Reduction::ArgMin, Some(skipna))
    }

    /// [`idxmax`](Self::idxmax) skipping NaN or not.
    ///
    /// # Errors
    /// As [`idxmin`](Self::idxmin).
    pub fn idxmax_skipna(&self, dim: &str, skipna: bool) -> Result<DataArray> {
        self.idx_extreme(dim, Reduction::ArgMax, Some(skipna))
    }

    fn idx_extreme(&self, dim: &str, op: Reduction, skipna: Option<bool>) -> Result<DataArray> {
        let context = format!("{} of DataArray {}", idx_name(op), self.display_name());
        let var = idx_variable(
            self.variable(),
            self.coords().get(dim),
            dim,
            op,
            skipna,
            &context,
        )?;
        let coords: IndexMap<String, Variable> = self
            .coords()
            .iter()
            .filter(|(_, c)| !c.dims().iter().any(|d| d == dim))
            .map(|(k, c)| (k.clone(), c.clone()))
            .collect();
        DataArray::from_parts(Some(dim.to_string()), var, coords)
    }
}

impl Dataset {
    /// [`DataArray::idxmin`] of every data variable (each must have `dim`, as in xarray);
    /// coordinates along `dim` are dropped.
    ///
    /// # Errors
    /// As [`DataArray::idxmin`], naming the variable.
    pub fn idxmin(&self, dim: &str) -> Result<Dataset> {
        self.idx_extreme(dim, Reduction::ArgMin)
    }

    /// [`DataArray::idxmax`] of every data variable.
    ///
    /// # Errors
    /// As [`DataArray::idxmin`], naming the variable.
    pub fn idxmax(&self, dim: &str) -> Result<Dataset> {
        self.idx_extreme(dim, Reduction::ArgMax)
    }

    fn idx_extreme(&self, dim: &str, op: Reduction) -> Result<Dataset> {
        let coord = self.variables().get(dim).filter(|_| self.is_coord(dim));
        let mut vars = IndexMap::new();
        let mut coord_names = IndexSet::new();
        for (name, var) in self.variables() {
            if self.is_coord(name) {
                if !var.dims().iter().any(|d| d == dim) {
                    vars.insert(name.clone(), var.clone());
                    coord_names.insert(name.clone());
                }
                continue;
            }
            let context = format!("{} of variable {name:?}", idx_name(op));
            vars.insert(
                name.clone(),
                idx_variable(var, coord, dim, op, None, &context)?,
            );
        }
        Dataset::from_parts(vars, coord_names, self.attrs().clone())
    }
}

fn idx_name(op: Reduction) -> &'static str {
    if op == Reduction::ArgMin {
        "idxmin"
    } else {
        "idxmax"
    }
}

/// The labels in `coord` of `op` (argmin or argmax) of `var` along `dim`.
fn idx_variable(
    var: &Variable,
    coord: Option<&Variable>,
    dim: &str,
    op: Reduction,
    skipna: Option<bool>,
    context: &str,
) -> Result<Variable> {
    let axis = var.require_axis(dim, context)?;
    let coord = coord.ok_or_else(|| {
        Error::invalid_argument(
            "dim",
            format!("{context}: dim {dim:?} has no coordinate to take labels from"),
        )
    })?;
    let labels = coord.data().compute()?;
    let x = var.data();
    // As xarray: lanes of NaN only are given a position (0), then their label is NaN.
    let fill_na = x.dtype().is_float() && skipna.unwrap_or(true);
    let (x, all_na) = if fill_na {
        let is_nan = x.binary(x, BinaryOp::Ne)?;
        let all_na = is_nan.reduce(&[axis], Reduction::All, ReduceParams::default())?;
        let zero = Data::Eager(NdArray::full(&[], &Scalar::F64(0.0), x.dtype())?)
            .broadcast_to(x.shape())?;
        let mask = all_na.insert_axis(axis)?.broadcast_to(x.shape())?;
        let filled = Data::select(&mask, &zero, x)?;
        (filled, Some(all_na))
    } else {
        (x.clone(), None)
    };
    let idx = x.reduce(&[axis], op, ReduceParams::new(skipna, 0))?;
    let label_dtype = labels.dtype();
    let taken = idx.map_elementwise(label_dtype, move |block| {
        let positions: Vec<usize> = block
            .to_f64_vec()?
            .into_iter()
            .map(|p| p as usize)
            .collect();
        labels.take(0, &positions)?.reshape(block.shape())
    })?;
    let data = match all_na {
        None => taken,
        Some(all_na) => {
            let (taken, fill) = match label_dtype {
                DType::DateTime(cal) => (taken, Scalar::DateTime(NAT, cal)),
                DType::F32 | DType::F64 => (taken, Scalar::F64(f64::NAN)),
                d if d.is_integer() || d == DType::Bool => {
                    (taken.astype(DType::F64)?, Scalar::F64(f64::NAN))
                }
                d => {
                    return Err(Error::UnsupportedDType {
                        op: format!("{context}: missing labels of coordinate {dim:?}"),
                        dtype: d,
                    })
                }
            };
            let fill = Data::Eager(NdArray::full(&[], &fill, taken.dtype())?)
                .broadcast_to(taken.shape())?;
            Data::select(&all_na, &fill, &taken)?
        }
    };
    let kept: Vec<String> = var.dims().iter().filter(|d| *d != dim).cloned().collect();
    Ok(Variable::new(&kept, data)?.with_attrs(var.attrs().clone()))
}
