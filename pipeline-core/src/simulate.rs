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

use crate::model::ParamValue;
use crate::run::{PipelineRunState, SpecStatus, TaskInstance};

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
