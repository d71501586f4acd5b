"""The toolkit benchmark's xarray + dask contender (dask threads, chunks={"time": 365}).
Usage: xarray_toolkit.py DATADIR OUT.nc rolling|fldmean
  rolling: ds.rolling(time=30, center=True).mean(), written to OUT
  fldmean: ds.weighted(cos(lat)).mean(("lat", "lon")), written to OUT
"""
import sys

import dask
import numpy as np
import xarray as xr

data, out, what = sys.argv[1], sys.argv[2], sys.argv[3]
dask.config.set(scheduler="threads")
ds = xr.open_mfdataset(f"{data}/*.nc", chunks={"time": 365}, parallel=False)
if what == "rolling":
    res = ds.rolling(time=30, center=True).mean()
elif what == "fldmean":
    res = ds.weighted(np.cos(np.deg2rad(ds.lat))).mean(("lat", "lon"))
else:
    sys.exit(f"unknown benchmark {what!r}: rolling or fldmean")
res.to_netcdf(out)
