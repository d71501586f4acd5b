//! numcodecs' `bitround` filter in Zarr v2 (`bitround`; zarrs reads v3's
//! `numcodecs.bitround` itself): float mantissas rounded to `keepbits` bits (lossy) when
//! encoding; decoding changes nothing.

use serde_json::{Map, Value};
use zarrs::array::codec::api::CodecError;
use zarrs::array::codec::{round_bytes_float32, round_bytes_float64};
use zarrs::array::DataType;

use super::{register_filter, Filter, Num};

/// The `bitround` filter of Zarr v2.
#[derive(Debug, Clone)]
pub(super) struct BitRound {
    keepbits: u32,
    config: Map<String, Value>,
}

register_filter!(BitRound, v2: "bitround");

impl BitRound {
    /// The float type of `data_type` and its mantissa bits; numcodecs rounds only floats.
    fn mantissa(&self, data_type: &DataType) -> Result<(Num, u32), CodecError> {
        let (num, bits) = match Num::from_data_type(data_type) {
            Some(Num::F32) => (Num::F32, 23),
            Some(Num::F64) => (Num::F64, 52),
            _ => {
                return Err(CodecError::Other(format!(
                    "bitround: only float32 and float64 arrays can be bit-rounded, not {data_type}"
                )))
            }
        };
        if self.keepbits > bits {
            return Err(CodecError::Other(format!(
                "bitround: keepbits {} exceeds the {bits} mantissa bits of {num}",
                self.keepbits
            )));
        }
        Ok((num, bits))
    }
}

impl Filter for BitRound {
    fn new(config: &Map<String, Value>) -> Result<Self, String> {
        let keepbits = config
            .get("keepbits")
            .and_then(Value::as_u64)
            .and_then(|k| u32::try_from(k).ok())
            .ok_or("bitround: configuration has no non-negative integer field \"keepbits\"")?;
        Ok(BitRound {
            keepbits,
            config: config.clone(),
        })
    }

    fn config(&self) -> Map<String, Value> {
        self.config.clone()
    }

    fn encoded_data_type(&self, decoded: &DataType) -> Result<DataType, CodecError> {
        self.mantissa(decoded)?;
        Ok(decoded.clone())
    }

    fn encode(&self, bytes: &[u8], decoded: &DataType) -> Result<Vec<u8>, CodecError> {
        let (num, bits) = self.mantissa(decoded)?;
        let mut out = bytes.to_vec();
        match num {
            Num::F32 => round_bytes_float32(&mut out, self.keepbits, bits),
            _ => round_bytes_float64(&mut out, self.keepbits, bits),
        }
        Ok(out)
    }

    fn decode(&self, bytes: &[u8], decoded: &DataType, _len: u64) -> Result<Vec<u8>, CodecError> {
        self.mantissa(decoded)?;
        Ok(bytes.to_vec())
    }
}
