# The two commands of the README. Each works on a fresh Debian machine with only the
# Rust toolchain; system libraries, when a feature needs them, are installed by `deps`.
.PHONY: demo test deps test-deps

# libnetcdf and libhdf5 for the default features (apt-get when present); a no-op once
# they are installed.
deps:
	./scripts/deps.sh

# The main job: the seasonal climatology of a sample multi-file dataset (made on first
# run), written to data/clim.nc and drawn to data/clim_jja_minus_djf.png.
demo: deps
	cargo run --release --features plot --example climatology

# What `--all-features` and the tests need beyond that: OpenMPI + libclang for `mpi`,
# CMake >= 3.26 from PyPI (in .tools/cmake) for `static`, and an S3-compatible server
# (moto, pinned, from PyPI, in .cache/test-venv) for the remote Zarr store tests; a no-op
# once installed.
test-deps: deps
	./scripts/deps-mpi.sh
	./scripts/cmake.sh
	./scripts/test-deps.sh

# `--all-features` links the bundled netcdf-c and HDF5 (`static`); the default features
# link the system's, which behave differently in places (Debian 12's netcdf-c 4.9.0
# misreads HDF5 fixed-length string arrays): the HDF5 driver's tests run on both.
test: test-deps
	cargo test --all-features --all-targets
	cargo test --all-features --doc
	cargo test --test io_hdf5
