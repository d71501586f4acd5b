//! Unary elementwise kernels.

use std::fmt;

use ndarray::{ArcArray, IxDyn};

use super::{float_dtype_for, Num};
use crate::array::{match_numeric, NdArray};
use crate::error::{Error, Result};

/// A unary elementwise operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UnaryOp {
    /// `-a` (integers wrap)
    Neg,
    /// `|a|` (same dtype)
    Abs,
    /// square root (integers give floats)
    Sqrt,
    /// `e^a` (integers give floats)
    Exp,
    /// natural logarithm (integers give floats)
    Log,
    /// logical not of bools
    Not,
}

impl UnaryOp {
    /// numpy's ufunc name.
    pub fn name(self) -> &'static str {
        match self {
            UnaryOp::Neg => "negative",
            UnaryOp::Abs => "absolute",
            UnaryOp::Sqrt => "sqrt",
            UnaryOp::Exp => "exp",
            UnaryOp::Log => "log",
            UnaryOp::Not => "logical_not",
        }
    }
}

impl fmt::Display for UnaryOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Applies `op` elementwise. `Neg` and `Abs` keep the dtype; `Sqrt`, `Exp` and `Log`
/// give floats ([`super::float_dtype_for`]); `Not` takes bools.
///
/// # Errors
/// [`Error::UnsupportedDType`] naming the operation for strings, datetimes, negating
/// bools, or `Not` on anything but bools.
pub fn unary(a: &NdArray, op: UnaryOp) -> Result<NdArray> {
    let unsupported = || Error::UnsupportedDType {
        op: op.name().into(),
        dtype: a.dtype(),
    };
    match op {
        UnaryOp::Not => match a {
            NdArray::Bool(x) => Ok(NdArray::Bool(x.mapv(|v| !v).into_shared())),
            _ => Err(unsupported()),
        },
        UnaryOp::Neg | UnaryOp::Abs => match a {
            NdArray::Bool(_) if op == UnaryOp::Abs => Ok(a.clone()),
            _ => match_numeric!(a, x => Ok(NdArray::from(map_num(x, op))), _ => Err(unsupported())),
        },
        UnaryOp::Sqrt | UnaryOp::Exp | UnaryOp::Log => {
            let target = float_dtype_for(a.dtype()).ok_or_else(unsupported)?;
            match a.astype(target)? {
                NdArray::F32(x) => Ok(NdArray::F32(map_float(&x, op))),
                NdArray::F64(x) => Ok(NdArray::F64(map_float(&x, op))),
                _ => Err(Error::internal("float_dtype_for gave a non-float")),
            }
        }
    }
}

fn map_num<T: Num>(x: &ArcArray<T, IxDyn>, op: UnaryOp) -> ArcArray<T, IxDyn> {
    match op {
        UnaryOp::Neg => x.mapv(Num::neg).into_shared(),
        _ => x.mapv(Num::abs).into_shared(),
    }
}

fn map_float<F: num_traits::Float>(x: &ArcArray<F, IxDyn>, op: UnaryOp) -> ArcArray<F, IxDyn> {
    match op {
        UnaryOp::Sqrt => x.mapv(F::sqrt),
        UnaryOp::Exp => x.mapv(F::exp),
        _ => x.mapv(F::ln),
    }
    .into_shared()
}
