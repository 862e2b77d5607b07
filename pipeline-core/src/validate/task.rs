//! Validation of Tasks, TaskRuns and StepActions with Tekton's rules (`TaskSpec.Validate`,
//! `Step.Validate`, `TaskRunSpec.Validate`, `StepActionSpec.Validate` of
//! `pkg/apis/pipeline/v1`), and the checks they share with Pipelines: parameter
//! declarations (types, defaults, `enum`) and Go durations.

use std::collections::{BTreeMap, BTreeSet};

use super::{Errs, is_dns1123_label, sub_path_errors};
use crate::error::{FieldError, ObjectKind};
use crate::model::{Param, ParamSpec, ParamType, Step, StepActionSpec, TaskRunSpec, TaskSpec};
use crate::runner::parse_duration;
use crate::substitute::{Var, parse, references};

/// Tekton's message for a duration `time.ParseDuration` refuses, or `None` when `s` is one.
pub(crate) fn duration_error(s: &str) -> Option<String> {
    if parse_duration(s).is_ok() {
        return None;
    }
    match s.trim().strip_prefix('-') {
        Some(abs) if parse_duration(abs).is_ok() => {
            Some(format!("invalid value: {s}: must not be negative"))
        }
        _ => Some(format!("invalid value: time: invalid duration {s:?}")),
    }
}

/// Checks declared parameters: unique names, the default's type, and `enum` (string
/// parameters only, no repeated value, the default among the values).
pub(crate) fn check_param_specs(
    errs: &mut Errs<'_>,
    task: Option<&str>,
    prefix: &str,
    params: &[ParamSpec],
    check_names: bool,
) {
    let mut seen = BTreeSet::new();
    for p in params {
        let at = format!("{prefix}params[{}]", p.name);
        if check_names && !seen.insert(p.name.as_str()) {
            errs.push(task, at.clone(), "parameter appears more than once");
        }
        if check_names
            && let (Some(declared), Some(default)) = (p.param_type, &p.default)
            && declared != default.param_type()
        {
            errs.push(
                task,
                format!(
                    "{prefix}params.{0}.type, {prefix}params.{0}.default.type",
                    p.name
                ),
                format!(
                    "\"{declared}\" type does not match default value's type: \"{}\"",
                    default.param_type()
                ),
            );
        }
        if p.allowed.is_empty() {
            continue;
        }
        if p.effective_type() != ParamType::String {
            errs.push(
                task,
                at.clone(),
                "enum can only be set with string type param",
            );
        }
        let mut values = BTreeSet::new();
        let mut reported = BTreeSet::new();
        for v in &p.allowed {
            if !values.insert(v.as_str()) && reported.insert(v.as_str()) {
                errs.push(
                    task,
                    at.clone(),
                    format!("parameter enum value {v} appears more than once"),
                );
            }
        }
        if let Some(d) = p.default.as_ref().and_then(|d| d.as_str())
            && !d.is_empty()
            && !values.contains(d)
        {
            errs.push(
                task,
                at.clone(),
                format!("param default value {d} not in the enum list"),
            );
        }
    }
}

/// The first of `params` whose non-empty string value is not among the `enum` that `task`
/// declares for it, as Tekton's `ValidateEnumParam` words it (`param `env` value: qa is not
/// in the enum list`). Tekton checks this before creating each TaskRun of a PipelineRun.
pub fn param_enum_violation(params: &[Param], task: &TaskSpec) -> Option<String> {
    params.iter().find_map(|p| {
        let v = p.value.as_str().filter(|v| !v.is_empty())?;
        let declared = task
            .params
            .iter()
            .find(|d| d.name == p.name && !d.allowed.is_empty())?;
        (!declared.allowed.iter().any(|a| a == v))
            .then(|| format!("param `{}` value: {v} is not in the enum list", p.name))
    })
}

fn is_param_ref(s: &str) -> bool {
    s.starts_with("$(params.") && s.ends_with(')')
}

fn check_step(
    errs: &mut Errs<'_>,
    task: Option<&str>,
    at: &str,
    step: &Step,
    template_image: bool,
) {
    if let Some(r) = &step.step_ref {
        if r.name.is_empty() && r.resolver.is_empty() {
            errs.push(task, format!("{at}.ref.name"), "missing field(s)");
        }
        if !r.params.is_empty() && !r.name.is_empty() {
            errs.push(
                task,
                format!("{at}.ref.name, {at}.ref.params"),
                "expected exactly one, got both",
            );
        }
        let with_ref = [
            ("image", !step.image.is_empty(), "image"),
            ("command", !step.command.is_empty(), "command"),
            ("args", !step.args.is_empty(), "args"),
            ("script", !step.script.is_empty(), "script"),
            ("workingDir", !step.working_dir.is_empty(), "working dir"),
            ("env", !step.env.is_empty(), "env"),
            (
                "volumeMounts",
                !step.volume_mounts.is_empty(),
                "volumeMounts",
            ),
            ("results", !step.results.is_empty(), "results"),
        ];
        for (field, set, what) in with_ref {
            if set {
                errs.push(
                    task,
                    format!("{at}.{field}"),
                    format!("{what} cannot be used with Ref"),
                );
            }
        }
    } else {
        if !step.params.is_empty() {
            errs.push(
                task,
                format!("{at}.params"),
                "params cannot be used without Ref",
            );
        }
        if step.image.is_empty() && !template_image {
            errs.push(task, format!("{at}.Image"), "missing field(s)");
        }
        if !step.script.is_empty() && !step.command.is_empty() {
            errs.push(
                task,
                format!("{at}.script"),
                "script cannot be used with command",
            );
        }
    }
    if !step.name.is_empty() && !is_dns1123_label(&step.name) {
        errs.push(
            task,
            format!("{at}.name"),
            format!(
                "invalid value {:?} (Task step name must be a valid DNS Label)",
                step.name
            ),
        );
    }
    if !step.on_error.is_empty()
        && !is_param_ref(&step.on_error)
        && step.on_error != "continue"
        && step.on_error != "stopAndFail"
    {
        errs.push(
            task,
            format!("{at}.onError"),
            format!(
                "invalid value: {:?} (Task step onError must be either \"continue\" or \"stopAndFail\")",
                step.on_error
            ),
        );
    }
    if let Some(t) = &step.timeout
        && let Some(m) = duration_error(t)
    {
        errs.push(task, format!("{at}.timeout"), m);
    }
}

/// Checks a Task spec (of a Task, or embedded in a pipeline task or a TaskRun). `prefix` is
/// the path of the spec's fields, such as `tasks[0].taskSpec.`.
pub(crate) fn check_task_spec(
    errs: &mut Errs<'_>,
    task: Option<&str>,
    prefix: &str,
    spec: &TaskSpec,
) {
    if !spec.kind.is_empty() || !spec.api_version.is_empty() {
        // An embedded custom task: its controller validates `spec`.
        return;
    }
    if spec.steps.is_empty() {
        errs.push(task, format!("{prefix}steps"), "missing field(s)");
    }
    let template_image = spec
        .step_template
        .as_ref()
        .is_some_and(|t| !t.image.is_empty());
    let mut names = BTreeSet::new();
    for (i, step) in spec.steps.iter().enumerate() {
        let at = format!("{prefix}steps[{i}]");
        if !step.name.is_empty() && !names.insert(step.name.as_str()) {
            errs.push(task, format!("{at}.name"), "expected exactly one, got both");
        }
        check_step(errs, task, &at, step, template_image);
    }
    for (i, s) in spec.sidecars.iter().enumerate() {
        let at = format!("{prefix}sidecars[{i}]");
        if s.image.is_empty() {
            errs.push(task, format!("{at}.image"), "missing field(s)");
        }
        if !s.script.is_empty() && !s.command.is_empty() {
            errs.push(
                task,
                format!("{at}.script"),
                "script cannot be used with command",
            );
        }
    }
    let mut ws = BTreeSet::new();
    for (i, w) in spec.workspaces.iter().enumerate() {
        if !ws.insert(w.name.as_str()) {
            errs.push(
                task,
                format!("{prefix}workspaces[{i}].name"),
                format!("workspace name {:?} must be unique", w.name),
            );
        }
    }
    check_param_specs(errs, task, prefix, &spec.params, true);
    check_name_formats(errs, task, prefix, spec);
}

/// `^[_a-zA-Z][_a-zA-Z0-9.-]*$` (string and array parameters) or, without dots, object
/// parameters and their keys.
fn is_variable_name(s: &str, dots: bool) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c == '-' || c.is_ascii_alphanumeric() || (dots && c == '.'))
}

/// Tekton's `ResultNameFormat`: `^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`.
fn is_result_name(s: &str) -> bool {
    let b = s.as_bytes();
    let edge = |c: Option<&u8>| c.is_some_and(u8::is_ascii_alphanumeric);
    edge(b.first())
        && edge(b.last())
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

/// Tekton's `ValidateNameFormat` for parameters and `TaskResult.Validate` for results.
fn check_name_formats(errs: &mut Errs<'_>, task: Option<&str>, prefix: &str, spec: &TaskSpec) {
    let mut plain: Vec<&str> = Vec::new();
    let mut objects: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for p in &spec.params {
        if p.effective_type() == ParamType::Object {
            let bad_keys: Vec<&str> = p
                .properties
                .keys()
                .map(String::as_str)
                .filter(|k| !is_variable_name(k, false))
                .collect();
            if !bad_keys.is_empty() || !is_variable_name(&p.name, false) {
                objects.entry(p.name.as_str()).or_default().extend(bad_keys);
            }
        } else if !is_variable_name(&p.name, true) {
            plain.push(p.name.as_str());
        }
    }
    plain.sort_unstable();
    plain.dedup();
    if !plain.is_empty() {
        errs.push(
            task,
            format!("{prefix}params"),
            format!(
                "The format of following array and string variable names is invalid: [{}]",
                plain.join(" ")
            ),
        );
    }
    if !objects.is_empty() {
        let entries: Vec<String> = objects
            .iter()
            .map(|(name, keys)| format!("{name}:[{}]", keys.join(" ")))
            .collect();
        errs.push(
            task,
            format!("{prefix}params"),
            format!(
                "Object param name and key name format is invalid: map[{}]",
                entries.join(" ")
            ),
        );
    }
    for (i, r) in spec.results.iter().enumerate() {
        if !is_result_name(&r.name) {
            errs.push(
                task,
                format!("{prefix}results[{i}].name"),
                format!("invalid key name {:?}", r.name),
            );
        } else if r.result_type == Some(ParamType::Object) && r.properties.is_empty() {
            errs.push(
                task,
                format!("{prefix}results[{i}].{}.properties", r.name),
                "missing field(s)",
            );
        }
    }
}

/// `$(params.x)` references to parameters not in `declared`: Tekton's
/// `ValidateUsageOfDeclaredParameters`, for a Task or StepAction created on its own (an
/// inline spec may use parameters propagated from its run). One message per field.
fn check_declared_usage<'s>(
    errs: &mut Errs<'_>,
    declared: &BTreeSet<&str>,
    fields: impl IntoIterator<Item = (String, &'s str)>,
) {
    for (path, value) in fields {
        if !value.contains("$(params") {
            continue;
        }
        let unknown = references(value).any(|r| match parse(r.expr) {
            Var::Param { name, .. } => !declared.contains(name),
            _ => false,
        });
        if unknown {
            errs.push(None, path, format!("non-existent variable in {value:?}"));
        }
    }
}

/// The fields of a step Tekton checks for variables, with their paths.
fn step_fields<'s>(at: &str, step: &'s Step) -> Vec<(String, &'s str)> {
    let mut out = vec![
        (format!("{at}.name"), step.name.as_str()),
        (format!("{at}.image"), step.image.as_str()),
        (format!("{at}.workingDir"), step.working_dir.as_str()),
        (format!("{at}.script"), step.script.as_str()),
        (format!("{at}.onError"), step.on_error.as_str()),
    ];
    for (i, c) in step.command.iter().enumerate() {
        out.push((format!("{at}.command[{i}]"), c.as_str()));
    }
    for (i, a) in step.args.iter().enumerate() {
        out.push((format!("{at}.args[{i}]"), a.as_str()));
    }
    for e in &step.env {
        out.push((format!("{at}.env[{}]", e.name), e.value.as_str()));
    }
    out
}

/// Every validation problem of a Task (or ClusterTask) named `name`, including parameters
/// its steps use without declaring them.
pub fn task_errors(name: &str, spec: &TaskSpec) -> Vec<FieldError> {
    let mut errs = Errs::new(ObjectKind::Task, name);
    check_task_spec(&mut errs, None, "", spec);
    if spec.kind.is_empty() && spec.api_version.is_empty() {
        let declared: BTreeSet<&str> = spec.params.iter().map(|p| p.name.as_str()).collect();
        let fields = spec
            .steps
            .iter()
            .enumerate()
            .flat_map(|(i, s)| step_fields(&format!("steps[{i}]"), s));
        check_declared_usage(&mut errs, &declared, fields);
    }
    errs.out
}

/// Every validation problem of a TaskRun named `name`: exactly one of `taskRef` and
/// `taskSpec`, the embedded Task, parameters, workspaces and the timeout. Parameters used
/// but not declared by an embedded Task are propagated from the run, as Tekton does.
pub fn task_run_errors(name: &str, spec: &TaskRunSpec) -> Vec<FieldError> {
    let mut errs = Errs::new(ObjectKind::TaskRun, name);
    match (&spec.task_ref, &spec.task_spec) {
        (Some(_), Some(_)) => {
            errs.push(None, "taskRef, taskSpec", "expected exactly one, got both")
        }
        (None, None) => errs.push(
            None,
            "taskRef, taskSpec",
            "expected exactly one, got neither",
        ),
        (Some(r), None) => {
            if r.name.is_empty() && r.resolver.is_empty() && r.bundle.is_empty() {
                errs.push(None, "taskRef.name", "missing field(s)");
            }
        }
        (None, Some(t)) => check_task_spec(&mut errs, None, "taskSpec.", t),
    }
    let mut seen = BTreeSet::new();
    for p in &spec.params {
        if !seen.insert(p.name.as_str()) {
            errs.push(
                None,
                format!("params[{}].name", p.name),
                "expected exactly one, got both",
            );
        }
    }
    let mut ws = BTreeSet::new();
    for (i, w) in spec.workspaces.iter().enumerate() {
        if !ws.insert(w.name.as_str()) {
            errs.push(
                None,
                format!("workspaces[{i}].name"),
                "expected exactly one, got both",
            );
        }
        for m in sub_path_errors(&w.sub_path) {
            errs.push(None, format!("workspaces[{i}].subPath"), m);
        }
    }
    if let Some(t) = &spec.timeout
        && let Some(m) = duration_error(t)
    {
        errs.push(None, "timeout", m);
    }
    errs.out
}

/// Every validation problem of a StepAction named `name`: an image, not both `script` and
/// `command`, and its parameter declarations.
pub fn step_action_errors(name: &str, spec: &StepActionSpec) -> Vec<FieldError> {
    let mut errs = Errs::new(ObjectKind::StepAction, name);
    if spec.image.is_empty() {
        errs.push(None, "Image", "missing field(s)");
    }
    if !spec.script.is_empty() && !spec.command.is_empty() {
        errs.push(None, "script", "script cannot be used with command");
    }
    check_param_specs(&mut errs, None, "", &spec.params, true);
    let declared: BTreeSet<&str> = spec.params.iter().map(|p| p.name.as_str()).collect();
    let mut fields = vec![
        ("image".to_string(), spec.image.as_str()),
        ("workingDir".to_string(), spec.working_dir.as_str()),
        ("script".to_string(), spec.script.as_str()),
    ];
    for (i, c) in spec.command.iter().enumerate() {
        fields.push((format!("command[{i}]"), c.as_str()));
    }
    for (i, a) in spec.args.iter().enumerate() {
        fields.push((format!("args[{i}]"), a.as_str()));
    }
    for e in &spec.env {
        fields.push((format!("env[{}]", e.name), e.value.as_str()));
    }
    check_declared_usage(&mut errs, &declared, fields);
    errs.out
}
