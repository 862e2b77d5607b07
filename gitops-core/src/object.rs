//! Generic Kubernetes objects: identities and accessors over `serde_json::Value`.

use serde_json::Value;

/// `kind/namespace/name` (or `kind/name` for cluster-scoped objects), for messages.
pub fn describe(obj: &Value) -> String {
    let s = |p: &str| obj.pointer(p).and_then(Value::as_str).unwrap_or("");
    let (kind, ns, name) = (s("/kind"), s("/metadata/namespace"), s("/metadata/name"));
    if ns.is_empty() { format!("{kind}/{name}") } else { format!("{kind}/{ns}/{name}") }
}
