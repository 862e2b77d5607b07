#![no_main]
//! Fuzz target `substitute` (gitops-core): the `${...}` grammar, strict and not, and
//! object-level substitution; never a panic.
use gitops_core::substitute::{SubstituteOptions, Vars, envsubst, substitute_object};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let vars = Vars::from([
        ("a".to_string(), "abc/def.txt".to_string()),
        ("b".to_string(), "\"true\"".to_string()),
        ("empty".to_string(), String::new()),
    ]);
    let _ = envsubst(text, &vars, false);
    let _ = envsubst(text, &vars, true);
    if let Ok(docs) = kustomize_lite::yaml::parse_stream(text, "fuzz.yaml") {
        for obj in &docs {
            let _ = substitute_object(
                obj,
                &vars,
                SubstituteOptions::default().always(true),
            );
        }
    }
});
