//! Every expected output of the kustomize conformance corpus is `kustomize build` output, so
//! reading it and writing it back must give the same bytes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../../support/conformance.rs"]
mod conformance;

use kustomize_lite::yaml::{emit_stream, parse_stream};

/// (case id, reason) pairs expected to fail; keep empty.
const EXPECTED_TO_FAIL: &[(&str, &str)] = &[];

fn expected_outputs_round_trip_byte_for_byte() -> Vec<libtest_mimic::Trial> {
    let Some(dir) = conformance::area_dir("kustomize") else {
        return Vec::new();
    };
    let mut cases = Vec::new();
    for case in conformance::case_dirs(&dir) {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        for file in ["expected.yaml", "expected_legacy_order.yaml"] {
            let path = case.join(file);
            if path.is_file() {
                cases.push((format!("{name}/{file}"), path));
            }
        }
    }
    assert!(
        !cases.is_empty(),
        "no expected outputs found under {}",
        dir.display()
    );
    conformance::trials(
        "kustomize-yaml-roundtrip",
        cases,
        EXPECTED_TO_FAIL,
        |path| {
            let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
            let docs =
                parse_stream(&text, &path.display().to_string()).map_err(|e| e.to_string())?;
            conformance::diff(&text, &emit_stream(&docs))
        },
    )
}

fn main() {
    conformance::main(vec![expected_outputs_round_trip_byte_for_byte()]);
}
