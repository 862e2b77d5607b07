//! `vars` and `configurations` (custom field specs). Expected outputs were printed by
//! `kubectl kustomize` (kustomize v5.5) for the same trees.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use kustomize_lite::{MemoryFs, build_to_string};

#[test]
fn vars_follow_prefixes_keep_types_and_reach_configured_fields() {
    // A base declares vars (a Service's name, its port) and a configuration adding a
    // varReference and a nameReference for a custom kind; the overlay adds a prefix.
    let fs: MemoryFs = [
        ("base/kustomization.yaml", "resources:\n- app.yaml\nconfigurations:\n- config.yaml\nvars:\n- name: SVC\n  objref:\n    kind: Service\n    name: web\n    apiVersion: v1\n- name: PORT\n  objref:\n    kind: Service\n    name: web\n    apiVersion: v1\n  fieldref:\n    fieldpath: spec.ports[0].port\n"),
        ("base/config.yaml", "varReference:\n- kind: Probe\n  path: spec/target\nnameReference:\n- kind: ConfigMap\n  version: v1\n  fieldSpecs:\n  - kind: Probe\n    path: spec/configRef\n"),
        ("base/app.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n  - port: 8080\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: b\n---\napiVersion: example.com/v1\nkind: Probe\nmetadata:\n  name: check\n  annotations:\n    url: http://$(SVC):$(PORT)/health\nspec:\n  target: $(SVC)\n  port: $(PORT)\n  configRef: settings\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx\n        args: [\"--upstream=$(SVC)\", \"$$(SVC)\", \"$(UNKNOWN)\"]\n        env:\n        - name: PORT\n          value: $(PORT)\n"),
        ("overlay/kustomization.yaml", "resources:\n- ../base\nnamePrefix: prod-\n"),
    ]
    .into_iter()
    .collect();
    let want = "apiVersion: v1\ndata:\n  a: b\nkind: ConfigMap\nmetadata:\n  name: prod-settings\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: prod-web\nspec:\n  ports:\n  - port: 8080\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: prod-web\nspec:\n  template:\n    spec:\n      containers:\n      - args:\n        - --upstream=prod-web\n        - $(SVC)\n        - $(UNKNOWN)\n        env:\n        - name: PORT\n          value: 8080\n        image: nginx\n        name: web\n---\napiVersion: example.com/v1\nkind: Probe\nmetadata:\n  annotations:\n    url: http://prod-web:8080/health\n  name: prod-check\nspec:\n  configRef: prod-settings\n  port: $(PORT)\n  target: prod-web\n";
    assert_eq!(build_to_string(&fs, "overlay").unwrap(), want);
}

#[test]
fn a_var_naming_no_object_is_refused_in_kustomizes_words() {
    let fs: MemoryFs = [
        (
            "kustomization.yaml",
            "resources:\n- svc.yaml\nvars:\n- name: SVC\n  objref:\n    kind: Service\n    name: nope\n    apiVersion: v1\n",
        ),
        ("svc.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n"),
    ]
    .into_iter()
    .collect();
    // kustomize: var '{SVC Service.v1.[noGrp] {metadata.name}}' cannot be mapped to a
    // field in the set of known resources
    let e = build_to_string(&fs, "").unwrap_err().to_string();
    assert!(
        e.contains("var '{SVC Service.v1.[noGrp] {metadata.name}}' cannot be mapped to a field in the set of known resources"),
        "{e}"
    );
}

#[test]
fn a_configuration_adds_an_image_field_of_a_custom_kind() {
    // kustomize's TestTransfomersImageCustomConfig: a knative Service's single `container`.
    let fs: MemoryFs = [
        ("kustomization.yaml", "resources:\n- knative.yaml\nconfigurations:\n- config/knative.yaml\nimages:\n- name: solsa-echo\n  newTag: foo\n"),
        ("knative.yaml", "\napiVersion: serving.knative.dev/v1alpha1\nkind: Service\nmetadata:\n  name: echo\nspec:\n  runLatest:\n    configuration:\n      revisionTemplate:\n        spec:\n          container:\n            image: solsa-echo\n"),
        ("config/knative.yaml", "\nimages:\n- path: spec/runLatest/configuration/revisionTemplate/spec/container/image\n  group: serving.knative.dev\n  version: v1alpha1\n  kind: Service\n"),
    ]
    .into_iter()
    .collect();
    let want = "apiVersion: serving.knative.dev/v1alpha1\nkind: Service\nmetadata:\n  name: echo\nspec:\n  runLatest:\n    configuration:\n      revisionTemplate:\n        spec:\n          container:\n            image: solsa-echo:foo\n";
    assert_eq!(build_to_string(&fs, "").unwrap(), want);
}
