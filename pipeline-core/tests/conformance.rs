//! Conformance with Tekton Pipelines: every case of the `pipeline` area goes through the
//! public API (validation, DAG, matrix, and the run state machine driven by a simulation).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../../support/conformance.rs"]
mod conformance;

use std::collections::BTreeMap;

use pipeline_core::dag::Dag;
use pipeline_core::simulate::{SimOutcome, simulate};
use pipeline_core::validate::pipeline_errors;
use pipeline_core::{
    Error, FieldErrors, Param, ParamValue, PipelineRunState, PipelineSpec, RunContext, SpecStatus,
    TaskState, matrix,
};
use serde_json::{Map, Value, json};

/// Cases we believe are wrong, with a reason. Empty: every case passes.
const EXPECTED_TO_FAIL: &[(&str, &str)] = &[];

/// Sorts object keys recursively so maps compare regardless of order.
fn canonical(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let sorted: BTreeMap<&String, Value> =
                m.iter().map(|(k, v)| (k, canonical(v))).collect();
            Value::Object(sorted.into_iter().map(|(k, v)| (k.clone(), v)).collect())
        }
        Value::Array(a) => Value::Array(a.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

fn state_name(s: TaskState) -> &'static str {
    match s {
        TaskState::Succeeded => "succeeded",
        TaskState::Failed => "failed",
        TaskState::Cancelled => "cancelled",
        TaskState::Skipped => "skipped",
        TaskState::NotRun | TaskState::Running => "not-run",
    }
}

fn params_json(params: &[Param]) -> Value {
    Value::Object(
        params
            .iter()
            .map(|p| (p.name.clone(), p.value.to_json()))
            .collect(),
    )
}

fn run_context(run: &Value) -> RunContext {
    let mut ctx = RunContext::named(
        run.pointer("/pipelinerun/name")
            .and_then(Value::as_str)
            .unwrap_or("pipelinerun"),
        run.get("pipeline_name")
            .and_then(Value::as_str)
            .unwrap_or("pipeline"),
    );
    ctx.namespace = run
        .pointer("/pipelinerun/namespace")
        .and_then(Value::as_str)
        .unwrap_or("default")
        .to_string();
    if let Some(Value::Object(params)) = run.get("params") {
        ctx.params = params
            .iter()
            .map(|(k, v)| Param {
                name: k.clone(),
                value: ParamValue::from_json(v).unwrap(),
            })
            .collect();
    }
    ctx
}

fn check(case: &Value) -> conformance::Outcome {
    let spec: PipelineSpec =
        serde_json::from_value(case["pipeline"].clone()).map_err(|e| format!("parse: {e}"))?;
    let run = case.get("run").cloned().unwrap_or(Value::Null);
    let expected = case.get("expected").cloned().unwrap_or(Value::Null);
    let errors = FieldErrors(pipeline_errors("", &spec)).to_string();

    if let Some(want) = case["expected_error"].as_str() {
        let got = if let Some(done) = run.get("done") {
            let dag = Dag::from_tasks(&spec.tasks).map_err(|e| e.to_string())?;
            let done: Vec<&str> = done
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d.as_str().unwrap())
                .collect();
            match dag.candidates(&done) {
                Ok(c) => format!("no error; candidates {c:?}"),
                Err(e) => e.to_string(),
            }
        } else if !errors.is_empty() {
            errors
        } else {
            match PipelineRunState::new(&spec, run_context(&run)) {
                Ok(_) => "no error".to_string(),
                Err(e) => e.to_string(),
            }
        };
        return if got.contains(want) {
            Ok(())
        } else {
            Err(format!("want error containing {want:?}\ngot: {got}"))
        };
    }
    if !errors.is_empty() {
        return Err(format!("want valid, got:\n{errors}"));
    }
    let Value::Object(exp) = &expected else {
        return Ok(());
    };
    let mut actual = Map::new();
    let dag = Dag::from_tasks(&spec.tasks).map_err(|e| e.to_string())?;
    if let Some(Value::Object(deps)) = exp.get("deps") {
        actual.insert(
            "deps".into(),
            Value::Object(
                deps.keys()
                    .map(|k| (k.clone(), json!(dag.deps(k))))
                    .collect(),
            ),
        );
    }
    if exp.contains_key("levels") {
        actual.insert("levels".into(), json!(dag.levels()));
    }
    if exp.contains_key("candidates") {
        let done: Vec<&str> = run["done"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_str().unwrap())
            .collect();
        let c = dag.candidates(&done).map_err(|e| e.to_string())?;
        actual.insert("candidates".into(), json!(c));
    }
    let all_tasks = || spec.tasks.iter().chain(&spec.finally);
    if run.is_null() || run.get("done").is_some() {
        if let Some(Value::Object(counts)) = exp.get("matrix_count") {
            let got: Map<String, Value> = counts
                .keys()
                .map(|k| {
                    let t = all_tasks().find(|t| &t.name == k).unwrap();
                    (k.clone(), json!(matrix::count(t.matrix.as_ref().unwrap())))
                })
                .collect();
            actual.insert("matrix_count".into(), Value::Object(got));
        }
        if let Some(Value::Object(combos)) = exp.get("matrix_combinations") {
            let got: Map<String, Value> = combos
                .keys()
                .map(|k| {
                    let t = all_tasks().find(|t| &t.name == k).unwrap();
                    let list: Vec<Value> = matrix::fan_out(t.matrix.as_ref().unwrap())
                        .into_iter()
                        .map(|c| {
                            Value::Object(
                                c.into_iter().map(|(n, v)| (n, Value::String(v))).collect(),
                            )
                        })
                        .collect();
                    (k.clone(), Value::Array(list))
                })
                .collect();
            actual.insert("matrix_combinations".into(), Value::Object(got));
        }
    } else {
        let mut ctx = run_context(&run);
        let cancel = run
            .get("spec_status")
            .and_then(Value::as_str)
            .and_then(SpecStatus::parse);
        ctx.spec_status = None;
        match PipelineRunState::new(&spec, ctx) {
            Err(e) => {
                let reason = match &e {
                    Error::Invalid(_) => "PipelineValidationFailed".to_string(),
                    Error::RunRejected { reason, .. } => reason.clone(),
                    other => other.to_string(),
                };
                actual.insert("pipeline_status".into(), json!(reason));
                actual.insert("condition_status".into(), json!("False"));
            }
            Ok(state) => {
                let outcomes = run.get("outcomes").cloned().unwrap_or(Value::Null);
                let results = run.get("results").cloned().unwrap_or(Value::Null);
                let sim = simulate(state, cancel, |inst| {
                    match outcomes.get(&inst.pipeline_task).and_then(Value::as_str) {
                        Some("succeeded") => {
                            let r: BTreeMap<String, ParamValue> = results
                                .get(&inst.pipeline_task)
                                .and_then(Value::as_object)
                                .map(|m| {
                                    m.iter()
                                        .map(|(k, v)| {
                                            (k.clone(), ParamValue::from_json(v).unwrap())
                                        })
                                        .collect()
                                })
                                .unwrap_or_default();
                            Some(SimOutcome::Succeeded(r))
                        }
                        Some("failed") => Some(SimOutcome::Failed),
                        Some("cancelled") => Some(SimOutcome::Cancelled),
                        _ => None,
                    }
                });
                let st = &sim.state;
                let statuses = st.task_statuses();
                if exp.contains_key("statuses") {
                    actual.insert(
                        "statuses".into(),
                        Value::Object(
                            statuses
                                .iter()
                                .map(|s| (s.name.clone(), json!(state_name(s.state))))
                                .collect(),
                        ),
                    );
                }
                if exp.contains_key("skip_reasons") {
                    actual.insert(
                        "skip_reasons".into(),
                        Value::Object(
                            statuses
                                .iter()
                                .filter_map(|s| {
                                    s.skip_reason.map(|r| (s.name.clone(), json!(r.as_str())))
                                })
                                .collect(),
                        ),
                    );
                }
                let cond = st.condition();
                if exp.contains_key("pipeline_status") {
                    actual.insert("pipeline_status".into(), json!(cond.reason));
                }
                if exp.contains_key("condition_status") {
                    actual.insert("condition_status".into(), json!(cond.status.as_str()));
                }
                if exp.contains_key("message") {
                    actual.insert("message".into(), json!(cond.message));
                }
                if let Some(want) = exp.get("message_contains").and_then(Value::as_str) {
                    let got = if cond.message.contains(want) {
                        want.to_string()
                    } else {
                        cond.message.clone()
                    };
                    actual.insert("message_contains".into(), json!(got));
                }
                if exp.contains_key("aggregate_status") {
                    actual.insert("aggregate_status".into(), json!(st.aggregate_status()));
                }
                for key in ["finally_params", "resolved_params"] {
                    if let Some(Value::Object(want)) = exp.get(key) {
                        let got: Map<String, Value> = want
                            .keys()
                            .map(|k| {
                                let inst = sim.started.iter().find(|i| &i.pipeline_task == k);
                                (
                                    k.clone(),
                                    inst.map_or(Value::Null, |i| params_json(&i.params)),
                                )
                            })
                            .collect();
                        actual.insert(key.into(), Value::Object(got));
                    }
                }
                if let Some(Value::Object(want)) = exp.get("matrix_count") {
                    let got: Map<String, Value> = want
                        .keys()
                        .map(|k| {
                            (
                                k.clone(),
                                json!(
                                    sim.started
                                        .iter()
                                        .filter(|i| &i.pipeline_task == k && i.attempt == 0)
                                        .count()
                                ),
                            )
                        })
                        .collect();
                    actual.insert("matrix_count".into(), Value::Object(got));
                }
                if let Some(Value::Object(want)) = exp.get("matrix_combinations") {
                    let got: Map<String, Value> = want
                        .keys()
                        .map(|k| {
                            let t = all_tasks().find(|t| &t.name == k).unwrap();
                            let names: Vec<&str> = t
                                .matrix
                                .iter()
                                .flat_map(|m| {
                                    m.params
                                        .iter()
                                        .chain(m.include.iter().flat_map(|i| i.params.iter()))
                                })
                                .map(|p| p.name.as_str())
                                .collect();
                            let list: Vec<Value> = sim
                                .started
                                .iter()
                                .filter(|i| &i.pipeline_task == k && i.attempt == 0)
                                .map(|i| {
                                    let ps: Vec<Param> = i
                                        .params
                                        .iter()
                                        .filter(|p| names.contains(&p.name.as_str()))
                                        .cloned()
                                        .collect();
                                    params_json(&ps)
                                })
                                .collect();
                            (k.clone(), Value::Array(list))
                        })
                        .collect();
                    actual.insert("matrix_combinations".into(), Value::Object(got));
                }
            }
        }
    }
    let want = serde_json::to_string_pretty(&canonical(&expected)).unwrap() + "\n";
    let got = serde_json::to_string_pretty(&canonical(&Value::Object(actual))).unwrap() + "\n";
    conformance::diff(&want, &got)
}

fn pipeline_conformance() -> Vec<libtest_mimic::Trial> {
    let Some(dir) = conformance::area_dir("pipeline") else {
        return Vec::new();
    };
    let cases: Vec<(String, Value)> = conformance::read_jsonl(&dir.join("cases.jsonl"))
        .into_iter()
        .map(|c| (c["id"].as_str().unwrap().to_string(), c))
        .collect();
    conformance::trials("pipeline", cases, EXPECTED_TO_FAIL, check)
}

fn main() {
    conformance::main(vec![pipeline_conformance()]);
}
