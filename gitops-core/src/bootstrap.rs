//! A Flux repository reconciled from its bootstrap root, as a Flux cluster does it.
//!
//! [`reconcile_cluster`] starts from the `flux-system` Kustomization of one cluster path
//! (the one `flux bootstrap` writes into `CLUSTER/flux-system/gotk-sync.yaml`, or the one
//! Flux would generate when there is none: `flux-system/flux-system`, `path: CLUSTER`,
//! `prune: true`, source `GitRepository/flux-system`). That root is applied to the store;
//! then, as the cluster is the source of truth for Flux objects, the Kustomizations the store
//! now holds are read back and reconciled in `dependsOn` order, and again for those they
//! apply, until a round adds none (at most [`BootstrapOptions::max_rounds`]).
//!
//! Each Kustomization is built from its own `sourceRef`. A `GitRepository` that is the
//! root's (the same object, or the same URL and ref) is the local tree. Any other source is
//! reported on that Kustomization (`Ready=False`, reason `ArtifactFailed`) with what it
//! names, never silently read from the local tree.

use crate::error::Error;
use crate::model::{Kustomization, Object, ObjectMeta, ObjectRef};
use crate::object::ResId;
use crate::reconcile::{
    HealthChecker, KustomizationResult, ReconcileOptions, Renderer, Source, reconcile_kustomization,
};
use crate::store::ClusterStore;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Bounds of a bootstrap reconcile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BootstrapOptions {
    /// Rounds of "read the Kustomizations back, reconcile the new ones" (default 16).
    pub max_rounds: usize,
    /// Options of each Kustomization's reconcile.
    pub reconcile: ReconcileOptions,
}

impl Default for BootstrapOptions {
    fn default() -> BootstrapOptions {
        BootstrapOptions {
            max_rounds: 16,
            reconcile: ReconcileOptions::default(),
        }
    }
}

/// What a bootstrap reconcile did.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterResult {
    /// Whether the root came from the tree (`false`: generated as Flux does).
    pub root_found: bool,
    /// Every Kustomization's result, root first, in the order reconciled.
    pub results: Vec<KustomizationResult>,
    /// Notes: Kustomizations read back that did not parse, rounds cut at the bound.
    pub notes: Vec<String>,
}

/// The Kustomization Flux generates for a cluster path without one.
pub fn generated_root(cluster_path: &str) -> Kustomization {
    let mut k = Kustomization {
        metadata: ObjectMeta {
            name: "flux-system".into(),
            namespace: "flux-system".into(),
            ..ObjectMeta::default()
        },
        spec: Default::default(),
    };
    k.spec.path = format!("./{}", cluster_path.trim_start_matches("./"));
    k.spec.prune = true;
    k.spec.source_ref = ObjectRef {
        kind: "GitRepository".into(),
        name: "flux-system".into(),
        ..ObjectRef::default()
    };
    k
}

fn same_path(a: &str, b: &str) -> bool {
    let norm = |p: &str| {
        p.trim_start_matches("./")
            .trim_end_matches('/')
            .trim_start_matches('/')
            .to_string()
    };
    norm(a) == norm(b)
}

/// The root among `objects` found under the cluster path: the Kustomization
/// `flux-system/flux-system`, else any whose `path` is the cluster path.
pub fn find_root(objects: &[Object], cluster_path: &str) -> Option<Kustomization> {
    let ks: Vec<&Kustomization> = objects
        .iter()
        .filter_map(|o| match o {
            Object::Kustomization(k) => Some(k),
            _ => None,
        })
        .collect();
    ks.iter()
        .find(|k| k.metadata.name == "flux-system" && k.metadata.namespace == "flux-system")
        .or_else(|| ks.iter().find(|k| same_path(&k.spec.path, cluster_path)))
        .map(|k| (*k).clone())
}

/// A GitRepository's URL and ref, as read from the store.
fn git_repository(store: &dyn ClusterStore, ns: &str, name: &str) -> Option<(String, Value)> {
    let id = ResId {
        group: "source.toolkit.fluxcd.io".into(),
        kind: "GitRepository".into(),
        namespace: ns.into(),
        name: name.into(),
    };
    let obj = store.get(&id).ok().flatten()?;
    let url = obj.pointer("/spec/url")?.as_str()?.to_string();
    let reference = obj.pointer("/spec/ref").cloned().unwrap_or(Value::Null);
    Some((url, reference))
}

/// Why `k`'s source is not the local tree, or `None` when it is.
fn foreign_source(
    k: &Kustomization,
    root_source: &(String, String),
    store: &dyn ClusterStore,
) -> Option<String> {
    let r = &k.spec.source_ref;
    let ns = if r.namespace.is_empty() {
        k.metadata.namespace.as_str()
    } else {
        r.namespace.as_str()
    };
    if r.kind != "GitRepository" {
        return Some(format!(
            "source '{}/{ns}/{}' is not the repository reconciled here; {} sources are not fetched by this call",
            r.kind, r.name, r.kind
        ));
    }
    if (ns, r.name.as_str()) == (root_source.0.as_str(), root_source.1.as_str()) {
        return None;
    }
    let Some((url, reference)) = git_repository(store, ns, &r.name) else {
        return Some(format!("Source 'GitRepository/{ns}/{}' not found", r.name));
    };
    let root = git_repository(store, &root_source.0, &root_source.1);
    match root {
        Some((root_url, root_ref)) if root_url == url && root_ref == reference => None,
        _ => Some(format!(
            "source 'GitRepository/{ns}/{}' ({url}) is another repository than the root's; fetching it is not done by this call",
            r.name
        )),
    }
}

/// The Kustomizations the store holds, parsed; those that do not parse become notes.
fn stored_kustomizations(
    store: &dyn ClusterStore,
    notes: &mut Vec<String>,
) -> Result<Vec<Kustomization>, Error> {
    let mut out = Vec::new();
    for id in store.list()? {
        if id.group != "kustomize.toolkit.fluxcd.io" || id.kind != "Kustomization" {
            continue;
        }
        let Some(v) = store.get(&id)? else { continue };
        match Object::from_value(v, &format!("store {}/{}", id.namespace, id.name)) {
            Ok(Object::Kustomization(k)) => out.push(k),
            Ok(_) => {}
            Err(e) => notes.push(format!("Kustomization/{}/{}: {e}", id.namespace, id.name)),
        }
    }
    Ok(out)
}

/// Reconciles the repository at `source` from the bootstrap root of `cluster_path`.
/// `tree` holds the objects found under the cluster path (to find the root).
pub fn reconcile_cluster(
    tree: &[Object],
    cluster_path: &str,
    source: &Source,
    renderer: &dyn Renderer,
    store: &mut dyn ClusterStore,
    health: &dyn HealthChecker,
    opts: BootstrapOptions,
) -> Result<ClusterResult, Error> {
    let found = find_root(tree, cluster_path);
    let root_found = found.is_some();
    let root = found.unwrap_or_else(|| generated_root(cluster_path));
    let root_ref = {
        let r = &root.spec.source_ref;
        let ns = if r.namespace.is_empty() {
            root.metadata.namespace.clone()
        } else {
            r.namespace.clone()
        };
        (ns, r.name.clone())
    };
    let mut ready: BTreeMap<String, bool> = BTreeMap::new();
    let mut done: BTreeSet<String> = BTreeSet::new();
    let mut results = Vec::new();
    let mut notes = Vec::new();
    let r = reconcile_kustomization(
        &root,
        source,
        renderer,
        store,
        health,
        &ready,
        opts.reconcile,
    );
    ready.insert(r.key.clone(), r.ready());
    done.insert(r.key.clone());
    results.push(r);
    for round in 0.. {
        let fresh: Vec<Kustomization> = stored_kustomizations(store, &mut notes)?
            .into_iter()
            .filter(|k| !done.contains(&k.metadata.key()))
            .collect();
        if fresh.is_empty() {
            break;
        }
        if round >= opts.max_rounds {
            notes.push(format!(
                "stopped after {} rounds with {} Kustomizations not reconciled",
                opts.max_rounds,
                fresh.len()
            ));
            break;
        }
        for k in crate::reconcile::dependency_order(&fresh) {
            let key = k.metadata.key();
            let r = match foreign_source(k, &root_ref, store) {
                Some(why) => {
                    KustomizationResult::stopped(key.clone(), "ArtifactFailed", why, false)
                }
                None => reconcile_kustomization(
                    k,
                    source,
                    renderer,
                    store,
                    health,
                    &ready,
                    opts.reconcile,
                ),
            };
            ready.insert(r.key.clone(), r.ready());
            done.insert(key);
            results.push(r);
        }
    }
    Ok(ClusterResult {
        root_found,
        results,
        notes,
    })
}
