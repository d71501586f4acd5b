//! `Index`: a 1-D label index over a dimension coordinate.

use crate::array::NdArray;
use crate::error::{Error, Result};

/// The labels of one dimension (numbers, strings or datetimes), for label-based
/// selection and alignment.
#[derive(Debug, Clone)]
pub struct Index {
    dim: String,
    values: NdArray,
}

impl Index {
    /// An index over `values` (1-D) for `dim`.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when `values` is not 1-D.
    pub fn new(dim: &str, values: NdArray) -> Result<Self> {
        if values.ndim() != 1 {
            return Err(Error::InvalidArgument(format!(
                "an index on {dim:?} needs 1-D values, got shape {:?}",
                values.shape()
            )));
        }
        Ok(Index {
            dim: dim.to_string(),
            values,
        })
    }

    /// The dimension indexed.
    pub fn dim(&self) -> &str {
        &self.dim
    }

    /// The labels.
    pub fn values(&self) -> &NdArray {
        &self.values
    }

    /// The number of labels.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when there are no labels.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// True when both indexes hold the same labels in the same order.
    pub fn equals(&self, other: &Index) -> bool {
        self.values.equals(&other.values)
    }
}
