//! The crate's error type.

use crate::yaml::YamlError;

/// Everything that can go wrong while building; every variant says where.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or directory could not be read.
    #[error("{path}: {message}")]
    Io {
        /// The path, relative to the file system's root.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// Malformed YAML (with file, line and column) or a YAML limit exceeded.
    #[error(transparent)]
    Yaml(#[from] YamlError),
    /// A directory holds no kustomization file.
    #[error(
        "unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in directory '{dir}'"
    )]
    MissingKustomization {
        /// The directory.
        dir: String,
    },
    /// A kustomization names a field this crate does not know.
    #[error("{file}: unknown field {field:?} in kustomization")]
    UnknownField {
        /// The kustomization file.
        file: String,
        /// The field.
        field: String,
    },
    /// A kustomization field holds an invalid value, or uses something not supported.
    #[error("{file}: {message}")]
    Kustomization {
        /// The kustomization file.
        file: String,
        /// What is wrong, naming the field.
        message: String,
    },
    /// A remote resource URL, refused unless the file system resolves it.
    #[error("{file}: remote resources are not supported: {url}")]
    Remote {
        /// The kustomization file naming it.
        file: String,
        /// The URL.
        url: String,
    },
    /// A file outside the kustomization's root (load restriction).
    #[error("security; file '{path}' is not in or below '{root}'")]
    Restricted {
        /// The refused path.
        path: String,
        /// The kustomization root it must stay in.
        root: String,
    },
    /// Kustomizations that include each other.
    #[error("cycle detected: candidate root '{dir}' contains visited root '{visited}'")]
    Cycle {
        /// The directory about to be built.
        dir: String,
        /// The directory already on the build stack.
        visited: String,
    },
    /// A resource entry of a kustomization could not be loaded.
    #[error("accumulating resources from '{entry}' in {file}: {source}")]
    Accumulate {
        /// The kustomization file.
        file: String,
        /// The entry of `resources` (or `components`).
        entry: String,
        /// Why it failed.
        source: Box<Error>,
    },
    /// An object that is not a Kubernetes object (no kind, not a map ...).
    #[error("{file}: document {doc}: {message}")]
    Resource {
        /// The file.
        file: String,
        /// The document's index in the file (0-based).
        doc: usize,
        /// What is wrong.
        message: String,
    },
    /// Two objects with the same id.
    #[error(
        "may not add resource with an already registered id: {id} (from {first} and from {second})"
    )]
    DuplicateId {
        /// The id both objects have.
        id: String,
        /// Where the first came from.
        first: String,
        /// Where the second came from.
        second: String,
    },
    /// A patch could not be read or applied.
    #[error("{file}: patch {patch}: {message}")]
    Patch {
        /// The kustomization file.
        file: String,
        /// Which patch (its path, or `inline #N`).
        patch: String,
        /// What went wrong.
        message: String,
    },
    /// A configMapGenerator or secretGenerator failed.
    #[error("{file}: {generator} {name:?}: {message}")]
    Generator {
        /// The kustomization file.
        file: String,
        /// `configMapGenerator` or `secretGenerator`.
        generator: &'static str,
        /// The generated object's name.
        name: String,
        /// What went wrong.
        message: String,
    },
    /// A transformer (namespace, labels, images, replicas, replacements ...) failed.
    #[error("{file}: {transformer}: {message}")]
    Transform {
        /// The kustomization file.
        file: String,
        /// The field of the kustomization.
        transformer: &'static str,
        /// What went wrong.
        message: String,
    },
    /// A name reference that matches several objects.
    #[error("{referrer}: field '{path}': found multiple possible referrals: {candidates}")]
    NameReference {
        /// The referring object's id.
        referrer: String,
        /// The field holding the name.
        path: String,
        /// The ids of the candidates.
        candidates: String,
    },
    /// A size or depth bound was exceeded.
    #[error("{what}: limit of {limit} exceeded")]
    Limit {
        /// What was counted.
        what: String,
        /// The bound.
        limit: usize,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
