//! `stack` and `unstack`: several dims combined into one (xarray's `stack`, with the
//! levels of a [`MultiIndex`] as coordinates along it) and back, with NA where a
//! combination of labels is missing.

use indexmap::IndexSet;

use super::align::take_fill;
use super::data_array::UNNAMED;
use super::multi_index::MultiIndex;
use super::{DataArray, Dataset, Variable};
use crate::array::chunks::Region;
use crate::array::NdArray;
use crate::error::{Error, Result};
use crate::lazy::Data;

impl Dataset {
    /// Combines `dims` into one new dim `new_dim` (xarray's `stack(new_dim=dims)`): in
    /// every variable that has any of them (broadcast to all of them first), they are
    /// replaced by `new_dim`, last, running over their labels row-major (the last of
    /// `dims` fastest). Each stacked dim's coordinate becomes a level coordinate along
    /// `new_dim` (a dim without one gets positions `0..n`), and `new_dim` gets the
    /// MultiIndex codes as its coordinate, which `repr` shows as xarray shows a
    /// MultiIndex and [`MultiIndex::tuples`] reads as xarray's tuples; see
    /// [`MultiIndex`]. Lazy data stays lazy (the stacked dims after the first are made
    /// one chunk each).
    ///
    /// ```
    /// use xr::DataArray;
    /// # fn main() -> xr::Result<()> {
    /// let da = DataArray::new(ndarray::array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]].into_dyn(), &["lat", "lon"])?
    ///     .with_coord("lat", &["lat"], vec![-10.0, 0.0, 10.0])?
    ///     .with_coord("lon", &["lon"], vec![100.0, 200.0])?;
    /// let z = da.stack("z", &["lat", "lon"])?;
    /// assert_eq!(z.dims(), ["z"]);
    /// assert_eq!(z.coord("lon")?.values().to_f64_vec()?, vec![100.0, 200.0, 100.0, 200.0, 100.0, 200.0]);
    /// assert_eq!(z.multi_index("z")?.labels()?[1], "(-10.0, 200.0)");
    /// assert!(z.to_string().contains("* z        (z) object 48B MultiIndex"));
    /// assert!(z.unstack("z")?.values().equals(da.values()));
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// [`Error::DimNotFound`] for a dim the dataset lacks; [`Error::InvalidArgument`]
    /// for no dims, a repeated dim, a `new_dim` that already exists, or too many labels
    /// for the codes ([`MultiIndex`]).
    pub fn stack(&self, new_dim: &str, dims: &[&str]) -> Result<Dataset> {
        let sizes = self.dims();
        if dims.is_empty() {
            return Err(Error::invalid_argument(
                "dims",
                "stack needs at least one dimension",
            ));
        }
        if dims.iter().collect::<IndexSet<_>>().len() != dims.len() {
            return Err(Error::invalid_argument(
                "dims",
                format!("{dims:?} repeat a dimension"),
            ));
        }
        for d in dims {
            if !sizes.contains_key(*d) {
                return Err(Error::DimNotFound {
                    dim: d.to_string(),
                    context: "Dataset (stack)".into(),
                    available: sizes.keys().cloned().collect(),
                });
            }
        }
        if sizes.contains_key(new_dim) || self.variables().contains_key(new_dim) {
            return Err(Error::invalid_argument(
                "new_dim",
                format!("{new_dim:?} already exists in the dataset"),
            ));
        }
        let mut ds = self.clone();
        for d in dims {
            if !ds.variables().contains_key(*d) {
                let n = i64::try_from(sizes[*d]).unwrap_or(i64::MAX);
                ds = ds.with_coord(d, Variable::new(&[*d], (0..n).collect::<Vec<i64>>())?)?;
            }
        }
        let stacked: Vec<String> = dims.iter().map(|d| d.to_string()).collect();
        let stacked_sizes: Vec<usize> = dims.iter().map(|d| sizes[*d]).collect();
        let codes = MultiIndex::pack(&stacked_sizes)?;
        // The levels go in last, in the order of `dims`, which is the order of the codes.
        let mut levels: Vec<Option<Variable>> = vec![None; dims.len()];
        let mut out = ds.map_variables(|name, var| {
            if !var.dims().iter().any(|d| stacked.contains(d)) {
                return Ok(Some((name.to_string(), var.clone())));
            }
            let mut order: Vec<String> = var
                .dims()
                .iter()
                .filter(|d| !stacked.contains(d))
                .cloned()
                .collect();
            let mut shape: Vec<usize> = order
                .iter()
                .map(|d| var.shape()[var.axis_of(d).unwrap_or_default()])
                .collect();
            let k = order.len();
            order.extend(stacked.iter().cloned());
            shape.extend(&stacked_sizes);
            let full = var.set_dims(&order, &shape)?;
            let data = merge_trailing(full.data(), k)?;
            order.truncate(k);
            order.push(new_dim.to_string());
            let stacked_var = full.replace(order, data);
            if let Some(l) = stacked.iter().position(|d| d == name) {
                levels[l] = Some(stacked_var);
                return Ok(None);
            }
            Ok(Some((name.to_string(), stacked_var)))
        })?;
        out = out.with_coord(new_dim, Variable::new(&[new_dim], codes)?)?;
        for (d, level) in stacked.iter().zip(levels) {
            let level =
                level.ok_or_else(|| Error::internal("every stacked dim has a coordinate"))?;
            out = out.with_coord(d, level)?;
        }
        Ok(out)
    }

    /// Splits a stacked dim back into its levels (xarray's `unstack`): the levels
    /// (see [`MultiIndex`]) become dims, last, with their distinct labels (in the
    /// levels' order; pandas 3, under xarray, reorders a level that lost labels by first
    /// appearance instead) as index coordinates; each variable gets the full product of the labels, NA where a
    /// combination is missing (integers then become floats, as in xarray). Lazy data
    /// stays lazy.
    ///
    /// # Errors
    /// [`Error::DimNotFound`] for an unknown dim; [`Error::InvalidArgument`] for a dim
    /// without level coordinates, a combination of labels held twice, or a level named
    /// after another dim.
    pub fn unstack(&self, dim: &str) -> Result<Dataset> {
        let mi = MultiIndex::of(self, dim)?;
        let sizes = self.dims();
        if let Some(level) = mi.names().into_iter().find(|l| sizes.contains_key(*l)) {
            return Err(Error::invalid_argument(
                "dim",
                format!("cannot unstack {dim:?}: its level {level:?} is also a dimension"),
            ));
        }
        let plan = mi.unstack_plan()?;
        let level_names: Vec<String> = plan.levels.iter().map(|(n, _)| n.clone()).collect();
        let level_sizes: Vec<usize> = plan.levels.iter().map(|(_, u)| u.len()).collect();
        let mut out = self.map_variables(|name, var| {
            if name == dim || level_names.iter().any(|l| l == name) {
                return Ok(None);
            }
            let Some(axis) = var.axis_of(dim) else {
                return Ok(Some((name.to_string(), var.clone())));
            };
            let mut order: Vec<String> = var.dims().to_vec();
            order.remove(axis);
            let k = order.len();
            order.push(dim.to_string());
            let moved = var.transpose(&order)?;
            let taken = take_fill(moved.data(), k, &plan.positions, None)?;
            let data = split_last(&taken, &level_sizes)?;
            order.truncate(k);
            order.extend(level_names.iter().cloned());
            Ok(Some((name.to_string(), moved.replace(order, data))))
        })?;
        for (name, labels) in plan.levels {
            out = out.with_coord(&name, Variable::new(&[name.as_str()], labels)?)?;
        }
        Ok(out)
    }

    /// The levels of the stacked dim `dim`; see [`MultiIndex::of`].
    ///
    /// # Errors
    /// As [`MultiIndex::of`].
    pub fn multi_index(&self, dim: &str) -> Result<MultiIndex> {
        MultiIndex::of(self, dim)
    }
}

impl DataArray {
    /// Combines `dims` into `new_dim`; see [`Dataset::stack`].
    ///
    /// # Errors
    /// As [`Dataset::stack`].
    pub fn stack(&self, new_dim: &str, dims: &[&str]) -> Result<DataArray> {
        let name = self.name().unwrap_or(UNNAMED).to_string();
        DataArray::from_dataset(&self.to_dataset().stack(new_dim, dims)?, &name)
    }

    /// Splits a stacked dim into its levels; see [`Dataset::unstack`].
    ///
    /// # Errors
    /// As [`Dataset::unstack`].
    pub fn unstack(&self, dim: &str) -> Result<DataArray> {
        let name = self.name().unwrap_or(UNNAMED).to_string();
        DataArray::from_dataset(&self.to_dataset().unstack(dim)?, &name)
    }

    /// The levels of the stacked dim `dim`; see [`MultiIndex::of`].
    ///
    /// # Errors
    /// As [`MultiIndex::of`].
    pub fn multi_index(&self, dim: &str) -> Result<MultiIndex> {
        MultiIndex::of(&self.to_dataset(), dim)
    }
}

fn lens(region: &[std::ops::Range<usize>]) -> Vec<usize> {
    region.iter().map(ExactSizeIterator::len).collect()
}

/// The axes from `first` on merged into one (row-major). Lazy data keeps its chunks
/// along the first merged axis and takes the others whole.
fn merge_trailing(data: &Data, first: usize) -> Result<Data> {
    let shape = data.shape().to_vec();
    let rest: usize = shape[first + 1..].iter().product();
    let mut merged = shape[..first].to_vec();
    merged.push(shape[first..].iter().product());
    let lazy = match data {
        Data::Eager(a) => return Ok(Data::Eager(a.reshape(&merged)?)),
        Data::Lazy(l) => l,
    };
    let mut sizes = lazy.chunks().to_vec();
    for (ax, s) in sizes.iter_mut().enumerate().skip(first + 1) {
        *s = vec![shape[ax]];
    }
    let lazy = lazy.rechunk_sizes(sizes.clone())?;
    let mut out = sizes[..first].to_vec();
    out.push(sizes[first].iter().map(|c| c * rest).collect());
    let whole = shape[first + 1..].to_vec();
    Ok(Data::Lazy(lazy.map_blocks_to(
        out,
        lazy.dtype(),
        "stack",
        move |r: &Region| {
            let mut q = r[..first].to_vec();
            q.push(r[first].start / rest.max(1)..r[first].end / rest.max(1));
            q.extend(whole.iter().map(|&n| 0..n));
            q
        },
        move |r: &Region, v: NdArray| v.reshape(&lens(r)),
    )?))
}

/// The last axis split into `sizes` (row-major). Lazy data is chunked along the first
/// new axis by whole rows of the others, close to its chunks before.
fn split_last(data: &Data, sizes: &[usize]) -> Result<Data> {
    let shape = data.shape().to_vec();
    let first = shape.len() - 1;
    let mut split = shape[..first].to_vec();
    split.extend(sizes);
    let lazy = match data {
        Data::Eager(a) => return Ok(Data::Eager(a.reshape(&split)?)),
        Data::Lazy(l) => l,
    };
    let rest: usize = sizes[1..].iter().product();
    let lead = sizes[0];
    let widest = lazy.chunks()[first].iter().copied().max().unwrap_or(1);
    let rows = (widest / rest.max(1)).clamp(1, lead.max(1));
    let mut row_chunks: Vec<usize> = (0..lead)
        .step_by(rows)
        .map(|s| rows.min(lead - s))
        .collect();
    if row_chunks.is_empty() {
        row_chunks.push(0);
    }
    let mut sizes_in = lazy.chunks().to_vec();
    sizes_in[first] = row_chunks.iter().map(|r| r * rest).collect();
    let lazy = lazy.rechunk_sizes(sizes_in.clone())?;
    let mut out = sizes_in[..first].to_vec();
    out.push(row_chunks);
    out.extend(sizes[1..].iter().map(|&n| vec![n]));
    Ok(Data::Lazy(lazy.map_blocks_to(
        out,
        lazy.dtype(),
        "unstack",
        move |r: &Region| {
            let mut q = r[..first].to_vec();
            q.push(r[first].start * rest..r[first].end * rest);
            q
        },
        move |r: &Region, v: NdArray| v.reshape(&lens(r)),
    )?))
}
