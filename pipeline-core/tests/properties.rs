//! Laws of the run state machine on random pipelines: every start respects every edge of the
//! DAG, every task instance starts at most once per attempt, and every run ends; and a
//! substitution budget bounds the output without changing it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, BTreeSet};

use pipeline_core::dag::task_deps;
use pipeline_core::{ParamValue, PipelineRunState, PipelineSpec, RunContext};
use proptest::prelude::*;
use serde_json::{Value, json};

/// One generated task: deps (by index, earlier only), how each is expressed, a when guard,
/// a matrix width, retries and whether it fails.
#[derive(Debug, Clone)]
struct Gen {
    deps: Vec<(usize, bool)>,
    when: Option<bool>,
    matrix: usize,
    retries: u32,
    fails: bool,
}

fn gen_task(i: usize) -> impl Strategy<Value = Gen> {
    let deps = if i == 0 {
        Just(Vec::new()).boxed()
    } else {
        proptest::collection::vec((0..i, any::<bool>()), 0..4).boxed()
    };
    (
        deps,
        proptest::option::of(any::<bool>()),
        0usize..4,
        0u32..2,
        proptest::bool::weighted(0.15),
    )
        .prop_map(|(deps, when, matrix, retries, fails)| Gen {
            deps,
            when,
            matrix,
            retries,
            fails,
        })
}

fn gen_pipeline() -> impl Strategy<Value = (Vec<Gen>, usize)> {
    (1usize..20).prop_flat_map(|n| {
        let tasks: Vec<_> = (0..n).map(gen_task).collect();
        (tasks, 0usize..3)
    })
}

fn spec_of(tasks: &[Gen], finally: usize) -> PipelineSpec {
    let list: Vec<Value> = tasks
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let mut run_after = Vec::new();
            let mut params = Vec::new();
            for (k, (d, as_result)) in g.deps.iter().enumerate() {
                if *as_result {
                    params.push(json!({"name": format!("p{k}"), "value": format!("$(tasks.t{d}.results.out)")}));
                } else {
                    run_after.push(format!("t{d}"));
                }
            }
            let mut t = json!({"name": format!("t{i}"), "taskRef": {"name": "x"}, "runAfter": run_after, "params": params, "retries": g.retries});
            if let Some(pass) = g.when {
                t["when"] = json!([{"input": "a", "operator": if pass { "in" } else { "notin" }, "values": ["a"]}]);
            }
            if g.matrix > 0 {
                let values: Vec<String> = (0..g.matrix).map(|v| format!("v{v}")).collect();
                t["matrix"] = json!({"params": [{"name": "m", "value": values}]});
            }
            t
        })
        .collect();
    let fin: Vec<Value> = (0..finally)
        .map(|i| json!({"name": format!("f{i}"), "taskRef": {"name": "x"}, "params": [{"name": "s", "value": "$(tasks.status)"}]}))
        .collect();
    serde_json::from_value(json!({"tasks": list, "finally": fin})).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

    #[test]
    fn starts_respect_edges_and_happen_once((tasks, finally) in gen_pipeline()) {
        let spec = spec_of(&tasks, finally);
        let mut run = PipelineRunState::new(&spec, RunContext::named("r", "p")).unwrap();
        let deps: BTreeMap<String, Vec<String>> = spec.tasks.iter().map(|t| (t.name.clone(), task_deps(t))).collect();
        let dag_names: BTreeSet<String> = spec.tasks.iter().map(|t| t.name.clone()).collect();
        // When each pipeline task finished all its instances (batch number), and what started.
        let mut finished_at: BTreeMap<String, usize> = BTreeMap::new();
        let mut started: BTreeSet<(String, usize, u32)> = BTreeSet::new();
        let mut pending: BTreeMap<String, usize> = BTreeMap::new();
        let mut batch = 0usize;
        loop {
            let ready = run.next();
            if ready.is_empty() {
                break;
            }
            batch += 1;
            prop_assert!(batch < 10_000, "run does not end");
            for inst in &ready {
                let name = &inst.pipeline_task;
                let key = (name.clone(), inst.id.index(), inst.attempt);
                prop_assert!(started.insert(key.clone()), "started twice: {key:?}");
                if inst.finally {
                    // Finally tasks start only after every DAG task is done.
                    prop_assert!(dag_names.iter().all(|d| run.task_status(d).unwrap().state != pipeline_core::TaskState::Running));
                } else {
                    for d in &deps[name] {
                        let done = finished_at.get(d).copied();
                        prop_assert!(done.is_some_and(|b| b < batch) || run.task_status(d).unwrap().skip_reason.is_some(),
                            "{name} started in batch {batch} before its dependency {d} finished");
                    }
                }
                if inst.attempt == 0 {
                    *pending.entry(name.clone()).or_default() += 1;
                }
            }
            for inst in ready {
                let g = inst.pipeline_task.strip_prefix('t').and_then(|i| i.parse::<usize>().ok()).and_then(|i| tasks.get(i));
                let fail = g.is_some_and(|g| g.fails);
                if fail {
                    run.failed(inst.id).unwrap();
                } else {
                    let results = BTreeMap::from([("out".to_string(), ParamValue::String("x".into()))]);
                    run.succeeded(inst.id, results).unwrap();
                }
                let status = run.task_status(&inst.pipeline_task).unwrap();
                if matches!(status.state, pipeline_core::TaskState::Succeeded | pipeline_core::TaskState::Failed) {
                    finished_at.entry(inst.pipeline_task.clone()).or_insert(batch);
                }
            }
        }
        prop_assert!(run.is_done(), "run stalled: {:?}", run.task_statuses());
        for t in spec.tasks.iter().chain(&spec.finally) {
            let s = run.task_status(&t.name).unwrap();
            let width = t.matrix.as_ref().map_or(1, |m| match &m.params[0].value { ParamValue::Array(a) => a.len(), _ => 1 });
            let n = pending.get(&t.name).copied().unwrap_or(0);
            prop_assert!(n == 0 || n == width, "{}: {n} instances for width {width}", t.name);
            prop_assert_eq!(s.instances, n);
        }
    }
}

/// Text made of literal pieces and references, some to known parameters.
fn gen_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            "[a-z $()]{0,6}",
            Just("$(params.s)".to_string()),
            Just("$(params.big)".to_string()),
            Just("$(params.arr[1])".to_string()),
            Just("$(params.arr[*])".to_string()),
            Just("$(params.unknown)".to_string()),
        ],
        0..12,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// A budget never changes what substitution produces, only whether it is allowed: within
    /// it, the same output as unbounded substitution and exactly its size charged; over it,
    /// an overflow that says by how much, with nothing charged.
    #[test]
    fn budgets_bound_and_never_change_substitution(
        text in gen_text(),
        used in 0usize..64,
        limit in 0usize..400,
    ) {
        use pipeline_core::substitute::{Budget, MapLookup, substitute, substitute_within};
        let mut l = MapLookup::default();
        l.params.insert("s".into(), ParamValue::String("ab".into()));
        l.params.insert("big".into(), ParamValue::String("x".repeat(100)));
        l.params.insert("arr".into(), ParamValue::Array(vec!["p".into(), "qq".into()]));
        let mut budget = Budget::new(limit);
        let before = budget.charge(used).map(|_| used).unwrap_or(0);
        let full = substitute(&text, &l);
        match substitute_within(&text, &l, &mut budget) {
            Ok(out) => {
                prop_assert_eq!(&out, &full);
                prop_assert_eq!(budget.used(), before + full.len());
                prop_assert!(budget.used() <= limit);
            }
            Err(o) => {
                prop_assert_eq!(o.needed, before + full.len());
                prop_assert!(o.needed > limit);
                prop_assert_eq!(budget.used(), before);
            }
        }
    }
}
