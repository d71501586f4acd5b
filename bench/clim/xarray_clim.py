"""The seasonal climatology of every data variable with xarray + dask (threads), with or
without flox: open_mfdataset(DATADIR/*.nc).groupby("time.season").mean("time").
Usage: xarray_clim.py DATADIR OUT.nc flox|noflox [TIME_CHUNK|default]
(TIME_CHUNK, e.g. 365: `chunks={"time": TIME_CHUNK}`; default: the files' own chunks,
one time step each here)
"""
import sys

import dask
import xarray as xr

data, out, mode = sys.argv[1], sys.argv[2], sys.argv[3]
if mode not in ("flox", "noflox"):
    sys.exit(f"mode {mode!r}: flox or noflox")
chunk = sys.argv[4] if len(sys.argv) > 4 else "default"
chunks = None if chunk == "default" else {"time": int(chunk)}
dask.config.set(scheduler="threads")
with xr.set_options(use_flox=(mode == "flox")):
    ds = xr.open_mfdataset(f"{data}/*.nc", parallel=False, chunks=chunks)
    clim = ds.groupby("time.season").mean("time")
    clim.to_netcdf(out)
