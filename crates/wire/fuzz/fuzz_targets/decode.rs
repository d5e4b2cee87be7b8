//! Arbitrary requests for every embedded service through decode, validation and encoding.
//! The input layout is described in `tests/support/exercise.rs`, shared with the proptest suite.
#![no_main]

#[path = "../../tests/support/exercise.rs"]
mod exercise;

libfuzzer_sys::fuzz_target!(|data: &[u8]| exercise::exercise(data));
