//! numcodecs' `quantize` filter: floats rounded to a power-of-two step fine enough for
//! `digits` decimal digits (lossy), stored as `astype`; decoding is a cast back.

use serde_json::{Map, Value};
use zarrs::array::codec::api::CodecError;
use zarrs::array::DataType;

use super::{
    cast_bytes, check_decoded, elements, num_field, register_filter, with_num, Filter, Num, Scalar,
};

/// The `quantize` filter (v2 `quantize`, v3 `numcodecs.quantize`).
#[derive(Debug, Clone)]
pub(super) struct Quantize {
    /// The quantum's reciprocal, `2^bits`, as numcodecs computes it from `digits`.
    scale: f64,
    dtype: Num,
    astype: Num,
    config: Map<String, Value>,
}

register_filter!(Quantize, v3: "numcodecs.quantize", v2: "quantize");

impl Filter for Quantize {
    fn new(config: &Map<String, Value>) -> Result<Self, String> {
        let digits = config
            .get("digits")
            .and_then(Value::as_i64)
            .ok_or("quantize: configuration has no integer field \"digits\"")?;
        let dtype = num_field("quantize", config, "dtype", None)?;
        let astype = num_field("quantize", config, "astype", Some(dtype))?;
        if !dtype.is_float() || !astype.is_float() {
            return Err(format!(
                "quantize: dtype {dtype} and astype {astype} must be floats"
            ));
        }
        #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
        let scale = {
            let exp = 10f64.powf(-(digits as f64)).log10();
            let exp = if exp < 0.0 { exp.floor() } else { exp.ceil() };
            let bits = (10f64.powf(-exp)).log2().ceil();
            2f64.powf(bits)
        };
        Ok(Quantize {
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
        check_decoded("quantize", self.dtype, decoded)?;
        Ok(self.astype.data_type())
    }

    fn encode(&self, bytes: &[u8], decoded: &DataType) -> Result<Vec<u8>, CodecError> {
        check_decoded("quantize", self.dtype, decoded)?;
        fn go<T: Scalar>(bytes: &[u8], scale: f64) -> Vec<u8> {
            let mut out = Vec::with_capacity(bytes.len());
            for v in elements::<T>(bytes) {
                T::from_f64((scale * v.to_f64()).round_ties_even() / scale).write(&mut out);
            }
            out
        }
        let rounded =
            with_num!(self.dtype, T => go::<T>(bytes, self.scale), Bool => unreachable!());
        cast_bytes(&rounded, self.dtype, self.astype)
    }

    fn decode(&self, bytes: &[u8], decoded: &DataType, _len: u64) -> Result<Vec<u8>, CodecError> {
        check_decoded("quantize", self.dtype, decoded)?;
        cast_bytes(bytes, self.astype, self.dtype)
    }
}
