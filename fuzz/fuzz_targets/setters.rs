#![no_main]
//! Fuzz target `setters` (image-policy): rewriting arbitrary YAML never panics, and
//! rewriting the output again changes nothing.
use std::collections::BTreeMap;

use image_policy::{ImageRef, rewrite_setters};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut policies = BTreeMap::new();
    for (k, v) in [("ns:app", "ghcr.io/org/app:1.10"), ("ns:b", "b:yes"), ("a:b", "x/y:z")] {
        if let Ok(r) = ImageRef::parse(v) {
            policies.insert(k.to_string(), r);
        }
    }
    if let Ok((once, _)) = rewrite_setters(text, "fuzz.yaml", &policies) {
        if let Ok((twice, changes)) = rewrite_setters(&once, "fuzz.yaml", &policies) {
            assert_eq!(twice, once);
            assert!(changes.is_empty());
        }
    }
});
