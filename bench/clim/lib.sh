# Shared by bench/clim/{run,rss,zarr,mpi}.sh (sourced, not run): the Python to use, the
# input data, timed runs, medians and the summary table.
#
# Set before sourcing: here (bench/clim), root (the repository), out (a scratch dir).

# PYTHON, or a venv with xarray, dask, flox, netCDF4 made in .venv at the repo root.
clim_python() {
  py=${PYTHON:-$root/.venv/bin/python}
  if [ ! -x "$py" ]; then
    python3 -m venv "$root/.venv"
    "$root/.venv/bin/pip" install -q xarray dask flox netCDF4 cftime
    py=$root/.venv/bin/python
  fi
}

# The issue's data: YEARS yearly files of daily tas (float32) + pr (packed int16),
# deflate 1 + shuffle, one step per chunk, standard calendar (bench/toolkit/make_data.py),
# on a RES° grid (default 1). Sets `data`: $DATA if set (it must exist), else
# bench/toolkit/data/yYEARS at 1° and bench/clim/data/qYEARS at 0.25° (other RES:
# bench/clim/data/rRES-yYEARS), made when missing after a check of the free disk space.
clim_data() { # years
  local years=$1 res=${RES:-1}
  if [ -n "${DATA:-}" ]; then
    [ -d "$DATA" ] || {
      echo "DATA=$DATA is not a directory (make it with: $py bench/toolkit/make_data.py $DATA YEARS --res DEG)" >&2
      exit 1
    }
    data=$(cd "$DATA" && pwd)
    return
  fi
  case $res in
    1 | 1.0) data=$root/bench/toolkit/data/y$years ;;
    0.25) data=$here/data/q$years ;;
    *) data=$here/data/r$res-y$years ;;
  esac
  local have
  have=$(ls "$data"/day_*.nc 2>/dev/null | wc -l || true)
  if [ "$have" -lt "$years" ]; then
    # About 85 MB a year at 1° (both variables), 16 times that at 0.25°.
    local need_mb avail_mb
    need_mb=$(awk -v y="$years" -v r="$res" -v h="$have" 'BEGIN { printf "%d", (y - h) * 85 / (r * r) }')
    avail_mb=$(df -Pm "$root" | awk 'NR == 2 { print $4 }')
    echo "making $data: $((years - have)) more years, about $need_mb MB; $avail_mb MB free on disk"
    if [ "$avail_mb" -lt $((need_mb + 1024)) ]; then
      echo "not enough free disk for $data: need about $need_mb MB (+1 GB spare), have $avail_mb MB" >&2
      exit 1
    fi
    nice -n 10 "$py" "$root/bench/toolkit/make_data.py" "$data" "$years" --res "$res"
  fi
}

# `clim_build CARGO_ARGS...`: a release build of what the script runs (niced), unless
# BUILD=0 (then the binaries already in target/release are used as they are).
clim_build() {
  if [ "${BUILD:-1}" != 0 ]; then
    (cd "$root" && nice -n 10 cargo build -q --release "$@")
  fi
}

# One line of context for the figures: date, commit, machine, load average.
clim_context() {
  local commit
  commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
  git -C "$root" diff --quiet HEAD 2>/dev/null || commit="$commit+uncommitted changes"
  echo "date $(date -u '+%Y-%m-%d %H:%M:%S UTC'); commit $commit; $(nproc) cores, $(uname -m); load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
}

# `timed NAME COMMAND...`: runs COMMAND once after `sync`, appends "NAME seconds kB" to
# $out/results (wall time with process start, peak RSS of the largest process), its
# output to $out/NAME.log; a failure stops the script with that output.
timed() {
  local name=$1
  shift
  sync
  /usr/bin/time -f "%e %M" -o "$out/time" "$@" >"$out/$name.log" 2>&1 || {
    echo "$name failed: $*" >&2
    cat "$out/$name.log" >&2
    exit 1
  }
  local secs kb
  read -r secs kb <"$out/time"
  echo "$name $secs $kb" >>"$out/results"
}

# `median NAME [COLUMN]`: the median of column COLUMN (default 2: seconds) of NAME's
# lines in $out/results (the lower middle of an even count).
median() {
  awk -v n="$1" -v c="${2:-2}" '$1 == n { print $c }' "$out/results" | sort -g |
    awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}

# The table: per contender (in the order first run) every wall time, the median, the
# median and largest peak RSS, and median / BASE's median.
summary() { # base
  local base_median
  base_median=$(median "$1")
  printf "%-26s %-36s %9s %14s %9s\n" contender "wall [s], each run" "median" "peak RSS [MB]" "vs $1"
  awk '!seen[$1]++ { print $1 }' "$out/results" | while read -r name; do
    local walls m rss_med rss_max
    walls=$(awk -v n="$name" '$1 == n { printf "%s ", $2 }' "$out/results")
    m=$(median "$name")
    rss_med=$(median "$name" 3)
    rss_max=$(awk -v n="$name" '$1 == n && $3 > m { m = $3 } END { print m + 0 }' "$out/results")
    printf "%-26s %-36s %9.2f %6d (max %4d) %8.2fx\n" "$name" "$walls" "$m" $((rss_med / 1024)) $((rss_max / 1024)) \
      "$(awk -v a="$m" -v b="$base_median" 'BEGIN { print a / b }')"
  done
}

# a / b to two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
