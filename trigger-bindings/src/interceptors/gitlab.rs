//! The `gitlab` interceptor: `eventTypes` against `X-Gitlab-Event`, then `X-Gitlab-Token`
//! compared in constant time with the `secretRef`'s value.

use super::{
    Decision, EventView, Hosts, SecretRef, allowed_event, missing_secret, signature_header,
};
use crate::listener::RejectionKind;
use crate::secrets::constant_time_eq;

pub(super) fn intercept(
    secret: Option<&SecretRef>,
    event_types: Option<&[String]>,
    view: &EventView<'_>,
    hosts: &Hosts<'_>,
) -> Decision {
    let (secrets, namespace) = (hosts.secrets, hosts.namespace);
    if let Err(stop) = allowed_event(view, "X-Gitlab-Event", event_types) {
        return stop;
    }
    if let Some(s) = secret {
        let header = match signature_header(view, "X-Gitlab-Token") {
            Ok(h) => h,
            Err(stop) => return stop,
        };
        let token = match secrets.get(namespace, &s.name, &s.key) {
            Ok(Some(t)) => t,
            Ok(None) => {
                return Decision::Stop(RejectionKind::Secret, missing_secret(s));
            }
            Err(e) => return Decision::Stop(RejectionKind::Secret, e.to_string()),
        };
        if !constant_time_eq(header.as_bytes(), token.expose()) {
            return Decision::Stop(RejectionKind::Signature, "Invalid X-GitLab-Token".into());
        }
    }
    Decision::Continue(Default::default())
}
