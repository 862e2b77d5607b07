//! Streams of any documents, each Tekton object validated by its kind. Cases written after
//! false rejections seen on tektoncd/catalog and tektoncd/pipeline `examples/`; expected
//! messages follow Tekton's `pkg/apis/pipeline/v1` validation.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use pipeline_core::load;
use pipeline_core::validate::{resource_errors, unresolved_references};

fn errors(yaml: &str) -> Vec<String> {
    let r = load("case.yaml", yaml).unwrap();
    resource_errors(&r)
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// A catalog-style file: one Task, steps with only an image (the image's entrypoint runs),
/// a stepTemplate, a sidecar, step onError/displayName/computeResources/workingDir.
const TASK_ONLY: &str = r#"
apiVersion: tekton.dev/v1
kind: Task
metadata: {name: kaniko}
spec:
  params:
  - {name: IMAGE, description: where to push}
  stepTemplate:
    env: [{name: HOME, value: /tekton/home}]
    computeResources: {requests: {cpu: 100m}}
  sidecars:
  - name: registry
    image: registry:2
  steps:
  - name: build
    image: gcr.io/kaniko-project/executor:v1.9.0
    args: ["--destination=$(params.IMAGE)"]
    workingDir: /workspace
    onError: continue
    displayName: Build and push
    computeResources: {limits: {memory: 1Gi}}
  - name: only-image
    image: alpine
"#;

#[test]
fn a_file_of_tasks_only_is_valid() {
    let r = load("task.yaml", TASK_ONLY).unwrap();
    assert_eq!(r.tasks.len(), 1);
    assert!(r.pipelines.is_empty());
    let t = &r.tasks[0].spec;
    assert_eq!(t.sidecars[0].image, "registry:2");
    assert_eq!(t.step_template.as_ref().unwrap().env[0].name, "HOME");
    assert_eq!(t.steps[0].display_name, "Build and push");
    assert_eq!(t.steps[0].working_dir, "/workspace");
    assert!(t.steps[0].compute_resources.is_some());
    assert_eq!(errors(TASK_ONLY), Vec::<String>::new());
}

#[test]
fn a_step_needs_an_image_unless_the_template_gives_one() {
    let yaml = "apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: t}\nspec:\n  steps:\n  - {name: s, script: echo hi}\n";
    assert_eq!(
        errors(yaml),
        vec!["task \"t\": missing field(s): steps[0].Image"]
    );
    let templated = "apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: t}\nspec:\n  stepTemplate: {image: alpine}\n  steps:\n  - {name: s, script: echo hi}\n";
    assert_eq!(errors(templated), Vec::<String>::new());
    let both = "apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: t}\nspec:\n  steps:\n  - {name: s, image: alpine, script: echo, command: [sh]}\n";
    assert_eq!(
        errors(both),
        vec!["task \"t\": script cannot be used with command: steps[0].script"]
    );
}

/// tektoncd/pipeline `examples/v1/taskruns/beta/stepaction*.yaml`: a StepAction and a
/// TaskRun whose step refers to it.
const STEP_ACTION: &str = r#"
apiVersion: tekton.dev/v1beta1
kind: StepAction
metadata: {name: step-action}
spec:
  params:
  - {name: message, default: hello}
  image: alpine
  script: echo $(params.message)
---
apiVersion: tekton.dev/v1
kind: TaskRun
metadata: {name: step-action-run}
spec:
  taskSpec:
    steps:
    - name: action-runner
      ref: {name: step-action}
      params: [{name: message, value: hi}]
"#;

#[test]
fn steps_with_ref_and_step_actions_validate() {
    let r = load("sa.yaml", STEP_ACTION).unwrap();
    assert_eq!(r.step_actions.len(), 1);
    assert_eq!(r.task_runs.len(), 1);
    let step = &r.task_runs[0].spec.task_spec.as_ref().unwrap().steps[0];
    assert_eq!(step.step_ref.as_ref().unwrap().name, "step-action");
    assert_eq!(errors(STEP_ACTION), Vec::<String>::new());
    assert!(unresolved_references(&r).is_empty());
}

#[test]
fn a_ref_step_cannot_also_have_an_image_or_script() {
    let yaml = "apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: t}\nspec:\n  steps:\n  - name: s\n    ref: {name: a}\n    image: alpine\n    script: echo\n";
    assert_eq!(
        errors(yaml),
        vec![
            "task \"t\": image cannot be used with Ref: steps[0].image",
            "task \"t\": script cannot be used with Ref: steps[0].script",
        ]
    );
    let params = "apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: t}\nspec:\n  steps:\n  - name: s\n    image: alpine\n    params: [{name: a, value: b}]\n";
    assert_eq!(
        errors(params),
        vec!["task \"t\": params cannot be used without Ref: steps[0].params"]
    );
    let no_image = "apiVersion: tekton.dev/v1alpha1\nkind: StepAction\nmetadata: {name: sa}\nspec:\n  script: echo\n";
    assert_eq!(
        errors(no_image),
        vec!["stepaction \"sa\": missing field(s): Image"]
    );
}

#[test]
fn taskruns_need_exactly_one_of_ref_and_spec() {
    let neither = "apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata: {name: tr}\nspec:\n  params: [{name: a, value: b}]\n";
    assert_eq!(
        errors(neither),
        vec!["taskrun \"tr\": expected exactly one, got neither: taskRef, taskSpec"]
    );
    let by_ref = "apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata: {name: tr}\nspec:\n  taskRef: {name: elsewhere}\n";
    assert_eq!(errors(by_ref), Vec::<String>::new());
    let r = load("tr.yaml", by_ref).unwrap();
    let notes: Vec<String> = unresolved_references(&r)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        notes,
        vec![
            "taskrun \"tr\": Task \"elsewhere\" is not among the given documents, not checked: taskRef"
        ]
    );
}

/// catalog `task/*/tests/resources.yaml` and `samples/*.yaml`: PVCs, Secrets, RBAC next to
/// the Tekton objects.
#[test]
fn other_documents_are_skipped_not_fatal() {
    let yaml = r#"
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: source-pvc}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 500Mi}}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: crb}
---
apiVersion: tekton.dev/v1beta1
kind: TaskRun
metadata: {name: run}
spec:
  taskSpec:
    steps: [{name: s, image: alpine}]
"#;
    let r = load("mixed.yaml", yaml).unwrap();
    let skipped: Vec<&str> = r.skipped.iter().map(|s| s.kind.as_str()).collect();
    assert_eq!(skipped, vec!["PersistentVolumeClaim", "ClusterRoleBinding"]);
    assert_eq!(r.task_runs.len(), 1);
    assert_eq!(errors(yaml), Vec::<String>::new());
}

#[test]
fn embedded_task_specs_follow_the_same_step_rules() {
    let yaml = "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: p}\nspec:\n  tasks:\n  - name: a\n    taskSpec:\n      steps:\n      - {name: only-image, image: alpine}\n      - {name: no-image, script: echo}\n";
    assert_eq!(
        errors(yaml),
        vec!["pipeline \"p\": task \"a\": missing field(s): tasks[0].taskSpec.steps[1].Image"]
    );
}

/// Tekton's `ValidateUsageOfDeclaredParameters`: a Task object declares what its steps use;
/// an inline taskSpec may use parameters propagated from its run.
#[test]
fn a_task_declares_the_params_its_steps_use() {
    let task = "apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: t}\nspec:\n  params: [{name: url}, {name: cfg, type: object, properties: {a: {}}}]\n  steps:\n  - name: s\n    image: alpine\n    args: [\"$(params.url)\", \"$(params['url'])\", \"$(params.cfg.a)\"]\n    env: [{name: X, value: $(params.missing)}]\n";
    assert_eq!(
        errors(task),
        vec!["task \"t\": non-existent variable in \"$(params.missing)\": steps[0].env[X]"]
    );
    let inline = "apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata: {name: tr}\nspec:\n  params: [{name: missing, value: v}]\n  taskSpec:\n    steps:\n    - {name: s, image: alpine, script: echo $(params.missing)}\n";
    assert_eq!(errors(inline), Vec::<String>::new());
}

/// tektoncd/pipeline `examples/v1/pipelineruns/alpha/pipelines-in-pipelines*.yaml`: an alpha
/// feature, refused with Tekton's feature-gate message at the default `beta` level.
#[test]
fn pipelines_in_pipelines_need_the_alpha_gate() {
    let yaml = "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: p}\nspec:\n  tasks:\n  - name: child\n    pipelineSpec:\n      tasks: [{name: a, taskRef: {name: t}}]\n  - name: both\n    taskRef: {name: t}\n    pipelineRef: {name: other}\n";
    assert_eq!(
        errors(yaml),
        vec![
            "pipeline \"p\": task \"child\": pipelineSpec requires \"enable-api-fields\" feature gate to be \"alpha\" but it is \"beta\": tasks[0].pipelineSpec",
            "pipeline \"p\": task \"both\": pipelineRef requires \"enable-api-fields\" feature gate to be \"alpha\" but it is \"beta\": tasks[1].pipelineRef",
            "pipeline \"p\": task \"both\": expected exactly one, got multiple: tasks[1].taskRef, tasks[1].pipelineRef",
        ]
    );
}

/// Tekton's `ValidateNameFormat` and `TaskResult.Validate` (`ResultNameFormat`).
#[test]
fn param_and_result_names_follow_tekton_formats() {
    let yaml = r#"
apiVersion: tekton.dev/v1
kind: Task
metadata: {name: t}
spec:
  params:
  - {name: ok.dotted-name_1}
  - {name: 1bad}
  - {name: "has space"}
  - name: obj.dotted
    type: object
    properties: {good: {}, "bad.key": {}}
  results:
  - {name: digest}
  - {name: -bad}
  - {name: obj, type: object}
  steps: [{name: s, image: alpine}]
"#;
    assert_eq!(
        errors(yaml),
        vec![
            "task \"t\": The format of following array and string variable names is invalid: [1bad has space]: params",
            "task \"t\": Object param name and key name format is invalid: map[obj.dotted:[bad.key]]: params",
            "task \"t\": invalid key name \"-bad\": results[1].name",
            "task \"t\": missing field(s): results[2].obj.properties",
        ]
    );
}

/// Tekton's `MergeStepsWithStepTemplate`, seen by a real `sh` through the local executor.
#[cfg(unix)]
#[test]
fn steps_run_merged_with_the_step_template() {
    let yaml = r#"
apiVersion: tekton.dev/v1
kind: Task
metadata: {name: greet}
spec:
  results: [{name: out}]
  stepTemplate:
    image: alpine
    env: [{name: A, value: from-template}, {name: B, value: template-b}]
  steps:
  - name: s
    env: [{name: B, value: from-step}]
    script: printf '%s %s' "$A" "$B" > $(results.out.path)
  - name: image-only
    image: alpine
---
apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: p}
spec:
  tasks: [{name: a, taskRef: {name: greet}}]
"#;
    let r = load("t.yaml", yaml).unwrap();
    assert_eq!(errors(yaml), Vec::<String>::new());
    let tmp = tempfile::tempdir().unwrap();
    let executor = pipeline_core::LocalExecutor::new(tmp.path());
    let state = pipeline_core::PipelineRunState::new(
        &r.pipelines[0].spec,
        pipeline_core::RunContext::named("r", "p"),
    )
    .unwrap();
    let out = pipeline_core::Runner::new(&executor, &r)
        .logs(&pipeline_core::NoLogs)
        .run(state, pipeline_core::RunInfo::default())
        .unwrap();
    let a = out.task("a").unwrap();
    assert_eq!(a.results["out"].to_string(), "from-template from-step");
    // The image's own entrypoint cannot run locally: said, not silently skipped.
    assert!(
        a.messages
            .iter()
            .any(|m| m.contains("runs the entrypoint of image \"alpine\"")),
        "{a:?}"
    );
    // The outcome serializes for a host (camelCase, durations in seconds, states as words).
    let json = serde_json::to_value(&out).unwrap();
    assert_eq!(json["condition"]["type"], "Succeeded", "{json}");
    assert_eq!(json["condition"]["status"], "False", "{json}");
    assert!(json["durationSeconds"].is_f64(), "{json}");
    let task = &json["tasks"][0];
    assert_eq!(task["name"], "a");
    assert_eq!(task["state"], "Failed");
    assert!(
        task["messages"][0]
            .as_str()
            .unwrap()
            .contains("image \"alpine\"")
    );
    assert_eq!(task["results"]["out"], "from-template from-step");
    assert!(
        task["startedSeconds"].is_f64() && task["durationSeconds"].is_f64(),
        "{json}"
    );
}

/// A step that refers to a StepAction runs it, its params from the step (else the
/// StepAction's defaults), through the runner and a real `sh`.
#[cfg(unix)]
#[test]
fn step_actions_run_through_the_local_executor() {
    let yaml = r#"
apiVersion: tekton.dev/v1beta1
kind: StepAction
metadata: {name: write}
spec:
  image: alpine
  params:
  - {name: text}
  - {name: suffix, default: "!"}
  script: printf '%s%s' "$(params.text)" "$(params.suffix)" > "$(results.out.path)"
---
apiVersion: tekton.dev/v1
kind: Task
metadata: {name: t}
spec:
  params: [{name: who}]
  results: [{name: out}]
  steps:
  - name: run-action
    ref: {name: write}
    params: [{name: text, value: "hello $(params.who)"}]
---
apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: p}
spec:
  tasks:
  - {name: a, taskRef: {name: t}, params: [{name: who, value: tekton}]}
"#;
    assert_eq!(errors(yaml), Vec::<String>::new());
    let r = load("sa.yaml", yaml).unwrap();
    let run = |r: &pipeline_core::Resources| {
        let tmp = tempfile::tempdir().unwrap();
        let executor = pipeline_core::LocalExecutor::new(tmp.path());
        let state = pipeline_core::PipelineRunState::new(
            &r.pipelines[0].spec,
            pipeline_core::RunContext::named("r", "p"),
        )
        .unwrap();
        pipeline_core::Runner::new(&executor, r)
            .logs(&pipeline_core::NoLogs)
            .run(state, pipeline_core::RunInfo::default())
            .unwrap()
    };
    let out = run(&r);
    let a = out.task("a").unwrap();
    assert_eq!(a.results["out"].to_string(), "hello tekton!", "{a:?}");
    // Without the StepAction in the catalogue the task fails, saying which one is missing.
    let mut without = r.clone();
    without.step_actions.clear();
    let out = run(&without);
    let a = out.task("a").unwrap();
    assert_eq!(a.state.as_str(), "Failed");
    assert!(
        a.messages
            .iter()
            .any(|m| m.contains("StepAction \"write\" not found")),
        "{a:?}"
    );
}
