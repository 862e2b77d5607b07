//! `TypeMeta`, `ObjectMeta` and status `Condition`s, as Kubernetes' `metav1` defines them.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;

/// `apiVersion` and `kind`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TypeMeta {
    /// `group/version` (`v1` for the core group).
    #[serde(default)]
    pub api_version: String,
    /// Kind.
    #[serde(default)]
    pub kind: String,
}

/// A reference from an object to its owner (`metadata.ownerReferences[]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OwnerReference {
    /// The owner's `apiVersion`.
    #[serde(default)]
    pub api_version: String,
    /// The owner's kind.
    #[serde(default)]
    pub kind: String,
    /// The owner's name.
    #[serde(default)]
    pub name: String,
    /// The owner's UID.
    #[serde(default)]
    pub uid: String,
    /// Whether the owner is the managing controller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controller: Option<bool>,
    /// Whether the owner cannot be deleted before this object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_owner_deletion: Option<bool>,
}

/// `metadata` of any object: every field of Kubernetes' `ObjectMeta`, and any other field
/// kept as written in [`ObjectMeta::extra`]. Empty fields are left out when written, as
/// Go's `omitempty` does; `null` reads as empty.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectMeta {
    /// Name.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub name: String,
    /// Prefix the API server completes into a unique name when `name` is empty.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub generate_name: String,
    /// Namespace (empty: unset, or a cluster-scoped object).
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub namespace: String,
    /// Deprecated self link.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub self_link: String,
    /// UID the API server gave the object.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub uid: String,
    /// Resource version.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub resource_version: String,
    /// Generation of the desired state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation: Option<i64>,
    /// Creation time (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_timestamp: Option<String>,
    /// Deletion time (RFC 3339), set once deletion was requested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_timestamp: Option<String>,
    /// Grace period of a requested deletion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_grace_period_seconds: Option<i64>,
    /// Labels.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub labels: BTreeMap<String, String>,
    /// Annotations.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub annotations: BTreeMap<String, String>,
    /// Owners.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub owner_references: Vec<OwnerReference>,
    /// Finalizers.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub finalizers: Vec<String>,
    /// Field managers' records, kept as written.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub managed_fields: Vec<Value>,
    /// Any other field, kept as written.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

impl ObjectMeta {
    /// Metadata with a name and a namespace.
    pub fn named(namespace: &str, name: &str) -> ObjectMeta {
        ObjectMeta {
            name: name.into(),
            namespace: namespace.into(),
            ..ObjectMeta::default()
        }
    }

    /// `namespace/name`, the key objects refer to each other by.
    pub fn key(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }

    /// The namespace, `None` when unset.
    pub fn namespace(&self) -> Option<&str> {
        (!self.namespace.is_empty()).then_some(self.namespace.as_str())
    }

    /// The namespace, or `default` when unset (how a namespaced object is placed).
    pub fn namespace_or<'a>(&'a self, default: &'a str) -> &'a str {
        self.namespace().unwrap_or(default)
    }

    /// The UID, `None` when unset.
    pub fn uid(&self) -> Option<&str> {
        (!self.uid.is_empty()).then_some(self.uid.as_str())
    }
}

/// Status of a condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum ConditionStatus {
    /// The condition holds.
    True,
    /// It does not hold.
    False,
    /// Not known (yet).
    #[default]
    Unknown,
}

impl ConditionStatus {
    /// `True`, `False` or `Unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            ConditionStatus::True => "True",
            ConditionStatus::False => "False",
            ConditionStatus::Unknown => "Unknown",
        }
    }

    /// Parses `True`, `False` or `Unknown` (exactly; anything else is `None`).
    pub fn parse(s: &str) -> Option<ConditionStatus> {
        match s {
            "True" => Some(ConditionStatus::True),
            "False" => Some(ConditionStatus::False),
            "Unknown" => Some(ConditionStatus::Unknown),
            _ => None,
        }
    }
}

impl From<bool> for ConditionStatus {
    fn from(b: bool) -> Self {
        if b {
            ConditionStatus::True
        } else {
            ConditionStatus::False
        }
    }
}

impl fmt::Display for ConditionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A status condition (`metav1.Condition`, and Tekton's `apis.Condition`, which has the same
/// fields in the same JSON names).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    /// Type (`Ready`, `Succeeded`, `Reconciling`, `Stalled` ...).
    #[serde(rename = "type")]
    pub type_: String,
    /// Status.
    pub status: ConditionStatus,
    /// Generation of the object the condition was computed from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// When the status last changed (RFC 3339).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub last_transition_time: String,
    /// Machine-readable reason in CamelCase.
    #[serde(default)]
    pub reason: String,
    /// Human-readable message.
    #[serde(default)]
    pub message: String,
}

impl Condition {
    /// A condition without time or generation.
    pub fn new(
        type_: &str,
        status: ConditionStatus,
        reason: &str,
        message: impl Into<String>,
    ) -> Condition {
        Condition {
            type_: type_.into(),
            status,
            reason: reason.into(),
            message: message.into(),
            ..Condition::default()
        }
    }

    /// Whether this condition is of `type_` with status `True`.
    pub fn is_true(&self, type_: &str) -> bool {
        self.type_ == type_ && self.status == ConditionStatus::True
    }
}

impl fmt::Display for Condition {
    /// `Ready=True ReconciliationSucceeded: message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}={} {}: {}",
            self.type_, self.status, self.reason, self.message
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn object_meta_round_trips_every_field() {
        let v = json!({
            "name": "web", "namespace": "prod", "uid": "u-1", "generation": 3,
            "labels": {"app": "web"}, "annotations": null, "finalizers": ["f"],
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "r", "uid": "u-0", "controller": true}],
            "creationTimestamp": null, "future": {"x": 1}
        });
        let m: ObjectMeta = serde_json::from_value(v).unwrap();
        assert_eq!(m.key(), "prod/web");
        assert_eq!(m.generation, Some(3));
        assert!(m.annotations.is_empty());
        assert_eq!(m.owner_references[0].controller, Some(true));
        assert_eq!(m.extra["future"], json!({"x": 1}));
        let back = serde_json::to_value(&m).unwrap();
        assert_eq!(
            back,
            json!({"name": "web", "namespace": "prod", "uid": "u-1", "generation": 3,
                   "labels": {"app": "web"}, "finalizers": ["f"],
                   "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "r", "uid": "u-0", "controller": true}],
                   "future": {"x": 1}})
        );
        assert!(serde_json::from_value::<ObjectMeta>(json!({"labels": {"a": 1}})).is_err());
    }

    #[test]
    fn condition_as_kubernetes_writes_it() {
        let c = Condition::new("Ready", ConditionStatus::True, "Succeeded", "ok");
        assert_eq!(
            serde_json::to_value(&c).unwrap(),
            json!({"type": "Ready", "status": "True", "reason": "Succeeded", "message": "ok"})
        );
        assert_eq!(c.to_string(), "Ready=True Succeeded: ok");
        assert!(c.is_true("Ready"));
        let back: Condition = serde_json::from_value(json!({"type": "Stalled", "status": "False", "lastTransitionTime": "2026-01-01T00:00:00Z"})).unwrap();
        assert_eq!(back.status, ConditionStatus::False);
        assert!(
            serde_json::from_value::<Condition>(json!({"type": "X", "status": "maybe"})).is_err()
        );
    }
}
