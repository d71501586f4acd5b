"""Fixtures of tracker issue 21, item 7 (sparse files): a few KB each, declaring tens of
GB that were never written, and xarray's view of them.

Writes tests/data/nc_sparse.nc (netCDF-4: chunked variables with a few chunks written),
tests/data/nc_sparse_classic.nc (64-bit offset: a record count far past the records the
file holds) and tests/golden/nc_sparse_golden.json. Run with the reference stack:
    /work/venv/bin/python tests/golden/make_nc_sparse_fixtures.py

xarray cannot reduce 20 GB here, so the stats of the big variables are xarray's
reductions over every written chunk or record (and a margin of unwritten ones), checked
against xarray reading unwritten ones: never-written chunks of a netCDF-4 variable read
as its fill value (NaN once masked), and records past the end of a classic file read as
zeros (netcdf-c zero-fills reads past the end; xarray, through it, does the same). The
`small` variable, with the same structure, is reduced whole by xarray.
"""

import json
import math
import os
import pathlib
import struct

import netCDF4
import numpy as np
import xarray as xr

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
GOLDEN = ROOT / "tests" / "golden" / "nc_sparse_golden.json"

NT, NY, NX = 5000, 1000, 1000  # 5e9 values: 20 GB of float32
# Written chunks: (time index, y slice, x slice, values).
TAS_WRITTEN = [
    (10, slice(0, 2), slice(0, 3), [[271.5, 272.25, np.nan], [280.0, -3.5, 290.125]]),
    (4000, slice(500, 501), slice(10, 14), [[1.5, 2.5, 1000.0, 250.75]]),
]
COUNTS_WRITTEN = [(7, slice(0, 1), slice(0, 5), [[0, 4, -32767, 12, 30000]])]
NRECS = 50_000_000  # classic records declared: 20 GB per variable
NXC = 100  # values per record
RECS_WRITTEN = 3


def stats(da):
    """count, mean, min, max over every dim as xarray computes them (None when empty)."""
    count = int(da.count().values)
    val = lambda x: None if count == 0 or math.isnan(float(x)) else float(x)
    return {
        "count": count,
        "mean": val(da.mean().values),
        "min": val(da.min().values),
        "max": val(da.max().values),
    }


def write_netcdf4(path):
    with netCDF4.Dataset(path, "w", format="NETCDF4") as f:
        for name, n in (("time", NT), ("y", NY), ("x", NX), ("t2", 200), ("y2", 100), ("x2", 100)):
            f.createDimension(name, n)
        big = dict(zlib=True, complevel=9, shuffle=True, chunksizes=(1, NY, NX))
        tas = f.createVariable("tas", "f4", ("time", "y", "x"), fill_value=np.float32(-9999.0), **big)
        tas.units = "K"
        for t, ys, xs, v in TAS_WRITTEN:
            tas[t, ys, xs] = np.array(v, dtype="f4")
        counts = f.createVariable("counts", "i2", ("time", "y", "x"), fill_value=np.int16(-32767), **big)
        counts.scale_factor = 0.5
        counts.add_offset = 10.0
        counts.set_auto_maskandscale(False)
        for t, ys, xs, v in COUNTS_WRITTEN:
            counts[t, ys, xs] = np.array(v, dtype="i2")
        f.createVariable("never", "f8", ("time", "y", "x"), fill_value=1e20, **big)
        small = dict(zlib=True, complevel=9, shuffle=True, chunksizes=(1, 100, 100))
        s = f.createVariable("small", "f4", ("t2", "y2", "x2"), fill_value=np.float32(1e20), **small)
        s[3, 0, :4] = np.array([1.0, np.nan, 3.0, -4.0], dtype="f4")
        s[150, 99, 98:] = np.array([7.0, 8.5], dtype="f4")
        # No _FillValue attribute: xarray does not mask, so unwritten chunks count as
        # netCDF's default fill value (-32767 for shorts).
        nf = f.createVariable("nofill", "i2", ("t2", "y2", "x2"), fill_value=None, **small)
        nf[0, 0, :3] = np.array([1, 2, 3], dtype="i2")


def write_classic(path):
    with netCDF4.Dataset(path, "w", format="NETCDF3_64BIT_OFFSET") as f:
        f.createDimension("time", None)
        f.createDimension("x", NXC)
        a = f.createVariable("a", "f4", ("time", "x"))
        b = f.createVariable("b", "f4", ("time", "x"), fill_value=np.float32(0.0))
        for r in range(RECS_WRITTEN):
            a[r, :] = np.arange(NXC, dtype="f4") * (r + 1) - 10.0
            b[r, :] = np.where(np.arange(NXC) % 3 == 0, 0.0, r + 0.5).astype("f4")
    # numrecs (bytes 4..8 of a CDF-2 header) as a writer leaves it that declared the
    # records and died before writing them: records past the end of the file.
    with open(path, "r+b") as f:
        f.seek(4)
        f.write(struct.pack(">i", NRECS))


def main():
    DATA.mkdir(parents=True, exist_ok=True)
    nc4 = DATA / "nc_sparse.nc"
    classic = DATA / "nc_sparse_classic.nc"
    write_netcdf4(nc4)
    write_classic(classic)
    golden = {
        "versions": {
            "xarray": xr.__version__,
            "netCDF4": netCDF4.__version__,
            "libnetcdf": netCDF4.__netcdf4libversion__,
            "numpy": np.__version__,
        },
        "files": {},
    }

    with xr.open_dataset(nc4) as ds:
        out = {}
        # Written chunks, with unwritten chunks on either side.
        for name, steps in (("tas", [9, 10, 11, 3999, 4000]), ("counts", [6, 7, 8]), ("never", [0, 4999])):
            part = ds[name].isel(time=steps)
            for t in steps:
                if t not in [w[0] for w in TAS_WRITTEN + COUNTS_WRITTEN]:
                    assert int(ds[name].isel(time=t).count()) == 0, (name, t)
            out[name] = {
                "dims": list(ds[name].dims),
                "shape": list(ds[name].shape),
                "dtype": str(ds[name].dtype),
                "stats": stats(part),
                "points": [
                    {"index": [t, 0, 0], "value": (lambda v: None if math.isnan(v) else v)(float(ds[name][t, 0, 0].values))}
                    for t in steps
                ],
            }
        for name in ("small", "nofill"):
            out[name] = {
                "dims": list(ds[name].dims),
                "shape": list(ds[name].shape),
                "dtype": str(ds[name].dtype),
                "stats": stats(ds[name]),
                "points": [],
            }
        golden["files"]["nc_sparse.nc"] = {"bytes": os.path.getsize(nc4), "vars": out}

    with xr.open_dataset(classic) as ds:
        out = {}
        head = 1000  # written records and unwritten ones past the end of the file
        for name in ("a", "b"):
            da = ds[name]
            part = da.isel(time=slice(0, head))
            past = da.isel(time=[head, NRECS // 2, NRECS - 1]).values
            assert (past == 0).all() or np.isnan(past).all(), (name, past)
            s = stats(part)
            rest = (NRECS - head) * da.shape[1]
            masked = bool(np.isnan(past).all())
            if masked:
                full = s
            else:
                n = s["count"] + rest
                full = {
                    "count": n,
                    "mean": s["mean"] * s["count"] / n,
                    "min": min(s["min"], 0.0),
                    "max": max(s["max"], 0.0),
                }
            out[name] = {
                "dims": list(da.dims),
                "shape": list(da.shape),
                "dtype": str(da.dtype),
                "stats": full,
                "points": [
                    {"index": [t, 1], "value": (lambda v: None if math.isnan(v) else v)(float(da[t, 1].values))}
                    for t in (0, 2, 3, NRECS - 1)
                ],
            }
        golden["files"]["nc_sparse_classic.nc"] = {"bytes": os.path.getsize(classic), "vars": out}

    GOLDEN.write_text(json.dumps(golden, indent=1) + "\n")
    for name in ("nc_sparse.nc", "nc_sparse_classic.nc"):
        print(name, os.path.getsize(DATA / name), "bytes")


if __name__ == "__main__":
    main()
