//! Interceptor decisions, table-driven, through the public API.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::json;
use std::sync::Arc;
use trigger_bindings::{
    Event, Headers, Limits, Listener, MemorySecretStore, Outcome, TriggerInterceptor, TriggerPlan,
    github_signature,
};

fn secret_ref() -> (String, serde_json::Value) {
    (
        "secretRef".into(),
        json!({"secretName": "s", "secretKey": "k"}),
    )
}

fn run(
    interceptor: TriggerInterceptor,
    headers: &[(&str, &str)],
    body: &str,
) -> Result<(), String> {
    let plan = TriggerPlan::new("t", &[interceptor], vec![], None);
    let secrets = MemorySecretStore::new().with("s", "k", "tok");
    let listener =
        Listener::from_plans("el", "ns", vec![plan], Arc::new(secrets), Limits::default());
    let headers: Headers = headers.iter().map(|(n, v)| (*n, *v)).collect();
    match &listener.process(&Event::new(headers, body)).triggers[0].outcome {
        Outcome::Accepted { .. } => Ok(()),
        Outcome::Rejected { reason } => Err(reason.clone()),
    }
}

/// (case, interceptor, headers, expected outcome or reason substring)
type Row<'a> = (
    &'a str,
    TriggerInterceptor,
    Vec<(&'a str, &'a str)>,
    Result<(), &'a str>,
);

#[test]
fn interceptor_table() {
    let sha256 = github_signature(b"tok", b"{}");
    let sha1 = "sha1=c5c3b4af1d45b9ad1bdb5e0c4bd2a4c9f4b6e6e1";
    let gitlab = |extra: Vec<(String, serde_json::Value)>| {
        TriggerInterceptor::new("gitlab", [secret_ref()].into_iter().chain(extra))
    };
    let rows: Vec<Row<'_>> = vec![
        (
            "gitlab ok",
            gitlab(vec![]),
            vec![("X-Gitlab-Token", "tok")],
            Ok(()),
        ),
        (
            "gitlab wrong",
            gitlab(vec![]),
            vec![("X-Gitlab-Token", "nope")],
            Err("Invalid X-GitLab-Token"),
        ),
        (
            "gitlab missing",
            gitlab(vec![]),
            vec![],
            Err("no X-Gitlab-Token header set"),
        ),
        (
            "gitlab event",
            gitlab(vec![("eventTypes".into(), json!(["Push Hook"]))]),
            vec![
                ("X-Gitlab-Token", "tok"),
                ("X-Gitlab-Event", "Tag Push Hook"),
            ],
            Err("event type Tag Push Hook is not allowed"),
        ),
        (
            "bitbucket sha256",
            TriggerInterceptor::new("bitbucket", [secret_ref()]),
            vec![("X-Hub-Signature", sha256.as_str())],
            Ok(()),
        ),
        (
            "bitbucket bad sha1",
            TriggerInterceptor::new("bitbucket", [secret_ref()]),
            vec![("X-Hub-Signature", sha1)],
            Err("signature validation failed"),
        ),
        (
            "github malformed",
            TriggerInterceptor::new("github", [secret_ref()]),
            vec![("X-Hub-Signature-256", "sha256=zz")],
            Err("signature validation failed"),
        ),
        (
            "github form encoding",
            TriggerInterceptor::new("github", []),
            vec![("Content-Type", "application/x-www-form-urlencoded")],
            Err("form parameter encoding not supported"),
        ),
        (
            "missing secret",
            TriggerInterceptor::new(
                "github",
                [(
                    "secretRef".into(),
                    json!({"secretName": "x", "secretKey": "k"}),
                )],
            ),
            vec![("X-Hub-Signature-256", sha256.as_str())],
            Err("error getting secret"),
        ),
        (
            "empty secret key",
            TriggerInterceptor::new("github", [("secretRef".into(), json!({"secretName": "s"}))]),
            vec![],
            Err("github interceptor secretRef.secretKey is empty"),
        ),
        (
            "unknown",
            TriggerInterceptor::new("bitbucket-cloud", []),
            vec![],
            Err("unknown interceptor \"bitbucket-cloud\""),
        ),
        (
            "slack without a form body",
            TriggerInterceptor::new("slack", []),
            vec![],
            Err("missing header in payload: ContentType application/x-www-form-urlencoded"),
        ),
        (
            "webhook",
            serde_json::from_value(json!({"webhook": {"objectRef": {"name": "svc"}}})).unwrap(),
            vec![],
            // Upstream resolves only `Service` `v1` references (or a `url`).
            Err("invalid objRef"),
        ),
        (
            "webhook without a client",
            serde_json::from_value(
                json!({"webhook": {"objectRef": {"kind": "Service", "apiVersion": "v1", "name": "svc"}}}),
            )
            .unwrap(),
            vec![],
            Err("webhook interceptors need an HTTP client"),
        ),
        (
            "cel does not compile",
            TriggerInterceptor::new("cel", [("filter".into(), json!("body.("))]),
            vec![],
            Err("failed to parse expression"),
        ),
        (
            "v1alpha1 cel",
            serde_json::from_value(json!({"cel": {"filter": "header.match('X-A', 'b')"}})).unwrap(),
            vec![("x-a", "b")],
            Ok(()),
        ),
    ];
    for (name, interceptor, headers, want) in rows {
        let got = run(interceptor, &headers, "{}");
        match (&got, want) {
            (Ok(()), Ok(())) => {}
            (Err(reason), Err(w)) if reason.contains(w) => {
                assert!(
                    !reason.contains("tok\""),
                    "{name}: the secret leaks: {reason}"
                );
            }
            _ => panic!("{name}: got {got:?}, want {want:?}"),
        }
    }
}
