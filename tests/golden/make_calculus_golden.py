"""Golden values for tests/calculus.rs: `differentiate` and `integrate` (on a uniform
and a non-uniform coordinate, and on datetime coordinates of the standard, noleap and
360_day calendars with several `datetime_unit`s), `polyfit` (NaN-skipping, integer and
float data, datetime coordinates) and `polyval`, computed by xarray on eager inputs with
NaNs (and checked equal on dask-chunked inputs).

Run: /work/venv/bin/python tests/golden/make_calculus_golden.py (writes calculus_golden.json).
"""

import json
import os
import warnings

import cftime
import dask
import numpy as np
import xarray as xr

HERE = os.path.dirname(os.path.abspath(__file__))
CALENDARS = ("standard", "noleap", "360_day")
X = [0.0, 1.0, 2.5, 3.0, 4.5, 6.0, 7.0]
Y = [10, 20, 30, 40, 50, 60]


def inputs():
    rng = np.random.default_rng(31)
    f = np.round(rng.uniform(-5, 5, (7, 6)), 3)
    f[1, 2] = np.nan
    f[4, 0] = np.nan
    f[:, 5] = np.nan
    f[0:5, 4] = np.nan  # two valid points: fewer than degree 2 needs
    i = rng.integers(-6, 9, (7, 6)).astype("int64")
    coords = {"x": X, "y": Y, "xc": ("x", np.arange(7) * 1.5)}
    fa = xr.DataArray(f, dims=("x", "y"), coords=coords, name="f", attrs={"units": "K"})
    ia = xr.DataArray(i, dims=("x", "y"), coords=coords, name="i")
    return {"f": fa, "i": ia}


def time_coord(calendar):
    return xr.date_range("2000-02-27", periods=8, freq="13h", calendar=calendar,
                         use_cftime=calendar != "standard")


def time_inputs():
    rng = np.random.default_rng(32)
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
    for src in ("f", "i"):
        x = a[src]
        for dim in ("x", "y"):
            out[f"diff_{src}_{dim}"] = lambda x=x, d=dim: x.differentiate(d)
            out[f"integ_{src}_{dim}"] = lambda x=x, d=dim: x.integrate(d)
            for deg in (0, 1, 2):
                out[f"polyfit_{src}_{dim}_{deg}"] = (
                    lambda x=x, d=dim, deg=deg: x.polyfit(d, deg).polyfit_coefficients)
        out[f"integ_{src}_xc"] = lambda x=x: x.integrate("xc")
        out[f"diff_{src}_xc"] = lambda x=x: x.differentiate("xc")
        out[f"polyval_{src}"] = lambda x=x: xr.polyval(x.x, x.polyfit("x", 2).polyfit_coefficients)
    # float32 stays float32 in differentiate, becomes float64 in integrate (numpy).
    for dim in ("x", "y"):
        out[f"diff_f32_{dim}"] = lambda d=dim: a["f"].astype("float32").differentiate(d)
        out[f"integ_f32_{dim}"] = lambda d=dim: a["f"].astype("float32").integrate(d)
    for cal in CALENDARS:
        x = t[f"t_{cal}"]
        for unit in (None, "D", "h", "s"):
            out[f"diff_t_{cal}_{unit}"] = lambda x=x, u=unit: x.differentiate("time", datetime_unit=u)
            out[f"integ_t_{cal}_{unit}"] = lambda x=x, u=unit: x.integrate("time", datetime_unit=u)
        out[f"polyfit_t_{cal}"] = lambda x=x: x.polyfit("time", 1).polyfit_coefficients
        out[f"polyval_t_{cal}"] = lambda x=x: xr.polyval(x.time, x.polyfit("time", 1).polyfit_coefficients)
    return out


def main():
    warnings.simplefilter("ignore")
    a = inputs()
    t = time_inputs()
    eager = {k: f() for k, f in cases(a, t).items()}
    chunked = {k: v.chunk({"x": 4, "y": 4}) for k, v in a.items()}
    for k, f in cases(chunked, {k: v.chunk({"time": 3}) for k, v in t.items()}).items():
        try:
            c = f().compute()
        except NotImplementedError:
            # dask's gradient refuses a chunked (non-index) coordinate.
            assert k.startswith("diff_") and k.endswith("_xc"), k
            continue
        e = eager[k]
        assert c.dims == e.dims and c.dtype == e.dtype, k
        np.testing.assert_allclose(c.values, e.values, rtol=1e-9, atol=1e-12, err_msg=k)
    ds = xr.Dataset({"f": a["f"], "i": a["i"]})
    doc = {
        "made_by": "tests/golden/make_calculus_golden.py",
        "versions": {"xarray": xr.__version__, "numpy": np.__version__, "dask": dask.__version__,
                     "cftime": cftime.__version__},
        "inputs": {k: enc(v) for k, v in a.items()},
        "time_coords": {cal: enc_values(np.asarray(time_coord(cal))) for cal in CALENDARS},
        "time_inputs": {k: enc(v) for k, v in t.items()},
        "cases": {k: enc(v) for k, v in eager.items()},
        "dataset_polyfit": sorted(ds.polyfit("x", 1).data_vars),
    }
    with open(os.path.join(HERE, "calculus_golden.json"), "w") as fh:
        json.dump(doc, fh, separators=(",", ":"))


if __name__ == "__main__":
    main()
