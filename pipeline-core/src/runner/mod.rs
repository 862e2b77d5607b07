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
use crate::model::{ParamValue, Resources, StepActionSpec, TaskSpec};
use crate::run::{Condition, InstanceId, PipelineRunState, RunTimeout, TaskInstance, TaskState};
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
}

impl TaskCatalogue for Resources {
    fn task(&self, name: &str) -> Option<TaskSpec> {
        Resources::task(self, name).map(|t| t.spec.clone())
    }

    fn step_action(&self, name: &str) -> Option<StepActionSpec> {
        Resources::step_action(self, name).map(|s| s.spec.clone())
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

/// One pipeline task in a finished run.
#[derive(Debug, Clone, PartialEq)]
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
    /// Wall time from the first instance's start to the last instance's end.
    pub duration: Option<Duration>,
    /// Instances (matrix combinations).
    pub instances: usize,
    /// Attempts (retries included).
    pub attempts: u32,
    /// Executor failure messages, if any.
    pub messages: Vec<String>,
}

/// A finished run, ready to print like `tkn pipelinerun describe`.
#[derive(Debug, Clone, PartialEq)]
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
    pub duration: Duration,
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
    parallelism: usize,
    pipeline_timeout: Option<Duration>,
    tasks_timeout: Option<Duration>,
    finally_timeout: Option<Duration>,
}

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

    /// The next run-level deadline still to fire, as (which, time left).
    fn next_deadline(
        &self,
        start: Instant,
        finally_start: Option<Instant>,
        fired: &[RunTimeout],
    ) -> Option<(RunTimeout, Duration)> {
        let now = Instant::now();
        let left = |from: Instant, t: Duration| (from + t).saturating_duration_since(now);
        [
            (
                RunTimeout::Pipeline,
                self.pipeline_timeout.map(|t| left(start, t)),
            ),
            (
                RunTimeout::Tasks,
                self.tasks_timeout.map(|t| left(start, t)),
            ),
            (
                RunTimeout::Finally,
                self.finally_timeout
                    .zip(finally_start)
                    .map(|(t, f)| left(f, t)),
            ),
        ]
        .into_iter()
        .filter(|(which, _)| !fired.contains(which))
        .filter_map(|(which, d)| d.map(|d| (which, d)))
        .min_by_key(|(_, d)| *d)
    }

    fn job(
        &self,
        state: &PipelineRunState,
        inst: TaskInstance,
        info: &RunInfo,
    ) -> Result<TaskJob, String> {
        let task = match (&inst.task_spec, &inst.task_ref) {
            (Some(spec), _) => TaskSpec::clone(spec),
            (None, Some(r)) => self.catalogue.task(&r.name).ok_or_else(|| {
                format!(
                    "task {:?}: Task {:?} not found in the catalogue",
                    inst.pipeline_task, r.name
                )
            })?,
            (None, None) => {
                return Err(format!(
                    "task {:?} has neither taskRef nor taskSpec",
                    inst.pipeline_task
                ));
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
                return Err(e.to_string());
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
        let mut finally_start: Option<Instant> = None;
        let mut fired: Vec<RunTimeout> = Vec::new();
        let mut running_finally: std::collections::HashSet<InstanceId> = Default::default();
        std::thread::scope(|scope| -> Result<(), Error> {
            loop {
                queue.extend(state.next());
                while running.len() < self.parallelism {
                    let Some(inst) = queue.pop_front() else { break };
                    let id = inst.id;
                    match self.job(&state, inst, &info) {
                        Err(msg) => {
                            messages.entry(id.task()).or_default().push(msg);
                            state.failed(id)?;
                            queue.extend(state.next());
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
                            state.started(id)?;
                            if job.instance.finally {
                                finally_start.get_or_insert_with(Instant::now);
                                running_finally.insert(id);
                            }
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
                let deadline = self.next_deadline(start, finally_start, &fired);
                let wait = deadline.map_or(Duration::from_secs(3600), |(_, d)| d);
                match rx.recv_timeout(wait) {
                    Ok(done) => {
                        running.remove(&done.id);
                        running_finally.remove(&done.id);
                        let span = times
                            .entry(done.id.task())
                            .or_insert((done.started, done.ended));
                        span.0 = span.0.min(done.started);
                        span.1 = span.1.max(done.ended);
                        let id = done.id;
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
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        let Some((which, _)) = deadline else { continue };
                        fired.push(which);
                        // A tasks or finally timeout only matters while such tasks run.
                        let relevant = match which {
                            RunTimeout::Pipeline => true,
                            RunTimeout::Tasks => {
                                running.keys().any(|id| !running_finally.contains(id))
                            }
                            RunTimeout::Finally => !running_finally.is_empty(),
                        };
                        if !relevant {
                            continue;
                        }
                        if which == RunTimeout::Pipeline {
                            queue.clear();
                        }
                        let stopped = state.timeout(which);
                        // Queued instances never start; they count as stopped already.
                        queue.retain(|i| !stopped.contains(&i.id));
                        for id in stopped {
                            if let Some(flag) = running.get(&id) {
                                flag.store(true, Ordering::Relaxed);
                            }
                        }
                    }
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
