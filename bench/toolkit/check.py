"""The toolkit benchmark's answer checks, for one bench: xr's answer against xarray's
(fails if they disagree), CDO's against xarray's where it computes the same thing (see
README.md). Reads the outputs a year of steps at a time, so that the 0.5° interpolation
of 10 years (7.6 GB a file) is checked in bounded memory.
Usage: check.py BENCH OUTDIR HAVE_CDO(0|1)   (OUTDIR holds xr_BENCH.nc, xarray_BENCH.nc,
cdo_BENCH.nc)
"""
import sys

import numpy as np
import xarray as xr

bench, out, have_cdo = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
STEP = 365


def check(what, got, want, var, atol, rtol, offset=0):
    """got[var] against want[var] (want's steps from `offset`), a slice of steps at a time."""
    g_all, w_all = got[var], want[var]
    n = g_all.sizes.get("time", 1)
    if "time" in w_all.dims:
        w_all = w_all.isel(time=slice(offset, offset + n))
    if g_all.size != w_all.size:
        print(f"{what} {var}: shapes differ ({g_all.shape} vs {w_all.shape})  FAIL")
        return False
    rel, bad = 0.0, False
    for start in range(0, n, STEP):
        part = (lambda a: a.isel(time=slice(start, start + STEP))) if "time" in g_all.dims else (lambda a: a)
        g = part(g_all).values.astype("f8").ravel()
        w = part(w_all).values.astype("f8").ravel()
        if not np.array_equal(np.isnan(g), np.isnan(w)):
            print(f"{what} {var}: NaN positions differ (steps from {start})  FAIL")
            return False
        m = ~np.isnan(w)
        if m.any():
            d = np.abs(g[m] - w[m])
            rel = max(rel, float(np.max(d / np.maximum(np.abs(w[m]), 1e-300))))
            bad |= not np.all(d <= atol + rtol * np.abs(w[m]))
    note = f" (within {atol:.1e} absolute: xr's output is packed)" if atol else ""
    print(f"{what} {var}: max relative difference {rel:.2e}{note}{'  FAIL' if bad else ''}")
    return not bad


ok = True
a = xr.open_dataset(f"{out}/xr_{bench}.nc")
b = xr.open_dataset(f"{out}/xarray_{bench}.nc")
if not np.array_equal(a.time.values, b.time.values):
    print(f"{bench}: xr and xarray time labels differ")
    ok = False
for name in ("lat", "lon"):
    if name in b.coords and not np.array_equal(a[name].values, b[name].values):
        print(f"{bench}: xr and xarray {name} differ")
        ok = False
for v in ["tas", "pr"]:
    # An xr output that is packed (xr before fe9eab4 kept the source encoding, xarray
    # drops it): allow one packing step (half a step of rounding, plus float32 arithmetic).
    atol = float(a[v].encoding.get("scale_factor", 0.0))
    ok &= check(f"{bench} xr vs xarray", a, b, v, atol, 1e-6)
if have_cdo and bench in ("rolling", "fldmean"):
    c = xr.open_dataset(f"{out}/cdo_{bench}.nc")
    for v in ["tas", "pr"]:
        # rolling: CDO writes only full windows, its step k the mean of inputs k..k+29,
        # which is xarray's centred label k + 15 (xarray: NaN at 15 first, 14 last).
        # fldmean: CDO weights by its cell areas (∝ cos(lat) on this grid, up to rounding).
        cv = c[v]
        if bench == "fldmean":
            cv = cv.squeeze([d for d in cv.dims if d != "time"], drop=True)
        ok &= check(f"{bench} cdo vs xarray", xr.Dataset({v: cv}), b, v, 0.0, 1e-4,
                    offset=15 if bench == "rolling" else 0)
sys.exit(0 if ok else 1)
