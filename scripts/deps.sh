#!/usr/bin/env bash
# Installs the system libraries xr links: libnetcdf and libhdf5 (with their headers).
# Idempotent: does nothing when they are already there. Uses apt-get when present.
set -euo pipefail
have() { pkg-config --exists "$1" 2>/dev/null || [ -n "$(ls /usr/include/$2 2>/dev/null)" ]; }
if have netcdf netcdf.h && have hdf5 hdf5/serial/hdf5.h; then
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "xr needs libnetcdf and libhdf5 development files; install them with your package manager" >&2
  exit 1
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends libnetcdf-dev libhdf5-dev pkg-config >/dev/null
