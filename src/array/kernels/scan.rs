//! Cumulative sums and products along an axis (numpy's `nancumsum`/`nancumprod`, which
//! xarray's `cumsum`/`cumprod` use with `skipna`): NaN counts as the identity (0 or 1),
//! so a NaN position holds the running total so far.

use std::fmt;

use ndarray::{ArcArray, Axis, IxDyn};

use super::Num;
use crate::array::{match_numeric, DType, NdArray};
use crate::error::{Error, Result};

/// A cumulative operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ScanOp {
    /// running sum
    CumSum,
    /// running product
    CumProd,
}

impl ScanOp {
    /// xarray's method name.
    pub fn name(self) -> &'static str {
        match self {
            ScanOp::CumSum => "cumsum",
            ScanOp::CumProd => "cumprod",
        }
    }
}

impl fmt::Display for ScanOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The dtype of a scan of `dtype`, as numpy gives it: integers and bools widen to
/// `i64`/`u64`, floats keep their type.
///
/// # Errors
/// [`Error::UnsupportedDType`] for strings and datetimes.
pub fn scan_dtype(dtype: DType, op: ScanOp) -> Result<DType> {
    Ok(match dtype {
        DType::Bool | DType::I8 | DType::I16 | DType::I32 | DType::I64 => DType::I64,
        DType::U8 | DType::U16 | DType::U32 | DType::U64 => DType::U64,
        DType::F32 | DType::F64 => dtype,
        _ => {
            return Err(Error::UnsupportedDType {
                op: op.name().into(),
                dtype,
            })
        }
    })
}

/// Scans `a` along `axis`; with `skipna`, NaN counts as the identity.
///
/// # Errors
/// [`Error::UnsupportedDType`] for strings and datetimes; [`Error::InvalidArgument`]
/// for an axis out of range.
pub fn scan(a: &NdArray, axis: usize, op: ScanOp, skipna: bool) -> Result<NdArray> {
    if axis >= a.ndim() {
        return Err(Error::invalid_argument(
            "axis",
            format!("{op}: axis {axis} out of range for shape {:?}", a.shape()),
        ));
    }
    let b = a.astype(scan_dtype(a.dtype(), op)?)?;
    match_numeric!(&b, x => Ok(NdArray::from(scan_typed(x, axis, op, skipna))),
        other => Err(Error::UnsupportedDType { op: op.name().into(), dtype: other.dtype() }))
}

fn scan_typed<T: Num>(
    x: &ArcArray<T, IxDyn>,
    axis: usize,
    op: ScanOp,
    skipna: bool,
) -> ArcArray<T, IxDyn> {
    let mut out = x.to_owned();
    let one = identity::<T>(ScanOp::CumProd);
    let zero = identity::<T>(ScanOp::CumSum);
    for mut lane in out.lanes_mut(Axis(axis)) {
        let mut acc = if op == ScanOp::CumSum { zero } else { one };
        for v in lane.iter_mut() {
            if !(skipna && v.is_nan()) {
                acc = match op {
                    ScanOp::CumSum => acc.add(*v),
                    ScanOp::CumProd => acc.mul(*v),
                };
            }
            *v = acc;
        }
    }
    out.into_shared()
}

/// 0 or 1 of `T` ([`Num`] has no constants; `default` is 0 and 0 ** 0 is 1).
fn identity<T: Num>(op: ScanOp) -> T {
    let v: T = T::default();
    match op {
        ScanOp::CumSum => v,
        ScanOp::CumProd => v.pow(v),
    }
}
