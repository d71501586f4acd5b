//! Interpolation onto new coordinate values (xarray's `interp` and `interp_like`, methods
//! `"linear"` and `"nearest"`), on [`DataArray`] and [`Dataset`].
//!
//! As in xarray, the source is first sorted along each interpolated dim (targets need
//! not be sorted: each is placed on its own), several dims are interpolated one after
//! the other (separable: bilinear for two), targets outside the source range give NaN
//! (or [`InterpOptions::fill_value`], or a straight-line continuation with
//! [`InterpOptions::extrapolate`]), and the results are `f64` whatever the input
//! (scipy's `interp1d`, which xarray calls, on eager data: float32 differences are
//! taken in float32 as scipy takes them; xarray + dask would label the result float32). scipy takes two neighbours even for a
//! target equal to a source value, so a NaN beside it spreads; for 1-D data it hands
//! over to numpy's `interp`, which takes the exact value: both are reproduced.
//!
//! The targets become the dim coordinate. Numeric variables along an interpolated dim
//! (coordinates too) are interpolated, and so are datetimes of the standard and
//! proleptic Gregorian calendars (as floats, rounded back to the microsecond; xarray
//! rounds to the nanosecond); other variables along it (strings, bools, datetimes of
//! the other calendars, which xarray holds as objects) take the value at the nearest
//! source position (xarray reindexes them with `"nearest"`).
//!
//! Every step is a gather of the bracketing source positions plus elementwise
//! arithmetic, so lazy data stays lazy: an output block reads only the span of source
//! positions its targets fall between, and chunks along other dims are kept.
//!
//! ```
//! use xr::dataset::{Interp, InterpOptions};
//! use xr::{DataArray, NdArray};
//! # fn main() -> xr::Result<()> {
//! let a = DataArray::new(vec![0.0, 10.0, 20.0], &["x"])?.with_coord("x", &["x"], vec![0.0, 1.0, 2.0])?;
//! let b = a.interp(&[("x", NdArray::from(vec![1.5, 0.25, 3.0]))], Interp::Linear)?;
//! assert_eq!(b.values().to_f64_vec()?[..2], [15.0, 2.5]);
//! assert!(b.values().to_f64_vec()?[2].is_nan());
//! let c = a.interp(&[("x", NdArray::from(vec![3.0]))], InterpOptions::new(Interp::Linear).fill_value(-1.0))?;
//! assert_eq!(c.values().to_f64_vec()?, [-1.0]);
//! # Ok(())
//! # }
//! ```

mod points;

use std::fmt;

use indexmap::{IndexMap, IndexSet};

pub use points::InterpTarget;

use super::calculus::{along, earliest, numpy_calendar};
use super::shift::{check_array_dims, name_error, via_dataset};
use super::{DataArray, Dataset, Variable};
use crate::array::chunks::Region;
use crate::array::kernels::{self, BinaryOp};
use crate::array::{DType, NdArray};
use crate::error::{Error, Result};
use crate::lazy::Data;
use crate::time::{Calendar, NAT};

/// The interpolation method of [`Dataset::interp`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Interp {
    /// Straight line between the two neighbours (xarray's `"linear"`).
    Linear,
    /// The nearest source value; a target halfway between two takes the lower one
    /// (xarray's `"nearest"`, scipy's rule).
    Nearest,
}

impl fmt::Display for Interp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Interp::Linear => "linear",
            Interp::Nearest => "nearest",
        })
    }
}

/// What targets outside the source coordinate's range get.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fill {
    Nan,
    Value(f64),
    Extrapolate,
}

/// The method and the out-of-range rule of [`Dataset::interp`] (xarray's `method` and
/// `kwargs={"fill_value": ...}`). An [`Interp`] converts into options with NaN outside.
///
/// ```
/// use xr::dataset::{Interp, InterpOptions};
/// let o = InterpOptions::new(Interp::Linear).fill_value(0.0);
/// let e = InterpOptions::new(Interp::Nearest).extrapolate();
/// # let _ = (o, e);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InterpOptions {
    method: Interp,
    fill: Fill,
}

impl InterpOptions {
    /// `method`, NaN outside the source range.
    pub fn new(method: Interp) -> Self {
        InterpOptions {
            method,
            fill: Fill::Nan,
        }
    }

    /// Targets outside the source range take `value` (`fill_value=value`).
    #[must_use]
    pub fn fill_value(mut self, value: f64) -> Self {
        self.fill = Fill::Value(value);
        self
    }

    /// Targets outside the source range continue the first or last segment (linear)
    /// or take the edge value (nearest) (`fill_value="extrapolate"`).
    #[must_use]
    pub fn extrapolate(mut self) -> Self {
        self.fill = Fill::Extrapolate;
        self
    }
}

impl From<Interp> for InterpOptions {
    fn from(method: Interp) -> Self {
        InterpOptions::new(method)
    }
}

/// Where each target of one dim falls among the source positions.
struct Plan {
    dim: String,
    /// The targets, which become the dim coordinate.
    targets: NdArray,
    /// Linear: the bracketing source positions (original order), the spacing and the
    /// target's offset from the lower one; scipy's rule.
    lo: Vec<usize>,
    hi: Vec<usize>,
    dx: Vec<f64>,
    off: Vec<f64>,
    /// The source position equal to the target, for numpy's rule (1-D data).
    exact: Vec<Option<usize>>,
    /// Nearest: scipy's position (ties to the lower), and pandas' (ties to the upper)
    /// for values that are not interpolated.
    nearest: Vec<usize>,
    reindex: Vec<usize>,
    /// Targets outside the source range (never with extrapolation).
    outside: Vec<bool>,
}

/// The coordinate values of `dim` as numbers: datetimes as ticks after the first, so
/// that their differences are exact in `f64` (xarray's offset by the minimum).
fn as_numbers(values: &NdArray, base: Option<i64>, what: &str, dim: &str) -> Result<Vec<f64>> {
    match values {
        NdArray::DateTime(t, _) => {
            let base = base.unwrap_or_else(|| earliest(t.iter().copied()));
            #[allow(clippy::cast_precision_loss)]
            Ok(t.iter()
                .map(|&v| {
                    if v == NAT {
                        f64::NAN
                    } else {
                        (i128::from(v) - i128::from(base)) as f64
                    }
                })
                .collect())
        }
        v if v.dtype().is_numeric() => v.to_f64_vec(),
        v => Err(Error::invalid_argument(
            "coords",
            format!(
                "cannot interpolate along {dim:?}: its {what} are {}, not numbers or datetimes",
                v.dtype()
            ),
        )),
    }
}

impl Plan {
    fn new(ds: &Dataset, dim: &str, targets: &NdArray, options: InterpOptions) -> Result<Plan> {
        let n = ds.dim_size(dim)?;
        if targets.ndim() != 1 {
            return Err(Error::invalid_argument(
                "coords",
                format!(
                    "the targets of {dim:?} must be 1-D, got shape {:?}",
                    targets.shape()
                ),
            ));
        }
        let source = match ds.variables().get(dim) {
            Some(v) if v.ndim() == 1 => v.values()?,
            _ => NdArray::from((0..n as i64).collect::<Vec<i64>>()),
        };
        let (x, t) = match (&source, targets) {
            (NdArray::DateTime(s, cal), NdArray::DateTime(_, tcal)) if cal == tcal => {
                let base = earliest(s.iter().copied());
                (
                    as_numbers(&source, Some(base), "values", dim)?,
                    as_numbers(targets, Some(base), "targets", dim)?,
                )
            }
            (NdArray::DateTime(..), _) | (_, NdArray::DateTime(..)) => {
                return Err(Error::DTypeMismatch {
                    what: format!(
                        "interpolation along {dim:?} (a datetime coordinate needs datetime targets of its calendar)"
                    ),
                    left: source.dtype(),
                    right: targets.dtype(),
                })
            }
            _ => (
                as_numbers(&source, None, "values", dim)?,
                as_numbers(targets, None, "targets", dim)?,
            ),
        };
        if x.iter().any(|v| v.is_nan()) {
            return Err(Error::invalid_argument(
                "coords",
                format!("cannot interpolate along {dim:?}: its coordinate holds NaN or NaT"),
            ));
        }
        if n < 2 && (options.method == Interp::Linear || n == 0) {
            return Err(Error::invalid_argument(
                "coords",
                format!(
                    "cannot interpolate along {dim:?} of length {n} with method {}",
                    options.method
                ),
            ));
        }
        // xarray sorts the source first (stable, as pandas' sort of an index).
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
        let xs: Vec<f64> = order.iter().map(|&i| x[i]).collect();
        let bounds: Vec<f64> = xs.windows(2).map(|w| w[1] / 2.0 + w[0] / 2.0).collect();
        let extrapolate = options.fill == Fill::Extrapolate;
        let mut plan = Plan {
            dim: dim.to_string(),
            targets: targets.clone(),
            lo: Vec::with_capacity(t.len()),
            hi: Vec::with_capacity(t.len()),
            dx: Vec::with_capacity(t.len()),
            off: Vec::with_capacity(t.len()),
            exact: Vec::with_capacity(t.len()),
            nearest: Vec::with_capacity(t.len()),
            reindex: Vec::with_capacity(t.len()),
            outside: Vec::with_capacity(t.len()),
        };
        for &v in &t {
            // numpy's searchsorted puts NaN after everything.
            let left = |s: &[f64]| {
                if v.is_nan() {
                    s.len()
                } else {
                    s.partition_point(|&a| a < v)
                }
            };
            let j = left(&xs).clamp(1, n.max(2) - 1).min(n - 1);
            let (lo, hi) = (j.saturating_sub(1), j);
            plan.lo.push(order[lo]);
            plan.hi.push(order[hi]);
            plan.dx.push(xs[hi] - xs[lo]);
            plan.off.push(v - xs[lo]);
            let at = left(&xs);
            plan.exact.push((at < n && xs[at] == v).then(|| order[at]));
            plan.nearest.push(order[left(&bounds).min(n - 1)]);
            // pandas' nearest: the closer neighbour, the upper one on a tie.
            let r = if at == 0 || v.is_nan() {
                at.min(n - 1)
            } else if at >= n {
                n - 1
            } else if v - xs[at - 1] < xs[at] - v {
                at - 1
            } else {
                at
            };
            plan.reindex.push(order[r]);
            plan.outside
                .push(!extrapolate && (v < xs[0] || v > xs[n - 1]));
        }
        Ok(plan)
    }

    /// `data` interpolated along `axis`.
    fn apply(&self, data: &Data, axis: usize, options: InterpOptions) -> Result<Data> {
        let ndim = data.ndim();
        // numpy's `interp` (1-D data): a target on a source value takes it.
        let numpy = ndim == 1 && options.fill != Fill::Extrapolate;
        // scipy keeps float32 values and takes their differences in float32; numpy's
        // `interp` and integers work in float64.
        let y = if data.dtype().is_float() && !numpy {
            data.clone()
        } else {
            data.astype(DType::F64)?
        };
        let anchors = self.anchors();
        let (lo, hi, dx, off) = match options.method {
            Interp::Nearest => (self.nearest.clone(), self.nearest.clone(), vec![], vec![]),
            Interp::Linear => {
                let mut cols = (vec![], vec![], vec![], vec![]);
                for (k, &anchor) in anchors.iter().enumerate() {
                    let (l, h, d, o) = match self.exact[k] {
                        // Outside targets are filled: they read where their neighbours do.
                        _ if self.outside[k] => (anchor, anchor, 1.0, f64::NAN),
                        Some(p) if numpy => (p, p, 1.0, 0.0),
                        _ => (self.lo[k], self.hi[k], self.dx[k], self.off[k]),
                    };
                    cols.0.push(l);
                    cols.1.push(h);
                    cols.2.push(d);
                    cols.3.push(o);
                }
                cols
            }
        };
        let out = match options.method {
            Interp::Nearest => {
                let idx: Vec<usize> = (0..lo.len())
                    .map(|k| if self.outside[k] { anchors[k] } else { lo[k] })
                    .collect();
                let taken = y.take(axis, &idx)?.astype(DType::F64)?;
                let taken = local(taken, axis, data, &idx, &idx)?;
                if self.outside.iter().any(|&o| o) {
                    // NaN outside: times NaN there, times 1 elsewhere.
                    let w = self.outside.iter().map(|&o| if o { f64::NAN } else { 1.0 });
                    taken.binary(&along(axis, ndim, w.collect())?, BinaryOp::Mul)?
                } else {
                    taken
                }
            }
            Interp::Linear if one_block(&y, axis) && !lo.is_empty() => {
                linear_one_pass(&y, axis, lo, hi, dx, off)?
            }
            Interp::Linear => {
                let y_lo = y.take(axis, &lo)?;
                // scipy: slope * (x_new - x_lo) + y_lo; NaN outside (offset NaN).
                let out = y
                    .take(axis, &hi)?
                    .binary(&y_lo, BinaryOp::Sub)?
                    .astype(DType::F64)?
                    .binary(&along(axis, ndim, dx)?, BinaryOp::Div)?
                    .binary(&along(axis, ndim, off)?, BinaryOp::Mul)?
                    .binary(&y_lo.astype(DType::F64)?, BinaryOp::Add)?;
                local(out, axis, data, &lo, &hi)?
            }
        };
        match options.fill {
            Fill::Value(v) if self.outside.iter().any(|&o| o) => {
                fill_outside(&out, axis, &self.outside, v)
            }
            _ => Ok(out),
        }
    }

    /// The values not interpolated (strings, bools, cftime datetimes) along `axis`:
    /// pandas' nearest source position, whatever the range.
    fn reindex(&self, data: &Data, axis: usize) -> Result<Data> {
        local(
            data.take(axis, &self.reindex)?,
            axis,
            data,
            &self.reindex,
            &self.reindex,
        )
    }

    /// For each target, a source position its neighbours read (for targets outside
    /// the range, whose values are filled, so that they read no block of their own).
    fn anchors(&self) -> Vec<usize> {
        let inside = |k: usize| (!self.outside[k]).then(|| self.lo[k]);
        let first = (0..self.lo.len()).find_map(inside).unwrap_or(0);
        let mut last = first;
        (0..self.lo.len())
            .map(|k| {
                if let Some(p) = inside(k) {
                    last = p;
                }
                last
            })
            .collect()
    }
}

/// `out` (gathered along `axis` from `source`, target `k` reading positions `lo[k]`
/// to `hi[k]`) chunked so that each block of targets reads only the source blocks
/// its targets fall in: consecutive targets share a block while those source blocks
/// stay contiguous, up to the source's longest chunk.
fn local(out: Data, axis: usize, source: &Data, lo: &[usize], hi: &[usize]) -> Result<Data> {
    let (Data::Lazy(l), Some(chunks)) = (&out, source.chunks()) else {
        return Ok(out);
    };
    let along = &chunks[axis];
    let ends: Vec<usize> = along
        .iter()
        .scan(0, |acc, &n| {
            *acc += n;
            Some(*acc)
        })
        .collect();
    let block = |p: usize| ends.partition_point(|&e| e <= p);
    let longest = along.iter().copied().max().unwrap_or(1).max(1);
    let mut sizes = Vec::new();
    let (mut len, mut first, mut last) = (0, 0, 0);
    for (&a, &b) in lo.iter().zip(hi) {
        let (ba, bb) = (block(a.min(b)), block(a.max(b)));
        if len > 0 && (len == longest || ba > last + 1 || bb + 1 < first) {
            sizes.push(len);
            len = 0;
        }
        if len == 0 {
            (first, last) = (ba, bb);
        } else {
            (first, last) = (first.min(ba), last.max(bb));
        }
        len += 1;
    }
    if len > 0 || sizes.is_empty() {
        sizes.push(len);
    }
    // Sorted or clustered targets give about one block per source block they touch;
    // targets jumping to and fro would give a block per target: then blocks of the
    // gather's own length, each reading the span of its targets, cost less.
    if sizes.len() > 2 * (along.len() + lo.len().div_ceil(longest)) {
        return Ok(out);
    }
    let mut grid = l.chunks().to_vec();
    grid[axis] = sizes;
    Ok(Data::Lazy(l.rechunk_sizes(grid)?))
}

/// True when `data` is eager or in one block along `axis`: then each block is
/// interpolated along it in one pass, reading each source block once.
fn one_block(data: &Data, axis: usize) -> bool {
    data.chunks().is_none_or(|c| c[axis].len() == 1)
}

/// `y` (floats) interpolated linearly along `axis` in one pass per block (see
/// [`kernels::interp_linear`]); lazy data must be in one block along `axis`.
fn linear_one_pass(
    y: &Data,
    axis: usize,
    lo: Vec<usize>,
    hi: Vec<usize>,
    dx: Vec<f64>,
    off: Vec<f64>,
) -> Result<Data> {
    let k = lo.len();
    let run = move |block: &NdArray| {
        let at = kernels::Brackets {
            lo: &lo,
            hi: &hi,
            dx: &dx,
            off: &off,
        };
        kernels::interp_linear(block, axis, at)
    };
    match y {
        Data::Eager(a) => Ok(Data::Eager(run(a)?)),
        Data::Lazy(l) => {
            let n = l.shape()[axis];
            let mut chunks = l.chunks().to_vec();
            chunks[axis] = vec![k];
            Ok(Data::Lazy(l.map_blocks_to(
                chunks,
                DType::F64,
                "interp",
                move |region: &Region| {
                    let mut r = region.clone();
                    r[axis] = 0..n;
                    r
                },
                move |_, block| run(&block),
            )?))
        }
    }
}

/// `out` with `fill` at the targets `outside` the source range, block by block.
fn fill_outside(out: &Data, axis: usize, outside: &[bool], fill: f64) -> Result<Data> {
    let mut shape = vec![1; out.ndim()];
    shape[axis] = outside.len();
    let inside = NdArray::from_shape_vec(&shape, outside.iter().map(|&o| !o).collect())?;
    let full = out.shape().to_vec();
    let select = move |values: &NdArray, inside: &NdArray| -> Result<NdArray> {
        let mask = inside
            .as_array::<bool>()
            .ok_or_else(|| Error::internal("the inside mask is bool"))?;
        values.select(
            mask,
            &NdArray::full(values.shape(), &fill.into(), values.dtype())?,
        )
    };
    match out {
        Data::Eager(a) => Ok(Data::Eager(select(
            a,
            &inside.broadcast_to(&full)?.to_standard_layout(),
        )?)),
        // The blocks of `out`, each with its part of the mask.
        Data::Lazy(l) => {
            let mask = crate::lazy::LazyArray::from_array(inside, &vec![0; full.len()])?
                .broadcast_to(&full)?;
            Ok(Data::Lazy(l.map_blocks(
                &[mask],
                DType::F64,
                move |blocks| match blocks {
                    [values, inside] => select(values, inside),
                    _ => Err(Error::internal("the fill takes two blocks")),
                },
            )?))
        }
    }
}

/// `var` with new `dims` and the data `f` makes of its data: `f` is told whether the
/// values are interpolated (numbers, and numpy's datetimes, handed over as floats and
/// turned back) or taken from the nearest source position (the other dtypes). As in
/// xarray, interpolated values drop the source's encoding (its packing and chunking
/// describe the source); values taken as they are keep it.
fn interp_variable(
    var: &Variable,
    name: &str,
    dims: Vec<String>,
    f: impl FnOnce(&Data, bool) -> Result<Data>,
) -> Result<Variable> {
    let numpy_datetime = match var.dtype() {
        DType::DateTime(cal) if numpy_calendar(cal) => Some(cal),
        _ => None,
    };
    let data = match numpy_datetime {
        Some(_) => ticks_as_float(var.data())?,
        None => var.data().clone(),
    };
    let interpolated = interpolable(data.dtype());
    let mut data = f(&data, interpolated).map_err(|e| name_error(e, name))?;
    if let Some(cal) = numpy_datetime {
        data = float_as_ticks(&data, cal)?;
    }
    Ok(if interpolated {
        var.computed(dims, data)
    } else {
        var.replace(dims, data)
    })
}

/// True for the dtypes xarray interpolates (numpy kinds `u`, `i`, `f`).
fn interpolable(dtype: DType) -> bool {
    dtype.is_integer() || dtype.is_float()
}

/// Datetime ticks as floats, NaT as NaN (xarray interpolates numpy datetimes so).
fn ticks_as_float(data: &Data) -> Result<Data> {
    data.map_elementwise(DType::F64, |a| match a {
        #[allow(clippy::cast_precision_loss)]
        NdArray::DateTime(t, _) => Ok(NdArray::from(t.mapv(|v| {
            if v == NAT {
                f64::NAN
            } else {
                v as f64
            }
        }))),
        other => Err(Error::internal(format!(
            "datetime data holds {}",
            other.dtype()
        ))),
    })
}

/// Floats back to datetime ticks, rounded half to even, NaN as NaT.
fn float_as_ticks(data: &Data, calendar: Calendar) -> Result<Data> {
    data.map_elementwise(DType::DateTime(calendar), move |a| {
        let v = a
            .as_array::<f64>()
            .ok_or_else(|| Error::internal(format!("interpolated datetimes hold {}", a.dtype())))?;
        #[allow(clippy::cast_possible_truncation)]
        let ticks = v.mapv(|f| {
            if f.is_nan() {
                NAT
            } else {
                f.round_ties_even() as i64
            }
        });
        Ok(NdArray::datetime(ticks.into_shared(), calendar))
    })
}

impl Dataset {
    /// Interpolates onto new coordinate values along each dim (xarray's `interp`):
    /// `coords` pairs a dim with its 1-D targets (numbers, or datetimes of the
    /// coordinate's calendar on a datetime coordinate), interpolated in the order
    /// given; `options` is an [`Interp`] method or [`InterpOptions`]. A dim without a
    /// coordinate counts as `0..n`.
    ///
    /// As in xarray: the source is sorted along each dim first (targets may be in any
    /// order, each placed on its own); several dims are interpolated one after the
    /// other (bilinear for two); targets outside the source range give NaN (or
    /// [`InterpOptions::fill_value`], or [`InterpOptions::extrapolate`]); results are
    /// floats. scipy's rule takes two neighbours even for a target on a source value
    /// (a NaN beside it spreads), numpy's (used by xarray for 1-D data) takes the
    /// value. The targets become the dim coordinate; numeric coordinates along the
    /// dim are interpolated too, others take the nearest source value. Lazy data stays
    /// lazy: an output block reads only the source positions its targets fall between.
    ///
    /// ```
    /// use xr::dataset::Interp;
    /// use xr::{DataArray, NdArray};
    /// # fn main() -> xr::Result<()> {
    /// let t = DataArray::new(ndarray::array![[0.0, 1.0], [2.0, 3.0]].into_dyn(), &["lat", "lon"])?
    ///     .with_coord("lat", &["lat"], vec![0.0, 10.0])?
    ///     .with_coord("lon", &["lon"], vec![0.0, 10.0])?
    ///     .to_dataset();
    /// let mid = t.interp(
    ///     &[("lat", NdArray::from(vec![5.0])), ("lon", NdArray::from(vec![5.0]))],
    ///     Interp::Linear,
    /// )?;
    /// assert_eq!(mid.variable("__xarray_dataarray_variable__")?.values()?.to_f64_vec()?, [1.5]);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// [`Error::DimNotFound`] naming a dim the dataset lacks; [`Error::InvalidArgument`]
    /// naming `coords` for targets that are not 1-D or not numbers, a coordinate with
    /// NaN, or fewer than two source points for `"linear"`; [`Error::DTypeMismatch`]
    /// for datetime targets on a numeric coordinate (or the other way round, or another
    /// calendar).
    pub fn interp<T: Clone + Into<InterpTarget>>(
        &self,
        coords: &[(&str, T)],
        options: impl Into<InterpOptions>,
    ) -> Result<Dataset> {
        let options = options.into();
        let mut orthogonal: Vec<(&str, NdArray)> = Vec::new();
        let mut groups: IndexMap<String, Vec<(&str, DataArray)>> = IndexMap::new();
        for (dim, target) in coords {
            if !self.dims().contains_key(*dim) {
                return Err(Error::DimNotFound {
                    dim: dim.to_string(),
                    context: "interp of a Dataset".into(),
                    available: self.dims().keys().cloned().collect(),
                });
            }
            let given = orthogonal.iter().map(|(d, _)| *d);
            if given
                .chain(groups.values().flatten().map(|(d, _)| *d))
                .any(|d| d == *dim)
            {
                return Err(Error::invalid_argument(
                    "coords",
                    format!("dim {dim:?} is given twice"),
                ));
            }
            match target.clone().into() {
                InterpTarget::Values(values) => orthogonal.push((dim, values)),
                InterpTarget::Points(points) => match points::new_dim(self, dim, &points)? {
                    None => orthogonal.push((dim, points.values().compute()?)),
                    Some(new) => groups.entry(new).or_default().push((dim, *points)),
                },
            }
        }
        let mut ds = self.interp_orthogonal(&orthogonal, options)?;
        for (new_dim, members) in &groups {
            ds = ds.interp_points(new_dim, members, options)?;
        }
        Ok(ds)
    }

    /// [`Dataset::interp`] with 1-D targets, each dim on its own (the grid of targets).
    fn interp_orthogonal(
        &self,
        coords: &[(&str, NdArray)],
        options: InterpOptions,
    ) -> Result<Dataset> {
        if coords.is_empty() {
            return Ok(self.clone());
        }
        let mut plans = Vec::with_capacity(coords.len());
        for (dim, targets) in coords {
            plans.push(Plan::new(self, dim, targets, options)?);
        }
        let mut vars = IndexMap::new();
        for (name, var) in self.variables() {
            if let Some(p) = plans.iter().find(|p| p.dim == *name && var.ndim() == 1) {
                vars.insert(
                    name.clone(),
                    var.replace(vec![p.dim.clone()], p.targets.clone()),
                );
                continue;
            }
            let along: Vec<(&Plan, usize)> = plans
                .iter()
                .filter_map(|p| var.axis_of(&p.dim).map(|axis| (p, axis)))
                .collect();
            if along.is_empty() {
                vars.insert(name.clone(), var.clone());
                continue;
            }
            let var = interp_variable(var, name, var.dims().to_vec(), |data, interpolated| {
                let mut data = data.clone();
                for &(p, axis) in &along {
                    data = if interpolated {
                        p.apply(&data, axis, options)?
                    } else {
                        p.reindex(&data, axis)?
                    };
                }
                Ok(data)
            })?;
            vars.insert(name.clone(), var);
        }
        let coord_names: IndexSet<String> = self.coord_names().clone();
        let mut coord_names = coord_names;
        for p in &plans {
            coord_names.insert(p.dim.clone());
            if !vars.contains_key(&p.dim) {
                vars.insert(
                    p.dim.clone(),
                    Variable::new(&[p.dim.as_str()], p.targets.clone())?,
                );
            }
        }
        Dataset::from_parts(vars, coord_names, self.attrs().clone())
    }

    /// Interpolates onto the coordinates of `other` for the dims they share (xarray's
    /// `interp_like`): numeric index coordinates and datetimes of the standard and
    /// proleptic Gregorian calendars (numpy's) are interpolated; others (strings,
    /// datetimes of the other calendars, which xarray holds as objects) are reindexed
    /// (exact labels, NaN elsewhere), as xarray does.
    ///
    /// # Errors
    /// As [`Dataset::interp`].
    pub fn interp_like(
        &self,
        other: &Dataset,
        options: impl Into<InterpOptions>,
    ) -> Result<Dataset> {
        let mut numeric = Vec::new();
        let mut other_labels = Vec::new();
        for dim in self.dims().keys() {
            if let Some(index) = other.indexes().get(dim) {
                let values = index.values().clone();
                let interpolated = match values.dtype() {
                    DType::DateTime(cal) => numpy_calendar(cal),
                    d => d.is_numeric(),
                };
                if interpolated {
                    numeric.push((dim.clone(), values));
                } else {
                    other_labels.push((dim.clone(), values));
                }
            }
        }
        let mut ds = self.clone();
        if !other_labels.is_empty() {
            let idx: Vec<(&str, NdArray)> = other_labels
                .iter()
                .map(|(d, v)| (d.as_str(), v.clone()))
                .collect();
            ds = ds.reindex(&idx, None)?;
        }
        let coords: Vec<(&str, NdArray)> = numeric
            .iter()
            .map(|(d, v)| (d.as_str(), v.clone()))
            .collect();
        ds.interp(&coords, options)
    }
}

impl DataArray {
    /// Interpolates onto new coordinate values; see [`Dataset::interp`].
    ///
    /// # Errors
    /// As [`Dataset::interp`], naming a dim the array lacks.
    pub fn interp<T: Clone + Into<InterpTarget>>(
        &self,
        coords: &[(&str, T)],
        options: impl Into<InterpOptions>,
    ) -> Result<DataArray> {
        check_array_dims(self, coords.iter().map(|(d, _)| *d))?;
        if !interpolable(self.dtype()) {
            return Err(Error::UnsupportedDType {
                op: format!("interp of DataArray {}", self.display_name()),
                dtype: self.dtype(),
            });
        }
        let options = options.into();
        via_dataset(self, |ds| ds.interp(coords, options))
    }

    /// Interpolates onto the coordinates of `other` for the dims they share; see
    /// [`Dataset::interp_like`].
    ///
    /// # Errors
    /// As [`Dataset::interp`].
    pub fn interp_like(
        &self,
        other: &DataArray,
        options: impl Into<InterpOptions>,
    ) -> Result<DataArray> {
        let options = options.into();
        let other = other.to_dataset_named("__interp_like_other__");
        via_dataset(self, |ds| ds.interp_like(&other, options))
    }
}
