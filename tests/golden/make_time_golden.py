"""Golden values for the CF time layer (tests/time.rs), made with cftime.

Run: /work/venv/bin/python tests/golden/make_time_golden.py
Writes time_decode.csv (decoding, re-encoding and components) and time_infer.csv
(xarray's inferred encoding units) next to this script.
"""
import random
import warnings
from pathlib import Path

import cftime
import numpy as np
import xarray as xr
from xarray.coding.times import infer_datetime_units

warnings.simplefilter("ignore")
HERE = Path(__file__).parent
HEADER = f"# cftime {cftime.__version__}, numpy {np.__version__}, xarray {xr.__version__}\n"
CALENDARS = ["standard", "proleptic_gregorian", "noleap", "all_leap", "360_day", "julian"]
COMMON_UNITS = [
    ("days since 1850-01-01", 200_000),
    ("hours since 2000-01-01 00:00:00", 50_000_000),
    ("seconds since 1970-01-01T00:00:00Z", 10**11),
    ("minutes since 0001-01-01", 10**9),
    ("milliseconds since 1582-10-15 12:30", 10**14),
    ("days since 2000-1-1 06:00:00 +05:00", 100_000),
    ("microseconds since 1900-01-01 00:00:00.5", 10**15),
    ("d since 1582-10-04", 5_000),
    ("hr since 9000-01-01", 10**7),
    ("sec since 1582-10-15T23:59:59 UTC", 10**9),
    ("msec since 1970-01-01 00:00:00.123456", 10**12),
]
IDEALIZED_UNITS = [
    ("days since 0000-01-01", 10**7),
    ("days since -1000-06-01", 10**6),
    ("hours since 9999-12-30", 10**8),
]
REAL_UNITS = [("days since -0500-03-01", 10**6), ("hours since 0001-01-01", 10**8)]
N_PER_CAL = 420


def units_for(cal):
    out = list(COMMON_UNITS)
    out += IDEALIZED_UNITS if cal in ("noleap", "all_leap", "360_day", "proleptic_gregorian") else REAL_UNITS
    if cal == "360_day":
        out.append(("months since 2000-01-01", 10**5))
    if cal == "noleap":
        out.append(("common_years since 2000-01-01", 10**4))
    return out


def value_of(rng, kind, r):
    if kind == "int":
        return rng.randint(-r, r)
    if rng.random() < 0.5:
        return round(rng.uniform(-r, r), rng.randint(0, 6))
    return rng.uniform(-r, r)


def row(cal, units, kind, v):
    d = cftime.num2date(np.array([v], dtype=np.int64 if kind == "int" else np.float64), units, calendar=cal)[0]
    back = cftime.date2num(d, units, calendar=cal)
    back = repr(int(back)) if isinstance(back, (int, np.integer)) else repr(float(back))
    leap = int(cftime.is_leap_year(d.year, cal))
    return (
        f"{cal},{units},{kind},{v!r},{d.year},{d.month},{d.day},{d.hour},{d.minute},{d.second},"
        f"{d.microsecond},{d.dayofyr},{d.dayofwk},{d.daysinmonth},{leap},{back}\n"
    )


def edge_rows(cal):
    cases = []
    if cal in ("standard", "julian", "proleptic_gregorian"):
        cases += [("days since 1582-10-04", "int", v) for v in range(-2, 4)]
        cases += [("days since 2000-02-28", "int", v) for v in range(0, 3)]
        cases += [("days since 1900-02-28", "int", v) for v in range(0, 3)]
        cases += [("days since 0001-01-01", "int", v) for v in (-1, -366, -367, -731, 0)]
    if cal == "360_day":
        cases += [("days since 2000-02-29", "int", v) for v in range(0, 3)]
        cases += [("days since 2000-12-30", "int", v) for v in range(0, 2)]
    if cal in ("noleap", "360_day", "all_leap"):
        cases += [("days since 0000-01-01", "int", v) for v in (-1, -365, -366, -400_000, 3_700_000)]
        cases += [("hours since 9999-12-30", "int", v) for v in (0, 24, 48, 10**8)]
    if cal in ("noleap", "all_leap", "proleptic_gregorian"):
        cases += [("days since 1999-12-31", "int", v) for v in (0, 1, 59, 60, 61, 366)]
    cases += [("seconds since 1970-01-01", "float", v) for v in (1.5e-6, 2.5e-6, 0.9999995, -0.9999995, 59.9999999)]
    return cases


def main():
    rng = random.Random(20261127)
    lines = [HEADER, "calendar,units,kind,value,year,month,day,hour,minute,second,microsecond,dayofyr,dayofwk,daysinmonth,leap,date2num\n"]
    for cal in CALENDARS:
        units = units_for(cal)
        for i in range(N_PER_CAL):
            u, r = units[i % len(units)]
            kind = "int" if rng.random() < 0.5 else "float"
            lines.append(row(cal, u, kind, value_of(rng, kind, r)))
        for u, kind, v in edge_rows(cal):
            lines.append(row(cal, u, kind, v))
    (HERE / "time_decode.csv").write_text("".join(lines))

    infer = [HEADER, "calendar;dates (units days since 1970-01-01, float);xarray units;cftime values\n"]
    groups = [
        [0.0, 1.0, 2.0, 31.0],
        [0.25, 0.5, 1.0],
        [10.0, 10.0 + 1 / 1440, 10.0 + 2 / 1440],
        [-1000.0, -999.5, 5.0],
        [100.0, 100.0 + 1 / 86400, 100.0 + 5 / 86400],
        [3.0, 3.0 + 0.001 / 86400],
        [3.0, 3.0 + 0.000001 / 86400],
        [-800000.0, 0.0, 800000.0],
    ]
    for cal in CALENDARS:
        for g in groups:
            dates = cftime.num2date(np.array(g), "days since 1970-01-01", calendar=cal)
            units = infer_datetime_units(np.asarray(dates))
            vals = cftime.date2num(dates, units, calendar=cal)
            infer.append(f"{cal};{' '.join(repr(x) for x in g)};{units};{' '.join(str(x) for x in vals)}\n")
    (HERE / "time_infer.csv").write_text("".join(infer))


if __name__ == "__main__":
    main()
