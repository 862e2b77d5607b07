//! `namePrefix` and `nameSuffix`.

use crate::resource::Resource;

/// Whether kustomize leaves the names of `r`'s kind alone (CRDs, Namespaces, APIServices).
pub fn skipped(r: &Resource) -> bool {
    let gvk = r.gvk();
    gvk.kind == "CustomResourceDefinition"
        || gvk.kind == "Namespace"
        || (gvk.group == "apiregistration.k8s.io" && gvk.kind == "APIService")
}

/// Adds `prefix` to every name (CRDs, Namespaces and APIServices keep theirs).
pub fn prefix(resources: &mut [Resource], prefix: &str) {
    if prefix.is_empty() {
        return;
    }
    for r in resources.iter_mut().filter(|r| !skipped(r)) {
        r.store_previous_id();
        r.prefixes.push(prefix.to_string());
        let name = format!("{prefix}{}", r.name());
        r.set_name(&name);
    }
}

/// Adds `suffix` to every name (CRDs, Namespaces and APIServices keep theirs).
pub fn suffix(resources: &mut [Resource], suffix: &str) {
    if suffix.is_empty() {
        return;
    }
    for r in resources.iter_mut().filter(|r| !skipped(r)) {
        r.store_previous_id();
        r.suffixes.push(suffix.to_string());
        let name = format!("{}{suffix}", r.name());
        r.set_name(&name);
    }
}
