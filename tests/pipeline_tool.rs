//! The `pipeline` tool as a user runs it: any stream of documents, several files, notes on
//! stderr, and a closed pipe (`pipeline simulate ... | head`) that ends it quietly.
#![cfg(unix)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../support/hostile.rs"]
mod hostile;

use std::process::{Command, Stdio};

use hostile::{example, run_capped};

const TASK: &str = "apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: greet}\nspec:\n  results: [{name: word}]\n  steps:\n  - {name: s, image: alpine}\n";

const PIPELINE_AND_PVC: &str = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: pvc}\nspec: {accessModes: [ReadWriteOnce]}\n---\napiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: p}\nspec:\n  tasks:\n  - {name: a, taskRef: {name: greet}}\n  - name: b\n    taskRef: {name: greet}\n    params: [{name: w, value: $(tasks.a.results.word)}]\n";

#[test]
fn validate_reads_several_files_and_notes_what_it_skips() {
    let Some(tool) = example("pipeline") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("task.yaml"), TASK).unwrap();
    std::fs::write(tmp.path().join("pipeline.yaml"), PIPELINE_AND_PVC).unwrap();
    let both = run_capped(
        &tool,
        &["validate", "pipeline.yaml", "task.yaml"],
        tmp.path(),
    );
    assert_eq!(both.code, Some(0), "{both:?}");
    assert_eq!(both.stdout, "valid\n");
    assert!(
        both.stderr
            .contains("PersistentVolumeClaim \"pvc\"): skipped"),
        "{both:?}"
    );
    assert!(
        !both.stderr.contains("not among the given documents"),
        "{both:?}"
    );
    let alone = run_capped(&tool, &["validate", "pipeline.yaml"], tmp.path());
    assert_eq!(alone.code, Some(0), "{alone:?}");
    assert!(
        alone
            .stderr
            .contains("pipeline \"p\": Task \"greet\" is not among the given documents"),
        "{alone:?}"
    );
    // Another letter case inside a taskSpec is accepted and noted, or an error on request.
    std::fs::write(
        tmp.path().join("case.yaml"),
        "apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata: {name: tr}\nspec:\n  taskSpec:\n    steps: [{name: s, image: alpine, workingdir: /w}]\n",
    )
    .unwrap();
    let noted = run_capped(&tool, &["validate", "case.yaml"], tmp.path());
    assert_eq!(noted.code, Some(0), "{noted:?}");
    assert!(
        noted
            .stderr
            .contains("spec.taskSpec.steps[0].workingdir is not \"workingDir\""),
        "{noted:?}"
    );
    let strict = run_capped(
        &tool,
        &["validate", "case.yaml", "--case-sensitive"],
        tmp.path(),
    );
    assert_eq!(strict.code, Some(1), "{strict:?}");
    assert!(
        strict
            .stdout
            .contains("spec.taskSpec.steps[0].workingdir is not \"workingDir\"")
            && strict.stdout.contains("--case-sensitive"),
        "{strict:?}"
    );
    std::fs::write(
        tmp.path().join("typo.yaml"),
        PIPELINE_AND_PVC.replace("params:", "parms:"),
    )
    .unwrap();
    let typo = run_capped(&tool, &["validate", "typo.yaml"], tmp.path());
    assert_eq!(typo.code, Some(1), "{typo:?}");
    assert!(
        typo.stdout
            .contains("document 1 (Pipeline \"p\"): unknown field(s): spec.tasks[1].parms"),
        "{typo:?}"
    );
}

#[test]
fn simulate_emits_declared_results_unless_told_not_to() {
    let Some(tool) = example("pipeline") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("all.yaml"),
        format!("{TASK}---\n{PIPELINE_AND_PVC}"),
    )
    .unwrap();
    let run = run_capped(&tool, &["simulate", "all.yaml"], tmp.path());
    assert_eq!(run.code, Some(0), "{run:?}");
    let out: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(out["reason"], "Succeeded", "{run:?}");
    let off = run_capped(&tool, &["simulate", "all.yaml", "--no-results"], tmp.path());
    let out: serde_json::Value = serde_json::from_str(&off.stdout).unwrap();
    assert_eq!(out["status"], "False", "{off:?}");
}

#[test]
fn a_closed_pipe_ends_the_tool_quietly() {
    let Some(tool) = example("pipeline") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    // Enough tasks that the output is larger than any pipe buffer.
    let mut yaml = String::from(
        "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: wide}\nspec:\n  tasks:\n",
    );
    for i in 0..3000 {
        yaml.push_str(&format!("  - {{name: task-{i}, taskRef: {{name: t}}}}\n"));
    }
    std::fs::write(tmp.path().join("wide.yaml"), yaml).unwrap();
    for cmd in ["simulate", "validate"] {
        let mut child = Command::new(&tool)
            .args([cmd, "wide.yaml"])
            .current_dir(tmp.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The reader goes away at once, as `head` does after its lines.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{cmd}: {stderr}");
        assert_eq!(out.status.code(), Some(0), "{cmd}: {stderr}");
    }
}

#[test]
fn simulate_reads_several_files_and_names_an_unfetched_resolver() {
    let Some(tool) = example("pipeline") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("task.yaml"), TASK).unwrap();
    std::fs::write(tmp.path().join("pipeline.yaml"), PIPELINE_AND_PVC).unwrap();
    std::fs::write(
        tmp.path().join("run.yaml"),
        "apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata: {name: r}\nspec:\n  pipelineRef: {name: p}\n",
    )
    .unwrap();
    let run = run_capped(
        &tool,
        &[
            "simulate",
            "run.yaml",
            "pipeline.yaml",
            "task.yaml",
            "--fail",
            "b",
        ],
        tmp.path(),
    );
    let out: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(out["reason"], "Failed", "{run:?}");
    assert_eq!(out["tasks"]["a"]["status"], "Succeeded", "{run:?}");
    std::fs::write(
        tmp.path().join("remote.yaml"),
        "apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata: {name: r}\nspec:\n  pipelineRef:\n    resolver: git\n    params: [{name: url, value: https://example.invalid/p.git}]\n",
    )
    .unwrap();
    let remote = run_capped(&tool, &["simulate", "remote.yaml"], tmp.path());
    assert_eq!(remote.code, Some(1), "{remote:?}");
    assert!(
        remote.stderr.contains(
            "pipelinerun \"r\": pipelineRef resolves through the git resolver (url=https://example.invalid/p.git)"
        ),
        "{remote:?}"
    );
}
