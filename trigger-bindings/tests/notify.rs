//! Flux Providers and Alerts: the requests each provider type makes of an event (bodies
//! as Go marshals upstream's structs) and which events an alert forwards.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use trigger_bindings::notify::{
    AlertFilter, FluxEvent, ObjectRef, generic, generic_hmac, github_commit_status, slack,
};
use trigger_bindings::receiver::{Receivers, webhook_path};
use trigger_bindings::{Headers, MemorySecretStore};

fn event() -> FluxEvent {
    FluxEvent {
        involved_object: ObjectRef {
            kind: "Kustomization".into(),
            namespace: "flux-system".into(),
            name: "apps".into(),
            ..ObjectRef::default()
        },
        severity: "info".into(),
        timestamp: "2026-12-03T10:00:00Z".into(),
        message: "Applied <2> objects & pruned 0\nsecond line".into(),
        reason: "ReconciliationSucceeded".into(),
        metadata: BTreeMap::from([(
            "revision".to_string(),
            "main@sha1:7f3a1d2c9b8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a".to_string(),
        )]),
        reporting_controller: "kustomize-controller".into(),
        reporting_instance: String::new(),
    }
}

#[test]
fn generic_posts_the_event_as_go_marshals_it() {
    let d = generic(
        &event(),
        "https://hooks.example/flux",
        &BTreeMap::from([("X-Team".to_string(), "a".to_string())]),
    );
    assert_eq!(d.method, "POST");
    assert_eq!(
        String::from_utf8(d.body).unwrap(),
        r#"{"involvedObject":{"kind":"Kustomization","namespace":"flux-system","name":"apps"},"severity":"info","timestamp":"2026-12-03T10:00:00Z","message":"Applied \u003c2\u003e objects \u0026 pruned 0\nsecond line","reason":"ReconciliationSucceeded","metadata":{"revision":"main@sha1:7f3a1d2c9b8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a"},"reportingController":"kustomize-controller"}"#
    );
    assert_eq!(
        d.headers,
        [
            ("Content-Type".to_string(), "application/json".to_string()),
            (
                "gotk-component".to_string(),
                "kustomize-controller".to_string()
            ),
            ("X-Team".to_string(), "a".to_string()),
        ]
    );
}

#[test]
fn a_generic_hmac_delivery_is_accepted_by_a_generic_hmac_receiver() {
    let d = generic_hmac(&event(), "https://x/hook", &BTreeMap::new(), b"tok").unwrap();
    let receivers = Receivers::from_yaml(
        "r.yaml",
        "apiVersion: notification.toolkit.fluxcd.io/v1\nkind: Receiver\nmetadata: {name: r, namespace: ns}\nspec: {type: generic-hmac, secretRef: {name: s}, resources: [{kind: GitRepository, name: app}]}\n",
    )
    .unwrap();
    let secrets = MemorySecretStore::new().with("s", "token", "tok");
    let mut headers = Headers::new();
    for (k, v) in &d.headers {
        headers.append(k, v);
    }
    let path = webhook_path("tok", "r", "ns");
    assert_eq!(
        receivers.handle(&path, &headers, &d.body, &secrets).status,
        200
    );
    let mut tampered = d.body.clone();
    tampered[10] ^= 1;
    assert_eq!(
        receivers
            .handle(&path, &headers, &tampered, &secrets)
            .status,
        400
    );
    assert!(generic_hmac(&event(), "https://x", &BTreeMap::new(), b"").is_err());
}

#[test]
fn slack_gets_its_attachment_payload() {
    let d = slack(
        &event(),
        "https://hooks.slack.com/services/X",
        "xoxb",
        "",
        "#ops",
    );
    assert_eq!(
        String::from_utf8(d.body).unwrap(),
        r##"{"channel":"#ops","username":"kustomize-controller","icon_url":"","icon_emoji":"","attachments":[{"fallback":"kustomization/apps.flux-system: Applied \u003c2\u003e objects \u0026 pruned 0","color":"good","author_name":"kustomization/apps.flux-system","text":"Applied \u003c2\u003e objects \u0026 pruned 0\nsecond line","mrkdwn_in":["text"],"fields":[{"title":"revision","value":"main@sha1:7f3a1d2c9b8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a","short":false}]}]}"##
    );
    assert!(
        d.headers
            .contains(&("Authorization".to_string(), "Bearer xoxb".to_string()))
    );
    let mut failed = event();
    failed.severity = "error".into();
    let d = slack(&failed, "https://x", "", "flux", "");
    let v: serde_json::Value = serde_json::from_slice(&d.body).unwrap();
    assert_eq!(v["attachments"][0]["color"], "danger");
    assert_eq!(v["username"], "flux");
}

#[test]
fn github_commit_statuses_follow_the_event() {
    let s = github_commit_status(
        &event(),
        "https://github.com/acme/fleet.git",
        "",
        "d1c3b2a0-1111-2222",
    )
    .unwrap()
    .unwrap();
    assert_eq!((s.owner.as_str(), s.repo.as_str()), ("acme", "fleet"));
    assert_eq!(s.sha, "7f3a1d2c9b8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a");
    assert_eq!(s.state, "success");
    assert_eq!(s.context, "kustomization/apps/d1c3b2a0");
    assert_eq!(s.description, "reconciliation succeeded");
    let d = s.delivery("https://api.github.com");
    assert_eq!(
        d.url,
        "https://api.github.com/repos/acme/fleet/statuses/7f3a1d2c9b8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a"
    );
    let ssh = github_commit_status(&event(), "ssh://git@github.com/acme/fleet", "ci", "u")
        .unwrap()
        .unwrap();
    assert_eq!((ssh.repo.as_str(), ssh.context.as_str()), ("fleet", "ci"));
    let mut progressing = event();
    progressing.reason = "Progressing".into();
    assert_eq!(
        github_commit_status(&progressing, "https://github.com/a/b", "", "u").unwrap(),
        None
    );
    let mut bare = event();
    bare.metadata.clear();
    assert_eq!(
        github_commit_status(&bare, "https://github.com/a/b", "", "u")
            .unwrap_err()
            .to_string(),
        "missing revision metadata"
    );
}

#[test]
fn alerts_select_by_severity_source_and_message() {
    let alert = AlertFilter {
        event_severity: "info".into(),
        event_sources: vec![("Kustomization".into(), "*".into(), String::new())],
        namespace: "flux-system".into(),
        inclusion_list: vec![],
        exclusion_list: vec!["^no change".into()],
    };
    assert!(alert.matches(&event()).unwrap());
    let errors_only = AlertFilter {
        event_severity: "error".into(),
        ..alert.clone()
    };
    assert!(!errors_only.matches(&event()).unwrap());
    let mut other_ns = event();
    other_ns.involved_object.namespace = "apps".into();
    assert!(!alert.matches(&other_ns).unwrap());
    let mut quiet = event();
    quiet.message = "no change since last reconciliation".into();
    assert!(!alert.matches(&quiet).unwrap());
    let include = AlertFilter {
        inclusion_list: vec!["pruned [1-9]".into()],
        ..alert.clone()
    };
    assert!(!include.matches(&event()).unwrap());
    let bad = AlertFilter {
        exclusion_list: vec!["(".into()],
        ..alert
    };
    assert!(bad.matches(&event()).is_err());
}
