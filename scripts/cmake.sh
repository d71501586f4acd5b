#!/usr/bin/env bash
# Installs CMake >= 3.26 from PyPI into .tools/cmake for the `static` feature, which builds
# HDF5 (needs 3.26) and netcdf-c from source; Debian 12's cmake is 3.25. Only pip is
# needed (no venv: `pip install --target`). Idempotent. Cargo finds it through
# scripts/run-cmake, which .cargo/config.toml names as `CMAKE` for the cmake crate.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.tools/cmake
if [ -x "$dest/cmake/data/bin/cmake" ]; then
  exit 0
fi
if ! python3 -m pip --version >/dev/null 2>&1; then
  if ! command -v apt-get >/dev/null; then
    echo "the static feature needs CMake >= 3.26; install python3-pip or CMake" >&2
    exit 1
  fi
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends python3-pip >/dev/null
fi
rm -rf "$dest.tmp"
PIP_ROOT_USER_ACTION=ignore python3 -m pip install -q --disable-pip-version-check \
  --no-warn-script-location --target "$dest.tmp" 'cmake>=3.26,<4'
rm -rf "$dest"
mv "$dest.tmp" "$dest"
"$dest/cmake/data/bin/cmake" --version | head -1
