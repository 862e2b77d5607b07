//! Kustomization fields and loading rules as kustomize reads them. Expected outputs were
//! printed by `kubectl kustomize` (kustomize v5.5) for the same trees.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use kustomize_lite::{MemoryFs, build_to_string};

#[test]
fn replacement_target_key_in_brackets_holds_dots() {
    // kubebuilder's config/default: `metadata.annotations.[cert-manager.io/inject-ca-from]`
    // with `create: true` is one annotation key, created.
    let fs: MemoryFs = [
        ("kustomization.yaml", "resources:\n- cert.yaml\n- webhook.yaml\nreplacements:\n- source:\n    kind: Certificate\n    group: cert-manager.io\n    version: v1\n    name: serving-cert\n    fieldPath: .metadata.namespace\n  targets:\n  - select:\n      kind: MutatingWebhookConfiguration\n    fieldPaths:\n    - .metadata.annotations.[cert-manager.io/inject-ca-from]\n    options:\n      delimiter: /\n      index: 0\n      create: true\n- source:\n    kind: Certificate\n    name: serving-cert\n    fieldPath: .metadata.name\n  targets:\n  - select:\n      kind: MutatingWebhookConfiguration\n    fieldPaths:\n    - .metadata.annotations.[cert-manager.io/inject-ca-from]\n    options:\n      delimiter: /\n      index: 1\n      create: true\n"),
        ("cert.yaml", "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: serving-cert\n  namespace: system\nspec:\n  dnsNames: [x]\n"),
        ("webhook.yaml", "apiVersion: admissionregistration.k8s.io/v1\nkind: MutatingWebhookConfiguration\nmetadata:\n  name: mutating\n"),
    ]
    .into_iter()
    .collect();
    let want = "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: serving-cert\n  namespace: system\nspec:\n  dnsNames:\n  - x\n---\napiVersion: admissionregistration.k8s.io/v1\nkind: MutatingWebhookConfiguration\nmetadata:\n  annotations:\n    cert-manager.io/inject-ca-from: system/serving-cert\n  name: mutating\n";
    assert_eq!(build_to_string(&fs, "").unwrap(), want);
}

#[test]
fn replacements_read_from_a_path() {
    // `replacements: [{path: ...}]`: a file holding one replacement, or a list of them.
    let fs: MemoryFs = [
        ("kustomization.yaml", "resources:\n- dep.yaml\n- cm.yaml\nreplacements:\n- path: one.yaml\n- path: list.yaml\n"),
        ("dep.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx\n"),
        ("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: env\ndata:\n  image: nginx:1.27\n  sa: runner\n"),
        ("one.yaml", "source:\n  kind: ConfigMap\n  name: env\n  fieldPath: data.image\ntargets:\n- select:\n    kind: Deployment\n  fieldPaths:\n  - spec.template.spec.containers.[name=web].image\n"),
        ("list.yaml", "- source:\n    kind: ConfigMap\n    name: env\n    fieldPath: data.sa\n  targets:\n  - select:\n      kind: Deployment\n    fieldPaths:\n    - spec.template.spec.serviceAccountName\n    options:\n      create: true\n"),
    ]
    .into_iter()
    .collect();
    let want = "apiVersion: v1\ndata:\n  image: nginx:1.27\n  sa: runner\nkind: ConfigMap\nmetadata:\n  name: env\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - image: nginx:1.27\n        name: web\n      serviceAccountName: runner\n";
    assert_eq!(build_to_string(&fs, "").unwrap(), want);
}

#[test]
fn a_component_may_be_built_itself() {
    // kubeflow's components/ roots: the kustomization built is a Component.
    let fs: MemoryFs = [
        ("kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n- dep.yaml\nnamePrefix: c-\n"),
        ("dep.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx\n"),
    ]
    .into_iter()
    .collect();
    let want = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: c-web\nspec:\n  template:\n    spec:\n      containers:\n      - image: nginx\n        name: web\n";
    assert_eq!(build_to_string(&fs, "").unwrap(), want);
}

#[test]
fn field_names_match_case_insensitively_and_the_last_duplicate_wins() {
    // Go's encoding/json: `nameprefix` is `namePrefix`; a key given twice keeps its last value.
    let fs: MemoryFs = [
        ("kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\napiVersion: kustomize.config.k8s.io/v1beta1\nnameprefix: p-\nresources:\n- dep.yaml\nconfigMapGenerator:\n- name: cm\n  literals:\n  - a=1\n  literals:\n  - b=2\n  behavior: add\n"),
        ("dep.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx\n"),
    ]
    .into_iter()
    .collect();
    let want = "apiVersion: v1\ndata:\n  b: \"2\"\nkind: ConfigMap\nmetadata:\n  name: p-cm-fmbk44khfc\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: p-web\nspec:\n  template:\n    spec:\n      containers:\n      - image: nginx\n        name: web\n";
    assert_eq!(build_to_string(&fs, "").unwrap(), want);
}

#[test]
fn a_components_annotations_reach_the_overlays_generated_objects() {
    // kustomize runs a kustomization's generators before its components.
    let fs: MemoryFs = [
        ("kustomization.yaml", "resources:\n- dep.yaml\ncomponents:\n- comp\nsecretGenerator:\n- name: creds\n  literals:\n  - password=x\n"),
        ("dep.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx\n"),
        ("comp/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncommonAnnotations:\n  team: blue\n"),
    ]
    .into_iter()
    .collect();
    let want = "apiVersion: v1\ndata:\n  password: eA==\nkind: Secret\nmetadata:\n  annotations:\n    team: blue\n  name: creds-ht28g67h7c\ntype: Opaque\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  annotations:\n    team: blue\n  name: web\nspec:\n  template:\n    metadata:\n      annotations:\n        team: blue\n    spec:\n      containers:\n      - image: nginx\n        name: web\n";
    assert_eq!(build_to_string(&fs, "").unwrap(), want);
}

#[test]
fn replacements_select_by_any_earlier_name() {
    // kustomize's TestReplacementTransformerWithOriginalName: the source is named as first
    // written, the target by its name in the middle layer.
    let fs: MemoryFs = [
        ("kustomization.yaml", "\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n\nnamePrefix: prefix2-\nresources:\n- overlay\nreplacements:\n- path: replacement.yaml\n"),
        ("replacement.yaml", "\nsource:\n  name: source\n  fieldPath: spec.template.spec.containers.0.image\ntargets:\n- select:\n    name: prefix1-target\n  fieldPaths:\n  - spec.template.spec.containers.[name=nginx].image\n"),
        ("base/kustomization.yaml", "\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n\nresources:\n- deployments.yaml\n"),
        ("base/deployments.yaml", "\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: target\nspec:\n  template:\n    spec:\n      containers:\n      - image: nginx:oldtag\n        name: nginx\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: source\nspec:\n  template:\n    spec:\n      containers:\n      - image: nginx:newtag\n        name: nginx\n"),
        ("overlay/kustomization.yaml", "\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n\nnamePrefix: prefix1-\nresources:\n- ../base\n"),
    ]
    .into_iter()
    .collect();
    let want = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: prefix2-prefix1-source\nspec:\n  template:\n    spec:\n      containers:\n      - image: nginx:newtag\n        name: nginx\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: prefix2-prefix1-target\nspec:\n  template:\n    spec:\n      containers:\n      - image: nginx:newtag\n        name: nginx\n";
    assert_eq!(build_to_string(&fs, "").unwrap(), want);
}

#[test]
fn an_openapi_schema_for_a_custom_kind_merges_its_containers_by_name() {
    // kustomize's examples/customOpenAPIschema.md: a strategic merge into a custom kind
    // whose schema gives containers a name merge key.
    let fs: MemoryFs = [
        ("kustomization.yaml", "resources:\n- my_resource.yaml\n\nopenapi:\n  path: mycr_schema.json\n\npatchesStrategicMerge:\n- |-\n  apiVersion: example.com/v1alpha1\n  kind: MyResource\n  metadata:\n    name: service\n  spec:\n    template:\n      spec:\n        containers:\n        - name: server\n          image: nginx\n"),
        ("my_resource.yaml", "apiVersion: example.com/v1alpha1\nkind: MyResource\nmetadata:\n  name: service\nspec:\n  template:\n    spec:\n      containers:\n      - name: server\n        image: server\n        command: example\n        ports:\n        - name: grpc\n          protocol: TCP\n          containerPort: 8080\n"),
        ("mycr_schema.json", "{\n  \"definitions\": {\n    \"v1alpha1.MyResource\": {\n      \"properties\": {\n        \"apiVersion\": {\n          \"type\": \"string\"\n        },\n        \"kind\": {\n          \"type\": \"string\"\n        },\n        \"metadata\": {\n          \"type\": \"object\"\n        },\n        \"spec\": {\n          \"properties\": {\n            \"template\": {\n              \"$ref\": \"#/definitions/io.k8s.api.core.v1.PodTemplateSpec\"\n            }\n          },\n          \"type\": \"object\"\n        },\n        \"status\": {\n           \"properties\": {\n            \"success\": {\n              \"type\": \"boolean\"\n            }\n          },\n          \"type\": \"object\"\n        }\n      },\n      \"type\": \"object\",\n      \"x-kubernetes-group-version-kind\": [\n        {\n          \"group\": \"example.com\",\n          \"kind\": \"MyResource\",\n          \"version\": \"v1alpha1\"\n        }\n      ]\n    },\n    \"io.k8s.api.core.v1.PodTemplateSpec\": {\n      \"properties\": {\n        \"metadata\": {\n          \"$ref\": \"#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta\"\n        },\n        \"spec\": {\n          \"$ref\": \"#/definitions/io.k8s.api.core.v1.PodSpec\"\n        }\n      },\n      \"type\": \"object\"\n    },\n    \"io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta\": {\n      \"properties\": {\n        \"name\": {\n          \"type\": \"string\"\n        }\n      },\n      \"type\": \"object\"\n    },\n    \"io.k8s.api.core.v1.PodSpec\": {\n      \"properties\": {\n        \"containers\": {\n          \"items\": {\n            \"$ref\": \"#/definitions/io.k8s.api.core.v1.Container\"\n          },\n          \"type\": \"array\",\n          \"x-kubernetes-patch-merge-key\": \"name\",\n          \"x-kubernetes-patch-strategy\": \"merge\"\n        }\n      },\n      \"type\": \"object\"\n    },\n    \"io.k8s.api.core.v1.Container\": {\n      \"properties\": {\n        \"command\": {\n          \"items\": {\n            \"type\": \"string\"\n          },\n          \"type\": \"array\"\n        },\n        \"image\": {\n          \"type\": \"string\"\n        },\n        \"name\": {\n          \"type\": \"string\"\n        },\n        \"ports\": {\n          \"items\": {\n            \"$ref\": \"#/definitions/io.k8s.api.core.v1.ContainerPort\"\n          },\n          \"type\": \"array\",\n          \"x-kubernetes-list-map-keys\": [\n            \"containerPort\",\n            \"protocol\"\n          ],\n          \"x-kubernetes-list-type\": \"map\",\n          \"x-kubernetes-patch-merge-key\": \"containerPort\",\n          \"x-kubernetes-patch-strategy\": \"merge\"\n        }\n      },\n      \"type\": \"object\"\n    },\n    \"io.k8s.api.core.v1.ContainerPort\": {\n      \"properties\": {\n        \"containerPort\": {\n          \"format\": \"int32\",\n          \"type\": \"integer\"\n        },\n        \"name\": {\n          \"type\": \"string\"\n        },\n        \"protocol\": {\n          \"type\": \"string\"\n        }\n      },\n      \"type\": \"object\"\n    }\n  }\n}\n\n"),
    ]
    .into_iter()
    .collect();
    let want = "apiVersion: example.com/v1alpha1\nkind: MyResource\nmetadata:\n  name: service\nspec:\n  template:\n    spec:\n      containers:\n      - command: example\n        image: nginx\n        name: server\n        ports:\n        - containerPort: 8080\n          name: grpc\n          protocol: TCP\n";
    assert_eq!(build_to_string(&fs, "").unwrap(), want);
}

#[test]
fn an_openapi_version_kustomize_does_not_carry_is_refused() {
    let fs: MemoryFs = [(
        "kustomization.yaml",
        "openapi:\n  version: v1.18.0\nresources: []\n",
    )]
    .into_iter()
    .collect();
    // kustomize: the specified OpenAPI version is not built in
    let e = build_to_string(&fs, "").unwrap_err().to_string();
    assert!(
        e.contains("the specified OpenAPI version is not built in"),
        "{e}"
    );
}
