//! Conformance: every case of the `kustomize` area, built through the public API.
//!
//! A case passes when `build_to_string` prints `expected_legacy_order.yaml` byte for byte,
//! the input-order build (`Reorder::None`, or legacy where the case says so) prints
//! `expected.yaml`, and an `expected_error.txt` case fails with that text in its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../../support/conformance.rs"]
mod conformance;

use kustomize_lite::{MemoryFs, Options, Reorder};
use std::path::Path;

/// Cases expected to fail, with the reason. Empty: every case passes.
const EXPECTED_TO_FAIL: &[(&str, &str)] = &[];

fn load_tree(fs: &mut MemoryFs, root: &Path, dir: &Path) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            load_tree(fs, root, &path);
        } else {
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            fs.insert(&rel, std::fs::read(&path).unwrap());
        }
    }
}

fn run_case(case: &Path) -> conformance::Outcome {
    let mut fs = MemoryFs::new();
    let input = case.join("input");
    load_tree(&mut fs, &input, &input);
    let dir = std::fs::read_to_string(case.join("build_dir.txt"))
        .unwrap()
        .trim()
        .to_string();
    let source = std::fs::read_to_string(case.join("source.txt")).unwrap_or_default();
    if let Ok(want) = std::fs::read_to_string(case.join("expected_error.txt")) {
        let want = want.trim();
        return match kustomize_lite::build_to_string(&fs, &dir) {
            Ok(out) => Err(format!(
                "expected an error containing {want:?}, got output:\n{out}"
            )),
            Err(e) => {
                let msg = e.to_string();
                // Each line of the file is a substring the message must hold.
                match want
                    .lines()
                    .map(str::trim)
                    .find(|l| !l.is_empty() && !msg.contains(l))
                {
                    None => Ok(()),
                    Some(line) => Err(format!("error {msg:?} does not contain {line:?}")),
                }
            }
        };
    }
    if let Ok(want) = std::fs::read_to_string(case.join("expected_legacy_order.yaml")) {
        let got =
            kustomize_lite::build_to_string(&fs, &dir).map_err(|e| format!("build failed: {e}"))?;
        conformance::diff(&want, &got).map_err(|d| format!("legacy order output differs:\n{d}"))?;
    }
    if let Ok(want) = std::fs::read_to_string(case.join("expected.yaml")) {
        let reorder = if source.contains("reorder: legacy") {
            Reorder::Legacy
        } else {
            Reorder::None
        };
        let objs = kustomize_lite::build_with(
            &fs,
            &dir,
            Options {
                reorder,
                ..Options::default()
            },
        )
        .map_err(|e| format!("build failed: {e}"))?;
        let got = kustomize_lite::yaml::emit_stream(&objs);
        conformance::diff(&want, &got).map_err(|d| format!("input order output differs:\n{d}"))?;
    }
    Ok(())
}

fn kustomize_conformance() -> Vec<libtest_mimic::Trial> {
    let Some(area) = conformance::area_dir("kustomize") else {
        return Vec::new();
    };
    let cases = conformance::case_dirs(&area)
        .into_iter()
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), p))
        .collect();
    conformance::trials("kustomize", cases, EXPECTED_TO_FAIL, |p| run_case(p))
}

fn main() {
    conformance::main(vec![kustomize_conformance()]);
}
