//! Object identities ([`Gvk`], [`ResId`], from kube-object) and how kustomize v5.5 decides
//! their scope.

pub use kube_object::{Gvk, ResId, is_cluster_scoped};

/// Scope and namespace rules as kustomize v5.5 applies them to identities.
pub trait KustomizeScope {
    /// Whether objects of this kind live outside namespaces, as kustomize v5.5 decides it:
    /// by the exact group/version of its built-in table (`flowcontrol.apiserver.k8s.io/v1`
    /// FlowSchemas and `admissionregistration.k8s.io/v1` ValidatingAdmissionPolicies are not
    /// in it, so kustomize gives them a namespace), plus the review kinds of any version.
    fn kustomize_cluster_scoped(&self) -> bool;
}

impl KustomizeScope for Gvk {
    fn kustomize_cluster_scoped(&self) -> bool {
        let api = self.api_version();
        KUSTOMIZE_CLUSTER_SCOPED
            .iter()
            .any(|(a, k)| *a == api && *k == self.kind)
            || REVIEW_KINDS
                .iter()
                .any(|(g, k)| *g == self.group && *k == self.kind)
    }
}

/// Namespace comparisons of identities as kustomize makes them.
pub trait KustomizeId {
    /// The namespace as the API server sees it: `default` when unset, nothing for
    /// cluster-scoped kinds.
    fn effective_namespace(&self) -> &str;
    /// Same namespace, treating unset as `default`.
    fn ns_equals(&self, other: &ResId) -> bool;
    /// Same gvk, name and (effective) namespace.
    fn equals(&self, other: &ResId) -> bool;
}

impl KustomizeId for ResId {
    fn effective_namespace(&self) -> &str {
        if self.gvk.kustomize_cluster_scoped() {
            "~cluster"
        } else if self.namespace.is_empty() {
            "default"
        } else {
            &self.namespace
        }
    }

    fn ns_equals(&self, other: &ResId) -> bool {
        self.effective_namespace() == other.effective_namespace()
    }

    fn equals(&self, other: &ResId) -> bool {
        self.gvk == other.gvk && self.name == other.name && self.ns_equals(other)
    }
}

/// kustomize v5.5's table of cluster-scoped kinds, by (apiVersion, kind): any other
/// version of these kinds is namespaced for kustomize.
const KUSTOMIZE_CLUSTER_SCOPED: &[(&str, &str)] = &[
    (
        "admissionregistration.k8s.io/v1",
        "MutatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io/v1",
        "ValidatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io/v1beta1",
        "MutatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io/v1beta1",
        "ValidatingWebhookConfiguration",
    ),
    ("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
    ("apiextensions.k8s.io/v1beta1", "CustomResourceDefinition"),
    ("apiregistration.k8s.io/v1", "APIService"),
    ("apiregistration.k8s.io/v1beta1", "APIService"),
    ("certificates.k8s.io/v1", "CertificateSigningRequest"),
    ("certificates.k8s.io/v1beta1", "CertificateSigningRequest"),
    ("flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema"),
    (
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "PriorityLevelConfiguration",
    ),
    ("networking.k8s.io/v1", "IngressClass"),
    ("networking.k8s.io/v1beta1", "IngressClass"),
    ("node.k8s.io/v1", "RuntimeClass"),
    ("node.k8s.io/v1beta1", "RuntimeClass"),
    ("policy/v1beta1", "PodSecurityPolicy"),
    ("rbac.authorization.k8s.io/v1", "ClusterRole"),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRole"),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRoleBinding"),
    ("scheduling.k8s.io/v1", "PriorityClass"),
    ("scheduling.k8s.io/v1beta1", "PriorityClass"),
    ("storage.k8s.io/v1", "CSIDriver"),
    ("storage.k8s.io/v1", "CSINode"),
    ("storage.k8s.io/v1", "StorageClass"),
    ("storage.k8s.io/v1", "VolumeAttachment"),
    ("storage.k8s.io/v1beta1", "CSIDriver"),
    ("storage.k8s.io/v1beta1", "CSINode"),
    ("storage.k8s.io/v1beta1", "StorageClass"),
    ("storage.k8s.io/v1beta1", "VolumeAttachment"),
    ("v1", "ComponentStatus"),
    ("v1", "Namespace"),
    ("v1", "Node"),
    ("v1", "NodeProxyOptions"),
    ("v1", "PersistentVolume"),
];

/// Kinds that are cluster-scoped in every version (kustomize's schema knows them once it is
/// loaded).
const REVIEW_KINDS: &[(&str, &str)] = &[
    ("authentication.k8s.io", "TokenReview"),
    ("authorization.k8s.io", "SubjectAccessReview"),
    ("authorization.k8s.io", "SelfSubjectAccessReview"),
    ("authorization.k8s.io", "SelfSubjectRulesReview"),
];

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
mod tests {
    use super::*;

    #[test]
    fn display_and_scope() {
        let obj = serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}});
        assert_eq!(ResId::of(&obj).to_string(), "Deployment.v1.apps/d.[noNs]");
        assert!(Gvk::from_api_version("v1", "Namespace").kustomize_cluster_scoped());
        assert!(
            !Gvk::from_api_version("servicebus.azure.com/v1", "Namespace")
                .kustomize_cluster_scoped()
        );
        assert!(
            !Gvk::from_api_version("flowcontrol.apiserver.k8s.io/v1", "FlowSchema")
                .kustomize_cluster_scoped()
        );
        assert!(
            Gvk::from_api_version("flowcontrol.apiserver.k8s.io/v1", "FlowSchema")
                .is_cluster_scoped()
        );
        let cm = Gvk::from_api_version("v1", "ConfigMap");
        assert_eq!(cm.to_string(), "ConfigMap.v1.[noGrp]");
    }
}
