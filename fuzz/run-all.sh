#!/usr/bin/env bash
# Runs every fuzz target one after another (one process, nice 19: the machine is shared),
# each for RUNS inputs or SECONDS seconds, whichever comes first, and prints the inputs
# tried and whether it crashed. Usage: fuzz/run-all.sh [RUNS] [SECONDS] [TARGET...]
set -uo pipefail
cd "$(dirname "$0")"
runs=${1:-1000000}
secs=${2:-600}
shift 2 2>/dev/null || true
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(time_units datetime_string cf_attributes \
    netcdf_classic_header direct_chunk zarr_metadata mpi_wire)
[[ -d corpus ]] || ./seed.sh
mkdir -p logs
for t in "${targets[@]}"; do
    nice -n 19 cargo +nightly fuzz run -s none "$t" -- \
        -runs="$runs" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -malloc_limit_mb=1024 -print_final_stats=1 > "logs/$t.log" 2>&1
    rc=$?
    tried=$(grep -oE '^stat::number_of_executed_units: *[0-9]+' "logs/$t.log" | grep -oE '[0-9]+$')
    echo "$t: exit $rc, ${tried:-?} inputs"
done
