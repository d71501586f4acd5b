"""Checks that xarray reads tests/data/xr_written.nc (a file WRITTEN BY xr, by the ignored
test `write_xr_written_fixture` in tests/io_netcdf.rs) as intended, and records what
xarray reads in tests/data/xr_written_expected.json; the Rust test `xarray_reads_what_xr_writes`
writes the same dataset again and compares xr's reading of it with that JSON.

Run from the repository root with the reference stack:
    cargo test --test io_netcdf write_xr_written_fixture -- --ignored
    /work/venv/bin/python tests/golden/check_xr_written.py

Checked with: xarray 2026.9.0, netCDF4 1.7.5.1.post1, numpy 2.4.6, cftime 1.6.6.1.
"""

import json
import os
import sys

import cftime
import numpy as np
import xarray as xr

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_io_fixtures import describe, path, versions  # noqa: E402


def main():
    coder = xr.coders.CFDatetimeCoder(use_cftime=True)
    with xr.open_dataset(path("xr_written.nc"), decode_times=coder) as ds:
        ds.load()
        # What xr meant to write.
        assert list(ds.time.values) == [
            cftime.DatetimeNoLeap(2001, 2, 28),
            cftime.DatetimeNoLeap(2001, 3, 1),
            cftime.DatetimeNoLeap(2001, 3, 2),
            cftime.DatetimeNoLeap(2001, 3, 3),
        ]
        assert ds.z.encoding["zlib"] and ds.z.encoding["chunksizes"] == (2, 3)
        assert ds.time.encoding["calendar"] == "noleap"
        assert ds.time.encoding["units"] == "hours since 2001-01-01"
        assert ds.t.dtype == np.float64 and ds.t.encoding["dtype"] == np.int16
        assert ds.t.encoding["scale_factor"] == 0.01 and ds.t.encoding["add_offset"] == 273.15
        np.testing.assert_allclose(
            ds.t.values,
            [[270.0, 271.5, np.nan], [280.25, 290.0, 300.5], [np.nan, 250.0, 260.0], [1.0, 2.0, 3.0]],
            atol=0.005,
        )
        np.testing.assert_array_equal(ds.z.values, np.arange(12, dtype="float32").reshape(4, 3) * 0.5)
        assert list(ds.name.values) == ["a", "bb", "ccc"]
        assert "lat" in ds.coords and "lat" not in ds.indexes
        assert ds.attrs["title"] == "written by xr"
        d = describe(ds)
    d["file"] = "xr_written.nc"
    d["versions"] = versions()
    with open(path("xr_written_expected.json"), "w") as f:
        json.dump(d, f, indent=1, sort_keys=True)
    print("xarray reads xr_written.nc as intended")


if __name__ == "__main__":
    main()
