#!/usr/bin/env bash
# The Zarr benchmarks, every contender side by side in one run:
#  (a) a 2 GiB float32 array (zstd, 1 MiB chunks) read into memory by xr, by zarrs alone
#      (retrieve_array_subset) and by xarray + zarr-python (.load(), dask threads);
#  (b) the seasonal climatology of bench/clim on its NetCDF files and on a Zarr copy.
# Each contender runs REPEAT times (interleaved); prints the median with min-max and the
# ratios to xr.
#
# Usage: bench/zarr/run.sh [REPEAT]   (default 3; data made once under bench/zarr/data
#        and bench/clim/data, git-ignored)
# Needs: python3 with xarray, zarr 3, dask, netCDF4 (PYTHON=...; else a venv is made in
# .venv at the repo root), /usr/bin/time.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
repeat=${1:-3}
py=${PYTHON:-$root/.venv/bin/python}
if [ ! -x "$py" ]; then
  python3 -m venv "$root/.venv"
  "$root/.venv/bin/pip" install -q xarray zarr dask flox netCDF4 cftime
  py=$root/.venv/bin/python
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

"$py" "$here/make_data.py" "$here/data"
(cd "$root" && cargo build -q --release --example zarr_read_bench --example clim_bench)
bench=$root/target/release/examples/zarr_read_bench
store=$here/data/big.zarr

# Prints "median min max" of the numbers on stdin.
stats() { sort -g | awk '{v[NR]=$1} END {printf "%.3f %.3f %.3f\n", v[int((NR+1)/2)], v[1], v[NR]}'; }

echo "== (a) reading a 2 GiB float32 Zarr array into memory ($(nproc) cores, warm page cache)"
"$bench" zarrs "$store" v >/dev/null # warm the page cache
for i in $(seq "$repeat"); do
  for c in xr zarrs xarray; do
    if [ $c = xarray ]; then
      /usr/bin/time -f "%U %S" -o "$out/cpu" "$py" "$here/xarray_read.py" "$store" v >"$out/run"
    else
      /usr/bin/time -f "%U %S" -o "$out/cpu" "$bench" $c "$store" v >"$out/run"
    fi
    read -r secs sum n <"$out/run"
    read -r user sys <"$out/cpu"
    echo "  run $i $c: $secs s wall, $user + $sys s CPU"
    echo "$secs" >>"$out/a_$c"
    echo "$user $sys" | awk '{print $1 + $2}' >>"$out/cpu_$c"
    # Python and Rust print exponents differently: compare the numbers.
    awk -v s="$sum" -v n="$n" 'BEGIN {printf "%.6e %d\n", s, n}' >>"$out/sums"
  done
done
if [ "$(sort -u "$out/sums" | wc -l)" -ne 1 ]; then
  echo "the contenders disagree on the values (sum, count):" >&2
  sort -u "$out/sums" >&2
  exit 1
fi
echo "all agree: sum, count = $(head -1 "$out/sums")"
# Wall time is the figure; on a machine shared with other jobs it swings, so the CPU
# time of the whole process (user + sys, start-up included) is printed too.
printf "%-10s %10s %16s %7s %10s %16s %7s\n" contender "wall [s]" "min-max" "vs xr" "CPU [s]" "min-max" "vs xr"
xr_med=$(stats <"$out/a_xr" | cut -d' ' -f1)
xr_cpu=$(stats <"$out/cpu_xr" | cut -d' ' -f1)
for c in xr zarrs xarray; do
  read -r med lo hi < <(stats <"$out/a_$c")
  read -r cmed clo chi < <(stats <"$out/cpu_$c")
  printf "%-10s %10.2f %16s %6.2fx %10.2f %16s %6.2fx\n" "$c" "$med" "$lo-$hi" \
    "$(echo "$med / $xr_med" | bc -l)" "$cmed" "$clo-$chi" "$(echo "$cmed / $xr_cpu" | bc -l)"
done

echo
echo "== (b) seasonal climatology, 10 years of daily 180x360 float32: NetCDF vs Zarr"
clim=$root/bench/clim
"$py" "$clim/make_data.py" "$clim/data/y10" 10
zstore=$here/data/clim_y10.zarr
[ -f "$zstore/zarr.json" ] || "$bench" copy "$clim/data/y10" "$zstore"
for i in $(seq "$repeat"); do
  /usr/bin/time -f "%e %M" -o "$out/t" "$root/target/release/examples/clim_bench" "$clim/data/y10" "$out/nc.nc"
  cat "$out/t" >>"$out/b_netcdf"
  /usr/bin/time -f "%e %M" -o "$out/t" "$bench" clim "$zstore" "$out/zarr.nc"
  cat "$out/t" >>"$out/b_zarr"
done
printf "%-16s %10s %18s %12s %10s\n" input "median [s]" "min-max [s]" "peak RSS" "vs NetCDF"
nc_med=$(cut -d' ' -f1 "$out/b_netcdf" | stats | cut -d' ' -f1)
for c in netcdf zarr; do
  read -r med lo hi < <(cut -d' ' -f1 "$out/b_$c" | stats)
  rss=$(cut -d' ' -f2 "$out/b_$c" | sort -g | tail -1)
  printf "%-16s %10.2f %18s %9d MB %9.2fx\n" "$c" "$med" "$lo-$hi" $((rss / 1024)) "$(echo "$med / $nc_med" | bc -l)"
done
"$py" - "$out/nc.nc" "$out/zarr.nc" <<'PY'
import sys, numpy as np, xarray as xr
a, b = xr.open_dataset(sys.argv[1]), xr.open_dataset(sys.argv[2])
same = np.array_equal(a.tas.values, b.tas.values, equal_nan=True)
print("climatologies from NetCDF and Zarr identical:", same)
sys.exit(0 if same else 1)
PY
