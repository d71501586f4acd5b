//! `TimeDelta`: a signed duration in microsecond ticks.

use std::ops::{Add, Neg, Sub};

use super::{TICKS_PER_DAY, TICKS_PER_SECOND};

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
