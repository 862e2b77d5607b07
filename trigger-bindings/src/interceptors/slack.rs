//! The `slack` interceptor: copies `requestedFields` of a form body (as the sink converted
//! it) into the extensions.

use super::{Decision, EventView};
use crate::listener::RejectionKind;
use serde_json::Value;

/// Tekton's `slack` interceptor over the (converted) body.
pub(super) fn intercept(
    view: &EventView<'_>,
    requested: &Result<Option<Vec<String>>, String>,
) -> Decision {
    const NOT_FORM: &str =
        "missing header in payload: ContentType application/x-www-form-urlencoded";
    if view.headers.get("Content-Type") != Some("application/x-www-form-urlencoded") {
        return Decision::Stop(RejectionKind::Body, NOT_FORM.into());
    }
    if view
        .headers
        .get("X-Slack-Signature")
        .is_none_or(str::is_empty)
    {
        // Upstream's message for a missing signature, word for word.
        return Decision::Stop(RejectionKind::Signature, NOT_FORM.into());
    }
    let payload: serde_json::Map<String, Value> = match serde_json::from_slice(view.body_bytes) {
        Ok(Value::Object(m))
            if m.values()
                .all(|v| v.as_array().is_some_and(|a| a.iter().all(Value::is_string))) =>
        {
            m
        }
        Ok(_) => {
            return Decision::Stop(
                RejectionKind::Body,
                "failed to unmarshl slack payload: the body is not a form of string lists".into(),
            );
        }
        Err(e) => {
            return Decision::Stop(
                RejectionKind::Body,
                format!("failed to unmarshl slack payload: {e}"),
            );
        }
    };
    let fields = match requested {
        Err(e) => return Decision::Stop(RejectionKind::Interceptor, e.clone()),
        Ok(None) => {
            return Decision::Stop(
                RejectionKind::Interceptor,
                "missing requested field definition".into(),
            );
        }
        Ok(Some(f)) => f,
    };
    let mut extensions = serde_json::Map::new();
    for f in fields {
        match payload.get(f) {
            Some(v) => {
                extensions.insert(f.clone(), v.clone());
            }
            None => {
                // Upstream prints the whole payload here, Slack's verification token
                // included; only the field names are given here.
                let names: Vec<&str> = payload.keys().map(String::as_str).collect();
                return Decision::Stop(
                    RejectionKind::Body,
                    format!(
                        "requested field {f:?} does not exists in payload (fields: {})",
                        names.join(", ")
                    ),
                );
            }
        }
    }
    Decision::Continue(extensions)
}
