//! numcodecs' `packbits` filter: a bool chunk as bits, eight to a byte, first element in
//! the high bit, after one byte that counts the padding bits of the last byte.

use std::num::NonZeroU64;

use serde_json::{Map, Value};
use zarrs::array::codec::api::CodecError;
use zarrs::array::DataType;

use super::{check_decoded, register_filter, Filter, Num};

/// The `packbits` filter (v2 `packbits`, v3 `numcodecs.packbits`).
#[derive(Debug, Clone)]
pub(super) struct PackBits {
    config: Map<String, Value>,
}

register_filter!(PackBits, v3: "numcodecs.packbits", v2: "packbits");

impl Filter for PackBits {
    fn new(config: &Map<String, Value>) -> Result<Self, String> {
        Ok(PackBits {
            config: config.clone(),
        })
    }

    fn config(&self) -> Map<String, Value> {
        self.config.clone()
    }

    fn encoded_data_type(&self, decoded: &DataType) -> Result<DataType, CodecError> {
        check_decoded("packbits", Num::Bool, decoded)?;
        Ok(Num::U8.data_type())
    }

    fn encode(&self, bytes: &[u8], decoded: &DataType) -> Result<Vec<u8>, CodecError> {
        check_decoded("packbits", Num::Bool, decoded)?;
        let padding = (8 - bytes.len() % 8) % 8;
        let mut out = Vec::with_capacity(1 + bytes.len().div_ceil(8));
        out.push(u8::try_from(padding).unwrap_or(0));
        for group in bytes.chunks(8) {
            let byte = group
                .iter()
                .enumerate()
                .fold(0u8, |acc, (i, &b)| acc | (u8::from(b != 0) << (7 - i)));
            out.push(byte);
        }
        Ok(out)
    }

    fn decode(&self, bytes: &[u8], decoded: &DataType, len: u64) -> Result<Vec<u8>, CodecError> {
        check_decoded("packbits", Num::Bool, decoded)?;
        let Some((&padding, packed)) = bytes.split_first() else {
            return Err(CodecError::Other("packbits: empty chunk".to_string()));
        };
        let bits = (packed.len() * 8).checked_sub(usize::from(padding));
        if bits.and_then(|b| u64::try_from(b).ok()) != Some(len) {
            return Err(CodecError::Other(format!(
                "packbits: the chunk holds {} bits less {padding} padding, expected {len}",
                packed.len() * 8
            )));
        }
        Ok(packed
            .iter()
            .flat_map(|&byte| (0..8).rev().map(move |i| (byte >> i) & 1))
            .take(bits.unwrap_or(0))
            .collect())
    }

    fn encoded_shape(&self, decoded: &[NonZeroU64]) -> Vec<NonZeroU64> {
        let len = decoded.iter().map(|n| n.get()).product::<u64>();
        vec![NonZeroU64::MIN.saturating_add(len.div_ceil(8))]
    }

    fn decoded_shape(&self, _encoded: &[NonZeroU64]) -> Option<Vec<NonZeroU64>> {
        None
    }

    /// The fill byte itself: a missing chunk is filled before packing.
    fn encoded_fill_value(&self, encoded_one: Vec<u8>) -> Vec<u8> {
        vec![encoded_one.get(1).map_or(0, |&b| b >> 7)]
    }
}
