"""Fixtures for the direct URL reader (tests/remote_netcdf.rs):

- tests/data/hdf5_phony.h5: tests/data/hdf5_plain.h5 (make_hdf5_golden.py) without its
  string datasets (`fixed`, `vlen`), so that every variable has references: a plain HDF5
  file (h5py, no netCDF attributes) whose datasets without dimension scales take
  netcdf-c's phony dims.
- tests/data/nc_enum.nc: a netCDF-4 enum variable (members inserted out of value order),
  a compound one of two numbers (read as one variable per member) and a variable-length
  one (skipped, as the netCDF reader skips it) beside a chunked float.

Run: /work/venv/bin/python tests/golden/make_url_fixtures.py   (h5py 3, netCDF4 1.7)
"""

import shutil
from pathlib import Path

import h5py
import netCDF4
import numpy as np

DATA = Path(__file__).resolve().parent.parent / "data"


def phony():
    out = DATA / "hdf5_phony.h5"
    shutil.copyfile(DATA / "hdf5_plain.h5", out)
    with h5py.File(out, "a") as f:
        del f["fixed"]
        del f["vlen"]
    print(f"wrote {out} (h5py {h5py.__version__})")


def enum():
    out = DATA / "nc_enum.nc"
    with netCDF4.Dataset(out, "w") as d:
        d.createDimension("d", 4)
        t = d.createEnumType(np.uint8, "cloud_t", {"stratus": 2, "clear": 0, "cumulus": 1})
        v = d.createVariable("cloud", t, ("d",))
        v[:] = np.array([0, 1, 2, 1], np.uint8)
        v.long_name = "cloud type"
        obs_t = d.createCompoundType(np.dtype([("time", "f8"), ("temp", "f4")]), "obs_t")
        o = d.createVariable("obs", obs_t, ("d",))
        o[:] = np.array([(i * 0.5, 10 + i) for i in range(4)], dtype=obs_t.dtype)
        o.units = "various"
        vlen = d.createVLType(np.int32, "ragged_t")
        r = d.createVariable("ragged", vlen, ("d",))
        for i in range(4):
            r[i] = np.arange(i + 1, dtype=np.int32)
        x = d.createVariable("x", "f4", ("d",), zlib=True, chunksizes=(2,))
        x[:] = np.arange(4, dtype="f4") / 2
    print(f"wrote {out} (netCDF4 {netCDF4.__version__}, libnetcdf {netCDF4.getlibversion()})")


if __name__ == "__main__":
    phony()
    enum()
