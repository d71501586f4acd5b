#![allow(clippy::unwrap_used)]
//! The CF time layer against cftime/xarray golden values (tests/golden/) and by property.

use proptest::prelude::*;
use xr::time::components::{self, Component};
use xr::time::units::{CfUnits, Encoded, TimeUnit};
use xr::time::{
    date_range, decode, encode, encode_with_units, parse_partial_datetime, Calendar, CfDatetime,
    Frequency, TimeDelta, TimeError, NAT, TICKS_PER_DAY, TICKS_PER_SECOND,
};

fn golden(name: &str) -> Vec<String> {
    let path = format!("{}/tests/golden/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(2)
        .map(str::to_string)
        .collect()
}

fn dt(s: &str, cal: Calendar) -> CfDatetime {
    CfDatetime::parse(s, cal).unwrap()
}

fn ticks(s: &str, cal: Calendar) -> i64 {
    dt(s, cal).to_ticks().unwrap()
}

fn fmt_all(t: &[i64], cal: Calendar) -> Vec<String> {
    t.iter().map(|&t| xr::time::format_ticks(t, cal)).collect()
}

#[test]
fn golden_decode_encode_components() {
    let rows = golden("time_decode.csv");
    assert!(rows.len() > 2500);
    let mut failures = Vec::new();
    for line in &rows {
        let f: Vec<&str> = line.split(',').collect();
        let cal: Calendar = f[0].parse().unwrap();
        let units = f[1];
        let t = if f[2] == "int" {
            decode(&[f[3].parse::<i64>().unwrap()], units, cal)
        } else {
            decode(&[f[3].parse::<f64>().unwrap()], units, cal)
        };
        let Ok(t) = t else {
            failures.push(format!("{line}: {t:?}"));
            continue;
        };
        let d = CfDatetime::from_ticks(t[0], cal);
        let want: Vec<i64> = f[4..15].iter().map(|x| x.parse().unwrap()).collect();
        let got = vec![
            d.year,
            i64::from(d.month),
            i64::from(d.day),
            i64::from(d.hour),
            i64::from(d.minute),
            i64::from(d.second),
            i64::from(d.nanosecond / 1000),
            i64::from(components::dayofyear(&t, cal)[0]),
            i64::from(components::dayofweek(&t, cal)[0]),
            i64::from(components::days_in_month(&t, cal)[0]),
            i64::from(components::is_leap_year(&t, cal)[0]),
        ];
        if got != want {
            failures.push(format!("{line}: got {got:?}"));
            continue;
        }
        let back = encode_with_units(&t, units, cal).unwrap();
        let ok = match (&back, f[15].parse::<i64>()) {
            (Encoded::Int(v), Ok(w)) => v[0] == w,
            (Encoded::Float(v), _) => {
                let w: f64 = f[15].parse().unwrap();
                (v[0] - w).abs() <= 4.0 * f64::EPSILON * w.abs().max(1.0)
            }
            _ => false,
        };
        if !ok {
            failures.push(format!("{line}: re-encoded {back:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches, first: {:#?}",
        failures.len(),
        &failures[..failures.len().min(10)]
    );
}

#[test]
fn golden_vector_decode_matches_scalar() {
    // The same rows decoded as one vector per (calendar, units) give the same ticks.
    let rows = golden("time_decode.csv");
    let (mut ints, mut scalars) = (Vec::new(), Vec::new());
    for line in rows
        .iter()
        .filter(|l| l.starts_with("noleap,days since 0000-01-01,int"))
    {
        let v: i64 = line.split(',').nth(3).unwrap().parse().unwrap();
        ints.push(v);
        scalars.push(decode(&[v], "days since 0000-01-01", Calendar::NoLeap).unwrap()[0]);
    }
    assert!(ints.len() > 10);
    assert_eq!(
        decode(&ints, "days since 0000-01-01", Calendar::NoLeap).unwrap(),
        scalars
    );
}

#[test]
fn golden_infer_units() {
    for line in golden("time_infer.csv") {
        let f: Vec<&str> = line.split(';').collect();
        let cal: Calendar = f[0].parse().unwrap();
        let days: Vec<f64> = f[1].split(' ').map(|x| x.parse().unwrap()).collect();
        let t = decode(&days, "days since 1970-01-01", cal).unwrap();
        let (values, units) = encode(&t, cal).unwrap();
        assert_eq!(
            CfUnits::parse(&units, cal).unwrap(),
            CfUnits::parse(f[2], cal).unwrap(),
            "{line}: ours {units}"
        );
        let want: Vec<i64> = f[3].split(' ').map(|x| x.parse().unwrap()).collect();
        assert_eq!(values, Encoded::Int(want), "{line}");
    }
}

#[test]
fn units_strings() {
    let std = Calendar::Standard;
    let u = CfUnits::parse("days since 1970-01-01T00:00:00Z", std).unwrap();
    assert_eq!((u.unit, u.reference), (TimeUnit::Days, 0));
    let u = CfUnits::parse("Hours Since 1970-01-01 05:00:00 +05:00", std).unwrap();
    assert_eq!((u.unit, u.reference), (TimeUnit::Hours, 0));
    let u = CfUnits::parse("s since 1970-1-1 0:0:1.5 UTC", std).unwrap();
    assert_eq!(u.reference, 1_500_000);
    let u = CfUnits::parse("us since 1970-01-01 00:00 -0130", std).unwrap();
    assert_eq!(u.reference, 90 * 60 * TICKS_PER_SECOND);
    assert_eq!(u.to_string(), "microseconds since 1970-01-01 01:30:00");
    let u = CfUnits::parse("days since 2000-01-01", Calendar::Day360).unwrap();
    assert_eq!(u.to_string(), "days since 2000-01-01 00:00:00.000000");

    // Reference dates of netcdf-c's test files, as xarray (pandas) decodes them.
    let u = CfUnits::parse("days since Sun Aug  6 00:15:00 2000", std).unwrap();
    assert_eq!(u.reference, ticks("2000-08-06T00:15:00", std));
    let u = CfUnits::parse("seconds since 1970-1-1 0:00:00 0:00", std).unwrap();
    assert_eq!((u.unit, u.reference), (TimeUnit::Seconds, 0));
    let u = CfUnits::parse("seconds since 1992-10-8 12:09:00 -9:00", std).unwrap();
    assert_eq!(u.reference, ticks("1992-10-08T21:09:00", std));
    let u = CfUnits::parse("hours since 2000-1-1 3:4:5 +0130", Calendar::NoLeap).unwrap();
    assert_eq!(u.reference, ticks("2000-01-01T01:34:05", Calendar::NoLeap));
    let u = CfUnits::parse("days since Sunday, August 6, 2000", std).unwrap();
    assert_eq!(u.reference, ticks("2000-08-06", std));
    let u = CfUnits::parse("days since 6 Aug 2000 1:2:3", Calendar::Day360).unwrap();
    assert_eq!(u.reference, ticks("2000-08-06T01:02:03", Calendar::Day360));
    for bad in [
        "days since Aug 2000",
        "days since Sun",
        "days since 2000-13-01",
    ] {
        let err = CfUnits::parse(bad, std).unwrap_err();
        assert!(err.to_string().contains(bad), "{err}");
    }

    let err = decode(&[1i64], "fortnights since 2000-01-01", Calendar::NoLeap).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("fortnights since 2000-01-01") && msg.contains("noleap"),
        "{msg}"
    );
    let err = decode(&[1i64], "months since 2000-01-01", std).unwrap_err();
    assert!(err.to_string().contains("360_day"), "{err}");
    assert!(decode(&[1i64], "days after 2000-01-01", std).is_err());
    assert!(decode(&[1i64], "days since 2001-02-29", Calendar::NoLeap).is_err());
    assert!(decode(&[1i64], "days since 0000-01-01", std).is_err());
    assert!(decode(&[1i64], "days since 1582-10-10", std).is_err());
    assert_eq!(
        decode(&[1i64], "months since 2000-01-01", Calendar::Day360).unwrap(),
        vec![ticks("2000-02-01", Calendar::Day360)]
    );
    assert!(matches!(
        decode(&[i64::MAX], "days since 2000-01-01", std),
        Err(TimeError::OutOfRange { .. })
    ));
    assert_eq!(
        decode(&[f64::NAN, 1.0], "days since 1970-01-01", std).unwrap(),
        vec![NAT, TICKS_PER_DAY]
    );
    assert_eq!(
        decode(&[-1i32, 0, 1], "hours since 1970-01-01", std).unwrap(),
        vec![-3600 * TICKS_PER_SECOND, 0, 3600 * TICKS_PER_SECOND]
    );
    assert_eq!(
        decode(&[0.5f32], "days since 1970-01-01", std).unwrap(),
        vec![TICKS_PER_DAY / 2]
    );
    let Encoded::Float(v) =
        encode_with_units(&[TICKS_PER_DAY / 2, NAT], "days since 1970-01-01", std).unwrap()
    else {
        panic!("expected floats")
    };
    assert_eq!(v[0], 0.5);
    assert!(v[1].is_nan());
}

#[test]
fn encode_with_nat_and_empty() {
    let (v, u) = encode(&[], Calendar::NoLeap).unwrap();
    assert_eq!(v, Encoded::Int(vec![]));
    assert_eq!(u, "days since 1970-01-01 00:00:00.000000");
    let (v, u) = encode(&[NAT, TICKS_PER_DAY, 3 * TICKS_PER_DAY], Calendar::Standard).unwrap();
    assert_eq!(u, "days since 1970-01-02 00:00:00");
    let Encoded::Float(v) = v else {
        panic!("{v:?}")
    };
    assert!(v[0].is_nan());
    assert_eq!(&v[1..], &[0.0, 2.0]);
}

#[test]
fn datetime_construction_and_order() {
    let cal = Calendar::NoLeap;
    assert!(CfDatetime::new(2000, 2, 29, cal).is_err());
    assert!(CfDatetime::new(2000, 2, 29, Calendar::Standard).is_ok());
    assert!(CfDatetime::new(1900, 2, 29, Calendar::Standard).is_err());
    assert!(CfDatetime::new(1500, 2, 29, Calendar::Standard).is_ok());
    assert!(CfDatetime::new(1900, 2, 29, Calendar::Julian).is_ok());
    assert!(CfDatetime::new(2000, 2, 30, Calendar::Day360).is_ok());
    assert!(CfDatetime::new(2000, 1, 31, Calendar::Day360).is_err());
    assert!(CfDatetime::new(0, 1, 1, Calendar::Julian).is_err());
    assert!(CfDatetime::new(0, 1, 1, Calendar::ProlepticGregorian).is_ok());
    assert!(CfDatetime::new(1582, 10, 5, Calendar::Standard).is_err());
    assert!(CfDatetime::new(1582, 10, 5, Calendar::Julian).is_ok());
    assert!(CfDatetime::new(2000, 13, 1, cal).is_err());
    let err = CfDatetime::new(2001, 2, 29, cal).unwrap_err().to_string();
    assert!(
        err.contains("2001-02-29") && err.contains("noleap"),
        "{err}"
    );
    let a = CfDatetime::new(2000, 1, 1, cal).unwrap();
    assert!(a.with_time(24, 0, 0, 0).is_err());
    let b = a.with_time(23, 59, 59, 999_999_000).unwrap();
    assert!(a < b);
    assert_eq!(
        b.to_ticks().unwrap() - a.to_ticks().unwrap(),
        TICKS_PER_DAY - 1
    );
    let c = CfDatetime::new(2000, 1, 1, Calendar::Standard).unwrap();
    assert_eq!(a.partial_cmp(&c), None);
    let d = (a + TimeDelta::days(59)).unwrap();
    assert_eq!(d.to_string(), "2000-03-01T00:00:00");
    assert_eq!(
        (d - TimeDelta::hours(1)).unwrap().to_string(),
        "2000-02-28T23:00:00"
    );
    assert_eq!((d - a).unwrap(), TimeDelta::days(59));
    assert!((d - c).is_err());
    assert_eq!(
        CfDatetime::from_ticks(0, Calendar::Julian).to_string(),
        "1970-01-01T00:00:00"
    );
    // Across the Julian/Gregorian switch of `standard`.
    let s = CfDatetime::new(1582, 10, 4, Calendar::Standard).unwrap();
    assert_eq!(
        (s + TimeDelta::days(1)).unwrap().to_string(),
        "1582-10-15T00:00:00"
    );
}

#[test]
fn datetime_parse_and_display() {
    let cal = Calendar::ProlepticGregorian;
    assert_eq!(dt("2018-01-05", cal).to_string(), "2018-01-05T00:00:00");
    assert_eq!(
        dt("2018-01-05 06:30:15.25", cal).to_string(),
        "2018-01-05T06:30:15.25"
    );
    assert_eq!(dt("-0100-03-01T00:00:00", cal).year, -100);
    assert_eq!(dt("+12000-01-01", cal).to_string(), "+12000-01-01T00:00:00");
    assert_eq!(dt("12000-01-01", Calendar::Day360).year, 12000);
    assert_eq!(
        dt("2018-01-05T06:30:15.123456789", cal).nanosecond,
        123_456_789
    );
    for bad in [
        "",
        "2018-",
        "2018-01-05X",
        "2018-01-05T25:00",
        "abc",
        "2018-01-05T06:30Z",
    ] {
        let e = CfDatetime::parse(bad, cal).unwrap_err();
        assert!(
            e.to_string().contains(&format!("{bad:?}")) || e.to_string().contains("invalid"),
            "{e}"
        );
    }
}

#[test]
fn partial_datetimes() {
    let cal = Calendar::Day360;
    let p = |s| parse_partial_datetime(s, cal).unwrap();
    assert_eq!(
        p("2018"),
        (ticks("2018-01-01", cal), ticks("2019-01-01", cal))
    );
    assert_eq!(
        p("2018-12"),
        (ticks("2018-12-01", cal), ticks("2019-01-01", cal))
    );
    assert_eq!(
        p("2018-02-30"),
        (ticks("2018-02-30", cal), ticks("2018-03-01", cal))
    );
    let h = ticks("2018-01-05T06:00", cal);
    assert_eq!(p("2018-01-05T06"), (h, h + 3600 * TICKS_PER_SECOND));
    assert_eq!(
        p("2018-01-05T06:30").1 - p("2018-01-05T06:30").0,
        60 * TICKS_PER_SECOND
    );
    assert_eq!(
        p("2018-01-05 06:30:01").1 - p("2018-01-05 06:30:01").0,
        TICKS_PER_SECOND
    );
    assert_eq!(
        p("2018-01-05 06:30:01.5").1 - p("2018-01-05 06:30:01.5").0,
        1
    );
    let std = Calendar::Standard;
    let (a, b) = parse_partial_datetime("1582-10", std).unwrap();
    assert_eq!((b - a) / TICKS_PER_DAY, 21);
    let (a, b) = parse_partial_datetime("-1", Calendar::Julian).unwrap();
    assert_eq!((b - a) / TICKS_PER_DAY, 366);
    assert_eq!(fmt_all(&[b], Calendar::Julian), ["0001-01-01T00:00:00"]);
    assert!(parse_partial_datetime("2018-02-31", cal).is_err());
}

#[test]
fn components_and_seasons() {
    let cal = Calendar::NoLeap;
    let t: Vec<i64> = [
        "1999-12-31",
        "2000-01-01T06:07:08",
        "2000-03-01",
        "2000-06-30",
        "2000-11-15",
    ]
    .iter()
    .map(|s| ticks(s, cal))
    .collect();
    assert_eq!(
        components::season(&t, cal),
        ["DJF", "DJF", "MAM", "JJA", "SON"]
    );
    assert_eq!(components::season_index(&t, cal), [0, 0, 1, 2, 3]);
    assert_eq!(components::dayofyear(&t, cal), [365, 1, 60, 181, 319]);
    assert_eq!(components::hour(&t), [0, 6, 0, 0, 0]);
    assert_eq!(components::minute(&t), [0, 7, 0, 0, 0]);
    assert_eq!(components::second(&t), [0, 8, 0, 0, 0]);
    assert_eq!(components::year(&t, cal), [1999, 2000, 2000, 2000, 2000]);
    assert_eq!(components::month(&t, cal), [12, 1, 3, 6, 11]);
    assert_eq!(components::day(&t, cal), [31, 1, 1, 30, 15]);
    assert_eq!(components::days_in_month(&t, cal), [31, 31, 31, 30, 30]);
    let c: Component = "season".parse().unwrap();
    assert_eq!(c.compute(&t, cal), [0, 0, 1, 2, 3]);
    assert!("fortnight".parse::<Component>().is_err());
    // 2000-01-01 was a Saturday.
    let g = ticks("2000-01-01", Calendar::ProlepticGregorian);
    assert_eq!(
        components::dayofweek(&[g], Calendar::ProlepticGregorian),
        [5]
    );
}

fn range(
    start: &str,
    end: Option<&str>,
    periods: Option<usize>,
    freq: &str,
    cal: Calendar,
) -> Vec<String> {
    let s = dt(start, cal);
    let e = end.map(|e| dt(e, cal));
    let t = date_range(s, e, periods, freq.parse().unwrap(), cal).unwrap();
    t.iter()
        .map(|&t| xr::time::format_ticks(t, cal).replace('T', " "))
        .collect()
}

/// start, end, periods, freq, calendar, expected.
type RangeCase = (
    &'static str,
    Option<&'static str>,
    Option<usize>,
    &'static str,
    Calendar,
    &'static [&'static str],
);

#[test]
fn date_ranges_match_xarray() {
    use Calendar::*;
    // Expected values from xarray 2026.9 `date_range(..., use_cftime=True)`.
    let cases: [RangeCase; 13] = [
        (
            "2000-01-15 06:00",
            None,
            Some(3),
            "MS",
            NoLeap,
            &[
                "2000-02-01 06:00:00",
                "2000-03-01 06:00:00",
                "2000-04-01 06:00:00",
            ],
        ),
        (
            "2000-01-15 06:00",
            None,
            Some(3),
            "ME",
            NoLeap,
            &[
                "2000-01-31 06:00:00",
                "2000-02-28 06:00:00",
                "2000-03-31 06:00:00",
            ],
        ),
        (
            "2000-01-15",
            None,
            Some(3),
            "QS-DEC",
            Day360,
            &[
                "2000-03-01 00:00:00",
                "2000-06-01 00:00:00",
                "2000-09-01 00:00:00",
            ],
        ),
        (
            "1999-11-30",
            Some("2001-01-01"),
            None,
            "QE-NOV",
            AllLeap,
            &[
                "1999-11-30 00:00:00",
                "2000-02-29 00:00:00",
                "2000-05-31 00:00:00",
                "2000-08-31 00:00:00",
                "2000-11-30 00:00:00",
            ],
        ),
        (
            "2000-02-29",
            None,
            Some(3),
            "YS",
            ProlepticGregorian,
            &[
                "2001-01-01 00:00:00",
                "2002-01-01 00:00:00",
                "2003-01-01 00:00:00",
            ],
        ),
        (
            "2000-02-29",
            None,
            Some(3),
            "YE",
            Julian,
            &[
                "2000-12-31 00:00:00",
                "2001-12-31 00:00:00",
                "2002-12-31 00:00:00",
            ],
        ),
        (
            "2000-01-30",
            Some("2000-03-01"),
            None,
            "6D",
            Day360,
            &[
                "2000-01-30 00:00:00",
                "2000-02-06 00:00:00",
                "2000-02-12 00:00:00",
                "2000-02-18 00:00:00",
                "2000-02-24 00:00:00",
                "2000-02-30 00:00:00",
            ],
        ),
        (
            "1582-10-03",
            None,
            Some(4),
            "D",
            Standard,
            &[
                "1582-10-03 00:00:00",
                "1582-10-04 00:00:00",
                "1582-10-15 00:00:00",
                "1582-10-16 00:00:00",
            ],
        ),
        (
            "2000-01-01",
            None,
            Some(4),
            "6h",
            NoLeap,
            &[
                "2000-01-01 00:00:00",
                "2000-01-01 06:00:00",
                "2000-01-01 12:00:00",
                "2000-01-01 18:00:00",
            ],
        ),
        (
            "2000-03-01",
            None,
            Some(3),
            "2QS-JAN",
            NoLeap,
            &[
                "2000-04-01 00:00:00",
                "2000-10-01 00:00:00",
                "2001-04-01 00:00:00",
            ],
        ),
        (
            "2000-01-31",
            None,
            Some(3),
            "3ME",
            Standard,
            &[
                "2000-01-31 00:00:00",
                "2000-04-30 00:00:00",
                "2000-07-31 00:00:00",
            ],
        ),
        (
            "2000-06-15",
            None,
            Some(2),
            "YS-JUL",
            Day360,
            &["2000-07-01 00:00:00", "2001-07-01 00:00:00"],
        ),
        (
            "2000-06-30",
            None,
            Some(3),
            "YE-JUN",
            NoLeap,
            &[
                "2000-06-30 00:00:00",
                "2001-06-30 00:00:00",
                "2002-06-30 00:00:00",
            ],
        ),
    ];
    for (start, end, periods, freq, cal, want) in cases {
        assert_eq!(
            range(start, end, periods, freq, cal),
            want,
            "{start} {freq} {cal}"
        );
    }
    let s = dt("2000-01-01", NoLeap);
    assert!(date_range(s, None, None, "D".parse().unwrap(), NoLeap).is_err());
    assert!(date_range(s, Some(s), Some(2), "D".parse().unwrap(), NoLeap).is_err());
}

#[test]
fn frequencies() {
    for (s, shown) in [
        ("D", "D"),
        ("6h", "6h"),
        ("H", "h"),
        ("T", "min"),
        ("15min", "15min"),
        ("S", "s"),
        ("3MS", "3MS"),
        ("M", "ME"),
        ("QS", "QS-JAN"),
        ("QS-DEC", "QS-DEC"),
        ("Q", "QE-DEC"),
        ("AS", "YS-JAN"),
        ("A", "YE-DEC"),
        ("Y", "YE-DEC"),
        ("YE-JUN", "YE-JUN"),
    ] {
        assert_eq!(s.parse::<Frequency>().unwrap().to_string(), shown);
    }
    for bad in ["", "0D", "3X", "QS-FOO", "MS-JAN"] {
        let e = bad.parse::<Frequency>().unwrap_err().to_string();
        assert!(e.contains(&format!("{bad:?}")), "{e}");
    }
    let cal = Calendar::NoLeap;
    let q: Frequency = "QS-DEC".parse().unwrap();
    let label = |f: &Frequency, s| fmt_all(&[f.label(ticks(s, cal), cal).unwrap()], cal)[0].clone();
    // xarray resample(time="QS-DEC") labels: 1999-12-01, 2000-03-01, 2000-06-01.
    assert_eq!(label(&q, "2000-01-15"), "1999-12-01T00:00:00");
    assert_eq!(label(&q, "2000-02-28T23:00"), "1999-12-01T00:00:00");
    assert_eq!(label(&q, "2000-03-01"), "2000-03-01T00:00:00");
    assert_eq!(
        fmt_all(&[q.next(ticks("2000-01-15", cal), cal).unwrap()], cal),
        ["2000-03-01T00:00:00"]
    );
    // resample(time="QE-DEC"): 2000-03-31, 2000-06-30; ME puts 01-31T12:00 in January.
    let qe: Frequency = "QE-DEC".parse().unwrap();
    assert_eq!(label(&qe, "2000-01-15"), "2000-03-31T00:00:00");
    assert_eq!(label(&qe, "2000-04-01"), "2000-06-30T00:00:00");
    let me: Frequency = "ME".parse().unwrap();
    assert_eq!(label(&me, "2000-01-31T12:00"), "2000-01-31T00:00:00");
    assert_eq!(label(&me, "2000-02-01"), "2000-02-28T00:00:00");
    let h: Frequency = "6h".parse().unwrap();
    assert_eq!(label(&h, "2000-01-01T13:00"), "2000-01-01T12:00:00");
    let y: Frequency = "YS".parse().unwrap();
    assert_eq!(
        fmt_all(&[y.floor(ticks("-0005-07-01", cal), cal).unwrap()], cal),
        ["-0005-01-01T00:00:00"]
    );
}

fn calendar() -> impl Strategy<Value = Calendar> {
    prop::sample::select(Calendar::ALL.to_vec())
}

proptest! {
    #[test]
    fn ticks_round_trip(cal in calendar(), t in -9_000_000_000_000_000_000i64..9_000_000_000_000_000_000i64) {
        let d = CfDatetime::from_ticks(t, cal);
        prop_assert_eq!(d.to_ticks().unwrap(), t);
        prop_assert!(CfDatetime::new(d.year, d.month, d.day, cal).is_ok());
    }

    #[test]
    fn format_parse_round_trip(cal in calendar(), t in -200_000_000_000_000_000i64..200_000_000_000_000_000i64) {
        let d = CfDatetime::from_ticks(t, cal);
        prop_assert_eq!(CfDatetime::parse(&d.to_string(), cal).unwrap(), d);
    }

    #[test]
    fn decode_encode_round_trip(cal in calendar(), v in prop::collection::vec(-10_000_000i64..10_000_000, 1..20)) {
        let t = decode(&v, "hours since 1850-01-01 06:00", cal).unwrap();
        prop_assert_eq!(encode_with_units(&t, "hours since 1850-01-01 06:00", cal).unwrap(), Encoded::Int(v.clone()));
        let (enc, units) = encode(&t, cal).unwrap();
        let back = match enc { Encoded::Int(e) => decode(&e, &units, cal).unwrap(), Encoded::Float(e) => decode(&e, &units, cal).unwrap() };
        prop_assert_eq!(back, t);
    }

    #[test]
    fn period_contains_time(cal in calendar(), t in -2_000_000_000_000_000i64..2_000_000_000_000_000i64,
                            freq in prop::sample::select(vec!["D", "6h", "MS", "ME", "QS-DEC", "QE-NOV", "YS", "YE-JUN", "2MS"])) {
        let f: Frequency = freq.parse().unwrap();
        let start = f.floor(t, cal).unwrap();
        let next = f.next(t, cal).unwrap();
        prop_assert!(start <= t && t < next, "{} {} {} {}", freq, start, t, next);
        prop_assert_eq!(f.floor(start, cal).unwrap(), start);
    }
}

#[test]
fn convert_calendar_matches_xarray() {
    use xr::time::{convert_ticks, AlignOn};
    let all_leap = Calendar::AllLeap;
    let days: Vec<i64> = (0..366)
        .map(|i| ticks("2000-01-01", all_leap) + i * TICKS_PER_DAY)
        .collect();
    let fmt = |t: Option<i64>, cal| fmt_all(&[t.unwrap()], cal)[0].clone();
    // xarray 2026.9: convert_calendar("360_day", align_on="year").
    let by_year = convert_ticks(&days, all_leap, Calendar::Day360, Some(AlignOn::Year)).unwrap();
    let picks = [
        (0, "2000-01-01"),
        (1, "2000-01-02"),
        (59, "2000-02-29"),
        (60, "2000-02-30"),
        (61, "2000-03-01"),
        (365, "2000-12-30"),
    ];
    for (i, want) in picks {
        assert_eq!(
            fmt(by_year[i], Calendar::Day360),
            format!("{want}T00:00:00"),
            "{i}"
        );
    }
    let mut distinct: Vec<i64> = by_year.iter().flatten().copied().collect();
    distinct.dedup();
    assert_eq!(distinct.len(), 360);
    // align_on="date" drops the 31sts: 359 dates survive.
    let by_date = convert_ticks(&days, all_leap, Calendar::Day360, Some(AlignOn::Date)).unwrap();
    assert_eq!(by_date.iter().flatten().count(), 359);
    // 360_day -> noleap by year: day 101 -> 2001-04-12, day 360 -> 2001-12-31.
    let d360: Vec<i64> = (0..360)
        .map(|i| ticks("2001-01-01", Calendar::Day360) + i * TICKS_PER_DAY + 3_600_000_000)
        .collect();
    let nl = convert_ticks(
        &d360,
        Calendar::Day360,
        Calendar::NoLeap,
        Some(AlignOn::Year),
    )
    .unwrap();
    assert_eq!(fmt(nl[100], Calendar::NoLeap), "2001-04-12T01:00:00");
    assert_eq!(fmt(nl[359], Calendar::NoLeap), "2001-12-31T01:00:00");
    assert!(convert_ticks(&d360, Calendar::Day360, Calendar::NoLeap, None).is_err());
    // Standard -> noleap drops 29 February only.
    let feb = [
        ticks("2000-02-28", Calendar::Standard),
        ticks("2000-02-29", Calendar::Standard),
        NAT,
    ];
    let out = convert_ticks(&feb, Calendar::Standard, Calendar::NoLeap, None).unwrap();
    assert_eq!(
        out,
        vec![Some(ticks("2000-02-28", Calendar::NoLeap)), None, None]
    );
}

#[test]
fn encode_round_trips_far_years() {
    for (cal, dates) in [
        (Calendar::Julian, ["-0500-03-01", "-0001-12-31T12:00"]),
        (Calendar::Day360, ["-1000-02-30", "12000-01-01"]),
        (Calendar::NoLeap, ["0000-01-01", "-0001-12-31T00:00:00.5"]),
    ] {
        let t: Vec<i64> = dates.iter().map(|s| ticks(s, cal)).collect();
        let (values, units) = encode(&t, cal).unwrap();
        let back = match values {
            Encoded::Int(v) => decode(&v, &units, cal).unwrap(),
            Encoded::Float(v) => decode(&v, &units, cal).unwrap(),
        };
        assert_eq!(back, t, "{cal} {units}");
    }
    let (_, units) = encode(&[ticks("-0500-03-01", Calendar::Julian)], Calendar::Julian).unwrap();
    assert_eq!(units, "days since -500-03-01 00:00:00.000000");
}
