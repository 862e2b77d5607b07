//! Speed of the image-policy hot paths.
//!
//! - Selecting from 1,000,000 tags (semver, timestamps, junk) with a semver range, and with
//!   a pattern + extract numerical policy. For comparison the bench prints, once, how long
//!   `sort -V` takes on the same tags (when `sort` is on PATH).
//! - Setters over a tree of 10,000 manifests holding 500 markers, against reading every
//!   file once (the same files, walked the same way): once rewriting all 500 marked files,
//!   once over a tree that is already up to date (nothing written).
//!
//! Run: `cargo bench --bench image_policy --no-default-features --features image`

use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use gitops_toolkit::image::{ImageRef, Order, Policy, is_manifest_file, update_tree};

const TAGS: usize = 1_000_000;
const FILES: usize = 10_000;
const MARKERS: usize = 500;

/// A small deterministic generator (no extra dependency).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

fn make_tags() -> Vec<String> {
    let mut r = Lcg(42);
    (0..TAGS)
        .map(|i| match r.next() % 10 {
            0..=3 => format!("{}.{}.{}", r.next() % 10, r.next() % 50, r.next() % 100),
            4 => format!(
                "v{}.{}.{}-rc.{}",
                r.next() % 10,
                r.next() % 50,
                r.next() % 100,
                r.next() % 9
            ),
            5..=7 => format!(
                "main-{:07x}-{}",
                r.next() % 0xfff_ffff,
                1_600_000_000 + r.next() % 100_000_000
            ),
            8 => format!("sha-{:012x}", r.next()),
            _ => match i % 4 {
                0 => "latest".to_string(),
                1 => "stable".to_string(),
                2 => "edge".to_string(),
                _ => "nightly".to_string(),
            },
        })
        .collect()
}

fn sort_v_once(tags: &[String]) {
    let dir = std::env::temp_dir().join(format!("image-policy-bench-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let file = dir.join("tags.txt");
    if std::fs::write(&file, tags.join("\n")).is_err() {
        return;
    }
    let start = Instant::now();
    let status = std::process::Command::new("sort")
        .arg("-V")
        .arg(&file)
        .stdout(std::process::Stdio::null())
        .status();
    if let Some(s) = status.ok().filter(|s| s.success()) {
        println!(
            "reference: `sort -V` of {TAGS} tags took {:?} ({s})",
            start.elapsed()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn selection(c: &mut Criterion) {
    // Built on first use, so that filtering the run to the setters skips the 1M tags and
    // the `sort -V` reference.
    let cell: OnceCell<Vec<String>> = OnceCell::new();
    let tags = || {
        cell.get_or_init(|| {
            let t = make_tags();
            sort_v_once(&t);
            t
        })
    };
    let semver = Policy::semver(">=1.0.0 <5.0.0").unwrap_or_else(|e| unreachable!("{e}"));
    let numerical = Policy::numerical(Order::Asc)
        .with_filter(r"^main-[a-f0-9]+-(?P<ts>[0-9]+)$", "$ts")
        .unwrap_or_else(|e| unreachable!("{e}"));
    let mut g = c.benchmark_group("select_1M_tags");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    g.bench_function("semver_range", |b| {
        let tags = tags();
        b.iter(|| black_box(semver.select(black_box(tags))))
    });
    g.bench_function("numerical_pattern_extract", |b| {
        let tags = tags();
        b.iter(|| black_box(numerical.select(black_box(tags))))
    });
    g.finish();
}

fn make_tree(root: &Path) {
    let mut r = Lcg(7);
    for i in 0..FILES {
        let dir = root.join(format!("apps/team{:02}/app{:04}", i % 50, i));
        let _ = std::fs::create_dir_all(&dir);
        let marker = if i % (FILES / MARKERS) == 0 {
            " # {\"$imagepolicy\": \"flux-system:app\"}"
        } else {
            ""
        };
        let text = format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app{i}\n  namespace: team{}\nspec:\n  replicas: {}\n  template:\n    spec:\n      containers:\n      - name: app\n        image: ghcr.io/org/app:1.0.0{marker}\n        ports:\n        - containerPort: 8080\n",
            i % 50,
            r.next() % 5
        );
        let _ = std::fs::write(dir.join("deployment.yaml"), text);
    }
}

/// The baseline: walks the tree the way `update_tree` does (directory entries' own file
/// types, no extra `stat`) and reads every manifest file once, in full.
fn read_every_file(dir: &Path, total: &mut usize) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            read_every_file(&e.path(), total);
        } else if ft.is_file()
            && is_manifest_file(&e.file_name().to_string_lossy())
            && let Ok(bytes) = std::fs::read(e.path())
        {
            *total += bytes.len();
        }
    }
}

fn setters(c: &mut Criterion) {
    let Ok(tmp) = tempfile::tempdir() else { return };
    make_tree(tmp.path());
    let policies = |tag: &str| {
        let image = ImageRef::parse(&format!("ghcr.io/org/app:{tag}"))
            .unwrap_or_else(|e| unreachable!("{e}"));
        BTreeMap::from([("flux-system:app".to_string(), image)])
    };
    let (a, b) = (policies("1.0.1"), policies("1.0.2"));
    // Both sides see the same files: every file is a manifest, and the first update
    // rewrites exactly the marked ones.
    let mut total = 0;
    read_every_file(tmp.path(), &mut total);
    let first = update_tree(tmp.path(), &a).unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(first.files_written.len(), MARKERS);
    println!("tree: {FILES} files, {total} bytes, {MARKERS} markers");

    let mut g = c.benchmark_group("setters_10k_files_500_markers");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    g.bench_function("read_every_file_once", |bench| {
        bench.iter(|| {
            let mut total = 0;
            read_every_file(tmp.path(), &mut total);
            black_box(total)
        })
    });
    // Every iteration flips the 500 markers between two tags: 500 files rewritten.
    let mut flip = false;
    g.bench_function("update_tree_rewriting_500", |bench| {
        bench.iter(|| {
            flip = !flip;
            let report = update_tree(tmp.path(), if flip { &b } else { &a });
            black_box(report.map(|r| r.files_written.len()))
        })
    });
    // The tree is already up to date: every marker is read and checked, nothing written.
    g.bench_function("update_tree_up_to_date", |bench| {
        let current = if flip { &b } else { &a };
        bench.iter(|| {
            let report = update_tree(tmp.path(), current);
            black_box(report.map(|r| r.files_written.len()))
        })
    });
    g.finish();
}

criterion_group!(benches, selection, setters);
criterion_main!(benches);
