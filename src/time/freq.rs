//! Frequencies (pandas/xarray offset aliases) for `date_range` and resampling.
//!
//! Fixed frequencies (`D`, `h`, `min`, `s`, `ms`, `us`) are a number of ticks. Calendar
//! frequencies are periods of 1, 3 or 12 months anchored at a month: `MS`/`ME` every
//! month, `QS-<MON>` quarters starting in `<MON>` (default `JAN`), `QE-<MON>` quarters
//! ending in `<MON>` (default `DEC`), `YS-<MON>`/`AS` years starting in `<MON>` (default
//! `JAN`), `YE-<MON>`/`A`/`Y` years ending in `<MON>` (default `DEC`). A leading number
//! multiplies the frequency (`6h`, `3MS`).
//!
//! Multiples are aligned to 1970-01-01T00:00 (fixed frequencies) or to the anchored
//! months counted from 1970-01 (calendar frequencies) by [`Frequency::floor`] and
//! [`Frequency::label`]; [`date_range`] counts multiples from its start instead, as
//! xarray does.

use std::fmt;
use std::str::FromStr;

use super::civil::{civil_from_days, days_from_civil};
use super::{Calendar, CfDatetime, Result, TimeError, TICKS_PER_DAY, TICKS_PER_SECOND};

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];

/// The base of a [`Frequency`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FreqUnit {
    /// `D`: days.
    Day,
    /// `h` (`H`): hours.
    Hour,
    /// `min` (`T`): minutes.
    Minute,
    /// `s` (`S`): seconds.
    Second,
    /// `ms` (`L`): milliseconds.
    Millisecond,
    /// `us` (`U`): microseconds.
    Microsecond,
    /// `MS`: month starts.
    MonthStart,
    /// `ME` (`M`): month ends.
    MonthEnd,
    /// `QS-<MON>`: quarter starts, one of them in the given month (1..=12).
    QuarterStart(u8),
    /// `QE-<MON>` (`Q-<MON>`): quarter ends, one of them in the given month.
    QuarterEnd(u8),
    /// `YS-<MON>` (`AS-<MON>`): year starts in the given month.
    YearStart(u8),
    /// `YE-<MON>` (`A-<MON>`, `Y-<MON>`): year ends in the given month.
    YearEnd(u8),
}

/// A frequency: `n` times a [`FreqUnit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Frequency {
    /// The multiple, at least 1.
    pub n: i64,
    /// The base.
    pub unit: FreqUnit,
}

/// A calendar frequency as month arithmetic: periods of `months` months, starting (or,
/// for `end`, ending) in months congruent to `anchor` (0-based) modulo `months`.
#[derive(Debug, Clone, Copy)]
struct MonthRule {
    months: i64,
    anchor: i64,
    end: bool,
}

impl Frequency {
    /// `n` times `unit`.
    ///
    /// # Errors
    /// [`TimeError::InvalidFrequency`] if `n < 1` or an anchor month is not in 1..=12.
    pub fn new(n: i64, unit: FreqUnit) -> Result<Frequency> {
        let freq = Frequency { n, unit };
        let bad = |reason: &str| TimeError::InvalidFrequency {
            freq: freq.to_string(),
            reason: reason.to_string(),
        };
        if n < 1 {
            return Err(bad("the multiple must be at least 1"));
        }
        if let FreqUnit::QuarterStart(m)
        | FreqUnit::QuarterEnd(m)
        | FreqUnit::YearStart(m)
        | FreqUnit::YearEnd(m) = unit
        {
            if !(1..=12).contains(&m) {
                return Err(bad("the anchor month must be in 1..=12"));
            }
        }
        Ok(freq)
    }

    /// Ticks of one step, for fixed frequencies; `None` for calendar ones.
    pub fn fixed_ticks(&self) -> Option<i64> {
        let base = match self.unit {
            FreqUnit::Day => TICKS_PER_DAY,
            FreqUnit::Hour => 3600 * TICKS_PER_SECOND,
            FreqUnit::Minute => 60 * TICKS_PER_SECOND,
            FreqUnit::Second => TICKS_PER_SECOND,
            FreqUnit::Millisecond => 1000,
            FreqUnit::Microsecond => 1,
            _ => return None,
        };
        Some(base.saturating_mul(self.n))
    }

    fn month_rule(&self) -> Option<MonthRule> {
        let (months, month, end) = match self.unit {
            FreqUnit::MonthStart => (1, 1, false),
            FreqUnit::MonthEnd => (1, 1, true),
            FreqUnit::QuarterStart(m) => (3, m, false),
            FreqUnit::QuarterEnd(m) => (3, m, true),
            FreqUnit::YearStart(m) => (12, m, false),
            FreqUnit::YearEnd(m) => (12, m, true),
            _ => return None,
        };
        Some(MonthRule {
            months,
            anchor: i64::from(month) - 1,
            end,
        })
    }

    /// Whether labels and on-offset points are period ends (`ME`, `QE`, `YE`).
    pub fn is_end_anchored(&self) -> bool {
        self.month_rule().is_some_and(|r| r.end)
    }

    /// The start of the period containing `ticks`: for fixed frequencies, a multiple of
    /// the step since 1970-01-01T00:00; for calendar frequencies, midnight on the first
    /// day of the period's first month (for `ME`/`QE`/`YE`, the period that ends in the
    /// anchored month, so `QE-DEC` floors 2000-02-10 to 2000-01-01).
    ///
    /// # Errors
    /// [`TimeError::OutOfRange`] if the result does not fit in ticks.
    pub fn floor(&self, ticks: i64, calendar: Calendar) -> Result<i64> {
        if let Some(step) = self.fixed_ticks() {
            return Ok(ticks.div_euclid(step) * step);
        }
        let rule = self.rule_or_fixed();
        let (mi, _, _) = month_index(ticks, calendar);
        let start_anchor = if rule.end {
            rule.anchor + 1
        } else {
            rule.anchor
        };
        let span = rule.months * self.n;
        let first = mi - (mi - EPOCH_MONTH - start_anchor).rem_euclid(span);
        month_day_ticks(first, false, 0, calendar)
    }

    /// The start of the period after the one containing `ticks` (the exclusive end of
    /// the period that [`Frequency::floor`] starts).
    ///
    /// # Errors
    /// [`TimeError::OutOfRange`] if the result does not fit in ticks.
    pub fn next(&self, ticks: i64, calendar: Calendar) -> Result<i64> {
        let start = self.floor(ticks, calendar)?;
        if let Some(step) = self.fixed_ticks() {
            return start
                .checked_add(step)
                .ok_or_else(|| overflow(self, calendar));
        }
        let (mi, _, _) = month_index(start, calendar);
        month_day_ticks(
            mi + self.rule_or_fixed().months * self.n,
            false,
            0,
            calendar,
        )
    }

    /// The label xarray's `resample` gives the bin holding `ticks`, with its default
    /// `closed`/`label`: the period start for fixed and start-anchored frequencies (so
    /// `QS-DEC` labels January 2000 as 1999-12-01); for `ME`/`QE`/`YE` the period's last
    /// day at midnight. xarray widens right-closed bins of these frequencies to whole
    /// days, so the bins are the calendar periods of [`Frequency::floor`]
    /// (2000-01-31T12:00 is labelled 2000-01-31 under `ME`).
    ///
    /// # Errors
    /// [`TimeError::OutOfRange`] if the result does not fit in ticks.
    pub fn label(&self, ticks: i64, calendar: Calendar) -> Result<i64> {
        match self.month_rule() {
            Some(rule) if rule.end => {
                let start = self.floor(ticks, calendar)?;
                let (mi, _, _) = month_index(start, calendar);
                month_day_ticks(mi + rule.months * self.n - 1, true, 0, calendar)
            }
            _ => self.floor(ticks, calendar),
        }
    }

    /// The first on-offset time at or after `ticks` for one unit of the frequency: itself
    /// for fixed frequencies; otherwise the first anchored month start (or end) on or
    /// after that date, keeping the time of day, as pandas' `rollforward`.
    ///
    /// # Errors
    /// [`TimeError::OutOfRange`] if the result does not fit in ticks.
    pub fn rollforward(&self, ticks: i64, calendar: Calendar) -> Result<i64> {
        let Some(rule) = self.month_rule() else {
            return Ok(ticks);
        };
        let (mi, day, _) = month_index(ticks, calendar);
        let tod = ticks.rem_euclid(TICKS_PER_DAY);
        let target = if rule.end || day == 1 {
            mi + (EPOCH_MONTH + rule.anchor - mi).rem_euclid(rule.months)
        } else {
            mi + 1 + (EPOCH_MONTH + rule.anchor - mi - 1).rem_euclid(rule.months)
        };
        month_day_ticks(target, rule.end, tod, calendar)
    }

    /// `ticks` moved by `k` steps of the frequency. For calendar frequencies `ticks`
    /// should be on-offset (see [`Frequency::rollforward`]); the result is the month
    /// start or end `k × n` periods later, at the same time of day.
    ///
    /// # Errors
    /// [`TimeError::OutOfRange`] if the result does not fit in ticks.
    pub fn add(&self, ticks: i64, k: i64, calendar: Calendar) -> Result<i64> {
        if let Some(step) = self.fixed_ticks() {
            return step
                .checked_mul(k)
                .and_then(|d| ticks.checked_add(d))
                .ok_or_else(|| overflow(self, calendar));
        }
        let rule = self.rule_or_fixed();
        let (mi, _, _) = month_index(ticks, calendar);
        let tod = ticks.rem_euclid(TICKS_PER_DAY);
        month_day_ticks(mi + k * self.n * rule.months, rule.end, tod, calendar)
    }

    fn rule_or_fixed(&self) -> MonthRule {
        self.month_rule().unwrap_or(MonthRule {
            months: 1,
            anchor: 0,
            end: false,
        })
    }
}

/// Month index of 1970-01: months are counted as astronomical year × 12 + month - 1.
const EPOCH_MONTH: i64 = 1970 * 12;

fn overflow(freq: &Frequency, calendar: Calendar) -> TimeError {
    TimeError::OutOfRange {
        what: format!("a step of frequency {freq}"),
        calendar,
    }
}

/// (month index, day, days in that month) of `ticks`.
fn month_index(ticks: i64, calendar: Calendar) -> (i64, u8, u8) {
    let (y, m, d) = civil_from_days(ticks.div_euclid(TICKS_PER_DAY), calendar);
    let astro = calendar.astronomical_year(y);
    (
        astro * 12 + i64::from(m) - 1,
        d,
        calendar.days_in_month(y, m),
    )
}

/// Ticks of the first (or last, `end`) day of month index `mi`, plus `tod` ticks.
fn month_day_ticks(mi: i64, end: bool, tod: i64, calendar: Calendar) -> Result<i64> {
    let year = calendar.year_from_astronomical(mi.div_euclid(12));
    let month = (mi.rem_euclid(12) + 1) as u8;
    let day = if end {
        calendar.days_in_month(year, month)
    } else {
        1
    };
    let out = || TimeError::OutOfRange {
        what: format!("{year:04}-{month:02}-{day:02}"),
        calendar,
    };
    if year.abs() > 300_000 {
        return Err(out());
    }
    days_from_civil(year, month, day, calendar)
        .checked_mul(TICKS_PER_DAY)
        .and_then(|t| t.checked_add(tod))
        .ok_or_else(out)
}

impl FromStr for Frequency {
    type Err = TimeError;

    /// Parses a pandas/xarray frequency alias: `[n]CODE[-MON]`.
    fn from_str(s: &str) -> Result<Frequency, TimeError> {
        let bad = |reason: String| TimeError::InvalidFrequency {
            freq: s.to_string(),
            reason,
        };
        let t = s.trim();
        let digits = t.bytes().take_while(u8::is_ascii_digit).count();
        let n: i64 = if digits == 0 {
            1
        } else {
            t[..digits]
                .parse()
                .map_err(|_| bad("the multiple is too large".into()))?
        };
        let rest = &t[digits..];
        let (code, anchor) = match rest.split_once('-') {
            Some((c, a)) => {
                let m = MONTHS
                    .iter()
                    .position(|&name| name.eq_ignore_ascii_case(a))
                    .ok_or_else(|| bad(format!("unknown anchor month {a:?}; expected JAN..DEC")))?;
                (c, Some(m as u8 + 1))
            }
            None => (rest, None),
        };
        let unit = match (code, anchor) {
            ("D", None) => FreqUnit::Day,
            ("h" | "H", None) => FreqUnit::Hour,
            ("min" | "T", None) => FreqUnit::Minute,
            ("s" | "S", None) => FreqUnit::Second,
            ("ms" | "L", None) => FreqUnit::Millisecond,
            ("us" | "U", None) => FreqUnit::Microsecond,
            ("MS", None) => FreqUnit::MonthStart,
            ("ME" | "M", None) => FreqUnit::MonthEnd,
            ("QS", a) => FreqUnit::QuarterStart(a.unwrap_or(1)),
            ("QE" | "Q", a) => FreqUnit::QuarterEnd(a.unwrap_or(12)),
            ("YS" | "AS", a) => FreqUnit::YearStart(a.unwrap_or(1)),
            ("YE" | "A" | "Y", a) => FreqUnit::YearEnd(a.unwrap_or(12)),
            _ => {
                return Err(bad(
                    "expected D, h, min, s, ms, us, MS, ME, QS[-MON], QE[-MON], YS[-MON] or \
                     YE[-MON], optionally after a multiple"
                        .into(),
                ))
            }
        };
        Frequency::new(n, unit).map_err(|e| match e {
            TimeError::InvalidFrequency { reason, .. } => bad(reason),
            other => other,
        })
    }
}

impl fmt::Display for Frequency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.n != 1 {
            write!(f, "{}", self.n)?;
        }
        let month = |m: u8| {
            MONTHS
                .get(usize::from(m).wrapping_sub(1))
                .copied()
                .unwrap_or("?")
        };
        match self.unit {
            FreqUnit::Day => f.write_str("D"),
            FreqUnit::Hour => f.write_str("h"),
            FreqUnit::Minute => f.write_str("min"),
            FreqUnit::Second => f.write_str("s"),
            FreqUnit::Millisecond => f.write_str("ms"),
            FreqUnit::Microsecond => f.write_str("us"),
            FreqUnit::MonthStart => f.write_str("MS"),
            FreqUnit::MonthEnd => f.write_str("ME"),
            FreqUnit::QuarterStart(m) => write!(f, "QS-{}", month(m)),
            FreqUnit::QuarterEnd(m) => write!(f, "QE-{}", month(m)),
            FreqUnit::YearStart(m) => write!(f, "YS-{}", month(m)),
            FreqUnit::YearEnd(m) => write!(f, "YE-{}", month(m)),
        }
    }
}

/// Regularly spaced ticks on `calendar`, like xarray's `date_range(..., use_cftime=True)`
/// (`cftime_range`): the first is `start` rolled forward to the frequency (a month
/// start for `MS`, ...; `start` itself for fixed frequencies), then one step of `freq`
/// at a time, keeping the time of day, either `periods` values or up to and including
/// `end`. `start` and `end` are read field by field on `calendar`.
///
/// # Errors
/// [`TimeError::InvalidRange`] unless exactly one of `end` and `periods` is given;
/// [`TimeError::InvalidDate`] if `start` or `end` does not exist on `calendar`;
/// [`TimeError::OutOfRange`] if a value leaves the tick range.
pub fn date_range(
    start: CfDatetime,
    end: Option<CfDatetime>,
    periods: Option<usize>,
    freq: Frequency,
    calendar: Calendar,
) -> Result<Vec<i64>> {
    let on_calendar = |d: CfDatetime| -> Result<i64> {
        CfDatetime::new(d.year, d.month, d.day, calendar)?
            .with_time(d.hour, d.minute, d.second, d.nanosecond)?
            .to_ticks()
    };
    let first = freq.rollforward(on_calendar(start)?, calendar)?;
    match (end, periods) {
        (Some(end), None) => {
            let end = on_calendar(end)?;
            let mut out = Vec::new();
            let mut k = 0;
            loop {
                let t = freq.add(first, k, calendar)?;
                if t > end {
                    return Ok(out);
                }
                out.push(t);
                k += 1;
            }
        }
        (None, Some(periods)) => (0..periods as i64)
            .map(|k| freq.add(first, k, calendar))
            .collect(),
        _ => Err(TimeError::InvalidRange {
            reason: format!(
                "give exactly one of end and periods (got end {}, periods {periods:?})",
                end.map_or("None".to_string(), |e| e.to_string())
            ),
        }),
    }
}
