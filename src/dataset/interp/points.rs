//! Pointwise (vectorized) interpolation: xarray's `interp` with DataArray targets that
//! share a new dim, e.g. station series out of a grid,
//! `interp(lat=DataArray(lats, dims="station"), lon=DataArray(lons, dims="station"))`.
//! The k-th point is the k-th value of every target; the interpolated dims of a
//! variable are replaced by the new dim (at the place of the first of them).
//!
//! As xarray (scipy's `interpn` on the sorted source): linear takes the 2^m source
//! values around a point in its m dims, weighted by the products of the distances (a
//! NaN among them makes the point NaN); nearest takes the nearest source position in
//! each dim (halfway: the lower one); a point outside the source range in any dim
//! gives NaN (or the fill value). One pointwise dim alone is 1-D interpolation along
//! it, the dim renamed. Lazy data stays lazy: each point reads only the blocks that
//! hold its neighbours.

use indexmap::IndexMap;

use super::{fill_outside, interp_variable, Fill, Interp, InterpOptions, Plan};
use crate::array::kernels::BinaryOp;
use crate::array::{DType, NdArray};
use crate::dataset::calculus::along as along_axis;
use crate::dataset::{DataArray, Dataset, Indexer, Variable};
use crate::error::{Error, Result};
use crate::lazy::Data;

/// What [`Dataset::interp`] interpolates a dim onto.
///
/// ```
/// use xr::dataset::{Interp, InterpTarget};
/// use xr::{DataArray, NdArray};
/// # fn main() -> xr::Result<()> {
/// let grid = DataArray::new(ndarray::array![[0.0, 1.0], [2.0, 3.0]].into_dyn(), &["lat", "lon"])?
///     .with_coord("lat", &["lat"], vec![0.0, 10.0])?
///     .with_coord("lon", &["lon"], vec![0.0, 10.0])?;
/// // Two stations: one value each, along the new dim "station".
/// let at = grid.interp(
///     &[
///         ("lat", InterpTarget::points("station", NdArray::from(vec![5.0, 0.0]))?),
///         ("lon", InterpTarget::points("station", NdArray::from(vec![5.0, 10.0]))?),
///     ],
///     Interp::Linear,
/// )?;
/// assert_eq!(at.dims(), ["station"]);
/// assert_eq!(at.values().to_f64_vec()?, [1.5, 1.0]);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum InterpTarget {
    /// 1-D values, the dim's new coordinate: with the other dims' values, a grid.
    Values(NdArray),
    /// Points along a new dim, the DataArray's one dim (xarray's DataArray targets):
    /// the dims given points along the same new dim are interpolated together, one
    /// value per point. The DataArray's coordinates (station names, say) come along.
    /// A DataArray along the interpolated dim itself counts as [`InterpTarget::Values`].
    Points(Box<DataArray>),
}

impl InterpTarget {
    /// Points along the new dim `dim` (see [`InterpTarget::Points`]).
    ///
    /// # Errors
    /// When `values` is not 1-D.
    pub fn points(dim: &str, values: NdArray) -> Result<Self> {
        Ok(InterpTarget::Points(Box::new(DataArray::new(
            values,
            &[dim],
        )?)))
    }
}

impl From<NdArray> for InterpTarget {
    fn from(values: NdArray) -> Self {
        InterpTarget::Values(values)
    }
}

impl From<DataArray> for InterpTarget {
    fn from(points: DataArray) -> Self {
        InterpTarget::Points(Box::new(points))
    }
}

impl From<&DataArray> for InterpTarget {
    fn from(points: &DataArray) -> Self {
        InterpTarget::Points(Box::new(points.clone()))
    }
}

/// The new dim of the points given for `dim`, or `None` when they lie along `dim`
/// itself (plain 1-D targets).
pub(super) fn new_dim(ds: &Dataset, dim: &str, points: &DataArray) -> Result<Option<String>> {
    let [new] = points.dims() else {
        return Err(Error::invalid_argument(
            "coords",
            format!(
                "the points for {dim:?} must lie along one new dim, got dims {:?}",
                points.dims()
            ),
        ));
    };
    if new == dim {
        return Ok(None);
    }
    if ds.dims().contains_key(new) {
        return Err(Error::invalid_argument(
            "coords",
            format!("the new dim {new:?} of the points for {dim:?} is already a dim of the data"),
        ));
    }
    Ok(Some(new.clone()))
}

impl Dataset {
    /// Interpolates at the points of `members` (each a dim and its targets along
    /// `new_dim`, all of one length).
    pub(super) fn interp_points(
        &self,
        new_dim: &str,
        members: &[(&str, DataArray)],
        options: InterpOptions,
    ) -> Result<Dataset> {
        let len = members.first().map_or(0, |(_, p)| p.values().len());
        let mut plans = Vec::with_capacity(members.len());
        for (dim, points) in members {
            if points.values().len() != len {
                return Err(Error::invalid_argument(
                    "coords",
                    format!(
                        "the points along {new_dim:?} must be as many for every dim: {} for {:?}, {} for {dim:?}",
                        len, members[0].0, points.values().len()
                    ),
                ));
            }
            plans.push(Plan::new(self, dim, &points.values().compute()?, options)?);
        }
        let mut vars = IndexMap::new();
        for (name, var) in self.variables() {
            if let Some(p) = plans.iter().find(|p| p.dim == *name && var.ndim() == 1) {
                vars.insert(name.clone(), Variable::new(&[new_dim], p.targets.clone())?);
                continue;
            }
            let along: Vec<(&Plan, usize)> = plans
                .iter()
                .filter_map(|p| var.axis_of(&p.dim).map(|axis| (p, axis)))
                .collect();
            let Some(first) = along.iter().map(|&(_, a)| a).min() else {
                vars.insert(name.clone(), var.clone());
                continue;
            };
            let mut dims = Vec::with_capacity(var.ndim() + 1 - along.len());
            for (axis, d) in var.dims().iter().enumerate() {
                if axis == first {
                    dims.push(new_dim.to_string());
                } else if !along.iter().any(|&(_, a)| a == axis) {
                    dims.push(d.clone());
                }
            }
            let out = interp_variable(var, name, dims, |data, interpolated| {
                match (along.as_slice(), interpolated) {
                    ([(p, axis)], true) => p.apply(data, *axis, options),
                    ([(p, axis)], false) => p.reindex(data, *axis),
                    (_, true) => corners(var, data, new_dim, &along, first, options),
                    (_, false) => {
                        let at: Vec<(&str, Vec<usize>)> = along
                            .iter()
                            .map(|(p, _)| (p.dim.as_str(), p.reindex.clone()))
                            .collect();
                        gather(var, data, new_dim, &at)
                    }
                }
            })?;
            vars.insert(name.clone(), out);
        }
        let mut coord_names = self.coord_names().clone();
        for (p, (_, points)) in plans.iter().zip(members) {
            coord_names.insert(p.dim.clone());
            if !vars.contains_key(&p.dim) {
                vars.insert(p.dim.clone(), Variable::new(&[new_dim], p.targets.clone())?);
            }
            // The targets' own coordinates along the new dim (station names, say).
            for (c, v) in points.coords() {
                if v.dims() == [new_dim] && !vars.contains_key(c) {
                    vars.insert(c.clone(), v.clone());
                    coord_names.insert(c.clone());
                }
            }
        }
        Dataset::from_parts(vars, coord_names, self.attrs().clone())
    }
}

/// `data` (of `var`'s dims) at the points: `at` gives, for each dim, the source
/// position of every point. The result has the new dim in place of the first of them.
fn gather(var: &Variable, data: &Data, new_dim: &str, at: &[(&str, Vec<usize>)]) -> Result<Data> {
    let v = var.with_data(data.clone())?;
    let indexers: Vec<(&str, Indexer)> = at
        .iter()
        .map(|(d, pos)| {
            let pos: Vec<isize> = pos
                .iter()
                .map(|&p| isize::try_from(p).unwrap_or(isize::MAX))
                .collect();
            (*d, Indexer::points(new_dim, &pos))
        })
        .collect();
    Ok(v.isel_pointwise(&indexers)?.data().clone())
}

/// Linear (the weighted sum over the corners around each point, scipy's `interpn`)
/// or nearest interpolation at the points of two or more dims; `first` is the axis the
/// new dim takes.
fn corners(
    var: &Variable,
    data: &Data,
    new_dim: &str,
    along: &[(&Plan, usize)],
    first: usize,
    options: InterpOptions,
) -> Result<Data> {
    let ndim = var.ndim() + 1 - along.len();
    let len = along.first().map_or(0, |(p, _)| p.lo.len());
    let out = match options.method {
        Interp::Nearest => {
            let at: Vec<(&str, Vec<usize>)> = along
                .iter()
                .map(|(p, _)| (p.dim.as_str(), p.nearest.clone()))
                .collect();
            gather(var, data, new_dim, &at)?.astype(DType::F64)?
        }
        Interp::Linear => {
            // The distance of each point from its lower neighbour, in cells.
            let y: Vec<Vec<f64>> = along
                .iter()
                .map(|(p, _)| p.off.iter().zip(&p.dx).map(|(o, d)| o / d).collect())
                .collect();
            let mut sum: Option<Data> = None;
            // Corner c takes the upper neighbour along the dims whose bit is set.
            for c in 0..1usize << along.len() {
                let upper = |j: usize| c >> (along.len() - 1 - j) & 1 == 1;
                let at: Vec<(&str, Vec<usize>)> = along
                    .iter()
                    .enumerate()
                    .map(|(j, (p, _))| {
                        let pos = if upper(j) { &p.hi } else { &p.lo };
                        (p.dim.as_str(), pos.clone())
                    })
                    .collect();
                let weight: Vec<f64> = (0..len)
                    .map(|k| {
                        (0..along.len())
                            .map(|j| if upper(j) { y[j][k] } else { 1.0 - y[j][k] })
                            .product()
                    })
                    .collect();
                let term = gather(var, data, new_dim, &at)?
                    .astype(DType::F64)?
                    .binary(&along_axis(first, ndim, weight)?, BinaryOp::Mul)?;
                sum = Some(match sum {
                    None => term,
                    Some(s) => s.binary(&term, BinaryOp::Add)?,
                });
            }
            sum.ok_or_else(|| Error::internal("a point has at least one corner"))?
        }
    };
    let outside: Vec<bool> = (0..len)
        .map(|k| along.iter().any(|(p, _)| p.outside[k]))
        .collect();
    if !outside.iter().any(|&o| o) {
        return Ok(out);
    }
    let fill = match options.fill {
        Fill::Value(v) => v,
        Fill::Nan | Fill::Extrapolate => f64::NAN,
    };
    fill_outside(&out, first, &outside, fill)
}
