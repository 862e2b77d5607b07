//! Hostile trees on disk: symbolic links out of a kustomization's folder or out of the file
//! system's root, FIFOs, self-including folders. Each case runs isolated (a child process
//! under a memory cap and a hang guard) and must fail with a message naming the problem.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../support/hostile.rs"]
mod hostile;

use std::os::unix::fs::symlink;
use std::path::Path;

use kustomize_lite::{DiskFs, LoadRestrictions, Options, build_to_string, build_with};

const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: \"1\"\n";
const PATCH: &str =
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  leaked: \"yes\"\n";

/// `repo/base` (a ConfigMap), `repo/overlay` naming it, `repo/secret-patch.yaml` beside them
/// and `outside/` next to the repository.
fn tree() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    std::fs::create_dir_all(repo.join("base")).unwrap();
    std::fs::create_dir_all(repo.join("overlay")).unwrap();
    std::fs::create_dir_all(tmp.path().join("outside")).unwrap();
    std::fs::write(
        repo.join("base/kustomization.yaml"),
        "resources: [cm.yaml]\n",
    )
    .unwrap();
    std::fs::write(repo.join("base/cm.yaml"), CM).unwrap();
    std::fs::write(repo.join("secret-patch.yaml"), PATCH).unwrap();
    std::fs::write(tmp.path().join("outside/cm.yaml"), CM).unwrap();
    (tmp, repo)
}

fn build(repo: &Path, dir: &str) -> Result<String, String> {
    let fs = DiskFs::new(repo).map_err(|e| e.to_string())?;
    build_to_string(&fs, dir).map_err(|e| e.to_string())
}

fn expect_err(result: Result<String, String>, words: &[&str]) -> Result<(), String> {
    match result {
        Ok(out) => Err(format!("built, where an error was expected:\n{out}")),
        Err(e) if words.iter().all(|w| e.contains(w)) => Ok(()),
        Err(e) => Err(format!("error {e:?} does not say {words:?}")),
    }
}

#[test]
fn a_symlinked_patch_leaving_the_kustomization_folder_is_refused() {
    hostile::isolated(
        "a_symlinked_patch_leaving_the_kustomization_folder_is_refused",
        || {
            let (_tmp, repo) = tree();
            symlink("../secret-patch.yaml", repo.join("overlay/patch.yaml")).unwrap();
            std::fs::write(
                repo.join("overlay/kustomization.yaml"),
                "resources: [../base]\npatches: [{path: patch.yaml}]\n",
            )
            .unwrap();
            // The link stays inside the file system's root but leaves the overlay's folder:
            // kustomize refuses it ("security; file ... is not in or below ...").
            expect_err(
                build(&repo, "overlay"),
                &["security; file 'overlay/patch.yaml' is not in or below 'overlay'"],
            )?;
            // With LoadRestrictionsNone it loads, as kustomize's --load-restrictor does.
            let fs = DiskFs::new(&repo).unwrap();
            let none = Options {
                load_restrictions: LoadRestrictions::None,
                ..Options::default()
            };
            let objs = build_with(&fs, "overlay", none).map_err(|e| e.to_string())?;
            match objs.first().and_then(|o| o.pointer("/data/leaked")) {
                Some(v) if v == "yes" => Ok(()),
                other => Err(format!("the patch did not apply: {other:?}")),
            }
        },
    );
}

#[test]
fn a_symlink_out_of_the_file_system_root_says_so() {
    hostile::isolated("a_symlink_out_of_the_file_system_root_says_so", || {
        let (tmp, repo) = tree();
        symlink(tmp.path().join("outside"), repo.join("overlay/ext")).unwrap();
        std::fs::write(
            repo.join("overlay/kustomization.yaml"),
            "resources: [ext/cm.yaml]\n",
        )
        .unwrap();
        expect_err(
            build(&repo, "overlay"),
            &["overlay/ext/cm.yaml", "outside the root"],
        )
    });
}

#[test]
fn a_fifo_resource_is_named_and_does_not_hang() {
    hostile::isolated("a_fifo_resource_is_named_and_does_not_hang", || {
        let (_tmp, repo) = tree();
        let fifo = repo.join("base/pipe.yaml");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        if !made.success() {
            return Err("mkfifo failed".into());
        }
        std::fs::write(
            repo.join("base/kustomization.yaml"),
            "resources: [pipe.yaml]\n",
        )
        .unwrap();
        expect_err(build(&repo, "base"), &["base/pipe.yaml", "FIFO"])?;
        // A FIFO named as a patch file is refused the same way, not opened.
        std::fs::write(
            repo.join("base/kustomization.yaml"),
            "resources: [cm.yaml]\npatches: [{path: pipe.yaml}]\n",
        )
        .unwrap();
        expect_err(build(&repo, "base"), &["pipe.yaml", "FIFO"])
    });
}

#[test]
fn a_folder_including_itself_through_a_symlink_is_a_cycle() {
    hostile::isolated(
        "a_folder_including_itself_through_a_symlink_is_a_cycle",
        || {
            let (_tmp, repo) = tree();
            symlink(".", repo.join("base/self")).unwrap();
            std::fs::write(repo.join("base/kustomization.yaml"), "resources: [self]\n").unwrap();
            expect_err(
                build(&repo, "base"),
                &["cycle detected: candidate root 'base/self' contains visited root 'base'"],
            )?;
            symlink("../overlay", repo.join("base/up")).unwrap();
            std::fs::write(repo.join("base/kustomization.yaml"), "resources: [up]\n").unwrap();
            std::fs::write(
                repo.join("overlay/kustomization.yaml"),
                "resources: [../base]\n",
            )
            .unwrap();
            expect_err(
                build(&repo, "overlay"),
                &["cycle detected", "visited root 'overlay'"],
            )
        },
    );
}
