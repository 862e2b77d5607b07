#![no_main]
//! Fuzz target `image_ref` (image-policy). Placeholder until the crate lands.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = data;
});
