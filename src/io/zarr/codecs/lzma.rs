//! numcodecs' `lzma` compressor through lzma-rs (pure Rust): the `.xz` container
//! (`format` 1, numcodecs' default) or the legacy `.lzma` one (`format` 2); decoding
//! also takes `format` 0 (either, told by its magic bytes). Raw streams (`format` 3,
//! with explicit `filters`) are refused by name.

use std::borrow::Cow;
use std::io::Cursor;
use std::sync::Arc;

use serde_json::{Map, Value};
use zarrs::array::codec::api::{
    BytesRepresentation, BytesToBytesCodecTraits, Codec, CodecError, CodecMetadataOptions,
    CodecOptions, CodecTraits, CodecTraitsV2, CodecTraitsV3, PartialDecoderCapability,
    PartialEncoderCapability, RecommendedConcurrency,
};
use zarrs::array::ArrayBytesRaw;
use zarrs::metadata::v2::MetadataV2;
use zarrs::metadata::v3::MetadataV3;
use zarrs::metadata::Configuration;
use zarrs::plugin::{PluginCreateError, ZarrVersion};

const FORMAT_AUTO: i64 = 0;
const FORMAT_XZ: i64 = 1;
const FORMAT_ALONE: i64 = 2;
const XZ_MAGIC: &[u8] = &[0xfd, b'7', b'z', b'X', b'Z', 0];

/// The `lzma` compressor (v2 `lzma`, v3 `numcodecs.lzma`).
#[derive(Debug, Clone)]
pub(super) struct Lzma {
    format: i64,
    config: Map<String, Value>,
}

zarrs::plugin::impl_extension_aliases!(Lzma, v3: "numcodecs.lzma", v2: "lzma");
inventory::submit! { zarrs::array::codec::api::CodecPluginV3::new::<Lzma>() }
inventory::submit! { zarrs::array::codec::api::CodecPluginV2::new::<Lzma>() }

impl Lzma {
    fn new(config: &Map<String, Value>) -> Result<Self, PluginCreateError> {
        let format = match config.get("format") {
            None | Some(Value::Null) => FORMAT_XZ,
            Some(v) => v.as_i64().ok_or_else(|| {
                PluginCreateError::Other(format!("lzma: format {v} is not an integer"))
            })?,
        };
        if !matches!(format, FORMAT_AUTO | FORMAT_XZ | FORMAT_ALONE) {
            return Err(PluginCreateError::Other(format!(
                "lzma: format {format} (raw streams with explicit filters) is not supported; \
                 xr reads formats 0 (auto), 1 (xz) and 2 (alone)"
            )));
        }
        if config.get("filters").is_some_and(|f| !f.is_null()) {
            return Err(PluginCreateError::Other(
                "lzma: explicit filter chains are not supported".to_string(),
            ));
        }
        Ok(Lzma {
            format,
            config: config.clone(),
        })
    }
}

impl CodecTraitsV3 for Lzma {
    fn create(metadata: &MetadataV3) -> Result<Codec, PluginCreateError> {
        let config = metadata
            .configuration()
            .map(|c| (**c).clone())
            .unwrap_or_default();
        Ok(Codec::BytesToBytes(Arc::new(Lzma::new(&config)?)))
    }
}

impl CodecTraitsV2 for Lzma {
    fn create(metadata: &MetadataV2) -> Result<Codec, PluginCreateError> {
        Ok(Codec::BytesToBytes(Arc::new(Lzma::new(
            metadata.configuration(),
        )?)))
    }
}

impl CodecTraits for Lzma {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn configuration(
        &self,
        _version: ZarrVersion,
        _options: &CodecMetadataOptions,
    ) -> Option<Configuration> {
        Some(Configuration::from(self.config.clone()))
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

fn lzma_error(e: impl std::fmt::Display) -> CodecError {
    CodecError::Other(format!("lzma: {e}"))
}

impl BytesToBytesCodecTraits for Lzma {
    fn into_dyn(self: Arc<Self>) -> Arc<dyn BytesToBytesCodecTraits> {
        self
    }

    fn recommended_concurrency(
        &self,
        _decoded_representation: &BytesRepresentation,
    ) -> Result<RecommendedConcurrency, CodecError> {
        Ok(RecommendedConcurrency::new_maximum(1))
    }

    fn encoded_representation(&self, _decoded: &BytesRepresentation) -> BytesRepresentation {
        BytesRepresentation::UnboundedSize
    }

    fn encode<'a>(
        &self,
        decoded_value: ArrayBytesRaw<'a>,
        _options: &CodecOptions,
    ) -> Result<ArrayBytesRaw<'a>, CodecError> {
        let mut out = Vec::new();
        let mut input = Cursor::new(decoded_value.as_ref());
        if self.format == FORMAT_ALONE {
            lzma_rs::lzma_compress(&mut input, &mut out).map_err(lzma_error)?;
        } else {
            lzma_rs::xz_compress(&mut input, &mut out).map_err(lzma_error)?;
        }
        Ok(Cow::Owned(out))
    }

    fn decode<'a>(
        &self,
        encoded_value: ArrayBytesRaw<'a>,
        _decoded_representation: &BytesRepresentation,
        _options: &CodecOptions,
    ) -> Result<ArrayBytesRaw<'a>, CodecError> {
        let mut out = Vec::new();
        let mut input = Cursor::new(encoded_value.as_ref());
        let xz = match self.format {
            FORMAT_AUTO => encoded_value.starts_with(XZ_MAGIC),
            format => format == FORMAT_XZ,
        };
        if xz {
            lzma_rs::xz_decompress(&mut input, &mut out).map_err(lzma_error)?;
        } else {
            lzma_rs::lzma_decompress(&mut input, &mut out).map_err(lzma_error)?;
        }
        Ok(Cow::Owned(out))
    }
}
