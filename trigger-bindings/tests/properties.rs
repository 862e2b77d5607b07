//! Laws of the event path, checked with proptest.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use std::sync::Arc;
use trigger_bindings::{
    Event, Headers, Limits, Listener, MemorySecretStore, Outcome, Param, ParamSpec, Template,
    TriggerInterceptor, TriggerPlan, github_signature,
};

fn bind_and_render(body: Vec<u8>, value: &str) -> Outcome {
    let template = Template::from_raw(
        "tt",
        vec![ParamSpec {
            name: "p".into(),
            ..Default::default()
        }],
        false,
        vec!["{\"v\":\"$(tt.params.p)\"}".into()],
    );
    let plan = TriggerPlan::new(
        "t",
        &[],
        vec![Param {
            name: "p".into(),
            value: value.into(),
        }],
        Some(template),
    );
    let listener = Listener::without_secrets("el", vec![plan]);
    listener
        .process(&Event::new(Headers::new(), body))
        .triggers
        .remove(0)
        .outcome
}

proptest! {
    /// A string bound from the body and inserted into a JSON string of the template
    /// renders back to exactly the same string (quotes, newlines, `<>&`, unicode).
    #[test]
    fn string_round_trips_through_binding_and_template(s in "\\PC*|[\"\\\\\n\r\t<>&\u{2028}$()]*") {
        let body = serde_json::to_vec(&serde_json::json!({"s": s})).unwrap();
        match bind_and_render(body, "$(body.s)") {
            Outcome::Accepted { resources, .. } => {
                // `$(` in a value is escaped to `$$(` so it cannot be read as a variable.
                prop_assert_eq!(resources[0]["v"].as_str().unwrap(), s.replace("$(", "$$("));
            }
            Outcome::Rejected { reason } => prop_assert!(false, "rejected: {}", reason),
        }
    }

    /// A whole object bound unquoted renders back to an equal object.
    #[test]
    fn objects_round_trip(m in proptest::collection::btree_map("[a-z<&]{0,6}", "[ -#%-~]{0,8}", 0..6)) {
        let body = serde_json::to_vec(&serde_json::json!({"o": m})).unwrap();
        let template = Template::from_raw("tt", vec![], false, vec!["{\"v\":$(tt.params.p)}".into()]);
        let plan = TriggerPlan::new("t", &[], vec![Param { name: "p".into(), value: "$(body.o)".into() }], Some(template));
        let response = Listener::without_secrets("el", vec![plan]).process(&Event::new(Headers::new(), body));
        match &response.triggers[0].outcome {
            Outcome::Accepted { resources, .. } => prop_assert_eq!(&resources[0]["v"], &serde_json::json!(m)),
            Outcome::Rejected { reason } => prop_assert!(false, "rejected: {}", reason),
        }
    }

    /// Arbitrary bodies and binding values never panic; the outcome is deterministic.
    #[test]
    fn arbitrary_input_is_handled(body in proptest::collection::vec(any::<u8>(), 0..200), value in "\\PC{0,40}") {
        let a = bind_and_render(body.clone(), &value);
        let b = bind_and_render(body, &value);
        prop_assert_eq!(a, b);
    }

    /// A correctly signed body passes the GitHub interceptor; flipping any byte fails it.
    #[test]
    fn signatures_cover_every_byte(text in "\\PC{1,300}", at in any::<prop::sample::Index>()) {
        let body = serde_json::to_vec(&serde_json::json!({"t": text})).unwrap();
        let secrets = MemorySecretStore::new().with("s", "k", "key");
        let github = TriggerInterceptor::new("github", [(
            "secretRef".to_string(),
            serde_json::json!({"secretName": "s", "secretKey": "k"}),
        )]);
        let plan = TriggerPlan::new("t", &[github], vec![], None);
        let listener = Listener::from_plans("el", "ns", vec![plan], Arc::new(secrets), Limits::default());
        let sig = github_signature(b"key", &body);
        let ok = listener.process(&Event::new(Headers::new().with("X-Hub-Signature-256", sig.clone()), body.clone()));
        prop_assert!(ok.triggers[0].accepted());
        let mut tampered = body.clone();
        let i = at.index(tampered.len());
        tampered[i] ^= 0x01;
        let bad = listener.process(&Event::new(Headers::new().with("X-Hub-Signature-256", sig), tampered));
        prop_assert!(!bad.triggers[0].accepted());
    }
}

#[test]
fn limits_reject_big_and_deep_bodies() {
    let plan = || {
        TriggerPlan::new(
            "t",
            &[],
            vec![Param {
                name: "p".into(),
                value: "$(body)".into(),
            }],
            None,
        )
    };
    let limits = Limits::default().max_body_bytes(100).max_json_depth(4);
    let listener = Listener::from_plans(
        "el",
        "ns",
        vec![plan()],
        Arc::new(MemorySecretStore::new()),
        limits,
    );
    let big = format!("{{\"a\":\"{}\"}}", "x".repeat(200));
    let deep = "[[[[[1]]]]]";
    for (body, want) in [
        (big.as_str(), "over the limit of 100 bytes"),
        (deep, "nesting deeper than the limit"),
    ] {
        match &listener.process(&Event::new(Headers::new(), body)).triggers[0].outcome {
            Outcome::Rejected { reason } => assert!(reason.contains(want), "{reason}"),
            other => panic!("accepted: {other:?}"),
        }
    }
    // The default depth limit (128) holds for a 10,000-deep body, without a stack overflow.
    let listener = Listener::without_secrets("el", vec![plan()]);
    let very_deep = "[".repeat(10_000) + &"]".repeat(10_000);
    assert!(
        !listener
            .process(&Event::new(Headers::new(), very_deep))
            .triggers[0]
            .accepted()
    );
}

#[test]
fn cel_cost_and_compile_errors_reject() {
    let cel = |filter: &str| {
        TriggerInterceptor::new("cel", [("filter".to_string(), serde_json::json!(filter))])
    };
    let rows = [
        ("body.x ==", "failed to parse expression"),
        (
            "body.l.map(a, body.l.map(b, body.l.map(c, a + b + c))).size() > 0",
            "exceeds the cost limit",
        ),
        ("body.l.size() + 'x' == 1", "failed to evaluate"),
        ("body.l.size() > 1000", "did not return true"),
    ];
    let body = serde_json::to_vec(&serde_json::json!({"l": (0..500).collect::<Vec<_>>()})).unwrap();
    for (expr, want) in rows {
        let listener = Listener::without_secrets(
            "el",
            vec![TriggerPlan::new("t", &[cel(expr)], vec![], None)],
        );
        match &listener
            .process(&Event::new(Headers::new(), body.clone()))
            .triggers[0]
            .outcome
        {
            Outcome::Rejected { reason } => assert!(reason.contains(want), "{expr}: {reason}"),
            other => panic!("{expr}: accepted: {other:?}"),
        }
    }
}

#[test]
fn cel_tekton_functions() {
    let secrets = MemorySecretStore::new().with("mysecret", "token", "tok");
    let overlays = serde_json::json!([
        {"key": "m", "expression": "header.match('x-event', 'push')"},
        {"key": "c", "expression": "header.canonical('X-EVENT')"},
        {"key": "t", "expression": "body.sha.truncate(3)"},
        {"key": "s", "expression": "body.ref.split('/')[2]"},
        {"key": "j", "expression": "body.json.parseJSON().a"},
        {"key": "y", "expression": "'a: [1, 2]'.parseYAML().a[1]"},
        {"key": "mj", "expression": "{'b': 1, 'a': ['x']}.marshalJSON()"},
        {"key": "u", "expression": "'https://u:p@host/p?q=1&q=2#f'.parseURL().query.q"},
        {"key": "f", "expression": "[3, 4].first()"},
        {"key": "l", "expression": "[3, 4].last()"},
        {"key": "tr", "expression": "'abc-123'.translate('[0-9]+', 'N')"},
        {"key": "d", "expression": "'aGVsbG8='.decodeb64()"},
        {"key": "cs", "expression": "header.canonical('X-Token').compareSecret('token', 'mysecret')"},
        {"key": "nested.key", "expression": "requestURL"},
        {"key": "n", "expression": "body.n + 1.0"},
    ]);
    let cel = TriggerInterceptor::new("cel", [("overlays".to_string(), overlays)]);
    let plan = TriggerPlan::new("t", &[cel], vec![], None);
    let listener =
        Listener::from_plans("el", "ns", vec![plan], Arc::new(secrets), Limits::default());
    let body = r#"{"sha":"abcdef","ref":"refs/heads/main","json":"{\"a\":\"b\"}","n":2}"#;
    let event = Event::new(
        Headers::new()
            .with("X-Event", "push")
            .with("x-token", "tok"),
        body,
    )
    .with_url("http://el.example/hook");
    match &listener.process(&event).triggers[0].outcome {
        Outcome::Accepted { extensions, .. } => assert_eq!(
            serde_json::Value::Object(extensions.clone()),
            serde_json::json!({
                "m": true, "c": "push", "t": "abc", "s": "main", "j": "b", "y": 2, "mj": "{\"a\":[\"x\"],\"b\":1}",
                "u": "1,2", "f": 3, "l": 4, "tr": "abc-N", "d": "hello", "cs": true,
                "nested": {"key": "http://el.example/hook"}, "n": 3
            })
        ),
        Outcome::Rejected { reason } => panic!("{reason}"),
    }
}
