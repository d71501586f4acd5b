//! numcodecs' `fixedscaleoffset` filter: `round((x - offset) * scale)` stored as
//! `astype`, read back as `stored / scale + offset`, in float64 as numpy computes it.
//! zarrs has one too, but computes in float32 (so `scale` 100 and offset 10 change
//! decoded values) and fills a missing chunk with its fill value encoded and decoded
//! again (a NaN fill comes back as `offset`); this one takes its place.

use serde_json::{Map, Value};
use zarrs::array::codec::api::CodecError;
use zarrs::array::DataType;

use super::{check_decoded, elements, num_field, with_num, Filter, Num, Scalar};

/// The `fixedscaleoffset` filter (v2 `fixedscaleoffset`, v3 `numcodecs.fixedscaleoffset`).
#[derive(Debug, Clone)]
pub(super) struct FixedScaleOffset {
    offset: f64,
    scale: f64,
    dtype: Num,
    astype: Num,
    config: Map<String, Value>,
}

// Registered at run time by `super::register` (ahead of zarrs' own), not through inventory.
zarrs::plugin::impl_extension_aliases!(FixedScaleOffset,
    v3: "numcodecs.fixedscaleoffset", [],
    v2: "fixedscaleoffset", []
);
super::filter_codec_traits!(FixedScaleOffset);

impl Filter for FixedScaleOffset {
    fn new(config: &Map<String, Value>) -> Result<Self, String> {
        let number = |field: &str| {
            config.get(field).and_then(Value::as_f64).ok_or_else(|| {
                format!("fixedscaleoffset: configuration has no number field {field:?}")
            })
        };
        let (offset, scale) = (number("offset")?, number("scale")?);
        let dtype = num_field("fixedscaleoffset", config, "dtype", None)?;
        let astype = num_field("fixedscaleoffset", config, "astype", Some(dtype))?;
        if dtype == Num::Bool || astype == Num::Bool {
            return Err("fixedscaleoffset: bool is not a numeric dtype xr scales".to_string());
        }
        Ok(FixedScaleOffset {
            offset,
            scale,
            dtype,
            astype,
            config: config.clone(),
        })
    }

    fn config(&self) -> Map<String, Value> {
        self.config.clone()
    }

    fn encoded_data_type(&self, decoded: &DataType) -> Result<DataType, CodecError> {
        check_decoded("fixedscaleoffset", self.dtype, decoded)?;
        Ok(self.astype.data_type())
    }

    fn encode(&self, bytes: &[u8], decoded: &DataType) -> Result<Vec<u8>, CodecError> {
        check_decoded("fixedscaleoffset", self.dtype, decoded)?;
        fn go<T: Scalar, U: Scalar>(bytes: &[u8], offset: f64, scale: f64) -> Vec<u8> {
            let mut out = Vec::with_capacity(bytes.len() / T::SIZE * U::SIZE);
            for v in elements::<T>(bytes) {
                U::from_f64(((v.to_f64() - offset) * scale).round_ties_even()).write(&mut out);
            }
            out
        }
        Ok(
            with_num!(self.dtype, T => with_num!(self.astype, U => go::<T, U>(bytes, self.offset, self.scale), Bool => unreachable!()), Bool => unreachable!()),
        )
    }

    fn decode(&self, bytes: &[u8], decoded: &DataType, _len: u64) -> Result<Vec<u8>, CodecError> {
        check_decoded("fixedscaleoffset", self.dtype, decoded)?;
        fn go<T: Scalar, U: Scalar>(bytes: &[u8], offset: f64, scale: f64) -> Vec<u8> {
            let mut out = Vec::with_capacity(bytes.len() / U::SIZE * T::SIZE);
            for v in elements::<U>(bytes) {
                T::from_f64(v.to_f64() / scale + offset).write(&mut out);
            }
            out
        }
        Ok(
            with_num!(self.dtype, T => with_num!(self.astype, U => go::<T, U>(bytes, self.offset, self.scale), Bool => unreachable!()), Bool => unreachable!()),
        )
    }
}
