//! The crate's error type.

use std::path::PathBuf;

/// Everything that can go wrong in this crate. Each variant says where: the policy and its
/// field, the file and line, the image reference, the registry repository.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An image reference that does not follow `[registry[:port]/]path[:tag][@digest]`.
    #[error("invalid image reference {reference:?}: {reason}")]
    InvalidImageRef {
        /// The reference as given.
        reference: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A semver constraint (range) that does not parse.
    #[error("improper constraint: {constraint}")]
    ImproperConstraint {
        /// The offending part of the range.
        constraint: String,
    },
    /// A version string that does not parse as a (lenient) semantic version.
    #[error("invalid semantic version {version:?}")]
    InvalidVersion {
        /// The version as given.
        version: String,
    },
    /// A policy whose spec is invalid; `field` is the path of the field inside the spec.
    #[error("policy {policy}: {field}: {message}")]
    InvalidPolicy {
        /// The policy's `namespace/name`, or `<inline>` when built without a name.
        policy: String,
        /// The spec field at fault, e.g. `spec.policy.semver.range`.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// Selection failed for a reason Flux reports as an error (empty tag list, a numerical
    /// policy meeting a tag that is not a number, nothing matched when asked for a tag).
    #[error("policy {policy}: {message}")]
    Selection {
        /// The policy's `namespace/name`, or `<inline>`.
        policy: String,
        /// Flux's message, e.g. `version list argument cannot be empty`.
        message: String,
    },
    /// A YAML file that could not be parsed or decoded.
    #[error("{file}:{line}:{column}: {message}")]
    Yaml {
        /// The file (as named by the caller).
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser said.
        message: String,
    },
    /// An input larger than this crate's bounds.
    #[error("{what}: {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// What was too large (a file name, "tag list", ...).
        what: String,
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// A file-system operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// An OCI image layout directory that is malformed.
    #[error("OCI layout {path}: {message}")]
    OciLayout {
        /// The layout directory.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A registry request failed.
    #[error("registry {repository}: {message}")]
    Registry {
        /// The repository being listed or pushed to.
        repository: String,
        /// What failed.
        message: String,
    },
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
