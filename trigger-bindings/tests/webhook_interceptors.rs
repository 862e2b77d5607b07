//! Old-style `webhook` interceptors through the host's HTTP client: the request Tekton's
//! sink makes (extensions merged into the body, the event URL header, the interceptor's
//! headers), the answer replacing body and headers for what follows, refusals.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use trigger_bindings::custom::WebhookAnswer;
use trigger_bindings::{Event, Headers, Listener, MemorySecretStore, Outcome};

const YAML: &str = r#"
apiVersion: triggers.tekton.dev/v1beta1
kind: EventListener
metadata: {name: el, namespace: ci}
spec:
  triggers:
    - name: t
      interceptors:
        - ref: {name: cel}
          params:
            - name: overlays
              value: [{key: short, expression: "body.sha.truncate(3)"}]
        - webhook:
            header:
              - {name: Foo-Trig-Header1, value: string-value}
              - {name: Foo-Trig-Header2, value: [a, b]}
            objectRef: {kind: Service, name: gh-validate, apiVersion: v1}
        - ref: {name: cel}
          params: [{name: filter, value: "body.validated && header.match('X-Checked', 'yes')"}]
      bindings:
        - {name: who, value: $(body.validated_by)}
        - {name: short, value: $(extensions.short)}
"#;

type Seen = Arc<Mutex<Vec<(String, Vec<(String, String)>, Value)>>>;

fn listener(status: u16) -> (Listener, Seen) {
    let seen: Seen = Arc::default();
    let client = {
        let seen = Arc::clone(&seen);
        move |url: &str,
              headers: &[(String, String)],
              body: &[u8]|
              -> Result<WebhookAnswer, trigger_bindings::Error> {
            seen.lock().unwrap().push((
                url.to_string(),
                headers.to_vec(),
                serde_json::from_slice(body).unwrap(),
            ));
            Ok(WebhookAnswer {
                status,
                headers: vec![("X-Checked".into(), "yes".into())],
                body: br#"{"validated":true,"validated_by":"gh-validate"}"#.to_vec(),
            })
        }
    };
    let l = Listener::from_yaml("el.yaml", YAML, MemorySecretStore::new())
        .unwrap()
        .with_webhook_client(Arc::new(client));
    (l, seen)
}

fn event() -> Event {
    Event::new(
        Headers::new().with("X-GitHub-Event", "push"),
        br#"{"sha":"abcdef"}"#.to_vec(),
    )
    .with_url("/hooks")
}

#[test]
fn the_webhook_answer_replaces_body_and_headers() {
    let (l, seen) = listener(200);
    assert!(l.problems().is_empty(), "{:?}", l.problems());
    match &l.process(&event()).triggers[0].outcome {
        Outcome::Accepted { params, .. } => {
            assert_eq!(params["who"], "gh-validate");
            assert_eq!(params["short"], "abc");
        }
        other => panic!("{other:?}"),
    }
    let seen = seen.lock().unwrap();
    let (url, headers, body) = &seen[0];
    assert_eq!(url, "http://gh-validate.ci.svc/");
    assert_eq!(
        body,
        &json!({"sha": "abcdef", "extensions": {"short": "abc"}})
    );
    let get = |n: &str| -> Vec<&str> {
        headers
            .iter()
            .filter(|(k, _)| k == n)
            .map(|(_, v)| v.as_str())
            .collect()
    };
    assert_eq!(get("X-Github-Event"), ["push"]);
    assert_eq!(get("Eventlistener-Request-Url"), ["/hooks"]);
    assert_eq!(get("Foo-Trig-Header1"), ["string-value"]);
    assert_eq!(get("Foo-Trig-Header2"), ["a", "b"]);
}

#[test]
fn a_non_200_answer_or_no_client_rejects() {
    let (l, _) = listener(403);
    match &l.process(&event()).triggers[0].outcome {
        Outcome::Rejected { reason } => {
            assert!(reason.contains("interceptor 1 (webhook)"), "{reason}");
            assert!(reason.contains("request rejected; status: 403"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    let bare = Listener::from_yaml("el.yaml", YAML, MemorySecretStore::new()).unwrap();
    assert!(
        bare.problems()
            .iter()
            .any(|(_, p)| p.contains("need an HTTP client")),
        "{:?}",
        bare.problems()
    );
    assert!(!bare.process(&event()).triggers[0].accepted());
}

#[test]
fn an_unresolvable_reference_is_refused_as_upstream() {
    let yaml = YAML.replace(
        "{kind: Service, name: gh-validate, apiVersion: v1}",
        "{kind: Deployment, name: x, apiVersion: apps/v1}",
    );
    let l = Listener::from_yaml("el.yaml", &yaml, MemorySecretStore::new())
        .unwrap()
        .with_webhook_client(Arc::new(
            |_: &str,
             _: &[(String, String)],
             _: &[u8]|
             -> Result<WebhookAnswer, trigger_bindings::Error> {
                panic!("must not be called")
            },
        ));
    match &l.process(&event()).triggers[0].outcome {
        Outcome::Rejected { reason } => assert!(reason.contains("invalid objRef"), "{reason}"),
        other => panic!("{other:?}"),
    }
}
