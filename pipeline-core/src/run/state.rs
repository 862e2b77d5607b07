//! The state machine's transitions: building the run from a Pipeline (validation, result
//! references, limits), what is ready next, and the events a host reports (started,
//! succeeded, failed, cancelled).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use crate::dag::{Dag, result_refs};
use crate::error::{Error, FieldErrors};
use crate::limits::Limits;
use crate::matrix;
use crate::model::{Matrix, Param, ParamValue, PipelineSpec, PipelineTask, TaskSpec};
use crate::substitute::{
    Budget, Lookup, Overflow, Var, parse, references, resolve_value_within, substitute_list_within,
    substitute_within, value_size,
};
use crate::validate::{Usage, check_pipeline_with};

use super::{
    Inst, InstPhase, InstanceId, Phase, PipelineRunState, RunContext, RunTimeouts, SkipReason,
    SpecStatus, TaskInstance, TaskRt,
};

/// Resolves references for one pipeline task against the run.
pub(super) struct RunLookup<'a> {
    run: &'a PipelineRunState,
    task: Option<&'a PipelineTask>,
    statuses: bool,
}

impl Lookup for RunLookup<'_> {
    fn param(&self, name: &str) -> Option<Cow<'_, ParamValue>> {
        self.run.params.get(name).map(Cow::Borrowed)
    }

    fn task_result(&self, task: &str, result: &str) -> Option<Cow<'_, ParamValue>> {
        let i = self.run.index_of(task)?;
        let t = self.run.tasks.get(i)?;
        if !(t.successful() || t.failure()) {
            return None;
        }
        t.results.get(result).map(Cow::Borrowed)
    }

    fn other(&self, expr: &str) -> Option<Cow<'_, str>> {
        self.other_owned(expr).map(Cow::Owned)
    }
}

/// `params` with the run's parameters and context substituted (what a resolver reference
/// can know before any task ran); references to task results stay as written.
pub(crate) fn substitute_params(state: &PipelineRunState, params: &[Param]) -> Vec<Param> {
    let lookup = RunLookup {
        run: state,
        task: None,
        statuses: false,
    };
    params
        .iter()
        .map(|p| Param {
            name: p.name.clone(),
            value: crate::substitute::resolve_value(&p.value, &lookup),
        })
        .collect()
}

/// Parameters only (for resolving the run's parameter defaults).
pub(super) struct ParamsLookup<'a>(&'a BTreeMap<String, ParamValue>);

impl Lookup for ParamsLookup<'_> {
    fn param(&self, name: &str) -> Option<Cow<'_, ParamValue>> {
        self.0.get(name).map(Cow::Borrowed)
    }
}

impl RunLookup<'_> {
    fn other_owned(&self, expr: &str) -> Option<String> {
        let ctx = &self.run.ctx;
        match expr {
            "context.pipelineRun.name" => return Some(ctx.name.clone()),
            "context.pipelineRun.namespace" => return Some(ctx.namespace.clone()),
            "context.pipelineRun.uid" => return Some(ctx.uid.clone()),
            "context.pipeline.name" => return Some(ctx.pipeline_name.clone()),
            "context.pipelineTask.retries" => return self.task.map(|t| t.retries.to_string()),
            "tasks.status" if self.statuses => {
                return Some(self.run.aggregate_status().to_string());
            }
            _ => {}
        }
        let parts: Vec<&str> = expr.split('.').collect();
        match parts.as_slice() {
            ["workspaces", w, "bound"] => {
                let declared = self.run.spec.workspaces.iter().any(|d| d.name == *w);
                let bound = ctx.workspaces.iter().any(|b| b == w);
                (declared || bound).then(|| bound.to_string())
            }
            ["tasks", t, "status"] if self.statuses => {
                let i = self.run.index_of(t).filter(|&i| i < self.run.n_dag)?;
                Some(self.run.execution_status(i).to_string())
            }
            ["tasks", t, "reason"] if self.statuses => {
                let i = self.run.index_of(t).filter(|&i| i < self.run.n_dag)?;
                self.run.tasks.get(i).map(TaskRt::reason)
            }
            ["tasks", t, "matrix", "length"] => {
                let pt = self.run.pipeline_task(self.run.index_of(t)?)?;
                pt.matrix.as_ref().map(|m| matrix::count(m).to_string())
            }
            ["tasks", t, "matrix", r, "length"] => {
                let i = self.run.index_of(t)?;
                match self.run.tasks.get(i)?.results.get(*r)? {
                    ParamValue::Array(a) => Some(a.len().to_string()),
                    _ => Some("1".to_string()),
                }
            }
            _ => None,
        }
    }
}

/// Bytes of the parts of an embedded task spec that are copied as written.
pub(super) fn literal_spec_size(spec: &TaskSpec) -> usize {
    let params = spec.params.iter().fold(0usize, |n, p| {
        n.saturating_add(p.name.len())
            .saturating_add(p.description.len())
            .saturating_add(p.default.as_ref().map_or(0, value_size))
            .saturating_add(p.allowed.iter().map(String::len).sum())
    });
    let results = spec.results.iter().fold(0usize, |n, r| {
        n.saturating_add(r.name.len())
            .saturating_add(r.description.len())
    });
    let workspaces = spec.workspaces.iter().fold(0usize, |n, w| {
        n.saturating_add(w.name.len())
            .saturating_add(w.mount_path.len())
    });
    let steps = spec.steps.iter().fold(0usize, |n, s| {
        n.saturating_add(s.name.len())
            .saturating_add(s.on_error.len())
            .saturating_add(s.env.iter().map(|e| e.name.len()).sum())
    });
    [
        spec.api_version.len(),
        spec.kind.len(),
        spec.description.len(),
        params,
        results,
        workspaces,
        steps,
    ]
    .into_iter()
    .fold(0, usize::saturating_add)
}

/// The embedded task spec with pipeline-level references substituted; on overflow, the
/// field that went over (`taskSpec.steps[0].script`, ...).
pub(super) fn task_spec_substituted(
    spec: &TaskSpec,
    lookup: &dyn Lookup,
    budget: &mut Budget,
) -> Result<TaskSpec, (String, Overflow)> {
    budget
        .charge(literal_spec_size(spec))
        .map_err(|o| ("taskSpec".to_string(), o))?;
    let mut steps = Vec::with_capacity(spec.steps.len());
    for (k, s) in spec.steps.iter().enumerate() {
        let at = |field: &str| format!("taskSpec.steps[{k}].{field}");
        let mut env = Vec::with_capacity(s.env.len());
        for e in &s.env {
            env.push(crate::model::EnvVar {
                name: e.name.clone(),
                value: substitute_within(&e.value, lookup, budget)
                    .map_err(|o| (at(&format!("env[{}]", e.name)), o))?,
            });
        }
        steps.push(crate::model::Step {
            name: s.name.clone(),
            on_error: s.on_error.clone(),
            script: substitute_within(&s.script, lookup, budget).map_err(|o| (at("script"), o))?,
            image: substitute_within(&s.image, lookup, budget).map_err(|o| (at("image"), o))?,
            working_dir: substitute_within(&s.working_dir, lookup, budget)
                .map_err(|o| (at("workingDir"), o))?,
            command: substitute_list_within(&s.command, lookup, budget)
                .map_err(|o| (at("command"), o))?,
            args: substitute_list_within(&s.args, lookup, budget).map_err(|o| (at("args"), o))?,
            env,
            ..s.clone()
        });
    }
    Ok(TaskSpec {
        steps,
        ..spec.clone()
    })
}

/// Bytes of a pipeline task's fields an instance carries as written.
pub(super) fn literal_task_size(pt: &PipelineTask) -> usize {
    let workspaces = pt.workspaces.iter().fold(0usize, |n, w| {
        n.saturating_add(w.name.len())
            .saturating_add(w.workspace.len())
            .saturating_add(w.sub_path.len())
    });
    let task_ref = pt.task_ref.as_ref().map_or(0, |r| {
        r.kind
            .len()
            .saturating_add(r.api_version.len())
            .saturating_add(r.resolver.len())
            .saturating_add(r.params.iter().fold(0usize, |n, p| {
                n.saturating_add(p.name.len())
                    .saturating_add(value_size(&p.value))
            }))
    });
    pt.name
        .len()
        .saturating_add(pt.timeout.as_ref().map_or(0, String::len))
        .saturating_add(workspaces)
        .saturating_add(task_ref)
}

/// True when a matrix refers to task results (its size is known only once they are).
pub(super) fn matrix_uses_results(m: &Matrix) -> bool {
    m.params
        .iter()
        .chain(m.include.iter().flat_map(|inc| inc.params.iter()))
        .flat_map(|p| p.value.strings())
        .filter(|s| s.contains("$("))
        .flat_map(references)
        .any(|r| matches!(parse(r.expr), Var::TaskResult { .. }))
}

impl PipelineRunState {
    /// Validates the Pipeline, checks the run's parameters against it, and builds the DAG.
    ///
    /// Errors: [`Error::Invalid`] (validation), [`Error::RunRejected`] with reason
    /// `ParameterMissing` or `ParameterTypeMismatch`, or `PipelineValidationFailed` when the
    /// run's parameters take a matrix or the parameter defaults past the default [`Limits`]
    /// (see [`with_limits`](Self::with_limits)).
    pub fn new(spec: &PipelineSpec, ctx: RunContext) -> Result<Self, Error> {
        Self::from_spec(spec.clone(), ctx)
    }

    /// Like [`new`](Self::new), taking the spec by value (no copy).
    pub fn from_spec(spec: PipelineSpec, ctx: RunContext) -> Result<Self, Error> {
        Self::with_limits(spec, ctx, Limits::default())
    }

    /// Like [`from_spec`](Self::from_spec), with [`Limits`] other than the defaults.
    ///
    /// Besides the errors of [`new`](Self::new): [`Error::RunRejected`] with reason
    /// `PipelineValidationFailed` when the run's parameters make a matrix exceed
    /// `limits.max_matrix_combinations` (Tekton's message, `expected 0 <= N <= MAX`), or make
    /// the parameter defaults' references expand past `limits.max_run_bytes`.
    pub fn with_limits(spec: PipelineSpec, ctx: RunContext, limits: Limits) -> Result<Self, Error> {
        let usage = if ctx.inline_spec {
            Usage::Propagated(&ctx.params)
        } else {
            Usage::Declared
        };
        let (errs, dag) = check_pipeline_with(&ctx.pipeline_name, &spec, &limits, usage);
        if !errs.is_empty() {
            return Err(Error::Invalid(FieldErrors(errs)));
        }
        let dag = dag.ok_or_else(|| Error::RunRejected {
            run: ctx.name.clone(),
            reason: "PipelineInvalidGraph".into(),
            message: "invalid graph".into(),
        })?;
        let mut params: BTreeMap<String, ParamValue> = BTreeMap::new();
        let mut missing = Vec::new();
        for p in &spec.params {
            match ctx.params.iter().find(|rp| rp.name == p.name) {
                Some(given) => {
                    let declared = p.effective_type();
                    if given.value.param_type() != declared {
                        return Err(Error::RunRejected {
                            run: ctx.name.clone(),
                            reason: "ParameterTypeMismatch".into(),
                            message: format!(
                                "PipelineRun {}/{} parameters have mismatching types with Pipeline {}/{}'s parameters: parameters have inconsistent types : [{}]",
                                ctx.namespace, ctx.name, ctx.namespace, ctx.pipeline_name, p.name
                            ),
                        });
                    }
                    let value = match (&given.value, &p.default) {
                        (ParamValue::Object(g), Some(ParamValue::Object(d))) => {
                            let mut merged = d.clone();
                            merged.extend(g.clone());
                            ParamValue::Object(merged)
                        }
                        (v, _) => v.clone(),
                    };
                    params.insert(p.name.clone(), value);
                }
                None => match &p.default {
                    Some(d) => {
                        params.insert(p.name.clone(), d.clone());
                    }
                    None => missing.push(p.name.clone()),
                },
            }
        }
        if !missing.is_empty() {
            return Err(Error::RunRejected {
                run: ctx.name.clone(),
                reason: "ParameterMissing".into(),
                message: format!(
                    "PipelineRun {}/{} is missing some parameters required by Pipeline {}/{}: pipelineRun missing parameters: {:?}",
                    ctx.namespace, ctx.name, ctx.namespace, ctx.pipeline_name, missing
                ),
            });
        }
        // Tekton's param enum (`enable-param-enum`): each string value the run gives must be
        // one of the declared values.
        for given in &ctx.params {
            let Some(v) = given.value.as_str().filter(|v| !v.is_empty()) else {
                continue;
            };
            let declared = spec
                .params
                .iter()
                .find(|p| p.name == given.name && !p.allowed.is_empty());
            if let Some(p) = declared
                && !p.allowed.iter().any(|a| a == v)
            {
                return Err(Error::RunRejected {
                    run: ctx.name.clone(),
                    reason: "InvalidParamValue".into(),
                    message: format!(
                        "PipelineRun {}/{} parameters have invalid value: param `{}` value: {v} is not in the enum list",
                        ctx.namespace, ctx.name, p.name
                    ),
                });
            }
        }
        // Propagated parameters: run params the Pipeline does not declare stay visible.
        for p in &ctx.params {
            params
                .entry(p.name.clone())
                .or_insert_with(|| p.value.clone());
        }
        // Defaults may reference other params (e.g. `$(params.a)`); resolve them once, against
        // the values as written, within the run's budget.
        let mut budget = Budget::new(limits.max_run_bytes);
        let mut resolved = Vec::new();
        for (name, v) in &params {
            if v.strings().iter().any(|s| s.contains("$(")) {
                let r = resolve_value_within(v, &ParamsLookup(&params), &mut budget).map_err(
                    |o| Error::RunRejected {
                        run: ctx.name.clone(),
                        reason: "PipelineValidationFailed".into(),
                        message: format!(
                            "Failed to apply parameters to Pipeline {}/{}: param {name:?}: {o} per run",
                            ctx.namespace, ctx.pipeline_name
                        ),
                    },
                )?;
                resolved.push((name.clone(), r));
            }
        }
        params.extend(resolved);
        let total = spec.tasks.len() + spec.finally.len();
        let undone_parents: Vec<usize> = (0..spec.tasks.len()).map(|i| dag.prev(i).len()).collect();
        let frontier: Vec<usize> = (0..spec.tasks.len())
            .filter(|&i| dag.prev(i).is_empty())
            .collect();
        let tasks = vec![
            TaskRt {
                phase: Phase::Pending,
                insts: Vec::new(),
                results: BTreeMap::new()
            };
            total
        ];
        if let Some(bad) = ctx.task_run_specs.iter().find(|t| {
            !spec
                .tasks
                .iter()
                .chain(&spec.finally)
                .any(|pt| pt.name == t.pipeline_task_name)
        }) {
            return Err(Error::RunRejected {
                run: ctx.name.clone(),
                reason: "InvalidTaskRunSpec".into(),
                message: format!(
                    "PipelineRun {}/{} doesn't define taskRunSpecs correctly: pipelineRun's taskrunSpecs defined wrong taskName: {:?}, does not exist in Pipeline",
                    ctx.namespace, ctx.name, bad.pipeline_task_name
                ),
            });
        }
        // Bad durations are validation errors of the PipelineRun; here they set nothing.
        let timeouts = RunTimeouts::from_fields(&ctx.timeouts).unwrap_or_default();
        PipelineRunState {
            n_dag: spec.tasks.len(),
            dag_undone: spec.tasks.len(),
            spec,
            spec_status: ctx.spec_status,
            ctx,
            params,
            dag,
            tasks,
            pipeline_timed_out: false,
            tasks_timed_out: false,
            finally_timed_out: false,
            now: Duration::ZERO,
            timeouts,
            fired: Vec::new(),
            finally_started: None,
            inst_deadlines: BTreeMap::new(),
            timing_out: Default::default(),
            cel_failed: std::sync::OnceLock::new(),
            limits,
            run_bytes: 0,
            undone_parents,
            frontier,
            marked: vec![false; total],
            stopping: false,
            swept: false,
            retry_ready: Vec::new(),
            refs: Vec::new(),
            failed_run: None,
        }
        .with_refs()
        .with_matrices_checked()
    }

    /// Tekton's check of matrix sizes, once the run's parameters are known: a matrix that
    /// refers to no task results has its size now.
    pub(super) fn with_matrices_checked(self) -> Result<Self, Error> {
        for i in 0..self.tasks.len() {
            let Some(pt) = self.pipeline_task(i) else {
                continue;
            };
            if !pt.is_matrixed() || pt.matrix.as_ref().is_some_and(matrix_uses_results) {
                continue;
            }
            let lookup = self.lookup(Some(pt), false);
            if let Err(message) = self.resolved_matrix(i, pt, &lookup).and_then(|m| match m {
                Some(m) => self.check_matrix_count(i, &m),
                None => Ok(()),
            }) {
                return Err(Error::RunRejected {
                    run: self.ctx.name.clone(),
                    reason: "PipelineValidationFailed".into(),
                    message,
                });
            }
        }
        Ok(self)
    }

    /// `tasks[i]` or `finally[i]`: where pipeline task `i` is in the spec.
    pub(super) fn at(&self, i: usize) -> String {
        if i < self.n_dag {
            format!("tasks[{i}]")
        } else {
            format!("finally[{}]", i - self.n_dag)
        }
    }

    /// Tekton's failure for a matrix over the limit
    /// (`validateCombinationsCount`, reported as `PipelineValidationFailed`).
    pub(super) fn check_matrix_count(&self, i: usize, m: &Matrix) -> Result<(), String> {
        let n = matrix::count(m);
        let max = self.limits.max_matrix_combinations;
        if n <= max {
            return Ok(());
        }
        Err(format!(
            "Pipeline {}/{} can't be Run; it has an invalid spec: expected 0 <= {n} <= {max}: {}.matrix",
            self.ctx.namespace,
            self.ctx.pipeline_name,
            self.at(i)
        ))
    }

    /// The message for a task whose substitution went over `limits.max_task_bytes`.
    pub(super) fn over_task_budget(&self, pt: &PipelineTask, field: &str, o: &Overflow) -> String {
        let what = match &o.reference {
            Some(r) => format!("substituting $({r}) would produce {} bytes", o.needed),
            None => format!("the resolved task would take {} bytes", o.needed),
        };
        format!(
            "pipeline {:?}: task {:?}: {field}: {what} for this task, over the limit of {} bytes per task",
            self.ctx.pipeline_name, pt.name, o.limit
        )
    }

    pub(super) fn with_refs(mut self) -> Self {
        let mut refs = Vec::with_capacity(self.spec.finally.len());
        for pt in &self.spec.finally {
            refs.push(
                result_refs(pt)
                    .into_iter()
                    .filter_map(|(task, result)| {
                        self.index_of(task).map(|i| (i, result.to_string()))
                    })
                    .collect(),
            );
        }
        self.refs = refs;
        self
    }

    pub(super) fn refs_of(&self, i: usize) -> &[(usize, String)] {
        if i < self.n_dag {
            self.dag.result_refs(i)
        } else {
            self.refs
                .get(i - self.n_dag)
                .map(Vec::as_slice)
                .unwrap_or(&[])
        }
    }

    /// Records that task `i` may have become done: counts it once, wakes its dependents.
    pub(super) fn note(&mut self, i: usize) {
        let Some(t) = self.tasks.get(i) else { return };
        if !t.done() || self.marked.get(i).copied().unwrap_or(true) {
            return;
        }
        let bad = t.failure() || t.validation_failed();
        if let Some(m) = self.marked.get_mut(i) {
            *m = true;
        }
        if i >= self.n_dag {
            return;
        }
        self.dag_undone = self.dag_undone.saturating_sub(1);
        if bad
            && !self
                .pipeline_task(i)
                .is_some_and(PipelineTask::continues_on_error)
        {
            self.stopping = true;
        }
        for k in 0..self.dag.next(i).len() {
            let Some(&n) = self.dag.next(i).get(k) else {
                continue;
            };
            if let Some(c) = self.undone_parents.get_mut(n) {
                *c = c.saturating_sub(1);
                if *c == 0 {
                    self.frontier.push(n);
                }
            }
        }
    }

    pub(super) fn set_phase(&mut self, i: usize, phase: Phase) {
        if let Some(t) = self.tasks.get_mut(i) {
            t.phase = phase;
        }
        self.note(i);
    }

    /// The DAG of the Pipeline's tasks.
    pub fn dag(&self) -> &Dag {
        &self.dag
    }

    /// The Pipeline spec being run.
    pub fn spec(&self) -> &PipelineSpec {
        &self.spec
    }

    /// The limits this run enforces.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The effective run parameters (defaults applied).
    pub fn params(&self) -> &BTreeMap<String, ParamValue> {
        &self.params
    }

    pub(super) fn pipeline_task(&self, i: usize) -> Option<&PipelineTask> {
        if i < self.n_dag {
            self.spec.tasks.get(i)
        } else {
            self.spec.finally.get(i - self.n_dag)
        }
    }

    pub(super) fn index_of(&self, name: &str) -> Option<usize> {
        if let Some(i) = self.dag.node(name) {
            return Some(i);
        }
        self.spec
            .finally
            .iter()
            .position(|t| t.name == name)
            .map(|i| i + self.n_dag)
    }

    pub(super) fn dag_done(&self) -> bool {
        self.dag_undone == 0
    }

    pub(super) fn finally_done(&self) -> bool {
        self.tasks.iter().skip(self.n_dag).all(TaskRt::done)
    }

    pub(super) fn lookup<'a>(
        &'a self,
        task: Option<&'a PipelineTask>,
        statuses: bool,
    ) -> RunLookup<'a> {
        RunLookup {
            run: self,
            task,
            statuses,
        }
    }

    pub(super) fn parents_done(&self, i: usize) -> bool {
        self.dag
            .prev(i)
            .iter()
            .all(|&p| self.tasks.get(p).is_some_and(TaskRt::done))
    }

    /// The matrix with its references resolved, within the run's budget.
    pub(super) fn resolved_matrix(
        &self,
        i: usize,
        pt: &PipelineTask,
        lookup: &dyn Lookup,
    ) -> Result<Option<Matrix>, String> {
        let Some(m) = pt.matrix.as_ref() else {
            return Ok(None);
        };
        let mut budget = Budget::new(self.limits.max_run_bytes);
        let mut resolve = |p: &Param, field: &dyn Fn() -> String| {
            resolve_value_within(&p.value, lookup, &mut budget)
                .map(|value| Param {
                    name: p.name.clone(),
                    value,
                })
                .map_err(|o| {
                    format!(
                        "pipeline {:?}: task {:?}: {}: {o} per run",
                        self.ctx.pipeline_name,
                        pt.name,
                        field()
                    )
                })
        };
        let at = self.at(i);
        let mut params = Vec::with_capacity(m.params.len());
        for p in &m.params {
            params.push(resolve(p, &|| format!("{at}.matrix.params[{}]", p.name))?);
        }
        let mut include = Vec::with_capacity(m.include.len());
        for (k, inc) in m.include.iter().enumerate() {
            let mut ps = Vec::with_capacity(inc.params.len());
            for p in &inc.params {
                ps.push(resolve(p, &|| {
                    format!("{at}.matrix.include[{k}].params[{}]", p.name)
                })?);
            }
            include.push(crate::model::IncludeParams {
                name: inc.name.clone(),
                params: ps,
            });
        }
        Ok(Some(Matrix { params, include }))
    }

    /// Resolves pipeline task `i` into its instances, within the limits: `Err` (the task then
    /// fails validation) when a substitution would go over `limits.max_task_bytes`, the
    /// instances would take the run over `limits.max_run_bytes`, or the matrix has more
    /// combinations than `limits.max_matrix_combinations`. Nothing is built past a limit.
    pub(super) fn schedule(
        &mut self,
        i: usize,
        finally: bool,
    ) -> Result<Vec<TaskInstance>, String> {
        let Some(pt) = self.pipeline_task(i) else {
            return Ok(Vec::new());
        };
        // Formatted only for a message.
        let at = || self.at(i);
        let lookup = self.lookup(Some(pt), finally);
        let mut budget = Budget::new(self.limits.max_task_bytes);
        budget
            .charge(literal_task_size(pt))
            .map_err(|o| self.over_task_budget(pt, &at(), &o))?;
        let mut params = Vec::with_capacity(pt.params.len());
        for p in &pt.params {
            let field = || format!("{}.params[{}]", at(), p.name);
            budget
                .charge(p.name.len())
                .map_err(|o| self.over_task_budget(pt, &field(), &o))?;
            let value = resolve_value_within(&p.value, &lookup, &mut budget)
                .map_err(|o| self.over_task_budget(pt, &field(), &o))?;
            params.push(Param {
                name: p.name.clone(),
                value,
            });
        }
        let task_spec = match &pt.task_spec {
            Some(s) => Some(Arc::new(
                task_spec_substituted(s, &lookup, &mut budget).map_err(|(field, o)| {
                    self.over_task_budget(pt, &format!("{}.{field}", at()), &o)
                })?,
            )),
            None => None,
        };
        let task_ref = match &pt.task_ref {
            Some(r) => {
                let mut r = r.clone();
                if r.name.contains("$(") {
                    r.name = substitute_within(&r.name, &lookup, &mut budget).map_err(|o| {
                        self.over_task_budget(pt, &format!("{}.taskRef.name", at()), &o)
                    })?;
                } else {
                    budget
                        .charge(r.name.len())
                        .map_err(|o| self.over_task_budget(pt, &at(), &o))?;
                }
                // Resolver params take pipeline params, context and task results.
                for p in &mut r.params {
                    p.value =
                        resolve_value_within(&p.value, &lookup, &mut budget).map_err(|o| {
                            self.over_task_budget(pt, &format!("{}.taskRef.params", at()), &o)
                        })?;
                }
                Some(r)
            }
            None => None,
        };
        let combos: Option<Vec<matrix::Combination>> = if pt.is_matrixed() {
            match self.resolved_matrix(i, pt, &lookup)? {
                Some(m) => {
                    // Counted before anything is built; over the cap the run fails.
                    self.check_matrix_count(i, &m)?;
                    Some(matrix::fan_out(&m))
                }
                None => None,
            }
        } else {
            None
        };
        // Every instance carries the resolved task plus its combination: check each against
        // the task budget, and all of them against what is left of the run's.
        let base = budget.used();
        let mut total = base;
        if let Some(combos) = &combos {
            total = 0;
            let task_limit = self.limits.max_task_bytes;
            for c in combos {
                let size = c.iter().fold(base, |n, (k, v)| {
                    n.saturating_add(k.len()).saturating_add(v.len())
                });
                if size > task_limit {
                    let o = Overflow {
                        reference: budget.largest().map(|(r, _)| r.to_string()),
                        needed: size,
                        limit: task_limit,
                    };
                    return Err(self.over_task_budget(pt, &format!("{}.matrix", at()), &o));
                }
                total = total.saturating_add(size);
            }
        }
        let reached = self.run_bytes.saturating_add(total);
        if reached > self.limits.max_run_bytes {
            let largest = budget
                .largest()
                .map(|(r, n)| format!(", largest reference $({r}): {n} bytes"))
                .unwrap_or_default();
            return Err(format!(
                "pipeline {:?}: task {:?}: {}: its resolved spec ({total} bytes{largest}) would bring the run's resolved tasks to {reached} bytes, over the limit of {} bytes per run",
                self.ctx.pipeline_name,
                pt.name,
                at(),
                self.limits.max_run_bytes
            ));
        }
        let base = TaskInstance {
            id: InstanceId {
                task: i as u32,
                index: 0,
            },
            pipeline_task: pt.name.clone(),
            finally,
            matrix: None,
            attempt: 0,
            retries: pt.retries,
            params,
            task_ref,
            task_spec,
            pipeline_ref: pt.pipeline_ref.clone(),
            pipeline_spec: pt.pipeline_spec.as_deref().cloned().map(Arc::new),
            workspaces: pt.workspaces.clone(),
            timeout: self.task_timeout(pt).map(str::to_string),
        };
        self.run_bytes = reached;
        let instances: Vec<TaskInstance> = match combos {
            None => vec![base],
            Some(combos) => {
                let n = combos.len();
                combos
                    .into_iter()
                    .enumerate()
                    .map(|(k, combo)| {
                        let mut inst = base.clone();
                        inst.id.index = k as u32;
                        inst.matrix = Some((k, n));
                        inst.params.extend(combo.into_iter().map(|(name, v)| Param {
                            name,
                            value: ParamValue::String(v),
                        }));
                        inst
                    })
                    .collect()
            }
        };
        // Tekton checks each TaskRun's params against the Task's `enum` before creating it;
        // a bad value fails the whole run. (Hosts resolving a `taskRef` do the same through
        // `fail_run`.)
        let violation = instances.iter().find_map(|inst| {
            let task = inst.task_spec.as_deref()?;
            crate::validate::param_enum_violation(&inst.params, task).map(|m| {
                format!(
                    "Invalid param value from PipelineTask {:?}: {m}",
                    inst.pipeline_task
                )
            })
        });
        if let Some(m) = violation {
            self.fail_run("InvalidParamValue", &m);
            return Ok(Vec::new());
        }
        if let Some(t) = self.tasks.get_mut(i) {
            t.phase = Phase::Scheduled;
            t.insts = instances
                .iter()
                .map(|inst| Inst {
                    phase: InstPhase::Running,
                    attempt: 0,
                    results: BTreeMap::new(),
                    instance: (inst.retries > 0).then(|| inst.clone()),
                    retries: inst.retries,
                    matrixed: inst.matrix.is_some(),
                })
                .collect();
        }
        Ok(instances)
    }

    /// The task instances that may start now. Each returned instance counts as started;
    /// report its end with [`succeeded`](Self::succeeded), [`failed`](Self::failed),
    /// [`timed_out`](Self::timed_out) or [`cancelled`](Self::cancelled). Retries come back
    /// here with a higher `attempt`. Empty when nothing can start until an event arrives
    /// (or when the run is done).
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Vec<TaskInstance> {
        let out = self.next_inner();
        if let Some(m) = self.cel_failed.get().cloned() {
            // Tekton evaluates CEL before creating TaskRuns: nothing of this round starts.
            self.fail_run("CELEvaluationFailed", &m);
            for inst in &out {
                let _ = self.cancelled(inst.id);
            }
            return Vec::new();
        }
        out
    }

    pub(super) fn next_inner(&mut self) -> Vec<TaskInstance> {
        let mut out = Vec::new();
        if self.spec_status == Some(SpecStatus::Cancelled)
            || self.pipeline_timed_out
            || self.failed_run.is_some()
        {
            return out;
        }
        for id in std::mem::take(&mut self.retry_ready) {
            if let Some(inst) = self
                .tasks
                .get_mut(id.task())
                .and_then(|t| t.insts.get_mut(id.index()))
                && inst.phase == InstPhase::RetryReady
            {
                inst.phase = InstPhase::Running;
                inst.attempt += 1;
                if let Some(mut again) = inst.instance.clone() {
                    again.attempt = inst.attempt;
                    out.push(again);
                }
            }
        }
        loop {
            let mut changed = false;
            let halt = match self.spec_status {
                _ if self.stopping => Some(SkipReason::Stopping),
                Some(SpecStatus::CancelledRunFinally) => Some(SkipReason::GracefullyCancelled),
                Some(SpecStatus::StoppedRunFinally) => Some(SkipReason::GracefullyStopped),
                _ => None,
            };
            if let Some(reason) = halt {
                if !self.swept {
                    self.swept = true;
                    for i in 0..self.n_dag {
                        if self.tasks.get(i).is_some_and(|t| t.phase == Phase::Pending) {
                            self.set_phase(i, Phase::Skipped(reason));
                            changed = true;
                        }
                    }
                }
                self.frontier.clear();
            }
            let mut ready = Vec::new();
            while !self.frontier.is_empty() {
                let mut batch = std::mem::take(&mut self.frontier);
                batch.sort_unstable();
                for i in batch {
                    if self.tasks.get(i).map(|t| &t.phase) != Some(&Phase::Pending) {
                        continue;
                    }
                    match self.skip_reason(i) {
                        Ok(Some(reason)) => {
                            self.set_phase(i, Phase::Skipped(reason));
                            changed = true;
                        }
                        Ok(None) => ready.push(i),
                        Err(msg) => {
                            self.set_phase(i, Phase::ValidationFailed(msg));
                            changed = true;
                        }
                    }
                }
            }
            ready.sort_unstable();
            if !self.tasks_timed_out {
                let mut invalid = false;
                for &i in &ready {
                    let check = self
                        .pipeline_task(i)
                        .map(|pt| self.result_validation(i, pt));
                    if let Some(Err(msg)) = check {
                        self.set_phase(i, Phase::ValidationFailed(msg));
                        invalid = true;
                        changed = true;
                    }
                }
                if invalid {
                    // Tekton schedules nothing in this round; the others are reconsidered.
                    let again: Vec<usize> = ready
                        .into_iter()
                        .filter(|&i| self.tasks.get(i).is_some_and(|t| t.phase == Phase::Pending))
                        .collect();
                    self.frontier.extend(again);
                    continue;
                }
                let mut rest = ready.into_iter();
                while let Some(i) = rest.next() {
                    changed = true;
                    match self.schedule(i, false) {
                        Ok(instances) => {
                            out.extend(instances);
                            if self.failed_run.is_some() {
                                break;
                            }
                        }
                        Err(msg) => {
                            // Over a limit: the task fails validation and, as for a missing
                            // result, nothing more starts in this round.
                            self.set_phase(i, Phase::ValidationFailed(msg));
                            self.frontier.extend(rest);
                            break;
                        }
                    }
                }
            }
            if self.dag_done() {
                for i in self.n_dag..self.tasks.len() {
                    if self.tasks.get(i).map(|t| &t.phase) != Some(&Phase::Pending) {
                        continue;
                    }
                    match self.skip_reason(i).and_then(|skip| match skip {
                        Some(reason) => Ok(Err(reason)),
                        None => self.schedule(i, true).map(Ok),
                    }) {
                        Ok(Ok(instances)) => {
                            out.extend(instances);
                            if self.failed_run.is_some() {
                                break;
                            }
                        }
                        Ok(Err(reason)) => self.set_phase(i, Phase::Skipped(reason)),
                        Err(msg) => self.set_phase(i, Phase::ValidationFailed(msg)),
                    }
                    changed = true;
                }
            }
            if !out.is_empty() || !changed || self.failed_run.is_some() {
                return out;
            }
        }
    }

    pub(super) fn inst_mut(&mut self, id: InstanceId) -> Result<&mut Inst, Error> {
        let run = self.ctx.name.clone();
        self.tasks
            .get_mut(id.task())
            .and_then(|t| t.insts.get_mut(id.index()))
            .ok_or(Error::UnknownInstance {
                run,
                instance: id.to_string(),
            })
    }

    pub(super) fn finish(
        &mut self,
        id: InstanceId,
        phase: InstPhase,
        results: BTreeMap<String, ParamValue>,
    ) -> Result<(), Error> {
        // An instance stopped for its own timeout ended by timing out, however it ended
        // (unless it succeeded first).
        let phase = if self.timing_out.remove(&id) && phase != InstPhase::Succeeded {
            InstPhase::TimedOut
        } else {
            phase
        };
        self.inst_deadlines.remove(&id);
        let inst = self.inst_mut(id)?;
        if inst.phase != InstPhase::Running {
            // A late report for an instance already cancelled or finished: ignored.
            return Ok(());
        }
        let retryable = matches!(phase, InstPhase::Failed | InstPhase::TimedOut);
        if retryable && inst.attempt < inst.retries {
            inst.phase = InstPhase::RetryReady;
            self.retry_ready.push(id);
            return Ok(());
        }
        inst.phase = phase;
        inst.results = results;
        self.aggregate_results(id.task());
        Ok(())
    }

    pub(super) fn aggregate_results(&mut self, i: usize) {
        self.collect_results(i);
        self.note(i);
    }

    pub(super) fn collect_results(&mut self, i: usize) {
        let Some(t) = self.tasks.get_mut(i) else {
            return;
        };
        if !t.insts.iter().all(Inst::done) {
            return;
        }
        let matrixed = t.insts.first().is_some_and(|inst| inst.matrixed);
        if !matrixed {
            t.results = t
                .insts
                .first_mut()
                .map(|inst| std::mem::take(&mut inst.results))
                .unwrap_or_default();
            return;
        }
        let mut agg: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for inst in &t.insts {
            for (k, v) in &inst.results {
                agg.entry(k.clone()).or_default().push(v.to_string());
            }
        }
        t.results = agg
            .into_iter()
            .map(|(k, v)| (k, ParamValue::Array(v)))
            .collect();
    }

    /// Reports that the host actually started an instance, at the time last given to
    /// [`elapse`](Self::elapse) (errors on an unknown instance). From then on its `timeout`
    /// counts, and the first finally task starts the `timeouts.finally` clock.
    pub fn started(&mut self, id: InstanceId) -> Result<(), Error> {
        self.inst_mut(id)?;
        let now = self.now;
        if id.task() >= self.n_dag {
            self.finally_started.get_or_insert(now);
        }
        let own = self
            .pipeline_task(id.task())
            .and_then(|pt| self.task_timeout(pt))
            .and_then(|t| crate::runner::parse_duration(t).ok())
            .filter(|d| !d.is_zero());
        match own {
            Some(d) => {
                self.inst_deadlines.insert(id, now.saturating_add(d));
            }
            None => {
                self.inst_deadlines.remove(&id);
            }
        }
        Ok(())
    }

    /// Reports success with the instance's results.
    pub fn succeeded(
        &mut self,
        id: InstanceId,
        results: BTreeMap<String, ParamValue>,
    ) -> Result<(), Error> {
        self.finish(id, InstPhase::Succeeded, results)
    }

    /// Reports failure (retried while retries remain).
    pub fn failed(&mut self, id: InstanceId) -> Result<(), Error> {
        self.finish(id, InstPhase::Failed, BTreeMap::new())
    }

    /// Reports a failure with the results the instance wrote before failing.
    pub fn failed_with_results(
        &mut self,
        id: InstanceId,
        results: BTreeMap<String, ParamValue>,
    ) -> Result<(), Error> {
        self.finish(id, InstPhase::Failed, results)
    }

    /// Reports that the instance exceeded its own timeout (retried while retries remain).
    pub fn timed_out(&mut self, id: InstanceId) -> Result<(), Error> {
        self.finish(id, InstPhase::TimedOut, BTreeMap::new())
    }

    /// Reports that the instance was cancelled.
    pub fn cancelled(&mut self, id: InstanceId) -> Result<(), Error> {
        self.finish(id, InstPhase::Cancelled, BTreeMap::new())
    }

    pub(super) fn cancel_running(
        &mut self,
        range: std::ops::Range<usize>,
        phase: InstPhase,
    ) -> Vec<InstanceId> {
        let mut ids = Vec::new();
        for i in range {
            let Some(t) = self.tasks.get_mut(i) else {
                continue;
            };
            for (k, inst) in t.insts.iter_mut().enumerate() {
                if !inst.done() {
                    inst.phase = phase;
                    ids.push(InstanceId {
                        task: i as u32,
                        index: k as u32,
                    });
                }
            }
            self.aggregate_results(i);
        }
        ids
    }

    /// Requests cancellation (`spec.status`). Returns the instances the host must stop; they
    /// count as cancelled from now on and later reports about them are ignored.
    pub fn cancel(&mut self, status: SpecStatus) -> Vec<InstanceId> {
        self.spec_status = Some(status);
        match status {
            SpecStatus::Cancelled => self.cancel_running(0..self.tasks.len(), InstPhase::Cancelled),
            SpecStatus::CancelledRunFinally => {
                self.cancel_running(0..self.n_dag, InstPhase::Cancelled)
            }
            SpecStatus::StoppedRunFinally => Vec::new(),
        }
    }
}
