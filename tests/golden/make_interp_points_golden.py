"""Golden values for tests/interp_points.rs: `interp` with vectorized (advanced)
indexers, DataArray targets that share a new dim `station` (pointwise interpolation:
one value per station, not a grid), linear and nearest, on float (with NaNs) and
integer inputs, a descending source coordinate, a 3-D input whose interpolated dims are
not the first, one pointwise dim alone, pointwise plus an orthogonal dim, and
fill_value; computed by xarray on eager inputs and checked equal on dask-chunked ones.

Run: /work/venv/bin/python tests/golden/make_interp_points_golden.py
(writes interp_points_golden.json).
"""

import json
import os

import dask
import numpy as np
import scipy
import xarray as xr

HERE = os.path.dirname(os.path.abspath(__file__))
X = [0.0, 1.0, 2.5, 3.0, 4.5, 6.0, 7.0]
Y = [10, 20, 30, 40, 50, 60]
T = [0.0, 1.0, 2.0]
STATIONS = ["s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7"]
# Between grid points, on them, on the edges, outside (each side, in one dim or both).
PX = [0.5, 2.5, 3.7, 7.0, 0.0, 5.2, -1.0, 6.9]
PY = [15.0, 60.0, 33.0, 20.0, 10.0, 65.0, 20.0, 59.0]
YT = [15.0, 10.0, 60.0, 65.0, 33.0, 35.0]


def inputs():
    rng = np.random.default_rng(31)
    f = np.round(rng.uniform(-5, 5, (7, 6)), 3)
    f[1, 2] = np.nan
    f[4, 0] = np.nan
    f[:, 5] = np.nan
    i = rng.integers(-6, 9, (7, 6)).astype("int64")
    coords = {"x": X, "y": Y, "xc": ("x", np.arange(7) * 1.5)}
    fa = xr.DataArray(f, dims=("x", "y"), coords=coords, name="f", attrs={"units": "K"})
    ia = xr.DataArray(i, dims=("x", "y"), coords=coords, name="i")
    da = fa.isel(x=slice(None, None, -1)).rename("d")
    h = np.round(rng.uniform(-5, 5, (7, 3, 6)), 3)
    h[2, 1, 3] = np.nan
    ha = xr.DataArray(h, dims=("x", "t", "y"), coords={"x": X, "y": Y, "t": T}, name="h")
    return {"f": fa, "i": ia, "d": da, "h": ha}


def points():
    coords = {"station": STATIONS}
    return (xr.DataArray(PX, dims="station", coords=coords),
            xr.DataArray(PY, dims="station", coords=coords))


def enc_values(a):
    a = np.asarray(a)
    if a.dtype.kind == "f":
        return [None if np.isnan(v) else float(v) for v in a.ravel()]
    if a.dtype.kind in "US":
        return [str(v) for v in a.ravel()]
    return [int(v) for v in a.ravel()]


def enc(da):
    return {
        "dims": list(da.dims),
        "shape": list(da.shape),
        "dtype": str(da.dtype),
        "values": enc_values(da.values),
        "coords": {k: enc_values(v.values) for k, v in da.coords.items()},
        "coord_dims": {k: list(v.dims) for k, v in da.coords.items()},
        "coord_dtypes": {k: str(v.dtype) for k, v in da.coords.items()},
        "name": da.name,
        "attrs": {k: v for k, v in da.attrs.items()},
    }


def cases(a):
    px, py = points()
    out = {}
    for src in ("f", "i", "d", "h"):
        x = a[src]
        for m in ("linear", "nearest"):
            out[f"{src}_{m}_xy"] = lambda x=x, m=m: x.interp(x=px, y=py, method=m)
            out[f"{src}_{m}_yx"] = lambda x=x, m=m: x.interp(y=py, x=px, method=m)
            out[f"{src}_{m}_x"] = lambda x=x, m=m: x.interp(x=px, method=m)
            out[f"{src}_{m}_x_ortho_y"] = lambda x=x, m=m: x.interp(x=px, y=YT, method=m)
            out[f"{src}_{m}_fill"] = (
                lambda x=x, m=m: x.interp(x=px, y=py, method=m, kwargs={"fill_value": -9.5}))
    return out


def main():
    a = inputs()
    eager = {k: f() for k, f in cases(a).items()}
    chunked = {k: v.chunk({"x": 3, "y": 4}) for k, v in a.items()}
    for k, f in cases(chunked).items():
        c = f().compute()
        e = eager[k]
        assert c.dims == e.dims, k
        np.testing.assert_allclose(c.values, e.values, rtol=1e-12, atol=1e-12, err_msg=k)
    doc = {
        "made_by": "tests/golden/make_interp_points_golden.py",
        "versions": {"xarray": xr.__version__, "numpy": np.__version__, "dask": dask.__version__,
                     "scipy": scipy.__version__},
        "stations": STATIONS,
        "px": PX,
        "py": PY,
        "y_targets": YT,
        "inputs": {k: enc(v) for k, v in a.items()},
        "cases": {k: enc(v) for k, v in eager.items()},
    }
    with open(os.path.join(HERE, "interp_points_golden.json"), "w") as fh:
        json.dump(doc, fh, separators=(",", ":"))


if __name__ == "__main__":
    main()
