//! An old-style `webhook:` interceptor: the event is POSTed through the host's HTTP client
//! (extensions merged into the body) and the chain goes on with the answer.

use super::{Decision, EventView, Hosts};
use crate::event::Headers;
use crate::listener::RejectionKind;
use serde_json::Value;

/// An old-style webhook interceptor: POST the event (extensions merged into the body),
/// continue with the answer's body and headers.
pub(super) fn intercept(
    view: &EventView<'_>,
    raw: &Value,
    extensions: &serde_json::Map<String, Value>,
    hosts: &Hosts<'_>,
) -> Decision {
    use crate::custom::{HeaderParam, Webhook};
    let spec = match Webhook::parse(raw, hosts.namespace) {
        Ok(w) => w,
        Err(e) => return Decision::Stop(RejectionKind::Interceptor, e),
    };
    let url = match spec.url {
        Ok(u) => u,
        Err(e) => return Decision::Stop(RejectionKind::Interceptor, e),
    };
    let Some(client) = hosts.webhook else {
        return Decision::Stop(
            RejectionKind::Interceptor,
            "webhook interceptors need an HTTP client (Listener::with_webhook_client)".into(),
        );
    };
    let body = if extensions.is_empty() {
        view.body_bytes.to_vec()
    } else {
        match serde_json::from_slice::<Value>(view.body_bytes) {
            Ok(Value::Object(mut m)) => {
                let entry = m
                    .entry("extensions")
                    .or_insert_with(|| Value::Object(Default::default()));
                if !entry.is_object() {
                    *entry = Value::Object(Default::default());
                }
                if let Value::Object(e) = entry {
                    e.extend(extensions.clone());
                }
                Value::Object(m).to_string().into_bytes()
            }
            _ => {
                return Decision::Stop(
                    RejectionKind::Body,
                    "could not merge extensions with body: the body is not a JSON object".into(),
                );
            }
        }
    };
    let mut headers: Vec<(String, String)> = Vec::new();
    for (name, values) in view.canonical_headers() {
        headers.extend(values.iter().map(|v| (name.clone(), v.clone())));
    }
    headers.retain(|(n, _)| n != "Eventlistener-Request-Url");
    headers.push(("Eventlistener-Request-Url".into(), view.url.to_string()));
    for (name, value) in &spec.headers {
        let canonical = crate::header_name::canonical_header_key(name).into_owned();
        headers.retain(|(n, _)| n != &canonical);
        match value {
            HeaderParam::One(v) => headers.push((canonical, v.clone())),
            HeaderParam::Many(vs) => {
                headers.extend(vs.iter().map(|v| (canonical.clone(), v.clone())))
            }
        }
    }
    match client.post(&url, &headers, &body) {
        Err(e) => Decision::Stop(RejectionKind::Interceptor, e.to_string()),
        Ok(answer) if answer.status != 200 => Decision::Stop(
            RejectionKind::Interceptor,
            format!(
                "request rejected; status: {}; message: {}",
                answer.status,
                String::from_utf8_lossy(&answer.body)
            ),
        ),
        Ok(answer) => {
            let mut h = Headers::new();
            for (k, v) in answer.headers {
                h.append(k, v);
            }
            Decision::Replace {
                headers: h,
                body: answer.body,
            }
        }
    }
}
