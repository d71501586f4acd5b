//! Weighted reductions (xarray's `DataArray.weighted` / `Dataset.weighted`): a
//! [`Weighted`] holds the object and a DataArray of weights (e.g. `cos(lat)`) and reduces
//! with them: `sum`, `mean`, `sum_of_weights`, `var`, `std`.
//!
//! As in xarray: NaN in the data removes its weight (the data is filled with 0 and the
//! weights are summed only where the data is valid); the sum of weights is NaN where it
//! is 0, so the mean there is NaN; weights broadcast by dim name. Everything is
//! arithmetic and sums on [`Data`], so lazy data gives lazy results.
//!
//! ```
//! use xr::DataArray;
//! # fn main() -> xr::Result<()> {
//! let t = DataArray::new(ndarray::array![[1.0, f64::NAN], [3.0, 4.0]].into_dyn(), &["lat", "lon"])?;
//! let w = DataArray::new(ndarray::array![1.0, 3.0].into_dyn(), &["lat"])?;
//! let m = t.weighted(&w)?.mean(&["lat"])?;
//! assert_eq!(m.values().to_f64_vec()?, [2.5, 4.0]);
//! # Ok(())
//! # }
//! ```

use indexmap::IndexMap;

use super::{DataArray, Dataset, Variable};
use crate::array::kernels::{self, BinaryOp, ReduceParams, Reduction};
use crate::array::{DType, NdArray};
use crate::dataset::align::Join;
use crate::error::{Error, Result};
use crate::lazy::{Data, LazyArray};

/// An object with weights, ready to reduce (xarray's `DataArrayWeighted` /
/// `DatasetWeighted`). Made by [`DataArray::weighted`] or [`Dataset::weighted`].
#[derive(Debug, Clone)]
#[must_use = "a Weighted does nothing until reduced"]
pub struct Weighted<'a, T> {
    obj: &'a T,
    weights: DataArray,
}

/// Checks the weights: numeric, and no NaN (now for eager weights, when computed for
/// lazy ones, as xarray does with dask).
fn checked_weights(weights: &DataArray) -> Result<DataArray> {
    let dtype = weights.dtype();
    if !(dtype.is_integer() || dtype.is_float() || dtype == DType::Bool) {
        return Err(Error::invalid_argument(
            "weights",
            format!(
                "weights {} must be numeric, not {dtype}",
                weights.display_name()
            ),
        ));
    }
    if !dtype.is_float() {
        return Ok(weights.clone());
    }
    let name = weights.display_name();
    let nan_error = move || {
        Error::invalid_argument(
            "weights",
            format!(
                "weights {name} cannot contain missing values; replace them with 0 first (xarray's `weights.fillna(0)`)"
            ),
        )
    };
    match weights.values() {
        Data::Eager(a) => {
            if a.to_f64_vec()?.iter().any(|v| v.is_nan()) {
                return Err(nan_error());
            }
            Ok(weights.clone())
        }
        Data::Lazy(_) => {
            let data = weights.values().map_elementwise(dtype, move |block| {
                if block.to_f64_vec()?.iter().any(|v| v.is_nan()) {
                    return Err(nan_error());
                }
                Ok(block.clone())
            })?;
            weights.with_variable(weights.variable().with_data(data)?)
        }
    }
}

/// True where the variable's values are not NaN (always, for integers and bools).
fn notnull(var: &Variable) -> Result<Variable> {
    let data = if var.dtype().is_float() {
        var.data().binary(var.data(), BinaryOp::Eq)?
    } else {
        let t = NdArray::full(var.shape(), &true.into(), DType::Bool)?;
        match var.data() {
            Data::Eager(_) => Data::Eager(t),
            Data::Lazy(l) => Data::Lazy(
                crate::lazy::LazyArray::from_array(t, &vec![0; var.ndim()])?
                    .rechunk_sizes(l.chunks().to_vec())?,
            ),
        }
    };
    Variable::new(var.dims(), data)
}

/// `a` with NaN replaced by 0 (floats; other dtypes have no NaN).
fn nan_to_zero(a: &NdArray) -> Result<NdArray> {
    Ok(match a {
        NdArray::F32(x) => NdArray::F32(x.mapv(|v| if v.is_nan() { 0.0 } else { v }).into_shared()),
        NdArray::F64(x) => NdArray::F64(x.mapv(|v| if v.is_nan() { 0.0 } else { v }).into_shared()),
        other => other.clone(),
    })
}

/// The reductions of one DataArray (a data variable, for a Dataset).
struct Weigh<'a> {
    da: &'a DataArray,
    weights: &'a DataArray,
}

impl Weigh<'_> {
    /// The dims to reduce: `dims`, or every dim of data and weights when empty.
    fn dims(&self, dims: &[&str]) -> Vec<String> {
        let mut all: Vec<String> = self.da.dims().to_vec();
        for d in self.weights.dims() {
            if !all.contains(d) {
                all.push(d.clone());
            }
        }
        if dims.is_empty() {
            all
        } else {
            dims.iter()
                .filter(|d| all.iter().any(|a| a == *d))
                .map(|d| d.to_string())
                .collect()
        }
    }

    /// `dot(da, weights)` over `dims`, NaN in `da` counted as 0 (xarray's `_reduce`).
    fn reduce(&self, da: &DataArray, weights: &DataArray, dims: &[String]) -> Result<DataArray> {
        let prod = Self::product(da, weights)?;
        self.sum_over(&prod, dims)
    }

    /// `da * weights`, NaN in `da` counted as 0.
    fn product(da: &DataArray, weights: &DataArray) -> Result<DataArray> {
        let filled = if da.dtype().is_float() {
            // NaN counts as 0 (xarray's `fillna(0.0)`), fused into the chunk tasks: a
            // `where` would compute every block of the array before the sum reads them.
            let data = da.values().map_elementwise(da.dtype(), nan_to_zero)?;
            da.with_variable(da.variable().replace(da.dims().to_vec(), data))?
        } else {
            da.clone()
        };
        filled.binary_op(weights, BinaryOp::Mul, Join::Inner)
    }

    /// The sum of `prod` over `dims` (NaN kept), with the data's attrs.
    fn sum_over(&self, prod: &DataArray, dims: &[String]) -> Result<DataArray> {
        let prod = prod.clone();
        let dims: Vec<&str> = dims.iter().map(String::as_str).collect();
        let out = if dims.is_empty() {
            prod
        } else {
            prod.reduce_with(super::Reduction::Sum)
                .dims(&dims)
                .skipna(false)
                .run()?
        };
        Ok(out.with_attrs(self.da.attrs().clone()))
    }

    /// The weights where the data is valid (`notnull(da) * weights`), whose sum is
    /// `sum_of_weights`.
    fn valid_weights(&self) -> Result<DataArray> {
        let mask = self.da.with_variable(notnull(self.da.variable())?)?;
        // Bools sum as integers, as xarray's `weights * 1` makes them.
        let wdtype = match self.weights.dtype() {
            DType::Bool => DType::I64,
            t => t,
        };
        let weights = self.weights.with_variable(self.weights.variable().replace(
            self.weights.dims().to_vec(),
            self.weights.values().astype(wdtype)?,
        ))?;
        let mask = mask.with_variable(
            mask.variable()
                .replace(mask.dims().to_vec(), mask.values().astype(wdtype)?),
        )?;
        // The mask holds no NaN: no filling step before the product.
        mask.binary_op(&weights, BinaryOp::Mul, Join::Inner)
    }

    /// xarray's `sum_of_weights`: NaN where the valid weights sum to 0.
    fn no_zero(sum: DataArray) -> Result<DataArray> {
        let valid = sum.scalar_op(0.0, BinaryOp::Ne, false)?;
        sum.where_(&valid)
    }

    fn sum_of_weights(&self, dims: &[String]) -> Result<DataArray> {
        let sum = self.sum_over(&self.valid_weights()?, dims)?;
        Self::no_zero(sum)
    }

    /// `sum(da * weights)` and `sum_of_weights` over `dims` together. On lazy data both
    /// sums are one reduction of the two products stacked, so each task reads (and
    /// decodes) a chunk of the data once for both: the same values as two reductions.
    fn sum_and_sum_of_weights(&self, dims: &[String]) -> Result<(DataArray, DataArray)> {
        let prod = Self::product(self.da, self.weights)?;
        let valid = self.valid_weights()?;
        let sum = self.sum_over(&prod, dims)?;
        let weight_sum = self.sum_over(&valid, dims)?;
        if let Some(both) = self.one_pass_sums(dims, &sum, &weight_sum)? {
            let (s, w) = (
                both.slice_axis(0, 0, 1, 1)?.remove_axis(0)?,
                both.slice_axis(0, 1, 2, 1)?.remove_axis(0)?,
            );
            let sum = sum.with_variable(sum.variable().with_data(Data::Lazy(s))?)?;
            let weight_sum =
                weight_sum.with_variable(weight_sum.variable().with_data(Data::Lazy(w))?)?;
            return Ok((sum, Self::no_zero(weight_sum)?));
        }
        let stacked = match (
            prod.values(),
            valid.values(),
            sum.values(),
            weight_sum.values(),
        ) {
            (Data::Lazy(p), Data::Lazy(v), Data::Lazy(_), Data::Lazy(_))
                if prod.dims() == valid.dims()
                    && p.shape() == v.shape()
                    && p.chunks() == v.chunks()
                    && p.dtype() == v.dtype()
                    && !dims.is_empty() =>
            {
                let axes = dims
                    .iter()
                    .map(|d| prod.variable().require_axis(d, "weighted"))
                    .collect::<Result<Vec<_>>>()?;
                Some(stacked_sums(p, v, &axes)?)
            }
            _ => None,
        };
        let Some((s, w)) = stacked else {
            return Ok((sum, Self::no_zero(weight_sum)?));
        };
        let sum = sum.with_variable(sum.variable().with_data(Data::Lazy(s))?)?;
        let weight_sum =
            weight_sum.with_variable(weight_sum.variable().with_data(Data::Lazy(w))?)?;
        Ok((sum, Self::no_zero(weight_sum)?))
    }

    /// Both sums of chunked data in one pass per chunk (`LazyArray::weighted_sums`),
    /// stacked, when the weights are `f64` along dims of the data with the data's labels
    /// (so the product needs no alignment) and both sums are `f64` over the data's other
    /// dims in order; `None` otherwise, for the general path. `sum` and `weight_sum` are
    /// the general path's (lazy, not computed) results, whose dims and dtypes these match.
    fn one_pass_sums(
        &self,
        dims: &[String],
        sum: &DataArray,
        weight_sum: &DataArray,
    ) -> Result<Option<LazyArray>> {
        let (da, weights) = (self.da, self.weights);
        let Data::Lazy(x) = da.values() else {
            return Ok(None);
        };
        let same_labels = weights.dims().iter().all(|d| {
            da.dims().contains(d)
                && match (da.indexes().get(d), weights.indexes().get(d)) {
                    (Some(a), Some(b)) => a.equals(b),
                    (_, None) => true,
                    (None, Some(_)) => false,
                }
        });
        let kept: Vec<&String> = da.dims().iter().filter(|d| !dims.contains(d)).collect();
        let sums_fit = [sum, weight_sum]
            .iter()
            .all(|r| r.dtype() == DType::F64 && r.dims().iter().eq(kept.iter().copied()));
        if dims.is_empty()
            || !same_labels
            || !sums_fit
            || weights.dtype() != DType::F64
            || !da.dtype().is_numeric()
            || da.dtype() == DType::Bool
            || weights.shape().iter().zip(weights.dims()).any(|(&n, d)| {
                da.dims()
                    .iter()
                    .position(|e| e == d)
                    .map(|ax| da.shape()[ax])
                    != Some(n)
            })
        {
            return Ok(None);
        }
        // The weights in the data's dim order, size 1 along the data's other dims.
        let order: Vec<&str> = da
            .dims()
            .iter()
            .filter(|d| weights.dims().contains(d))
            .map(String::as_str)
            .collect();
        let mut w = weights.transpose(&order)?.values().clone();
        for (ax, d) in da.dims().iter().enumerate() {
            if !weights.dims().contains(d) {
                w = w.insert_axis(ax)?;
            }
        }
        let w = match w {
            Data::Lazy(l) => l,
            Data::Eager(a) => LazyArray::from_array(a, &vec![0; da.dims().len()])?,
        };
        let axes = dims
            .iter()
            .map(|d| da.variable().require_axis(d, "weighted"))
            .collect::<Result<Vec<_>>>()?;
        Ok(Some(x.weighted_sums(&w, &axes)?))
    }

    fn sum(&self, dims: &[String]) -> Result<DataArray> {
        self.reduce(self.da, self.weights, dims)
    }

    fn mean(&self, dims: &[String]) -> Result<DataArray> {
        let (sum, weight_sum) = self.sum_and_sum_of_weights(dims)?;
        sum.binary_op(&weight_sum, BinaryOp::Div, Join::Inner)
    }

    fn var(&self, dims: &[String]) -> Result<DataArray> {
        let demeaned = self
            .da
            .binary_op(&self.mean(dims)?, BinaryOp::Sub, Join::Inner)?;
        let squares = demeaned.binary_op(&demeaned, BinaryOp::Mul, Join::Inner)?;
        self.reduce(&squares, self.weights, dims)?.binary_op(
            &self.sum_of_weights(dims)?,
            BinaryOp::Div,
            Join::Inner,
        )
    }

    /// The weighted quantiles `q` over `dims` (xarray's `weighted(..).quantile`): a
    /// leading `quantile` dim, then the kept dims; length-1 dims squeezed as xarray
    /// does. Lazy data has its reduced dims joined into one chunk (each lane is sorted
    /// whole), the others keep their chunks.
    fn quantile(&self, q: &[f64], dims: &[String]) -> Result<DataArray> {
        let mut all: Vec<String> = self.da.dims().to_vec();
        let mut sizes: Vec<usize> = self.da.shape().to_vec();
        for (d, &n) in self.weights.dims().iter().zip(self.weights.shape()) {
            if !all.contains(d) {
                all.push(d.clone());
                sizes.push(n);
            }
        }
        let kept: Vec<String> = all.iter().filter(|d| !dims.contains(d)).cloned().collect();
        let order: Vec<String> = kept.iter().chain(dims).cloned().collect();
        let x = self
            .da
            .variable()
            .set_dims(&all, &sizes)?
            .transpose(&order)?;
        let w = self
            .weights
            .variable()
            .set_dims(&all, &sizes)?
            .transpose(&order)?;
        let nred = dims.len();
        let data = match (x.data(), w.data()) {
            (Data::Eager(x), Data::Eager(w)) => {
                Data::Eager(kernels::weighted_quantile(x, w, nred, q)?)
            }
            _ => Data::Lazy(lazy_quantile(x.data(), w.data(), nred, q)?),
        };
        let out_dims: Vec<String> = std::iter::once("quantile".to_string())
            .chain(kept.iter().cloned())
            .collect();
        let var = Variable::new(&out_dims, data)?;
        let coords: IndexMap<String, Variable> = self
            .da
            .coords()
            .iter()
            .filter(|(_, c)| c.dims().iter().all(|d| kept.contains(d)))
            .map(|(k, c)| (k.clone(), c.clone()))
            .collect();
        let q_coord = Variable::new(&["quantile"], NdArray::from(q.to_vec()))?;
        DataArray::from_parts(None, var, coords)?
            .with_coord_var("quantile", q_coord)?
            .squeeze()
    }

    /// Runs `op` and gives the result the data's name and attrs (xarray keeps both).
    fn run(&self, op: Op<'_>, dims: &[&str]) -> Result<DataArray> {
        let dims = self.dims(dims);
        let out = match op {
            Op::Sum => self.sum(&dims)?,
            Op::SumOfWeights => self.sum_of_weights(&dims)?,
            Op::Mean => self.mean(&dims)?,
            Op::Var => self.var(&dims)?,
            Op::Std => self.var(&dims)?.sqrt()?,
            Op::Quantile(q) => self.quantile(q, &dims)?,
        };
        let out = out.with_attrs(self.da.attrs().clone());
        Ok(match self.da.name() {
            Some(n) => out.with_name(n),
            None => out,
        })
    }
}

#[derive(Debug, Clone, Copy)]
enum Op<'q> {
    Quantile(&'q [f64]),
    Sum,
    SumOfWeights,
    Mean,
    Var,
    Std,
}

/// Checks that every requested dim is a dim of the object or of the weights.
fn check_dims(dims: &[&str], have: &[String], context: &str) -> Result<()> {
    for d in dims {
        if !have.iter().any(|h| h == d) {
            return Err(Error::DimNotFound {
                dim: d.to_string(),
                context: format!("the weighted {context}"),
                available: have.to_vec(),
            });
        }
    }
    Ok(())
}

impl DataArray {
    /// Weighted reductions with `weights` (xarray's `DataArray.weighted`), broadcast by
    /// dim name.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming `weights` when they hold NaN (for lazy weights:
    /// when computed), are not numeric, or have a dim this array lacks (a deliberate
    /// difference: xarray would broadcast the array against them, which is rarely
    /// what was meant).
    pub fn weighted(&self, weights: &DataArray) -> Result<Weighted<'_, DataArray>> {
        if let Some(d) = weights.dims().iter().find(|d| !self.dims().contains(d)) {
            return Err(Error::invalid_argument(
                "weights",
                format!(
                    "weights {} have dim {d:?}, which DataArray {} lacks (its dims are {:?})",
                    weights.display_name(),
                    self.display_name(),
                    self.dims()
                ),
            ));
        }
        Ok(Weighted {
            obj: self,
            weights: checked_weights(weights)?,
        })
    }
}

impl Dataset {
    /// Weighted reductions of every data variable with `weights` (xarray's
    /// `Dataset.weighted`); a variable without a dim of the weights is broadcast
    /// against them, as xarray does.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming `weights` when they hold NaN (for lazy weights:
    /// when computed), are not numeric, or have a dim the dataset lacks.
    pub fn weighted(&self, weights: &DataArray) -> Result<Weighted<'_, Dataset>> {
        let dims = self.dims();
        if let Some(d) = weights.dims().iter().find(|d| !dims.contains_key(*d)) {
            return Err(Error::invalid_argument(
                "weights",
                format!(
                    "weights {} have dim {d:?}, which the Dataset lacks (its dims are {:?})",
                    weights.display_name(),
                    dims.keys().collect::<Vec<_>>()
                ),
            ));
        }
        Ok(Weighted {
            obj: self,
            weights: checked_weights(weights)?,
        })
    }
}

impl Weighted<'_, DataArray> {
    fn run(&self, op: Op<'_>, dims: &[&str]) -> Result<DataArray> {
        check_dims(
            dims,
            self.obj.dims(),
            &format!("DataArray {}", self.obj.display_name()),
        )?;
        Weigh {
            da: self.obj,
            weights: &self.weights,
        }
        .run(op, dims)
    }
}

impl Weighted<'_, Dataset> {
    /// Applies `op` to each numeric data variable; the others are dropped (xarray's
    /// `numeric_only`), as are coordinates on reduced dims.
    fn run(&self, op: Op<'_>, dims: &[&str]) -> Result<Dataset> {
        let all: Vec<String> = self.obj.dims().keys().cloned().collect();
        check_dims(dims, &all, "Dataset")?;
        let mut out = Dataset::new().with_attrs(self.obj.attrs().clone());
        let mut results = Vec::new();
        for (name, var) in self.obj.data_vars() {
            let t = var.dtype();
            if !(t.is_integer() || t.is_float() || t == DType::Bool) {
                continue;
            }
            let da = self.obj.get(name)?;
            let r = Weigh {
                da: &da,
                weights: &self.weights,
            }
            .run(op, dims)?;
            results.push((name.clone(), r));
        }
        let reduced = |d: &String| {
            dims.is_empty() && (all.contains(d) || self.weights.dims().contains(d))
                || dims.contains(&d.as_str())
        };
        for (k, c) in self.obj.coords() {
            if !c.dims().iter().any(reduced) {
                out.insert(k.clone(), c.clone(), true)?;
            }
        }
        for (name, r) in results {
            // New coordinates of the result (`quantile`).
            for (k, c) in r.coords() {
                if !out.variables().contains_key(k) && !self.obj.variables().contains_key(k) {
                    out.insert(k.clone(), c.clone(), true)?;
                }
            }
            out.insert(name, r.variable().clone(), false)?;
        }
        Ok(out)
    }
}

/// The reductions, the same on both.
macro_rules! weighted_methods {
    ($ty:ty) => {
        impl Weighted<'_, $ty> {
            /// The weighted sum over `dims` (all dims when empty); NaN counts as 0.
            ///
            /// # Errors
            /// [`Error::DimNotFound`] naming a dim that is not there.
            pub fn sum(&self, dims: &[&str]) -> Result<$ty> {
                self.run(Op::Sum, dims)
            }

            /// The sum of the weights of the valid (non-NaN) values over `dims`; NaN
            /// where that sum is 0.
            ///
            /// # Errors
            /// [`Error::DimNotFound`] naming a dim that is not there.
            pub fn sum_of_weights(&self, dims: &[&str]) -> Result<$ty> {
                self.run(Op::SumOfWeights, dims)
            }

            /// The weighted mean over `dims`: `sum / sum_of_weights` (NaN where the
            /// weights of the valid values add up to 0).
            ///
            /// # Errors
            /// [`Error::DimNotFound`] naming a dim that is not there.
            pub fn mean(&self, dims: &[&str]) -> Result<$ty> {
                self.run(Op::Mean, dims)
            }

            /// The weighted variance over `dims`: the weighted mean of the squared
            /// deviations from the weighted mean.
            ///
            /// # Errors
            /// [`Error::DimNotFound`] naming a dim that is not there.
            pub fn var(&self, dims: &[&str]) -> Result<$ty> {
                self.run(Op::Var, dims)
            }

            /// The weighted standard deviation over `dims` (square root of
            /// [`var`](Self::var)).
            ///
            /// # Errors
            /// [`Error::DimNotFound`] naming a dim that is not there.
            pub fn std(&self, dims: &[&str]) -> Result<$ty> {
                self.run(Op::Std, dims)
            }

            /// The weighted quantiles `q` over `dims` (all dims when empty), xarray's
            /// method (Kish's effective sample size, linear interpolation): a leading
            /// `quantile` dim with `q` as its coordinate; as in xarray, length-1 dims
            /// (a single `q` among them) are squeezed. NaN data is skipped.
            ///
            /// # Errors
            /// [`Error::InvalidArgument`] naming `q` for a value outside `[0, 1]`;
            /// [`Error::DimNotFound`] naming a dim that is not there.
            pub fn quantile(&self, q: &[f64], dims: &[&str]) -> Result<$ty> {
                if let Some(bad) = q.iter().find(|v| !(0.0..=1.0).contains(*v)) {
                    return Err(Error::invalid_argument(
                        "q",
                        format!("quantiles must be in [0, 1], got {bad}"),
                    ));
                }
                self.run(Op::Quantile(q), dims)
            }
        }
    };
}

weighted_methods!(DataArray);
weighted_methods!(Dataset);

/// The weighted quantiles of lazy data: the reduced (last `nred`) axes joined into one
/// chunk, a leading axis of `q.len()` added so that each block can hold its lanes'
/// quantiles (at position 0 of the reduced axes), which are then sliced out.
fn lazy_quantile(x: &Data, w: &Data, nred: usize, q: &[f64]) -> Result<LazyArray> {
    let lazy = |d: &Data| match d {
        Data::Lazy(l) => Ok(l.clone()),
        Data::Eager(a) => LazyArray::from_array(a.clone(), &vec![0; a.ndim()]),
    };
    let (x, w) = (lazy(x)?, lazy(w)?);
    let ndim = x.ndim();
    let mut sizes = match (x.chunks(), w.chunks()) {
        (c, _) if c.len() == ndim => c.to_vec(),
        (_, c) => c.to_vec(),
    };
    for (ax, s) in sizes.iter_mut().enumerate().skip(ndim - nred) {
        *s = vec![x.shape()[ax]];
    }
    let nq = q.len();
    let mut shape = vec![nq];
    shape.extend_from_slice(x.shape());
    let widen = |a: &LazyArray| -> Result<LazyArray> {
        a.rechunk_sizes(sizes.clone())?
            .insert_axis(0)?
            .broadcast_to(&shape)
    };
    let (xq, wq) = (widen(&x)?, widen(&w)?);
    let qs = q.to_vec();
    let out = xq.map_blocks(&[wq], DType::F64, move |blocks| {
        let [xb, wb] = blocks else {
            return Err(Error::internal("a weighted quantile takes two blocks"));
        };
        let first = |b: &NdArray| b.slice_axis(0, 0, 1, 1)?.remove_axis(0);
        let r = kernels::weighted_quantile(&first(xb)?, &first(wb)?, nred, &qs)?;
        let mut block =
            NdArray::full(xb.shape(), &f64::NAN.into(), DType::F64)?.to_standard_layout();
        let mut r = r;
        for _ in 0..nred {
            r = r.insert_axis(r.ndim())?;
        }
        block.assign_at(&vec![0; xb.ndim()], &r)?;
        Ok(block)
    })?;
    let mut out = out;
    for _ in 0..nred {
        let ax = out.ndim() - 1;
        out = out.slice_axis(ax, 0, 1, 1)?.remove_axis(ax)?;
    }
    Ok(out)
}

/// The sums over `axes` of `a` and `b` (same shape, chunks and dtype) as one reduction
/// of the two stacked along a new leading axis of one chunk, so that a task pulls both
/// from the same region and a source they share is read once (see
/// `LazyArray`'s read cache); the sums are bit for bit those of two reductions.
fn stacked_sums(a: &LazyArray, b: &LazyArray, axes: &[usize]) -> Result<(LazyArray, LazyArray)> {
    let both = LazyArray::concatenate(0, &[a.insert_axis(0)?, b.insert_axis(0)?])?;
    let mut sizes = vec![vec![2]];
    sizes.extend(a.chunks().iter().cloned());
    let both = both.rechunk_sizes(sizes)?;
    let shifted: Vec<usize> = axes.iter().map(|&ax| ax + 1).collect();
    let sums = both.reduce(&shifted, Reduction::Sum, ReduceParams::new(Some(false), 0))?;
    let n = sums.shape()[0];
    debug_assert_eq!(n, 2);
    Ok((
        sums.slice_axis(0, 0, 1, 1)?.remove_axis(0)?,
        sums.slice_axis(0, 1, 2, 1)?.remove_axis(0)?,
    ))
}
