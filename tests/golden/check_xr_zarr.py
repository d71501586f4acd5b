"""Checks that xarray reads tests/data/zarr/xr_written.zarr and xr_written_v2.zarr (stores WRITTEN BY xr, by the
ignored test `write_xr_zarr_fixture` in tests/io_zarr.rs) as intended, and records what
xarray reads in tests/data/zarr/xr_written{,_v2}_expected.json; the Rust test
`xarray_reads_what_xr_writes` writes the same dataset again and compares xr's reading of
it with that JSON.

Run from the repository root with the reference stack:
    cargo test --test io_zarr write_xr_zarr_fixture -- --ignored
    /work/venv/bin/python tests/golden/check_xr_zarr.py

Checked with: xarray 2026.9.0, zarr-python 3.1.6, numcodecs 0.16.6, numpy 2.4.6,
cftime 1.6.6.1.
"""

import json
import os
import sys

import cftime
import numpy as np
import xarray as xr
import zarr

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_io_fixtures import describe  # noqa: E402
from make_zarr_fixtures import path, versions  # noqa: E402


def check(name, zarr_format):
    coder = xr.coders.CFDatetimeCoder(use_cftime=True)
    # Consolidated metadata is what xarray finds first; check both ways of reading.
    for consolidated in (True, False):
        with xr.open_zarr(path(name), decode_times=coder, consolidated=consolidated) as ds:
            ds.load()
            assert list(ds.time.values) == [
                cftime.DatetimeNoLeap(2001, 2, 28),
                cftime.DatetimeNoLeap(2001, 3, 1),
                cftime.DatetimeNoLeap(2001, 3, 2),
                cftime.DatetimeNoLeap(2001, 3, 3),
            ]
            assert ds.time.encoding["calendar"] == "noleap"
            assert ds.time.encoding["units"] == "hours since 2001-01-01"
            assert ds.t.dtype == np.float64 and ds.t.encoding["dtype"] == np.int16
            assert ds.t.encoding["scale_factor"] == 0.01 and ds.t.encoding["add_offset"] == 273.15
            np.testing.assert_allclose(
                ds.t.values,
                [[270.0, 271.5, np.nan], [280.25, 290.0, 300.5], [np.nan, 250.0, 260.0], [1.0, 2.0, 3.0]],
                atol=0.005,
            )
            assert ds.z.encoding["chunks"] == (1, 3)
            if zarr_format == 3:
                assert ds.z.encoding["shards"] == (2, 3)
            np.testing.assert_array_equal(ds.z.values, np.arange(12, dtype="float32").reshape(4, 3) * 0.5)
            assert list(ds.name.values) == ["a", "bb", "ccc"]
            assert "lat" in ds.coords and "lat" not in ds.indexes and "name" in ds.coords
            assert ds.attrs["title"] == "written by xr"
            assert np.isnan(ds.t.attrs["not_a_number"])  # a bare NaN, as Python writes it
            # zarr-python reads v3 strings as numpy StringDType; describe() knows "U".
            ds.coords["name"] = ("x", np.array([str(v) for v in ds.name.values]))
            d = describe(ds)
    # Strings as zarr-python writes them to v2 (object + vlen-utf8), which it reads back.
    if zarr_format == 2:
        with open(os.path.join(path(name), "name", ".zarray")) as f:
            zarray = json.load(f)
        assert zarray["dtype"] == "|O" and zarray["filters"][0] == {"id": "vlen-utf8"}, zarray
    names = zarr.open_array(os.path.join(path(name), "name"), mode="r")[:]
    assert [str(v) for v in names] == ["a", "bb", "ccc"], names
    d["file"] = name
    d["versions"] = versions()
    with open(path(name.replace(".zarr", "_expected.json")), "w") as f:
        json.dump(d, f, indent=1, sort_keys=True)
    print(f"xarray reads {name} as intended")


def main():
    check("xr_written.zarr", 3)
    check("xr_written_v2.zarr", 2)


if __name__ == "__main__":
    main()
