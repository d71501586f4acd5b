"""Golden values for tests/html_repr.rs: the parts of xarray's notebook repr
(`_repr_html_`) that carry information, read from its HTML the same way the Rust test
reads xr's: the section titles with their counts, the dimension list (with which dims are
indexed), and for each variable its name (indexed or not), dims, dtype, one-line preview,
attributes and data repr; for a DataArray also its name, preview and data repr. Inputs:
float64 with NaN, int64, float32, strings, a datetime coordinate, attrs, a dim without a
coordinate, a large array (previews and reprs that elide), and a named DataArray.

Run: /work/venv/bin/python tests/golden/make_html_repr_golden.py (writes html_repr_golden.json).
"""

import html
import json
import os
import re

import numpy as np
import pandas as pd
import xarray as xr

HERE = os.path.dirname(os.path.abspath(__file__))


def texts(doc, cls):
    """The text of every element with class attribute `cls`, tags stripped, entities
    unescaped (the Rust test does the same on xr's HTML)."""
    out = []
    for m in re.finditer(r"class='" + re.escape(cls) + r"'[^>]*>", doc):
        end = doc.find("</div>", m.end())
        out.append(html.unescape(re.sub(r"<[^>]*>", "", doc[m.end():end])))
    return out


def summary(doc):
    return {
        "obj_type": texts(doc, "xr-obj-type"),
        "obj_name": texts(doc, "xr-obj-name"),
        "sections": [html.unescape(re.sub(r"<[^>]*>", "", m.group(1)))
                     for m in re.finditer(r"class='xr-section-summary'[^>]*>(.*?)</label>", doc)],
        "dims": [html.unescape(re.sub(r"<[^>]*>", "", m.group(1)))
                 for m in re.finditer(r"<ul class='xr-dim-list'>(.*?)</ul>", doc)],
        "indexed": [html.unescape(m.group(1)) for m in re.finditer(r"<span class='xr-has-index'>(.*?)</span>", doc)],
        "var_names": texts(doc, "xr-var-name"),
        "var_dims": texts(doc, "xr-var-dims"),
        "var_dtypes": texts(doc, "xr-var-dtype"),
        "var_previews": texts(doc, "xr-var-preview xr-preview"),
        "var_data": texts(doc, "xr-var-data"),
        "attrs": texts(doc, "xr-var-attrs"),
        "array_preview": texts(doc, "xr-array-preview xr-preview"),
        "array_data": texts(doc, "xr-array-data"),
    }


def objects():
    rng = np.random.default_rng(6)
    t = np.round(rng.uniform(-5, 5, (3, 4)), 2)
    t[1, 2] = np.nan
    ds = xr.Dataset(
        {
            "t": (("time", "x"), t, {"units": "K", "long_name": "temperature <surface>"}),
            "n": (("x",), np.array([3, -1, 7, 0], dtype="int64")),
            "f32": (("time",), np.array([0.5, 1.25, -2.0], dtype="float32")),
            "bare": (("y",), np.array([1.0, 2.0])),
        },
        coords={
            "time": pd.date_range("2000-01-01", periods=3, freq="D").values.astype("datetime64[us]"),
            "x": [10, 20, 30, 40],
            "label": (("x",), ["a", "b", "c", "d"]),
        },
        attrs={"title": "golden & html", "history": "made by a script"},
    )
    big = xr.Dataset({"v": (("a", "b"), np.arange(2000.0).reshape(40, 50) / 7)},
                     coords={"a": np.arange(40)})
    da = xr.DataArray(np.arange(6, dtype="int64").reshape(2, 3), dims=("y", "x"), name="air",
                      coords={"x": [0.5, 1.5, 2.5]}, attrs={"units": "degC"})
    return {"ds": ds, "big": big, "da": da}


def describe_input(obj):
    ds = obj.to_dataset() if isinstance(obj, xr.DataArray) else obj
    out = {}
    for n, v in ds.variables.items():
        vals = v.values
        if vals.dtype.kind == "M":
            dtype, values = "datetime64", vals.astype("datetime64[us]").astype("int64").tolist()
        elif vals.dtype.kind == "U":
            dtype, values = "str", vals.ravel().tolist()
        else:
            dtype = str(vals.dtype)
            values = [None if isinstance(x, float) and np.isnan(x) else x for x in vals.ravel().tolist()]
        out[n] = {"dims": list(v.dims), "shape": list(v.shape), "dtype": dtype, "values": values,
                  "attrs": dict(v.attrs), "coord": n in ds.coords}
    return {"variables": out, "attrs": dict(obj.attrs),
            "name": obj.name if isinstance(obj, xr.DataArray) else None}


def main():
    cases = {}
    for name, obj in objects().items():
        cases[name] = {"input": describe_input(obj), "html": summary(obj._repr_html_())}
    out = {"versions": {"xarray": xr.__version__, "numpy": np.__version__}, "cases": cases}
    with open(os.path.join(HERE, "html_repr_golden.json"), "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
