//! # kustomize-lite
//!
//! kustomize build as a library.
//!
//! ```
//! assert_eq!(kustomize_lite::CRATE, "kustomize-lite");
//! ```

/// This crate's name (placeholder until the crate's API lands).
pub const CRATE: &str = "kustomize-lite";
