//! Binary elementwise kernels: arithmetic, comparisons and logical operations, with
//! numpy's type promotion and broadcasting.

use std::fmt;

use ndarray::{ArcArray, ArrayD, IxDyn, Zip};

use super::{match_pair_numeric, Num};
use crate::array::{DType, NdArray, Scalar};
use crate::error::{Error, Result};
use crate::time::NAT;

/// A binary elementwise operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BinaryOp {
    /// `a + b`
    Add,
    /// `a - b`
    Sub,
    /// `a * b`
    Mul,
    /// `a / b` (true division: integers give `f64`)
    Div,
    /// `a ** b` (integers to integer powers stay integers)
    Pow,
    /// `a == b`
    Eq,
    /// `a != b`
    Ne,
    /// `a < b`
    Lt,
    /// `a <= b`
    Le,
    /// `a > b`
    Gt,
    /// `a >= b`
    Ge,
    /// logical and of bools
    And,
    /// logical or of bools
    Or,
    /// logical xor of bools
    Xor,
}

impl BinaryOp {
    /// numpy's ufunc name (`"add"`, `"true_divide"`, `"less_equal"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            BinaryOp::Add => "add",
            BinaryOp::Sub => "subtract",
            BinaryOp::Mul => "multiply",
            BinaryOp::Div => "true_divide",
            BinaryOp::Pow => "power",
            BinaryOp::Eq => "equal",
            BinaryOp::Ne => "not_equal",
            BinaryOp::Lt => "less",
            BinaryOp::Le => "less_equal",
            BinaryOp::Gt => "greater",
            BinaryOp::Ge => "greater_equal",
            BinaryOp::And => "logical_and",
            BinaryOp::Or => "logical_or",
            BinaryOp::Xor => "logical_xor",
        }
    }

    /// True for the comparisons, which give bools.
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge
        )
    }

    /// True for the logical operations on bools.
    pub fn is_logical(self) -> bool {
        matches!(self, BinaryOp::And | BinaryOp::Or | BinaryOp::Xor)
    }
}

impl fmt::Display for BinaryOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The shape two shapes broadcast to (numpy rules: trailing alignment, length 1
/// stretches).
///
/// # Errors
/// [`Error::ShapeMismatch`] when an axis differs and neither length is 1.
pub fn broadcast_shapes(a: &[usize], b: &[usize]) -> Result<Vec<usize>> {
    let n = a.len().max(b.len());
    let at = |s: &[usize], i: usize| {
        if i < n - s.len() {
            1
        } else {
            s[i - (n - s.len())]
        }
    };
    (0..n)
        .map(|i| match (at(a, i), at(b, i)) {
            (x, y) if x == y || y == 1 => Ok(x),
            (1, y) => Ok(y),
            _ => Err(Error::ShapeMismatch {
                what: "broadcast of two operands".into(),
                expected: a.to_vec(),
                actual: b.to_vec(),
            }),
        })
        .collect()
}

/// The dtype a Python scalar takes when it meets an array of `array_dtype` (numpy 2's
/// "weak" scalars, NEP 50): the array's kind wins unless the scalar's kind is higher,
/// so `f32_array * 2.0` stays `f32` and `i32_array + 2` stays `i32`, while
/// `i32_array * 2.5` gives `f64`.
pub fn weak_scalar_dtype(array_dtype: DType, scalar: &Scalar) -> DType {
    let rank = |d: DType| {
        if d == DType::Bool {
            0
        } else if d.is_integer() {
            1
        } else if d.is_float() {
            2
        } else {
            3
        }
    };
    let (scalar_dtype, scalar_rank) = match scalar {
        Scalar::Bool(_) => (DType::Bool, 0),
        Scalar::I64(_) => (DType::I64, 1),
        Scalar::U64(_) => (DType::U64, 1),
        Scalar::F64(_) => (DType::F64, 2),
        Scalar::DateTime(_, c) => (DType::DateTime(*c), 3),
        Scalar::Str(_) => (DType::Str, 3),
        Scalar::TimeDelta(_) => (DType::TimeDelta, 3),
    };
    if rank(array_dtype) >= scalar_rank && rank(array_dtype) < 3 {
        array_dtype
    } else {
        scalar_dtype
    }
}

/// Applies `op` elementwise to `a` and `b`, broadcasting their shapes (numpy rules) and
/// promoting their dtypes ([`DType::promote`]). Comparisons give bools and work on
/// numbers, strings, bools, timedeltas and datetimes of one calendar; logical operations
/// take bools. Datetimes and timedeltas add and subtract as numpy's `datetime64` and
/// `timedelta64` do (datetime − datetime is a timedelta, datetime ± timedelta a
/// datetime, timedelta ± timedelta a timedelta, timedelta × or ÷ a number a timedelta,
/// timedelta ÷ timedelta a float; NaT propagates).
///
/// Integer arithmetic wraps on overflow, as numpy's does; division is true division.
///
/// # Errors
/// [`Error::ShapeMismatch`] when the shapes do not broadcast;
/// [`Error::DTypeMismatch`] when the dtypes cannot meet;
/// [`Error::UnsupportedDType`] for an operation the dtype lacks (subtracting bools,
/// arithmetic on strings, logical operations on numbers);
/// [`Error::InvalidArgument`] for integers raised to negative integer powers.
pub fn binary(a: &NdArray, b: &NdArray, op: BinaryOp) -> Result<NdArray> {
    let shape = broadcast_shapes(a.shape(), b.shape())?;
    if op.is_comparison() {
        compare(a, b, op, &shape)
    } else if op.is_logical() {
        logical(a, b, op, &shape)
    } else {
        arith(a, b, op, &shape)
    }
}

fn zip_map<T, U, O>(
    x: &ArcArray<T, IxDyn>,
    y: &ArcArray<U, IxDyn>,
    shape: &[usize],
    f: impl Fn(&T, &U) -> O,
) -> Result<ArrayD<O>> {
    let err = || Error::internal("shapes were checked by broadcast_shapes");
    // Fast paths over contiguous memory: same shapes, or one side a single value.
    // (Zip over IxDyn with a broadcast operand walks index by index.)
    if let (Some(xs), Some(ys)) = (x.as_slice(), y.as_slice()) {
        let full = |s: &[usize]| s == shape;
        let values: Option<Vec<O>> = if full(x.shape()) && full(y.shape()) {
            Some(xs.iter().zip(ys).map(|(p, q)| f(p, q)).collect())
        } else if full(x.shape()) && ys.len() == 1 {
            Some(xs.iter().map(|p| f(p, &ys[0])).collect())
        } else if full(y.shape()) && xs.len() == 1 {
            Some(ys.iter().map(|q| f(&xs[0], q)).collect())
        } else {
            None
        };
        if let Some(v) = values {
            return ArrayD::from_shape_vec(IxDyn(shape), v).map_err(|_| err());
        }
    }
    let xv = x.broadcast(IxDyn(shape)).ok_or_else(err)?;
    let yv = y.broadcast(IxDyn(shape)).ok_or_else(err)?;
    Ok(Zip::from(&xv).and(&yv).map_collect(f))
}

fn mismatch(a: &NdArray, b: &NdArray, op: BinaryOp) -> Error {
    Error::DTypeMismatch {
        what: op.name().into(),
        left: a.dtype(),
        right: b.dtype(),
    }
}

/// Arithmetic between datetimes and timedeltas, as numpy's: datetime − datetime (one
/// calendar) is a timedelta, datetime ± timedelta a datetime, timedelta ± timedelta a
/// timedelta; timedeltas scale by numbers and divide into floats. NaT in, or a result
/// out of the tick range, gives NaT. `None` when neither
/// operand is a datetime or a timedelta.
fn time_arith(a: &NdArray, b: &NdArray, op: BinaryOp, shape: &[usize]) -> Option<Result<NdArray>> {
    use NdArray::{DateTime, TimeDelta};
    let ticks = |x: &ArcArray<i64, IxDyn>, y: &ArcArray<i64, IxDyn>, sub: bool| {
        zip_map(x, y, shape, move |&p, &q| {
            let r = if sub {
                p.checked_sub(q)
            } else {
                p.checked_add(q)
            };
            match r {
                Some(r) if p != NAT && q != NAT => r,
                _ => NAT,
            }
        })
        .map(ArrayD::into_shared)
    };
    let sub = op == BinaryOp::Sub;
    let additive = matches!(op, BinaryOp::Add | BinaryOp::Sub);
    Some(match (a, b) {
        (DateTime(x, c), DateTime(y, d)) if sub && c == d => ticks(x, y, true).map(TimeDelta),
        (DateTime(x, c), TimeDelta(y)) if additive => ticks(x, y, sub).map(|t| DateTime(t, *c)),
        (TimeDelta(x), DateTime(y, c)) if op == BinaryOp::Add => {
            ticks(x, y, false).map(|t| DateTime(t, *c))
        }
        (TimeDelta(x), TimeDelta(y)) if additive => ticks(x, y, sub).map(TimeDelta),
        (TimeDelta(x), TimeDelta(y)) if op == BinaryOp::Div => zip_map(x, y, shape, |&p, &q| {
            if p == NAT || q == NAT {
                f64::NAN
            } else {
                p as f64 / q as f64
            }
        })
        .map(NdArray::from),
        (TimeDelta(x), n)
            if n.dtype().is_numeric() && matches!(op, BinaryOp::Mul | BinaryOp::Div) =>
        {
            scale_ticks(x, n, op == BinaryOp::Div, shape)
        }
        (n, TimeDelta(x)) if n.dtype().is_numeric() && op == BinaryOp::Mul => {
            scale_ticks(x, n, false, shape)
        }
        (DateTime(..) | TimeDelta(_), _) | (_, DateTime(..) | TimeDelta(_)) => {
            Err(mismatch(a, b, op))
        }
        _ => return None,
    })
}

/// Timedeltas times or divided by numbers, as numpy's: integers multiply exactly, and
/// otherwise the float result is truncated toward zero; NaT, NaN, a division by zero
/// or a result out of range give NaT.
fn scale_ticks(
    x: &ArcArray<i64, IxDyn>,
    n: &NdArray,
    divide: bool,
    shape: &[usize],
) -> Result<NdArray> {
    let out = match n.astype(DType::I64) {
        Ok(NdArray::I64(k)) if n.dtype().is_integer() && !divide => {
            zip_map(x, &k, shape, |&p, &q| match p.checked_mul(q) {
                Some(r) if p != NAT && r != NAT => r,
                _ => NAT,
            })?
        }
        _ => {
            let f = match n.astype(DType::F64)? {
                NdArray::F64(f) => f,
                _ => return Err(Error::internal("astype(F64) did not give f64")),
            };
            zip_map(x, &f, shape, |&p, &q| {
                let r = if divide { p as f64 / q } else { p as f64 * q };
                // i64::MAX as f64 rounds up to 2^63: below it, the cast is exact.
                if p == NAT || !r.is_finite() || r.abs() >= i64::MAX as f64 {
                    NAT
                } else {
                    r.trunc() as i64
                }
            })?
        }
    };
    Ok(NdArray::TimeDelta(out.into_shared()))
}

fn arith(a: &NdArray, b: &NdArray, op: BinaryOp, shape: &[usize]) -> Result<NdArray> {
    if let Some(out) = time_arith(a, b, op, shape) {
        return out;
    }
    let dt = a
        .dtype()
        .promote(b.dtype())
        .ok_or_else(|| mismatch(a, b, op))?;
    let target = match (dt, op) {
        (DType::Bool, BinaryOp::Add | BinaryOp::Mul) => {
            let logical_op = if op == BinaryOp::Add {
                BinaryOp::Or
            } else {
                BinaryOp::And
            };
            return logical(a, b, logical_op, shape);
        }
        (DType::Bool, BinaryOp::Sub) => {
            return Err(Error::UnsupportedDType {
                op: "subtract (use xor for bools)".into(),
                dtype: DType::Bool,
            })
        }
        (DType::Bool, BinaryOp::Pow) => DType::I8,
        (t, BinaryOp::Div) if !t.is_float() => DType::F64,
        (t, _) => t,
    };
    let (x, y) = (a.astype(target)?, b.astype(target)?);
    if op == BinaryOp::Pow && target.is_signed_int() {
        check_exponents(&y)?;
    }
    match_pair_numeric!(&x, &y, p, q => arith_typed(p, q, op, shape).map(NdArray::from),
        Err(mismatch(a, b, op)))
}

fn check_exponents(y: &NdArray) -> Result<()> {
    let negative = match_pair_numeric!(y, y, p, _q => p.iter().find(|v| v.lt_zero()).map(|v| v.to_f64()), None);
    match negative {
        Some(v) => Err(Error::invalid_argument(
            "exponent",
            format!(
                "integers to negative integer powers are not allowed (exponent {v}); \
             cast to float first"
            ),
        )),
        None => Ok(()),
    }
}

fn arith_typed<T: Num>(
    x: &ArcArray<T, IxDyn>,
    y: &ArcArray<T, IxDyn>,
    op: BinaryOp,
    shape: &[usize],
) -> Result<ArrayD<T>> {
    match op {
        BinaryOp::Add => zip_map(x, y, shape, |&p, &q| p.add(q)),
        BinaryOp::Sub => zip_map(x, y, shape, |&p, &q| p.sub(q)),
        BinaryOp::Mul => zip_map(x, y, shape, |&p, &q| p.mul(q)),
        BinaryOp::Div => zip_map(x, y, shape, |&p, &q| p.div(q)),
        BinaryOp::Pow => zip_map(x, y, shape, |&p, &q| p.pow(q)),
        _ => Err(Error::internal(format!("{op} is not arithmetic"))),
    }
}

fn compare_typed<T: PartialOrd>(
    x: &ArcArray<T, IxDyn>,
    y: &ArcArray<T, IxDyn>,
    op: BinaryOp,
    shape: &[usize],
) -> Result<NdArray> {
    let out = match op {
        BinaryOp::Eq => zip_map(x, y, shape, |p, q| p == q),
        BinaryOp::Ne => zip_map(x, y, shape, |p, q| p != q),
        BinaryOp::Lt => zip_map(x, y, shape, |p, q| p < q),
        BinaryOp::Le => zip_map(x, y, shape, |p, q| p <= q),
        BinaryOp::Gt => zip_map(x, y, shape, |p, q| p > q),
        BinaryOp::Ge => zip_map(x, y, shape, |p, q| p >= q),
        _ => Err(Error::internal(format!("{op} is not a comparison"))),
    }?;
    Ok(NdArray::from(out))
}

fn compare(a: &NdArray, b: &NdArray, op: BinaryOp, shape: &[usize]) -> Result<NdArray> {
    match (a, b) {
        (NdArray::Str(x), NdArray::Str(y)) => compare_typed(x, y, op, shape),
        (NdArray::Bool(x), NdArray::Bool(y)) => compare_typed(x, y, op, shape),
        (NdArray::DateTime(x, c), NdArray::DateTime(y, d)) if c == d => {
            compare_typed(x, y, op, shape)
        }
        (NdArray::TimeDelta(x), NdArray::TimeDelta(y)) => compare_typed(x, y, op, shape),
        _ => {
            let dt = a
                .dtype()
                .promote(b.dtype())
                .ok_or_else(|| mismatch(a, b, op))?;
            let (x, y) = (a.astype(dt)?, b.astype(dt)?);
            match_pair_numeric!(&x, &y, p, q => compare_typed(p, q, op, shape),
                Err(mismatch(a, b, op)))
        }
    }
}

fn logical(a: &NdArray, b: &NdArray, op: BinaryOp, shape: &[usize]) -> Result<NdArray> {
    let (NdArray::Bool(x), NdArray::Bool(y)) = (a, b) else {
        let bad = if a.dtype() == DType::Bool { b } else { a };
        return Err(Error::UnsupportedDType {
            op: op.name().into(),
            dtype: bad.dtype(),
        });
    };
    let out = match op {
        BinaryOp::And | BinaryOp::Mul => zip_map(x, y, shape, |&p, &q| p && q),
        BinaryOp::Or | BinaryOp::Add => zip_map(x, y, shape, |&p, &q| p || q),
        BinaryOp::Xor => zip_map(x, y, shape, |&p, &q| p != q),
        _ => Err(Error::internal(format!("{op} is not logical"))),
    }?;
    Ok(NdArray::from(out))
}
