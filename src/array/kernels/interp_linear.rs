//! Linear interpolation along one axis in one pass: each output row (the values at
//! one target, across the other axes) is made from the two source rows around it with
//! scipy's `interp1d` arithmetic, `(y_hi - y_lo) / dx * off + y_lo`, the difference
//! taken in the input's float type and the rest in `f64`. The block is walked as
//! `(outer, n, inner)` around the axis, so the inner loop runs over contiguous values.

use ndarray::{ArcArray, Array, IxDyn};

use crate::array::{Element, NdArray};
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
    for o in 0..outer {
        let block = &src[o * n * inner..(o + 1) * n * inner];
        for t in 0..k {
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
    Array::from_shape_vec(IxDyn(&out_shape), out)
        .map(Array::into_shared)
        .map_err(|e| Error::internal(format!("interp: an output row per target: {e}")))
}
