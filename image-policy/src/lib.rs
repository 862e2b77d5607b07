//! # image-policy
//!
//! Flux-compatible image automation, as pure functions plus small adapters:
//!
//! - [`ImageRef`]: parse and print `[registry[:port]/]path[:tag][@digest]` with the
//!   container ecosystem's defaults (`nginx` is `docker.io/library/nginx`).
//! - [`semver_range`]: Masterminds-style ranges (`>=1.0 <2`, `1.x`, `~1.2`, `^1.2.3`,
//!   `1.2 - 1.4.5`, `||`) and lenient version parsing (`v1.2.3`, `1.2`).
//! - [`Policy`]: Flux's `semver`, `alphabetical` and `numerical` policies with
//!   `filterTags` (`pattern` and `extract`), built from an [`ImagePolicy`] (v1 or v1beta2
//!   YAML as written) and selecting from a `&[String]` of tags in one pass.
//! - [`rewrite_setters`]: rewrite the values marked `# {"$imagepolicy": "NS:NAME[:tag|:name|:digest]"}`
//!   in a YAML text, touching only those bytes; [`update_tree`] does it for a directory with
//!   atomic writes and a [`Report`] shaped like Flux's commit-template data.
//! - [`TagLister`]: where tags come from; [`OciLayoutLister`] reads an OCI image layout
//!   directory (and [`OciLayout`] writes one); with the `oci` feature, `oci::RegistryLister`
//!   lists a real registry.
//!
//! It does not talk to Kubernetes, commit to git, or schedule anything.
//!
//! ```
//! use std::collections::BTreeMap;
//! use image_policy::{rewrite_setters, ImageRef, Policy};
//!
//! // 1. choose the newest tag
//! let tags: Vec<String> = ["1.0.0", "1.1.0", "2.0.0-rc.1", "latest"].map(String::from).to_vec();
//! let tag = Policy::semver(">=1.0.0")?.select(&tags)?.expect("a tag");
//! assert_eq!(tag, "1.1.0");
//!
//! // 2. rewrite the manifests that point at it
//! let latest = ImageRef::parse("ghcr.io/org/app")?.with_tag(&tag)?;
//! let policies = BTreeMap::from([("flux-system:app".to_string(), latest)]);
//! let manifest = "containers:\n- name: app\n  image: ghcr.io/org/app:1.0.0 # {\"$imagepolicy\": \"flux-system:app\"}\n";
//! let (text, changes) = rewrite_setters(manifest, "deploy.yaml", &policies)?;
//! assert!(text.contains("image: ghcr.io/org/app:1.1.0 # {"));
//! assert_eq!((changes[0].old_value.as_str(), changes[0].new_value.as_str()), ("ghcr.io/org/app:1.0.0", "ghcr.io/org/app:1.1.0"));
//! # Ok::<(), image_policy::Error>(())
//! ```

mod error;
mod image_ref;
mod lister;
mod model;
#[cfg(feature = "oci")]
pub mod oci;
mod policy;
pub mod semver_range;
mod setters;
mod tree;

pub use error::Error;
pub use image_ref::{DEFAULT_NAMESPACE, DEFAULT_REGISTRY, ImageRef};
pub use lister::{OciLayout, OciLayoutLister, StaticTags, TagLister, sha256_digest};
pub use model::{
    FilterTags, ImagePolicy, ImagePolicySpec, NamespacedObjectReference, ObjectMeta, OrderPolicy,
    PolicyChoice, SemVerPolicy,
};
pub use policy::{
    MAX_CAPTURE_GROUPS, MAX_EXTRACT_LEN, MAX_EXTRACTED_LEN, MAX_EXTRACTED_TOTAL, MAX_PATTERN_LEN,
    Order, Policy, PolicyKind, TagFilter, parse_go_float,
};
pub use setters::{
    Change, FileRewrite, MARKER, ObjectIdentifier, Setter, SetterField, UnknownSetter,
    parse_marker, rewrite_setters, rewrite_setters_detailed,
};
pub use tree::{
    ObjectChanges, Report, TreeOptions, is_manifest_file, update_tree, update_tree_with,
    write_atomic,
};
