//! kustomize-lite on a synthetic tree: a base of 1,000 Deployments, 1,000 Services and
//! 100 ConfigMaps, and an overlay with namePrefix, namespace, commonLabels, images, a JSON
//! 6902 patch on a name regex, a strategic merge patch on every Deployment and a
//! configMapGenerator.
//!
//! `cargo bench --bench kustomize --no-default-features --features kustomize` runs the
//! criterion benchmark, then one side-by-side timing against `kubectl kustomize` on the
//! same tree written to a temporary directory (skipped when kubectl is absent). Set
//! `KUSTOMIZE_BENCH_TREE=DIR` to keep the tree in DIR (for `/usr/bin/time -v`).

use criterion::{Criterion, criterion_group};
use gitops_toolkit::kustomize::{MemoryFs, build_to_string};
use std::fmt::Write as _;
use std::time::Instant;

const DEPLOYMENTS: usize = 1000;
const SERVICES: usize = 1000;
const CONFIG_MAPS: usize = 100;

/// The tree as (path, contents) pairs.
fn tree() -> Vec<(String, String)> {
    let mut files = Vec::new();
    let mut deployments = String::new();
    for i in 0..DEPLOYMENTS {
        let _ = write!(
            deployments,
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-{i}\n  labels:\n    app: app-{i}\n\
             spec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: app-{i}\n  template:\n    metadata:\n      \
             labels:\n        app: app-{i}\n    spec:\n      containers:\n      - name: main\n        image: registry.example.com/app:1.0.{i}\n        \
             ports:\n        - containerPort: 8080\n        envFrom:\n        - configMapRef:\n            name: config-{}\n        \
             - configMapRef:\n            name: settings\n      volumes:\n      - name: cfg\n        configMap:\n          name: config-{}\n",
            i % CONFIG_MAPS,
            i % CONFIG_MAPS
        );
    }
    let mut services = String::new();
    for i in 0..SERVICES {
        let _ = write!(
            services,
            "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: app-{i}\nspec:\n  selector:\n    app: app-{i}\n  \
             ports:\n  - port: 80\n    targetPort: 8080\n"
        );
    }
    let mut config_maps = String::new();
    for i in 0..CONFIG_MAPS {
        let _ = write!(
            config_maps,
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config-{i}\ndata:\n  LEVEL: \"{i}\"\n  MODE: fast\n"
        );
    }
    files.push(("base/deployments.yaml".to_string(), deployments));
    files.push(("base/services.yaml".to_string(), services));
    files.push(("base/configmaps.yaml".to_string(), config_maps));
    files.push((
        "base/kustomization.yaml".to_string(),
        "resources:\n- deployments.yaml\n- services.yaml\n- configmaps.yaml\n".to_string(),
    ));
    files.push((
        "overlay/kustomization.yaml".to_string(),
        "resources:\n- ../base\nnamePrefix: prod-\nnamespace: production\ncommonLabels:\n  env: production\n\
         images:\n- name: registry.example.com/app\n  newName: mirror.example.com/app\n  newTag: \"2.0\"\n\
         patches:\n- target:\n    kind: Deployment\n    name: app-1.*\n  patch: |-\n    - op: replace\n      path: /spec/replicas\n      value: 3\n\
         - target:\n    kind: Deployment\n  patch: |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: any\n    \
         spec:\n      template:\n        spec:\n          containers:\n          - name: main\n            resources:\n              \
         limits:\n                memory: 256Mi\n\
         configMapGenerator:\n- name: settings\n  literals:\n  - REGION=eu-west-1\n  - TIER=gold\n"
            .to_string(),
    ));
    files
}

fn memory_fs() -> MemoryFs {
    tree().into_iter().collect()
}

fn bench(c: &mut Criterion) {
    let fs = memory_fs();
    let mut group = c.benchmark_group("kustomize");
    group.sample_size(10);
    group.bench_function("build_synthetic_overlay", |b| {
        b.iter(|| {
            build_to_string(&fs, "overlay")
                .map(|s| s.len())
                .unwrap_or(0)
        })
    });
    group.finish();
}

/// One timing of each tool on the same tree on disk.
fn side_by_side() {
    let keep = std::env::var_os("KUSTOMIZE_BENCH_TREE").map(std::path::PathBuf::from);
    let tmp = match tempfile::tempdir() {
        Ok(t) => t,
        Err(e) => {
            println!("side-by-side: no temp dir: {e}");
            return;
        }
    };
    let root = keep.clone().unwrap_or_else(|| tmp.path().to_path_buf());
    for (path, text) in tree() {
        let full = root.join(&path);
        if let Some(dir) = full.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        if std::fs::write(&full, text).is_err() {
            println!("side-by-side: cannot write {}", full.display());
            return;
        }
    }
    let fs = match gitops_toolkit::kustomize::DiskFs::new(&root) {
        Ok(fs) => fs,
        Err(e) => {
            println!("side-by-side: {e}");
            return;
        }
    };
    let start = Instant::now();
    let ours = build_to_string(&fs, "overlay");
    let ours_time = start.elapsed();
    let Ok(ours) = ours else {
        println!("side-by-side: kustomize-lite failed");
        return;
    };
    println!(
        "side-by-side: kustomize-lite (disk): {:.1} ms",
        ours_time.as_secs_f64() * 1e3
    );
    let start = Instant::now();
    let out = std::process::Command::new("kubectl")
        .arg("kustomize")
        .arg(root.join("overlay"))
        .output();
    let theirs_time = start.elapsed();
    match out {
        Ok(o) if o.status.success() => {
            let same = o.stdout == ours.as_bytes();
            println!(
                "side-by-side: kubectl kustomize: {:.1} ms ({:.0}x slower), identical output: {same}",
                theirs_time.as_secs_f64() * 1e3,
                theirs_time.as_secs_f64() / ours_time.as_secs_f64().max(1e-9)
            );
        }
        _ => println!("side-by-side: kubectl kustomize not available; skipped"),
    }
    if let Some(dir) = keep {
        println!("side-by-side: tree kept in {}", dir.display());
    }
}

criterion_group!(benches, bench);

fn main() {
    benches();
    side_by_side();
    Criterion::default().configure_from_args().final_summary();
}
