#![no_main]
//! Fuzz target `cel_fast` (trigger-bindings): whenever the CEL fast path decides a filter,
//! the full CEL evaluator must give the same verdict. Input: an expression and a body,
//! separated by the first NUL byte.
use libfuzzer_sys::fuzz_target;
use trigger_bindings::Headers;
use trigger_bindings::fuzzing::cel_verdicts;

fuzz_target!(|data: &[u8]| {
    let (expr, body) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (
            data,
            &br#"{"ref":"refs/heads/main","a":{"b":"c"},"n":1}"#[..],
        ),
    };
    let Ok(expr) = std::str::from_utf8(expr) else {
        return;
    };
    let headers = Headers::new()
        .with("X-GitHub-Event", "push")
        .with("x-github-event", "other")
        .with("Content-Type", "application/json");
    if let Some((fast, full)) = cel_verdicts(expr, &headers, body) {
        assert_eq!(
            Ok(fast),
            full,
            "{expr:?} on {:?}",
            String::from_utf8_lossy(body)
        );
    }
});
