//! CF time: calendars, datetimes, `UNITS since REFERENCE` decoding and encoding,
//! datetime components and frequencies.
//!
//! Datetime arrays store `i64` microseconds since `1970-01-01T00:00:00` *in their own
//! calendar* (the dtype carries the calendar), the resolution cftime uses. That range
//! covers ±292,000 years, so paleo and far-future runs on any calendar fit.

mod calendar;
mod datetime;

pub use calendar::Calendar;
pub use datetime::CfDatetime;

/// Microseconds per second, the tick of datetime arrays.
pub const TICKS_PER_SECOND: i64 = 1_000_000;

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
}

/// Formats microsecond ticks on `calendar` as ISO 8601.
pub fn format_ticks(ticks: i64, calendar: Calendar) -> String {
    CfDatetime::from_ticks(ticks, calendar).to_string()
}
