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
    /// Text that is not a (partial) ISO 8601 datetime on the calendar.
    #[error("cannot parse {text:?} as a datetime: {reason}")]
    InvalidDatetime {
        /// The text as given.
        text: String,
        /// Why.
        reason: String,
    },
}

/// Formats microsecond ticks on `calendar` as ISO 8601.
pub fn format_ticks(ticks: i64, calendar: Calendar) -> String {
    CfDatetime::from_ticks(ticks, calendar).to_string()
}

/// Parses a full or partial ISO 8601 datetime (`"2018"`, `"2018-03"`, `"2018-03-04"`,
/// `"2018-03-04T05"`, `"2018-03-04 05:06"`, `"2018-03-04T05:06:07.5"`) into the
/// half-open tick range `[start, end)` it names on `calendar`: `"2018-03"` covers all of
/// March 2018.
///
/// # Errors
/// [`TimeError::InvalidDatetime`] when the text is not such a datetime, a field is out
/// of range for the calendar, or the calendar is Julian (or `standard` before
/// 1582-10-15), which this minimal parser does not handle yet.
pub fn parse_partial_datetime(s: &str, calendar: Calendar) -> Result<(i64, i64), TimeError> {
    partial::parse(s, calendar)
}

/// A minimal partial-datetime parser (placeholder until the full time layer lands).
mod partial {
    use super::{Calendar, TimeError, TICKS_PER_SECOND};

    const TICKS_PER_DAY: i64 = 86_400 * TICKS_PER_SECOND;
    /// 1582-10-15 (Gregorian) as days from 1970-01-01.
    const GREGORIAN_START: i64 = -141_427;

    fn err(s: &str, reason: &str) -> TimeError {
        TimeError::InvalidDatetime {
            text: s.to_string(),
            reason: reason.to_string(),
        }
    }

    fn is_leap(year: i64, calendar: Calendar) -> bool {
        match calendar {
            Calendar::NoLeap | Calendar::Day360 => false,
            Calendar::AllLeap => true,
            Calendar::Julian => year.rem_euclid(4) == 0,
            _ => {
                year.rem_euclid(4) == 0 && (year.rem_euclid(100) != 0 || year.rem_euclid(400) == 0)
            }
        }
    }

    fn month_len(year: i64, month: i64, calendar: Calendar) -> i64 {
        if calendar == Calendar::Day360 {
            return 30;
        }
        match month {
            2 if is_leap(year, calendar) => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        }
    }

    /// Days from 1970-01-01 to the first of `month` (1-based) of `year`, plus `day - 1`.
    fn days_from_civil(s: &str, y: i64, m: i64, d: i64, cal: Calendar) -> Result<i64, TimeError> {
        let days = match cal {
            Calendar::Standard | Calendar::ProlepticGregorian => {
                let y = if m <= 2 { y - 1 } else { y };
                let era = y.div_euclid(400);
                let yoe = y - era * 400;
                let mp = if m > 2 { m - 3 } else { m + 9 };
                let doy = (153 * mp + 2) / 5 + d - 1;
                let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
                era * 146_097 + doe - 719_468
            }
            Calendar::NoLeap | Calendar::AllLeap => {
                let len = if cal == Calendar::AllLeap { 366 } else { 365 };
                let before: i64 = (1..m).map(|k| month_len(y, k, cal)).sum();
                (y - 1970) * len + before + d - 1
            }
            Calendar::Day360 => (y - 1970) * 360 + (m - 1) * 30 + d - 1,
            _ => {
                return Err(err(
                    s,
                    "the julian calendar is not supported by this parser",
                ))
            }
        };
        if cal == Calendar::Standard && days < GREGORIAN_START {
            return Err(err(
                s,
                "dates before 1582-10-15 on the standard calendar are not supported by this parser",
            ));
        }
        Ok(days)
    }

    fn num(s: &str, part: &str, what: &str) -> Result<i64, TimeError> {
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err(
                s,
                &format!("expected digits for the {what}, got {part:?}"),
            ));
        }
        part.parse()
            .map_err(|_| err(s, &format!("{what} {part:?} is too large")))
    }

    pub(super) fn parse(s: &str, cal: Calendar) -> Result<(i64, i64), TimeError> {
        let text = s.trim();
        let (date, time) = match text.find(['T', ' ']) {
            Some(i) => (&text[..i], Some(&text[i + 1..])),
            None => (text, None),
        };
        let (neg, date_body) = match date.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, date),
        };
        let parts: Vec<&str> = date_body.split('-').collect();
        if parts.len() > 3 || (time.is_some() && parts.len() != 3) {
            return Err(err(s, "expected YYYY[-MM[-DD[THH[:MM[:SS[.ffffff]]]]]]"));
        }
        let mut year = num(s, parts[0], "year")?;
        if neg {
            year = -year;
        }
        let month = parts.get(1).map(|p| num(s, p, "month")).transpose()?;
        let day = parts.get(2).map(|p| num(s, p, "day")).transpose()?;
        if let Some(m) = month {
            if !(1..=12).contains(&m) {
                return Err(err(s, &format!("month {m} is not in 1..=12")));
            }
        }
        if let (Some(m), Some(d)) = (month, day) {
            let len = month_len(year, m, cal);
            if !(1..=len).contains(&d) {
                return Err(err(
                    s,
                    &format!("day {d} is not in 1..={len} on the {cal} calendar"),
                ));
            }
        }
        let m = month.unwrap_or(1);
        let d = day.unwrap_or(1);
        let start_day = days_from_civil(s, year, m, d, cal)?;
        let end_day = match (month, day) {
            (None, _) => days_from_civil(s, year + 1, 1, 1, cal)?,
            (Some(12), None) => days_from_civil(s, year + 1, 1, 1, cal)?,
            (Some(m), None) => days_from_civil(s, year, m + 1, 1, cal)?,
            (Some(_), Some(_)) => start_day + 1,
        };
        let start = start_day * TICKS_PER_DAY;
        let Some(time) = time else {
            return Ok((start, end_day * TICKS_PER_DAY));
        };
        let (hms, frac) = match time.split_once('.') {
            Some((a, b)) => (a, Some(b)),
            None => (time, None),
        };
        let fields: Vec<&str> = hms.split(':').collect();
        if fields.len() > 3 || (frac.is_some() && fields.len() != 3) {
            return Err(err(s, "expected HH[:MM[:SS[.ffffff]]] after the date"));
        }
        let limits = [(24, "hour"), (60, "minute"), (60, "second")];
        let units = [
            3600 * TICKS_PER_SECOND,
            60 * TICKS_PER_SECOND,
            TICKS_PER_SECOND,
        ];
        let mut offset = 0;
        for (i, f) in fields.iter().enumerate() {
            let v = num(s, f, limits[i].1)?;
            if v >= limits[i].0 {
                return Err(err(s, &format!("{} {v} is out of range", limits[i].1)));
            }
            offset += v * units[i];
        }
        let mut step = units[fields.len() - 1];
        if let Some(frac) = frac {
            if frac.is_empty() || frac.len() > 6 || !frac.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err(s, "expected 1 to 6 digits of fraction of a second"));
            }
            let padded = format!("{frac:0<6}");
            offset += num(s, &padded, "fraction")?;
            step = 10_i64.pow(6 - frac.len() as u32);
        }
        Ok((start + offset, start + offset + step))
    }
}
