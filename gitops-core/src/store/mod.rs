//! Cluster stores: where reconciled objects live.
//!
//! [`ClusterStore`] is the host's cluster (a Kubernetes API client, a database, files).
//! Two implementations come with the crate: [`MemoryStore`] (tests, the embedded default) and
//! [`DirStore`] (one YAML file per object, written atomically; the "rendered manifests"
//! pattern, and easy to inspect).

mod dir;
#[cfg(feature = "kube")]
pub mod kube;
mod memory;
pub mod watch;

pub use dir::DirStore;
#[cfg(feature = "kube")]
pub use kube::{KubeStore, KubeStoreOptions};
pub use memory::MemoryStore;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::Error;
use crate::object::ResId;

/// A cluster: objects by identity plus one inventory per owner (a Kustomization or
/// Application, keyed `Kind/namespace/name`).
pub trait ClusterStore {
    /// The object with this identity, if present.
    fn get(&self, id: &ResId) -> Result<Option<Value>, Error>;
    /// Every identity held, sorted.
    fn list(&self) -> Result<Vec<ResId>, Error>;
    /// Creates or replaces an object.
    fn apply(&mut self, obj: &Value) -> Result<(), Error>;
    /// Deletes an object; `false` when it was absent.
    fn delete(&mut self, id: &ResId) -> Result<bool, Error>;
    /// The inventory recorded for `owner` (`None`: never reconciled).
    fn inventory(&self, owner: &str) -> Result<Option<BTreeSet<ResId>>, Error>;
    /// Records the inventory of `owner`.
    fn set_inventory(&mut self, owner: &str, ids: &BTreeSet<ResId>) -> Result<(), Error>;

    /// The source revision `owner` was last synced to (`None`: unknown). Argo CD
    /// Applications without `selfHeal` only sync again when it changes. The default stores
    /// nothing, so every reconcile counts as a new revision.
    fn synced_revision(&self, owner: &str) -> Result<Option<String>, Error> {
        let _ = owner;
        Ok(None)
    }
    /// Records the revision `owner` was synced to.
    fn set_synced_revision(&mut self, owner: &str, revision: &str) -> Result<(), Error> {
        let _ = (owner, revision);
        Ok(())
    }

    /// The live objects among `ids`.
    fn get_many(
        &self,
        ids: &mut dyn Iterator<Item = &ResId>,
    ) -> Result<BTreeMap<ResId, Value>, Error> {
        let mut out = BTreeMap::new();
        for id in ids {
            if let Some(v) = self.get(id)? {
                out.insert(id.clone(), v);
            }
        }
        Ok(out)
    }
}
