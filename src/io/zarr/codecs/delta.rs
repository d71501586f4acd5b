//! numcodecs' `delta` filter: the first element, then each element minus the one before,
//! in the array's `dtype` (integers wrap), stored as `astype`; decoding is the running
//! sum. Over the chunk's elements in C order, as numcodecs flattens them.

use serde_json::{Map, Value};
use zarrs::array::codec::api::CodecError;
use zarrs::array::DataType;

use super::{
    cast, check_decoded, elements, num_field, register_filter, with_num, Filter, Num, Scalar,
};

/// The `delta` filter (v2 `delta`, v3 `numcodecs.delta`).
#[derive(Debug, Clone)]
pub(super) struct Delta {
    dtype: Num,
    astype: Num,
    config: Map<String, Value>,
}

register_filter!(Delta, v3: "numcodecs.delta", v2: "delta");

impl Filter for Delta {
    fn new(config: &Map<String, Value>) -> Result<Self, String> {
        let dtype = num_field("delta", config, "dtype", None)?;
        let astype = num_field("delta", config, "astype", Some(dtype))?;
        if dtype == Num::Bool || astype == Num::Bool {
            return Err("delta: bool arrays have no differences".to_string());
        }
        Ok(Delta {
            dtype,
            astype,
            config: config.clone(),
        })
    }

    fn config(&self) -> Map<String, Value> {
        self.config.clone()
    }

    fn encoded_data_type(&self, decoded: &DataType) -> Result<DataType, CodecError> {
        check_decoded("delta", self.dtype, decoded)?;
        Ok(self.astype.data_type())
    }

    fn encode(&self, bytes: &[u8], decoded: &DataType) -> Result<Vec<u8>, CodecError> {
        check_decoded("delta", self.dtype, decoded)?;
        fn go<T: Scalar, U: Scalar>(bytes: &[u8]) -> Vec<u8> {
            let mut out = Vec::with_capacity(bytes.len() / T::SIZE * U::SIZE);
            let mut previous: Option<T> = None;
            for v in elements::<T>(bytes) {
                let d = previous.map_or(v, |p| v.sub(p));
                cast::<T, U>(d).write(&mut out);
                previous = Some(v);
            }
            out
        }
        Ok(
            with_num!(self.dtype, T => with_num!(self.astype, U => go::<T, U>(bytes), Bool => unreachable!()), Bool => unreachable!()),
        )
    }

    fn decode(&self, bytes: &[u8], decoded: &DataType, _len: u64) -> Result<Vec<u8>, CodecError> {
        check_decoded("delta", self.dtype, decoded)?;
        fn go<T: Scalar, U: Scalar>(bytes: &[u8]) -> Vec<u8> {
            let mut out = Vec::with_capacity(bytes.len() / U::SIZE * T::SIZE);
            let mut sum: Option<T> = None;
            for d in elements::<U>(bytes) {
                let d = cast::<U, T>(d);
                let v = sum.map_or(d, |s| s.add(d));
                v.write(&mut out);
                sum = Some(v);
            }
            out
        }
        Ok(
            with_num!(self.dtype, T => with_num!(self.astype, U => go::<T, U>(bytes), Bool => unreachable!()), Bool => unreachable!()),
        )
    }
}
