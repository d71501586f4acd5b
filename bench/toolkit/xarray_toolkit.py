"""The toolkit benchmark's xarray + dask contender (dask threads, chunks={"time": 365}).
Usage: xarray_toolkit.py DATADIR OUT.nc rolling|fldmean|interp|ffill
  rolling: ds.rolling(time=30, center=True).mean(), written to OUT
  fldmean: ds.weighted(cos(lat)).mean(("lat", "lon")), written to OUT
  interp: ds.interp(lat=-89.75..89.75, lon=0.25..359.75, step 0.5, linear), written to OUT
  ffill: ds.ffill("time") (of the data with gaps), written to OUT
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
elif what == "interp":
    res = ds.interp(lat=np.arange(-89.75, 90, 0.5), lon=np.arange(0.25, 360, 0.5), method="linear")
elif what == "ffill":
    res = ds.ffill("time")
else:
    sys.exit(f"unknown benchmark {what!r}: rolling, fldmean, interp or ffill")
res.to_netcdf(out)
