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

use crate::error::Error;
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
    pub fn from_json(v: &Value) -> Result<InterceptorResponse, Error> {
        Self::from_json_text(v).map_err(|message| Error::Invalid {
            what: "interceptor response",
            message,
        })
    }

    fn from_json_text(v: &Value) -> Result<InterceptorResponse, String> {
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

/// What a webhook interceptor's service answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookAnswer {
    /// The HTTP status.
    pub status: u16,
    /// The response headers, in order.
    pub headers: Vec<(String, String)>,
    /// The response body.
    pub body: Vec<u8>,
}

/// The HTTP client for the old-style `webhook` interceptors: Tekton POSTs the event (with
/// the extensions so far merged into the body under `extensions`) to the service, and the
/// answer's body and headers replace the event's for the interceptors and bindings after
/// it. A status other than 200 stops the trigger.
pub trait WebhookClient: Send + Sync {
    /// POSTs `body` with `headers` to `url` (Tekton gives it 5 seconds). A failure's text
    /// (usually [`Error::Adapter`]) becomes the rejection reason.
    fn post(
        &self,
        url: &str,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Result<WebhookAnswer, Error>;
}

impl<F> WebhookClient for F
where
    F: Fn(&str, &[(String, String)], &[u8]) -> Result<WebhookAnswer, Error> + Send + Sync,
{
    fn post(
        &self,
        url: &str,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Result<WebhookAnswer, Error> {
        self(url, headers, body)
    }
}

/// A `webhook` header param: one value (set) or a list (replacing every value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HeaderParam {
    One(String),
    Many(Vec<String>),
}

/// A parsed `webhook:` interceptor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Webhook {
    /// Where to POST, or why the reference resolves nowhere.
    pub url: Result<String, String>,
    pub headers: Vec<(String, HeaderParam)>,
}

impl Webhook {
    /// Reads `{url}` or `{objectRef: {kind: Service, apiVersion: v1, name, namespace}}`
    /// and `header: [{name, value}]`; a Service without a namespace is in `namespace`.
    pub(crate) fn parse(v: &Value, namespace: &str) -> Result<Webhook, String> {
        let Value::Object(m) = v else {
            return Err("webhook interceptor must be an object".into());
        };
        let url = match (m.get("url").and_then(Value::as_str), m.get("objectRef")) {
            (Some(u), _) => Ok(u.to_string()),
            (None, Some(Value::Object(r)))
                if r.get("kind").and_then(Value::as_str) == Some("Service")
                    && r.get("apiVersion").and_then(Value::as_str) == Some("v1") =>
            {
                let name = r.get("name").and_then(Value::as_str).unwrap_or_default();
                let ns = r
                    .get("namespace")
                    .and_then(Value::as_str)
                    .filter(|n| !n.is_empty())
                    .unwrap_or(namespace);
                Ok(format!("http://{name}.{ns}.svc/"))
            }
            _ => Err("invalid objRef".to_string()),
        };
        let mut headers = Vec::new();
        if let Some(list) = m.get("header") {
            let Value::Array(items) = list else {
                return Err("webhook header must be a list of {name, value}".into());
            };
            for item in items {
                let name = item.get("name").and_then(Value::as_str).unwrap_or_default();
                let value = match item.get("value") {
                    Some(Value::String(s)) => HeaderParam::One(s.clone()),
                    Some(Value::Array(vs)) => HeaderParam::Many(
                        vs.iter()
                            .map(|v| v.as_str().map(str::to_string))
                            .collect::<Option<Vec<_>>>()
                            .ok_or_else(|| {
                                format!("webhook header {name:?}: values must be strings")
                            })?,
                    ),
                    _ => {
                        return Err(format!(
                            "webhook header {name:?}: value must be a string or a list"
                        ));
                    }
                };
                headers.push((name.to_string(), value));
            }
        }
        Ok(Webhook { url, headers })
    }
}
