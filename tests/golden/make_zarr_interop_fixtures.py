"""Writes the Zarr interop fixtures of tests/io_zarr_interop.rs into
tests/data/zarr/interop/, and tests/data/zarr/interop/expected.json: what xarray reads
from each store (or the error it gives).

Run from the repository root with the reference stack:
    /work/venv/bin/pip install zarr tensorstore netCDF4   # once
    /work/venv/bin/python tests/golden/make_zarr_interop_fixtures.py

Writers (versions recorded in expected.json):
- zarr-python 3 (zarr_format=2 and 3) through xarray's to_zarr and zarr directly:
  object strings (v2 "|O" + vlen-utf8, v3 "string"), byte strings (v2 "|S2", v3
  null_terminated_bytes), float16, raw datetime64 ("<M8[s]", v3 numpy.datetime64), a 0-d
  array with no dimension names, raw timedelta64 ("<m8[s]" and "<m8[ns]", v3
  numpy.timedelta64, with NaT).
- CF-encoded timedeltas (cf_timedelta_v2/v3.zarr): xarray's own (`units` plus its
  `dtype: timedelta64[..]` attribute) and a bare `units: "hours"` int32 with a fill
  value, as other CF writers store durations. xarray 2026.9 decodes the bare one only
  with decode_timedelta=True, which is how expected.json reads them (xr's default).

- xarray's own to_zarr with its defaults (xarray_defaults_v2/v3.zarr): datetimes with
  NaT (int64, NaT as int64's minimum, no _FillValue), noleap and 360_day times, bools,
  strings, uint16, float32 with NaN. Read without use_cftime: xarray 2026.9's cftime
  path fails on its own NaT sentinel ("OverflowError: time values outside range of 64
  bit signed integers").

Timedelta values in expected.json are microseconds (numpy's astype("m8[us]"), which
floors; null for NaT), the unit xr holds them in.

Also checks the stores xr wrote from these (tests/data/zarr/interop/xr_timedelta_v2/v3.zarr,
written by the ignored test `write_timedelta_fixtures` of tests/io_zarr_interop.rs): xarray
must read the timedeltas xr read; and xr_defaults_v2/v3.zarr (xarray_defaults written
again by xr), which xarray must read as it reads xarray_defaults.
- TensorStore (v2 and v3 drivers): int16 with a fill value, float32; dims added by hand
  (_ARRAY_DIMENSIONS / dimension_names) since TensorStore writes none.
- z5py is not on PyPI: z5py_style.zarr is its layout (v2, "fill_value": 0.0 on an
  integer array) written by zarr-python and patched as z5py writes it.
- zarrita became zarr-python 3 (its v3 output is zarr-python 3's): no separate store.
- netcdf-c NCZarr (netCDF4-python's library) with mode=nczarr: nczarr.zarr as 4.9+
  writes it, and nczarr_pre49.zarr rewritten to netcdf-c 4.8's layout
  (_nczarr_array.dimrefs inside .zarray, no _ARRAY_DIMENSIONS). xarray 2026.9 no
  longer reads that layout (its error is the expectation); xr reads it as nczarr.zarr.
- unreadable_v2.zarr: one complex64 variable next to readable ones (xarray reads it;
  xr has no complex type).
"""

import importlib.metadata
import json
import os
import shutil
import sys

import cftime
import netCDF4
import numcodecs
import numpy as np
import tensorstore as ts
import xarray as xr
import zarr

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_io_fixtures import describe  # noqa: E402

DATA = os.path.normpath(os.path.join(HERE, "..", "data", "zarr", "interop"))
os.makedirs(DATA, exist_ok=True)


def path(name):
    return os.path.join(DATA, name)


def fresh(name):
    if os.path.exists(path(name)):
        shutil.rmtree(path(name))
    return path(name)


def edit_json(file, change):
    with open(file) as f:
        doc = json.load(f)
    change(doc)
    with open(file, "w") as f:
        json.dump(doc, f, indent=2)


def types_store(zarr_format):
    """Strings, byte strings, float16, raw datetime64, 0-d arrays."""
    name = f"zarr_python_v{zarr_format}_types.zarr"
    ds = xr.Dataset(
        {
            "name": ("x", np.array(["a", "bb", "ccc"], dtype=object)),
            "code": ("x", np.array([b"ab", b"c", b"de"])),
            "half": ("x", np.array([1.5, np.nan, -2.25], dtype="f2")),
            "temp": (("t", "x"), np.arange(6, dtype="f4").reshape(2, 3), {"units": "K"}),
        },
        coords={"height": ((), 2.0, {"units": "m"})},
        attrs={"title": "zarr-python types"},
    )
    enc = {v: {"compressors": None} for v in ds.variables}
    ds.to_zarr(fresh(name), zarr_format=zarr_format, mode="w", encoding=enc, consolidated=False)
    g = zarr.open_group(path(name), mode="a")
    dims = {"dimension_names": ["x"]} if zarr_format == 3 else {}
    stamp = g.create_array("stamp", shape=(3,), dtype="M8[s]", compressors=None, **dims)
    stamp[:] = np.array(["2001-01-01", "2001-01-02T12", "NaT"], dtype="M8[s]")
    span = g.create_array("span", shape=(3,), dtype="m8[s]", compressors=None, **dims)
    span[:] = np.array([0, "NaT", -3600], dtype="m8[s]")
    span_ns = g.create_array("span_ns", shape=(3,), dtype="m8[ns]", compressors=None, **dims)
    span_ns[:] = np.array([1500, -1500, "NaT"], dtype="m8[ns]")
    scalar = g.create_array("scalar", shape=(), dtype="f8", compressors=None)
    scalar[...] = 3.5
    if zarr_format == 2:
        stamp.attrs["_ARRAY_DIMENSIONS"] = ["x"]
        span.attrs["_ARRAY_DIMENSIONS"] = ["x"]
        span_ns.attrs["_ARRAY_DIMENSIONS"] = ["x"]
        scalar.attrs["_ARRAY_DIMENSIONS"] = []
    zarr.consolidate_metadata(path(name))
    return name


def cf_timedelta_store(zarr_format):
    """Timedeltas as CF numbers: xarray's encoding, and a bare `units: "hours"`."""
    name = f"cf_timedelta_v{zarr_format}.zarr"
    ds = xr.Dataset({"lead": ("step", np.array([0, 6 * 3600, -30 * 3600, "NaT"], dtype="m8[s]"))})
    ds.to_zarr(fresh(name), zarr_format=zarr_format, mode="w", consolidated=False)
    g = zarr.open_group(path(name), mode="a")
    dims = {"dimension_names": ["step"]} if zarr_format == 3 else {}
    wait = g.create_array("wait", shape=(4,), dtype="i4", compressors=None, fill_value=-1, **dims)
    wait[:] = [1, 2, -1, 48]
    wait.attrs["units"] = "hours"
    if zarr_format == 2:
        wait.attrs["_ARRAY_DIMENSIONS"] = ["step"]
    else:
        wait.attrs["_FillValue"] = -1
    return name


def xarray_defaults_store(zarr_format):
    name = f"xarray_defaults_v{zarr_format}.zarr"
    ds = xr.Dataset(
        {
            "when": ("x", np.array(["2001-01-01", "NaT", "2001-03-01T06"], dtype="M8[ns]")),
            "flag": ("x", np.array([True, False, True])),
            "label": ("x", np.array(["a", "", "ccc"])),
            "count": ("x", np.array([1, 2, 3], dtype="u2")),
            "temp": (("t", "x"), np.array([[1.5, np.nan, 3.0], [4.0, 5.0, np.nan]], dtype="f4"), {"units": "K"}),
        },
        coords={
            "t": xr.date_range("2001-01-01", periods=2, calendar="noleap", use_cftime=True),
            "d360": ("t", [cftime.Datetime360Day(2001, 2, 30), cftime.Datetime360Day(2001, 2, 29)]),
        },
    )
    ds.to_zarr(fresh(name), zarr_format=zarr_format, mode="w")
    return name


def check_xr_defaults():
    """xarray reads the stores xr wrote from xarray_defaults as it reads those."""
    for f in (2, 3):
        written = path(f"xr_defaults_v{f}.zarr")
        if not os.path.exists(written):
            print(f"no {written}: run the ignored test write_timedelta_fixtures first")
            continue
        with xr.open_zarr(written, consolidated=False) as got, xr.open_zarr(path(f"xarray_defaults_v{f}.zarr")) as want:
            assert sorted(got.variables) == sorted(want.variables), (written, list(got.variables))
            for k, v in want.variables.items():
                assert [str(x) for x in got[k].values.ravel()] == [str(x) for x in v.values.ravel()], (written, k)
                assert got[k].dtype.kind == v.dtype.kind or {got[k].dtype.kind, v.dtype.kind} <= {"U", "T", "O"}, (written, k)
        print("xarray reads", os.path.basename(written), "as it reads", f"xarray_defaults_v{f}.zarr")


def check_xr_timedeltas():
    """xarray reads the timedeltas of the stores xr wrote as xr read them."""
    for f in (2, 3):
        written = path(f"xr_timedelta_v{f}.zarr")
        if not os.path.exists(written):
            print(f"no {written}: run the ignored test write_timedelta_fixtures first")
            continue
        sources = [f"zarr_python_v{f}_types.zarr", f"cf_timedelta_v{f}.zarr"]
        with xr.open_zarr(written, consolidated=False) as ds:
            for src in sources:
                with xr.open_zarr(path(src), consolidated=False, decode_timedelta=True) as orig:
                    for k, v in orig.variables.items():
                        if v.dtype.kind != "m":
                            continue
                        got = ds[f"{src.split('_')[0]}_{k}"]
                        assert got.dtype.kind == "m", (written, k, got.dtype)
                        np.testing.assert_array_equal(
                            got.values.astype("m8[us]"), v.values.astype("m8[us]"), err_msg=f"{written} {k}")
        print("xarray reads the timedeltas of", os.path.basename(written), "as xr wrote them")


def tensorstore_store(zarr_format):
    name = f"tensorstore_v{zarr_format}.zarr"
    fresh(name)
    driver = "zarr3" if zarr_format == 3 else "zarr"
    for var, dtype, fill, values in [
        ("count", "int16", -1, np.array([[1, 2, -1], [4, 5, 6]], dtype="i2")),
        ("wind", "float32", None, np.array([[0.5, np.nan, 2.0], [3.0, 4.5, -1.0]], dtype="f4")),
    ]:
        metadata = {"shape": [2, 3], "data_type" if zarr_format == 3 else "dtype": dtype}
        if zarr_format == 3:
            metadata["chunk_grid"] = {"name": "regular", "configuration": {"chunk_shape": [1, 3]}}
            metadata["dimension_names"] = ["y", "x"]
            metadata["codecs"] = [{"name": "bytes", "configuration": {"endian": "little"}}]
            if fill is not None:
                metadata["fill_value"] = fill
        else:
            metadata["dtype"] = np.dtype(dtype).str
            metadata["chunks"] = [1, 3]
            metadata["compressor"] = None
            metadata["fill_value"] = fill
        spec = {"driver": driver, "kvstore": {"driver": "file", "path": os.path.join(path(name), var)}, "metadata": metadata}
        arr = ts.open(spec, create=True).result()
        arr.write(values).result()
        if zarr_format == 2:
            with open(os.path.join(path(name), var, ".zattrs"), "w") as f:
                json.dump({"_ARRAY_DIMENSIONS": ["y", "x"], "units": "1"}, f)
    if zarr_format == 3:
        with open(os.path.join(path(name), "zarr.json"), "w") as f:
            json.dump({"zarr_format": 3, "node_type": "group", "attributes": {}}, f)
    else:
        with open(os.path.join(path(name), ".zgroup"), "w") as f:
            json.dump({"zarr_format": 2}, f)
    return name


def z5py_style():
    """An int32 array with "fill_value": 0.0, as z5py writes integer arrays."""
    name = "z5py_style.zarr"
    g = zarr.open_group(fresh(name), mode="w", zarr_format=2)
    a = g.create_array("counts", shape=(4,), dtype="i4", chunks=(2,), compressors=None, fill_value=0)
    a[:] = [3, 0, 7, 9]
    a.attrs["_ARRAY_DIMENSIONS"] = ["x"]
    edit_json(os.path.join(path(name), "counts", ".zarray"), lambda d: d.update(fill_value=0.0))
    return name


def nczarr():
    name = "nczarr.zarr"
    fresh(name)
    d = netCDF4.Dataset(f"file://{os.path.abspath(path(name))}#mode=nczarr,file", "w")
    d.title = "nczarr"
    d.createDimension("x", 3)
    x = d.createVariable("x", "i4", ("x",))
    x[:] = [10, 20, 30]
    v = d.createVariable("v", "f4", ("x",))
    v.units = "m"
    v[:] = [1.0, 2.5, 4.0]
    d.close()
    old = "nczarr_pre49.zarr"
    shutil.copytree(path(name), fresh(old))
    for var in ("x", "v"):
        attrs_file = os.path.join(path(old), var, ".zattrs")
        with open(attrs_file) as f:
            attrs = json.load(f)
        array = attrs.pop("_nczarr_array")
        attrs.pop("_ARRAY_DIMENSIONS", None)
        with open(attrs_file, "w") as f:
            json.dump(attrs, f)
        dimrefs = array.pop("dimension_references")
        edit_json(os.path.join(path(old), var, ".zarray"), lambda z: z.update(_nczarr_array={"dimrefs": dimrefs, "storage": "chunked"}))
    return [name, old]


def unreadable():
    name = "unreadable_v2.zarr"
    ds = xr.Dataset(
        {
            "good": ("x", np.array([1.0, 2.0, 3.0])),
            "wave": ("x", np.array([1 + 2j, 3 - 1j, 0j], dtype="c8")),
        },
        coords={"x": [0, 1, 2]},
    )
    enc = {v: {"compressors": None} for v in ds.variables}
    ds.to_zarr(fresh(name), zarr_format=2, mode="w", encoding=enc)
    return name


def expect(name, group=None, drop=(), cftime_times=True, **kw):
    coder = xr.coders.CFDatetimeCoder(use_cftime=True if cftime_times else None)
    try:
        with xr.open_zarr(path(name), group=group, decode_times=coder, drop_variables=list(drop), **kw) as ds:
            ds.load()
            # numpy's StringDType as the object strings that describe() knows.
            ds = ds.assign_coords({k: v.astype(object) for k, v in ds.coords.items() if v.dtype.kind == "T"})
            ds = ds.assign({k: v.astype(object) for k, v in ds.data_vars.items() if v.dtype.kind == "T"})
            d = describe(ds)
            # Timedeltas in microseconds (floored, as numpy casts), null for NaT.
            for k, v in ds.variables.items():
                if v.dtype.kind == "m":
                    d["variables"][k]["values"] = [
                        None if np.isnat(x) else int(x.astype("m8[us]").astype("i8")) for x in v.values.ravel()
                    ]
        d["dtypes"] = {k: str(v.dtype) for k, v in ds.variables.items()}
    except Exception as e:  # noqa: BLE001 - the error is the expectation
        d = {"error": type(e).__name__, "message": str(e)}
    d["file"] = name
    if group:
        d["group"] = group
    if drop:
        d["dropped"] = list(drop)
    return d


def versions():
    return {
        "xarray": xr.__version__,
        "zarr": zarr.__version__,
        "tensorstore": importlib.metadata.version("tensorstore"),
        "netCDF4": netCDF4.__version__,
        "netcdf-c": netCDF4.__netcdf4libversion__,
        "numcodecs": numcodecs.__version__,
        "numpy": np.__version__,
        "cftime": cftime.__version__,
        "python": sys.version.split()[0],
    }


def main():
    cases = []
    for f in (2, 3):
        name = types_store(f)
        cases.append(expect(name))
        cases.append(expect(name, group="missing"))
    for f in (2, 3):
        cases.append(expect(cf_timedelta_store(f), consolidated=False, decode_timedelta=True))
    for f in (2, 3):
        cases.append(expect(xarray_defaults_store(f), cftime_times=False))
    for f in (2, 3):
        cases.append(expect(tensorstore_store(f), consolidated=False))
    cases.append(expect(z5py_style(), consolidated=False))
    for name in nczarr():
        cases.append(expect(name, consolidated=False))
    name = unreadable()
    cases.append(expect(name))
    cases.append(expect(name, drop=["wave"]))
    with open(path("expected.json"), "w") as f:
        json.dump({"versions": versions(), "cases": cases}, f, indent=1, sort_keys=True)
    print("wrote", len(cases), "cases")
    check_xr_timedeltas()
    check_xr_defaults()


if __name__ == "__main__":
    main()
