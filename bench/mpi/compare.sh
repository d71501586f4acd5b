#!/usr/bin/env bash
# Before/after of the MPI exchange on the seasonal climatology: two builds of xr, the
# same data, `mpirun -n RANKS` with one thread per rank, interleaved REPS times (so that
# load from other processes hits both alike). For each build it runs
#   xr clim DATADIR OUT.nc --mpi              (bench/mpi/run.sh's command)
#   examples/climatology_mpi DIR              (DIR: symlinks to DATADIR's files, so that
#                                              the example's output stays out of DATADIR)
# and records the wall time of the whole mpirun command, the time xr reports, and rank
# 0's exchange time (CommStats::exchange: encoding, waiting for the other ranks, moving
# and decoding values, gathering the results). Outputs of both builds must be
# byte-identical.
#
# Usage: bench/mpi/compare.sh BEFORE AFTER [REPS] [DATADIR] [RANKS]
#   BEFORE, AFTER: release target directories, each holding `xr` and
#   `examples/climatology_mpi` (cargo build --release --features mpi --bin xr
#   --example climatology_mpi); REPS defaults to 5, DATADIR to bench/clim/data/y10,
#   RANKS to 2.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
before=$(cd "$1" && pwd)
after=$(cd "$2" && pwd)
reps=${3:-5}
data=$(cd "${4:-$root/bench/clim/data/y10}" && pwd)
ranks=${5:-2}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
mkdir -p "$out/links/data"
ln -s "$data"/*.nc "$out/links/data/"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

# A duration as xr prints it (Rust's Debug of Duration) in seconds.
secs() { awk '{ v = $1; u = $1; sub(/[0-9.]+/, "", u); sub(/[a-zµ]+$/, "", v);
  if (u == "ms") v /= 1000; else if (u == "µs") v /= 1e6; else if (u == "ns") v /= 1e9;
  printf "%.4f", v }'; }

# One run: prints "build what wall_s xr_s exchange_s".
one() {
  local build=$1 what=$2 dir=$3 start end log=$out/log
  start=$(date +%s.%N)
  if [ "$what" = clim ]; then
    mpirun -n "$ranks" --bind-to none --mca mpi_yield_when_idle 1 -x RAYON_NUM_THREADS=1 \
      "$dir/xr" clim "$data" "$out/$build.nc" --mpi 2>"$log" >/dev/null
  else
    mpirun -n "$ranks" --bind-to none --mca mpi_yield_when_idle 1 -x RAYON_NUM_THREADS=1 \
      "$dir/examples/climatology_mpi" "$out/links/data" >"$log" 2>&1
    mv "$out/links/clim_mpi.nc" "$out/$build.example.nc"
  fi
  end=$(date +%s.%N)
  local inner exch
  inner=$(grep -o "ranks in [0-9.]*[a-zµ]*" "$log" | head -1 | awk '{ print $3 }' | secs)
  exch=$(grep -o "exchanges [0-9.]*[a-zµ]*" "$log" | head -1 | awk '{ print $2 }' | secs)
  echo "$build $what $(echo "$end - $start" | bc) $inner $exch"
}

echo "before: $before; after: $after; $ranks ranks of 1 thread; $data ($(ls "$data"/*.nc | wc -l) files); $(nproc) cores"
echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "build what wall_s xr_s rank0_exchange_s"
for rep in $(seq "$reps"); do
  for what in clim example; do
    one before "$what" "$before" | tee -a "$out/runs"
    one after "$what" "$after" | tee -a "$out/runs"
  done
done
cmp "$out/before.nc" "$out/after.nc"
cmp "$out/before.example.nc" "$out/after.example.nc"
echo "outputs of both builds are byte-identical"
echo
stats() { sort -g | awk '{ v[NR] = $1 } END { printf "%.3f (%.3f-%.3f)", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2, v[1], v[NR] }'; }
printf "%-8s %-8s %26s %26s %26s\n" what build "wall s" "xr s" "rank 0 exchange s"
for what in clim example; do
  for build in before after; do
    awk -v b="$build" -v w="$what" '$1 == b && $2 == w { print $3, $4, $5 }' "$out/runs" >"$out/sel"
    printf "%-8s %-8s" "$what" "$build"
    for col in 1 2 3; do printf " %26s" "$(cut -d' ' -f$col "$out/sel" | stats)"; done
    echo
  done
done
echo "(median (min-max) of $reps runs)"
echo
echo "after / before per repetition (wall; xr):"
for what in clim example; do
  awk -v w="$what" '$2 == w && $1 == "before" { bw[++a] = $3; bx[a] = $4 } $2 == w && $1 == "after" { aw[++b] = $3; ax[b] = $4 }
    END { printf "  %s:", w; for (i = 1; i <= a; i++) printf " %.3f; %.3f |", aw[i] / bw[i], ax[i] / bx[i]; print "" }' "$out/runs"
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
