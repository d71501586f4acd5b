"""Writes the NetCDF fixtures of tests/io_netcdf.rs into tests/data/, and expected.json:
what xarray reads from each (dims, coords, values, attrs, CF encoding).

Run from the repository root with the reference stack:
    /work/venv/bin/python tests/golden/make_io_fixtures.py
`--expect-only` rewrites expected.json from the committed files without rewriting them
(`--only NAME ...` writes just those fixtures first, e.g. `--only classic_strings`).

Written with: xarray 2026.9.0, netCDF4 1.7.5.1.post1 (libnetcdf 4.10.1, HDF5 2.2.0),
numpy 2.4.6, cftime 1.6.6.1 (the exact versions are also recorded in expected.json).
"""

import json
import os
import shutil
import sys

import cftime
import netCDF4
import numpy as np
import xarray as xr

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")
os.makedirs(DATA, exist_ok=True)


def path(name):
    return os.path.join(DATA, name)


def remove(name):
    if os.path.exists(path(name)):
        os.remove(path(name))


# ---------------------------------------------------------------- fixtures

def noleap_daily():
    """Daily time on noleap across the end of February, float32 with NaNs."""
    times = [cftime.DatetimeNoLeap(2001, 2, 20) + np.timedelta64(i, "D").item() for i in range(12)]
    lat = np.array([-45.0, 0.0, 45.0])
    tas = np.arange(36, dtype="float32").reshape(12, 3) / 4 + 270
    tas[3, 1] = np.nan
    tas[7, :] = np.nan
    ds = xr.Dataset(
        {"tas": (("time", "lat"), tas, {"units": "K", "long_name": "air temperature"})},
        coords={"time": times, "lat": ("lat", lat, {"units": "degrees_north"})},
        attrs={"title": "noleap daily", "Conventions": "CF-1.8"},
    )
    enc = {"time": {"units": "days since 2001-01-01", "calendar": "noleap", "dtype": "int32"}}
    ds.to_netcdf(path("noleap_daily.nc"), encoding=enc, format="NETCDF4")


def day360_daily():
    """Six-hourly time on 360_day across 30 February, hours since, double time."""
    times = [cftime.Datetime360Day(2000, 2, 29) + np.timedelta64(6 * i, "h").item() for i in range(10)]
    x = np.arange(4, dtype="int32")
    pr = (np.arange(40, dtype="float64").reshape(10, 4) * 0.5)
    ds = xr.Dataset(
        {"pr": (("time", "x"), pr, {"units": "mm"})},
        coords={"time": times, "x": x},
    )
    enc = {"time": {"units": "hours since 2000-01-01 00:00:00", "calendar": "360_day", "dtype": "float64"}}
    ds.to_netcdf(path("day360_daily.nc"), encoding=enc, format="NETCDF4")


def packed_int16():
    """int16 packed with scale_factor/add_offset and _FillValue; a float var with NaNs and
    a custom _FillValue; an int var with _FillValue (decoded to float)."""
    t = np.array([[270.0, 271.5, np.nan, 280.25], [290.0, np.nan, 300.0, 250.75]])
    rain = np.array([[0.0, 1.5, np.nan, 3.0], [np.nan, 2.0, 2.5, 0.5]], dtype="float32")
    count = np.array([[1, 2, -99, 4], [5, -99, 7, 8]], dtype="int16")
    ds = xr.Dataset(
        {
            "t": (("y", "x"), t, {"units": "K"}),
            "rain": (("y", "x"), rain),
            "count": (("y", "x"), count),
        },
        coords={"y": [0, 1], "x": [10.0, 20.0, 30.0, 40.0]},
    )
    enc = {
        "t": {"dtype": "int16", "scale_factor": 0.01, "add_offset": 273.15, "_FillValue": -32767},
        "rain": {"_FillValue": -1.0e20},
        "count": {"_FillValue": np.int16(-99)},
    }
    ds.to_netcdf(path("packed_int16.nc"), encoding=enc, format="NETCDF4")


def compressed_chunked():
    """zlib + shuffle, explicit chunks; 2-D non-index coordinates (the `coordinates`
    attribute) and a bounds variable."""
    nt, ny, nx = 20, 8, 8
    rng = np.random.default_rng(42)
    data = rng.normal(size=(nt, ny, nx)).astype("float32")
    times = np.array("2000-01-01", dtype="datetime64[ns]") + np.arange(nt) * np.timedelta64(1, "D")
    lon2d, lat2d = np.meshgrid(np.linspace(0, 7, nx), np.linspace(40, 47, ny))
    bnds = np.stack([np.arange(nt), np.arange(nt) + 1], axis=1).astype("float64")
    ds = xr.Dataset(
        {
            "z": (("time", "y", "x"), data, {"units": "m"}),
            "time_bnds": (("time", "nv"), bnds),
        },
        coords={
            "time": ("time", times, {"bounds": "time_bnds"}),
            "lat": (("y", "x"), lat2d),
            "lon": (("y", "x"), lon2d),
        },
    )
    enc = {
        "z": {"zlib": True, "complevel": 4, "shuffle": True, "chunksizes": (5, 4, 4)},
        "time": {"units": "days since 2000-01-01", "dtype": "int32"},
    }
    ds.to_netcdf(path("compressed_chunked.nc"), encoding=enc, format="NETCDF4")


def classic():
    """NetCDF-3 classic: record (unlimited) time dim, int16 and float64 vars, a char var."""
    ds = xr.Dataset(
        {
            "level": (("time", "z"), np.arange(12, dtype="int16").reshape(4, 3)),
            "temp": (("time", "z"), np.linspace(-1, 1, 12).reshape(4, 3)),
            "station": (("z",), np.array(["alpha", "be", "gamma"], dtype=object)),
        },
        coords={"time": ("time", np.array([0.0, 6.0, 12.0, 18.0]), {"units": "hours since 1990-01-01"}), "z": [1, 2, 3]},
        attrs={"history": "written for xr tests"},
    )
    ds.to_netcdf(path("classic.nc"), format="NETCDF3_CLASSIC", unlimited_dims=["time"])


def classic_strings():
    """NetCDF-3 classic with strings, as xarray stores them there: NC_CHAR with a
    `string{N}` dim and `_Encoding = "utf-8"`; multi-byte characters, an empty string, a
    2-D string variable, and a string coordinate."""
    ds = xr.Dataset(
        {
            "name": (("site",), np.array(["Zürich", "", "Ōsaka", "Lyon"], dtype=object)),
            "code": (("t", "site"), np.array([["a", "bb", "ccc", "d"], ["ee", "", "fff", "g"]], dtype=object)),
            "h": (("t", "site"), np.arange(8, dtype="float32").reshape(2, 4)),
        },
        coords={"site": np.array(["zrh", "nul", "osa", "lys"], dtype=object), "t": [0, 1]},
    )
    ds.to_netcdf(path("classic_strings.nc"), format="NETCDF3_CLASSIC")


def group():
    """A root with an attribute and a nested group /model/run1 with its own variables."""
    remove("group.nc")
    xr.Dataset(attrs={"title": "root"}).to_netcdf(path("group.nc"), format="NETCDF4")
    inner = xr.Dataset(
        {"u": (("x",), np.array([1.0, 2.0, np.nan], dtype="float32"), {"units": "m/s"})},
        coords={"x": [0, 1, 2]},
        attrs={"run": "one"},
    )
    inner.to_netcdf(path("group.nc"), mode="a", group="/model/run1", format="NETCDF4")


def multi_file():
    """Monthly data split by year into three files (for open_mfdataset)."""
    for year in (2000, 2001, 2002):
        times = np.array([f"{year}-{m:02d}-01" for m in range(1, 13)], dtype="datetime64[ns]")
        v = np.arange(12, dtype="float64") + 100 * (year - 2000)
        ds = xr.Dataset({"v": (("time",), v)}, coords={"time": times})
        ds.to_netcdf(
            path(f"mf_{year}.nc"),
            encoding={"time": {"units": "days since 2000-01-01", "calendar": "standard"}},
            unlimited_dims=["time"],
        )


def unknown_calendar():
    """A time variable on a calendar CF does not define."""
    remove("unknown_calendar.nc")
    with netCDF4.Dataset(path("unknown_calendar.nc"), "w") as nc:
        nc.createDimension("time", 3)
        t = nc.createVariable("time", "i4", ("time",))
        t.units = "days since 2000-01-01"
        t.calendar = "martian"
        t[:] = [0, 1, 2]


def unsigned():
    """int8 on disk with _Unsigned = "true" and a _FillValue (xarray decodes to float32)."""
    remove("unsigned.nc")
    with netCDF4.Dataset(path("unsigned.nc"), "w", format="NETCDF4") as nc:
        nc.set_auto_maskandscale(False)
        nc.createDimension("x", 5)
        v = nc.createVariable("b", "i1", ("x",), fill_value=np.int8(-1))
        v.setncattr("_Unsigned", "true")
        v[:] = np.array([0, 1, 127, -128, -1], dtype="int8")


def scalars():
    """0-d variables in NetCDF-3: a character, an int, a float with an attribute."""
    remove("scalars.nc")
    with netCDF4.Dataset(path("scalars.nc"), "w", format="NETCDF3_CLASSIC") as nc:
        c = nc.createVariable("letter", "S1", ())
        c[...] = b"q"
        n = nc.createVariable("count", "i4", ())
        n[...] = 7
        f = nc.createVariable("ratio", "f8", ())
        f.long_name = "a ratio"
        f[...] = 0.25


def empty_records():
    """Freshly created files, as a model writes them before its first step: an unlimited
    time dim of length 0 (NetCDF-4 and NetCDF-3), and a variable all _FillValue."""
    for name, fmt in (("empty_records.nc", "NETCDF4"), ("empty_records_classic.nc", "NETCDF3_CLASSIC")):
        remove(name)
        with netCDF4.Dataset(path(name), "w", format=fmt) as nc:
            nc.title = "no records yet"
            nc.createDimension("time", None)
            nc.createDimension("lat", 3)
            t = nc.createVariable("time", "f8", ("time",))
            t.units = "days since 2000-01-01"
            t.calendar = "noleap"
            lat = nc.createVariable("lat", "f4", ("lat",))
            lat.units = "degrees_north"
            lat[:] = [-10.0, 0.0, 10.0]
            tas = nc.createVariable("tas", "f4", ("time", "lat"), fill_value=np.float32(1e20))
            tas.units = "K"
            mask = nc.createVariable("mask", "i2", ("lat",), fill_value=np.int16(-999))
            mask[:] = np.full(3, -999, dtype="i2")


def corrupt():
    """Truncated copies: a NetCDF-4 file cut in half, a NetCDF-3 file cut inside the data."""
    for src, dst in (("compressed_chunked.nc", "truncated_nc4.nc"), ("classic.nc", "truncated_nc3.nc")):
        with open(path(src), "rb") as f:
            data = f.read()
        with open(path(dst), "wb") as f:
            f.write(data[: len(data) // 2])


# ---------------------------------------------------------------- expectations

def jsonable_values(var):
    values = var.values
    if values.dtype.kind == "M":
        return [None if np.isnat(v) else str(np.datetime_as_string(v, unit="s")) for v in values.ravel()]
    if values.dtype.kind == "O" and values.size and isinstance(values.ravel()[0], cftime.datetime):
        return [v.strftime("%Y-%m-%dT%H:%M:%S") for v in values.ravel()]
    if values.dtype.kind in "SO" or values.dtype.kind == "U":
        return [v.decode() if isinstance(v, bytes) else str(v) for v in values.ravel()]
    return [None if (isinstance(v, float) and np.isnan(v)) else v for v in values.ravel().astype("float64").tolist()]


def jsonable_attr(v):
    if isinstance(v, str):
        return v
    if isinstance(v, bytes):
        return v.decode()
    arr = np.atleast_1d(np.asarray(v))
    if arr.dtype.kind in "US":
        return [str(x) for x in arr]
    return [None if np.isnan(x) else x for x in arr.astype("float64").tolist()]


def dtype_name(var):
    kind = var.dtype.kind
    if kind == "M" or (kind == "O" and var.size and isinstance(var.values.ravel()[0], cftime.datetime)):
        return "datetime"
    if kind == "O" and var.size == 0 and " since " in str(var.encoding.get("units", "")):
        return "datetime"  # decoded times with no values: nothing to look at but the units
    if kind in "USO":
        return "str"
    return str(var.dtype)


ENCODING_KEYS = (
    "dtype", "units", "calendar", "scale_factor", "add_offset", "_FillValue", "_Unsigned",
    "chunksizes", "zlib", "complevel", "shuffle", "fletcher32", "contiguous", "original_shape",
    "char_dim_name", "_Encoding",
)


def describe(ds):
    out = {
        "unlimited_dims": sorted(ds.encoding.get("unlimited_dims", ())),
        "dims": {k: int(v) for k, v in ds.sizes.items()},
        "coords": sorted(ds.coords),
        "attrs": {k: jsonable_attr(v) for k, v in ds.attrs.items()},
        "variables": {},
    }
    for name, var in ds.variables.items():
        enc = {}
        for k in ENCODING_KEYS:
            if k in var.encoding:
                v = var.encoding[k]
                if k == "dtype":
                    v = str(np.dtype(v))
                elif isinstance(v, (bool, np.bool_)):
                    v = bool(v)
                elif isinstance(v, tuple):
                    v = list(v)
                else:
                    v = jsonable_attr(v)
                enc[k] = v
        out["variables"][name] = {
            "dims": list(var.dims),
            "dtype": dtype_name(var),
            "values": jsonable_values(var),
            "attrs": {k: jsonable_attr(v) for k, v in var.attrs.items()},
            "encoding": enc,
        }
    return out


def expect(name, group=None, **kw):
    try:
        with xr.open_dataset(path(name), group=group, decode_times=xr.coders.CFDatetimeCoder(use_cftime=True), **kw) as ds:
            ds.load()
            d = describe(ds)
    except Exception as e:  # noqa: BLE001 - the error is the expectation
        d = {"error": type(e).__name__, "message": str(e)}
    d["file"] = name
    if group:
        d["group"] = group
    return d


def check_xr_written_strings():
    """tests/data/xr_written_strings.nc is WRITTEN BY xr (the ignored test
    `write_xr_written_strings_fixture` in tests/io_netcdf.rs): NetCDF-3 classic strings.
    Checks xarray reads back the strings xr meant to write."""
    if not os.path.exists(path("xr_written_strings.nc")):
        return
    with xr.open_dataset(path("xr_written_strings.nc")) as ds:
        assert ds.name.dtype == object and list(ds.name.values) == ["Zürich", "", "Ōsaka", "Lyon"]
        assert ds.code.values.tolist() == [["a", "bb", "ccc", "d"], ["ee", "", "fff", "g"]]
        assert list(ds.indexes["site"]) == ["zrh", "nul", "osa", "lys"]
        assert ds.name.encoding["char_dim_name"] == "string7"
        assert ds.code.attrs == {"long_name": "station code"}
    print("xarray reads the strings of xr_written_strings.nc as intended")


def versions():
    return {
        "xarray": xr.__version__,
        "netCDF4": netCDF4.__version__,
        "libnetcdf": netCDF4.__netcdf4libversion__,
        "hdf5": netCDF4.__hdf5libversion__,
        "numpy": np.__version__,
        "cftime": cftime.__version__,
        "python": sys.version.split()[0],
    }


FIXTURES = {
    f.__name__: f
    for f in (
        noleap_daily, day360_daily, packed_int16, compressed_chunked, classic, classic_strings,
        group, multi_file, unknown_calendar, unsigned, scalars, empty_records, corrupt,
    )
}


def main():
    args = sys.argv[1:]
    if "--only" in args:
        for name in args[args.index("--only") + 1:]:
            FIXTURES[name]()
    elif "--expect-only" not in args:
        for make in FIXTURES.values():
            make()
    check_xr_written_strings()
    cases = [
        expect("noleap_daily.nc"),
        expect("day360_daily.nc"),
        expect("packed_int16.nc"),
        expect("compressed_chunked.nc"),
        expect("classic.nc"),
        expect("classic_strings.nc"),
        expect("xr_written_strings.nc"),
        expect("group.nc", group="/model/run1"),
        expect("mf_2000.nc"),
        expect("mf_2001.nc"),
        expect("mf_2002.nc"),
        expect("unknown_calendar.nc"),
        expect("unsigned.nc"),
        expect("scalars.nc"),
        expect("empty_records.nc"),
        expect("empty_records_classic.nc"),
        expect("truncated_nc4.nc"),
        expect("truncated_nc3.nc"),
    ]
    # xarray's own test files, copied into tests/data/ (see tests/data/README.md).
    for name in ("example_1.nc", "bears.nc"):
        with xr.open_dataset(path(name)) as ds:
            d = describe(ds.load())
        d["file"] = name
        cases.append(d)
    with open(path("expected.json"), "w") as f:
        json.dump({"versions": versions(), "cases": cases}, f, indent=1, sort_keys=True)
    total = 0
    for name in sorted(os.listdir(DATA)):
        size = os.path.getsize(path(name))
        total += size
        print(f"{size:8d} {name}")
    print(f"{total:8d} total")


if __name__ == "__main__":
    main()
