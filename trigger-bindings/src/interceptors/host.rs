//! Interceptors the host answers: a `ClusterInterceptor` or `NamespacedInterceptor` that is
//! not built in, through the services registered with the listener (see [`crate::custom`]).

use super::{Decision, EventView, Hosts, unknown_custom};
use crate::listener::RejectionKind;
use serde_json::Value;

pub(super) fn intercept(
    kind: &str,
    name: &str,
    params: &serde_json::Map<String, Value>,
    view: &EventView<'_>,
    extensions: &serde_json::Map<String, Value>,
    hosts: &Hosts<'_>,
) -> Decision {
    let namespace = hosts.namespace;
    let Some(service) = hosts.custom.get(&(kind.to_string(), name.to_string())) else {
        return Decision::Stop(RejectionKind::Interceptor, unknown_custom(kind, name));
    };
    let request = crate::custom::InterceptorRequest {
        body: String::from_utf8_lossy(view.body_bytes).into_owned(),
        header: view.canonical_headers().iter().cloned().collect(),
        extensions: extensions.clone(),
        interceptor_params: params.clone(),
        context: crate::custom::RequestContext {
            event_url: view.url.to_string(),
            event_id: hosts.event_id.to_string(),
            trigger_id: format!("namespaces/{namespace}/triggers/{}", hosts.trigger),
        },
    };
    let answer = service.intercept(&request);
    if answer.continue_chain {
        Decision::Continue(answer.extensions)
    } else {
        let reason = match answer.status {
            Some((code, message)) => format!(
                "rpc error: code = {} desc = {message}",
                crate::custom::code_name(code)
            ),
            None => "the interceptor did not continue".to_string(),
        };
        Decision::Stop(RejectionKind::Interceptor, reason)
    }
}
