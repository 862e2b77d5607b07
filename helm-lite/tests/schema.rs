//! `values.schema.json` as `helm template` checks it: the `schema` chart (with a subchart
//! that has its own schema) under `--set` cases whose output and errors were recorded from
//! real Helm v4.3.2 (`charts/schema-cases.json`: arguments, exit status, stdout, stderr).
//! Each case fails on one property at a time: where several fail, Helm's order follows Go's
//! map iteration and changes from run to run.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/charts")
}

fn walk(root: &Path, d: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
    for e in std::fs::read_dir(d).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            walk(root, &p, out);
        } else {
            let rel = p
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.insert(rel, std::fs::read(&p).unwrap());
        }
    }
}

/// What the `helm_template` example prints: stdout, or `Error: ...` on stderr.
fn run(args: &[String]) -> (i64, String, String) {
    let mut all = vec!["rel".to_string(), "schema".to_string()];
    all.extend(args.iter().cloned());
    let read = |p: &str| std::fs::read(dir().join(p)).map_err(|e| e.to_string());
    let load = |c: &str| {
        let root = dir().join(c);
        let mut files = BTreeMap::new();
        walk(&root, &root, &mut files);
        helm_lite::Chart::from_files(&files)
    };
    match helm_lite::cli::template(&all, &read, &load) {
        Ok(out) => (0, out, String::new()),
        Err(e) => (1, String::new(), format!("Error: {e}\n")),
    }
}

#[test]
fn schema_failures_read_as_helm_prints_them() {
    let cases: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir().join("schema-cases.json")).unwrap())
            .unwrap();
    let cases = cases.as_array().unwrap();
    assert!(cases.len() >= 10);
    let mut failures = 0;
    for c in cases {
        let args: Vec<String> = c["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_string())
            .collect();
        let (status, stdout, stderr) = run(&args);
        assert_eq!(status, c["status"].as_i64().unwrap(), "{args:?}");
        assert_eq!(stdout, c["stdout"].as_str().unwrap(), "{args:?}");
        assert_eq!(stderr, c["stderr"].as_str().unwrap(), "{args:?}");
        failures += usize::from(status != 0);
    }
    // Most cases are failures; the first and the last pass.
    assert!(failures >= 10, "{failures}");
}

/// A schema that refers to another document is not fetched (the core does no I/O): the
/// render stops with the schema's error in the chart's block, naming the URL.
#[test]
fn a_remote_reference_is_refused_not_fetched() {
    let mut files = BTreeMap::new();
    files.insert(
        "Chart.yaml".to_string(),
        b"apiVersion: v2\nname: rr\nversion: 0.1.0\n".to_vec(),
    );
    files.insert("values.yaml".to_string(), b"a: 1\n".to_vec());
    files.insert(
        "values.schema.json".to_string(),
        br#"{"properties":{"a":{"$ref":"https://example.com/int.json"}}}"#.to_vec(),
    );
    files.insert(
        "templates/cm.yaml".to_string(),
        b"kind: ConfigMap\n".to_vec(),
    );
    let chart = helm_lite::Chart::from_files(&files).unwrap();
    let rel = helm_lite::Release {
        name: "rel".into(),
        namespace: "default".into(),
    };
    let err = helm_lite::helm_template(&chart, &rel, &helm_lite::Map::new()).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.starts_with("values don't meet the specifications of the schema(s) in the following chart(s):\nrr:\n"),
        "{msg}"
    );
    assert!(msg.contains("https://example.com/int.json"), "{msg}");
    assert!(
        msg.contains("loads no schema from outside the chart"),
        "{msg}"
    );
}
