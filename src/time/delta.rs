//! `TimeDelta`: a signed duration in microsecond ticks.

use std::fmt;
use std::ops::{Add, Neg, Sub};

use super::{TimeUnit, NAT, TICKS_PER_DAY, TICKS_PER_SECOND};

/// A signed duration, in microseconds (the tick of datetime arrays). Calendar-free: a day
/// is always 86,400 seconds, as in cftime's `timedelta`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct TimeDelta(pub i64);

impl TimeDelta {
    /// `n` microseconds.
    pub const fn microseconds(n: i64) -> Self {
        TimeDelta(n)
    }

    /// `n` milliseconds (saturating at the range of `i64` microseconds).
    pub const fn milliseconds(n: i64) -> Self {
        TimeDelta(n.saturating_mul(1000))
    }

    /// `n` seconds (saturating).
    pub const fn seconds(n: i64) -> Self {
        TimeDelta(n.saturating_mul(TICKS_PER_SECOND))
    }

    /// `n` minutes (saturating).
    pub const fn minutes(n: i64) -> Self {
        TimeDelta(n.saturating_mul(60 * TICKS_PER_SECOND))
    }

    /// `n` hours (saturating).
    pub const fn hours(n: i64) -> Self {
        TimeDelta(n.saturating_mul(3600 * TICKS_PER_SECOND))
    }

    /// `n` days of 86,400 seconds (saturating).
    pub const fn days(n: i64) -> Self {
        TimeDelta(n.saturating_mul(TICKS_PER_DAY))
    }

    /// The duration in microseconds.
    pub const fn as_microseconds(self) -> i64 {
        self.0
    }

    /// The duration in seconds, as a float.
    pub fn as_seconds_f64(self) -> f64 {
        self.0 as f64 / TICKS_PER_SECOND as f64
    }
}

impl Add for TimeDelta {
    type Output = TimeDelta;
    fn add(self, rhs: TimeDelta) -> TimeDelta {
        TimeDelta(self.0.saturating_add(rhs.0))
    }
}

impl Sub for TimeDelta {
    type Output = TimeDelta;
    fn sub(self, rhs: TimeDelta) -> TimeDelta {
        TimeDelta(self.0.saturating_sub(rhs.0))
    }
}

impl Neg for TimeDelta {
    type Output = TimeDelta;
    fn neg(self) -> TimeDelta {
        TimeDelta(self.0.saturating_neg())
    }
}

impl fmt::Display for TimeDelta {
    /// As pandas prints a `Timedelta`: `1 days 02:30:00`, `-1 days +23:00:00` (days
    /// floored, the time of day non-negative), a fraction when there is one, and `NaT`
    /// for [`NAT`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == NAT {
            return f.write_str("NaT");
        }
        let days = self.0.div_euclid(TICKS_PER_DAY);
        let rest = self.0.rem_euclid(TICKS_PER_DAY);
        let secs = rest / TICKS_PER_SECOND;
        let sign = if days < 0 { "+" } else { "" };
        write!(
            f,
            "{days} days {sign}{:02}:{:02}:{:02}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )?;
        match rest % TICKS_PER_SECOND {
            0 => Ok(()),
            us => write!(f, ".{us:06}"),
        }
    }
}

/// The CF units (xarray's `TIME_UNITS`, plural names only) that decode a variable
/// without `since` to timedeltas: `days`, `hours`, `minutes`, `seconds`,
/// `milliseconds`, `microseconds`. `None` for anything else (nanoseconds are below the
/// microsecond tick).
pub fn timedelta_unit(units: &str) -> Option<TimeUnit> {
    match units.trim() {
        "days" => Some(TimeUnit::Days),
        "hours" => Some(TimeUnit::Hours),
        "minutes" => Some(TimeUnit::Minutes),
        "seconds" => Some(TimeUnit::Seconds),
        "milliseconds" => Some(TimeUnit::Milliseconds),
        "microseconds" => Some(TimeUnit::Microseconds),
        _ => None,
    }
}

/// The largest unit that divides every duration (ignoring [`NAT`]), as xarray's
/// `infer_timedelta_units`: `days` when there is none.
pub fn infer_timedelta_unit(ticks: &[i64]) -> TimeUnit {
    [
        TimeUnit::Days,
        TimeUnit::Hours,
        TimeUnit::Minutes,
        TimeUnit::Seconds,
        TimeUnit::Milliseconds,
    ]
    .into_iter()
    .find(|u| {
        ticks
            .iter()
            .all(|&t| t == NAT || t.rem_euclid(u.ticks()) == 0)
    })
    .unwrap_or(TimeUnit::Microseconds)
}
