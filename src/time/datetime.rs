//! `CfDatetime`: a date and time on a CF calendar.

use std::cmp::Ordering;
use std::fmt;
use std::ops::{Add, Sub};

use super::civil::{civil_from_days, days_from_civil};
use super::{Calendar, Result, TimeDelta, TimeError, TICKS_PER_DAY, TICKS_PER_SECOND};

/// A date and time on a calendar, to the nanosecond.
///
/// Years use the calendar's numbering, as cftime does by default: `standard` and `julian`
/// have no year 0 (year -1 is followed by year 1), the other calendars count
/// astronomically with a year 0 (see [`Calendar::has_year_zero`]).
///
/// Equality compares every field including the calendar; ordering is only defined
/// between datetimes of the same calendar (`partial_cmp` gives `None` otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CfDatetime {
    /// Year, in the calendar's numbering.
    pub year: i64,
    /// Month, 1..=12.
    pub month: u8,
    /// Day of the month, from 1.
    pub day: u8,
    /// Hour, 0..=23.
    pub hour: u8,
    /// Minute, 0..=59.
    pub minute: u8,
    /// Second, 0..=59.
    pub second: u8,
    /// Nanosecond within the second.
    pub nanosecond: u32,
    /// The calendar.
    pub calendar: Calendar,
}

impl CfDatetime {
    /// Midnight of `year-month-day` on `calendar`.
    ///
    /// # Errors
    /// [`TimeError::InvalidDate`] if the date does not exist on the calendar: month out
    /// of 1..=12, day beyond the month's length, year 0 on `standard`/`julian`, the ten
    /// days 1582-10-05..=14 dropped by `standard`, or a year too far out for microsecond
    /// ticks.
    pub fn new(year: i64, month: u8, day: u8, calendar: Calendar) -> Result<Self> {
        let invalid = |reason: String| TimeError::InvalidDate {
            date: format!("{year:04}-{month:02}-{day:02}"),
            calendar,
            reason,
        };
        if year == 0 && !calendar.has_year_zero() {
            return Err(invalid(format!(
                "calendar {calendar} has no year 0 (1 BC is year -1)"
            )));
        }
        if !(-MAX_YEAR..=MAX_YEAR).contains(&year) {
            return Err(invalid(format!(
                "year out of the supported range ±{MAX_YEAR}"
            )));
        }
        if !(1..=12).contains(&month) {
            return Err(invalid("month must be in 1..=12".into()));
        }
        let dim = calendar.days_in_month(year, month);
        if !(1..=dim).contains(&day) {
            return Err(invalid(format!("day must be in 1..={dim} for that month")));
        }
        if calendar == Calendar::Standard && year == 1582 && month == 10 && (5..15).contains(&day) {
            return Err(invalid(
                "1582-10-05..=1582-10-14 do not exist in the mixed Julian/Gregorian calendar"
                    .into(),
            ));
        }
        Ok(CfDatetime {
            year,
            month,
            day,
            hour: 0,
            minute: 0,
            second: 0,
            nanosecond: 0,
            calendar,
        })
    }

    /// The same date at `hour:minute:second` and `nanosecond`.
    ///
    /// # Errors
    /// [`TimeError::InvalidDate`] if a field is out of range (hour 0..=23, minute and
    /// second 0..=59, nanosecond below 10^9).
    pub fn with_time(self, hour: u8, minute: u8, second: u8, nanosecond: u32) -> Result<Self> {
        if hour > 23 || minute > 59 || second > 59 || nanosecond >= 1_000_000_000 {
            return Err(TimeError::InvalidDate {
                date: format!(
                    "{:04}-{:02}-{:02}T{hour:02}:{minute:02}:{second:02}.{nanosecond:09}",
                    self.year, self.month, self.day
                ),
                calendar: self.calendar,
                reason: "time of day out of range (hour 0..=23, minute and second 0..=59, \
                         nanosecond < 10^9)"
                    .into(),
            });
        }
        Ok(CfDatetime {
            hour,
            minute,
            second,
            nanosecond,
            ..self
        })
    }

    /// The datetime `ticks` microseconds after 1970-01-01T00:00:00 on `calendar`.
    pub fn from_ticks(ticks: i64, calendar: Calendar) -> Self {
        let days = ticks.div_euclid(TICKS_PER_DAY);
        let rest = ticks.rem_euclid(TICKS_PER_DAY);
        let (year, month, day) = civil_from_days(days, calendar);
        let secs = rest / TICKS_PER_SECOND;
        CfDatetime {
            year,
            month,
            day,
            hour: (secs / 3600) as u8,
            minute: (secs / 60 % 60) as u8,
            second: (secs % 60) as u8,
            nanosecond: ((rest % TICKS_PER_SECOND) * 1000) as u32,
            calendar,
        }
    }

    /// Microseconds since 1970-01-01T00:00:00 on the datetime's calendar; nanoseconds
    /// below a microsecond are dropped (floor).
    ///
    /// # Errors
    /// [`TimeError::OutOfRange`] if the result does not fit in an `i64`.
    pub fn to_ticks(&self) -> Result<i64> {
        let days = days_from_civil(self.year, self.month, self.day, self.calendar);
        let tod =
            (i64::from(self.hour) * 3600 + i64::from(self.minute) * 60 + i64::from(self.second))
                * TICKS_PER_SECOND
                + i64::from(self.nanosecond / 1000);
        days.checked_mul(TICKS_PER_DAY)
            .and_then(|t| t.checked_add(tod))
            .ok_or_else(|| TimeError::OutOfRange {
                what: format!("datetime {self}"),
                calendar: self.calendar,
            })
    }

    /// The datetime `delta` later.
    ///
    /// # Errors
    /// [`TimeError::OutOfRange`] if the result does not fit in microsecond ticks.
    pub fn checked_add(&self, delta: TimeDelta) -> Result<Self> {
        let ticks = self.to_ticks()?;
        let sub_us = self.nanosecond % 1000;
        ticks
            .checked_add(delta.0)
            .map(|t| {
                let mut out = CfDatetime::from_ticks(t, self.calendar);
                out.nanosecond += sub_us;
                out
            })
            .ok_or_else(|| TimeError::OutOfRange {
                what: format!("{self} + {} µs", delta.0),
                calendar: self.calendar,
            })
    }

    /// The datetime `delta` earlier.
    ///
    /// # Errors
    /// [`TimeError::OutOfRange`] if the result does not fit in microsecond ticks.
    pub fn checked_sub(&self, delta: TimeDelta) -> Result<Self> {
        self.checked_add(-delta)
    }

    /// The duration from `earlier` to `self` (negative if `earlier` is later), to the
    /// microsecond.
    ///
    /// # Errors
    /// [`TimeError::InvalidDate`] if the calendars differ; [`TimeError::OutOfRange`] if
    /// the difference does not fit.
    pub fn duration_since(&self, earlier: &CfDatetime) -> Result<TimeDelta> {
        if self.calendar != earlier.calendar {
            return Err(TimeError::InvalidDate {
                date: earlier.to_string(),
                calendar: earlier.calendar,
                reason: format!(
                    "cannot subtract a datetime on {} from one on {}",
                    earlier.calendar, self.calendar
                ),
            });
        }
        let (a, b) = (self.to_ticks()?, earlier.to_ticks()?);
        a.checked_sub(b)
            .map(TimeDelta)
            .ok_or_else(|| TimeError::OutOfRange {
                what: format!("{self} - {earlier}"),
                calendar: self.calendar,
            })
    }

    fn key(&self) -> (i64, u8, u8, u8, u8, u8, u32) {
        (
            self.year,
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
            self.nanosecond,
        )
    }
}

/// Years beyond this cannot be ticks anyway (i64 microseconds span ±292,277 years).
const MAX_YEAR: i64 = 300_000;

impl PartialOrd for CfDatetime {
    /// Chronological order, between datetimes of one calendar only.
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        // Field order is chronological order on every calendar (the numbering skips
        // year 0 but stays monotonic).
        (self.calendar == other.calendar).then(|| self.key().cmp(&other.key()))
    }
}

impl Add<TimeDelta> for CfDatetime {
    type Output = Result<CfDatetime>;
    fn add(self, rhs: TimeDelta) -> Result<CfDatetime> {
        self.checked_add(rhs)
    }
}

impl Sub<TimeDelta> for CfDatetime {
    type Output = Result<CfDatetime>;
    fn sub(self, rhs: TimeDelta) -> Result<CfDatetime> {
        self.checked_sub(rhs)
    }
}

impl Sub for CfDatetime {
    type Output = Result<TimeDelta>;
    fn sub(self, rhs: CfDatetime) -> Result<TimeDelta> {
        self.duration_since(&rhs)
    }
}

impl CfDatetime {
    /// Python's `str()` of a `datetime` or `cftime` object: `2000-01-01 06:00:00`, with
    /// six decimals when there is a fraction (pandas' and `json.dumps(default=str)`'s
    /// text for xarray's datetimes).
    pub fn to_python_string(&self) -> String {
        let iso = self.to_string();
        let (date, time) = iso.split_once('T').unwrap_or((&iso, "00:00:00"));
        match time.split_once('.') {
            Some((hms, frac)) => format!("{date} {hms}.{:0<6}", &frac[..frac.len().min(6)]),
            None => format!("{date} {time}"),
        }
    }
}

impl fmt::Display for CfDatetime {
    /// ISO 8601: `YYYY-MM-DDTHH:MM:SS`, with a fraction when it is not zero. Years
    /// outside 0..=9999 carry a sign (`-0100`, `+12738`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if (0..=9999).contains(&self.year) {
            write!(f, "{:04}", self.year)?;
        } else {
            write!(f, "{:+05}", self.year)?;
        }
        write!(
            f,
            "-{:02}-{:02}T{:02}:{:02}:{:02}",
            self.month, self.day, self.hour, self.minute, self.second
        )?;
        if self.nanosecond != 0 {
            let frac = format!("{:09}", self.nanosecond);
            write!(f, ".{}", frac.trim_end_matches('0'))?;
        }
        Ok(())
    }
}
