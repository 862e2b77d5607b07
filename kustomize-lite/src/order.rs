//! kustomize's legacy output order: by kind (namespaces and RBAC first, webhooks last),
//! then by group/version/kind, namespace and name.

use crate::resid::{Gvk, ResId};
use std::cmp::Ordering;

/// Kinds printed first, in this order.
pub const ORDER_FIRST: &[&str] = &[
    "Namespace",
    "ResourceQuota",
    "StorageClass",
    "CustomResourceDefinition",
    "ServiceAccount",
    "PodSecurityPolicy",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ConfigMap",
    "Secret",
    "Endpoints",
    "Service",
    "LimitRange",
    "PriorityClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PodDisruptionBudget",
];

/// Kinds printed last, in this order.
pub const ORDER_LAST: &[&str] = &[
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// A legacy ordering with its kind lists.
#[derive(Debug, Clone)]
pub struct Legacy {
    first: Vec<String>,
    last: Vec<String>,
}

impl Default for Legacy {
    fn default() -> Self {
        Legacy {
            first: ORDER_FIRST.iter().map(|s| s.to_string()).collect(),
            last: ORDER_LAST.iter().map(|s| s.to_string()).collect(),
        }
    }
}

fn gvk_key(g: &Gvk) -> String {
    let or = |s: &str, d: &'static str| {
        if s.is_empty() {
            d.to_string()
        } else {
            s.to_string()
        }
    };
    format!(
        "{}_{}_{}",
        or(&g.group, "~G"),
        or(&g.version, "~V"),
        or(&g.kind, "~K")
    )
}

fn id_key(id: &ResId) -> String {
    let or = |s: &str, d: &'static str| {
        if s.is_empty() {
            d.to_string()
        } else {
            s.to_string()
        }
    };
    format!(
        "{}|{}|{}",
        gvk_key(&id.gvk),
        or(&id.namespace, "~X"),
        or(&id.name, "~N")
    )
}

impl Legacy {
    /// An ordering with custom kind lists.
    pub fn new(first: Vec<String>, last: Vec<String>) -> Legacy {
        Legacy { first, last }
    }

    fn rank(&self, kind: &str) -> i64 {
        if let Some(i) = self.first.iter().position(|k| k == kind) {
            return i as i64 - self.first.len() as i64;
        }
        if let Some(i) = self.last.iter().position(|k| k == kind) {
            return 1 + i as i64;
        }
        0
    }

    /// Compares two ids.
    pub fn compare(&self, a: &ResId, b: &ResId) -> Ordering {
        if a.gvk != b.gvk {
            let (ra, rb) = (self.rank(&a.gvk.kind), self.rank(&b.gvk.kind));
            if ra != rb {
                return ra.cmp(&rb);
            }
            let (ka, kb) = (gvk_key(&a.gvk), gvk_key(&b.gvk));
            if a.gvk.kind == "Namespace"
                && b.gvk.kind == "Namespace"
                && (a.gvk.group.is_empty() || b.gvk.group.is_empty())
            {
                return kb.cmp(&ka);
            }
            return ka.cmp(&kb);
        }
        id_key(a).cmp(&id_key(b))
    }
}
