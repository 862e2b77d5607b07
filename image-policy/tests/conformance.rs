//! Conformance: Flux's image policy and setter behaviour, from the shared corpus.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../../support/conformance.rs"]
mod conformance;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use image_policy::{FilterTags, ImageRef, Policy, PolicyChoice, TreeOptions, update_tree_with};
use serde_json::Value;

const IMAGE_POLICY_EXPECTED_TO_FAIL: &[(&str, &str)] = &[];
const SETTERS_EXPECTED_TO_FAIL: &[(&str, &str)] = &[];

fn run_policy_case(case: &Value) -> conformance::Outcome {
    let choice: PolicyChoice =
        serde_json::from_value(case["policy"].clone()).map_err(|e| format!("policy: {e}"))?;
    let filter: Option<FilterTags> = match case.get("filter") {
        Some(f) if !f.is_null() => {
            Some(serde_json::from_value(f.clone()).map_err(|e| format!("filter: {e}"))?)
        }
        _ => None,
    };
    let tags: Vec<String> =
        serde_json::from_value(case["tags"].clone()).map_err(|e| format!("tags: {e}"))?;
    let expected = case["expected"].as_str();
    let expected_error = case.get("expected_error").and_then(Value::as_str);
    let id = case["id"].as_str().unwrap_or("?");

    let policy = match Policy::from_choice(&format!("conformance/{id}"), &choice, filter.as_ref()) {
        Ok(p) => p,
        Err(e) => {
            return match expected_error {
                Some(sub) if e.to_string().contains(sub) => Ok(()),
                _ => Err(format!(
                    "policy did not build: {e} (expected {expected:?}, error {expected_error:?})"
                )),
            };
        }
    };
    if let Some(want) = case.get("expected_filtered").filter(|v| !v.is_null()) {
        let want: Vec<String> = serde_json::from_value(want.clone()).map_err(|e| e.to_string())?;
        let got = policy
            .filter()
            .map(|f| f.extracted_keys(&tags))
            .transpose()
            .map_err(|e| format!("filtered keys: {e}"))?
            .unwrap_or_default();
        if got != want {
            return Err(format!("filtered keys: expected {want:?}, got {got:?}"));
        }
    }
    match (expected, expected_error) {
        (Some(want), _) => match policy.latest(&tags) {
            Ok(got) if got == want => Ok(()),
            Ok(got) => Err(format!("expected {want:?}, got {got:?}")),
            Err(e) => Err(format!("expected {want:?}, got error: {e}")),
        },
        (None, Some(sub)) => match policy.latest(&tags) {
            Err(e) if e.to_string().contains(sub) => Ok(()),
            Err(e) => Err(format!("error {e:?} does not contain {sub:?}")),
            Ok(got) => Err(format!("expected an error containing {sub:?}, got {got:?}")),
        },
        (None, None) => match policy.select(&tags) {
            Ok(None) => Ok(()),
            other => Err(format!("expected no tag, got {other:?}")),
        },
    }
}

fn image_policy() -> Vec<libtest_mimic::Trial> {
    let Some(dir) = conformance::area_dir("image-policy") else {
        return Vec::new();
    };
    let cases = conformance::read_jsonl(&dir.join("cases.jsonl"))
        .into_iter()
        .map(|c| (c["id"].as_str().unwrap().to_string(), c))
        .collect();
    conformance::trials(
        "image-policy",
        cases,
        IMAGE_POLICY_EXPECTED_TO_FAIL,
        run_policy_case,
    )
}

fn files_under(root: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, root, out);
            } else {
                let rel = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    if root.is_dir() {
        walk(root, root, &mut out);
    }
    out
}

fn copy_tree(from: &Path, to: &Path) {
    for (rel, bytes) in files_under(from) {
        let dest = to.join(&rel);
        fs::create_dir_all(dest.parent().unwrap()).unwrap();
        fs::write(dest, bytes).unwrap();
    }
}

fn run_setters_case(case: &Path) -> conformance::Outcome {
    let policies_json: BTreeMap<String, String> = serde_json::from_str(
        &fs::read_to_string(case.join("policies.json")).map_err(|e| e.to_string())?,
    )
    .map_err(|e| format!("policies.json: {e}"))?;
    let mut policies = BTreeMap::new();
    for (k, v) in policies_json {
        policies.insert(k, ImageRef::parse(&v).map_err(|e| e.to_string())?);
    }
    let mut options = TreeOptions::default();
    if let Ok(text) = fs::read_to_string(case.join("options.json")) {
        let o: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        options.update_path = o
            .get("update_path")
            .and_then(Value::as_str)
            .map(PathBuf::from);
    }
    let work = tempfile::tempdir().map_err(|e| e.to_string())?;
    copy_tree(&case.join("input"), work.path());
    let report = update_tree_with(work.path(), &policies, &options)
        .map_err(|e| format!("update failed: {e}"))?;

    let input = files_under(&case.join("input"));
    let expected = files_under(&case.join("expected"));
    let actual = files_under(work.path());
    let mut problems = Vec::new();
    if input.keys().collect::<Vec<_>>() != actual.keys().collect::<Vec<_>>() {
        problems.push(format!(
            "file set changed: {:?}",
            actual.keys().collect::<Vec<_>>()
        ));
    }
    for (rel, before) in &input {
        let want = expected.get(rel).unwrap_or(before);
        let got = actual.get(rel).cloned().unwrap_or_default();
        if let Err(d) = conformance::diff(
            &String::from_utf8_lossy(want),
            &String::from_utf8_lossy(&got),
        ) {
            problems.push(format!("{rel}:\n{d}"));
        }
    }
    if let Ok(text) = fs::read_to_string(case.join("expected_changes.json")) {
        let want: Vec<Value> = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        let key = |file: &str, object: &Value, setter: &str, old: &str, new: &str| {
            format!(
                "{file} {}/{} {}/{} {setter}: {old} -> {new}",
                object["apiVersion"].as_str().unwrap_or(""),
                object["kind"].as_str().unwrap_or(""),
                object["namespace"].as_str().unwrap_or(""),
                object["name"].as_str().unwrap_or(""),
            )
        };
        let mut want_by_file: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for c in &want {
            let file = c["file"].as_str().unwrap_or("");
            let k = key(
                file,
                &c["object"],
                c["setter"].as_str().unwrap_or(""),
                c["old"].as_str().unwrap_or(""),
                c["new"].as_str().unwrap_or(""),
            );
            want_by_file.entry(file.to_string()).or_default().push(k);
        }
        let mut got_by_file: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for c in &report.changes {
            let object = serde_json::json!({
                "apiVersion": c.object.api_version, "kind": c.object.kind,
                "namespace": c.object.namespace, "name": c.object.name,
            });
            got_by_file.entry(c.file.clone()).or_default().push(key(
                &c.file,
                &object,
                &c.setter,
                &c.old_value,
                &c.new_value,
            ));
        }
        if want_by_file != got_by_file {
            problems.push(format!(
                "changes: expected {want_by_file:#?}\ngot {got_by_file:#?}"
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

fn setters() -> Vec<libtest_mimic::Trial> {
    let Some(dir) = conformance::area_dir("setters") else {
        return Vec::new();
    };
    let cases = conformance::case_dirs(&dir)
        .into_iter()
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), p))
        .collect();
    conformance::trials("setters", cases, SETTERS_EXPECTED_TO_FAIL, |p: &PathBuf| {
        run_setters_case(p)
    })
}

fn main() {
    conformance::main(vec![image_policy(), setters()]);
}
