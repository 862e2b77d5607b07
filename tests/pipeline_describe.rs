//! `gitops-toolkit pipeline describe` and the summary of `pipeline run`: the text of
//! `tkn pipelinerun describe`. The expected text of the first test is tektoncd/cli's golden
//! `TestPipelineRunDescribe_failed.golden`, its input that test's objects as a
//! `kubectl get -o yaml` List.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![cfg(all(unix, feature = "cli"))]

use std::process::{Command, Output};

fn run(args: &[&str], dir: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gitops-toolkit"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const LIST: &str = r#"apiVersion: v1
kind: List
items:
- apiVersion: tekton.dev/v1
  kind: PipelineRun
  metadata:
    name: pipeline-run
    namespace: ns
    labels: {tekton.dev/pipeline: pipeline}
  spec:
    timeouts: {pipeline: 1h0m0s}
    pipelineRef: {name: pipeline}
    taskRunTemplate: {serviceAccountName: test-sa}
  status:
    childReferences: [{kind: TaskRun, name: tr-1, pipelineTaskName: t-1}]
    startTime: "2026-12-03T14:00:00Z"
    completionTime: "2026-12-03T14:05:00Z"
    conditions:
    - {type: Succeeded, status: "False", reason: Resource not found, message: Resource test-resource not found in the pipelinerun}
- apiVersion: tekton.dev/v1
  kind: TaskRun
  metadata: {name: tr-1, namespace: ns}
  status:
    startTime: "2026-12-03T14:02:00Z"
    completionTime: "2026-12-03T14:05:00Z"
    conditions: [{type: Succeeded, status: "False", reason: Failed, message: Testing tr failed}]
"#;

const GOLDEN_FAILED: &str =
    include_str!("../pipeline-core/tests/data/tkn-describe/TestPipelineRunDescribe_failed.golden");

#[test]
fn describe_prints_tkn_golden_from_a_list() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("runs.yaml"), LIST).unwrap();
    let out = run(
        &[
            "pipeline",
            "describe",
            "runs.yaml",
            "--now",
            "2026-12-03T14:10:00Z",
        ],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), GOLDEN_FAILED);

    // By name; an unknown name and a file without PipelineRuns fail as tkn does.
    let named = run(
        &[
            "pipeline",
            "describe",
            "runs.yaml",
            "--name",
            "pipeline-run",
            "--now",
            "2026-12-03T14:10:00Z",
        ],
        tmp.path(),
    );
    assert_eq!(text(&named.stdout), GOLDEN_FAILED);
    let missing = run(
        &["pipeline", "describe", "runs.yaml", "--name", "nope"],
        tmp.path(),
    );
    assert_eq!(missing.status.code(), Some(1));
    assert!(text(&missing.stderr).contains("failed to find pipelinerun \"nope\""));
    std::fs::write(
        tmp.path().join("none.yaml"),
        "kind: ConfigMap\nmetadata: {name: c}\n",
    )
    .unwrap();
    let none = run(&["pipeline", "describe", "none.yaml"], tmp.path());
    assert_eq!(none.status.code(), Some(1));
    assert!(text(&none.stderr).contains("no PipelineRuns found"));
    // A bad --now is a usage error.
    let bad = run(
        &["pipeline", "describe", "runs.yaml", "--now", "yesterday"],
        tmp.path(),
    );
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad.stderr));
}

#[test]
fn run_summary_is_the_describe_of_the_run() {
    let tmp = tempfile::tempdir().unwrap();
    let pipeline = r#"apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: build}
spec:
  params: [{name: who, default: world}]
  results: [{name: greeting, value: $(tasks.hello.results.out)}]
  tasks:
  - name: hello
    taskSpec:
      results: [{name: out}]
      steps:
      - {name: s, image: alpine, script: 'printf "hi $(params.who)" > $(results.out.path)'}
  - name: broken
    runAfter: [hello]
    taskSpec:
      steps: [{name: s, image: alpine, script: 'exit 3'}]
  - name: never
    when: [{input: a, operator: in, values: [b]}]
    taskSpec:
      steps: [{name: s, image: alpine, script: 'true'}]
"#;
    std::fs::write(tmp.path().join("p.yaml"), pipeline).unwrap();
    let work = tmp.path().join("work");
    let out = run(
        &[
            "pipeline",
            "run",
            "p.yaml",
            "--param",
            "who=you",
            "--workdir",
            work.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "Name:           build-run");
    assert_eq!(lines[1], "Namespace:      default");
    assert_eq!(lines[2], "Pipeline Ref:   build");
    // The run failed: its status row ends `Failed`, and the failed TaskRun is named.
    let status_row = lines[lines.iter().position(|l| l.starts_with("STARTED")).unwrap() + 1];
    assert!(status_row.ends_with("   Failed"), "{stdout}");
    assert!(
        stdout.contains("\nTaskRun(s) cancelled: build-run-broken\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("\n NAME   VALUE\n who    you\n"),
        "{stdout}"
    );
    let taskruns = stdout.split("\nTaskruns\n\n").nth(1).unwrap();
    let rows: Vec<&str> = taskruns.lines().take_while(|l| !l.is_empty()).collect();
    assert!(
        rows[0].starts_with(" NAME               TASK NAME   STARTED"),
        "{stdout}"
    );
    // The latest start first: `broken` ran after `hello`.
    assert!(
        rows[1].starts_with(" build-run-broken   broken      "),
        "{stdout}"
    );
    assert!(rows[1].ends_with("   Failed"), "{stdout}");
    assert!(
        rows[2].starts_with(" build-run-hello    hello       "),
        "{stdout}"
    );
    assert!(rows[2].ends_with("   Succeeded"), "{stdout}");
    assert!(
        stdout.ends_with("\nSkipped Tasks\n\n NAME\n never\n"),
        "{stdout}"
    );
    // Where it ran and what the tasks produced go to stderr.
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!("Workdir: {}", work.display())),
        "{stderr}"
    );
    assert!(stderr.contains("hello: result out = hi you"), "{stderr}");
}
