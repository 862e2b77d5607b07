//! The `git` resolver over a host's [`GitFetch`] (gix, the `git` CLI, an SCM API ...).

use std::collections::BTreeMap;

use super::{RefSource, ResolutionRequest, ResolvedResource, Resolver, annotation};
use crate::error::Error;

/// What the `git` resolver asks the host for: one file at one revision.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GitRequest {
    /// `url` (the anonymous clone approach), empty with `repo`.
    pub url: String,
    /// `org` (the SCM API approach).
    pub org: String,
    /// `repo` (the SCM API approach).
    pub repo: String,
    /// `revision`: a branch, tag or commit.
    pub revision: String,
    /// `pathInRepo`.
    pub path_in_repo: String,
    /// `token`, the secret holding an SCM API token, if any.
    pub token: String,
    /// `tokenKey`, the key in that secret (`token` by default).
    pub token_key: String,
    /// `scmType` (`github`, `gitlab` ...), if given.
    pub scm_type: String,
    /// `serverURL`, if given.
    pub server_url: String,
    /// The namespace of the run (where secrets live).
    pub namespace: String,
}

/// One file read from git.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GitFile {
    /// The file's bytes.
    pub data: Vec<u8>,
    /// The commit the revision resolved to (40 hex digits).
    pub commit: String,
}

/// Reads one file of a repository at a revision. The host implements it (through
/// gitops-core's gix backend, the `git` CLI, or an SCM API), so pipeline-core has no git
/// dependency.
pub trait GitFetch: Send + Sync {
    /// Fetches `request.path_in_repo` at `request.revision`.
    fn fetch(&self, request: &GitRequest) -> Result<GitFile, Error>;
}

impl<T: GitFetch + ?Sized> GitFetch for &T {
    fn fetch(&self, request: &GitRequest) -> Result<GitFile, Error> {
        (**self).fetch(request)
    }
}

impl<T: GitFetch + ?Sized> GitFetch for Box<T> {
    fn fetch(&self, request: &GitRequest) -> Result<GitFile, Error> {
        (**self).fetch(request)
    }
}

impl<T: GitFetch + ?Sized> GitFetch for std::sync::Arc<T> {
    fn fetch(&self, request: &GitRequest) -> Result<GitFile, Error> {
        (**self).fetch(request)
    }
}

/// Tekton's `git` resolver: params `url` or `org` + `repo`, `revision` (the default
/// revision when absent), `pathInRepo` (required; no `..`), `token`, `tokenKey`, `scmType`,
/// `serverURL`, checked as Tekton checks them; the file comes from the host's [`GitFetch`].
pub struct GitResolver<F> {
    fetch: F,
    default_revision: String,
    default_url: String,
}

impl<F: GitFetch> GitResolver<F> {
    /// A resolver over `fetch`, default revision `main`, no default URL.
    pub fn new(fetch: F) -> Self {
        GitResolver {
            fetch,
            default_revision: "main".to_string(),
            default_url: String::new(),
        }
    }

    /// The revision used when a request has none (Tekton's `default-revision`).
    pub fn default_revision(mut self, revision: &str) -> Self {
        self.default_revision = revision.to_string();
        self
    }

    /// The URL used when a request has neither `url` nor `repo` (Tekton's `default-url`).
    pub fn default_url(mut self, url: &str) -> Self {
        self.default_url = url.to_string();
        self
    }

    /// The [`GitRequest`] of a resolution request, or Tekton's message for bad params.
    pub fn request(&self, r: &ResolutionRequest) -> Result<GitRequest, Error> {
        let get = |n: &str| r.non_empty(n).unwrap_or("").to_string();
        let mut g = GitRequest {
            url: get("url"),
            org: get("org"),
            repo: get("repo"),
            revision: get("revision"),
            path_in_repo: get("pathInRepo"),
            token: get("token"),
            token_key: get("tokenKey"),
            scm_type: get("scmType"),
            server_url: get("serverURL"),
            namespace: r.namespace.clone(),
        };
        let mut missing = Vec::new();
        if g.revision.is_empty() {
            if self.default_revision.is_empty() {
                missing.push("revision");
            }
            g.revision = self.default_revision.clone();
        }
        if g.path_in_repo.is_empty() {
            missing.push("pathInRepo");
        }
        if !g.url.is_empty() && !g.repo.is_empty() {
            return Err(r.error("cannot specify both 'url' and 'repo'"));
        }
        if g.url.is_empty() && g.repo.is_empty() {
            if self.default_url.is_empty() {
                return Err(r.error("must specify one of 'url' or 'repo'"));
            }
            g.url = self.default_url.clone();
        }
        if !g.repo.is_empty() && g.org.is_empty() {
            return Err(r.error("'org' is required when 'repo' is specified"));
        }
        if !missing.is_empty() {
            return Err(r.error(format!(
                "missing required git resolver params: {}",
                missing.join(", ")
            )));
        }
        if g.revision.starts_with('-') {
            return Err(r.error(format!(
                "invalid revision {:?}: must not begin with '-'",
                g.revision
            )));
        }
        if g.url.starts_with('-') {
            return Err(r.error(format!("invalid git repository url: {}", g.url)));
        }
        if g.path_in_repo.split('/').any(|c| c == "..") {
            return Err(r.error(format!(
                "invalid path {:?}: must not contain '..' components",
                g.path_in_repo
            )));
        }
        Ok(g)
    }
}

impl<F: GitFetch> Resolver for GitResolver<F> {
    fn resolve(&self, request: &ResolutionRequest) -> Result<ResolvedResource, Error> {
        let g = self.request(request)?;
        let file = self.fetch.fetch(&g)?;
        let url = if g.url.is_empty() {
            format!("{}/{}", g.org, g.repo)
        } else {
            g.url.clone()
        };
        let mut annotations = BTreeMap::new();
        annotations.insert(annotation("revision"), file.commit.clone());
        annotations.insert(annotation("path"), g.path_in_repo.clone());
        annotations.insert(annotation("url"), g.url.clone());
        annotations.insert(annotation("content-type"), "application/x-yaml".to_string());
        if !g.org.is_empty() {
            annotations.insert(annotation("org"), g.org.clone());
        }
        if !g.repo.is_empty() {
            annotations.insert(annotation("repo"), g.repo.clone());
        }
        let mut digest = BTreeMap::new();
        digest.insert("sha1".to_string(), file.commit);
        Ok(ResolvedResource {
            data: file.data,
            annotations,
            ref_source: Some(RefSource {
                uri: format!("git+{url}"),
                digest,
                entry_point: g.path_in_repo,
            }),
        })
    }
}
