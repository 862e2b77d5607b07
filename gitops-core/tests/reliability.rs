//! Reliability: a store that fails on the n-th write never leaves the inventory lying, and
//! prune never leaves the inventory.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeSet;

use gitops_core::Error;
use gitops_core::object::ResId;
use gitops_core::reconcile::apply_objects;
use gitops_core::store::{ClusterStore, MemoryStore};
use serde_json::{Value, json};

/// A memory store whose `n`-th apply or delete fails.
struct Faulty {
    inner: MemoryStore,
    writes: usize,
    fail_at: usize,
}

impl ClusterStore for Faulty {
    fn get(&self, id: &ResId) -> Result<Option<Value>, Error> {
        self.inner.get(id)
    }
    fn list(&self) -> Result<Vec<ResId>, Error> {
        self.inner.list()
    }
    fn apply(&mut self, obj: &Value) -> Result<(), Error> {
        self.writes += 1;
        if self.writes == self.fail_at {
            return Err(Error::Store {
                op: "apply",
                object: "x".into(),
                message: "injected".into(),
            });
        }
        self.inner.apply(obj)
    }
    fn delete(&mut self, id: &ResId) -> Result<bool, Error> {
        self.writes += 1;
        if self.writes == self.fail_at {
            return Err(Error::Store {
                op: "delete",
                object: id.to_string(),
                message: "injected".into(),
            });
        }
        self.inner.delete(id)
    }
    fn inventory(&self, owner: &str) -> Result<Option<BTreeSet<ResId>>, Error> {
        self.inner.inventory(owner)
    }
    fn set_inventory(&mut self, owner: &str, ids: &BTreeSet<ResId>) -> Result<(), Error> {
        self.inner.set_inventory(owner, ids)
    }
}

fn cm(name: &str, v: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "n"}, "data": {"k": v}})
}

#[test]
fn every_failure_point_leaves_a_truthful_inventory() {
    let old: Vec<Value> = (0..4).map(|i| cm(&format!("old{i}"), "1")).collect();
    let new: Vec<Value> = (2..7).map(|i| cm(&format!("old{i}"), "2")).collect();
    for fail_at in 1..=10 {
        let mut base = MemoryStore::new();
        apply_objects("K/n/app", &old, true, &mut base).unwrap();
        // An object of someone else, never to be touched.
        base.apply(&cm("foreign", "1")).unwrap();
        let mut store = Faulty {
            inner: base.clone(),
            writes: 0,
            fail_at,
        };
        let outcome = apply_objects("K/n/app", &new, true, &mut store);
        let inv = store.inner.inventory("K/n/app").unwrap().unwrap();
        for id in &inv {
            assert!(
                store.inner.objects.contains_key(id),
                "fail_at {fail_at}: inventory names absent {id}"
            );
        }
        for id in store.inner.objects.keys() {
            assert!(
                inv.contains(id) || id.name == "foreign",
                "fail_at {fail_at}: {id} owned but not in the inventory"
            );
        }
        assert!(
            store.inner.objects.keys().any(|id| id.name == "foreign"),
            "prune stays inside the inventory"
        );
        match outcome {
            Ok(_) => assert_eq!(inv.len(), 5),
            Err((plan, applied, e)) => {
                assert!(e.to_string().contains("injected"));
                assert!(applied < plan.entries.len());
            }
        }
    }
}
