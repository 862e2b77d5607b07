//! # kustomize-lite
//!
//! Renders kustomize trees (`kustomization.yaml` with bases, overlays and components) as a
//! library, with the output of `kustomize build`: the same objects, names, hash suffixes,
//! order and YAML layout.
//!
//! It reads through the [`FileSystem`] trait ([`DiskFs`] for a directory on disk,
//! [`MemoryFs`] for files held in memory), so it also renders trees straight out of a git
//! object store. It does not fetch remote bases (they are refused with a clear error unless
//! the file system resolves them), run exec or KRM function plugins (kustomize's built-in
//! plugin kinds under `generators` and `transformers` do run) or Helm charts.
//!
//! ```
//! use kustomize_lite::{MemoryFs, build_to_string};
//!
//! let fs: MemoryFs = [
//!     ("base/kustomization.yaml", "resources:\n- deployment.yaml\n"),
//!     ("base/deployment.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n\
//!       spec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.25\n"),
//!     ("staging/kustomization.yaml", "resources:\n- ../base\nnamePrefix: staging-\n\
//!       namespace: staging\nimages:\n- name: nginx\n  newTag: \"1.26\"\n"),
//! ]
//! .into_iter()
//! .collect();
//!
//! let objects = kustomize_lite::build(&fs, "staging")?;
//! assert_eq!(objects[0]["metadata"]["name"], "staging-web");
//! assert_eq!(objects[0]["metadata"]["namespace"], "staging");
//!
//! let text = build_to_string(&fs, "staging")?;
//! assert!(text.contains("image: nginx:1.26"));
//! # Ok::<(), kustomize_lite::Error>(())
//! ```

mod build;
mod crds;
pub mod error;
mod fieldspec;
pub mod fs;
mod generator;
mod hash;
pub mod kustomization;
mod order;
mod patch;
mod replacements;
pub mod resid;
pub mod resource;
mod transform;
mod vars;
/// The YAML reader and writer (kube-object's, re-exported).
pub use kube_object::yaml;

pub use build::{LoadRestrictions, Options, Reorder, build_with, read_objects};
pub use error::Error;
pub use fs::{DiskFs, FileKind, FileSystem, MemoryFs};
pub use kustomization::Kustomization;
pub use resid::{Gvk, ResId};

/// Builds the kustomization in directory `dir` of `fs` and returns its objects in
/// `kustomize build`'s default order.
pub fn build(fs: &dyn FileSystem, dir: &str) -> Result<Vec<serde_json::Value>, Error> {
    build_with(fs, dir, Options::default())
}

/// Builds like [`build`] and prints the objects exactly as `kustomize build` does.
pub fn build_to_string(fs: &dyn FileSystem, dir: &str) -> Result<String, Error> {
    Ok(yaml::emit_stream(&build(fs, dir)?))
}
