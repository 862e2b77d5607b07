//! [`GitBackend`] over gix; push (which gix does not do) runs the `git` CLI.
//!
//! Fetch and clone over `file://` and `ssh://` spawn `git-upload-pack`, so the `git` binary
//! must be on `PATH` for those transports.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::AtomicBool;

use super::{GitBackend, Refs, Signature, TreeFile};
use crate::Error;

/// The gix-backed git backend.
#[derive(Debug, Clone, Copy, Default)]
pub struct GixBackend;

fn err(op: &'static str, repo: impl std::fmt::Display, e: impl std::fmt::Display) -> Error {
    Error::Git {
        op,
        repo: repo.to_string(),
        message: e.to_string(),
    }
}

/// Largest tree read (files) and blob (bytes).
const MAX_FILES: usize = 100_000;
const MAX_BLOB: usize = 64 * 1024 * 1024;

fn collect_refs(repo: &gix::Repository, where_: &str) -> Result<Refs, Error> {
    let mut out = Refs::new();
    let platform = repo.references().map_err(|e| err("fetch", where_, e))?;
    for r in platform.all().map_err(|e| err("fetch", where_, e))? {
        let mut r = r.map_err(|e| err("fetch", where_, e))?;
        let name = r.name().as_bstr().to_string();
        let name = match name.strip_prefix("refs/remotes/origin/") {
            Some("HEAD") => continue,
            Some(b) => format!("refs/heads/{b}"),
            None => name,
        };
        if let Ok(id) = r.peel_to_id() {
            out.entry(name).or_insert_with(|| id.to_string());
        }
    }
    Ok(out)
}

fn git(dir: &Path, args: &[&str], op: &'static str) -> Result<String, Error> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .map_err(|e| err(op, dir.display(), format!("cannot run git: {e}")))?;
    if !out.status.success() {
        return Err(err(
            op,
            dir.display(),
            String::from_utf8_lossy(&out.stderr).trim(),
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

impl GixBackend {
    /// The checked-out revision of a work tree or repository at `dir` (`main@sha1:<hex>`,
    /// or `sha1:<hex>` on a detached HEAD).
    pub fn head_revision(dir: &Path) -> Result<super::Resolved, Error> {
        let repo = gix::discover(dir).map_err(|e| err("read", dir.display(), e))?;
        let commit = repo
            .head_id()
            .map_err(|e| err("read", dir.display(), e))?
            .to_string();
        let name = repo
            .head_name()
            .map_err(|e| err("read", dir.display(), e))?
            .map(|n| n.shorten().to_string())
            .unwrap_or_default();
        Ok(super::Resolved { name, commit })
    }
}

impl GitBackend for GixBackend {
    fn fetch(&self, url: &str, mirror: &Path) -> Result<Refs, Error> {
        let interrupt = AtomicBool::new(false);
        if mirror.join("HEAD").is_file() {
            let repo = gix::open(mirror).map_err(|e| err("fetch", url, e))?;
            let remote = repo
                .find_remote("origin")
                .map_err(|e| err("fetch", url, e))?
                .with_refspecs(
                    ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"],
                    gix::remote::Direction::Fetch,
                )
                .map_err(|e| err("fetch", url, e))?;
            remote
                .connect(gix::remote::Direction::Fetch)
                .map_err(|e| err("fetch", url, e))?
                .prepare_fetch(gix::progress::Discard, Default::default())
                .map_err(|e| err("fetch", url, e))?
                .receive(gix::progress::Discard, &interrupt)
                .map_err(|e| err("fetch", url, e))?;
            return collect_refs(&repo, url);
        }
        std::fs::create_dir_all(mirror).map_err(|e| Error::io(mirror.display(), e))?;
        let mut prepare = gix::prepare_clone_bare(url, mirror)
            .map_err(|e| err("clone", url, e))?
            .configure_remote(|r| {
                r.with_refspecs(
                    ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"],
                    gix::remote::Direction::Fetch,
                )
            });
        let (repo, _) = prepare
            .fetch_only(gix::progress::Discard, &interrupt)
            .map_err(|e| err("clone", url, e))?;
        collect_refs(&repo, url)
    }

    fn read_tree(&self, mirror: &Path, commit: &str) -> Result<Vec<TreeFile>, Error> {
        let where_ = mirror.display();
        let repo = gix::open(mirror).map_err(|e| err("read", &where_, e))?;
        let id = gix::ObjectId::from_hex(commit.as_bytes()).map_err(|e| err("read", &where_, e))?;
        let tree = repo
            .find_object(id)
            .map_err(|e| err("read", &where_, format!("commit {commit}: {e}")))?
            .peel_to_commit()
            .map_err(|e| err("read", &where_, e))?
            .tree()
            .map_err(|e| err("read", &where_, e))?;
        let mut recorder = gix::traverse::tree::Recorder::default();
        tree.traverse()
            .breadthfirst(&mut recorder)
            .map_err(|e| err("read", &where_, e))?;
        let mut files = Vec::new();
        for entry in recorder.records {
            if !entry.mode.is_blob() {
                continue;
            }
            if files.len() >= MAX_FILES {
                return Err(err("read", &where_, format!("more than {MAX_FILES} files")));
            }
            let blob = repo
                .find_object(entry.oid)
                .map_err(|e| err("read", &where_, e))?;
            if blob.data.len() > MAX_BLOB {
                return Err(err(
                    "read",
                    &where_,
                    format!("{} is larger than {MAX_BLOB} bytes", entry.filepath),
                ));
            }
            files.push(TreeFile {
                path: entry.filepath.to_string(),
                data: blob.data.clone(),
            });
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(files)
    }

    fn checkout(&self, url: &str, branch: &str, workdir: &Path) -> Result<String, Error> {
        let interrupt = AtomicBool::new(false);
        std::fs::create_dir_all(workdir).map_err(|e| Error::io(workdir.display(), e))?;
        let mut prepare = gix::prepare_clone(url, workdir)
            .map_err(|e| err("clone", url, e))?
            .with_ref_name(Some(branch))
            .map_err(|e| err("clone", url, e))?;
        let (mut checkout, _) = prepare
            .fetch_then_checkout(gix::progress::Discard, &interrupt)
            .map_err(|e| err("clone", url, e))?;
        let (repo, _) = checkout
            .main_worktree(gix::progress::Discard, &interrupt)
            .map_err(|e| err("checkout", url, e))?;
        let head = repo.head_id().map_err(|e| err("checkout", url, e))?;
        Ok(head.to_string())
    }

    fn commit_all(
        &self,
        workdir: &Path,
        message: &str,
        author: &Signature,
    ) -> Result<Option<String>, Error> {
        git(workdir, &["add", "-A"], "commit")?;
        if git(workdir, &["status", "--porcelain"], "commit")?.is_empty() {
            return Ok(None);
        }
        let name = format!("user.name={}", author.name);
        let email = format!("user.email={}", author.email);
        git(
            workdir,
            &["-c", &name, "-c", &email, "commit", "-q", "-m", message],
            "commit",
        )?;
        git(workdir, &["rev-parse", "HEAD"], "commit").map(Some)
    }

    fn push(&self, workdir: &Path, refspec: &str) -> Result<(), Error> {
        git(workdir, &["push", "-q", "origin", refspec], "push").map(|_| ())
    }
}
