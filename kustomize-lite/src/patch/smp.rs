//! Strategic merge patches: maps merge, `null` deletes, lists of known object fields merge
//! by their merge key, and the `$patch`, `$retainKeys` and `$deleteFromPrimitiveList`
//! directives.

use serde_json::{Map, Value};

/// Kinds whose list fields follow the built-in Kubernetes schema.
const BUILTIN_GROUPS: &[&str] = &[
    "",
    "apps",
    "batch",
    "extensions",
    "policy",
    "autoscaling",
    "networking.k8s.io",
    "rbac.authorization.k8s.io",
    "storage.k8s.io",
    "scheduling.k8s.io",
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "coordination.k8s.io",
    "discovery.k8s.io",
    "node.k8s.io",
    "certificates.k8s.io",
];

const BUILTIN_KINDS: &[&str] = &[
    "Pod",
    "PodTemplate",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
    "Service",
    "ConfigMap",
    "Secret",
    "ServiceAccount",
    "Namespace",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Ingress",
    "NetworkPolicy",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
    "StorageClass",
    "Endpoints",
    "LimitRange",
    "ResourceQuota",
];

/// How lists of one object are merged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    /// A built-in kind: the known merge keys.
    Builtin,
    /// Another Kubernetes kind, or a custom kind whose schema was given (`openapi.path`):
    /// infer a key shared by every element.
    Inferred,
    /// A kind kustomize has no schema for: lists are replaced, as kustomize's.
    Opaque,
}

impl Schema {
    /// The schema for an object's `apiVersion` group and kind.
    pub fn for_kind(group: &str, version: &str, kind: &str) -> Schema {
        const CORE: &[&str] = &[
            "Pod",
            "PodTemplate",
            "ReplicationController",
            "Service",
            "ConfigMap",
            "Secret",
            "ServiceAccount",
            "Namespace",
            "PersistentVolume",
            "PersistentVolumeClaim",
            "Endpoints",
            "LimitRange",
            "ResourceQuota",
        ];
        let core_ok = !group.is_empty() || (version == "v1" && CORE.contains(&kind));
        // The API groups of Kubernetes itself: kustomize's schema knows their kinds.
        const KUBERNETES_GROUPS: &[&str] = &[
            "",
            "apps",
            "batch",
            "autoscaling",
            "policy",
            "extensions",
            "rbac.authorization.k8s.io",
            "networking.k8s.io",
            "admissionregistration.k8s.io",
            "apiextensions.k8s.io",
            "apiregistration.k8s.io",
            "storage.k8s.io",
            "scheduling.k8s.io",
            "coordination.k8s.io",
            "discovery.k8s.io",
            "events.k8s.io",
            "node.k8s.io",
            "certificates.k8s.io",
            "flowcontrol.apiserver.k8s.io",
            "authentication.k8s.io",
            "authorization.k8s.io",
        ];
        if core_ok && BUILTIN_GROUPS.contains(&group) && BUILTIN_KINDS.contains(&kind) {
            Schema::Builtin
        } else if KUBERNETES_GROUPS.contains(&group) {
            Schema::Inferred
        } else {
            Schema::Opaque
        }
    }
}

fn all_have(lists: &[&[Value]], key: &str) -> bool {
    lists.iter().all(|l| {
        l.iter()
            .all(|e| e.get(key).is_some() || is_directive_only(e))
    })
}

fn is_directive_only(e: &Value) -> bool {
    e.as_object()
        .is_some_and(|m| m.keys().all(|k| k.starts_with('$')))
}

/// The merge key fields of list `field`, or `None` when the list is replaced.
fn merge_key(
    schema: Schema,
    field: &str,
    dst: &[Value],
    patch: &[Value],
) -> Option<&'static [&'static str]> {
    let maps = dst.iter().chain(patch).all(Value::is_object);
    if !maps {
        return None;
    }
    match schema {
        Schema::Builtin => match field {
            "containers"
            | "initContainers"
            | "ephemeralContainers"
            | "volumes"
            | "env"
            | "imagePullSecrets" => Some(&["name"]),
            "volumeMounts" => Some(&["mountPath"]),
            "volumeDevices" => Some(&["devicePath"]),
            "hostAliases" => Some(&["ip"]),
            "conditions" => Some(&["type"]),
            "topologySpreadConstraints" => Some(&["topologyKey", "whenUnsatisfiable"]),
            "ports" => {
                if all_have(&[dst, patch], "containerPort") {
                    Some(&["containerPort", "protocol"])
                } else {
                    Some(&["port", "protocol"])
                }
            }
            _ => None,
        },
        Schema::Opaque => None,
        Schema::Inferred => {
            const KEYS: [&[&str]; 7] = [
                &["mountPath"],
                &["devicePath"],
                &["ip"],
                &["type"],
                &["topologyKey"],
                &["name"],
                &["containerPort"],
            ];
            KEYS.iter()
                .copied()
                .find(|k| k.iter().all(|f| all_have(&[dst, patch], f)))
        }
    }
}

fn same_key(a: &Value, b: &Value, key: &[&str]) -> bool {
    // A port without `protocol` is a TCP port (the API server's default): a patch naming
    // `protocol: TCP` merges into it, as kustomize's does.
    let tcp = Value::String("TCP".into());
    key.iter().all(|f| match *f {
        "protocol" => a.get(f).unwrap_or(&tcp) == b.get(f).unwrap_or(&tcp),
        _ => a.get(f) == b.get(f),
    })
}

/// Collapses elements of the object's merge-keyed lists that share a key, as kustomize's
/// strategic merge does over the whole object: the first one's place, the last one's value.
pub fn dedup_lists(node: &mut Value, schema: Schema) {
    let Value::Object(map) = node else { return };
    for (field, v) in map.iter_mut() {
        match v {
            Value::Array(items) => {
                if let Some(key) = merge_key(schema, field, items, &[]) {
                    let mut out: Vec<Value> = Vec::with_capacity(items.len());
                    for item in items.drain(..) {
                        match out
                            .iter_mut()
                            .find(|o| key.iter().all(|f| o.get(f) == item.get(f)))
                        {
                            Some(slot) => *slot = item,
                            None => out.push(item),
                        }
                    }
                    *items = out;
                }
                for item in items.iter_mut() {
                    dedup_lists(item, schema);
                }
            }
            Value::Object(_) => dedup_lists(v, schema),
            _ => {}
        }
    }
}

/// The outcome of merging into a map.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The map stays (possibly changed).
    Keep,
    /// `$patch: delete`: the map goes.
    Delete,
}

/// Strips directives from a value that is inserted as is.
fn clean(v: &Value) -> Option<Value> {
    match v {
        Value::Object(m) => {
            if m.get("$patch").and_then(Value::as_str) == Some("delete") {
                return None;
            }
            let mut out = Map::new();
            for (k, v) in m {
                if k.starts_with('$') {
                    continue;
                }
                if v.is_null() {
                    continue;
                }
                if let Some(c) = clean(v) {
                    out.insert(k.clone(), c);
                }
            }
            Some(Value::Object(out))
        }
        Value::Array(items) => Some(Value::Array(
            items
                .iter()
                .filter(|e| !is_directive_only(e))
                .filter_map(clean)
                .collect(),
        )),
        v => Some(v.clone()),
    }
}

/// Merges `patch` into `dst`.
pub fn merge_map(
    dst: &mut Map<String, Value>,
    patch: &Map<String, Value>,
    schema: Schema,
) -> Outcome {
    match patch.get("$patch").and_then(Value::as_str) {
        Some("delete") => return Outcome::Delete,
        Some("replace") => {
            if let Some(Value::Object(c)) = clean(&Value::Object(patch.clone())) {
                *dst = c;
            }
            return Outcome::Keep;
        }
        _ => {}
    }
    for (k, pv) in patch {
        if let Some(field) = k.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(Value::Array(items)), Value::Array(gone)) = (dst.get_mut(field), pv) {
                items.retain(|i| !gone.contains(i));
            }
            continue;
        }
        if k.starts_with('$') {
            continue;
        }
        if pv.is_null() {
            dst.remove(k);
            continue;
        }
        match (dst.get_mut(k), pv) {
            (Some(Value::Object(dm)), Value::Object(pm)) => {
                if merge_map(dm, pm, schema) == Outcome::Delete {
                    dst.remove(k);
                }
            }
            (Some(Value::Array(dl)), Value::Array(pl)) => merge_list(k, dl, pl, schema),
            _ => match clean(pv) {
                Some(c) => {
                    dst.insert(k.clone(), c);
                }
                None => {
                    dst.remove(k);
                }
            },
        }
    }
    if let Some(Value::Array(keep)) = patch.get("$retainKeys") {
        dst.retain(|k, _| keep.iter().any(|x| x.as_str() == Some(k.as_str())));
    }
    Outcome::Keep
}

fn merge_list(field: &str, dst: &mut Vec<Value>, patch: &[Value], schema: Schema) {
    if patch
        .iter()
        .any(|e| e.get("$patch").and_then(Value::as_str) == Some("replace"))
    {
        *dst = patch
            .iter()
            .filter(|e| !is_directive_only(e))
            .filter_map(clean)
            .collect();
        return;
    }
    let Some(key) = merge_key(schema, field, dst, patch) else {
        if let Some(Value::Array(c)) = clean(&Value::Array(patch.to_vec())) {
            *dst = c;
        }
        return;
    };
    if key.len() > 1 {
        merge_list_in_place(dst, patch, key, schema);
        return;
    }
    // Elements of the patch come first, in its order; elements only in the object follow.
    let mut out: Vec<Value> = Vec::with_capacity(dst.len() + patch.len());
    let mut used = vec![false; dst.len()];
    for pe in patch {
        let Some(pm) = pe.as_object() else { continue };
        if out.iter().any(|o| same_key(o, pe, key)) {
            continue;
        }
        let delete = pm.get("$patch").and_then(Value::as_str) == Some("delete");
        // kustomize deletes only an element named by its whole key: `$patch: delete` of a
        // port without `protocol` deletes nothing.
        if delete && !key.iter().all(|f| pm.contains_key(*f)) {
            continue;
        }
        let pos = dst.iter().position(|d| same_key(d, pe, key));
        for (i, d) in dst.iter().enumerate() {
            if same_key(d, pe, key)
                && let Some(u) = used.get_mut(i)
            {
                *u = true;
            }
        }
        if delete {
            continue;
        }
        match pos.and_then(|i| dst.get(i)) {
            Some(Value::Object(dm)) => {
                let mut merged = dm.clone();
                if merge_map(&mut merged, pm, schema) == Outcome::Keep {
                    out.push(Value::Object(merged));
                }
            }
            _ => {
                if let Some(c) = clean(pe) {
                    out.push(c);
                }
            }
        }
    }
    for (i, d) in dst.drain(..).enumerate() {
        if !used.get(i).copied().unwrap_or(false) {
            out.push(d);
        }
    }
    *dst = out;
}

/// A list keyed by several fields (`ports`: port and protocol): as kustomize's, elements
/// the object has are merged where they are, new ones come first in the patch's order.
fn merge_list_in_place(dst: &mut Vec<Value>, patch: &[Value], key: &[&str], schema: Schema) {
    let mut fresh: Vec<Value> = Vec::new();
    let mut deleted = vec![false; dst.len()];
    for pe in patch {
        let Some(pm) = pe.as_object() else { continue };
        let delete = pm.get("$patch").and_then(Value::as_str) == Some("delete");
        if delete && !key.iter().all(|f| pm.contains_key(*f)) {
            continue;
        }
        match dst.iter().position(|d| same_key(d, pe, key)) {
            Some(i) => {
                if delete {
                    if let Some(d) = deleted.get_mut(i) {
                        *d = true;
                    }
                } else if let Some(Value::Object(dm)) = dst.get_mut(i)
                    && merge_map(dm, pm, schema) == Outcome::Delete
                    && let Some(d) = deleted.get_mut(i)
                {
                    *d = true;
                }
            }
            None if delete => {}
            None => {
                if !fresh.iter().any(|o| same_key(o, pe, key))
                    && let Some(c) = clean(pe)
                {
                    fresh.push(c);
                }
            }
        }
    }
    let kept = dst
        .drain(..)
        .enumerate()
        .filter(|(i, _)| !deleted.get(*i).copied().unwrap_or(false))
        .map(|(_, d)| d);
    fresh.extend(kept);
    *dst = fresh;
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

    fn run(dst: Value, patch: Value) -> Value {
        let mut d = dst.as_object().unwrap().clone();
        merge_map(&mut d, patch.as_object().unwrap(), Schema::Builtin);
        Value::Object(d)
    }

    #[test]
    fn merge_table() {
        let base = json!({"spec": {"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]}});
        let cases = [
            (
                json!({"spec": {"containers": [{"name": "b", "image": "z"}]}}),
                json!({"spec": {"containers": [{"name": "b", "image": "z"}, {"name": "a", "image": "x"}]}}),
            ),
            (
                json!({"spec": {"containers": [{"name": "b", "$patch": "delete"}]}}),
                json!({"spec": {"containers": [{"name": "a", "image": "x"}]}}),
            ),
            (
                json!({"spec": {"containers": [{"name": "c"}]}}),
                json!({"spec": {"containers": [{"name": "c"}, {"name": "a", "image": "x"}, {"name": "b", "image": "y"}]}}),
            ),
            (
                json!({"spec": {"containers": [{"name": "c"}, {"$patch": "replace"}]}}),
                json!({"spec": {"containers": [{"name": "c"}]}}),
            ),
            (json!({"spec": null}), json!({})),
            (
                json!({"spec": {"$patch": "replace", "x": 1}}),
                json!({"spec": {"x": 1}}),
            ),
        ];
        for (patch, want) in cases {
            assert_eq!(run(base.clone(), patch.clone()), want, "{patch}");
        }
    }
}
