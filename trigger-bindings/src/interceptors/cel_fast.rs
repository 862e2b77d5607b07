//! A fast path for the common shape of CEL filters: string comparisons of body, header and
//! extension fields joined with `&&`, `||` and `!`, such as
//! `body.ref == 'refs/heads/main' && header.match('X-GitHub-Event', 'push')`.
//!
//! It reads the indexed body directly and builds no CEL values. It only ever answers when
//! the answer is certain: a missing field, a value that is not a string, or anything else
//! CEL would turn into an error or a type question makes it step aside (`None`), and the
//! full CEL evaluator decides. Its answers are therefore always the full evaluator's.

use super::EventView;
use crate::event::Headers;
use crate::json::{Doc, NodeId, RawKind};
use cel::common::ast::{Expr, IdedExpr, LiteralValue};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// A filter in the subset the fast path decides.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Fast {
    And(Box<Fast>, Box<Fast>),
    Or(Box<Fast>, Box<Fast>),
    Not(Box<Fast>),
    Bool(bool),
    /// `a == b` (`negated`: `a != b`), both strings.
    Eq {
        a: Operand,
        b: Operand,
        negated: bool,
    },
    /// `a in ['x', 'y']`.
    In {
        a: Operand,
        list: Vec<String>,
    },
    /// `a.startsWith(b)`, `a.endsWith(b)`, `a.contains(b)`.
    Str {
        op: StrOp,
        a: Operand,
        b: Operand,
    },
    /// `header.match('Name', 'value')`.
    HeaderMatch {
        name: String,
        value: String,
    },
    /// `has(body.a.b)`: the last field of the path exists in an object.
    Has {
        root: Root,
        path: Vec<String>,
    },
}

/// A string test between two operands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StrOp {
    StartsWith,
    EndsWith,
    Contains,
}

/// Where a field path starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Root {
    Body,
    Extensions,
}

/// A string-valued operand.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Operand {
    Lit(String),
    /// `body.a.b`, `extensions['a'].b`.
    Field(Root, Vec<String>),
    /// `header.canonical('Name')`.
    HeaderCanonical(String),
}

impl Fast {
    /// The fast form of `e`, when every part of it is in the subset.
    pub(crate) fn compile(e: &IdedExpr) -> Option<Fast> {
        match &e.expr {
            Expr::Literal(LiteralValue::Boolean(b)) => Some(Fast::Bool(*b.inner())),
            Expr::Select(s) if s.test => {
                let (root, mut path) = field_path(&s.operand)?;
                path.push(s.field.clone());
                Some(Fast::Has { root, path })
            }
            Expr::Call(c) => {
                let args = c.args.as_slice();
                match (c.func_name.as_str(), c.target.as_deref(), args) {
                    ("_&&_", None, [a, b]) => Some(Fast::And(
                        Box::new(Fast::compile(a)?),
                        Box::new(Fast::compile(b)?),
                    )),
                    ("_||_", None, [a, b]) => Some(Fast::Or(
                        Box::new(Fast::compile(a)?),
                        Box::new(Fast::compile(b)?),
                    )),
                    ("!_", None, [a]) => Some(Fast::Not(Box::new(Fast::compile(a)?))),
                    (op @ ("_==_" | "_!=_"), None, [a, b]) => Some(Fast::Eq {
                        a: operand(a)?,
                        b: operand(b)?,
                        negated: op == "_!=_",
                    }),
                    ("@in", None, [a, list]) => {
                        let Expr::List(l) = &list.expr else {
                            return None;
                        };
                        let list = l
                            .elements
                            .iter()
                            .map(|x| match &x.expr {
                                Expr::Literal(LiteralValue::String(s)) => {
                                    Some(s.inner().to_string())
                                }
                                _ => None,
                            })
                            .collect::<Option<Vec<_>>>()?;
                        Some(Fast::In {
                            a: operand(a)?,
                            list,
                        })
                    }
                    (name @ ("startsWith" | "endsWith" | "contains"), Some(t), [b]) => {
                        let op = match name {
                            "startsWith" => StrOp::StartsWith,
                            "endsWith" => StrOp::EndsWith,
                            _ => StrOp::Contains,
                        };
                        Some(Fast::Str {
                            op,
                            a: operand(t)?,
                            b: operand(b)?,
                        })
                    }
                    ("match", Some(t), [name, value]) if is_ident(t, "header") => {
                        Some(Fast::HeaderMatch {
                            name: string_literal(name)?,
                            value: string_literal(value)?,
                        })
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// The filter's value, when it is certain without the full evaluator.
    pub(crate) fn decide(&self, input: &Input<'_, '_>) -> Option<bool> {
        match self {
            Fast::Bool(b) => Some(*b),
            // CEL's logic is commutative: false wins an `&&` and true wins an `||` even
            // when the other side is an error.
            Fast::And(a, b) => match (a.decide(input), b.decide(input)) {
                (Some(false), _) | (_, Some(false)) => Some(false),
                (Some(true), Some(true)) => Some(true),
                _ => None,
            },
            Fast::Or(a, b) => match (a.decide(input), b.decide(input)) {
                (Some(true), _) | (_, Some(true)) => Some(true),
                (Some(false), Some(false)) => Some(false),
                _ => None,
            },
            Fast::Not(a) => a.decide(input).map(|v| !v),
            Fast::Eq { a, b, negated } => {
                let equal = input.string(a)? == input.string(b)?;
                Some(equal != *negated)
            }
            Fast::In { a, list } => {
                let a = input.string(a)?;
                Some(list.iter().any(|x| *x == a))
            }
            Fast::Str { op, a, b } => {
                let (a, b) = (input.string(a)?, input.string(b)?);
                Some(match op {
                    StrOp::StartsWith => a.starts_with(b.as_ref()),
                    StrOp::EndsWith => a.ends_with(b.as_ref()),
                    StrOp::Contains => a.contains(b.as_ref()),
                })
            }
            Fast::HeaderMatch { name, value } => {
                Some(first_header(input.headers, name) == Some(value.as_str()))
            }
            Fast::Has { root, path } => {
                let (last, parent) = path.split_last()?;
                match input.field(*root, parent)? {
                    Found::Doc(doc, id) if doc.kind(id) == RawKind::Object => {
                        Some(doc.field(id, last).is_some())
                    }
                    Found::Json(Value::Object(m)) => Some(m.contains_key(last)),
                    _ => None,
                }
            }
        }
    }
}

/// What the fast path reads: the body (parsed on first use), headers and extensions.
pub(crate) struct Input<'v, 'a> {
    pub view: &'v EventView<'a>,
    pub headers: &'a Headers,
    pub extensions: &'v Map<String, Value>,
}

enum Found<'v, 'a> {
    Doc(&'v Doc<'a>, NodeId),
    Json(&'v Value),
}

impl<'v, 'a> Input<'v, 'a> {
    fn field(&self, root: Root, path: &[String]) -> Option<Found<'v, 'a>> {
        match root {
            Root::Body => {
                if self.view.body_bytes.is_empty() {
                    return None;
                }
                let doc = self.view.parsed_body().ok()?;
                let mut id = Doc::ROOT;
                if doc.kind(id) != RawKind::Object {
                    return None;
                }
                for f in path {
                    id = doc.field(id, f)?;
                }
                Some(Found::Doc(doc, id))
            }
            Root::Extensions => {
                let (first, rest) = path.split_first()?;
                let mut v = self.extensions.get(first)?;
                for f in rest {
                    v = v.as_object()?.get(f)?;
                }
                Some(Found::Json(v))
            }
        }
    }

    fn string(&self, o: &'v Operand) -> Option<Cow<'v, str>> {
        match o {
            Operand::Lit(s) => Some(Cow::Borrowed(s)),
            Operand::Field(root, path) => match self.field(*root, path)? {
                Found::Doc(doc, id) => doc.str(id),
                Found::Json(Value::String(s)) => Some(Cow::Borrowed(s)),
                Found::Json(_) => None,
            },
            Operand::HeaderCanonical(name) => Some(Cow::Borrowed(
                first_header(self.headers, name).unwrap_or_default(),
            )),
        }
    }
}

/// The first value of header `name` as Tekton's CEL `header` map holds it: names are
/// grouped by their Go canonical form.
fn first_header<'a>(headers: &'a Headers, name: &'a str) -> Option<&'a str> {
    headers.canonical_values(name).next()
}

fn is_ident(e: &IdedExpr, name: &str) -> bool {
    matches!(&e.expr, Expr::Ident(n) if n == name)
}

fn string_literal(e: &IdedExpr) -> Option<String> {
    match &e.expr {
        Expr::Literal(LiteralValue::String(s)) => Some(s.inner().to_string()),
        _ => None,
    }
}

/// `body.a['b'].c` as a root and field names.
fn field_path(e: &IdedExpr) -> Option<(Root, Vec<String>)> {
    match &e.expr {
        Expr::Ident(n) if n == "body" => Some((Root::Body, Vec::new())),
        Expr::Ident(n) if n == "extensions" => Some((Root::Extensions, Vec::new())),
        Expr::Select(s) if !s.test => {
            let (root, mut path) = field_path(&s.operand)?;
            path.push(s.field.clone());
            Some((root, path))
        }
        Expr::Call(c) if c.func_name == "_[_]" && c.target.is_none() => match c.args.as_slice() {
            [target, key] => {
                let (root, mut path) = field_path(target)?;
                path.push(string_literal(key)?);
                Some((root, path))
            }
            _ => None,
        },
        _ => None,
    }
}

fn operand(e: &IdedExpr) -> Option<Operand> {
    if let Some(s) = string_literal(e) {
        return Some(Operand::Lit(s));
    }
    if let Expr::Call(c) = &e.expr
        && c.func_name == "canonical"
        && let (Some(t), [name]) = (c.target.as_deref(), c.args.as_slice())
        && is_ident(t, "header")
    {
        return Some(Operand::HeaderCanonical(string_literal(name)?));
    }
    let (root, path) = field_path(e)?;
    // A bare `body` or `extensions` is a map, not a string.
    if path.is_empty() {
        return None;
    }
    Some(Operand::Field(root, path))
}
