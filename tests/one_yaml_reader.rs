//! Every crate reads the same YAML into the same values: kube-object's reader is the one
//! path (`0644` is the integer 420, `yes` stays the string "yes", as kustomize reads them).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![cfg(all(
    feature = "kustomize",
    feature = "triggers",
    feature = "pipeline",
    feature = "gitops",
    feature = "image"
))]

use gitops_toolkit::{gitops, kustomize, pipeline, triggers};
use serde_json::{Value, json};

const SPEC: &str = "spec: {octal: 0644, yes1: yes, float: 1.0, date: 2020-01-01}";

fn expected() -> Value {
    json!({"octal": 420, "yes1": "yes", "float": 1.0, "date": "2020-01-01T00:00:00Z"})
}

#[test]
fn kustomize_build_reads_it_as_kube_object_does() {
    let mut fs = kustomize::MemoryFs::new();
    fs.insert("app/kustomization.yaml", "resources: [x.yaml]\n");
    fs.insert(
        "app/x.yaml",
        format!("apiVersion: example.com/v1\nkind: X\nmetadata: {{name: x}}\n{SPEC}\n"),
    );
    let out = kustomize::build_with(&fs, "app", kustomize::Options::default()).unwrap();
    assert_eq!(out[0]["spec"], expected());
}

#[test]
fn a_trigger_template_reads_it_as_kube_object_does() {
    let text = format!(
        "apiVersion: triggers.tekton.dev/v1beta1\nkind: TriggerTemplate\nmetadata: {{name: t}}\n\
         spec:\n  resourcetemplates:\n  - apiVersion: example.com/v1\n    kind: X\n    \
         metadata: {{name: x}}\n    {SPEC}\n"
    );
    let res = triggers::Resources::from_yaml("t.yaml", &text).unwrap();
    assert_eq!(
        res.trigger_templates[0].spec.resourcetemplates[0]["spec"],
        expected()
    );
}

#[test]
fn gitops_objects_read_it_as_kube_object_does() {
    let text = format!("apiVersion: example.com/v1\nkind: X\nmetadata: {{name: x}}\n{SPEC}\n");
    let objs = gitops::model::parse_objects(&text, "x.yaml").unwrap();
    let gitops::model::Object::Other(v) = &objs[0] else {
        panic!("not an Other object: {:?}", objs[0]);
    };
    assert_eq!(v["spec"], expected());
}

#[test]
fn a_pipeline_run_param_reads_it_as_tekton_does() {
    // Tekton decodes a non-string scalar param value into its JSON text: 420, not 0644 or
    // 644; `yes` stays "yes".
    let text = "apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata: {name: r}\n\
                spec:\n  pipelineRef: {name: p}\n  params:\n  - {name: octal, value: 0644}\n  \
                - {name: yes1, value: yes}\n";
    let res = pipeline::load("r.yaml", text).unwrap();
    let params = &res.pipeline_runs[0].spec.params;
    assert_eq!(params[0].value.as_str(), Some("420"));
    assert_eq!(params[1].value.as_str(), Some("yes"));
}

#[test]
fn the_one_reader_itself() {
    let docs = gitops_toolkit::object::yaml::parse_stream(SPEC, "s.yaml").unwrap();
    assert_eq!(docs[0]["spec"], expected());
}
