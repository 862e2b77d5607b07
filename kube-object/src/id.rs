//! Object identities ([`Gvk`], [`ResId`], [`ObjectRef`]) and cluster scope.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

/// Group, version and kind of an object.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Gvk {
    /// API group (`""` for the core group).
    pub group: String,
    /// API version.
    pub version: String,
    /// Kind.
    pub kind: String,
}

impl Gvk {
    /// Reads `apiVersion` and `kind` of an object.
    pub fn of(obj: &Value) -> Gvk {
        let api = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("");
        let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
        Gvk::from_api_version(api, kind)
    }

    /// Splits an `apiVersion` (`apps/v1`, `v1`) and pairs it with a kind.
    pub fn from_api_version(api: &str, kind: &str) -> Gvk {
        let (group, version) = split_api_version(api);
        Gvk {
            group: group.into(),
            version: version.into(),
            kind: kind.into(),
        }
    }

    /// `group/version`, or `version` for the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// Whether this gvk is selected by `sel`, whose empty parts match anything.
    pub fn is_selected_by(&self, sel: &Gvk) -> bool {
        (sel.group.is_empty() || sel.group == self.group)
            && (sel.version.is_empty() || sel.version == self.version)
            && (sel.kind.is_empty() || sel.kind == self.kind)
    }

    /// Whether this is a built-in cluster-scoped kind ([`is_cluster_scoped`]).
    pub fn is_cluster_scoped(&self) -> bool {
        is_cluster_scoped(&self.group, &self.kind)
    }
}

/// Splits an `apiVersion` into group and version (`v1` has the core group `""`).
pub fn split_api_version(api: &str) -> (&str, &str) {
    api.rsplit_once('/').unwrap_or(("", api))
}

impl fmt::Display for Gvk {
    /// kustomize's form: `Deployment.v1.apps`, with `[noKind]`, `[noVer]`, `[noGrp]` for
    /// empty parts.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let or = |s: &'_ str, d: &'static str| {
            if s.is_empty() {
                d.to_string()
            } else {
                s.to_string()
            }
        };
        write!(
            f,
            "{}.{}.{}",
            or(&self.kind, "[noKind]"),
            or(&self.version, "[noVer]"),
            or(&self.group, "[noGrp]")
        )
    }
}

/// The identity of an object in a stream of resources: gvk, namespace and name (kustomize's
/// `ResId`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ResId {
    /// Group, version, kind.
    pub gvk: Gvk,
    /// Namespace (`""` when unset).
    pub namespace: String,
    /// Name.
    pub name: String,
}

impl ResId {
    /// The id of an object (empty parts where fields are missing).
    pub fn of(obj: &Value) -> ResId {
        let meta = obj.get("metadata");
        let s = |k: &str| {
            meta.and_then(|m| m.get(k))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        ResId {
            gvk: Gvk::of(obj),
            namespace: s("namespace"),
            name: s("name"),
        }
    }

    /// The version-less identity a cluster keys the object by.
    pub fn object_ref(&self) -> ObjectRef {
        ObjectRef::new(&self.gvk.group, &self.gvk.kind, &self.namespace, &self.name)
    }
}

impl fmt::Display for ResId {
    /// kustomize's form: `Deployment.v1.apps/web.prod` (`[noNs]` without a namespace).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ns = if self.namespace.is_empty() {
            "[noNs]"
        } else {
            &self.namespace
        };
        write!(f, "{}/{}.{}", self.gvk, self.name, ns)
    }
}

/// The identity of an object in a cluster: group, kind, namespace, name. The version is not
/// part of it (every version of an object is the same object), as in Flux's inventory
/// (`ObjMetadata`) and Argo CD's resource keys.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ObjectRef {
    /// API group (`apps`; empty for the core group).
    pub group: String,
    /// Kind.
    pub kind: String,
    /// Namespace (empty for cluster-scoped objects).
    pub namespace: String,
    /// Name.
    pub name: String,
}

/// An object without the fields an identity needs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("object {kind:?}/{name:?}: an object needs apiVersion, kind and metadata.name")]
#[non_exhaustive]
pub struct MissingIdentity {
    /// The kind found (may be empty).
    pub kind: String,
    /// The name found (may be empty).
    pub name: String,
}

impl ObjectRef {
    /// A new identity.
    pub fn new(group: &str, kind: &str, namespace: &str, name: &str) -> Self {
        ObjectRef {
            group: group.into(),
            kind: kind.into(),
            namespace: namespace.into(),
            name: name.into(),
        }
    }

    /// The identity of an object; an error when `kind` or `metadata.name` is missing.
    pub fn of(obj: &Value) -> Result<ObjectRef, MissingIdentity> {
        let s = |p: &str| obj.pointer(p).and_then(Value::as_str).unwrap_or("");
        let (api, kind, name) = (s("/apiVersion"), s("/kind"), s("/metadata/name"));
        if kind.is_empty() || name.is_empty() {
            return Err(MissingIdentity {
                kind: kind.into(),
                name: name.into(),
            });
        }
        let group = split_api_version(api).0;
        Ok(ObjectRef::new(group, kind, s("/metadata/namespace"), name))
    }
}

impl fmt::Display for ObjectRef {
    /// `kind/namespace/name`, or `kind/name` without a namespace.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.namespace.is_empty() {
            write!(f, "{}/{}", self.kind, self.name)
        } else {
            write!(f, "{}/{}/{}", self.kind, self.namespace, self.name)
        }
    }
}

/// Whether objects of a kind live in a namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scope {
    /// In a namespace.
    Namespaced,
    /// Outside namespaces.
    Cluster,
}

/// The built-in cluster-scoped kinds of Kubernetes, by (group, kind), in every version the
/// API server serves them.
pub const CLUSTER_SCOPED: &[(&str, &str)] = &[
    ("", "Namespace"),
    ("", "Node"),
    ("", "PersistentVolume"),
    ("", "ComponentStatus"),
    ("rbac.authorization.k8s.io", "ClusterRole"),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
    ("apiextensions.k8s.io", "CustomResourceDefinition"),
    ("apiregistration.k8s.io", "APIService"),
    ("storage.k8s.io", "StorageClass"),
    ("storage.k8s.io", "CSIDriver"),
    ("storage.k8s.io", "CSINode"),
    ("storage.k8s.io", "VolumeAttachment"),
    ("scheduling.k8s.io", "PriorityClass"),
    (
        "admissionregistration.k8s.io",
        "MutatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io",
        "ValidatingWebhookConfiguration",
    ),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
    (
        "admissionregistration.k8s.io",
        "ValidatingAdmissionPolicyBinding",
    ),
    ("networking.k8s.io", "IngressClass"),
    ("node.k8s.io", "RuntimeClass"),
    ("policy", "PodSecurityPolicy"),
    ("extensions", "PodSecurityPolicy"),
    ("certificates.k8s.io", "CertificateSigningRequest"),
    ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
    ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
    ("authentication.k8s.io", "TokenReview"),
    ("authorization.k8s.io", "SubjectAccessReview"),
    ("authorization.k8s.io", "SelfSubjectAccessReview"),
    ("authorization.k8s.io", "SelfSubjectRulesReview"),
];

/// Whether `(group, kind)` is a built-in cluster-scoped kind ([`CLUSTER_SCOPED`]).
pub fn is_cluster_scoped(group: &str, kind: &str) -> bool {
    CLUSTER_SCOPED
        .iter()
        .any(|(g, k)| *g == group && *k == kind)
}

/// Scope of kinds: the built-in table plus what `CustomResourceDefinition`s say
/// (`spec.scope`), as an API server's discovery answers it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scopes {
    learned: BTreeMap<(String, String), Scope>,
}

impl Scopes {
    /// The built-in table only.
    pub fn new() -> Scopes {
        Scopes::default()
    }

    /// Learns the scope of the kind an object defines, when it is a
    /// `CustomResourceDefinition` (`spec.group`, `spec.names.kind`, `spec.scope`); returns
    /// whether it was one.
    pub fn learn(&mut self, obj: &Value) -> bool {
        let s = |p: &str| obj.pointer(p).and_then(Value::as_str);
        if s("/kind") != Some("CustomResourceDefinition")
            || split_api_version(s("/apiVersion").unwrap_or("")).0 != "apiextensions.k8s.io"
        {
            return false;
        }
        let (Some(group), Some(kind)) = (s("/spec/group"), s("/spec/names/kind")) else {
            return false;
        };
        let scope = match s("/spec/scope") {
            Some("Cluster") => Scope::Cluster,
            _ => Scope::Namespaced,
        };
        self.learned.insert((group.into(), kind.into()), scope);
        true
    }

    /// Learns from every `CustomResourceDefinition` among `objs`.
    pub fn learn_all<'a>(&mut self, objs: impl IntoIterator<Item = &'a Value>) {
        for o in objs {
            self.learn(o);
        }
    }

    /// The scope of `(group, kind)`: learned from a CRD, else the built-in table, else
    /// namespaced.
    pub fn scope(&self, group: &str, kind: &str) -> Scope {
        match self.learned.get(&(group.to_string(), kind.to_string())) {
            Some(s) => *s,
            None if is_cluster_scoped(group, kind) => Scope::Cluster,
            None => Scope::Namespaced,
        }
    }

    /// Whether `(group, kind)` is cluster-scoped.
    pub fn is_cluster_scoped(&self, group: &str, kind: &str) -> bool {
        self.scope(group, kind) == Scope::Cluster
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn display_and_scope() {
        let obj = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}});
        assert_eq!(ResId::of(&obj).to_string(), "Deployment.v1.apps/d.[noNs]");
        assert_eq!(ObjectRef::of(&obj).unwrap().to_string(), "Deployment/d");
        assert!(Gvk::from_api_version("v1", "Namespace").is_cluster_scoped());
        assert!(!Gvk::from_api_version("servicebus.azure.com/v1", "Namespace").is_cluster_scoped());
        assert_eq!(
            Gvk::from_api_version("v1", "ConfigMap").to_string(),
            "ConfigMap.v1.[noGrp]"
        );
        assert!(ObjectRef::of(&json!({"kind": "X"})).is_err());
    }

    #[test]
    fn scope_learned_from_crds() {
        let crd = json!({
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "spec": {"group": "cert-manager.io", "names": {"kind": "ClusterIssuer"}, "scope": "Cluster"}
        });
        let mut scopes = Scopes::new();
        assert!(!scopes.is_cluster_scoped("cert-manager.io", "ClusterIssuer"));
        assert!(scopes.learn(&crd));
        assert!(scopes.is_cluster_scoped("cert-manager.io", "ClusterIssuer"));
        assert!(!scopes.is_cluster_scoped("cert-manager.io", "Issuer"));
        assert!(scopes.is_cluster_scoped("", "Namespace"));
        assert!(!scopes.learn(&json!({"kind": "ConfigMap"})));
    }
}
