//! Alignment of objects on their indexes (xarray's `align`), reindexing, and
//! broadcasting of dimensions by name.
//!
//! Missing values introduced by reindexing are NA: NaN for floats, NaN with a promotion
//! to `f64` for integers and bools (xarray would give `object` for bools), `""` for
//! strings and NaT ([`NAT`]) for datetimes.

use std::fmt;

use indexmap::IndexMap;

use super::indexing::fill_for;
use super::{DataArray, Dataset, Index, Method, Variable};
use crate::array::{NdArray, Scalar};
use crate::error::{Error, Result};
use crate::lazy::Data;

/// The tick value that marks a missing datetime (NaT).
pub const NAT: i64 = i64::MIN;

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

fn align_err(dim: &str, join: Join, reason: String) -> Error {
    Error::Alignment {
        dim: dim.to_string(),
        join: join.to_string(),
        reason,
    }
}

/// Joins the indexes of one dimension: `Inner` keeps the labels in all of them in the
/// first one's order; `Outer` takes the union, sorted as pandas' `Index.union` sorts
/// (unless every index is equal or all but one are empty); `Left`/`Right` take the first
/// or last; `Exact` requires them equal.
///
/// # Errors
/// [`Error::Alignment`] naming the dim when `indexes` is empty, an `Exact` join meets
/// different indexes, labels of different kinds meet, or an index that must be searched
/// has duplicate labels.
pub fn join_indexes(indexes: &[&Index], join: Join) -> Result<Index> {
    let Some(first) = indexes.first() else {
        return Err(align_err("?", join, "no indexes to join".into()));
    };
    let dim = first.dim();
    if indexes.iter().all(|i| i.equals(first)) {
        return Ok((*first).clone());
    }
    for ix in indexes {
        if !ix.same_kind(first) {
            return Err(align_err(
                dim,
                join,
                format!(
                    "labels of dtype {} and {} cannot be compared",
                    first.values().dtype(),
                    ix.values().dtype()
                ),
            ));
        }
    }
    let unique = |ix: &Index| -> Result<()> {
        if ix.is_unique() {
            Ok(())
        } else {
            Err(align_err(dim, join, "an index has duplicate labels".into()))
        }
    };
    match join {
        Join::Exact => Err(align_err(
            dim,
            join,
            "indexes along the dimension are not equal".into(),
        )),
        Join::Left => Ok((*first).clone()),
        Join::Right => Ok(indexes[indexes.len() - 1].clone()),
        Join::Inner => {
            let mut acc = (*first).clone();
            for ix in &indexes[1..] {
                unique(ix)?;
                let found = ix.get_indexer(acc.values(), None, None)?;
                let keep: Vec<usize> = found
                    .iter()
                    .enumerate()
                    .filter(|(_, f)| f.is_some())
                    .map(|(i, _)| i)
                    .collect();
                acc = Index::new(dim, acc.values().take(0, &keep)?)?;
            }
            Ok(acc)
        }
        Join::Outer => {
            let mut acc = (*first).clone();
            let mut sort = false;
            for ix in &indexes[1..] {
                if ix.is_empty() || ix.equals(&acc) {
                    continue;
                }
                if acc.is_empty() {
                    acc = (*ix).clone();
                    continue;
                }
                unique(&acc)?;
                let found = acc.get_indexer(ix.values(), None, None)?;
                let extra: Vec<usize> = found
                    .iter()
                    .enumerate()
                    .filter(|(_, f)| f.is_none())
                    .map(|(i, _)| i)
                    .collect();
                let (a, b) = promote_pair(dim, acc.values(), &ix.values().take(0, &extra)?)?;
                acc = Index::new(dim, NdArray::concatenate(0, &[a, b])?)?;
                sort = true;
            }
            if sort {
                let order = acc.argsort();
                acc = Index::new(dim, acc.values().take(0, &order)?)?;
            }
            Ok(acc)
        }
    }
}

fn promote_pair(dim: &str, a: &NdArray, b: &NdArray) -> Result<(NdArray, NdArray)> {
    if a.dtype() == b.dtype() {
        return Ok((a.clone(), b.clone()));
    }
    let t = a
        .dtype()
        .promote(b.dtype())
        .ok_or_else(|| Error::DTypeMismatch {
            what: format!("joining the indexes of {dim:?}"),
            left: a.dtype(),
            right: b.dtype(),
        })?;
    Ok((a.astype(t)?, b.astype(t)?))
}

/// Aligns datasets on every dimension that has an index in any of them (xarray's
/// `align`): the indexes of each dim are joined by `join` ([`join_indexes`]) and every
/// object is reindexed to the result, with NA where it lacks a label (see the module
/// docs). Objects that have the dim without an index must already have the joined size.
///
/// # Errors
/// [`Error::Alignment`] naming the dim when indexes differ under `Exact`, cannot be
/// compared, have duplicates where a lookup is needed, or an unindexed dim's size
/// disagrees with the joined index.
pub fn align(objects: &[Dataset], join: Join) -> Result<Vec<Dataset>> {
    let mut by_dim: IndexMap<String, Vec<&Index>> = IndexMap::new();
    for ds in objects {
        for (dim, ix) in ds.indexes() {
            by_dim.entry(dim.clone()).or_default().push(ix);
        }
    }
    let mut joined = IndexMap::new();
    for (dim, ixs) in &by_dim {
        joined.insert(dim.clone(), join_indexes(ixs, join)?);
    }
    let mut out = Vec::with_capacity(objects.len());
    for ds in objects {
        let mut ds = ds.clone();
        for (dim, target) in &joined {
            match ds.indexes().get(dim) {
                Some(ix) if ix.equals(target) => {}
                Some(ix) => {
                    if !ix.is_unique() {
                        return Err(align_err(
                            dim,
                            join,
                            "cannot reindex an object whose index has duplicate labels".into(),
                        ));
                    }
                    ds = ds.reindex_one(dim, target, None, None)?;
                }
                None => {
                    if let Some(&n) = ds.dims().get(dim) {
                        if n != target.len() {
                            return Err(align_err(
                                dim,
                                join,
                                format!(
                                    "an object without an index on it has size {n}, but the joined index has {} labels",
                                    target.len()
                                ),
                            ));
                        }
                    }
                }
            }
        }
        out.push(ds);
    }
    Ok(out)
}

/// [`align`] for DataArrays.
///
/// # Errors
/// As [`align`].
pub fn align_arrays(objects: &[&DataArray], join: Join) -> Result<Vec<DataArray>> {
    let datasets: Vec<Dataset> = objects.iter().map(|d| d.to_dataset()).collect();
    let aligned = align(&datasets, join)?;
    objects
        .iter()
        .zip(&aligned)
        .map(|(da, ds)| {
            DataArray::from_dataset(ds, da.name().unwrap_or(super::data_array::UNNAMED))
        })
        .collect()
}

/// The union of the variables' dims in order of first appearance, with their sizes.
///
/// # Errors
/// [`Error::DimSizeConflict`] naming a dim whose size differs between variables.
pub fn broadcast_dims(objects: &[&Variable]) -> Result<(Vec<String>, Vec<usize>)> {
    let mut sizes: IndexMap<String, usize> = IndexMap::new();
    for v in objects {
        for (d, &n) in v.dims().iter().zip(v.shape()) {
            match sizes.get(d) {
                Some(&m) if m != n => {
                    return Err(Error::DimSizeConflict {
                        dim: d.clone(),
                        what: "broadcast".into(),
                        left: m,
                        right: n,
                    })
                }
                Some(_) => {}
                None => {
                    sizes.insert(d.clone(), n);
                }
            }
        }
    }
    Ok(sizes.into_iter().unzip())
}

/// Gathers `positions` along `axis`, putting `fill` (or NA) where a position is `None`;
/// integers and bools become `f64` when the fill needs it.
///
/// # Errors
/// When `fill` cannot be cast to the data's dtype or a position is out of range.
pub(crate) fn take_fill(
    data: &Data,
    axis: usize,
    positions: &[Option<usize>],
    fill: Option<&Scalar>,
) -> Result<Data> {
    if let Some(all) = positions.iter().copied().collect::<Option<Vec<usize>>>() {
        return data.take(axis, &all);
    }
    let (value, dtype) = fill_for(data.dtype(), fill)?;
    let n = data.shape().get(axis).copied().unwrap_or(0);
    let mut one = data.shape().to_vec();
    if let Some(len) = one.get_mut(axis) {
        *len = 1;
    }
    let pad = NdArray::from_scalar(&value)
        .astype(dtype)?
        .broadcast_to(&one)?;
    let extended = Data::concatenate(axis, &[data.astype(dtype)?, Data::Eager(pad)])?;
    let idx: Vec<usize> = positions.iter().map(|p| p.unwrap_or(n)).collect();
    extended.take(axis, &idx)
}

impl Dataset {
    /// Conforms the dataset to new labels along indexed dims (xarray's `reindex`):
    /// labels not in the old index get `fill`, or NA when `fill` is `None` (see the
    /// module docs).
    ///
    /// # Errors
    /// [`Error::DimNotFound`] for an unknown dim; [`Error::InvalidSelection`] for a dim
    /// without an index, an index with duplicates, or labels of another kind; when
    /// `fill` cannot be cast to a variable's dtype.
    pub fn reindex(&self, indexers: &[(&str, NdArray)], fill: Option<&Scalar>) -> Result<Dataset> {
        let mut out = self.clone();
        for (dim, labels) in indexers {
            self.dim_size(dim)?;
            let target = Index::new(dim, labels.clone())?;
            out = out.reindex_one(dim, &target, fill, None)?;
        }
        Ok(out)
    }

    /// Reindexes `dim` to `target`; labels not in the old index take the position
    /// `method` finds (resample's upsampling), or `fill`.
    pub(crate) fn reindex_one(
        &self,
        dim: &str,
        target: &Index,
        fill: Option<&Scalar>,
        method: Option<Method>,
    ) -> Result<Dataset> {
        let old = self
            .indexes()
            .get(dim)
            .ok_or_else(|| Error::InvalidSelection {
                dim: dim.to_string(),
                reason: "cannot reindex a dimension without an index".into(),
            })?;
        let positions = old.get_indexer(target.values(), method, None)?;
        let mut vars = IndexMap::new();
        for (name, var) in self.variables() {
            let new = if name == dim && var.ndim() == 1 {
                var.replace(vec![dim.to_string()], target.values().clone())
            } else if let Some(axis) = var.axis_of(dim) {
                var.replace(
                    var.dims().to_vec(),
                    take_fill(var.data(), axis, &positions, fill)?,
                )
            } else {
                var.clone()
            };
            vars.insert(name.clone(), new);
        }
        Dataset::from_parts(vars, self.coord_names().clone(), self.attrs().clone())
    }
}

impl DataArray {
    /// Conforms the array to new labels; see [`Dataset::reindex`].
    ///
    /// # Errors
    /// As [`Dataset::reindex`].
    pub fn reindex(
        &self,
        indexers: &[(&str, NdArray)],
        fill: Option<&Scalar>,
    ) -> Result<DataArray> {
        let name = self.name().unwrap_or(super::data_array::UNNAMED);
        DataArray::from_dataset(&self.to_dataset().reindex(indexers, fill)?, name)
    }
}
