//! The adapter side: a [`TaskExecutor`] trait, a [`Runner`] that drives a
//! [`PipelineRunState`] with bounded parallelism on std threads, and [`LocalExecutor`].
//!
//! The runner measures durations and enforces timeouts (the core keeps no clock); everything
//! else is decided by the state machine.

mod confine;
mod duration;
#[cfg(feature = "kube")]
pub mod kube;
mod local;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub use duration::parse_duration;
#[cfg(feature = "kube")]
pub use kube::{KubePodExecutor, WorkspaceVolume};
pub use local::LocalExecutor;

use crate::error::Error;
use crate::model::{ParamValue, PipelineSpec, Resources, StepActionSpec, TaskSpec};
use crate::resolve::{ResolutionRequest, Resolvers, reference_label};
use crate::run::{
    Condition, ConditionStatus, InstanceId, PipelineRunState, RunContext, SpecStatus, TaskInstance,
    TaskState,
};
use crate::validate::param_enum_violation;

/// Resolves `taskRef` names to Task specs (the host's catalogue).
pub trait TaskCatalogue: Send + Sync {
    /// The Task named `name`, if known.
    fn task(&self, name: &str) -> Option<TaskSpec>;

    /// The StepAction named `name`, if known (steps with `ref: {name: ...}`). None by
    /// default.
    fn step_action(&self, _name: &str) -> Option<StepActionSpec> {
        None
    }

    /// The Pipeline named `name`, if known (a child `pipelineRef: {name: ...}`). None by
    /// default.
    fn pipeline(&self, _name: &str) -> Option<PipelineSpec> {
        None
    }
}

impl TaskCatalogue for Resources {
    fn task(&self, name: &str) -> Option<TaskSpec> {
        Resources::task(self, name).map(|t| t.spec.clone())
    }

    fn step_action(&self, name: &str) -> Option<StepActionSpec> {
        Resources::step_action(self, name).map(|s| s.spec.clone())
    }

    fn pipeline(&self, name: &str) -> Option<PipelineSpec> {
        Resources::pipeline(self, name).map(|p| p.spec.clone())
    }
}

impl TaskCatalogue for BTreeMap<String, TaskSpec> {
    fn task(&self, name: &str) -> Option<TaskSpec> {
        self.get(name).cloned()
    }
}

impl TaskCatalogue for HashMap<String, TaskSpec> {
    fn task(&self, name: &str) -> Option<TaskSpec> {
        self.get(name).cloned()
    }
}

/// Receives step log lines.
pub trait LogSink: Send + Sync {
    /// One line of output of `step` of task instance `task`.
    fn line(&self, task: &str, step: &str, line: &str);
}

/// A [`LogSink`] that prints `[task : step] line` to stdout. A failed write (a closed pipe,
/// as under `| head`) drops the line instead of panicking.
#[derive(Debug, Clone, Copy, Default)]
pub struct StdoutLogs;

impl LogSink for StdoutLogs {
    fn line(&self, task: &str, step: &str, line: &str) {
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), "[{task} : {step}] {line}");
    }
}

/// A [`LogSink`] that drops everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoLogs;

impl LogSink for NoLogs {
    fn line(&self, _task: &str, _step: &str, _line: &str) {}
}

/// Names of the PipelineRun, for executors.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunInfo {
    /// PipelineRun name.
    pub name: String,
    /// Namespace.
    pub namespace: String,
    /// UID.
    pub uid: String,
    /// Pipeline name.
    pub pipeline: String,
}

/// One instance to execute: the instance, its resolved Task, and a cancellation flag.
#[derive(Debug, Clone)]
pub struct TaskJob {
    /// The instance (parameters resolved at the pipeline level).
    pub instance: TaskInstance,
    /// The Task to run (from the catalogue or embedded).
    pub task: TaskSpec,
    /// The PipelineRun.
    pub run: RunInfo,
    /// Deadline derived from the task's `timeout`, measured from the job's start.
    pub timeout: Option<Duration>,
    /// Set when the runner wants the instance stopped (cancellation or run timeout).
    pub cancel: Arc<AtomicBool>,
}

impl TaskJob {
    /// True once cancellation was requested.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

/// How an execution ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecOutcome {
    /// Every step succeeded.
    Succeeded,
    /// A step failed (message says which and why).
    Failed(String),
    /// The task's own timeout passed.
    TimedOut,
    /// Stopped on request.
    Cancelled,
}

/// What an executor reports.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskExecution {
    /// Outcome.
    pub outcome: ExecOutcome,
    /// Results written (kept even on failure).
    pub results: BTreeMap<String, ParamValue>,
}

/// Runs one task instance. Called from worker threads.
pub trait TaskExecutor: Send + Sync {
    /// Executes `job`, streaming step output to `logs`.
    fn execute(&self, job: &TaskJob, logs: &dyn LogSink) -> TaskExecution;
}

/// One pipeline task in a finished run (serialized in camelCase, durations as seconds).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskOutcome {
    /// Pipeline task name.
    pub name: String,
    /// True for a `finally` task.
    pub finally: bool,
    /// State.
    pub state: TaskState,
    /// Reason (TaskRun reason or skip reason).
    pub reason: String,
    /// Results.
    pub results: BTreeMap<String, ParamValue>,
    /// When the first instance started, as an offset from the run's start.
    #[serde(rename = "startedSeconds", serialize_with = "optional_seconds")]
    pub started: Option<Duration>,
    /// Wall time from the first instance's start to the last instance's end.
    #[serde(rename = "durationSeconds", serialize_with = "optional_seconds")]
    pub duration: Option<Duration>,
    /// Instances (matrix combinations).
    pub instances: usize,
    /// Attempts (retries included).
    pub attempts: u32,
    /// Executor failure messages, if any.
    pub messages: Vec<String>,
}

/// A finished run, ready to print like `tkn pipelinerun describe` (serialized in camelCase,
/// durations as seconds).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PipelineRunOutcome {
    /// PipelineRun name.
    pub name: String,
    /// Pipeline name.
    pub pipeline: String,
    /// The `Succeeded` condition.
    pub condition: Condition,
    /// Per task, DAG tasks then finally tasks.
    pub tasks: Vec<TaskOutcome>,
    /// Pipeline results.
    pub results: BTreeMap<String, ParamValue>,
    /// Total wall time.
    #[serde(rename = "durationSeconds", serialize_with = "seconds")]
    pub duration: Duration,
}

fn seconds<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

fn optional_seconds<S: serde::Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_f64(d.as_secs_f64()),
        None => s.serialize_none(),
    }
}

impl PipelineRunOutcome {
    /// The outcome of a pipeline task by name.
    pub fn task(&self, name: &str) -> Option<&TaskOutcome> {
        self.tasks.iter().find(|t| t.name == name)
    }
}

/// Drives a [`PipelineRunState`] through a [`TaskExecutor`] with at most `parallelism`
/// instances at once.
pub struct Runner<'a> {
    executor: &'a dyn TaskExecutor,
    catalogue: &'a dyn TaskCatalogue,
    logs: &'a dyn LogSink,
    resolvers: Option<&'a Resolvers>,
    /// Set for a child run: stops it when its parent's instance is stopped.
    stop: Option<Arc<AtomicBool>>,
    /// How deep this run is in a chain of pipelines in pipelines.
    depth: usize,
    parallelism: usize,
    pipeline_timeout: Option<Duration>,
    tasks_timeout: Option<Duration>,
    finally_timeout: Option<Duration>,
}

/// Why a job could not be built.
enum JobError {
    /// The task fails (its Task is missing from the catalogue, its params are wrong ...).
    Task(String),
    /// A resolver could not give the Task: the run fails `CouldntGetTask`.
    CouldntGetTask(String),
}

impl From<String> for JobError {
    fn from(m: String) -> Self {
        JobError::Task(m)
    }
}

/// Deepest chain of pipelines in pipelines a run may start.
pub const MAX_CHILD_DEPTH: usize = 10;

struct Done {
    id: InstanceId,
    execution: TaskExecution,
    started: Instant,
    ended: Instant,
}

impl<'a> Runner<'a> {
    /// A runner with parallelism 4, logs dropped and no run timeout.
    pub fn new(executor: &'a dyn TaskExecutor, catalogue: &'a dyn TaskCatalogue) -> Self {
        Runner {
            executor,
            catalogue,
            logs: &NoLogs,
            resolvers: None,
            stop: None,
            depth: 0,
            parallelism: 4,
            pipeline_timeout: None,
            tasks_timeout: None,
            finally_timeout: None,
        }
    }

    /// At most `n` instances at once (at least 1).
    pub fn parallelism(mut self, n: usize) -> Self {
        self.parallelism = n.max(1);
        self
    }

    /// Where step logs go.
    pub fn logs(mut self, logs: &'a dyn LogSink) -> Self {
        self.logs = logs;
        self
    }

    /// Resolves `taskRef`s with a `resolver` (or a `bundle`) through `resolvers`, each
    /// distinct reference once (the cache lives in `resolvers`). Every reference whose params
    /// need no task result is resolved before the first task starts; a failure fails the run
    /// with Tekton's reason `CouldntGetTask`, naming the resolver and its params.
    pub fn resolvers(mut self, resolvers: &'a Resolvers) -> Self {
        self.resolvers = Some(resolvers);
        self
    }

    /// The whole run's timeout (`timeouts.pipeline`).
    pub fn pipeline_timeout(mut self, t: Option<Duration>) -> Self {
        self.pipeline_timeout = t;
        self
    }

    /// The DAG tasks' timeout (`timeouts.tasks`), from the run's start: when it passes with
    /// DAG tasks still running they are stopped and the run ends `PipelineRunTimeout` (after
    /// its finally tasks).
    pub fn tasks_timeout(mut self, t: Option<Duration>) -> Self {
        self.tasks_timeout = t;
        self
    }

    /// The finally tasks' timeout (`timeouts.finally`), from the start of the first finally
    /// task.
    pub fn finally_timeout(mut self, t: Option<Duration>) -> Self {
        self.finally_timeout = t;
        self
    }

    fn job(
        &self,
        state: &PipelineRunState,
        inst: TaskInstance,
        info: &RunInfo,
    ) -> Result<TaskJob, JobError> {
        let task = match (&inst.task_spec, &inst.task_ref) {
            (Some(spec), _) => TaskSpec::clone(spec),
            (None, Some(r)) => match ResolutionRequest::from_task_ref(r, &info.namespace) {
                Some(request) => self
                    .resolve_task(&request, &r.name, info)
                    .map_err(JobError::CouldntGetTask)?,
                None => self.catalogue.task(&r.name).ok_or_else(|| {
                    format!(
                        "task {:?}: Task {:?} not found in the catalogue",
                        inst.pipeline_task, r.name
                    )
                })?,
            },
            (None, None) => {
                return Err(JobError::Task(format!(
                    "task {:?} has neither taskRef nor taskSpec",
                    inst.pipeline_task
                )));
            }
        };
        let task = crate::step_action::resolve_step_actions(
            &task,
            |name| self.catalogue.step_action(name),
            state.limits().max_task_bytes,
        )
        .map_err(|e| format!("task {:?}: {e}", inst.pipeline_task))?;
        if let Some(pt) = state
            .spec()
            .tasks
            .iter()
            .chain(&state.spec().finally)
            .find(|t| t.name == inst.pipeline_task)
        {
            let errs = crate::validate::task_param_errors(&info.pipeline, pt, &task);
            if let Some(e) = errs.first() {
                return Err(JobError::Task(e.to_string()));
            }
        }
        let timeout = inst
            .timeout
            .as_deref()
            .and_then(|t| parse_duration(t).ok())
            .filter(|d| !d.is_zero());
        Ok(TaskJob {
            instance: inst,
            task,
            run: info.clone(),
            timeout,
            cancel: Arc::new(AtomicBool::new(false)),
        })
    }

    /// The child Pipeline of a pipeline task (pipelines in pipelines): inline, from the
    /// catalogue, or through a resolver; Err is Tekton's `CouldntGetPipeline` message.
    fn child_spec(
        &self,
        inst: &TaskInstance,
        info: &RunInfo,
    ) -> Result<(String, PipelineSpec), String> {
        let err = |e: String| {
            format!(
                "Pipeline {}/{} can't be Run; it contains child Pipelines that don't exist: {e}",
                info.namespace, info.pipeline
            )
        };
        if let Some(spec) = &inst.pipeline_spec {
            return Ok((inst.pipeline_task.clone(), PipelineSpec::clone(spec)));
        }
        let Some(r) = &inst.pipeline_ref else {
            return Err(err(format!(
                "task {:?} has no child Pipeline",
                inst.pipeline_task
            )));
        };
        match ResolutionRequest::from_pipeline_ref(r, &info.namespace) {
            Some(request) => {
                let resolvers = self.resolvers.ok_or_else(|| {
                    err(request
                        .error("no resolvers are configured for this run")
                        .to_string())
                })?;
                let p = resolvers.pipeline(&request).map_err(|e| {
                    err(format!(
                        "Couldn't retrieve Pipeline {:?}: {e}",
                        reference_label(&r.name, &request)
                    ))
                })?;
                Ok((p.name.clone(), p.spec.clone()))
            }
            None => self
                .catalogue
                .pipeline(&r.name)
                .map(|spec| (r.name.clone(), spec))
                .ok_or_else(|| err(format!("pipelines.tekton.dev {:?} not found", r.name))),
        }
    }

    /// Runs a child Pipeline as a child PipelineRun (named `<parent>-<task>`) with the
    /// instance's params and workspaces; its results become the pipeline task's.
    fn run_child(
        &self,
        name: &str,
        spec: PipelineSpec,
        inst: &TaskInstance,
        info: &RunInfo,
        limits: crate::limits::Limits,
        cancel: Arc<AtomicBool>,
    ) -> TaskExecution {
        let failed = |m: String| TaskExecution {
            outcome: ExecOutcome::Failed(m),
            results: BTreeMap::new(),
        };
        if self.depth >= MAX_CHILD_DEPTH {
            return failed(format!(
                "child Pipeline {name:?}: pipelines nest deeper than {MAX_CHILD_DEPTH}"
            ));
        }
        let run_name = format!("{}-{}", info.name, inst.display_name());
        let mut ctx = RunContext::named(&run_name, name);
        ctx.namespace = info.namespace.clone();
        ctx.params = inst.params.clone();
        ctx.workspaces = inst.workspaces.iter().map(|w| w.name.clone()).collect();
        let state = match PipelineRunState::with_limits(spec, ctx, limits) {
            Ok(s) => s,
            Err(e) => return failed(format!("child PipelineRun {run_name:?}: {e}")),
        };
        let child = Runner {
            stop: Some(cancel.clone()),
            depth: self.depth + 1,
            pipeline_timeout: None,
            tasks_timeout: None,
            finally_timeout: None,
            ..*self
        };
        let child_info = RunInfo {
            name: run_name.clone(),
            namespace: info.namespace.clone(),
            uid: String::new(),
            pipeline: name.to_string(),
        };
        match child.run(state, child_info) {
            Err(e) => failed(format!("child PipelineRun {run_name:?}: {e}")),
            Ok(_) if cancel.load(Ordering::Relaxed) => TaskExecution {
                outcome: ExecOutcome::Cancelled,
                results: BTreeMap::new(),
            },
            Ok(out) if out.condition.status == ConditionStatus::True => TaskExecution {
                outcome: ExecOutcome::Succeeded,
                results: out.results,
            },
            Ok(out) => TaskExecution {
                outcome: ExecOutcome::Failed(format!(
                    "child PipelineRun {run_name:?} failed: {}: {}",
                    out.condition.reason, out.condition.message
                )),
                results: out.results,
            },
        }
    }

    /// The Task a resolver reference names, or Tekton's `CouldntGetTask` message.
    fn resolve_task(
        &self,
        request: &ResolutionRequest,
        name: &str,
        info: &RunInfo,
    ) -> Result<TaskSpec, String> {
        let err = |e: String| {
            format!(
                "Pipeline {}/{} can't be Run; it contains Tasks that don't exist: Couldn't retrieve Task {:?}: {e}",
                info.namespace,
                info.pipeline,
                reference_label(name, request)
            )
        };
        let resolvers = self.resolvers.ok_or_else(|| {
            err(request
                .error("no resolvers are configured for this run")
                .to_string())
        })?;
        resolvers
            .task(request)
            .map(|t| t.spec.clone())
            .map_err(|e| err(e.to_string()))
    }

    /// Resolves every `taskRef` of the run's Pipeline whose params are known before it starts
    /// (no `$(...)` left), as Tekton's reconciler does before creating any TaskRun.
    fn resolve_up_front(&self, state: &PipelineRunState, info: &RunInfo) -> Result<(), String> {
        let spec = state.spec();
        for pt in spec.tasks.iter().chain(&spec.finally) {
            let Some(r) = &pt.task_ref else { continue };
            let Some(mut request) = ResolutionRequest::from_task_ref(r, &info.namespace) else {
                continue;
            };
            request.params = crate::run::substitute_params(state, &request.params);
            let pending = request
                .params
                .iter()
                .any(|p| p.value.strings().iter().any(|s| s.contains("$(")));
            if !pending {
                self.resolve_task(&request, &r.name, info)?;
            }
        }
        Ok(())
    }

    /// Runs to the end and reports per-task outcomes.
    pub fn run(
        &self,
        mut state: PipelineRunState,
        info: RunInfo,
    ) -> Result<PipelineRunOutcome, Error> {
        let start = Instant::now();
        let mut queue: VecDeque<TaskInstance> = VecDeque::new();
        let mut running: HashMap<InstanceId, Arc<AtomicBool>> = HashMap::new();
        let mut times: BTreeMap<usize, (Instant, Instant)> = BTreeMap::new();
        let mut messages: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        let (tx, rx) = mpsc::channel::<Done>();
        let mut timeouts = state.timeouts();
        timeouts.pipeline = self.pipeline_timeout.or(timeouts.pipeline);
        timeouts.tasks = self.tasks_timeout.or(timeouts.tasks);
        timeouts.finally = self.finally_timeout.or(timeouts.finally);
        state.set_timeouts(timeouts);
        let mut stop_seen = false;
        if let Err(msg) = self.resolve_up_front(&state, &info) {
            state.fail_run("CouldntGetTask", &msg);
        }
        std::thread::scope(|scope| -> Result<(), Error> {
            loop {
                // Deadlines are the state machine's: it is told the time, and says what stops.
                let mut stopped = state.elapse(start.elapsed());
                if let Some(stop) = &self.stop
                    && stop.load(Ordering::Relaxed)
                    && !stop_seen
                {
                    // The parent stopped this child run.
                    stop_seen = true;
                    stopped.extend(state.cancel(SpecStatus::Cancelled));
                }
                queue.retain(|i| !stopped.contains(&i.id));
                for id in &stopped {
                    if let Some(flag) = running.get(id) {
                        flag.store(true, Ordering::Relaxed);
                    }
                }
                queue.extend(state.next());
                while running.len() < self.parallelism {
                    let Some(inst) = queue.pop_front() else { break };
                    let id = inst.id;
                    if inst.pipeline_ref.is_some() || inst.pipeline_spec.is_some() {
                        match self.child_spec(&inst, &info) {
                            Err(msg) => {
                                state.fail_run("CouldntGetPipeline", &msg);
                                messages.entry(id.task()).or_default().push(msg);
                                state.cancelled(id)?;
                                for queued in queue.drain(..) {
                                    state.cancelled(queued.id)?;
                                }
                            }
                            Ok((name, spec)) => {
                                state.elapse(start.elapsed());
                                state.started(id)?;
                                let cancel = Arc::new(AtomicBool::new(false));
                                running.insert(id, cancel.clone());
                                let tx = tx.clone();
                                let limits = *state.limits();
                                let info = info.clone();
                                let this = self;
                                scope.spawn(move || {
                                    let started = Instant::now();
                                    let execution =
                                        this.run_child(&name, spec, &inst, &info, limits, cancel);
                                    let _ = tx.send(Done {
                                        id: inst.id,
                                        execution,
                                        started,
                                        ended: Instant::now(),
                                    });
                                });
                            }
                        }
                        continue;
                    }
                    match self.job(&state, inst, &info) {
                        Err(JobError::Task(msg)) => {
                            messages.entry(id.task()).or_default().push(msg);
                            state.failed(id)?;
                            queue.extend(state.next());
                        }
                        Err(JobError::CouldntGetTask(msg)) => {
                            state.fail_run("CouldntGetTask", &msg);
                            messages.entry(id.task()).or_default().push(msg);
                            state.cancelled(id)?;
                            for queued in queue.drain(..) {
                                state.cancelled(queued.id)?;
                            }
                        }
                        Ok(job) => {
                            // A Task from the catalogue: its `enum`s are known only now.
                            let violation = job
                                .instance
                                .task_spec
                                .is_none()
                                .then(|| param_enum_violation(&job.instance.params, &job.task))
                                .flatten();
                            if let Some(m) = violation {
                                state.fail_run(
                                    "InvalidParamValue",
                                    &format!(
                                        "Invalid param value from PipelineTask {:?}: {m}",
                                        job.instance.pipeline_task
                                    ),
                                );
                                // Never created, as in Tekton; the queued ones neither.
                                state.cancelled(id)?;
                                for queued in queue.drain(..) {
                                    state.cancelled(queued.id)?;
                                }
                                continue;
                            }
                            state.elapse(start.elapsed());
                            state.started(id)?;
                            running.insert(id, job.cancel.clone());
                            let tx = tx.clone();
                            let executor = self.executor;
                            let logs = self.logs;
                            scope.spawn(move || {
                                let started = Instant::now();
                                let execution = executor.execute(&job, logs);
                                let _ = tx.send(Done {
                                    id: job.instance.id,
                                    execution,
                                    started,
                                    ended: Instant::now(),
                                });
                            });
                        }
                    }
                }
                if running.is_empty() && queue.is_empty() {
                    break;
                }
                let mut wait = state
                    .next_deadline()
                    .map_or(Duration::from_secs(3600), |d| {
                        d.saturating_sub(start.elapsed())
                    });
                if self.stop.is_some() {
                    // A child run looks at its parent's stop flag this often.
                    wait = wait.min(Duration::from_millis(50));
                }
                match rx.recv_timeout(wait) {
                    Ok(done) => {
                        running.remove(&done.id);
                        let span = times
                            .entry(done.id.task())
                            .or_insert((done.started, done.ended));
                        span.0 = span.0.min(done.started);
                        span.1 = span.1.max(done.ended);
                        let id = done.id;
                        state.elapse(start.elapsed());
                        match done.execution.outcome {
                            ExecOutcome::Succeeded => {
                                state.succeeded(id, done.execution.results)?
                            }
                            ExecOutcome::Failed(msg) => {
                                messages.entry(id.task()).or_default().push(msg);
                                state.failed_with_results(id, done.execution.results)?
                            }
                            ExecOutcome::TimedOut => state.timed_out(id)?,
                            ExecOutcome::Cancelled => state.cancelled(id)?,
                        }
                    }
                    // The deadline: the loop's top tells the state machine.
                    Err(mpsc::RecvTimeoutError::Timeout) => {}
                    Err(mpsc::RecvTimeoutError::Disconnected) => break,
                }
            }
            Ok(())
        })?;
        let tasks = state
            .task_statuses()
            .into_iter()
            .enumerate()
            .map(|(i, s)| TaskOutcome {
                started: times.get(&i).map(|(a, _)| a.duration_since(start)),
                duration: times.get(&i).map(|(a, b)| b.duration_since(*a)),
                messages: messages.remove(&i).unwrap_or_default(),
                name: s.name,
                finally: s.finally,
                state: s.state,
                reason: s.reason,
                results: s.results,
                instances: s.instances,
                attempts: s.attempts,
            })
            .collect();
        Ok(PipelineRunOutcome {
            name: info.name.clone(),
            pipeline: info.pipeline.clone(),
            condition: state.condition(),
            tasks,
            results: state.pipeline_results(),
            duration: start.elapsed(),
        })
    }
}
