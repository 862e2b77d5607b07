//! Reading and writing YAML streams of Kubernetes objects.
//!
//! Placeholder: a first version over serde-saphyr; to be replaced by the located, bounded
//! reader and the kustomize-compatible emitter.

use serde_json::Value;

/// A YAML error with its location.
#[derive(Debug, thiserror::Error)]
#[error("{origin}: {message}")]
pub struct YamlError {
    /// The file (or other origin) the text came from.
    pub origin: String,
    /// What went wrong, with line and column where known.
    pub message: String,
}

/// Parses a multi-document YAML stream into ordered JSON values (empty documents skipped).
pub fn parse_stream(text: &str, origin: &str) -> Result<Vec<Value>, YamlError> {
    serde_saphyr::from_multiple::<Value>(text).map_err(|e| YamlError {
        origin: origin.to_string(),
        message: e.to_string(),
    })
}

/// Writes values as a YAML stream, documents separated by `---`.
pub fn emit_stream(docs: &[Value]) -> String {
    let mut out = String::new();
    for (i, doc) in docs.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        out.push_str(&serde_saphyr::to_string(doc).unwrap_or_default());
    }
    out
}
