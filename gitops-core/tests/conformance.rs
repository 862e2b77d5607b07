//! Conformance: Flux post-build substitution (`substitute` area of the shared corpus).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../../support/conformance.rs"]
mod conformance;

use gitops_core::substitute::{SubstituteOptions, Vars, envsubst, substitute_all};
use serde_json::Value;

/// Cases known to fail, with the reason. Empty: every case passes.
const EXPECTED_TO_FAIL: &[(&str, &str)] = &[];

fn vars_of(case: &Value) -> Vars {
    case["vars"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

fn run_case(case: &Value) -> conformance::Outcome {
    let vars = vars_of(case);
    let input = case["input"].as_str().ok_or("case has no input")?;
    let strict = case["options"]["strict"].as_bool().unwrap_or(false);
    let always = case["options"]["always"].as_bool().unwrap_or(false);
    let result: Result<String, String> = match case["level"].as_str() {
        Some("envsubst") => envsubst(input, &vars, strict).map_err(|e| e.to_string()),
        Some("resource") => {
            let objs =
                kustomize_lite::yaml::parse_stream(input, "input").map_err(|e| e.to_string())?;
            substitute_all(
                &objs,
                &vars,
                SubstituteOptions::default().strict(strict).always(always),
            )
            .map(|out| kustomize_lite::yaml::emit_stream(&out))
            .map_err(|e| e.to_string())
        }
        other => return Err(format!("unknown level {other:?}")),
    };
    match (&case["expected"], result) {
        (Value::Null, Ok(got)) => Err(format!("expected an error, got {got:?}")),
        (Value::Null, Err(msg)) => {
            let want = case["expected_error"].as_str().unwrap_or_default();
            if msg.contains(want) {
                Ok(())
            } else {
                Err(format!("error {msg:?} does not contain {want:?}"))
            }
        }
        (_, Err(msg)) => Err(format!("unexpected error: {msg}")),
        (Value::String(want), Ok(got)) => {
            if case["compare"].as_str() == Some("yaml-semantic") {
                let want = kustomize_lite::yaml::parse_stream(want, "expected")
                    .map_err(|e| e.to_string())?;
                let got_docs = kustomize_lite::yaml::parse_stream(&got, "actual")
                    .map_err(|e| e.to_string())?;
                if want == got_docs {
                    Ok(())
                } else {
                    conformance::diff(&kustomize_lite::yaml::emit_stream(&want), &got)
                }
            } else {
                conformance::diff(want, &got)
            }
        }
        (other, Ok(_)) => Err(format!("unsupported expected value {other}")),
    }
}

fn substitute() -> Vec<libtest_mimic::Trial> {
    let Some(dir) = conformance::area_dir("substitute") else {
        return Vec::new();
    };
    let cases = conformance::read_jsonl(&dir.join("cases.jsonl"))
        .into_iter()
        .map(|c| (c["id"].as_str().unwrap_or_default().to_string(), c))
        .collect();
    conformance::trials("substitute", cases, EXPECTED_TO_FAIL, run_case)
}

fn main() {
    conformance::main(vec![substitute()]);
}
