//! Interceptors: each sees the event and the extensions so far, and either stops the chain
//! with a reason or continues, possibly adding extensions.
//!
//! - `github`: `eventTypes` (checked first), then `X-Hub-Signature-256` (HMAC-SHA256 of the
//!   raw body, constant-time compare) when a `secretRef` is set, then `addChangedFiles`
//!   and `githubOwners` (see [`github`](self::github), the API through
//!   [`crate::github::GitHubApi`]).
//! - `gitlab`: `eventTypes` against `X-Gitlab-Event`, then `X-Gitlab-Token` (constant time).
//! - `bitbucket`: `eventTypes` against `X-Event-Key`, then `X-Hub-Signature`
//!   (`sha1=`/`sha256=`/`sha512=` HMAC of the raw body; Bitbucket Server and Cloud).
//! - `slack`: `requestedFields` of a Slack form body into the extensions.
//! - `cel`: `filter` and `overlays` (see [`cel`](self::cel)).
//! - `webhook`: an old-style `webhook:` interceptor, POSTed through the host's client.
//! - `ClusterInterceptor`s and `NamespacedInterceptor`s that are not built in: the host
//!   answers them (see [`crate::custom`]).
//!
//! One file each; this module holds what they share: the parsed [`Interceptor`], the
//! [`EventView`], the `eventTypes` and HMAC-signature checks.

mod bitbucket;
pub(crate) mod cel;
mod cel_cost;
mod cel_fast;
mod github;
mod gitlab;
mod host;
mod slack;
mod webhook;

pub(crate) use github::Hosts;
pub use github::github_signature;

use crate::event::Headers;
use crate::json::{self, Doc};
use crate::listener::{Limits, RejectionKind};
use crate::model::{InterceptorParam, TriggerInterceptor};
use crate::secrets::SecretStore;
use serde_json::Value;
use std::cell::OnceCell;
use std::sync::Arc;

/// What an interceptor decided.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Decision {
    /// Go on, adding these extensions.
    Continue(serde_json::Map<String, Value>),
    /// Stop the chain: what kind of refusal, and why.
    Stop(RejectionKind, String),
    /// Go on with this body and these headers instead (a webhook interceptor's answer).
    Replace { headers: Headers, body: Vec<u8> },
}

/// A `secretRef`: secret name and key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SecretRef {
    pub name: String,
    pub key: String,
}

/// A configured interceptor.
#[derive(Debug)]
pub(crate) enum Interceptor {
    GitHub {
        secret: Option<SecretRef>,
        event_types: Option<Vec<String>>,
        options: github::Options,
    },
    GitLab {
        secret: Option<SecretRef>,
        event_types: Option<Vec<String>>,
    },
    Bitbucket {
        secret: Option<SecretRef>,
        event_types: Option<Vec<String>>,
    },
    /// `slack`: copies `requestedFields` of a form body (as the sink converted it) into
    /// the extensions. Upstream checks only that `X-Slack-Signature` is present, not the
    /// signature; so does this. The params error is kept for event time, as upstream.
    Slack {
        requested: Result<Option<Vec<String>>, String>,
    },
    Cel(Box<cel::CelInterceptor>),
    /// An old-style `webhook:` interceptor (its spec, resolved at event time as upstream).
    Webhook(Value),
    /// A `ClusterInterceptor` or `NamespacedInterceptor` the host answers.
    Custom {
        kind: String,
        name: String,
        params: serde_json::Map<String, Value>,
    },
    /// Configured but unusable (unknown kind, bad params, CEL that does not compile): every
    /// event is stopped with this reason, as upstream fails at event time.
    Invalid(String),
}

/// A read-only view of the event shared by all triggers.
pub(crate) struct EventView<'a> {
    pub headers: &'a Headers,
    canonical: OnceCell<Vec<(String, Vec<String>)>>,
    pub body_bytes: &'a [u8],
    pub url: &'a str,
    pub max_depth: usize,
    parsed: OnceCell<Result<Doc<'a>, String>>,
}

impl<'a> EventView<'a> {
    pub(crate) fn new(
        headers: &'a Headers,
        body: &'a [u8],
        url: &'a str,
        max_depth: usize,
    ) -> EventView<'a> {
        EventView {
            headers,
            canonical: OnceCell::new(),
            body_bytes: body,
            url,
            max_depth,
            parsed: OnceCell::new(),
        }
    }

    /// Header names in Go's canonical form with their values, names sorted.
    pub(crate) fn canonical_headers(&self) -> &[(String, Vec<String>)] {
        self.canonical.get_or_init(|| self.headers.canonical())
    }

    /// The validated, indexed body.
    pub(crate) fn parsed_body(&self) -> Result<&Doc<'a>, String> {
        self.parsed
            .get_or_init(|| {
                json::parse(self.body_bytes, self.max_depth)
                    .map_err(|e| format!("{} at byte {}", e.message, e.offset))
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

/// The param `name`: Tekton decodes interceptor params as Go's `encoding/json` decodes a
/// struct, so an exact name wins and otherwise a name equal without ASCII case is taken.
pub(super) fn param<'p>(params: &'p [InterceptorParam], name: &str) -> Option<&'p Value> {
    github::go_lookup(params.iter().map(|p| (p.name.as_str(), &p.value)), name)
}

fn secret_ref(v: Option<&Value>, kind: &str) -> Result<Option<SecretRef>, String> {
    let Some(v) = v else { return Ok(None) };
    if v.is_null() {
        return Ok(None);
    }
    let name = v
        .get("secretName")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let key = v
        .get("secretKey")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if !v.is_object() {
        return Err(format!(
            "failed to parse interceptor params: secretRef must be an object, not {v}"
        ));
    }
    if key.is_empty() {
        return Err(format!("{kind} interceptor secretRef.secretKey is empty"));
    }
    Ok(Some(SecretRef { name, key }))
}

fn event_types(v: Option<&Value>) -> Result<Option<Vec<String>>, String> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_str().map(str::to_string).ok_or_else(|| {
                    format!(
                        "failed to parse interceptor params: eventTypes entry {i} is not a string"
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(other) => Err(format!(
            "failed to parse interceptor params: eventTypes must be a list, not {other}"
        )),
    }
}

impl Interceptor {
    /// Builds an interceptor from its YAML form (`ref` + `params`, or the v1alpha1
    /// `github:`/`gitlab:`/`bitbucket:`/`cel:` fields).
    pub(crate) fn from_model(i: &TriggerInterceptor) -> (String, Interceptor) {
        let (kind, params): (String, Vec<InterceptorParam>) = if let Some(r) = &i.r#ref {
            let ref_kind = crate::custom::kind_of(r.kind.as_deref());
            let builtin =
                ["github", "gitlab", "bitbucket", "cel", "slack"].contains(&r.name.as_str());
            if ref_kind != "ClusterInterceptor" || !builtin {
                // Not built in: the host answers it (see `crate::custom`).
                let params = i
                    .params
                    .iter()
                    .map(|p| (p.name.clone(), p.value.clone()))
                    .collect();
                return (
                    r.name.clone(),
                    Interceptor::Custom {
                        kind: crate::custom::normal_kind(ref_kind).to_string(),
                        name: r.name.clone(),
                        params,
                    },
                );
            }
            (r.name.clone(), i.params.clone())
        } else if let Some((kind, v)) = i.legacy() {
            let params = match v {
                Value::Object(m) => m
                    .iter()
                    .map(|(k, v)| InterceptorParam {
                        name: k.clone(),
                        value: v.clone(),
                    })
                    .collect(),
                _ => Vec::new(),
            };
            (kind.to_string(), params)
        } else if let Some(w) = &i.webhook {
            return ("webhook".to_string(), Interceptor::Webhook(w.clone()));
        } else {
            return (
                "?".to_string(),
                Interceptor::Invalid("interceptor has neither ref nor a known kind".into()),
            );
        };
        let built = match kind.as_str() {
            "github" | "gitlab" | "bitbucket" => {
                let secret = secret_ref(param(&params, "secretRef"), &kind);
                let types = event_types(param(&params, "eventTypes"));
                let options = if kind == "github" {
                    github::options(
                        param(&params, "githubOwners"),
                        param(&params, "addChangedFiles"),
                    )
                } else {
                    Ok(github::Options::default())
                };
                match (secret, types, options) {
                    (Ok(secret), Ok(event_types), Ok(options)) => match kind.as_str() {
                        "github" => Interceptor::GitHub {
                            secret,
                            event_types,
                            options,
                        },
                        "gitlab" => Interceptor::GitLab {
                            secret,
                            event_types,
                        },
                        _ => Interceptor::Bitbucket {
                            secret,
                            event_types,
                        },
                    },
                    (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => Interceptor::Invalid(e),
                }
            }
            "slack" => Interceptor::Slack {
                requested: match param(&params, "requestedFields") {
                    None | Some(Value::Null) => Ok(None),
                    Some(Value::Array(items)) => items
                        .iter()
                        .map(|i| i.as_str().map(str::to_string))
                        .collect::<Option<Vec<_>>>()
                        .map(Some)
                        .ok_or_else(|| {
                            "failed to parse interceptor params: json: cannot unmarshal \
                             a non-string into Go struct field InterceptorParams.requestedFields \
                             of type string"
                                .to_string()
                        }),
                    Some(_) => Err(
                        "failed to parse interceptor params: json: cannot unmarshal \
                                    into Go struct field InterceptorParams.requestedFields of \
                                    type []string"
                            .to_string(),
                    ),
                },
            },
            "cel" => match cel::build(&params) {
                Ok(c) => Interceptor::Cel(Box::new(c)),
                Err(e) => Interceptor::Invalid(e),
            },
            other => Interceptor::Invalid(format!("unknown interceptor {other:?}")),
        };
        (kind, built)
    }

    pub(crate) fn process(
        &self,
        view: &EventView<'_>,
        cel_inputs: &OnceCell<cel::Inputs>,
        extensions: &serde_json::Map<String, Value>,
        hosts: &Hosts<'_>,
        limits: &Limits,
    ) -> Decision {
        match self {
            Interceptor::GitHub {
                secret,
                event_types,
                options,
            } => github::intercept(
                secret.as_ref(),
                event_types.as_deref(),
                options,
                view,
                hosts,
            ),
            Interceptor::GitLab {
                secret,
                event_types,
            } => gitlab::intercept(secret.as_ref(), event_types.as_deref(), view, hosts),
            Interceptor::Bitbucket {
                secret,
                event_types,
            } => bitbucket::intercept(secret.as_ref(), event_types.as_deref(), view, hosts),
            Interceptor::Slack { requested } => slack::intercept(view, requested),
            Interceptor::Webhook(raw) => webhook::intercept(view, raw, extensions, hosts),
            Interceptor::Custom { kind, name, params } => {
                host::intercept(kind, name, params, view, extensions, hosts)
            }
            Interceptor::Cel(c) => c.process(
                view,
                cel_inputs,
                extensions,
                hosts.secrets,
                hosts.namespace,
                limits,
            ),
            Interceptor::Invalid(reason) => {
                Decision::Stop(RejectionKind::Interceptor, reason.clone())
            }
        }
    }
}

/// Why a reference to a host interceptor that is not registered fails.
pub(crate) fn unknown_custom(kind: &str, name: &str) -> String {
    if kind == "ClusterInterceptor" {
        format!("unknown interceptor {name:?}")
    } else {
        format!("unknown interceptor {name:?} of kind {kind}")
    }
}

/// The event type in header `name` (empty when absent), or the stop `eventTypes` makes.
pub(super) fn allowed_event<'v>(
    view: &'v EventView<'_>,
    name: &str,
    allowed: Option<&[String]>,
) -> Result<&'v str, Decision> {
    let event = view.headers.get(name).unwrap_or_default();
    match check_event_type(event, allowed) {
        Some(stop) => Err(stop),
        None => Ok(event),
    }
}

/// The non-empty value of the signature (or token) header `name`, or a `Signature` stop.
pub(super) fn signature_header<'v>(
    view: &'v EventView<'_>,
    name: &str,
) -> Result<&'v str, Decision> {
    view.headers
        .get(name)
        .filter(|h| !h.is_empty())
        .ok_or_else(|| Decision::Stop(RejectionKind::Signature, format!("no {name} header set")))
}

fn check_event_type(actual: &str, allowed: Option<&[String]>) -> Option<Decision> {
    let allowed = allowed?;
    if allowed.iter().any(|a| a == actual) {
        None
    } else {
        Some(Decision::Stop(
            RejectionKind::EventType,
            format!("event type {actual} is not allowed"),
        ))
    }
}

pub(super) fn missing_secret(s: &SecretRef) -> String {
    format!(
        "error getting secret: secret {:?} key {:?} not found",
        s.name, s.key
    )
}

/// Verifies `sha1=`/`sha256=`/`sha512=` + hex HMAC of `body` in constant time.
pub(super) fn check_signature(
    header: &str,
    body: &[u8],
    s: &SecretRef,
    secrets: &Arc<dyn SecretStore>,
    namespace: &str,
) -> Decision {
    let secret = match secrets.get(namespace, &s.name, &s.key) {
        Ok(Some(t)) => t,
        Ok(None) => return Decision::Stop(RejectionKind::Secret, missing_secret(s)),
        Err(e) => return Decision::Stop(RejectionKind::Secret, e.to_string()),
    };
    use crate::secrets::{SignatureError, verify_hmac_header};
    let reason = match verify_hmac_header(header, body, secret.expose()) {
        Ok(()) => return Decision::Continue(Default::default()),
        Err(SignatureError::Form) => {
            "signature validation failed: the signature header is not of the form ALGO=HEX".into()
        }
        Err(SignatureError::NotHex) => {
            "signature validation failed: the signature is not hexadecimal".into()
        }
        Err(SignatureError::Algorithm(other)) => {
            format!("signature validation failed: unknown signature algorithm {other:?}")
        }
        Err(SignatureError::Mismatch) => "signature validation failed".into(),
    };
    Decision::Stop(RejectionKind::Signature, reason)
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )]
    use super::*;

    #[test]
    fn hmac_vectors() {
        // RFC 2202 test case 2 and GitHub's documented example.
        assert_eq!(
            crate::secrets::hmac_hex(
                ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
                b"Jefe",
                b"what do ya want for nothing?"
            ),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
        );
        assert_eq!(
            github_signature(b"It's a Secret to Everybody", b"Hello, World!"),
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        );
        let long_key = [0xaa_u8; 80];
        assert_eq!(
            crate::secrets::hmac_hex(
                ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
                &long_key,
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            ),
            "aa4ae5e15272d00e95705637ce8a3b55ed402112"
        );
    }
}
