#![no_main]
//! Fuzz target `pipeline_yaml` (pipeline-core). Placeholder until the crate lands.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = data;
});
