# The two commands of the README. Each works on a fresh Debian machine with only the
# Rust toolchain; system libraries, when a feature needs them, are installed by `deps`.
.PHONY: demo test deps test-deps

# libnetcdf and libhdf5, and OpenMPI + libclang for the `mpi` feature (apt-get when
# present); a no-op once they are installed.
deps:
	./scripts/deps.sh
	./scripts/deps-mpi.sh

# The main job: the seasonal climatology of a sample multi-file dataset (made on first
# run), written to data/clim.nc and drawn to data/clim_jja_minus_djf.png.
demo: deps
	cargo run --release --features plot --example climatology

# What the tests need beyond that: an S3-compatible server (moto, pinned, from PyPI) in
# .cache/test-venv for the remote Zarr store tests; a no-op once installed.
test-deps:
	./scripts/test-deps.sh

test: deps test-deps
	cargo test --all-features --all-targets
	cargo test --all-features --doc
