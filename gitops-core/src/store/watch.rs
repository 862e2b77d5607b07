//! The pure half of the drift watch: which owners an object change concerns, and what to
//! watch to hear of every change to an inventory's objects.
//!
//! An adapter (`KubeStore::watch_inventories`, feature `kube`) turns the API server's watch
//! events into "object X changed" ([`ObjectChange`]); an [`OwnerIndex`] built from the
//! inventories names the owners whose reconcile that change should wake (Flux's drift
//! detection, Argo CD's `selfHeal`). Nothing here does I/O.

use std::collections::{BTreeMap, BTreeSet};

use crate::object::ResId;

/// What happened to an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Change {
    /// It appeared (created, or created again after a delete).
    Added,
    /// It was changed.
    Modified,
    /// It was deleted.
    Deleted,
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Change::Added => "added",
            Change::Modified => "modified",
            Change::Deleted => "deleted",
        })
    }
}

/// "Object X changed", with the owners (inventory keys, `Kind/namespace/name`) whose
/// inventories hold it; empty for a watch of plain kinds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectChange {
    /// The object.
    pub id: ResId,
    /// What happened.
    pub change: Change,
    /// The owners to wake, sorted.
    pub owners: Vec<String>,
}

impl std::fmt::Display for ObjectChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.id, self.change)?;
        if !self.owners.is_empty() {
            write!(f, " (owned by {})", self.owners.join(", "))?;
        }
        Ok(())
    }
}

/// One thing to watch: a kind, in one namespace or (`namespace` empty) cluster-wide.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WatchScope {
    /// API group (empty for the core group).
    pub group: String,
    /// Kind.
    pub kind: String,
    /// Namespace; empty for cluster-scoped kinds.
    pub namespace: String,
}

/// Owners by object, from the inventories.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OwnerIndex {
    by_id: BTreeMap<ResId, BTreeSet<String>>,
}

impl OwnerIndex {
    /// An empty index.
    pub fn new() -> Self {
        OwnerIndex::default()
    }

    /// Records `owner`'s inventory.
    pub fn insert<'a>(&mut self, owner: &str, ids: impl IntoIterator<Item = &'a ResId>) {
        for id in ids {
            self.by_id
                .entry(id.clone())
                .or_default()
                .insert(owner.to_string());
        }
    }

    /// Whether no inventory holds anything.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// The owners holding `id`, sorted (empty: not ours, the change is ignored).
    pub fn owners(&self, id: &ResId) -> Vec<String> {
        self.by_id
            .get(id)
            .map(|o| o.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// The change event for `id`, or `None` when no inventory holds it.
    pub fn change(&self, id: ResId, change: Change) -> Option<ObjectChange> {
        let owners = self.owners(&id);
        (!owners.is_empty()).then_some(ObjectChange { id, change, owners })
    }

    /// The indexed objects a watch of `scope` sees.
    pub fn ids_in(&self, scope: &WatchScope) -> Vec<ResId> {
        self.by_id
            .keys()
            .filter(|id| {
                id.group == scope.group
                    && id.kind == scope.kind
                    && (scope.namespace.is_empty() || id.namespace == scope.namespace)
            })
            .cloned()
            .collect()
    }

    /// The watches that together see every indexed object: one per kind and namespace
    /// (cluster-scoped objects have an empty namespace), sorted.
    pub fn scopes(&self) -> BTreeSet<WatchScope> {
        self.by_id
            .keys()
            .map(|id| WatchScope {
                group: id.group.clone(),
                kind: id.kind.clone(),
                namespace: id.namespace.clone(),
            })
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn idx() -> OwnerIndex {
        let mut i = OwnerIndex::new();
        let web = ResId::new("apps", "Deployment", "prod", "web");
        let ns = ResId::new("", "Namespace", "", "prod");
        let cfg = ResId::new("", "ConfigMap", "prod", "cfg");
        i.insert("Kustomization/flux-system/apps", [&web, &ns, &cfg]);
        i.insert("Kustomization/flux-system/infra", [&ns]);
        i
    }

    #[test]
    fn a_change_names_every_owner_of_the_object_and_only_those() {
        let i = idx();
        let ns = i
            .change(ResId::new("", "Namespace", "", "prod"), Change::Deleted)
            .unwrap();
        assert_eq!(
            ns.owners,
            [
                "Kustomization/flux-system/apps",
                "Kustomization/flux-system/infra"
            ]
        );
        assert_eq!(
            ns.to_string(),
            "Namespace/prod deleted (owned by Kustomization/flux-system/apps, Kustomization/flux-system/infra)"
        );
        // Same name, other namespace or group: not ours.
        assert_eq!(
            i.change(
                ResId::new("apps", "Deployment", "dev", "web"),
                Change::Modified
            ),
            None
        );
        assert_eq!(
            i.change(
                ResId::new("", "Deployment", "prod", "web"),
                Change::Modified
            ),
            None
        );
    }

    #[test]
    fn scopes_are_one_per_kind_and_namespace() {
        let scopes: Vec<String> = idx()
            .scopes()
            .into_iter()
            .map(|s| format!("{}/{}/{}", s.group, s.kind, s.namespace))
            .collect();
        assert_eq!(
            scopes,
            ["/ConfigMap/prod", "/Namespace/", "apps/Deployment/prod"]
        );
    }
}
