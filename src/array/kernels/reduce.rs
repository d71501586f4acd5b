//! Reductions along a set of axes, with numpy/xarray dtype rules and NaN skipping.

use std::fmt;

use ndarray::{ArcArray, IxDyn};

use super::quantile::{self, Quantile, QuantileMethod};
use super::Num;
use crate::array::{match_numeric, DType, Element, NdArray};
use crate::error::{Error, Result};

/// A reduction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reduction {
    /// Sum; integers give `i64` (`u64` if unsigned), bools `i64`; all-NaN gives 0.
    Sum,
    /// Arithmetic mean; integers give `f64`, `f32` stays `f32`.
    Mean,
    /// Standard deviation with `ddof`.
    Std,
    /// Variance with `ddof`.
    Var,
    /// Minimum (same dtype).
    Min,
    /// Maximum (same dtype).
    Max,
    /// Median; integers give `f64`.
    Median,
    /// Product; integers give `i64`/`u64`; all-NaN gives 1.
    Prod,
    /// Number of non-NaN values (`i64`).
    Count,
    /// Position of the minimum along one axis (`i64`).
    ArgMin,
    /// Position of the maximum along one axis (`i64`).
    ArgMax,
    /// True when every value is non-zero.
    All,
    /// True when any value is non-zero.
    Any,
    /// A quantile (numpy's `linear` or `nearest`); `linear` gives `f64` (numpy's result
    /// for a list of `q`), `nearest` keeps the dtype.
    Quantile(Quantile),
}

impl Reduction {
    /// xarray's method name (`"sum"`, `"argmin"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Reduction::Sum => "sum",
            Reduction::Mean => "mean",
            Reduction::Std => "std",
            Reduction::Var => "var",
            Reduction::Min => "min",
            Reduction::Max => "max",
            Reduction::Median => "median",
            Reduction::Prod => "prod",
            Reduction::Count => "count",
            Reduction::ArgMin => "argmin",
            Reduction::ArgMax => "argmax",
            Reduction::All => "all",
            Reduction::Any => "any",
            Reduction::Quantile(_) => "quantile",
        }
    }

    /// True for reductions that only make sense on numbers (xarray's `numeric_only`):
    /// a Dataset skips its non-numeric variables for these.
    pub fn numeric_only(self) -> bool {
        matches!(
            self,
            Reduction::Sum
                | Reduction::Mean
                | Reduction::Std
                | Reduction::Var
                | Reduction::Median
                | Reduction::Prod
                | Reduction::Quantile(_)
        )
    }
}

impl fmt::Display for Reduction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Options of a reduction kernel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReduceParams {
    /// Skip NaN (floats only); `None` means yes, as xarray does for floats.
    pub skipna: Option<bool>,
    /// Delta degrees of freedom of `std`/`var`: the divisor is `n - ddof`.
    pub ddof: usize,
}

impl ReduceParams {
    /// Parameters with `skipna` and `ddof`.
    pub fn new(skipna: Option<bool>, ddof: usize) -> Self {
        ReduceParams { skipna, ddof }
    }
}

/// Reduces `a` along `axes` (which disappear from the shape). An empty `axes` reduces
/// over nothing: each element is its own lane, which still applies the dtype rules.
///
/// # Errors
/// [`Error::InvalidArgument`] for an axis out of range or repeated, or an `ArgMin`/
/// `ArgMax` over other than one axis; [`Error::UnsupportedDType`] naming the reduction
/// for strings (except `count`) and for datetimes and timedeltas (except `min`, `max`,
/// `count`, `argmin`, `argmax`); [`Error::EmptyReduction`] for `min`/`max`/`argmin`/`argmax`
/// of an empty lane, or `argmin`/`argmax` of an all-NaN lane.
pub fn reduce(a: &NdArray, axes: &[usize], op: Reduction, params: ReduceParams) -> Result<NdArray> {
    for (i, &ax) in axes.iter().enumerate() {
        if ax >= a.ndim() || axes[..i].contains(&ax) {
            return Err(Error::invalid_argument(
                "axes",
                format!(
                    "{op}: axes {axes:?} are not distinct axes of an array of shape {:?}",
                    a.shape()
                ),
            ));
        }
    }
    if matches!(op, Reduction::ArgMin | Reduction::ArgMax) && axes.len() != 1 {
        return Err(Error::invalid_argument(
            "axes",
            format!("{op} reduces over exactly one axis, got {axes:?}"),
        ));
    }
    let unsupported = || Error::UnsupportedDType {
        op: op.name().into(),
        dtype: a.dtype(),
    };
    let skipna = params.skipna.unwrap_or(true);
    match (a, op) {
        (NdArray::F32(x), Reduction::Count) => lanes(x, axes, |l| Ok(count_non_nan(l))),
        (NdArray::F64(x), Reduction::Count) => lanes(x, axes, |l| Ok(count_non_nan(l))),
        (_, Reduction::Count) => {
            crate::array::match_all!(a, x => lanes(x, axes, |l| Ok(l.len() as i64)))
        }
        (NdArray::Str(_), _) => Err(unsupported()),
        (NdArray::Bool(x), Reduction::All | Reduction::Min) => {
            lanes(x, axes, |l| Ok(l.iter().all(|&v| v)))
        }
        (NdArray::Bool(x), Reduction::Any | Reduction::Max) => {
            lanes(x, axes, |l| Ok(l.iter().any(|&v| v)))
        }
        (NdArray::Bool(_), Reduction::ArgMin | Reduction::ArgMax) => {
            reduce(&a.astype(DType::U8)?, axes, op, params)
        }
        // The nearest quantile is one of the values: a bool.
        (NdArray::Bool(_), Reduction::Quantile(q)) if q.method() == QuantileMethod::Nearest => {
            reduce(&a.astype(DType::U8)?, axes, op, params)?.astype(DType::Bool)
        }
        (NdArray::Bool(_), _) => reduce(&a.astype(DType::I64)?, axes, op, params),
        (_, Reduction::All | Reduction::Any) => reduce(
            &a.astype(DType::Bool).map_err(|_| unsupported())?,
            axes,
            op,
            params,
        ),
        (NdArray::DateTime(x, cal), Reduction::Min | Reduction::Max) => {
            match reduce_num(x, axes, op, skipna, params.ddof)? {
                NdArray::I64(t) => Ok(NdArray::DateTime(t, *cal)),
                _ => Err(Error::internal("min/max of i64 ticks is not i64")),
            }
        }
        (NdArray::TimeDelta(x), Reduction::Min | Reduction::Max) => {
            match reduce_num(x, axes, op, skipna, params.ddof)? {
                NdArray::I64(t) => Ok(NdArray::TimeDelta(t)),
                _ => Err(Error::internal("min/max of i64 ticks is not i64")),
            }
        }
        (
            NdArray::DateTime(x, _) | NdArray::TimeDelta(x),
            Reduction::ArgMin | Reduction::ArgMax,
        ) => reduce_num(x, axes, op, skipna, params.ddof),
        _ => match_numeric!(a, x => reduce_num(x, axes, op, skipna, params.ddof),
            _ => Err(unsupported())),
    }
}

fn count_non_nan<T: Num>(l: &[T]) -> i64 {
    l.iter().filter(|v| !v.is_nan()).count() as i64
}

/// Runs `f` on every lane of `a` along `axes` (the lanes are contiguous after moving the
/// reduced axes last) and gathers the results in the shape of the kept axes.
fn lanes<T: Clone, O: Element>(
    a: &ArcArray<T, IxDyn>,
    axes: &[usize],
    mut f: impl FnMut(&[T]) -> Result<O>,
) -> Result<NdArray> {
    let kept: Vec<usize> = (0..a.ndim()).filter(|i| !axes.contains(i)).collect();
    let order: Vec<usize> = kept.iter().chain(axes).copied().collect();
    let out_shape: Vec<usize> = kept.iter().map(|&i| a.shape()[i]).collect();
    let inner: usize = axes.iter().map(|&i| a.shape()[i]).product();
    let outer: usize = out_shape.iter().product();
    let moved = a.view().permuted_axes(IxDyn(&order));
    let standard = moved.as_standard_layout();
    let flat = standard
        .as_slice()
        .ok_or_else(|| Error::internal("a standard-layout array is not contiguous"))?;
    let mut out = Vec::with_capacity(outer);
    if inner == 0 {
        for _ in 0..outer {
            out.push(f(&[])?);
        }
    } else {
        for lane in flat.chunks_exact(inner) {
            out.push(f(lane)?);
        }
    }
    NdArray::from_shape_vec(&out_shape, out)
}

fn reduce_num<T: Num>(
    x: &ArcArray<T, IxDyn>,
    axes: &[usize],
    op: Reduction,
    skipna: bool,
    ddof: usize,
) -> Result<NdArray> {
    let float = |v: f64| T::float_from_f64(v);
    match op {
        Reduction::Sum => lanes(x, axes, |l| Ok(T::sum_lane(l, skipna))),
        Reduction::Prod => lanes(x, axes, |l| Ok(T::prod_lane(l, skipna))),
        Reduction::Mean => lanes(x, axes, |l| Ok(float(mean(l, skipna).0))),
        Reduction::Var => lanes(x, axes, |l| Ok(float(var(l, skipna, ddof)))),
        Reduction::Std => lanes(x, axes, |l| Ok(float(var(l, skipna, ddof).sqrt()))),
        Reduction::Median => lanes(x, axes, |l| Ok(float(median(l, skipna)))),
        Reduction::Quantile(q) => match q.method() {
            QuantileMethod::Linear => lanes(x, axes, |l| Ok(quantile::linear(l, q, skipna))),
            QuantileMethod::Nearest => lanes(x, axes, |l| quantile::nearest(l, q, skipna)),
        },
        Reduction::Min | Reduction::Max => {
            let want_max = op == Reduction::Max;
            lanes(x, axes, |l| {
                extreme(l, skipna, want_max, op).map(|(_, v)| v)
            })
        }
        Reduction::ArgMin | Reduction::ArgMax => {
            let want_max = op == Reduction::ArgMax;
            lanes(x, axes, |l| {
                let (i, v) = extreme(l, skipna, want_max, op)?;
                if v.is_nan() && skipna {
                    return Err(Error::EmptyReduction {
                        op: op.to_string(),
                        lane: "an all-NaN slice".into(),
                    });
                }
                Ok(i as i64)
            })
        }
        Reduction::Count | Reduction::All | Reduction::Any => Err(Error::internal(format!(
            "{op} is dispatched before reduce_num"
        ))),
    }
}

/// The mean of the lane in f64 and the number of values it used.
fn mean<T: Num>(l: &[T], skipna: bool) -> (f64, usize) {
    let mut sum = 0.0;
    let mut n = 0;
    for v in l {
        if !(skipna && v.is_nan()) {
            sum += v.to_f64();
            n += 1;
        }
    }
    if n == 0 {
        (f64::NAN, 0)
    } else {
        (sum / n as f64, n)
    }
}

/// Two-pass variance in f64, with the compensating term of the corrected two-pass
/// algorithm so that a large mean does not swamp small deviations.
fn var<T: Num>(l: &[T], skipna: bool, ddof: usize) -> f64 {
    let (m, n) = mean(l, skipna);
    if n <= ddof {
        return f64::NAN;
    }
    let (mut sq, mut comp) = (0.0, 0.0);
    for v in l {
        if !(skipna && v.is_nan()) {
            let d = v.to_f64() - m;
            sq += d * d;
            comp += d;
        }
    }
    (sq - comp * comp / n as f64) / (n - ddof) as f64
}

fn median<T: Num>(l: &[T], skipna: bool) -> f64 {
    let mut vals: Vec<f64> = Vec::with_capacity(l.len());
    for v in l {
        if v.is_nan() {
            if !skipna {
                return f64::NAN;
            }
        } else {
            vals.push(v.to_f64());
        }
    }
    let n = vals.len();
    if n == 0 {
        return f64::NAN;
    }
    let mid = n / 2;
    let (_, &mut hi, _) = vals.select_nth_unstable_by(mid, f64::total_cmp);
    if n % 2 == 1 {
        hi
    } else {
        let lo = vals[..mid]
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        (lo + hi) / 2.0
    }
}

/// The position and value of the first minimum (or maximum) of the lane. With
/// `skipna`, NaN is passed over (an all-NaN lane gives its first NaN); without, the
/// first NaN wins, as in numpy.
fn extreme<T: Num>(l: &[T], skipna: bool, want_max: bool, op: Reduction) -> Result<(usize, T)> {
    let Some(&first) = l.first() else {
        return Err(Error::EmptyReduction {
            op: op.to_string(),
            lane: "an empty slice".into(),
        });
    };
    let mut best = (0, first);
    for (i, &v) in l.iter().enumerate() {
        if v.is_nan() {
            if !skipna {
                return Ok((i, v));
            }
            continue;
        }
        let better = if want_max { v > best.1 } else { v < best.1 };
        if best.1.is_nan() || better {
            best = (i, v);
        }
    }
    Ok(best)
}
