#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| xr::fuzzing::direct_chunk(data));
