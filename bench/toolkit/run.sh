#!/usr/bin/env bash
# Tracker issue 15's "Speed" benchmarks on the same files, in one run: a 30-day centred
# rolling mean written to NetCDF, and the cos(lat)-weighted global-mean time series, each by
# xr, xarray + dask (threads, chunks={"time": 365}) and CDO (`cdo -P 2 runmean,30`,
# `cdo -P 2 fldmean`). Prints wall time (process start included), peak RSS and each
# contender's time as a multiple of xr's; then checks that xr's answers equal xarray's
# (fails the script if not) and compares CDO's on what it computes alike (see README.md).
#
# Usage: bench/toolkit/run.sh [YEARS]   (default 10; data is made once under
#        bench/toolkit/data/yYEARS). XR_TIME_CHUNK=365 makes xr rechunk along time after
#        opening (default: the files' own chunks, one time step each).
# Needs: python3 (a venv with xarray, dask, netCDF4 is made in .venv at the repo root if
# missing; PYTHON=... picks another), cdo (apt-get install cdo; skipped if missing),
# /usr/bin/time.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
years=${1:-10}
py=${PYTHON:-$root/.venv/bin/python}
if [ ! -x "$py" ]; then
  python3 -m venv "$root/.venv"
  "$root/.venv/bin/pip" install -q xarray dask netCDF4 cftime
  py=$root/.venv/bin/python
fi
data=$here/data/y$years
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$py" "$here/make_data.py" "$data" "$years"
(cd "$root" && cargo build -q --release --example toolkit_bench)
xr_bin=$root/target/release/examples/toolkit_bench
chunk=()
[ -n "${XR_TIME_CHUNK:-}" ] && chunk=("$XR_TIME_CHUNK")

run() { # bench name command...
  local bench=$1 name=$2
  shift 2
  sync
  /usr/bin/time -f "%e %M" -o "$out/time" "$@" >"$out/log" 2>&1 || {
    echo "$bench $name failed:" >&2
    cat "$out/log" >&2
    return 1
  }
  read -r secs kb <"$out/time"
  echo "$bench $name $secs $kb" >>"$out/results"
}

have_cdo=0
command -v cdo >/dev/null && have_cdo=1
for bench in rolling fldmean; do
  run $bench xr "$xr_bin" "$data" "$out/xr_$bench.nc" $bench "${chunk[@]}"
  run $bench xarray+dask "$py" "$here/xarray_toolkit.py" "$data" "$out/xarray_$bench.nc" $bench
  if [ $have_cdo = 1 ]; then
    op=$bench
    [ $bench = rolling ] && op=runmean,30
    run $bench cdo-P2 cdo -s -P 2 -b F32 "$op" -mergetime "$data/*.nc" "$out/cdo_$bench.nc"
  fi
done

echo "toolkit, $years years of daily 180x360 tas (float32) + pr (packed int16) ($(nproc) cores, $(uname -m))"
echo "xr chunks along time: ${XR_TIME_CHUNK:-as opened (one step each)}; xarray: 365; load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-8s %-12s %10s %12s %10s\n" bench contender "wall [s]" "peak RSS" "vs xr"
for bench in rolling fldmean; do
  xr_secs=$(awk -v b=$bench '$1==b && $2=="xr"{print $3}' "$out/results")
  awk -v b=$bench -v base="$xr_secs" '$1==b {printf "%-8s %-12s %10.2f %9d MB %9.1fx\n", $1, $2, $3, $4 / 1024, $3 / base}' "$out/results"
done

# The answers must agree: xr against xarray (fails the script), CDO against xarray where
# it computes the same thing (fails beyond a loose tolerance, see README.md).
"$py" - "$out" "$have_cdo" <<'PY'
import sys, numpy as np, xarray as xr
out, have_cdo = sys.argv[1], sys.argv[2] == "1"
ok = True

def check(what, got, want, var, atol, rtol):
    global ok
    g, w = got.astype("f8"), want.astype("f8")
    if g.shape != w.shape or not np.array_equal(np.isnan(g), np.isnan(w)):
        print(f"{what} {var}: shapes or NaN positions differ ({g.shape} vs {w.shape})")
        ok = False
        return
    m = ~np.isnan(w)
    rel = float(np.max(np.abs(g[m] - w[m]) / np.maximum(np.abs(w[m]), 1e-300))) if m.any() else 0.0
    bad = not np.all(np.abs(g[m] - w[m]) <= atol + rtol * np.abs(w[m]))
    note = f" (within {atol:.1e} absolute: xr's output is packed)" if atol else ""
    print(f"{what} {var}: max relative difference {rel:.2e}{note}{'  FAIL' if bad else ''}")
    ok &= not bad

for bench in ["rolling", "fldmean"]:
    a = xr.open_dataset(f"{out}/xr_{bench}.nc")
    b = xr.open_dataset(f"{out}/xarray_{bench}.nc")
    if not np.array_equal(a.time.values, b.time.values):
        print(f"{bench}: xr and xarray time labels differ")
        ok = False
    for v in ["tas", "pr"]:
        # xr keeps the source encoding (pr packed int16), xarray drops it: allow one
        # packing step (half a step of rounding, plus float32 scale and arithmetic).
        atol = float(a[v].encoding.get("scale_factor", 0.0))
        check(f"{bench} xr vs xarray", a[v].values, b[v].values, v, atol, 1e-6)
    if not have_cdo:
        continue
    c = xr.open_dataset(f"{out}/cdo_{bench}.nc")
    for v in ["tas", "pr"]:
        if bench == "rolling":
            # CDO writes only full windows: its step k is the mean of inputs k..k+29,
            # which is xarray's centred label k + 15 (xarray: NaN at 15 first, 14 last).
            n = c.sizes["time"]
            want = b[v].values[15 : 15 + n]
        else:
            # CDO weights by its cell areas (∝ cos(lat) on this grid, up to rounding).
            want = b[v].values
        check(f"{bench} cdo vs xarray", c[v].values.reshape(want.shape), want, v, 0.0, 1e-4)
sys.exit(0 if ok else 1)
PY
