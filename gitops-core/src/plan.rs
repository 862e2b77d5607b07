//! The reconcile plan: desired objects + live objects + the previous inventory -> actions.
//!
//! Pure: the caller supplies the live objects (usually from a [`ClusterStore`]) and applies
//! the plan. A desired object is compared field by field against the live one (fields the
//! live object has and the desired one does not, such as `status` or `metadata.uid`, are the
//! cluster's and do not count); any difference is drift and yields an update. Objects of the
//! previous inventory that are no longer desired are pruned (when pruning is on), unless
//! annotated `kustomize.toolkit.fluxcd.io/prune: disabled`. Entries come in apply order
//! (CustomResourceDefinitions and Namespaces first, webhooks last); prunes in reverse.
//!
//! [`ClusterStore`]: crate::store::ClusterStore
//!
//! ```
//! use std::collections::{BTreeMap, BTreeSet};
//! use gitops_core::plan::{plan, Action, PlanOptions};
//! let cm = serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
//!     "metadata": {"name": "a", "namespace": "x"}, "data": {"k": "v"}});
//! let p = plan(&[cm], &BTreeMap::new(), &BTreeSet::new(), PlanOptions::default()).unwrap();
//! assert_eq!(p.entries[0].action, Action::Create);
//! assert_eq!(p.entries[0].to_string(), "ConfigMap/x/a created");
//! ```

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::Value;

use crate::Error;
use crate::object::ResId;

/// Annotation that keeps an object in the cluster when it leaves the source.
pub const PRUNE_KEY: &str = "kustomize.toolkit.fluxcd.io/prune";

/// One changed field of an update.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    /// JSON pointer of the field (`/spec/replicas`).
    pub path: String,
    /// The live value (`None`: absent).
    pub live: Option<Value>,
    /// The desired value.
    pub desired: Value,
}

/// What happens to one object. Serialises as `{"action": "create"}`, or with the changed
/// fields for an update: `{"action": "update", "changes": [...]}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "action", content = "changes", rename_all = "lowercase")]
pub enum Action {
    /// Not live: created.
    Create,
    /// Live but different: updated (the fields that differ).
    Update(Vec<FieldChange>),
    /// Live and equal.
    Unchanged,
    /// In the previous inventory, no longer desired: deleted.
    Prune,
    /// Would be pruned but is annotated `prune: disabled` (or pruning is off): left alone.
    Orphan,
}

impl Action {
    /// Whether the object is desired (created, updated or unchanged).
    pub fn is_desired(&self) -> bool {
        matches!(self, Action::Create | Action::Update(_) | Action::Unchanged)
    }

    /// The word Flux prints for the action.
    pub fn verb(&self) -> &'static str {
        self.kind().verb()
    }

    /// The kind of action, without its details.
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::Create => ActionKind::Create,
            Action::Update(_) => ActionKind::Update,
            Action::Unchanged => ActionKind::Unchanged,
            Action::Prune => ActionKind::Prune,
            Action::Orphan => ActionKind::Orphan,
        }
    }
}

/// The kinds of [`Action`], for counting and filtering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ActionKind {
    /// Created.
    Create,
    /// Updated.
    Update,
    /// Left as it was.
    Unchanged,
    /// Deleted.
    Prune,
    /// Left alone although no longer desired.
    Orphan,
}

impl ActionKind {
    /// The word Flux prints for it: `created`, `configured`, `unchanged`, `pruned`, `skipped`.
    pub fn verb(self) -> &'static str {
        match self {
            ActionKind::Create => "created",
            ActionKind::Update => "configured",
            ActionKind::Unchanged => "unchanged",
            ActionKind::Prune => "pruned",
            ActionKind::Orphan => "skipped",
        }
    }
}

/// One plan entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanEntry {
    /// The object.
    pub id: ResId,
    /// What happens to it.
    #[serde(flatten)]
    pub action: Action,
    /// The object to apply: present for create and update entries only (unchanged, prune
    /// and orphan entries carry no copy).
    pub desired: Option<Value>,
}

impl fmt::Display for PlanEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.id, self.action.verb())
    }
}

/// A reconcile plan, in apply order.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Plan {
    /// Entries: creates, updates and unchanged in apply order, then prunes in reverse order.
    pub entries: Vec<PlanEntry>,
}

impl Plan {
    /// The desired inventory (every object created, updated or unchanged).
    pub fn inventory(&self) -> BTreeSet<ResId> {
        self.entries
            .iter()
            .filter(|e| e.action.is_desired())
            .map(|e| e.id.clone())
            .collect()
    }

    /// Whether the plan changes nothing.
    pub fn is_noop(&self) -> bool {
        self.entries
            .iter()
            .all(|e| matches!(e.action, Action::Unchanged | Action::Orphan))
    }

    /// How many entries are of this kind.
    pub fn count(&self, kind: ActionKind) -> usize {
        self.entries
            .iter()
            .filter(|e| e.action.kind() == kind)
            .count()
    }
}

/// Options of [`plan`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PlanOptions {
    /// Prune objects of the previous inventory that left the source.
    pub prune: bool,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions { prune: true }
    }
}

impl PlanOptions {
    /// Whether objects that left the source are pruned (default `true`).
    pub fn prune(mut self, prune: bool) -> Self {
        self.prune = prune;
        self
    }
}

/// Apply rank of a kind: lower first.
pub fn kind_rank(kind: &str) -> u8 {
    const ORDER: &[&str] = &[
        "CustomResourceDefinition",
        "Namespace",
        "ResourceQuota",
        "StorageClass",
        "LimitRange",
        "PodSecurityPolicy",
        "PodDisruptionBudget",
        "ServiceAccount",
        "Secret",
        "ConfigMap",
        "PersistentVolume",
        "PersistentVolumeClaim",
        "ClusterRole",
        "ClusterRoleBinding",
        "Role",
        "RoleBinding",
        "Service",
        "DaemonSet",
        "Pod",
        "ReplicationController",
        "ReplicaSet",
        "Deployment",
        "HorizontalPodAutoscaler",
        "StatefulSet",
        "Job",
        "CronJob",
        "IngressClass",
        "Ingress",
        "APIService",
    ];
    match kind {
        "MutatingWebhookConfiguration" => 254,
        "ValidatingWebhookConfiguration" => 255,
        _ => ORDER
            .iter()
            .position(|k| *k == kind)
            .and_then(|p| u8::try_from(p).ok())
            .unwrap_or(200),
    }
}

/// Fields of `desired` that `live` does not hold with the same value.
pub fn diff(desired: &Value, live: &Value) -> Vec<FieldChange> {
    let mut out = Vec::new();
    diff_into(desired, Some(live), &mut Vec::new(), &mut out);
    out
}

fn escape_pointer(key: &str) -> std::borrow::Cow<'_, str> {
    if key.contains(['~', '/']) {
        std::borrow::Cow::Owned(key.replace('~', "~0").replace('/', "~1"))
    } else {
        std::borrow::Cow::Borrowed(key)
    }
}

fn diff_into<'a>(
    desired: &'a Value,
    live: Option<&Value>,
    path: &mut Vec<&'a str>,
    out: &mut Vec<FieldChange>,
) {
    match (desired, live) {
        (Value::Object(d), Some(Value::Object(l))) => {
            for (k, dv) in d {
                path.push(k);
                diff_into(dv, l.get(k), path, out);
                path.pop();
            }
        }
        (d, l) if l == Some(d) => {}
        (d, l) => {
            let pointer: String = path
                .iter()
                .map(|k| format!("/{}", escape_pointer(k)))
                .collect();
            out.push(FieldChange {
                path: pointer,
                live: l.cloned(),
                desired: d.clone(),
            });
        }
    }
}

/// Computes the plan (see the module docs).
///
/// `live` holds the current objects by identity (only those of interest need be present);
/// `previous` is the inventory of the last successful reconcile. Two desired objects with the
/// same identity are an error naming it.
pub fn plan(
    desired: &[Value],
    live: &BTreeMap<ResId, Value>,
    previous: &BTreeSet<ResId>,
    opts: PlanOptions,
) -> Result<Plan, Error> {
    // Compare in place; only objects that will be applied are copied into the plan.
    let mut ranked: Vec<(u8, PlanEntry)> = Vec::with_capacity(desired.len());
    for obj in desired {
        let id = ResId::of(obj)?;
        let (action, copy) = match live.get(&id) {
            None => (Action::Create, Some(obj.clone())),
            Some(l) => {
                let changes = diff(obj, l);
                if changes.is_empty() {
                    (Action::Unchanged, None)
                } else {
                    (Action::Update(changes), Some(obj.clone()))
                }
            }
        };
        ranked.push((
            kind_rank(&id.kind),
            PlanEntry {
                id,
                action,
                desired: copy,
            },
        ));
    }
    ranked.sort_unstable_by(|a, b| (a.0, &a.1.id).cmp(&(b.0, &b.1.id)));
    if let Some(w) = ranked.windows(2).find(|w| match w {
        [a, b] => a.1.id == b.1.id,
        _ => false,
    }) && let Some((_, e)) = w.first()
    {
        return Err(Error::Model {
            origin: e.id.to_string(),
            message: "the source renders this object twice".into(),
        });
    }
    let mut entries: Vec<PlanEntry> = ranked.into_iter().map(|(_, e)| e).collect();
    let seen: std::collections::HashSet<&ResId> = entries.iter().map(|e| &e.id).collect();
    let mut stale: Vec<(u8, &ResId)> = previous
        .iter()
        .filter(|id| !seen.contains(id))
        .map(|id| (kind_rank(&id.kind), id))
        .collect();
    stale.sort_unstable_by(|a, b| b.cmp(a));
    let mut prunes = Vec::with_capacity(stale.len());
    for (_, id) in stale {
        let Some(l) = live.get(id) else { continue };
        let keep = !opts.prune
            || l.pointer("/metadata/annotations")
                .and_then(|a| a.get(PRUNE_KEY))
                .and_then(Value::as_str)
                == Some("disabled")
            || l.pointer("/metadata/labels")
                .and_then(|a| a.get(PRUNE_KEY))
                .and_then(Value::as_str)
                == Some("disabled");
        let action = if keep { Action::Orphan } else { Action::Prune };
        prunes.push(PlanEntry {
            id: id.clone(),
            action,
            desired: None,
        });
    }
    drop(seen);
    entries.extend(prunes);
    Ok(Plan { entries })
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cm(name: &str, v: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "n"}, "data": {"k": v}})
    }

    #[test]
    fn plans_serialise_with_their_actions() {
        let mut live = BTreeMap::new();
        let old = cm("changed", "old");
        live.insert(ResId::of(&old).unwrap(), old);
        let p = plan(
            &[cm("changed", "new"), cm("fresh", "1")],
            &live,
            &BTreeSet::new(),
            PlanOptions::default(),
        )
        .unwrap();
        let v = serde_json::to_value(&p).unwrap();
        let entries = v["entries"].as_array().unwrap();
        let by_name = |n: &str| {
            entries
                .iter()
                .find(|e| e["id"]["name"] == n)
                .unwrap_or_else(|| panic!("{n} in {v}"))
        };
        assert_eq!(by_name("fresh")["action"], "create");
        let changed = by_name("changed");
        assert_eq!(changed["action"], "update");
        assert_eq!(changed["changes"][0]["path"], "/data/k", "{changed}");
        assert_eq!(changed["changes"][0]["desired"], "new");
    }

    #[test]
    fn actions_table() {
        let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"}});
        let mut live = BTreeMap::new();
        let mut l = cm("same", "1");
        l["status"] = json!({"x": 1});
        l["metadata"]["uid"] = json!("u");
        live.insert(ResId::of(&l).unwrap(), l);
        let changed = cm("changed", "old");
        live.insert(ResId::of(&changed).unwrap(), changed);
        let gone = cm("gone", "1");
        let mut kept = cm("kept", "1");
        kept["metadata"]["annotations"] = json!({PRUNE_KEY: "disabled"});
        let outside = cm("outside", "1");
        for o in [&gone, &kept, &outside] {
            live.insert(ResId::of(o).unwrap(), o.clone());
        }
        let previous: BTreeSet<_> = [&gone, &kept, &cm("same", "1")]
            .iter()
            .map(|o| ResId::of(o).unwrap())
            .collect();
        let p = plan(
            &[cm("same", "1"), cm("changed", "new"), cm("fresh", "1"), ns],
            &live,
            &previous,
            PlanOptions::default(),
        )
        .unwrap();
        let lines: Vec<String> = p.entries.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "Namespace/n created",
                "ConfigMap/n/changed configured",
                "ConfigMap/n/fresh created",
                "ConfigMap/n/same unchanged",
                "ConfigMap/n/kept skipped",
                "ConfigMap/n/gone pruned",
            ]
        );
        let Action::Update(ch) = &p.entries[1].action else {
            panic!()
        };
        assert_eq!(ch[0].path, "/data/k");
        assert!(
            !lines.iter().any(|l| l.contains("outside")),
            "never prunes outside the inventory"
        );
    }

    #[test]
    fn duplicate_is_an_error() {
        let err = plan(
            &[cm("a", "1"), cm("a", "2")],
            &BTreeMap::new(),
            &BTreeSet::new(),
            PlanOptions::default(),
        );
        assert!(err.unwrap_err().to_string().contains("ConfigMap/n/a"));
    }

    proptest::proptest! {
        #[test]
        fn plan_of_live_state_is_noop(values in proptest::collection::vec("[a-z]{1,5}", 0..20)) {
            let desired: Vec<Value> = values.iter().enumerate().map(|(i, v)| cm(&format!("c{i}"), v)).collect();
            let live = desired.iter().map(|o| (ResId::of(o).unwrap(), o.clone())).collect();
            let prev = desired.iter().map(|o| ResId::of(o).unwrap()).collect();
            let p = plan(&desired, &live, &prev, PlanOptions::default()).unwrap();
            proptest::prop_assert!(p.is_noop());
        }
    }
}
