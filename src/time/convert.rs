//! Calendar conversion of datetimes (the time part of xarray's `convert_calendar`).

use super::civil::{civil_from_days, day_of_year};
use super::{Calendar, CfDatetime, Result, TimeError, NAT, TICKS_PER_DAY};

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
}

/// Converts ticks on `from` to ticks on `to`, element by element, like xarray's
/// `convert_calendar` does to a time coordinate: without `align_on`, or with
/// [`AlignOn::Date`], each datetime keeps its fields (`None` where the date does not
/// exist on `to`, such as 29 February on `noleap` or 1582-10-10 on `standard`); with
/// [`AlignOn::Year`] the day of the year is rescaled (several source days can land on
/// one target day; xarray then keeps one, which is the data layer's business). [`NAT`]
/// gives `None`.
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
            reason: format!("converting from {from} to {to} needs align_on (\"date\" or \"year\")"),
        });
    }
    let by_year = involves_360 && align_on == Some(AlignOn::Year);
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
                let new_doy = round_half_even(dst * doy, src);
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
