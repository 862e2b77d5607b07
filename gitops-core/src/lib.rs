//! # gitops-core
//!
//! Flux/Argo-style GitOps reconcile.

mod error;
pub mod model;
pub mod object;
pub mod substitute;

pub use error::Error;
