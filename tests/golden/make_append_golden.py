"""Fixtures and golden values of tracker issue 17 item 5: appending records to a NetCDF
file along its unlimited dim, with the encoding the file stores.

For each calendar (standard, noleap, 360_day) writes, with xarray:
- tests/data/append_base_<cal>.nc: 4 records along the unlimited dim `time`; `t` packed
  as int16 (scale_factor, add_offset, _FillValue), `n` int32, `w` float32 with NaNs,
  `lat` a coordinate without `time`; times as "days since 2000-01-01" in <cal>.
- tests/data/append_more_<cal>.nc: 3 more records, encoded otherwise (float64 unpacked,
  int64, times as "hours since 2000-06-01"), so that an append must re-encode them.
and tests/golden/append_golden.json: what xarray reads from the base file after the
records were appended with the base file's encoding (computed as xarray's concat of the
two, written with the base encoding, read back), values CF-encoded numbers for times.

Run with the reference stack:
    /work/venv/bin/python tests/golden/make_append_golden.py
"""

import json
import math
import pathlib
import tempfile

import numpy as np
import xarray as xr

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
GOLDEN = ROOT / "tests" / "golden" / "append_golden.json"


def to_json(values):
    return [None if isinstance(v, float) and math.isnan(v) else v for v in values]


def datasets(cal):
    rng = np.random.default_rng({"standard": 1, "noleap": 2, "360_day": 3}[cal])
    times = xr.date_range("2000-01-30", periods=7, freq="D", calendar=cal, use_cftime=True)
    lat = np.array([-10.0, 0.0, 10.0])
    t = 270.0 + 30.0 * rng.random((7, 3))
    t[1, 2] = np.nan
    t[5, 0] = np.nan
    n = rng.integers(-50, 50, (7, 3))
    w = rng.random((7, 3)).astype("f4")
    w[0, 1] = np.nan
    w[6, 2] = np.nan
    ds = xr.Dataset(
        {
            "t": (("time", "lat"), t, {"units": "K", "long_name": "temperature"}),
            "n": (("time", "lat"), n),
            "w": (("time", "lat"), w),
        },
        coords={"time": times, "lat": ("lat", lat, {"units": "degrees_north"})},
        attrs={"title": f"append fixture ({cal})"},
    )
    base_enc = {
        "t": {"dtype": "int16", "scale_factor": 0.01, "add_offset": 280.0, "_FillValue": -32767},
        "n": {"dtype": "int32"},
        "w": {"dtype": "float32", "_FillValue": np.float32(np.nan)},
        "time": {"units": "days since 2000-01-01", "calendar": cal, "dtype": "float64"},
    }
    more_enc = {
        "t": {"dtype": "float64", "_FillValue": np.nan},
        "n": {"dtype": "int64"},
        "w": {"dtype": "float64", "_FillValue": np.nan},
        "time": {"units": "hours since 2000-06-01", "calendar": cal, "dtype": "int64"},
    }
    return ds, base_enc, more_enc


def main():
    golden = {"xarray": xr.__version__, "cases": {}}
    for cal in ["standard", "noleap", "360_day"]:
        ds, base_enc, more_enc = datasets(cal)
        base, more = ds.isel(time=slice(0, 4)), ds.isel(time=slice(4, 7))
        base.to_netcdf(DATA / f"append_base_{cal}.nc", encoding=base_enc, unlimited_dims=["time"])
        more.to_netcdf(DATA / f"append_more_{cal}.nc", encoding=more_enc)
        with tempfile.TemporaryDirectory() as d:
            whole = pathlib.Path(d) / "whole.nc"
            ds.to_netcdf(whole, encoding=base_enc, unlimited_dims=["time"])
            with xr.open_dataset(whole, decode_times=False) as raw:
                case = {
                    "time": to_json(raw["time"].values.tolist()),
                    "time_units": raw["time"].attrs["units"],
                    "calendar": raw["time"].attrs["calendar"],
                }
            with xr.open_dataset(whole) as back:
                for name in ["t", "n", "w"]:
                    v = back[name]
                    case[name] = {
                        "dims": list(v.dims),
                        "shape": list(v.shape),
                        "dtype": str(v.dtype),
                        "values": to_json(v.values.astype("f8").ravel().tolist()),
                        "encoded_dtype": str(v.encoding["dtype"]),
                    }
                case["lat"] = back["lat"].values.tolist()
        golden["cases"][cal] = case
    GOLDEN.write_text(json.dumps(golden, indent=1) + "\n")


if __name__ == "__main__":
    main()
