//! The Kubernetes vocabulary every gitops-toolkit crate shares.
//!
//! - [`yaml`]: the one YAML reader (Go-compatible: `0644` is 420, `yes` stays a string,
//!   bounded, located errors) and the writer `kustomize build` output goes through.
//! - [`meta`]: [`TypeMeta`], [`ObjectMeta`] (every upstream field, unknown ones kept),
//!   [`Condition`] with [`ConditionStatus`].
//! - [`id`]: [`Gvk`], [`ResId`] (kustomize's identity: gvk, namespace, name), [`ObjectRef`]
//!   (a cluster's version-less identity), cluster scope ([`is_cluster_scoped`], [`Scopes`]
//!   learning from CRDs).
//! - [`json`] and [`number`]: Go's `encoding/json` output and number formatting.
//! - [`time`]: RFC 3339 stamps and Go's `Duration.String`.
//!
//! Typed documents are read with [`from_yaml_stream`]: the text goes through the one reader,
//! then each document is decoded, and an error names the origin, document, kind, name and the
//! field path that failed.
//!
//! ```
//! use kube_object::{ObjectMeta, from_yaml_stream};
//! use serde::Deserialize;
//!
//! #[derive(Deserialize)]
//! struct Doc { metadata: ObjectMeta, spec: serde_json::Value }
//!
//! let docs: Vec<Doc> = from_yaml_stream("metadata: {name: a}\nspec: {octal: 0644, yes1: yes}\n", "a.yaml")?;
//! assert_eq!(docs[0].metadata.name, "a");
//! assert_eq!(docs[0].spec["octal"], 420);
//! assert_eq!(docs[0].spec["yes1"], "yes");
//!
//! let err = from_yaml_stream::<Doc>("kind: X\nmetadata: {name: b, labels: {n: [1]}}\nspec: {}\n", "b.yaml")
//!     .err().unwrap();
//! assert_eq!(err.to_string(), "b.yaml: document 1 (X b): metadata.labels.n: invalid type: sequence, expected a string");
//! # Ok::<(), kube_object::DocumentError>(())
//! ```

pub mod id;
pub mod json;
pub mod meta;
pub mod number;
pub mod time;
pub mod yaml;

pub use id::{Gvk, MissingIdentity, ObjectRef, ResId, Scope, Scopes, is_cluster_scoped};
pub use meta::{Condition, ConditionStatus, ObjectMeta, OwnerReference, TypeMeta};
pub use yaml::YamlError;

use serde::de::DeserializeOwned;
use serde_json::Value;

/// A document that could not be read or decoded, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DocumentError {
    /// The text is not YAML the reader accepts (syntax, limits, duplicate keys).
    #[error(transparent)]
    Yaml(#[from] YamlError),
    /// A document does not have the shape its kind needs.
    #[error(transparent)]
    Decode(Box<DecodeError>),
}

/// A document that does not have the shape its kind needs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{origin}: document {document}{}: {path}: {message}",
    describe(kind, name)
)]
#[non_exhaustive]
pub struct DecodeError {
    /// The file (or other origin).
    pub origin: String,
    /// 1-based index of the document among the stream's non-empty documents.
    pub document: usize,
    /// The document's `kind` (may be empty).
    pub kind: String,
    /// Its `metadata.name` (may be empty).
    pub name: String,
    /// The field path that failed (`spec.tasks[0].runAfter`; `.` for the whole document).
    pub path: String,
    /// What was wrong.
    pub message: String,
}

fn describe(kind: &str, name: &str) -> String {
    match (kind.is_empty(), name.is_empty()) {
        (true, true) => String::new(),
        (false, true) => format!(" ({kind})"),
        (true, false) => format!(" ({name})"),
        (false, false) => format!(" ({kind} {name})"),
    }
}

/// Decodes one document already read, naming `origin` and `document` (1-based) in errors.
pub fn decode<T: DeserializeOwned>(
    value: Value,
    origin: &str,
    document: usize,
) -> Result<T, DocumentError> {
    let s = |p: &str| {
        value
            .pointer(p)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let (kind, name) = (s("/kind"), s("/metadata/name"));
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        DocumentError::Decode(Box::new(DecodeError {
            origin: origin.into(),
            document,
            kind,
            name,
            path,
            message: e.into_inner().to_string(),
        }))
    })
}

/// Reads a YAML stream with the one reader and decodes each non-empty document.
pub fn from_yaml_stream<T: DeserializeOwned>(
    text: &str,
    origin: &str,
) -> Result<Vec<T>, DocumentError> {
    yaml::parse_stream(text, origin)?
        .into_iter()
        .enumerate()
        .map(|(i, v)| decode(v, origin, i + 1))
        .collect()
}

/// Reads a single YAML document (the first non-empty one; `null` when there is none) and
/// decodes it.
pub fn from_yaml<T: DeserializeOwned>(text: &str, origin: &str) -> Result<T, DocumentError> {
    let docs = yaml::parse_stream(text, origin)?;
    let first = docs.into_iter().next().unwrap_or(Value::Null);
    decode(first, origin, 1)
}
