#!/usr/bin/env bash
# Tracker issue 18's Zarr target: the same yearly files converted by `xr convert` to one
# Zarr store (one time step per chunk, as the files: the converter keeps the lazy chunks;
# the codec is xr's Zarr default, zstd without shuffle, where the files have deflate 1 +
# shuffle: a NetCDF filter has no Zarr codec of the same name), then xr's seasonal climatology of both variables (examples/clim_bench) from the
# store and from the NetCDF files, RUNS paired rounds (`sync` before each). Prints each
# side's wall times, medians, peak RSS and Zarr / NetCDF (target: <= 1), and checks that
# both answers are equal.
#
# Usage: bench/clim/zarr.sh [YEARS] [RUNS]   (defaults 10 and 5)
# The store: bench/clim/data/yYEARS.zarr (qYEARS.zarr at RES=0.25), made once from the
# files (bench/toolkit/data/yYEARS, made when missing) and kept; ZARR_FORMAT=2 for a v2
# store (then bench/clim/data/yYEARS.v2.zarr). Environment: DATA, RES, PYTHON as in run.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
years=${1:-10}
runs=${2:-5}
format=${ZARR_FORMAT:-3}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
source "$here/lib.sh"
clim_python
clim_data "$years"
clim_build --example clim_bench --bin xr
xr_bin=$root/target/release/examples/clim_bench
suffix=""
[ "$format" = 3 ] || suffix=".v$format"
store=$here/data/$(basename "$data")$suffix.zarr
if [ ! -d "$store" ]; then
  mkdir -p "$here/data"
  echo "converting $data/*.nc to $store (Zarr v$format)"
  partial=$here/data/partial-$(basename "$store")
  /usr/bin/time -f "xr convert: %e s, peak RSS %M kB" \
    nice -n 10 "$root/target/release/xr" convert "$data/*.nc" "$partial" --overwrite --zarr-format "$format"
  mv "$partial" "$store"
fi

echo "xr's seasonal climatology of tas + pr: $data ($(du -sh "$data" | cut -f1)) vs $store ($(du -sh "$store" | cut -f1)), $runs rounds"
clim_context
for round in $(seq "$runs"); do
  echo "round $round/$runs ($(cut -d' ' -f1 /proc/loadavg))" >&2
  timed xr-netcdf "$xr_bin" "$data" "$out/netcdf.nc"
  timed xr-zarr "$xr_bin" "$store" "$out/zarr.nc"
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
summary xr-netcdf
echo
echo "zarr / netcdf: $(ratio "$(median xr-zarr)" "$(median xr-netcdf)")  (target <= 1)"
# Equal: identical values, or within 1e-6 relative. The store keeps scale_factor and
# add_offset as JSON numbers, so pr's float32 packing attributes come back float64 and pr
# decodes to float64 from the store (float32 from the files); xarray does the same with
# both (`xr.open_zarr(STORE).pr.dtype` is float64), and its seasonal means differ from the
# float32 ones by float32 rounding.
"$py" - "$out/netcdf.nc" "$out/zarr.nc" <<'PY'
import sys

import numpy as np
import xarray as xr

a, b = (xr.open_dataset(p) for p in sys.argv[1:])
ok = sorted(a.data_vars) == sorted(b.data_vars) and list(a.season.values) == list(b.season.values)
for v in a.data_vars:
    x, y = a[v].values, b[v].transpose(*a[v].dims).values
    if x.shape != y.shape:
        print(f"answers {v}: shapes differ {x.shape} vs {y.shape}  FAIL")
        ok = False
        continue
    if x.dtype == y.dtype and np.array_equal(x, y, equal_nan=x.dtype.kind == "f"):
        print(f"answers {v}: identical")
        continue
    x, y = x.astype("f8"), y.astype("f8")
    rel = float(np.nanmax(np.abs(x - y) / np.abs(x)))
    within = rel <= 1e-6 and np.array_equal(np.isnan(x), np.isnan(y))
    print(f"answers {v}: {a[v].dtype} vs {b[v].dtype}, max relative difference {rel:.2e}"
          + ("" if within else "  FAIL"))
    ok &= within
sys.exit(0 if ok else 1)
PY
