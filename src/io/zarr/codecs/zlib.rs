//! numcodecs' `zlib` (v2 `zlib`, v3 `numcodecs.zlib`) decoded by libdeflate, the direct
//! chunk reader's inflate, when the decoded size is known (every fixed-size dtype):
//! zarrs' own (zlib-rs) was the largest cost of reading a NetCDF-4 file through its
//! references (`bench/remote/`). Anything else (encoding, unknown sizes, a stream that
//! libdeflate does not decode to exactly that size) goes to zarrs' codec, whose errors
//! are the ones reported. Registered at run time by `super::register`, ahead of zarrs'.

use std::borrow::Cow;
use std::sync::Arc;

use zarrs::array::codec::api::{
    BytesRepresentation, BytesToBytesCodecTraits, Codec, CodecError, CodecMetadataOptions,
    CodecOptions, CodecTraits, PartialDecoderCapability, PartialEncoderCapability,
    RecommendedConcurrency,
};
use zarrs::array::ArrayBytesRaw;
use zarrs::metadata::Configuration;
use zarrs::plugin::{PluginCreateError, ZarrVersion};

/// zarrs' zlib codec, with libdeflate in front of its decoder.
#[derive(Debug, Clone)]
pub(super) struct Zlib {
    inner: Arc<dyn BytesToBytesCodecTraits>,
}

zarrs::plugin::impl_extension_aliases!(Zlib, v3: "numcodecs.zlib", v2: "zlib");

impl Zlib {
    /// Wraps zarrs' codec `inner` (as its `create` made it).
    pub(super) fn wrap(
        inner: Result<Codec, PluginCreateError>,
    ) -> Result<Codec, PluginCreateError> {
        match inner? {
            Codec::BytesToBytes(inner) => Ok(Codec::BytesToBytes(Arc::new(Zlib { inner }))),
            other => Ok(other),
        }
    }
}

impl CodecTraits for Zlib {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn configuration(
        &self,
        version: ZarrVersion,
        options: &CodecMetadataOptions,
    ) -> Option<Configuration> {
        self.inner.configuration(version, options)
    }

    fn partial_decoder_capability(&self) -> PartialDecoderCapability {
        self.inner.partial_decoder_capability()
    }

    fn partial_encoder_capability(&self) -> PartialEncoderCapability {
        self.inner.partial_encoder_capability()
    }
}

impl BytesToBytesCodecTraits for Zlib {
    fn into_dyn(self: Arc<Self>) -> Arc<dyn BytesToBytesCodecTraits> {
        self
    }

    fn recommended_concurrency(
        &self,
        decoded_representation: &BytesRepresentation,
    ) -> Result<RecommendedConcurrency, CodecError> {
        self.inner.recommended_concurrency(decoded_representation)
    }

    fn encoded_representation(&self, decoded: &BytesRepresentation) -> BytesRepresentation {
        self.inner.encoded_representation(decoded)
    }

    fn encode<'a>(
        &self,
        decoded_value: ArrayBytesRaw<'a>,
        options: &CodecOptions,
    ) -> Result<ArrayBytesRaw<'a>, CodecError> {
        self.inner.encode(decoded_value, options)
    }

    fn decode<'a>(
        &self,
        encoded_value: ArrayBytesRaw<'a>,
        decoded_representation: &BytesRepresentation,
        options: &CodecOptions,
    ) -> Result<ArrayBytesRaw<'a>, CodecError> {
        if let BytesRepresentation::FixedSize(size) = *decoded_representation {
            if let Ok(size) = usize::try_from(size) {
                let mut out = Vec::new();
                let inflated = crate::io::chunks::filters::inflate(&encoded_value, &mut out, size);
                if inflated.is_ok() && out.len() == size {
                    return Ok(Cow::Owned(out));
                }
            }
        }
        self.inner
            .decode(encoded_value, decoded_representation, options)
    }
}
