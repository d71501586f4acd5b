#!/usr/bin/env bash
# Installs what the `mpi` feature builds and runs with: OpenMPI (mpirun and the headers
# and libraries mpi-sys links) and libclang (bindgen generates mpi-sys's bindings).
# Idempotent: does nothing when they are already there. Uses apt-get when present.
set -euo pipefail
have_libclang() { ls /usr/lib/llvm-*/lib/libclang*.so* >/dev/null 2>&1 || ls /usr/lib/*/libclang*.so* >/dev/null 2>&1; }
if command -v mpirun >/dev/null && command -v mpicc >/dev/null && have_libclang; then
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "the mpi feature needs an MPI (OpenMPI or MPICH: mpirun, mpicc) and libclang; install them with your package manager" >&2
  exit 1
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends openmpi-bin libopenmpi-dev libclang-dev clang >/dev/null
