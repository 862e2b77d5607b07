//! In-memory store.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::ClusterStore;
use crate::Error;
use crate::object::ResId;

/// A cluster held in memory.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MemoryStore {
    /// Objects by identity.
    pub objects: BTreeMap<ResId, Value>,
    /// Inventories by owner.
    pub inventories: BTreeMap<String, BTreeSet<ResId>>,
    /// Last synced revisions by owner.
    pub revisions: BTreeMap<String, String>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl ClusterStore for MemoryStore {
    fn get(&self, id: &ResId) -> Result<Option<Value>, Error> {
        Ok(self.objects.get(id).cloned())
    }

    fn list(&self) -> Result<Vec<ResId>, Error> {
        Ok(self.objects.keys().cloned().collect())
    }

    fn apply(&mut self, obj: &Value) -> Result<(), Error> {
        self.objects.insert(ResId::of(obj)?, obj.clone());
        Ok(())
    }

    fn delete(&mut self, id: &ResId) -> Result<bool, Error> {
        Ok(self.objects.remove(id).is_some())
    }

    fn inventory(&self, owner: &str) -> Result<Option<BTreeSet<ResId>>, Error> {
        Ok(self.inventories.get(owner).cloned())
    }

    fn set_inventory(&mut self, owner: &str, ids: &BTreeSet<ResId>) -> Result<(), Error> {
        self.inventories.insert(owner.to_string(), ids.clone());
        Ok(())
    }

    fn synced_revision(&self, owner: &str) -> Result<Option<String>, Error> {
        Ok(self.revisions.get(owner).cloned())
    }

    fn set_synced_revision(&mut self, owner: &str, revision: &str) -> Result<(), Error> {
        self.revisions
            .insert(owner.to_string(), revision.to_string());
        Ok(())
    }
}
