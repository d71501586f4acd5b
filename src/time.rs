//! CF time: calendars, datetimes, `UNITS since REFERENCE` decoding and encoding,
//! datetime components and frequencies.
//!
//! Datetime arrays store `i64` microseconds since `1970-01-01T00:00:00` *in their own
//! calendar* (the dtype carries the calendar), the resolution cftime uses. That range
//! covers ±292,000 years, so paleo and far-future runs on any calendar fit.
//!
//! Year numbering follows cftime's defaults (CF 1.9): `standard` and `julian` have no
//! year 0 (1 BC is year -1), `proleptic_gregorian` and the idealized calendars count
//! astronomically with a year 0. `standard` is Julian up to 1582-10-04 and Gregorian from
//! the next day, 1582-10-15.
//!
//! ```
//! use xr::time::{components, date_range, decode, encode, Calendar, CfDatetime};
//!
//! # fn main() -> Result<(), xr::time::TimeError> {
//! let cal: Calendar = "noleap".parse()?;
//! let t = decode(&[0i32, 59, 365], "days since 2000-01-01", cal)?;
//! assert_eq!(xr::time::format_ticks(t[1], cal), "2000-03-01T00:00:00");
//! assert_eq!(components::season(&t, cal), ["DJF", "MAM", "DJF"]);
//! let (values, units) = encode(&t, cal)?;
//! assert_eq!(units, "days since 2000-01-01 00:00:00.000000");
//! assert_eq!(values, xr::time::Encoded::Int(vec![0, 59, 365]));
//!
//! let start = CfDatetime::new(2000, 1, 15, cal)?;
//! let months = date_range(start, None, Some(2), "MS".parse()?, cal)?;
//! assert_eq!(xr::time::format_ticks(months[0], cal), "2000-02-01T00:00:00");
//! let (jan_start, jan_end) = xr::time::parse_partial_datetime("2000-01", cal)?;
//! assert_eq!(jan_end - jan_start, 31 * xr::time::TICKS_PER_DAY);
//! # Ok(())
//! # }
//! ```

mod calendar;
mod civil;
pub mod components;
mod convert;
mod datetime;
mod delta;
pub mod freq;
mod infer;
mod parse;
mod strftime;
pub mod units;

pub use calendar::Calendar;
pub use convert::{convert_or_go_back, convert_ticks, date_range_like, decimal_year, AlignOn};
pub use datetime::CfDatetime;
pub use delta::{infer_timedelta_unit, timedelta_unit, TimeDelta};
pub use freq::{date_range, Frequency};
pub use infer::infer_freq;
pub use parse::parse_partial_datetime;
pub use strftime::strftime;
pub use units::{decode, encode, encode_with_units, CfUnits, Encoded, TimeUnit};

/// Microseconds per second, the tick of datetime arrays.
pub const TICKS_PER_SECOND: i64 = 1_000_000;

/// Microseconds per day.
pub const TICKS_PER_DAY: i64 = 86_400 * TICKS_PER_SECOND;

/// "Not a time": the tick value that [`decode`] gives to NaN or infinite offsets, and that
/// [`encode`] writes back as NaN. Components of it are meaningless.
pub const NAT: i64 = i64::MIN;

/// A `Result` with [`TimeError`].
pub type Result<T, E = TimeError> = std::result::Result<T, E>;

/// Errors of the time layer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum TimeError {
    /// A calendar name that CF does not define.
    #[error("unknown calendar {calendar:?}; expected one of standard, gregorian, proleptic_gregorian, noleap, 365_day, all_leap, 366_day, 360_day, julian")]
    UnknownCalendar {
        /// The name as given.
        calendar: String,
    },
    /// A date that does not exist on the calendar (month 13, 30 February, year 0 on
    /// `standard`, 1582-10-10 on `standard`, ...).
    #[error("invalid date {date} on calendar {calendar}: {reason}")]
    InvalidDate {
        /// The date as given.
        date: String,
        /// The calendar.
        calendar: Calendar,
        /// What is wrong with it.
        reason: String,
    },
    /// A date/time string that could not be parsed.
    #[error("cannot parse {input:?} as a date on calendar {calendar}: {reason}")]
    Parse {
        /// The string as given.
        input: String,
        /// The calendar.
        calendar: Calendar,
        /// What is wrong with it.
        reason: String,
    },
    /// A CF `units` attribute that could not be used.
    #[error("invalid time units {units:?} on calendar {calendar}: {reason}")]
    InvalidUnits {
        /// The units string as given.
        units: String,
        /// The calendar.
        calendar: Calendar,
        /// What is wrong with it.
        reason: String,
    },
    /// A result outside the ±292,000-year range of microsecond ticks.
    #[error("{what} is out of the representable range (i64 microseconds) on calendar {calendar}")]
    OutOfRange {
        /// The value or operation, with its units.
        what: String,
        /// The calendar.
        calendar: Calendar,
    },
    /// A frequency string that could not be parsed.
    #[error("invalid frequency {freq:?}: {reason}")]
    InvalidFrequency {
        /// The frequency as given.
        freq: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A datetime component name that xarray does not define.
    #[error("unknown datetime component {name:?}; expected year, month, day, hour, minute, second, microsecond, dayofyear, dayofweek, days_in_month or season")]
    UnknownComponent {
        /// The name as given.
        name: String,
    },
    /// A `strftime` format with a directive that is not supported.
    #[error("invalid strftime format {format:?}: {reason}")]
    InvalidFormat {
        /// The format as given.
        format: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Arguments of `date_range` that do not define a range.
    #[error("invalid date range: {reason}")]
    InvalidRange {
        /// What is wrong.
        reason: String,
    },
}

/// Formats microsecond ticks on `calendar` as ISO 8601.
pub fn format_ticks(ticks: i64, calendar: Calendar) -> String {
    CfDatetime::from_ticks(ticks, calendar).to_string()
}
