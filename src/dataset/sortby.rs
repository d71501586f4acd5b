//! `sortby`: reorders a dimension by the values of 1-D variables (coordinates, data
//! variables or separate DataArrays along it), as xarray's `sortby`.

use std::cmp::Ordering;

use indexmap::IndexMap;

use super::align::{align, Join};
use super::data_array::UNNAMED;
use super::{DataArray, Dataset, Indexer};
use crate::array::NdArray;
use crate::error::{Error, Result};

/// The values of one sort key, compared as their kind sorts (NaN last).
enum Key {
    Num(Vec<f64>),
    Int(Vec<i64>),
    Str(Vec<String>),
}

impl Key {
    fn of(values: &NdArray) -> Result<Key> {
        Ok(match values {
            NdArray::Str(a) => Key::Str(a.iter().cloned().collect()),
            NdArray::DateTime(a, _) | NdArray::I64(a) => Key::Int(a.iter().copied().collect()),
            NdArray::F32(_) | NdArray::F64(_) | NdArray::U64(_) => Key::Num(values.to_f64_vec()?),
            // Every other integer (and bool) fits an i64 exactly.
            _ => Key::Int(values.to_f64_vec()?.into_iter().map(|v| v as i64).collect()),
        })
    }

    fn is_null(&self, i: usize) -> bool {
        matches!(self, Key::Num(k) if k[i].is_nan())
    }

    fn cmp(&self, i: usize, j: usize) -> Ordering {
        match self {
            Key::Num(k) => match (k[i].is_nan(), k[j].is_nan()) {
                (false, false) => k[i].total_cmp(&k[j]),
                (a, b) => a.cmp(&b),
            },
            Key::Int(k) => k[i].cmp(&k[j]),
            Key::Str(k) => k[i].cmp(&k[j]),
        }
    }
}

/// Positions that sort a dim of length `n` by `keys` (the first key first, ties broken
/// by the next; numpy's `lexsort` of the keys reversed, which is stable). Descending is
/// xarray's: the ascending order by (which keys are valid, then the keys), reversed, so
/// NaN stays last.
fn order(keys: &[Key], n: usize, ascending: bool) -> Vec<isize> {
    let mut idx: Vec<usize> = (0..n).collect();
    idx.sort_by(|&i, &j| {
        let valid = keys
            .iter()
            .filter(|_| !ascending)
            .map(|k| k.is_null(j).cmp(&k.is_null(i)));
        valid
            .chain(keys.iter().map(|k| k.cmp(i, j)))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    });
    if !ascending {
        idx.reverse();
    }
    idx.into_iter()
        .map(|i| isize::try_from(i).unwrap_or(isize::MAX))
        .collect()
}

impl Dataset {
    /// Sorts along the dims of the named 1-D variables by their values (xarray's
    /// `sortby(["lat", ...], ascending)`): keys along one dim sort it together, the first
    /// key first; NaN goes last, also when descending (as xarray).
    /// Lazy data stays lazy.
    ///
    /// ```
    /// use xr::DataArray;
    /// # fn main() -> xr::Result<()> {
    /// let da = DataArray::new(vec![1.0, 2.0, 3.0], &["lat"])?
    ///     .with_coord("lat", &["lat"], vec![10.0, -5.0, 0.0])?;
    /// let s = da.sortby(&["lat"], true)?;
    /// assert_eq!(s.values().to_f64_vec()?, vec![2.0, 3.0, 1.0]);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// [`Error::VarNotFound`] for an unknown name; [`Error::InvalidArgument`] for a
    /// variable that is not 1-D.
    pub fn sortby(&self, names: &[&str], ascending: bool) -> Result<Dataset> {
        let keys = names
            .iter()
            .map(|n| self.get(n))
            .collect::<Result<Vec<_>>>()?;
        self.sortby_arrays(&keys.iter().collect::<Vec<_>>(), ascending)
    }

    /// Sorts by 1-D DataArrays along dims of the dataset (xarray's `sortby` with
    /// DataArrays): each is first aligned to the dataset (`join="left"`); otherwise as
    /// [`Dataset::sortby`].
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a key that is not 1-D; [`Error::DimNotFound`] for
    /// a key along a dim the dataset lacks; alignment errors.
    pub fn sortby_arrays(&self, keys: &[&DataArray], ascending: bool) -> Result<Dataset> {
        let mut by_dim: IndexMap<String, Vec<Key>> = IndexMap::new();
        let sizes = self.dims();
        for key in keys {
            let [dim] = key.dims() else {
                return Err(Error::invalid_argument(
                    "variables",
                    format!(
                        "sortby needs 1-D keys; {} has dims {:?}",
                        key.display_name(),
                        key.dims()
                    ),
                ));
            };
            if !sizes.contains_key(dim) {
                return Err(Error::DimNotFound {
                    dim: dim.clone(),
                    context: format!("Dataset (the dim of sortby key {})", key.display_name()),
                    available: sizes.keys().cloned().collect(),
                });
            }
            let aligned = align(&[self.clone(), key.to_dataset()], Join::Left)?;
            let key = match aligned.get(1) {
                Some(ds) => DataArray::from_dataset(ds, key.name().unwrap_or(UNNAMED))?,
                None => return Err(Error::internal("align returns one object per input")),
            };
            by_dim
                .entry(dim.clone())
                .or_default()
                .push(Key::of(&key.values().compute()?)?);
        }
        let indexers: Vec<(&str, Indexer)> = by_dim
            .iter()
            .map(|(dim, keys)| {
                (
                    dim.as_str(),
                    Indexer::List(order(keys, sizes[dim], ascending)),
                )
            })
            .collect();
        self.isel(&indexers)
    }
}

impl DataArray {
    /// Sorts by named 1-D coordinates; see [`Dataset::sortby`].
    ///
    /// # Errors
    /// As [`Dataset::sortby`].
    pub fn sortby(&self, names: &[&str], ascending: bool) -> Result<DataArray> {
        let keys = names
            .iter()
            .map(|n| self.coord(n))
            .collect::<Result<Vec<_>>>()?;
        self.sortby_arrays(&keys.iter().collect::<Vec<_>>(), ascending)
    }

    /// Sorts by 1-D DataArrays; see [`Dataset::sortby_arrays`].
    ///
    /// # Errors
    /// As [`Dataset::sortby_arrays`].
    pub fn sortby_arrays(&self, keys: &[&DataArray], ascending: bool) -> Result<DataArray> {
        let name = self.name().unwrap_or(UNNAMED).to_string();
        DataArray::from_dataset(&self.to_dataset().sortby_arrays(keys, ascending)?, &name)
    }
}
