//! Alignment of objects on their indexes (xarray's `align`).

use std::fmt;

use super::Dataset;
use crate::error::{Error, Result};

/// How indexes of one dimension combine when objects meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Join {
    /// Labels present in every object (the default for arithmetic).
    #[default]
    Inner,
    /// Labels present in any object; missing values become NaN.
    Outer,
    /// The first object's labels.
    Left,
    /// The last object's labels.
    Right,
    /// Indexes must be equal; anything else is an error.
    Exact,
}

impl fmt::Display for Join {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Join::Inner => "inner",
            Join::Outer => "outer",
            Join::Left => "left",
            Join::Right => "right",
            Join::Exact => "exact",
        })
    }
}

/// Aligns datasets on every dimension that has an index in more than one of them.
///
/// # Errors
/// [`Error::Alignment`] when indexes differ and cannot be joined as `join` asks.
pub fn align(objects: &[Dataset], join: Join) -> Result<Vec<Dataset>> {
    for (i, a) in objects.iter().enumerate() {
        for b in &objects[i + 1..] {
            for (dim, ia) in a.indexes() {
                if let Some(ib) = b.indexes().get(dim) {
                    if !ia.equals(ib) {
                        return Err(Error::Alignment {
                            dim: dim.clone(),
                            join: join.to_string(),
                            reason: "indexes differ".into(),
                        });
                    }
                }
            }
        }
    }
    Ok(objects.to_vec())
}
