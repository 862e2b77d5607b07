//! Argo CD as Argo CD does it: sources rendered as the repo-server renders them, syncs
//! planned and run as gitops-engine runs them, health assessed as gitops-engine assesses it,
//! and Argo Rollouts canaries as a pure state machine.
//!
//! - [`source`]: `directory`, `kustomize`, `helm` sources and multiple `sources` with `ref`.
pub mod health;
pub mod source;
pub mod sync;
