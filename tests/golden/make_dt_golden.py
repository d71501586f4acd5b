"""Golden values for tests/time_accessor.rs: the `.dt` accessor (components, season,
is_leap_year, strftime), `convert_calendar` and `interp_calendar`, computed by xarray on
eager inputs (and checked equal on dask-chunked inputs) on the calendars standard
(numpy datetime64, as xarray decodes it), proleptic_gregorian, noleap, all_leap,
360_day and julian (cftime), with NaNs, float and integer dtypes.

Run: /work/venv/bin/python tests/golden/make_dt_golden.py (writes dt_golden.json).
"""

import json
import os

import cftime
import dask
import numpy as np
import pandas as pd
import xarray as xr

HERE = os.path.dirname(os.path.abspath(__file__))
CALENDARS = ("standard", "proleptic_gregorian", "noleap", "all_leap", "360_day", "julian")
FIELDS = ("year", "month", "day", "hour", "minute", "second", "dayofyear", "dayofweek",
          "days_in_month", "season", "is_leap_year")
FORMATS = ("%Y-%m-%d %H:%M:%S %j", "%y %b %B %a %A %p %I %%", "%d/%m/%Y", "%H:%M:%S.%f")


def times(start, periods, freq, calendar):
    return xr.date_range(start, periods=periods, freq=freq, calendar=calendar,
                         use_cftime=calendar != "standard")


def iso(a):
    a = np.asarray(a)
    if a.dtype.kind == "M":
        return [None if np.isnat(v) else str(v)[:19] for v in a.ravel()]
    return [None if not isinstance(v, cftime.datetime) else v.isoformat()[:19] for v in a.ravel()]


def enc_values(a):
    a = np.asarray(a)
    if a.dtype.kind in "MO" and a.size and not isinstance(a.ravel()[0], str):
        return iso(a)
    if a.dtype.kind == "f":
        return [None if np.isnan(v) else float(v) for v in a.ravel()]
    if a.dtype.kind == "b":
        return [bool(v) for v in a.ravel()]
    if a.dtype.kind in "OU":
        return [str(v) for v in a.ravel()]
    return [int(v) for v in a.ravel()]


def enc(da):
    return {
        "dims": list(da.dims),
        "shape": list(da.shape),
        "dtype": str(da.dtype),
        "values": enc_values(da.values),
        "time": iso(da["time"].values) if "time" in da.coords else None,
        "time_attrs": dict(da["time"].attrs) if "time" in da.coords else None,
        "name": da.name,
    }


def check_chunked(eager, chunked):
    computed = chunked.compute()
    xr.testing.assert_identical(eager, computed)


def dt_cases():
    out = {}
    for cal in CALENDARS:
        # Two runs of 19-hourly times over the end of February: a leap year on every
        # calendar but noleap/360_day (2000), and 1900 (leap on julian only).
        t = np.concatenate([
            np.asarray(times("1999-12-30 05:00", 100, "19h", cal)),
            np.asarray(times("1900-02-26 23:00", 6, "11h", cal)),
        ])
        da = xr.DataArray(t, dims="time", name="time", attrs={"long_name": "time"})
        case = {"calendar": cal, "input": iso(t), "fields": {}, "strftime": {}}
        for f in FIELDS:
            r = getattr(da.dt, f)
            check_chunked(r, getattr(da.chunk(time=7).dt, f))
            case["fields"][f] = {"dtype": str(r.dtype), "values": enc_values(r.values),
                                 "name": r.name}
        for fmt in FORMATS:
            r = da.dt.strftime(fmt)
            case["strftime"][fmt] = {"values": enc_values(r.values), "name": r.name}
        out[cal] = case
    return out


def series(cal, start, periods, freq, name="f"):
    t = times(start, periods, freq, cal)
    rng = np.random.default_rng(periods)
    f = np.round(rng.uniform(-5, 5, (periods, 2)), 3)
    f[3, 0] = np.nan
    f[periods // 2, :] = np.nan
    i = rng.integers(-50, 50, periods).astype("int64")
    coords = {"time": xr.DataArray(t, dims="time", attrs={"standard_name": "time",
                                                         "calendar": cal})}
    return xr.Dataset(
        {"f": (("time", "x"), f, {"units": "K"}), "i": (("time",), i)},
        coords=coords,
    )


def inp(ds):
    return {
        "calendar": ds.time.dt.calendar if ds.time.dtype == object else "standard",
        "time": iso(ds.time.values),
        "f": enc_values(ds.f.values),
        "i": enc_values(ds.i.values),
    }


def convert_cases():
    specs = [
        ("std_to_noleap", ("standard", "2000-01-01", 366, "D"), "noleap", None, None),
        ("noleap_to_std_missing", ("noleap", "2000-01-01", 365, "D"), "standard", None, np.nan),
        ("std_to_360_year", ("standard", "2000-01-01", 366, "D"), "360_day", "year", None),
        ("std_to_360_date", ("standard", "2000-01-01", 366, "D"), "360_day", "date", None),
        ("noleap_to_360_year", ("noleap", "2001-01-01", 365, "D"), "360_day", "year", None),
        ("d360_to_std_year", ("360_day", "2000-01-01", 360, "D"), "standard", "year", None),
        ("d360_to_noleap_date_missing", ("360_day", "2000-01-01", 360, "D"), "noleap", "date", -999),
        ("all_leap_to_julian", ("all_leap", "1900-02-20", 20, "D"), "julian", None, None),
        ("julian_to_proleptic", ("julian", "1900-02-20", 20, "6h"), "proleptic_gregorian", None, None),
        ("monthly_std_to_360_missing", ("standard", "2000-01-01", 14, "MS"), "360_day", "date", np.nan),
        ("monthly_end_360_to_noleap_missing", ("360_day", "2000-01-30", 5, "ME"), "noleap", "date", np.nan),
    ]
    out = {}
    for name, (cal, start, periods, freq), target, align_on, missing in specs:
        ds = series(cal, start, periods, freq)
        res = ds.convert_calendar(target, align_on=align_on, missing=missing)
        check_chunked(res, ds.chunk(time=50).convert_calendar(target, align_on=align_on,
                                                               missing=missing))
        out[name] = {
            "input": inp(ds),
            "target": target,
            "align_on": align_on,
            "missing": None if missing is None or np.isnan(missing) else missing,
            "fill_nan": bool(missing is not None and np.isnan(missing)),
            "f": enc(res.f),
            "i": enc(res.i),
        }
    return out


def interp_cases():
    specs = [
        ("noleap_to_360", ("noleap", "2000-01-01", 60, "D"), ("360_day", "2000-01-01", 62, "D")),
        ("d360_to_std", ("360_day", "1999-12-01", 100, "D"), ("standard", "1999-12-01", 40, "36h")),
        ("std_to_all_leap", ("standard", "2000-02-20", 30, "12h"), ("all_leap", "2000-02-18", 20, "D")),
        ("julian_to_noleap", ("julian", "1900-01-01", 24, "MS"), ("noleap", "1900-01-15", 25, "14D")),
    ]
    out = {}
    for name, (cal, start, periods, freq), (tcal, tstart, tperiods, tfreq) in specs:
        ds = series(cal, start, periods, freq)
        target = xr.DataArray(times(tstart, tperiods, tfreq, tcal), dims="time", name="time")
        res = ds.interp_calendar(target)
        check_chunked(res, ds.chunk(time=13).interp_calendar(target))
        out[name] = {
            "input": inp(ds),
            "target_calendar": tcal,
            "target": iso(target.values),
            "f": enc(res.f),
            "i": enc(res.i),
        }
    return out


def main():
    dask.config.set(scheduler="synchronous")
    golden = {
        "made_by": "tests/golden/make_dt_golden.py",
        "versions": {"xarray": xr.__version__, "numpy": np.__version__,
                     "cftime": cftime.__version__, "pandas": pd.__version__,
                     "dask": dask.__version__},
        "dt": dt_cases(),
        "convert": convert_cases(),
        "interp": interp_cases(),
    }
    with open(os.path.join(HERE, "dt_golden.json"), "w") as fh:
        json.dump(golden, fh, separators=(",", ":"))
        fh.write("\n")


if __name__ == "__main__":
    main()
