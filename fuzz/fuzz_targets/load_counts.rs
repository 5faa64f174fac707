#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| bytepair_fuzz::check_load_counts(data));
