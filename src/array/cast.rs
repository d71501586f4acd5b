//! Casting between dtypes (`astype`), with numpy's `as` semantics.

use ndarray::{ArcArray, IxDyn};
use num_traits::AsPrimitive;

use super::nd::match_numeric;
use super::{with_numeric_dtype, DType, Element, NdArray};
use crate::error::{Error, Result};

fn cast<S, T>(a: &ArcArray<S, IxDyn>) -> ArcArray<T, IxDyn>
where
    S: AsPrimitive<T>,
    T: Copy + 'static,
{
    a.mapv(|v| v.as_()).into_shared()
}

fn to_bool<S: num_traits::Zero + Copy>(a: &ArcArray<S, IxDyn>) -> ArcArray<bool, IxDyn> {
    a.mapv(|v| !v.is_zero()).into_shared()
}

fn to_string<S: ToString>(a: &ArcArray<S, IxDyn>) -> ArcArray<String, IxDyn> {
    a.map(|v| v.to_string()).into_shared()
}

impl NdArray {
    /// Converts to `dtype`, like numpy's `astype`: floats truncate toward zero when cast
    /// to integers (saturating; NaN becomes 0), numbers become `true` when non-zero,
    /// integers become datetimes as microsecond ticks, anything becomes a string.
    ///
    /// # Errors
    /// [`Error::UnsupportedDType`] for casts numpy refuses too (a string to a number,
    /// a datetime to a float, between calendars).
    pub fn astype(&self, dtype: DType) -> Result<NdArray> {
        if self.dtype() == dtype {
            return Ok(self.clone());
        }
        let unsupported = || Error::UnsupportedDType {
            op: format!("astype({dtype})"),
            dtype: self.dtype(),
        };
        let bool_as_u8 = |a: &ArcArray<bool, IxDyn>| a.mapv(u8::from).into_shared();
        let src = match self {
            NdArray::Bool(a) => NdArray::U8(bool_as_u8(a)),
            NdArray::DateTime(a, _) => match dtype {
                DType::I64 | DType::Str => NdArray::I64(a.clone()),
                _ => return Err(unsupported()),
            },
            NdArray::TimeDelta(a) => match dtype {
                DType::I64 | DType::Str => NdArray::I64(a.clone()),
                _ => return Err(unsupported()),
            },
            NdArray::Str(_) => return Err(unsupported()),
            other => other.clone(),
        };
        if src.dtype() == dtype {
            return Ok(src);
        }
        Ok(match dtype {
            DType::Bool => {
                match_numeric!(&src, a => NdArray::Bool(to_bool(a)), _ => return Err(unsupported()))
            }
            DType::DateTime(cal) if src.dtype().is_integer() => match src.astype(DType::I64)? {
                NdArray::I64(a) => NdArray::DateTime(a, cal),
                _ => return Err(Error::internal("astype(I64) did not give i64")),
            },
            DType::DateTime(_) => return Err(unsupported()),
            DType::TimeDelta if src.dtype().is_integer() => match src.astype(DType::I64)? {
                NdArray::I64(a) => NdArray::TimeDelta(a),
                _ => return Err(Error::internal("astype(I64) did not give i64")),
            },
            DType::TimeDelta => return Err(unsupported()),
            DType::Str => match self {
                NdArray::DateTime(a, cal) => {
                    NdArray::Str(a.map(|&t| crate::time::format_ticks(t, *cal)).into_shared())
                }
                NdArray::TimeDelta(a) => NdArray::Str(
                    a.map(|&t| crate::time::TimeDelta(t).to_string())
                        .into_shared(),
                ),
                NdArray::Bool(a) => NdArray::Str(
                    a.map(|&b| if b { "True" } else { "False" }.to_string())
                        .into_shared(),
                ),
                _ => NdArray::Str(
                    match_numeric!(&src, a => to_string(a), _ => return Err(unsupported())),
                ),
            },
            numeric => with_numeric_dtype!(
                numeric,
                |T| match_numeric!(&src, a => T::wrap(cast::<_, T>(a)), _ => return Err(unsupported())),
                _ => return Err(unsupported())
            ),
        })
    }
}
