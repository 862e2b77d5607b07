//! StepActions: a step with `ref: {name: ...}` runs the referenced StepAction, as Tekton's
//! TaskRun reconciler resolves it before creating the pod: the StepAction's image, command,
//! args, script, env and working directory replace the step's, with `$(params.x)` of the
//! StepAction substituted from the step's `params` (else the StepAction's defaults). The
//! step keeps its own name, `onError`, timeout and `when`.
//!
//! ```
//! use pipeline_core::{StepActionSpec, TaskSpec};
//! use pipeline_core::step_action::resolve_step_actions;
//! let action: StepActionSpec = serde_json::from_str(
//!     r#"{"image": "alpine", "params": [{"name": "who", "default": "world"}],
//!        "script": "echo hello $(params.who)"}"#,
//! ).unwrap();
//! let task: TaskSpec = serde_json::from_str(
//!     r#"{"steps": [{"name": "greet", "ref": {"name": "hello"},
//!                    "params": [{"name": "who", "value": "tekton"}]}]}"#,
//! ).unwrap();
//! let resolved = resolve_step_actions(&task, |n| (n == "hello").then(|| action.clone()), 1 << 20).unwrap();
//! assert_eq!(resolved.steps[0].script, "echo hello tekton");
//! assert_eq!(resolved.steps[0].image, "alpine");
//! ```

use std::collections::BTreeMap;

use crate::model::{EnvVar, ParamValue, StepActionSpec, TaskSpec};
use crate::substitute::{Budget, MapLookup, Overflow, substitute_list_within, substitute_within};

fn overflow(at: &str, action: &str, field: &str, o: &Overflow) -> String {
    format!("{at}: StepAction {action:?}: {field}: {o}")
}

/// `task` with every step that refers to a StepAction by name replaced by that StepAction
/// (found through `find`), its parameters substituted within `max_bytes`. A step whose
/// StepAction comes through a resolver, or is not found, or passes a parameter the
/// StepAction does not declare, or leaves one without a default unset, is an error naming
/// the step.
pub fn resolve_step_actions(
    task: &TaskSpec,
    find: impl Fn(&str) -> Option<StepActionSpec>,
    max_bytes: usize,
) -> Result<TaskSpec, StepActionError> {
    resolve(task, find, max_bytes).map_err(|message| StepActionError { message })
}

/// Why a step's StepAction could not be resolved; the message names the step
/// (`steps[0] ("greet"): StepAction "hello" not found`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
#[non_exhaustive]
pub struct StepActionError {
    /// What is wrong, starting with the step.
    pub message: String,
}

fn resolve(
    task: &TaskSpec,
    find: impl Fn(&str) -> Option<StepActionSpec>,
    max_bytes: usize,
) -> Result<TaskSpec, String> {
    if task.steps.iter().all(|s| s.step_ref.is_none()) {
        return Ok(task.clone());
    }
    let mut out = task.clone();
    let mut budget = Budget::new(max_bytes);
    for (i, step) in out.steps.iter_mut().enumerate() {
        let Some(r) = step.step_ref.take() else {
            continue;
        };
        let at = format!("steps[{i}] ({:?})", step.name);
        if !r.resolver.is_empty() {
            return Err(format!(
                "{at}: StepAction through the {} resolver: resolvers are not fetched here",
                r.resolver
            ));
        }
        let action =
            find(&r.name).ok_or_else(|| format!("{at}: StepAction {:?} not found", r.name))?;
        let mut params: BTreeMap<String, ParamValue> = BTreeMap::new();
        for p in &step.params {
            if !action.params.iter().any(|d| d.name == p.name) {
                return Err(format!(
                    "{at}: StepAction {:?} declares no parameter {:?}",
                    r.name, p.name
                ));
            }
            params.insert(p.name.clone(), p.value.clone());
        }
        let mut missing = Vec::new();
        for d in &action.params {
            if params.contains_key(&d.name) {
                continue;
            }
            match &d.default {
                Some(v) => {
                    params.insert(d.name.clone(), v.clone());
                }
                None => missing.push(d.name.clone()),
            }
        }
        if !missing.is_empty() {
            return Err(format!(
                "{at}: StepAction {:?} needs parameters {missing:?}",
                r.name
            ));
        }
        let lookup = MapLookup {
            params,
            ..MapLookup::default()
        };
        step.image = substitute_within(&action.image, &lookup, &mut budget)
            .map_err(|o| overflow(&at, &r.name, "image", &o))?;
        step.script = substitute_within(&action.script, &lookup, &mut budget)
            .map_err(|o| overflow(&at, &r.name, "script", &o))?;
        step.working_dir = substitute_within(&action.working_dir, &lookup, &mut budget)
            .map_err(|o| overflow(&at, &r.name, "workingDir", &o))?;
        step.command = substitute_list_within(&action.command, &lookup, &mut budget)
            .map_err(|o| overflow(&at, &r.name, "command", &o))?;
        step.args = substitute_list_within(&action.args, &lookup, &mut budget)
            .map_err(|o| overflow(&at, &r.name, "args", &o))?;
        let mut env = Vec::with_capacity(action.env.len());
        for e in &action.env {
            env.push(EnvVar {
                name: e.name.clone(),
                value: substitute_within(&e.value, &lookup, &mut budget)
                    .map_err(|o| overflow(&at, &r.name, "env", &o))?,
            });
        }
        step.env = env;
        step.results = action.results.clone();
        step.params = Vec::new();
    }
    Ok(out)
}
