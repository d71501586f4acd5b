//! The days of the year that [`AlignOn::Random`](super::AlignOn::Random) adds or drops
//! when dates move between `360_day` and a 365- or 366-day year (xarray's
//! `_random_day_of_year`, after the LOCA dataset): five slots, one drawn in each
//! 72-day fifth of the 360-day year, plus the leap day of a leap year.
//!
//! xarray draws the five slots from numpy's unseeded generator, so its choice cannot
//! be reproduced; the rule is the same here, the draws come from a small generator
//! seeded by the caller's seed and the year (each year's slots depend on nothing
//! else, so converting a part of a series picks the same days as converting all of it).
//!
//! xarray's code has two quirks. One is not copied: converting to `360_day`, it
//! turns each dropped day into day -1, which lands on 29 December of the year, and
//! its de-duplication then keeps the first dropped day's data there in place of the
//! true 29 December's (here dropped days are dropped). The other is kept: in a leap
//! year its code drops day 61 (1 March) where its docs say 29 February.

use super::Calendar;

/// The length of each of the five blocks of the 360-day year.
const BLOCK: i64 = 72;

/// SplitMix64: small, fast, and good enough to pick five days.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The five slots of `year` (0-based positions in the 360-day year, increasing, slot
/// `k` in `72k..72k + 72`).
pub(crate) fn slots(seed: u64, year: i64) -> [i64; 5] {
    #[allow(clippy::cast_sign_loss)]
    let mut state = seed ^ (year as u64).wrapping_mul(0xD1B5_4A32_D192_ED03);
    let mut out = [0; 5];
    for (k, slot) in (0..).zip(out.iter_mut()) {
        #[allow(clippy::cast_possible_wrap)]
        let draw = (splitmix64(&mut state) % BLOCK as u64) as i64;
        *slot = k * BLOCK + draw;
    }
    out
}

/// The new day of the year (1-based) of day `doy` (1-based) of `year` moved from
/// `from` to `to`, one of them `360_day`; `None` for a day that is dropped.
///
/// From `360_day`, each slot's following days move one day on, so that the day after a
/// slot is skipped on the target, and in a leap year 29 February (day 60) is skipped as
/// well. To `360_day`, the days at the slots are dropped, and in a leap year day 61
/// (where xarray inserts its extra slot) before them.
pub(crate) fn new_day_of_year(
    doy: i64,
    year: i64,
    from: Calendar,
    to: Calendar,
    seed: u64,
) -> Option<i64> {
    let slots = slots(seed, year);
    let before = |p: i64| (0..).zip(slots).filter(|&(_, s)| s < p).count() as i64;
    let p = doy - 1;
    if from == Calendar::Day360 {
        let mut new = p + 1 + before(p);
        if to.days_in_year(year) == 366 && new >= 60 {
            new += 1;
        }
        Some(new)
    } else {
        let q = if from.days_in_year(year) == 366 {
            match p.cmp(&60) {
                std::cmp::Ordering::Equal => return None,
                std::cmp::Ordering::Greater => p - 1,
                std::cmp::Ordering::Less => p,
            }
        } else {
            p
        };
        if slots.contains(&q) {
            return None;
        }
        Some(1 + q - before(q))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_slot_per_block_and_every_day_placed_once() {
        for year in 1999_i64..2005 {
            let s = slots(7, year);
            for (k, slot) in (0..).zip(s) {
                assert!(
                    (k * BLOCK..(k + 1) * BLOCK).contains(&slot),
                    "{year}: {s:?}"
                );
            }
            assert_eq!(s, slots(7, year), "reproducible");
            // 360 -> standard: 360 distinct days, 29 February never hit.
            let days: Vec<i64> = (1..=360)
                .filter_map(|d| new_day_of_year(d, year, Calendar::Day360, Calendar::Standard, 7))
                .collect();
            assert_eq!(days.len(), 360);
            assert!(days.windows(2).all(|w| w[0] < w[1]), "{days:?}");
            let len = i64::from(Calendar::Standard.days_in_year(year));
            assert!(*days.last().unwrap_or(&0) <= len);
            if len == 366 {
                assert!(!days.contains(&60));
            }
            // standard -> 360: 360 of the days kept, onto 1..=360 in order.
            let kept: Vec<i64> = (1..=len)
                .filter_map(|d| new_day_of_year(d, year, Calendar::Standard, Calendar::Day360, 7))
                .collect();
            assert_eq!(kept, (1..=360).collect::<Vec<_>>());
        }
    }
}
