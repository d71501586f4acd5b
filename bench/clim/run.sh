#!/usr/bin/env bash
# The seasonal climatology on the same files, in one run: xr, xarray + dask (threads)
# with and without flox, and `cdo -P 2 yseasmean -mergetime`. Prints wall time (process
# start included), peak RSS and each contender's time as a multiple of xr's.
#
# Usage: bench/clim/run.sh [YEARS]   (default 10; data is made once under bench/clim/data)
# Needs: python3 (a venv with xarray, dask, flox, netCDF4 is made in .venv at the repo
# root if missing), cdo (apt-get install cdo), /usr/bin/time.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
years=${1:-10}
py=${PYTHON:-$root/.venv/bin/python}
if [ ! -x "$py" ]; then
  python3 -m venv "$root/.venv"
  "$root/.venv/bin/pip" install -q xarray dask flox netCDF4 cftime
  py=$root/.venv/bin/python
fi
data=$here/data/y$years
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$py" "$here/make_data.py" "$data" "$years"
(cd "$root" && cargo build -q --release --example clim_bench)
xr_bin=$root/target/release/examples/clim_bench

run() { # name command...
  local name=$1
  shift
  sync
  /usr/bin/time -f "%e %M" -o "$out/time" "$@" >"$out/log" 2>&1 || {
    echo "$name failed:" >&2
    cat "$out/log" >&2
    return 1
  }
  read -r secs kb <"$out/time"
  echo "$name $secs $kb" >>"$out/results"
}

run xr "$xr_bin" "$data" "$out/xr.nc"
run xarray+dask+flox "$py" "$here/xarray_clim.py" "$data" "$out/flox.nc" flox
run xarray+dask "$py" "$here/xarray_clim.py" "$data" "$out/noflox.nc" noflox
if command -v cdo >/dev/null; then
  run "cdo-P2" cdo -s -P 2 yseasmean -mergetime "$data/*.nc" "$out/cdo.nc"
fi

echo "seasonal climatology, $years years of daily 180x360 float32 ($(nproc) cores, $(uname -m))"
printf "%-18s %10s %12s %10s\n" contender "wall [s]" "peak RSS" "vs xr"
xr_secs=$(awk '$1=="xr"{print $2}' "$out/results")
awk -v base="$xr_secs" '{printf "%-18s %10.2f %9d MB %9.1fx\n", $1, $2, $3 / 1024, $2 / base}' "$out/results"

# The answers must agree: xr against xarray (flox), per season.
"$py" - "$out/xr.nc" "$out/flox.nc" <<'PY'
import sys, numpy as np, xarray as xr
a, b = xr.open_dataset(sys.argv[1]), xr.open_dataset(sys.argv[2])
b = b.sel(season=list(a.season.values))
err = float(np.max(np.abs(a.tas.values - b.tas.values) / np.abs(b.tas.values)))
print(f"max relative difference xr vs xarray: {err:.2e}")
sys.exit(0 if err < 1e-6 else 1)
PY
