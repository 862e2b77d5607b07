//! Setter markers: `# {"$imagepolicy": "NS:NAME[:tag|:name|:digest]"}` line comments on
//! YAML scalars, rewritten in place byte for byte.

use std::collections::BTreeMap;
use std::ops::Range;

use granit_parser::{Event, Parser, ScalarStyle};
use serde::Serialize;

use crate::{Error, ImageRef};

/// The marker keyword; a file without it is never parsed.
pub const MARKER: &str = "$imagepolicy";
/// The largest file [`rewrite_setters`] reads.
pub const MAX_FILE_LEN: usize = 16 << 20;
/// The most markers [`rewrite_setters`] handles in one file.
pub const MAX_MARKERS_PER_FILE: usize = 100_000;

/// The Kubernetes object a change was made in (from its document's `apiVersion`, `kind`,
/// `metadata.namespace` and `metadata.name`; empty when absent).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ObjectIdentifier {
    /// `apiVersion`.
    #[serde(rename = "APIVersion")]
    pub api_version: String,
    /// `kind`.
    #[serde(rename = "Kind")]
    pub kind: String,
    /// `metadata.namespace`.
    #[serde(rename = "Namespace")]
    pub namespace: String,
    /// `metadata.name`.
    #[serde(rename = "Name")]
    pub name: String,
}

/// One rewritten field. Serialises with Flux's commit-template names (`OldValue`,
/// `NewValue`, `Setter`) plus `File`, `Line` and `Object`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Change {
    /// The file, as named by the caller (relative to the tree for [`crate::update_tree`]).
    pub file: String,
    /// 1-based line of the value.
    pub line: usize,
    /// The object the value belongs to.
    pub object: ObjectIdentifier,
    /// The marker's setter, e.g. `flux-system:app:tag`.
    pub setter: String,
    /// The value before.
    pub old_value: String,
    /// The value after.
    pub new_value: String,
}

/// A marker naming a policy (or a part of a policy's image) that is not known; the value is
/// left alone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UnknownSetter {
    /// The file.
    pub file: String,
    /// 1-based line of the marked value.
    pub line: usize,
    /// The marker's setter.
    pub setter: String,
}

/// The result of rewriting one file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileRewrite {
    /// The new text (equal to the input when nothing changed).
    pub text: String,
    /// Values changed, in document order.
    pub changes: Vec<Change>,
    /// Markers whose policy is not known.
    pub unknown: Vec<UnknownSetter>,
}

/// Which part of a policy's image a marker sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetterField {
    /// `NS:NAME`: the whole reference, `name:tag[@digest]`.
    Image,
    /// `NS:NAME:tag`.
    Tag,
    /// `NS:NAME:name`.
    Name,
    /// `NS:NAME:digest`.
    Digest,
}

/// A parsed marker value: `NS:NAME[:field]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setter {
    /// `NS:NAME`, the key into the policies map.
    pub policy: String,
    /// The part of the image the marker sets; `None` for an unknown suffix.
    pub field: Option<SetterField>,
}

impl Setter {
    /// Splits `NS:NAME[:tag|:name|:digest]`.
    pub fn parse(setter: &str) -> Setter {
        let mut parts = setter.splitn(3, ':');
        let (ns, name, suffix) = (parts.next().unwrap_or(""), parts.next(), parts.next());
        let policy = match name {
            Some(name) => format!("{ns}:{name}"),
            None => ns.to_string(),
        };
        let field = match suffix {
            None => Some(SetterField::Image),
            Some("tag") => Some(SetterField::Tag),
            Some("name") => Some(SetterField::Name),
            Some("digest") => Some(SetterField::Digest),
            Some(_) => None,
        };
        Setter { policy, field }
    }

    /// The value this setter gives for `image`, when it has one (a tag setter needs a tag,
    /// a digest setter a digest).
    pub fn value(&self, image: &ImageRef) -> Option<String> {
        match self.field? {
            SetterField::Image => Some(image.to_string()),
            SetterField::Tag => image.tag().map(str::to_string),
            SetterField::Name => Some(image.name().to_string()),
            SetterField::Digest => image.digest().map(str::to_string),
        }
    }
}

/// Reads the setter out of a comment payload (the text after `#`), when the comment is a
/// marker: a JSON (or YAML flow) object with a string `$imagepolicy` member and nothing else
/// around it.
pub fn parse_marker(comment: &str) -> Option<String> {
    let body = comment.trim();
    if !body.starts_with('{') || !body.contains(MARKER) {
        return None;
    }
    if let Ok(map) = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(body) {
        return map.get(MARKER)?.as_str().map(str::to_string);
    }
    let doc = kube_object::yaml::parse_stream(body, "setter marker").ok()?;
    doc.first()?.get(MARKER)?.as_str().map(str::to_string)
}

/// Rewrites every marked value of one YAML file (all its documents) and returns the new
/// text and the changes. Only the marked scalars' bytes change; a plain value that would
/// read as a number or boolean is written double-quoted.
///
/// `policies` maps `namespace:name` to the policy's latest image. Markers naming other
/// policies are left alone (see [`rewrite_setters_detailed`] to get them reported).
///
/// ```
/// use std::collections::BTreeMap;
/// use image_policy::{rewrite_setters, ImageRef};
///
/// let text = "spec:\n  image: ghcr.io/org/app:1.0.0 # {\"$imagepolicy\": \"flux-system:app\"}\n";
/// let policies = BTreeMap::from([("flux-system:app".to_string(), ImageRef::parse("ghcr.io/org/app:1.1.0")?)]);
/// let (out, changes) = rewrite_setters(text, "deploy.yaml", &policies)?;
/// assert_eq!(out, "spec:\n  image: ghcr.io/org/app:1.1.0 # {\"$imagepolicy\": \"flux-system:app\"}\n");
/// assert_eq!(changes[0].line, 2);
/// # Ok::<(), image_policy::Error>(())
/// ```
pub fn rewrite_setters(
    text: &str,
    file: &str,
    policies: &BTreeMap<String, ImageRef>,
) -> Result<(String, Vec<Change>), Error> {
    let r = rewrite_setters_detailed(text, file, policies)?;
    Ok((r.text, r.changes))
}

enum Frame<'a> {
    Map {
        next_is_key: bool,
        key: Option<std::borrow::Cow<'a, str>>,
    },
    Seq,
}

struct Candidate {
    range: Range<usize>,
    line: usize,
    end_line: usize,
    style: ScalarStyle,
    value: String,
}

struct Pending {
    range: Range<usize>,
    replacement: String,
    change: Change,
}

/// [`rewrite_setters`] that also reports markers of unknown policies.
pub fn rewrite_setters_detailed(
    text: &str,
    file: &str,
    policies: &BTreeMap<String, ImageRef>,
) -> Result<FileRewrite, Error> {
    if text.len() > MAX_FILE_LEN {
        return Err(Error::TooLarge {
            what: file.to_string(),
            size: text.len(),
            limit: MAX_FILE_LEN,
        });
    }
    let mut out = FileRewrite {
        text: text.to_string(),
        ..FileRewrite::default()
    };
    if !text.contains(MARKER) {
        return Ok(out);
    }
    let mut stack: Vec<Frame<'_>> = Vec::new();
    let mut candidate: Option<Candidate> = None;
    let mut object = ObjectIdentifier::default();
    let mut doc_start = 0usize; // index into `pending` of the current document's first change
    let mut pending: Vec<Pending> = Vec::new();
    let mut markers = 0usize;

    for item in Parser::new_from_str(text) {
        let (event, span) = item.map_err(|e| Error::Yaml {
            file: file.to_string(),
            line: e.marker().line(),
            column: e.marker().col() + 1,
            message: e.to_string(),
        })?;
        match event {
            Event::Comment(payload, _) => {
                let Some(c) = candidate.take() else { continue };
                if span.start.line() != c.end_line {
                    continue;
                }
                let Some(setter_text) = parse_marker(&payload) else {
                    continue;
                };
                markers += 1;
                if markers > MAX_MARKERS_PER_FILE {
                    return Err(Error::TooLarge {
                        what: format!("{file}: markers"),
                        size: markers,
                        limit: MAX_MARKERS_PER_FILE,
                    });
                }
                let setter = Setter::parse(&setter_text);
                let new_value = policies
                    .get(&setter.policy)
                    .and_then(|img| setter.value(img));
                let Some(new_value) = new_value else {
                    out.unknown.push(UnknownSetter {
                        file: file.to_string(),
                        line: c.line,
                        setter: setter_text,
                    });
                    continue;
                };
                if matches!(c.style, ScalarStyle::Literal | ScalarStyle::Folded)
                    || new_value == c.value
                {
                    continue;
                }
                let replacement = encode_scalar(&new_value, c.style);
                pending.push(Pending {
                    range: c.range,
                    replacement,
                    change: Change {
                        file: file.to_string(),
                        line: c.line,
                        object: ObjectIdentifier::default(),
                        setter: setter_text,
                        old_value: c.value,
                        new_value,
                    },
                });
            }
            Event::Scalar(value, style, _, _) => {
                let depth = stack.len();
                let role = before_node(&mut stack);
                match role {
                    Role::Key => {
                        if let Some(Frame::Map { key, .. }) = stack.last_mut() {
                            *key = (depth <= 2).then_some(value.clone());
                        }
                        candidate = None;
                    }
                    Role::Value | Role::Item => {
                        record_object_field(&stack, &value, &mut object);
                        candidate = span.byte_range().map(|range| Candidate {
                            range,
                            line: span.start.line(),
                            end_line: span.end.line(),
                            style,
                            value: value.into_owned(),
                        });
                    }
                    Role::Root => candidate = None,
                }
                after_node(&mut stack);
            }
            Event::Alias(_) | Event::UnresolvedAlias(_) => {
                candidate = None;
                before_node(&mut stack);
                after_node(&mut stack);
            }
            Event::MappingStart(..) => {
                candidate = None;
                before_node(&mut stack);
                stack.push(Frame::Map {
                    next_is_key: true,
                    key: None,
                });
            }
            Event::SequenceStart(..) => {
                candidate = None;
                before_node(&mut stack);
                stack.push(Frame::Seq);
            }
            Event::MappingEnd | Event::SequenceEnd => {
                candidate = None;
                stack.pop();
                after_node(&mut stack);
            }
            Event::DocumentStart(..) => {
                candidate = None;
                stack.clear();
                object = ObjectIdentifier::default();
                doc_start = pending.len();
            }
            Event::DocumentEnd => {
                candidate = None;
                for p in pending.iter_mut().skip(doc_start) {
                    p.change.object = object.clone();
                }
                doc_start = pending.len();
            }
            _ => candidate = None,
        }
    }
    if pending.is_empty() {
        return Ok(out);
    }
    let mut new_text = String::with_capacity(text.len() + 64);
    let mut at = 0usize;
    for p in pending {
        let (Some(before), true) = (text.get(at..p.range.start), p.range.start >= at) else {
            continue;
        };
        new_text.push_str(before);
        new_text.push_str(&p.replacement);
        at = p.range.end;
        out.changes.push(p.change);
    }
    new_text.push_str(text.get(at..).unwrap_or_default());
    out.text = new_text;
    Ok(out)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Root,
    Key,
    Value,
    Item,
}

fn before_node(stack: &mut [Frame<'_>]) -> Role {
    match stack.last() {
        None => Role::Root,
        Some(Frame::Seq) => Role::Item,
        Some(Frame::Map {
            next_is_key: true, ..
        }) => Role::Key,
        Some(Frame::Map {
            next_is_key: false, ..
        }) => Role::Value,
    }
}

fn after_node(stack: &mut [Frame<'_>]) {
    if let Some(Frame::Map { next_is_key, .. }) = stack.last_mut() {
        *next_is_key = !*next_is_key;
    }
}

/// Notes `apiVersion`, `kind`, `metadata.name` and `metadata.namespace` of the document.
fn record_object_field(stack: &[Frame<'_>], value: &str, object: &mut ObjectIdentifier) {
    let key_of = |f: Option<&Frame<'_>>| match f {
        Some(Frame::Map { key: Some(k), .. }) => Some(k.as_ref().to_string()),
        _ => None,
    };
    match stack {
        [top] => match key_of(Some(top)).as_deref() {
            Some("apiVersion") => object.api_version = value.to_string(),
            Some("kind") => object.kind = value.to_string(),
            _ => {}
        },
        [root, meta] if key_of(Some(root)).as_deref() == Some("metadata") => {
            match key_of(Some(meta)).as_deref() {
                Some("name") => object.name = value.to_string(),
                Some("namespace") => object.namespace = value.to_string(),
                _ => {}
            }
        }
        _ => {}
    }
}

/// Writes `value` in the style the old scalar had.
fn encode_scalar(value: &str, style: ScalarStyle) -> String {
    match style {
        ScalarStyle::SingleQuoted if !value.contains(['\n', '\r']) => {
            format!("'{}'", value.replace('\'', "''"))
        }
        ScalarStyle::Plain if is_plain_safe(value) && !is_yaml11_non_string(value) => {
            value.to_string()
        }
        _ => double_quote(value),
    }
}

fn double_quote(value: &str) -> String {
    let mut s = String::with_capacity(value.len() + 2);
    s.push('"');
    for c in value.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\t' => s.push_str("\\t"),
            '\r' => s.push_str("\\r"),
            c if c.is_control() => s.push_str(&format!("\\u{:04x}", c as u32)),
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

/// Conservative: the characters of image references, tags and digests, starting with a
/// letter, digit, `.`, `/` or `_`, not ending with `:`.
fn is_plain_safe(value: &str) -> bool {
    let mut bytes = value.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'/' | b'_'))
        && value.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'.' | b'_' | b'/' | b':' | b'@' | b'+' | b'=' | b'~' | b'-'
                )
        })
        && !value.ends_with(':')
}

/// Whether a plain scalar would read as something other than a string under YAML 1.1
/// (null, boolean, integer, float), which Kubernetes tooling still uses.
pub(crate) fn is_yaml11_non_string(value: &str) -> bool {
    if value.is_empty() {
        return false;
    }
    const WORDS: &[&str] = &[
        "~", "null", "Null", "NULL", "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
        "true", "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF",
        ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan",
        ".NaN", ".NAN",
    ];
    if WORDS.contains(&value) {
        return true;
    }
    let plain: String = value.chars().filter(|&c| c != '_').collect();
    let unsigned = plain.strip_prefix(['+', '-']).unwrap_or(&plain);
    let digits = |s: &str, radix: u32| !s.is_empty() && s.chars().all(|c| c.is_digit(radix));
    if let Some(hex) = unsigned
        .strip_prefix("0x")
        .or_else(|| unsigned.strip_prefix("0X"))
    {
        return digits(hex, 16);
    }
    if let Some(bin) = unsigned
        .strip_prefix("0b")
        .or_else(|| unsigned.strip_prefix("0B"))
    {
        return digits(bin, 2);
    }
    if let Some(oct) = unsigned
        .strip_prefix("0o")
        .or_else(|| unsigned.strip_prefix("0O"))
    {
        return digits(oct, 8);
    }
    is_yaml_float(unsigned)
}

/// `(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?` (integers included).
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let count_digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    if b.first() == Some(&b'.') {
        i = 1;
        if count_digits(&mut i) == 0 {
            return false;
        }
    } else {
        if count_digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            count_digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if count_digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
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

    fn policies(p: &[(&str, &str)]) -> BTreeMap<String, ImageRef> {
        p.iter()
            .map(|(k, v)| (k.to_string(), ImageRef::parse(v).unwrap()))
            .collect()
    }

    #[test]
    fn markers() {
        assert_eq!(
            parse_marker(r#" {"$imagepolicy": "ns:app"}"#).as_deref(),
            Some("ns:app")
        );
        assert_eq!(
            parse_marker(r#"{"$imagepolicy":"ns:app:tag"}  "#).as_deref(),
            Some("ns:app:tag")
        );
        assert_eq!(
            parse_marker(r#" {$imagepolicy: "ns:app"}"#).as_deref(),
            Some("ns:app")
        );
        assert_eq!(
            parse_marker(r#" {"$imagepolicy": "ns:app"} trailing"#),
            None
        );
        assert_eq!(parse_marker(r#" {"$imagepolicy": 1}"#), None);
        assert_eq!(parse_marker(" uses $imagepolicy in prose"), None);
        assert_eq!(
            Setter::parse("ns:app:tag"),
            Setter {
                policy: "ns:app".into(),
                field: Some(SetterField::Tag)
            }
        );
        assert_eq!(Setter::parse("ns:app:bogus").field, None);
    }

    #[test]
    fn styles_and_positions() {
        let p = policies(&[
            ("ns:app", "reg.io/app:1.10"),
            (
                "ns:d",
                "app:2@sha256:6745aaad46d795c9836632e1fb62f24b7e7f4c843144da8e47a5465c411a14be",
            ),
        ]);
        let cases: &[(&str, &str)] = &[
            // plain value in a mapping
            (
                "a: old # {\"$imagepolicy\": \"ns:app\"}\n",
                "a: reg.io/app:1.10 # {\"$imagepolicy\": \"ns:app\"}\n",
            ),
            // a tag that reads as a float is quoted
            (
                "t: 1.0 # {\"$imagepolicy\": \"ns:app:tag\"}\n",
                "t: \"1.10\" # {\"$imagepolicy\": \"ns:app:tag\"}\n",
            ),
            // quoted styles are kept
            (
                "t: \"1.0\" # {\"$imagepolicy\": \"ns:app:tag\"}\n",
                "t: \"1.10\" # {\"$imagepolicy\": \"ns:app:tag\"}\n",
            ),
            (
                "t: '1.0' # {\"$imagepolicy\": \"ns:app:tag\"}\n",
                "t: '1.10' # {\"$imagepolicy\": \"ns:app:tag\"}\n",
            ),
            // sequence items, several per line group, CRLF
            (
                "l:\n- x # {\"$imagepolicy\": \"ns:app:name\"}\r\n- y\r\n",
                "l:\n- reg.io/app # {\"$imagepolicy\": \"ns:app:name\"}\r\n- y\r\n",
            ),
            // digest
            (
                "d: sha256:0 # {\"$imagepolicy\": \"ns:d:digest\"}\n",
                "d: sha256:6745aaad46d795c9836632e1fb62f24b7e7f4c843144da8e47a5465c411a14be # {\"$imagepolicy\": \"ns:d:digest\"}\n",
            ),
            // a marker on a key, a block scalar, an alias, a comment on its own line: untouched
            (
                "k: # {\"$imagepolicy\": \"ns:app\"}\n  v: 1\n",
                "k: # {\"$imagepolicy\": \"ns:app\"}\n  v: 1\n",
            ),
            (
                "b: |\n  x\n# {\"$imagepolicy\": \"ns:app\"}\n",
                "b: |\n  x\n# {\"$imagepolicy\": \"ns:app\"}\n",
            ),
            (
                "a: &x v\nb: *x # {\"$imagepolicy\": \"ns:app\"}\n",
                "a: &x v\nb: *x # {\"$imagepolicy\": \"ns:app\"}\n",
            ),
            (
                "a: v\n# {\"$imagepolicy\": \"ns:app\"}\n",
                "a: v\n# {\"$imagepolicy\": \"ns:app\"}\n",
            ),
        ];
        for (input, want) in cases {
            let (got, _) = rewrite_setters(input, "f.yaml", &p).unwrap();
            assert_eq!(got, *want, "input {input:?}");
        }
    }

    #[test]
    fn multi_document_objects_and_unknowns() {
        let p = policies(&[("ns:app", "app:2")]);
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: n\nspec:\n  image: app:1 # {\"$imagepolicy\": \"ns:app\"}\n---\nkind: Other\nx: app:1 # {\"$imagepolicy\": \"ns:gone\"}\ny: app:1 # {\"$imagepolicy\": \"ns:app:digest\"}\nz: app:1 # {\"$imagepolicy\": \"ns:app\"}\n";
        let r = rewrite_setters_detailed(text, "f.yaml", &p).unwrap();
        assert_eq!(r.changes.len(), 2);
        assert_eq!(
            r.changes[0].object,
            ObjectIdentifier {
                api_version: "v1".into(),
                kind: "Pod".into(),
                namespace: "n".into(),
                name: "p".into()
            }
        );
        assert_eq!(r.changes[1].object.kind, "Other");
        assert_eq!(r.changes[1].line, 12);
        assert_eq!(
            r.unknown
                .iter()
                .map(|u| u.setter.as_str())
                .collect::<Vec<_>>(),
            ["ns:gone", "ns:app:digest"]
        );
        let (again, changes) = rewrite_setters(&r.text, "f.yaml", &p).unwrap();
        assert_eq!(again, r.text);
        assert!(changes.is_empty());
    }

    #[test]
    fn invalid_yaml_with_a_marker_names_the_line() {
        let e = rewrite_setters(
            "a: b # {\"$imagepolicy\": \"ns:app\"}\n- c\n",
            "bad.yaml",
            &BTreeMap::new(),
        )
        .unwrap_err();
        let msg = e.to_string();
        assert!(msg.starts_with("bad.yaml:2:"), "{msg}");
    }

    #[test]
    fn yaml11_non_strings() {
        for s in [
            "1", "1.10", "-1", "0x1F", "1e3", ".5", "yes", "off", "~", "1_000", "0o17",
        ] {
            assert!(is_yaml11_non_string(s), "{s}");
        }
        for s in [
            "v1",
            "1.0.1",
            "latest",
            "1.2.3-rc",
            "sha256:abc",
            "2024-01-01",
            "e5",
            "",
        ] {
            assert!(!is_yaml11_non_string(s), "{s}");
        }
    }
}
