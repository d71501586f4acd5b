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
//! [`MultiIndex::of`] reads the levels back (the trailing coordinates along `z` whose
//! labels match the fields of the codes, so that a coordinate carried along by the
//! stack, such as one that ran along a stacked dim, is no level), and
//! [`MultiIndex::unstack_plan`] works out where each combination of level labels goes
//! in the full product.
//!
//! What users of xarray see is kept as far as the crate's types allow: the levels are
//! coordinates of their own dtype along `z` (xarray 2026 shows them so), the combined
//! labels are xarray's tuples through [`MultiIndex::tuples`] and
//! [`MultiIndex::labels`], and `repr` shows `z` as xarray does (`* z  (z) object 48B
//! MultiIndex`, the levels marked `*`). What differs: `z`'s own values (through
//! `coord("z")`, `values()`, or a file written) are the packed `i64` codes, not tuples,
//! so `sel` on `z` takes a code, not a tuple (select on the levels instead); a stack of
//! one dim shows its codes in `repr` (xarray shows a one-level MultiIndex). The
//! coordinates are in xarray's order (carried ones, `z`, then the levels), which
//! `repr` keeps where xarray's lists dimension coordinates first.

use super::index::Index;
use super::Dataset;
use crate::array::{NdArray, Scalar};
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
        let candidates = ds
            .coords()
            .filter(|(name, c)| *name != dim && c.dims() == [dim])
            .map(|(name, c)| Ok((name.clone(), c.values()?)))
            .collect::<Result<Vec<_>>>()?;
        if candidates.is_empty() {
            return Err(Error::invalid_argument(
                "dim",
                format!(
                    "dimension {dim:?} has no level coordinates (coordinates along it alone), so it is not a stacked dimension"
                ),
            ));
        }
        let codes: Option<Vec<i64>> = match ds.variables().get(dim) {
            Some(c) if c.dims() == [dim] && c.dtype() == crate::array::DType::I64 => Some(
                c.values()?
                    .as_array::<i64>()
                    .map(|a| a.iter().copied().collect())
                    .ok_or_else(|| Error::internal("an i64 coordinate holds i64"))?,
            ),
            _ => None,
        };
        let levels = match &codes {
            Some(codes) => match Self::levels_of_codes(codes, &candidates)? {
                Some(levels) => levels,
                None => candidates,
            },
            None => candidates,
        };
        Ok(MultiIndex {
            dim: dim.to_string(),
            levels,
            codes,
        })
    }

    /// The level coordinates among `candidates` (coordinates along the stacked dim
    /// alone, in order) that the packed `codes` describe: [`Dataset::stack`] puts the
    /// levels last, so the fewest trailing candidates whose labels each match one
    /// field of the codes (equal codes, equal labels, and back). Other coordinates
    /// along the dim (carried along by the stack) are not levels. `None` when none
    /// match (codes of another origin).
    fn levels_of_codes(
        codes: &[i64],
        candidates: &[(String, NdArray)],
    ) -> Result<Option<Vec<(String, NdArray)>>> {
        for l in 1..=candidates.len() {
            let tail = &candidates[candidates.len() - l..];
            let mut all = true;
            for (k, (_, labels)) in tail.iter().enumerate() {
                let field = Self::field(codes, l, k);
                if !Self::matches(&field, labels)? {
                    all = false;
                    break;
                }
            }
            if all {
                return Ok(Some(tail.to_vec()));
            }
        }
        Ok(None)
    }

    /// The index of `dim` when it shows as a MultiIndex (in `repr`): its coordinate
    /// holds the packed codes of at least two level coordinates that match them. A
    /// stack of one dim shows its codes, as an ordinary index would.
    pub(crate) fn displayed(ds: &Dataset, dim: &str) -> Option<MultiIndex> {
        let c = ds.variables().get(dim)?;
        if c.dims() != [dim] || c.dtype() != crate::array::DType::I64 {
            return None;
        }
        let along: Vec<_> = ds
            .coords()
            .filter(|(name, c)| *name != dim && c.dims() == [dim])
            .collect();
        // A repr never computes: lazy coordinates are no levels made by `stack`.
        if along.iter().any(|(_, c)| c.data().is_lazy()) {
            return None;
        }
        let candidates: Vec<(String, NdArray)> = along
            .into_iter()
            .filter_map(|(name, c)| Some((name.clone(), c.values().ok()?)))
            .collect();
        let codes = c
            .data()
            .as_eager()?
            .as_array::<i64>()?
            .iter()
            .copied()
            .collect::<Vec<_>>();
        let levels = Self::levels_of_codes(&codes, &candidates).ok()??;
        (levels.len() >= 2).then(|| MultiIndex {
            dim: dim.to_string(),
            levels,
            codes: Some(codes),
        })
    }

    /// Whether equal codes hold equal labels and equal labels equal codes (one pass,
    /// hashed, so that a stacked dim of millions of positions is checked quickly).
    fn matches(field: &[i64], labels: &NdArray) -> Result<bool> {
        use std::collections::hash_map::{Entry, HashMap};
        let ids = label_ids(labels)?;
        let mut label_of: HashMap<i64, u64> = HashMap::new();
        let mut code_of: HashMap<u64, i64> = HashMap::new();
        for (&c, &id) in field.iter().zip(&ids) {
            let same = match (label_of.entry(c), code_of.entry(id)) {
                (Entry::Vacant(l), Entry::Vacant(k)) => {
                    l.insert(id);
                    k.insert(c);
                    true
                }
                (Entry::Occupied(l), Entry::Occupied(k)) => *l.get() == id && *k.get() == c,
                _ => false,
            };
            if !same {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Field `l` of codes packed for `levels` levels.
    fn field(codes: &[i64], levels: usize, l: usize) -> Vec<i64> {
        let bits = Self::bits(levels);
        let shift = bits * u32::try_from(levels - 1 - l).unwrap_or(0);
        let mask = i64::MAX >> (63 - bits);
        codes.iter().map(|c| (c >> shift) & mask).collect()
    }

    /// The combined label at each position of the stacked dim: one value per level,
    /// in level order (the tuples of xarray's MultiIndex).
    ///
    /// # Errors
    /// Not for a valid index.
    pub fn tuples(&self) -> Result<Vec<Vec<Scalar>>> {
        let n = self.levels.first().map_or(0, |(_, v)| v.len());
        (0..n)
            .map(|i| self.levels.iter().map(|(_, v)| v.get(&[i])).collect())
            .collect()
    }

    /// The combined labels as Python prints the tuples of a MultiIndex:
    /// `(-10.0, 100)`, `('a', 1)`.
    ///
    /// # Errors
    /// Not for a valid index.
    pub fn labels(&self) -> Result<Vec<String>> {
        Ok(self.tuples()?.iter().map(|t| python_tuple(t)).collect())
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
        Self::field(codes, self.levels.len(), l)
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

/// A tuple as Python's `repr` prints it: floats with a decimal point, strings quoted,
/// one element with a trailing comma.
fn python_tuple(values: &[Scalar]) -> String {
    let items: Vec<String> = values
        .iter()
        .map(|v| match v {
            Scalar::F64(x) if x.is_nan() => "nan".to_string(),
            Scalar::F64(x) if x.is_infinite() => if *x > 0.0 { "inf" } else { "-inf" }.to_string(),
            Scalar::F64(x) => format!("{x:?}"),
            Scalar::Str(s) => format!("{s:?}").replacen('"', "'", 2),
            other => other.to_string(),
        })
        .collect();
    match items.as_slice() {
        [one] => format!("({one},)"),
        _ => format!("({})", items.join(", ")),
    }
}

/// Equal labels get equal ids: integers and ticks their value, strings their order of
/// first appearance, other values the bits of their `f64` (every NaN one id).
fn label_ids(labels: &NdArray) -> Result<Vec<u64>> {
    #[allow(clippy::cast_sign_loss)]
    let ids = match labels {
        NdArray::I64(a) | NdArray::DateTime(a, _) | NdArray::TimeDelta(a) => {
            a.iter().map(|&v| v as u64).collect()
        }
        NdArray::Str(a) => {
            let mut seen: std::collections::HashMap<&str, u64> = std::collections::HashMap::new();
            a.iter()
                .map(|s| {
                    let next = seen.len() as u64;
                    *seen.entry(s.as_str()).or_insert(next)
                })
                .collect()
        }
        other => other
            .to_f64_vec()?
            .into_iter()
            .map(|v| {
                if v.is_nan() {
                    f64::NAN.to_bits()
                } else {
                    (v + 0.0).to_bits()
                }
            })
            .collect(),
    };
    Ok(ids)
}
