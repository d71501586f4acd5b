"""Writes bench/read/data/tas_day_<year>.nc: 10 yearly files of daily float32 on a
180x360 grid, stored as CMIP6 writes them (deflate level 1 + shuffle, one time step per
chunk, a _FillValue). Values are a smooth climate-like field plus noise, so the deflate
ratio is close to real near-surface temperature."""

import os
import sys

import netCDF4
import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
YEARS = range(2000, 2010)
NLAT, NLON = 180, 360


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(0)
    lat = np.linspace(-89.5, 89.5, NLAT)
    lon = np.linspace(0.5, 359.5, NLON)
    base = 250.0 + 40.0 * np.cos(np.deg2rad(lat))[:, None] + 3.0 * np.sin(
        np.deg2rad(lon)
    )[None, :]
    for k, year in enumerate(YEARS):
        path = os.path.join(OUT, "tas_day_%d.nc" % year)
        if os.path.exists(path) and "--force" not in sys.argv:
            continue
        days = 365
        with netCDF4.Dataset(path, "w", format="NETCDF4") as ds:
            ds.createDimension("time", None)
            ds.createDimension("lat", NLAT)
            ds.createDimension("lon", NLON)
            t = ds.createVariable("time", "f8", ("time",))
            t.units = "days since 2000-01-01"
            t.calendar = "noleap"
            t[:] = np.arange(days) + 365 * k
            ds.createVariable("lat", "f8", ("lat",))[:] = lat
            ds.createVariable("lon", "f8", ("lon",))[:] = lon
            v = ds.createVariable(
                "tas", "f4", ("time", "lat", "lon"), zlib=True, complevel=1, shuffle=True,
                chunksizes=(1, NLAT, NLON), fill_value=np.float32(1e20),
            )
            v.units = "K"
            for d in range(days):
                season = 10.0 * np.sin(2 * np.pi * d / 365.0) * np.sign(lat)[:, None]
                noise = rng.standard_normal((NLAT, NLON)) * 1.5
                v[d] = (base + season + noise).astype("f4")
        print("wrote", path)


if __name__ == "__main__":
    main()
