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
use crate::array::{match_numeric, DType, NdArray};
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
        sums_of(a, w, cells)
    }, other => return Err(Error::UnsupportedDType {
        op: "weighted sums".into(),
        dtype: other.dtype(),
    }));
    let mut shape = vec![2];
    shape.extend(kept);
    NdArray::from_shape_vec(&shape, sums)
}

/// `[Σ x·w per cell..., Σ w per cell...]` of views whose reduced axes are last.
fn sums_of<T: Num>(x: ArrayViewD<'_, T>, w: ArrayViewD<'_, f64>, cells: usize) -> Vec<f64> {
    let mut out = vec![0.0; 2 * cells];
    let last = Axis(x.ndim() - 1);
    let lanes_per_cell = (x.len() / x.len_of(last).max(1))
        .checked_div(cells)
        .unwrap_or(0);
    if lanes_per_cell == 0 || x.len_of(last) == 0 {
        return out;
    }
    let x_lanes = x.lanes(last).into_iter();
    let w_lanes = w.lanes(last).into_iter();
    for (i, (xl, wl)) in x_lanes.zip(w_lanes).enumerate() {
        let cell = i / lanes_per_cell;
        let (s, sw) = lane_sums(xl, wl);
        out[cell] += s;
        out[cells + cell] += sw;
    }
    out
}

/// `(Σ x·w, Σ w)` over the non-NaN `x` of one lane.
fn lane_sums<T: Num>(x: ArrayView1<'_, T>, w: ArrayView1<'_, f64>) -> (f64, f64) {
    let (mut s, mut sw) = (0.0, 0.0);
    match (x.as_slice(), w.strides()[0] == 0 || w.len() <= 1) {
        // One weight for the whole lane (weights along other dims, as cos(lat) is for a
        // lane along lon): four running sums, which the compiler keeps in registers.
        (Some(xs), true) => {
            let wv = w.first().copied().unwrap_or(0.0);
            let (mut acc, mut cnt) = ([0.0f64; 4], [0.0f64; 4]);
            let mut quads = xs.chunks_exact(4);
            for q in &mut quads {
                for k in 0..4 {
                    let v = q[k].to_f64();
                    let valid = !v.is_nan();
                    acc[k] += if valid { v * wv } else { 0.0 };
                    cnt[k] += if valid { wv } else { 0.0 };
                }
            }
            for &v in quads.remainder() {
                let v = v.to_f64();
                if !v.is_nan() {
                    s += v * wv;
                    sw += wv;
                }
            }
            s += (acc[0] + acc[1]) + (acc[2] + acc[3]);
            sw += (cnt[0] + cnt[1]) + (cnt[2] + cnt[3]);
        }
        _ => {
            for (&v, &wv) in x.iter().zip(w.iter()) {
                let v = v.to_f64();
                if !v.is_nan() {
                    s += v * wv;
                    sw += wv;
                }
            }
        }
    }
    (s, sw)
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
