//! Triggers selected by namespace and label, trigger groups, and Slack's form bodies, as
//! Tekton's sink handles them (pkg/sink: `selectTriggers`, `processTriggerGroups`, the
//! form-to-JSON conversion; pkg/interceptors/slack).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use trigger_bindings::{Event, Headers, Listener, MemorySecretStore, Outcome};

const TRIGGERS: &str = r#"
---
apiVersion: triggers.tekton.dev/v1beta1
kind: Trigger
metadata: {name: in-foo, namespace: foo, labels: {type: github-pr, team: a}}
spec:
  bindings: [{name: sha, value: $(extensions.short)}]
  template: {ref: t}
---
apiVersion: triggers.tekton.dev/v1beta1
kind: Trigger
metadata: {name: in-bar, namespace: bar, labels: {type: github-pr, team: b}}
spec:
  bindings: [{name: sha, value: $(extensions.short)}]
  template: {ref: t}
---
apiVersion: triggers.tekton.dev/v1beta1
kind: Trigger
metadata: {name: here, labels: {type: push}}
spec:
  bindings: [{name: sha, value: $(body.sha)}]
  template: {ref: t}
---
apiVersion: triggers.tekton.dev/v1beta1
kind: TriggerTemplate
metadata: {name: t}
spec:
  params: [{name: sha, default: none}]
  resourcetemplates:
    - {apiVersion: v1, kind: ConfigMap, metadata: {generateName: x-}, data: {sha: $(tt.params.sha)}}
"#;

fn listener(spec: &str) -> Listener {
    let yaml = format!(
        "apiVersion: triggers.tekton.dev/v1beta1\nkind: EventListener\nmetadata: {{name: el}}\nspec:\n{spec}\n{TRIGGERS}"
    );
    Listener::from_yaml("el.yaml", &yaml, MemorySecretStore::new()).unwrap()
}

fn fired(l: &Listener, headers: Headers, body: &str) -> Vec<(String, bool)> {
    l.process(&Event::new(headers, body.as_bytes().to_vec()))
        .triggers
        .iter()
        .map(|t| (t.name.clone(), t.accepted()))
        .collect()
}

fn names(l: &Listener) -> Vec<&str> {
    l.triggers().iter().map(|t| t.name()).collect()
}

#[test]
fn namespace_selector_selects_by_namespace() {
    let l = listener("  namespaceSelector: {matchNames: [foo]}");
    assert_eq!(names(&l), ["in-foo"]);
    let l = listener("  namespaceSelector: {matchNames: [bar, foo]}");
    assert_eq!(names(&l), ["in-bar", "in-foo"]);
    // `*` is every namespace; an object without one is in the listener's ("default").
    let l = listener("  namespaceSelector: {matchNames: ['*']}");
    assert_eq!(names(&l), ["in-foo", "in-bar", "here"]);
    let l = listener("  namespaceSelector: {matchNames: [default]}");
    assert_eq!(names(&l), ["here"]);
}

#[test]
fn a_label_selector_alone_stays_in_the_listeners_namespace() {
    let l = listener("  labelSelector: {matchLabels: {type: github-pr}}");
    assert!(names(&l).is_empty());
    let problems = l.problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].1.contains("selects no Trigger"), "{problems:?}");
    let l = listener(
        "  namespaceSelector: {matchNames: ['*']}\n  labelSelector: {matchLabels: {type: github-pr}}",
    );
    assert_eq!(names(&l), ["in-foo", "in-bar"]);
}

#[test]
fn match_expressions_follow_kubernetes() {
    let cases = [
        ("{key: team, operator: In, values: [b]}", vec!["in-bar"]),
        (
            "{key: team, operator: NotIn, values: [b]}",
            vec!["in-foo", "here"],
        ),
        ("{key: team, operator: Exists}", vec!["in-foo", "in-bar"]),
        ("{key: team, operator: DoesNotExist}", vec!["here"]),
    ];
    for (expr, want) in cases {
        let l = listener(&format!(
            "  namespaceSelector: {{matchNames: ['*']}}\n  labelSelector: {{matchExpressions: [{expr}]}}"
        ));
        assert_eq!(names(&l), want, "{expr}");
    }
    let l = listener(
        "  namespaceSelector: {matchNames: ['*']}\n  labelSelector: {matchExpressions: [{key: team, operator: Near}]}",
    );
    assert!(names(&l).is_empty());
    assert!(
        l.problems()
            .iter()
            .any(|(_, p)| p.contains("not a valid label selector operator")),
        "{:?}",
        l.problems()
    );
}

#[test]
fn selected_triggers_come_before_the_listeners_own() {
    let l = listener(
        "  namespaceSelector: {matchNames: [foo]}\n  triggers:\n    - name: inline\n      template: {ref: t}",
    );
    assert_eq!(names(&l), ["in-foo", "inline"]);
}

const GROUP: &str = r#"  triggerGroups:
    - name: github-pr
      interceptors:
        - ref: {name: cel}
          params:
            - {name: filter, value: "header.match('X-GitHub-Event', 'pull_request')"}
            - name: overlays
              value: [{key: short, expression: "body.sha.truncate(7)"}]
      triggerSelector:
        namespaceSelector: {matchNames: ['*']}
        labelSelector: {matchLabels: {type: github-pr}}"#;

#[test]
fn a_trigger_group_intercepts_once_then_runs_its_triggers_with_its_extensions() {
    let l = listener(GROUP);
    let body = r#"{"sha":"0123456789abcdef"}"#;
    let headers = Headers::new().with("X-GitHub-Event", "pull_request");
    let r = l.process(&Event::new(headers, body.as_bytes().to_vec()));
    let got: Vec<_> = r.triggers.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(got, ["in-foo", "in-bar"]);
    for t in &r.triggers {
        match &t.outcome {
            Outcome::Accepted { resources, .. } => {
                assert_eq!(resources[0]["data"]["sha"], "0123456")
            }
            other => panic!("{}: {other:?}", t.name),
        }
    }
    let push = fired(&l, Headers::new().with("X-GitHub-Event", "push"), body);
    assert_eq!(
        push,
        [("in-foo".to_string(), false), ("in-bar".to_string(), false)]
    );
    let r = l.process(&Event::new(
        Headers::new().with("X-GitHub-Event", "push"),
        body.as_bytes().to_vec(),
    ));
    match &r.triggers[0].outcome {
        Outcome::Rejected { reason } => {
            assert!(
                reason.starts_with("trigger group \"github-pr\": interceptor 0 (cel)"),
                "{reason}"
            )
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_group_that_selects_nothing_says_so() {
    let l = listener(
        "  triggerGroups:\n    - name: empty\n      triggerSelector: {labelSelector: {matchLabels: {type: none}}}\n    - name: bare",
    );
    let problems = l.problems();
    assert!(
        problems
            .iter()
            .any(|(at, p)| at == "triggerGroup \"empty\"" && p.contains("selects no Trigger")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|(at, p)| at == "triggerGroup \"bare\""
            && p.contains("neither namespaceSelector nor labelSelector")),
        "{problems:?}"
    );
}

const SLACK: &str = r#"
apiVersion: triggers.tekton.dev/v1beta1
kind: EventListener
metadata: {name: slack}
spec:
  triggers:
    - name: slack-trigger
      interceptors:
        - ref: {name: slack, kind: ClusterInterceptor}
          params: [{name: requestedFields, value: [text]}]
        - ref: {name: cel}
          params:
            - name: overlays
              value:
                - {key: branch, expression: 'extensions.text[0].split(" ")[0]'}
      bindings:
        - {name: branch, value: $(extensions.branch)}
        - {name: command, value: $(body.command)}
"#;

fn slack_event(content_type: &str, body: &str) -> Event {
    let headers = Headers::new()
        .with("Content-Type", content_type)
        .with("X-Slack-Signature", "sha1=abc");
    Event::new(headers, body.as_bytes().to_vec())
}

#[test]
fn slack_reads_the_form_the_sink_converted() {
    let l = Listener::from_yaml("slack.yaml", SLACK, MemorySecretStore::new()).unwrap();
    let body = "token=T0k&team_id=T1&&command=%2Fbuild&text=main+2222";
    let r = l.process(&slack_event("application/x-www-form-urlencoded", body));
    match &r.triggers[0].outcome {
        Outcome::Accepted {
            params, extensions, ..
        } => {
            assert_eq!(extensions["text"], serde_json::json!(["main 2222"]));
            assert_eq!(params["branch"], "main");
            // The body bindings see is the converted one: each field a list.
            assert_eq!(params["command"], r#"["/build"]"#);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn slack_refusals_name_the_problem_without_the_payload() {
    let l = Listener::from_yaml("slack.yaml", SLACK, MemorySecretStore::new()).unwrap();
    let reason = |e: Event| match &l.process(&e).triggers[0].outcome {
        Outcome::Rejected { reason } => reason.clone(),
        other => panic!("{other:?}"),
    };
    let r = reason(slack_event("application/json", r#"{"text":["a"]}"#));
    assert!(
        r.contains("missing header in payload: ContentType application/x-www-form-urlencoded"),
        "{r}"
    );
    let r = reason(slack_event(
        "application/x-www-form-urlencoded",
        "token=SECRET&command=x",
    ));
    assert!(
        r.contains("requested field \"text\" does not exists in payload"),
        "{r}"
    );
    assert!(!r.contains("SECRET"), "the Slack token leaks: {r}");
    let no_sig = Event::new(
        Headers::new().with("Content-Type", "application/x-www-form-urlencoded"),
        b"a=1&text=b".to_vec(),
    );
    let r = reason(no_sig);
    assert!(r.contains("missing header in payload"), "{r}");
}
