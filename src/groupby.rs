//! Groupby, groupby_bins and resample, in flox's three separate choices:
//!
//! - a **grouper** ([`Grouper`], in `grouper`) turns labels into integer codes: unique
//!   values of a coordinate, a virtual datetime component (`"time.season"`,
//!   `"time.month"`, ... on every CF calendar), bins, or resample periods;
//! - an **aggregation** ([`GroupAgg`]) is a record of the aggregation table
//!   ([`crate::array::aggregation`], shared with plain reductions): chunk → combine →
//!   finalize, per chunk along the grouped dim per-group partials (sum and count,
//!   count/mean/M2, min or max with counts, first/last with positions) of shape
//!   `[ngroups, ...]` computed with the chunk's codes; integer sums, products,
//!   extremes and first/last values stay exact integers;
//! - the **method** ([`Method`], [`GroupReducer::method`]) decides how chunks meet.
//!   Map-reduce (the default when the aggregation decomposes): lazy data gets a
//!   materialised `group_reduce` node, lowered to one partial task per input chunk, a
//!   combine tree of fan-in 8 and a finalize per output block; memory stays bounded
//!   whatever the number of years. Blockwise (the default, and the only method, for
//!   median and quantile): for lazy data each output block gets one task per group,
//!   which pulls that group's members (one `take` of its positions per input chunk
//!   along the grouped dim, concatenated, all fused into the task: the task reads one
//!   chunk at a time and keeps only the members) and aggregates them; then one task
//!   stacks the groups. So every group's members, over one chunk of the other dims,
//!   must fit in one task's memory (a season of 100 daily years over a 100 × 100 block
//!   is 9,000 × 10,000 f64: 720 MB; chunk the other dims smaller if needed). Eager data
//!   runs the same kernels directly, by the same method.
//!
//! Resample: calendar frequencies (`MS`, `QS-DEC`, `YS`, `ME`, ...) bin by their
//! anchored months; fixed ones (`D`, `6h`, `3D`) count from midnight of the first day
//! (xarray's default `origin="start_day"`). Every period from the first to the last is
//! a group; as in xarray, groups without members (empty periods, empty bins) give NaN
//! whatever the aggregation (`sum` and `count` too), so their results are floats.
//!
//! Seasons come out in calendar order DJF, MAM, JJA, SON (xarray sorts them
//! alphabetically); labels and values are otherwise xarray's.
//!
//! ```
//! use xr::{DataArray, NdArray};
//! use xr::time::{date_range, Calendar, CfDatetime};
//!
//! # fn main() -> xr::Result<()> {
//! let cal = Calendar::NoLeap;
//! let t = date_range(CfDatetime::new(2000, 1, 1, cal)?, None, Some(24), "MS".parse()?, cal)?;
//! let time = NdArray::datetime(ndarray::Array1::from(t).into_dyn().into_shared(), cal);
//! let da = DataArray::new((0..24).map(f64::from).collect::<Vec<_>>(), &["time"])?
//!     .with_coord("time", &["time"], time)?;
//! let clim = da.groupby("time.season")?.mean()?;
//! assert_eq!(clim.dims(), ["season"]);
//! assert_eq!(clim.coord("season")?.values().get(&[0])?.to_string(), "DJF");
//! let anomalies = da.groupby("time.season")?.sub(&clim)?;
//! assert_eq!(anomalies.dims(), ["time"]);
//! let monthly_max = da.resample("time", "QS-DEC")?.max()?;
//! assert_eq!(monthly_max.shape(), [9]);
//! # Ok(())
//! # }
//! ```

mod arithmetic;
mod grouper;
mod upsample;

use std::marker::PhantomData;
use std::sync::Arc;

use indexmap::{IndexMap, IndexSet};

pub use self::grouper::{Bins, Grouper, Groups};
use crate::array::aggregation::GroupPlan;
pub use crate::array::aggregation::{GroupAgg, Method};
use crate::array::{NdArray, Scalar};
use crate::dataset::{concat, concat_with_labels, DataArray, Dataset, Indexer, Variable};
use crate::error::{Error, Result};
use crate::lazy::Data;
use crate::time::components::days_in_month;
use crate::time::Frequency;

/// The objects that can be grouped: [`Dataset`] and [`DataArray`]. A DataArray is
/// grouped as a one-variable Dataset.
pub trait Grouped: Sized + Clone {
    /// The object as a Dataset, and the name of its variable for a DataArray.
    #[doc(hidden)]
    fn to_group_dataset(&self) -> (Dataset, Option<String>);

    /// The object back from a grouped Dataset.
    ///
    /// # Errors
    /// When the variable `key` is missing.
    #[doc(hidden)]
    fn from_group_dataset(ds: Dataset, key: Option<&str>, name: Option<&str>) -> Result<Self>;

    /// The name of a DataArray.
    #[doc(hidden)]
    fn group_name(&self) -> Option<String>;
}

impl Grouped for Dataset {
    fn to_group_dataset(&self) -> (Dataset, Option<String>) {
        (self.clone(), None)
    }

    fn from_group_dataset(ds: Dataset, _key: Option<&str>, _name: Option<&str>) -> Result<Self> {
        Ok(ds)
    }

    fn group_name(&self) -> Option<String> {
        None
    }
}

/// The variable name of a grouped DataArray inside its Dataset.
const DA_KEY: &str = "__xr_grouped__";

impl Grouped for DataArray {
    fn to_group_dataset(&self) -> (Dataset, Option<String>) {
        (self.to_dataset_named(DA_KEY), Some(DA_KEY.to_string()))
    }

    fn from_group_dataset(ds: Dataset, key: Option<&str>, name: Option<&str>) -> Result<Self> {
        let key = key.unwrap_or(DA_KEY);
        let da = DataArray::from_dataset(&ds, key)?;
        let var = da.variable().clone();
        let coords = da.coords().clone();
        DataArray::from_parts(name.map(str::to_string), var, coords)
    }

    fn group_name(&self) -> Option<String> {
        self.name().map(str::to_string)
    }
}

/// Groups of a [`Dataset`] or [`DataArray`], ready to aggregate, to combine with
/// per-group values, or to iterate over.
#[derive(Debug, Clone)]
pub struct GroupBy<T> {
    obj: Dataset,
    key: Option<String>,
    name: Option<String>,
    groups: Groups,
    /// The resampled dim, for groups made by `resample` (which can also upsample).
    resampled: Option<String>,
    kind: PhantomData<fn() -> T>,
}

impl<T: Grouped> GroupBy<T> {
    /// Groups `obj` with `grouper`.
    ///
    /// # Errors
    /// As [`Grouper::factorize`].
    pub fn new(obj: &T, grouper: &Grouper) -> Result<Self> {
        let (ds, key) = obj.to_group_dataset();
        Ok(Self::with_dataset(ds, key, grouper)?.named(obj.group_name()))
    }

    fn with_dataset(obj: Dataset, key: Option<String>, grouper: &Grouper) -> Result<Self> {
        let groups = grouper.factorize(&obj)?;
        if groups.ngroups() == 0 {
            return Err(Error::Grouping {
                group: groups.name.clone(),
                reason: format!("no valid label along {:?}, so no group", groups.dim),
            });
        }
        Ok(GroupBy {
            obj,
            key,
            name: None,
            groups,
            resampled: None,
            kind: PhantomData,
        })
    }

    fn named(mut self, name: Option<String>) -> Self {
        self.name = name;
        self
    }

    fn finish(&self, ds: Dataset) -> Result<T> {
        T::from_group_dataset(ds, self.key.as_deref(), self.name.as_deref())
    }

    /// The codes, labels and dims of the groups.
    pub fn groups_info(&self) -> &Groups {
        &self.groups
    }

    /// The grouped dim.
    pub fn dim(&self) -> &str {
        &self.groups.dim
    }

    /// The labels of the groups (the coordinate of aggregated results).
    pub fn labels(&self) -> &NdArray {
        &self.groups.labels
    }

    /// Each group's label and the positions of its members along the grouped dim
    /// (xarray's `groups`), in label order.
    ///
    /// # Errors
    /// Never in practice (a label out of range is a bug).
    pub fn groups(&self) -> Result<Vec<(Scalar, Vec<usize>)>> {
        self.groups
            .positions()
            .into_iter()
            .enumerate()
            .map(|(g, p)| Ok((self.groups.labels.get_flat(g)?, p)))
            .collect()
    }

    /// Each group's label and members (the object selected at its positions), in label
    /// order; groups without members are left out, as xarray's iteration does.
    ///
    /// # Errors
    /// Errors of the selection.
    pub fn iter(&self) -> Result<Vec<(Scalar, T)>> {
        let mut out = Vec::new();
        for (label, pos) in self.groups()? {
            if pos.is_empty() {
                continue;
            }
            let list = pos.iter().map(|&p| p as isize).collect();
            let ds = self
                .obj
                .isel(&[(self.groups.dim.as_str(), Indexer::List(list))])?;
            out.push((label, self.finish(ds)?));
        }
        Ok(out)
    }

    /// Applies `f` to every non-empty group and combines the results like xarray's
    /// `map`: results that keep the grouped dim are concatenated along it and put back in
    /// the original order; results without it are stacked along the group dim, labelled.
    ///
    /// # Errors
    /// The first error of `f`; concat errors when results do not fit together.
    pub fn map(&self, mut f: impl FnMut(&T) -> Result<T>) -> Result<T> {
        let dim = self.groups.dim.clone();
        let mut results = Vec::new();
        let mut labels = Vec::new();
        let mut order = Vec::new();
        for (g, pos) in self.groups.positions().into_iter().enumerate() {
            if pos.is_empty() {
                continue;
            }
            let list = pos.iter().map(|&p| p as isize).collect();
            let ds = self.obj.isel(&[(dim.as_str(), Indexer::List(list))])?;
            let r = f(&self.finish(ds)?)?;
            results.push(r.to_group_dataset().0);
            labels.push(g);
            order.extend(pos);
        }
        let keeps_dim = results.iter().all(|r| r.dims().contains_key(&dim));
        if keeps_dim {
            let joined = concat(&results, &dim)?;
            // Put members back where they were along the grouped dim.
            if joined.dim_size(&dim)? == order.len() {
                let mut inverse = vec![0isize; order.len()];
                for (i, &p) in order.iter().enumerate() {
                    if let Some(slot) = inverse.get_mut(p) {
                        *slot = i as isize;
                    }
                }
                if order.len() == self.groups.codes.len() {
                    let restored = joined.isel(&[(dim.as_str(), Indexer::List(inverse))])?;
                    return self.finish(restored);
                }
            }
            return self.finish(joined);
        }
        let label_values = self.groups.labels.take(0, &labels)?;
        let joined = concat_with_labels(&results, &self.groups.name, label_values)?;
        self.finish(joined)
    }

    /// Starts an aggregation with options: `gb.aggregate(GroupAgg::Std).ddof(1).run()`.
    pub fn aggregate(&self, agg: GroupAgg) -> GroupReducer<'_, T> {
        GroupReducer {
            groupby: self,
            agg,
            dims: Vec::new(),
            skipna: None,
            ddof: 0,
            weights: None,
            method: None,
        }
    }

    /// The mean of each group weighted by the length of each member's month, on the
    /// time coordinate's calendar (xarray's seasonal-climatology example:
    /// `(ds * month_length / month_length.groupby(...).sum()).groupby(...).sum()`,
    /// here NaN-aware: `sum(w x) / sum(w)` over non-NaN members).
    ///
    /// # Errors
    /// [`Error::Grouping`] when the grouped dim has no datetime coordinate;
    /// as [`GroupReducer::run`].
    pub fn mean_weighted_by_month_length(&self) -> Result<T> {
        let dim = &self.groups.dim;
        let coord = self.obj.variable(dim)?.values()?;
        let NdArray::DateTime(ticks, cal) = &coord else {
            return Err(Error::Grouping {
                group: dim.clone(),
                reason: format!(
                    "month-length weights need datetimes, found dtype {}",
                    coord.dtype()
                ),
            });
        };
        let t: Vec<i64> = ticks.iter().copied().collect();
        let w: Vec<f64> = days_in_month(&t, *cal).into_iter().map(f64::from).collect();
        self.aggregate(GroupAgg::WeightedMean).weights(w).run()
    }

    /// Each group's quantile `q` (numpy's linear interpolation) over the grouped dim;
    /// the result has a scalar `quantile` coordinate.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when `q` is not in `[0, 1]`; as [`GroupReducer::run`].
    pub fn quantile(&self, q: f64) -> Result<T> {
        if !(0.0..=1.0).contains(&q) {
            return Err(Error::invalid_argument(
                "q",
                format!(
                    "quantile {q} of groups along {:?} is not in [0, 1]",
                    self.groups.dim
                ),
            ));
        }
        self.aggregate(GroupAgg::Quantile(q)).run()
    }

    fn reduce_dataset(&self, r: &GroupReducer<'_, T>) -> Result<Dataset> {
        let g = &self.groups;
        if let Some(d) = r.dims.iter().find(|d| **d != g.dim) {
            return Err(Error::invalid_argument(
                "dims",
                format!(
                    "groupby {} reduces over the grouped dim {:?} only, got {d:?}",
                    r.agg, g.dim
                ),
            ));
        }
        let method = r
            .method
            .unwrap_or_else(|| r.agg.aggregation().default_method());
        if method == Method::MapReduce && !r.agg.decomposes() {
            return Err(Error::invalid_argument(
                "method",
                format!(
                    "groupby {} along {:?} does not split into per-chunk partials: it needs \
                 the blockwise method",
                    r.agg, g.dim
                ),
            ));
        }
        let empty: Arc<[bool]> = g.positions().iter().map(Vec::is_empty).collect();
        let has_empty = empty.iter().any(|&e| e);
        let codes: Arc<[i64]> = g.codes.clone().into();
        let weights: Option<Arc<[f64]>> = r.weights.clone().map(Into::into);
        if let Some(w) = &weights {
            if w.len() != codes.len() {
                return Err(Error::ShapeMismatch {
                    what: format!("weights along {:?}", g.dim),
                    expected: vec![codes.len()],
                    actual: vec![w.len()],
                });
            }
        }
        let mut vars = IndexMap::new();
        let mut coord_names = IndexSet::new();
        vars.insert(g.name.clone(), Variable::new(&[&g.name], g.labels.clone())?);
        coord_names.insert(g.name.clone());
        let ngroups = g.ngroups();
        for (name, var) in self.obj.variables() {
            if *name == g.name {
                continue;
            }
            let axis = var.axis_of(&g.dim);
            if self.obj.is_coord(name) {
                if axis.is_none() {
                    vars.insert(name.clone(), var.clone());
                    coord_names.insert(name.clone());
                }
                continue;
            }
            let Some(axis) = axis else {
                // xarray broadcasts variables without the grouped dim along the groups.
                let mut dims = vec![g.name.clone()];
                dims.extend(var.dims().iter().cloned());
                let mut sizes = vec![ngroups];
                sizes.extend(var.shape());
                vars.insert(name.clone(), var.set_dims(&dims, &sizes)?);
                continue;
            };
            let Ok(out_dtype) = r.agg.out_dtype(var.dtype(), has_empty) else {
                if self.key.is_some() {
                    return Err(Error::UnsupportedDType {
                        op: format!("groupby {} of DataArray", r.agg),
                        dtype: var.dtype(),
                    });
                }
                // Like xarray's numeric_only: a Dataset drops what cannot be aggregated.
                continue;
            };
            let plan = GroupPlan {
                agg: r.agg,
                method,
                skipna: r.skipna.unwrap_or(true),
                ddof: r.ddof,
                ngroups,
                codes: Arc::clone(&codes),
                weights: weights.clone(),
                empty: Arc::clone(&empty),
                out_dtype,
            };
            let data: Data = match var.data() {
                Data::Eager(a) => plan.eager(a, axis)?.into(),
                Data::Lazy(l) => l.group_reduce(axis, plan)?.into(),
            };
            let mut dims = var.dims().to_vec();
            dims[axis] = g.name.clone();
            vars.insert(name.clone(), var.computed(dims, data));
        }
        if let GroupAgg::Quantile(q) = r.agg {
            vars.insert("quantile".into(), Variable::scalar(&Scalar::F64(q)));
            coord_names.insert("quantile".into());
        }
        Dataset::from_parts(vars, coord_names, self.obj.attrs().clone())
    }
}

/// A grouped aggregation being set up: `gb.aggregate(GroupAgg::Var).skipna(false).run()`.
#[derive(Debug, Clone)]
#[must_use = "a GroupReducer does nothing until `run` is called"]
pub struct GroupReducer<'a, T> {
    groupby: &'a GroupBy<T>,
    agg: GroupAgg,
    dims: Vec<String>,
    skipna: Option<bool>,
    ddof: usize,
    weights: Option<Vec<f64>>,
    method: Option<Method>,
}

impl<T: Grouped> GroupReducer<'_, T> {
    /// The dims to reduce, spelled out: only the grouped dim is allowed (what every
    /// grouped aggregation reduces anyway); anything else is an error naming it.
    pub fn dims<S: AsRef<str>>(mut self, dims: &[S]) -> Self {
        self.dims = dims.iter().map(|d| d.as_ref().to_string()).collect();
        self
    }

    /// Skips NaN or not (default: skip).
    pub fn skipna(mut self, skipna: bool) -> Self {
        self.skipna = Some(skipna);
        self
    }

    /// Delta degrees of freedom of `std` and `var`.
    pub fn ddof(mut self, ddof: usize) -> Self {
        self.ddof = ddof;
        self
    }

    /// One weight per position along the grouped dim ([`GroupAgg::WeightedMean`]).
    pub fn weights(mut self, weights: Vec<f64>) -> Self {
        self.weights = Some(weights);
        self
    }

    /// How chunks meet (flox's `method`): [`Method::MapReduce`] (per-chunk partials
    /// combined in a tree; the default for aggregations that decompose) or
    /// [`Method::Blockwise`] (each group's members pulled into one task; the default,
    /// and the only choice, for median and quantile).
    pub fn method(mut self, method: Method) -> Self {
        self.method = Some(method);
        self
    }

    /// Runs the aggregation: the grouped dim is replaced by the group dim, labelled.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for dims other than the grouped dim, a weighted mean
    /// without weights, or map-reduce of median or quantile; [`Error::ShapeMismatch`]
    /// for weights of the wrong length; [`Error::UnsupportedDType`] for a DataArray of
    /// strings or datetimes (a Dataset drops such variables).
    pub fn run(self) -> Result<T> {
        if self.agg == GroupAgg::WeightedMean && self.weights.is_none() {
            return Err(Error::invalid_argument(
                "weights",
                format!(
                    "a weighted mean of groups along {:?} needs weights",
                    self.groupby.groups.dim
                ),
            ));
        }
        let ds = self.groupby.reduce_dataset(&self)?;
        self.groupby.finish(ds)
    }
}

macro_rules! short_aggregations {
    ($($name:ident => $agg:ident, $doc:literal;)*) => {
        impl<T: Grouped> GroupBy<T> {
            $(
                #[doc = concat!($doc, " of each group over the grouped dim, skipping NaN ")]
                #[doc = "(xarray's default); options through [`GroupBy::aggregate`]."]
                ///
                /// # Errors
                /// As [`GroupReducer::run`].
                pub fn $name(&self) -> Result<T> {
                    self.aggregate(GroupAgg::$agg).run()
                }
            )*
        }
    };
}

short_aggregations! {
    sum => Sum, "Sum";
    prod => Prod, "Product";
    count => Count, "Number of non-NaN values";
    mean => Mean, "Mean";
    std => Std, "Standard deviation (ddof 0)";
    var => Var, "Variance (ddof 0)";
    min => Min, "Minimum";
    max => Max, "Maximum";
    first => First, "First non-NaN value by position";
    last => Last, "Last non-NaN value by position";
    median => Median, "Median (each group's members are pulled into one task)";
}

fn parse_resample(ds: &Dataset, dim: &str, freq: &str) -> Result<Grouper> {
    ds.variable(dim)?;
    let freq: Frequency = freq.parse()?;
    Ok(Grouper::Resample {
        coord: dim.to_string(),
        freq,
    })
}

macro_rules! entry_points {
    ($ty:ty) => {
        impl $ty {
            /// Groups by a 1-D coordinate's unique values (`"x"`) or by a datetime
            /// component (`"time.season"`, `"time.month"`, `"time.dayofyear"`, ...).
            ///
            /// # Errors
            /// [`Error::VarNotFound`] naming the key; a time error for an unknown
            /// component; [`Error::Grouping`] for a coordinate that is not 1-D, not
            /// datetime for a component, or with no valid label.
            pub fn groupby(&self, key: &str) -> Result<GroupBy<$ty>> {
                let (ds, k) = self.to_group_dataset();
                let grouper = Grouper::from_key(&ds, key)?;
                GroupBy::with_dataset(ds, k, &grouper).map(|g| g.named(self.group_name()))
            }

            /// Groups by bins of a numeric 1-D coordinate; the group dim is
            /// `"<coord>_bins"`, labelled by interval strings like `"(0.0, 1.5]"` unless
            /// [`Bins::labels`] gives labels.
            ///
            /// # Errors
            /// [`Error::VarNotFound`] for a missing coordinate; [`Error::InvalidArgument`]
            /// for edges that do not increase or labels of the wrong length;
            /// [`Error::Grouping`] for a non-numeric coordinate.
            pub fn groupby_bins(&self, coord: &str, bins: Bins) -> Result<GroupBy<$ty>> {
                let (ds, k) = self.to_group_dataset();
                let grouper = Grouper::Bins {
                    coord: coord.to_string(),
                    bins,
                };
                GroupBy::with_dataset(ds, k, &grouper).map(|g| g.named(self.group_name()))
            }

            /// Resamples the datetime dim `dim` to the frequency `freq`:
            /// `resample("time", "MS")` (xarray's `resample(time="MS")`). Every period
            /// from the first to the last is a group (empty ones give NaN for `mean`),
            /// labelled like xarray (`QS-DEC` labels DJF 2000 as 1999-12-01). To a finer
            /// frequency, upsample with `asfreq`, `ffill`, `bfill`, `nearest` or
            /// `interpolate("linear")`.
            ///
            /// # Errors
            /// [`Error::Grouping`] when the coordinate is not datetime, has no valid time
            /// or makes too many periods; [`Error::VarNotFound`] for a missing
            /// coordinate; a time error naming an invalid frequency.
            pub fn resample(&self, dim: &str, freq: &str) -> Result<GroupBy<$ty>> {
                let (ds, k) = self.to_group_dataset();
                let grouper = parse_resample(&ds, dim, freq)?;
                let mut g = GroupBy::with_dataset(ds, k, &grouper)?.named(self.group_name());
                g.resampled = Some(dim.to_string());
                Ok(g)
            }
        }
    };
}

entry_points!(Dataset);
entry_points!(DataArray);
