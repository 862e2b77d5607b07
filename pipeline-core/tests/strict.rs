//! Strict fields, as a Tekton cluster admits objects: unknown fields are refused (naming
//! document, kind, name and path), by the API server's structural schema (exact names) and,
//! inside embedded specs, by Tekton's webhook (Go's case-insensitive names). Cases from tektoncd/catalog (`git-clone/0.10/samples`: a `v1`
//! PipelineRun with the `v1beta1`-only `spec.podTemplate`; `golang-fuzz/0.1/tests`:
//! `subpath`) and tektoncd/pipeline `examples/v1/pipelineruns/beta/isolated-workspaces.yaml`
//! (`mountpath`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use pipeline_core::{Error, load};

const MISSPELLED: &str = "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: build}\nspec:\n  tasks:\n  - {name: a, taskRef: {name: t}}\n  - {name: b, taskRef: {name: t}, runAftr: [a]}\n";

#[test]
fn a_misspelled_field_is_an_error_naming_where() {
    let err = load("p.yaml", MISSPELLED).unwrap_err();
    match &err {
        Error::UnknownFields {
            document,
            kind,
            name,
            paths,
            ..
        } => {
            assert_eq!(
                (*document, kind.as_str(), name.as_str()),
                (0, "Pipeline", "build")
            );
            assert_eq!(paths, &vec!["spec.tasks[1].runAftr".to_string()]);
        }
        other => panic!("{other}"),
    }
    assert_eq!(
        err.to_string(),
        "p.yaml: document 0 (Pipeline \"build\"): unknown field(s): spec.tasks[1].runAftr"
    );
}

/// Where the CRD's structural schema applies, the API server compares names exactly
/// (`runafter` is refused as `runAftr` is). tektoncd/catalog `golang-fuzz/0.1/tests/run.yaml`
/// writes `subpath` there and is refused the same way.
#[test]
fn another_letter_case_is_unknown_where_the_api_server_checks() {
    let yaml = MISSPELLED.replace("runAftr", "runafter");
    let err = load("p.yaml", &yaml).unwrap_err().to_string();
    assert!(
        err.ends_with("unknown field(s): spec.tasks[1].runafter"),
        "{err}"
    );
    let ws = "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: p}\nspec:\n  workspaces: [{name: w}]\n  tasks:\n  - name: a\n    taskRef: {name: t}\n    workspaces: [{name: src, workspace: w, subpath: dir}]\n";
    let err = load("p.yaml", ws).unwrap_err().to_string();
    assert!(
        err.ends_with("unknown field(s): spec.tasks[0].workspaces[0].subpath"),
        "{err}"
    );
}

/// Below a `taskSpec` or `pipelineSpec` (left open by the CRDs) only the webhook checks, with
/// Go's case-insensitive match: accepted, and ignored as Tekton's controller ignores it.
/// tektoncd/pipeline `examples/v1/pipelineruns/beta/isolated-workspaces.yaml` (`mountpath`).
#[test]
fn another_letter_case_in_an_embedded_spec_is_accepted_and_ignored() {
    let yaml = r#"
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {name: r}
spec:
  pipelineSpec:
    tasks:
    - name: a
      taskSpec:
        workspaces: [{name: w}]
        steps:
        - name: s
          image: alpine
          workingdir: /elsewhere
          workspaces: [{name: w, mountpath: /custom}]
"#;
    let r = load("r.yaml", yaml).unwrap();
    let step = &r.pipeline_runs[0]
        .spec
        .pipeline_spec
        .as_ref()
        .unwrap()
        .tasks[0]
        .task_spec
        .as_ref()
        .unwrap()
        .steps[0];
    assert_eq!(step.working_dir, "");
    let folded: Vec<(&str, &str)> = r
        .folded_fields
        .iter()
        .map(|f| (f.path.as_str(), f.field.as_str()))
        .collect();
    assert_eq!(
        folded,
        vec![
            (
                "spec.pipelineSpec.tasks[0].taskSpec.steps[0].workingdir",
                "workingDir"
            ),
            (
                "spec.pipelineSpec.tasks[0].taskSpec.steps[0].workspaces[0].mountpath",
                "mountPath"
            ),
        ]
    );
    // A misspelling there is still refused, by the webhook.
    let bad = yaml.replace("mountpath", "mountPth");
    let err = load("r.yaml", &bad).unwrap_err().to_string();
    assert!(err.contains("steps[0].workspaces[0].mountPth"), "{err}");
}

#[test]
fn fields_are_those_of_the_document_api_version() {
    let run = |api: &str| {
        format!(
            "apiVersion: {api}\nkind: PipelineRun\nmetadata: {{name: r}}\nspec:\n  pipelineRef: {{name: p}}\n  podTemplate: {{nodeSelector: {{a: b}}}}\n"
        )
    };
    assert!(load("r.yaml", &run("tekton.dev/v1beta1")).is_ok());
    let err = load("r.yaml", &run("tekton.dev/v1"))
        .unwrap_err()
        .to_string();
    assert!(
        err.ends_with("(PipelineRun \"r\"): unknown field(s): spec.podTemplate"),
        "{err}"
    );
    let v1 = "apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata: {name: r}\nspec:\n  pipelineRef: {name: p}\n  taskRunTemplate: {podTemplate: {nodeSelector: {a: b}}, serviceAccountName: sa}\n";
    assert!(load("r.yaml", v1).is_ok());
}

#[test]
fn every_tekton_field_of_a_rich_document_is_known() {
    let yaml = r#"
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: t
  namespace: ns
  labels: {app.kubernetes.io/version: "0.1"}
  annotations: {tekton.dev/pipelines.minVersion: "0.50.0"}
spec:
  displayName: T
  description: d
  params:
  - {name: p, type: string, description: d, default: a, enum: [a, b]}
  - name: o
    type: object
    properties: {url: {type: string}}
  results:
  - {name: r, type: string, description: d}
  workspaces:
  - {name: w, description: d, mountPath: /w, readOnly: true, optional: true}
  volumes:
  - {name: v, emptyDir: {}}
  stepTemplate:
    image: alpine
    env: [{name: A, valueFrom: {secretKeyRef: {name: s, key: k}}}]
    securityContext: {runAsNonRoot: true}
  sidecars:
  - {name: s, image: registry, readinessProbe: {periodSeconds: 1}}
  steps:
  - name: s
    image: alpine
    imagePullPolicy: IfNotPresent
    workingDir: /w
    onError: continue
    timeout: 1m
    computeResources: {limits: {cpu: "1"}}
    volumeMounts: [{name: v, mountPath: /v}]
    stdoutConfig: {path: /tmp/out}
    script: echo
  - name: r
    ref:
      resolver: git
      params: [{name: url, value: https://example.invalid/x.git}]
"#;
    let r = load("t.yaml", yaml).unwrap();
    assert!(r.folded_fields.is_empty());
    let bad = yaml.replace("readOnly: true", "readonly: true, readOnlyy: true");
    let err = load("t.yaml", &bad).unwrap_err().to_string();
    assert!(
        err.ends_with(
            "unknown field(s): spec.workspaces[0].readonly, spec.workspaces[0].readOnlyy"
        ),
        "{err}"
    );
}

/// The CRDs' schemas include the Kubernetes types Tekton embeds, so the API server refuses a
/// misspelled container or volume field too. tektoncd/catalog
/// `buildah/*/samples/openshift-internal-registry.yaml` binds a workspace to
/// `configMap: {name: ..., namespace: ...}`, a field `ConfigMapVolumeSource` does not have.
#[test]
fn kubernetes_fields_inside_tekton_objects_are_checked_too() {
    let task = r#"
apiVersion: tekton.dev/v1
kind: Task
metadata: {name: t}
spec:
  steps:
  - name: s
    image: alpine
    env:
    - {name: A, valueFrom: {secretKeyRef: {name: s, key: k}}}
    - {name: B, valueFom: {secretKeyRef: {name: s, key: k}}}
    computeResources: {limits: {cpu: "1"}, request: {cpu: "1"}}
"#;
    let err = load("t.yaml", task).unwrap_err().to_string();
    assert!(
        err.ends_with(
            "unknown field(s): spec.steps[0].env[1].valueFom, spec.steps[0].computeResources.request"
        ),
        "{err}"
    );
    let run = "apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata: {name: r}\nspec:\n  pipelineRef: {name: p}\n  workspaces:\n  - name: certs\n    configMap: {name: ca, namespace: openshift-config}\n";
    let err = load("r.yaml", run).unwrap_err().to_string();
    assert!(
        err.ends_with("unknown field(s): spec.workspaces[0].configMap.namespace"),
        "{err}"
    );
    assert!(load("r.yaml", &run.replace(", namespace: openshift-config", "")).is_ok());
}
