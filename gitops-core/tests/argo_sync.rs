//! Argo CD syncs run against a memory store, the test playing the Kubernetes controllers
//! (it marks workloads available and Jobs complete between steps). The cases mirror
//! argocd-example-apps' `sync-waves` and `pre-post-sync` apps and gitops-engine's
//! sync_context_test.go scenarios (hook failure -> SyncFail, prune options, waves).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::{Arc, Mutex};

use gitops_core::argo::hooks::{HookContext, HookRunner, HookState, StatusHookRunner};
use gitops_core::argo::operation::{AutoSync, OperationPhase, SyncRun};
use gitops_core::argo::source::Repos;
use gitops_core::argo::sync::{SyncOperation, plan_sync};
use gitops_core::argo::{owner_key, sync_application};
use gitops_core::model::{Application, Object, parse_objects};
use gitops_core::object::ResId;
use gitops_core::store::{ClusterStore, MemoryStore};
use kustomize_lite::MemoryFs;
use serde_json::Value;

const REV: &str = "4e1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c";
const NOW: i64 = 1_795_000_000;

fn app(extra: &str) -> Application {
    let text = format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: waves\n  namespace: argocd\nspec:\n  project: default\n  source:\n    repoURL: https://example.invalid/apps.git\n    path: app\n  destination:\n    namespace: demo\n  syncPolicy:\n{extra}"
    );
    match parse_objects(&text, "app.yaml").unwrap().remove(0) {
        Object::Application(a) => a,
        o => panic!("{o:?}"),
    }
}

fn repos(files: &[(&str, &str)]) -> Repos {
    let mut fs = MemoryFs::new();
    for (p, t) in files {
        fs.insert(p, *t);
    }
    Repos::new().with_default(Arc::new(fs))
}

const WAVES: &str = "apiVersion: batch/v1
kind: Job
metadata:
  generateName: upgrade-sql-schema-
  annotations:
    argocd.argoproj.io/hook: PreSync
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: backend
spec:
  replicas: 1
---
apiVersion: v1
kind: Service
metadata:
  name: backend
---
apiVersion: batch/v1
kind: Job
metadata:
  name: maint-page-up
  annotations:
    argocd.argoproj.io/hook: Sync
    argocd.argoproj.io/hook-delete-policy: BeforeHookCreation
    argocd.argoproj.io/sync-wave: \"1\"
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: frontend
  annotations:
    argocd.argoproj.io/sync-wave: \"2\"
spec:
  replicas: 1
---
apiVersion: batch/v1
kind: Job
metadata:
  name: maint-page-down
  annotations:
    argocd.argoproj.io/hook: PostSync
    argocd.argoproj.io/hook-delete-policy: HookSucceeded
";

/// Plays the controllers: workloads become available, Jobs complete (or fail when named
/// in `failing`).
fn settle(store: &mut MemoryStore, failing: &[&str]) {
    for id in store.list().unwrap() {
        let mut o = store.get(&id).unwrap().unwrap();
        if o.get("status").is_some() {
            continue;
        }
        match id.kind.as_str() {
            "ReplicaSet" | "Deployment" => {
                let r = o["spec"]["replicas"].as_i64().unwrap_or(1);
                o["status"] = serde_json::json!({"replicas": r, "availableReplicas": r, "readyReplicas": r, "updatedReplicas": r});
            }
            "Job" => {
                let t = if failing.iter().any(|f| id.name.starts_with(f)) {
                    "Failed"
                } else {
                    "Complete"
                };
                o["status"] = serde_json::json!({"conditions": [{"type": t, "status": "True", "message": format!("job {t}")}]});
            }
            _ => continue,
        }
        store.apply(&o).unwrap();
    }
}

fn drive(run: &mut SyncRun, store: &mut MemoryStore, failing: &[&str]) -> Vec<String> {
    let mut messages = Vec::new();
    for _ in 0..20 {
        let phase = run.step(store, &StatusHookRunner, NOW + 5);
        messages.push(run.message.clone());
        if phase.completed() {
            break;
        }
        settle(store, failing);
    }
    messages
}

#[test]
fn sync_waves_run_in_order_and_wait_for_health() {
    let a = app("    automated: {prune: true}\n");
    let r = repos(&[("app/manifests.yaml", WAVES)]);
    let desired = gitops_core::argo::source::render_sources(&a, &r).unwrap();
    let op = SyncOperation::for_application(&a, REV, NOW);
    let tasks = plan_sync(&desired, &Default::default(), &op);
    let order: Vec<String> = tasks.iter().map(|t| t.to_string()).collect();
    assert_eq!(
        order,
        [
            "PreSync/0 hook batch/Job:demo/upgrade-sql-schema-4e1a2b3-presync-1795000000",
            "Sync/0 resource /Service:demo/backend",
            "Sync/0 resource apps/ReplicaSet:demo/backend",
            "Sync/1 hook batch/Job:demo/maint-page-up",
            "Sync/2 resource apps/ReplicaSet:demo/frontend",
            "PostSync/0 hook batch/Job:demo/maint-page-down",
        ]
    );
    let mut store = MemoryStore::new();
    let mut run = SyncRun::new(&a, op, tasks);
    let messages = drive(&mut run, &mut store, &[]);
    assert_eq!(
        messages,
        [
            // gitops-engine's setRunningPhase names the first remaining task (this wave's
            // hooks count as remaining) and how many more follow.
            "waiting for completion of hook batch/Job/upgrade-sql-schema-4e1a2b3-presync-1795000000 and 5 more hooks",
            "waiting for completion of hook batch/Job/maint-page-up and 2 more hooks",
            "waiting for completion of hook batch/Job/maint-page-up and 2 more hooks",
            "waiting for completion of hook batch/Job/maint-page-down",
            "waiting for completion of hook batch/Job/maint-page-down",
            "successfully synced (no more tasks)",
        ]
    );
    assert_eq!(run.phase, OperationPhase::Succeeded);
    let job = |n: &str| store.get(&ResId::new("batch", "Job", "demo", n)).unwrap();
    // HookSucceeded deleted the PostSync job; the others stay, without the hook finalizer.
    assert!(job("maint-page-down").is_none());
    let pre = job("upgrade-sql-schema-4e1a2b3-presync-1795000000").unwrap();
    assert!(pre["metadata"].get("finalizers").is_none());
    assert_eq!(
        pre["metadata"]["labels"]["app.kubernetes.io/instance"],
        "waves"
    );
    let state = run.operation_state();
    assert_eq!(state["phase"], "Succeeded");
    // `date -u -d @1795000000`
    assert_eq!(state["startedAt"], "2026-11-18T11:06:40Z");
    let res = state["syncResult"]["resources"].as_array().unwrap();
    assert_eq!(res.len(), 6);
    assert_eq!(res[1]["message"], "service/backend created");
    assert_eq!(res[0]["hookType"], "PreSync");
    assert_eq!(res[0]["hookPhase"], "Succeeded");

    // Without the controllers settling, a multi-step sync waits on the wave's resources.
    let mut store = MemoryStore::new();
    let op = SyncOperation::for_application(&a, REV, NOW);
    let mut run = SyncRun::new(
        &a,
        op.clone(),
        plan_sync(&desired, &Default::default(), &op),
    );
    run.step(&mut store, &StatusHookRunner, NOW);
    settle(&mut store, &[]);
    run.step(&mut store, &StatusHookRunner, NOW);
    run.step(&mut store, &StatusHookRunner, NOW);
    assert_eq!(
        run.message,
        "waiting for healthy state of apps/ReplicaSet/backend"
    );
    assert_eq!(run.phase, OperationPhase::Running);
}

#[test]
fn a_failed_presync_hook_runs_syncfail_and_applies_nothing_else() {
    let a = app("    automated: {}\n");
    let files = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: before\n  annotations:\n    argocd.argoproj.io/hook: PreSync\n    argocd.argoproj.io/hook-delete-policy: HookFailed\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n---\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: cleanup\n  annotations:\n    argocd.argoproj.io/hook: SyncFail\n";
    let r = repos(&[("app/all.yaml", files)]);
    let desired = gitops_core::argo::source::render_sources(&a, &r).unwrap();
    let op = SyncOperation::for_application(&a, REV, NOW);
    let mut store = MemoryStore::new();
    let mut run = SyncRun::new(
        &a,
        op.clone(),
        plan_sync(&desired, &Default::default(), &op),
    );
    let messages = drive(&mut run, &mut store, &["before"]);
    assert_eq!(run.phase, OperationPhase::Failed);
    assert_eq!(
        messages.last().unwrap(),
        "one or more synchronization tasks completed unsuccessfully"
    );
    assert!(
        store
            .get(&ResId::new("", "ConfigMap", "demo", "cfg"))
            .unwrap()
            .is_none()
    );
    // The SyncFail hook ran; the failed PreSync hook was deleted (HookFailed).
    assert!(
        store
            .get(&ResId::new("batch", "Job", "demo", "cleanup"))
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .get(&ResId::new("batch", "Job", "demo", "before"))
            .unwrap()
            .is_none()
    );
}

fn cm(name: &str, annotations: &str) -> String {
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n{annotations}---\n")
}

#[test]
fn prune_options_as_gitops_engine_reports_them() {
    let keep = "  annotations:\n    argocd.argoproj.io/sync-options: Prune=false\n";
    for (policy, want_a, want_b) in [
        (
            "    automated: {prune: true}\n",
            ("Pruned", "pruned"),
            ("PruneSkipped", "ignored (no prune)"),
        ),
        (
            "    automated: {prune: false}\n",
            ("PruneSkipped", "ignored (requires pruning)"),
            ("PruneSkipped", "ignored (requires pruning)"),
        ),
    ] {
        let a = app(policy);
        let mut store = MemoryStore::new();
        let first = repos(&[(
            "app/cm.yaml",
            &format!("{}{}{}", cm("a", ""), cm("b", keep), cm("c", "")),
        )]);
        let s = sync_application(
            &a,
            &first,
            REV,
            &mut store,
            &StatusHookRunner,
            NOW,
            false,
            10,
        )
        .unwrap();
        assert_eq!(
            (s.sync_status, s.run.unwrap().phase),
            ("Synced", OperationPhase::Succeeded)
        );
        let second = repos(&[("app/cm.yaml", &cm("c", ""))]);
        let s = sync_application(
            &a,
            &second,
            "f00",
            &mut store,
            &StatusHookRunner,
            NOW,
            false,
            10,
        )
        .unwrap();
        let state = s.run.unwrap().operation_state();
        let res = state["syncResult"]["resources"].as_array().unwrap().clone();
        let find = |n: &str| res.iter().find(|r| r["name"] == n).unwrap().clone();
        assert_eq!(
            (
                find("a")["status"].as_str().unwrap(),
                find("a")["message"].as_str().unwrap()
            ),
            want_a,
            "{policy}"
        );
        assert_eq!(
            (
                find("b")["status"].as_str().unwrap(),
                find("b")["message"].as_str().unwrap()
            ),
            want_b,
            "{policy}"
        );
        assert_eq!(s.sync_status, "OutOfSync");
    }
}

#[test]
fn automated_policy_decisions() {
    let r = repos(&[("app/cm.yaml", &cm("a", ""))]);
    // Manual: nothing runs.
    let mut store = MemoryStore::new();
    let s = sync_application(
        &app("    syncOptions: [CreateNamespace=true]\n"),
        &r,
        REV,
        &mut store,
        &StatusHookRunner,
        NOW,
        false,
        10,
    )
    .unwrap();
    assert_eq!((s.decision, s.sync_status), (AutoSync::Manual, "OutOfSync"));
    assert!(s.run.is_none());
    // CreateNamespace=true creates the destination namespace in PreSync.
    let a = app("    automated: {prune: true}\n    syncOptions: [CreateNamespace=true]\n");
    let s = sync_application(&a, &r, REV, &mut store, &StatusHookRunner, NOW, false, 10).unwrap();
    assert_eq!(
        s.run.as_ref().unwrap().tasks[0].to_string(),
        "PreSync/0 resource /Namespace:/demo"
    );
    assert!(
        store
            .get(&ResId::new("", "Namespace", "", "demo"))
            .unwrap()
            .is_some()
    );
    // Drift at the same revision: left alone without selfHeal, repaired with it.
    let id = ResId::new("", "ConfigMap", "demo", "a");
    let mut o = store.get(&id).unwrap().unwrap();
    o["data"] = serde_json::json!({"k": "edited"});
    o["metadata"]["labels"]["x"] = Value::String("y".into());
    store.apply(&o).unwrap();
    let s = sync_application(&a, &r, REV, &mut store, &StatusHookRunner, NOW, false, 10).unwrap();
    assert_eq!(s.decision, AutoSync::AlreadySynced);
    let healing = app("    automated: {prune: true, selfHeal: true}\n");
    let s = sync_application(
        &healing,
        &r,
        REV,
        &mut store,
        &StatusHookRunner,
        NOW,
        false,
        10,
    )
    .unwrap();
    assert_eq!(
        s.decision,
        AutoSync::AlreadySynced,
        "extra live fields are not drift"
    );
    // An empty render does not wipe the app out unless allowEmpty.
    let empty = repos(&[("app/README.md", "nothing")]);
    let s = sync_application(
        &a,
        &empty,
        "b2",
        &mut store,
        &StatusHookRunner,
        NOW,
        false,
        10,
    )
    .unwrap();
    assert_eq!(s.decision, AutoSync::WouldWipeOut);
    let allow = app("    automated: {prune: true, allowEmpty: true}\n");
    let s = sync_application(
        &allow,
        &empty,
        "b2",
        &mut store,
        &StatusHookRunner,
        NOW,
        false,
        10,
    )
    .unwrap();
    assert_eq!(s.decision, AutoSync::Sync);
    assert!(store.get(&id).unwrap().is_none());
    assert_eq!(owner_key(&allow), "Application/argocd/waves");
}

/// A hook runner that records what it was asked and answers from a script.
struct Scripted(Mutex<Vec<(String, String)>>);

impl HookRunner for Scripted {
    fn poll(&self, hook: &Value, ctx: &HookContext) -> Result<HookState, gitops_core::Error> {
        let name = hook["metadata"]["name"].as_str().unwrap().to_string();
        self.0
            .lock()
            .unwrap()
            .push((name.clone(), ctx.revision.clone()));
        Ok(HookState::Succeeded(format!(
            "{name} ran at {}",
            ctx.revision
        )))
    }
}

#[test]
fn hooks_reach_the_host_runner_with_the_revision() {
    let a = app("    automated: {}\n");
    let files = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: migrate-\n  annotations:\n    argocd.argoproj.io/hook: PreSync\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n---\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: notify\n  annotations:\n    argocd.argoproj.io/hook: PostSync\n    argocd.argoproj.io/hook-delete-policy: HookSucceeded\n";
    let r = repos(&[("app/all.yaml", files)]);
    let runner = Scripted(Mutex::new(Vec::new()));
    let mut store = MemoryStore::new();
    let s = sync_application(&a, &r, REV, &mut store, &runner, NOW, true, 10).unwrap();
    let run = s.run.unwrap();
    assert_eq!(run.phase, OperationPhase::Succeeded);
    let calls = runner.0.lock().unwrap().clone();
    assert_eq!(
        calls,
        [
            (
                "migrate-4e1a2b3-presync-1795000000".to_string(),
                REV.to_string()
            ),
            ("notify".to_string(), REV.to_string()),
        ]
    );
    let state = run.operation_state();
    let res = state["syncResult"]["resources"].as_array().unwrap();
    assert_eq!(res[2]["message"], format!("notify ran at {REV}"));
    assert!(
        store
            .get(&ResId::new("batch", "Job", "demo", "notify"))
            .unwrap()
            .is_none()
    );
}
