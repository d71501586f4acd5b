"""The climatology bench's answer checks: xr's seasonal means against xarray's (flox), per
variable and per season, failing beyond 1e-6 relative (plus one packing step where xr's
output is packed, as bench/toolkit/check.py allows); CDO's against xarray's, printed only
(CDO writes its output in the input's types, so pr comes back packed to int16).
Usage: check.py XR.nc XARRAY.nc [CDO.nc]
"""
import sys

import numpy as np
import xarray as xr

RTOL = 1e-6


def compare(what, got, want, fail):
    """Each data variable of `want` in `got`, per season: prints the largest relative
    difference; returns False if `fail` and one is beyond the tolerance."""
    ok = True
    seasons = [str(s) for s in want.season.values]
    if sorted(map(str, got.season.values)) != sorted(seasons):
        print(f"{what}: seasons differ: {list(got.season.values)} vs {seasons}  FAIL")
        return False
    for var in want.data_vars:
        if var not in got.data_vars:
            print(f"{what}: {var} missing  FAIL")
            ok = False
            continue
        atol = float(got[var].encoding.get("scale_factor", 0.0)) if fail else 0.0
        parts, bad = [], False
        for s in seasons:
            g = got[var].sel(season=s).transpose(*[d for d in want[var].dims if d != "season"])
            g = g.values.astype("f8").ravel()
            w = want[var].sel(season=s).values.astype("f8").ravel()
            if g.shape != w.shape or not np.array_equal(np.isnan(g), np.isnan(w)):
                parts.append(f"{s} shapes or NaN positions differ")
                bad = True
                continue
            m = ~np.isnan(w)
            d = np.abs(g[m] - w[m])
            rel = float(np.max(d / np.maximum(np.abs(w[m]), 1e-300))) if m.any() else 0.0
            bad |= bool(np.any(d > atol + RTOL * np.abs(w[m])))
            parts.append(f"{s} {rel:.2e}")
        note = f" (within {atol:.1e} absolute: xr's output is packed)" if atol else ""
        verdict = "  FAIL" if bad and fail else ""
        print(f"{what} {var}: max relative difference per season: {', '.join(parts)}{note}{verdict}")
        ok &= not (bad and fail)
    return ok


ok = True
a = xr.open_dataset(sys.argv[1])
b = xr.open_dataset(sys.argv[2])
ok &= compare("xr vs xarray", a, b, fail=True)
if len(sys.argv) > 3:
    # CDO keeps time (each season's last step) where xarray has the season label, its
    # seasons in the order DJF, MAM, JJA, SON; its times are not decoded, since CDO 2.1.1
    # writes a garbage time for one season of some inputs (-7.2e8 days for MAM of 2 years).
    c = xr.open_dataset(sys.argv[3], decode_times=False)
    c = c.assign_coords(season=("time", ["DJF", "MAM", "JJA", "SON"])).swap_dims(time="season").drop_vars("time")
    compare("cdo vs xarray", c, b, fail=False)
sys.exit(0 if ok else 1)
