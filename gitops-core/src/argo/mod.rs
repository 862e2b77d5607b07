//! Argo CD as Argo CD does it: sources rendered as the repo-server renders them, syncs
//! planned and run as gitops-engine runs them, health assessed as gitops-engine assesses it,
//! and Argo Rollouts canaries as a pure state machine.
//!
//! - [`source`]: `directory`, `kustomize`, `helm` sources and multiple `sources` with `ref`
//!   ([`source::Repos`] maps `repoURL`s to file trees); jsonnet and plugins are refused.
//! - [`sync`]: the pure planner: desired + live objects -> ordered [`sync::SyncTask`]s
//!   (phases, waves, kinds, hooks, prunes).
//! - [`operation`]: [`operation::SyncRun`] runs the tasks step by step against a store and
//!   writes `operationState` as Argo does; automated-sync decisions and retry backoff.
//! - [`hooks`]: the [`hooks::HookRunner`] adapter (a host can run a PostSync hook as a
//!   PipelineRun).
//! - [`health`]: gitops-engine's built-in health rules.
//! - [`rollouts`]: Argo Rollouts canary steps and replica arithmetic.
//! - [`render_application`] / [`sync_application`]: what the `argo render` and
//!   `argo sync` commands call.
//!
//! ```
//! use std::sync::Arc;
//! use gitops_core::argo::{render_application, source::Repos};
//! use gitops_core::model::{parse_objects, Object};
//! use kustomize_lite::MemoryFs;
//!
//! let mut fs = MemoryFs::new();
//! fs.insert("app/job.yaml", "apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: migrate-\n  annotations:\n    argocd.argoproj.io/hook: PreSync\n");
//! fs.insert("app/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n");
//! let repos = Repos::new().with_default(Arc::new(fs));
//! let text = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: web\n  namespace: argocd\nspec:\n  source:\n    repoURL: https://example.invalid/repo.git\n    path: app\n  destination:\n    namespace: web\n";
//! let Object::Application(app) = parse_objects(text, "app.yaml")?.remove(0) else { unreachable!() };
//! let objs = render_application(&app, &repos, "0123456789abcdef", 1_700_000_000)?;
//! let names: Vec<_> = objs.iter().map(|o| o.object["metadata"]["name"].as_str().unwrap()).collect();
//! assert_eq!(names, ["migrate-0123456-presync-1700000000", "cfg"]);
//! # Ok::<(), gitops_core::Error>(())
//! ```

mod app;
pub mod health;
pub mod hooks;
pub mod operation;
pub mod rollouts;
pub mod source;
pub mod sync;

pub use app::{
    ApplicationSync, OutputFormat, RenderedObject, format_rendered, format_sync, load_application,
    owner_key, render_application, sync_application,
};
