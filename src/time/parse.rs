//! ISO 8601 parsing: full datetimes, partial datetimes (`"2018-01"`) and the reference
//! dates of CF units (with time zones, like cftime accepts them).

use super::{Calendar, CfDatetime, Result, TimeError, TICKS_PER_DAY, TICKS_PER_SECOND};

/// The fields of an ISO 8601 string; absent fields are `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct IsoParts {
    pub year: i64,
    pub month: Option<u8>,
    pub day: Option<u8>,
    pub hour: Option<u8>,
    pub minute: Option<u8>,
    pub second: Option<u8>,
    /// The fraction of a second, truncated to nanoseconds.
    pub nanosecond: Option<u32>,
    /// A time-zone offset east of UTC, in minutes (`Z`/`UTC`/`GMT` give `Some(0)`).
    pub tz_minutes: Option<i64>,
}

struct Cursor<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Between `min` and `max` ASCII digits, as a number.
    fn digits(&mut self, min: usize, max: usize, what: &str) -> std::result::Result<i64, String> {
        let start = self.pos;
        while self.pos - start < max && self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        let n = self.pos - start;
        if n < min {
            return Err(format!("expected {what} at byte {start}"));
        }
        let mut v: i64 = 0;
        for &c in &self.s[start..self.pos] {
            v = v
                .checked_mul(10)
                .and_then(|v| v.checked_add(i64::from(c - b'0')))
                .ok_or_else(|| format!("{what} too large"))?;
        }
        Ok(v)
    }

    fn rest(&self) -> &str {
        std::str::from_utf8(&self.s[self.pos..]).unwrap_or("")
    }
}

/// Parses `[+-]Y+[-M[M][-D[D][(T| )h[h][:m[m][:s[s][.f+]]]][ ][tz]]]`, with `tz` one of
/// `Z`, `UTC`, `GMT`, `±hh`, `±hhmm`, `±hh:mm`. Nothing may follow.
pub(crate) fn parse_iso(input: &str) -> std::result::Result<IsoParts, String> {
    let mut c = Cursor {
        s: input.trim().as_bytes(),
        pos: 0,
    };
    let neg = if c.eat(b'-') {
        true
    } else {
        c.eat(b'+');
        false
    };
    let year = c.digits(1, 12, "a year")?;
    let mut p = IsoParts {
        year: if neg { -year } else { year },
        ..IsoParts::default()
    };
    let small = |v: i64| u8::try_from(v).map_err(|_| format!("field value {v} too large"));
    if c.eat(b'-') {
        p.month = Some(small(c.digits(1, 2, "a month")?)?);
        if c.eat(b'-') {
            p.day = Some(small(c.digits(1, 2, "a day")?)?);
            let sep = c.peek();
            let after = c.s.get(c.pos + 1).copied();
            if matches!(sep, Some(b'T' | b't' | b' ')) && after.is_some_and(|a| a.is_ascii_digit())
            {
                c.pos += 1;
                p.hour = Some(small(c.digits(1, 2, "an hour")?)?);
                if c.eat(b':') {
                    p.minute = Some(small(c.digits(1, 2, "a minute")?)?);
                    if c.eat(b':') {
                        p.second = Some(small(c.digits(1, 2, "a second")?)?);
                        if c.eat(b'.') {
                            let start = c.pos;
                            while c.peek().is_some_and(|b| b.is_ascii_digit()) {
                                c.pos += 1;
                            }
                            let frac = &c.s[start..c.pos];
                            if frac.is_empty() {
                                return Err("expected digits after '.'".into());
                            }
                            let mut ns: u32 = 0;
                            for i in 0..9 {
                                let d = frac.get(i).map_or(0, |&b| u32::from(b - b'0'));
                                ns = ns * 10 + d;
                            }
                            p.nanosecond = Some(ns);
                        }
                    }
                }
            }
            p.tz_minutes = parse_tz(&mut c)?;
        }
    }
    if c.pos != c.s.len() {
        return Err(format!("unexpected trailing text {:?}", c.rest()));
    }
    Ok(p)
}

fn parse_tz(c: &mut Cursor<'_>) -> std::result::Result<Option<i64>, String> {
    let save = c.pos;
    c.eat(b' ');
    let rest = c.rest();
    for name in ["Z", "UTC", "GMT"] {
        // Bytes, not `str` slicing: the text after the time may start with a multi-byte
        // character, and a slice through it would panic.
        let head = rest.as_bytes().get(..name.len());
        if head.is_some_and(|h| h.eq_ignore_ascii_case(name.as_bytes())) {
            c.pos += name.len();
            return Ok(Some(0));
        }
    }
    let sign = match c.peek() {
        Some(b'+') => 1,
        Some(b'-') => -1,
        _ => {
            c.pos = save;
            return Ok(None);
        }
    };
    c.pos += 1;
    // One or two hour digits (`-9:00`, as pandas reads them); minutes after a colon may
    // have one or two digits, without a colon they must have two (`+0130`).
    let hours = c.digits(1, 2, "a time-zone hour")?;
    let minutes = if c.eat(b':') {
        c.digits(1, 2, "time-zone minutes")?
    } else if c.peek().is_some_and(|b| b.is_ascii_digit()) {
        c.digits(2, 2, "time-zone minutes")?
    } else {
        0
    };
    Ok(Some(sign * (hours * 60 + minutes)))
}

/// Parses the reference date of CF units as leniently as xarray's readers (pandas, then
/// cftime) do: an ISO 8601 date as [`parse_iso`] reads it, possibly after a weekday name
/// (`"Sunday 2000-08-06"`), followed by a second, unsigned time that replaces the first
/// as pandas reads it (`"1970-1-1 0:00:00 0:00"`); or a date with a month name, in any
/// order pandas accepts, with an optional time and time zone (`"Sun Aug  6 00:15:00
/// 2000"`, `"6 Aug 2000 1:2:3"`, `"Sunday, August 6, 2000 -9:00"`).
pub(crate) fn parse_reference(input: &str) -> std::result::Result<IsoParts, String> {
    let iso_error = match parse_iso(input) {
        Ok(p) => return Ok(p),
        Err(e) => e,
    };
    let text = input.trim();
    let text = match text.split_once(|c: char| c.is_whitespace() || c == ',') {
        Some((first, rest)) if weekday(first.trim_end_matches(['.', ','])) => rest.trim(),
        _ => text,
    };
    if let Ok(p) = parse_iso(text) {
        return Ok(p);
    }
    if let Some(p) = with_second_time(text) {
        return Ok(p);
    }
    if text
        .split_whitespace()
        .any(|w| month(w.trim_end_matches(['.', ','])).is_some())
    {
        return parse_with_month_name(text);
    }
    Err(iso_error)
}

/// `"<ISO date and time> h:mm[:ss]"`: pandas reads the trailing unsigned time as the time
/// of day, replacing the first (it is not a time-zone offset).
fn with_second_time(text: &str) -> Option<IsoParts> {
    let (head, last) = text.rsplit_once(char::is_whitespace)?;
    let mut p = parse_iso(head.trim_end()).ok()?;
    let time = parse_time(last)?;
    if p.hour.is_none() || p.tz_minutes.is_some() {
        return None;
    }
    p.hour = Some(time.0);
    p.minute = Some(time.1);
    p.second = Some(time.2);
    p.nanosecond = time.3;
    Some(p)
}

/// `h:m[:s[.f]]`, 1- or 2-digit fields: hour, minute, second, nanoseconds.
fn parse_time(word: &str) -> Option<(u8, u8, u8, Option<u32>)> {
    let p = parse_iso(&format!("2000-01-01T{word}")).ok()?;
    if p.tz_minutes.is_some() {
        return None;
    }
    Some((p.hour?, p.minute?, p.second.unwrap_or(0), p.nanosecond))
}

fn weekday(word: &str) -> bool {
    const DAYS: [&str; 7] = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    let w = word.to_ascii_lowercase();
    DAYS.iter()
        .any(|d| w == *d || (w.len() == 3 && d.starts_with(&w)))
}

/// The month (1-12) a name or its 3-letter abbreviation gives, any case.
fn month(word: &str) -> Option<u8> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let w = word.to_ascii_lowercase();
    let i = MONTHS
        .iter()
        .position(|m| w == *m || (w.len() == 3 && m.starts_with(&w)))?;
    u8::try_from(i + 1).ok()
}

/// A date with a month name: words (split on spaces and commas) that are the month, a
/// day (1 or 2 digits), a year (the other number), a time `h:m[:s[.f]]` and a time zone
/// (`Z`/`UTC`/`GMT` or a signed offset), in any order.
fn parse_with_month_name(text: &str) -> std::result::Result<IsoParts, String> {
    let mut p = IsoParts::default();
    let (mut month_seen, mut year) = (None, None);
    let words = text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty());
    for word in words {
        let bare = word.trim_end_matches('.');
        if let Some(m) = month(bare) {
            if month_seen.replace(m).is_some() {
                return Err(format!("two month names in {text:?}"));
            }
        } else if word.starts_with(['+', '-']) || word.chars().all(char::is_alphabetic) {
            let mut c = Cursor {
                s: word.as_bytes(),
                pos: 0,
            };
            match parse_tz(&mut c)? {
                Some(tz) if c.pos == word.len() && p.tz_minutes.is_none() => {
                    p.tz_minutes = Some(tz);
                }
                _ => return Err(format!("unexpected {word:?} in the date {text:?}")),
            }
        } else if word.contains(':') {
            let t = parse_time(word).ok_or_else(|| format!("bad time {word:?} in {text:?}"))?;
            if p.hour.replace(t.0).is_some() {
                return Err(format!("two times in {text:?}"));
            }
            (p.minute, p.second, p.nanosecond) = (Some(t.1), Some(t.2), t.3);
        } else if word.bytes().all(|b| b.is_ascii_digit()) {
            let v: i64 = word
                .parse()
                .map_err(|_| format!("number {word:?} too large"))?;
            if word.len() <= 2 && p.day.is_none() {
                p.day = u8::try_from(v).ok();
            } else if year.replace(v).is_some() {
                return Err(format!("two years in {text:?}"));
            }
        } else {
            return Err(format!("unexpected {word:?} in the date {text:?}"));
        }
    }
    match (year, month_seen, p.day) {
        (Some(y), Some(m), Some(d)) => {
            p.year = y;
            p.month = Some(m);
            p.day = Some(d);
            Ok(p)
        }
        _ => Err(format!("expected a year, a month and a day in {text:?}")),
    }
}

impl IsoParts {
    /// The datetime at the start of the parsed period (absent fields are their minimum).
    pub(crate) fn to_datetime(self, calendar: Calendar) -> Result<CfDatetime> {
        CfDatetime::new(
            self.year,
            self.month.unwrap_or(1),
            self.day.unwrap_or(1),
            calendar,
        )?
        .with_time(
            self.hour.unwrap_or(0),
            self.minute.unwrap_or(0),
            self.second.unwrap_or(0),
            self.nanosecond.unwrap_or(0),
        )
    }
}

impl CfDatetime {
    /// Parses an ISO 8601 date or datetime on `calendar`: `YYYY-MM-DD`,
    /// `YYYY-MM-DDTHH:MM:SS[.fffffffff]` (or with a space instead of `T`), signed or
    /// extended years (`-0100-01-01`, `+12000-01-01`, `12000-01-01`). Shorter forms
    /// (`YYYY`, `YYYY-MM`, `...THH`, `...THH:MM`) give the start of that period.
    ///
    /// # Errors
    /// [`TimeError::Parse`] for malformed text or a time-zone offset;
    /// [`TimeError::InvalidDate`] for a date that does not exist on `calendar`.
    pub fn parse(s: &str, calendar: Calendar) -> Result<CfDatetime> {
        let parts = parse_iso(s).map_err(|reason| TimeError::Parse {
            input: s.to_string(),
            calendar,
            reason,
        })?;
        if parts.tz_minutes.is_some() {
            return Err(TimeError::Parse {
                input: s.to_string(),
                calendar,
                reason: "time-zone offsets are only accepted in units reference dates".into(),
            });
        }
        parts.to_datetime(calendar)
    }
}

/// The `[start, end)` ticks of the period that a partial datetime names on `calendar`:
/// `"2018"` is that whole year, `"2018-01"` January, `"2018-01-05"` one day,
/// `"2018-01-05T06"` one hour, `"...T06:30"` one minute, `"...T06:30:15"` one second, and
/// a datetime with a fraction the single microsecond tick that contains it.
///
/// # Errors
/// [`TimeError::Parse`] for malformed text or a time-zone offset;
/// [`TimeError::InvalidDate`] for a date that does not exist on `calendar`;
/// [`TimeError::OutOfRange`] if the period does not fit in microsecond ticks.
pub fn parse_partial_datetime(s: &str, calendar: Calendar) -> Result<(i64, i64)> {
    let start = CfDatetime::parse(s, calendar)?;
    let parts = parse_iso(s).map_err(|reason| TimeError::Parse {
        input: s.to_string(),
        calendar,
        reason,
    })?;
    let t0 = start.to_ticks()?;
    let overflow = || TimeError::OutOfRange {
        what: format!("the period {s:?}"),
        calendar,
    };
    let end = if parts.month.is_none() {
        let astro = calendar.astronomical_year(start.year);
        let next = calendar.year_from_astronomical(astro + 1);
        CfDatetime::new(next, 1, 1, calendar)?.to_ticks()?
    } else if parts.day.is_none() {
        let (y, m) = if start.month == 12 {
            let astro = calendar.astronomical_year(start.year);
            (calendar.year_from_astronomical(astro + 1), 1)
        } else {
            (start.year, start.month + 1)
        };
        CfDatetime::new(y, m, 1, calendar)?.to_ticks()?
    } else {
        let step = if parts.hour.is_none() {
            TICKS_PER_DAY
        } else if parts.minute.is_none() {
            3600 * TICKS_PER_SECOND
        } else if parts.second.is_none() {
            60 * TICKS_PER_SECOND
        } else if parts.nanosecond.is_none() {
            TICKS_PER_SECOND
        } else {
            1
        };
        t0.checked_add(step).ok_or_else(overflow)?
    };
    Ok((t0, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_after_the_time_is_an_error_even_when_it_starts_with_a_multibyte_character() {
        for input in [
            "2000-01-01 00:00:00 é",
            "2000-01-01T00:00:00é",
            "2000-01-01 00:00 ÜTC",
        ] {
            let err = parse_iso(input).err();
            assert!(err.is_some_and(|e| e.contains("trailing")), "{input}");
        }
        assert_eq!(
            parse_iso("2000-01-01 00:00:00 utc").map(|p| p.tz_minutes),
            Ok(Some(0))
        );
    }

    fn reference(input: &str) -> (i64, u8, u8, u8, u8, u8, Option<i64>) {
        let p = parse_reference(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        let (m, d) = (p.month.unwrap_or(0), p.day.unwrap_or(0));
        let (h, mi, s) = (
            p.hour.unwrap_or(0),
            p.minute.unwrap_or(0),
            p.second.unwrap_or(0),
        );
        (p.year, m, d, h, mi, s, p.tz_minutes)
    }

    #[test]
    fn reference_dates_are_read_as_leniently_as_pandas_reads_them() {
        // The units of netcdf-c's test files, and pandas' reading of them.
        assert_eq!(
            reference("Sun Aug  6 00:15:00 2000"),
            (2000, 8, 6, 0, 15, 0, None)
        );
        assert_eq!(
            reference("1970-1-1 0:00:00 0:00"),
            (1970, 1, 1, 0, 0, 0, None)
        );
        assert_eq!(
            reference("1970-1-1 0:00:00 5:00"),
            (1970, 1, 1, 5, 0, 0, None)
        );
        assert_eq!(
            reference("1992-10-8 12:09:00 -9:00"),
            (1992, 10, 8, 12, 9, 0, Some(-540))
        );
        assert_eq!(
            reference("1970-01-01T00:00:00-9:00"),
            (1970, 1, 1, 0, 0, 0, Some(-540))
        );
        assert_eq!(
            reference("1970-1-1 0:00:00 +5"),
            (1970, 1, 1, 0, 0, 0, Some(300))
        );
        assert_eq!(
            reference("2000-8-6 0:15:0.5 -9:30"),
            (2000, 8, 6, 0, 15, 0, Some(-570))
        );
        assert_eq!(reference("Aug 6 2000"), (2000, 8, 6, 0, 0, 0, None));
        assert_eq!(reference("6 Aug 2000 1:2:3"), (2000, 8, 6, 1, 2, 3, None));
        assert_eq!(
            reference("Sunday, August 6, 2000"),
            (2000, 8, 6, 0, 0, 0, None)
        );
        assert_eq!(reference("Sunday 2000-08-06"), (2000, 8, 6, 0, 0, 0, None));
        assert_eq!(
            reference("Sun Aug  6 00:15:00 2000 -9:00"),
            (2000, 8, 6, 0, 15, 0, Some(-540))
        );
        // The weekday is not checked against the date, as pandas does not.
        assert_eq!(reference("Mon Aug 6 2000"), (2000, 8, 6, 0, 0, 0, None));
        for bad in [
            "garbage",
            "Aug 2000",
            "Sun",
            "Aug Sep 6 2000",
            "6 Aug 2000 x",
        ] {
            assert!(parse_reference(bad).is_err(), "{bad}");
        }
    }
}
