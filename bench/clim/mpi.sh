#!/usr/bin/env bash
# Tracker issue 18's MPI target: `xr clim DIR OUT.nc --mpi` (the seasonal climatology of
# both variables on every rank of the job, the result gathered and written by rank 0) on
# 2 ranks against 1 rank, each rank with THREADS threads (default 1, so that 2 ranks use
# the 2 cores that 1 rank leaves half idle), and `xr clim` without MPI (all cores) for
# reference; RUNS paired rounds, `sync` before each, shared-memory transport. Prints each
# wall time (mpirun's start and the ranks' included), medians, peak RSS (of the largest
# process: one rank, or mpirun), the speedup 1 rank / 2 ranks (target >= 1.7) and checks
# that the three answers are identical. Also the same speedup in the time xr reports
# (rank 0, MPI start-up excluded).
#
# Usage: bench/clim/mpi.sh [YEARS] [RUNS]   (defaults 10 and 5)
# Environment: THREADS (per rank, default 1); DATA, RES, PYTHON as in run.sh.
# Needs: OpenMPI and libclang (scripts/deps-mpi.sh installs them), a release build of xr
# with the `mpi` feature (made here).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
years=${1:-10}
runs=${2:-5}
threads=${THREADS:-1}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
source "$here/lib.sh"
clim_python
clim_data "$years"
bash "$root/scripts/deps-mpi.sh"
clim_build --features mpi --bin xr
xr_bin=$root/target/release/xr
# OpenMPI refuses to run as root (containers) without these; ranks bound to no core, so
# that THREADS > 1 can use both.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpi=(mpirun --oversubscribe --bind-to none --mca pml ob1 --mca btl self,vader)

echo "xr clim of tas + pr on MPI ranks ($threads thread(s) each): $data ($(ls "$data"/*.nc | wc -l) files), $runs rounds"
clim_context
for round in $(seq "$runs"); do
  echo "round $round/$runs ($(cut -d' ' -f1 /proc/loadavg))" >&2
  timed xr-no-mpi "$xr_bin" clim "$data" "$out/local.nc"
  timed mpi-1-rank env RAYON_NUM_THREADS="$threads" "${mpi[@]}" -n 1 "$xr_bin" clim "$data" "$out/mpi1.nc" --mpi
  timed mpi-2-ranks env RAYON_NUM_THREADS="$threads" "${mpi[@]}" -n 2 "$xr_bin" clim "$data" "$out/mpi2.nc" --mpi
  # xr's own time (rank 0: open_mfdataset to the written file, MPI start-up excluded),
  # as "xr-own-NAME SECONDS 0": printed as a Duration (1.23s, 812.34ms).
  for name in mpi-1-rank mpi-2-ranks; do
    sed -n 's/.* MPI ranks in \([0-9.]*\)\([mµn]*s\) .*/\1 \2/p' "$out/$name.log" |
      awk -v n="xr-own-$name" '{ f = ($2 == "ms") ? 1e-3 : ($2 == "µs") ? 1e-6 : ($2 == "ns") ? 1e-9 : 1; printf "%s %.4f 0\n", n, $1 * f }' >>"$out/results"
  done
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
summary mpi-1-rank
echo "xr's own account of the last round (rank 0):"
grep -h "xr clim" "$out/mpi-1-rank.log" "$out/mpi-2-ranks.log" | sed 's/^/  /'
echo "(xr-own-*: the time xr clim reports on rank 0, MPI start-up excluded; RSS not measured)"
echo
echo "speedup, 1 rank / 2 ranks: $(ratio "$(median mpi-1-rank)" "$(median mpi-2-ranks)") in wall time of the whole mpirun, $(ratio "$(median xr-own-mpi-1-rank)" "$(median xr-own-mpi-2-ranks)") in xr's own time  (target >= 1.7)"
"$py" - "$out/local.nc" "$out/mpi1.nc" "$out/mpi2.nc" <<'PY'
import sys

import numpy as np
import xarray as xr

a, *others = (xr.open_dataset(p) for p in sys.argv[1:])
ok = True
for name, b in zip(["1 rank", "2 ranks"], others):
    for v in a.data_vars:
        same = v in b and np.array_equal(a[v].values, b[v].transpose(*a[v].dims).values, equal_nan=True)
        print(f"answers {v}, {name} vs no MPI: {'identical' if same else 'DIFFER'}")
        ok &= bool(same)
sys.exit(0 if ok else 1)
PY
