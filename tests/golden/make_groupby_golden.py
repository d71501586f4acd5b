"""Computes the expected values of tests/groupby.rs with xarray.

Run: /work/venv/bin/python tests/golden/make_groupby_golden.py > tests/golden/groupby_golden.rs
The output is Rust source (`include!`d by tests/groupby.rs): one `GCase` const per case
with the result's dims, shape, dtype, group labels (as strings: ISO datetimes, interval
strings, numbers) and values in row-major order.

The fixture is closed-form, rebuilt identically in tests/groupby.rs: 12-hourly times
from 2000-01-01 for 2190 steps on each calendar, dims (time, y, x) = (2190, 2, 3),
    value(i, j, k) = ((7 i + 13 j + 29 k) % 101) / 7 + 0.001 i
with NaN where (3 i + j + k) % 23 == 0; coordinate tag(time) = i % 5; x = [0.5, 1.5, 2.5].

Seasons are reordered to calendar order (DJF, MAM, JJA, SON), xr's deliberate difference.
"""

import numpy as np
import xarray as xr

NT, NY, NX = 2190, 2, 3
CALENDARS = ["standard", "noleap", "360_day"]
SEASONS = ["DJF", "MAM", "JJA", "SON"]
out = []


def fixture(calendar, dtype=np.float64):
    i, j, k = np.meshgrid(np.arange(NT), np.arange(NY), np.arange(NX), indexing="ij")
    v = ((7 * i + 13 * j + 29 * k) % 101) / 7.0 + 0.001 * i
    v[(3 * i + j + k) % 23 == 0] = np.nan
    t = xr.date_range("2000-01-01", periods=NT, freq="12h", calendar=calendar, use_cftime=True)
    da = xr.DataArray(
        v.astype(dtype),
        dims=("time", "y", "x"),
        coords={"time": t, "x": [0.5, 1.5, 2.5], "tag": ("time", np.arange(NT) % 5)},
        name="v",
    )
    return da


def label_str(x):
    if hasattr(x, "strftime"):
        return x.strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(x, (pd_interval,)):
        return str(x)
    if isinstance(x, (np.integer, int)):
        return str(int(x))
    return str(x)


import pandas as pd

pd_interval = pd.Interval


names = []


def emit(name, da, group_dim):
    names.append(name.upper())
    v = np.asarray(da.values)
    dims = ", ".join(f'"{d}"' for d in da.dims)
    shape = ", ".join(str(s) for s in v.shape)
    labels = ", ".join(f'"{label_str(x)}"' for x in np.asarray(da[group_dim].values).ravel())
    vals = ", ".join("f64::NAN" if np.isnan(x) else repr(float(x)) for x in v.astype(np.float64).ravel())
    out.append(
        f"pub const {name.upper()}: GCase = GCase {{ dims: &[{dims}], shape: &[{shape}], "
        f'dtype: "{v.dtype}", labels: &[{labels}], values: &[{vals}] }};'
    )


def seasonal(r):
    return r.sel(season=SEASONS)


IDENT = {"standard": "STANDARD", "noleap": "NOLEAP", "360_day": "DAY360"}
for cal in CALENDARS:
    c = IDENT[cal]
    da = fixture(cal)
    g = da.groupby("time.season")
    for op in ["mean", "sum", "count", "std", "var", "min", "max", "first", "last", "median"]:
        emit(f"{c}_SEASON_{op}", seasonal(getattr(g, op)()), "season")
    emit(f"{c}_SEASON_STD_DDOF1", seasonal(g.std(ddof=1)), "season")
    emit(f"{c}_SEASON_MEAN_NOSKIP", seasonal(g.mean(skipna=False)), "season")
    emit(f"{c}_SEASON_QUANTILE25", seasonal(g.quantile(0.25)), "season")
    gm = da.groupby("time.month")
    for op in ["mean", "std", "max"]:
        emit(f"{c}_MONTH_{op}", getattr(gm, op)(), "month")
    emit(f"{c}_DAYOFYEAR_MEAN", da.groupby("time.dayofyear").mean(), "dayofyear")
    emit(f"{c}_YEAR_MEAN", da.groupby("time.year").mean(), "year")
    emit(f"{c}_HOUR_MEAN", da.groupby("time.hour").mean(), "hour")
    emit(f"{c}_TAG_SUM", da.groupby("tag").sum(), "tag")
    for freq in ["MS", "QS-DEC", "YS"]:
        key = freq.replace("-", "_")
        emit(f"{c}_RESAMPLE_{key}_MEAN", da.resample(time=freq).mean(), "time")
    emit(f"{c}_RESAMPLE_MS_MAX", da.resample(time="MS").max(), "time")
    emit(f"{c}_RESAMPLE_MS_SUM", da.resample(time="MS").sum(), "time")
    short = da.isel(time=slice(0, 80))
    emit(f"{c}_RESAMPLE_D_MEAN", short.resample(time="D").mean(), "time")
    emit(f"{c}_RESAMPLE_6H_MEAN", short.resample(time="6h").mean(), "time")
    emit(f"{c}_RESAMPLE_6H_SUM", short.resample(time="6h").sum(), "time")
    emit(f"{c}_RESAMPLE_6H_COUNT", short.resample(time="6h").count(), "time")
    emit(f"{c}_RESAMPLE_6H_LAST", short.resample(time="6h").last(), "time")
    late = da.isel(time=slice(1, 81))
    emit(f"{c}_RESAMPLE_3D_MEAN", late.resample(time="3D").mean(), "time")
    emit(f"{c}_RESAMPLE_5H_MEAN", late.resample(time="5h").mean(), "time")
    emit(f"{c}_RESAMPLE_ME_MEAN", da.resample(time="ME").mean(), "time")
    # Month-length weighted seasonal means, NaN-aware version of xarray's example.
    ml = da.time.dt.days_in_month.astype(np.float64)
    w = ml.where(da.notnull())
    wm = (da * ml).groupby("time.season").sum() / w.groupby("time.season").sum()
    emit(f"{c}_SEASON_WEIGHTED_MEAN", seasonal(wm.transpose("season", "y", "x")), "season")
    clim = gm.mean()
    anom = (gm - clim).isel(time=slice(0, 100))
    emit(f"{c}_MONTH_ANOMALY", anom, "time")

da = fixture("standard").isel(time=slice(0, 50))
emit("BINS_X_MEAN", da.groupby_bins("x", [0.0, 1.0, 2.0, 3.0, 4.0]).mean(), "x_bins")
emit("BINS_X_SUM", da.groupby_bins("x", [0.0, 1.0, 2.0, 3.0, 4.0]).sum(), "x_bins")
emit("BINS_X_LEFT_SUM", da.groupby_bins("x", [0, 1.5, 3], right=False).sum(), "x_bins")
emit("BINS_X_LABELS_MAX", da.groupby_bins("x", [0.0, 1.0, 3.0], labels=["lo", "hi"]).max(), "x_bins")
f32 = fixture("standard", np.float32)
emit("F32_SEASON_MEAN", seasonal(f32.groupby("time.season").mean()), "season")
emit("F32_RESAMPLE_MS_MEAN", f32.resample(time="MS").mean(), "time")
emit("F32_SEASON_STD", seasonal(f32.groupby("time.season").std()), "season")

print(f"// Generated by tests/golden/make_groupby_golden.py with xarray {xr.__version__}, "
      f"numpy {np.__version__}, pandas {pd.__version__}. Do not edit.")
print("\n".join(out))
print("/// The case named `name`.")
print("pub fn golden(name: &str) -> &'static GCase {")
print("    match name {")
for n in names:
    print(f'        "{n}" => &{n},')
print('        _ => panic!("no golden case {name}"),')
print("    }")
print("}")
