"""Golden values for tests/indexing2.rs: pointwise (vectorized) isel/sel with DataArray
indexers sharing a new dim (exact and nearest), sortby (coordinates, 1-D DataArrays with
ties and NaN, several keys, descending), stack and unstack (full product, and missing
combinations filled with NaN), on float (with NaNs) and integer inputs, and over time
axes of the standard, noleap and 360_day calendars, computed by xarray eagerly and
checked equal on dask-chunked inputs.

Run: /work/venv/bin/python tests/golden/make_indexing2_golden.py (writes indexing2_golden.json).
"""

import json
import os

import cftime
import dask
import numpy as np
import xarray as xr

HERE = os.path.dirname(os.path.abspath(__file__))
CALENDARS = ("standard", "noleap", "360_day")


def time_coord(calendar):
    return xr.date_range("2000-02-27", periods=9, freq="13h", calendar=calendar,
                         use_cftime=calendar != "standard")


def inputs():
    rng = np.random.default_rng(216)
    shape = (9, 3, 4)  # time, lat, lon
    f = np.round(rng.uniform(-5, 5, shape), 3)
    f[1, 0, 2] = np.nan
    f[4, :, 1] = np.nan
    i = rng.integers(-6, 9, shape).astype("int64")
    coords = {
        "time": np.arange(9) * 10,
        "lat": np.array([45.0, 0.0, -60.0]),  # decreasing
        "lon": np.array([0.0, 90.0, 180.0, 270.0]),
    }
    dims = ("time", "lat", "lon")
    fa = xr.DataArray(f, dims=dims, coords=coords, name="f", attrs={"units": "K"})
    ia = xr.DataArray(i, dims=dims, coords=coords, name="i")
    # Unsorted lon, for sortby.
    perm = [2, 0, 3, 1]
    fu = fa.isel(lon=perm).rename("fu")
    iu = ia.isel(lon=perm).rename("iu")
    key = xr.DataArray([3.0, 1.0, np.nan, 1.0, 2.0, 3.0, 0.0, np.nan, 2.0], dims="time",
                       coords={"time": coords["time"]}, name="key")
    key2 = xr.DataArray([5, 2, 7, 1, 1, 0, 3, 4, 6], dims="time",
                        coords={"time": coords["time"]}, name="key2")
    return {"f": fa, "i": ia, "fu": fu, "iu": iu, "key": key, "key2": key2}


def pts(values):
    return xr.DataArray(values, dims="station")


def cases(x):
    out = {}
    for src in ("f", "i"):
        a, u = x[src], x[src + "u"]
        out[f"sortby_lon_{src}"] = lambda u=u: u.sortby("lon")
        out[f"sortby_lat_{src}"] = lambda a=a: a.sortby("lat")
        out[f"sortby_lonlat_desc_{src}"] = lambda u=u: u.sortby(["lon", "lat"], ascending=False)
        out[f"sortby_key_{src}"] = lambda a=a: a.sortby(x["key"])
        out[f"sortby_keys_{src}"] = lambda a=a: a.sortby([x["key"], x["key2"]])
        out[f"sortby_keys_desc_{src}"] = lambda a=a: a.sortby([x["key"], x["key2"]], ascending=False)
        out[f"isel_points_{src}"] = lambda a=a: a.isel(lat=pts([0, 2, 1, 2, 0]), lon=pts([3, 0, 0, -1, 1]))
        out[f"isel_points_time_{src}"] = lambda a=a: a.isel(time=slice(2, 7), lat=pts([1, 2]),
                                                            lon=pts([3, 3]))
        out[f"isel_points_timelon_{src}"] = lambda a=a: a.isel(time=pts([0, 8, 4]), lon=pts([1, 2, 3]))
        out[f"sel_points_{src}"] = lambda a=a: a.sel(lat=pts([0.0, 45.0, -60.0]), lon=pts([90.0, 270.0, 0.0]))
        out[f"sel_points_nearest_{src}"] = lambda a=a: a.sel(
            lat=pts([44.0, -50.0, 3.0, -61.0]), lon=pts([260.0, 10.0, 95.0, 170.0]), method="nearest")
        out[f"stack_latlon_{src}"] = lambda a=a: a.stack(z=("lat", "lon"))
        out[f"stack_lontime_{src}"] = lambda a=a: a.stack(s=("lon", "time"))
        out[f"unstack_full_{src}"] = lambda a=a: a.stack(z=("lat", "lon")).unstack("z")
        out[f"unstack_missing_{src}"] = lambda a=a: (
            a.stack(z=("lat", "lon")).isel(z=[0, 2, 3, 5, 7, 8, 11]).unstack("z"))
        out[f"unstack_time_{src}"] = lambda a=a: a.stack(s=("lon", "time")).unstack("s")
    return out


def calendar_cases(x):
    """Verbs over a time axis of each calendar (results' time coordinates as ISO text)."""
    out = {}
    for cal in CALENDARS:
        a = x["f"].assign_coords(time=time_coord(cal))
        out[f"cal_sortby_desc_{cal}"] = lambda a=a: a.sortby("time", ascending=False)
        out[f"cal_isel_points_{cal}"] = lambda a=a: a.isel(time=pts([0, 8, 4]), lon=pts([1, 2, 3]))
        out[f"cal_stack_{cal}"] = lambda a=a: a.stack(s=("lon", "time"))
        # Every time label kept (pandas 3 reorders a level with unused labels by first
        # appearance; xr keeps the levels' order), lon 180 dropped.
        out[f"cal_unstack_{cal}"] = lambda a=a: (
            a.stack(s=("lon", "time")).isel(s=[*range(9), 12, 30, 35]).unstack("s"))
    return out


def enc_times(a):
    a = np.asarray(a)
    if a.dtype.kind == "M":
        return [str(v)[:19] for v in a.ravel()]
    return [v.isoformat()[:19] for v in a.ravel()]


def enc_values(a):
    a = np.asarray(a)
    if a.dtype.kind == "f":
        return [None if np.isnan(v) else float(v) for v in a.ravel()]
    return [int(v) for v in a.ravel()]


def enc(da):
    one_d = {k: v for k, v in da.coords.items() if v.ndim == 1 and v.dtype.kind in "fiu"}
    return {
        "dims": list(da.dims),
        "shape": list(da.shape),
        "dtype": str(da.dtype),
        "values": enc_values(da.values),
        "coords": {k: enc_values(v.values) for k, v in one_d.items()},
        "coord_dtypes": {k: str(v.dtype) for k, v in one_d.items()},
        "name": da.name,
        "attrs": {k: v for k, v in da.attrs.items()},
        "time": enc_times(da["time"].values) if "time" in da.coords and da["time"].dtype.kind in "MO"
        else None,
    }


def main():
    x = inputs()
    eager = {k: f() for k, f in cases(x).items()}
    eager.update({k: f() for k, f in calendar_cases(x).items()})
    chunked = {k: (v.chunk({"time": 2, "lon": 3}) if k not in ("key", "key2") else v)
               for k, v in x.items()}
    for k, f in {**cases(chunked), **calendar_cases(chunked)}.items():
        c = f()
        assert c.chunks is not None, k
        c = c.compute()
        e = eager[k]
        assert c.dims == e.dims and c.dtype == e.dtype, k
        np.testing.assert_allclose(c.values, e.values, rtol=1e-12, atol=1e-12, err_msg=k)
        for name, coord in e.coords.items():
            if coord.dtype.kind == "O" and isinstance(coord.values.ravel()[0], tuple):
                continue  # a MultiIndex
            assert enc_times(c[name].values) == enc_times(coord.values) if coord.dtype.kind in "MO" \
                else np.array_equal(c[name].values, coord.values), k
    doc = {
        "made_by": "tests/golden/make_indexing2_golden.py",
        "versions": {"xarray": xr.__version__, "numpy": np.__version__, "dask": dask.__version__,
                     "cftime": cftime.__version__},
        "time_coords": {cal: enc_times(np.asarray(time_coord(cal))) for cal in CALENDARS},
        "inputs": {k: enc(v) for k, v in x.items()},
        "cases": {k: enc(v) for k, v in eager.items()},
    }
    with open(os.path.join(HERE, "indexing2_golden.json"), "w") as fh:
        json.dump(doc, fh, separators=(",", ":"))


if __name__ == "__main__":
    main()
