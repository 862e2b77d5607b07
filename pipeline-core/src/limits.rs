//! Limits a run enforces on hostile or careless input: matrix fan-out and the bytes that
//! substitution may produce.
//!
//! Substituting `$(params.x)` copies the value into every place that references it, so a
//! small Pipeline can ask for gigabytes: a 7 MB default referenced by 300 tasks, a string of
//! 100,000 references to one parameter. Every substitution is therefore checked against a
//! budget *before* its output is allocated, and a run that would exceed one fails with a
//! message naming the pipeline, the task, the field, the reference and the limit.
//!
//! The defaults follow what a cluster would accept: each task instance becomes a TaskRun,
//! an object that must fit in one etcd request (1.5 MiB by default), and Tekton's
//! `default-max-matrix-combinations-count` is 256.
//!
//! ```
//! use pipeline_core::{Limits, PipelineRunState, PipelineSpec, RunContext};
//! use pipeline_core::simulate::{simulate, SimOutcome};
//! let spec: PipelineSpec = serde_json::from_str(r#"{
//!   "params": [{"name": "x", "default": "0123456789"}],
//!   "tasks": [{"name": "a", "taskRef": {"name": "t"},
//!              "params": [{"name": "p", "value": "$(params.x)$(params.x)"}]}]
//! }"#).unwrap();
//! let limits = Limits::default().max_task_bytes(16);
//! let run = PipelineRunState::with_limits(spec, RunContext::named("r", "demo"), limits).unwrap();
//! let sim = simulate(run, None, |_| Some(SimOutcome::succeeded()));
//! let c = sim.state.condition();
//! assert_eq!(c.reason, "PipelineValidationFailed");
//! assert!(c.message.contains("over the limit of 16 bytes per task"), "{}", c.message);
//! ```

/// Tekton's default for `default-max-matrix-combinations-count`.
pub const DEFAULT_MAX_MATRIX_COMBINATIONS: usize = 256;

/// Default budget for one task instance's resolved spec: 1.5 MiB, etcd's default
/// `--max-request-bytes`, the largest TaskRun a cluster stores.
pub const DEFAULT_MAX_TASK_BYTES: usize = 3 * 512 * 1024;

/// Default budget for the resolved specs of a whole run, all instances together: 64 MiB.
pub const DEFAULT_MAX_RUN_BYTES: usize = 64 * 1024 * 1024;

/// The limits of one run. [`Limits::default`] gives the documented defaults; the setters
/// change one each (`Limits::default().enable_cel_in_when(true)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Most combinations one matrix may produce (Tekton's
    /// `default-max-matrix-combinations-count`; default
    /// [`DEFAULT_MAX_MATRIX_COMBINATIONS`]). Over it the run fails with
    /// `PipelineValidationFailed`; combinations are counted before any is built.
    pub max_matrix_combinations: usize,
    /// Most bytes of one task instance's resolved spec: its parameters, its embedded task
    /// spec and its bindings after substitution (default [`DEFAULT_MAX_TASK_BYTES`]). Also
    /// bounds each `when` expression and the local executor's per-task substitution.
    pub max_task_bytes: usize,
    /// Most bytes of resolved specs over the whole run (default [`DEFAULT_MAX_RUN_BYTES`]),
    /// and of the run's parameter defaults once their references are resolved.
    pub max_run_bytes: usize,
    /// Tekton's `enable-cel-in-whenexpression` feature flag (off by default, as in Tekton):
    /// `when: [{cel: ...}]` validates and is evaluated ([`crate::cel_when`]) only when set.
    pub enable_cel_in_when: bool,
    /// Tekton's `enable-api-fields: alpha` (off by default: Tekton's default is `beta`):
    /// pipelines in pipelines (`pipelineRef`/`pipelineSpec` in a pipeline task) validate and
    /// run as child runs only when set.
    pub enable_alpha_api: bool,
}

impl Limits {
    /// Sets [`Limits::max_matrix_combinations`].
    #[must_use]
    pub fn max_matrix_combinations(mut self, n: usize) -> Self {
        self.max_matrix_combinations = n;
        self
    }

    /// Sets [`Limits::max_task_bytes`].
    #[must_use]
    pub fn max_task_bytes(mut self, n: usize) -> Self {
        self.max_task_bytes = n;
        self
    }

    /// Sets [`Limits::max_run_bytes`].
    #[must_use]
    pub fn max_run_bytes(mut self, n: usize) -> Self {
        self.max_run_bytes = n;
        self
    }

    /// Sets [`Limits::enable_cel_in_when`].
    #[must_use]
    pub fn enable_cel_in_when(mut self, on: bool) -> Self {
        self.enable_cel_in_when = on;
        self
    }

    /// Sets [`Limits::enable_alpha_api`].
    #[must_use]
    pub fn enable_alpha_api(mut self, on: bool) -> Self {
        self.enable_alpha_api = on;
        self
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_matrix_combinations: DEFAULT_MAX_MATRIX_COMBINATIONS,
            max_task_bytes: DEFAULT_MAX_TASK_BYTES,
            max_run_bytes: DEFAULT_MAX_RUN_BYTES,
            enable_cel_in_when: false,
            enable_alpha_api: false,
        }
    }
}
