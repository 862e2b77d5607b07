//! `generators` and `transformers` with kustomize's built-in plugin kinds. Expected outputs
//! were printed by `kubectl kustomize` (kustomize v5.5) for the same trees.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use kustomize_lite::{MemoryFs, build_to_string};

#[test]
fn a_label_transformer_file_as_podinfo_uses_it() {
    // stefanprodan/podinfo's deploy/overlays: labels on metadata only, by field spec.
    let fs: MemoryFs = [
        ("kustomization.yaml", "resources:\n- dep.yaml\n- svc.yaml\ntransformers:\n- labels.yaml\n"),
        ("dep.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.25\n"),
        ("svc.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n"),
        ("labels.yaml", "apiVersion: builtin\nkind: LabelTransformer\nmetadata:\n  name: labels\nlabels:\n  env: dev\nfieldSpecs:\n- path: metadata/labels\n  create: true\n"),
    ]
    .into_iter()
    .collect();
    let want = "apiVersion: v1\nkind: Service\nmetadata:\n  labels:\n    env: dev\n  name: web\nspec:\n  selector:\n    app: web\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  labels:\n    env: dev\n  name: web\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - image: nginx:1.25\n        name: web\n";
    assert_eq!(build_to_string(&fs, "").unwrap(), want);
}

#[test]
fn a_prefix_suffix_transformer_touches_the_kinds_its_field_specs_name() {
    // A custom name prefixer (kustomize's TestCustomNamePrefixer); the Service selector
    // follows through name references.
    let fs: MemoryFs = [
        ("kustomization.yaml", "resources:\n- dep.yaml\n- svc.yaml\n- role.yaml\ntransformers:\n- prefixer.yaml\n"),
        ("dep.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.25\n"),
        ("svc.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n"),
        ("role.yaml", "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: reader\n"),
        ("prefixer.yaml", "apiVersion: builtin\nkind: PrefixSuffixTransformer\nmetadata:\n  name: p\nprefix: zzz-\nsuffix: -x\nfieldSpecs:\n- kind: Deployment\n  path: metadata/name\n- kind: Service\n  path: metadata/name\n"),
    ]
    .into_iter()
    .collect();
    let want = "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: reader\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: zzz-web-x\nspec:\n  selector:\n    app: web\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: zzz-web-x\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - image: nginx:1.25\n        name: web\n";
    assert_eq!(build_to_string(&fs, "").unwrap(), want);
}

#[test]
fn inline_transformers_of_several_kinds_run_after_the_kustomizations_fields() {
    // Namespace, annotations, images, replicas, a patch and a replacement given inline;
    // they run after the kustomization's own namePrefix.
    let fs: MemoryFs = [
        ("kustomization.yaml", "resources:\n- dep.yaml\n- svc.yaml\nnamePrefix: a-\ntransformers:\n- |-\n  apiVersion: builtin\n  kind: NamespaceTransformer\n  metadata:\n    name: ns\n    namespace: team\n  fieldSpecs:\n  - path: metadata/namespace\n    create: true\n- |-\n  apiVersion: builtin\n  kind: AnnotationsTransformer\n  metadata:\n    name: notes\n  annotations:\n    owner: blue\n  fieldSpecs:\n  - path: metadata/annotations\n    create: true\n- |-\n  apiVersion: builtin\n  kind: ImageTagTransformer\n  metadata:\n    name: img\n  imageTag:\n    name: nginx\n    newTag: \"1.27\"\n  fieldSpecs:\n  - path: spec/template/spec/containers/image\n- |-\n  apiVersion: builtin\n  kind: ReplicaCountTransformer\n  metadata:\n    name: reps\n  replica:\n    name: web\n    count: 3\n  fieldSpecs:\n  - path: spec/replicas\n    create: true\n- |-\n  apiVersion: builtin\n  kind: PatchTransformer\n  metadata:\n    name: patch\n  target:\n    kind: Service\n  patch: '[{\"op\": \"add\", \"path\": \"/spec/type\", \"value\": \"NodePort\"}]'\n- |-\n  apiVersion: builtin\n  kind: ReplacementTransformer\n  metadata:\n    name: rep\n  replacements:\n  - source:\n      kind: Deployment\n      fieldPath: spec.template.spec.containers.0.image\n    targets:\n    - select:\n        kind: Service\n      fieldPaths:\n      - metadata.annotations.image\n      options:\n        create: true\n"),
        ("dep.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.25\n"),
        ("svc.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n"),
    ]
    .into_iter()
    .collect();
    let want = "apiVersion: v1\nkind: Service\nmetadata:\n  annotations:\n    image: nginx:1.27\n    owner: blue\n  name: a-web\n  namespace: team\nspec:\n  replicas: 3\n  selector:\n    app: web\n  type: NodePort\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  annotations:\n    owner: blue\n  name: a-web\n  namespace: team\nspec:\n  replicas: 3\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - image: nginx:1.27\n        name: web\n";
    assert_eq!(build_to_string(&fs, "").unwrap(), want);
}

#[test]
fn a_config_map_generator_plugin_and_local_config_objects() {
    // A ConfigMapGenerator config in `generators` (hashed, referenced by the Deployment);
    // an object annotated local-config is not output.
    let fs: MemoryFs = [
        ("kustomization.yaml", "resources:\n- dep.yaml\n- local.yaml\ngenerators:\n- gen.yaml\n"),
        ("dep.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.25\n        envFrom:\n        - configMapRef:\n            name: settings\n"),
        ("local.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\n  annotations:\n    config.kubernetes.io/local-config: \"true\"\n"),
        ("gen.yaml", "apiVersion: builtin\nkind: ConfigMapGenerator\nmetadata:\n  name: settings\nliterals:\n- mode=fast\n"),
    ]
    .into_iter()
    .collect();
    let want = "apiVersion: v1\ndata:\n  mode: fast\nkind: ConfigMap\nmetadata:\n  name: settings-t82mkhg8fd\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - envFrom:\n        - configMapRef:\n            name: settings-t82mkhg8fd\n        image: nginx:1.25\n        name: web\n";
    assert_eq!(build_to_string(&fs, "").unwrap(), want);
}

#[test]
fn an_external_plugin_is_refused_naming_its_file() {
    let fs: MemoryFs = [
        (
            "kustomization.yaml",
            "resources: []\ntransformers:\n- fn.yaml\n",
        ),
        (
            "fn.yaml",
            "apiVersion: example.com/v1\nkind: SetProject\nmetadata:\n  name: p\n",
        ),
    ]
    .into_iter()
    .collect();
    let e = build_to_string(&fs, "").unwrap_err().to_string();
    assert!(e.contains("fn.yaml") && e.contains("SetProject"), "{e}");
}

#[test]
fn a_prefix_transformer_on_fields_other_than_the_name() {
    // kubernetes-sigs/kueue's components: the prefix is added to RoleBinding subjects and a
    // Certificate's commonName; names themselves stay.
    let fs: MemoryFs = [
        ("kustomization.yaml", "resources:\n- rb.yaml\n- cert.yaml\ntransformers:\n- subject.yaml\n- cn.yaml\n"),
        ("rb.yaml", "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: reader\n  namespace: kube-system\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n  name: extension-apiserver-authentication-reader\nsubjects:\n- kind: ServiceAccount\n  name: controller-manager\n  namespace: system\n"),
        ("cert.yaml", "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: serving\nspec:\n  commonName: webhook-service.system.svc\n"),
        ("subject.yaml", "apiVersion: builtin\nkind: PrefixSuffixTransformer\nmetadata:\n  name: subjects\nprefix: kueue-\nfieldSpecs:\n- kind: RoleBinding\n  group: rbac.authorization.k8s.io\n  path: subjects/name\n- kind: RoleBinding\n  group: rbac.authorization.k8s.io\n  path: subjects/namespace\n"),
        ("cn.yaml", "apiVersion: builtin\nkind: PrefixSuffixTransformer\nmetadata:\n  name: cn\nprefix: kueue-\nsuffix: .local\nfieldSpecs:\n- kind: Certificate\n  group: cert-manager.io\n  path: spec/commonName\n"),
    ]
    .into_iter()
    .collect();
    let want = "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: reader\n  namespace: kube-system\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n  name: extension-apiserver-authentication-reader\nsubjects:\n- kind: ServiceAccount\n  name: kueue-controller-manager\n  namespace: kueue-system\n---\napiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: serving\nspec:\n  commonName: kueue-webhook-service.system.svc.local\n";
    assert_eq!(build_to_string(&fs, "").unwrap(), want);
}

#[test]
fn an_iam_policy_generator_makes_a_gke_service_account() {
    // kustomize's TestGkeGeneratorWithNamespace: the built-in IAMPolicyGenerator.
    let fs: MemoryFs = [
        ("kustomization.yaml", "generators:\n- |-\n  apiVersion: builtin\n  kind: IAMPolicyGenerator\n  metadata:\n    name: my-gke-generator\n  cloud: gke\n  kubernetesService:\n    namespace: k8s-namespace\n    name: k8s-sa-name\n  serviceAccount:\n    name: gsa-name\n    projectId: project-id\n- iam.yaml\n"),
        ("iam.yaml", "apiVersion: builtin\nkind: IAMPolicyGenerator\nmetadata:\n  name: other\ncloud: gke\nkubernetesService:\n  name: runner\nserviceAccount:\n  name: ci\n  projectId: p2\n"),
    ]
    .into_iter()
    .collect();
    let want = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  annotations:\n    iam.gke.io/gcp-service-account: gsa-name@project-id.iam.gserviceaccount.com\n  name: k8s-sa-name\n  namespace: k8s-namespace\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  annotations:\n    iam.gke.io/gcp-service-account: ci@p2.iam.gserviceaccount.com\n  name: runner\n";
    assert_eq!(build_to_string(&fs, "").unwrap(), want);
}
