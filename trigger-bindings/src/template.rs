//! TriggerTemplate rendering: `$(tt.params.x)` and `$(uid)` replaced textually in each
//! resource template's compact JSON, as Tekton does, then the result parsed back.
//!
//! Escaping follows Tekton: a param value is inserted as is (string values from bindings
//! are already JSON-escaped, so quotes and newlines stay valid inside JSON strings), `$(`
//! in a value becomes `$$(` so it cannot be read as a variable later, and the
//! `triggers.tekton.dev/old-escape-quotes` annotation restores the old `"` -> `\"` rule.
//!
//! The textual substitution is the definition ([`Template::render_textual`]);
//! [`Template::render`] reaches the same result without parsing the whole document again
//! on every event. A resource template that is valid JSON before substitution is
//! compiled once into a tree: parts without `$(` are parsed up front, and each string
//! (value or key) holding `$(` keeps its raw text between the quotes, still escaped.
//! Rendering substitutes into those raw strings one by one, exactly as into the whole
//! text, and decodes each result as a JSON string body. If every result is a well-formed
//! body, the substituted document has the shape the original had, so the tree is the
//! value a parse would give. If one is not (a value that closes the quote, ends in a
//! backslash or holds a control byte), that resource template is rendered textually,
//! which yields the same value or the same error as before.
//!
//! Output is bounded: before a resource template is rendered, the length its substituted
//! text will have is counted (from the lengths of the values, without building anything),
//! and a render that would bring the total past its budget is refused with an error for
//! that resource template. Both paths count the same text with the same scan, so they
//! refuse at the same place with the same message.

use crate::model::{ParamSpec, TriggerTemplate, TriggerTemplateSpec};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The annotation that keeps Tekton's old quote escaping.
pub const OLD_ESCAPE_ANNOTATION: &str = "triggers.tekton.dev/old-escape-quotes";

/// What introduces a param reference; its name runs to the next `)`.
const PARAM_PREFIX: &str = "$(tt.params.";

/// The budget [`Template::render`] and [`Template::render_textual`] use: 16 MiB of
/// substituted text (the default of `Limits::max_render_bytes`). Kubernetes objects are
/// limited to about 1.5 MiB each by etcd, so this leaves room for several large resources.
pub const DEFAULT_MAX_RENDER_BYTES: usize = 16 * 1024 * 1024;

/// How many bytes of substituted text a render may still produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RenderBudget {
    /// The limit, for the message.
    limit: usize,
    /// Counted against the limit so far (by earlier renders of the same event).
    used: usize,
}

impl RenderBudget {
    /// A budget of `limit` bytes of which `used` are spent.
    pub(crate) fn new(limit: usize, used: usize) -> RenderBudget {
        RenderBudget { limit, used }
    }

    /// What is left.
    fn left(&self) -> usize {
        self.limit.saturating_sub(self.used)
    }

    /// The refusal of resource template `index`.
    fn refusal(&self, index: usize) -> (usize, String) {
        let mut message = format!(
            "the rendered resources would exceed the limit of {} bytes for one event \
             (Limits::max_render_bytes)",
            self.limit
        );
        if self.used > 0 {
            message.push_str(&format!(
                "; {} bytes were already rendered for earlier triggers",
                self.used
            ));
        }
        (index, message)
    }
}

/// One piece of a text as the substitution scan cuts it.
enum Piece<'t, 'p> {
    /// Text kept as is.
    Text(&'t str),
    /// A reference to a given param, replaced by its value.
    Param {
        /// The param's name.
        name: &'t str,
        /// Its value.
        value: &'p str,
    },
    /// `$(uid)`.
    Uid,
}

/// Cuts `text` as the substitution reads it, in order, until `f` returns `false`: text
/// kept as is, given params and `$(uid)`. A reference to a param that is not given is
/// kept as text and the scan goes on just after its `$(`, inside the name. Linear in the
/// text: the position of the next `)` is remembered rather than searched for again.
fn scan_references<'t, 'p>(
    text: &'t str,
    params: &'p BTreeMap<String, String>,
    mut f: impl FnMut(Piece<'t, 'p>) -> bool,
) {
    // The first `)` at or after some offset (absolute), or `None` if there is none.
    let mut close: Option<Option<usize>> = None;
    let mut pos = 0;
    while let Some(at) = text.get(pos..).and_then(|r| r.find("$(")) {
        let at = pos + at;
        if !f(Piece::Text(text.get(pos..at).unwrap_or_default())) {
            return;
        }
        let after = at + 2;
        let rest = text.get(after..).unwrap_or_default();
        if rest.starts_with("tt.params.") {
            let name_start = after + "tt.params.".len();
            let end = match close {
                Some(Some(c)) if c >= name_start => Some(c),
                Some(None) => None,
                _ => {
                    let found = text
                        .get(name_start..)
                        .and_then(|t| t.find(')'))
                        .map(|i| name_start + i);
                    close = Some(found);
                    found
                }
            };
            if let Some(end) = end {
                let name = text.get(name_start..end).unwrap_or_default();
                if let Some(value) = params.get(name) {
                    if !f(Piece::Param { name, value }) {
                        return;
                    }
                    pos = end + 1;
                    continue;
                }
            }
        } else if rest.starts_with("uid)") {
            if !f(Piece::Uid) {
                return;
            }
            pos = after + "uid)".len();
            continue;
        }
        if !f(Piece::Text("$(")) {
            return;
        }
        pos = after;
    }
    f(Piece::Text(text.get(pos..).unwrap_or_default()));
}

/// A TriggerTemplate ready to render.
#[derive(Clone)]
pub struct Template {
    name: String,
    params: Vec<ParamSpec>,
    old_escape: bool,
    texts: Vec<String>,
    /// One per text, derived from it alone.
    compiled: Vec<Compiled>,
}

/// How one resource template renders.
#[derive(Debug, Clone, PartialEq)]
enum Compiled {
    /// Only by substituting into the text and parsing the result: the text is not JSON
    /// before substitution, or a param reference in it may run past the end of its string.
    Textual,
    /// Through the tree, or through the text when a substituted string stops being a
    /// JSON string.
    Tree(Node),
}

/// A JSON value whose strings and object keys may hold references.
#[derive(Debug, Clone, PartialEq)]
enum Node {
    /// A part without `$(`, parsed once.
    Const(Value),
    /// A string holding `$(`.
    Str(Leaf),
    /// An array with references inside.
    Array(Vec<Node>),
    /// An object with references inside, its keys constant and distinct: `base` is the
    /// object with `null` where a value has references, and `fill` gives, in the order
    /// of `base`'s values, the node for each such place.
    Filled {
        /// The parsed object, `null` in the places to fill.
        base: Map<String, Value>,
        /// One per member of `base`: `None` to keep, a node to render in its place.
        fill: Vec<Option<Node>>,
    },
    /// Any other object with references inside, its members in text order (duplicates
    /// kept: they are resolved at render time, as the parse would).
    Object(Vec<(Key, Node)>),
}

/// An object key.
#[derive(Debug, Clone, PartialEq)]
enum Key {
    /// Without `$(`, already decoded.
    Const(String),
    /// Holding `$(`.
    Raw(Leaf),
}

/// A string (value or key) holding `$(`.
#[derive(Debug, Clone, PartialEq)]
struct Leaf {
    /// Its raw text between the quotes, still escaped.
    raw: Box<str>,
    /// `raw` cut where substitution inserts, scanned as if every param it names were
    /// given. While they are, the scan of `raw` takes this same course; when one is not,
    /// rendering substitutes into `raw` itself.
    segments: Vec<Segment>,
}

/// A piece of a [`Leaf`].
#[derive(Debug, Clone, PartialEq)]
enum Segment {
    /// Text kept as is.
    Text(Box<str>),
    /// `$(tt.params.<name>)`.
    Param(Box<str>),
    /// `$(uid)`.
    Uid,
}

impl Leaf {
    /// Cuts `raw` as [`Template::substitute`] scans it when every named param is given.
    fn new(raw: &str) -> Leaf {
        fn flush(text: &mut String, segments: &mut Vec<Segment>) {
            if !text.is_empty() {
                segments.push(Segment::Text(std::mem::take(text).into()));
            }
        }
        let mut segments = Vec::new();
        let mut text = String::new();
        let mut rest = raw;
        while let Some(at) = rest.find("$(") {
            text.push_str(rest.get(..at).unwrap_or_default());
            let after = rest.get(at + 2..).unwrap_or_default();
            if let Some(tail) = after.strip_prefix("tt.params.") {
                if let Some(end) = tail.find(')') {
                    flush(&mut text, &mut segments);
                    segments.push(Segment::Param(tail.get(..end).unwrap_or_default().into()));
                    rest = tail.get(end + 1..).unwrap_or_default();
                    continue;
                }
            } else if let Some(tail) = after.strip_prefix("uid)") {
                flush(&mut text, &mut segments);
                segments.push(Segment::Uid);
                rest = tail;
                continue;
            }
            text.push_str("$(");
            rest = after;
        }
        text.push_str(rest);
        flush(&mut text, &mut segments);
        Leaf {
            raw: raw.into(),
            segments,
        }
    }
}

impl Template {
    /// From a `TriggerTemplate` object (its annotations are honoured).
    pub fn from_object(t: &TriggerTemplate) -> Template {
        let mut tpl = Template::from_spec(&t.metadata.name, &t.spec);
        tpl.old_escape = t.metadata.annotations.contains_key(OLD_ESCAPE_ANNOTATION);
        tpl
    }

    /// From an inline spec.
    pub fn from_spec(name: &str, spec: &TriggerTemplateSpec) -> Template {
        let texts = spec
            .resourcetemplates
            .iter()
            .map(|v| v.to_string())
            .collect();
        Template::new(name, spec.params.clone(), false, texts)
    }

    /// From raw JSON texts (the bytes a Kubernetes API server would hold), which may be
    /// invalid JSON until params are substituted.
    pub fn from_raw(
        name: &str,
        params: Vec<ParamSpec>,
        old_escape: bool,
        texts: Vec<String>,
    ) -> Template {
        Template::new(name, params, old_escape, texts)
    }

    fn new(name: &str, params: Vec<ParamSpec>, old_escape: bool, texts: Vec<String>) -> Template {
        let compiled = texts.iter().map(|t| compile(t)).collect();
        Template {
            name: name.to_string(),
            params,
            old_escape,
            texts,
            compiled,
        }
    }

    /// The template's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Declared params.
    pub fn params(&self) -> &[ParamSpec] {
        &self.params
    }

    /// Renders every resource template with `params` and `uid`. On failure returns the
    /// index of the resource template and the message.
    ///
    /// The result is always the one [`Template::render_textual`] gives; see the module
    /// page for how it is reached faster.
    /// Output is limited to [`DEFAULT_MAX_RENDER_BYTES`] of substituted text
    /// ([`Template::render_within`] takes another limit).
    pub fn render(
        &self,
        params: &BTreeMap<String, String>,
        uid: &str,
    ) -> Result<Vec<Value>, (usize, String)> {
        self.render_within(params, uid, DEFAULT_MAX_RENDER_BYTES)
    }

    /// [`Template::render`] with a limit of `max_bytes` bytes of substituted text for
    /// all the resource templates together. A render over the limit is refused, before
    /// anything is built, with an error for the first resource template that crosses it.
    pub fn render_within(
        &self,
        params: &BTreeMap<String, String>,
        uid: &str,
        max_bytes: usize,
    ) -> Result<Vec<Value>, (usize, String)> {
        let mut budget = RenderBudget::new(max_bytes, 0);
        self.render_budgeted(params, uid, &mut budget, false)
    }

    /// The reference rendering: substitutes into each whole text, then parses it.
    /// [`Template::render`] must agree with it on every input; tests and the fuzz target
    /// compare the two.
    #[doc(hidden)]
    pub fn render_textual(
        &self,
        params: &BTreeMap<String, String>,
        uid: &str,
    ) -> Result<Vec<Value>, (usize, String)> {
        self.render_textual_within(params, uid, DEFAULT_MAX_RENDER_BYTES)
    }

    /// [`Template::render_textual`] with the limit of [`Template::render_within`].
    #[doc(hidden)]
    pub fn render_textual_within(
        &self,
        params: &BTreeMap<String, String>,
        uid: &str,
        max_bytes: usize,
    ) -> Result<Vec<Value>, (usize, String)> {
        let mut budget = RenderBudget::new(max_bytes, 0);
        self.render_budgeted(params, uid, &mut budget, true)
    }

    /// Renders every resource template within `budget` (through the tree where there is
    /// one, unless `textual`), and counts what it rendered in `budget` on success.
    pub(crate) fn render_budgeted(
        &self,
        params: &BTreeMap<String, String>,
        uid: &str,
        budget: &mut RenderBudget,
        textual: bool,
    ) -> Result<Vec<Value>, (usize, String)> {
        let lengths = self.value_lengths(params);
        let mut spent = 0usize;
        let mut out = Vec::with_capacity(self.texts.len());
        let mut buf = String::new();
        for (i, text) in self.texts.iter().enumerate() {
            // Counted before anything is built; a render that fails later spends nothing.
            let left = budget.left().saturating_sub(spent);
            let Some(len) = substituted_len(text, params, &lengths, uid, left) else {
                return Err(budget.refusal(i));
            };
            spent += len;
            let fast = match self.compiled.get(i) {
                Some(Compiled::Tree(node)) if !textual => self.render_node(node, params, uid),
                _ => None,
            };
            match fast {
                Some(v) => out.push(v),
                None => out.push(self.render_text(i, text, params, uid, &mut buf)?),
            }
        }
        budget.used = budget.used.saturating_add(spent);
        Ok(out)
    }

    /// The length each param's value has once inserted (see [`Template::push_value`]).
    fn value_lengths<'p>(&self, params: &'p BTreeMap<String, String>) -> BTreeMap<&'p str, usize> {
        params
            .iter()
            .map(|(name, value)| {
                let mut len = value.len();
                if self.old_escape {
                    len = len.saturating_add(value.matches('"').count());
                }
                // Quote escaping inserts `\` before `"`, so it makes or breaks no `$(`.
                len = len.saturating_add(value.matches("$(").count());
                (name.as_str(), len)
            })
            .collect()
    }

    fn render_text(
        &self,
        index: usize,
        text: &str,
        params: &BTreeMap<String, String>,
        uid: &str,
        buf: &mut String,
    ) -> Result<Value, (usize, String)> {
        buf.clear();
        self.substitute(text, params, uid, buf);
        serde_json::from_str::<Value>(buf).map_err(|e| {
            (
                index,
                format!("couldn't unmarshal json from the TriggerTemplate: {e}"),
            )
        })
    }

    /// The value of a compiled tree, or `None` if a substituted string is no longer a
    /// JSON string body (the caller then renders the text).
    fn render_node(
        &self,
        node: &Node,
        params: &BTreeMap<String, String>,
        uid: &str,
    ) -> Option<Value> {
        Some(match node {
            Node::Const(v) => v.clone(),
            Node::Str(leaf) => Value::String(self.render_string(leaf, params, uid)?),
            Node::Array(items) => {
                let mut values = Vec::with_capacity(items.len());
                for item in items {
                    values.push(self.render_node(item, params, uid)?);
                }
                Value::Array(values)
            }
            Node::Filled { base, fill } => {
                // Cloning the parsed object copies its hash table; no key is hashed again.
                let mut map = base.clone();
                for (slot, node) in map.values_mut().zip(fill) {
                    if let Some(node) = node {
                        *slot = self.render_node(node, params, uid)?;
                    }
                }
                Value::Object(map)
            }
            Node::Object(members) => {
                let mut map = Map::with_capacity(members.len());
                for (key, node) in members {
                    let key = match key {
                        Key::Const(k) => k.clone(),
                        Key::Raw(leaf) => {
                            let k = self.render_string(leaf, params, uid)?;
                            if is_reserved_key(&k) {
                                return None;
                            }
                            k
                        }
                    };
                    // As the parse does: a repeated key keeps its first place and takes
                    // the last value.
                    map.insert(key, self.render_node(node, params, uid)?);
                }
                Value::Object(map)
            }
        })
    }

    /// Substitutes into one string, as [`Template::substitute`] would into its raw
    /// text, and decodes it.
    fn render_string(
        &self,
        leaf: &Leaf,
        params: &BTreeMap<String, String>,
        uid: &str,
    ) -> Option<String> {
        let mut body = String::with_capacity(leaf.raw.len() + 64);
        for segment in &leaf.segments {
            match segment {
                Segment::Text(text) => body.push_str(text),
                Segment::Param(name) => match params.get(&**name) {
                    Some(value) => self.push_value(value, &mut body),
                    None => {
                        // The scan takes another course (it goes on inside the name).
                        body.clear();
                        self.substitute(&leaf.raw, params, uid, &mut body);
                        break;
                    }
                },
                Segment::Uid => body.push_str(uid),
            }
        }
        decode_string_body(body)
    }

    /// Substitutes params and uid into one text (single pass: inserted values are never
    /// scanned again).
    pub fn substitute(
        &self,
        text: &str,
        params: &BTreeMap<String, String>,
        uid: &str,
        out: &mut String,
    ) {
        scan_references(text, params, |piece| {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Param { value, .. } => self.push_value(value, out),
                Piece::Uid => out.push_str(uid),
            }
            true
        });
    }

    fn push_value(&self, value: &str, out: &mut String) {
        if !self.old_escape && !value.contains("$(") {
            out.push_str(value);
            return;
        }
        let v = if self.old_escape {
            value.replace('"', "\\\"")
        } else {
            value.to_string()
        };
        out.push_str(&v.replace("$(", "$$("));
    }
}

// `compiled` is derived from `texts`, so it takes no part in equality or debug output.
impl PartialEq for Template {
    fn eq(&self, other: &Template) -> bool {
        self.name == other.name
            && self.params == other.params
            && self.old_escape == other.old_escape
            && self.texts == other.texts
    }
}

impl fmt::Debug for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Template")
            .field("name", &self.name)
            .field("params", &self.params)
            .field("old_escape", &self.old_escape)
            .field("texts", &self.texts)
            .finish()
    }
}

/// The length [`Template::substitute`] gives `text`, or `None` if it is over `cap`;
/// `lengths` holds each param's inserted length. Nothing is built.
fn substituted_len(
    text: &str,
    params: &BTreeMap<String, String>,
    lengths: &BTreeMap<&str, usize>,
    uid: &str,
    cap: usize,
) -> Option<usize> {
    let mut len = 0usize;
    scan_references(text, params, |piece| {
        let add = match piece {
            Piece::Text(t) => t.len(),
            Piece::Param { name, .. } => lengths.get(name).copied().unwrap_or_default(),
            Piece::Uid => uid.len(),
        };
        len = len.saturating_add(add);
        len <= cap
    });
    (len <= cap).then_some(len)
}

/// Compiles one resource template (see the module page).
fn compile(text: &str) -> Compiled {
    // serde_json decides what is valid (grammar, nesting depth); the scan below only
    // ever sees text it accepted.
    let Ok(value) = serde_json::from_str::<Value>(text) else {
        return Compiled::Textual;
    };
    if !text.contains("$(") {
        return Compiled::Tree(Node::Const(value));
    }
    let mut scan = Scan { text, pos: 0 };
    let part = scan.value();
    scan.skip_ws();
    match part {
        // Outside strings valid JSON has no `$`, so a text with `$(` is never constant.
        Some(Part::Node(node)) if scan.pos == text.len() => Compiled::Tree(node),
        _ => Compiled::Textual,
    }
}

/// Whether every param reference in a raw string ends inside it. A `$(tt.params.` with
/// no `)` after it in its string would, in the whole text, take a name running past the
/// closing quote, which may be a param; only the textual path can tell.
fn references_stay_inside(raw: &str) -> bool {
    // If any reference is unclosed, the last one is too.
    match raw.rfind(PARAM_PREFIX) {
        Some(at) => raw
            .get(at + PARAM_PREFIX.len()..)
            .is_some_and(|name| name.contains(')')),
        None => true,
    }
}

/// Keys serde_json reads as markers when they come first in an object (with its
/// `arbitrary_precision` or `raw_value` features, which another crate may switch on).
/// Left to the parse.
fn is_reserved_key(key: &str) -> bool {
    key.starts_with("$serde_json::private::")
}

/// Decodes a raw key without references (`None` for a key left to the parse).
fn constant_key(raw: &str) -> Option<String> {
    let key = serde_json::from_str::<String>(&format!("\"{raw}\"")).ok()?;
    (!is_reserved_key(&key)).then_some(key)
}

/// An object node from members with distinct constant keys.
fn filled(members: Vec<(String, Node)>) -> Node {
    let mut base = Map::with_capacity(members.len());
    let mut to_fill = BTreeMap::new();
    for (key, node) in members {
        match node {
            Node::Const(value) => {
                base.insert(key, value);
            }
            node => {
                base.insert(key.clone(), Value::Null);
                to_fill.insert(key, node);
            }
        }
    }
    // In the map's own order, the one `values_mut` walks at render time.
    let fill = base.keys().map(|key| to_fill.remove(key)).collect();
    Node::Filled { base, fill }
}

/// Decodes the text between the quotes of a JSON string literal exactly as serde_json
/// does, or returns `None` if it is not such a text (an unescaped `"`, a control
/// character, a bad escape, a lone surrogate).
fn decode_string_body(body: String) -> Option<String> {
    let special = |c: char| c == '"' || c == '\\' || c < ' ';
    if !body.contains(special) {
        return Some(body);
    }
    let mut out = String::with_capacity(body.len());
    let mut rest = body.as_str();
    while let Some(at) = rest.find(special) {
        out.push_str(rest.get(..at)?);
        let mut tail = rest.get(at..)?.chars();
        if tail.next()? != '\\' {
            return None;
        }
        let decoded = match tail.next()? {
            '"' => '"',
            '\\' => '\\',
            '/' => '/',
            'b' => '\u{8}',
            'f' => '\u{c}',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            // Surrogate pairs and their errors are serde_json's to judge.
            'u' => return serde_json::from_str::<String>(&format!("\"{body}\"")).ok(),
            _ => return None,
        };
        out.push(decoded);
        rest = tail.as_str();
    }
    out.push_str(rest);
    Some(out)
}

/// A scanned value: a constant byte range of the text, or a node with references.
enum Part {
    Const(usize, usize),
    Node(Node),
}

/// A scan over text serde_json has accepted; any surprise gives up (`None`).
struct Scan<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Scan<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn value(&mut self) -> Option<Part> {
        self.skip_ws();
        let start = self.pos;
        match self.peek()? {
            b'{' => self.object(start),
            b'[' => self.array(start),
            b'"' => {
                let raw = self.string()?;
                if !raw.contains("$(") {
                    Some(Part::Const(start, self.pos))
                } else if references_stay_inside(raw) {
                    Some(Part::Node(Node::Str(Leaf::new(raw))))
                } else {
                    None
                }
            }
            _ => {
                while self.peek().is_some_and(|b| {
                    !matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b',' | b']' | b'}')
                }) {
                    self.pos += 1;
                }
                (self.pos > start).then_some(Part::Const(start, self.pos))
            }
        }
    }

    /// Moves past a string literal and returns its raw text between the quotes.
    fn string(&mut self) -> Option<&'a str> {
        self.skip_ws();
        if self.peek()? != b'"' {
            return None;
        }
        self.pos += 1;
        let from = self.pos;
        loop {
            match self.peek()? {
                b'"' => break,
                b'\\' => self.pos += 2,
                _ => self.pos += 1,
            }
        }
        let raw = self.text.get(from..self.pos)?;
        self.pos += 1;
        Some(raw)
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        self.skip_ws();
        (self.peek()? == byte).then(|| self.pos += 1)
    }

    /// After a member or element: `true` at the closing `close`, `false` at a comma.
    fn at_end(&mut self, close: u8) -> Option<bool> {
        self.skip_ws();
        let b = self.peek()?;
        self.pos += 1;
        match b {
            b',' => Some(false),
            _ if b == close => Some(true),
            _ => None,
        }
    }

    fn array(&mut self, start: usize) -> Option<Part> {
        self.pos += 1;
        self.skip_ws();
        if self.peek()? == b']' {
            self.pos += 1;
            return Some(Part::Const(start, self.pos));
        }
        let mut items = Vec::new();
        loop {
            items.push(self.value()?);
            if self.at_end(b']')? {
                break;
            }
        }
        if items.iter().all(|p| matches!(p, Part::Const(..))) {
            return Some(Part::Const(start, self.pos));
        }
        let nodes = items
            .into_iter()
            .map(|p| self.node(p))
            .collect::<Option<_>>()?;
        Some(Part::Node(Node::Array(nodes)))
    }

    fn object(&mut self, start: usize) -> Option<Part> {
        self.pos += 1;
        self.skip_ws();
        if self.peek()? == b'}' {
            self.pos += 1;
            return Some(Part::Const(start, self.pos));
        }
        let mut members = Vec::new();
        loop {
            let key = self.string()?;
            self.expect(b':')?;
            members.push((key, self.value()?));
            if self.at_end(b'}')? {
                break;
            }
        }
        if members
            .iter()
            .all(|(k, p)| !k.contains("$(") && matches!(p, Part::Const(..)))
        {
            return Some(Part::Const(start, self.pos));
        }
        if members.iter().all(|(raw, _)| !raw.contains("$(")) {
            let mut keyed = Vec::with_capacity(members.len());
            for (raw, part) in members {
                keyed.push((constant_key(raw)?, self.node(part)?));
            }
            let mut seen = BTreeSet::new();
            if keyed.iter().all(|(key, _)| seen.insert(key.as_str())) {
                return Some(Part::Node(filled(keyed)));
            }
            let members = keyed
                .into_iter()
                .map(|(key, node)| (Key::Const(key), node))
                .collect();
            return Some(Part::Node(Node::Object(members)));
        }
        let mut nodes = Vec::with_capacity(members.len());
        for (raw, part) in members {
            let key = if !raw.contains("$(") {
                Key::Const(constant_key(raw)?)
            } else if references_stay_inside(raw) {
                Key::Raw(Leaf::new(raw))
            } else {
                return None;
            };
            nodes.push((key, self.node(part)?));
        }
        Some(Part::Node(Node::Object(nodes)))
    }

    /// Parses a constant part (once, here), or passes a node through.
    fn node(&self, part: Part) -> Option<Node> {
        match part {
            Part::Const(from, to) => serde_json::from_str(self.text.get(from..to)?)
                .ok()
                .map(Node::Const),
            Part::Node(node) => Some(node),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )]
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn substitution_table() {
        type Row<'a> = (&'a str, &'a [(&'a str, &'a str)], bool, &'a str);
        let rows: &[Row<'_>] = &[
            (
                "{\"a\":\"$(tt.params.x)-$(tt.params.y)\"}",
                &[("x", "1"), ("y", "2")],
                false,
                "{\"a\":\"1-2\"}",
            ),
            (
                "{\"a\":\"$(tt.params.missing)\"}",
                &[],
                false,
                "{\"a\":\"$(tt.params.missing)\"}",
            ),
            ("{\"a\":\"$(uid)\"}", &[], false, "{\"a\":\"U\"}"),
            (
                "{\"a\":\"$(tt.params.x)\"}",
                &[("x", "$(tt.params.y)")],
                false,
                "{\"a\":\"$$(tt.params.y)\"}",
            ),
            (
                "{\"a\":\"$(tt.params.x)\"}",
                &[("x", "{\"k\":1}")],
                true,
                "{\"a\":\"{\\\"k\\\":1}\"}",
            ),
            (
                "{\"a\":$(tt.params.x)}",
                &[("x", "{\"k\":1}")],
                false,
                "{\"a\":{\"k\":1}}",
            ),
            ("$(", &[], false, "$("),
        ];
        for (text, ps, old, want) in rows {
            let t = Template::from_raw("t", vec![], *old, vec![]);
            let mut out = String::new();
            t.substitute(text, &params(ps), "U", &mut out);
            assert_eq!(&out, want, "{text}");
        }
    }

    #[derive(Debug, PartialEq)]
    enum Kind {
        Constant,
        Tree,
        Textual,
    }

    fn kind(text: &str) -> Kind {
        match compile(text) {
            Compiled::Tree(Node::Const(_)) => Kind::Constant,
            Compiled::Tree(_) => Kind::Tree,
            Compiled::Textual => Kind::Textual,
        }
    }

    #[test]
    fn compile_table() {
        let deep = format!("{}\"$(uid)\"{}", "[".repeat(200), "]".repeat(200));
        let rows: &[(&str, Kind)] = &[
            (r#"{"a":[1,{"b":null}]}"#, Kind::Constant),
            (r#"{"a":"$(x) $"}"#, Kind::Tree),
            (r#"{"a":"$(tt.params.x)"}"#, Kind::Tree),
            (r#"{"$(uid)":1}"#, Kind::Tree),
            (r#" [ 1 , "$(uid)" ] "#, Kind::Tree),
            (r#""$(uid)""#, Kind::Tree),
            (r#"{"a":"$(tt.params.x)y)"}"#, Kind::Tree),
            // Invalid before substitution.
            (r#"{"a":$(tt.params.x)}"#, Kind::Textual),
            (r#"{"a":"$(uid)"} x"#, Kind::Textual),
            (&deep, Kind::Textual),
            // A reference left open in its string may take a name past the quote.
            (r#"{"a":"$(tt.params.x"}"#, Kind::Textual),
            (
                r#"{"a":"$(tt.params.x)$(tt.params.y","b":")"}"#,
                Kind::Textual,
            ),
            (r#"{"$(tt.params.x":")"}"#, Kind::Textual),
            // A key serde_json may treat as a marker.
            (
                r#"{"$serde_json::private::Number":"$(uid)"}"#,
                Kind::Textual,
            ),
        ];
        for (text, want) in rows {
            assert_eq!(&kind(text), want, "{text}");
        }
    }

    #[test]
    fn compiled_tree_keeps_raw_strings_and_parses_the_rest() {
        let text = r#"{"k":{"c":[1,2]},"$(uid)":["x\n","a\"$(tt.params.p)"],"k":"\u0041"}"#;
        let want = Compiled::Tree(Node::Object(vec![
            (
                Key::Const("k".into()),
                Node::Const(serde_json::json!({"c": [1, 2]})),
            ),
            (
                Key::Raw(Leaf::new("$(uid)")),
                Node::Array(vec![
                    Node::Const(Value::String("x\n".into())),
                    Node::Str(Leaf::new("a\\\"$(tt.params.p)")),
                ]),
            ),
            (
                Key::Const("k".into()),
                Node::Const(Value::String("A".into())),
            ),
        ]));
        assert_eq!(compile(text), want);
    }

    #[test]
    fn leaf_segments_table() {
        use Segment::{Param, Text, Uid};
        let text = |s: &str| Text(s.into());
        let param = |s: &str| Param(s.into());
        let rows: Vec<(&str, Vec<Segment>)> = vec![
            ("$(uid)", vec![Uid]),
            ("a$(tt.params.x)b", vec![text("a"), param("x"), text("b")]),
            ("$(x)$(", vec![text("$(x)$(")]),
            ("$(tt.params.x$(uid))", vec![param("x$(uid"), text(")")]),
            ("$(tt.params.)$(uid)$", vec![param(""), Uid, text("$")]),
            (
                r#"\"$(tt.params.a\"b)"#,
                vec![text(r#"\""#), param(r#"a\"b"#)],
            ),
        ];
        for (raw, want) in rows {
            assert_eq!(Leaf::new(raw).segments, want, "{raw}");
        }
    }

    #[test]
    fn decode_table() {
        let rows: &[(&str, Option<&str>)] = &[
            ("", Some("")),
            ("plain é", Some("plain é")),
            ("\u{7f}", Some("\u{7f}")),
            (r"a\nb", Some("a\nb")),
            (r#"\"\\\/\b\f\r\t"#, Some("\"\\/\u{8}\u{c}\r\t")),
            (r"\u00e9", Some("é")),
            (r#"\u00e9\""#, Some("é\"")),
            (r"\ud83d\ude00", Some("😀")),
            (r"\ud800", None),
            (r"\udc00", None),
            (r"\u12", None),
            (r#"\u00e9""#, None),
            ("a\"b", None),
            ("\\", None),
            (r"a\", None),
            (r"\x", None),
            ("a\nb", None),
            ("\u{1f}", None),
        ];
        for (body, want) in rows {
            assert_eq!(
                decode_string_body(body.to_string()).as_deref(),
                *want,
                "{body:?}"
            );
            // serde_json is the judge.
            let serde = serde_json::from_str::<String>(&format!("\"{body}\"")).ok();
            assert_eq!(serde.as_deref(), *want, "{body:?}");
        }
    }

    #[test]
    fn ordinary_values_take_the_tree_and_hostile_ones_the_text() {
        let t = Template::from_raw(
            "t",
            vec![],
            false,
            vec![r#"{"a":"$(tt.params.x)","b":[{"c":"$(uid)"}]}"#.into()],
        );
        let Some(Compiled::Tree(node)) = t.compiled.first() else {
            panic!("not compiled: {:?}", t.compiled);
        };
        for (value, tree) in [
            ("refs/heads/main", true),
            (r"line\nnext", true),
            (r"\u00e9", true),
            ("a\"b", false),
            ("a\\", false),
            ("a\nb", false),
        ] {
            let ps = params(&[("x", value)]);
            let fast = t.render_node(node, &ps, "U");
            assert_eq!(fast.is_some(), tree, "{value:?}");
            if let Some(v) = fast {
                assert_eq!(Ok(vec![v]), t.render_textual(&ps, "U"), "{value:?}");
            }
        }
    }

    #[test]
    fn equality_and_debug_ignore_the_compiled_form() {
        let a = Template::from_raw("t", vec![], true, vec![r#"{"a":"$(uid)"}"#.into()]);
        let b = Template::from_raw("t", vec![], true, vec![r#"{"a":"$(uid)"}"#.into()]);
        let c = Template::from_raw("t", vec![], true, vec![r#"{"a":"$(uid) "}"#.into()]);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(
            format!("{a:?}"),
            r#"Template { name: "t", params: [], old_escape: true, texts: ["{\"a\":\"$(uid)\"}"] }"#
        );
    }

    #[test]
    fn invalid_output_is_an_error() {
        let t = Template::from_raw(
            "t",
            vec![],
            false,
            vec!["{\"foo\": \"$(tt.params.p)\"}".into()],
        );
        let e = t
            .render(&params(&[("p", "{\"a\":\"b\"}")]), "u")
            .unwrap_err();
        assert_eq!(e.0, 0);
        assert!(e.1.contains("couldn't unmarshal json from the TriggerTemplate"));
    }
}
