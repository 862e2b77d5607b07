//! `tkn pipelinerun describe` output. Every expected text is a golden file of tektoncd/cli
//! (`pkg/cmd/pipelinerun/testdata/*.golden`, written by `tkn` itself), and every input is the
//! objects of the test that produced it (`describe_v1_test.go`), transcribed to YAML with the
//! fake clock at 2026-12-03T14:00:00Z.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use pipeline_core::{DescribeError, describe_pipeline_run};
use serde_json::Value;

/// The fake clock's start, 2026-12-03T14:00:00Z (`date -u -d ... +%s`), plus `minutes`.
fn now(minutes: i64) -> i64 {
    (1_796_306_400 + minutes * 60) * 1_000_000_000
}

fn docs(yaml: &str) -> (Value, Vec<Value>) {
    let mut all = kube_object::yaml::parse_stream(yaml, "test.yaml").unwrap();
    let pr = all.remove(0);
    (pr, all)
}

fn describe(yaml: &str, minutes: i64) -> String {
    let (pr, trs) = docs(yaml);
    describe_pipeline_run(&pr, &trs, now(minutes)).unwrap()
}

const TWO_TASKRUNS: &str = r#"
apiVersion: tekton.dev/v1
kind: TaskRun
metadata: {name: tr-1, namespace: ns, labels: {tekton.dev/task: task-1}}
spec: {taskRef: {name: task-1}}
status:
  conditions: [{type: Succeeded, status: "False", reason: Failed}]
  startTime: "2026-12-03T14:00:00Z"
  completionTime: "2026-12-03T14:05:00Z"
---
apiVersion: tekton.dev/v1
kind: TaskRun
metadata: {name: tr-2, namespace: ns, labels: {tekton.dev/task: task-1}}
spec: {taskRef: {name: task-1}}
status:
  conditions: [{type: Succeeded, status: "True", reason: Succeeded}]
  startTime: "2026-12-03T14:10:00Z"
  completionTime: "2026-12-03T14:17:00Z"
"#;

fn basic_run(extra_spec: &str, extra_status: &str) -> String {
    format!(
        r#"apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {{name: pipeline-run, namespace: ns}}
spec:
  pipelineRef: {{name: pipeline}}
  params:
  - {{name: p-1, value: somethingdifferent}}
  - {{name: p-2, value: [booms, booms, booms]}}
{extra_spec}status:
  conditions: [{{type: Succeeded, status: "True", reason: Succeeded, message: Completed}}]
  startTime: "2026-12-03T14:00:00Z"
  completionTime: "2026-12-03T14:20:00Z"
  childReferences:
  - {{kind: TaskRun, name: tr-1, pipelineTaskName: t-1}}
  - {{kind: TaskRun, name: tr-2, pipelineTaskName: t-2}}
{extra_status}---{TWO_TASKRUNS}"#
    )
}

const GOLDEN_DESCRIBE: &str = "Name:           pipeline-run
Namespace:      ns
Pipeline Ref:   pipeline

Status

STARTED         DURATION   STATUS
0 seconds ago   20m0s      Succeeded

Params

 NAME   VALUE
 p-1    somethingdifferent
 p-2    [booms booms booms]

Taskruns

 NAME   TASK NAME   STARTED           DURATION   STATUS
 tr-2   t-2         -10 minutes ago   7m0s       Succeeded
 tr-1   t-1         0 seconds ago     5m0s       Failed
";

#[test]
fn describe_golden() {
    // TestPipelineRunDescribe.golden
    assert_eq!(describe(&basic_run("", ""), 0), GOLDEN_DESCRIBE);
}

const SKIPPED: &str = "  skippedTasks:
  - {name: task-should-be-skipped-1}
  - {name: task-should-be-skipped-2}
  - {name: task-should-be-skipped-3}
";

const GOLDEN_SKIPPED_TAIL: &str = "
Skipped Tasks

 NAME
 task-should-be-skipped-1
 task-should-be-skipped-2
 task-should-be-skipped-3
";

#[test]
fn skipped_tasks_golden() {
    // TestPipelineRunDescribeWithSkippedTasks.golden
    let want = format!("{GOLDEN_DESCRIBE}{GOLDEN_SKIPPED_TAIL}");
    assert_eq!(describe(&basic_run("", SKIPPED), 0), want);
}

#[test]
fn timeouts_golden() {
    // TestPipelineRunDescribeWithTimeouts.golden: `timeouts` print as Go durations.
    let spec = "  timeouts: {pipeline: 1h, tasks: 50m}\n";
    let want = GOLDEN_DESCRIBE.replace(
        "\n\nParams",
        "\n\nTimeouts\n Pipeline:   1h0m0s\n Tasks:      50m0s\n\nParams",
    );
    let want = format!("{want}{GOLDEN_SKIPPED_TAIL}");
    assert_eq!(describe(&basic_run(spec, SKIPPED), 0), want);
}

const FAILED: &str = r#"apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  name: pipeline-run
  namespace: ns
  creationTimestamp: "2026-12-03T14:00:00Z"
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
---
apiVersion: tekton.dev/v1
kind: TaskRun
metadata: {name: tr-1, namespace: ns}
status:
  startTime: "2026-12-03T14:02:00Z"
  completionTime: "2026-12-03T14:05:00Z"
  conditions: [{type: Succeeded, status: "False", reason: Failed, message: Testing tr failed}]
"#;

/// tektoncd/cli's `TestPipelineRunDescribe_failed.golden` (also read by the CLI's test).
const GOLDEN_FAILED: &str = include_str!("data/tkn-describe/TestPipelineRunDescribe_failed.golden");

#[test]
fn failed_golden() {
    // TestPipelineRunDescribe_failed.golden
    assert_eq!(describe(FAILED, 10), GOLDEN_FAILED);
}

#[test]
fn failed_v1beta1_golden() {
    // TestPipelineRunDescribe_failed_v1beta1.golden is the same text: tkn converts to v1
    // (`serviceAccountName` moves under `taskRunTemplate`, `timeout` becomes
    // `timeouts.pipeline`).
    let v1beta1 = FAILED
        .replacen("tekton.dev/v1\n", "tekton.dev/v1beta1\n", 1)
        .replace("  timeouts: {pipeline: 1h0m0s}\n", "  timeout: 1h\n")
        .replace(
            "  taskRunTemplate: {serviceAccountName: test-sa}\n",
            "  serviceAccountName: test-sa\n",
        );
    assert!(v1beta1.contains("v1beta1") && v1beta1.contains("timeout: 1h"));
    assert_eq!(describe(&v1beta1, 10), GOLDEN_FAILED);
}

#[test]
fn failed_without_taskrun_condition_golden() {
    // TestPipelineRunDescribe_failed_withoutTRCondition.golden: a TaskRun without conditions
    // prints `---` and is not named in the message.
    let yaml = FAILED.replace(
        "  conditions: [{type: Succeeded, status: \"False\", reason: Failed, message: Testing tr failed}]\n",
        "",
    );
    let want = GOLDEN_FAILED
        .replace("\nTaskRun(s) cancelled: tr-1", "")
        .replace("3m0s       Failed\n", "3m0s       ---\n");
    assert_eq!(describe(&yaml, 10), want);
}

#[test]
fn cancelled_golden() {
    // TestPipelineRunDescribe_cancelled_pipelinerun.golden
    let yaml = FAILED
        .replace("  taskRunTemplate: {serviceAccountName: test-sa}\n", "")
        .replace(
            "reason: Resource not found, message: Resource test-resource not found in the pipelinerun",
            "reason: PipelineRunCancelled, message: 'PipelineRun \"pipeline-run\" was cancelled'",
        )
        .replace(
            "[{type: Succeeded, status: \"False\", reason: Failed, message: Testing tr failed}]",
            "[{type: Succeeded, status: \"True\"}]",
        );
    let want = "Name:           pipeline-run
Namespace:      ns
Pipeline Ref:   pipeline
Labels:
 tekton.dev/pipeline=pipeline

Status

STARTED          DURATION   STATUS
10 minutes ago   5m0s       Cancelled(PipelineRunCancelled)

Message

PipelineRun \"pipeline-run\" was cancelled

Timeouts
 Pipeline:   1h0m0s

Taskruns

 NAME   TASK NAME   STARTED         DURATION   STATUS
 tr-1   t-1         8 minutes ago   3m0s       Succeeded
";
    assert_eq!(describe(&yaml, 10), want);
}

#[test]
fn taskrun_ordering_golden() {
    // TestPipelineRunDescribe_multiple_taskrun_ordering.golden: the latest start first.
    let yaml = r#"apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {name: pipeline-run, namespace: ns, labels: {tekton.dev/pipeline: pipeline}}
spec: {pipelineRef: {name: pipeline}, timeouts: {pipeline: 1h0m0s}}
status:
  childReferences:
  - {kind: TaskRun, name: tr-1, pipelineTaskName: t-1}
  - {kind: TaskRun, name: tr-2, pipelineTaskName: t-2}
  startTime: "2026-12-03T14:00:00Z"
  completionTime: "2026-12-03T14:15:00Z"
  conditions: [{type: Succeeded, status: "True", reason: Succeeded}]
---
kind: TaskRun
metadata: {name: tr-1, namespace: ns}
status:
  startTime: "2026-12-03T14:02:00Z"
  completionTime: "2026-12-03T14:05:00Z"
  conditions: [{type: Succeeded, status: "True"}]
---
kind: TaskRun
metadata: {name: tr-2, namespace: ns}
status:
  startTime: "2026-12-03T14:05:00Z"
  completionTime: "2026-12-03T14:09:00Z"
  conditions: [{type: Succeeded, status: "True"}]
"#;
    let want = "Name:           pipeline-run
Namespace:      ns
Pipeline Ref:   pipeline
Labels:
 tekton.dev/pipeline=pipeline

Status

STARTED          DURATION   STATUS
10 minutes ago   15m0s      Succeeded

Timeouts
 Pipeline:   1h0m0s

Taskruns

 NAME   TASK NAME   STARTED         DURATION   STATUS
 tr-2   t-2         5 minutes ago   4m0s       Succeeded
 tr-1   t-1         8 minutes ago   3m0s       Succeeded
";
    assert_eq!(describe(yaml, 10), want);
}

#[test]
fn taskrun_without_status_golden() {
    // TestPipelineRunDescribe_taskrun_with_no_status.golden: no start sorts first.
    let yaml = basic_run("", "").replace(
        "status:\n  conditions: [{type: Succeeded, status: \"True\", reason: Succeeded}]\n  startTime: \"2026-12-03T14:10:00Z\"\n  completionTime: \"2026-12-03T14:17:00Z\"\n",
        "",
    );
    let want = GOLDEN_DESCRIBE
        .replace(
            " tr-2   t-2         -10 minutes ago   7m0s       Succeeded\n tr-1   t-1         0 seconds ago     5m0s       Failed\n",
            " tr-2   t-2         ---             ---        ---\n tr-1   t-1         0 seconds ago   5m0s       Failed\n",
        )
        .replace("STARTED           DURATION", "STARTED         DURATION");
    assert_eq!(describe(&yaml, 0), want);
}

#[test]
fn results_and_workspaces_golden() {
    // TestPipelineRunDescribe_with_workspaces.golden (its run has results too).
    let yaml = r#"apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {name: pipeline-run, namespace: ns}
spec:
  pipelineRef: {name: pipeline}
  params: [{name: p-1, value: somethingdifferent}]
  workspaces:
  - {name: test, subPath: test, emptyDir: {}}
  - {name: configmap, configMap: {name: bar}}
  - {name: secret, secret: {secretName: foobar}}
status:
  conditions: [{type: Succeeded, status: "True", reason: Succeeded, message: Completed}]
  startTime: "2026-12-03T13:50:00Z"
  completionTime: "2026-12-03T14:10:00Z"
  childReferences: [{kind: TaskRun, name: tr-1, pipelineTaskName: t-1}]
  results:
  - {name: result-1, value: value-1}
  - {name: result-2, value: value-2}
---
kind: TaskRun
metadata: {name: tr-1, namespace: ns}
status:
  conditions: [{type: Succeeded, status: "False", reason: Failed}]
  startTime: "2026-12-03T14:00:00Z"
  completionTime: "2026-12-03T14:05:00Z"
"#;
    let want = "Name:           pipeline-run
Namespace:      ns
Pipeline Ref:   pipeline

Status

STARTED          DURATION   STATUS
10 minutes ago   20m0s      Succeeded

Params

 NAME   VALUE
 p-1    somethingdifferent

Results

 NAME       VALUE
 result-1   value-1
 result-2   value-2

Workspaces

 NAME        SUB PATH   WORKSPACE BINDING
 test        test       EmptyDir (emptyDir=)
 configmap   ---        ConfigMap (config=bar)
 secret      ---        Secret (secret=foobar)

Taskruns

 NAME   TASK NAME   STARTED         DURATION   STATUS
 tr-1   t-1         0 seconds ago   5m0s       Failed
";
    assert_eq!(describe(yaml, 0), want);
}

#[test]
fn annotations_and_no_status_golden() {
    // TestPipelineRunDescribe_with_annotations.golden: kubectl's last-applied annotation is
    // left out; a run without status prints `---`.
    let yaml = r#"apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  name: pr-with-annotations
  namespace: ns
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: LastAppliedConfig
    tekton.dev/tags: testing
spec: {pipelineRef: {name: pr-with-annotations}}
"#;
    let want = "Name:           pr-with-annotations
Namespace:      ns
Pipeline Ref:   pr-with-annotations
Annotations:
 tekton.dev/tags=testing

Status

STARTED   DURATION   STATUS
---       ---        ---
";
    assert_eq!(describe(yaml, 0), want);
}

#[test]
fn custom_and_zero_timeouts_golden() {
    // TestPipelineRunDescribe_custom_timeout.golden and _zero_timeout.golden: the same text
    // but for the names and the timeout, as written (`1m`, `0s`) and as Go prints it.
    for (run, pipeline, written, printed) in [
        ("pr-custom-timeout", "pr-custom-timeout", "1m", "1m0s"),
        (
            "pipeline-run-zero-timeout",
            "pipeline-zero-timeout",
            "0s",
            "0s",
        ),
    ] {
        let yaml = format!(
            "kind: PipelineRun\nmetadata: {{name: {run}, namespace: ns}}\nspec: {{pipelineRef: {{name: {pipeline}}}, timeouts: {{pipeline: {written}}}}}\n"
        );
        let want = format!(
            "Name:           {run}
Namespace:      ns
Pipeline Ref:   {pipeline}

Status

STARTED   DURATION   STATUS
---       ---        ---

Timeouts
 Pipeline:   {printed}
"
        );
        assert_eq!(describe(&yaml, 0), want);
    }
}

#[test]
fn refuses_other_kinds_and_missing_taskruns() {
    let (pr, _) = docs(&basic_run("", ""));
    // tkn fails when a child TaskRun cannot be read.
    let err = describe_pipeline_run(&pr, &[], now(0)).unwrap_err();
    assert_eq!(
        err,
        DescribeError::MissingTaskRun {
            name: "tr-1".into()
        }
    );
    let pipeline: Value = serde_json::json!({"kind": "Pipeline", "metadata": {"name": "p"}});
    assert!(matches!(
        describe_pipeline_run(&pipeline, &[], now(0)),
        Err(DescribeError::NotAPipelineRun { .. })
    ));
}
