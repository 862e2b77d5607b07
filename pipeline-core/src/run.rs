//! The PipelineRun state machine: feed it events, ask it what is ready.
//!
//! [`PipelineRunState`] holds no clock and no threads. The host calls [`PipelineRunState::next`]
//! for the task instances that may start now (a matrixed task fans out into several), reports
//! what happened to each ([`PipelineRunState::succeeded`], [`failed`](PipelineRunState::failed),
//! [`timed_out`](PipelineRunState::timed_out), [`cancelled`](PipelineRunState::cancelled)),
//! reports run-level timeouts and cancellation as events, and reads the final
//! [`Condition`] once [`PipelineRunState::is_done`].
//!
//! ```
//! use pipeline_core::{PipelineSpec, RunContext, PipelineRunState};
//! let spec: PipelineSpec = serde_json::from_str(r#"{"tasks": [
//!   {"name": "a", "taskRef": {"name": "t"}},
//!   {"name": "b", "taskRef": {"name": "t"}, "runAfter": ["a"]}
//! ]}"#).unwrap();
//! let mut run = PipelineRunState::new(&spec, RunContext::named("run-1", "demo")).unwrap();
//! let first = run.next();
//! assert_eq!(first.len(), 1);
//! run.failed(first[0].id).unwrap();
//! assert!(run.next().is_empty());
//! assert!(run.is_done());
//! let c = run.condition();
//! assert_eq!((c.status.as_str(), c.reason.as_str()), ("False", "Failed"));
//! assert_eq!(run.task_status("b").unwrap().skip_reason.unwrap().as_str(), "PipelineRun was stopping");
//! ```

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::dag::{Dag, result_refs};
use crate::error::{Error, FieldErrors};
use crate::limits::Limits;
use crate::matrix;
use crate::model::{
    Matrix, Param, ParamType, ParamValue, PipelineRun, PipelineSpec, PipelineTask, TaskRef,
    TaskSpec, TimeoutFields, WorkspacePipelineTaskBinding,
};
use crate::substitute::{
    Budget, Lookup, Overflow, Var, parse, references, resolve_value_within, substitute_list_within,
    substitute_within, value_size,
};
use crate::validate::{Usage, check_pipeline_with};
use crate::when;

/// Why a task was skipped. `as_str` gives Tekton's exact reason string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SkipReason {
    /// `When Expressions evaluated to false`
    WhenExpressions,
    /// `Parent Tasks were skipped`
    ParentTasks,
    /// `PipelineRun was stopping`
    Stopping,
    /// `PipelineRun was gracefully cancelled`
    GracefullyCancelled,
    /// `PipelineRun was gracefully stopped`
    GracefullyStopped,
    /// `Results were missing`
    MissingResults,
    /// `PipelineRun timeout has been reached`
    PipelineTimedOut,
    /// `PipelineRun Tasks timeout has been reached`
    TasksTimedOut,
    /// `PipelineRun Finally timeout has been reached`
    FinallyTimedOut,
    /// `Matrix Parameters have an empty array`
    EmptyArrayInMatrixParams,
}

impl SkipReason {
    /// Tekton's reason string.
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::WhenExpressions => "When Expressions evaluated to false",
            SkipReason::ParentTasks => "Parent Tasks were skipped",
            SkipReason::Stopping => "PipelineRun was stopping",
            SkipReason::GracefullyCancelled => "PipelineRun was gracefully cancelled",
            SkipReason::GracefullyStopped => "PipelineRun was gracefully stopped",
            SkipReason::MissingResults => "Results were missing",
            SkipReason::PipelineTimedOut => "PipelineRun timeout has been reached",
            SkipReason::TasksTimedOut => "PipelineRun Tasks timeout has been reached",
            SkipReason::FinallyTimedOut => "PipelineRun Finally timeout has been reached",
            SkipReason::EmptyArrayInMatrixParams => "Matrix Parameters have an empty array",
        }
    }

    fn is_timeout(self) -> bool {
        matches!(
            self,
            SkipReason::PipelineTimedOut | SkipReason::TasksTimedOut | SkipReason::FinallyTimedOut
        )
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A cancellation requested through `spec.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecStatus {
    /// `Cancelled`: stop everything now, finally tasks do not run.
    Cancelled,
    /// `CancelledRunFinally`: cancel running tasks, then run finally tasks.
    CancelledRunFinally,
    /// `StoppedRunFinally`: let running tasks finish, start no new ones, run finally tasks.
    StoppedRunFinally,
}

impl SpecStatus {
    /// Parses Tekton's `spec.status` value.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "Cancelled" | "PipelineRunCancelled" => Some(SpecStatus::Cancelled),
            "CancelledRunFinally" => Some(SpecStatus::CancelledRunFinally),
            "StoppedRunFinally" => Some(SpecStatus::StoppedRunFinally),
            _ => None,
        }
    }
}

/// Which run-level timeout the host observed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunTimeout {
    /// `timeouts.pipeline`: the whole run.
    Pipeline,
    /// `timeouts.tasks`: the DAG tasks.
    Tasks,
    /// `timeouts.finally`: the finally tasks.
    Finally,
}

/// The run-level timeouts of a PipelineRun (`spec.timeouts`, or `v1beta1`'s
/// `spec.timeout` for the whole run). `None` (or a zero duration, Tekton's "no timeout") is
/// no deadline.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunTimeouts {
    /// `timeouts.pipeline`, from the run's start.
    pub pipeline: Option<Duration>,
    /// `timeouts.tasks`, from the run's start: the DAG tasks.
    pub tasks: Option<Duration>,
    /// `timeouts.finally`, from the start of the first finally task.
    pub finally: Option<Duration>,
}

impl RunTimeouts {
    /// The timeouts a PipelineRun spec sets, or the located message of a bad duration.
    pub fn from_spec(spec: &crate::model::PipelineRunSpec) -> Result<Self, String> {
        let mut t = spec.timeouts.clone().unwrap_or_default();
        if t.pipeline.is_none() {
            t.pipeline = spec.timeout.clone();
        }
        Self::from_fields(&t)
    }

    /// The timeouts of `spec.timeouts` as written (what [`RunContext::timeouts`] holds).
    pub fn from_fields(t: &TimeoutFields) -> Result<Self, String> {
        let parse = |field: &str, v: &Option<String>| -> Result<Option<Duration>, String> {
            match v {
                None => Ok(None),
                Some(v) => crate::runner::parse_duration(v)
                    .map(|d| Some(d).filter(|d| !d.is_zero()))
                    .map_err(|e| format!("invalid value: {v}: spec.{field}: {e}")),
            }
        };
        Ok(RunTimeouts {
            pipeline: parse("timeouts.pipeline", &t.pipeline)?,
            tasks: parse("timeouts.tasks", &t.tasks)?,
            finally: parse("timeouts.finally", &t.finally)?,
        })
    }
}

/// What the state machine needs to know about the PipelineRun.
#[derive(Debug, Clone, Default)]
pub struct RunContext {
    /// PipelineRun name (`$(context.pipelineRun.name)`).
    pub name: String,
    /// Namespace.
    pub namespace: String,
    /// UID.
    pub uid: String,
    /// Pipeline name (`$(context.pipeline.name)`).
    pub pipeline_name: String,
    /// PipelineRun parameters.
    pub params: Vec<Param>,
    /// Names of the bound workspaces (`$(workspaces.w.bound)`).
    pub workspaces: Vec<String>,
    /// Timeouts as written (used in messages).
    pub timeouts: TimeoutFields,
    /// `spec.status` at start.
    pub spec_status: Option<SpecStatus>,
    /// `spec.taskRunSpecs`: each names a pipeline task of the Pipeline (else the run is
    /// refused `InvalidTaskRunSpec`); its `timeout` overrides the task's.
    pub task_run_specs: Vec<crate::model::PipelineTaskRunSpec>,
    /// The Pipeline is the PipelineRun's inline `pipelineSpec`: parameters and workspaces its
    /// tasks use without declaring them propagate from the run (Tekton refuses that in a
    /// `Pipeline` object).
    pub inline_spec: bool,
}

impl RunContext {
    /// A context with a run name and a pipeline name.
    pub fn named(run: &str, pipeline: &str) -> Self {
        RunContext {
            name: run.to_string(),
            pipeline_name: pipeline.to_string(),
            ..RunContext::default()
        }
    }

    /// The context of a PipelineRun object.
    pub fn from_pipeline_run(pr: &PipelineRun, pipeline_name: &str) -> Self {
        let mut timeouts = pr.spec.timeouts.clone().unwrap_or_default();
        if timeouts.pipeline.is_none() {
            timeouts.pipeline = pr.spec.timeout.clone();
        }
        RunContext {
            name: if pr.metadata.name.is_empty() {
                pr.metadata.generate_name.clone()
            } else {
                pr.metadata.name.clone()
            },
            namespace: pr.metadata.namespace.clone(),
            uid: pr.metadata.uid.clone(),
            pipeline_name: pipeline_name.to_string(),
            params: pr.spec.params.clone(),
            workspaces: pr.spec.workspaces.iter().map(|w| w.name.clone()).collect(),
            timeouts,
            spec_status: SpecStatus::parse(&pr.spec.status),
            task_run_specs: pr.spec.task_run_specs.clone(),
            inline_spec: pr.spec.pipeline_spec.is_some(),
        }
    }
}

/// Identifies one task instance (one matrix combination of one pipeline task).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InstanceId {
    task: u32,
    index: u32,
}

impl InstanceId {
    /// Position of the pipeline task (DAG tasks first, then finally tasks).
    pub fn task(self) -> usize {
        self.task as usize
    }
    /// Matrix index (0 for a task without matrix).
    pub fn index(self) -> usize {
        self.index as usize
    }
}

impl fmt::Display for InstanceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.task, self.index)
    }
}

/// A task instance that may start now, with every pipeline-level reference resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskInstance {
    /// Identity for events.
    pub id: InstanceId,
    /// Pipeline task name.
    pub pipeline_task: String,
    /// True for a `finally` task.
    pub finally: bool,
    /// Matrix position and count, for a matrixed task.
    pub matrix: Option<(usize, usize)>,
    /// Attempt number (0 first, then one per retry).
    pub attempt: u32,
    /// Retries allowed.
    pub retries: u32,
    /// Parameters for the Task (matrix combination included).
    pub params: Vec<Param>,
    /// The referenced Task (resolve it through a catalogue).
    pub task_ref: Option<TaskRef>,
    /// The embedded Task, with pipeline-level references substituted (shared by the
    /// instances of a matrix).
    pub task_spec: Option<Arc<TaskSpec>>,
    /// The referenced child Pipeline (pipelines in pipelines): the host runs it as a child
    /// PipelineRun with [`params`](Self::params), and its results are the task's.
    pub pipeline_ref: Option<crate::model::PipelineRef>,
    /// The embedded child Pipeline (pipelines in pipelines).
    pub pipeline_spec: Option<Arc<PipelineSpec>>,
    /// Workspace bindings.
    pub workspaces: Vec<WorkspacePipelineTaskBinding>,
    /// The task's timeout as written, for the host to enforce.
    pub timeout: Option<String>,
}

impl TaskInstance {
    /// A display name: the pipeline task, plus `[i]` for a matrix instance.
    pub fn display_name(&self) -> String {
        match self.matrix {
            Some((i, _)) => format!("{}[{i}]", self.pipeline_task),
            None => self.pipeline_task.clone(),
        }
    }
}

/// The state of one pipeline task as reported by [`PipelineRunState::task_statuses`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskState {
    /// Never started (and not skipped).
    NotRun,
    /// Started, not finished.
    Running,
    /// Every instance succeeded.
    Succeeded,
    /// Finished with a failure (including timeouts).
    Failed,
    /// Finished, cancelled.
    Cancelled,
    /// Skipped (see the skip reason).
    Skipped,
}

impl TaskState {
    /// `NotRun`, `Running`, `Succeeded`, `Failed`, `Cancelled` or `Skipped`.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::NotRun => "NotRun",
            TaskState::Running => "Running",
            TaskState::Succeeded => "Succeeded",
            TaskState::Failed => "Failed",
            TaskState::Cancelled => "Cancelled",
            TaskState::Skipped => "Skipped",
        }
    }
}

/// One pipeline task's status.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskStatus {
    /// Pipeline task name.
    pub name: String,
    /// True for a `finally` task.
    pub finally: bool,
    /// State.
    pub state: TaskState,
    /// Tekton's TaskRun reason (`Succeeded`, `Failed`, `TaskRunTimeout`, `TaskRunCancelled`),
    /// the skip reason, or the validation message.
    pub reason: String,
    /// Skip reason, when skipped.
    pub skip_reason: Option<SkipReason>,
    /// Results (for a matrixed task: arrays over its instances).
    pub results: BTreeMap<String, ParamValue>,
    /// Number of instances started (matrix combinations).
    pub instances: usize,
    /// Attempts made over all instances (retries included).
    pub attempts: u32,
}

/// `True`, `False` or `Unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConditionStatus {
    /// Finished well.
    True,
    /// Finished badly.
    False,
    /// Still running.
    Unknown,
}

impl ConditionStatus {
    /// `True`, `False` or `Unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            ConditionStatus::True => "True",
            ConditionStatus::False => "False",
            ConditionStatus::Unknown => "Unknown",
        }
    }
}

/// The PipelineRun's `Succeeded` condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// Status.
    pub status: ConditionStatus,
    /// Reason (`Succeeded`, `Completed`, `Failed`, `Cancelled`, `PipelineRunTimeout`, ...).
    pub reason: String,
    /// Message (`Tasks Completed: 2 (Failed: 0, Cancelled 0), Skipped: 0`).
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InstPhase {
    Running,
    RetryReady,
    Succeeded,
    Failed,
    TimedOut,
    Cancelled,
    CancelledByTimeout,
}

#[derive(Debug, Clone)]
struct Inst {
    phase: InstPhase,
    attempt: u32,
    results: BTreeMap<String, ParamValue>,
    /// Kept for retries only.
    instance: Option<TaskInstance>,
    retries: u32,
    matrixed: bool,
}

impl Inst {
    fn done(&self) -> bool {
        !matches!(self.phase, InstPhase::Running | InstPhase::RetryReady)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Phase {
    Pending,
    Scheduled,
    Skipped(SkipReason),
    ValidationFailed(String),
}

#[derive(Debug, Clone)]
struct TaskRt {
    phase: Phase,
    insts: Vec<Inst>,
    results: BTreeMap<String, ParamValue>,
}

impl TaskRt {
    fn scheduled(&self) -> bool {
        !self.insts.is_empty()
    }
    fn successful(&self) -> bool {
        self.scheduled() && self.insts.iter().all(|i| i.phase == InstPhase::Succeeded)
    }
    fn any_failed(&self) -> bool {
        self.insts
            .iter()
            .any(|i| i.done() && i.phase != InstPhase::Succeeded)
    }
    fn failure(&self) -> bool {
        self.scheduled() && self.insts.iter().all(Inst::done) && self.any_failed()
    }
    fn cancelled(&self) -> bool {
        self.failure() && self.insts.iter().any(|i| i.phase == InstPhase::Cancelled)
    }
    fn cancelled_for_timeout(&self) -> bool {
        self.failure()
            && self
                .insts
                .iter()
                .any(|i| i.phase == InstPhase::CancelledByTimeout)
    }
    fn skip(&self) -> Option<SkipReason> {
        match self.phase {
            Phase::Skipped(r) => Some(r),
            _ => None,
        }
    }
    fn validation_failed(&self) -> bool {
        matches!(self.phase, Phase::ValidationFailed(_))
    }
    fn done(&self) -> bool {
        self.skip().is_some() || self.successful() || self.failure() || self.validation_failed()
    }
    fn running(&self) -> bool {
        self.scheduled() && !self.successful() && !self.failure()
    }
    fn reason(&self) -> String {
        if let Some(i) = self
            .insts
            .iter()
            .find(|i| i.done() && i.phase != InstPhase::Succeeded)
        {
            return match i.phase {
                InstPhase::TimedOut => "TaskRunTimeout",
                InstPhase::Cancelled | InstPhase::CancelledByTimeout => "TaskRunCancelled",
                _ => "Failed",
            }
            .to_string();
        }
        if self.successful() {
            return "Succeeded".to_string();
        }
        if self.running() {
            return "Running".to_string();
        }
        String::new()
    }
}

/// The run state machine. See the [module documentation](self).
#[derive(Debug, Clone)]
pub struct PipelineRunState {
    spec: PipelineSpec,
    ctx: RunContext,
    params: BTreeMap<String, ParamValue>,
    dag: Dag,
    n_dag: usize,
    tasks: Vec<TaskRt>,
    spec_status: Option<SpecStatus>,
    pipeline_timed_out: bool,
    tasks_timed_out: bool,
    finally_timed_out: bool,
    /// Time since the run started, as last told by [`PipelineRunState::elapse`].
    now: Duration,
    timeouts: RunTimeouts,
    fired: Vec<RunTimeout>,
    finally_started: Option<Duration>,
    /// Deadlines (time since the run started) of started instances with a `timeout`.
    inst_deadlines: BTreeMap<InstanceId, Duration>,
    /// Instances told to stop because their own timeout passed: their end is a timeout.
    timing_out: std::collections::BTreeSet<InstanceId>,
    /// Set when a CEL `when` failed to evaluate: the run fails `CELEvaluationFailed`.
    cel_failed: std::sync::OnceLock<String>,
    limits: Limits,
    /// Bytes of resolved instance specs handed out so far (checked against
    /// `limits.max_run_bytes`).
    run_bytes: usize,
    // Incremental scheduling: parents not yet done per DAG task, tasks whose parents are all
    // done, tasks already counted as done, DAG tasks not done, and instances awaiting retry.
    undone_parents: Vec<usize>,
    frontier: Vec<usize>,
    marked: Vec<bool>,
    dag_undone: usize,
    stopping: bool,
    swept: bool,
    retry_ready: Vec<InstanceId>,
    /// Result references of finally tasks: (referenced task, result name).
    refs: Vec<Vec<(usize, String)>>,
    /// The run failed as a whole (Tekton's `MarkFailed`, such as `InvalidParamValue`):
    /// nothing more starts, and this is the final condition.
    failed_run: Option<Condition>,
}

/// Resolves references for one pipeline task against the run.
struct RunLookup<'a> {
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
struct ParamsLookup<'a>(&'a BTreeMap<String, ParamValue>);

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
fn literal_spec_size(spec: &TaskSpec) -> usize {
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
fn task_spec_substituted(
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
fn literal_task_size(pt: &PipelineTask) -> usize {
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
fn matrix_uses_results(m: &Matrix) -> bool {
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
    fn with_matrices_checked(self) -> Result<Self, Error> {
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
    fn at(&self, i: usize) -> String {
        if i < self.n_dag {
            format!("tasks[{i}]")
        } else {
            format!("finally[{}]", i - self.n_dag)
        }
    }

    /// Tekton's failure for a matrix over the limit
    /// (`validateCombinationsCount`, reported as `PipelineValidationFailed`).
    fn check_matrix_count(&self, i: usize, m: &Matrix) -> Result<(), String> {
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
    fn over_task_budget(&self, pt: &PipelineTask, field: &str, o: &Overflow) -> String {
        let what = match &o.reference {
            Some(r) => format!("substituting $({r}) would produce {} bytes", o.needed),
            None => format!("the resolved task would take {} bytes", o.needed),
        };
        format!(
            "pipeline {:?}: task {:?}: {field}: {what} for this task, over the limit of {} bytes per task",
            self.ctx.pipeline_name, pt.name, o.limit
        )
    }

    fn with_refs(mut self) -> Self {
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

    fn refs_of(&self, i: usize) -> &[(usize, String)] {
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
    fn note(&mut self, i: usize) {
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

    fn set_phase(&mut self, i: usize, phase: Phase) {
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

    fn pipeline_task(&self, i: usize) -> Option<&PipelineTask> {
        if i < self.n_dag {
            self.spec.tasks.get(i)
        } else {
            self.spec.finally.get(i - self.n_dag)
        }
    }

    fn index_of(&self, name: &str) -> Option<usize> {
        if let Some(i) = self.dag.node(name) {
            return Some(i);
        }
        self.spec
            .finally
            .iter()
            .position(|t| t.name == name)
            .map(|i| i + self.n_dag)
    }

    fn dag_done(&self) -> bool {
        self.dag_undone == 0
    }

    fn finally_done(&self) -> bool {
        self.tasks.iter().skip(self.n_dag).all(TaskRt::done)
    }

    /// `Succeeded`, `Failed` or `None`: the value of `$(tasks.NAME.status)`.
    fn execution_status(&self, i: usize) -> &'static str {
        match self.tasks.get(i) {
            Some(t) if t.successful() => "Succeeded",
            Some(t) if t.any_failed() => "Failed",
            _ => "None",
        }
    }

    /// The value of `$(tasks.status)`: `Succeeded`, `Failed`, `Completed` or `None`.
    pub fn aggregate_status(&self) -> &'static str {
        if !self.dag_done() {
            return "None";
        }
        let mut agg = "Succeeded";
        for t in self.tasks.iter().take(self.n_dag) {
            if t.any_failed() {
                return "Failed";
            }
            if t.skip().is_some() {
                agg = "Completed";
            }
        }
        agg
    }

    fn lookup<'a>(&'a self, task: Option<&'a PipelineTask>, statuses: bool) -> RunLookup<'a> {
        RunLookup {
            run: self,
            task,
            statuses,
        }
    }

    fn parents_done(&self, i: usize) -> bool {
        self.dag
            .prev(i)
            .iter()
            .all(|&p| self.tasks.get(p).is_some_and(TaskRt::done))
    }

    /// The matrix with its references resolved, within the run's budget.
    fn resolved_matrix(
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

    /// First result reference of task `i` that does not resolve: (task index, task, result).
    fn missing_result(&self, i: usize) -> Option<(usize, String, String)> {
        for (r, result) in self.refs_of(i) {
            let t = self.tasks.get(*r)?;
            if !(t.successful() || t.failure()) || !t.results.contains_key(result) {
                let name = self
                    .pipeline_task(*r)
                    .map(|p| p.name.clone())
                    .unwrap_or_default();
                return Some((*r, name, result.clone()));
            }
        }
        None
    }

    /// Skip decision for a DAG task whose parents are all done (Tekton's order, after the
    /// stopping and graceful-cancellation checks the caller makes).
    /// `Err` when the task cannot be evaluated within the limits (it then fails validation).
    fn dag_skip(&self, i: usize) -> Result<Option<SkipReason>, String> {
        let Some(pt) = self.pipeline_task(i) else {
            return Ok(None);
        };
        let lookup = self.lookup(Some(pt), false);
        if !self.when_allows(i, pt, &lookup)? {
            return Ok(Some(SkipReason::WhenExpressions));
        }
        let parent_skipped = self.dag.prev(i).iter().any(|&p| {
            self.tasks
                .get(p)
                .and_then(TaskRt::skip)
                .is_some_and(|r| r != SkipReason::WhenExpressions)
        });
        if parent_skipped {
            return Ok(Some(SkipReason::ParentTasks));
        }
        if let Some((r, _, _)) = self.missing_result(i) {
            let ref_when_skipped =
                self.tasks.get(r).and_then(TaskRt::skip) == Some(SkipReason::WhenExpressions);
            if pt.continues_on_error() || ref_when_skipped {
                return Ok(Some(SkipReason::MissingResults));
            }
        }
        if self.pipeline_timed_out {
            return Ok(Some(SkipReason::PipelineTimedOut));
        }
        if self.tasks_timed_out {
            return Ok(Some(SkipReason::TasksTimedOut));
        }
        self.empty_matrix(i, pt, &lookup)
    }

    /// `Err` as for [`dag_skip`](Self::dag_skip).
    fn finally_skip(&self, i: usize) -> Result<Option<SkipReason>, String> {
        let Some(pt) = self.pipeline_task(i) else {
            return Ok(None);
        };
        if self.missing_result(i).is_some() {
            return Ok(Some(SkipReason::MissingResults));
        }
        let lookup = self.lookup(Some(pt), true);
        if !self.when_allows(i, pt, &lookup)? {
            return Ok(Some(SkipReason::WhenExpressions));
        }
        if self.pipeline_timed_out {
            return Ok(Some(SkipReason::PipelineTimedOut));
        }
        if self.finally_timed_out {
            return Ok(Some(SkipReason::FinallyTimedOut));
        }
        self.empty_matrix(i, pt, &lookup)
    }

    /// The task's `when` expressions, substituted within `limits.max_task_bytes`.
    fn when_allows(
        &self,
        i: usize,
        pt: &PipelineTask,
        lookup: &dyn Lookup,
    ) -> Result<bool, String> {
        if pt.when.is_empty() {
            return Ok(true);
        }
        let mut budget = Budget::new(self.limits.max_task_bytes);
        match when::allows_execution_with_cel(&pt.when, lookup, &mut budget) {
            Ok(b) => Ok(b),
            Err(when::WhenError::Overflow(j, o)) => {
                Err(self.over_task_budget(pt, &format!("{}.when[{j}]", self.at(i)), &o))
            }
            Err(when::WhenError::Cel(e)) => {
                // Tekton fails the whole run; nothing more starts.
                let _ = self
                    .cel_failed
                    .set(format!("Error evaluating CEL {}: {e}", self.ctx.name));
                Ok(false)
            }
        }
    }

    fn empty_matrix(
        &self,
        i: usize,
        pt: &PipelineTask,
        lookup: &dyn Lookup,
    ) -> Result<Option<SkipReason>, String> {
        if !pt.is_matrixed() {
            return Ok(None);
        }
        Ok(self
            .resolved_matrix(i, pt, lookup)?
            .is_some_and(|m| matrix::has_empty_array(&m))
            .then_some(SkipReason::EmptyArrayInMatrixParams))
    }

    /// Tekton's check before creating TaskRuns: every referenced result exists.
    fn result_validation(&self, i: usize, pt: &PipelineTask) -> Result<(), String> {
        let Some((r, task, result)) = self.missing_result(i) else {
            return Ok(());
        };
        match self.tasks.get(r) {
            Some(t) if t.successful() => Err(format!(
                "task {task:?} completed successfully but did not emit the result {result:?}, which is referenced by task {:?}",
                pt.name
            )),
            Some(t) if !t.scheduled() => Err(format!(
                "Result reference error: Internal result ref {task:?} has zero-length TaskRuns"
            )),
            _ => Err(format!(
                "Invalid task result reference: Could not find result with name {result} for pipeline task {task}"
            )),
        }
    }

    /// Resolves pipeline task `i` into its instances, within the limits: `Err` (the task then
    /// fails validation) when a substitution would go over `limits.max_task_bytes`, the
    /// instances would take the run over `limits.max_run_bytes`, or the matrix has more
    /// combinations than `limits.max_matrix_combinations`. Nothing is built past a limit.
    fn schedule(&mut self, i: usize, finally: bool) -> Result<Vec<TaskInstance>, String> {
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

    fn next_inner(&mut self) -> Vec<TaskInstance> {
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
                    match self.dag_skip(i) {
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
                    match self.finally_skip(i).and_then(|skip| match skip {
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

    fn inst_mut(&mut self, id: InstanceId) -> Result<&mut Inst, Error> {
        let run = self.ctx.name.clone();
        self.tasks
            .get_mut(id.task())
            .and_then(|t| t.insts.get_mut(id.index()))
            .ok_or(Error::UnknownInstance {
                run,
                instance: id.to_string(),
            })
    }

    fn finish(
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

    fn aggregate_results(&mut self, i: usize) {
        self.collect_results(i);
        self.note(i);
    }

    fn collect_results(&mut self, i: usize) {
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

    /// A pipeline task's timeout as written: its `taskRunSpecs` entry's, else its own.
    fn task_timeout<'s>(&'s self, pt: &'s PipelineTask) -> Option<&'s str> {
        self.ctx
            .task_run_specs
            .iter()
            .rev()
            .find(|t| t.pipeline_task_name == pt.name)
            .and_then(|t| t.timeout.as_deref())
            .or(pt.timeout.as_deref())
    }

    /// Sets the run-level timeouts (see [`RunTimeouts::from_spec`]).
    pub fn set_timeouts(&mut self, timeouts: RunTimeouts) {
        self.timeouts = timeouts;
    }

    /// The run-level timeouts.
    pub fn timeouts(&self) -> RunTimeouts {
        self.timeouts
    }

    /// The next deadline, as time since the run started: the earliest of `timeouts.pipeline`,
    /// `timeouts.tasks`, `timeouts.finally` (once a finally task started) and the `timeout`
    /// of each started instance. A host sleeps until then (or until an instance ends) and
    /// calls [`elapse`](Self::elapse). None: nothing will time out.
    pub fn next_deadline(&self) -> Option<Duration> {
        let run_level = [
            (RunTimeout::Pipeline, self.timeouts.pipeline),
            (RunTimeout::Tasks, self.timeouts.tasks),
            (
                RunTimeout::Finally,
                self.timeouts
                    .finally
                    .zip(self.finally_started)
                    .map(|(f, s)| s.saturating_add(f)),
            ),
        ]
        .into_iter()
        .filter(|(w, _)| !self.fired.contains(w))
        .filter_map(|(_, d)| d);
        let own = self
            .inst_deadlines
            .iter()
            .filter(|(id, _)| self.inst_running(**id))
            .map(|(_, d)| *d);
        run_level.chain(own).min()
    }

    fn inst_running(&self, id: InstanceId) -> bool {
        self.tasks
            .get(id.task())
            .and_then(|t| t.insts.get(id.index()))
            .is_some_and(|i| i.phase == InstPhase::Running)
    }

    /// Tells the state machine that `elapsed` has passed since the run started; every
    /// deadline at or before it fires. Returns the running instances the host must stop: for
    /// a run-level timeout they count as stopped from now on (`PipelineRunTimeout` ...); for
    /// an instance's own `timeout` its end, when reported, counts as `TaskRunTimeout`
    /// (retried while retries remain).
    pub fn elapse(&mut self, elapsed: Duration) -> Vec<InstanceId> {
        self.now = self.now.max(elapsed);
        let now = self.now;
        let mut stop = Vec::new();
        let due = |which: RunTimeout, s: &Self| -> bool {
            let deadline = match which {
                RunTimeout::Pipeline => s.timeouts.pipeline,
                RunTimeout::Tasks => s.timeouts.tasks,
                RunTimeout::Finally => s
                    .timeouts
                    .finally
                    .zip(s.finally_started)
                    .map(|(f, st)| st.saturating_add(f)),
            };
            !s.fired.contains(&which) && deadline.is_some_and(|d| d <= now)
        };
        for which in [RunTimeout::Pipeline, RunTimeout::Tasks, RunTimeout::Finally] {
            if !due(which, self) {
                continue;
            }
            self.fired.push(which);
            let relevant = match which {
                RunTimeout::Pipeline => !self.is_done(),
                RunTimeout::Tasks => !self.dag_done(),
                RunTimeout::Finally => (self.n_dag..self.tasks.len())
                    .any(|i| self.tasks.get(i).is_some_and(|t| !t.done())),
            };
            if relevant {
                stop.extend(self.timeout(which));
            }
        }
        let own: Vec<InstanceId> = self
            .inst_deadlines
            .iter()
            .filter(|(_, d)| **d <= now)
            .map(|(id, _)| *id)
            .collect();
        for id in own {
            self.inst_deadlines.remove(&id);
            if self.inst_running(id) {
                self.timing_out.insert(id);
                stop.push(id);
            }
        }
        stop.sort();
        stop.dedup();
        stop
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

    fn cancel_running(
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

    /// Reports a run-level timeout. Returns the instances the host must stop.
    pub fn timeout(&mut self, which: RunTimeout) -> Vec<InstanceId> {
        match which {
            RunTimeout::Pipeline => {
                self.pipeline_timed_out = true;
                let ids = self.cancel_running(0..self.tasks.len(), InstPhase::CancelledByTimeout);
                for i in 0..self.tasks.len() {
                    let is_dag = i < self.n_dag;
                    let ready = if is_dag {
                        self.parents_done(i)
                    } else {
                        self.dag_done()
                    };
                    if self.tasks.get(i).is_some_and(|t| t.phase == Phase::Pending) && ready {
                        self.set_phase(i, Phase::Skipped(SkipReason::PipelineTimedOut));
                    }
                }
                ids
            }
            RunTimeout::Tasks => {
                self.tasks_timed_out = true;
                self.cancel_running(0..self.n_dag, InstPhase::CancelledByTimeout)
            }
            RunTimeout::Finally => {
                self.finally_timed_out = true;
                self.cancel_running(self.n_dag..self.tasks.len(), InstPhase::CancelledByTimeout)
            }
        }
    }

    /// True when no instance is running and nothing more can start.
    pub fn is_done(&self) -> bool {
        let running = self.tasks.iter().any(TaskRt::running);
        if self.spec_status == Some(SpecStatus::Cancelled)
            || self.pipeline_timed_out
            || self.failed_run.is_some()
        {
            return !running;
        }
        self.tasks.iter().all(TaskRt::done)
    }

    /// Fails the whole run with Tekton's condition `reason` and `message` (as the reconciler's
    /// `MarkFailed` does): nothing more starts, instances already running may still report
    /// their end, and [`condition`](Self::condition) is this one. The first failure stays.
    /// A host that resolves `taskRef`s calls it, for example, with `InvalidParamValue` when
    /// [`param_enum_violation`](crate::validate::param_enum_violation) finds a value outside
    /// the Task's `enum`.
    pub fn fail_run(&mut self, reason: &str, message: &str) {
        if self.failed_run.is_none() {
            self.failed_run = Some(Condition {
                status: ConditionStatus::False,
                reason: reason.to_string(),
                message: message.to_string(),
            });
        }
    }

    /// True when an instance is started and not finished.
    pub fn has_running(&self) -> bool {
        self.tasks.iter().any(TaskRt::running)
    }

    /// The status of one pipeline task by name.
    pub fn task_status(&self, name: &str) -> Option<TaskStatus> {
        self.index_of(name).and_then(|i| self.status_of(i))
    }

    fn status_of(&self, i: usize) -> Option<TaskStatus> {
        let t = self.tasks.get(i)?;
        let pt = self.pipeline_task(i)?;
        let state = if t.successful() {
            TaskState::Succeeded
        } else if t.cancelled() {
            TaskState::Cancelled
        } else if t.failure() {
            TaskState::Failed
        } else if t.skip().is_some() {
            TaskState::Skipped
        } else if t.running() {
            TaskState::Running
        } else {
            TaskState::NotRun
        };
        let reason = match &t.phase {
            Phase::Skipped(r) => r.as_str().to_string(),
            Phase::ValidationFailed(m) => m.clone(),
            _ => t.reason(),
        };
        Some(TaskStatus {
            name: pt.name.clone(),
            finally: i >= self.n_dag,
            state,
            reason,
            skip_reason: t.skip(),
            results: t.results.clone(),
            instances: t.insts.len(),
            attempts: t
                .insts
                .iter()
                .map(|x| x.attempt + u32::from(x.done() || x.phase == InstPhase::Running))
                .sum(),
        })
    }

    /// Every pipeline task's status: DAG tasks in spec order, then finally tasks.
    pub fn task_statuses(&self) -> Vec<TaskStatus> {
        (0..self.tasks.len())
            .filter_map(|i| self.status_of(i))
            .collect()
    }

    /// The PipelineRun's `Succeeded` condition, as Tekton computes it.
    pub fn condition(&self) -> Condition {
        if let Some(c) = &self.failed_run {
            return c.clone();
        }
        let name = &self.ctx.name;
        if self.pipeline_timed_out {
            let t = self
                .ctx
                .timeouts
                .pipeline
                .clone()
                .unwrap_or_else(|| "1h0m0s".into());
            return Condition {
                status: ConditionStatus::False,
                reason: "PipelineRunTimeout".into(),
                message: format!("PipelineRun {name:?} failed to finish within {t:?}"),
            };
        }
        if self.spec_status == Some(SpecStatus::Cancelled) {
            return Condition {
                status: ConditionStatus::False,
                reason: "Cancelled".into(),
                message: format!("PipelineRun {name:?} was cancelled"),
            };
        }
        let has_finally = self.tasks.len() > self.n_dag;
        if self.tasks_timed_out && (!has_finally || self.finally_done()) {
            let t = self.ctx.timeouts.tasks.clone().unwrap_or_default();
            return Condition {
                status: ConditionStatus::False,
                reason: "PipelineRunTimeout".into(),
                message: format!(
                    "PipelineRun {name:?} failed due to tasks failed to finish within {t:?}"
                ),
            };
        }
        let (mut succeeded, mut failed, mut ignored, mut cancelled, mut skipped) = (0, 0, 0, 0, 0);
        let (mut incomplete, mut skipped_timeout, mut validation) = (0, 0, Vec::new());
        for (i, t) in self.tasks.iter().enumerate() {
            let continues = self
                .pipeline_task(i)
                .is_some_and(PipelineTask::continues_on_error);
            if t.successful() {
                succeeded += 1;
            } else if t.cancelled_for_timeout() {
                failed += 1;
            } else if t.cancelled() {
                cancelled += 1;
            } else if t.failure() {
                if continues { ignored += 1 } else { failed += 1 }
            } else if let Phase::ValidationFailed(m) = &t.phase {
                validation.push(m.clone());
            } else if let Some(r) = t.skip() {
                skipped += 1;
                if r.is_timeout() {
                    skipped_timeout += 1;
                }
            } else {
                incomplete += 1;
            }
        }
        let completed = succeeded + failed + cancelled + ignored;
        let total_failed = failed + ignored;
        if incomplete == 0 {
            let mut status = ConditionStatus::True;
            let mut reason = if skipped > 0 {
                "Completed"
            } else {
                "Succeeded"
            };
            let mut message = if ignored > 0 {
                format!(
                    "Tasks Completed: {completed} (Failed: {total_failed} (Ignored: {ignored}), Cancelled {cancelled}), Skipped: {skipped}"
                )
            } else {
                format!(
                    "Tasks Completed: {completed} (Failed: {total_failed}, Cancelled {cancelled}), Skipped: {skipped}"
                )
            };
            if !validation.is_empty() {
                message.push_str(&format!(
                    ", Failed Validation: {} ({})",
                    validation.len(),
                    validation.join("; ")
                ));
            }
            if !validation.is_empty() {
                reason = "PipelineValidationFailed";
                status = ConditionStatus::False;
            } else if failed > 0 || skipped_timeout > 0 {
                reason = "Failed";
                status = ConditionStatus::False;
            } else if matches!(
                self.spec_status,
                Some(SpecStatus::CancelledRunFinally | SpecStatus::StoppedRunFinally)
            ) {
                reason = "Cancelled";
                status = ConditionStatus::False;
                message = format!("PipelineRun {name:?} was cancelled");
            } else if cancelled > 0 {
                reason = "Cancelled";
                status = ConditionStatus::False;
            }
            return Condition {
                status,
                reason: reason.into(),
                message,
            };
        }
        let reason = if self.tasks_timed_out && has_finally && !self.finally_done() {
            "PipelineRunTimeoutRunningFinally"
        } else if self.spec_status == Some(SpecStatus::CancelledRunFinally) {
            "CancelledRunningFinally"
        } else if self.spec_status == Some(SpecStatus::StoppedRunFinally) {
            "StoppedRunningFinally"
        } else if cancelled > 0 || (failed > 0 && self.finally_done()) {
            "PipelineRunStopping"
        } else {
            "Running"
        };
        Condition {
            status: ConditionStatus::Unknown,
            reason: reason.into(),
            message: format!(
                "Tasks Completed: {completed} (Failed: {failed}, Cancelled {cancelled}), Incomplete: {incomplete}, Skipped: {skipped}"
            ),
        }
    }

    /// The Pipeline's `results`, resolved from task results (unresolvable ones are left out,
    /// and so are those past `limits.max_task_bytes` in all).
    pub fn pipeline_results(&self) -> BTreeMap<String, ParamValue> {
        let lookup = self.lookup(None, true);
        let mut out = BTreeMap::new();
        // The results go into the PipelineRun's status: one object's worth at most.
        let mut budget = Budget::new(self.limits.max_task_bytes);
        for r in &self.spec.results {
            if let ParamValue::String(s) = &r.value
                && !references(s).all(|x| crate::substitute::resolves(x.expr, &lookup))
            {
                continue;
            }
            let Ok(v) = resolve_value_within(&r.value, &lookup, &mut budget) else {
                continue;
            };
            let v = match (r.result_type, v) {
                (Some(ParamType::Array), ParamValue::String(s)) => ParamValue::Array(vec![s]),
                (_, v) => v,
            };
            out.insert(r.name.clone(), v);
        }
        out
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

    fn spec(json: &str) -> PipelineSpec {
        serde_json::from_str(json).unwrap()
    }

    fn state(json: &str) -> PipelineRunState {
        PipelineRunState::new(&spec(json), RunContext::named("r", "p")).unwrap()
    }

    #[test]
    fn retries_come_back_with_a_higher_attempt() {
        let mut run = state(r#"{"tasks":[{"name":"a","taskRef":{"name":"t"},"retries":2}]}"#);
        let first = run.next();
        run.failed(first[0].id).unwrap();
        let second = run.next();
        assert_eq!(second[0].attempt, 1);
        run.timed_out(second[0].id).unwrap();
        let third = run.next();
        assert_eq!(third[0].attempt, 2);
        run.succeeded(third[0].id, BTreeMap::new()).unwrap();
        assert!(run.next().is_empty() && run.is_done());
        assert_eq!(run.condition().reason, "Succeeded");
        assert_eq!(run.task_status("a").unwrap().attempts, 3);
    }

    #[test]
    fn on_error_continue_does_not_stop_the_run() {
        let mut run = state(
            r#"{"tasks":[{"name":"a","taskRef":{"name":"t"},"onError":"continue"},{"name":"b","taskRef":{"name":"t"},"runAfter":["a"]}]}"#,
        );
        let a = run.next();
        run.failed(a[0].id).unwrap();
        let b = run.next();
        assert_eq!(b[0].pipeline_task, "b");
        run.succeeded(b[0].id, BTreeMap::new()).unwrap();
        let c = run.condition();
        assert_eq!(
            (c.status, c.reason.as_str()),
            (ConditionStatus::True, "Succeeded")
        );
        assert_eq!(
            c.message,
            "Tasks Completed: 2 (Failed: 1 (Ignored: 1), Cancelled 0), Skipped: 0"
        );
    }

    #[test]
    fn a_missing_result_of_a_succeeded_task_fails_validation() {
        let mut run = state(
            r#"{"tasks":[{"name":"a","taskRef":{"name":"t"}},{"name":"b","taskRef":{"name":"t"},"params":[{"name":"p","value":"$(tasks.a.results.r)"}]}]}"#,
        );
        let a = run.next();
        run.succeeded(a[0].id, BTreeMap::new()).unwrap();
        assert!(run.next().is_empty());
        let c = run.condition();
        assert_eq!(c.reason, "PipelineValidationFailed");
        assert!(
            c.message.contains("did not emit the result \"r\""),
            "{}",
            c.message
        );
    }

    #[test]
    fn when_skips_stay_scoped_to_the_task() {
        let mut run = state(
            r#"{"tasks":[{"name":"a","taskRef":{"name":"t"},"when":[{"input":"x","operator":"in","values":["y"]}]},{"name":"b","taskRef":{"name":"t"},"runAfter":["a"]},{"name":"c","taskRef":{"name":"t"},"params":[{"name":"p","value":"$(tasks.a.results.r)"}]}]}"#,
        );
        let ready = run.next();
        assert_eq!(ready.len(), 1);
        assert_eq!(ready[0].pipeline_task, "b");
        assert_eq!(
            run.task_status("c").unwrap().skip_reason,
            Some(SkipReason::MissingResults)
        );
    }

    #[test]
    fn cancellation_and_timeouts() {
        let two = r#"{"tasks":[{"name":"a","taskRef":{"name":"t"}},{"name":"b","taskRef":{"name":"t"},"runAfter":["a"]}],"finally":[{"name":"f","taskRef":{"name":"t"}}]}"#;
        // Cancelled: running instances are stopped, nothing else runs.
        let mut run = state(two);
        let a = run.next();
        assert_eq!(run.cancel(SpecStatus::Cancelled), vec![a[0].id]);
        assert!(run.next().is_empty() && run.is_done());
        assert_eq!(run.condition().reason, "Cancelled");
        assert_eq!(run.task_status("b").unwrap().state, TaskState::NotRun);
        // CancelledRunFinally: finally still runs.
        let mut run = state(two);
        run.next();
        run.cancel(SpecStatus::CancelledRunFinally);
        let f = run.next();
        assert_eq!(f[0].pipeline_task, "f");
        // The cancelled instance counts as a failure, and Tekton checks "stopping" first.
        assert_eq!(
            run.task_status("b").unwrap().skip_reason,
            Some(SkipReason::Stopping)
        );
        run.succeeded(f[0].id, BTreeMap::new()).unwrap();
        assert_eq!(run.condition().reason, "Cancelled");
        // Pipeline timeout.
        let mut run = state(two);
        run.next();
        run.timeout(RunTimeout::Pipeline);
        assert!(run.is_done());
        assert_eq!(run.condition().reason, "PipelineRunTimeout");
        // Tasks timeout: finally runs, then the run times out.
        let mut run = state(two);
        run.next();
        run.timeout(RunTimeout::Tasks);
        let f = run.next();
        assert_eq!(f[0].pipeline_task, "f");
        assert_eq!(run.condition().reason, "PipelineRunTimeoutRunningFinally");
        run.succeeded(f[0].id, BTreeMap::new()).unwrap();
        assert_eq!(run.condition().reason, "PipelineRunTimeout");
    }

    #[test]
    fn matrix_results_are_aggregated() {
        let mut run = state(
            r#"{"tasks":[{"name":"m","taskRef":{"name":"t"},"matrix":{"params":[{"name":"x","value":["1","2"]}]}},{"name":"n","taskRef":{"name":"t"},"params":[{"name":"all","value":"$(tasks.m.results.r[*])"}]}]}"#,
        );
        for inst in run.next() {
            let v = inst
                .params
                .iter()
                .find(|p| p.name == "x")
                .unwrap()
                .value
                .to_string();
            run.succeeded(
                inst.id,
                BTreeMap::from([("r".to_string(), ParamValue::String(format!("v{v}")))]),
            )
            .unwrap();
        }
        let n = run.next();
        assert_eq!(
            n[0].params[0].value,
            ParamValue::Array(vec!["v1".into(), "v2".into()])
        );
    }

    #[test]
    fn run_parameters_are_checked() {
        let s = spec(
            r#"{"params":[{"name":"x"},{"name":"y","type":"array"}],"tasks":[{"name":"a","taskRef":{"name":"t"}}]}"#,
        );
        let err = PipelineRunState::new(&s, RunContext::named("r", "p")).unwrap_err();
        assert!(
            matches!(&err, Error::RunRejected { reason, .. } if reason == "ParameterMissing"),
            "{err}"
        );
        let mut ctx = RunContext::named("r", "p");
        ctx.params = vec![
            Param {
                name: "x".into(),
                value: ParamValue::String("1".into()),
            },
            Param {
                name: "y".into(),
                value: ParamValue::String("1".into()),
            },
        ];
        let err = PipelineRunState::new(&s, ctx).unwrap_err();
        assert!(
            matches!(&err, Error::RunRejected { reason, .. } if reason == "ParameterTypeMismatch"),
            "{err}"
        );
    }
}
