//! Shared conformance harness, included by each crate's `tests/conformance.rs` with
//! `#[path = "../../support/conformance.rs"] mod conformance;`.
//!
//! The public vectors live outside this repository (they hold upstream test data). The
//! harness reads them in place from `GITOPS_CONFORMANCE_DIR`, defaulting to
//! `../shared/conformance` relative to the repository root, and never copies them.
//!
//! - Folder absent, `CI` unset: one line is printed and the area passes (a user's machine).
//! - Folder absent, `CI` set: the area fails.
//! - Every case is its own named test (`AREA::CASE`, run by libtest-mimic: `cargo test -p
//!   kustomize-lite --test conformance -- kustomize::configmaps` runs one); a failure prints
//!   the diff. A case in the area's expected-to-fail list passes while it fails and fails
//!   once it passes (empty the list), and the list itself is checked to name only cases.
#![allow(
    dead_code,
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

/// The repository root (the workspace root, one level above every member crate).
pub fn repo_root() -> PathBuf {
    // Prefer the value cargo sets when it runs the test (the checkout being tested) over the
    // one compiled in, so a test binary reused from another checkout still finds its corpus.
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    if manifest.join("support").join("conformance.rs").is_file() {
        manifest
    } else {
        manifest.parent().map(Path::to_path_buf).unwrap_or(manifest)
    }
}

/// The conformance folder of one area (e.g. `"kustomize"`), or `None` when the corpus is
/// absent on a user's machine (a notice is printed). Panics when absent under `CI`.
pub fn area_dir(area: &str) -> Option<PathBuf> {
    let base = match std::env::var_os("GITOPS_CONFORMANCE_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => repo_root().join("..").join("shared").join("conformance"),
    };
    let dir = base.join(area);
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "conformance corpus for {area:?} not found at {} (CI is set, so this is an error; set GITOPS_CONFORMANCE_DIR)",
            dir.display()
        );
    }
    println!(
        "{area}: conformance corpus not found at {}; skipping (set GITOPS_CONFORMANCE_DIR to run it)",
        dir.display()
    );
    None
}

/// Reads a JSON-lines file into values, failing on a malformed line (with its number).
pub fn read_jsonl(path: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("{}:{}: invalid JSON: {e}", path.display(), i + 1))
        })
        .collect()
}

/// Subdirectories of an area folder, sorted by name (one case each).
pub fn case_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    out
}

/// A case's outcome: `Ok(())` or a message (usually from [`diff`]).
pub type Outcome = Result<(), String>;

/// One named test per case of an area, plus one that checks the expected-to-fail list.
///
/// `expected_to_fail` lists `(case id, one-line reason)`; a listed case that fails passes
/// (its reason is printed), a listed case that passes is a failure (empty the list).
pub fn trials<C, F>(
    area: &str,
    cases: Vec<(String, C)>,
    expected_to_fail: &'static [(&'static str, &'static str)],
    run: F,
) -> Vec<libtest_mimic::Trial>
where
    C: Send + 'static,
    F: Fn(&C) -> Outcome + Send + Sync + 'static,
{
    let run = std::sync::Arc::new(run);
    let ids: Vec<String> = cases.iter().map(|(id, _)| id.clone()).collect();
    let area_name = area.to_string();
    let mut out = vec![libtest_mimic::Trial::test(
        format!("{area}::expected_to_fail_list"),
        move || {
            for known in expected_to_fail {
                if !ids.iter().any(|id| id == known.0) {
                    return Err(format!(
                        "{area_name}: expected-to-fail entry {:?} names no case",
                        known.0
                    )
                    .into());
                }
            }
            Ok(())
        },
    )];
    for (id, case) in cases {
        let run = run.clone();
        let listed = expected_to_fail
            .iter()
            .find(|(k, _)| *k == id)
            .map(|(_, r)| *r);
        out.push(libtest_mimic::Trial::test(
            format!("{area}::{id}"),
            move || {
                let outcome = match catch_unwind(AssertUnwindSafe(|| run(&case))) {
                    Ok(o) => o,
                    Err(p) => Err(format!(
                        "panicked: {}",
                        p.downcast_ref::<String>()
                            .map(String::as_str)
                            .or_else(|| p.downcast_ref::<&str>().copied())
                            .unwrap_or("<non-string panic>")
                    )),
                };
                match (outcome, listed) {
                    (Ok(()), None) => Ok(()),
                    (Ok(()), Some(_)) => Err(
                        "passes but is listed as expected to fail: remove it from the list".into(),
                    ),
                    (Err(_), Some(reason)) => {
                        println!("expected to fail: {reason}");
                        Ok(())
                    }
                    (Err(msg), None) => Err(msg.into()),
                }
            },
        ));
    }
    out
}

/// Runs the trials of every area (plus the harness's own check of [`diff`]) as a test binary
/// (`harness = false`) and exits with the result.
pub fn main(areas: Vec<Vec<libtest_mimic::Trial>>) -> ! {
    let mut all: Vec<libtest_mimic::Trial> = areas.into_iter().flatten().collect();
    all.push(libtest_mimic::Trial::test(
        "conformance::diff_marks_changed_lines",
        || {
            if diff("a\nb\n", "a\nb\n").is_err() {
                return Err("equal texts differ".into());
            }
            match diff("a\nb\nc\n", "a\nx\nc\n") {
                Err(d) if d.contains("- b\n") && d.contains("+ x\n") => Ok(()),
                other => Err(format!("bad diff: {other:?}").into()),
            }
        },
    ));
    libtest_mimic::run(&libtest_mimic::Arguments::from_args(), all).exit()
}

/// `Ok(())` when equal, else a line diff of `expected` against `actual`.
pub fn diff(expected: &str, actual: &str) -> Outcome {
    if expected == actual {
        return Ok(());
    }
    let e: Vec<&str> = expected.split_inclusive('\n').collect();
    let a: Vec<&str> = actual.split_inclusive('\n').collect();
    // Longest common subsequence on lines; inputs here are small.
    let (n, m) = (e.len(), a.len());
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if e[i] == a[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut out = String::from("--- expected\n+++ actual\n");
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && e[i] == a[j] {
            let _ = write!(out, "  {}", show(e[i]));
            i += 1;
            j += 1;
        } else if j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j]) {
            let _ = write!(out, "+ {}", show(a[j]));
            j += 1;
        } else {
            let _ = write!(out, "- {}", show(e[i]));
            i += 1;
        }
    }
    Err(out)
}

fn show(line: &str) -> String {
    if line.ends_with('\n') {
        line.to_string()
    } else {
        format!("{line}\\ (no newline at end)\n")
    }
}
