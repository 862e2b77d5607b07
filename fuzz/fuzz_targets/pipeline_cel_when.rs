#![no_main]
//! Fuzz target `pipeline_cel_when` (pipeline-core): CEL `when` expressions, as a webhook
//! checks them and as the run evaluates them after substitution. Nothing may panic, hang or
//! overflow the stack; an expression `check` refuses never evaluates to a value.
use libfuzzer_sys::fuzz_target;
use pipeline_core::cel_when::{check, evaluate};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let checked = check(text);
    let evaluated = evaluate(text);
    if checked.is_err() {
        assert!(evaluated.is_err());
    }
});
