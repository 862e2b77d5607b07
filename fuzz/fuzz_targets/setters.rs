#![no_main]
//! Fuzz target `setters` (image-policy). Placeholder until the crate lands.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = data;
});
