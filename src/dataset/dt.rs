//! xarray's `.dt` accessor: the components of a DataArray of datetimes, on every CF
//! calendar, and the fields of a DataArray of timedeltas, as DataArrays of the same dims
//! and coordinates named after the component. Computed per chunk, so lazy data stays
//! lazy.
//!
//! ```
//! use xr::time::{Calendar, CfDatetime};
//! use xr::{DataArray, NdArray};
//! # fn main() -> xr::Result<()> {
//! let cal = Calendar::Day360;
//! let ticks = vec![
//!     CfDatetime::new(2000, 2, 30, cal)?.to_ticks()?,
//!     CfDatetime::new(2000, 7, 1, cal)?.to_ticks()?,
//! ];
//! let time = DataArray::new(NdArray::datetime(ndarray::arr1(&ticks).into_dyn().into_shared(), cal), &["time"])?;
//! let month = time.dt()?.month()?;
//! assert_eq!(month.name(), Some("month"));
//! assert_eq!(month.values().to_f64_vec()?, [2.0, 7.0]);
//! assert_eq!(time.dt()?.season()?.values().get(&[0])?.to_string(), "DJF");
//! assert_eq!(time.dt()?.strftime("%d/%m/%Y")?.values().get(&[0])?.to_string(), "30/02/2000");
//! # Ok(())
//! # }
//! ```

use super::{DataArray, Variable};
use crate::array::{DType, NdArray};
use crate::error::{Error, Result};
use crate::time::components::{self, Component};
use crate::time::{strftime, Calendar, NAT, TICKS_PER_DAY, TICKS_PER_SECOND};

/// The `.dt` accessor of a DataArray of datetimes or timedeltas (see [`DataArray::dt`]).
/// As in xarray, the datetime fields (`year`, ...) are for datetimes and the duration
/// fields (`days`, `seconds`, `microseconds`, `total_seconds`) for timedeltas.
#[derive(Debug, Clone, Copy)]
pub struct DatetimeAccessor<'a> {
    array: &'a DataArray,
    /// The datetimes' calendar; `None` for timedeltas.
    calendar: Option<Calendar>,
}

impl DataArray {
    /// The datetime accessor, xarray's `da.dt`, for datetimes and timedeltas.
    ///
    /// # Errors
    /// [`Error::UnsupportedDType`] when the array holds neither.
    pub fn dt(&self) -> Result<DatetimeAccessor<'_>> {
        let calendar = match self.dtype() {
            DType::DateTime(calendar) => Some(calendar),
            DType::TimeDelta => None,
            dtype => {
                return Err(Error::UnsupportedDType {
                    op: format!(
                        "the .dt accessor of DataArray {} (it needs datetimes or timedeltas)",
                        self.display_name()
                    ),
                    dtype,
                })
            }
        };
        Ok(DatetimeAccessor {
            array: self,
            calendar,
        })
    }
}

/// The ticks of a block of datetimes or timedeltas, in row-major order.
fn ticks(block: &NdArray) -> Result<Vec<i64>> {
    match block {
        NdArray::DateTime(t, _) | NdArray::TimeDelta(t) => Ok(t.iter().copied().collect()),
        other => Err(Error::UnsupportedDType {
            op: "a datetime component".into(),
            dtype: other.dtype(),
        }),
    }
}

impl DatetimeAccessor<'_> {
    /// The calendar's CF name, xarray's `dt.calendar` (`None` for timedeltas).
    pub fn calendar(&self) -> Option<&'static str> {
        self.calendar.map(Calendar::name)
    }

    /// The calendar of datetimes, or an error naming the field asked of timedeltas.
    fn datetimes(&self, field: &str) -> Result<Calendar> {
        self.calendar.ok_or_else(|| Error::UnsupportedDType {
            op: format!(
                "dt.{field} of DataArray {} (a datetime field)",
                self.array.display_name()
            ),
            dtype: DType::TimeDelta,
        })
    }

    /// An error naming the duration field asked of datetimes.
    fn timedeltas(&self, field: &str) -> Result<()> {
        match self.calendar {
            None => Ok(()),
            Some(calendar) => Err(Error::UnsupportedDType {
                op: format!(
                    "dt.{field} of DataArray {} (a timedelta field)",
                    self.array.display_name()
                ),
                dtype: DType::DateTime(calendar),
            }),
        }
    }

    /// The array with its values replaced by `f` of every block's ticks, named `name`;
    /// attrs are kept, the encoding (time units) is not.
    fn map(
        &self,
        name: &str,
        dtype: DType,
        f: impl Fn(&[i64], &[usize]) -> Result<NdArray> + Send + Sync + 'static,
    ) -> Result<DataArray> {
        let data = self
            .array
            .values()
            .map_elementwise(dtype, move |block| f(&ticks(block)?, block.shape()))?;
        let var = Variable::new(self.array.dims(), data)?.with_attrs(self.array.attrs().clone());
        Ok(self.array.with_variable(var)?.with_name(name))
    }

    /// A datetime component as `int64` (see [`int_field`](Self::int_field)).
    fn component(&self, name: &str, component: Component) -> Result<DataArray> {
        let calendar = self.datetimes(name)?;
        self.int_field(name, move |t| component.compute(t, calendar))
    }

    /// An integer field as `int64`. As xarray, eager data holding NaT gives `float64`
    /// with NaN there; lazy data must be `int64` before it is computed, so NaT in a lazy
    /// chunk is an error naming the field.
    fn int_field(
        &self,
        name: &str,
        field: impl Fn(&[i64]) -> Vec<i64> + Send + Sync + 'static,
    ) -> Result<DataArray> {
        let lazy = self.array.values().is_lazy();
        let label = name.to_string();
        self.map(name, DType::I64, move |t, shape| {
            let values = field(t);
            if !t.contains(&NAT) {
                return NdArray::from_shape_vec(shape, values);
            }
            if lazy {
                return Err(Error::invalid_argument(
                    "self",
                    format!(
                        "dt.{label} of lazy data holding NaT: the int64 result cannot hold \
                         it (compute first, and it becomes float64 with NaN as in xarray)"
                    ),
                ));
            }
            let floats = t
                .iter()
                .zip(values)
                .map(|(&x, v)| if x == NAT { f64::NAN } else { v as f64 })
                .collect();
            NdArray::from_shape_vec(shape, floats)
        })
    }

    /// The year, in the calendar's numbering.
    ///
    /// # Errors
    /// [`Error::UnsupportedDType`] for timedeltas; when the data cannot be read, or
    /// holds NaT and is lazy (see [`DataArray::dt`]).
    pub fn year(&self) -> Result<DataArray> {
        self.component("year", Component::Year)
    }

    /// The month, 1..=12.
    ///
    /// # Errors
    /// As [`year`](Self::year).
    pub fn month(&self) -> Result<DataArray> {
        self.component("month", Component::Month)
    }

    /// The day of the month, from 1.
    ///
    /// # Errors
    /// As [`year`](Self::year).
    pub fn day(&self) -> Result<DataArray> {
        self.component("day", Component::Day)
    }

    /// The hour, 0..=23.
    ///
    /// # Errors
    /// As [`year`](Self::year).
    pub fn hour(&self) -> Result<DataArray> {
        self.component("hour", Component::Hour)
    }

    /// The minute, 0..=59.
    ///
    /// # Errors
    /// As [`year`](Self::year).
    pub fn minute(&self) -> Result<DataArray> {
        self.component("minute", Component::Minute)
    }

    /// The second, 0..=59.
    ///
    /// # Errors
    /// As [`year`](Self::year).
    pub fn second(&self) -> Result<DataArray> {
        self.component("second", Component::Second)
    }

    /// The microsecond within the second.
    ///
    /// # Errors
    /// As [`year`](Self::year).
    pub fn microsecond(&self) -> Result<DataArray> {
        self.component("microsecond", Component::Microsecond)
    }

    /// The day of the year, from 1 (cftime's `dayofyr`).
    ///
    /// # Errors
    /// As [`year`](Self::year).
    pub fn dayofyear(&self) -> Result<DataArray> {
        self.component("dayofyear", Component::DayOfYear)
    }

    /// The day of the week, Monday = 0 .. Sunday = 6 (on the idealized calendars the
    /// week runs on through their days, as cftime's `dayofwk`).
    ///
    /// # Errors
    /// As [`year`](Self::year).
    pub fn dayofweek(&self) -> Result<DataArray> {
        self.component("dayofweek", Component::DayOfWeek)
    }

    /// The number of days in the month.
    ///
    /// # Errors
    /// As [`year`](Self::year).
    pub fn days_in_month(&self) -> Result<DataArray> {
        self.component("days_in_month", Component::DaysInMonth)
    }

    /// The season as strings `"DJF"`, `"MAM"`, `"JJA"`, `"SON"` (`"nan"` for NaT, as
    /// xarray).
    ///
    /// # Errors
    /// [`Error::UnsupportedDType`] for timedeltas; when the data cannot be read.
    pub fn season(&self) -> Result<DataArray> {
        let calendar = self.datetimes("season")?;
        self.map("season", DType::Str, move |t, shape| {
            let names = components::season(t, calendar);
            let labels: Vec<String> = t
                .iter()
                .zip(names)
                .map(|(&x, s)| if x == NAT { "nan" } else { s }.to_string())
                .collect();
            NdArray::from_shape_vec(shape, labels)
        })
    }

    /// Whether the year is a leap year on the calendar, as `bool` (false for NaT).
    ///
    /// # Errors
    /// [`Error::UnsupportedDType`] for timedeltas; when the data cannot be read.
    pub fn is_leap_year(&self) -> Result<DataArray> {
        let calendar = self.datetimes("is_leap_year")?;
        self.map("is_leap_year", DType::Bool, move |t, shape| {
            let leap = components::is_leap_year(t, calendar);
            let leap = t.iter().zip(leap).map(|(&x, l)| x != NAT && l).collect();
            NdArray::from_shape_vec(shape, leap)
        })
    }

    /// The datetimes formatted by `format` as strings (see [`strftime`] for the
    /// directives), named `"strftime"` and without attrs, as xarray's `dt.strftime`.
    ///
    /// # Errors
    /// [`Error::UnsupportedDType`] for timedeltas; [`Error::Time`] naming `format` when
    /// it has an unsupported directive.
    pub fn strftime(&self, format: &str) -> Result<DataArray> {
        let calendar = self.datetimes("strftime")?;
        // Check the format once, before any chunk is computed.
        strftime(&[], calendar, format)?;
        let fmt = format.to_string();
        let out = self.map("strftime", DType::Str, move |t, shape| {
            NdArray::from_shape_vec(shape, strftime(t, calendar, &fmt)?)
        })?;
        // xarray builds a new array here: the attrs do not carry over.
        Ok(out.with_attrs(Default::default()))
    }

    /// Whole days of each duration, floored as pandas' `Timedelta.days` (-1 for
    /// `-1 days +23:45:00`).
    ///
    /// # Errors
    /// [`Error::UnsupportedDType`] for datetimes; when the data cannot be read, or holds
    /// NaT and is lazy.
    pub fn days(&self) -> Result<DataArray> {
        self.timedeltas("days")?;
        self.int_field("days", |t| {
            t.iter().map(|&x| x.div_euclid(TICKS_PER_DAY)).collect()
        })
    }

    /// Seconds within the day, 0..86400, as pandas' `Timedelta.seconds`.
    ///
    /// # Errors
    /// As [`days`](Self::days).
    pub fn seconds(&self) -> Result<DataArray> {
        self.timedeltas("seconds")?;
        self.int_field("seconds", |t| {
            t.iter()
                .map(|&x| x.rem_euclid(TICKS_PER_DAY) / TICKS_PER_SECOND)
                .collect()
        })
    }

    /// Microseconds within the second, as pandas' `Timedelta.microseconds`.
    ///
    /// # Errors
    /// As [`days`](Self::days).
    pub fn microseconds(&self) -> Result<DataArray> {
        self.timedeltas("microseconds")?;
        self.int_field("microseconds", |t| {
            t.iter().map(|&x| x.rem_euclid(TICKS_PER_SECOND)).collect()
        })
    }

    /// Each duration in seconds, as `float64` (NaN for NaT), xarray's
    /// `dt.total_seconds()`.
    ///
    /// # Errors
    /// [`Error::UnsupportedDType`] for datetimes; when the data cannot be read.
    pub fn total_seconds(&self) -> Result<DataArray> {
        self.timedeltas("total_seconds")?;
        self.map("total_seconds", DType::F64, |t, shape| {
            let secs = t
                .iter()
                .map(|&x| {
                    if x == NAT {
                        f64::NAN
                    } else {
                        x as f64 / TICKS_PER_SECOND as f64
                    }
                })
                .collect();
            NdArray::from_shape_vec(shape, secs)
        })
    }
}
