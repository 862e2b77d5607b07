//! Flux notification-controller Receivers: the webhook path, validation per type and the
//! statuses the receiver server answers (internal/server/receiver_handlers.go), and the
//! same receivers served beside an EventListener on a real socket.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use trigger_bindings::receiver::{Receivers, webhook_path};
use trigger_bindings::{Headers, MemorySecretStore, github_signature};

fn receivers(kind: &str, events: &str, resources: &str) -> Receivers {
    let yaml = format!(
        r#"
apiVersion: notification.toolkit.fluxcd.io/v1
kind: Receiver
metadata: {{name: github-receiver, namespace: flux-system}}
spec:
  type: {kind}
  events: {events}
  secretRef: {{name: webhook-token}}
  resources: {resources}
"#
    );
    Receivers::from_yaml("r.yaml", &yaml).unwrap()
}

const APP: &str = "[{kind: GitRepository, name: app}]";

fn secrets() -> MemorySecretStore {
    MemorySecretStore::new().with("webhook-token", "token", "s3cret")
}

fn path() -> String {
    webhook_path("s3cret", "github-receiver", "flux-system")
}

#[test]
fn the_path_is_the_sha256_of_token_name_and_namespace() {
    // hashlib.sha256(b"s3cretgithub-receiverflux-system").hexdigest()
    assert_eq!(
        path(),
        "/hook/2dad4f6926b39968e4364e30dabbffc4e42333291f9d23341b90a18101145360"
    );
    let r = receivers("generic", "[]", APP);
    assert_eq!(
        r.paths(&secrets())[0],
        ("flux-system/github-receiver".into(), path())
    );
}

#[test]
fn github_receivers_check_the_signature_and_the_event() {
    let r = receivers("github", "[push]", APP);
    let body = br#"{"ref":"refs/heads/main"}"#;
    let headers = |event: &str, secret: &[u8]| {
        Headers::new()
            .with("Content-Type", "application/json")
            .with("X-GitHub-Event", event)
            .with("X-Hub-Signature-256", github_signature(secret, body))
    };
    let ok = r.handle(&path(), &headers("push", b"s3cret"), body, &secrets());
    assert_eq!(ok.status, 200, "{ok:?}");
    assert_eq!(ok.receiver.as_deref(), Some("flux-system/github-receiver"));
    let req = &ok.requests[0];
    assert_eq!(
        (
            req.api_version.as_str(),
            req.kind.as_str(),
            req.namespace.as_str(),
            req.name.as_str()
        ),
        (
            "source.toolkit.fluxcd.io/v1",
            "GitRepository",
            "flux-system",
            "app"
        )
    );
    let forged = r.handle(&path(), &headers("push", b"guess"), body, &secrets());
    assert_eq!(forged.status, 400);
    assert!(
        forged
            .reason
            .unwrap()
            .contains("payload signature check failed")
    );
    let other = r.handle(&path(), &headers("PUSH", b"s3cret"), body, &secrets());
    assert_eq!(other.status, 200, "events compare without case");
    let issue = r.handle(&path(), &headers("issues", b"s3cret"), body, &secrets());
    assert_eq!(issue.status, 400);
    assert!(
        issue
            .reason
            .unwrap()
            .contains("the GitHub event \"issues\" is not authorised")
    );
    let nowhere = r.handle("/hook/0000", &headers("push", b"s3cret"), body, &secrets());
    assert_eq!(nowhere.status, 404);
    let big = vec![b' '; 3 * 1024 * 1024 + 1];
    assert_eq!(
        r.handle(&path(), &headers("push", b"s3cret"), &big, &secrets())
            .status,
        413
    );
}

#[test]
fn token_and_hmac_receivers() {
    let body = br#"{"repositoryName":"r"}"#;
    let cases: Vec<(&str, Headers, u16)> = vec![
        (
            "gitlab",
            Headers::new()
                .with("X-Gitlab-Token", "s3cret")
                .with("X-Gitlab-Event", "Push Hook"),
            200,
        ),
        ("gitlab", Headers::new().with("X-Gitlab-Token", "nope"), 400),
        (
            "harbor",
            Headers::new().with("Authorization", "s3cret"),
            200,
        ),
        (
            "harbor",
            Headers::new().with("Authorization", "Bearer s3cret"),
            400,
        ),
        (
            "generic-hmac",
            Headers::new().with("X-Signature", github_signature(b"s3cret", body)),
            200,
        ),
        ("generic-hmac", Headers::new(), 400),
        // hmac.new(b"s3cret", body, hashlib.sha1).hexdigest()
        (
            "nexus",
            Headers::new().with(
                "X-Nexus-Webhook-Signature",
                "9ad57f7ade51e585081c7fc62942fcbc32237bae",
            ),
            200,
        ),
        (
            "nexus",
            Headers::new().with("X-Nexus-Webhook-Signature", "00"),
            400,
        ),
        ("generic", Headers::new(), 200),
        ("quay", Headers::new(), 200),
        ("dockerhub", Headers::new(), 200),
        ("gcr", Headers::new(), 400),
        ("nosuch", Headers::new(), 400),
    ];
    for (kind, headers, want) in cases {
        let r = receivers(kind, "[]", APP);
        let got = r.handle(&path(), &headers, body, &secrets());
        assert_eq!(got.status, want, "{kind}: {got:?}");
    }
    let r = receivers("quay", "[]", APP);
    assert_eq!(
        r.handle(&path(), &Headers::new(), b"[1]", &secrets())
            .status,
        400
    );
}

#[test]
fn resource_references_follow_the_controller() {
    let h = Headers::new();
    let r = receivers("generic", "[]", "[{kind: Kustomization, name: apps}]");
    let got = r.handle(&path(), &h, b"{}", &secrets());
    assert_eq!(got.status, 500);
    assert!(
        got.reason
            .unwrap()
            .contains("apiVersion must be specified for kind \"Kustomization\"")
    );
    let r = receivers("generic", "[]", "[{kind: GitRepository, name: '*'}]");
    assert_eq!(r.handle(&path(), &h, b"{}", &secrets()).status, 500);
    let r = receivers(
        "generic",
        "[]",
        "[{apiVersion: kustomize.toolkit.fluxcd.io/v1, kind: Kustomization, name: '*', namespace: apps, matchLabels: {team: a}}]",
    );
    let got = r.handle(&path(), &h, b"{}", &secrets());
    assert_eq!(got.status, 200);
    assert_eq!(got.requests[0].namespace, "apps");
    assert_eq!(got.requests[0].match_labels["team"], "a");
    let strict = receivers(
        "generic",
        "[]",
        "[{kind: GitRepository, name: app, namespace: other}]",
    )
    .without_cross_namespace_refs();
    assert_eq!(strict.handle(&path(), &h, b"{}", &secrets()).status, 500);
}

#[test]
fn unknown_fields_are_refused_by_name() {
    let e = Receivers::from_yaml(
        "r.yaml",
        "apiVersion: notification.toolkit.fluxcd.io/v1\nkind: Receiver\nmetadata: {name: x}\nspec: {type: generic, resources: [], evnts: [push]}\n",
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("document 1 (Receiver \"x\")") && e.contains("evnts"),
        "{e}"
    );
}

#[cfg(feature = "server")]
#[test]
fn receivers_are_served_beside_the_listener() {
    use std::io::{Read, Write};
    use std::sync::{Arc, Mutex};
    use trigger_bindings::Listener;
    use trigger_bindings::receiver::ReceiverOutcome;
    use trigger_bindings::server::{FluxReceivers, Routes, ServerConfig, SinkServer};

    let el = "apiVersion: triggers.tekton.dev/v1beta1\nkind: EventListener\nmetadata: {name: el}\nspec: {triggers: []}\n";
    let listener = Listener::from_yaml("el.yaml", el, MemorySecretStore::new()).unwrap();
    let seen: Arc<Mutex<Vec<ReceiverOutcome>>> = Arc::default();
    let handler = {
        let seen = Arc::clone(&seen);
        move |o: &ReceiverOutcome| seen.lock().unwrap().push(o.clone())
    };
    let routes = Routes {
        listener: Arc::new(listener),
        handler: Arc::new(|_: &trigger_bindings::Response| {}),
        receivers: Some(Arc::new(FluxReceivers {
            receivers: receivers("generic", "[]", APP),
            secrets: Arc::new(secrets()),
            handler: Arc::new(handler),
        })),
    };
    let sink = SinkServer::start_routes("127.0.0.1:0", routes, ServerConfig::default(), 1).unwrap();
    let post = |p: &str| {
        let mut s = std::net::TcpStream::connect(sink.local_addr()).unwrap();
        write!(
            s,
            "POST {p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{{}}"
        )
        .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    };
    assert!(post(&path()).starts_with("HTTP/1.1 200"));
    assert!(post("/hook/beef").starts_with("HTTP/1.1 404"));
    // Other paths still reach the EventListener.
    assert!(post("/").starts_with("HTTP/1.1 202"));
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].requests[0].name, "app");
}
