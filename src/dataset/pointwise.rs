//! Pointwise (vectorized) selection: [`Indexer::Points`] and [`Label::Points`], xarray's
//! `isel`/`sel` with DataArray indexers that share a new dimension, e.g. station series
//! out of a grid:
//! `sel(lat=DataArray(lats, dims="station"), lon=DataArray(lons, dims="station"))`.
//!
//! The k-th point is the k-th position of every indexer on the new dim. A variable with
//! any of the indexed dims has them replaced by the new dim (at the place of the first
//! of them); coordinates along an indexed dim become coordinates along the new dim.
//! Lazy data stays lazy: each point is a slice of the source, so computing reads only
//! the blocks that hold points.

use indexmap::IndexMap;

use super::{Dataset, Indexer, Label, Variable};
use crate::array::Scalar;
use crate::error::{Error, Result};
use crate::lazy::Data;

impl Indexer {
    /// Positions of points along a new dimension `dim` (see [`Indexer::Points`]).
    ///
    /// ```
    /// use xr::dataset::Indexer;
    /// use xr::DataArray;
    /// # fn main() -> xr::Result<()> {
    /// let grid = DataArray::new(ndarray::array![[0.0, 1.0, 2.0], [10.0, 11.0, 12.0]].into_dyn(), &["lat", "lon"])?;
    /// let stations = grid.isel(&[
    ///     ("lat", Indexer::points("station", &[1, 0])),
    ///     ("lon", Indexer::points("station", &[2, 1])),
    /// ])?;
    /// assert_eq!(stations.dims(), ["station"]);
    /// assert_eq!(stations.values().to_f64_vec()?, vec![12.0, 1.0]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn points(dim: &str, positions: &[isize]) -> Self {
        Indexer::Points {
            dim: dim.to_string(),
            positions: positions.to_vec(),
        }
    }

    pub(crate) fn is_points(&self) -> bool {
        matches!(self, Indexer::Points { .. })
    }
}

impl Label {
    /// Labels of points along a new dimension `dim` (see [`Label::Points`]); with
    /// `sel_with(..).method(Method::Nearest)`, the nearest grid points.
    pub fn points(dim: &str, labels: Vec<Scalar>) -> Self {
        Label::Points {
            dim: dim.to_string(),
            labels,
        }
    }
}

/// The points along one new dim: for each indexed dim, one position per point.
struct Points {
    dim: String,
    along: Vec<(String, Vec<usize>)>,
    len: usize,
}

/// The indexers other than points, applied before them.
type Others<'a> = Vec<(&'a str, Indexer)>;

/// Splits `indexers` into the others (applied first) and the points, grouped by their
/// new dim, positions resolved against `sizes`.
fn split<'a>(
    indexers: &'a [(&'a str, Indexer)],
    sizes: &IndexMap<String, usize>,
) -> Result<(Others<'a>, Vec<Points>)> {
    let mut others = Vec::new();
    let mut groups: IndexMap<String, Points> = IndexMap::new();
    for (dim, ix) in indexers {
        let Indexer::Points {
            dim: new_dim,
            positions,
        } = ix
        else {
            others.push((*dim, ix.clone()));
            continue;
        };
        let n = sizes.get(*dim).copied().ok_or_else(|| Error::DimNotFound {
            dim: dim.to_string(),
            context: "pointwise selection".into(),
            available: sizes.keys().cloned().collect(),
        })?;
        let resolved = positions
            .iter()
            .map(|&p| {
                let q = if p < 0 { p + n as isize } else { p };
                usize::try_from(q)
                    .ok()
                    .filter(|&q| q < n)
                    .ok_or_else(|| Error::IndexOutOfBounds {
                        what: format!("point position {p} on dimension {dim:?} of size {n}"),
                    })
            })
            .collect::<Result<Vec<usize>>>()?;
        let group = groups.entry(new_dim.clone()).or_insert_with(|| Points {
            dim: new_dim.clone(),
            along: Vec::new(),
            len: resolved.len(),
        });
        if group.len != resolved.len() {
            return Err(Error::invalid_argument(
                "indexers",
                format!(
                    "pointwise indexers along the new dimension {new_dim:?} must have one position per point: {} has {}, {:?} has {}",
                    group.along.first().map_or("", |(d, _)| d.as_str()),
                    group.len,
                    dim,
                    resolved.len()
                ),
            ));
        }
        group.along.push((dim.to_string(), resolved));
    }
    for g in groups.values() {
        if sizes.contains_key(&g.dim) && !g.along.iter().any(|(d, _)| *d == g.dim) {
            return Err(Error::invalid_argument(
                "indexers",
                format!(
                    "the new dimension {:?} of a pointwise selection already exists and is not indexed",
                    g.dim
                ),
            ));
        }
    }
    Ok((others, groups.into_values().collect()))
}

impl Variable {
    /// The points of `group` out of this variable (unchanged without its dims).
    fn gather(&self, group: &Points) -> Result<Variable> {
        let mut axes: Vec<(usize, &[usize])> = group
            .along
            .iter()
            .filter_map(|(d, p)| self.axis_of(d).map(|a| (a, p.as_slice())))
            .collect();
        let Some(first) = axes.iter().map(|(a, _)| *a).min() else {
            return Ok(self.clone());
        };
        // Slicing the last axes first keeps the earlier axis numbers valid.
        axes.sort_by_key(|a| std::cmp::Reverse(a.0));
        let point = |k: Option<usize>| -> Result<Data> {
            let mut d = self.data().clone();
            for (axis, pos) in &axes {
                d = match k {
                    Some(k) => d.slice_axis(*axis, pos[k], pos[k] + 1, 1)?,
                    None => d.slice_axis(*axis, 0, 1.min(d.shape()[*axis]), 1)?,
                }
                .remove_axis(*axis)?;
            }
            d.insert_axis(first)
        };
        let data = if group.len == 0 {
            point(None)?.take(first, &[])?
        } else {
            let parts = (0..group.len)
                .map(|k| point(Some(k)))
                .collect::<Result<Vec<_>>>()?;
            match Data::concatenate(first, &parts)? {
                // One chunk along the points, so that a task gathers them all per block
                // of the other dims.
                Data::Lazy(l) => {
                    let mut sizes = l.chunks().to_vec();
                    sizes[first] = vec![group.len];
                    Data::Lazy(l.rechunk_sizes(sizes)?)
                }
                eager => eager,
            }
        };
        let mut dims = Vec::with_capacity(data.ndim());
        for (axis, d) in self.dims().iter().enumerate() {
            if axis == first {
                dims.push(group.dim.clone());
            } else if !axes.iter().any(|(a, _)| *a == axis) {
                dims.push(d.clone());
            }
        }
        Ok(self.replace(dims, data))
    }

    /// `isel` with pointwise indexers: the others first, then each group of points.
    pub(crate) fn isel_pointwise(&self, indexers: &[(&str, Indexer)]) -> Result<Variable> {
        let (others, groups) = split(indexers, &self.sizes())?;
        let mut out = self.isel(&others)?;
        for g in &groups {
            out = out.gather(g)?;
        }
        Ok(out)
    }
}

impl Dataset {
    /// `isel` with pointwise indexers: the others first, then each group of points on
    /// every variable that has one of its dims.
    pub(crate) fn isel_pointwise(&self, indexers: &[(&str, Indexer)]) -> Result<Dataset> {
        let (others, groups) = split(indexers, &self.dims())?;
        let mut out = self.isel(&others)?;
        for g in &groups {
            out = out.map_variables(|name, v| Ok(Some((name.to_string(), v.gather(g)?))))?;
        }
        Ok(out)
    }
}
