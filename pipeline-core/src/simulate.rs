//! A simulated executor: drive a [`PipelineRunState`] with outcomes decided up front, in
//! batches (every instance started together finishes together before the next batch starts).
//! Used by the `pipeline` example's `simulate` command, the tests and the benchmark.
//!
//! ```
//! use pipeline_core::{PipelineSpec, RunContext, PipelineRunState};
//! use pipeline_core::simulate::{simulate, SimOutcome};
//! let spec: PipelineSpec = serde_json::from_str(r#"{"tasks": [
//!   {"name": "a", "taskRef": {"name": "t"}},
//!   {"name": "b", "taskRef": {"name": "t"}, "runAfter": ["a"]},
//!   {"name": "c", "taskRef": {"name": "t"}}
//! ]}"#).unwrap();
//! let run = PipelineRunState::new(&spec, RunContext::named("r", "p")).unwrap();
//! let sim = simulate(run, None, |_| Some(SimOutcome::succeeded()));
//! assert_eq!(sim.batches, vec![vec!["a", "c"], vec!["b"]]);
//! assert_eq!(sim.state.condition().reason, "Succeeded");
//! ```

use std::collections::BTreeMap;

use crate::dag::task_strings;
use crate::model::{ParamType, ParamValue, PipelineSpec, TaskSpec};
use crate::run::{PipelineRunState, SpecStatus, TaskInstance};
use crate::substitute::{Selector, Var, parse, references};

/// How a simulated instance ends.
#[derive(Debug, Clone, PartialEq)]
pub enum SimOutcome {
    /// Success with these results.
    Succeeded(BTreeMap<String, ParamValue>),
    /// Failure.
    Failed,
    /// Cancelled.
    Cancelled,
}

impl SimOutcome {
    /// Success without results.
    pub fn succeeded() -> Self {
        SimOutcome::Succeeded(BTreeMap::new())
    }
}

/// A placeholder value for each result `task` declares, typed by the declaration, so that
/// the tasks and pipeline results that consume them resolve: a string
/// `sim:PIPELINE_TASK.RESULT`, an array of one such string, or an object with one such string
/// per declared key (`sim:PIPELINE_TASK.RESULT.KEY`).
///
/// ```
/// use pipeline_core::TaskSpec;
/// use pipeline_core::simulate::placeholder_results;
/// let task: TaskSpec = serde_json::from_str(
///     r#"{"results": [{"name": "digest"}, {"name": "tags", "type": "array"}]}"#,
/// ).unwrap();
/// let r = placeholder_results("build", &task);
/// assert_eq!(r["digest"].to_string(), "sim:build.digest");
/// assert_eq!(r["tags"].to_string(), r#"["sim:build.tags"]"#);
/// ```
pub fn placeholder_results(pipeline_task: &str, task: &TaskSpec) -> BTreeMap<String, ParamValue> {
    task.results
        .iter()
        .map(|r| {
            let base = format!("sim:{pipeline_task}.{}", r.name);
            let value = match r.effective_type() {
                ParamType::String => ParamValue::String(base),
                ParamType::Array => ParamValue::Array(vec![base]),
                ParamType::Object => ParamValue::Object(
                    r.properties
                        .keys()
                        .map(|k| (k.clone(), format!("{base}.{k}")))
                        .collect(),
                ),
            };
            (r.name.clone(), value)
        })
        .collect()
}

/// Placeholders for the results of `pipeline_task` that `spec` references, for a task whose
/// Task is not known (a `taskRef` to the cluster or a resolver): typed by use, an array for
/// `$(tasks.t.results.r[*])` or `[i]`, an object with the keys used for
/// `$(tasks.t.results.r.key)`, else a string; values as [`placeholder_results`].
///
/// ```
/// use pipeline_core::PipelineSpec;
/// use pipeline_core::simulate::referenced_placeholder_results;
/// let spec: PipelineSpec = serde_json::from_str(r#"{"tasks": [
///   {"name": "clone", "taskRef": {"name": "git-clone"}},
///   {"name": "build", "taskRef": {"name": "t"},
///    "params": [{"name": "rev", "value": "$(tasks.clone.results.commit)"}]}
/// ]}"#).unwrap();
/// let r = referenced_placeholder_results(&spec, "clone");
/// assert_eq!(r["commit"].to_string(), "sim:clone.commit");
/// ```
pub fn referenced_placeholder_results(
    spec: &PipelineSpec,
    pipeline_task: &str,
) -> BTreeMap<String, ParamValue> {
    let mut strings: Vec<&str> = spec
        .tasks
        .iter()
        .chain(&spec.finally)
        .flat_map(task_strings)
        .collect();
    for r in &spec.results {
        strings.extend(r.value.strings());
    }
    let mut out: BTreeMap<String, ParamValue> = BTreeMap::new();
    for s in strings.into_iter().filter(|s| s.contains("$(")) {
        for r in references(s) {
            let Var::TaskResult {
                task,
                result,
                selector,
            } = parse(r.expr)
            else {
                continue;
            };
            if task != pipeline_task {
                continue;
            }
            let base = format!("sim:{pipeline_task}.{result}");
            let entry = out
                .entry(result.to_string())
                .or_insert_with(|| ParamValue::String(base.clone()));
            match selector {
                Selector::Star | Selector::Index(_) => {
                    if !matches!(entry, ParamValue::Array(_)) {
                        *entry = ParamValue::Array(vec![base]);
                    }
                }
                Selector::Key(k) => {
                    if !matches!(entry, ParamValue::Object(_)) {
                        *entry = ParamValue::Object(BTreeMap::new());
                    }
                    if let ParamValue::Object(o) = entry {
                        o.insert(k.to_string(), format!("{base}.{k}"));
                    }
                }
                Selector::Whole => {}
            }
        }
    }
    out
}

/// What a simulation did.
#[derive(Debug, Clone)]
pub struct Simulation {
    /// Pipeline task names started together, each batch sorted and deduplicated.
    pub batches: Vec<Vec<String>>,
    /// Every instance started, in order (retries included).
    pub started: Vec<TaskInstance>,
    /// The final state.
    pub state: PipelineRunState,
}

/// Runs `state` to quiescence. `decide` gives each started instance's outcome; `None` means it
/// never finishes by itself. When nothing more can happen and `cancel_when_idle` is set, that
/// cancellation is applied once and the run continues (finally tasks may then start).
pub fn simulate(
    mut state: PipelineRunState,
    mut cancel_when_idle: Option<SpecStatus>,
    mut decide: impl FnMut(&TaskInstance) -> Option<SimOutcome>,
) -> Simulation {
    let mut batches = Vec::new();
    let mut started = Vec::new();
    loop {
        let ready = state.next();
        if ready.is_empty() {
            match cancel_when_idle.take() {
                Some(status) if !state.is_done() || state.has_running() => {
                    state.cancel(status);
                    continue;
                }
                _ => break,
            }
        }
        let mut names: Vec<String> = ready.iter().map(|i| i.pipeline_task.clone()).collect();
        names.sort();
        names.dedup();
        batches.push(names);
        for inst in ready {
            let outcome = decide(&inst);
            let id = inst.id;
            started.push(inst);
            // Ids come from `next`, so these calls cannot fail.
            let _ = match outcome {
                Some(SimOutcome::Succeeded(results)) => state.succeeded(id, results),
                Some(SimOutcome::Failed) => state.failed(id),
                Some(SimOutcome::Cancelled) => state.cancelled(id),
                None => Ok(()),
            };
        }
    }
    Simulation {
        batches,
        started,
        state,
    }
}
