//! gitops-core benchmarks: planning 5,000 desired objects against 5,000 live ones (10%
//! changed, 1% pruned; target under 50 ms), and, with the `git` feature, fetching a local
//! repository into a fresh mirror with gix next to `git fetch` of the same repository
//! (target: within 1.5x).
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
    let mut g = c.benchmark_group("plan");
    g.sample_size(20);
    g.bench_function("plan 5000 desired vs 5000 live", |b| {
        b.iter(|| plan(&desired, &live, &previous, PlanOptions::default()).unwrap())
    });
    g.finish();
}

#[cfg(feature = "git")]
fn bench_fetch(c: &mut Criterion) {
    use std::io::Write as _;
    use std::path::Path;
    use std::process::{Command, Stdio};

    use gitops_toolkit::gitops::source::{GitBackend, GixBackend};

    fn git(dir: &Path, args: &[&str]) {
        let ok = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap()
            .success();
        assert!(ok, "git {args:?}");
    }

    // A repository of 100 commits touching 2,000 manifests, made with `git fast-import`.
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    let mut stream = String::new();
    for c in 0..100 {
        stream.push_str(&format!(
            "commit refs/heads/main\ncommitter bench <bench@example.com> {} +0000\ndata 9\ncommit {c:02}\n",
            1_700_000_000 + c
        ));
        for f in 0..20 {
            let body = format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{c}-{f}\ndata:\n  v: \"{c}\"\n"
            );
            stream.push_str(&format!(
                "M 100644 inline apps/app-{c}/cm-{f}.yaml\ndata {}\n{body}\n",
                body.len()
            ));
        }
    }
    let mut child = Command::new("git")
        .arg("-C")
        .arg(&repo)
        .args(["fast-import", "--quiet"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stream.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success());
    git(&repo, &["tag", "v1.0.0"]);
    let url = format!("file://{}", repo.display());
    let mirrors = tmp.path().join("mirrors");
    let mut n = 0usize;
    let mut fresh = move || {
        n += 1;
        mirrors.join(n.to_string())
    };

    let mut g = c.benchmark_group("fetch local repository (100 commits, 2000 files)");
    g.sample_size(10);
    g.bench_function("gix fetch into a fresh mirror", |b| {
        b.iter_batched(
            &mut fresh,
            |m| GixBackend.fetch(&url, &m).unwrap(),
            criterion::BatchSize::PerIteration,
        )
    });
    g.bench_function("git fetch into a fresh mirror", |b| {
        b.iter_batched(
            || {
                let m = fresh();
                std::fs::create_dir_all(&m).unwrap();
                git(&m, &["init", "-q", "--bare"]);
                m
            },
            |m| {
                git(
                    &m,
                    &[
                        "fetch",
                        "-q",
                        &url,
                        "+refs/heads/*:refs/heads/*",
                        "+refs/tags/*:refs/tags/*",
                    ],
                )
            },
            criterion::BatchSize::PerIteration,
        )
    });
    g.finish();
}

#[cfg(not(feature = "git"))]
fn bench_fetch(_c: &mut Criterion) {}

criterion_group!(benches, bench_plan, bench_fetch);
criterion_main!(benches);
