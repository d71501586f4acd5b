//! Datetime components (xarray's `.dt` accessor), vectorised over ticks.
//!
//! Each function maps a slice of ticks on one calendar to one component per element,
//! with closed-form day arithmetic (no per-element loops over months or years).
//! Components of [`NAT`](super::NAT) are meaningless.

use std::str::FromStr;

use super::civil::{civil_from_days, day_of_week, day_of_year};
use super::{Calendar, TimeError, TICKS_PER_DAY, TICKS_PER_SECOND};

/// Season names, in calendar order; [`season_index`] indexes this.
pub const SEASONS: [&str; 4] = ["DJF", "MAM", "JJA", "SON"];

fn ymd(t: i64, calendar: Calendar) -> (i64, u8, u8) {
    civil_from_days(t.div_euclid(TICKS_PER_DAY), calendar)
}

fn second_of_day(t: i64) -> i64 {
    t.rem_euclid(TICKS_PER_DAY) / TICKS_PER_SECOND
}

/// Year of each tick, in the calendar's numbering.
pub fn year(ticks: &[i64], calendar: Calendar) -> Vec<i64> {
    ticks.iter().map(|&t| ymd(t, calendar).0).collect()
}

/// Month, 1..=12.
pub fn month(ticks: &[i64], calendar: Calendar) -> Vec<u8> {
    ticks.iter().map(|&t| ymd(t, calendar).1).collect()
}

/// Day of the month, from 1.
pub fn day(ticks: &[i64], calendar: Calendar) -> Vec<u8> {
    ticks.iter().map(|&t| ymd(t, calendar).2).collect()
}

/// Hour, 0..=23.
pub fn hour(ticks: &[i64]) -> Vec<u8> {
    ticks
        .iter()
        .map(|&t| (second_of_day(t) / 3600) as u8)
        .collect()
}

/// Minute, 0..=59.
pub fn minute(ticks: &[i64]) -> Vec<u8> {
    ticks
        .iter()
        .map(|&t| (second_of_day(t) / 60 % 60) as u8)
        .collect()
}

/// Second, 0..=59.
pub fn second(ticks: &[i64]) -> Vec<u8> {
    ticks
        .iter()
        .map(|&t| (second_of_day(t) % 60) as u8)
        .collect()
}

/// Microsecond within the second, 0..1_000_000.
pub fn microsecond(ticks: &[i64]) -> Vec<u32> {
    ticks
        .iter()
        .map(|&t| t.rem_euclid(TICKS_PER_SECOND) as u32)
        .collect()
}

/// Day of the year from 1, as cftime's `dayofyr`: the days of the preceding months plus
/// the day (on `standard`, 1582-10-15 is day 288 although ten days were dropped).
pub fn dayofyear(ticks: &[i64], calendar: Calendar) -> Vec<u16> {
    ticks
        .iter()
        .map(|&t| {
            let (y, m, d) = ymd(t, calendar);
            day_of_year(y, m, d, calendar)
        })
        .collect()
}

/// Day of the week, Monday = 0 .. Sunday = 6, as pandas and cftime's `dayofwk`. The
/// idealized calendars (`noleap`, `all_leap`, `360_day`) have no real week; like
/// cftime, the week runs on continuously through their days, so these values equal
/// cftime's `dayofwk` on every calendar.
pub fn dayofweek(ticks: &[i64], calendar: Calendar) -> Vec<u8> {
    ticks
        .iter()
        .map(|&t| day_of_week(t.div_euclid(TICKS_PER_DAY), calendar))
        .collect()
}

/// Season index in calendar order: 0 = DJF, 1 = MAM, 2 = JJA, 3 = SON.
pub fn season_index(ticks: &[i64], calendar: Calendar) -> Vec<u8> {
    ticks
        .iter()
        .map(|&t| month_season(ymd(t, calendar).1))
        .collect()
}

/// Season name (`"DJF"`, `"MAM"`, `"JJA"`, `"SON"`), as xarray's `dt.season`.
pub fn season(ticks: &[i64], calendar: Calendar) -> Vec<&'static str> {
    season_index(ticks, calendar)
        .into_iter()
        .map(|i| SEASONS[usize::from(i)])
        .collect()
}

/// The season index (0 = DJF .. 3 = SON) of a month 1..=12.
pub fn month_season(month: u8) -> u8 {
    (month % 12) / 3
}

/// Days in the month of each tick.
pub fn days_in_month(ticks: &[i64], calendar: Calendar) -> Vec<u8> {
    ticks
        .iter()
        .map(|&t| {
            let (y, m, _) = ymd(t, calendar);
            calendar.days_in_month(y, m)
        })
        .collect()
}

/// Whether the year of each tick is a leap year on the calendar.
pub fn is_leap_year(ticks: &[i64], calendar: Calendar) -> Vec<bool> {
    ticks
        .iter()
        .map(|&t| calendar.is_leap_year(ymd(t, calendar).0))
        .collect()
}

/// A numeric datetime component, by its xarray name: the virtual coordinates of
/// `groupby("time.month")` and friends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Component {
    /// `year`.
    Year,
    /// `month`.
    Month,
    /// `day`.
    Day,
    /// `hour`.
    Hour,
    /// `minute`.
    Minute,
    /// `second`.
    Second,
    /// `microsecond`.
    Microsecond,
    /// `dayofyear`.
    DayOfYear,
    /// `dayofweek` / `weekday`.
    DayOfWeek,
    /// `days_in_month` / `daysinmonth`.
    DaysInMonth,
    /// `season`, as its index 0..4 (see [`SEASONS`]).
    Season,
}

impl Component {
    /// The component of every tick, as `i64` (leap years as 0/1 are not a component;
    /// see [`is_leap_year`]).
    pub fn compute(self, ticks: &[i64], calendar: Calendar) -> Vec<i64> {
        let widen = |v: Vec<u8>| v.into_iter().map(i64::from).collect();
        match self {
            Component::Year => year(ticks, calendar),
            Component::Month => widen(month(ticks, calendar)),
            Component::Day => widen(day(ticks, calendar)),
            Component::Hour => widen(hour(ticks)),
            Component::Minute => widen(minute(ticks)),
            Component::Second => widen(second(ticks)),
            Component::Microsecond => microsecond(ticks).into_iter().map(i64::from).collect(),
            Component::DayOfYear => dayofyear(ticks, calendar)
                .into_iter()
                .map(i64::from)
                .collect(),
            Component::DayOfWeek => widen(dayofweek(ticks, calendar)),
            Component::DaysInMonth => widen(days_in_month(ticks, calendar)),
            Component::Season => widen(season_index(ticks, calendar)),
        }
    }
}

impl FromStr for Component {
    type Err = TimeError;

    /// Parses an xarray component name (`"month"`, `"dayofyear"`, `"season"`, ...).
    fn from_str(s: &str) -> Result<Self, TimeError> {
        Ok(match s {
            "year" => Component::Year,
            "month" => Component::Month,
            "day" => Component::Day,
            "hour" => Component::Hour,
            "minute" => Component::Minute,
            "second" => Component::Second,
            "microsecond" => Component::Microsecond,
            "dayofyear" => Component::DayOfYear,
            "dayofweek" | "weekday" => Component::DayOfWeek,
            "days_in_month" | "daysinmonth" => Component::DaysInMonth,
            "season" => Component::Season,
            _ => {
                return Err(TimeError::UnknownComponent {
                    name: s.to_string(),
                })
            }
        })
    }
}
