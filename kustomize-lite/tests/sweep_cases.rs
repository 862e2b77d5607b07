//! Cases found by the differential sweep of public trees against `kubectl kustomize`
//! (`benches/kustomize_differential.sh`), each reduced to a small tree of our own. Expected
//! outputs were printed by `kubectl kustomize` (kustomize v5.5) for the same trees.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use kustomize_lite::{MemoryFs, build_to_string};

#[test]
fn a_reference_picks_the_candidate_sharing_its_prefix_when_the_other_side_has_no_suffix() {
    // Two overlays prefix one base; its nested base suffixes the Deployment only. kustomize
    // first matches prefixes and suffixes with an empty list on either side matching any
    // (the ConfigMap has no suffix), and only then strictly.
    let fs: MemoryFs = [
        ("common/app/dep.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        envFrom:\n        - configMapRef:\n            name: settings\n"),
        ("common/app/kustomization.yaml", "resources:\n- dep.yaml\nnameSuffix: -v1\n"),
        ("common/kustomization.yaml", "resources:\n- app\nconfigMapGenerator:\n- name: settings\n  literals:\n  - k=v\n"),
        ("east/kustomization.yaml", "resources:\n- ../common\nnamePrefix: east-\n"),
        ("kustomization.yaml", "resources:\n- east\n- west\n"),
        ("west/kustomization.yaml", "resources:\n- ../common\nnamePrefix: west-\n"),
    ]
    .into_iter()
    .collect();
    let want = "apiVersion: v1\ndata:\n  k: v\nkind: ConfigMap\nmetadata:\n  name: east-settings-bdg947hgcc\n---\napiVersion: v1\ndata:\n  k: v\nkind: ConfigMap\nmetadata:\n  name: west-settings-bdg947hgcc\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: east-web-v1\nspec:\n  template:\n    spec:\n      containers:\n      - envFrom:\n        - configMapRef:\n            name: east-settings-bdg947hgcc\n        name: c\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: west-web-v1\nspec:\n  template:\n    spec:\n      containers:\n      - envFrom:\n        - configMapRef:\n            name: west-settings-bdg947hgcc\n        name: c\n";
    assert_eq!(build_to_string(&fs, "").unwrap(), want);
}

#[test]
fn name_prefix_specs_of_configurations_replace_the_default_of_the_same_path() {
    // kustomize merges a configurations file's `namePrefix: [{path: metadata/name, kind:
    // Host}]` so that the default `metadata/name` of every kind is absorbed: only the Host
    // is prefixed (and references to it follow); nameSuffix keeps its default.
    let fs: MemoryFs = [
        ("kustomization.yaml", "resources:\n- objects.yaml\nnamePrefix: p-\nnameSuffix: -s\nconfigurations:\n- names.yaml\n"),
        ("names.yaml", "namePrefix:\n- path: metadata/name\n  kind: Host\nnameReference:\n- kind: Host\n  fieldSpecs:\n  - path: spec/rules/host\n    kind: Ingress\n"),
        ("objects.yaml", "apiVersion: example.com/v1\nkind: Host\nmetadata:\n  name: web.example.com\n  annotations:\n    config.kubernetes.io/local-config: \"true\"\n---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\nspec:\n  rules:\n  - host: web.example.com\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n"),
    ]
    .into_iter()
    .collect();
    let want = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings-s\n---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web-s\nspec:\n  rules:\n  - host: p-web.example.com-s\n";
    assert_eq!(build_to_string(&fs, "").unwrap(), want);
}
