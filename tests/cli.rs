//! The `gitops-toolkit` binary: help, version, exit codes, output formats, closed pipes and
//! `kustomize build .` inside an overlay whose base sits beside it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![cfg(feature = "cli")]

use std::io::Read as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_gitops-toolkit"))
}

fn run(args: &[&str], dir: Option<&Path>) -> Output {
    let mut c = bin();
    c.args(args);
    if let Some(d) = dir {
        c.current_dir(d);
    }
    c.output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn help_and_version_go_to_stdout_with_0() {
    let out = run(&["--help"], None);
    assert_eq!(out.status.code(), Some(0));
    let help = text(&out.stdout);
    for cmd in [
        "kustomize",
        "pipeline",
        "triggers",
        "image",
        "helm",
        "gitops",
    ] {
        assert!(help.contains(cmd), "{help}");
    }
    assert!(out.stderr.is_empty());
    let out = run(&["pipeline", "simulate", "--help"], None);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("--no-results"));
    let out = run(&["--version"], None);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        text(&out.stdout).trim(),
        format!("gitops-toolkit {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn usage_errors_exit_2_and_failures_exit_1() {
    for args in [
        &["frobnicate"][..],
        &["kustomize"],
        &["kustomize", "build", "--load-restrictor", "Sometimes"],
        &["pipeline", "validate"],
        &["-o", "xml", "kustomize", "build"],
        &["gitops", "substitute", "--var", "novalue", "f.yaml"],
    ] {
        let out = run(args, None);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
    let out = run(&["kustomize", "build", "/nonexistent/dir"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("/nonexistent/dir"));
}

fn overlay_tree() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let w = |p: &str, s: &str| {
        let f = t.path().join(p);
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(f, s).unwrap();
    };
    w("base/kustomization.yaml", "resources: [cm.yaml]\n");
    w(
        "base/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\ndata: {mode: base}\n",
    );
    w(
        "overlays/prod/kustomization.yaml",
        "resources: [../../base]\nnamePrefix: prod-\nnamespace: prod\n",
    );
    t
}

#[test]
fn kustomize_build_dot_in_an_overlay_with_a_base_beside_it() {
    let t = overlay_tree();
    let out = run(
        &["kustomize", "build", "."],
        Some(&t.path().join("overlays/prod")),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // What `kubectl kustomize overlays/prod` prints for this tree.
    assert_eq!(
        text(&out.stdout),
        "apiVersion: v1\ndata:\n  mode: base\nkind: ConfigMap\nmetadata:\n  name: prod-app\n  namespace: prod\n"
    );
    let out = run(
        &["-o", "json", "kustomize", "build", "overlays/prod"],
        Some(t.path()),
    );
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["kind"], "List");
    assert_eq!(v["items"][0]["metadata"]["name"], "prod-app");
    let out = run(
        &["kustomize", "build", "overlays/prod", "-o", "yaml"],
        Some(t.path()),
    );
    assert!(text(&out.stdout).starts_with("apiVersion: v1\n"));
}

#[test]
fn pipeline_validate_speaks_json() {
    let t = tempfile::tempdir().unwrap();
    let f = t.path().join("p.yaml");
    std::fs::write(
        &f,
        "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: p}\nspec:\n  tasks:\n  - name: a\n    runAftr: [b]\n    taskSpec: {steps: [{image: alpine, script: 'true'}]}\n",
    )
    .unwrap();
    let out = run(
        &["pipeline", "validate", f.to_str().unwrap(), "-o", "json"],
        None,
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["valid"], false, "{v}");
    assert!(v["errors"][0].as_str().unwrap().contains("runAftr"), "{v}");
}

#[test]
fn a_closed_pipe_ends_the_command_quietly() {
    let t = tempfile::tempdir().unwrap();
    let mut docs = String::new();
    for i in 0..20_000 {
        docs.push_str(&format!(
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}}}\ndata: {{k: v}}\n"
        ));
    }
    std::fs::write(t.path().join("cms.yaml"), docs).unwrap();
    std::fs::write(
        t.path().join("kustomization.yaml"),
        "resources: [cms.yaml]\n",
    )
    .unwrap();
    let mut child = bin()
        .args(["kustomize", "build", t.path().to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // stdout is dropped here: the pipe is closed with most of the output unwritten.
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(status.code(), Some(0), "{err}");
}
