//! # pipeline-core
//!
//! Tekton Pipelines semantics as a pure state machine, plus a thread-pool runner.
//!
//! - [`model`]: `Pipeline`, `Task`, `PipelineRun`, `TaskRun`, `StepAction`, `CustomRun`
//!   (`tekton.dev/v1` and `v1beta1` YAML, as is), multi-document loading with [`load`]: any
//!   stream, other kinds reported in [`Resources::skipped`].
//! - [`strict`]: unknown fields refused as a cluster refuses them (the CRDs' schemas, then
//!   Tekton's webhook inside embedded specs).
//! - [`validate`]: Tekton's validation rules and messages for each kind
//!   ([`validate::resource_errors`]), every error naming the object, task and field.
//! - [`substitute`]: `$(params.x)`, `$(params.x[*])`, `$(tasks.t.results.r)`,
//!   `$(context.pipelineRun.name)`, ... implemented once, with byte budgets.
//! - [`limits`]: [`Limits`] on what a run may produce: matrix combinations (Tekton's 256),
//!   bytes per resolved task (1.5 MiB, one etcd object) and per run (64 MiB).
//! - [`dag`]: the task graph (petgraph), cycles, candidates, levels.
//! - [`run`]: [`PipelineRunState`], the run state machine: `when` skips, failures and
//!   stopping, retries, timeouts and cancellation as events, matrix fan-out, `finally`,
//!   `$(tasks.status)`, and the final condition, as Tekton computes them. No clock, no I/O.
//! - [`step_action`]: steps that `ref` a StepAction, resolved as Tekton's reconciler does.
//! - [`resolve`]: `taskRef`/`pipelineRef` resolvers (`cluster`, `bundles` over OCI layouts,
//!   `git`, `http` and `hub` over host clients) behind a [`resolve::Resolver`] adapter, with
//!   Tekton's request/response shapes and a cache by reference.
//! - Pipelines in pipelines (`pipelineRef`/`pipelineSpec` in a pipeline task) behind
//!   [`Limits::enable_alpha_api`]: the [`Runner`] runs them as child runs whose results are
//!   the task's.
//! - [`runner`]: a [`TaskExecutor`] trait, a bounded-parallelism runner on std threads, and
//!   [`LocalExecutor`], which runs step scripts with `sh` in a work directory.
//!
//! - [`describe`]: `tkn pipelinerun describe`'s text for PipelineRun and TaskRun objects,
//!   and the objects of a finished local run ([`outcome_objects`]).
//!
//! - [`cel_when`]: CEL `when` expressions behind Tekton's `enable-cel-in-whenexpression` flag
//!   ([`Limits::enable_cel_in_when`]), with a cost bound.
//!
//! What it does not do: talk to Kubernetes or pull images.
//!
//! ```
//! use pipeline_core::{load, PipelineRunState, RunContext};
//! use pipeline_core::simulate::{simulate, SimOutcome};
//!
//! let yaml = r#"
//! apiVersion: tekton.dev/v1
//! kind: Pipeline
//! metadata: {name: build}
//! spec:
//!   params: [{name: branch, type: string, default: main}]
//!   tasks:
//!   - {name: clone, taskRef: {name: git-clone}}
//!   - name: test
//!     runAfter: [clone]
//!     taskRef: {name: run-tests}
//!   - name: deploy
//!     runAfter: [test]
//!     taskRef: {name: deploy}
//!     when: [{input: $(params.branch), operator: in, values: [release]}]
//! "#;
//! let resources = load("pipeline.yaml", yaml).unwrap();
//! let pipeline = &resources.pipelines[0];
//! let run = PipelineRunState::new(&pipeline.spec, RunContext::named("build-1", "build")).unwrap();
//! let sim = simulate(run, None, |_| Some(SimOutcome::succeeded()));
//! let deploy = sim.state.task_status("deploy").unwrap();
//! assert_eq!(deploy.reason, "When Expressions evaluated to false");
//! assert_eq!(sim.state.condition().reason, "Completed");
//! ```

pub mod cel_when;
pub mod dag;
pub mod describe;
pub mod error;
pub mod limits;
pub mod matrix;
pub mod model;
pub mod resolve;
pub mod run;
pub mod runner;
pub mod simulate;
pub mod step_action;
pub mod strict;
pub mod substitute;
pub mod validate;
pub mod when;

pub use describe::{DescribeError, describe_pipeline_run, outcome_objects};
pub use error::{Error, FieldError, FieldErrors, InvalidDuration, ObjectKind};
pub use limits::Limits;
pub use model::{
    CustomRun, Matrix, Param, ParamSpec, ParamType, ParamValue, Pipeline, PipelineRun,
    PipelineRunSpec, PipelineSpec, PipelineTask, PipelineTaskRunSpec, PipelineTaskRunTemplate,
    Resources, StepAction, StepActionSpec, Task, TaskRef, TaskRun, TaskSpec, load,
};
pub use run::{
    Condition, ConditionStatus, InstanceId, PipelineRunState, RunContext, RunTimeout, RunTimeouts,
    SkipReason, SpecStatus, TaskInstance, TaskState, TaskStatus,
};
pub use runner::{
    ExecOutcome, LocalExecutor, LogSink, NoLogs, PipelineRunOutcome, RunInfo, Runner, StdoutLogs,
    TaskCatalogue, TaskExecution, TaskExecutor, TaskJob, TaskOutcome,
};
