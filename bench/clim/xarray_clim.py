"""The seasonal climatology with xarray + dask (threads), with or without flox.
Usage: xarray_clim.py DATADIR OUT.nc flox|noflox [TIME_CHUNK]
(TIME_CHUNK, e.g. 365: `chunks={"time": TIME_CHUNK}`; default: the files' own chunks)
"""
import sys

import dask
import xarray as xr

data, out, mode = sys.argv[1], sys.argv[2], sys.argv[3]
chunks = {"time": int(sys.argv[4])} if len(sys.argv) > 4 else None
dask.config.set(scheduler="threads")
with xr.set_options(use_flox=(mode == "flox")):
    ds = xr.open_mfdataset(f"{data}/*.nc", parallel=False, chunks=chunks)
    clim = ds.groupby("time.season").mean("time")
    clim.to_netcdf(out)
