//! The reader: parser events to JSON-like values, bounded and located.

use std::borrow::Cow;
use std::collections::HashMap;

use serde_json::map::Entry;
use serde_json::{Map, Number, Value};
use serde_saphyr::granit_parser::{
    ErrorKind, Event, Options, Parser, ScalarStyle, ScanError, Span, StructureStyle, Tag,
};

use super::resolve::{Resolved, Schema, resolve};
use super::{DuplicateKeys, EmptyValue, ParseOptions, Timestamps, YamlError, YamlErrorKind};

const CORE_TAG_PREFIX: &str = "tag:yaml.org,2002:";

/// A finished node: its value, how many nodes it holds and how deep it goes.
struct Done {
    value: Value,
    nodes: usize,
    height: usize,
}

/// A pending mapping key.
enum Key {
    /// An ordinary key, with the line it was written on.
    Name(String, usize),
    /// The merge key `<<`.
    Merge,
    /// A quoted (or `!!str`) `"<<"` key: kustomize drops such an entry, value and all.
    Drop,
}

enum Frame {
    Seq {
        items: Vec<Value>,
        anchor: usize,
        nodes: usize,
        height: usize,
    },
    Map {
        map: Map<String, Value>,
        /// Where this mapping's key lines start in [`Builder::key_lines`].
        lines_start: usize,
        key: Option<Key>,
        merges: Vec<Map<String, Value>>,
        /// Line of this mapping's merge key (`<<` or any `!!merge` key), 0 before one: a
        /// second is refused, as kustomize does.
        merge_line: usize,
        anchor: usize,
        nodes: usize,
        height: usize,
    },
}

struct Builder<'a> {
    origin: &'a str,
    options: &'a ParseOptions,
    document: usize,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Done>,
    root: Option<Value>,
    docs: Vec<Value>,
    nodes: usize,
    alias_nodes: usize,
    /// Line of each explicit key of the open mappings, innermost last (for duplicate-key
    /// messages); one buffer for all, so a mapping costs no allocation of its own.
    key_lines: Vec<usize>,
    /// Open flow collections (`[...]`, `{...}`).
    flow_depth: usize,
    /// The event being handled covers no text (an omitted value).
    empty_span: bool,
    /// Empty block mapping values seen, outside sequences.
    empties: Vec<EmptyValue>,
    /// Where the event being handled starts (1-based line and column).
    line: usize,
    column: usize,
}

pub(super) fn parse(
    text: &str,
    origin: &str,
    options: &ParseOptions,
) -> Result<Vec<Value>, YamlError> {
    parse_noting_empty_values(text, origin, options).map(|(docs, _)| docs)
}

/// [`parse`], also returning where a block mapping value was left empty (`key:` with
/// nothing after it) outside any sequence: kustomize's strategic merge drops those fields.
pub(super) fn parse_noting_empty_values(
    text: &str,
    origin: &str,
    options: &ParseOptions,
) -> Result<(Vec<Value>, Vec<EmptyValue>), YamlError> {
    let limits = &options.limits;
    if text.len() > limits.max_input_bytes {
        return Err(YamlError {
            origin: origin.to_string(),
            document: 0,
            line: 1,
            column: 1,
            kind: YamlErrorKind::Limit,
            message: format!(
                "input is {} bytes, more than the limit of {} bytes",
                text.len(),
                limits.max_input_bytes
            ),
        });
    }
    let mut parser_options = Options::default();
    parser_options.set_emit_comments(false);
    parser_options.block_nesting_limit = limits.max_depth;
    parser_options.flow_nesting_limit = limits.max_depth;
    let mut parser = Parser::new_from_str_with_options(text, parser_options);
    let mut b = Builder {
        origin,
        options,
        document: 0,
        stack: Vec::new(),
        anchors: HashMap::new(),
        root: None,
        docs: Vec::new(),
        nodes: 0,
        alias_nodes: 0,
        flow_depth: 0,
        empty_span: false,
        key_lines: Vec::new(),
        empties: Vec::new(),
        line: 1,
        column: 1,
    };
    while let Some(next) = parser.next_event() {
        let (mut event, span) = next.map_err(|e| b.scan_error(&e))?;
        b.at(&span);
        // A block scalar that runs to the end of a stream lacking a final line break has
        // no final line break either (go-yaml, which kustomize reads with).
        if let Event::Scalar(body, ScalarStyle::Literal | ScalarStyle::Folded, _, _) = &mut event
            && !text.ends_with('\n')
            && span.end.index() >= text.len()
            && body.ends_with('\n')
        {
            body.to_mut().pop();
        }
        b.event(event)?;
    }
    Ok((b.docs, b.empties))
}

impl Builder<'_> {
    fn at(&mut self, span: &Span) {
        self.empty_span = span.start.index() == span.end.index();
        self.line = span.start.line();
        self.column = span.start.col() + 1;
    }

    fn error(&self, kind: YamlErrorKind, message: String) -> YamlError {
        YamlError {
            origin: self.origin.to_string(),
            document: self.document,
            line: self.line,
            column: self.column,
            kind,
            message,
        }
    }

    fn scan_error(&self, e: &ScanError) -> YamlError {
        let kind = match e.kind() {
            ErrorKind::RecursionLimitExceeded => YamlErrorKind::Limit,
            _ => YamlErrorKind::Syntax,
        };
        let mut message = e.info();
        if kind == YamlErrorKind::Limit {
            message = format!(
                "nesting deeper than the limit of {} levels ({message})",
                self.options.limits.max_depth
            );
        }
        if message.is_empty() {
            message = "invalid YAML".to_string();
        }
        YamlError {
            origin: self.origin.to_string(),
            document: self.document.max(1),
            line: e.marker().line(),
            column: e.marker().col() + 1,
            kind,
            message,
        }
    }

    fn count_nodes(&mut self, n: usize) -> Result<(), YamlError> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > self.options.limits.max_nodes {
            return Err(self.error(
                YamlErrorKind::Limit,
                format!(
                    "more than {} nodes (including alias expansions)",
                    self.options.limits.max_nodes
                ),
            ));
        }
        Ok(())
    }

    fn check_depth(&self, extra: usize) -> Result<(), YamlError> {
        let depth = self.stack.len() + extra;
        if depth > self.options.limits.max_depth {
            return Err(self.error(
                YamlErrorKind::Limit,
                format!(
                    "nesting deeper than the limit of {} levels",
                    self.options.limits.max_depth
                ),
            ));
        }
        Ok(())
    }

    /// Whether the next node is a mapping key.
    /// Records the path of the empty value being read, if only mappings lead to it.
    fn note_empty_value(&mut self) {
        let mut path = Vec::with_capacity(self.stack.len());
        for frame in &self.stack {
            match frame {
                Frame::Map {
                    key: Some(Key::Name(k, _)),
                    ..
                } => path.push(k.clone()),
                _ => return,
            }
        }
        self.empties.push(EmptyValue {
            document: self.docs.len(),
            path,
        });
    }

    fn in_key_position(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Map { key: None, .. }))
    }

    fn event(&mut self, event: Event<'_>) -> Result<(), YamlError> {
        match event {
            Event::DocumentStart(..) => {
                self.document += 1;
                self.anchors.clear();
            }
            Event::DocumentEnd => {
                if let Some(root) = self.root.take()
                    && !root.is_null()
                {
                    self.docs.push(root);
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                let text: Cow<'_, str> = text;
                self.count_nodes(1)?;
                if self.in_key_position() {
                    let merge = match tag.as_deref() {
                        None => style == ScalarStyle::Plain && text == "<<",
                        Some(t) => is_core(t, "merge"),
                    };
                    if anchor != 0 {
                        let value = self.scalar(text.clone(), style, tag.as_deref())?;
                        self.anchors.insert(
                            anchor,
                            Done {
                                value,
                                nodes: 1,
                                height: 0,
                            },
                        );
                    }
                    let key = if merge {
                        self.merge_key()?;
                        Key::Merge
                    } else if text == "<<" {
                        Key::Drop
                    } else {
                        Key::Name(text.into_owned(), self.line)
                    };
                    self.set_key(key);
                } else {
                    let value = self.scalar(text, style, tag.as_deref())?;
                    if value.is_null()
                        && self.empty_span
                        && self.flow_depth == 0
                        && tag.is_none()
                        && style == ScalarStyle::Plain
                    {
                        self.note_empty_value();
                    }
                    self.finish(
                        Done {
                            value,
                            nodes: 1,
                            height: 0,
                        },
                        anchor,
                    )?;
                }
            }
            Event::SequenceStart(style, anchor, _) => {
                self.enter(style);
                self.reject_collection_key()?;
                self.count_nodes(1)?;
                self.check_depth(1)?;
                self.stack.push(Frame::Seq {
                    items: Vec::new(),
                    anchor,
                    nodes: 1,
                    height: 0,
                });
            }
            Event::MappingStart(style, anchor, _) => {
                self.enter(style);
                self.reject_collection_key()?;
                self.count_nodes(1)?;
                self.check_depth(1)?;
                self.stack.push(Frame::Map {
                    map: Map::new(),
                    lines_start: self.key_lines.len(),
                    key: None,
                    merges: Vec::new(),
                    merge_line: 0,
                    anchor,
                    nodes: 1,
                    height: 0,
                });
            }
            Event::SequenceEnd => match self.leave() {
                Some(Frame::Seq {
                    items,
                    anchor,
                    nodes,
                    height,
                }) => {
                    let done = Done {
                        value: Value::Array(items),
                        nodes,
                        height: height + 1,
                    };
                    self.finish(done, anchor)?;
                }
                _ => {
                    return Err(self.error(YamlErrorKind::Syntax, "unbalanced sequence end".into()));
                }
            },
            Event::MappingEnd => match self.leave() {
                Some(Frame::Map {
                    mut map,
                    merges,
                    anchor,
                    nodes,
                    height,
                    lines_start,
                    ..
                }) => {
                    self.key_lines.truncate(lines_start);
                    for merged in merges {
                        for (k, v) in merged {
                            if !map.contains_key(&k) {
                                map.insert(k, v);
                            }
                        }
                    }
                    let done = Done {
                        value: Value::Object(map),
                        nodes,
                        height: height + 1,
                    };
                    self.finish(done, anchor)?;
                }
                _ => return Err(self.error(YamlErrorKind::Syntax, "unbalanced mapping end".into())),
            },
            Event::Alias(id) => self.alias(id)?,
            Event::UnresolvedAlias(name) => {
                return Err(self.error(
                    YamlErrorKind::Syntax,
                    format!("alias *{name} refers to no anchor defined before it"),
                ));
            }
            _ => {}
        }
        Ok(())
    }

    fn enter(&mut self, style: StructureStyle) {
        if style == StructureStyle::Flow {
            self.flow_depth += 1;
        }
    }

    /// Closes the innermost collection (flow collections hold only flow collections, so
    /// inside one, every end closes a flow collection).
    fn leave(&mut self) -> Option<Frame> {
        self.flow_depth = self.flow_depth.saturating_sub(1);
        self.stack.pop()
    }

    fn reject_collection_key(&self) -> Result<(), YamlError> {
        if self.in_key_position() {
            return Err(self.error(
                YamlErrorKind::Unsupported,
                "a mapping key must be a scalar, not a sequence or mapping".into(),
            ));
        }
        Ok(())
    }

    /// Notes a merge key in the innermost mapping; kustomize (kyaml) refuses a second one,
    /// whatever the values, with `duplicate merge key` (a list of mappings under one `<<`
    /// is how several are merged).
    fn merge_key(&mut self) -> Result<(), YamlError> {
        let line = self.line;
        let first = match self.stack.last_mut() {
            Some(Frame::Map { merge_line, .. }) if *merge_line == 0 => {
                *merge_line = line;
                return Ok(());
            }
            Some(Frame::Map { merge_line, .. }) => *merge_line,
            _ => return Ok(()),
        };
        Err(self.error(
            YamlErrorKind::DuplicateKey,
            format!("duplicate merge key (the first is at line {first})"),
        ))
    }

    fn set_key(&mut self, key: Key) {
        if let Some(Frame::Map { key: slot, .. }) = self.stack.last_mut() {
            *slot = Some(key);
        }
    }

    fn alias(&mut self, id: usize) -> Result<(), YamlError> {
        let limits = self.options.limits;
        let Some((nodes, height)) = self.anchors.get(&id).map(|a| (a.nodes, a.height)) else {
            return Err(self.error(YamlErrorKind::Syntax, "alias to an unknown anchor".into()));
        };
        self.alias_nodes = self.alias_nodes.saturating_add(nodes);
        if self.alias_nodes > limits.max_alias_expansion {
            return Err(self.error(
                YamlErrorKind::Limit,
                format!(
                    "aliases expand to more than {} nodes (a YAML alias bomb?)",
                    limits.max_alias_expansion
                ),
            ));
        }
        self.count_nodes(nodes)?;
        self.check_depth(height)?;
        let value = self
            .anchors
            .get(&id)
            .map_or(Value::Null, |a| a.value.clone());
        if self.in_key_position() {
            let key = match value {
                Value::String(s) => s,
                Value::Null => "null".to_string(),
                Value::Bool(b) => b.to_string(),
                Value::Number(n) => n.to_string(),
                Value::Array(_) | Value::Object(_) => {
                    return Err(self.error(
                        YamlErrorKind::Unsupported,
                        "a mapping key must be a scalar, not a sequence or mapping".into(),
                    ));
                }
            };
            let line = self.line;
            self.set_key(Key::Name(key, line));
            return Ok(());
        }
        self.finish(
            Done {
                value,
                nodes,
                height,
            },
            0,
        )
    }

    /// Attaches a finished node to its parent (or makes it the document root).
    fn finish(&mut self, done: Done, anchor: usize) -> Result<(), YamlError> {
        if anchor != 0 {
            self.count_nodes(done.nodes)?;
            let copy = Done {
                value: done.value.clone(),
                nodes: done.nodes,
                height: done.height,
            };
            self.anchors.insert(anchor, copy);
        }
        let line = self.line;
        let err = match self.stack.last_mut() {
            None => {
                self.root = Some(done.value);
                return Ok(());
            }
            Some(Frame::Seq {
                items,
                nodes,
                height,
                ..
            }) => {
                items.push(done.value);
                *nodes += done.nodes;
                *height = (*height).max(done.height);
                return Ok(());
            }
            Some(Frame::Map {
                map,
                lines_start,
                key,
                merges,
                nodes,
                height,
                ..
            }) => {
                *nodes += done.nodes;
                *height = (*height).max(done.height);
                match key.take() {
                    Some(Key::Name(name, key_line)) => {
                        let name = match map.entry(name) {
                            Entry::Vacant(slot) => {
                                slot.insert(done.value);
                                self.key_lines.push(key_line);
                                return Ok(());
                            }
                            Entry::Occupied(mut slot) => {
                                if self.options.duplicate_keys == DuplicateKeys::KeepLast {
                                    slot.insert(done.value);
                                    return Ok(());
                                }
                                slot.key().clone()
                            }
                        };
                        let first = map
                            .keys()
                            .position(|k| *k == name)
                            .and_then(|i| self.key_lines.get(*lines_start + i))
                            .copied()
                            .unwrap_or(key_line);
                        (
                            YamlErrorKind::DuplicateKey,
                            format!("mapping key {name:?} already defined at line {first}"),
                            key_line,
                        )
                    }
                    Some(Key::Drop) => return Ok(()),
                    Some(Key::Merge) => match done.value {
                        Value::Object(m) => {
                            merges.push(m);
                            return Ok(());
                        }
                        Value::Array(items) if items.iter().all(Value::is_object) => {
                            merges.extend(items.into_iter().filter_map(|v| match v {
                                Value::Object(m) => Some(m),
                                _ => None,
                            }));
                            return Ok(());
                        }
                        _ => (
                            YamlErrorKind::Unsupported,
                            "the merge key << needs a mapping or a list of mappings".to_string(),
                            line,
                        ),
                    },
                    None => (
                        YamlErrorKind::Syntax,
                        "mapping value without a key".to_string(),
                        line,
                    ),
                }
            }
        };
        let (kind, message, at_line) = err;
        let mut e = self.error(kind, message);
        if at_line != line {
            e.line = at_line;
            e.column = 1;
        }
        Err(e)
    }

    /// The value of a scalar in value position.
    fn scalar(
        &self,
        text: Cow<'_, str>,
        style: ScalarStyle,
        tag: Option<&Tag>,
    ) -> Result<Value, YamlError> {
        let core = tag.and_then(core_name);
        let plain = style == ScalarStyle::Plain;
        let resolved = match core.as_deref() {
            Some("str") => return Ok(Value::String(text.into_owned())),
            Some("binary") => {
                use base64::Engine as _;
                let compact: String = text.chars().filter(|c| !matches!(c, '\r' | '\n')).collect();
                return match base64::engine::general_purpose::STANDARD.decode(compact) {
                    Ok(bytes) => Ok(Value::String(String::from_utf8_lossy(&bytes).into_owned())),
                    Err(e) => Err(self.error(
                        YamlErrorKind::Syntax,
                        format!("cannot decode !!binary value: {e}"),
                    )),
                };
            }
            Some("null") => return Ok(Value::Null),
            Some(want @ ("bool" | "int" | "float" | "timestamp")) => {
                let r = resolve(&text, Schema::Read);
                let ok = matches!(
                    (want, &r),
                    ("bool", Resolved::Bool(_))
                        | ("int", Resolved::Int(_) | Resolved::Uint(_))
                        | (
                            "float",
                            Resolved::Float(_)
                                | Resolved::NonFinite
                                | Resolved::Int(_)
                                | Resolved::Uint(_)
                        )
                        | ("timestamp", Resolved::Timestamp(_))
                );
                if !ok {
                    return Err(self.error(
                        YamlErrorKind::Syntax,
                        format!("cannot decode {text:?} as a !!{want}"),
                    ));
                }
                match (want, r) {
                    ("float", Resolved::Int(i)) => Resolved::Float(i as f64),
                    ("float", Resolved::Uint(u)) => Resolved::Float(u as f64),
                    (_, r) => r,
                }
            }
            None if style == ScalarStyle::Folded && tag.is_none() => {
                return Ok(Value::String(refold(text)));
            }
            _ if !plain => return Ok(Value::String(text.into_owned())),
            // kustomize reads an omitted value inside `{...}` or `[...]` (`{f: }`) as "",
            // where an omitted block value (`f:`) is null.
            None if tag.is_none() && self.empty_span && self.flow_depth > 0 => {
                return Ok(Value::String(String::new()));
            }
            // A custom tag (`!Ref x`) leaves the text a string; the non-specific `!` does not.
            None if tag.is_some_and(|t| !is_non_specific(t)) => {
                return Ok(Value::String(text.into_owned()));
            }
            _ => resolve(&text, Schema::Read),
        };
        Ok(match resolved {
            Resolved::Null => Value::Null,
            Resolved::Bool(b) => Value::Bool(b),
            Resolved::Int(i) => Value::Number(i.into()),
            Resolved::Uint(u) => Value::Number(u.into()),
            Resolved::Float(f) => Number::from_f64(f).map_or(Value::Null, Value::Number),
            Resolved::NonFinite => {
                return Err(self.error(
                    YamlErrorKind::Unsupported,
                    format!("{text} (infinity or NaN) has no JSON representation"),
                ));
            }
            Resolved::Timestamp(t) => match self.options.timestamps {
                Timestamps::Rfc3339 => Value::String(t.to_rfc3339()),
                Timestamps::AsWritten => Value::String(text.into_owned()),
            },
            Resolved::Merge | Resolved::Str => Value::String(text.into_owned()),
        })
    }
}

/// The text of a `>` block scalar as kustomize ends up with it.
///
/// kustomize writes every object back out as YAML, keeping each scalar's style, and reads
/// that again before printing. Its writer puts an extra line break after a folded line
/// whenever the text does not start with a blank, so a line followed by a more-indented
/// line gains an empty line in between (`x\n  y` becomes `x\n\n  y`). This replays that
/// write and read.
fn refold(text: Cow<'_, str>) -> String {
    folded_round_trip(&text).unwrap_or_else(|| text.into_owned())
}

fn folded_round_trip(value: &str) -> Option<String> {
    use super::emit::{analyze, is_break};
    if !value.contains('\n')
        || !analyze(value).block_allowed
        || value.contains(['\u{2028}', '\u{2029}'])
    {
        // Single lines fold to themselves; other texts are written double-quoted.
        return None;
    }
    let first_after_breaks = value.chars().find(|c| !is_break(*c));
    let extra_breaks = !matches!(first_after_breaks, None | Some(' ' | '\t' | '\0'));
    let mut out = String::with_capacity(value.len() * 2 + 16);
    out.push_str("v: >");
    if value.starts_with(' ') || value.chars().next().is_some_and(is_break) {
        out.push('2');
    }
    let mut rev = value.chars().rev();
    match (rev.next(), rev.next()) {
        (Some(last), _) if !is_break(last) => out.push('-'),
        (Some(_), None) => out.push('+'),
        (Some(_), Some(prev)) if is_break(prev) => out.push('+'),
        _ => {}
    }
    out.push('\n');
    let mut breaks = true;
    let mut leading_spaces = true;
    for c in value.chars() {
        if c == '\n' {
            if !breaks && !leading_spaces && extra_breaks {
                out.push('\n');
            }
            out.push('\n');
            breaks = true;
        } else {
            if breaks {
                out.push_str("  ");
                leading_spaces = c == ' ' || c == '\t';
            }
            out.push(c);
            breaks = false;
        }
    }
    let mut parser = Parser::new_from_str(&out);
    while let Some(Ok((event, _))) = parser.next_event() {
        if let Event::Scalar(text, ScalarStyle::Folded, _, _) = event {
            return Some(text.into_owned());
        }
    }
    None
}

/// The core-schema name of a tag (`str`, `int`, `merge` ...), if it is one.
fn core_name(tag: &Tag) -> Option<String> {
    tag.suffix_in_namespace(CORE_TAG_PREFIX)
        .map(|s| s.into_owned())
}

/// The non-specific tag `!`.
fn is_non_specific(tag: &Tag) -> bool {
    matches!(tag.parts(), ("", "!") | ("!", ""))
}

fn is_core(tag: &Tag, name: &str) -> bool {
    core_name(tag).is_some_and(|n| n == name)
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

    fn read(text: &str) -> Result<Vec<Value>, YamlError> {
        parse(text, "m.yaml", &ParseOptions::default())
    }

    const ANCHORS: &str = "a: &a {x: 1}\nb: &b {y: 2}\n";

    /// Two merge keys in one mapping are refused as kustomize refuses them (its message is
    /// `duplicate merge key`), located at the second; one `<<` with a list of mappings,
    /// and merge keys in different mappings, are fine.
    #[test]
    fn duplicate_merge_keys() {
        // (body after the anchors, (line, column) of the refusal or the merged `c`)
        let refused: &[(&str, (usize, usize), usize)] = &[
            ("c:\n  <<: *a\n  <<: *b\n", (5, 3), 4),
            ("c:\n  <<: *a\n  z: 3\n  <<: *b\n", (6, 3), 4),
            ("c: {<<: *a, <<: *b}\n", (3, 13), 3),
            ("c: &c {<<: [*a, *b], <<: {z: 3}}\n", (3, 22), 3),
            ("c:\n  <<: {x: 1}\n  <<: {y: 2}\n", (5, 3), 4),
            ("c:\n  <<: *a\n  <<: *a\n", (5, 3), 4),
            ("c:\n  <<: *a\n  <<: [*b]\n", (5, 3), 4),
            ("c:\n  !!merge <<: *a\n  <<: *b\n", (5, 3), 4),
            // A tagged key is located at its text, after the tag.
            ("c: {<<: *a, !!merge x: *b}\n", (3, 21), 3),
            ("c:\n  ? <<\n  : *a\n  <<: *b\n", (6, 3), 4),
            ("l:\n- <<: *a\n  <<: *b\n", (5, 3), 4),
            ("<<: *a\n<<: *b\n", (4, 1), 3),
        ];
        for (body, (line, column), first) in refused {
            let text = format!("{ANCHORS}{body}");
            let e = read(&text).unwrap_err();
            assert_eq!(
                (e.kind, e.line, e.column, e.document),
                (YamlErrorKind::DuplicateKey, *line, *column, 1),
                "{body:?}: {e}"
            );
            assert_eq!(
                e.message,
                format!("duplicate merge key (the first is at line {first})"),
                "{body:?}"
            );
        }
        let merged = serde_json::json!({"x": 1, "y": 2});
        let accepted: &[(&str, Value)] = &[
            ("c:\n  <<: [*a, *b]\n", merged.clone()),
            ("c: {<<: [*a, *b]}\n", merged.clone()),
            ("c:\n  <<: *a\n  y: 2\n", merged.clone()),
            (
                "c:\n  <<: *a\n  d:\n    <<: *b\n  y: 2\n",
                serde_json::json!({"x": 1, "y": 2, "d": {"y": 2}}),
            ),
            // A quoted "<<" is no merge key: kustomize drops it, and the plain one merges.
            ("c:\n  \"<<\": *a\n  <<: *b\n", serde_json::json!({"y": 2})),
        ];
        for (body, want) in accepted {
            let text = format!("{ANCHORS}{body}");
            let docs = read(&text).unwrap_or_else(|e| panic!("{body:?}: {e}"));
            assert_eq!(docs.len(), 1);
            assert_eq!(docs[0].get("c"), Some(want), "{body:?}");
        }
    }
}
