//! The `github` interceptor's `githubOwners` and `addChangedFiles`, with a fake GitHub API:
//! who may start a pipeline from a pull request or a comment, and which files changed.
//! Expected outcomes follow Tekton's rules (pkg/interceptors/github): allowed senders are
//! public org members (`orgMembers`/`all`), collaborators (`repoMembers`/`all`) or, for
//! every `checkType`, approvers and reviewers in `OWNERS`; comments need `/ok-to-test`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;
use trigger_bindings::github::{Contents, StaticGitHubApi};
use trigger_bindings::{
    Event, Headers, Limits, Listener, MemorySecretStore, Outcome, Resources, github_signature,
};

const WEBHOOK_SECRET: &str = "1234567";

/// One trigger with the github interceptor; `owners` and `files` are the YAML values of
/// `githubOwners` / `addChangedFiles` (or empty).
fn listener_yaml(owners: &str, files: &str) -> String {
    let mut params = String::from(
        r#"
            - name: secretRef
              value: {secretName: github-secret, secretKey: secretToken}
            - name: eventTypes
              value: ["pull_request", "issue_comment", "push"]"#,
    );
    if !owners.is_empty() {
        params.push_str(&format!(
            "\n            - name: githubOwners\n              value: {owners}"
        ));
    }
    if !files.is_empty() {
        params.push_str(&format!(
            "\n            - name: addChangedFiles\n              value: {files}"
        ));
    }
    format!(
        r#"
apiVersion: triggers.tekton.dev/v1beta1
kind: EventListener
metadata: {{name: owners}}
spec:
  triggers:
    - name: pr
      interceptors:
        - ref: {{name: github}}
          params:{params}
      bindings:
        - {{name: url, value: $(body.repository.clone_url)}}
      template:
        spec:
          params: [{{name: url}}]
          resourcetemplates:
            - apiVersion: tekton.dev/v1
              kind: PipelineRun
              metadata: {{generateName: ci-}}
              spec:
                params: [{{name: url, value: $(tt.params.url)}}]
"#
    )
}

fn listener(owners: &str, files: &str, api: Option<StaticGitHubApi>) -> Listener {
    let yaml = listener_yaml(owners, files);
    let resources = Resources::from_yaml("owners.yaml", &yaml).expect("the listener parses");
    let secrets = MemorySecretStore::new()
        .with("github-secret", "secretToken", WEBHOOK_SECRET)
        .with("github-token", "token", "ghp_example");
    let l = Listener::new(
        &resources.event_listeners[0],
        &resources,
        Arc::new(secrets),
        Limits::default(),
    );
    match api {
        Some(api) => l.with_github_api(Arc::new(api)),
        None => l,
    }
}

fn event(kind: &str, body: &str) -> Event {
    let headers = Headers::new()
        .with("X-GitHub-Event", kind)
        .with("Content-Type", "application/json")
        .with(
            "X-Hub-Signature-256",
            github_signature(WEBHOOK_SECRET.as_bytes(), body.as_bytes()),
        );
    Event::new(headers, body.as_bytes().to_vec())
}

fn pull_request(sender: &str) -> String {
    format!(
        r#"{{"action":"opened","number":1503,"repository":{{"full_name":"tektoncd/triggers","clone_url":"https://github.com/tektoncd/triggers.git"}},"sender":{{"login":"{sender}"}}}}"#
    )
}

fn comment(sender: &str, text: &str) -> String {
    serde_json::json!({
        "action": "created",
        "issue": {"number": 1503},
        "comment": {"body": text},
        "repository": {"full_name": "tektoncd/triggers", "clone_url": "https://github.com/tektoncd/triggers.git"},
        "sender": {"login": sender},
    })
    .to_string()
}

fn owners_api() -> StaticGitHubApi {
    StaticGitHubApi::new().with_contents(
        "tektoncd/triggers",
        "OWNERS",
        Contents::File("approvers:\n- Dibyom\n- khrm\nreviewers:\n- savitaashture\n".into()),
    )
}

/// The outcome's rejection reason, or `None` when accepted.
fn rejection(l: &Listener, e: &Event) -> Option<String> {
    match &l.process(e).triggers[0].outcome {
        Outcome::Accepted { .. } => None,
        Outcome::Rejected { reason } => Some(reason.clone()),
    }
}

const NONE: &str = "{enabled: true, CheckType: none}";

#[test]
fn a_pull_request_from_a_non_owner_is_rejected() {
    let l = listener(NONE, "", Some(owners_api()));
    let reason = rejection(&l, &event("pull_request", &pull_request("mallory")))
        .expect("a stranger's pull request must not start a pipeline");
    assert!(
        reason.contains("owners check requirements not met"),
        "{reason}"
    );
}

#[test]
fn a_pull_request_from_an_approver_or_reviewer_fires_case_folded() {
    let l = listener(NONE, "", Some(owners_api()));
    for sender in ["khrm", "DIBYOM", "savitaashture"] {
        assert_eq!(
            rejection(&l, &event("pull_request", &pull_request(sender))),
            None,
            "{sender}"
        );
    }
}

#[test]
fn a_missing_owners_file_allows_nobody() {
    let l = listener(NONE, "", Some(StaticGitHubApi::new()));
    let reason = rejection(&l, &event("pull_request", &pull_request("khrm"))).unwrap();
    assert!(
        reason.contains("owners check requirements not met"),
        "{reason}"
    );
}

#[test]
fn without_an_api_adapter_the_check_fails_closed() {
    let l = listener(NONE, "", None);
    let reason = rejection(&l, &event("pull_request", &pull_request("khrm"))).unwrap();
    assert!(
        reason.contains("error checking owner verification"),
        "{reason}"
    );
    assert!(reason.contains("no GitHub API adapter"), "{reason}");
}

#[test]
fn member_checks_need_a_token() {
    // An empty checkType is not `none`: Tekton wants a token for it too.
    for owners in ["{enabled: true, checkType: orgMembers}", "{enabled: true}"] {
        let l = listener(owners, "", Some(owners_api()));
        let reason = rejection(&l, &event("pull_request", &pull_request("khrm"))).unwrap();
        assert!(
            reason.contains(
                "checkType is set to check org or repo members but no personalAccessToken was supplied"
            ),
            "{owners}: {reason}"
        );
    }
    let empty_key =
        "{enabled: true, checkType: none, personalAccessToken: {secretName: github-token}}";
    let l = listener(empty_key, "", Some(owners_api()));
    let reason = rejection(&l, &event("pull_request", &pull_request("khrm"))).unwrap();
    assert!(
        reason.contains(
            "error getting github token: github interceptor personalAccessToken.secretKey is empty"
        ),
        "{reason}"
    );
}

const WITH_TOKEN: &str = "personalAccessToken: {secretName: github-token, secretKey: token}";

#[test]
fn org_members_and_collaborators_by_check_type() {
    let api = || {
        owners_api()
            .with_org_members("tektoncd", &["orgperson"])
            .with_collaborators("tektoncd/triggers", &["collab"])
    };
    let cases = [
        ("orgMembers", "orgperson", true),
        ("orgMembers", "collab", false),
        ("repoMembers", "collab", true),
        ("repoMembers", "orgperson", false),
        ("all", "orgperson", true),
        ("all", "collab", true),
        ("all", "khrm", true),
        ("all", "mallory", false),
        // Logins are compared exactly for memberships (only OWNERS folds case).
        ("orgMembers", "OrgPerson", false),
    ];
    for (check, sender, fires) in cases {
        let owners = format!("{{enabled: true, checkType: {check}, {WITH_TOKEN}}}");
        let l = listener(&owners, "", Some(api()));
        let got = rejection(&l, &event("pull_request", &pull_request(sender)));
        assert_eq!(got.is_none(), fires, "{check} {sender}: {got:?}");
    }
}

#[test]
fn an_unknown_organization_is_no_member_but_an_unknown_repository_is_an_error() {
    let owners = format!("{{enabled: true, checkType: orgMembers, {WITH_TOKEN}}}");
    let l = listener(&owners, "", Some(owners_api()));
    assert_eq!(
        rejection(&l, &event("pull_request", &pull_request("khrm"))),
        None
    );
    let owners = format!("{{enabled: true, checkType: repoMembers, {WITH_TOKEN}}}");
    let l = listener(&owners, "", Some(owners_api()));
    let reason = rejection(&l, &event("pull_request", &pull_request("khrm"))).unwrap();
    assert!(
        reason.contains(
            "error checking owner verification: GET repos/tektoncd/triggers/collaborators: 404"
        ),
        "{reason}"
    );
}

#[test]
fn comments_need_ok_to_test_from_an_owner() {
    let l = listener(NONE, "", Some(owners_api()));
    let cases = [
        ("khrm", "/ok-to-test", true),
        ("khrm", "lgtm\n/ok-to-test\n", true),
        ("khrm", "lgtm", false),
        ("khrm", "please /ok-to-test", false),
        ("mallory", "/ok-to-test", false),
    ];
    for (sender, text, fires) in cases {
        let got = rejection(&l, &event("issue_comment", &comment(sender, text)));
        assert_eq!(got.is_none(), fires, "{sender} {text:?}: {got:?}");
        if let Some(reason) = got {
            assert!(
                reason.contains("owners check requirements not met"),
                "{reason}"
            );
        }
    }
}

#[test]
fn other_events_skip_the_owners_check() {
    let l = listener(NONE, "", None);
    let push = r#"{"ref":"refs/heads/main","repository":{"full_name":"tektoncd/triggers","clone_url":"u"},"sender":{"login":"mallory"}}"#;
    assert_eq!(rejection(&l, &event("push", push)), None);
}

#[test]
fn bodies_without_the_fields_owners_need_are_rejected_by_name() {
    let l = listener(NONE, "", Some(owners_api()));
    let cases = [
        (
            "pull_request",
            r#"{"repository":{"full_name":"a/b"},"sender":{"login":"khrm"}}"#,
            "error parsing body: pull_request body missing 'number' field",
        ),
        (
            "pull_request",
            r#"{"number":1,"sender":{"login":"khrm"}}"#,
            "error parsing body: payload body missing 'repository' field",
        ),
        (
            "pull_request",
            r#"{"number":1,"repository":{"full_name":"ab"},"sender":{"login":"khrm"}}"#,
            "is not of the form owner/name",
        ),
        (
            "pull_request",
            r#"{"number":1,"repository":{"full_name":"a/b"}}"#,
            "error parsing body: payload body missing 'sender' field",
        ),
        (
            "issue_comment",
            r#"{"issue":{"number":1},"repository":{"full_name":"a/b"},"sender":{"login":"khrm"}}"#,
            "error parsing body: issue_comment body missing 'comment' section",
        ),
        (
            "pull_request",
            "[1]",
            "cannot unmarshal array into Go value",
        ),
    ];
    for (kind, body, want) in cases {
        let reason = rejection(&l, &event(kind, body)).unwrap_or_default();
        assert!(reason.contains(want), "{body}: {reason}");
    }
}

#[test]
fn changed_files_of_a_push_are_computed_offline() {
    let l = listener("", "{enabled: true}", None);
    let push = serde_json::json!({
        "ref": "refs/heads/main",
        "repository": {"full_name": "tektoncd/triggers", "clone_url": "u"},
        "commits": [
            {"added": ["controllers/new.go"], "modified": ["README.md"], "removed": []},
            {"added": [], "modified": [], "removed": ["old.txt"]},
        ],
    })
    .to_string();
    match &l.process(&event("push", &push)).triggers[0].outcome {
        Outcome::Accepted { extensions, .. } => assert_eq!(
            extensions["changed_files"],
            "controllers/new.go,README.md,old.txt"
        ),
        other => panic!("{other:?}"),
    }
    let bad = r#"{"repository":{"full_name":"a/b"},"commits":[{"added":[]}]}"#;
    let reason = rejection(&l, &event("push", bad)).unwrap();
    assert!(
        reason.contains("error parsing body: payload body missing 'commits.*.modified' field"),
        "{reason}"
    );
}

#[test]
fn changed_files_of_a_pull_request_come_from_the_api() {
    let api = StaticGitHubApi::new().with_pull_request_files(
        "tektoncd/triggers",
        1503,
        &["a.go", "docs/b.md"],
    );
    let l = listener("", "{enabled: true}", Some(api));
    match &l
        .process(&event("pull_request", &pull_request("x")))
        .triggers[0]
        .outcome
    {
        Outcome::Accepted { extensions, .. } => {
            assert_eq!(extensions["changed_files"], "a.go,docs/b.md")
        }
        other => panic!("{other:?}"),
    }
    let l = listener("", "{enabled: true}", None);
    let reason = rejection(&l, &event("pull_request", &pull_request("x"))).unwrap();
    assert!(reason.contains("error getting changed files"), "{reason}");
}

#[test]
fn owners_are_still_checked_when_changed_files_are_added() {
    // Tekton returns right after adding the changed files and never checks the owners;
    // we check them (a deliberate difference: a stranger's comment must not pass).
    let l = listener(NONE, "{enabled: true}", Some(owners_api()));
    let reason = rejection(
        &l,
        &event("issue_comment", &comment("mallory", "/ok-to-test")),
    )
    .expect("a stranger's comment must not start a pipeline");
    assert!(
        reason.contains("owners check requirements not met"),
        "{reason}"
    );
}

#[test]
fn a_bad_signature_still_stops_before_any_api_call() {
    let api = Arc::new(owners_api());
    let yaml = listener_yaml(NONE, "");
    let resources = Resources::from_yaml("owners.yaml", &yaml).unwrap();
    let l = Listener::new(
        &resources.event_listeners[0],
        &resources,
        Arc::new(MemorySecretStore::new().with("github-secret", "secretToken", "other")),
        Limits::default(),
    )
    .with_github_api(api.clone());
    let reason = rejection(&l, &event("pull_request", &pull_request("khrm"))).unwrap();
    assert!(!reason.contains("owners"), "{reason}");
    assert_eq!(api.calls(), 0);
}

#[test]
fn bad_option_values_are_refused_as_go_decodes_them() {
    let l = listener("{enabled: \"yes\"}", "", Some(owners_api()));
    let reason = rejection(&l, &event("pull_request", &pull_request("khrm"))).unwrap();
    assert!(
        reason.contains("cannot unmarshal string into Go struct field"),
        "{reason}"
    );
    let l = listener("[1]", "", Some(owners_api()));
    let reason = rejection(&l, &event("pull_request", &pull_request("khrm"))).unwrap();
    assert!(reason.contains("cannot unmarshal array"), "{reason}");
}
