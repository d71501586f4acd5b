#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| xr::fuzzing::mpi_wire(data));
