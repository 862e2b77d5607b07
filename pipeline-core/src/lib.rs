//! # pipeline-core
//!
//! Tekton Pipelines semantics as a pure state machine.
//!
//! ```
//! assert_eq!(pipeline_core::CRATE, "pipeline-core");
//! ```

/// This crate's name (placeholder until the crate's API lands).
pub const CRATE: &str = "pipeline-core";
