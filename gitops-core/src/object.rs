//! Generic Kubernetes objects: identities and accessors over `serde_json::Value`.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Error;

/// `kind/namespace/name` (or `kind/name` for cluster-scoped objects), for messages.
pub fn describe(obj: &Value) -> String {
    match ResId::of(obj) {
        Ok(id) => id.to_string(),
        Err(_) => "<object without kind or name>".to_string(),
    }
}

/// The identity of an object in a cluster: group, kind, namespace, name (the version is not
/// part of it, as in Flux's inventory).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ResId {
    /// API group (`apps`; empty for the core group).
    pub group: String,
    /// Kind.
    pub kind: String,
    /// Namespace (empty for cluster-scoped objects).
    pub namespace: String,
    /// Name.
    pub name: String,
}

impl ResId {
    /// A new identity.
    pub fn new(group: &str, kind: &str, namespace: &str, name: &str) -> Self {
        ResId {
            group: group.into(),
            kind: kind.into(),
            namespace: namespace.into(),
            name: name.into(),
        }
    }

    /// The identity of an object; an error when `kind` or `metadata.name` is missing.
    pub fn of(obj: &Value) -> Result<ResId, Error> {
        let s = |p: &str| obj.pointer(p).and_then(Value::as_str).unwrap_or("");
        let (api, kind, name) = (s("/apiVersion"), s("/kind"), s("/metadata/name"));
        if kind.is_empty() || name.is_empty() {
            return Err(Error::Model {
                origin: format!("object {kind:?}/{name:?}"),
                message: "an object needs apiVersion, kind and metadata.name".into(),
            });
        }
        let group = api.split_once('/').map_or("", |(g, _)| g);
        Ok(ResId::new(group, kind, s("/metadata/namespace"), name))
    }
}

impl fmt::Display for ResId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.namespace.is_empty() {
            write!(f, "{}/{}", self.kind, self.name)
        } else {
            write!(f, "{}/{}/{}", self.kind, self.namespace, self.name)
        }
    }
}

/// Kinds that have no namespace (the common built-in ones; anything else is namespaced).
pub fn is_cluster_scoped(kind: &str) -> bool {
    matches!(
        kind,
        "Namespace"
            | "CustomResourceDefinition"
            | "ClusterRole"
            | "ClusterRoleBinding"
            | "PersistentVolume"
            | "StorageClass"
            | "IngressClass"
            | "PriorityClass"
            | "APIService"
            | "MutatingWebhookConfiguration"
            | "ValidatingWebhookConfiguration"
            | "Node"
            | "RuntimeClass"
            | "CSIDriver"
            | "VolumeAttachment"
    )
}

/// A string field at a JSON pointer.
pub fn str_at<'a>(obj: &'a Value, pointer: &str) -> Option<&'a str> {
    obj.pointer(pointer).and_then(Value::as_str)
}

/// Sets `metadata.<field>.<key> = value`, creating the maps as needed.
pub fn set_meta_entry(obj: &mut Value, field: &str, key: &str, value: &str) {
    let Some(root) = obj.as_object_mut() else {
        return;
    };
    let meta = root
        .entry("metadata")
        .or_insert_with(|| Value::Object(Default::default()));
    let Some(meta) = meta.as_object_mut() else {
        return;
    };
    let map = meta
        .entry(field)
        .or_insert_with(|| Value::Object(Default::default()));
    if let Some(map) = map.as_object_mut() {
        map.insert(key.to_string(), Value::String(value.to_string()));
    }
}

/// Sets `metadata.namespace` on a namespaced object.
pub fn set_namespace(obj: &mut Value, namespace: &str) {
    let kind = str_at(obj, "/kind").unwrap_or("").to_string();
    if is_cluster_scoped(&kind) {
        return;
    }
    if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.insert("namespace".into(), Value::String(namespace.into()));
    }
}
