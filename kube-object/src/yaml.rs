//! Reading and writing YAML streams of Kubernetes objects, the way `kustomize build` does.
//!
//! `kustomize build` reads YAML with a YAML 1.2-style reader, and prints every object by
//! encoding it as JSON and handing that to a YAML 1.1-style writer. This module reproduces
//! both ends, so `emit_stream(&parse_stream(text)?)` prints what `kustomize build` prints
//! for objects it passes through unchanged.
//!
//! # Reading ([`parse_stream`])
//!
//! - Multi-document streams; empty and `null` documents are skipped; keys keep the order
//!   written. Aliases and `<<` merge keys are expanded (explicit keys win, earlier merged
//!   mappings win); a quoted `"<<"` key is dropped with its value, as kustomize does.
//!   Duplicate keys are an error.
//! - Plain scalars: `true`/`false` (also `True`, `TRUE` ...) are booleans but `yes`/`on`
//!   stay strings; `~`, `null`, empty are null; integers in decimal, `0x`, `0o`, `0b` and
//!   leading-zero octal (`0644` is 420), with `_` separators; `1e3`, `1.0`, `.5`, `08` are
//!   floats; integers past 64 bits become floats; timestamps (`2020-01-01`) become RFC 3339
//!   text (`2020-01-01T00:00:00Z`, see [`Timestamps`]); `.inf`/`.nan` are an error (JSON
//!   cannot hold them). Keys keep their text (`1: x` has the key `"1"`).
//! - Tags: `!!str`, `!!int`, `!!float`, `!!bool`, `!!null`, `!!binary` (decoded) apply;
//!   any other tag leaves the text a string; `!` resolves as untagged.
//! - An omitted value is null in block context (`a:`) and `""` inside `{...}`/`[...]`;
//!   `>` blocks replay kustomize's own write-and-read (a line followed by a more-indented
//!   line gains an empty line in between).
//! - Bounded by [`YamlLimits`]: input size, nesting depth (aliases included), nodes added
//!   by aliases (alias bombs), total nodes. Every error is a [`YamlError`] with origin,
//!   document, line and column.
//!
//! # Writing ([`emit_stream`])
//!
//! - Documents separated by `---` lines; each ends with a newline; no leading `---`.
//! - Mapping keys sorted by [`compare_keys`]; 2-space indentation; block sequences level
//!   with their key (`containers:` / `- name: x`); `{}` and `[]` for empty collections;
//!   keys longer than 128 bytes or holding line breaks are written `? key` / `: value`.
//! - Strings: multi-line text as `|` (final line break kept once), `|-` (none) or `|+`
//!   (several), with `|2` when the text starts with a space or a line break; a string that
//!   would read back as another type in YAML 1.1 (`"1.0"`, `"0777"`, `"yes"`, `"on"`, `"y"`,
//!   `"~"`, `""`, `"2020-01-01"`, `"12:30"`) is double-quoted; one that cannot be plain
//!   (leading or trailing space, a leading indicator such as `*`, `-`+space, `? `, `: `,
//!   ` #`, a trailing `:`, a leading `---`) is single-quoted; one with characters outside
//!   the printable set (tab, control characters, characters beyond U+FFFF, U+FEFF) or with
//!   a space before a line break is double-quoted with escapes (`\t`, `\x01`,
//!   `\U0001F600`). Plain and quoted scalars fold at the first space past column 80.
//! - Numbers: integers in decimal; a float integral and below 1e21 prints as an integer
//!   (`1.0` -> `1`), any other float in Go's shortest `%g` form (`0.5`, `1e-05`,
//!   `1.2345675e+06`, `1e+21`). Booleans `true`/`false`, null `null`.
//!
//! ```
//! use kube_object::yaml::{emit_stream, parse_stream};
//!
//! let docs = parse_stream("kind: A\nspec: {ports: [80], on: yes}\n---\nb: 1.0\n", "x.yaml")?;
//! assert_eq!(docs.len(), 2);
//! assert_eq!(
//!     emit_stream(&docs),
//!     "kind: A\nspec:\n  \"on\": \"yes\"\n  ports:\n  - 80\n---\nb: 1\n"
//! );
//! # Ok::<(), kube_object::yaml::YamlError>(())
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
    /// What a key given twice in one mapping does.
    pub duplicate_keys: DuplicateKeys,
}

/// What a key given twice in one mapping does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum DuplicateKeys {
    /// An error naming both lines, as kustomize reads resources.
    #[default]
    Refuse,
    /// The last value wins, as kustomize reads a `kustomization.yaml`.
    KeepLast,
}

impl ParseOptions {
    /// These options with other limits.
    #[must_use]
    pub fn with_limits(mut self, limits: YamlLimits) -> Self {
        self.limits = limits;
        self
    }

    /// These options with another rule for duplicate keys.
    #[must_use]
    pub fn with_duplicate_keys(mut self, duplicate_keys: DuplicateKeys) -> Self {
        self.duplicate_keys = duplicate_keys;
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

/// A block mapping value written empty (`labels:` with nothing after it), reached through
/// mappings only; it reads as `null`, and kustomize's strategic merge drops such fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmptyValue {
    /// The index of the document among those [`parse_stream`] returns.
    pub document: usize,
    /// The keys leading to it.
    pub path: Vec<String>,
}

/// [`parse_stream_with`], also saying where mapping values were left empty.
pub fn parse_stream_noting_empty_values(
    text: &str,
    origin: &str,
    options: &ParseOptions,
) -> Result<(Vec<Value>, Vec<EmptyValue>), YamlError> {
    read::parse_noting_empty_values(text, origin, options)
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
    fn tagged_scalars_table() {
        let cases: &[(&str, Value)] = &[
            ("!!str 0777", json!("0777")),
            ("!!int \"12\"", json!(12)),
            ("!!float 3", json!(3.0)),
            ("!!bool TRUE", json!(true)),
            ("!!null x", json!(null)),
            ("!!binary aGVsbG8=", json!("hello")),
            ("!!binary |\n  aGVs\n  bG8=", json!("hello")),
            ("! 12", json!(12)),
            ("!custom 12", json!("12")),
            ("'<<'", json!("<<")),
            (">-\n  x\n   indented\n  y", json!("x\n\n indented\ny")),
            (
                ">\n  folded\n  line\n\n  para\n",
                json!("folded line\npara\n"),
            ),
            (">2-\n   lead\n  x\n   more", json!(" lead\nx\n more")),
            ("{f: }", json!({"f": ""})),
            ("{f: ~}", json!({"f": null})),
            ("[f: ]", json!([{"f": ""}])),
            ("", json!(null)),
            ("~", json!(null)),
        ];
        for (text, want) in cases {
            let docs = parse_stream(&format!("v: {text}\n"), "tags.yaml").unwrap();
            assert_eq!(&docs[0]["v"], want, "{text}");
        }
        let docs = parse_stream("x: 1\n'<<': {y: 2}\n", "drop.yaml").unwrap();
        assert_eq!(docs[0], json!({"x": 1}));
        let e = parse_stream("v: !!binary '%%'\n", "bad.yaml").unwrap_err();
        assert_eq!((e.kind, e.line), (YamlErrorKind::Syntax, 1));
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
        let e =
            parse_stream("a:\n  x: 1\n  b:\n    y: 2\n    z: 3\n  x: 3\n", "dup.yaml").unwrap_err();
        assert_eq!((e.kind, e.line), (YamlErrorKind::DuplicateKey, 6));
        assert!(e.message.contains("\"x\" already defined at line 2"), "{e}");

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
