//! Timeouts belong to the state machine: it computes the next deadline of
//! `timeouts.pipeline`, `timeouts.tasks`, `timeouts.finally` and each task's `timeout`, and is
//! told how much time has passed. Reasons from Tekton: `TaskRunTimeout` (a TaskRun past its
//! timeout), `PipelineRunTimeout` (a PipelineRun past `timeouts.pipeline`/`tasks`/`finally`).
//! Runner tests use a real `sleep` and an executor that ignores `TaskJob::timeout` and only
//! stops when asked, so what stops the step is the state machine's deadline. No timing is
//! asserted.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::time::Duration;

use pipeline_core::{
    ExecOutcome, LogSink, PipelineRunState, RunContext, RunInfo, RunTimeouts, Runner,
    TaskExecution, TaskExecutor, TaskJob, TaskState, load,
};

const PIPELINE: &str = r#"
apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: p}
spec:
  tasks:
  - name: slow
    timeout: 2s
    taskSpec:
      steps: [{name: s, image: alpine, script: "sleep 30"}]
  - name: quick
    taskSpec:
      steps: [{name: s, image: alpine, script: "true"}]
  finally:
  - name: cleanup
    timeout: 1s
    taskSpec:
      steps: [{name: s, image: alpine, script: "true"}]
"#;

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

#[test]
fn the_state_machine_computes_every_deadline() {
    let r = load("p.yaml", PIPELINE).unwrap();
    let mut ctx = RunContext::named("r", "p");
    ctx.timeouts.pipeline = Some("1m".into());
    ctx.timeouts.tasks = Some("10s".into());
    ctx.timeouts.finally = Some("5s".into());
    let mut state = PipelineRunState::new(&r.pipelines[0].spec, ctx).unwrap();
    assert_eq!(
        state.timeouts(),
        RunTimeouts {
            pipeline: Some(secs(60)),
            tasks: Some(secs(10)),
            finally: Some(secs(5)),
        }
    );
    // Nothing started: the tasks timeout is next.
    assert_eq!(state.next_deadline(), Some(secs(10)));
    let ready = state.next();
    let slow = ready.iter().find(|i| i.pipeline_task == "slow").unwrap().id;
    let quick = ready
        .iter()
        .find(|i| i.pipeline_task == "quick")
        .unwrap()
        .id;
    assert!(state.elapse(secs(1)).is_empty());
    state.started(slow).unwrap();
    state.started(quick).unwrap();
    // slow's own 2s from its start at 1s.
    assert_eq!(state.next_deadline(), Some(secs(3)));
    assert!(state.elapse(Duration::from_millis(2999)).is_empty());
    assert_eq!(state.elapse(secs(3)), vec![slow]);
    // However it ends, it timed out.
    state.cancelled(slow).unwrap();
    assert_eq!(state.task_status("slow").unwrap().reason, "TaskRunTimeout");
    state.elapse(secs(4));
    state.succeeded(quick, BTreeMap::new()).unwrap();
    // The DAG is done: finally starts, its clock from its start.
    let fin = state.next();
    assert_eq!(fin.len(), 1);
    state.elapse(secs(6));
    state.started(fin[0].id).unwrap();
    // cleanup's own 1s (at 7s) comes before the tasks timeout (10s) and finally's 5s (11s).
    assert_eq!(state.next_deadline(), Some(secs(7)));
    state.succeeded(fin[0].id, BTreeMap::new()).unwrap();
    assert!(state.is_done());
    assert_eq!(state.condition().reason, "Failed");
}

#[test]
fn a_pipeline_timeout_stops_what_runs_and_skips_what_waits() {
    let yaml = r#"
apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: p}
spec:
  tasks:
  - {name: a, taskSpec: {steps: [{name: s, image: alpine}]}}
  - {name: b, runAfter: [a], taskSpec: {steps: [{name: s, image: alpine}]}}
"#;
    let r = load("p.yaml", yaml).unwrap();
    let mut ctx = RunContext::named("r", "p");
    ctx.timeouts.pipeline = Some("1h".into());
    let mut state = PipelineRunState::new(&r.pipelines[0].spec, ctx).unwrap();
    let a = state.next()[0].id;
    state.started(a).unwrap();
    assert_eq!(state.next_deadline(), Some(secs(3600)));
    assert_eq!(state.elapse(secs(3600)), vec![a]);
    state.cancelled(a).unwrap();
    assert!(state.next().is_empty());
    assert!(state.is_done());
    assert_eq!(state.condition().reason, "PipelineRunTimeout");
    assert_eq!(
        state.task_status("b").unwrap().reason,
        "PipelineRun timeout has been reached"
    );
    // Fired once only.
    assert_eq!(state.next_deadline(), None);
}

/// Runs `sh -c SCRIPT` for each step; stops only when the runner asks (cancel flag).
struct StopOnlyWhenAsked;

impl TaskExecutor for StopOnlyWhenAsked {
    fn execute(&self, job: &TaskJob, _: &dyn LogSink) -> TaskExecution {
        for step in &job.task.steps {
            let mut child = std::process::Command::new("sh")
                .arg("-c")
                .arg(&step.script)
                .spawn()
                .unwrap();
            loop {
                if let Some(status) = child.try_wait().unwrap() {
                    if !status.success() {
                        return TaskExecution {
                            outcome: ExecOutcome::Failed("step failed".into()),
                            results: BTreeMap::new(),
                        };
                    }
                    break;
                }
                if job.is_cancelled() {
                    let _ = child.kill();
                    let _ = child.wait();
                    return TaskExecution {
                        outcome: ExecOutcome::Cancelled,
                        results: BTreeMap::new(),
                    };
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        TaskExecution {
            outcome: ExecOutcome::Succeeded,
            results: BTreeMap::new(),
        }
    }
}

fn run(yaml: &str, ctx: RunContext) -> pipeline_core::PipelineRunOutcome {
    let r = load("p.yaml", yaml).unwrap();
    let state = PipelineRunState::new(&r.pipelines[0].spec, ctx).unwrap();
    Runner::new(&StopOnlyWhenAsked, &r)
        .run(state, RunInfo::default())
        .unwrap()
}

#[cfg(unix)]
#[test]
fn a_task_past_its_timeout_ends_task_run_timeout() {
    let yaml = PIPELINE.replace("timeout: 2s", "timeout: 1s");
    let out = run(&yaml, RunContext::named("r", "p"));
    let slow = out.task("slow").unwrap();
    assert_eq!(slow.reason, "TaskRunTimeout", "{out:?}");
    assert_eq!(slow.state, TaskState::Failed);
    assert_eq!(out.task("quick").unwrap().reason, "Succeeded");
    assert_eq!(out.task("cleanup").unwrap().reason, "Succeeded");
    assert_eq!(out.condition.reason, "Failed", "{out:?}");
}

#[cfg(unix)]
#[test]
fn a_run_past_timeouts_pipeline_ends_pipeline_run_timeout() {
    let yaml = PIPELINE.replace("timeout: 2s", "timeout: 1h");
    let mut ctx = RunContext::named("r", "p");
    ctx.timeouts.pipeline = Some("1s".into());
    let out = run(&yaml, ctx);
    assert_eq!(out.condition.reason, "PipelineRunTimeout", "{out:?}");
    assert_eq!(
        out.task("slow").unwrap().reason,
        "TaskRunCancelled",
        "{out:?}"
    );
}

#[cfg(unix)]
#[test]
fn a_dag_past_timeouts_tasks_ends_pipeline_run_timeout_after_finally() {
    let yaml = PIPELINE.replace("timeout: 2s", "timeout: 1h");
    let mut ctx = RunContext::named("r", "p");
    ctx.timeouts.tasks = Some("1s".into());
    let out = run(&yaml, ctx);
    assert_eq!(out.condition.reason, "PipelineRunTimeout", "{out:?}");
    assert_ne!(out.task("slow").unwrap().state, TaskState::Succeeded);
    assert_eq!(out.task("cleanup").unwrap().reason, "Succeeded", "{out:?}");
}

#[test]
fn bad_and_zero_durations() {
    let spec: pipeline_core::PipelineRunSpec = serde_json::from_value(serde_json::json!({
        "timeouts": {"pipeline": "0s", "tasks": "90m"}
    }))
    .unwrap();
    assert_eq!(
        RunTimeouts::from_spec(&spec).unwrap(),
        RunTimeouts {
            pipeline: None,
            tasks: Some(secs(5400)),
            finally: None
        }
    );
    let spec: pipeline_core::PipelineRunSpec =
        serde_json::from_value(serde_json::json!({"timeout": "1x"})).unwrap();
    let e = RunTimeouts::from_spec(&spec).unwrap_err();
    assert!(e.to_string().contains("spec.timeout"), "{e}");
}

#[test]
fn task_run_specs_name_pipeline_tasks_and_override_their_timeout() {
    let r = load("p.yaml", PIPELINE).unwrap();
    let pr: pipeline_core::PipelineRun = serde_json::from_value(serde_json::json!({
        "apiVersion": "tekton.dev/v1", "kind": "PipelineRun",
        "metadata": {"name": "r", "namespace": "ci"},
        "spec": {
            "pipelineRef": {"name": "p"},
            "taskRunTemplate": {"serviceAccountName": "builder"},
            "taskRunSpecs": [{"pipelineTaskName": "slow", "timeout": "5s", "serviceAccountName": "sa"}]
        }
    }))
    .unwrap();
    let mut state = PipelineRunState::new(
        &r.pipelines[0].spec,
        RunContext::from_pipeline_run(&pr, "p"),
    )
    .unwrap();
    let ready = state.next();
    let slow = ready.iter().find(|i| i.pipeline_task == "slow").unwrap();
    assert_eq!(slow.timeout.as_deref(), Some("5s"));
    let id = slow.id;
    state.started(id).unwrap();
    // 5s (the taskRunSpec's), not the pipeline task's 2s.
    assert_eq!(state.next_deadline(), Some(secs(5)));

    let mut wrong = pr.clone();
    wrong.spec.task_run_specs[0].pipeline_task_name = "nope".into();
    let e = PipelineRunState::new(
        &r.pipelines[0].spec,
        RunContext::from_pipeline_run(&wrong, "p"),
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        e,
        "pipelinerun \"r\": InvalidTaskRunSpec: PipelineRun ci/r doesn't define taskRunSpecs correctly: pipelineRun's taskrunSpecs defined wrong taskName: \"nope\", does not exist in Pipeline"
    );
}
