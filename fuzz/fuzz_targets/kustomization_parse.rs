#![no_main]
//! Fuzz target `kustomization_parse` (kustomize-lite). Placeholder until the crate lands.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = data;
});
