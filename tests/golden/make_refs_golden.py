"""Kerchunk references of NetCDF-4 fixtures, for tests/remote_netcdf.rs.

Writes tests/golden/refs_golden.json: for each file, kerchunk's own references
(`SingleHdf5ToZarr`, which reads the chunk index through h5py) as
{key: [offset, length]} for every chunk it references by byte range, and the numcodecs
ids of each variable's filters and compressor. xr's references must point at the same
bytes. Also writes tests/golden/kerchunk_NAME.json, kerchunk's reference files as it
writes them (raw and base64 inline data, ranges; targets made relative), for xr to read.
Tool versions are recorded in refs_golden.json.

With --check DIR (a directory holding xr's NAME.json for each NAME.nc, written by
`xr refs tests/data/NAME.nc DIR/NAME.json`; `bench/remote/check_refs.sh` does both), opens each with xarray through fsspec's
reference filesystem and the Zarr engine and compares it to xarray's open_dataset of the
file (values, dims, dtypes, attrs, CF-decoded time): xarray reads what xr writes.

Run: /work/venv/bin/python tests/golden/make_refs_golden.py [--check DIR]
"""

import json
import os
import sys
import warnings

import fsspec
import h5py
import kerchunk
import numpy as np
import xarray as xr
from kerchunk.hdf import SingleHdf5ToZarr

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")
FILES = [
    "refs_filters",
    "chunks/basic",
    "compressed_chunked",
    "append_base_noleap",
    "append_base_360_day",
    "day360_daily",
    "mf_2000",
    "nc_sparse",
]


def write_fixture(path):
    """tests/data/refs_filters.nc: the filter pipelines, byte orders and fill rules a
    reference file must carry (fletcher32 first, then shuffle and deflate, as netcdf-c
    writes them; zstd; big-endian; chunks never written with and without _FillValue;
    packed integers; a noleap time axis on an unlimited dim)."""
    import netCDF4

    rng = np.random.default_rng(17)
    with netCDF4.Dataset(path, "w") as d:
        d.title = "reference file fixture"
        d.createDimension("time", None)
        d.createDimension("lat", 5)
        d.createDimension("lon", 7)
        t = d.createVariable("time", "f8", ("time",))
        t.units = "days since 2000-01-01"
        t.calendar = "noleap"
        t[:] = np.arange(6) * 1.5
        lat = d.createVariable("lat", "f4", ("lat",), contiguous=True)
        lat[:] = np.linspace(-60, 60, 5)
        lat.units = "degrees_north"
        lon = d.createVariable("lon", "f4", ("lon",), contiguous=True)
        lon[:] = np.linspace(0, 300, 7)
        dims = ("time", "lat", "lon")
        a = d.createVariable("a", "f4", dims, zlib=True, shuffle=True, fletcher32=True,
                             chunksizes=(2, 3, 4), fill_value=np.float32(np.nan))
        va = rng.normal(size=(6, 5, 7)).astype("f4")
        va[1, 2, 3] = np.nan
        a[:] = va
        a.valid_range = np.array([-10, 10], dtype="f4")
        b = d.createVariable("b", "f8", dims, zlib=True, complevel=5, chunksizes=(3, 5, 7),
                             endian="big")
        b[:] = rng.normal(size=(6, 5, 7))
        c = d.createVariable("c", "i2", dims, zlib=True, chunksizes=(1, 5, 7))
        c.scale_factor = 0.5
        c.add_offset = 10.0
        c.set_auto_maskandscale(False)
        c[0, :, :] = rng.integers(-100, 100, size=(5, 7)).astype("i2")
        c[4, :, :] = rng.integers(-100, 100, size=(5, 7)).astype("i2")
        e = d.createVariable("e", "u1", ("lat", "lon"), chunksizes=(5, 7), fill_value=255)
        e[:] = rng.integers(0, 250, size=(5, 7)).astype("u1")
        f = d.createVariable("f", "i8", ("time", "lon"), compression="zstd", complevel=3,
                             chunksizes=(4, 4))
        f[:] = rng.integers(-1000, 1000, size=(6, 7))
        g = d.createVariable("g", "f4", ("lat", "lon"), fletcher32=True, chunksizes=(2, 7))
        g[:] = rng.normal(size=(5, 7)).astype("f4")
        h = d.createVariable("h", "i4", ("lat", "lon"), zlib=True, chunksizes=(2, 2))
        h[0:2, 0:2] = np.arange(4).reshape(2, 2)


def kerchunk_golden(name):
    path = os.path.join(DATA, name + ".nc")
    refs = SingleHdf5ToZarr(path, inline_threshold=0).translate()["refs"]
    chunks, codecs = {}, {}
    for key, value in refs.items():
        if key.endswith(".zarray"):
            meta = json.loads(value)
            ids = [f["id"] for f in (meta.get("filters") or [])]
            if meta.get("compressor"):
                ids.append(meta["compressor"]["id"])
            codecs[key.split("/")[0]] = ids
        elif isinstance(value, list) and len(value) == 3:
            chunks[key] = [int(value[1]), int(value[2])]
    # Only chunked variables: kerchunk references contiguous ones by one range, xr
    # inlines them.
    with h5py.File(path, "r") as f:
        chunked = {n for n, d in f.items() if isinstance(d, h5py.Dataset) and d.chunks}
    chunks = {k: v for k, v in chunks.items() if k.split("/")[0] in chunked}
    codecs = {k: v for k, v in codecs.items() if k in chunked}
    return {"chunks": chunks, "codecs": codecs}


# Written by kerchunk for xr to read (targets relative to tests/golden/).
KERCHUNK_WRITTEN = ["compressed_chunked", "append_base_noleap", "day360_daily", "mf_2000"]


def write_kerchunk_refs(name):
    path = os.path.join(DATA, name + ".nc")
    refs = SingleHdf5ToZarr(path).translate()
    for key, value in refs["refs"].items():
        if isinstance(value, list):
            value[0] = "../data/" + name + ".nc"
    with open(os.path.join(HERE, f"kerchunk_{name}.json"), "w") as f:
        json.dump(refs, f)


def check(directory):
    failures = 0
    # nc_sparse is 20 GB when loaded: its references are checked against kerchunk's only.
    for name in [f for f in FILES if f != "nc_sparse"]:
        refs = os.path.join(directory, os.path.basename(name) + ".json")
        ours = xr.open_dataset(
            "reference://",
            engine="zarr",
            backend_kwargs={"consolidated": False, "storage_options": {"fo": refs}},
        )
        theirs = xr.open_dataset(os.path.join(DATA, name + ".nc"))
        warnings.simplefilter("ignore")  # basic.nc repeats dims on purpose
        try:
            xr.testing.assert_identical(ours.load(), theirs.load())
            for v in theirs.variables:
                assert ours[v].dtype == theirs[v].dtype, (v, ours[v].dtype, theirs[v].dtype)
            print(f"{name}: identical")
        except AssertionError as e:
            failures += 1
            print(f"{name}: DIFFERS\n{e}")
    return failures


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        sys.exit(1 if check(sys.argv[2]) else 0)
    write_fixture(os.path.join(DATA, "refs_filters.nc"))
    out = {
        "tools": {
            "kerchunk": kerchunk.__version__,
            "h5py": h5py.__version__,
            "xarray": xr.__version__,
            "fsspec": fsspec.__version__,
            "numpy": np.__version__,
        },
        "files": {name: kerchunk_golden(name) for name in FILES},
        "kerchunk_written": KERCHUNK_WRITTEN,
    }
    for name in KERCHUNK_WRITTEN:
        write_kerchunk_refs(name)
    with open(os.path.join(HERE, "refs_golden.json"), "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
