"""Writes the Zarr fixtures of tests/io_zarr.rs into tests/data/zarr/, and
tests/data/zarr/expected.json: what xarray reads from each store (dims, coords, values,
attrs, CF encoding).

Run from the repository root with the reference stack:
    /work/venv/bin/pip install zarr   # once
    /work/venv/bin/python tests/golden/make_zarr_fixtures.py

Written with: xarray 2026.9.0, zarr-python 3.1.6, numcodecs 0.16.6, numpy 2.4.6,
cftime 1.6.6.1 (the exact versions are also recorded in expected.json).

Stores (all small):
- v3_consolidated.zarr: v3, consolidated; noleap time, float32 with NaNs (zstd), packed
  int16 with scale_factor/add_offset/_FillValue (gzip), non-index coordinates (one of
  numpy fixed-length strings: fixed_length_utf32 in v3, "<U4" in v2), an int32
  array with one chunk deleted (reads as the zarr fill_value, 0: v3 does not mask it),
  a group "sub" found through the root's consolidated metadata.
- v3_plain.zarr: v3, not consolidated; a sharded float64 array (blosc inside the shards)
  with a missing chunk (NaN), a nested group "sub".
- v2_consolidated.zarr: v2 with .zmetadata, blosc (zarr-python's v2 default), the same
  variables as v3_consolidated; the int32 array's missing chunk reads as its
  fill_value -1, which v2 treats as _FillValue (masked to NaN).
- v2_plain.zarr: v2 without .zmetadata, gzip and zstd compressors, a missing chunk.
"""

import json
import os
import shutil
import sys

import cftime
import numcodecs
import numpy as np
import xarray as xr
import zarr
from zarr.codecs import BloscCodec, GzipCodec, ZstdCodec

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_io_fixtures import describe  # noqa: E402

DATA = os.path.join(HERE, "..", "data", "zarr")
os.makedirs(DATA, exist_ok=True)


def path(name):
    return os.path.join(DATA, name)


def fresh(name):
    if os.path.exists(path(name)):
        shutil.rmtree(path(name))
    return path(name)


def base():
    """6 noleap days over the end of February, 3 x 4 grid."""
    times = [cftime.DatetimeNoLeap(2001, 2, 26) + np.timedelta64(i, "D").item() for i in range(6)]
    y = np.array([10.0, 20.0, 30.0])
    x = np.array([100, 110, 120, 130], dtype="int32")
    temp = (np.arange(72, dtype="float32").reshape(6, 3, 4) / 4 + 270).astype("float32")
    temp[1, 2, 3] = np.nan
    temp[4, 0, :] = np.nan
    packed = np.linspace(-5, 35, 72).reshape(6, 3, 4)
    packed[2, 1, 1] = np.nan
    counts = np.arange(1, 25, dtype="int32").reshape(6, 4)
    lat = np.array([[1.0, 1.5, 2.0, 2.5], [3.0, 3.5, 4.0, 4.5], [5.0, 5.5, 6.0, 6.5]])
    ds = xr.Dataset(
        {
            "temp": (("time", "y", "x"), temp, {"units": "K", "long_name": "temperature"}),
            "packed": (("time", "y", "x"), packed, {"units": "degC", "valid_range": [-10.0, 40.0], "not_a_number": np.nan}),
            "counts": (("time", "x"), counts, {"note": "int32, one chunk missing"}),
        },
        coords={
            "time": times,
            "y": ("y", y, {"units": "km"}),
            "x": x,
            "lat": (("y", "x"), lat, {"units": "degrees_north"}),
            "station": ("x", np.array(["a", "bb", "ccc", "dddd"])),
        },
        attrs={"title": "xr zarr fixture", "Conventions": "CF-1.8", "version": 3},
    )
    return ds


def remove_chunk(store, array, key):
    p = os.path.join(path(store), array, key)
    assert os.path.exists(p), p
    os.remove(p)


def add_consolidated_subgroup(store, zarr_format):
    """A group "sub" next to the root's arrays, then the root's metadata consolidated
    again (so the group is found through the root's consolidated metadata)."""
    sub = xr.Dataset({"w": (("k",), np.array([7, 8, 9], dtype="int16"))}, attrs={"where": "sub"})
    sub.to_zarr(path(store), group="sub", zarr_format=zarr_format, consolidated=False, mode="a")
    zarr.consolidate_metadata(path(store), zarr_format=zarr_format)


def v3_consolidated():
    ds = base()
    enc = {
        "time": {"units": "days since 2001-01-01", "calendar": "noleap", "dtype": "int32"},
        "temp": {"chunks": (2, 3, 2), "compressors": [ZstdCodec(level=3)]},
        "packed": {
            "dtype": "int16", "scale_factor": 0.01, "add_offset": 15.0, "_FillValue": -32767,
            "chunks": (3, 3, 4), "compressors": [GzipCodec(level=4)],
        },
        "counts": {"chunks": (2, 4)},
    }
    ds.to_zarr(fresh("v3_consolidated.zarr"), zarr_format=3, consolidated=True, encoding=enc)
    remove_chunk("v3_consolidated.zarr", "counts", "c/1/0")
    add_consolidated_subgroup("v3_consolidated.zarr", 3)
    # The consolidated metadata must still list every array after the removal.
    assert "counts" in json.load(open(os.path.join(path("v3_consolidated.zarr"), "zarr.json")))["consolidated_metadata"]["metadata"]


def v3_plain():
    ds = base()[["temp"]].astype("float64")
    ds["temp"].attrs = {"units": "K"}
    enc = {
        "time": {"units": "hours since 2001-02-26", "calendar": "noleap", "dtype": "int64"},
        "temp": {
            "chunks": (1, 3, 2), "shards": (2, 3, 4),
            "compressors": [BloscCodec(cname="zstd", clevel=5, shuffle="shuffle")],
        },
    }
    ds.to_zarr(fresh("v3_plain.zarr"), zarr_format=3, consolidated=False, encoding=enc)
    # Shard (1, 0, 0) holds times 2 and 3: without it they read as the fill value NaN.
    remove_chunk("v3_plain.zarr", "temp", "c/1/0/0")
    sub = xr.Dataset({"v": (("k",), np.array([1.5, 2.5], dtype="float32"))}, attrs={"where": "sub"})
    sub.to_zarr(path("v3_plain.zarr"), group="sub", zarr_format=3, consolidated=False, mode="a")


def v2_consolidated():
    ds = base()
    enc = {
        "time": {"units": "days since 2001-01-01", "calendar": "noleap", "dtype": "int32"},
        "temp": {"chunks": (2, 3, 2)},
        "packed": {"dtype": "int16", "scale_factor": 0.01, "add_offset": 15.0, "_FillValue": -32767, "chunks": (3, 3, 4)},
        "counts": {"chunks": (2, 4), "_FillValue": -1},
    }
    ds.to_zarr(fresh("v2_consolidated.zarr"), zarr_format=2, consolidated=True, encoding=enc)
    remove_chunk("v2_consolidated.zarr", "counts", "1.0")
    add_consolidated_subgroup("v2_consolidated.zarr", 2)


def v2_plain():
    ds = base()[["temp", "packed"]]
    enc = {
        "time": {"units": "days since 2001-01-01", "calendar": "noleap", "dtype": "int32"},
        "temp": {"chunks": (3, 3, 4), "compressors": [numcodecs.GZip(level=5)]},
        "packed": {"dtype": "int16", "scale_factor": 0.01, "add_offset": 15.0, "_FillValue": -32767,
                   "chunks": (2, 3, 4), "compressors": [numcodecs.Zstd(level=1)]},
    }
    ds.to_zarr(fresh("v2_plain.zarr"), zarr_format=2, consolidated=False, encoding=enc)
    remove_chunk("v2_plain.zarr", "temp", "1.0.0")


def expect(name, group=None, **kw):
    coder = xr.coders.CFDatetimeCoder(use_cftime=True)
    with xr.open_zarr(path(name), group=group, decode_times=coder, **kw) as ds:
        ds.load()
        d = describe(ds)
    d["file"] = name
    if group:
        d["group"] = group
    return d


def versions():
    return {
        "xarray": xr.__version__,
        "zarr": zarr.__version__,
        "numcodecs": numcodecs.__version__,
        "numpy": np.__version__,
        "cftime": cftime.__version__,
        "python": sys.version.split()[0],
    }


def main():
    v3_consolidated()
    v3_plain()
    v2_consolidated()
    v2_plain()
    cases = [
        expect("v3_consolidated.zarr"),
        expect("v3_plain.zarr", consolidated=False),
        expect("v3_plain.zarr", group="sub", consolidated=False),
        expect("v3_consolidated.zarr", group="sub"),
        expect("v2_consolidated.zarr"),
        expect("v2_consolidated.zarr", group="sub"),
        expect("v2_plain.zarr", consolidated=False),
    ]
    with open(path("expected.json"), "w") as f:
        json.dump({"versions": versions(), "cases": cases}, f, indent=1, sort_keys=True)
    print("wrote", len(cases), "cases")


if __name__ == "__main__":
    main()
