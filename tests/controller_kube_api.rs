//! `gitops-toolkit controller --once` against a real kube-apiserver + etcd (see
//! `support/kube_api.rs`): Flux GitRepository and Kustomization objects (our own free-form
//! test CRDs) in the cluster, a local git repository as the source.
#![cfg(all(feature = "cli", feature = "kube", feature = "git"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../support/kube_api.rs"]
mod kube_api;

use std::path::Path;
use std::process::{Command, Output};

use kube::api::{Api, DynamicObject, Patch, PatchParams};
use kube::discovery::ApiResource;
use serde_json::{Value, json};

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn commit_app(dir: &Path, value: &str) -> String {
    std::fs::create_dir_all(dir.join("apps")).unwrap();
    std::fs::write(
        dir.join("apps/cm.yaml"),
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  color: {value}\n"),
    )
    .unwrap();
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-qm", value]);
    git(dir, &["rev-parse", "HEAD"])
}

fn ar(group: &str, kind: &str, plural: &str) -> ApiResource {
    ApiResource {
        group: group.into(),
        version: "v1".into(),
        api_version: if group.is_empty() {
            "v1".into()
        } else {
            format!("{group}/v1")
        },
        kind: kind.into(),
        plural: plural.into(),
    }
}

struct Cluster {
    rt: tokio::runtime::Runtime,
    client: kube::Client,
}

impl Cluster {
    fn new(api: &kube_api::KubeApi) -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let client = rt.block_on(kube_api::client(&api.kubeconfig)).unwrap();
        Cluster { rt, client }
    }

    fn api(&self, r: &ApiResource, ns: Option<&str>) -> Api<DynamicObject> {
        match ns {
            Some(ns) => Api::namespaced_with(self.client.clone(), ns, r),
            None => Api::all_with(self.client.clone(), r),
        }
    }

    fn apply(&self, r: &ApiResource, ns: Option<&str>, obj: &Value) {
        let name = obj["metadata"]["name"].as_str().unwrap().to_string();
        self.rt
            .block_on(self.api(r, ns).patch(
                &name,
                &PatchParams::apply("test-user").force(),
                &Patch::Apply(obj),
            ))
            .unwrap();
    }

    fn get(&self, r: &ApiResource, ns: &str, name: &str) -> Option<Value> {
        self.rt
            .block_on(self.api(r, Some(ns)).get_opt(name))
            .unwrap()
            .map(|o| serde_json::to_value(o).unwrap())
    }
}

fn controller(api: &kube_api::KubeApi, cache: &Path, ns: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gitops-toolkit"))
        .arg("controller")
        .arg("--kubeconfig")
        .arg(&api.kubeconfig)
        .arg("--once")
        .args(["-n", ns])
        .arg("--cache")
        .arg(cache)
        .output()
        .unwrap()
}

fn ready(obj: &Value) -> &Value {
    obj["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "Ready")
        .unwrap()
}

#[test]
fn kube_api_controller_reconciles_flux_objects_writes_status_and_repairs_drift() {
    let Some(api) = kube_api::shared() else {
        return;
    };
    let c = Cluster::new(api);
    let ns = "kube-api-ctl";
    let target = "kube-api-ctl-apps";
    let repo = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    git(repo.path(), &["init", "-q", "-b", "main"]);
    let first = commit_app(repo.path(), "blue");

    let nsr = ar("", "Namespace", "namespaces");
    for n in [ns, target] {
        c.apply(
            &nsr,
            None,
            &json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}}),
        );
    }
    let gr = ar(
        "source.toolkit.fluxcd.io",
        "GitRepository",
        "gitrepositories",
    );
    let kr = ar(
        "kustomize.toolkit.fluxcd.io",
        "Kustomization",
        "kustomizations",
    );
    let cmr = ar("", "ConfigMap", "configmaps");
    c.apply(
        &gr,
        Some(ns),
        &json!({
        "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
        "metadata": {"name": "app", "namespace": ns},
        "spec": {"interval": "1m", "url": format!("file://{}", repo.path().display()),
                 "ref": {"branch": "main"}}}),
    );
    c.apply(
        &kr,
        Some(ns),
        &json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": "apps", "namespace": ns},
        "spec": {"interval": "5m", "path": "./apps", "prune": true, "targetNamespace": target,
                 "sourceRef": {"kind": "GitRepository", "name": "app"}}}),
    );
    // A Kustomization whose path is not in the repository: BuildFailed, nothing applied.
    c.apply(
        &kr,
        Some(ns),
        &json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": "broken", "namespace": ns},
        "spec": {"interval": "5m", "path": "./missing", "prune": true,
                 "sourceRef": {"kind": "GitRepository", "name": "app"}}}),
    );

    let out = controller(api, cache.path(), ns);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "one Kustomization fails: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rev = format!("main@sha1:{first}");
    assert!(
        stdout.contains(&format!(
            "GitRepository/{ns}/app Ready=True Succeeded: stored artifact for revision '{rev}'"
        )),
        "{stdout}"
    );

    let g = c.get(&gr, ns, "app").unwrap();
    assert_eq!(g["status"]["artifact"]["revision"], rev);
    assert_eq!(ready(&g)["status"], "True");
    assert_eq!(ready(&g)["reason"], "Succeeded");
    assert_eq!(
        g["status"]["observedGeneration"],
        g["metadata"]["generation"]
    );

    let k = c.get(&kr, ns, "apps").unwrap();
    let r = ready(&k);
    assert_eq!(
        (r["status"].as_str(), r["reason"].as_str()),
        (Some("True"), Some("ReconciliationSucceeded"))
    );
    assert_eq!(r["message"], format!("Applied revision: {rev}"));
    assert_eq!(r["observedGeneration"], k["metadata"]["generation"]);
    assert!(r["lastTransitionTime"].as_str().unwrap().ends_with('Z'));
    assert_eq!(k["status"]["lastAppliedRevision"], rev);
    let cm = c
        .get(&cmr, target, "settings")
        .expect("the Kustomization's ConfigMap");
    assert_eq!(cm["data"]["color"], "blue");

    let b = c.get(&kr, ns, "broken").unwrap();
    assert_eq!(ready(&b)["status"], "False");
    assert_eq!(ready(&b)["reason"], "BuildFailed");

    // A new commit: the next pass applies it and moves the revisions; the first
    // transition time is kept (Ready stayed True).
    let since = r["lastTransitionTime"].clone();
    let second = commit_app(repo.path(), "green");
    controller(api, cache.path(), ns);
    let k = c.get(&kr, ns, "apps").unwrap();
    let rev2 = format!("main@sha1:{second}");
    assert_eq!(k["status"]["lastAppliedRevision"], rev2);
    assert_eq!(ready(&k)["lastTransitionTime"], since);
    assert_eq!(
        c.get(&cmr, target, "settings").unwrap()["data"]["color"],
        "green"
    );
    assert_eq!(
        c.get(&gr, ns, "app").unwrap()["status"]["artifact"]["revision"],
        rev2
    );

    // Without --once: the controller waits on its watches; a delete of a reconciled object
    // wakes it (no polling: --resync is far away) and it applies the object again.
    let mut child = Command::new(env!("CARGO_BIN_EXE_gitops-toolkit"))
        .arg("controller")
        .arg("--kubeconfig")
        .arg(&api.kubeconfig)
        .args(["-n", ns, "--resync", "3600"])
        .arg("--cache")
        .arg(cache.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    loop {
        let mut l = String::new();
        let n = std::io::BufRead::read_line(&mut stderr, &mut l).unwrap();
        assert!(n > 0, "the controller ended: {seen}");
        seen.push_str(&l);
        if l.starts_with("controller: watching") {
            break;
        }
    }
    c.rt.block_on(
        c.api(&cmr, Some(target))
            .delete("settings", &Default::default()),
    )
    .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let back = loop {
        if let Some(cm) = c.get(&cmr, target, "settings") {
            break cm;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the deleted ConfigMap never came back"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(back["data"]["color"], "green");
}
