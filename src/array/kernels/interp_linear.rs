//! Linear interpolation along one axis in one pass: each output row (the values at
//! one target, across the other axes) is made from the two source rows around it with
//! scipy's `interp1d` arithmetic, `(y_hi - y_lo) / dx * off + y_lo`, the difference
//! taken in the input's float type and the rest in `f64`. The block is walked as
//! `(outer, n, inner)` around the axis, so the inner loop runs over contiguous values.

use ndarray::{ArcArray, Array, IxDyn};

use crate::array::{simd, Element, NdArray};
use crate::error::{Error, Result};

/// Where the targets of one axis fall: for target `k`, the source positions `lo[k]` and
/// `hi[k]`, their spacing `dx[k]` and the target's offset `off[k]` from `lo[k]` (NaN
/// for a NaN result).
#[derive(Debug, Clone, Copy)]
pub struct Brackets<'a> {
    /// The lower source position of each target.
    pub lo: &'a [usize],
    /// The upper source position of each target.
    pub hi: &'a [usize],
    /// The spacing of the two source positions.
    pub dx: &'a [f64],
    /// The target's distance from the lower source position.
    pub off: &'a [f64],
}

/// `a` (`f32` or `f64`) interpolated along `axis` at the targets of `at`, as `f64`:
/// the axis takes one position per target.
///
/// # Errors
/// [`Error::InvalidArgument`] for an axis out of range, positions out of range or
/// brackets of unequal lengths; [`Error::UnsupportedDType`] for other dtypes (cast
/// integers to `f64` first).
pub fn interp_linear(a: &NdArray, axis: usize, at: Brackets<'_>) -> Result<NdArray> {
    let n = *a.shape().get(axis).ok_or_else(|| {
        Error::invalid_argument(
            "axis",
            format!("interp: axis {axis} out of range for shape {:?}", a.shape()),
        )
    })?;
    let k = at.lo.len();
    if at.hi.len() != k || at.dx.len() != k || at.off.len() != k {
        return Err(Error::invalid_argument(
            "at",
            "interp: brackets of unequal lengths".to_string(),
        ));
    }
    if at.lo.iter().chain(at.hi).any(|&p| p >= n) {
        return Err(Error::invalid_argument(
            "at",
            format!("interp: a source position beyond the {n} along axis {axis}"),
        ));
    }
    match a {
        NdArray::F32(x) => Ok(NdArray::F64(along(x, axis, at)?)),
        NdArray::F64(x) => Ok(NdArray::F64(along(x, axis, at)?)),
        other => Err(Error::UnsupportedDType {
            op: "interp (linear, one pass)".into(),
            dtype: other.dtype(),
        }),
    }
}

/// A float whose differences are taken in its own type, then widened.
trait Float: Element + Copy + std::ops::Sub<Output = Self> {
    fn wide(self) -> f64;
}

impl Float for f32 {
    fn wide(self) -> f64 {
        f64::from(self)
    }
}

impl Float for f64 {
    fn wide(self) -> f64 {
        self
    }
}

fn along<T: Float>(
    x: &ArcArray<T, IxDyn>,
    axis: usize,
    at: Brackets<'_>,
) -> Result<ArcArray<f64, IxDyn>> {
    let x = x.as_standard_layout();
    let shape = x.shape().to_vec();
    let n = shape[axis];
    let outer: usize = shape[..axis].iter().product();
    let inner: usize = shape[axis + 1..].iter().product();
    let k = at.lo.len();
    let mut out_shape = shape;
    out_shape[axis] = k;
    let src = x
        .as_slice()
        .ok_or_else(|| Error::internal("a standard-layout array is contiguous"))?;
    let mut out = Vec::with_capacity(outer * k * inner);
    simd::wide(
        #[inline(always)]
        || {
            // An empty source row (no values across the other axes, or no positions
            // and so no targets) makes an empty output.
            if n * inner == 0 {
                return;
            }
            for block in src.chunks_exact(n * inner) {
                if inner == 1 {
                    last_axis(block, at, &mut out);
                } else {
                    rows(block, inner, at, &mut out);
                }
            }
        },
    );
    Array::from_shape_vec(IxDyn(&out_shape), out)
        .map(Array::into_shared)
        .map_err(|e| Error::internal(format!("interp: an output row per target: {e}")))
}

/// Targets along an inner axis: each output row from two contiguous source rows.
#[inline(always)]
fn rows<T: Float>(block: &[T], inner: usize, at: Brackets<'_>, out: &mut Vec<f64>) {
    for t in 0..at.lo.len() {
        let lo = &block[at.lo[t] * inner..(at.lo[t] + 1) * inner];
        let hi = &block[at.hi[t] * inner..(at.hi[t] + 1) * inner];
        let (dx, off) = (at.dx[t], at.off[t]);
        out.extend(
            lo.iter()
                .zip(hi)
                .map(|(&l, &h)| (h - l).wide() / dx * off + l.wide()),
        );
    }
}

/// Targets along the last axis, whose rows are single values: the two source values of
/// [`TILE`] targets are gathered first, then the arithmetic runs over the tile in one
/// vectorized loop (the division dominates, one per target).
#[inline(always)]
fn last_axis<T: Float>(row: &[T], at: Brackets<'_>, out: &mut Vec<f64>) {
    let mut low = [0.0; TILE];
    let mut diff = [0.0; TILE];
    for ((lo, hi), (dx, off)) in at
        .lo
        .chunks(TILE)
        .zip(at.hi.chunks(TILE))
        .zip(at.dx.chunks(TILE).zip(at.off.chunks(TILE)))
    {
        let m = lo.len();
        for (j, (&a, &b)) in lo.iter().zip(hi).enumerate() {
            let (l, h) = (row[a], row[b]);
            low[j] = l.wide();
            diff[j] = (h - l).wide();
        }
        out.extend(
            diff[..m]
                .iter()
                .zip(&low[..m])
                .zip(dx.iter().zip(off))
                .map(|((&d, &l), (&dx, &off))| d / dx * off + l),
        );
    }
}

/// Targets per gathered tile of [`last_axis`].
const TILE: usize = 256;

#[cfg(test)]
mod tests {
    use super::*;

    /// Interpolating along the last axis (gathered tiles) and along an inner axis (whole
    /// rows) gives the same bits as the formula per value, across tile boundaries.
    #[test]
    fn both_layouts_match_the_formula() {
        let (rows_n, n) = (3, 7);
        let src: Vec<f32> = (0..rows_n * n)
            .map(|i| {
                if i == 5 {
                    f32::NAN
                } else {
                    (i as f32 * 0.37).sin() * 100.0
                }
            })
            .collect();
        let k = TILE + 9;
        let lo: Vec<usize> = (0..k).map(|t| t % (n - 1)).collect();
        let hi: Vec<usize> = lo.iter().map(|l| l + 1).collect();
        let dx: Vec<f64> = (0..k).map(|t| 1.0 + t as f64 * 0.01).collect();
        let off: Vec<f64> = (0..k).map(|t| (t as f64 * 0.13) % 1.0).collect();
        let at = Brackets {
            lo: &lo,
            hi: &hi,
            dx: &dx,
            off: &off,
        };
        let want =
            |v: &[f32], t: usize| (v[hi[t]] - v[lo[t]]).wide() / dx[t] * off[t] + v[lo[t]].wide();
        let run = |shape: &[usize], values: Vec<f32>, axis: usize| {
            let a = Array::from_shape_vec(IxDyn(shape), values).unwrap_or_else(|e| panic!("{e}"));
            interp_linear(&NdArray::F32(a.into_shared()), axis, at)
                .and_then(|r| r.to_f64_vec())
                .unwrap_or_else(|e| panic!("{e}"))
        };
        let last = run(&[rows_n, n], src.clone(), 1);
        for r in 0..rows_n {
            for t in 0..k {
                let (got, w) = (last[r * k + t], want(&src[r * n..(r + 1) * n], t));
                assert!(
                    got.to_bits() == w.to_bits(),
                    "row {r} target {t}: {got} vs {w}"
                );
            }
        }
        // The same values along axis 0 of the transpose.
        let t_src: Vec<f32> = (0..n * rows_n)
            .map(|i| src[(i % rows_n) * n + i / rows_n])
            .collect();
        let first = run(&[n, rows_n], t_src, 0);
        for r in 0..rows_n {
            for t in 0..k {
                assert_eq!(first[t * rows_n + r].to_bits(), last[r * k + t].to_bits());
            }
        }
    }
}
