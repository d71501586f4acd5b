"""Fixtures of tracker issue 21, items 4-6 (files like those netcdf-c's tests write), and
xarray's view of them.

Writes tests/data/nc_misc_*.nc with netCDF4-python and tests/golden/nc_misc_golden.json
with what xarray reads from them. Run with the reference stack:
    /work/venv/bin/python tests/golden/make_nc_misc_fixtures.py
"""

import json
import math
import pathlib
import warnings

import netCDF4
import numpy as np
import xarray as xr

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
GOLDEN = ROOT / "tests" / "golden" / "nc_misc_golden.json"


def repeated_dims(path, fmt):
    """Item 4: a covariance matrix uses its dimension twice."""
    with netCDF4.Dataset(path, "w", format=fmt) as f:
        f.createDimension("D1", 3)
        d1 = f.createVariable("D1", "f8", ("D1",))
        d1[:] = [10.0, 20.0, 30.0]
        cov = f.createVariable("cov", "f8", ("D1", "D1"), fill_value=-999.0)
        cov[:] = np.ma.masked_array(
            [[1.0, 0.5, 0.25], [0.5, 2.0, np.nan], [0.25, 0.0, 3.0]],
            mask=[[0, 0, 0], [0, 0, 0], [0, 1, 0]],
        )
        icov = f.createVariable("icov", "i4", ("D1", "D1"))
        icov[:] = np.arange(9, dtype="i4").reshape(3, 3) - 4
        var = f.createVariable("var", "f4", ("D1",))
        var[:] = [1.0, 2.0, 3.0]


def time_units(path):
    """Item 5: reference dates as netcdf-c's test files write them (NetCDF-3)."""
    with netCDF4.Dataset(path, "w", format="NETCDF3_CLASSIC") as f:
        f.createDimension("n", 3)
        cases = [
            ("t_weekday", "f8", "days since Sun Aug  6 00:15:00 2000", None, [0, 1.5, 365]),
            ("t_unsigned", "i4", "seconds since 1970-1-1 0:00:00 0:00", None, [0, 60, 86400]),
            ("t_negative", "f8", "seconds since 1992-10-8 12:09:00 -9:00", None, [0, 2, -3600]),
            ("t_noleap", "i4", "hours since 2000-1-1 3:4:5 +0130", "noleap", [0, 24, 1416]),
            ("t_monthname", "f4", "days since 6 Aug 2000 1:2:3", None, [0, 0.5, 31]),
            ("t_bad", "f8", "days since the start of the run", None, [0, 1, 2]),
        ]
        for name, dtype, units, calendar, values in cases:
            v = f.createVariable(name, dtype, ("n",))
            v.units = units
            if calendar:
                v.calendar = calendar
            v[:] = values


def coordinates(path, fmt):
    """Item 6: a global `coordinates` attribute, and `y(x, y)`."""
    with netCDF4.Dataset(path, "w", format=fmt) as f:
        f.createDimension("x", 2)
        f.createDimension("y", 3)
        y = f.createVariable("y", "f8", ("x", "y"))
        y[:] = np.arange(6.0).reshape(2, 3) / 2
        lat = f.createVariable("lat", "f4", ("x",))
        lat[:] = [45.0, 46.5]
        lon = f.createVariable("lon", "f4", ("y",))
        lon[:] = [5.0, 6.0, 7.0]
        data = f.createVariable("data", "i2", ("x", "y"))
        data[:] = np.arange(6).reshape(2, 3)
        f.coordinates = "lat lon not_a_variable"
        f.title = "global coordinates"


def plain(values):
    out = []
    for v in np.asarray(values).ravel().tolist():
        if isinstance(v, float) and math.isnan(v):
            out.append(None)
        else:
            out.append(v)
    return out


def describe(ds):
    view = {"coords": sorted(ds.coords), "data_vars": sorted(ds.data_vars),
            "indexes": sorted(ds.indexes), "attrs": {k: str(v) for k, v in ds.attrs.items()},
            "variables": {}}
    for name, v in ds.variables.items():
        entry = {"dims": list(v.dims), "shape": list(v.shape), "dtype": str(v.dtype)}
        if v.dtype.kind == "M":
            entry["values"] = [str(t)[:19] for t in v.values.astype("datetime64[s]")]
        elif v.dtype.kind == "O":
            entry["values"] = [t.strftime("%Y-%m-%dT%H:%M:%S") for t in v.values.ravel()]
            entry["calendar"] = v.values.ravel()[0].calendar
        else:
            entry["values"] = plain(v.values)
        entry["attrs"] = {k: str(a) for k, a in v.attrs.items()}
        view["variables"][name] = entry
    return view


def open_view(path, **kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with xr.open_dataset(path, **kw) as ds:
            view = describe(ds.load())
    view["warnings"] = sorted({str(w.message) for w in caught})
    return view


def main():
    files = {}
    for fmt, suffix in [("NETCDF4", ""), ("NETCDF3_CLASSIC", "_classic")]:
        name = f"nc_misc_repeated_dims{suffix}.nc"
        repeated_dims(DATA / name, fmt)
        files[name] = open_view(DATA / name)
        name = f"nc_misc_coordinates{suffix}.nc"
        coordinates(DATA / name, fmt)
        files[name] = open_view(DATA / name)
    name = "nc_misc_time_units.nc"
    time_units(DATA / name)
    # xarray refuses the whole file over `t_bad`; xr leaves that one variable undecoded
    # (with a warning), which is xarray's view of it with decode_times=False.
    view = open_view(DATA / name, drop_variables=["t_bad"])
    raw = open_view(DATA / name, decode_times=False)
    view["variables"]["t_bad"] = raw["variables"]["t_bad"]
    view["data_vars"] = sorted(view["data_vars"] + ["t_bad"])
    files[name] = view
    out = {
        "versions": {"xarray": xr.__version__, "netCDF4": netCDF4.__version__,
                     "numpy": np.__version__},
        "files": files,
    }
    GOLDEN.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
