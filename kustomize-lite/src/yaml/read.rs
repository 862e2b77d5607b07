//! The reader: parser events to JSON-like values, bounded and located.

use std::collections::HashMap;

use serde_json::{Map, Number, Value};
use serde_saphyr::granit_parser::{
    ErrorKind, Event, Options, Parser, ScalarStyle, ScanError, Span, Tag,
};

use super::resolve::{Resolved, Schema, resolve};
use super::{ParseOptions, Timestamps, YamlError, YamlErrorKind};

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
        /// Line of each explicit key, in insertion order (for duplicate-key messages).
        key_lines: Vec<usize>,
        key: Option<Key>,
        merges: Vec<Map<String, Value>>,
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
    /// Where the event being handled starts (1-based line and column).
    line: usize,
    column: usize,
}

pub(super) fn parse(
    text: &str,
    origin: &str,
    options: &ParseOptions,
) -> Result<Vec<Value>, YamlError> {
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
        line: 1,
        column: 1,
    };
    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(|e| b.scan_error(&e))?;
        b.at(&span);
        b.event(event)?;
    }
    Ok(b.docs)
}

impl Builder<'_> {
    fn at(&mut self, span: &Span) {
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
                self.count_nodes(1)?;
                if self.in_key_position() {
                    let merge = match tag.as_deref() {
                        None => style == ScalarStyle::Plain && text == "<<",
                        Some(t) => is_core(t, "merge"),
                    };
                    if anchor != 0 {
                        let value = self.scalar(&text, style, tag.as_deref())?;
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
                        Key::Merge
                    } else if text == "<<" {
                        Key::Drop
                    } else {
                        Key::Name(text.into_owned(), self.line)
                    };
                    self.set_key(key);
                } else {
                    let value = self.scalar(&text, style, tag.as_deref())?;
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
            Event::SequenceStart(_, anchor, _) => {
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
            Event::MappingStart(_, anchor, _) => {
                self.reject_collection_key()?;
                self.count_nodes(1)?;
                self.check_depth(1)?;
                self.stack.push(Frame::Map {
                    map: Map::new(),
                    key_lines: Vec::new(),
                    key: None,
                    merges: Vec::new(),
                    anchor,
                    nodes: 1,
                    height: 0,
                });
            }
            Event::SequenceEnd => match self.stack.pop() {
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
            Event::MappingEnd => match self.stack.pop() {
                Some(Frame::Map {
                    mut map,
                    merges,
                    anchor,
                    nodes,
                    height,
                    ..
                }) => {
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

    fn reject_collection_key(&self) -> Result<(), YamlError> {
        if self.in_key_position() {
            return Err(self.error(
                YamlErrorKind::Unsupported,
                "a mapping key must be a scalar, not a sequence or mapping".into(),
            ));
        }
        Ok(())
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
                key_lines,
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
                        if map.contains_key(&name) {
                            let first = map
                                .keys()
                                .position(|k| *k == name)
                                .and_then(|i| key_lines.get(i))
                                .copied()
                                .unwrap_or(key_line);
                            (
                                YamlErrorKind::DuplicateKey,
                                format!("mapping key {name:?} already defined at line {first}"),
                                key_line,
                            )
                        } else {
                            map.insert(name, done.value);
                            key_lines.push(key_line);
                            return Ok(());
                        }
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
        text: &str,
        style: ScalarStyle,
        tag: Option<&Tag>,
    ) -> Result<Value, YamlError> {
        let core = tag.and_then(core_name);
        let plain = style == ScalarStyle::Plain;
        let resolved = match core.as_deref() {
            Some("str") => return Ok(Value::String(text.to_string())),
            Some("binary") => return Ok(Value::String(text.to_string())),
            Some("null") => return Ok(Value::Null),
            Some(want @ ("bool" | "int" | "float" | "timestamp")) => {
                let r = resolve(text, Schema::Read);
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
            _ if !plain => return Ok(Value::String(text.to_string())),
            _ if tag.is_some_and(|t| t.handle() == "!" && t.suffix().is_empty()) => {
                return Ok(Value::String(text.to_string()));
            }
            _ => resolve(text, Schema::Read),
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
                Timestamps::AsWritten => Value::String(text.to_string()),
            },
            Resolved::Merge | Resolved::Str => Value::String(text.to_string()),
        })
    }
}

/// The core-schema name of a tag (`str`, `int`, `merge` ...), if it is one.
fn core_name(tag: &Tag) -> Option<String> {
    tag.suffix_in_namespace(CORE_TAG_PREFIX)
        .map(|s| s.into_owned())
}

fn is_core(tag: &Tag, name: &str) -> bool {
    core_name(tag).is_some_and(|n| n == name)
}
