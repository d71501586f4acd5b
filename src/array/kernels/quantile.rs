//! numpy's quantile of one lane, by the `linear` and `nearest` methods (numpy's
//! `_quantile`: virtual index `(n - 1) q`, then interpolation or rounding half to
//! even).

use std::fmt;

use super::Num;
use crate::error::{Error, Result};

/// How a quantile between two sorted values is taken (numpy's and xarray's `method`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum QuantileMethod {
    /// Linear interpolation between the two neighbours (numpy's default); gives `f64`.
    #[default]
    Linear,
    /// The nearest of the two (half to even on the index); keeps the dtype.
    Nearest,
}

impl fmt::Display for QuantileMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            QuantileMethod::Linear => "linear",
            QuantileMethod::Nearest => "nearest",
        })
    }
}

/// One quantile `q` in `[0, 1]` and its method: the parameter of
/// [`Reduction::Quantile`](super::Reduction::Quantile). `q` is kept as its bits so that a
/// reduction stays `Eq` and `Hash`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Quantile {
    q_bits: u64,
    method: QuantileMethod,
}

impl Quantile {
    /// The quantile `q` by `method`.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming `q` when it is not in `[0, 1]`.
    pub fn new(q: f64, method: QuantileMethod) -> Result<Self> {
        if !(0.0..=1.0).contains(&q) {
            return Err(Error::invalid_argument(
                "q",
                format!("quantiles must be in [0, 1], got {q}"),
            ));
        }
        Ok(Quantile {
            q_bits: q.to_bits(),
            method,
        })
    }

    /// The quantile, in `[0, 1]`.
    pub fn q(self) -> f64 {
        f64::from_bits(self.q_bits)
    }

    /// The method.
    pub fn method(self) -> QuantileMethod {
        self.method
    }

    /// numpy's virtual index of the quantile among `n` sorted values, computed as numpy
    /// does: `nearest` rounds it half to even, so its last bit matters.
    fn virtual_index(self, n: usize) -> f64 {
        (n - 1) as f64 * self.q()
    }
}

/// The lane's non-NaN values sorted, or `None` when NaN is not skipped and present.
fn sorted<T: Num>(l: &[T], skipna: bool) -> Option<Vec<T>> {
    let mut vals: Vec<T> = Vec::with_capacity(l.len());
    for &v in l {
        if v.is_nan() {
            if !skipna {
                return None;
            }
        } else {
            vals.push(v);
        }
    }
    vals.sort_unstable_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    Some(vals)
}

/// The `linear` quantile of the lane (NaN when it has no value to take, or a NaN that
/// is not skipped).
pub(super) fn linear<T: Num>(l: &[T], quantile: Quantile, skipna: bool) -> f64 {
    let Some(v) = sorted(l, skipna) else {
        return f64::NAN;
    };
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    let virt = quantile.virtual_index(n);
    let (lo, hi) = if virt >= (n - 1) as f64 {
        (n - 1, n - 1)
    } else if virt < 0.0 {
        (0, 0)
    } else {
        let lo = virt.floor() as usize;
        (lo, (lo + 1).min(n - 1))
    };
    let gamma = if virt >= (n - 1) as f64 || virt < 0.0 {
        0.0
    } else {
        virt - lo as f64
    };
    let (a, b) = (v[lo].to_f64(), v[hi].to_f64());
    // numpy's `_lerp`: from the nearer end, so that gamma = 1 gives b exactly.
    let diff = b - a;
    if gamma >= 0.5 {
        b - diff * (1.0 - gamma)
    } else {
        a + diff * gamma
    }
}

/// The `nearest` quantile of the lane: one of its values, or its first value when that
/// is NaN and the lane has nothing else to give (all NaN, or a NaN not skipped).
///
/// # Errors
/// [`Error::EmptyReduction`] for an empty lane.
pub(super) fn nearest<T: Num>(l: &[T], quantile: Quantile, skipna: bool) -> Result<T> {
    let Some(&first) = l.first() else {
        return Err(Error::EmptyReduction {
            op: "quantile".into(),
            lane: "an empty slice".into(),
        });
    };
    let nan = || l.iter().copied().find(|v| v.is_nan()).unwrap_or(first);
    let Some(v) = sorted(l, skipna) else {
        return Ok(nan());
    };
    if v.is_empty() {
        return Ok(nan());
    }
    let i = quantile.virtual_index(v.len()).round_ties_even();
    Ok(v[(i.max(0.0) as usize).min(v.len() - 1)])
}
