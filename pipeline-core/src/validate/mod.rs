//! Pipeline validation with Tekton's rules and messages. Every problem names the pipeline,
//! the pipeline task and the field.
//!
//! ```
//! use pipeline_core::{PipelineSpec, validate::validate_pipeline};
//! let spec: PipelineSpec = serde_json::from_str(
//!     r#"{"tasks": [{"name": "deploy", "taskRef": {"name": "t"}, "runAfter": ["tests"]}]}"#,
//! ).unwrap();
//! let err = validate_pipeline("build", &spec).unwrap_err();
//! assert!(err.to_string().contains("task deploy depends on tests but tests wasn't present in Pipeline"));
//! ```

use std::collections::{BTreeMap, BTreeSet};

use crate::dag::{Dag, result_refs};
use crate::error::{Error, FieldError, FieldErrors, ObjectKind};
use crate::limits::Limits;
use crate::matrix;
use crate::model::{Param, ParamType, ParamValue, PipelineSpec, PipelineTask, TaskSpec};
use crate::substitute::{Selector, Var, has_valid_prefix, isolated, parse, references};
use crate::when::OPERATORS;

/// True when `s` is a DNS-1123 label (lowercase alphanumerics and `-`, at most 63 bytes).
pub fn is_dns1123_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b.first() != Some(&b'-')
        && b.last() != Some(&b'-')
}

mod resources;
mod task;

pub use resources::{
    ResourceProblem, resource_errors, resource_errors_with_limits, unresolved_references,
};
pub use task::{param_enum_violation, step_action_errors, task_errors, task_run_errors};

pub(crate) struct Errs<'a> {
    kind: ObjectKind,
    pipeline: &'a str,
    out: Vec<FieldError>,
}

impl<'a> Errs<'a> {
    fn new(kind: ObjectKind, name: &'a str) -> Self {
        Errs {
            kind,
            pipeline: name,
            out: Vec::new(),
        }
    }

    fn push(&mut self, task: Option<&str>, path: impl Into<String>, message: impl Into<String>) {
        self.out.push(FieldError {
            kind: self.kind,
            pipeline: self.pipeline.to_string(),
            task: task.map(str::to_string),
            path: path.into(),
            message: message.into(),
        });
    }
}

/// Declared pipeline parameters by name: type and object keys.
struct ParamIndex {
    types: BTreeMap<String, ParamType>,
    keys: BTreeMap<String, BTreeSet<String>>,
}

impl ParamIndex {
    /// Adds the run's parameters the spec does not declare, typed by their values.
    fn propagate(&mut self, run_params: &[Param]) {
        for p in run_params {
            if self.types.contains_key(&p.name) {
                continue;
            }
            self.types.insert(p.name.clone(), p.value.param_type());
            let keys = match &p.value {
                ParamValue::Object(o) => o.keys().cloned().collect(),
                _ => BTreeSet::new(),
            };
            self.keys.insert(p.name.clone(), keys);
        }
    }

    fn new(spec: &PipelineSpec) -> Self {
        let mut types = BTreeMap::new();
        let mut keys = BTreeMap::new();
        for p in &spec.params {
            types.insert(p.name.clone(), p.effective_type());
            let mut k: BTreeSet<String> = p.properties.keys().cloned().collect();
            if let Some(ParamValue::Object(o)) = &p.default {
                k.extend(o.keys().cloned());
            }
            keys.insert(p.name.clone(), k);
        }
        ParamIndex { types, keys }
    }

    /// Checks a string used where a string is expected. `whole_ok`: an isolated reference to
    /// a whole array or object is allowed (a string-typed task param may receive one).
    fn check(&self, value: &str, whole_ok: bool) -> Option<String> {
        if !value.contains("$(") {
            return None;
        }
        let iso = isolated(value).is_some();
        let mut invalid_type = false;
        for r in references(value) {
            let Var::Param { name, selector } = parse(r.expr) else {
                continue;
            };
            let Some(ty) = self.types.get(name) else {
                return Some(format!("non-existent variable in {value:?}"));
            };
            match (ty, selector) {
                (ParamType::Object, Selector::Key(k))
                    if self
                        .keys
                        .get(name)
                        .is_some_and(|ks| !ks.is_empty() && !ks.contains(k)) =>
                {
                    return Some(format!("non-existent variable in {value:?}"));
                }
                (ParamType::Array | ParamType::Object, Selector::Whole | Selector::Star)
                    if !(whole_ok && iso) =>
                {
                    invalid_type = true;
                }
                _ => {}
            }
        }
        invalid_type.then(|| format!("variable type invalid in {value:?}"))
    }
}

fn task_params_all(pt: &PipelineTask) -> impl Iterator<Item = &Param> {
    let matrix = pt.matrix.iter().flat_map(|m| {
        m.params
            .iter()
            .chain(m.include.iter().flat_map(|i| i.params.iter()))
    });
    pt.params.iter().chain(matrix)
}

fn exprs_of<'a>(strings: &[&'a str]) -> Vec<&'a str> {
    strings
        .iter()
        .filter(|s| s.contains("$("))
        .flat_map(|s| references(s))
        .map(|r| r.expr)
        .collect()
}

fn looks_like_result_ref(expr: &str) -> bool {
    let parts: Vec<&str> = expr.split('.').collect();
    parts.len() >= 4
        && matches!(parts.first(), Some(&"tasks") | Some(&"finally"))
        && parts.get(2) == Some(&"results")
}

fn is_status_ref(expr: &str) -> bool {
    expr.starts_with("tasks.") && expr.ends_with(".status")
}

fn validate_embedded(errs: &mut Errs<'_>, name: &str, path: &str, spec: &TaskSpec) {
    task::check_task_spec(errs, Some(name), &format!("{path}.taskSpec."), spec);
}

/// `section[i]`, formatted only when an error needs it.
#[derive(Clone, Copy)]
struct At<'a>(&'a str, usize);

impl std::fmt::Display for At<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}[{}]", self.0, self.1)
    }
}

fn validate_task_list<'a>(
    errs: &mut Errs<'_>,
    section: &str,
    tasks: &'a [PipelineTask],
    names: &mut BTreeSet<&'a str>,
    workspaces: Option<&BTreeSet<&str>>,
    limits: &Limits,
) {
    for (i, t) in tasks.iter().enumerate() {
        let n = Some(t.name.as_str());
        let path = At(section, i);
        if !is_dns1123_label(&t.name) {
            errs.push(
                n,
                format!("{path}.name"),
                format!(
                    "invalid value {:?} (Pipeline Task name must be a valid DNS Label; see https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#names)",
                    t.name
                ),
            );
        }
        if !names.insert(t.name.as_str()) {
            errs.push(n, format!("{path}.name"), "expected exactly one, got both");
        }
        let child: Vec<&str> = [
            ("pipelineRef", t.pipeline_ref.is_some()),
            ("pipelineSpec", t.pipeline_spec.is_some()),
        ]
        .into_iter()
        .filter_map(|(field, set)| set.then_some(field))
        .collect();
        for field in child.iter().filter(|_| !limits.enable_alpha_api) {
            errs.push(
                n,
                format!("{path}.{field}"),
                format!("{field} requires \"enable-api-fields\" feature gate to be \"alpha\" but it is \"beta\""),
            );
        }
        if limits.enable_alpha_api
            && let Some(child_spec) = &t.pipeline_spec
        {
            // The child is a Pipeline of its own (nesting is bounded by the loader's depth).
            for e in check_pipeline(&t.name, child_spec, limits).0 {
                errs.push(n, format!("{path}.pipelineSpec.{}", e.path), e.message);
            }
        }
        if !child.is_empty() {
            let mut set: Vec<String> = [
                ("taskRef", t.task_ref.is_some()),
                ("taskSpec", t.task_spec.is_some()),
            ]
            .into_iter()
            .filter(|(_, on)| *on)
            .map(|(field, _)| format!("{path}.{field}"))
            .collect();
            if !set.is_empty() {
                set.extend(child.iter().map(|f| format!("{path}.{f}")));
                errs.push(n, set.join(", "), "expected exactly one, got multiple");
            }
        }
        match (&t.task_ref, &t.task_spec) {
            // A child pipeline: reported above.
            _ if !child.is_empty() => {}
            (Some(_), Some(_)) => errs.push(
                n,
                format!("{path}.taskRef, {path}.taskSpec"),
                "expected exactly one, got both",
            ),
            (None, None) => errs.push(
                n,
                format!("{path}.taskRef, {path}.taskSpec"),
                "expected exactly one, got neither",
            ),
            (Some(r), None) => {
                if r.name.is_empty() && r.resolver.is_empty() {
                    errs.push(
                        n,
                        format!("{path}.taskRef.name"),
                        "invalid value: taskRef must specify name",
                    );
                }
            }
            (None, Some(spec)) => validate_embedded(errs, &t.name, &path.to_string(), spec),
        }
        if !t.on_error.is_empty() && !t.on_error.starts_with("$(") {
            if t.on_error != "continue" && t.on_error != "stopAndFail" {
                errs.push(
                    n,
                    format!("{path}.OnError"),
                    format!(
                        "invalid value: {} (PipelineTask OnError must be either \"continue\" or \"stopAndFail\")",
                        t.on_error
                    ),
                );
            }
            if t.on_error == "continue" && t.retries > 0 {
                errs.push(n, path.to_string(), "PipelineTask OnError cannot be set to \"continue\" when Retries is greater than 0");
            }
        }
        let mut bound = BTreeSet::new();
        for (j, w) in t.workspaces.iter().enumerate() {
            if !bound.insert(w.name.as_str()) {
                errs.push(
                    n,
                    format!("{path}.workspaces[{j}]"),
                    format!("workspace name {:?} must be unique", w.name),
                );
            }
            let target = if w.workspace.is_empty() {
                &w.name
            } else {
                &w.workspace
            };
            for m in sub_path_errors(&w.sub_path) {
                errs.push(n, format!("{path}.workspaces[{j}].subPath"), m);
            }
            if workspaces.is_some_and(|ws| !ws.contains(target.as_str())) {
                errs.push(
                    n,
                    format!("{path}.workspaces[{j}]"),
                    format!(
                        "invalid value: pipeline task {:?} expects workspace with name {:?} but none exists in pipeline spec",
                        t.name, target
                    ),
                );
            }
        }
        for (k, p) in t.params.iter().enumerate() {
            if t.params
                .get(..k)
                .is_some_and(|before| before.iter().any(|q| q.name == p.name))
            {
                errs.push(
                    n,
                    format!("{path}.params[{}].name", p.name),
                    "expected exactly one, got both",
                );
            }
        }
    }
}

fn validate_param_usage(
    errs: &mut Errs<'_>,
    section: &str,
    tasks: &[PipelineTask],
    idx: &ParamIndex,
) {
    for (i, t) in tasks.iter().enumerate() {
        let n = Some(t.name.as_str());
        for p in &t.params {
            let path = || format!("{section}[{i}].params[{}]", p.name);
            match &p.value {
                ParamValue::String(s) => {
                    if let Some(m) = idx.check(s, true) {
                        errs.push(n, path(), m);
                    }
                }
                ParamValue::Array(a) => {
                    for (j, s) in a.iter().enumerate() {
                        if let Some(m) = idx.check(s, true) {
                            errs.push(n, format!("{}.value[{j}]", path()), m);
                        }
                    }
                }
                ParamValue::Object(o) => {
                    for (k, s) in o {
                        if let Some(m) = idx.check(s, false) {
                            errs.push(n, format!("{}.properties[{k}]", path()), m);
                        }
                    }
                }
            }
        }
        if let Some(m) = &t.matrix {
            for p in &m.params {
                for (j, s) in p.value.strings().into_iter().enumerate() {
                    if let Some(msg) = idx.check(s, true) {
                        errs.push(
                            n,
                            format!("{section}[{i}].matrix.params[{}].value[{j}]", p.name),
                            msg,
                        );
                    }
                }
            }
            for (k, inc) in m.include.iter().enumerate() {
                for p in &inc.params {
                    for s in p.value.strings() {
                        if let Some(msg) = idx.check(s, false) {
                            errs.push(
                                n,
                                format!("{section}[{i}].matrix.include[{k}].params[{}]", p.name),
                                msg,
                            );
                        }
                    }
                }
            }
        }
        for (j, w) in t.when.iter().enumerate() {
            if let Some(m) = idx.check(&w.input, false) {
                errs.push(n, format!("{section}[{i}].when[{j}].input"), m);
            }
            for v in &w.values {
                if let Some(m) = idx.check(v, true) {
                    errs.push(n, format!("{section}[{i}].when[{j}].values"), m);
                }
            }
        }
    }
}

fn validate_context(errs: &mut Errs<'_>, section: &str, tasks: &[PipelineTask]) {
    for (i, t) in tasks.iter().enumerate() {
        for p in task_params_all(t) {
            for s in p.value.strings() {
                if !s.contains("$(context.") {
                    continue;
                }
                for r in references(s) {
                    let Var::Context(rest) = parse(r.expr) else {
                        continue;
                    };
                    let (scope, field) = rest.split_once('.').unwrap_or((rest, ""));
                    let ok = match scope {
                        "pipelineRun" => matches!(field, "name" | "namespace" | "uid"),
                        "pipeline" => field == "name",
                        "pipelineTask" => field == "retries",
                        _ => true,
                    };
                    if !ok {
                        errs.push(
                            Some(&t.name),
                            format!("{section}[{i}].params[{}].value", p.name),
                            format!("non-existent variable in {s:?}"),
                        );
                    }
                }
            }
        }
    }
}

fn validate_status_refs(errs: &mut Errs<'_>, spec: &PipelineSpec) {
    let dag_names: BTreeSet<&str> = spec.tasks.iter().map(|t| t.name.as_str()).collect();
    for (i, t) in spec.tasks.iter().enumerate() {
        let groups = t
            .params
            .iter()
            .map(|p| (Err(p.name.as_str()), p.value.strings()))
            .chain(t.when.iter().enumerate().map(|(j, w)| {
                let mut s = vec![w.input.as_str()];
                s.extend(w.values.iter().map(String::as_str));
                (Ok(j), s)
            }));
        for (at, strings) in groups {
            let exprs = exprs_of(&strings);
            if !exprs.iter().any(|e| looks_like_result_ref(e))
                && exprs.iter().any(|e| is_status_ref(e))
            {
                let path = match at {
                    Err(name) => format!("tasks[{i}].params[{name}].value"),
                    Ok(j) => format!("tasks[{i}].when[{j}]"),
                };
                errs.push(
                    Some(&t.name),
                    path,
                    "invalid value: pipeline tasks can not refer to execution status of any other pipeline task or aggregate status of tasks",
                );
            }
        }
    }
    for (i, t) in spec.finally.iter().enumerate() {
        let groups = t
            .params
            .iter()
            .map(|p| {
                (
                    format!("finally[{i}].params[{}].value", p.name),
                    p.value.strings(),
                )
            })
            .chain(t.when.iter().enumerate().map(|(j, w)| {
                let mut s = vec![w.input.as_str()];
                s.extend(w.values.iter().map(String::as_str));
                (format!("finally[{i}].when[{j}]"), s)
            }));
        for (path, strings) in groups {
            let exprs = exprs_of(&strings);
            if exprs.iter().any(|e| looks_like_result_ref(e)) {
                continue;
            }
            for e in &exprs {
                if *e == "tasks.status" || !is_status_ref(e) {
                    continue;
                }
                let name = e.trim_start_matches("tasks.").trim_end_matches(".status");
                if !dag_names.contains(name) {
                    errs.push(
                        Some(&t.name),
                        path.clone(),
                        format!(
                            "invalid value: pipeline task {name} is not defined in the pipeline"
                        ),
                    );
                }
            }
        }
    }
}

fn validate_results(errs: &mut Errs<'_>, spec: &PipelineSpec) {
    let dag: BTreeSet<&str> = spec.tasks.iter().map(|t| t.name.as_str()).collect();
    let fin: BTreeSet<&str> = spec.finally.iter().map(|t| t.name.as_str()).collect();
    for (i, r) in spec.results.iter().enumerate() {
        let path = format!("results[{i}].value");
        let exprs = exprs_of(&r.value.strings());
        if exprs.is_empty() {
            errs.push(None, path, "invalid value: expected pipeline results to be task result expressions but no expressions were found");
            continue;
        }
        if !exprs.iter().any(|e| looks_like_result_ref(e)) {
            errs.push(None, path.clone(), "invalid value: expected pipeline results to be task result expressions but an invalid expressions was found");
        }
        for e in exprs.iter().filter(|e| looks_like_result_ref(e)) {
            let mut parts = e.split('.');
            let (section, task) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            let known = if section == "tasks" {
                dag.contains(task)
            } else {
                fin.contains(task)
            };
            if !known {
                errs.push(
                    None,
                    path.clone(),
                    "invalid value: referencing a nonexistent task",
                );
                break;
            }
        }
    }
}

fn validate_finally(errs: &mut Errs<'_>, spec: &PipelineSpec) {
    if !spec.finally.is_empty() && spec.tasks.is_empty() {
        errs.push(
            None,
            "finally",
            format!(
                "invalid value: spec.tasks is empty but spec.finally has {} tasks",
                spec.finally.len()
            ),
        );
    }
    let dag: BTreeSet<&str> = spec.tasks.iter().map(|t| t.name.as_str()).collect();
    let fin: BTreeSet<&str> = spec.finally.iter().map(|t| t.name.as_str()).collect();
    for (i, f) in spec.finally.iter().enumerate() {
        if !f.run_after.is_empty() {
            errs.push(
                Some(&f.name),
                format!("finally[{i}]"),
                format!(
                    "invalid value: no runAfter allowed under spec.finally, final task {} has runAfter specified",
                    f.name
                ),
            );
        }
        for (task, _) in result_refs(f) {
            if fin.contains(task) {
                errs.push(
                    Some(&f.name),
                    format!("finally[{i}].params"),
                    format!("invalid value: invalid task result reference, final task has task result reference from a final task {task}"),
                );
            } else if !dag.contains(task) {
                errs.push(
                    Some(&f.name),
                    format!("finally[{i}].params"),
                    format!("invalid value: invalid task result reference, final task has task result reference from a task {task} which is not defined in the pipeline"),
                );
            }
        }
    }
}

fn validate_whens(errs: &mut Errs<'_>, section: &str, tasks: &[PipelineTask], cel: bool) {
    for (i, t) in tasks.iter().enumerate() {
        for (j, w) in t.when.iter().enumerate() {
            let path = format!("{section}[{i}].when[{j}]");
            let n = Some(t.name.as_str());
            if !w.cel.is_empty() && cel {
                if !w.input.is_empty() || !w.operator.is_empty() || !w.values.is_empty() {
                    errs.push(
                        n,
                        path,
                        "cel and input+operator+values cannot be set in one WhenExpression",
                    );
                } else if let Err(e) = crate::cel_when::check(&w.cel) {
                    errs.push(
                        n,
                        path,
                        format!("invalid cel expression: {} with err: {e}", w.cel),
                    );
                }
            } else if !w.cel.is_empty() {
                errs.push(
                    n,
                    path,
                    format!("feature flag enable-cel-in-whenexpression should be set to true to use CEL: {} in WhenExpression", w.cel),
                );
            } else if w.input.is_empty() && w.operator.is_empty() && w.values.is_empty() {
                errs.push(n, path, "missing field(s)");
            } else if !OPERATORS.contains(&w.operator.as_str()) {
                errs.push(
                    n,
                    path,
                    format!(
                        "invalid value: operator {:?} is not recognized. valid operators: {}",
                        w.operator,
                        OPERATORS.join(",")
                    ),
                );
            } else if w.values.is_empty() {
                errs.push(n, path, "invalid value: expecting non-empty values field");
            }
        }
    }
}

fn validate_matrix(errs: &mut Errs<'_>, section: &str, tasks: &[PipelineTask], max: usize) {
    for (i, t) in tasks.iter().enumerate() {
        let n = Some(t.name.as_str());
        let Some(m) = &t.matrix else { continue };
        if t.is_matrixed() {
            let count = matrix::count(m);
            if count > max {
                errs.push(
                    n,
                    format!("{section}[{i}].matrix"),
                    format!("expected 0 <= {count} <= {max}"),
                );
            }
            let mut seen = BTreeSet::new();
            for p in &m.params {
                if !seen.insert(p.name.as_str()) {
                    errs.push(
                        n,
                        format!("{section}[{i}].matrix.params[{}].name", p.name),
                        "expected exactly one, got both",
                    );
                }
                if let ParamValue::String(s) = &p.value
                    && isolated(s).is_none()
                {
                    errs.push(
                        n,
                        format!("{section}[{i}].matrix.params[{}]", p.name),
                        format!("invalid value: matrix parameters must be arrays, parameter {:?} is a string", p.name),
                    );
                }
            }
            for (k, inc) in m.include.iter().enumerate() {
                let mut seen = BTreeSet::new();
                for p in &inc.params {
                    if !seen.insert(p.name.as_str()) {
                        errs.push(
                            n,
                            format!("{section}[{i}].matrix.include[{k}].params[{}].name", p.name),
                            "expected exactly one, got both",
                        );
                    }
                }
            }
        }
        let matrix_names: BTreeSet<&str> = m
            .params
            .iter()
            .chain(m.include.iter().flat_map(|inc| inc.params.iter()))
            .map(|p| p.name.as_str())
            .collect();
        for p in &t.params {
            if matrix_names.contains(p.name.as_str()) {
                errs.push(
                    n,
                    format!(
                        "{section}[{i}].matrix[{0}], {section}[{i}].params[{0}]",
                        p.name
                    ),
                    "expected exactly one, got both",
                );
            }
        }
    }
}

fn validate_prefixes(errs: &mut Errs<'_>, section: &str, tasks: &[PipelineTask]) {
    for (i, t) in tasks.iter().enumerate() {
        let mut check = |path: &dyn Fn() -> String, s: &str| {
            if !s.contains("$(") {
                return;
            }
            for r in references(s) {
                if !has_valid_prefix(r.expr) {
                    errs.push(
                        Some(&t.name),
                        path(),
                        format!(
                            "invalid value: invalid variable reference \"$({})\", must start with a valid prefix: params, tasks, finally, context, workspaces, or results; if you meant a shell variable, use ${{VAR}} instead",
                            r.expr
                        ),
                    );
                }
            }
        };
        for p in task_params_all(t) {
            for s in p.value.strings() {
                check(&|| format!("{section}[{i}].params[{}].value", p.name), s);
            }
        }
        for (j, w) in t.when.iter().enumerate() {
            check(&|| format!("{section}[{i}].when[{j}]"), &w.input);
            for v in &w.values {
                check(&|| format!("{section}[{i}].when[{j}]"), v);
            }
        }
    }
}

fn validate_declarations(errs: &mut Errs<'_>, spec: &PipelineSpec) {
    let mut seen = BTreeSet::new();
    for p in &spec.params {
        if !seen.insert(p.name.as_str()) {
            errs.push(
                None,
                format!("params[{}].name", p.name),
                "parameter appears more than once",
            );
        }
        if let (Some(declared), Some(default)) = (p.param_type, &p.default)
            && declared != default.param_type()
        {
            errs.push(
                None,
                format!("params[{}].type, params[{}].default.type", p.name, p.name),
                format!(
                    "\"{declared}\" type does not match default value's type: \"{}\"",
                    default.param_type()
                ),
            );
        }
    }
    let mut ws = BTreeSet::new();
    for (i, w) in spec.workspaces.iter().enumerate() {
        if w.name.is_empty() {
            errs.push(
                None,
                format!("workspaces[{i}]"),
                format!("invalid value: workspace {i} has empty name"),
            );
        }
        if !ws.insert(w.name.as_str()) {
            errs.push(
                None,
                format!("workspaces[{i}]"),
                format!(
                    "invalid value: workspace with name {:?} appears more than once",
                    w.name
                ),
            );
        }
    }
}

/// Every validation problem of a Pipeline, in Tekton's order. `name` is the Pipeline's name
/// (used in messages only).
pub fn pipeline_errors(name: &str, spec: &PipelineSpec) -> Vec<FieldError> {
    check_pipeline(name, spec, &Limits::default()).0
}

/// [`pipeline_errors`] with [`Limits`] other than the defaults (a matrix is checked against
/// `limits.max_matrix_combinations`).
pub fn pipeline_errors_with_limits(
    name: &str,
    spec: &PipelineSpec,
    limits: &Limits,
) -> Vec<FieldError> {
    check_pipeline(name, spec, limits).0
}

/// Kubernetes' rule for a volume `subPath` (`validateLocalDescendingPath`): relative, and
/// no `..` component. One message per problem.
pub fn sub_path_errors(sub_path: &str) -> Vec<String> {
    let mut out = Vec::new();
    if sub_path.starts_with('/') {
        out.push(format!(
            "Invalid value: {sub_path:?}: must be a relative path"
        ));
    }
    if sub_path.split('/').any(|c| c == "..") {
        out.push(format!(
            "Invalid value: {sub_path:?}: must not contain '..'"
        ));
    }
    out
}

/// Which parameters and workspaces a Pipeline's tasks may use.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Usage<'a> {
    /// Only those the Pipeline declares (a `Pipeline` object).
    Declared,
    /// Also those of the PipelineRun whose inline `pipelineSpec` this is: Tekton propagates
    /// the run's parameters and workspaces into it.
    Propagated(&'a [Param]),
}

/// [`pipeline_errors`] for the inline `pipelineSpec` of a PipelineRun with parameters
/// `run_params`: parameters and workspaces used without being declared propagate from the
/// run, as Tekton allows for inline specs (and refuses for a `Pipeline` object).
pub fn inline_pipeline_errors(
    name: &str,
    spec: &PipelineSpec,
    run_params: &[Param],
) -> Vec<FieldError> {
    check_pipeline_with(
        name,
        spec,
        &Limits::default(),
        Usage::Propagated(run_params),
    )
    .0
}

/// Validation plus the DAG it built (when the graph is sound).
pub(crate) fn check_pipeline(
    name: &str,
    spec: &PipelineSpec,
    limits: &Limits,
) -> (Vec<FieldError>, Option<Dag>) {
    check_pipeline_with(name, spec, limits, Usage::Declared)
}

/// [`check_pipeline`] with the given [`Usage`].
pub(crate) fn check_pipeline_with(
    name: &str,
    spec: &PipelineSpec,
    limits: &Limits,
    usage: Usage<'_>,
) -> (Vec<FieldError>, Option<Dag>) {
    let mut errs = Errs::new(ObjectKind::Pipeline, name);
    if spec.tasks.is_empty()
        && spec.finally.is_empty()
        && spec.params.is_empty()
        && spec.workspaces.is_empty()
    {
        errs.push(
            None,
            "description, params, resources, tasks, workspaces",
            "expected at least one, got none",
        );
    }
    let workspaces: BTreeSet<&str> = spec.workspaces.iter().map(|w| w.name.as_str()).collect();
    let mut names = BTreeSet::new();
    let declared = match usage {
        Usage::Declared => Some(&workspaces),
        Usage::Propagated(_) => None,
    };
    validate_task_list(
        &mut errs,
        "tasks",
        &spec.tasks,
        &mut names,
        declared,
        limits,
    );
    validate_task_list(
        &mut errs,
        "finally",
        &spec.finally,
        &mut names,
        declared,
        limits,
    );
    let dag = match Dag::from_tasks(&spec.tasks) {
        Ok(d) => Some(d),
        Err(e) => {
            errs.push(None, "tasks", format!("invalid value: {e}"));
            None
        }
    };
    validate_declarations(&mut errs, spec);
    validate_context(&mut errs, "tasks", &spec.tasks);
    validate_context(&mut errs, "finally", &spec.finally);
    validate_status_refs(&mut errs, spec);
    validate_results(&mut errs, spec);
    validate_finally(&mut errs, spec);
    validate_whens(&mut errs, "tasks", &spec.tasks, limits.enable_cel_in_when);
    validate_whens(
        &mut errs,
        "finally",
        &spec.finally,
        limits.enable_cel_in_when,
    );
    validate_matrix(
        &mut errs,
        "tasks",
        &spec.tasks,
        limits.max_matrix_combinations,
    );
    validate_matrix(
        &mut errs,
        "finally",
        &spec.finally,
        limits.max_matrix_combinations,
    );
    validate_prefixes(&mut errs, "tasks", &spec.tasks);
    validate_prefixes(&mut errs, "finally", &spec.finally);
    task::check_param_specs(&mut errs, None, "", &spec.params, false);
    let mut idx = ParamIndex::new(spec);
    if let Usage::Propagated(run_params) = usage {
        idx.propagate(run_params);
    }
    validate_param_usage(&mut errs, "tasks", &spec.tasks, &idx);
    validate_param_usage(&mut errs, "finally", &spec.finally, &idx);
    (errs.out, dag)
}

/// Validates a Pipeline; `Err(Error::Invalid)` lists every problem.
pub fn validate_pipeline(name: &str, spec: &PipelineSpec) -> Result<(), Error> {
    let errs = pipeline_errors(name, spec);
    if errs.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid(FieldErrors(errs)))
    }
}

fn go_list(values: &[String]) -> String {
    format!("[{}]", values.join(" "))
}

/// Checks a pipeline task's parameters against the `enum`s of the Task it runs, as Tekton's
/// reconciler does before creating TaskRuns: a literal value must be one of the Task's
/// values, and a parameter passed as one `$(params.x)` needs a pipeline-level `enum` that is
/// a subset of the Task's.
pub fn task_enum_errors(
    pipeline: &str,
    spec: &PipelineSpec,
    pt: &PipelineTask,
    task: &TaskSpec,
) -> Vec<FieldError> {
    let mut errs = Errs::new(ObjectKind::Pipeline, pipeline);
    for p in &pt.params {
        let Some(value) = p.value.as_str() else {
            continue;
        };
        let Some(declared) = task
            .params
            .iter()
            .find(|d| d.name == p.name && !d.allowed.is_empty())
        else {
            continue;
        };
        let at = format!("params[{}]", p.name);
        let used: Vec<&str> = references(value)
            .filter_map(|r| match parse(r.expr) {
                Var::Param { name, .. } => Some(name),
                _ => None,
            })
            .collect();
        if !value.contains("$(") {
            if !value.is_empty() && !declared.allowed.iter().any(|a| a == value) {
                errs.push(
                    Some(&pt.name),
                    at,
                    format!("param `{}` value: {value} is not in the enum list", p.name),
                );
            }
            continue;
        }
        let [name] = used.as_slice() else { continue };
        let Some(pp) = spec.params.iter().find(|q| q.name == *name) else {
            continue;
        };
        if pp.effective_type() != ParamType::String {
            continue;
        }
        if pp.allowed.is_empty() {
            errs.push(
                Some(&pt.name),
                at,
                format!(
                    "pipeline param \"{}\" has no enum, but referenced in \"{}\" task has enums: {}",
                    pp.name,
                    pt.name,
                    go_list(&declared.allowed)
                ),
            );
        } else if !pp.allowed.iter().all(|v| declared.allowed.contains(v)) {
            errs.push(
                Some(&pt.name),
                at,
                format!(
                    "pipeline param \"{}\" enum: {} is not a subset of the referenced in \"{}\" task param enum: {}",
                    pp.name,
                    go_list(&pp.allowed),
                    pt.name,
                    go_list(&declared.allowed)
                ),
            );
        }
    }
    errs.out
}

/// Checks the parameters a pipeline task passes against the Task it runs: every required
/// Task parameter is given (by `params` or the matrix), and types match.
pub fn task_param_errors(pipeline: &str, pt: &PipelineTask, task: &TaskSpec) -> Vec<FieldError> {
    let mut errs = Errs::new(ObjectKind::Pipeline, pipeline);
    let mut given: BTreeMap<&str, Option<ParamType>> = pt
        .params
        .iter()
        .map(|p| (p.name.as_str(), Some(p.value.param_type())))
        .collect();
    for p in pt.matrix.iter().flat_map(|m| {
        m.params
            .iter()
            .chain(m.include.iter().flat_map(|i| i.params.iter()))
    }) {
        given.insert(p.name.as_str(), Some(ParamType::String));
    }
    let mut missing = Vec::new();
    for spec in &task.params {
        match given.get(spec.name.as_str()) {
            None if spec.default.is_none() => missing.push(spec.name.clone()),
            Some(Some(ty)) => {
                let value_is_ref = pt
                    .params
                    .iter()
                    .find(|p| p.name == spec.name)
                    .and_then(|p| p.value.as_str())
                    .is_some_and(|s| isolated(s).is_some());
                if *ty != spec.effective_type() && !value_is_ref {
                    errs.push(
                        Some(&pt.name),
                        format!("params[{}]", spec.name),
                        format!(
                            "param types don't match the user-specified type: [{}] (Task expects {}, got {})",
                            spec.name,
                            spec.effective_type(),
                            ty
                        ),
                    );
                }
            }
            _ => {}
        }
    }
    if !missing.is_empty() {
        errs.push(
            Some(&pt.name),
            "params",
            format!("missing parameters: {missing:?}"),
        );
    }
    errs.out
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

    fn errors(json: &str) -> String {
        let spec: PipelineSpec = serde_json::from_str(json).unwrap();
        FieldErrors(pipeline_errors("p", &spec)).to_string()
    }

    #[test]
    fn dns_labels() {
        for (s, ok) in [
            ("a", true),
            ("a-b1", true),
            ("Ab", false),
            ("-a", false),
            ("a-", false),
            ("", false),
        ] {
            assert_eq!(is_dns1123_label(s), ok, "{s}");
        }
    }

    #[test]
    fn table() {
        let cases = [
            (r#"{"tasks":[{"name":"a","taskRef":{"name":"t"}}]}"#, ""),
            (
                r#"{"tasks":[{"name":"a","taskRef":{"name":"t"},"runAfter":["b"]}]}"#,
                "task a depends on b but b wasn't present",
            ),
            (
                r#"{"params":[{"name":"x","type":"array","default":"s"}],"tasks":[{"name":"a","taskRef":{"name":"t"}}]}"#,
                "\"array\" type does not match default value's type: \"string\"",
            ),
            (
                r#"{"tasks":[{"name":"a","taskRef":{"name":"t"},"params":[{"name":"p","value":"$(params.o.k)"}]}],"params":[{"name":"o","type":"object","properties":{"j":{}}}]}"#,
                "non-existent variable in \"$(params.o.k)\"",
            ),
            (
                r#"{"tasks":[{"name":"a","taskRef":{"name":"t"},"workspaces":[{"name":"src"}]}]}"#,
                "expects workspace with name \"src\"",
            ),
            (
                r#"{"tasks":[{"name":"a","taskSpec":{"steps":[]}}]}"#,
                "missing field(s): tasks[0].taskSpec.steps",
            ),
        ];
        for (json, want) in cases {
            let got = errors(json);
            if want.is_empty() {
                assert_eq!(got, "", "{json}");
            } else {
                assert!(got.contains(want), "{json}\n{got}");
            }
        }
    }

    #[test]
    fn sub_paths_follow_kubernetes() {
        let rel = "must be a relative path";
        let dots = "must not contain '..'";
        let cases: &[(&str, &[&str])] = &[
            ("", &[]),
            ("src", &[]),
            ("a/b/", &[]),
            ("a..b/..c", &[]),
            ("..", &[dots]),
            ("../escape", &[dots]),
            ("a/../../b", &[dots]),
            ("/abs", &[rel]),
            ("/../x", &[rel, dots]),
        ];
        for (sub, want) in cases {
            let got = sub_path_errors(sub);
            assert_eq!(got.len(), want.len(), "{sub:?}: {got:?}");
            for (g, w) in got.iter().zip(want.iter()) {
                assert!(
                    g.contains(w) && g.contains(&format!("{sub:?}")),
                    "{sub:?}: {g}"
                );
            }
        }
        let got = errors(
            r#"{"workspaces":[{"name":"w"}],"tasks":[{"name":"a","taskRef":{"name":"t"}},{"name":"b","taskRef":{"name":"t"},"workspaces":[{"name":"src","workspace":"w","subPath":"../x"}]}]}"#,
        );
        assert_eq!(
            got,
            "pipeline \"p\": task \"b\": Invalid value: \"../x\": must not contain '..': tasks[1].workspaces[0].subPath"
        );
    }

    #[test]
    fn matrix_limit_is_configurable() {
        let spec: PipelineSpec = serde_json::from_str(
            r#"{"tasks":[{"name":"m","taskRef":{"name":"t"},"matrix":{"params":[{"name":"x","value":["1","2","3"]}]}}]}"#,
        )
        .unwrap();
        assert!(pipeline_errors("p", &spec).is_empty());
        let limits = Limits {
            max_matrix_combinations: 2,
            ..Limits::default()
        };
        let got = FieldErrors(pipeline_errors_with_limits("p", &spec, &limits)).to_string();
        assert_eq!(
            got,
            "pipeline \"p\": task \"m\": expected 0 <= 3 <= 2: tasks[0].matrix"
        );
    }

    #[test]
    fn errors_name_pipeline_task_and_field() {
        let got = errors(
            r#"{"tasks":[{"name":"deploy","taskRef":{"name":"t"},"when":[{"input":"a","operator":"is","values":["a"]}]}]}"#,
        );
        assert_eq!(
            got,
            "pipeline \"p\": task \"deploy\": invalid value: operator \"is\" is not recognized. valid operators: in,notin: tasks[0].when[0]"
        );
    }
}
