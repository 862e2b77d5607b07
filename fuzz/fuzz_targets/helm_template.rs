#![no_main]
//! Fuzz target `helm_template` (helm-lite): a chart whose template, helper file and values
//! come from the input (separated by NUL bytes) renders or errs: never a panic, a hang or
//! unbounded memory (libFuzzer's timeout and RSS limit stand for those).
use libfuzzer_sys::fuzz_target;
use std::collections::BTreeMap;

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(3, |b| *b == 0);
    let template = parts.next().unwrap_or_default().to_vec();
    let helpers = parts.next().unwrap_or_default().to_vec();
    let values = parts.next().unwrap_or_default().to_vec();
    let mut files = BTreeMap::new();
    files.insert(
        "Chart.yaml".to_string(),
        b"apiVersion: v2\nname: fuzz\nversion: 0.1.0\n".to_vec(),
    );
    files.insert("values.yaml".to_string(), values);
    files.insert("templates/a.yaml".to_string(), template);
    files.insert("templates/_helpers.tpl".to_string(), helpers);
    let Ok(chart) = helm_lite::Chart::from_files(&files) else {
        return;
    };
    let release = helm_lite::Release {
        name: "rel".into(),
        namespace: "default".into(),
    };
    let _ = helm_lite::helm_template(&chart, &release, &helm_lite::Map::new());
});
