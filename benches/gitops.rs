//! gitops-core benchmarks: planning 5,000 desired objects against 5,000 live ones (10%
//! changed, 1% pruned); target under 50 ms.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, BTreeSet};

use criterion::{Criterion, criterion_group, criterion_main};
use gitops_toolkit::gitops::object::ResId;
use gitops_toolkit::gitops::plan::{PlanOptions, plan};
use serde_json::{Value, json};

fn deployment(i: usize, image: &str) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": format!("app-{i}"), "namespace": format!("ns-{}", i % 20), "labels": {"app": format!("app-{i}")}},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": format!("app-{i}")}},
            "template": {"metadata": {"labels": {"app": format!("app-{i}")}},
                "spec": {"containers": [{"name": "app", "image": image, "ports": [{"containerPort": 8080}]}]}}}})
}

fn bench_plan(c: &mut Criterion) {
    let n = 5000;
    let mut live = BTreeMap::new();
    let mut previous = BTreeSet::new();
    for i in 0..n {
        let mut obj = deployment(i, "nginx:1.0");
        obj["status"] = json!({"readyReplicas": 2});
        let id = ResId::of(&obj).unwrap();
        previous.insert(id.clone());
        live.insert(id, obj);
    }
    // 1% of the live objects left the source; 10% of the desired ones changed.
    let desired: Vec<Value> = (0..n)
        .filter(|i| i % 100 != 0)
        .map(|i| {
            deployment(
                i,
                if i % 10 == 1 {
                    "nginx:1.1"
                } else {
                    "nginx:1.0"
                },
            )
        })
        .chain((n..n + 50).map(|i| deployment(i, "nginx:1.0")))
        .collect();
    c.bench_function("plan 5000 desired vs 5000 live", |b| {
        b.iter(|| plan(&desired, &live, &previous, PlanOptions::default()).unwrap())
    });
}

criterion_group!(benches, bench_plan);
criterion_main!(benches);
