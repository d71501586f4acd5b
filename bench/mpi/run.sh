#!/usr/bin/env bash
# MPI scaling of the seasonal climatology (bench/clim's data): `xr clim DIR OUT --mpi`
# under `mpirun -n RANKS` with RAYON_NUM_THREADS=THREADS per rank, for RANKS in 1 2 and
# THREADS in 1 2, repeated REPS times in interleaved order (so that load from other
# processes hits every configuration alike). Prints every run, then per configuration the
# median, min and max of the whole command's wall time (process start and MPI start-up
# included) and of the time xr reports (open_mfdataset to the written file), and the
# speed-up of each run of n=2,t=1 over the n=1,t=1 run of the same repetition.
#
# The machine may be shared: with the kernel's autogroup scheduling, every process of
# one session shares that session's CPU share, so while other sessions keep the cores
# busy, two ranks get no more CPU than one and the wall times cannot show the scaling.
# Each rank's CPU time (user + sys, /usr/bin/time) is therefore recorded too: with one
# thread per rank on a core of its own, a rank's wall time is its CPU time, so
# CPU(n=1) / max over ranks CPU(n=2) is the speed-up on an idle machine (an upper bound on
# the critical path: a waiting rank's polling counts as CPU; `mpi_yield_when_idle` keeps
# that small).
#
# Usage: bench/mpi/run.sh [REPS] [DATADIR]
#   REPS defaults to 5; DATADIR to bench/clim/data/y10 (made by bench/clim/make_data.py
#   with $PYTHON, default /work/venv/bin/python, when missing).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
reps=${1:-5}
data=${2:-$root/bench/clim/data/y10}
py=${PYTHON:-/work/venv/bin/python}
if ! ls "$data"/*.nc >/dev/null 2>&1; then
  "$py" "$root/bench/clim/make_data.py" "$data" 10
fi
(cd "$root" && cargo build -q --release --features mpi --bin xr)
xr=$root/target/release/xr
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

# One run: prints "n t wall_s xr_s maxrankcpu_s sumcpu_s". `--bind-to none`: OpenMPI
# would otherwise pin a rank to one core, and a rank with two threads would get one.
one() {
  local n=$1 t=$2
  local start end
  sync
  rm -f "$out"/cpu.*
  start=$(date +%s.%N)
  mpirun -n "$n" --bind-to none --mca mpi_yield_when_idle 1 -x RAYON_NUM_THREADS="$t" \
    sh -c '/usr/bin/time -f "%U %S" -o "$0/cpu.$OMPI_COMM_WORLD_RANK" "$@"' "$out" \
    "$xr" clim "$data" "$out/n${n}t${t}.nc" --mpi 2>"$out/log"
  end=$(date +%s.%N)
  local inner cpu
  inner=$(sed -n 's/.* in \([0-9.]*\)\(m\?s\) (rank 0.*/\1 \2/p' "$out/log" |
    awk '{ print ($2 == "ms") ? $1 / 1000 : $1 }')
  cpu=$(cat "$out"/cpu.* | awk '{ c = $1 + $2; s += c; if (c > m) m = c } END { printf "%.2f %.2f", m, s }')
  echo "$n $t $(echo "$end - $start" | bc) $inner $cpu"
}

echo "MPI scaling of the seasonal climatology of $data ($(ls "$data"/*.nc | wc -l) files; $(nproc) cores)"
echo "load average at the start: $(cut -d" " -f1-3 /proc/loadavg)"
echo "ranks threads wall_s xr_s max_rank_cpu_s total_cpu_s"
for rep in $(seq "$reps"); do
  for cfg in "1 1" "2 1" "1 2" "2 2"; do
    # shellcheck disable=SC2086
    one $cfg | tee -a "$out/runs"
  done
done
for f in "$out"/n*.nc; do
  cmp -s "$out/n1t1.nc" "$f" || { echo "$f differs from n1t1.nc" >&2; exit 1; }
done
echo "all outputs are byte-identical"

echo
printf "%-6s %-8s %24s %24s %24s %24s\n" ranks threads "wall s" "xr s" "max rank CPU s" "total CPU s"
stats() { sort -g | awk '{ v[NR] = $1 } END { printf "%.2f (%.2f-%.2f)", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2, v[1], v[NR] }'; }
for cfg in "1 1" "2 1" "1 2" "2 2"; do
  set -- $cfg
  awk -v n="$1" -v t="$2" '$1 == n && $2 == t { print $3, $4, $5, $6 }' "$out/runs" >"$out/sel"
  printf "%-6s %-8s" "$1" "$2"
  for col in 1 2 3 4; do printf " %24s" "$(cut -d' ' -f$col "$out/sel" | stats)"; done
  echo
done
echo "(median (min-max) of $reps runs)"
echo
echo "n=2,t=1 over n=1,t=1, per repetition: wall speed-up; xr speed-up; CPU(n=1) / max rank CPU(n=2):"
awk '$1 == 1 && $2 == 1 { w1[++a] = $3; x1[a] = $4; c1[a] = $5 } $1 == 2 && $2 == 1 { w2[++b] = $3; x2[b] = $4; c2[b] = $5 }
  END { for (i = 1; i <= a; i++) printf "  %.2fx; %.2fx; %.2fx\n", w1[i] / w2[i], x1[i] / x2[i], c1[i] / c2[i] }' "$out/runs"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
