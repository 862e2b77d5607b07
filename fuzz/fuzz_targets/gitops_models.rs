#![no_main]
//! Fuzz target `gitops_models` (gitops-core): parsing the toolkit's kinds from YAML and
//! planning the result; never a panic.
use std::collections::{BTreeMap, BTreeSet};

use gitops_core::model::{Object, parse_objects};
use gitops_core::plan::{PlanOptions, plan};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(objs) = parse_objects(text, "fuzz.yaml") else {
        return;
    };
    let others: Vec<_> = objs
        .into_iter()
        .filter_map(|o| match o {
            Object::Other(v) => Some(v),
            _ => None,
        })
        .collect();
    let _ = plan(
        &others,
        &BTreeMap::new(),
        &BTreeSet::new(),
        PlanOptions::default(),
    );
});
