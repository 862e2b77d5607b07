//! KubeStore against a real kube-apiserver + etcd on 127.0.0.1 (see `support/kube_api.rs`).
//! Every test is named `kube_api_*`; each works in its own namespace of the shared server.
#![cfg(feature = "kube")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../../support/kube_api.rs"]
mod kube_api;

use gitops_core::plan::ActionKind;
use std::collections::BTreeSet;
use std::process::Command;

use gitops_core::object::ResId;
use gitops_core::reconcile::apply_objects;
use gitops_core::store::{ClusterStore, KubeStore, KubeStoreOptions};
use gitops_core::{Error, KubeReason};
use serde_json::{Value, json};

fn store(api: &kube_api::KubeApi) -> KubeStore {
    KubeStore::from_kubeconfig(&api.kubeconfig, KubeStoreOptions::default()).unwrap()
}

fn ns(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
}

fn cm(ns: &str, name: &str, v: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap",
           "metadata": {"name": name, "namespace": ns}, "data": {"k": v}})
}

fn deployment(ns: &str, name: &str, replicas: i64) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
      "metadata": {"name": name, "namespace": ns, "labels": {"app": name}},
      "spec": {"replicas": replicas,
        "selector": {"matchLabels": {"app": name}},
        "template": {"metadata": {"labels": {"app": name}},
          "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}}})
}

fn id(v: &Value) -> ResId {
    ResId::of(v).unwrap()
}

/// Deletes with `kubectl` when it is on PATH (a user's real delete), else through the API.
fn external_delete(api: &kube_api::KubeApi, store: &mut KubeStore, obj: &ResId, resource: &str) {
    let kubectl = Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(&api.kubeconfig)
        .args([
            "delete",
            resource,
            &obj.name,
            "-n",
            &obj.namespace,
            "--wait=false",
        ])
        .output();
    match kubectl {
        Ok(out) if out.status.success() => {}
        Ok(out) => panic!("kubectl delete: {}", String::from_utf8_lossy(&out.stderr)),
        Err(_) => {
            eprintln!("notice: kubectl absent, deleting through the API");
            assert!(store.delete(obj).unwrap());
        }
    }
}

#[test]
fn kube_api_apply_reapply_drift_replicas_and_prune() {
    let Some(api) = kube_api::shared() else {
        return;
    };
    let mut s = store(api);
    let owner = "Kustomization/flux-system/apps";
    let n = "kube-api-flow";
    let desired = vec![
        deployment(n, "web", 1),
        cm(n, "settings", "one"),
        cm(n, "extra", "x"),
        ns(n),
    ];
    let (plan, applied) = apply_objects(owner, &desired, true, &mut s).unwrap();
    assert_eq!(applied, 4);
    assert_eq!(plan.count(ActionKind::Create), 4, "{plan:?}");
    // The server holds them, with what it adds (uid, defaults).
    let live = s
        .get(&id(&desired[0]))
        .unwrap()
        .expect("deployment applied");
    assert_eq!(live["spec"]["replicas"], 1);
    assert!(live["metadata"]["uid"].is_string());
    assert_eq!(
        live["spec"]["strategy"]["type"], "RollingUpdate",
        "server default"
    );
    assert!(live["metadata"].get("managedFields").is_none());
    let inv = s.inventory(owner).unwrap().unwrap();
    assert_eq!(inv.len(), 4);

    // Re-applying the same objects changes nothing on the server: the server-side dry run
    // finds no drift, and a real apply keeps the resourceVersion.
    for o in &desired {
        assert_eq!(s.drift(o).unwrap(), vec![], "{}", id(o));
    }
    let rv = live["metadata"]["resourceVersion"].clone();
    s.apply(&desired[0]).unwrap();
    let again = s.get(&id(&desired[0])).unwrap().unwrap();
    assert_eq!(again["metadata"]["resourceVersion"], rv);

    // Drift: someone deletes the ConfigMap; the next reconcile recreates it.
    let settings = id(&desired[1]);
    external_delete(api, &mut s, &settings, "configmap");
    assert!(s.get(&settings).unwrap().is_none());
    let (plan, _) = apply_objects(owner, &desired, true, &mut s).unwrap();
    assert_eq!(plan.count(ActionKind::Create), 1, "{plan:?}");
    assert_eq!(s.get(&settings).unwrap().unwrap()["data"]["k"], "one");

    // Replicas change: the drift is exactly that field, and the apply lands.
    let scaled = deployment(n, "web", 3);
    let d = s.drift(&scaled).unwrap();
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].path, "/spec/replicas");
    let mut next = desired.clone();
    next[0] = scaled;
    next.remove(2); // "extra" leaves git
    // Something of another owner, not in our inventory, in the same namespace.
    let foreign = cm(n, "not-ours", "keep");
    s.apply(&foreign).unwrap();
    let (plan, _) = apply_objects(owner, &next, true, &mut s).unwrap();
    assert_eq!(plan.count(ActionKind::Prune), 1, "{plan:?}");
    assert_eq!(
        s.get(&id(&next[0])).unwrap().unwrap()["spec"]["replicas"],
        3
    );
    // Background deletion of a ConfigMap is immediate (no finalizers).
    assert!(s.get(&id(&cm(n, "extra", ""))).unwrap().is_none());
    assert!(
        s.get(&id(&foreign)).unwrap().is_some(),
        "prune touched a foreign object"
    );
    let inv = s.inventory(owner).unwrap().unwrap();
    assert_eq!(
        inv,
        next.iter().map(id).collect::<BTreeSet<_>>(),
        "inventory follows the source"
    );
    assert!(s.list().unwrap().contains(&id(&next[0])));
}

#[test]
fn kube_api_crd_first_then_cluster_scoped_custom_kind() {
    let Some(api) = kube_api::shared() else {
        return;
    };
    let mut s = store(api);
    let crd = json!({
      "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
      "metadata": {"name": "tenants.test.gitops-toolkit.io"},
      "spec": {"group": "test.gitops-toolkit.io", "scope": "Cluster",
        "names": {"kind": "Tenant", "plural": "tenants", "singular": "tenant", "listKind": "TenantList"},
        "versions": [{"name": "v1alpha1", "served": true, "storage": true,
          "schema": {"openAPIV3Schema": {"type": "object",
            "x-kubernetes-preserve-unknown-fields": true}}}]}});
    let tenant = json!({"apiVersion": "test.gitops-toolkit.io/v1alpha1", "kind": "Tenant",
        "metadata": {"name": "team-a"}, "spec": {"owner": "a@example.com"}});
    let t = id(&tenant);
    // Before the CRD: the kind is unknown, a typed error naming the object.
    match s.apply(&tenant) {
        Err(Error::Kube {
            reason: KubeReason::UnknownKind,
            object,
            ..
        }) => assert_eq!(object, "Tenant/team-a"),
        other => panic!("expected UnknownKind, got {other:?}"),
    }
    assert!(s.get(&t).unwrap().is_none());
    // Custom resource listed before its CRD: the plan applies the CRD first, the store
    // waits for Established and rediscovers the group.
    let (plan, applied) = apply_objects(
        "Kustomization/flux-system/tenants",
        &[tenant.clone(), crd],
        true,
        &mut s,
    )
    .unwrap();
    assert_eq!(applied, 2);
    assert_eq!(plan.entries[0].id.kind, "CustomResourceDefinition");
    let live = s.get(&t).unwrap().expect("cluster-scoped custom object");
    assert_eq!(live["spec"]["owner"], "a@example.com");
    assert!(live["metadata"].get("namespace").is_none());
    assert!(s.delete(&t).unwrap());
    assert!(!s.delete(&t).unwrap(), "second delete finds nothing");
}

#[test]
fn kube_api_conflict_without_force_and_forbidden_name_the_object() {
    let Some(api) = kube_api::shared() else {
        return;
    };
    let n = "kube-api-conflict";
    let mut forced = store(api);
    forced.apply(&ns(n)).unwrap();
    // Another manager owns data.k.
    let mut other = KubeStore::from_kubeconfig(
        &api.kubeconfig,
        KubeStoreOptions::default().field_manager("someone-else"),
    )
    .unwrap();
    other.apply(&cm(n, "shared", "theirs")).unwrap();
    let mut polite =
        KubeStore::from_kubeconfig(&api.kubeconfig, KubeStoreOptions::default().force(false))
            .unwrap();
    match polite.apply(&cm(n, "shared", "ours")) {
        Err(Error::Kube {
            reason: KubeReason::Conflict,
            object,
            message,
            ..
        }) => {
            assert_eq!(object, "ConfigMap/kube-api-conflict/shared");
            assert!(message.contains("someone-else"), "{message}");
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    forced.apply(&cm(n, "shared", "ours")).unwrap();
    let live = forced.get(&id(&cm(n, "shared", ""))).unwrap().unwrap();
    assert_eq!(live["data"]["k"], "ours");

    let nobody =
        KubeStore::from_kubeconfig(&api.nobody_kubeconfig, KubeStoreOptions::default()).unwrap();
    match nobody.get(&id(&cm(n, "shared", ""))) {
        Err(Error::Kube {
            reason: KubeReason::Forbidden,
            object,
            ..
        }) => assert_eq!(object, "ConfigMap/kube-api-conflict/shared"),
        other => panic!("expected forbidden, got {other:?}"),
    }
}

#[test]
fn kube_api_synced_revision_and_inventory_keep_each_other() {
    let Some(api) = kube_api::shared() else {
        return;
    };
    let mut s = store(api);
    let owner = "Application/argocd/guestbook";
    assert_eq!(s.synced_revision(owner).unwrap(), None);
    assert_eq!(s.inventory(owner).unwrap(), None);
    let ids: BTreeSet<ResId> = [ResId::new("apps", "Deployment", "guestbook", "ui")].into();
    s.set_inventory(owner, &ids).unwrap();
    s.set_synced_revision(owner, "main@sha1:abc").unwrap();
    s.set_inventory(owner, &ids).unwrap();
    assert_eq!(
        s.synced_revision(owner).unwrap().as_deref(),
        Some("main@sha1:abc")
    );
    assert_eq!(s.inventory(owner).unwrap(), Some(ids));
}

/// Waits for the next change (the watch delivers it; the bound only keeps a broken watch
/// from hanging the test).
fn next_change(w: &gitops_core::store::kube::KubeWatch) -> gitops_core::store::watch::ObjectChange {
    match w.recv_timeout(std::time::Duration::from_secs(60)) {
        Some(Ok(c)) => c,
        Some(Err(e)) => panic!("watch error: {e}"),
        None => panic!("no watch event within 60 s"),
    }
}

#[test]
fn kube_api_watch_wakes_the_owner_of_a_deleted_or_edited_object() {
    use gitops_core::store::watch::Change;
    let Some(api) = kube_api::shared() else {
        return;
    };
    let mut s = store(api);
    let n = "kube-api-watch";
    let owner = "Kustomization/flux-system/watched";
    let other = "Kustomization/flux-system/bystander";
    let desired = vec![ns(n), cm(n, "settings", "one"), deployment(n, "web", 2)];
    apply_objects(owner, &desired, true, &mut s).unwrap();
    apply_objects(other, &[cm(n, "theirs", "x")], true, &mut s).unwrap();
    let w = s.watch_inventories(&[owner]).unwrap();
    let scopes: Vec<String> = w.scopes().iter().map(|s| s.kind.clone()).collect();
    assert_eq!(
        scopes,
        ["ConfigMap", "Namespace", "Deployment"],
        "{scopes:?}"
    );
    assert!(w.try_recv().is_none(), "nothing changed yet");

    // An object of another inventory changes: not an event of ours. Then someone deletes
    // ours through the API.
    let mut foreign = KubeStore::from_kubeconfig(
        &api.kubeconfig,
        KubeStoreOptions::default().field_manager("kubectl-edit"),
    )
    .unwrap();
    foreign.apply(&cm(n, "theirs", "edited")).unwrap();
    let settings = id(&desired[1]);
    assert!(foreign.delete(&settings).unwrap());
    let c = next_change(&w);
    assert_eq!(c.id, settings);
    assert_eq!(c.change, Change::Deleted);
    assert_eq!(c.owners, [owner]);

    // The woken owner re-applies: the object is back.
    let (plan, _) = apply_objects(owner, &desired, true, &mut s).unwrap();
    assert_eq!(plan.count(ActionKind::Create), 1, "{plan:?}");
    assert_eq!(s.get(&settings).unwrap().unwrap()["data"]["k"], "one");
    let c = next_change(&w);
    assert_eq!((c.id.clone(), c.change), (settings.clone(), Change::Added));

    // An edit by another manager (replicas) is drift too.
    let web = id(&desired[2]);
    foreign.apply(&deployment(n, "web", 5)).unwrap();
    let c = loop {
        let c = next_change(&w);
        if c.change == Change::Modified && c.id == web {
            break c;
        }
    };
    assert_eq!(c.owners, [owner]);
    apply_objects(owner, &desired, true, &mut s).unwrap();
    assert_eq!(s.get(&web).unwrap().unwrap()["spec"]["replicas"], 2);
}
