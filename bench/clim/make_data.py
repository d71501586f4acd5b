"""Writes the climatology benchmark's input: N years of daily float32 near-surface
temperature on a 1° grid (180 x 360), one file per year, deflate level 1 + shuffle, one
time step per chunk (as CMIP6 writes them). Usage: make_data.py OUTDIR YEARS
"""
import os
import sys

import netCDF4
import numpy as np

out, years = sys.argv[1], int(sys.argv[2])
os.makedirs(out, exist_ok=True)
lat = np.arange(-89.5, 90, 1.0)
lon = np.arange(0.5, 360, 1.0)
la, lo = np.meshgrid(np.deg2rad(lat), np.deg2rad(lon), indexing="ij")
base = 288.0 - 40.0 * np.sin(la) ** 2
amp = (4.0 + 18.0 * np.abs(np.sin(la)) + 12.0 * np.maximum(np.sin(2 * lo) * np.cos(la), 0)) * np.sign(np.sin(la))
rng = np.random.default_rng(0)
for k in range(years):
    year = 1990 + k
    path = os.path.join(out, f"tas_day_{year}.nc")
    if os.path.exists(path):
        continue
    with netCDF4.Dataset(path + ".tmp", "w") as nc:
        nc.createDimension("time", None)
        nc.createDimension("lat", lat.size)
        nc.createDimension("lon", lon.size)
        t = nc.createVariable("time", "f8", ("time",))
        t.units = "days since 1990-01-01"
        t.calendar = "noleap"
        t.standard_name = "time"
        nc.createVariable("lat", "f8", ("lat",))[:] = lat
        nc.createVariable("lon", "f8", ("lon",))[:] = lon
        nc["lat"].units = "degrees_north"
        nc["lon"].units = "degrees_east"
        v = nc.createVariable(
            "tas", "f4", ("time", "lat", "lon"), zlib=True, complevel=1, shuffle=True,
            chunksizes=(1, lat.size, lon.size), fill_value=np.float32(1e20),
        )
        v.units = "K"
        v.standard_name = "air_temperature"
        days = np.arange(365)
        t[:] = k * 365 + days + 0.5
        for d in days:
            cycle = np.cos(2 * np.pi * (d - 196) / 365.0)
            v[d] = (base + amp * cycle + rng.normal(0, 2.0, base.shape)).astype("f4")
    os.replace(path + ".tmp", path)
