//! The PipelineRun state machine: feed it events, ask it what is ready.
//!
//! [`PipelineRunState`] holds no clock and no threads. The host calls [`PipelineRunState::next`]
//! for the task instances that may start now (a matrixed task fans out into several), reports
//! what happened to each ([`PipelineRunState::succeeded`], [`failed`](PipelineRunState::failed),
//! [`timed_out`](PipelineRunState::timed_out), [`cancelled`](PipelineRunState::cancelled)),
//! reports run-level timeouts and cancellation as events, and reads the final
//! [`Condition`] once [`PipelineRunState::is_done`].
//!
//! The rules have a file each: `state` (building the run, what is ready next, the events),
//! `skip` (why a ready task is skipped: one function for DAG and finally tasks), `status`
//! (task states and the `Succeeded` condition) and `timeouts` (run-level and per-task
//! timeouts and deadlines).
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

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::dag::Dag;
use crate::limits::Limits;
use crate::model::{
    Param, ParamValue, PipelineRun, PipelineSpec, TaskRef, TaskSpec, TimeoutFields,
    WorkspacePipelineTaskBinding,
};

mod skip;
mod state;
mod status;
mod timeouts;

pub use skip::SkipReason;
pub(crate) use state::substitute_params;
pub use status::{TaskState, TaskStatus};
pub use timeouts::{RunTimeout, RunTimeouts};

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

/// The PipelineRun's `Succeeded` condition is kube-object's [`Condition`] (Tekton's
/// `apis.Condition` has the same fields): type `Succeeded`, a reason (`Succeeded`, `Completed`,
/// `Failed`, `Cancelled`, `PipelineRunTimeout`, ...) and a message
/// (`Tasks Completed: 2 (Failed: 0, Cancelled 0), Skipped: 0`).
pub use kube_object::{Condition, ConditionStatus};

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

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
mod tests {
    use super::*;
    use crate::error::Error;

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
