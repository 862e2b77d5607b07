//! Flux image automation kinds: `ImageRepository`, `ImagePolicy`, `ImageUpdateAutomation`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{ObjectMeta, ObjectRef};

/// `image.toolkit.fluxcd.io` `ImageRepository`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ImageRepository {
    /// Metadata.
    pub metadata: ObjectMeta,
    /// Spec.
    pub spec: ImageRepositorySpec,
}

/// `ImageRepository.spec`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ImageRepositorySpec {
    /// Image name without tag (`ghcr.io/org/app`).
    pub image: String,
    /// Scan interval as written.
    pub interval: String,
    /// Regular expressions of tags to leave out.
    pub exclusion_list: Vec<String>,
    /// Suspended.
    pub suspend: bool,
}

/// `image.toolkit.fluxcd.io` `ImagePolicy` (v1 or v1beta2), image-policy's model.
pub use image_policy::ImagePolicy;

/// `image.toolkit.fluxcd.io` (v1 or v1beta2) `ImageUpdateAutomation`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ImageUpdateAutomation {
    /// Metadata.
    pub metadata: ObjectMeta,
    /// Spec.
    pub spec: ImageUpdateAutomationSpec,
}

/// `ImageUpdateAutomation.spec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ImageUpdateAutomationSpec {
    /// The GitRepository to update.
    pub source_ref: ObjectRef,
    /// Checkout, commit and push settings.
    pub git: GitUpdateSpec,
    /// Where setters apply.
    pub update: UpdateStrategy,
    /// Which policies to use (`matchLabels`); absent means all in the namespace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_selector: Option<Value>,
    /// Interval as written.
    pub interval: String,
    /// Suspended.
    pub suspend: bool,
}

/// `spec.git`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GitUpdateSpec {
    /// What to check out (defaults to the GitRepository's ref).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkout: Option<GitCheckout>,
    /// Commit settings.
    pub commit: CommitSpec,
    /// Push settings (defaults to the checked-out branch).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub push: Option<PushSpec>,
}

/// `spec.git.checkout`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GitCheckout {
    /// The reference.
    #[serde(rename = "ref")]
    pub reference: super::GitRepositoryRef,
}

/// `spec.git.commit`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CommitSpec {
    /// Author (and committer).
    pub author: CommitAuthor,
    /// Message template (Go-template as Flux writes it, or handlebars).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_template: Option<String>,
}

/// `spec.git.commit.author`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CommitAuthor {
    /// Name.
    pub name: String,
    /// Email.
    pub email: String,
}

/// `spec.git.push`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PushSpec {
    /// Branch to push to (created from the checkout when new).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    /// An explicit refspec (`refs/heads/main:refs/heads/auto`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refspec: Option<String>,
}

/// `spec.update`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UpdateStrategy {
    /// Directory of the repository the setters apply to (default: root).
    pub path: String,
    /// `Setters` (the only strategy).
    pub strategy: String,
}
