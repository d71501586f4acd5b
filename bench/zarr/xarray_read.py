"""xarray + zarr-python contender of the read benchmark: open_zarr(STORE)[VAR].load().

    python xarray_read.py STORE VAR

Prints the seconds spent opening and loading (interpreter start and imports excluded),
the sum of the values and their number, like examples/zarr_read_bench.rs.
"""

import sys
import time

import numpy as np
import xarray as xr

store, var = sys.argv[1], sys.argv[2]
t = time.perf_counter()
v = xr.open_zarr(store)[var].load()
secs = time.perf_counter() - t
print(f"{secs:.3f} {float(np.sum(v.values, dtype=np.float64)):.6e} {v.size}")
