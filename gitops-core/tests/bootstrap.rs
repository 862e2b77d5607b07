//! A Flux repository reconciled from its bootstrap root: the root applies the cluster's
//! Flux objects, the store's Kustomizations are read back and reconciled in dependsOn
//! order from their own sources, and foreign sources are reported, not read locally.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use gitops_core::bootstrap::{BootstrapOptions, reconcile_cluster};
use gitops_core::model::parse_objects;
use gitops_core::object::ResId;
use gitops_core::reconcile::{DirRenderer, Source, StatusHealth};
use gitops_core::store::{ClusterStore, MemoryStore};
use std::path::Path;

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

const SYNC: &str = "apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: flux-system, namespace: flux-system}
spec: {interval: 1m, url: ssh://git@example.invalid/fleet, ref: {branch: main}}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: flux-system, namespace: flux-system}
spec:
  interval: 10m
  path: ./clusters/prod
  prune: true
  sourceRef: {kind: GitRepository, name: flux-system}
";

fn ks(name: &str, path: &str, extra: &str) -> String {
    format!(
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {{name: {name}, namespace: flux-system}}\nspec:\n  interval: 10m\n  path: {path}\n  prune: true\n  sourceRef: {{kind: GitRepository, name: flux-system}}\n{extra}"
    )
}

fn cm(name: &str) -> String {
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}, namespace: default}}\ndata: {{k: v}}\n"
    )
}

fn tree(root: &Path) {
    write(root, "clusters/prod/flux-system/gotk-sync.yaml", SYNC);
    write(
        root,
        "clusters/prod/flux-system/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [gotk-sync.yaml]\n",
    );
    // apps depends on infra, and is listed first: the order must come from dependsOn.
    write(
        root,
        "clusters/prod/apps.yaml",
        &ks("apps", "./apps", "  dependsOn: [{name: infra}]\n"),
    );
    write(
        root,
        "clusters/prod/infra.yaml",
        &ks("infra", "./infra", ""),
    );
    write(
        root,
        "clusters/prod/other.yaml",
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {name: other, namespace: flux-system}\nspec: {interval: 1m, url: https://example.invalid/other}\n---\n",
    );
    let mut other = ks("from-other", "./apps", "");
    other = other.replace("name: flux-system}\n", "name: other}\n");
    write(root, "clusters/prod/from-other.yaml", &other);
    let mut missing = ks("from-nowhere", "./apps", "");
    missing = missing.replace("name: flux-system}\n", "name: nowhere}\n");
    write(root, "clusters/prod/from-nowhere.yaml", &missing);
    write(root, "infra/cm.yaml", &cm("infra-cm"));
    // infra creates another Kustomization: a later round picks it up.
    write(root, "infra/extra.yaml", &ks("extra", "./extra", ""));
    write(root, "apps/cm.yaml", &cm("apps-cm"));
    write(root, "extra/cm.yaml", &cm("extra-cm"));
    // A cluster folder of the same name elsewhere is not reconciled.
    write(
        root,
        "clusters/staging/apps.yaml",
        &ks("apps", "./staging-apps", ""),
    );
}

fn objects(root: &Path, dir: &str) -> Vec<gitops_core::model::Object> {
    let mut out = Vec::new();
    for e in walk(&root.join(dir)) {
        let text = std::fs::read_to_string(&e).unwrap();
        out.extend(parse_objects(&text, &e.display().to_string()).unwrap());
    }
    out
}

/// Reconciles `cluster` of the tree at `repo` into a fresh memory store.
fn run(
    repo: &Path,
    cluster: &str,
    revision: &str,
    opts: BootstrapOptions,
) -> (gitops_core::bootstrap::ClusterResult, MemoryStore) {
    let source = Source {
        root: repo.into(),
        revision: revision.into(),
    };
    let mut store = MemoryStore::new();
    let tree_objects = objects(repo, cluster);
    let r = reconcile_cluster(
        &tree_objects,
        cluster,
        &source,
        &DirRenderer,
        &mut store,
        &StatusHealth,
        opts,
    )
    .unwrap();
    (r, store)
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

#[test]
fn a_cluster_reconciles_from_its_root_in_dependency_order() {
    let repo = tempfile::tempdir().unwrap();
    tree(repo.path());
    let (r, store) = run(
        repo.path(),
        "clusters/prod",
        "main@sha1:0123456789abcdef0123456789abcdef01234567",
        BootstrapOptions::default(),
    );
    assert!(r.root_found);
    let order: Vec<(&str, bool)> = r
        .results
        .iter()
        .map(|x| (x.key.as_str(), x.ready()))
        .collect();
    assert_eq!(order[0], ("flux-system/flux-system", true));
    let pos = |k: &str| {
        order
            .iter()
            .position(|(x, _)| *x == k)
            .unwrap_or_else(|| panic!("{k} not reconciled: {order:?}"))
    };
    assert!(
        pos("flux-system/infra") < pos("flux-system/apps"),
        "{order:?}"
    );
    assert!(
        pos("flux-system/infra") < pos("flux-system/extra"),
        "{order:?}"
    );
    for ready in ["flux-system/infra", "flux-system/apps", "flux-system/extra"] {
        assert!(order[pos(ready)].1, "{ready}: {:?}", r.results[pos(ready)]);
    }
    for id in ["infra-cm", "apps-cm", "extra-cm"] {
        assert!(
            store
                .get(&ResId::new("", "ConfigMap", "default", id))
                .unwrap()
                .is_some(),
            "{id}"
        );
    }
    let reason = |k: &str| {
        let c = r.results[pos(k)].ready_condition().unwrap();
        (c.reason.clone(), c.message.clone())
    };
    let (why, msg) = reason("flux-system/from-other");
    assert_eq!(why, "ArtifactFailed");
    assert!(msg.contains("https://example.invalid/other"), "{msg}");
    let (why, msg) = reason("flux-system/from-nowhere");
    assert_eq!(why, "ArtifactFailed");
    assert!(
        msg.contains("Source 'GitRepository/flux-system/nowhere' not found"),
        "{msg}"
    );
    // The staging folder's `apps` (path ./staging-apps) is not this cluster's.
    assert!(!r.results.iter().any(|x| x.to_string().contains("staging")));
    assert_eq!(r.results.len(), 6, "{order:?}");
}

#[test]
fn a_root_is_generated_as_flux_does_when_there_is_none() {
    let repo = tempfile::tempdir().unwrap();
    write(
        repo.path(),
        "clusters/dev/apps.yaml",
        &ks("apps", "./apps", ""),
    );
    write(repo.path(), "apps/cm.yaml", &cm("apps-cm"));
    let (r, _store) = run(
        repo.path(),
        "clusters/dev",
        "directory",
        BootstrapOptions::default(),
    );
    assert!(!r.root_found);
    let keys: Vec<&str> = r.results.iter().map(|x| x.key.as_str()).collect();
    assert_eq!(keys, ["flux-system/flux-system", "flux-system/apps"]);
    assert!(r.results.iter().all(|x| x.ready()), "{:?}", r.results);
}

#[test]
fn rounds_are_bounded() {
    let repo = tempfile::tempdir().unwrap();
    // Each level creates the next Kustomization: more levels than rounds.
    for i in 0..5 {
        write(
            repo.path(),
            &format!("l{i}/k.yaml"),
            &ks(&format!("l{}", i + 1), &format!("./l{}", i + 1), ""),
        );
    }
    write(repo.path(), "l5/cm.yaml", &cm("deep"));
    write(repo.path(), "clusters/c/k.yaml", &ks("l0", "./l0", ""));
    let opts = BootstrapOptions::default().max_rounds(3);
    let (r, _store) = run(repo.path(), "clusters/c", "directory", opts);
    assert!(
        r.notes.iter().any(|n| n.contains("stopped after 3 rounds")),
        "{:?}",
        r.notes
    );
}

#[test]
fn common_metadata_is_set_and_unsupported_fields_refuse_instead_of_applying() {
    let repo = tempfile::tempdir().unwrap();
    write(repo.path(), "apps/cm.yaml", &cm("apps-cm"));
    write(
        repo.path(),
        "clusters/c/apps.yaml",
        &ks(
            "apps",
            "./apps",
            "  commonMetadata: {labels: {team: a}, annotations: {owner: ops}}\n",
        ),
    );
    write(
        repo.path(),
        "clusters/c/secret.yaml",
        &ks(
            "secret",
            "./apps",
            "  decryption: {provider: sops, secretRef: {name: sops-age}}\n",
        ),
    );
    write(
        repo.path(),
        "clusters/c/remote.yaml",
        &ks(
            "remote",
            "./apps",
            "  kubeConfig: {secretRef: {name: kubeconfig}}\n",
        ),
    );
    let (r, store) = run(
        repo.path(),
        "clusters/c",
        "directory",
        BootstrapOptions::default(),
    );
    let get = |k: &str| r.results.iter().find(|x| x.key == k).unwrap();
    assert!(get("flux-system/apps").ready());
    let live = store
        .get(&ResId::new("", "ConfigMap", "default", "apps-cm"))
        .unwrap()
        .unwrap();
    assert_eq!(live["metadata"]["labels"]["team"], "a");
    assert_eq!(live["metadata"]["annotations"]["owner"], "ops");
    let secret = get("flux-system/secret").ready_condition().unwrap();
    assert_eq!(secret.reason, "DecryptionFailed");
    let remote = get("flux-system/remote").ready_condition().unwrap();
    assert!(remote.message.contains("kubeConfig"), "{remote:?}");
}

#[test]
fn helm_releases_render_their_chart_from_the_source_with_their_values() {
    let repo = tempfile::tempdir().unwrap();
    let p = repo.path();
    write(
        p,
        "charts/web/Chart.yaml",
        "apiVersion: v2\nname: web\nversion: 1.2.3\n",
    );
    write(
        p,
        "charts/web/values.yaml",
        "replicas: 1\ncolor: blue\nsize: s\n",
    );
    write(
        p,
        "charts/web/templates/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cfg\ndata:\n  replicas: {{ .Values.replicas | quote }}\n  color: {{ .Values.color }}\n  size: {{ .Values.size }}\n  ns: {{ .Release.Namespace }}\n",
    );
    write(
        p,
        "charts/web/templates/hook.yaml",
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n  annotations:\n    helm.sh/hook: pre-install\nspec: {}\n",
    );
    let hr = |name: &str, source: &str, extra: &str| {
        format!(
            "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {{name: {name}, namespace: apps}}\nspec:\n  interval: 5m\n  chart:\n    spec:\n      chart: ./charts/web\n      sourceRef: {source}\n{extra}"
        )
    };
    write(
        p,
        "clusters/c/flux-system/gotk-sync.yaml",
        SYNC.replace("./clusters/prod", "./clusters/c").as_str(),
    );
    write(
        p,
        "clusters/c/flux-system/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [gotk-sync.yaml]\n",
    );
    write(p, "clusters/c/apps.yaml", &ks("apps", "./apps", ""));
    write(
        p,
        "apps/values.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web-values, namespace: apps}\ndata:\n  values.yaml: |\n    color: green\n    size: m\n",
    );
    write(
        p,
        "apps/web.yaml",
        &hr(
            "web",
            "{kind: GitRepository, name: flux-system, namespace: flux-system}",
            "  targetNamespace: prod\n  valuesFrom: [{kind: ConfigMap, name: web-values}]\n  values: {replicas: 3, size: l}\n  dependsOn: [{name: base}]\n",
        ),
    );
    write(
        p,
        "apps/base.yaml",
        &hr(
            "base",
            "{kind: GitRepository, name: flux-system, namespace: flux-system}",
            "",
        ),
    );
    write(
        p,
        "apps/remote.yaml",
        &hr("remote", "{kind: HelmRepository, name: bitnami}", ""),
    );
    let (r, store) = run(
        p,
        "clusters/c",
        "main@sha1:0123456789abcdef0123456789abcdef01234567",
        BootstrapOptions::default(),
    );
    let keys: Vec<(&str, bool)> = r
        .helm_releases
        .iter()
        .map(|h| (h.key.as_str(), h.ready()))
        .collect();
    // `web` depends on `base`: base first.
    let pos = |k: &str| keys.iter().position(|(x, _)| *x == k).unwrap();
    assert!(pos("apps/base") < pos("apps/web"), "{keys:?}");
    assert!(keys[pos("apps/web")].1, "{:?}", r.helm_releases);
    let cm = store
        .get(&ResId::new("", "ConfigMap", "prod", "prod-web-cfg"))
        .unwrap()
        .expect("release named targetNamespace-name, objects in targetNamespace");
    // Chart defaults, then valuesFrom, then spec.values.
    assert_eq!(cm["data"]["replicas"], "3");
    assert_eq!(cm["data"]["color"], "green");
    assert_eq!(cm["data"]["size"], "l");
    assert_eq!(cm["data"]["ns"], "prod");
    assert_eq!(
        cm["metadata"]["labels"]["helm.toolkit.fluxcd.io/name"],
        "web"
    );
    assert!(
        store
            .get(&ResId::new("batch", "Job", "prod", "migrate"))
            .unwrap()
            .is_none(),
        "hooks are not in the release manifest"
    );
    let remote = &r.helm_releases[pos("apps/remote")];
    assert!(!remote.ready());
    assert!(
        remote.conditions[0]
            .message
            .contains("HelmRepository 'apps/bitnami'"),
        "{remote:?}"
    );
}
