#![no_main]
//! Fuzz target `kustomize_build` (kustomize-lite). Placeholder until the crate lands.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = data;
});
