//! Flux notification-controller `Alert`s and `Provider`s: which events an alert forwards,
//! and the HTTP request each provider type makes of one, byte for byte (pure: the host
//! sends the [`Delivery`] with its own client).
//!
//! Provider types: `generic` (the event as JSON, `gotk-component` header),
//! `generic-hmac` (the same, `X-Signature: sha256=<hex HMAC>` of the body), `slack`
//! (Slack's attachment payload, `Authorization: Bearer` when a token is set) and `github`
//! (a commit status on the revision the event names; Progressing events are skipped).
//! Bodies are Go's `json.Marshal` of upstream's structs: field order as declared, `<`,
//! `>` and `&` escaped. One deliberate difference: Slack fields come in key order, where
//! upstream ranges over a Go map (a random order).

use crate::error::Error;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// `corev1.ObjectReference`, as events carry it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectRef {
    /// Kind.
    pub kind: String,
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// UID.
    pub uid: String,
    /// apiVersion.
    pub api_version: String,
    /// resourceVersion.
    pub resource_version: String,
}

/// A Flux event (`event.toolkit.fluxcd.io` v1beta1 `Event`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FluxEvent {
    /// The object the event is about.
    pub involved_object: ObjectRef,
    /// `info` or `error`.
    pub severity: String,
    /// RFC 3339, seconds (e.g. `2026-12-03T10:00:00Z`).
    pub timestamp: String,
    /// The message.
    pub message: String,
    /// The reason (`ReconciliationSucceeded`, `Progressing`, ...).
    pub reason: String,
    /// Metadata (`revision`, ...).
    pub metadata: BTreeMap<String, String>,
    /// The controller that emitted it (`kustomize-controller`).
    pub reporting_controller: String,
    /// Its instance.
    pub reporting_instance: String,
}

fn put(m: &mut Map<String, Value>, k: &str, v: &str, omit_empty: bool) {
    if !(omit_empty && v.is_empty()) {
        m.insert(k.into(), Value::String(v.to_string()));
    }
}

/// Go's `json.Marshal` of a payload built in field order.
fn go_json(v: &Value) -> Vec<u8> {
    kube_object::json::go_json(v, kube_object::json::KeyOrder::AsHeld).into_bytes()
}

impl FluxEvent {
    /// The event as upstream marshals it.
    pub fn to_json(&self) -> Value {
        let o = &self.involved_object;
        let mut obj = Map::new();
        put(&mut obj, "kind", &o.kind, true);
        put(&mut obj, "namespace", &o.namespace, true);
        put(&mut obj, "name", &o.name, true);
        put(&mut obj, "uid", &o.uid, true);
        put(&mut obj, "apiVersion", &o.api_version, true);
        put(&mut obj, "resourceVersion", &o.resource_version, true);
        let mut m = Map::new();
        m.insert("involvedObject".into(), Value::Object(obj));
        put(&mut m, "severity", &self.severity, false);
        put(&mut m, "timestamp", &self.timestamp, false);
        put(&mut m, "message", &self.message, false);
        put(&mut m, "reason", &self.reason, false);
        if !self.metadata.is_empty() {
            m.insert(
                "metadata".into(),
                Value::Object(
                    self.metadata
                        .iter()
                        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                        .collect(),
                ),
            );
        }
        put(
            &mut m,
            "reportingController",
            &self.reporting_controller,
            false,
        );
        put(&mut m, "reportingInstance", &self.reporting_instance, true);
        Value::Object(m)
    }

    /// The revision the event names (`revision`, or `<group>/revision`).
    pub fn revision(&self) -> Option<&str> {
        self.metadata
            .iter()
            .find(|(k, _)| *k == "revision" || k.ends_with("/revision"))
            .map(|(_, v)| v.as_str())
    }
}

/// One HTTP request for the host to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// `POST`.
    pub method: &'static str,
    /// Where.
    pub url: String,
    /// Headers, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

fn post(url: &str, headers: Vec<(String, String)>, body: Vec<u8>) -> Delivery {
    let mut all = vec![("Content-Type".to_string(), "application/json".to_string())];
    all.extend(headers);
    Delivery {
        method: "POST",
        url: url.to_string(),
        headers: all,
        body,
    }
}

/// A `generic` provider's request: the event, with the `gotk-component` header and the
/// provider's own headers (from its secret's `headers`).
pub fn generic(event: &FluxEvent, url: &str, extra: &BTreeMap<String, String>) -> Delivery {
    let mut headers = vec![(
        "gotk-component".to_string(),
        event.reporting_controller.clone(),
    )];
    headers.extend(extra.iter().map(|(k, v)| (k.clone(), v.clone())));
    post(url, headers, go_json(&event.to_json()))
}

/// A `generic-hmac` provider's request: as [`generic`], signed with `key`.
pub fn generic_hmac(
    event: &FluxEvent,
    url: &str,
    extra: &BTreeMap<String, String>,
    key: &[u8],
) -> Result<Delivery, Error> {
    generic_hmac_text(event, url, extra, key).map_err(|message| Error::Invalid {
        what: "generic-hmac notification",
        message,
    })
}

fn generic_hmac_text(
    event: &FluxEvent,
    url: &str,
    extra: &BTreeMap<String, String>,
    key: &[u8],
) -> Result<Delivery, String> {
    if key.is_empty() {
        return Err("HMAC key is empty".into());
    }
    let mut d = generic(event, url, extra);
    let sig = crate::secrets::hmac_hex(ring::hmac::HMAC_SHA256, key, &d.body);
    d.headers
        .push(("X-Signature".into(), format!("sha256={sig}")));
    Ok(d)
}

/// A `slack` provider's request.
pub fn slack(event: &FluxEvent, url: &str, token: &str, username: &str, channel: &str) -> Delivery {
    let o = &event.involved_object;
    let author = format!("{}/{}.{}", o.kind.to_lowercase(), o.name, o.namespace);
    let first_line = event.message.split('\n').next().unwrap_or_default();
    let fields: Vec<Value> = event
        .metadata
        .iter()
        .map(|(k, v)| serde_json::json!({"title": k, "value": v, "short": false}))
        .collect();
    let mut attachment = Map::new();
    put(
        &mut attachment,
        "fallback",
        &format!("{author}: {first_line}"),
        false,
    );
    let color = if event.severity == "error" {
        "danger"
    } else {
        "good"
    };
    put(&mut attachment, "color", color, false);
    put(&mut attachment, "author_name", &author, false);
    put(&mut attachment, "text", &event.message, false);
    attachment.insert("mrkdwn_in".into(), serde_json::json!(["text"]));
    attachment.insert("fields".into(), Value::Array(fields));
    let mut payload = Map::new();
    put(&mut payload, "channel", channel, false);
    let username = if username.is_empty() {
        event.reporting_controller.as_str()
    } else {
        username
    };
    put(&mut payload, "username", username, false);
    put(&mut payload, "icon_url", "", false);
    put(&mut payload, "icon_emoji", "", false);
    payload.insert(
        "attachments".into(),
        Value::Array(vec![Value::Object(attachment)]),
    );
    let headers = if token.is_empty() {
        Vec::new()
    } else {
        vec![("Authorization".to_string(), format!("Bearer {token}"))]
    };
    post(url, headers, go_json(&Value::Object(payload)))
}

/// Go's `splitCamelcase` as notification-controller uses it for descriptions.
fn split_camelcase(src: &str) -> Vec<String> {
    let class = |c: char| {
        if c.is_lowercase() {
            1
        } else if c.is_uppercase() {
            2
        } else if c.is_numeric() {
            3
        } else {
            4
        }
    };
    let mut runs: Vec<Vec<char>> = Vec::new();
    let mut last = 0;
    for c in src.chars() {
        let k = class(c);
        match runs.last_mut() {
            Some(run) if k == last => run.push(c),
            _ => runs.push(vec![c]),
        }
        last = k;
    }
    for i in 0..runs.len().saturating_sub(1) {
        let upper_then_lower = runs
            .get(i)
            .and_then(|r| r.first())
            .is_some_and(|c| c.is_uppercase())
            && runs
                .get(i + 1)
                .and_then(|r| r.first())
                .is_some_and(|c| c.is_lowercase());
        if upper_then_lower
            && let Some(moved) = runs.get_mut(i).and_then(Vec::pop)
            && let Some(next) = runs.get_mut(i + 1)
        {
            next.insert(0, moved);
        }
    }
    runs.into_iter()
        .filter(|r| !r.is_empty())
        .map(|r| r.into_iter().collect())
        .collect()
}

/// The commit hash of a Flux revision (`main@sha1:<hex>`, `sha256:<hex>`, the older
/// `main/<hex>`, or a bare hash).
pub fn revision_hash(revision: &str) -> Result<String, Error> {
    revision_hash_text(revision).map_err(|message| Error::Invalid {
        what: "Flux revision",
        message,
    })
}

fn revision_hash_text(revision: &str) -> Result<String, String> {
    let after_at = revision.rsplit_once('@').map_or(revision, |(_, r)| r);
    let hash = after_at
        .strip_prefix("sha1:")
        .or_else(|| after_at.strip_prefix("sha256:"))
        .unwrap_or_else(|| after_at.rsplit_once('/').map_or(after_at, |(_, h)| h));
    let hex = hash.bytes().all(|b| b.is_ascii_hexdigit());
    if hex && (hash.len() == 40 || hash.len() == 64) {
        Ok(hash.to_string())
    } else {
        Err(format!(
            "failed to extract commit hash from '{revision}' revision"
        ))
    }
}

/// A GitHub commit status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitStatus {
    /// Repository owner.
    pub owner: String,
    /// Repository name.
    pub repo: String,
    /// The commit.
    pub sha: String,
    /// `success` or `failure`.
    pub state: String,
    /// The status context.
    pub context: String,
    /// The reason, split from camel case, lower case.
    pub description: String,
}

impl CommitStatus {
    /// The request GitHub's API takes (`POST /repos/{owner}/{repo}/statuses/{sha}`);
    /// the host adds its token and skips it when the latest status of the same context
    /// already has this state and description (as upstream does).
    pub fn delivery(&self, api_url: &str) -> Delivery {
        let body = serde_json::json!({
            "state": self.state,
            "description": self.description,
            "context": self.context,
        });
        post(
            &format!(
                "{}/repos/{}/{}/statuses/{}",
                api_url.trim_end_matches('/'),
                self.owner,
                self.repo,
                self.sha
            ),
            Vec::new(),
            go_json(&body),
        )
    }
}

/// A `github` provider's commit status for `event`: `Ok(None)` for Progressing events.
/// `address` is the provider's repository URL (`https://github.com/owner/repo`);
/// `commit_status` the evaluated `commitStatusExpr` (empty: upstream's default,
/// `kind/name/<first part of the Provider's UID>`, lower case).
pub fn github_commit_status(
    event: &FluxEvent,
    address: &str,
    commit_status: &str,
    provider_uid: &str,
) -> Result<Option<CommitStatus>, Error> {
    github_commit_status_text(event, address, commit_status, provider_uid).map_err(|message| {
        Error::Invalid {
            what: "commit status",
            message,
        }
    })
}

fn github_commit_status_text(
    event: &FluxEvent,
    address: &str,
    commit_status: &str,
    provider_uid: &str,
) -> Result<Option<CommitStatus>, String> {
    if event.reason == "Progressing" {
        return Ok(None);
    }
    let revision = event
        .revision()
        .ok_or_else(|| "missing revision metadata".to_string())?;
    let sha = revision_hash_text(revision)?;
    let state = match event.severity.as_str() {
        "info" => "success",
        "error" => "failure",
        _ => return Err("can't convert to github state".into()),
    };
    let path = address
        .split_once("://")
        .map_or(address, |(_, rest)| rest)
        .split_once(['/', ':'])
        .map_or("", |(_, p)| p)
        .trim_matches('/')
        .trim_end_matches(".git");
    let Some((owner, repo)) = path.split_once('/') else {
        return Err(format!(
            "failed parsing URL {address:?}: no owner/repository"
        ));
    };
    let o = &event.involved_object;
    let context = if commit_status.is_empty() {
        let uid = provider_uid.split('-').next().unwrap_or_default();
        format!("{}/{}/{uid}", o.kind, o.name).to_lowercase()
    } else {
        commit_status.to_string()
    };
    Ok(Some(CommitStatus {
        owner: owner.to_string(),
        repo: repo.to_string(),
        sha,
        state: state.to_string(),
        context,
        description: split_camelcase(&event.reason).join(" ").to_lowercase(),
    }))
}

/// An `Alert`'s selection of events: severity, sources and message lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertFilter {
    /// `info` (every event) or `error` (errors only).
    pub event_severity: String,
    /// `(kind, name or "*", namespace or empty for the alert's)` sources.
    pub event_sources: Vec<(String, String, String)>,
    /// The alert's namespace.
    pub namespace: String,
    /// Regular expressions a message must match one of (when not empty).
    pub inclusion_list: Vec<String>,
    /// Regular expressions no message may match.
    pub exclusion_list: Vec<String>,
}

impl AlertFilter {
    /// Whether the alert forwards `event`; a bad regular expression is an error.
    pub fn matches(&self, event: &FluxEvent) -> Result<bool, Error> {
        self.matches_text(event).map_err(|message| Error::Invalid {
            what: "alert filter",
            message,
        })
    }

    fn matches_text(&self, event: &FluxEvent) -> Result<bool, String> {
        if self.event_severity == "error" && event.severity != "error" {
            return Ok(false);
        }
        let o = &event.involved_object;
        let source = self.event_sources.iter().any(|(kind, name, ns)| {
            let ns = if ns.is_empty() { &self.namespace } else { ns };
            kind == &o.kind && (name == "*" || name == &o.name) && ns == &o.namespace
        });
        if !source {
            return Ok(false);
        }
        let compile = |p: &String| {
            regex::RegexBuilder::new(p)
                .size_limit(1 << 20)
                .build()
                .map_err(|e| format!("failed to compile regex {p:?}: {e}"))
        };
        if !self.inclusion_list.is_empty() {
            let mut any = false;
            for p in &self.inclusion_list {
                any |= compile(p)?.is_match(&event.message);
            }
            if !any {
                return Ok(false);
            }
        }
        for p in &self.exclusion_list {
            if compile(p)?.is_match(&event.message) {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn camelcase_splits_as_go_does() {
        assert_eq!(
            split_camelcase("ReconciliationSucceeded"),
            ["Reconciliation", "Succeeded"]
        );
        assert_eq!(
            split_camelcase("HealthCheckFailed"),
            ["Health", "Check", "Failed"]
        );
        assert_eq!(split_camelcase("HTTPServer"), ["HTTP", "Server"]);
        assert_eq!(split_camelcase("v2Upgrade"), ["v", "2", "Upgrade"]);
    }

    #[test]
    fn revisions_give_their_hash() {
        let h = "7f3a1d2c9b8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a";
        for r in [
            format!("main@sha1:{h}"),
            format!("sha1:{h}"),
            format!("main/{h}"),
            h.to_string(),
        ] {
            assert_eq!(revision_hash(&r).unwrap(), h, "{r}");
        }
        assert!(revision_hash("v1.2.3").is_err());
    }
}
