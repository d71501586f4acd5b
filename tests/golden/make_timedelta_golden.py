"""Fixtures and golden values for tests/timedelta.rs: CF duration variables (units
"days", "hours", "seconds", ... without "since") written by netCDF4 and by xarray (which
adds a `dtype: timedelta64[ns]` attribute), in NetCDF and in Zarr, as xarray decodes
them with `decode_timedelta=True`; their `.dt` fields; and datetime/timedelta arithmetic (datetime -
datetime, datetime +/- timedelta, timedelta +/- timedelta, timedelta times and
divided by numbers, timedelta / timedelta) on the standard calendar (numpy, through
xarray) and on noleap and 360_day (cftime, element by element, since
xarray cannot add timedelta64 to cftime arrays).

Run: /work/venv/bin/python tests/golden/make_timedelta_golden.py
(writes tests/data/timedelta.nc, tests/data/zarr/timedelta.zarr and
tests/golden/timedelta_golden.json).
"""

import datetime
import json
import os
import shutil

import cftime
import netCDF4
import numpy as np
import xarray as xr
import zarr

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")
NC = os.path.join(DATA, "timedelta.nc")
ZARR = os.path.join(DATA, "zarr", "timedelta.zarr")
FACTORS = np.array([2, 3, -1, 5, 0], dtype="int64")


def write_netcdf():
    """Raw CF variables, as a model or CDO writes them (no xarray attributes)."""
    with netCDF4.Dataset(NC, "w") as nc:
        nc.createDimension("time", 5)
        t = nc.createVariable("time", "f8", ("time",))
        t.units = "days since 2000-02-27 00:00:00"
        t.calendar = "standard"
        t[:] = [0.0, 1.0, 2.0, 3.5, 10.0]
        d = nc.createVariable("lead_days", "i4", ("time",))
        d.units = "days"
        d.long_name = "forecast lead"
        d[:] = [1, 2, -3, 0, 40]
        h = nc.createVariable("lead_hours", "f8", ("time",))
        h.units = "hours"
        h[:] = [1.5, np.nan, 30.0, -0.25, 6.0]
        s = nc.createVariable("step", "i8", ("time",), fill_value=-9999)
        s.units = "seconds"
        s[:] = np.ma.masked_array([60, 3600, 0, 86400, 7], mask=[0, 0, 1, 0, 0])
        m = nc.createVariable("count", "i4", ("time",))
        m.units = "1"
        m[:] = [1, 2, 3, 4, 5]


def enc_td(a):
    a = np.asarray(a)
    assert a.dtype.kind == "m", a.dtype
    us = a.astype("timedelta64[us]")
    return [None if np.isnat(v) else int(v.astype(np.int64)) for v in us]


def enc_dt(a):
    a = np.asarray(a)
    if a.dtype.kind == "M":
        return [None if np.isnat(v) else str(v)[:19] for v in a]
    return [None if v is None else v.isoformat() for v in a]


def decoded(ds):
    out = {}
    for name in ("lead_days", "lead_hours", "step"):
        v = ds[name]
        out[name] = {
            "dtype": str(v.dtype),
            "values": enc_td(v.values),
            "attrs": {k: str(a) for k, a in v.attrs.items()},
            "units": v.encoding.get("units"),
        }
    out["count"] = {"dtype": str(ds["count"].dtype), "attrs": dict(ds["count"].attrs)}
    return out


def fields(ds):
    """xarray's `.dt` of timedeltas: NaT makes the integer fields float64 with NaN."""
    out = {}
    for name in ("lead_days", "lead_hours", "step"):
        v = ds[name]
        case = {}
        for f in ("days", "seconds", "microseconds"):
            r = getattr(v.dt, f)
            case[f] = {"dtype": str(r.dtype), "name": r.name,
                       "values": [None if np.isnan(x) else float(x) for x in r.values.astype(float)]}
        r = v.dt.total_seconds()
        case["total_seconds"] = {"dtype": str(r.dtype), "name": r.name,
                                 "values": [None if np.isnan(x) else float(x) for x in r.values]}
        out[name] = case
    return out


def arithmetic(ds):
    t, d, h = ds.time, ds.lead_days, ds.lead_hours
    du, hu = d.astype("timedelta64[us]"), h.astype("timedelta64[us]")
    std = {
        "time": enc_dt(t.values),
        "time_minus_first": enc_td((t - t[0]).values),
        "time_plus_days": enc_dt((t + d).values),
        "time_minus_hours": enc_dt((t - h).values),
        "days_plus_hours": enc_td((d + h).values),
        "hours_minus_days": enc_td((h - d).values),
        "days_plus_time": enc_dt((d + t).values),
        # Scaled at xr's microsecond resolution: truncation happens at the tick.
        "days_times_2_5": enc_td((du * 2.5).values),
        "days_times_ints": enc_td((du * xr.DataArray(FACTORS, dims="time")).values),
        "hours_div_4": enc_td((hu / 4).values),
        "days_div_7": enc_td((du / 7).values),
        "days_div_hours": [None if np.isnan(v) else float(v) for v in (d / h).values],
    }
    out = {"standard": std}
    days = [int(x) for x in enc_td(d.values)]
    for cal in ("noleap", "360_day", "julian"):
        times = [cftime.datetime(2000, 2, 27, calendar=cal) + datetime.timedelta(days=x)
                 for x in (0, 1, 2, 3.5, 10)]
        first = times[0]
        minus_first = [int((x - first) / datetime.timedelta(microseconds=1)) for x in times]
        plus_days = [x + datetime.timedelta(microseconds=us) for x, us in zip(times, days)]
        out[cal] = {
            "time": [x.isoformat() for x in times],
            "time_minus_first": minus_first,
            "time_plus_days": [x.isoformat() for x in plus_days],
        }
    return out


def main():
    write_netcdf()
    ds = xr.open_dataset(NC, decode_timedelta=True)
    # The same dataset written by xarray: timedeltas get `dtype: timedelta64[ns]`.
    if os.path.exists(ZARR):
        shutil.rmtree(ZARR)
    ds.to_zarr(ZARR, zarr_format=3, consolidated=True)
    from_zarr = xr.open_zarr(ZARR)
    xr.testing.assert_identical(ds.load(), from_zarr.load())
    zarr_attrs = {k: dict(zarr.open_array(ZARR, path=k).attrs) for k in ("lead_days", "lead_hours")}
    golden = {
        "made_by": "tests/golden/make_timedelta_golden.py",
        "versions": {"xarray": xr.__version__, "numpy": np.__version__,
                     "cftime": cftime.__version__, "netCDF4": netCDF4.__version__,
                     "zarr": zarr.__version__},
        "decoded": decoded(ds),
        "zarr_attrs": {k: {a: str(v) for a, v in attrs.items()} for k, attrs in zarr_attrs.items()},
        "arithmetic": arithmetic(ds),
        "fields": fields(ds),
    }
    with open(os.path.join(HERE, "timedelta_golden.json"), "w") as fh:
        json.dump(golden, fh, separators=(",", ":"))
        fh.write("\n")


if __name__ == "__main__":
    main()
