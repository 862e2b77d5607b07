//! Differential test: small generated trees rendered by kustomize-lite and by
//! `kubectl kustomize` (kustomize v5) must print the same bytes. Skipped, with a notice,
//! where kubectl is not on PATH.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use kustomize_lite::{DiskFs, build_to_string};
use std::fmt::Write as _;
use std::process::Command;

/// A small deterministic random source (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn coin(&mut self) -> bool {
        self.next().is_multiple_of(2)
    }
}

fn workload(kind: &str, name: &str, cm: &str, sa: bool) -> String {
    let mut s = format!(
        "apiVersion: apps/v1\nkind: {kind}\nmetadata:\n  name: {name}\n  labels:\n    app: {name}\nspec:\n  replicas: 1\n  \
         selector:\n    matchLabels:\n      app: {name}\n  template:\n    metadata:\n      labels:\n        app: {name}\n    spec:\n"
    );
    if sa {
        s.push_str("      serviceAccountName: runner\n");
    }
    let _ = write!(
        s,
        "      containers:\n      - name: main\n        image: nginx:1.25\n        env:\n        - name: A\n          value: \"1\"\n        \
         envFrom:\n        - configMapRef:\n            name: {cm}\n        volumeMounts:\n        - name: data\n          mountPath: /data\n      \
         initContainers:\n      - name: init\n        image: busybox\n      volumes:\n      - name: data\n        configMap:\n          name: {cm}\n"
    );
    s
}

fn tree(seed: u64) -> Vec<(String, String)> {
    let mut r = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut files = Vec::new();
    let mut resources = Vec::new();
    let n = 1 + r.pick(3);
    for i in 0..n {
        let kind = ["Deployment", "StatefulSet", "DaemonSet"][r.pick(3)];
        files.push((
            format!("base/w{i}.yaml"),
            workload(kind, &format!("web{i}"), "settings", r.coin()),
        ));
        resources.push(format!("w{i}.yaml"));
        files.push((
            format!("base/s{i}.yaml"),
            format!("apiVersion: v1\nkind: Service\nmetadata:\n  name: web{i}\nspec:\n  selector:\n    app: web{i}\n  ports:\n  - port: 80\n    targetPort: 8080\n"),
        ));
        resources.push(format!("s{i}.yaml"));
    }
    files.push((
        "base/rbac.yaml".into(),
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: runner\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\n\
         metadata:\n  name: reader\nrules:\n- apiGroups: [\"\"]\n  resources: [configmaps]\n  verbs: [get]\n---\n\
         apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: reader\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  \
         kind: Role\n  name: reader\nsubjects:\n- kind: ServiceAccount\n  name: runner\n- kind: ServiceAccount\n  name: default\n"
            .into(),
    ));
    resources.push("rbac.yaml".into());
    let mut base = format!(
        "resources:\n{}",
        resources
            .iter()
            .map(|r| format!("- {r}\n"))
            .collect::<String>()
    );
    base.push_str(
        "configMapGenerator:\n- name: settings\n  literals:\n  - MODE=base\n  - LEVEL=1\n",
    );
    if r.coin() {
        base.push_str("namePrefix: base-\n");
    }
    if r.coin() {
        base.push_str("commonLabels:\n  team: core\n");
    }
    files.push(("base/kustomization.yaml".into(), base));

    let mut ov = String::from("resources:\n- ../base\n");
    if r.coin() {
        ov.push_str("namespace: staging\n");
    }
    if r.coin() {
        ov.push_str("namePrefix: stg-\n");
    }
    if r.coin() {
        ov.push_str("nameSuffix: -v2\n");
    }
    match r.pick(3) {
        0 => ov.push_str("commonLabels:\n  env: staging\n"),
        1 => ov.push_str("labels:\n- pairs:\n    env: staging\n  includeSelectors: false\n  includeTemplates: true\n"),
        _ => {}
    }
    if r.coin() {
        ov.push_str("commonAnnotations:\n  owner: platform\n");
    }
    match r.pick(3) {
        0 => ov.push_str("images:\n- name: nginx\n  newTag: \"1.26\"\n- name: busybox\n  newName: registry.local/busybox\n  digest: sha256:abc\n"),
        1 => ov.push_str("images:\n- name: nginx\n  newName: mirror/nginx\n"),
        _ => {}
    }
    if r.coin() {
        ov.push_str("replicas:\n- name: web0\n  count: 3\n");
    }
    ov.push_str(
        "configMapGenerator:\n- name: settings\n  behavior: merge\n  literals:\n  - MODE=staging\n",
    );
    if r.coin() {
        ov.push_str("secretGenerator:\n- name: creds\n  literals:\n  - password=s3cr3t\n");
    }
    ov.push_str("patches:\n");
    ov.push_str(
        "- target:\n    kind: Deployment|StatefulSet|DaemonSet\n  patch: |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: x\n    \
         spec:\n      template:\n        spec:\n          containers:\n          - name: main\n            env:\n            - name: B\n              value: two\n            \
         - name: A\n              $patch: delete\n",
    );
    if r.coin() {
        ov.push_str("- target:\n    name: web.*\n    kind: Service\n  patch: |-\n    - op: add\n      path: /spec/type\n      value: NodePort\n");
    }
    files.push(("overlay/kustomization.yaml".into(), ov));
    files
}

#[test]
fn matches_kubectl_kustomize() {
    if Command::new("kubectl")
        .arg("version")
        .arg("--client")
        .output()
        .is_err()
    {
        println!("kubectl not found on PATH; differential test skipped");
        return;
    }
    for seed in 1..=16u64 {
        let files = tree(seed);
        let dir = tempfile::tempdir().unwrap();
        for (p, c) in &files {
            let full = dir.path().join(p);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, c).unwrap();
        }
        let out = Command::new("kubectl")
            .arg("kustomize")
            .arg(dir.path().join("overlay"))
            .output()
            .unwrap();
        let ours = build_to_string(&DiskFs::new(dir.path()).unwrap(), "overlay");
        match (out.status.success(), ours) {
            (true, Ok(text)) => {
                let theirs = String::from_utf8(out.stdout).unwrap();
                assert!(
                    theirs == text,
                    "seed {seed}: output differs\n--- kubectl\n{theirs}\n--- ours\n{text}\n--- files\n{files:#?}"
                );
            }
            (false, Err(_)) => {}
            (ok, ours) => panic!(
                "seed {seed}: kubectl ok={ok}, ours={ours:?}\n{}",
                String::from_utf8_lossy(&out.stderr)
            ),
        }
    }
}
