//! Fuzz target: see `harness::charset_decode`.

#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::charset_decode(data));
