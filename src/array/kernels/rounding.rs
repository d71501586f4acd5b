//! `clip` and `round`, as numpy computes them.

use ndarray::{ArcArray, IxDyn};

use super::{weak_scalar_dtype, Num};
use crate::array::{match_numeric, DType, Element, NdArray, Scalar};
use crate::error::{Error, Result};

/// The dtype of `clip(a, min, max)`: the array's, unless a bound's kind is higher (a
/// float bound turns integers into `f64`, as numpy's weak scalars do).
pub fn clip_dtype(dtype: DType, min: Option<&Scalar>, max: Option<&Scalar>) -> DType {
    [min, max].into_iter().flatten().fold(dtype, |t, s| {
        weak_scalar_dtype(t, s).promote(t).unwrap_or(t)
    })
}

/// numpy's `clip`: `minimum(maximum(a, min), max)`; NaN stays NaN.
///
/// # Errors
/// [`Error::UnsupportedDType`] for strings, datetimes and bools.
pub fn clip(a: &NdArray, min: Option<&Scalar>, max: Option<&Scalar>) -> Result<NdArray> {
    if matches!(a.dtype(), DType::Str | DType::DateTime(_) | DType::Bool) {
        return Err(Error::UnsupportedDType {
            op: "clip".into(),
            dtype: a.dtype(),
        });
    }
    let dtype = clip_dtype(a.dtype(), min, max);
    let b = a.astype(dtype)?;
    let bound = |s: Option<&Scalar>| -> Result<Option<NdArray>> {
        s.map(|s| NdArray::from_scalar(s).astype(dtype)).transpose()
    };
    let (lo, hi) = (bound(min)?, bound(max)?);
    match_numeric!(&b, x => Ok(NdArray::from(clip_typed(x, lo.as_ref(), hi.as_ref())?)),
        other => Err(Error::UnsupportedDType { op: "clip".into(), dtype: other.dtype() }))
}

fn typed_bound<T: Element + Copy>(b: Option<&NdArray>) -> Result<Option<T>> {
    b.map(|b| {
        T::unwrap(b)
            .and_then(|a| a.iter().next().copied())
            .ok_or_else(|| Error::internal("clip bound cast to the array's dtype"))
    })
    .transpose()
}

fn clip_typed<T: Num>(
    x: &ArcArray<T, IxDyn>,
    lo: Option<&NdArray>,
    hi: Option<&NdArray>,
) -> Result<ArcArray<T, IxDyn>> {
    let (lo, hi) = (typed_bound::<T>(lo)?, typed_bound::<T>(hi)?);
    Ok(x.mapv(|v| {
        let v = match lo {
            Some(l) if v < l => l,
            _ => v,
        };
        match hi {
            Some(h) if v > h => h,
            _ => v,
        }
    })
    .into_shared())
}

/// numpy's `round(a, decimals)`: half to even; floats are scaled by `10^decimals`,
/// rounded and scaled back in their own precision; integers are unchanged for
/// `decimals >= 0` and rounded exactly to a multiple of `10^-decimals` otherwise.
///
/// # Errors
/// [`Error::UnsupportedDType`] for strings and datetimes.
pub fn round(a: &NdArray, decimals: i32) -> Result<NdArray> {
    match a {
        NdArray::F64(x) => Ok(NdArray::F64(round_f64(x, decimals))),
        NdArray::F32(x) => Ok(NdArray::F32(round_f32(x, decimals))),
        NdArray::Bool(_) => Ok(a.clone()),
        _ if decimals >= 0 => match_numeric!(a, _x => Ok(a.clone()),
            other => Err(Error::UnsupportedDType { op: "round".into(), dtype: other.dtype() })),
        _ => {
            let step = 10i128
                .checked_pow(decimals.unsigned_abs())
                .unwrap_or(i128::MAX);
            match a {
                NdArray::I8(x) => Ok(NdArray::from(round_int(x, step))),
                NdArray::I16(x) => Ok(NdArray::from(round_int(x, step))),
                NdArray::I32(x) => Ok(NdArray::from(round_int(x, step))),
                NdArray::I64(x) => Ok(NdArray::from(round_int(x, step))),
                NdArray::U8(x) => Ok(NdArray::from(round_int(x, step))),
                NdArray::U16(x) => Ok(NdArray::from(round_int(x, step))),
                NdArray::U32(x) => Ok(NdArray::from(round_int(x, step))),
                NdArray::U64(x) => Ok(NdArray::from(round_int(x, step))),
                other => Err(Error::UnsupportedDType {
                    op: "round".into(),
                    dtype: other.dtype(),
                }),
            }
        }
    }
}

macro_rules! round_float {
    ($name:ident, $t:ty) => {
        fn $name(x: &ArcArray<$t, IxDyn>, decimals: i32) -> ArcArray<$t, IxDyn> {
            // numpy computes the factor in double precision, then in the array's type.
            #[allow(clippy::cast_possible_truncation)]
            let f = 10f64.powi(decimals.abs()) as $t;
            if decimals >= 0 {
                x.mapv(|v| (v * f).round_ties_even() / f).into_shared()
            } else {
                x.mapv(|v| (v / f).round_ties_even() * f).into_shared()
            }
        }
    };
}

round_float!(round_f64, f64);
round_float!(round_f32, f32);

/// Rounds to a multiple of `step`, half to even, in exact integer arithmetic.
fn round_int<T: Num + TryFrom<i128> + Into<i128>>(
    x: &ArcArray<T, IxDyn>,
    step: i128,
) -> ArcArray<T, IxDyn> {
    x.mapv(|v| {
        let v: i128 = v.into();
        let (q, r) = (v.div_euclid(step), v.rem_euclid(step));
        let q = if 2 * r > step || (2 * r == step && q % 2 != 0) {
            q + 1
        } else {
            q
        };
        // A multiple beyond the type's range wraps, as numpy's integer arithmetic does.
        T::try_from(q.wrapping_mul(step)).unwrap_or_default()
    })
    .into_shared()
}
