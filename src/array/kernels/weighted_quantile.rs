//! xarray's weighted quantile: Kish's effective sample size and the type-7 ("linear")
//! interpolation of the weighted empirical distribution (Akinshin's reference
//! implementation, as `xarray.computation.weighted._weighted_quantile_1d` does it).

use ndarray::{ArrayD, Axis, IxDyn};

use crate::array::{DType, NdArray};
use crate::error::{Error, Result};

/// The quantiles `q` of each lane over the last `nred` axes of `data`, weighted by
/// `weights` (same shape): shape `[q.len()] + the leading axes`, `f64`. NaN data is
/// skipped; zero weights are dropped; an empty lane gives NaN.
///
/// # Errors
/// [`Error::ShapeMismatch`] when the shapes differ; [`Error::UnsupportedDType`] for
/// non-numeric data or weights.
pub fn weighted_quantile(
    data: &NdArray,
    weights: &NdArray,
    nred: usize,
    q: &[f64],
) -> Result<NdArray> {
    if data.shape() != weights.shape() || nred > data.ndim() {
        return Err(Error::ShapeMismatch {
            what: "weighted quantile of data and weights".into(),
            expected: data.shape().to_vec(),
            actual: weights.shape().to_vec(),
        });
    }
    let as_f64 = |a: &NdArray| -> Result<Vec<f64>> {
        if matches!(a.dtype(), DType::Str | DType::DateTime(_)) {
            return Err(Error::UnsupportedDType {
                op: "weighted quantile".into(),
                dtype: a.dtype(),
            });
        }
        a.to_f64_vec()
    };
    let (x, w) = (as_f64(data)?, as_f64(weights)?);
    let lead: Vec<usize> = data.shape()[..data.ndim() - nred].to_vec();
    let lane: usize = data.shape()[data.ndim() - nred..].iter().product();
    let nlanes: usize = lead.iter().product();
    let mut out = ArrayD::<f64>::zeros(IxDyn(&[&[q.len()][..], &lead[..]].concat()));
    let mut pairs = Vec::with_capacity(lane);
    for l in 0..nlanes {
        pairs.clear();
        let range = l * lane..(l + 1) * lane;
        pairs.extend(
            x[range.clone()]
                .iter()
                .zip(&w[range])
                .filter(|(v, wt)| !v.is_nan() && **wt != 0.0)
                .map(|(v, wt)| (*v, *wt)),
        );
        for (k, &qk) in q.iter().enumerate() {
            let value = lane_quantile(&mut pairs, qk);
            let mut sub = out.index_axis_mut(Axis(0), k);
            if let Some(slot) = sub.as_slice_mut().and_then(|s| s.get_mut(l)) {
                *slot = value;
            }
        }
    }
    Ok(NdArray::from(out))
}

/// One quantile of (value, weight) pairs without NaN or zero weights.
fn lane_quantile(pairs: &mut [(f64, f64)], q: f64) -> f64 {
    if pairs.is_empty() {
        return f64::NAN;
    }
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = pairs.iter().map(|p| p.1).sum();
    let squares: f64 = pairs.iter().map(|p| p.1 * p.1).sum();
    // Kish's effective sample size.
    let nw = total * total / squares;
    let h = ((nw - 1.0) * q + 1.0).clamp(1.0, nw);
    let (lo, hi) = ((h - 1.0) / nw, h / nw);
    let v = |cum: f64| lo.max(hi.min(cum)) * nw - h + 1.0;
    let mut cum = 0.0;
    let mut prev = v(0.0);
    let mut result = 0.0;
    for &(value, weight) in pairs.iter() {
        cum += weight / total;
        let next = v(cum);
        result += value * (next - prev);
        prev = next;
    }
    result
}
