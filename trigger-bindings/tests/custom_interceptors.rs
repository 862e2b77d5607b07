//! ClusterInterceptor and NamespacedInterceptor references answered by the host: the
//! request carries what Tekton sends (body, canonical headers, extensions so far, params,
//! context), the answer's extensions reach the bindings, a stop names its gRPC code, and
//! an unregistered reference is refused and listed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::{Map, Value, json};
use std::sync::{Arc, Mutex};
use trigger_bindings::custom::{InterceptorRequest, InterceptorResponse};
use trigger_bindings::{Event, Headers, Listener, MemorySecretStore, Outcome, RejectionKind};

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
              value: [{key: first, expression: "'one'"}]
        - ref: {name: owners-check, kind: NamespacedInterceptor}
          params:
            - {name: team, value: platform}
      bindings:
        - {name: decided, value: $(extensions.decided)}
        - {name: first, value: $(extensions.first)}
"#;

fn listener() -> Listener {
    Listener::from_yaml("el.yaml", YAML, MemorySecretStore::new()).unwrap()
}

#[test]
fn the_host_gets_tektons_request_and_its_extensions_are_bound() {
    let seen: Arc<Mutex<Option<Value>>> = Arc::default();
    let service = {
        let seen = Arc::clone(&seen);
        move |r: &InterceptorRequest| {
            *seen.lock().unwrap() = Some(r.to_json());
            let mut ext = Map::new();
            ext.insert(
                "decided".into(),
                json!(format!(
                    "team {}",
                    r.interceptor_params["team"].as_str().unwrap()
                )),
            );
            InterceptorResponse::proceed(ext)
        }
    };
    // `Interceptor` and `NamespacedInterceptor` are the same kind.
    let l = listener().with_interceptor("Interceptor", "owners-check", Arc::new(service));
    assert!(l.problems().is_empty(), "{:?}", l.problems());
    let event = Event::new(
        Headers::new().with("x-github-event", "push"),
        br#"{"a":1}"#.to_vec(),
    )
    .with_id("ev-1")
    .with_url("/hook?x=1");
    match &l.process(&event).triggers[0].outcome {
        Outcome::Accepted { params, .. } => {
            assert_eq!(params["decided"], "team platform");
            assert_eq!(params["first"], "one");
        }
        other => panic!("{other:?}"),
    }
    let request = seen.lock().unwrap().clone().unwrap();
    assert_eq!(request["body"], r#"{"a":1}"#);
    assert_eq!(request["header"]["X-Github-Event"], json!(["push"]));
    assert_eq!(request["extensions"]["first"], "one");
    assert_eq!(request["interceptor_params"]["team"], "platform");
    assert_eq!(
        request["context"],
        json!({"event_url": "/hook?x=1", "event_id": "ev-1", "trigger_id": "namespaces/ci/triggers/t"})
    );
}

#[test]
fn a_stop_names_its_code_and_an_unregistered_reference_is_refused() {
    let l = listener().with_interceptor(
        "NamespacedInterceptor",
        "owners-check",
        Arc::new(|_: &InterceptorRequest| InterceptorResponse::stop(9, "not an owner")),
    );
    let r = l.process(&Event::new(Headers::new(), b"{}".to_vec()));
    assert_eq!(r.triggers[0].rejection, Some(RejectionKind::Interceptor));
    match &r.triggers[0].outcome {
        Outcome::Rejected { reason } => assert!(
            reason.contains("rpc error: code = FailedPrecondition desc = not an owner"),
            "{reason}"
        ),
        other => panic!("{other:?}"),
    }
    // Registered under the other kind: still unknown.
    let l = listener().with_interceptor(
        "ClusterInterceptor",
        "owners-check",
        Arc::new(|_: &InterceptorRequest| InterceptorResponse::proceed(Map::new())),
    );
    let problems = l.problems();
    assert!(
        problems.iter().any(|(at, p)| at == "t"
            && p.contains("unknown interceptor \"owners-check\" of kind NamespacedInterceptor")),
        "{problems:?}"
    );
    let r = l.process(&Event::new(Headers::new(), b"{}".to_vec()));
    assert!(!r.triggers[0].accepted());
}

#[test]
fn responses_read_from_an_interceptor_services_json() {
    let r = InterceptorResponse::from_json(&json!({
        "continue": false,
        "status": {"code": 3, "message": "bad"}
    }))
    .unwrap();
    assert_eq!(r, InterceptorResponse::stop(3, "bad"));
    let r =
        InterceptorResponse::from_json(&json!({"continue": true, "extensions": {"a": 1}})).unwrap();
    assert!(r.continue_chain);
    assert_eq!(r.extensions["a"], 1);
    assert!(InterceptorResponse::from_json(&json!({"continue": "yes"})).is_err());
    assert!(InterceptorResponse::from_json(&json!([1])).is_err());
}
