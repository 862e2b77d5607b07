#![no_main]
//! Fuzz target `binding_expr` (trigger-bindings): an arbitrary binding value evaluated
//! against an arbitrary body (split at the first NUL byte), with a template default as
//! fallback on every other input. Must never panic.
use libfuzzer_sys::fuzz_target;
use trigger_bindings::{
    BindingExpr, Event, Headers, Listener, Param, ParamSpec, Template, TriggerPlan,
};

fuzz_target!(|data: &[u8]| {
    let (expr, body) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (
            data,
            &b"{\"a\":{\"b\":[1,\"x\",{\"c\":null}]},\"s\":\"v\"}"[..],
        ),
    };
    let Ok(expr) = std::str::from_utf8(expr) else {
        return;
    };
    let _ = BindingExpr::parse(expr).has_expressions();
    let template = (data.len() % 2 == 0).then(|| {
        Template::from_raw(
            "tt",
            vec![ParamSpec {
                name: "p".into(),
                default: Some("d".into()),
                description: None,
            }],
            false,
            vec!["{\"v\":\"$(tt.params.p)\"}".into()],
        )
    });
    let plan = TriggerPlan::new(
        "t",
        &[],
        vec![Param {
            name: "p".into(),
            value: expr.into(),
        }],
        template,
    );
    let listener = Listener::without_secrets("el", vec![plan]);
    let headers = Headers::new()
        .with("X-GitHub-Event", "push")
        .with("x-multi", "1")
        .with("X-Multi", "2");
    let response = listener.process(&Event::new(headers, body.to_vec()));
    let _ = response.to_json();
});
