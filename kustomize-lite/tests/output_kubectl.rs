//! Output details seen on real trees (argo-cd, argo-workflows, kubeflow), each checked
//! against `kubectl kustomize` (kustomize v5.5), which printed the expected outputs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use kustomize_lite::{MemoryFs, build_to_string};

#[test]
fn annotations_are_strings_and_empty_annotations_vanish() {
    // Helm output often has `annotations:` with nothing under it (argo-cd's redis-ha);
    // kustomize drops it, keeps empty labels and nulls elsewhere, and quotes non-string values.
    let fs: MemoryFs = [
        ("kustomization.yaml", "resources:\n- svc.yaml\n- cm.yaml\n"),
        ("svc.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  annotations:\n  labels: {}\nspec:\n  x: null\n  y: {}\n"),
        ("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  annotations:\n    port: 8080\n    happy: true\n    color: green\n"),
    ]
    .into_iter()
    .collect();
    let want = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  annotations:\n    color: green\n    happy: \"true\"\n    port: \"8080\"\n  name: c\n---\napiVersion: v1\nkind: Service\nmetadata:\n  labels: {}\n  name: s\nspec:\n  x: null\n  \"y\": {}\n";
    assert_eq!(build_to_string(&fs, "").unwrap(), want);
}

#[test]
fn a_block_scalar_at_the_end_of_a_file_without_a_final_newline() {
    // argo-workflows' webhook clients Secret: the file ends right after a `|` block.
    let fs: MemoryFs = [
        ("kustomization.yaml", "resources:\n- secret.yaml\n"),
        ("secret.yaml", "kind: Secret\napiVersion: v1\nmetadata:\n  name: clients\nstringData:\n  github.com: |\n    type: github\n  gitlab.com: |\n    type: gitlab\n    secret: \"shh!\""),
    ]
    .into_iter()
    .collect();
    let want = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: clients\nstringData:\n  github.com: |\n    type: github\n  gitlab.com: |-\n    type: gitlab\n    secret: \"shh!\"\n";
    assert_eq!(build_to_string(&fs, "").unwrap(), want);
}

#[test]
fn an_empty_generated_secret_has_empty_data() {
    // kubeflow's katib: `secretGenerator` with no sources prints `data: {}`.
    let fs: MemoryFs = [
        ("kustomization.yaml", "secretGenerator:\n- name: s\n- name: cert\n  options:\n    disableNameSuffixHash: true\nconfigMapGenerator:\n- name: c\n"),
    ]
    .into_iter()
    .collect();
    let want = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c-6ct58987ht\n---\napiVersion: v1\ndata: {}\nkind: Secret\nmetadata:\n  name: cert\ntype: Opaque\n---\napiVersion: v1\ndata: {}\nkind: Secret\nmetadata:\n  name: s-46f8b28mk5\ntype: Opaque\n";
    assert_eq!(build_to_string(&fs, "").unwrap(), want);
}

#[test]
fn a_subject_in_namespace_default_follows_its_service_account() {
    // kubeflow's kuberay: a Helm chart's binding names `namespace: default` for a
    // ServiceAccount without a namespace; the namespace transformer moves both.
    let fs: MemoryFs = [
        ("kustomization.yaml", "namespace: kubeflow\nresources:\n- rbac.yaml\n"),
        ("rbac.yaml", "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: op\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: op\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: op\nsubjects:\n- kind: ServiceAccount\n  name: op\n  namespace: default\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: op\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n  name: op\nsubjects:\n- kind: ServiceAccount\n  name: op\n  namespace: default\n- kind: ServiceAccount\n  name: other\n  namespace: default\n"),
    ]
    .into_iter()
    .collect();
    let want = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: op\n  namespace: kubeflow\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: op\n  namespace: kubeflow\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n  name: op\nsubjects:\n- kind: ServiceAccount\n  name: op\n  namespace: kubeflow\n- kind: ServiceAccount\n  name: other\n  namespace: default\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: op\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: op\nsubjects:\n- kind: ServiceAccount\n  name: op\n  namespace: kubeflow\n";
    assert_eq!(build_to_string(&fs, "").unwrap(), want);
}

#[test]
fn json_patch_replace_of_a_missing_key_sets_it_and_annotations_always_exist() {
    // kubeflow's oauth2-proxy m2m overlay replaces a jwksUri its rule lacks; kustomize's
    // json-patch (evanphx v4) sets it. `add` under metadata.annotations works on any object.
    let fs: MemoryFs = [
        ("kustomization.yaml", "resources: [svc.yaml]\npatches:\n- target: {kind: ConfigMap}\n  patch: |\n    - op: replace\n      path: /data/z\n      value: \"1\"\n    - op: add\n      path: /metadata/annotations/k\n      value: v\n    - op: replace\n      path: /data/a\n      value: c\n"),
        ("svc.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: b\nlist: [x]\n"),
    ]
    .into_iter()
    .collect();
    let want = "apiVersion: v1\ndata:\n  a: c\n  z: \"1\"\nkind: ConfigMap\nlist:\n- x\nmetadata:\n  annotations:\n    k: v\n  name: c\n";
    assert_eq!(build_to_string(&fs, "").unwrap(), want);
}

#[test]
fn a_merged_generator_keeps_the_hash_choice_of_what_it_merges_into() {
    // kubernetes-sigs/kueue's e2e overlays merge into a base ConfigMap generated with
    // disableNameSuffixHash; merging into a plain ConfigMap adds no hash either.
    let fs: MemoryFs = [
        ("base/kustomization.yaml", "resources:\n- plain.yaml\ngeneratorOptions:\n  disableNameSuffixHash: true\nconfigMapGenerator:\n- name: manager-config\n  literals:\n  - a=1\n"),
        ("base/plain.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\ndata:\n  x: y\n"),
        ("overlay/kustomization.yaml", "resources:\n- ../base\nconfigMapGenerator:\n- name: manager-config\n  behavior: merge\n  literals:\n  - b=2\n- name: plain\n  behavior: merge\n  literals:\n  - z=3\n- name: fresh\n  literals:\n  - c=3\n"),
    ]
    .into_iter()
    .collect();
    let want = "apiVersion: v1\ndata:\n  c: \"3\"\nkind: ConfigMap\nmetadata:\n  name: fresh-c966fbk687\n---\napiVersion: v1\ndata:\n  a: \"1\"\n  b: \"2\"\nkind: ConfigMap\nmetadata:\n  name: manager-config\n---\napiVersion: v1\ndata:\n  x: \"y\"\n  z: \"3\"\nkind: ConfigMap\nmetadata:\n  name: plain\n";
    assert_eq!(build_to_string(&fs, "overlay").unwrap(), want);
}

#[test]
fn cluster_scope_follows_kustomizes_table_by_exact_version() {
    // kubernetes-sigs/kueue's visibility-apf: kustomize v5.5 knows FlowSchema only as
    // v1beta1 and ValidatingAdmissionPolicy not at all, so their v1 objects get the namespace.
    let fs: MemoryFs = [
        ("kustomization.yaml", "namespace: team\nresources:\n- objs.yaml\n"),
        ("objs.yaml", "apiVersion: flowcontrol.apiserver.k8s.io/v1\nkind: FlowSchema\nmetadata:\n  name: fs1\n---\napiVersion: flowcontrol.apiserver.k8s.io/v1beta1\nkind: FlowSchema\nmetadata:\n  name: fs0\n---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata:\n  name: vap\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: cr\n---\napiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata:\n  name: pc\nvalue: 1\n"),
    ]
    .into_iter()
    .collect();
    let want = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: cr\n---\napiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata:\n  name: pc\nvalue: 1\n---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata:\n  name: vap\n  namespace: team\n---\napiVersion: flowcontrol.apiserver.k8s.io/v1\nkind: FlowSchema\nmetadata:\n  name: fs1\n  namespace: team\n---\napiVersion: flowcontrol.apiserver.k8s.io/v1beta1\nkind: FlowSchema\nmetadata:\n  name: fs0\n";
    assert_eq!(build_to_string(&fs, "").unwrap(), want);
}

#[test]
fn a_strategic_merge_drops_the_fields_a_file_left_empty() {
    // kubeflow's istio manifests (Helm output): `nodeAffinity:` with empty children; after a
    // strategic merge patch kustomize leaves out every map field written empty (not `null`, not
    // inside lists); a JSON patch keeps them.
    let fs: MemoryFs = [
        ("kustomization.yaml", "resources:\n- dep.yaml\n- cm.yaml\npatches:\n- patch: |\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata: {name: d}\n    spec:\n      q: 1\n- target: {kind: ConfigMap}\n  patch: |\n    - op: add\n      path: /data/q\n      value: \"1\"\n"),
        ("dep.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n  labels:\nspec:\n  a:\n  b: null\n  template:\n    c:\n    spec:\n      affinity:\n        nodeAffinity:\n          preferredDuringSchedulingIgnoredDuringExecution:\n          requiredDuringSchedulingIgnoredDuringExecution:\n      list:\n      - e:\n        f: 1\n      m:\n        n:\n"),
        ("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a:\n"),
    ]
    .into_iter()
    .collect();
    let want = "apiVersion: v1\ndata:\n  a: null\n  q: \"1\"\nkind: ConfigMap\nmetadata:\n  name: c\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  b: null\n  q: 1\n  template:\n    spec:\n      affinity:\n        nodeAffinity: {}\n      list:\n      - e: null\n        f: 1\n      m: {}\n";
    assert_eq!(build_to_string(&fs, "").unwrap(), want);
}

#[test]
fn a_port_without_protocol_is_the_tcp_port_a_patch_names() {
    // kustomize's TestPatchPortHasNoProtocol: the object's port has no protocol, the patch
    // says TCP; one entry results. A UDP port of the same number stays apart.
    let fs: MemoryFs = [
        ("kustomization.yaml", "resources:\n- service.yaml\npatches:\n- path: patch.yaml\n- path: dns.yaml\n"),
        ("service.yaml", "\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n    - port: 30900\n      targetPort: 30900\n      protocol: TCP\n  type: NodePort\n"),
        ("patch.yaml", "\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  labels:\n    service: web\nspec:\n  ports:\n    - port: 30900\n      targetPort: 30900\n  selector:\n    service: web\n"),
        ("dns.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n  - port: 30900\n    protocol: UDP\n    name: udp\n"),
    ]
    .into_iter()
    .collect();
    let want = "apiVersion: v1\nkind: Service\nmetadata:\n  labels:\n    service: web\n  name: web\nspec:\n  ports:\n  - name: udp\n    port: 30900\n    protocol: UDP\n  - port: 30900\n    protocol: TCP\n    targetPort: 30900\n  selector:\n    service: web\n  type: NodePort\n";
    assert_eq!(build_to_string(&fs, "").unwrap(), want);
}

#[test]
fn a_strategic_merge_collapses_duplicate_list_keys_in_the_whole_object() {
    // open-telemetry-operator's openshift overlay appends env entries by JSON patch that the
    // base already has; the next strategic merge collapses them (first place, last value) in
    // every merge-keyed list, touched by the patch or not; ports differing only by an omitted
    // protocol stay apart.
    let fs: MemoryFs = [
        ("kustomization.yaml", "resources: [dep.yaml]\npatches:\n- patch: |\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata: {name: m}\n    spec:\n      replicas: 2\n"),
        ("dep.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: m\nspec:\n  template:\n    spec:\n      containers:\n      - name: manager\n        env:\n        - name: A\n          value: \"1\"\n        - name: B\n          value: \"2\"\n        - name: A\n          value: \"9\"\n      - name: other\n        env:\n        - name: X\n          value: \"1\"\n        - name: Y\n        - name: X\n          value: \"2\"\n        ports:\n        - containerPort: 80\n        - containerPort: 80\n          protocol: TCP\n          name: dup\n      volumes:\n      - name: v\n        emptyDir: {}\n      - name: v\n        secret: {secretName: s}\n"),
    ]
    .into_iter()
    .collect();
    let want = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: m\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n      - env:\n        - name: A\n          value: \"9\"\n        - name: B\n          value: \"2\"\n        name: manager\n      - env:\n        - name: X\n          value: \"2\"\n        - name: \"Y\"\n        name: other\n        ports:\n        - containerPort: 80\n        - containerPort: 80\n          name: dup\n          protocol: TCP\n      volumes:\n      - name: v\n        secret:\n          secretName: s\n";
    assert_eq!(build_to_string(&fs, "").unwrap(), want);
}

#[test]
fn a_port_deletion_needs_the_whole_key() {
    // open-telemetry-operator's openshift overlay: `$patch: delete` of `containerPort: 9443`
    // without protocol deletes nothing; with `protocol: TCP` it deletes the port.
    let fs: MemoryFs = [
        ("kustomization.yaml", "resources: [dep.yaml]\npatches:\n- patch: |\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata: {name: m}\n    spec:\n      template:\n        spec:\n          containers:\n          - name: manager\n            ports:\n            - containerPort: 9443\n              $patch: delete\n            - containerPort: 8080\n              $patch: delete\n            - containerPort: 7000\n              protocol: TCP\n              $patch: delete\n"),
        ("dep.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: m\nspec:\n  template:\n    spec:\n      containers:\n      - name: manager\n        ports:\n        - containerPort: 9443\n          name: webhook-server\n          protocol: TCP\n        - containerPort: 8080\n          name: metrics\n        - containerPort: 7000\n          protocol: TCP\n"),
    ]
    .into_iter()
    .collect();
    let want = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: m\nspec:\n  template:\n    spec:\n      containers:\n      - name: manager\n        ports:\n        - containerPort: 9443\n          name: webhook-server\n          protocol: TCP\n        - containerPort: 8080\n          name: metrics\n";
    assert_eq!(build_to_string(&fs, "").unwrap(), want);
}

#[test]
fn ports_merge_in_place_and_new_ports_come_first() {
    // open-telemetry-operator: a patch naming a port the container has leaves it in its place;
    // a patch adding a port puts it first.
    let fs: MemoryFs = [
        ("kustomization.yaml", "resources: [dep.yaml]\npatches:\n- path: webhook.yaml\n- path: https.yaml\n"),
        ("dep.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: m\nspec:\n  template:\n    spec:\n      containers:\n      - name: manager\n        ports:\n        - containerPort: 8443\n          name: https\n          protocol: TCP\n"),
        ("webhook.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: m\nspec:\n  template:\n    spec:\n      containers:\n      - name: manager\n        ports:\n        - containerPort: 9443\n          name: webhook-server\n          protocol: TCP\n"),
        ("https.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: m\nspec:\n  template:\n    spec:\n      containers:\n      - name: manager\n        ports:\n        - containerPort: 8443\n          name: https\n          protocol: TCP\n        - containerPort: 8081\n          name: health\n"),
    ]
    .into_iter()
    .collect();
    let want = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: m\nspec:\n  template:\n    spec:\n      containers:\n      - name: manager\n        ports:\n        - containerPort: 8081\n          name: health\n        - containerPort: 9443\n          name: webhook-server\n          protocol: TCP\n        - containerPort: 8443\n          name: https\n          protocol: TCP\n";
    assert_eq!(build_to_string(&fs, "").unwrap(), want);
}

#[test]
fn json_patch_test_of_null_passes_on_a_missing_key() {
    // cluster-api-provider-azure's CI templates test `/spec/preKubeadmCommands` against null
    // before adding it; kustomize's json-patch passes the test on a missing key.
    let fs: MemoryFs = [
        ("kustomization.yaml", "resources: [svc.yaml]\npatches:\n- target: {kind: ConfigMap}\n  patch: |\n    - op: test\n      path: /spec/cmds\n      value: null\n    - op: add\n      path: /spec/cmds\n      value: []\n    - op: add\n      path: /spec/cmds/-\n      value: x\n"),
        ("svc.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\nspec:\n  a: 1\n"),
    ]
    .into_iter()
    .collect();
    let want =
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\nspec:\n  a: 1\n  cmds:\n  - x\n";
    assert_eq!(build_to_string(&fs, "").unwrap(), want);
}

#[test]
fn a_strategic_merge_replaces_the_lists_of_a_kind_without_schema() {
    // cluster-api-provider-azure's prow-private: an AzureCluster's subnets are replaced by
    // the patch's, even though their elements have names (kustomize has no schema for the kind).
    let fs: MemoryFs = [
        ("kustomization.yaml", "resources: [dep.yaml]\npatches:\n- patch: |\n    apiVersion: example.com/v1\n    kind: Thing\n    metadata: {name: m}\n    spec:\n      subnets:\n      - name: z\n      - name: a\n        role: y\n      containers:\n      - name: d\n      items:\n      - name: i\n        v: 2\n"),
        ("dep.yaml", "apiVersion: example.com/v1\nkind: Thing\nmetadata:\n  name: m\nspec:\n  subnets:\n  - name: a\n    role: x\n  - name: b\n  containers:\n  - name: c\n    image: 1\n  items:\n  - name: i\n"),
    ]
    .into_iter()
    .collect();
    let want = "apiVersion: example.com/v1\nkind: Thing\nmetadata:\n  name: m\nspec:\n  containers:\n  - name: d\n  items:\n  - name: i\n    v: 2\n  subnets:\n  - name: z\n  - name: a\n    role: \"y\"\n";
    assert_eq!(build_to_string(&fs, "").unwrap(), want);
}
