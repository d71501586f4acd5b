"""Fixtures and golden values of tracker issue 17 item 3: plain HDF5 files (written by
h5py, no NetCDF conventions) opened as xarray opens them with
open_dataset(path, engine="h5netcdf", phony_dims="sort", group=...).

Writes tests/data/hdf5_plain.h5 (h5py): datasets of every numeric type, NaNs, chunked
with gzip and shuffle, a dimension scale `x` attached to some datasets and not to one of
its length, datasets without scales (square and not) named phony_dim_N, fixed and
variable-length strings, attributes (strings, numbers, arrays), CF times in standard,
noleap and 360_day calendars, and nested groups with their own scales and phony dims;
and tests/golden/hdf5_golden.json: for every group, xarray's dims and variables.

Run with the reference stack (h5netcdf installed in /work/venv):
    /work/venv/bin/python tests/golden/make_hdf5_golden.py
"""

import json
import math
import pathlib

import h5netcdf
import h5py
import numpy as np
import xarray as xr

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
GOLDEN = ROOT / "tests" / "golden" / "hdf5_golden.json"
GROUPS = ["/", "/grp", "/grp/sub", "/other"]


def to_json(values):
    return [None if isinstance(v, float) and math.isnan(v) else v for v in values]


def write(path):
    rng = np.random.default_rng(3)
    with h5py.File(path, "w") as f:
        f.attrs["title"] = "plain HDF5"
        f.attrs["version"] = np.int32(3)
        f.attrs["levels"] = np.array([1.5, 2.5])
        x = f.create_dataset("x", data=np.array([10.0, 20.0, 30.0, 40.0]))
        x.make_scale("x")
        x.attrs["units"] = "m"
        a = rng.random((6, 4))
        a[1, 2] = np.nan
        d = f.create_dataset("a", data=a, chunks=(4, 2), compression="gzip", shuffle=True)
        # No scales (h5netcdf refuses a mix): the length-4 axis takes the scale x.
        d.attrs["long_name"] = "chunked, deflated"
        for name, dtype in [("i1", "i1"), ("u1", "u1"), ("i2", "i2"), ("u2", "u2"),
                            ("i4", "i4"), ("u4", "u4"), ("i8", "i8"), ("u8", "u8"), ("f4", "f4")]:
            v = f.create_dataset(f"n_{name}", data=(np.arange(4) * 7 % 11).astype(dtype))
            v.dims[0].attach_scale(x)
        f.create_dataset("square", data=np.arange(9.0).reshape(3, 3))
        f.create_dataset("unattached", data=np.arange(4, dtype="i4"))
        f.create_dataset("cube", data=rng.random((2, 3, 2)).astype("f4"), chunks=(1, 3, 2))
        f.create_dataset("fixed", data=np.array([b"ab", b"cde", b""], dtype="S3"))
        f.create_dataset("vlen", data=["hello", "w", "xyz"], dtype=h5py.string_dtype())
        for cal in ["standard", "noleap", "360_day"]:
            t = f.create_dataset(f"t_{cal}", data=np.array([0.0, 31.0, 59.0, 365.0]))
            t.attrs["units"] = "days since 2000-01-01"
            t.attrs["calendar"] = cal
        g = f.create_group("grp")
        g.attrs["kind"] = "group"
        y = g.create_dataset("y", data=np.array([1, 2, 3], dtype="i4"))
        y.make_scale("y")
        v = g.create_dataset("v", data=rng.random((3, 5)))
        v.dims[0].attach_scale(y)
        z = g.create_dataset("z", data=np.arange(5.0) / 2)
        z.make_scale("z")
        v.dims[1].attach_scale(z)
        g.create_dataset("w", data=rng.random((5,)))
        g.create_dataset("p", data=rng.random((3, 5)))
        s = g.create_group("sub")
        s.create_dataset("q", data=np.arange(10, dtype="i2").reshape(5, 2))
        o = f.create_group("other")
        o.create_dataset("r", data=np.arange(7.0))


def describe(ds):
    out = {"dims": {str(k): int(v) for k, v in ds.sizes.items()},
           "coords": sorted(str(c) for c in ds.coords),
           "attrs": {}, "variables": {}}
    for k, v in ds.attrs.items():
        out["attrs"][k] = v if isinstance(v, str) else np.asarray(v).astype("f8").ravel().tolist()
    for name, v in ds.variables.items():
        entry = {"dims": list(v.dims), "shape": list(v.shape), "dtype": str(v.dtype),
                 "attrs": {k: (a if isinstance(a, str) else np.asarray(a).astype("f8").ravel().tolist())
                           for k, a in v.attrs.items()}}
        if v.dtype.kind in "SO" or v.dtype.kind == "U":
            entry["values"] = [s.decode() if isinstance(s, bytes) else str(s) for s in v.values.ravel()]
        elif v.dtype.kind == "M" or v.dtype.kind == "O":
            entry["values"] = [str(s) for s in v.values.ravel()]
        else:
            entry["values"] = to_json(v.values.astype("f8").ravel().tolist())
        out["variables"][str(name)] = entry
    return out


def main():
    path = DATA / "hdf5_plain.h5"
    write(path)
    golden = {"xarray": xr.__version__, "h5netcdf": h5netcdf.__version__, "h5py": h5py.__version__,
              "groups": {}}
    for g in GROUPS:
        with xr.open_dataset(path, engine="h5netcdf", phony_dims="sort", group=g) as ds:
            golden["groups"][g] = describe(ds)
        with xr.open_dataset(path, engine="h5netcdf", phony_dims="sort", group=g,
                             decode_times=False) as raw:
            for name, v in raw.variables.items():
                if "calendar" in v.attrs:
                    golden["groups"][g]["variables"][str(name)]["raw"] = v.values.tolist()
    GOLDEN.write_text(json.dumps(golden, indent=1) + "\n")


if __name__ == "__main__":
    main()
