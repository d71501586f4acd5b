//! `MultiIndex`: the levels of a dimension made by [`Dataset::stack`], xarray's
//! pandas `MultiIndex` reduced to what `stack`/`unstack` need.
//!
//! The crate keeps no separate index object for a stacked dimension `z`: its levels are
//! the coordinates that run along it alone (one per stacked dim, named after it, holding
//! that dim's label at each position of `z`), which is how xarray displays a
//! MultiIndex's levels; and the coordinate `z` itself holds the MultiIndex codes: at
//! each position, the place of its label in each level's original order, packed into
//! one `i64` ([`MultiIndex::pack`]). The codes keep the levels' order (a decreasing
//! latitude stays decreasing) through selections that drop labels, as pandas keeps a
//! MultiIndex's levels, and they make `z` an ordinary index for alignment.
//! [`MultiIndex::of`] reads the levels back, and [`MultiIndex::unstack_plan`] works out
//! where each combination of level labels goes in the full product.

use super::index::Index;
use super::Dataset;
use crate::array::NdArray;
use crate::error::{Error, Result};

/// The levels of a stacked dimension, in coordinate order.
#[derive(Debug, Clone)]
pub struct MultiIndex {
    dim: String,
    levels: Vec<(String, NdArray)>,
    /// The packed codes (the coordinate named after the dim), when there is one.
    codes: Option<Vec<i64>>,
}

/// Where the positions of a stacked dimension go when it is unstacked.
pub(crate) struct UnstackPlan {
    /// Each level's distinct labels in the levels' order (see the module docs).
    pub(crate) levels: Vec<(String, NdArray)>,
    /// For each position of the full product (row-major over the levels), the position
    /// of the stacked dim holding that combination, if any.
    pub(crate) positions: Vec<Option<usize>>,
}

impl MultiIndex {
    /// The levels of `dim` in `ds`: every coordinate whose only dim is `dim` other than
    /// the one named `dim`, which (if `i64`) holds the packed codes.
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
        let codes = match ds.variables().get(dim) {
            Some(c) if c.dims() == [dim] && c.dtype() == crate::array::DType::I64 => Some(
                c.values()?
                    .as_array::<i64>()
                    .map(|a| a.iter().copied().collect())
                    .ok_or_else(|| Error::internal("an i64 coordinate holds i64"))?,
            ),
            _ => None,
        };
        Ok(MultiIndex {
            dim: dim.to_string(),
            levels,
            codes,
        })
    }

    /// Bits per level in a packed code of `levels` levels.
    fn bits(levels: usize) -> u32 {
        63 / u32::try_from(levels.max(1)).unwrap_or(u32::MAX).max(1)
    }

    /// The packed codes of the full product of levels of `sizes` (row-major): at each
    /// position, the code of each level in its own bit field, the first level highest,
    /// so codes increase along the stacked dim.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when a level has too many labels for its field
    /// (2^31 for two levels, 2^21 for three, 2^15 for four).
    pub(crate) fn pack(sizes: &[usize]) -> Result<Vec<i64>> {
        let bits = Self::bits(sizes.len());
        if let Some(n) = sizes.iter().find(|&&n| (n as u64) > 1_u64 << bits) {
            return Err(Error::invalid_argument(
                "dims",
                format!(
                    "cannot stack {} dimensions when one has {n} labels: at most {} each",
                    sizes.len(),
                    1_u64 << bits
                ),
            ));
        }
        let total: usize = sizes.iter().product();
        let mut out = Vec::with_capacity(total);
        crate::array::chunks::for_each_index(sizes, |idx| {
            out.push(idx.iter().fold(0_i64, |acc, &c| {
                (acc << bits) | i64::try_from(c).unwrap_or(0)
            }));
        });
        Ok(out)
    }

    /// The code of level `l` in each packed code.
    fn unpack(&self, codes: &[i64], l: usize) -> Vec<i64> {
        let bits = Self::bits(self.levels.len());
        let shift = bits * u32::try_from(self.levels.len() - 1 - l).unwrap_or(0);
        let mask = (1_i64 << bits) - 1;
        codes.iter().map(|c| (c >> shift) & mask).collect()
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

    /// The distinct labels of each level (in the order of the codes, or of first
    /// appearance without codes) and, for each combination of them, the position that
    /// holds it.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when two positions hold the same combination.
    pub(crate) fn unstack_plan(&self) -> Result<UnstackPlan> {
        let mut levels = Vec::with_capacity(self.levels.len());
        let mut codes = Vec::with_capacity(self.levels.len());
        for (l, (name, values)) in self.levels.iter().enumerate() {
            // Each distinct label by its first position: in the order of the levels'
            // codes when there are codes, else in order of first appearance.
            let mut distinct: Vec<usize> = Vec::new();
            match &self.codes {
                Some(codes) => {
                    let mine = self.unpack(codes, l);
                    let mut seen = std::collections::BTreeMap::new();
                    for (i, c) in mine.iter().enumerate() {
                        seen.entry(*c).or_insert(i);
                    }
                    distinct.extend(seen.into_values());
                }
                None => {
                    // Equal labels are neighbours in sorted order; each group is
                    // represented by its first position.
                    let sorted = Index::new(name, values.clone())?.argsort();
                    let mut rep: Option<usize> = None;
                    for &i in &sorted {
                        match rep {
                            Some(j) if values.get(&[i])? == values.get(&[j])? => {
                                if let Some(last) = distinct.last_mut() {
                                    *last = (*last).min(i);
                                }
                            }
                            _ => distinct.push(i),
                        }
                        rep = Some(i);
                    }
                    distinct.sort_unstable();
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
