#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| xr::fuzzing::netcdf_classic_header(data));
