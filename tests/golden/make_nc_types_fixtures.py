"""Tiny NetCDF files with the types netcdf-c's own tests use, and xarray's view of them.

Writes, under tests/data/:
  nc_nil_strings.nc     NetCDF-4 strings holding NIL (NULL) values, as in ncdump's
                        ref_niltest / ref_tst_h_scalar
  nc_user_types.nc      enum, vlen-string, compound, opaque and vlen-int variables, and
                        user-typed attributes, next to plain variables
  nc_chars.nc           char arrays (NetCDF-4): collapsed into strings or kept as chars
  nc_chars_classic.nc   the same char arrays in a NetCDF-3 classic file
  nc_types_expected.json  what `xarray.open_dataset` reads from each (or the error it
                        raises), with the versions of the tools

NIL strings and user-typed attributes cannot be written through netCDF4-python's API;
they are written with ctypes through the libnetcdf that netCDF4-python bundles.

Run with the reference stack: /work/venv/bin/python tests/golden/make_nc_types_fixtures.py
"""

import ctypes
import glob
import json
import os
import warnings

import netCDF4
import numpy as np
import xarray as xr

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")


def libnetcdf():
    libs = os.path.join(os.path.dirname(netCDF4.__file__), "..", "netcdf4.libs")
    return ctypes.CDLL(glob.glob(os.path.join(libs, "libnetcdf-*.so*"))[0])


LIB = libnetcdf()
NC_WRITE = 1


def check(code):
    if code != 0:
        raise RuntimeError(LIB.nc_strerror(code))


def nc_ids(path, var):
    ncid = ctypes.c_int()
    check(LIB.nc_open(path.encode(), NC_WRITE, ctypes.byref(ncid)))
    varid = ctypes.c_int(-1)
    if var is not None:
        check(LIB.nc_inq_varid(ncid, var.encode(), ctypes.byref(varid)))
    return ncid, varid


def put_strings(path, var, values):
    """Writes `values` (None for NIL) into the 1-D or scalar string variable `var`."""
    ncid, varid = nc_ids(path, var)
    n = max(len(values), 1)
    arr = (ctypes.c_char_p * n)(*[None if v is None else v.encode() for v in values])
    start = (ctypes.c_size_t * 1)(0)
    count = (ctypes.c_size_t * 1)(len(values))
    check(LIB.nc_put_vara_string(ncid, varid, start, count, arr))
    check(LIB.nc_close(ncid))


def put_user_attr(path, var, name, type_name, raw):
    """Writes attribute `name` of the user type `type_name` holding the bytes `raw`."""
    ncid, varid = nc_ids(path, var)
    typeid = ctypes.c_int()
    check(LIB.nc_inq_typeid(ncid, type_name.encode(), ctypes.byref(typeid)))
    size = ctypes.c_size_t()
    check(LIB.nc_inq_type(ncid, typeid, None, ctypes.byref(size)))
    buf = ctypes.create_string_buffer(raw, len(raw))
    check(LIB.nc_redef(ncid))
    check(
        LIB.nc_put_att(
            ncid, varid, name.encode(), typeid, ctypes.c_size_t(len(raw) // size.value), buf
        )
    )
    check(LIB.nc_close(ncid))


def nil_strings():
    path = os.path.join(DATA, "nc_nil_strings.nc")
    with netCDF4.Dataset(path, "w", format="NETCDF4") as ds:
        ds.createDimension("d", 3)
        ds.createVariable("s", str, ("d",))
        ds.createVariable("scalar", str, ())
        x = ds.createVariable("x", "f8", ("d",))
        x[:] = [1.0, 2.0, 3.0]
    put_strings(path, "s", ["a", None, "c"])
    put_strings(path, "scalar", [None])
    return path


def user_types():
    path = os.path.join(DATA, "nc_user_types.nc")
    with netCDF4.Dataset(path, "w", format="NETCDF4") as ds:
        ds.createDimension("d", 3)
        cloud_t = ds.createEnumType(np.uint8, "cloud_t", {"clear": 0, "cumulus": 1, "stratus": 2})
        cloud = ds.createVariable("cloud", cloud_t, ("d",))
        cloud[:] = np.array([0, 2, 1], dtype=np.uint8)
        cloud.long_name = "cloud type"
        names = ds.createVariable("names", str, ("d",))
        names[:] = np.array(["alpha", "beta", "gamma"], dtype=object)
        obs_t = ds.createCompoundType(np.dtype([("time", "f8"), ("temp", "f4")]), "obs_t")
        obs = ds.createVariable("obs", obs_t, ("d",))
        rec = np.zeros(3, dtype=obs_t.dtype)
        rec["time"] = [0.5, 1.5, 2.5]
        rec["temp"] = [280.0, 281.5, 279.25]
        obs[:] = rec
        # Characters become a string member; an array member has no xr equivalent.
        site_dtype = np.dtype([("name", "S1", (4,)), ("height", "i2"), ("pos", "f4", (2,))])
        site_t = ds.createCompoundType(site_dtype, "site_t")
        site = ds.createVariable("site", site_t, ("d",))
        rec = np.zeros(3, dtype=site_t.dtype)
        rec["name"] = np.array([b"ab", b"cdef", b"g"], dtype="S4").view("S1").reshape(3, 4)
        rec["height"] = [10, -20, 30]
        rec["pos"] = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
        site.set_auto_chartostring(False)
        site[:] = rec
        blob_t = ds.createVLType(np.int32, "ragged_t")
        ragged = ds.createVariable("ragged", blob_t, ("d",))
        ragged[0] = np.array([1], dtype=np.int32)
        ragged[1] = np.array([1, 2], dtype=np.int32)
        ragged[2] = np.array([1, 2, 3], dtype=np.int32)
        x = ds.createVariable("x", "f4", ("d",))
        x[:] = [1.0, np.nan, 3.0]
        x.units = "K"
        ds.title = "user types"
    # Opaque types have no netCDF4-python writer: define one and a variable through C.
    ncid, _ = nc_ids(path, None)
    check(LIB.nc_redef(ncid))
    typeid = ctypes.c_int()
    check(LIB.nc_def_opaque(ncid, ctypes.c_size_t(4), b"blob_t", ctypes.byref(typeid)))
    dimid = ctypes.c_int()
    check(LIB.nc_inq_dimid(ncid, b"d", ctypes.byref(dimid)))
    varid = ctypes.c_int()
    dims = (ctypes.c_int * 1)(dimid.value)
    check(LIB.nc_def_var(ncid, b"blob", typeid, 1, dims, ctypes.byref(varid)))
    check(LIB.nc_enddef(ncid))
    raw = ctypes.create_string_buffer(b"abcdefghijkl", 12)
    check(LIB.nc_put_var(ncid, varid, raw))
    check(LIB.nc_close(ncid))
    put_user_attr(path, "x", "flag", "cloud_t", bytes([1]))
    put_user_attr(path, None, "first_obs", "obs_t", np.array([(0.5, 280.0)], dtype=[("time", "f8"), ("temp", "f4")]).tobytes())
    return path


def chars(fmt, name):
    path = os.path.join(DATA, name)
    with netCDF4.Dataset(path, "w", format=fmt) as ds:
        ds.createDimension("n", 3)
        ds.createDimension("strlen", 5)
        ds.createDimension("recNum", 4)
        ds.createDimension("k", 2)
        ds.createDimension("nchar", 4)
        # The last dim is a plain string length: collapsed into strings.
        station = ds.createVariable("station", "S1", ("n", "strlen"))
        station[:] = netCDF4.stringtochar(np.array(["abc", "de", "fghij"], dtype="S5"))
        # Characters along a dim other variables use as a number dim: kept as chars.
        submode = ds.createVariable("submode", "S1", ("recNum",))
        submode[:] = np.array([b"A", b"B", b"", b"D"], dtype="S1")
        rec_temp = ds.createVariable("rec_temp", "f4", ("recNum",))
        rec_temp[:] = [1.0, 2.0, 3.0, 4.0]
        # The last dim has a coordinate variable: kept as chars.
        code = ds.createVariable("code", "S1", ("n", "k"))
        code[:] = np.array([[b"a", b"b"], [b"c", b""], [b"e", b"f"]], dtype="S1")
        kcoord = ds.createVariable("k", "i4", ("k",))
        kcoord[:] = [10, 20]
        # UTF-8 text with _Encoding: collapsed and decoded.
        label = ds.createVariable("label", "S1", ("n", "nchar"))
        label._Encoding = "utf-8"
        label[:] = np.array(["é".encode(), b"ab", b"xyzw"], dtype="S4").view("S1").reshape(3, 4)
        # Latin-1 text with _Encoding: decoded with that charset.
        old = ds.createVariable("old", "S1", ("n", "nchar"))
        old._Encoding = "latin-1"
        old[:] = np.array(["été".encode("latin-1"), b"a", "ça".encode("latin-1")], dtype="S4").view("S1").reshape(3, 4)
        # One character, no dims.
        letter = ds.createVariable("letter", "S1", ())
        letter[...] = np.array(b"z", dtype="S1")
    return path


def as_json(value):
    if isinstance(value, (bytes, np.bytes_)):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray):
        return [as_json(v) for v in value.tolist()] if value.ndim else as_json(value.item())
    if isinstance(value, (list, tuple)):
        return [as_json(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if np.isnan(value) else float(value)
    if isinstance(value, dict):
        return {str(k): as_json(v) for k, v in value.items()}
    return value


def view(path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            ds = xr.open_dataset(path)
        except Exception as e:  # noqa: BLE001 - recorded as xarray's answer
            return {"error": f"{type(e).__name__}: {e}"}
    out = {"warnings": [str(w.message) for w in caught], "attrs": as_json(dict(ds.attrs)),
           "coords": sorted(str(c) for c in ds.coords), "variables": {}}
    for name, var in ds.variables.items():
        entry = {"dims": list(var.dims), "dtype": var.dtype.str, "attrs": as_json(dict(var.attrs))}
        try:
            values = var.values
            if values.dtype.names:
                entry["members"] = {m: as_json(values[m]) for m in values.dtype.names}
            elif values.dtype.kind == "O" and values.size and isinstance(values.flat[0], np.ndarray):
                entry["values"] = [as_json(v) for v in values.tolist()]
            else:
                entry["values"] = as_json(values)
        except Exception as e:  # noqa: BLE001
            entry["error"] = f"{type(e).__name__}: {e}"
        enc = var.encoding
        meta = getattr(enc.get("dtype"), "metadata", None) or {}
        if "enum" in meta:
            entry["enum"] = as_json(meta["enum"])
            entry["enum_name"] = meta["enum_name"]
        if "char_dim_name" in enc:
            entry["char_dim_name"] = enc["char_dim_name"]
        if "_Encoding" in enc:
            entry["_Encoding"] = enc["_Encoding"]
        out["variables"][str(name)] = entry
    ds.close()
    return out


def main():
    files = [
        nil_strings(),
        user_types(),
        chars("NETCDF4", "nc_chars.nc"),
        chars("NETCDF3_CLASSIC", "nc_chars_classic.nc"),
    ]
    expected = {
        "versions": {
            "xarray": xr.__version__,
            "netCDF4": netCDF4.__version__,
            "libnetcdf": netCDF4.__netcdf4libversion__,
            "numpy": np.__version__,
        },
        "files": {os.path.basename(p): view(p) for p in files},
    }
    with open(os.path.join(DATA, "nc_types_expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
