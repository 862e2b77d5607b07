//! Typed rejections and the sink's answer: each refusal carries its kind, and the answer
//! is Tekton's (202 with `{"eventListener","namespace","eventListenerUID","eventID"}`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use trigger_bindings::{
    Event, Headers, Listener, MemorySecretStore, RejectionKind, github_signature,
};

fn listener(interceptors: &str, bindings: &str, template: &str) -> Listener {
    let yaml = format!(
        r#"
apiVersion: triggers.tekton.dev/v1beta1
kind: EventListener
metadata: {{name: el, namespace: ci, uid: 6b1f5a52-0c4a-4f49-9f3e-1a2b3c4d5e6f}}
spec:
  triggers:
    - name: t
      interceptors: {interceptors}
      bindings: {bindings}
      template: {template}
"#
    );
    Listener::from_yaml(
        "el.yaml",
        &yaml,
        MemorySecretStore::new().with("s", "k", "right"),
    )
    .unwrap()
}

const GITHUB: &str = "[{ref: {name: github}, params: [{name: secretRef, value: {secretName: s, secretKey: k}}, {name: eventTypes, value: [push]}]}]";

fn kind(l: &Listener, headers: Headers, body: &str) -> Option<RejectionKind> {
    l.process(&Event::new(headers, body.as_bytes().to_vec()))
        .triggers[0]
        .rejection
}

#[test]
fn each_refusal_says_what_kind_it_is() {
    let body = r#"{"a":"b"}"#;
    let signed = |secret: &str, event: &str| {
        Headers::new().with("X-GitHub-Event", event).with(
            "X-Hub-Signature-256",
            github_signature(secret.as_bytes(), body.as_bytes()),
        )
    };
    let tmpl = "{spec: {resourcetemplates: []}}";
    let l = listener(GITHUB, "[]", tmpl);
    assert_eq!(kind(&l, signed("right", "push"), body), None);
    assert_eq!(
        kind(&l, signed("wrong", "push"), body),
        Some(RejectionKind::Signature)
    );
    assert_eq!(
        kind(&l, signed("right", "issues"), body),
        Some(RejectionKind::EventType)
    );
    let missing = GITHUB.replace("secretName: s", "secretName: gone");
    let l = listener(&missing, "[]", tmpl);
    assert_eq!(
        kind(&l, signed("right", "push"), body),
        Some(RejectionKind::Secret)
    );
    let l = listener(
        "[{ref: {name: cel}, params: [{name: filter, value: \"body.a == 'c'\"}]}]",
        "[]",
        tmpl,
    );
    assert_eq!(kind(&l, Headers::new(), body), Some(RejectionKind::Filter));
    let l = listener("[{ref: {name: nosuch}}]", "[]", tmpl);
    assert_eq!(
        kind(&l, Headers::new(), body),
        Some(RejectionKind::Interceptor)
    );
    let l = listener("[]", "[{name: x, value: $(body.missing)}]", tmpl);
    assert_eq!(kind(&l, Headers::new(), body), Some(RejectionKind::Binding));
    assert_eq!(
        kind(&l, Headers::new(), "{not json"),
        Some(RejectionKind::Body)
    );
    let l = listener("[]", "[]", "{ref: nosuch}");
    assert_eq!(kind(&l, Headers::new(), body), Some(RejectionKind::Trigger));
}

#[test]
fn the_sink_answers_as_tekton_does() {
    let l = listener("[]", "[]", "{spec: {resourcetemplates: []}}");
    let event = Event::new(Headers::new(), b"{}".to_vec()).with_id("e1");
    let r = l.process(&event);
    assert_eq!(r.http_status(), 202);
    assert_eq!(
        r.sink_body(&l),
        "{\"eventListener\":\"el\",\"namespace\":\"ci\",\"eventListenerUID\":\"6b1f5a52-0c4a-4f49-9f3e-1a2b3c4d5e6f\",\"eventID\":\"e1\"}\n"
    );
}
