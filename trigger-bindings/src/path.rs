//! Binding expressions: `$(body.a.b)`, `$(header.X-GitHub-Event)`, `$(extensions.x)`,
//! `$(context.eventID)`, several of them inside one value, with the JSONPath subset Tekton
//! accepts (fields with `\.` escapes, `['key.with.dots']`, `[0]`, `[-1]`, slices `[a:b:c]`, `[*]`, `*`,
//! `[?(@.a == 'x')]` filters).
//!
//! Values render as Tekton renders them: one string result is its JSON encoding without the
//! quotes, `null` is `null`, anything else (objects, arrays, numbers) is Go's JSON encoding,
//! several results are a JSON array.

use crate::error::Error;
use crate::event::Headers;
use crate::header_name::canonical_header_key;
use crate::json::{self, Doc, NodeId, RawKind};
use serde_json::Value;
use std::borrow::Cow;
use std::cell::OnceCell;

/// A parsed binding value: literal text with `$(...)` expressions inside.
#[derive(Debug, Clone, PartialEq)]
pub struct BindingExpr {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Text(String),
    Expr {
        /// The text as written, `$(...)` included.
        original: String,
        /// The parsed path, or why it does not parse.
        path: Result<Path, String>,
    },
}

/// A parsed JSONPath (the part inside `$(...)`).
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    segs: Vec<Seg>,
}

#[derive(Debug, Clone, PartialEq)]
enum Seg {
    Field(String),
    Wildcard,
    Index(i64),
    /// `[start:end:step]`, each part optional (k8s.io/client-go's jsonpath rules).
    Slice(Option<i64>, Option<i64>, Option<i64>),
    Filter(Box<Filter>),
}

/// The elements `[start:end:step]` takes from `len` elements, as client-go's
/// `evalArray` takes them (negative bounds count from the end, out-of-range bounds are
/// errors unless nothing is asked for).
fn slice_range(
    start: Option<i64>,
    end: Option<i64>,
    step: Option<i64>,
    len: i64,
) -> Result<Option<(usize, usize, usize)>, String> {
    let mut from = start.unwrap_or(0);
    if from < 0 {
        from += len;
    }
    let mut to = end.unwrap_or(len);
    if to < 0 {
        to += len;
    }
    if to == from {
        return Ok(None);
    }
    if from >= len || from < 0 {
        return Err(format!(
            "array index out of bounds: index {from}, length {len}"
        ));
    }
    if to > len || to < 0 {
        return Err(format!(
            "array index out of bounds: index {}, length {len}",
            to - 1
        ));
    }
    if from > to {
        return Err(format!(
            "starting index {from} is greater than ending index {to}"
        ));
    }
    let step = match step {
        None => 1,
        Some(s) if s <= 0 => return Err("step must be > 0".to_string()),
        Some(s) => s,
    };
    let as_usize = |v: i64| usize::try_from(v).unwrap_or(usize::MAX);
    Ok(Some((as_usize(from), as_usize(to), as_usize(step))))
}

/// `a:b:c` with each part optional; `None` when `text` is not a slice.
fn parse_slice(text: &str) -> Option<Result<Seg, String>> {
    if !text.contains(':') {
        return None;
    }
    let parts: Vec<&str> = text.split(':').map(str::trim).collect();
    if parts.len() > 3 {
        return Some(Err(format!("invalid array index {text}")));
    }
    let mut values = [None; 3];
    for (slot, part) in values.iter_mut().zip(&parts) {
        if part.is_empty() {
            continue;
        }
        match part.parse::<i64>() {
            Ok(n) => *slot = Some(n),
            Err(_) => return Some(Err(format!("invalid array index {text}"))),
        }
    }
    let [a, b, c] = values;
    Some(Ok(Seg::Slice(a, b, c)))
}

#[derive(Debug, Clone, PartialEq)]
struct Filter {
    left: Operand,
    op: Option<CmpOp>,
    right: Operand,
}

#[derive(Debug, Clone, PartialEq)]
enum Operand {
    Current(Vec<Seg>),
    Str(String),
    Num(f64),
    Bool(bool),
    None,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// Longest binding value accepted, in bytes.
const MAX_EXPR_LEN: usize = 64 * 1024;
/// Most segments in one path.
const MAX_SEGMENTS: usize = 256;

impl BindingExpr {
    /// Parses a binding value. Never fails: an expression that does not parse fails when it
    /// is evaluated, naming the param, as upstream does.
    pub fn parse(value: &str) -> BindingExpr {
        let mut parts = Vec::new();
        if value.len() > MAX_EXPR_LEN {
            parts.push(Part::Expr {
                original: String::new(),
                path: Err(format!("binding value is longer than {MAX_EXPR_LEN} bytes")),
            });
            return BindingExpr { parts };
        }
        let mut rest = value;
        let mut text = String::new();
        while let Some(at) = rest.find("$(") {
            let (before, after) = rest.split_at(at);
            text.push_str(before);
            let inner_start = after.get(2..).unwrap_or_default();
            match closing(inner_start) {
                Some(end) => {
                    if !text.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut text)));
                    }
                    let inner = inner_start.get(..end).unwrap_or_default();
                    parts.push(Part::Expr {
                        original: format!("$({inner})"),
                        path: Path::parse_tekton_text(inner),
                    });
                    rest = inner_start.get(end + 1..).unwrap_or_default();
                }
                None => {
                    text.push_str("$(");
                    rest = inner_start;
                }
            }
        }
        text.push_str(rest);
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        BindingExpr { parts }
    }

    /// Whether the value holds any `$(...)` expression.
    pub fn has_expressions(&self) -> bool {
        self.parts.iter().any(|p| matches!(p, Part::Expr { .. }))
    }

    /// Evaluates every expression against `root`; on the first failure returns
    /// `(original expression, message)`. `fallback` replaces a failing expression when set.
    pub(crate) fn eval(
        &self,
        root: &Root<'_>,
        fallback: Option<&str>,
    ) -> Result<String, (String, String)> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Expr { original, path } => {
                    let result = match path {
                        Ok(p) => p.results(root).map(|r| (p, r)),
                        Err(e) => Err(e.clone()),
                    };
                    match (result, fallback) {
                        (Ok((p, results)), _) => p.render(&results, &mut out),
                        (Err(_), Some(f)) => out.push_str(f),
                        (Err(e), None) => return Err((original.clone(), e)),
                    }
                }
            }
        }
        Ok(out)
    }
}

/// The index of the first unbalanced `)` in `s`.
fn closing(s: &str) -> Option<usize> {
    let mut open = 0i64;
    for (i, c) in s.char_indices() {
        match c {
            '(' => open += 1,
            ')' => {
                open -= 1;
                if open < 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

impl Path {
    /// Parses the inside of `$(...)` as Tekton does (`header.` names are canonicalised,
    /// an optional `{...}` and leading `.` are accepted).
    pub fn parse_tekton(inner: &str) -> Result<Path, Error> {
        Self::parse_tekton_text(inner).map_err(|message| Error::Invalid {
            what: "binding path",
            message,
        })
    }

    pub(crate) fn parse_tekton_text(inner: &str) -> Result<Path, String> {
        let inner: Cow<'_, str> = match inner.strip_prefix("header.") {
            Some(rest) => Cow::Owned(format!("header.{}", canonical_header_key(rest))),
            None => Cow::Borrowed(inner),
        };
        if inner.is_empty() {
            return Ok(Path { segs: Vec::new() });
        }
        let spec = if let Some(b) = inner.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            b.strip_prefix('.').unwrap_or(b)
        } else {
            inner.strip_prefix('.').unwrap_or(&inner)
        };
        if spec.is_empty() || spec.contains(['{', '}']) {
            return Err(
                "unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'"
                    .to_string(),
            );
        }
        let segs = parse_segments(&format!(".{spec}"))?;
        Ok(Path { segs })
    }

    fn results<'a>(&self, root: &Root<'a>) -> Result<Vec<Node<'a>>, String> {
        let Some((first, rest)) = self.segs.split_first() else {
            return Ok(Vec::new());
        };
        if let (Seg::Field(root_name), [Seg::Field(name)]) = (first, rest)
            && root_name == "header"
            && let Some(v) = root.single_header(name)
        {
            return Ok(vec![Node::Str(v)]);
        }
        let start = match first {
            Seg::Field(name) => match root.get(name) {
                Some(n) => n,
                None => return Err(format!("{name} is not found")),
            },
            Seg::Wildcard => {
                return walk(root.all(), rest);
            }
            _ => return Err("unsupported expression at the root".to_string()),
        };
        // The common shape, plain field names, needs no list per step.
        if rest.iter().all(|s| matches!(s, Seg::Field(_))) {
            let mut node = start;
            for seg in rest {
                if let Seg::Field(name) = seg {
                    node = node
                        .field(name)
                        .ok_or_else(|| format!("{name} is not found"))?;
                }
            }
            return Ok(vec![node]);
        }
        walk(vec![start], rest)
    }

    fn render(&self, results: &[Node<'_>], out: &mut String) {
        if self.segs.is_empty() {
            return;
        }
        match results {
            [one] => one.render_single(out),
            many => {
                out.push('[');
                for (i, n) in many.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    n.marshal(out);
                }
                out.push(']');
            }
        }
    }
}

fn walk<'a>(mut cur: Vec<Node<'a>>, segs: &[Seg]) -> Result<Vec<Node<'a>>, String> {
    for seg in segs {
        let mut next = Vec::new();
        match seg {
            Seg::Field(name) => {
                for n in &cur {
                    if let Some(v) = n.field(name) {
                        next.push(v);
                    }
                }
                if next.is_empty() {
                    return Err(format!("{name} is not found"));
                }
            }
            Seg::Wildcard => {
                for n in &cur {
                    next.extend(n.children());
                }
            }
            Seg::Index(i) => {
                for n in &cur {
                    let Some(items) = n.elements() else {
                        return Err(format!("{} is not array or slice", n.kind_name()));
                    };
                    let len = items.len() as i64;
                    let idx = if *i < 0 { len + *i } else { *i };
                    match usize::try_from(idx).ok().and_then(|u| items.get(u)) {
                        Some(v) => next.push(*v),
                        None => {
                            return Err(format!(
                                "array index out of bounds: index {i}, length {len}"
                            ));
                        }
                    }
                }
            }
            Seg::Slice(a, b, c) => {
                for n in &cur {
                    let Some(items) = n.elements() else {
                        return Err(format!("{} is not array or slice", n.kind_name()));
                    };
                    if let Some((from, to, step)) = slice_range(*a, *b, *c, items.len() as i64)? {
                        next.extend(items.get(from..to).unwrap_or_default().iter().step_by(step));
                    }
                }
            }
            Seg::Filter(f) => {
                for n in &cur {
                    let items = n.elements().unwrap_or_else(|| n.children());
                    for item in items {
                        if f.matches(item) {
                            next.push(item);
                        }
                    }
                }
            }
        }
        cur = next;
    }
    Ok(cur)
}

impl Filter {
    fn matches(&self, item: Node<'_>) -> bool {
        let left = self.left.resolve(item);
        match self.op {
            None => left.is_some(),
            Some(op) => {
                let (Some(l), Some(r)) = (left, self.right.resolve(item)) else {
                    return false;
                };
                compare(&l, &r, op)
            }
        }
    }
}

#[derive(Debug, PartialEq)]
enum Scalar<'a> {
    Str(Cow<'a, str>),
    Num(f64),
    Bool(bool),
    Null,
    Other,
}

impl Operand {
    fn resolve<'s, 'a: 's>(&'s self, item: Node<'a>) -> Option<Scalar<'s>> {
        match self {
            Operand::Str(s) => Some(Scalar::Str(Cow::Borrowed(s))),
            Operand::Num(n) => Some(Scalar::Num(*n)),
            Operand::Bool(b) => Some(Scalar::Bool(*b)),
            Operand::None => None,
            Operand::Current(segs) => {
                let found = walk(vec![item], segs).ok()?;
                match found.as_slice() {
                    [one] => Some(one.scalar()),
                    _ => None,
                }
            }
        }
    }
}

fn compare(l: &Scalar<'_>, r: &Scalar<'_>, op: CmpOp) -> bool {
    use std::cmp::Ordering;
    let ord = match (l, r) {
        (Scalar::Str(a), Scalar::Str(b)) => Some(a.cmp(b)),
        (Scalar::Num(a), Scalar::Num(b)) => a.partial_cmp(b),
        (Scalar::Bool(a), Scalar::Bool(b)) => Some(a.cmp(b)),
        (Scalar::Null, Scalar::Null) => Some(Ordering::Equal),
        _ => None,
    };
    match (op, ord) {
        (CmpOp::Eq, o) => o == Some(Ordering::Equal),
        (CmpOp::Ne, o) => o != Some(Ordering::Equal),
        (CmpOp::Lt, Some(o)) => o == Ordering::Less,
        (CmpOp::Le, Some(o)) => o != Ordering::Greater,
        (CmpOp::Gt, Some(o)) => o == Ordering::Greater,
        (CmpOp::Ge, Some(o)) => o != Ordering::Less,
        _ => false,
    }
}

fn is_terminator(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\r' | '\n' | '.' | ',' | '[' | ']' | '$' | '@' | '{' | '}'
    )
}

/// Parses `.a.b[0]['c.d'][?(@.x == 'y')].*` into segments.
fn parse_segments(s: &str) -> Result<Vec<Seg>, String> {
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    let mut segs = Vec::new();
    while let Some(&c) = chars.get(i) {
        if segs.len() > MAX_SEGMENTS {
            return Err(format!("path has more than {MAX_SEGMENTS} segments"));
        }
        match c {
            '.' => {
                i += 1;
                if chars.get(i) == Some(&'.') {
                    return Err("recursive descent (..) is not supported".to_string());
                }
                let mut name = String::new();
                while let Some(&c) = chars.get(i) {
                    if c == '\\' {
                        i += 1;
                        if let Some(&n) = chars.get(i) {
                            name.push(n);
                            i += 1;
                        }
                        continue;
                    }
                    if is_terminator(c) {
                        break;
                    }
                    name.push(c);
                    i += 1;
                }
                if name == "*" {
                    segs.push(Seg::Wildcard);
                } else if name.is_empty() {
                    return Err(format!(
                        "unexpected character {:?} after '.'",
                        chars.get(i).copied().unwrap_or(' ')
                    ));
                } else {
                    segs.push(Seg::Field(name));
                }
            }
            '[' => {
                i += 1;
                if chars.get(i) == Some(&'?') && chars.get(i + 1) == Some(&'(') {
                    // Filter: up to the `)]` that closes it.
                    let start = i + 2;
                    let mut j = start;
                    let mut depth = 0i32;
                    let mut quote: Option<char> = None;
                    loop {
                        let Some(&c) = chars.get(j) else {
                            return Err("unterminated filter".to_string());
                        };
                        match (quote, c) {
                            (Some(q), c) if c == q => quote = None,
                            (Some(_), _) => {}
                            (None, '\'' | '"') => quote = Some(c),
                            (None, '(') => depth += 1,
                            (None, ')') if depth == 0 => break,
                            (None, ')') => depth -= 1,
                            _ => {}
                        }
                        j += 1;
                    }
                    if chars.get(j + 1) != Some(&']') {
                        return Err("unclosed array expect ]".to_string());
                    }
                    let text: String = chars.get(start..j).unwrap_or_default().iter().collect();
                    segs.push(Seg::Filter(Box::new(parse_filter(&text)?)));
                    i = j + 2;
                    continue;
                }
                let start = i;
                let mut quote: Option<char> = None;
                loop {
                    let Some(&c) = chars.get(i) else {
                        return Err("unterminated array".to_string());
                    };
                    match (quote, c) {
                        (Some(q), c) if c == q => quote = None,
                        (Some(_), _) => {}
                        (None, '\'' | '"') => quote = Some(c),
                        (None, ']') => break,
                        _ => {}
                    }
                    i += 1;
                }
                let text: String = chars.get(start..i).unwrap_or_default().iter().collect();
                i += 1;
                let text = text.trim();
                if let Some(key) = unquote(text) {
                    segs.push(Seg::Field(key));
                } else if text == "*" {
                    segs.push(Seg::Wildcard);
                } else if let Ok(n) = text.parse::<i64>() {
                    segs.push(Seg::Index(n));
                } else if let Some(slice) = parse_slice(text) {
                    segs.push(slice?);
                } else {
                    return Err(format!("invalid array index {text}"));
                }
            }
            '*' => {
                segs.push(Seg::Wildcard);
                i += 1;
            }
            c => return Err(format!("unrecognized character in action: {c:?}")),
        }
    }
    Ok(segs)
}

fn unquote(text: &str) -> Option<String> {
    let inner = text
        .strip_prefix('\'')
        .and_then(|t| t.strip_suffix('\''))
        .or_else(|| text.strip_prefix('"').and_then(|t| t.strip_suffix('"')))?;
    Some(inner.replace("\\'", "'").replace("\\\"", "\""))
}

fn parse_filter(text: &str) -> Result<Filter, String> {
    let ops: [(&str, CmpOp); 6] = [
        ("==", CmpOp::Eq),
        ("!=", CmpOp::Ne),
        ("<=", CmpOp::Le),
        (">=", CmpOp::Ge),
        ("<", CmpOp::Lt),
        (">", CmpOp::Gt),
    ];
    for (sym, op) in ops {
        if let Some(at) = find_outside_quotes(text, sym) {
            let left = parse_operand(text.get(..at).unwrap_or_default())?;
            let right = parse_operand(text.get(at + sym.len()..).unwrap_or_default())?;
            return Ok(Filter {
                left,
                op: Some(op),
                right,
            });
        }
    }
    Ok(Filter {
        left: parse_operand(text)?,
        op: None,
        right: Operand::None,
    })
}

fn find_outside_quotes(text: &str, needle: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            _ => {
                if text.get(i..).is_some_and(|t| t.starts_with(needle)) {
                    return Some(i);
                }
            }
        }
    }
    None
}

fn parse_operand(text: &str) -> Result<Operand, String> {
    let t = text.trim();
    if let Some(rest) = t.strip_prefix('@') {
        if rest.is_empty() {
            return Ok(Operand::Current(Vec::new()));
        }
        return Ok(Operand::Current(parse_segments(rest)?));
    }
    if let Some(s) = unquote(t) {
        return Ok(Operand::Str(s));
    }
    match t {
        "true" => return Ok(Operand::Bool(true)),
        "false" => return Ok(Operand::Bool(false)),
        _ => {}
    }
    t.parse::<f64>()
        .map(Operand::Num)
        .map_err(|_| format!("invalid filter operand {t:?}"))
}

/// One value found by a path: a value of the indexed body, or a decoded value.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Node<'a> {
    Doc(&'a Doc<'a>, NodeId),
    Val(&'a Value),
    /// A string borrowed from the event (a header value).
    Str(&'a str),
}

impl<'a> Node<'a> {
    fn field(&self, name: &str) -> Option<Node<'a>> {
        match *self {
            Node::Doc(doc, id) => doc.field(id, name).map(|c| Node::Doc(doc, c)),
            Node::Val(Value::Object(m)) => m.get(name).map(Node::Val),
            Node::Val(_) | Node::Str(_) => None,
        }
    }

    fn elements(&self) -> Option<Vec<Node<'a>>> {
        match *self {
            Node::Doc(doc, id) if doc.kind(id) == RawKind::Array => {
                Some(doc.children(id).map(|c| Node::Doc(doc, c)).collect())
            }
            Node::Val(Value::Array(items)) => Some(items.iter().map(Node::Val).collect()),
            _ => None,
        }
    }

    fn children(&self) -> Vec<Node<'a>> {
        match *self {
            Node::Doc(doc, id) => doc.children(id).map(|c| Node::Doc(doc, c)).collect(),
            Node::Val(Value::Array(items)) => items.iter().map(Node::Val).collect(),
            Node::Val(Value::Object(m)) => m.values().map(Node::Val).collect(),
            Node::Val(_) | Node::Str(_) => Vec::new(),
        }
    }

    fn kind_name(&self) -> &'static str {
        let kind = match self {
            Node::Doc(doc, id) => doc.kind(*id),
            Node::Val(v) => match v {
                Value::Object(_) => RawKind::Object,
                Value::Array(_) => RawKind::Array,
                Value::String(_) => RawKind::String,
                Value::Number(_) => RawKind::Number,
                Value::Bool(_) => RawKind::Bool,
                Value::Null => RawKind::Null,
            },
            Node::Str(_) => RawKind::String,
        };
        match kind {
            RawKind::Object => "map[string]interface {}",
            RawKind::Array => "[]interface {}",
            RawKind::String => "string",
            RawKind::Number => "float64",
            RawKind::Bool => "bool",
            RawKind::Null => "<nil>",
        }
    }

    fn scalar(&self) -> Scalar<'a> {
        match *self {
            Node::Doc(doc, id) => match doc.kind(id) {
                RawKind::String => doc.str(id).map(Scalar::Str).unwrap_or(Scalar::Other),
                RawKind::Number => Scalar::Num(doc.number(id)),
                RawKind::Bool => Scalar::Bool(doc.raw(id).first() == Some(&b't')),
                RawKind::Null => Scalar::Null,
                RawKind::Object | RawKind::Array => Scalar::Other,
            },
            Node::Val(Value::String(s)) => Scalar::Str(Cow::Borrowed(s)),
            Node::Str(s) => Scalar::Str(Cow::Borrowed(s)),
            Node::Val(Value::Number(n)) => Scalar::Num(n.as_f64().unwrap_or(0.0)),
            Node::Val(Value::Bool(b)) => Scalar::Bool(*b),
            Node::Val(Value::Null) => Scalar::Null,
            Node::Val(_) => Scalar::Other,
        }
    }

    fn marshal(&self, out: &mut String) {
        match *self {
            Node::Doc(doc, id) => json::go_marshal_node(out, doc, id),
            Node::Val(v) => json::go_marshal_value(out, v),
            Node::Str(s) => {
                out.push('"');
                json::go_escape_into(out, s);
                out.push('"');
            }
        }
    }

    /// One result: strings without their quotes, everything else as JSON.
    fn render_single(&self, out: &mut String) {
        match *self {
            Node::Doc(doc, id) if doc.kind(id) == RawKind::String => {
                if let Some(s) = doc.str(id) {
                    json::go_escape_into(out, &s);
                }
            }
            Node::Val(Value::String(s)) => json::go_escape_into(out, s),
            Node::Str(s) => json::go_escape_into(out, s),
            other => other.marshal(out),
        }
    }
}

/// What binding expressions see: `header`, `body`, `extensions` and `context`.
pub(crate) struct Root<'a> {
    /// The request headers, for direct lookups of single-valued headers.
    pub headers: &'a Headers,
    /// The `header` object (canonical names, values joined), built on first use.
    pub header: &'a OnceCell<Value>,
    pub body: Node<'a>,
    pub extensions: &'a Value,
    pub context: &'a Value,
}

impl<'a> Root<'a> {
    fn header_view(&self) -> &'a Value {
        self.header.get_or_init(|| self.headers.binding_view())
    }

    /// `$(header.Name)` for a header sent once: its value, without building the view.
    fn single_header(&self, name: &str) -> Option<&'a str> {
        let mut values = self.headers.canonical_values(name);
        let first = values.next()?;
        values.next().is_none().then_some(first)
    }

    fn get(&self, name: &str) -> Option<Node<'a>> {
        match name {
            "header" => Some(Node::Val(self.header_view())),
            "body" => Some(self.body),
            "extensions" => Some(Node::Val(self.extensions)),
            "context" => Some(Node::Val(self.context)),
            _ => None,
        }
    }

    fn all(&self) -> Vec<Node<'a>> {
        vec![
            Node::Val(self.header_view()),
            self.body,
            Node::Val(self.extensions),
            Node::Val(self.context),
        ]
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
    use serde_json::json;

    fn eval(expr: &str, body: &str) -> Result<String, (String, String)> {
        let headers = Headers::new()
            .with("x-github-event", "push")
            .with("Header-One", "val1")
            .with("header-one", "val2");
        let header = OnceCell::new();
        let ext = json!({"foo": {"bar": ["a", "b", "c"]}});
        let ctx = json!({"eventID": "e1"});
        let doc = json::parse(body.as_bytes(), 128).unwrap();
        let root = Root {
            headers: &headers,
            header: &header,
            body: Node::Doc(&doc, Doc::ROOT),
            extensions: &ext,
            context: &ctx,
        };
        BindingExpr::parse(expr).eval(&root, None)
    }

    #[test]
    fn table() {
        let body = r#"{"a":{"b.c":"dot","d-e":"dash","n":[1,2,{"k":"v"}]},"s":"x\"y","child":[{"a":"b","w":"1"},{"a":"d","w":"3"}],"f":1.5,"t":true,"z":null}"#;
        let rows: &[(&str, &str)] = &[
            ("$(body.a.d-e)", "dash"),
            ("$(body.a.b\\.c)", "dot"),
            ("$(body.a['b.c'])", "dot"),
            ("$(body.a.n[2].k)", "v"),
            ("$(body.a.n[-1])", "{\"k\":\"v\"}"),
            ("$(body.a.n)", "[1,2,{\"k\":\"v\"}]"),
            ("$(body.a.n[*])", "[1,2,{\"k\":\"v\"}]"),
            ("$(body.s)", "x\\\"y"),
            ("$(body.f) $(body.t) $(body.z)", "1.5 true null"),
            ("$(header.x-github-event)", "push"),
            ("$(header.X-GitHub-Event)", "push"),
            // A header sent twice (any case) is both values joined.
            ("$(header.header-one)", "val1,val2"),
            ("$(header['Header-One'])", "val1,val2"),
            (
                "$(header)",
                "{\"Header-One\":\"val1,val2\",\"X-Github-Event\":\"push\"}",
            ),
            ("$(header.*)", "[\"val1,val2\",\"push\"]"),
            ("$(extensions.foo.bar[1])", "b"),
            ("$(context.eventID)", "e1"),
            (
                "$(body.child[?(@.a == 'd')].w) : $(body.child[0].a)",
                "3 : b",
            ),
            ("$(body.child[?(@.a != 'x')].w)", "[\"1\",\"3\"]"),
            ("$(body.child[?(@.w)].a)", "[\"b\",\"d\"]"),
            ("plain", "plain"),
            ("$(unclosed", "$(unclosed"),
            ("{.body.t}", "{.body.t}"),
            ("$({.body.t})", "true"),
        ];
        for (expr, want) in rows {
            assert_eq!(eval(expr, body).unwrap(), *want, "{expr}");
        }
    }

    #[test]
    fn errors() {
        let body = r#"{"a":[1]}"#;
        let rows: &[(&str, &str)] = &[
            ("$(body.missing)", "missing is not found"),
            (
                "$(body.a[3])",
                "array index out of bounds: index 3, length 1",
            ),
            ("$(nothing.x)", "nothing is not found"),
            ("$(header.X-Missing)", "X-Missing is not found"),
            ("$(body.a..b)", "recursive descent"),
            ("$(header.[)", ""),
        ];
        for (expr, want) in rows {
            let e = eval(expr, body).unwrap_err();
            assert!(e.1.contains(want), "{expr}: {e:?}");
        }
    }
}
