//! Interceptors the host supplies: `ClusterInterceptor` and `Interceptor` references that
//! are not built in, answered by an [`InterceptorService`].
//!
//! Tekton sends such an interceptor an `InterceptorRequest` over HTTP and reads back an
//! `InterceptorResponse`; [`InterceptorRequest::to_json`] and
//! [`InterceptorResponse::from_json`] are those wire forms, so a host can forward to a
//! real interceptor service, or answer in process. Register services with
//! [`Listener::with_interceptor`](crate::Listener::with_interceptor); a reference to one
//! that is not registered rejects every event and is listed by
//! [`Listener::problems`](crate::Listener::problems).

use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Where the request comes from (`context` in Tekton's request).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestContext {
    /// The URL the event was sent to (path and query).
    pub event_url: String,
    /// The event's id.
    pub event_id: String,
    /// `namespaces/NAMESPACE/triggers/TRIGGER`.
    pub trigger_id: String,
}

/// What an interceptor is asked (Tekton's `InterceptorRequest`).
#[derive(Debug, Clone, PartialEq)]
pub struct InterceptorRequest {
    /// The body as text.
    pub body: String,
    /// Headers, names in Go's canonical form, values in order.
    pub header: BTreeMap<String, Vec<String>>,
    /// Extensions added by the interceptors before this one.
    pub extensions: Map<String, Value>,
    /// This interceptor's `params`, by name.
    pub interceptor_params: Map<String, Value>,
    /// Where the event comes from.
    pub context: RequestContext,
}

impl InterceptorRequest {
    /// The JSON Tekton POSTs to an interceptor service.
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "body": self.body,
            "header": self.header,
            "extensions": self.extensions,
            "interceptor_params": self.interceptor_params,
            "context": {
                "event_url": self.context.event_url,
                "event_id": self.context.event_id,
                "trigger_id": self.context.trigger_id,
            },
        })
    }
}

/// An interceptor's answer (Tekton's `InterceptorResponse`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InterceptorResponse {
    /// Whether the chain goes on.
    pub continue_chain: bool,
    /// Extensions to add.
    pub extensions: Map<String, Value>,
    /// Why it stopped: a gRPC status code and a message.
    pub status: Option<(i64, String)>,
}

impl InterceptorResponse {
    /// Go on, adding `extensions`.
    pub fn proceed(extensions: Map<String, Value>) -> InterceptorResponse {
        InterceptorResponse {
            continue_chain: true,
            extensions,
            status: None,
        }
    }

    /// Stop, with a gRPC status `code` (e.g. 9, FailedPrecondition) and `message`.
    pub fn stop(code: i64, message: impl Into<String>) -> InterceptorResponse {
        InterceptorResponse {
            continue_chain: false,
            extensions: Map::new(),
            status: Some((code, message.into())),
        }
    }

    /// Reads the JSON an interceptor service answers with
    /// (`{"continue", "extensions", "status": {"code", "message"}}`).
    pub fn from_json(v: &Value) -> Result<InterceptorResponse, String> {
        let Value::Object(m) = v else {
            return Err("an interceptor response must be a JSON object".into());
        };
        let continue_chain = match m.get("continue") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(other) => return Err(format!("\"continue\" must be a bool, not {other}")),
        };
        let extensions = match m.get("extensions") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(e)) => e.clone(),
            Some(other) => return Err(format!("\"extensions\" must be an object, not {other}")),
        };
        let status = match m.get("status") {
            None | Some(Value::Null) => None,
            Some(Value::Object(s)) => Some((
                s.get("code").and_then(Value::as_i64).unwrap_or(0),
                s.get("message")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
            )),
            Some(other) => return Err(format!("\"status\" must be an object, not {other}")),
        };
        Ok(InterceptorResponse {
            continue_chain,
            extensions,
            status,
        })
    }
}

/// gRPC's code names, as Tekton prints a status (`rpc error: code = NAME desc = ...`).
pub(crate) fn code_name(code: i64) -> &'static str {
    match code {
        0 => "OK",
        1 => "Canceled",
        2 => "Unknown",
        3 => "InvalidArgument",
        4 => "DeadlineExceeded",
        5 => "NotFound",
        6 => "AlreadyExists",
        7 => "PermissionDenied",
        8 => "ResourceExhausted",
        9 => "FailedPrecondition",
        10 => "Aborted",
        11 => "OutOfRange",
        12 => "Unimplemented",
        13 => "Internal",
        14 => "Unavailable",
        15 => "DataLoss",
        16 => "Unauthenticated",
        _ => "Unknown",
    }
}

/// An interceptor the host runs (in process, or by forwarding to a service).
pub trait InterceptorService: Send + Sync {
    /// Answers one request.
    fn intercept(&self, request: &InterceptorRequest) -> InterceptorResponse;
}

impl<F: Fn(&InterceptorRequest) -> InterceptorResponse + Send + Sync> InterceptorService for F {
    fn intercept(&self, request: &InterceptorRequest) -> InterceptorResponse {
        self(request)
    }
}

/// The kind a reference names, as Tekton defaults it.
pub(crate) fn kind_of(kind: Option<&str>) -> &str {
    match kind {
        None | Some("") => "ClusterInterceptor",
        Some(k) => k,
    }
}

/// `Interceptor` and `NamespacedInterceptor` name the same namespaced kind.
pub(crate) fn normal_kind(kind: &str) -> &str {
    match kind {
        "Interceptor" => "NamespacedInterceptor",
        other => other,
    }
}
