#!/usr/bin/env bash
# Tracker issue 18's memory target: xr's seasonal climatology (examples/clim_bench, both
# variables) alone on 10, 20 and 40 years of the issue's data, RUNS paired rounds (each
# round runs every length once, `sync` before each); prints the median peak RSS and wall
# per length and their ratios to the first length's (target: RSS within 10%).
#
# Usage: bench/clim/rss.sh [RUNS] [YEARS...]   (defaults 3 and 10 20 40)
# Data: bench/toolkit/data/yYEARS, made by bench/toolkit/make_data.py when missing
# (about 85 MB a year: 40 years are 3.4 GB; the free disk space is checked first).
# Environment: RES=0.25 for the 0.25° grid; PYTHON as in run.sh (to make the data).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
runs=${1:-3}
lengths=(10 20 40)
if [ $# -gt 1 ]; then
  shift
  lengths=("$@")
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
source "$here/lib.sh"
clim_python
declare -A dirs
for years in "${lengths[@]}"; do
  clim_data "$years"
  dirs[$years]=$data
done
clim_build --example clim_bench
xr_bin=$root/target/release/examples/clim_bench

echo "xr's seasonal climatology of tas + pr on ${lengths[*]} years, $runs rounds"
clim_context
for round in $(seq "$runs"); do
  echo "round $round/$runs ($(cut -d' ' -f1 /proc/loadavg))" >&2
  for years in "${lengths[@]}"; do
    timed "xr-${years}y" "$xr_bin" "${dirs[$years]}" "$out/xr.nc"
  done
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
first=${lengths[0]}
summary "xr-${first}y"
echo
rss0=$(median "xr-${first}y" 3)
wall0=$(median "xr-${first}y")
printf "%-8s %14s %12s %16s %14s\n" years "median RSS" "median wall" "RSS / ${first}y" "wall / ${first}y"
for years in "${lengths[@]}"; do
  rss=$(median "xr-${years}y" 3)
  wall=$(median "xr-${years}y")
  printf "%-8s %11d MB %10.2f s %16s %14s\n" "$years" $((rss / 1024)) "$wall" "$(ratio "$rss" "$rss0")" "$(ratio "$wall" "$wall0")"
done
worst=$(for years in "${lengths[@]}"; do ratio "$(median "xr-${years}y" 3)" "$rss0"; echo; done | sort -g | tail -1)
echo "largest RSS ratio $worst (target: within 10%, i.e. <= 1.10: $(awk -v w="$worst" 'BEGIN { print (w <= 1.10) ? "met" : "not met" }'))"
