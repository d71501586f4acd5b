//! Day-number arithmetic: calendar dates to and from days since 1970-01-01 of the same
//! calendar, in closed form (no loops over months or years).
//!
//! Years here are in each calendar's own numbering (see [`Calendar::has_year_zero`]);
//! the formulas work on astronomical years and convert at the edges.

use super::Calendar;

/// 1582-10-15, the first Gregorian day of `standard`, as days since 1970-01-01.
pub(crate) const GREGORIAN_START: i64 = -141_427;

/// Julian 1970-01-01 is Gregorian 1970-01-14: the `julian` calendar's epoch sits 13 days
/// after the Gregorian epoch on the shared day line.
const JULIAN_EPOCH_SHIFT: i64 = 13;

/// Days before each month in a 365-day and a 366-day year.
pub(crate) const CUM_DAYS: [u16; 13] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];
pub(crate) const CUM_DAYS_LEAP: [u16; 13] =
    [0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335, 366];

/// Days since 1970-01-01 of `calendar` to the date `year-month-day`. The date must be
/// valid (see `CfDatetime::new`); callers validate first.
pub(crate) fn days_from_civil(year: i64, month: u8, day: u8, calendar: Calendar) -> i64 {
    let astro = calendar.astronomical_year(year);
    let (m, d) = (i64::from(month), i64::from(day));
    match calendar {
        Calendar::ProlepticGregorian => gregorian_days(astro, m, d),
        Calendar::Julian => julian_days(astro, m, d) - JULIAN_EPOCH_SHIFT,
        Calendar::Standard => {
            if (astro, month, day) >= (1582, 10, 15) {
                gregorian_days(astro, m, d)
            } else {
                julian_days(astro, m, d)
            }
        }
        Calendar::NoLeap => (astro - 1970) * 365 + i64::from(CUM_DAYS[(m - 1) as usize]) + d - 1,
        Calendar::AllLeap => {
            (astro - 1970) * 366 + i64::from(CUM_DAYS_LEAP[(m - 1) as usize]) + d - 1
        }
        Calendar::Day360 => (astro - 1970) * 360 + (m - 1) * 30 + d - 1,
    }
}

/// The date `days` after 1970-01-01 of `calendar`, as (year, month, day).
pub(crate) fn civil_from_days(days: i64, calendar: Calendar) -> (i64, u8, u8) {
    let (astro, m, d) = match calendar {
        Calendar::ProlepticGregorian => gregorian_from_days(days),
        Calendar::Julian => julian_from_days(days + JULIAN_EPOCH_SHIFT),
        Calendar::Standard if days >= GREGORIAN_START => gregorian_from_days(days),
        // Before 1582-10-15 `standard` is Julian, counted on the same day line.
        Calendar::Standard => julian_from_days(days),
        Calendar::NoLeap => fixed_from_days(days, 365),
        Calendar::AllLeap => fixed_from_days(days, 366),
        Calendar::Day360 => {
            let y = 1970 + days.div_euclid(360);
            let r = days.rem_euclid(360);
            (y, (r / 30 + 1) as u8, (r % 30 + 1) as u8)
        }
    };
    (calendar.year_from_astronomical(astro), m, d)
}

/// Day of the year, from 1, as cftime counts it: days of the preceding months (from the
/// month table) plus the day, so `standard` 1582-10-15 is day 288.
pub(crate) fn day_of_year(year: i64, month: u8, day: u8, calendar: Calendar) -> u16 {
    let m = usize::from(month - 1);
    let before = match calendar {
        Calendar::Day360 => 30 * m as u16,
        _ if calendar.is_leap_year(year) => CUM_DAYS_LEAP[m],
        _ => CUM_DAYS[m],
    };
    before + u16::from(day)
}

/// Day of the week, Monday = 0, from days since 1970-01-01, matching cftime's `dayofwk`
/// (`(julian day + 1) % 7`). For the idealized calendars the week simply runs on through
/// their shorter or longer years, anchored where cftime anchors it.
pub(crate) fn day_of_week(days: i64, calendar: Calendar) -> u8 {
    // cftime's dayofwk of 1970-01-01 on each calendar.
    let epoch = match calendar {
        Calendar::Standard | Calendar::ProlepticGregorian | Calendar::NoLeap => 3,
        Calendar::Julian | Calendar::Day360 => 2,
        Calendar::AllLeap => 6,
    };
    (days + epoch).rem_euclid(7) as u8
}

/// Month (1..=12) and day from the March-based day of year `doy` (0 = March 1).
fn march_month_day(doy: i64) -> (u8, u8) {
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    (m, d)
}

/// Index of the month (0 = March) in a March-based year.
fn march_doy(m: i64, d: i64) -> i64 {
    (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1
}

/// Days from 1970-01-01 (proleptic Gregorian) to a Gregorian date (astronomical year).
fn gregorian_days(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + march_doy(m, d);
    era * 146_097 + doe - 719_468
}

fn gregorian_from_days(z: i64) -> (i64, u8, u8) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let (m, d) = march_month_day(doy);
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Days from Gregorian 1970-01-01 to a Julian date (astronomical year): Julian
/// 0000-03-01 is 719,470 days before it.
fn julian_days(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(4);
    let yoe = y - era * 4;
    era * 1461 + yoe * 365 + march_doy(m, d) - 719_470
}

/// Julian date of a day counted on the Gregorian-epoch day line.
fn julian_from_days(z: i64) -> (i64, u8, u8) {
    let z = z + 719_470;
    let era = z.div_euclid(1461);
    let doe = z - era * 1461;
    let yoe = (doe - doe / 1460) / 365;
    let doy = doe - 365 * yoe;
    let (m, d) = march_month_day(doy);
    (yoe + era * 4 + i64::from(m <= 2), m, d)
}

/// Dates of the 365- and 366-day calendars: a fixed year, months found in closed form by
/// counting from March so that February's length does not matter.
fn fixed_from_days(days: i64, len: i64) -> (i64, u8, u8) {
    let y = 1970 + days.div_euclid(len);
    let doy = days.rem_euclid(len);
    let jan_feb = if len == 366 { 60 } else { 59 };
    if doy < 31 {
        (y, 1, (doy + 1) as u8)
    } else if doy < jan_feb {
        (y, 2, (doy - 30) as u8)
    } else {
        let (m, d) = march_month_day(doy - jan_feb);
        (y, m, d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_every_calendar() {
        for cal in Calendar::ALL {
            for days in (-800_000..800_000).step_by(7) {
                let (y, m, d) = civil_from_days(days, cal);
                assert_eq!(days_from_civil(y, m, d, cal), days, "{cal} {y}-{m}-{d}");
            }
        }
    }

    #[test]
    fn known_dates() {
        assert_eq!(
            days_from_civil(1582, 10, 15, Calendar::Standard),
            GREGORIAN_START
        );
        assert_eq!(
            civil_from_days(GREGORIAN_START - 1, Calendar::Standard),
            (1582, 10, 4)
        );
        assert_eq!(civil_from_days(0, Calendar::Julian), (1970, 1, 1));
        assert_eq!(
            civil_from_days(-1, Calendar::ProlepticGregorian),
            (1969, 12, 31)
        );
        assert_eq!(
            civil_from_days(-719_163, Calendar::ProlepticGregorian),
            (0, 12, 31)
        );
        // No year 0 on julian: the day before 0001-01-01 is -0001-12-31.
        let d = days_from_civil(1, 1, 1, Calendar::Julian);
        assert_eq!(civil_from_days(d - 1, Calendar::Julian), (-1, 12, 31));
        assert_eq!(civil_from_days(d - 366, Calendar::Julian), (-1, 1, 1));
    }
}
