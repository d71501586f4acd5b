"""Golden values for tests/serde_dict.rs: xarray's `to_dict(data="list")` layout both ways.

1. xarray -> xr: JSON text as `json.dumps(obj.to_dict(data="list"), default=str)` writes
   it (NaN and Infinity as Python writes them, datetimes and cftime dates as their
   `str`), with what xarray's own `from_dict(json.loads(text))` reads from it; xr's
   `from_json` must read the same.
2. xr -> xarray: tests/golden/serde_dict_xr.json holds the JSON that xr's `to_json`
   writes for the same objects (rewritten by the ignored test `write_xr_json` in
   tests/serde_dict.rs; a test checks xr still writes exactly it). This script reads
   each with `xr.Dataset.from_dict` / `xr.DataArray.from_dict` and asserts that xarray
   gets the original values, dims, coordinates, names and attrs back.

Run from the repository root:
    cargo test --features serde --test serde_dict write_xr_json -- --ignored
    /work/venv/bin/python tests/golden/make_serde_dict_golden.py
(writes serde_dict_golden.json). Versions are recorded in the file.
"""

import json
import math
import os

import numpy as np
import pandas as pd
import xarray as xr

HERE = os.path.dirname(os.path.abspath(__file__))


def objects():
    t = np.array([[1.5, np.nan, -2.25], [np.inf, 0.125, -np.inf]])
    ds = xr.Dataset(
        {
            "t": (("time", "x"), t, {"units": "K", "scale": 0.5, "valid": [0, 10]}),
            "f32": (("x",), np.array([0.1, 2.5, -3.0], dtype="float32")),
            "i": (("time",), np.array([7, -3], dtype="int32")),
            "flag": (("x",), np.array([True, False, True])),
            "when": (("time",), np.array(["2001-03-01T06:30:00", "NaT"], dtype="datetime64[us]")),
        },
        coords={
            "time": pd.date_range("2000-01-01", periods=2, freq="12h").values.astype("datetime64[us]"),
            "x": [10, 20, 30],
            "label": (("x",), ["a", "bb", "ccc"]),
        },
        attrs={"title": "golden", "version": 3},
    )
    noleap = xr.Dataset(
        {"v": (("time",), np.array([1.0, 2.0, 3.0]))},
        coords={"time": xr.date_range("2001-02-27", periods=3, freq="D", calendar="noleap",
                                      use_cftime=True)},
    )
    da = xr.DataArray(np.arange(6, dtype="int64").reshape(2, 3), dims=("y", "x"), name="air",
                      coords={"x": [0.5, 1.5, 2.5], "y": ["p", "q"]}, attrs={"long_name": "air"})
    return {"ds": ds, "noleap": noleap, "da": da}


def enc(values):
    """Values as strict JSON: NaN as null, infinities as "inf"/"-inf", the rest as is."""
    out = []
    for x in np.asarray(values).ravel().tolist():
        if isinstance(x, float) and math.isnan(x):
            out.append(None)
        elif isinstance(x, float) and math.isinf(x):
            out.append("inf" if x > 0 else "-inf")
        else:
            out.append(x if isinstance(x, (bool, int, float, str)) else str(x))
    return out


def kind(a):
    a = np.asarray(a)
    return "str" if a.dtype.kind in "OU" else str(a.dtype)


def describe(obj):
    ds = obj.to_dataset(name=obj.name) if isinstance(obj, xr.DataArray) else obj
    return {
        "variables": {n: {"dims": list(v.dims), "dtype": kind(v.values), "values": enc(v.values),
                          "attrs": {k: enc([a])[0] if np.ndim(a) == 0 else enc(a)
                                    for k, a in v.attrs.items()}}
                      for n, v in ds.variables.items()},
        "coords": sorted(str(c) for c in ds.coords),
        "attrs": {k: v for k, v in obj.attrs.items()},
        "name": obj.name if isinstance(obj, xr.DataArray) else None,
    }


def from_dict(obj, d):
    return (xr.DataArray if isinstance(obj, xr.DataArray) else xr.Dataset).from_dict(d)


def same_values(a, b, what):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, what
    if a.dtype.kind in "fc" or b.dtype.kind in "fc":
        np.testing.assert_array_equal(a.astype(float), b.astype(float), err_msg=what)
    else:
        assert [str(x) for x in a.ravel()] == [str(x) for x in b.ravel()], what


def check_xr_written(name, obj, text):
    """xarray reads xr's JSON back to the original (datetimes compared as their str,
    since the list layout holds them as text in both libraries)."""
    got = from_dict(obj, json.loads(text))
    ds = obj.to_dataset(name=obj.name) if isinstance(obj, xr.DataArray) else obj
    gds = got.to_dataset(name=got.name) if isinstance(got, xr.DataArray) else got
    assert list(gds.variables) == list(ds.variables) or set(gds.variables) == set(ds.variables), name
    assert set(gds.coords) == set(ds.coords), (name, list(gds.coords), list(ds.coords))
    for v in ds.variables:
        assert gds[v].dims == ds[v].dims, (name, v)
        exp = ds[v].values
        if exp.dtype.kind in "MO":
            # Datetimes are text in the list layout; NaT is None, read back as NaN.
            def text(values):
                return [None if x is None or (isinstance(x, float) and math.isnan(x)) else str(x)
                        for x in np.asarray(values).ravel().tolist()]
            assert text(gds[v].values) == text(exp), (name, v, text(gds[v].values), text(exp))
        else:
            same_values(gds[v].values, exp, f"{name}.{v}")
        for k, a in ds[v].attrs.items():
            np.testing.assert_array_equal(np.asarray(gds[v].attrs[k]), np.asarray(a), err_msg=f"{name}.{v}.{k}")
    assert got.attrs == obj.attrs, name
    if isinstance(obj, xr.DataArray):
        assert got.name == obj.name


def main():
    cases = {}
    for name, obj in objects().items():
        text = json.dumps(obj.to_dict(data="list"), default=str)
        read = from_dict(obj, json.loads(text))
        cases[name] = {"kind": type(obj).__name__, "json": text, "xarray_reads": describe(read)}
    xr_path = os.path.join(HERE, "serde_dict_xr.json")
    checked = []
    if os.path.exists(xr_path):
        with open(xr_path) as f:
            written = json.load(f)
        for name, obj in objects().items():
            check_xr_written(name, obj, written[name])
            checked.append(name)
    out = {
        "versions": {"xarray": xr.__version__, "pandas": pd.__version__, "numpy": np.__version__},
        "xr_written_checked_by_xarray": checked,
        "cases": cases,
    }
    with open(os.path.join(HERE, "serde_dict_golden.json"), "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
