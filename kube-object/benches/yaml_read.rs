//! The one YAML reader on a 1 MB manifest stream (Deployments, Services, ConfigMaps), beside
//! serde-saphyr's own `from_multiple` into JSON values on the same text (the path the crates
//! took before kube-object). Prints MB/s for both.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

fn stream(bytes: usize) -> String {
    let mut s = String::new();
    let mut i = 0;
    while s.len() < bytes {
        s.push_str(&format!(
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-{i}\n  namespace: prod\n  labels: {{app: web-{i}, tier: frontend}}\nspec:\n  replicas: 3\n  selector:\n    matchLabels: {{app: web-{i}}}\n  template:\n    metadata:\n      labels: {{app: web-{i}}}\n    spec:\n      containers:\n      - name: web\n        image: registry.local/web:1.2.{i}\n        ports:\n        - containerPort: 8080\n        env:\n        - name: MODE\n          value: \"production\"\n        resources:\n          limits: {{cpu: 500m, memory: 256Mi}}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web-{i}\nspec:\n  ports:\n  - port: 80\n    targetPort: 8080\n  selector:\n    app: web-{i}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-{i}\ndata:\n  config.yaml: |\n    log: debug\n    ttl: 60\n"
        ));
        i += 1;
    }
    s
}

fn bench(c: &mut Criterion) {
    let text = stream(1 << 20);
    let mut g = c.benchmark_group("yaml_read_1mb");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("kube_object", |b| {
        b.iter(|| kube_object::yaml::parse_stream(black_box(&text), "bench.yaml").unwrap())
    });
    // serde-saphyr's default budget stops at 1,024 documents; lifted so it reads them all.
    let options = || {
        let mut budget = serde_saphyr::Budget::default();
        budget.max_documents = usize::MAX;
        let mut o = serde_saphyr::Options::default();
        o.budget = Some(budget);
        o
    };
    g.bench_function("serde_saphyr_from_multiple", |b| {
        b.iter(|| {
            serde_saphyr::from_multiple_with_options::<serde_json::Value>(
                black_box(&text),
                options(),
            )
            .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
