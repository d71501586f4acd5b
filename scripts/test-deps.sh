#!/usr/bin/env bash
# Installs what the tests need beyond the Rust toolchain and the system libraries of
# deps.sh: an S3-compatible server (moto, from PyPI) in a virtualenv under the repo, for
# the remote Zarr store tests (`tests/zarr_remote.rs` starts it on 127.0.0.1).
# Idempotent: does nothing when the pinned version is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.cache/test-venv
MOTO_VERSION=5.2.5
if "$VENV/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('moto') != '$MOTO_VERSION')" 2>/dev/null \
   && [ -x "$VENV/bin/moto_server" ]; then
  exit 0
fi
if ! python3 -m venv --clear "$VENV" 2>/dev/null; then
  # Debian ships venv (ensurepip) as its own package.
  if ! command -v apt-get >/dev/null; then
    echo "the tests need python3 with venv (python3 -m venv)" >&2
    exit 1
  fi
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
  python3 -m venv --clear "$VENV"
fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check "moto[server]==$MOTO_VERSION"
