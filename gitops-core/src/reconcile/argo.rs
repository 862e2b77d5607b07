//! Argo CD `Application` sync over the same plan and apply as Kustomizations.

use super::{
    Condition, ConditionStatus, Health, HealthChecker, KustomizationResult, Renderer, Source,
    apply_objects,
};
use crate::model::{Application, Kustomization, KustomizationSpec, ObjectMeta};
use crate::object::{ResId, is_cluster_scoped, set_meta_entry, set_namespace, str_at};
use crate::plan::{PlanOptions, plan};
use crate::store::ClusterStore;

/// Argo CD's view of an Application after a sync.
#[derive(Debug, Clone, PartialEq)]
pub struct ApplicationResult {
    /// The underlying reconcile.
    pub result: KustomizationResult,
    /// `Synced` or `OutOfSync`.
    pub sync_status: &'static str,
    /// `Healthy`, `Progressing` or `Degraded`.
    pub health_status: &'static str,
}

/// The Kustomization an Application amounts to.
pub fn application_as_kustomization(app: &Application) -> Kustomization {
    let automated = app
        .spec
        .sync_policy
        .as_ref()
        .and_then(|p| p.automated.clone())
        .unwrap_or_default();
    let ns = &app.spec.destination.namespace;
    Kustomization {
        metadata: ObjectMeta {
            name: app.metadata.name.clone(),
            namespace: app.metadata.namespace.clone(),
            ..Default::default()
        },
        spec: KustomizationSpec {
            path: app.spec.source.path.clone(),
            prune: automated.prune,
            target_namespace: (!ns.is_empty()).then(|| ns.clone()),
            ..Default::default()
        },
    }
}

/// Syncs an Application: renders its path, puts namespace-less objects in the destination
/// namespace (creating it with `CreateNamespace=true`), and applies with the Application's
/// prune setting. Without `automated`, nothing is applied and the plan tells whether the
/// Application is in sync.
pub fn sync_application(
    app: &Application,
    source: &Source,
    renderer: &dyn Renderer,
    store: &mut dyn ClusterStore,
    health: &dyn HealthChecker,
) -> ApplicationResult {
    let k = application_as_kustomization(app);
    let key = k.metadata.key();
    let owner = format!("Application/{key}");
    let rel = app.spec.source.path.trim_start_matches("./");
    let dir = source.root.join(rel);
    let mut desired = match renderer.render(&dir) {
        Ok(d) => d,
        Err(m) => {
            let result = KustomizationResult::stopped(key, "BuildFailed", m.to_string(), true);
            return ApplicationResult {
                result,
                sync_status: "OutOfSync",
                health_status: "Degraded",
            };
        }
    };
    let ns = &app.spec.destination.namespace;
    for o in &mut desired {
        let kind = str_at(o, "/kind").unwrap_or("").to_string();
        if !ns.is_empty()
            && !is_cluster_scoped(&kind)
            && str_at(o, "/metadata/namespace").is_none_or(str::is_empty)
        {
            set_namespace(o, ns);
        }
        set_meta_entry(
            o,
            "labels",
            "app.kubernetes.io/instance",
            &app.metadata.name,
        );
    }
    if app.create_namespace() && !ns.is_empty() {
        desired.insert(
            0,
            serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
        );
    }
    let automated = app
        .spec
        .sync_policy
        .as_ref()
        .and_then(|p| p.automated.as_ref());
    // Without selfHeal, Argo syncs only when the revision changes: drift at the revision
    // already synced is reported OutOfSync and left alone.
    let synced = store.synced_revision(&owner).ok().flatten();
    let hold =
        automated.is_some_and(|a| !a.self_heal) && synced.as_deref() == Some(&*source.revision);
    let auto = match automated {
        Some(a) if !hold => a,
        _ => {
            let previous = store.inventory(&owner).ok().flatten().unwrap_or_default();
            let mut ids = previous.clone();
            ids.extend(desired.iter().filter_map(|o| ResId::of(o).ok()));
            let live = store.get_many(&mut ids.iter()).unwrap_or_default();
            let p = plan(
                &desired,
                &live,
                &previous,
                PlanOptions::default().prune(false),
            )
            .unwrap_or_default();
            let sync_status = if p.is_noop() { "Synced" } else { "OutOfSync" };
            let c = if hold {
                Condition::new(
                    "Ready",
                    ConditionStatus::Unknown,
                    "SelfHealDisabled",
                    format!(
                        "revision {} is already synced; drift is not repaired",
                        source.revision
                    ),
                )
            } else {
                Condition::new(
                    "Ready",
                    ConditionStatus::Unknown,
                    "ManualSync",
                    "automated sync is off",
                )
            };
            let result = KustomizationResult {
                key,
                plan: p,
                applied: 0,
                conditions: vec![c],
            };
            return ApplicationResult {
                result,
                sync_status,
                health_status: "Progressing",
            };
        }
    };
    match apply_objects(&owner, &desired, auto.prune, store) {
        Ok((p, applied)) => {
            if let Err(e) = store.set_synced_revision(&owner, &source.revision) {
                let mut result =
                    KustomizationResult::stopped(key, "ReconciliationFailed", e.to_string(), false);
                result.plan = p;
                result.applied = applied;
                return ApplicationResult {
                    result,
                    sync_status: "OutOfSync",
                    health_status: "Degraded",
                };
            }
            let unhealthy = p
                .inventory()
                .iter()
                .filter_map(|id| store.get(id).ok().flatten())
                .any(|o| health.health(&o) != Health::Current);
            let c = Condition::new(
                "Ready",
                ConditionStatus::True,
                "ReconciliationSucceeded",
                format!("Applied revision: {}", source.revision),
            );
            let result = KustomizationResult {
                key,
                plan: p,
                applied,
                conditions: vec![c],
            };
            ApplicationResult {
                result,
                sync_status: "Synced",
                health_status: if unhealthy { "Progressing" } else { "Healthy" },
            }
        }
        Err((p, applied, e)) => {
            let mut result =
                KustomizationResult::stopped(key, "ReconciliationFailed", e.to_string(), false);
            result.plan = p;
            result.applied = applied;
            ApplicationResult {
                result,
                sync_status: "OutOfSync",
                health_status: "Degraded",
            }
        }
    }
}
