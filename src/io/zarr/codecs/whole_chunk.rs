//! The partial decoder of the numcodecs filters: the whole chunk decoded, then the
//! wanted part cut out; a missing chunk is the array's fill value as it is, as
//! numcodecs reads it (not the fill value encoded and decoded again, which a lossy
//! filter changes).

use std::num::NonZeroU64;
use std::sync::Arc;

use zarrs::array::codec::api::{
    ArrayPartialDecoderTraits, ArrayToArrayCodecTraits, CodecError, CodecOptions,
};
use zarrs::array::{ArrayBytes, ArraySubset, DataType, FillValue, Indexer};
use zarrs::storage::StorageError;

/// Decodes whole chunks of one filter from the decoder of the codecs after it.
pub(super) struct WholeChunk {
    input: Arc<dyn ArrayPartialDecoderTraits>,
    codec: Arc<dyn ArrayToArrayCodecTraits>,
    shape: Vec<NonZeroU64>,
    data_type: DataType,
    fill_value: FillValue,
}

impl WholeChunk {
    pub(super) fn new(
        input: Arc<dyn ArrayPartialDecoderTraits>,
        codec: Arc<dyn ArrayToArrayCodecTraits>,
        shape: &[NonZeroU64],
        data_type: &DataType,
        fill_value: &FillValue,
    ) -> Self {
        WholeChunk {
            input,
            codec,
            shape: shape.to_vec(),
            data_type: data_type.clone(),
            fill_value: fill_value.clone(),
        }
    }
}

impl ArrayPartialDecoderTraits for WholeChunk {
    fn data_type(&self) -> &DataType {
        &self.data_type
    }

    fn exists(&self) -> Result<bool, StorageError> {
        self.input.exists()
    }

    fn size_held(&self) -> usize {
        self.input.size_held()
    }

    fn partial_decode(
        &self,
        indexer: &dyn Indexer,
        options: &CodecOptions,
    ) -> Result<ArrayBytes<'_>, CodecError> {
        if !self.input.exists()? {
            return Ok(ArrayBytes::new_fill_value(
                &self.data_type,
                indexer.len(),
                &self.fill_value,
            )?);
        }
        let encoded_shape = self.codec.encoded_shape(&self.shape)?;
        let whole = ArraySubset::new_with_shape(encoded_shape.iter().map(|n| n.get()).collect());
        let encoded = self.input.partial_decode(&whole, options)?.into_owned();
        let decoded = self.codec.decode(
            encoded,
            &self.shape,
            &self.data_type,
            &self.fill_value,
            options,
        )?;
        let shape: Vec<u64> = self.shape.iter().map(|n| n.get()).collect();
        Ok(decoded
            .extract_array_subset(indexer, &shape, &self.data_type)?
            .into_owned())
    }

    fn supports_partial_decode(&self) -> bool {
        false
    }
}
