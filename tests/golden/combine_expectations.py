"""Prints the xarray results that tests/combine.rs and tests/repr.rs assert.

Run: /path/to/venv/bin/python tests/golden/combine_expectations.py
Made with xarray 2026.9.0, numpy 2.4.6.
"""
import numpy as np
import xarray as xr

a = xr.Dataset(
    {"v": (("x", "y"), [[1, 2], [3, 4]]), "c": ("y", [5.0, 6.0])},
    coords={"x": [0, 1], "lab": ("y", ["p", "q"])},
)
b = xr.Dataset({"v": (("x", "y"), [[7, 8]])}, coords={"x": [2], "lab": ("y", ["p", "q"])})
r = xr.concat([a, b], "x", data_vars="all")
print(r)
print(r.c.values, r.v.values)

r2 = xr.concat([a.isel(x=0), a.isel(x=1)], "t", data_vars="all")
print(r2)

m = xr.merge(
    [
        xr.Dataset({"u": ("x", [1.0, np.nan])}, coords={"x": [0, 1]}),
        xr.Dataset({"u": ("x", [np.nan, 2.0, 3.0])}, coords={"x": [1, 2, 3]}),
    ],
    join="outer",
    compat="no_conflicts",
)
print(m.u.values)

t = xr.DataArray(
    np.arange(6.0).reshape(2, 3),
    dims=("y", "x"),
    coords={"x": [10, 20, 30], "lbl": ("y", ["a", "b"])},
    name="t",
    attrs={"units": "K"},
)
ds = t.to_dataset()
ds["n"] = ("x", np.array([1, 2, 3], dtype="int32"))
ds.attrs["title"] = "demo"
print(ds)
print(t)
