//! Strict fields, as Tekton's webhook decodes objects: unknown fields are refused (naming
//! document, kind, name and path); a name in another letter case is Go's case-insensitive
//! match and is honoured. Cases from tektoncd/catalog (`git-clone/0.10/samples`: a `v1`
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

#[test]
fn another_letter_case_is_read_as_tekton_reads_it() {
    let yaml = MISSPELLED.replace("runAftr", "runafter");
    let r = load("p.yaml", &yaml).unwrap();
    assert_eq!(
        r.pipelines[0].spec.tasks[1].run_after,
        vec!["a".to_string()]
    );
    assert_eq!(r.folded_fields.len(), 1);
    assert_eq!(r.folded_fields[0].path, "spec.tasks[1].runafter");
    assert_eq!(r.folded_fields[0].field, "runAfter");
    let ws = "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: p}\nspec:\n  workspaces: [{name: w}]\n  tasks:\n  - name: a\n    taskRef: {name: t}\n    workspaces: [{name: src, workspace: w, subpath: dir}]\n";
    let r = load("p.yaml", ws).unwrap();
    assert_eq!(r.pipelines[0].spec.tasks[0].workspaces[0].sub_path, "dir");
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
        err.ends_with("unknown field(s): spec.workspaces[0].readOnlyy"),
        "{err}"
    );
}
