//! xarray's `.dt` accessor: the components of a DataArray of datetimes, on every CF
//! calendar, as DataArrays of the same dims and coordinates named after the component.
//! Computed per chunk, so lazy data stays lazy.
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
use crate::time::{strftime, Calendar, NAT};

/// The `.dt` accessor of a DataArray of datetimes (see [`DataArray::dt`]).
#[derive(Debug, Clone, Copy)]
pub struct DatetimeAccessor<'a> {
    array: &'a DataArray,
    calendar: Calendar,
}

impl DataArray {
    /// The datetime accessor, xarray's `da.dt`.
    ///
    /// # Errors
    /// [`Error::UnsupportedDType`] when the array does not hold datetimes.
    pub fn dt(&self) -> Result<DatetimeAccessor<'_>> {
        match self.dtype() {
            DType::DateTime(calendar) => Ok(DatetimeAccessor {
                array: self,
                calendar,
            }),
            dtype => Err(Error::UnsupportedDType {
                op: format!(
                    "the .dt accessor of DataArray {} (it needs datetimes)",
                    self.display_name()
                ),
                dtype,
            }),
        }
    }
}

/// The ticks of a block of datetimes, in row-major order.
fn ticks(block: &NdArray) -> Result<Vec<i64>> {
    match block {
        NdArray::DateTime(t, _) => Ok(t.iter().copied().collect()),
        other => Err(Error::UnsupportedDType {
            op: "a datetime component".into(),
            dtype: other.dtype(),
        }),
    }
}

impl DatetimeAccessor<'_> {
    /// The calendar's CF name, xarray's `dt.calendar`.
    pub fn calendar(&self) -> &'static str {
        self.calendar.name()
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

    /// An integer component as `int64`. As xarray, eager data holding NaT gives
    /// `float64` with NaN there; lazy data must be `int64` before it is computed, so NaT
    /// in a lazy chunk is an error naming the component.
    fn component(&self, name: &str, component: Component) -> Result<DataArray> {
        let calendar = self.calendar;
        let lazy = self.array.values().is_lazy();
        let label = name.to_string();
        self.map(name, DType::I64, move |t, shape| {
            let values = component.compute(t, calendar);
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
    /// When the data cannot be read, or holds NaT and is lazy (see the module docs).
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
    /// When the data cannot be read.
    pub fn season(&self) -> Result<DataArray> {
        let calendar = self.calendar;
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
    /// When the data cannot be read.
    pub fn is_leap_year(&self) -> Result<DataArray> {
        let calendar = self.calendar;
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
    /// [`Error::Time`] naming `format` when it has an unsupported directive.
    pub fn strftime(&self, format: &str) -> Result<DataArray> {
        let calendar = self.calendar;
        // Check the format once, before any chunk is computed.
        strftime(&[], calendar, format)?;
        let fmt = format.to_string();
        let out = self.map("strftime", DType::Str, move |t, shape| {
            NdArray::from_shape_vec(shape, strftime(t, calendar, &fmt)?)
        })?;
        // xarray builds a new array here: the attrs do not carry over.
        Ok(out.with_attrs(Default::default()))
    }
}
