//! The built-in transformers, in the order a kustomization runs them.

pub mod images;
pub mod labels;
pub mod name;
pub mod namereference;
pub mod namespace;
pub mod replicas;
