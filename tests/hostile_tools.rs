//! The command-line tools against hostile inputs, as an attacker who can push to a
//! repository would try them: each run under a memory cap and a hang guard
//! (`support/hostile.rs`), each must fail (or pass) with a message naming the problem and
//! leave everything outside its tree untouched.
#![cfg(unix)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../support/hostile.rs"]
mod hostile;

use std::os::unix::fs::symlink;
use std::path::Path;

use hostile::{ToolRun, example, run_capped};

const MARKED: &str = "image: ghcr.io/org/app:1.0.0 # {\"$imagepolicy\": \"flux-system:app\"}\n";

/// A failure with the tool's documented exit code for it (1; `image_policy set`: 2) and a
/// message holding every one of `words`.
fn assert_clean_failure(run: &ToolRun, code: i32, words: &[&str]) {
    assert!(!run.hung, "the tool hung: {run:?}");
    assert_eq!(run.code, Some(code), "exit code: {run:?}");
    for w in words {
        assert!(run.stderr.contains(w), "stderr does not say {w:?}: {run:?}");
    }
}

/// A repository beside an `outside/` folder whose files must never change.
fn repo_beside_outside() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    let outside = tmp.path().join("outside");
    std::fs::create_dir_all(repo.join("clusters/prod")).unwrap();
    std::fs::create_dir_all(outside.join("sub")).unwrap();
    std::fs::write(outside.join("sub/deploy.yaml"), MARKED).unwrap();
    std::fs::write(repo.join("clusters/prod/deploy.yaml"), MARKED).unwrap();
    (tmp, repo, outside)
}

fn assert_outside_untouched(outside: &Path) {
    assert_eq!(
        std::fs::read_to_string(outside.join("sub/deploy.yaml")).unwrap(),
        MARKED
    );
    assert_eq!(std::fs::read_dir(outside.join("sub")).unwrap().count(), 1);
}

#[test]
fn image_set_refuses_an_update_path_through_a_symlink_out_of_the_tree() {
    let Some(tool) = example("image_policy") else {
        return;
    };
    let (_tmp, repo, outside) = repo_beside_outside();
    symlink(&outside, repo.join("linkdir")).unwrap();
    let run = run_capped(
        &tool,
        &[
            "set",
            ".",
            "--policy",
            "flux-system:app=ghcr.io/org/app:2.0.0",
            "--update-path",
            "linkdir/sub",
        ],
        &repo,
    );
    assert_clean_failure(&run, 2, &["linkdir", "points outside the tree"]);
    assert_outside_untouched(&outside);
}

#[test]
fn image_set_never_writes_through_a_planted_temporary_name() {
    let Some(tool) = example("image_policy") else {
        return;
    };
    let (_tmp, repo, outside) = repo_beside_outside();
    // Temporary names of the old writer's shape, for every process id a run might get.
    for pid in 0..2000 {
        symlink(
            outside.join("sub/deploy.yaml"),
            repo.join(format!("clusters/prod/.deploy.yaml.tmp-{pid}")),
        )
        .unwrap();
    }
    let run = run_capped(
        &tool,
        &[
            "set",
            ".",
            "--policy",
            "flux-system:app=ghcr.io/org/app:2.0.0",
        ],
        &repo,
    );
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(
        std::fs::read_to_string(repo.join("clusters/prod/deploy.yaml"))
            .unwrap()
            .contains("app:2.0.0")
    );
    assert_outside_untouched(&outside);
}

#[test]
fn gitops_reconcile_does_not_read_kustomizations_through_directory_links() {
    let Some(tool) = example("gitops") else {
        return;
    };
    let (tmp, repo, outside) = repo_beside_outside();
    std::fs::write(
        outside.join("ks.yaml"),
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: evil\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n",
    )
    .unwrap();
    symlink(&outside, repo.join("clusters/linked")).unwrap();
    let store = tmp.path().join("store");
    let run = run_capped(
        &tool,
        &["reconcile", "repo", "--store", store.to_str().unwrap()],
        tmp.path(),
    );
    assert_clean_failure(&run, 1, &["no Flux Kustomization found"]);
}

#[test]
fn kustomize_build_names_a_fifo_instead_of_hanging() {
    let Some(tool) = example("kustomize") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("kustomization.yaml"),
        "resources: [pipe.yaml]\n",
    )
    .unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(tmp.path().join("pipe.yaml"))
        .status()
        .unwrap();
    assert!(made.success());
    let run = run_capped(&tool, &["build", "."], tmp.path());
    assert_clean_failure(&run, 1, &["pipe.yaml", "FIFO"]);
}

#[test]
fn kustomize_build_refuses_a_patch_linked_from_outside_the_kustomization() {
    let Some(tool) = example("kustomize") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::create_dir_all(root.join("overlay")).unwrap();
    std::fs::write(
        root.join("overlay/cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n",
    )
    .unwrap();
    std::fs::write(
        root.join("secret.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  leaked: \"yes\"\n",
    )
    .unwrap();
    symlink("../secret.yaml", root.join("overlay/patch.yaml")).unwrap();
    std::fs::write(
        root.join("overlay/kustomization.yaml"),
        "resources: [cm.yaml]\npatches: [{path: patch.yaml}]\n",
    )
    .unwrap();
    let run = run_capped(&tool, &["build", "overlay"], root);
    assert_clean_failure(&run, 1, &["security; file", "is not in or below"]);
    assert!(!run.stdout.contains("leaked"), "{run:?}");
}
