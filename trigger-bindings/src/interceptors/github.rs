//! The `github` interceptor's `githubOwners` and `addChangedFiles` options, with Tekton's
//! rules and messages (pkg/interceptors/github), the API calls through [`GitHubApi`].
//!
//! - `githubOwners` applies to `pull_request` and `issue_comment` events. The sender is
//!   allowed when, by `checkType`, they are a public member of the repository owner's
//!   organization (`orgMembers`, `all`), a collaborator of the repository (`repoMembers`,
//!   `all`), or, whatever the `checkType`, an approver or reviewer in the repository's
//!   `OWNERS` file (compared without case). A pull request from anyone else is rejected;
//!   an `issue_comment` passes only when it holds a `/ok-to-test` line and its sender is
//!   allowed. Any `checkType` but `none` needs a `personalAccessToken`.
//! - `addChangedFiles` adds `extensions.changed_files`, the comma-joined files of a `push`
//!   (its commits' added, modified and removed files, offline) or of a `pull_request`
//!   (through the API).
//!
//! Deliberate difference: Tekton returns right after `addChangedFiles`, so with both
//! options set it never checks the owners (an `issue_comment` from anyone passes). Here
//! the owners check runs after the changed files are added.

use super::{Decision, EventView, SecretRef, allowed_event, check_signature, signature_header};
use crate::github::{Contents, GitHubApi, GitHubRequest};
use crate::listener::RejectionKind;
use crate::secrets::{Secret, SecretStore};
use serde_json::{Map, Value};
use std::sync::Arc;

/// A `personalAccessToken` reference as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokenRef {
    None,
    Ref(SecretRef),
    /// `secretKey` is empty: an error at event time, as upstream.
    EmptyKey,
}

/// `githubOwners`, when enabled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Owners {
    pub token: TokenRef,
    pub check_type: String,
}

/// The GitHub options beyond event types and signature.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Options {
    pub owners: Option<Owners>,
    /// `addChangedFiles` when enabled, with its token.
    pub changed_files: Option<TokenRef>,
}

/// The value of `name` in a JSON object as Go's `encoding/json` finds a struct field:
/// the exact key, else a key equal without ASCII case (the last one).
pub(crate) fn go_field<'v>(obj: &'v Map<String, Value>, name: &str) -> Option<&'v Value> {
    go_lookup(obj.iter().map(|(k, v)| (k.as_str(), v)), name)
}

/// The last entry named exactly `name`, else the last named so without ASCII case.
pub(crate) fn go_lookup<'v>(
    entries: impl DoubleEndedIterator<Item = (&'v str, &'v Value)> + Clone,
    name: &str,
) -> Option<&'v Value> {
    entries
        .clone()
        .rev()
        .find(|(k, _)| *k == name)
        .or_else(|| entries.rev().find(|(k, _)| k.eq_ignore_ascii_case(name)))
        .map(|(_, v)| v)
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn unmarshal_error(v: &Value, field: &str, go_type: &str) -> String {
    format!(
        "failed to parse interceptor params: json: cannot unmarshal {} into Go struct field {field} of type {go_type}",
        json_kind(v)
    )
}

fn enabled(obj: &Map<String, Value>, field: &str) -> Result<bool, String> {
    match go_field(obj, "enabled") {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(other) => Err(unmarshal_error(other, &format!("{field}.enabled"), "bool")),
    }
}

fn token(obj: &Map<String, Value>, field: &str) -> Result<TokenRef, String> {
    match go_field(obj, "personalAccessToken") {
        None | Some(Value::Null) => Ok(TokenRef::None),
        Some(Value::Object(r)) => {
            let text = |name: &str| -> Result<String, String> {
                match go_field(r, name) {
                    None | Some(Value::Null) => Ok(String::new()),
                    Some(Value::String(s)) => Ok(s.clone()),
                    Some(other) => Err(unmarshal_error(
                        other,
                        &format!("{field}.personalAccessToken.{name}"),
                        "string",
                    )),
                }
            };
            let (name, key) = (text("secretName")?, text("secretKey")?);
            Ok(if key.is_empty() {
                TokenRef::EmptyKey
            } else {
                TokenRef::Ref(SecretRef { name, key })
            })
        }
        Some(other) => Err(unmarshal_error(
            other,
            &format!("{field}.personalAccessToken"),
            "v1beta1.SecretRef",
        )),
    }
}

/// Reads `githubOwners` and `addChangedFiles` (either may be absent).
pub(crate) fn options(owners: Option<&Value>, files: Option<&Value>) -> Result<Options, String> {
    let mut out = Options::default();
    match owners {
        None | Some(Value::Null) => {}
        Some(Value::Object(o)) => {
            if enabled(o, "InterceptorParams.githubOwners")? {
                let check_type = match go_field(o, "checkType") {
                    None | Some(Value::Null) => String::new(),
                    Some(Value::String(s)) => s.clone(),
                    Some(other) => {
                        return Err(unmarshal_error(
                            other,
                            "InterceptorParams.githubOwners.checkType",
                            "github.CheckType",
                        ));
                    }
                };
                out.owners = Some(Owners {
                    token: token(o, "InterceptorParams.githubOwners")?,
                    check_type,
                });
            }
        }
        Some(other) => {
            return Err(unmarshal_error(
                other,
                "InterceptorParams.githubOwners",
                "github.Owners",
            ));
        }
    }
    match files {
        None | Some(Value::Null) => {}
        Some(Value::Object(o)) => {
            if enabled(o, "InterceptorParams.addChangedFiles")? {
                out.changed_files = Some(token(o, "InterceptorParams.addChangedFiles")?);
            }
        }
        Some(other) => {
            return Err(unmarshal_error(
                other,
                "InterceptorParams.addChangedFiles",
                "github.AddChangedFiles",
            ));
        }
    }
    Ok(out)
}

/// The host adapters a check may use.
pub(crate) struct Hosts<'h> {
    pub secrets: &'h Arc<dyn SecretStore>,
    pub namespace: &'h str,
    pub api: Option<&'h dyn GitHubApi>,
    /// Host interceptors by (kind, name).
    pub custom: &'h crate::listener::CustomInterceptors,
    /// The HTTP client for webhook interceptors.
    pub webhook: Option<&'h dyn crate::custom::WebhookClient>,
    /// The event and trigger being processed (for host interceptors' requests).
    pub event_id: &'h str,
    pub trigger: &'h str,
}

const NO_API: &str = "no GitHub API adapter is configured (Listener::with_github_api)";

impl Hosts<'_> {
    /// The token a reference names: `Ok(None)` for none or an empty value.
    fn token(&self, r: &TokenRef, empty_key: &str) -> Result<Option<Secret>, String> {
        match r {
            TokenRef::None => Ok(None),
            TokenRef::EmptyKey => Err(empty_key.to_string()),
            TokenRef::Ref(s) => match self.secrets.get(self.namespace, &s.name, &s.key) {
                Ok(Some(t)) if t.expose().is_empty() => Ok(None),
                Ok(Some(t)) => Ok(Some(t)),
                Ok(None) => Err(format!("secret {:?} key {:?} not found", s.name, s.key)),
                Err(e) => Err(e.to_string()),
            },
        }
    }
}

/// The body as a JSON object, as Go decodes it into `map[string]interface{}`.
fn body_object(view: &EventView<'_>) -> Result<Map<String, Value>, String> {
    if view.body_bytes.is_empty() {
        return Err("payload body is empty".into());
    }
    match serde_json::from_slice::<Value>(view.body_bytes) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(other) => Err(format!(
            "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            json_kind(&other)
        )),
        Err(e) => Err(e.to_string()),
    }
}

/// A JSON number as Go's `int(x.(float64))` reads it.
fn number(v: &Value, what: &str) -> Result<i64, String> {
    v.as_f64()
        .filter(|f| f.is_finite())
        .map(|f| f.trunc() as i64)
        .ok_or_else(|| format!("{what} is not a number"))
}

/// `owner` and `repo` from `repository.full_name`.
fn full_name(body: &Map<String, Value>) -> Result<(String, String), String> {
    let Some(Value::Object(repo)) = body.get("repository") else {
        return Err("payload body missing 'repository' field".into());
    };
    let Some(Value::String(full)) = repo.get("full_name") else {
        return Err("payload body missing 'repository.full_name' field".into());
    };
    let mut parts = full.split('/');
    match (parts.next(), parts.next()) {
        (Some(owner), Some(name)) => Ok((owner.to_string(), name.to_string())),
        _ => Err(format!(
            "'repository.full_name' {full:?} is not of the form owner/name"
        )),
    }
}

/// A file name as Go's `fmt.Sprintf("%v", x)` prints a decoded JSON value.
fn go_print(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "<nil>".into(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1e21 => format!("{}", f as i128),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

fn push_files(body: &Map<String, Value>) -> Result<String, String> {
    let mut files = Vec::new();
    if let Some(Value::Array(commits)) = body.get("commits") {
        for commit in commits {
            let Value::Object(c) = commit else {
                return Err("payload body 'commits' entry is not an object".into());
            };
            let mut lists = Vec::with_capacity(3);
            for field in ["added", "modified", "removed"] {
                let Some(Value::Array(l)) = c.get(field) else {
                    return Err(format!("payload body missing 'commits.*.{field}' field"));
                };
                lists.push(l);
            }
            for l in lists {
                files.extend(l.iter().map(go_print));
            }
        }
    }
    Ok(files.join(","))
}

/// `extensions.changed_files` for a `push` or `pull_request` event; `None` for others.
fn changed_files(
    token: &TokenRef,
    event: &str,
    view: &EventView<'_>,
    hosts: &Hosts<'_>,
    request_host: Option<&str>,
) -> Result<Option<String>, String> {
    if event != "pull_request" && event != "push" {
        return Ok(None);
    }
    let token = hosts
        .token(token, "github interceptor githubToken.secretKey is empty")
        .map_err(|e| format!("error getting secret: {e}"))?;
    let parsed = body_object(view)
        .and_then(|body| {
            let number = match body.get("number") {
                Some(n) => number(n, "'number'")?,
                None if event == "pull_request" => {
                    return Err("pull_request body missing 'number' field".into());
                }
                None => -1,
            };
            let (owner, repo) = full_name(&body)?;
            let files = push_files(&body)?;
            Ok((number, owner, repo, files))
        })
        .map_err(|e| format!("error parsing body: {e}"))?;
    let (number, owner, repo, files) = parsed;
    if event == "push" {
        return Ok(Some(files));
    }
    let api = hosts
        .api
        .ok_or_else(|| format!("error getting changed files: {NO_API}"))?;
    let request = GitHubRequest {
        token: token.as_ref(),
        enterprise_host: request_host,
    };
    api.pull_request_files(&request, &owner, &repo, number)
        .map(|f| Some(f.join(",")))
        .map_err(|e| format!("error getting changed files: {e}"))
}

/// What the owners check reads from the body.
struct OwnersPayload {
    sender: String,
    owner: String,
    repo: String,
    comment: String,
}

fn owners_payload(view: &EventView<'_>, event: &str) -> Result<OwnersPayload, String> {
    let body = body_object(view)?;
    if event == "pull_request" {
        match body.get("number") {
            Some(n) => {
                number(n, "'number'")?;
            }
            None => return Err("pull_request body missing 'number' field".into()),
        }
    }
    let mut comment = String::new();
    if event == "issue_comment" {
        let Some(Value::Object(issue)) = body.get("issue") else {
            return Err("issue_comment body missing 'issue' section".into());
        };
        let Some(n) = issue.get("number") else {
            return Err("'number' field missing in the issue section of issue_comment body".into());
        };
        number(n, "'issue.number'")?;
        let Some(Value::Object(c)) = body.get("comment") else {
            return Err("issue_comment body missing 'comment' section".into());
        };
        match c.get("body") {
            Some(Value::String(s)) => comment = s.clone(),
            Some(_) => return Err("'body' field in the comment section is not a string".into()),
            None => {
                return Err(
                    "'body' field missing in the comment section of issue_comment body".into(),
                );
            }
        }
    }
    let (owner, repo) = full_name(&body)?;
    let Some(Value::Object(sender)) = body.get("sender") else {
        return Err("payload body missing 'sender' field".into());
    };
    let sender = sender
        .get("login")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    Ok(OwnersPayload {
        sender,
        owner,
        repo,
        comment,
    })
}

/// Tekton's `OKToTestCommentRegexp`: `(^|\n)\/ok-to-test(\r\n|\r|\n|$)`.
fn ok_to_test(comment: &str) -> bool {
    const WORD: &str = "/ok-to-test";
    comment.match_indices(WORD).any(|(i, _)| {
        let before_ok = comment
            .get(..i)
            .is_some_and(|b| b.is_empty() || b.ends_with('\n'));
        let after = comment.get(i + WORD.len()..).unwrap_or_default();
        before_ok && (after.is_empty() || after.starts_with('\n') || after.starts_with('\r'))
    })
}

/// Approvers and reviewers of an `OWNERS` file.
fn owners_file(text: &str) -> Result<Vec<String>, String> {
    let v: Value =
        serde_saphyr::from_str(text).map_err(|e| format!("error unmarshaling JSON: {e}"))?;
    let mut out = Vec::new();
    if let Value::Object(m) = v {
        for field in ["approvers", "reviewers"] {
            match go_field(&m, field) {
                None | Some(Value::Null) => {}
                Some(Value::Array(items)) => {
                    for i in items {
                        match i {
                            Value::String(s) => out.push(s.clone()),
                            other => {
                                return Err(format!(
                                    "error unmarshaling JSON: json: cannot unmarshal {} into Go struct field OwnersConfig.{field} of type string",
                                    json_kind(other)
                                ));
                            }
                        }
                    }
                }
                Some(other) => {
                    return Err(format!(
                        "error unmarshaling JSON: json: cannot unmarshal {} into Go struct field OwnersConfig.{field} of type []string",
                        json_kind(other)
                    ));
                }
            }
        }
    }
    Ok(out)
}

/// Whether the sender may run the pipeline: `checkOwnershipAndMembership` upstream.
fn allowed(
    p: &OwnersPayload,
    check_type: &str,
    api: &dyn GitHubApi,
    request: &GitHubRequest<'_>,
) -> Result<bool, String> {
    if (check_type == "orgMembers" || check_type == "all")
        && let Some(members) = api
            .public_org_members(request, &p.owner)
            .map_err(|e| e.to_string())?
        && members.contains(&p.sender)
    {
        return Ok(true);
    }
    if (check_type == "repoMembers" || check_type == "all")
        && api
            .repo_collaborators(request, &p.owner, &p.repo)
            .map_err(|e| e.to_string())?
            .contains(&p.sender)
    {
        return Ok(true);
    }
    match api
        .contents(request, &p.owner, &p.repo, "OWNERS")
        .map_err(|e| e.to_string())?
    {
        None => Ok(false),
        Some(Contents::Directory) => {
            Err("referenced file inside the Github Repository OWNERS is a directory".into())
        }
        Some(Contents::File(text)) => Ok(owners_file(&text)?
            .iter()
            .any(|o| o.to_lowercase() == p.sender.to_lowercase())),
    }
}

fn owners(o: &Owners, event: &str, view: &EventView<'_>, hosts: &Hosts<'_>) -> Option<String> {
    if event != "pull_request" && event != "issue_comment" {
        return None;
    }
    let token = match hosts.token(
        &o.token,
        "github interceptor personalAccessToken.secretKey is empty",
    ) {
        Ok(t) => t,
        Err(e) => return Some(format!("error getting github token: {e}")),
    };
    if token.is_none() && o.check_type != "none" {
        return Some(
            "checkType is set to check org or repo members but no personalAccessToken was supplied"
                .into(),
        );
    }
    let Some(api) = hosts.api else {
        return Some(format!("error checking owner verification: {NO_API}"));
    };
    let payload = match owners_payload(view, event) {
        Ok(p) => p,
        Err(e) => return Some(format!("error parsing body: {e}")),
    };
    let request = GitHubRequest {
        token: token.as_ref(),
        enterprise_host: view
            .headers
            .get("X-Github-Enterprise-Host")
            .filter(|h| !h.is_empty()),
    };
    match allowed(&payload, &o.check_type, api, &request) {
        Err(e) => return Some(format!("error checking owner verification: {e}")),
        Ok(true) if event == "pull_request" => return None,
        Ok(_) => {}
    }
    if ok_to_test(&payload.comment) {
        match allowed(&payload, &o.check_type, api, &request) {
            Err(e) => return Some(format!("error checking comments for verification: {e}")),
            Ok(true) => return None,
            Ok(false) => {}
        }
    }
    Some("owners check requirements not met".into())
}

/// Runs `addChangedFiles`, then `githubOwners`.
pub(crate) fn process(
    opts: &Options,
    event: &str,
    view: &EventView<'_>,
    hosts: &Hosts<'_>,
) -> Decision {
    let mut extensions = Map::new();
    if let Some(token) = &opts.changed_files {
        let host = view
            .headers
            .get("X-Github-Enterprise-Host")
            .filter(|h| !h.is_empty());
        match changed_files(token, event, view, hosts, host) {
            Ok(Some(files)) => {
                extensions.insert("changed_files".into(), Value::String(files));
            }
            Ok(None) => {}
            Err(e) => {
                let kind = if e.starts_with("error getting secret") {
                    RejectionKind::Secret
                } else {
                    RejectionKind::Interceptor
                };
                return Decision::Stop(kind, e);
            }
        }
    }
    if let Some(o) = &opts.owners
        && let Some(reason) = owners(o, event, view, hosts)
    {
        let kind = if reason.starts_with("error getting github token") {
            RejectionKind::Secret
        } else {
            RejectionKind::Owner
        };
        return Decision::Stop(kind, reason);
    }
    Decision::Continue(extensions)
}

/// The whole `github` interceptor: no form bodies, `eventTypes` against `X-Github-Event`,
/// then `X-Hub-Signature-256` when a `secretRef` is set, then the options ([`process`]).
pub(super) fn intercept(
    secret: Option<&SecretRef>,
    event_types: Option<&[String]>,
    options: &Options,
    view: &EventView<'_>,
    hosts: &Hosts<'_>,
) -> Decision {
    let (secrets, namespace) = (hosts.secrets, hosts.namespace);
    if view.headers.get("Content-Type") == Some("application/x-www-form-urlencoded") {
        return Decision::Stop(
            RejectionKind::Body,
            "form parameter encoding not supported, please change the hook to send JSON payloads"
                .into(),
        );
    }
    let event = match allowed_event(view, "X-Github-Event", event_types) {
        Ok(e) => e,
        Err(stop) => return stop,
    };
    if let Some(s) = secret {
        let header = match signature_header(view, "X-Hub-Signature-256") {
            Ok(h) => h,
            Err(stop) => return stop,
        };
        let checked = check_signature(header, view.body_bytes, s, secrets, namespace);
        if let Decision::Stop(..) = checked {
            return checked;
        }
    }
    process(options, event, view, hosts)
}

/// `sha256=` + hex HMAC-SHA256 of `body`: the `X-Hub-Signature-256` GitHub sends.
pub fn github_signature(secret: &[u8], body: &[u8]) -> String {
    format!(
        "sha256={}",
        crate::secrets::hmac_hex(ring::hmac::HMAC_SHA256, secret, body)
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn ok_to_test_is_a_line_of_its_own() {
        for yes in [
            "/ok-to-test",
            "looks fine\n/ok-to-test",
            "/ok-to-test\r\nthanks",
            "/ok-to-test\rx",
        ] {
            assert!(ok_to_test(yes), "{yes:?}");
        }
        for no in [
            "",
            "please /ok-to-test",
            "/ok-to-testing",
            " /ok-to-test",
            "/ok-to-test now",
        ] {
            assert!(!ok_to_test(no), "{no:?}");
        }
    }

    #[test]
    fn fields_match_without_case_as_go_decodes() {
        let v = serde_json::json!({"CheckType": "none", "Enabled": true});
        let o = options(Some(&v), None).unwrap().owners.unwrap();
        assert_eq!(o.check_type, "none");
        let bad = serde_json::json!({"enabled": "yes"});
        let e = options(Some(&bad), None).unwrap_err();
        assert!(e.contains("cannot unmarshal string"), "{e}");
        assert!(e.contains("githubOwners.enabled of type bool"), "{e}");
    }

    #[test]
    fn owners_files_fold_case_and_refuse_bad_shapes() {
        assert_eq!(
            owners_file("approvers: [Alice]\nreviewers: [bob]\noptions: {}\n").unwrap(),
            ["Alice", "bob"]
        );
        assert!(owners_file("approvers: alice\n").is_err());
    }
}
