//! Argo CD Application sync: selfHeal semantics over a memory store.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use gitops_core::model::{Object, parse_objects};
use gitops_core::object::ResId;
use gitops_core::reconcile::{DirRenderer, Source, StatusHealth, sync_application};
use gitops_core::store::{ClusterStore, MemoryStore};

fn app(self_heal: bool) -> gitops_core::model::Application {
    let text = format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: web\n  namespace: argocd\nspec:\n  source:\n    repoURL: https://example.invalid/repo.git\n    targetRevision: main\n    path: app\n  destination:\n    namespace: web\n  syncPolicy:\n    automated:\n      prune: true\n      selfHeal: {self_heal}\n"
    );
    match parse_objects(&text, "app.yaml").unwrap().remove(0) {
        Object::Application(a) => a,
        other => panic!("{other:?}"),
    }
}

#[test]
fn self_heal_off_repairs_drift_only_on_a_new_revision() {
    let repo = tempfile::tempdir().unwrap();
    std::fs::create_dir(repo.path().join("app")).unwrap();
    std::fs::write(
        repo.path().join("app/cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  k: git\n",
    )
    .unwrap();
    let source = |rev: &str| Source {
        root: repo.path().into(),
        revision: format!("main@sha1:{rev:0>40}"),
    };
    let id = ResId::new("", "ConfigMap", "web", "cfg");
    let drift = |store: &mut MemoryStore| {
        let mut o = store.get(&id).unwrap().unwrap();
        o["data"]["k"] = "edited".into();
        store.apply(&o).unwrap();
    };
    let live = |store: &MemoryStore| store.get(&id).unwrap().unwrap()["data"]["k"].clone();

    for (self_heal, repaired_at_same_revision) in [(false, false), (true, true)] {
        let a = app(self_heal);
        let mut store = MemoryStore::new();
        let r = sync_application(&a, &source("a"), &DirRenderer, &mut store, &StatusHealth);
        assert_eq!(r.sync_status, "Synced");
        drift(&mut store);
        let r = sync_application(&a, &source("a"), &DirRenderer, &mut store, &StatusHealth);
        if repaired_at_same_revision {
            assert_eq!((r.sync_status, live(&store)), ("Synced", "git".into()));
        } else {
            assert_eq!(
                (r.sync_status, live(&store)),
                ("OutOfSync", "edited".into())
            );
            assert_eq!(r.result.conditions[0].reason, "SelfHealDisabled");
            let r = sync_application(&a, &source("b"), &DirRenderer, &mut store, &StatusHealth);
            assert_eq!((r.sync_status, live(&store)), ("Synced", "git".into()));
        }
    }
}
