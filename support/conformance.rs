//! Shared conformance harness, included by each crate's `tests/conformance.rs` with
//! `#[path = "../../support/conformance.rs"] mod conformance;`.
//!
//! The public vectors live outside this repository (they hold upstream test data). The
//! harness reads them in place from `GITOPS_CONFORMANCE_DIR`, defaulting to
//! `../shared/conformance` relative to the repository root, and never copies them.
//!
//! - Folder absent, `CI` unset: one line is printed and the area passes (a user's machine).
//! - Folder absent, `CI` set: the area fails.
//! - Every case runs; failures print the case id and a diff; the area prints
//!   `AREA: N passed, M failed` (plus expected failures) and fails if any case failed
//!   that is not in the area's expected-to-fail list, or if a listed case now passes.
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

/// Runs every case, prints a report and panics when the area is not as expected.
///
/// `expected_to_fail` lists `(case id, one-line reason)`; a listed case that fails is
/// reported but tolerated, a listed case that passes is an error (empty the list).
pub fn run_area<C>(
    area: &str,
    cases: Vec<(String, C)>,
    expected_to_fail: &[(&str, &str)],
    run: impl Fn(&C) -> Outcome,
) {
    let mut passed = 0usize;
    let mut failed = Vec::new();
    let mut xfailed = 0usize;
    let mut xpassed = Vec::new();
    for known in expected_to_fail {
        assert!(
            cases.iter().any(|(id, _)| id == known.0),
            "{area}: expected-to-fail entry {:?} names no case",
            known.0
        );
    }
    for (id, case) in &cases {
        let outcome = match catch_unwind(AssertUnwindSafe(|| run(case))) {
            Ok(o) => o,
            Err(p) => Err(format!(
                "panicked: {}",
                p.downcast_ref::<String>()
                    .map(String::as_str)
                    .or_else(|| p.downcast_ref::<&str>().copied())
                    .unwrap_or("<non-string panic>")
            )),
        };
        let listed = expected_to_fail.iter().find(|(k, _)| k == id);
        match (outcome, listed) {
            (Ok(()), None) => passed += 1,
            (Ok(()), Some(_)) => xpassed.push(id.clone()),
            (Err(_), Some(_)) => xfailed += 1,
            (Err(msg), None) => failed.push((id.clone(), msg)),
        }
    }
    for (id, msg) in &failed {
        println!("--- {area}/{id} FAILED\n{msg}\n");
    }
    for id in &xpassed {
        println!(
            "--- {area}/{id} passes but is listed as expected to fail: remove it from the list"
        );
    }
    println!(
        "{area}: {} passed, {} failed{}",
        passed + xpassed.len(),
        failed.len(),
        if xfailed > 0 {
            format!(" ({xfailed} more expected to fail)")
        } else {
            String::new()
        }
    );
    assert!(
        failed.is_empty() && xpassed.is_empty(),
        "{area}: {} case(s) failed, {} listed case(s) now pass: {:?}",
        failed.len(),
        xpassed.len(),
        failed
            .iter()
            .map(|(id, _)| id.as_str())
            .chain(xpassed.iter().map(String::as_str))
            .collect::<Vec<_>>()
    );
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_marks_changed_lines() {
        assert!(diff("a\nb\n", "a\nb\n").is_ok());
        let d = diff("a\nb\nc\n", "a\nx\nc\n").unwrap_err();
        assert!(d.contains("- b\n") && d.contains("+ x\n"), "{d}");
    }
}
