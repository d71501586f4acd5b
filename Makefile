# The two commands of the README. Each works on a fresh Debian machine with only the
# Rust toolchain; system libraries, when a feature needs them, are installed by `deps`.
.PHONY: demo test deps

# libnetcdf and libhdf5 (apt-get when present), and CMake >= 3.26 from PyPI for the
# `static` feature's builds; a no-op once they are installed.
deps:
	./scripts/deps.sh
	./scripts/cmake.sh

# The main job: the seasonal climatology of a sample multi-file dataset (made on first
# run), written to data/clim.nc and drawn to data/clim_jja_minus_djf.png.
demo: deps
	cargo run --release --features plot --example climatology

test: deps
	cargo test --all-features --all-targets
	cargo test --all-features --doc
