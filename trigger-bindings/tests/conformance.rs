//! The `triggers` conformance area: every case through the public API.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../../support/conformance.rs"]
mod conformance;

use serde_json::{Map, Value};
use std::sync::Arc;
use trigger_bindings::{
    Event, Headers, Limits, Listener, MemorySecretStore, ObjectMeta, Outcome, Param, ParamSpec,
    Template, TriggerInterceptor, TriggerPlan, TriggerTemplate, TriggerTemplateSpec,
};

/// Cases we knowingly fail, with the reason. Empty: every case passes.
const EXPECTED_TO_FAIL: &[(&str, &str)] = &[];

fn headers(case: &Value) -> Headers {
    let mut h = Headers::new();
    if let Some(Value::Object(m)) = case.get("headers") {
        for (k, v) in m {
            match v {
                Value::Array(vals) => vals
                    .iter()
                    .for_each(|x| h.append(k, x.as_str().unwrap_or_default())),
                Value::String(s) => h.append(k, s.as_str()),
                other => h.append(k, other.to_string()),
            }
        }
    }
    h
}

fn body(case: &Value) -> Vec<u8> {
    if let Some(raw) = case.get("raw_body").and_then(Value::as_str) {
        return raw.as_bytes().to_vec();
    }
    match case.get("body") {
        None | Some(Value::Null) => Vec::new(),
        Some(b) => serde_json::to_vec(b).unwrap(),
    }
}

fn bindings(v: Option<&Value>) -> Vec<Param> {
    serde_json::from_value(v.cloned().unwrap_or(Value::Array(vec![]))).unwrap()
}

fn interceptors(v: Option<&Value>) -> Vec<TriggerInterceptor> {
    serde_json::from_value(v.cloned().unwrap_or(Value::Array(vec![]))).unwrap()
}

fn template(case: &Value) -> Option<Template> {
    let t = case.get("template")?;
    let params: Vec<ParamSpec> =
        serde_json::from_value(t.get("params").cloned().unwrap_or(Value::Array(vec![]))).unwrap();
    let annotations: Map<String, Value> = t
        .get("annotations")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    if let Some(raw) = t.get("resourcetemplates_raw").and_then(Value::as_array) {
        let texts = raw
            .iter()
            .map(|r| r.as_str().unwrap().to_string())
            .collect();
        let old = annotations.contains_key(trigger_bindings::OLD_ESCAPE_ANNOTATION);
        return Some(Template::from_raw("tt", params, old, texts));
    }
    let resourcetemplates = t
        .get("resourcetemplates")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let object = TriggerTemplate {
        api_version: "triggers.tekton.dev/v1beta1".into(),
        kind: "TriggerTemplate".into(),
        metadata: ObjectMeta {
            name: "tt".into(),
            annotations: annotations
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect(),
            ..Default::default()
        },
        spec: TriggerTemplateSpec {
            params,
            resourcetemplates,
        },
    };
    Some(Template::from_object(&object))
}

fn secrets(case: &Value) -> MemorySecretStore {
    let mut store = MemorySecretStore::new();
    if let Some(s) = case.get("secret").and_then(Value::as_str) {
        store.insert("mysecret", "token", s);
        store.insert("test-secret", "token", s);
    }
    store
}

/// Compares JSON values (object key order does not matter), with a diff when unequal.
fn same(want: &Value, got: &Value) -> conformance::Outcome {
    if want == got {
        return Ok(());
    }
    conformance::diff(
        &serde_json::to_string_pretty(want).unwrap(),
        &serde_json::to_string_pretty(got).unwrap(),
    )
}

fn params_json(params: &std::collections::BTreeMap<String, String>, event_id: &str) -> Value {
    Value::Object(
        params
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.replace(event_id, "<eventID>"))))
            .collect(),
    )
}

fn run(case: &Value) -> conformance::Outcome {
    let plans: Vec<TriggerPlan> = match case.get("triggers").and_then(Value::as_array) {
        Some(ts) => ts
            .iter()
            .map(|t| {
                TriggerPlan::new(
                    t["name"].as_str().unwrap(),
                    &interceptors(t.get("interceptors")),
                    bindings(t.get("bindings")),
                    template(t),
                )
            })
            .collect(),
        None => vec![TriggerPlan::new(
            "case",
            &interceptors(case.get("interceptors")),
            bindings(case.get("bindings")),
            template(case),
        )],
    };
    let listener = Listener::from_plans(
        "el",
        "default",
        plans,
        Arc::new(secrets(case)),
        Limits::default(),
    );
    let event = Event::new(headers(case), body(case));
    let initial = case
        .get("extensions")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let response = listener.process_with_extensions(&event, &initial);
    let id = response.event_id.clone();

    if let Some(fired) = case.get("expected_fired") {
        let mut got: Vec<&str> = response
            .triggers
            .iter()
            .filter(|t| t.accepted())
            .map(|t| t.name.as_str())
            .collect();
        got.sort_unstable();
        let want: Vec<&str> = fired
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        if got != want {
            return Err(format!(
                "fired {got:?}, want {want:?}\n{:#?}",
                response.triggers
            ));
        }
        for (name, want) in case["expected_params"].as_object().unwrap() {
            match &response.trigger(name).unwrap().outcome {
                Outcome::Accepted { params, .. } => same(want, &params_json(params, &id))?,
                Outcome::Rejected { reason } => return Err(format!("{name} rejected: {reason}")),
            }
        }
        return Ok(());
    }

    let result = &response.triggers[0];
    match (&result.outcome, case.get("expected_params")) {
        (Outcome::Rejected { reason }, Some(Value::Null) | None) => {
            let want = case
                .get("expected_error")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if reason.contains(want) {
                Ok(())
            } else {
                Err(format!(
                    "rejected with {reason:?}, want it to contain {want:?}"
                ))
            }
        }
        (Outcome::Rejected { reason }, Some(_)) => {
            // A case may expect params and still an error (from rendering).
            match case.get("expected_error").and_then(Value::as_str) {
                Some(want) if reason.contains(want) => Ok(()),
                _ => Err(format!("rejected: {reason}")),
            }
        }
        (
            Outcome::Accepted {
                params,
                resources,
                extensions,
            },
            want_params,
        ) => {
            if let Some(want) = case.get("expected_error").and_then(Value::as_str) {
                return Err(format!("accepted, want an error containing {want:?}"));
            }
            let Some(want_params) = want_params.filter(|v| !v.is_null()) else {
                return Err(format!("accepted with {params:?}, want a rejection"));
            };
            same(want_params, &params_json(params, &id))?;
            if let Some(want) = case.get("expected_resources") {
                same(want, &Value::Array(resources.clone()))?;
            }
            if let Some(want) = case.get("expected_extensions") {
                same(want, &Value::Object(extensions.clone()))?;
            }
            Ok(())
        }
    }
}

fn triggers_conformance() -> Vec<libtest_mimic::Trial> {
    let Some(dir) = conformance::area_dir("triggers") else {
        return Vec::new();
    };
    let cases: Vec<(String, Value)> = conformance::read_jsonl(&dir.join("cases.jsonl"))
        .into_iter()
        .map(|c| (c["id"].as_str().unwrap().to_string(), c))
        .collect();
    conformance::trials("triggers", cases, EXPECTED_TO_FAIL, run)
}

fn main() {
    conformance::main(vec![triggers_conformance()]);
}
