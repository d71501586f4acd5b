"""Checks that trees written by xr read back in xarray identical to the fixture xarray
wrote (tracker issue 17 item 2). Write them first, e.g. with
    DataTree::open("tests/data/datatree.nc")?.to_netcdf("/tmp/tree.nc")?  (and .to_zarr)
then run:
    /work/venv/bin/python tests/golden/check_xr_datatree.py /tmp/tree.nc /tmp/tree.zarr
"""

import pathlib
import sys

import xarray as xr

ROOT = pathlib.Path(__file__).resolve().parents[2]


def main(paths):
    want = xr.open_datatree(ROOT / "tests" / "data" / "datatree.nc")
    for p in paths:
        got = xr.open_datatree(p, consolidated=False) if p.endswith(".zarr") else xr.open_datatree(p)
        if not want.identical(got):
            raise SystemExit(f"{p}: not identical to xarray's tree\n{got}")
        print(f"{p}: identical, groups {list(got.groups)}")


if __name__ == "__main__":
    main(sys.argv[1:])
