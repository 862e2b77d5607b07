//! Tekton pipelines without a cluster: validate, simulate or run a Pipeline.
//!
//! ```text
//! pipeline validate FILE... [--case-sensitive]
//! pipeline simulate FILE... [--param K=V]... [--fail TASK]... [--result TASK.NAME=VALUE]... [--no-results]
//! pipeline run FILE... [--param K=V]... [--workdir DIR] [--parallel N]
//! ```
//!
//! FILE is a YAML stream of Tekton objects (`tekton.dev/v1` or `v1beta1`): Pipelines, Tasks,
//! PipelineRuns, TaskRuns, StepActions, CustomRuns; documents of other kinds (a PVC, a
//! Secret ...) are skipped with a note on stderr. `validate` checks every Tekton document of
//! every FILE by its kind and prints `valid` or one error per line (exit 1); references the
//! files do not resolve (a Task in the cluster, a resolver) are notes, not errors. Unknown
//! fields are errors; inside a `taskSpec` or `pipelineSpec`, a name in another letter case
//! (`mountpath`) is accepted and ignored as in Tekton, with a note; `--case-sensitive` makes
//! it an error.
//! `simulate` drives the run state machine with a simulated executor (every task succeeds
//! unless `--fail` names it, emitting a placeholder for each result its Task declares, or
//! that the Pipeline uses when the Task is not in the files, unless `--no-results`; `--result` sets one, read as its declared type) and prints one JSON object. `run` executes each step's script
//! with `sh` in a work directory, streaming `[task : step]` logs, and prints a summary.
//!
//! A thin wrapper over `gitops-toolkit pipeline` (the `cli` module), kept so the same arguments
//! work here; see `gitops-toolkit pipeline --help`.

fn main() -> std::process::ExitCode {
    let args = std::env::args_os().skip(1);
    gitops_toolkit::cli::main_from(
        ["gitops-toolkit".into(), "pipeline".into()]
            .into_iter()
            .chain(args),
    )
}
