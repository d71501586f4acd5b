"""Golden values for tests/apply_ufunc.rs: xarray's apply_ufunc with core dims, loop
dims broadcast by name, vectorize, several outputs and new output dims, on float (with
NaNs) and integer inputs, computed eagerly and checked equal with dask-chunked inputs
(dask="parallelized"); and map_blocks with a template that changes the blocks' shapes.

Run: /work/venv/bin/python tests/golden/make_ufunc_golden.py (writes ufunc_golden.json).
"""

import json
import os
import warnings

import dask
import numpy as np
import xarray as xr

HERE = os.path.dirname(os.path.abspath(__file__))
warnings.filterwarnings("ignore", category=RuntimeWarning)  # all-NaN lanes


def inputs():
    rng = np.random.default_rng(116)
    shape = (9, 3, 4)  # time, lat, lon
    f = np.round(rng.uniform(-5, 5, shape), 3)
    f[1, 0, 2] = np.nan
    f[4, :, 1] = np.nan
    f[:, 2, 2] = np.nan  # an all-NaN lane along time
    i = rng.integers(-6, 9, shape).astype("int64")
    coords = {
        "time": np.arange(9) * 10,
        "lat": np.array([-60.0, 0.0, 45.0]),
        "lon": np.array([0.0, 90.0, 180.0, 270.0]),
    }
    dims = ("time", "lat", "lon")
    fa = xr.DataArray(f, dims=dims, coords=coords, name="f", attrs={"units": "K"})
    ia = xr.DataArray(i, dims=dims, coords=coords, name="i")
    w = xr.DataArray(np.round(rng.uniform(0, 1, 9), 3), dims="time",
                     coords={"time": coords["time"]}, name="w")
    a = xr.DataArray(np.round(rng.uniform(-1, 1, 3), 3), dims="lat",
                     coords={"lat": coords["lat"]}, name="a")
    b = xr.DataArray(np.round(rng.uniform(-1, 1, 4), 3), dims="lon",
                     coords={"lon": coords["lon"]}, name="b")
    return {"f": fa, "i": ia, "w": w, "a": a, "b": b}


def cases(x):
    """name -> a function of the inputs giving one DataArray (or a tuple for several)."""
    au = xr.apply_ufunc
    # allow_rechunk: the chunked check below also splits core dims.
    par = {"dask": "parallelized", "dask_gufunc_kwargs": {"allow_rechunk": True}}
    return {
        # A reduction over a core dim, float with NaN and integer.
        "range_f": lambda: au(lambda v: np.nanmax(v, -1) - np.nanmin(v, -1), x["f"],
                              input_core_dims=[["time"]], **par, output_dtypes=[float]),
        "range_i": lambda: au(lambda v: v.max(-1) - v.min(-1), x["i"],
                              input_core_dims=[["time"]], **par, output_dtypes=[np.int64]),
        # A core dim that is not last.
        "mean_lat": lambda: au(lambda v: np.nanmean(v, -1), x["f"],
                               input_core_dims=[["lat"]], **par, output_dtypes=[float]),
        # Two inputs, the second without the loop dims.
        "wsum": lambda: au(lambda v, w: np.nansum(v * w, -1), x["f"], x["w"],
                           input_core_dims=[["time"], ["time"]], **par, output_dtypes=[float]),
        # Loop dims from different inputs, broadcast by name.
        "outer": lambda: au(lambda a, b: a * 10 + b, x["a"], x["b"], **par, output_dtypes=[float]),
        # No core dims: elementwise on an integer input.
        "affine_i": lambda: au(lambda v: v * 2 + 1, x["i"], **par, output_dtypes=[np.int64]),
        # Two core dims in, none out.
        "sum_latlon": lambda: au(lambda v: np.nansum(v, (-2, -1)), x["f"],
                                 input_core_dims=[["lat", "lon"]], **par, output_dtypes=[float]),
        # Several outputs.
        "minmax": lambda: au(lambda v: (np.nanmin(v, -1), np.nanmax(v, -1)), x["f"],
                             input_core_dims=[["time"]], output_core_dims=[[], []], **par,
                             output_dtypes=[float, float]),
        # Vectorized: a core dim kept (sorted, NaN last).
        "sort_v": lambda: au(np.sort, x["f"], input_core_dims=[["time"]],
                             output_core_dims=[["time"]], vectorize=True, **par,
                             output_dtypes=[float]),
        # Vectorized: a new core dim of given size.
        "top2_v": lambda: au(lambda v: np.sort(v)[:2], x["i"], input_core_dims=[["time"]],
                             output_core_dims=[["k"]], vectorize=True, dask="parallelized",
                             output_dtypes=[np.int64],
                             dask_gufunc_kwargs={"allow_rechunk": True, "output_sizes": {"k": 2}}),
        # Vectorized: two core dims out, transposed.
        "transpose_v": lambda: au(lambda v: v.T, x["f"], input_core_dims=[["lat", "lon"]],
                                  output_core_dims=[["lon", "lat"]], vectorize=True, **par,
                                  output_dtypes=[float]),
    }


def map_blocks_cases(x):
    """name -> (input chunked, function of a block, template): map_blocks with a template."""
    f, i = x["f"], x["i"]
    return {
        # The first step of each block of 2: the time dim shrinks from 9 to 5.
        "mb_firsts": (f.chunk({"time": 2}), lambda b: b.isel(time=slice(0, 1)),
                      f.isel(time=[0, 2, 4, 6, 8]).chunk({"time": 1})),
        # A reduction over a dim the template lacks.
        "mb_mean_time": (f.chunk({"lat": 2, "lon": 3}), lambda b: b.mean("time"),
                         f.mean("time").chunk({"lat": 2, "lon": 3})),
        # Anomalies within each block, integer input, float template.
        "mb_anom_i": (i.chunk({"time": 3, "lon": 2}), lambda b: b - b.mean("time"),
                      i.astype(float).chunk({"time": 3, "lon": 2})),
        # A new dim of one chunk.
        "mb_newdim": (f.chunk({"lat": 2}), lambda b: b.mean("time").expand_dims(k=1),
                      f.mean("time").expand_dims(k=1).chunk({"lat": 2})),
    }


def map_blocks_ds_cases(x):
    """As map_blocks_cases, for a Dataset of a float and an integer variable."""
    ds = xr.Dataset({"f": x["f"], "i": x["i"]})

    def summary(b):
        return xr.Dataset({"fmean": b.f.mean("time"), "irange": b.i.max("time") - b.i.min("time")})

    return {
        "mb_ds_firsts": (ds.chunk({"time": 2}), lambda b: b.isel(time=slice(0, 1)),
                         ds.isel(time=[0, 2, 4, 6, 8]).chunk({"time": 1})),
        "mb_ds_summary": (ds.chunk({"lat": 2}), summary, summary(ds).chunk({"lat": 2})),
    }


def enc_values(a):
    a = np.asarray(a)
    if a.dtype.kind == "f":
        return [None if np.isnan(v) else float(v) for v in a.ravel()]
    return [int(v) for v in a.ravel()]


def enc(da):
    return {
        "dims": list(da.dims),
        "shape": list(da.shape),
        "dtype": str(da.dtype),
        "values": enc_values(da.values),
        "coords": {k: enc_values(v.values) for k, v in da.coords.items() if v.ndim == 1},
        "coord_dtypes": {k: str(v.dtype) for k, v in da.coords.items() if v.ndim == 1},
        "name": da.name,
        "attrs": {k: v for k, v in da.attrs.items()},
    }


def flatten(results):
    out = {}
    for k, r in results.items():
        if isinstance(r, tuple):
            for j, part in enumerate(r):
                out[f"{k}_{j}"] = part
        else:
            out[k] = r
    return out


def main():
    x = inputs()
    eager = flatten({k: f() for k, f in cases(x).items()})
    for chunks in ({"lat": 2, "lon": 3}, {"time": 3, "lat": 2, "lon": 2}):
        xs = {k: v.chunk({d: n for d, n in chunks.items() if d in v.dims}) for k, v in x.items()}
        for k, c in flatten({k: f() for k, f in cases(xs).items()}).items():
            c = c.compute()
            e = eager[k]
            assert c.dims == e.dims and c.dtype == e.dtype, k
            np.testing.assert_allclose(c.values, e.values, rtol=1e-12, atol=1e-12, err_msg=k)
    for k, (inp, func, template) in map_blocks_cases(x).items():
        eager[k] = inp.map_blocks(func, template=template).compute()
    for k, (inp, func, template) in map_blocks_ds_cases(x).items():
        out = inp.map_blocks(func, template=template).compute()
        for name in out.data_vars:
            eager[f"{k}_{name}"] = out[name]
    doc = {
        "made_by": "tests/golden/make_ufunc_golden.py",
        "versions": {"xarray": xr.__version__, "numpy": np.__version__, "dask": dask.__version__},
        "inputs": {k: enc(v) for k, v in x.items()},
        "cases": {k: enc(v) for k, v in eager.items()},
    }
    with open(os.path.join(HERE, "ufunc_golden.json"), "w") as fh:
        json.dump(doc, fh, separators=(",", ":"))


if __name__ == "__main__":
    main()
