//! CF calendars.

use std::fmt;
use std::str::FromStr;

use super::TimeError;

/// A CF calendar, as named by a time variable's `calendar` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[non_exhaustive]
pub enum Calendar {
    /// `standard` / `gregorian`: Julian before 1582-10-15, Gregorian from then on.
    #[default]
    Standard,
    /// `proleptic_gregorian`: Gregorian rules for every year.
    ProlepticGregorian,
    /// `noleap` / `365_day`: no leap years.
    NoLeap,
    /// `all_leap` / `366_day`: every year is a leap year.
    AllLeap,
    /// `360_day`: twelve months of 30 days.
    Day360,
    /// `julian`: a leap year every four years.
    Julian,
}

impl Calendar {
    /// Every calendar, in a fixed order.
    pub const ALL: [Calendar; 6] = [
        Calendar::Standard,
        Calendar::ProlepticGregorian,
        Calendar::NoLeap,
        Calendar::AllLeap,
        Calendar::Day360,
        Calendar::Julian,
    ];

    /// Whether the calendar has a year 0, as cftime's defaults (CF 1.9) say: no for the
    /// real-world calendars `standard` and `julian` (1 BC is year -1, followed by year 1),
    /// yes for `proleptic_gregorian` (ISO 8601, astronomical numbering) and the idealized
    /// calendars.
    pub fn has_year_zero(self) -> bool {
        !matches!(self, Calendar::Standard | Calendar::Julian)
    }

    /// Whether `year` (in this calendar's numbering, see [`Calendar::has_year_zero`]) is a
    /// leap year. In `standard`, years up to 1582 follow the Julian rule.
    pub fn is_leap_year(self, year: i64) -> bool {
        let astro = self.astronomical_year(year);
        match self {
            Calendar::ProlepticGregorian => gregorian_leap(astro),
            Calendar::Standard if astro > 1582 => gregorian_leap(astro),
            Calendar::Standard | Calendar::Julian => astro.rem_euclid(4) == 0,
            Calendar::NoLeap | Calendar::Day360 => false,
            Calendar::AllLeap => true,
        }
    }

    /// Days in `month` (1..=12) of `year`; 0 for a month out of range. October 1582
    /// counts 31 days on `standard`, as in cftime, although ten of them do not exist.
    pub fn days_in_month(self, year: i64, month: u8) -> u8 {
        if !(1..=12).contains(&month) {
            return 0;
        }
        if self == Calendar::Day360 {
            return 30;
        }
        let table = if self.is_leap_year(year) {
            &DAYS_IN_MONTH_LEAP
        } else {
            &DAYS_IN_MONTH
        };
        table[usize::from(month - 1)]
    }

    /// Days in `year`.
    pub fn days_in_year(self, year: i64) -> u16 {
        match self {
            Calendar::Day360 => 360,
            _ if self.is_leap_year(year) => 366,
            _ => 365,
        }
    }

    /// The astronomical year (with a year 0) of `year` in this calendar's numbering.
    pub(crate) fn astronomical_year(self, year: i64) -> i64 {
        if !self.has_year_zero() && year < 0 {
            year + 1
        } else {
            year
        }
    }

    /// This calendar's numbering of the astronomical year `astro`.
    pub(crate) fn year_from_astronomical(self, astro: i64) -> i64 {
        if !self.has_year_zero() && astro <= 0 {
            astro - 1
        } else {
            astro
        }
    }

    /// The canonical CF name (`"standard"`, `"noleap"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Calendar::Standard => "standard",
            Calendar::ProlepticGregorian => "proleptic_gregorian",
            Calendar::NoLeap => "noleap",
            Calendar::AllLeap => "all_leap",
            Calendar::Day360 => "360_day",
            Calendar::Julian => "julian",
        }
    }
}

impl fmt::Display for Calendar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Calendar {
    type Err = TimeError;

    /// Parses a CF calendar name, case-insensitively, with its aliases.
    fn from_str(s: &str) -> Result<Self, TimeError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "standard" | "gregorian" => Ok(Calendar::Standard),
            "proleptic_gregorian" => Ok(Calendar::ProlepticGregorian),
            "noleap" | "365_day" => Ok(Calendar::NoLeap),
            "all_leap" | "366_day" => Ok(Calendar::AllLeap),
            "360_day" => Ok(Calendar::Day360),
            "julian" => Ok(Calendar::Julian),
            _ => Err(TimeError::UnknownCalendar {
                calendar: s.to_string(),
            }),
        }
    }
}

pub(crate) const DAYS_IN_MONTH: [u8; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
pub(crate) const DAYS_IN_MONTH_LEAP: [u8; 12] = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

fn gregorian_leap(astro: i64) -> bool {
    astro.rem_euclid(4) == 0 && (astro.rem_euclid(100) != 0 || astro.rem_euclid(400) == 0)
}
