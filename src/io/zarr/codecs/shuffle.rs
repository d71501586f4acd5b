//! numcodecs' `shuffle` (v2 `shuffle`, v3 `numcodecs.shuffle`) in place of zarrs' own,
//! with the direct chunk reader's byte transposition ([`crate::io::shuffle`]): zarrs'
//! copies the chunk and then moves it byte by byte, which took as long as inflating it
//! when a NetCDF-4 file was read through its references (`bench/remote/`). Registered
//! at run time by `super::register`, ahead of zarrs'.

use std::borrow::Cow;
use std::sync::Arc;

use serde_json::{Map, Value};
use zarrs::array::codec::api::{
    BytesRepresentation, BytesToBytesCodecTraits, Codec, CodecError, CodecMetadataOptions,
    CodecOptions, CodecTraits, PartialDecoderCapability, PartialEncoderCapability,
    RecommendedConcurrency,
};
use zarrs::array::ArrayBytesRaw;
use zarrs::metadata::Configuration;
use zarrs::plugin::{PluginCreateError, ZarrVersion};

/// numcodecs' default element size.
const DEFAULT_ELEMENTSIZE: u64 = 4;

/// The `shuffle` codec: bytes of like significance of `elementsize`-byte elements
/// stored together.
#[derive(Debug, Clone)]
pub(super) struct Shuffle {
    elementsize: usize,
}

zarrs::plugin::impl_extension_aliases!(Shuffle, v3: "numcodecs.shuffle", v2: "shuffle");

impl Shuffle {
    /// The codec of a `shuffle` configuration (`{"elementsize": 4}`; numcodecs' 4 when
    /// absent).
    pub(super) fn create(config: &Map<String, Value>) -> Result<Codec, PluginCreateError> {
        let elementsize = match config.get("elementsize") {
            None | Some(Value::Null) => Some(DEFAULT_ELEMENTSIZE),
            Some(v) => v.as_u64(),
        };
        let elementsize = elementsize
            .and_then(|n| usize::try_from(n).ok())
            .filter(|&n| n > 0)
            .ok_or_else(|| {
                PluginCreateError::Other(format!(
                    "shuffle: elementsize {} is not a positive integer",
                    config.get("elementsize").unwrap_or(&Value::Null)
                ))
            })?;
        Ok(Codec::BytesToBytes(Arc::new(Shuffle { elementsize })))
    }

    /// Fails for a length that is not a whole number of elements, as numcodecs and
    /// zarrs do.
    fn check(&self, len: usize) -> Result<(), CodecError> {
        if len % self.elementsize != 0 {
            return Err(CodecError::Other(format!(
                "shuffle: {len} bytes are not a whole number of {}-byte elements",
                self.elementsize
            )));
        }
        Ok(())
    }
}

impl CodecTraits for Shuffle {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn configuration(
        &self,
        _version: ZarrVersion,
        _options: &CodecMetadataOptions,
    ) -> Option<Configuration> {
        let mut config = Map::new();
        config.insert("elementsize".into(), Value::from(self.elementsize));
        Some(Configuration::from(config))
    }

    fn partial_decoder_capability(&self) -> PartialDecoderCapability {
        PartialDecoderCapability {
            partial_read: false,
            partial_decode: false,
        }
    }

    fn partial_encoder_capability(&self) -> PartialEncoderCapability {
        PartialEncoderCapability {
            partial_encode: false,
        }
    }
}

impl BytesToBytesCodecTraits for Shuffle {
    fn into_dyn(self: Arc<Self>) -> Arc<dyn BytesToBytesCodecTraits> {
        self
    }

    fn recommended_concurrency(
        &self,
        _decoded_representation: &BytesRepresentation,
    ) -> Result<RecommendedConcurrency, CodecError> {
        Ok(RecommendedConcurrency::new_maximum(1))
    }

    fn encoded_representation(&self, decoded: &BytesRepresentation) -> BytesRepresentation {
        *decoded
    }

    fn encode<'a>(
        &self,
        decoded_value: ArrayBytesRaw<'a>,
        _options: &CodecOptions,
    ) -> Result<ArrayBytesRaw<'a>, CodecError> {
        self.check(decoded_value.len())?;
        let mut out = vec![0u8; decoded_value.len()];
        crate::io::shuffle::shuffle(&decoded_value, self.elementsize, &mut out);
        Ok(Cow::Owned(out))
    }

    fn decode<'a>(
        &self,
        encoded_value: ArrayBytesRaw<'a>,
        _decoded_representation: &BytesRepresentation,
        _options: &CodecOptions,
    ) -> Result<ArrayBytesRaw<'a>, CodecError> {
        self.check(encoded_value.len())?;
        let mut out = vec![0u8; encoded_value.len()];
        crate::io::shuffle::unshuffle(&encoded_value, self.elementsize, &mut out);
        Ok(Cow::Owned(out))
    }
}
