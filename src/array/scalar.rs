//! `Scalar`: one value of any dtype, as Python would hold it.

use std::fmt;

use crate::time::Calendar;

/// One value: what indexing a single element gives, and what `sel` takes as a label.
///
/// Integers widen to `i64`/`u64` and floats to `f64`, as Python's scalars do.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Scalar {
    /// A boolean.
    Bool(bool),
    /// A signed integer.
    I64(i64),
    /// An unsigned integer.
    U64(u64),
    /// A float.
    F64(f64),
    /// A datetime: microseconds since 1970-01-01 on a calendar.
    DateTime(i64, Calendar),
    /// A string.
    Str(String),
    /// A duration in microseconds ([`NAT`](crate::time::NAT) is NaT).
    TimeDelta(i64),
}

impl Scalar {
    /// The value as `f64`, for numbers and bools (datetimes and timedeltas give their
    /// ticks).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Scalar::Bool(b) => Some(f64::from(u8::from(*b))),
            Scalar::I64(v) => Some(*v as f64),
            Scalar::U64(v) => Some(*v as f64),
            Scalar::F64(v) => Some(*v),
            Scalar::DateTime(t, _) => Some(*t as f64),
            Scalar::Str(_) => None,
            Scalar::TimeDelta(t) => Some(*t as f64),
        }
    }

    /// The string, for string scalars.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Scalar::Str(s) => Some(s),
            _ => None,
        }
    }

    /// True for a float NaN.
    pub fn is_nan(&self) -> bool {
        matches!(self, Scalar::F64(v) if v.is_nan())
    }
}

macro_rules! scalar_from {
    ($($t:ty => $variant:ident as $wide:ty),*) => {$(
        impl From<$t> for Scalar {
            fn from(v: $t) -> Self {
                Scalar::$variant(<$wide>::from(v))
            }
        }
    )*};
}

scalar_from!(
    bool => Bool as bool, i8 => I64 as i64, i16 => I64 as i64, i32 => I64 as i64,
    i64 => I64 as i64, u8 => U64 as u64, u16 => U64 as u64, u32 => U64 as u64,
    u64 => U64 as u64, f32 => F64 as f64, f64 => F64 as f64
);

impl From<&str> for Scalar {
    fn from(v: &str) -> Self {
        Scalar::Str(v.to_string())
    }
}

impl From<String> for Scalar {
    fn from(v: String) -> Self {
        Scalar::Str(v)
    }
}

impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scalar::Bool(b) => write!(f, "{}", if *b { "True" } else { "False" }),
            Scalar::I64(v) => write!(f, "{v}"),
            Scalar::U64(v) => write!(f, "{v}"),
            Scalar::F64(v) => {
                if v.is_nan() {
                    f.write_str("nan")
                } else {
                    write!(f, "{v}")
                }
            }
            Scalar::DateTime(t, c) => f.write_str(&crate::time::format_ticks(*t, *c)),
            Scalar::Str(s) => f.write_str(s),
            Scalar::TimeDelta(t) => write!(f, "{}", crate::time::TimeDelta(*t)),
        }
    }
}
