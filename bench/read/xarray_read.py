"""Cross-tool read benchmark, the xarray side (see README.md).

Prints `name seconds` lines, best of XR_BENCH_REPEAT (default 3) runs:
- `xarray_mfdataset`: xr.open_mfdataset(files, engine="netcdf4").load()
- `xarray_per_file`: xr.open_dataset(f, engine="netcdf4").load() for each file in turn
Both load every variable, as a user's `.load()` does; `tas` is all but a few KB of it.
"""

import os
import sys
import time

import xarray as xr


def best(repeat, fn):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main():
    files = sys.argv[1:]
    repeat = int(os.environ.get("XR_BENCH_REPEAT", "3"))

    def mf():
        with xr.open_mfdataset(files, engine="netcdf4") as ds:
            ds.load()

    def per_file():
        for f in files:
            with xr.open_dataset(f, engine="netcdf4") as ds:
                ds.load()

    print("xarray_mfdataset %.4f" % best(repeat, mf))
    print("xarray_per_file %.4f" % best(repeat, per_file))
    print("versions xarray=%s netCDF4=%s dask=%s" % (
        xr.__version__, __import__("netCDF4").__version__, __import__("dask").__version__))


if __name__ == "__main__":
    main()
