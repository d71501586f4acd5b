//! `MultiIndex`: the levels of a dimension made by [`Dataset::stack`], xarray's
//! pandas `MultiIndex` reduced to what `stack`/`unstack` need.
//!
//! The crate keeps no separate index object for a stacked dimension: its levels are the
//! coordinates that run along it alone (one per stacked dim, named after it, holding
//! that dim's label at each position of the stacked dim), which is how xarray displays
//! a MultiIndex's levels. [`MultiIndex::of`] reads them back, and [`MultiIndex::unstack_plan`]
//! works out where each combination of level labels goes in the full product.

use super::index::Index;
use super::Dataset;
use crate::array::NdArray;
use crate::error::{Error, Result};

/// The levels of a stacked dimension, in coordinate order.
#[derive(Debug, Clone)]
pub struct MultiIndex {
    dim: String,
    levels: Vec<(String, NdArray)>,
}

/// Where the positions of a stacked dimension go when it is unstacked.
pub(crate) struct UnstackPlan {
    /// Each level's distinct labels, sorted (pandas sorts them in `from_product`).
    pub(crate) levels: Vec<(String, NdArray)>,
    /// For each position of the full product (row-major over the levels), the position
    /// of the stacked dim holding that combination, if any.
    pub(crate) positions: Vec<Option<usize>>,
}

impl MultiIndex {
    /// The levels of `dim` in `ds`: every coordinate whose only dim is `dim` (other than
    /// a coordinate named `dim`).
    ///
    /// # Errors
    /// [`Error::DimNotFound`] for an unknown dim; [`Error::InvalidArgument`] when `dim`
    /// has no level coordinates (it was not stacked).
    pub fn of(ds: &Dataset, dim: &str) -> Result<MultiIndex> {
        let sizes = ds.dims();
        if !sizes.contains_key(dim) {
            return Err(Error::DimNotFound {
                dim: dim.to_string(),
                context: "Dataset (unstack)".into(),
                available: sizes.keys().cloned().collect(),
            });
        }
        let levels = ds
            .coords()
            .filter(|(name, c)| *name != dim && c.dims() == [dim])
            .map(|(name, c)| Ok((name.clone(), c.values()?)))
            .collect::<Result<Vec<_>>>()?;
        if levels.is_empty() {
            return Err(Error::invalid_argument(
                "dim",
                format!(
                    "dimension {dim:?} has no level coordinates (coordinates along it alone), so it is not a stacked dimension"
                ),
            ));
        }
        Ok(MultiIndex {
            dim: dim.to_string(),
            levels,
        })
    }

    /// The stacked dimension.
    pub fn dim(&self) -> &str {
        &self.dim
    }

    /// The level names, in order.
    pub fn names(&self) -> Vec<&str> {
        self.levels.iter().map(|(n, _)| n.as_str()).collect()
    }

    /// The labels of level `name` along the stacked dim.
    pub fn level(&self, name: &str) -> Option<&NdArray> {
        self.levels.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// The sorted distinct labels of each level and, for each combination of them, the
    /// position that holds it.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when two positions hold the same combination.
    pub(crate) fn unstack_plan(&self) -> Result<UnstackPlan> {
        let mut levels = Vec::with_capacity(self.levels.len());
        let mut codes = Vec::with_capacity(self.levels.len());
        for (name, values) in &self.levels {
            let sorted = Index::new(name, values.clone())?.argsort();
            let mut distinct: Vec<usize> = Vec::new();
            for &i in &sorted {
                let same = match distinct.last() {
                    Some(&j) => values.get(&[i])? == values.get(&[j])?,
                    None => false,
                };
                if !same {
                    distinct.push(i);
                }
            }
            let uniques = values.take(0, &distinct)?;
            let code = Index::new(name, uniques.clone())?.get_indexer(values, None, None)?;
            codes.push(
                code.into_iter()
                    .map(|c| {
                        c.ok_or_else(|| Error::internal("a label is among the distinct labels"))
                    })
                    .collect::<Result<Vec<usize>>>()?,
            );
            levels.push((name.clone(), uniques));
        }
        let sizes: Vec<usize> = levels.iter().map(|(_, u)| u.len()).collect();
        let mut positions = vec![None; sizes.iter().product()];
        let n = codes.first().map_or(0, Vec::len);
        for z in 0..n {
            let flat = codes
                .iter()
                .zip(&sizes)
                .fold(0, |acc, (c, &size)| acc * size + c[z]);
            if let Some(before) = positions[flat].replace(z) {
                return Err(Error::invalid_argument(
                    "dim",
                    format!(
                        "cannot unstack {:?}: positions {before} and {z} hold the same combination of levels {:?}",
                        self.dim,
                        self.names()
                    ),
                ));
            }
        }
        Ok(UnstackPlan { levels, positions })
    }
}
