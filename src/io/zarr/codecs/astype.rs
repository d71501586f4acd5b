//! numcodecs' `astype` filter: the array stored as `encode_dtype`, read back cast to
//! `decode_dtype` (numpy's casts: integers wrap, floats round).

use serde_json::{Map, Value};
use zarrs::array::codec::api::CodecError;
use zarrs::array::DataType;

use super::{cast_bytes, check_decoded, num_field, register_filter, Filter, Num};

/// The `astype` filter (v2 `astype`, v3 `numcodecs.astype`).
#[derive(Debug, Clone)]
pub(super) struct AsType {
    encode_dtype: Num,
    decode_dtype: Num,
    config: Map<String, Value>,
}

register_filter!(AsType, v3: "numcodecs.astype", v2: "astype");

impl Filter for AsType {
    fn new(config: &Map<String, Value>) -> Result<Self, String> {
        let encode_dtype = num_field("astype", config, "encode_dtype", None)?;
        let decode_dtype = num_field("astype", config, "decode_dtype", None)?;
        if encode_dtype == Num::Bool || decode_dtype == Num::Bool {
            return Err("astype: bool is not a numeric dtype xr casts".to_string());
        }
        Ok(AsType {
            encode_dtype,
            decode_dtype,
            config: config.clone(),
        })
    }

    fn config(&self) -> Map<String, Value> {
        self.config.clone()
    }

    fn encoded_data_type(&self, decoded: &DataType) -> Result<DataType, CodecError> {
        check_decoded("astype", self.decode_dtype, decoded)?;
        Ok(self.encode_dtype.data_type())
    }

    fn encode(&self, bytes: &[u8], decoded: &DataType) -> Result<Vec<u8>, CodecError> {
        check_decoded("astype", self.decode_dtype, decoded)?;
        cast_bytes(bytes, self.decode_dtype, self.encode_dtype)
    }

    fn decode(&self, bytes: &[u8], decoded: &DataType, _len: u64) -> Result<Vec<u8>, CodecError> {
        check_decoded("astype", self.decode_dtype, decoded)?;
        cast_bytes(bytes, self.encode_dtype, self.decode_dtype)
    }
}
