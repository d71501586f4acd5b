"""Writes the toolkit benchmark's input: N years of daily data on a 1° grid (180 x 360),
one file per year, two variables as CMIP6 writes them: `tas` float32 and `pr` packed
int16 (scale_factor/add_offset, _FillValue), deflate level 1 + shuffle, one time step per
chunk, standard calendar (so leap years have 366 days).
With `gaps` (the ffill bench's input, written to its own directory), the same values with
holes, stored as each variable's _FillValue so that they read as NaN: every day 20% of
the cells at random, and every 50th day whole.
With `--res DEG`, a grid of DEG degrees instead of 1° (the 0.25° case of the
climatology bench: `--res 0.25`, 720 x 1440); the 1° default writes what it always did.
Usage: make_data.py OUTDIR YEARS [gaps] [--res DEG]
"""
import os
import sys

import netCDF4
import numpy as np

args = sys.argv[1:]
res = 1.0
if "--res" in args:
    i = args.index("--res")
    if i + 1 >= len(args):
        sys.exit("--res needs a grid spacing in degrees, e.g. --res 0.25")
    res = float(args[i + 1])
    if not (0 < res <= 90 and (180 / res).is_integer()):
        sys.exit(f"--res {args[i + 1]}: needs a spacing that divides 180 degrees")
    del args[i : i + 2]
out, years = args[0], int(args[1])
gaps = args[2:] == ["gaps"]
if args[2:] and not gaps:
    sys.exit(f"unknown variant {args[2]!r}: gaps or nothing")
os.makedirs(out, exist_ok=True)
lat = np.arange(-90 + res / 2, 90, res)
lon = np.arange(res / 2, 360, res)
la, lo = np.meshgrid(np.deg2rad(lat), np.deg2rad(lon), indexing="ij")
base = 288.0 - 40.0 * np.sin(la) ** 2
amp = (4.0 + 18.0 * np.abs(np.sin(la)) + 12.0 * np.maximum(np.sin(2 * lo) * np.cos(la), 0)) * np.sign(np.sin(la))
wet = 3e-5 * (1.0 + 2.0 * np.exp(-((np.rad2deg(la) / 10.0) ** 2)))  # kg m-2 s-1, wet tropics
PR_SCALE, PR_OFFSET, PR_FILL = np.float32(2e-8), np.float32(6.5e-4), np.int16(-32767)
rng = np.random.default_rng(0)
gap_rng = np.random.default_rng(1)
for k in range(years):
    year = 1990 + k
    path = os.path.join(out, f"day_{year}.nc")
    if os.path.exists(path):
        continue
    t0 = netCDF4.date2num(__import__("datetime").datetime(year, 1, 1), "days since 1990-01-01", "standard")
    t1 = netCDF4.date2num(__import__("datetime").datetime(year + 1, 1, 1), "days since 1990-01-01", "standard")
    ndays = int(t1 - t0)
    with netCDF4.Dataset(path + ".tmp", "w") as nc:
        nc.createDimension("time", None)
        nc.createDimension("lat", lat.size)
        nc.createDimension("lon", lon.size)
        t = nc.createVariable("time", "f8", ("time",))
        t.units = "days since 1990-01-01"
        t.calendar = "standard"
        t.standard_name = "time"
        nc.createVariable("lat", "f8", ("lat",))[:] = lat
        nc.createVariable("lon", "f8", ("lon",))[:] = lon
        nc["lat"].units = "degrees_north"
        nc["lon"].units = "degrees_east"
        tas = nc.createVariable(
            "tas", "f4", ("time", "lat", "lon"), zlib=True, complevel=1, shuffle=True,
            chunksizes=(1, lat.size, lon.size), fill_value=np.float32(1e20),
        )
        tas.units = "K"
        tas.standard_name = "air_temperature"
        pr = nc.createVariable(
            "pr", "i2", ("time", "lat", "lon"), zlib=True, complevel=1, shuffle=True,
            chunksizes=(1, lat.size, lon.size), fill_value=PR_FILL,
        )
        pr.scale_factor = PR_SCALE
        pr.add_offset = PR_OFFSET
        pr.units = "kg m-2 s-1"
        pr.standard_name = "precipitation_flux"
        days = np.arange(ndays)
        t[:] = t0 + days + 0.5
        for d in days:
            cycle = np.cos(2 * np.pi * (d - 196) / 365.0)
            t_d = (base + amp * cycle + rng.normal(0, 2.0, base.shape)).astype("f4")
            rain = wet * rng.gamma(0.6, 1.0 / 0.6, base.shape) * (rng.random(base.shape) < 0.6)
            p_d = np.clip(rain, 0.0, 1.25e-3)  # packed by netCDF4 (auto scale)
            if gaps:
                hole = gap_rng.random(base.shape) < 0.2
                if (t0 + d) % 50 == 0:
                    hole[:] = True
                t_d = np.ma.masked_array(t_d, hole)
                p_d = np.ma.masked_array(p_d, hole)
            tas[d] = t_d
            pr[d] = p_d
    os.replace(path + ".tmp", path)
