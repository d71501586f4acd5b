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
//! the whole lanes of its block (and, when asked, their residuals in the same pass).
//! [`PolyfitOptions`] adds xarray's other arguments: `skipna`, `rcond`, weights `w`,
//! `full` (residuals, matrix rank, singular values) and `cov` (the coefficients'
//! covariance, scaled or not, as xarray scales it). The rank and the singular values
//! come from the same one-sided Jacobi decomposition as the fit, so they agree with
//! numpy's to rounding; in a rank-deficient fit, where xarray's singular values no
//! longer fit the `degree` dim and it fails, the largest `rank` of them are kept.
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
use crate::array::kernels::BinaryOp;
use crate::array::lstsq::Svd;
use crate::array::{DType, NdArray};
use crate::error::{Error, Result};
use crate::lazy::Data;

/// The name of the degree dim and coordinate.
const DEGREE: &str = "degree";
/// The dims of the covariance matrix of the coefficients.
const COV_I: &str = "cov_i";
const COV_J: &str = "cov_j";

/// What [`Dataset::polyfit_with`] adds of the coefficients' covariance (xarray's `cov`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum PolyfitCov {
    /// No covariance (`cov=False`).
    #[default]
    None,
    /// `(VᵀV)⁻¹` scaled by the residuals over `n - (deg + 1)` (`cov=True`), which also
    /// adds the residuals.
    Scaled,
    /// `(VᵀV)⁻¹` unscaled (`cov="unscaled"`).
    Unscaled,
}

/// The weights of a fit (xarray's `w`): one per position along the dim, multiplying
/// the rows of the Vandermonde matrix and the values.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum PolyfitWeights {
    /// The values of a 1-D coordinate along the dim, by name.
    Coord(String),
    /// One weight per position along the dim.
    Values(Vec<f64>),
}

/// The options of [`Dataset::polyfit_with`], xarray's `polyfit(dim, deg, rcond=None,
/// w=None, full=False, cov=False)`; the default is [`Dataset::polyfit`]'s.
///
/// ```
/// use xr::{DataArray, PolyfitCov, PolyfitOptions};
/// # fn main() -> xr::Result<()> {
/// let a = DataArray::new(vec![1.0, 3.2, 4.9, 7.0, 9.1], &["x"])?
///     .with_coord("x", &["x"], vec![0.0, 1.0, 2.0, 3.0, 4.0])?;
/// let opts = PolyfitOptions::new().weights(vec![1.0, 2.0, 1.0, 2.0, 1.0]).full(true).cov(PolyfitCov::Scaled);
/// let fit = a.polyfit_with("x", 1, &opts)?;
/// assert_eq!(fit.get("x_matrix_rank")?.values().to_f64_vec()?, [2.0]);
/// assert_eq!(fit.get("polyfit_covariance")?.dims(), ["cov_i", "cov_j"]);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PolyfitOptions {
    skipna: bool,
    rcond: Option<f64>,
    w: Option<PolyfitWeights>,
    full: bool,
    cov: PolyfitCov,
}

impl Default for PolyfitOptions {
    fn default() -> PolyfitOptions {
        PolyfitOptions {
            skipna: true,
            rcond: None,
            w: None,
            full: false,
            cov: PolyfitCov::None,
        }
    }
}

impl PolyfitOptions {
    /// NaN skipped, no weights, no extra outputs, `rcond` = length x machine epsilon.
    #[must_use]
    pub fn new() -> PolyfitOptions {
        PolyfitOptions::default()
    }

    /// Whether each lane is fitted on its non-NaN values (the default, which is what
    /// xarray's default `skipna=None` amounts to); with `false`, a lane holding a NaN
    /// gets NaN coefficients and residual, as xarray's `skipna=False` gives on numpy
    /// data (on dask data xarray fails there instead).
    #[must_use]
    pub fn skipna(mut self, skipna: bool) -> PolyfitOptions {
        self.skipna = skipna;
        self
    }

    /// The relative condition number below which singular values count as zero
    /// (xarray's `rcond`; it applies to lanes without NaN, as in xarray, where lanes
    /// with NaN take numpy's default).
    #[must_use]
    pub fn rcond(mut self, rcond: f64) -> PolyfitOptions {
        self.rcond = Some(rcond);
        self
    }

    /// One weight per position along the dim (xarray's `w` as an array).
    #[must_use]
    pub fn weights(mut self, w: Vec<f64>) -> PolyfitOptions {
        self.w = Some(PolyfitWeights::Values(w));
        self
    }

    /// The weights of the 1-D coordinate `name` along the dim (xarray's `w` as a
    /// coordinate name).
    #[must_use]
    pub fn weights_coord(mut self, name: &str) -> PolyfitOptions {
        self.w = Some(PolyfitWeights::Coord(name.to_string()));
        self
    }

    /// Adds `<var>_polyfit_residuals`, `<dim>_matrix_rank` and `<dim>_singular_values`
    /// (xarray's `full=True`).
    #[must_use]
    pub fn full(mut self, full: bool) -> PolyfitOptions {
        self.full = full;
        self
    }

    /// Adds `<var>_polyfit_covariance` along `cov_i`, `cov_j` (xarray's `cov`).
    #[must_use]
    pub fn cov(mut self, cov: PolyfitCov) -> PolyfitOptions {
        self.cov = cov;
        self
    }
}

/// The scaled (and weighted) least-squares problem of one coordinate.
struct Fit {
    /// Rows of the weighted, scaled Vandermonde matrix (`n x order`, row-major).
    lhs: Vec<f64>,
    scale: Vec<f64>,
    /// The weight of each row, applied to the values.
    w: Option<Vec<f64>>,
    n: usize,
    order: usize,
    rcond: f64,
    /// The decomposition of the whole matrix, for lanes without NaN.
    full: Svd,
    /// Whether each lane's residual follows its coefficients in a fitted block.
    residuals: bool,
    /// Whether lanes are fitted on their non-NaN values (else a NaN makes a NaN fit).
    skipna: bool,
}

impl Fit {
    fn new(x: &[f64], deg: usize, w: Option<Vec<f64>>, rcond: Option<f64>) -> Fit {
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
        if let Some(w) = &w {
            for (row, wi) in lhs.chunks_mut(order).zip(w) {
                row.iter_mut().for_each(|v| *v *= wi);
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
        let rcond = rcond.unwrap_or(n as f64 * f64::EPSILON);
        let full = Svd::new(&lhs, n, order);
        Fit {
            lhs,
            scale,
            w,
            n,
            order,
            rcond,
            full,
            residuals: false,
            skipna: true,
        }
    }

    /// The sum of squared residuals of `coeffs` (of the scaled problem) on the rows
    /// `rows` of the matrix and their values `b`, NaN when numpy's `lstsq` gives none
    /// (a rank below `order`, or no more rows than coefficients).
    fn residual(&self, rows: &[f64], b: &[f64], coeffs: &[f64], rank: usize) -> f64 {
        if rank < self.order || b.len() <= self.order {
            return f64::NAN;
        }
        rows.chunks(self.order)
            .zip(b)
            .map(|(row, bi)| {
                let fit: f64 = row.iter().zip(coeffs).map(|(a, c)| a * c).sum();
                (fit - bi).powi(2)
            })
            .sum()
    }

    /// The coefficients (highest degree first) of one lane of weighted values and
    /// their residual, NaN when all are NaN (or any, without `skipna`).
    fn lane(&self, y: &[f64]) -> (Vec<f64>, f64) {
        let valid: Vec<usize> = (0..self.n).filter(|&i| !y[i].is_nan()).collect();
        let (coeffs, residual) = if valid.len() == self.n {
            let c = self.full.solve(y, self.rcond);
            let r = if self.residuals {
                self.residual(&self.lhs, y, &c, self.full.rank(self.rcond))
            } else {
                f64::NAN
            };
            (c, r)
        } else if valid.is_empty() || !self.skipna {
            return (vec![f64::NAN; self.order], f64::NAN);
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
            // xarray fits lanes with NaN with numpy's default rcond, whatever is given.
            #[allow(clippy::cast_precision_loss)]
            let rcond = valid.len().max(self.order) as f64 * f64::EPSILON;
            let svd = Svd::new(&rows, valid.len(), self.order);
            let c = svd.solve(&b, rcond);
            let r = if self.residuals {
                self.residual(&rows, &b, &c, svd.rank(rcond))
            } else {
                f64::NAN
            };
            (c, r)
        };
        let coeffs = coeffs.iter().zip(&self.scale).map(|(c, s)| c / s).collect();
        (coeffs, residual)
    }

    /// The length along the fitted axis of a fitted block: the coefficients, then the
    /// residual when asked for.
    fn out_len(&self) -> usize {
        self.order + usize::from(self.residuals)
    }

    /// A block of `f64` values whole along `axis` (at least [`Fit::out_len`] long, the
    /// first `n` positions real): the coefficients in the first `order` positions of
    /// each lane, the residual after them when asked for, NaN after.
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
            for (i, (yi, v)) in y.iter_mut().zip(lane.iter()).enumerate() {
                *yi = self.w.as_ref().map_or(*v, |w| v * w[i]);
            }
            let (coeffs, residual) = self.lane(&y);
            for (d, c) in dest.iter_mut().zip(coeffs) {
                *d = c;
            }
            if self.residuals {
                dest[self.order] = residual;
            }
        }
        Ok(NdArray::from(out))
    }

    /// The singular values of the matrix as xarray lists them: `order - rank` NaN
    /// first, then the largest `rank` values.
    fn singular_values(&self) -> Vec<f64> {
        let rank = self.full.matrix_rank();
        let mut out = vec![f64::NAN; self.order - rank];
        out.extend(self.full.singular_values().into_iter().take(rank));
        out
    }

    /// `(VᵀV)⁻¹ / (scale scaleᵀ)`, xarray's unscaled covariance, `order x order`.
    fn covariance(&self) -> Result<NdArray> {
        let k = self.order;
        let mut v = self.full.inverse_gram();
        for r in 0..k {
            for c in 0..k {
                v[r * k + c] /= self.scale[r] * self.scale[c];
            }
        }
        NdArray::from_shape_vec(&[k, k], v)
    }
}

/// The coefficients of `data` along `axis` (which becomes the first, of length
/// `order`), and the residuals (without `axis`) when the fit asks for them.
fn fit_data(data: &Data, axis: usize, fit: &Arc<Fit>) -> Result<(Data, Option<Data>)> {
    let (n, order, len) = (fit.n, fit.order, fit.out_len());
    let mut padded = data.astype(DType::F64)?;
    if n < len {
        let mut shape = padded.shape().to_vec();
        shape[axis] = len - n;
        let nan = NdArray::full(&shape, &f64::NAN.into(), DType::F64)?;
        let nan = match &padded {
            Data::Eager(_) => Data::Eager(nan),
            Data::Lazy(l) => {
                let mut sizes = l.chunks().to_vec();
                sizes[axis] = vec![len - n];
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
    let residuals = if fit.residuals {
        Some(
            fitted
                .slice_axis(axis, order, order + 1, 1)?
                .remove_axis(axis)?,
        )
    } else {
        None
    };
    Ok((coeffs.permute(&perm)?, residuals))
}

/// The weights of `opts` for the fit along `dim` of length `n`.
fn weights(ds: &Dataset, dim: &str, n: usize, opts: &PolyfitOptions) -> Result<Option<Vec<f64>>> {
    let w = match &opts.w {
        None => return Ok(None),
        Some(PolyfitWeights::Values(w)) => w.clone(),
        Some(PolyfitWeights::Coord(name)) => {
            let c = ds
                .coords()
                .find(|(k, _)| *k == name)
                .map(|(_, c)| c)
                .ok_or_else(|| Error::VarNotFound {
                    name: name.clone(),
                    context: "the coordinates of a Dataset (polyfit weights)".into(),
                    available: ds.coord_names().iter().cloned().collect(),
                })?;
            if c.dims() != [dim] {
                return Err(Error::invalid_argument(
                    "w",
                    format!(
                        "the weights coordinate {name:?} must be 1-D along {dim:?}, not along {:?}",
                        c.dims()
                    ),
                ));
            }
            c.data().compute()?.to_f64_vec()?
        }
    };
    if w.len() != n {
        return Err(Error::invalid_argument(
            "w",
            format!("{} weights for {dim:?} of length {n}", w.len()),
        ));
    }
    Ok(Some(w))
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
    /// Weights, residuals, rank and covariance: [`Dataset::polyfit_with`].
    ///
    /// # Errors
    /// [`Error::DimNotFound`] naming `dim`; [`Error::VarNotFound`] when `dim` has no
    /// coordinate; [`Error::UnsupportedDType`] naming a data variable or a coordinate
    /// that is not numeric (or datetime, for the coordinate).
    pub fn polyfit(&self, dim: &str, deg: usize) -> Result<Dataset> {
        self.polyfit_with(dim, deg, &PolyfitOptions::new())
    }

    /// [`Dataset::polyfit`] with xarray's other arguments ([`PolyfitOptions`]):
    /// `skipna=false` makes a lane with a NaN a NaN fit; `rcond`; weights `w` multiply the rows of the Vandermonde matrix and the values before
    /// the columns are scaled; `full` adds `<var>_polyfit_residuals` (the sum of
    /// squared weighted residuals of each lane, NaN when its rank is deficient or it
    /// has no more valid values than coefficients), `<dim>_matrix_rank` (of the whole
    /// scaled matrix, NaN ignored) and `<dim>_singular_values` (along `degree`:
    /// `deg + 1 - rank` NaN, then the singular values, largest first);
    /// [`PolyfitCov::Scaled`] adds the residuals and `<var>_polyfit_covariance`
    /// (dims `cov_i`, `cov_j`, then the variable's other dims) = `(VᵀV)⁻¹ / (s sᵀ)` x
    /// residual / (length of `dim` - `deg` - 1), with `V` the scaled matrix and `s`
    /// its column norms; [`PolyfitCov::Unscaled`] adds `(VᵀV)⁻¹ / (s sᵀ)` alone
    /// (dims `cov_i`, `cov_j`).
    ///
    /// # Errors
    /// As [`Dataset::polyfit`]; [`Error::InvalidArgument`] naming `w` when the
    /// weights are not one per position along `dim` (or their coordinate is not 1-D
    /// along `dim`), naming `cov` when the scaled covariance has no more positions than
    /// coefficients; [`Error::VarNotFound`] naming a weights coordinate that does not
    /// exist.
    pub fn polyfit_with(&self, dim: &str, deg: usize, opts: &PolyfitOptions) -> Result<Dataset> {
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
        let order = deg + 1;
        if opts.cov == PolyfitCov::Scaled && x.len() <= order {
            return Err(Error::invalid_argument(
                "cov",
                format!(
                    "scaling the covariance needs more positions along {dim:?} ({}) than coefficients ({order})",
                    x.len()
                ),
            ));
        }
        let w = weights(self, dim, x.len(), opts)?;
        let mut fit = Fit::new(&x, deg, w, opts.rcond);
        fit.residuals = opts.full || opts.cov == PolyfitCov::Scaled;
        fit.skipna = opts.skipna;
        let fit = Arc::new(fit);
        let mut vars = IndexMap::new();
        vars.insert(DEGREE.to_string(), degrees(deg)?);
        let mut coord_names: IndexSet<String> = [DEGREE.to_string()].into_iter().collect();
        if opts.full {
            #[allow(clippy::cast_possible_wrap)]
            let rank = fit.full.matrix_rank() as i64;
            vars.insert(format!("{dim}_matrix_rank"), Variable::scalar(&rank.into()));
            vars.insert(
                format!("{dim}_singular_values"),
                Variable::new(&[DEGREE], fit.singular_values())?,
            );
        }
        let covariance = if opts.cov == PolyfitCov::None {
            None
        } else {
            Some(Variable::new(&[COV_I, COV_J], fit.covariance()?)?)
        };
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
            let (coeffs, residuals) = fit_data(v.data(), axis, &fit)?;
            vars.insert(
                format!("{name}_polyfit_coefficients"),
                Variable::new(&dims, coeffs)?,
            );
            let residuals = residuals
                .map(|r| Variable::new(&dims[1..], r))
                .transpose()?;
            if let Some(r) = &residuals {
                vars.insert(format!("{name}_polyfit_residuals"), r.clone());
            }
            let cov = match (&covariance, &residuals, opts.cov) {
                (Some(c), Some(r), PolyfitCov::Scaled) => {
                    #[allow(clippy::cast_precision_loss)]
                    let dof = (x.len() - order) as f64;
                    Some(c.binary_op(
                        &r.scalar_op(&dof.into(), BinaryOp::Div, false)?,
                        BinaryOp::Mul,
                    )?)
                }
                (Some(c), _, _) => Some(c.clone()),
                (None, _, _) => None,
            };
            if let Some(c) = cov {
                vars.insert(format!("{name}_polyfit_covariance"), c);
            }
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
        self.polyfit_with(dim, deg, &PolyfitOptions::new())
    }

    /// [`DataArray::polyfit`] with weights, residuals, rank, singular values and
    /// covariance ([`PolyfitOptions`]): `polyfit_residuals`, `polyfit_covariance`,
    /// `<dim>_matrix_rank`, `<dim>_singular_values`; see [`Dataset::polyfit_with`].
    ///
    /// # Errors
    /// As [`Dataset::polyfit_with`].
    pub fn polyfit_with(&self, dim: &str, deg: usize, opts: &PolyfitOptions) -> Result<Dataset> {
        const TMP: &str = "__polyfit_data__";
        let ds = self.to_dataset_named(TMP).polyfit_with(dim, deg, opts)?;
        let prefix = format!("{TMP}_");
        let mut vars = IndexMap::new();
        for (name, v) in ds.variables() {
            let name = name.strip_prefix(&prefix).unwrap_or(name).to_string();
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
