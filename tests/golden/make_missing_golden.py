"""Golden values for tests/missing.rs: isnull/notnull, fillna (scalar, aligned DataArray,
per-variable dict), ffill/bfill (with limit), dropna (any/all/thresh) and interpolate_na
(linear, nearest, limit, max_gap; numeric coordinates and datetime coordinates of the
standard, noleap and 360_day calendars), computed by xarray on eager inputs (and checked
equal on dask-chunked inputs where dask allows) with NaNs, float64, float32 and int64
dtypes, and NaT in datetime data.

Run: /work/venv/bin/python tests/golden/make_missing_golden.py (writes missing_golden.json).
Needs bottleneck (xarray's ffill/bfill) and scipy (interpolate_na's nearest).
"""

import datetime
import json
import os

import bottleneck
import cftime
import dask
import numpy as np
import scipy
import xarray as xr

HERE = os.path.dirname(os.path.abspath(__file__))
CALENDARS = ("standard", "noleap", "360_day")
DATES = [(2000, 2, 26, 0), (2000, 2, 27, 12), (2000, 2, 28, 0), (2000, 2, 28, 18), (2000, 3, 1, 0),
         (2000, 3, 1, 12), (2000, 3, 2, 0), (2000, 3, 4, 0), (2000, 3, 5, 0)]
TIME = [0.0, 1.0, 3.0, 4.0, 8.0, 9.0, 10.0, 15.0, 16.0]


def inputs():
    rng = np.random.default_rng(19)
    shape = (9, 3, 4)  # time, lat, lon
    f = np.round(rng.uniform(-5, 5, shape), 3)
    f[0, 0, 0] = np.nan  # a leading gap
    f[2:4, 0, 0] = np.nan  # a gap of 2
    f[8, 0, 0] = np.nan  # a trailing gap
    f[1:7, 0, 1] = np.nan  # a gap of 6, across chunks of 2
    f[:, 1, 1] = np.nan  # an all-NaN lane
    f[0:8, 1, 2] = np.nan  # one valid value, at the end
    f[3, 2, :] = np.nan  # an all-NaN time step
    f[5, :, 3] = np.nan
    f[6, 2, 3] = np.nan
    f[4, 0, 2] = np.nan
    i = rng.integers(-6, 9, shape).astype("int64")
    coords = {
        "time": np.array(TIME),
        "lat": np.array([-60.0, 0.0, 45.0]),
        "lon": np.array([0.0, 90.0, 180.0, 270.0]),
    }
    dims = ("time", "lat", "lon")
    fa = xr.DataArray(f, dims=dims, coords=coords, name="f", attrs={"units": "K"})
    ga = xr.DataArray(f.astype("float32"), dims=dims, coords=coords, name="g")
    ia = xr.DataArray(i, dims=dims, coords=coords, name="i", attrs={"units": "1"})
    # Fill values on (lat, lon), their lon labels partly outside the data's (left join).
    fill = np.round(rng.uniform(10, 20, (3, 4)), 3)
    fill[2, 1] = np.nan
    fl_coords = {"lat": coords["lat"], "lon": np.array([90.0, 180.0, 270.0, 400.0])}
    named = xr.DataArray(fill, dims=("lat", "lon"), coords=fl_coords, name="f")
    # Another name, float32, fewer labels: the result keeps the data's name anyway.
    other = xr.DataArray(fill[:, :2].astype("float32") * 0 + 7, dims=("lat", "lon"),
                         coords={"lat": coords["lat"], "lon": np.array([0.0, 180.0])}, name="h")
    return {"f": fa, "g": ga, "i": ia, "fill_named": named, "fill_other": other}


def time_coord(calendar):
    """The same dates on every calendar: the time between them differs (February has 28,
    29 or 30 days), and so do the interpolated values and the gaps max_gap lets fill."""
    if calendar == "standard":
        return np.array([f"{y:04d}-{m:02d}-{d:02d}T{h:02d}" for y, m, d, h in DATES], dtype="datetime64[ns]")
    # The calendar's own class: xarray subtracts type(index[0])(1970, 1, 1).
    cls = {"noleap": cftime.DatetimeNoLeap, "360_day": cftime.Datetime360Day}[calendar]
    return np.array([cls(y, m, d, h) for y, m, d, h in DATES])


def datetime_input():
    t = np.datetime64("2000-01-01T00:00:00", "ns") + np.array([0, 1, 2, 5, 6, 7, 9, 11]) * np.timedelta64(6, "h")
    t[1] = np.datetime64("NaT")
    t[3:5] = np.datetime64("NaT")
    t[7] = np.datetime64("NaT")
    return xr.DataArray(t, dims="time", coords={"time": np.arange(8.0)}, name="d")


def enc_values(a):
    a = np.asarray(a)
    if a.dtype.kind == "f":
        return [None if np.isnan(v) else float(v) for v in a.ravel()]
    if a.dtype.kind == "M":
        return [None if np.isnat(v) else str(v)[:19] for v in a.ravel()]
    if a.dtype.kind == "O":
        return [None if not isinstance(v, cftime.datetime) else v.isoformat()[:19] for v in a.ravel()]
    return [int(v) for v in a.ravel()]


def enc(da):
    # Datetime coordinates are rebuilt by the test from time_coords; only numeric ones
    # are compared.
    return {
        "dims": list(da.dims),
        "shape": list(da.shape),
        "dtype": str(da.dtype),
        "values": enc_values(da.values),
        "coords": {k: enc_values(v.values) for k, v in da.coords.items()
                   if v.ndim == 1 and v.dtype.kind in "fiu"},
        "coord_dtypes": {k: str(v.dtype) for k, v in da.coords.items()
                         if v.ndim == 1 and v.dtype.kind in "fiu"},
        "name": da.name,
        "attrs": {k: v for k, v in da.attrs.items()},
    }


LIMITS = (("none", None), ("1", 1), ("2", 2))


def cases(a):
    out = {}
    for src in ("f", "g", "i"):
        x = a[src]
        out[f"isnull_{src}"] = lambda x=x: x.isnull()
        out[f"notnull_{src}"] = lambda x=x: x.notnull()
        out[f"fillna_{src}_int"] = lambda x=x: x.fillna(3)
        out[f"fillna_{src}_float"] = lambda x=x: x.fillna(1.5)
        out[f"fillna_{src}_named"] = lambda x=x: x.fillna(a["fill_named"])
        out[f"fillna_{src}_other"] = lambda x=x: x.fillna(a["fill_other"])
        for dim in ("time", "lon"):
            for lname, limit in LIMITS:
                out[f"ffill_{src}_{dim}_{lname}"] = lambda x=x, d=dim, l=limit: x.ffill(d, limit=l)
                out[f"bfill_{src}_{dim}_{lname}"] = lambda x=x, d=dim, l=limit: x.bfill(d, limit=l)
        for dim in ("time", "lat", "lon"):
            for how in ("any", "all"):
                out[f"dropna_{src}_{dim}_{how}"] = lambda x=x, d=dim, h=how: x.dropna(d, how=h)
            out[f"dropna_{src}_{dim}_thresh"] = lambda x=x, d=dim: x.dropna(d, thresh=10)
        for method in ("linear", "nearest"):
            for lname, limit in LIMITS:
                for gname, gap in (("none", None), ("3", 3.0)):
                    key = f"interp_{src}_{method}_{lname}_{gname}"
                    out[key] = lambda x=x, m=method, l=limit, g=gap: x.interpolate_na(
                        "time", method=m, limit=l, max_gap=g)
                    for cal in CALENDARS:
                        gap_t = None if gap is None else datetime.timedelta(hours=40)
                        out[f"{key}_{cal}"] = (
                            lambda x=x, m=method, l=limit, g=gap_t, cal=cal: x.assign_coords(
                                time=time_coord(cal)).interpolate_na("time", method=m, limit=l, max_gap=g))
            out[f"interp_{src}_{method}_lon"] = lambda x=x, m=method: x.interpolate_na("lon", method=m)
    d = a["d"]
    out["isnull_d"] = lambda: d.isnull()
    out["ffill_d"] = lambda: d.ffill("time")
    out["bfill_d_1"] = lambda: d.bfill("time", limit=1)
    out["fillna_d"] = lambda: d.fillna(np.datetime64("1999-12-31T12:00:00", "ns"))
    return out


def dataset_cases(a):
    ds = xr.Dataset({"f": a["f"], "g": a["g"], "i": a["i"]}, attrs={"title": "t"})
    out = {}
    out["ds_fillna_dict"] = lambda: ds.fillna({"f": 0.5, "i": 3})
    out["ds_dropna_lon_any"] = lambda: ds.dropna("lon", how="any")
    out["ds_dropna_time_thresh"] = lambda: ds.dropna("time", thresh=25)
    out["ds_ffill_time_1"] = lambda: ds.ffill("time", limit=1)
    out["ds_isnull"] = lambda: ds.isnull()
    out["ds_fillna_da"] = lambda: ds.fillna(a["fill_named"])
    out["ds_fillna_scalar"] = lambda: ds.fillna(2)
    out["ds_bfill_lon"] = lambda: ds.bfill("lon")
    out["ds_interp_time"] = lambda: ds.interpolate_na("time", method="linear", limit=2, max_gap=4.0)
    return ds, out


def main():
    a = inputs()
    a["d"] = datetime_input()
    eager = {k: f() for k, f in cases(a).items()}
    chunked = dict(a)
    for k in ("f", "g", "i"):
        chunked[k] = a[k].chunk({"time": 2, "lon": 3})
    for k, f in cases(chunked).items():
        try:
            c = f().compute()
        except ValueError:
            # dask refuses interpolate_na along a chunked core dim (time and lon are).
            assert k.startswith("interp_"), k
            continue
        e = eager[k]
        # xarray + dask turns int64 into float64 for ffill/bfill with a limit at least
        # the chunk length (eager xarray keeps int64, as xr does on any chunking).
        quirk = k.startswith(("ffill_i", "bfill_i")) and not k.endswith("_none")
        assert c.dims == e.dims and (c.dtype == e.dtype or quirk), k
        assert enc_values(c.values) == enc_values(e.values) or np.allclose(
            c.values, e.values, rtol=1e-12, equal_nan=True), k
    ds, dcases = dataset_cases(a)
    dsout = {}
    for k, f in dcases.items():
        r = f()
        assert r.attrs == ds.attrs, k
        for name in r.data_vars:
            dsout[f"{k}.{name}"] = enc(r[name])
    doc = {
        "made_by": "tests/golden/make_missing_golden.py",
        "versions": {"xarray": xr.__version__, "numpy": np.__version__, "dask": dask.__version__,
                     "cftime": cftime.__version__, "scipy": scipy.__version__,
                     "bottleneck": bottleneck.__version__},
        "inputs": {k: enc(v) for k, v in a.items()},
        "time_coords": {cal: enc_values(np.asarray(time_coord(cal))) for cal in CALENDARS},
        "cases": {**{k: enc(v) for k, v in eager.items()}, **dsout},
    }
    with open(os.path.join(HERE, "missing_golden.json"), "w") as fh:
        json.dump(doc, fh, separators=(",", ":"))


if __name__ == "__main__":
    main()
