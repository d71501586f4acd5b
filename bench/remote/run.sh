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
trap 'kill "$MOTO_PID" "$HTTP_PID" 2>/dev/null || true' EXIT
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

OUT=$(mktemp)
for _ in $(seq "$REPEAT"); do
  "$BIN/examples/remote_read_bench" local "$FILE" tas | tee -a "$OUT"
  "$BIN/examples/remote_read_bench" refs "s3://xr-bench/$(basename "$REFS")" tas | tee -a "$OUT"
  "$BIN/examples/remote_read_bench" direct "s3://xr-bench/$NAME" tas | tee -a "$OUT"
  "$BIN/examples/remote_read_bench" direct "http://127.0.0.1:$HTTP_PORT/$NAME" tas |
    sed 's/^direct /direct-http /' | tee -a "$OUT"
done
"$TESTPY" - "$OUT" <<'PY'
import statistics, sys
times, sums = {}, {}
for line in open(sys.argv[1]):
    mode, secs, total = line.split()
    times.setdefault(mode, []).append(float(secs))
    sums.setdefault(mode, set()).add(total)
if not sums["local"] == sums["refs"] == sums["direct"] == sums["direct-http"]:
    sys.exit(f"SUMS DIFFER: {sums}")
local = statistics.median(times["local"])
refs, direct = statistics.median(times["refs"]), statistics.median(times["direct"])
print(f"\nlocal direct read:        {local:.3f} s (median of {len(times['local'])})")
print(f"S3 through references:    {refs:.3f} s   {refs / local:.2f}x local (target <= 1.5)")
print(f"S3 file opened directly:  {direct:.3f} s   {direct / local:.2f}x local")
http = statistics.median(times["direct-http"])
print(f"HTTP file opened directly: {http:.3f} s   {http / local:.2f}x local")
PY
rm -f "$OUT"
