//! # gitops-core
//!
//! Flux/Argo-style GitOps reconcile.

mod error;
pub mod automation;
pub mod model;
pub mod object;
pub mod plan;
pub mod reconcile;
pub mod source;
pub mod store;
pub mod substitute;

pub use error::Error;
