//! Selection and reshaping by name: `isel`, `sel`, `where_`, `drop_vars`, `rename`,
//! `assign_coords`, `expand_dims`, `squeeze`, `transpose` on [`Variable`],
//! [`DataArray`] and [`Dataset`].

use std::ops::{Range, RangeFrom, RangeFull, RangeInclusive, RangeTo, RangeToInclusive};

use indexmap::{IndexMap, IndexSet};

use super::align::{align, broadcast_dims, Join, NAT};
use super::data_array::UNNAMED;
use super::index::Method;
use super::{DataArray, Dataset, Variable};
use crate::array::{DType, NdArray, Scalar};
use crate::error::{Error, Result};
use crate::lazy::Data;

/// A positional selection along one dimension, for `isel`.
///
/// Negative positions count from the end, as in Python. Integers convert to
/// [`Indexer::Pos`], ranges (`1..3`, `2..`, `..`) to [`Indexer::Slice`], `Vec`s of
/// integers to [`Indexer::List`] and `Vec<bool>` to [`Indexer::Mask`]:
///
/// ```
/// use xr::dataset::Indexer;
/// assert_eq!(Indexer::from(-1), Indexer::Pos(-1));
/// assert_eq!(Indexer::from(1..3), Indexer::Slice { start: Some(1), stop: Some(3), step: 1 });
/// assert_eq!(Indexer::from(vec![true, false]), Indexer::Mask(vec![true, false]));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Indexer {
    /// One position: the dimension is dropped and its coordinate kept as a scalar.
    Pos(isize),
    /// A Python slice `start:stop:step` (out-of-range bounds are clipped, as in Python).
    Slice {
        /// First position (default: the start, or the end for a negative step).
        start: Option<isize>,
        /// One past the last position (default: past the end).
        stop: Option<isize>,
        /// The step, not 0; negative steps walk backwards.
        step: isize,
    },
    /// Positions, in the order given (repeats allowed).
    List(Vec<isize>),
    /// One boolean per position: the positions where it is true.
    Mask(Vec<bool>),
    /// Pointwise (vectorized) selection, xarray's `isel(x=DataArray(..., dims=dim))`:
    /// the k-th point takes position `positions[k]` here and the k-th position of every
    /// other `Points` indexer on the same new `dim`; the indexed dims are replaced by
    /// `dim` (see [`Indexer::points`]).
    Points {
        /// The new dimension the points run along (`"station"`).
        dim: String,
        /// One position per point (negative counts from the end).
        positions: Vec<isize>,
    },
}

impl Indexer {
    /// The slice `start:stop:step`.
    pub fn slice(start: Option<isize>, stop: Option<isize>, step: isize) -> Self {
        Indexer::Slice { start, stop, step }
    }
}

/// An [`Indexer`] resolved against a dimension length.
#[derive(Debug, Clone)]
pub(crate) enum Resolved {
    Pos(usize),
    Range {
        start: usize,
        stop: usize,
        step: usize,
    },
    Take(Vec<usize>),
}

impl Indexer {
    /// Resolves against a dimension `dim` of length `n`.
    fn resolve(&self, dim: &str, n: usize) -> Result<Resolved> {
        let ni = n as isize;
        let pos = |p: isize| -> Result<usize> {
            let q = if p < 0 { p + ni } else { p };
            if q < 0 || q >= ni {
                return Err(Error::IndexOutOfBounds {
                    what: format!("position {p} on dimension {dim:?} of size {n}"),
                });
            }
            Ok(q as usize)
        };
        Ok(match self {
            Indexer::Pos(p) => Resolved::Pos(pos(*p)?),
            Indexer::List(ps) => Resolved::Take(ps.iter().map(|&p| pos(p)).collect::<Result<_>>()?),
            Indexer::Mask(m) => {
                if m.len() != n {
                    return Err(Error::ShapeMismatch {
                        what: format!("boolean mask on dimension {dim:?}"),
                        expected: vec![n],
                        actual: vec![m.len()],
                    });
                }
                Resolved::Take(
                    m.iter()
                        .enumerate()
                        .filter(|(_, &b)| b)
                        .map(|(i, _)| i)
                        .collect(),
                )
            }
            Indexer::Points { .. } => {
                return Err(Error::internal(
                    "pointwise indexers are applied by isel before resolving",
                ))
            }
            Indexer::Slice { step: 0, .. } => {
                return Err(Error::invalid_argument(
                    "indexers",
                    format!("slice step cannot be zero (dimension {dim:?})"),
                ))
            }
            Indexer::Slice { start, stop, step } if *step > 0 => {
                let norm = |x: isize| if x < 0 { (x + ni).max(0) } else { x.min(ni) } as usize;
                let start = start.map_or(0, norm);
                let stop = stop.map_or(n, norm).max(start);
                Resolved::Range {
                    start,
                    stop,
                    step: step.unsigned_abs(),
                }
            }
            Indexer::Slice { start, stop, step } => {
                let norm = |x: isize| {
                    if x < 0 {
                        (x + ni).max(-1)
                    } else {
                        x.min(ni - 1)
                    }
                };
                let mut i = start.map_or(ni - 1, norm);
                let stop = stop.map_or(-1, norm);
                let mut out = Vec::new();
                while i > stop {
                    out.push(i as usize);
                    i += step;
                }
                Resolved::Take(out)
            }
        })
    }
}

macro_rules! indexer_from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Indexer {
            fn from(p: $t) -> Self {
                Indexer::Pos(to_isize(p))
            }
        }
        impl From<Range<$t>> for Indexer {
            fn from(r: Range<$t>) -> Self {
                Indexer::Slice { start: Some(to_isize(r.start)), stop: Some(to_isize(r.end)), step: 1 }
            }
        }
        impl From<RangeInclusive<$t>> for Indexer {
            fn from(r: RangeInclusive<$t>) -> Self {
                let (a, b) = r.into_inner();
                Indexer::Slice { start: Some(to_isize(a)), stop: Some(to_isize(b).saturating_add(1)), step: 1 }
            }
        }
        impl From<RangeFrom<$t>> for Indexer {
            fn from(r: RangeFrom<$t>) -> Self {
                Indexer::Slice { start: Some(to_isize(r.start)), stop: None, step: 1 }
            }
        }
        impl From<RangeTo<$t>> for Indexer {
            fn from(r: RangeTo<$t>) -> Self {
                Indexer::Slice { start: None, stop: Some(to_isize(r.end)), step: 1 }
            }
        }
        impl From<Vec<$t>> for Indexer {
            fn from(v: Vec<$t>) -> Self {
                Indexer::List(v.into_iter().map(to_isize).collect())
            }
        }
        impl From<&[$t]> for Indexer {
            fn from(v: &[$t]) -> Self {
                Indexer::List(v.iter().copied().map(to_isize).collect())
            }
        }
    )*};
}

indexer_from_int!(i32, i64, isize, usize);

fn to_isize<T: TryInto<isize> + PartialOrd + Default>(v: T) -> isize {
    // Out-of-range values saturate, which then fail the bounds check with a message.
    let neg = v < T::default();
    v.try_into()
        .unwrap_or(if neg { isize::MIN } else { isize::MAX })
}

impl From<RangeFull> for Indexer {
    fn from(_: RangeFull) -> Self {
        Indexer::Slice {
            start: None,
            stop: None,
            step: 1,
        }
    }
}

impl From<Vec<bool>> for Indexer {
    fn from(v: Vec<bool>) -> Self {
        Indexer::Mask(v)
    }
}

impl From<&[bool]> for Indexer {
    fn from(v: &[bool]) -> Self {
        Indexer::Mask(v.to_vec())
    }
}

/// A label selection along one dimension, for `sel`.
///
/// Scalars convert to [`Label::Value`], inclusive ranges (`1.0..=3.0`,
/// `"2018-01"..="2018-03"`, `5..`, `..=5`) to [`Label::Slice`] and `Vec`s to
/// [`Label::List`]. Label slices include both ends, like pandas and xarray.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Label {
    /// One label: the dimension is dropped (except for a datetime string naming a
    /// period, like `"2018-01"`, which keeps it).
    Value(Scalar),
    /// The labels from the first to the second, both included; `None` is open.
    Slice(Option<Scalar>, Option<Scalar>),
    /// Several labels, in order.
    List(Vec<Scalar>),
    /// Pointwise (vectorized) selection, xarray's `sel(x=DataArray(..., dims=dim))`:
    /// one label per point along the new `dim`, shared by every `Points` label on that
    /// dim (see [`Indexer::Points`]).
    Points {
        /// The new dimension the points run along (`"station"`).
        dim: String,
        /// One label per point.
        labels: Vec<Scalar>,
    },
}

impl Label {
    /// The inclusive label slice `start..=stop`.
    pub fn slice(start: impl Into<Scalar>, stop: impl Into<Scalar>) -> Self {
        Label::Slice(Some(start.into()), Some(stop.into()))
    }
}

macro_rules! label_from {
    ($($t:ty),*) => {$(
        impl From<$t> for Label {
            fn from(v: $t) -> Self {
                Label::Value(v.into())
            }
        }
        impl From<Vec<$t>> for Label {
            fn from(v: Vec<$t>) -> Self {
                Label::List(v.into_iter().map(Into::into).collect())
            }
        }
        impl From<RangeInclusive<$t>> for Label {
            fn from(r: RangeInclusive<$t>) -> Self {
                let (a, b) = r.into_inner();
                Label::Slice(Some(a.into()), Some(b.into()))
            }
        }
        impl From<RangeFrom<$t>> for Label {
            fn from(r: RangeFrom<$t>) -> Self {
                Label::Slice(Some(r.start.into()), None)
            }
        }
        impl From<RangeToInclusive<$t>> for Label {
            fn from(r: RangeToInclusive<$t>) -> Self {
                Label::Slice(None, Some(r.end.into()))
            }
        }
    )*};
}

label_from!(bool, i32, i64, u32, u64, f32, f64, &str, String, Scalar);

impl From<RangeFull> for Label {
    fn from(_: RangeFull) -> Self {
        Label::Slice(None, None)
    }
}

fn dim_not_found(dim: &str, context: &str, available: impl IntoIterator<Item = String>) -> Error {
    Error::DimNotFound {
        dim: dim.to_string(),
        context: context.to_string(),
        available: available.into_iter().collect(),
    }
}

impl Variable {
    /// Selects by position along named dimensions (xarray's `Variable.isel`).
    ///
    /// # Errors
    /// [`Error::DimNotFound`] for a dim the variable lacks; [`Error::IndexOutOfBounds`]
    /// for a position out of range; [`Error::ShapeMismatch`] for a mask of the wrong length.
    pub fn isel(&self, indexers: &[(&str, Indexer)]) -> Result<Variable> {
        if indexers.iter().any(|(_, ix)| ix.is_points()) {
            return self.isel_pointwise(indexers);
        }
        let mut out = self.clone();
        for (dim, ix) in indexers {
            let axis = out.require_axis(dim, "variable")?;
            let r = ix.resolve(dim, out.shape()[axis])?;
            out = out.isel_resolved(dim, &r)?;
        }
        Ok(out)
    }

    /// Applies a resolved selection along `dim` (no-op when the variable lacks it).
    pub(crate) fn isel_resolved(&self, dim: &str, r: &Resolved) -> Result<Variable> {
        if self.axis_of(dim).is_none() {
            return Ok(self.clone());
        }
        let axis = self.require_axis(dim, "selecting along it")?;
        let mut dims = self.dims().to_vec();
        let data = match r {
            Resolved::Pos(p) => {
                dims.remove(axis);
                self.data()
                    .slice_axis(axis, *p, p + 1, 1)?
                    .remove_axis(axis)?
            }
            Resolved::Range { start, stop, step } => {
                self.data().slice_axis(axis, *start, *stop, *step)?
            }
            Resolved::Take(ps) => self.data().take(axis, ps)?,
        };
        Ok(self.replace(dims, data))
    }

    /// The variable with dims renamed by `names` (`old → new`); names not among the
    /// dims are ignored.
    pub(crate) fn rename_dims(&self, names: &IndexMap<String, String>) -> Variable {
        let dims = self
            .dims()
            .iter()
            .map(|d| names.get(d).cloned().unwrap_or_else(|| d.clone()))
            .collect();
        self.replace(dims, self.data().clone())
    }
}

/// A label selection with a method and tolerance, built by `sel_with`; finish it with
/// [`Sel::run`].
///
/// ```
/// use xr::dataset::Method;
/// use xr::DataArray;
/// # fn main() -> xr::Result<()> {
/// let da = DataArray::new(vec![1.0, 2.0, 3.0], &["x"])?.with_coord("x", &["x"], vec![10.0, 20.0, 30.0])?;
/// let v = da.sel_with(&[("x", 19.0.into())]).method(Method::Nearest).tolerance(2.0).run()?;
/// assert_eq!(v.values().get(&[])?, 2.0.into());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a selection does nothing until `run` is called"]
pub struct Sel<'a, T> {
    target: &'a T,
    labels: Vec<(String, Label)>,
    method: Option<Method>,
    tolerance: Option<f64>,
}

impl<'a, T> Sel<'a, T> {
    fn new(target: &'a T, labels: &[(&str, Label)]) -> Self {
        Sel {
            target,
            labels: labels
                .iter()
                .map(|(d, l)| (d.to_string(), l.clone()))
                .collect(),
            method: None,
            tolerance: None,
        }
    }

    /// How labels not in the index find a position.
    pub fn method(mut self, method: Method) -> Self {
        self.method = Some(method);
        self
    }

    /// The largest distance between a label and the one found (in index units;
    /// microseconds for datetime indexes).
    pub fn tolerance(mut self, tolerance: f64) -> Self {
        self.tolerance = Some(tolerance);
        self
    }

    fn borrowed(&self) -> Vec<(&str, Label)> {
        self.labels
            .iter()
            .map(|(d, l)| (d.as_str(), l.clone()))
            .collect()
    }
}

impl Sel<'_, Dataset> {
    /// Runs the selection.
    ///
    /// # Errors
    /// As [`Dataset::sel`].
    pub fn run(self) -> Result<Dataset> {
        self.target
            .sel_impl(&self.borrowed(), self.method, self.tolerance)
    }
}

impl Sel<'_, DataArray> {
    /// Runs the selection.
    ///
    /// # Errors
    /// As [`DataArray::sel`].
    pub fn run(self) -> Result<DataArray> {
        let labels = self.borrowed();
        self.target.check_dims(labels.iter().map(|(d, _)| *d))?;
        self.target
            .via_dataset(|ds| ds.sel_impl(&labels, self.method, self.tolerance))
    }
}

impl Dataset {
    fn require_dims<'a>(&self, dims: impl IntoIterator<Item = &'a str>) -> Result<()> {
        let sizes = self.dims();
        for d in dims {
            if !sizes.contains_key(d) {
                return Err(dim_not_found(d, "Dataset", sizes.keys().cloned()));
            }
        }
        Ok(())
    }

    pub(crate) fn map_variables(
        &self,
        mut f: impl FnMut(&str, &Variable) -> Result<Option<(String, Variable)>>,
    ) -> Result<Dataset> {
        let mut vars = IndexMap::new();
        let mut coords = IndexSet::new();
        for (name, var) in self.variables() {
            if let Some((new_name, new_var)) = f(name, var)? {
                if self.is_coord(name) {
                    coords.insert(new_name.clone());
                }
                vars.insert(new_name, new_var);
            }
        }
        Dataset::from_parts(vars, coords, self.attrs().clone())
    }

    /// Selects by position along named dimensions (xarray's `isel`): a position drops
    /// the dimension and keeps its coordinate as a scalar coordinate; slices, lists and
    /// masks keep it and subset the coordinates and indexes.
    ///
    /// # Errors
    /// [`Error::DimNotFound`] naming the dim and listing the dataset's;
    /// [`Error::IndexOutOfBounds`] for a position out of range; [`Error::ShapeMismatch`]
    /// for a mask of the wrong length.
    pub fn isel(&self, indexers: &[(&str, Indexer)]) -> Result<Dataset> {
        self.require_dims(indexers.iter().map(|(d, _)| *d))?;
        if indexers.iter().any(|(_, ix)| ix.is_points()) {
            return self.isel_pointwise(indexers);
        }
        let mut out = self.clone();
        for (dim, ix) in indexers {
            let n = out.dim_size(dim)?;
            let r = ix.resolve(dim, n)?;
            out = out
                .map_variables(|name, v| Ok(Some((name.to_string(), v.isel_resolved(dim, &r)?))))?;
        }
        Ok(out)
    }

    /// Selects by label along indexed dimensions (xarray's `sel`): labels map to
    /// positions through each dimension's [`Index`](super::Index), then [`Dataset::isel`].
    ///
    /// # Errors
    /// [`Error::DimNotFound`] for an unknown dim; [`Error::InvalidSelection`] for a dim
    /// without an index or a label slice on a non-monotonic index;
    /// [`Error::KeyNotFound`] naming a missing label, its dim and the nearest label.
    pub fn sel(&self, labels: &[(&str, Label)]) -> Result<Dataset> {
        self.sel_impl(labels, None, None)
    }

    /// A label selection with a method and tolerance: `ds.sel_with(..).method(..).run()`.
    pub fn sel_with(&self, labels: &[(&str, Label)]) -> Sel<'_, Dataset> {
        Sel::new(self, labels)
    }

    pub(crate) fn sel_impl(
        &self,
        labels: &[(&str, Label)],
        method: Option<Method>,
        tolerance: Option<f64>,
    ) -> Result<Dataset> {
        self.require_dims(labels.iter().map(|(d, _)| *d))?;
        let mut indexers = Vec::with_capacity(labels.len());
        for (dim, label) in labels {
            let index = self.indexes().get(*dim).ok_or_else(|| Error::InvalidSelection {
                dim: dim.to_string(),
                reason: "the dimension has no index (no coordinate named after it); select by position with isel".into(),
            })?;
            indexers.push((*dim, index.sel(label, method, tolerance)?));
        }
        self.isel(&indexers)
    }

    /// Applies [`DataArray::where_`] to every data variable: values where `cond` is
    /// true, NA elsewhere. Coordinates are kept as they are (after aligning with `cond`).
    ///
    /// # Errors
    /// As [`DataArray::where_`], naming the variable's dims.
    pub fn where_(&self, cond: &DataArray) -> Result<Dataset> {
        self.where_impl(cond, None)
    }

    /// Like [`Dataset::where_`] with `other` where `cond` is false.
    ///
    /// # Errors
    /// As [`DataArray::where_or`].
    pub fn where_or(&self, cond: &DataArray, other: impl Into<Scalar>) -> Result<Dataset> {
        self.where_impl(cond, Some(&other.into()))
    }

    fn where_impl(&self, cond: &DataArray, other: Option<&Scalar>) -> Result<Dataset> {
        let join = if other.is_some() {
            Join::Exact
        } else {
            Join::Inner
        };
        let aligned = align(&[self.clone(), cond.to_dataset()], join)?;
        let (Some(ds), Some(c)) = (aligned.first(), aligned.get(1)) else {
            return Err(Error::internal("align returned fewer objects than given"));
        };
        let cond = DataArray::from_dataset(c, cond.name().unwrap_or(UNNAMED))?;
        let mut out = ds.clone();
        for (name, _) in ds.data_vars() {
            let masked = ds.get(name)?.where_impl(&cond, other)?;
            for (k, v) in masked.coords() {
                if !out.variables().contains_key(k) {
                    out.insert(k.clone(), v.clone(), true)?;
                }
            }
            out.insert(name.clone(), masked.variable().clone(), false)?;
        }
        Ok(out)
    }

    /// Drops variables (data variables or coordinates; an index goes with its
    /// coordinate).
    ///
    /// # Errors
    /// [`Error::VarNotFound`] naming the first missing variable.
    pub fn drop_vars(&self, names: &[&str]) -> Result<Dataset> {
        for n in names {
            self.variable(n)?;
        }
        self.map_variables(|name, v| {
            Ok((!names.contains(&name)).then(|| (name.to_string(), v.clone())))
        })
    }

    /// Renames variables and dimensions (`old → new`); renaming a dimension renames its
    /// index coordinate's dimension too, and renaming the coordinate renames its index.
    ///
    /// # Errors
    /// [`Error::VarNotFound`] when an old name is neither a variable nor a dimension;
    /// a [`Error::DimSizeConflict`] or [`Error::InvalidArgument`] when the new names
    /// collide.
    pub fn rename(&self, names: &[(&str, &str)]) -> Result<Dataset> {
        let dims = self.dims();
        for (old, _) in names {
            if !self.variables().contains_key(*old) && !dims.contains_key(*old) {
                return Err(Error::VarNotFound {
                    name: old.to_string(),
                    context: "the variables or dimensions of the Dataset".into(),
                    available: self
                        .variables()
                        .keys()
                        .chain(dims.keys())
                        .cloned()
                        .collect(),
                });
            }
        }
        let map: IndexMap<String, String> = names
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        let dim_map: IndexMap<String, String> = map
            .iter()
            .filter(|(a, _)| dims.contains_key(*a))
            .map(|(a, b)| (a.clone(), b.clone()))
            .collect();
        let mut seen = IndexSet::new();
        self.map_variables(|name, v| {
            let new = map.get(name).cloned().unwrap_or_else(|| name.to_string());
            if !seen.insert(new.clone()) {
                return Err(Error::invalid_argument(
                    "names",
                    format!("renaming would give two variables the name {new:?}"),
                ));
            }
            Ok(Some((new, v.rename_dims(&dim_map))))
        })
    }

    /// Adds or replaces coordinates.
    ///
    /// # Errors
    /// [`Error::DimSizeConflict`] when a coordinate's size disagrees with the dataset's.
    pub fn assign_coords(&self, coords: &[(&str, Variable)]) -> Result<Dataset> {
        let mut out = self.clone();
        for (name, var) in coords {
            out.insert(name.to_string(), var.clone(), true)?;
        }
        Ok(out)
    }

    /// Inserts a new dimension `dim` of length `size` as the first axis of every data
    /// variable (values repeat along it; coordinates are not expanded).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when `dim` already exists.
    pub fn expand_dims(&self, dim: &str, size: usize) -> Result<Dataset> {
        if self.dims().contains_key(dim) {
            return Err(Error::invalid_argument(
                "dim",
                format!("cannot expand_dims: dimension {dim:?} already exists"),
            ));
        }
        self.map_variables(|name, v| {
            if self.is_coord(name) {
                return Ok(Some((name.to_string(), v.clone())));
            }
            let mut shape = vec![size];
            shape.extend_from_slice(v.shape());
            let data = v.data().insert_axis(0)?.broadcast_to(&shape)?;
            let mut dims = vec![dim.to_string()];
            dims.extend_from_slice(v.dims());
            Ok(Some((name.to_string(), v.replace(dims, data))))
        })
    }

    /// Like [`Dataset::expand_dims`] with a coordinate: the new dimension's length is the
    /// number of `labels`, which become its index coordinate.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when `dim` already exists or `labels` is not 1-D.
    pub fn expand_dims_with_coord(&self, dim: &str, labels: impl Into<NdArray>) -> Result<Dataset> {
        let labels = labels.into();
        let coord = Variable::new(&[dim], labels)?;
        let expanded = self.expand_dims(dim, coord.shape()[0])?;
        let mut vars = IndexMap::new();
        vars.insert(dim.to_string(), coord);
        vars.extend(
            expanded
                .variables()
                .iter()
                .map(|(k, v)| (k.clone(), v.clone())),
        );
        let mut coords = expanded.coord_names().clone();
        coords.insert(dim.to_string());
        Dataset::from_parts(vars, coords, expanded.attrs().clone())
    }

    /// Drops every dimension of length 1, keeping its coordinate as a scalar coordinate.
    ///
    /// # Errors
    /// Never in practice; fallible like the selections it is built on.
    pub fn squeeze(&self) -> Result<Dataset> {
        let ones: Vec<String> = self
            .dims()
            .into_iter()
            .filter(|(_, n)| *n == 1)
            .map(|(d, _)| d)
            .collect();
        let indexers: Vec<(&str, Indexer)> =
            ones.iter().map(|d| (d.as_str(), Indexer::Pos(0))).collect();
        self.isel(&indexers)
    }

    /// Drops the named dimensions, which must have length 1.
    ///
    /// # Errors
    /// [`Error::DimNotFound`] for an unknown dim; [`Error::InvalidArgument`] naming a
    /// dim whose length is not 1.
    pub fn squeeze_dims(&self, dims: &[&str]) -> Result<Dataset> {
        self.require_dims(dims.iter().copied())?;
        let sizes = self.dims();
        for d in dims {
            if sizes.get(*d) != Some(&1) {
                return Err(Error::invalid_argument(
                    "dims",
                    format!(
                        "cannot squeeze dimension {d:?}: its length is {}, not 1",
                        sizes.get(*d).copied().unwrap_or(0)
                    ),
                ));
            }
        }
        let indexers: Vec<(&str, Indexer)> = dims.iter().map(|d| (*d, Indexer::Pos(0))).collect();
        self.isel(&indexers)
    }

    /// Reorders every variable's dims to follow `order`, which must name every
    /// dimension once; an empty `order` reverses each variable's dims.
    ///
    /// # Errors
    /// [`Error::DimNotFound`] for an unknown dim; [`Error::InvalidArgument`] when `order`
    /// leaves a dimension out or repeats one.
    pub fn transpose(&self, order: &[&str]) -> Result<Dataset> {
        if order.is_empty() {
            return self.map_variables(|name, v| {
                let rev: Vec<&str> = v.dims().iter().rev().map(String::as_str).collect();
                Ok(Some((name.to_string(), v.transpose(&rev)?)))
            });
        }
        self.require_dims(order.iter().copied())?;
        let dims = self.dims();
        let distinct: IndexSet<&str> = order.iter().copied().collect();
        if distinct.len() != order.len() || order.len() != dims.len() {
            return Err(Error::invalid_argument(
                "order",
                format!(
                    "transpose order {order:?} must name every dimension of the Dataset once: {:?}",
                    dims.keys().collect::<Vec<_>>()
                ),
            ));
        }
        self.map_variables(|name, v| {
            let own: Vec<&str> = order
                .iter()
                .copied()
                .filter(|d| v.axis_of(d).is_some())
                .collect();
            Ok(Some((name.to_string(), v.transpose(&own)?)))
        })
    }
}

impl DataArray {
    fn context(&self) -> String {
        format!("DataArray {}", self.display_name())
    }

    fn check_dims<'a>(&self, dims: impl IntoIterator<Item = &'a str>) -> Result<()> {
        for d in dims {
            if self.variable().axis_of(d).is_none() {
                return Err(dim_not_found(
                    d,
                    &self.context(),
                    self.dims().iter().cloned(),
                ));
            }
        }
        Ok(())
    }

    /// Runs a dataset operation on this array's dataset view and takes the array back.
    fn via_dataset(&self, f: impl FnOnce(&Dataset) -> Result<Dataset>) -> Result<DataArray> {
        let name = self.name().unwrap_or(UNNAMED).to_string();
        let out = f(&self.to_dataset())?;
        DataArray::from_dataset(&out, &name)
    }

    /// Selects by position along named dimensions; see [`Dataset::isel`].
    ///
    /// # Errors
    /// [`Error::DimNotFound`] naming the dim and listing the array's;
    /// [`Error::IndexOutOfBounds`]; [`Error::ShapeMismatch`] for a mask of the wrong
    /// length.
    pub fn isel(&self, indexers: &[(&str, Indexer)]) -> Result<DataArray> {
        self.check_dims(indexers.iter().map(|(d, _)| *d))?;
        self.via_dataset(|ds| ds.isel(indexers))
    }

    /// Selects by label along indexed dimensions; see [`Dataset::sel`].
    ///
    /// ```
    /// use xr::DataArray;
    /// # fn main() -> xr::Result<()> {
    /// let da = DataArray::new(vec![1.0, 2.0, 3.0], &["x"])?.with_coord("x", &["x"], vec![10, 20, 30])?;
    /// assert_eq!(da.sel(&[("x", 20.into())])?.values().get(&[])?, 2.0.into());
    /// assert_eq!(da.sel(&[("x", (20..=30).into())])?.shape(), [2]);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// As [`Dataset::sel`]; [`Error::DimNotFound`] names the array.
    pub fn sel(&self, labels: &[(&str, Label)]) -> Result<DataArray> {
        self.check_dims(labels.iter().map(|(d, _)| *d))?;
        self.via_dataset(|ds| ds.sel(labels))
    }

    /// A label selection with a method and tolerance: `da.sel_with(..).method(..).run()`.
    pub fn sel_with(&self, labels: &[(&str, Label)]) -> Sel<'_, DataArray> {
        Sel::new(self, labels)
    }

    /// Keeps the values where `cond` is true and puts NaN elsewhere (xarray's
    /// `where(cond)`): integers and bools become `f64`, strings get `""` and datetimes
    /// NaT (`i64::MIN` ticks). `cond` is aligned (inner join) and broadcast by dim name.
    ///
    /// # Errors
    /// [`Error::UnsupportedDType`] when `cond` is not boolean; alignment and broadcast
    /// errors naming the dim.
    pub fn where_(&self, cond: &DataArray) -> Result<DataArray> {
        self.where_impl(cond, None)
    }

    /// Like [`DataArray::where_`] with `other` where `cond` is false; a float `other`
    /// turns integer data into `f64`, any other `other` is cast to the data's dtype.
    ///
    /// # Errors
    /// As [`DataArray::where_`], and when `other` cannot be cast to the data's dtype.
    pub fn where_or(&self, cond: &DataArray, other: impl Into<Scalar>) -> Result<DataArray> {
        self.where_impl(cond, Some(&other.into()))
    }

    fn where_impl(&self, cond: &DataArray, other: Option<&Scalar>) -> Result<DataArray> {
        if cond.dtype() != DType::Bool {
            return Err(Error::UnsupportedDType {
                op: "where (the condition must be boolean)".into(),
                dtype: cond.dtype(),
            });
        }
        let join = if other.is_some() {
            Join::Exact
        } else {
            Join::Inner
        };
        let aligned = align(&[self.to_dataset(), cond.to_dataset()], join)?;
        let name = self.name().unwrap_or(UNNAMED);
        let cname = cond.name().unwrap_or(UNNAMED);
        let (Some(a), Some(c)) = (aligned.first(), aligned.get(1)) else {
            return Err(Error::internal("align returned fewer objects than given"));
        };
        let me = DataArray::from_dataset(a, name)?;
        let cond = DataArray::from_dataset(c, cname)?;
        let (dims, sizes) = broadcast_dims(&[me.variable(), cond.variable()])?;
        let var = me.variable().set_dims(&dims, &sizes)?;
        let mask = cond.variable().set_dims(&dims, &sizes)?;
        let (fill, dtype) = fill_for(var.dtype(), other)?;
        let data = var.data().astype(dtype)?;
        let fill = NdArray::from_scalar(&fill).astype(dtype)?;
        // Lazy data takes the fill broadcast chunk by chunk: a fill as large as the array
        // would be held whole for as long as the computation runs.
        let fill = if data.is_lazy() || mask.data().is_lazy() {
            fill.broadcast_to(&vec![1; sizes.len()])?
        } else {
            fill.broadcast_to(&sizes)?
        };
        let data = Data::select(mask.data(), &data, &Data::Eager(fill))?;
        let mut coords = me.coords().clone();
        for (k, v) in cond.coords() {
            coords.entry(k.clone()).or_insert_with(|| v.clone());
        }
        DataArray::from_parts(
            me.name().map(str::to_string),
            var.replace(dims, data),
            coords,
        )
    }

    /// Drops coordinates; see [`Dataset::drop_vars`].
    ///
    /// # Errors
    /// [`Error::VarNotFound`] naming the first missing coordinate.
    pub fn drop_vars(&self, names: &[&str]) -> Result<DataArray> {
        for n in names {
            if !self.coords().contains_key(*n) {
                return Err(Error::VarNotFound {
                    name: n.to_string(),
                    context: format!("the coordinates of {}", self.context()),
                    available: self.coords().keys().cloned().collect(),
                });
            }
        }
        self.via_dataset(|ds| ds.drop_vars(names))
    }

    /// Renames coordinates and dimensions; see [`Dataset::rename`]. (To rename the array
    /// itself, use [`DataArray::with_name`].)
    ///
    /// # Errors
    /// [`Error::VarNotFound`] when an old name is neither a coordinate nor a dimension.
    pub fn rename(&self, names: &[(&str, &str)]) -> Result<DataArray> {
        for (old, _) in names {
            if !self.coords().contains_key(*old) && self.variable().axis_of(old).is_none() {
                return Err(Error::VarNotFound {
                    name: old.to_string(),
                    context: format!("the coordinates or dimensions of {}", self.context()),
                    available: self.coords().keys().chain(self.dims()).cloned().collect(),
                });
            }
        }
        self.via_dataset(|ds| ds.rename(names))
    }

    /// Adds or replaces coordinates.
    ///
    /// # Errors
    /// When a coordinate's dims or sizes do not fit the array.
    pub fn assign_coords(&self, coords: &[(&str, Variable)]) -> Result<DataArray> {
        let mut out = self.clone();
        for (name, var) in coords {
            out = out.with_coord_var(name, var.clone())?;
        }
        Ok(out)
    }

    /// Inserts a new first dimension `dim` of length `size`; see [`Dataset::expand_dims`].
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when `dim` already exists.
    pub fn expand_dims(&self, dim: &str, size: usize) -> Result<DataArray> {
        self.via_dataset(|ds| ds.expand_dims(dim, size))
    }

    /// Inserts a new first dimension with a coordinate; see
    /// [`Dataset::expand_dims_with_coord`].
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when `dim` already exists or `labels` is not 1-D.
    pub fn expand_dims_with_coord(
        &self,
        dim: &str,
        labels: impl Into<NdArray>,
    ) -> Result<DataArray> {
        self.via_dataset(|ds| ds.expand_dims_with_coord(dim, labels))
    }

    /// Drops every dimension of length 1, keeping its coordinate as a scalar.
    ///
    /// # Errors
    /// Never in practice; fallible like the selections it is built on.
    pub fn squeeze(&self) -> Result<DataArray> {
        self.via_dataset(Dataset::squeeze)
    }

    /// Drops the named dimensions, which must have length 1.
    ///
    /// # Errors
    /// [`Error::DimNotFound`] for an unknown dim; [`Error::InvalidArgument`] naming a
    /// dim whose length is not 1.
    pub fn squeeze_dims(&self, dims: &[&str]) -> Result<DataArray> {
        self.check_dims(dims.iter().copied())?;
        self.via_dataset(|ds| ds.squeeze_dims(dims))
    }

    /// Reorders the dims to `order` (every dim once); an empty `order` reverses them.
    /// Coordinates follow the same order.
    ///
    /// # Errors
    /// [`Error::DimNotFound`] for an unknown dim; [`Error::InvalidArgument`] when `order`
    /// leaves a dim out or repeats one.
    pub fn transpose(&self, order: &[&str]) -> Result<DataArray> {
        let order: Vec<&str> = if order.is_empty() {
            self.dims().iter().rev().map(String::as_str).collect()
        } else {
            self.check_dims(order.iter().copied())?;
            order.to_vec()
        };
        self.via_dataset(|ds| ds.transpose(&order))
    }
}

/// The fill value and result dtype for missing values in data of `dtype`: `other`, or
/// NA (NaN for numbers, promoting integers and bools to `f64`; `""`; NaT).
pub(crate) fn fill_for(dtype: DType, other: Option<&Scalar>) -> Result<(Scalar, DType)> {
    Ok(match (other, dtype) {
        (None, DType::F32 | DType::F64) => (Scalar::F64(f64::NAN), dtype),
        (None, DType::Str) => (Scalar::Str(String::new()), dtype),
        (None, DType::DateTime(cal)) => (Scalar::DateTime(NAT, cal), dtype),
        (None, DType::TimeDelta) => (Scalar::TimeDelta(NAT), dtype),
        (None, _) => (Scalar::F64(f64::NAN), DType::F64),
        (Some(s @ Scalar::F64(_)), t) if t.is_integer() || t == DType::Bool => {
            (s.clone(), DType::F64)
        }
        (Some(s), t) => (s.clone(), t),
    })
}
