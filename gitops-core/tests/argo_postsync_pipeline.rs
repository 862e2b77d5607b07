//! A PostSync hook that runs a Tekton PipelineRun: the host's [`HookRunner`] turns the hook
//! into a PipelineRun with the synced revision as a param and runs it through pipeline-core
//! (steps run with `sh`); the outcome feeds the sync's operation state and its SyncFail hook.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::{Arc, Mutex};

use gitops_core::argo::hooks::{HookContext, HookRunner, HookState, hook_state_from_health};
use gitops_core::argo::operation::OperationPhase;
use gitops_core::argo::source::Repos;
use gitops_core::argo::sync_application;
use gitops_core::model::{Object, parse_objects};
use gitops_core::object::ResId;
use gitops_core::store::{ClusterStore, MemoryStore};
use kustomize_lite::MemoryFs;
use pipeline_core::runner::{LocalExecutor, NoLogs, RunInfo, Runner};
use pipeline_core::{PipelineRun, PipelineRunState, RunContext, load};
use serde_json::{Value, json};

const REV: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b";

const TEKTON: &str = "apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: smoke}
spec:
  params: [{name: revision, type: string}]
  tasks:
  - name: check
    params: [{name: revision, value: $(params.revision)}]
    taskRef: {name: smoke-test}
---
apiVersion: tekton.dev/v1
kind: Task
metadata: {name: smoke-test}
spec:
  params: [{name: revision, type: string}]
  steps:
  - name: run
    image: alpine
    script: |
      echo \"smoke test of $(params.revision)\"
      test \"$(params.revision)\" != \"BAD\"
";

/// The host: a PostSync PipelineRun hook is run through pipeline-core with the revision.
struct TektonHooks {
    work: tempfile::TempDir,
    runs: Mutex<Vec<(String, String)>>,
}

impl HookRunner for TektonHooks {
    fn poll(&self, hook: &Value, ctx: &HookContext) -> Result<HookState, gitops_core::Error> {
        if hook["kind"] != "PipelineRun" {
            return Ok(hook_state_from_health(hook));
        }
        let mut pr = hook.clone();
        // The synced revision goes in as the `revision` param.
        let params = pr["spec"]["params"].as_array().cloned().unwrap_or_default();
        let mut params: Vec<Value> = params
            .into_iter()
            .filter(|p| p["name"] != "revision")
            .collect();
        let revision = hook["metadata"]["annotations"]["example.com/revision-override"]
            .as_str()
            .unwrap_or(&ctx.revision)
            .to_string();
        params.push(json!({"name": "revision", "value": revision}));
        pr["spec"]["params"] = Value::Array(params);
        let fail = |m: String| Ok(HookState::Failed(m));
        let pr: PipelineRun = match serde_json::from_value(pr) {
            Ok(p) => p,
            Err(e) => return fail(e.to_string()),
        };
        let resources = load("tekton.yaml", TEKTON).unwrap();
        let name = pr
            .spec
            .pipeline_ref
            .as_ref()
            .map(|r| r.name.clone())
            .unwrap_or_default();
        let pipeline = resources.pipeline(&name).unwrap();
        let rc = RunContext::from_pipeline_run(&pr, &name);
        let info = RunInfo {
            name: rc.name.clone(),
            namespace: rc.namespace.clone(),
            uid: rc.uid.clone(),
            pipeline: name.clone(),
        };
        let state = PipelineRunState::new(&pipeline.spec, rc).unwrap();
        let exec = LocalExecutor::new(self.work.path());
        let outcome = Runner::new(&exec, &resources)
            .logs(&NoLogs)
            .run(state, info)
            .unwrap();
        self.runs
            .lock()
            .unwrap()
            .push((outcome.name.clone(), outcome.condition.reason.clone()));
        let msg = format!(
            "PipelineRun {}: {}",
            outcome.name, outcome.condition.message
        );
        Ok(if outcome.condition.status.as_str() == "True" {
            HookState::Succeeded(msg)
        } else {
            HookState::Failed(msg)
        })
    }
}

fn files(revision_override: Option<&str>) -> Repos {
    let ann = revision_override
        .map(|r| format!("    example.com/revision-override: \"{r}\"\n"))
        .unwrap_or_default();
    let mut fs = MemoryFs::new();
    fs.insert(
        "deploy/app.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  version: \"2\"\n",
    );
    fs.insert(
        "deploy/smoke.yaml",
        format!("apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata:\n  generateName: smoke-\n  annotations:\n    argocd.argoproj.io/hook: PostSync\n    argocd.argoproj.io/hook-delete-policy: HookSucceeded\n{ann}spec:\n  pipelineRef: {{name: smoke}}\n"),
    );
    fs.insert(
        "deploy/rollback.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: sync-failed\n  annotations:\n    argocd.argoproj.io/hook: SyncFail\n",
    );
    Repos::new().with_default(Arc::new(fs))
}

#[test]
fn a_postsync_pipelinerun_gates_the_sync() {
    if which_sh().is_none() {
        if std::env::var_os("CI").is_some() {
            panic!("sh is not on PATH but CI is set");
        }
        eprintln!("notice: sh not on PATH; skipping");
        return;
    }
    let text = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: web\n  namespace: argocd\nspec:\n  source:\n    repoURL: https://example.invalid/gitops.git\n    path: deploy\n  destination:\n    namespace: web\n  syncPolicy:\n    automated: {prune: true}\n";
    let Object::Application(app) = parse_objects(text, "app.yaml").unwrap().remove(0) else {
        panic!()
    };
    let hooks = TektonHooks {
        work: tempfile::tempdir().unwrap(),
        runs: Mutex::new(Vec::new()),
    };

    // Success: the pipeline ran with the synced revision; the hook is gone (HookSucceeded).
    let mut store = MemoryStore::new();
    let s = sync_application(
        &app,
        &files(None),
        REV,
        &mut store,
        &hooks,
        1_795_000_000,
        false,
        10,
    )
    .unwrap();
    let run = s.run.unwrap();
    assert_eq!(
        (run.phase, run.message.as_str()),
        (
            OperationPhase::Succeeded,
            "successfully synced (no more tasks)"
        )
    );
    let runs = hooks.runs.lock().unwrap().clone();
    assert_eq!(
        runs,
        [(
            "smoke-9f86d08-postsync-1795000000".to_string(),
            "Succeeded".to_string()
        )]
    );
    let state = run.operation_state();
    let hook = state["syncResult"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "PipelineRun")
        .unwrap()
        .clone();
    assert_eq!(
        (hook["hookType"].as_str(), hook["hookPhase"].as_str()),
        (Some("PostSync"), Some("Succeeded"))
    );
    assert!(
        store
            .get(&ResId::new(
                "tekton.dev",
                "PipelineRun",
                "web",
                "smoke-9f86d08-postsync-1795000000"
            ))
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .get(&ResId::new("", "ConfigMap", "web", "sync-failed"))
            .unwrap()
            .is_none()
    );

    // Failure: the pipeline fails, the operation fails and the SyncFail hook runs.
    let mut store = MemoryStore::new();
    let s = sync_application(
        &app,
        &files(Some("BAD")),
        REV,
        &mut store,
        &hooks,
        1_795_000_100,
        false,
        10,
    )
    .unwrap();
    let run = s.run.unwrap();
    assert_eq!(run.phase, OperationPhase::Failed);
    assert_eq!(
        run.message,
        "one or more synchronization tasks completed unsuccessfully"
    );
    assert!(
        store
            .get(&ResId::new("", "ConfigMap", "web", "sync-failed"))
            .unwrap()
            .is_some()
    );
    let failed = run
        .tasks
        .iter()
        .find(|t| t.kind() == "PipelineRun")
        .unwrap();
    assert_eq!(failed.hook_phase.as_deref(), Some("Failed"));
    assert!(
        failed
            .message
            .starts_with("PipelineRun smoke-9f86d08-postsync-1795000100: "),
        "{}",
        failed.message
    );
    assert_eq!(hooks.runs.lock().unwrap().last().unwrap().1, "Failed");
}

fn which_sh() -> Option<std::path::PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join("sh"))
            .find(|p| p.is_file())
    })
}
