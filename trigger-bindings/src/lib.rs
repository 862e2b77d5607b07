//! # trigger-bindings
//!
//! Tekton Triggers EventListener semantics as a library.
//!
//! ```
//! assert_eq!(trigger_bindings::CRATE, "trigger-bindings");
//! ```

/// This crate's name (placeholder until the crate's API lands).
pub const CRATE: &str = "trigger-bindings";
