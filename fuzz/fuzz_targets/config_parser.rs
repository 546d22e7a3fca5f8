#![no_main]
//! See `pairscope::fuzz::config_parser` (the body is shared with tests/fuzz_corpus.rs).

libfuzzer_sys::fuzz_target!(|data: &[u8]| pairscope::fuzz::config_parser(data));
