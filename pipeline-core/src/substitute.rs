//! Tekton variable references (`$(params.x)`, `$(tasks.t.results.r)`, `$(context.pipelineRun.name)`,
//! ...): finding them, parsing them, and replacing them. Implemented once, used by validation,
//! the DAG (result references create dependencies), the run state machine and the executors.
//!
//! ```
//! use std::collections::BTreeMap;
//! use pipeline_core::ParamValue;
//! use pipeline_core::substitute::{substitute, MapLookup};
//!
//! let mut l = MapLookup::default();
//! l.params.insert("repo".into(), ParamValue::String("app".into()));
//! l.params.insert("envs".into(), ParamValue::Array(vec!["dev".into(), "prod".into()]));
//! l.other.insert("context.pipelineRun.name".into(), "run-1".into());
//! assert_eq!(substitute("$(params.repo)@$(params.envs[1]) by $(context.pipelineRun.name)", &l), "app@prod by run-1");
//! assert_eq!(substitute("echo $(unknown.thing) $(ls -l)", &l), "echo $(unknown.thing) $(ls -l)");
//! ```

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

use crate::model::ParamValue;

/// One `$(...)` reference inside a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reference<'a> {
    /// Byte range of the whole `$(...)`.
    pub start: usize,
    /// End of the range (exclusive).
    pub end: usize,
    /// The text between `$(` and `)`.
    pub expr: &'a str,
}

impl Reference<'_> {
    /// The byte range of the whole reference.
    pub fn range(&self) -> Range<usize> {
        self.start..self.end
    }
}

fn expr_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            b'_' | b'.' | b'-' | b'[' | b']' | b'*' | b'"' | b'\'' | b'/'
        )
}

/// Every variable reference in `s`, left to right. Shell command substitutions such as
/// `$(ls -l)` are not references (they hold a space).
pub fn references(s: &str) -> References<'_> {
    References { s, pos: 0 }
}

/// Iterator over the references of a string; see [`references`].
#[derive(Debug, Clone)]
pub struct References<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Iterator for References<'a> {
    type Item = Reference<'a>;

    fn next(&mut self) -> Option<Reference<'a>> {
        let b = self.s.as_bytes();
        let mut i = self.pos;
        while i + 1 < b.len() {
            let Some(off) = b
                .get(i..)
                .and_then(|rest| rest.iter().position(|&c| c == b'$'))
            else {
                break;
            };
            let start = i + off;
            if b.get(start + 1) != Some(&b'(') {
                i = start + 1;
                continue;
            }
            let body_start = start + 2;
            let mut end = body_start;
            while let Some(&c) = b.get(end) {
                if c == b')' || !expr_byte(c) {
                    break;
                }
                end += 1;
            }
            if b.get(end) == Some(&b')') && end > body_start {
                self.pos = end + 1;
                let expr = self.s.get(body_start..end).unwrap_or("");
                return Some(Reference {
                    start,
                    end: end + 1,
                    expr,
                });
            }
            if b.get(end).is_none() && !b.get(body_start..).is_some_and(|r| r.contains(&b')')) {
                break;
            }
            i = body_start;
        }
        self.pos = b.len();
        None
    }
}

/// The single reference `s` consists of, if `s` is exactly one `$(...)`.
pub fn isolated(s: &str) -> Option<Reference<'_>> {
    if !s.starts_with("$(") || !s.ends_with(')') {
        return None;
    }
    let mut refs = references(s);
    match (refs.next(), refs.next()) {
        (Some(r), None) if r.start == 0 && r.end == s.len() => Some(r),
        _ => None,
    }
}

/// How a reference selects from a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selector<'a> {
    /// The whole value (`$(params.x)`).
    Whole,
    /// Every element (`$(params.x[*])`).
    Star,
    /// One element (`$(params.x[2])`).
    Index(usize),
    /// One key of an object (`$(params.x.key)`).
    Key(&'a str),
}

/// A parsed variable reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Var<'a> {
    /// `params.NAME`, `params["NAME"]`, with a selector.
    Param {
        /// Parameter name.
        name: &'a str,
        /// Selector.
        selector: Selector<'a>,
    },
    /// `tasks.TASK.results.RESULT` with a selector.
    TaskResult {
        /// Pipeline task.
        task: &'a str,
        /// Result name.
        result: &'a str,
        /// Selector.
        selector: Selector<'a>,
    },
    /// `finally.TASK.results.RESULT` (pipeline results only).
    FinallyResult {
        /// Finally task.
        task: &'a str,
        /// Result name.
        result: &'a str,
    },
    /// `tasks.TASK.status`.
    TaskStatus {
        /// Pipeline task.
        task: &'a str,
    },
    /// `tasks.TASK.reason`.
    TaskReason {
        /// Pipeline task.
        task: &'a str,
    },
    /// `tasks.status`: the aggregate status of the DAG tasks.
    AggregateStatus,
    /// `tasks.TASK.matrix.length`.
    MatrixLength {
        /// Pipeline task.
        task: &'a str,
    },
    /// `tasks.TASK.matrix.RESULT.length`.
    MatrixResultLength {
        /// Pipeline task.
        task: &'a str,
        /// Result name.
        result: &'a str,
    },
    /// `context.…` (the part after `context.`).
    Context(&'a str),
    /// `workspaces.NAME.FIELD` (`path`, `bound`, `claim`, `volume`).
    Workspace {
        /// Workspace name.
        name: &'a str,
        /// Field.
        field: &'a str,
    },
    /// `results.NAME.path` inside a Task.
    Result {
        /// Result name.
        name: &'a str,
        /// Field (`path`).
        field: &'a str,
    },
    /// Anything else (e.g. `steps.…`, or an invalid prefix).
    Other(&'a str),
}

/// Splits `NAME` + selector text after a prefix (`.name[*]`, `["name"].key`, ...).
fn name_and_selector(rest: &str) -> Option<(&str, Selector<'_>)> {
    let (name, tail) = if let Some(r) = rest.strip_prefix('.') {
        let end = r.find(['.', '[']).unwrap_or(r.len());
        (r.get(..end)?, r.get(end..)?)
    } else if let Some(r) = rest.strip_prefix("[\"").or_else(|| rest.strip_prefix("['")) {
        let quote = rest.as_bytes().get(1).copied()? as char;
        let end = r.find(quote)?;
        let after = r.get(end + 1..)?.strip_prefix(']')?;
        (r.get(..end)?, after)
    } else {
        return None;
    };
    if name.is_empty() {
        return None;
    }
    Some((name, selector(tail)?))
}

fn selector(tail: &str) -> Option<Selector<'_>> {
    if tail.is_empty() {
        Some(Selector::Whole)
    } else if tail == "[*]" {
        Some(Selector::Star)
    } else if let Some(inner) = tail.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        if inner.is_empty() || !inner.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        inner.parse().ok().map(Selector::Index)
    } else if let Some(key) = tail.strip_prefix('.') {
        (!key.is_empty() && !key.contains(['.', '['])).then_some(Selector::Key(key))
    } else {
        None
    }
}

/// Parses the text of a reference (between `$(` and `)`).
pub fn parse(expr: &str) -> Var<'_> {
    if let Some(rest) = expr.strip_prefix("params") {
        if let Some((name, selector)) = name_and_selector(rest) {
            return Var::Param { name, selector };
        }
        return Var::Other(expr);
    }
    if let Some(rest) = expr.strip_prefix("context.") {
        return Var::Context(rest);
    }
    let mut buf = [""; 6];
    let mut n = 0;
    let mut start = 0;
    let bytes = expr.as_bytes();
    for end in 0..=bytes.len() {
        if end == bytes.len() || bytes.get(end) == Some(&b'.') {
            match buf.get_mut(n) {
                Some(slot) => *slot = expr.get(start..end).unwrap_or(""),
                None => return Var::Other(expr),
            }
            n += 1;
            start = end + 1;
        }
    }
    match buf.get(..n).unwrap_or(&[]) {
        ["tasks", "status"] => Var::AggregateStatus,
        ["tasks", task, "status"] => Var::TaskStatus { task },
        ["tasks", task, "reason"] => Var::TaskReason { task },
        ["tasks", task, "matrix", "length"] => Var::MatrixLength { task },
        ["tasks", task, "matrix", result, "length"] => Var::MatrixResultLength { task, result },
        ["tasks", task, "results", result_sel] => {
            let end = result_sel.find('[').unwrap_or(result_sel.len());
            let (result, tail) = result_sel.split_at(end);
            match selector(tail) {
                Some(selector) if !result.is_empty() => Var::TaskResult {
                    task,
                    result,
                    selector,
                },
                _ => Var::Other(expr),
            }
        }
        ["tasks", task, "results", result, key] => Var::TaskResult {
            task,
            result,
            selector: Selector::Key(key),
        },
        ["finally", task, "results", result] => Var::FinallyResult { task, result },
        ["workspaces", name, field] => Var::Workspace { name, field },
        ["results", name, field] => Var::Result { name, field },
        _ => Var::Other(expr),
    }
}

/// True when the reference's first segment is one a Pipeline may use
/// (`params`, `tasks`, `finally`, `context`, `workspaces`, `results`).
pub fn has_valid_prefix(expr: &str) -> bool {
    let first = expr.split(['.', '[']).next().unwrap_or("");
    matches!(
        first,
        "params" | "tasks" | "finally" | "context" | "workspaces" | "results"
    )
}

/// What references resolve against. Every method defaults to "unknown".
///
/// Values are returned as [`Cow`]s so that a lookup backed by stored values lends them
/// instead of copying them for every reference.
pub trait Lookup {
    /// A parameter's value.
    fn param(&self, _name: &str) -> Option<Cow<'_, ParamValue>> {
        None
    }
    /// A task's result (for a matrixed task: the array of its instances' values).
    fn task_result(&self, _task: &str, _result: &str) -> Option<Cow<'_, ParamValue>> {
        None
    }
    /// Any other reference, by its full text (e.g. `context.pipelineRun.name`,
    /// `tasks.build.status`, `workspaces.src.path`).
    fn other(&self, _expr: &str) -> Option<Cow<'_, str>> {
        None
    }
}

/// A [`Lookup`] backed by maps.
#[derive(Debug, Clone, Default)]
pub struct MapLookup {
    /// Parameters.
    pub params: BTreeMap<String, ParamValue>,
    /// Task results: task → result → value.
    pub results: BTreeMap<String, BTreeMap<String, ParamValue>>,
    /// Other references by full text.
    pub other: BTreeMap<String, String>,
}

impl Lookup for MapLookup {
    fn param(&self, name: &str) -> Option<Cow<'_, ParamValue>> {
        self.params.get(name).map(Cow::Borrowed)
    }
    fn task_result(&self, task: &str, result: &str) -> Option<Cow<'_, ParamValue>> {
        self.results.get(task)?.get(result).map(Cow::Borrowed)
    }
    fn other(&self, expr: &str) -> Option<Cow<'_, str>> {
        self.other.get(expr).map(|s| Cow::Borrowed(s.as_str()))
    }
}

/// Applies a selector to a value.
pub fn select(value: ParamValue, selector: Selector<'_>) -> Option<ParamValue> {
    select_cow(Cow::Owned(value), selector).map(Resolved::into_value)
}

/// A resolved reference, lent by the lookup where it can be.
enum Resolved<'a> {
    /// A string (what [`substitute`] replaces).
    Str(Cow<'a, str>),
    /// An array or object.
    Composite(Cow<'a, ParamValue>),
}

impl Resolved<'_> {
    fn into_value(self) -> ParamValue {
        match self {
            Resolved::Str(s) => ParamValue::String(s.into_owned()),
            Resolved::Composite(v) => v.into_owned(),
        }
    }

    fn size(&self) -> usize {
        match self {
            Resolved::Str(s) => s.len(),
            Resolved::Composite(v) => value_size(v),
        }
    }
}

/// The bytes a value counts for in a [`Budget`]: its text, plus one per array element or
/// object entry (so that a million empty strings are not free).
pub fn value_size(v: &ParamValue) -> usize {
    match v {
        ParamValue::String(s) => s.len(),
        ParamValue::Array(a) => a
            .iter()
            .fold(0usize, |n, s| n.saturating_add(s.len()).saturating_add(1)),
        ParamValue::Object(o) => o.iter().fold(0usize, |n, (k, s)| {
            n.saturating_add(k.len())
                .saturating_add(s.len())
                .saturating_add(1)
        }),
    }
}

fn select_cow<'a>(value: Cow<'a, ParamValue>, selector: Selector<'_>) -> Option<Resolved<'a>> {
    match value {
        Cow::Borrowed(v) => match (selector, v) {
            (Selector::Whole, ParamValue::String(s)) => Some(Resolved::Str(Cow::Borrowed(s))),
            (Selector::Whole | Selector::Star, ParamValue::Array(_) | ParamValue::Object(_)) => {
                Some(Resolved::Composite(Cow::Borrowed(v)))
            }
            (Selector::Index(i), ParamValue::Array(a)) => {
                a.get(i).map(|s| Resolved::Str(Cow::Borrowed(s)))
            }
            (Selector::Key(k), ParamValue::Object(o)) => {
                o.get(k).map(|s| Resolved::Str(Cow::Borrowed(s)))
            }
            _ => None,
        },
        Cow::Owned(v) => match (selector, v) {
            (Selector::Whole, ParamValue::String(s)) => Some(Resolved::Str(Cow::Owned(s))),
            (
                Selector::Whole | Selector::Star,
                v @ (ParamValue::Array(_) | ParamValue::Object(_)),
            ) => Some(Resolved::Composite(Cow::Owned(v))),
            (Selector::Index(i), ParamValue::Array(a)) => {
                a.into_iter().nth(i).map(|s| Resolved::Str(Cow::Owned(s)))
            }
            (Selector::Key(k), ParamValue::Object(mut o)) => {
                o.remove(k).map(|s| Resolved::Str(Cow::Owned(s)))
            }
            _ => None,
        },
    }
}

fn resolve_cow<'l>(expr: &str, lookup: &'l dyn Lookup) -> Option<Resolved<'l>> {
    match parse(expr) {
        Var::Param { name, selector } => select_cow(lookup.param(name)?, selector),
        Var::TaskResult {
            task,
            result,
            selector,
        } => select_cow(lookup.task_result(task, result)?, selector),
        _ => lookup.other(expr).map(Resolved::Str),
    }
}

/// Resolves one reference to a value, or `None` when it is unknown.
pub fn resolve(expr: &str, lookup: &dyn Lookup) -> Option<ParamValue> {
    resolve_cow(expr, lookup).map(Resolved::into_value)
}

/// True when the reference resolves (without copying its value).
pub fn resolves(expr: &str, lookup: &dyn Lookup) -> bool {
    resolve_cow(expr, lookup).is_some()
}

/// A byte budget for substitution output. Every `*_within` function charges the bytes it
/// produces and refuses, before allocating anything, output that would go over.
///
/// ```
/// use pipeline_core::ParamValue;
/// use pipeline_core::substitute::{Budget, MapLookup, substitute_within};
/// let mut l = MapLookup::default();
/// l.params.insert("x".into(), ParamValue::String("0123456789".into()));
/// let mut budget = Budget::new(25);
/// assert_eq!(substitute_within("$(params.x)$(params.x)", &l, &mut budget).unwrap().len(), 20);
/// let err = substitute_within("$(params.x)", &l, &mut budget).unwrap_err();
/// assert_eq!((err.reference.as_deref(), err.needed, err.limit), (Some("params.x"), 30, 25));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    limit: usize,
    used: usize,
    largest: Option<(String, usize)>,
}

impl Budget {
    /// A budget of `limit` bytes.
    pub fn new(limit: usize) -> Self {
        Budget {
            limit,
            used: 0,
            largest: None,
        }
    }

    /// No limit (what [`substitute`] and [`resolve_value`] use).
    pub fn unlimited() -> Self {
        Budget::new(usize::MAX)
    }

    /// The limit in bytes.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Bytes charged so far.
    pub fn used(&self) -> usize {
        self.used
    }

    /// The reference with the largest value substituted so far (its text inside `$(...)`,
    /// and the value's size).
    pub fn largest(&self) -> Option<(&str, usize)> {
        self.largest.as_ref().map(|(r, n)| (r.as_str(), *n))
    }

    /// Charges `bytes` of literal output (text copied as written).
    pub fn charge(&mut self, bytes: usize) -> Result<(), Overflow> {
        self.charge_for(bytes, None)
    }

    fn charge_for(&mut self, bytes: usize, reference: Option<&str>) -> Result<(), Overflow> {
        let needed = self.used.saturating_add(bytes);
        if needed > self.limit {
            return Err(Overflow {
                reference: reference.map(str::to_string),
                needed,
                limit: self.limit,
            });
        }
        self.used = needed;
        Ok(())
    }

    fn note(&mut self, reference: &str, size: usize) {
        if self.largest.as_ref().is_none_or(|(_, n)| size > *n) {
            self.largest = Some((reference.to_string(), size));
        }
    }
}

/// Substitution would go over its [`Budget`]; nothing was allocated for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overflow {
    /// The reference (its text inside `$(...)`) with the largest value in the string being
    /// substituted; `None` when the literal text alone is over.
    pub reference: Option<String>,
    /// Bytes the budget would have reached.
    pub needed: usize,
    /// The budget's limit.
    pub limit: usize,
}

impl fmt::Display for Overflow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.reference {
            Some(r) => write!(f, "substituting $({r}) would produce")?,
            None => f.write_str("the text would take")?,
        }
        write!(
            f,
            " {} bytes, over the limit of {} bytes",
            self.needed, self.limit
        )
    }
}

impl std::error::Error for Overflow {}

/// Replaces every reference in `s` that resolves to a string; others stay as written.
///
/// The output is not bounded: for input you do not trust use [`substitute_within`].
pub fn substitute(s: &str, lookup: &dyn Lookup) -> String {
    substitute_within(s, lookup, &mut Budget::unlimited()).unwrap_or_else(|_| s.to_string())
}

/// [`substitute`] within a budget: the output's size is computed first and refused, before
/// anything is allocated, when it would take the budget over its limit.
pub fn substitute_within(
    s: &str,
    lookup: &dyn Lookup,
    budget: &mut Budget,
) -> Result<String, Overflow> {
    if !s.contains("$(") {
        budget.charge(s.len())?;
        return Ok(s.to_string());
    }
    // First pass: the size, and the reference that weighs most.
    let mut size = s.len();
    let mut largest: Option<(&str, usize)> = None;
    for r in references(s) {
        if let Some(Resolved::Str(v)) = resolve_cow(r.expr, lookup) {
            size = size.saturating_sub(r.end - r.start).saturating_add(v.len());
            if largest.is_none_or(|(_, n)| v.len() > n) {
                largest = Some((r.expr, v.len()));
            }
        }
    }
    budget.charge_for(size, largest.map(|(r, _)| r))?;
    if let Some((r, n)) = largest {
        budget.note(r, n);
    }
    let mut out = String::with_capacity(size);
    let mut last = 0;
    for r in references(s) {
        if let Some(Resolved::Str(v)) = resolve_cow(r.expr, lookup) {
            out.push_str(s.get(last..r.start).unwrap_or(""));
            out.push_str(&v);
            last = r.end;
        }
    }
    out.push_str(s.get(last..).unwrap_or(""));
    Ok(out)
}

/// Resolves a parameter value: a string that is exactly one reference to an array or object
/// becomes that array or object; an array element that is exactly one reference to an array is
/// spliced in; every other string is [`substitute`]d.
///
/// The output is not bounded: for input you do not trust use [`resolve_value_within`].
pub fn resolve_value(value: &ParamValue, lookup: &dyn Lookup) -> ParamValue {
    resolve_value_within(value, lookup, &mut Budget::unlimited()).unwrap_or_else(|_| value.clone())
}

/// [`resolve_value`] within a budget (see [`substitute_within`]).
pub fn resolve_value_within(
    value: &ParamValue,
    lookup: &dyn Lookup,
    budget: &mut Budget,
) -> Result<ParamValue, Overflow> {
    match value {
        ParamValue::String(s) => {
            if let Some(r) = isolated(s)
                && let Some(v) = resolve_cow(r.expr, lookup)
            {
                let size = v.size();
                budget.charge_for(size, Some(r.expr))?;
                budget.note(r.expr, size);
                return Ok(v.into_value());
            }
            substitute_within(s, lookup, budget).map(ParamValue::String)
        }
        ParamValue::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                if let Some(r) = isolated(item)
                    && let Some(Resolved::Composite(a)) = resolve_cow(r.expr, lookup)
                    && let ParamValue::Array(_) = a.as_ref()
                {
                    let size = value_size(&a);
                    budget.charge_for(size, Some(r.expr))?;
                    budget.note(r.expr, size);
                    match a {
                        Cow::Borrowed(ParamValue::Array(a)) => out.extend(a.iter().cloned()),
                        Cow::Owned(ParamValue::Array(a)) => out.extend(a),
                        _ => {}
                    }
                    continue;
                }
                budget.charge(1)?;
                out.push(substitute_within(item, lookup, budget)?);
            }
            Ok(ParamValue::Array(out))
        }
        ParamValue::Object(map) => {
            let mut out = BTreeMap::new();
            for (k, v) in map {
                budget.charge(k.len().saturating_add(1))?;
                out.insert(k.clone(), substitute_within(v, lookup, budget)?);
            }
            Ok(ParamValue::Object(out))
        }
    }
}

/// Substitutes a list of strings (step `args`/`command`), splicing isolated array references.
///
/// The output is not bounded: for input you do not trust use [`substitute_list_within`].
pub fn substitute_list(items: &[String], lookup: &dyn Lookup) -> Vec<String> {
    substitute_list_within(items, lookup, &mut Budget::unlimited())
        .unwrap_or_else(|_| items.to_vec())
}

/// [`substitute_list`] within a budget (see [`substitute_within`]).
pub fn substitute_list_within(
    items: &[String],
    lookup: &dyn Lookup,
    budget: &mut Budget,
) -> Result<Vec<String>, Overflow> {
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        if let Some(r) = isolated(item)
            && let Some(Resolved::Composite(a)) = resolve_cow(r.expr, lookup)
            && let ParamValue::Array(elems) = a.as_ref()
        {
            let size = value_size(&a);
            budget.charge_for(size, Some(r.expr))?;
            budget.note(r.expr, size);
            out.extend(elems.iter().cloned());
            continue;
        }
        budget.charge(1)?;
        out.push(substitute_within(item, lookup, budget)?);
    }
    Ok(out)
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

    #[test]
    fn finds_references() {
        let cases: &[(&str, &[&str])] = &[
            ("$(params.a)", &["params.a"]),
            (
                "x $(params.a) $(tasks.t.results.r[*]) y",
                &["params.a", "tasks.t.results.r[*]"],
            ),
            ("$(ls -l) $(env_x)", &["env_x"]),
            ("$(params[\"a.b\"])", &["params[\"a.b\"]"]),
            ("$(unterminated", &[]),
            ("$$(params.a)", &["params.a"]),
        ];
        for (s, want) in cases {
            let got: Vec<&str> = references(s).map(|r| r.expr).collect();
            assert_eq!(&got, want, "{s}");
        }
    }

    #[test]
    fn parses_vars() {
        use Selector::*;
        let cases = [
            (
                "params.a",
                Var::Param {
                    name: "a",
                    selector: Whole,
                },
            ),
            (
                "params.a[*]",
                Var::Param {
                    name: "a",
                    selector: Star,
                },
            ),
            (
                "params.a[3]",
                Var::Param {
                    name: "a",
                    selector: Index(3),
                },
            ),
            (
                "params.o.k",
                Var::Param {
                    name: "o",
                    selector: Key("k"),
                },
            ),
            (
                "params[\"a.b\"]",
                Var::Param {
                    name: "a.b",
                    selector: Whole,
                },
            ),
            (
                "params['a'][*]",
                Var::Param {
                    name: "a",
                    selector: Star,
                },
            ),
            (
                "tasks.t.results.r",
                Var::TaskResult {
                    task: "t",
                    result: "r",
                    selector: Whole,
                },
            ),
            (
                "tasks.t.results.r[1]",
                Var::TaskResult {
                    task: "t",
                    result: "r",
                    selector: Index(1),
                },
            ),
            (
                "tasks.t.results.r.k",
                Var::TaskResult {
                    task: "t",
                    result: "r",
                    selector: Key("k"),
                },
            ),
            (
                "tasks.t.results.status",
                Var::TaskResult {
                    task: "t",
                    result: "status",
                    selector: Whole,
                },
            ),
            ("tasks.t.status", Var::TaskStatus { task: "t" }),
            ("tasks.status", Var::AggregateStatus),
            ("context.pipelineRun.name", Var::Context("pipelineRun.name")),
            (
                "workspaces.w.path",
                Var::Workspace {
                    name: "w",
                    field: "path",
                },
            ),
            (
                "results.r.path",
                Var::Result {
                    name: "r",
                    field: "path",
                },
            ),
            ("env_x", Var::Other("env_x")),
            ("params.a.b.c", Var::Other("params.a.b.c")),
        ];
        for (s, want) in cases {
            assert_eq!(parse(s), want, "{s}");
        }
    }

    #[test]
    fn resolves_values() {
        let mut l = MapLookup::default();
        l.params.insert(
            "arr".into(),
            ParamValue::Array(vec!["a".into(), "b".into()]),
        );
        l.params.insert("s".into(), ParamValue::String("x".into()));
        l.results.insert(
            "t".into(),
            [("r".to_string(), ParamValue::String("v".into()))].into(),
        );
        let arr = ParamValue::Array(vec!["a".into(), "b".into()]);
        assert_eq!(
            resolve_value(&ParamValue::String("$(params.arr[*])".into()), &l),
            arr
        );
        assert_eq!(
            resolve_value(&ParamValue::String("$(params.arr)".into()), &l),
            arr
        );
        assert_eq!(
            resolve_value(
                &ParamValue::Array(vec!["$(params.arr[*])".into(), "$(params.s)".into()]),
                &l
            ),
            ParamValue::Array(vec!["a".into(), "b".into(), "x".into()])
        );
        assert_eq!(substitute("<$(tasks.t.results.r)>", &l), "<v>");
        assert_eq!(substitute("<$(params.arr[*])>", &l), "<$(params.arr[*])>");
    }

    #[test]
    fn budgets_are_checked_before_allocating() {
        let mut l = MapLookup::default();
        l.params
            .insert("s".into(), ParamValue::String("12345".into()));
        l.params
            .insert("big".into(), ParamValue::String("x".repeat(1000)));
        l.params.insert(
            "arr".into(),
            ParamValue::Array(vec!["ab".into(), "c".into()]),
        );
        // (input, budget, Ok(output size) or Err((reference, needed)))
        type Want = Result<usize, (Option<&'static str>, usize)>;
        let cases: &[(&str, usize, Want)] = &[
            ("plain", 5, Ok(5)),
            ("plain", 4, Err((None, 5))),
            ("<$(params.s)>", 7, Ok(7)),
            ("<$(params.s)>", 6, Err((Some("params.s"), 7))),
            (
                "$(params.s)$(params.big)$(params.s)",
                1009,
                Err((Some("params.big"), 1010)),
            ),
            // Unknown references stay as written and count as text.
            ("$(params.nope)", 14, Ok(14)),
            // Whole arrays are not replaced inside a longer string.
            ("<$(params.arr[*])>", 18, Ok(18)),
        ];
        for (input, limit, want) in cases {
            let mut b = Budget::new(*limit);
            let got = substitute_within(input, &l, &mut b)
                .map(|s| s.len())
                .map_err(|o| (o.reference, o.needed));
            let want = want.map_err(|(r, n)| (r.map(str::to_string), n));
            assert_eq!(got, want, "{input} within {limit}");
            if let Ok(n) = got {
                assert_eq!(b.used(), n);
            }
        }
        // Spliced arrays count their elements, one byte each on top of the text.
        let mut b = Budget::new(6);
        let v = resolve_value_within(&ParamValue::String("$(params.arr[*])".into()), &l, &mut b);
        assert_eq!(v, Ok(ParamValue::Array(vec!["ab".into(), "c".into()])));
        assert_eq!(b.used(), 5);
        let err = substitute_list_within(
            &["$(params.arr[*])".into(), "$(params.s)".into()],
            &l,
            &mut b,
        )
        .unwrap_err();
        assert_eq!(
            (err.reference.as_deref(), err.needed),
            (Some("params.arr[*]"), 10)
        );
        assert_eq!(b.largest(), Some(("params.arr[*]", 5)));
        // The unbounded helpers agree with the bounded ones.
        assert_eq!(
            substitute("$(params.s)-$(params.s)", &l),
            substitute_within("$(params.s)-$(params.s)", &l, &mut Budget::unlimited()).unwrap()
        );
    }

    #[test]
    fn valid_prefixes() {
        assert!(has_valid_prefix("params.a"));
        assert!(has_valid_prefix("workspaces.w.path"));
        assert!(!has_valid_prefix("env_value_set_from_yq"));
    }
}
