//! Direct chunk reads of NetCDF-4/HDF5 variables: byte ranges from the chunk index, decoded in Rust on all cores.
