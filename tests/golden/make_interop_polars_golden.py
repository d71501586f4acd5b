"""Golden values for tests/interop_polars.rs: xarray's `to_dataframe().reset_index()`
(Dataset and DataArray; float64 with NaN, float32, int, bool, string and datetime
variables; a standard-calendar time axis, a noleap cftime axis whose dates pandas holds as
cftime objects (compared as their `str`), a dim without a coordinate, a non-index
coordinate, variables broadcast over dims they lack), and `Dataset.from_dataframe` of
pandas DataFrames with one and with two index columns (combinations missing, so ints
become float64 with NaN).

Run: /work/venv/bin/python tests/golden/make_interop_polars_golden.py
(writes interop_polars_golden.json). Written with the versions recorded in the file.
"""

import json
import os

import cftime
import numpy as np
import pandas as pd
import xarray as xr

HERE = os.path.dirname(os.path.abspath(__file__))


def enc(values):
    """A column or array as JSON: NaN/NaT as null, datetimes as int64 microseconds,
    cftime objects as their str."""
    a = np.asarray(values).ravel()
    if a.dtype.kind == "M":
        ticks = a.astype("datetime64[us]").astype("int64")
        return [None if np.isnat(t) else int(i) for t, i in zip(a, ticks)]
    if a.dtype.kind == "m":
        ticks = a.astype("timedelta64[us]").astype("int64")
        return [None if np.isnat(t) else int(i) for t, i in zip(a, ticks)]
    out = []
    for x in a.tolist():
        if isinstance(x, float) and np.isnan(x):
            out.append(None)
        elif isinstance(x, cftime.datetime):
            out.append(str(x))
        else:
            out.append(x)
    return out


def dtype_name(a):
    a = np.asarray(a)
    if a.dtype.kind == "M":
        return "datetime64[us]"
    if a.dtype.kind == "O" and len(a) and isinstance(a.ravel()[0], cftime.datetime):
        return "cftime"
    if a.dtype.kind in "OU":
        return "str"
    return str(a.dtype)


def describe_ds(ds):
    """An input dataset, variable by variable (the Rust test builds it from this)."""
    out = {}
    for name, v in ds.variables.items():
        d = {"dims": list(v.dims), "dtype": dtype_name(v.values), "values": enc(v.values),
             "shape": list(v.shape), "coord": name in ds.coords}
        if d["dtype"] == "cftime":
            d["calendar"] = v.values.ravel()[0].calendar
        out[name] = d
    return out


def describe_df(df):
    return [{"name": c, "dtype": dtype_name(df[c].values), "values": enc(df[c].values)}
            for c in df.columns]


def inputs():
    rng = np.random.default_rng(17)
    t = np.round(rng.uniform(250, 300, (4, 3)), 2)
    t[1, 2] = np.nan
    t[3, 0] = np.nan
    ds = xr.Dataset(
        {
            "t": (("time", "lat"), t),
            "n": (("lat",), np.array([3, -1, 7], dtype="int64")),
            "f32": (("time", "lat"), (t * 0.5).astype("float32")),
            "flag": (("time",), np.array([True, False, True, True])),
            "when": (("time",), pd.to_datetime(["2001-03-01T06:30:00", "NaT", "1999-12-31T00:00:00", "2000-02-29T23:59:59"], format="ISO8601").values.astype("datetime64[us]")),
        },
        coords={
            "time": pd.date_range("2000-01-01", periods=4, freq="6h").values.astype("datetime64[us]"),
            "lat": [-45.0, 0.0, 45.0],
            "station": (("lat",), ["south", "equator", "north"]),
        },
    )
    noleap = xr.Dataset(
        {"v": (("time", "x"), np.arange(6, dtype="int32").reshape(3, 2) - 2)},
        coords={"time": xr.date_range("2001-02-27", periods=3, freq="D", calendar="noleap",
                                      use_cftime=True)},
    )
    da = xr.DataArray(
        np.arange(6, dtype="int16").reshape(2, 3), dims=("y", "x"), name="air",
        coords={"x": [10, 20, 30], "y": np.array([1.5, 2.5], dtype="float32"),
                "label": (("x",), ["a", "b", "c"])},
    )
    return {"ds": ds, "noleap": noleap, "da": da}


def frames():
    two = pd.DataFrame({
        "site": ["b", "a", "c", "a", "b"],
        "level": np.array([2, 1, 2, 2, 1], dtype="int64"),
        "temp": [1.5, np.nan, 3.25, -4.0, 5.0],
        "count": np.array([10, 11, 12, 13, 14], dtype="int64"),
        "when": pd.to_datetime(["2000-01-01", "2000-01-02", "2000-01-03", "2000-01-04", "2000-01-05"]).values.astype("datetime64[us]"),
    })
    one = pd.DataFrame({
        "x": np.array([30, 10, 20], dtype="int64"),
        "v": np.array([0.5, 1.5, 2.5], dtype="float32"),
        "name": ["p", "q", "r"],
    })
    return {"two": (two, ["site", "level"]), "one": (one, ["x"])}


def describe_result(ds):
    return {name: {"dims": list(v.dims), "dtype": dtype_name(v.values),
                   "values": enc(v.values), "shape": list(v.shape),
                   "coord": name in ds.coords}
            for name, v in ds.variables.items()}


def main():
    cases = {}
    for name, obj in inputs().items():
        if isinstance(obj, xr.DataArray):
            src = describe_ds(obj.to_dataset())
            src["__dataarray__"] = {"name": obj.name, "dims": list(obj.dims)}
            df = obj.to_dataframe().reset_index()
        else:
            src = describe_ds(obj)
            df = obj.to_dataframe().reset_index()
        # to_dataframe is the same on dask-chunked inputs.
        chunked = obj.chunk(2).to_dataframe().reset_index()
        pd.testing.assert_frame_equal(df, chunked)
        cases[name] = {"input": src, "frame": describe_df(df)}
    unstacked = {}
    for name, (df, index) in frames().items():
        ds = xr.Dataset.from_dataframe(df.set_index(index))
        unstacked[name] = {"frame": describe_df(df), "index": index,
                           "dataset": describe_result(ds)}
    out = {
        "versions": {"xarray": xr.__version__, "pandas": pd.__version__, "numpy": np.__version__},
        "to_dataframe": cases,
        "from_dataframe": unstacked,
    }
    with open(os.path.join(HERE, "interop_polars_golden.json"), "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
