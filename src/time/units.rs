//! CF time units, `"<units> since <reference>"`: decoding numbers to ticks and encoding
//! ticks to numbers.
//!
//! Decoding is one multiply-add per value on integers (`reference + value × unit`), with
//! the range checked once on the minimum and maximum, so it runs at memory speed. Float
//! offsets are rounded to the nearest microsecond as cftime does: the product rounded to
//! 64 significant bits (cftime's 80-bit `longdouble` on x86-64), then to an integer with
//! ties to even, then results 1 µs off a whole second snapped to it for units of seconds
//! and coarser.

use std::fmt;

use super::parse::parse_reference;
use super::{Calendar, CfDatetime, Result, TimeError, NAT, TICKS_PER_DAY, TICKS_PER_SECOND};

/// A unit of CF time offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum TimeUnit {
    /// `microseconds` (`microsecond`, `microsec`, `microsecs`, `us`, `usec`, `usecs`).
    Microseconds,
    /// `milliseconds` (`millisecond`, `millisec`, `millisecs`, `msec`, `msecs`, `ms`).
    Milliseconds,
    /// `seconds` (`second`, `sec`, `secs`, `s`).
    Seconds,
    /// `minutes` (`minute`, `min`, `mins`).
    Minutes,
    /// `hours` (`hour`, `hr`, `hrs`, `h`).
    Hours,
    /// `days` (`day`, `d`).
    Days,
    /// `months` of 30 days: only on `360_day`, as cftime allows.
    Months,
    /// `common_years` of 365 days: only on `noleap`, as cftime allows.
    CommonYears,
}

impl TimeUnit {
    /// Microseconds in one unit.
    pub const fn ticks(self) -> i64 {
        match self {
            TimeUnit::Microseconds => 1,
            TimeUnit::Milliseconds => 1000,
            TimeUnit::Seconds => TICKS_PER_SECOND,
            TimeUnit::Minutes => 60 * TICKS_PER_SECOND,
            TimeUnit::Hours => 3600 * TICKS_PER_SECOND,
            TimeUnit::Days => TICKS_PER_DAY,
            TimeUnit::Months => 30 * TICKS_PER_DAY,
            TimeUnit::CommonYears => 365 * TICKS_PER_DAY,
        }
    }

    /// The canonical plural name (`"days"`).
    pub const fn name(self) -> &'static str {
        match self {
            TimeUnit::Microseconds => "microseconds",
            TimeUnit::Milliseconds => "milliseconds",
            TimeUnit::Seconds => "seconds",
            TimeUnit::Minutes => "minutes",
            TimeUnit::Hours => "hours",
            TimeUnit::Days => "days",
            TimeUnit::Months => "months",
            TimeUnit::CommonYears => "common_years",
        }
    }

    /// The unit named `name` or one of its aliases, case-insensitively.
    pub fn from_name(name: &str) -> Option<TimeUnit> {
        Some(match name.to_ascii_lowercase().as_str() {
            "microseconds" | "microsecond" | "microsec" | "microsecs" | "us" | "usec" | "usecs" => {
                TimeUnit::Microseconds
            }
            "milliseconds" | "millisecond" | "millisec" | "millisecs" | "msec" | "msecs" | "ms" => {
                TimeUnit::Milliseconds
            }
            "seconds" | "second" | "sec" | "secs" | "s" => TimeUnit::Seconds,
            "minutes" | "minute" | "min" | "mins" => TimeUnit::Minutes,
            "hours" | "hour" | "hr" | "hrs" | "h" => TimeUnit::Hours,
            "days" | "day" | "d" => TimeUnit::Days,
            "months" | "month" => TimeUnit::Months,
            "common_years" | "common_year" => TimeUnit::CommonYears,
            _ => return None,
        })
    }

    /// Units of seconds and coarser get cftime's snap to whole seconds.
    fn snaps_to_seconds(self) -> bool {
        self.ticks() >= TICKS_PER_SECOND
    }
}

impl fmt::Display for TimeUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Parsed CF time units: a unit, a reference instant (in ticks, UTC) and the calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CfUnits {
    /// The unit of the offsets.
    pub unit: TimeUnit,
    /// The reference instant, in ticks on `calendar` (time-zone offset removed).
    pub reference: i64,
    /// The calendar.
    pub calendar: Calendar,
}

impl CfUnits {
    /// Units of `unit` since the `reference` tick on `calendar`.
    pub fn new(unit: TimeUnit, reference: i64, calendar: Calendar) -> CfUnits {
        CfUnits {
            unit,
            reference,
            calendar,
        }
    }

    /// Parses `"<units> since <reference>"`: units as in [`TimeUnit::from_name`]; the
    /// reference a date with an optional time (`T` or space separated, 1- or 2-digit
    /// fields, optional fraction of a second) and optional time zone (`Z`, `UTC`, `GMT`,
    /// `±h`, `±hh`, `±hhmm`, `±h:mm`, `±hh:mm`, with or without a space before it). The
    /// offset is removed, so the reference is in UTC, as in cftime. As leniently as
    /// xarray's readers (pandas) take it, the date may also start with a weekday name,
    /// name its month (`"days since Sun Aug  6 00:15:00 2000"`, `"6 Aug 2000"`), or end
    /// with a second, unsigned time that replaces the first (`"1970-1-1 0:00:00 0:00"`).
    ///
    /// ```
    /// # use xr::time::{Calendar, CfUnits};
    /// let u = CfUnits::parse("seconds since 1992-10-8 12:09:00 -9:00", Calendar::Standard)?;
    /// assert_eq!(u.to_string(), "seconds since 1992-10-08 21:09:00");
    /// # Ok::<(), xr::time::TimeError>(())
    /// ```
    ///
    /// # Errors
    /// [`TimeError::InvalidUnits`], naming the units string and calendar, when the text
    /// has no `since`, an unknown unit, `months` off `360_day` or `common_years` off
    /// `noleap`, or a reference date that is malformed or does not exist on the calendar.
    pub fn parse(units: &str, calendar: Calendar) -> Result<CfUnits> {
        let invalid = |reason: String| TimeError::InvalidUnits {
            units: units.to_string(),
            calendar,
            reason,
        };
        let mut words = units.trim().splitn(2, char::is_whitespace);
        let unit_word = words.next().unwrap_or("");
        let rest = words.next().unwrap_or("").trim_start();
        let mut rest_words = rest.splitn(2, char::is_whitespace);
        let since = rest_words.next().unwrap_or("");
        let reference = rest_words.next().unwrap_or("").trim();
        if !since.eq_ignore_ascii_case("since") || reference.is_empty() {
            return Err(invalid(
                "expected \"<units> since <reference date>\"".to_string(),
            ));
        }
        let unit = TimeUnit::from_name(unit_word).ok_or_else(|| {
            invalid(format!(
                "unknown unit {unit_word:?}; expected days, hours, minutes, seconds, \
                 milliseconds or microseconds (or an abbreviation)"
            ))
        })?;
        if unit == TimeUnit::Months && calendar != Calendar::Day360 {
            return Err(invalid("'months' units are only allowed on 360_day".into()));
        }
        if unit == TimeUnit::CommonYears && calendar != Calendar::NoLeap {
            return Err(invalid(
                "'common_years' units are only allowed on noleap".into(),
            ));
        }
        let parts = parse_reference(reference)
            .map_err(|reason| invalid(format!("reference date {reference:?}: {reason}")))?;
        let start = parts
            .to_datetime(calendar)
            .and_then(|d| d.to_ticks())
            .map_err(|e| invalid(format!("reference date {reference:?}: {e}")))?;
        let tz = parts.tz_minutes.unwrap_or(0) * 60 * TICKS_PER_SECOND;
        let reference = start
            .checked_sub(tz)
            .ok_or_else(|| invalid("reference date out of range".into()))?;
        Ok(CfUnits::new(unit, reference, calendar))
    }

    /// Decodes offsets in these units to ticks. Integers are exact; floats round to the
    /// nearest microsecond like cftime; NaN and infinities become [`NAT`].
    ///
    /// # Errors
    /// [`TimeError::OutOfRange`], naming the value, units and calendar, if a result does
    /// not fit in `i64` microseconds.
    pub fn decode<T: TimeOffset>(&self, values: &[T]) -> Result<Vec<i64>> {
        let mut out = Vec::with_capacity(values.len());
        T::decode_into(values, self, &mut out)?;
        Ok(out)
    }

    /// [`CfUnits::decode`] into a reused buffer (cleared first), to decode chunk after
    /// chunk without allocating.
    ///
    /// # Errors
    /// As [`CfUnits::decode`]; `out` is then left partly filled.
    pub fn decode_into<T: TimeOffset>(&self, values: &[T], out: &mut Vec<i64>) -> Result<()> {
        T::decode_into(values, self, out)
    }

    /// Encodes ticks as offsets in these units: integers when every offset is a whole
    /// number of units, floats otherwise; [`NAT`] becomes NaN.
    ///
    /// # Errors
    /// [`TimeError::OutOfRange`] if an offset from the reference overflows.
    pub fn encode(&self, ticks: &[i64]) -> Result<Encoded> {
        let f = self.unit.ticks();
        let mut deltas = Vec::with_capacity(ticks.len());
        let mut exact = true;
        let mut has_nat = false;
        for &t in ticks {
            if t == NAT {
                has_nat = true;
                deltas.push(0);
                continue;
            }
            let d = t
                .checked_sub(self.reference)
                .ok_or_else(|| self.overflow(t))?;
            exact &= d % f == 0;
            deltas.push(d);
        }
        if exact && !has_nat {
            return Ok(Encoded::Int(deltas.iter().map(|d| d / f).collect()));
        }
        Ok(Encoded::Float(
            ticks
                .iter()
                .zip(&deltas)
                .map(|(&t, &d)| {
                    if t == NAT {
                        f64::NAN
                    } else {
                        d.div_euclid(f) as f64 + d.rem_euclid(f) as f64 / f as f64
                    }
                })
                .collect(),
        ))
    }

    fn overflow(&self, value: impl fmt::Display) -> TimeError {
        TimeError::OutOfRange {
            what: format!("time value {value} in units {self}"),
            calendar: self.calendar,
        }
    }
}

impl fmt::Display for CfUnits {
    /// `"<unit> since <reference>"`, the reference written as xarray writes it: a
    /// pandas timestamp (`2000-01-01 00:00:00`) on `standard`/`proleptic_gregorian`,
    /// `YYYY-MM-DD HH:MM:SS.ffffff` on the others.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = CfDatetime::from_ticks(self.reference, self.calendar);
        write!(
            f,
            "{} since {:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            self.unit, d.year, d.month, d.day, d.hour, d.minute, d.second
        )?;
        let us = d.nanosecond / 1000;
        let pandas = matches!(
            self.calendar,
            Calendar::Standard | Calendar::ProlepticGregorian
        );
        if !pandas || us != 0 {
            write!(f, ".{us:06}")?;
        }
        Ok(())
    }
}

/// Encoded time offsets: integers when exact, floats otherwise.
#[derive(Debug, Clone, PartialEq)]
pub enum Encoded {
    /// Every offset is a whole number of units.
    Int(Vec<i64>),
    /// Fractional offsets (or NaN for [`NAT`]).
    Float(Vec<f64>),
}

impl Encoded {
    /// The offsets as floats.
    pub fn to_f64(&self) -> Vec<f64> {
        match self {
            Encoded::Int(v) => v.iter().map(|&x| x as f64).collect(),
            Encoded::Float(v) => v.clone(),
        }
    }
}

/// Decodes CF offsets `values` in `units` (`"days since 1850-01-01"`) on `calendar` to
/// ticks (microseconds since 1970-01-01 on `calendar`). See [`CfUnits::parse`] for the
/// accepted units and [`CfUnits::decode`] for rounding.
///
/// # Errors
/// [`TimeError::InvalidUnits`] for units that cannot be parsed;
/// [`TimeError::OutOfRange`] if a value lands outside the tick range.
pub fn decode<T: TimeOffset>(values: &[T], units: &str, calendar: Calendar) -> Result<Vec<i64>> {
    CfUnits::parse(units, calendar)?.decode(values)
}

/// Encodes ticks with units inferred like xarray's `infer_datetime_units`: the reference
/// is the first value that is not [`NAT`] (1970-01-01 if there is none) and the unit the
/// coarsest of days, hours, minutes, seconds, milliseconds, microseconds that divides
/// every offset, so the integers returned are exact. Returns the offsets and the units
/// string.
///
/// # Errors
/// [`TimeError::OutOfRange`] if an offset from the reference overflows.
pub fn encode(ticks: &[i64], calendar: Calendar) -> Result<(Encoded, String)> {
    let reference = ticks.iter().copied().find(|&t| t != NAT).unwrap_or(0);
    let mut gcd_all: i64 = 0;
    for &t in ticks.iter().filter(|&&t| t != NAT) {
        let d = t
            .checked_sub(reference)
            .ok_or_else(|| TimeError::OutOfRange {
                what: format!("the offset of tick {t} from tick {reference}"),
                calendar,
            })?;
        gcd_all = gcd(gcd_all, d.unsigned_abs() as i64);
        if gcd_all == 1 {
            break;
        }
    }
    let unit = [
        TimeUnit::Days,
        TimeUnit::Hours,
        TimeUnit::Minutes,
        TimeUnit::Seconds,
        TimeUnit::Milliseconds,
    ]
    .into_iter()
    .find(|u| gcd_all % u.ticks() == 0)
    .unwrap_or(TimeUnit::Microseconds);
    let units = CfUnits::new(unit, reference, calendar);
    Ok((units.encode(ticks)?, units.to_string()))
}

/// Encodes ticks as offsets in the given `units` on `calendar`: integers when exact,
/// floats otherwise (as cftime's `date2num`).
///
/// # Errors
/// [`TimeError::InvalidUnits`] for units that cannot be parsed;
/// [`TimeError::OutOfRange`] if an offset overflows.
pub fn encode_with_units(ticks: &[i64], units: &str, calendar: Calendar) -> Result<Encoded> {
    CfUnits::parse(units, calendar)?.encode(ticks)
}

fn gcd(mut a: i64, mut b: i64) -> i64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

mod sealed {
    pub trait Sealed {}
}

/// Numbers that CF time offsets are stored as: every primitive integer, `f32`, `f64`.
pub trait TimeOffset: Copy + sealed::Sealed {
    /// Decodes `values` in `units` into `out` (cleared first); see [`CfUnits::decode`].
    ///
    /// # Errors
    /// [`TimeError::OutOfRange`] if a result does not fit in `i64` ticks; `out` is then
    /// left partly filled.
    fn decode_into(values: &[Self], units: &CfUnits, out: &mut Vec<i64>) -> Result<()>;
}

macro_rules! int_offset {
    ($($t:ty),*) => {$(
        impl sealed::Sealed for $t {}
        impl TimeOffset for $t {
            fn decode_into(values: &[$t], units: &CfUnits, out: &mut Vec<i64>) -> Result<()> {
                out.clear();
                let Some(&first) = values.first() else {
                    return Ok(());
                };
                let (lo, hi) = values
                    .iter()
                    .fold((first, first), |(lo, hi), &v| (lo.min(v), hi.max(v)));
                let f = units.unit.ticks();
                let r = units.reference;
                // The range check, once: every result lies between these two.
                for v in [lo, hi] {
                    let t = i128::from(r) + i128::from(v) * i128::from(f);
                    if t <= i128::from(NAT) || t > i128::from(i64::MAX) {
                        return Err(units.overflow(v));
                    }
                }
                // In range, so this neither wraps nor needs checks: one multiply-add.
                out.extend(values.iter().map(|&v| r.wrapping_add((v as i64).wrapping_mul(f))));
                Ok(())
            }
        }
    )*};
}

int_offset!(i8, i16, i32, i64, u8, u16, u32, u64);

impl sealed::Sealed for f64 {}
impl TimeOffset for f64 {
    fn decode_into(values: &[f64], units: &CfUnits, out: &mut Vec<i64>) -> Result<()> {
        decode_floats(values, units, out)
    }
}

impl sealed::Sealed for f32 {}
impl TimeOffset for f32 {
    fn decode_into(values: &[f32], units: &CfUnits, out: &mut Vec<i64>) -> Result<()> {
        // f32 → f64 is exact, and cftime upcasts the same way.
        decode_floats(values, units, out)
    }
}

/// Values per block of [`decode_floats`]: small enough that a block's output is still in
/// the L1 cache when it is redone element by element.
const BLOCK: usize = 512;

/// Decodes float offsets block by block: every value of a block goes through
/// [`FloatDecoder::fast`] (no branch, no division, no call), which also says whether its
/// answer is certainly cftime's; only the doubtful values of a block (none, usually) are
/// then redone on the exact [`FloatDecoder::slow`] path.
fn decode_floats<T: Copy + Into<f64>>(
    values: &[T],
    units: &CfUnits,
    out: &mut Vec<i64>,
) -> Result<()> {
    let dec = FloatDecoder::new(units);
    out.clear();
    out.reserve(values.len());
    let mut buf = [0i64; BLOCK];
    let mut sure = [true; BLOCK];
    for block in values.chunks(BLOCK) {
        let mut doubtful = false;
        for ((t, ok), &v) in buf.iter_mut().zip(&mut sure).zip(block) {
            (*t, *ok) = dec.fast(v.into());
            doubtful |= !*ok;
        }
        if doubtful {
            for ((t, ok), &v) in buf.iter_mut().zip(&sure).zip(block) {
                if !ok {
                    *t = dec.slow(v.into())?;
                }
            }
        }
        out.extend_from_slice(&buf[..block.len()]);
    }
    Ok(())
}

/// Adding 1.5 × 2^52 to an `f64` below 2^51 in magnitude rounds it to an integer, ties
/// to even, which is then the low bits of the sum: [`round_to_int`] rounds and converts
/// in an addition and a subtraction (no call to `round`, a libm call on x86-64 without
/// SSE 4.1, and no saturating conversion).
const ROUNDER: f64 = 6_755_399_441_055_744.0;

/// 2^51: below it [`round_to_int`] is exact.
const TWO_POW_51: f64 = 2_251_799_813_685_248.0;

/// `x` (below 2^51 in magnitude) rounded to an integer, ties to even, as an `f64` and
/// as an `i64`.
#[inline(always)]
fn round_to_int(x: f64) -> (f64, i64) {
    let sum = x + ROUNDER;
    let int = (sum.to_bits() as i64).wrapping_sub(ROUNDER.to_bits() as i64);
    (sum - ROUNDER, int)
}

/// Results and offsets inside ±8.9e18 µs fit in `i64` (±9.22e18) whatever the rounding
/// error of the estimates compared with them (a few thousand µs).
const SAFE_TICKS: f64 = 8.9e18;

/// The constants of one decode of float offsets.
#[derive(Clone, Copy)]
struct FloatDecoder<'u> {
    units: &'u CfUnits,
    reference: i64,
    factor: i64,
    factor_f: f64,
    /// `factor × 2^-63`: twice the bound of the rounding of cftime's 80-bit product (64
    /// significant bits: at most `|v × factor| × 2^-64`), per unit of |v|.
    product_err: f64,
    /// Twice the bound of the rounding of `frac × factor` (at most half the factor, so
    /// off by at most `factor × 2^-54`), plus room for the test's own roundings.
    margin: f64,
    /// Values strictly between these have offsets and results well inside `i64` (and
    /// are below 2^51 in magnitude).
    lo: f64,
    hi: f64,
    snap: bool,
}

impl<'u> FloatDecoder<'u> {
    fn new(units: &'u CfUnits) -> Self {
        const TWO_POW_MINUS_63: f64 = 1.084_202_172_485_504_4e-19;
        let factor = units.unit.ticks();
        let f = factor as f64;
        let r = units.reference as f64;
        let limit = TWO_POW_51.min(SAFE_TICKS / f);
        FloatDecoder {
            units,
            reference: units.reference,
            factor,
            factor_f: f,
            product_err: f * TWO_POW_MINUS_63,
            margin: 0.5 * f * f64::EPSILON + 1e-6,
            lo: (-limit).max((-SAFE_TICKS - r) / f),
            hi: limit.min((SAFE_TICKS - r) / f),
            snap: units.unit.snaps_to_seconds(),
        }
    }

    /// The ticks of `v`, and whether they are certainly cftime's (else the value is NaN,
    /// infinite, out of range, too close to a tie, or snapped).
    ///
    /// `v = w + frac` with `w = round(v)` and `frac` in [-0.5, 0.5], both exact, so
    /// `v × f = w × f + frac × f`: the first an exact integer, the second `q` to within
    /// `|q| × 2^-53`. cftime rounds its 80-bit product of the whole value, off by at most
    /// `|v × f| × 2^-64`. When `q` is farther than twice both errors from
    /// a half, rounding `q` gives cftime's microsecond; when its result is not 1 µs away
    /// from a whole second, cftime does not snap it (`w × f` is a whole number of
    /// seconds for those units). The integer sum wraps, but the range test proves the
    /// true result (and the offset alone) inside `i64`, where wrapping sums are exact.
    #[inline(always)]
    fn fast(&self, v: f64) -> (i64, bool) {
        let (w, w_int) = round_to_int(v);
        let q = (v - w) * self.factor_f;
        let (r, r_int) = round_to_int(q);
        let not_tie = 0.5 - (q - r).abs() > v.abs() * self.product_err + self.margin;
        // r ≡ ±1 (mod 10^6) exactly when r is 1 away from the nearest multiple of 10^6
        // (every integer here is exact in f64).
        let (k, _) = round_to_int(r * 1e-6);
        let not_snapped = !self.snap | ((r - k * 1e6).abs() != 1.0);
        let in_range = (v > self.lo) & (v < self.hi);
        let t = self
            .reference
            .wrapping_add(w_int.wrapping_mul(self.factor))
            .wrapping_add(r_int);
        (t, not_tie & not_snapped & in_range)
    }

    /// The ticks of `v` by exact integer arithmetic; [`NAT`] for NaN and infinities.
    fn slow(&self, v: f64) -> Result<i64> {
        if !v.is_finite() {
            return Ok(NAT);
        }
        match round_scaled(v, self.factor, self.snap)
            .and_then(|d| self.units.reference.checked_add(d))
        {
            Some(t) if t != NAT => Ok(t),
            _ => Err(self.units.overflow(v)),
        }
    }
}

/// `v × factor` rounded to an integer as cftime does: ties to even on the exact product,
/// then, for units of seconds and coarser, a result 1 µs past or before a whole second
/// is replaced by the floor or ceiling of the product. `None` on overflow.
#[inline]
fn round_scaled(v: f64, factor: i64, snap: bool) -> Option<i64> {
    // Whole numbers (the common case: days stored as doubles) are exact integers.
    if v == v.trunc() && v.abs() < 9.0e15 {
        return (v as i64).checked_mul(factor);
    }
    let bits = v.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    let frac = (bits & ((1u64 << 52) - 1)) as i128;
    let (mant, e) = if exp == 0 {
        (frac, -1074)
    } else {
        (frac | (1i128 << 52), exp - 1075)
    };
    let n = extended_precision(if v < 0.0 { -mant } else { mant } * i128::from(factor));
    let (floor, round, ceil): (i128, i128, i128) = if e >= 0 {
        if e > 70 {
            return None;
        }
        let x = n.checked_mul(1i128 << e)?;
        (x, x, x)
    } else if -e > 110 {
        // |x| < 2^95 / 2^110: far below half a microsecond.
        let fl = if n < 0 { -1 } else { 0 };
        (fl, 0, fl + i128::from(n != 0))
    } else {
        let k = -e;
        let q = n >> k;
        let rem = n - (q << k);
        let half = 1i128 << (k - 1);
        let r = match rem.cmp(&half) {
            std::cmp::Ordering::Greater => q + 1,
            std::cmp::Ordering::Less => q,
            std::cmp::Ordering::Equal => q + (q & 1),
        };
        (q, r, q + i128::from(rem != 0))
    };
    let out = if snap {
        match round.rem_euclid(1_000_000) {
            1 => floor,
            999_999 => ceil,
            _ => round,
        }
    } else {
        round
    };
    i64::try_from(out).ok()
}

/// `n` rounded (ties to even) to 64 significant bits: cftime multiplies in numpy's
/// `longdouble`, the x87 80-bit format on x86-64 Linux, and rounds that product, so
/// products beyond 2^64 µs·2^-k carry its rounding. Matching it keeps decoded values
/// identical to cftime's on that platform (where it differs from the exact product, by
/// 1 µs, the exact product lies within 1/64 µs of a half).
fn extended_precision(n: i128) -> i128 {
    let bits = 128 - n.unsigned_abs().leading_zeros();
    if bits <= 64 {
        return n;
    }
    let drop = bits - 64;
    let q = n >> drop;
    let rem = n - (q << drop);
    let half = 1i128 << (drop - 1);
    let q = match rem.cmp(&half) {
        std::cmp::Ordering::Greater => q + 1,
        std::cmp::Ordering::Less => q,
        std::cmp::Ordering::Equal => q + (q & 1),
    };
    q << drop
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_matches_cftime() {
        // cftime 1.6.6: 1.5e-6 s -> 2 µs, 2.5e-6 s -> 3 µs, 0.5e-6 s -> 0, 3.5e-6 s -> 3.
        assert_eq!(round_scaled(1.5e-6, TICKS_PER_SECOND, true), Some(2));
        assert_eq!(round_scaled(2.5e-6, TICKS_PER_SECOND, true), Some(3));
        assert_eq!(round_scaled(0.5e-6, TICKS_PER_SECOND, true), Some(0));
        assert_eq!(round_scaled(3.5e-6, TICKS_PER_SECOND, true), Some(3));
        assert_eq!(round_scaled(-1.25, 1000, false), Some(-1250));
        assert_eq!(round_scaled(0.5, 1, false), Some(0));
        assert_eq!(round_scaled(1.5, 1, false), Some(2));
        assert_eq!(round_scaled(-2.5, 1, false), Some(-2));
    }

    /// Every value decoded element by element on the exact path, as the vector decode
    /// must give it (errors included).
    fn exact(values: &[f64], units: &CfUnits) -> Result<Vec<i64>> {
        let dec = FloatDecoder::new(units);
        values.iter().map(|&v| dec.slow(v)).collect()
    }

    fn all_units() -> Vec<CfUnits> {
        let mut out = Vec::new();
        for (name, cal) in [
            ("microseconds since 1970-01-01", Calendar::Standard),
            (
                "milliseconds since 2000-01-01T12:00:00.5",
                Calendar::ProlepticGregorian,
            ),
            ("seconds since 1970-01-01T00:00:00Z", Calendar::Standard),
            ("minutes since 1582-10-04", Calendar::Julian),
            ("hours since 2000-01-01 00:00:00", Calendar::Standard),
            ("days since 1850-01-01", Calendar::Day360),
            ("days since -1000-06-01", Calendar::NoLeap),
            ("months since 0001-01-01", Calendar::Day360),
            ("common_years since 2000-01-01", Calendar::NoLeap),
        ] {
            out.push(CfUnits::parse(name, cal).unwrap_or_else(|e| panic!("{e}")));
        }
        out
    }

    /// Values next to what the fast path must refuse: halves of a microsecond, 1 µs
    /// beside whole seconds, the ends of the tick range, NaN, infinities, subnormals.
    fn edge_values(units: &CfUnits) -> Vec<f64> {
        let f = units.unit.ticks() as f64;
        let mut v = vec![
            0.0,
            -0.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE,
            5e-324,
            1e-300,
            0.5,
            -0.5,
            1.5,
            2.5,
            TWO_POW_51,
            -TWO_POW_51,
            TWO_POW_51 + 1.0,
            4.5e15,
            9.0e15,
            1e300,
            -1e300,
        ];
        for ticks in [
            0.5,
            1.5,
            2.5,
            -0.5,
            -2.5,
            123_456.5,
            1e6 + 1.0,
            1e6 - 1.0,
            -1e6 + 1.0,
            2e6 - 1.0,
        ] {
            let x = ticks / f;
            v.extend([x, x * (1.0 + f64::EPSILON), x * (1.0 - f64::EPSILON)]);
            v.extend([x.next_up(), x.next_down(), 1000.0 + x, -1000.0 - x]);
        }
        for limit in [i64::MAX as f64, i64::MIN as f64, SAFE_TICKS] {
            for t in [limit, limit - units.reference as f64] {
                let x = t / f;
                v.extend([x, x.next_up(), x.next_down(), x * 0.999_999, x * 1.000_001]);
            }
        }
        v
    }

    #[test]
    fn vector_decode_equals_exact_path_on_edges() {
        for units in all_units() {
            let values = edge_values(&units);
            // Each alone (an error must not hide the others), then all in one block.
            for &v in &values {
                let want = exact(&[v], &units);
                let got = units.decode(&[v]);
                assert_eq!(
                    got.as_ref().ok(),
                    want.as_ref().ok(),
                    "{v:e} in {units}: fast {got:?}, exact {want:?}"
                );
            }
            let finite: Vec<f64> = values
                .iter()
                .copied()
                .filter(|&v| exact(&[v], &units).is_ok())
                .collect();
            assert_eq!(units.decode(&finite).ok(), exact(&finite, &units).ok());
        }
    }

    #[test]
    fn fast_path_takes_ordinary_values() {
        // The bench's values, and hourly steps: none needs the exact path.
        let units = CfUnits::parse("days since 1850-01-01", Calendar::Day360)
            .unwrap_or_else(|e| panic!("{e}"));
        let dec = FloatDecoder::new(&units);
        for i in 0..100_000 {
            let v = f64::from(i) * 0.25 + 0.125;
            assert!(dec.fast(v).1, "{v}");
            assert!(dec.fast(f64::from(i) / 24.0).1, "{i}/24");
            assert!(dec.fast(f64::from(i) - 5e4).1, "{i}");
        }
    }

    proptest::proptest! {
        #[test]
        fn vector_decode_equals_exact_path(
            unit in 0usize..9,
            raw in proptest::collection::vec(proptest::num::f64::ANY, 1..40),
            scaled in proptest::collection::vec((-1e7f64..1e7, -3i32..12), 1..40),
            near in proptest::collection::vec((-1_000_000_000_000i64..1_000_000_000_000, 0usize..4), 1..40),
            big in proptest::collection::vec((1u64 << 52..1u64 << 53, 30i32..63, proptest::bool::ANY), 1..40),
        ) {
            let units = all_units()[unit];
            let f = units.unit.ticks() as f64;
            let mut values: Vec<f64> = raw;
            values.extend(scaled.iter().map(|&(m, e)| m * 10f64.powi(-e)));
            // Offsets a hair from a half microsecond or 1 µs from a whole second.
            values.extend(near.iter().map(|&(t, kind)| {
                let x = match kind {
                    0 => t as f64 + 0.5,
                    1 => (t / 1_000_000 * 1_000_000 + 1) as f64,
                    2 => (t / 1_000_000 * 1_000_000 - 1) as f64,
                    _ => t as f64 + 0.499_999_9,
                } / f;
                if t % 2 == 0 { x.next_up() } else { x }
            }));
            // Offsets of 2^30 to 2^63 µs with every bit of the value random: where
            // cftime's 80-bit product rounds by up to 1/4 µs.
            values.extend(big.iter().map(|&(mant, exp, neg)| {
                let v = mant as f64 * 2f64.powi(exp - 52) / f;
                if neg { -v } else { v }
            }));
            // Out-of-range values fail alone; the others decode as one vector.
            let (good, bad): (Vec<f64>, Vec<f64>) =
                values.iter().partition(|&&v| exact(&[v], &units).is_ok());
            for v in bad {
                proptest::prop_assert!(units.decode(&[v]).is_err(), "{:e} in {}", v, units);
            }
            let want = exact(&good, &units).ok();
            proptest::prop_assert!(want.is_some());
            proptest::prop_assert_eq!(units.decode(&good).ok(), want);
        }
    }
}
