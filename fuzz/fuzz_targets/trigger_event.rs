#![no_main]
//! Fuzz target `trigger_event` (trigger-bindings): the whole event path. Input: a CEL
//! expression, header lines and a body, separated by NUL bytes. A listener with a GitHub
//! interceptor, a CEL filter and overlay, bindings and a template processes the event,
//! with small limits so the bounds are exercised too. Must never panic.
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;
use trigger_bindings::{Event, Headers, Limits, Listener, MemorySecretStore, Resources};

fn listener_yaml(expr: &str) -> String {
    let indented: String = expr
        .lines()
        .map(|l| format!("                  {l}\n"))
        .collect();
    format!(
        r#"apiVersion: triggers.tekton.dev/v1beta1
kind: EventListener
metadata: {{name: el}}
spec:
  triggers:
    - name: signed
      interceptors:
        - ref: {{name: github}}
          params:
            - {{name: secretRef, value: {{secretName: s, secretKey: k}}}}
      bindings:
        - {{name: rev, value: $(body.head_commit.id)}}
      template: {{ref: tt}}
    - name: cel
      interceptors:
        - ref: {{name: cel}}
          params:
            - name: filter
              value: |-
{indented}            - name: overlays
              value:
                - {{key: x, expression: "body"}}
                - {{key: a.b, expression: "header"}}
      bindings:
        - {{name: rev, value: "$(body.a) $(extensions.x) $(header)"}}
        - {{name: other, value: $(body.b[0])}}
      template: {{ref: tt}}
---
apiVersion: triggers.tekton.dev/v1beta1
kind: TriggerTemplate
metadata: {{name: tt}}
spec:
  params: [{{name: rev, default: none}}, {{name: other}}]
  resourcetemplates:
    - {{kind: PipelineRun, metadata: {{generateName: "r-$(uid)-"}}, spec: {{v: "$(tt.params.rev)", o: "$(tt.params.other)"}}}}
"#
    )
}

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(3, |b| *b == 0);
    let expr = std::str::from_utf8(parts.next().unwrap_or_default()).unwrap_or("true");
    let header_text = std::str::from_utf8(parts.next().unwrap_or_default()).unwrap_or_default();
    let body = parts.next().unwrap_or_default().to_vec();
    let Ok(resources) = Resources::from_yaml("fuzz.yaml", &listener_yaml(expr)) else {
        return;
    };
    let Some(el) = resources.event_listeners.first() else {
        return;
    };
    let secrets = MemorySecretStore::new().with("s", "k", "secret");
    let limits = Limits::default()
        .max_body_bytes(64 * 1024)
        .max_json_depth(32)
        .max_cel_cost(100_000)
        .max_cel_memory_bytes(4 * 1024 * 1024)
        .max_render_bytes(256 * 1024);
    let listener = Listener::new(el, &resources, Arc::new(secrets), limits);
    let mut headers = Headers::new();
    for line in header_text.lines() {
        if let Some((n, v)) = line.split_once(':') {
            headers.append(n.trim(), v.trim());
        }
    }
    let response = listener.process(&Event::new(headers, body));
    let _ = response.to_json();
});
