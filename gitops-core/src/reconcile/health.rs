//! Object health (kstatus-like rules) and a Kustomization's health checks (`wait`,
//! `healthChecks`).

use serde_json::Value;

use crate::model::{Kustomization, ObjectRef};
use crate::object::{ResId, is_cluster_scoped, str_at};
use crate::plan::Plan;
use crate::store::ClusterStore;

/// An object's health.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    /// Ready.
    Current,
    /// Not ready yet (why).
    InProgress(String),
    /// Failed (why).
    Failed(String),
}

/// Decides the health of live objects (the host's cluster knows best).
pub trait HealthChecker {
    /// Health of one live object.
    fn health(&self, obj: &Value) -> Health;
}

/// Readiness computed from `status` (kstatus-like rules for Deployments, StatefulSets,
/// DaemonSets, Jobs and objects with a `Ready` condition). An object without `status` is
/// `Current`: the store did not report one.
#[derive(Debug, Clone, Copy, Default)]
pub struct StatusHealth;

impl HealthChecker for StatusHealth {
    fn health(&self, obj: &Value) -> Health {
        let Some(status) = obj.get("status") else {
            return Health::Current;
        };
        let int = |v: &Value, p: &str| v.pointer(p).and_then(Value::as_i64);
        if let (Some(generation), Some(observed)) = (
            int(obj, "/metadata/generation"),
            int(status, "/observedGeneration"),
        ) && observed < generation
        {
            return Health::InProgress(format!("observed generation {observed} < {generation}"));
        }
        let kind = str_at(obj, "/kind").unwrap_or("");
        match kind {
            "Deployment" | "StatefulSet" => {
                let want = int(obj, "/spec/replicas").unwrap_or(1);
                let ready = int(status, "/readyReplicas").unwrap_or(0);
                let updated = int(status, "/updatedReplicas").unwrap_or(0);
                if ready < want || updated < want {
                    return Health::InProgress(format!(
                        "{ready}/{want} replicas ready, {updated} updated"
                    ));
                }
            }
            "DaemonSet" => {
                let want = int(status, "/desiredNumberScheduled").unwrap_or(0);
                let ready = int(status, "/numberReady").unwrap_or(0);
                if ready < want {
                    return Health::InProgress(format!("{ready}/{want} pods ready"));
                }
            }
            _ => {}
        }
        let conditions = status.get("conditions").and_then(Value::as_array);
        for c in conditions.into_iter().flatten() {
            let (t, s) = (
                str_at(c, "/type").unwrap_or(""),
                str_at(c, "/status").unwrap_or(""),
            );
            let msg = str_at(c, "/message").unwrap_or("").to_string();
            match (t, s) {
                ("Ready", "False") | ("Failed", "True") | ("Stalled", "True") => {
                    return Health::Failed(msg);
                }
                ("Complete", "True") => return Health::Current,
                _ => {}
            }
        }
        Health::Current
    }
}

/// The Kustomization's health checks after `plan` was applied: every object of the
/// inventory with `wait`, else `healthChecks`. One line per object that is missing or not
/// `Current`.
pub(super) fn unhealthy(
    k: &Kustomization,
    plan: &Plan,
    store: &dyn ClusterStore,
    health: &dyn HealthChecker,
) -> Vec<String> {
    let checks: Vec<ObjectRef> = if k.spec.wait {
        plan.inventory()
            .into_iter()
            .map(|id| ObjectRef {
                api_version: String::new(),
                kind: id.kind,
                name: id.name,
                namespace: id.namespace,
            })
            .collect()
    } else {
        k.spec.health_checks.clone()
    };
    let mut unhealthy = Vec::new();
    for c in &checks {
        let group = c.api_version.split_once('/').map_or("", |(g, _)| g);
        let ns = if c.namespace.is_empty() && !is_cluster_scoped(&c.kind) {
            &k.metadata.namespace
        } else {
            &c.namespace
        };
        let id = ResId::new(group, &c.kind, ns, &c.name);
        let found = if c.api_version.is_empty() {
            store.list().ok().and_then(|ids| {
                ids.into_iter()
                    .find(|i| i.kind == id.kind && i.namespace == id.namespace && i.name == id.name)
                    .and_then(|i| store.get(&i).ok().flatten())
            })
        } else {
            store.get(&id).ok().flatten()
        };
        match found.map(|o| health.health(&o)) {
            None => unhealthy.push(format!("{id} not found")),
            Some(Health::Current) => {}
            Some(Health::InProgress(m) | Health::Failed(m)) => unhealthy.push(format!("{id}: {m}")),
        }
    }
    unhealthy
}
