"""Fixtures and golden values of tracker issue 17 item 2: DataTree over the groups of a
NetCDF-4 file and a Zarr store, with xarray's coordinate inheritance.

Writes, with xarray's DataTree:
- tests/data/datatree.nc (to_netcdf) and tests/data/datatree.zarr (to_zarr, v3) of the
  tree below: indexed coords lat/lon at the root, a noleap time axis in /model (two runs
  under it), a standard one in /obs, a 360_day one in /clim; float64/float32 with NaNs,
  int32, a scalar non-index coordinate, group attributes;
- tests/data/datatree_misaligned.nc (netCDF4-python): a group /bad whose own `lat` has
  another length than the root's, which xarray refuses to open as a tree;
and tests/golden/datatree_golden.json: for every group, what xarray's open_datatree gives
for `tree[group].to_dataset()` (inherited coordinates included) and which variables are
the node's own (`to_dataset(inherit=False)`); times as the stored numbers
(decode_times=False) plus their calendar.

Run with the reference stack:
    /work/venv/bin/python tests/golden/make_datatree_golden.py
"""

import json
import math
import pathlib
import shutil

import netCDF4
import numpy as np
import xarray as xr

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
GOLDEN = ROOT / "tests" / "golden" / "datatree_golden.json"


def to_json(values):
    return [None if isinstance(v, float) and math.isnan(v) else v for v in values]


def tree():
    rng = np.random.default_rng(17)
    lat = np.array([-30.0, 0.0, 30.0])
    lon = np.array([0.0, 90.0, 180.0, 270.0])
    orog = rng.random((3, 4)) * 1000
    orog[1, 2] = np.nan
    root = xr.Dataset(
        {"orog": (("lat", "lon"), orog, {"units": "m"})},
        coords={"lat": ("lat", lat, {"units": "degrees_north"}), "lon": ("lon", lon)},
        attrs={"title": "datatree fixture"},
    )

    def times(cal, start, n):
        return xr.date_range(start, periods=n, freq="D", calendar=cal, use_cftime=True)

    tas = (250 + 50 * rng.random((5, 3, 4))).astype("f4")
    tas[0, 0, 0] = np.nan
    model = xr.Dataset(
        {
            "tas": (("time", "lat", "lon"), tas, {"units": "K"}),
            "count": (("time",), np.arange(5, dtype="i4") * 3 - 4),
        },
        coords={"time": times("noleap", "2001-02-26", 5)},
        attrs={"source": "model"},
    )
    pr1 = rng.random((5, 3))
    pr1[2, 1] = np.nan
    run1 = xr.Dataset(
        {"pr": (("time", "lat"), pr1)},
        coords={"height": ((), 2.0, {"units": "m"})},
        attrs={"member": "r1"},
    )
    run2 = xr.Dataset({"pr": (("time", "lat"), rng.random((5, 3)))}, attrs={"member": "r2"})
    obs = xr.Dataset(
        {"tas": (("time", "lat"), rng.random((4, 3)) + 280)},
        coords={"time": times("standard", "2000-02-27", 4)},
    )
    clim = xr.Dataset(
        {"tas": (("time",), [1.0, np.nan, 3.0])},
        coords={"time": times("360_day", "2000-02-29", 3)},
    )
    return xr.DataTree.from_dict(
        {"/": root, "/model": model, "/model/run1": run1, "/model/run2": run2,
         "/obs": obs, "/clim": clim}
    )


def describe(node_ds, own_names, raw_ds):
    out = {"coords": sorted(str(c) for c in node_ds.coords),
           "own": sorted(str(v) for v in own_names),
           "attrs": {k: (v if isinstance(v, str) else float(v)) for k, v in node_ds.attrs.items()},
           "dims": {str(k): int(v) for k, v in node_ds.sizes.items()},
           "variables": {}}
    for name, v in node_ds.variables.items():
        entry = {"dims": list(v.dims), "shape": list(v.shape), "dtype": str(v.dtype)}
        if np.issubdtype(v.dtype, np.number):
            entry["values"] = to_json(v.values.astype("f8").ravel().tolist())
        else:
            raw = raw_ds[name]
            entry["values"] = to_json(raw.values.astype("f8").ravel().tolist())
            entry["calendar"] = raw.attrs.get("calendar")
            entry["units"] = raw.attrs.get("units")
        out["variables"][str(name)] = entry
    return out


def misaligned(path):
    with netCDF4.Dataset(path, "w") as f:
        f.createDimension("lat", 3)
        f.createVariable("lat", "f8", ("lat",))[:] = [-30.0, 0.0, 30.0]
        g = f.createGroup("bad")
        g.createDimension("lat", 2)
        g.createVariable("lat", "f8", ("lat",))[:] = [-10.0, 10.0]
        g.createVariable("t", "f8", ("lat",))[:] = [1.0, 2.0]


def main():
    t = tree()
    nc = DATA / "datatree.nc"
    store = DATA / "datatree.zarr"
    nc.unlink(missing_ok=True)
    shutil.rmtree(store, ignore_errors=True)
    t.to_netcdf(nc)
    t.to_zarr(store)
    misaligned(DATA / "datatree_misaligned.nc")
    try:
        xr.open_datatree(DATA / "datatree_misaligned.nc")
        raise SystemExit("xarray opened the misaligned tree")
    except ValueError as e:
        misaligned_error = str(e).splitlines()[0]
    golden = {"xarray": xr.__version__, "misaligned_error": misaligned_error, "groups": {}}
    opened = xr.open_datatree(nc)
    raw = xr.open_datatree(nc, decode_times=False)
    golden["group_order"] = list(opened.groups)
    for g in opened.groups:
        node = opened[g]
        golden["groups"][g] = describe(
            node.to_dataset(), node.to_dataset(inherit=False).variables, raw[g].to_dataset()
        )
    GOLDEN.write_text(json.dumps(golden, indent=1) + "\n")


if __name__ == "__main__":
    main()
