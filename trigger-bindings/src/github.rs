//! The GitHub API calls the `github` interceptor makes, as a host adapter.
//!
//! Tekton's `github` interceptor calls the GitHub API for two of its options:
//! `githubOwners` (organization and repository membership, the `OWNERS` file) and
//! `addChangedFiles` on `pull_request` events (the files of the pull request). This crate
//! does no I/O: the host implements [`GitHubApi`] over its HTTP client and hands it to
//! [`Listener::with_github_api`](crate::Listener::with_github_api). Without one, every
//! check that needs the API fails closed: the event is rejected and the reason says so.
//!
//! [`StaticGitHubApi`] answers from memory: a fake for tests and for the command-line
//! tool's `--github-api FILE`.

use crate::error::Error;
use crate::secrets::Secret;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What a call is made with: the personal access token (none for anonymous calls) and the
/// GitHub Enterprise host from the `X-Github-Enterprise-Host` header (none for github.com).
#[derive(Debug, Clone, Copy)]
pub struct GitHubRequest<'a> {
    /// The `personalAccessToken` secret, when the interceptor names one.
    pub token: Option<&'a Secret>,
    /// The enterprise host the webhook came from (`https://HOST/api/v3`), if any.
    pub enterprise_host: Option<&'a str>,
}

/// What `GET /repos/{owner}/{repo}/contents/{path}` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Contents {
    /// A file, decoded.
    File(String),
    /// A directory.
    Directory,
}

/// The GitHub API calls of the `github` interceptor. An error's text goes into the
/// rejection reason as Tekton puts go-github's errors there ([`Error::Adapter`] carries
/// it).
pub trait GitHubApi: Send + Sync {
    /// The public members of organization `org` (`GET /orgs/{org}/members`, public only);
    /// `Ok(None)` when GitHub answers 404.
    fn public_org_members(
        &self,
        request: &GitHubRequest<'_>,
        org: &str,
    ) -> Result<Option<Vec<String>>, Error>;

    /// The collaborators of `owner/repo` (`GET /repos/{owner}/{repo}/collaborators`).
    fn repo_collaborators(
        &self,
        request: &GitHubRequest<'_>,
        owner: &str,
        repo: &str,
    ) -> Result<Vec<String>, Error>;

    /// `path` in `owner/repo` on its default branch; `Ok(None)` when GitHub answers 404.
    fn contents(
        &self,
        request: &GitHubRequest<'_>,
        owner: &str,
        repo: &str,
        path: &str,
    ) -> Result<Option<Contents>, Error>;

    /// The file names of pull request `number` of `owner/repo`, every page
    /// (`GET /repos/{owner}/{repo}/pulls/{number}/files`).
    fn pull_request_files(
        &self,
        request: &GitHubRequest<'_>,
        owner: &str,
        repo: &str,
        number: i64,
    ) -> Result<Vec<String>, Error>;
}

/// A [`GitHubApi`] answering from memory. Unknown organizations and files are 404s;
/// unknown repositories and pull requests are errors, as the API's 404 is for those calls.
#[derive(Debug, Default)]
pub struct StaticGitHubApi {
    org_members: BTreeMap<String, Vec<String>>,
    collaborators: BTreeMap<String, Vec<String>>,
    files: BTreeMap<(String, String), Contents>,
    pull_request_files: BTreeMap<(String, i64), Vec<String>>,
    calls: AtomicUsize,
}

impl StaticGitHubApi {
    /// An API that knows nothing.
    pub fn new() -> StaticGitHubApi {
        StaticGitHubApi::default()
    }

    /// Sets the public members of `org`.
    pub fn with_org_members(mut self, org: &str, members: &[&str]) -> StaticGitHubApi {
        self.org_members.insert(
            org.to_string(),
            members.iter().map(|m| m.to_string()).collect(),
        );
        self
    }

    /// Sets the collaborators of `full_name` (`owner/repo`).
    pub fn with_collaborators(mut self, full_name: &str, users: &[&str]) -> StaticGitHubApi {
        self.collaborators.insert(
            full_name.to_string(),
            users.iter().map(|m| m.to_string()).collect(),
        );
        self
    }

    /// Sets `path` of `full_name` (`owner/repo`).
    pub fn with_contents(mut self, full_name: &str, path: &str, c: Contents) -> StaticGitHubApi {
        self.files
            .insert((full_name.to_string(), path.to_string()), c);
        self
    }

    /// Sets the files of pull request `number` of `full_name` (`owner/repo`).
    pub fn with_pull_request_files(
        mut self,
        full_name: &str,
        number: i64,
        files: &[&str],
    ) -> StaticGitHubApi {
        self.pull_request_files.insert(
            (full_name.to_string(), number),
            files.iter().map(|m| m.to_string()).collect(),
        );
        self
    }

    /// How many calls were made.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::Relaxed)
    }

    /// Reads the JSON form `{"orgMembers": {ORG: [LOGIN..]}, "collaborators":
    /// {"OWNER/REPO": [LOGIN..]}, "files": {"OWNER/REPO": {PATH: TEXT or null for a
    /// directory}}, "pullRequestFiles": {"OWNER/REPO#N": [FILE..]}}`.
    pub fn from_json(v: &Value) -> Result<StaticGitHubApi, Error> {
        Self::from_json_text(v).map_err(|message| Error::Invalid {
            what: "GitHub API fixture",
            message,
        })
    }

    fn from_json_text(v: &Value) -> Result<StaticGitHubApi, String> {
        let Value::Object(top) = v else {
            return Err("the GitHub API fixture must be a JSON object".into());
        };
        let mut api = StaticGitHubApi::new();
        for (key, value) in top {
            match key.as_str() {
                "orgMembers" => {
                    for (org, members) in object(value, key)? {
                        api.org_members
                            .insert(org.clone(), strings(members, &format!("{key}.{org}"))?);
                    }
                }
                "collaborators" => {
                    for (repo, users) in object(value, key)? {
                        api.collaborators
                            .insert(repo.clone(), strings(users, &format!("{key}.{repo}"))?);
                    }
                }
                "files" => {
                    for (repo, files) in object(value, key)? {
                        for (path, text) in object(files, &format!("{key}.{repo}"))? {
                            let c = match text {
                                Value::String(s) => Contents::File(s.clone()),
                                Value::Null => Contents::Directory,
                                _ => {
                                    return Err(format!(
                                        "{key}.{repo}.{path}: a file is a string, a directory null"
                                    ));
                                }
                            };
                            api.files.insert((repo.clone(), path.clone()), c);
                        }
                    }
                }
                "pullRequestFiles" => {
                    for (pr, files) in object(value, key)? {
                        let number = pr
                            .rsplit_once('#')
                            .and_then(|(repo, n)| Some((repo, n.parse::<i64>().ok()?)));
                        let Some((repo, n)) = number else {
                            return Err(format!("{key}: {pr:?} is not OWNER/REPO#NUMBER"));
                        };
                        api.pull_request_files.insert(
                            (repo.to_string(), n),
                            strings(files, &format!("{key}.{pr}"))?,
                        );
                    }
                }
                other => return Err(format!("unknown field {other:?} in the GitHub API fixture")),
            }
        }
        Ok(api)
    }

    fn count(&self) {
        self.calls.fetch_add(1, Ordering::Relaxed);
    }
}

fn object<'v>(v: &'v Value, at: &str) -> Result<&'v serde_json::Map<String, Value>, String> {
    v.as_object()
        .ok_or_else(|| format!("{at}: expected an object"))
}

fn strings(v: &Value, at: &str) -> Result<Vec<String>, String> {
    v.as_array()
        .and_then(|items| {
            items
                .iter()
                .map(|i| i.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
        })
        .ok_or_else(|| format!("{at}: expected a list of strings"))
}

impl GitHubApi for StaticGitHubApi {
    fn public_org_members(
        &self,
        _: &GitHubRequest<'_>,
        org: &str,
    ) -> Result<Option<Vec<String>>, Error> {
        self.count();
        Ok(self.org_members.get(org).cloned())
    }

    fn repo_collaborators(
        &self,
        _: &GitHubRequest<'_>,
        owner: &str,
        repo: &str,
    ) -> Result<Vec<String>, Error> {
        self.count();
        self.collaborators
            .get(&format!("{owner}/{repo}"))
            .cloned()
            .ok_or_else(|| {
                not_found(format!(
                    "GET repos/{owner}/{repo}/collaborators: 404 Not Found []"
                ))
            })
    }

    fn contents(
        &self,
        _: &GitHubRequest<'_>,
        owner: &str,
        repo: &str,
        path: &str,
    ) -> Result<Option<Contents>, Error> {
        self.count();
        Ok(self
            .files
            .get(&(format!("{owner}/{repo}"), path.to_string()))
            .cloned())
    }

    fn pull_request_files(
        &self,
        _: &GitHubRequest<'_>,
        owner: &str,
        repo: &str,
        number: i64,
    ) -> Result<Vec<String>, Error> {
        self.count();
        self.pull_request_files
            .get(&(format!("{owner}/{repo}"), number))
            .cloned()
            .ok_or_else(|| {
                not_found(format!(
                    "GET repos/{owner}/{repo}/pulls/{number}/files: 404 Not Found []"
                ))
            })
    }
}

fn not_found(message: String) -> Error {
    Error::Adapter {
        adapter: "GitHub API",
        message,
    }
}
