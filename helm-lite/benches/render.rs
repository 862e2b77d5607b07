//! `helm template` of a chart directory, in process: loading the files is outside the
//! measured loop. The chart is `HELM_BENCH_CHART` (e.g. a checkout of
//! prometheus-community's `charts/kube-prometheus-stack` with its `charts/` filled), else
//! the sampler chart under `tests/charts/`.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use criterion::{Criterion, criterion_group, criterion_main};
use helm_lite::{Chart, Map, Release};

fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
    for e in std::fs::read_dir(dir).unwrap() {
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

fn bench(c: &mut Criterion) {
    let root = std::env::var_os("HELM_BENCH_CHART")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/charts/sampler"));
    let mut files = BTreeMap::new();
    walk(&root, &root, &mut files);
    let rel = Release {
        name: "rel".into(),
        namespace: "default".into(),
    };
    c.bench_function("load_chart", |b| {
        b.iter(|| Chart::from_files(&files).unwrap())
    });
    let chart = Chart::from_files(&files).unwrap();
    c.bench_function("helm_template", |b| {
        b.iter(|| helm_lite::helm_template(&chart, &rel, &Map::new()).unwrap())
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
