//! Reductions over named dimensions on [`Variable`], [`DataArray`] and [`Dataset`]:
//! a builder ([`Reducer`]) for the options and short methods (`sum`, `mean`, ...).
//!
//! As in xarray (whose `keep_attrs` defaults to true), the attrs of the reduced
//! variables and of a reduced Dataset are kept; `.keep_attrs(false)` drops them.
//!
//! ```
//! use xr::{dataset::Reduction, DataArray};
//! # fn main() -> xr::Result<()> {
//! let t = DataArray::new(ndarray::array![[1.0, 2.0], [3.0, f64::NAN]].into_dyn(), &["time", "x"])?;
//! let m = t.mean(&["time"])?;
//! assert_eq!(m.dims(), ["x"]);
//! let s = t.reduce_with(Reduction::Std).dims(&["time"]).ddof(1).skipna(false).run()?;
//! assert!(s.values().get(&[1])?.is_nan());
//! # Ok(())
//! # }
//! ```

use indexmap::{IndexMap, IndexSet};

use super::{Attrs, DataArray, Dataset, Variable};
use crate::array::kernels::ReduceParams;
pub use crate::array::kernels::Reduction;
use crate::array::DType;
use crate::error::{Error, Result};

/// The options of one reduction; build it with [`Reducer`] or [`ReduceOptions::new`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReduceOptions {
    /// The reduction.
    pub op: Reduction,
    /// The dims to reduce over; `None` means all.
    pub dims: Option<Vec<String>>,
    /// Skip NaN; `None` means yes for floats (xarray's default).
    pub skipna: Option<bool>,
    /// Delta degrees of freedom for `std`/`var` (0 unless told).
    pub ddof: usize,
    /// Keep the attrs of the reduced objects (xarray's `keep_attrs`); on by default.
    pub keep_attrs: bool,
}

impl ReduceOptions {
    /// `op` over all dims with the defaults.
    pub fn new(op: Reduction) -> Self {
        ReduceOptions {
            op,
            dims: None,
            skipna: None,
            ddof: 0,
            keep_attrs: true,
        }
    }

    fn params(&self) -> ReduceParams {
        ReduceParams::new(self.skipna, self.ddof)
    }
}

/// Objects that reduce over named dims.
pub trait Reduce: Sized {
    /// Reduces as `options` say.
    ///
    /// # Errors
    /// [`Error::DimNotFound`] naming a dim the object lacks and listing the ones it
    /// has; [`Error::UnsupportedDType`] naming the reduction for dtypes it does not
    /// apply to (strings for numeric reductions); [`Error::InvalidArgument`] for
    /// `argmin`/`argmax` over other than one dim.
    fn reduce(&self, options: &ReduceOptions) -> Result<Self>;
}

/// A reduction being set up: `da.reduce_with(Reduction::Std).dims(&["time"]).ddof(1).run()`.
#[derive(Debug, Clone)]
#[must_use = "a Reducer does nothing until `run` is called"]
pub struct Reducer<'a, T> {
    target: &'a T,
    options: ReduceOptions,
}

impl<T: Reduce> Reducer<'_, T> {
    /// Reduces over these dims (all dims if never called).
    pub fn dims<S: AsRef<str>>(mut self, dims: &[S]) -> Self {
        self.options.dims = Some(dims.iter().map(|d| d.as_ref().to_string()).collect());
        self
    }

    /// Reduces over one dim.
    pub fn dim(self, dim: &str) -> Self {
        self.dims(&[dim])
    }

    /// Skips NaN or not (default: skip, for floats).
    pub fn skipna(mut self, skipna: bool) -> Self {
        self.options.skipna = Some(skipna);
        self
    }

    /// Delta degrees of freedom for `std` and `var`.
    pub fn ddof(mut self, ddof: usize) -> Self {
        self.options.ddof = ddof;
        self
    }

    /// Keeps attrs or drops them (default: keep, as xarray does).
    pub fn keep_attrs(mut self, keep: bool) -> Self {
        self.options.keep_attrs = keep;
        self
    }

    /// The options so far.
    pub fn options(&self) -> &ReduceOptions {
        &self.options
    }

    /// Runs the reduction.
    ///
    /// # Errors
    /// As [`Reduce::reduce`].
    pub fn run(self) -> Result<T> {
        self.target.reduce(&self.options)
    }
}

/// True when the kernel can run `op` on `dtype`.
fn supports(op: Reduction, dtype: DType) -> bool {
    match dtype {
        DType::Str => op == Reduction::Count,
        DType::DateTime(_) | DType::TimeDelta => matches!(
            op,
            Reduction::Count
                | Reduction::Min
                | Reduction::Max
                | Reduction::ArgMin
                | Reduction::ArgMax
        ),
        _ => true,
    }
}

impl Variable {
    /// Reduces over `dims` (every dim of `self` when `None`); `context` names the
    /// object in errors.
    fn reduce_named(&self, options: &ReduceOptions, context: &str) -> Result<Variable> {
        let dims: Vec<String> = match &options.dims {
            Some(d) => d.clone(),
            None => self.dims().to_vec(),
        };
        // Every axis needs no lookup by name, so it also works with a dim used twice.
        let axes = match &options.dims {
            Some(_) => dims
                .iter()
                .map(|d| self.require_axis(d, context))
                .collect::<Result<Vec<_>>>()?,
            None => (0..self.ndim()).collect(),
        };
        let op = options.op;
        if !supports(op, self.dtype()) {
            return Err(Error::UnsupportedDType {
                op: format!("{op} of {context}"),
                dtype: self.dtype(),
            });
        }
        if matches!(op, Reduction::ArgMin | Reduction::ArgMax) && axes.len() != 1 {
            return Err(Error::invalid_argument(
                "dims",
                format!("{op} of {context} needs exactly one dim, got {dims:?}"),
            ));
        }
        let data = self
            .data()
            .reduce(&axes, op, options.params())
            .map_err(|e| match e {
                Error::InvalidArgument { argument, reason } => Error::InvalidArgument {
                    argument,
                    reason: format!("{context}: {reason}"),
                },
                Error::EmptyReduction { op, lane } => Error::EmptyReduction {
                    op,
                    lane: format!("{lane} of {context}"),
                },
                other => other,
            })?;
        let kept: Vec<String> = self
            .dims()
            .iter()
            .filter(|d| !dims.contains(d))
            .cloned()
            .collect();
        let out = Variable::new(&kept, data)?;
        Ok(if options.keep_attrs {
            out.with_attrs(self.attrs().clone())
        } else {
            out
        })
    }

    /// Starts a reduction of this variable.
    pub fn reduce_with(&self, op: Reduction) -> Reducer<'_, Variable> {
        Reducer {
            target: self,
            options: ReduceOptions::new(op),
        }
    }
}

impl Reduce for Variable {
    fn reduce(&self, options: &ReduceOptions) -> Result<Self> {
        self.reduce_named(options, &format!("variable with dims {:?}", self.dims()))
    }
}

impl DataArray {
    /// Starts a reduction of this array.
    pub fn reduce_with(&self, op: Reduction) -> Reducer<'_, DataArray> {
        Reducer {
            target: self,
            options: ReduceOptions::new(op),
        }
    }
}

impl Reduce for DataArray {
    fn reduce(&self, options: &ReduceOptions) -> Result<Self> {
        let context = format!("DataArray {}", self.display_name());
        let var = self.variable().reduce_named(options, &context)?;
        let reduced = |d: &String| !var.dims().contains(d);
        let coords: IndexMap<String, Variable> = self
            .coords()
            .iter()
            .filter(|(_, c)| !c.dims().iter().any(&reduced))
            .map(|(k, c)| (k.clone(), c.clone()))
            .collect();
        DataArray::from_parts(self.name().map(str::to_string), var, coords)
    }
}

impl Dataset {
    /// Starts a reduction of every data variable.
    pub fn reduce_with(&self, op: Reduction) -> Reducer<'_, Dataset> {
        Reducer {
            target: self,
            options: ReduceOptions::new(op),
        }
    }
}

impl Reduce for Dataset {
    /// Reduces each data variable over the requested dims it has. Variables whose dtype
    /// the reduction does not apply to (strings and datetimes for numeric reductions)
    /// are dropped, as xarray's `numeric_only` does; for `argmin`/`argmax`, so are
    /// variables without the dim. Coordinates on a reduced dim are dropped.
    fn reduce(&self, options: &ReduceOptions) -> Result<Self> {
        let all = self.dims();
        let dims: Vec<String> = match &options.dims {
            Some(d) => d.clone(),
            None => all.keys().cloned().collect(),
        };
        if let Some(d) = dims.iter().find(|d| !all.contains_key(*d)) {
            return Err(Error::DimNotFound {
                dim: d.clone(),
                context: "Dataset".into(),
                available: all.keys().cloned().collect(),
            });
        }
        let is_arg = matches!(options.op, Reduction::ArgMin | Reduction::ArgMax);
        let mut vars = IndexMap::new();
        let mut coord_names = IndexSet::new();
        for (name, var) in self.variables() {
            let mine: Vec<String> = var
                .dims()
                .iter()
                .filter(|d| dims.contains(d))
                .cloned()
                .collect();
            if self.is_coord(name) {
                if mine.is_empty() {
                    vars.insert(name.clone(), var.clone());
                    coord_names.insert(name.clone());
                }
                continue;
            }
            if !supports(options.op, var.dtype()) || (is_arg && mine.is_empty()) {
                continue;
            }
            let opts = ReduceOptions {
                dims: Some(mine),
                ..options.clone()
            };
            let out = var.reduce_named(&opts, &format!("variable {name:?}"))?;
            vars.insert(name.clone(), out);
        }
        let attrs = if options.keep_attrs {
            self.attrs().clone()
        } else {
            Attrs::new()
        };
        Dataset::from_parts(vars, coord_names, attrs)
    }
}

/// Short methods: `x.sum(&["time"])`; an empty list reduces over every dim.
macro_rules! short_reductions {
    ($ty:ty) => {
        short_reductions!(@each $ty;
            sum => Sum, "Sum (integers give `i64`/`u64`; all-NaN gives 0)";
            mean => Mean, "Mean (integers give `f64`; `f32` stays `f32`)";
            std => Std, "Standard deviation with ddof = 0";
            var => Var, "Variance with ddof = 0";
            min => Min, "Minimum";
            max => Max, "Maximum";
            median => Median, "Median (integers give `f64`)";
            prod => Prod, "Product (integers give `i64`/`u64`)";
            count => Count, "Number of non-NaN values";
            all => All, "True where every value is non-zero";
            any => Any, "True where any value is non-zero";
        );
        impl $ty {
            /// Position of the minimum along `dim` (NaN skipped).
            ///
            /// # Errors
            /// [`Error::DimNotFound`]; [`Error::UnsupportedDType`] for strings;
            /// [`Error::EmptyReduction`] for an empty or all-NaN slice.
            pub fn argmin(&self, dim: &str) -> Result<$ty> {
                self.reduce_with(Reduction::ArgMin).dim(dim).run()
            }

            /// Position of the maximum along `dim` (NaN skipped).
            ///
            /// # Errors
            /// [`Error::DimNotFound`]; [`Error::UnsupportedDType`] for strings;
            /// [`Error::EmptyReduction`] for an empty or all-NaN slice.
            pub fn argmax(&self, dim: &str) -> Result<$ty> {
                self.reduce_with(Reduction::ArgMax).dim(dim).run()
            }
        }
    };
    (@each $ty:ty; $($name:ident => $op:ident, $doc:literal;)*) => {
        impl $ty {
            $(
                #[doc = concat!($doc, " over `dims` (all dims when empty), skipping NaN.")]
                ///
                /// # Errors
                /// [`Error::DimNotFound`] naming a missing dim;
                /// [`Error::UnsupportedDType`] naming the reduction for strings.
                pub fn $name(&self, dims: &[&str]) -> Result<$ty> {
                    let r = self.reduce_with(Reduction::$op);
                    if dims.is_empty() { r.run() } else { r.dims(dims).run() }
                }
            )*
        }
    };
}

short_reductions!(Variable);
short_reductions!(DataArray);
short_reductions!(Dataset);
