//! A sound upper bound on what one CEL evaluation costs, computed from the expression and
//! the event's inputs before the expression runs.
//!
//! The `cel` crate cannot be interrupted once it runs, so the bound must hold for every
//! way the evaluation can go. It is an abstract evaluation of the expression: each
//! subexpression gets a [`Shape`] (an upper bound on the size of any value it can
//! produce) and a [`Cost`] (an upper bound on the steps it takes and the bytes it
//! allocates).
//!
//! - Inputs are measured: the body through its JSON index (a field path into the body
//!   keeps the exact node it names, so `body.commits` is the size of that list, not of the
//!   whole body), headers, extensions and the URL from their sizes.
//! - Literals are their own size; a list literal of 200 elements iterates 200 times.
//! - A comprehension (`all`, `exists`, `map`, `filter`, ...) costs its range's length
//!   times the cost of one step, multiplied through nesting. The accumulator of `map` and
//!   `filter` grows by one step's list per element; any other accumulator must not grow
//!   (checked), else the expression is refused.
//! - `+` on strings and lists, `join`, `replace`, `split`, `format`, `lists.range`, the
//!   Tekton functions ... each bound the size of their result from their arguments', and
//!   the result feeds the enclosing expression. Every function that allocates is charged
//!   for the bytes of its result; functions that scan are charged for what they scan.
//! - A function this module does not know is unbounded, and refuses the expression.
//!
//! One step is one node of the expression evaluated, or 16 bytes scanned or copied.
//! Memory counts every value built (64 bytes a value plus its string bytes), the CEL copies
//! of the inputs included, so it bounds the peak too.

use crate::json::{Doc, NodeId, RawKind};
use cel::common::ast::{ComprehensionExpr, EntryExpr, Expr, IdedExpr, LiteralValue};
use std::collections::HashMap;

/// Bytes counted for one value besides its string bytes (a boxed CEL value in a list or
/// map is about this size).
const VALUE: u128 = 64;

/// Bytes scanned or copied for one step.
const BYTES_PER_STEP: u128 = 16;

/// The most elements `lists.range` makes (the `cel` crate's cap).
const MAX_RANGE: u128 = 1_000_000;

/// Compiled-program size under which a literal regular expression counts as small.
pub(crate) const SMALL_REGEX_BYTES: usize = 64 * 1024;

/// Namespaces of the functions called as `ns.f(..)` (parsed as a call on an identifier).
const NAMESPACES: &[&str] = &["math", "lists", "base64", "strings", "optional", "sets"];

/// What kind of value a shape bounds, where that is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Nothing (the elements of an empty or scalar value).
    Nothing,
    /// A number, bool, null, type, duration or timestamp.
    Scalar,
    /// A string or bytes.
    Str,
    List,
    Map,
    /// Unknown.
    Any,
}

impl Kind {
    fn join(self, other: Kind) -> Kind {
        match (self, other) {
            (a, b) if a == b => a,
            (Kind::Nothing, k) | (k, Kind::Nothing) => k,
            _ => Kind::Any,
        }
    }

    fn within(self, other: Kind) -> bool {
        self == other || self == Kind::Nothing || other == Kind::Any
    }
}

/// An upper bound on the size of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Shape {
    kind: Kind,
    /// Its own length: string bytes, list elements, map entries (0 for a scalar).
    count: u128,
    /// The largest `count` of the value or of any value inside it.
    len: u128,
    /// The bytes it occupies: [`VALUE`] for each value in it plus the string bytes.
    bytes: u128,
    /// The kind of its direct elements (a list's elements, a map's keys and values).
    elem_kind: Kind,
    /// The most bytes one direct element occupies.
    elem_bytes: u128,
}

impl Shape {
    const SCALAR: Shape = Shape {
        kind: Kind::Scalar,
        count: 0,
        len: 0,
        bytes: VALUE,
        elem_kind: Kind::Nothing,
        elem_bytes: 0,
    };

    /// No bound: refuses any expression it reaches the cost of.
    const TOP: Shape = Shape {
        kind: Kind::Any,
        count: u128::MAX,
        len: u128::MAX,
        bytes: u128::MAX,
        elem_kind: Kind::Any,
        elem_bytes: u128::MAX,
    };

    const EMPTY_MAP: Shape = Shape {
        kind: Kind::Map,
        count: 0,
        len: 0,
        bytes: VALUE,
        elem_kind: Kind::Nothing,
        elem_bytes: 0,
    };

    const EMPTY_LIST: Shape = Shape {
        kind: Kind::List,
        ..Shape::EMPTY_MAP
    };

    /// A string of at most `n` bytes.
    pub(crate) fn string(n: u128) -> Shape {
        Shape {
            kind: Kind::Str,
            count: n,
            len: n,
            bytes: VALUE.saturating_add(n),
            elem_kind: Kind::Nothing,
            elem_bytes: 0,
        }
    }

    /// A list of at most `count` elements, of which nothing more is known.
    fn list(count: u128, len: u128, bytes: u128) -> Shape {
        Shape {
            kind: Kind::List,
            count,
            len: len.max(count),
            bytes,
            elem_kind: Kind::Any,
            elem_bytes: bytes,
        }
    }

    /// A map of at most `count` entries, of which nothing more is known.
    fn map(count: u128, len: u128, bytes: u128) -> Shape {
        Shape {
            kind: Kind::Map,
            ..Shape::list(count, len, bytes)
        }
    }

    /// `self` (a list or map being built) with one more element (or key, or value)
    /// bounded by `e`; `counted`: whether it adds to the count.
    fn push(&mut self, e: Shape, counted: bool) {
        if counted {
            self.count = self.count.saturating_add(1);
        }
        self.len = self.len.max(self.count).max(e.len);
        self.bytes = self.bytes.saturating_add(e.bytes);
        self.elem_kind = self.elem_kind.join(e.kind);
        self.elem_bytes = self.elem_bytes.max(e.bytes);
    }

    /// A bound of both.
    fn join(self, other: Shape) -> Shape {
        Shape {
            kind: self.kind.join(other.kind),
            count: self.count.max(other.count),
            len: self.len.max(other.len),
            bytes: self.bytes.max(other.bytes),
            elem_kind: self.elem_kind.join(other.elem_kind),
            elem_bytes: self.elem_bytes.max(other.elem_bytes),
        }
    }

    /// Whether every value `self` bounds is bounded by `other`.
    fn within(self, other: Shape) -> bool {
        self.kind.within(other.kind)
            && self.count <= other.count
            && self.len <= other.len
            && self.bytes <= other.bytes
            && self.elem_kind.within(other.elem_kind)
            && self.elem_bytes <= other.elem_bytes
    }

    /// A bound of the value's direct elements (list elements, map keys and values).
    fn element(self) -> Shape {
        match self.elem_kind {
            Kind::Nothing | Kind::Scalar => Shape::SCALAR,
            kind => Shape {
                kind,
                count: self.len,
                len: self.len,
                bytes: self.elem_bytes,
                elem_kind: Kind::Any,
                elem_bytes: self.elem_bytes,
            },
        }
    }
}

/// The shape of a JSON object (the extensions): exact.
pub(crate) fn map_shape(members: &serde_json::Map<String, serde_json::Value>) -> Shape {
    let mut s = Shape::EMPTY_MAP;
    for (k, item) in members {
        s.push(Shape::string(k.len() as u128), true);
        s.push(json_shape(item), false);
    }
    s
}

/// The shape of a JSON value: exact.
pub(crate) fn json_shape(v: &serde_json::Value) -> Shape {
    use serde_json::Value;
    match v {
        Value::String(s) => Shape::string(s.len() as u128),
        Value::Array(items) => {
            let mut s = Shape::EMPTY_LIST;
            for item in items {
                s.push(json_shape(item), true);
            }
            s
        }
        Value::Object(members) => map_shape(members),
        _ => Shape::SCALAR,
    }
}

/// An upper bound on the `header` map built from `headers` (names merge when
/// canonicalised, which only makes it smaller).
pub(crate) fn header_shape<'h>(headers: impl Iterator<Item = (&'h str, &'h str)>) -> Shape {
    let mut s = Shape::EMPTY_MAP;
    for (name, value) in headers {
        s.push(Shape::string(name.len() as u128), true);
        // A list holding the value; values of one name share a list.
        s.push(Shape::string(value.len() as u128), false);
        s.bytes = s.bytes.saturating_add(VALUE);
    }
    // A list may hold several values: only the whole bounds one.
    Shape::map(s.count, s.len, s.bytes)
}

/// Steps and bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Cost {
    /// Steps.
    pub work: u128,
    /// Bytes allocated, in total.
    pub memory: u128,
    /// The largest transient allocation (a compiled regular expression), freed after use.
    pub temp: u128,
}

impl Cost {
    fn steps(work: u128) -> Cost {
        Cost {
            work,
            ..Cost::default()
        }
    }

    /// The cost of scanning `bytes` bytes.
    fn scan(bytes: u128) -> Cost {
        Cost::steps(bytes.div_ceil(BYTES_PER_STEP))
    }

    /// The cost of building a value of `shape`: one step, its bytes copied and allocated.
    fn build(shape: Shape) -> Cost {
        Cost {
            work: 1u128.saturating_add(shape.bytes.div_ceil(BYTES_PER_STEP)),
            memory: shape.bytes,
            temp: 0,
        }
    }

    fn plus(self, o: Cost) -> Cost {
        Cost {
            work: self.work.saturating_add(o.work),
            memory: self.memory.saturating_add(o.memory),
            temp: self.temp.max(o.temp),
        }
    }

    /// `n` times in a row.
    fn times(self, n: u128) -> Cost {
        Cost {
            work: self.work.saturating_mul(n),
            memory: self.memory.saturating_mul(n),
            temp: if n == 0 { 0 } else { self.temp },
        }
    }

    /// The dearer of two alternatives.
    fn either(self, o: Cost) -> Cost {
        Cost {
            work: self.work.max(o.work),
            memory: self.memory.max(o.memory),
            temp: self.temp.max(o.temp),
        }
    }
}

/// A subexpression's value: a node of the body (exactly), or a bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Val {
    Node(NodeId),
    Shape(Shape),
}

/// The inputs an evaluation sees.
pub(crate) struct Inputs<'a> {
    /// The body, when the expression reads it and it is a JSON object (`None`: `{}`).
    pub doc: Option<&'a Doc<'a>>,
    /// The top-level body fields the expression reads (`None`: the whole body).
    pub body_fields: Option<&'a [String]>,
    pub header: Shape,
    pub extensions: Shape,
    pub url: Shape,
}

/// The estimate for one expression: the cost of running it, the copies of its inputs and
/// of its result included.
pub(crate) fn estimate(expr: &IdedExpr, inputs: &Inputs<'_>, small_regexes: &[String]) -> Cost {
    let walk_budget = inputs
        .doc
        .map_or(0, |d| (d.node_count() as u128).saturating_mul(4))
        .saturating_add(100_000);
    let mut a = Analyzer {
        inputs,
        small_regexes,
        scopes: Vec::new(),
        memo: HashMap::new(),
        walk_budget,
    };
    let (value, cost) = a.eval(expr);
    let result = a.shape(value);
    // The inputs as CEL values: ours, then the `cel` crate's copy.
    let body = match (inputs.doc, inputs.body_fields) {
        (None, _) => Shape::EMPTY_MAP.bytes,
        (Some(_), None) => a.node_shape(Doc::ROOT).bytes,
        (Some(doc), Some(fields)) => {
            fields
                .iter()
                .fold(VALUE, |acc, f| match doc.field(Doc::ROOT, f) {
                    Some(id) => acc
                        .saturating_add(Shape::string(f.len() as u128).bytes)
                        .saturating_add(a.node_shape(id).bytes),
                    None => acc,
                })
        }
    };
    let input_bytes = body
        .saturating_add(inputs.header.bytes)
        .saturating_add(inputs.extensions.bytes)
        .saturating_add(inputs.url.bytes)
        .saturating_mul(2);
    cost.plus(Cost {
        work: input_bytes.div_ceil(BYTES_PER_STEP),
        memory: input_bytes,
        temp: 0,
    })
    // The result converted out of the `cel` crate, then to JSON for an overlay.
    .plus(Cost::build(result).times(2))
}

struct Analyzer<'a, 'e> {
    inputs: &'a Inputs<'a>,
    small_regexes: &'a [String],
    /// Comprehension variables, innermost last.
    scopes: Vec<(&'e str, Val)>,
    /// Shapes of body nodes already measured.
    memo: HashMap<NodeId, Shape>,
    /// Body nodes that may still be visited to measure exactly; past it, nodes are
    /// bounded from their byte length alone.
    walk_budget: u128,
}

impl<'a, 'e> Analyzer<'a, 'e> {
    fn shape(&mut self, v: Val) -> Shape {
        match v {
            Val::Shape(s) => s,
            Val::Node(id) => self.node_shape(id),
        }
    }

    /// The shape of body node `id`, measured once.
    fn node_shape(&mut self, id: NodeId) -> Shape {
        if let Some(s) = self.memo.get(&id) {
            return *s;
        }
        let s = self.measure(id);
        self.memo.insert(id, s);
        s
    }

    /// The exact shape of body node `id` while the walk budget lasts, then one from its
    /// bytes: a decoded string is never longer than its JSON text, and every value and
    /// key takes at least one byte of it.
    fn measure(&mut self, id: NodeId) -> Shape {
        let Some(doc) = self.inputs.doc else {
            return Shape::SCALAR;
        };
        let raw = doc.raw(id).len() as u128;
        if self.walk_budget == 0 {
            return match doc.kind(id) {
                RawKind::String => Shape::string(raw.saturating_sub(2)),
                RawKind::Array | RawKind::Object => Shape {
                    kind: Kind::Any,
                    ..Shape::list(
                        raw,
                        raw,
                        raw.saturating_mul(VALUE + 1).saturating_add(VALUE),
                    )
                },
                _ => Shape::SCALAR,
            };
        }
        self.walk_budget -= 1;
        match doc.kind(id) {
            RawKind::String => Shape::string(raw.saturating_sub(2)),
            RawKind::Array => {
                let mut s = Shape::EMPTY_LIST;
                for c in doc.children(id) {
                    let e = self.measure(c);
                    s.push(e, true);
                }
                s
            }
            RawKind::Object => {
                let mut s = Shape::EMPTY_MAP;
                for c in doc.children(id) {
                    s.push(Shape::string(doc.key_len(c) as u128), true);
                    let e = self.measure(c);
                    s.push(e, false);
                }
                s
            }
            _ => Shape::SCALAR,
        }
    }

    /// How many times a comprehension over `v` runs, and a bound of what each run binds.
    fn elements(&mut self, v: Val) -> (u128, Val) {
        let node = match v {
            Val::Shape(s) => return (s.count, Val::Shape(s.element())),
            Val::Node(id) => id,
        };
        let Some(doc) = self.inputs.doc else {
            return (0, Val::Shape(Shape::SCALAR));
        };
        let kind = doc.kind(node);
        if !matches!(kind, RawKind::Array | RawKind::Object) {
            return (0, Val::Shape(Shape::SCALAR));
        }
        let mut children = doc.children(node);
        if let (Some(only), None, RawKind::Array) = (children.next(), children.next(), kind) {
            return (1, Val::Node(only));
        }
        let mut n = 0u128;
        let mut bound = Shape::SCALAR;
        for c in doc.children(node) {
            n = n.saturating_add(1);
            let mut e = self.measure(c);
            if kind == RawKind::Object {
                // Two-variable comprehensions bind keys and values alike.
                e = e.join(Shape::string(doc.key_len(c) as u128));
            }
            bound = if n == 1 { e } else { bound.join(e) };
        }
        (n, Val::Shape(bound))
    }

    fn lookup(&self, name: &str) -> Option<Val> {
        self.scopes
            .iter()
            .rev()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
    }

    fn eval(&mut self, e: &'e IdedExpr) -> (Val, Cost) {
        match &e.expr {
            Expr::Ident(name) => (self.ident(name), Cost::steps(1)),
            Expr::Literal(l) => {
                let s = match l {
                    LiteralValue::String(s) => Shape::string(s.inner().len() as u128),
                    LiteralValue::Bytes(b) => Shape::string(b.inner().len() as u128),
                    _ => Shape::SCALAR,
                };
                (Val::Shape(s), Cost::build(s))
            }
            Expr::Select(s) => {
                let (operand, cost) = self.eval(&s.operand);
                let cost = cost
                    .plus(Cost::scan(s.field.len() as u128))
                    .plus(Cost::steps(1));
                if s.test {
                    return (Val::Shape(Shape::SCALAR), cost);
                }
                (self.field(operand, &s.field), cost)
            }
            Expr::List(l) => {
                let mut s = Shape::EMPTY_LIST;
                let mut cost = Cost::default();
                for x in &l.elements {
                    let (v, c) = self.eval(x);
                    let es = self.shape(v);
                    s.push(es, true);
                    cost = cost.plus(c);
                }
                (Val::Shape(s), cost.plus(Cost::build(s)))
            }
            Expr::Map(m) => self.entries(m.entries.iter().map(|x| &x.expr)),
            Expr::Struct(st) => self.entries(st.entries.iter().map(|x| &x.expr)),
            Expr::Call(c) => self.call(c),
            Expr::Comprehension(c) => self.comprehension(c),
            Expr::Unspecified => (Val::Shape(Shape::SCALAR), Cost::steps(1)),
        }
    }

    fn ident(&self, name: &str) -> Val {
        if let Some(v) = self.lookup(name) {
            return v;
        }
        match name {
            "body" => match self.inputs.doc {
                Some(_) => Val::Node(Doc::ROOT),
                None => Val::Shape(Shape::EMPTY_MAP),
            },
            "header" => Val::Shape(self.inputs.header),
            "extensions" => Val::Shape(self.inputs.extensions),
            "requestURL" => Val::Shape(self.inputs.url),
            // A type name, a function namespace, or an undeclared reference (an error).
            _ => Val::Shape(Shape::SCALAR),
        }
    }

    /// Field `name` of `v` (a borrow of it, not a copy).
    fn field(&mut self, v: Val, name: &str) -> Val {
        match (v, self.inputs.doc) {
            (Val::Node(id), Some(doc)) => match doc.field(id, name) {
                Some(c) => Val::Node(c),
                // A missing field is an error: nothing to bound.
                None => Val::Shape(Shape::SCALAR),
            },
            (v, _) => Val::Shape(self.shape(v).element()),
        }
    }

    /// `v[key]` (a borrow, not a copy).
    fn index(&mut self, v: Val, key: &IdedExpr) -> Val {
        if let (Val::Node(id), Some(doc)) = (v, self.inputs.doc) {
            match &key.expr {
                Expr::Literal(LiteralValue::String(k)) => return self.field(v, k.inner()),
                Expr::Literal(LiteralValue::Int(i)) if doc.kind(id) == RawKind::Array => {
                    return match usize::try_from(*i.inner()) {
                        Ok(i) => doc
                            .children(id)
                            .nth(i)
                            .map_or(Val::Shape(Shape::SCALAR), Val::Node),
                        Err(_) => Val::Shape(Shape::SCALAR),
                    };
                }
                _ => {}
            }
        }
        Val::Shape(self.shape(v).element())
    }

    fn entries(&mut self, entries: impl Iterator<Item = &'e EntryExpr>) -> (Val, Cost) {
        let mut s = Shape::EMPTY_MAP;
        let mut cost = Cost::default();
        for entry in entries {
            let (k, v) = match entry {
                EntryExpr::StructField(f) => {
                    let (v, c) = self.eval(&f.value);
                    cost = cost.plus(c);
                    (Shape::string(f.field.len() as u128), v)
                }
                EntryExpr::MapEntry(m) => {
                    let (k, ck) = self.eval(&m.key);
                    let (v, cv) = self.eval(&m.value);
                    cost = cost.plus(ck).plus(cv);
                    (self.shape(k), v)
                }
            };
            let v = self.shape(v);
            s.push(k, true);
            s.push(v, false);
        }
        (Val::Shape(s), cost.plus(Cost::build(s)))
    }

    fn call(&mut self, c: &'e cel::common::ast::CallExpr) -> (Val, Cost) {
        let name = c.func_name.as_str();
        // `ns.f(x)` parses as a call of `f` on the identifier `ns`.
        let namespaced = match c.target.as_deref().map(|t| &t.expr) {
            Some(Expr::Ident(ns))
                if NAMESPACES.contains(&ns.as_str()) && self.lookup(ns).is_none() =>
            {
                Some(format!("{ns}.{name}"))
            }
            _ => None,
        };
        let mut exprs: Vec<&'e IdedExpr> = Vec::with_capacity(c.args.len() + 1);
        if namespaced.is_none()
            && let Some(t) = c.target.as_deref()
        {
            exprs.push(t);
        }
        exprs.extend(c.args.iter());
        let name = namespaced.as_deref().unwrap_or(name);

        match (name, exprs.as_slice()) {
            ("_?_:_", [cond, a, b]) => {
                let (_, cc) = self.eval(cond);
                let (va, ca) = self.eval(a);
                let (vb, cb) = self.eval(b);
                let v = if va == vb {
                    va
                } else {
                    let (sa, sb) = (self.shape(va), self.shape(vb));
                    Val::Shape(sa.join(sb))
                };
                return (v, cc.plus(ca.either(cb)).plus(Cost::steps(1)));
            }
            ("_[_]", [container, key]) => {
                let (v, c0) = self.eval(container);
                let (k, c1) = self.eval(key);
                let ks = self.shape(k);
                let v = self.index(v, key);
                return (
                    v,
                    c0.plus(c1).plus(Cost::scan(ks.bytes)).plus(Cost::steps(1)),
                );
            }
            ("dyn", [x]) => {
                let (v, cost) = self.eval(x);
                return (v, cost.plus(Cost::steps(1)));
            }
            _ => {}
        }

        let mut cost = Cost::steps(1);
        let mut shapes = Vec::with_capacity(exprs.len());
        for x in &exprs {
            let (v, c) = self.eval(x);
            cost = cost.plus(c);
            shapes.push(self.shape(v));
        }
        let arg = |i: usize| shapes.get(i).copied().unwrap_or(Shape::SCALAR);
        let (s0, s1, s2) = (arg(0), arg(1), arg(2));
        let (c0, c1, c2) = (s0.count, s1.count, s2.count);
        let sum = |xs: &[u128]| xs.iter().fold(0u128, |a, x| a.saturating_add(*x));
        let mul = |a: u128, b: u128| a.saturating_mul(b);
        let all_bytes = shapes.iter().fold(0u128, |a, s| a.saturating_add(s.bytes));

        // (result, what is scanned besides building the result, extra cost)
        let scalar = |scan: u128| (Shape::SCALAR, scan, Cost::default());
        let (result, scan, extra) = match name {
            "_&&_"
            | "_||_"
            | "!_"
            | "@not_strictly_false"
            | "-_"
            | "_-_"
            | "_*_"
            | "_/_"
            | "_%_"
            | "optional.none"
            | "hasValue"
            | "type" => scalar(0),
            "_==_" | "_!=_" | "_<_" | "_<=_" | "_>_" | "_>=_" => scalar(s0.bytes.min(s1.bytes)),
            "@in" => scalar(sum(&[s0.bytes, s1.bytes])),
            "size" | "int" | "uint" | "double" | "bool" | "duration" | "timestamp" => scalar(c0),
            "contains" | "startsWith" | "endsWith" => scalar(sum(&[c0, c1])),
            "getDate" | "getDayOfMonth" | "getDayOfWeek" | "getDayOfYear" | "getFullYear"
            | "getHours" | "getMilliseconds" | "getMinutes" | "getMonth" | "getSeconds" => {
                scalar(0)
            }
            n if n.starts_with("math.") => scalar(all_bytes),
            "indexOf" | "lastIndexOf" => {
                scalar(sum(&[mul(4, sum(&[c0, c1])), mul(c0 + 1, c1 + 1)]))
            }
            "matches" => (
                Shape::SCALAR,
                0,
                self.regex(&exprs, c0, RegexLimit::Default),
            ),
            "match" => scalar(sum(&[s0.bytes, c1])),
            "compareSecret" => scalar(sum(&[c0, 4096])),
            "_+_" => (add(s0, s1), 0, Cost::default()),
            "string" => (
                if s0.kind == Kind::Str {
                    s0
                } else {
                    Shape::string(sum(&[mul(3, c0), 64]))
                },
                s0.bytes,
                Cost::default(),
            ),
            "lowerAscii" | "upperAscii" | "trim" => (Shape::string(c0), c0, Cost::default()),
            "reverse" => (s0, s0.bytes, Cost::default()),
            "substring" | "charAt" | "truncate" => (Shape::string(c0), mul(4, c0), Cost::default()),
            "replace" => (
                Shape::string(sum(&[c0, mul(c0 + 1, c2)])),
                sum(&[c0, c1]),
                Cost::default(),
            ),
            "split" => (
                Shape {
                    elem_kind: Kind::Str,
                    elem_bytes: sum(&[VALUE, c0]),
                    ..Shape::list(
                        c0.saturating_add(1),
                        c0.saturating_add(1),
                        sum(&[VALUE, mul(c0.saturating_add(1), VALUE), c0]),
                    )
                },
                sum(&[c0, c1]),
                Cost::default(),
            ),
            "join" => (
                Shape::string(sum(&[s0.bytes, mul(s0.count, c1)])),
                s0.bytes,
                Cost::default(),
            ),
            "format" => (
                Shape::string(mul(c0.saturating_add(1), sum(&[mul(8, s1.bytes), 512]))),
                sum(&[c0, s1.bytes]),
                Cost::default(),
            ),
            "strings.quote" => (Shape::string(sum(&[mul(10, c0), 2])), c0, Cost::default()),
            "base64.encode" => (Shape::string(sum(&[mul(2, c0), 4])), c0, Cost::default()),
            "base64.decode" => (Shape::string(c0), c0, Cost::default()),
            "decodeb64" => (Shape::string(mul(3, c0)), c0, Cost::default()),
            "lists.range" => {
                let n = match exprs.first().map(|x| &x.expr) {
                    Some(Expr::Literal(LiteralValue::Int(i))) => {
                        u128::try_from(*i.inner()).unwrap_or(0).min(MAX_RANGE)
                    }
                    _ => MAX_RANGE,
                };
                let list = Shape {
                    elem_kind: Kind::Scalar,
                    elem_bytes: VALUE,
                    ..Shape::list(n, n, sum(&[VALUE, mul(n, VALUE)]))
                };
                (list, 0, Cost::default())
            }
            "slice" | "@sortByAssociatedKeys" => (s0, s0.bytes, Cost::default()),
            "distinct" => (s0, mul(s0.count, s0.bytes), Cost::default()),
            "sort" => {
                let log = u128::from(128 - s0.count.leading_zeros());
                (s0, mul(s0.bytes, sum(&[mul(2, log), 2])), Cost::default())
            }
            "flatten" => (
                Shape::list(s0.bytes, s0.len.max(s0.bytes), s0.bytes),
                s0.bytes,
                Cost::default(),
            ),
            "first" | "last" | "value" => (s0.element().join(s0), 0, Cost::default()),
            "optional.of" | "optional.ofNonZeroValue" => (
                Shape {
                    bytes: s0.bytes.saturating_add(VALUE),
                    ..s0
                },
                0,
                Cost::default(),
            ),
            "or" | "orValue" => (s0.join(s1), 0, Cost::default()),
            "canonical" => (Shape::string(s0.len), c1, Cost::default()),
            "parseJSON" => {
                let out = Shape::map(c0, c0, sum(&[mul(c0, VALUE + 1), VALUE]));
                // serde_json's value first, then the CEL one.
                (out, mul(4, c0), Cost::build(out))
            }
            "parseYAML" => {
                // `parse_yaml` caps the nodes and the scalar bytes by the input's length.
                let nodes = crate::interceptors::cel::yaml_max_nodes(c0);
                let scalars = crate::interceptors::cel::yaml_max_scalar_bytes(c0);
                let out = Shape::map(
                    nodes,
                    nodes.max(scalars),
                    sum(&[mul(nodes, VALUE), scalars]),
                );
                (out, mul(16, c0), Cost::build(out).times(2))
            }
            "parseURL" => (
                Shape::map(
                    8,
                    c0.saturating_add(8),
                    sum(&[mul(64, VALUE), mul(8, c0), mul(c0, mul(3, VALUE))]),
                ),
                mul(4, c0),
                Cost::default(),
            ),
            "marshalJSON" => (
                Shape::string(sum(&[mul(6, s0.bytes), 64])),
                s0.bytes,
                Cost::default(),
            ),
            "translate" => (
                Shape::string(mul(sum(&[mul(2, c0), 1]), c2.saturating_add(1))),
                0,
                self.regex(&exprs, c0, RegexLimit::Translate),
            ),
            // Every element of one list against every element of the other: at most
            // (bytes0 / VALUE) elements each scanning the other list's bytes, both ways.
            "sets.contains" | "sets.equivalent" | "sets.intersects" => scalar(sum(&[
                mul(s0.bytes / VALUE + 1, s1.bytes),
                mul(s1.bytes / VALUE + 1, s0.bytes),
            ])),
            "_[?_]" | "_?._" => (s0.element(), s1.bytes, Cost::default()),
            _ => (Shape::TOP, 0, Cost::default()),
        };
        let cost = cost
            .plus(Cost::scan(scan))
            .plus(extra)
            .plus(Cost::build(result));
        (Val::Shape(result), cost)
    }

    /// Compiling and running the regular expression `exprs[1]` against `haystack` bytes.
    fn regex(&self, exprs: &[&IdedExpr], haystack: u128, limit: RegexLimit) -> Cost {
        let small = match exprs.get(1).map(|x| &x.expr) {
            Some(Expr::Literal(LiteralValue::String(p))) => {
                self.small_regexes.iter().any(|s| s == p.inner())
            }
            _ => false,
        };
        // Compiling a program of `size` bytes takes about `size / 16` steps; a search
        // visits each of its states for each byte at worst (one step per 32 states).
        let size: u128 = match (small, limit) {
            (true, _) => SMALL_REGEX_BYTES as u128,
            (false, RegexLimit::Translate) => 1 << 20,
            (false, RegexLimit::Default) => 10 << 20,
        };
        Cost {
            work: size
                .div_ceil(BYTES_PER_STEP)
                .saturating_add(haystack.saturating_mul(size / 512)),
            memory: 0,
            // The program and the lazy DFA's cache (2 MiB at most).
            temp: size.saturating_add(2 << 20),
        }
    }

    fn comprehension(&mut self, c: &'e ComprehensionExpr) -> (Val, Cost) {
        let (range, range_cost) = self.eval(&c.iter_range);
        let (init, init_cost) = self.eval(&c.accu_init);
        let range_shape = self.shape(range);
        let (iters, elem) = self.elements(range);
        // Each run binds a copy of its element: together no more than the range.
        let mut cost = range_cost
            .plus(init_cost)
            .plus(Cost::build(range_shape))
            .plus(Cost::build(Shape::SCALAR).times(iters));
        let vars = self.scopes.len();
        self.scopes.push((c.iter_var.as_str(), elem));
        if let Some(v2) = &c.iter_var2 {
            self.scopes.push((v2.as_str(), elem));
        }
        let result = match append_step(c) {
            Some((guard, items)) => {
                // `map` / `filter`: the accumulator only ever grows by `items`.
                self.scopes
                    .push((c.accu_var.as_str(), Val::Shape(Shape::TOP)));
                let mut step = Cost::steps(1);
                if let Some(g) = guard {
                    step = step.plus(self.eval(g).1);
                }
                let (items, items_cost) = self.eval(items);
                let d = self.shape(items);
                step = step.plus(items_cost);
                self.scopes.pop();
                cost = cost.plus(step.times(iters));
                let count = d.count.saturating_mul(iters);
                Val::Shape(Shape {
                    elem_kind: d.elem_kind,
                    elem_bytes: d.elem_bytes,
                    ..Shape::list(
                        count,
                        d.len.max(count),
                        // One step's list literal is moved into the result, not kept.
                        VALUE.saturating_add(d.bytes.saturating_sub(VALUE).saturating_mul(iters)),
                    )
                })
            }
            None => {
                // Any other accumulator must stay within a bound its step keeps.
                let mut accu = init;
                let mut settled = false;
                let mut per_run = Cost::default();
                for _ in 0..4 {
                    self.scopes.push((c.accu_var.as_str(), accu));
                    let (_, cond) = self.eval(&c.loop_cond);
                    let (next, step) = self.eval(&c.loop_step);
                    self.scopes.pop();
                    per_run = cond.plus(step).plus(Cost::steps(1));
                    if next == accu {
                        settled = true;
                        break;
                    }
                    let (a, n) = (self.shape(accu), self.shape(next));
                    if n.within(a) && !matches!(accu, Val::Node(_)) {
                        settled = true;
                        break;
                    }
                    accu = Val::Shape(a.join(n));
                }
                if !settled {
                    self.scopes.truncate(vars);
                    return (Val::Shape(Shape::TOP), Cost::steps(u128::MAX));
                }
                cost = cost.plus(per_run.times(iters));
                self.scopes.push((c.accu_var.as_str(), accu));
                let (r, rc) = self.eval(&c.result);
                self.scopes.pop();
                cost = cost.plus(rc);
                let rs = self.shape(r);
                cost = cost.plus(Cost::build(rs));
                r
            }
        };
        self.scopes.truncate(vars);
        (result, cost)
    }
}

#[derive(Debug, Clone, Copy)]
enum RegexLimit {
    /// The `regex` crate's default size limit (`matches`).
    Default,
    /// `translate`'s own limit, 1 MiB.
    Translate,
}

/// `a + b`: numbers, strings and lists.
fn add(a: Shape, b: Shape) -> Shape {
    if a.kind == Kind::Scalar && b.kind == Kind::Scalar {
        return Shape::SCALAR;
    }
    let count = a.count.saturating_add(b.count);
    if a.kind == Kind::Str && b.kind == Kind::Str {
        return Shape::string(count);
    }
    Shape {
        kind: a.kind.join(b.kind),
        count,
        len: a.len.max(b.len).max(count),
        bytes: a.bytes.saturating_add(b.bytes),
        elem_kind: a.elem_kind.join(b.elem_kind),
        elem_bytes: a.elem_bytes.max(b.elem_bytes),
    }
}

/// The guard and appended list of a comprehension the `cel` crate runs by appending to
/// one list (`map`, `filter`): its result is the accumulator, its condition a literal, its
/// initial accumulator `[]`, and its step `accu + [..]` or `cond ? accu + [..] : accu`.
fn append_step(c: &ComprehensionExpr) -> Option<(Option<&IdedExpr>, &IdedExpr)> {
    let accu = c.accu_var.as_str();
    let is_accu = |e: &IdedExpr| matches!(&e.expr, Expr::Ident(n) if n == accu);
    let appended = |e| appended_list(e, accu);
    let empty_init = matches!(&c.accu_init.expr, Expr::List(l) if l.elements.is_empty());
    if !is_accu(&c.result) || !matches!(c.loop_cond.expr, Expr::Literal(_)) || !empty_init {
        return None;
    }
    match &c.loop_step.expr {
        Expr::Call(call) if call.func_name == "_?_:_" && call.target.is_none() => {
            match call.args.as_slice() {
                [guard, step, otherwise] if is_accu(otherwise) => {
                    Some((Some(guard), appended(step)?))
                }
                _ => None,
            }
        }
        _ => Some((None, appended(&c.loop_step)?)),
    }
}

/// The list `e` appends to `accu`, if it is `accu + [..]`.
fn appended_list<'e>(e: &'e IdedExpr, accu: &str) -> Option<&'e IdedExpr> {
    match &e.expr {
        Expr::Call(call) if call.func_name == "_+_" && call.target.is_none() => {
            match call.args.as_slice() {
                [lhs, rhs]
                    if matches!(&lhs.expr, Expr::Ident(n) if n == accu)
                        && matches!(rhs.expr, Expr::List(_)) =>
                {
                    Some(rhs)
                }
                _ => None,
            }
        }
        _ => None,
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
    use crate::event::Headers;
    use crate::interceptors::EventView;
    use crate::interceptors::cel::{Compiled, Sizes, cost_bound, env};
    use crate::listener::Limits;

    /// The shape `expr` gets on `body`.
    fn shape_of(expr: &str, body: &str) -> Shape {
        let program = env().compile(expr).unwrap();
        let doc = crate::json::parse(body.as_bytes(), 128).unwrap();
        let inputs = Inputs {
            doc: Some(&doc),
            body_fields: None,
            header: Shape::EMPTY_MAP,
            extensions: Shape::EMPTY_MAP,
            url: Shape::string(0),
        };
        let mut a = Analyzer {
            inputs: &inputs,
            small_regexes: &[],
            scopes: Vec::new(),
            memo: HashMap::new(),
            walk_budget: 1_000,
        };
        let (v, _) = a.eval(program.expression());
        a.shape(v)
    }

    #[test]
    fn shapes_table() {
        let body = r#"{"s":"a,b,c","l":[1,2,3],"o":{"k":"vv"}}"#;
        let list = |count, len, bytes| Shape::list(count, len, bytes);
        let rows: &[(&str, Shape)] = &[
            ("'ab' + 'cd'", Shape::string(4)),
            ("1 + 2", Shape::SCALAR),
            ("[1, 2, 3]", list(3, 3, 4 * VALUE)),
            ("body.s", Shape::string(5)),
            ("body['s']", Shape::string(5)),
            ("body.l", list(3, 3, 4 * VALUE)),
            ("body.l[1]", Shape::SCALAR),
            ("body.o.k", Shape::string(2)),
            ("body.l.size() > 2", Shape::SCALAR),
            // `map` over three elements: their three values appended to one list.
            ("body.l.map(x, x)", list(3, 3, VALUE + 3 * VALUE)),
            ("body.l.filter(x, x > 1.0)", list(3, 3, VALUE + 3 * VALUE)),
            ("[body.s].map(s, s + s)", list(1, 10, VALUE + (VALUE + 10))),
            ("body.s.split(',')", list(6, 6, VALUE + 6 * VALUE + 5)),
            ("lists.range(10)", list(10, 10, 11 * VALUE)),
            (
                "lists.range(size(body.s))",
                list(MAX_RANGE, MAX_RANGE, (MAX_RANGE + 1) * VALUE),
            ),
            ("body.s.replace(',', '--')", Shape::string(5 + 6 * 2)),
            ("body.l.exists(x, x == 2.0)", Shape::SCALAR),
            ("body.missing", Shape::SCALAR),
            ("true ? 'abc' : 'de'", Shape::string(3)),
            ("noSuchFunction(1)", Shape::TOP),
        ];
        for (expr, want) in rows {
            let got = shape_of(expr, body);
            let key = |s: Shape| (s.kind, s.count, s.len, s.bytes);
            assert_eq!(key(got), key(*want), "{expr}: {got:?}");
        }
    }

    /// A GitHub pull request event: labels, a long description, a few commits.
    fn pull_request() -> String {
        let labels: Vec<_> = ["bug", "ok-to-test", "area/ci"]
            .iter()
            .map(|l| serde_json::json!({"id": 1, "name": l, "color": "ededed", "default": false}))
            .collect();
        let commits: Vec<_> = (0..5)
            .map(|i| {
                serde_json::json!({
                    "id": format!("{i:040}"), "message": format!("commit {i}\n\nbody text"),
                    "added": ["a.rs"], "removed": [], "modified": ["docs/readme.md", "src/lib.rs"],
                    "author": {"name": "Ada", "email": "ada@example.com"}
                })
            })
            .collect();
        serde_json::json!({
            "action": "opened", "ref": "refs/heads/main",
            "repository": {"name": "app", "full_name": "acme/app", "default_branch": "main"},
            "pull_request": {
                "number": 7, "title": "Fix the retry loop", "body": "x".repeat(20_000),
                "labels": labels, "head": {"ref": "fix", "sha": "0".repeat(40)},
            },
            "head_commit": commits[4].clone(),
            "commits": commits,
        })
        .to_string()
    }

    /// Whether `expr` is within the default limits on `body`, with the bound.
    fn within_defaults(expr: &str, body: &str) -> (bool, Cost) {
        let c = Compiled::new(expr).unwrap();
        let headers = Headers::new()
            .with("X-GitHub-Event", "pull_request")
            .with("Content-Type", "application/json");
        let view = EventView::new(&headers, body.as_bytes(), "http://el/", 128);
        let ext = serde_json::Map::new();
        let doc = view.parsed_body().unwrap();
        let cost = cost_bound(&c, Some(doc), &Sizes::new(&view, &ext));
        let limits = Limits::default();
        let ok = cost.work <= u128::from(limits.max_cel_cost)
            && cost.memory + cost.temp <= u128::from(limits.max_cel_memory_bytes);
        (ok, cost)
    }

    #[test]
    fn ordinary_filters_are_within_the_limits_and_hostile_ones_are_not() {
        let pr = pull_request();
        let l200 = format!(
            "[{}]",
            (0..200)
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(",")
        );
        let rows: Vec<(String, bool)> = vec![
            ("body.ref == 'refs/heads/main'".into(), true),
            ("header.match('X-GitHub-Event', 'pull_request') && body.action in ['opened', 'synchronize']".into(), true),
            ("body.pull_request.labels.exists(l, l.name == 'ok-to-test')".into(), true),
            ("body.pull_request.labels.map(l, l.name).join(',')".into(), true),
            ("body.commits.exists(c, c.message.contains('[skip ci]'))".into(), true),
            ("body.commits.all(c, c.modified.all(f, f.startsWith('docs/')))".into(), true),
            ("body.commits.map(c, c.modified).flatten().exists(f, f.startsWith('docs/'))".into(), true),
            ("body.commits.filter(c, c.author.name == 'bot').size() == 0".into(), true),
            ("body.commits.exists_one(c, c.id == body.head_commit.id)".into(), true),
            ("'refs/heads/' + body.repository.default_branch == body.ref".into(), true),
            ("body.ref.matches('^refs/(heads|tags)/v[0-9]+$')".into(), true),
            ("body.head_commit.message.split('\\n')[0].truncate(50)".into(), true),
            ("body.pull_request.body.contains('WIP')".into(), true),
            ("body.sortBy(k, k).size() > 0".into(), true),
            ("{'a': body.ref, 'b': [1, 2]}.marshalJSON().size() > 0".into(), true),
            (format!("{l200}.all(a, {l200}.all(b, a + b >= 0))"), true),
            // Hostile.
            (format!("{l200}.all(a, {l200}.all(b, {l200}.all(c, {l200}.all(d, true))))"), false),
            (format!("{l200}.map(x, {l200}.map(y, body.pull_request.body + body.pull_request.body))"), false),
            ("lists.range(1000000).map(i, body.pull_request.body)".into(), false),
            ("body.commits.exists(a, body.commits.exists(b, body.pull_request.body.matches(b.message)))".into(), false),
            (format!("[body.ref]{}", ".map(s, s + s)".repeat(40)), false),
        ];
        for (expr, want) in &rows {
            let (ok, cost) = within_defaults(expr, &pr);
            assert_eq!(ok, *want, "{expr}: {cost:?}");
        }
    }

    #[test]
    fn nesting_multiplies_and_literal_lists_count() {
        let work = |expr: &str| within_defaults(expr, "{}").1.work;
        let (two, four) = (
            work("[1, 2].all(x, true)"),
            work("[1, 2, 3, 4].all(x, true)"),
        );
        assert!(four > two, "{two} {four}");
        let l = format!("[{}]", vec!["1"; 100].join(","));
        let nested = work(&format!("{l}.all(a, {l}.all(b, true))"));
        assert!(nested >= 100 * 100, "{nested}");
        assert!(nested > 50 * work(&format!("{l}.all(a, true)")), "{nested}");
    }

    #[test]
    fn inputs_count_for_memory() {
        let small = within_defaults("body.ref == 'x'", r#"{"ref":"x"}"#)
            .1
            .memory;
        let big_body = format!(r#"{{"ref":"x","l":[{}]}}"#, vec!["1"; 10_000].join(","));
        // Only the fields read are converted.
        let projected = within_defaults("body.ref == 'x'", &big_body).1.memory;
        let whole = within_defaults("size(body) > 0", &big_body).1.memory;
        assert_eq!(small, projected);
        assert!(whole > 10_000 * VALUE, "{whole}");
    }
}
