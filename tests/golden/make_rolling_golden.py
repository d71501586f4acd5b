"""Golden values for tests/rolling.rs: xarray's rolling and coarsen aggregations.

Writes tests/golden/rolling_golden.json. Every case is computed on eager data and
checked here to equal the same call on dask-chunked data (chunks of 3 along the rolled
dim: windows larger than a chunk), so one set of values serves both in the Rust tests.
Run with the reference stack: python tests/golden/make_rolling_golden.py
"""

import json
import math
import pathlib

import dask
import numpy as np
import xarray as xr

AGGS = ["sum", "mean", "min", "max", "std", "var", "median", "count", "prod"]
OUT = pathlib.Path(__file__).with_name("rolling_golden.json")


def flat(a):
    return [None if (isinstance(v, float) and math.isnan(v)) else v for v in np.asarray(a, dtype=float).ravel().tolist()]


def inputs():
    f = np.array([1.5, np.nan, 3.25, -2.0, 4.0, np.nan, np.nan, 0.5, 7.0, 2.0, -1.25, 3.0, np.nan, 5.5], dtype="float64")
    i = np.array([3, -1, 4, 1, -5, 9, 2, 6, -5, 3, 5, 8, 9, 7], dtype="int32")
    g = np.array([[1.0, 2.5, np.nan, 4.0, -1.0], [0.5, np.nan, 3.0, 2.0, 6.0], [2.0, 1.0, 1.5, np.nan, np.nan],
                  [np.nan, 3.5, -2.0, 5.0, 1.0], [4.0, 0.0, 2.5, 1.5, 3.0], [1.0, -3.0, np.nan, 2.0, 0.5]], dtype="float32")
    time = np.arange(14) * 1.5
    lat = np.array([-50.0, -30.0, -10.0, 10.0, 30.0, 50.0])
    lon = np.array([0.0, 72.0, 144.0, 216.0, 288.0])
    return {
        "f64": xr.DataArray(f, dims="time", coords={"time": time}),
        "i32": xr.DataArray(i, dims="time", coords={"time": time}),
        "f32_2d": xr.DataArray(g, dims=("lat", "lon"), coords={"lat": lat, "lon": lon}),
    }


def check_chunked(eager, fn, da, dims):
    chunked = fn(da.chunk({d: 3 for d in dims}))
    assert chunked.chunks is not None
    np.testing.assert_allclose(chunked.values, eager.values, rtol=1e-6, equal_nan=True)


def main():
    data = inputs()
    cases = []
    one_dim = [("f64", "time"), ("i32", "time"), ("f32_2d", "lat")]
    for name, dim in one_dim:
        da = data[name]
        for window in [1, 3, 4, 20]:
            for center in [False, True]:
                for min_periods in [None, 2]:
                    if window == 1 and min_periods == 2:
                        continue
                    for agg in AGGS:
                        fn = lambda x: getattr(x.rolling({dim: window}, center=center, min_periods=min_periods), agg)()
                        r = fn(da)
                        check_chunked(r, fn, da, [dim])
                        cases.append({"kind": "rolling", "input": name, "windows": [[dim, window]], "center": center,
                                      "min_periods": min_periods, "agg": agg, "dtype": str(r.dtype),
                                      "dims": list(r.dims), "shape": list(r.shape), "values": flat(r)})
    da = data["f32_2d"]
    for windows in [[["lat", 3], ["lon", 2]], [["lon", 4], ["lat", 2]]]:
        for center in [False, True]:
            for min_periods in [None, 1]:
                for agg in AGGS:
                    fn = lambda x: getattr(x.rolling(dict(windows), center=center, min_periods=min_periods), agg)()
                    r = fn(da)
                    check_chunked(r, fn, da, ["lat", "lon"])
                    cases.append({"kind": "rolling", "input": "f32_2d", "windows": windows, "center": center,
                                  "min_periods": min_periods, "agg": agg, "dtype": str(r.dtype),
                                  "dims": list(r.dims), "shape": list(r.shape), "values": flat(r)})
    for name, dim in one_dim:
        for window in [3, 4]:
            for center in [False, True]:
                fn = lambda x: x.rolling({dim: window}, center=center).construct("window")
                r = fn(data[name])
                check_chunked(r, fn, data[name], [dim])
                cases.append({"kind": "construct", "input": name, "windows": [[dim, window]], "center": center,
                              "dtype": str(r.dtype), "dims": list(r.dims), "shape": list(r.shape), "values": flat(r)})
    coarsen_cases = [
        ("f64", [["time", 2]], "exact", "left"),
        ("f64", [["time", 4]], "trim", "left"),
        ("f64", [["time", 4]], "trim", "right"),
        ("f64", [["time", 4]], "pad", "left"),
        ("f64", [["time", 3]], "pad", "right"),
        ("i32", [["time", 7]], "exact", "left"),
        ("i32", [["time", 3]], "trim", "right"),
        ("i32", [["time", 4]], "pad", "left"),
        ("f32_2d", [["lat", 2], ["lon", 5]], "exact", "left"),
        ("f32_2d", [["lat", 4], ["lon", 2]], "trim", "left"),
        ("f32_2d", [["lon", 2], ["lat", 4]], "pad", "right"),
    ]
    for name, windows, boundary, side in coarsen_cases:
        for agg in AGGS:
            fn = lambda x: getattr(x.coarsen(dict(windows), boundary=boundary, side=side), agg)()
            r = fn(data[name])
            check_chunked(r, fn, data[name], [d for d, _ in windows])
            cases.append({"kind": "coarsen", "input": name, "windows": windows, "boundary": boundary, "side": side,
                          "agg": agg, "dtype": str(r.dtype), "dims": list(r.dims), "shape": list(r.shape), "values": flat(r),
                          "coords": {c: flat(r[c]) for c in r.coords}})
    r = data["f32_2d"].coarsen(lat=3, coord_func={"lat": "max"}).sum()
    cases.append({"kind": "coarsen", "input": "f32_2d", "windows": [["lat", 3]], "boundary": "exact", "side": "left",
                  "coord_func": {"lat": "max"}, "agg": "sum", "dtype": str(r.dtype), "dims": list(r.dims),
                  "shape": list(r.shape), "values": flat(r), "coords": {c: flat(r[c]) for c in r.coords}})
    out = {
        "generated_by": f"tests/golden/make_rolling_golden.py with xarray {xr.__version__}, numpy {np.__version__}, dask {dask.__version__}",
        "inputs": {k: {"dims": list(v.dims), "shape": list(v.shape), "dtype": str(v.dtype), "values": flat(v),
                       "coords": {c: flat(v[c]) for c in v.coords}} for k, v in data.items()},
        "cases": cases,
    }
    OUT.write_text(json.dumps(out, separators=(",", ":")) + "\n")
    print(f"{OUT}: {len(cases)} cases, {OUT.stat().st_size} bytes")


if __name__ == "__main__":
    main()
