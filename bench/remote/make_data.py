"""The bench file: tas(time, lat, lon) float32 on a 0.5 degree grid, one day per chunk,
deflate 1 + shuffle, CF time (noleap), written with netCDF4 as CMIP files are.

Usage: make_data.py OUT.nc DAYS   (DAYS=365: 365 x 360 x 720 float32 = 378 MB decoded)
"""

import sys

import netCDF4
import numpy as np


def main(out, days):
    rng = np.random.default_rng(0)
    nlat, nlon = 360, 720
    with netCDF4.Dataset(out, "w") as d:
        d.createDimension("time", None)
        d.createDimension("lat", nlat)
        d.createDimension("lon", nlon)
        t = d.createVariable("time", "f8", ("time",))
        t.units = "days since 2000-01-01"
        t.calendar = "noleap"
        lat = d.createVariable("lat", "f8", ("lat",))
        lat[:] = np.linspace(-89.75, 89.75, nlat)
        lon = d.createVariable("lon", "f8", ("lon",))
        lon[:] = np.linspace(0.25, 359.75, nlon)
        v = d.createVariable("tas", "f4", ("time", "lat", "lon"), zlib=True, complevel=1,
                             shuffle=True, chunksizes=(1, nlat, nlon))
        v.units = "K"
        base = 280 + 20 * np.cos(np.deg2rad(lat[:]))[:, None]
        for i in range(days):
            t[i] = i
            noise = rng.normal(scale=2.0, size=(nlat, nlon))
            v[i] = (base + noise).astype("f4")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
