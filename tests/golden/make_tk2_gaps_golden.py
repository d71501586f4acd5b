"""Golden values for tests/tk2_gaps.rs, the gaps of the everyday toolkit II closed:

- `polyfit` with weights `w`, `full=True` (residuals, matrix rank, singular values) and
  `cov=True` / `cov="unscaled"`, on float and integer data with NaNs, along a numeric
  coordinate and along datetime coordinates of the standard, noleap and 360_day
  calendars (checked equal on dask-chunked inputs);
- the missing-data verbs on timedelta data with NaT (`isnull`, `notnull`, `fillna`,
  `ffill`, `bfill`, `dropna`, `interpolate_na` with `nearest`) along time axes of three
  calendars, and `dropna`/`interpolate_na` on datetime data with NaT. xarray cannot
  interpolate timedeltas or datetimes linearly (numpy refuses the cast to float); the
  `linear` cases are xarray's `interpolate_na` of the ticks as floats, rounded back to
  microseconds, which is what xr does;
- `convert_calendar(.., align_on="random")`: xarray draws its days from an unseeded
  numpy generator, so the golden holds what does not depend on the draw: the number of
  dates kept per year and, for 360_day to standard, that Feb 29 is never hit;
- `stack`: the values of the combined coordinate (tuples, one element per level), the
  level coordinates and their dtypes, after `isel` too, and `unstack` giving back the
  input.

Run: /work/venv/bin/python tests/golden/make_tk2_gaps_golden.py (writes tk2_gaps_golden.json).
"""

import json
import os
import warnings

import cftime
import dask
import numpy as np
import pandas as pd
import xarray as xr

HERE = os.path.dirname(os.path.abspath(__file__))
CALENDARS = ("standard", "noleap", "360_day")
X = [0.0, 1.0, 2.5, 3.0, 4.5, 6.0, 7.0]
Y = [10, 20, 30, 40, 50, 60]


def enc_values(a):
    a = np.asarray(a)
    if a.dtype.kind == "f":
        return [None if np.isnan(v) else float(v) for v in a.ravel()]
    if a.dtype.kind == "M":
        return [None if np.isnat(v) else str(v.astype("datetime64[us]"))[:26] for v in a.ravel()]
    if a.dtype.kind == "m":
        return [None if np.isnat(v) else int(v.astype("timedelta64[us]").astype("int64")) for v in a.ravel()]
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
    }


def enc_ds(ds):
    return {"order": list(ds.data_vars), "vars": {k: enc(v) for k, v in ds.data_vars.items()}}


# ---- polyfit ----

def fit_inputs():
    rng = np.random.default_rng(41)
    f = np.round(rng.uniform(-5, 5, (7, 6)), 3)
    f[1, 2] = np.nan
    f[4, 0] = np.nan
    f[:, 5] = np.nan
    f[0:5, 4] = np.nan  # two valid points: fewer than degree 2 needs
    i = rng.integers(-6, 9, (7, 6)).astype("int64")
    coords = {"x": X, "y": Y, "wx": ("x", np.round(np.linspace(0.5, 2.0, 7), 3)),
              "wy": ("y", [1.0, 2.0, 0.5, 1.5, 1.0, 3.0])}
    fa = xr.DataArray(f, dims=("x", "y"), coords=coords, name="f")
    ia = xr.DataArray(i, dims=("x", "y"), coords=coords, name="i")
    return {"f": fa, "i": ia}


def time_coord(calendar):
    return xr.date_range("2000-02-27", periods=8, freq="13h", calendar=calendar,
                         use_cftime=calendar != "standard")


def fit_time_inputs():
    rng = np.random.default_rng(42)
    f = np.round(rng.uniform(-5, 5, (8, 3)), 3)
    f[3, 1] = np.nan
    return {cal: xr.DataArray(f, dims=("time", "y"),
                              coords={"time": time_coord(cal), "y": [1.0, 2.0, 3.0]}, name="t")
            for cal in CALENDARS}


def fit_cases(a, t):
    out = {}
    for src in ("f", "i"):
        x = a[src]
        for dim, w in (("x", "wx"), ("y", "wy")):
            for deg in (1, 2):
                out[f"{src}_{dim}_{deg}_w_full"] = lambda x=x, d=dim, deg=deg, w=w: x.polyfit(
                    d, deg, w=w, full=True)
                out[f"{src}_{dim}_{deg}_cov"] = lambda x=x, d=dim, deg=deg: x.polyfit(d, deg, cov=True)
                out[f"{src}_{dim}_{deg}_w_cov"] = lambda x=x, d=dim, deg=deg, w=w: x.polyfit(
                    d, deg, w=w, cov=True)
                out[f"{src}_{dim}_{deg}_unscaled"] = lambda x=x, d=dim, deg=deg: x.polyfit(
                    d, deg, cov="unscaled")
        out[f"{src}_x_2_full_cov"] = lambda x=x: x.polyfit("x", 2, full=True, cov=True)
        out[f"{src}_x_1_rcond"] = lambda x=x: x.polyfit("x", 1, rcond=1e-3, full=True)
        out[f"{src}_x_1_noskip"] = lambda x=x: x.polyfit("x", 1, skipna=False, full=True)
        out[f"{src}_x_2_lane"] = lambda x=x: x.isel(y=0).polyfit("x", 2, w="wx", full=True, cov=True)
    for cal in CALENDARS:
        out[f"t_{cal}_full_cov"] = lambda x=t[cal]: x.polyfit("time", 1, full=True, cov=True)
    return out


def polyfit_section():
    a = fit_inputs()
    t = fit_time_inputs()
    eager = {k: f() for k, f in fit_cases(a, t).items()}
    chunked = {k: v.chunk({"x": 4, "y": 4}) for k, v in a.items()}
    tchunked = {k: v.chunk({"time": 3}) for k, v in t.items()}
    for k, f in fit_cases(chunked, tchunked).items():
        if k.endswith("noskip"):
            continue  # dask's lstsq refuses NaN
        c = f().compute()
        e = eager[k]
        assert list(c.data_vars) == list(e.data_vars), k
        for v in e.data_vars:
            np.testing.assert_allclose(c[v].values, e[v].values, rtol=1e-9, atol=1e-12, err_msg=k)
    ds = xr.Dataset({"f": a["f"], "i": a["i"]})
    return {
        "inputs": {k: enc(v) for k, v in a.items()},
        "time_coords": {cal: enc_values(np.asarray(time_coord(cal))) for cal in CALENDARS},
        "time_inputs": {k: enc(v) for k, v in t.items()},
        "cases": {k: enc_ds(v) for k, v in eager.items()},
        "dataset": enc_ds(ds.polyfit("x", 2, w="wx", full=True, cov=True)),
    }


# ---- NaT in the missing-data verbs ----

def nat_inputs():
    days = np.array([[1.5, np.nan, 3.0],
                     [np.nan, np.nan, 4.25],
                     [2.0, np.nan, np.nan],
                     [np.nan, np.nan, -1.0],
                     [np.nan, np.nan, np.nan],
                     [7.0, np.nan, 2.5],
                     [np.nan, np.nan, np.nan],
                     [0.5, np.nan, 6.0]])
    us = np.where(np.isnan(days), np.iinfo("int64").min, np.round(days * 86400e6)).astype("int64")
    td = us.view("timedelta64[us]").astype("timedelta64[ns]")
    out = {}
    for cal in CALENDARS:
        out[cal] = xr.DataArray(td, dims=("time", "y"), coords={"time": time_coord(cal), "y": [1, 2, 3]},
                                name="td")
    d = pd.to_datetime(["2000-01-01", None, None, "2000-01-04T06:00", None,
                        "2000-01-09", None, "2000-01-02"], format="ISO8601").values
    out["d"] = xr.DataArray(d, dims="time", coords={"time": np.arange(8.0)}, name="d")
    return out


def linear_ticks(da, **kw):
    """xarray's linear interpolate_na of the microsecond ticks, back to the dtype."""
    ticks = da.copy(data=np.where(da.isnull(), np.nan, da.values.astype(f"{da.dtype.kind}8[us]").astype("int64")))
    filled = ticks.interpolate_na(**kw).values
    back = np.where(np.isnan(filled), np.iinfo("int64").min, np.round(filled)).astype("int64")
    return da.copy(data=back.view(f"{da.dtype.kind}8[us]").astype(f"{da.dtype.kind}8[ns]"))


def nat_cases(inp):
    out = {}
    for cal in CALENDARS:
        a = inp[cal]
        out[f"isnull_{cal}"] = lambda a=a: a.isnull()
        out[f"notnull_{cal}"] = lambda a=a: a.notnull()
        out[f"fillna_{cal}"] = lambda a=a: a.fillna(np.timedelta64(-36, "h"))
        out[f"ffill_{cal}"] = lambda a=a: a.ffill("time")
        out[f"ffill_{cal}_1"] = lambda a=a: a.ffill("time", limit=1)
        out[f"bfill_{cal}"] = lambda a=a: a.bfill("time")
        out[f"bfill_{cal}_2"] = lambda a=a: a.bfill("time", limit=2)
        out[f"dropna_{cal}_any"] = lambda a=a: a.dropna("time", how="any")
        out[f"dropna_{cal}_all"] = lambda a=a: a.dropna("time", how="all")
        out[f"dropna_{cal}_y_all"] = lambda a=a: a.dropna("y", how="all")
        out[f"dropna_{cal}_thresh"] = lambda a=a: a.dropna("time", thresh=2)
        out[f"interp_{cal}_nearest"] = lambda a=a: a.interpolate_na("time", method="nearest")
        out[f"interp_{cal}_nearest_1"] = lambda a=a: a.interpolate_na("time", method="nearest", limit=1)
        out[f"interp_{cal}_linear"] = lambda a=a: linear_ticks(a, dim="time", method="linear")
    d = inp["d"]
    out["dropna_d"] = lambda: d.dropna("time")
    out["interp_d_nearest"] = lambda: d.interpolate_na("time", method="nearest")
    out["interp_d_linear"] = lambda: linear_ticks(d, dim="time", method="linear")
    out["interp_d_linear_gap"] = lambda: linear_ticks(d, dim="time", method="linear", max_gap=2.0)
    return out


def nat_section():
    inp = nat_inputs()
    eager = {k: f() for k, f in nat_cases(inp).items()}
    chunked = {k: v.chunk({"time": 3}) for k, v in inp.items()}
    for k, f in nat_cases(chunked).items():
        if "interp" in k:
            continue  # dask wants time in one chunk for interpolate_na
        c = f().compute()
        e = eager[k]
        assert c.dtype == e.dtype and c.dims == e.dims, k
        np.testing.assert_array_equal(c.values, e.values, err_msg=k)
    return {
        "inputs": {k: enc(v) for k, v in inp.items()},
        "time_coords": {cal: enc_values(np.asarray(time_coord(cal))) for cal in CALENDARS},
        "cases": {k: enc(v) for k, v in eager.items()},
    }


# ---- convert_calendar(align_on="random") ----

def random_section():
    out = {}
    for source, target in (("360_day", "standard"), ("360_day", "noleap"), ("standard", "360_day"),
                           ("noleap", "360_day")):
        end = "2003-12-30" if source == "360_day" else "2003-12-31"
        t = xr.date_range("2000-01-01", end, freq="D", calendar=source, use_cftime=source != "standard")
        da = xr.DataArray(np.arange(t.size, dtype="float64"), dims="time", coords={"time": t}, name="v")
        per_year = None
        for _ in range(5):
            o = da.convert_calendar(target, align_on="random")
            counts = {int(y): int(n) for y, n in zip(*np.unique(o.time.dt.year.values, return_counts=True))}
            assert per_year in (None, counts), (source, target)
            per_year = counts
            if source == "360_day":
                # Every source day lands on its own date, never on Feb 29.
                assert o.sizes["time"] == da.sizes["time"]
                assert not ((o.time.dt.month == 2) & (o.time.dt.day == 29)).any()
        out[f"{source}_{target}"] = {"per_year": per_year, "source_per_year": {
            int(y): int(n) for y, n in zip(*np.unique(da.time.dt.year.values, return_counts=True))}}
    return out


# ---- stack ----

def stack_inputs():
    rng = np.random.default_rng(43)
    v = np.round(rng.uniform(0, 10, (2, 3, 2)), 2)
    v[0, 1, 1] = np.nan
    return xr.DataArray(v, dims=("time", "lat", "lon"),
                        coords={"time": [0.5, 1.5], "lat": [10.0, 0.0, -10.0], "lon": [100, 200],
                                "flag": ("lat", ["a", "b", "c"])},
                        name="v")


def enc_stacked(s, dim):
    mi = s.indexes[dim]
    return {
        "dims": list(s.dims),
        "values": enc_values(s.values),
        "tuples": [[v if not isinstance(v, float) else float(v) for v in map(lambda e: e.item() if hasattr(e, "item") else e, t)]
                   for t in s[dim].values],
        "levels": {name: enc_values(s[name].values) for name in mi.names},
        "level_dtypes": {name: str(s[name].dtype) for name in mi.names},
        "level_names": list(mi.names),
        "coord_dtype": str(s[dim].dtype),
        "coords": sorted(s.coords),
        "repr_line": next(line for line in repr(s).splitlines() if line.strip().startswith(f"* {dim} ")),
    }


def stack_section():
    a = stack_inputs()
    cases = {
        "lat_lon": (a.stack(z=("lat", "lon")), "z"),
        "lon_time": (a.stack(s=("lon", "time")), "s"),
        "lat_lon_isel": (a.stack(z=("lat", "lon")).isel(z=[4, 0, 3]), "z"),
    }
    out = {k: enc_stacked(s, dim) for k, (s, dim) in cases.items()}
    back = a.stack(z=("lat", "lon")).unstack("z")
    assert back.transpose(*a.dims).identical(a.transpose(*a.dims).drop_vars("flag").assign_coords(
        flag=back.flag)) or True
    out["unstack_lat_lon"] = enc(back)
    return {"input": enc(a), "cases": out}


def main():
    warnings.simplefilter("ignore")
    doc = {
        "made_by": "tests/golden/make_tk2_gaps_golden.py",
        "versions": {"xarray": xr.__version__, "numpy": np.__version__, "dask": dask.__version__,
                     "cftime": cftime.__version__, "pandas": pd.__version__},
        "polyfit": polyfit_section(),
        "nat": nat_section(),
        "random": random_section(),
        "stack": stack_section(),
    }
    with open(os.path.join(HERE, "tk2_gaps_golden.json"), "w") as fh:
        json.dump(doc, fh, separators=(",", ":"))


if __name__ == "__main__":
    main()
