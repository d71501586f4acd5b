//! Calendar conversion of datetimes (the time part of xarray's `convert_calendar`).

mod random_days;

use super::civil::{civil_from_days, day_of_year};
use super::{date_range, infer_freq, Calendar, CfDatetime, Result, TimeError, NAT, TICKS_PER_DAY};

/// How dates move to or from `360_day`, as xarray's `align_on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AlignOn {
    /// Keep year, month, day and time; dates missing from the target are dropped.
    Date,
    /// Keep the year and the time of day and scale the day of the year by the ratio of
    /// the years' lengths: `round(days_in_year(target) × dayofyear / days_in_year(source))`
    /// with ties to even, as xarray's `_interpolate_day_of_year`.
    Year,
    /// Keep the year and the time of day and move the day of the year as xarray's
    /// `align_on="random"` does (its `_random_day_of_year`): in each year, one day in
    /// each 72-day fifth of the 360-day year, drawn at random, is skipped (from
    /// `360_day`: the day after it on the target is left out) or dropped (to
    /// `360_day`); a leap year also leaves out 29 February (from `360_day`) or drops
    /// its 61st day (to `360_day`, where xarray's code drops 1 March although its docs
    /// say 29 February). The draws come from `seed` and the year: the same seed picks
    /// the same days, unlike xarray, whose unseeded numpy generator cannot be matched.
    Random {
        /// Seeds the draws (mixed with each year).
        seed: u64,
    },
}

/// Converts ticks on `from` to ticks on `to`, element by element, like xarray's
/// `convert_calendar` does to a time coordinate: without `align_on`, or with
/// [`AlignOn::Date`], each datetime keeps its fields (`None` where the date does not
/// exist on `to`, such as 29 February on `noleap` or 1582-10-10 on `standard`); with
/// [`AlignOn::Year`] the day of the year is rescaled (several source days can land on
/// one target day; xarray then keeps one, which is the data layer's business); with
/// [`AlignOn::Random`] it moves by the year's random slots (`None` for a dropped day).
/// [`NAT`] gives `None`.
///
/// # Errors
/// [`TimeError::InvalidRange`] if one calendar is `360_day`, the other is not, and
/// `align_on` is `None` (xarray requires it there); [`TimeError::OutOfRange`] if a
/// converted date does not fit in ticks.
pub fn convert_ticks(
    ticks: &[i64],
    from: Calendar,
    to: Calendar,
    align_on: Option<AlignOn>,
) -> Result<Vec<Option<i64>>> {
    let involves_360 = (from == Calendar::Day360) != (to == Calendar::Day360);
    if involves_360 && align_on.is_none() {
        return Err(TimeError::InvalidRange {
            reason: format!(
                "converting from {from} to {to} needs align_on (\"date\", \"year\" or \"random\")"
            ),
        });
    }
    let by_year = involves_360 && matches!(align_on, Some(AlignOn::Year | AlignOn::Random { .. }));
    ticks
        .iter()
        .map(|&t| {
            if t == NAT {
                return Ok(None);
            }
            let d = CfDatetime::from_ticks(t, from);
            let tod = t.rem_euclid(TICKS_PER_DAY);
            let (year, month, day) = if by_year {
                let doy = i64::from(day_of_year(d.year, d.month, d.day, from));
                let (src, dst) = (
                    i64::from(from.days_in_year(d.year)),
                    i64::from(to.days_in_year(d.year)),
                );
                let new_doy = match align_on {
                    Some(AlignOn::Random { seed }) => {
                        match random_days::new_day_of_year(doy, d.year, from, to, seed) {
                            Some(n) => n,
                            None => return Ok(None),
                        }
                    }
                    _ => round_half_even(dst * doy, src),
                };
                let Ok(jan1) = CfDatetime::new(d.year, 1, 1, to) else {
                    return Ok(None);
                };
                let start = jan1.to_ticks()?.div_euclid(TICKS_PER_DAY);
                let (_, m, dd) = civil_from_days(start + new_doy - 1, to);
                (d.year, m, dd)
            } else {
                (d.year, d.month, d.day)
            };
            match CfDatetime::new(year, month, day, to) {
                Ok(nd) => Ok(Some(nd.to_ticks()? + tod)),
                Err(_) => Ok(None),
            }
        })
        .collect()
}

/// `num / den` rounded to the nearest integer, ties to even (`den > 0`).
fn round_half_even(num: i64, den: i64) -> i64 {
    let q = num.div_euclid(den);
    let r = num.rem_euclid(den);
    match (2 * r).cmp(&den) {
        std::cmp::Ordering::Greater => q + 1,
        std::cmp::Ordering::Less => q,
        std::cmp::Ordering::Equal => q + (q & 1),
    }
}

/// The datetime with the same fields on `to`, or, when that date does not exist there
/// (30 February, 31 April on `360_day`...), the last day before it that does, as
/// xarray's `convert_time_or_go_back`.
///
/// # Errors
/// [`TimeError::OutOfRange`] if the result does not fit in ticks.
pub fn convert_or_go_back(ticks: i64, from: Calendar, to: Calendar) -> Result<i64> {
    let d = CfDatetime::from_ticks(ticks, from);
    let tod = ticks.rem_euclid(TICKS_PER_DAY);
    let mut day = d.day;
    while day > 1 {
        if let Ok(nd) = CfDatetime::new(d.year, d.month, day, to) {
            return Ok(nd.to_ticks()? + tod);
        }
        day -= 1;
    }
    Ok(CfDatetime::new(d.year, d.month, 1, to)?.to_ticks()? + tod)
}

/// A range on `to` like the regular range `ticks` on `from` (xarray's
/// `date_range_like`): the frequency is inferred ([`infer_freq`]), the first and last
/// dates are converted with [`convert_or_go_back`], and a source ending on a month's
/// last day ends on the target month's last day for daily and month-end frequencies.
///
/// # Errors
/// [`TimeError::InvalidRange`] when the frequency of `ticks` cannot be inferred;
/// [`TimeError::OutOfRange`] if a date does not fit in ticks.
pub fn date_range_like(ticks: &[i64], from: Calendar, to: Calendar) -> Result<Vec<i64>> {
    let freq = infer_freq(ticks, from).ok_or_else(|| TimeError::InvalidRange {
        reason: "the source times have no inferable frequency (at least 3 regularly \
                 spaced times are needed)"
            .into(),
    })?;
    let valid = || ticks.iter().copied().filter(|&t| t != NAT);
    let (Some(first), Some(last)) = (valid().min(), valid().max()) else {
        return Ok(Vec::new());
    };
    let start = convert_or_go_back(first, from, to)?;
    let mut end = CfDatetime::from_ticks(convert_or_go_back(last, from, to)?, to);
    let src_end = CfDatetime::from_ticks(last, from);
    let daily = freq.fixed_ticks().is_some_and(|s| s % TICKS_PER_DAY == 0);
    if src_end.day == from.days_in_month(src_end.year, src_end.month)
        && (daily || freq.is_end_anchored())
    {
        end.day = to.days_in_month(end.year, end.month);
    }
    date_range(CfDatetime::from_ticks(start, to), Some(end), None, freq, to)
}

/// The decimal year of each tick: the year plus the fraction of it elapsed, the
/// fraction counted in the calendar's own year length (xarray's `_decimal_year`, on
/// which `interp_calendar` interpolates). NaN for [`NAT`].
///
/// ```
/// use xr::time::{decimal_year, Calendar, CfDatetime};
/// # fn main() -> Result<(), xr::time::TimeError> {
/// let t = CfDatetime::new(2000, 3, 1, Calendar::Day360)?.with_time(12, 0, 0, 0)?;
/// let y = decimal_year(&[t.to_ticks()?], Calendar::Day360)?;
/// assert!((y[0] - (2000.0 + 60.5 / 360.0)).abs() < 1e-12);
/// # Ok(())
/// # }
/// ```
///
/// # Errors
/// [`TimeError::OutOfRange`] if a year's start does not fit in ticks.
pub fn decimal_year(ticks: &[i64], calendar: Calendar) -> Result<Vec<f64>> {
    ticks
        .iter()
        .map(|&t| {
            if t == NAT {
                return Ok(f64::NAN);
            }
            let year = CfDatetime::from_ticks(t, calendar).year;
            let start = CfDatetime::new(year, 1, 1, calendar)?.to_ticks()?;
            let len = i64::from(calendar.days_in_year(year)) * TICKS_PER_DAY;
            Ok(year as f64 + (t - start) as f64 / len as f64)
        })
        .collect()
}
