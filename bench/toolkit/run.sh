#!/usr/bin/env bash
# Tracker issues 15 and 16's "Speed" benchmarks on the same files, in one run: a 30-day
# centred rolling mean written to NetCDF, the cos(lat)-weighted global-mean time series,
# the linear interpolation onto a 0.5° grid written to NetCDF, and ffill("time") of the
# data with gaps written to NetCDF, each by xr and xarray + dask (threads,
# chunks={"time": 365}), the first two by CDO too (`cdo -P 2 runmean,30`,
# `cdo -P 2 fldmean`). Prints wall time (process start included), peak RSS and each
# contender's time as a multiple of xr's; checks that xr's answers equal xarray's (fails
# the script if not) and compares CDO's on what it computes alike (see README.md). Each
# bench's outputs are deleted once checked (the interpolation writes 7.6 GB a contender
# for 10 years).
#
# Usage: bench/toolkit/run.sh [YEARS]   (default 10; data is made once under
#        bench/toolkit/data/yYEARS, and yYEARS-gaps for ffill). XR_TIME_CHUNK=365 makes
#        xr rechunk along time after opening (default: the files' own chunks, one time
#        step each). BENCHES="interp ffill" runs only those (default: all four).
#        REPEAT=3 runs every contender 3 times, interleaved, and reports the median time
#        (default 1). For interp and ffill, `dd-write` is the time dd takes to write as
#        many bytes as xr's output has: the disk's part of both contenders' times.
# Needs: python3 (a venv with xarray, dask, netCDF4, bottleneck (xarray's ffill) and
# scipy (its interp) is made in .venv at the repo root if missing; PYTHON=... picks
# another), cdo (apt-get install cdo; skipped if missing),
# /usr/bin/time.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
years=${1:-10}
py=${PYTHON:-$root/.venv/bin/python}
if [ ! -x "$py" ]; then
  python3 -m venv "$root/.venv"
  "$root/.venv/bin/pip" install -q xarray dask netCDF4 cftime bottleneck scipy
  py=$root/.venv/bin/python
fi
data=$here/data/y$years
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
benches=${BENCHES:-rolling fldmean interp ffill}
repeat=${REPEAT:-1}
"$py" "$here/make_data.py" "$data" "$years"
case " $benches " in *" ffill "*) "$py" "$here/make_data.py" "$data-gaps" "$years" gaps ;; esac
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
ok=1
for bench in $benches; do
  input=$data
  [ $bench = ffill ] && input=$data-gaps
  case $bench in
    rolling | fldmean) cdo_here=$have_cdo ;;
    *) cdo_here=0 ;;
  esac
  op=$bench
  [ $bench = rolling ] && op=runmean,30
  # REPEAT rounds, the contenders interleaved; each output is removed before it is
  # written again (replacing a file by rename makes ext4 flush the new one first).
  for _ in $(seq "$repeat"); do
    rm -f "$out"/*_$bench.nc
    run $bench xr "$xr_bin" "$input" "$out/xr_$bench.nc" $bench "${chunk[@]}"
    run $bench xarray+dask "$py" "$here/xarray_toolkit.py" "$input" "$out/xarray_$bench.nc" $bench
    case $bench in
      interp | ffill)
        # The time to write the output's bytes and nothing else (dd, 1 MiB blocks,
        # through the page cache like the contenders' writes): the disk's floor.
        mib=$(( $(stat -c %s "$out/xr_$bench.nc") >> 20 ))
        run $bench dd-write dd if=/dev/zero of="$out/dd_$bench.nc" bs=1M count=$mib status=none
        rm -f "$out/dd_$bench.nc"
        ;;
    esac
    if [ $cdo_here = 1 ]; then
      run $bench cdo-P2 cdo -s -P 2 -b F32 "$op" -mergetime "$input/*.nc" "$out/cdo_$bench.nc"
    fi
  done
  # The answers must agree: xr against xarray (fails the script), CDO against xarray
  # where it computes the same thing (fails beyond a loose tolerance, see README.md).
  "$py" "$here/check.py" $bench "$out" $cdo_here >>"$out/checks" || ok=0
  rm -f "$out"/*_$bench.nc
done

echo "toolkit, $years years of daily 180x360 tas (float32) + pr (packed int16) ($(nproc) cores, $(uname -m))"
echo "xr chunks along time: ${XR_TIME_CHUNK:-as opened (one step each)}; xarray: 365; load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-8s %-12s %10s %12s %10s\n" bench contender "wall [s]" "peak RSS" "vs xr"
# Per contender: the median wall time of its REPEAT runs, the largest peak RSS.
summary() {
  awk -v b="$1" '$1==b {print $2}' "$out/results" | awk '!seen[$0]++' | while read -r name; do
    secs=$(awk -v b="$1" -v n="$name" '$1==b && $2==n {print $3}' "$out/results" | sort -g |
      awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}')
    kb=$(awk -v b="$1" -v n="$name" '$1==b && $2==n && $4>m {m=$4} END {print m}' "$out/results")
    echo "$1 $name $secs $kb"
  done
}
for bench in $benches; do
  summary $bench >"$out/summary"
  xr_secs=$(awk '$2=="xr"{print $3}' "$out/summary")
  awk -v base="$xr_secs" '{printf "%-8s %-12s %10.2f %9d MB %9.1fx\n", $1, $2, $3, $4 / 1024, $3 / base}' "$out/summary"
done
[ "$repeat" -gt 1 ] && { echo "every run (bench contender seconds KB):"; cat "$out/results"; }
cat "$out/checks"
[ $ok = 1 ]
