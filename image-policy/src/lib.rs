//! # image-policy
//!
//! Flux image policies and setter rewriting.
//!
//! ```
//! assert_eq!(image_policy::CRATE, "image-policy");
//! ```

/// This crate's name (placeholder until the crate's API lands).
pub const CRATE: &str = "image-policy";
