//! Validation of a whole stream of documents: each Tekton object by its kind, as Tekton's
//! admission webhook would check it, and references between the objects of the stream.

use std::fmt;
use std::time::Duration;

use super::task::duration_error;
use super::{Errs, Usage, check_pipeline_with, task_enum_errors, task_param_errors};
use crate::error::{FieldError, ObjectKind};
use crate::limits::Limits;
use crate::model::{Param, TimeoutFields};
use crate::model::{PipelineRunSpec, PipelineSpec, Resources, TaskSpec};
use crate::runner::parse_duration;

/// A reference by name that the given documents do not resolve (a Task, Pipeline or
/// StepAction the cluster or a resolver would provide). Not an error: Tekton's webhook
/// accepts such objects; the run fails later if the reference stays unresolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceProblem {
    /// Kind of the referring object.
    pub kind: ObjectKind,
    /// Name of the referring object.
    pub name: String,
    /// Field path of the reference (relative to `spec`).
    pub path: String,
    /// What is referenced: `Task "git-clone"`, `Pipeline "build"`, `StepAction "x"` or
    /// `git resolver`.
    pub reference: String,
}

impl fmt::Display for ResourceProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {:?}: {} is not among the given documents, not checked: {}",
            self.kind, self.name, self.reference, self.path
        )
    }
}

fn pipeline_run_errors(name: &str, spec: &PipelineRunSpec) -> Vec<FieldError> {
    let mut errs = Errs::new(ObjectKind::PipelineRun, name);
    match (&spec.pipeline_ref, &spec.pipeline_spec) {
        (Some(_), Some(_)) => errs.push(
            None,
            "pipelineRef, pipelineSpec",
            "expected exactly one, got both",
        ),
        (None, None) => errs.push(
            None,
            "pipelineRef, pipelineSpec",
            "expected exactly one, got neither",
        ),
        (Some(r), None) => {
            if r.name.is_empty() && r.resolver.is_empty() && r.bundle.is_empty() {
                errs.push(None, "pipelineRef.name", "missing field(s)");
            }
        }
        (None, Some(_)) => {}
    }
    let timeouts = spec.timeouts.iter().flat_map(|t| {
        [
            ("timeouts.pipeline", &t.pipeline),
            ("timeouts.tasks", &t.tasks),
            ("timeouts.finally", &t.finally),
        ]
    });
    let mut bad = false;
    for (path, value) in timeouts.chain([("timeout", &spec.timeout)]) {
        if let Some(v) = value
            && let Some(m) = duration_error(v)
        {
            errs.push(None, path, m);
            bad = true;
        }
    }
    if spec.timeout.is_some() && spec.timeouts.is_some() {
        errs.push(None, "timeout, timeouts", "must not set the field(s)");
    }
    for (i, t) in spec.task_run_specs.iter().enumerate() {
        if let Some(v) = &t.timeout
            && let Some(m) = duration_error(v)
        {
            errs.push(None, format!("taskRunSpecs[{i}].timeout"), m);
        }
    }
    if !bad && let Some(t) = &spec.timeouts {
        check_timeout_sum(&mut errs, t, spec.timeout.as_deref());
    }
    errs.out
}

/// Tekton's `validatePipelineTimeout` after defaulting (`timeouts.pipeline` defaults to the
/// deprecated `timeout`, else 60 minutes): `tasks` and `finally` fit in the pipeline's
/// timeout, and so does their sum.
fn check_timeout_sum(errs: &mut Errs<'_>, t: &TimeoutFields, old_timeout: Option<&str>) {
    let parse = |v: &Option<String>| v.as_deref().and_then(|v| parse_duration(v).ok());
    let pipeline = parse(&t.pipeline)
        .or_else(|| old_timeout.and_then(|v| parse_duration(v).ok()))
        .unwrap_or(Duration::from_secs(60 * 60));
    let msg = "should be <= pipeline duration";
    let (tasks, finally) = (parse(&t.tasks), parse(&t.finally));
    for (path, d) in [("timeouts.tasks", tasks), ("timeouts.finally", finally)] {
        let Some(d) = d else { continue };
        if !pipeline.is_zero() && (d > pipeline || d.is_zero()) {
            let none = if d.is_zero() { " (no timeout)" } else { "" };
            errs.push(
                None,
                path,
                format!("invalid value: {}{none} {msg}", go_duration(d)),
            );
        }
    }
    if let (Some(a), Some(b)) = (tasks, finally)
        && a.saturating_add(b) > pipeline
    {
        for path in ["timeouts.tasks", "timeouts.finally"] {
            errs.push(
                None,
                path,
                format!(
                    "invalid value: {} + {} {msg}",
                    go_duration(a),
                    go_duration(b)
                ),
            );
        }
    }
}

/// A duration as Go's `time.Duration.String` writes it (`1h0m0s`, `1m30s`, `1.5s`, `500ms`).
pub(crate) fn go_duration(d: Duration) -> String {
    kube_object::time::go_duration(i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

fn pipeline_task_timeouts(kind: ObjectKind, name: &str, spec: &PipelineSpec) -> Vec<FieldError> {
    let mut errs = Errs::new(kind, name);
    for (section, tasks) in [("tasks", &spec.tasks), ("finally", &spec.finally)] {
        for (i, t) in tasks.iter().enumerate() {
            if let Some(v) = &t.timeout
                && let Some(m) = duration_error(v)
            {
                errs.push(Some(&t.name), format!("{section}[{i}].timeout"), m);
            }
        }
    }
    errs.out
}

/// Checks a Pipeline with the Tasks of the stream it refers to; `run_params` is `Some` for
/// the inline spec of a PipelineRun (parameters and workspaces propagate).
fn with_tasks(
    resources: &Resources,
    name: &str,
    spec: &PipelineSpec,
    run_params: Option<&[Param]>,
    limits: &Limits,
    out: &mut Vec<FieldError>,
) {
    let usage = match run_params {
        Some(params) => Usage::Propagated(params),
        None => Usage::Declared,
    };
    out.extend(check_pipeline_with(name, spec, limits, usage).0);
    out.extend(pipeline_task_timeouts(ObjectKind::Pipeline, name, spec));
    for pt in spec.tasks.iter().chain(&spec.finally) {
        let referenced = pt
            .task_ref
            .as_ref()
            .filter(|r| r.resolver.is_empty() && (r.kind.is_empty() || r.kind == "Task"))
            .and_then(|r| resources.task(&r.name))
            .map(|t| &t.spec);
        if let Some(task) = referenced.or(pt.task_spec.as_ref()) {
            out.extend(task_param_errors(name, pt, task));
            out.extend(task_enum_errors(name, spec, pt, task));
        }
    }
}

/// Every validation problem of every Tekton object of `resources`, each checked by its kind:
/// Pipelines (with the parameters each pipeline task passes to a Task of the stream),
/// Tasks, PipelineRuns (and their inline `pipelineSpec`), TaskRuns, StepActions and
/// CustomRuns.
pub fn resource_errors(resources: &Resources) -> Vec<FieldError> {
    resource_errors_with_limits(resources, &Limits::default())
}

/// [`resource_errors`] with the given [`Limits`] and feature flags (CEL `when`, alpha API
/// fields such as pipelines in pipelines).
pub fn resource_errors_with_limits(resources: &Resources, limits: &Limits) -> Vec<FieldError> {
    let mut out = Vec::new();
    for p in &resources.pipelines {
        with_tasks(resources, &p.metadata.name, &p.spec, None, limits, &mut out);
    }
    for t in &resources.tasks {
        out.extend(super::task_errors(&t.metadata.name, &t.spec));
    }
    for pr in &resources.pipeline_runs {
        out.extend(pipeline_run_errors(&pr.metadata.name, &pr.spec));
        if let Some(spec) = &pr.spec.pipeline_spec {
            with_tasks(
                resources,
                &pr.metadata.name,
                spec,
                Some(&pr.spec.params),
                limits,
                &mut out,
            );
        }
    }
    for tr in &resources.task_runs {
        out.extend(super::task_run_errors(&tr.metadata.name, &tr.spec));
    }
    for sa in &resources.step_actions {
        out.extend(super::step_action_errors(&sa.metadata.name, &sa.spec));
    }
    for cr in &resources.custom_runs {
        let mut errs = Errs::new(ObjectKind::CustomRun, &cr.metadata.name);
        match (&cr.spec.custom_ref, &cr.spec.custom_spec) {
            (Some(_), Some(_)) => errs.push(
                None,
                "customRef, customSpec",
                "expected exactly one, got both",
            ),
            (None, None) => errs.push(
                None,
                "customRef, customSpec",
                "expected exactly one, got neither",
            ),
            (Some(r), None) => {
                if r.api_version.is_empty() {
                    errs.push(None, "customRef.apiVersion", "missing field(s)");
                }
                if r.kind.is_empty() {
                    errs.push(None, "customRef.kind", "missing field(s)");
                }
            }
            (None, Some(_)) => {}
        }
        if let Some(t) = &cr.spec.timeout
            && let Some(m) = duration_error(t)
        {
            errs.push(None, "timeout", m);
        }
        out.extend(errs.out);
    }
    out
}

fn step_refs(
    resources: &Resources,
    kind: ObjectKind,
    name: &str,
    prefix: &str,
    spec: &TaskSpec,
    out: &mut Vec<ResourceProblem>,
) {
    for (i, s) in spec.steps.iter().enumerate() {
        let Some(r) = &s.step_ref else { continue };
        let reference = if !r.resolver.is_empty() {
            format!("{} resolver", r.resolver)
        } else if resources.step_action(&r.name).is_none() {
            format!("StepAction {:?}", r.name)
        } else {
            continue;
        };
        out.push(ResourceProblem {
            kind,
            name: name.to_string(),
            path: format!("{prefix}steps[{i}].ref"),
            reference,
        });
    }
}

/// The references of `resources` that its own documents do not resolve: `taskRef`s,
/// `pipelineRef`s and step `ref`s by name to objects not in the stream, and every resolver
/// reference (nothing is fetched here).
pub fn unresolved_references(resources: &Resources) -> Vec<ResourceProblem> {
    let mut out = Vec::new();
    let pipeline = |kind: ObjectKind, name: &str, spec: &PipelineSpec, out: &mut Vec<_>| {
        for (section, tasks) in [("tasks", &spec.tasks), ("finally", &spec.finally)] {
            for (i, t) in tasks.iter().enumerate() {
                if let Some(r) = &t.task_ref {
                    let reference = if !r.resolver.is_empty() {
                        format!("{} resolver", r.resolver)
                    } else if !r.bundle.is_empty() {
                        format!("bundle {:?}", r.bundle)
                    } else if (r.kind.is_empty() || r.kind == "Task" || r.kind == "ClusterTask")
                        && resources.task(&r.name).is_none()
                    {
                        format!("Task {:?}", r.name)
                    } else {
                        continue;
                    };
                    out.push(ResourceProblem {
                        kind,
                        name: name.to_string(),
                        path: format!("{section}[{i}].taskRef"),
                        reference,
                    });
                }
                if let Some(ts) = &t.task_spec {
                    step_refs(
                        resources,
                        kind,
                        name,
                        &format!("{section}[{i}].taskSpec."),
                        ts,
                        out,
                    );
                }
            }
        }
    };
    for p in &resources.pipelines {
        pipeline(ObjectKind::Pipeline, &p.metadata.name, &p.spec, &mut out);
    }
    for pr in &resources.pipeline_runs {
        let name = &pr.metadata.name;
        if let Some(spec) = &pr.spec.pipeline_spec {
            pipeline(ObjectKind::PipelineRun, name, spec, &mut out);
        }
        if let Some(r) = &pr.spec.pipeline_ref {
            let reference = if !r.resolver.is_empty() {
                format!("{} resolver", r.resolver)
            } else if !r.bundle.is_empty() {
                format!("bundle {:?}", r.bundle)
            } else if resources.pipeline(&r.name).is_none() {
                format!("Pipeline {:?}", r.name)
            } else {
                continue;
            };
            out.push(ResourceProblem {
                kind: ObjectKind::PipelineRun,
                name: name.clone(),
                path: "pipelineRef".into(),
                reference,
            });
        }
    }
    for t in &resources.tasks {
        step_refs(
            resources,
            ObjectKind::Task,
            &t.metadata.name,
            "",
            &t.spec,
            &mut out,
        );
    }
    for tr in &resources.task_runs {
        let name = &tr.metadata.name;
        if let Some(ts) = &tr.spec.task_spec {
            step_refs(
                resources,
                ObjectKind::TaskRun,
                name,
                "taskSpec.",
                ts,
                &mut out,
            );
        }
        if let Some(r) = &tr.spec.task_ref {
            let reference = if !r.resolver.is_empty() {
                format!("{} resolver", r.resolver)
            } else if !r.bundle.is_empty() {
                format!("bundle {:?}", r.bundle)
            } else if resources.task(&r.name).is_none() {
                format!("Task {:?}", r.name)
            } else {
                continue;
            };
            out.push(ResourceProblem {
                kind: ObjectKind::TaskRun,
                name: name.clone(),
                path: "taskRef".into(),
                reference,
            });
        }
    }
    out
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
    fn durations_print_as_go_does() {
        let cases = [
            (0, "0s"),
            (1, "1ns"),
            (1_500, "1.5\u{b5}s"),
            (500_000_000, "500ms"),
            (1_500_000_000, "1.5s"),
            (90_000_000_000, "1m30s"),
            (3_600_000_000_000, "1h0m0s"),
            (5_400_500_000_000, "1h30m0.5s"),
        ];
        for (ns, want) in cases {
            assert_eq!(go_duration(Duration::from_nanos(ns)), want, "{ns}");
        }
    }
}
