//! `strftime`: datetimes on any calendar formatted as C's `strftime` (and so pandas and
//! cftime) formats them, for the directives that mean the same on every CF calendar.

use std::fmt::Write as _;

use super::civil::{day_of_week, day_of_year};
use super::{Calendar, CfDatetime, Result, TimeError, NAT, TICKS_PER_DAY};

/// Month names, January first (`%B`; `%b` takes the first three letters).
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Day names, Monday first as [`components::dayofweek`](super::components::dayofweek)
/// counts (`%A`; `%a` takes the first three letters).
const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// The directives [`strftime`] knows, for error messages.
const DIRECTIVES: &str = "%Y %y %m %d %H %I %M %S %f %j %p %b %B %a %A %%";

/// Formats each tick on `calendar` with `format`, as pandas' `Series.dt.strftime` and
/// cftime's `datetime.strftime` do: `%Y` (year, at least 4 digits), `%y` (year in the
/// century), `%m`, `%d`, `%H`, `%I` (12-hour clock), `%M`, `%S` (zero-padded), `%f`
/// (microseconds, 6 digits), `%j` (day of the year, 3 digits), `%p` (`AM`/`PM`), `%b`
/// `%B` (month name), `%a` `%A` (weekday name, the week running on through the
/// idealized calendars as cftime's) and `%%`. [`NAT`] formats as `"NaT"`.
///
/// ```
/// use xr::time::{strftime, Calendar, CfDatetime};
/// # fn main() -> Result<(), xr::time::TimeError> {
/// let t = CfDatetime::new(2001, 2, 30, Calendar::Day360)?.with_time(13, 5, 0, 0)?;
/// let s = strftime(&[t.to_ticks()?], Calendar::Day360, "%Y-%m-%d %H:%M (%j, %b)")?;
/// assert_eq!(s, ["2001-02-30 13:05 (060, Feb)"]);
/// # Ok(())
/// # }
/// ```
///
/// # Errors
/// [`TimeError::InvalidFormat`] for a directive outside that list (or a lone `%` at the
/// end), naming it.
pub fn strftime(ticks: &[i64], calendar: Calendar, format: &str) -> Result<Vec<String>> {
    let pieces = parse(format)?;
    Ok(ticks
        .iter()
        .map(|&t| {
            if t == NAT {
                return "NaT".to_string();
            }
            let d = CfDatetime::from_ticks(t, calendar);
            let mut out = String::with_capacity(format.len() + 8);
            for piece in &pieces {
                match piece {
                    Piece::Text(s) => out.push_str(s),
                    Piece::Directive(c) => directive(&mut out, *c, &d, t),
                }
            }
            out
        })
        .collect())
}

enum Piece<'a> {
    Text(&'a str),
    Directive(char),
}

fn parse(format: &str) -> Result<Vec<Piece<'_>>> {
    let invalid = |reason: String| TimeError::InvalidFormat {
        format: format.to_string(),
        reason,
    };
    let mut pieces = Vec::new();
    let mut rest = format;
    while let Some(at) = rest.find('%') {
        if at > 0 {
            pieces.push(Piece::Text(&rest[..at]));
        }
        let mut chars = rest[at + 1..].chars();
        let c = chars
            .next()
            .ok_or_else(|| invalid("a lone '%' at the end".into()))?;
        if !"YymdHIMSfjpbBaA%".contains(c) {
            return Err(invalid(format!(
                "directive %{c} is not supported; supported are {DIRECTIVES}"
            )));
        }
        pieces.push(Piece::Directive(c));
        rest = chars.as_str();
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest));
    }
    Ok(pieces)
}

fn directive(out: &mut String, c: char, d: &CfDatetime, ticks: i64) {
    let month = MONTHS[usize::from(d.month - 1)];
    let weekday =
        || WEEKDAYS[usize::from(day_of_week(ticks.div_euclid(TICKS_PER_DAY), d.calendar))];
    // Writing to a String cannot fail.
    let _ = match c {
        'Y' => write!(out, "{:04}", d.year),
        'y' => write!(out, "{:02}", d.year.rem_euclid(100)),
        'm' => write!(out, "{:02}", d.month),
        'd' => write!(out, "{:02}", d.day),
        'H' => write!(out, "{:02}", d.hour),
        'I' => write!(out, "{:02}", (d.hour + 11) % 12 + 1),
        'M' => write!(out, "{:02}", d.minute),
        'S' => write!(out, "{:02}", d.second),
        'f' => write!(out, "{:06}", d.nanosecond / 1000),
        'j' => write!(
            out,
            "{:03}",
            day_of_year(d.year, d.month, d.day, d.calendar)
        ),
        'p' => write!(out, "{}", if d.hour < 12 { "AM" } else { "PM" }),
        'b' => write!(out, "{}", &month[..3]),
        'B' => write!(out, "{month}"),
        'a' => write!(out, "{}", &weekday()[..3]),
        'A' => write!(out, "{}", weekday()),
        _ => write!(out, "%"),
    };
}
