"""Expected values for tests/indexing.rs and tests/align.rs (run with xarray/pandas)."""
import numpy as np
import pandas as pd
import xarray as xr

print("xarray", xr.__version__, "pandas", pd.__version__, "numpy", np.__version__)

inc = xr.DataArray([10.0, 20.0, 30.0, 40.0], dims="x", coords={"x": [1.0, 2.0, 3.0, 4.0]})
dec = xr.DataArray([10.0, 20.0, 30.0, 40.0], dims="x", coords={"x": [4.0, 3.0, 2.0, 1.0]})
for name, da in [("inc", inc), ("dec", dec)]:
    for m in ["nearest", "pad", "backfill"]:
        t = [2.5, 0.0, 5.0, 2.4, 2.6, 2.0]
        print(name, m, da.indexes["x"].get_indexer(t, method=m).tolist())
        print(name, m, "tol0.3", da.indexes["x"].get_indexer(t, method=m, tolerance=0.3).tolist())
    print(name, "slice(1.5, 3.5)", da.sel(x=slice(1.5, 3.5)).values.tolist())
    print(name, "slice(3.5, 1.5)", da.sel(x=slice(3.5, 1.5)).values.tolist())
    print(name, "slice(2, 3)", da.sel(x=slice(2, 3)).values.tolist())
    print(name, "slice(3, 2)", da.sel(x=slice(3, 2)).values.tolist())

t = xr.DataArray(np.arange(6.0), dims="time",
                 coords={"time": pd.date_range("2018-01-15", periods=6, freq="MS")})
print("time", t.time.values)
print("sel 2018", t.sel(time="2018").values.tolist())
print("sel 2018-03", t.sel(time="2018-03").values.tolist(), t.sel(time="2018-03").dims)
print("sel 2018-03-01", t.sel(time="2018-03-01").values.tolist(), t.sel(time="2018-03-01").dims)
print("slice 2018-03..2018-05", t.sel(time=slice("2018-03", "2018-05")).values.tolist())

a = xr.DataArray([1, 2, 3], dims="x", coords={"x": [0, 1, 2]}, name="a")
b = xr.DataArray([10.0, 20.0, 30.0], dims="x", coords={"x": [1, 2, 3]}, name="b")
for join in ["inner", "outer", "left", "right"]:
    aa, bb = xr.align(a, b, join=join)
    print(join, aa.x.values.tolist(), aa.values.tolist(), bb.values.tolist())
print(xr.align(xr.DataArray([1, 2, 3], dims="x", coords={"x": [3, 1, 2]}),
               xr.DataArray([1, 2], dims="x", coords={"x": [5, 4]}), join="outer")[0].x.values.tolist())
print("where", a.where(a > 1).values.tolist())
print("reindex", a.reindex(x=[2, 5, 0]).values.tolist())
