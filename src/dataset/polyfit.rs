//! Polynomial fits along a dim and their evaluation (xarray's `polyfit` and
//! `polyval`), on [`DataArray`] and [`Dataset`].
//!
//! `polyfit` solves xarray's least-squares problem: the Vandermonde matrix of the
//! coordinate (highest power first) with its columns scaled to unit norm, `rcond` the
//! coordinate's length times the machine epsilon, each lane fitted on its non-NaN
//! values only (a lane with fewer values than coefficients gets the minimum-norm
//! solution, an all-NaN lane NaN), as xarray does with its default `skipna`. A datetime
//! coordinate counts in nanoseconds since 1970-01-01 of its calendar (xarray's
//! `_ensure_numeric`), in `polyfit` and in `polyval` alike.
//!
//! The result holds `<var>_polyfit_coefficients` (`polyfit_coefficients` for a
//! DataArray) with a `degree` dim, highest degree first, then the variable's other
//! dims. Lazy data stays lazy, chunked as before along the other dims: each task fits
//! the whole lanes of its block.
//!
//! ```
//! use xr::DataArray;
//! # fn main() -> xr::Result<()> {
//! let a = DataArray::new(vec![1.0, 3.0, f64::NAN, 7.0], &["x"])?.with_coord("x", &["x"], vec![0.0, 1.0, 2.0, 3.0])?;
//! let fit = a.polyfit("x", 1)?;
//! let coeffs = fit.get("polyfit_coefficients")?;
//! let c = coeffs.values().to_f64_vec()?;
//! assert!((c[0] - 2.0).abs() < 1e-12 && (c[1] - 1.0).abs() < 1e-12);
//! let back = xr::polyval(&a.coord("x")?, &coeffs)?;
//! assert!((back.values().to_f64_vec()?[2] - 5.0).abs() < 1e-12);
//! # Ok(())
//! # }
//! ```

use std::sync::Arc;

use indexmap::{IndexMap, IndexSet};
use ndarray::{ArrayD, Axis, IxDyn};

use super::calculus::coord_numbers;
use super::data_array::UNNAMED;
use super::{DataArray, Dataset, Variable};
use crate::array::lstsq::Svd;
use crate::array::{DType, NdArray};
use crate::error::{Error, Result};
use crate::lazy::Data;

/// The name of the degree dim and coordinate.
const DEGREE: &str = "degree";

/// The scaled least-squares problem of one coordinate.
struct Fit {
    /// Rows of the scaled Vandermonde matrix (`n x order`, row-major).
    lhs: Vec<f64>,
    scale: Vec<f64>,
    n: usize,
    order: usize,
    rcond: f64,
    /// The decomposition of the whole matrix, for lanes without NaN.
    full: Svd,
}

impl Fit {
    fn new(x: &[f64], deg: usize) -> Fit {
        let (n, order) = (x.len(), deg + 1);
        // numpy's vander: powers by successive products, highest first.
        let mut lhs = vec![0.0; n * order];
        for (i, &xi) in x.iter().enumerate() {
            let mut p = 1.0;
            for j in (0..order).rev() {
                lhs[i * order + j] = p;
                p *= xi;
            }
        }
        let scale: Vec<f64> = (0..order)
            .map(|j| {
                (0..n)
                    .map(|i| lhs[i * order + j].powi(2))
                    .sum::<f64>()
                    .sqrt()
            })
            .collect();
        for row in lhs.chunks_mut(order) {
            for (v, s) in row.iter_mut().zip(&scale) {
                *v /= s;
            }
        }
        #[allow(clippy::cast_precision_loss)]
        let rcond = n as f64 * f64::EPSILON;
        let full = Svd::new(&lhs, n, order);
        Fit {
            lhs,
            scale,
            n,
            order,
            rcond,
            full,
        }
    }

    /// The coefficients (highest degree first) of one lane, NaN when all are NaN.
    fn lane(&self, y: &[f64]) -> Vec<f64> {
        let valid: Vec<usize> = (0..self.n).filter(|&i| !y[i].is_nan()).collect();
        let coeffs = if valid.len() == self.n {
            self.full.solve(y, self.rcond)
        } else if valid.is_empty() {
            return vec![f64::NAN; self.order];
        } else {
            let rows: Vec<f64> = valid
                .iter()
                .flat_map(|&i| {
                    self.lhs[i * self.order..(i + 1) * self.order]
                        .iter()
                        .copied()
                })
                .collect();
            let b: Vec<f64> = valid.iter().map(|&i| y[i]).collect();
            Svd::new(&rows, valid.len(), self.order).solve(&b, self.rcond)
        };
        coeffs.iter().zip(&self.scale).map(|(c, s)| c / s).collect()
    }

    /// A block of `f64` values whole along `axis` (at least `order` long, the first
    /// `n` positions real): the coefficients in the first `order` positions of each
    /// lane, NaN after.
    fn block(&self, block: &NdArray, axis: usize) -> Result<NdArray> {
        let a = block
            .as_array::<f64>()
            .ok_or_else(|| Error::UnsupportedDType {
                op: "polyfit (blocks are cast to float64 first)".into(),
                dtype: block.dtype(),
            })?;
        let mut out = ArrayD::from_elem(IxDyn(a.shape()), f64::NAN);
        let mut y = vec![0.0; self.n];
        for (lane, mut dest) in a
            .lanes(Axis(axis))
            .into_iter()
            .zip(out.lanes_mut(Axis(axis)))
        {
            for (yi, v) in y.iter_mut().zip(lane.iter()) {
                *yi = *v;
            }
            for (d, c) in dest.iter_mut().zip(self.lane(&y)) {
                *d = c;
            }
        }
        Ok(NdArray::from(out))
    }
}

/// The coefficients of `data` along `axis` (which becomes the first, of length
/// `order`).
fn fit_data(data: &Data, axis: usize, fit: &Arc<Fit>) -> Result<Data> {
    let (n, order) = (fit.n, fit.order);
    let mut padded = data.astype(DType::F64)?;
    if n < order {
        let mut shape = padded.shape().to_vec();
        shape[axis] = order - n;
        let nan = NdArray::full(&shape, &f64::NAN.into(), DType::F64)?;
        let nan = match &padded {
            Data::Eager(_) => Data::Eager(nan),
            Data::Lazy(l) => {
                let mut sizes = l.chunks().to_vec();
                sizes[axis] = vec![order - n];
                Data::Lazy(
                    crate::lazy::LazyArray::from_array(nan, &vec![0; shape.len()])?
                        .rechunk_sizes(sizes)?,
                )
            }
        };
        padded = Data::concatenate(axis, &[padded, nan])?;
    }
    let fitted = match &padded {
        Data::Eager(a) => Data::Eager(fit.block(a, axis)?),
        Data::Lazy(l) => {
            // Whole lanes per task; the other dims keep their chunks.
            let mut sizes = l.chunks().to_vec();
            sizes[axis] = vec![l.shape()[axis]];
            let fit = Arc::clone(fit);
            Data::Lazy(
                l.rechunk_sizes(sizes)?.map_blocks(
                    &[],
                    DType::F64,
                    move |blocks| match blocks {
                        [b] => fit.block(b, axis),
                        _ => Err(Error::internal("polyfit takes one block")),
                    },
                )?,
            )
        }
    };
    let coeffs = fitted.slice_axis(axis, 0, order, 1)?;
    let mut perm = vec![axis];
    perm.extend((0..data.ndim()).filter(|&a| a != axis));
    coeffs.permute(&perm)
}

/// The degree coordinate: `deg, deg - 1, ..., 0`.
fn degrees(deg: usize) -> Result<Variable> {
    let values: Vec<i64> = (0..=deg as i64).rev().collect();
    Variable::new(&[DEGREE], values)
}

impl Dataset {
    /// Least-squares polynomial fits of degree `deg` along `dim` (xarray's `polyfit`):
    /// `<var>_polyfit_coefficients` for each data variable along `dim`, with a
    /// `degree` dim (highest first) then the variable's other dims, NaN skipped lane
    /// by lane (a lane with fewer values than coefficients gets the minimum-norm
    /// solution, an all-NaN lane NaN), as xarray does with its default `skipna`. The
    /// problem is xarray's: the Vandermonde matrix of the coordinate with unit-norm
    /// columns and `rcond` = length x machine epsilon; a datetime coordinate counts in
    /// nanoseconds since 1970-01-01 of its calendar. Lazy data stays lazy (each task
    /// fits the whole lanes of its block; chunks along the other dims are kept).
    ///
    /// # Errors
    /// [`Error::DimNotFound`] naming `dim`; [`Error::VarNotFound`] when `dim` has no
    /// coordinate; [`Error::UnsupportedDType`] naming a data variable or a coordinate
    /// that is not numeric (or datetime, for the coordinate).
    pub fn polyfit(&self, dim: &str, deg: usize) -> Result<Dataset> {
        if !self.dims().contains_key(dim) {
            return Err(Error::DimNotFound {
                dim: dim.to_string(),
                context: "polyfit of a Dataset".into(),
                available: self.dims().keys().cloned().collect(),
            });
        }
        let coord = self.indexes().get(dim).ok_or_else(|| Error::VarNotFound {
            name: dim.to_string(),
            context: "the coordinates of a Dataset (polyfit fits against the dim's coordinate)"
                .into(),
            available: self.indexes().keys().cloned().collect(),
        })?;
        let x = coord_numbers(
            coord.values(),
            Some(0),
            Some("ns"),
            &format!("polyfit along {dim:?}"),
        )?;
        let fit = Arc::new(Fit::new(&x, deg));
        let mut vars = IndexMap::new();
        vars.insert(DEGREE.to_string(), degrees(deg)?);
        let mut coord_names: IndexSet<String> = [DEGREE.to_string()].into_iter().collect();
        for (name, v) in self.data_vars() {
            let Some(axis) = v.axis_of(dim) else {
                continue;
            };
            if !(v.dtype().is_integer() || v.dtype().is_float()) {
                return Err(Error::UnsupportedDType {
                    op: format!("polyfit of variable {name:?}"),
                    dtype: v.dtype(),
                });
            }
            let mut dims = vec![DEGREE.to_string()];
            dims.extend(v.dims().iter().filter(|d| *d != dim).cloned());
            for d in &dims[1..] {
                if let Some(c) = self
                    .variables()
                    .get(d)
                    .filter(|_| self.indexes().contains_key(d))
                {
                    vars.insert(d.clone(), c.clone());
                    coord_names.insert(d.clone());
                }
            }
            let data = fit_data(v.data(), axis, &fit)?;
            vars.insert(
                format!("{name}_polyfit_coefficients"),
                Variable::new(&dims, data)?,
            );
        }
        Dataset::from_parts(vars, coord_names, self.attrs().clone())
    }
}

impl DataArray {
    /// Least-squares polynomial fits of degree `deg` along `dim`: a dataset holding
    /// `polyfit_coefficients`; see [`Dataset::polyfit`].
    ///
    /// # Errors
    /// As [`Dataset::polyfit`].
    pub fn polyfit(&self, dim: &str, deg: usize) -> Result<Dataset> {
        const TMP: &str = "__polyfit_data__";
        let ds = self.to_dataset_named(TMP).polyfit(dim, deg)?;
        let mut vars = IndexMap::new();
        for (name, v) in ds.variables() {
            let name = if *name == format!("{TMP}_polyfit_coefficients") {
                "polyfit_coefficients".to_string()
            } else {
                name.clone()
            };
            vars.insert(name, v.clone());
        }
        // The array's attrs are its variable's, which the coefficients do not keep.
        Dataset::from_parts(vars, ds.coord_names().clone(), ds.attrs().clone())
    }
}

/// The polynomial with coefficients `coeffs` (along a `degree` dim, as
/// [`Dataset::polyfit`] gives them; missing degrees count as 0) at the values of
/// `coord`, by Horner's rule (xarray's `polyval`); dims and coordinates broadcast by
/// name. A datetime `coord` counts in nanoseconds since 1970-01-01 of its calendar.
///
/// # Errors
/// [`Error::DimNotFound`] when `coeffs` has no `degree` dim; [`Error::InvalidArgument`]
/// naming `coeffs` when its degree coordinate is missing or not non-negative integers;
/// [`Error::UnsupportedDType`] for a `coord` that is not numeric or datetime.
pub fn polyval(coord: &DataArray, coeffs: &DataArray) -> Result<DataArray> {
    let axis = coeffs.variable().require_axis(
        DEGREE,
        &format!("polyval coefficients {}", coeffs.display_name()),
    )?;
    let degree = coeffs
        .coords()
        .get(DEGREE)
        .ok_or_else(|| {
            Error::invalid_argument("coeffs", "the coefficients need a `degree` coordinate")
        })?
        .values()?;
    let degs = match &degree {
        NdArray::I64(_) | NdArray::I32(_) | NdArray::U64(_) | NdArray::U32(_) => degree
            .to_f64_vec()?
            .iter()
            .map(|&d| if d >= 0.0 { Ok(d as usize) } else { Err(d) })
            .collect::<std::result::Result<Vec<usize>, f64>>()
            .map_err(|d| Error::invalid_argument("coeffs", format!("degree {d} is negative")))?,
        other => {
            return Err(Error::invalid_argument(
                "coeffs",
                format!(
                    "the degree coordinate must hold integers, not {}",
                    other.dtype()
                ),
            ))
        }
    };
    let max_deg = degs.iter().copied().max().unwrap_or(0);
    let x = coord_numbers(
        &coord.values().compute()?,
        Some(0),
        Some("ns"),
        &format!("polyval of {}", coord.display_name()),
    )?;
    let x = coord.with_variable(coord.variable().replace(
        coord.dims().to_vec(),
        NdArray::from_shape_vec(coord.shape(), x)?,
    ))?;
    let coeffs = coeffs.drop_vars(&[DEGREE])?;
    let term = |d: usize| -> Result<DataArray> {
        match degs.iter().position(|&k| k == d) {
            Some(pos) => {
                let v = coeffs.variable();
                let data = v.data().take(axis, &[pos])?.remove_axis(axis)?;
                let dims: Vec<String> = v.dims().iter().filter(|n| *n != DEGREE).cloned().collect();
                let mut da = DataArray::from_variable(Variable::new(&dims, data)?)?;
                for (k, c) in coeffs.coords() {
                    if !c.dims().iter().any(|n| n == DEGREE) {
                        da = da.with_coord_var(k, c.clone())?;
                    }
                }
                Ok(da)
            }
            None => DataArray::from_variable(Variable::scalar(&0.0.into())),
        }
    };
    let zeros = x.scalar_op(0.0, crate::array::kernels::BinaryOp::Mul, false)?;
    let mut res = zeros.add(&term(max_deg)?)?;
    for d in (0..max_deg).rev() {
        res = res.mul(&x)?.add(&term(d)?)?;
    }
    // xarray's result is unnamed.
    DataArray::from_dataset(&res.to_dataset_named(UNNAMED), UNNAMED)
}
