#![no_main]
//! See `pairscope::fuzz::loss_case` (the body is shared with tests/fuzz_corpus.rs).

libfuzzer_sys::fuzz_target!(|data: &[u8]| pairscope::fuzz::loss_case(data));
