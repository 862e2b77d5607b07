#![no_main]
//! Fuzz target `kustomization_parse` (kustomize-lite): arbitrary text read as a
//! kustomization file must parse or fail with an error, never panic.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(docs) = kustomize_lite::yaml::parse_stream(text, "kustomization.yaml") {
        for doc in &docs {
            let _ = kustomize_lite::Kustomization::from_value(doc, "kustomization.yaml");
        }
    }
});
