#![no_main]
//! See `pairscope::fuzz::csv_loader` (the body is shared with tests/fuzz_corpus.rs).

libfuzzer_sys::fuzz_target!(|data: &[u8]| pairscope::fuzz::csv_loader(data));
