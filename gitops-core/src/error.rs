//! The crate's error type.

use crate::substitute::SubstReason;

/// Everything that can go wrong in gitops-core; each variant says where.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A `${...}` expression could not be evaluated.
    #[error("{object}: variable substitution failed: {reason}")]
    Substitute {
        /// The object (`kind/namespace/name`) or `<text>`.
        object: String,
        /// Why.
        reason: SubstReason,
    },
    /// A substitution variable has a name the grammar cannot reference.
    #[error("'{name}' var name is invalid, must match '^[_[:alpha:]][_[:alpha:][:digit:]]*$'")]
    InvalidVarName {
        /// The variable.
        name: String,
    },
    /// YAML that does not parse (or not into what was expected).
    #[error("{origin}: {message}")]
    Yaml {
        /// File, document or object.
        origin: String,
        /// What went wrong, with line and column where known.
        message: String,
    },
    /// An object that does not fit its model (missing or mistyped field).
    #[error("{origin}: {message}")]
    Model {
        /// File, document or object.
        origin: String,
        /// What is wrong.
        message: String,
    },
    /// Rendering a Kustomization's path failed.
    #[error("kustomization {kustomization}: build of {path:?} failed: {source}")]
    Build {
        /// `namespace/name` of the Kustomization.
        kustomization: String,
        /// The path in the source.
        path: String,
        /// Why: kustomize-lite's error, or what else is wrong.
        #[source]
        source: crate::render::RenderError,
    },
    /// A cluster store operation failed.
    #[error("store: {op} {object}: {message}")]
    Store {
        /// `get`, `apply`, `delete`, `list`, `inventory`.
        op: &'static str,
        /// The object or inventory.
        object: String,
        /// What went wrong.
        message: String,
    },
    /// The Kubernetes API refused or failed an operation on an object (feature `kube`).
    #[error("kube: {op} {object}: {reason}: {message}")]
    Kube {
        /// `get`, `apply`, `delete`, `discover`, `inventory`, `connect`.
        op: &'static str,
        /// The object (`Kind/namespace/name`), inventory or API resource.
        object: String,
        /// What kind of failure.
        reason: KubeReason,
        /// The API server's message.
        message: String,
    },
    /// File-system I/O.
    #[error("{path}: {message}")]
    Io {
        /// The path.
        path: String,
        /// The I/O error.
        message: String,
    },
    /// A git operation failed.
    #[error("git {op} {repo}: {message}")]
    Git {
        /// `clone`, `fetch`, `resolve`, `read`, `commit`, `push`.
        op: &'static str,
        /// URL or path of the repository.
        repo: String,
        /// What went wrong.
        message: String,
    },
    /// A commit message template that does not parse or render.
    #[error("automation {automation}: message template: {message}")]
    Template {
        /// `namespace/name` of the ImageUpdateAutomation.
        automation: String,
        /// What went wrong (unsupported Go-template construct, render error).
        message: String,
    },
    /// An image policy, setter or automation step failed.
    #[error("{origin}: {message}")]
    Image {
        /// Policy, file or automation.
        origin: String,
        /// What went wrong.
        message: String,
    },
    /// A source other than the root's repository could not be fetched (bootstrap's
    /// [`SourceResolver`](crate::bootstrap::SourceResolver)); the message is the whole text.
    #[error("{message}")]
    SourceFetch {
        /// The source, `Kind/namespace/name`.
        object: String,
        /// What went wrong.
        message: String,
    },
    /// An Argo CD Application could not be rendered or synced (a refused source type, a
    /// missing values file, a failed hook).
    #[error("application {app}: {message}")]
    Application {
        /// `namespace/name` of the Application.
        app: String,
        /// What went wrong.
        message: String,
    },
}

/// Why the Kubernetes API refused an operation ([`Error::Kube`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KubeReason {
    /// Another field manager owns a field (server-side apply without `force`), or a
    /// resourceVersion was stale (HTTP 409).
    Conflict,
    /// The credentials may not do this (HTTP 403).
    Forbidden,
    /// The API server does not serve this kind (a missing CRD, or a typo in `kind`).
    UnknownKind,
    /// The object failed validation (HTTP 422).
    Invalid,
    /// A CustomResourceDefinition did not become `Established` in time.
    NotEstablished,
    /// The API server could not be reached or answered something unreadable.
    Unavailable,
    /// Any other HTTP status.
    Status(u16),
}

impl std::fmt::Display for KubeReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KubeReason::Conflict => f.write_str("conflict"),
            KubeReason::Forbidden => f.write_str("forbidden"),
            KubeReason::UnknownKind => f.write_str("unknown kind (is its CRD installed?)"),
            KubeReason::Invalid => f.write_str("invalid"),
            KubeReason::NotEstablished => f.write_str("CRD not established"),
            KubeReason::Unavailable => f.write_str("API unavailable"),
            KubeReason::Status(c) => write!(f, "HTTP {c}"),
        }
    }
}

impl Error {
    pub(crate) fn io(path: impl std::fmt::Display, e: impl std::fmt::Display) -> Self {
        Error::Io {
            path: path.to_string(),
            message: e.to_string(),
        }
    }
}
