//! Element types of [`NdArray`](super::NdArray).

use std::fmt;

use crate::time::Calendar;

/// The element type of an array.
///
/// `DateTime` arrays hold `i64` microseconds since 1970-01-01 in the given calendar;
/// `TimeDelta` arrays hold `i64` microseconds.
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
    /// Durations (numpy's `timedelta64`), in microseconds.
    TimeDelta,
    /// UTF-8 strings.
    Str,
}

impl DType {
    /// numpy's name for the type (`"float32"`, `"int64"`, `"datetime64[us]"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            // numpy has no non-standard calendars: xarray holds those as cftime objects.
            DType::DateTime(c)
                if !matches!(c, Calendar::Standard | Calendar::ProlepticGregorian) =>
            {
                "object"
            }
            d => d.names().numpy,
        }
    }

    /// This type's row of the name table.
    pub fn names(self) -> &'static DTypeNames {
        let row = match self {
            DType::Bool => 0,
            DType::I8 => 1,
            DType::I16 => 2,
            DType::I32 => 3,
            DType::I64 => 4,
            DType::U8 => 5,
            DType::U16 => 6,
            DType::U32 => 7,
            DType::U64 => 8,
            DType::F32 => 9,
            DType::F64 => 10,
            DType::DateTime(_) => 11,
            DType::Str => 12,
            DType::TimeDelta => 13,
        };
        &NAMES[row]
    }

    /// The type numpy calls `name`: its full name (`"int16"`), its short code (`"i2"`)
    /// or, for strings, one of the names xarray uses for them in an encoding (`"str"`,
    /// `"S1"`, ...). Datetimes have no numpy name that `xr` reads.
    pub fn from_numpy_name(name: &str) -> Option<DType> {
        NAMES.iter().find_map(|n| {
            let short = n.zarr_v2.map(|t| &t[1..]);
            (!matches!(n.dtype, DType::DateTime(_) | DType::TimeDelta)
                && (n.numpy == name || short == Some(name) || n.aliases.contains(&name)))
            .then_some(n.dtype)
        })
    }

    /// The type of a Zarr v2 (numpy) type string such as `"<f4"`, `">i2"` or `"|b1"`,
    /// with the byte order it names. Fixed-length strings (`"<U3"`) are not in the table:
    /// their length is part of the name.
    pub fn from_zarr_v2(name: &str) -> Option<(DType, ByteOrder)> {
        let (order, body) = match name.as_bytes().first()? {
            b'<' => (ByteOrder::Little, &name[1..]),
            b'>' => (ByteOrder::Big, &name[1..]),
            b'|' | b'=' => (ByteOrder::native(), &name[1..]),
            _ => (ByteOrder::native(), name),
        };
        NAMES
            .iter()
            .find(|n| n.zarr_v2.is_some_and(|t| &t[1..] == body))
            .map(|n| (n.dtype, order))
    }

    /// The Zarr v2 type string of this type in `order` (`"<i2"`, `">f8"`; one-byte types
    /// are `"|u1"` whatever the order), or `None` for types without a fixed-size name.
    pub fn zarr_v2_name(self, order: ByteOrder) -> Option<String> {
        let t = self.names().zarr_v2?;
        Some(match (t.as_bytes()[0], order) {
            (b'|', _) | (_, ByteOrder::Little) => t.to_string(),
            (_, ByteOrder::Big) => format!(">{}", &t[1..]),
        })
    }

    /// The type of a Zarr v3 `data_type` name (`"int16"`, `"float32"`, `"string"`).
    pub fn from_zarr_v3(name: &str) -> Option<DType> {
        NAMES
            .iter()
            .find(|n| n.zarr_v3 == Some(name))
            .map(|n| n.dtype)
    }

    /// The type's code in `xr`'s MPI messages.
    pub fn wire_code(self) -> u8 {
        self.names().wire
    }

    /// The type with wire code `code`; datetimes come back on the standard calendar
    /// (the calendar travels separately).
    pub fn from_wire_code(code: u8) -> Option<DType> {
        NAMES.iter().find(|n| n.wire == code).map(|n| n.dtype)
    }

    /// The integer type of `size` bytes, signed or not.
    pub fn integer(size: usize, signed: bool) -> Option<DType> {
        NAMES.iter().find_map(|n| {
            (n.dtype.size() == size && n.dtype.is_integer() && n.dtype.is_signed_int() == signed)
                .then_some(n.dtype)
        })
    }

    /// The float type of `size` bytes.
    pub fn float(size: usize) -> Option<DType> {
        NAMES
            .iter()
            .find_map(|n| (n.dtype.is_float() && n.dtype.size() == size).then_some(n.dtype))
    }

    /// The integer type of the same size with the other signedness (`i16` <-> `u16`);
    /// any other type is itself.
    pub fn flip_sign(self) -> DType {
        if self.is_integer() {
            DType::integer(self.size(), !self.is_signed_int()).unwrap_or(self)
        } else {
            self
        }
    }

    /// Size of one element in bytes (strings count their pointer).
    pub fn size(self) -> usize {
        match self {
            DType::Bool | DType::I8 | DType::U8 => 1,
            DType::I16 | DType::U16 => 2,
            DType::I32 | DType::U32 | DType::F32 => 4,
            DType::I64 | DType::U64 | DType::F64 | DType::DateTime(_) | DType::TimeDelta => 8,
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
            (TimeDelta, _) | (_, TimeDelta) => None,
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

/// The byte order of a stored type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ByteOrder {
    /// Least significant byte first.
    Little,
    /// Most significant byte first.
    Big,
}

impl ByteOrder {
    /// The order of the machine `xr` runs on.
    pub fn native() -> ByteOrder {
        if cfg!(target_endian = "big") {
            ByteOrder::Big
        } else {
            ByteOrder::Little
        }
    }
}

/// The names of one [`DType`] in each format `xr` reads or writes: the one table of
/// dtype names.
#[derive(Debug)]
#[non_exhaustive]
pub struct DTypeNames {
    /// The type (datetimes: on the standard calendar).
    pub dtype: DType,
    /// numpy's name (`"int16"`), as xarray writes it in an encoding's `dtype`.
    pub numpy: &'static str,
    /// Other names of the type in an encoding's `dtype`.
    pub aliases: &'static [&'static str],
    /// The NetCDF (CDL) type name (`"short"`); NetCDF stores bools as `byte`.
    pub netcdf: Option<&'static str>,
    /// The Zarr v2 type string, little endian (`"<i2"`, `"|u1"`).
    pub zarr_v2: Option<&'static str>,
    /// The Zarr v3 `data_type` name.
    pub zarr_v3: Option<&'static str>,
    /// The code in `xr`'s MPI messages.
    pub wire: u8,
}

macro_rules! names {
    ($($dtype:expr, $numpy:literal, $aliases:expr, $nc:expr, $v2:expr, $v3:expr, $wire:literal;)*) => {
        [$(DTypeNames {
            dtype: $dtype,
            numpy: $numpy,
            aliases: $aliases,
            netcdf: $nc,
            zarr_v2: $v2,
            zarr_v3: $v3,
            wire: $wire,
        }),*]
    };
}

/// Rows in the order of [`DType::names`]. Wire codes must never change: ranks built from
/// the same source agree on them, and they are not written to files.
static NAMES: [DTypeNames; 14] = names![
    DType::Bool, "bool", &[], Some("byte"), Some("|b1"), Some("bool"), 0;
    DType::I8, "int8", &[], Some("byte"), Some("|i1"), Some("int8"), 1;
    DType::I16, "int16", &[], Some("short"), Some("<i2"), Some("int16"), 2;
    DType::I32, "int32", &[], Some("int"), Some("<i4"), Some("int32"), 3;
    DType::I64, "int64", &[], Some("int64"), Some("<i8"), Some("int64"), 4;
    DType::U8, "uint8", &[], Some("ubyte"), Some("|u1"), Some("uint8"), 5;
    DType::U16, "uint16", &[], Some("ushort"), Some("<u2"), Some("uint16"), 6;
    DType::U32, "uint32", &[], Some("uint"), Some("<u4"), Some("uint32"), 7;
    DType::U64, "uint64", &[], Some("uint64"), Some("<u8"), Some("uint64"), 8;
    DType::F32, "float32", &[], Some("float"), Some("<f4"), Some("float32"), 9;
    DType::F64, "float64", &[], Some("double"), Some("<f8"), Some("float64"), 10;
    DType::DateTime(Calendar::Standard), "datetime64[us]", &[], None, None, None, 11;
    DType::Str, "<U", &["str", "string", "S1", "|S1"], Some("string"), None, Some("string"), 12;
    DType::TimeDelta, "timedelta64[us]", &[], None, None, None, 13;
];

/// Runs `$body` with the type alias `$T` bound to the element type of a numeric
/// `DType` (integers and floats), or evaluates `$fallback` for any other dtype. The
/// dtype-side twin of [`match_numeric!`](super::nd): one dispatch per array, generic code
/// inside (polars' `with_match_physical_numeric_type!`).
macro_rules! with_numeric_dtype {
    ($dtype:expr, |$T:ident| $body:expr, $other:pat => $fallback:expr) => {
        match $dtype {
            $crate::array::DType::I8 => {
                type $T = i8;
                $body
            }
            $crate::array::DType::I16 => {
                type $T = i16;
                $body
            }
            $crate::array::DType::I32 => {
                type $T = i32;
                $body
            }
            $crate::array::DType::I64 => {
                type $T = i64;
                $body
            }
            $crate::array::DType::U8 => {
                type $T = u8;
                $body
            }
            $crate::array::DType::U16 => {
                type $T = u16;
                $body
            }
            $crate::array::DType::U32 => {
                type $T = u32;
                $body
            }
            $crate::array::DType::U64 => {
                type $T = u64;
                $body
            }
            $crate::array::DType::F32 => {
                type $T = f32;
                $body
            }
            $crate::array::DType::F64 => {
                type $T = f64;
                $body
            }
            $other => $fallback,
        }
    };
}

/// Like [`with_numeric_dtype!`] with `bool` too: the types every format stores as
/// fixed-size values.
#[cfg_attr(not(feature = "zarr"), allow(unused_macros))] // only Zarr stores bools as such
macro_rules! with_dtype {
    ($dtype:expr, |$T:ident| $body:expr, $other:pat => $fallback:expr) => {
        match $dtype {
            $crate::array::DType::Bool => {
                type $T = bool;
                $body
            }
            other => $crate::array::with_numeric_dtype!(other, |$T| $body, $other => $fallback),
        }
    };
}

#[cfg(feature = "zarr")]
pub(crate) use with_dtype;
pub(crate) use with_numeric_dtype;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_round_trips_every_name() {
        for (i, n) in NAMES.iter().enumerate() {
            assert!(std::ptr::eq(n.dtype.names(), &NAMES[i]));
            assert_eq!(DType::from_wire_code(n.wire), Some(n.dtype));
            if let Some(v3) = n.zarr_v3 {
                assert_eq!(DType::from_zarr_v3(v3), Some(n.dtype));
            }
            if let Some(v2) = n.zarr_v2 {
                assert_eq!(DType::from_zarr_v2(v2).map(|(d, _)| d), Some(n.dtype));
                let big = n.dtype.zarr_v2_name(ByteOrder::Big).unwrap();
                assert_eq!(DType::from_zarr_v2(&big).map(|(d, _)| d), Some(n.dtype));
            }
        }
        assert_eq!(
            DType::from_zarr_v2(">i2"),
            Some((DType::I16, ByteOrder::Big))
        );
        assert_eq!(DType::from_zarr_v2("<M8[ns]"), None);
        assert_eq!(DType::from_numpy_name("int16"), Some(DType::I16));
        assert_eq!(DType::from_numpy_name("f4"), Some(DType::F32));
        assert_eq!(DType::from_numpy_name("S1"), Some(DType::Str));
        assert_eq!(DType::from_numpy_name("datetime64[us]"), None);
        assert_eq!(DType::integer(2, false), Some(DType::U16));
        assert_eq!(DType::float(4), Some(DType::F32));
        assert_eq!(DType::I32.flip_sign(), DType::U32);
    }

    #[test]
    fn the_dispatch_binds_the_element_type() {
        let size = |d: DType| with_dtype!(d, |T| std::mem::size_of::<T>(), _ => 0);
        assert_eq!(size(DType::I16), 2);
        assert_eq!(size(DType::Bool), 1);
        assert_eq!(size(DType::Str), 0);
    }
}
