//! Zarr v2 `blosc` behind filters that change the element size (`astype`, `quantize`
//! with `astype`, `fixedscaleoffset`, `delta` with `astype`, `packbits`,
//! `categorize`; `shuffle` as a filter, whose output is bytes): numcodecs shuffles the
//! filters' output, so blosc's `typesize` is the item size of the last filter's output
//! type; zarrs gives blosc the array's item size.
//! Chunks it writes then carry the wrong `typesize` in their blosc header (zarr-python
//! still decodes them, zarrs does not read them back when the chunk is not a whole
//! number of those items).
//!
//! [`retype`] replaces such a compressor, in the metadata zarrs opens (never in the
//! stored one), by `xr.blosc`: the same blosc configuration with the filters' item
//! size, which [`create`] turns into zarrs' own blosc codec.

use std::sync::Arc;

use serde_json::{Map, Value};
use zarrs::array::codec::api::Codec;
use zarrs::array::codec::BloscCodec;
use zarrs::array::DataType;
use zarrs::metadata::v2::{ArrayMetadataV2, MetadataV2};
use zarrs::metadata::DataTypeSize;
use zarrs::metadata_ext::codec::blosc::{
    codec_blosc_v2_numcodecs_to_v3, BloscCodecConfigurationNumcodecs,
};
use zarrs::plugin::PluginCreateError;

/// The v2 id of blosc with its `typesize` given, as [`retype`] writes it.
pub(super) const ID: &str = "xr.blosc";

/// `m` with its `blosc` compressor given the item size of the filters' output, when
/// that differs from the array's (unchanged otherwise, and when a filter or the type
/// is not one zarrs knows: opening the array then names the problem).
pub(crate) fn retype(m: &mut ArrayMetadataV2) {
    let Some(compressor) = &m.compressor else {
        return;
    };
    let Some(filters) = m.filters.as_ref().filter(|f| !f.is_empty()) else {
        return;
    };
    if compressor.id() != "blosc" {
        return;
    }
    let Ok(array_type) = DataType::from_metadata(&m.dtype) else {
        return;
    };
    let Some(array_size) = array_type.fixed_size() else {
        return;
    };
    let mut data_type = array_type;
    let mut size = array_size;
    for filter in filters {
        match Codec::from_metadata(filter) {
            Ok(Codec::ArrayToArray(codec)) => {
                let Ok(encoded) = codec.encoded_data_type(&data_type) else {
                    return;
                };
                let Some(encoded_size) = encoded.fixed_size() else {
                    return;
                };
                data_type = encoded;
                size = encoded_size;
            }
            // A bytes filter (`shuffle`, a compressor as filter) hands on bytes.
            Ok(Codec::BytesToBytes(_)) => {
                size = 1;
                break;
            }
            _ => return,
        }
    }
    if size == array_size {
        return;
    }
    let mut config = Map::clone(compressor.configuration());
    config.insert("id".into(), Value::from(ID));
    config.insert("typesize".into(), Value::from(size));
    if let Ok(retyped) = serde_json::from_value::<MetadataV2>(Value::Object(config)) {
        m.compressor = Some(retyped);
    }
}

/// zarrs' blosc codec for an [`ID`] compressor: numcodecs' configuration, shuffling
/// items of `typesize` bytes.
pub(super) fn create(metadata: &MetadataV2) -> Result<Codec, PluginCreateError> {
    let mut config = Map::clone(metadata.configuration());
    let typesize = config
        .remove("typesize")
        .and_then(|t| t.as_u64())
        .and_then(|t| usize::try_from(t).ok())
        .ok_or_else(|| PluginCreateError::Other(format!("{ID}: no typesize")))?;
    let numcodecs: BloscCodecConfigurationNumcodecs = serde_json::from_value(Value::Object(config))
        .map_err(|e| PluginCreateError::Other(format!("blosc: {e}")))?;
    let v3 = codec_blosc_v2_numcodecs_to_v3(&numcodecs, Some(DataTypeSize::Fixed(typesize)));
    Ok(Codec::BytesToBytes(Arc::new(
        BloscCodec::new_with_configuration(&v3)?,
    )))
}
