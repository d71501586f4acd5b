//! `CfDatetime`: a date and time on a CF calendar.

use std::fmt;

use super::{Calendar, TICKS_PER_SECOND};

const TICKS_PER_DAY: i64 = 86_400 * TICKS_PER_SECOND;

/// A date and time on a calendar, to the nanosecond.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CfDatetime {
    /// Year (astronomical numbering: year 0 is 1 BC on the calendars that have it).
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
}

/// Days from 1970-01-01 to (year, month, day) on `calendar`.
fn civil_from_days(days: i64, calendar: Calendar) -> (i64, u8, u8) {
    match calendar {
        Calendar::ProlepticGregorian => gregorian_from_days(days),
        Calendar::Julian => julian_from_days(days + JULIAN_EPOCH_SHIFT),
        Calendar::Standard if days >= GREGORIAN_START => gregorian_from_days(days),
        // Before 1582-10-15 the standard calendar is Julian, counted on the same day line.
        Calendar::Standard => julian_from_days(days),
        Calendar::NoLeap | Calendar::AllLeap => fixed_from_days(days, calendar),
        Calendar::Day360 => {
            let y = 1970 + days.div_euclid(360);
            let d = days.rem_euclid(360);
            (y, (d / 30 + 1) as u8, (d % 30 + 1) as u8)
        }
    }
}

/// 1582-10-15 (Gregorian) as days from 1970-01-01.
const GREGORIAN_START: i64 = -141_427;
/// Julian 1970-01-01 is Gregorian 1970-01-14: shift from Julian-epoch days to the
/// Gregorian-epoch day line that `julian_from_days` takes.
const JULIAN_EPOCH_SHIFT: i64 = 13;

fn gregorian_from_days(z: i64) -> (i64, u8, u8) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Julian calendar date of a day counted on the Gregorian-epoch day line.
fn julian_from_days(z: i64) -> (i64, u8, u8) {
    // Days since Julian 0000-03-01 (= 719470 days before Gregorian 1970-01-01).
    let z = z + 719_470;
    let era = z.div_euclid(1461);
    let doe = z - era * 1461;
    let yoe = (doe - doe / 1460) / 365;
    let doy = doe - 365 * yoe;
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let y = yoe + era * 4 + i64::from(m <= 2);
    (y, m, d)
}

fn fixed_from_days(days: i64, calendar: Calendar) -> (i64, u8, u8) {
    let (len, months): (i64, [i64; 12]) = if calendar == Calendar::AllLeap {
        (366, [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    } else {
        (365, [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    };
    let y = 1970 + days.div_euclid(len);
    let mut d = days.rem_euclid(len);
    let mut m = 0;
    while d >= months[m] {
        d -= months[m];
        m += 1;
    }
    (y, (m + 1) as u8, (d + 1) as u8)
}

impl fmt::Display for CfDatetime {
    /// ISO 8601: `YYYY-MM-DDTHH:MM:SS`, with a fraction when it is not zero.
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
