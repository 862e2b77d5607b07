#![no_main]
//! Fuzz target `trigger_receiver` (trigger-bindings): Flux receivers, Slack form bodies and
//! the GitHub owners check. Input: a receiver type, header lines and a body, separated by
//! NUL bytes. Receivers of every type handle the request at their own path and at a wrong
//! one; a listener with the slack interceptor and one with githubOwners (over a fake API)
//! process it as an event. Must never panic; a receiver answers one of its statuses.
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;
use trigger_bindings::github::{Contents, StaticGitHubApi};
use trigger_bindings::receiver::{Receivers, webhook_path};
use trigger_bindings::{Event, Headers, Listener, MemorySecretStore};

const TYPES: &[&str] = &[
    "generic", "generic-hmac", "github", "gitlab", "bitbucket", "harbor", "dockerhub", "quay",
    "nexus", "acr", "cdevents", "gcr", "generic-oidc",
];

const LISTENERS: &str = r#"apiVersion: triggers.tekton.dev/v1beta1
kind: EventListener
metadata: {name: el}
spec:
  triggers:
    - name: slack
      interceptors:
        - ref: {name: slack}
          params: [{name: requestedFields, value: [text, command]}]
      bindings: [{name: t, value: $(extensions.text)}]
    - name: owners
      interceptors:
        - ref: {name: github}
          params:
            - {name: githubOwners, value: {enabled: true, checkType: none}}
            - {name: addChangedFiles, value: {enabled: true}}
      bindings: [{name: c, value: $(extensions.changed_files)}]
"#;

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(3, |b| *b == 0);
    let kind = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let header_text = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let body = parts.next().unwrap_or_default();
    let mut headers = Headers::new();
    for line in header_text.lines().take(32) {
        if let Some((k, v)) = line.split_once(':') {
            headers.append(k.trim(), v.trim());
        }
    }
    let secrets = MemorySecretStore::new().with("tok", "token", "s3cret");
    for t in TYPES.iter().copied().chain(std::iter::once(kind.as_str())) {
        let yaml = format!(
            "apiVersion: notification.toolkit.fluxcd.io/v1\nkind: Receiver\nmetadata: {{name: r, namespace: ns}}\nspec: {{type: {t:?}, events: [push], secretRef: {{name: tok}}, resources: [{{kind: GitRepository, name: app}}, {{apiVersion: v1, kind: ConfigMap, name: '*', matchLabels: {{a: b}}}}]}}\n"
        );
        let Ok(receivers) = Receivers::from_yaml("r.yaml", &yaml) else {
            continue;
        };
        let path = webhook_path("s3cret", "r", "ns");
        let ok = receivers.handle(&path, &headers, body, &secrets);
        assert!([200, 400, 413, 500, 503].contains(&ok.status), "{ok:?}");
        assert_eq!(receivers.handle("/hook/x", &headers, body, &secrets).status, 404);
    }
    let api = StaticGitHubApi::new().with_contents(
        "a/b",
        "OWNERS",
        Contents::File(String::from_utf8_lossy(body).into_owned()),
    );
    if let Ok(l) = Listener::from_yaml("el.yaml", LISTENERS, MemorySecretStore::new()) {
        let l = l.with_github_api(Arc::new(api));
        let _ = l.process(&Event::new(headers, body.to_vec()));
    }
});
