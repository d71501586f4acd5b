//! polars DataFrames (feature `polars`): [`Dataset::to_dataframe`] and
//! [`DataArray::to_dataframe`] in the long format of xarray's
//! `to_dataframe().reset_index()`, [`Dataset::from_dataframe`] (xarray's
//! `Dataset.from_dataframe(df.set_index(index_cols))`), and [`Dataset::write_ipc`],
//! which streams a dataset larger than memory into an Arrow IPC file one slab at a time
//! (`polars::prelude::LazyFrame::scan_ipc` reads it lazily, with polars' `lazy`
//! feature).
//!
//! One row per element of the product of the dims, the first dim slowest: a column per
//! dim (its coordinate's values, or `0..n` without one), then one per other coordinate
//! and data variable, broadcast over the dims they lack.
//!
//! | xr dtype | polars dtype | back to xr |
//! | --- | --- | --- |
//! | bool | `Boolean` | bool |
//! | int8 … int64, uint8 … uint64 | `Int8` … `Int64`, `UInt8` … `UInt64` | the same |
//! | float32, float64 (NaN kept as NaN) | `Float32`, `Float64` | the same; nulls become NaN |
//! | string | `String` | string |
//! | datetime, `standard`/`proleptic_gregorian` calendar | `Datetime(us)`, NaT as null | datetime (`standard`); `ns`/`ms` columns are converted to µs |
//! | datetime, other calendars (cftime in xarray) | `String`, `"2000-01-01 00:00:00"` as Python's `str`, NaT as null | string (cftime dates are not inferred back) |
//! | timedelta | `Duration(us)`, NaT as null | timedelta |
//!
//! Cells that `from_dataframe` finds no row for are missing, as in xarray: NaN for
//! floats (integers and bools become float64 to hold it), NaT for datetimes and
//! timedeltas, and the empty string for strings (xarray's object NaN has no
//! equivalent in a string array). Other polars types (lists, structs, categoricals,
//! dates, decimals) are an error naming the column and its type.

use std::fs::File;
use std::path::Path;

use ::polars::prelude::{
    ChunkedArray, Column, CompatLevel, DataFrame, DataType, Float32Type, Float64Type, Int16Type,
    Int32Type, Int64Chunked, Int64Type, Int8Type, IntoColumn, IntoSeries, IpcWriter, NamedFrom,
    PlSmallStr, PolarsNumericType, SchemaExt, SerWriter, Series, TimeUnit, UInt16Type, UInt32Type,
    UInt64Type, UInt8Type,
};
use indexmap::{IndexMap, IndexSet};
use ndarray::{ArcArray, IxDyn};
use rayon::prelude::*;

use crate::array::{DType, Element, NdArray};
use crate::dataset::{Attrs, DataArray, Dataset, Indexer, Variable};
use crate::error::{Error, Result};
use crate::time::{Calendar, CfDatetime, NAT};

/// Rows per batch of [`Dataset::write_ipc`] when the first dim is not chunked.
const ROWS_PER_BATCH: usize = 1 << 20;

fn polars_err(what: impl Into<String>) -> impl FnOnce(::polars::error::PolarsError) -> Error {
    let what = what.into();
    move |source| Error::Polars { what, source }
}

impl Dataset {
    /// The dataset as a long-format DataFrame, like xarray's
    /// `ds.to_dataframe().reset_index()`: a column per dim, then one per coordinate and
    /// data variable (see the [module docs](self) for the dtypes). Lazy variables are
    /// computed; for data larger than memory use [`Dataset::write_ipc`].
    ///
    /// ```
    /// # use xr::{Dataset, NdArray, Variable};
    /// let ds = Dataset::new()
    ///     .with_coord("x", Variable::new(&["x"], NdArray::from(vec![10_i64, 20]))?)?
    ///     .with_data_var("t", Variable::new(&["x"], NdArray::from(vec![1.5, 2.5]))?)?;
    /// let df = ds.to_dataframe()?;
    /// assert_eq!(df.get_column_names(), ["x", "t"]);
    /// assert_eq!(df.height(), 2);
    /// # Ok::<(), xr::Error>(())
    /// ```
    ///
    /// # Errors
    /// When a lazy variable fails to compute, or polars rejects a column.
    pub fn to_dataframe(&self) -> Result<DataFrame> {
        let dims: Vec<String> = self.dims().keys().cloned().collect();
        long_frame(self, &dims)
    }

    /// A dataset from a DataFrame, as xarray's
    /// `Dataset.from_dataframe(df.set_index(index_cols))`: each index column becomes a
    /// dimension. With one index column its values are the coordinate, in row order;
    /// with several, each dimension's coordinate is that column's sorted unique values
    /// and the data is unstacked onto their product, missing where no row has a
    /// combination (see the [module docs](self)). Every other column becomes a data
    /// variable over all the dimensions.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming `index_cols` when a column is missing, repeats,
    /// holds nulls, or two rows share one combination of index values (xarray's
    /// "non-unique MultiIndex"); [`Error::UnsupportedDType`] naming the column for a
    /// polars type `xr` has no dtype for.
    pub fn from_dataframe<S: AsRef<str>>(df: &DataFrame, index_cols: &[S]) -> Result<Dataset> {
        let index_cols: Vec<&str> = index_cols.iter().map(AsRef::as_ref).collect();
        if index_cols.is_empty() {
            return Err(Error::invalid_argument(
                "index_cols",
                "name at least one column to become a dimension",
            ));
        }
        let names: Vec<String> = df
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .collect();
        let mut seen = IndexSet::new();
        for c in &index_cols {
            if !names.iter().any(|n| n == c) {
                return Err(Error::invalid_argument(
                    "index_cols",
                    format!("column {c:?} is not in the DataFrame; columns are {names:?}"),
                ));
            }
            if !seen.insert(*c) {
                return Err(Error::invalid_argument(
                    "index_cols",
                    format!("column {c:?} is named twice"),
                ));
            }
        }
        let rows = df.height();
        let mut coords = Vec::with_capacity(index_cols.len());
        let mut codes = Vec::with_capacity(index_cols.len());
        for c in &index_cols {
            let col = column_array(df, c)?;
            if col.has_missing {
                return Err(Error::invalid_argument(
                    "index_cols",
                    format!("index column {c:?} holds nulls"),
                ));
            }
            if index_cols.len() == 1 {
                codes.push((0..rows).collect::<Vec<_>>());
                coords.push(col.values);
            } else {
                let (uniques, code) = factorize(&col.values)?;
                codes.push(code);
                coords.push(uniques);
            }
        }
        let shape: Vec<usize> = coords.iter().map(NdArray::len).collect();
        let cells: usize = shape.iter().product();
        // The flat cell of each row, row-major over the dims.
        let mut cell_of = vec![0usize; rows];
        for (k, code) in codes.iter().enumerate() {
            let stride: usize = shape[k + 1..].iter().product();
            for (cell, &c) in cell_of.iter_mut().zip(code) {
                *cell += c * stride;
            }
        }
        if index_cols.len() > 1 {
            let mut filled = vec![false; cells];
            for &cell in &cell_of {
                if std::mem::replace(&mut filled[cell], true) {
                    return Err(Error::invalid_argument(
                        "index_cols",
                        format!(
                            "two rows share one combination of {index_cols:?} \
                             (cannot unstack a non-unique MultiIndex)"
                        ),
                    ));
                }
            }
        }
        let complete = rows == cells;
        let mut variables = IndexMap::new();
        let mut coord_names = IndexSet::new();
        for (c, values) in index_cols.iter().zip(coords) {
            variables.insert(c.to_string(), Variable::new(&[*c], values)?);
            coord_names.insert(c.to_string());
        }
        for name in names.iter().filter(|n| !index_cols.contains(&n.as_str())) {
            let col = column_array(df, name)?;
            let values = unstack(&col.values, &cell_of, cells, complete)?;
            let values = values.reshape(&shape)?;
            variables.insert(name.clone(), Variable::new(&index_cols, values)?);
        }
        Dataset::from_parts(variables, coord_names, Attrs::new())
    }

    /// Writes [`Dataset::to_dataframe`]'s rows into an Arrow IPC (Feather v2) file,
    /// one record batch per slab along the first dim, so that only one slab is in
    /// memory at a time: lazy variables are computed slab by slab (along their chunks
    /// of that dim when they have some). polars reads the file with `IpcReader`, or
    /// lazily with `LazyFrame::scan_ipc`.
    ///
    /// # Errors
    /// [`Error::Io`] naming `path` when it cannot be created; when a slab fails to
    /// compute; [`Error::Polars`] when polars cannot write it.
    pub fn write_ipc(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let dims: Vec<String> = self.dims().keys().cloned().collect();
        // Dims without coordinates count 0..n over the whole dataset, not per slab.
        let mut ds = self.clone();
        for (d, n) in self.dims() {
            if !ds.variables().contains_key(&d) {
                let range: Vec<i64> = (0..n as i64).collect();
                ds.insert(
                    d.clone(),
                    Variable::new(&[d.as_str()], NdArray::from(range))?,
                    true,
                )?;
            }
        }
        let slabs = match dims.first() {
            None => vec![None],
            Some(first) => slab_bounds(&ds, first)?.into_iter().map(Some).collect(),
        };
        let file = File::create(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let what = format!("writing the IPC file {}", path.display());
        let mut writer = None;
        for slab in slabs {
            let part = match (&slab, dims.first()) {
                (Some((start, stop)), Some(first)) => ds.isel(&[(
                    first.as_str(),
                    Indexer::Slice {
                        start: Some(*start as isize),
                        stop: Some(*stop as isize),
                        step: 1,
                    },
                )])?,
                _ => ds.clone(),
            };
            let df = long_frame(&part, &dims)?;
            if writer.is_none() {
                let schema = df.schema();
                let arrow = schema.to_arrow(CompatLevel::newest());
                let fields = polars_arrow::io::ipc::write::default_ipc_fields(arrow.iter_values());
                writer = Some(
                    IpcWriter::new(&file)
                        .batched(schema, fields)
                        .map_err(polars_err(what.clone()))?,
                );
            }
            if let Some(w) = writer.as_mut() {
                w.write_batch(&df).map_err(polars_err(what.clone()))?;
            }
        }
        if let Some(mut w) = writer {
            w.finish().map_err(polars_err(what))?;
        }
        Ok(())
    }
}

impl DataArray {
    /// The array as a long-format DataFrame, like xarray's
    /// `da.to_dataframe().reset_index()`: a column per dim (in the array's order), one
    /// per other coordinate, then the values in a column named after the array.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming `name` for an unnamed array (xarray asks for
    /// one too); when lazy data fails to compute.
    pub fn to_dataframe(&self) -> Result<DataFrame> {
        let name = self.name().ok_or_else(|| {
            Error::invalid_argument(
                "name",
                "cannot convert an unnamed DataArray to a DataFrame: give it a name (with_name)",
            )
        })?;
        if self.coords().contains_key(name) {
            return Err(Error::invalid_argument(
                "name",
                format!("the DataArray's name {name:?} is also one of its coordinates"),
            ));
        }
        let mut ds = Dataset::new();
        for (c, v) in self.coords() {
            ds.insert(c.clone(), v.clone(), true)?;
        }
        ds.insert(name.to_string(), self.variable().clone(), false)?;
        long_frame(&ds, self.dims())
    }
}

/// The long frame of `ds` over `dims` (all of its dims, slowest first). Lazy
/// variables are computed first; then the columns are written in parallel, each in one
/// pass straight into the buffer polars keeps.
fn long_frame(ds: &Dataset, dims: &[String]) -> Result<DataFrame> {
    let sizes: Vec<usize> = dims.iter().map(|d| ds.dim_size(d)).collect::<Result<_>>()?;
    let rows: usize = sizes.iter().product();
    let mut sources: Vec<(&str, NdArray, Repeat)> =
        Vec::with_capacity(ds.variables().len() + dims.len());
    for (k, d) in dims.iter().enumerate() {
        let values = match ds.variables().get(d) {
            Some(v) if v.dims() == [d.as_str()] => v.values()?,
            _ => NdArray::from((0..sizes[k] as i64).collect::<Vec<_>>()),
        };
        let repeat = Repeat {
            inner: sizes[k + 1..].iter().product(),
            outer: sizes[..k].iter().product(),
        };
        sources.push((d, values, repeat));
    }
    for (name, var) in ds.variables() {
        if dims.contains(name) {
            continue;
        }
        // Computed, then broadcast as a view (not materialized at full size), which
        // read in row-major order is the column.
        let values = var.load()?.set_dims(dims, &sizes)?.values()?;
        sources.push((name, values, Repeat::ONCE));
    }
    let columns = sources
        .par_iter()
        .map(|(name, values, repeat)| Ok(series(name, values, *repeat)?.into_column()))
        .collect::<Result<Vec<Column>>>()?;
    DataFrame::new(rows, columns).map_err(polars_err("building the DataFrame"))
}

/// How an array's elements (in row-major order) become a column: each repeated
/// `inner` times, the whole tiled `outer` times. A dim's index column in the long
/// format repeats its coordinate over the faster dims and tiles it over the slower.
#[derive(Debug, Clone, Copy)]
struct Repeat {
    inner: usize,
    outer: usize,
}

impl Repeat {
    /// Every element once: a data variable's column.
    const ONCE: Repeat = Repeat { inner: 1, outer: 1 };
}

/// The column of `a` (read in row-major order, so a broadcast view gives its full
/// extent) as `repeat` lays it out, each element mapped by `f`: written in one pass,
/// `f` run once per element of `a`, the tiles after the first copied from it.
fn tile<'a, T, U: Clone>(
    a: &'a ArcArray<T, IxDyn>,
    repeat: Repeat,
    f: impl Fn(&'a T) -> U,
) -> Vec<U> {
    let Repeat { inner, outer } = repeat;
    let block = a.len() * inner;
    let mut out = Vec::with_capacity(block * outer);
    if outer == 0 {
        return out;
    }
    match (a.as_slice(), inner) {
        (Some(s), 1) => out.extend(s.iter().map(f)),
        (None, 1) => out.extend(a.iter().map(f)),
        _ => a
            .iter()
            .for_each(|x| out.extend(std::iter::repeat_n(f(x), inner))),
    }
    for _ in 1..outer {
        out.extend_from_within(..block);
    }
    out
}

/// The first dim's slabs for [`Dataset::write_ipc`]: its chunks when a variable is
/// chunked along it, else runs of about [`ROWS_PER_BATCH`] rows.
fn slab_bounds(ds: &Dataset, first: &str) -> Result<Vec<(usize, usize)>> {
    let n = ds.dim_size(first)?;
    let inner: usize = ds
        .dims()
        .iter()
        .filter(|(d, _)| d.as_str() != first)
        .map(|(_, &m)| m)
        .product();
    let sizes = match ds.chunks()?.get(first) {
        Some(c) => c.clone(),
        None => {
            let step = (ROWS_PER_BATCH / inner.max(1)).max(1);
            (0..n).step_by(step).map(|s| step.min(n - s)).collect()
        }
    };
    let mut out = Vec::with_capacity(sizes.len());
    let mut start = 0;
    for s in sizes {
        out.push((start, start + s));
        start += s;
    }
    if out.is_empty() {
        out.push((0, 0));
    }
    Ok(out)
}

/// An array as a polars Series laid out by `repeat` (see [`tile`]): numeric columns
/// are written once, into the vector polars takes over.
fn series(name: &str, values: &NdArray, repeat: Repeat) -> Result<Series> {
    fn numeric<P: PolarsNumericType>(
        name: PlSmallStr,
        a: &ArcArray<P::Native, IxDyn>,
        repeat: Repeat,
    ) -> Series {
        ChunkedArray::<P>::from_vec(name, tile(a, repeat, |x| *x)).into_series()
    }
    let name = PlSmallStr::from_str(name);
    Ok(match values {
        NdArray::Bool(a) => Series::new(name, tile(a, repeat, |x| *x)),
        NdArray::I8(a) => numeric::<Int8Type>(name, a, repeat),
        NdArray::I16(a) => numeric::<Int16Type>(name, a, repeat),
        NdArray::I32(a) => numeric::<Int32Type>(name, a, repeat),
        NdArray::I64(a) => numeric::<Int64Type>(name, a, repeat),
        NdArray::U8(a) => numeric::<UInt8Type>(name, a, repeat),
        NdArray::U16(a) => numeric::<UInt16Type>(name, a, repeat),
        NdArray::U32(a) => numeric::<UInt32Type>(name, a, repeat),
        NdArray::U64(a) => numeric::<UInt64Type>(name, a, repeat),
        NdArray::F32(a) => numeric::<Float32Type>(name, a, repeat),
        NdArray::F64(a) => numeric::<Float64Type>(name, a, repeat),
        NdArray::Str(a) => Series::new(name, tile(a, repeat, String::as_str)),
        NdArray::DateTime(a, Calendar::Standard | Calendar::ProlepticGregorian) => {
            ticks_series(name, a, repeat).into_datetime(TimeUnit::Microseconds, None)
        }
        NdArray::DateTime(a, cal) => {
            let text =
                |&t: &i64| (t != NAT).then(|| CfDatetime::from_ticks(t, *cal).to_python_string());
            Series::new(name, tile(a, repeat, text))
        }
        NdArray::TimeDelta(a) => {
            ticks_series(name, a, repeat).into_duration(TimeUnit::Microseconds)
        }
        #[allow(unreachable_patterns)] // NdArray is non-exhaustive
        other => {
            return Err(Error::UnsupportedDType {
                op: format!("to_dataframe (column {name:?})"),
                dtype: other.dtype(),
            })
        }
    })
}

/// Datetime or duration ticks as an Int64 Series, NaT as null.
fn ticks_series(name: PlSmallStr, a: &ArcArray<i64, IxDyn>, repeat: Repeat) -> Series {
    if a.iter().any(|&t| t == NAT) {
        Series::new(name, tile(a, repeat, |&t| (t != NAT).then_some(t)))
    } else {
        Int64Chunked::from_vec(name, tile(a, repeat, |&t| t)).into_series()
    }
}

/// A column's values as an array, and whether it held nulls (given their missing
/// value: NaN, NaT, or the empty string).
struct ColumnArray {
    values: NdArray,
    has_missing: bool,
}

fn column_array(df: &DataFrame, name: &str) -> Result<ColumnArray> {
    let col = df
        .column(name)
        .map_err(polars_err(format!("reading column {name:?}")))?;
    let s = col.as_materialized_series();
    let has_missing = s.null_count() > 0;
    let what = || format!("reading column {name:?}");
    macro_rules! numeric {
        ($method:ident, $fill:expr) => {{
            let ca = s.$method().map_err(polars_err(what()))?;
            let v: Vec<_> = match ca.cont_slice() {
                Ok(slice) => slice.to_vec(),
                Err(_) => ca.iter().map(|x| x.unwrap_or($fill)).collect(),
            };
            NdArray::from(v)
        }};
    }
    let values = match s.dtype() {
        DataType::Boolean => {
            let ca = s.bool().map_err(polars_err(what()))?;
            NdArray::from(ca.iter().map(|x| x.unwrap_or(false)).collect::<Vec<_>>())
        }
        DataType::Int8 => numeric!(i8, 0),
        DataType::Int16 => numeric!(i16, 0),
        DataType::Int32 => numeric!(i32, 0),
        DataType::Int64 => numeric!(i64, 0),
        DataType::UInt8 => numeric!(u8, 0),
        DataType::UInt16 => numeric!(u16, 0),
        DataType::UInt32 => numeric!(u32, 0),
        DataType::UInt64 => numeric!(u64, 0),
        DataType::Float32 => numeric!(f32, f32::NAN),
        DataType::Float64 => numeric!(f64, f64::NAN),
        DataType::String => {
            let ca = s.str().map_err(polars_err(what()))?;
            NdArray::from(
                ca.iter()
                    .map(|x| x.unwrap_or("").to_string())
                    .collect::<Vec<_>>(),
            )
        }
        DataType::Datetime(unit, _) => {
            let ca = s.datetime().map_err(polars_err(what()))?;
            let ticks = micros(ca.physical().iter(), *unit);
            NdArray::datetime(ArcArray::from_vec(ticks).into_dyn(), Calendar::Standard)
        }
        DataType::Duration(unit) => {
            let ca = s.duration().map_err(polars_err(what()))?;
            NdArray::TimeDelta(ArcArray::from_vec(micros(ca.physical().iter(), *unit)).into_dyn())
        }
        other => {
            return Err(Error::invalid_argument(
                "df",
                format!("column {name:?} has polars type {other}, which xr has no dtype for"),
            ))
        }
    };
    Ok(ColumnArray {
        values,
        has_missing,
    })
}

/// Ticks in `unit` as microseconds, nulls as NaT.
fn micros(ticks: impl Iterator<Item = Option<i64>>, unit: TimeUnit) -> Vec<i64> {
    ticks
        .map(|t| match t {
            None => NAT,
            Some(t) => match unit {
                TimeUnit::Nanoseconds => t.div_euclid(1000),
                TimeUnit::Microseconds => t,
                TimeUnit::Milliseconds => t.saturating_mul(1000),
            },
        })
        .collect()
}

/// The sorted unique values of a 1-D array and each element's position among them
/// (pandas' `factorize(sort=True)`, as a MultiIndex's levels are).
fn factorize(values: &NdArray) -> Result<(NdArray, Vec<usize>)> {
    fn by_key<T: Element, K: Ord + Clone>(
        a: &ArcArray<T, IxDyn>,
        key: impl Fn(&T) -> K,
    ) -> (Vec<T>, Vec<usize>) {
        let mut order: std::collections::BTreeMap<K, (usize, T)> =
            std::collections::BTreeMap::new();
        for x in a.iter() {
            let len = order.len();
            order.entry(key(x)).or_insert((len, x.clone()));
        }
        let mut rank = std::collections::BTreeMap::new();
        let mut uniques = Vec::with_capacity(order.len());
        for (i, (k, (_, x))) in order.into_iter().enumerate() {
            rank.insert(k, i);
            uniques.push(x);
        }
        let codes = a.iter().map(|x| rank[&key(x)]).collect();
        (uniques, codes)
    }
    /// f64 bits ordered as the floats are (NaN last).
    fn float_key(v: f64) -> i64 {
        let b = v.to_bits() as i64;
        b ^ ((((b >> 63) as u64) >> 1) as i64)
    }
    Ok(match values {
        NdArray::Bool(a) => {
            let (u, c) = by_key(a, |x| *x);
            (NdArray::from(u), c)
        }
        NdArray::I8(a) => wrap(by_key(a, |x| i64::from(*x))),
        NdArray::I16(a) => wrap(by_key(a, |x| i64::from(*x))),
        NdArray::I32(a) => wrap(by_key(a, |x| i64::from(*x))),
        NdArray::I64(a) => wrap(by_key(a, |x| *x)),
        NdArray::U8(a) => wrap(by_key(a, |x| u64::from(*x))),
        NdArray::U16(a) => wrap(by_key(a, |x| u64::from(*x))),
        NdArray::U32(a) => wrap(by_key(a, |x| u64::from(*x))),
        NdArray::U64(a) => wrap(by_key(a, |x| *x)),
        NdArray::F32(a) => wrap(by_key(a, |x| float_key(f64::from(*x)))),
        NdArray::F64(a) => wrap(by_key(a, |x| float_key(*x))),
        NdArray::Str(a) => wrap(by_key(a, |x| x.clone())),
        NdArray::DateTime(a, cal) => {
            let (u, c) = by_key(a, |x| *x);
            (NdArray::datetime(ArcArray::from_vec(u).into_dyn(), *cal), c)
        }
        NdArray::TimeDelta(a) => {
            let (u, c) = by_key(a, |x| *x);
            (NdArray::TimeDelta(ArcArray::from_vec(u).into_dyn()), c)
        }
        #[allow(unreachable_patterns)] // NdArray is non-exhaustive
        other => {
            return Err(Error::UnsupportedDType {
                op: "from_dataframe index".into(),
                dtype: other.dtype(),
            })
        }
    })
}

fn wrap<T: Element>((u, c): (Vec<T>, Vec<usize>)) -> (NdArray, Vec<usize>) {
    (NdArray::from(u), c)
}

/// A column's values placed at their cells of the full product; missing cells get
/// the dtype's missing value (integers and bools become float64 to hold NaN).
fn unstack(values: &NdArray, cell_of: &[usize], cells: usize, complete: bool) -> Result<NdArray> {
    fn scatter<T: Clone>(
        a: &ArcArray<T, IxDyn>,
        cell_of: &[usize],
        cells: usize,
        fill: T,
    ) -> Vec<T> {
        let mut out = vec![fill; cells];
        for (x, &c) in a.iter().zip(cell_of) {
            out[c] = x.clone();
        }
        out
    }
    let values = if !complete && (values.dtype().is_integer() || values.dtype() == DType::Bool) {
        values.astype(DType::F64)?
    } else {
        values.clone()
    };
    Ok(match &values {
        NdArray::Bool(a) => NdArray::from(scatter(a, cell_of, cells, false)),
        NdArray::I8(a) => NdArray::from(scatter(a, cell_of, cells, 0)),
        NdArray::I16(a) => NdArray::from(scatter(a, cell_of, cells, 0)),
        NdArray::I32(a) => NdArray::from(scatter(a, cell_of, cells, 0)),
        NdArray::I64(a) => NdArray::from(scatter(a, cell_of, cells, 0)),
        NdArray::U8(a) => NdArray::from(scatter(a, cell_of, cells, 0)),
        NdArray::U16(a) => NdArray::from(scatter(a, cell_of, cells, 0)),
        NdArray::U32(a) => NdArray::from(scatter(a, cell_of, cells, 0)),
        NdArray::U64(a) => NdArray::from(scatter(a, cell_of, cells, 0)),
        NdArray::F32(a) => NdArray::from(scatter(a, cell_of, cells, f32::NAN)),
        NdArray::F64(a) => NdArray::from(scatter(a, cell_of, cells, f64::NAN)),
        NdArray::Str(a) => NdArray::from(scatter(a, cell_of, cells, String::new())),
        NdArray::DateTime(a, cal) => NdArray::datetime(
            ArcArray::from_vec(scatter(a, cell_of, cells, NAT)).into_dyn(),
            *cal,
        ),
        NdArray::TimeDelta(a) => {
            NdArray::TimeDelta(ArcArray::from_vec(scatter(a, cell_of, cells, NAT)).into_dyn())
        }
        #[allow(unreachable_patterns)] // NdArray is non-exhaustive
        other => {
            return Err(Error::UnsupportedDType {
                op: "from_dataframe".into(),
                dtype: other.dtype(),
            })
        }
    })
}
