//! Flux `GitRepository` and `Kustomization`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{NamespacedRef, ObjectMeta, ObjectRef};

/// `source.toolkit.fluxcd.io/v1` `GitRepository`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GitRepository {
    /// Metadata.
    pub metadata: ObjectMeta,
    /// Spec.
    pub spec: GitRepositorySpec,
}

/// `GitRepository.spec`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GitRepositorySpec {
    /// Repository URL (`https://`, `ssh://`, `file://` or a path).
    pub url: String,
    /// What to check out; `None` means the default branch (`master` in Flux's defaulting).
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<GitRepositoryRef>,
    /// Reconcile interval as written (`1m`).
    pub interval: String,
    /// `.gitignore`-style rules of files to leave out of the artifact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ignore: Option<String>,
    /// Suspended: no new revisions are fetched.
    pub suspend: bool,
}

/// `GitRepository.spec.ref`: Flux resolves `commit` > `name` > `semver` > `tag` > `branch`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GitRepositoryRef {
    /// Branch name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    /// Tag name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// Semver range over the tags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub semver: Option<String>,
    /// Full reference name (`refs/heads/main`, `refs/pull/1/head`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Commit SHA-1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
}

/// `kustomize.toolkit.fluxcd.io/v1` `Kustomization`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Kustomization {
    /// Metadata.
    pub metadata: ObjectMeta,
    /// Spec.
    pub spec: KustomizationSpec,
}

/// `Kustomization.spec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct KustomizationSpec {
    /// The source the manifests come from.
    pub source_ref: ObjectRef,
    /// Directory in the source to build (`./apps`); empty means the root.
    pub path: String,
    /// Delete objects that left the source.
    pub prune: bool,
    /// Kustomizations that must be Ready first.
    pub depends_on: Vec<NamespacedRef>,
    /// Namespace set on every namespaced object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_namespace: Option<String>,
    /// Strategic-merge or JSON6902 patches applied after the build (kustomize `patches`).
    pub patches: Vec<Value>,
    /// Image overrides (kustomize `images`).
    pub images: Vec<Value>,
    /// Components included in the build.
    pub components: Vec<String>,
    /// Post-build variable substitution.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub post_build: Option<PostBuild>,
    /// Suspended: not reconciled.
    pub suspend: bool,
    /// Wait for every applied object to be healthy.
    pub wait: bool,
    /// Objects whose health decides readiness.
    pub health_checks: Vec<ObjectRef>,
    /// Health-check timeout as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    /// Reconcile interval as written.
    pub interval: String,
    /// Recreate objects whose immutable fields changed.
    pub force: bool,
    /// Labels and annotations set on every object the Kustomization applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub common_metadata: Option<CommonMetadata>,
    /// SOPS decryption (not supported: such a Kustomization is refused, not applied
    /// encrypted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decryption: Option<Value>,
    /// A remote cluster to apply to (not supported: refused).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kube_config: Option<Value>,
}

/// `Kustomization.spec.commonMetadata`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CommonMetadata {
    /// Labels (metadata only: not selectors or templates).
    pub labels: BTreeMap<String, String>,
    /// Annotations.
    pub annotations: BTreeMap<String, String>,
}

/// `Kustomization.spec.postBuild`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PostBuild {
    /// Inline variables (win over `substituteFrom`).
    pub substitute: BTreeMap<String, String>,
    /// ConfigMaps and Secrets whose data become variables, in order.
    pub substitute_from: Vec<SubstituteReference>,
}

/// One `postBuild.substituteFrom` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SubstituteReference {
    /// `ConfigMap` or `Secret`.
    pub kind: String,
    /// Name, in the Kustomization's namespace.
    pub name: String,
    /// A missing object is skipped rather than an error.
    pub optional: bool,
}
