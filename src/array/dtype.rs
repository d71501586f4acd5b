//! Element types of [`NdArray`](super::NdArray).

use std::fmt;

use crate::time::Calendar;

/// The element type of an array.
///
/// `DateTime` arrays hold `i64` microseconds since 1970-01-01 in the given calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DType {
    /// `bool`
    Bool,
    /// `i8`
    I8,
    /// `i16`
    I16,
    /// `i32`
    I32,
    /// `i64`
    I64,
    /// `u8`
    U8,
    /// `u16`
    U16,
    /// `u32`
    U32,
    /// `u64`
    U64,
    /// `f32`
    F32,
    /// `f64`
    F64,
    /// Datetimes on a CF calendar.
    DateTime(Calendar),
    /// UTF-8 strings.
    Str,
}

impl DType {
    /// numpy's name for the type (`"float32"`, `"int64"`, `"datetime64[us]"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::I8 => "int8",
            DType::I16 => "int16",
            DType::I32 => "int32",
            DType::I64 => "int64",
            DType::U8 => "uint8",
            DType::U16 => "uint16",
            DType::U32 => "uint32",
            DType::U64 => "uint64",
            DType::F32 => "float32",
            DType::F64 => "float64",
            DType::DateTime(Calendar::Standard | Calendar::ProlepticGregorian) => "datetime64[us]",
            DType::DateTime(_) => "object",
            DType::Str => "<U",
        }
    }

    /// Size of one element in bytes (strings count their pointer).
    pub fn size(self) -> usize {
        match self {
            DType::Bool | DType::I8 | DType::U8 => 1,
            DType::I16 | DType::U16 => 2,
            DType::I32 | DType::U32 | DType::F32 => 4,
            DType::I64 | DType::U64 | DType::F64 | DType::DateTime(_) => 8,
            DType::Str => std::mem::size_of::<String>(),
        }
    }

    /// True for the float types.
    pub fn is_float(self) -> bool {
        matches!(self, DType::F32 | DType::F64)
    }

    /// True for signed and unsigned integers.
    pub fn is_integer(self) -> bool {
        self.is_signed_int() || self.is_unsigned_int()
    }

    /// True for `i8`..`i64`.
    pub fn is_signed_int(self) -> bool {
        matches!(self, DType::I8 | DType::I16 | DType::I32 | DType::I64)
    }

    /// True for `u8`..`u64`.
    pub fn is_unsigned_int(self) -> bool {
        matches!(self, DType::U8 | DType::U16 | DType::U32 | DType::U64)
    }

    /// True for integers and floats (not bool, datetime or string).
    pub fn is_numeric(self) -> bool {
        self.is_integer() || self.is_float()
    }

    /// The type numpy's `result_type` gives for a binary arithmetic operation between
    /// `self` and `other` (bool < ints < floats; `i64` with `u64` is `f64`).
    pub fn promote(self, other: DType) -> Option<DType> {
        use DType::*;
        if self == other {
            return Some(self);
        }
        match (self, other) {
            (Str, _) | (_, Str) | (DateTime(_), _) | (_, DateTime(_)) => None,
            (Bool, t) | (t, Bool) => Some(t),
            (F64, _) | (_, F64) => Some(F64),
            (F32, t) | (t, F32) => Some(if t.size() >= 4 { F64 } else { F32 }),
            (a, b) if a.is_signed_int() == b.is_signed_int() => {
                Some(if a.size() >= b.size() { a } else { b })
            }
            (a, b) => {
                let (s, u) = if a.is_signed_int() { (a, b) } else { (b, a) };
                Some(match (s.size(), u.size()) {
                    (_, 8) => F64,
                    (ss, us) if ss > us => s,
                    (_, 1) => I16,
                    (_, 2) => I32,
                    _ => I64,
                })
            }
        }
    }

    /// The float type that holds this type's values: `f32` stays `f32` and the small
    /// ints go to `f32` in numpy only for 8/16 bit; xarray's means go to `f64`.
    pub fn float_for_mean(self) -> DType {
        match self {
            DType::F32 => DType::F32,
            _ => DType::F64,
        }
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DType::DateTime(c) => write!(f, "datetime[{c}]"),
            other => f.write_str(other.name()),
        }
    }
}
