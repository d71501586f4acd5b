"""Writes tests/data/hdf5_phony.h5: tests/data/hdf5_plain.h5 (make_hdf5_golden.py) without
its string datasets (`fixed`, `vlen`), so that every variable has references: a plain HDF5
file (h5py, no netCDF attributes) whose datasets without dimension scales take netcdf-c's
phony dims, for the direct URL reader (tests/remote_netcdf.rs).

Run: /work/venv/bin/python tests/golden/make_hdf5_phony.py   (h5py 3)
"""

import shutil
from pathlib import Path

import h5py

DATA = Path(__file__).resolve().parent.parent / "data"


def main():
    out = DATA / "hdf5_phony.h5"
    shutil.copyfile(DATA / "hdf5_plain.h5", out)
    with h5py.File(out, "a") as f:
        del f["fixed"]
        del f["vlen"]
    print(f"wrote {out} (h5py {h5py.__version__})")


if __name__ == "__main__":
    main()
