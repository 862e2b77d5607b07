//! # gitops-core
//!
//! Flux/Argo-style GitOps reconcile.
//!
//! ```
//! assert_eq!(gitops_core::CRATE, "gitops-core");
//! ```

/// This crate's name (placeholder until the crate's API lands).
pub const CRATE: &str = "gitops-core";
