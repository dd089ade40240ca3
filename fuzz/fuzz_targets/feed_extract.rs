//! Fuzz target: see `harness::feed_extract`.

#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::feed_extract(data));
