//! Moving a time-indexed object to another calendar, as xarray's `convert_calendar`
//! (the dates move, the data follows: dates the target lacks are dropped, and with
//! `missing` the dates the source lacks are filled) and `interp_calendar` (the data is
//! interpolated linearly onto a target time axis by fractional year position). The
//! calendar arithmetic lives in [`crate::time`]; here the data follows with `isel`,
//! `reindex` and weighted takes, so lazy data stays lazy.
//!
//! ```
//! use xr::time::{date_range, Calendar, CfDatetime};
//! use xr::{DataArray, NdArray};
//! # fn main() -> xr::Result<()> {
//! let cal = Calendar::Standard;
//! let days = date_range(CfDatetime::new(2000, 2, 27, cal)?, None, Some(4), "D".parse()?, cal)?;
//! let time = NdArray::datetime(ndarray::arr1(&days).into_dyn().into_shared(), cal);
//! let da = DataArray::new(ndarray::array![1.0, 2.0, 3.0, 4.0].into_dyn(), &["time"])?
//!     .with_coord("time", &["time"], time)?;
//! // 2000-02-29 does not exist on noleap: dropped.
//! let noleap = da.convert_calendar("noleap", "time", None, None)?;
//! assert_eq!(noleap.values().to_f64_vec()?, [1.0, 2.0, 4.0]);
//! // Back to standard, the missing 29 February is filled.
//! let back = noleap.convert_calendar("standard", "time", None, Some(&xr::Scalar::F64(f64::NAN)))?;
//! assert_eq!(back.shape(), [4]);
//! # Ok(())
//! # }
//! ```

use indexmap::{IndexMap, IndexSet};

use super::shift::via_dataset;
use super::{DataArray, Dataset, Indexer, Variable};
use crate::array::kernels::BinaryOp;
use crate::array::{DType, NdArray, Scalar};
use crate::error::{Error, Result};
use crate::lazy::Data;
use crate::time::{convert_ticks, date_range_like, decimal_year, AlignOn, Calendar};

/// The 1-D datetime coordinate `dim` of `ds`: its variable, ticks and calendar.
fn time_coord<'a>(
    ds: &'a Dataset,
    dim: &str,
    op: &str,
) -> Result<(&'a Variable, Vec<i64>, Calendar)> {
    let var = ds.variable(dim)?;
    if var.dims() != [dim] {
        return Err(Error::invalid_argument(
            "dim",
            format!(
                "{op} needs {dim:?} to be a 1-D coordinate along {dim:?}, found dims {:?}",
                var.dims()
            ),
        ));
    }
    match var.values()? {
        NdArray::DateTime(t, calendar) => Ok((var, t.iter().copied().collect(), calendar)),
        other => Err(Error::invalid_argument(
            "dim",
            format!(
                "{op}: coordinate {dim:?} must contain datetimes, found {}",
                other.dtype()
            ),
        )),
    }
}

/// xarray refuses to put a year 0 on a calendar without one.
fn check_year_zero(ticks: &[i64], from: Calendar, to: Calendar, argument: &str) -> Result<()> {
    if to.has_year_zero() || !from.has_year_zero() {
        return Ok(());
    }
    let years = crate::time::components::year(ticks, from);
    if ticks
        .iter()
        .zip(years)
        .any(|(&t, y)| t != crate::time::NAT && y == 0)
    {
        return Err(Error::invalid_argument(
            argument,
            format!("the source times hold year 0, which calendar {to} does not have"),
        ));
    }
    Ok(())
}

/// `"random"` seeds its draws from the clock, as xarray's unseeded generator does from
/// the system; [`Dataset::convert_calendar_with`] takes a seed.
fn parse_align_on(align_on: Option<&str>) -> Result<Option<AlignOn>> {
    match align_on {
        None => Ok(None),
        Some("date") => Ok(Some(AlignOn::Date)),
        Some("year") => Ok(Some(AlignOn::Year)),
        Some("random") => {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            #[allow(clippy::cast_possible_truncation)]
            let seed = nanos as u64;
            Ok(Some(AlignOn::Random { seed }))
        }
        Some(other) => Err(Error::invalid_argument(
            "align_on",
            format!("{other:?} is not supported; use \"date\", \"year\" or \"random\""),
        )),
    }
}

impl Dataset {
    /// The dataset with its time coordinate `dim` moved to `calendar`, as xarray's
    /// `convert_calendar`: each date keeps its year, month, day and time of day, and the
    /// dates that do not exist on the target (29 February on `noleap`) are dropped with
    /// their data.
    ///
    /// To or from `360_day`, `align_on` must say how: `"date"` keeps the month and day
    /// (dropping what the target lacks), `"year"` keeps the position in the year (the
    /// day of the year rescaled by the years' lengths; when several source days land on
    /// one target day the first is kept, and the result is sorted by time), `"random"`
    /// also keeps the position in the year but adds or drops one day chosen at random
    /// in each 72-day fifth of the year (and 29 February of a leap year), as xarray
    /// does (see [`AlignOn::Random`]; the draws are seeded from the clock, and
    /// [`Dataset::convert_calendar_with`] takes a seed). It is ignored between other
    /// calendars.
    ///
    /// With `missing`, the result is then reindexed onto a range of the target calendar
    /// like the source's (same inferred frequency, xarray's `date_range_like`), the
    /// dates the source lacks filled with `missing`. The coordinate keeps its attrs but
    /// `calendar`. Converting to the calendar the data already has returns it unchanged.
    ///
    /// # Errors
    /// [`Error::VarNotFound`] naming `dim`; [`Error::InvalidArgument`] naming `dim` when
    /// it is not a 1-D datetime coordinate, `align_on` when it is missing for `360_day`
    /// or not `"date"`/`"year"`/`"random"`, `calendar` when the source holds year 0 and the target
    /// has none, `missing` when the source's frequency cannot be inferred;
    /// [`Error::Time`] for an unknown calendar name.
    pub fn convert_calendar(
        &self,
        calendar: &str,
        dim: &str,
        align_on: Option<&str>,
        missing: Option<&Scalar>,
    ) -> Result<Dataset> {
        self.convert_calendar_with(calendar, dim, parse_align_on(align_on)?, missing)
    }

    /// [`Dataset::convert_calendar`] with `align_on` typed, for a seeded
    /// [`AlignOn::Random`]: the same seed drops or adds the same days.
    ///
    /// ```
    /// use xr::time::AlignOn;
    /// use xr::{Calendar, CfDatetime, DataArray, NdArray};
    /// # fn main() -> xr::Result<()> {
    /// let start = CfDatetime::new(2001, 1, 1, Calendar::Standard)?.to_ticks()?;
    /// let ticks: Vec<i64> = (0..365).map(|d| start + d * 86_400_000_000).collect();
    /// let time = NdArray::datetime(ndarray::arr1(&ticks).into_dyn().into_shared(), Calendar::Standard);
    /// let da = DataArray::new(vec![1.0; 365], &["time"])?.with_coord("time", &["time"], time)?;
    /// let random = Some(AlignOn::Random { seed: 42 });
    /// let a = da.convert_calendar_with("360_day", "time", random, None)?;
    /// assert_eq!(a.shape(), [360]);
    /// let b = da.convert_calendar_with("360_day", "time", random, None)?;
    /// assert!(a.coord("time")?.values().equals(b.coord("time")?.values()));
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// As [`Dataset::convert_calendar`].
    pub fn convert_calendar_with(
        &self,
        calendar: &str,
        dim: &str,
        align_on: Option<AlignOn>,
        missing: Option<&Scalar>,
    ) -> Result<Dataset> {
        let target: Calendar = calendar.parse()?;
        let (time, ticks, source) = time_coord(self, dim, "convert_calendar")?;
        if source == target {
            return Ok(self.clone());
        }
        check_year_zero(&ticks, source, target, "calendar")?;
        let involves_360 = (source == Calendar::Day360) != (target == Calendar::Day360);
        if involves_360 && align_on.is_none() {
            return Err(Error::invalid_argument(
                "align_on",
                format!("converting {dim:?} from {source} to {target} needs align_on \"date\", \"year\" or \"random\""),
            ));
        }
        let converted = convert_ticks(&ticks, source, target, align_on)?;
        let mut kept: Vec<(i64, usize)> = converted
            .iter()
            .enumerate()
            .filter_map(|(i, t)| t.map(|t| (t, i)))
            .collect();
        if involves_360 && matches!(align_on, Some(AlignOn::Year | AlignOn::Random { .. })) {
            // numpy's `unique(return_index=True)`: sorted, the first of equal times.
            kept.sort_by_key(|&(t, i)| (t, i));
            kept.dedup_by_key(|(t, _)| *t);
        }
        let positions: Vec<usize> = kept.iter().map(|&(_, i)| i).collect();
        let new_ticks: Vec<i64> = kept.iter().map(|&(t, _)| t).collect();
        let mut attrs = time.attrs().clone();
        attrs.shift_remove("calendar");
        let mut encoding = time.encoding().clone();
        if encoding.calendar.is_some() {
            encoding.calendar = Some(target.name().to_string());
        }
        let coord = |values: Data| -> Result<Variable> {
            Ok(Variable::new(&[dim], values)?
                .with_attrs(attrs.clone())
                .with_encoding(encoding.clone()))
        };
        let labels = NdArray::datetime(ndarray::arr1(&new_ticks).into_dyn().into_shared(), target);
        let indexer = Indexer::List(positions.iter().map(|&p| p as isize).collect());
        let out = self
            .isel(&[(dim, indexer)])?
            .assign_coords(&[(dim, coord(labels.into())?)])?;
        let Some(fill) = missing else {
            return Ok(out);
        };
        let range = date_range_like(&ticks, source, target).map_err(|e| {
            Error::invalid_argument(
                "missing",
                format!("filling missing dates needs a regular source time axis {dim:?}: {e}"),
            )
        })?;
        let labels = NdArray::datetime(ndarray::arr1(&range).into_dyn().into_shared(), target);
        let filled = out.reindex(&[(dim, labels)], Some(fill))?;
        let labels = filled.variable(dim)?.data().clone();
        filled.assign_coords(&[(dim, coord(labels)?)])
    }

    /// The dataset interpolated onto the time axis `target` (1-D datetimes along `dim`,
    /// on any calendar), as xarray's `interp_calendar`: source and target times become
    /// decimal years ([`decimal_year`](crate::time::decimal_year), each in its own
    /// calendar), and every numeric variable along `dim` is interpolated linearly
    /// between them (scipy's `interp1d`, which xarray calls: `float64` results, NaN
    /// outside the source's span, and a NaN neighbour gives NaN). Bool and string
    /// variables take the value at the nearest source time. `dim` becomes `target`.
    ///
    /// # Errors
    /// [`Error::VarNotFound`] naming `dim`; [`Error::InvalidArgument`] naming `dim` when
    /// it is not a 1-D datetime coordinate, `target` when it is not 1-D datetimes along
    /// `dim` or the source holds year 0 and the target's calendar has none;
    /// [`Error::UnsupportedDType`] naming a datetime variable along `dim`.
    pub fn interp_calendar(&self, target: &DataArray, dim: &str) -> Result<Dataset> {
        let (_, ticks, source) = time_coord(self, dim, "interp_calendar")?;
        let (target_ticks, target_cal) = match (target.dims(), target.values().compute()?) {
            ([d], NdArray::DateTime(t, cal)) if d == dim => {
                (t.iter().copied().collect::<Vec<_>>(), cal)
            }
            (dims, values) => {
                return Err(Error::invalid_argument(
                    "target",
                    format!(
                        "interp_calendar needs 1-D datetimes along {dim:?}, found {} over {dims:?}",
                        values.dtype()
                    ),
                ))
            }
        };
        check_year_zero(&ticks, source, target_cal, "target")?;
        let old = decimal_year(&ticks, source)?;
        let new = decimal_year(&target_ticks, target_cal)?;
        let mut order: Vec<usize> = (0..old.len()).collect();
        order.sort_by(|&a, &b| old[a].total_cmp(&old[b]));
        let sorted = order.iter().enumerate().all(|(k, &i)| k == i);
        let old: Vec<f64> = order.iter().map(|&i| old[i]).collect();
        let weights = LinearWeights::new(&old, &new);
        let nearest = nearest_positions(&old, &new);
        let target_var = target.variable().clone();
        let mut vars = IndexMap::new();
        for (name, var) in self.variables() {
            let new_var = if name == dim {
                target_var.clone()
            } else if let Some(axis) = var.axis_of(dim) {
                let data = if sorted {
                    var.data().clone()
                } else {
                    var.data().take(axis, &order)?
                };
                let dtype = data.dtype();
                let out = if dtype.is_float() || dtype.is_integer() {
                    weights.apply(&data, axis)?
                } else if matches!(dtype, DType::Bool | DType::Str) {
                    data.take(axis, &nearest)?
                } else {
                    return Err(Error::UnsupportedDType {
                        op: format!("interp_calendar of variable {name:?} along {dim:?}"),
                        dtype,
                    });
                };
                var.replace(var.dims().to_vec(), out)
            } else {
                var.clone()
            };
            vars.insert(name.clone(), new_var);
        }
        let coord_names: IndexSet<String> = self.coord_names().clone();
        Dataset::from_parts(vars, coord_names, self.attrs().clone())
    }
}

/// scipy's `interp1d(kind="linear")` from sorted `old` to `new`, as positions and
/// factors: `y = (y[hi] - y[lo]) / dx * off + y[lo]` in scipy's order of operations.
struct LinearWeights {
    lo: Vec<usize>,
    hi: Vec<usize>,
    dx: Vec<f64>,
    off: Vec<f64>,
}

impl LinearWeights {
    /// `hi` is the first old position at or after the new one, clipped to `1..n`, so an
    /// exact hit still reads its left neighbour (as scipy); NaN outside `old`'s span.
    fn new(old: &[f64], new: &[f64]) -> Self {
        let n = old.len();
        let mut w = LinearWeights {
            lo: Vec::with_capacity(new.len()),
            hi: Vec::with_capacity(new.len()),
            dx: Vec::with_capacity(new.len()),
            off: Vec::with_capacity(new.len()),
        };
        for &x in new {
            let inside = n >= 2 && x >= old[0] && x <= old[n - 1];
            if !inside {
                w.lo.push(0);
                w.hi.push(0);
                w.dx.push(1.0);
                w.off.push(f64::NAN);
                continue;
            }
            let j = old.partition_point(|&v| v < x).clamp(1, n - 1);
            w.lo.push(j - 1);
            w.hi.push(j);
            w.dx.push(old[j] - old[j - 1]);
            w.off.push(x - old[j - 1]);
        }
        w
    }

    fn apply(&self, data: &Data, axis: usize) -> Result<Data> {
        let data = if data.dtype().is_integer() {
            data.astype(DType::F64)?
        } else {
            data.clone()
        };
        let mut shape = vec![1; data.ndim()];
        shape[axis] = self.lo.len();
        let factor = |v: &[f64]| -> Result<Data> {
            Ok(Data::Eager(NdArray::from_shape_vec(&shape, v.to_vec())?))
        };
        let (y0, y1) = (data.take(axis, &self.lo)?, data.take(axis, &self.hi)?);
        y1.binary(&y0, BinaryOp::Sub)?
            .binary(&factor(&self.dx)?, BinaryOp::Div)?
            .binary(&factor(&self.off)?, BinaryOp::Mul)?
            .binary(&y0, BinaryOp::Add)
    }
}

/// For each new position, the old one nearest to it (the earlier on a tie), as a
/// `reindex(method="nearest")` without tolerance.
fn nearest_positions(old: &[f64], new: &[f64]) -> Vec<usize> {
    let n = old.len();
    new.iter()
        .map(|&x| {
            let j = old.partition_point(|&v| v < x);
            match j {
                0 => 0,
                _ if j >= n => n.saturating_sub(1),
                _ if x - old[j - 1] <= old[j] - x => j - 1,
                _ => j,
            }
        })
        .collect()
}

impl DataArray {
    /// The array with its time coordinate `dim` moved to `calendar`; see
    /// [`Dataset::convert_calendar`].
    ///
    /// # Errors
    /// As [`Dataset::convert_calendar`].
    pub fn convert_calendar(
        &self,
        calendar: &str,
        dim: &str,
        align_on: Option<&str>,
        missing: Option<&Scalar>,
    ) -> Result<DataArray> {
        via_dataset(self, |ds| {
            ds.convert_calendar(calendar, dim, align_on, missing)
        })
    }

    /// The array with its time coordinate moved to `calendar`, `align_on` typed (a
    /// seeded [`AlignOn::Random`]); see [`Dataset::convert_calendar_with`].
    ///
    /// # Errors
    /// As [`Dataset::convert_calendar`].
    pub fn convert_calendar_with(
        &self,
        calendar: &str,
        dim: &str,
        align_on: Option<AlignOn>,
        missing: Option<&Scalar>,
    ) -> Result<DataArray> {
        via_dataset(self, |ds| {
            ds.convert_calendar_with(calendar, dim, align_on, missing)
        })
    }

    /// The array interpolated onto the time axis `target`; see
    /// [`Dataset::interp_calendar`].
    ///
    /// # Errors
    /// As [`Dataset::interp_calendar`]; [`Error::UnsupportedDType`] when the array is
    /// not numeric (xarray's `interp` refuses those too).
    pub fn interp_calendar(&self, target: &DataArray, dim: &str) -> Result<DataArray> {
        let dtype = self.dtype();
        if !(dtype.is_float() || dtype.is_integer()) {
            return Err(Error::UnsupportedDType {
                op: format!("interp_calendar of DataArray {}", self.display_name()),
                dtype,
            });
        }
        via_dataset(self, |ds| ds.interp_calendar(target, dim))
    }
}
