#![no_main]
//! Fuzz target `semver_range` (image-policy). Placeholder until the crate lands.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = data;
});
