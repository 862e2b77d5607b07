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

use std::collections::BTreeMap;
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
pub trait Lookup {
    /// A parameter's value.
    fn param(&self, _name: &str) -> Option<ParamValue> {
        None
    }
    /// A task's result (for a matrixed task: the array of its instances' values).
    fn task_result(&self, _task: &str, _result: &str) -> Option<ParamValue> {
        None
    }
    /// Any other reference, by its full text (e.g. `context.pipelineRun.name`,
    /// `tasks.build.status`, `workspaces.src.path`).
    fn other(&self, _expr: &str) -> Option<String> {
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
    fn param(&self, name: &str) -> Option<ParamValue> {
        self.params.get(name).cloned()
    }
    fn task_result(&self, task: &str, result: &str) -> Option<ParamValue> {
        self.results.get(task)?.get(result).cloned()
    }
    fn other(&self, expr: &str) -> Option<String> {
        self.other.get(expr).cloned()
    }
}

/// Applies a selector to a value.
pub fn select(value: ParamValue, selector: Selector<'_>) -> Option<ParamValue> {
    match (selector, value) {
        (Selector::Whole, v) => Some(v),
        (Selector::Star, v @ (ParamValue::Array(_) | ParamValue::Object(_))) => Some(v),
        (Selector::Index(i), ParamValue::Array(a)) => a.into_iter().nth(i).map(ParamValue::String),
        (Selector::Key(k), ParamValue::Object(mut o)) => o.remove(k).map(ParamValue::String),
        _ => None,
    }
}

/// Resolves one reference to a value, or `None` when it is unknown.
pub fn resolve(expr: &str, lookup: &dyn Lookup) -> Option<ParamValue> {
    match parse(expr) {
        Var::Param { name, selector } => select(lookup.param(name)?, selector),
        Var::TaskResult {
            task,
            result,
            selector,
        } => select(lookup.task_result(task, result)?, selector),
        _ => lookup.other(expr).map(ParamValue::String),
    }
}

/// Replaces every reference in `s` that resolves to a string; others stay as written.
pub fn substitute(s: &str, lookup: &dyn Lookup) -> String {
    if !s.contains("$(") {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    for r in references(s) {
        if let Some(ParamValue::String(v)) = resolve(r.expr, lookup) {
            out.push_str(s.get(last..r.start).unwrap_or(""));
            out.push_str(&v);
            last = r.end;
        }
    }
    out.push_str(s.get(last..).unwrap_or(""));
    out
}

/// Resolves a parameter value: a string that is exactly one reference to an array or object
/// becomes that array or object; an array element that is exactly one reference to an array is
/// spliced in; every other string is [`substitute`]d.
pub fn resolve_value(value: &ParamValue, lookup: &dyn Lookup) -> ParamValue {
    match value {
        ParamValue::String(s) => {
            if let Some(r) = isolated(s)
                && let Some(v) = resolve(r.expr, lookup)
            {
                return v;
            }
            ParamValue::String(substitute(s, lookup))
        }
        ParamValue::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                if let Some(r) = isolated(item)
                    && let Some(ParamValue::Array(a)) = resolve(r.expr, lookup)
                {
                    out.extend(a);
                    continue;
                }
                out.push(substitute(item, lookup));
            }
            ParamValue::Array(out)
        }
        ParamValue::Object(map) => ParamValue::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), substitute(v, lookup)))
                .collect(),
        ),
    }
}

/// Substitutes a list of strings (step `args`/`command`), splicing isolated array references.
pub fn substitute_list(items: &[String], lookup: &dyn Lookup) -> Vec<String> {
    match resolve_value(&ParamValue::Array(items.to_vec()), lookup) {
        ParamValue::Array(a) => a,
        _ => Vec::new(),
    }
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
    fn valid_prefixes() {
        assert!(has_valid_prefix("params.a"));
        assert!(has_valid_prefix("workspaces.w.path"));
        assert!(!has_valid_prefix("env_value_set_from_yq"));
    }
}
