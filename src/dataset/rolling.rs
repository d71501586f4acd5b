//! Rolling windows: `rolling("time", 30)?.center(true).mean()`, with xarray's
//! semantics (labels at the window's right edge unless centred; `min_periods` defaulting
//! to the window size; windows with fewer non-NaN values give NaN).
//!
//! Eager data runs the moving-window kernels of `array::window` directly. Lazy data
//! stays lazy: each chunk gets a halo of the window's reach from its neighbours
//! (`LazyArray::map_overlap`), runs the same kernels and drops the halo, so chunked and
//! eager results agree and nothing is rechunked whole.

use indexmap::IndexMap;

use super::{DataArray, Dataset, Variable};
use crate::array::chunks::for_each_index;
use crate::array::kernels::Reduction;
use crate::array::window::{self, rolling_dtype, WindowAxis};
use crate::array::{NdArray, Scalar};
use crate::error::{Error, Result};
use crate::lazy::{Data, LazyArray, OverlapBoundary};

/// A rolling window over one or several dims of a [`DataArray`] or [`Dataset`]
/// (xarray's `DataArrayRolling`/`DatasetRolling`), made by `rolling` or `rolling_dims`.
#[derive(Debug, Clone)]
#[must_use = "a Rolling does nothing until an aggregation is called"]
pub struct Rolling<'a, T> {
    obj: &'a T,
    windows: Vec<(String, usize)>,
    center: bool,
    min_periods: Option<usize>,
}

/// What a rolling window does to one variable, given the windows of the dims it has
/// and what errors call it.
pub type RollVariable<'f> = dyn Fn(&Variable, &[(String, usize)], &str) -> Result<Variable> + 'f;

/// What a rolling window can run over: [`DataArray`] and [`Dataset`].
pub trait RollingTarget: Sized {
    /// The object's dims and sizes, and what errors call it.
    #[doc(hidden)]
    fn rolling_dims_of(&self) -> (IndexMap<String, usize>, String);

    /// Applies `f` to every variable the window runs over (with the windows of the
    /// dims it has), keeping the others.
    #[doc(hidden)]
    fn map_rolled(&self, windows: &[(String, usize)], f: &RollVariable<'_>) -> Result<Self>;
}

impl RollingTarget for DataArray {
    fn rolling_dims_of(&self) -> (IndexMap<String, usize>, String) {
        (self.sizes(), format!("DataArray {}", self.display_name()))
    }

    fn map_rolled(&self, windows: &[(String, usize)], f: &RollVariable<'_>) -> Result<Self> {
        let context = format!("DataArray {}", self.display_name());
        let var = f(self.variable(), windows, &context)?;
        DataArray::from_parts(self.name().map(str::to_string), var, self.coords().clone())
    }
}

impl RollingTarget for Dataset {
    fn rolling_dims_of(&self) -> (IndexMap<String, usize>, String) {
        (self.dims(), "Dataset".into())
    }

    /// Data variables without any rolled dim, and coordinates, are kept as they are
    /// (xarray's `DatasetRolling`).
    fn map_rolled(&self, windows: &[(String, usize)], f: &RollVariable<'_>) -> Result<Self> {
        let mut vars = IndexMap::new();
        for (name, var) in self.variables() {
            let mine: Vec<(String, usize)> = windows
                .iter()
                .filter(|(d, _)| var.dims().contains(d))
                .cloned()
                .collect();
            if self.is_coord(name) || mine.is_empty() {
                vars.insert(name.clone(), var.clone());
            } else {
                vars.insert(name.clone(), f(var, &mine, &format!("variable {name:?}"))?);
            }
        }
        Dataset::from_parts(vars, self.coord_names().clone(), self.attrs().clone())
    }
}

/// Checks the `(dim, window)` pairs given to `verb` (rolling, coarsen) of the object
/// described by `context`, whose dims are `dims`: at least one pair, dims it has, each
/// once (`list_argument` names the pairs' argument), windows of at least 1.
pub(super) fn check_windows(
    windows: &[(&str, usize)],
    dims: &IndexMap<String, usize>,
    context: String,
    verb: &str,
    list_argument: &str,
) -> Result<()> {
    if windows.is_empty() {
        return Err(Error::invalid_argument(
            list_argument,
            format!("{verb} over no dim of {context}"),
        ));
    }
    for (i, &(dim, size)) in windows.iter().enumerate() {
        if !dims.contains_key(dim) {
            return Err(Error::DimNotFound {
                dim: dim.into(),
                context,
                available: dims.keys().cloned().collect(),
            });
        }
        if windows[..i].iter().any(|(d, _)| *d == dim) {
            return Err(Error::invalid_argument(
                list_argument,
                format!("dim {dim:?} given twice to {verb} {context}"),
            ));
        }
        if size == 0 {
            return Err(Error::invalid_argument(
                "window",
                format!("the window along {dim:?} of {context} must be at least 1, got 0"),
            ));
        }
    }
    Ok(())
}

fn start<'a, T: RollingTarget>(obj: &'a T, windows: &[(&str, usize)]) -> Result<Rolling<'a, T>> {
    let (dims, context) = obj.rolling_dims_of();
    check_windows(windows, &dims, context, "rolling", "dims")?;
    Ok(Rolling {
        obj,
        windows: windows.iter().map(|&(d, w)| (d.to_string(), w)).collect(),
        center: false,
        min_periods: None,
    })
}

macro_rules! rolling_methods {
    ($ty:ty) => {
        impl $ty {
            /// A rolling window of `window` values along `dim` (xarray's
            /// `rolling({dim: window})`).
            ///
            /// ```
            /// # fn main() -> xr::Result<()> {
            /// let da = xr::DataArray::new(vec![1.0, 2.0, f64::NAN, 4.0, 5.0], &["time"])?;
            /// let mean = da.rolling("time", 3)?.center(true).min_periods(1).mean()?;
            /// assert_eq!(mean.values().to_f64_vec()?, vec![1.5, 1.5, 3.0, 4.5, 4.5]);
            /// // Chunked data stays lazy; chunks borrow the values they need from their
            /// // neighbours.
            /// let lazy = da.chunk(&[("time", 2)])?.rolling("time", 3)?.min_periods(2).sum()?;
            /// assert!(lazy.values().is_lazy());
            /// let sums = lazy.values().to_f64_vec()?;
            /// assert!(sums[0].is_nan());
            /// assert_eq!(sums[1..], [3.0, 3.0, 6.0, 9.0]);
            /// # Ok(())
            /// # }
            /// ```
            ///
            /// # Errors
            /// [`Error::DimNotFound`] naming a missing dim; [`Error::InvalidArgument`]
            /// naming `window` when it is 0.
            pub fn rolling(&self, dim: &str, window: usize) -> Result<Rolling<'_, $ty>> {
                start(self, &[(dim, window)])
            }

            /// A rolling window over several dims at once (`[("lat", 3), ("lon", 3)]`):
            /// each result reduces the whole `3 × 3` block.
            ///
            /// # Errors
            /// As [`Self::rolling`]; [`Error::InvalidArgument`] when a dim repeats or
            /// none is given.
            pub fn rolling_dims(&self, windows: &[(&str, usize)]) -> Result<Rolling<'_, $ty>> {
                start(self, windows)
            }
        }
    };
}

rolling_methods!(DataArray);
rolling_methods!(Dataset);

macro_rules! rolling_aggregations {
    ($($name:ident => $op:ident, $doc:literal;)*) => {
        $(
            #[doc = concat!("The rolling ", $doc, " of each window.")]
            ///
            /// # Errors
            /// [`Error::UnsupportedDType`] for strings and datetimes;
            /// [`Error::InvalidArgument`] for `min_periods` of 0.
            pub fn $name(&self) -> Result<T> {
                self.reduce(Reduction::$op)
            }
        )*
    };
}

impl<T: RollingTarget> Rolling<'_, T> {
    /// Labels each window at its centre instead of its right edge (for an even window
    /// of `w`, the window reaches `w / 2` values back and `w / 2 - 1` ahead, as xarray).
    pub fn center(mut self, center: bool) -> Self {
        self.center = center;
        self
    }

    /// The fewest non-NaN values a window needs to give a value (default: the window
    /// size, or the product of the sizes over several dims).
    pub fn min_periods(mut self, min_periods: usize) -> Self {
        self.min_periods = Some(min_periods);
        self
    }

    rolling_aggregations!(
        sum => Sum, "sum (floats: `f32` stays `f32`, others give `f64`)";
        mean => Mean, "mean";
        min => Min, "minimum";
        max => Max, "maximum";
        std => Std, "standard deviation (ddof = 0)";
        var => Var, "variance (ddof = 0)";
        median => Median, "median";
        count => Count, "number of non-NaN values (`f64`)";
        prod => Prod, "product";
    );

    /// The rolling `op` of each window (one of sum, mean, min, max, std, var, median,
    /// count, prod).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for another reduction or `min_periods` of 0;
    /// [`Error::UnsupportedDType`] for strings and datetimes, naming the variable.
    pub fn reduce(&self, op: Reduction) -> Result<T> {
        if self.min_periods == Some(0) {
            return Err(Error::invalid_argument(
                "min_periods",
                "min_periods must be at least 1",
            ));
        }
        let (center, min_periods) = (self.center, self.min_periods);
        self.obj
            .map_rolled(&self.windows, &|var, windows, context| {
                let axes = window_axes(var, windows, center, context)?;
                let min_periods =
                    min_periods.unwrap_or_else(|| windows.iter().map(|(_, w)| w).product());
                let data = rolling_data(var.data(), &axes, min_periods, op)
                    .map_err(|e| in_context(e, context))?;
                Ok(var.computed(var.dims().to_vec(), data))
            })
    }

    /// The windows as a new trailing dim `window_dim` (xarray's
    /// `rolling(...).construct(window_dim)`, stride 1): NaN where a window reaches
    /// outside the array; integers become `f64`.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when the window runs over several dims (use
    /// [`Rolling::construct_dims`]) or `window_dim` already exists.
    pub fn construct(&self, window_dim: &str) -> Result<T> {
        if self.windows.len() != 1 {
            return Err(Error::invalid_argument(
                "window_dim",
                format!(
                    "one window dim given for a rolling window over {} dims: use construct_dims",
                    self.windows.len()
                ),
            ));
        }
        self.construct_dims(&[window_dim])
    }

    /// The windows as new trailing dims, one per rolled dim, in the order of
    /// `rolling_dims`.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when the number of names differs from the number of
    /// rolled dims or a name is already a dim.
    pub fn construct_dims(&self, window_dims: &[&str]) -> Result<T> {
        if window_dims.len() != self.windows.len() {
            return Err(Error::invalid_argument(
                "window_dim",
                format!(
                    "{} window dims given for a rolling window over {} dims",
                    window_dims.len(),
                    self.windows.len()
                ),
            ));
        }
        let (dims, context) = self.obj.rolling_dims_of();
        if let Some(d) = window_dims.iter().find(|d| dims.contains_key(**d)) {
            return Err(Error::invalid_argument(
                "window_dim",
                format!("{d:?} is already a dim of {context}"),
            ));
        }
        let names: IndexMap<&str, &str> = self
            .windows
            .iter()
            .map(|(d, _)| d.as_str())
            .zip(window_dims.iter().copied())
            .collect();
        let center = self.center;
        self.obj
            .map_rolled(&self.windows, &|var, windows, context| {
                let axes = window_axes(var, windows, center, context)?;
                let data = construct_data(var.data(), &axes).map_err(|e| in_context(e, context))?;
                let mut dims = var.dims().to_vec();
                dims.extend(windows.iter().map(|(d, _)| {
                    names
                        .get(d.as_str())
                        .map_or_else(|| d.clone(), |n| (*n).to_string())
                }));
                Variable::new(&dims, data).map(|v| v.with_attrs(var.attrs().clone()))
            })
    }
}

fn window_axes(
    var: &Variable,
    windows: &[(String, usize)],
    center: bool,
    context: &str,
) -> Result<Vec<WindowAxis>> {
    windows
        .iter()
        .map(|(dim, size)| {
            Ok(WindowAxis {
                axis: var.require_axis(dim, context)?,
                size: *size,
                center,
            })
        })
        .collect()
}

fn in_context(e: Error, context: &str) -> Error {
    match e {
        Error::UnsupportedDType { op, dtype } => Error::UnsupportedDType {
            op: format!("{op} of {context}"),
            dtype,
        },
        Error::InvalidArgument { argument, reason } => Error::InvalidArgument {
            argument,
            reason: format!("{context}: {reason}"),
        },
        other => other,
    }
}

/// A rolling reduction of eager or lazy data; lazy chunks exchange halos.
fn rolling_data(
    data: &Data,
    axes: &[WindowAxis],
    min_periods: usize,
    op: Reduction,
) -> Result<Data> {
    match data {
        Data::Eager(a) => Ok(Data::Eager(window::rolling(a, axes, min_periods, op)?)),
        Data::Lazy(l) => {
            let dtype = rolling_dtype(l.dtype(), Some(op))?;
            let mut depth = vec![(0, 0); l.ndim()];
            for w in axes {
                depth[w.axis] = (w.before(), w.after());
            }
            let axes = axes.to_vec();
            let out = l.map_overlap(&depth, OverlapBoundary::None, dtype, move |block| {
                window::rolling(block, &axes, min_periods, op)
            })?;
            Ok(Data::Lazy(out))
        }
    }
}

/// The constructed windows of eager or lazy data. Lazily, each window position is the
/// input shifted along the rolled axes (NaN-filled), and the shifted views are stacked
/// along the new axes: all fused, so a block's task reads its chunk and the halo only.
fn construct_data(data: &Data, axes: &[WindowAxis]) -> Result<Data> {
    let l = match data {
        Data::Eager(a) => return Ok(Data::Eager(window::construct(a, axes)?)),
        Data::Lazy(l) => l,
    };
    let dtype = rolling_dtype(l.dtype(), None)?;
    let x = l.astype(dtype)?;
    let ndim = x.ndim();
    let sizes: Vec<usize> = axes.iter().map(|w| w.size).collect();
    let mut shifted = Vec::new();
    let mut failed = None;
    for_each_index(&sizes, |offsets| {
        if failed.is_some() {
            return;
        }
        let mut v = Ok(x.clone());
        for (w, &k) in axes.iter().zip(offsets) {
            v = v.and_then(|v| shift_nan(&v, w.axis, k as isize - w.before() as isize));
        }
        let v = v.and_then(|mut v| {
            for _ in 0..axes.len() {
                v = v.insert_axis(v.ndim())?;
            }
            Ok(v)
        });
        match v {
            Ok(v) => shifted.push(v),
            Err(e) => failed = Some(e),
        }
    });
    if let Some(e) = failed {
        return Err(e);
    }
    // Stack the innermost window axis first: row-major order puts its members together.
    for (j, &size) in sizes.iter().enumerate().rev() {
        shifted = shifted
            .chunks(size)
            .map(|group| LazyArray::concatenate(ndim + j, group))
            .collect::<Result<Vec<_>>>()?;
    }
    let out = shifted
        .pop()
        .ok_or_else(|| Error::internal("one stacked array"))?;
    let mut chunks = x.chunks().to_vec();
    chunks.extend(sizes.iter().map(|&s| vec![s]));
    Ok(Data::Lazy(out.rechunk_sizes(chunks)?))
}

/// `x` shifted by `s` along `axis`: element `i` of the result is `x[i + s]`, NaN where
/// that is outside.
fn shift_nan(x: &LazyArray, axis: usize, s: isize) -> Result<LazyArray> {
    let n = x.shape()[axis];
    let k = s.unsigned_abs().min(n);
    if k == 0 {
        return Ok(x.clone());
    }
    let nan = NdArray::full(&vec![1; x.ndim()], &Scalar::F64(f64::NAN), x.dtype())?;
    let mut fill_shape = x.shape().to_vec();
    fill_shape[axis] = k;
    let fill = LazyArray::from_array(nan, &vec![0; x.ndim()])?.broadcast_to(&fill_shape)?;
    let parts = if s > 0 {
        vec![x.slice_axis(axis, k, n, 1)?, fill]
    } else {
        vec![fill, x.slice_axis(axis, 0, n - k, 1)?]
    };
    LazyArray::concatenate(axis, &parts)
}
