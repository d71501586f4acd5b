//! Block reductions onto a coarser grid: `coarsen(&[("lat", 2), ("lon", 2)])?.mean()`,
//! with xarray's semantics (`boundary`, `side`, `coord_func`; coordinates averaged by
//! default, attrs kept).
//!
//! Eager data is reshaped and reduced by the plain reduction kernels; lazy data stays
//! lazy, one task per output chunk (`LazyArray::coarsen`: blockwise when the chunks are
//! multiples of the window).

use indexmap::IndexMap;

use super::{DataArray, Dataset, Variable};
use crate::array::kernels::Reduction;
use crate::array::window::{self, rolling_dtype};
use crate::array::{DType, NdArray, Scalar};
use crate::error::{Error, Result};
use crate::lazy::Data;

/// What to do when a dim's length is not a multiple of its window (xarray's
/// `boundary`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Boundary {
    /// An error naming the dim (the default).
    #[default]
    Exact,
    /// Drop the values that do not fill a window, at the end ([`Side::Left`]) or the
    /// start ([`Side::Right`]).
    Trim,
    /// Fill the last window with NaN, padding at the end ([`Side::Left`]) or the start
    /// ([`Side::Right`]); integers become `f64`. A 1-D datetime coordinate reduces its
    /// short window alone (xarray pads it with NaT, which the reduction skips).
    Pad,
}

/// Which end the windows are aligned to when trimming or padding (xarray's `side`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Side {
    /// Windows start at the first value; the remainder is at the end.
    #[default]
    Left,
    /// Windows end at the last value; the remainder is at the start.
    Right,
}

/// A block reduction over one or several dims of a [`DataArray`] or [`Dataset`]
/// (xarray's `DataArrayCoarsen`/`DatasetCoarsen`), made by `coarsen`.
#[derive(Debug, Clone)]
#[must_use = "a Coarsen does nothing until an aggregation is called"]
pub struct Coarsen<'a, T> {
    obj: &'a T,
    windows: Vec<(String, usize)>,
    boundary: Boundary,
    side: Side,
    coord_func: Reduction,
    coord_funcs: Vec<(String, Reduction)>,
}

/// What a coarsen does to one variable: its name (`None` for a DataArray's own
/// variable), the variable, whether it is a coordinate, and what errors call it.
pub type CoarsenVariable<'f> = dyn Fn(Option<&str>, &Variable, bool, &str) -> Result<Variable> + 'f;

/// What a coarsen can run over: [`DataArray`] and [`Dataset`].
pub trait CoarsenTarget: Sized {
    /// The object's dims and sizes, and what errors call it.
    #[doc(hidden)]
    fn coarsen_dims_of(&self) -> (IndexMap<String, usize>, String);

    /// Applies `f` to every variable (data or coordinate) having a coarsened dim,
    /// keeping the others.
    #[doc(hidden)]
    fn map_coarsened(&self, dims: &[String], f: &CoarsenVariable<'_>) -> Result<Self>;
}

fn has_any(var: &Variable, dims: &[String]) -> bool {
    var.dims().iter().any(|d| dims.contains(d))
}

impl CoarsenTarget for DataArray {
    fn coarsen_dims_of(&self) -> (IndexMap<String, usize>, String) {
        (self.sizes(), format!("DataArray {}", self.display_name()))
    }

    fn map_coarsened(&self, dims: &[String], f: &CoarsenVariable<'_>) -> Result<Self> {
        let var = f(
            None,
            self.variable(),
            false,
            &format!("DataArray {}", self.display_name()),
        )?;
        let mut coords = IndexMap::new();
        for (name, c) in self.coords() {
            let c = if has_any(c, dims) {
                f(Some(name), c, true, &format!("coordinate {name:?}"))?
            } else {
                c.clone()
            };
            coords.insert(name.clone(), c);
        }
        DataArray::from_parts(self.name().map(str::to_string), var, coords)
    }
}

impl CoarsenTarget for Dataset {
    fn coarsen_dims_of(&self) -> (IndexMap<String, usize>, String) {
        (self.dims(), "Dataset".into())
    }

    fn map_coarsened(&self, dims: &[String], f: &CoarsenVariable<'_>) -> Result<Self> {
        let mut vars = IndexMap::new();
        for (name, var) in self.variables() {
            let is_coord = self.is_coord(name);
            let out = if has_any(var, dims) {
                let what = if is_coord { "coordinate" } else { "variable" };
                f(Some(name), var, is_coord, &format!("{what} {name:?}"))?
            } else {
                var.clone()
            };
            vars.insert(name.clone(), out);
        }
        Dataset::from_parts(vars, self.coord_names().clone(), self.attrs().clone())
    }
}

fn start<'a, T: CoarsenTarget>(obj: &'a T, windows: &[(&str, usize)]) -> Result<Coarsen<'a, T>> {
    let (dims, context) = obj.coarsen_dims_of();
    super::rolling::check_windows(windows, &dims, context, "coarsen", "windows")?;
    Ok(Coarsen {
        obj,
        windows: windows.iter().map(|&(d, w)| (d.to_string(), w)).collect(),
        boundary: Boundary::Exact,
        side: Side::Left,
        coord_func: Reduction::Mean,
        coord_funcs: Vec::new(),
    })
}

macro_rules! coarsen_methods {
    ($ty:ty) => {
        impl $ty {
            /// Blocks of `size` values along each `(dim, size)` of `windows`, each to be
            /// reduced to one value (xarray's `coarsen`).
            ///
            /// ```
            /// # fn main() -> xr::Result<()> {
            /// use xr::dataset::Boundary;
            /// let da = xr::DataArray::new(vec![1.0, 2.0, 3.0, 4.0, 5.0], &["lon"])?
            ///     .with_coord("lon", &["lon"], vec![0.0, 10.0, 20.0, 30.0, 40.0])?;
            /// assert!(da.coarsen(&[("lon", 2)])?.mean().is_err()); // 5 is not a multiple of 2
            /// let c = da.coarsen(&[("lon", 2)])?.boundary(Boundary::Trim).sum()?;
            /// assert_eq!(c.values().to_f64_vec()?, vec![3.0, 7.0]);
            /// assert_eq!(c.coord("lon")?.values().to_f64_vec()?, vec![5.0, 25.0]);
            /// # Ok(())
            /// # }
            /// ```
            ///
            /// # Errors
            /// [`Error::DimNotFound`] naming a missing dim; [`Error::InvalidArgument`]
            /// naming `window` when a size is 0, or `windows` when a dim repeats.
            pub fn coarsen(&self, windows: &[(&str, usize)]) -> Result<Coarsen<'_, $ty>> {
                start(self, windows)
            }
        }
    };
}

coarsen_methods!(DataArray);
coarsen_methods!(Dataset);

macro_rules! coarsen_aggregations {
    ($($name:ident => $op:ident, $doc:literal;)*) => {
        $(
            #[doc = concat!("The ", $doc, " of each block (NaN skipped).")]
            ///
            /// # Errors
            /// As [`Coarsen::reduce`].
            pub fn $name(&self) -> Result<T> {
                self.reduce(Reduction::$op)
            }
        )*
    };
}

impl<T: CoarsenTarget> Coarsen<'_, T> {
    /// What to do with dims whose length is not a multiple of the window.
    pub fn boundary(mut self, boundary: Boundary) -> Self {
        self.boundary = boundary;
        self
    }

    /// Which end the windows align to with [`Boundary::Trim`] and [`Boundary::Pad`].
    pub fn side(mut self, side: Side) -> Self {
        self.side = side;
        self
    }

    /// The reduction of the coordinates on coarsened dims (default: mean).
    pub fn coord_func(mut self, op: Reduction) -> Self {
        self.coord_func = op;
        self
    }

    /// The reduction of one coordinate, overriding [`Coarsen::coord_func`] for it.
    pub fn coord_func_for(mut self, coord: &str, op: Reduction) -> Self {
        self.coord_funcs.push((coord.to_string(), op));
        self
    }

    coarsen_aggregations!(
        sum => Sum, "sum (integers give `i64`/`u64`)";
        mean => Mean, "mean (integers give `f64`)";
        min => Min, "minimum";
        max => Max, "maximum";
        std => Std, "standard deviation (ddof = 0)";
        var => Var, "variance (ddof = 0)";
        median => Median, "median";
        count => Count, "number of non-NaN values";
        prod => Prod, "product";
    );

    /// Reduces every block with `op`, and the coordinates on coarsened dims with the
    /// coordinate function.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming the dim when its length is not a multiple of
    /// its window with [`Boundary::Exact`]; [`Error::UnsupportedDType`] naming the
    /// variable when `op` does not apply to it (and for padding datetimes).
    pub fn reduce(&self, op: Reduction) -> Result<T> {
        let (sizes, context) = self.obj.coarsen_dims_of();
        if self.boundary == Boundary::Exact {
            for (dim, w) in &self.windows {
                let n = sizes.get(dim).copied().unwrap_or(0);
                if n % w != 0 {
                    return Err(Error::invalid_argument(
                        "window",
                        format!(
                            "dim {dim:?} of {context} has length {n}, not a multiple of the window {w}; \
                             use boundary Trim or Pad"
                        ),
                    ));
                }
            }
        }
        let dims: Vec<String> = self.windows.iter().map(|(d, _)| d.clone()).collect();
        self.obj
            .map_coarsened(&dims, &|name, var, is_coord, context| {
                let op = if is_coord {
                    self.coord_funcs
                        .iter()
                        .find(|(c, _)| Some(c.as_str()) == name)
                        .map_or(self.coord_func, |(_, f)| *f)
                } else {
                    op
                };
                self.coarsen_variable(var, op, context)
            })
    }

    fn coarsen_variable(&self, var: &Variable, op: Reduction, context: &str) -> Result<Variable> {
        let mut data = var.data().clone();
        let mut axes = Vec::new();
        for (dim, w) in &self.windows {
            let Some(axis) = var.axis_of(dim) else {
                continue;
            };
            let n = data.shape()[axis];
            let rem = n % w;
            if rem != 0 && self.boundary == Boundary::Pad && var.ndim() == 1 {
                if let DType::DateTime(_) = var.dtype() {
                    // No NaT to pad with: the short window is reduced on its own,
                    // which is what a NaT-padded, NaT-skipping reduction gives.
                    let out = coarsen_short_end(&data, *w, self.side, op)
                        .map_err(|e| in_context(e, context))?;
                    return Ok(var.computed(var.dims().to_vec(), out));
                }
            }
            if rem != 0 {
                data = match (self.boundary, self.side) {
                    (Boundary::Exact, _) => {
                        return Err(Error::invalid_argument(
                            "window",
                            format!("dim {dim:?} of {context} has length {n}, not a multiple of the window {w}"),
                        ))
                    }
                    (Boundary::Trim, Side::Left) => data.slice_axis(axis, 0, n - rem, 1)?,
                    (Boundary::Trim, Side::Right) => data.slice_axis(axis, rem, n, 1)?,
                    (Boundary::Pad, side) => pad_nan(&data, axis, w - rem, side, context)?,
                };
            }
            axes.push((axis, *w));
        }
        let out = coarsen_data(&data, &axes, op).map_err(|e| in_context(e, context))?;
        Ok(var.computed(var.dims().to_vec(), out))
    }
}

fn coarsen_data(data: &Data, axes: &[(usize, usize)], op: Reduction) -> Result<Data> {
    match data {
        Data::Eager(a) => window::coarsen(a, axes, op).map(Data::Eager),
        Data::Lazy(l) => l.coarsen(axes, op).map(Data::Lazy),
    }
}

/// A 1-D coarsen by `w` whose last window (first, for [`Side::Right`]) is short.
fn coarsen_short_end(data: &Data, w: usize, side: Side, op: Reduction) -> Result<Data> {
    let n = data.shape()[0];
    let rem = n % w;
    let (full, short) = match side {
        Side::Left => (
            data.slice_axis(0, 0, n - rem, 1)?,
            data.slice_axis(0, n - rem, n, 1)?,
        ),
        Side::Right => (
            data.slice_axis(0, rem, n, 1)?,
            data.slice_axis(0, 0, rem, 1)?,
        ),
    };
    let full = coarsen_data(&full, &[(0, w)], op)?;
    let short = coarsen_data(&short, &[(0, rem)], op)?;
    let parts = match side {
        Side::Left => [full, short],
        Side::Right => [short, full],
    };
    Data::concatenate(0, &parts)
}

/// `pad` NaN values along `axis`, at the end for [`Side::Left`], at the start for
/// [`Side::Right`] (integers become floats to hold them).
fn pad_nan(data: &Data, axis: usize, pad: usize, side: Side, context: &str) -> Result<Data> {
    let dtype = rolling_dtype(data.dtype(), None).map_err(|e| in_context(e, context))?;
    let data = data.astype(dtype)?;
    let mut shape = data.shape().to_vec();
    shape[axis] = pad;
    let fill = Data::Eager(NdArray::full(&shape, &Scalar::F64(f64::NAN), dtype)?);
    let parts = match side {
        Side::Left => [data, fill],
        Side::Right => [fill, data],
    };
    Data::concatenate(axis, &parts)
}

fn in_context(e: Error, context: &str) -> Error {
    match e {
        Error::UnsupportedDType { op, dtype } => Error::UnsupportedDType {
            op: format!("coarsen {op} of {context}"),
            dtype,
        },
        Error::InvalidArgument { argument, reason } => Error::InvalidArgument {
            argument,
            reason: format!("{context}: {reason}"),
        },
        other => other,
    }
}
