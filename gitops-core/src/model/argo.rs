//! Argo CD `Application`, mapped onto the same engine as a Flux Kustomization.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::ObjectMeta;

/// `argoproj.io/v1alpha1` `Application`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Application {
    /// Metadata.
    pub metadata: ObjectMeta,
    /// Spec.
    pub spec: ApplicationSpec,
}

/// `Application.spec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ApplicationSpec {
    /// Project (accepted, not enforced).
    pub project: String,
    /// Where the manifests come from.
    pub source: ApplicationSource,
    /// Where they go.
    pub destination: ApplicationDestination,
    /// Automation and sync options.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync_policy: Option<SyncPolicy>,
}

/// `spec.source`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ApplicationSource {
    /// Repository URL.
    #[serde(rename = "repoURL")]
    pub repo_url: String,
    /// Branch, tag, commit or `HEAD`.
    pub target_revision: String,
    /// Directory in the repository.
    pub path: String,
    /// Plain-directory options (`recurse`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub directory: Option<Value>,
    /// Kustomize options (`images`, `namePrefix`, ...), applied on top of the build.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kustomize: Option<Value>,
}

/// `spec.destination`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ApplicationDestination {
    /// API server URL (accepted; the host's store is the cluster).
    pub server: String,
    /// Cluster name (alternative to `server`).
    pub name: String,
    /// Namespace for namespaced objects without one.
    pub namespace: String,
}

/// `spec.syncPolicy`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SyncPolicy {
    /// Automated sync.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub automated: Option<AutomatedSync>,
    /// `CreateNamespace=true` and others.
    pub sync_options: Vec<String>,
}

/// `spec.syncPolicy.automated`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AutomatedSync {
    /// Delete objects that left git.
    pub prune: bool,
    /// Restore live objects that drifted.
    pub self_heal: bool,
}

impl Application {
    /// Whether `syncOptions` holds `CreateNamespace=true`.
    pub fn create_namespace(&self) -> bool {
        self.spec
            .sync_policy
            .as_ref()
            .is_some_and(|p| p.sync_options.iter().any(|o| o == "CreateNamespace=true"))
    }
}
