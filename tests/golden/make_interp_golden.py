"""Golden values for tests/interp.rs: `interp` (linear, nearest; 1-D and separable 2-D;
unsorted, out-of-range and exact targets; fill_value and extrapolate; a descending
source coordinate; datetime targets on the standard, noleap and 360_day calendars) and
`interp_like` (onto numeric and datetime coordinates), and a Dataset's float,
datetime, string and bool variables, computed by xarray on eager inputs with NaNs, integer and float dtypes
(and checked equal on dask-chunked inputs).

Run: /work/venv/bin/python tests/golden/make_interp_golden.py (writes interp_golden.json).
"""

import json
import os

import cftime
import dask
import numpy as np
import scipy
import xarray as xr

HERE = os.path.dirname(os.path.abspath(__file__))
CALENDARS = ("standard", "noleap", "360_day")
X = [0.0, 1.0, 2.5, 3.0, 4.5, 6.0, 7.0]
Y = [10, 20, 30, 40, 50, 60]
# Unsorted, repeated, exact, out of range (both sides), on the edges.
XT = [-1.0, 0.0, 0.5, 2.5, 3.7, 7.0, 8.0, 5.2, 1.0, 2.75, 2.5]
YT = [15.0, 10.0, 60.0, 65.0, 33.0, 35.0]


def inputs():
    rng = np.random.default_rng(21)
    f = np.round(rng.uniform(-5, 5, (7, 6)), 3)
    f[1, 2] = np.nan
    f[4, 0] = np.nan
    f[:, 5] = np.nan
    i = rng.integers(-6, 9, (7, 6)).astype("int64")
    coords = {"x": X, "y": Y, "xc": ("x", np.arange(7) * 1.5)}
    fa = xr.DataArray(f, dims=("x", "y"), coords=coords, name="f", attrs={"units": "K"})
    ia = xr.DataArray(i, dims=("x", "y"), coords=coords, name="i")
    g = np.round(rng.uniform(-5, 5, 7), 3)
    g[2] = np.nan
    ga = xr.DataArray(g, dims=("x",), coords={"x": X}, name="g")
    da = fa.isel(x=slice(None, None, -1)).rename("d")
    return {"f": fa, "i": ia, "g": ga, "d": da}


def time_coord(calendar):
    return xr.date_range("2000-02-27", periods=8, freq="13h", calendar=calendar,
                         use_cftime=calendar != "standard")


def time_targets(calendar):
    return xr.date_range("2000-02-26 22:00", periods=12, freq="9h", calendar=calendar,
                         use_cftime=calendar != "standard")


def time_inputs():
    rng = np.random.default_rng(22)
    f = np.round(rng.uniform(-5, 5, (8, 3)), 3)
    f[3, 1] = np.nan
    out = {}
    for cal in CALENDARS:
        out[f"t_{cal}"] = xr.DataArray(f, dims=("time", "y"),
                                       coords={"time": time_coord(cal), "y": [1.0, 2.0, 3.0]},
                                       name="t")
    return out


def enc_values(a):
    a = np.asarray(a)
    if a.dtype.kind == "f":
        return [None if np.isnan(v) else float(v) for v in a.ravel()]
    if a.dtype.kind == "M":
        return [None if np.isnat(v) else str(v)[:19] for v in a.ravel()]
    if a.dtype.kind == "O":
        return [None if not isinstance(v, cftime.datetime) else v.isoformat()[:19] for v in a.ravel()]
    if a.dtype.kind in "US":
        return [str(v) for v in a.ravel()]
    if a.dtype.kind == "b":
        return [bool(v) for v in a.ravel()]
    return [int(v) for v in a.ravel()]


def enc(da):
    return {
        "dims": list(da.dims),
        "shape": list(da.shape),
        "dtype": str(da.dtype),
        "values": enc_values(da.values),
        "coords": {k: enc_values(v.values) for k, v in da.coords.items() if v.ndim == 1},
        "coord_dtypes": {k: str(v.dtype) for k, v in da.coords.items() if v.ndim == 1},
        "name": da.name,
        "attrs": {k: v for k, v in da.attrs.items()},
    }


def cases(a, t):
    out = {}
    for src in ("f", "i", "d"):
        x = a[src]
        for m in ("linear", "nearest"):
            out[f"{src}_{m}_x"] = lambda x=x, m=m: x.interp(x=XT, method=m)
            out[f"{src}_{m}_y"] = lambda x=x, m=m: x.interp(y=YT, method=m)
            out[f"{src}_{m}_xy"] = lambda x=x, m=m: x.interp(x=XT, y=YT, method=m)
            out[f"{src}_{m}_fill"] = lambda x=x, m=m: x.interp(x=XT, method=m, kwargs={"fill_value": -9.5})
            out[f"{src}_{m}_extrap"] = (
                lambda x=x, m=m: x.interp(x=XT, method=m, kwargs={"fill_value": "extrapolate"}))
    # float32: float64 out (scipy's interp1d; xarray + dask would say float32).
    out["f32_linear_x"] = lambda: a["f"].astype("float32").interp(x=XT)
    for m in ("linear", "nearest"):
        out[f"g_{m}_x"] = lambda m=m: a["g"].interp(x=XT, method=m)
        out[f"g_{m}_fill"] = lambda m=m: a["g"].interp(x=XT, method=m, kwargs={"fill_value": -9.5})
    other = xr.DataArray(np.zeros((3, 2)), dims=("x", "y"),
                         coords={"x": [0.5, 6.5, 9.0], "y": [35.0, 12.0]})
    out["f_like"] = lambda: a["f"].interp_like(other)
    out["f_like_x"] = lambda: a["f"].interp_like(other.isel(y=0, drop=True))
    for cal in CALENDARS:
        for m in ("linear", "nearest"):
            out[f"t_{cal}_{m}"] = (
                lambda cal=cal, m=m: t[f"t_{cal}"].interp(time=time_targets(cal), method=m))
    return out


MIXED_TARGETS = [0.5, 1.5, 2.6, 5.0]


def mixed():
    """A dataset with float, numpy-datetime, cftime, string and bool variables along x."""
    return xr.Dataset(
        {
            "v": ("x", np.array([1.0, np.nan, 4.0, 2.0])),
            "d": ("x", xr.date_range("2000-01-01", periods=4, freq="D")),
            "cd": ("x", xr.date_range("2000-01-01", periods=4, freq="D", calendar="noleap",
                                      use_cftime=True)),
            "s": ("x", ["a", "b", "c", "d"]),
            "b": ("x", [True, False, True, False]),
        },
        coords={"x": [0.0, 1.0, 2.0, 3.0]},
    )


def like_cases():
    """interp_like onto a datetime coordinate: interpolated on the standard calendar,
    reindexed (exact labels only) on cftime calendars."""
    out = {}
    for cal in ("standard", "noleap"):
        t = xr.date_range("2000-01-01", periods=4, freq="D", calendar=cal, use_cftime=cal != "standard")
        src = xr.DataArray(np.arange(4.0), dims="time", coords={"time": t}, name="v")
        for which, other_t in (("shifted", xr.date_range("2000-01-01 12:00", periods=2, freq="D",
                                                         calendar=cal, use_cftime=cal != "standard")),
                               ("exact", t[1:3])):
            other = xr.DataArray(np.zeros(2), dims="time", coords={"time": other_t})
            out[f"like_{cal}_{which}"] = {
                "source_times": enc_values(np.asarray(t)),
                "other_times": enc_values(np.asarray(other_t)),
                "result": enc(src.interp_like(other)),
            }
    return out


def main():
    a = inputs()
    t = time_inputs()
    eager = {k: f() for k, f in cases(a, t).items()}
    chunked = {k: v.chunk({"x": 3, "y": 4}) for k, v in a.items() if k != "g"}
    chunked["g"] = a["g"].chunk({"x": 3})
    for k, f in cases(chunked, {k: v.chunk({"time": 3}) for k, v in t.items()}).items():
        c = f().compute()
        e = eager[k]
        assert c.dims == e.dims and (c.dtype == e.dtype or k.startswith("f32")), k
        np.testing.assert_allclose(c.values, e.values, rtol=1e-12, atol=1e-12, err_msg=k)
    doc = {
        "made_by": "tests/golden/make_interp_golden.py",
        "versions": {"xarray": xr.__version__, "numpy": np.__version__, "dask": dask.__version__,
                     "cftime": cftime.__version__, "scipy": scipy.__version__},
        "x_targets": XT,
        "y_targets": YT,
        "inputs": {k: enc(v) for k, v in a.items()},
        "time_coords": {cal: enc_values(np.asarray(time_coord(cal))) for cal in CALENDARS},
        "time_targets": {cal: enc_values(np.asarray(time_targets(cal))) for cal in CALENDARS},
        "time_inputs": {k: enc(v) for k, v in t.items()},
        "cases": {k: enc(v) for k, v in eager.items()},
        "mixed_targets": MIXED_TARGETS,
        "mixed_input": {k: enc(v) for k, v in mixed().data_vars.items()},
        "mixed": {k: enc(v) for k, v in mixed().interp(x=MIXED_TARGETS).data_vars.items()},
        "like": like_cases(),
    }
    with open(os.path.join(HERE, "interp_golden.json"), "w") as fh:
        json.dump(doc, fh, separators=(",", ":"))


if __name__ == "__main__":
    main()
