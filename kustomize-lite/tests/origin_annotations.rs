//! `buildMetadata: [originAnnotations]`. Expected outputs were printed by `kubectl kustomize`
//! (kustomize v5.5) for the same trees.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use kustomize_lite::{MemoryFs, build_to_string};

#[test]
fn origin_annotations_name_files_and_generators_from_the_built_directory() {
    // Paths are relative to the kustomization built; a merged generator keeps the base's
    // origin, a generator plugin config is named by its file and name.
    let fs: MemoryFs = [
        ("base/kustomization.yaml", "resources:\n- dep.yaml\nconfigMapGenerator:\n- name: settings\n  literals:\n  - a=1\n"),
        ("base/dep.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n"),
        ("prod/kustomization.yaml", "resources:\n- ../base\n- svc.yaml\nbuildMetadata: [originAnnotations]\nconfigMapGenerator:\n- name: settings\n  behavior: merge\n  literals:\n  - b=2\ngenerators:\n- gen.yaml\n"),
        ("prod/svc.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  annotations:\n    keep: me\n"),
        ("prod/gen.yaml", "apiVersion: builtin\nkind: ConfigMapGenerator\nmetadata:\n  name: notImportantHere\nname: bob\nliterals:\n- fruit=apple\n"),
    ]
    .into_iter()
    .collect();
    let want = "apiVersion: v1\ndata:\n  fruit: apple\nkind: ConfigMap\nmetadata:\n  annotations:\n    config.kubernetes.io/origin: |\n      configuredIn: gen.yaml\n      configuredBy:\n        apiVersion: builtin\n        kind: ConfigMapGenerator\n        name: notImportantHere\n  name: bob-c9867f8446\n---\napiVersion: v1\ndata:\n  a: \"1\"\n  b: \"2\"\nkind: ConfigMap\nmetadata:\n  annotations:\n    config.kubernetes.io/origin: |\n      configuredIn: ../base/kustomization.yaml\n      configuredBy:\n        apiVersion: builtin\n        kind: ConfigMapGenerator\n  name: settings-7gdc49gk6d\n---\napiVersion: v1\nkind: Service\nmetadata:\n  annotations:\n    config.kubernetes.io/origin: |\n      path: svc.yaml\n    keep: me\n  name: web\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  annotations:\n    config.kubernetes.io/origin: |\n      path: ../base/dep.yaml\n  name: web\n";
    assert_eq!(build_to_string(&fs, "prod").unwrap(), want);
}
