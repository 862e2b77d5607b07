//! Flux notification-controller `Receiver`s: a webhook at
//! `/hook/<sha256(token + name + namespace)>` whose payload, once validated by the
//! receiver's `type`, asks for the listed resources to be reconciled.
//!
//! [`Receivers::handle`] does what the controller's receiver server does with one request
//! and answers with its HTTP status: 413 over 3 MiB, 404 when no receiver has the path,
//! 503 when it is suspended, 400 when the payload does not validate, 500 when a resource
//! reference is unusable, else 200 with the [`ReconcileRequest`]s (the controller then
//! annotates each object with `reconcile.fluxcd.io/requestedAt`; the host does that, e.g.
//! gitops-core reconciles them). Validation per type follows upstream: `generic` (none),
//! `generic-hmac` (`X-Signature`), `github` (`X-Hub-Signature-256`/`X-Hub-Signature`,
//! `X-GitHub-Event` in `events`), `gitlab` (`X-Gitlab-Token`, `X-Gitlab-Event`),
//! `bitbucket` (signature, `X-Event-Key`), `harbor` (`Authorization`), `dockerhub`,
//! `quay`, `acr` (payload decodes), `nexus` (`X-Nexus-Webhook-Signature`, HMAC-SHA1),
//! `cdevents` (`Ce-Type` in `events`, the CloudEvent's `context` present). `gcr` and
//! `generic-oidc` need an identity-token check against Google or an OIDC issuer and are
//! refused with that reason. `resourceFilter` and per-resource `filter` CEL expressions
//! are passed on in each request for the host to apply, not evaluated here.

use crate::error::Error;
use crate::event::Headers;
use crate::secrets::{SecretStore, constant_time_eq};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// Largest body a receiver reads (as upstream).
pub const MAX_RECEIVER_BODY_BYTES: usize = 3 * 1024 * 1024;

/// Where Flux serves receivers.
pub const WEBHOOK_PATH_PREFIX: &str = "/hook/";

/// A `Receiver` (notification.toolkit.fluxcd.io/v1).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Receiver {
    /// apiVersion.
    pub api_version: String,
    /// `Receiver`.
    pub kind: String,
    /// Metadata (name and namespace are read).
    pub metadata: Value,
    /// Spec.
    pub spec: ReceiverSpec,
    /// Status, as read back from a cluster (ignored).
    #[serde(default)]
    pub status: Option<Value>,
}

/// `Receiver.spec`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReceiverSpec {
    /// The receiver type (`github`, `generic-hmac`, ...).
    #[serde(rename = "type")]
    pub type_: String,
    /// Reconcile interval of the Receiver object itself.
    #[serde(default)]
    pub interval: Option<String>,
    /// Event types accepted (empty: all).
    #[serde(default)]
    pub events: Vec<String>,
    /// What to reconcile.
    pub resources: Vec<ReceiverResource>,
    /// A CEL expression every resource must pass.
    #[serde(default)]
    pub resource_filter: Option<String>,
    /// The secret holding `token`.
    #[serde(default)]
    pub secret_ref: Option<LocalRef>,
    /// OIDC issuers (for `generic-oidc`).
    #[serde(default)]
    pub oidc_providers: Option<Value>,
    /// Whether the receiver is suspended.
    #[serde(default)]
    pub suspend: bool,
}

/// A `secretRef`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalRef {
    /// The secret's name.
    pub name: String,
}

/// One `resources` entry.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReceiverResource {
    /// apiVersion (defaulted for Flux's own kinds).
    #[serde(default)]
    pub api_version: String,
    /// Kind.
    pub kind: String,
    /// Name, or `*` with `matchLabels`.
    pub name: String,
    /// Namespace (default: the receiver's).
    #[serde(default)]
    pub namespace: String,
    /// Labels selecting the objects when `name` is `*`.
    #[serde(default)]
    pub match_labels: Option<BTreeMap<String, String>>,
    /// A CEL expression this resource must pass.
    #[serde(default)]
    pub filter: Option<String>,
}

/// An object (or, for name `*`, the labelled objects) to reconcile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReconcileRequest {
    /// `group/version` (defaulted for Flux kinds).
    pub api_version: String,
    /// Kind.
    pub kind: String,
    /// Namespace.
    pub namespace: String,
    /// Name, or `*`.
    pub name: String,
    /// With name `*`: the labels to select by.
    pub match_labels: BTreeMap<String, String>,
    /// The CEL filters to apply (receiver's `resourceFilter`, then the resource's).
    pub filters: Vec<String>,
}

/// What one request to the receiver server came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiverOutcome {
    /// The HTTP status upstream answers.
    pub status: u16,
    /// The receiver the path named, as `namespace/name`.
    pub receiver: Option<String>,
    /// Why it was refused (not in the HTTP answer, as upstream only logs it).
    pub reason: Option<String>,
    /// What to reconcile (status 200 only).
    pub requests: Vec<ReconcileRequest>,
}

impl ReceiverOutcome {
    fn refused(status: u16, receiver: Option<String>, reason: impl Into<String>) -> Self {
        ReceiverOutcome {
            status,
            receiver,
            reason: Some(reason.into()),
            requests: Vec::new(),
        }
    }
}

/// The webhook path of a receiver: `/hook/` + hex SHA-256 of token, name and namespace.
pub fn webhook_path(token: &str, name: &str, namespace: &str) -> String {
    let digest = ring::digest::digest(
        &ring::digest::SHA256,
        format!("{token}{name}{namespace}").as_bytes(),
    );
    format!("{WEBHOOK_PATH_PREFIX}{}", hex::encode(digest.as_ref()))
}

/// Flux's default apiVersions for kinds a receiver may name without one.
fn default_api_version(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "Bucket" | "HelmChart" | "HelmRepository" | "GitRepository" | "OCIRepository" => {
            "source.toolkit.fluxcd.io/v1"
        }
        "ImageRepository" => "image.toolkit.fluxcd.io/v1",
        "ArtifactGenerator" => "source.extensions.fluxcd.io/v1beta1",
        _ => return None,
    })
}

/// A set of receivers and where to find their tokens.
pub struct Receivers {
    receivers: Vec<(String, String, Receiver)>,
    no_cross_namespace_refs: bool,
}

impl std::fmt::Debug for Receivers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.receivers.iter().map(|(ns, n, _)| format!("{ns}/{n}")))
            .finish()
    }
}

fn meta_str<'v>(meta: &'v Value, field: &str) -> Option<&'v str> {
    meta.get(field).and_then(Value::as_str)
}

impl Receivers {
    /// The `Receiver` documents of a YAML stream (other kinds skipped); an unknown field
    /// or a missing required one is an error naming the document, as Flux's API refuses it.
    pub fn from_yaml(file: &str, text: &str) -> Result<Receivers, Error> {
        Self::from_yaml_text(file, text).map_err(|message| Error::Invalid {
            what: "Receiver",
            message,
        })
    }

    fn from_yaml_text(file: &str, text: &str) -> Result<Receivers, String> {
        if text.len() > crate::model::MAX_YAML_BYTES {
            return Err(format!(
                "{file}: over the {}-byte limit",
                crate::model::MAX_YAML_BYTES
            ));
        }
        let docs: Vec<Value> =
            kube_object::yaml::parse_stream(text, file).map_err(|e| e.to_string())?;
        let mut receivers = Vec::new();
        for (i, doc) in docs.into_iter().enumerate() {
            if doc.get("kind").and_then(Value::as_str) != Some("Receiver") {
                continue;
            }
            let name = doc
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let r: Receiver = serde_json::from_value(doc)
                .map_err(|e| format!("{file}: document {} (Receiver {name:?}): {e}", i + 1))?;
            receivers.push(r);
        }
        Ok(Receivers::new(receivers))
    }

    /// Receivers as given; an object without a namespace is in `default`.
    pub fn new(receivers: Vec<Receiver>) -> Receivers {
        Receivers {
            receivers: receivers
                .into_iter()
                .map(|r| {
                    let name = meta_str(&r.metadata, "name")
                        .unwrap_or_default()
                        .to_string();
                    let ns = meta_str(&r.metadata, "namespace")
                        .unwrap_or("default")
                        .to_string();
                    (ns, name, r)
                })
                .collect(),
            no_cross_namespace_refs: false,
        }
    }

    /// Refuses resources in other namespaces than the receiver's (Flux's
    /// `--no-cross-namespace-refs`).
    pub fn without_cross_namespace_refs(mut self) -> Receivers {
        self.no_cross_namespace_refs = true;
        self
    }

    /// Every receiver's webhook path, as `(namespace/name, path)`, with tokens from
    /// `secrets` (key `token` of `secretRef`; an empty token without one).
    pub fn paths(&self, secrets: &dyn SecretStore) -> Vec<(String, String)> {
        self.receivers
            .iter()
            .map(|(ns, name, r)| {
                let token = token(r, ns, secrets).ok().flatten().unwrap_or_default();
                (format!("{ns}/{name}"), webhook_path(&token, name, ns))
            })
            .collect()
    }

    /// One request: `path` is the request URI, `headers` and `body` as received.
    pub fn handle(
        &self,
        path: &str,
        headers: &Headers,
        body: &[u8],
        secrets: &dyn SecretStore,
    ) -> ReceiverOutcome {
        if body.len() > MAX_RECEIVER_BODY_BYTES {
            return ReceiverOutcome::refused(
                413,
                None,
                format!("request body exceeds the maximum size of {MAX_RECEIVER_BODY_BYTES} bytes"),
            );
        }
        let found = self.receivers.iter().find(|(ns, name, r)| {
            let token = token(r, ns, secrets).ok().flatten().unwrap_or_default();
            constant_time_eq(webhook_path(&token, name, ns).as_bytes(), path.as_bytes())
        });
        let Some((ns, name, r)) = found else {
            return ReceiverOutcome::refused(404, None, format!("no receiver at {path:?}"));
        };
        let id = Some(format!("{ns}/{name}"));
        if r.spec.suspend {
            return ReceiverOutcome::refused(503, id, "receiver is suspended");
        }
        if let Err(e) = validate(r, ns, headers, body, secrets) {
            return ReceiverOutcome::refused(400, id, format!("unable to validate payload: {e}"));
        }
        let mut requests = Vec::new();
        for res in &r.spec.resources {
            let namespace = if res.namespace.is_empty() {
                ns.clone()
            } else {
                if self.no_cross_namespace_refs && &res.namespace != ns {
                    return ReceiverOutcome::refused(
                        500,
                        id,
                        "cross-namespace references are not allowed",
                    );
                }
                res.namespace.clone()
            };
            let api_version = if res.api_version.is_empty() {
                match default_api_version(&res.kind) {
                    Some(v) => v.to_string(),
                    None => {
                        return ReceiverOutcome::refused(
                            500,
                            id,
                            format!("apiVersion must be specified for kind {:?}", res.kind),
                        );
                    }
                }
            } else {
                res.api_version.clone()
            };
            if res.name == "*" && res.match_labels.is_none() {
                return ReceiverOutcome::refused(
                    500,
                    id,
                    "matchLabels field not set when using wildcard '*' as name",
                );
            }
            requests.push(ReconcileRequest {
                api_version,
                kind: res.kind.clone(),
                namespace,
                name: res.name.clone(),
                match_labels: res.match_labels.clone().unwrap_or_default(),
                filters: r
                    .spec
                    .resource_filter
                    .iter()
                    .chain(res.filter.iter())
                    .filter(|f| !f.is_empty())
                    .cloned()
                    .collect(),
            });
        }
        ReceiverOutcome {
            status: 200,
            receiver: id,
            reason: None,
            requests,
        }
    }
}

/// The receiver's token: `Ok(None)` without a `secretRef`.
fn token(r: &Receiver, ns: &str, secrets: &dyn SecretStore) -> Result<Option<String>, String> {
    let Some(s) = &r.spec.secret_ref else {
        return Ok(None);
    };
    match secrets.get(ns, &s.name, "token") {
        Err(e) => Err(e.to_string()),
        Ok(Some(t)) => Ok(Some(String::from_utf8_lossy(t.expose()).into_owned())),
        Ok(None) => Err(format!(
            "invalid \"{ns}/{}\" secret data: required field 'token'",
            s.name
        )),
    }
}

/// go-github's `ValidateSignature`: `sha1=`, `sha256=` or `sha512=` + hex HMAC.
fn validate_signature(signature: &str, body: &[u8], token: &str) -> Result<(), String> {
    if signature.is_empty() {
        return Err("missing signature".into());
    }
    use crate::secrets::{SignatureError, verify_hmac_header};
    verify_hmac_header(signature, body, token.as_bytes()).map_err(|e| match e {
        SignatureError::Form => format!("error parsing signature \"{signature}\""),
        SignatureError::NotHex => "error decoding signature".to_string(),
        SignatureError::Algorithm(other) => format!("unknown hash type prefix: {other:?}"),
        SignatureError::Mismatch => "payload signature check failed".to_string(),
    })
}

fn event_allowed(r: &Receiver, event: &str, what: &str) -> Result<(), String> {
    if r.spec.events.is_empty() || r.spec.events.iter().any(|e| e.eq_ignore_ascii_case(event)) {
        Ok(())
    } else {
        Err(format!("the {what} {event:?} is not authorised"))
    }
}

fn decodes_as_object(body: &[u8], what: &str) -> Result<Value, String> {
    match serde_json::from_slice::<Value>(body) {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(_) => Err(format!(
            "cannot decode {what} webhook payload: not a JSON object"
        )),
        Err(e) => Err(format!("cannot decode {what} webhook payload: {e}")),
    }
}

/// go-github's `ValidatePayload` for GitHub and Bitbucket Server: the signature of the
/// raw body when a token is set.
fn validate_payload(headers: &Headers, body: &[u8], token: &str) -> Result<(), String> {
    match headers.get("Content-Type") {
        Some("application/json") | Some("application/x-www-form-urlencoded") => {}
        other => {
            return Err(format!(
                "webhook request has unsupported Content-Type {:?}",
                other.unwrap_or_default()
            ));
        }
    }
    if token.is_empty() {
        return Ok(());
    }
    let sig = headers
        .get("X-Hub-Signature-256")
        .filter(|s| !s.is_empty())
        .or_else(|| headers.get("X-Hub-Signature"))
        .unwrap_or_default();
    validate_signature(sig, body, token)
}

fn validate(
    r: &Receiver,
    ns: &str,
    headers: &Headers,
    body: &[u8],
    secrets: &dyn SecretStore,
) -> Result<(), String> {
    let token = token(r, ns, secrets)
        .map_err(|e| format!("unable to read secret, error: {e}"))?
        .unwrap_or_default();
    let header = |n: &str| headers.get(n).unwrap_or_default();
    match r.spec.type_.as_str() {
        "generic" => Ok(()),
        "generic-hmac" => validate_signature(header("X-Signature"), body, &token)
            .map_err(|e| format!("unable to validate HMAC signature: {e}")),
        "github" => {
            validate_payload(headers, body, &token)
                .map_err(|e| format!("the GitHub signature header is invalid, err: {e}"))?;
            event_allowed(r, header("X-GitHub-Event"), "GitHub event")
        }
        "gitlab" => {
            if !constant_time_eq(header("X-Gitlab-Token").as_bytes(), token.as_bytes()) {
                return Err(
                    "the X-Gitlab-Token header value does not match the receiver token".into(),
                );
            }
            event_allowed(r, header("X-Gitlab-Event"), "GitLab event")
        }
        "bitbucket" => {
            validate_payload(headers, body, &token).map_err(|e| {
                format!("the Bitbucket server signature header is invalid, err: {e}")
            })?;
            event_allowed(r, header("X-Event-Key"), "Bitbucket server event")
        }
        "harbor" => {
            if constant_time_eq(header("Authorization").as_bytes(), token.as_bytes()) {
                Ok(())
            } else {
                Err(
                    "the Harbor Authorization header value does not match the receiver token"
                        .into(),
                )
            }
        }
        "dockerhub" => decodes_as_object(body, "DockerHub")
            .map(|_| ())
            .map_err(|_| "cannot decode DockerHub webhook payload".into()),
        "quay" => decodes_as_object(body, "Quay").map(|_| ()),
        "acr" => decodes_as_object(body, "ACR").map(|_| ()),
        "nexus" => {
            let signature = header("X-Nexus-Webhook-Signature");
            if signature.is_empty() {
                return Err("the Nexus signature is missing from header".into());
            }
            let expected = crate::secrets::hmac_hex(
                ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
                token.as_bytes(),
                body,
            );
            if !constant_time_eq(signature.as_bytes(), expected.as_bytes()) {
                return Err("invalid Nexus signature".into());
            }
            decodes_as_object(body, "Nexus").map(|_| ())
        }
        "cdevents" => {
            let v = decodes_as_object(body, "CDEvent")
                .map_err(|e| format!("unable to validate CDEvent event: {e}"))?;
            if !v.get("context").is_some_and(Value::is_object) {
                return Err("unable to validate CDEvent event: the event has no context".into());
            }
            event_allowed(r, header("Ce-Type"), "CDEvent")
        }
        "gcr" | "generic-oidc" => Err(format!(
            "{} receivers verify an identity token with its issuer, which this crate does not do",
            r.spec.type_
        )),
        other => Err(format!("recevier type {other:?} not supported")),
    }
}
