//! # gitops-toolkit
//!
//! The core of a Kubernetes-native CI/CD system as one dependency: Tekton-style pipelines
//! and triggers, kustomize overlay rendering, Flux-style image policies with setter-based
//! manifest rewriting, and a Flux/Argo-style GitOps reconcile loop.
//!
//! This crate is a facade: each module re-exports one focused crate of the workspace.
//!
//! | module | crate | what it does |
//! |---|---|---|
//! | [`pipeline`] | `pipeline-core` | Tekton `Pipeline`/`Task`/`PipelineRun`: validation, DAG, run state machine, runner |
//! | [`triggers`] | `trigger-bindings` | Tekton Triggers `EventListener`: interceptors, bindings, templates |
//! | [`kustomize`] | `kustomize-lite` | `kustomize build` as a library |
//! | [`image`] | `image-policy` | Flux image policies and setter rewriting |
//! | [`gitops`] | `gitops-core` | Flux/Argo sources, Kustomizations, HelmReleases, reconcile plans, image automation |
//! | [`object`] | `kube-object` | the shared vocabulary: `ObjectMeta`, identities, scope, conditions, the one YAML reader, Go JSON |
//! | [`helm`] | `helm-lite` | Go `text/template`, Sprig and Helm's functions, charts rendered as `helm template` |
//!
//! # Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `pipeline` | yes | the [`pipeline`] module |
//! | `triggers` | yes | the [`triggers`] module |
//! | `kustomize` | yes | the [`kustomize`] module |
//! | `image` | yes | the [`image`] module |
//! | `gitops` | yes | the [`gitops`] module (with `kustomize` and `image`) |
//! | `helm` | yes | the [`helm`] module |
//! | `git` | yes | gix-backed git sources in `gitops` |
//! | `cli` | yes | the [`cli`] module and the `gitops-toolkit` binary (clap) |
//! | `server` | no | the Triggers sink and Flux receivers over HTTP (hyper on tokio) |
//! | `oci` | no | real OCI registries through oci-client (`image`) |
//! | `kube` | no | the Kubernetes API through kube-rs: `gitops`' `KubeStore` and `pipeline`'s `KubePodExecutor` |
//!
//! [`object`] (kube-object) is always there. A library user who wants no command line turns
//! the defaults off: `gitops-toolkit = { version = "0.1", default-features = false,
//! features = ["kustomize"] }`.
//!
//! The cores are pure: they never touch the network, the clock or threads. Hosts plug in
//! executors, stores, git and registries through small adapter traits.

#[cfg(feature = "cli")]
pub mod cli;
#[cfg(feature = "gitops")]
#[doc(inline)]
pub use gitops_core as gitops;
#[cfg(feature = "helm")]
#[doc(inline)]
pub use helm_lite as helm;
#[cfg(feature = "image")]
#[doc(inline)]
pub use image_policy as image;
#[doc(inline)]
pub use kube_object as object;
#[cfg(feature = "kustomize")]
#[doc(inline)]
pub use kustomize_lite as kustomize;
#[cfg(feature = "pipeline")]
#[doc(inline)]
pub use pipeline_core as pipeline;
#[cfg(feature = "triggers")]
#[doc(inline)]
pub use trigger_bindings as triggers;
