//! Pipelines in pipelines (TEP-0056, alpha in Tekton: `enable-api-fields: alpha`, here
//! [`Limits::enable_alpha_api`]): a pipeline task with `pipelineSpec` or `pipelineRef` runs as
//! a child PipelineRun with the task's params and workspaces; the child's results are the
//! task's. Cases after tektoncd/pipeline `examples/v1/pipelineruns/alpha/pipelines-in-pipelines*.yaml`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::sync::Mutex;

use pipeline_core::{
    ExecOutcome, Limits, LogSink, ParamValue, PipelineRunOutcome, PipelineRunState, RunContext,
    RunInfo, Runner, TaskExecution, TaskExecutor, TaskJob, TaskState, load,
};

/// Records (run, pipeline task, params) of every job; fails tasks named `boom`; each task
/// returns result `r` = "<run>/<task>".
/// (run, pipeline task, params) of one job.
type Job = (String, String, BTreeMap<String, String>);

#[derive(Default)]
struct Recorder(Mutex<Vec<Job>>);

impl TaskExecutor for Recorder {
    fn execute(&self, job: &TaskJob, _: &dyn LogSink) -> TaskExecution {
        let params = job
            .instance
            .params
            .iter()
            .map(|p| (p.name.clone(), p.value.to_string()))
            .collect();
        self.0.lock().unwrap().push((
            job.run.name.clone(),
            job.instance.pipeline_task.clone(),
            params,
        ));
        let mut results = BTreeMap::new();
        results.insert(
            "r".to_string(),
            ParamValue::String(format!("{}/{}", job.run.name, job.instance.pipeline_task)),
        );
        TaskExecution {
            outcome: if job.instance.pipeline_task == "boom" {
                ExecOutcome::Failed("boom".into())
            } else {
                ExecOutcome::Succeeded
            },
            results,
        }
    }
}

fn alpha() -> Limits {
    Limits::default().enable_alpha_api(true)
}

fn run(yaml: &str, pipeline: &str, params: &[(&str, &str)]) -> (PipelineRunOutcome, Recorder) {
    let r = load("p.yaml", yaml).unwrap();
    let mut ctx = RunContext::named("pr", pipeline);
    ctx.params = params
        .iter()
        .map(|(k, v)| pipeline_core::Param {
            name: k.to_string(),
            value: ParamValue::String(v.to_string()),
        })
        .collect();
    let spec = r.pipeline(pipeline).unwrap().spec.clone();
    let state = PipelineRunState::with_limits(spec, ctx, alpha()).unwrap();
    let rec = Recorder::default();
    let info = RunInfo {
        name: "pr".into(),
        namespace: "ci".into(),
        pipeline: pipeline.into(),
        ..Default::default()
    };
    let out = Runner::new(&rec, &r).run(state, info).unwrap();
    (out, rec)
}

const INLINE: &str = r#"
apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: parent}
spec:
  tasks:
  - name: child
    pipelineSpec:
      results: [{name: out, value: $(tasks.hello.results.r)}]
      tasks:
      - name: hello
        taskSpec:
          results: [{name: r}]
          steps: [{name: echo, image: busybox, script: echo hello}]
  - name: after
    params: [{name: got, value: $(tasks.child.results.out)}]
    taskSpec:
      params: [{name: got}]
      results: [{name: r}]
      steps: [{name: echo, image: busybox, script: echo $(params.got)}]
"#;

#[test]
fn without_alpha_a_child_pipeline_is_refused_as_tekton_refuses_it() {
    let r = load("p.yaml", INLINE).unwrap();
    let e = PipelineRunState::new(&r.pipelines[0].spec, RunContext::named("pr", "parent"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("pipelineSpec requires \"enable-api-fields\" feature gate to be \"alpha\" but it is \"beta\""),
        "{e}"
    );
}

#[test]
fn an_inline_child_runs_and_its_results_are_the_tasks() {
    let (out, rec) = run(INLINE, "parent", &[]);
    assert_eq!(out.condition.reason, "Succeeded", "{out:?}");
    assert_eq!(out.task("child").unwrap().state, TaskState::Succeeded);
    assert_eq!(
        out.task("child").unwrap().results["out"],
        ParamValue::String("pr-child/hello".into())
    );
    let jobs = rec.0.lock().unwrap().clone();
    assert_eq!(jobs[0].0, "pr-child");
    assert_eq!(jobs[0].1, "hello");
    assert_eq!(jobs[1].1, "after");
    assert_eq!(jobs[1].2["got"], "pr-child/hello");
}

const REFS: &str = r#"
apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: grandchild-pipeline}
spec:
  params: [{name: greeting, type: string}, {name: target, type: string}]
  workspaces: [{name: source}]
  tasks:
  - name: show
    params: [{name: greeting, value: $(params.greeting)}, {name: target, value: $(params.target)}]
    workspaces: [{name: source, workspace: source}]
    taskSpec:
      params: [{name: greeting}, {name: target}]
      workspaces: [{name: source}]
      steps: [{name: greet, image: busybox, script: 'echo "$(params.greeting), $(params.target)!"'}]
---
apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: child-pipeline-complex}
spec:
  params: [{name: greeting, type: string}, {name: target, type: string}]
  workspaces: [{name: source}]
  tasks:
  - name: grandchild
    pipelineRef: {name: grandchild-pipeline}
    params: [{name: greeting, value: $(params.greeting)}, {name: target, value: $(params.target)}]
    workspaces: [{name: source, workspace: source}]
---
apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: pipelines-in-pipelines-ref-complex}
spec:
  params: [{name: greeting, type: string}, {name: target, type: string}]
  workspaces: [{name: source}]
  tasks:
  - name: child
    pipelineRef: {name: child-pipeline-complex}
    params: [{name: greeting, value: $(params.greeting)}, {name: target, value: $(params.target)}]
    workspaces: [{name: source, workspace: source}]
  - name: boom
    runAfter: [child]
    taskSpec: {steps: [{name: s, image: busybox}]}
"#;

#[test]
fn two_levels_of_pipeline_refs_pass_params_down() {
    let (out, rec) = run(
        REFS,
        "pipelines-in-pipelines-ref-complex",
        &[("greeting", "Hello"), ("target", "World")],
    );
    assert_eq!(
        out.task("child").unwrap().state,
        TaskState::Succeeded,
        "{out:?}"
    );
    let jobs = rec.0.lock().unwrap().clone();
    assert_eq!(jobs[0].0, "pr-child-grandchild");
    assert_eq!(jobs[0].1, "show");
    assert_eq!(jobs[0].2["greeting"], "Hello");
    assert_eq!(jobs[0].2["target"], "World");
    // The parent's own task after the child still fails the run.
    assert_eq!(out.condition.reason, "Failed");
}

#[test]
fn a_failing_child_fails_its_task() {
    let yaml = REFS.replace("  - name: show", "  - name: boom");
    let yaml = yaml.replace(
        "  - name: boom\n    runAfter: [child]\n    taskSpec: {steps: [{name: s, image: busybox}]}\n",
        "",
    );
    let (out, _) = run(
        &yaml,
        "pipelines-in-pipelines-ref-complex",
        &[("greeting", "a"), ("target", "b")],
    );
    let child = out.task("child").unwrap();
    assert_eq!(child.state, TaskState::Failed, "{out:?}");
    assert!(
        child.messages[0].starts_with("child PipelineRun \"pr-child\" failed: Failed:"),
        "{:?}",
        child.messages
    );
    assert_eq!(out.condition.reason, "Failed");
}

#[test]
fn a_missing_child_pipeline_is_couldnt_get_pipeline() {
    let yaml = REFS.replace(
        "pipelineRef: {name: child-pipeline-complex}",
        "pipelineRef: {name: nope}",
    );
    let (out, rec) = run(
        &yaml,
        "pipelines-in-pipelines-ref-complex",
        &[("greeting", "a"), ("target", "b")],
    );
    assert_eq!(out.condition.reason, "CouldntGetPipeline", "{out:?}");
    assert_eq!(
        out.condition.message,
        "Pipeline ci/pipelines-in-pipelines-ref-complex can't be Run; it contains child Pipelines that don't exist: pipelines.tekton.dev \"nope\" not found"
    );
    assert!(rec.0.lock().unwrap().is_empty());
}

#[test]
fn a_pipeline_that_runs_itself_stops_at_the_depth_limit() {
    let yaml = "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: loop}\nspec:\n  tasks:\n  - {name: again, pipelineRef: {name: loop}}\n";
    let (out, _) = run(yaml, "loop", &[]);
    assert_eq!(out.condition.reason, "Failed", "{out:?}");
    // Each level fails because the one below it failed; the innermost hit the limit.
    let m = &out.task("again").unwrap().messages[0];
    assert!(
        m.starts_with(
            "child PipelineRun \"pr-again\" failed: Failed: Tasks Completed: 1 (Failed: 1"
        ),
        "{m}"
    );
}
