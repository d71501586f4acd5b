#!/usr/bin/env bash
# Tracker issue 18's headline: the seasonal climatology of both variables (tas float32, pr
# packed int16) of the same files, RUNS paired rounds, each round running every contender
# once in turn (`sync` before each): xr (examples/clim_bench), `cdo -P 2 yseasmean
# -mergetime`, xarray + dask with chunks={"time": 365} and with the files' own chunks,
# each with and without flox, and the floor: examples/direct_read's decompress-only time
# of both variables' chunks. Prints each contender's wall times (process start included),
# median, peak RSS and median / xr's median, xr's median / the floor's, then checks the
# answers: xr against xarray + flox (fails beyond 1e-6 relative), CDO against xarray
# (printed only).
#
# Usage: bench/clim/run.sh [YEARS] [RUNS]     (defaults 10 and 5)
# Environment:
#   DATA=DIR                 the yearly files to use (default: bench/toolkit/data/yYEARS,
#                            made by bench/toolkit/make_data.py when missing)
#   RES=0.25                 the 0.25° grid (1440 x 720; data in bench/clim/data/qYEARS)
#   XARRAY_DEFAULT_CHUNKS=0  skip xarray with the files' own chunks (one step each: slow)
#   XARRAY=0                 skip every xarray contender (the answer check still runs
#                            xarray + flox once, untimed); the default on grids finer
#                            than 1° (XARRAY=1 to time it there: chunks of 365 steps of
#                            0.25° are 1.5 GB each)
#   PYTHON=...               the Python with xarray, dask, flox, netCDF4 (default: .venv
#                            at the repo root, made if missing)
#   BUILD=0                  use the binaries in target/release as they are (no cargo)
# Needs: cdo (apt-get install cdo; skipped if missing), /usr/bin/time, cargo.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
years=${1:-10}
runs=${2:-5}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
source "$here/lib.sh"
clim_python
clim_data "$years"
clim_build --example clim_bench --example direct_read
xr_bin=$root/target/release/examples/clim_bench
floor_bin=$root/target/release/examples/direct_read
have_cdo=0
command -v cdo >/dev/null && have_cdo=1
nfiles=$(ls "$data"/*.nc | wc -l)
grid=$("$py" -c "import netCDF4, sys; v = netCDF4.Dataset(sys.argv[1])['tas']; print('x'.join(map(str, v.shape[1:])))" "$(ls "$data"/*.nc | head -1)")
cells=$((${grid/x/*}))
xarray_default=1
[ "$cells" -le 64800 ] || xarray_default=0
xarray_runs=()
if [ "${XARRAY:-$xarray_default}" != 0 ]; then
  xarray_runs=("365 flox" "365 noflox")
  if [ "${XARRAY_DEFAULT_CHUNKS:-1}" != 0 ]; then
    xarray_runs+=("default flox" "default noflox")
  fi
fi

echo "seasonal climatology of tas + pr, $data: $nfiles files, grid $grid, $runs rounds"
clim_context
for round in $(seq "$runs"); do
  echo "round $round/$runs ($(cut -d' ' -f1 /proc/loadavg))" >&2
  timed xr "$xr_bin" "$data" "$out/xr.nc"
  if [ $have_cdo = 1 ]; then
    timed cdo-P2 cdo -s -P 2 yseasmean -mergetime "$data/*.nc" "$out/cdo.nc"
  fi
  for x in "${xarray_runs[@]}"; do
    set -- $x
    timed "xarray-chunks$1-$2" "$py" "$here/xarray_clim.py" "$data" "$out/xarray-$1-$2.nc" "$2" "$1"
  done
  # The floor: one pass (XR_BENCH_REPEAT=1) of inflating + unshuffling both variables'
  # chunks, read into memory beforehand, on all cores; its own timing, not the process's.
  sync
  XR_BENCH_REPEAT=1 "$floor_bin" tas,pr "$data"/*.nc >"$out/floor.log"
  awk '$1 == "decompress_only" { print "floor-decompress-only", $2, 0 }
       $1 == "direct" { print "floor-direct-read", $2, 0 }' "$out/floor.log" >>"$out/results"
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
summary xr
echo "(floor-*: examples/direct_read's own timings of tas + pr in one pass, not a process:"
echo " decompress-only = inflate + unshuffle of the chunks already in memory; direct-read ="
echo " read + decode into arrays; their RSS is not measured)"
xr_m=$(median xr)
floor_m=$(median floor-decompress-only)
echo
echo "targets (issue 18):"
echo "  xr / floor (decompress-only): $(ratio "$xr_m" "$floor_m")  (target <= 1.3)"
if [ $have_cdo = 1 ]; then
  echo "  cdo -P 2 / xr:                $(ratio "$(median cdo-P2)" "$xr_m")  (target >= 4)"
fi
for x in "${xarray_runs[@]}"; do
  set -- $x
  printf "  %-29s %s  (target >= 6 for tuned xarray + dask)\n" "xarray-chunks$1-$2 / xr:" "$(ratio "$(median "xarray-chunks$1-$2")" "$xr_m")"
done

echo
echo "answers (last round's outputs):"
want=$out/xarray-365-flox.nc
if [ ! -f "$want" ]; then
  # Untimed; about 365 steps of 1° in a chunk (23 steps of 0.25°), to bound its memory.
  check_chunk=$((365 * 64800 / cells))
  [ "$check_chunk" -ge 1 ] || check_chunk=1
  echo "(xarray + flox for the check, untimed, chunks={\"time\": $check_chunk})"
  want=$out/xarray-check.nc
  "$py" "$here/xarray_clim.py" "$data" "$want" flox "$check_chunk"
fi
cdo_out=()
[ $have_cdo = 1 ] && cdo_out=("$out/cdo.nc")
"$py" "$here/check.py" "$out/xr.nc" "$want" "${cdo_out[@]}"
