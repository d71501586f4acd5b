#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| xr::fuzzing::time_units(data));
