//! `dependsOn`: the order Kustomizations are reconciled in, and whether a Kustomization's
//! dependencies are ready.

use std::collections::{BTreeMap, BTreeSet};

use super::{
    HealthChecker, KustomizationResult, ReconcileOptions, Renderer, Source, reconcile_kustomization,
};
use crate::model::Kustomization;
use crate::store::ClusterStore;

/// The first of `k`'s dependencies (`namespace/name`) that `ready` does not list as ready.
pub(super) fn first_unready(k: &Kustomization, ready: &BTreeMap<String, bool>) -> Option<String> {
    k.spec
        .depends_on
        .iter()
        .map(|dep| dep.key(&k.metadata.namespace))
        .find(|dep_key| !ready.get(dep_key).copied().unwrap_or(false))
}

/// Orders Kustomizations so that dependencies come first (stable; cycles keep input order).
pub fn dependency_order(ks: &[Kustomization]) -> Vec<&Kustomization> {
    let keys: BTreeSet<String> = ks.iter().map(|k| k.metadata.key()).collect();
    let mut done: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::with_capacity(ks.len());
    while out.len() < ks.len() {
        let before = out.len();
        for k in ks {
            let key = k.metadata.key();
            if done.contains(&key) {
                continue;
            }
            let deps_done = k.spec.depends_on.iter().all(|d| {
                let dk = d.key(&k.metadata.namespace);
                done.contains(&dk) || !keys.contains(&dk)
            });
            if deps_done {
                done.insert(key);
                out.push(k);
            }
        }
        if out.len() == before {
            out.extend(ks.iter().filter(|k| !done.contains(&k.metadata.key())));
            break;
        }
    }
    out
}

/// Reconciles every Kustomization in `dependsOn` order against one source.
pub fn reconcile_all(
    ks: &[Kustomization],
    source: &Source,
    renderer: &dyn Renderer,
    store: &mut dyn ClusterStore,
    health: &dyn HealthChecker,
    opts: ReconcileOptions,
) -> Vec<KustomizationResult> {
    let mut ready = BTreeMap::new();
    let mut out = Vec::new();
    for k in dependency_order(ks) {
        let r = reconcile_kustomization(k, source, renderer, store, health, &ready, opts);
        ready.insert(r.key.clone(), r.ready());
        out.push(r);
    }
    out
}
