#!/usr/bin/env bash
# Builds and runs the cross-tool read benchmark; prints every timing and the ratios.
# Usage: bench/read/run.sh   (PYTHON=/path/to/python to pick the reference stack)
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON="${PYTHON:-/work/venv/bin/python}"
"$PYTHON" bench/read/make_data.py
FILES=(bench/read/data/tas_day_*.nc)
cargo build --release --quiet --example direct_read
OUT=$(mktemp)
./target/release/examples/direct_read tas "${FILES[@]}" | tee "$OUT"
"$PYTHON" bench/read/xarray_read.py "${FILES[@]}" | tee -a "$OUT"
awk '
  { t[$1] = $2 }
  END {
    printf "\n(a) direct read, all cores:        %.3f s\n", t["direct"]
    printf "(c) decompress only, all cores:    %.3f s\n", t["decompress_only"]
    printf "(b) xarray open_mfdataset().load(): %.3f s\n", t["xarray_mfdataset"]
    printf "(b) xarray open_dataset per file:   %.3f s\n", t["xarray_per_file"]
    printf "xarray mfdataset / direct: %.2fx faster (target >= 2)\n", t["xarray_mfdataset"] / t["direct"]
    printf "xarray per file  / direct: %.2fx faster (target >= 2)\n", t["xarray_per_file"] / t["direct"]
    printf "direct / decompress only:  %.2fx (target <= 1.5)\n", t["direct"] / t["decompress_only"]
  }' "$OUT"
rm -f "$OUT"
