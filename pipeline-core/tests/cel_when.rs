//! CEL `when` expressions behind Tekton's `enable-cel-in-whenexpression` flag
//! ([`Limits::enable_cel_in_when`]). Cases from tektoncd/pipeline
//! `examples/v1/pipelineruns/alpha/pipelinerun-with-cel-when-expressions.yaml` and
//! `pkg/apis/pipeline/v1/when_validation.go` / `pipelinerunresolution.go` (`EvaluateCEL`):
//! evaluated after substitution in an empty environment; a non-bool or failed evaluation fails
//! the run `CELEvaluationFailed`; false skips the task "When Expressions evaluated to false".
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;

use pipeline_core::simulate::{SimOutcome, simulate};
use pipeline_core::{Limits, ParamValue, PipelineRunState, RunContext, load};

const PIPELINE: &str = r#"
apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: guarded}
spec:
  params: [{name: path, type: string, default: README.md}]
  tasks:
  - name: create-file
    when: [{cel: "'$(params.path)' == 'README.md'"}]
    taskSpec: {steps: [{name: s, image: ubuntu, script: "true"}]}
  - name: check-file
    runAfter: [create-file]
    taskSpec:
      results: [{name: exists}]
      steps: [{name: s, image: alpine, script: "true"}]
  - name: echo-file-exists
    when: [{cel: "'$(tasks.check-file.results.exists)' == 'yes'"}]
    taskSpec: {steps: [{name: s, image: ubuntu, script: "true"}]}
  - name: task-should-be-skipped-1
    when: [{cel: "'$(tasks.check-file.results.exists)'=='missing'"}]
    taskSpec: {steps: [{name: s, image: ubuntu, script: "true"}]}
  - name: task-should-be-skipped-2
    when: [{cel: "'$(params.path)'.endsWith('.txt') || '$(params.path)' in ['a', 'b']"}]
    taskSpec: {steps: [{name: s, image: ubuntu, script: "true"}]}
"#;

fn cel_on() -> Limits {
    Limits::default().enable_cel_in_when(true)
}

fn sim(yaml: &str) -> pipeline_core::simulate::Simulation {
    let r = load("p.yaml", yaml).unwrap();
    let state = PipelineRunState::with_limits(
        r.pipelines[0].spec.clone(),
        RunContext::named("pr", "guarded"),
        cel_on(),
    )
    .unwrap();
    simulate(state, None, |inst| {
        let mut results = BTreeMap::new();
        if inst.pipeline_task == "check-file" {
            results.insert("exists".to_string(), ParamValue::String("yes".into()));
        }
        Some(SimOutcome::Succeeded(results))
    })
}

#[test]
fn without_the_flag_cel_is_refused_as_tekton_refuses_it() {
    let r = load("p.yaml", PIPELINE).unwrap();
    let e = PipelineRunState::new(&r.pipelines[0].spec, RunContext::named("pr", "guarded"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("feature flag enable-cel-in-whenexpression should be set to true to use CEL: '$(params.path)' == 'README.md' in WhenExpression"),
        "{e}"
    );
}

#[test]
fn with_the_flag_cel_guards_tasks_after_substitution() {
    let s = sim(PIPELINE);
    let status = |t: &str| s.state.task_status(t).unwrap();
    assert_eq!(status("create-file").reason, "Succeeded");
    assert_eq!(status("echo-file-exists").reason, "Succeeded");
    assert_eq!(
        status("task-should-be-skipped-1").reason,
        "When Expressions evaluated to false"
    );
    assert_eq!(
        status("task-should-be-skipped-2").reason,
        "When Expressions evaluated to false"
    );
    assert_eq!(s.state.condition().reason, "Completed");
}

#[test]
fn validation_with_the_flag() {
    let errors = |when: &str| {
        let yaml = format!(
            "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {{name: p}}\nspec:\n  tasks:\n  - name: a\n    when: [{when}]\n    taskSpec: {{steps: [{{name: s, image: alpine}}]}}\n"
        );
        let r = load("p.yaml", &yaml).unwrap();
        pipeline_core::validate::pipeline_errors_with_limits("p", &r.pipelines[0].spec, &cel_on())
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
    };
    assert!(errors("{cel: \"'a' == 'a'\"}").is_empty());
    let e = errors("{cel: \"'a' == 'a'\", input: a, operator: in, values: [a]}");
    assert!(
        e[0].contains("cel and input+operator+values cannot be set in one WhenExpression"),
        "{e:?}"
    );
    // Unquoted variables are not CEL (Tekton's webhook compiles before substitution).
    let e = errors("{cel: \"$(params.x) == 'a'\"}");
    assert!(
        e[0].contains("invalid cel expression: $(params.x) == 'a' with err:"),
        "{e:?}"
    );
}

#[test]
fn a_failed_evaluation_fails_the_run_cel_evaluation_failed() {
    let yaml = PIPELINE.replace("'$(params.path)' == 'README.md'", "'$(params.path)' + 'x'");
    let s = sim(&yaml);
    let c = s.state.condition();
    assert_eq!(c.reason, "CELEvaluationFailed", "{c:?}");
    assert!(
        c.message.starts_with("Error evaluating CEL pr: The CEL expression 'README.md' + 'x' is not evaluated to a boolean"),
        "{c:?}"
    );
    // Nothing of that round was started as a run.
    assert_ne!(
        s.state.task_status("create-file").unwrap().reason,
        "Succeeded"
    );
    assert!(s.started.is_empty(), "{:?}", s.started);
}
