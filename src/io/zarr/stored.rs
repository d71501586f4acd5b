//! Stored element types that `xr` has no type of its own for, and how they are read:
//! the array is opened in zarrs under a type of the same size that zarrs decodes
//! (raw bits, `int64`), and its values are converted chunk by chunk.
//!
//! - numpy byte strings (v2 `"|S2"`, v3 `null_terminated_bytes`) are read as strings
//!   (trailing NULs stripped, as numpy does; bytes that are not UTF-8 replaced);
//! - `float16` is read as `float32` (exact);
//! - raw `datetime64` (v2 `"<M8[s]"`, v3 `numpy.datetime64`) is read as datetimes on
//!   the standard calendar (`NaT` stays `NaT`);
//! - raw `timedelta64` (v2 `"<m8[s]"`, v3 `numpy.timedelta64`) is read as timedeltas
//!   (`NaT` stays `NaT`).
//!
//! `xr` holds both in microseconds: finer units (`[ns]`) are floored to the
//! microsecond, as numpy's `astype("M8[us]")` does.

use zarrs::array::{Array, ArrayBytes, ArrayMetadata, ArraySubset};
use zarrs::metadata::v2::DataTypeMetadataV2;
use zarrs::metadata::v3::{FillValueMetadataV3, MetadataV3};
use zarrs::storage::ReadableStorageTraits;

use crate::array::{DType, NdArray};
use crate::time::{Calendar, NAT, TICKS_PER_SECOND};

/// How the stored elements of an array become `xr` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stored {
    /// zarrs reads the values as `xr` holds them (numbers, bools, UTF-8 strings).
    Native,
    /// numpy's fixed-length UTF-32 strings (`"<U3"`, `fixed_length_utf32`).
    FixedUtf32,
    /// numpy's fixed-length byte strings of this many bytes.
    Bytes(usize),
    /// IEEE half precision.
    Float16,
    /// numpy `datetime64` counting this many microseconds per step (a negative number
    /// `-n`: one step is `1/n` microsecond).
    Datetime64(i64),
    /// numpy `timedelta64`, with the step of [`Stored::Datetime64`].
    Timedelta64(i64),
}

impl Stored {
    /// The stored type of `md`; `None` for the types that zarrs reads as they are.
    pub fn of(md: &ArrayMetadata) -> Stored {
        match md {
            ArrayMetadata::V2(m) => match &m.dtype {
                DataTypeMetadataV2::Simple(t) => {
                    let body = t.trim_start_matches(['<', '>', '|', '=']);
                    if body.starts_with('U') {
                        Stored::FixedUtf32
                    } else if let Some(n) = body.strip_prefix('S').and_then(|n| n.parse().ok()) {
                        Stored::Bytes(n)
                    } else if body == "f2" {
                        Stored::Float16
                    } else if let Some(step) = body.strip_prefix("M8").and_then(datetime64_step) {
                        Stored::Datetime64(step)
                    } else if let Some(step) = body.strip_prefix("m8").and_then(datetime64_step) {
                        Stored::Timedelta64(step)
                    } else {
                        Stored::Native
                    }
                }
                DataTypeMetadataV2::Structured(_) => Stored::Native,
            },
            ArrayMetadata::V3(m) => match m.data_type.name() {
                "fixed_length_utf32" => Stored::FixedUtf32,
                "float16" => Stored::Float16,
                "null_terminated_bytes" => config_u64(&m.data_type, "length_bytes")
                    .and_then(|n| usize::try_from(n).ok())
                    .map_or(Stored::Native, Stored::Bytes),
                "numpy.datetime64" => {
                    v3_time_step(&m.data_type).map_or(Stored::Native, Stored::Datetime64)
                }
                "numpy.timedelta64" => {
                    v3_time_step(&m.data_type).map_or(Stored::Native, Stored::Timedelta64)
                }
                _ => Stored::Native,
            },
        }
    }

    /// True when zarrs reads the values as `xr` holds them, after
    /// [`Stored::for_zarrs`]; false when [`Stored::retrieve`] converts them.
    pub fn read_by_zarrs(self) -> bool {
        matches!(self, Stored::Native | Stored::FixedUtf32)
    }

    /// The type `xr` reads these values as; `None` for [`Stored::Native`].
    pub fn dtype(self) -> Option<DType> {
        match self {
            Stored::Native => None,
            Stored::FixedUtf32 | Stored::Bytes(_) => Some(DType::Str),
            Stored::Float16 => Some(DType::F32),
            Stored::Datetime64(_) => Some(DType::DateTime(Calendar::Standard)),
            Stored::Timedelta64(_) => Some(DType::TimeDelta),
        }
    }

    /// `md` with the stored type replaced by one of the same size that zarrs decodes:
    /// raw bits for byte strings, `int64` for datetimes and timedeltas.
    pub fn for_zarrs(self, md: &mut ArrayMetadata) {
        match (self, md) {
            (Stored::Bytes(n), ArrayMetadata::V2(m)) => {
                m.dtype = DataTypeMetadataV2::Simple(format!("|V{n}"));
                m.fill_value = zero_bytes(n);
            }
            (Stored::Bytes(n), ArrayMetadata::V3(m)) => {
                m.data_type = MetadataV3::new(format!("r{}", n * 8));
                m.fill_value = zero_bytes(n);
            }
            (Stored::Datetime64(_) | Stored::Timedelta64(_), ArrayMetadata::V2(m)) => {
                if let DataTypeMetadataV2::Simple(t) = &m.dtype {
                    let order = if t.starts_with('>') { ">" } else { "<" };
                    m.dtype = DataTypeMetadataV2::Simple(format!("{order}i8"));
                }
            }
            (Stored::Datetime64(_) | Stored::Timedelta64(_), ArrayMetadata::V3(m)) => {
                m.data_type = MetadataV3::new("int64");
            }
            _ => {}
        }
    }

    /// Reads `subset` of `array` (opened with [`Stored::for_zarrs`]) as `xr` values of
    /// `shape`. Not for the types that zarrs reads ([`Stored::read_by_zarrs`]).
    pub fn retrieve(
        self,
        array: &Array<dyn ReadableStorageTraits>,
        subset: &ArraySubset,
        shape: &[usize],
    ) -> Result<NdArray, BoxError> {
        match self {
            Stored::Bytes(n) => {
                let bytes = array
                    .retrieve_array_subset::<ArrayBytes>(subset)?
                    .into_fixed()?;
                let v: Vec<String> = bytes.chunks_exact(n.max(1)).map(byte_string).collect();
                Ok(NdArray::from_shape_vec(shape, v)?)
            }
            Stored::Float16 => {
                let bytes = array
                    .retrieve_array_subset::<ArrayBytes>(subset)?
                    .into_fixed()?;
                let v: Vec<f32> = bytes
                    .chunks_exact(2)
                    .map(|b| f16_to_f32(u16::from_ne_bytes([b[0], b[1]])))
                    .collect();
                Ok(NdArray::from_shape_vec(shape, v)?)
            }
            Stored::Datetime64(step) => {
                let v: Vec<i64> = array.retrieve_array_subset(subset)?;
                let ticks = v
                    .into_iter()
                    .map(|x| datetime64_ticks(x, step))
                    .collect::<Option<Vec<i64>>>()
                    .ok_or("a datetime64 value is out of the range of datetimes")?;
                let a = NdArray::from_shape_vec(shape, ticks)?;
                Ok(a.astype(DType::DateTime(Calendar::Standard))?)
            }
            Stored::Timedelta64(step) => {
                let v: Vec<i64> = array.retrieve_array_subset(subset)?;
                let ticks = v
                    .into_iter()
                    .map(|x| datetime64_ticks(x, step))
                    .collect::<Option<Vec<i64>>>()
                    .ok_or("a timedelta64 value is out of the range of timedeltas")?;
                let ticks = ndarray::ArrayD::from_shape_vec(shape, ticks)?;
                Ok(NdArray::TimeDelta(ticks.into_shared()))
            }
            Stored::Native | Stored::FixedUtf32 => {
                Err(format!("{self:?} values are read by zarrs directly").into())
            }
        }
    }
}

/// A library's error, kept as a source.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The step of a v3 `numpy.datetime64`/`numpy.timedelta64` type (its `unit` and
/// `scale_factor`).
fn v3_time_step(data_type: &MetadataV3) -> Option<i64> {
    let unit = data_type
        .configuration()?
        .get("unit")?
        .as_str()?
        .to_string();
    let scale = config_u64(data_type, "scale_factor").unwrap_or(1);
    datetime64_step(&format!("[{scale}{unit}]"))
}

fn config_u64(md: &MetadataV3, key: &str) -> Option<u64> {
    md.configuration()?.get(key)?.as_u64()
}

/// A fill value of `n` zero bytes, as raw bits take it.
fn zero_bytes(n: usize) -> FillValueMetadataV3 {
    FillValueMetadataV3::Array(vec![FillValueMetadataV3::from(0u64); n])
}

/// The microseconds per step of numpy's `"[10s]"` (negative: steps per microsecond);
/// `None` for calendar units (`Y`, `M`) and ones finer than nanoseconds.
fn datetime64_step(unit: &str) -> Option<i64> {
    let inner = unit.strip_prefix('[')?.strip_suffix(']')?;
    let split = inner
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(inner.len());
    let (count, unit) = inner.split_at(split);
    let count: i64 = if count.is_empty() {
        1
    } else {
        count.parse().ok()?
    };
    let per_unit = match unit {
        "W" => 7 * 86_400 * TICKS_PER_SECOND,
        "D" => 86_400 * TICKS_PER_SECOND,
        "h" => 3_600 * TICKS_PER_SECOND,
        "m" => 60 * TICKS_PER_SECOND,
        "s" => TICKS_PER_SECOND,
        "ms" => TICKS_PER_SECOND / 1_000,
        "us" | "μs" => 1,
        "ns" if count == 1 => return Some(-1_000),
        _ => return None,
    };
    per_unit.checked_mul(count)
}

/// A `datetime64` value as microseconds since 1970, or a `timedelta64` one as
/// microseconds (`NaT` stays `NaT`); `None` when out of range.
fn datetime64_ticks(x: i64, step: i64) -> Option<i64> {
    if x == i64::MIN {
        Some(NAT)
    } else if step < 0 {
        Some(x.div_euclid(-step))
    } else {
        x.checked_mul(step).filter(|&t| t != NAT)
    }
}

/// A numpy byte string: trailing NULs stripped, other bytes as UTF-8.
fn byte_string(b: &[u8]) -> String {
    let end = b.iter().rposition(|&c| c != 0).map_or(0, |i| i + 1);
    String::from_utf8_lossy(&b[..end]).into_owned()
}

/// IEEE 754 half precision to single (exact).
fn f16_to_f32(h: u16) -> f32 {
    let sign = u32::from(h >> 15) << 31;
    let exp = i32::from((h >> 10) & 0x1f);
    let frac = u32::from(h & 0x3ff);
    let bits = match (exp, frac) {
        (0, 0) => sign,
        (0, _) => {
            // Subnormal: normalise the fraction.
            let shift = frac.leading_zeros() - 21;
            let frac = (frac << shift) & 0x3ff;
            let exp = 127 - 15 + 1 - shift as i32;
            sign | ((exp as u32) << 23) | (frac << 13)
        }
        (0x1f, _) => sign | 0x7f80_0000 | (frac << 13),
        _ => sign | (((exp - 15 + 127) as u32) << 23) | (frac << 13),
    };
    f32::from_bits(bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_floats_widen_exactly() {
        for (bits, want) in [
            (0x3c00u16, 1.0f32),
            (0xc080, -2.25),
            (0x3e00, 1.5),
            (0x0001, 5.960_464_5e-8),
            (0x7bff, 65504.0),
            (0x8000, -0.0),
            (0x7c00, f32::INFINITY),
        ] {
            assert_eq!(f16_to_f32(bits), want, "{bits:#x}");
        }
        assert!(f16_to_f32(0x7e00).is_nan());
    }

    #[test]
    fn datetime64_units_become_microseconds() {
        assert_eq!(datetime64_step("[s]"), Some(TICKS_PER_SECOND));
        assert_eq!(datetime64_step("[10m]"), Some(600 * TICKS_PER_SECOND));
        assert_eq!(datetime64_step("[ns]"), Some(-1_000));
        assert_eq!(datetime64_step("[M]"), None);
        assert_eq!(datetime64_ticks(-1_500, -1_000), Some(-2));
        assert_eq!(datetime64_ticks(i64::MIN, 1), Some(NAT));
        assert_eq!(datetime64_ticks(i64::MAX, TICKS_PER_SECOND), None);
    }

    #[test]
    fn byte_strings_lose_trailing_nuls() {
        assert_eq!(byte_string(b"c\0"), "c");
        assert_eq!(byte_string(b"ab"), "ab");
        assert_eq!(byte_string(b"\0\0"), "");
    }
}
