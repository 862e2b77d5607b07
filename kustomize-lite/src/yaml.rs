//! Reading and writing YAML streams of Kubernetes objects.
//!
//! - [`parse_stream`] reads a multi-document stream into [`serde_json::Value`]s (keys in the
//!   order written), resolving plain scalars the way kustomize's reader does (`true`/`false`
//!   but not `yes`/`on`; `0777` is 511; `1e3` a float; timestamps become RFC 3339 text;
//!   `.inf`/`.nan` are refused as JSON cannot hold them), expanding aliases and `<<` merge
//!   keys, refusing duplicate keys, and bounded by [`YamlLimits`] (input size, nesting depth,
//!   alias expansion, node count). Every error is a [`YamlError`] naming the origin,
//!   document, line and column.
//! - [`emit_stream`] writes values byte for byte as `kustomize build` prints them: `---`
//!   between documents, keys sorted in kustomize's order, 2-space indentation, block
//!   sequences level with their key, `{}`/`[]` for empty collections, strings quoted when
//!   they would read back as another type (`"1.0"`, `"yes"`, `""`) or start with an
//!   indicator (`'*'`), `|`/`|-`/`|+` blocks for multi-line text, lines folded at 80 columns.
//!
//! ```
//! use kustomize_lite::yaml::{emit_stream, parse_stream};
//!
//! let docs = parse_stream("kind: A\nspec: {ports: [80], on: yes}\n---\nb: 1.0\n", "x.yaml")?;
//! assert_eq!(docs.len(), 2);
//! assert_eq!(
//!     emit_stream(&docs),
//!     "kind: A\nspec:\n  \"on\": \"yes\"\n  ports:\n  - 80\n---\nb: 1\n"
//! );
//! # Ok::<(), kustomize_lite::yaml::YamlError>(())
//! ```

mod emit;
mod read;
mod resolve;

use serde_json::Value;

pub use emit::{EmitOptions, KeyOrder, compare_keys};

/// What kind of problem a [`YamlError`] reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum YamlErrorKind {
    /// The text is not well-formed YAML.
    Syntax,
    /// A [`YamlLimits`] bound was exceeded.
    Limit,
    /// A mapping holds the same key twice.
    DuplicateKey,
    /// Valid YAML that has no JSON form (`.inf`, a mapping as a key, a bad merge).
    Unsupported,
}

/// A YAML error with its location.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{origin}:{line}:{column}: {message} (document {document})")]
pub struct YamlError {
    /// The file (or other origin) the text came from.
    pub origin: String,
    /// 1-based index of the document in the stream (0: before the first document).
    pub document: usize,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
    /// What kind of problem this is.
    pub kind: YamlErrorKind,
    /// What went wrong.
    pub message: String,
}

/// Bounds on what a parse may cost.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct YamlLimits {
    /// Longest input accepted, in bytes (default 64 MiB).
    pub max_input_bytes: usize,
    /// Deepest nesting of sequences and mappings, aliases included (default 128).
    pub max_depth: usize,
    /// Most nodes that aliases may add in one stream (default 100,000): stops alias bombs.
    pub max_alias_expansion: usize,
    /// Most nodes in one stream, alias expansions included (default 10,000,000).
    pub max_nodes: usize,
}

impl Default for YamlLimits {
    fn default() -> Self {
        YamlLimits {
            max_input_bytes: 64 << 20,
            max_depth: 128,
            max_alias_expansion: 100_000,
            max_nodes: 10_000_000,
        }
    }
}

impl YamlLimits {
    /// These limits with another input size bound.
    #[must_use]
    pub fn with_max_input_bytes(mut self, n: usize) -> Self {
        self.max_input_bytes = n;
        self
    }

    /// These limits with another depth bound.
    #[must_use]
    pub fn with_max_depth(mut self, n: usize) -> Self {
        self.max_depth = n;
        self
    }

    /// These limits with another alias expansion bound.
    #[must_use]
    pub fn with_max_alias_expansion(mut self, n: usize) -> Self {
        self.max_alias_expansion = n;
        self
    }

    /// These limits with another node count bound.
    #[must_use]
    pub fn with_max_nodes(mut self, n: usize) -> Self {
        self.max_nodes = n;
        self
    }
}

/// How plain timestamps (`2020-01-01`, `2001-12-14t21:59:43.10-05:00`) are read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Timestamps {
    /// As `kustomize build` prints them: RFC 3339 text (`2020-01-01T00:00:00Z`).
    #[default]
    Rfc3339,
    /// As written (what `kubectl apply` does).
    AsWritten,
}

/// How [`parse_stream_with`] reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParseOptions {
    /// Bounds on the parse.
    pub limits: YamlLimits,
    /// What plain timestamps become.
    pub timestamps: Timestamps,
}

impl ParseOptions {
    /// These options with other limits.
    #[must_use]
    pub fn with_limits(mut self, limits: YamlLimits) -> Self {
        self.limits = limits;
        self
    }

    /// These options with another timestamp mode.
    #[must_use]
    pub fn with_timestamps(mut self, timestamps: Timestamps) -> Self {
        self.timestamps = timestamps;
        self
    }
}

/// Parses a multi-document YAML stream into ordered JSON values, with default limits.
///
/// Empty documents (and documents that are just `null`) are skipped. `origin` names the
/// source in errors.
pub fn parse_stream(text: &str, origin: &str) -> Result<Vec<Value>, YamlError> {
    read::parse(text, origin, &ParseOptions::default())
}

/// [`parse_stream`] with explicit limits.
pub fn parse_stream_with_limits(
    text: &str,
    origin: &str,
    limits: &YamlLimits,
) -> Result<Vec<Value>, YamlError> {
    read::parse(text, origin, &ParseOptions::default().with_limits(*limits))
}

/// [`parse_stream`] with explicit options.
pub fn parse_stream_with(
    text: &str,
    origin: &str,
    options: &ParseOptions,
) -> Result<Vec<Value>, YamlError> {
    read::parse(text, origin, options)
}

/// Writes values as `kustomize build` prints them (documents separated by `---`).
pub fn emit_stream(docs: &[Value]) -> String {
    emit::emit_stream(docs, EmitOptions::default())
}

/// Writes one value as a single document (no `---`).
pub fn emit_document(doc: &Value) -> String {
    emit::emit_stream(std::slice::from_ref(doc), EmitOptions::default())
}

/// [`emit_stream`] with explicit options (e.g. keys in the order held).
pub fn emit_stream_with(docs: &[Value], options: EmitOptions) -> String {
    emit::emit_stream(docs, options)
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_values_as_kustomize_does() {
        let text = "a: yes\nb: 0777\nc: 1e3\nd: ~\ne: 1.0\nf: 2020-01-01\ng: '1'\nh: !!str 12\n\
                    i: 12345678901234567890\nj: True\n";
        let docs = parse_stream(text, "t.yaml").unwrap();
        assert_eq!(
            docs,
            vec![
                json!({"a": "yes", "b": 511, "c": 1000.0, "d": null, "e": 1.0,
                        "f": "2020-01-01T00:00:00Z", "g": "1", "h": "12",
                        "i": 12_345_678_901_234_567_890_u64, "j": true})
            ]
        );
        let keys: Vec<&String> = docs[0].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]);
    }

    #[test]
    fn documents_and_errors_are_located() {
        let docs = parse_stream("---\n---\na: 1\n--- null\n---\n- x\n", "s.yaml").unwrap();
        assert_eq!(docs, vec![json!({"a": 1}), json!(["x"])]);

        let e = parse_stream("a: 1\n---\nb: [1, 2\n", "bad.yaml").unwrap_err();
        assert_eq!(
            (e.origin.as_str(), e.document, e.kind),
            ("bad.yaml", 2, YamlErrorKind::Syntax)
        );
        assert!(e.line >= 3, "{e}");

        let e = parse_stream("a: 1\nb: 2\na: 3\n", "dup.yaml").unwrap_err();
        assert_eq!(e.kind, YamlErrorKind::DuplicateKey);
        assert_eq!(e.line, 3);
        assert!(e.message.contains("already defined at line 1"), "{e}");

        let e = parse_stream("x: 1\ny: .inf\n", "inf.yaml").unwrap_err();
        assert_eq!(
            (e.kind, e.line, e.column),
            (YamlErrorKind::Unsupported, 2, 4)
        );
        assert!(e.to_string().starts_with("inf.yaml:2:4: "), "{e}");
    }

    #[test]
    fn merges_and_aliases() {
        let text = "base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\nm2:\n  y: 3\n  <<: [*b, {z: 9, x: 7}]\nl: [*b]\n";
        let docs = parse_stream(text, "m.yaml").unwrap();
        assert_eq!(
            docs[0],
            json!({"base": {"x": 1, "y": 2}, "m": {"y": 3, "x": 1}, "m2": {"y": 3, "x": 1, "z": 9},
                   "l": [{"x": 1, "y": 2}]})
        );
    }

    #[test]
    fn limits() {
        let e = parse_stream_with_limits(
            "a: 1\n",
            "big",
            &YamlLimits::default().with_max_input_bytes(3),
        )
        .unwrap_err();
        assert_eq!(e.kind, YamlErrorKind::Limit);
        let deep = format!("{}{}", "[".repeat(50), "]".repeat(50));
        let e = parse_stream_with_limits(&deep, "deep", &YamlLimits::default().with_max_depth(20))
            .unwrap_err();
        assert_eq!(e.kind, YamlErrorKind::Limit, "{e}");
        assert!(parse_stream(&deep, "deep").is_ok());
    }
}
