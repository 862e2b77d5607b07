//! # gitops-core
//!
//! The reconcile loop of Flux's source-, kustomize- and image-automation-controllers (and
//! Argo CD's Application sync) as a library: the host calls it on its own schedule, with its
//! own cluster store.
//!
//! - [`model`]: Flux `GitRepository`, `Kustomization`, `ImageRepository`, `ImagePolicy`,
//!   `ImageUpdateAutomation` and Argo CD `Application`, parsed from upstream YAML as is.
//! - [`source`]: the [`source::GitBackend`] trait (gix implementation behind the `git`
//!   feature; push through the `git` CLI), Flux ref resolution, `main@sha1:<hex>` revisions,
//!   `.sourceignore` rules.
//! - [`substitute`]: Flux's post-build `${var:=default}` substitution, exactly.
//! - [`plan`]: desired + live + previous inventory -> create / update (field diff) /
//!   unchanged / prune, in apply order. Pure.
//! - [`store`]: [`store::ClusterStore`] with in-memory and directory implementations.
//! - [`render`]: a Kustomization's `path` built with kustomize-lite as Flux builds it
//!   (generated kustomization for plain directories, `targetNamespace`, `patches`, `images`,
//!   `components`).
//! - [`reconcile`]: Kustomizations in `dependsOn` order, health checks, Flux conditions.
//! - [`automation`]: setters -> templated commit -> push.
//!
//! It does not talk to a Kubernetes API server or registries itself: those are the host's
//! store and image-policy's listers.
//!
//! ```
//! use gitops_core::model::{parse_objects, Object};
//! use gitops_core::reconcile::{reconcile_all, DirRenderer, ReconcileOptions, Source, StatusHealth};
//! use gitops_core::store::MemoryStore;
//!
//! let repo = tempfile::tempdir()?;
//! std::fs::create_dir(repo.path().join("apps"))?;
//! std::fs::write(repo.path().join("apps/cm.yaml"),
//!     "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  env: ${env}\n")?;
//! let ks = parse_objects("apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\nspec:\n  path: ./apps\n  prune: true\n  targetNamespace: web\n  sourceRef: {kind: GitRepository, name: repo}\n  postBuild:\n    substitute: {env: prod}\n", "ks.yaml")?;
//! let ks: Vec<_> = ks.into_iter().filter_map(|o| match o { Object::Kustomization(k) => Some(k), _ => None }).collect();
//! let source = Source { root: repo.path().into(), revision: "main@sha1:0123456789abcdef0123456789abcdef01234567".into() };
//! let mut store = MemoryStore::new();
//! let results = reconcile_all(&ks, &source, &DirRenderer, &mut store, &StatusHealth, ReconcileOptions::default());
//! assert_eq!(results[0].to_string().lines().next(), Some("ConfigMap/web/cfg created"));
//! assert!(results[0].ready());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod argo;
pub mod automation;
pub mod bootstrap;
mod error;
pub mod helm;
pub mod model;
pub mod object;
pub mod plan;
pub mod reconcile;
pub mod render;
pub mod source;
pub mod store;
pub mod substitute;

pub use error::{Error, KubeReason};
