//! Param `enum`, Go durations, propagated params and workspaces in inline specs, and
//! simulated results. Expected behaviour from Tekton: `ParamSpecs.validateParamEnums`,
//! `taskrun.ValidateEnumParam` and `ValidateParamEnumSubset` (reconciler), Go's
//! `time.ParseDuration`, `PipelineRunSpec.Validate` (no workspace usage check for an inline
//! `pipelineSpec`). Cases from tektoncd/catalog `s2i/0.3/samples/dockerconfig.yaml` and
//! tektoncd/pipeline `examples/v1/pipelineruns/propagating_workspaces_with_referenced_resources.yaml`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use pipeline_core::simulate::{SimOutcome, placeholder_results, simulate};
use pipeline_core::validate::resource_errors;
use pipeline_core::{Error, PipelineRunState, RunContext, load};

fn errors(yaml: &str) -> Vec<String> {
    let r = load("case.yaml", yaml).unwrap();
    resource_errors(&r)
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn enum_declarations_follow_tekton() {
    let yaml = r#"
apiVersion: tekton.dev/v1
kind: Task
metadata: {name: t}
spec:
  params:
  - {name: env, enum: [dev, prod, dev], default: staging}
  - {name: list, type: array, enum: [a]}
  - {name: ok, enum: [a, b], default: b}
  steps: [{name: s, image: alpine}]
"#;
    assert_eq!(
        errors(yaml),
        vec![
            "task \"t\": parameter enum value dev appears more than once: params[env]",
            "task \"t\": param default value staging not in the enum list: params[env]",
            "task \"t\": enum can only be set with string type param: params[list]",
        ]
    );
    let pipeline = "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: p}\nspec:\n  params: [{name: env, enum: [a], default: b}]\n  tasks: [{name: a, taskRef: {name: t}}]\n";
    assert_eq!(
        errors(pipeline),
        vec!["pipeline \"p\": param default value b not in the enum list: params[env]"]
    );
}

const ENUM_PIPELINE: &str = r#"
apiVersion: tekton.dev/v1
kind: Task
metadata: {name: deploy}
spec:
  params: [{name: env, enum: [dev, staging, prod]}]
  steps: [{name: s, image: alpine}]
---
apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: p}
spec:
  params:
  - {name: target, enum: [dev, prod]}
  - {name: free}
  tasks:
  - {name: literal-ok, taskRef: {name: deploy}, params: [{name: env, value: staging}]}
  - {name: literal-bad, taskRef: {name: deploy}, params: [{name: env, value: qa}]}
  - {name: subset, taskRef: {name: deploy}, params: [{name: env, value: $(params.target)}]}
  - {name: no-enum, taskRef: {name: deploy}, params: [{name: env, value: $(params.free)}]}
"#;

#[test]
fn task_enums_bound_what_pipeline_tasks_pass() {
    assert_eq!(
        errors(ENUM_PIPELINE),
        vec![
            "pipeline \"p\": task \"literal-bad\": param `env` value: qa is not in the enum list: params[env]",
            "pipeline \"p\": task \"no-enum\": pipeline param \"free\" has no enum, but referenced in \"no-enum\" task has enums: [dev staging prod]: params[env]",
        ]
    );
    let not_subset = ENUM_PIPELINE.replace("enum: [dev, prod]", "enum: [dev, qa]");
    let got = errors(&not_subset);
    assert!(
        got.contains(&"pipeline \"p\": task \"subset\": pipeline param \"target\" enum: [dev qa] is not a subset of the referenced in \"subset\" task param enum: [dev staging prod]: params[env]".to_string()),
        "{got:?}"
    );
}

#[test]
fn a_run_value_outside_the_enum_fails_the_run() {
    let r = load("p.yaml", ENUM_PIPELINE).unwrap();
    let spec = &r.pipelines[0].spec;
    let run = |target: &str| {
        let mut ctx = RunContext::named("r", "p");
        ctx.namespace = "ns".into();
        ctx.params = serde_json::from_str(&format!(
            r#"[{{"name": "target", "value": "{target}"}}, {{"name": "free", "value": "x"}}]"#
        ))
        .unwrap();
        PipelineRunState::new(spec, ctx)
    };
    assert!(run("prod").is_ok());
    match run("qa") {
        Err(Error::RunRejected {
            reason, message, ..
        }) => {
            assert_eq!(reason, "InvalidParamValue");
            assert_eq!(
                message,
                "PipelineRun ns/r parameters have invalid value: param `target` value: qa is not in the enum list"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn bad_durations_fail_with_their_location() {
    let yaml = r#"
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {name: r}
spec:
  timeouts: {pipeline: 1x, tasks: 1h30m, finally: "+5m"}
  pipelineSpec:
    tasks:
    - name: a
      timeout: 10 minutes
      taskSpec:
        steps: [{name: s, image: alpine, timeout: 1.5.5s}]
"#;
    assert_eq!(
        errors(yaml),
        vec![
            "pipelinerun \"r\": invalid value: time: invalid duration \"1x\": timeouts.pipeline",
            "pipeline \"r\": task \"a\": invalid value: time: invalid duration \"1.5.5s\": tasks[0].taskSpec.steps[0].timeout",
            "pipeline \"r\": task \"a\": invalid value: time: invalid duration \"10 minutes\": tasks[0].timeout",
        ]
    );
    let tr = "apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata: {name: tr}\nspec:\n  timeout: 5d\n  taskRef: {name: t}\n";
    assert_eq!(
        errors(tr),
        vec!["taskrun \"tr\": invalid value: time: invalid duration \"5d\": timeout"]
    );
}

#[test]
fn tasks_and_finally_timeouts_fit_in_the_pipeline_timeout() {
    let run = |timeouts: &str| {
        errors(&format!(
            "apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata: {{name: r}}\nspec:\n  pipelineRef: {{name: p}}\n  timeouts: {timeouts}\n"
        ))
    };
    assert_eq!(
        run("{pipeline: 1h, tasks: 45m, finally: 15m}"),
        Vec::<String>::new()
    );
    assert_eq!(
        run("{pipeline: 1h, tasks: 90m}"),
        vec![
            "pipelinerun \"r\": invalid value: 1h30m0s should be <= pipeline duration: timeouts.tasks"
        ]
    );
    assert_eq!(
        run("{pipeline: 1h, tasks: 50m, finally: 20m}"),
        vec![
            "pipelinerun \"r\": invalid value: 50m0s + 20m0s should be <= pipeline duration: timeouts.tasks",
            "pipelinerun \"r\": invalid value: 50m0s + 20m0s should be <= pipeline duration: timeouts.finally",
        ]
    );
    // The pipeline timeout defaults to 60 minutes; `0` is no timeout.
    assert_eq!(
        run("{tasks: 2h}"),
        vec![
            "pipelinerun \"r\": invalid value: 2h0m0s should be <= pipeline duration: timeouts.tasks"
        ]
    );
    assert_eq!(
        run("{pipeline: 1h, finally: \"0\"}"),
        vec![
            "pipelinerun \"r\": invalid value: 0s (no timeout) should be <= pipeline duration: timeouts.finally"
        ]
    );
    assert_eq!(run("{pipeline: \"0\", tasks: 5h}"), Vec::<String>::new());
    let both = "apiVersion: tekton.dev/v1beta1\nkind: PipelineRun\nmetadata: {name: r}\nspec:\n  pipelineRef: {name: p}\n  timeout: 1h\n  timeouts: {pipeline: 1h}\n";
    assert_eq!(
        errors(both),
        vec!["pipelinerun \"r\": must not set the field(s): timeout, timeouts"]
    );
}

const PROPAGATED: &str = r#"
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {name: recipe}
spec:
  params: [{name: filename, value: recipe.txt}]
  workspaces:
  - {name: shared-data, emptyDir: {}}
  pipelineSpec:
    tasks:
    - name: fetch-the-recipe
      workspaces: [{name: shared-data}]
      params: [{name: file, value: $(params.filename)}]
      taskSpec:
        params: [{name: file}]
        workspaces: [{name: shared-data}]
        steps:
        - {name: fetch, image: alpine, script: "cat $(workspaces.shared-data.path)/$(params.file)"}
"#;

#[test]
fn inline_pipeline_specs_take_params_and_workspaces_from_the_run() {
    assert_eq!(errors(PROPAGATED), Vec::<String>::new());
    let r = load("pr.yaml", PROPAGATED).unwrap();
    let pr = &r.pipeline_runs[0];
    let ctx = RunContext::from_pipeline_run(pr, "recipe");
    assert!(ctx.inline_spec);
    let state = PipelineRunState::new(pr.spec.pipeline_spec.as_ref().unwrap(), ctx).unwrap();
    let sim = simulate(state, None, |_| Some(SimOutcome::succeeded()));
    assert_eq!(sim.started[0].params[0].value.to_string(), "recipe.txt");
    // The same tasks in a Pipeline object must declare them.
    let pipeline = r#"
apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: recipe}
spec:
  tasks:
  - name: fetch-the-recipe
    workspaces: [{name: shared-data}]
    params: [{name: file, value: $(params.filename)}]
    taskSpec:
      params: [{name: file}]
      workspaces: [{name: shared-data}]
      steps:
      - {name: fetch, image: alpine, script: "cat $(workspaces.shared-data.path)/$(params.file)"}
"#;
    let got = errors(pipeline);
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(
        got[0].contains(
            "expects workspace with name \"shared-data\" but none exists in pipeline spec"
        ),
        "{got:?}"
    );
    assert!(
        got[1].contains("non-existent variable in \"$(params.filename)\""),
        "{got:?}"
    );
}

const CONSUMES_RESULTS: &str = r#"
apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: p}
spec:
  results:
  - {name: digest, value: $(tasks.build.results.digest)}
  tasks:
  - name: build
    taskSpec:
      results: [{name: digest}, {name: tags, type: array}]
      steps: [{name: s, image: alpine}]
  - name: push
    params:
    - {name: d, value: $(tasks.build.results.digest)}
    - {name: t, value: ["$(tasks.build.results.tags[*])"]}
    taskSpec:
      params: [{name: d}, {name: t, type: array}]
      steps: [{name: s, image: alpine}]
"#;

#[test]
fn simulated_tasks_emit_their_declared_results() {
    let r = load("p.yaml", CONSUMES_RESULTS).unwrap();
    let spec = &r.pipelines[0].spec;
    let with = |emit: bool| {
        let state = PipelineRunState::new(spec, RunContext::named("r", "p")).unwrap();
        simulate(state, None, |inst| {
            let results = match (&inst.task_spec, emit) {
                (Some(t), true) => placeholder_results(&inst.pipeline_task, t),
                _ => Default::default(),
            };
            Some(SimOutcome::Succeeded(results))
        })
    };
    let sim = with(true);
    assert_eq!(sim.state.condition().reason, "Succeeded");
    let push = sim
        .started
        .iter()
        .find(|i| i.pipeline_task == "push")
        .unwrap();
    assert_eq!(push.params[0].value.to_string(), "sim:build.digest");
    assert_eq!(push.params[1].value.to_string(), r#"["sim:build.tags"]"#);
    assert_eq!(
        sim.state.pipeline_results()["digest"].to_string(),
        "sim:build.digest"
    );
    assert_ne!(with(false).state.condition().reason, "Succeeded");
}

/// The reconciler's task-level check (`ValidateEnumParam` before each TaskRun): a value
/// outside the Task's `enum` fails the whole PipelineRun with `InvalidParamValue`; tasks
/// created before it ran. The value comes from a result, so the pipeline-level checks
/// (run values, enum subsets) cannot see it.
const TASK_ENUM_RUN: &str = r#"
apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: p}
spec:
  tasks:
  - name: build
    taskSpec:
      results: [{name: target}]
      steps: [{name: s, image: alpine}]
  - name: deploy
    params: [{name: env, value: $(tasks.build.results.target)}]
    TASK
"#;

fn task_enum_pipeline(task: &str) -> pipeline_core::PipelineSpec {
    let yaml = TASK_ENUM_RUN.replace("    TASK\n", task);
    load("p.yaml", &yaml).unwrap().pipelines[0].spec.clone()
}

fn target(env: &str) -> std::collections::BTreeMap<String, pipeline_core::ParamValue> {
    [(
        "target".to_string(),
        pipeline_core::ParamValue::String(env.to_string()),
    )]
    .into()
}

#[test]
fn a_task_enum_violation_fails_the_run_in_the_state_machine() {
    let spec = task_enum_pipeline(
        "    taskSpec:\n      params: [{name: env, enum: [dev, prod]}]\n      steps: [{name: s, image: alpine}]\n",
    );
    let sim = |env: &str| {
        let state = PipelineRunState::new(&spec, RunContext::named("r", "p")).unwrap();
        simulate(state, None, |_| Some(SimOutcome::Succeeded(target(env))))
    };
    assert_eq!(sim("prod").state.condition().reason, "Succeeded");
    let bad = sim("qa");
    assert_eq!(bad.batches, vec![vec!["build".to_string()]]);
    let c = bad.state.condition();
    assert_eq!(c.reason, "InvalidParamValue");
    assert_eq!(
        c.message,
        "Invalid param value from PipelineTask \"deploy\": param `env` value: qa is not in the enum list"
    );
    assert!(bad.state.is_done());
}

struct Emits(&'static str);

impl pipeline_core::TaskExecutor for Emits {
    fn execute(
        &self,
        _job: &pipeline_core::TaskJob,
        _logs: &dyn pipeline_core::LogSink,
    ) -> pipeline_core::TaskExecution {
        pipeline_core::TaskExecution {
            outcome: pipeline_core::ExecOutcome::Succeeded,
            results: target(self.0),
        }
    }
}

#[test]
fn the_runner_checks_catalogue_tasks_enums_before_running_them() {
    let spec = task_enum_pipeline("    taskRef: {name: deploy}\n");
    let task: pipeline_core::TaskSpec = serde_json::from_str(
        r#"{"params": [{"name": "env", "enum": ["dev", "prod"]}], "steps": [{"name": "s", "image": "alpine"}]}"#,
    )
    .unwrap();
    let catalogue: std::collections::BTreeMap<String, pipeline_core::TaskSpec> =
        [("deploy".to_string(), task)].into();
    let run = |executor: &Emits| {
        let state = PipelineRunState::new(&spec, RunContext::named("r", "p")).unwrap();
        pipeline_core::Runner::new(executor, &catalogue)
            .run(state, pipeline_core::RunInfo::default())
            .unwrap()
    };
    assert_eq!(run(&Emits("dev")).condition.reason, "Succeeded");
    let bad = run(&Emits("qa"));
    assert_eq!(bad.condition.reason, "InvalidParamValue");
    assert_eq!(
        bad.condition.message,
        "Invalid param value from PipelineTask \"deploy\": param `env` value: qa is not in the enum list"
    );
    assert_eq!(bad.task("build").unwrap().state.as_str(), "Succeeded");
    assert_ne!(bad.task("deploy").unwrap().state.as_str(), "Succeeded");
}

/// The runner enforces `timeouts.tasks` (from the run's start) and `timeouts.finally` (from
/// the first finally task), with real `sleep`s: the run ends `PipelineRunTimeout`, the
/// finally task still runs after a tasks timeout. No timing is asserted.
#[cfg(unix)]
#[test]
fn the_runner_enforces_tasks_and_finally_timeouts() {
    use std::time::Duration;
    let yaml = r#"
apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: p}
spec:
  tasks:
  - name: slow
    taskSpec:
      steps: [{name: s, image: alpine, script: "sleep 30"}]
  finally:
  - name: cleanup
    taskSpec:
      steps: [{name: s, image: alpine, script: "SLEEP"}]
"#;
    let run = |finally_script: &str, tasks: Option<u64>, finally: Option<u64>| {
        let r = load("p.yaml", &yaml.replace("SLEEP", finally_script)).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let executor = pipeline_core::LocalExecutor::new(tmp.path());
        let mut ctx = RunContext::named("r", "p");
        ctx.timeouts.tasks = tasks.map(|s| format!("{s}s"));
        ctx.timeouts.finally = finally.map(|s| format!("{s}s"));
        let state = PipelineRunState::new(&r.pipelines[0].spec, ctx).unwrap();
        pipeline_core::Runner::new(&executor, &r)
            .tasks_timeout(tasks.map(Duration::from_secs))
            .finally_timeout(finally.map(Duration::from_secs))
            .run(state, pipeline_core::RunInfo::default())
            .unwrap()
    };
    let out = run("true", Some(1), None);
    assert_eq!(out.condition.reason, "PipelineRunTimeout", "{out:?}");
    assert!(
        out.condition
            .message
            .contains("tasks failed to finish within \"1s\""),
        "{out:?}"
    );
    assert_eq!(out.task("cleanup").unwrap().state.as_str(), "Succeeded");
    assert_ne!(out.task("slow").unwrap().state.as_str(), "Succeeded");
    // The finally timeout: the DAG is cut short too, so both bounds are exercised.
    let out = run("sleep 30", Some(1), Some(1));
    assert_eq!(out.condition.reason, "PipelineRunTimeout", "{out:?}");
    assert_ne!(out.task("cleanup").unwrap().state.as_str(), "Succeeded");
}
