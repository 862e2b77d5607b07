#![no_main]
//! Fuzz target `trigger_template` (trigger-bindings). Placeholder until the crate lands.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = data;
});
