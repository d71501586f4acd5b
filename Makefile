# The two commands of the README. Each works on a fresh Debian machine with only the
# Rust toolchain; system libraries, when a feature needs them, are installed by `deps`.
.PHONY: demo test deps

# libnetcdf and libhdf5 (apt-get when present); a no-op once they are installed.
deps:
	./scripts/deps.sh

demo: deps
	cargo run --release --example demo

test: deps
	cargo test --all-features --all-targets
	cargo test --all-features --doc
