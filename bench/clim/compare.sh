#!/usr/bin/env bash
# Before/after of the seasonal climatology: two builds of `examples/clim_bench` on the same
# data, interleaved REPS times (so that load from other processes hits both alike). Prints
# each run's wall time and peak RSS, the median of each build and AFTER / BEFORE; the two
# outputs must hold the same values.
#
# Usage: bench/clim/compare.sh BEFORE AFTER [REPS] [DATADIR]
#   BEFORE, AFTER: clim_bench binaries (cargo build --release --example clim_bench, in two
#   checkouts); REPS defaults to 5, DATADIR to bench/toolkit/data/y10 (issue 18's data,
#   made by run.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
before=$1
after=$2
reps=${3:-5}
data=$(cd "${4:-$here/../toolkit/data/y10}" && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "before: $before"
echo "after:  $after"
echo "$data ($(ls "$data"/*.nc | wc -l) files); $(nproc) cores; load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "build wall_s peak_rss_mb"
for rep in $(seq "$reps"); do
  for build in before after; do
    bin=$before
    [ "$build" = after ] && bin=$after
    rm -f "$out/$build.nc"
    /usr/bin/time -f "%e %M" -o "$out/time" "$bin" "$data" "$out/$build.nc" >/dev/null
    read -r secs kb <"$out/time"
    echo "$build $secs $((kb / 1024))" | tee -a "$out/results"
  done
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
median() { awk -v b="$1" '$1 == b { print $2 }' "$out/results" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
mb=$(median before)
ma=$(median after)
echo "median wall: before $mb s, after $ma s, after / before $(echo "scale=3; $ma / $mb" | bc)"
if cmp -s "$out/before.nc" "$out/after.nc"; then
  echo "outputs: byte-identical"
else
  py=${PYTHON:-$here/../../.venv/bin/python}
  "$py" - "$out/before.nc" "$out/after.nc" <<'PY'
import sys, netCDF4, numpy as np
fa, fb = (netCDF4.Dataset(p) for p in sys.argv[1:])
same = True
for v in fa.variables:
    if "season" in fa[v].dimensions and v != "season":
        a, b = fa[v][:], fb[v][:]
        ok = a.shape == b.shape and np.array_equal(np.ma.filled(a, np.nan), np.ma.filled(b, np.nan), equal_nan=True)
        print(f"outputs {v}: {'same values' if ok else 'VALUES DIFFER'}")
        same &= ok
sys.exit(0 if same else 1)
PY
fi
