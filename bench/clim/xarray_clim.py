"""The seasonal climatology with xarray + dask (threads), with or without flox.
Usage: xarray_clim.py DATADIR OUT.nc flox|noflox
"""
import sys

import dask
import xarray as xr

data, out, mode = sys.argv[1], sys.argv[2], sys.argv[3]
dask.config.set(scheduler="threads")
with xr.set_options(use_flox=(mode == "flox")):
    ds = xr.open_mfdataset(f"{data}/*.nc", parallel=False)
    clim = ds.groupby("time.season").mean("time")
    clim.to_netcdf(out)
