#!/usr/bin/env bash
# Remote NetCDF-4 read vs local: writes the bench file's kerchunk references, starts
# moto's S3 server, uploads the file and its references, and times opening + reading
# `tas` whole through the references on S3, and from the file on S3 directly (no
# reference file: its metadata by range requests), against the direct read of the local
# file, REPEAT times interleaved. Prints the medians and the ratios (target: remote <=
# 1.5x).
#
# Usage: bench/remote/run.sh [DAYS] [REPEAT]    (defaults 365 and 5)
#   PYTHON: a python with netCDF4 + numpy (default /work/venv/bin/python)
#   PROFILE=debug: a debug build (for checking the script; never for timings)
set -euo pipefail
cd "$(dirname "$0")/../.."
DAYS="${1:-365}"
REPEAT="${2:-5}"
PYTHON="${PYTHON:-/work/venv/bin/python}"
TESTPY=.cache/test-venv/bin/python
MOTO=.cache/test-venv/bin/moto_server
[ -x "$MOTO" ] || bash scripts/test-deps.sh

DATA=bench/remote/data
FILE="$DATA/tas_${DAYS}d.nc"
mkdir -p "$DATA"
[ -f "$FILE" ] || "$PYTHON" bench/remote/make_data.py "$FILE" "$DAYS"

if [ "${PROFILE:-release}" = debug ]; then
  cargo build --quiet --features remote --bin xr --example remote_read_bench
  BIN=target/debug
else
  cargo build --release --quiet --features remote --bin xr --example remote_read_bench
  BIN=target/release
fi

PORT=$("$TESTPY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$MOTO" -H 127.0.0.1 -p "$PORT" >/dev/null 2>&1 &
MOTO_PID=$!
# The same file over plain HTTP with byte ranges (the tests' range server): a server
# whose cost per request does not grow with the object (moto's does, see README.md).
HTTP_PORT=$("$TESTPY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
(cd "$DATA" && exec python3 ../../../tests/common/range_server.py "$HTTP_PORT") >/dev/null 2>&1 &
HTTP_PID=$!
# The same objects through the S3 protocol from nginx (Debian's package, installed if
# missing): GetObject and HeadObject are plain GETs and HEADs of `/bucket/key` with
# byte ranges, which nginx answers from the file with sendfile, at a cost per request
# and per byte far below moto's (see README.md). Skipped when nginx is not there.
command -v nginx >/dev/null || { apt-get install -y -q nginx-light >/dev/null 2>&1 || true; }
NGINX_PID=
if command -v nginx >/dev/null; then
  NGX=$(mktemp -d)
  mkdir -p "$NGX/root/xr-bench" "$NGX/tmp"
  ln -s "$PWD/$FILE" "$NGX/root/xr-bench/"
  NGX_PORT=$("$TESTPY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  cat >"$NGX/nginx.conf" <<CONF
user $(id -un);
worker_processes 1;
daemon off;
pid $NGX/nginx.pid;
error_log $NGX/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $NGX/tmp;
  proxy_temp_path $NGX/tmp;
  fastcgi_temp_path $NGX/tmp;
  uwsgi_temp_path $NGX/tmp;
  scgi_temp_path $NGX/tmp;
  sendfile on;
  server {
    listen 127.0.0.1:$NGX_PORT;
    root $NGX/root;
  }
}
CONF
  nginx -c "$NGX/nginx.conf" -p "$NGX" &
  NGINX_PID=$!
fi
trap 'kill "$MOTO_PID" "$HTTP_PID" $NGINX_PID 2>/dev/null || true; rm -rf "${NGX:-}"' EXIT
export AWS_ENDPOINT_URL="http://127.0.0.1:$PORT" AWS_ACCESS_KEY_ID=testing \
  AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 AWS_ALLOW_HTTP=true
for _ in $(seq 100); do
  curl -s -o /dev/null "$AWS_ENDPOINT_URL" && break
  sleep 0.1
done

NAME=$(basename "$FILE")
REFS="$DATA/${NAME%.nc}.json"
"$BIN/xr" refs "$FILE" "$REFS" --url "s3://xr-bench/$NAME"
"$TESTPY" - "$FILE" "$REFS" <<'PY'
import os, sys
import boto3
s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
s3.create_bucket(Bucket="xr-bench")
for path in sys.argv[1:]:
    s3.upload_file(path, "xr-bench", os.path.basename(path))
PY
[ -n "$NGINX_PID" ] && ln -s "$PWD/$REFS" "$NGX/root/xr-bench/"
NGINX_S3=(env AWS_ENDPOINT_URL="http://127.0.0.1:${NGX_PORT:-0}")

OUT=$(mktemp)
for _ in $(seq "$REPEAT"); do
  "$BIN/examples/remote_read_bench" local "$FILE" tas | tee -a "$OUT"
  "$BIN/examples/remote_read_bench" refs "s3://xr-bench/$(basename "$REFS")" tas | tee -a "$OUT"
  "$BIN/examples/remote_read_bench" direct "s3://xr-bench/$NAME" tas | tee -a "$OUT"
  "$BIN/examples/remote_read_bench" direct "http://127.0.0.1:$HTTP_PORT/$NAME" tas |
    sed 's/^direct /direct-http /' | tee -a "$OUT"
  if [ -n "$NGINX_PID" ]; then
    "${NGINX_S3[@]}" "$BIN/examples/remote_read_bench" refs "s3://xr-bench/$(basename "$REFS")" tas |
      sed 's/^refs /refs-nginx /' | tee -a "$OUT"
    "${NGINX_S3[@]}" "$BIN/examples/remote_read_bench" direct "s3://xr-bench/$NAME" tas |
      sed 's/^direct /direct-nginx /' | tee -a "$OUT"
  fi
done
"$TESTPY" - "$OUT" <<'PY'
import statistics, sys
times, sums = {}, {}
for line in open(sys.argv[1]):
    mode, secs, total = line.split()
    times.setdefault(mode, []).append(float(secs))
    sums.setdefault(mode, set()).add(total)
if len({frozenset(v) for v in sums.values()}) != 1 or any(len(v) != 1 for v in sums.values()):
    sys.exit(f"SUMS DIFFER: {sums}")
local = statistics.median(times["local"])
refs, direct = statistics.median(times["refs"]), statistics.median(times["direct"])
print(f"\nlocal direct read:        {local:.3f} s (median of {len(times['local'])})")
print(f"S3 through references:    {refs:.3f} s   {refs / local:.2f}x local (target <= 1.5)")
print(f"S3 file opened directly:  {direct:.3f} s   {direct / local:.2f}x local")
http = statistics.median(times["direct-http"])
print(f"HTTP file opened directly: {http:.3f} s   {http / local:.2f}x local")
for mode, what in [("refs-nginx", "S3 (nginx) through references"), ("direct-nginx", "S3 (nginx) opened directly")]:
    if mode in times:
        t = statistics.median(times[mode])
        print(f"{what + ':':32} {t:.3f} s   {t / local:.2f}x local")
PY
rm -f "$OUT"
