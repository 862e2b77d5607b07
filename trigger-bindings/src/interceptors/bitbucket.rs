//! The `bitbucket` interceptor: `eventTypes` against `X-Event-Key`, then `X-Hub-Signature`
//! (`sha1=`/`sha256=`/`sha512=` HMAC of the raw body; Bitbucket Server and Cloud).

use super::{
    Decision, EventView, Hosts, SecretRef, allowed_event, check_signature, signature_header,
};

pub(super) fn intercept(
    secret: Option<&SecretRef>,
    event_types: Option<&[String]>,
    view: &EventView<'_>,
    hosts: &Hosts<'_>,
) -> Decision {
    let (secrets, namespace) = (hosts.secrets, hosts.namespace);
    if let Err(stop) = allowed_event(view, "X-Event-Key", event_types) {
        return stop;
    }
    if let Some(s) = secret {
        let header = match signature_header(view, "X-Hub-Signature") {
            Ok(h) => h,
            Err(stop) => return stop,
        };
        return check_signature(header, view.body_bytes, s, secrets, namespace);
    }
    Decision::Continue(Default::default())
}
