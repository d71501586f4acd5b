//! The chunk step of a weighted reduction over several axes: the
//! [`Intermediate::WeightedSum`] and [`Intermediate::Weight`] columns of one chunk,
//! computed in one pass over the data and its (broadcast) weights, with no product or
//! mask array in between. Partials of any chunks add up to the sums over the whole
//! reduced region.
//!
//! [`Intermediate::WeightedSum`]: super::Intermediate::WeightedSum
//! [`Intermediate::Weight`]: super::Intermediate::Weight

use ndarray::{ArrayView1, ArrayViewD, Axis, IxDyn};

use crate::array::kernels::Num;
use crate::array::{match_numeric, simd, DType, NdArray};
use crate::error::{Error, Result};

/// The two columns of a weighted reduction's partial, `[2, kept...]` in `f64`: row 0 is
/// `Σ x·w` over the values `x` that are not NaN (xarray's `fillna(0)` then `dot`), row 1
/// is `Σ w` over the same values (`sum_of_weights`). `x` and `w` have the same number of
/// dims, each of `w`'s the size of `x`'s or 1 (broadcast); `axes` (distinct, non-empty)
/// are reduced, the others kept in order.
///
/// A NaN or infinite weight, or an infinite value, propagates as the products do in
/// xarray (`inf · 0` is NaN).
///
/// # Errors
/// When `w` does not broadcast to `x`, `axes` are out of range, or either is not numeric.
pub(crate) fn weighted_sums(x: &NdArray, w: &NdArray, axes: &[usize]) -> Result<NdArray> {
    let nd = x.ndim();
    if axes.is_empty() || axes.iter().any(|&a| a >= nd) || w.ndim() != nd {
        return Err(Error::internal(format!(
            "weighted sums over axes {axes:?} of shapes {:?} and {:?}",
            x.shape(),
            w.shape()
        )));
    }
    let w = w.astype(DType::F64)?;
    let w = w
        .as_array::<f64>()
        .ok_or_else(|| Error::internal("weights cast to f64"))?;
    let w = w.broadcast(IxDyn(x.shape())).ok_or_else(|| {
        Error::internal(format!(
            "weights of shape {:?} do not broadcast to {:?}",
            w.shape(),
            x.shape()
        ))
    })?;
    // Kept axes first, reduced ones last: each output cell is a run of consecutive lanes
    // along the last axis.
    let order: Vec<usize> = (0..nd)
        .filter(|a| !axes.contains(a))
        .chain(axes.iter().copied())
        .collect();
    let kept: Vec<usize> = order[..nd - axes.len()]
        .iter()
        .map(|&a| x.shape()[a])
        .collect();
    let cells: usize = kept.iter().product();
    let w = w.permuted_axes(IxDyn(&order));
    let sums = match_numeric!(x, a => {
        let a = a.view().permuted_axes(IxDyn(&order));
        simd::wide(#[inline(always)] || sums_of(a, w, cells))
    }, other => return Err(Error::UnsupportedDType {
        op: "weighted sums".into(),
        dtype: other.dtype(),
    }));
    let mut shape = vec![2];
    shape.extend(kept);
    NdArray::from_shape_vec(&shape, sums)
}

/// `[Σ x·w per cell..., Σ w per cell...]` of views whose reduced axes are last.
///
/// The lanes along the last axis of a cell are added element by element into two rows
/// of running sums, which are summed once per cell: a loop without a dependence from
/// one element to the next, which the compiler vectorises (a running sum per lane
/// would be a chain of dependent additions).
#[inline(always)]
fn sums_of<T: Num>(x: ArrayViewD<'_, T>, w: ArrayViewD<'_, f64>, cells: usize) -> Vec<f64> {
    let mut out = vec![0.0; 2 * cells];
    let last = Axis(x.ndim() - 1);
    let len = x.len_of(last);
    let lanes_per_cell = (x.len() / len.max(1)).checked_div(cells).unwrap_or(0);
    if lanes_per_cell == 0 || len == 0 {
        return out;
    }
    let (mut acc, mut cnt) = (vec![0.0; len], vec![0.0; len]);
    let x_lanes = x.lanes(last).into_iter();
    let w_lanes = w.lanes(last).into_iter();
    for (i, (xl, wl)) in x_lanes.zip(w_lanes).enumerate() {
        add_lane(xl, wl, &mut acc, &mut cnt);
        if (i + 1) % lanes_per_cell == 0 {
            let cell = i / lanes_per_cell;
            out[cell] = acc.iter().sum();
            out[cells + cell] = cnt.iter().sum();
            acc.fill(0.0);
            cnt.fill(0.0);
        }
    }
    out
}

/// Adds `x·w` and `w` over the non-NaN `x` of one lane into the running sums.
#[inline(always)]
fn add_lane<T: Num>(
    x: ArrayView1<'_, T>,
    w: ArrayView1<'_, f64>,
    acc: &mut [f64],
    cnt: &mut [f64],
) {
    let sums = acc.iter_mut().zip(cnt.iter_mut());
    match (
        x.as_slice(),
        w.strides()[0] == 0 || w.len() <= 1,
        w.as_slice(),
    ) {
        // One weight for the whole lane (weights along other dims, as cos(lat) is for a
        // lane along lon).
        (Some(xs), true, _) => {
            let wv = w.first().copied().unwrap_or(0.0);
            for ((a, c), &v) in sums.zip(xs) {
                let v = v.to_f64();
                let valid = !v.is_nan();
                *a += if valid { v * wv } else { 0.0 };
                *c += if valid { wv } else { 0.0 };
            }
        }
        (Some(xs), false, Some(ws)) => {
            for ((a, c), (&v, &wv)) in sums.zip(xs.iter().zip(ws)) {
                let v = v.to_f64();
                let valid = !v.is_nan();
                *a += if valid { v * wv } else { 0.0 };
                *c += if valid { wv } else { 0.0 };
            }
        }
        _ => {
            for ((a, c), (&v, &wv)) in sums.zip(x.iter().zip(w.iter())) {
                let v = v.to_f64();
                if !v.is_nan() {
                    *a += v * wv;
                    *c += wv;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sums of a plain loop over every element, for `x` of shape `[2, 3, 4]` with
    /// NaNs and weights along the middle axis, for every set of reduced axes.
    #[test]
    fn matches_a_plain_loop() {
        let xs: Vec<f32> = (0..24)
            .map(|i| {
                if i % 7 == 3 {
                    f32::NAN
                } else {
                    i as f32 * 0.5 - 3.0
                }
            })
            .collect();
        let ws = [0.5, 1.0, 2.0];
        let x = NdArray::from_shape_vec(&[2, 3, 4], xs.clone()).unwrap();
        let w = NdArray::from_shape_vec(&[1, 3, 1], ws.to_vec()).unwrap();
        for axes in [
            vec![0],
            vec![1],
            vec![2],
            vec![1, 2],
            vec![2, 0],
            vec![0, 1, 2],
        ] {
            let got = weighted_sums(&x, &w, &axes).unwrap();
            let kept: Vec<usize> = (0..3).filter(|a| !axes.contains(a)).collect();
            let dims = [2, 3, 4];
            let cells: usize = kept.iter().map(|&a| dims[a]).product();
            let mut want = vec![0.0; 2 * cells];
            for i in 0..2 {
                for j in 0..3 {
                    for k in 0..4 {
                        let idx = [i, j, k];
                        let cell = kept.iter().fold(0, |c, &a| c * dims[a] + idx[a]);
                        let v = f64::from(xs[(i * 3 + j) * 4 + k]);
                        if !v.is_nan() {
                            want[cell] += v * ws[j];
                            want[cells + cell] += ws[j];
                        }
                    }
                }
            }
            let got = got.to_f64_vec().unwrap();
            assert_eq!(got.len(), want.len(), "axes {axes:?}");
            for (g, w) in got.iter().zip(&want) {
                assert!(
                    (g - w).abs() <= 1e-12 * w.abs().max(1.0),
                    "axes {axes:?}: {g} vs {w}"
                );
            }
        }
    }
}
