//! Tensor contraction (`tensordot`) of in-memory arrays.

use ndarray::{ArcArray, Array2, IxDyn, LinalgScalar};

use super::{DType, Element, NdArray};
use crate::error::{Error, Result};

/// Checks that `axes_a` of `shape_a` and `axes_b` of `shape_b` can be contracted.
///
/// # Errors
/// [`Error::InvalidArgument`] for lists of different lengths, axes out of range or
/// repeated; [`Error::ShapeMismatch`] when contracted sizes differ.
pub fn check_tensordot(
    shape_a: &[usize],
    shape_b: &[usize],
    axes_a: &[usize],
    axes_b: &[usize],
) -> Result<()> {
    let bad_axes = |axes: &[usize], ndim: usize| {
        axes.iter()
            .enumerate()
            .any(|(i, &x)| x >= ndim || axes[..i].contains(&x))
    };
    if axes_a.len() != axes_b.len()
        || bad_axes(axes_a, shape_a.len())
        || bad_axes(axes_b, shape_b.len())
    {
        return Err(Error::invalid_argument(
            "axes",
            format!(
            "tensordot axes {axes_a:?} and {axes_b:?} do not fit shapes {shape_a:?} and {shape_b:?}"
        ),
        ));
    }
    let ka: Vec<usize> = axes_a.iter().map(|&x| shape_a[x]).collect();
    let kb: Vec<usize> = axes_b.iter().map(|&x| shape_b[x]).collect();
    if ka != kb {
        return Err(Error::ShapeMismatch {
            what: "tensordot contracted axes".into(),
            expected: ka,
            actual: kb,
        });
    }
    Ok(())
}

/// numpy's `tensordot(a, b, (axes_a, axes_b))`: the result has `a`'s free axes then
/// `b`'s. Floats multiply as `f32` when both are `f32`, else `f64`; integers as `i64`.
///
/// # Errors
/// As [`check_tensordot`]; [`Error::UnsupportedDType`] for bools, strings, datetimes.
pub fn tensordot(a: &NdArray, b: &NdArray, axes_a: &[usize], axes_b: &[usize]) -> Result<NdArray> {
    check_tensordot(a.shape(), b.shape(), axes_a, axes_b)?;
    let dtype = match (a.dtype(), b.dtype()) {
        (DType::F32, DType::F32) => DType::F32,
        (x, y) if x.is_integer() && y.is_integer() => DType::I64,
        (x, y) if x.is_numeric() && y.is_numeric() => DType::F64,
        (x, y) => {
            return Err(Error::UnsupportedDType {
                op: "tensordot".into(),
                dtype: if x.is_numeric() { y } else { x },
            })
        }
    };
    match dtype {
        DType::F32 => contract::<f32>(a, b, axes_a, axes_b, dtype),
        DType::I64 => contract::<i64>(a, b, axes_a, axes_b, dtype),
        _ => contract::<f64>(a, b, axes_a, axes_b, dtype),
    }
}

fn contract<T: Element + LinalgScalar>(
    a: &NdArray,
    b: &NdArray,
    axes_a: &[usize],
    axes_b: &[usize],
    dtype: DType,
) -> Result<NdArray> {
    let free_a: Vec<usize> = (0..a.ndim()).filter(|x| !axes_a.contains(x)).collect();
    let free_b: Vec<usize> = (0..b.ndim()).filter(|x| !axes_b.contains(x)).collect();
    let m: usize = free_a.iter().map(|&x| a.shape()[x]).product();
    let k: usize = axes_a.iter().map(|&x| a.shape()[x]).product();
    let n: usize = free_b.iter().map(|&x| b.shape()[x]).product();
    let perm_a: Vec<usize> = free_a.iter().chain(axes_a).copied().collect();
    let perm_b: Vec<usize> = axes_b.iter().chain(&free_b).copied().collect();
    let a2 = as_matrix::<T>(&a.astype(dtype)?.permute(&perm_a)?, m, k)?;
    let b2 = as_matrix::<T>(&b.astype(dtype)?.permute(&perm_b)?, k, n)?;
    let c = a2.dot(&b2);
    let shape: Vec<usize> = free_a
        .iter()
        .map(|&x| a.shape()[x])
        .chain(free_b.iter().map(|&x| b.shape()[x]))
        .collect();
    let c = c
        .into_shape_with_order(IxDyn(&shape))
        .map_err(|e| Error::internal(format!("tensordot reshape: {e}")))?;
    Ok(T::wrap(ArcArray::from(c)))
}

fn as_matrix<T: Element + Clone>(a: &NdArray, rows: usize, cols: usize) -> Result<Array2<T>> {
    let typed = a
        .as_array::<T>()
        .ok_or_else(|| Error::internal("tensordot operand was cast"))?;
    let std = typed.as_standard_layout().into_owned();
    std.into_shape_with_order((rows, cols))
        .map_err(|e| Error::internal(format!("tensordot reshape: {e}")))
}
