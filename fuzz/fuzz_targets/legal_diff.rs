//! Fuzz target: see `harness::legal_diff`.

#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::legal_diff(data));
