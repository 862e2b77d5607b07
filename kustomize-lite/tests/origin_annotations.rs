//! `buildMetadata: [originAnnotations]` and `[transformerAnnotations]`. Expected outputs were printed by `kubectl kustomize`
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

#[test]
fn transformer_annotations_record_every_builtin_transformer_run_at_each_level() {
    // kustomize records each built-in transformer configured at a level on every object
    // present after it runs (changed or not): one LabelTransformer per `labels` entry plus
    // one for commonLabels, the base's under its own kustomization file.
    let fs: MemoryFs = [
        ("base/kustomization.yaml", "resources:\n- dep.yaml\nnamePrefix: b-\nimages:\n- name: nginx\n  newTag: \"2\"\n"),
        ("base/dep.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n      - name: c\n        image: nginx\n"),
        ("prod/kustomization.yaml", "resources:\n- ../base\nbuildMetadata: [transformerAnnotations]\nnamespace: prod\nnameSuffix: -x\nlabels:\n- pairs:\n    team: a\ncommonAnnotations:\n  note: hi\nreplicas:\n- name: b-web\n  count: 3\npatches:\n- target:\n    kind: Deployment\n  patch: |-\n    - op: add\n      path: /metadata/labels\n      value: {p: \"1\"}\nconfigMapGenerator:\n- name: cfg\n  literals:\n  - a=1\n"),
    ]
    .into_iter()
    .collect();
    let want = "apiVersion: v1\ndata:\n  a: \"1\"\nkind: ConfigMap\nmetadata:\n  annotations:\n    alpha.config.kubernetes.io/transformations: |\n      - configuredIn: kustomization.yaml\n        configuredBy:\n          apiVersion: builtin\n          kind: PatchTransformer\n      - configuredIn: kustomization.yaml\n        configuredBy:\n          apiVersion: builtin\n          kind: NamespaceTransformer\n      - configuredIn: kustomization.yaml\n        configuredBy:\n          apiVersion: builtin\n          kind: SuffixTransformer\n      - configuredIn: kustomization.yaml\n        configuredBy:\n          apiVersion: builtin\n          kind: LabelTransformer\n      - configuredIn: kustomization.yaml\n        configuredBy:\n          apiVersion: builtin\n          kind: LabelTransformer\n      - configuredIn: kustomization.yaml\n        configuredBy:\n          apiVersion: builtin\n          kind: AnnotationsTransformer\n      - configuredIn: kustomization.yaml\n        configuredBy:\n          apiVersion: builtin\n          kind: ReplicaCountTransformer\n    note: hi\n  labels:\n    team: a\n  name: cfg-x-h29d89cmmt\n  namespace: prod\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  annotations:\n    alpha.config.kubernetes.io/transformations: |\n      - configuredIn: ../base/kustomization.yaml\n        configuredBy:\n          apiVersion: builtin\n          kind: PrefixTransformer\n      - configuredIn: ../base/kustomization.yaml\n        configuredBy:\n          apiVersion: builtin\n          kind: ImageTagTransformer\n      - configuredIn: kustomization.yaml\n        configuredBy:\n          apiVersion: builtin\n          kind: PatchTransformer\n      - configuredIn: kustomization.yaml\n        configuredBy:\n          apiVersion: builtin\n          kind: NamespaceTransformer\n      - configuredIn: kustomization.yaml\n        configuredBy:\n          apiVersion: builtin\n          kind: SuffixTransformer\n      - configuredIn: kustomization.yaml\n        configuredBy:\n          apiVersion: builtin\n          kind: LabelTransformer\n      - configuredIn: kustomization.yaml\n        configuredBy:\n          apiVersion: builtin\n          kind: LabelTransformer\n      - configuredIn: kustomization.yaml\n        configuredBy:\n          apiVersion: builtin\n          kind: AnnotationsTransformer\n      - configuredIn: kustomization.yaml\n        configuredBy:\n          apiVersion: builtin\n          kind: ReplicaCountTransformer\n    note: hi\n  labels:\n    p: \"1\"\n    team: a\n  name: b-web-x\n  namespace: prod\nspec:\n  replicas: 3\n  template:\n    metadata:\n      annotations:\n        note: hi\n    spec:\n      containers:\n      - image: nginx:2\n        name: c\n";
    assert_eq!(build_to_string(&fs, "prod").unwrap(), want);
}
