//! `namespace`: sets `metadata.namespace` of namespaced objects and the namespace fields of
//! the built-in field specs (APIService, CRD webhooks, RoleBinding subjects named `default`).

use crate::fieldspec::{self, FieldSpec};
use crate::resid::KustomizeScope as _;
use crate::resource::{Resource, as_map};
use serde_json::Value;

/// Puts every namespaced object into `ns`.
pub fn apply(resources: &mut [Resource], ns: &str, specs: &[FieldSpec]) {
    for r in resources.iter_mut() {
        r.store_previous_id();
        let gvk = r.gvk();
        if !gvk.kustomize_cluster_scoped() {
            r.set_namespace(ns);
        }
        let is_core = r.obj.get("apiVersion").and_then(Value::as_str) == Some("v1");
        let is_binding = gvk.kind == "RoleBinding" || gvk.kind == "ClusterRoleBinding";
        if is_binding && let Some(Value::Array(subjects)) = r.obj.get_mut("subjects") {
            for s in subjects.iter_mut() {
                if s.get("name").and_then(Value::as_str) == Some("default") {
                    as_map(s).insert("namespace".into(), Value::String(ns.into()));
                }
            }
        }
        for spec in specs {
            let p = spec.path.join("/");
            if p == "metadata/namespace"
                || (p == "metadata/name" && !is_core)
                || (is_binding && p == "subjects")
            {
                continue;
            }
            let _ = fieldspec::apply::<()>(&mut r.obj, &gvk, spec, &mut |node| {
                if node.is_null() || node.is_string() {
                    *node = Value::String(ns.into());
                }
                Ok(())
            });
        }
    }
}
