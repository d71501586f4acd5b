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
