//! Typed kernels: elementwise arithmetic and comparisons, unary math, and reductions
//! along axes. Each public function matches on the dtype once and runs generic code
//! over `ArcArray<T, IxDyn>`; nothing here matches per element.
//!
//! Semantics are numpy's: type promotion by [`DType::promote`], broadcasting of shapes
//! by trailing alignment, wrapping integer overflow, true division giving floats.

mod binary;
mod interp_linear;
mod mask_scale;
mod missing;
mod quantile;
mod reduce;
mod rounding;
mod scan;
mod unary;
mod weighted_quantile;

pub use binary::{binary, broadcast_shapes, weak_scalar_dtype, BinaryOp};
pub use interp_linear::{interp_linear, Brackets};
pub use mask_scale::MaskScale;
pub use missing::{
    fill_null, interpolate_na, isnull, notnull, push, push_combine, push_from, push_leading,
    push_summary, pushed_summary, Direction, InterpMethod,
};
pub use quantile::{Quantile, QuantileMethod};
pub use reduce::{reduce, ReduceParams, Reduction};
pub use rounding::{clip, clip_dtype, round};
pub use scan::{scan, scan_dtype, ScanOp};
pub use unary::{unary, UnaryOp};
pub use weighted_quantile::weighted_quantile;

use super::{DType, Element};

/// A number type the kernels run on: what differs between integers (wrapping, widened
/// sums) and floats (NaN, IEEE division).
pub(crate) trait Num: Element + Copy + PartialOrd + Default {
    /// The type of `sum` and `prod`: `i64`/`u64` for integers, the type itself for floats.
    type Sum: Element + Copy;
    /// The type of `mean`, `std`, `var`, `median`: `f64` for integers, the type itself
    /// for floats (xarray keeps `f32`).
    type Float: Element + Copy;

    fn is_nan(self) -> bool;
    fn lt_zero(self) -> bool;
    fn to_f64(self) -> f64;
    fn float_from_f64(v: f64) -> Self::Float;
    fn add(self, o: Self) -> Self;
    fn sub(self, o: Self) -> Self;
    fn mul(self, o: Self) -> Self;
    /// Float division; integer division is never asked for (true division casts first).
    fn div(self, o: Self) -> Self;
    fn pow(self, o: Self) -> Self;
    fn neg(self) -> Self;
    fn abs(self) -> Self;
    fn sum_lane(lane: &[Self], skipna: bool) -> Self::Sum;
    fn prod_lane(lane: &[Self], skipna: bool) -> Self::Sum;
}

macro_rules! impl_num_int {
    ($t:ty, $wide:ty, $abs:expr) => {
        impl Num for $t {
            type Sum = $wide;
            type Float = f64;

            fn is_nan(self) -> bool {
                false
            }
            #[allow(unused_comparisons)]
            fn lt_zero(self) -> bool {
                self < 0
            }
            fn to_f64(self) -> f64 {
                self as f64
            }
            fn float_from_f64(v: f64) -> f64 {
                v
            }
            fn add(self, o: Self) -> Self {
                self.wrapping_add(o)
            }
            fn sub(self, o: Self) -> Self {
                self.wrapping_sub(o)
            }
            fn mul(self, o: Self) -> Self {
                self.wrapping_mul(o)
            }
            fn div(self, o: Self) -> Self {
                // numpy's integer division by zero gives 0.
                if o == 0 {
                    0
                } else {
                    self.wrapping_div(o)
                }
            }
            fn pow(self, o: Self) -> Self {
                // Negative exponents are rejected before the kernel runs. Exponents
                // beyond u32::MAX saturate (only 0, 1 and -1 could tell).
                self.wrapping_pow(u32::try_from(o).unwrap_or(u32::MAX))
            }
            fn neg(self) -> Self {
                self.wrapping_neg()
            }
            fn abs(self) -> Self {
                ($abs)(self)
            }
            fn sum_lane(lane: &[Self], _skipna: bool) -> $wide {
                lane.iter()
                    .fold(0, |acc: $wide, &v| acc.wrapping_add(v as $wide))
            }
            fn prod_lane(lane: &[Self], _skipna: bool) -> $wide {
                lane.iter()
                    .fold(1, |acc: $wide, &v| acc.wrapping_mul(v as $wide))
            }
        }
    };
}

impl_num_int!(i8, i64, i8::wrapping_abs);
impl_num_int!(i16, i64, i16::wrapping_abs);
impl_num_int!(i32, i64, i32::wrapping_abs);
impl_num_int!(i64, i64, i64::wrapping_abs);
impl_num_int!(u8, u64, |v: u8| v);
impl_num_int!(u16, u64, |v: u16| v);
impl_num_int!(u32, u64, |v: u32| v);
impl_num_int!(u64, u64, |v: u64| v);

macro_rules! impl_num_float {
    ($t:ty) => {
        impl Num for $t {
            type Sum = $t;
            type Float = $t;

            fn is_nan(self) -> bool {
                <$t>::is_nan(self)
            }
            fn lt_zero(self) -> bool {
                self < 0.0
            }
            fn to_f64(self) -> f64 {
                f64::from(self)
            }
            #[allow(clippy::cast_possible_truncation)]
            fn float_from_f64(v: f64) -> $t {
                v as $t
            }
            fn add(self, o: Self) -> Self {
                self + o
            }
            fn sub(self, o: Self) -> Self {
                self - o
            }
            fn mul(self, o: Self) -> Self {
                self * o
            }
            fn div(self, o: Self) -> Self {
                self / o
            }
            fn pow(self, o: Self) -> Self {
                self.powf(o)
            }
            fn neg(self) -> Self {
                -self
            }
            fn abs(self) -> Self {
                <$t>::abs(self)
            }
            // Accumulate in f64 whatever the storage type, so f32 sums stay accurate.
            #[allow(clippy::cast_possible_truncation)]
            fn sum_lane(lane: &[Self], skipna: bool) -> $t {
                let s: f64 = lane
                    .iter()
                    .filter(|v| !(skipna && v.is_nan()))
                    .map(|&v| f64::from(v))
                    .sum();
                s as $t
            }
            #[allow(clippy::cast_possible_truncation)]
            fn prod_lane(lane: &[Self], skipna: bool) -> $t {
                let p: f64 = lane
                    .iter()
                    .filter(|v| !(skipna && v.is_nan()))
                    .map(|&v| f64::from(v))
                    .product();
                p as $t
            }
        }
    };
}

impl_num_float!(f32);
impl_num_float!(f64);

/// The dtype of `sqrt`, `exp`, `log` (and other float-valued functions) of `dtype`:
/// floats keep their type, 32/64-bit integers give `f64`, smaller integers and bools
/// give `f32` (numpy gives `f16` for 8-bit types, which `xr` does not have).
pub fn float_dtype_for(dtype: DType) -> Option<DType> {
    match dtype {
        DType::F32 | DType::F64 => Some(dtype),
        DType::Bool | DType::I8 | DType::U8 | DType::I16 | DType::U16 => Some(DType::F32),
        DType::I32 | DType::U32 | DType::I64 | DType::U64 => Some(DType::F64),
        _ => None,
    }
}

/// Pairs two arrays known to share a numeric dtype, binding both typed arrays.
macro_rules! match_pair_numeric {
    ($a:expr, $b:expr, $x:ident, $y:ident => $body:expr, $fallback:expr) => {
        match ($a, $b) {
            ($crate::array::NdArray::I8($x), $crate::array::NdArray::I8($y)) => $body,
            ($crate::array::NdArray::I16($x), $crate::array::NdArray::I16($y)) => $body,
            ($crate::array::NdArray::I32($x), $crate::array::NdArray::I32($y)) => $body,
            ($crate::array::NdArray::I64($x), $crate::array::NdArray::I64($y)) => $body,
            ($crate::array::NdArray::U8($x), $crate::array::NdArray::U8($y)) => $body,
            ($crate::array::NdArray::U16($x), $crate::array::NdArray::U16($y)) => $body,
            ($crate::array::NdArray::U32($x), $crate::array::NdArray::U32($y)) => $body,
            ($crate::array::NdArray::U64($x), $crate::array::NdArray::U64($y)) => $body,
            ($crate::array::NdArray::F32($x), $crate::array::NdArray::F32($y)) => $body,
            ($crate::array::NdArray::F64($x), $crate::array::NdArray::F64($y)) => $body,
            _ => $fallback,
        }
    };
}
pub(crate) use match_pair_numeric;
