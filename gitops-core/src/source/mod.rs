//! Git sources: the [`GitBackend`] trait, Flux's reference resolution, revision strings and
//! ignore rules.
//!
//! Resolution follows Flux's precedence: `commit` > `name` > `semver` > `tag` > `branch`
//! (default branch `master` when no ref is given). A resolved revision prints as Flux's
//! artifact revision: `main@sha1:<40 hex>`, `v1.2.3@sha1:<hex>`, `refs/pull/1/head@sha1:<hex>`,
//! or `sha1:<hex>` for a bare commit.
//!
//! ```
//! use std::collections::BTreeMap;
//! use gitops_core::model::GitRepositoryRef;
//! use gitops_core::source::resolve_ref;
//! let c = "0123456789abcdef0123456789abcdef01234567";
//! let refs = BTreeMap::from([
//!     ("refs/heads/main".to_string(), c.to_string()),
//!     ("refs/tags/v1.2.0".to_string(), c.to_string()),
//! ]);
//! let r = GitRepositoryRef { semver: Some(">=1.0.0".into()), ..Default::default() };
//! assert_eq!(resolve_ref(Some(&r), &refs, "repo").unwrap().revision(), format!("v1.2.0@sha1:{c}"));
//! ```

#[cfg(feature = "git")]
mod gix_backend;
mod ignore;
mod scan;

#[cfg(feature = "git")]
pub use gix_backend::GixBackend;
pub use ignore::{DEFAULT_EXCLUDES, IgnoreRules};
pub use scan::{MAX_SCAN_DEPTH, MAX_SCAN_FILE_BYTES, scan_dir};

use std::collections::BTreeMap;
use std::path::Path;

use crate::Error;
use crate::model::GitRepositoryRef;

/// Reference name (`refs/heads/main`, `refs/tags/v1`, tags peeled) to commit (40 hex).
pub type Refs = BTreeMap<String, String>;

/// One file of a tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeFile {
    /// Path relative to the repository root, `/`-separated.
    pub path: String,
    /// Contents.
    pub data: Vec<u8>,
}

/// Commit author (and committer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// Name.
    pub name: String,
    /// Email.
    pub email: String,
}

/// Git operations the engine needs. [`GixBackend`] implements them with gix (push with the
/// `git` CLI); tests inject faults through their own implementation.
pub trait GitBackend {
    /// Clones `url` into the bare mirror `mirror` (or fetches when it exists) and returns
    /// every branch and tag.
    fn fetch(&self, url: &str, mirror: &Path) -> Result<Refs, Error>;
    /// Every file of the tree of `commit` in `mirror`, without a work tree.
    fn read_tree(&self, mirror: &Path, commit: &str) -> Result<Vec<TreeFile>, Error>;
    /// Clones `url` with a work tree at `workdir`, `branch` checked out; returns its commit.
    fn checkout(&self, url: &str, branch: &str, workdir: &Path) -> Result<String, Error>;
    /// Commits every change of the work tree; `None` when nothing changed.
    fn commit_all(
        &self,
        workdir: &Path,
        message: &str,
        author: &Signature,
    ) -> Result<Option<String>, Error>;
    /// Pushes `refspec` (`HEAD:refs/heads/main`) to the work tree's origin.
    fn push(&self, workdir: &Path, refspec: &str) -> Result<(), Error>;
}

/// What a reference resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The name part of the revision (`main`, `v1.2.3`, `refs/pull/1/head`), empty for a
    /// bare commit.
    pub name: String,
    /// The commit (40 hex).
    pub commit: String,
}

impl Resolved {
    /// Flux's artifact revision string.
    pub fn revision(&self) -> String {
        if self.name.is_empty() {
            format!("sha1:{}", self.commit)
        } else {
            format!("{}@sha1:{}", self.name, self.commit)
        }
    }
}

fn lookup(refs: &Refs, full: &str, repo: &str, what: &str) -> Result<String, Error> {
    refs.get(full).cloned().ok_or_else(|| Error::Git {
        op: "resolve",
        repo: repo.to_string(),
        message: format!("{what} not found"),
    })
}

fn is_hex_commit(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Resolves a `GitRepository` ref against the refs of the repository (Flux's rules).
pub fn resolve_ref(
    reference: Option<&GitRepositoryRef>,
    refs: &Refs,
    repo: &str,
) -> Result<Resolved, Error> {
    let default = GitRepositoryRef::default();
    let r = reference.unwrap_or(&default);
    if let Some(commit) = r.commit.as_deref().filter(|c| !c.is_empty()) {
        if !is_hex_commit(commit) {
            return Err(Error::Git {
                op: "resolve",
                repo: repo.into(),
                message: format!("commit {commit:?} is not a full SHA-1"),
            });
        }
        let name = r
            .branch
            .clone()
            .filter(|b| !b.is_empty())
            .unwrap_or_default();
        return Ok(Resolved {
            name,
            commit: commit.to_ascii_lowercase(),
        });
    }
    if let Some(name) = r.name.as_deref().filter(|n| !n.is_empty()) {
        let commit = lookup(refs, name, repo, &format!("reference {name:?}"))?;
        return Ok(Resolved {
            name: name.to_string(),
            commit,
        });
    }
    if let Some(range) = r.semver.as_deref().filter(|s| !s.is_empty()) {
        let constraint =
            image_policy::semver_range::Constraint::parse(range).map_err(|e| Error::Git {
                op: "resolve",
                repo: repo.into(),
                message: format!("invalid semver range {range:?}: {e}"),
            })?;
        let best = refs
            .iter()
            .filter_map(|(k, c)| k.strip_prefix("refs/tags/").map(|t| (t, c)))
            .filter_map(|(t, c)| {
                image_policy::semver_range::parse_tag_version(t)
                    .ok()
                    .map(|v| (v, t, c))
            })
            .filter(|(v, _, _)| constraint.matches(v))
            .max_by(|a, b| {
                image_policy::semver_range::compare(&a.0, &b.0).then_with(|| a.1.cmp(b.1))
            });
        return match best {
            Some((_, tag, commit)) => Ok(Resolved {
                name: tag.to_string(),
                commit: commit.clone(),
            }),
            None => Err(Error::Git {
                op: "resolve",
                repo: repo.into(),
                message: format!("no tag matches semver range {range:?}"),
            }),
        };
    }
    if let Some(tag) = r.tag.as_deref().filter(|t| !t.is_empty()) {
        let commit = lookup(
            refs,
            &format!("refs/tags/{tag}"),
            repo,
            &format!("tag {tag:?}"),
        )?;
        return Ok(Resolved {
            name: tag.to_string(),
            commit,
        });
    }
    let branch = r
        .branch
        .as_deref()
        .filter(|b| !b.is_empty())
        .unwrap_or("master");
    let commit = lookup(
        refs,
        &format!("refs/heads/{branch}"),
        repo,
        &format!("branch {branch:?}"),
    )?;
    Ok(Resolved {
        name: branch.to_string(),
        commit,
    })
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
mod tests {
    use super::*;

    #[test]
    fn precedence_table() {
        let c = |n: u8| format!("{:040x}", n);
        let refs: Refs = [
            ("refs/heads/master", c(1)),
            ("refs/heads/main", c(2)),
            ("refs/tags/v1.0.0", c(3)),
            ("refs/tags/v1.5.0", c(4)),
            ("refs/tags/2.0.0", c(5)),
            ("refs/pull/7/head", c(6)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let r = |b: Option<&str>,
                 t: Option<&str>,
                 s: Option<&str>,
                 n: Option<&str>,
                 cm: Option<String>| GitRepositoryRef {
            branch: b.map(Into::into),
            tag: t.map(Into::into),
            semver: s.map(Into::into),
            name: n.map(Into::into),
            commit: cm,
        };
        let cases = [
            (None, Ok(format!("master@sha1:{}", c(1)))),
            (
                Some(r(Some("main"), None, None, None, None)),
                Ok(format!("main@sha1:{}", c(2))),
            ),
            (
                Some(r(Some("main"), Some("v1.0.0"), None, None, None)),
                Ok(format!("v1.0.0@sha1:{}", c(3))),
            ),
            (
                Some(r(None, Some("v1.0.0"), Some("<2.0.0"), None, None)),
                Ok(format!("v1.5.0@sha1:{}", c(4))),
            ),
            (
                Some(r(None, None, Some(">=1.0.0"), None, None)),
                Ok(format!("2.0.0@sha1:{}", c(5))),
            ),
            (
                Some(r(None, None, Some("1.0.x || >=3"), None, None)),
                Ok(format!("v1.0.0@sha1:{}", c(3))),
            ),
            (
                Some(r(
                    Some("main"),
                    None,
                    Some(">=1"),
                    Some("refs/pull/7/head"),
                    None,
                )),
                Ok(format!("refs/pull/7/head@sha1:{}", c(6))),
            ),
            (
                Some(r(
                    Some("main"),
                    None,
                    None,
                    Some("refs/pull/7/head"),
                    Some(c(9)),
                )),
                Ok(format!("main@sha1:{}", c(9))),
            ),
            (
                Some(r(None, None, None, None, Some(c(9)))),
                Ok(format!("sha1:{}", c(9))),
            ),
            (
                Some(r(Some("nope"), None, None, None, None)),
                Err("branch \"nope\" not found"),
            ),
            (
                Some(r(None, None, Some(">=9"), None, None)),
                Err("no tag matches"),
            ),
        ];
        for (input, want) in cases {
            let got = resolve_ref(input.as_ref(), &refs, "repo")
                .map(|r| r.revision())
                .map_err(|e| e.to_string());
            match (want, got) {
                (Ok(w), Ok(g)) => assert_eq!(g, w, "{input:?}"),
                (Err(w), Err(g)) => assert!(g.contains(w), "{g}"),
                (w, g) => panic!("{input:?}: want {w:?}, got {g:?}"),
            }
        }
    }
}
