//! Inferring the frequency of regularly spaced datetimes (the part of xarray's
//! `infer_freq` that `convert_calendar(missing=...)` needs).

use super::civil::civil_from_days;
use super::freq::{FreqUnit, Frequency};
use super::{Calendar, NAT, TICKS_PER_DAY, TICKS_PER_SECOND};

/// The frequency of `ticks` on `calendar`, when they are at least 3, increasing and
/// regular: `n` months between month starts (`nMS`) or month ends (`nME`) at one time
/// of day, else a fixed step (`nD`, `nh`, `nmin`, `ns`, `nms`, `nus`, the largest unit that
/// divides it). `None` otherwise, as xarray (which needs 3 values too).
///
/// ```
/// use xr::time::{infer_freq, Calendar, TICKS_PER_DAY};
/// let days = [0, 1, 2, 3].map(|d| d * 2 * TICKS_PER_DAY);
/// assert_eq!(infer_freq(&days, Calendar::NoLeap).map(|f| f.to_string()), Some("2D".into()));
/// ```
pub fn infer_freq(ticks: &[i64], calendar: Calendar) -> Option<Frequency> {
    if ticks.len() < 3 || ticks.contains(&NAT) {
        return None;
    }
    let fields: Vec<(i64, u8, bool, i64)> = ticks
        .iter()
        .map(|&t| {
            let (y, m, d) = civil_from_days(t.div_euclid(TICKS_PER_DAY), calendar);
            let month = calendar.astronomical_year(y) * 12 + i64::from(m);
            let last = d == calendar.days_in_month(y, m);
            (month, d, last, t.rem_euclid(TICKS_PER_DAY))
        })
        .collect();
    let months = fields[1].0 - fields[0].0;
    let regular = months > 0
        && fields
            .windows(2)
            .all(|w| w[1].0 - w[0].0 == months && w[1].3 == w[0].3);
    let unit = if fields.iter().all(|f| f.1 == 1) {
        Some(FreqUnit::MonthStart)
    } else if fields.iter().all(|f| f.2) {
        Some(FreqUnit::MonthEnd)
    } else {
        None
    };
    // Months first: monthly data on 360_day are also 30 days apart.
    if let (true, Some(unit)) = (regular, unit) {
        return Frequency::new(months, unit).ok();
    }
    let step = ticks[1].checked_sub(ticks[0])?;
    if step > 0
        && ticks
            .windows(2)
            .all(|w| w[1].checked_sub(w[0]) == Some(step))
    {
        let units = [
            (TICKS_PER_DAY, FreqUnit::Day),
            (3600 * TICKS_PER_SECOND, FreqUnit::Hour),
            (60 * TICKS_PER_SECOND, FreqUnit::Minute),
            (TICKS_PER_SECOND, FreqUnit::Second),
            (1000, FreqUnit::Millisecond),
            (1, FreqUnit::Microsecond),
        ];
        let (size, unit) = units.into_iter().find(|(size, _)| step % size == 0)?;
        return Frequency::new(step / size, unit).ok();
    }
    None
}
